"""Safe persistence: every fitted configuration round-trips through ``skops.io``.

A model saved with ``skops.io.dump`` loads with ``trusted=SKOPS_TRUSTED_TYPES``
and nothing else: its predictions are identical, and a stochastic model goes
on with ``partial_fit`` exactly as the unsaved one. The table covers every
estimator with every solver, every hidden activation and penalty option the
hyperparameter checks accept, and the paths that store more state (early
stopping, class weights, Poisson loss, partial_fit).
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from _estimators import (
    CLASSIFIERS,
    ESTIMATORS,
    MLPS,
    PREDICTION_METHODS,
    cyclic_labels,
    data_maker,
    estimator_maker,
    fit_quietly,
    linear_target,
    partial_fit,
)
from sklearn_backprop import SKOPS_TRUSTED_TYPES
from sklearn_backprop._validation import _OPTIONS

sio = pytest.importorskip("skops.io")

make_estimator = estimator_maker((5,), max_iter=15, random_state=0)
make_data = data_maker(60, cyclic_labels, lambda X, rng: np.abs(linear_target(X, rng)))

CONFIGS = {
    f"{name}-{solver}": (name, {"solver": solver})
    for name in ESTIMATORS
    for solver in ("lbfgs", "sgd", "adam")
}
CONFIGS.update(
    {
        f"{name}-{option}-{value}": (name, {option: value})
        for name in MLPS
        for option in ("activation", "penalty")
        for value in _OPTIONS.get(option, ())
    }
)
CONFIGS.update(
    {
        "mlp-classifier-sgd-early-stopping": (
            "mlp-classifier",
            {"solver": "sgd", "early_stopping": True},
        ),
        "logistic-balanced-class-weight": ("logistic", {"class_weight": "balanced"}),
        "mlp-regressor-poisson": ("mlp-regressor", {"loss": "poisson", "solver": "adam"}),
        "linear-no-intercept": ("linear", {"fit_intercept": False}),
        "logistic-alpha-0.1": ("logistic", {"alpha": 0.1}),
    }
)


def round_trip(model, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    return sio.load(path, trusted=SKOPS_TRUSTED_TYPES)


def predictions(model, X):
    return {m: getattr(model, m)(X) for m in PREDICTION_METHODS if hasattr(model, m)}


@pytest.mark.parametrize("config", CONFIGS)
def test_fitted_model_round_trips_through_skops_with_identical_predictions(config, tmp_path):
    name, params = CONFIGS[config]
    X, y = make_data(name)
    model = fit_quietly(make_estimator(name, **params), X, y)
    loaded = round_trip(model, tmp_path)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    expected = predictions(model, X)
    for method, values in predictions(loaded, X).items():
        assert_array_equal(values, expected[method], err_msg=method)


@pytest.mark.parametrize("config", CONFIGS)
def test_skops_trusts_exactly_the_listed_types(config):
    name, params = CONFIGS[config]
    X, y = make_data(name)
    data = sio.dumps(fit_quietly(make_estimator(name, **params), X, y))
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) <= set(SKOPS_TRUSTED_TYPES)
    assert (
        f"{type(make_estimator(name)).__module__}.{type(make_estimator(name)).__name__}"
        in untrusted
    )
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(data)  # nothing is loaded that was not trusted by name


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", ["logistic", "mlp-regressor"])
def test_loaded_stochastic_model_resumes_partial_fit_bit_identically(name, solver, tmp_path):
    X, y = make_data(name)
    never_saved = partial_fit(make_estimator(name, solver=solver), name, X, y)
    saved = round_trip(partial_fit(make_estimator(name, solver=solver), name, X, y), tmp_path)
    for model in (never_saved, saved):
        partial_fit(model, name, X, y)
    assert_array_equal(saved.coefs_[0], never_saved.coefs_[0])
    assert saved.loss_curve_ == never_saved.loss_curve_
    if name in CLASSIFIERS:
        assert_array_equal(saved.classes_, never_saved.classes_)
