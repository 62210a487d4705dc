"""Safe persistence: the type names a fitted model holds, for ``skops.io.load``.

``skops.io`` stores a model without pickle and, on load, refuses every type
it was not told to trust. scikit-learn's and numpy's own types are trusted
by skops already; these are ours: the estimators, and what a stochastic
solver keeps to resume (its optimizer, stopping monitor and run state)::

    import skops.io
    skops.io.dump(model, "model.skops")
    model = skops.io.load("model.skops", trusted=sklearn_backprop.SKOPS_TRUSTED_TYPES)
"""

from .engine import SGD, Adam, StochasticState, StoppingMonitor
from .engine.preconditioning import CenteredScaling
from .linear_model import ScratchLinearRegression, ScratchLogisticRegression
from .neural_network import ScratchMLPClassifier, ScratchMLPRegressor

_TYPES = (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    SGD,
    CenteredScaling,
    Adam,
    StochasticState,
    StoppingMonitor,
)

#: Fully qualified names of the types a fitted estimator of this package may
#: hold: pass them as ``skops.io.load(..., trusted=SKOPS_TRUSTED_TYPES)``.
SKOPS_TRUSTED_TYPES = [f"{cls.__module__}.{cls.__qualname__}" for cls in _TYPES]
