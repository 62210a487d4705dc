"""Bit-identical results for a fixed random_state (issue 6, promise 5).

Scope: two fits in one process, fits in two fresh interpreters (with different hash seeds), and a
model pickled in the middle of a ``partial_fit`` run then resumed, all give the same bits:
``coefs_``, ``intercepts_``, ``loss_curve_`` and predictions. This holds only if every random draw
and every piece of optimizer state lives in the estimator.
"""

import hashlib
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from _estimators import (
    COEF,
    ESTIMATORS,
    MLPS,
    data_maker,
    estimator_maker,
    fit_quietly,
    partial_fit,
)

# (estimator, extra parameters): every solver, plus the paths that draw more random numbers.
CONFIGS = {
    f"{name}-{solver}": (name, {"solver": solver})
    for name in ESTIMATORS
    for solver in ("lbfgs", "sgd", "adam")
}
CONFIGS.update(
    {
        f"{name}-sgd-early-stopping": (name, {"solver": "sgd", "early_stopping": True})
        for name in MLPS
    }
)


make_estimator = estimator_maker(
    hidden_layer_sizes=(6, 4), random_state=7, max_iter=15, batch_size=10
)
make_data = data_maker(
    n_samples=40,
    labels=lambda X, rng: np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5]),
    target=lambda X, rng: np.sin(X @ COEF),
)


def fingerprint(estimator, X):
    """A hash of every fitted array and of the predictions, bit for bit."""
    digest = hashlib.sha256()
    for array in (*estimator.coefs_, *estimator.intercepts_, estimator.predict(X)):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(np.asarray(estimator.loss_curve_, dtype=np.float64).tobytes())
    return digest.hexdigest()


def assert_bit_identical(first, second):
    for a, b in zip(first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_):
        assert a.dtype == b.dtype
        assert a.tobytes() == b.tobytes()
    assert first.loss_curve_ == second.loss_curve_
    assert first.n_iter_ == second.n_iter_


@pytest.mark.parametrize("config", CONFIGS)
def test_two_fits_with_the_same_random_state_are_bit_identical(config):
    name, params = CONFIGS[config]
    X, y = make_data(name)
    first = fit_quietly(make_estimator(name, **params), X, y)
    second = fit_quietly(make_estimator(name, **params), X, y)
    assert_bit_identical(first, second)
    assert first.predict(X).tobytes() == second.predict(X).tobytes()


@pytest.mark.parametrize("config", ["mlp-classifier-adam", "mlp-regressor-sgd-early-stopping"])
def test_refitting_one_estimator_is_bit_identical_to_its_first_fit(config):
    name, params = CONFIGS[config]
    X, y = make_data(name)
    estimator = fit_quietly(make_estimator(name, **params), X, y)
    first = fingerprint(estimator, X)
    fit_quietly(estimator, X, y)
    assert fingerprint(estimator, X) == first


SUBPROCESS_SCRIPT = """
import sys
sys.path.insert(0, {tests_dir!r})
import test_reproducibility as t

for config, (name, params) in t.CONFIGS.items():
    X, y = t.make_data(name)
    estimator = t.fit_quietly(t.make_estimator(name, **params), X, y)
    print(config, t.fingerprint(estimator, X))
"""


def start_fresh_interpreter(hash_seed):
    """A new Python process that prints ``config fingerprint`` for every config."""
    script = SUBPROCESS_SCRIPT.format(tests_dir=os.path.dirname(os.path.abspath(__file__)))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
    )


def fingerprints(process):
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return dict(line.split() for line in stdout.splitlines())


def test_fits_in_two_fresh_interpreters_are_bit_identical():
    # Two interpreters at once (different hash seeds, so no set or dict order can hide).
    processes = [start_fresh_interpreter(hash_seed) for hash_seed in (0, 4242)]
    first, second = (fingerprints(process) for process in processes)
    assert set(first) == set(CONFIGS)
    assert first == second
    # ... and equal to this process, where other tests have already run.
    for config, (name, params) in CONFIGS.items():
        X, y = make_data(name)
        assert fingerprint(fit_quietly(make_estimator(name, **params), X, y), X) == first[config]


# SGD with a schedule that depends on the samples seen so far, and Adam with its moments.
OPTIMIZERS = {
    "sgd": {"solver": "sgd", "learning_rate": "constant"},
    "sgd-invscaling": {"solver": "sgd", "learning_rate": "invscaling"},
    "adam": {"solver": "adam"},
}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_model_pickled_mid_training_resumes_bit_identically(name, optimizer):
    X, y = make_data(name)
    params = {**OPTIMIZERS[optimizer], "shuffle": True}
    never_pickled = make_estimator(name, **params)
    resumed = make_estimator(name, **params)
    for _ in range(3):
        partial_fit(never_pickled, name, X, y)
        partial_fit(resumed, name, X, y)
    resumed = pickle.loads(pickle.dumps(resumed))
    for _ in range(3):
        partial_fit(never_pickled, name, X, y)
        partial_fit(resumed, name, X, y)
    assert_bit_identical(resumed, never_pickled)
    assert resumed.t_ == never_pickled.t_
    assert_array_equal(resumed.predict(X), never_pickled.predict(X))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", MLPS)
def test_model_pickled_after_fit_resumes_with_partial_fit_bit_identically(name, solver):
    X, y = make_data(name)
    never_pickled = fit_quietly(make_estimator(name, solver=solver, max_iter=3), X, y)
    resumed = fit_quietly(make_estimator(name, solver=solver, max_iter=3), X, y)
    resumed = pickle.loads(pickle.dumps(resumed))
    for _ in range(2):
        never_pickled.partial_fit(X, y)
        resumed.partial_fit(X, y)
    assert_bit_identical(resumed, never_pickled)
