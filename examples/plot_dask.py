"""
==========================================
Scaling out: a search and a fit with Dask
==========================================

Two ways to outgrow one process, with the same estimators and no change to
them:

- **too many models**: ``GridSearchCV(..., n_jobs=-1)`` runs its fits on a
  Dask cluster under ``joblib.parallel_config(backend="dask")``, with the
  same ``cv_results_`` as on the default backend;
- **too much data**: ``fit`` takes a row-chunked ``dask.array.Array``; every
  evaluation of the L-BFGS objective runs chunk by chunk on the workers and
  only the partial sums come back, so the fit equals the in-memory one, and
  ``predict`` on a Dask array stays lazy.

The cluster here is two local worker processes on 127.0.0.1; a real one is a
``distributed.Client("scheduler-address:8786")`` away. Without the ``dask``
extra (``pip install "sklearn_backprop[dask]"``) the search runs on the
default backend and the Dask-array part is skipped.
"""

import os
from pathlib import Path

import joblib
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_circles
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from sklearn_backprop import ScratchLogisticRegression

try:
    import dask.array as da
    import distributed
except ImportError:  # the dask extra is not installed
    distributed = None

QUICK = os.environ.get("SKLEARN_BACKPROP_EXAMPLES_QUICK") == "1"
# sphinx-gallery and notebooks define no __file__: write next to them then.
HERE = Path(__file__).resolve().parents[1] if "__file__" in globals() else None
DEFAULT_OUTPUT = HERE / "docs" / "images" if HERE else Path.cwd()
OUTPUT_DIR = Path(os.environ.get("SKLEARN_BACKPROP_EXAMPLES_OUTPUT", DEFAULT_OUTPUT))

# %%
# The search
# ----------
# The donut pipeline of ``plot_grid_search.py``, tuned over the polynomial
# degree and the L2 penalty. ``scatter=[X, y]`` sends the data to every worker
# once, up front: joblib otherwise ships large arguments to a single worker,
# and a copy that exists once is lost with that worker.

X, y = make_circles(n_samples=200 if QUICK else 2000, noise=0.1, factor=0.5, random_state=0)
pipeline = make_pipeline(
    PolynomialFeatures(include_bias=False), StandardScaler(), ScratchLogisticRegression()
)
param_grid = {
    "polynomialfeatures__degree": [1, 2, 3],
    "scratchlogisticregression__alpha": [0.01, 1.0, 100.0],
}


def grid_search():
    return GridSearchCV(pipeline, param_grid, cv=3, n_jobs=-1).fit(X, y)


def on_the_default_backend_and_on_dask():
    """The same search twice, and the lbfgs fit on a Dask array (None without dask)."""
    default = grid_search()
    if distributed is None:
        print("dask is not installed: the search ran on joblib's default backend only.")
        return default, None, None
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        with joblib.parallel_config(backend="dask", scatter=[X, y]):
            on_dask = grid_search()
        chunked_fit = fit_on_a_dask_array()
    return default, on_dask, chunked_fit


# %%
# A fit on a Dask array
# ---------------------
# The features go to the cluster in chunks of rows; the model that comes back
# is the ordinary estimator, and equals the one fitted in memory.


def fit_on_a_dask_array():
    features = StandardScaler().fit_transform(PolynomialFeatures(2).fit_transform(X))
    X_dask = da.from_array(features, chunks=(len(X) // 4, -1))
    in_memory = ScratchLogisticRegression().fit(features, y)
    chunked = ScratchLogisticRegression().fit(X_dask, da.from_array(y, chunks=len(X) // 4))
    lazy = chunked.predict_proba(X_dask)  # nothing computed yet
    print(f"predict_proba on a Dask array: {type(lazy).__name__} of shape {lazy.shape}")
    difference = np.abs(chunked.coef_ - in_memory.coef_).max() / np.abs(in_memory.coef_).max()
    print(f"coefficients, Dask array vs in memory: max relative difference {difference:.1e}")
    print(f"accuracy on the Dask array (computed lazily): {float(chunked.score(X_dask, y)):.3f}")
    return chunked


# %%
# Same scores on both backends
# ----------------------------
# The worker processes import this file again, so only the parent process
# starts the cluster and searches.

if __name__ == "__main__":
    default, on_dask, chunked_fit = on_the_default_backend_and_on_dask()
    scores = {"default backend": default.cv_results_["mean_test_score"]}
    if on_dask is not None:
        scores["dask backend"] = on_dask.cv_results_["mean_test_score"]
        same = np.array_equal(scores["dask backend"], scores["default backend"])
        print(f"cv_results_ scores identical on both backends: {same}")
    print(f"best parameters: {default.best_params_}")

    labels = [
        f"degree {p['polynomialfeatures__degree']}\nalpha {p['scratchlogisticregression__alpha']:g}"
        for p in default.cv_results_["params"]
    ]
    fig, ax = plt.subplots(figsize=(11, 4), layout="constrained")
    width = 0.8 / len(scores)
    for i, (backend, values) in enumerate(scores.items()):
        ax.bar(np.arange(len(labels)) + i * width, values, width, label=backend)
    ax.set_xticks(np.arange(len(labels)) + 0.4 - width / 2, labels, fontsize=8)
    ax.set(ylabel="mean CV accuracy", title="One grid search, two joblib backends")
    ax.set_ylim(0.4, 1.0)
    ax.legend(loc="lower right")

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    figure_path = OUTPUT_DIR / "dask.png"
    fig.savefig(figure_path, dpi=80)
    plt.close(fig)
    print(f"\nFigure written to {figure_path}")
