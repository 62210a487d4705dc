"""
========================================================
The donut: engineered features vs a learned hidden layer
========================================================

Two rings of points, one inside the other (``make_circles``), cannot be
separated by a straight line. This example tells the library's whole story in
four fits:

1. logistic regression on the raw coordinates draws a line: about chance;
2. the same logistic regression on squared features (``PolynomialFeatures``)
   draws a circle, because a human knew the answer is ``x0^2 + x1^2``;
3. a network with a hidden ``relu`` layer learns such features itself;
4. the same network with ``activation="identity"`` is again a linear model,
   however many layers it has: ``X @ W0 @ W1 = X @ (W0 @ W1)``.

Each of our estimators is fitted next to its scikit-learn counterpart with the
same settings, and since both start from the same point they land on the same
model.
"""

# %%
# Where the figure goes, and how big the run is
# ---------------------------------------------
# ``SKLEARN_BACKPROP_EXAMPLES_QUICK=1`` shrinks the run for the test suite.

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import make_circles
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_backprop import ScratchLogisticRegression, ScratchMLPClassifier

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# docs/images when run as a script; the working directory in a notebook (no __file__).
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

N_SAMPLES = 300 if QUICK else 1000
MAX_ITER = 300 if QUICK else 1000

# %%
# The data
# --------
# Inner ring of radius 0.5 (class 1), outer ring of radius 1 (class 0), each
# point jittered by Gaussian noise of standard deviation 0.1.

X, y = make_circles(n_samples=N_SAMPLES, noise=0.1, factor=0.5, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

# %%
# Four models, each with its scikit-learn twin
# --------------------------------------------
# ``alpha=1`` (our default) is the ``C=1`` of LogisticRegression: both minimise
# mean log loss + ``0.5 * ||w||^2 / n``. The MLPs share every hyperparameter,
# and with the same ``random_state`` they start from the same weights.


def polynomial_logistic(classifier):
    # The logistic regression has its own intercept, so no constant column.
    return make_pipeline(PolynomialFeatures(2, include_bias=False), StandardScaler(), classifier)


def mlp_pair(activation):
    """Our MLP and scikit-learn's, with identical settings."""
    settings = {
        "hidden_layer_sizes": (16, 16),
        "activation": activation,
        "learning_rate_init": 0.01,
        "max_iter": MAX_ITER,
        "random_state": 0,
    }
    return ScratchMLPClassifier(**settings), MLPClassifier(**settings)


models = {
    "logistic, raw features": (ScratchLogisticRegression(), LogisticRegression()),
    "logistic, degree-2 features": (
        polynomial_logistic(ScratchLogisticRegression()),
        polynomial_logistic(LogisticRegression()),
    ),
    "MLP (16, 16), relu": mlp_pair("relu"),
    "MLP (16, 16), identity": mlp_pair("identity"),
}

# %%
# Fit, time and score
# -------------------
# "About chance" for a linear model means 0.4 to 0.65: a straight line can at
# best cut a slice off the outer ring, and where it falls depends on the noise.


def fit_and_score(model, repeats=3):
    """Test accuracy and the best of ``repeats`` fit times.

    The first call of anything pays for lazy imports and caches; every fit is
    the same (seeded), so the best time is the fit's own cost.
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(X_train, y_train)
        times.append(time.perf_counter() - start)
    return model.score(X_test, y_test), min(times)


# These problems are tiny: waking BLAS threads costs more than it saves (on a
# busy machine L-BFGS-B's small matrix calls can wait ~10 ms each), so both
# libraries are timed on one BLAS thread.
rows = []
for name, (ours, theirs) in models.items():
    with threadpool_limits(limits=1, user_api="blas"):
        our_accuracy, our_time = fit_and_score(ours)
        their_accuracy, their_time = fit_and_score(theirs)
    rows.append(
        {
            "model": name,
            "accuracy (ours)": our_accuracy,
            "accuracy (scikit-learn)": their_accuracy,
            "fit ms (ours)": 1000 * our_time,
            "fit ms (scikit-learn)": 1000 * their_time,
        }
    )
table = pd.DataFrame(rows).set_index("model")
results = table["accuracy (ours)"].to_dict()  # what tests/test_examples.py checks


def markdown(table):
    """The table as Markdown (README-ready), without an extra dependency."""
    header = [table.index.name, *table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, row in table.iterrows():
        cells = [
            f"{v:.3f}" if column.startswith("accuracy") else f"{v:.0f}" for column, v in row.items()
        ]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return "\n".join(lines)


print(f"make_circles(n_samples={N_SAMPLES}, noise=0.1, factor=0.5), 30% held out\n")
print(markdown(table))

# %%
# What the polynomial model learned
# ---------------------------------
# The weights on ``x0^2`` and ``x1^2`` are large, negative and nearly equal: the
# probability of the inner ring (class 1) falls with ``x0^2 + x1^2``, the squared
# radius. The linear and cross terms do next to nothing.

poly_model = models["logistic, degree-2 features"][0]
feature_names = poly_model[:-1].get_feature_names_out()
coefficients = pd.Series(poly_model[-1].coef_[0], index=feature_names, name="coefficient")
print("\nDegree-2 logistic regression (ours), on standardized features:")
print(coefficients.round(3).to_string())
print(f"intercept {poly_model[-1].intercept_[0]:.3f}")

# %%
# Decision boundaries and loss curves
# -----------------------------------
# Top row ours, bottom row scikit-learn's; the last panel is the training loss
# of each of our models (``loss_curve_`` per L-BFGS iteration or Adam epoch).

fig, axes = plt.subplot_mosaic(
    [["ours0", "ours1", "ours2", "ours3", "loss"], ["sk0", "sk1", "sk2", "sk3", "loss"]],
    figsize=(19, 7.5),
    layout="constrained",
)
for i, (name, pair) in enumerate(models.items()):
    for who, model in zip(("ours", "sk"), pair):
        ax = axes[f"{who}{i}"]
        display = DecisionBoundaryDisplay.from_estimator(
            model,
            X,
            response_method="predict_proba",
            grid_resolution=60 if QUICK else 200,
            eps=0.3,
            cmap="RdBu",
            alpha=0.7,
            vmin=0,
            vmax=1,
            ax=ax,
        )
        # The decision boundary itself: where the probability of the inner ring is 1/2.
        display.plot(plot_method="contour", levels=[0.5], colors="k", linewidths=1, ax=ax)
        ax.scatter(*X_test.T, c=y_test, cmap="RdBu", edgecolors="k", linewidths=0.5, s=15)
        accuracy = table.loc[
            name, "accuracy (ours)" if who == "ours" else "accuracy (scikit-learn)"
        ]
        library = "sklearn_backprop" if who == "ours" else "scikit-learn"
        ax.set_title(f"{name}\n{library}: test accuracy {accuracy:.2f}", fontsize=10)
        ax.set(xticks=[], yticks=[], xlabel="", ylabel="")

for name, (ours, _) in models.items():
    estimator = ours[-1] if hasattr(ours, "steps") else ours
    marker = "o" if estimator.solver == "lbfgs" else "."  # lbfgs runs take a handful of steps
    axes["loss"].plot(estimator.loss_curve_, marker=marker, label=f"{name} ({estimator.solver})")
axes["loss"].set(
    xlabel="iteration (lbfgs) or epoch (adam)",
    ylabel="training objective",
    yscale="log",
    title="Training loss (ours)",
)
axes["loss"].legend(fontsize=9, loc="center right")

OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
figure_path = OUTPUT_DIR / "donut.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"\nFigure written to {figure_path}")
