"""scikit-learn's callback API on every estimator and solver (issue 9).

Scope: ``set_callbacks`` with ``ProgressBar`` and ``ScoringMonitor`` works alone and under
``GridSearchCV`` and ``Pipeline``; every epoch or L-BFGS iteration is a subtask whose
fitted copy holds that epoch's parameters; a callback raising KeyboardInterrupt ends
training as Ctrl-C does.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _estimators import COEF, ESTIMATORS, data_maker, estimator_maker, fit_quietly

callback = pytest.importorskip("sklearn.callback")
from sklearn.callback import ProgressBar, ScoringMonitor  # noqa: E402

make_estimator = estimator_maker(hidden_layer_sizes=(4,), random_state=0)
make_data = data_maker(
    n_samples=60,
    labels=lambda X, rng: (X[:, 0] + X[:, 1] > 0).astype(int),
    target=lambda X, rng: X @ COEF + 0.1 * rng.normal(size=len(X)),
)
SOLVERS = ["lbfgs", "sgd", "adam"]


def scorer_for(name):
    return "r2" if name in ("linear", "mlp-regressor") else "accuracy"


def epoch_rows(monitor):
    return [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_scoring_monitor_logs_one_subtask_per_epoch_with_that_epochs_model(name, solver):
    X, y = make_data(name)
    monitor = ScoringMonitor(scoring=scorer_for(name))
    estimator = make_estimator(name, solver=solver, max_iter=6, scoring=scorer_for(name))
    fit_quietly(estimator.set_callbacks(monitor), X, y, X_val=X, y_val=y)
    rows = epoch_rows(monitor)
    assert len(rows) == len(estimator.history_)
    # Scored on the training data: the same numbers as val_score with X_val = X.
    assert_allclose(
        [row[scorer_for(name)] for row in rows],
        [row["val_score"] for row in estimator.history_],
        rtol=1e-12,
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_progress_bar_runs_for_every_estimator_and_solver(name, solver):
    pytest.importorskip("rich")
    X, y = make_data(name)
    estimator = make_estimator(name, solver=solver, max_iter=4).set_callbacks(ProgressBar())
    fit_quietly(estimator, X, y)
    assert len(estimator.history_) == int(np.ravel(estimator.n_iter_)[0])


@pytest.mark.parametrize("name", ESTIMATORS)
def test_callbacks_run_inside_grid_search_and_pipeline(name):
    pytest.importorskip("rich")
    X, y = make_data(name)
    monitor = ScoringMonitor(scoring=scorer_for(name))
    estimator = make_estimator(name, solver="adam", max_iter=3).set_callbacks(monitor)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), estimator), {"standardscaler__with_mean": [True, False]},
        cv=2, n_jobs=1,
    )  # fmt: skip
    # A progress bar follows the whole search (it propagates down to our epochs).
    fit_quietly(search.set_callbacks(ProgressBar(max_propagation_depth=None)), X, y)
    epochs = [
        row for log in monitor.get_logs(select="all") for row in log.data
        if row["task_name"] == "epoch"
    ]  # fmt: skip
    assert len(epochs) == (2 * 2 + 1) * 3  # 2 candidates x 2 folds + the refit, 3 epochs each


def test_a_callback_raising_keyboard_interrupt_stops_like_ctrl_c():
    class Interrupt(ScoringMonitor):
        def on_fit_task_end(self, estimator, context, **kwargs):
            if context.task_name == "epoch" and context.task_id == 2:
                raise KeyboardInterrupt
            return super().on_fit_task_end(estimator, context, **kwargs)

    X, y = make_data("mlp-classifier")
    estimator = make_estimator("mlp-classifier", solver="sgd", max_iter=20)
    estimator.set_callbacks(Interrupt(scoring="accuracy"))
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        estimator.fit(X, y)
    assert estimator.n_iter_ == len(estimator.history_) == 3
    assert all(np.isfinite(W).all() for W in estimator.coefs_)


def test_without_callbacks_no_callback_context_is_made(monkeypatch):
    X, y = make_data("mlp-classifier")
    estimator = make_estimator("mlp-classifier", solver="adam", max_iter=3)

    def refuse(*args, **kwargs):
        raise AssertionError("a callback context was made without callbacks")

    monkeypatch.setattr(type(estimator), "_init_callback_context", refuse)
    fit_quietly(estimator, X, y)
