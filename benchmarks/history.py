"""What recording ``history_`` and supporting callbacks cost (issue 9).

Usage::

    python benchmarks/history.py                       # writes benchmarks/RESULTS-history.md
    python benchmarks/history.py --baseline b0f2a18 --rounds 5

The task is benchmark task 2 (``run.py``): ``ScratchMLPClassifier((256, 128))``, adam, 5
epochs of batch 256 on 80k x 100 float64 (5 classes). Three measurements, as ratios:

1. **Before / after.** The same fit with the code of ``--baseline`` (the commit before
   history_ existed, checked out in a temporary git worktree) and with this checkout, each
   round in a fresh process for each, alternating which goes first. The median ratio of
   the per-round times is the whole cost of recording (gradient norms, penalty parts,
   epoch records, the Ctrl-C checkpoint) and of the callback plumbing with no callback set.
2. **The recording operations alone**, timed in isolation on arrays of the task's sizes
   (one ``grad @ grad`` per mini-batch, one parameter copy and one record per epoch), as a
   share of the fit time.
3. **A callback set**: the same fit with a do-nothing ``FitCallback`` against none, in one
   process, interleaved.
"""

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = """
import sys, time, warnings
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
sys.path.insert(0, sys.argv[1])
from sklearn_backprop import ScratchMLPClassifier
X, y = make_classification(80000, 100, n_informative=40, n_classes=5, random_state=0)
params = dict(hidden_layer_sizes=(256, 128), batch_size=256, max_iter=5, tol=0.0,
              n_iter_no_change=10**9, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    ScratchMLPClassifier(**{**params, "max_iter": 1}).fit(X[:2000], y[:2000])  # warm-up
    start = time.perf_counter()
    ScratchMLPClassifier(**params).fit(X, y)
print(time.perf_counter() - start)
"""


def fit_seconds(source_dir):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(source_dir)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def before_after(baseline, rounds):
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), baseline],
            check=True, capture_output=True,
        )  # fmt: skip
        try:
            times = {"before": [], "after": []}
            for r in range(rounds):
                order = [("before", old), ("after", ROOT)]
                for key, source in order if r % 2 == 0 else order[::-1]:
                    times[key].append(fit_seconds(source))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                check=True, capture_output=True,
            )  # fmt: skip
    ratios = [a / b for a, b in zip(times["after"], times["before"], strict=True)]
    return times, statistics.median(ratios)


def recording_operations(fit_time):
    """Seconds of the recording work of the task's 5 epochs, timed on arrays of its sizes."""
    n_params = 100 * 256 + 256 + 256 * 128 + 128 + 128 * 5 + 5
    n_batches = 5 * int(np.ceil(80000 / 256))
    grad = np.random.default_rng(0).normal(size=n_params)
    params = grad.copy()
    start = time.perf_counter()
    total = 0.0
    for _ in range(n_batches):
        total += float(grad @ grad)
    for _ in range(5):
        params.copy()
        time.perf_counter()
        {"loss": total, "grad_norm": float(np.sqrt(total))}
    seconds = time.perf_counter() - start
    return seconds, seconds / fit_time


def with_and_without_callback(rounds):
    from sklearn.callback import FitCallback  # noqa: F401  (the protocol)
    from sklearn.datasets import make_classification
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_backprop import ScratchMLPClassifier

    class Nothing:
        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

    X, y = make_classification(80000, 100, n_informative=40, n_classes=5, random_state=0)
    params = {
        "hidden_layer_sizes": (256, 128), "batch_size": 256, "max_iter": 5, "tol": 0.0,
        "n_iter_no_change": 10**9, "random_state": 0,
    }  # fmt: skip
    times = {"none": [], "callback": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for r in range(rounds):
            keys = ["none", "callback"] if r % 2 == 0 else ["callback", "none"]
            for key in keys:
                estimator = ScratchMLPClassifier(**params)
                if key == "callback":
                    estimator.set_callbacks(Nothing())
                start = time.perf_counter()
                estimator.fit(X, y)
                times[key].append(time.perf_counter() - start)
    ratios = [a / b for a, b in zip(times["callback"], times["none"], strict=True)]
    return times, statistics.median(ratios)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="b0f2a18", help="commit before history_")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS-history.md")
    args = parser.parse_args()

    times, ratio = before_after(args.baseline, args.rounds)
    after = statistics.median(times["after"])
    seconds, share = recording_operations(after)
    cb_times, cb_ratio = with_and_without_callback(args.rounds)
    lines = [
        "# The cost of history_ and callbacks (issue 9)",
        "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; baseline "
        f"{args.baseline}; {args.rounds} rounds. Task: MLP (256, 128), adam, 5 epochs of "
        "batch 256 on 80k x 100 (benchmark task 2).",
        "",
        "| measurement | value |",
        "|---|---|",
        f"| fit time before history_ (median s) | {statistics.median(times['before']):.3f} |",
        f"| fit time with history_ (median s) | {after:.3f} |",
        f"| after / before (median of per-round ratios) | {ratio:.3f} |",
        f"| recording operations alone (s; share of fit) | {seconds:.5f}; {100 * share:.2f}% |",
        f"| do-nothing callback / no callback | {cb_ratio:.3f} |",
        "",
        "Per-round times, before: "
        + ", ".join(f"{t:.3f}" for t in times["before"])
        + "; after: "
        + ", ".join(f"{t:.3f}" for t in times["after"])
        + "; with a callback: "
        + ", ".join(f"{t:.3f}" for t in cb_times["callback"])
        + "; without: "
        + ", ".join(f"{t:.3f}" for t in cb_times["none"])
        + ".",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    args.output.write_text(report)


if __name__ == "__main__":
    main()
