"""Least squares on sparse or wide X: conjugate gradients on the normal equations.

A network with no hidden layer and a squared-error head, under a pure L2
penalty, minimises a quadratic. When ``X.T X`` is too large to form (many
features, ``objective.LeastSquaresObjective``'s limit) or sparse, its minimum
is reached faster by conjugate gradients than by L-BFGS: each step costs one
product with ``X`` and one with ``X.T`` (sparse products for sparse X), and
no line search is needed, the step length of a quadratic being known.

The intercept is handled by centering, without ever forming a centered
matrix: for any ``W`` the best intercept is ``b = y_bar - x_bar @ W`` (weighted
means), and substituting it leaves a problem in ``W`` alone on the centered
data ``Xc = X - 1 x_bar``, whose products are ``Xc v = X v - (x_bar . v) 1``
and ``Xc.T u = X.T u - x_bar sum(u)``. (An appended column of ones would do
as well in exact arithmetic, but its scale, ``sqrt(n)`` against a sparse
column's few entries, makes the system far worse conditioned.)

The solution is the one L-BFGS converges to, and the run ends with the same
test as every L-BFGS run of the linear models: every entry of the gradient
of the objective (``objective.py``), recomputed from scratch at the final
``W`` and ``b``, is at most ``tol``.
"""

import time

import numpy as np
import scipy.sparse as sp

from .losses import SquaredError
from .objective import LeastSquaresObjective
from .training import Divergence, EpochRecord, TrainingResult, report_iteration


def normal_equations_apply(network, loss, X, penalty):
    """Whether :func:`fit_normal_equations` solves this problem.

    A linear least-squares problem with no L1 term, on data for which the
    Gram-matrix form (``LeastSquaresObjective``) is not used: sparse or dense
    X with many features, or no more samples than features.
    """
    return (
        network.n_layers == 1
        and isinstance(loss, SquaredError)
        and not penalty.l1_strength
        and not LeastSquaresObjective.applies(network, loss, X)
    )


def fit_normal_equations(
    network,
    X,
    Y,
    sample_weight,
    *,
    alpha,
    max_iter,
    tol,
    max_fun=None,
    verbose=False,
    validation=None,
    on_epoch=None,
):
    """Train a linear least-squares ``network`` in place by conjugate gradients.

    Parameters
    ----------
    network : Network
        One dense layer; training starts from its current ``params``.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    alpha : float
        L2 penalty strength (``Ridge``'s alpha).
    max_iter : int
        Most conjugate-gradient steps (each costs about one objective evaluation).
    tol : float
        Stop when every entry of the objective's gradient is at most ``tol``.
    max_fun : int, default=None
        L-BFGS's budget of objective evaluations, which bounds the steps too.
    verbose : bool, default=False
        Print ``Iteration k, loss = ...`` after each step.

    Returns
    -------
    TrainingResult
        ``n_iter`` counts the steps, ``loss_curve`` holds the objective after each.
    """
    budget, limit = max_iter, "max_iter"
    if max_fun is not None and max_fun < max_iter:
        budget, limit = max_fun, "max_fun"
    system = CenteredNormalEquations(X, Y, sample_weight, network.fit_intercept, alpha)
    result = TrainingResult()

    clock = [time.perf_counter()]

    def record(value, grad_norm, W):
        entry = EpochRecord(
            loss=value, penalty=0.5 * alpha * float(np.sum(W * W)) / system.weight_sum,
            learning_rate=None, grad_norm=grad_norm, n_steps=len(result.history) + 1,
            seconds=time.perf_counter() - clock[0],
        )  # fmt: skip
        if validation is not None or on_epoch is not None:
            # The step's parameters, for what looks at the network.
            network.coefs[0][...] = W
            if network.fit_intercept:
                network.intercepts[0][...] = system.intercept(W)
        report_iteration(result, entry, validation, verbose, on_epoch)
        clock[0] = time.perf_counter()

    with np.errstate(all="ignore"):  # huge X may overflow: detected below
        W = network.coefs[0].astype(np.float64)
        steps, gradient, E = system.solve(W, tol, budget, record)
        network.coefs[0][...] = W
        if network.fit_intercept:
            network.intercepts[0][...] = system.intercept(W)
        result.loss = system.residual_value(E, W)
    result.n_iter = steps
    result.converged = bool(gradient <= tol)
    if result.converged:
        result.message = "the gradient is below tol"
    else:
        result.limit = limit if steps >= budget else None
        reason = (
            f"it reached {limit}={budget} steps"
            if result.limit
            else ("a restart no longer lowered the gradient (the float64 precision of the problem)")
        )
        result.message = (
            f"conjugate gradients on the normal equations: {reason} with the largest "
            f"gradient entry at {gradient:.3g}, above tol={tol:.3g}"
        )
    if not (np.isfinite(result.loss) and np.isfinite(network.params).all()):
        before = result.loss_curve[-2] if len(result.loss_curve) > 1 else np.nan
        result.divergence = Divergence(result.n_iter, before, result.loss)
    return result


class CenteredNormalEquations:
    """The normal equations of weighted ridge regression on implicitly centered X.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Read in float64 (float32 data is converted once).
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    fit_intercept : bool
        Whether to center (without an intercept, ``x_bar = 0`` and ``y_bar = 0``).
    alpha : float

    Notes
    -----
    With ``D = diag(w)``, ``S = sum(w)``, ``x_bar = X.T w / S``, ``y_bar = Y.T w / S``
    and the residual ``E = Y - X W - b`` at ``b = y_bar - x_bar @ W``::

        J(W)      = (0.5 * sum_i w_i ||E_i||^2 + 0.5 * alpha * ||W||^2) / S
        -S dJ/dW  = Xc.T D E - alpha W                         (the residual R)
        solve       (Xc.T D Xc + alpha I) W = Xc.T D (Y - 1 y_bar)

    Each output column is an independent problem with its own step lengths.
    With ``alpha > 0`` the system is preconditioned by its diagonal (Jacobi),
    which evens out columns of different scales; with ``alpha = 0`` it is not,
    so that a rank-deficient problem converges, from zero, to the
    minimum-norm solution (``LinearRegression``'s): the iterates stay in the
    row space of ``Xc``, which a diagonal scaling would leave (one-hot
    columns with an intercept are rank-deficient and unevenly scaled). The
    price: unpenalised, badly scaled columns converge slowly, as they did
    under L-BFGS; scaling X or a small ``alpha`` helps.
    """

    def __init__(self, X, Y, sample_weight, fit_intercept, alpha):
        self.X = X.astype(np.float64, copy=False)
        self.XT = self.X.T  # a sparse transpose is a new object: build it once
        self.Y = Y.astype(np.float64, copy=False)
        n_samples, n_features = X.shape
        self.w = np.ones(n_samples) if sample_weight is None else sample_weight.astype(np.float64)
        self.weight_sum = float(self.w.sum())
        self.alpha = float(alpha)
        self.fit_intercept = fit_intercept
        if fit_intercept:
            self.x_bar = np.asarray(self.X.T @ self.w).ravel() / self.weight_sum
            self.y_bar = self.w @ self.Y / self.weight_sum
        else:
            self.x_bar, self.y_bar = np.zeros(n_features), np.zeros(self.Y.shape[1])
        self.preconditioner = None
        if self.alpha > 0:
            squares = self.X.power(2) if sp.issparse(self.X) else np.square(self.X)
            diagonal = np.asarray(squares.T @ self.w).ravel() - self.weight_sum * self.x_bar**2
            # Centering can cancel to a tiny negative: the penalty keeps it positive.
            self.preconditioner = 1.0 / (np.maximum(diagonal, 0.0) + self.alpha)

    def intercept(self, W):
        """The best intercept for the weights ``W``."""
        return self.y_bar - self.x_bar @ W

    def times(self, V):
        """``Xc @ V``."""
        return np.asarray(self.X @ V) - self.x_bar @ V

    def transpose_times(self, U):
        """``Xc.T @ U``."""
        return np.asarray(self.XT @ U) - np.outer(self.x_bar, U.sum(axis=0))

    def residual_value(self, E, W):
        """``J`` from the residual ``E`` at the weights ``W``."""
        data = 0.5 * float(np.einsum("i,ij,ij->", self.w, E, E))
        return (data + 0.5 * self.alpha * float(np.sum(W * W))) / self.weight_sum

    def exact_residual(self, W):
        """``E = Y - X W - b`` recomputed from the data (no accumulated rounding)."""
        E = self.Y - np.asarray(self.X @ W)
        if self.fit_intercept:
            E -= self.intercept(W)
        return E

    def gradient_test(self, E, W):
        """The largest entry of the objective's gradient w.r.t. ``W`` and ``b``, and ``R``.

        ``R = X.T D E - alpha W - x_bar sum(D E) = -S dJ/dW + x_bar S dJ/db``
        is what the iteration needs; the test reads the uncentered gradient
        ``dJ/dW = -(X.T D E - alpha W) / S``, ``dJ/db = -sum(D E) / S``, as
        ``value_and_gradient`` would compute it.
        """
        DE = self.w[:, np.newaxis] * E
        XtDE = np.asarray(self.XT @ DE) - self.alpha * W
        largest = float(np.abs(XtDE).max()) / self.weight_sum
        R = XtDE
        if self.fit_intercept:
            column_sums = DE.sum(axis=0)
            largest = max(largest, float(np.abs(column_sums).max()) / self.weight_sum)
            R -= np.outer(self.x_bar, column_sums)
        return largest, R

    def solve(self, W, tol, max_steps, record):
        """Conjugate gradients from ``W`` (updated in place) until the gradient test passes.

        The iteration keeps the residual ``E`` by recurrence and recomputes
        ``R`` from it at every step (the CGLS form: ``R`` never drifts from
        ``E``). When it believes it has converged, ``E`` and the test are
        recomputed from the data; if rounding left the test unmet, the
        iteration restarts there, and it gives up when a restart no longer
        lowers the gradient (the float64 precision of the problem).

        Returns
        -------
        steps : int
        gradient : float
            The largest entry of the recomputed gradient at the end.
        E : ndarray of shape (n_samples, n_outputs)
            The recomputed residual at the end.

        Notes
        -----
        Preconditioned CGLS (``M``: the preconditioner, or 1; products per column)::

            Z = M R;  P = Z;  gamma = R.Z
            repeat:  Q = Xc P;  step = gamma / (Q.D Q + alpha P.P)
                     W += step P;  E -= step Q;  R = Xc.T D E - alpha W
                     Z = M R;  P = Z + (R.Z / gamma) P;  gamma = R.Z
        """
        steps, best = 0, np.inf
        while True:
            E = self.exact_residual(W)
            gradient, R = self.gradient_test(E, W)
            if gradient <= tol or steps >= max_steps or not gradient < best:
                return steps, gradient, E
            best = gradient
            steps += self._iterate(W, E, R, tol, max_steps - steps, record)

    def _iterate(self, W, E, R, tol, max_steps, record):
        M = 1.0 if self.preconditioner is None else self.preconditioner[:, np.newaxis]
        Z = M * R
        P = Z.copy()
        gamma = np.sum(R * Z, axis=0)
        steps, threshold = 0, tol * self.weight_sum
        while steps < max_steps:
            Q = self.times(P)
            curvature = np.einsum("i,ij,ij->j", self.w, Q, Q) + self.alpha * np.sum(P * P, axis=0)
            # A column already solved exactly has P = 0: it takes no step.
            step = np.divide(gamma, curvature, out=np.zeros_like(gamma), where=curvature > 0)
            W += step * P
            E -= step * Q
            R = self.transpose_times(self.w[:, np.newaxis] * E) - self.alpha * W
            steps += 1
            # R is minus the weights' gradient times sum(w).
            record(self.residual_value(E, W), float(np.linalg.norm(R)) / self.weight_sum, W)
            if np.abs(R).max() <= threshold:
                break
            Z = M * R
            gamma, gamma_old = np.sum(R * Z, axis=0), gamma
            P *= np.divide(gamma, gamma_old, out=np.zeros_like(gamma), where=gamma_old > 0)
            P += Z
        return steps
