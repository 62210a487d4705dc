"""Stateful APIs fail loudly (issue 6, promise 6).

Scope: ``warm_start`` and ``partial_fit`` across calls. Changing ``hidden_layer_sizes``, the number
of features, the number of outputs or the set of classes between calls raises a ``ValueError``
naming what changed, before any training and without touching the fitted model; ``partial_fit``
needs ``classes`` on its first call and refuses different ones later; a ``batch_size`` larger than
the data is clipped with a warning; every training loop is bounded by ``max_iter`` (and L-BFGS's
by ``max_fun``), and hitting the bound warns with ``ConvergenceWarning`` -- except in
``partial_fit``, which runs one epoch by design.
"""

import warnings

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from _estimators import (
    CLASSIFIERS,
    ESTIMATORS,
    MLPS,
    cyclic_labels,
    data_maker,
    estimator_maker,
    fit_quietly,
    partial_fit,
)

make_estimator = estimator_maker(hidden_layer_sizes=(4,), random_state=0, max_iter=5)
make_data = data_maker(
    n_samples=30, labels=cyclic_labels, target=lambda X, rng: np.sin(X.sum(axis=1))
)


def start_partial_fit(name, X, y, **params):
    return partial_fit(make_estimator(name, **{"solver": "sgd", **params}), name, X, y)


def assert_refused_untouched(estimator, call, match, solver_calls):
    """``call()`` raises a ValueError matching ``match``, trains nothing, changes nothing."""
    coefs = [W.copy() for W in estimator.coefs_ + estimator.intercepts_]
    solver_calls.clear()
    with pytest.raises(ValueError, match=match):
        call()
    assert solver_calls == []
    for W, W_before in zip(estimator.coefs_ + estimator.intercepts_, coefs):
        assert_array_equal(W, W_before)


# ---- warm_start and partial_fit after a change --------------------------------------------


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("name", MLPS)
def test_warm_start_after_changing_hidden_layer_sizes_names_it(name, solver, solver_calls):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, solver=solver, warm_start=True), X, y)
    estimator.set_params(hidden_layer_sizes=(4, 2))
    assert_refused_untouched(
        estimator, lambda: estimator.fit(X, y), r"hidden_layer_sizes.*\(4, 2\)", solver_calls
    )


@pytest.mark.parametrize("name", MLPS)
def test_partial_fit_after_changing_hidden_layer_sizes_names_it(name, solver_calls):
    X, y = make_data(name)
    estimator = start_partial_fit(name, X, y)
    estimator.set_params(hidden_layer_sizes=(5,))
    assert_refused_untouched(
        estimator, lambda: estimator.partial_fit(X, y), r"hidden_layer_sizes.*\(5,\)", solver_calls
    )


@pytest.mark.parametrize("name", ESTIMATORS)
def test_warm_start_with_a_different_number_of_features_names_both_counts(name, solver_calls):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, warm_start=True), X, y)
    X_more, _ = make_data(name, n_features=4)
    assert_refused_untouched(
        estimator,
        lambda: estimator.fit(X_more, y),
        r"X has 4 features, but \w+ is expecting 3 features",
        solver_calls,
    )


@pytest.mark.parametrize("name", ESTIMATORS)
def test_partial_fit_with_a_different_number_of_features_names_both_counts(name, solver_calls):
    X, y = make_data(name)
    estimator = start_partial_fit(name, X, y)
    assert_refused_untouched(
        estimator,
        lambda: estimator.partial_fit(X[:, :2], y),
        r"X has 2 features, but \w+ is expecting 3 features",
        solver_calls,
    )


@pytest.mark.parametrize(
    "new_labels",
    [
        pytest.param(lambda y: np.where(y == 2, 7, y), id="a-class-replaced"),
        pytest.param(lambda y: y % 2, id="a-class-missing"),
        pytest.param(lambda y: np.arange(len(y)) % 4, id="a-class-added"),
    ],
)
@pytest.mark.parametrize("name", CLASSIFIERS)
def test_warm_start_with_a_different_set_of_classes_names_them(name, new_labels, solver_calls):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, warm_start=True), X, y)
    assert_refused_untouched(
        estimator, lambda: estimator.fit(X, new_labels(y)), r"same classes", solver_calls
    )
    assert_array_equal(estimator.classes_, [0, 1, 2])


@pytest.mark.parametrize("name", ["linear", "mlp-regressor"])
def test_warm_start_with_a_different_number_of_outputs_names_it(name, solver_calls):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, warm_start=True), X, y)
    assert_refused_untouched(
        estimator,
        lambda: estimator.fit(X, np.column_stack([y, y])),
        r"2 output column\(s\).*has 1",
        solver_calls,
    )


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_partial_fit_without_classes_on_the_first_call_raises(name, solver_calls):
    X, y = make_data(name)
    estimator = make_estimator(name, solver="sgd")
    with pytest.raises(ValueError, match=r"classes must be passed on the first call"):
        estimator.partial_fit(X, y)
    assert solver_calls == []
    assert not hasattr(estimator, "coefs_")


@pytest.mark.parametrize(
    "classes",
    [[0, 1], [0, 1, 2, 3], [0, 1, 5]],
    ids=["fewer", "more", "other"],
)
@pytest.mark.parametrize("name", CLASSIFIERS)
def test_partial_fit_with_different_classes_later_raises(name, classes, solver_calls):
    X, y = make_data(name)
    estimator = start_partial_fit(name, X, y)
    assert_refused_untouched(
        estimator,
        lambda: estimator.partial_fit(X, y % 2, classes=classes),
        r"classes=.*not the same as on the first call",
        solver_calls,
    )


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_partial_fit_with_the_same_classes_in_another_order_is_accepted(name):
    X, y = make_data(name)
    estimator = start_partial_fit(name, X, y)
    estimator.partial_fit(X, y, classes=[2, 0, 1])
    assert estimator.n_iter_ == 2


def diverge(estimator, name, X, y):
    estimator.set_params(learning_rate_init=1e6).fit(X, y)


def feed_nan(estimator, name, X, y):
    X = X.copy()
    X[0, 0] = np.nan
    partial_fit(estimator, name, X, y)


@pytest.mark.parametrize("failure", [diverge, feed_nan], ids=lambda failure: failure.__name__)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_failed_first_fit_leaves_the_estimator_not_fitted(name, failure):
    X, y = make_data(name)
    estimator = make_estimator(name, solver="sgd")
    with pytest.raises(ValueError, match=r"diverged|NaN"):
        failure(estimator, name, X, y)
    with pytest.raises(NotFittedError):
        estimator.predict(X)


# ---- batch_size -------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_batch_size_larger_than_the_data_is_clipped_with_a_warning(name, solver):
    X, y = make_data(name)
    with pytest.warns(UserWarning, match=r"batch_size.*clipped"):
        clipped = fit_quietly(make_estimator(name, solver=solver, batch_size=50), X, y)
    exact = fit_quietly(make_estimator(name, solver=solver, batch_size=30), X, y)
    for W, W_exact in zip(clipped.coefs_, exact.coefs_):
        assert_array_equal(W, W_exact)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_batch_size_larger_than_a_partial_fit_chunk_is_clipped_with_a_warning(name):
    X, y = make_data(name)
    with pytest.warns(UserWarning, match=r"batch_size.*clipped"):
        start_partial_fit(name, X, y, batch_size=50)


# ---- every loop is bounded ------------------------------------------------------------


def assert_fit_stops_at_max_iter(estimator, X, y, max_iter):
    """``fit`` warns that it reached ``max_iter`` epochs, and ran exactly that many."""
    with pytest.warns(ConvergenceWarning, match=rf"Maximum iterations \({max_iter}\)"):
        estimator.fit(X, y)
    assert estimator.n_iter_ == max_iter


@pytest.mark.parametrize("learning_rate", ["constant", "adaptive"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_stochastic_training_stops_at_max_iter_and_warns(name, solver, learning_rate):
    # tol=0 with endless patience: only max_iter can end the run.
    X, y = make_data(name)
    estimator = make_estimator(
        name, solver=solver, learning_rate=learning_rate, max_iter=3, tol=0.0,
        n_iter_no_change=1000, batch_size=10,
    )  # fmt: skip
    assert_fit_stops_at_max_iter(estimator, X, y, max_iter=3)
    assert len(estimator.loss_curve_) == 3


@pytest.mark.parametrize("name", MLPS)
def test_early_stopping_run_stops_at_max_iter_and_warns(name):
    X, y = make_data(name, n_samples=40)
    estimator = make_estimator(
        name, solver="sgd", early_stopping=True, max_iter=3, tol=0.0, n_iter_no_change=1000
    )
    assert_fit_stops_at_max_iter(estimator, X, y, max_iter=3)
    assert len(estimator.validation_scores_) == 3


@pytest.mark.parametrize("name", ESTIMATORS)
def test_each_warm_start_fit_is_bounded_by_max_iter_and_warns(name):
    X, y = make_data(name)
    estimator = make_estimator(
        name, solver="adam", warm_start=True, max_iter=2, tol=0.0, n_iter_no_change=1000
    )
    for _ in range(2):
        with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(2\)"):
            estimator.fit(X, y)
    assert len(estimator.loss_curve_) == 4


@pytest.mark.parametrize("name", ESTIMATORS)
def test_lbfgs_stops_at_max_iter_and_warns(name):
    X, y = make_data(name)
    estimator = make_estimator(name, solver="lbfgs", alpha=1e-6, max_iter=2, tol=0.0)
    with pytest.warns(ConvergenceWarning, match=r"max_iter \(currently 2\)"):
        estimator.fit(X, y)
    assert 1 <= estimator.n_iter_ <= 2


@pytest.fixture
def objective_evaluations(monkeypatch):
    """Counts the objective evaluations of every ``scipy.optimize.minimize`` call."""
    count = [0]
    minimize = scipy.optimize.minimize

    def counting_minimize(fun, *args, **kwargs):
        def counted(*fun_args):
            count[0] += 1
            return fun(*fun_args)

        return minimize(counted, *args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", counting_minimize)
    return count


# A line search may finish its own evaluations after the budget is spent (scipy checks
# ``max_fun`` between iterations); the engine allows at most 50 per line search.
LINE_SEARCH_EVALUATIONS = 50


@pytest.mark.parametrize("name", ESTIMATORS)
def test_lbfgs_stops_at_max_fun_and_warns(name, objective_evaluations):
    X, y = make_data(name)
    estimator = make_estimator(name, solver="lbfgs", alpha=1e-6, max_iter=10_000, max_fun=5)
    estimator.set_params(tol=0.0)
    with pytest.warns(ConvergenceWarning, match=r"max_fun \(currently 5\)"):
        estimator.fit(X, y)
    assert 1 <= objective_evaluations[0] <= 5 + LINE_SEARCH_EVALUATIONS
    assert estimator.n_iter_ <= 5


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_partial_fit_runs_one_epoch_per_call_without_convergence_warning(name, solver):
    X, y = make_data(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator = start_partial_fit(
            name, X, y, solver=solver, max_iter=1, tol=0.0, n_iter_no_change=1000
        )
        for _ in range(3):
            estimator.partial_fit(X, y)
    assert estimator.n_iter_ == 4
    assert len(estimator.loss_curve_) == 4
