"""Everything that touches Dask: training on a Dask array's row chunks, and lazy prediction.

The objective is a sum over samples, so it splits over row chunks::

    J = sum_k W_k * J_k / W  +  penalty / W        (W_k = sum of the weights in chunk k)

where ``J_k`` is the engine's own ``value_and_gradient`` on chunk ``k``
without penalty. L-BFGS therefore trains on a Dask array that never sits in
one process: each evaluation maps ``value_and_gradient`` over the blocks on
the active Dask scheduler (a ``distributed.Client`` if there is one) and adds
the partial sums in the calling process, where L-BFGS moves the small
parameter vector. A least-squares problem needs a single pass: its Gram
statistics are sums over samples too. SGD and Adam visit one chunk at a
time, so the calling process holds one chunk. Validation (numeric, finite,
feature count, weights) and class discovery run chunk-wise in one pass
before training; the fitted model is the ordinary estimator.

Nothing here imports dask at import time: the package imports this module,
and dask is imported only once a Dask array has been passed in
(:func:`is_dask_array` looks in ``sys.modules`` instead of importing).
"""

import copy
import functools
import sys
import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._validation import aligned, check_sample_weight
from .engine import LeastSquaresObjective, fit_lbfgs, fit_stochastic, value_and_gradient
from .engine.objective import gram_statistics
from .engine.training import MiniBatches

FLOAT_DTYPES = (np.float64, np.float32)


def is_dask_array(*objects):
    """Whether any of ``objects`` is a ``dask.array.Array``, without importing dask.

    A Dask array can only exist once ``dask.array`` has been imported, so a
    look in ``sys.modules`` is enough and keeps dask out of every other fit.
    """
    # getattr: dask.array may be half-imported (an import of it still running).
    array_type = getattr(sys.modules.get("dask.array"), "Array", None)
    return array_type is not None and any(isinstance(obj, array_type) for obj in objects)


# ---- training ------------------------------------------------------------------


def fit(estimator, X, y, sample_weight, incremental):
    """``fit`` / ``partial_fit`` of ``estimator`` on row-chunked Dask arrays.

    Returns the trained network, its loss and the solver's report, for the
    estimator to store as from an in-memory fit.
    """
    if estimator.solver != "lbfgs" and estimator.early_stopping:
        raise ValueError(
            "early_stopping=True is not supported on Dask arrays: the validation split "
            "would have to be gathered. Set early_stopping=False."
        )
    first_pass = not hasattr(estimator, "coefs_") or not (estimator.warm_start or incremental)
    chunks = RowChunks(estimator, X, y, sample_weight)
    _check_n_features(estimator, chunks.n_features, reset=first_pass)
    chunks.set_targets(estimator, chunks.inspect(), first_pass, incremental)
    rng = estimator._random_generator(incremental)
    loss = estimator._make_loss()
    network = estimator._network(
        chunks.n_features, chunks.n_outputs, chunks.dtype, loss, first_pass, rng
    )
    penalty = estimator._penalty()
    if estimator.solver == "lbfgs":
        objective = chunks.objective(network, loss, penalty.smooth)
        result = fit_lbfgs(
            network, loss, None, None, None,
            alpha=estimator.alpha, max_iter=estimator.max_iter, max_fun=estimator.max_fun,
            tol=estimator.tol, verbose=bool(estimator.verbose), objective=objective,
            penalty=penalty, **estimator._lbfgs_stopping(),
        )  # fmt: skip
    else:
        batch_size = estimator._batch_size(chunks.n_samples)
        # The auto step reads the largest row norm: one lazy reduction over the chunks.
        state = estimator._stochastic_state(rng, incremental, chunks.X, loss, None, batch_size)
        batches = ChunkBatches(chunks, batch_size, estimator.shuffle, state.rng, state.order)
        state.order = batches.order
        result = fit_stochastic(
            network, loss, None, None, None, state,
            alpha=estimator.alpha, batch_size=batch_size,
            max_epochs=1 if incremental else estimator.max_iter, shuffle=estimator.shuffle,
            penalty=penalty, penalty_over_all_data=estimator._penalty_over_all_data,
            verbose=bool(estimator.verbose), batches=batches,
        )  # fmt: skip
    return network, loss, result


def _check_n_features(estimator, n_features, reset):
    """Set ``n_features_in_`` (a Dask array has no column names), or check it as predict does."""
    if reset:
        estimator.n_features_in_ = n_features
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )


class RowChunks:
    """``X``, ``y`` and ``sample_weight`` as aligned row blocks of Dask arrays.

    Each block is validated and encoded where it lives (a worker); the
    caller only ever receives per-chunk summaries, partial sums, or (for
    the stochastic solvers) one chunk at a time.
    """

    def __init__(self, estimator, X, y, sample_weight):
        import dask
        import dask.array as da

        self.estimator_name = type(estimator).__name__
        self.classifier = is_classifier(estimator)
        self.poisson = getattr(estimator, "loss", None) == "poisson"
        X = X if is_dask_array(X) else da.from_array(check_array(X, dtype=None))
        y = y if is_dask_array(y) else np.asarray(y)
        if X.ndim != 2:
            raise ValueError(
                f"Expected a 2D Dask array, got {X.ndim}D. Reshape it to (n_samples, n_features)."
            )
        # Unknown chunk sizes (after filtering) are counted; no block is gathered.
        X, y = (a.compute_chunk_sizes() if is_dask_array(a) and np.isnan(a.shape[0]) else a
                for a in (X, y))  # fmt: skip
        if X.numblocks[1] > 1:
            X = X.rechunk({1: -1})  # a block is a set of whole rows
        row_chunks = X.chunks[0]
        if sample_weight is not None and np.ndim(sample_weight) == 0:
            sample_weight = da.full(X.shape[0], sample_weight, chunks=row_chunks)
        check_consistent_length(X, y, sample_weight)
        self.dtype = X.dtype if X.dtype in FLOAT_DTYPES else np.dtype(np.float64)
        y = self._column_or_1d(y, estimator)
        y = da.asarray(y).rechunk((row_chunks, *((-1,) * (y.ndim - 1))))
        if sample_weight is not None:
            sample_weight = da.asarray(sample_weight).rechunk((row_chunks,))
        # Targets and weights are small next to X: keep them where they are
        # computed (the cluster's memory) instead of re-sending them per pass.
        y, sample_weight = dask.persist(y, sample_weight)
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.n_features = X.shape[1]
        self.y_ndim = y.ndim
        self.row_counts = np.array(row_chunks, dtype=np.intp)
        self.n_samples = int(self.row_counts.sum())
        self.encode = None  # set by set_targets

    def _column_or_1d(self, y, estimator):
        if y.ndim == 2 and y.shape[1] == 1 and estimator._ravel_column_target:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change "
                "the shape of y to (n_samples, ), for example using ravel().",
                DataConversionWarning,
                stacklevel=5,
            )
            return y[:, 0]
        if self.classifier and y.ndim == 2:
            raise ValueError(
                "Multilabel targets (2-D y) are not supported on Dask arrays; "
                "pass in-memory arrays for a multilabel classifier."
            )
        return y

    def blocks(self):
        """Delayed ``(X_k, y_k, w_k)`` per chunk of rows."""
        X_blocks = self.X.to_delayed().ravel()
        y_blocks = self.y.to_delayed().ravel()
        if self.sample_weight is None:
            w_blocks = [None] * len(X_blocks)
        else:
            w_blocks = self.sample_weight.to_delayed().ravel()
        return list(zip(X_blocks, y_blocks, w_blocks))

    def inspect(self):
        """Validate every block in one pass; return what the fit needs to know of all rows."""
        import dask

        check = functools.partial(
            _inspect_block,
            dtype=self.dtype,
            n_features=self.n_features,
            estimator_name=self.estimator_name,
            classifier=self.classifier,
            poisson=self.poisson,
        )
        if self.n_samples < 1:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={self.X.shape}) while a minimum of 1 "
                "is required."
            )
        summaries = dask.compute(*(dask.delayed(check)(*block) for block in self.blocks()))
        summary = {"weight": sum(s["weight"] for s in summaries)}
        if self.sample_weight is not None and summary["weight"] == 0:
            check_sample_weight(np.zeros(1), 1, self.dtype)  # raises its all-zero error
        if self.classifier:
            labels = np.concatenate([s["labels"] for s in summaries])
            summary["classes"], where = np.unique(labels, return_inverse=True)
            per_label = np.concatenate([s["counts"] for s in summaries])
            summary["counts"] = np.bincount(where, weights=per_label)
        return summary

    def set_targets(self, estimator, summary, first_pass, incremental):
        """Classes (or the target's shape), class weights and the per-block encoder."""
        binarizer, per_class = None, None
        # The weight of all rows (class weights included): a penalty's divisor.
        self.weight_sum = summary["weight"]
        if self.classifier:
            classes = summary["classes"]
            # Every check of the in-memory fit reads only the set of labels.
            estimator._encode_targets(classes, first_pass, incremental, self.dtype)
            binarizer = estimator._label_binarizer
            per_class = _per_class_weights(estimator, summary, incremental)
            if per_class is not None:
                self.weight_sum = float(summary["counts"] @ per_class)
            self.n_outputs = 1 if len(binarizer.classes_) == 2 else len(binarizer.classes_)
        else:
            if first_pass:
                estimator._target_ndim = self.y_ndim
            self.n_outputs = 1 if self.y_ndim == 1 else self.y.shape[1]
        self.encode = functools.partial(
            _encode_block,
            dtype=self.dtype,
            binarizer=binarizer,
            per_class=per_class,
            classes=getattr(estimator, "classes_", None),
        )

    def prepared_blocks(self):
        """Delayed ``(X_k, Y_k, w_k)`` per chunk: validated float rows and encoded targets."""
        import dask

        encode = dask.delayed(self.encode, pure=True)
        return [encode(*block) for block in self.blocks()]

    def objective(self, network, loss, penalty):
        """The full-batch objective: one chunk-wise pass per evaluation (or one in all).

        ``penalty`` is the differentiable part of the estimator's penalty.
        """
        if LeastSquaresObjective.applies(network, loss, self.X):
            return self._least_squares(network, penalty.l2_strength)
        return ChunkedObjective(network, loss, penalty, self.prepared_blocks())

    def _least_squares(self, network, alpha):
        import dask

        gram = functools.partial(_block_gram, fit_intercept=network.fit_intercept)
        parts = dask.compute(*(dask.delayed(gram)(block) for block in self.prepared_blocks()))
        G, B, yy, weight_sum = (sum(values) for values in zip(*parts))
        return LeastSquaresObjective.from_gram(network, G, B, yy, weight_sum, alpha)


class ChunkedObjective:
    """``objective() -> (value, grad)`` at ``network.params``, summed over row chunks.

    Notes
    -----
    per chunk k (where it lives):  J_k, g_k = value_and_gradient(chunk k, alpha=0)
    in the caller:                 J = sum_k W_k J_k / W + penalty.value(W, W)
                                   g = sum_k W_k g_k / W + penalty's gradient
    (``W = sum_k W_k``, the weight of all rows, known after the first call as
    ``weight_sum``.)
    """

    def __init__(self, network, loss, penalty, prepared_blocks):
        self.network = network
        self.loss = loss
        self.penalty = penalty
        self.blocks = prepared_blocks
        self.grad = np.zeros_like(network.params)
        self.weight_sum = None

    def __call__(self):
        import dask

        # One snapshot of the network (a Network copies as its configuration
        # and flat params) per evaluation, shared by every chunk's task; new
        # keys each time, so no result of an earlier evaluation is reused.
        network = dask.delayed(copy.copy(self.network), pure=False)
        partial = dask.delayed(_block_objective, pure=False)
        parts = dask.compute(*(partial(network, self.loss, block) for block in self.blocks))
        weight = sum(w for _, _, w in parts)
        value = sum(v for v, _, _ in parts) / weight
        self.grad[...] = sum(g for _, g, _ in parts) / weight
        self.weight_sum = weight
        W = self.network.params[: self.network.n_coef]
        value += self.penalty.value(W, weight)
        self.penalty.add_gradient(W, self.grad[: self.network.n_coef], weight)
        return value, self.grad


class ChunkBatches:
    """Mini-batches of one chunk at a time: the epoch's iterable for ``fit_stochastic``.

    Each epoch shuffles the order of the chunks, then (as :class:`MiniBatches`
    does for in-memory data) the rows within each chunk, all from the run's
    generator. Mini-batches do not straddle chunks. With a single chunk no
    chunk order is drawn, so the draws (and the fit) are those of the
    in-memory fit, bit for bit.
    """

    def __init__(self, chunks, batch_size, shuffle, rng, order=None):
        self.blocks = chunks.prepared_blocks()
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = rng
        self.n_samples = chunks.n_samples
        self.weight_sum = chunks.weight_sum
        self.offsets = np.concatenate([[0], np.cumsum(chunks.row_counts)])
        # One permutation of each chunk's local rows, kept side by side, so
        # that a run split over partial_fit calls shuffles as one run.
        if order is None or len(order) != self.n_samples:
            order = np.concatenate([np.arange(n) for n in chunks.row_counts])
        self.order = order

    def __iter__(self):
        import dask

        visit = np.arange(len(self.blocks))
        if self.shuffle and len(visit) > 1:
            self.rng.shuffle(visit)
        for k in visit:
            X, Y, w = _aligned_block(dask.compute(self.blocks[k])[0])
            order = self.order[self.offsets[k] : self.offsets[k + 1]]
            yield from MiniBatches(X, Y, w, self.batch_size, self.shuffle, self.rng, order)
            del X, Y, w  # before the next chunk arrives: one chunk in memory at a time


# What runs on the workers: plain functions of numpy blocks.


def _inspect_block(X, y, w, *, dtype, n_features, estimator_name, classifier, poisson):
    X = check_array(X, dtype=dtype, ensure_min_samples=0, input_name="X", estimator=estimator_name)
    if X.shape[1] != n_features:  # a block of another width than the array claims
        raise ValueError(f"A block of X has {X.shape[1]} features; expected {n_features}.")
    y = check_array(
        y, ensure_2d=False, dtype=None if classifier else "numeric",
        ensure_min_samples=0, input_name="y", estimator=estimator_name,
    )  # fmt: skip
    w = _block_weights(w, len(y), dtype)
    summary = {"weight": float(len(y) if w is None else w.sum())}
    if classifier:
        if len(y):
            check_classification_targets(y)
        summary["labels"], where = np.unique(y, return_inverse=True)
        ones = np.ones(len(y))
        summary["counts"] = np.bincount(where, weights=ones if w is None else w)
    elif poisson and (y < 0).any():
        raise ValueError("loss='poisson' requires y >= 0 (counts or rates); got negative values.")
    return summary


def _block_weights(w, n_rows, dtype):
    if w is None:
        return None
    return check_sample_weight(w, n_rows, dtype, require_positive_sum=False)


def _encode_block(X, y, w, *, dtype, binarizer, per_class, classes):
    """Float rows, encoded targets and (class-weighted) sample weights of one block."""
    X = aligned(check_array(X, dtype=dtype, ensure_min_samples=0, order="C"))
    w = _block_weights(w, len(y), dtype)
    if binarizer is None:
        return X, np.asarray(y).reshape(len(y), -1).astype(dtype), w
    Y = binarizer.transform(y).astype(dtype)
    if per_class is not None:
        weights = per_class[np.searchsorted(classes, y)].astype(dtype)
        w = weights if w is None else w * weights
    return X, Y, w


def _aligned_block(block):
    # Arrays that arrive over the network may start at any byte; numpy and
    # BLAS are far slower on unaligned data than one copy costs.
    return tuple(None if a is None else aligned(a) for a in block)


def _block_objective(network, loss, block):
    """``(W_k * J_k, W_k * g_k, W_k)`` of one chunk, without the penalty."""
    X, Y, w = block
    weight = float(len(Y) if w is None else w.sum())
    if weight == 0:  # an empty chunk, or one whose samples all weigh 0
        return 0.0, np.zeros_like(network.params), 0.0
    with np.errstate(all="ignore"):  # non-finite values are detected by the solver
        value, grad = value_and_gradient(network, X, Y, loss, 0.0, w)
    return value * weight, grad * weight, weight


def _block_gram(block, fit_intercept):
    X, Y, w = block
    weight = float(len(Y) if w is None else w.sum())
    return (*gram_statistics(X, Y, w, fit_intercept), weight)


def _per_class_weights(estimator, summary, incremental):
    """Per-class weight multipliers, from the class counts of the whole data."""
    # The in-memory checks (no class_weight="balanced" in partial_fit, two
    # classes of positive weight) read only each class's total weight.
    estimator._weigh_classes(summary["classes"], summary["counts"], incremental, np.float64)
    class_weight = getattr(estimator, "class_weight", None)
    if class_weight is None:
        return None
    # A class's weighted count is all that "balanced" reads: one sample per
    # class weighted by its count gives the same frequencies.
    return compute_class_weight(
        class_weight,
        classes=estimator.classes_,
        y=summary["classes"],
        sample_weight=summary["counts"],
    )


# ---- prediction ----------------------------------------------------------------


def lazy_on_dask(method):
    """Make ``method(self, X)`` return a lazy Dask array, block by block, for Dask ``X``.

    Like dask-ml's ``ParallelPostFit``: each block of rows is predicted where
    it lives by the in-memory method; nothing is computed until asked.
    """

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if not is_dask_array(X):
            return method(self, X, *args, **kwargs)
        return _map_rows(functools.partial(method, self), self, X)

    return wrapper


def _map_rows(predict, estimator, X):
    check_is_fitted(estimator)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D Dask array, got {X.ndim}D.")
    _check_n_features(estimator, X.shape[1], reset=False)
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    # One row of zeros tells the output's dtype and width without touching X.
    probe = predict(np.zeros((1, X.shape[1]), dtype=X.dtype))
    if probe.ndim == 1:
        return X.map_blocks(predict, drop_axis=1, dtype=probe.dtype, meta=probe[:0])
    return X.map_blocks(
        predict, chunks=(X.chunks[0], probe.shape[1:]), dtype=probe.dtype, meta=probe[:0]
    )


class LazyScoreOnDask:
    """``score`` that stays lazy on a Dask ``X``; the head's own ``score`` otherwise."""

    def score(self, X, y, sample_weight=None):
        """Accuracy (classifiers) or R^2 (regressors) of the predictions for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask.array.Array} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float, or a 0-d dask.array.Array when ``X`` is a Dask array
            Computed block by block when asked (``.compute()``).
        """
        if is_dask_array(X):
            return _lazy_score(self, X, y, sample_weight)
        return super().score(X, y, sample_weight)


def _lazy_score(estimator, X, y, sample_weight):
    """Accuracy or R^2 of ``estimator`` on Dask arrays, as a lazy 0-d Dask array."""
    import dask.array as da

    y_pred = estimator.predict(X)
    y = da.asarray(y).rechunk({0: y_pred.chunks[0]})
    w = da.ones(y.shape[0], chunks=y_pred.chunks[0]) if sample_weight is None else sample_weight
    w = da.asarray(w).rechunk({0: y_pred.chunks[0]})
    if is_classifier(estimator):
        return (w * (y_pred == y)).sum() / w.sum()
    if y.ndim == 1:
        y, y_pred = y[:, None], y_pred[:, None]
    W = w[:, None]
    y_mean = (W * y).sum(axis=0) / w.sum()
    total = (W * (y - y_mean) ** 2).sum(axis=0)
    residual = (W * (y - y_pred) ** 2).sum(axis=0)
    # scikit-learn's force_finite: a constant target scores 1 if fitted exactly, else 0.
    safe_total = da.where(total != 0, total, 1.0)
    r2 = da.where(total != 0, 1 - residual / safe_total, da.where(residual == 0, 1.0, 0.0))
    return r2.mean()
