"""sklearn_backprop: gradient descent and backpropagation from scratch, as scikit-learn estimators.

Four estimators share one engine (``sklearn_backprop.engine``): linear and
logistic regression are networks with zero hidden layers; the MLPs add hidden
layers with a non-linear activation.
"""

from ._persistence import SKOPS_TRUSTED_TYPES
from .engine.activations import ELU, GELU, Activation, LeakyReLU, SiLU, Softplus
from .gradient_check import check_gradients
from .inspection import HiddenLayerTransformer
from .linear_model import ScratchLinearRegression, ScratchLogisticRegression
from .neural_network import ScratchMLPClassifier, ScratchMLPRegressor
from .trace import trace_backprop

__version__ = "0.1.0.dev0"

__all__ = [
    "ELU",
    "GELU",
    "SKOPS_TRUSTED_TYPES",
    "Activation",
    "HiddenLayerTransformer",
    "LeakyReLU",
    "ScratchLinearRegression",
    "ScratchLogisticRegression",
    "ScratchMLPClassifier",
    "ScratchMLPRegressor",
    "SiLU",
    "Softplus",
    "__version__",
    "check_gradients",
    "trace_backprop",
]
