"""
===================================
Backpropagation, one step at a time
===================================

A network small enough to follow with pencil and paper: 2 inputs, 2 ``tanh``
hidden units, 1 logistic output, 3 samples. We run its forward pass, compute
its loss, and derive every partial derivative with the chain rule, written out
in plain NumPy. Then three independent witnesses must agree:

- finite differences of the loss (no calculus at all),
- the engine's ``value_and_gradient`` (what every solver calls),
- ``check_gradients`` on a ``ScratchMLPClassifier`` holding the same weights.

Finally ``trace_backprop`` records the same pass on the estimator, step by
step, and draws it on the network.
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from sklearn_backprop import ScratchMLPClassifier, check_gradients, trace_backprop
from sklearn_backprop.engine import BinaryCrossEntropy, Network, Tanh, value_and_gradient

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# docs/images when run as a script; the working directory in a notebook (no __file__).
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

np.set_printoptions(precision=6, suppress=True)

# %%
# The network and its data
# ------------------------
# Samples are rows. Layer 1: ``Z1 = X @ W1 + b1``, ``A1 = tanh(Z1)``.
# Layer 2: ``Z2 = A1 @ W2 + b2``, ``A2 = logistic(Z2)``, the probability of class 1.

X = np.array([[0.5, -1.0], [1.5, 0.5], [-1.0, 2.0]])
y = np.array([0, 1, 1])
Y = y.reshape(-1, 1).astype(float)  # targets as a column, like A2
n = len(X)

params = {
    "W1": np.array([[0.3, -0.6], [0.8, 0.2]]),
    "b1": np.array([0.1, -0.2]),
    "W2": np.array([[1.2], [-0.7]]),
    "b2": np.array([0.05]),
}


def forward(p):
    """Every intermediate of the forward pass, and the mean cross-entropy."""
    Z1 = X @ p["W1"] + p["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ p["W2"] + p["b2"]
    A2 = expit(Z2)
    loss = np.mean(-Y * np.log(A2) - (1 - Y) * np.log(1 - A2))
    return Z1, A1, Z2, A2, loss


Z1, A1, Z2, A2, loss = forward(params)
print("Forward pass")
for name, value in [("Z1", Z1), ("A1", A1), ("Z2", Z2), ("A2", A2)]:
    print(f"{name} =\n{value}")
print(f"loss L = mean(-y log A2 - (1 - y) log(1 - A2)) = {loss:.10f}\n")

# %%
# The backward pass, by hand
# --------------------------
# Walk the forward pass backwards; each line multiplies by the derivative of
# one forward step. ``dX`` means dL/dX, an array shaped like ``X``.

# 1. L = mean over samples of -y log A2 - (1 - y) log(1 - A2)
dA2 = (-Y / A2 + (1 - Y) / (1 - A2)) / n
# 2. A2 = logistic(Z2), whose derivative is A2 (1 - A2). The product with step 1
#    collapses to (A2 - Y) / n: the logistic link is the cross-entropy's canonical link.
dZ2 = dA2 * A2 * (1 - A2)
# 3. Z2 = A1 @ W2 + b2: each weight's gradient sums, over samples, dZ2 times its input.
dW2 = A1.T @ dZ2
db2 = dZ2.sum(axis=0)
dA1 = dZ2 @ params["W2"].T
# 4. A1 = tanh(Z1), whose derivative is 1 - tanh^2 = 1 - A1^2.
dZ1 = dA1 * (1 - A1**2)
# 5. Z1 = X @ W1 + b1, as in step 3.
dW1 = X.T @ dZ1
db1 = dZ1.sum(axis=0)

by_hand = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
print("Backward pass")
for name, value in [("dA2", dA2), ("dZ2", dZ2), ("(A2 - Y) / n", (A2 - Y) / n)]:
    print(f"{name} =\n{value}")
for name, value in [("dW2", dW2), ("db2", db2), ("dA1", dA1), ("dZ1", dZ1)]:
    print(f"{name} =\n{value}")
print(f"dW1 =\n{dW1}\ndb1 = {db1}\n")

# %%
# One partial derivative, as a single chain
# -----------------------------------------
# The matrix products above are these sums: for the first weight of layer 1,
#
#   dL/dW1[0, 0] = sum_i  dL/dZ2_i * dZ2_i/dA1_i0 * dA1_i0/dZ1_i0 * dZ1_i0/dW1[0, 0]
#                = sum_i  (A2_i - y_i) / n * W2[0, 0] * (1 - A1_i0^2) * X_i0

chain = sum(
    (A2[i, 0] - Y[i, 0]) / n * params["W2"][0, 0] * (1 - A1[i, 0] ** 2) * X[i, 0] for i in range(n)
)
print(f"dL/dW1[0, 0]: as one chain {chain:.10f}, from the matrix form {dW1[0, 0]:.10f}\n")

# %%
# Witness 1: finite differences
# -----------------------------
# Nudge one parameter by +-eps and watch the loss: ``(L(p + eps) - L(p - eps)) / 2 eps``.

eps = 1e-6
finite_differences = {}
for name, value in params.items():
    gradient = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        shifted = {key: array.copy() for key, array in params.items()}
        shifted[name][index] = value[index] + eps
        loss_up = forward(shifted)[-1]
        shifted[name][index] = value[index] - eps
        loss_down = forward(shifted)[-1]
        gradient[index] = (loss_up - loss_down) / (2 * eps)
    finite_differences[name] = gradient

# %%
# Witness 2: the engine
# ---------------------
# The same network built from the engine's parts. The loss brings its link
# (logistic); ``value_and_gradient`` returns one flat gradient, which
# ``unflatten`` cuts into per-layer views.

loss_function = BinaryCrossEntropy()
network = Network((2, 2, 1), Tanh(), loss_function.link)
network.set_params([params["W1"], params["W2"]], [params["b1"], params["b2"]])
engine_loss, engine_gradient = value_and_gradient(network, X, Y, loss_function, alpha=0.0)
(engine_dW1, engine_dW2), (engine_db1, engine_db2) = network.unflatten(engine_gradient)
engine = {"W1": engine_dW1, "b1": engine_db1, "W2": engine_dW2, "b2": engine_db2}
print(f"loss: by hand {loss:.12f}, engine {engine_loss:.12f}")

# %%
# Every partial derivative, three ways
# ------------------------------------

rows = []
for name in params:
    for index in np.ndindex(params[name].shape):
        rows.append(
            {
                "parameter": f"{name}[{', '.join(map(str, index))}]",
                "by hand": by_hand[name][index],
                "finite differences": finite_differences[name][index],
                "engine": engine[name][index],
            }
        )
table = pd.DataFrame(rows).set_index("parameter")
table["|hand - finite diff|"] = (table["by hand"] - table["finite differences"]).abs()
table["|hand - engine|"] = (table["by hand"] - table["engine"]).abs()
print(table.to_string(float_format=lambda v: f"{v:.3e}" if abs(v) < 1e-4 else f"{v:.8f}"))
np.testing.assert_allclose(table["by hand"], table["finite differences"], rtol=1e-6, atol=1e-9)
np.testing.assert_allclose(table["by hand"], table["engine"], rtol=1e-12, atol=1e-15)

# %%
# Witness 3: ``check_gradients`` on a scikit-learn estimator
# ----------------------------------------------------------
# Fit a classifier of the same shape (one iteration suffices: we only need a
# fitted estimator), then give it our weights. ``coefs_`` and ``intercepts_``
# are the same arrays as ``W1, W2`` and ``b1, b2``. ``alpha=0``: no penalty, as above.

classifier = ScratchMLPClassifier(
    hidden_layer_sizes=(2,), activation="tanh", solver="lbfgs", alpha=0.0, max_iter=1
)
with warnings.catch_warnings():
    # One iteration cannot converge, and need not: the weights are replaced next.
    warnings.simplefilter("ignore", ConvergenceWarning)
    classifier.fit(X, y)
classifier.coefs_ = [params["W1"].copy(), params["W2"].copy()]
classifier.intercepts_ = [params["b1"].copy(), params["b2"].copy()]
print(f"\npredict_proba(X)[:, 1] = {classifier.predict_proba(X)[:, 1]}  (A2 = {A2.ravel()})")

report = check_gradients(classifier, X, y)
print(f"check_gradients: loss {report.loss:.12f}, worst relative error {report.max_rel_error:.1e}")
print(report)
np.testing.assert_allclose(classifier.predict_proba(X)[:, 1], A2.ravel(), rtol=1e-12)
np.testing.assert_allclose(report.loss, loss, rtol=1e-12)
assert report.max_rel_error < 1e-6

# %%
# The gradient is a slope
# -----------------------
# Left: the loss as ``W1[0, 0]`` alone varies, and the tangent whose slope is our
# hand-made ``dL/dW1[0, 0]``. Right: every partial derivative, by hand (bars),
# by finite differences and by the engine (markers on the bars).

w0 = params["W1"][0, 0]
grid = np.linspace(w0 - 3, w0 + 3, 61 if QUICK else 241)
losses = []
for value in grid:
    shifted = {key: array.copy() for key, array in params.items()}
    shifted["W1"][0, 0] = value
    losses.append(forward(shifted)[-1])

fig, (ax_slope, ax_bars) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
ax_slope.plot(grid, losses, label="loss L(W1[0, 0])")
ax_slope.plot(grid, loss + dW1[0, 0] * (grid - w0), "--", label="tangent, slope dL/dW1[0, 0]")
ax_slope.plot([w0], [loss], "ko", label=f"current W1[0, 0] = {w0}")
ax_slope.set(xlabel="W1[0, 0]", ylabel="mean cross-entropy", title="The loss along one weight")
ax_slope.legend()

positions = np.arange(len(table))
ax_bars.bar(positions, table["by hand"], color="lightgray", label="by hand (chain rule)")
ax_bars.plot(positions, table["finite differences"], "x", ms=10, label="finite differences")
ax_bars.plot(positions, table["engine"], "+", ms=12, label="engine value_and_gradient")
ax_bars.axhline(0, color="k", linewidth=0.5)
ax_bars.set_xticks(positions, table.index, rotation=45)
ax_bars.set(ylabel="dL/dparameter", title="Every partial derivative, three ways")
ax_bars.legend()

OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
figure_path = OUTPUT_DIR / "backprop_by_hand.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"\nFigure written to {figure_path}")

# %%
# The same pass, recorded: ``trace_backprop``
# -------------------------------------------
# ``trace_backprop`` runs the engine's forward and backward pass on the
# estimator and keeps every intermediate: the seven steps, printed with their
# numbers (compare them with the ones above), and drawn on the network for the
# first sample: node values are activations, edges are weights, coloured by
# the sign of their gradient.

trace = trace_backprop(classifier, X, y, learning_rate=0.5)
print(trace)
np.testing.assert_allclose(trace.coef_grads[0], dW1, rtol=1e-12)
np.testing.assert_allclose(trace.dZ_output, dZ2, rtol=1e-12)

fig = trace.plot(sample=0)
figure_path = OUTPUT_DIR / "backprop_trace.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"\nFigure written to {figure_path}")
