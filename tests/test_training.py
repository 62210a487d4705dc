"""Training loops: batching, stopping, early stopping, dtypes, divergence, L-BFGS.

Scope: ``sklearn_backprop.engine.training`` and ``.lbfgs``. ``fit_stochastic`` and
``fit_lbfgs`` on tiny problems: runs are reproducible bit for bit; ``tol`` and
``n_iter_no_change`` end training with ``converged=True`` and a message; ``StoppingMonitor``
counts and keeps the best parameters; early stopping restores the parameters of the best
validation epoch; float32 stays float32; ``MiniBatches`` visits every row once per epoch;
zero-weight batches are skipped; a blow-up is reported as a ``Divergence`` without warnings;
L-BFGS records its loss per iteration, respects ``max_iter`` and reaches the least-squares
optimum; ``verbose`` prints the loss per iteration.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal, assert_equal

from sklearn_backprop.engine import (
    HIDDEN_ACTIVATIONS,
    SGD,
    Adam,
    BinaryCrossEntropy,
    Network,
    SquaredError,
    StochasticState,
    StoppingMonitor,
    fit_lbfgs,
    fit_stochastic,
)
from sklearn_backprop.engine.training import MiniBatches

N_SAMPLES, N_FEATURES = 24, 3


def regression_problem(seed=0, dtype=np.float64, hidden=(4,), activation="tanh"):
    """A smooth target of 3 features, and a network initialised from ``RandomState(seed)``."""
    data_rng = np.random.default_rng(seed)
    X = data_rng.normal(size=(N_SAMPLES, N_FEATURES)).astype(dtype)
    Y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:2] - 0.2 * X[:, 2:]).astype(dtype)
    network = Network(
        (N_FEATURES, *hidden, 1), HIDDEN_ACTIVATIONS[activation], SquaredError.link, dtype=dtype
    )
    network.initialize(np.random.RandomState(seed))
    return network, X, Y


def make_state(optimizer, tol=1e-4, patience=10, keep_best=False, seed=0):
    return StochasticState(
        optimizer=optimizer,
        monitor=StoppingMonitor(tol=tol, patience=patience, keep_best=keep_best),
        rng=np.random.RandomState(seed),
    )


def run_stochastic(network, X, Y, state, sample_weight=None, **kwargs):
    options = {"alpha": 1e-3, "batch_size": 8, "max_epochs": 20, "shuffle": True}
    options.update(kwargs)
    return fit_stochastic(network, SquaredError(), X, Y, sample_weight, state, **options)


OPTIMIZERS = {
    "sgd": lambda: SGD(0.05, momentum=0.0),
    "momentum": lambda: SGD(0.05, nesterov=False),
    "nesterov": lambda: SGD(0.05, schedule="invscaling"),
    "adam": lambda: Adam(0.01),
}


# --- reproducibility ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_same_seed_gives_bit_identical_stochastic_runs(name):
    runs = []
    for _ in range(2):
        network, X, Y = regression_problem(seed=0)
        result = run_stochastic(network, X, Y, make_state(OPTIMIZERS[name](), seed=0))
        runs.append((network.params.copy(), result.loss_curve))
    assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    # The shuffling seed matters: a different one gives a different run.
    network, X, Y = regression_problem(seed=0)
    run_stochastic(network, X, Y, make_state(OPTIMIZERS[name](), seed=1))
    assert not np.array_equal(network.params, runs[0][0])


def test_same_seed_gives_bit_identical_lbfgs_runs():
    runs = []
    for _ in range(2):
        network, X, Y = regression_problem(seed=0)
        result = fit_lbfgs(
            network, SquaredError(), X, Y, None, alpha=1e-3, max_iter=30, max_fun=15000, tol=0.0
        )
        runs.append((network.params.copy(), result.loss_curve))
    assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def _resumed_network(network, new_network):
    """A fresh network holding ``network``'s parameters, as an estimator rebuilds one."""
    new_network.set_params(network.coefs, network.intercepts)
    return new_network


def test_pickled_state_continues_exactly_like_the_original():
    network, X, Y = regression_problem(seed=0)
    state = make_state(Adam(0.01), tol=-np.inf)
    run_stochastic(network, X, Y, state, max_epochs=3)
    state_copy = pickle.loads(pickle.dumps(state))
    network_copy = _resumed_network(network, regression_problem(seed=1)[0])
    run_stochastic(network, X, Y, state, max_epochs=3)
    run_stochastic(network_copy, X, Y, state_copy, max_epochs=3)
    assert_array_equal(network.params, network_copy.params)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_stochastic_run_paused_and_resumed_equals_uninterrupted_run(name):
    # The module promises that a run can be paused (partial_fit, pickling) and resumed
    # bit for bit: 3 epochs, a pickled pause, then 3 more must equal 6 epochs in one call.
    network, X, Y = regression_problem(seed=0)
    run_stochastic(network, X, Y, make_state(OPTIMIZERS[name](), tol=-np.inf), max_epochs=6)

    paused, _, _ = regression_problem(seed=0)
    state = make_state(OPTIMIZERS[name](), tol=-np.inf)
    run_stochastic(paused, X, Y, state, max_epochs=3)
    state = pickle.loads(pickle.dumps(state))
    resumed = _resumed_network(paused, regression_problem(seed=1)[0])
    run_stochastic(resumed, X, Y, state, max_epochs=3)
    assert_array_equal(resumed.params, network.params)


# --- stopping ----------------------------------------------------------------------------


@pytest.mark.parametrize("patience", [0, 3])
def test_no_improvement_for_patience_epochs_stops_with_converged_and_message(patience):
    # With tol far above any possible improvement, every epoch after the first is "bad":
    # training stops when the count of bad epochs exceeds n_iter_no_change.
    network, X, Y = regression_problem()
    state = make_state(SGD(0.01), tol=1e6, patience=patience)
    result = run_stochastic(network, X, Y, state, max_epochs=100)
    assert result.n_iter == patience + 2
    assert len(result.loss_curve) == result.n_iter
    assert result.converged is True
    assert "did not improve" in result.message
    assert f"for {patience} consecutive epochs" in result.message
    assert result.divergence is None


def test_training_stops_early_once_loss_stalls_by_tol():
    network, X, Y = regression_problem()
    tol, patience = 1e-3, 4
    result = run_stochastic(
        network, X, Y, make_state(Adam(0.02), tol=tol, patience=patience), max_epochs=2000
    )
    assert result.converged is True
    assert result.n_iter < 2000
    assert result.message.startswith("Training loss did not improve more than tol=")
    # None of the last patience + 1 epochs beat the best loss before it by tol ...
    curve = result.loss_curve
    for epoch in range(len(curve) - (patience + 1), len(curve)):
        assert curve[epoch] > min(curve[:epoch]) - tol
    # ... while an earlier epoch did (else training would have stopped sooner) ...
    epoch = len(curve) - (patience + 2)
    assert epoch == 0 or curve[epoch] <= min(curve[:epoch]) - tol
    # ... and the loss went down on the way.
    assert curve[-1] < curve[0]


def test_max_epochs_ends_training_without_convergence():
    network, X, Y = regression_problem()
    result = run_stochastic(network, X, Y, make_state(Adam(0.01), tol=0.0), max_epochs=5)
    assert result.n_iter == 5
    assert result.converged is False
    assert result.message == "Maximum number of epochs (5) reached."


def test_adaptive_schedule_lowers_rate_at_each_plateau_until_it_stops():
    # patience 0 and a huge tol: every epoch after the first is a plateau. The adaptive
    # schedule divides the rate by 5 each time until it is <= 1e-6 (8 times from 0.1),
    # and the plateau after that ends training.
    network, X, Y = regression_problem()
    optimizer = SGD(0.1, momentum=0.0, schedule="adaptive")
    result = run_stochastic(network, X, Y, make_state(optimizer, tol=1e6, patience=0))
    assert result.converged is True
    assert_allclose(optimizer.learning_rate, 0.1 / 5**8, rtol=1e-12)
    assert result.n_iter == 1 + 8 + 1


def test_stopping_monitor_counts_epochs_not_improving_by_tol():
    monitor = StoppingMonitor(tol=0.1, patience=2)
    params = np.zeros(3)
    assert monitor.update(1.0, params) is False  # first score: an improvement
    assert monitor.n_bad_epochs == 0
    assert monitor.update(1.05, params) is False  # better, but not by tol
    assert monitor.n_bad_epochs == 1
    assert monitor.best_score == 1.05
    assert monitor.update(1.2, params) is False  # beats the best (1.05) by tol
    assert monitor.n_bad_epochs == 0
    assert monitor.update(1.0, params) is False
    assert monitor.update(1.25, params) is False
    assert monitor.update(1.1, params) is True  # third epoch in a row without improvement
    monitor.reset_patience()
    assert monitor.n_bad_epochs == 0


def test_stopping_monitor_never_counts_nan_as_improvement():
    monitor = StoppingMonitor(tol=0.0, patience=1, keep_best=True)
    params = np.array([1.0, 2.0])
    monitor.update(0.5, params)
    kept = monitor.best_params
    assert monitor.update(np.nan, params + 1) is False
    assert monitor.update(np.nan, params + 2) is True
    assert monitor.best_score == 0.5
    assert monitor.best_params is kept
    assert_array_equal(monitor.best_params, [1.0, 2.0])
    # A NaN from the very first epoch is no improvement either.
    first = StoppingMonitor(tol=0.0, patience=0, keep_best=True)
    assert first.update(np.nan, params) is True
    assert first.best_params is None


def test_stopping_monitor_keeps_a_copy_of_the_best_params():
    monitor = StoppingMonitor(tol=0.0, patience=5, keep_best=True)
    params = np.array([1.0, 2.0])
    monitor.update(1.0, params)
    params += 10.0  # training goes on, in place
    assert_array_equal(monitor.best_params, [1.0, 2.0])
    monitor.update(0.5, params)  # worse: the kept params do not change
    assert_array_equal(monitor.best_params, [1.0, 2.0])
    monitor.update(2.0, params)  # better: a new copy
    assert_array_equal(monitor.best_params, [11.0, 12.0])
    assert not np.shares_memory(monitor.best_params, params)
    # Without keep_best nothing is copied.
    plain = StoppingMonitor(tol=0.0, patience=5)
    plain.update(1.0, params)
    assert plain.best_params is None


def test_early_stopping_restores_best_validation_weights():
    # A scripted validation score peaking at epoch 3; patience 2 stops training at epoch 6.
    script = [0.1, 0.2, 0.5, 0.3, 0.25, 0.2, 0.9, 0.95]
    network, X, Y = regression_problem()
    snapshots = []

    def validation():
        snapshots.append(network.params.copy())  # the params this epoch ends with
        return None, script[len(snapshots) - 1]

    state = make_state(Adam(0.01), tol=1e-4, patience=2, keep_best=True)
    result = run_stochastic(network, X, Y, state, validation=validation, early_stopping=True)
    assert result.n_iter == 6
    assert result.validation_scores == script[:6]
    assert result.converged is True
    assert result.message.startswith("Validation score did not improve")
    assert result.restored_best is True
    assert state.monitor.best_score == 0.5
    assert_array_equal(network.params, snapshots[2])
    assert not np.array_equal(network.params, snapshots[-1])


def test_without_validation_score_nothing_is_scored_or_restored():
    network, X, Y = regression_problem()
    state = make_state(Adam(0.01), tol=0.0)
    result = run_stochastic(network, X, Y, state, max_epochs=3)
    assert result.validation_scores is None
    assert result.restored_best is False


# --- dtypes ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_data_gives_float32_params_and_optimizer_state(name):
    network, X, Y = regression_problem(dtype=np.float32)
    optimizer = OPTIMIZERS[name]()
    state = make_state(optimizer, keep_best=True)
    w = np.linspace(0.5, 1.5, N_SAMPLES, dtype=np.float32)
    result = run_stochastic(network, X, Y, state, sample_weight=w, max_epochs=3)
    assert network.params.dtype == np.float32
    assert all(W.dtype == np.float32 for W in network.coefs)
    state_arrays = [optimizer.velocity] if isinstance(optimizer, SGD) else [optimizer.m]
    if isinstance(optimizer, Adam):
        state_arrays.append(optimizer.v)
    assert all(a.dtype == np.float32 for a in state_arrays)
    assert state.monitor.best_params.dtype == np.float32
    assert np.isfinite(result.loss_curve).all()


def test_float32_lbfgs_keeps_float32_params():
    network, X, Y = regression_problem(dtype=np.float32)
    result = fit_lbfgs(
        network, SquaredError(), X, Y, None, alpha=1e-3, max_iter=20, max_fun=15000, tol=1e-6
    )
    assert network.params.dtype == np.float32
    assert np.isfinite(result.loss)


# --- batching ----------------------------------------------------------------------------


def _epoch_batches(batches):
    # Batches live in reused buffers: copy them before the next one overwrites them.
    return [(Xb.copy(), Yb.copy(), None if w is None else w.copy()) for Xb, Yb, w in batches]


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_minibatches_yield_every_row_once_per_epoch_shuffled(sparse):
    n, batch_size = 10, 4
    X = np.arange(n, dtype=float)[:, np.newaxis] * [1.0, 10.0]
    Y = np.arange(n, dtype=float)[:, np.newaxis]
    w = np.arange(n, dtype=float) + 100.0
    X_in = sp.csr_matrix(X) if sparse else X
    batches = MiniBatches(X_in, Y, w, batch_size, shuffle=True, rng=np.random.RandomState(0))
    orders = []
    for _ in range(3):
        epoch = _epoch_batches(batches)
        assert [len(Yb) for _, Yb, _ in epoch] == [4, 4, 2]  # the last batch is smaller
        rows = np.concatenate([Yb[:, 0] for _, Yb, _ in epoch]).astype(int)
        assert sorted(rows) == list(range(n))  # every row exactly once
        for Xb, Yb, wb in epoch:  # X, Y and weights stay aligned
            Xb = Xb.toarray() if sp.issparse(Xb) else Xb
            assert_array_equal(Xb, X[Yb[:, 0].astype(int)])
            assert_array_equal(wb, w[Yb[:, 0].astype(int)])
        orders.append(tuple(rows))
    assert orders[0] != tuple(range(n))  # shuffled ...
    assert len(set(orders)) == 3  # ... anew each epoch


@pytest.mark.parametrize(
    ("batch_size", "shuffle"),
    [(4, False), (10, True), (12, False)],
    ids=["no_shuffle", "one_batch", "batch_above_n"],
)
def test_minibatches_are_views_without_shuffling(batch_size, shuffle):
    n = 10
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    Y = np.arange(n, dtype=float)[:, np.newaxis]
    w = np.ones(n)
    batches = MiniBatches(X, Y, w, batch_size, shuffle=shuffle, rng=np.random.RandomState(0))
    start = 0
    for Xb, Yb, wb in batches:
        assert np.shares_memory(Xb, X)
        assert np.shares_memory(Yb, Y)
        assert np.shares_memory(wb, w)
        assert_array_equal(Yb[:, 0], np.arange(start, start + len(Yb)))  # in order
        start += len(Yb)
    assert start == n


def test_batch_with_all_zero_weights_is_skipped():
    # shuffle=False, batch_size 8: the first batch weighs nothing. Training must equal
    # training on the other rows alone, not crash or turn the loss into NaN.
    network, X, Y = regression_problem()
    w = np.ones(N_SAMPLES)
    w[:8] = 0.0
    result = run_stochastic(
        network, X, Y, make_state(SGD(0.05)), sample_weight=w, shuffle=False, max_epochs=4
    )
    reference, _, _ = regression_problem()
    expected = run_stochastic(
        reference,
        X[8:],
        Y[8:],
        make_state(SGD(0.05)),
        sample_weight=w[8:],
        shuffle=False,
        max_epochs=4,
    )
    assert np.isfinite(result.loss_curve).all()
    assert result.divergence is None
    assert_array_equal(network.params, reference.params)
    assert result.loss_curve == expected.loss_curve


# --- divergence --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("learning_rate", "blow_up"),
    [(0.8, "explodes"), (1e100, "overflows")],
    ids=["lr0.8-explodes", "lr1e100-overflows"],
)
def test_huge_learning_rate_reports_divergence_without_warnings(learning_rate, blow_up):
    # lr 0.8 grows the loss over a few epochs; lr 1e100 overflows to inf/NaN at once.
    network, X, Y = regression_problem(hidden=(4,), activation="identity")
    state = make_state(SGD(learning_rate, momentum=0.0))
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        result = run_stochastic(network, X, Y, state, max_epochs=200)
    divergence = result.divergence
    assert divergence is not None
    assert divergence.epoch == result.n_iter == len(result.loss_curve) < 200
    assert result.converged is False
    assert result.message == "Training diverged."
    # The losses around the blow-up: the epoch's own, and the epoch's before it (the
    # first mini-batch's loss when training blew up in the first epoch).
    assert_equal(divergence.loss_after, result.loss_curve[-1])
    previous = result.loss_curve[-2] if result.n_iter > 1 else state.initial_loss
    assert_equal(divergence.loss_before, previous)
    assert np.isfinite(divergence.loss_before)
    if blow_up == "explodes":
        assert divergence.epoch > 1
        assert np.isfinite(network.params).all()
        assert divergence.loss_after > 1e4 * max(state.initial_loss, 1.0)
    else:
        assert not np.isfinite(divergence.loss_after)


# --- L-BFGS ------------------------------------------------------------------------------


def _lbfgs(network, X, Y, loss=None, sample_weight=None, **kwargs):
    options = {"alpha": 0.0, "max_iter": 200, "max_fun": 15000, "tol": 1e-10}
    options.update(kwargs)
    return fit_lbfgs(network, loss or SquaredError(), X, Y, sample_weight, **options)


def test_lbfgs_records_one_loss_per_iteration_decreasing():
    network, X, Y = regression_problem(hidden=(5,))
    result = _lbfgs(network, X, Y, alpha=1e-2, max_iter=40, tol=1e-6)
    assert len(result.loss_curve) == result.n_iter > 1
    assert all(isinstance(value, float) for value in result.loss_curve)
    assert all(np.diff(result.loss_curve) <= 0)  # the line search only accepts decreases
    assert result.loss == result.loss_curve[-1]


@pytest.mark.parametrize("max_iter", [1, 5])
def test_lbfgs_respects_max_iter(max_iter):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3))
    Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)  # XOR-like: not solved in 5 iterations
    network = Network((3, 6, 1), HIDDEN_ACTIVATIONS["tanh"], BinaryCrossEntropy.link)
    network.initialize(np.random.RandomState(0))
    result = _lbfgs(network, X, Y, loss=BinaryCrossEntropy(), max_iter=max_iter, tol=0.0)
    assert result.n_iter == max_iter
    assert len(result.loss_curve) == max_iter
    assert result.converged is False


def _least_squares_solution(X, Y, sample_weight, fit_intercept):
    Xa = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    root_w = np.ones(len(X)) if sample_weight is None else np.sqrt(sample_weight)
    theta, *_ = np.linalg.lstsq(Xa * root_w[:, None], Y * root_w[:, None], rcond=None)
    return theta


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize(
    ("weighted", "n_outputs", "feature_scales"),
    [
        (False, 1, [1.0, 1.0, 1.0, 1.0]),
        (True, 2, [1.0, 1.0, 1.0, 1.0]),
        (False, 2, [0.1, 1.0, 3.0, 10.0]),  # condition number of X.T X ~ 1e4
    ],
    ids=["1out", "weighted-2out", "ill_conditioned"],
)
def test_lbfgs_reaches_least_squares_optimum(weighted, n_outputs, feature_scales, fit_intercept):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 4)) * feature_scales
    Y = X @ rng.normal(size=(4, n_outputs)) + 2.0 + 0.3 * rng.normal(size=(30, n_outputs))
    w = rng.uniform(0.2, 3.0, size=30) if weighted else None
    network = Network(
        (4, n_outputs),
        HIDDEN_ACTIVATIONS["identity"],
        SquaredError.link,
        fit_intercept=fit_intercept,
    )
    result = _lbfgs(network, X, Y, sample_weight=w)
    theta = _least_squares_solution(X, Y, w, fit_intercept)
    assert result.converged is True
    assert_allclose(network.coefs[0], theta[:4], rtol=1e-6)
    if fit_intercept:
        assert_allclose(network.intercepts[0], theta[4], rtol=1e-6)


# --- verbose -----------------------------------------------------------------------------


def _iteration_lines(output):
    return [line for line in output.splitlines() if line.startswith("Iteration ")]


def _assert_lines_print_losses(lines, loss_curve):
    """Line k reads ``Iteration k, loss = `` and the k-th loss."""
    for k, (line, loss) in enumerate(zip(lines, loss_curve), start=1):
        prefix = f"Iteration {k}, loss = "
        assert line.startswith(prefix)
        printed = line[len(prefix) :].split(",")[0]  # then e.g. ", grad_norm = ..."
        assert abs(float(printed) - loss) <= 5e-9  # printed with 8 decimals


def test_stochastic_verbose_prints_loss_per_epoch(capsys):
    network, X, Y = regression_problem()
    result = run_stochastic(
        network, X, Y, make_state(Adam(0.01), tol=0.0), max_epochs=3, verbose=True
    )
    lines = _iteration_lines(capsys.readouterr().out)
    assert len(lines) == 3
    _assert_lines_print_losses(lines, result.loss_curve)


def test_lbfgs_verbose_prints_loss_per_iteration(capsys):
    network, X, Y = regression_problem()
    result = _lbfgs(network, X, Y, max_iter=4, tol=0.0, verbose=True)
    lines = _iteration_lines(capsys.readouterr().out)
    assert len(lines) == result.n_iter == 4
    _assert_lines_print_losses(lines, result.loss_curve)


def test_silent_by_default(capsys):
    network, X, Y = regression_problem()
    run_stochastic(network, X, Y, make_state(Adam(0.01)), max_epochs=2)
    _lbfgs(network, X, Y, max_iter=2)
    assert capsys.readouterr().out == ""
