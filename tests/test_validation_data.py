"""Validation data in fit, and what early stopping watches (issue 9).

Scope: ``fit(X, y, X_val=..., y_val=..., sample_weight_val=...)`` records the validation
loss and score in ``history_`` for every solver, replaces the ``validation_fraction`` split
when early stopping is on, works through a Pipeline with ``transform_input`` and metadata
routing, and is validated like ``X``/``y``; ``scoring`` chooses the score (the estimator's,
the loss, or any scorer) and sample weights count in it.
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from test_history import objective_at_fitted_parameters

from _estimators import COEF, ESTIMATORS, data_maker, estimator_maker, fit_quietly, partial_fit

make_estimator = estimator_maker(hidden_layer_sizes=(5,), random_state=0)
make_data = data_maker(
    n_samples=120,
    labels=lambda X, rng: (X[:, 0] + X[:, 1] + 0.5 * rng.normal(size=len(X)) > 0).astype(int),
    target=lambda X, rng: X @ COEF + 0.5 * rng.normal(size=len(X)),
)


def split(name):
    X, y = make_data(name)
    return X[:80], y[:80], X[80:], y[80:]


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_validation_loss_and_score_are_recorded_for_every_solver(name, solver):
    X, y, X_val, y_val = split(name)
    estimator = fit_quietly(
        make_estimator(name, solver=solver, max_iter=8), X, y, X_val=X_val, y_val=y_val
    )
    rows = estimator.history_
    assert all(row["val_loss"] is not None and row["val_score"] is not None for row in rows)
    # The last row's values are those of the returned parameters.
    assert_allclose(
        rows[-1]["val_loss"], objective_at_validation(estimator, X, X_val, y_val), rtol=1e-10
    )
    assert_allclose(rows[-1]["val_score"], estimator.score(X_val, y_val), rtol=1e-12)


def objective_at_validation(estimator, X_train, X_val, y_val):
    """The training objective's definition on validation data, from the fitted parameters."""
    value = objective_at_fitted_parameters(estimator, X_val, y_val)
    if estimator._penalty_over_all_data:  # the linear models divide by the training weight
        W = np.concatenate([W.ravel() for W in estimator.coefs_])
        penalty = estimator._penalty()
        value += penalty.value(W, len(X_train)) - penalty.value(W, len(X_val))
    return value


@pytest.mark.parametrize("name", ESTIMATORS)
def test_early_stopping_on_x_val_restores_the_best_validation_epoch(name):
    X, y, X_val, y_val = split(name)
    params = {"solver": "sgd", "early_stopping": True, "n_iter_no_change": 3, "max_iter": 40}
    estimator = fit_quietly(make_estimator(name, **params), X, y, X_val=X_val, y_val=y_val)
    scores = estimator.validation_scores_
    best = int(np.argmax(scores))
    assert estimator.best_epoch_ == best + 1
    assert estimator.best_validation_score_ == scores[best]
    assert_allclose(estimator.score(X_val, y_val), scores[best], rtol=1e-12)
    assert [row["val_score"] for row in estimator.history_] == scores
    # All of X trained: no validation_fraction was carved out of it.
    assert estimator.t_ == len(X) * estimator.n_iter_


def test_scoring_loss_stops_on_the_validation_loss():
    X, y, X_val, y_val = split("mlp-classifier")
    estimator = fit_quietly(
        make_estimator(
            "mlp-classifier", solver="adam", early_stopping=True, scoring="loss",
            hidden_layer_sizes=(32,), learning_rate_init=0.05, n_iter_no_change=3,
            max_iter=200,
        ),
        X, y, X_val=X_val, y_val=y_val,
    )  # fmt: skip
    losses = [row["val_loss"] for row in estimator.history_]
    assert estimator.validation_scores_ == [-loss for loss in losses]
    assert estimator.best_epoch_ == int(np.argmin(losses)) + 1
    assert estimator.n_iter_ < 200


def test_a_scorer_name_sets_what_val_score_measures():
    X, y, X_val, y_val = split("mlp-classifier")
    estimator = fit_quietly(
        make_estimator("mlp-classifier", solver="lbfgs", scoring="roc_auc", max_iter=30),
        X, y, X_val=X_val, y_val=y_val,
    )  # fmt: skip
    expected = roc_auc_score(y_val, estimator.predict_proba(X_val)[:, 1])
    assert_allclose(estimator.history_[-1]["val_score"], expected, rtol=1e-12)


def test_validation_sample_weights_change_the_validation_score():
    X, y, X_val, y_val = split("mlp-classifier")
    weights = np.where(y_val == 1, 5.0, 0.2)
    make = lambda: make_estimator("mlp-classifier", solver="lbfgs", max_iter=5)  # noqa: E731
    plain = fit_quietly(make(), X, y, X_val=X_val, y_val=y_val)
    weighted = fit_quietly(make(), X, y, X_val=X_val, y_val=y_val, sample_weight_val=weights)
    assert plain.history_[-1]["val_score"] != weighted.history_[-1]["val_score"]
    assert_allclose(
        weighted.history_[-1]["val_score"],
        weighted.score(X_val, y_val, sample_weight=weights),
        rtol=1e-12,
    )


def test_the_early_stopping_split_keeps_its_sample_weights_in_the_score():
    X, y = make_data("mlp-classifier")
    params = {"solver": "sgd", "early_stopping": True, "max_iter": 5, "n_iter_no_change": 99}
    uniform = fit_quietly(make_estimator("mlp-classifier", **params), X, y)
    ones = fit_quietly(
        make_estimator("mlp-classifier", **params), X, y, sample_weight=np.ones(len(y))
    )
    skewed = fit_quietly(
        make_estimator("mlp-classifier", **params), X, y, sample_weight=np.where(y == 1, 3.0, 1.0)
    )
    assert uniform.validation_scores_ == ones.validation_scores_
    assert uniform.validation_scores_ != skewed.validation_scores_


@pytest.mark.parametrize("preprocess", [StandardScaler(), PolynomialFeatures(2)])
def test_a_pipeline_with_transform_input_gives_the_model_of_explicit_validation_data(preprocess):
    X, y, X_val, y_val = split("mlp-classifier")
    params = {"solver": "adam", "early_stopping": True, "n_iter_no_change": 3, "max_iter": 30}
    with sklearn.config_context(enable_metadata_routing=True):
        model = make_estimator("mlp-classifier", **params).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("pre", sklearn.clone(preprocess)), ("mlp", model)])
        pipe.set_params(transform_input=["X_val"])
        fit_quietly(pipe, X, y, X_val=X_val, y_val=y_val)
    fitted = sklearn.clone(preprocess).fit(X)
    direct = fit_quietly(
        make_estimator("mlp-classifier", **params),
        fitted.transform(X), y, X_val=fitted.transform(X_val), y_val=y_val,
    )  # fmt: skip
    for W, W_direct in zip(pipe[-1].coefs_, direct.coefs_):
        assert_array_equal(W, W_direct)
    assert pipe[-1].history_ == [
        {**row, "seconds": pipe_row["seconds"]}
        for row, pipe_row in zip(direct.history_, pipe[-1].history_)
    ]


@pytest.mark.parametrize("name", ESTIMATORS)
def test_x_val_with_another_feature_count_raises_scikit_learns_error(name):
    X, y, X_val, y_val = split(name)
    with pytest.raises(ValueError, match=r"X has 4 features, but .* is expecting 3 features"):
        make_estimator(name).fit(X, y, X_val=np.c_[X_val, X_val[:, 0]], y_val=y_val)


def test_y_val_with_unseen_classes_raises():
    X, y, X_val, y_val = split("mlp-classifier")
    with pytest.raises(ValueError, match=r"y_val contains labels not seen in y"):
        make_estimator("mlp-classifier").fit(X, y, X_val=X_val, y_val=np.where(y_val, 7, 0))


def test_x_val_without_y_val_raises():
    X, y, X_val, _ = split("linear")
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        make_estimator("linear").fit(X, y, X_val=X_val)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_partial_fit_records_validation_and_never_stops_early(name):
    X, y, X_val, y_val = split(name)
    estimator = make_estimator(name, solver="sgd")
    for _ in range(3):
        partial_fit(estimator, name, X, y, X_val=X_val, y_val=y_val)
    assert estimator.n_iter_ == 3
    assert all(row["val_score"] is not None for row in estimator.history_)


def test_an_unknown_scoring_name_is_refused():
    X, y, _, _ = split("linear")
    with pytest.raises(ValueError, match="scoring must be"):
        make_estimator("linear", scoring="not-a-scorer").fit(X, y)


def test_grid_search_over_scoring_and_validation_fraction_runs():
    X, y = make_data("mlp-classifier")
    search = GridSearchCV(
        make_estimator("mlp-classifier", solver="adam", early_stopping=True, max_iter=20),
        {"scoring": [None, "loss", "neg_log_loss"]},
        cv=2,
    )
    fit_quietly(search, X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
