"""scikit-learn's callback API (``sklearn.callback``, experimental in 1.9), adapted.

The only module that imports ``sklearn.callback``: the API may still change,
and on scikit-learn < 1.9 it does not exist, in which case the estimators work
without callbacks (``CallbackSupportMixin`` is then an empty class).

Every solver reports each epoch (sgd, adam) or iteration (lbfgs) as a subtask
of the fit task, as ``LogisticRegression(solver="lbfgs")`` does: a subtask
begins when the previous one ends, and the one left open when training stops
is closed empty. A callback that asks for ``fitted_estimator`` gets a copy of
the estimator holding that epoch's parameters (built only if asked for).
"""

import copy
from contextlib import contextmanager, nullcontext

import numpy as np

try:
    from sklearn.callback import CallbackSupportMixin
    from sklearn.callback._callback_support import callback_management_context
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stands in for ``sklearn.callback.CallbackSupportMixin`` (absent here)."""

    def callback_management_context(estimator):
        return nullcontext()


def _has_callbacks(estimator):
    # Set directly, or propagated from a meta-estimator (e.g. GridSearchCV).
    return bool(getattr(estimator, "_skl_callbacks", None)) or hasattr(
        estimator, "_parent_callback_ctx"
    )


class FitReporter:
    """Reports one fit (or partial_fit) call to the estimator's callbacks.

    ``epoch_end(network)`` is the engine's ``on_epoch`` hook target; it is
    inert (and costs nothing) when the estimator has no callbacks.
    """

    def __init__(self, estimator, X, y, sample_weight, max_subtasks):
        self.estimator = estimator
        self.active = _has_callbacks(estimator) and hasattr(estimator, "_init_callback_context")
        if not self.active:
            return
        self.X, self.y = X, y
        self.metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.root = estimator._init_callback_context(max_subtasks=max_subtasks)
        self.root.call_on_fit_task_begin(estimator=estimator, X=X, y=y, metadata=self.metadata)
        self.network = None
        self.task = None

    def start(self, network):
        """Open the first epoch's subtask, at the starting parameters."""
        if self.active:
            self.network = network
            self.task = self._begin()

    def epoch_end(self, record=None):
        """End the epoch that just finished (with its parameters) and open the next."""
        if not self.active or self.task is None:
            return
        # Ended once, even if a callback raises (e.g. KeyboardInterrupt to stop).
        task, self.task = self.task, None
        task.call_on_fit_task_end(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=self._snapshot,
        )  # fmt: skip
        self.task = self._begin()

    def finish(self, fitted=True):
        """Close the subtask no epoch filled, then the fit task itself.

        After a successful fit the estimator itself is the fitted model; after
        an error no fitted model is handed to the callbacks.
        """
        if not self.active:
            return
        if self.task is not None:
            self.task.call_on_fit_task_end(estimator=self.estimator)
        self.root.call_on_fit_task_end(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes={} if fitted else None,
        )  # fmt: skip

    def _begin(self):
        task = self.root.subcontext(task_name="epoch")
        task.call_on_fit_task_begin(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=self._snapshot,
        )  # fmt: skip
        return task

    def _snapshot(self):
        # Called by the callback framework only when a callback wants a fitted copy.
        return parameter_attributes(self.network, copy_arrays=True)


def parameter_attributes(network, copy_arrays=False):
    """``coefs_`` and ``intercepts_`` of ``network`` (views of its live parameters, or copies).

    The fitted attributes themselves (``_base._store``), a callback's epoch
    snapshot, and the scorers' view during training all come from here.
    """
    coefs = [W.copy() if copy_arrays else W for W in network.coefs]
    intercepts = [
        np.zeros(W.shape[1], dtype=network.dtype) if b is None else (b.copy() if copy_arrays else b)
        for W, b in zip(network.coefs, network.intercepts)
    ]
    return {"coefs_": coefs, "intercepts_": intercepts}


def fitted_view(estimator, network):
    """A shallow copy of ``estimator`` that predicts with ``network``'s current parameters.

    For scorers during training (``scoring``): the copy's ``coefs_`` are views
    of the live parameters, so it follows every update without copying.
    """
    view = copy.copy(estimator)
    for name, value in parameter_attributes(network).items():
        setattr(view, name, value)
    return view


@contextmanager
def managed(estimator):
    """Around fit: scikit-learn's callback teardown, whatever happens."""
    with callback_management_context(estimator):
        yield
