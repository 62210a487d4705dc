"""Side-by-side benchmarks of sklearn_backprop against scikit-learn and the matrix-product floor.

Usage::

    python benchmarks/run.py                    # full run, < 10 min on 2 cores: RESULTS.md
    python benchmarks/run.py --quick            # smoke run, < 2 min: prints the table only
    python benchmarks/run.py --quick --output /tmp/quick.md --threads 1

Every comparison runs in this one process as interleaved rounds: ours then theirs, then
theirs then ours, and so on. On a shared machine absolute times drift with the load of
other processes, but two fits timed back to back see about the same load, so the
per-round ratio ours / theirs is the result. The table gives the median of those ratios;
the details give the median absolute times and the ratio of every round.

The five tasks and their targets are those of issue 5 ("Performance: faster than
scikit-learn's MLP, within a hair of the matrix products").
"""

import argparse
import datetime
import gc
import itertools
import os
import platform
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy.special import logsumexp
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

import sklearn_backprop
from sklearn_backprop import (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
)

DTYPES = (np.float64, np.float32)

#: ``n_iter_no_change`` that never triggers: with ``tol=0`` every MLP fit runs exactly
#: ``max_iter`` epochs, so both libraries do the same amount of work.
NEVER = 10**9


# ---- settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """How many rounds each task runs; ``--quick`` trades precision for time, not the tasks."""

    name: str
    digits_rounds: int
    large_rounds: int
    #: rows -> rounds for task 3 (small fits are cheap and noisy: more rounds)
    scaling_rounds: dict
    scaling_epochs: int
    linear_rounds: int
    latency_calls: int
    throughput_rounds: int


FULL = Config(
    name="full",
    digits_rounds=7,
    large_rounds=5,
    scaling_rounds={10_000: 11, 100_000: 5, 1_000_000: 3},
    scaling_epochs=2,
    linear_rounds=5,
    latency_calls=2000,
    throughput_rounds=9,
)
QUICK = Config(
    name="quick",
    digits_rounds=3,
    large_rounds=1,
    scaling_rounds={10_000: 5, 100_000: 3},
    scaling_epochs=2,
    linear_rounds=3,
    latency_calls=500,
    throughput_rounds=3,
)


# ---- measuring ---------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds per round of each contender; entry i of each list ran in the same round."""

    ours: np.ndarray
    theirs: np.ndarray
    floor: np.ndarray | None = None


def interleaved(fn_a, fn_b, rounds, floor=None, collect=True):
    """Time ``fn_a`` (ours) and ``fn_b`` (theirs), and ``floor`` if given, side by side.

    Each round calls every function once; the order rotates from round to round (A B, B A,
    ... or A B F, B F A, F A B, ...) so that neither side always runs first, right after
    the other has warmed or evicted the caches. ``collect`` runs the garbage collector
    before each call so that one side's garbage is not collected on the other's clock.
    """
    fns = [fn_a, fn_b] if floor is None else [fn_a, fn_b, floor]
    seconds = [[] for _ in fns]
    for r in range(rounds):
        shift = r % len(fns)
        for i in [*range(shift, len(fns)), *range(shift)]:
            if collect:
                gc.collect()
            start = time.perf_counter()
            fns[i]()
            seconds[i].append(time.perf_counter() - start)
    return Timings(*(np.array(s) for s in seconds))


def traced_peak(fn):
    """Peak bytes allocated while ``fn`` runs, counting only what it allocates.

    numpy reports every array buffer to ``tracemalloc``, so this is the peak of the arrays
    and Python objects a fit creates on top of the data that already exists (BLAS scratch
    space is not included). Unlike an RSS delta it needs no subprocess and does not depend
    on what the allocator returned to the system earlier.
    """
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---- reporting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A bound from the issue, e.g. ``<= 0.5``."""

    op: str
    limit: float

    def met(self, value):
        return value <= self.limit if self.op == "<=" else value >= self.limit

    def __str__(self):
        return f"{self.op} {self.limit:g}"


@dataclass
class Row:
    """One line of the results table; ``target=None`` marks a figure reported for context."""

    task: str
    measure: str
    value: float
    target: Target | None = None
    details: str = ""
    fmt: str = ".3g"
    #: the target lies between the quartiles of the per-round values: a rerun could flip it
    uncertain: bool = False

    @property
    def passed(self):
        return self.target is None or self.target.met(self.value)

    @property
    def result(self):
        if self.target is None:
            return ""
        return ("PASS" if self.passed else "FAIL") + ("?" if self.uncertain else "")


def ratio_row(task, measure, num, den, target=None, names=("ours", "sklearn")):
    """The median of the per-round ratios ``num / den``, with the times behind it."""
    ratios = num / den
    q1, q3 = np.percentile(ratios, [25, 75])
    if len(ratios) <= 12:
        spread = "rounds: " + " ".join(f"{r:.2f}" for r in ratios)
    else:
        spread = f"{len(ratios)} rounds, quartiles {q1:.2f}-{q3:.2f}"
    median_num, median_den = format_seconds(np.median(num)), format_seconds(np.median(den))
    details = f"{names[0]} {median_num}, {names[1]} {median_den}; {spread}"
    uncertain = target is not None and len(ratios) >= 3 and bool(q1 <= target.limit <= q3)
    return Row(task, measure, float(np.median(ratios)), target, details, uncertain=uncertain)


def format_seconds(t):
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


def log(message):
    """Progress on stderr, so that stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)


# ---- data and models ----------------------------------------------------------------------


@cache
def classification_data(n_classes):
    """100k x 100 standardised, 50 informative features; shared by tasks 2, 4 and 5."""
    X, y = make_classification(
        n_samples=100_000,
        n_features=100,
        n_informative=50,
        n_classes=n_classes,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


def mlp_params(hidden_layer_sizes, batch_size, epochs):
    """Identical settings for both libraries; the same random_state gives the same start."""
    return {
        "hidden_layer_sizes": hidden_layer_sizes,
        "activation": "relu",
        "solver": "adam",
        "batch_size": batch_size,
        "max_iter": epochs,
        "tol": 0.0,
        "n_iter_no_change": NEVER,
        "random_state": 0,
    }


def warm_up():
    """One tiny fit of each estimator: imports, BLAS threads and caches start warm."""
    X, y = make_classification(300, 10, random_state=0)
    for model in (
        ScratchMLPClassifier(**mlp_params((10,), 50, 2)),
        MLPClassifier(**mlp_params((10,), 50, 2)),
        ScratchLogisticRegression(),
        LogisticRegression(),
    ):
        model.fit(X, y).predict(X)
    ScratchLinearRegression().fit(X, y)
    LinearRegression().fit(X, y)


def max_relative_difference(ours, theirs):
    """``max |ours - theirs| / max |theirs|`` over a list of arrays."""
    diff = max(np.max(np.abs(a - b)) for a, b in zip(ours, theirs))
    scale = max(np.max(np.abs(b)) for b in theirs)
    return float(diff / scale)


# ---- tasks 1 and 2: MLP training against scikit-learn and the matrix-product floor -------


def matmul_floor(X, layer_units, batch_size, epochs):
    """A function doing only the matrix products of ``epochs`` epochs of backprop on ``X``.

    Per batch: one GEMM per layer forward (``A_prev @ W``), and per layer backward
    ``A_prev.T @ dZ`` and ``dZ @ W.T``, except the first layer's input gradient. Every
    output is preallocated and batches are views of ``X`` (no shuffling, no activations,
    no optimizer), so nothing but the GEMMs costs time: the floor any training loop
    built on these products sits on.
    """
    rng = np.random.default_rng(0)
    dtype = X.dtype
    shapes = list(itertools.pairwise(layer_units))
    # Weights scaled by 1/sqrt(fan_in) keep the activations O(1): no overflow, no denormals.
    Ws = [(rng.standard_normal(s) / np.sqrt(s[0])).astype(dtype) for s in shapes]
    dWs = [np.empty_like(W) for W in Ws]
    As = [np.empty((batch_size, units), dtype) for units in layer_units[1:]]
    dZs = [rng.standard_normal((batch_size, units)).astype(dtype) for units in layer_units[1:]]
    dAs = [np.empty((batch_size, units), dtype) for units in layer_units[1:-1]]
    n_layers = len(Ws)

    def run():
        for _ in range(epochs):
            for start in range(0, X.shape[0], batch_size):
                X_batch = X[start : start + batch_size]
                m = X_batch.shape[0]
                A = X_batch
                for W, out in zip(Ws, As):
                    A = np.matmul(A, W, out=out[:m])
                for i in range(n_layers - 1, -1, -1):
                    A_prev = X_batch if i == 0 else As[i - 1][:m]
                    np.matmul(A_prev.T, dZs[i][:m], out=dWs[i])
                    if i > 0:
                        np.matmul(dZs[i][:m], Ws[i].T, out=dAs[i - 1][:m])

    return run


def time_mlp_fits(X, y, params, rounds):
    """Our MLP, scikit-learn's and the floor of the same epochs, interleaved.

    Returns the timings and the two classifiers as fitted by the last round.
    """
    n_classes = len(np.unique(y))
    layer_units = (X.shape[1], *params["hidden_layer_sizes"], 1 if n_classes == 2 else n_classes)
    floor = matmul_floor(X, layer_units, params["batch_size"], params["max_iter"])
    ours, theirs = ScratchMLPClassifier(**params), MLPClassifier(**params)
    t = interleaved(partial(ours.fit, X, y), partial(theirs.fit, X, y), rounds, floor=floor)
    return t, ours, theirs


def floor_rows(task, name, t, target=None):
    """Both libraries' fit time over the floor's: what each spends beyond the GEMMs."""
    return [
        ratio_row(task, f"fit {name}: ours / floor", t.ours, t.floor, target, ("ours", "floor")),
        ratio_row(
            task, f"fit {name}: sklearn / floor", t.theirs, t.floor, None, ("sklearn", "floor")
        ),
    ]


def task_digits(config):
    """MLP (100,) on digits, 50 epochs of batch 200, both dtypes (small layers)."""
    X, y = load_digits(return_X_y=True)
    params = mlp_params((100,), batch_size=200, epochs=50)
    task, rows = "1 digits", []
    for dtype in DTYPES:
        name = np.dtype(dtype).name
        t, ours, theirs = time_mlp_fits((X / 16.0).astype(dtype), y, params, config.digits_rounds)
        rows.append(
            ratio_row(task, f"fit {name}: ours / sklearn", t.ours, t.theirs, Target("<=", 0.5))
        )
        rows += floor_rows(task, name, t)
        rows.append(
            Row(
                task,
                f"{name}: max rel. difference of coefs_",
                max_relative_difference(ours.coefs_, theirs.coefs_),
                details="same start, same updates: both did the same arithmetic",
                fmt=".1e",
            )
        )
    return rows


def task_large_mlp(config):
    """MLP (256, 128) on 80k x 100 (5 classes), 5 epochs of batch 256 (large layers)."""
    X, y = classification_data(5)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    params = mlp_params((256, 128), batch_size=256, epochs=5)
    # (ours / floor, ours / sklearn) targets of the issue
    targets = {np.float64: (1.3, 0.75), np.float32: (1.4, 0.65)}
    task, rows = "2 large MLP", []
    for dtype in DTYPES:
        name = np.dtype(dtype).name
        X_fit = np.ascontiguousarray(X_train, dtype)
        t, ours, theirs = time_mlp_fits(X_fit, y_train, params, config.large_rounds)
        to_floor, to_sklearn = targets[dtype]
        rows += floor_rows(task, name, t, Target("<=", to_floor))
        rows.append(
            ratio_row(
                task, f"fit {name}: ours / sklearn", t.ours, t.theirs, Target("<=", to_sklearn)
            )
        )
        accuracy = {m: m.score(X_test.astype(dtype), y_test) for m in (ours, theirs)}
        rows.append(
            Row(
                task,
                f"{name}: test accuracy, |ours - sklearn| in points",
                100 * abs(accuracy[ours] - accuracy[theirs]),
                Target("<=", 0.5),
                f"ours {accuracy[ours]:.4f}, sklearn {accuracy[theirs]:.4f}",
                fmt=".2f",
            )
        )
    return rows


# ---- task 3: per-sample cost as the data grows, and memory ----------------------------------


def scaling_data(n_max, n_features=100):
    """float32 features and a noisy linear binary label; the timing does not depend on them."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_max, n_features), dtype=np.float32)
    w = rng.standard_normal(n_features, dtype=np.float32)
    y = (X @ w + rng.standard_normal(n_max, dtype=np.float32) > 0).astype(np.int64)
    return X, y


def task_scaling(config):
    """MLP (100,), batch 200, float32: time per sample per epoch and peak memory vs n."""
    sizes = sorted(config.scaling_rounds)
    X_all, y_all = scaling_data(sizes[-1])
    epochs = config.scaling_epochs
    params = mlp_params((100,), batch_size=200, epochs=epochs)
    task, rows, per_sample = "3 scaling", [], {}
    for n in sizes:
        # A leading slice of a C-contiguous array is C-contiguous: X is passed as is.
        X, y = X_all[:n], y_all[:n]
        ours, theirs = ScratchMLPClassifier(**params), MLPClassifier(**params)
        t = interleaved(
            partial(ours.fit, X, y), partial(theirs.fit, X, y), config.scaling_rounds[n]
        )
        rows.append(
            ratio_row(task, f"fit n={n:,}: ours / sklearn", t.ours, t.theirs, Target("<=", 0.5))
        )
        per_sample[n] = np.median(t.ours) / (n * epochs)
        sklearn_per_sample = np.median(t.theirs) / (n * epochs)
        rows.append(
            Row(
                task,
                f"n={n:,}: ours µs / sample / epoch",
                1e6 * per_sample[n],
                details=f"{epochs} epochs; sklearn {1e6 * sklearn_per_sample:.3f} µs",
                fmt=".3f",
            )
        )
    rows.append(
        Row(
            task,
            "per-sample cost, ours: max / min over n",
            max(per_sample.values()) / min(per_sample.values()),
            Target("<=", 1.2),
            "n = " + ", ".join(f"{n:,}" for n in sizes),
        )
    )
    return rows + memory_rows(task, X_all, y_all, sizes)


def memory_rows(task, X_all, y_all, sizes):
    """Peak memory a one-epoch fit allocates, relative to ``X.nbytes``.

    A copy of X (a dtype conversion, a shuffled copy, a Fortran-ordered copy) would show
    as a ratio of at least 1; the target, far below 1, says no such copy is made.
    """
    params = mlp_params((100,), batch_size=200, epochs=1)
    rows = []
    for n in sizes:
        X, y = X_all[:n], y_all[:n]
        ours = traced_peak(partial(ScratchMLPClassifier(**params).fit, X, y)) / X.nbytes
        theirs = traced_peak(partial(MLPClassifier(**params).fit, X, y)) / X.nbytes
        rows.append(
            Row(
                task,
                f"n={n:,}: ours fit peak memory / X.nbytes",
                ours,
                Target("<=", 0.25),
                f"X: {X.nbytes / 2**20:.0f} MiB, float32, C-contiguous; sklearn {theirs:.3f}",
            )
        )
    return rows


# ---- task 4: the linear models against scikit-learn's solvers ------------------------------


def logistic_objective(model, X, y, alpha):
    """Mean log loss + 0.5 * alpha * ||W||^2 / n, the objective both libraries minimise.

    scikit-learn's multinomial LogisticRegression uses the full softmax over all classes,
    like ours, so the two share one optimum.
    """
    Z = X @ model.coef_.T + model.intercept_
    if Z.shape[1] == 1:
        z, positive = Z[:, 0], y == model.classes_[1]
        log_loss = np.mean(np.logaddexp(0.0, z) - positive * z)
    else:
        column = np.searchsorted(model.classes_, y)
        log_loss = np.mean(logsumexp(Z, axis=1) - Z[np.arange(len(y)), column])
    return log_loss + 0.5 * alpha * np.sum(model.coef_**2) / X.shape[0]


def task_linear_models(config):
    """Logistic regression (binary, 5 classes) and linear regression, default solvers."""
    rows = logistic_rows(2, config.linear_rounds) + logistic_rows(5, config.linear_rounds)
    return rows + linear_regression_rows(config.linear_rounds)


def logistic_rows(n_classes, rounds):
    """Defaults on both sides: L-BFGS, tol=1e-4, max_iter=100, alpha = 1 / C = 1."""
    X, y = classification_data(n_classes)
    ours, theirs = ScratchLogisticRegression(alpha=1.0), LogisticRegression(C=1.0)
    t = interleaved(partial(ours.fit, X, y), partial(theirs.fit, X, y), rounds)
    # The reference: scikit-learn's solver run to (numerical) convergence.
    tight = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X, y)
    values = {m: logistic_objective(m, X, y, alpha=1.0) for m in (ours, theirs, tight)}
    optimum = min(values.values())
    gap = {m: (value - optimum) / abs(optimum) for m, value in values.items()}
    task, what = "4 logistic", f"{n_classes} classes"
    return [
        ratio_row(task, f"fit {what}: ours / sklearn", t.ours, t.theirs, Target("<=", 1.0)),
        Row(
            task,
            f"objective {what}: ours relative gap",
            gap[ours],
            Target("<=", 1e-6),
            f"sklearn {gap[theirs]:.1e}; optimum {optimum:.10g}; L-BFGS iterations: "
            f"ours {ours.n_iter_}, sklearn {int(np.max(theirs.n_iter_))}",
            fmt=".1e",
        ),
    ]


def linear_regression_rows(rounds):
    """Defaults on both sides: our L-BFGS on the Gram matrix vs scipy's least squares."""
    X, y = make_regression(200_000, 100, n_informative=50, noise=10.0, random_state=0)
    ours, theirs = ScratchLinearRegression(), LinearRegression()
    t = interleaved(partial(ours.fit, X, y), partial(theirs.fit, X, y), rounds)
    task = "4 linear"
    rows = [ratio_row(task, "fit 200k x 100: ours / sklearn", t.ours, t.theirs, Target("<=", 1.0))]
    rows.append(
        Row(
            task,
            "coef_: max |ours - sklearn| / max |sklearn|",
            max_relative_difference([ours.coef_], [theirs.coef_]),
            Target("<=", 1e-6),
            f"intercepts {ours.intercept_:.6g} vs {theirs.intercept_:.6g}",
            fmt=".1e",
        )
    )
    return rows


# ---- task 5: prediction ---------------------------------------------------------------------


def task_predict(config):
    """1-row latency and 100k-row throughput of ``predict``, MLP (100,) and logistic."""
    X, y = classification_data(5)
    mlp = mlp_params((100,), batch_size=200, epochs=2)
    pairs = {
        "MLP (100,)": (ScratchMLPClassifier(**mlp), MLPClassifier(**mlp)),
        "logistic": (ScratchLogisticRegression(), LogisticRegression()),
    }
    rows = []
    for name, (ours, theirs) in pairs.items():
        ours.fit(X[:10_000], y[:10_000])
        theirs.fit(X[:10_000], y[:10_000])
        rows += predict_rows(name, ours, theirs, X, config)
    return rows


def predict_rows(name, ours, theirs, X, config):
    task, one_row = "5 predict", X[:1]
    # Thousands of sub-millisecond calls: collecting garbage before each would dominate.
    latency = interleaved(
        partial(ours.predict, one_row),
        partial(theirs.predict, one_row),
        config.latency_calls,
        collect=False,
    )
    bulk = interleaved(
        partial(ours.predict, X), partial(theirs.predict, X), config.throughput_rounds
    )
    return [
        ratio_row(
            task, f"{name} 1-row latency: ours / sklearn", latency.ours, latency.theirs,
            Target("<=", 1.0),
        ),
        # Throughput is rows per second: the inverse ratio of the times.
        ratio_row(
            task, f"{name} 100k-row throughput: ours / sklearn", bulk.theirs, bulk.ours,
            Target(">=", 1.2), names=("sklearn", "ours"),
        ),
    ]  # fmt: skip


TASKS = (task_digits, task_large_mlp, task_scaling, task_linear_models, task_predict)


# ---- output -------------------------------------------------------------------------------


def text_table(rows):
    """A fixed-width table for the terminal."""
    header = ("Task", "Measure", "Value", "Target", "Result")
    cells = [header] + [
        (
            r.task,
            r.measure,
            format(r.value, r.fmt),
            str(r.target or ""),
            r.result,
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows):
    lines = [
        "| Task | Measure | Value | Target | Result | Details |",
        "|---|---|---:|---|---|---|",
    ]
    for r in rows:
        target = str(r.target or "").replace("<=", "≤").replace(">=", "≥")
        cells = (r.task, r.measure, format(r.value, r.fmt), target, r.result, r.details)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def environment():
    """Machine, versions and BLAS, as ``(name, value)`` pairs."""
    blas = [
        f"{lib['internal_api']} {lib.get('version')} ({lib['prefix']}, "
        f"{lib.get('architecture', '-')}, {lib['num_threads']} threads)"
        for lib in threadpool_info()
    ]
    return [
        ("platform", platform.platform()),
        ("CPU", cpu_model()),
        ("os.cpu_count()", str(os.cpu_count())),
        ("CPUs usable by this process", str(len(os.sched_getaffinity(0)))),
        ("python", platform.python_version()),
        (
            "numpy / scipy / scikit-learn",
            f"{np.__version__} / {scipy.__version__} / {sklearn.__version__}",
        ),
        ("sklearn_backprop", sklearn_backprop.__version__),
        ("thread pools (threadpoolctl)", "; ".join(blas)),
    ]


@dataclass
class Run:
    """How this run went: mode, clocks and machine load, for the report."""

    config: Config
    command: str
    started: datetime.datetime
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0

    def summary(self):
        return (
            f"{self.config.name} run: {self.wall_seconds:.0f} s wall, {self.cpu_seconds:.0f} s "
            f"CPU; load average {self.load_before:.2f} -> {self.load_after:.2f} "
            f"on {os.cpu_count()} CPUs"
        )


def summary(rows):
    """Which targets failed, and whether the load made some rows unreliable."""
    failed = [r for r in rows if not r.passed]
    n_targets = sum(r.target is not None for r in rows)
    text = f"{n_targets - len(failed)} of {n_targets} targets met."
    if failed:
        text += " Not met: " + "; ".join(f"{r.task}, {r.measure}" for r in failed) + "."
    uncertain = sum(r.uncertain for r in rows)
    if uncertain:
        text += (
            f" '?' marks {uncertain} result(s) whose target lies between the quartiles of the"
            " per-round ratios: a rerun could flip them (on a loaded machine, try --threads 1)."
        )
    return text


def markdown_report(rows, run, machine):
    env = [
        *machine,
        ("date", run.started.strftime("%Y-%m-%d %H:%M UTC")),
        ("command", f"`{run.command}`"),
        ("run time", f"{run.wall_seconds:.0f} s wall, {run.cpu_seconds:.0f} s CPU"),
        ("load average (1 min) before / after", f"{run.load_before:.2f} / {run.load_after:.2f}"),
    ]
    return "\n".join(
        [
            "# Benchmark results",
            "",
            "Written by `benchmarks/run.py` (how to read it: `benchmarks/README.md`). Values are",
            "medians of per-round ratios measured side by side in one process; absolute times",
            "(in the details) depend on the machine and its load.",
            "",
            summary(rows),
            "",
            markdown_table(rows),
            "",
            "## Machine",
            "",
            "| | |",
            "|---|---|",
            *(f"| {name} | {value} |" for name, value in env),
            "",
        ]
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and sizes (< 2 min)")
    parser.add_argument(
        "--output",
        type=Path,
        help="Markdown report to write (default: benchmarks/RESULTS.md for a full run; "
        "a quick run writes one only when given --output)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="limit BLAS/OpenMP threads of both libraries (default: leave as configured)",
    )
    args = parser.parse_args(argv)
    if args.output is None and not args.quick:
        args.output = Path(__file__).resolve().parent / "RESULTS.md"
    return args


def run_tasks(config):
    rows = []
    warm_up()
    for task in TASKS:
        log(f"{task.__name__}: {task.__doc__.splitlines()[0]}")
        wall, cpu = time.perf_counter(), time.process_time()
        rows += task(config)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        log(f"  {wall:.1f} s wall, {cpu:.1f} s CPU")
    return rows


def main(argv=None):
    args = parse_args(argv)
    # Both libraries warn when max_iter ends a fit; here that is the point.
    warnings.simplefilter("ignore", ConvergenceWarning)
    run = Run(
        config=QUICK if args.quick else FULL,
        command="python " + " ".join([sys.argv[0], *(argv or sys.argv[1:])]),
        started=datetime.datetime.now(datetime.timezone.utc),
        load_before=os.getloadavg()[0],
    )
    if args.threads is None and run.load_before > 0.5:
        # Measured here: with 2 BLAS threads on 2 busy cores, a GEMM waits for its
        # descheduled sibling thread and ran 8-40x slower than on one thread.
        log(
            f"note: load average {run.load_before:.1f} on {os.cpu_count()} CPUs; multi-threaded "
            "BLAS suffers most from competing processes: consider --threads 1"
        )
    wall, cpu = time.perf_counter(), time.process_time()
    with threadpool_limits(args.threads):
        rows = run_tasks(run.config)
        # Read inside the limit, so the report shows the thread counts the run used.
        machine = environment()
    run.wall_seconds, run.cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    run.load_after = os.getloadavg()[0]

    print(text_table(rows))
    print("\n" + summary(rows))
    print(run.summary())
    if args.output is not None:
        args.output.write_text(markdown_report(rows, run, machine), encoding="utf-8")
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
