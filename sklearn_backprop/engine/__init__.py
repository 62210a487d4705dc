"""The gradient-descent engine: numpy and scipy only, no scikit-learn.

Building blocks, from the bottom up:

- ``activations``: identity, logistic, tanh, relu (+ softmax, exp as output links)
- ``losses``: squared error, binary / categorical cross-entropy, Poisson deviance,
  each with its link
- ``network``: ``Dense`` layers stacked into a ``Network``; forward and backward passes
- ``objective``: ``value_and_gradient``, the one objective every solver minimises
- ``optimizers``: ``SGD`` (momentum, Nesterov, schedules) and ``Adam``
- ``training``: the mini-batch loop, reporting a ``TrainingResult``
- ``lbfgs``: scipy's L-BFGS-B on the full batch, reporting the same
"""

from .activations import (
    HIDDEN_ACTIVATIONS,
    Exp,
    Identity,
    Logistic,
    Relu,
    Softmax,
    Tanh,
)
from .lbfgs import SCIPY_FTOL, fit_lbfgs
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
from .training import (
    Divergence,
    StochasticState,
    StoppingMonitor,
    TrainingResult,
    fit_stochastic,
)

__all__ = [
    "HIDDEN_ACTIVATIONS",
    "SCIPY_FTOL",
    "SGD",
    "Adam",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "Dense",
    "Divergence",
    "Exp",
    "Identity",
    "LeastSquaresObjective",
    "Logistic",
    "Loss",
    "Network",
    "PoissonDeviance",
    "Relu",
    "Softmax",
    "SquaredError",
    "StochasticState",
    "StoppingMonitor",
    "Tanh",
    "TrainingResult",
    "Workspace",
    "fit_lbfgs",
    "fit_stochastic",
    "value_and_gradient",
]
