"""One forward and backward pass, recorded: ``sklearn_backprop.trace``.

For every head and a few depths, with and without sample weights and penalty, the trace's
gradient is bit for bit ``check_gradients``' analytic gradient and matches its finite
differences to 1e-6; its update is bit for bit what one epoch of ``solver="sgd"`` with
``momentum=0`` and ``batch_size=len(X)`` changes; its gradient at the input matches finite
differences of the objective in ``X``. The printout names every step; the plot is a figure.
"""

import copy

import matplotlib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from _estimators import fit_quietly
from sklearn_backprop import (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    check_gradients,
    trace_backprop,
)
from sklearn_backprop.engine import Workspace, value_and_gradient
from sklearn_backprop.gradient_check import objective_setup
from sklearn_backprop.trace import STEPS

matplotlib.use("Agg")

N_SAMPLES, N_FEATURES = 6, 3
LEARNING_RATE = 0.05


def _case(head, rng):
    """``(estimator class, params, y)`` for one head."""
    labels = np.arange(N_SAMPLES)
    return {
        "linear": (ScratchLinearRegression, {}, rng.normal(size=N_SAMPLES)),
        "logistic-binary": (ScratchLogisticRegression, {}, labels % 2),
        "logistic-multiclass": (ScratchLogisticRegression, {}, labels % 3),
        "squared_error": (ScratchMLPRegressor, {}, rng.normal(size=(N_SAMPLES, 2))),
        "poisson": (ScratchMLPRegressor, {"loss": "poisson"}, rng.poisson(2.0, N_SAMPLES)),
        "binary": (ScratchMLPClassifier, {}, labels % 2),
        "multiclass": (ScratchMLPClassifier, {}, labels % 3),
        "multilabel": (ScratchMLPClassifier, {}, rng.integers(0, 2, size=(N_SAMPLES, 2))),
    }[head]


LINEAR_HEADS = ["linear", "logistic-binary", "logistic-multiclass"]
MLP_HEADS = ["squared_error", "poisson", "binary", "multiclass", "multilabel"]
CASES = [(head, ()) for head in LINEAR_HEADS] + [
    (head, depth) for head in MLP_HEADS for depth in [(), (4,), (4, 3)]
]
CASE_IDS = [f"{head}-{'x'.join(map(str, depth)) or 'no_hidden'}" for head, depth in CASES]


@pytest.fixture(params=CASES, ids=CASE_IDS)
def case(request):
    """A fitted estimator (a few L-BFGS iterations, tanh units), its data and weights."""
    head, depth = request.param
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    Estimator, params, y = _case(head, rng)
    if Estimator in (ScratchMLPRegressor, ScratchMLPClassifier):
        params = {**params, "hidden_layer_sizes": depth, "activation": "tanh"}
    estimator = Estimator(solver="lbfgs", max_iter=3, random_state=0, alpha=0.1, **params)
    fit_quietly(estimator, X, y)
    return estimator, X, y, rng.uniform(0.5, 2.0, size=N_SAMPLES)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_trace_gradient_is_check_gradients_backprop_exactly(case, weighted):
    estimator, X, y, weights = case
    sample_weight = weights if weighted else None
    trace = trace_backprop(estimator, X, y, sample_weight)
    report = check_gradients(estimator, X, y, sample_weight)
    assert_array_equal(trace.gradient, report.backprop)
    assert trace.objective == report.loss
    assert_allclose(trace.gradient, report.numerical, rtol=1e-6, atol=1e-10)


def test_trace_gradient_of_unfitted_estimator_is_at_fits_starting_point():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(N_SAMPLES, N_FEATURES)), np.arange(N_SAMPLES) % 2
    estimator = ScratchMLPClassifier((4,), random_state=3)
    trace = trace_backprop(estimator, X, y)
    assert_array_equal(trace.gradient, check_gradients(estimator, X, y).backprop)
    assert not hasattr(estimator, "coefs_")


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_trace_update_is_one_sgd_step_without_momentum(case, weighted):
    estimator, X, y, weights = case
    sample_weight = weights if weighted else None
    trace = trace_backprop(estimator, X, y, sample_weight, learning_rate=LEARNING_RATE)
    stepped = copy.deepcopy(estimator).set_params(
        solver="sgd", momentum=0.0, batch_size=len(X), max_iter=1, shuffle=False,
        learning_rate_init=LEARNING_RATE, warm_start=True,
    )  # fmt: skip
    fit_quietly(stepped, X, y, sample_weight=sample_weight)
    for layer, W, b in zip(trace.layers, stepped.coefs_, stepped.intercepts_):
        assert_array_equal(layer.W + layer.W_update, W)
        assert_array_equal(layer.b + layer.b_update, b)
    assert_array_equal(trace.update, -LEARNING_RATE * trace.gradient)


def test_trace_gradient_at_the_input_equals_finite_differences(case):
    estimator, X, y, _ = case
    trace = trace_backprop(estimator, X, y)
    _, Xv, Y, w, network, loss = objective_setup(estimator, X, y, None)
    workspace = Workspace(network, len(X))
    eps, expected = 1e-6, np.zeros_like(Xv)
    for index in np.ndindex(Xv.shape):
        values = []
        for step in (eps, -eps):
            shifted = Xv.copy()
            shifted[index] += step
            values.append(value_and_gradient(network, shifted, Y, loss, 0.1, w, workspace)[0])
        expected[index] = (values[0] - values[1]) / (2 * eps)
    assert_allclose(trace.dX, expected, rtol=1e-6, atol=1e-10)


def test_trace_records_every_layer_in_the_networks_shapes(case):
    estimator, X, y, _ = case
    trace = trace_backprop(estimator, X, y)
    assert len(trace.layers) == len(estimator.coefs_)
    for layer, W in zip(trace.layers, estimator.coefs_):
        assert layer.W.shape == layer.dW.shape == layer.W_update.shape == W.shape
        assert layer.Z.shape == layer.A.shape == layer.dZ.shape == (N_SAMPLES, W.shape[1])
        assert layer.dA_in.shape == (N_SAMPLES, W.shape[0])
    for lower, upper in zip(trace.layers[:-1], trace.layers[1:]):
        assert_array_equal(lower.dA, upper.dA_in)
        assert_allclose(lower.dZ, lower.dA * lower.derivative, rtol=1e-12, atol=1e-15)
    assert trace.layers[-1].dA is None
    assert trace.dX.shape == X.shape


def test_sparse_batch_gives_the_dense_gradient():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)) * (rng.random((N_SAMPLES, N_FEATURES)) < 0.5)
    y = np.arange(N_SAMPLES) % 3
    estimator = ScratchMLPClassifier((4,), activation="logistic", random_state=0)
    dense = trace_backprop(estimator, X, y)
    sparse = trace_backprop(estimator, sp.csr_matrix(X), y)
    assert_allclose(sparse.gradient, dense.gradient, rtol=1e-12, atol=1e-15)
    assert "Step 1. Forward pass" in str(sparse)


def test_printout_names_every_step_and_shows_the_numbers():
    X = np.array([[0.5, -1.0], [1.5, 0.5], [-1.0, 2.0]])
    estimator = ScratchMLPClassifier((2,), activation="tanh", random_state=0)
    trace = trace_backprop(estimator, X, [0, 1, 1], learning_rate=0.1)
    printed = str(trace)
    for step in STEPS:
        assert step in printed
    for formula in ["Z0 = X @ W0 + b0", "A0 = tanh(Z0)", "f'(Z0) = 1 - A0**2", "dX = dZ0 @ W0.T"]:
        assert formula in printed
    assert f"{trace.objective:.10g}" in printed
    assert "learning rate 0.1" in printed


def test_printout_summarises_large_arrays():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 4)), np.arange(50) % 2
    printed = str(trace_backprop(ScratchMLPClassifier((8,), random_state=0), X, y))
    assert "X: shape (50, 4), min" in printed
    assert "W1 = [[" in printed  # (8, 1): small enough to print in full


def test_plot_returns_a_figure_of_the_network():
    X = np.array([[0.5, -1.0], [1.5, 0.5], [-1.0, 2.0]])
    trace = trace_backprop(ScratchMLPClassifier((3,), random_state=0), X, [0, 1, 1])
    figure = trace.plot(sample=1)
    assert isinstance(figure, matplotlib.figure.Figure)
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert f"{trace.layers[0].A[1, 0]:.2f}" in texts  # a node shows the sample's activation
    assert any(text.startswith("W ") and "dW" in text for text in texts)
    matplotlib.pyplot.close(figure)


def test_plot_refuses_wide_networks_and_bad_samples():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 3)), np.arange(5) % 2
    with pytest.raises(ValueError, match="at most 12 units"):
        trace_backprop(ScratchMLPClassifier((20,)), X, y).plot()
    with pytest.raises(ValueError, match="out of range"):
        trace_backprop(ScratchMLPClassifier((2,)), X, y).plot(sample=5)


def test_learning_rate_defaults_to_learning_rate_init_and_must_be_positive():
    X = np.array([[0.5, -1.0], [1.5, 0.5], [-1.0, 2.0]])
    estimator = ScratchMLPRegressor((2,), learning_rate_init=0.02, random_state=0)
    assert trace_backprop(estimator, X, [1.0, 2.0, 3.0]).learning_rate == 0.02
    with pytest.raises(ValueError, match="learning_rate"):
        trace_backprop(estimator, X, [1.0, 2.0, 3.0], learning_rate=0)


def test_a_fitted_classifier_traces_a_single_sample():
    # One sample holds one class; a fitted classifier knows the others.
    X = np.array([[0.5, -1.0], [1.5, 0.5], [-1.0, 2.0], [0.0, 0.3]])
    model = ScratchMLPClassifier((3,), solver="lbfgs", random_state=0).fit(X, [0, 1, 1, 0])
    trace = trace_backprop(model, X[:1], [0])
    assert trace.Y.shape == (1, 1)
    assert trace.layers[-1].A.shape == (1, 1)
