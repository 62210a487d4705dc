"""Dropout on the MLPs: training only, reproducible, and a regulariser.

Scope: the ``dropout`` parameter of ``ScratchMLPClassifier`` / ``ScratchMLPRegressor`` and
``Workspace.draw_dropout_masks``. The gradient with a fixed mask is checked in
``test_gradients.py``; here: masks are inverted (mean 1), reproducible from
``random_state``, never used at prediction, refused with L-BFGS, and they shrink the
train-test gap of an over-sized network on a noisy problem.
"""

import copy

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split

from _estimators import fit_quietly
from sklearn_backprop import ScratchMLPClassifier, ScratchMLPRegressor
from sklearn_backprop.engine import HIDDEN_ACTIVATIONS, Network, SquaredError, Workspace


def test_masks_are_inverted_dropout_with_the_asked_rate():
    network = Network((3, 400, 300, 1), HIDDEN_ACTIVATIONS["relu"], SquaredError().link,
                      dropout=(0.25, 0.0))  # fmt: skip
    workspace = Workspace(network, 500)
    workspace.draw_dropout_masks(np.random.RandomState(0), 500)
    mask, no_mask = workspace.masks
    assert no_mask is None
    assert set(np.unique(mask)) == {0.0, 1 / 0.75}
    assert_allclose((mask == 0).mean(), 0.25, atol=0.01)
    assert_allclose(mask.mean(), 1.0, atol=0.01)


def test_a_network_without_dropout_draws_nothing_from_the_generator():
    network = Network((3, 4, 1), HIDDEN_ACTIVATIONS["relu"], SquaredError().link)
    rng = np.random.RandomState(0)
    Workspace(network, 10).draw_dropout_masks(rng, 10)
    assert rng.random() == np.random.RandomState(0).random()


def _moons():
    X, y = make_moons(n_samples=200, noise=0.4, random_state=0)
    return train_test_split(X, y, test_size=0.5, random_state=0)


@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_same_random_state_gives_identical_fits_and_predict_is_deterministic(Estimator):
    X_train, X_test, y_train, _ = _moons()
    params = {"hidden_layer_sizes": (16, 8), "dropout": [0.3, 0.2], "max_iter": 30}
    first = fit_quietly(Estimator(random_state=3, **params), X_train, y_train)
    second = fit_quietly(Estimator(random_state=3, **params), X_train, y_train)
    for W, W2 in zip(first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_):
        assert_array_equal(W, W2)
    assert_array_equal(first.predict(X_test), first.predict(X_test))
    other = fit_quietly(Estimator(random_state=4, **params), X_train, y_train)
    assert not np.array_equal(other.coefs_[0], first.coefs_[0])


def test_prediction_and_score_use_no_mask():
    X_train, X_test, y_train, y_test = _moons()
    clf = fit_quietly(
        ScratchMLPClassifier(hidden_layer_sizes=(16,), dropout=0.5, max_iter=20, random_state=0),
        X_train,
        y_train,
    )
    plain = copy.deepcopy(clf).set_params(dropout=0.0)
    assert_array_equal(clf.predict_proba(X_test), plain.predict_proba(X_test))
    assert clf.score(X_test, y_test) == plain.score(X_test, y_test)


def test_dropout_with_lbfgs_is_a_clear_error():
    X_train, _, y_train, _ = _moons()
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        ScratchMLPClassifier(solver="lbfgs", dropout=0.2).fit(X_train, y_train)


@pytest.mark.parametrize(
    ("dropout", "match"),
    [(1.0, "dropout"), (-0.1, "dropout"), ([0.1, 0.2], "2 rates but the network has 1")],
    ids=["one", "negative", "wrong-length"],
)
def test_invalid_dropout_is_a_clear_error(dropout, match):
    X_train, _, y_train, _ = _moons()
    with pytest.raises(ValueError, match=match):
        ScratchMLPClassifier(hidden_layer_sizes=(4,), dropout=dropout).fit(X_train, y_train)


def test_dropout_lowers_the_gap_between_train_and_test_accuracy_on_noisy_moons():
    # An over-sized network trained long on 100 noisy points fits their noise; dropout
    # keeps it from doing so (plot_open_building_blocks.py shows it across seeds).
    X_train, X_test, y_train, y_test = _moons()
    gaps = {}
    for rate in (0.0, 0.5):
        clf = ScratchMLPClassifier(
            hidden_layer_sizes=(100, 100), dropout=rate, learning_rate_init=0.01,
            max_iter=200, n_iter_no_change=np.inf, batch_size=20, random_state=0,
        )  # fmt: skip
        fit_quietly(clf, X_train, y_train)
        gaps[rate] = clf.score(X_train, y_train) - clf.score(X_test, y_test)
    assert gaps[0.5] < gaps[0.0] - 0.05
