"""Sparse and wide linear models reach the exact optimum, by the solver meant for them.

Scope: ``ScratchLinearRegression`` on CSR/CSC data too wide for the Gram-matrix
form (``n_features >= 1024``, or no more samples than features), solved by
conjugate gradients on the normal equations (``engine/normal_equations.py``),
against a direct solve written here, ``Ridge`` and ``LinearRegression``: with
and without intercept and sample weights, several outputs, float32 kept, and
an L1 term still going through L-BFGS; ``ScratchLogisticRegression`` on sparse
data against ``LogisticRegression``. Speed is measured in ``benchmarks/sparse.py``,
not here.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

import sklearn_backprop.engine.lbfgs as lbfgs
from sklearn_backprop import ScratchLinearRegression, ScratchLogisticRegression

SHAPES = {"tall": (1500, 1100), "wide": (300, 1100)}


def _sparse_problem(shape, n_outputs=1, seed=0, fmt="csr"):
    """A sparse X (density 0.02, a few scaled columns) and a noisy linear target."""
    rng = np.random.default_rng(seed)
    n_samples, n_features = shape
    X = sp.random(n_samples, n_features, density=0.02, format="csc", random_state=seed)
    X = X @ sp.diags_array(rng.uniform(0.2, 5.0, n_features))  # uneven column scales
    coef = rng.normal(size=(n_features, n_outputs))
    Y = X @ coef + 0.5 + 0.1 * rng.normal(size=(n_samples, n_outputs))
    return X.asformat(fmt), (Y[:, 0] if n_outputs == 1 else Y), rng


def _exact_ridge(X, Y, alpha, sample_weight, fit_intercept):
    """Weighted ridge with an unpenalised intercept, by a dense direct solve (the witness)."""
    X = X.toarray() if sp.issparse(X) else X
    Y = Y.reshape(len(X), -1)
    w = np.ones(len(X)) if sample_weight is None else sample_weight
    Xa = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    penalty = np.full(Xa.shape[1], float(alpha))
    if fit_intercept:
        penalty[-1] = 0.0
    theta = np.linalg.solve(Xa.T @ (w[:, None] * Xa) + np.diag(penalty), Xa.T @ (w[:, None] * Y))
    return (theta[:-1], theta[-1]) if fit_intercept else (theta, np.zeros(Y.shape[1]))


@pytest.fixture
def solver_spy(monkeypatch):
    """How many fits went to the conjugate-gradient solver."""
    calls = []
    original = lbfgs.fit_normal_equations

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(lbfgs, "fit_normal_equations", spy)
    return calls


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sparse_wide_linear_regression_reaches_the_exact_ridge_optimum(
    shape, fit_intercept, weighted, solver_spy
):
    X, y, rng = _sparse_problem(SHAPES[shape])
    w = rng.uniform(0.1, 3.0, X.shape[0]) if weighted else None
    ours = ScratchLinearRegression(alpha=0.5, fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours.fit(X, y, sample_weight=w)
    coef, intercept = _exact_ridge(X, y, 0.5, w, fit_intercept)

    assert solver_spy == [1]
    np.testing.assert_allclose(ours.coef_, coef.ravel(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, intercept[0], atol=1e-8)


def test_sparse_linear_regression_matches_ridge_at_a_tight_tolerance():
    X, y, rng = _sparse_problem(SHAPES["tall"], fmt="csc")
    w = rng.uniform(0.1, 3.0, X.shape[0])
    ours = ScratchLinearRegression(alpha=2.0).fit(X, y, sample_weight=w)
    ridge = Ridge(alpha=2.0, tol=1e-12).fit(X, y, sample_weight=w)

    np.testing.assert_allclose(ours.coef_, ridge.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ridge.intercept_, atol=1e-8)


def test_multi_output_sparse_linear_regression_solves_each_output():
    X, Y, _ = _sparse_problem(SHAPES["wide"], n_outputs=3)
    Y[:, 1] *= 100.0  # outputs of different scales converge at their own pace
    ours = ScratchLinearRegression(alpha=1.0).fit(X, Y)
    coef, intercept = _exact_ridge(X, Y, 1.0, None, True)

    assert ours.coef_.shape == (3, X.shape[1])
    np.testing.assert_allclose(ours.coef_, coef.T, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=1e-9, atol=1e-8)


def test_unpenalised_underdetermined_sparse_regression_is_the_minimum_norm_solution():
    # Without a penalty, a wide problem has many exact fits; from zero, conjugate
    # gradients stay in the row space of X and end at LinearRegression's.
    X, y, _ = _sparse_problem(SHAPES["wide"])
    ours = ScratchLinearRegression(alpha=0.0).fit(X, y)
    reference = LinearRegression().fit(X.toarray(), y)

    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, atol=1e-7)


def test_unpenalised_one_hot_regression_is_the_minimum_norm_solution():
    # One-hot columns with an intercept are rank-deficient (each feature's columns
    # sum to the intercept's) and unevenly scaled: still LinearRegression's answer.
    rng = np.random.default_rng(0)
    codes = rng.integers(0, [700, 500], size=(3000, 2))
    rows, columns = np.tile(np.arange(3000), 2), np.concatenate([codes[:, 0], 700 + codes[:, 1]])
    X = sp.csr_matrix((np.ones(6000), (rows, columns)), shape=(3000, 1200))
    y = rng.normal(size=700)[codes[:, 0]] + rng.normal(size=500)[codes[:, 1]]
    y += 0.1 * rng.normal(size=3000)
    ours = ScratchLinearRegression().fit(X, y)
    reference = LinearRegression().fit(X.toarray(), y)

    # The smallest of the many exact fits: the same norm, to rounding.
    np.testing.assert_allclose(
        np.linalg.norm(ours.coef_), np.linalg.norm(reference.coef_), rtol=1e-9
    )
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.predict(X), reference.predict(X.toarray()), atol=1e-6)


def test_dense_wide_linear_regression_takes_the_same_solver(solver_spy):
    X, y, _ = _sparse_problem(SHAPES["wide"])
    ours = ScratchLinearRegression(alpha=0.5).fit(X.toarray(), y)
    coef, intercept = _exact_ridge(X, y, 0.5, None, True)

    assert solver_spy == [1]
    np.testing.assert_allclose(ours.coef_, coef.ravel(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, intercept[0], atol=1e-8)


def test_float32_sparse_linear_regression_keeps_float32_at_the_float64_optimum():
    X, y, _ = _sparse_problem(SHAPES["wide"])
    X32 = X.astype(np.float32)
    ours = ScratchLinearRegression(alpha=0.5).fit(X32, y.astype(np.float32))
    # The witness solves the float32 data exactly, in float64.
    coef, intercept = _exact_ridge(X32.astype(np.float64), y.astype(np.float32), 0.5, None, True)

    assert ours.coef_.dtype == np.float32
    assert ours.predict(X32).dtype == np.float32
    np.testing.assert_allclose(ours.coef_, coef.ravel(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, intercept[0], rtol=1e-5)


def test_an_l1_term_on_sparse_wide_data_still_goes_through_lbfgs(solver_spy):
    X, y, _ = _sparse_problem(SHAPES["wide"])
    settings = {"penalty": "elasticnet", "alpha": 5.0, "l1_ratio": 0.5, "max_iter": 3000}
    sparse = ScratchLinearRegression(**settings).fit(X, y)
    dense = ScratchLinearRegression(**settings).fit(X.toarray(), y)

    assert solver_spy == []
    assert np.sum(sparse.coef_ == 0) > 0  # the split weights put some exactly at zero
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)


@pytest.mark.parametrize("budget", ["max_iter", "max_fun"])
def test_a_step_limit_on_sparse_data_warns_with_the_reason(budget):
    X, y, _ = _sparse_problem(SHAPES["tall"])
    with pytest.warns(ConvergenceWarning, match=f"{budget}=3 steps with the largest gradient"):
        model = ScratchLinearRegression(alpha=0.5, **{budget: 3}).fit(X, y)
    assert model.n_iter_ == 3
    assert len(model.loss_curve_) == 3
    assert np.all(np.diff(model.loss_curve_) < 0)  # every step lowers the objective


def test_warm_start_from_the_optimum_takes_no_step():
    X, y, _ = _sparse_problem(SHAPES["tall"])
    model = ScratchLinearRegression(alpha=0.5, warm_start=True).fit(X, y)
    coef = model.coef_.copy()
    model.fit(X, y)

    assert model.n_iter_ == 0
    np.testing.assert_array_equal(model.coef_, coef)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
def test_sparse_logistic_regression_reaches_logistic_regressions_optimum(fit_intercept, weighted):
    X, y, rng = _sparse_problem((600, 1100))
    labels = (y > np.median(y)).astype(int)
    w = rng.uniform(0.1, 3.0, X.shape[0]) if weighted else None
    tight = {"tol": 1e-10, "max_iter": 10000, "fit_intercept": fit_intercept}
    ours = ScratchLogisticRegression(**tight).fit(X, labels, sample_weight=w)
    theirs = LogisticRegression(**tight).fit(X, labels, sample_weight=w)

    # LogisticRegression stops on its relative decrease (ftol) with gradient
    # entries up to ~1e-8 on this problem; ours goes down to tol.
    assert _logistic_gradient(ours, X, labels, w) <= 1e-10
    assert _logistic_gradient(theirs, X, labels, w) <= 1e-7
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5)


def _logistic_gradient(model, X, labels, sample_weight):
    """Largest entry of the gradient of the mean log-loss + 0.5 ||W||^2 / sum(w) at ``model``."""
    w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    dZ = w * (expit(X @ model.coef_[0] + model.intercept_[0]) - labels)
    gradient = np.append(X.T @ dZ + model.coef_[0], dZ.sum() if model.fit_intercept else 0.0)
    return float(np.abs(gradient).max() / w.sum())


def test_the_sparse_least_squares_path_records_a_history_row_per_step():
    rng = np.random.default_rng(0)
    X = sp.random(300, 200, density=0.05, format="csr", random_state=0)
    y = X @ rng.normal(size=200) + 0.1 * rng.normal(size=300)
    model = ScratchLinearRegression(alpha=1.0).fit(X, y, X_val=X[:50], y_val=y[:50])
    assert len(model.history_) == model.n_iter_ > 0
    assert model.loss_curve_ == [row["loss"] for row in model.history_]
    last = model.history_[-1]
    assert last["val_score"] == pytest.approx(model.score(X[:50], y[:50]), rel=1e-12)
    assert last["penalty"] == pytest.approx(0.5 * np.sum(model.coef_**2) / 300, rel=1e-10)
