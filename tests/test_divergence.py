"""Divergence never passes silently (issue 6, promise 1).

Scope: what the four estimators do when training blows up. An exploding or non-finite SGD/Adam
run, and an L-BFGS run whose objective stops being finite, raise a ``ValueError`` that names the
epoch (or iteration), the loss before and after, and the knob to turn. With early stopping and a
finite best checkpoint, training stops there instead, restores it and warns. Whatever the
settings, a fit that returns normally leaves finite parameters and finite predictions.
"""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from _estimators import (
    COEF,
    ESTIMATORS,
    PREDICTION_METHODS,
    data_maker,
    estimator_maker,
    fit_quietly,
    value_error_of,
)
from sklearn_backprop import ScratchLinearRegression

# A float as printed in a message: 2.5183, 2.24789e+12, inf, nan.
NUMBER = r"(?<![\w.])[-+]?(?:inf|nan|\d+(?:\.\d*)?(?:e[-+]?\d+)?)(?!\w)"

make_estimator = estimator_maker(hidden_layer_sizes=(5,), random_state=0)
# Standardised features and a target that a linear model fits well.
make_data = data_maker(
    n_samples=40,
    labels=lambda X, rng: (X[:, 0] + X[:, 1] > 0).astype(int),
    target=lambda X, rng: X @ COEF + 0.1 * rng.normal(size=len(X)),
)


def parse_divergence(message):
    """(step, loss before, loss after) from a divergence message, whatever its wording."""
    step = re.search(r"(?:epoch|iteration) (\d+)", message)
    assert step, f"the message names no epoch or iteration: {message!r}"
    numbers = re.findall(NUMBER, message[step.end() :])
    assert len(numbers) >= 2, f"the message names no loss before and after: {message!r}"
    return int(step.group(1)), float(numbers[0]), float(numbers[1])


def assert_finite_model(estimator, X):
    """Parameters, loss and every prediction method give finite numbers."""
    for array in (*estimator.coefs_, *estimator.intercepts_):
        assert np.isfinite(array).all()
    assert np.isfinite(estimator.loss_)
    if hasattr(estimator, "predict_proba"):
        for method in ("predict_proba", "predict_log_proba", "decision_function"):
            assert np.isfinite(getattr(estimator, method)(X)).all(), method
        assert set(np.unique(estimator.predict(X))) <= set(estimator.classes_)
    else:
        assert np.isfinite(estimator.predict(X)).all()


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_exploding_run_raises_naming_epoch_losses_and_learning_rate(name, solver):
    X, y = make_data(name)
    estimator = make_estimator(name, solver=solver, learning_rate_init=1000.0, max_iter=50)
    with pytest.raises(ValueError, match=r"learning_rate_init \(currently 1000\.0\)") as info:
        estimator.fit(X, y)
    message = str(info.value)
    assert re.search(r"scale X", message, flags=re.IGNORECASE)
    epoch, before, after = parse_divergence(message)
    assert epoch >= 1
    assert not np.isfinite(after) or after > 100 * max(before, 1.0)
    if epoch > 1:
        # The named epoch is the first bad one: one epoch fewer trains without error, and
        # its last loss is the "before" of the message.
        shorter = fit_quietly(
            make_estimator(name, solver=solver, learning_rate_init=1000.0, max_iter=epoch - 1),
            X,
            y,
        )
        assert_allclose(shorter.loss_curve_[-1], before, rtol=1e-5)


def test_unscaled_features_make_sgd_with_a_fixed_step_diverge_and_the_error_says_scale_x():
    # The default step ("auto") adapts to the data; a fixed one that suits unit-scale
    # features is far too large for features 1000 times larger.
    X, y = make_data("linear")
    estimator = ScratchLinearRegression(
        solver="sgd", learning_rate_init=0.01, random_state=0, max_iter=50
    )
    with pytest.raises(ValueError, match=r"learning_rate_init \(currently 0\.01\)") as info:
        estimator.fit(1000.0 * X, y)
    assert re.search(r"diverged.*scale X", str(info.value), flags=re.IGNORECASE)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_non_finite_loss_raises_and_reports_the_non_finite_value(name):
    X, y = make_data(name)
    estimator = make_estimator(name, solver="sgd", learning_rate_init=1e300, max_iter=20)
    with pytest.raises(ValueError, match=r"learning_rate_init \(currently 1e\+300\)") as info:
        estimator.fit(X, y)
    _, before, after = parse_divergence(str(info.value))
    assert np.isfinite(before)
    assert not np.isfinite(after)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_lbfgs_on_data_that_makes_the_loss_non_finite_raises(name):
    # Finite input (validation accepts it), but the objective overflows at the first evaluation.
    X, y = make_data(name)
    estimator = make_estimator(name, solver="lbfgs", max_iter=50)
    with pytest.raises(ValueError, match=r"(?i)diverged at iteration \d+") as info:
        estimator.fit(1e200 * X, y)
    message = str(info.value)
    assert re.search(r"scale X", message, flags=re.IGNORECASE)
    assert re.search(r"alpha \(currently ", message)
    _, _, after = parse_divergence(message)
    assert not np.isfinite(after)


def test_partial_fit_divergence_names_the_run_epoch_and_the_previous_epoch_loss():
    # One epoch per call: the first call survives (loss ~2e3), the second explodes.
    X, y = make_data("linear")
    estimator = ScratchLinearRegression(
        solver="sgd", learning_rate_init=0.3, momentum=0.0, batch_size=5, random_state=0
    )
    estimator.partial_fit(3.0 * X, y)
    previous_loss = estimator.loss_curve_[-1]
    with pytest.raises(ValueError, match="diverged") as info:
        estimator.partial_fit(3.0 * X, y)
    epoch, before, _ = parse_divergence(str(info.value))
    assert epoch == 2, f"the second epoch of the run diverged: {info.value}"
    assert_allclose(before, previous_loss, rtol=1e-5)


def test_failed_partial_fit_leaves_the_last_good_model_in_place():
    X, y = make_data("linear")
    estimator = ScratchLinearRegression(
        solver="sgd", learning_rate_init=0.3, momentum=0.0, batch_size=5, random_state=0
    )
    estimator.partial_fit(3.0 * X, y)
    coefs = [W.copy() for W in estimator.coefs_]
    predictions = estimator.predict(X)
    with pytest.raises(ValueError, match="diverged"):
        estimator.partial_fit(3.0 * X, y)
    for W, W_before in zip(estimator.coefs_, coefs):
        assert_array_equal(W, W_before)
    assert_array_equal(estimator.predict(X), predictions)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_failed_warm_start_fit_leaves_the_previous_model_in_place(name):
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, solver="sgd", warm_start=True, max_iter=5), X, y)
    coefs = [W.copy() for W in estimator.coefs_ + estimator.intercepts_]
    estimator.set_params(learning_rate_init=1000.0)
    with pytest.raises(ValueError, match="diverged"):
        estimator.fit(X, y)
    for W, W_before in zip(estimator.coefs_ + estimator.intercepts_, coefs):
        assert_array_equal(W, W_before)
    assert_finite_model(estimator, X)


# Runs whose validation score is finite for a few epochs before the training loss explodes.
EARLY_STOPPING_BLOWUPS = {
    "linear-sgd": ("linear", {"learning_rate_init": 0.3}),
    "mlp-classifier-sgd": ("mlp-classifier", {"learning_rate_init": 10.0}),
}


@pytest.mark.parametrize("case", EARLY_STOPPING_BLOWUPS)
def test_early_stopping_restores_the_best_checkpoint_and_warns_instead_of_raising(case):
    name, params = EARLY_STOPPING_BLOWUPS[case]
    X, y = make_data(name)
    X = 3.0 * X

    def estimator(max_iter):
        return make_estimator(
            name, solver="sgd", momentum=0.0, batch_size=5, early_stopping=True,
            validation_fraction=0.25, n_iter_no_change=1000, max_iter=max_iter, **params,
        )  # fmt: skip

    with pytest.warns(ConvergenceWarning, match=r"diverged at epoch \d+.*learning_rate_init"):
        diverged = estimator(max_iter=30).fit(X, y)
    assert diverged.n_iter_ < 30
    assert_finite_model(diverged, X)
    # The checkpoint is the epoch with the best validation score; a run stopped right
    # after that epoch (same seed, same split, same shuffles) holds the same parameters.
    best_epoch = int(np.argmax(diverged.validation_scores_)) + 1
    checkpoint = fit_quietly(estimator(max_iter=best_epoch), X, y)
    for W, W_checkpoint in zip(diverged.coefs_, checkpoint.coefs_):
        assert_array_equal(W, W_checkpoint)
    assert_array_equal(diverged.predict(X), checkpoint.predict(X))


def test_early_stopping_without_a_finite_checkpoint_still_raises():
    # The very first epoch explodes: there is nothing to restore.
    X, y = make_data("linear")
    estimator = ScratchLinearRegression(
        solver="sgd", learning_rate_init=1.0, momentum=0.0, batch_size=5, early_stopping=True,
        validation_fraction=0.25, random_state=0,
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"diverged at epoch 1\b"):
        estimator.fit(3.0 * X, y)


SETTINGS = [
    pytest.param("lbfgs", 1e-3, 1.0, id="lbfgs"),
    pytest.param("lbfgs", 1e-3, 1e3, id="lbfgs-X*1e3"),
    pytest.param("sgd", 1.0, 1.0, id="sgd-lr1"),
    pytest.param("sgd", 100.0, 1.0, id="sgd-lr100"),
    pytest.param("sgd", 0.01, 30.0, id="sgd-X*30"),
    pytest.param("adam", 1.0, 1.0, id="adam-lr1"),
    pytest.param("adam", 100.0, 1.0, id="adam-lr100"),
    pytest.param("adam", 0.01, 1e3, id="adam-X*1e3"),
]


@pytest.mark.parametrize(("solver", "learning_rate_init", "scale"), SETTINGS)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_fit_that_returns_has_finite_parameters_and_predictions(
    name, solver, learning_rate_init, scale
):
    X, y = make_data(name)
    X = scale * X
    estimator = make_estimator(
        name, solver=solver, learning_rate_init=learning_rate_init, alpha=0.0, max_iter=20
    )
    error = value_error_of(fit_quietly, estimator, X, y)
    if error is not None:
        assert "diverged" in str(error)
    else:
        assert_finite_model(estimator, X)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_predictions_for_features_at_the_edge_of_the_float_range_are_finite_or_an_error(name):
    # Finite features near the largest float make X @ W overflow at predict time. The
    # model must then answer with finite numbers or a ValueError, never NaN or inf.
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, max_iter=50), X, y)
    X_edge = X / np.abs(X).max() * 1.7e308
    with warnings.catch_warnings():
        # scikit-learn's own finiteness check of X warns on such data (sum overflows).
        warnings.simplefilter("ignore", RuntimeWarning)
        for method in PREDICTION_METHODS:
            if not hasattr(estimator, method):
                continue
            try:
                output = np.asarray(getattr(estimator, method)(X_edge))
            except ValueError:
                continue  # a clear error is an acceptable answer
            if output.dtype.kind == "f":
                assert np.isfinite(output).all(), method


def test_easy_first_rows_are_not_mistaken_for_divergence():
    # The first 300 targets are 0, the rest around 300: the first mini-batch's loss is
    # tiny and the next ones are 1e5 times larger because of the data, not of training.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = np.r_[np.zeros(300), 300 + X[300:] @ [10.0, 5.0, 1.0]]
    estimator = make_estimator(
        "mlp-regressor", hidden_layer_sizes=(32,), shuffle=False, learning_rate_init=1e-6,
        max_iter=3,
    )  # fmt: skip
    fit_quietly(estimator, X, y)
    assert estimator.n_iter_ == 3
    assert np.isfinite(estimator.loss_curve_).all()


@pytest.mark.parametrize("name", ["linear", "mlp-regressor"])
def test_partial_fit_on_a_stream_whose_level_drifts_upward_trains(name):
    # Each chunk's target sits 10 times higher than the previous one's: over the stream
    # the loss grows by far more than the divergence factor, while each chunk trains fine.
    rng = np.random.default_rng(0)
    estimator = make_estimator(name, solver="sgd", learning_rate_init=1e-4, batch_size=20)
    for level in 10.0 ** np.arange(5):
        X = rng.normal(size=(100, 3))
        estimator.partial_fit(X, level * (1 + X @ [1.0, 0.5, 0.2]))
    assert estimator.n_iter_ == 5
    assert estimator.loss_curve_[-1] > 1e4 * estimator.loss_curve_[0]
    assert np.isfinite(estimator.coefs_[0]).all()


def test_a_blow_up_inside_the_first_epoch_is_caught_in_that_epoch():
    X, y = make_data("linear")
    estimator = ScratchLinearRegression(
        solver="sgd", learning_rate_init=1.0, momentum=0.0, batch_size=5, random_state=0
    )
    with pytest.raises(ValueError, match=r"diverged at epoch 1\b"):
        estimator.fit(3.0 * X, y)


@pytest.mark.parametrize("name", ["linear", "mlp-regressor", "logistic", "mlp-classifier"])
def test_divergence_advice_names_the_scale_of_y_only_for_regressors(name):
    X, y = make_data(name)
    estimator = make_estimator(name, solver="sgd", learning_rate_init=1e300, max_iter=5)
    with pytest.raises(ValueError, match="diverged") as info:
        estimator.fit(X, y)
    names_y = "TransformedTargetRegressor" in str(info.value)
    assert names_y == (name in ("linear", "mlp-regressor"))
