"""Linear and logistic regression reach the optimum scikit-learn's linear models reach.

Scope: ``ScratchLinearRegression`` and ``ScratchLogisticRegression`` against
``LinearRegression``, ``Ridge`` and ``LogisticRegression`` (and, for the
binary logistic loss, against Newton's method written here), with
``alpha = 1 / C``; ``coef_`` / ``intercept_`` shapes; every solver reaching
the same optimum; and a zero-hidden-layer MLP being exactly the linear model.
Measured differences are recorded with ``record_property`` (see them with
``pytest --junitxml=...``) and printed (``pytest -rP``).
"""

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_linnerud,
    load_wine,
    make_classification,
    make_regression,
)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from sklearn_backprop import (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)

TIGHT = {"tol": 1e-10, "max_iter": 10000}


def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


CLASSIFICATION_DATA = {
    "breast_cancer": _standardized(load_breast_cancer),
    "wine": _standardized(load_wine),
}
DIABETES = load_diabetes(return_X_y=True)


def _max_relative(actual, expected):
    """Largest entrywise ``|actual - expected| / |expected|``."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    return float(np.max(np.abs(actual - expected) / np.abs(expected)))


def _max_absolute(actual, expected):
    return float(np.max(np.abs(np.asarray(actual) - np.asarray(expected))))


def _record(record_property, **figures):
    """Keep the measured differences (junit properties) and print them (-rP)."""
    for name, value in figures.items():
        record_property(name, value)
        print(f"{name} = {value:.3g}")


# ---- logistic regression: alpha = 1 / C --------------------------------------------


@pytest.mark.parametrize("C", [0.1, 1.0], ids=lambda C: f"C={C}")
@pytest.mark.parametrize("dataset", ["breast_cancer", "wine"])
def test_logistic_regression_matches_sklearn_when_alpha_is_one_over_c(dataset, C, record_property):
    X, y = CLASSIFICATION_DATA[dataset]
    ours = ScratchLogisticRegression(alpha=1 / C, **TIGHT).fit(X, y)
    ref = LogisticRegression(C=C, **TIGHT).fit(X, y)

    coef_diff = _max_absolute(ours.coef_, ref.coef_)
    intercept_diff = _max_absolute(ours.intercept_, ref.intercept_)
    _record(record_property, max_abs_coef_diff=coef_diff, max_abs_intercept_diff=intercept_diff)
    assert ours.coef_.shape == ref.coef_.shape
    assert ours.intercept_.shape == ref.intercept_.shape
    assert coef_diff <= 1e-5
    assert intercept_diff <= 1e-5


def _newton_binary_logistic(X, y, alpha):
    """The exact optimum of sum_i log-loss_i + 0.5 * alpha * ||w||^2 (intercept free)."""
    Xa = np.hstack([X, np.ones((X.shape[0], 1))])
    penalty = alpha * np.eye(Xa.shape[1])
    penalty[-1, -1] = 0.0
    theta = np.zeros(Xa.shape[1])
    for _ in range(100):
        p = expit(Xa @ theta)
        gradient = Xa.T @ (p - y) + penalty @ theta
        hessian = Xa.T @ (Xa * (p * (1 - p))[:, np.newaxis]) + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-14:
            break
    return theta[:-1], theta[-1]


@pytest.mark.parametrize("alpha", [1.0, 10.0], ids=lambda a: f"alpha={a}")
def test_binary_logistic_regression_reaches_newtons_optimum(alpha, record_property):
    # An oracle independent of scikit-learn: agreeing with LogisticRegression
    # can also mean "following the same L-BFGS path to the same stopping point".
    X, y = CLASSIFICATION_DATA["breast_cancer"]
    coef, intercept = _newton_binary_logistic(X, y, alpha)
    ours = ScratchLogisticRegression(alpha=alpha, **TIGHT).fit(X, y)

    coef_diff = _max_absolute(ours.coef_.ravel(), coef)
    intercept_diff = abs(float(ours.intercept_[0]) - intercept)
    _record(record_property, max_abs_coef_diff=coef_diff, abs_intercept_diff=intercept_diff)
    assert coef_diff <= 1e-5
    assert intercept_diff <= 1e-5


# ---- linear regression: Ridge and ordinary least squares ---------------------------


@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0], ids=lambda a: f"alpha={a}")
def test_linear_regression_matches_ridge_with_the_same_alpha(alpha, record_property):
    X, y = DIABETES
    ours = ScratchLinearRegression(alpha=alpha).fit(X, y)
    ref = Ridge(alpha=alpha, solver="cholesky").fit(X, y)

    coef_rel = _max_relative(ours.coef_, ref.coef_)
    intercept_rel = _max_relative(ours.intercept_, ref.intercept_)
    _record(record_property, max_rel_coef_diff=coef_rel, rel_intercept_diff=intercept_rel)
    assert coef_rel <= 1e-6
    assert intercept_rel <= 1e-6


def test_default_linear_regression_is_ordinary_least_squares(record_property):
    X, y = DIABETES
    ours = ScratchLinearRegression().fit(X, y)
    ref = LinearRegression().fit(X, y)

    coef_rel = _max_relative(ours.coef_, ref.coef_)
    intercept_rel = _max_relative(ours.intercept_, ref.intercept_)
    _record(record_property, max_rel_coef_diff=coef_rel, rel_intercept_diff=intercept_rel)
    assert coef_rel <= 1e-6
    assert intercept_rel <= 1e-6


@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0], ids=lambda a: f"alpha={a}")
def test_multi_output_linear_regression_matches_ridge(alpha, record_property):
    # linnerud: scikit-learn's multi-output regression data set (3 targets).
    X, Y = load_linnerud(return_X_y=True)
    ours = ScratchLinearRegression(alpha=alpha).fit(X, Y)
    ref = Ridge(alpha=alpha, solver="cholesky").fit(X, Y)

    coef_rel = _max_relative(ours.coef_, ref.coef_)
    intercept_rel = _max_relative(ours.intercept_, ref.intercept_)
    _record(record_property, max_rel_coef_diff=coef_rel, max_rel_intercept_diff=intercept_rel)
    assert ours.coef_.shape == ref.coef_.shape == (3, 3)
    assert coef_rel <= 1e-6
    assert intercept_rel <= 1e-6


# ---- sample weights and fit_intercept=False ----------------------------------------


def test_weighted_linear_regression_matches_weighted_ridge(record_property):
    X, y = DIABETES
    w = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    ours = ScratchLinearRegression(alpha=1.0).fit(X, y, sample_weight=w)
    ref = Ridge(alpha=1.0, solver="cholesky").fit(X, y, sample_weight=w)
    unweighted = Ridge(alpha=1.0, solver="cholesky").fit(X, y)

    coef_rel = _max_relative(ours.coef_, ref.coef_)
    intercept_rel = _max_relative(ours.intercept_, ref.intercept_)
    _record(record_property, max_rel_coef_diff=coef_rel, rel_intercept_diff=intercept_rel)
    assert _max_relative(unweighted.coef_, ref.coef_) > 1e-3  # the weights matter here
    assert coef_rel <= 1e-6
    assert intercept_rel <= 1e-6


@pytest.mark.parametrize("dataset", ["breast_cancer", "wine"])
def test_weighted_logistic_regression_matches_weighted_sklearn(dataset, record_property):
    X, y = CLASSIFICATION_DATA[dataset]
    w = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    ours = ScratchLogisticRegression(alpha=1.0, **TIGHT).fit(X, y, sample_weight=w)
    ref = LogisticRegression(C=1.0, **TIGHT).fit(X, y, sample_weight=w)
    unweighted = LogisticRegression(C=1.0, **TIGHT).fit(X, y)

    coef_diff = _max_absolute(ours.coef_, ref.coef_)
    intercept_diff = _max_absolute(ours.intercept_, ref.intercept_)
    _record(record_property, max_abs_coef_diff=coef_diff, max_abs_intercept_diff=intercept_diff)
    assert _max_absolute(unweighted.coef_, ref.coef_) > 1e-2  # the weights matter here
    assert coef_diff <= 1e-5
    assert intercept_diff <= 1e-5


@pytest.mark.parametrize(
    ("ours", "ref"),
    [
        (ScratchLinearRegression(fit_intercept=False), LinearRegression(fit_intercept=False)),
        (
            ScratchLinearRegression(alpha=1.0, fit_intercept=False),
            Ridge(alpha=1.0, fit_intercept=False, solver="cholesky"),
        ),
    ],
    ids=["LinearRegression", "Ridge"],
)
def test_linear_regression_without_intercept_matches_sklearn(ours, ref, record_property):
    X, y = DIABETES
    ours.fit(X, y)
    ref.fit(X, y)

    coef_rel = _max_relative(ours.coef_, ref.coef_)
    _record(record_property, max_rel_coef_diff=coef_rel)
    assert ours.intercept_ == ref.intercept_ == 0.0
    assert coef_rel <= 1e-6


@pytest.mark.parametrize("dataset", ["breast_cancer", "wine"])
def test_logistic_regression_without_intercept_matches_sklearn(dataset, record_property):
    X, y = CLASSIFICATION_DATA[dataset]
    ours = ScratchLogisticRegression(fit_intercept=False, **TIGHT).fit(X, y)
    ref = LogisticRegression(fit_intercept=False, **TIGHT).fit(X, y)

    coef_diff = _max_absolute(ours.coef_, ref.coef_)
    _record(record_property, max_abs_coef_diff=coef_diff)
    assert ours.intercept_.shape == ref.intercept_.shape
    np.testing.assert_array_equal(ours.intercept_, 0.0)
    assert coef_diff <= 1e-5


# ---- shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["1d", "2d_one_column", "2d_three_columns"],
)
def test_linear_regression_coef_and_intercept_shaped_like_sklearn(target):
    X, y = make_regression(n_samples=30, n_features=4, n_targets=3, random_state=0)
    y = {"1d": y[:, 0], "2d_one_column": y[:, :1], "2d_three_columns": y}[target]
    ours = ScratchLinearRegression().fit(X, y)
    ref = LinearRegression().fit(X, y)

    assert ours.coef_.shape == ref.coef_.shape
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert ours.predict(X).shape == ref.predict(X).shape


@pytest.mark.parametrize("n_classes", [2, 3], ids=["binary", "multiclass"])
def test_logistic_regression_coef_and_intercept_shaped_like_sklearn(n_classes):
    X, y = make_classification(
        n_samples=60,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        random_state=0,
    )
    ours = ScratchLogisticRegression().fit(X, y)
    ref = LogisticRegression().fit(X, y)

    assert ours.coef_.shape == ref.coef_.shape == ((1, 4) if n_classes == 2 else (3, 4))
    assert ours.intercept_.shape == ref.intercept_.shape
    assert ours.decision_function(X).shape == ref.decision_function(X).shape


# ---- every solver, one optimum -------------------------------------------------------


def _centered(intercept):
    # Softmax ignores a shift common to every class, and intercepts are not
    # penalised, so multiclass intercepts are defined up to that shift.
    intercept = np.asarray(intercept, dtype=float)
    return intercept - intercept.mean() if intercept.size > 2 else intercept


EASY_PROBLEMS = {
    # 200 samples: "auto" batches are the full data, so every solver minimises
    # the same objective (the L2 term is scaled per mini-batch, as in scikit-learn).
    "linear": make_regression(n_samples=200, n_features=5, noise=10.0, random_state=0),
    "binary": make_classification(
        n_samples=200, n_features=5, n_informative=3, flip_y=0.1, random_state=0
    ),
    "multiclass": make_classification(
        n_samples=200, n_features=5, n_informative=3, n_classes=3, flip_y=0.1, random_state=0
    ),
}


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("problem", ["linear", "binary", "multiclass"])
def test_every_solver_reaches_the_lbfgs_optimum(problem, solver, record_property):
    X, y = EASY_PROBLEMS[problem]
    X = StandardScaler().fit_transform(X)
    if problem == "linear":
        y = (y - y.mean()) / y.std()
        Estimator = ScratchLinearRegression
    else:
        Estimator = ScratchLogisticRegression
    reference = Estimator(solver="lbfgs", **TIGHT).fit(X, y)
    ours = Estimator(
        solver=solver, max_iter=3000, tol=1e-10, n_iter_no_change=50, random_state=0
    ).fit(X, y)

    coef_diff = _max_absolute(ours.coef_, reference.coef_)
    intercept_diff = _max_absolute(_centered(ours.intercept_), _centered(reference.intercept_))
    _record(record_property, max_abs_coef_diff=coef_diff, max_abs_intercept_diff=intercept_diff)
    assert coef_diff <= 1e-2
    assert intercept_diff <= 1e-2


# ---- a network with no hidden layer is the linear model -----------------------------


@pytest.mark.parametrize("alpha", [1.0, 10.0], ids=lambda a: f"alpha={a}")
@pytest.mark.parametrize("dataset", ["breast_cancer", "wine"])
def test_zero_hidden_layer_classifier_equals_logistic_regression(dataset, alpha, record_property):
    # The MLP stops L-BFGS as scikit-learn's MLP does (scipy's ftol), looser than the
    # linear model's rule: its own fit is within that rule of the optimum, and started at
    # the linear model's optimum it finds a stationary point of its objective there.
    X, y = CLASSIFICATION_DATA[dataset]
    linear = ScratchLogisticRegression(alpha=alpha, **TIGHT).fit(X, y)
    mlp = ScratchMLPClassifier(
        hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, random_state=0, warm_start=True,
        **TIGHT,
    ).fit(X, y)  # fmt: skip
    assert (mlp.loss_ - linear.loss_) / linear.loss_ <= 1e-6

    mlp.coefs_[0][...] = linear.coefs_[0]
    mlp.intercepts_[0][...] = linear.intercepts_[0]
    mlp.fit(X, y)
    coef_diff = _max_absolute(mlp.coefs_[0], linear.coefs_[0])
    intercept_diff = _max_absolute(_centered(mlp.intercepts_[0]), _centered(linear.intercept_))
    _record(record_property, max_abs_coef_diff=coef_diff, max_abs_intercept_diff=intercept_diff)
    assert coef_diff <= 1e-6
    assert intercept_diff <= 1e-6
    np.testing.assert_allclose(mlp.predict_proba(X), linear.predict_proba(X), atol=1e-6)
    assert abs(mlp.loss_ - linear.loss_) <= 1e-12 * linear.loss_


@pytest.mark.parametrize("alpha", [0.0, 0.1, 1.0, 10.0], ids=lambda a: f"alpha={a}")
def test_zero_hidden_layer_regressor_equals_linear_regression(alpha, record_property):
    X, y = DIABETES
    mlp = ScratchMLPRegressor(
        hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, random_state=0, **TIGHT
    ).fit(X, y)
    linear = ScratchLinearRegression(alpha=alpha, **TIGHT).fit(X, y)

    coef_rel = _max_relative(mlp.coefs_[0].ravel(), linear.coef_)
    intercept_rel = _max_relative(mlp.intercepts_[0][0], linear.intercept_)
    _record(record_property, max_rel_coef_diff=coef_rel, rel_intercept_diff=intercept_rel)
    assert coef_rel <= 1e-6
    assert intercept_rel <= 1e-6


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_logistic_regression_n_iter_is_shaped_like_logistic_regressions(solver):
    X, y = CLASSIFICATION_DATA["wine"]
    ours = ScratchLogisticRegression(solver=solver, max_iter=30).fit(X, y)
    theirs = LogisticRegression().fit(X, y)
    assert ours.n_iter_.shape == theirs.n_iter_.shape == (1,)
    assert ours.n_iter_.dtype == theirs.n_iter_.dtype
    first = ours.partial_fit(X, y).n_iter_[0] if solver == "sgd" else None
    if first is not None:
        assert ours.partial_fit(X, y).n_iter_.tolist() == [first + 1]


@pytest.mark.parametrize("offset", [0.0, 3000.0], ids=["scale-1e3", "scale-1e3-offset-3e3"])
def test_default_sgd_converges_on_unscaled_features_to_the_least_squares_optimum(offset):
    # Features around 1e3 (and far from zero): one plain step cannot suit the weights'
    # curvature (~1e6) and the intercept's (1); the "auto" step runs in centred, rescaled
    # coordinates, so the defaults converge within max_iter, without a warning.
    rng = np.random.default_rng(0)
    X = 1000.0 * rng.normal(size=(1000, 5)) + offset * rng.random(5)
    y = X @ rng.normal(size=5) / 1000.0 + 5.0 + 0.1 * rng.normal(size=1000)
    reference = LinearRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = ScratchLinearRegression(solver="sgd", random_state=0).fit(X, y)
    assert ours.n_iter_ < ours.max_iter
    assert _max_relative(ours.coef_, reference.coef_) <= 1e-2
    assert abs(ours.score(X, y) - reference.score(X, y)) <= 1e-4
