"""
=====================================================================
Open building blocks: your own activation, the L1 path, and dropout
=====================================================================

Three pieces scikit-learn's MLP keeps closed, each one small addition to the
engine here:

1. **An activation you write yourself.** Subclass
   :class:`sklearn_backprop.Activation` with a ``forward`` and its
   ``derivative``; the estimator checks the derivative against central
   differences before training. A ``sin`` unit learns the donut.
2. **The L1 penalty, exactly.** ``ScratchLinearRegression(penalty="l1")``
   traces the lasso path beside scikit-learn's ``Lasso``: the same
   coefficients, the same exact zeros (``alpha`` here is ``n_samples`` times
   Lasso's, because our penalty is divided by ``sum(sample_weight)``).
3. **Dropout.** An over-sized MLP on 100 noisy points fits their noise;
   inverted dropout narrows the gap between train and test accuracy.
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes, make_circles, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from sklearn.model_selection import train_test_split

from sklearn_backprop import Activation, ScratchLinearRegression, ScratchMLPClassifier

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# sphinx-gallery and notebooks define no __file__: write next to them then.
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

# %%
# 1. A ``sin`` activation, written in five lines
# ----------------------------------------------


class Sine(Activation):
    """sin(z): periodic units; a few of them tile a ring."""

    def forward(self, Z):
        return np.sin(Z)

    def derivative(self, Z, A):
        return np.cos(Z)


X, y = make_circles(n_samples=400, noise=0.1, factor=0.5, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
sine_mlp = ScratchMLPClassifier(hidden_layer_sizes=(16,), activation=Sine(), solver="lbfgs")
sine_mlp.set_params(random_state=0).fit(X_train, y_train)
sine_accuracy = sine_mlp.score(X_test, y_test)
print(f"sin activation, donut test accuracy: {sine_accuracy:.3f}")

# %%
# 2. The L1 path beside Lasso's
# -----------------------------
# Our objective is the mean loss plus ``alpha * ||w||_1 / n``; Lasso's is
# ``||y - Xw||^2 / (2n) + alpha_lasso * ||w||_1``: the same problem with
# ``alpha = n * alpha_lasso``.

X_d, y_d = load_diabetes(return_X_y=True)
n = len(y_d)
lasso_alphas = np.geomspace(0.01, 20, 8 if QUICK else 25)
ours_path = np.array(
    [
        ScratchLinearRegression(penalty="l1", alpha=a * n, tol=1e-12).fit(X_d, y_d).coef_
        for a in lasso_alphas
    ]
)
lasso_path = np.array(
    [Lasso(alpha=a, tol=1e-12, max_iter=100_000).fit(X_d, y_d).coef_ for a in lasso_alphas]
)
same_zeros = bool(np.array_equal(ours_path == 0, lasso_path == 0))
largest_difference = float(np.abs(ours_path - lasso_path).max())
print(f"L1 path: same exact zeros as Lasso at every alpha: {same_zeros}")
print(f"L1 path: largest coefficient difference: {largest_difference:.2e}")

# %%
# 3. Dropout narrows the train-test gap
# -------------------------------------

X_m, y_m = make_moons(n_samples=200, noise=0.4, random_state=0)
Xm_train, Xm_test, ym_train, ym_test = train_test_split(X_m, y_m, test_size=0.5, random_state=0)
rates = [0.0, 0.5] if QUICK else [0.0, 0.2, 0.4, 0.6]
seeds = range(1 if QUICK else 3)
accuracy = {}  # rate -> (train, test), averaged over seeds
for rate in rates:
    scores = []
    for seed in seeds:
        clf = ScratchMLPClassifier(
            hidden_layer_sizes=(100, 100), dropout=rate, learning_rate_init=0.01,
            max_iter=100 if QUICK else 200, n_iter_no_change=np.inf, batch_size=20,
            random_state=seed,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Xm_train, ym_train)
        scores.append((clf.score(Xm_train, ym_train), clf.score(Xm_test, ym_test)))
    accuracy[rate] = tuple(np.mean(scores, axis=0))
for rate, (train, test) in accuracy.items():
    print(f"dropout={rate:.1f}: train {train:.3f}, test {test:.3f}, gap {train - test:.3f}")

# %%
# The figure
# ----------

fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
grid = np.linspace(-1.5, 1.5, 200)
xx, yy = np.meshgrid(grid, grid)
proba = sine_mlp.predict_proba(np.c_[xx.ravel(), yy.ravel()])[:, 1].reshape(xx.shape)
axes[0].contourf(xx, yy, proba, levels=20, cmap="RdBu", alpha=0.6)
axes[0].scatter(X_test[:, 0], X_test[:, 1], c=y_test, cmap="RdBu", edgecolor="k", s=15)
axes[0].set_title(f"sin activation: test accuracy {sine_accuracy:.2f}")

for j in range(ours_path.shape[1]):
    line = axes[1].plot(lasso_alphas, ours_path[:, j], lw=2)[0]
    axes[1].plot(lasso_alphas, lasso_path[:, j], "o", ms=4, mfc="none", color=line.get_color())
axes[1].set_xscale("log")
axes[1].set_xlabel("Lasso alpha (ours: n_samples x alpha)")
axes[1].set_ylabel("coefficient")
axes[1].set_title("L1 path: ours (lines), Lasso (circles)")

train_acc = [accuracy[r][0] for r in rates]
test_acc = [accuracy[r][1] for r in rates]
axes[2].plot(rates, train_acc, "o-", label="train")
axes[2].plot(rates, test_acc, "s-", label="test")
axes[2].set_xlabel("dropout rate")
axes[2].set_ylabel("accuracy")
axes[2].set_title("Dropout on noisy moons, MLP (100, 100)")
axes[2].legend()
fig.tight_layout()
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
figure_path = OUTPUT_DIR / "open_building_blocks.png"
fig.savefig(figure_path, dpi=80)
print(f"Figure written to {figure_path}")
