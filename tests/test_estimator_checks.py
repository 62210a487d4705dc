"""scikit-learn's estimator checks over the four estimators, with every solver.

Each estimator is checked at its default settings and once with each other
solver. No check is expected to fail: ``parametrize_with_checks`` gets no
``expected_failed_checks`` and the project runs with ``xfail_strict = true``.
"""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    parametrize_with_checks,
)

from sklearn_backprop import (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)

ESTIMATORS = [
    ScratchLinearRegression(),
    ScratchLinearRegression(solver="adam"),
    # With learning_rate_init="auto" (1 / L from the data) plain defaults pass, including
    # the checks that fit unscaled X ~ N(100, 1), where a fixed step of 0.01 diverged.
    ScratchLinearRegression(solver="sgd"),
    ScratchLogisticRegression(),
    ScratchLogisticRegression(solver="sgd"),
    ScratchLogisticRegression(solver="adam"),
    ScratchMLPClassifier(),
    ScratchMLPClassifier(solver="sgd"),
    ScratchMLPClassifier(solver="lbfgs"),
    ScratchMLPRegressor(),
    ScratchMLPRegressor(solver="sgd"),
    ScratchMLPRegressor(solver="lbfgs"),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [
        ScratchLinearRegression(),
        ScratchLogisticRegression(),
        ScratchMLPClassifier(),
        ScratchMLPRegressor(),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
def test_dataframe_column_names_are_checked_consistently(estimator):
    # pandas is a test dependency: without it the check would silently skip itself.
    import pandas  # noqa: F401

    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
