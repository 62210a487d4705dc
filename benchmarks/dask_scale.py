"""Proof of scale: L-BFGS and SGD on a 2 GB Dask array the calling process never holds (issue 12).

Usage::

    python benchmarks/dask_scale.py                     # writes benchmarks/RESULTS-dask.md
    python benchmarks/dask_scale.py --rows 250000 --output /tmp/d.md   # a 200 MB rehearsal

A float64 X of ``--rows`` x 100 (2.5M x 100 = 2 GB by default) is generated lazily by
``dask.array.random`` on a 2-worker ``LocalCluster`` (one thread each, loopback only) and
kept in the workers' memory (``persist``); y is a noisy linear rule of X, computed there
too. The calling process then fits ``ScratchLogisticRegression`` with lbfgs (each
evaluation of the objective is one map-reduce over the chunks), and with sgd (one epoch,
visiting one chunk at a time). The in-memory reference fits the same models on a 10x
smaller sample held by the calling process, with two BLAS threads (the cluster's two
cores). The caller's memory is measured twice: the peak of Python's traced allocations
(``tracemalloc``, which numpy reports to) and the peak resident set size sampled every
10 ms, above its level before the fit (the scheduler runs in this process too).
"""

import argparse
import datetime
import os
import platform
import statistics
import threading
import time
import tracemalloc
import warnings
from pathlib import Path

import dask
import dask.array as da
import distributed
import numpy as np
import psutil
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import sklearn_backprop
from sklearn_backprop import ScratchLogisticRegression

HERE = Path(__file__).resolve().parent
N_FEATURES = 100
CHUNK_ROWS = 50_000
LBFGS_ITERATIONS = 5


class PeakMemory:
    """Peak traced allocation and peak RSS growth of this process inside a ``with`` block."""

    def __enter__(self):
        self._process = psutil.Process()
        self.rss_before = self._process.memory_info().rss
        self.rss_peak = self.rss_before
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        tracemalloc.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.01):
            self.rss_peak = max(self.rss_peak, self._process.memory_info().rss)

    def __exit__(self, *exc):
        _, self.traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self._stop.set()
        self._sampler.join()
        self.rss_growth = self.rss_peak - self.rss_before


def timed_fit(model, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - start


def lazy_data(n_rows, seed=0):
    """X ~ N(0, 1) and y = [X w + noise > 0], both lazy Dask arrays in chunks of rows."""
    state = da.random.RandomState(seed)
    X = state.normal(size=(n_rows, N_FEATURES), chunks=(CHUNK_ROWS, N_FEATURES))
    w = np.random.default_rng(seed).normal(size=N_FEATURES) / np.sqrt(N_FEATURES)
    noise = state.normal(size=n_rows, chunks=CHUNK_ROWS)
    y = (X @ w + noise > 0).astype(np.int64)
    return X, y


def mb(n_bytes):
    return n_bytes / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_500_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS-dask.md")
    args = parser.parse_args()
    n_rows, n_small = args.rows, args.rows // 10
    x_bytes = n_rows * N_FEATURES * 8

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        X, y = lazy_data(n_rows)
        start = time.perf_counter()
        X, y = client.persist([X, y])
        distributed.wait([X, y])
        generate_time = time.perf_counter() - start

        # Memory first, before anything is gathered into this process.
        lbfgs = ScratchLogisticRegression(max_iter=LBFGS_ITERATIONS, tol=0.0)
        with PeakMemory() as lbfgs_memory:
            timed_fit(lbfgs, X, y)
        sgd = ScratchLogisticRegression(solver="sgd", max_iter=1, random_state=0)
        with PeakMemory() as sgd_memory:
            sgd_time = timed_fit(sgd, X, y)

        # Then time, in interleaved rounds (the workers idle during the in-memory
        # fits), against the first rows of the same data, gathered on purpose.
        X_small, y_small = dask.compute(X[:n_small], y[:n_small])
        lbfgs_times, small_times = [], []
        with threadpool_limits(limits=2, user_api="blas"):
            lbfgs_small = ScratchLogisticRegression(max_iter=LBFGS_ITERATIONS, tol=0.0)
            timed_fit(lbfgs_small, X_small[:1000], y_small[:1000])  # warm-up
            for _ in range(args.rounds):
                lbfgs_times.append(timed_fit(lbfgs, X, y) / lbfgs.n_iter_)
                small_times.append(timed_fit(lbfgs_small, X_small, y_small) / lbfgs_small.n_iter_)
            sgd_small = ScratchLogisticRegression(solver="sgd", max_iter=1, random_state=0)
            sgd_small_time = timed_fit(sgd_small, X_small, y_small)

    per_iter, per_iter_small = statistics.median(lbfgs_times), statistics.median(small_times)
    cost_ratio = statistics.median(
        (t / n_rows) / (t_small / n_small) for t, t_small in zip(lbfgs_times, small_times)
    )
    sgd_rate, sgd_small_rate = n_rows / sgd_time, n_small / sgd_small_time
    lines = [
        "# Beyond one machine's memory: Dask (issue 12)",
        "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {mb(psutil.virtual_memory().total) / 1e3:.0f} GB RAM, "
        f"load average {os.getloadavg()[0]:.2f}; sklearn_backprop {sklearn_backprop.__version__}, "
        f"dask {dask.__version__}, distributed {distributed.__version__}, numpy {np.__version__}.",
        "",
        f"X: {n_rows:,} x {N_FEATURES} float64 = {mb(x_bytes):,.0f} MB, generated lazily on a "
        f"2-worker LocalCluster (1 thread each) in chunks of {CHUNK_ROWS:,} rows and kept "
        f"there ({generate_time:.1f} s to generate). Model: ScratchLogisticRegression. "
        f"In memory: the first {n_small:,} rows, in the calling process, 2 BLAS threads.",
        "",
        "## Memory of the calling process during the fit",
        "",
        "| fit | peak traced allocation (MB) | peak RSS growth (MB) | share of X (traced / RSS) |",
        "|---|---|---|---|",
    ]
    for name, memory in (
        (f"lbfgs, {LBFGS_ITERATIONS} iterations", lbfgs_memory),
        ("sgd, 1 epoch", sgd_memory),
    ):
        lines.append(
            f"| {name} | {mb(memory.traced_peak):.1f} | {mb(memory.rss_growth):.1f} | "
            f"{memory.traced_peak / x_bytes:.1%} / {memory.rss_growth / x_bytes:.1%} |"
        )
    lines += [
        "",
        f"RSS of the calling process before the lbfgs fit: {mb(lbfgs_memory.rss_before):.0f} MB "
        "(Python, numpy, scikit-learn, dask, and the scheduler). sgd holds one chunk "
        f"({mb(CHUNK_ROWS * N_FEATURES * 8):.0f} MB), twice while one arrives unaligned "
        "and is copied.",
        "",
        "## Time",
        "",
        f"Median of {args.rounds} interleaved rounds (lbfgs); sgd one epoch each.",
        "",
        "| | on the cluster | in memory (10x fewer rows) | per-sample cost, cluster / memory |",
        "|---|---|---|---|",
        f"| lbfgs, time per iteration (s) | {per_iter:.3f} | {per_iter_small:.4f} | "
        f"{cost_ratio:.2f} |",
        f"| sgd, samples per second | {sgd_rate:,.0f} | {sgd_small_rate:,.0f} | "
        f"{sgd_small_rate / sgd_rate:.2f} |",
        "",
        f"lbfgs: {lbfgs.n_iter_} iterations on the cluster, {lbfgs_small.n_iter_} in memory; "
        f"final losses {lbfgs.loss_:.6f} and {lbfgs_small.loss_:.6f}. sgd: one epoch, "
        f"losses {sgd.loss_:.6f} and {sgd_small.loss_:.6f}.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    args.output.write_text(report)


if __name__ == "__main__":
    main()
