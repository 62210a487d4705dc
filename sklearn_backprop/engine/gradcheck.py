"""Finite differences: the independent witness that backpropagation is right."""

import numpy as np

from .activations import _BuiltIn


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


#: Where a user's activation is checked: both signs, away from 0 (where relu-like
#: functions have a kink) and within the range where activations usually live.
ACTIVATION_CHECK_POINTS = np.array([-3.1, -1.7, -0.9, -0.35, 0.25, 0.8, 1.6, 2.9])


def activation_derivative_error(activation, points=ACTIVATION_CHECK_POINTS, h=1e-5):
    """Worst error of ``activation.derivative`` against central differences of ``forward``.

    Parameters
    ----------
    activation : Activation
    points : ndarray of shape (n_points,), default=ACTIVATION_CHECK_POINTS
    h : float, default=1e-5

    Returns
    -------
    error : float
        ``max |derivative - numerical| / max(1, |numerical|)`` over the points.
    z : float
        The point where it is reached.

    Notes
    -----
    numerical f'(z) = (f(z + h) - f(z - h)) / (2 h), error O(h^2 f''' + eps / h) ~ 1e-10.
    Every call gets a fresh 2-D float64 array: ``forward`` may overwrite it.
    """

    def forward(Z):
        return np.asarray(activation.forward(Z.copy()), dtype=np.float64)

    Z = points.reshape(1, -1).astype(np.float64)
    numerical = (forward(Z + h) - forward(Z - h)) / (2 * h)
    A = forward(Z)
    analytic = np.asarray(activation.derivative(Z.copy(), A.copy()), dtype=np.float64)
    errors = np.abs(np.broadcast_to(analytic, Z.shape) - numerical) / np.maximum(
        1.0, np.abs(numerical)
    )
    errors = np.where(np.isnan(errors), np.inf, errors)
    worst = int(np.argmax(errors))
    return float(errors.ravel()[worst]), float(Z.ravel()[worst])


def check_activation(activation, rtol=1e-5):
    """Raise a ValueError if a user-written activation's derivative is wrong.

    Built-in activations (tested once, in the test suite) are not checked.
    """
    if isinstance(activation, _BuiltIn):
        return
    error, z = activation_derivative_error(activation)
    if not error <= rtol:
        raise ValueError(
            f"The derivative of activation {activation!r} disagrees with central "
            f"differences of its forward: worst relative error {error:.3g} at z = {z:g} "
            f"(tolerance {rtol:g}). Check its derivative(Z, A)."
        )
