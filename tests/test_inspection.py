"""Looking inside fitted networks: ``sklearn_backprop.inspection``.

``hidden_activations`` is checked against a forward pass written out in NumPy from ``coefs_``
and ``intercepts_``; ``input_gradient`` against central finite differences of the prediction
methods (step 1e-6) for every head, hidden activation and depth, and against ``coef_`` for
the linear models. ``HiddenLayerTransformer`` passes scikit-learn's estimator checks and
works in a Pipeline and in GridSearchCV.
"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from _estimators import fit_quietly
from sklearn_backprop import (
    HiddenLayerTransformer,
    ScratchLinearRegression,
    ScratchLogisticRegression,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)
from sklearn_backprop.inspection import hidden_activations, input_gradient

N_SAMPLES, N_FEATURES = 20, 3
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
DEPTHS = {"no_hidden": (), "h5": (5,), "h4x3": (4, 3)}
NUMPY_ACTIVATIONS = {
    "identity": lambda Z: Z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda Z: np.maximum(Z, 0),
}


def _data(head, seed=0):
    """``X`` and a target of the given head: ``(estimator class, extra params, y)``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    targets = {
        "squared_error": (ScratchMLPRegressor, {}, X @ [1.0, -2.0, 0.5]),
        "squared_error_2_outputs": (ScratchMLPRegressor, {}, rng.normal(size=(N_SAMPLES, 2))),
        "poisson": (ScratchMLPRegressor, {"loss": "poisson"}, rng.poisson(2.0, N_SAMPLES)),
        "binary": (ScratchMLPClassifier, {}, (X[:, 0] > 0).astype(int)),
        "multiclass": (ScratchMLPClassifier, {}, np.arange(N_SAMPLES) % 3),
        "multilabel": (ScratchMLPClassifier, {}, rng.integers(0, 2, size=(N_SAMPLES, 3))),
    }
    Estimator, params, y = targets[head]
    return X, y, Estimator, params


def _fitted_mlp(head, activation, hidden_layer_sizes, seed=0):
    X, y, Estimator, params = _data(head, seed)
    estimator = Estimator(
        hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver="lbfgs",
        max_iter=5, random_state=seed, **params,
    )  # fmt: skip
    return fit_quietly(estimator, X, y), X


def _numpy_forward(estimator, X):
    """Hidden activations by plain matrix algebra from the fitted attributes."""
    f = NUMPY_ACTIVATIONS[estimator.activation]
    hidden, A = [], X
    for W, b in zip(estimator.coefs_[:-1], estimator.intercepts_[:-1]):
        A = f(A @ W + b)
        hidden.append(A)
    return hidden


def _central_differences(function, X, eps=1e-6):
    """``d function(X)[i, ...] / d X[i, j]`` for every row at once: rows are independent."""
    columns = []
    for j in range(X.shape[1]):
        up, down = X.copy(), X.copy()
        up[:, j] += eps
        down[:, j] -= eps
        columns.append((function(up) - function(down)) / (2 * eps))
    return np.stack(columns, axis=-1)


# ---- hidden_activations ---------------------------------------------------------------


@pytest.mark.parametrize("hidden_layer_sizes", [(5,), (4, 3)], ids=["h5", "h4x3"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("head", ["squared_error", "multiclass"])
def test_hidden_activations_equal_a_numpy_forward_pass_from_coefs(
    head, activation, hidden_layer_sizes
):
    estimator, X = _fitted_mlp(head, activation, hidden_layer_sizes)
    expected = _numpy_forward(estimator, X)
    got = estimator.hidden_activations(X)
    assert len(got) == len(hidden_layer_sizes)
    for A, A_numpy in zip(got, expected):
        assert_allclose(A, A_numpy, rtol=1e-12, atol=1e-14)
    assert_allclose(estimator.hidden_activations(X, layer=-1), expected[-1], rtol=1e-12)
    assert_allclose(estimator.hidden_activations(X, layer=0), expected[0], rtol=1e-12)


def test_hidden_activations_keep_the_dtype_of_x():
    estimator, X = _fitted_mlp("binary", "tanh", (4, 3))
    assert estimator.coefs_[0].dtype == np.float64
    for A in estimator.hidden_activations(X.astype(np.float32)):
        assert A.dtype == np.float32
    X32, y = X.astype(np.float32), (X[:, 0] > 0).astype(int)
    fitted32 = fit_quietly(ScratchMLPClassifier((4,), solver="lbfgs", max_iter=5), X32, y)
    assert fitted32.hidden_activations(X32, layer=0).dtype == np.float32
    assert fitted32.hidden_activations(X, layer=0).dtype == np.float64


def test_hidden_activations_are_validated_like_predict():
    estimator, X = _fitted_mlp("binary", "relu", (4,))
    with pytest.raises(NotFittedError):
        ScratchMLPClassifier().hidden_activations(X)
    with pytest.raises(ValueError, match="features"):
        estimator.hidden_activations(X[:, :2])
    with pytest.raises(ValueError, match="out of range"):
        estimator.hidden_activations(X, layer=1)
    with pytest.raises(TypeError, match="layer must be an int"):
        estimator.hidden_activations(X, layer=0.5)


def test_network_without_hidden_layers_has_no_hidden_activations():
    estimator, X = _fitted_mlp("binary", "relu", ())
    assert estimator.hidden_activations(X) == []
    with pytest.raises(ValueError, match="0 hidden layer"):
        estimator.hidden_activations(X, layer=-1)


# ---- input_gradient ---------------------------------------------------------------------


@pytest.mark.parametrize("depth", list(DEPTHS), ids=list(DEPTHS))
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    ("head", "output"),
    [
        ("squared_error", None),
        ("squared_error_2_outputs", None),
        ("poisson", None),
        ("binary", None),
        ("binary", "proba"),
        ("multiclass", None),
        ("multiclass", "proba"),
        ("multilabel", None),
        ("multilabel", "proba"),
    ],
)
def test_input_gradient_equals_central_differences(head, output, activation, depth):
    estimator, X = _fitted_mlp(head, activation, DEPTHS[depth])
    if output == "proba":
        method = estimator.predict_proba
    else:
        method = getattr(estimator, "decision_function", estimator.predict)
    expected = _central_differences(method, X)
    got = estimator.input_gradient(X, output=output)
    assert got.shape == expected.shape
    assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_input_gradient_shape_drops_the_output_axis_for_one_output():
    binary, X = _fitted_mlp("binary", "tanh", (4,))
    assert binary.input_gradient(X).shape == (N_SAMPLES, N_FEATURES)
    assert binary.input_gradient(X, output="proba").shape == (N_SAMPLES, 2, N_FEATURES)
    multiclass, _ = _fitted_mlp("multiclass", "tanh", (4,))
    assert multiclass.input_gradient(X).shape == (N_SAMPLES, 3, N_FEATURES)


def test_binary_proba_gradients_are_opposite():
    estimator, X = _fitted_mlp("binary", "logistic", (4,))
    gradient = estimator.input_gradient(X, output="proba")
    assert_array_equal(gradient[:, 0], -gradient[:, 1])


@pytest.mark.parametrize(
    ("Estimator", "y"),
    [
        (ScratchLinearRegression, np.arange(N_SAMPLES) * 0.5),
        (ScratchLinearRegression, np.c_[np.arange(N_SAMPLES), -np.arange(N_SAMPLES)]),
        (ScratchLogisticRegression, np.arange(N_SAMPLES) % 2),
        (ScratchLogisticRegression, np.arange(N_SAMPLES) % 3),
    ],
    ids=["linear", "linear-2-targets", "logistic-binary", "logistic-multiclass"],
)
def test_input_gradient_of_linear_models_is_coef_on_every_row(Estimator, y):
    X = np.random.default_rng(0).normal(size=(N_SAMPLES, N_FEATURES))
    estimator = Estimator().fit(X, y)
    coef = estimator.coef_
    coef = coef[0] if coef.ndim == 2 and coef.shape[0] == 1 else coef  # binary: (1, n_features)
    gradient = estimator.input_gradient(X)
    assert gradient.shape == (N_SAMPLES, *coef.shape)
    assert_array_equal(gradient, np.broadcast_to(coef, gradient.shape))


def test_input_gradient_keeps_float32():
    estimator, X = _fitted_mlp("multiclass", "relu", (4,))
    assert estimator.input_gradient(X.astype(np.float32), output="proba").dtype == np.float32


def test_input_gradient_rejects_unknown_outputs():
    regressor, X = _fitted_mlp("squared_error", "tanh", (4,))
    with pytest.raises(ValueError, match="only available for classifiers"):
        regressor.input_gradient(X, output="proba")
    with pytest.raises(ValueError, match="output must be None or 'proba'"):
        input_gradient(regressor, X, output="logit")
    with pytest.raises(NotFittedError):
        ScratchLogisticRegression().input_gradient(X)


@pytest.mark.parametrize("sparse_format", [sp.csr_matrix, sp.csc_matrix], ids=["csr", "csc"])
def test_sparse_input_gives_the_dense_results(sparse_format):
    estimator, X = _fitted_mlp("multiclass", "tanh", (4, 3))
    X_sparse = sparse_format(X * (np.abs(X) > 0.5))
    dense = X_sparse.toarray()
    assert_allclose(estimator.input_gradient(X_sparse), estimator.input_gradient(dense))
    for A_sparse, A_dense in zip(
        estimator.hidden_activations(X_sparse), estimator.hidden_activations(dense)
    ):
        assert_allclose(A_sparse, A_dense, rtol=1e-12)


# ---- HiddenLayerTransformer -------------------------------------------------------------


def _small_mlp(**params):
    return ScratchMLPClassifier((6, 3), solver="lbfgs", max_iter=50, random_state=0, **params)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([HiddenLayerTransformer(_small_mlp())])
def test_hidden_layer_transformer_passes_estimator_checks(estimator, check):
    check(estimator)


def _circles():
    from sklearn.datasets import make_circles

    return make_circles(n_samples=200, noise=0.05, factor=0.5, random_state=0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_hidden_layer_transformer_feeds_a_pipeline_with_the_learnt_features():
    X, y = _circles()
    mlp = ScratchMLPClassifier((8, 2), solver="lbfgs", max_iter=300, random_state=0)
    pipe = make_pipeline(HiddenLayerTransformer(mlp), LogisticRegression()).fit(X, y)
    fitted_mlp = clone(mlp).fit(X, y)
    assert_allclose(pipe[0].transform(X), hidden_activations(fitted_mlp, X, layer=-1))
    assert pipe[0].get_feature_names_out().tolist() == ["h1_0", "h1_1"]
    assert pipe.score(X, y) > 0.9
    assert mlp.__sklearn_is_fitted__() is False  # the clone was fitted, not the original


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_hidden_layer_transformer_in_grid_search():
    X, y = _circles()
    pipe = make_pipeline(HiddenLayerTransformer(_small_mlp()), LogisticRegression())
    grid = {
        "hiddenlayertransformer__layer": [0, -1],
        "hiddenlayertransformer__estimator__alpha": [1e-4, 1e-2],
    }
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert set(search.best_params_) == set(grid)
    assert search.best_score_ > 0.7


def test_prefit_uses_the_fitted_network_as_it_is():
    X, y = _circles()
    mlp = fit_quietly(_small_mlp(), X, y)
    transformer = HiddenLayerTransformer(mlp, layer=0, prefit=True)
    assert_array_equal(transformer.transform(X), mlp.hidden_activations(X, layer=0))
    transformer.fit(X[:10], 1 - y[:10])  # copies; does not train
    assert_array_equal(transformer.estimator_.coefs_[0], mlp.coefs_[0])
    assert transformer.estimator_ is not mlp
    with pytest.raises(NotFittedError, match="prefit=True"):
        HiddenLayerTransformer(_small_mlp(), prefit=True).fit(X, y)


def test_layer_none_stacks_every_hidden_layer_with_names():
    X, y = _circles()
    transformer = fit_quietly(HiddenLayerTransformer(_small_mlp(), layer=None), X, y)
    assert transformer.transform(X).shape == (len(X), 9)
    names = transformer.get_feature_names_out()
    assert names.tolist() == [f"h0_{j}" for j in range(6)] + [f"h1_{j}" for j in range(3)]


def test_transformer_outputs_a_dataframe_with_unit_names():
    X, y = _circles()
    frame = pd.DataFrame(X, columns=["x0", "x1"])
    transformer = HiddenLayerTransformer(_small_mlp()).set_output(transform="pandas")
    out = fit_quietly(transformer, frame, y).transform(frame)
    assert list(out.columns) == ["h1_0", "h1_1", "h1_2"]
    assert transformer.feature_names_in_.tolist() == ["x0", "x1"]


def test_transformer_rejects_networks_without_hidden_layers_and_bad_layers():
    X, y = _circles()
    with pytest.raises(TypeError, match="network with hidden layers"):
        HiddenLayerTransformer(ScratchLogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="out of range"):
        fit_quietly(HiddenLayerTransformer(_small_mlp(), layer=2), X, y)
