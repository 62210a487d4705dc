"""Stable numerics (issue 6, promise 2).

Scope: extreme values in and around the heads. The output links (logistic, tanh, softmax, exp)
never overflow and never warn, whatever the raw output; the losses are computed from raw outputs,
so a saturated wrong prediction costs its exact (large) value, not that of a clipped probability;
``predict_log_proba`` stays finite for saturated logits; features scaled by 1e6 or 1e-6 give
finite results or a clear ``ValueError``; and no numpy ``RuntimeWarning`` reaches the user. The
suite already turns a ``RuntimeWarning`` into an error; the hostile cases here also record the
warnings explicitly, so that they would fail even under a different warnings filter.
"""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp

from _estimators import PREDICTION_METHODS, fit_quietly, value_error_of
from sklearn_backprop import (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)
from sklearn_backprop.engine import (
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Exp,
    Identity,
    Logistic,
    Network,
    PoissonDeviance,
    Softmax,
    Tanh,
    value_and_gradient,
)

HUGE = [1e3, 1e5, 1e300]


def runtime_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, RuntimeWarning)]


def make_data(target, n_samples=30, seed=0):
    """Standardised features with a real, binary, 3-class or 2-label target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    score = X[:, 0] + 0.5 * X[:, 1]
    targets = {
        "real": score + 0.1 * rng.normal(size=n_samples),
        "binary": (score > 0).astype(int),
        "multiclass": np.digitize(score, [-0.5, 0.5]),
        "multilabel": np.column_stack([score > 0, X[:, 2] > 0]).astype(int),
    }
    return X, targets[target]


# ---- the links and the training objective, at the engine level -------------------------


def extreme_rows(dtype):
    """Raw outputs up to the largest float of ``dtype``, positive and negative."""
    big = float(np.finfo(dtype).max)
    values = [v for v in HUGE if v < big] + [big]
    return [np.array([[v, -v, 0.0]], dtype=dtype) for v in values]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("link", "low", "high"),
    [(Logistic(), 0.0, 1.0), (Tanh(), -1.0, 1.0), (Exp(), 0.0, np.inf)],
    ids=["logistic", "tanh", "exp"],
)
def test_elementwise_links_never_overflow_for_huge_raw_outputs(link, low, high, dtype):
    for Z in extreme_rows(dtype):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            A = link.forward(Z.copy())
        assert runtime_warnings(record) == [], Z
        assert np.isfinite(A).all(), Z
        assert (low <= A).all(), Z
        assert (high >= A).all(), Z


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_never_overflows_for_huge_raw_outputs(dtype):
    for Z in extreme_rows(dtype):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            A = Softmax().forward(Z.copy())
        assert runtime_warnings(record) == [], Z
        assert_array_equal(A, [[1.0, 0.0, 0.0]])


@pytest.mark.parametrize("shift", [0.0, 1e10, 1e20, 1e300])
def test_softmax_is_invariant_to_a_huge_common_shift(shift):
    # Three equal logits mean probability 1/3 each, however large they are.
    assert_allclose(Softmax().forward(np.full((1, 3), shift)), np.full((1, 3), 1 / 3))


def objective_at(loss, Y, Z):
    """The training objective for the raw output ``Z``: a 1-input network, ``Z = 1 @ W``."""
    network = Network((1, Z.shape[1]), Identity(), loss.link, fit_intercept=False)
    network.params[...] = Z.ravel()
    value, grad = value_and_gradient(network, np.ones((1, 1)), Y, loss)
    return value, grad.copy()


@pytest.mark.parametrize("z", [40.0, 1e3, 1e5, 1e300])
def test_training_objective_of_a_saturated_wrong_logit_is_exact_not_clipped(z):
    # A probability clipped to [eps, 1 - eps] would cap the loss near -log(eps) ~ 36.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        binary, binary_grad = objective_at(
            BinaryCrossEntropy(), np.array([[1.0]]), np.array([[-z]])
        )
        categorical, categorical_grad = objective_at(
            CategoricalCrossEntropy(), np.array([[1.0, 0.0]]), np.array([[-z / 2, z / 2]])
        )
    assert runtime_warnings(record) == []
    assert_allclose(binary, z, rtol=1e-12)
    assert_allclose(categorical, z, rtol=1e-12)
    # dL/dZ = A - Y: a saturated wrong answer gets the largest possible push.
    assert_allclose(binary_grad, [-1.0])
    assert_allclose(categorical_grad, [-1.0, 1.0])


@pytest.mark.parametrize("z", [1e3, 1e5, 1e300])
def test_training_objective_of_a_saturated_right_logit_is_tiny_and_finite(z):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        values = [
            objective_at(BinaryCrossEntropy(), np.array([[1.0]]), np.array([[z]]))[0],
            objective_at(CategoricalCrossEntropy(), np.array([[0.0, 1.0]]), np.array([[-z, z]]))[0],
            objective_at(PoissonDeviance(), np.array([[0.0]]), np.array([[-z]]))[0],
        ]
    assert runtime_warnings(record) == []
    for value in values:
        assert 0.0 <= value < 1e-10


# ---- estimators: saturated logits and scaled features --------------------------------

CLASSIFIERS = [
    pytest.param(ScratchLogisticRegression(), "binary", id="logistic-binary"),
    pytest.param(ScratchLogisticRegression(), "multiclass", id="logistic-multiclass"),
    pytest.param(
        ScratchMLPClassifier((5,), solver="lbfgs", random_state=0), "binary", id="mlp-binary"
    ),
    pytest.param(
        ScratchMLPClassifier((5,), solver="lbfgs", random_state=0),
        "multiclass",
        id="mlp-multiclass",
    ),
    pytest.param(
        ScratchMLPClassifier((5,), solver="lbfgs", random_state=0),
        "multilabel",
        id="mlp-multilabel",
    ),
]


def exact_log_proba(target, Z):
    """Log-probabilities from the logits, computed here with scipy's stable helpers."""
    if target == "multiclass":
        return Z - logsumexp(Z, axis=1, keepdims=True)
    if target == "binary":  # Z is the logit of classes_[1]; classes_[0] has minus it
        Z = np.column_stack([-Z, Z])
    return -np.logaddexp(0.0, -Z)


@pytest.mark.parametrize(("estimator", "target"), CLASSIFIERS)
def test_predict_log_proba_is_finite_for_saturated_logits(estimator, target):
    X, y = make_data(target)
    fit_quietly(estimator, X, y)
    X_far = 1e6 * X  # logits of order 1e6: every probability is saturated
    Z = estimator.decision_function(X_far)
    assert np.abs(Z).max() > 1e4
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        log_proba = estimator.predict_log_proba(X_far)
        proba = estimator.predict_proba(X_far)
    assert runtime_warnings(record) == []
    assert np.isfinite(log_proba).all()
    assert (log_proba <= 0).all()
    # Exact wherever the probability is representable; beyond, at most log(tiny).
    log_tiny = np.log(np.finfo(proba.dtype).tiny)
    exact = exact_log_proba(target, Z)
    representable = exact > log_tiny + 1
    assert_allclose(log_proba[representable], exact[representable], rtol=1e-9, atol=1e-15)
    assert (log_proba[~representable] <= log_tiny + 1).all()
    assert np.isfinite(proba).all()
    assert ((proba > 0) & (proba < 1)).all()
    assert_allclose(np.exp(log_proba), proba, rtol=1e-12, atol=2 * np.exp(log_tiny))
    if target != "multilabel":
        assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
        assert_array_equal(estimator.classes_[log_proba.argmax(axis=1)], estimator.predict(X_far))


ESTIMATORS = {
    "linear": (ScratchLinearRegression, {}, "real"),
    "logistic": (ScratchLogisticRegression, {}, "binary"),
    "mlp-regressor": (ScratchMLPRegressor, {"hidden_layer_sizes": (5,)}, "real"),
    "mlp-classifier": (ScratchMLPClassifier, {"hidden_layer_sizes": (5,)}, "multiclass"),
    "mlp-poisson": (ScratchMLPRegressor, {"hidden_layer_sizes": (5,), "loss": "poisson"}, "real"),
}


def assert_finite_predictions(estimator, X):
    if hasattr(estimator, "predict_proba"):
        for method in ("predict_proba", "predict_log_proba", "decision_function"):
            assert np.isfinite(getattr(estimator, method)(X)).all(), method
    else:
        assert np.isfinite(estimator.predict(X)).all()


@pytest.mark.parametrize("scale", [1e6, 1e-6], ids=["X*1e6", "X*1e-6"])
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_scaled_features_give_finite_results_or_a_clear_error(name, solver, scale):
    cls, params, target = ESTIMATORS[name]
    X, y = make_data(target)
    if name == "mlp-poisson":
        y = np.abs(y)
    estimator = cls(solver=solver, max_iter=20, random_state=0, **params)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        error = value_error_of(estimator.fit, scale * X, y)
        if error is not None:
            assert "scale X" in str(error) or "StandardScaler" in str(error)
        else:
            assert_finite_predictions(estimator, scale * X)
    assert runtime_warnings(record) == []


# Each hostile case: estimator, X, y, and what a clear error must say (None: must fit).
def hostile_linear_float32():
    X, y = make_data("real")
    return ScratchLinearRegression(), (1e19 * X).astype(np.float32), y, "scale X|StandardScaler"


def hostile_sgd_to_infinity():
    X, y = make_data("real")
    estimator = ScratchMLPRegressor(
        hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=1e300, random_state=0
    )
    return estimator, X, y, "diverged"


def hostile_lbfgs_overflow():
    X, y = make_data("binary")
    return ScratchLogisticRegression(), 1e200 * X, y, "diverged"


def hostile_poisson_huge_counts():
    X, y = make_data("real")
    estimator = ScratchMLPRegressor(hidden_layer_sizes=(5,), loss="poisson", random_state=0)
    return estimator, X, 1e300 * np.abs(y), "diverged|scale"


def hostile_early_stopping_blowup():
    X, y = make_data("real")
    estimator = ScratchLinearRegression(
        solver="sgd", learning_rate_init=0.5, momentum=0.0, batch_size=5, early_stopping=True,
        validation_fraction=0.25, random_state=0, max_iter=30,
    )  # fmt: skip
    return estimator, 3.0 * X, y, "diverged"


@pytest.mark.parametrize(
    "case",
    [
        hostile_linear_float32,
        hostile_sgd_to_infinity,
        hostile_lbfgs_overflow,
        hostile_poisson_huge_counts,
        hostile_early_stopping_blowup,
    ],
    ids=lambda case: case.__name__.removeprefix("hostile_"),
)
def test_no_runtime_warning_leaks_from_a_hostile_fit(case):
    estimator, X, y, clear_error = case()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        error = value_error_of(estimator.fit, X, y)
        if error is not None:
            assert clear_error is not None, f"unexpected error: {error}"
            assert re.search(clear_error, str(error), flags=re.IGNORECASE), str(error)
        else:
            assert_finite_predictions(estimator, X)
    assert runtime_warnings(record) == []


@pytest.mark.parametrize("name", ESTIMATORS)
def test_no_runtime_warning_leaks_when_predicting_on_huge_features(name):
    cls, params, target = ESTIMATORS[name]
    X, y = make_data(target)
    if name == "mlp-poisson":
        y = np.abs(y)
    estimator = fit_quietly(cls(max_iter=50, random_state=0, **params), X, y)
    for scale in (1e100, 1e300):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            for method in PREDICTION_METHODS:
                if hasattr(estimator, method):
                    getattr(estimator, method)(scale * X)
        assert runtime_warnings(record) == [], scale
