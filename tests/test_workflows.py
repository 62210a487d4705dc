"""The estimators inside scikit-learn's workflows: pipelines, search, scoring, persistence.

Scope: ``Pipeline`` (with ``StandardScaler`` and ``PolynomialFeatures``),
``GridSearchCV`` (in parallel), ``cross_val_score`` with probability-based
scorers, ``clone``, pickling, pandas input, and ``sample_weight`` routed
through a pipeline and through ``GridSearchCV`` with metadata routing.
Each claim is checked against the same computation done by hand.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_circles, make_classification, make_regression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from _estimators import (
    CLASSIFIER_CLASSES,
    MLP_CLASSES,
    few_iterations,
    parametrize_estimator_class,
)
from sklearn_backprop import (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
)


def _data(Estimator, n_samples=60):
    if Estimator in CLASSIFIER_CLASSES:
        return make_classification(
            n_samples=n_samples,
            n_features=4,
            n_informative=3,
            n_redundant=0,
            n_clusters_per_class=1,
            random_state=0,
        )
    X, y = make_regression(n_samples=n_samples, n_features=4, noise=5.0, random_state=0)
    return X, y / y.std()


def _small(Estimator, **params):
    """The estimator with a small network and a short, seeded run."""
    if Estimator in MLP_CLASSES:
        params.setdefault("hidden_layer_sizes", (5,))
    return Estimator(random_state=0, max_iter=300, **params)


def _outputs(estimator, X):
    method = "predict_proba" if hasattr(estimator, "predict_proba") else "predict"
    return getattr(estimator, method)(X)


# ---- pipelines ------------------------------------------------------------------------


@parametrize_estimator_class()
@few_iterations
def test_pipeline_with_scaler_equals_fitting_scaled_data(Estimator):
    X, y = _data(Estimator)
    X = X * [1.0, 10.0, 100.0, 1000.0]
    pipe = make_pipeline(StandardScaler(), _small(Estimator)).fit(X, y)
    X_scaled = StandardScaler().fit_transform(X)
    direct = _small(Estimator).fit(X_scaled, y)

    np.testing.assert_array_equal(pipe.predict(X), direct.predict(X_scaled))
    np.testing.assert_allclose(_outputs(pipe, X), _outputs(direct, X_scaled), rtol=1e-12)


def test_polynomial_features_let_logistic_regression_separate_circles():
    X, y = make_circles(n_samples=200, noise=0.1, factor=0.5, random_state=0)
    linear = ScratchLogisticRegression().fit(X, y)
    quadratic = make_pipeline(
        PolynomialFeatures(degree=2), StandardScaler(), ScratchLogisticRegression()
    ).fit(X, y)
    assert linear.score(X, y) <= 0.65
    assert quadratic.score(X, y) >= 0.95


def test_polynomial_features_let_linear_regression_fit_a_parabola_exactly():
    x = np.linspace(-2, 2, 30)[:, np.newaxis]
    y = 1.0 + 2.0 * x[:, 0] - 3.0 * x[:, 0] ** 2
    pipe = make_pipeline(
        PolynomialFeatures(degree=2, include_bias=False), ScratchLinearRegression()
    )
    pipe.fit(x, y)
    regression = pipe[-1]
    np.testing.assert_allclose(regression.coef_, [2.0, -3.0], rtol=1e-6)
    np.testing.assert_allclose(regression.intercept_, 1.0, rtol=1e-6)


# ---- model selection and scoring -------------------------------------------------------


@few_iterations
def test_grid_search_in_parallel_equals_grid_search_in_sequence():
    X, y = _data(ScratchMLPClassifier)
    grid = {"alpha": [1e-4, 1.0, 10.0], "hidden_layer_sizes": [(3,), (6,)]}
    estimator = ScratchMLPClassifier(solver="lbfgs", max_iter=50, random_state=0)
    parallel = GridSearchCV(estimator, grid, cv=3, n_jobs=2).fit(X, y)
    sequential = GridSearchCV(estimator, grid, cv=3, n_jobs=1).fit(X, y)

    assert parallel.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )
    assert np.ptp(parallel.cv_results_["mean_test_score"]) > 0  # the grid matters
    np.testing.assert_array_equal(parallel.predict(X), sequential.predict(X))


@pytest.mark.parametrize("scoring", ["roc_auc", "neg_log_loss"])
@parametrize_estimator_class(CLASSIFIER_CLASSES)
@few_iterations
def test_cross_val_score_with_probability_scorers_equals_the_metric_by_hand(Estimator, scoring):
    X, y = _data(Estimator, n_samples=90)
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(_small(Estimator), X, y, cv=cv, scoring=scoring)

    by_hand = []
    for train, test in cv.split(X, y):
        proba = _small(Estimator).fit(X[train], y[train]).predict_proba(X[test])
        if scoring == "roc_auc":
            by_hand.append(roc_auc_score(y[test], proba[:, 1]))
        else:
            by_hand.append(-log_loss(y[test], proba))
    np.testing.assert_allclose(scores, by_hand, rtol=1e-12)
    if scoring == "roc_auc":
        assert scores.min() > 0.8


# ---- clone, pickle, pandas ------------------------------------------------------------


@parametrize_estimator_class()
@few_iterations
def test_clone_copies_parameters_but_not_the_fit(Estimator):
    X, y = _data(Estimator)
    fitted = _small(Estimator, alpha=0.5).fit(X, y)
    copy = clone(fitted)

    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "coefs_")
    copy.fit(X, y)
    np.testing.assert_array_equal(_outputs(copy, X), _outputs(fitted, X))


@parametrize_estimator_class()
@few_iterations
def test_pickle_round_trip_gives_identical_predictions(Estimator):
    X, y = _data(Estimator)
    fitted = _small(Estimator).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))

    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    np.testing.assert_array_equal(_outputs(restored, X), _outputs(fitted, X))
    assert restored.get_params() == fitted.get_params()


@parametrize_estimator_class(MLP_CLASSES)
def test_pickled_partial_fit_resumes_exactly_where_it_stopped(Estimator):
    X, y = _data(Estimator, n_samples=100)
    extra = {"classes": np.unique(y)} if Estimator in CLASSIFIER_CLASSES else {}
    settings = {"solver": "adam", "batch_size": 20}
    straight, interrupted = _small(Estimator, **settings), _small(Estimator, **settings)
    for _ in range(4):
        straight.partial_fit(X, y, **extra)
    for _ in range(2):
        interrupted.partial_fit(X, y, **extra)
    interrupted = pickle.loads(pickle.dumps(interrupted))
    for _ in range(2):
        interrupted.partial_fit(X, y, **extra)

    for a, b in zip(
        straight.coefs_ + straight.intercepts_, interrupted.coefs_ + interrupted.intercepts_
    ):
        np.testing.assert_array_equal(a, b)


@parametrize_estimator_class()
@few_iterations
def test_dataframe_input_keeps_feature_names(Estimator):
    X, y = _data(Estimator)
    columns = ["age", "height", "weight", "income"]
    frame = pd.DataFrame(X, columns=columns)
    from_frame = _small(Estimator).fit(frame, y)
    from_array = _small(Estimator).fit(X, y)

    np.testing.assert_array_equal(from_frame.feature_names_in_, columns)
    assert not hasattr(from_array, "feature_names_in_")
    # pandas hands over a column-major array: the same numbers, summed in another order.
    np.testing.assert_allclose(_outputs(from_frame, frame), _outputs(from_array, X), rtol=1e-10)


# ---- sample weights through meta-estimators -------------------------------------------


def _weighted_problem():
    X, y = make_classification(
        n_samples=90, n_features=4, n_informative=3, n_redundant=0, flip_y=0.2, random_state=0
    )
    w = np.random.default_rng(0).uniform(0.0, 3.0, size=len(y))
    return X, y, w


def test_sample_weight_routed_through_a_pipeline():
    X, y, w = _weighted_problem()
    pipe = Pipeline([("scale", StandardScaler()), ("scratch", ScratchLogisticRegression())])
    weighted = clone(pipe).fit(X, y, scratch__sample_weight=w)
    unweighted = clone(pipe).fit(X, y)
    direct = ScratchLogisticRegression().fit(StandardScaler().fit_transform(X), y, sample_weight=w)

    np.testing.assert_allclose(weighted[-1].coef_, direct.coef_, rtol=1e-12)
    assert np.abs(weighted[-1].coef_ - unweighted[-1].coef_).max() > 1e-2


def test_sample_weight_routed_through_grid_search_with_metadata_routing():
    X, y, w = _weighted_problem()
    grid = {"alpha": [0.1, 10.0]}
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = (
            ScratchLogisticRegression()
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True)
        )
        weighted = GridSearchCV(estimator, grid, cv=cv).fit(X, y, sample_weight=w)
        unweighted = GridSearchCV(estimator, grid, cv=cv).fit(X, y)

    # By hand: fit on each training fold with its weights, score on the test fold with its weights.
    by_hand = {alpha: [] for alpha in grid["alpha"]}
    for train, test in cv.split(X, y):
        for alpha in grid["alpha"]:
            model = ScratchLogisticRegression(alpha=alpha).fit(
                X[train], y[train], sample_weight=w[train]
            )
            by_hand[alpha].append(
                accuracy_score(y[test], model.predict(X[test]), sample_weight=w[test])
            )
    expected = [np.mean(by_hand[alpha]) for alpha in grid["alpha"]]
    np.testing.assert_allclose(weighted.cv_results_["mean_test_score"], expected, rtol=1e-12)
    assert not np.allclose(
        weighted.cv_results_["mean_test_score"], unweighted.cv_results_["mean_test_score"]
    )
    refit = ScratchLogisticRegression(**weighted.best_params_).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(weighted.best_estimator_.coef_, refit.coef_, rtol=1e-12)
