"""Finite differences: the independent witness that backpropagation is right."""

import numpy as np


def numerical_gradient(fun, x, h=1e-4, indices=None):
    """Gradient of ``fun`` at ``x`` by fourth-order central differences.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float``; ``x`` is modified in place around each entry and
        restored before returning.
    x : ndarray of shape (n,)
    h : float, default=1e-4
        Step. The fourth-order stencil's truncation error is O(h^4) and its
        rounding error O(eps / h), so h = 1e-4 gives ~1e-12 absolute
        accuracy in float64, where a plain central difference gives ~1e-10.
    indices : array-like of int, default=None
        Entries to differentiate (all when None); others are left at 0.

    Returns
    -------
    grad : ndarray of shape (n,)

    Notes
    -----
    g_i = (-f(x + 2h e_i) + 8 f(x + h e_i) - 8 f(x - h e_i) + f(x - 2h e_i)) / (12 h)
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in range(x.size) if indices is None else indices:
        original = x[i]
        values = []
        for step in (2 * h, h, -h, -2 * h):
            x[i] = original + step
            values.append(fun(x))
        x[i] = original
        grad[i] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)
    return grad
