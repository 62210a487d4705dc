"""What the tests that run every public estimator through the same checks share.

A plain module, imported as ``from _estimators import ...``: the four estimators by name and
by class, and helpers to build them, make data for them, and fit them quietly. The modules
differ in the settings and data they need (a network's size, ``max_iter``, the target's
shape); those stay written in each module, as the arguments of ``estimator_maker`` and
``data_maker``.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_backprop import (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)

ESTIMATORS = {
    "linear": ScratchLinearRegression,
    "logistic": ScratchLogisticRegression,
    "mlp-regressor": ScratchMLPRegressor,
    "mlp-classifier": ScratchMLPClassifier,
}
CLASSIFIERS = ["logistic", "mlp-classifier"]
MLPS = ["mlp-regressor", "mlp-classifier"]

# The same estimators by class, for tests parametrized over classes.
ESTIMATOR_CLASSES = tuple(ESTIMATORS.values())
CLASSIFIER_CLASSES = tuple(ESTIMATORS[name] for name in CLASSIFIERS)
MLP_CLASSES = tuple(ESTIMATORS[name] for name in MLPS)

PREDICTION_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")

# Runs deliberately cut short warn that they did not converge; that is not what they test.
few_iterations = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def parametrize_estimator_class(classes=ESTIMATOR_CLASSES):
    """Run the test once for each of ``classes``, passed as ``Estimator`` and named by its name."""
    return pytest.mark.parametrize("Estimator", classes, ids=lambda E: E.__name__)


def estimator_maker(hidden_layer_sizes, **defaults):
    """A ``make_estimator(name, **params)`` for one test module.

    It builds ``ESTIMATORS[name]`` with ``defaults`` (and, for the MLPs, ``hidden_layer_sizes``),
    each overridden by ``params``.
    """

    def make_estimator(name, **params):
        network = {"hidden_layer_sizes": hidden_layer_sizes} if name in MLPS else {}
        return ESTIMATORS[name](**{**defaults, **network, **params})

    return make_estimator


# Targets for ``data_maker``: functions of the features and of the generator that drew them.
COEF = np.array([1.0, -2.0, 0.5])


def cyclic_labels(X, rng):
    """0, 1, 2, 0, 1, 2, ...: every class present, in turn."""
    return np.arange(len(X)) % 3


def linear_target(X, rng):
    """``X @ COEF``, without noise."""
    return X @ COEF


def data_maker(n_samples, labels, target):
    """A ``make_data(name, n_samples=n_samples, n_features=3, seed=0)`` for one test module.

    It returns standard-normal features ``X`` drawn by ``np.random.default_rng(seed)``, and
    ``labels(X, rng)`` for a classifier or ``target(X, rng)`` for a regressor (both may go on
    drawing from ``rng``). ``seed`` may be a ``Generator``, which then goes on drawing for the
    caller.
    """

    def make_data(name, n_samples=n_samples, n_features=3, seed=0):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n_samples, n_features))
        y = labels(X, rng) if name in CLASSIFIERS else target(X, rng)
        return X, y

    return make_data


def quietly(function, *args, **kwargs):
    """``function(*args, **kwargs)``, silencing the ConvergenceWarning of runs cut short."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args, **kwargs)


def fit_quietly(estimator, X, y, **fit_params):
    """Fit, silencing the ConvergenceWarning that tiny ``max_iter`` values cause on purpose."""
    return quietly(estimator.fit, X, y, **fit_params)


def partial_fit(estimator, name, X, y, **fit_params):
    """``partial_fit``, passing a classifier ``classes=np.unique(y)`` (needed on a first call)."""
    classes = {"classes": np.unique(y)} if name in CLASSIFIERS else {}
    return estimator.partial_fit(X, y, **classes, **fit_params)


def value_error_of(function, *args, **kwargs):
    """The ValueError that ``function`` raised, or None if it returned."""
    try:
        function(*args, **kwargs)
    except ValueError as error:
        return error
    return None
