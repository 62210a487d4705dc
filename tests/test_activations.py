"""Activations: derivatives against finite differences, in-place passes, extreme inputs.

Scope: ``sklearn_backprop.engine.activations`` and the activation check of ``gradcheck``.
Each of the nine hidden activations' ``backward`` must be the derivative of its ``forward``;
both work in place; nothing overflows or warns for pre-activations as large as 1e4 in
magnitude; ``Exp`` caps its argument instead of overflowing. The parametrised built-ins are
constructible and print their parameters; a user's subclass gets ``backward`` from its
``derivative``, and a wrong derivative is caught by ``check_activation``.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import erf

from conftest import numerical_gradient
from sklearn_backprop import ELU, Activation, LeakyReLU
from sklearn_backprop.engine import HIDDEN_ACTIVATIONS, Exp, Softmax, check_activation

SKLEARN_NAMES = ["identity", "logistic", "tanh", "relu"]
HIDDEN_NAMES = [*SKLEARN_NAMES, "leaky_relu", "elu", "softplus", "gelu", "silu"]

# Every reference below is written from the textbook definition, not from the engine.
REFERENCE_FORWARD = {
    "identity": lambda z: z,
    "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1.0),
    "softplus": lambda z: np.log(1.0 + np.exp(z)),
    "gelu": lambda z: 0.5 * z * (1.0 + erf(z / np.sqrt(2.0))),
    "silu": lambda z: z / (1.0 + np.exp(-z)),
}


def _backward(activation, Z, dA):
    """``backward`` after a forward pass, given ``Z`` too, as the network does."""
    A = activation.forward(Z.copy())
    return activation.backward(A, dA, Z)


EXTREMES = np.array([-1e4, -1e3, -800.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 800.0, 1e4])


def _pre_activations(rng, shape=(6, 3)):
    """Moderate pre-activations kept away from 0, where ReLU has its kink."""
    Z = rng.uniform(0.1, 3.0, size=shape)
    return Z * rng.choice([-1.0, 1.0], size=shape)


def test_hidden_activations_are_sklearn_four_and_five_more():
    assert sorted(HIDDEN_ACTIVATIONS) == sorted(HIDDEN_NAMES)
    for name, activation in HIDDEN_ACTIVATIONS.items():
        assert activation.name == name


@pytest.mark.parametrize("name", HIDDEN_NAMES)
def test_backward_equals_finite_differences_of_forward(name, rng):
    # For an element-wise f, d/dZ sum(dA * f(Z)) = dA * f'(Z): exactly what backward returns.
    activation = HIDDEN_ACTIVATIONS[name]
    Z = _pre_activations(rng)
    dA = rng.normal(size=Z.shape)

    def weighted_output(Z_):
        return np.sum(dA * activation.forward(Z_.copy()))

    expected = numerical_gradient(weighted_output, Z.copy())
    dZ = _backward(activation, Z, dA.copy())
    # atol: the central difference rounds sum(dA * f(Z)) (~10) to eps * 10 / h ~ 1e-11.
    assert_allclose(dZ, expected, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", HIDDEN_NAMES)
def test_forward_matches_definition_and_works_in_place(name, rng):
    activation = HIDDEN_ACTIVATIONS[name]
    Z = _pre_activations(rng)
    expected = REFERENCE_FORWARD[name](Z)
    A = activation.forward(Z)
    assert A is Z
    assert_allclose(Z, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", HIDDEN_NAMES)
def test_backward_works_in_place_on_dA(name, rng):
    activation = HIDDEN_ACTIVATIONS[name]
    Z = _pre_activations(rng)
    dA = rng.normal(size=Z.shape)
    assert _backward(activation, Z, dA) is dA


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", HIDDEN_NAMES)
def test_forward_and_backward_stay_finite_without_warnings_for_huge_inputs(name, dtype):
    activation = HIDDEN_ACTIVATIONS[name]
    Z = EXTREMES.astype(dtype).reshape(-1, 1)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        A = activation.forward(Z.copy())
        dZ = activation.backward(A, np.ones_like(A), Z)
    assert A.dtype == dtype
    assert dZ.dtype == dtype
    assert np.isfinite(A).all()
    assert np.isfinite(dZ).all()
    # Saturated units have the limits of the function and a vanishing derivative.
    if name in ("logistic", "tanh"):
        low = 0.0 if name == "logistic" else -1.0
        assert A[0, 0] == low
        assert A[-1, 0] == 1.0
        assert dZ[0, 0] == 0.0
        assert dZ[-1, 0] == 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", ["elu", "softplus", "gelu", "silu"])
def test_smooth_activations_reach_their_limits_for_huge_inputs(name, dtype):
    activation = HIDDEN_ACTIVATIONS[name]
    Z = np.array([[-1e4, 1e4]], dtype=dtype)
    A = activation.forward(Z.copy())
    dZ = activation.backward(A, np.ones_like(A), Z)
    low = -1.0 if name == "elu" else 0.0
    assert_allclose(A, [[low, 1e4]])
    assert_allclose(dZ, [[0.0, 1.0]], atol=1e-30)


def test_parametrised_activations_take_their_parameters_and_print_them():
    leaky, elu = LeakyReLU(negative_slope=0.2), ELU(alpha=0.5)
    assert repr(leaky) == "LeakyReLU(negative_slope=0.2)"
    assert repr(elu) == "ELU(alpha=0.5)"
    assert_allclose(leaky.forward(np.array([[-1.0, 2.0]])), [[-0.2, 2.0]])
    assert_allclose(elu.forward(np.array([[-np.inf, 2.0]])), [[-0.5, 2.0]])
    assert leaky == LeakyReLU(0.2)
    assert leaky != LeakyReLU(0.3)
    with pytest.raises(ValueError, match="negative_slope"):
        LeakyReLU(negative_slope=1.5)
    with pytest.raises(ValueError, match="alpha"):
        ELU(alpha=0.0)


class Sine(Activation):
    def forward(self, Z):
        return np.sin(Z)

    def derivative(self, Z, A):
        return np.cos(Z)


class WrongSine(Sine):
    def derivative(self, Z, A):
        return -np.cos(Z)


def test_user_activation_gets_backward_from_its_derivative(rng):
    Z = _pre_activations(rng)
    dA = rng.normal(size=Z.shape)
    assert_allclose(_backward(Sine(), Z, dA.copy()), dA * np.cos(Z))
    assert Sine().needs_input
    check_activation(Sine())  # a right derivative passes


def test_user_activation_with_a_wrong_derivative_fails_the_check_naming_it():
    with pytest.raises(ValueError, match=r"WrongSine\(\).*worst relative error"):
        check_activation(WrongSine())


def test_relu_derivative_at_zero_is_zero():
    relu = HIDDEN_ACTIVATIONS["relu"]
    A = relu.forward(np.array([[-1.0, 0.0, 2.0]]))
    assert_array_equal(relu.backward(A, np.ones_like(A)), [[0.0, 0.0, 1.0]])


def test_softmax_rows_are_distributions_and_match_definition(rng):
    Z = rng.normal(size=(5, 4))
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    A = Softmax().forward(Z)
    assert A is Z
    assert_allclose(A, expected, rtol=1e-14)
    assert_allclose(A.sum(axis=1), 1.0, rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_softmax_is_finite_without_warnings_for_huge_logits(dtype):
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [800.0, 799.0, -800.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        A = Softmax().forward(Z.copy())
    assert A.dtype == dtype
    assert np.isfinite(A).all()
    assert_allclose(A.sum(axis=1), 1.0, rtol=1e-6)
    assert_array_equal(A[0], [1.0, 0.0, 0.0])
    assert_allclose(A[1], 1.0 / 3.0, rtol=1e-6)
    e = np.exp(-1.0)
    assert_allclose(A[2], [1.0 / (1.0 + e), e / (1.0 + e), 0.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_exp_caps_overflow_to_a_huge_finite_rate(dtype):
    Z = np.array([-1e4, -3.0, 0.0, 2.5, 80.0, 700.0, 1e4], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise"):
        warnings.simplefilter("error")
        A = Exp().forward(Z.copy())
    assert A.dtype == dtype
    assert np.isfinite(A).all()
    assert (np.diff(A) >= 0).all()
    # Below the cap it is exp itself; at the cap it is within a factor e of the largest float.
    largest = np.finfo(dtype).max
    uncapped = np.abs(Z) < np.log(largest) - 1
    assert_allclose(A[uncapped], np.exp(Z[uncapped].astype(np.float64)), rtol=1e-6)
    assert largest / 3 < A[-1] <= largest


def test_exp_forward_works_in_place(rng):
    Z = rng.normal(size=(4, 2))
    expected = np.exp(Z)
    A = Exp().forward(Z)
    assert A is Z
    assert_allclose(A, expected, rtol=1e-15)
