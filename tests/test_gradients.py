"""The whole objective's gradient: backpropagation against finite differences.

Scope: ``sklearn_backprop.engine.objective`` (with ``network`` and ``losses`` underneath).
``value_and_gradient`` is checked on the full grid activation x head x hidden sizes x
sample weights x alpha, in float64 on 7 x 4 data, against the fourth-order central
difference of ``conftest.numerical_gradient``, for all nine hidden activations. Then: one
activation per hidden layer, a fixed dropout mask, the elastic-net penalty away from
zero, networks without intercepts,
``LeastSquaresObjective`` (the Gram-matrix form of the same objective), sparse inputs and
float32 networks give the same value and gradient as the dense float64 backpropagation.
"""

import functools
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from conftest import numerical_gradient
from sklearn_backprop import LeakyReLU
from sklearn_backprop.engine import (
    HIDDEN_ACTIVATIONS,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    ElasticNet,
    LeastSquaresObjective,
    Network,
    PoissonDeviance,
    SquaredError,
    Workspace,
    value_and_gradient,
)

N_SAMPLES, N_FEATURES = 7, 4
RTOL, ATOL, NORM_RTOL = 1e-6, 1e-9, 1e-6

ACTIVATIONS = list(HIDDEN_ACTIVATIONS)  # scikit-learn's four, then leaky_relu ... silu
# head -> (loss, n_outputs): more than one output wherever the head allows it.
HEADS = {
    "squared_error": (SquaredError(), 2),
    "binary": (BinaryCrossEntropy(), 3),  # multilabel
    "categorical": (CategoricalCrossEntropy(), 3),
    "poisson": (PoissonDeviance(), 2),
}
HIDDEN_SIZES = [(), (5,), (4, 3)]
HIDDEN_IDS = ["no_hidden", "h5", "h4x3"]
WEIGHTINGS = [False, True]
WEIGHTING_IDS = ["unweighted", "weighted"]
ALPHAS = [0.0, 0.1]
ALPHA_IDS = ["alpha0", "alpha0.1"]


def _targets(head, n_outputs, rng):
    if head == "squared_error":
        return rng.normal(size=(N_SAMPLES, n_outputs))
    if head == "binary":
        return rng.integers(0, 2, size=(N_SAMPLES, n_outputs)).astype(float)
    if head == "categorical":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, size=N_SAMPLES)]
    return rng.poisson(1.0, size=(N_SAMPLES, n_outputs)).astype(float)


def _hidden_pre_activations(network, X):
    """Every hidden layer's Z, by plain matrix algebra (independent of ``Network.forward``)."""
    pre_activations, A = [], X
    for W, b, activation in zip(network.coefs[:-1], network.intercepts[:-1], network.activations):
        Z = A @ W + (0.0 if b is None else b)
        pre_activations.append(Z)
        A = activation.forward(Z.copy())
    return pre_activations


def _random_params(network, X, rng, margin=0.02):
    """Random parameters with no hidden unit within ``margin`` of ReLU's kink.

    Finite differences across a kink measure neither one-sided derivative; the
    steps taken (at most 2e-4 per parameter) move a pre-activation by far less than
    ``margin`` on this data.
    """
    for _ in range(100):
        network.params[...] = rng.normal(scale=0.5, size=network.params.shape)
        hidden = _hidden_pre_activations(network, X)
        if all(np.abs(Z).min() > margin for Z in hidden):
            return network.params.copy()
    raise RuntimeError("could not draw parameters away from the kink")


def make_problem(activation, head, hidden, weighted, seed, fit_intercept=True, dropout=None):
    """A network at random parameters, with data and targets for ``head``.

    ``activation`` is a name, or a list of names or Activation objects (one per layer).
    """
    rng = np.random.default_rng(seed)
    loss, n_outputs = HEADS[head]
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    Y = _targets(head, n_outputs, rng)
    sample_weight = rng.uniform(0.0, 2.0, size=N_SAMPLES) if weighted else None
    if isinstance(activation, list):
        activation = [HIDDEN_ACTIVATIONS.get(a, a) if isinstance(a, str) else a for a in activation]
    else:
        activation = HIDDEN_ACTIVATIONS[activation]
    network = Network(
        (N_FEATURES, *hidden, n_outputs),
        activation,
        loss.link,
        fit_intercept=fit_intercept,
        dropout=dropout,
    )
    params = _random_params(network, X, rng)
    return network, params, X, Y, loss, sample_weight


def backprop_and_numerical_gradients(
    network, params, X, Y, loss, alpha, sample_weight, workspace=None, penalty=None
):
    """Backpropagated and numerical gradients at ``params`` (through ``workspace`` if given)."""

    def objective(p):
        network.params[...] = p
        return value_and_gradient(
            network, X, Y, loss, alpha, sample_weight, workspace, penalty=penalty
        )[0]

    expected = numerical_gradient(objective, params.copy())
    network.params[...] = params
    _, grad = value_and_gradient(
        network, X, Y, loss, alpha, sample_weight, workspace, penalty=penalty
    )
    return grad.copy(), expected


def norm_relative_error(grad, expected):
    return np.linalg.norm(grad - expected) / np.linalg.norm(expected)


GRID = list(itertools.product(ACTIVATIONS, HEADS, range(len(HIDDEN_SIZES)), WEIGHTINGS, ALPHAS))


@functools.cache
def grid_gradients(case):
    """Backpropagated and numerical gradients for one grid point, computed once per session.

    Both the parametrized check and the worst-error report read from here, so the grid
    (the slow part of this module) runs once. Each case draws its own data from a seed
    given by its position in the grid.
    """
    activation, head, hidden_index, weighted, alpha = case
    network, params, X, Y, loss, w = make_problem(
        activation, head, HIDDEN_SIZES[hidden_index], weighted, seed=GRID.index(case)
    )
    grad, expected = backprop_and_numerical_gradients(network, params, X, Y, loss, alpha, w)
    grad.flags.writeable = expected.flags.writeable = False
    return grad, expected


@pytest.mark.parametrize("alpha", ALPHAS, ids=ALPHA_IDS)
@pytest.mark.parametrize("weighted", WEIGHTINGS, ids=WEIGHTING_IDS)
@pytest.mark.parametrize("hidden_index", range(len(HIDDEN_SIZES)), ids=HIDDEN_IDS)
@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_value_and_gradient_equals_finite_differences(
    activation, head, hidden_index, weighted, alpha
):
    grad, expected = grid_gradients((activation, head, hidden_index, weighted, alpha))
    assert_allclose(grad, expected, rtol=RTOL, atol=ATOL)
    assert norm_relative_error(grad, expected) <= NORM_RTOL


PER_LAYER = {
    "tanh-gelu": ["tanh", "gelu"],
    "leaky0.1-silu": [LeakyReLU(negative_slope=0.1), "silu"],
    "logistic-elu": ["logistic", "elu"],
}


@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("activations", list(PER_LAYER))
def test_value_and_gradient_with_one_activation_per_layer(activations, head):
    network, params, X, Y, loss, w = make_problem(PER_LAYER[activations], head, (4, 3), True, 3)
    grad, expected = backprop_and_numerical_gradients(network, params, X, Y, loss, 0.1, w)
    assert_allclose(grad, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_value_and_gradient_with_a_fixed_dropout_mask(activation, head):
    # A fixed mask makes the dropped network a deterministic function of the parameters:
    # backprop must be its exact gradient (the masks multiply in forward and backward).
    network, params, X, Y, loss, w = make_problem(
        activation, head, (5, 4), True, 4, dropout=(0.5, 0.25)
    )
    workspace = Workspace(network, N_SAMPLES)
    workspace.draw_dropout_masks(np.random.RandomState(0), N_SAMPLES)
    masks = [mask.copy() for mask in workspace.masks]
    assert all((mask == 0).any() and (mask > 0).any() for mask in masks)
    grad, expected = backprop_and_numerical_gradients(
        network, params, X, Y, loss, 0.1, w, workspace=workspace
    )
    assert_allclose(grad, expected, rtol=RTOL, atol=ATOL)
    # Without the masks the gradient is another one: the masks were used.
    plain, _ = backprop_and_numerical_gradients(network, params, X, Y, loss, 0.1, w)
    assert not np.allclose(plain, grad)


@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("hidden_index", range(len(HIDDEN_SIZES)), ids=HIDDEN_IDS)
def test_elastic_net_value_and_gradient_away_from_zero(hidden_index, head):
    # Away from zero |W| is differentiable; its derivative a1 * sign(W) / sum(w) is what
    # the solvers apply through prox (or the L-BFGS split), so add it here by hand.
    network, params, X, Y, loss, w = make_problem("tanh", head, HIDDEN_SIZES[hidden_index], True, 5)
    W = params[: network.n_coef]
    W += 0.05 * np.sign(W)  # every weight at least 0.05 from 0: steps are 2e-4
    penalty = ElasticNet(0.3, l1_ratio=0.6)
    grad, expected = backprop_and_numerical_gradients(
        network, params, X, Y, loss, 0.0, w, penalty=penalty
    )
    grad[: network.n_coef] += penalty.l1_strength * np.sign(W) / w.sum()
    assert_allclose(grad, expected, rtol=RTOL, atol=ATOL)


def _case_id(case):
    activation, head, hidden_index, weighted, alpha = case
    weighting = WEIGHTING_IDS[WEIGHTINGS.index(weighted)]
    return f"{activation}-{head}-{HIDDEN_IDS[hidden_index]}-{weighting}-alpha{alpha:g}"


def test_worst_gradient_check_error_over_the_full_grid(record_property):
    """Report the worst disagreement over the whole grid (run with ``-s`` to see it)."""
    worst_entry, worst_norm, worst_abs = (0.0, None), (0.0, None), (0.0, None)
    for case in GRID:
        grad, expected = grid_gradients(case)
        abs_error = np.abs(grad - expected)
        # Relative error per entry, over entries large enough for it to mean something
        # (elsewhere allclose's atol governs, and the absolute error is reported).
        large = np.abs(expected) > ATOL / RTOL
        entry = (abs_error[large] / np.abs(expected[large])).max(initial=0.0)
        worst_entry = max(worst_entry, (entry, _case_id(case)), key=lambda t: t[0])
        worst_abs = max(
            worst_abs, (abs_error[~large].max(initial=0.0), _case_id(case)), key=lambda t: t[0]
        )
        worst_norm = max(
            worst_norm, (norm_relative_error(grad, expected), _case_id(case)), key=lambda t: t[0]
        )
    record_property("worst_entrywise_relative_error", worst_entry[0])
    record_property("worst_normwise_relative_error", worst_norm[0])
    record_property("worst_absolute_error_small_entries", worst_abs[0])
    print(
        f"\ngradient check over {len(GRID)} cases: worst entrywise relative error "
        f"{worst_entry[0]:.2e} at {worst_entry[1]}, worst norm-wise relative error "
        f"{worst_norm[0]:.2e} at {worst_norm[1]}, worst absolute error on entries "
        f"|g| <= {ATOL / RTOL:g}: {worst_abs[0]:.2e} at {worst_abs[1]}"
    )
    assert worst_entry[0] <= RTOL
    assert worst_norm[0] <= NORM_RTOL
    assert worst_abs[0] <= 2 * ATOL


@pytest.mark.parametrize("hidden", [(), (5,)], ids=["no_hidden", "h5"])
@pytest.mark.parametrize("head", list(HEADS))
def test_network_without_intercept_has_no_bias_and_exact_gradient(head, hidden):
    network, params, X, Y, loss, w = make_problem(
        "tanh", head, hidden, weighted=True, seed=7, fit_intercept=False
    )
    assert network.params.size == network.n_coef
    assert all(b is None for b in network.intercepts)
    grad, expected = backprop_and_numerical_gradients(network, params, X, Y, loss, 0.1, w)
    assert_allclose(grad, expected, rtol=RTOL, atol=ATOL)
    assert norm_relative_error(grad, expected) <= NORM_RTOL


def test_penalty_term_is_half_alpha_squared_weights_over_weight_sum():
    # The objective is loss + 0.5 * alpha * ||W||^2 / sum(w), biases not penalised.
    network, params, X, Y, loss, w = make_problem("relu", "binary", (5,), True, seed=3)
    network.params[...] = params
    value_0, _ = value_and_gradient(network, X, Y, loss, 0.0, w)
    value_a, _ = value_and_gradient(network, X, Y, loss, 0.7, w)
    squared_weights = sum(np.sum(W**2) for W in network.coefs)
    assert_allclose(value_a - value_0, 0.5 * 0.7 * squared_weights / w.sum(), rtol=1e-12)


LEAST_SQUARES_CASES = list(itertools.product([True, False], [False, True], [0.0, 0.3], [1, 3]))
LEAST_SQUARES_IDS = [
    f"{'intercept' if fi else 'no_intercept'}-{'weighted' if sw else 'unweighted'}-alpha{a}-{k}out"
    for fi, sw, a, k in LEAST_SQUARES_CASES
]


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize(
    ("fit_intercept", "weighted", "alpha", "n_outputs"),
    LEAST_SQUARES_CASES,
    ids=LEAST_SQUARES_IDS,
)
def test_least_squares_objective_equals_value_and_gradient(
    fit_intercept, weighted, alpha, n_outputs, sparse, rng
):
    X = rng.normal(size=(12, 5))
    X[X < -0.5] = 0.0
    Y = rng.normal(size=(12, n_outputs)) + 3.0
    w = rng.uniform(0.0, 2.0, size=12) if weighted else None
    loss = SquaredError()
    network = Network((5, n_outputs), HIDDEN_ACTIVATIONS["identity"], loss.link, fit_intercept)
    network.params[...] = rng.normal(size=network.params.shape)
    X_in = sp.csr_matrix(X) if sparse else X
    value, grad = value_and_gradient(network, X, Y, loss, alpha, w)
    grad = grad.copy()
    objective = LeastSquaresObjective(network, X_in, Y, alpha, w)
    assert LeastSquaresObjective.applies(network, loss, X_in)
    ls_value, ls_grad = objective()
    assert isinstance(ls_value, float)
    assert_allclose(ls_value, value, rtol=1e-12)
    assert_allclose(ls_grad, grad, rtol=1e-10, atol=1e-13)
    # A second evaluation elsewhere must not carry anything over from the first.
    network.params[...] = rng.normal(size=network.params.shape)
    value, grad = value_and_gradient(network, X, Y, loss, alpha, w)
    ls_value, ls_grad = objective()
    assert_allclose(ls_value, value, rtol=1e-12)
    assert_allclose(ls_grad, grad, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("weighted", WEIGHTINGS, ids=WEIGHTING_IDS)
@pytest.mark.parametrize("hidden", [(), (4, 3)], ids=["no_hidden", "h4x3"])
@pytest.mark.parametrize("head", list(HEADS))
def test_sparse_csr_input_gives_dense_value_and_gradient(head, hidden, weighted):
    network, params, X, Y, loss, w = make_problem("logistic", head, hidden, weighted, seed=11)
    X[np.abs(X) < 0.7] = 0.0  # about half the entries
    network.params[...] = params
    value, grad = value_and_gradient(network, X, Y, loss, 0.1, w)
    grad = grad.copy()
    sparse_value, sparse_grad = value_and_gradient(network, sp.csr_matrix(X), Y, loss, 0.1, w)
    assert_allclose(sparse_value, value, rtol=1e-13)
    assert_allclose(sparse_grad, grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("head", list(HEADS))
def test_float32_network_gives_float32_gradient_close_to_float64(head):
    network, params, X, Y, loss, w = make_problem("tanh", head, (5,), True, seed=5)
    network.params[...] = params
    value, grad = value_and_gradient(network, X, Y, loss, 0.1, w)
    grad = grad.copy()
    network32 = Network(network.layer_units, network.activation, loss.link, dtype=np.float32)
    network32.params[...] = params
    value32, grad32 = value_and_gradient(
        network32,
        X.astype(np.float32),
        Y.astype(np.float32),
        loss,
        0.1,
        w.astype(np.float32),
    )
    assert network32.params.dtype == np.float32
    assert grad32.dtype == np.float32
    assert_allclose(value32, value, rtol=1e-5)
    assert_allclose(grad32, grad, rtol=1e-4, atol=1e-5)


def test_workspace_gradient_is_reused_and_a_smaller_batch_fits_a_larger_workspace():
    # value_and_gradient writes into the workspace; a batch smaller than the workspace
    # must use its leading rows and give the same result as a fresh allocation.
    network, params, X, Y, loss, w = make_problem("relu", "categorical", (4, 3), True, seed=2)
    network.params[...] = params
    workspace = Workspace(network, 2 * N_SAMPLES)
    value, grad = value_and_gradient(network, X, Y, loss, 0.1, w, workspace)
    assert grad is workspace.grad
    expected_value, expected_grad = value_and_gradient(network, X, Y, loss, 0.1, w)
    assert value == expected_value
    assert_allclose(grad, expected_grad, rtol=1e-14, atol=1e-16)
