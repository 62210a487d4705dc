"""Shared fixtures: a seeded generator, tiny datasets, a spy on the solvers, and an independent
finite-difference gradient.

``numerical_gradient`` is written here on purpose, not imported from the package: the witness
that backpropagation is right must not share code with what it checks.
"""

import numpy as np
import pytest

import sklearn_backprop._base as base


@pytest.fixture
def rng():
    """A fresh, seeded generator for every test: draws are reproducible and independent."""
    return np.random.default_rng(0)


@pytest.fixture
def regression_data(rng):
    """``X`` of shape (7, 4) and a two-output real target ``Y`` of shape (7, 2)."""
    X = rng.normal(size=(7, 4))
    Y = rng.normal(size=(7, 2))
    return X, Y


@pytest.fixture
def classification_data(rng):
    """``X`` of shape (9, 4) and integer labels ``y`` in {0, 1, 2}, every class present."""
    X = rng.normal(size=(9, 4))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
    return X, rng.permutation(y)


@pytest.fixture
def solver_calls(monkeypatch):
    """Names of the solvers that were entered: empty means no training happened."""
    calls = []
    for solver in ("fit_stochastic", "fit_lbfgs"):
        original = getattr(base, solver)

        def spy(*args, _original=original, _name=solver, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(base, solver, spy)
    return calls


def numerical_gradient(f, x, eps=1e-4):
    """Gradient of the scalar function ``f`` at ``x`` by fourth-order central differences.

    ``x`` (an ndarray of any shape) is perturbed in place one entry at a time and restored
    before returning. The stencil's truncation error is O(eps**4) and its rounding error
    O(machine epsilon / eps), so eps = 1e-4 is accurate to ~1e-12 relative in float64.

    Notes
    -----
    g_i = (-f(x + 2h e_i) + 8 f(x + h e_i) - 8 f(x - h e_i) + f(x - 2h e_i)) / (12 h)
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    assert np.shares_memory(flat_x, x), "x must be contiguous so that it can be perturbed"
    for i in range(flat_x.size):
        original = flat_x[i]
        f_at = {}
        for k in (-2, -1, 1, 2):
            flat_x[i] = original + k * eps
            f_at[k] = float(f(x))
        flat_x[i] = original
        flat_grad[i] = (-f_at[2] + 8 * f_at[1] - 8 * f_at[-1] + f_at[-2]) / (12 * eps)
    return grad
