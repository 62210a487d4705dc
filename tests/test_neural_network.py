"""The MLPs: the update they make, what they can learn, and their scikit-learn behaviour.

Scope: ``ScratchMLPClassifier`` and ``ScratchMLPRegressor`` (and, where a
behaviour is shared, the two linear models): one SGD step against a
finite-difference gradient of the documented objective; expressive power
(XOR, circles) and its collapse without a non-linearity; parameter-level
agreement with scikit-learn's MLPs; targets of every kind; probabilities;
class weights; dtypes; sparse input; ``partial_fit`` and ``warm_start``;
and the public ``check_gradients``.
"""

import copy
import itertools
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, logsumexp, softmax, xlogy
from sklearn.datasets import (
    load_digits,
    make_circles,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from _estimators import (
    CLASSIFIER_CLASSES,
    MLP_CLASSES,
    few_iterations,
    parametrize_estimator_class,
)
from sklearn_backprop import (
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    check_gradients,
)

ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
SOLVERS = ["lbfgs", "sgd", "adam"]


def _small_data(estimator_class, n_samples=40, seed=0):
    """A small, standardised problem suited to the estimator."""
    if estimator_class in CLASSIFIER_CLASSES:
        X, y = make_classification(
            n_samples=n_samples, n_features=4, n_informative=3, n_redundant=0, random_state=seed
        )
    else:
        X, y = make_regression(n_samples=n_samples, n_features=4, noise=5.0, random_state=seed)
        y = (y - y.mean()) / y.std()
    return StandardScaler().fit_transform(X), y


def _max_param_diff(a, b):
    """Largest absolute difference between two fitted networks' parameters."""
    pairs = list(zip(a.coefs_, b.coefs_)) + list(zip(a.intercepts_, b.intercepts_))
    assert len(a.coefs_) == len(b.coefs_)
    return max(float(np.max(np.abs(p - q))) for p, q in pairs)


# ---- one SGD step is W - lr * gradient of the documented objective ------------------


def _forward(X, coefs, intercepts, activation):
    """Raw output Z of the network, written from scratch for the test."""
    hidden = {
        "identity": lambda Z: Z,
        "logistic": expit,
        "tanh": np.tanh,
        "relu": lambda Z: np.maximum(Z, 0.0),
    }[activation]
    A = X
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        Z = A @ W + b
        A = hidden(Z) if i < len(coefs) - 1 else Z
    return Z


def _mean_loss(head, Y, Z):
    """The documented per-sample losses, summed over outputs and averaged over samples."""
    if head == "squared_error":
        per_sample = 0.5 * ((Z - Y) ** 2).sum(axis=1)
    elif head == "poisson":
        per_sample = (np.exp(Z) - Y * Z + xlogy(Y, Y) - Y).sum(axis=1)
    elif head == "binary":
        per_sample = (np.logaddexp(0.0, Z) - Y * Z).sum(axis=1)
    else:  # multiclass
        per_sample = logsumexp(Z, axis=1) - (Y * Z).sum(axis=1)
    return per_sample.mean()


def _step_problem(head, rng):
    """X, the y to fit, and the encoded Y the loss sees, for 8 samples."""
    X = rng.normal(size=(8, 3))
    if head == "squared_error":
        y = rng.normal(size=(8, 2))
        return X, y, y
    if head == "poisson":
        y = rng.poisson(2.0, size=(8, 2)).astype(float)
        return X, y, y
    if head == "binary":
        y = np.array([0, 1] * 4)
        return X, y, y[:, np.newaxis].astype(float)
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    return X, y, np.eye(3)[y]


def _central_differences(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in range(x.size):
        shift = np.zeros_like(x)
        shift[i] = eps
        grad[i] = (f(x + shift) - f(x - shift)) / (2 * eps)
    return grad


@pytest.mark.parametrize("head", ["squared_error", "poisson", "binary", "multiclass"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@few_iterations
def test_one_full_batch_sgd_step_is_w_minus_lr_times_the_gradient(activation, head):
    rng = np.random.default_rng(0)
    X, y, Y = _step_problem(head, rng)
    n_samples, lr, alpha = X.shape[0], 0.1, 0.3
    params = {
        "hidden_layer_sizes": (4, 3),
        "activation": activation,
        "solver": "sgd",
        "alpha": alpha,
        "learning_rate_init": lr,
        "momentum": 0.0,
        "batch_size": n_samples,
        "max_iter": 1,
        "shuffle": False,
        "warm_start": True,
        "random_state": 0,
    }
    if head in ("binary", "multiclass"):
        estimator = ScratchMLPClassifier(**params)
    else:
        estimator = ScratchMLPRegressor(loss=head, **params)
    estimator.fit(X, y)  # sets classes_ and the architecture

    units = [3, 4, 3, Y.shape[1]]
    shapes = list(itertools.pairwise(units))
    start_coefs = [rng.normal(scale=0.5, size=shape) for shape in shapes]
    start_intercepts = [rng.normal(scale=0.5, size=fan_out) for _, fan_out in shapes]
    estimator.coefs_ = [W.copy() for W in start_coefs]
    estimator.intercepts_ = [b.copy() for b in start_intercepts]
    estimator.fit(X, y)

    def pack(coefs, intercepts):
        return np.concatenate([a.ravel() for a in (*coefs, *intercepts)])

    def objective(theta):
        coefs, intercepts, start = [], [], 0
        for fan_in, fan_out in shapes:
            coefs.append(theta[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
            start += fan_in * fan_out
        for _, fan_out in shapes:
            intercepts.append(theta[start : start + fan_out])
            start += fan_out
        Z = _forward(X, coefs, intercepts, activation)
        penalty = 0.5 * alpha * sum(float(np.sum(W**2)) for W in coefs) / n_samples
        return _mean_loss(head, Y, Z) + penalty

    theta_start = pack(start_coefs, start_intercepts)
    theta_after = pack(estimator.coefs_, estimator.intercepts_)
    gradient = _central_differences(objective, theta_start)
    assert np.abs(gradient).max() > 1e-2  # a step that actually moves
    np.testing.assert_allclose((theta_start - theta_after) / lr, gradient, rtol=1e-6, atol=1e-8)


# ---- what hidden layers buy -----------------------------------------------------------


def test_mlp_learns_xor():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    mlp = ScratchMLPClassifier((4,), activation="tanh", solver="lbfgs", alpha=0.0, random_state=0)
    np.testing.assert_array_equal(mlp.fit(X, y).predict(X), y)
    assert np.all(np.abs(mlp.predict_proba(X)[:, 1] - y) < 0.1)


def _circles():
    X, y = make_circles(n_samples=400, noise=0.1, factor=0.5, random_state=0)
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)


def test_deep_identity_mlp_collapses_to_a_linear_model_on_circles():
    X_train, X_test, y_train, y_test = _circles()
    deep_linear = ScratchMLPClassifier(
        (16, 16, 16), activation="identity", solver="lbfgs", max_iter=500, random_state=0
    ).fit(X_train, y_train)
    logistic = LogisticRegression().fit(X_train, y_train)

    accuracy = deep_linear.score(X_test, y_test)
    assert accuracy <= 0.65
    assert accuracy <= logistic.score(X_test, y_test) + 0.05


def test_relu_mlp_separates_the_circles():
    X_train, X_test, y_train, y_test = _circles()
    mlp = ScratchMLPClassifier(
        (16, 16, 16), activation="relu", solver="lbfgs", max_iter=500, random_state=0
    ).fit(X_train, y_train)
    assert mlp.score(X_test, y_test) >= 0.95


# ---- the same as scikit-learn's MLPs ----------------------------------------------------


@few_iterations
def test_digits_accuracy_within_one_point_of_sklearn_mlp(record_property):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    settings = {"hidden_layer_sizes": (32,), "max_iter": 50, "random_state": 0}
    ours = ScratchMLPClassifier(**settings).fit(X_train, y_train).score(X_test, y_test)
    theirs = MLPClassifier(**settings).fit(X_train, y_train).score(X_test, y_test)
    record_property("accuracy_difference", ours - theirs)
    assert ours > 0.9
    assert abs(ours - theirs) <= 0.01


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(ScratchMLPClassifier, MLPClassifier), (ScratchMLPRegressor, MLPRegressor)],
    ids=["classifier", "regressor"],
)
@few_iterations
def test_same_random_state_reproduces_sklearn_mlp_parameters(
    ours, theirs, solver, activation, record_property
):
    if ours is ScratchMLPClassifier:
        X, y = make_classification(
            n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
        )
    else:
        X, y = make_regression(n_samples=120, n_features=6, noise=5.0, random_state=0)
        y = y / y.std()
    settings = {
        "hidden_layer_sizes": (7, 5),
        "activation": activation,
        "solver": solver,
        "batch_size": 32,
        "learning_rate_init": 0.01,
        "max_iter": 30,
        "random_state": 0,
    }
    a, b = ours(**settings).fit(X, y), theirs(**settings).fit(X, y)

    diff = _max_param_diff(a, b)
    record_property("max_abs_param_diff", diff)
    print(f"max |ours - sklearn| = {diff:.3g}")
    assert a.n_iter_ == b.n_iter_
    assert diff <= 1e-8


# ---- targets of every kind --------------------------------------------------------------


@few_iterations
def test_string_labels_give_the_same_model_as_integer_labels():
    X, y = make_classification(
        n_samples=60, n_features=4, n_classes=3, n_informative=3, n_redundant=0, random_state=0
    )
    names = np.array(["cat", "dog", "fish"])
    settings = {"hidden_layer_sizes": (5,), "solver": "lbfgs", "max_iter": 50, "random_state": 0}
    by_name = ScratchMLPClassifier(**settings).fit(X, names[y])
    by_int = ScratchMLPClassifier(**settings).fit(X, y)

    np.testing.assert_array_equal(by_name.classes_, names)
    np.testing.assert_array_equal(by_name.predict(X), names[by_int.predict(X)])
    np.testing.assert_array_equal(by_name.predict_proba(X), by_int.predict_proba(X))


@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchLogisticRegression])
@few_iterations
def test_minus_one_plus_one_labels_give_the_same_model_as_zero_one(Estimator):
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    settings = {"max_iter": 50, "random_state": 0}
    if Estimator is ScratchMLPClassifier:
        settings.update(hidden_layer_sizes=(5,), solver="lbfgs")
    signed = Estimator(**settings).fit(X, 2 * y - 1)
    binary = Estimator(**settings).fit(X, y)

    np.testing.assert_array_equal(signed.classes_, [-1, 1])
    np.testing.assert_array_equal(signed.predict(X), 2 * binary.predict(X) - 1)
    np.testing.assert_array_equal(signed.decision_function(X), binary.decision_function(X))


@pytest.mark.parametrize("solver", SOLVERS)
@few_iterations
def test_multilabel_indicator_y_matches_sklearn_mlp(solver):
    X, Y = make_multilabel_classification(n_samples=60, n_features=5, n_classes=3, random_state=0)
    settings = {"hidden_layer_sizes": (6,), "solver": solver, "max_iter": 40, "random_state": 0}
    ours = ScratchMLPClassifier(**settings).fit(X, Y)
    theirs = MLPClassifier(**settings).fit(X, Y)

    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    assert ours.predict(X).shape == Y.shape
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)
    assert _max_param_diff(ours, theirs) <= 1e-8


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@few_iterations
def test_multi_output_regression_matches_sklearn_mlp(solver):
    # Stochastic solvers only use gradients, and both libraries use the
    # gradient of the loss summed over outputs. (scikit-learn's L-BFGS also
    # reads the loss value, which it averages over outputs instead: see below.)
    X, Y = make_regression(n_samples=60, n_features=5, n_targets=3, random_state=0)
    Y /= Y.std(axis=0)
    settings = {"hidden_layer_sizes": (6,), "solver": solver, "max_iter": 40, "random_state": 0}
    ours = ScratchMLPRegressor(**settings).fit(X, Y)
    theirs = MLPRegressor(**settings).fit(X, Y)

    assert ours.predict(X).shape == Y.shape
    assert ours.n_outputs_ == 3
    assert _max_param_diff(ours, theirs) <= 1e-8


@few_iterations
def test_multi_output_squared_error_sums_over_outputs():
    X, Y = make_regression(n_samples=60, n_features=5, n_targets=3, random_state=0)
    Y /= Y.std(axis=0)
    mlp = ScratchMLPRegressor(
        hidden_layer_sizes=(6,), solver="lbfgs", alpha=0.1, max_iter=40, random_state=0
    )
    mlp.fit(X, Y)

    Z = _forward(X, mlp.coefs_, mlp.intercepts_, mlp.activation)
    penalty = 0.5 * 0.1 * sum(float(np.sum(W**2)) for W in mlp.coefs_) / X.shape[0]
    np.testing.assert_allclose(mlp.loss_, _mean_loss("squared_error", Y, Z) + penalty, rtol=1e-10)


@pytest.mark.parametrize("solver", SOLVERS)
@few_iterations
def test_poisson_regression_matches_sklearn_mlp(solver):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = rng.poisson(np.exp(X @ np.array([0.3, -0.2, 0.1, 0.4]))).astype(float)
    settings = {
        "loss": "poisson",
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "learning_rate_init": 0.01,
        "max_iter": 40,
        "random_state": 0,
    }
    ours = ScratchMLPRegressor(**settings).fit(X, y)
    theirs = MLPRegressor(**settings).fit(X, y)

    assert ours.out_activation_ == "exp"
    assert np.all(ours.predict(X) > 0)
    assert _max_param_diff(ours, theirs) <= 1e-8


def test_poisson_regression_rejects_negative_targets():
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="poisson"):
        ScratchMLPRegressor(loss="poisson").fit(X, y)


# ---- probabilities, log-probabilities, decision function ---------------------------------


def _classifier(n_classes, saturated=False):
    X, y = make_classification(
        n_samples=60,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ScratchMLPClassifier((5,), solver="lbfgs", max_iter=30, random_state=0).fit(X, y)
    if saturated:  # logits in the thousands: every probability is 0 or 1 in floating point
        clf.coefs_[-1] = clf.coefs_[-1] * 1e4
        assert np.abs(clf.decision_function(X)).max() > 1e3
    return clf, X


@pytest.mark.parametrize("saturated", [False, True], ids=["moderate", "saturated"])
@pytest.mark.parametrize("n_classes", [2, 3], ids=["binary", "multiclass"])
def test_predict_proba_rows_sum_to_one(n_classes, saturated):
    clf, X = _classifier(n_classes, saturated)
    proba = clf.predict_proba(X)
    assert proba.shape == (X.shape[0], n_classes)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("saturated", [False, True], ids=["moderate", "saturated"])
@pytest.mark.parametrize("n_classes", [2, 3], ids=["binary", "multiclass"])
def test_predict_log_proba_is_finite_and_is_log_of_predict_proba(n_classes, saturated):
    clf, X = _classifier(n_classes, saturated)
    log_proba = clf.predict_log_proba(X)
    assert np.all(np.isfinite(log_proba))
    np.testing.assert_allclose(log_proba, np.log(clf.predict_proba(X)), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n_classes", [2, 3], ids=["binary", "multiclass"])
def test_decision_function_is_consistent_with_predict_proba(n_classes):
    clf, X = _classifier(n_classes)
    scores, proba = clf.decision_function(X), clf.predict_proba(X)
    if n_classes == 2:
        assert scores.shape == (X.shape[0],)
        np.testing.assert_allclose(expit(scores), proba[:, 1], rtol=1e-12)
        np.testing.assert_array_equal(clf.predict(X), clf.classes_[(scores > 0).astype(int)])
    else:
        assert scores.shape == (X.shape[0], n_classes)
        np.testing.assert_allclose(softmax(scores, axis=1), proba, rtol=1e-12)
        np.testing.assert_array_equal(clf.predict(X), clf.classes_[scores.argmax(axis=1)])


# ---- class weights ------------------------------------------------------------------------


def _imbalanced():
    X, y = make_classification(
        n_samples=80,
        n_features=5,
        n_informative=3,
        n_classes=3,
        weights=[0.6, 0.3, 0.1],
        random_state=0,
    )
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    return X, y, w


def _class_weight_per_sample(class_weight, y, sample_weight):
    if class_weight == "balanced":
        # scikit-learn's convention (compute_class_weight, LogisticRegression): with
        # sample weights, "balanced" uses the weighted class frequencies.
        per_class = sample_weight.sum() / (3 * np.bincount(y, weights=sample_weight))
    else:
        per_class = np.array([class_weight[c] for c in range(3)])
    return per_class[y]


@pytest.mark.parametrize(
    "class_weight", ["balanced", {0: 1.0, 1: 2.0, 2: 5.0}], ids=["balanced", "dict"]
)
@few_iterations
def test_mlp_class_weight_multiplies_sample_weight(class_weight):
    X, y, w = _imbalanced()
    settings = {"hidden_layer_sizes": (6,), "solver": "lbfgs", "max_iter": 40, "random_state": 0}
    ours = ScratchMLPClassifier(class_weight=class_weight, **settings).fit(X, y, sample_weight=w)
    # scikit-learn's MLPClassifier has no class_weight: give it the product as sample_weight.
    theirs = MLPClassifier(**settings).fit(
        X, y, sample_weight=w * _class_weight_per_sample(class_weight, y, w)
    )
    unweighted = ScratchMLPClassifier(**settings).fit(X, y, sample_weight=w)

    assert _max_param_diff(unweighted, theirs) > 1e-3  # the class weights matter here
    assert _max_param_diff(ours, theirs) <= 1e-8


@pytest.mark.parametrize(
    "class_weight", ["balanced", {0: 1.0, 1: 2.0, 2: 5.0}], ids=["balanced", "dict"]
)
def test_logistic_regression_class_weight_matches_sklearn(class_weight):
    X, y, w = _imbalanced()
    X = StandardScaler().fit_transform(X)
    tight = {"tol": 1e-10, "max_iter": 10000}
    ours = ScratchLogisticRegression(class_weight=class_weight, **tight).fit(X, y, sample_weight=w)
    theirs = LogisticRegression(class_weight=class_weight, **tight).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5)


# ---- dtypes and sparse input --------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@parametrize_estimator_class()
@few_iterations
def test_dtype_of_x_is_kept_in_parameters_and_outputs(Estimator, dtype):
    X, y = _small_data(Estimator)
    X = X.astype(dtype)
    estimator = Estimator(max_iter=20, random_state=0).fit(X, y)

    assert {a.dtype for a in estimator.coefs_ + estimator.intercepts_} == {np.dtype(dtype)}
    if hasattr(estimator, "coef_"):
        assert estimator.coef_.dtype == dtype
    methods = ["predict_proba", "predict_log_proba", "decision_function"]
    if Estimator not in CLASSIFIER_CLASSES:
        methods = ["predict"]
    for method in methods:
        assert getattr(estimator, method)(X).dtype == dtype, method


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", SOLVERS)
@parametrize_estimator_class()
@few_iterations
def test_sparse_input_gives_the_dense_result(Estimator, solver, fmt):
    X, y = _small_data(Estimator)
    X[np.abs(X) < 0.7] = 0.0  # about half the entries
    X_sparse = sp.csr_matrix(X).asformat(fmt)
    settings = {"solver": solver, "max_iter": 20, "random_state": 0}
    if Estimator in MLP_CLASSES:
        settings["hidden_layer_sizes"] = (5,)
    dense = Estimator(**settings).fit(X, y)
    sparse = Estimator(**settings).fit(X_sparse, y)

    assert _max_param_diff(dense, sparse) <= 1e-10
    method = "predict_proba" if Estimator in CLASSIFIER_CLASSES else "predict"
    np.testing.assert_allclose(
        getattr(sparse, method)(X_sparse), getattr(dense, method)(X), rtol=1e-10, atol=1e-12
    )


# ---- partial_fit and warm_start ------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@parametrize_estimator_class()
def test_partial_fit_exists_only_for_stochastic_solvers(Estimator, solver):
    assert hasattr(Estimator(solver=solver), "partial_fit") == (solver != "lbfgs")
    # availability follows the current solver, not the one at construction
    switched = Estimator(solver="sgd").set_params(solver=solver)
    assert hasattr(switched, "partial_fit") == (solver != "lbfgs")


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@parametrize_estimator_class(MLP_CLASSES)
@few_iterations
def test_each_partial_fit_call_is_one_epoch_of_fit(Estimator, solver):
    X, y = _small_data(Estimator, n_samples=100)
    settings = {"hidden_layer_sizes": (6,), "solver": solver, "batch_size": 20, "random_state": 0}
    incremental = Estimator(**settings)
    for epoch in range(1, 6):
        if Estimator is ScratchMLPClassifier:
            incremental.partial_fit(X, y, classes=np.unique(y))
        else:
            incremental.partial_fit(X, y)
        assert incremental.n_iter_ == epoch
        assert len(incremental.loss_curve_) == epoch
    at_once = Estimator(max_iter=5, n_iter_no_change=100, **settings).fit(X, y)

    assert incremental.t_ == at_once.t_ == 5 * X.shape[0]
    assert _max_param_diff(incremental, at_once) == 0.0


@parametrize_estimator_class(MLP_CLASSES)
@few_iterations
def test_warm_start_continues_from_the_fitted_parameters(Estimator):
    # Plain SGD without shuffling keeps no state beyond the parameters, so
    # 3 epochs, then 3 more from where they ended, is 6 epochs.
    X, y = _small_data(Estimator, n_samples=100)
    settings = {
        "hidden_layer_sizes": (6,),
        "solver": "sgd",
        "momentum": 0.0,
        "shuffle": False,
        "batch_size": 20,
        "n_iter_no_change": 100,
        "random_state": 0,
    }
    resumed = Estimator(max_iter=3, warm_start=True, **settings).fit(X, y)
    first_part = copy.deepcopy(resumed.coefs_)
    resumed.fit(X, y)
    straight = Estimator(max_iter=6, **settings).fit(X, y)

    assert _max_param_diff(resumed, straight) == 0.0
    assert len(resumed.loss_curve_) == 6
    assert max(np.abs(a - b).max() for a, b in zip(resumed.coefs_, first_part)) > 0


@parametrize_estimator_class(MLP_CLASSES)
@few_iterations
def test_without_warm_start_fit_starts_afresh(Estimator):
    X, y = _small_data(Estimator)
    estimator = Estimator(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=20, random_state=0)
    once = pickle.loads(pickle.dumps(estimator.fit(X, y)))
    estimator.fit(X, y)
    assert _max_param_diff(once, estimator) == 0.0


@pytest.mark.parametrize("solver", SOLVERS)
@parametrize_estimator_class(MLP_CLASSES)
@few_iterations
def test_empty_hidden_layer_sizes_is_a_single_layer_like_sklearn(Estimator, solver):
    X, y = _small_data(Estimator)
    settings = {"hidden_layer_sizes": (), "solver": solver, "max_iter": 30, "random_state": 0}
    ours = Estimator(**settings).fit(X, y)
    theirs = {ScratchMLPClassifier: MLPClassifier, ScratchMLPRegressor: MLPRegressor}[Estimator]
    theirs = theirs(**settings).fit(X, y)

    assert len(ours.coefs_) == 1
    assert ours.n_layers_ == theirs.n_layers_ == 2
    assert _max_param_diff(ours, theirs) <= 1e-8


# ---- check_gradients ---------------------------------------------------------------------


def _snapshot(estimator):
    """Everything in the estimator's __dict__, deep-copied (arrays included)."""
    return copy.deepcopy(vars(estimator))


def _assert_same_state(before, after):
    assert before.keys() == after.keys()
    for key, value in before.items():
        if key.startswith("_"):
            continue
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            assert all(np.array_equal(a, b) for a, b in zip(value, after[key])), key
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, after[key])
        else:
            assert value == after[key], key


@pytest.mark.parametrize("fitted", [False, True], ids=["unfitted", "fitted"])
@parametrize_estimator_class()
@few_iterations
def test_check_gradients_agrees_and_leaves_the_estimator_unchanged(
    Estimator, fitted, record_property
):
    X, y = _small_data(Estimator, n_samples=20)
    estimator = Estimator(random_state=0)
    if fitted:
        estimator.fit(X, y)
    before = _snapshot(estimator)

    report = check_gradients(estimator, X, y)

    record_property("max_rel_error", report.max_rel_error)
    print(report)
    _assert_same_state(before, _snapshot(estimator))
    assert hasattr(estimator, "coefs_") == fitted
    assert report.max_rel_error < 1e-6
