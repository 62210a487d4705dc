"""
===========================================
Watching training: history, validation data
===========================================

Every estimator records one row per epoch (sgd, adam) or iteration (lbfgs) in
``history_``: the loss it minimised, its penalty part, the step size, the
gradient norm, and, when there are validation data, the validation loss and
score. Here the donut MLP trains with Adam on a training set while a separate
validation set is watched through ``fit(..., X_val=..., y_val=...)``; early
stopping on the validation *loss* (``scoring="loss"``) keeps the parameters of
the best epoch. L-BFGS has a history too, one row per iteration.
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import make_circles
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_backprop import ScratchMLPClassifier

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# docs/images when run as a script; the working directory in a notebook (no __file__).
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

# %%
# A noisy donut, split three ways
# -------------------------------
# Noise makes the rings overlap, so that a large network can overfit them: the
# training loss keeps falling while the validation loss turns back up.

X, y = make_circles(n_samples=300 if QUICK else 1000, noise=0.2, factor=0.5, random_state=0)
X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.5, random_state=0)
X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0)

# %%
# Adam, watched on the validation set
# -----------------------------------
# ``n_iter_no_change`` is large so that the curves show what happens after the
# best epoch; the model still returns with the best epoch's parameters.

mlp = ScratchMLPClassifier(
    hidden_layer_sizes=(64, 64),
    solver="adam",
    learning_rate_init=0.01,
    alpha=0.0,
    early_stopping=True,
    scoring="loss",
    n_iter_no_change=40 if QUICK else 100,
    max_iter=80 if QUICK else 300,
    random_state=0,
)
mlp.fit(X_train, y_train, X_val=X_val, y_val=y_val)
history = pd.DataFrame(mlp.history_)
print(history[["epoch", "loss", "val_loss", "val_score", "grad_norm"]].head().to_string())
best = mlp.best_epoch_
print(f"best epoch {best} of {mlp.n_iter_}; test accuracy {mlp.score(X_test, y_test):.3f}")

# %%
# L-BFGS: one row per iteration
# -----------------------------

lbfgs = ScratchMLPClassifier((16,), solver="lbfgs", max_iter=200, random_state=0)
with warnings.catch_warnings():
    # 200 iterations are what the figure shows, converged or not.
    warnings.simplefilter("ignore", ConvergenceWarning)
    lbfgs.fit(X_train, y_train, X_val=X_val, y_val=y_val)
lbfgs_history = pd.DataFrame(lbfgs.history_)

# %%
# The curves
# ----------

fig, (ax_adam, ax_lbfgs) = plt.subplots(1, 2, figsize=(11, 4))
ax_adam.plot(history["epoch"], history["loss"], label="training loss")
ax_adam.plot(history["epoch"], history["val_loss"], label="validation loss")
ax_adam.axvline(best, color="grey", linestyle="--", label=f"best epoch ({best}), kept")
ax_adam.set(xlabel="epoch", ylabel="log loss", title="Adam, early stopping on val_loss")
ax_adam.legend()
ax_lbfgs.semilogy(lbfgs_history["epoch"], lbfgs_history["grad_norm"], label="gradient norm")
ax_lbfgs.semilogy(lbfgs_history["epoch"], lbfgs_history["loss"], label="training loss")
ax_lbfgs.semilogy(lbfgs_history["epoch"], lbfgs_history["val_loss"], label="validation loss")
ax_lbfgs.set(xlabel="L-BFGS iteration", title="L-BFGS has a history too")
ax_lbfgs.legend()
fig.tight_layout()
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(OUTPUT_DIR / "watching_training.png", dpi=100)
plt.close(fig)
print(f"Figure written to {OUTPUT_DIR / 'watching_training.png'}")

overfits = history["val_loss"].iloc[-1] > history["val_loss"].min()
print(f"validation loss rose after the best epoch: {overfits}")
