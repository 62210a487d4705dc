"""Losses, each paired with its output link (its canonical inverse link).

A loss *has* a link: the function that turns the network's raw output ``Z``
into a prediction ``A`` (identity for a real value, logistic for a probability,
softmax for a distribution over classes, exp for a rate). Every loss has the
same two methods:

``value(Y, Z, sample_weight)``
    the weighted mean loss, computed from the raw output ``Z`` so that nothing
    overflows and nothing takes ``log(0)``;
``gradient(Y, A, sample_weight)``
    ``dL/dZ``, the gradient of that mean w.r.t. the raw output, from ``A``.

Weighting and averaging happen once, here in :class:`Loss`; a concrete loss
only says what one sample costs (``pointwise``).

Why one gradient serves every loss
----------------------------------
Each loss below is the negative log-likelihood of an exponential-family
distribution whose mean is ``A = link(Z)``, and each link is that family's
*canonical* link. For such a pair the chain rule collapses::

    dL/dZ = dL/dA * dA/dZ = A - Y          (per sample, per output)

- squared error, identity:   d/dz 0.5 (z - y)^2                 = z - y
- binary cross-entropy, logistic: d/dz [log(1 + e^z) - y z]     = expit(z) - y
- categorical cross-entropy, softmax: d/dz_k [logsumexp(z) - y.z] = softmax(z)_k - y_k
- half Poisson deviance, exp: d/dz [e^z - y z]                   = e^z - y

The loss is a weighted mean over samples, so each row is multiplied by
``w_i / sum(w)``: ``dZ = (A - Y) * w / sum(w)``.
"""

import numpy as np
from scipy.special import xlogy

from .activations import Exp, Identity, Logistic, Softmax


class Loss:
    """Weighted mean of a per-sample loss; subclasses set ``link`` and ``pointwise``.

    Notes
    -----
    value:     L = sum_i w_i * l(y_i, z_i) / sum_i w_i      (w_i = 1 if unweighted)
    gradient:  dL/dZ = (A - Y) * w / sum(w),   A = link(Z)
    """

    link = None
    name = None
    #: A bound on the largest eigenvalue of d^2 l / dz^2 over every z (None:
    #: unbounded); a linear model's safe step size is built from it.
    max_curvature = None

    def pointwise(self, Y, Z):
        """Loss of each sample, summed over outputs: ndarray of shape (n_samples,)."""
        raise NotImplementedError

    def value(self, Y, Z, sample_weight=None):
        """Weighted mean loss from the raw output.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets (one-hot or 0/1 indicators for classification).
        Z : ndarray of shape (n_samples, n_outputs)
            Raw network output, before the link.
        sample_weight : ndarray of shape (n_samples,), default=None
            Non-negative weights with a positive sum.

        Returns
        -------
        loss : float
        """
        return _weighted_mean(self.pointwise(Y, Z), sample_weight)

    def value_and_link(self, Y, Z, sample_weight=None):
        """:meth:`value`, and the prediction ``A = link(Z)`` written over ``Z``.

        The training loop needs both; a loss may compute them together.

        Returns
        -------
        loss : float
        A : ndarray of shape (n_samples, n_outputs)
            ``Z`` itself, now holding ``link(Z)``.
        """
        return self.value(Y, Z, sample_weight), self.link.forward(Z)

    def gradient(self, Y, A, sample_weight=None, out=None):
        """Gradient of :meth:`value` w.r.t. the raw output ``Z``, given ``A = link(Z)``.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
        A : ndarray of shape (n_samples, n_outputs)
            The prediction, ``link.forward(Z)``.
        sample_weight : ndarray of shape (n_samples,), default=None
        out : ndarray of shape (n_samples, n_outputs), default=None
            Where to write the result (may be ``A`` itself).

        Returns
        -------
        dZ : ndarray of shape (n_samples, n_outputs)
        """
        # Canonical link: dL/dZ = A - Y for every loss here (see module docstring).
        dZ = np.subtract(A, Y, out=out)
        if sample_weight is None:
            dZ *= 1.0 / len(dZ)
        else:
            dZ *= (sample_weight / sample_weight.sum())[:, np.newaxis]
        return dZ


#: Logits below this in magnitude cannot overflow exp, nor underflow a whole row, even
#: summed over thousands of classes: 0.4 * log(largest float) (~284 in float64, ~35 in float32).
_SAFE_EXP_ARGUMENT = {
    np.dtype(dtype): 0.4 * float(np.log(np.finfo(dtype).max)) for dtype in (np.float32, np.float64)
}


def _softplus(Z):
    """``log(1 + exp(Z))`` as ``max(Z, 0) + log1p(exp(-|Z|))``: exp never overflows.

    Each step is a vectorised ufunc; ``np.logaddexp(0, Z)``, the same value,
    runs element by element and is 3x (float64) to 9x (float32) slower.
    """
    out = np.abs(Z)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(Z, 0)
    return out


def _row_sums(M):
    """Sum over outputs: a view for one output, else a BLAS matrix-vector product."""
    return M[:, 0] if M.shape[1] == 1 else M @ np.ones(M.shape[1], dtype=M.dtype)


def _weighted_mean(per_sample, sample_weight):
    if sample_weight is None:
        return float(np.add.reduce(per_sample)) / len(per_sample)
    return float(per_sample @ sample_weight) / float(np.add.reduce(sample_weight))


class SquaredError(Loss):
    """Half the squared error, summed over outputs: the loss of least squares.

    Notes
    -----
    link:       A = Z (identity)
    pointwise:  l(y, z) = 0.5 * sum_k (z_k - y_k)**2

    The 1/2 makes ``dl/dz = z - y``; summing (not averaging) over outputs
    keeps each output's problem the same as a separate single-output fit, so
    multi-output regression reaches the same optimum as ``Ridge``.
    """

    link = Identity()
    name = "squared_error"
    max_curvature = 1.0

    def pointwise(self, Y, Z):
        residual = Z - Y
        return 0.5 * np.einsum("ij,ij->i", residual, residual)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy (log loss) of independent 0/1 outputs, from logits.

    Used for binary and multilabel classification.

    Notes
    -----
    link:       A = 1 / (1 + exp(-Z)) (logistic)
    pointwise:  l(y, z) = sum_k [log(1 + exp(z_k)) - y_k * z_k]

    This equals ``-y log(a) - (1 - y) log(1 - a)`` but ``log(1 + exp(z))``,
    computed as ``max(z, 0) + log1p(exp(-|z|))``, never overflows and never
    takes ``log(0)``, however saturated ``a`` is.
    """

    link = Logistic()
    name = "binary_log_loss"
    max_curvature = 0.25  # a * (1 - a) <= 1/4

    def pointwise(self, Y, Z):
        loss = _softplus(Z)
        loss -= Y * Z
        return _row_sums(loss)


class CategoricalCrossEntropy(Loss):
    """Categorical cross-entropy (multinomial log loss), from logits.

    Notes
    -----
    link:       A = softmax(Z)
    pointwise:  l(y, z) = logsumexp(z) - sum_k y_k * z_k

    For a one-hot ``y`` this is ``-log(a_true)``. Both terms are computed on
    ``z - max(z)`` (which changes neither, as ``sum_k y_k = 1``), so the value
    stays finite for any logits. Requires rows of ``Y`` summing to 1.
    """

    link = Softmax()
    name = "log_loss"
    max_curvature = 0.5  # diag(a) - a a.T has eigenvalues <= 1/2

    def pointwise(self, Y, Z):
        # logsumexp(z) - y.z with z shifted by its row maximum: same value, no overflow.
        shifted = Z - Z.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.exp(shifted).sum(axis=1))
        return log_sum_exp - np.einsum("ij,ij->i", Y, shifted)

    def value_and_link(self, Y, Z, sample_weight=None):
        # The loss and the softmax share their work: shift, take y.z,
        # exponentiate in place, normalise. The shift only guards exp against
        # overflow and underflow, so it is skipped when every logit is well
        # inside exp's range for the dtype (|z| < ~284 in float64, ~35 in
        # float32), which also skips a reduction along rows (slow for few classes).
        largest = max(np.maximum.reduce(Z, axis=None), -np.minimum.reduce(Z, axis=None))
        if not largest < _SAFE_EXP_ARGUMENT[Z.dtype]:  # (NaN takes this branch too)
            with np.errstate(over="ignore"):  # a -inf shifted logit is right: exp(-inf) = 0
                Z -= np.maximum.reduce(Z, axis=1, keepdims=True)
        # sum_i w_i y_i.z_i; unweighted, a single BLAS dot over samples and classes
        weighted_y_dot_z = (
            np.vdot(Y, Z) if sample_weight is None else sample_weight @ _row_sums(Y * Z)
        )
        np.exp(Z, out=Z)
        row_sums = _row_sums(Z)
        Z /= row_sums[:, np.newaxis]
        log_sums = np.log(row_sums)
        if sample_weight is None:
            total = float(np.add.reduce(log_sums)) - float(weighted_y_dot_z)
            return total / len(Z), Z
        total = float(sample_weight @ log_sums) - float(weighted_y_dot_z)
        return total / float(np.add.reduce(sample_weight)), Z


class PoissonDeviance(Loss):
    """Half the Poisson deviance, summed over outputs: for counts and rates.

    Notes
    -----
    link:       A = exp(Z) (log link)
    pointwise:  l(y, z) = sum_k [exp(z_k) - y_k * z_k + y_k * log(y_k) - y_k]

    The last two terms do not depend on ``z``; they make a perfect prediction
    cost 0, as in scikit-learn's MLPRegressor. Requires ``y >= 0``.
    """

    link = Exp()
    name = "poisson"

    def pointwise(self, Y, Z):
        rate = self.link.forward(Z.copy())
        with np.errstate(over="ignore"):  # several huge rates may sum past the float range
            return _row_sums(rate - Y * Z + xlogy(Y, Y) - Y)
