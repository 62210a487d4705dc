"""Optimizers: each step is the documented update rule; every optimizer minimises a quadratic.

Scope: ``sklearn_backprop.engine.optimizers``. ``SGD.step`` (plain, momentum, Nesterov) and
``Adam.step`` are compared, over several steps, with their docstring rule transcribed here
entry by entry in plain Python; learning-rate schedules follow their formulas; optimizers
keep float32 state for float32 parameters; and each optimizer, fed exact gradients, reaches
the minimum of a round and of an ill-conditioned quadratic.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_backprop.engine import SGD, Adam
from sklearn_backprop.engine.preconditioning import CenteredScaling

PARAMS = [1.0, -2.0, 0.5, 0.0]
GRADS = [
    [0.1, -0.3, 2.0, 0.0],
    [-0.5, 0.2, 0.0, 1e-3],
    [1.0, 1.0, -1.0, -4.0],
    [0.0, -0.7, 0.3, 0.2],
]


def sgd_rule(params, grads, lr, momentum, nesterov):
    """SGD's docstring rule, entry by entry; returns every params and velocity."""
    p, velocity, history = list(params), [0.0] * len(params), []
    for g in grads:
        for i in range(len(p)):
            velocity[i] = momentum * velocity[i] - lr * g[i]
            if nesterov:
                p[i] += momentum * velocity[i] - lr * g[i]
            else:
                p[i] += velocity[i]
        history.append((list(p), list(velocity)))
    return history


def adam_rule(params, grads, lr, beta_1, beta_2, epsilon):
    """Adam's docstring rule, entry by entry; returns every params, m, v and lr_t."""
    p, m, v, history = list(params), [0.0] * len(params), [0.0] * len(params), []
    for t, g in enumerate(grads, start=1):
        lr_t = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        for i in range(len(p)):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g[i]
            v[i] = beta_2 * v[i] + (1 - beta_2) * g[i] ** 2
            p[i] -= lr_t * m[i] / (math.sqrt(v[i]) + epsilon)
        history.append((list(p), list(m), list(v), lr_t))
    return history


SGD_VARIANTS = [(0.0, False), (0.0, True), (0.9, False), (0.9, True), (0.5, True)]
SGD_IDS = ["plain", "plain-nesterov-flag", "momentum", "nesterov", "nesterov-0.5"]


@pytest.mark.parametrize(("momentum", "nesterov"), SGD_VARIANTS, ids=SGD_IDS)
def test_sgd_steps_equal_documented_rule(momentum, nesterov):
    optimizer = SGD(learning_rate_init=0.1, momentum=momentum, nesterov=nesterov)
    params = np.array(PARAMS)
    expected = sgd_rule(PARAMS, GRADS, 0.1, momentum, nesterov)
    for g, (expected_params, expected_velocity) in zip(GRADS, expected):
        grad = np.array(g)
        optimizer.step(params, grad)
        assert_allclose(params, expected_params, rtol=1e-14, atol=1e-16)
        assert_allclose(optimizer.velocity, expected_velocity, rtol=1e-14, atol=1e-16)
        assert_allclose(grad, g, rtol=0)  # the gradient is read, not modified


def test_first_sgd_steps_by_hand():
    # Literal arithmetic for two steps of lr = 0.1, momentum = 0.9, on three entries.
    g1, g2 = np.array([0.1, -0.3, 2.0]), np.array([-0.5, 0.2, 0.0])
    heavy_ball = SGD(0.1, momentum=0.9, nesterov=False)
    nesterov = SGD(0.1, momentum=0.9, nesterov=True)
    p_heavy, p_nesterov = np.array([1.0, -2.0, 0.5]), np.array([1.0, -2.0, 0.5])

    heavy_ball.step(p_heavy, g1)
    nesterov.step(p_nesterov, g1)
    # v1 = -0.1 g1;  heavy ball: p1 = p0 + v1;  Nesterov: p1 = p0 + 0.9 v1 - 0.1 g1
    assert_allclose(heavy_ball.velocity, [-0.01, 0.03, -0.2], rtol=1e-14)
    assert_allclose(nesterov.velocity, [-0.01, 0.03, -0.2], rtol=1e-14)
    assert_allclose(p_heavy, [0.99, -1.97, 0.3], rtol=1e-14)
    assert_allclose(p_nesterov, [0.981, -1.943, 0.12], rtol=1e-14)

    heavy_ball.step(p_heavy, g2)
    nesterov.step(p_nesterov, g2)
    # v2 = 0.9 v1 - 0.1 g2
    assert_allclose(heavy_ball.velocity, [0.041, 0.007, -0.18], rtol=1e-13)
    assert_allclose(nesterov.velocity, [0.041, 0.007, -0.18], rtol=1e-13)
    assert_allclose(p_heavy, [1.031, -1.963, 0.12], rtol=1e-13)
    assert_allclose(p_nesterov, [1.0679, -1.9567, -0.042], rtol=1e-13)


@pytest.mark.parametrize(
    ("lr", "beta_1", "beta_2", "epsilon"),
    [(0.001, 0.9, 0.999, 1e-8), (0.1, 0.5, 0.9, 1e-3)],
    ids=["defaults", "custom"],
)
def test_adam_steps_equal_documented_rule(lr, beta_1, beta_2, epsilon):
    optimizer = Adam(learning_rate_init=lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    params = np.array(PARAMS)
    expected = adam_rule(PARAMS, GRADS, lr, beta_1, beta_2, epsilon)
    for t, (g, (expected_params, m, v, lr_t)) in enumerate(zip(GRADS, expected), start=1):
        grad = np.array(g)
        optimizer.step(params, grad)
        assert optimizer.t == t
        assert_allclose(optimizer.m, m, rtol=1e-14, atol=1e-300)
        assert_allclose(optimizer.v, v, rtol=1e-14, atol=1e-300)
        assert_allclose(optimizer.learning_rate, lr_t, rtol=1e-14)
        assert_allclose(params, expected_params, rtol=1e-13, atol=1e-16)
        assert_allclose(grad, g, rtol=0)


def test_first_adam_step_moves_each_entry_by_the_learning_rate():
    # At t = 1, m = (1 - b1) g and v = (1 - b2) g^2: the bias-corrected step is
    # lr * g / (|g| + eps'), i.e. lr * sign(g) up to epsilon, and 0 where g = 0.
    optimizer = Adam(learning_rate_init=0.01)
    params = np.array([1.0, -2.0, 0.5, 3.0])
    optimizer.step(params, np.array([0.1, -0.3, 2.0, 0.0]))
    assert_allclose(params, [0.99, -1.99, 0.49, 3.0], rtol=1e-6)


def test_invscaling_schedule_follows_formula_after_each_epoch():
    optimizer = SGD(learning_rate_init=0.2, schedule="invscaling", power_t=0.25)
    assert optimizer.learning_rate == 0.2
    for t in (15, 80, 624):
        optimizer.end_epoch(t)
        assert_allclose(optimizer.learning_rate, 0.2 / (t + 1) ** 0.25, rtol=1e-15)
    assert_allclose(optimizer.learning_rate, 0.2 / 5, rtol=1e-15)  # 625 ** 0.25 = 5
    assert optimizer.on_plateau() is False


def test_adaptive_schedule_divides_by_five_on_plateau_until_1e_minus_6():
    optimizer = SGD(learning_rate_init=0.1, schedule="adaptive")
    optimizer.end_epoch(1000)
    assert optimizer.learning_rate == 0.1  # epochs alone do not change it
    rates = [optimizer.learning_rate]
    while optimizer.on_plateau():
        rates.append(optimizer.learning_rate)
        assert len(rates) < 100
    assert_allclose(np.array(rates[1:]) / np.array(rates[:-1]), 0.2, rtol=1e-15)
    # It kept going while the rate was above 1e-6 and stopped at the first one below.
    assert all(rate > 1e-6 for rate in rates[:-1])
    assert rates[-1] <= 1e-6
    assert len(rates) == 1 + math.ceil(math.log(0.1 / 1e-6, 5))
    # A refused plateau leaves the rate as it was, and keeps refusing.
    assert optimizer.learning_rate == rates[-1]
    assert optimizer.on_plateau() is False


@pytest.mark.parametrize(
    "make_optimizer",
    [lambda: SGD(0.1, schedule="constant"), lambda: Adam(0.01)],
    ids=["sgd-constant", "adam"],
)
def test_constant_sgd_and_adam_refuse_plateaus_and_keep_their_rate(make_optimizer):
    optimizer = make_optimizer()
    rate = optimizer.learning_rate
    optimizer.end_epoch(500)
    assert optimizer.on_plateau() is False
    assert optimizer.learning_rate == rate


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: SGD(0.1, momentum=0.0),
        lambda: SGD(0.1, nesterov=False),
        lambda: SGD(0.1),
        lambda: Adam(0.01),
    ],
    ids=["sgd", "momentum", "nesterov", "adam"],
)
def test_float32_params_keep_float32_state(make_optimizer):
    optimizer = make_optimizer()
    params = np.array(PARAMS, dtype=np.float32)
    for g in GRADS:
        optimizer.step(params, np.array(g, dtype=np.float32))
    assert params.dtype == np.float32
    state = [optimizer.velocity] if isinstance(optimizer, SGD) else [optimizer.m, optimizer.v]
    for array in state:
        assert array.dtype == np.float32
        assert array.shape == params.shape


def _quadratic(eigenvalues, rng):
    """Hessian ``H`` with the given spectrum in a random basis, and the minimiser."""
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    return Q @ np.diag(eigenvalues) @ Q.T, rng.normal(size=len(eigenvalues))


QUADRATICS = {"round": [2.0, 2.0, 2.0, 2.0], "condition100": [1.0, 10.0, 50.0, 100.0]}
OPTIMIZERS = {
    # SGD's step is set to 1 / (largest curvature) of each problem.
    "sgd": lambda L: SGD(1.0 / L, momentum=0.0),
    "momentum": lambda L: SGD(1.0 / L, momentum=0.9, nesterov=False),
    "nesterov": lambda L: SGD(1.0 / L, momentum=0.9, nesterov=True),
    "adam": lambda L: Adam(0.01),
}


@pytest.mark.parametrize("quadratic", list(QUADRATICS))
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_reaches_minimum_of_quadratic(name, quadratic, rng):
    # f(x) = 0.5 (x - x*)' H (x - x*), gradient H (x - x*), fed exactly to step().
    eigenvalues = QUADRATICS[quadratic]
    H, minimiser = _quadratic(eigenvalues, rng)
    optimizer = OPTIMIZERS[name](max(eigenvalues))
    x = np.zeros_like(minimiser)
    for _ in range(3000):
        optimizer.step(x, H @ (x - minimiser))
        if np.linalg.norm(x - minimiser) <= 1e-7 * np.linalg.norm(minimiser):
            break
    assert_allclose(x, minimiser, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_centered_scaling_is_the_gradient_in_centred_rescaled_coordinates(fit_intercept):
    # M g = T^-1 D T^-T g, with T (w, b) = (w, b + mu . w) and D = diag(s, 1): SGD on the
    # centred, rescaled variables, written as a preconditioner of the original gradient.
    rng = np.random.default_rng(0)
    n_features, n_outputs = 4, 2
    mean = rng.normal(size=n_features) if fit_intercept else np.zeros(n_features)
    scale = rng.uniform(0.1, 2.0, size=n_features)
    n_coef = n_features * n_outputs
    grad = rng.normal(size=n_coef + (n_outputs if fit_intercept else 0))
    result = CenteredScaling(mean, scale, fit_intercept)(grad, out=np.empty_like(grad))
    g_W = grad[:n_coef].reshape(n_features, n_outputs)
    if fit_intercept:
        # Per output column: theta = (w, b), T = [[I, 0], [mu^T, 1]], D = diag(s, 1).
        T = np.eye(n_features + 1)
        T[-1, :-1] = mean
        M = np.linalg.inv(T) @ np.diag(np.r_[scale, 1.0]) @ np.linalg.inv(T).T
        columns = [M @ np.r_[g_W[:, k], grad[n_coef + k]] for k in range(n_outputs)]
        expected_W = np.column_stack([c[:-1] for c in columns])
        expected = np.r_[expected_W.ravel(), [c[-1] for c in columns]]
    else:
        expected = (np.diag(scale) @ g_W).ravel()
    assert_allclose(result, expected, rtol=1e-12)
