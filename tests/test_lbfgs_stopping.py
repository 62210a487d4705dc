"""L-BFGS stops where each estimator's scikit-learn counterpart stops (issue 13).

Scope: the MLPs use scikit-learn's MLP rule (gtol = tol, scipy's default ftol and line
search), so on the same data and random_state they run as many iterations as MLPClassifier;
the linear models keep LogisticRegression's rule. A line search that fails only because the
objective cannot resolve smaller steps (the gradient at the float noise floor) is
convergence, not a warning; a real budget limit warns and says which budget.

Rounding differences between two implementations grow exponentially along a non-convex
L-BFGS path, so the iteration counts are compared on problems that converge before they do
(within ~70 iterations); over hundreds of iterations two correct runs part ways.
"""

import warnings

import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits, load_wine, make_classification, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_backprop import (
    ScratchLogisticRegression,
    ScratchMLPClassifier,
)


def digits():
    X, y = load_digits(return_X_y=True)
    return X[:500] / 16, y[:500]


PROBLEMS = {
    "digits": (digits, 1e-4),
    "moons": (lambda: make_moons(200, noise=0.3, random_state=0), 1.0),
    "make_classification": (lambda: make_classification(300, 10, random_state=0), 1e-4),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("problem", PROBLEMS)
def test_mlp_lbfgs_runs_as_many_iterations_as_mlpclassifier(problem, seed):
    make, alpha = PROBLEMS[problem]
    X, y = make()
    params = {
        "hidden_layer_sizes": (10,), "solver": "lbfgs", "alpha": alpha, "max_iter": 500,
        "random_state": seed,
    }  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        theirs = MLPClassifier(**params).fit(X, y)
        ours = ScratchMLPClassifier(**params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-6)


def standardised_wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_a_line_search_ending_at_the_noise_floor_is_convergence_not_a_warning():
    # scipy ends this run with "ABNORMAL" (no step can be told apart from no step at
    # tol=1e-10); LogisticRegression is silent on it and so are we.
    X, y = standardised_wine()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = ScratchLogisticRegression(fit_intercept=False, tol=1e-10, max_iter=10000)
        ours.fit(X, y)
        theirs = LogisticRegression(fit_intercept=False, tol=1e-10, max_iter=10000).fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ScratchLogisticRegression(max_iter=3),
        lambda: ScratchMLPClassifier((5,), solver="lbfgs", max_iter=3, random_state=0),
    ],
    ids=["logistic", "mlp"],
)
def test_an_iteration_limit_warns_with_the_reason_and_the_budget_to_raise(make):
    X, y = standardised_wine()
    with pytest.warns(ConvergenceWarning) as record:
        make().fit(X, y)
    (message,) = [str(w.message) for w in record]
    assert "reached max_iter=3 iterations" in message
    assert "Increase max_iter (currently 3)" in message
    assert "max_fun" not in message


def test_an_evaluation_limit_names_max_fun_and_not_max_iter():
    X, y = standardised_wine()
    with pytest.warns(ConvergenceWarning) as record:
        ScratchLogisticRegression(max_fun=4).fit(X, y)
    (message,) = [str(w.message) for w in record]
    assert "reached max_fun=4 objective evaluations" in message
    assert "Increase max_fun (currently 4)" in message


def test_the_linear_models_keep_logistic_regressions_tight_rule():
    # At tol=1e-10 the linear models must reach LogisticRegression's optimum closely,
    # which scipy's default ftol (the MLPs' rule) would not guarantee.
    X, y = standardised_wine()
    ours = ScratchLogisticRegression(tol=1e-10, max_iter=10000).fit(X, y)
    theirs = LogisticRegression(tol=1e-10, max_iter=10000).fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-7)
