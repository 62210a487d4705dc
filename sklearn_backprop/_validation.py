"""Checks of hyperparameters and sample weights, run at ``fit`` (never in ``__init__``).

Numbers go through scikit-learn's public ``check_scalar``, so a bad value gets
scikit-learn's own message ("alpha == -1, must be >= 0."); options and
shapes get a message in the same spirit naming the parameter and what it got.
Every invalid hyperparameter raises :class:`InvalidParameterError`, which is
both a ValueError and a TypeError, as scikit-learn's own.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_scalar

from .engine import HIDDEN_ACTIVATIONS, Activation


class InvalidParameterError(ValueError, TypeError):
    """A hyperparameter has the wrong type or value (caught as ValueError or TypeError)."""


# name: (type, min, max, which boundaries are allowed)
_NUMBERS = {
    "alpha": (Real, 0, None, "left"),
    "learning_rate_init": (Real, 0, None, "neither"),
    "power_t": (Real, 0, None, "left"),
    "max_iter": (Integral, 1, None, "left"),
    "tol": (Real, 0, None, "left"),
    "momentum": (Real, 0, 1, "both"),
    "validation_fraction": (Real, 0, 1, "neither"),
    "beta_1": (Real, 0, 1, "left"),
    "beta_2": (Real, 0, 1, "left"),
    "epsilon": (Real, 0, None, "neither"),
    "max_fun": (Integral, 1, None, "left"),
    "l1_ratio": (Real, 0, 1, "both"),
}
_OPTIONS = {
    "solver": ("lbfgs", "sgd", "adam"),
    "penalty": ("l2", "l1", "elasticnet"),
    "learning_rate": ("constant", "invscaling", "adaptive"),
    "loss": ("squared_error", "poisson"),
}
_BOOLEANS = (
    "shuffle",
    "warm_start",
    "nesterovs_momentum",
    "early_stopping",
    "fit_intercept",
)


def validate_hyperparameters(estimator):
    """Raise an InvalidParameterError naming the first invalid hyperparameter."""
    try:
        _validate(estimator.get_params(), hasattr(estimator, "_auto_learning_rate_init"))
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(str(error)) from None


def _validate(params, auto_learning_rate=False):
    for name, (kind, low, high, closed) in _NUMBERS.items():
        if name == "learning_rate_init" and auto_learning_rate and _is_auto(params[name]):
            continue
        if name in params:
            _check_number(params[name], name, kind, low, high, closed)
    for name, options in _OPTIONS.items():
        if name in params and not (isinstance(params[name], str) and params[name] in options):
            raise ValueError(f"{name} must be one of {options}; got {params[name]!r}.")
    for name in _BOOLEANS:
        if name in params and not isinstance(params[name], (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool; got {params[name]!r}.")
    if "batch_size" in params and params["batch_size"] != "auto":
        _check_number(params["batch_size"], "batch_size", Integral, 1, None, "left")
    if "n_iter_no_change" in params and params["n_iter_no_change"] != np.inf:
        _check_number(params["n_iter_no_change"], "n_iter_no_change", Integral, 1, None, "left")
    if "hidden_layer_sizes" in params:
        n_hidden = len(hidden_layer_sizes(params["hidden_layer_sizes"]))
        if "activation" in params:
            activations(params["activation"], n_hidden)
        if "dropout" in params:
            rates = dropout_rates(params["dropout"], n_hidden)
            if any(rates) and params.get("solver") == "lbfgs":
                raise ValueError(
                    "dropout needs a stochastic solver ('sgd' or 'adam'): it makes the "
                    "objective random, which L-BFGS cannot minimise. Set dropout=0 or "
                    "change solver."
                )
    if "scoring" in params:
        _check_scoring(params["scoring"])
    class_weight = params.get("class_weight")
    per_output = isinstance(class_weight, list) and all(isinstance(d, dict) for d in class_weight)
    if not (class_weight in (None, "balanced") or isinstance(class_weight, dict) or per_output):
        raise ValueError(
            "class_weight must be None, 'balanced', a dict, or (multilabel y) a list of "
            f"dicts; got {class_weight!r}."
        )


def _check_scoring(scoring):
    """``scoring``: None, "loss", a scorer name scikit-learn knows, or a callable."""
    if scoring is None or callable(scoring) or scoring == "loss":
        return
    from sklearn.metrics import get_scorer_names

    if not (isinstance(scoring, str) and scoring in get_scorer_names()):
        raise ValueError(
            "scoring must be None (the estimator's score), 'loss', a scorer name of "
            f"sklearn.metrics.get_scorer_names(), or a callable; got {scoring!r}."
        )


def _is_auto(value):
    return isinstance(value, str) and value == "auto"


def _check_number(value, name, kind, low, high, closed):
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an instance of {kind.__name__}, not bool.")
    check_scalar(value, name, kind, min_val=low, max_val=high, include_boundaries=closed)
    if not np.isfinite(value):  # check_scalar lets NaN through, and inf without an upper bound
        raise ValueError(f"{name} must be finite; got {value!r}.")


def hidden_layer_sizes(value):
    """``hidden_layer_sizes`` as a tuple of positive ints (an int means one layer)."""
    sizes = (value,) if isinstance(value, Integral) else value
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise TypeError(
            f"hidden_layer_sizes must be an int or a sequence of ints; got {value!r}."
        ) from None
    for size in sizes:
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, Integral) or size < 1:
            raise ValueError(f"hidden_layer_sizes must hold positive integers; got {value!r}.")
    return tuple(int(size) for size in sizes)


def activations(value, n_hidden):
    """``activation`` as Activation objects: one object, or a list of one per hidden layer.

    A string names a built-in (``HIDDEN_ACTIVATIONS``); an :class:`Activation`
    instance is used as it is; a list or tuple holds one of either per hidden
    layer, and its length must be ``n_hidden``.
    """
    if isinstance(value, (list, tuple)):
        if len(value) != n_hidden:
            raise ValueError(
                f"activation holds {len(value)} entries but the network has {n_hidden} "
                "hidden layer(s) (hidden_layer_sizes): give one activation per hidden "
                "layer, or a single one for all."
            )
        return [_activation(entry) for entry in value]
    return _activation(value)


def _activation(value):
    if isinstance(value, str) and value in HIDDEN_ACTIVATIONS:
        return HIDDEN_ACTIVATIONS[value]
    if isinstance(value, Activation):
        return value
    raise ValueError(
        f"activation must be one of {tuple(HIDDEN_ACTIVATIONS)}, an instance of "
        f"sklearn_backprop.Activation, or a list of these (one per hidden layer); got {value!r}."
    )


def dropout_rates(value, n_hidden):
    """``dropout`` as a tuple of one rate in [0, 1) per hidden layer."""
    per_layer = isinstance(value, (list, tuple))
    rates = tuple(value) if per_layer else (value,) * n_hidden
    if per_layer and len(rates) != n_hidden:
        raise ValueError(
            f"dropout holds {len(rates)} rates but the network has {n_hidden} hidden "
            "layer(s): give one rate per hidden layer, or a single one for all."
        )
    for rate in rates:
        _check_number(rate, "dropout", Real, 0, 1, "left")
    return tuple(float(rate) for rate in rates)


def check_sample_weight(sample_weight, n_samples, dtype, require_positive_sum=True):
    """Validated sample weights as a new array of ``dtype`` (the input is never mutated).

    Raises a ValueError for a wrong shape, a non-finite, negative or (unless
    ``require_positive_sum=False``, for one chunk of the data) all-zero weight.
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight)
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=dtype,
        input_name="sample_weight",
        copy=True,
        ensure_min_samples=0 if n_samples == 0 else 1,
    )
    if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
        raise ValueError(f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},)!")
    if (sample_weight < 0).any():
        raise ValueError("sample_weight must be non-negative; got negative values.")
    if require_positive_sum and not sample_weight.any():
        raise ValueError("sample_weight must not be all zero: nothing to learn from.")
    return sample_weight


def aligned(X):
    """``X`` itself if its data is aligned to its item size, else an aligned copy.

    An unaligned buffer (``np.frombuffer`` with an offset, some memory maps,
    shared memory) is valid input, but numpy and BLAS fall back to slow paths
    on it: gathering a mini-batch becomes ~2500x slower and ``X @ W`` ~5x.
    One copy per fit or predict call is far cheaper, and aligned input, the
    common case, is passed through without one.
    """
    data = X.data if sp.issparse(X) else X
    if data.flags.aligned:
        return X
    return X.copy()
