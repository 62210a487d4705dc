"""Penalties on the weights: L2, L1 and elastic-net, as small objects.

Every penalty is a term of the one objective (``objective.py``), divided by
the weight sum of the samples it is evaluated on, and it spares the biases::

    R(W) = alpha * (l1_ratio * ||W||_1 + 0.5 * (1 - l1_ratio) * ||W||^2) / sum(w)

``l1_ratio = 0`` is the L2 penalty scikit-learn's MLP uses, ``1`` the lasso's.
A penalty answers three questions, each given the divisor ``weight_sum``:

- ``value(W, weight_sum)``: the whole term;
- ``add_gradient(W, grad, weight_sum)``: the gradient of its differentiable
  part, the L2 term, added into ``grad``. The L1 term has no gradient at 0,
  which is where it puts weights; the solvers treat it exactly instead:
- ``prox(W, optimizer, weight_sum)``: after a stochastic step, the proximal
  map of the L1 term (soft thresholding), with the step sizes the optimizer
  just used; L-BFGS splits ``W`` into positive and negative parts instead
  (``lbfgs.py``), reading ``l1_strength``.

The optimizers never know which penalty they serve, and the training loop
asks no question about it: the L2 penalty's ``prox`` does nothing.

Converting to scikit-learn (``n`` samples, no sample weights): multiplied by
``n``, the objective of a linear model with squared error is
``0.5 * ||y - X W - b||^2 + alpha * (l1_ratio ||W||_1 + 0.5 (1 - l1_ratio) ||W||^2)``,
i.e. ``n`` times that of ``ElasticNet(alpha=alpha / n, l1_ratio=l1_ratio)``
(``Lasso(alpha=alpha / n)`` for ``l1_ratio = 1``); with the logistic loss it is
``LogisticRegression(C=1 / alpha, l1_ratio=l1_ratio)``'s objective.
"""

import numpy as np


class L2:
    """The L2 (ridge, weight-decay) penalty: today's default, smooth everywhere.

    Parameters
    ----------
    alpha : float
        Strength, ``>= 0``.

    Notes
    -----
    value:     R = 0.5 * alpha * ||W||^2 / sum(w)
    gradient:  dR/dW = alpha * W / sum(w)
    prox:      the identity (the gradient step already holds the whole penalty)
    """

    l1_strength = 0.0

    def __init__(self, alpha):
        self.alpha = alpha
        self.l2_strength = alpha

    @property
    def smooth(self):
        """The part of the penalty a gradient method differentiates: all of it."""
        return self

    def value(self, W, weight_sum):
        """The penalty term for the weights ``W`` (flat)."""
        if not self.l2_strength:
            return 0.0
        return 0.5 * self.l2_strength * float(W @ W) / weight_sum

    def add_gradient(self, W, grad, weight_sum):
        """Add the gradient of the differentiable part into ``grad`` (shaped like ``W``)."""
        if self.l2_strength:
            grad += (self.l2_strength / weight_sum) * W

    def prox(self, W, optimizer, weight_sum):
        """Nothing to do: the L2 term was in the gradient."""


class ElasticNet(L2):
    """L1 plus L2: the elastic-net penalty (``l1_ratio = 1`` is the lasso's).

    Parameters
    ----------
    alpha : float
        Overall strength, ``>= 0``.
    l1_ratio : float
        Share of the L1 term, in [0, 1].

    Notes
    -----
    ::

        value:     R = (a1 * ||W||_1 + 0.5 * a2 * ||W||^2) / sum(w),
                   a1 = alpha * l1_ratio,  a2 = alpha * (1 - l1_ratio)
        gradient:  dR/dW = a2 * W / sum(w)          (the L1 term is left to prox)
        prox:      W = sign(W) * max(|W| - step * a1 / sum(w), 0)   (soft threshold)

    Soft thresholding is the exact minimiser of
    ``a1 ||V||_1 / sum(w) + ||V - W||^2 / (2 step)``: a weight whose gradient
    step lands within ``step * a1 / sum(w)`` of zero becomes exactly zero.
    """

    def __init__(self, alpha, l1_ratio):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.l1_strength = alpha * l1_ratio
        self.l2_strength = alpha * (1.0 - l1_ratio)

    @property
    def smooth(self):
        """The L2 part alone, for a solver that treats the L1 term itself."""
        return L2(self.l2_strength)

    def value(self, W, weight_sum):
        return super().value(W, weight_sum) + self.l1_strength * float(np.abs(W).sum()) / weight_sum

    def prox(self, W, optimizer, weight_sum):
        """Soft-threshold ``W`` in place, with the optimizer's last step sizes."""
        if not self.l1_strength:
            return
        scale = self.l1_strength / weight_sum
        optimizer.apply_prox(W, lambda V, step: soft_threshold(V, step * scale))


def soft_threshold(V, threshold):
    """``V = sign(V) * max(|V| - threshold, 0)`` in place; ``threshold`` scalar or like ``V``."""
    shrunk = np.abs(V)
    shrunk -= threshold
    np.maximum(shrunk, 0, out=shrunk)
    np.copysign(shrunk, V, out=V)
    return V


def make_penalty(name, alpha, l1_ratio=0.5):
    """The penalty ``name`` in {"l2", "l1", "elasticnet"} of strength ``alpha``."""
    if name == "l2":
        return L2(alpha)
    if name == "l1":
        return ElasticNet(alpha, 1.0)
    if name == "elasticnet":
        return ElasticNet(alpha, l1_ratio)
    raise ValueError(f"Unknown penalty {name!r}; expected 'l2', 'l1' or 'elasticnet'.")
