"""One browser tab's playground: its validated state, its pipeline, and what the page shows of it.

The page sends its whole state (the controls, or the URL's fragment) as a
mapping of names to values; :meth:`PlaygroundState.from_mapping` checks every
entry against :data:`LIMITS` and the known choices and raises
:class:`StateError`, with a message meant for the page, on anything else. Nothing
the page sends is ever evaluated: it only selects among the choices below or
becomes a number inside its bounds.

A :class:`Session` then draws the data, builds the Pipeline (a feature step, a
real ``ColumnTransformer``, then one of the library's networks) and trains it
one step at a time. Everything it reports is computed by the library:
``history_`` for the curves, ``predict``/``predict_proba`` for the decision
surface, :func:`~sklearn_backprop.inspection.hidden_activations` for the
neurons' heatmaps, :func:`~sklearn_backprop.trace_backprop` for a clicked point.
:meth:`Session.code` writes the Python code that repeats the same calls.
"""

import math
import warnings
from dataclasses import asdict, dataclass, fields

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, PolynomialFeatures

from ..engine import HIDDEN_ACTIVATIONS
from ..inspection import hidden_activations
from ..neural_network import ScratchMLPClassifier, ScratchMLPRegressor
from ..trace import trace_backprop
from .data import CLASSIFICATION, DATASETS, DOMAIN, make_data

#: What the server accepts, whatever the page sends.
LIMITS = {
    "n_samples": (20, 1000),
    "hidden_layers": 6,
    "neurons": 8,
    "grid": (10, 60),
    "batch_size": (1, 1000),
    "learning_rate": (1e-5, 10.0),
    "alpha": (0.0, 10.0),
    "noise": (0.0, 0.5),
    "train_ratio": (0.1, 0.9),
    "dropout": (0.0, 0.9),
    "l1_ratio": (0.0, 1.0),
    "seed": (0, 2**31 - 1),
}

#: Side of the small grid on which every feature and hidden neuron is drawn.
HEATMAP_SIZE = 16

#: L-BFGS iterations per step: it has no epochs, and a warm start resumes from the weights.
LBFGS_ITERATIONS_PER_STEP = 5

SOLVERS = ("sgd", "adam", "lbfgs")
PENALTIES = ("none", "l2", "l1", "elasticnet")
ACTIVATIONS = tuple(HIDDEN_ACTIVATIONS)


# Each input feature is one transformer of the feature step: how it is built and how the
# code panel writes it, side by side so that the two cannot drift apart (the browser
# tests run the written code and compare its score with the page's).
def _square():
    return FunctionTransformer(np.square, feature_names_out="one-to-one")


def _sine():
    return FunctionTransformer(np.sin, feature_names_out="one-to-one")


def _product():
    return PolynomialFeatures((2, 2), interaction_only=True, include_bias=False)


_SQUARE_CODE = "FunctionTransformer(np.square, feature_names_out='one-to-one')"
_SINE_CODE = "FunctionTransformer(np.sin, feature_names_out='one-to-one')"
_PRODUCT_CODE = "PolynomialFeatures((2, 2), interaction_only=True, include_bias=False)"

#: name: (build the transformer, the same transformer as the code panel writes it, columns)
FEATURES = {
    "x1": (lambda: "passthrough", "'passthrough'", [0]),
    "x2": (lambda: "passthrough", "'passthrough'", [1]),
    "x1^2": (_square, _SQUARE_CODE, [0]),
    "x2^2": (_square, _SQUARE_CODE, [1]),
    "x1*x2": (_product, _PRODUCT_CODE, [0, 1]),
    "sin(x1)": (_sine, _SINE_CODE, [0]),
    "sin(x2)": (_sine, _SINE_CODE, [1]),
}


class StateError(ValueError):
    """A setting from the page that the playground refuses; the message is shown on the page."""


@dataclass(frozen=True)
class PlaygroundState:
    """Everything that defines a tab's experiment; the page's URL fragment holds the same."""

    dataset: str = "circle"
    noise: float = 0.1
    train_ratio: float = 0.5
    n_samples: int = 500
    seed: int = 0
    features: tuple = ("x1", "x2")
    layers: tuple = (4, 2)
    activation: str = "tanh"
    solver: str = "adam"
    learning_rate: float = 0.03
    batch_size: int = 10
    penalty: str = "none"
    alpha: float = 0.001
    l1_ratio: float = 0.5
    dropout: float = 0.0
    grid: int = 40

    @classmethod
    def from_mapping(cls, mapping):
        """Validate the page's settings; missing ones take their defaults.

        Values may be numbers or the strings of a URL; lists (``features``,
        ``layers``) may be lists or comma-separated strings.

        Raises
        ------
        StateError
            On an unknown setting or a value outside its choices or bounds.
        """
        if not isinstance(mapping, dict):
            raise StateError("The state must be a mapping of settings to values.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(key) for key in mapping if key not in known)
        if unknown:
            raise StateError(f"Unknown setting(s) {unknown}: known ones are {sorted(known)}.")
        values = asdict(cls())
        values.update(mapping)
        values["dataset"] = _choice(values, "dataset", DATASETS)
        values["activation"] = _choice(values, "activation", ACTIVATIONS)
        values["solver"] = _choice(values, "solver", SOLVERS)
        values["penalty"] = _choice(values, "penalty", PENALTIES)
        for name in ("n_samples", "seed", "grid", "batch_size"):
            values[name] = _number(values, name, int, *LIMITS[name])
        for name in ("noise", "train_ratio", "learning_rate", "alpha", "l1_ratio", "dropout"):
            values[name] = _number(values, name, float, *LIMITS[name])
        values["features"] = _features(values["features"])
        values["layers"] = _layers(values["layers"])
        if values["dropout"] and values["solver"] == "lbfgs":
            raise StateError("dropout needs the sgd or adam solver: set dropout to 0 for lbfgs.")
        return cls(**values)

    def to_mapping(self):
        """The settings as JSON-ready values (lists for ``features`` and ``layers``)."""
        values = asdict(self)
        values["features"], values["layers"] = list(self.features), list(self.layers)
        return values

    @property
    def is_classification(self):
        return self.dataset in CLASSIFICATION


def _items(value):
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise StateError(f"Expected a list or a comma-separated string, got {value!r}.")


def _choice(values, name, choices):
    value = values[name]
    if value not in choices:
        raise StateError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def _number(values, name, kind, low, high):
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise StateError(f"{name} must be a number; got {value!r}.")
    try:
        number = float(value)
    except ValueError:
        raise StateError(f"{name} must be a number; got {value!r}.") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise StateError(f"{name} must be between {low:g} and {high:g}; got {value!r}.")
    if kind is int:
        if number != int(number):
            raise StateError(f"{name} must be a whole number; got {value!r}.")
        return int(number)
    return number


def _features(value):
    names = _items(value)
    bad = [name for name in names if name not in FEATURES]
    if bad:
        raise StateError(f"Unknown feature(s) {bad}: choose among {', '.join(FEATURES)}.")
    if not names:
        raise StateError("Tick at least one input feature.")
    return tuple(name for name in FEATURES if name in names)  # the canonical order


def _layers(value):
    sizes = _items(value)
    if len(sizes) > LIMITS["hidden_layers"]:
        raise StateError(f"At most {LIMITS['hidden_layers']} hidden layers; got {len(sizes)}.")
    checked = []
    for i, size in enumerate(sizes):
        checked.append(_number({f"layer {i + 1}": size}, f"layer {i + 1}", int, 1, 8))
    return tuple(checked)


# ---- the pipeline ----------------------------------------------------------------------


def make_features(names):
    """The feature step: a ColumnTransformer with one transformer per ticked feature."""
    return ColumnTransformer([(name, FEATURES[name][0](), FEATURES[name][2]) for name in names])


def network_params(state):
    """The network's hyperparameters, as the page set them (and as the code panel writes them)."""
    params = {
        "hidden_layer_sizes": state.layers,
        "activation": state.activation,
        "solver": state.solver,
        "alpha": 0.0 if state.penalty == "none" else state.alpha,
        "penalty": "l2" if state.penalty == "none" else state.penalty,
    }
    if state.penalty == "elasticnet":
        params["l1_ratio"] = state.l1_ratio
    if state.solver == "lbfgs":
        # No epochs: each step runs a few iterations, resumed by a warm start.
        params.update(max_iter=LBFGS_ITERATIONS_PER_STEP, warm_start=True)
    else:
        n_train = _n_train(state)
        params.update(learning_rate_init=state.learning_rate)
        params.update(batch_size=min(state.batch_size, n_train), dropout=state.dropout)
    params["random_state"] = state.seed
    return params


def _n_train(state):
    # train_test_split's rounding of train_size (a float): floor.
    return math.floor(state.train_ratio * state.n_samples)


def make_pipeline(state):
    """The unfitted Pipeline the page trains: ``features`` then ``network``."""
    estimator = ScratchMLPClassifier if state.is_classification else ScratchMLPRegressor
    network = estimator(**network_params(state))
    return Pipeline([("features", make_features(state.features)), ("network", network)])


def read_history(network):
    """The network's epoch records, ``history_``: one dict per epoch or iteration."""
    return network.history_


def _rounded(array, decimals=4):
    return np.round(np.asarray(array, dtype=float), decimals).tolist()


class Session:
    """One tab's experiment: the data, the pipeline, and the steps it has been trained.

    Parameters
    ----------
    state : PlaygroundState
    """

    def __init__(self, state):
        self.state = state
        X, y = make_data(state.dataset, state.n_samples, state.noise, state.seed)
        split = train_test_split(X, y, train_size=state.train_ratio, random_state=state.seed)
        self.X_train, self.X_test, self.y_train, self.y_test = split
        self.pipeline = make_pipeline(state)
        self.features = self.pipeline.named_steps["features"].fit(self.X_train)
        self.network = self.pipeline.named_steps["network"]
        self.n_steps = 0
        self._Xt_train = self.features.transform(self.X_train)
        self._Xt_test = self.features.transform(self.X_test)
        self._grid = _grid(state.grid)
        self._heat_grid = _grid(HEATMAP_SIZE)
        self._classes = {"classes": [0, 1]} if state.is_classification else {}

    @property
    def fitted(self):
        return self.n_steps > 0

    def step(self):
        """Train one step: one epoch (one ``partial_fit``) for sgd and adam, a few
        L-BFGS iterations (one warm-started ``fit``) for lbfgs."""
        with warnings.catch_warnings():
            # Stopping after one step is the point here, not a failure to converge.
            warnings.simplefilter("ignore", ConvergenceWarning)
            if self.state.solver == "lbfgs":
                self.network.fit(
                    self._Xt_train, self.y_train, X_val=self._Xt_test, y_val=self.y_test
                )
            else:
                self.network.partial_fit(
                    self._Xt_train, self.y_train, **self._classes,
                    X_val=self._Xt_test, y_val=self.y_test,
                )  # fmt: skip
        self.n_steps += 1

    def points(self):
        """The train and test points, sent once per configuration."""
        return {
            "train": {"X": _rounded(self.X_train), "y": _rounded(self.y_train)},
            "test": {"X": _rounded(self.X_test), "y": _rounded(self.y_test)},
            "classification": self.state.is_classification,
            "domain": DOMAIN,
            "features": list(self.state.features),
            "feature_maps": _rounded(self.features.transform(self._heat_grid).T),
            "heatmap_size": HEATMAP_SIZE,
        }

    def snapshot(self):
        """What the page draws after a step: curves, scores, surface, neurons and weights."""
        history = read_history(self.network) if self.fitted else []
        snapshot = {
            "steps": self.n_steps,
            "epoch": history[-1]["epoch"] if history else 0,
            "train_loss": [record["loss"] for record in history],
            "test_loss": [record["val_loss"] for record in history],
            "train_score": None,
            "test_score": None,
            "surface": None,
            "grid": self.state.grid,
            "neurons": None,
            "coefs": None,
        }
        if not self.fitted:
            return snapshot
        snapshot["train_score"] = float(self.pipeline.score(self.X_train, self.y_train))
        snapshot["test_score"] = float(self.pipeline.score(self.X_test, self.y_test))
        snapshot["surface"] = _rounded(self._predict_surface(self._grid), 3)
        heat = self.features.transform(self._heat_grid)
        snapshot["neurons"] = [_rounded(A.T, 3) for A in hidden_activations(self.network, heat)]
        snapshot["coefs"] = [_rounded(W, 3) for W in self.network.coefs_]
        return snapshot

    def _predict_surface(self, grid):
        if self.state.is_classification:
            return self.pipeline.predict_proba(grid)[:, 1]
        return self.pipeline.predict(grid)

    def trace(self, split, index):
        """The backpropagation trace of one point, at the current weights."""
        if not self.fitted:
            raise StateError("Train the network first (play or one step), then click a point.")
        if split not in ("train", "test"):
            raise StateError(f"split must be 'train' or 'test'; got {split!r}.")
        X, y = (self.X_train, self.y_train) if split == "train" else (self.X_test, self.y_test)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(X):
            raise StateError(f"index must be a point of the {split} set (0 to {len(X) - 1}).")
        Xt = self.features.transform(X[index : index + 1])
        trace = trace_backprop(self.network, Xt, y[index : index + 1])
        return {
            "split": split,
            "index": index,
            "point": _rounded(X[index]),
            "target": float(y[index]),
            "loss": trace.data_loss,
            "objective": trace.objective,
            "text": str(trace),
        }

    def skops_bytes(self):
        """The fitted pipeline as a skops file (load it with ``SKOPS_TRUSTED_TYPES``)."""
        import skops.io  # the skops extra, a dependency of the playground's

        if not self.fitted:
            raise StateError("Train the network first (play or one step), then take it home.")
        return skops.io.dumps(self.pipeline)

    def code(self):
        """Python code that builds the same pipeline and repeats the page's training calls."""
        return write_code(self.state, self.n_steps)


def _grid(size):
    """Cell centres of a ``size`` x ``size`` grid over the square, row by row from the top."""
    centres = DOMAIN * (2 * (np.arange(size) + 0.5) / size - 1)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def write_code(state, n_steps):
    """The code panel's text: data, pipeline, the same ``n_steps`` training calls, the score.

    Every value in it is one the state validated (a choice or a bounded number),
    written with ``repr``.
    """
    estimator = "ScratchMLPClassifier" if state.is_classification else "ScratchMLPRegressor"
    params = ",\n    ".join(f"{name}={value!r}" for name, value in network_params(state).items())
    features = "\n".join(
        f"        ({name!r}, {FEATURES[name][1]}, {FEATURES[name][2]!r}),"
        for name in state.features
    )
    score = "accuracy" if state.is_classification else "R^2"
    lbfgs = state.solver == "lbfgs"
    if lbfgs:
        training = (
            f"# The page ran {n_steps} warm-started fit(s) of {LBFGS_ITERATIONS_PER_STEP} "
            "L-BFGS iterations each\n"
            "# (stopping there is on purpose: silence the convergence warning).\n"
            'warnings.simplefilter("ignore", ConvergenceWarning)\n'
            "Xt_train = features.fit_transform(X_train)\n"
            f"for step in range({n_steps}):\n"
            "    network.fit(Xt_train, y_train)\n"
        )
    else:
        classes = ", classes=[0, 1]" if state.is_classification else ""
        training = (
            f"# The page trained {n_steps} epoch(s), one partial_fit call each.\n"
            "Xt_train = features.fit_transform(X_train)\n"
            f"for epoch in range({n_steps}):\n"
            f"    network.partial_fit(Xt_train, y_train{classes})\n"
        )
    header = [
        f'"""The playground\'s experiment: {state.dataset} data, features '
        f"{', '.join(state.features)}, hidden layers {state.layers}.",
        "",
        f'Running it prints the test {score} the page showed."""',
        "",
    ]
    imports = ["import warnings", ""] if lbfgs else []
    imports += ["import numpy as np", "from sklearn.compose import ColumnTransformer"]
    imports += ["from sklearn.exceptions import ConvergenceWarning"] if lbfgs else []
    imports += [
        "from sklearn.model_selection import train_test_split",
        "from sklearn.pipeline import Pipeline",
        "from sklearn.preprocessing import FunctionTransformer, PolynomialFeatures",
        "",
        f"from sklearn_backprop import {estimator}",
        "from sklearn_backprop.playground.data import make_data",
        "",
    ]
    body = [
        f"X, y = make_data({state.dataset!r}, n_samples={state.n_samples}, "
        f"noise={state.noise!r}, seed={state.seed})",
        "X_train, X_test, y_train, y_test = train_test_split(",
        f"    X, y, train_size={state.train_ratio!r}, random_state={state.seed}",
        ")",
        "",
        "features = ColumnTransformer(",
        "    [",
        features,
        "    ]",
        ")",
        f"network = {estimator}(",
        f"    {params},",
        ")",
        'pipeline = Pipeline([("features", features), ("network", network)])',
        "",
        training,
        f'print("test {score}:", repr(pipeline.score(X_test, y_test)))',
    ]
    return "\n".join(header + imports + body) + "\n"
