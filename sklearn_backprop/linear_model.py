"""Linear and logistic regression: networks with zero hidden layers.

Both are one dense layer, ``Z = X @ W + b``, trained by the same engine as
the MLPs. They differ only in the head: identity + squared error for linear
regression, logistic (or softmax) + cross-entropy for logistic regression.
"""

import numpy as np
import scipy.sparse as sp

from ._base import BaseScratchEstimator
from ._heads import ClassifierHeadMixin, RegressorHeadMixin
from .engine.preconditioning import CenteredScaling

#: Adam's step for learning_rate_init="auto": SGDRegressor's eta0 (see the docstrings).
ADAM_AUTO_LEARNING_RATE = 0.01


class _ZeroHiddenLayers:
    """What makes a network a linear model: no hidden layer, a zero start, coef_."""

    # A user of Ridge or LogisticRegression expects the solver to change the
    # speed, not the answer: every mini-batch's penalty is scaled to the data.
    _penalty_over_all_data = True

    def _hidden_layer_sizes(self):
        return ()

    def _hidden_activation(self):
        return "identity"  # never applied: there is no hidden layer

    def _initialize_parameters(self, network, rng):
        # The objective is convex: start where scikit-learn's linear models start.
        network.params[...] = 0

    def _lbfgs_stopping(self):
        # LogisticRegression's rule (ftol 64 eps at the default tol, tightening
        # with tol; maxls 50), so that tol alone sets how exact the optimum is.
        return {"ftol": None, "max_line_search": 50}

    def _auto_learning_rate_init(self, X, loss, sample_weight, batch_size):
        """The step of learning_rate_init="auto", and for "sgd" its preconditioner.

        "adam" takes a constant: its steps are ~learning_rate in parameter
        units whatever the scale of X. "sgd" runs in centred, rescaled
        coordinates (``engine/preconditioning.py``: the intercept absorbs the
        features' means ``mu``, each weight's step is scaled by
        ``s_j = 1 / max_i (x_ij - mu_j)^2``), where the curvature of every
        mini-batch objective is at most::

            L = c * (max_i sum_j s_j (x_ij - mu_j)^2 + fit_intercept) + max_j s_j alpha_l2 / sum(w)

        (``i`` over the samples of positive weight, ``c`` the loss's bound on
        its second derivative in ``z``: 1 squared error, 1/4 logistic, 1/2
        softmax; every batch's penalty is divided by ``sum(w)``). The step is
        ``1 / L``, as scikit-learn's SAG takes it, in those coordinates: features
        of any size (1e-3 or 1e3) and far from zero converge alike, and on
        standardised data the steps are about those of ``1 / L`` on the raw
        features.
        With an L1 term, whose soft-thresholding needs the original
        coordinates, the step is the plain ``1 / L`` of :meth:`_plain_step`.

        Returns
        -------
        learning_rate : float
        preconditioner : CenteredScaling or None
        """
        if self.solver == "adam":
            return ADAM_AUTO_LEARNING_RATE, None
        if sample_weight is not None:
            # Samples of zero weight are in no batch's objective.
            keep = np.asarray(sample_weight) > 0
            X, weights = X[keep], np.asarray(sample_weight)[keep]
            weight_sum = float(weights.sum())
        else:
            weights, weight_sum = None, float(X.shape[0])
        penalty = self._penalty()
        if penalty.l1_strength:
            return self._plain_step(X, loss, weight_sum, penalty), None
        mean = np.zeros(X.shape[1])
        if self.fit_intercept and sp.issparse(X):
            total = X.sum(axis=0) if weights is None else X.T @ weights
            mean = np.asarray(total, dtype=np.float64).ravel() / weight_sum
        elif self.fit_intercept:
            mean = np.asarray(np.average(X, axis=0, weights=weights), dtype=np.float64).ravel()
        low = np.asarray(X.min(axis=0).toarray() if sp.issparse(X) else X.min(axis=0)).ravel()
        high = np.asarray(X.max(axis=0).toarray() if sp.issparse(X) else X.max(axis=0)).ravel()
        largest = np.maximum((high - mean) ** 2, (low - mean) ** 2)
        scale = 1.0 / np.where(largest > 0, largest, 1.0)
        # sum_j s_j (x_ij - mu_j)^2 = sum_j s_j x_ij^2 - 2 sum_j s_j mu_j x_ij + sum_j s_j mu_j^2
        if sp.issparse(X):
            squares = np.asarray(X.multiply(X) @ scale).ravel()
        else:
            squares = np.einsum("ij,ij,j->i", X, X, scale, dtype=np.float64)
        rows = squares - 2 * np.asarray(X @ (scale * mean)).ravel() + float(scale @ mean**2)
        data_curvature = loss.max_curvature * (float(rows.max()) + self.fit_intercept)
        penalty_curvature = float(scale.max()) * penalty.l2_strength / weight_sum
        learning_rate = 1.0 / (data_curvature + penalty_curvature)
        return learning_rate, CenteredScaling(mean, scale, self.fit_intercept)

    def _plain_step(self, X, loss, weight_sum, penalty):
        """``1 / L`` in the original coordinates, ``L = c (max_i ||x_i||^2 + fit_intercept)
        + alpha_l2 / sum(w)``: the soft-thresholding of an L1 term needs one step per weight."""
        if sp.issparse(X):
            row_norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
        else:
            row_norms = np.einsum("ij,ij->i", X, X, dtype=np.float64)
        data_curvature = loss.max_curvature * (float(row_norms.max()) + self.fit_intercept)
        return 1.0 / (data_curvature + penalty.l2_strength / weight_sum)


class ScratchLinearRegression(_ZeroHiddenLayers, RegressorHeadMixin, BaseScratchEstimator):
    """Least-squares linear regression (with optional L2 penalty) trained by gradient descent.

    In this library's terms, linear regression is a network with zero hidden
    layers and an identity + squared-error head: a single dense layer
    ``Z = X @ W + b`` whose raw output is the prediction. The same engine
    trains :class:`ScratchMLPRegressor`, which only adds hidden layers. With
    the default ``alpha=0`` it fits ordinary least squares, like
    :class:`sklearn.linear_model.LinearRegression`; with ``alpha > 0`` it fits
    :class:`sklearn.linear_model.Ridge` with the same ``alpha``.

    Parameters
    ----------
    alpha : float, default=0.0
        Strength of the L2 penalty on the weights ``W`` (the intercept is not
        penalised). It is added to the mean loss as
        ``0.5 * alpha * ||W||^2 / sum(sample_weight)``, which makes it exactly
        the ``alpha`` of :class:`~sklearn.linear_model.Ridge` (see Notes). The
        default 0 is no penalty: ``ScratchLinearRegression()`` reproduces
        ``LinearRegression()``. Every solver minimises this same objective
        (see Notes).

    penalty : {"l2", "l1", "elasticnet"}, default="l2"
        The penalty on ``W``, always divided by ``sum(sample_weight)``:

        - "l2": ``0.5 * alpha * ||W||^2`` (the default, as above).
        - "l1": ``alpha * ||W||_1``, the lasso's: a strong ``alpha`` gives
          exact zeros in ``coef_``.
        - "elasticnet": ``alpha * (l1_ratio * ||W||_1 + 0.5 * (1 - l1_ratio) * ||W||^2)``.

        The L1 term is treated exactly by every solver: "lbfgs" splits each
        weight into positive and negative parts bounded below by 0 (the
        penalty becomes linear); "sgd" and "adam" soft-threshold the weights
        after each step, with the step sizes they used. With ``n``
        samples (no weights) the minimiser is that of
        ``Lasso(alpha=alpha / n)`` or
        ``ElasticNet(alpha=alpha / n, l1_ratio=l1_ratio)``.

    l1_ratio : float, default=0.5
        Share of the L1 term in the elastic-net penalty, in [0, 1] (the name
        and meaning of scikit-learn's). Only used when penalty="elasticnet".

    fit_intercept : bool, default=True
        Whether to fit the bias ``b``. If False, the fitted hyperplane goes
        through the origin and ``intercept_`` is 0.

    solver : {"lbfgs", "sgd", "adam"}, default="lbfgs"
        The algorithm that minimises the objective.

        - "lbfgs": scipy's L-BFGS-B, a quasi-Newton method, on the full-batch
          objective. It is the default because the objective is convex and
          smooth: L-BFGS reaches the exact least-squares optimum in a few
          iterations. When ``n_samples > n_features`` and
          ``n_features < 1024``, the objective is evaluated from ``X.T @ X``
          and ``X.T @ y``, computed once, so that an iteration costs
          ``O(n_features^2)`` instead of a pass over ``X``.
        - "sgd": mini-batch stochastic gradient descent with (Nesterov)
          momentum and a learning-rate schedule.
        - "adam": mini-batch Adam (Kingma and Ba, 2014).

        Only "sgd" and "adam" offer ``partial_fit``.

    batch_size : int or "auto", default="auto"
        Size of the mini-batches. "auto" means ``min(200, n_samples)``; a size
        above ``n_samples`` is clipped to it, with a warning. Only used when
        solver="sgd" or "adam".

    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Learning-rate schedule.

        - "constant": ``learning_rate_init`` throughout.
        - "invscaling": ``learning_rate_init / (t + 1) ** power_t``, where
          ``t`` is the number of samples seen so far (``t_``), updated after
          each epoch.
        - "adaptive": ``learning_rate_init`` as long as training improves;
          each time the training loss (or the validation score, with
          ``early_stopping``) fails to improve by ``tol`` for more than
          ``n_iter_no_change`` consecutive epochs, the learning rate is
          divided by 5. Training stops when this happens to a learning rate
          already at or below 1e-6.

        Only used when solver="sgd".

    learning_rate_init : float or "auto", default="auto"
        Initial step size. Only used when solver="sgd" or "adam". "auto"
        computes it from the data:

        - "sgd": ``1 / L``, with ``L`` a bound on the curvature of every
          mini-batch's objective as scikit-learn's SAG computes it, taken in
          centred and rescaled coordinates: the intercept absorbs the
          features' means and each weight's step is scaled by
          ``1 / max_i (x_ij - mean_j)^2`` (``engine/preconditioning.py``), so
          ``L = c * (max_i sum_j (x_ij - mean_j)^2 / max_i (x_ij - mean_j)^2
          + fit_intercept) + ...`` (``c`` = 1 for squared error, 1/4 for the
          logistic, 1/2 for the softmax). The defaults neither diverge nor
          crawl on unscaled data (features around 1e3, far from zero): every
          feature and the intercept converge at the same pace. With an L1
          term the plain ``1 / L``, ``L = c * (max_i ||x_i||^2 +
          fit_intercept) + alpha_l2 / sum(w)``, is used, since soft-
          thresholding needs the original coordinates.
        - "adam": 0.01, the ``eta0`` of
          :class:`~sklearn.linear_model.SGDRegressor` and the value before
          "auto" existed. Adam's steps are about ``learning_rate_init`` in
          parameter units whatever the scale of ``X``, so no bound derived
          from the data applies.

        The MLPs keep scikit-learn's fixed 0.001.

    power_t : float, default=0.5
        Exponent of the "invscaling" schedule. Only used when solver="sgd"
        and learning_rate="invscaling".

    max_iter : int, default=1000
        Maximum number of iterations ("lbfgs") or of epochs ("sgd", "adam":
        passes over the data, not gradient steps). Stopping at this limit
        before the ``tol`` criterion is met issues a ``ConvergenceWarning``.
        ``partial_fit`` always runs one epoch.

    shuffle : bool, default=True
        Whether to reshuffle the samples before each epoch. Only used when
        solver="sgd" or "adam".

    random_state : int, RandomState instance or None, default=None
        Drives the shuffling of the stochastic solvers and the early-stopping
        split. The parameters start at zero, so "lbfgs" uses no randomness.
        Pass an int for reproducible results. Successive ``partial_fit`` calls
        keep drawing from one generator.

    tol : float, default=1e-10
        Tolerance of the stopping test. "lbfgs" stops when no entry of the
        gradient exceeds ``tol`` in magnitude (scipy's ``gtol``). The default
        is much tighter than the MLPs' 1e-4 because the least-squares objective
        is cheap (evaluated from ``X.T @ X``) and exact (a quadratic, evaluated
        in extended precision, finished by conjugate-gradient steps): a tight
        gradient tolerance costs only a few more iterations and reproduces the
        coefficients of ``LinearRegression`` and ``Ridge`` closely. Where the
        data's scale puts 1e-10 below float64's resolution of the gradient, the
        fit stops at that resolution without a warning. "sgd" and "adam" stop when the training loss
        (or the validation score, with ``early_stopping``) has not improved by
        at least ``tol`` for more than ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Whether to print one line per epoch or iteration: the loss (and, for
        "lbfgs", the gradient norm), plus the validation loss and score when
        there are validation data.

    scoring : str, callable or None, default=None
        What ``val_score`` in ``history_`` (and early stopping) measures on
        validation data, as in HistGradientBoosting: None for the estimator's
        ``score`` (accuracy or R², as scikit-learn's MLP), "loss" for minus
        the validation loss (so that higher is better; stopping on the loss),
        or any scorer name or callable of :mod:`sklearn.metrics`
        (``"roc_auc"``, ``"neg_log_loss"``, ``make_scorer(...)``).

    warm_start : bool, default=False
        When True, ``fit`` starts from the current ``coefs_`` and
        ``intercepts_`` (which may have been set by hand) instead of from
        zero; the number of targets must not change. The optimizer's state
        (velocity, moments) starts afresh, and ``loss_curve_`` is extended.

    momentum : float, default=0.9
        Momentum of the gradient-descent update, in [0, 1]; 0 gives plain
        mini-batch gradient descent. Only used when solver="sgd".

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum. Only used when solver="sgd" and
        momentum > 0.

    early_stopping : bool, default=False
        Whether to set aside ``validation_fraction`` of the training data and
        stop when the R^2 score on it has not improved by at least ``tol`` for
        more than ``n_iter_no_change`` consecutive epochs. The parameters with
        the best validation score are restored at the end. Only used when
        solver="sgd" or "adam"; ``partial_fit`` raises a ValueError with it.

    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping, in (0, 1);
        it must hold at least 2 samples. Only used when early_stopping=True.

    beta_1 : float, default=0.9
        Decay rate of Adam's estimate of the first moment (mean) of the
        gradient, in [0, 1). Only used when solver="adam".

    beta_2 : float, default=0.999
        Decay rate of Adam's estimate of the second moment of the gradient,
        in [0, 1). Only used when solver="adam".

    epsilon : float, default=1e-8
        Added to the square root of Adam's second moment, for numerical
        stability. Only used when solver="adam".

    n_iter_no_change : int, default=10
        Number of consecutive epochs without an improvement of at least
        ``tol`` that are tolerated before training stops (or, with
        learning_rate="adaptive", before the learning rate is lowered).
        ``np.inf`` disables the test. Only used when solver="sgd" or "adam".

    max_fun : int, default=15000
        Maximum number of evaluations of the objective; each iteration takes
        at least one. Only used when solver="lbfgs".

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Weights, shaped like ``LinearRegression.coef_``: 1-D when ``y`` is 1-D.
        A view of ``coefs_[0].T``.

    intercept_ : float or ndarray of shape (n_targets,)
        Bias, a scalar when ``y`` is 1-D; 0 when ``fit_intercept=False``.

    coefs_ : list of one ndarray of shape (n_features, n_outputs)
        The weight matrix ``W`` of the network's only layer. These are the
        live parameters: ``warm_start`` and ``partial_fit`` continue from them.

    intercepts_ : list of one ndarray of shape (n_outputs,)
        The bias ``b`` of that layer (zeros when ``fit_intercept=False``).

    n_iter_ : int
        Number of iterations ("lbfgs") or epochs ("sgd", "adam") run by the
        last ``fit``; it accumulates across ``partial_fit`` calls.

    t_ : int
        Number of training samples seen by the stochastic solver (epochs times
        training samples); it drives the "invscaling" schedule, accumulates
        across ``partial_fit`` calls and restarts at each ``fit``. 0 for
        "lbfgs".

    loss_ : float
        Objective ``J`` (mean loss plus penalty, see Notes) at the end of
        training: at the returned parameters for "lbfgs"; for "sgd" and
        "adam", the weighted mean of the last epoch's mini-batch objectives,
        each evaluated before its update.

    loss_curve_ : list of float
        ``J`` after each iteration ("lbfgs") or each epoch ("sgd", "adam");
        present for every solver. ``warm_start`` and ``partial_fit`` extend it.

    history_ : list of dict
        One row per epoch ("sgd", "adam") or iteration ("lbfgs"), so that
        ``pandas.DataFrame(history_)`` is a table, with the keys ``epoch``
        (1-based, continuing over ``warm_start`` and ``partial_fit``),
        ``loss`` (as ``loss_curve_``), ``penalty`` (its penalty part),
        ``learning_rate`` (the step used; None for "lbfgs"), ``grad_norm``
        (of the full gradient for "lbfgs"; the root mean square of the
        mini-batch gradients' norms otherwise), ``n_steps`` (updates so far),
        ``seconds``, and ``val_loss`` / ``val_score`` on validation data
        (``X_val`` or the early-stopping split; None without).

    best_epoch_ : int or None
        The epoch whose parameters the model holds when early stopping
        restored the best; otherwise the epoch of the lowest loss.

    best_loss_ : float or None
        Lowest training loss reached (an entry of ``loss_curve_``); None with
        ``early_stopping`` (see ``best_validation_score_``).

    validation_scores_ : list of float or None
        R^2 score on the held-out set after each epoch, with
        ``early_stopping``; None otherwise.

    best_validation_score_ : float or None
        Best R^2 score on the held-out set during the last ``fit``, whose
        parameters were restored; None without ``early_stopping``.

    n_layers_ : int
        Number of layers, counting input and output: always 2.

    n_outputs_ : int
        Number of targets.

    out_activation_ : str
        Name of the output link: "identity".

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during ``fit``. Defined only when ``X``
        has feature names that are all strings.

    See Also
    --------
    sklearn.linear_model.LinearRegression : Ordinary least squares; what the
        default ``alpha=0`` reproduces.
    sklearn.linear_model.Ridge : Least squares with an L2 penalty, with the
        same ``alpha``.
    sklearn.linear_model.SGDRegressor : Linear models fitted by stochastic
        gradient descent.
    ScratchLogisticRegression : The same network with a logistic or softmax
        head, for classification.
    ScratchMLPRegressor : The same head after hidden layers.

    Notes
    -----
    The model is one dense layer whose output link is the identity::

        Z = X @ W + b,    A = Z    (the prediction)

    Every solver minimises the same objective, with ``w_i`` the sample
    weights (all 1 by default, so that ``sum_i w_i = n_samples``)::

        J(W, b) = sum_i w_i * l(y_i, z_i) / sum_i w_i + 0.5 * alpha * ||W||^2 / sum_i w_i
        l(y, z) = 0.5 * sum_k (z_k - y_k)^2     (half squared error, summed over targets)

    The bias is not penalised. The identity is the canonical link of the
    squared error, so the gradient w.r.t. the raw output is the weighted
    residual, and one matrix product turns it into the weights' gradient::

        dJ/dZ = (A - Y) * w / sum(w)
        dJ/dW = X.T @ dJ/dZ + alpha * W / sum(w),    dJ/db = sum_i dJ/dZ[i]

    Multiplying ``J`` by ``sum(w)`` gives
    ``0.5 * (sum_i w_i * ||y_i - x_i @ W - b||^2 + alpha * ||W||^2)``, half of
    Ridge's objective: the minimiser is Ridge's with the same ``alpha``, and
    ``alpha=0`` gives ordinary least squares. Summing the squared error over
    the targets (scikit-learn's MLPRegressor averages it) keeps each target's
    problem the same as a separate fit, as in Ridge.

    The parameters start at zero, as in scikit-learn's linear models (the
    MLPs start from a Glorot-uniform draw).

    "sgd" and "adam" evaluate ``J`` on each mini-batch: the mean loss over
    the batch plus the penalty divided by the weight of *all* the training
    data, ``0.5 * alpha * ||W||^2 / sum(sample_weight)``. Each batch
    objective is then an unbiased estimate of ``J``, and with a decaying or
    small step the stochastic solvers approach the same optimum as "lbfgs"
    and Ridge: ``batch_size`` changes the path, not the answer. (The MLPs
    divide by the batch's own weight, as scikit-learn's MLP does.)

    If the loss becomes non-finite or explodes during training, ``fit``
    raises a ValueError that names the setting to change
    (``learning_rate_init`` for the stochastic solvers, ``alpha`` or the
    scale of ``X`` for "lbfgs"). With ``early_stopping`` it warns instead and
    keeps the parameters with the best validation score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_backprop import ScratchLinearRegression
    >>> X, y = make_regression(n_samples=100, n_features=5, noise=1.0, random_state=0)
    >>> reg = ScratchLinearRegression(alpha=1.0).fit(X, y)
    >>> reg.coef_.shape
    (5,)
    >>> reg.predict(X[:2]).round(1)
    array([194.5,  37.3])
    >>> round(reg.score(X, y), 4)
    0.9999
    >>> np.allclose(reg.coef_, Ridge(alpha=1.0).fit(X, y).coef_)
    True
    """

    # Like LinearRegression, a target of shape (n_samples, 1) stays 2-D.
    _ravel_column_target = False

    def __init__(
        self,
        *,
        alpha=0.0,
        penalty="l2",
        l1_ratio=0.5,
        fit_intercept=True,
        solver="lbfgs",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init="auto",
        power_t=0.5,
        max_iter=1000,
        shuffle=True,
        random_state=None,
        tol=1e-10,
        verbose=False,
        scoring=None,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.scoring = scoring
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    @property
    def coef_(self):
        """Weights, of shape (n_features,) or (n_targets, n_features), as in LinearRegression.

        A view of ``coefs_[0].T``, made 1-D when there is a single target.
        """
        W = self.coefs_[0].T
        return W[0] if self._target_ndim == 1 else W

    @property
    def intercept_(self):
        """Bias: a float, or an ndarray of shape (n_targets,) for several targets.

        Taken from ``intercepts_[0]``; 0 when ``fit_intercept=False``.
        """
        b = self.intercepts_[0]
        return b[0] if self._target_ndim == 1 else b


class ScratchLogisticRegression(_ZeroHiddenLayers, ClassifierHeadMixin, BaseScratchEstimator):
    """Logistic regression (binary or multinomial, L2 penalty) trained by gradient descent.

    In this library's terms, logistic regression is a network with zero hidden
    layers and a cross-entropy head: a single dense layer ``Z = X @ W + b``
    whose raw outputs are logits. Two classes use one output and the logistic
    link with binary cross-entropy; more classes use one output per class and
    the softmax link with categorical cross-entropy; a multilabel indicator
    ``y`` uses one logistic output per label. The same engine trains
    :class:`ScratchMLPClassifier`, which only adds hidden layers. With the
    default ``alpha=1.0`` it reproduces
    :class:`sklearn.linear_model.LogisticRegression` with its default
    ``C=1.0``: ``alpha`` is ``1 / C``.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength of the L2 penalty on the weights ``W`` (the intercept is not
        penalised). It is added to the mean loss as
        ``0.5 * alpha * ||W||^2 / sum(sample_weight)``, which makes it exactly
        ``1 / C`` of :class:`~sklearn.linear_model.LogisticRegression` (see
        Notes): the default reproduces ``LogisticRegression()``, and every
        solver minimises this same objective. With ``alpha=0`` the penalty is off, and
        on separable data the optimum is then at infinity.

    penalty : {"l2", "l1", "elasticnet"}, default="l2"
        The penalty on ``W``, always divided by ``sum(sample_weight)``:

        - "l2": ``0.5 * alpha * ||W||^2`` (the default, as above).
        - "l1": ``alpha * ||W||_1``, the lasso's: a strong ``alpha`` gives
          exact zeros in ``coef_``.
        - "elasticnet": ``alpha * (l1_ratio * ||W||_1 + 0.5 * (1 - l1_ratio) * ||W||^2)``.

        The L1 term is treated exactly by every solver: "lbfgs" splits each
        weight into positive and negative parts bounded below by 0 (the
        penalty becomes linear); "sgd" and "adam" soft-threshold the weights
        after each step, with the step sizes they used. The minimiser is that of
        ``LogisticRegression(C=1 / alpha, l1_ratio=l1_ratio)`` (with
        ``l1_ratio=1`` for "l1").

    l1_ratio : float, default=0.5
        Share of the L1 term in the elastic-net penalty, in [0, 1] (the name
        and meaning of scikit-learn's). Only used when penalty="elasticnet".

    fit_intercept : bool, default=True
        Whether to fit the bias ``b``. If False, ``intercept_`` is 0.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. A dict maps
        class labels to weights (classes left out weigh 1); "balanced" weighs
        each class by ``n_samples / (n_classes * n_samples_in_class)``; None
        weighs every class 1. ``partial_fit`` refuses "balanced", since the
        class frequencies of the whole data are unknown to it: pass a dict.
        A multilabel ``y`` accepts "balanced" only.

    solver : {"lbfgs", "sgd", "adam"}, default="lbfgs"
        The algorithm that minimises the objective.

        - "lbfgs": scipy's L-BFGS-B, a quasi-Newton method, on the full-batch
          objective, stopped as scikit-learn's LogisticRegression stops it. It
          is the default because the objective is convex and smooth, so
          L-BFGS reaches its optimum in few iterations.
        - "sgd": mini-batch stochastic gradient descent with (Nesterov)
          momentum and a learning-rate schedule.
        - "adam": mini-batch Adam (Kingma and Ba, 2014).

        Only "sgd" and "adam" offer ``partial_fit``.

    batch_size : int or "auto", default="auto"
        Size of the mini-batches. "auto" means ``min(200, n_samples)``; a size
        above ``n_samples`` is clipped to it, with a warning. Only used when
        solver="sgd" or "adam".

    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Learning-rate schedule.

        - "constant": ``learning_rate_init`` throughout.
        - "invscaling": ``learning_rate_init / (t + 1) ** power_t``, where
          ``t`` is the number of samples seen so far (``t_``), updated after
          each epoch.
        - "adaptive": ``learning_rate_init`` as long as training improves;
          each time the training loss (or the validation score, with
          ``early_stopping``) fails to improve by ``tol`` for more than
          ``n_iter_no_change`` consecutive epochs, the learning rate is
          divided by 5. Training stops when this happens to a learning rate
          already at or below 1e-6.

        Only used when solver="sgd".

    learning_rate_init : float or "auto", default="auto"
        Initial step size. Only used when solver="sgd" or "adam". "auto"
        computes it from the data:

        - "sgd": ``1 / L``, with ``L`` a bound on the curvature of every
          mini-batch's objective as scikit-learn's SAG computes it, taken in
          centred and rescaled coordinates: the intercept absorbs the
          features' means and each weight's step is scaled by
          ``1 / max_i (x_ij - mean_j)^2`` (``engine/preconditioning.py``), so
          ``L = c * (max_i sum_j (x_ij - mean_j)^2 / max_i (x_ij - mean_j)^2
          + fit_intercept) + ...`` (``c`` = 1 for squared error, 1/4 for the
          logistic, 1/2 for the softmax). The defaults neither diverge nor
          crawl on unscaled data (features around 1e3, far from zero): every
          feature and the intercept converge at the same pace. With an L1
          term the plain ``1 / L``, ``L = c * (max_i ||x_i||^2 +
          fit_intercept) + alpha_l2 / sum(w)``, is used, since soft-
          thresholding needs the original coordinates.
        - "adam": 0.01, the ``eta0`` of
          :class:`~sklearn.linear_model.SGDClassifier` and the value before
          "auto" existed. Adam's steps are about ``learning_rate_init`` in
          parameter units whatever the scale of ``X``, so no bound derived
          from the data applies.

        The MLPs keep scikit-learn's fixed 0.001.

    power_t : float, default=0.5
        Exponent of the "invscaling" schedule. Only used when solver="sgd"
        and learning_rate="invscaling".

    max_iter : int, default=100
        Maximum number of iterations ("lbfgs"; 100 is ``LogisticRegression``'s
        default too) or of epochs ("sgd", "adam": passes over the data, not
        gradient steps). Stopping at this limit before the
        ``tol`` criterion is met issues a ``ConvergenceWarning``.
        ``partial_fit`` always runs one epoch.

    shuffle : bool, default=True
        Whether to reshuffle the samples before each epoch. Only used when
        solver="sgd" or "adam".

    random_state : int, RandomState instance or None, default=None
        Drives the shuffling of the stochastic solvers and the early-stopping
        split. The parameters start at zero, so "lbfgs" uses no randomness.
        Pass an int for reproducible results. Successive ``partial_fit`` calls
        keep drawing from one generator.

    tol : float, default=1e-4
        Tolerance of the stopping test. "lbfgs" stops when no entry of the
        gradient exceeds ``tol`` in magnitude (scipy's ``gtol``), or when the
        objective's relative decrease falls to 64 times the machine epsilon:
        both as in ``LogisticRegression``, whose ``tol`` has the same default.
        "sgd" and "adam" stop when the training loss (or the validation
        score, with ``early_stopping``) has not improved by at least ``tol``
        for more than ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Whether to print one line per epoch or iteration: the loss (and, for
        "lbfgs", the gradient norm), plus the validation loss and score when
        there are validation data.

    scoring : str, callable or None, default=None
        What ``val_score`` in ``history_`` (and early stopping) measures on
        validation data, as in HistGradientBoosting: None for the estimator's
        ``score`` (accuracy or R², as scikit-learn's MLP), "loss" for minus
        the validation loss (so that higher is better; stopping on the loss),
        or any scorer name or callable of :mod:`sklearn.metrics`
        (``"roc_auc"``, ``"neg_log_loss"``, ``make_scorer(...)``).

    warm_start : bool, default=False
        When True, ``fit`` starts from the current ``coefs_`` and
        ``intercepts_`` (which may have been set by hand) instead of from
        zero; ``y`` must have the same classes. The optimizer's state
        (velocity, moments) starts afresh, and ``loss_curve_`` is extended.

    momentum : float, default=0.9
        Momentum of the gradient-descent update, in [0, 1]; 0 gives plain
        mini-batch gradient descent. Only used when solver="sgd".

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum. Only used when solver="sgd" and
        momentum > 0.

    early_stopping : bool, default=False
        Whether to set aside ``validation_fraction`` of the training data
        (stratified, except for multilabel ``y``) and stop when the accuracy
        on it has not improved by at least ``tol`` for more than
        ``n_iter_no_change`` consecutive epochs. The parameters with the best
        validation score are restored at the end. Only used when
        solver="sgd" or "adam"; ``partial_fit`` raises a ValueError with it.

    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping, in (0, 1);
        it must hold at least 2 samples. Only used when early_stopping=True.

    beta_1 : float, default=0.9
        Decay rate of Adam's estimate of the first moment (mean) of the
        gradient, in [0, 1). Only used when solver="adam".

    beta_2 : float, default=0.999
        Decay rate of Adam's estimate of the second moment of the gradient,
        in [0, 1). Only used when solver="adam".

    epsilon : float, default=1e-8
        Added to the square root of Adam's second moment, for numerical
        stability. Only used when solver="adam".

    n_iter_no_change : int, default=10
        Number of consecutive epochs without an improvement of at least
        ``tol`` that are tolerated before training stops (or, with
        learning_rate="adaptive", before the learning rate is lowered).
        ``np.inf`` disables the test. Only used when solver="sgd" or "adam".

    max_fun : int, default=15000
        Maximum number of evaluations of the objective; each iteration takes
        at least one. Only used when solver="lbfgs".

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted. For a multilabel indicator ``y``, the column
        indices ``0, ..., n_labels - 1``.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights, shaped like ``LogisticRegression.coef_``: one row, for
        ``classes_[1]``, when there are two classes; one row per class (or
        per label) otherwise. A view of ``coefs_[0].T``.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Bias, one per row of ``coef_``; zeros when ``fit_intercept=False``.

    coefs_ : list of one ndarray of shape (n_features, n_outputs)
        The weight matrix ``W`` of the network's only layer. These are the
        live parameters: ``warm_start`` and ``partial_fit`` continue from them.

    intercepts_ : list of one ndarray of shape (n_outputs,)
        The bias ``b`` of that layer (zeros when ``fit_intercept=False``).

    n_iter_ : ndarray of shape (1,)
        Number of iterations ("lbfgs") or epochs ("sgd", "adam") run by the
        last ``fit``, shaped like ``LogisticRegression.n_iter_`` (one entry:
        every class is fitted at once); it accumulates across ``partial_fit``
        calls.

    t_ : int
        Number of training samples seen by the stochastic solver (epochs times
        training samples); it drives the "invscaling" schedule, accumulates
        across ``partial_fit`` calls and restarts at each ``fit``. 0 for
        "lbfgs".

    loss_ : float
        Objective ``J`` (mean cross-entropy plus penalty, see Notes) at the
        end of training: at the returned parameters for "lbfgs"; for "sgd" and
        "adam", the weighted mean of the last epoch's mini-batch objectives,
        each evaluated before its update.

    loss_curve_ : list of float
        ``J`` after each iteration ("lbfgs") or each epoch ("sgd", "adam");
        present for every solver. ``warm_start`` and ``partial_fit`` extend it.

    history_ : list of dict
        One row per epoch ("sgd", "adam") or iteration ("lbfgs"), so that
        ``pandas.DataFrame(history_)`` is a table, with the keys ``epoch``
        (1-based, continuing over ``warm_start`` and ``partial_fit``),
        ``loss`` (as ``loss_curve_``), ``penalty`` (its penalty part),
        ``learning_rate`` (the step used; None for "lbfgs"), ``grad_norm``
        (of the full gradient for "lbfgs"; the root mean square of the
        mini-batch gradients' norms otherwise), ``n_steps`` (updates so far),
        ``seconds``, and ``val_loss`` / ``val_score`` on validation data
        (``X_val`` or the early-stopping split; None without).

    best_epoch_ : int or None
        The epoch whose parameters the model holds when early stopping
        restored the best; otherwise the epoch of the lowest loss.

    best_loss_ : float or None
        Lowest training loss reached (an entry of ``loss_curve_``); None with
        ``early_stopping`` (see ``best_validation_score_``).

    validation_scores_ : list of float or None
        Accuracy on the held-out set after each epoch, with
        ``early_stopping``; None otherwise.

    best_validation_score_ : float or None
        Best accuracy on the held-out set during the last ``fit``, whose
        parameters were restored; None without ``early_stopping``.

    n_layers_ : int
        Number of layers, counting input and output: always 2.

    n_outputs_ : int
        Number of outputs: 1 for two classes, ``n_classes`` for more, the
        number of labels for multilabel ``y``.

    out_activation_ : str
        Name of the output link: "logistic" (two classes, multilabel) or
        "softmax" (more than two classes).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during ``fit``. Defined only when ``X``
        has feature names that are all strings.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model and objective,
        with ``C = 1 / alpha``.
    sklearn.linear_model.SGDClassifier : Linear models fitted by stochastic
        gradient descent.
    ScratchLinearRegression : The same network with an identity head, for
        regression.
    ScratchMLPClassifier : The same heads after hidden layers.

    Notes
    -----
    The model is one dense layer followed by the link of its head::

        Z = X @ W + b
        two classes, multilabel:  A = 1 / (1 + exp(-Z))         (logistic)
        more classes:             A = exp(Z) / sum_k exp(Z_k)    (softmax, per row)

    Every solver minimises the same objective, with ``w_i`` the sample
    weights times the class weights (all 1 by default, so that
    ``sum_i w_i = n_samples``) and ``y_i`` one-hot or 0/1 indicators::

        J(W, b) = sum_i w_i * l(y_i, z_i) / sum_i w_i + 0.5 * alpha * ||W||^2 / sum_i w_i
        binary cross-entropy:       l(y, z) = sum_k [log(1 + exp(z_k)) - y_k * z_k]
        categorical cross-entropy:  l(y, z) = log(sum_k exp(z_k)) - sum_k y_k * z_k

    The bias is not penalised. Both losses are computed from the logits
    ``z``, so they never overflow nor take ``log(0)``. Each link is the
    canonical link of its loss, so the gradient w.r.t. the raw output is the
    same for both, and one matrix product turns it into the weights'
    gradient::

        dJ/dZ = (A - Y) * w / sum(w)
        dJ/dW = X.T @ dJ/dZ + alpha * W / sum(w),    dJ/db = sum_i dJ/dZ[i]

    Multiplying ``J`` by ``sum(w)`` gives
    ``sum_i w_i * l(y_i, z_i) + 0.5 * alpha * ||W||^2``, which is
    LogisticRegression's objective ``C * sum_i w_i * l(y_i, z_i) +
    0.5 * ||W||^2`` divided by ``C``, with ``alpha = 1 / C``: the two have the
    same minimiser. As in LogisticRegression, more than two classes get one
    row of weights per class (multinomial), not one-vs-rest.

    The parameters start at zero, as in scikit-learn's linear models (the
    MLPs start from a Glorot-uniform draw).

    "sgd" and "adam" evaluate ``J`` on each mini-batch: the mean loss over
    the batch plus the penalty divided by the weight of *all* the training
    data, ``0.5 * alpha * ||W||^2 / sum(sample_weight)``. Each batch
    objective is then an unbiased estimate of ``J``, and with a decaying or
    small step the stochastic solvers approach the same optimum as "lbfgs"
    and LogisticRegression with ``C = 1 / alpha``: ``batch_size`` changes the
    path, not the answer. (The MLPs divide by the batch's own weight, as
    scikit-learn's MLP does.)

    ``predict_log_proba`` is computed from the logits (log-sigmoid or
    log-softmax), and ``predict_proba`` is its exponential, clipped so that a
    probability is never exactly 0 or 1: both stay finite and consistent when
    the model is very confident. ``decision_function`` returns the logits,
    of shape (n_samples,) for two classes (the logit of ``classes_[1]``).

    If the loss becomes non-finite or explodes during training, ``fit``
    raises a ValueError that names the setting to change
    (``learning_rate_init`` for the stochastic solvers, ``alpha`` or the
    scale of ``X`` for "lbfgs"). With ``early_stopping`` it warns instead and
    keeps the parameters with the best validation score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris, make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_backprop import ScratchLogisticRegression
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> clf = ScratchLogisticRegression().fit(X, y)
    >>> clf.coef_.shape, clf.intercept_.shape
    ((1, 20), (1,))
    >>> clf.predict(X[:5])
    array([0, 0, 1, 1, 1])
    >>> clf.predict_proba(X[:1]).round(3)
    array([[0.672, 0.328]])
    >>> round(clf.score(X, y), 2)
    0.94
    >>> np.allclose(clf.coef_, LogisticRegression(C=1.0).fit(X, y).coef_)
    True

    With three classes, one row of weights per class:

    >>> X, y = load_iris(return_X_y=True)
    >>> ScratchLogisticRegression(max_iter=1000).fit(X, y).coef_.shape
    (3, 4)
    """

    def __init__(
        self,
        *,
        alpha=1.0,
        penalty="l2",
        l1_ratio=0.5,
        fit_intercept=True,
        class_weight=None,
        solver="lbfgs",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init="auto",
        power_t=0.5,
        max_iter=100,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        scoring=None,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.scoring = scoring
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    def _store(self, network, loss, result, incremental):
        super()._store(network, loss, result, incremental)
        # LogisticRegression reports one count per fitted problem: one here.
        self.n_iter_ = np.asarray(self.n_iter_, dtype=np.int32).reshape(1)

    @property
    def coef_(self):
        """Weights, of shape (1, n_features) or (n_classes, n_features), as in LogisticRegression.

        One row, for ``classes_[1]``, when there are two classes; one row per
        class (or per label, for multilabel ``y``) otherwise. A view of
        ``coefs_[0].T``.
        """
        return self.coefs_[0].T

    @property
    def intercept_(self):
        """Bias, of shape (1,) or (n_classes,): one per row of ``coef_``.

        ``intercepts_[0]`` itself; zeros when ``fit_intercept=False``.
        """
        return self.intercepts_[0]
