"""Unaligned input arrays (issue 15): same results as aligned ones, at the usual speed.

An array whose data pointer is not a multiple of its item size is valid numpy input
(``np.frombuffer`` with an offset, memory maps, shared memory). The estimators copy it once
into aligned memory, per fit or predict call; these tests prove the results are those of the
aligned copy and that aligned input is never copied.
"""

from unittest import mock

import numpy as np
import pytest

from _estimators import (
    CLASSIFIERS,
    ESTIMATORS,
    MLPS,
    data_maker,
    estimator_maker,
    fit_quietly,
    partial_fit,
    quietly,
)
from sklearn_backprop import _base
from sklearn_backprop._validation import aligned

make_estimator = estimator_maker((4,), max_iter=5, random_state=0)
make_data = data_maker(60, lambda X, rng: (X[:, 0] > 0).astype(int), lambda X, rng: X @ [1, 2, 3])

SOLVERS = ("lbfgs", "sgd", "adam")


def unaligned_copy(X):
    """The values of ``X`` in a buffer one byte off its item-size alignment."""
    X = np.ascontiguousarray(X)
    buffer = np.zeros(X.nbytes + 1, dtype=np.uint8)
    out = np.frombuffer(buffer.data, dtype=X.dtype, offset=1, count=X.size).reshape(X.shape)
    out[...] = X
    assert not out.flags.aligned
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unaligned_copy_helper_really_is_unaligned(dtype):
    X = unaligned_copy(np.arange(12, dtype=dtype).reshape(4, 3))
    assert not X.flags.aligned
    np.testing.assert_array_equal(X, np.arange(12).reshape(4, 3))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_fit_on_unaligned_input_equals_fit_on_aligned_copy(name, solver):
    X, y = make_data(name)
    X_unaligned = unaligned_copy(X)
    ours = fit_quietly(make_estimator(name, solver=solver), X_unaligned, y)
    reference = fit_quietly(make_estimator(name, solver=solver), X, y)
    for W, W_ref in zip(ours.coefs_ + ours.intercepts_, reference.coefs_ + reference.intercepts_):
        np.testing.assert_array_equal(W, W_ref)
    method = "predict_proba" if name in CLASSIFIERS else "predict"
    np.testing.assert_array_equal(getattr(ours, method)(X_unaligned), getattr(reference, method)(X))


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if n in MLPS or n in CLASSIFIERS])
def test_partial_fit_on_unaligned_input_equals_aligned(name):
    X, y = make_data(name)
    ours = quietly(partial_fit, make_estimator(name, solver="sgd"), name, unaligned_copy(X), y)
    reference = quietly(partial_fit, make_estimator(name, solver="sgd"), name, X, y)
    np.testing.assert_array_equal(ours.coefs_[0], reference.coefs_[0])


def test_aligned_input_is_not_copied():
    X = np.ones((5, 3))
    assert aligned(X) is X


def test_unaligned_input_is_copied_once_per_fit_not_per_batch():
    X, y = make_data("mlp-classifier")
    X_unaligned = unaligned_copy(X)
    estimator = make_estimator("mlp-classifier", solver="adam", batch_size=10)
    with mock.patch.object(_base, "aligned", wraps=aligned) as spy:
        fit_quietly(estimator, X_unaligned, y)
    assert spy.call_count == 1
    assert spy.call_args.args[0] is X_unaligned


def test_the_input_array_is_left_unaligned_and_unchanged():
    X, y = make_data("mlp-regressor")
    X_unaligned = unaligned_copy(X)
    before = X_unaligned.copy()
    fit_quietly(make_estimator("mlp-regressor", solver="sgd"), X_unaligned, y)
    assert not X_unaligned.flags.aligned
    np.testing.assert_array_equal(X_unaligned, before)
