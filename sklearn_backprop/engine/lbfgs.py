"""L-BFGS: a solver that owns its iterations, on the full-batch objective.

scipy's L-BFGS-B minimises the same objective as the mini-batch loop, over
the network's flat parameter vector (no packing per call), and reports in
the same :class:`~.training.TrainingResult`. A least-squares problem (no
hidden layer, squared error) is evaluated from X.T X and finished by
conjugate-gradient steps (``objective.LeastSquaresObjective``).
"""

import numpy as np
import scipy.optimize

from .network import Workspace
from .objective import LeastSquaresObjective, value_and_gradient
from .training import Divergence, TrainingResult

#: L-BFGS also stops when the objective's relative decrease falls below
#: ``tol * LBFGS_FTOL_PER_TOL``: at the default tol=1e-4 that is 64 machine
#: epsilons, scikit-learn's LogisticRegression's ftol; a tighter tol asks for
#: a proportionally tighter decrease, so that tol alone sets the precision.
LBFGS_FTOL_PER_TOL = 64 * np.finfo(float).eps / 1e-4


def fit_lbfgs(
    network,
    loss,
    X,
    Y,
    sample_weight,
    *,
    alpha,
    max_iter,
    max_fun,
    tol,
    verbose=False,
    objective=None,
):
    """Train ``network`` in place with L-BFGS-B on the full-batch objective.

    Parameters
    ----------
    network, loss, X, Y, sample_weight, alpha
        As for :func:`fit_stochastic`.
    max_iter : int
        Maximum number of L-BFGS iterations.
    max_fun : int
        Maximum number of objective evaluations.
    tol : float
        ``gtol``: stop when every gradient entry is at most ``tol`` in magnitude;
        ``ftol = tol * LBFGS_FTOL_PER_TOL``: stop when the objective's relative
        decrease is at most that. A least-squares objective sets ``ftol = 0``
        and is finished by its own conjugate-gradient ``refine``.
    verbose : bool, default=False
        Print ``Iteration k, loss = ...`` after each iteration.
    objective : callable, default=None
        ``objective() -> (value, grad)`` at ``network.params``, replacing the
        one built from ``X``, ``Y`` and ``sample_weight`` (which are then not
        read): e.g. a sum of partial objectives over chunks of rows held
        elsewhere. It may carry ``ftol`` and ``refine`` as
        ``LeastSquaresObjective`` does.

    Returns
    -------
    TrainingResult
        ``loss_curve`` holds the objective after each iteration.
    """
    with np.errstate(all="ignore"):  # huge X may overflow X.T @ X: detected below
        if objective is None:
            objective = _full_batch_objective(network, loss, X, Y, alpha, sample_weight)
        result = TrainingResult()
        solution, first_value = _run_scipy_lbfgs(
            objective, network, result, max_iter, max_fun, tol, verbose
        )
        network.params[...] = solution.x
        result.n_iter = min(int(solution.nit), max_iter)
        result.loss = float(solution.fun)
        result.converged = solution.status == 0
        result.message = str(solution.message)
        if hasattr(objective, "refine") and np.isfinite(result.loss):
            # Each step costs about one evaluation: max_fun bounds them too.
            budget = min(max_iter - result.n_iter, max_fun - int(solution.nfev))
            steps, reached = objective.refine(tol, max_steps=max(budget, 0))
            result.n_iter += steps
            result.loss = objective()[0]
            result.converged = result.converged or reached
    if not (np.isfinite(result.loss) and np.isfinite(network.params).all()):
        before = result.loss_curve[-2] if len(result.loss_curve) > 1 else first_value
        result.divergence = Divergence(result.n_iter, before, result.loss)
    return result


def _run_scipy_lbfgs(objective, network, result, max_iter, max_fun, tol, verbose):
    """scipy's L-BFGS-B from ``network.params``; records the loss curve into ``result``."""
    first_values = []

    def fun(x):
        network.params[...] = x
        value, grad = objective()
        if not first_values:
            first_values.append(value)
        # scipy keeps references to the gradients it is given: hand it a copy.
        return value, grad.astype(np.float64)

    def callback(intermediate_result):
        result.loss_curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {len(result.loss_curve)}, loss = {result.loss_curve[-1]:.8f}")
        if not np.isfinite(intermediate_result.fun):
            raise StopIteration

    options = {
        "maxiter": max_iter,
        "maxfun": max_fun,
        "gtol": tol,
        "ftol": getattr(objective, "ftol", tol * LBFGS_FTOL_PER_TOL),
        "maxls": 50,
    }
    start = network.params.astype(np.float64)
    solution = scipy.optimize.minimize(
        fun, start, method="L-BFGS-B", jac=True, callback=callback, options=options
    )
    return solution, first_values[0]


def _full_batch_objective(network, loss, X, Y, alpha, sample_weight):
    """A no-argument callable giving (value, gradient) at ``network.params``."""
    if LeastSquaresObjective.applies(network, loss, X):
        return LeastSquaresObjective(network, X, Y, alpha, sample_weight)
    workspace = Workspace(network, X.shape[0])

    def objective():
        return value_and_gradient(network, X, Y, loss, alpha, sample_weight, workspace)

    return objective
