"""Losses: values against ``sklearn.metrics``, gradients against finite differences.

Scope: ``sklearn_backprop.engine.losses``. Each loss's ``value(Y, Z, w)`` is a weighted mean
over samples of a per-sample loss summed over outputs; it must agree with scikit-learn's
metric under the documented scaling (half squared error, half Poisson deviance), with and
without sample weights. ``gradient(Y, A, w)``, given ``A = link.forward(Z)``, must be the
derivative of ``value`` w.r.t. the raw output ``Z``. Values stay finite for extreme logits.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit, softmax
from sklearn.metrics import log_loss, mean_poisson_deviance, mean_squared_error

from conftest import numerical_gradient
from sklearn_backprop.engine import (
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Exp,
    Identity,
    Logistic,
    PoissonDeviance,
    Softmax,
    SquaredError,
)

N_SAMPLES = 8


def _targets(loss_name, n_outputs, rng, n_samples=N_SAMPLES):
    """Targets a loss accepts: reals, 0/1 indicators, one-hot rows, or counts."""
    if loss_name == "squared_error":
        return rng.normal(size=(n_samples, n_outputs))
    if loss_name == "binary":
        return rng.integers(0, 2, size=(n_samples, n_outputs)).astype(float)
    if loss_name == "categorical":
        labels = np.arange(n_samples) % n_outputs  # every class present
        return np.eye(n_outputs)[rng.permutation(labels)]
    return rng.poisson(1.5, size=(n_samples, n_outputs)).astype(float)


LOSSES = {
    "squared_error": SquaredError(),
    "binary": BinaryCrossEntropy(),
    "categorical": CategoricalCrossEntropy(),
    "poisson": PoissonDeviance(),
}


def _weights(weighted, rng, n_samples=N_SAMPLES):
    if not weighted:
        return None
    w = rng.uniform(0.1, 3.0, size=n_samples)
    w[1] = 0.0  # a zero weight must remove its sample
    return w


# The sklearn metric each loss must reproduce, with the loss's documented scaling.
def _sklearn_squared_error(Y, Z, w):
    # Half the squared error summed over outputs; mean_squared_error averages over outputs.
    per_output = mean_squared_error(Y, Z, sample_weight=w, multioutput="raw_values")
    return 0.5 * per_output.sum()


def _sklearn_binary(Y, Z, w):
    # One independent log loss per output, summed.
    return sum(
        log_loss(Y[:, k], expit(Z[:, k]), sample_weight=w, labels=[0, 1]) for k in range(Y.shape[1])
    )


def _sklearn_categorical(Y, Z, w):
    return log_loss(Y.argmax(axis=1), softmax(Z, axis=1), sample_weight=w, labels=range(Y.shape[1]))


def _sklearn_poisson(Y, Z, w):
    # Half the Poisson deviance summed over outputs.
    per_output = [
        mean_poisson_deviance(Y[:, k], np.exp(Z[:, k]), sample_weight=w) for k in range(Y.shape[1])
    ]
    return 0.5 * sum(per_output)


SKLEARN_VALUE = {
    "squared_error": _sklearn_squared_error,
    "binary": _sklearn_binary,
    "categorical": _sklearn_categorical,
    "poisson": _sklearn_poisson,
}

# (loss, n_outputs): single and multiple outputs wherever the loss allows them.
LOSS_OUTPUTS = [
    ("squared_error", 1),
    ("squared_error", 3),
    ("binary", 1),
    ("binary", 3),
    ("categorical", 2),
    ("categorical", 4),
    ("poisson", 1),
    ("poisson", 3),
]
LOSS_OUTPUT_IDS = [f"{name}-{k}out" for name, k in LOSS_OUTPUTS]
WEIGHTED = pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])


def test_each_loss_has_its_canonical_link():
    assert isinstance(SquaredError.link, Identity)
    assert isinstance(BinaryCrossEntropy.link, Logistic)
    assert isinstance(CategoricalCrossEntropy.link, Softmax)
    assert isinstance(PoissonDeviance.link, Exp)


@WEIGHTED
@pytest.mark.parametrize(("loss_name", "n_outputs"), LOSS_OUTPUTS, ids=LOSS_OUTPUT_IDS)
def test_value_agrees_with_sklearn_metric(loss_name, n_outputs, weighted, rng):
    Y = _targets(loss_name, n_outputs, rng)
    Z = rng.normal(size=Y.shape)
    w = _weights(weighted, rng)
    value = LOSSES[loss_name].value(Y, Z.copy(), w)
    assert isinstance(value, float)
    assert_allclose(value, SKLEARN_VALUE[loss_name](Y, Z, w), rtol=1e-12)


@pytest.mark.parametrize("loss_name", list(LOSSES))
def test_integer_sample_weights_equal_repeated_samples(loss_name, rng):
    loss = LOSSES[loss_name]
    Y = _targets(loss_name, 3, rng)
    Z = rng.normal(size=Y.shape)
    repeats = rng.integers(1, 4, size=len(Y))
    Y_rep, Z_rep = np.repeat(Y, repeats, axis=0), np.repeat(Z, repeats, axis=0)
    w = repeats.astype(float)
    assert_allclose(loss.value(Y, Z, w), loss.value(Y_rep, Z_rep), rtol=1e-12)
    dZ = loss.gradient(Y, loss.link.forward(Z.copy()), w)
    dZ_rep = loss.gradient(Y_rep, loss.link.forward(Z_rep.copy()))
    # Each original row's gradient is the sum of its copies' gradients.
    first_copy = np.r_[0, np.cumsum(repeats)[:-1]]
    assert_allclose(dZ, np.add.reduceat(dZ_rep, first_copy, axis=0), rtol=1e-12, atol=1e-15)


@WEIGHTED
@pytest.mark.parametrize(("loss_name", "n_outputs"), LOSS_OUTPUTS, ids=LOSS_OUTPUT_IDS)
def test_gradient_equals_finite_differences_of_value(loss_name, n_outputs, weighted, rng):
    loss = LOSSES[loss_name]
    Y = _targets(loss_name, n_outputs, rng)
    Z = rng.normal(size=Y.shape)
    w = _weights(weighted, rng)

    def value(Z_):
        return loss.value(Y, Z_.copy(), w)

    expected = numerical_gradient(value, Z.copy())
    A = loss.link.forward(Z.copy())
    dZ = loss.gradient(Y, A, w)
    assert dZ.shape == Z.shape
    assert_allclose(dZ, expected, rtol=1e-8, atol=1e-11)


@pytest.mark.parametrize("loss_name", list(LOSSES))
def test_gradient_can_overwrite_its_input(loss_name, rng):
    loss = LOSSES[loss_name]
    Y = _targets(loss_name, 2, rng)
    Z = rng.normal(size=Y.shape)
    w = _weights(True, rng)
    A = loss.link.forward(Z.copy())
    expected = loss.gradient(Y, A.copy(), w)
    dZ = loss.gradient(Y, A, w, out=A)
    assert dZ is A
    assert_allclose(dZ, expected, rtol=1e-15)


def test_value_is_zero_for_perfect_squared_error_and_poisson_predictions(rng):
    Y = rng.poisson(2.0, size=(6, 2)).astype(float) + 1.0
    assert SquaredError().value(Y, Y.copy()) == 0.0
    assert_allclose(PoissonDeviance().value(Y, np.log(Y)), 0.0, atol=1e-14)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_cross_entropies_are_finite_and_exact_for_logits_of_1e4(weighted):
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [0.0, -1e4, 1e4]])
    Y = np.eye(3)[[0, 0, 1]]  # right, confidently wrong, confidently wrong
    w = np.array([1.0, 2.0, 3.0]) if weighted else None
    w_norm = np.ones(3) / 3 if w is None else w / w.sum()
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        categorical = CategoricalCrossEntropy().value(Y, Z.copy(), w)
        binary = BinaryCrossEntropy().value(Y, Z.copy(), w)
        grads = [
            loss.gradient(Y, loss.link.forward(Z.copy()), w)
            for loss in (CategoricalCrossEntropy(), BinaryCrossEntropy())
        ]
    # -log softmax(z)_y: 0, 2e4 and 2e4 (log(2) and the like are lost next to 1e4).
    assert_allclose(categorical, w_norm @ [0.0, 2e4, 2e4], rtol=1e-12)
    # Per output log(1 + exp(z)) - y z: zero when right, |z| when confidently wrong, log 2 at 0.
    per_sample_binary = np.array([np.log(2), 2e4 + np.log(2), 2e4 + np.log(2)])
    assert_allclose(binary, w_norm @ per_sample_binary, rtol=1e-12)
    for dZ in grads:
        assert np.isfinite(dZ).all()


def test_squared_error_is_finite_for_raw_outputs_of_1e4():
    Z = np.array([[1e4], [-1e4]])
    Y = np.zeros((2, 1))
    assert SquaredError().value(Y, Z) == 0.5 * 1e8


def test_poisson_value_and_gradient_are_finite_for_raw_outputs_of_1e4():
    # exp(1e4) is not a float: the capped rate keeps a single wild output huge but finite.
    Z = np.array([[1e4], [-1e4]])
    Y = np.array([[1.0], [2.0]])
    loss = PoissonDeviance()
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        value = loss.value(Y, Z.copy())
        dZ = loss.gradient(Y, loss.link.forward(Z.copy()))
    assert np.isfinite(value)
    assert value > 1e300
    assert np.isfinite(dZ).all()


# (loss, logit scale): Poisson only where its value is a float (exp of the raw output).
VALUE_AND_LINK_CASES = [
    (name, scale)
    for name in LOSSES
    for scale in (1.0, 50.0, 150.0, 1e4)
    if name != "poisson" or scale <= 50.0
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(
    ("loss_name", "scale"),
    VALUE_AND_LINK_CASES,
    ids=[f"{name}-logits{scale:g}" for name, scale in VALUE_AND_LINK_CASES],
)
def test_value_and_link_equals_value_then_link_forward(loss_name, scale, dtype, rng):
    # What value_and_gradient calls: the loss from Z, then A = link(Z) written over Z.
    loss = LOSSES[loss_name]
    Y = _targets(loss_name, 3, rng).astype(dtype)
    Z = (scale * rng.uniform(-1.0, 1.0, size=Y.shape)).astype(dtype)
    Z[0] = [scale, -scale, 0.0]
    w = _weights(True, rng).astype(dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        expected_value = loss.value(Y, Z.copy(), w)
        expected_A = loss.link.forward(Z.copy())
        Z_buffer = Z.copy()
        value, A = loss.value_and_link(Y, Z_buffer, w)
    assert A is Z_buffer
    assert A.dtype == dtype
    assert np.isfinite(value)
    assert np.isfinite(A).all()
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert_allclose(value, expected_value, rtol=rtol)
    assert_allclose(A, expected_A, rtol=rtol, atol=1e-300 if dtype == np.float64 else 1e-30)
