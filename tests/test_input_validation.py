"""Input validation as scikit-learn does it (issue 6, promise 3).

Scope: what ``fit``, ``partial_fit`` and the prediction methods do with bad input: NaN/inf, empty,
1-d/3-d, complex or string X; mismatched lengths; a wrong number of features at predict; a single
class; labels unseen by ``partial_fit``'s ``classes``; bad ``sample_weight`` (negative, wrong
shape, all zero, non-finite) -- while a mini-batch whose weights happen to be all zero is a normal
event -- and invalid hyperparameters, which are accepted by ``__init__`` and ``set_params`` and
rejected by ``fit`` before any training happens. Each error is a ``ValueError`` whose message
carries the words of scikit-learn's own.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

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
    value_error_of,
)

make_estimator = estimator_maker(hidden_layer_sizes=(3,), random_state=0, max_iter=5)
make_data = data_maker(n_samples=12, labels=cyclic_labels, target=linear_target)


# ---- X and y ------------------------------------------------------------------------------


def with_value(X, value):
    X = X.copy()
    X[1, 2] = value
    return X


BAD_X = {
    "nan": (lambda X: with_value(X, np.nan), r"Input X contains NaN"),
    "inf": (lambda X: with_value(X, np.inf), r"Input X contains infinity"),
    "-inf": (lambda X: with_value(X, -np.inf), r"Input X contains infinity"),
    "empty": (lambda X: X[:0], r"Found array with 0 sample\(s\)"),
    "no-features": (lambda X: X[:, :0], r"Found array with 0 feature\(s\)"),
    "1d": (lambda X: X[:, 0], r"Expected 2D array, got 1D array"),
    "3d": (lambda X: X[:, :, np.newaxis], r"Found array with dim 3"),
    "complex": (lambda X: X + 1j, r"Complex data not supported"),
    "strings": (lambda X: np.where(X > 0, "up", "down"), r"could not convert string to float"),
    "mixed-objects": (
        lambda X: np.column_stack([X.astype(object), ["a"] * len(X)]),
        r"could not convert string to float",
    ),
}


@pytest.mark.parametrize("bad", BAD_X)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_rejects_bad_X_with_sklearn_message(name, bad):
    X, y = make_data(name)
    transform, message = BAD_X[bad]
    X_bad = transform(X)
    y = y[: len(X_bad)] if X_bad.ndim else y
    with pytest.raises(ValueError, match=message):
        make_estimator(name).fit(X_bad, y)


@pytest.mark.parametrize("bad", ["nan", "inf", "empty", "1d", "3d", "complex", "strings"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_prediction_methods_reject_bad_X_with_sklearn_message(name, bad):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name), X, y)
    transform, message = BAD_X[bad]
    for method in PREDICTION_METHODS:
        if hasattr(estimator, method):
            with pytest.raises(ValueError, match=message):
                getattr(estimator, method)(transform(X))


@pytest.mark.parametrize("value", [np.nan, np.inf], ids=["nan", "inf"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_rejects_non_finite_y(name, value):
    X, y = make_data(name)
    y = y.astype(float)
    y[3] = value
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        make_estimator(name).fit(X, y)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_rejects_X_and_y_of_different_lengths(name):
    X, y = make_data(name)
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[12, 11\]"):
        make_estimator(name).fit(X, y[:-1])


@pytest.mark.parametrize("name", ESTIMATORS)
def test_prediction_with_a_different_number_of_features_names_both_counts(name):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name), X, y)
    for method in (*PREDICTION_METHODS, "score"):
        if hasattr(estimator, method):
            args = (X[:, :2], y) if method == "score" else (X[:, :2],)
            with pytest.raises(ValueError, match=r"X has 2 features, but \w+ is expecting 3"):
                getattr(estimator, method)(*args)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_fit_rejects_a_single_class(name):
    X, _ = make_data(name)
    with pytest.raises(ValueError, match=r"at least 2 classes.*only one class"):
        make_estimator(name).fit(X, np.full(len(X), "spam"))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_partial_fit_rejects_a_single_declared_class(name):
    X, _ = make_data(name)
    with pytest.raises(ValueError, match=r"(?i)(at least 2|two) classes|only one class"):
        make_estimator(name, solver="sgd").partial_fit(X, np.zeros(len(X)), classes=[0.0])


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_fit_rejects_a_continuous_target_for_a_classifier(name):
    X, _ = make_data(name)
    with pytest.raises(ValueError, match=r"Unknown label type"):
        make_estimator(name).fit(X, np.linspace(0, 1, len(X)))


# "y has classes [3] not in classes=[0 1 2]", or scikit-learn's wording with the label last.
UNSEEN_LABEL = r"(?s)classes.*3.*not in.*classes|classes.*not in.*classes.*3"


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_partial_fit_rejects_labels_not_in_classes(name, solver_calls):
    X, y = make_data(name)
    estimator = make_estimator(name, solver="sgd")
    with pytest.raises(ValueError, match=UNSEEN_LABEL):
        estimator.partial_fit(X, np.where(y == 2, 3, y), classes=[0, 1, 2])
    assert solver_calls == []
    estimator.partial_fit(X, y, classes=[0, 1, 2])
    coefs = [W.copy() for W in estimator.coefs_]
    with pytest.raises(ValueError, match=UNSEEN_LABEL):
        estimator.partial_fit(X, np.where(y == 2, 3, y))
    for W, W_before in zip(estimator.coefs_, coefs):
        assert_array_equal(W, W_before)


# ---- sample_weight -------------------------------------------------------------------------

BAD_SAMPLE_WEIGHT = {
    "negative": (
        np.r_[-1.0, np.ones(11)],
        r"(?i)negative.*sample.?weight|sample.?weight.*negative",
    ),
    "too-short": (np.ones(11), r"sample_weight\.shape == \(11,\), expected \(12,\)"),
    "2d": (np.ones((12, 1)), r"(?i)sample.?weight.*(shape|1D)"),
    "all-zero": (np.zeros(12), r"(?i)sample.?weight.*zero"),
    "nan": (np.r_[np.nan, np.ones(11)], r"Input sample_weight contains NaN"),
    "inf": (np.r_[np.inf, np.ones(11)], r"Input sample_weight contains infinity"),
}


@pytest.mark.parametrize("bad", BAD_SAMPLE_WEIGHT)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_rejects_bad_sample_weight_before_training(name, bad, solver_calls):
    X, y = make_data(name)
    sample_weight, message = BAD_SAMPLE_WEIGHT[bad]
    estimator = make_estimator(name)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y, sample_weight=sample_weight)
    assert solver_calls == []
    assert not hasattr(estimator, "coefs_")


@pytest.mark.parametrize("bad", BAD_SAMPLE_WEIGHT)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_partial_fit_rejects_bad_sample_weight_before_training(name, bad, solver_calls):
    X, y = make_data(name)
    sample_weight, message = BAD_SAMPLE_WEIGHT[bad]
    with pytest.raises(ValueError, match=message):
        partial_fit(make_estimator(name, solver="sgd"), name, X, y, sample_weight=sample_weight)
    assert solver_calls == []


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_mini_batch_with_all_zero_weights_is_skipped_not_a_crash(name, solver):
    # The first mini-batch (rows 0-9, no shuffling) weighs nothing: training must equal
    # training on the other rows alone.
    X, y = make_data(name, n_samples=30)
    sample_weight = np.r_[np.zeros(10), np.ones(20)]
    # A fixed step: the linear models' "auto" step reads the weights (their mean).
    params = {"solver": solver, "shuffle": False, "batch_size": 10, "max_iter": 4}
    params["learning_rate_init"] = 0.01
    weighted = fit_quietly(make_estimator(name, **params), X, y, sample_weight=sample_weight)
    rest = fit_quietly(make_estimator(name, **params), X[10:], y[10:])
    assert np.isfinite(weighted.loss_curve_).all()
    for W, W_rest in zip(weighted.coefs_, rest.coefs_):
        assert_allclose(W, W_rest, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("name", MLPS)
def test_early_stopping_split_without_weight_fails_before_training_or_trains(
    name, seed, solver_calls
):
    # Only one sample (regressor) or one per class (classifier) weighs anything; the
    # split may leave the validation part, or the training part, without any weight.
    # Either a clear ValueError before training, or a model with finite predictions --
    # never a crash in the middle of training.
    X, y = make_data(name, n_samples=12)
    sample_weight = np.zeros(12)
    sample_weight[[0, 4] if name in CLASSIFIERS else [0]] = 1.0
    estimator = make_estimator(
        name, solver="sgd", early_stopping=True, validation_fraction=0.2, random_state=seed
    )
    error = value_error_of(fit_quietly, estimator, X, y, sample_weight=sample_weight)
    if error is not None:
        assert solver_calls == [], f"raised during training: {error}"
        assert "sample_weight" in str(error) or "validation" in str(error)
    else:
        assert np.isfinite(estimator.predict(X).astype(float)).all()


# ---- hyperparameters ---------------------------------------------------------------------

INVALID_HYPERPARAMETERS = [
    ("alpha", -1.0),
    ("alpha", np.inf),
    ("alpha", np.nan),
    ("learning_rate_init", 0.0),
    ("learning_rate_init", np.inf),
    ("power_t", -0.5),
    ("max_iter", 0),
    ("tol", -1e-3),
    ("tol", np.nan),
    ("momentum", 1.5),
    ("momentum", np.nan),
    ("validation_fraction", 0.0),
    ("validation_fraction", 1.0),
    ("beta_1", 1.0),
    ("beta_1", np.nan),
    ("beta_2", -0.1),
    ("epsilon", 0.0),
    ("epsilon", np.inf),
    ("max_fun", 0),
    ("batch_size", 0),
    ("n_iter_no_change", 0),
    ("activation", "softmax"),
    ("solver", "newton-cg"),
    ("learning_rate", "optimal"),
    ("loss", "huber"),
    ("hidden_layer_sizes", (0,)),
    ("hidden_layer_sizes", (5, -1)),
    ("class_weight", "auto"),
    ("random_state", "abc"),
]


def hyperparameter_cases(invalid):
    return [
        pytest.param(name, param, value, id=f"{name}-{param}={value!r}")
        for name, cls in ESTIMATORS.items()
        for param, value in invalid
        if param in cls().get_params()
    ]


def message_for(param):
    # check_random_state's own message does not repeat the parameter's name.
    return "cannot be used to seed" if param == "random_state" else param


@pytest.mark.parametrize(("name", "param", "value"), hyperparameter_cases(INVALID_HYPERPARAMETERS))
def test_invalid_hyperparameter_is_rejected_at_fit_before_any_training(
    name, param, value, solver_calls
):
    X, y = make_data(name)
    estimator = make_estimator(name, **{param: value})  # __init__ only stores
    with pytest.raises(ValueError, match=message_for(param)):
        estimator.fit(X, y)
    assert solver_calls == []
    assert not hasattr(estimator, "coefs_")


@pytest.mark.parametrize(("name", "param", "value"), hyperparameter_cases(INVALID_HYPERPARAMETERS))
def test_invalid_hyperparameter_set_on_a_fitted_model_leaves_it_untouched(
    name, param, value, solver_calls
):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, warm_start=True), X, y)
    coefs = [W.copy() for W in estimator.coefs_]
    solver_calls.clear()
    estimator.set_params(**{param: value})  # set_params only stores
    with pytest.raises(ValueError, match=message_for(param)):
        estimator.fit(X, y)
    assert solver_calls == []
    for W, W_before in zip(estimator.coefs_, coefs):
        assert_array_equal(W, W_before)


@pytest.mark.parametrize(
    ("name", "param", "value"),
    hyperparameter_cases([("alpha", -1.0), ("learning_rate_init", np.inf), ("batch_size", 0)]),
)
def test_invalid_hyperparameter_is_rejected_by_partial_fit_before_any_training(
    name, param, value, solver_calls
):
    X, y = make_data(name)
    estimator = partial_fit(make_estimator(name, solver="sgd"), name, X, y)
    coefs = [W.copy() for W in estimator.coefs_]
    solver_calls.clear()
    estimator.set_params(**{param: value})
    with pytest.raises(ValueError, match=param):
        estimator.partial_fit(X, y)
    assert solver_calls == []
    for W, W_before in zip(estimator.coefs_, coefs):
        assert_array_equal(W, W_before)


WRONGLY_TYPED_HYPERPARAMETERS = [
    ("max_iter", 2.5),
    ("alpha", "0.1"),
    ("batch_size", 2.5),
    ("shuffle", "yes"),
    ("warm_start", "no"),
    ("hidden_layer_sizes", 5.0),
]


@pytest.mark.parametrize(
    ("name", "param", "value"), hyperparameter_cases(WRONGLY_TYPED_HYPERPARAMETERS)
)
def test_wrongly_typed_hyperparameter_raises_a_value_error_like_sklearn(
    name, param, value, solver_calls
):
    # scikit-learn raises InvalidParameterError, a subclass of both ValueError and
    # TypeError, so that ``except ValueError`` catches every invalid hyperparameter.
    X, y = make_data(name)
    with pytest.raises(ValueError, match=param):
        make_estimator(name, **{param: value}).fit(X, y)
    assert solver_calls == []
