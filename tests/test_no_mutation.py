"""Inputs are never mutated, and every array-like is accepted (issue 6, promise 4).

Scope: ``fit``, ``partial_fit`` and the prediction methods of every estimator and solver leave
``X``, ``y`` and ``sample_weight`` exactly as they were (values, dtype, shape, memory order), with
or without ``class_weight``. Read-only memmaps, Fortran-ordered and strided arrays, lists, pandas
objects and int arrays are accepted and give the same model as the equivalent C-contiguous
float64 array.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from _estimators import (
    CLASSIFIERS,
    ESTIMATORS,
    PREDICTION_METHODS,
    cyclic_labels,
    data_maker,
    estimator_maker,
    linear_target,
    quietly,
)

LABELS = np.array(["ham", "spam", "eggs"])

make_estimator = estimator_maker(hidden_layer_sizes=(4,), random_state=0, max_iter=8, batch_size=8)
make_X_y = data_maker(
    n_samples=20, labels=lambda X, rng: LABELS[cyclic_labels(X, rng)], target=linear_target
)


def make_data(name, n_samples=20, seed=0):
    """X, y (string labels for classifiers) and positive sample weights."""
    rng = np.random.default_rng(seed)
    X, y = make_X_y(name, n_samples, seed=rng)
    return X, y, rng.uniform(0.5, 2.0, size=n_samples)


def snapshot(array):
    return array.copy(order="K"), array.dtype, array.shape, array.flags.c_contiguous


def assert_unchanged(array, before):
    copy, dtype, shape, c_contiguous = before
    assert array.dtype == dtype
    assert array.shape == shape
    assert array.flags.c_contiguous == c_contiguous
    assert_array_equal(array, copy, strict=True)


def run_everything(estimator, X, y, sample_weight, partial_fit=True):
    """fit, then partial_fit (if available and asked), then every prediction method."""
    quietly(estimator.fit, X, y, sample_weight=sample_weight)
    if partial_fit and hasattr(estimator, "partial_fit"):
        estimator.partial_fit(X, y, sample_weight=sample_weight)
    for method in PREDICTION_METHODS:
        if hasattr(estimator, method):
            getattr(estimator, method)(X)
    estimator.score(X, y, sample_weight=sample_weight)
    return estimator


def mutation_cases():
    cases = []
    for name in ESTIMATORS:
        for solver in ("lbfgs", "sgd", "adam"):
            cases.append(pytest.param(name, {"solver": solver}, id=f"{name}-{solver}"))
        cases.append(
            pytest.param(
                name,
                {"solver": "sgd", "early_stopping": True, "validation_fraction": 0.3},
                id=f"{name}-sgd-early-stopping",
            )
        )
    for name in CLASSIFIERS:
        for class_weight in ("balanced", {"ham": 2.0, "spam": 0.5, "eggs": 1.0}):
            label = "balanced" if class_weight == "balanced" else "dict"
            for solver in ("lbfgs", "adam"):
                cases.append(
                    pytest.param(
                        name,
                        {"solver": solver, "class_weight": class_weight},
                        id=f"{name}-{solver}-class-weight-{label}",
                    )
                )
    return cases


@pytest.mark.parametrize(("name", "params"), mutation_cases())
def test_fit_partial_fit_and_predict_never_mutate_X_y_or_sample_weight(name, params):
    X, y, sample_weight = make_data(name)
    before = [snapshot(a) for a in (X, y, sample_weight)]
    estimator = make_estimator(name, **params)
    # partial_fit supports neither early stopping nor class_weight="balanced".
    partial_fit = not params.get("early_stopping") and params.get("class_weight") != "balanced"
    run_everything(estimator, X, y, sample_weight, partial_fit=partial_fit)
    for array, snap in zip((X, y, sample_weight), before):
        assert_unchanged(array, snap)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_float32_inputs_are_not_mutated_either(name, solver):
    X, y, sample_weight = make_data(name)
    X, sample_weight = X.astype(np.float32), sample_weight.astype(np.float32)
    before = [snapshot(a) for a in (X, y, sample_weight)]
    run_everything(make_estimator(name, solver=solver), X, y, sample_weight)
    for array, snap in zip((X, y, sample_weight), before):
        assert_unchanged(array, snap)


# ---- every array-like gives the same model ----------------------------------------------


def fitted(name, solver, X, y, sample_weight):
    estimator = make_estimator(name, solver=solver)
    quietly(estimator.fit, X, y, sample_weight=sample_weight)
    if solver != "lbfgs":
        estimator.partial_fit(X, y, sample_weight=sample_weight)
    return estimator


def assert_same_model(estimator, X_new, reference, X_reference):
    """Same parameters (up to BLAS summation order) and the same predictions."""
    params = estimator.coefs_ + estimator.intercepts_
    for W, W_ref in zip(params, reference.coefs_ + reference.intercepts_):
        assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
    if hasattr(reference, "classes_"):
        assert_array_equal(estimator.predict(X_new), reference.predict(X_reference))
        assert_allclose(
            estimator.predict_proba(X_new), reference.predict_proba(X_reference), rtol=1e-9
        )
    else:
        assert_allclose(estimator.predict(X_new), reference.predict(X_reference), rtol=1e-9)


def strided(X):
    """The same values as ``X``, as a view with gaps between rows and between columns."""
    padded = np.zeros((2 * X.shape[0], 2 * X.shape[1]), dtype=X.dtype)
    padded[::2, ::2] = X
    view = padded[::2, ::2]
    assert not view.flags.c_contiguous
    assert not view.flags.f_contiguous
    return view


def read_only(array):
    array = array.copy()
    array.flags.writeable = False
    return array


LAYOUTS = {
    "fortran": lambda X, y, w: (np.asfortranarray(X), y, w),
    "strided": lambda X, y, w: (strided(X), strided(y[:, None])[:, 0], strided(w[:, None])[:, 0]),
    "read-only": lambda X, y, w: (read_only(X), read_only(y), read_only(w)),
    "lists": lambda X, y, w: (X.tolist(), y.tolist(), w.tolist()),
    "pandas": lambda X, y, w: (
        pd.DataFrame(X, columns=["a", "b", "c"]),
        pd.Series(y, name="target"),
        pd.Series(w),
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_other_layouts_and_containers_give_the_same_model(name, solver, layout):
    X, y, sample_weight = make_data(name)
    reference = fitted(name, solver, X, y, sample_weight)
    X_other, y_other, w_other = LAYOUTS[layout](X, y, sample_weight)
    estimator = fitted(name, solver, X_other, y_other, w_other)
    assert_same_model(estimator, X_other, reference, X)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_read_only_memmaps_are_accepted_and_give_the_same_model(name, solver, tmp_path):
    X, y, sample_weight = make_data(name)
    if name in CLASSIFIERS:
        y = np.arange(len(y)) % 3  # memmaps hold numbers
    memmaps = []
    for label, array in (("X", X), ("y", y), ("w", sample_weight)):
        path = tmp_path / f"{label}.dat"
        array.tofile(path)
        memmaps.append(np.memmap(path, dtype=array.dtype, mode="r", shape=array.shape))
    X_map, y_map, w_map = memmaps
    estimator = fitted(name, solver, X_map, y_map, w_map)
    reference = fitted(name, solver, X, y, sample_weight)
    assert_same_model(estimator, X_map, reference, X)
    assert_array_equal(X_map, X)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_int_arrays_give_the_same_model_as_their_float_copy(name, solver):
    rng = np.random.default_rng(1)
    X = rng.integers(-3, 4, size=(20, 3))
    y = np.arange(20) % 3 if name in CLASSIFIERS else X @ np.array([1, -2, 3])
    sample_weight = rng.integers(1, 4, size=20)
    estimator = fitted(name, solver, X, y, sample_weight)
    reference = fitted(name, solver, X.astype(float), y, sample_weight.astype(float))
    assert_same_model(estimator, X, reference, X.astype(float))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_pandas_nullable_and_categorical_columns_are_accepted(name):
    X, y, _ = make_data(name)
    X_int = np.round(2 * X).astype(int)
    frame = pd.DataFrame(X_int, columns=["a", "b", "c"]).astype("Int64")
    target = pd.Series(y).astype("category") if name in CLASSIFIERS else pd.Series(y)
    estimator = quietly(make_estimator(name).fit, frame, target)
    reference = quietly(make_estimator(name).fit, X_int.astype(float), y)
    assert_same_model(estimator, frame, reference, X_int.astype(float))
