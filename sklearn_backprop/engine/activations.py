"""Activation functions: each one's forward pass and derivative side by side.

Every built-in activation works in place on a pre-allocated array, because the
training loop calls them once per layer per mini-batch and a fresh array each
time would cost more than the arithmetic. ``forward`` maps the pre-activation
``Z`` to the activation ``A``; ``backward(A, dA, Z)`` turns the gradient w.r.t.
``A`` (``dA``) into the gradient w.r.t. ``Z`` (``dZ``), in place. Where the
derivative can be written in terms of ``A`` (identity, logistic, tanh, relu,
leaky relu, elu, softplus) the network does not keep ``Z``; an activation with
``needs_input = True`` (gelu, silu, and any user-written one) gets ``Z`` too,
copied by the network before ``forward`` overwrites it.

A user writes an activation by subclassing :class:`Activation` and giving two
element-wise functions, ``forward(Z)`` and ``derivative(Z, A)``; the base class
turns them into ``backward``.

``Softmax`` and ``Exp`` are output links only: their derivative is never needed
because each is paired with its canonical loss (see ``losses.py``).
"""

import inspect
import math

import numpy as np
from scipy.special import erfc, expit


class Activation:
    """Base class of hidden-layer activations; subclass it to write your own.

    A subclass gives the function and its derivative, element-wise::

        class Sine(Activation):
            def forward(self, Z):
                return np.sin(Z)

            def derivative(self, Z, A):
                return np.cos(Z)

    ``forward`` may overwrite ``Z`` and return it, or return a new array (the
    network copies it into its buffer, in ``Z``'s dtype). ``derivative``
    receives the pre-activation ``Z`` and ``A = forward(Z)``, and must return
    ``f'(Z)``; it must not modify either. Before training, the estimators
    compare a user's ``derivative`` with central differences of ``forward``.

    Parameters set in ``__init__`` (stored under their own names) show in the
    ``repr``, so an estimator holding an activation prints readably.

    Attributes
    ----------
    name : str
        How the activation is named in messages (default: the class name).
    glorot_factor : float
        Factor of the Glorot-uniform bound ``sqrt(factor / (fan_in + fan_out))``
        of the layer it follows: 6, or 2 for the logistic (as in scikit-learn).
    needs_input : bool
        Whether ``backward`` needs ``Z``; True unless a subclass writes its
        derivative in terms of ``A`` only.

    Notes
    -----
    forward:   A = f(Z)
    backward:  dZ = dA * f'(Z)
    """

    glorot_factor = 6.0
    needs_input = True

    @property
    def name(self):
        return type(self).__name__

    def forward(self, Z):
        """``A = f(Z)``, element-wise (may overwrite ``Z``)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(Z).")

    def derivative(self, Z, A):
        """``f'(Z)``, element-wise, given ``Z`` and ``A = f(Z)``."""
        raise NotImplementedError(f"{type(self).__name__} must define derivative(Z, A).")

    def backward(self, A, dA, Z=None):
        """``dZ = dA * f'(Z)``, written into ``dA``."""
        dA *= self.derivative(Z, A)
        return dA

    def __repr__(self):
        names = [
            p.name
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in names if hasattr(self, n))
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        # Two activations of the same class and parameters are the same function,
        # so that a cloned estimator's parameters compare equal to the original's.
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self), tuple(sorted(vars(self).items()))))


class _BuiltIn(Activation):
    """A built-in activation: named by its string, trusted (no derivative check)."""

    name = None


class Identity(_BuiltIn):
    """Identity, ``f(z) = z``: what a hidden layer of a linear model would be.

    Notes
    -----
    forward:   A = Z
    backward:  dZ = dA
    """

    name = "identity"
    needs_input = False

    def forward(self, Z):
        return Z

    def backward(self, A, dA, Z=None):
        return dA


class Logistic(_BuiltIn):
    """Logistic sigmoid, ``f(z) = 1 / (1 + exp(-z))``, element-wise.

    ``scipy.special.expit`` never overflows, unlike ``1 / (1 + np.exp(-z))``
    which warns for ``z < -709``.

    Notes
    -----
    forward:   A = 1 / (1 + exp(-Z))
    backward:  dZ = dA * A * (1 - A)
    """

    name = "logistic"
    needs_input = False
    # Glorot-uniform bound factor, as scikit-learn's MLP uses for this activation.
    glorot_factor = 2.0

    def forward(self, Z):
        return expit(Z, out=Z)

    def backward(self, A, dA, Z=None):
        dA *= A
        # dA * A * (1 - A) = dA * A - (dA * A) * A: avoids a temporary for 1 - A.
        dA -= dA * A
        return dA


class Tanh(_BuiltIn):
    """Hyperbolic tangent, element-wise.

    Notes
    -----
    forward:   A = tanh(Z)
    backward:  dZ = dA * (1 - A**2)
    """

    name = "tanh"
    needs_input = False

    def forward(self, Z):
        return np.tanh(Z, out=Z)

    def backward(self, A, dA, Z=None):
        # dA * (1 - A**2) = dA - (dA * A) * A
        dA -= dA * A * A
        return dA


class Relu(_BuiltIn):
    """Rectified linear unit, ``f(z) = max(z, 0)``, element-wise.

    Notes
    -----
    forward:   A = max(Z, 0)
    backward:  dZ = dA * (A > 0)

    At ``z = 0`` the derivative is taken as 0, as in scikit-learn.
    """

    name = "relu"
    needs_input = False

    def forward(self, Z):
        return np.maximum(Z, 0, out=Z)

    def backward(self, A, dA, Z=None):
        # A multiply by a boolean mask streams through memory once; scikit-learn's
        # ``dA[A == 0] = 0`` (fancy-index assignment) costs several times more.
        np.multiply(dA, A > 0, out=dA)
        return dA


class LeakyReLU(_BuiltIn):
    """Leaky rectified linear unit: a small slope instead of zero for negative inputs.

    Parameters
    ----------
    negative_slope : float, default=0.01
        Slope for ``z < 0``, in [0, 1).

    Notes
    -----
    forward:   A = max(Z, s * Z)                 (s = negative_slope)
    backward:  dZ = dA * (1 if A > 0 else s)

    At ``z = 0`` the derivative is taken as ``s``, like relu's 0.
    """

    name = "leaky_relu"
    needs_input = False

    def __init__(self, negative_slope=0.01):
        if not 0 <= negative_slope < 1:
            raise ValueError(f"negative_slope must be in [0, 1); got {negative_slope!r}.")
        self.negative_slope = negative_slope

    def forward(self, Z):
        # For 0 <= s < 1, max(z, s z) is z when z > 0 and s z otherwise.
        return np.maximum(Z, float(self.negative_slope) * Z, out=Z)

    def backward(self, A, dA, Z=None):
        one, slope = dA.dtype.type(1), dA.dtype.type(self.negative_slope)
        np.multiply(dA, np.where(A > 0, one, slope), out=dA)
        return dA


class ELU(_BuiltIn):
    """Exponential linear unit (Clevert et al., 2015).

    Parameters
    ----------
    alpha : float, default=1.0
        Value approached as ``z -> -inf`` is ``-alpha``; must be > 0.

    Notes
    -----
    ::

        forward:   A = Z                     if Z > 0
                   A = alpha * (exp(Z) - 1)  otherwise
        backward:  dZ = dA * (1 if A > 0 else A + alpha)      (alpha * exp(Z) = A + alpha)

    ``expm1`` of ``min(Z, 0)``: exact for small ``|z|`` and never overflows.
    """

    name = "elu"
    needs_input = False

    def __init__(self, alpha=1.0):
        if not alpha > 0:
            raise ValueError(f"alpha must be > 0; got {alpha!r}.")
        self.alpha = alpha

    def forward(self, Z):
        negative_part = np.expm1(np.minimum(Z, 0))
        negative_part *= float(self.alpha)
        np.maximum(Z, 0, out=Z)
        Z += negative_part  # one of the two terms is 0 for every entry
        return Z

    def backward(self, A, dA, Z=None):
        np.multiply(dA, np.where(A > 0, dA.dtype.type(1), A + float(self.alpha)), out=dA)
        return dA


class Softplus(_BuiltIn):
    """Softplus, ``f(z) = log(1 + exp(z))``: a smooth relu.

    Notes
    -----
    ::

        forward:   A = max(Z, 0) + log1p(exp(-|Z|))      (the same, without overflow)
        backward:  dZ = dA * expit(Z) = dA * (1 - exp(-A))

    ``1 - exp(-A)`` is computed as ``-expm1(-A)``, accurate where ``A`` is tiny.
    """

    name = "softplus"
    needs_input = False

    def forward(self, Z):
        tail = np.log1p(np.exp(-np.abs(Z)))
        np.maximum(Z, 0, out=Z)
        Z += tail
        return Z

    def backward(self, A, dA, Z=None):
        dA *= -np.expm1(-A)
        return dA


class GELU(_BuiltIn):
    """Gaussian error linear unit, exact form (Hendrycks & Gimpel, 2016).

    Notes
    -----
    forward:   A = Z * Phi(Z),   Phi(Z) = (1 + erf(Z / sqrt(2))) / 2
    backward:  dZ = dA * (Phi(Z) + Z * phi(Z)),   phi(Z) = exp(-Z**2 / 2) / sqrt(2 pi)

    ``Phi`` is computed as ``erfc(-Z / sqrt(2)) / 2``, the same function
    without the cancellation of ``1 + erf`` for negative ``Z``. The derivative
    needs ``Z``, so the network keeps a copy of it.
    """

    name = "gelu"

    def forward(self, Z):
        Z *= _normal_cdf(Z)
        return Z

    def derivative(self, Z, A):
        return _normal_cdf(Z) + Z * np.exp(-0.5 * Z * Z) * (1 / math.sqrt(2 * math.pi))


def _normal_cdf(Z):
    # Python floats keep a float32 Z in float32.
    return 0.5 * erfc(Z * (-1 / math.sqrt(2)))


class SiLU(_BuiltIn):
    """Sigmoid linear unit (swish), ``f(z) = z * expit(z)``.

    Notes
    -----
    forward:   A = Z * s,   s = expit(Z)
    backward:  dZ = dA * s * (1 + Z * (1 - s))

    The derivative needs ``Z``, so the network keeps a copy of it.
    """

    name = "silu"

    def forward(self, Z):
        Z *= expit(Z)
        return Z

    def derivative(self, Z, A):
        s = expit(Z)
        return s * (1 + Z * (1 - s))


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


#: Hidden-layer activations by name: scikit-learn's four, then ours (default parameters).
HIDDEN_ACTIVATIONS = {
    cls.name: cls()
    for cls in (Identity, Logistic, Tanh, Relu, LeakyReLU, ELU, Softplus, GELU, SiLU)
}
