"""
=================================
Tuning the donut pipeline with CV
=================================

Our estimators are ordinary scikit-learn estimators, so the tools built around
them just work: here ``GridSearchCV`` tunes the donut pipeline of
``plot_donut.py`` (``PolynomialFeatures``, ``StandardScaler``,
``ScratchLogisticRegression``) over the polynomial degree and the L2 penalty
``alpha``, with 5-fold cross-validation.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_circles
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from sklearn_backprop import ScratchLogisticRegression

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# docs/images when run as a script; the working directory in a notebook (no __file__).
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

# %%
# The data and the pipeline
# -------------------------

X, y = make_circles(n_samples=200 if QUICK else 600, noise=0.1, factor=0.5, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
pipeline = make_pipeline(
    PolynomialFeatures(include_bias=False),
    StandardScaler(),
    ScratchLogisticRegression(max_iter=1000),
)

# %%
# The search
# ----------
# Parameters are addressed as ``<step name>__<parameter>``. Degree 1 is the raw
# features (a line); every degree from 2 on contains the squares that make a
# circle. Two scores per candidate: accuracy, and the log loss (negated, so that
# higher is better), which is what the model minimises and which also sees how
# confident it is. The best candidate is chosen, and refitted, by log loss.

param_grid = {
    "polynomialfeatures__degree": [1, 2, 3] if QUICK else [1, 2, 3, 4],
    "scratchlogisticregression__alpha": [0.01, 1.0, 100.0]
    if QUICK
    else [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0],
}
search = GridSearchCV(
    pipeline,
    param_grid,
    scoring={"accuracy": "accuracy", "log loss": "neg_log_loss"},
    refit="log loss",
    cv=3 if QUICK else 5,
)
search.fit(X_train, y_train)

best = search.best_index_
print(f"best parameters (by log loss): {search.best_params_}")
print(
    f"their mean CV log loss {-search.cv_results_['mean_test_log loss'][best]:.3f}, "
    f"accuracy {search.cv_results_['mean_test_accuracy'][best]:.3f}"
)
test_accuracy = search.best_estimator_.score(X_test, y_test)
print(f"test accuracy of the refitted best pipeline: {test_accuracy:.3f}")

# %%
# The CV scores as heat maps
# --------------------------
# Accuracy only asks which side of the circle a point falls on, and shrinking
# the weights (large ``alpha``) hardly moves the circle. The log loss sees the
# probabilities flatten towards 1/2 as ``alpha`` grows, and the overfitting of
# high degrees with almost no penalty.

results = pd.DataFrame(search.cv_results_)
fig, axes = plt.subplots(1, 2, figsize=(13, 4), layout="constrained")
for ax, (column, title, cmap) in zip(
    axes,
    [
        ("mean_test_accuracy", "Mean CV accuracy", "viridis"),
        ("mean_test_log loss", "Mean CV log loss (lower is better)", "viridis_r"),
    ],
):
    scores = results.pivot(
        index="param_polynomialfeatures__degree",
        columns="param_scratchlogisticregression__alpha",
        values=column,
    ).rename_axis(index="degree", columns="alpha")
    if column == "mean_test_log loss":
        scores = -scores  # back from "negated, higher is better" to the log loss itself
    print(f"\n{title}")
    print(scores.round(3).to_string())
    image = ax.imshow(scores, cmap=cmap, aspect="auto")
    middle = (scores.max().max() + scores.min().min()) / 2
    for row, col in np.ndindex(scores.shape):
        score = scores.iloc[row, col]
        # Dark text on the light half of the colour map, light text on the dark half.
        light_cell = (score > middle) == (cmap == "viridis")
        ax.text(
            col, row, f"{score:.2f}", ha="center", va="center", color="k" if light_cell else "w"
        )
    ax.set_xticks(range(scores.shape[1]), [f"{alpha:g}" for alpha in scores.columns])
    ax.set_yticks(range(scores.shape[0]), scores.index)
    ax.set(xlabel="alpha (L2 penalty)", ylabel="polynomial degree", title=title)
    fig.colorbar(image, ax=ax)

OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
figure_path = OUTPUT_DIR / "grid_search.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"\nFigure written to {figure_path}")
