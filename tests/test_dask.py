"""Dask: searches on a cluster, training on Dask arrays, lazy predictions, faults.

One loopback-only ``LocalCluster`` of two worker processes serves the whole
module (started by a module-scoped fixture and closed by it); while it runs,
its client is Dask's default scheduler, so every fit below computes its
chunks on the workers. The whole module skips when the ``dask`` extra is
not installed.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _estimators import CLASSIFIERS, ESTIMATORS, estimator_maker, few_iterations, fit_quietly

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")
joblib = pytest.importorskip("joblib")

import sklearn_backprop._dask as sb_dask  # noqa: E402

make_estimator = estimator_maker((6,), random_state=0)
BOUNDED = 60  # seconds: no wait in this module lasts longer


@pytest.fixture(scope="module")
def client():
    """A two-process cluster on 127.0.0.1, and its client; both closed after the module."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster, timeout=BOUNDED)
    yield client
    client.close()
    cluster.close()


def make_data(name, n_samples=600, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    if name in CLASSIFIERS:
        y = (X[:, 0] + 0.5 * X[:, 1] + 0.5 * rng.normal(size=n_samples) > 0).astype(int)
    else:
        y = X @ np.arange(1.0, n_features + 1) + rng.normal(size=n_samples)
    return X, y


def chunked(array, rows):
    return da.from_array(array, chunks=(rows, *array.shape[1:]))


def all_params(estimator):
    return np.concatenate([a.ravel() for a in (*estimator.coefs_, *estimator.intercepts_)])


def worker_pids(client):
    return client.run(os.getpid)


def two_live_workers(client):
    """Worker address -> pid, once two workers answer (a killed one has been replaced)."""
    deadline = time.monotonic() + BOUNDED
    while time.monotonic() < deadline:
        try:
            pids = worker_pids(client)
        except OSError:  # a dead worker not yet removed by the scheduler
            pids = {}
        if len(pids) == 2:
            return pids
        time.sleep(0.05)
    raise TimeoutError("the cluster did not get back to two workers")


def test_nothing_imports_dask_unless_a_dask_array_is_passed():
    code = (
        "import sys, numpy as np\n"
        "import sklearn_backprop, sklearn_backprop.engine\n"
        "from sklearn_backprop import ScratchMLPClassifier\n"
        "X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)\n"
        "model = ScratchMLPClassifier(max_iter=5, hidden_layer_sizes=(3,)).fit(X, y)\n"
        "model.predict(X); model.score(X, y)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=BOUNDED,
    )
    assert out.stdout.strip() == "[]"


# ---- searches on a cluster -----------------------------------------------------


def cv_results_without_times(search):
    return {k: v for k, v in search.cv_results_.items() if "time" not in k}


def small_search():
    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    pipeline = make_pipeline(
        StandardScaler(), make_estimator("mlp-classifier", solver="lbfgs", max_iter=50)
    )
    grid = {
        "scratchmlpclassifier__alpha": [1e-3, 1.0],
        "scratchmlpclassifier__activation": ["tanh", "relu"],
    }
    return GridSearchCV(pipeline, grid, cv=3, n_jobs=-1), X, y


def assert_same_cv_results(search, reference):
    ours, theirs = cv_results_without_times(search), cv_results_without_times(reference)
    assert ours.keys() == theirs.keys()
    for key in ours:
        assert_array_equal(np.asarray(ours[key]), np.asarray(theirs[key]), err_msg=key)


@few_iterations
def test_grid_search_on_the_dask_backend_equals_the_default_backend(client):
    reference, X, y = small_search()
    reference.fit(X, y)
    search, _, _ = small_search()
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    assert_same_cv_results(search, reference)


# ---- full-batch L-BFGS on a Dask array ----------------------------------------


@pytest.mark.parametrize("name", ["linear", "logistic"])
@pytest.mark.parametrize("weights", ["none", "dask"])
def test_linear_models_on_dask_arrays_converge_to_the_in_memory_parameters(client, name, weights):
    X, y = make_data(name)
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y)) if weights == "dask" else None
    estimator = make_estimator(name, tol=1e-8, max_iter=1000)
    in_memory = make_estimator(name, tol=1e-8, max_iter=1000).fit(X, y, sample_weight=w)
    on_dask = estimator.fit(
        chunked(X, 170), chunked(y, 100), sample_weight=None if w is None else chunked(w, 50)
    )
    assert_allclose(all_params(on_dask), all_params(in_memory), rtol=1e-8)
    assert type(on_dask.coefs_[0]) is np.ndarray


@few_iterations
@pytest.mark.parametrize("name", ["mlp-regressor", "mlp-classifier"])
def test_mlp_lbfgs_on_dask_arrays_has_the_in_memory_losses(client, name):
    X, y = make_data(name)
    in_memory = fit_quietly(make_estimator(name, solver="lbfgs", max_iter=10), X, y)
    on_dask = fit_quietly(make_estimator(name, solver="lbfgs", max_iter=10), chunked(X, 128), y)
    assert len(on_dask.loss_curve_) == 10
    assert_allclose(on_dask.loss_curve_, in_memory.loss_curve_, rtol=1e-9)


def test_classes_are_discovered_across_chunks(client):
    # Sorted labels: each chunk holds a single class, the data holds three.
    X, y = make_data("logistic", n_samples=300)
    y = np.repeat(np.array(["a", "b", "c"]), 100)
    in_memory = make_estimator("logistic").fit(X, y)
    on_dask = make_estimator("logistic").fit(chunked(X, 100), chunked(y, 100))
    assert_array_equal(on_dask.classes_, ["a", "b", "c"])
    assert_allclose(all_params(on_dask), all_params(in_memory), rtol=1e-8)


def test_a_nan_in_one_chunk_is_reported_as_for_in_memory_data(client):
    X, y = make_data("logistic")
    X[450, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        make_estimator("logistic").fit(chunked(X, 100), y)


def test_dask_input_is_validated_like_in_memory_input(client):
    X, y = make_data("linear")
    model = make_estimator("linear").fit(chunked(X, 200), y)
    assert model.n_features_in_ == 4
    with pytest.raises(ValueError, match="X has 3 features, but ScratchLinearRegression"):
        model.predict(chunked(X[:, :3], 200))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        make_estimator("linear").fit(chunked(X, 200), y[:-1])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        make_estimator("linear").fit(chunked(X, 200), y, sample_weight=chunked(-np.ones(600), 200))


def test_float32_dask_input_trains_in_float32_and_integers_in_float64(client):
    X, y = make_data("logistic")
    model = make_estimator("logistic").fit(chunked(X.astype(np.float32), 200), y)
    assert model.coefs_[0].dtype == np.float32
    model = make_estimator("logistic").fit(chunked(np.round(10 * X).astype(np.int64), 200), y)
    assert model.coefs_[0].dtype == np.float64


def test_lbfgs_on_a_lazy_200mb_array_keeps_the_caller_under_20mb(client):
    n_samples, n_features = 250_000, 100  # 200 MB of float64, generated on the workers
    X = da.random.RandomState(0).normal(size=(n_samples, n_features), chunks=(25_000, -1))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    X, y = client.persist([X, y])
    distributed.wait([X, y], timeout=BOUNDED)
    tracemalloc.start()
    try:
        model = fit_quietly(make_estimator("logistic", max_iter=5), X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.n_iter_ == 5
    assert peak < 20e6, f"peak traced allocation {peak / 1e6:.1f} MB"


# ---- out-of-core SGD and Adam --------------------------------------------------


@few_iterations
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", ["logistic", "mlp-classifier", "mlp-regressor"])
def test_stochastic_fit_on_one_chunk_equals_the_in_memory_fit_bit_for_bit(client, name, solver):
    X, y = make_data(name, n_samples=300)
    in_memory = make_estimator(name, solver=solver, max_iter=4).fit(X, y)
    on_dask = make_estimator(name, solver=solver, max_iter=4).fit(chunked(X, 300), y)
    assert on_dask.loss_curve_ == in_memory.loss_curve_
    assert_array_equal(all_params(on_dask), all_params(in_memory))


@few_iterations
def test_unshuffled_chunks_aligned_with_batches_equal_the_in_memory_fit(client):
    # Chunks of 200 rows, batches of 100: the same batches, in the same order.
    X, y = make_data("mlp-classifier")
    params = {"solver": "sgd", "max_iter": 3, "shuffle": False, "batch_size": 100}
    in_memory = make_estimator("mlp-classifier", **params).fit(X, y)
    on_dask = make_estimator("mlp-classifier", **params).fit(chunked(X, 200), chunked(y, 200))
    assert_array_equal(all_params(on_dask), all_params(in_memory))


@few_iterations
def test_chunk_order_and_rows_are_shuffled_from_random_state(client, monkeypatch):
    X, y = make_data("mlp-classifier")
    visits = []
    original = sb_dask.MiniBatches

    def spy(X_chunk, *args):
        visits.append(X_chunk[0, 0])  # which chunk is visited: its first value
        return original(X_chunk, *args)

    monkeypatch.setattr(sb_dask, "MiniBatches", spy)

    def fit(seed):
        visits.clear()
        model = make_estimator("mlp-classifier", solver="adam", max_iter=3, random_state=seed)
        model.fit(chunked(X, 100), y)
        return all_params(model), list(visits)

    (first, order), (again, order_again), (other, other_order) = fit(0), fit(0), fit(1)
    assert_array_equal(first, again)
    assert order == order_again
    assert order != other_order
    assert sorted(order[:6]) == sorted(X[::100, 0])  # each chunk once per epoch
    assert order[:6] != list(X[::100, 0])  # not in storage order
    assert not np.array_equal(first, other)


@few_iterations
def test_partial_fit_runs_under_dask_ml_incremental(client):
    X, y = make_data("mlp-classifier")
    incremental = dask_ml_wrappers.Incremental(
        make_estimator("mlp-classifier", solver="sgd"), shuffle_blocks=False
    )
    incremental.fit(chunked(X, 200), chunked(y, 200), classes=[0, 1])
    by_hand = make_estimator("mlp-classifier", solver="sgd")
    for start in range(0, 600, 200):
        by_hand.partial_fit(X[start : start + 200], y[start : start + 200], classes=[0, 1])
    assert_array_equal(all_params(incremental.estimator_), all_params(by_hand))


# ---- lazy predictions ----------------------------------------------------------

METHODS = {
    "linear": ["predict"],
    "mlp-regressor": ["predict"],
    "logistic": ["predict", "predict_proba", "predict_log_proba", "decision_function"],
    "mlp-classifier": ["predict", "predict_proba", "predict_log_proba", "decision_function"],
}


@few_iterations
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_predictions_on_dask_arrays_are_lazy_and_equal_in_memory_ones(client, name):
    X, y = make_data(name)
    model = fit_quietly(make_estimator(name, max_iter=20), X, y)
    X_dask = chunked(X, 250)
    for method in METHODS[name]:
        lazy = getattr(model, method)(X_dask)
        assert isinstance(lazy, da.Array), method
        assert_allclose(lazy.compute(), getattr(model, method)(X), rtol=1e-12, err_msg=method)
    w = np.random.default_rng(2).uniform(size=len(y))
    lazy_score = model.score(X_dask, chunked(y, 250), sample_weight=chunked(w, 250))
    assert isinstance(lazy_score, da.Array)
    assert_allclose(float(lazy_score.compute()), model.score(X, y, sample_weight=w), rtol=1e-12)


# ---- faults --------------------------------------------------------------------


def test_lbfgs_fit_survives_a_killed_worker(client, monkeypatch):
    X, y = make_data("logistic", n_samples=2000)
    X_dask, y_dask = client.persist([chunked(X, 250), chunked(y, 250)])
    reference = make_estimator("logistic").fit(X_dask, y_dask)
    victim = next(iter(two_live_workers(client).values()))
    calls = []
    original = sb_dask.ChunkedObjective.__call__

    def kill_at_third_evaluation(self):
        calls.append(1)
        if len(calls) == 3:
            os.kill(victim, signal.SIGKILL)
        return original(self)

    monkeypatch.setattr(sb_dask.ChunkedObjective, "__call__", kill_at_third_evaluation)
    survived = make_estimator("logistic").fit(X_dask, y_dask)
    assert len(calls) > 3
    assert victim not in two_live_workers(client).values()
    # Equal to rounding: a lost chunk is recomputed into another buffer, and
    # BLAS may round differently at another memory alignment.
    assert_allclose(all_params(survived), all_params(reference), rtol=1e-12)


@few_iterations
def test_grid_search_survives_a_killed_worker(client):
    reference, X, y = small_search()
    reference.fit(X, y)
    search, _, _ = small_search()
    killed, done = [], threading.Event()
    pids = two_live_workers(client)

    def kill_a_busy_worker():
        deadline = time.monotonic() + BOUNDED
        while not (killed or done.is_set()) and time.monotonic() < deadline:
            busy = [address for address, tasks in client.processing().items() if tasks]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])
            time.sleep(0.005)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        # Broadcast: data scattered to a single worker dies with it (joblib
        # scatters large arguments to one worker unless told otherwise).
        with joblib.parallel_config(backend="dask", scatter=[X, y]):
            search.fit(X, y)
    finally:
        done.set()
        killer.join(timeout=BOUNDED)
    assert killed, "the search ended before a worker could be killed"
    assert killed[0] not in two_live_workers(client).values()
    assert_same_cv_results(search, reference)
