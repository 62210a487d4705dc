"""Activation functions: each one's forward pass and derivative side by side.

Every activation works in place on a pre-allocated array, because the training
loop calls them once per layer per mini-batch and a fresh array each time would
cost more than the arithmetic. ``forward`` maps the pre-activation ``Z`` to the
activation ``A``; ``backward`` turns the gradient w.r.t. ``A`` (``dA``) into the
gradient w.r.t. ``Z`` (``dZ``), in place. The derivative is written in terms of
``A`` (the forward output) so the network does not have to keep ``Z`` as well.

``Softmax`` and ``Exp`` are output links only: their derivative is never needed
because each is paired with its canonical loss (see ``losses.py``).
"""

import numpy as np
from scipy.special import expit


class Identity:
    """Identity, ``f(z) = z``: what a hidden layer of a linear model would be.

    Notes
    -----
    forward:   A = Z
    backward:  dZ = dA
    """

    name = "identity"

    def forward(self, Z):
        return Z

    def backward(self, A, dA):
        return dA


class Logistic:
    """Logistic sigmoid, ``f(z) = 1 / (1 + exp(-z))``, element-wise.

    ``scipy.special.expit`` never overflows, unlike ``1 / (1 + np.exp(-z))``
    which warns for ``z < -709``.

    Notes
    -----
    forward:   A = 1 / (1 + exp(-Z))
    backward:  dZ = dA * A * (1 - A)
    """

    name = "logistic"
    # Glorot-uniform bound factor, as scikit-learn's MLP uses for this activation.
    glorot_factor = 2.0

    def forward(self, Z):
        return expit(Z, out=Z)

    def backward(self, A, dA):
        dA *= A
        # dA * A * (1 - A) = dA * A - (dA * A) * A: avoids a temporary for 1 - A.
        dA -= dA * A
        return dA


class Tanh:
    """Hyperbolic tangent, element-wise.

    Notes
    -----
    forward:   A = tanh(Z)
    backward:  dZ = dA * (1 - A**2)
    """

    name = "tanh"

    def forward(self, Z):
        return np.tanh(Z, out=Z)

    def backward(self, A, dA):
        # dA * (1 - A**2) = dA - (dA * A) * A
        dA -= dA * A * A
        return dA


class Relu:
    """Rectified linear unit, ``f(z) = max(z, 0)``, element-wise.

    Notes
    -----
    forward:   A = max(Z, 0)
    backward:  dZ = dA * (A > 0)

    At ``z = 0`` the derivative is taken as 0, as in scikit-learn.
    """

    name = "relu"

    def forward(self, Z):
        return np.maximum(Z, 0, out=Z)

    def backward(self, A, dA):
        # A multiply by a boolean mask streams through memory once; scikit-learn's
        # ``dA[A == 0] = 0`` (fancy-index assignment) costs several times more.
        np.multiply(dA, A > 0, out=dA)
        return dA


class Softmax:
    """Softmax over each row: the output link of multiclass classification.

    Notes
    -----
    forward:   A[i, k] = exp(Z[i, k] - max_j Z[i, j]) / sum_j exp(Z[i, j] - max_j Z[i, j])

    Subtracting the row maximum leaves the result unchanged and keeps ``exp``
    from overflowing. No ``backward``: softmax is only ever paired with the
    categorical cross-entropy, whose gradient w.r.t. ``Z`` is ``A - Y``.
    """

    name = "softmax"

    def forward(self, Z):
        with np.errstate(over="ignore"):  # max - (-huge) may overflow to inf: exp(-inf) = 0
            Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
        return Z


class Exp:
    """Exponential: the output link of Poisson regression (log link).

    Notes
    -----
    forward:   A = exp(Z)

    No ``backward``: only paired with the Poisson deviance, whose gradient
    w.r.t. ``Z`` is ``A - Y``. ``Z`` is capped just below the float's ``exp``
    overflow point so a wild raw output gives a huge, finite prediction.
    """

    name = "exp"

    def forward(self, Z):
        np.minimum(Z, np.log(np.finfo(Z.dtype).max) - 1, out=Z)
        return np.exp(Z, out=Z)


#: Hidden-layer activations by the name scikit-learn's MLP uses for them.
HIDDEN_ACTIVATIONS = {cls.name: cls() for cls in (Identity, Logistic, Tanh, Relu)}
