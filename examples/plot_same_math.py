"""
=============================================
Linear and logistic regression: the same math
=============================================

``ScratchLinearRegression`` and ``ScratchLogisticRegression`` are the same
network: one dense layer, ``Z = X @ W + b``, no hidden layer, trained by the
same engine on the same objective shape (mean loss + L2 penalty). Only the
*head* differs, the output link and the loss that goes with it:

- linear regression: identity link, squared error;
- logistic regression: logistic link, binary cross-entropy.

Each pair is *canonical*, so the gradient of the loss w.r.t. the raw output is
the same expression, ``dL/dZ = (A - Y) / n``, and backpropagation below it is
literally the same code. We check that each lands on scikit-learn's solution.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.datasets import make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

from sklearn_backprop import ScratchLinearRegression, ScratchLogisticRegression
from sklearn_backprop.engine import BinaryCrossEntropy, SquaredError

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# docs/images when run as a script; the working directory in a notebook (no __file__).
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

# %%
# One data set, two targets
# -------------------------
# A real-valued target for linear regression, and its sign (noisy) as the
# class for logistic regression.

X, y_real = make_regression(
    n_samples=100 if QUICK else 500, n_features=4, noise=20.0, random_state=0
)
rng = np.random.default_rng(0)
y_class = (y_real + rng.normal(scale=40.0, size=y_real.shape) > 0).astype(int)

# %%
# Same network, different head
# ----------------------------
# The logistic models (ours and scikit-learn's) get a tight ``tol`` so that both
# reach the optimum: the comparison below is then about the model, not about
# where L-BFGS stopped.

linear = ScratchLinearRegression().fit(X, y_real)
logistic = ScratchLogisticRegression(tol=1e-10).fit(X, y_class)

for name, model, loss in [
    ("ScratchLinearRegression", linear, SquaredError()),
    ("ScratchLogisticRegression", logistic, BinaryCrossEntropy()),
]:
    print(
        f"{name:<26} layers {[W.shape for W in model.coefs_]}, "
        f"out_activation_ = {model.out_activation_!r}, "
        f"loss = {loss.name!r} with link {loss.link.name!r}"
    )

# %%
# The shared gradient: ``dL/dZ = (A - Y) / n`` for both heads. The loss objects
# of the engine compute it from the prediction ``A = link(Z)``.

for model, loss, y in [(linear, SquaredError(), y_real), (logistic, BinaryCrossEntropy(), y_class)]:
    Y = y.reshape(-1, 1).astype(float)
    Z = (X @ model.coef_.reshape(-1, 1) + model.intercept_).reshape(-1, 1)
    A = loss.link.forward(Z.copy())
    dZ = loss.gradient(Y, A)
    gap = np.abs(dZ - (A - Y) / len(Y)).max()
    print(f"{loss.name:<16} max |dL/dZ - (A - Y) / n| = {gap:.1e}")

# %%
# The same solutions as scikit-learn
# ----------------------------------
# ``alpha`` is Ridge's ``alpha`` and LogisticRegression's ``1 / C``: our
# objective times ``n`` is theirs. Defaults match: ``alpha=0`` is
# LinearRegression, ``alpha=1`` is ``LogisticRegression(C=1)``.

comparisons = [
    ("LinearRegression()", linear, LinearRegression().fit(X, y_real)),
    (
        "Ridge(alpha=10)",
        ScratchLinearRegression(alpha=10.0).fit(X, y_real),
        Ridge(alpha=10.0).fit(X, y_real),
    ),
    ("LogisticRegression(C=1)", logistic, LogisticRegression(tol=1e-10).fit(X, y_class)),
    (
        "LogisticRegression(C=0.01)",
        ScratchLogisticRegression(alpha=100.0, tol=1e-10).fit(X, y_class),
        LogisticRegression(C=0.01, tol=1e-10).fit(X, y_class),
    ),
]
print()
for name, ours, theirs in comparisons:
    coef_gap = np.abs(ours.coef_ - theirs.coef_).max()
    intercept_gap = np.abs(ours.intercept_ - theirs.intercept_).max()
    print(f"vs {name:<27} max |coef_ diff| {coef_gap:.1e}, |intercept_ diff| {intercept_gap:.1e}")
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-6)

# %%
# One raw output, two links
# -------------------------
# Plot each target against the model's raw output ``Z = X @ w + b``. Linear
# regression reads ``Z`` as the prediction; logistic regression passes it
# through the logistic function and reads a probability.

fig, (ax_linear, ax_logistic) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
z_linear = X @ linear.coef_ + linear.intercept_
z_logistic = X @ logistic.coef_[0] + logistic.intercept_[0]

ax_linear.scatter(z_linear, y_real, s=10, alpha=0.5, label="samples")
line = np.linspace(z_linear.min(), z_linear.max(), 100)
ax_linear.plot(line, line, "k", label="prediction A = Z (identity)")
ax_linear.set(xlabel="raw output Z", ylabel="y", title="ScratchLinearRegression: squared error")
ax_linear.legend()

jitter = rng.uniform(-0.04, 0.04, size=y_class.shape)  # keeps overlapping labels visible
ax_logistic.scatter(z_logistic, y_class + jitter, s=10, alpha=0.5, label="samples (jittered)")
curve = np.linspace(z_logistic.min(), z_logistic.max(), 200)
ax_logistic.plot(curve, expit(curve), "k", label="P(y = 1) = A = logistic(Z)")
ax_logistic.set(
    xlabel="raw output Z",
    ylabel="class",
    title="ScratchLogisticRegression: cross-entropy",
)
ax_logistic.legend(loc="center right")

OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
figure_path = OUTPUT_DIR / "same_math.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"\nFigure written to {figure_path}")
