"""Property tests: hostile data never crashes and never predicts a non-finite value (promise 7).

Scope: hypothesis draws the data -- 1 to 40 samples, 1 to 6 features, feature and target scales
from 1e-3 to 1e3, constant columns, duplicated rows, string or int labels with as few as one or
two samples per class, optional sample weights with zeros -- and the settings: estimator,
solver, batch size, early stopping. ``fit`` (and ``partial_fit``) either succeed, and then every
prediction is finite (probabilities finite, in [0, 1], rows summing to 1), or raise a
``ValueError`` with a message; any other exception, or a ``RuntimeWarning``, fails the test.

Examples are derandomized (the same on every run, so CI cannot flake) and few, with tiny
``max_iter``, so that the file runs in seconds. Raise ``max_examples`` locally to search further.
"""

import warnings

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import ConvergenceWarning

from sklearn_backprop import (
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

REGRESSORS = [ScratchLinearRegression, ScratchMLPRegressor]
CLASSIFIERS = [ScratchLogisticRegression, ScratchMLPClassifier]
LABELS = {
    "ints": np.array([-1, 0, 3, 7]),
    "strings": np.array(["ham", "spam", "eggs", "bacon"]),
}


@st.composite
def features(draw, n_samples):
    """An (n_samples, n_features) float array with constant columns and duplicated rows."""
    n_features = draw(st.integers(1, 6))
    scale = 10.0 ** draw(st.floats(-3, 3))
    X = draw(
        arrays(
            np.float64,
            (n_samples, n_features),
            elements=st.floats(-1, 1, allow_nan=False, allow_subnormal=False),
        )
    )
    for column in draw(st.sets(st.integers(0, n_features - 1), max_size=n_features)):
        X[:, column] = draw(st.floats(-1, 1))
    n_duplicates = draw(st.integers(0, n_samples // 2))
    X[n_samples - n_duplicates :] = X[:n_duplicates]
    return scale * X


@st.composite
def sample_weights(draw, n_samples):
    """None, or non-negative weights that may be mostly zero (but never all zero)."""
    kind = draw(st.sampled_from(["none", "mixed", "sparse"]))
    if kind == "none":
        return None
    values = [0.0, 0.5, 1.0, 3.0] if kind == "mixed" else [0.0] * 5 + [1.0]
    weights = draw(arrays(np.float64, n_samples, elements=st.sampled_from(values)))
    if not weights.any():
        weights[draw(st.integers(0, n_samples - 1))] = 1.0
    return weights


@st.composite
def estimator_settings(draw):
    solver = draw(st.sampled_from(["lbfgs", "sgd", "adam"]))
    params = {
        "solver": solver,
        "max_iter": draw(st.integers(1, 8)),
        "random_state": draw(st.integers(0, 3)),
        "batch_size": draw(st.sampled_from(["auto", 1, 3, 16])),
    }
    if solver != "lbfgs":
        params["early_stopping"] = draw(st.booleans())
    return params


@st.composite
def regression_problems(draw):
    n_samples = draw(st.integers(1, 40))
    X = draw(features(n_samples))
    y_scale = 10.0 ** draw(st.floats(-3, 3))
    noise = draw(arrays(np.float64, n_samples, elements=st.floats(-1, 1)))
    y = y_scale * (np.sin(X.sum(axis=1)) + noise)
    if draw(st.booleans()):
        y = np.column_stack([y, -y])
    return X, y, draw(sample_weights(n_samples))


@st.composite
def classification_problems(draw):
    n_classes = draw(st.integers(2, 4))
    counts = draw(st.lists(st.integers(1, 10), min_size=n_classes, max_size=n_classes))
    labels = LABELS[draw(st.sampled_from(sorted(LABELS)))][:n_classes]
    y = np.repeat(labels, counts)
    y = y[draw(st.permutations(range(len(y))))]
    X = draw(features(len(y)))
    return X, y, draw(sample_weights(len(y)))


def value_error_of(function, *args, **kwargs):
    """The ValueError that ``function`` raised, or None if it returned."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)  # batch_size clipped
            function(*args, **kwargs)
    except ValueError as error:
        return error
    return None


def small(estimator_class, params):
    """The estimator with ``params``; an MLP with a single hidden layer of 3 units."""
    if estimator_class in (ScratchMLPRegressor, ScratchMLPClassifier):
        params = {**params, "hidden_layer_sizes": (3,)}
    return estimator_class(**params)


def fit_or_value_error(estimator, X, y, sample_weight):
    """True if ``fit`` succeeded; False if it raised a ValueError with a message."""
    error = value_error_of(estimator.fit, X, y, sample_weight=sample_weight)
    assert error is None or str(error).strip(), "a ValueError without a message"
    return error is None


def assert_finite_regression(estimator, X, y):
    prediction = estimator.predict(X)
    assert prediction.shape == y.shape
    assert np.isfinite(prediction).all()
    assert all(np.isfinite(W).all() for W in estimator.coefs_ + estimator.intercepts_)


def assert_finite_classification(estimator, X):
    assert set(estimator.predict(X)) <= set(estimator.classes_)
    proba = estimator.predict_proba(X)
    assert proba.shape == (len(X), len(estimator.classes_))
    assert np.isfinite(proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)
    assert np.isfinite(estimator.predict_log_proba(X)).all()
    assert np.isfinite(estimator.decision_function(X)).all()


# Found by hypothesis: the one weighted sample lands in the early-stopping validation part,
# so every training mini-batch weighs nothing.
ALL_WEIGHT_HELD_OUT = (
    np.linspace(-1, 1, 20)[:, np.newaxis],
    np.sin(3 * np.linspace(-1, 1, 20)),
    np.eye(20)[1],
)


@SETTINGS
@given(
    problem=regression_problems(),
    estimator_class=st.sampled_from(REGRESSORS),
    params=estimator_settings(),
)
@example(
    problem=ALL_WEIGHT_HELD_OUT,
    estimator_class=ScratchLinearRegression,
    params={"solver": "sgd", "max_iter": 2, "random_state": 0, "early_stopping": True},
)
def test_regressors_fit_hostile_data_or_raise_a_value_error(problem, estimator_class, params):
    X, y, sample_weight = problem
    estimator = small(estimator_class, params)
    if fit_or_value_error(estimator, X, y, sample_weight):
        assert_finite_regression(estimator, X, y)


@SETTINGS
@given(
    problem=classification_problems(),
    estimator_class=st.sampled_from(CLASSIFIERS),
    params=estimator_settings(),
)
def test_classifiers_fit_hostile_data_or_raise_a_value_error(problem, estimator_class, params):
    X, y, sample_weight = problem
    estimator = small(estimator_class, params)
    if fit_or_value_error(estimator, X, y, sample_weight):
        assert_finite_classification(estimator, X)


@SETTINGS
@given(
    problem=classification_problems(),
    estimator_class=st.sampled_from(CLASSIFIERS),
    solver=st.sampled_from(["sgd", "adam"]),
    n_chunks=st.integers(1, 4),
)
def test_partial_fit_on_hostile_chunks_stays_finite_or_raises_a_value_error(
    problem, estimator_class, solver, n_chunks
):
    X, y, sample_weight = problem
    estimator = estimator_class(solver=solver, random_state=0)
    classes = np.unique(y)

    def train_on_chunks():
        for rows in np.array_split(np.arange(len(y)), n_chunks):
            if len(rows):
                w = None if sample_weight is None else sample_weight[rows]
                estimator.partial_fit(X[rows], y[rows], sample_weight=w, classes=classes)

    error = value_error_of(train_on_chunks)
    if error is not None:
        assert str(error).strip(), "a ValueError without a message"
    else:
        assert_finite_classification(estimator, X)
