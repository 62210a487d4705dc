"""Stochastic optimizers: small stateful objects whose ``step`` is their update rule.

Each optimizer updates the flat parameter vector in place from the flat
gradient (see ``network.py``), so a step is a few vector operations whatever
the depth of the network. State (velocity, moments, step count) lives on the
object and is created at the first step, shaped and typed like the
parameters: a float32 network keeps float32 optimizer state.

Optimizers never decide to stop. At the end of each epoch the training loop
calls ``end_epoch(t)``; when the loss stops improving it calls ``on_plateau()``
and the optimizer answers whether it changed something (the adaptive schedule
lowers its learning rate) that makes continuing worthwhile.

A penalty with a non-differentiable term (L1) is applied after the step by
``apply_prox(W, prox)``: the optimizer hands the penalty's proximal map the
step sizes it just used, without knowing what the map does.

L-BFGS is not here: it is a solver that owns its iterations (``lbfgs.py``).
"""

import math

import numpy as np


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum and a learning-rate schedule.

    Parameters
    ----------
    learning_rate_init : float, default=0.1
    momentum : float, default=0.9
        0 gives plain gradient descent.
    nesterov : bool, default=True
        Look ahead along the velocity (only matters when ``momentum > 0``).
    schedule : {"constant", "invscaling", "adaptive"}, default="constant"
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.

    Notes
    -----
    The rule, with ``g`` the gradient and ``lr`` the current learning rate::

        velocity = momentum * velocity - lr * g
        if nesterov:
            params += momentum * velocity - lr * g
        else:
            params += velocity

    Schedules::

        constant:    lr = learning_rate_init
        invscaling:  lr = learning_rate_init / (t + 1) ** power_t   (t: samples seen, per epoch)
        adaptive:    lr = lr / 5 at each plateau, until lr <= 1e-6
    """

    def __init__(
        self,
        learning_rate_init=0.1,
        momentum=0.9,
        nesterov=True,
        schedule="constant",
        power_t=0.5,
        preconditioner=None,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        # ``preconditioner(grad, out) -> M grad``, applied before the rule (the
        # linear models' safe "auto" step; see preconditioning.py), or None.
        self.preconditioner = preconditioner
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
        self.power_t = power_t
        self.velocity = None

    def step(self, params, grad):
        """Apply one update to ``params`` in place."""
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
            self._scratch = np.empty_like(params)
        if self.preconditioner is not None:
            grad = self.preconditioner(grad, out=self._scratch)
        scaled_grad = np.multiply(grad, -self.learning_rate, out=self._scratch)
        self.velocity *= self.momentum
        self.velocity += scaled_grad  # velocity = momentum * velocity - lr * g
        if self.nesterov:
            params += scaled_grad
            params += np.multiply(self.velocity, self.momentum, out=self._scratch)
        else:
            params += self.velocity

    def apply_prox(self, W, prox):
        """Apply ``prox(W, step)`` to the leading block ``W`` of the params, after :meth:`step`.

        Notes
        -----
        The last step moved ``W`` by ``c * lr`` times the current gradient
        (``c = 1 + momentum`` with Nesterov, else 1), so the proximal map gets
        ``step = c * lr``. What it moved ``W`` by, divided by ``c``, is added
        to the velocity, as if the gradient had held the penalty's
        subgradient: then a weight stays at exactly zero when, and only when,
        zero is optimal for it (``|dJ/dW| <= l1``), and the velocity of the
        other weights carries the penalty like the rest of the gradient::

            before = W;  W = prox(W, c * lr);  velocity += (W - before) / c
        """
        c = 1.0 + self.momentum if self.nesterov else 1.0
        before = W.copy()
        prox(W, c * self.learning_rate)
        if self.velocity is not None:
            correction = np.subtract(W, before, out=before)
            correction *= 1.0 / c
            self.velocity[: W.size] += correction

    def end_epoch(self, t):
        """Update the learning rate after an epoch; ``t`` is the number of samples seen."""
        if self.schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (t + 1) ** self.power_t

    def on_plateau(self):
        """Lower the learning rate if adaptive; return whether training should go on."""
        if self.schedule != "adaptive" or self.learning_rate <= 1e-6:
            return False
        self.learning_rate /= 5.0
        return True


class Adam:
    """Adam: per-parameter steps from running moments of the gradient.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
    beta_1 : float, default=0.9
        Decay of the first-moment (mean) estimate.
    beta_2 : float, default=0.999
        Decay of the second-moment (uncentred variance) estimate.
    epsilon : float, default=1e-8
        Keeps the step finite where the second moment is ~0.

    Notes
    -----
    The rule (Kingma & Ba 2014, with the bias corrections folded into the
    step size, as in scikit-learn), with ``g`` the gradient::

        t += 1
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        lr_t = learning_rate_init * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        params -= lr_t * m / (sqrt(v) + epsilon)
    """

    def __init__(self, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = None
        self.v = None

    def step(self, params, grad):
        """Apply one update to ``params`` in place."""
        if self.m is None:
            self.m = np.zeros_like(params)
            self.v = np.zeros_like(params)
            self._scratch = np.empty_like(params)
        s = self._scratch
        self.t += 1
        self.m *= self.beta_1
        self.m += np.multiply(grad, 1 - self.beta_1, out=s)
        self.v *= self.beta_2
        np.multiply(grad, grad, out=s)
        s *= 1 - self.beta_2
        self.v += s
        self.learning_rate = (
            self.learning_rate_init * math.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        )
        np.sqrt(self.v, out=s)
        s += self.epsilon
        np.divide(self.m, s, out=s)
        s *= self.learning_rate
        params -= s

    def apply_prox(self, W, prox):
        """Apply ``prox(W, step)`` to the leading block ``W`` of the params, after :meth:`step`.

        Notes
        -----
        Adam's step is diagonal, ``lr_t / (sqrt(v) + epsilon)`` per parameter;
        the proximal map in that metric is the same map with a step per
        parameter, and the moments are left as they are::

            W = prox(W, lr_t / (sqrt(v[:len(W)]) + epsilon))
        """
        step = np.sqrt(self.v[: W.size])
        step += self.epsilon
        np.divide(self.learning_rate, step, out=step)
        prox(W, step)

    def end_epoch(self, t):
        """Adam keeps its step size between epochs."""

    def on_plateau(self):
        """Adam has no schedule to adapt: a plateau ends training."""
        return False
