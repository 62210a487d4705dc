"""The gradient-descent engine: numpy and scipy only, no scikit-learn.

Building blocks, from the bottom up:

- ``activations``: the ``Activation`` base; identity, logistic, tanh, relu, leaky relu,
  elu, softplus, gelu, silu (+ softmax, exp as output links)
- ``losses``: squared error, binary / categorical cross-entropy, Poisson deviance,
  each with its link
- ``penalties``: L2, L1 and elastic-net: value, gradient, proximal step
- ``network``: ``Dense`` layers stacked into a ``Network``; forward and backward passes
- ``objective``: ``value_and_gradient``, the one objective every solver minimises
- ``optimizers``: ``SGD`` (momentum, Nesterov, schedules) and ``Adam``
- ``training``: the mini-batch loop, reporting a ``TrainingResult``
- ``lbfgs``: scipy's L-BFGS-B on the full batch, reporting the same
"""

from .activations import (
    ELU,
    GELU,
    HIDDEN_ACTIVATIONS,
    Activation,
    Exp,
    Identity,
    LeakyReLU,
    Logistic,
    Relu,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .gradcheck import activation_derivative_error, check_activation
from .lbfgs import SCIPY_FTOL, SplitWeights, fit_lbfgs
from .losses import (
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Loss,
    PoissonDeviance,
    SquaredError,
)
from .network import Dense, Network, Workspace
from .objective import LeastSquaresObjective, value_and_gradient
from .optimizers import SGD, Adam
from .penalties import L2, ElasticNet, make_penalty, soft_threshold
from .training import (
    Divergence,
    EpochRecord,
    StochasticState,
    StoppingMonitor,
    TrainingResult,
    fit_stochastic,
)

__all__ = [
    "ELU",
    "GELU",
    "HIDDEN_ACTIVATIONS",
    "L2",
    "SCIPY_FTOL",
    "SGD",
    "Activation",
    "Adam",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "Dense",
    "Divergence",
    "ElasticNet",
    "EpochRecord",
    "Exp",
    "Identity",
    "LeakyReLU",
    "LeastSquaresObjective",
    "Logistic",
    "Loss",
    "Network",
    "PoissonDeviance",
    "Relu",
    "SiLU",
    "Softmax",
    "Softplus",
    "SplitWeights",
    "SquaredError",
    "StochasticState",
    "StoppingMonitor",
    "Tanh",
    "TrainingResult",
    "Workspace",
    "activation_derivative_error",
    "check_activation",
    "fit_lbfgs",
    "fit_stochastic",
    "make_penalty",
    "soft_threshold",
    "value_and_gradient",
]
