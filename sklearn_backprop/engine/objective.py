"""The training objective and its gradient: what every solver calls.

One objective for every model::

    J(params) = sum_i w_i * l(y_i, z_i) / sum_i w_i  +  0.5 * alpha * sum_l ||W_l||^2 / sum_i w_i

(``w_i = 1`` without sample weights, so ``sum_i w_i = n``; biases are not
penalised). This is scikit-learn's MLP objective, and with it ``alpha`` is the
``alpha`` of ``Ridge`` and the ``1 / C`` of ``LogisticRegression``: multiply
J by ``sum_i w_i`` and it is their objective.

On a mini-batch B there are two ways to scale the penalty, and the caller
chooses (``penalty_weight_sum``):

- by the batch's own weight, ``0.5 * alpha * ||W||^2 / sum_{i in B} w_i``, as
  scikit-learn's MLP does: then the penalty weighs ``n / |B|`` times more than
  in the full objective and ``batch_size`` acts as a regulariser. The MLPs keep
  it, so that their runs stay those of MLPClassifier and MLPRegressor;
- by the weight of all the data, ``0.5 * alpha * ||W||^2 / sum_i w_i``: the
  batch's mean loss is an unbiased estimate of the full mean loss, so the
  batch objective's expectation is J itself, and SGD/Adam approach the same
  optimum as L-BFGS, Ridge and LogisticRegression. The linear models use it.

The penalty (L2 by default, or L1 / elastic-net) is one of the objects of
``penalties.py``: the objective asks it for its value and gradient and never
which one it is.
"""

import numpy as np
import scipy.sparse as sp

from .losses import SquaredError
from .network import Workspace
from .penalties import L2


def value_and_gradient(
    network,
    X,
    Y,
    loss,
    alpha=0.0,
    sample_weight=None,
    workspace=None,
    *,
    penalty=None,
    penalty_weight_sum=None,
):
    """Objective value and its gradient w.r.t. ``network.params`` (backpropagation).

    Parameters
    ----------
    network : Network
        Evaluated at its current ``params``.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    loss : Loss
        Its link must be ``network.link``.
    alpha : float, default=0.0
        L2 penalty strength (used when ``penalty`` is None).
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights with a positive sum.
    workspace : Workspace, default=None
        Buffers to reuse; one is allocated when None or too small.
    penalty : L2 or ElasticNet, default=None
        The penalty term (``penalties.py``); None means ``L2(alpha)``. Its
        whole value is added; its gradient covers the differentiable part
        only (an L1 term is left to the solver: ``prox`` or L-BFGS's split).
    penalty_weight_sum : float, default=None
        The divisor of the penalty term: None for this batch's own weight sum
        ``sum(w)``; the weight sum of all the data makes a mini-batch objective
        an unbiased estimate of the full one (see the module docstring).

    Returns
    -------
    value : float
    grad : ndarray of shape (n_params,)
        ``workspace.grad``: overwritten by the next call; copy it to keep it.
        The penalty's part of ``value`` is left in ``workspace.penalty_value``.

    Notes
    -----
    forward:   Z = network.forward(X);  A = link(Z)
    loss:      J = loss.value(Y, Z, w) + penalty.value(W, S)
    backward:  dZ = (A - Y) * w / sum(w);  network.backward(X, dZ)
    penalty:   dJ/dW += alpha * W / S     (L2; see penalty.add_gradient)
    (S = penalty_weight_sum, by default sum(w))
    """
    n_samples = X.shape[0]
    if workspace is None or workspace.n_rows < n_samples:
        workspace = Workspace(network, n_samples)
    if penalty_weight_sum is None:
        penalty_weight_sum = n_samples if sample_weight is None else float(sample_weight.sum())

    Z = network.forward(X, workspace)
    # The loss reads the raw output; then Z's buffer becomes A, then dZ.
    value, A = loss.value_and_link(Y, Z, sample_weight)
    dZ = loss.gradient(Y, A, sample_weight, out=A)
    grad = network.backward(X, dZ, workspace)

    penalty = L2(alpha) if penalty is None else penalty
    W = network.params[: network.n_coef]
    penalty_value = penalty.value(W, penalty_weight_sum)
    # Kept for the training loop's per-epoch record ("penalty"), at no cost.
    workspace.penalty_value = penalty_value
    value += penalty_value
    penalty.add_gradient(W, grad[: network.n_coef], penalty_weight_sum)
    return value, grad


class LeastSquaresObjective:
    """The same objective for squared error with no hidden layer, from X.T X.

    With an identity link and no hidden layer the loss is quadratic in
    ``theta = [W; b]``, and it depends on the data only through the Gram
    matrix ``G = Xa.T D Xa``, ``B = Xa.T D Y`` and ``yy = sum_i w_i ||y_i||^2``
    (``Xa = [X, 1]``, ``D = diag(w)``). Computing them once costs about one
    pass of backprop's matrix products; afterwards every evaluation costs
    ``O(n_features^2)`` instead of ``O(n_samples * n_features)``.

    Notes
    -----
    value:  J = (tr(theta.T G theta) - 2 tr(theta.T B) + yy) / (2 sum(w)) + penalty
    grad:   dJ/dtheta = (G theta - B) / sum(w) + alpha * [W; 0] / sum(w)

    Near the optimum the three terms of the value nearly cancel (each is about
    ``yy``), so in float64 the value would be blurred by ``eps * yy`` and
    L-BFGS, whose line search compares values, would stop short of the
    optimum of an ill-conditioned problem. The value is therefore evaluated
    in ``np.longdouble`` (80-bit on x86), ``ftol = 0``, and :meth:`refine`
    finishes with conjugate-gradient steps, which need gradients only.
    """

    #: Use this form only when G is small next to X (its extended-precision
    #: product costs O(n_features^2) per evaluation, ~4 ms at 1000 features).
    max_features = 1024
    #: L-BFGS's relative-decrease test is not needed for an exact quadratic.
    ftol = 0.0

    def __init__(self, network, X, Y, alpha=0.0, sample_weight=None):
        weight_sum = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        gram = gram_statistics(X, Y, sample_weight, network.fit_intercept)
        self._use_gram(network, *gram, weight_sum, alpha)

    @classmethod
    def from_gram(cls, network, G, B, yy, weight_sum, alpha=0.0):
        """The same objective from ``G``, ``B``, ``yy`` and ``sum(w)`` computed elsewhere.

        They are sums over samples, so they can be summed over chunks of rows
        (``gram`` of each chunk) that never sit in one process.
        """
        objective = cls.__new__(cls)
        objective._use_gram(network, G, B, yy, weight_sum, alpha)
        return objective

    def _use_gram(self, network, G, B, yy, weight_sum, alpha):
        self.network = network
        self.alpha = alpha
        self.weight_sum = weight_sum
        self.G, self.B, self.yy = G, B, yy
        self._G_ext, self._B_ext = self.G.astype(np.longdouble), self.B.astype(np.longdouble)
        self.grad = np.zeros_like(network.params)

    @classmethod
    def applies(cls, network, loss, X):
        """Whether ``network`` + ``loss`` on ``X`` is a least-squares problem worth it."""
        n_samples, n_features = X.shape
        return (
            network.n_layers == 1
            and isinstance(loss, SquaredError)
            and n_features < cls.max_features
            and n_samples > n_features
        )

    def _theta(self, flat):
        # [W; b] as one (n_features [+ 1], n_outputs) matrix, from the flat layout.
        coefs, intercepts = self.network.unflatten(flat)
        if intercepts[0] is None:
            return coefs[0]
        return np.vstack([coefs[0], intercepts[0][np.newaxis]])

    def __call__(self):
        """Value and gradient at ``network.params``, like :func:`value_and_gradient`."""
        theta = self._theta(self.network.params)
        theta_ext = theta.astype(np.longdouble)
        quadratic = np.sum(theta_ext * (self._G_ext @ theta_ext - 2 * self._B_ext))
        value = (quadratic + self.yy) / (2 * self.weight_sum)
        d_theta = (self.G @ theta.astype(np.float64) - self.B) / self.weight_sum
        coefs, intercepts = self.network.unflatten(self.grad)
        n_features = coefs[0].shape[0]
        coefs[0][...] = d_theta[:n_features]
        if intercepts[0] is not None:
            intercepts[0][...] = d_theta[n_features]
        if self.alpha:
            W = self.network.params[: self.network.n_coef]
            value += 0.5 * self.alpha * float(W @ W) / self.weight_sum
            self.grad[: self.network.n_coef] += (self.alpha / self.weight_sum) * W
        return float(value), self.grad

    def refine(self, tol, max_steps, on_step=None):
        """Conjugate gradients on the quadratic, from ``network.params``.

        Solves ``H theta = B / sum(w)``, ``H = (G + alpha * P) / sum(w)`` (``P``
        selects the weights, not the biases), until every gradient entry is at
        most ``tol``; in exact arithmetic at most ``n_features + 1`` steps.

        Returns
        -------
        steps : int
        reached : bool
            Whether the gradient test was met.

        ``on_step(value, grad)``, if given, is called after every step.

        Notes
        -----
        The conjugate-gradient iteration::

            r = B / sum(w) - H theta  (minus the gradient);  d = r
            repeat:  step = r.r / d.H d;  theta += step d;  r_new = r - step H d
                     d = r_new + (r_new.r_new / r.r) d
        """
        theta = self._theta(self.network.params).astype(np.float64)
        penalty = np.zeros((theta.shape[0], 1))
        penalty[: self.network.layer_units[0]] = self.alpha

        def hessian_times(v):
            return (self.G @ v + penalty * v) / self.weight_sum

        r = self.B / self.weight_sum - hessian_times(theta)
        d, rr, steps = r.copy(), float(np.sum(r * r)), 0
        while steps < max_steps and np.abs(r).max() > tol and rr > 0:
            Hd = hessian_times(d)
            step = rr / float(np.sum(d * Hd))
            theta += step * d
            r -= step * Hd
            rr, rr_old = float(np.sum(r * r)), rr
            d = r + (rr / rr_old) * d
            steps += 1
            if on_step is not None:
                self._set_theta(theta)
                on_step(*self())
        self._set_theta(theta)
        return steps, bool(np.abs(self()[1]).max() <= tol)

    def _set_theta(self, theta):
        coefs, intercepts = self.network.coefs, self.network.intercepts
        n_features = coefs[0].shape[0]
        coefs[0][...] = theta[:n_features]
        if intercepts[0] is not None:
            intercepts[0][...] = theta[n_features]


def gram_statistics(X, Y, sample_weight, fit_intercept, chunk_rows=4096):
    """``G = Xa.T D Xa``, ``B = Xa.T D Y``, ``yy`` in float64, one chunk of rows at a time.

    Always float64: a float32 Gram matrix of collinear features can come out
    indefinite (eigenvalues of -1e-5 where the truth is 0), and then the
    quadratic has no minimum. Chunks keep the float64 copy of float32 data
    and the weighted rows small; X itself is never copied whole.
    """
    n_samples, n_features = X.shape
    size = n_features + int(fit_intercept)
    G = np.zeros((size, size))
    B = np.zeros((size, Y.shape[1]))
    w = np.ones(n_samples) if sample_weight is None else sample_weight.astype(np.float64)
    for start in range(0, n_samples, chunk_rows):
        rows = slice(start, start + chunk_rows)
        Xc, Yc, wc = X[rows].astype(np.float64, copy=False), Y[rows].astype(np.float64), w[rows]
        if sample_weight is None:
            WXc = Xc  # ``Xc.T @ Xc`` lets BLAS use its symmetric product
        elif sp.issparse(Xc):
            WXc = sp.diags_array(wc) @ Xc
        else:
            WXc = Xc * wc[:, np.newaxis]
        G[:n_features, :n_features] += _dense(Xc.T @ WXc)
        B[:n_features] += _dense(WXc.T @ Yc)
        if fit_intercept:
            column_sums = _dense(WXc.sum(axis=0)).ravel()
            G[n_features, :n_features] += column_sums
            G[:n_features, n_features] += column_sums
            G[n_features, n_features] += wc.sum()
            B[n_features] += wc @ Yc
    yy = float(np.einsum("i,ij,ij->", w, Y, Y, dtype=np.float64))
    return G, B, yy


def _dense(M):
    return M.toarray() if sp.issparse(M) else np.asarray(M)
