"""Fit time on aligned and on unaligned input, ours and scikit-learn's, side by side (issue 15).

Usage::

    python benchmarks/unaligned.py                 # writes benchmarks/RESULTS-unaligned.md
    python benchmarks/unaligned.py --rounds 3 --output /tmp/u.md

An array is *unaligned* when its data pointer is not a multiple of its item size
(``np.frombuffer`` at an odd offset, some memory maps, shared memory). numpy and BLAS take
slow paths on such data; the estimators make one aligned copy per fit instead. The task is
that of the issue: 20000 x 50 float64, ``MLPClassifier((100,), max_iter=2)``, adam, default
batch size. The four fits of a round run back to back, in an order that rotates from round
to round, and the table gives medians of times and of the per-round ratios.
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
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import sklearn_backprop
from sklearn_backprop import ScratchMLPClassifier

HERE = Path(__file__).resolve().parent


def unaligned_copy(X):
    """The values of ``X`` in a buffer that starts one byte past an aligned address."""
    buffer = np.empty(X.nbytes + 1, dtype=np.uint8)
    out = np.frombuffer(buffer[1:].data, dtype=X.dtype).reshape(X.shape)
    out[...] = X
    assert not out.flags.aligned
    return out


def time_fit(make, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make().fit(X, y)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS-unaligned.md")
    args = parser.parse_args()

    X, y = make_classification(20000, 50, n_informative=20, n_classes=3, random_state=0)
    X_unaligned = unaligned_copy(X)
    kwargs = {"hidden_layer_sizes": (100,), "max_iter": 2, "random_state": 0}
    contenders = {
        ("ours", "aligned"): (lambda: ScratchMLPClassifier(**kwargs), X),
        ("ours", "unaligned"): (lambda: ScratchMLPClassifier(**kwargs), X_unaligned),
        ("sklearn", "aligned"): (lambda: MLPClassifier(**kwargs), X),
        ("sklearn", "unaligned"): (lambda: MLPClassifier(**kwargs), X_unaligned),
    }
    keys = list(contenders)
    for make, data in contenders.values():  # warm-up: imports, BLAS thread start
        time_fit(make, data, y)
    times = {key: [] for key in keys}
    for r in range(args.rounds):
        order = keys[r % 4 :] + keys[: r % 4]
        for key in order:
            make, data = contenders[key]
            times[key].append(time_fit(make, data, y))

    def ratio(a, b):
        return statistics.median(x / z for x, z in zip(times[a], times[b], strict=True))

    med = {key: statistics.median(v) for key, v in times.items()}
    lines = [
        "# Aligned and unaligned input (issue 15)",
        "",
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"sklearn_backprop {sklearn_backprop.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}. {args.rounds} rounds.",
        "",
        "Task: `fit` of a (100,) MLP classifier, adam, 2 epochs, on 20000 x 50 float64, "
        "3 classes. Unaligned: the same values in a buffer one byte off alignment.",
        "",
        "| estimator | aligned (s) | unaligned (s) | unaligned / aligned |",
        "|---|---|---|---|",
    ]
    for who, name in (("ours", "ScratchMLPClassifier"), ("sklearn", "MLPClassifier")):
        a, u = (who, "aligned"), (who, "unaligned")
        lines.append(f"| {name} | {med[a]:.3f} | {med[u]:.3f} | {ratio(u, a):.2f} |")
    lines += [
        "",
        f"ours / sklearn: aligned {ratio(('ours', 'aligned'), ('sklearn', 'aligned')):.2f}, "
        f"unaligned {ratio(('ours', 'unaligned'), ('sklearn', 'unaligned')):.2f} "
        "(median of per-round ratios).",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    args.output.write_text(report)


if __name__ == "__main__":
    main()
