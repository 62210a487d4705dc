"""
==================================================
The donut, finished: the features a network learns
==================================================

The donut example (``plot_donut.py``) says that an MLP *learns its own
features*: where a human had to hand logistic regression the squares
``x0^2, x1^2`` (``PolynomialFeatures(2)``), the network's hidden layers build
what it needs from the raw coordinates. Here we look at those features.

The network is ``ScratchMLPClassifier`` with a narrow last hidden layer,
``hidden_layer_sizes=(16, 2)``: everything it knows about a point must pass
through two numbers, so we can plot them. In that 2-D hidden space the two
rings are linearly separable, and plain logistic regression on the learnt
features (``HiddenLayerTransformer`` in a Pipeline) scores what the degree-2
features scored, while on the raw features it is at chance.

Then we watch the features being learnt: the decision boundary and the hidden
space after 1, 10, 25, 50 and 100 epochs of Adam (``partial_fit`` runs one
epoch per call).
"""

# %%
# Where the figures go, and how big the run is
# --------------------------------------------
# ``SKLEARN_BACKPROP_EXAMPLES_QUICK=1`` shrinks the run for the test suite.

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from sklearn_backprop import HiddenLayerTransformer, ScratchLogisticRegression, ScratchMLPClassifier

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# docs/images when run as a script; the working directory in a notebook (no __file__).
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

N_SAMPLES = 300 if QUICK else 1000
GRID = 60 if QUICK else 150  # resolution of the decision-boundary images
EPOCHS = [1, 10, 25, 50, 100]

# %%
# The data: the donut's rings and split
# -------------------------------------

X, y = make_circles(n_samples=N_SAMPLES, noise=0.1, factor=0.5, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

# %%
# Logistic regression on three sets of features
# ---------------------------------------------
# The same ``ScratchLogisticRegression`` each time; only its input changes:
# the raw coordinates, the hand-made squares, and the two features of the
# network's last hidden layer. ``HiddenLayerTransformer`` fits a clone of the
# network on ``(X, y)`` and hands on ``hidden_activations(X, layer=-1)``.

network = ScratchMLPClassifier(
    hidden_layer_sizes=(16, 2), activation="tanh", solver="lbfgs", max_iter=1000, random_state=0
)
models = {
    "raw features": ScratchLogisticRegression(),
    "degree-2 features": make_pipeline(
        PolynomialFeatures(2, include_bias=False), StandardScaler(), ScratchLogisticRegression()
    ),
    "learnt hidden features": make_pipeline(
        HiddenLayerTransformer(network), ScratchLogisticRegression()
    ),
}
results = {}  # what tests/test_examples.py checks
for name, model in models.items():
    results[f"logistic, {name}"] = model.fit(X_train, y_train).score(X_test, y_test)
transformer = models["learnt hidden features"][0]
results["the network itself"] = transformer.estimator_.score(X_test, y_test)
for name, accuracy in results.items():
    print(f"{name:<40} test accuracy {accuracy:.3f}")

# %%
# The hidden space
# ----------------
# Every point, mapped through the two tanh units of the last hidden layer
# (``h1_0``, ``h1_1``; the names come from ``get_feature_names_out``). The
# network bent the plane so that the inner ring lands on one side of a
# line: the logistic regression's boundary, drawn dashed.

H_train, H_test = transformer.transform(X_train), transformer.transform(X_test)
feature_names = transformer.get_feature_names_out()
hidden_logistic = models["learnt hidden features"][-1]


def probability_image(ax, predict_proba, extent):
    """The probability of the inner ring over a box, and its 0.5 contour."""
    x0, x1 = np.meshgrid(np.linspace(*extent[:2], GRID), np.linspace(*extent[2:], GRID))
    grid = np.c_[x0.ravel(), x1.ravel()]
    proba = predict_proba(grid)[:, 1].reshape(x0.shape)
    ax.contourf(x0, x1, proba, levels=20, cmap="RdBu", alpha=0.6, vmin=0, vmax=1)
    ax.contour(x0, x1, proba, levels=[0.5], colors="k", linewidths=1)


def scatter(ax, points, labels):
    ax.scatter(*points.T, c=labels, cmap="RdBu", edgecolors="k", linewidths=0.4, s=12)


box = (-1.6, 1.6, -1.6, 1.6)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), layout="constrained")
probability_image(axes[0], models["raw features"].predict_proba, box)
scatter(axes[0], X_test, y_test)
axes[0].set(
    title="Raw features: logistic regression\n"
    f"test accuracy {results['logistic, raw features']:.2f}",
    xlabel="x0",
    ylabel="x1",
)
hidden_box = (-1.05, 1.05, -1.05, 1.05)  # tanh units live in [-1, 1]
probability_image(axes[1], hidden_logistic.predict_proba, hidden_box)
scatter(axes[1], H_train, y_train)
accuracy = results["logistic, learnt hidden features"]
axes[1].set(
    title=f"The same points in the learnt 2-D hidden space\n"
    f"logistic regression there: test accuracy {accuracy:.2f}",
    xlabel=feature_names[0],
    ylabel=feature_names[1],
)
probability_image(axes[2], models["learnt hidden features"].predict_proba, box)
scatter(axes[2], X_test, y_test)
axes[2].set(
    title="Hidden features + logistic regression, in the input space\n"
    f"(degree-2 features scored {results['logistic, degree-2 features']:.2f})",
    xlabel="x0",
    ylabel="x1",
)

OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
figure_path = OUTPUT_DIR / "learnt_features.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"\nFigure written to {figure_path}")

# %%
# Features being learnt, epoch by epoch
# -------------------------------------
# The same architecture trained by Adam in mini-batches of 32, one
# ``partial_fit`` call per epoch; after the epochs listed we draw the
# decision boundary (top) and the training points in the hidden space
# (bottom). At first the hidden map is nearly linear and the rings overlap;
# the network then folds the plane until a line separates them.

online = ScratchMLPClassifier(
    hidden_layer_sizes=(16, 2), activation="tanh", solver="adam", batch_size=32,
    learning_rate_init=0.01, random_state=0,
)  # fmt: skip
fig, axes = plt.subplots(2, len(EPOCHS), figsize=(3.4 * len(EPOCHS), 7), layout="constrained")
epochs_accuracy = {}
for epoch in range(1, EPOCHS[-1] + 1):
    online.partial_fit(X_train, y_train, classes=[0, 1])
    if epoch not in EPOCHS:
        continue
    column = EPOCHS.index(epoch)
    epochs_accuracy[epoch] = online.score(X_test, y_test)
    top, bottom = axes[0, column], axes[1, column]
    probability_image(top, online.predict_proba, box)
    scatter(top, X_test, y_test)
    top.set(
        title=f"epoch {epoch}: test accuracy {epochs_accuracy[epoch]:.2f}", xticks=[], yticks=[]
    )
    scatter(bottom, online.hidden_activations(X_train, layer=-1), y_train)
    bottom.set(xlim=hidden_box[:2], ylim=hidden_box[2:], xticks=[], yticks=[])
    bottom.set_xlabel("h1_0")
axes[0, 0].set_ylabel("decision boundary (input space)")
axes[1, 0].set_ylabel("training points in the hidden space")
print("\nAdam, test accuracy after each epoch shown:", epochs_accuracy)

figure_path = OUTPUT_DIR / "learnt_features_epochs.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"Figure written to {figure_path}")
