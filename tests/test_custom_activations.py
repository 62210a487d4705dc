"""Activations chosen per layer and written by the user, seen from the estimators.

Scope: the ``activation`` parameter of the MLPs (a name, an ``Activation`` object, or one
per hidden layer), the derivative check run before training, and what scikit-learn asks of
an estimator holding such objects (clone, pickle, ``get_params``, ``check_estimator``).
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split
from sklearn.utils.estimator_checks import check_estimator

from _estimators import fit_quietly
from sklearn_backprop import (
    ELU,
    Activation,
    LeakyReLU,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)


class Sine(Activation):
    """sin: periodic, so that a few units tile a ring."""

    def forward(self, Z):
        return np.sin(Z)

    def derivative(self, Z, A):
        return np.cos(Z)


class SineWithWrongDerivative(Sine):
    def derivative(self, Z, A):
        return np.sin(Z)  # should be cos


def _donut():
    X, y = make_circles(n_samples=400, noise=0.1, factor=0.5, random_state=0)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_user_written_sine_activation_learns_the_donut(solver):
    X_train, X_test, y_train, y_test = _donut()
    params = {"max_iter": 500, "learning_rate_init": 0.01} if solver == "adam" else {}
    clf = ScratchMLPClassifier(
        hidden_layer_sizes=(16,), activation=Sine(), solver=solver, random_state=0, **params
    )
    fit_quietly(clf, X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95


def test_wrong_derivative_raises_before_training_naming_the_activation(monkeypatch):
    import sklearn_backprop._base as base

    calls = []
    monkeypatch.setattr(base, "fit_lbfgs", lambda *a, **k: calls.append(1))
    X_train, _, y_train, _ = _donut()
    clf = ScratchMLPClassifier(hidden_layer_sizes=(4,), activation=SineWithWrongDerivative())
    with pytest.raises(ValueError, match=r"SineWithWrongDerivative\(\).*worst relative error"):
        clf.fit(X_train, y_train)
    assert calls == []


def test_one_activation_per_hidden_layer_trains_and_predicts():
    X_train, X_test, y_train, y_test = _donut()
    clf = ScratchMLPClassifier(
        hidden_layer_sizes=(16, 8), activation=["gelu", LeakyReLU(0.1)], random_state=0
    )
    fit_quietly(clf, X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.9


def test_activation_list_of_the_wrong_length_is_a_clear_error():
    clf = ScratchMLPRegressor(hidden_layer_sizes=(4, 4), activation=["relu"])
    with pytest.raises(ValueError, match=r"1 entries but the network has 2 hidden layer"):
        clf.fit([[0.0], [1.0]], [0.0, 1.0])


@pytest.mark.parametrize("bad", ["swish", 3, object()], ids=["unknown-name", "int", "object"])
def test_unknown_activation_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="activation must be one of"):
        ScratchMLPRegressor(activation=bad).fit([[0.0], [1.0]], [0.0, 1.0])


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "softplus", "gelu", "silu"])
def test_every_new_built_in_trains_by_name_in_float32(name):
    X_train, X_test, y_train, y_test = _donut()
    clf = ScratchMLPClassifier(
        hidden_layer_sizes=(16,), activation=name, solver="lbfgs", random_state=0
    )
    fit_quietly(clf, X_train.astype(np.float32), y_train)
    assert clf.coefs_[0].dtype == np.float32
    assert clf.score(X_test, y_test) >= 0.9


def test_estimator_with_activation_objects_clones_pickles_and_prints_them():
    clf = ScratchMLPClassifier(
        hidden_layer_sizes=(8, 8), activation=[ELU(alpha=0.5), Sine()], random_state=0
    )
    assert "ELU(alpha=0.5)" in repr(clf)
    assert "Sine()" in repr(clf)
    assert "ELU(alpha=0.5)" in clf._repr_html_()
    copy = clone(clf)
    assert copy.get_params()["activation"] == clf.get_params()["activation"]
    X_train, X_test, y_train, _ = _donut()
    fit_quietly(clf, X_train, y_train)
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(X_test), clf.predict_proba(X_test))


@pytest.mark.parametrize(
    "estimator",
    [
        ScratchMLPClassifier(activation=LeakyReLU(negative_slope=0.1)),
        ScratchMLPRegressor(hidden_layer_sizes=(10, 10), activation=["gelu", ELU()]),
    ],
    ids=["classifier-leaky", "regressor-gelu-elu"],
)
def test_estimators_with_activation_objects_pass_check_estimator(estimator):
    check_estimator(estimator)


def test_string_activations_train_exactly_as_before_objects_of_the_same_kind():
    # "relu" and Relu-by-name go through the same object: string defaults are untouched,
    # and a LeakyReLU with slope 0 is relu (same Glorot start, same updates).
    X_train, _, y_train, _ = _donut()
    by_name = fit_quietly(ScratchMLPClassifier(random_state=0, max_iter=20), X_train, y_train)
    leaky0 = fit_quietly(
        ScratchMLPClassifier(activation=LeakyReLU(0.0), random_state=0, max_iter=20),
        X_train,
        y_train,
    )
    for W, W0 in zip(by_name.coefs_, leaky0.coefs_):
        assert_array_equal(W, W0)
