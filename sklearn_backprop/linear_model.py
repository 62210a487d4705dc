"""Linear and logistic regression: networks with zero hidden layers.

Both are one dense layer, ``Z = X @ W + b``, trained by the same engine as
the MLPs. They differ only in the head: identity + squared error for linear
regression, logistic (or softmax) + cross-entropy for logistic regression.
"""

from ._base import BaseScratchEstimator, ClassifierHeadMixin, RegressorHeadMixin


class _ZeroHiddenLayers:
    """What makes a network a linear model: no hidden layer, a zero start, coef_."""

    def _hidden_layer_sizes(self):
        return ()

    def _hidden_activation(self):
        return "identity"  # never applied: there is no hidden layer

    def _initialize_parameters(self, network, rng):
        # The objective is convex: start where scikit-learn's linear models start.
        network.params[...] = 0


class ScratchLinearRegression(_ZeroHiddenLayers, RegressorHeadMixin, BaseScratchEstimator):
    """Least-squares linear regression (with optional L2 penalty) trained by gradient descent."""

    def __init__(
        self,
        *,
        alpha=0.0,
        fit_intercept=True,
        solver="lbfgs",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.01,
        power_t=0.5,
        max_iter=1000,
        shuffle=True,
        random_state=None,
        tol=1e-8,
        verbose=False,
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
        """ndarray of shape (n_features,) or (n_outputs, n_features): the weights."""
        W = self.coefs_[0].T
        return W[0] if self.n_outputs_ == 1 else W

    @property
    def intercept_(self):
        """float or ndarray of shape (n_outputs,): the bias."""
        b = self.intercepts_[0]
        return b[0] if self.n_outputs_ == 1 else b


class ScratchLogisticRegression(_ZeroHiddenLayers, ClassifierHeadMixin, BaseScratchEstimator):
    """Logistic regression (binary or multinomial, L2 penalty) trained by gradient descent."""

    def __init__(
        self,
        *,
        alpha=1.0,
        fit_intercept=True,
        class_weight=None,
        solver="lbfgs",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.01,
        power_t=0.5,
        max_iter=100,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
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
        """ndarray of shape (1, n_features) or (n_classes, n_features): the weights."""
        return self.coefs_[0].T

    @property
    def intercept_(self):
        """ndarray of shape (1,) or (n_classes,): the bias."""
        return self.intercepts_[0]
