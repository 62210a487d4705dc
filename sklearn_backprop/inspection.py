"""Looking inside a fitted network: its hidden features and its input gradients.

- :func:`hidden_activations`: the output of every hidden layer, the features
  the network has learnt (a forward pass that keeps what it computes).
- :func:`input_gradient`: how each output moves with each input feature, per
  sample: backpropagation carried one layer further, down to the input.
- :class:`HiddenLayerTransformer`: the learnt features as a scikit-learn
  transformer, to feed other estimators in a Pipeline.

Both functions reuse the engine's passes (``Network.forward_layers`` and
``Network.backward_to_input``); nothing here re-derives a gradient.
"""

import copy
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, TransformerMixin, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import aligned
from .engine import Network


def _validated_input(estimator, X):
    """``X`` checked as ``predict`` checks it: fitted model, same features, float dtype."""
    check_is_fitted(estimator)
    X = validate_data(
        estimator, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False
    )
    return aligned(X)


def _network_in_dtype(estimator, dtype):
    """The fitted network with its parameters in ``dtype`` (X's), copying only if needed."""
    fitted = estimator._inference_network()
    coefs = [W.astype(dtype, copy=False) for W in estimator.coefs_]
    intercepts = [b.astype(dtype, copy=False) for b in estimator.intercepts_]
    return Network.from_arrays(coefs, intercepts, fitted.activation, fitted.link)


def _hidden_layer_index(layer, n_hidden):
    if not isinstance(layer, Integral) or isinstance(layer, bool):
        raise TypeError(f"layer must be an int or None; got {layer!r}.")
    if not -n_hidden <= layer < n_hidden:
        raise ValueError(
            f"layer={layer} is out of range: the network has {n_hidden} hidden layer(s), "
            f"so layer must be in [{-n_hidden}, {n_hidden - 1}] (or None for all)."
        )
    return int(layer) % n_hidden


def hidden_activations(estimator, X, layer=None):
    """Output of the hidden layers of a fitted MLP: the features it has learnt.

    Parameters
    ----------
    estimator : ScratchMLPClassifier or ScratchMLPRegressor
        A fitted network.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Validated as ``predict`` validates it.
    layer : int, default=None
        Which hidden layer (0 the first, -1 the last); None for all of them.

    Returns
    -------
    activations : ndarray of shape (n_samples, n_units) or list of ndarray
        ``A_layer``, or the list ``[A_0, A_1, ...]`` when ``layer`` is None
        (an empty list for a network without hidden layers). In ``X``'s dtype.

    Notes
    -----
    A forward pass that stops before the output layer::

        A_-1 = X,   A_l = f(A_l-1 @ W_l + b_l)   for l = 0, ..., n_hidden - 1

    with ``W_l = coefs_[l]``, ``b_l = intercepts_[l]`` and ``f`` the hidden
    activation.
    """
    X = _validated_input(estimator, X)
    network = _network_in_dtype(estimator, X.dtype)
    n_hidden = network.n_layers - 1
    index = None if layer is None else _hidden_layer_index(layer, n_hidden)
    _, activations = network.forward_layers(X)
    hidden = activations[:-1]
    return hidden if index is None else hidden[index]


def _output_seeds(estimator, A, output):
    """Per output column, ``dZ`` that backpropagates to that column's input gradient.

    The chain rule at the output: ``d out_k / dX = sum_j (d out_k / dZ_j) dZ_j / dX``;
    seeding backpropagation with row ``d out_k / dZ`` gives the first factor.
    """
    n_outputs = A.shape[1]
    link = estimator._make_loss().link.name
    raw = output is None and is_classifier(estimator)
    if raw or link == "identity":
        return [_one_column(np.ones(len(A), dtype=A.dtype), k, n_outputs) for k in range(n_outputs)]
    if link == "softmax":  # dA_k / dZ_j = A_k (delta_kj - A_j)
        eye = np.eye(n_outputs, dtype=A.dtype)
        return [A[:, [k]] * (eye[k] - A) for k in range(n_outputs)]
    if link == "logistic":
        slope = A * (1 - A)
    elif link == "exp":
        slope = A
    else:
        raise NotImplementedError(f"input_gradient does not know the derivative of {link!r}.")
    seeds = [_one_column(slope[:, k], k, n_outputs) for k in range(n_outputs)]
    if link == "logistic" and estimator._label_binarizer.y_type_ == "binary":
        return [-seeds[0], seeds[0]]  # predict_proba's columns are 1 - p and p
    return seeds


def _one_column(values, k, n_columns):
    seed = np.zeros((len(values), n_columns), dtype=values.dtype)
    seed[:, k] = values
    return seed


def input_gradient(estimator, X, output=None):
    """Derivative of a fitted model's output w.r.t. each input feature, per sample.

    Parameters
    ----------
    estimator : estimator of sklearn_backprop
        Any of the four estimators, fitted.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Validated as ``predict`` validates it.
    output : {None, "proba"}, default=None
        None: the raw output, that is ``decision_function`` for classifiers
        and ``predict`` for regressors. "proba" (classifiers only): the
        columns of ``predict_proba`` (before they are kept off 0 and 1).

    Returns
    -------
    gradient : ndarray of shape (n_samples, n_features) or (n_samples, n_outputs, n_features)
        ``gradient[i, k, j] = d output_k(x_i) / d x_ij``; the middle axis is
        dropped when there is one output (``decision_function`` of a binary
        classifier, ``predict`` of a single-target regressor). In ``X``'s dtype.

    Notes
    -----
    Backpropagation with the output's own derivative as the seed, carried down
    to the input::

        dZ   = d output_k / dZ    (one-hot for a raw output; A (1 - A) for the
                                   logistic link; A_k (e_k - A) for softmax; A for exp)
        dA_l-1 = dZ_l @ W_l.T,   dZ_l-1 = dA_l-1 * f'(Z_l-1),   gradient = dA_-1

    Each sample's row depends on that sample alone, so one pass per output
    gives every sample's gradient. For the linear models the raw output is
    ``X @ W + b`` and the gradient is ``W.T``, i.e. ``coef_``, on every row.
    """
    if output not in (None, "proba"):
        raise ValueError(f"output must be None or 'proba'; got {output!r}.")
    if output == "proba" and not is_classifier(estimator):
        raise ValueError("output='proba' is only available for classifiers.")
    X = _validated_input(estimator, X)
    network = _network_in_dtype(estimator, X.dtype)
    pre_activations, activations = network.forward_layers(X)
    seeds = _output_seeds(estimator, activations[-1], output)
    hidden = (activations[:-1], pre_activations[:-1])
    gradient = np.stack([network.backward_to_input(dZ, *hidden) for dZ in seeds], axis=1)
    return gradient[:, 0] if gradient.shape[1] == 1 else gradient


class HiddenLayerTransformer(TransformerMixin, MetaEstimatorMixin, BaseEstimator):
    """The hidden features of an MLP as a transformer, to feed other estimators.

    ``transform(X)`` is ``estimator_.hidden_activations(X, layer)``, so the
    features the network learnt can go into a Pipeline:
    ``make_pipeline(HiddenLayerTransformer(mlp), LogisticRegression())``.

    Parameters
    ----------
    estimator : ScratchMLPClassifier or ScratchMLPRegressor
        The network whose hidden layer gives the features.
    layer : int or None, default=-1
        Which hidden layer (0 the first, -1 the last); None stacks every
        hidden layer's units side by side.
    prefit : bool, default=False
        As in :class:`sklearn.feature_selection.SelectFromModel`: False fits a
        clone of ``estimator`` on ``(X, y)`` in ``fit``; True uses the fitted
        ``estimator`` as it is (``fit`` then only copies it, and ``transform``
        works without ``fit``).

    Attributes
    ----------
    estimator_ : estimator
        The fitted network: a fitted clone, or a copy of the prefit one.
    n_features_in_ : int
        Number of features seen by the network.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of those features, when the network was fitted on a DataFrame.

    See Also
    --------
    sklearn.feature_selection.SelectFromModel : The same ``prefit`` convention.

    Examples
    --------
    >>> from sklearn.datasets import make_circles
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_backprop import HiddenLayerTransformer, ScratchMLPClassifier
    >>> X, y = make_circles(n_samples=200, noise=0.05, factor=0.5, random_state=0)
    >>> mlp = ScratchMLPClassifier((8, 2), solver="lbfgs", max_iter=500, random_state=0)
    >>> pipe = make_pipeline(HiddenLayerTransformer(mlp), LogisticRegression()).fit(X, y)
    >>> pipe[0].get_feature_names_out()
    array(['h1_0', 'h1_1'], dtype=object)
    >>> pipe.score(X, y) > 0.9
    True
    """

    def __init__(self, estimator, layer=-1, prefit=False):
        self.estimator = estimator
        self.layer = layer
        self.prefit = prefit

    def fit(self, X, y=None, **fit_params):
        """Fit a clone of the network on ``(X, y)``, or take the prefit one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The network's targets (ignored when ``prefit=True``).
        **fit_params : dict
            Passed to the network's ``fit`` (e.g. ``sample_weight``).

        Returns
        -------
        self : object
        """
        if not hasattr(self.estimator, "hidden_activations"):
            raise TypeError(
                f"estimator must be a network with hidden layers (ScratchMLPClassifier or "
                f"ScratchMLPRegressor); got {type(self.estimator).__name__}."
            )
        if self.prefit:
            self.estimator_ = copy.deepcopy(self._prefit_estimator())
        else:
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self._layer_indices(self.estimator_)  # a bad layer fails here, not at transform
        self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def _prefit_estimator(self):
        try:
            check_is_fitted(self.estimator)
        except NotFittedError as error:
            raise NotFittedError(
                "When prefit=True, estimator is expected to be a fitted estimator."
            ) from error
        return self.estimator

    def _fitted_estimator(self):
        if hasattr(self, "estimator_"):
            return self.estimator_
        if self.prefit:
            return self._prefit_estimator()
        check_is_fitted(self)  # raises NotFittedError

    def _layer_indices(self, estimator):
        n_hidden = len(estimator.coefs_) - 1
        if self.layer is None:
            return list(range(n_hidden))
        return [_hidden_layer_index(self.layer, n_hidden)]

    def transform(self, X):
        """Hidden-layer activations of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        X_hidden : ndarray of shape (n_samples, n_units)
            In ``X``'s dtype.
        """
        estimator = self._fitted_estimator()
        if self.layer is not None:
            return hidden_activations(estimator, X, self.layer)
        return np.hstack(hidden_activations(estimator, X))

    def get_feature_names_out(self, input_features=None):
        """Names of the hidden units: ``h{layer}_{unit}``, e.g. ``h0_0, h0_1, ...``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Only checked against the input features seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        estimator = self._fitted_estimator()
        if input_features is not None:
            self._check_input_features(estimator, input_features)
        names = [
            f"h{layer}_{unit}"
            for layer in self._layer_indices(estimator)
            for unit in range(estimator.coefs_[layer].shape[1])
        ]
        return np.asarray(names, dtype=object)

    def _check_input_features(self, estimator, input_features):
        input_features = np.asarray(input_features, dtype=object)
        if len(input_features) != estimator.n_features_in_:
            raise ValueError(
                "input_features should have length equal to number of features "
                f"({estimator.n_features_in_}), got {len(input_features)}"
            )
        seen = getattr(estimator, "feature_names_in_", None)
        if seen is not None and not np.array_equal(seen, input_features):
            raise ValueError("input_features is not equal to feature_names_in_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = get_tags(self.estimator).input_tags.sparse
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
