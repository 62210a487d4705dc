"""Fit time of the linear models on sparse CSR data, ours and scikit-learn's (issue 13).

Usage::

    python benchmarks/sparse.py                    # writes benchmarks/RESULTS-sparse.md
    python benchmarks/sparse.py --rounds 3 --output /tmp/s.md

Data: ``scipy.sparse.random(n, d, density=0.01, format="csr", random_state=0)``,
``y = X @ coef + 0.1 * noise``; the classification labels are ``y > median(y)``.
Two sizes, 3000 x 2000 and 50000 x 20000. Each pair (ours, theirs) is fitted back to
back in every round, in an order that alternates from round to round; the table gives
the medians of the times and of the per-round ratios.

Tolerances mean different things: ``Ridge``'s ``tol`` bounds the relative residual of
its conjugate-gradient solve, ours (default 1e-10) every entry of the objective's
gradient. So each least-squares solution's largest gradient entry (of
``0.5 * mean squared error + 0.5 * alpha * ||coef||^2 / n``, w.r.t. coef and intercept) is
printed next to its time, and the comparisons are made at matched exactness as well as
at the defaults. The logistic models share the stopping rule (L-BFGS, gtol = tol,
LogisticRegression's ftol) and are compared at their common default ``tol=1e-4``.
"""

import argparse
import datetime
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge

import sklearn_backprop
from sklearn_backprop import ScratchLinearRegression, ScratchLogisticRegression

HERE = Path(__file__).resolve().parent
SIZES = [(3000, 2000), (50000, 20000)]


def make_data(n_samples, n_features):
    X = sp.random(n_samples, n_features, density=0.01, format="csr", random_state=0)
    rng = np.random.default_rng(0)
    y = X @ rng.standard_normal(n_features) + 0.1 * rng.standard_normal(n_samples)
    return X, y, (y > np.median(y)).astype(int)


def largest_gradient(model, X, y, alpha, logistic=False):
    """Largest entry of the gradient of the per-sample objective at ``model``'s solution."""
    coef, intercept = np.ravel(model.coef_), float(np.ravel(model.intercept_)[0])
    z = X @ coef + intercept
    dz = (expit(z) - y) if logistic else (z - y)
    gradient = np.append(X.T @ dz + alpha * coef, dz.sum()) / X.shape[0]
    return float(np.abs(gradient).max())


def n_iter(model):
    """The first entry of ``n_iter_``, or None (Ridge's sparse_cg does not count)."""
    return None if model.n_iter_ is None else int(np.ravel(model.n_iter_)[0])


def time_fit(make, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make().fit(X, y)
    return time.perf_counter() - start, model


def contests():
    """(name, ours, theirs, target) per comparison; target "y" (regression) or "labels"."""
    return [
        (
            "least squares, defaults (ours tol=1e-10, Ridge tol=1e-4)",
            lambda: ScratchLinearRegression(alpha=1.0),
            lambda: Ridge(alpha=1.0),
            "y",
        ),
        (
            "least squares, ours as exact as Ridge's default (ours tol=1e-6)",
            lambda: ScratchLinearRegression(alpha=1.0, tol=1e-6),
            lambda: Ridge(alpha=1.0),
            "y",
        ),
        (
            "least squares, Ridge as exact as our default (Ridge tol=1e-9)",
            lambda: ScratchLinearRegression(alpha=1.0),
            lambda: Ridge(alpha=1.0, tol=1e-9),
            "y",
        ),
        (
            "logistic, defaults (both tol=1e-4, the same stopping rule)",
            lambda: ScratchLogisticRegression(),
            lambda: LogisticRegression(),
            "labels",
        ),
    ]


def run_size(n_samples, n_features, rounds):
    X, y, labels = make_data(n_samples, n_features)
    rows = []
    for name, ours, theirs, target in contests():
        t = y if target == "y" else labels
        pair = {"ours": ours, "theirs": theirs}
        models = {who: time_fit(make, X, t)[1] for who, make in pair.items()}  # warm-up
        times = {"ours": [], "theirs": []}
        for r in range(rounds):
            for who in ("ours", "theirs") if r % 2 == 0 else ("theirs", "ours"):
                times[who].append(time_fit(pair[who], X, t)[0])
        pairs = zip(times["ours"], times["theirs"], strict=True)
        ratio = statistics.median(a / b for a, b in pairs)
        gradients = {
            who: largest_gradient(model, X, t, 1.0, logistic=target == "labels")
            for who, model in models.items()
        }
        iterations = {who: n_iter(model) for who, model in models.items()}
        rows.append(
            f"| {n_samples} x {n_features} | {name} | {statistics.median(times['ours']):.3f} "
            f"| {statistics.median(times['theirs']):.3f} | **{ratio:.2f}** "
            f"| {iterations['ours']} / {iterations['theirs']} "
            f"| {gradients['ours']:.1e} / {gradients['theirs']:.1e} |"
        )
        print(rows[-1], flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="rounds at the small size")
    parser.add_argument("--large-rounds", type=int, default=5, help="rounds at the large size")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS-sparse.md")
    args = parser.parse_args()

    rows = []
    for (n_samples, n_features), rounds in zip(SIZES, (args.rounds, args.large_rounds)):
        rows += run_size(n_samples, n_features, rounds)
    lines = [
        "# Sparse linear models (issue 13)",
        "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"sklearn_backprop {sklearn_backprop.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}. "
        f"{args.rounds} rounds at the small size, {args.large_rounds} at the large one.",
        "",
        "CSR X of density 0.01, alpha=1 (C=1). Times are medians (s); the ratio is the median "
        "of the per-round ratios ours / theirs. Iterations: conjugate-gradient steps (ours, "
        "least squares), L-BFGS iterations (logistic), Ridge's n_iter_ (None for sparse_cg). "
        "Gradient: the largest entry of the objective's gradient at each solution, i.e. how "
        "exact it is.",
        "",
        "| size | comparison | ours (s) | theirs (s) | ours / theirs | iterations (ours / "
        "theirs) | gradient (ours / theirs) |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    report = "\n".join(lines)
    print(report)
    args.output.write_text(report)


if __name__ == "__main__":
    main()
