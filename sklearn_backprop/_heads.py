"""The two heads that end every network: what its outputs mean.

- :class:`ClassifierHeadMixin`: labels are one-hot / 0-1 encoded with
  ``LabelBinarizer``; logistic + binary cross-entropy for binary and
  multilabel targets, softmax + categorical cross-entropy for multiclass;
  ``predict``, ``predict_proba``, ``decision_function``, ``class_weight``.
- :class:`RegressorHeadMixin`: real targets; identity + squared error, or
  exp + Poisson deviance.

Each head gives the skeleton (``_base.py``) ``_encode_targets``,
``_weigh_classes``, ``_make_loss`` and ``_validation_score``, and adds the
prediction methods and ``partial_fit`` of its kind.
"""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels

from ._dask import LazyScoreOnDask, lazy_on_dask
from ._validation import validate_hyperparameters
from .engine import BinaryCrossEntropy, CategoricalCrossEntropy, PoissonDeviance, SquaredError


def _stochastic_solver(estimator):
    """``partial_fit`` exists only for the mini-batch solvers."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for the stochastic solvers ('sgd', 'adam'); "
            "solver='lbfgs' works on the full batch."
        )
    return True


class ClassifierHeadMixin(LazyScoreOnDask, ClassifierMixin):
    """Labels in, probabilities out: logistic or softmax link with cross-entropy."""

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None, *, X_val=None, y_val=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever be seen; required on the first call,
            ignored (if equal) afterwards. Not needed for multilabel ``y``.
        X_val, y_val : array-like, default=None
            Validation data: their loss and score are recorded in
            ``history_``; ``partial_fit`` never stops early.

        Returns
        -------
        self : object
        """
        if not hasattr(self, "coefs_"):
            validate_hyperparameters(self)
            binarizer = LabelBinarizer()
            shape = np.shape(y)  # without gathering y when it is a Dask array
            if len(shape) == 2 and shape[1] > 1:
                binarizer.fit(y)  # multilabel indicator: the columns are the classes
            elif classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            else:
                binarizer.fit(classes)
                if len(binarizer.classes_) < 2:
                    raise ValueError(
                        f"classes must hold at least 2 classes; got {binarizer.classes_!r}."
                    )
            self._label_binarizer, self.classes_ = binarizer, binarizer.classes_
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={np.unique(np.asarray(classes))!r} is not the same as on the "
                f"first call to partial_fit ({self.classes_!r})."
            )
        validation_data = None if X_val is None and y_val is None else (X_val, y_val, None)
        return self._fit(X, y, sample_weight, incremental=True, validation_data=validation_data)

    def _encode_targets(self, y, first_pass, incremental, dtype):
        check_classification_targets(y)
        if incremental:
            unseen = np.setdiff1d(unique_labels(y), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y has classes {unseen!r} not in classes={self.classes_!r} given "
                    "on the first call to partial_fit."
                )
        elif first_pass:
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the "
                    f"data, but the data contains only one class: {self.classes_[0]!r}."
                )
        elif set(unique_labels(y)) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where y has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_!r}, y has "
                f"{unique_labels(y)!r}."
            )
        return self._binarize(y, dtype)

    def _binarize(self, y, dtype):
        """``LabelBinarizer.transform(y)`` in ``dtype``, directly for labels already checked.

        For a 1-D ``y`` whose classes are known to be among ``classes_`` (checked
        above), the indicator matrix is one ``searchsorted`` away; the binarizer's
        own transform re-validates ``y`` several times, milliseconds that dominate
        the fit of a small linear model.
        """
        binarizer = self._label_binarizer
        if np.ndim(y) != 1 or binarizer.y_type_ not in ("binary", "multiclass"):
            return binarizer.transform(y).astype(dtype)
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:  # one column: the positive (second) class
            return (index == 1).astype(dtype)[:, np.newaxis]
        Y = np.zeros((len(index), len(self.classes_)), dtype=dtype)
        Y[np.arange(len(index)), index] = 1
        return Y

    def _weigh_classes(self, y, sample_weight, incremental, dtype):
        class_weight = getattr(self, "class_weight", None)
        if class_weight is not None:
            if incremental and class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit: the class "
                    "frequencies of the whole data are unknown. Pass a dict instead."
                )
            if y.ndim == 1:
                # Class frequencies count sample weights, as in scikit-learn >= 1.9.
                per_class = compute_class_weight(
                    class_weight, classes=self.classes_, y=y, sample_weight=sample_weight
                )
                weights = per_class[np.searchsorted(self.classes_, y)]
            else:  # multilabel: a product over labels
                weights = compute_sample_weight(class_weight, y)
            weights = weights.astype(dtype)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        weighted = sample_weight is not None and not incremental and y.ndim == 1
        if weighted and len(np.unique(y[sample_weight > 0])) < 2:
            raise ValueError(
                "Only one class has a positive sample_weight; a classifier needs "
                "at least 2 classes with positive weight."
            )
        return sample_weight

    def _make_loss(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return CategoricalCrossEntropy()
        return BinaryCrossEntropy()

    def _validation_score(self, network, X, y, sample_weight):
        with np.errstate(all="ignore"):
            Z = network.forward(X)
        if not np.isfinite(Z).all():
            return np.nan
        return accuracy_score(y, self._decode(Z), sample_weight=sample_weight)

    def _decode(self, Z):
        """Labels from logits: the largest logit, or logit > 0 per binary output."""
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return (Z > 0).astype(int)
        if Z.shape[1] == 1:
            return self.classes_[(Z[:, 0] > 0).astype(np.intp)]
        return self.classes_[np.argmax(Z, axis=1)]

    @lazy_on_dask
    def decision_function(self, X):
        """Raw scores ``Z`` (logits) of the output layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Shape (n_samples,) for binary problems: the logit of ``classes_[1]``.
        """
        Z = self._raw_output(X)
        return Z.ravel() if Z.shape[1] == 1 else Z

    @lazy_on_dask
    def predict(self, X):
        """Predicted class labels (the most probable class, or logit > 0 per label).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        return self._decode(self._raw_output(X))

    @lazy_on_dask
    def predict_proba(self, X):
        """Probability of each class (of each label, for multilabel targets).

        Probabilities are never exactly 0 or 1: they are kept within
        ``[tiny, 1 - epsneg]`` of their dtype (the smallest normal float and the
        largest float below 1), so a saturated logit still has a finite log.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        Z = self._class_logits(X)
        proba = self._make_loss().link.forward(Z)
        finfo = np.finfo(proba.dtype)
        np.maximum(proba, finfo.tiny, out=proba)
        return np.minimum(proba, 1 - finfo.epsneg, out=proba)

    @lazy_on_dask
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`: always finite.

        As probabilities are kept within ``[tiny, 1 - epsneg]`` of their dtype,
        log-probabilities are at least ``log(tiny)`` (about -708 in float64,
        -87 in float32) and at most ``-epsneg``, and they rank the classes
        exactly as :meth:`predict_proba` does.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def _class_logits(self, X):
        Z = self._raw_output(X)
        if self._label_binarizer.y_type_ == "binary":
            return np.hstack([-Z, Z])  # the logit of classes_[0] is minus that of classes_[1]
        return Z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class RegressorHeadMixin(LazyScoreOnDask, RegressorMixin):
    """Real targets: identity + squared error, or exp + Poisson deviance."""

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
        X_val, y_val : array-like, default=None
            Validation data: their loss and score are recorded in
            ``history_``; ``partial_fit`` never stops early.

        Returns
        -------
        self : object
        """
        validation_data = None if X_val is None and y_val is None else (X_val, y_val, None)
        return self._fit(X, y, sample_weight, incremental=True, validation_data=validation_data)

    def _encode_targets(self, y, first_pass, incremental, dtype):
        if self._loss_name() == "poisson" and (y < 0).any():
            raise ValueError(
                "loss='poisson' requires y >= 0 (counts or rates); got negative values."
            )
        if first_pass:
            self._target_ndim = y.ndim  # predictions take the shape of y
        return y.reshape(y.shape[0], -1).astype(dtype)

    def _weigh_classes(self, y, sample_weight, incremental, dtype):
        return sample_weight

    def _loss_name(self):
        return getattr(self, "loss", "squared_error")

    def _make_loss(self):
        return PoissonDeviance() if self._loss_name() == "poisson" else SquaredError()

    def _validation_score(self, network, X, y, sample_weight):
        with np.errstate(all="ignore"):
            y_pred = network.predict(X)
        if not np.isfinite(y_pred).all():
            return np.nan
        return r2_score(y, y_pred.reshape(y.shape), sample_weight=sample_weight)

    @lazy_on_dask
    def predict(self, X):
        """Predicted target values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        Z = self._raw_output(X)
        A = self._make_loss().link.forward(Z)
        return A.ravel() if self._target_ndim == 1 else A

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self._loss_name() == "poisson"
        return tags
