"""The linear models minimise one objective whatever the solver (issue 13).

Scope: ``ScratchLinearRegression`` and ``ScratchLogisticRegression`` trained by sgd and adam
reach the optimum that lbfgs, ``Ridge`` and ``LogisticRegression`` reach: each mini-batch's
penalty is scaled by the weight of all the data, so ``batch_size`` changes the path, not the
answer. The MLPs keep scikit-learn's per-batch scaling (their runs stay MLPClassifier's).
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

from sklearn_backprop import ScratchLinearRegression, ScratchLogisticRegression

# Adam runs its max_iter epochs by design (tol=0): the warning says so, rightly.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RIDGE_ALPHA = 100.0

# A decaying step for sgd (divided by 5 whenever the loss stalls), a small one for adam.
SOLVERS = {
    "sgd": {
        "solver": "sgd", "learning_rate": "adaptive", "learning_rate_init": 0.01,
        "momentum": 0.9, "tol": 1e-9, "n_iter_no_change": 10,
    },
    "adam": {"solver": "adam", "tol": 0.0, "n_iter_no_change": 10**9},
}  # fmt: skip
ADAM_STEP = {50: 1e-3, "auto": 3e-3}


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(1000, 5, n_informative=3, n_redundant=0, flip_y=0.1, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(1000, 5, noise=10.0, random_state=0)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def logistic_objective(model, X, y):
    """J = mean log loss + 0.5 * ||W||^2 / n (alpha = 1 = 1 / C), in float64."""
    return log_loss(y, model.predict_proba(X)) + 0.5 * float(np.sum(model.coef_**2)) / len(X)


def ridge_objective(model, X, y):
    """J = 0.5 * mean squared error + 0.5 * alpha * ||W||^2 / n."""
    residual = model.predict(X) - y
    penalty = 0.5 * RIDGE_ALPHA * float(np.sum(model.coef_**2))
    return 0.5 * float(np.mean(residual**2)) + penalty / len(X)


def stochastic_params(solver, batch_size):
    params = dict(SOLVERS[solver], batch_size=batch_size, max_iter=500, random_state=0)
    if solver == "adam":
        params["learning_rate_init"] = ADAM_STEP[batch_size]
    return params


def relative_difference(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("batch_size", [50, "auto"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_logistic_regression_reaches_logistic_regressions_optimum(
    classification, solver, batch_size
):
    X, y = classification
    reference = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(X, y)
    lbfgs = ScratchLogisticRegression(tol=1e-10, max_iter=1000).fit(X, y)
    model = ScratchLogisticRegression(**stochastic_params(solver, batch_size)).fit(X, y)
    optimum = logistic_objective(lbfgs, X, y)
    assert logistic_objective(model, X, y) - optimum <= 1e-3 * optimum
    assert relative_difference(model.coef_, reference.coef_) <= 1e-2
    assert relative_difference(model.intercept_, reference.intercept_) <= 1e-2


@pytest.mark.parametrize("batch_size", [50, "auto"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_linear_regression_reaches_ridges_optimum(regression, solver, batch_size):
    X, y = regression
    reference = Ridge(alpha=RIDGE_ALPHA).fit(X, y)
    lbfgs = ScratchLinearRegression(alpha=RIDGE_ALPHA).fit(X, y)
    params = stochastic_params(solver, batch_size)
    model = ScratchLinearRegression(alpha=RIDGE_ALPHA, **params).fit(X, y)
    optimum = ridge_objective(lbfgs, X, y)
    assert ridge_objective(model, X, y) - optimum <= 1e-3 * optimum
    assert relative_difference(model.coef_, reference.coef_) <= 1e-2


def test_batch_size_does_not_act_as_a_regulariser_of_the_linear_models(classification):
    # With scikit-learn's per-batch scaling, batch_size=50 on 1000 samples would weigh
    # the penalty 20 times: the coefficients would shrink far below the optimum's.
    X, y = classification
    norms = [
        np.linalg.norm(
            ScratchLogisticRegression(**stochastic_params("sgd", batch_size)).fit(X, y).coef_
        )
        for batch_size in (10, 50, 1000)
    ]
    optimum_norm = np.linalg.norm(LogisticRegression(tol=1e-10).fit(X, y).coef_)
    np.testing.assert_allclose(norms, optimum_norm, rtol=1e-2)
