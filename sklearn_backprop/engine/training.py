"""Training: the mini-batch loop of the stochastic solvers, and what every solver reports.

Both solvers (this loop, and L-BFGS in ``lbfgs.py``) minimise the same
objective (``objective.py``) and report what happened in a
:class:`TrainingResult`: the engine reports, the estimator turns the report
into attributes, warnings and errors.

The stochastic loop reads as a table of contents::

    for each epoch:
        for each mini-batch:  (dropout masks) -> value_and_gradient -> optimizer.step
                              -> penalty.prox (L1 terms; nothing for L2)
        record the epoch loss; stop if it diverged
        score the epoch (minus the training loss, or a validation score)
        ask the stopping monitor; on a plateau ask the optimizer to adapt, else stop

Everything random (shuffling) draws from one generator kept in
:class:`StochasticState`, with the optimizer and the monitor, so a run can be
paused (``partial_fit``, pickling) and resumed bit for bit.
"""

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .network import Workspace
from .objective import value_and_gradient
from .penalties import L2

#: An epoch loss this many times above the previous epoch's (or above 1) is a blow-up.
DIVERGENCE_FACTOR = 1e4


@dataclass
class Divergence:
    """Where training blew up: the epoch (or L-BFGS iteration) and the losses around it."""

    epoch: int
    loss_before: float
    loss_after: float


@dataclass
class EpochRecord:
    """What one epoch (stochastic) or iteration (L-BFGS) did: one row of ``history_``.

    Attributes
    ----------
    loss : float
        The objective that was minimised, penalty included: for SGD/Adam the
        weighted mean of the epoch's mini-batch objectives, each before its step.
    penalty : float
        The penalty's part of ``loss``.
    learning_rate : float or None
        The step size used in the epoch (Adam's base rate); None for L-BFGS.
    grad_norm : float
        Euclidean norm of the full objective's gradient (L-BFGS), or the root
        mean square of the epoch's mini-batch gradient norms (SGD/Adam).
    n_steps : int
        Parameter updates so far in the run.
    seconds : float
        Wall time of the epoch or iteration.
    val_loss, val_score : float or None
        Loss (same definition as ``loss``) and score on validation data, when
        there are validation data.
    """

    loss: float
    penalty: float
    learning_rate: float | None
    grad_norm: float
    n_steps: int
    seconds: float
    val_loss: float | None = None
    val_score: float | None = None

    def line(self, number, grad_norm=False):
        """The verbose line of epoch (or iteration) ``number``."""
        line = f"Iteration {number}, loss = {self.loss:.8f}"
        if grad_norm:
            line += f", grad_norm = {self.grad_norm:.3e}"
        if self.val_loss is not None:
            line += f", val_loss = {self.val_loss:.8f}"
        if self.val_score is not None:
            line += f", val_score = {self.val_score:.6f}"
        return line


def report_iteration(result, record, validation=None, verbose=False, on_epoch=None):
    """What a full-batch solver does with each finished iteration (L-BFGS, conjugate gradients).

    The validation data are scored at the current parameters (unless the loss
    is not finite), the record joins ``result``, its line is printed with the
    gradient norm when ``verbose``, and ``on_epoch`` gets it.
    """
    if validation is not None and np.isfinite(record.loss):
        record.val_loss, record.val_score = validation()
    result.loss_curve.append(record.loss)
    result.history.append(record)
    if verbose:
        print(record.line(len(result.history), grad_norm=True))
    if on_epoch is not None:
        on_epoch(record)


@dataclass
class TrainingResult:
    """What one call to a solver did.

    Attributes
    ----------
    n_iter : int
        Epochs (stochastic) or iterations (L-BFGS) run in this call.
    loss : float
        Objective at the end (the last epoch's mean mini-batch loss for SGD/Adam).
    loss_curve : list of float
        One entry per epoch or iteration of this call.
    validation_scores : list of float or None
        Per epoch, when a validation score was given.
    converged : bool
        Whether the stopping criterion (not an iteration limit) ended training.
    message : str
        Why training ended.
    divergence : Divergence or None
        Set when the loss or the parameters stopped being finite or exploded.
    restored_best : bool
        Whether the parameters were reset to the best validation checkpoint.
    limit : {"max_iter", "max_fun"} or None
        The budget that ended an unconverged L-BFGS run, if one did.
    history : list of EpochRecord
        One record per epoch or iteration of this call.
    interrupted : bool
        Whether a KeyboardInterrupt ended training; the parameters are those
        of the last completed epoch or iteration.
    """

    n_iter: int = 0
    loss: float = np.nan
    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    converged: bool = False
    message: str = ""
    divergence: Divergence | None = None
    restored_best: bool = False
    limit: str | None = None
    history: list = field(default_factory=list)
    interrupted: bool = False


class StoppingMonitor:
    """Counts epochs whose score did not beat the best by ``tol``; keeps the best params.

    Parameters
    ----------
    tol : float
        Minimum improvement of the score.
    patience : int or inf
        Epochs without improvement tolerated (``n_iter_no_change``).
    keep_best : bool, default=False
        Copy the parameters each time the score is the best so far (early stopping).

    Notes
    -----
    The score is "higher is better": minus the training loss, or a validation
    score. A NaN score never counts as an improvement.
    """

    def __init__(self, tol, patience, keep_best=False):
        self.tol = tol
        self.patience = patience
        self.keep_best = keep_best
        self.best_score = -np.inf
        self.best_params = None
        self.n_bad_epochs = 0

    def update(self, score, params):
        """Record an epoch's score; return True when patience is exhausted."""
        if score >= self.best_score + self.tol:
            self.n_bad_epochs = 0
        else:
            self.n_bad_epochs += 1
        if score > self.best_score:
            self.best_score = score
            if self.keep_best:
                self.best_params = params.copy()
        return self.n_bad_epochs > self.patience

    def reset_patience(self):
        """Start counting afresh (after the optimizer adapted its learning rate)."""
        self.n_bad_epochs = 0


@dataclass
class StochasticState:
    """What a stochastic run carries between epochs and between calls.

    Attributes
    ----------
    optimizer : SGD or Adam
    monitor : StoppingMonitor
    rng : numpy.random.RandomState or numpy.random.Generator
        Draws every shuffle.
    t : int
        Samples seen so far (drives the "invscaling" schedule).
    epochs : int
        Epochs run so far, over every call.
    n_steps : int
        Parameter updates (mini-batch steps) so far, over every call.
    initial_loss : float or None
        Loss of the first mini-batch, before any update: the "before" of a
        divergence in the first epoch.
    last_loss : float or None
        Loss of the last epoch run.
    order : ndarray of int or None
        The current permutation of the samples. Each epoch reshuffles it in
        place (as scikit-learn's MLP does), so keeping it here makes a run
        split over several calls shuffle exactly like one uninterrupted run.
    """

    optimizer: object
    monitor: StoppingMonitor
    rng: object
    t: int = 0
    epochs: int = 0
    n_steps: int = 0
    initial_loss: float | None = None
    last_loss: float | None = None
    order: np.ndarray | None = None


class MiniBatches:
    """Iterates over ``(X, Y, sample_weight)`` in mini-batches, reshuffled each epoch.

    Shuffling permutes an index array, never ``X``: each batch's rows are
    gathered into one pre-allocated buffer, so an epoch copies only one
    batch at a time. Without shuffling (or with a single batch) batches are
    views of ``X``.
    """

    def __init__(self, X, Y, sample_weight, batch_size, shuffle, rng, order=None):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.n_samples = X.shape[0]
        #: The weight of all the rows, the divisor of a penalty over all the data.
        self.weight_sum = self.n_samples if sample_weight is None else float(sample_weight.sum())
        self.batch_size = batch_size
        self.shuffle = shuffle and batch_size < self.n_samples
        self.rng = rng
        same_data = order is not None and len(order) == self.n_samples
        self.order = order if same_data else np.arange(self.n_samples)
        if self.shuffle and not sp.issparse(X):
            self._X_buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        self._Y_buffer = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)

    def __iter__(self):
        if self.shuffle:
            self.rng.shuffle(self.order)
        for start in range(0, self.n_samples, self.batch_size):
            stop = min(start + self.batch_size, self.n_samples)
            if self.shuffle:
                yield self._gather(self.order[start:stop])
            else:
                yield self._slice(slice(start, stop))

    def _slice(self, rows):
        w = None if self.sample_weight is None else self.sample_weight[rows]
        return self.X[rows], self.Y[rows], w

    def _gather(self, idx):
        m = len(idx)
        if sp.issparse(self.X):
            X_batch = self.X[idx]
        else:
            # mode="clip" lets numpy write straight into ``out`` (no bounds-check buffer).
            X_batch = np.take(self.X, idx, axis=0, out=self._X_buffer[:m], mode="clip")
        Y_batch = np.take(self.Y, idx, axis=0, out=self._Y_buffer[:m], mode="clip")
        w = None if self.sample_weight is None else self.sample_weight[idx]
        return X_batch, Y_batch, w


@dataclass
class BatchObjective:
    """A run's mini-batch objective, and the proximal step of its penalty.

    ``objective(X, Y, sample_weight=w) -> (value, grad)`` is
    :func:`value_and_gradient` at ``network.params`` with the run's loss,
    penalty and buffers; :meth:`prox` applies the penalty's non-smooth part
    after an optimizer step, with the same divisor as the value.
    """

    network: object
    loss: object
    penalty: object
    workspace: Workspace
    #: The divisor of the penalty: None for each batch's own weight sum.
    penalty_weight_sum: float | None = None

    def __call__(self, X, Y, sample_weight=None):
        return value_and_gradient(
            self.network, X, Y, self.loss, sample_weight=sample_weight,
            workspace=self.workspace, penalty=self.penalty,
            penalty_weight_sum=self.penalty_weight_sum,
        )  # fmt: skip

    def prox(self, optimizer, batch_weight):
        """The penalty's proximal step (soft-thresholding for L1; nothing for L2)."""
        divisor = batch_weight if self.penalty_weight_sum is None else self.penalty_weight_sum
        self.penalty.prox(self.network.params[: self.network.n_coef], optimizer, divisor)


def fit_stochastic(
    network,
    loss,
    X,
    Y,
    sample_weight,
    state,
    *,
    alpha,
    batch_size,
    max_epochs,
    shuffle=True,
    penalty_over_all_data=False,
    verbose=False,
    penalty=None,
    batches=None,
    validation=None,
    early_stopping=None,
    on_epoch=None,
):
    """Train ``network`` in place with mini-batch SGD or Adam.

    Parameters
    ----------
    network : Network
    loss : Loss
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    state : StochasticState
        Optimizer, stopping monitor and generator; updated in place.
    alpha : float
        L2 penalty strength.
    batch_size : int
        Between 1 and n_samples.
    max_epochs : int
        Epochs to run at most in this call.
    shuffle : bool, default=True
    penalty_over_all_data : bool, default=False
        Divide each mini-batch's penalty by the weight sum of all of ``X``
        (so the epoch's expected objective is the full-batch one) instead of
        the batch's own, scikit-learn's MLP scaling; see ``objective.py``.
    validation : callable, default=None
        ``validation() -> (val_loss, val_score)`` at ``network.params`` on
        validation data, evaluated after every epoch and recorded.
    early_stopping : bool, default=None
        Whether ``val_score`` (higher is better) drives stopping, with the best
        parameters restored at the end. None: whenever ``validation`` is given.
    on_epoch : callable, default=None
        ``on_epoch(record)`` after every epoch, with its :class:`EpochRecord`.
    verbose : bool, default=False
        Print ``Iteration k, loss = ...`` after each epoch.
    penalty : L2 or ElasticNet, default=None
        The penalty (``penalties.py``); None means ``L2(alpha)``. Its L1 term
        is applied by a proximal step after each update.
    batches : iterable, default=None
        Replaces the :class:`MiniBatches` of ``X``, ``Y`` and ``sample_weight``
        (which are then not read): iterated once per epoch, it yields
        ``(X_batch, Y_batch, w_batch)`` of at most ``batch_size`` rows, and has
        ``n_samples`` and ``weight_sum`` attributes (the rows of one epoch and
        their total weight). E.g. the chunks of
        an array too large for memory, visited one at a time.

    Returns
    -------
    TrainingResult
    """
    penalty = L2(alpha) if penalty is None else penalty
    if batches is None:
        batches = MiniBatches(X, Y, sample_weight, batch_size, shuffle, state.rng, state.order)
        state.order = batches.order
    workspace = Workspace(network, batch_size)
    penalty_weight_sum = None
    if penalty_over_all_data:
        penalty_weight_sum = batches.weight_sum
    objective = BatchObjective(network, loss, penalty, workspace, penalty_weight_sum)
    early_stopping = validation is not None if early_stopping is None else early_stopping
    result = TrainingResult(validation_scores=[] if early_stopping else None)
    with np.errstate(all="ignore"):  # non-finite values are detected, not warned about
        watch, reference = FirstEpochWatch(network), None  # see _divergence
        for _ in range(max_epochs):
            first = reference is None
            start, last_good = time.perf_counter(), network.params.copy()
            try:
                epoch = _run_epoch(objective, batches, state, watch if first else None)
            except KeyboardInterrupt:
                # Ctrl-C: keep the last completed epoch's parameters, and stop.
                network.params[...] = last_good
                result.interrupted, result.message = True, "Training interrupted by user."
                break
            result.divergence = _divergence(network, state, epoch.loss, reference, watch)
            reference = epoch.loss if reference is None else min(reference, epoch.loss)
            epoch.seconds = time.perf_counter() - start
            if validation is not None and result.divergence is None:
                epoch.val_loss, epoch.val_score = validation()
            _record_epoch(result, state, epoch, batches.n_samples, verbose)
            try:
                if on_epoch is not None:
                    on_epoch(epoch)
            except KeyboardInterrupt:  # after a completed epoch: keep its parameters
                result.interrupted, result.message = True, "Training interrupted by user."
                break
            if result.divergence is not None:
                result.message = "Training diverged."
                break
            if _should_stop(network, state, result, epoch, early_stopping, verbose):
                break
        else:
            result.message = f"Maximum number of epochs ({max_epochs}) reached."
    if state.monitor.keep_best and state.monitor.best_params is not None:
        network.params[...] = state.monitor.best_params
        result.restored_best = True
    return result


def _run_epoch(objective, batches, state, watch=None):
    """One pass over the data, as an :class:`EpochRecord` (``seconds`` still 0).

    The loss and its penalty part are weighted means of the mini-batch values;
    the gradient norm is the root mean square of the mini-batch gradients'
    (one dot product per batch: no extra pass over the data). With a
    :class:`FirstEpochWatch`, the epoch ends early when it sees a blow-up.
    """
    total, total_penalty, total_weight, squared_norms, steps = 0.0, 0.0, 0.0, 0.0, 0
    learning_rate = float(state.optimizer.learning_rate)
    for X_batch, Y_batch, w_batch in batches:
        batch_weight = len(Y_batch) if w_batch is None else float(w_batch.sum())
        if batch_weight == 0:  # every sample weighs 0: nothing to learn from this batch
            continue
        objective.workspace.draw_dropout_masks(state.rng, len(Y_batch))
        value, grad = objective(X_batch, Y_batch, sample_weight=w_batch)
        if state.initial_loss is None:
            state.initial_loss = value
        squared_norms += float(grad @ grad)
        state.optimizer.step(objective.network.params, grad)
        objective.prox(state.optimizer, batch_weight)
        steps += 1
        total += value * batch_weight
        total_penalty += objective.workspace.penalty_value * batch_weight
        total_weight += batch_weight
        if watch is not None and watch.exploded(value, objective, X_batch, Y_batch, w_batch):
            break
    state.n_steps += steps
    return EpochRecord(
        loss=total / total_weight,
        penalty=total_penalty / total_weight,
        learning_rate=learning_rate,
        grad_norm=float(np.sqrt(squared_norms / max(steps, 1))),
        n_steps=state.n_steps,
        seconds=0.0,
    )


class FirstEpochWatch:
    """Spots a blow-up inside a call's first epoch, where no earlier epoch saw the same data.

    Mini-batches differ, so a batch loss far above the earlier ones may be the
    data (easy rows first, then hard ones) and not training. A batch whose loss
    exceeds ``DIVERGENCE_FACTOR`` times the lowest batch loss so far (or 1) is
    therefore re-evaluated at the parameters the call started from (one extra
    objective evaluation, only then): training blew up if the batch is that
    much worse than it was before any update of this call; otherwise its
    starting loss becomes part of the baseline.

    Parameters
    ----------
    network : Network
        Its current ``params`` are the call's starting parameters (copied).
    """

    def __init__(self, network):
        self.start_params = network.params.copy()
        self.baseline = None
        self.blew_up = False

    def exploded(self, value, objective, X, Y, sample_weight):
        """Whether the batch loss ``value`` (before the last step) shows a blow-up."""
        if not np.isfinite(value):
            self.blew_up = True
        elif self.baseline is None:
            self.baseline = value  # the first batch was evaluated at the start parameters
        elif value > DIVERGENCE_FACTOR * max(self.baseline, 1.0):
            params = objective.network.params
            current = params.copy()
            params[...] = self.start_params
            # After the optimizer's step: the objective may reuse the gradient's buffer.
            start_value, _ = objective(X, Y, sample_weight=sample_weight)
            params[...] = current
            self.blew_up = value > DIVERGENCE_FACTOR * max(start_value, 1.0)
            self.baseline = max(self.baseline, start_value)
        else:
            self.baseline = min(self.baseline, value)
        return self.blew_up


def _record_epoch(result, state, epoch, n_samples, verbose):
    state.t += n_samples
    state.epochs += 1
    state.last_loss = epoch.loss
    result.n_iter += 1
    result.loss = epoch.loss
    result.loss_curve.append(epoch.loss)
    result.history.append(epoch)
    if verbose:
        print(epoch.line(state.epochs))


def _divergence(network, state, loss_after, reference, watch):
    """A Divergence if this epoch's loss or the parameters are non-finite or exploded.

    Non-finite values always count. In a call's first epoch, "exploded" is
    what its :class:`FirstEpochWatch` saw; later, it means an epoch loss
    ``DIVERGENCE_FACTOR`` times the lowest epoch loss of this call (same data)
    or 1, whichever is larger. Comparing every epoch with the run's first
    mini-batch instead raises false alarms on data whose first rows are easy
    (a target that starts at 0 and then rises) or on a ``partial_fit`` stream
    whose level drifts, where no step size helps.
    """
    finite = np.isfinite(loss_after) and np.isfinite(network.params).all()
    if reference is None:
        exploded = watch.blew_up
    else:
        exploded = loss_after > DIVERGENCE_FACTOR * max(reference, 1.0)
    if finite and not exploded:
        return None
    before = state.last_loss if state.last_loss is not None else state.initial_loss
    return Divergence(epoch=state.epochs + 1, loss_before=before, loss_after=loss_after)


def _should_stop(network, state, result, epoch, early_stopping, verbose):
    """Score the epoch, update the monitor and the schedule; True to end training."""
    if early_stopping:
        score = epoch.val_score
        result.validation_scores.append(score)
    else:
        score = -epoch.loss
    patience_exhausted = state.monitor.update(score, network.params)
    state.optimizer.end_epoch(state.t)
    if not patience_exhausted:
        return False
    what = "Validation score" if early_stopping else "Training loss"
    message = (
        f"{what} did not improve more than tol={state.monitor.tol:f} "
        f"for {state.monitor.patience} consecutive epochs."
    )
    if state.optimizer.on_plateau():
        state.monitor.reset_patience()
        if verbose:
            print(f"{message} Setting learning rate to {state.optimizer.learning_rate:f}")
        return False
    result.converged, result.message = True, message
    if verbose:
        print(f"{message} Stopping.")
    return True
