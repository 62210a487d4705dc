"""The one fit/predict skeleton that every estimator shares.

:class:`BaseScratchEstimator` validates the data, builds the network, runs a
solver of the engine and turns its report into fitted attributes, warnings
and errors. What the network's outputs mean is left to a *head* mixin
(``_heads.py``): the classifier head or the regressor head. The four public
estimators are a head, this skeleton, and a choice of hidden layers: none for
the linear models, ``hidden_layer_sizes`` for the MLPs.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _callbacks, _dask, inspection
from ._history import store_history
from ._validation import (
    activations,
    aligned,
    check_sample_weight,
    dropout_rates,
    hidden_layer_sizes,
    validate_hyperparameters,
)
from .engine import (
    SCIPY_FTOL,
    SGD,
    Adam,
    Network,
    StochasticState,
    StoppingMonitor,
    check_activation,
    fit_lbfgs,
    fit_stochastic,
    make_penalty,
)


class BaseScratchEstimator(_callbacks.CallbackSupportMixin, BaseEstimator):
    """The fit/predict skeleton shared by every estimator; not for direct use.

    Subclasses provide a head mixin (``_encode_targets``, ``_make_loss``,
    ``_validation_score``) and may override the hooks ``_hidden_layer_sizes``,
    ``_hidden_activation`` and ``_initialize_parameters``.
    """

    # ---- hooks ---------------------------------------------------------------

    #: Whether a target of shape (n_samples, 1) is raveled (with a warning), as
    #: scikit-learn's MLPs do; LinearRegression keeps it 2-D.
    _ravel_column_target = True

    #: How sgd/adam scale each mini-batch's penalty (``engine/objective.py``):
    #: by the batch's weight, as scikit-learn's MLP (False), or by the weight of
    #: all the data, so that every solver reaches the same optimum (True).
    _penalty_over_all_data = False

    def _hidden_layer_sizes(self):
        return hidden_layer_sizes(self.hidden_layer_sizes)

    def _hidden_activation(self):
        return self.activation

    def _penalty(self):
        return make_penalty(self.penalty, self.alpha, self.l1_ratio)

    def _initialize_parameters(self, network, rng):
        network.initialize(rng)

    def _lbfgs_stopping(self):
        # scikit-learn's MLP stops L-BFGS at gtol=tol with scipy's defaults
        # otherwise; the same rule makes the same number of iterations.
        return {"ftol": SCIPY_FTOL, "max_line_search": 20}

    # ---- fitting ---------------------------------------------------------------

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit the model to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels (classifiers) or real values (regressors).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each sample's loss counts ``w_i / sum(w)``.
        X_val : {array-like, sparse matrix} of shape (n_val_samples, n_features), \
                default=None
            Validation data, as in HistGradientBoosting: their loss and score
            (``scoring``) are recorded in ``history_`` after every epoch or
            iteration, and with ``early_stopping`` they replace the split of
            ``validation_fraction`` out of ``X``. Validated like ``X`` (same
            features; for classifiers, only classes seen in ``y``). In a
            Pipeline, ``Pipeline(..., transform_input=["X_val"])`` with
            ``set_fit_request(X_val=True, y_val=True)`` preprocesses them.
        y_val : array-like of shape (n_val_samples,) or (n_val_samples, n_outputs), \
                default=None
            Validation targets; given with ``X_val``.
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation_data = _validation_data(X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=False, validation_data=validation_data)

    def _fit(self, X, y, sample_weight, incremental, validation_data=None):
        with _callbacks.managed(self):
            return self._fit_managed(X, y, sample_weight, incremental, validation_data)

    def _fit_managed(self, X, y, sample_weight, incremental, validation_data):
        validate_hyperparameters(self)
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if not incremental:
            self._training_state = None
        if _dask.is_dask_array(X, y, sample_weight):
            if validation_data is not None:
                raise ValueError("X_val and y_val are not supported with Dask arrays.")
            network, loss, result = _dask.fit(self, X, y, sample_weight, incremental)
            return self._finish(network, loss, result, incremental)
        data = self._prepare(X, y, sample_weight, incremental)
        X, Y, y, sample_weight, network, loss, rng = data
        validation = None
        if validation_data is not None:
            validation = self._validation(network, loss, X, sample_weight, validation_data)
        epochs = 1 if incremental else self.max_iter
        reporter = _callbacks.FitReporter(self, X, y, sample_weight, max_subtasks=epochs + 1)
        reporter.start(network)
        try:
            self._run_solver(network, loss, X, Y, y, sample_weight, rng, incremental, validation,
                             reporter)  # fmt: skip
        except BaseException:
            reporter.finish(fitted=False)
            raise
        reporter.finish(fitted=True)
        return self

    def _run_solver(
        self, network, loss, X, Y, y, sample_weight, rng, incremental, validation, reporter
    ):
        """Train with the chosen solver, then store the model (or raise)."""
        if self.solver == "lbfgs":
            result = fit_lbfgs(
                network, loss, X, Y, sample_weight,
                alpha=self.alpha, max_iter=self.max_iter, max_fun=self.max_fun,
                tol=self.tol, verbose=bool(self.verbose), penalty=self._penalty(),
                validation=validation, on_epoch=reporter.epoch_end, **self._lbfgs_stopping(),
            )  # fmt: skip
        else:
            result = self._fit_stochastic(
                network, loss, X, Y, y, sample_weight, rng, incremental, validation, reporter
            )
        self._finish(network, loss, result, incremental)

    def _finish(self, network, loss, result, incremental):
        """Report the solver's outcome (error or warning), then store the fitted model."""
        if result.interrupted:
            # As scikit-learn's MLP: the model of the last completed epoch is kept.
            warnings.warn("Training interrupted by user.", UserWarning, stacklevel=6)
            self._store(network, loss, result, incremental)
            return self
        try:
            self._check_result(result, incremental)
        except ValueError:
            # The model keeps its last good parameters; the next partial_fit starts
            # a fresh optimizer (with the hyperparameters set by then).
            self._training_state = None
            raise
        self._store(network, loss, result, incremental)
        return self

    def __sklearn_is_fitted__(self):
        # A fit that failed half-way may have set classes_ or n_features_in_.
        return hasattr(self, "coefs_")

    def _prepare(self, X, y, sample_weight, incremental, dtype=(np.float64, np.float32)):
        """Validated data, encoded targets, and the network to train (fresh or resumed)."""
        first_pass = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], dtype=dtype, multi_output=True,
            y_numeric=not is_classifier(self), reset=first_pass,
        )  # fmt: skip
        X = aligned(X)
        if self._ravel_column_target and y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = self._encode_targets(y, first_pass, incremental, X.dtype)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        sample_weight = self._weigh_classes(y, sample_weight, incremental, X.dtype)
        rng = self._random_generator(incremental)
        loss = self._make_loss()
        network = self._network(X.shape[1], Y.shape[1], X.dtype, loss, first_pass, rng)
        return X, Y, y, sample_weight, network, loss, rng

    def _random_generator(self, incremental):
        # partial_fit continues the run's own generator, so that a sequence of
        # calls (or a pickled and restored model) shuffles exactly as one run.
        state = getattr(self, "_training_state", None)
        if incremental and state is not None:
            return state.rng
        return check_random_state(self.random_state)

    def _network(self, n_features, n_outputs, dtype, loss, first_pass, rng):
        hidden = self._hidden_layer_sizes()
        units = (n_features, *hidden, n_outputs)
        activation = self._activations(len(hidden))
        for entry in activation if isinstance(activation, list) else [activation]:
            check_activation(entry)
        network = Network(
            units,
            activation,
            loss.link,
            fit_intercept=getattr(self, "fit_intercept", True),
            dtype=dtype,
            dropout=dropout_rates(getattr(self, "dropout", 0.0), len(hidden)),
        )
        if first_pass:
            self._initialize_parameters(network, rng)
        else:
            self._check_same_architecture(units)
            network.set_params(self.coefs_, self.intercepts_)
        return network

    def _activations(self, n_hidden):
        return activations(self._hidden_activation(), n_hidden)

    def _check_same_architecture(self, units):
        fitted = (self.coefs_[0].shape[0], *(W.shape[1] for W in self.coefs_))
        if fitted[1:-1] != units[1:-1]:
            raise ValueError(
                f"Cannot continue training: hidden_layer_sizes is now {units[1:-1]} but "
                f"the fitted network has hidden layers {fitted[1:-1]}. "
                "Set warm_start=False (or call fit) to train a new network."
            )
        if fitted[-1] != units[-1]:
            raise ValueError(
                f"Cannot continue training: y has {units[-1]} output column(s) but the "
                f"fitted network has {fitted[-1]}."
            )

    def _fit_stochastic(
        self, network, loss, X, Y, y, sample_weight, rng, incremental, validation, reporter
    ):
        if sp.issparse(X):
            X = X.tocsr()  # mini-batches gather rows
        early_stopping = self.early_stopping and not incremental
        if early_stopping and validation is None:
            X, Y, sample_weight, held_out = self._hold_out(X, Y, y, sample_weight, rng)
            validation = self._validation(network, loss, X, sample_weight, held_out)
        batch_size = self._batch_size(X.shape[0])
        state = self._stochastic_state(rng, incremental, X, loss, sample_weight, batch_size)
        return fit_stochastic(
            network, loss, X, Y, sample_weight, state,
            alpha=self.alpha, batch_size=batch_size,
            max_epochs=1 if incremental else self.max_iter, shuffle=self.shuffle,
            penalty_over_all_data=self._penalty_over_all_data, verbose=bool(self.verbose),
            penalty=self._penalty(), validation=validation, early_stopping=early_stopping,
            on_epoch=reporter.epoch_end,
        )  # fmt: skip

    def _stochastic_state(self, rng, incremental, X, loss, sample_weight, batch_size):
        optimizer = self._new_optimizer(X, loss, sample_weight, batch_size)
        state = getattr(self, "_training_state", None)
        if incremental and state is not None and type(state.optimizer) is type(optimizer):
            return state
        monitor = StoppingMonitor(self.tol, self.n_iter_no_change, keep_best=self.early_stopping)
        # A warm start gets a fresh optimizer (as scikit-learn's MLP) but keeps
        # counting samples, which the "invscaling" schedule reads.
        samples_seen = getattr(self, "t_", 0) if self.warm_start else 0
        self._training_state = StochasticState(optimizer, monitor, rng, t=samples_seen)
        return self._training_state

    def _new_optimizer(self, X, loss, sample_weight, batch_size):
        # Cheap: an optimizer allocates its state at its first step.
        learning_rate_init, preconditioner = self.learning_rate_init, None
        if isinstance(learning_rate_init, str):  # "auto" (validated): the linear models
            learning_rate_init, preconditioner = self._auto_learning_rate_init(
                X, loss, sample_weight, batch_size
            )
        if self.solver == "sgd":
            return SGD(
                learning_rate_init, self.momentum, self.nesterovs_momentum,
                self.learning_rate, self.power_t, preconditioner=preconditioner,
            )  # fmt: skip
        return Adam(learning_rate_init, self.beta_1, self.beta_2, self.epsilon)

    def _hold_out(self, X, Y, y, sample_weight, rng):
        """Split off ``validation_fraction`` for early stopping (stratified for labels).

        The held-out part keeps its sample weights, which its score then uses.
        """
        stratify = y if is_classifier(self) and y.ndim == 1 else None
        arrays = (X, Y, y) if sample_weight is None else (X, Y, y, sample_weight)
        parts = train_test_split(
            *arrays,
            test_size=self.validation_fraction,
            random_state=rng,
            stratify=stratify,
        )
        X_train, X_val, Y_train, Y_val, _, y_val = parts[:6]
        w_train, w_val = parts[6:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        if sample_weight is not None and not (w_train.any() and w_val.any()):
            part = "training" if not w_train.any() else "validation"
            raise ValueError(
                f"Every sample of the early-stopping {part} split has zero sample_weight. "
                "Change validation_fraction or random_state, or set early_stopping=False."
            )
        return X_train, Y_train, w_train, (X_val, Y_val, y_val, w_val)

    def _prepare_validation(self, validation_data, dtype):
        """``X_val``, ``y_val``, ``sample_weight_val`` validated like the training data."""
        X_val, y_val, sample_weight_val = validation_data
        X_val, y_val = validate_data(
            self, X_val, y_val, accept_sparse=["csr", "csc"], dtype=dtype, multi_output=True,
            y_numeric=not is_classifier(self), reset=False,
        )  # fmt: skip
        X_val = aligned(X_val)
        if self._ravel_column_target and y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        if is_classifier(self):
            unseen = np.setdiff1d(unique_labels(y_val), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y_val contains labels not seen in y: {unseen!r}; the classes are "
                    f"{self.classes_!r}."
                )
            Y_val = self._label_binarizer.transform(y_val).astype(dtype)
        else:
            Y_val = y_val.reshape(y_val.shape[0], -1).astype(dtype)
        w_val = check_sample_weight(sample_weight_val, X_val.shape[0], dtype)
        return X_val, Y_val, y_val, w_val

    def _validation(self, network, loss, X, sample_weight, validation_data):
        """``validation() -> (val_loss, val_score)`` at the network's current parameters.

        ``val_loss`` is the training objective's definition on the validation
        data (its penalty divided as the training batches' penalty is); the
        score is ``scoring``'s: the estimator's ``score`` (None), minus the
        validation loss ("loss"), or a scorer.
        """
        if len(validation_data) == 3:  # user-given (X_val, y_val, sample_weight_val)
            validation_data = self._prepare_validation(validation_data, X.dtype)
        X_val, Y_val, y_val, w_val = validation_data
        penalty = self._penalty()
        divisor = float(X_val.shape[0] if w_val is None else w_val.sum())
        if self._penalty_over_all_data:
            divisor = float(X.shape[0] if sample_weight is None else sample_weight.sum())
        scorer = None
        if self.scoring not in (None, "loss"):
            scorer = check_scoring(self, scoring=self.scoring)
            view = _callbacks.fitted_view(self, network)

        def validation():
            with np.errstate(all="ignore"):
                Z = network.forward(X_val)
                if not np.isfinite(Z).all():
                    return np.nan, np.nan
                value, _ = loss.value_and_link(Y_val, Z, w_val)
            val_loss = float(value) + penalty.value(network.params[: network.n_coef], divisor)
            if self.scoring == "loss":
                return val_loss, -val_loss
            if scorer is None:
                return val_loss, float(self._validation_score(network, X_val, y_val, w_val))
            metadata = {} if w_val is None else {"sample_weight": w_val}
            return val_loss, float(scorer(view, X_val, y_val, **metadata))

        return validation

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the number of training "
                f"samples ({n_samples}); it is clipped to {n_samples}.",
                UserWarning,
                stacklevel=7,
            )
        return min(self.batch_size, n_samples)

    def _check_result(self, result, incremental):
        """Turn the engine's report into an error (divergence) or a warning."""
        if result.divergence is not None:
            d = result.divergence
            step = "iteration" if self.solver == "lbfgs" else "epoch"
            message = (
                f"Training diverged at {step} {d.epoch}: the loss went from "
                f"{d.loss_before:.6g} to {d.loss_after:.6g}. {self._divergence_advice()}"
            )
            if not result.restored_best:
                raise ValueError(message)
            warnings.warn(
                message + " Stopped and restored the parameters with the best validation score.",
                ConvergenceWarning,
                stacklevel=7,
            )
        elif not result.converged and not incremental:
            if self.solver == "lbfgs":
                advice = {
                    "max_iter": f"Increase max_iter (currently {self.max_iter}), or scale X.",
                    "max_fun": f"Increase max_fun (currently {self.max_fun}), or scale X.",
                }.get(result.limit, "Scale X (e.g. with StandardScaler) or increase tol.")
                message = (
                    f"lbfgs did not converge in {result.n_iter} iterations: "
                    f"{result.message}. {advice}"
                )
            else:
                message = (
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                    "and the optimization hasn't converged yet."
                )
            warnings.warn(message, ConvergenceWarning, stacklevel=7)

    def _divergence_advice(self):
        if is_classifier(self):
            scale = "scale X (e.g. with StandardScaler)"
        else:
            # A regressor's loss also grows with the scale of y: large targets make
            # large gradients whatever X looks like.
            scale = (
                "scale X (e.g. with StandardScaler) or y (e.g. with "
                "TransformedTargetRegressor(regressor, transformer=StandardScaler()))"
            )
        if self.solver == "lbfgs":
            return f"{scale[0].upper()}{scale[1:]}, or increase alpha (currently {self.alpha})."
        return f"Reduce learning_rate_init (currently {self.learning_rate_init}), or {scale}."

    def _store(self, network, loss, result, incremental):
        """Fitted attributes from the trained network and the solver's report."""
        # The live parameter arrays: warm_start and partial_fit continue from them.
        for name, value in _callbacks.parameter_attributes(network).items():
            setattr(self, name, value)
        self.n_layers_ = network.n_layers + 1
        self.n_outputs_ = network.layer_units[-1]
        self.out_activation_ = loss.link.name
        self.loss_ = result.loss
        self.n_iter_ = (getattr(self, "n_iter_", 0) if incremental else 0) + result.n_iter
        state = self._training_state
        self.t_ = 0 if state is None else state.t
        store_history(self, result, state, incremental)

    # ---- prediction -------------------------------------------------------------

    def _raw_output(self, X):
        """The network's raw output ``Z`` (before the link) for new data."""
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        X = aligned(X)
        with np.errstate(all="ignore"):
            Z = self._inference_network().forward_in_chunks(X)
        if not np.isfinite(Z).all():
            raise ValueError(
                "The network's output overflows the float range for these inputs; "
                "scale X (e.g. with StandardScaler, fitted on the training data)."
            )
        return Z

    def input_gradient(self, X, output=None):
        """Derivative of the output w.r.t. each input feature, per sample (backprop to X).

        See :func:`sklearn_backprop.inspection.input_gradient`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        output : {None, "proba"}, default=None
            None: ``decision_function`` (classifiers) or ``predict``
            (regressors); "proba": ``predict_proba`` (classifiers).

        Returns
        -------
        gradient : ndarray of shape (n_samples, n_features) or (n_samples, n_outputs, n_features)
            The middle axis is dropped when there is one output.
        """
        return inspection.input_gradient(self, X, output)

    def _inference_network(self):
        return Network.from_arrays(
            self.coefs_,
            self.intercepts_,
            self._activations(len(self.coefs_) - 1),
            self._make_loss().link,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _validation_data(X_val, y_val, sample_weight_val):
    """The validation arguments of ``fit``, checked for consistency (None if absent)."""
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError("sample_weight_val is given without X_val and y_val.")
        return None
    if X_val is None or y_val is None:
        raise ValueError("X_val and y_val must be given together (or neither).")
    return X_val, y_val, sample_weight_val
