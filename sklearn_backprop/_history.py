"""From the engine's per-epoch records to the fitted attributes that describe training.

``history_`` holds one dict per epoch (sgd, adam) or iteration (lbfgs), so that
``pandas.DataFrame(estimator.history_)`` is a table; ``loss_curve_``,
``validation_scores_``, ``best_loss_``, ``best_validation_score_`` and
``best_epoch_`` are read from the same records and so agree with it. A warm
start or ``partial_fit`` continues them, epochs numbered on from the last one.
"""

import numpy as np

#: The columns of ``history_``, in order; every row has all of them.
HISTORY_KEYS = (
    "epoch",
    "loss",
    "penalty",
    "learning_rate",
    "grad_norm",
    "n_steps",
    "seconds",
    "val_loss",
    "val_score",
)


def store_history(estimator, result, state, incremental):
    """Set the training-history attributes of ``estimator`` from a TrainingResult."""
    continuing = hasattr(estimator, "history_") and (incremental or estimator.warm_start)
    previous = estimator.history_ if continuing else []
    rows = [_row(len(previous) + k, record) for k, record in enumerate(result.history, start=1)]
    estimator.history_ = previous + rows
    estimator.loss_curve_ = [row["loss"] for row in estimator.history_]

    early_stopping = estimator.early_stopping and state is not None and not incremental
    previous_scores = estimator.validation_scores_ if continuing else None
    estimator.validation_scores_ = estimator.best_validation_score_ = None
    if early_stopping:
        scores = result.validation_scores
        estimator.validation_scores_ = (previous_scores or []) + scores
        estimator.best_validation_score_ = state.monitor.best_score
        estimator.best_loss_ = None
        # The parameters held are those of the first epoch with the best score.
        best = int(np.nanargmax(scores)) if scores and not np.isnan(scores).all() else -1
        estimator.best_epoch_ = len(previous) + best + 1 if best >= 0 else None
    else:
        losses = np.asarray(estimator.loss_curve_, dtype=float)
        finite = np.isfinite(losses)
        if finite.any():
            best = int(np.argmin(np.where(finite, losses, np.inf)))
            estimator.best_loss_ = float(losses[best])
            estimator.best_epoch_ = best + 1
        else:
            estimator.best_loss_, estimator.best_epoch_ = estimator.loss_, None


def _row(epoch, record):
    row = {
        "epoch": epoch,
        "loss": record.loss,
        "penalty": record.penalty,
        "learning_rate": record.learning_rate,
        "grad_norm": record.grad_norm,
        "n_steps": record.n_steps,
        "seconds": record.seconds,
        "val_loss": record.val_loss,
        "val_score": record.val_score,
    }
    return {key: _plain(row[key]) for key in HISTORY_KEYS}


def _plain(value):
    # Python numbers, so that the rows print, compare and serialise as plain data.
    if value is None or isinstance(value, (int, float)):
        return value
    return value.item()
