"""Multi-layer perceptrons: the linear models plus hidden layers.

The same skeleton and heads as ``linear_model.py``; the only addition is
``hidden_layer_sizes`` with a non-linear ``activation``, which lets the network
learn its own features.
"""

from . import inspection
from ._base import BaseScratchEstimator
from ._heads import ClassifierHeadMixin, RegressorHeadMixin


class _HiddenLayersMixin:
    """What only a network with hidden layers offers: a look at them."""

    def hidden_activations(self, X, layer=None):
        """Output of the hidden layers: the features the network has learnt.

        See :func:`sklearn_backprop.inspection.hidden_activations`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        layer : int, default=None
            Which hidden layer (0 the first, -1 the last); None for all.

        Returns
        -------
        activations : ndarray of shape (n_samples, n_units) or list of ndarray
            In ``X``'s dtype.
        """
        return inspection.hidden_activations(self, X, layer)


class ScratchMLPClassifier(_HiddenLayersMixin, ClassifierHeadMixin, BaseScratchEstimator):
    """Multi-layer perceptron classifier trained by backpropagation.

    In this library's terms, an MLP classifier is
    :class:`ScratchLogisticRegression` with hidden layers in front of its
    head: dense layers ``Z = A @ W + b``, each hidden one followed by a
    non-linear ``activation``, and a last layer whose logits go through the
    logistic link (two classes, or one output per label for multilabel
    ``y``) or the softmax link (more classes), trained on the cross-entropy.
    The hidden layers let the network learn its own features; without a
    non-linear activation (``activation="identity"``), or with
    ``hidden_layer_sizes=()``, it collapses to a linear model. Parameters,
    defaults and fitted attributes are those of
    :class:`sklearn.neural_network.MLPClassifier`.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        The i-th element is the number of units of the i-th hidden layer; an
        int means one hidden layer. An empty tuple leaves no hidden layer: the
        model is then :class:`ScratchLogisticRegression`, with the same
        objective and optimum for the same settings (only the starting point
        differs).

    activation : str, Activation or list of those, default="relu"
        Activation function of the hidden layers.

        - "identity": ``f(z) = z``. The layers then compose into one linear
          map, ``X @ W_1 @ W_2 = X @ (W_1 @ W_2)``, so the network can do no
          more than logistic regression.
        - "logistic": the logistic sigmoid, ``f(z) = 1 / (1 + exp(-z))``.
        - "tanh": the hyperbolic tangent, ``f(z) = tanh(z)``.
        - "relu": the rectified linear unit, ``f(z) = max(0, z)``.
        - "leaky_relu": ``f(z) = max(z, 0.01 z)``; other slopes with
          ``LeakyReLU(negative_slope=...)``.
        - "elu": ``f(z) = z`` for ``z > 0``, ``exp(z) - 1`` otherwise; other
          limits with ``ELU(alpha=...)``.
        - "softplus": ``f(z) = log(1 + exp(z))``.
        - "gelu": ``f(z) = z * Phi(z)``, ``Phi`` the standard normal CDF
          (exact, with ``erf``).
        - "silu": ``f(z) = z * expit(z)`` (swish).

        Instead of a name: an instance of :class:`sklearn_backprop.Activation`
        (a built-in such as ``LeakyReLU(0.1)``, or your own subclass with
        ``forward(Z)`` and ``derivative(Z, A)``), or a list or tuple with one
        name or instance per hidden layer. Before training, a user-written
        activation's derivative is compared with central differences of its
        forward on a few points; a wrong derivative raises a ValueError
        naming the activation and the worst error. The Glorot bound of a
        layer uses the factor of the activation after it (2 for the
        logistic, 6 otherwise), which for one activation is scikit-learn's
        rule.

    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        The algorithm that minimises the objective.

        - "lbfgs": scipy's L-BFGS-B, a quasi-Newton method, on the full-batch
          objective. On small data sets it often converges faster and to a
          better optimum than the stochastic solvers.
        - "sgd": mini-batch stochastic gradient descent with (Nesterov)
          momentum and a learning-rate schedule.
        - "adam": mini-batch Adam (Kingma and Ba, 2014). A robust default on
          larger data sets (thousands of samples or more).

        Only "sgd" and "adam" offer ``partial_fit``.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights (not the biases), added to
        the mean loss as ``0.5 * alpha * sum_l ||W_l||^2 / sum(sample_weight)``
        (see Notes).

    penalty : {"l2", "l1", "elasticnet"}, default="l2"
        The penalty on the weights of every layer (not the biases), divided by
        ``sum(sample_weight)``: "l2" is ``0.5 * alpha * sum_l ||W_l||^2`` (the
        default, as above), "l1" is ``alpha * sum_l ||W_l||_1``, and
        "elasticnet" is ``alpha * (l1_ratio * ||W||_1 + 0.5 * (1 - l1_ratio) * ||W||^2)``.
        The L1 term is treated exactly, so that weights become exactly zero:
        "lbfgs" splits each weight into positive and negative parts bounded
        below by 0; "sgd" and "adam" soft-threshold the weights after each
        step, with the step sizes they used.

    l1_ratio : float, default=0.5
        Share of the L1 term in the elastic-net penalty, in [0, 1]. Only used
        when penalty="elasticnet".

    dropout : float or list of float, default=0.0
        Probability of dropping each hidden unit during training, in [0, 1):
        one rate for every hidden layer, or one per hidden layer. Inverted
        dropout: for each mini-batch, each unit of each sample is kept with
        probability ``1 - p`` and then scaled by ``1 / (1 - p)``; the backward
        pass uses the same mask. Never applied by ``predict``, ``score`` or
        the early-stopping validation score. The masks are drawn from the
        generator of ``random_state``, so fits are reproducible; without
        dropout nothing is drawn. Only with solver="sgd" or "adam": with
        "lbfgs" (whose objective must not be random) it raises a ValueError.

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

    learning_rate_init : float, default=0.001
        Initial step size. Only used when solver="sgd" or "adam".

    power_t : float, default=0.5
        Exponent of the "invscaling" schedule. Only used when solver="sgd"
        and learning_rate="invscaling".

    max_iter : int, default=200
        Maximum number of iterations ("lbfgs") or of epochs ("sgd", "adam":
        passes over the data, not gradient steps). Stopping at this limit
        before the ``tol`` criterion is met issues a ``ConvergenceWarning``.
        ``partial_fit`` always runs one epoch.

    shuffle : bool, default=True
        Whether to reshuffle the samples before each epoch. Only used when
        solver="sgd" or "adam".

    random_state : int, RandomState instance or None, default=None
        Drives the initialisation of the weights and biases, the
        early-stopping split, and the shuffling of the stochastic solvers.
        The initial parameters are drawn exactly as scikit-learn's MLP draws
        them, so with the same ``random_state`` both start from the same
        parameters. Pass an int for reproducible results. Successive
        ``partial_fit`` calls keep drawing from one generator.

    tol : float, default=1e-4
        Tolerance of the stopping test. "lbfgs" stops when no entry of the
        gradient exceeds ``tol`` in magnitude (scipy's ``gtol``). "sgd" and
        "adam" stop when the training loss (or the validation score, with
        ``early_stopping``) has not improved by at least ``tol`` for more than
        ``n_iter_no_change`` consecutive epochs, unless
        learning_rate="adaptive" lowers the learning rate instead.

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
        ``intercepts_`` (which may have been set by hand) instead of a fresh
        initialisation; the hidden layer sizes and the classes must not
        change. The optimizer's state (velocity, moments) starts afresh, and
        ``loss_curve_`` is extended.

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

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. A dict maps
        class labels to weights (classes left out weigh 1); "balanced" weighs
        each class by ``n_samples / (n_classes * n_samples_in_class)``; None
        weighs every class 1. ``partial_fit`` refuses "balanced", since the
        class frequencies of the whole data are unknown to it: pass a dict.
        A multilabel ``y`` accepts "balanced" only. scikit-learn's
        MLPClassifier has no such parameter.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted. For a multilabel indicator ``y``, the column
        indices ``0, ..., n_labels - 1``.

    coefs_ : list of ndarray, of length ``n_layers_ - 1``
        ``coefs_[i]`` is the weight matrix of layer ``i``, of shape
        ``(n_units[i], n_units[i + 1])`` with
        ``n_units = (n_features, *hidden_layer_sizes, n_outputs)``. These are
        the live parameters: ``warm_start`` and ``partial_fit`` continue from
        them.

    intercepts_ : list of ndarray, of length ``n_layers_ - 1``
        ``intercepts_[i]`` is the bias vector of layer ``i``, of shape
        ``(n_units[i + 1],)``.

    n_iter_ : int
        Number of iterations ("lbfgs") or epochs ("sgd", "adam") run by the
        last ``fit``; it accumulates across ``partial_fit`` calls.

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
        Number of layers, counting input and output:
        ``len(hidden_layer_sizes) + 2``.

    n_outputs_ : int
        Number of output units: 1 for two classes, ``n_classes`` for more,
        the number of labels for multilabel ``y``.

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
    sklearn.neural_network.MLPClassifier : The MLP classifier of scikit-learn, with
        the same parameters (bar ``class_weight``), objective and initialisation.
    sklearn.linear_model.LogisticRegression : What the network collapses to
        without hidden layers (``C = 1 / alpha``).
    ScratchLogisticRegression : This network with zero hidden layers.
    ScratchMLPRegressor : The same hidden layers with a regression head.

    Notes
    -----
    The network has ``L = n_layers_ - 1`` dense layers; ``f`` is the hidden
    activation, ``link`` the output link (logistic or softmax) and, for
    ``l = 1, ..., L``, ``W_l = coefs_[l - 1]`` and ``b_l = intercepts_[l - 1]``.
    The forward pass, from ``A_0 = X``::

        Z_l = A_{l-1} @ W_l + b_l,    A_l = f(Z_l) for l < L,    A_L = link(Z_L)
        link(z) = 1 / (1 + exp(-z))              logistic: two classes, multilabel
        link(z)_k = exp(z_k) / sum_j exp(z_j)    softmax: more than two classes

    Every solver minimises the same objective, with ``w_i`` the sample
    weights times the class weights (all 1 by default, so that
    ``sum_i w_i = n_samples``) and ``y_i`` one-hot or 0/1 indicators::

        J(W, b) = sum_i w_i * l(y_i, z_i) / sum_i w_i + 0.5 * alpha * sum_l ||W_l||^2 / sum_i w_i
        binary cross-entropy:       l(y, z) = sum_k [log(1 + exp(z_k)) - y_k * z_k]
        categorical cross-entropy:  l(y, z) = log(sum_k exp(z_k)) - sum_k y_k * z_k

    where ``z_i`` is row ``i`` of ``Z_L`` (the logits); the biases are not
    penalised. Each link is the canonical link of its loss, so the gradient
    w.r.t. the logits is the same for both, and backpropagation carries it
    down one layer at a time, for ``l = L, ..., 1``::

        dZ_L = (A_L - Y) * w / sum(w)
        dW_l = A_{l-1}.T @ dZ_l + alpha * W_l / sum(w),    db_l = sum_i dZ_l[i]
        dZ_{l-1} = (dZ_l @ W_l.T) * f'(Z_{l-1})

    With ``hidden_layer_sizes=()``, ``J`` is the objective of
    :class:`ScratchLogisticRegression`, and multiplying it by ``sum(w)``
    shows that ``alpha`` is ``1 / C`` of LogisticRegression. The stochastic
    solvers evaluate ``J`` on each mini-batch, with the sums over the batch
    and the penalty divided by the batch's weight, as scikit-learn's MLP
    does, so that runs stay identical to scikit-learn's; the penalty then
    weighs about ``n_samples / batch_size`` times more than in the full
    objective. (The linear models divide it by the weight of all the data,
    so that every solver reaches their one optimum.)

    The weights and biases start from a Glorot-uniform draw: layer by layer,
    ``W_l`` then ``b_l`` uniform in ``[-bound, bound]`` with
    ``bound = sqrt(factor / (fan_in + fan_out))``, ``factor = 2`` for the
    logistic activation and 6 otherwise, drawn from the generator of
    ``random_state`` exactly as scikit-learn's MLP draws them. (The linear
    models start at zero.)

    Deliberate differences from scikit-learn's MLPClassifier:

    - Divergence: when the loss or the parameters stop being finite, or
      (for "sgd" and "adam") an epoch's loss explodes, training stops and
      ``fit`` raises a ValueError that names the setting to change
      (``learning_rate_init`` for the stochastic solvers, ``alpha`` or the
      scale of ``X`` for "lbfgs"). With ``early_stopping`` it warns
      (``ConvergenceWarning``) and restores the parameters with the best
      validation score instead. scikit-learn's MLP only checks, after
      training, that the parameters are finite.
    - ``predict_log_proba`` is computed from the logits (log-sigmoid or
      log-softmax), not as ``log(predict_proba)``, and ``predict_proba`` is
      its exponential, clipped so that a probability is never exactly 0 or
      1: both stay finite when the network is very confident.
    - ``n_iter_`` accumulates across ``partial_fit`` calls (scikit-learn's
      is 1 after each call).
    - ``partial_fit`` continues the random generator of the previous call
      instead of re-seeding it from ``random_state``, so a sequence of calls
      shuffles like one run rather than repeating the same shuffle.
    - ``loss_curve_`` and ``best_loss_`` exist for "lbfgs" too, one entry
      per iteration, and "lbfgs" also stops on a relative decrease of the
      objective below 64 times the machine epsilon (as LogisticRegression
      does) rather than scipy's default, so it may run longer and end closer
      to the optimum.
    - ``class_weight`` is accepted.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn_backprop import ScratchLogisticRegression, ScratchMLPClassifier
    >>> X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = ScratchMLPClassifier(
    ...     hidden_layer_sizes=(20,), learning_rate_init=0.01, max_iter=2000, random_state=0
    ... ).fit(X_train, y_train)
    >>> [W.shape for W in clf.coefs_]
    [(2, 20), (20, 1)]
    >>> clf.predict_proba(X_test[:1]).round(2)
    array([[0.99, 0.01]])
    >>> clf.predict(X_test[:5])
    array([0, 0, 0, 0, 0])
    >>> round(clf.score(X_test, y_test), 2)
    0.98

    The moons are not linearly separable: a linear model, or the same network
    with the identity as activation, does worse.

    >>> linear = ScratchLogisticRegression().fit(X_train, y_train)
    >>> round(linear.score(X_test, y_test), 2)
    0.84
    >>> collapsed = ScratchMLPClassifier(
    ...     hidden_layer_sizes=(20,), activation="identity", learning_rate_init=0.01,
    ...     max_iter=2000, random_state=0,
    ... ).fit(X_train, y_train)
    >>> round(collapsed.score(X_test, y_test), 2)
    0.84
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        penalty="l2",
        l1_ratio=0.5,
        dropout=0.0,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
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
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.dropout = dropout
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
        self.class_weight = class_weight


class ScratchMLPRegressor(_HiddenLayersMixin, RegressorHeadMixin, BaseScratchEstimator):
    """Multi-layer perceptron regressor trained by backpropagation.

    In this library's terms, an MLP regressor is
    :class:`ScratchLinearRegression` with hidden layers in front of its head:
    dense layers ``Z = A @ W + b``, each hidden one followed by a non-linear
    ``activation``, and a last layer whose output is the prediction (identity
    link, squared error) or the log of the prediction (exp link, Poisson
    deviance). The hidden layers let the network learn its own features;
    without a non-linear activation (``activation="identity"``), or with
    ``hidden_layer_sizes=()``, it collapses to a linear model. Parameters,
    defaults and fitted attributes are those of
    :class:`sklearn.neural_network.MLPRegressor`. ``y`` may have several
    columns (multi-output regression).

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        The loss of the head, with its output link.

        - "squared_error": half the squared error, summed over the outputs,
          with the identity link.
        - "poisson": half the Poisson deviance, with the exp link (so
          predictions are positive); requires ``y >= 0``, for counts or
          rates.

    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        The i-th element is the number of units of the i-th hidden layer; an
        int means one hidden layer. An empty tuple leaves no hidden layer: with
        the squared error the model is then :class:`ScratchLinearRegression`,
        with the same objective and optimum for the same settings (only the
        starting point differs).

    activation : str, Activation or list of those, default="relu"
        Activation function of the hidden layers.

        - "identity": ``f(z) = z``. The layers then compose into one linear
          map, ``X @ W_1 @ W_2 = X @ (W_1 @ W_2)``, so the network can do no
          more than linear regression.
        - "logistic": the logistic sigmoid, ``f(z) = 1 / (1 + exp(-z))``.
        - "tanh": the hyperbolic tangent, ``f(z) = tanh(z)``.
        - "relu": the rectified linear unit, ``f(z) = max(0, z)``.
        - "leaky_relu": ``f(z) = max(z, 0.01 z)``; other slopes with
          ``LeakyReLU(negative_slope=...)``.
        - "elu": ``f(z) = z`` for ``z > 0``, ``exp(z) - 1`` otherwise; other
          limits with ``ELU(alpha=...)``.
        - "softplus": ``f(z) = log(1 + exp(z))``.
        - "gelu": ``f(z) = z * Phi(z)``, ``Phi`` the standard normal CDF
          (exact, with ``erf``).
        - "silu": ``f(z) = z * expit(z)`` (swish).

        Instead of a name: an instance of :class:`sklearn_backprop.Activation`
        (a built-in such as ``LeakyReLU(0.1)``, or your own subclass with
        ``forward(Z)`` and ``derivative(Z, A)``), or a list or tuple with one
        name or instance per hidden layer. Before training, a user-written
        activation's derivative is compared with central differences of its
        forward on a few points; a wrong derivative raises a ValueError
        naming the activation and the worst error. The Glorot bound of a
        layer uses the factor of the activation after it (2 for the
        logistic, 6 otherwise), which for one activation is scikit-learn's
        rule.

    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        The algorithm that minimises the objective.

        - "lbfgs": scipy's L-BFGS-B, a quasi-Newton method, on the full-batch
          objective. On small data sets it often converges faster and to a
          better optimum than the stochastic solvers.
        - "sgd": mini-batch stochastic gradient descent with (Nesterov)
          momentum and a learning-rate schedule.
        - "adam": mini-batch Adam (Kingma and Ba, 2014). A robust default on
          larger data sets (thousands of samples or more).

        Only "sgd" and "adam" offer ``partial_fit``.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights (not the biases), added to
        the mean loss as ``0.5 * alpha * sum_l ||W_l||^2 / sum(sample_weight)``
        (see Notes).

    penalty : {"l2", "l1", "elasticnet"}, default="l2"
        The penalty on the weights of every layer (not the biases), divided by
        ``sum(sample_weight)``: "l2" is ``0.5 * alpha * sum_l ||W_l||^2`` (the
        default, as above), "l1" is ``alpha * sum_l ||W_l||_1``, and
        "elasticnet" is ``alpha * (l1_ratio * ||W||_1 + 0.5 * (1 - l1_ratio) * ||W||^2)``.
        The L1 term is treated exactly, so that weights become exactly zero:
        "lbfgs" splits each weight into positive and negative parts bounded
        below by 0; "sgd" and "adam" soft-threshold the weights after each
        step, with the step sizes they used.

    l1_ratio : float, default=0.5
        Share of the L1 term in the elastic-net penalty, in [0, 1]. Only used
        when penalty="elasticnet".

    dropout : float or list of float, default=0.0
        Probability of dropping each hidden unit during training, in [0, 1):
        one rate for every hidden layer, or one per hidden layer. Inverted
        dropout: for each mini-batch, each unit of each sample is kept with
        probability ``1 - p`` and then scaled by ``1 / (1 - p)``; the backward
        pass uses the same mask. Never applied by ``predict``, ``score`` or
        the early-stopping validation score. The masks are drawn from the
        generator of ``random_state``, so fits are reproducible; without
        dropout nothing is drawn. Only with solver="sgd" or "adam": with
        "lbfgs" (whose objective must not be random) it raises a ValueError.

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

    learning_rate_init : float, default=0.001
        Initial step size. Only used when solver="sgd" or "adam".

    power_t : float, default=0.5
        Exponent of the "invscaling" schedule. Only used when solver="sgd"
        and learning_rate="invscaling".

    max_iter : int, default=200
        Maximum number of iterations ("lbfgs") or of epochs ("sgd", "adam":
        passes over the data, not gradient steps). Stopping at this limit
        before the ``tol`` criterion is met issues a ``ConvergenceWarning``.
        ``partial_fit`` always runs one epoch.

    shuffle : bool, default=True
        Whether to reshuffle the samples before each epoch. Only used when
        solver="sgd" or "adam".

    random_state : int, RandomState instance or None, default=None
        Drives the initialisation of the weights and biases, the
        early-stopping split, and the shuffling of the stochastic solvers.
        The initial parameters are drawn exactly as scikit-learn's MLP draws
        them, so with the same ``random_state`` both start from the same
        parameters. Pass an int for reproducible results. Successive
        ``partial_fit`` calls keep drawing from one generator.

    tol : float, default=1e-4
        Tolerance of the stopping test. "lbfgs" stops when no entry of the
        gradient exceeds ``tol`` in magnitude (scipy's ``gtol``). "sgd" and
        "adam" stop when the training loss (or the validation score, with
        ``early_stopping``) has not improved by at least ``tol`` for more than
        ``n_iter_no_change`` consecutive epochs, unless
        learning_rate="adaptive" lowers the learning rate instead.

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
        ``intercepts_`` (which may have been set by hand) instead of a fresh
        initialisation; the hidden layer sizes and the number of outputs must
        not change. The optimizer's state (velocity, moments) starts afresh,
        and ``loss_curve_`` is extended.

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
    coefs_ : list of ndarray, of length ``n_layers_ - 1``
        ``coefs_[i]`` is the weight matrix of layer ``i``, of shape
        ``(n_units[i], n_units[i + 1])`` with
        ``n_units = (n_features, *hidden_layer_sizes, n_outputs)``. These are
        the live parameters: ``warm_start`` and ``partial_fit`` continue from
        them.

    intercepts_ : list of ndarray, of length ``n_layers_ - 1``
        ``intercepts_[i]`` is the bias vector of layer ``i``, of shape
        ``(n_units[i + 1],)``.

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
        Number of layers, counting input and output:
        ``len(hidden_layer_sizes) + 2``.

    n_outputs_ : int
        Number of outputs (columns of ``y``).

    out_activation_ : str
        Name of the output link: "identity" (squared error) or "exp"
        (Poisson).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during ``fit``. Defined only when ``X``
        has feature names that are all strings.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The MLP regressor of scikit-learn, with
        the same parameters, initialisation and (for one output) objective.
    sklearn.linear_model.Ridge : What the network collapses to without hidden
        layers, with the same ``alpha``.
    sklearn.linear_model.PoissonRegressor : What it collapses to with
        ``loss="poisson"``, whose ``alpha`` is ours divided by ``n_samples``.
    ScratchLinearRegression : This network with zero hidden layers.
    ScratchMLPClassifier : The same hidden layers with a classification head.

    Notes
    -----
    The network has ``L = n_layers_ - 1`` dense layers; ``f`` is the hidden
    activation, ``link`` the output link (identity or exp) and, for
    ``l = 1, ..., L``, ``W_l = coefs_[l - 1]`` and ``b_l = intercepts_[l - 1]``.
    The forward pass, from ``A_0 = X``::

        Z_l = A_{l-1} @ W_l + b_l,    A_l = f(Z_l) for l < L,    A_L = link(Z_L)
        link(z) = z         identity: squared error
        link(z) = exp(z)    exp: Poisson deviance

    Every solver minimises the same objective, with ``w_i`` the sample
    weights (all 1 by default, so that ``sum_i w_i = n_samples``)::

        J(W, b) = sum_i w_i * l(y_i, z_i) / sum_i w_i + 0.5 * alpha * sum_l ||W_l||^2 / sum_i w_i
        squared error:  l(y, z) = 0.5 * sum_k (z_k - y_k)^2
        Poisson:        l(y, z) = sum_k [exp(z_k) - y_k * z_k + y_k * log(y_k) - y_k]

    where ``z_i`` is row ``i`` of ``Z_L``; the biases are not penalised. Each
    link is the canonical link of its loss, so the gradient w.r.t. the raw
    output is the same for both, and backpropagation carries it down one
    layer at a time, for ``l = L, ..., 1``::

        dZ_L = (A_L - Y) * w / sum(w)
        dW_l = A_{l-1}.T @ dZ_l + alpha * W_l / sum(w),    db_l = sum_i dZ_l[i]
        dZ_{l-1} = (dZ_l @ W_l.T) * f'(Z_{l-1})

    With ``hidden_layer_sizes=()`` and the squared error, ``J`` is the
    objective of :class:`ScratchLinearRegression`, and multiplying it by
    ``sum(w)`` shows that ``alpha`` is Ridge's ``alpha``. The stochastic
    solvers evaluate ``J`` on each mini-batch, with the sums over the batch
    and the penalty divided by the batch's weight, as scikit-learn's MLP
    does, so that runs stay identical to scikit-learn's; the penalty then
    weighs about ``n_samples / batch_size`` times more than in the full
    objective. (The linear models divide it by the weight of all the data,
    so that every solver reaches their one optimum.)

    The weights and biases start from a Glorot-uniform draw: layer by layer,
    ``W_l`` then ``b_l`` uniform in ``[-bound, bound]`` with
    ``bound = sqrt(factor / (fan_in + fan_out))``, ``factor = 2`` for the
    logistic activation and 6 otherwise, drawn from the generator of
    ``random_state`` exactly as scikit-learn's MLP draws them. (The linear
    models start at zero.)

    Deliberate differences from scikit-learn's MLPRegressor:

    - The squared error is summed over the outputs, not averaged, so that
      each output's problem is the one a separate fit would solve, as in
      Ridge. scikit-learn's MLPRegressor reports the mean over outputs but
      follows the gradient of the sum, so the same ``alpha`` trains the same
      model in both (predictions agree to rounding); only the reported
      ``loss_`` and ``loss_curve_`` differ: their data term is ``n_outputs``
      times scikit-learn's. With one output they are the same.
    - Divergence: when the loss or the parameters stop being finite, or
      (for "sgd" and "adam") an epoch's loss explodes, training stops and
      ``fit`` raises a ValueError that names the setting to change
      (``learning_rate_init`` for the stochastic solvers, ``alpha`` or the
      scale of ``X`` for "lbfgs"). With ``early_stopping`` it warns
      (``ConvergenceWarning``) and restores the parameters with the best
      validation score instead. scikit-learn's MLP only checks, after
      training, that the parameters are finite.
    - ``n_iter_`` accumulates across ``partial_fit`` calls (scikit-learn's
      is 1 after each call).
    - ``partial_fit`` continues the random generator of the previous call
      instead of re-seeding it from ``random_state``, so a sequence of calls
      shuffles like one run rather than repeating the same shuffle.
    - ``loss_curve_`` and ``best_loss_`` exist for "lbfgs" too, one entry
      per iteration, and "lbfgs" also stops on a relative decrease of the
      objective below 64 times the machine epsilon (as LogisticRegression
      does) rather than scipy's default, so it may run longer and end closer
      to the optimum.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn_backprop import ScratchLinearRegression, ScratchMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-3, 3, size=(200, 1))
    >>> y = np.sin(X).ravel() + 0.1 * rng.normal(size=200)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> reg = ScratchMLPRegressor(learning_rate_init=0.01, max_iter=1000, random_state=0)
    >>> reg = reg.fit(X_train, y_train)
    >>> reg.n_layers_, reg.out_activation_
    (3, 'identity')
    >>> reg.predict(X_test[:2]).round(2)
    array([0.9, 0.1])
    >>> round(reg.score(X_test, y_test), 2)
    0.97

    A straight line cannot follow the sine:

    >>> round(ScratchLinearRegression().fit(X_train, y_train).score(X_test, y_test), 2)
    0.69
    """

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        penalty="l2",
        l1_ratio=0.5,
        dropout=0.0,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
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
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.dropout = dropout
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
