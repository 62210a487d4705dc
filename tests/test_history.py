"""Training you can watch: history_, best_epoch_, verbose lines and Ctrl-C (issue 9).

Scope: every estimator and solver records one ``history_`` row per epoch or L-BFGS
iteration with the same keys; the rows agree with ``loss_curve_``, with the objective
recomputed from the parameters, and with the learning-rate schedule; a KeyboardInterrupt
keeps a usable model of the last completed epoch; verbose prints one line per epoch.
"""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from _estimators import COEF, ESTIMATORS, data_maker, estimator_maker, fit_quietly
from sklearn_backprop import ScratchLinearRegression, ScratchMLPClassifier
from sklearn_backprop._history import HISTORY_KEYS
from sklearn_backprop.engine import SGD, Network

make_estimator = estimator_maker(hidden_layer_sizes=(5,), random_state=0)
make_data = data_maker(
    n_samples=60,
    labels=lambda X, rng: (X[:, 0] + X[:, 1] > 0).astype(int),
    target=lambda X, rng: X @ COEF + 0.1 * rng.normal(size=len(X)),
)
SOLVERS = ["lbfgs", "sgd", "adam"]


def objective_at_fitted_parameters(estimator, X, y):
    """J = mean loss + penalty, recomputed in float64 from coefs_ / intercepts_."""
    network = estimator._inference_network()
    loss = estimator._make_loss()
    if hasattr(estimator, "classes_"):
        Y = estimator._label_binarizer.transform(y).astype(float)
    else:
        Y = np.asarray(y, dtype=float).reshape(len(y), -1)
    value, _ = loss.value_and_link(Y, network.forward(X), None)
    W = np.concatenate([W.ravel() for W in estimator.coefs_])
    return value + estimator._penalty().value(W, X.shape[0])


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_history_has_one_row_per_epoch_with_every_key(name, solver):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, solver=solver, max_iter=15), X, y)
    history = estimator.history_
    assert len(history) == int(np.ravel(estimator.n_iter_)[0])
    assert [row["epoch"] for row in history] == list(range(1, len(history) + 1))
    for row in history:
        assert tuple(row) == HISTORY_KEYS
        assert isinstance(row["loss"], float)
        assert isinstance(row["n_steps"], int)
        assert row["seconds"] >= 0
        assert row["grad_norm"] >= 0
        assert row["val_loss"] is None
        assert row["val_score"] is None
        assert (row["learning_rate"] is None) == (solver == "lbfgs")
    assert [row["loss"] for row in history] == estimator.loss_curve_
    assert list(pd.DataFrame(history).columns) == list(HISTORY_KEYS)
    steps = [row["n_steps"] for row in history]
    assert steps == sorted(steps)
    assert steps[-1] >= len(history)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_lbfgs_history_loss_is_the_objective_at_the_returned_parameters(name):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, solver="lbfgs", alpha=0.1, max_iter=50), X, y)
    last = estimator.history_[-1]
    assert_allclose(last["loss"], objective_at_fitted_parameters(estimator, X, y), rtol=1e-12)
    W = np.concatenate([W.ravel() for W in estimator.coefs_])
    assert_allclose(last["penalty"], 0.5 * 0.1 * float(W @ W) / len(X), rtol=1e-12)
    assert estimator.best_epoch_ == int(np.argmin(estimator.loss_curve_)) + 1


def test_history_continues_over_partial_fit_and_warm_start():
    X, y = make_data("linear")
    estimator = make_estimator("linear", solver="sgd")
    for _ in range(3):
        estimator.partial_fit(X, y)
    assert [row["epoch"] for row in estimator.history_] == [1, 2, 3]
    warm = fit_quietly(make_estimator("linear", solver="sgd", max_iter=4, warm_start=True), X, y)
    fit_quietly(warm, X, y)
    assert [row["epoch"] for row in warm.history_] == list(range(1, 9))
    assert warm.loss_curve_ == [row["loss"] for row in warm.history_]


def test_invscaling_learning_rate_in_history_follows_the_schedule_exactly():
    X, y = make_data("linear")
    params = {"learning_rate": "invscaling", "learning_rate_init": 0.05, "power_t": 0.3}
    estimator = fit_quietly(make_estimator("linear", solver="sgd", max_iter=6, **params), X, y)
    expected = [0.05 / (len(X) * k + 1) ** 0.3 for k in range(6)]
    expected[0] = 0.05
    assert [row["learning_rate"] for row in estimator.history_] == expected


def test_adaptive_learning_rate_in_history_only_divides_by_five():
    X, y = make_data("mlp-classifier")
    estimator = fit_quietly(
        make_estimator(
            "mlp-classifier", solver="sgd", learning_rate="adaptive", learning_rate_init=0.5,
            n_iter_no_change=2, tol=1e-2, max_iter=60,
        ),
        X, y,
    )  # fmt: skip
    rates = [row["learning_rate"] for row in estimator.history_]
    ratios = {round(a / b, 12) for a, b in itertools.pairwise(rates)}
    assert ratios <= {1.0, 5.0}
    assert 5.0 in ratios


def test_stochastic_grad_norm_is_the_rms_of_the_mini_batch_gradients(monkeypatch):
    norms = []
    step = SGD.step

    def recording_step(self, params, grad):
        norms.append(float(np.linalg.norm(grad)))
        return step(self, params, grad)

    monkeypatch.setattr(SGD, "step", recording_step)
    X, y = make_data("linear")
    estimator = fit_quietly(make_estimator("linear", solver="sgd", batch_size=15, max_iter=2), X, y)
    per_epoch = np.reshape(norms, (2, 4))
    assert_allclose(
        [row["grad_norm"] for row in estimator.history_],
        np.sqrt((per_epoch**2).mean(axis=1)),
        rtol=1e-12,
    )


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_ctrl_c_at_epoch_3_keeps_a_usable_model_of_the_completed_epochs(monkeypatch, solver):
    X, y = make_data("mlp-classifier")
    estimator = make_estimator("mlp-classifier", solver=solver, batch_size=20, max_iter=50)
    calls = {"n": 0}
    optimizer = type(estimator._new_optimizer(X, None, None, 20))
    step = optimizer.step

    def interrupted_step(self, params, grad):
        calls["n"] += 1
        if calls["n"] == 2 * 3 + 2:  # the 2nd of the 3 batches of epoch 3
            raise KeyboardInterrupt
        return step(self, params, grad)

    monkeypatch.setattr(optimizer, "step", interrupted_step)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        estimator.fit(X, y)
    assert estimator.n_iter_ == len(estimator.history_) == 2
    assert all(np.isfinite(W).all() for W in estimator.coefs_)
    reference = fit_quietly(
        make_estimator("mlp-classifier", solver=solver, batch_size=20, max_iter=2), X, y
    )
    for W, W_reference in zip(estimator.coefs_, reference.coefs_):
        assert_allclose(W, W_reference, rtol=0, atol=0)
    assert estimator.predict(X).shape == y.shape


def test_ctrl_c_during_lbfgs_keeps_the_last_completed_iteration(monkeypatch):
    X, y = make_data("mlp-classifier")
    estimator = make_estimator("mlp-classifier", solver="lbfgs", max_iter=100)
    forward = Network.forward
    calls = {"n": 0}

    def interrupted_forward(self, X, workspace=None):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt
        return forward(self, X, workspace)

    monkeypatch.setattr(Network, "forward", interrupted_forward)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        estimator.fit(X, y)
    monkeypatch.undo()
    assert 1 <= estimator.n_iter_ == len(estimator.history_) < 8
    assert all(np.isfinite(W).all() for W in estimator.coefs_)
    assert_allclose(
        estimator.history_[-1]["loss"],
        objective_at_fitted_parameters(estimator, X, y),
        rtol=1e-12,
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_verbose_prints_one_line_per_epoch_for_every_solver(capsys, solver):
    X, y = make_data("mlp-classifier")
    estimator = make_estimator("mlp-classifier", solver=solver, max_iter=5, verbose=True)
    fit_quietly(estimator, X, y, X_val=X[:20], y_val=y[:20])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Iter")]
    assert len(lines) == estimator.n_iter_
    assert all("val_loss = " in line and "val_score = " in line for line in lines)
    if solver == "lbfgs":
        assert all("grad_norm = " in line for line in lines)


def test_quiet_by_default(capsys):
    X, y = make_data("linear")
    fit_quietly(make_estimator("linear", solver="sgd", max_iter=3), X, y)
    fit_quietly(ScratchLinearRegression(), X, y)
    assert capsys.readouterr().out == ""


def test_history_penalty_of_an_l1_mlp_is_its_penalty_part():
    X, y = make_data("mlp-classifier")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = ScratchMLPClassifier(
            (4,), solver="lbfgs", penalty="l1", alpha=0.5, max_iter=30, random_state=0
        ).fit(X, y)
    W = np.concatenate([W.ravel() for W in estimator.coefs_])
    assert_allclose(estimator.history_[-1]["penalty"], 0.5 * np.abs(W).sum() / len(X), rtol=1e-9)
