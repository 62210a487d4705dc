"""L-BFGS: a solver that owns its iterations, on the full-batch objective.

scipy's L-BFGS-B minimises the same objective as the mini-batch loop, over
the network's flat parameter vector (no packing per call), and reports in
the same :class:`~.training.TrainingResult`. A least-squares problem (no
hidden layer, squared error) is evaluated from X.T X and finished by
conjugate-gradient steps (``objective.LeastSquaresObjective``); when X.T X
is too large to form (sparse or wide X) and the penalty is pure L2, it is
solved by conjugate gradients alone (``normal_equations.py``).

An L1 term (``penalty="l1"`` or ``"elasticnet"``) is not differentiable at
zero, where it puts weights. It is made smooth exactly rather than
approximated: each weight is split into a positive and a negative part,
``W = P - N`` with ``P, N >= 0`` kept by L-BFGS-B's bounds, and
``||W||_1`` becomes the linear ``sum(P + N)`` (:class:`SplitWeights`).
"""

import time

import numpy as np
import scipy.optimize

from .network import Workspace
from .normal_equations import fit_normal_equations, normal_equations_apply
from .objective import LeastSquaresObjective, value_and_gradient
from .penalties import L2
from .training import Divergence, EpochRecord, TrainingResult, report_iteration

#: L-BFGS also stops when the objective's relative decrease falls below
#: ``tol * LBFGS_FTOL_PER_TOL``: at the default tol=1e-4 that is 64 machine
#: epsilons, scikit-learn's LogisticRegression's ftol; a tighter tol asks for
#: a proportionally tighter decrease, so that tol alone sets the precision.
LBFGS_FTOL_PER_TOL = 64 * np.finfo(float).eps / 1e-4

#: scipy's own default ``ftol`` (``factr = 1e7`` times machine epsilon), which
#: scikit-learn's MLP keeps.
SCIPY_FTOL = 1e7 * np.finfo(float).eps


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
    ftol=None,
    max_line_search=50,
    verbose=False,
    penalty=None,
    objective=None,
    validation=None,
    on_epoch=None,
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
        ``gtol``: stop when every gradient entry is at most ``tol`` in magnitude.
    ftol : float, default=None
        Stop when the objective's relative decrease is at most ``ftol``. None
        means ``tol * LBFGS_FTOL_PER_TOL`` (LogisticRegression's rule at the
        default tol, tightening with tol); scikit-learn's MLP uses
        :data:`SCIPY_FTOL`. A least-squares objective sets ``ftol = 0`` and is
        finished by its own conjugate-gradient ``refine``.
    max_line_search : int, default=50
        Line-search steps per iteration (scipy's ``maxls``; 50 in
        LogisticRegression, scipy's 20 in scikit-learn's MLP).
    verbose : bool, default=False
        Print ``Iteration k, loss = ...`` after each iteration.
    penalty : L2 or ElasticNet, default=None
        The penalty (``penalties.py``); None means ``L2(alpha)``. An L1 term
        is handled by splitting the weights (:class:`SplitWeights`).
    objective : callable, default=None
        ``objective() -> (value, grad)`` at ``network.params``, replacing the
        one built from ``X``, ``Y`` and ``sample_weight`` (which are then not
        read): e.g. a sum of partial objectives over chunks of rows held
        elsewhere. It may carry ``ftol`` and ``refine`` as
        ``LeastSquaresObjective`` does.
    validation : callable, default=None
        ``validation() -> (val_loss, val_score)`` at ``network.params``,
        recorded after every iteration (L-BFGS never stops on it).
    on_epoch : callable, default=None
        ``on_epoch(record)`` after every iteration, with its ``EpochRecord``.

    Returns
    -------
    TrainingResult
        ``loss_curve`` holds the objective after each iteration.
    """
    penalty = L2(alpha) if penalty is None else penalty
    if objective is None and normal_equations_apply(network, loss, X, penalty):
        # A quadratic too wide for X.T X: conjugate gradients reach the same
        # optimum in fewer products with X than L-BFGS (normal_equations.py).
        return fit_normal_equations(
            network, X, Y, sample_weight, alpha=penalty.l2_strength,
            max_iter=max_iter, max_fun=max_fun, tol=tol, verbose=verbose,
            validation=validation, on_epoch=on_epoch,
        )  # fmt: skip
    with np.errstate(all="ignore"):  # huge X may overflow X.T @ X: detected below
        if objective is None:
            objective = _full_batch_objective(network, loss, X, Y, penalty.smooth, sample_weight)
            weight_sum = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        else:
            weight_sum = None  # the objective knows it: objective.weight_sum
        variables = SplitWeights(objective, network, penalty, weight_sum)
        options = {
            "maxiter": max_iter,
            "maxfun": max_fun,
            "gtol": tol,
            "ftol": getattr(objective, "ftol", tol * LBFGS_FTOL_PER_TOL if ftol is None else ftol),
            "maxls": max_line_search,
        }
        result = TrainingResult()
        recorder = _Recorder(variables, penalty, result, validation, on_epoch, verbose)
        try:
            solution, first_value = _run_scipy_lbfgs(variables, recorder, options)
        except KeyboardInterrupt:
            # Ctrl-C: keep the last completed iteration's parameters, and stop.
            variables.set(recorder.last_x)
            result.n_iter = len(result.history)
            result.loss = result.loss_curve[-1] if result.loss_curve else objective()[0]
            result.interrupted, result.message = True, "Training interrupted by user."
            return result
        variables.set(solution.x)
        result.n_iter = min(int(solution.nit), max_iter)
        result.loss = float(solution.fun)
        gradient = variables.projected_gradient(solution.x, solution.jac)
        _interpret(solution, gradient, result, options)
        if hasattr(objective, "refine") and not variables.split and np.isfinite(result.loss):
            # Each step costs about one evaluation: max_fun bounds them too.
            budget = min(max_iter - result.n_iter, max_fun - int(solution.nfev))
            steps, reached = objective.refine(
                tol, max_steps=max(budget, 0), on_step=recorder.conjugate_gradient_step
            )
            result.n_iter += steps
            result.loss = objective()[0]
            if reached:
                result.converged, result.limit = True, None
    if not (np.isfinite(result.loss) and np.isfinite(network.params).all()):
        before = result.loss_curve[-2] if len(result.loss_curve) > 1 else first_value
        result.divergence = Divergence(result.n_iter, before, result.loss)
    return result


class SplitWeights:
    """The variables L-BFGS-B sees: ``params``, or ``[P, N, biases]`` with an L1 term.

    Parameters
    ----------
    objective : callable
        ``objective() -> (value, grad)`` at ``network.params``, with the
        differentiable part of the penalty only (``penalty.smooth``).
    network : Network
    penalty : L2 or ElasticNet
    weight_sum : float, default=None
        ``sum(w)`` of the data; None to read ``objective.weight_sum``.

    Notes
    -----
    With ``a1 = penalty.l1_strength / sum(w)`` and ``W = P - N``::

        J(P, N, b) = J_smooth(P - N, b) + a1 * sum(P + N),    P, N >= 0
        dJ/dP = dJ_smooth/dW + a1,    dJ/dN = -dJ_smooth/dW + a1

    At the minimum ``P * N = 0`` (shifting both down by their minimum keeps
    ``W`` and lowers the penalty), so ``sum(P + N) = ||W||_1`` and this is the
    original problem's minimum. A weight whose parts both rest on their bound
    is exactly zero, as in a lasso solution. Without an L1 term the
    variables are ``params`` themselves.
    """

    def __init__(self, objective, network, penalty, weight_sum=None):
        self.objective, self.network = objective, network
        self.split = bool(penalty.l1_strength)
        self.l1_strength = penalty.l1_strength
        # None: the objective reports the weight sum of its data (a chunked one
        # learns it at its first evaluation).
        self.weight_sum = weight_sum
        self.n_coef = network.n_coef
        n_bias = len(network.params) - self.n_coef
        self.bounds = None
        if self.split:
            self.bounds = [(0, None)] * (2 * self.n_coef) + [(None, None)] * n_bias

    def start(self):
        """The variables at ``network.params``, in float64."""
        params = self.network.params.astype(np.float64)
        if not self.split:
            return params
        W = params[: self.n_coef]
        return np.concatenate([np.maximum(W, 0), np.maximum(-W, 0), params[self.n_coef :]])

    def set(self, x):
        """Write the parameters the variables ``x`` stand for into ``network.params``."""
        if not self.split:
            self.network.params[...] = x
            return
        k = self.n_coef
        self.network.params[:k] = x[:k] - x[k : 2 * k]
        self.network.params[k:] = x[2 * k :]

    def projected(self, x, grad):
        """``grad`` with the entries of parts resting on their bound 0 (and pushing on it) zeroed.

        At the bound, a positive gradient entry only pushes against the bound:
        it is not a direction L-BFGS-B could still follow.
        """
        if not self.split:
            return grad
        k2 = 2 * self.n_coef
        pushing = np.zeros(len(x), dtype=bool)
        pushing[:k2] = (x[:k2] <= 0) & (grad[:k2] > 0)
        return np.where(pushing, 0.0, grad)

    def projected_gradient(self, x, grad):
        """Largest entry of the projected gradient (see :meth:`projected`)."""
        return float(np.abs(self.projected(x, grad)).max()) if grad.size else 0.0

    def __call__(self, x):
        """Value and gradient (a new float64 array: scipy keeps references) at ``x``."""
        self.set(x)
        value, grad = self.objective()
        if not self.split:
            return value, grad.astype(np.float64)
        k = self.n_coef
        weight_sum = self.objective.weight_sum if self.weight_sum is None else self.weight_sum
        l1 = self.l1_strength / weight_sum
        grad_W = grad[:k].astype(np.float64)
        value += l1 * float(x[: 2 * k].sum())
        return value, np.concatenate([grad_W + l1, l1 - grad_W, grad[k:]])


def _interpret(solution, gradient, result, options):
    """``converged``, ``limit`` and a ``message`` in words, from scipy's report.

    scipy ends with status 0 (a tolerance was met), 1 (max_iter or max_fun
    reached) or 2 (the line search failed: "ABNORMAL"). A line search fails
    for good when the objective can no longer resolve a decrease: near the
    optimum a step of length s changes J by about ``|g| s``, and J itself is
    only known to ``eps * |J|``, so once the gradient is within about
    ``sqrt(eps * max(|J|, 1))`` (the noise floor) no step can be told apart
    from no step. That is convergence as far as the float precision of J
    allows; an ABNORMAL end above the floor is reported as a failure.
    ``gradient`` is the largest entry of the projected gradient.
    """
    noise_floor = np.sqrt(np.finfo(float).eps * max(abs(float(solution.fun)), 1.0))
    result.limit = None
    if solution.status == 0:
        result.converged = True
        result.message = (
            "the gradient is below tol"
            if gradient <= options["gtol"]
            else f"the objective's relative decrease fell below ftol={options['ftol']:.3g}"
        )
    elif solution.status == 1:
        result.converged = False
        if solution.nit >= options["maxiter"]:
            result.limit = "max_iter"
            result.message = f"it reached max_iter={options['maxiter']} iterations"
        else:
            result.limit = "max_fun"
            result.message = f"it reached max_fun={options['maxfun']} objective evaluations"
        result.message += f" with the largest gradient entry at {gradient:.3g}"
    elif "ABNORMAL" in str(solution.message) and gradient <= noise_floor:
        result.converged = True
        result.message = (
            f"the gradient ({gradient:.3g}) reached the float precision of the objective "
            f"(noise floor {noise_floor:.3g}) before tol"
        )
    else:
        result.converged = False
        result.message = (
            f"the line search could not lower the objective although its largest gradient "
            f"entry is {gradient:.3g}, above tol={options['gtol']:.3g} and above the noise "
            f"floor {noise_floor:.3g} (scipy: {solution.message or 'no reason given'}); "
            "badly scaled features are the usual cause"
        )


class _Recorder:
    """Turns each finished L-BFGS iteration into an ``EpochRecord`` (and a printed line).

    scipy calls back with the accepted point ``x_k`` after its line search,
    whose last evaluation is at ``x_k``: the value and gradient recorded are
    those of that evaluation (re-evaluated only if scipy's point differs).
    """

    def __init__(self, variables, penalty, result, validation, on_epoch, verbose):
        self.variables, self.penalty, self.result = variables, penalty, result
        self.validation, self.on_epoch, self.verbose = validation, on_epoch, verbose
        self.last_x = variables.start()
        self.last_evaluation = None  # (x, value, grad) of scipy's latest call
        self.clock = time.perf_counter()

    def evaluate(self, x):
        value, grad = self.variables(x)
        self.last_evaluation = (x.copy(), value, grad)
        return value, grad

    def __call__(self, intermediate_result):
        x = intermediate_result.x
        evaluated_x, _, grad = self.last_evaluation
        if not np.array_equal(evaluated_x, x):
            _, grad = self.variables(x)
        self.variables.set(x)
        self.last_x = x.copy()
        self._record(float(intermediate_result.fun), self.variables.projected(x, grad))
        if not np.isfinite(intermediate_result.fun):
            raise StopIteration

    def conjugate_gradient_step(self, value, grad):
        """A step of the least-squares finish, recorded as an iteration too."""
        self._record(float(value), grad)

    def _record(self, value, grad):
        network = self.variables.network
        W = network.params[: network.n_coef]
        weight_sum = self.variables.weight_sum or self.variables.objective.weight_sum
        record = EpochRecord(
            loss=value,
            penalty=self.penalty.value(W, weight_sum),
            learning_rate=None,
            grad_norm=float(np.linalg.norm(grad)),
            n_steps=len(self.result.history) + 1,
            seconds=time.perf_counter() - self.clock,
        )
        report_iteration(self.result, record, self.validation, self.verbose, self.on_epoch)
        self.clock = time.perf_counter()


def _run_scipy_lbfgs(variables, recorder, options):
    """scipy's L-BFGS-B from ``network.params``; ``recorder`` sees every iteration."""
    first_values = []

    def fun(x):
        value, grad = recorder.evaluate(x)
        if not first_values:
            first_values.append(value)
        return value, grad

    solution = scipy.optimize.minimize(
        fun,
        variables.start(),
        method="L-BFGS-B",
        jac=True,
        bounds=variables.bounds,
        callback=recorder,
        options=options,
    )
    return solution, first_values[0]


def _full_batch_objective(network, loss, X, Y, penalty, sample_weight):
    """A no-argument callable giving (value, gradient) at ``network.params``."""
    if LeastSquaresObjective.applies(network, loss, X):
        return LeastSquaresObjective(network, X, Y, penalty.l2_strength, sample_weight)
    workspace = Workspace(network, X.shape[0])

    def objective():
        return value_and_gradient(
            network, X, Y, loss, sample_weight=sample_weight, workspace=workspace, penalty=penalty
        )

    return objective
