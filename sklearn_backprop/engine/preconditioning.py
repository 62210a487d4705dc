"""A linear model's gradient in centred, rescaled coordinates: SGD on unscaled data.

Plain SGD on features around 1e3 is hopeless with any one step size: the
weights' curvature is ~1e6 times the intercept's, and a feature mean far from
zero couples the intercept with every weight. A change of variables removes
both, without touching the data: with ``mu`` the features' means and ``s_j``
a scale per feature, SGD runs on

    w' = w / sqrt(s),   b' = b + mu . w

(centred features, unit scale), which is the same as preconditioning the
gradient ``g = (g_W, g_b)`` of the original parameters by ``M = T^-1 D T^-T``::

    u_W = s * (g_W - mu g_b)        (per feature j, per output k)
    p_W = u_W,   p_b = g_b - mu . u_W

and stepping ``params -= lr * p``. The optimizer's rule (momentum, Nesterov,
schedules) is unchanged; it only sees ``p`` for ``g``.
"""

import numpy as np


class CenteredScaling:
    """``M g`` for one dense layer laid out as ``[W (n_features, n_outputs), b (n_outputs)]``.

    Parameters
    ----------
    mean : ndarray of shape (n_features,)
        The features' (weighted) means; zeros without an intercept.
    scale : ndarray of shape (n_features,)
        Per-feature multipliers ``s_j`` of the weights' steps (e.g. one over
        the largest squared centred value of feature j).
    fit_intercept : bool
    """

    def __init__(self, mean, scale, fit_intercept):
        self.mean = np.asarray(mean, dtype=np.float64)[:, np.newaxis]
        self.scale = np.asarray(scale, dtype=np.float64)[:, np.newaxis]
        self.fit_intercept = fit_intercept

    def __call__(self, grad, out):
        """Write ``M grad`` into ``out`` (shaped like ``grad``) and return it."""
        n_features = self.mean.shape[0]
        k = len(grad) // (n_features + int(self.fit_intercept))  # outputs
        n_coef = n_features * k
        g_W = grad[:n_coef].reshape(-1, k)
        u_W = out[:n_coef].reshape(-1, k)
        if self.fit_intercept:
            g_b = grad[n_coef:]
            np.multiply(self.mean, g_b, out=u_W)
            np.subtract(g_W, u_W, out=u_W)  # g_W - mu g_b
            u_W *= self.scale
            out[n_coef:] = g_b - self.mean[:, 0] @ u_W
        else:
            np.multiply(g_W, self.scale, out=u_W)
        return out
