"""Penalties: L2, L1 and elastic-net, from their formulas to the optima they reach.

Scope: ``sklearn_backprop.engine.penalties`` (value, gradient, proximal step), the exact
L1 treatment of each solver (L-BFGS-B on split weights, soft thresholding after SGD and
Adam steps), and the estimators' ``penalty`` / ``l1_ratio``. The optima are compared with
scikit-learn's ``Lasso``, ``ElasticNet`` and ``LogisticRegression`` through the conversion
of ``penalties.py``: relative objective gap <= 1e-7, coefficients within 1e-5 (relative to
the largest), and the same set of exact zeros.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression
from sklearn.preprocessing import StandardScaler

from _estimators import ESTIMATORS, MLPS, fit_quietly
from sklearn_backprop import ScratchLinearRegression, ScratchLogisticRegression
from sklearn_backprop.engine import L2, SGD, Adam, make_penalty, soft_threshold
from sklearn_backprop.engine import ElasticNet as ElasticNetPenalty

TIGHT = {"tol": 1e-12, "max_iter": 10000}


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def lasso_objective(X, y, coef, intercept, alpha, l1_ratio):
    """scikit-learn's ElasticNet objective (Lasso's for l1_ratio=1), written out."""
    residual = y - X @ coef - intercept
    penalty = l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * coef @ coef
    return 0.5 * residual @ residual / len(y) + alpha * penalty


def logistic_objective(X, y, coef, intercept, C):
    """LogisticRegression's L1 objective: C * sum of log losses + ||w||_1."""
    z = X @ coef + intercept
    return C * np.sum(np.logaddexp(0, z) - y * z) + np.abs(coef).sum()


# ---- the penalty objects ---------------------------------------------------------


def test_l2_value_gradient_and_prox_are_ridge_and_nothing(rng):
    W, grad = rng.normal(size=5), np.zeros(5)
    penalty = L2(0.7)
    assert_allclose(penalty.value(W, 4.0), 0.5 * 0.7 * W @ W / 4.0)
    penalty.add_gradient(W, grad, 4.0)
    assert_allclose(grad, 0.7 * W / 4.0)
    before = W.copy()
    penalty.prox(W, SGD(0.1), 4.0)
    assert_array_equal(W, before)


def test_elastic_net_value_and_gradient_follow_the_formula(rng):
    W, grad = rng.normal(size=6), np.zeros(6)
    penalty = ElasticNetPenalty(0.8, l1_ratio=0.25)
    expected = 0.8 * (0.25 * np.abs(W).sum() + 0.5 * 0.75 * W @ W) / 3.0
    assert_allclose(penalty.value(W, 3.0), expected)
    penalty.add_gradient(W, grad, 3.0)
    assert_allclose(grad, 0.8 * 0.75 * W / 3.0)  # the L1 term is left to prox


def test_soft_threshold_shrinks_towards_zero_and_zeros_exactly():
    V = np.array([-3.0, -0.5, 0.0, 0.2, 1.0, 4.0])
    assert_array_equal(soft_threshold(V, 1.0), [-2.0, 0.0, 0.0, 0.0, 0.0, 3.0])
    V = np.array([-3.0, 2.0], dtype=np.float32)
    assert soft_threshold(V, np.array([1.0, 3.0], dtype=np.float32)).dtype == np.float32
    assert_array_equal(V, [-2.0, 0.0])


def test_sgd_prox_uses_the_step_it_took_and_keeps_the_velocity_the_subgradient_step():
    # Nesterov moved W by (1 + momentum) * lr * g, so the threshold is (1 + m) * lr * a1 / n.
    sgd = SGD(0.1, momentum=0.5, nesterov=True)
    params = np.array([1.0, -1.0, 0.01])
    sgd.step(params, np.zeros(3))
    velocity = sgd.velocity.copy()
    make_penalty("l1", 2.0).prox(params, sgd, 4.0)
    threshold = 1.5 * 0.1 * 2.0 / 4.0
    assert_allclose(params, [1.0 - threshold, -1.0 + threshold, 0.0])
    correction = np.array([-threshold, threshold, -0.01]) / 1.5
    assert_allclose(sgd.velocity, velocity + correction)


def test_adam_prox_thresholds_each_weight_with_its_own_step(rng):
    adam = Adam(0.01)
    params, grad = np.array([0.5, -0.5]), np.array([1.0, -4.0])
    adam.step(params, grad)
    after_step = params.copy()
    make_penalty("l1", 1.0).prox(params, adam, 2.0)
    step = adam.learning_rate / (np.sqrt(adam.v) + adam.epsilon)
    assert_allclose(params, np.sign(after_step) * (np.abs(after_step) - step * 0.5))


def test_unknown_penalty_is_a_clear_error():
    with pytest.raises(ValueError, match="penalty"):
        ScratchLinearRegression(penalty="l3").fit([[0.0], [1.0]], [0.0, 1.0])


# ---- exact optima against scikit-learn ---------------------------------------------


@pytest.mark.parametrize(
    ("penalty", "l1_ratio", "sk_alpha"),
    [("l1", 1.0, 0.1), ("l1", 1.0, 1.0), ("elasticnet", 0.5, 0.1), ("elasticnet", 0.8, 0.3)],
    ids=["lasso0.1", "lasso1", "enet0.5-0.1", "enet0.8-0.3"],
)
def test_linear_regression_l1_and_elasticnet_reach_lasso_and_elasticnet_optimum(
    penalty, l1_ratio, sk_alpha
):
    X, y = _diabetes()
    n = len(y)
    ours = ScratchLinearRegression(penalty=penalty, l1_ratio=l1_ratio, alpha=sk_alpha * n, **TIGHT)
    ours.fit(X, y)
    if penalty == "l1":
        ref = Lasso(alpha=sk_alpha, tol=1e-14, max_iter=100_000)
    else:
        ref = ElasticNet(alpha=sk_alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000)
    ref.fit(X, y)
    J = lasso_objective(X, y, ours.coef_, ours.intercept_, sk_alpha, l1_ratio)
    J_ref = lasso_objective(X, y, ref.coef_, ref.intercept_, sk_alpha, l1_ratio)
    assert (J - J_ref) / J_ref <= 1e-7
    assert_allclose(ours.coef_, ref.coef_, atol=1e-5 * np.abs(ref.coef_).max())
    assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    if penalty == "l1" and sk_alpha == 1.0:
        assert (ours.coef_ == 0).sum() >= 5  # a strong penalty: many exact zeros


@pytest.mark.parametrize("C", [0.1, 1.0])
def test_logistic_regression_l1_reaches_liblinear_optimum(C):
    # liblinear penalises the intercept, so the comparison is without one: then the two
    # objectives are the same (ours times n, with alpha = 1 / C).
    X, y = _breast_cancer()
    ours = ScratchLogisticRegression(
        penalty="l1", alpha=1 / C, fit_intercept=False, tol=1e-10, max_iter=10000
    ).fit(X, y)
    ref = LogisticRegression(
        C=C, l1_ratio=1.0, solver="liblinear", fit_intercept=False, tol=1e-12, max_iter=10000
    ).fit(X, y)
    J = logistic_objective(X, y, ours.coef_.ravel(), 0.0, C)
    J_ref = logistic_objective(X, y, ref.coef_.ravel(), 0.0, C)
    assert (J - J_ref) / J_ref <= 1e-7
    assert_allclose(ours.coef_, ref.coef_, atol=1e-5 * np.abs(ref.coef_).max())
    assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    assert (ours.coef_ == 0).sum() >= 10


def test_logistic_regression_l1_with_intercept_reaches_saga_optimum():
    X, y = _breast_cancer()
    ours = ScratchLogisticRegression(penalty="l1", alpha=10.0, tol=1e-10, max_iter=10000)
    ours.fit(X, y)
    ref = LogisticRegression(C=0.1, l1_ratio=1.0, solver="saga", tol=1e-10, max_iter=20000)
    ref.fit(X, y)
    J = logistic_objective(X, y, ours.coef_.ravel(), ours.intercept_[0], 0.1)
    J_ref = logistic_objective(X, y, ref.coef_.ravel(), ref.intercept_[0], 0.1)
    assert (J - J_ref) / J_ref <= 1e-7
    assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


# ---- the stochastic solvers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("solver", "learning_rate_init"),
    [("sgd", "auto"), ("adam", 1.0)],
)
def test_sgd_and_adam_with_l1_reach_the_lbfgs_lasso_objective_and_its_zeros(
    solver, learning_rate_init
):
    # Full batches: the mini-batch objective divides the penalty by each batch's weight,
    # so only then is the stochastic solvers' optimum the same as L-BFGS's.
    X, y = _diabetes()
    X = StandardScaler().fit_transform(X)
    n = len(y)
    params = {"penalty": "l1", "alpha": 1.0 * n}
    ref = ScratchLinearRegression(**params, **TIGHT).fit(X, y)
    ours = ScratchLinearRegression(
        **params, solver=solver, learning_rate_init=learning_rate_init, batch_size=n,
        max_iter=1000, n_iter_no_change=np.inf, random_state=0,
    )  # fmt: skip
    fit_quietly(ours, X, y)
    J = lasso_objective(X, y, ours.coef_, ours.intercept_, 1.0, 1.0)
    J_ref = lasso_objective(X, y, ref.coef_, ref.intercept_, 1.0, 1.0)
    assert (J - J_ref) / J_ref <= 1e-3
    assert (ref.coef_ == 0).any()
    assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


@pytest.mark.parametrize(("solver", "learning_rate_init"), [("sgd", 0.5), ("adam", 0.1)])
def test_sgd_and_adam_with_l1_reach_the_lbfgs_logistic_objective_and_its_zeros(
    solver, learning_rate_init
):
    X, y = _breast_cancer()
    n = len(y)
    ref = ScratchLogisticRegression(penalty="l1", tol=1e-10, max_iter=10000).fit(X, y)
    ours = ScratchLogisticRegression(
        penalty="l1", solver=solver, learning_rate_init=learning_rate_init, batch_size=n,
        max_iter=3000, n_iter_no_change=np.inf, random_state=0,
    )  # fmt: skip
    fit_quietly(ours, X, y)
    J = logistic_objective(X, y, ours.coef_.ravel(), ours.intercept_[0], 1.0)
    J_ref = logistic_objective(X, y, ref.coef_.ravel(), ref.intercept_[0], 1.0)
    assert (J - J_ref) / J_ref <= 1e-3
    assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


# ---- every estimator, every solver --------------------------------------------------


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_strong_l1_penalty_gives_exact_zeros_for_every_estimator_and_solver(name, solver):
    # Only the first feature matters, and a strong penalty zeroes most of the others.
    X, y = _breast_cancer()
    X = X[:120, :8]
    y = y[:120] if name in ("logistic", "mlp-classifier") else X[:, 0]
    network = {"hidden_layer_sizes": (6,), "learning_rate_init": 0.01} if name in MLPS else {}
    estimator = ESTIMATORS[name](
        penalty="l1", alpha=30.0, solver=solver, max_iter=300, random_state=0, **network
    )
    fit_quietly(estimator, X, y)
    weights = np.concatenate([W.ravel() for W in estimator.coefs_])
    assert (weights == 0).sum() >= weights.size // 4
    assert np.isfinite(estimator.predict(X)).all()


def test_elasticnet_with_l1_ratio_zero_is_the_l2_penalty():
    X, y = _breast_cancer()
    l2 = ScratchLogisticRegression(alpha=2.0).fit(X, y)
    enet = ScratchLogisticRegression(alpha=2.0, penalty="elasticnet", l1_ratio=0.0).fit(X, y)
    assert_allclose(enet.coef_, l2.coef_, rtol=1e-12)


def test_l1_penalty_raises_for_invalid_l1_ratio():
    with pytest.raises(ValueError, match="l1_ratio"):
        ScratchLogisticRegression(penalty="elasticnet", l1_ratio=1.5).fit([[0.0], [1.0]], [0, 1])


def test_float32_data_keeps_float32_with_l1():
    X, y = _diabetes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for solver in ("lbfgs", "sgd", "adam"):
            est = ScratchLinearRegression(penalty="l1", alpha=100.0, solver=solver, max_iter=50)
            est.fit(X.astype(np.float32), y)
            assert est.coef_.dtype == np.float32


def test_mini_batch_sgd_with_l1_reaches_the_lbfgs_lasso_objective():
    # The linear models divide every batch's penalty by the weight of all the data, so
    # the mini-batch objective's expectation is the full one (issue 13): batch_size=50
    # reaches the optimum of L-BFGS too. (The batches' noise keeps weights at the margin
    # of the lasso's support a hair from zero; full batches give its exact zeros, above.)
    X, y = _diabetes()
    X = StandardScaler().fit_transform(X)
    params = {"penalty": "l1", "alpha": 1.0 * len(y)}
    ref = ScratchLinearRegression(**params, **TIGHT).fit(X, y)
    ours = ScratchLinearRegression(
        **params, solver="sgd", batch_size=50, learning_rate="adaptive", tol=1e-8,
        n_iter_no_change=5, max_iter=1000, random_state=0,
    )  # fmt: skip
    fit_quietly(ours, X, y)
    J = lasso_objective(X, y, ours.coef_, ours.intercept_, 1.0, 1.0)
    J_ref = lasso_objective(X, y, ref.coef_, ref.intercept_, 1.0, 1.0)
    assert (J - J_ref) / J_ref <= 1e-3
