"""
=====================================
Optimizers on a two-parameter surface
=====================================

With only two parameters the loss is a surface we can draw, and each optimizer
leaves a visible path on it. The problem: linear regression with two weights,
no intercept, on two strongly correlated features. Its loss is a bowl stretched
along the direction where the features cancel each other: steep across, nearly
flat along.

The paths come from the engine itself: one ``value_and_gradient`` call and one
``optimizer.step`` per iteration, exactly what the training loop does for each
mini-batch (here the batch is the whole data set). L-BFGS is driven by
``scipy.optimize.minimize``, as in the engine's ``fit_lbfgs``.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scipy.optimize

from sklearn_backprop.engine import SGD, Adam, Identity, Network, SquaredError, value_and_gradient

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# docs/images when run as a script; the working directory in a notebook (no __file__).
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

N_STEPS = 25 if QUICK else 100

# %%
# The problem: an elongated bowl
# ------------------------------
# Features with correlation 0.9: the Hessian of the mean squared error is their
# covariance, with eigenvalues 1.9 (across the bowl) and 0.1 (along it).

rng = np.random.default_rng(0)
X = rng.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]], size=200)
Y = (X @ np.array([1.0, 2.0]) + rng.normal(scale=0.5, size=200)).reshape(-1, 1)

loss = SquaredError()
network = Network((2, 1), Identity(), loss.link, fit_intercept=False)
w_best = np.linalg.lstsq(X, Y, rcond=None)[0].ravel()


def objective(w):
    """The engine's objective and gradient at weights ``w`` (a copy of the gradient)."""
    network.params[...] = w
    value, grad = value_and_gradient(network, X, Y, loss)
    return value, grad.copy()


loss_best = objective(w_best)[0]
start = w_best + np.array([-2.5, 1.0])

# %%
# Step by step with the engine's optimizers
# -----------------------------------------
# Same learning rate for the three SGD variants, so only momentum differs.
# Adam normalises each coordinate's step, so its learning rate is a step length.

optimizers = {
    "gradient descent": SGD(learning_rate_init=0.1, momentum=0.0, nesterov=False),
    "momentum 0.9": SGD(learning_rate_init=0.1, momentum=0.9, nesterov=False),
    "Nesterov 0.9": SGD(learning_rate_init=0.1, momentum=0.9, nesterov=True),
    "Adam": Adam(learning_rate_init=0.1),
}

paths = {}
for name, optimizer in optimizers.items():
    w = start.copy()
    path = [w.copy()]
    for _ in range(N_STEPS):
        _, grad = objective(w)
        optimizer.step(w, grad)  # updates w in place, as it updates network.params in training
        path.append(w.copy())
    paths[name] = np.array(path)

# %%
# L-BFGS: a solver, not an update rule
# ------------------------------------
# It builds a curvature estimate from past gradients and searches along a line
# each iteration; ``callback`` records where each iteration ends.

lbfgs_path = [start.copy()]
scipy.optimize.minimize(
    objective,
    start,
    jac=True,
    method="L-BFGS-B",
    callback=lambda intermediate_result: lbfgs_path.append(intermediate_result.x.copy()),
    options={"maxiter": N_STEPS, "gtol": 1e-10},
)
paths["L-BFGS"] = np.array(lbfgs_path)

summary = pd.DataFrame(
    {
        "steps": [len(path) - 1 for path in paths.values()],
        "w0": [path[-1, 0] for path in paths.values()],
        "w1": [path[-1, 1] for path in paths.values()],
        "loss - min": [objective(path[-1])[0] - loss_best for path in paths.values()],
    },
    index=list(paths),
)
print(f"least squares: w = {w_best.round(4)}, loss = {loss_best:.6f}")
print(summary.to_string(float_format=lambda v: f"{v:.2e}" if abs(v) < 1e-3 else f"{v:.4f}"))

# %%
# The paths on the surface, and the loss per step
# -----------------------------------------------
# Plain gradient descent drops into the valley, then crawls along its flat floor.
# Momentum builds up speed along the floor but overshoots and circles the
# minimum; Nesterov's look-ahead damps the circling. Adam's first steps are the
# same size in each coordinate (a diagonal move, whatever the bowl's shape).
# L-BFGS estimates the curvature and is at the bottom, to machine precision, in
# about ten iterations.

all_points = np.vstack(list(paths.values()))
margin = 0.5
w0_grid = np.linspace(all_points[:, 0].min() - margin, all_points[:, 0].max() + margin, 80)
w1_grid = np.linspace(all_points[:, 1].min() - margin, all_points[:, 1].max() + margin, 80)
surface = np.array([[objective(np.array([a, b]))[0] for a in w0_grid] for b in w1_grid])

fig, (ax_paths, ax_curve) = plt.subplots(1, 2, figsize=(13, 5.5), layout="constrained")
levels = loss_best + np.geomspace(1e-3, surface.max() - loss_best, 15)
ax_paths.contour(w0_grid, w1_grid, surface, levels=levels, colors="gray", linewidths=0.6)
for name, path in paths.items():
    ax_paths.plot(*path.T, ".-", markersize=4, linewidth=1, label=name)
    ax_curve.semilogy(
        [objective(w)[0] - loss_best + 1e-16 for w in path], ".-", markersize=4, label=name
    )
ax_paths.plot(*start, "ks", label="start")
ax_paths.plot(*w_best, "k*", markersize=12, label="least squares")
ax_paths.set(xlabel="w0", ylabel="w1", title="Paths on the loss surface", aspect="equal")
ax_paths.legend(loc="upper right", fontsize=9)
ax_curve.set(xlabel="step", ylabel="loss - minimum loss", title="Convergence")
ax_curve.legend(fontsize=9)

OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
figure_path = OUTPUT_DIR / "optimizers.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"\nFigure written to {figure_path}")
