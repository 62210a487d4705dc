"""``check_gradients``: see for yourself that backpropagation computes the gradient."""

import copy
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .engine import Workspace, value_and_gradient
from .engine.gradcheck import numerical_gradient


@dataclass
class BlockError:
    """Worst disagreement within one parameter block (e.g. ``coefs_[0]``).

    ``n_at_kink`` entries were not compared: moving them by the finite-difference
    step flips a relu unit on or off, where the objective has no derivative.
    """

    name: str
    shape: tuple
    n_checked: int
    max_abs_error: float
    max_rel_error: float
    n_at_kink: int = 0


@dataclass
class GradientCheckReport:
    """Backpropagated vs finite-difference gradient, block by block.

    Attributes
    ----------
    blocks : list of BlockError
    loss : float
        The objective at the checked parameters.
    max_rel_error : float
        Worst relative error over every compared entry.
    backprop : ndarray of shape (n_params,)
        The analytic gradient, laid out as ``[coefs_[0].ravel(), ...,
        intercepts_[0], ...]`` (the network's flat parameter vector).
    numerical : ndarray of shape (n_params,)
        The finite-difference gradient in the same layout; NaN for entries
        not compared (left out by ``max_per_block``, or at a relu kink).
    """

    blocks: list
    loss: float
    backprop: np.ndarray = None
    numerical: np.ndarray = None

    @property
    def max_rel_error(self):
        return max(block.max_rel_error for block in self.blocks)

    def __str__(self):
        header = f"{'block':<16}{'shape':<14}{'checked':>8}{'max abs err':>14}{'max rel err':>14}"
        lines = [header]
        for b in self.blocks:
            lines.append(
                f"{b.name:<16}{b.shape!s:<14}{b.n_checked:>8}"
                f"{b.max_abs_error:>14.2e}{b.max_rel_error:>14.2e}"
                + (f"  ({b.n_at_kink} at a relu kink, skipped)" if b.n_at_kink else "")
            )
        return "\n".join(lines)


def check_gradients(estimator, X, y, sample_weight=None, *, max_per_block=None, random_state=0):
    """Compare backpropagation with finite differences on the estimator's own objective.

    The objective is the one ``fit`` minimises (mean loss + L2 penalty), at the
    estimator's current parameters if it is fitted, else at the parameters
    ``fit`` would start from. Everything is computed in float64 on a copy; the
    estimator itself is not changed.

    Parameters
    ----------
    estimator : estimator of sklearn_backprop
        Any of the four estimators, fitted or not.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : array-like of shape (n_samples,), default=None
    max_per_block : int, default=None
        Check at most this many randomly chosen entries per block (all when
        None). Each entry costs four evaluations of the objective.
    random_state : int, RandomState instance or None, default=0
        Chooses the entries when ``max_per_block`` is set.

    Returns
    -------
    report : GradientCheckReport
        Per block (``coefs_[i]``, ``intercepts_[i]``), the largest absolute and
        relative error. Relative errors divide by ``max(|backprop|, |numeric|)``,
        floored at ``1e-5 * max(1, |J|)`` (``J`` the objective): the differences
        carry rounding noise of about ``1e-12 * |J|``, so entries that are zero
        but for that noise (at an optimum, say) compare absolutely. With relu,
        entries whose finite-difference step switches a unit on or off are
        counted in ``n_at_kink`` and not compared.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_backprop import ScratchMLPClassifier, check_gradients
    >>> X, y = make_classification(n_samples=20, n_features=4, random_state=0)
    >>> report = check_gradients(ScratchMLPClassifier((3,), activation="tanh"), X, y)
    >>> report.max_rel_error < 1e-6
    True
    """
    estimator, X, Y, w, network, loss = objective_setup(estimator, X, y, sample_weight)
    workspace = Workspace(network, X.shape[0])

    def objective():
        return value_and_gradient(network, X, Y, loss, estimator.alpha, w, workspace)

    loss_value, backprop = objective()
    backprop = backprop.copy()
    base_pattern = _relu_pattern(network, workspace)
    moved_pattern = []

    def objective_at(params):
        network.params[...] = params
        value = objective()[0]
        moved_pattern.append(not np.array_equal(_relu_pattern(network, workspace), base_pattern))
        return value

    params = network.params.copy()
    indices = _entries_to_check(network, max_per_block, check_random_state(random_state))
    numeric = numerical_gradient(objective_at, params, indices=indices)
    at_kink = np.zeros(params.size, dtype=bool)
    at_kink[indices] = np.reshape(moved_pattern, (len(indices), -1)).any(axis=1)
    floor = 1e-5 * max(1.0, abs(loss_value))
    blocks = [
        _block_error(name, network, block, indices, backprop, numeric, at_kink, floor)
        for name, block in _blocks(network)
    ]
    compared = np.full(params.size, np.nan)
    compared[indices] = numeric[indices]
    compared[at_kink] = np.nan
    return GradientCheckReport(blocks, loss_value, backprop, compared)


def objective_setup(estimator, X, y, sample_weight):
    """What ``fit`` would minimise, in float64, at the estimator's current parameters.

    Returns a copy of the estimator (the original is not changed), the
    validated ``X``, the encoded targets ``Y``, the sample weights (class
    weights included), the network at the fitted parameters (or at ``fit``'s
    starting point if unfitted) and the loss.
    """
    estimator = copy.deepcopy(estimator)
    incremental = False
    try:
        check_is_fitted(estimator)
        estimator.warm_start = True  # continue from the fitted parameters
        # A fitted classifier knows its classes: like partial_fit, accept a batch
        # holding only some of them (one clicked point, say). Balanced class
        # weights need the whole data's class counts, so they keep fit's checks.
        incremental = getattr(estimator, "class_weight", None) != "balanced"
    except NotFittedError:
        pass
    X, Y, _, w, network, loss, _ = estimator._prepare(
        X, y, sample_weight, incremental=incremental, dtype=np.float64
    )
    return estimator, X, Y, w, network, loss


def _block_error(name, network, block, indices, backprop, numeric, at_kink, floor):
    checked = np.intersect1d(np.arange(block.start, block.stop), indices)
    compared = checked[~at_kink[checked]]
    diff = np.abs(backprop[compared] - numeric[compared])
    scale = np.maximum(np.maximum(np.abs(backprop[compared]), np.abs(numeric[compared])), floor)
    return BlockError(
        name,
        _block_shape(network, name),
        len(checked),
        float(diff.max(initial=0.0)),
        float((diff / scale).max(initial=0.0)),
        int(at_kink[checked].sum()),
    )


def _relu_pattern(network, workspace):
    """Which hidden units with a kink at 0 (relu, leaky_relu) are on; [] if none has one."""
    n = workspace.n_rows
    return [
        workspace.outputs[i][:n] > 0
        for i, activation in enumerate(network.activations)
        if activation.name in ("relu", "leaky_relu")
    ]


def _blocks(network):
    """``(name, slice of params)`` for every weight and bias block, in ``params`` order."""
    start = 0
    for i, W in enumerate(network.coefs):
        yield f"coefs_[{i}]", slice(start, start + W.size)
        start += W.size
    for i, b in enumerate(network.intercepts):
        if b is not None:
            yield f"intercepts_[{i}]", slice(start, start + b.size)
            start += b.size


def _block_shape(network, name):
    index = int(name[name.index("[") + 1 : -1])
    arrays = network.coefs if name.startswith("coefs") else network.intercepts
    return arrays[index].shape


def _entries_to_check(network, max_per_block, rng):
    chosen = []
    for _, block in _blocks(network):
        entries = np.arange(block.start, block.stop)
        if max_per_block is not None and len(entries) > max_per_block:
            entries = np.sort(rng.choice(entries, size=max_per_block, replace=False))
        chosen.append(entries)
    return np.concatenate(chosen)
