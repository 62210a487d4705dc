"""``trace_backprop``: one forward and backward pass, every intermediate kept and explained.

Training runs backpropagation over reused buffers and keeps nothing but the
gradient. A trace runs the same pass on a small batch with the engine's own
pieces (``Dense.forward`` and ``backward``, the activation's ``forward`` and
``backward``, the loss's ``value_and_link`` and ``gradient``), in the same
order, and keeps a copy of each step's result, so its gradient is bit for bit
the one ``fit`` and :func:`~sklearn_backprop.check_gradients` compute. The
seven steps:

1. forward pass: every layer's pre-activation ``Z`` and activation ``A``;
2. the loss (and the L2 penalty);
3. the gradient at the output, ``dZ = (A - Y) w / sum(w)``;
4. for every layer from the last to the first, the weight and bias gradients;
5. the activation derivative and the gradient passed down to the layer below;
6. the gradient at the input, ``dX``;
7. the update one plain gradient-descent step makes, ``-learning_rate * grad``.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_scalar

from .gradient_check import objective_setup

#: The titles under which ``str(trace)`` prints each step.
STEPS = (
    "Step 1. Forward pass",
    "Step 2. Loss",
    "Step 3. Gradient at the output",
    "Step 4. Weight and bias gradients",
    "Step 5. Activation derivative and gradient passed down",
    "Step 6. Gradient at the input",
    "Step 7. Gradient-descent update",
)

#: Arrays with at most this many entries are printed in full, larger ones summarised.
FULL_PRINT_SIZE = 40

# How each function and its derivative read in the printout (derivatives in terms of A,
# as the activations compute them); names not listed print generically.
_FORMULAS = {"identity": "Z", "logistic": "1 / (1 + exp(-Z))", "tanh": "tanh(Z)"}
_FORMULAS.update({"relu": "max(Z, 0)", "softmax": "softmax(Z)", "exp": "exp(Z)"})
_DERIVATIVES = {"identity": "1", "logistic": "A * (1 - A)", "tanh": "1 - A**2", "relu": "(A > 0)"}
_FORMULAS.update({"leaky_relu": "max(Z, a Z)", "elu": "Z if Z > 0 else a (exp(Z) - 1)"})
_FORMULAS.update({"softplus": "log(1 + exp(Z))", "gelu": "Z Phi(Z)", "silu": "Z / (1 + exp(-Z))"})
_DERIVATIVES.update({"leaky_relu": "1 if Z > 0 else a", "elu": "1 if Z > 0 else A + a"})
_DERIVATIVES.update({"softplus": "1 - exp(-A)", "gelu": "Phi(Z) + Z phi(Z)"})
_DERIVATIVES.update({"silu": "s(Z) (1 + Z (1 - s(Z)))"})


@dataclass
class LayerTrace:
    """One dense layer's part of the pass: ``Z = A_in @ W + b``, ``A = f(Z)``.

    Attributes
    ----------
    index : int
        Position of the layer (0 the first).
    function : str
        Name of ``f``: the hidden activation, or the output link for the last layer.
    W : ndarray of shape (fan_in, fan_out)
    b : ndarray of shape (fan_out,) or None
        None without intercept.
    Z : ndarray of shape (n_samples, fan_out)
        Pre-activation (step 1).
    A : ndarray of shape (n_samples, fan_out)
        Activation (step 1); for the last layer, the prediction ``link(Z)``.
    dA : ndarray of shape (n_samples, fan_out) or None
        Gradient of the objective w.r.t. ``A``, passed down by the layer
        above (step 5); None for the last layer, whose ``dZ`` the loss gives.
    derivative : ndarray of shape (n_samples, fan_out) or None
        ``f'(Z)``, from ``A`` (step 5); None for the last layer.
    dZ : ndarray of shape (n_samples, fan_out)
        Gradient w.r.t. ``Z``: ``dA * f'(Z)``, or the loss's (step 3).
    dW : ndarray of shape (fan_in, fan_out)
        Gradient of the objective w.r.t. ``W``, penalty included (step 4).
    db : ndarray of shape (fan_out,) or None
        Gradient w.r.t. ``b`` (step 4).
    dA_in : ndarray of shape (n_samples, fan_in)
        ``dZ @ W.T``, the gradient passed down: the ``dA`` of the layer below,
        or for the first layer the gradient at the input (steps 5 and 6).
    W_update, b_update : ndarray or None
        ``-learning_rate * dW`` and ``-learning_rate * db`` (step 7).
    """

    index: int
    function: str
    W: np.ndarray
    b: np.ndarray
    Z: np.ndarray
    A: np.ndarray
    dA: np.ndarray = None
    derivative: np.ndarray = None
    dZ: np.ndarray = None
    dW: np.ndarray = None
    db: np.ndarray = None
    dA_in: np.ndarray = None
    W_update: np.ndarray = None
    b_update: np.ndarray = None


@dataclass
class BackpropTrace:
    """Every step of one forward and backward pass; ``print`` it to read them.

    Attributes
    ----------
    estimator_name : str
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The batch, validated, in float64.
    Y : ndarray of shape (n_samples, n_outputs)
        The targets as the network sees them (one-hot or 0/1 for classifiers).
    sample_weight : ndarray of shape (n_samples,) or None
        Including class weights.
    loss_name : str
    layers : list of LayerTrace
        From the first layer to the last.
    data_loss : float
        Weighted mean loss (step 2).
    penalty : float
        ``0.5 * alpha * sum_l ||W_l||^2 / sum(w)`` (step 2).
    alpha : float
    learning_rate : float
        Of the update (step 7).
    """

    estimator_name: str
    X: object
    Y: np.ndarray
    sample_weight: np.ndarray
    loss_name: str
    layers: list
    data_loss: float
    penalty: float
    alpha: float
    learning_rate: float

    @property
    def objective(self):
        """The objective ``fit`` minimises: ``data_loss + penalty``."""
        return self.data_loss + self.penalty

    @property
    def dZ_output(self):
        """Gradient at the output, ``(A - Y) * w / sum(w)`` (step 3)."""
        return self.layers[-1].dZ

    @property
    def dX(self):
        """Gradient of the objective w.r.t. the input, ``dZ_0 @ W_0.T`` (step 6)."""
        return self.layers[0].dA_in

    @property
    def coef_grads(self):
        """``dW`` of every layer, shaped like ``coefs_``."""
        return [layer.dW for layer in self.layers]

    @property
    def intercept_grads(self):
        """``db`` of every layer, shaped like ``intercepts_`` (None without intercept)."""
        return [layer.db for layer in self.layers]

    @property
    def gradient(self):
        """The gradient as one vector: every ``dW`` raveled, then every ``db``.

        The layout of the network's parameter vector and of
        :attr:`GradientCheckReport.backprop <sklearn_backprop.gradient_check.GradientCheckReport>`.
        """
        return _flat(self.coef_grads, self.intercept_grads)

    @property
    def update(self):
        """The gradient-descent step, ``-learning_rate * gradient``, in the same layout."""
        return _flat(
            [layer.W_update for layer in self.layers], [layer.b_update for layer in self.layers]
        )

    def __str__(self):
        return "\n".join(_walk_through(self))

    def plot(self, sample=0, ax=None):
        """Draw the network as a graph with one sample's values and the gradients.

        Nodes are units: inputs, hidden units, outputs; each shows the
        sample's activation ``a`` and the gradient ``dZ`` (``dX`` for
        inputs). Edges are weights: their width grows with ``|W|`` and their
        colour is the sign of ``dW`` (red positive: gradient descent will
        lower the weight; blue negative). With few edges, each is labelled
        with ``W`` and ``dW``. Requires matplotlib.

        Parameters
        ----------
        sample : int, default=0
            Which row of the batch the node values come from.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.

        Returns
        -------
        figure : matplotlib Figure
        """
        import matplotlib.pyplot as plt  # an extra: imported only when drawing

        return _draw(self, sample, ax, plt)


def _flat(coefs, intercepts):
    return np.concatenate([W.ravel() for W in coefs] + [b for b in intercepts if b is not None])


def trace_backprop(estimator, X, y, sample_weight=None, learning_rate=None):
    """Run one forward and backward pass on a small batch and record every step.

    The objective is the one ``fit`` minimises (mean loss + L2 penalty), at the
    estimator's current parameters if it is fitted, else at the parameters
    ``fit`` would start from, in float64; the estimator is not changed. The
    gradient is exactly the one :func:`~sklearn_backprop.check_gradients`
    compares with finite differences, and the update exactly what one step of
    ``solver="sgd"`` with ``momentum=0`` and ``batch_size=len(X)`` does.

    Parameters
    ----------
    estimator : estimator of sklearn_backprop
        Any of the four estimators, fitted or not.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The batch: a few samples, to read the printout.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : array-like of shape (n_samples,), default=None
    learning_rate : float, default=None
        Step size of the update (step 7); the estimator's
        ``learning_rate_init`` when None.

    Returns
    -------
    trace : BackpropTrace
        ``print(trace)`` walks through the seven steps with the numbers;
        ``trace.plot()`` draws them on the network.

    Notes
    -----
    The seven steps, for layers ``l = 0, ..., L - 1`` (``A_-1 = X``)::

        1. Z_l = A_l-1 @ W_l + b_l,  A_l = f(Z_l)  (A_L-1 = link(Z_L-1))
        2. J = sum_i w_i l(y_i, z_i) / sum(w) + 0.5 alpha sum_l ||W_l||^2 / sum(w)
        3. dZ_L-1 = (A_L-1 - Y) * w / sum(w)
        4. dW_l = A_l-1.T @ dZ_l + alpha W_l / sum(w),   db_l = sum_i dZ_l[i]
        5. dA_l-1 = dZ_l @ W_l.T,   dZ_l-1 = dA_l-1 * f'(Z_l-1)
        6. dX = dZ_0 @ W_0.T
        7. W_l <- W_l - learning_rate * dW_l,   b_l <- b_l - learning_rate * db_l

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_backprop import ScratchMLPClassifier, trace_backprop
    >>> X = np.array([[0.5, -1.0], [1.5, 0.5], [-1.0, 2.0]])
    >>> trace = trace_backprop(ScratchMLPClassifier((2,), random_state=0), X, [0, 1, 1])
    >>> [layer.dW.shape for layer in trace.layers]
    [(2, 2), (2, 1)]
    >>> print(trace)  # doctest: +ELLIPSIS
    Backpropagation trace of ScratchMLPClassifier: 3 samples, layers 2 -> 2 -> 1
    ...
    Step 7. Gradient-descent update ...
    """
    estimator, X, Y, w, network, loss = objective_setup(estimator, X, y, sample_weight)
    if learning_rate is None:
        learning_rate = estimator.learning_rate_init
    if isinstance(learning_rate, str) and learning_rate == "auto":
        # The linear models' safe step, as fit computes it for one full batch.
        # (the trace shows a plain gradient-descent step: sgd's preconditioner is left out)
        learning_rate = estimator._auto_learning_rate_init(X, loss, w, X.shape[0])[0]
    learning_rate = check_scalar(
        learning_rate, "learning_rate", target_type=(int, float), min_val=0,
        include_boundaries="neither",
    )  # fmt: skip
    penalty_term = estimator._penalty()
    weight_sum = X.shape[0] if w is None else float(w.sum())

    # Step 1: forward, as Network.forward, keeping every layer's Z and A.
    layers, A_in = [], X
    for i, dense in enumerate(network.layers):
        Z = dense.forward(A_in)
        last = i == network.n_layers - 1
        f = network.link if last else network.activations[i]
        layers.append(LayerTrace(i, f.name, dense.W.copy(), _copy(dense.b), Z.copy(), None))
        if not last:
            A_in = layers[-1].A = f.forward(Z)

    # Steps 2 and 3: the loss reads the raw output, then turns it into A and dZ,
    # as in value_and_gradient.
    data_loss, A = loss.value_and_link(Y, Z, w)
    layers[-1].A = A.copy()
    W_flat = network.params[: network.n_coef]
    penalty = penalty_term.value(W_flat, weight_sum)
    dZ = loss.gradient(Y, A, w, out=A)

    # Steps 4 and 5: from the last layer to the first, as Network.backward.
    ones = np.ones(X.shape[0])
    for i in range(network.n_layers - 1, -1, -1):
        dense, record = network.layers[i], layers[i]
        below = X if i == 0 else layers[i - 1].A
        record.dZ = dZ.copy()
        record.dW = np.empty_like(dense.W)
        record.db = None if dense.b is None else np.empty_like(dense.b)
        dA_in = np.empty((X.shape[0], dense.W.shape[0]))
        dense.backward(below, dZ, record.dW, record.db, ones, dA_in)
        # The penalty's differentiable part (an L1 term is the solver's: see penalties.py).
        penalty_term.add_gradient(dense.W, record.dW, weight_sum)
        record.dA_in = dA_in.copy()
        if i > 0:
            layers[i - 1].dA = dA_in.copy()
            activation = network.activations[i - 1]
            Z_below = layers[i - 1].Z if activation.needs_input else None
            layers[i - 1].derivative = activation.backward(below, np.ones_like(below), Z_below)
            dZ = activation.backward(below, dA_in, Z_below)

    # Step 7: what SGD's step adds to the parameters, -learning_rate * grad.
    for record in layers:
        record.W_update = np.multiply(record.dW, -learning_rate)
        record.b_update = None if record.db is None else np.multiply(record.db, -learning_rate)
    return BackpropTrace(
        type(estimator).__name__, X, Y, w, loss.name, layers,
        data_loss, penalty, float(estimator.alpha), float(learning_rate),
    )  # fmt: skip


def _copy(array):
    return None if array is None else array.copy()


# ---- the printout ---------------------------------------------------------------------


def _show(name, array, indent="    "):
    """``name = array`` in full if small, else its shape and range."""
    if sp.issparse(array):
        array = array.toarray()
    array = np.asarray(array)
    if array.size <= FULL_PRINT_SIZE:
        width = max((len(f"{v:.4g}") for v in array.flat), default=1)
        text = np.array2string(array, formatter={"float_kind": f"{{:>{width}.4g}}".format})
        pad = " " * (len(indent) + len(name) + 3)
        return f"{indent}{name} = " + text.replace("\n", "\n" + pad)
    return (
        f"{indent}{name}: shape {array.shape}, min {array.min():.4g}, "
        f"mean {array.mean():.4g}, max {array.max():.4g}"
    )


def _walk_through(trace):
    layers, n_layers = trace.layers, len(trace.layers)
    units = [layers[0].W.shape[0]] + [layer.W.shape[1] for layer in layers]
    penalty_term = " + alpha * W{i} / sum(w)" if trace.alpha else ""
    lines = [
        f"Backpropagation trace of {trace.estimator_name}: {trace.X.shape[0]} samples, "
        f"layers {' -> '.join(map(str, units))}",
        f"  loss {trace.loss_name}, output link {layers[-1].function}"
        + (f", hidden activation {layers[0].function}" if n_layers > 1 else "")
        + f", alpha {trace.alpha:g}, learning rate {trace.learning_rate:g}",
        "",
        f"{STEPS[0]}: Z_l = A_l-1 @ W_l + b_l, A_l = f(Z_l), from A_-1 = X",
        _show("X", trace.X, "  "),
    ]
    for layer in layers:
        i, below = layer.index, "X" if layer.index == 0 else f"A{layer.index - 1}"
        role = "output layer, link" if i == n_layers - 1 else "hidden layer, activation"
        lines.append(f"  layer {i} ({role} {layer.function})")
        lines.append(_show(f"W{i}", layer.W))
        if layer.b is not None:
            lines.append(_show(f"b{i}", layer.b))
        lines.append(
            _show(f"Z{i} = {below} @ W{i}" + (f" + b{i}" if layer.b is not None else ""), layer.Z)
        )
        formula = _FORMULAS.get(layer.function, f"{layer.function}(Z)").replace("Z", f"Z{i}")
        lines.append(_show(f"A{i} = {formula}", layer.A))
    last = n_layers - 1
    lines += [
        _show("Y (targets as the network sees them)", trace.Y, "  "),
        "",
        f"{STEPS[1]}: J = sum_i w_i l(y_i, z_i) / sum(w) + 0.5 alpha sum_l ||W_l||^2 / sum(w)",
        f"  {trace.loss_name} = {trace.data_loss:.10g}, penalty = {trace.penalty:.10g}, "
        f"J = {trace.objective:.10g}",
        "",
        f"{STEPS[2]}: dZ{last} = (A{last} - Y) * w / sum(w) (each loss with its canonical link)",
        _show(f"dZ{last}", trace.dZ_output, "  "),
        "",
        f"Backward pass, from layer {last} down to layer 0:",
    ]
    for layer in reversed(layers):
        i, below = layer.index, "X" if layer.index == 0 else f"A{layer.index - 1}"
        lines.append(f"  {STEPS[3]} of layer {i}")
        lines.append(_show(f"dW{i} = {below}.T @ dZ{i}" + penalty_term.format(i=i), layer.dW))
        if layer.db is not None:
            lines.append(_show(f"db{i} = sum_i dZ{i}[i]", layer.db))
        if i == 0:
            continue
        below_layer = layers[i - 1]
        derivative = _DERIVATIVES.get(below_layer.function, f"{below_layer.function}'(Z)")
        lines.append(f"  {STEPS[4]} to layer {i - 1}")
        lines.append(_show(f"dA{i - 1} = dZ{i} @ W{i}.T", below_layer.dA))
        lines.append(
            _show(f"f'(Z{i - 1}) = " + derivative.replace("A", f"A{i - 1}"), below_layer.derivative)
        )
        lines.append(_show(f"dZ{i - 1} = dA{i - 1} * f'(Z{i - 1})", below_layer.dZ))
    lines += [
        "",
        f"{STEPS[5]}: dX = dZ0 @ W0.T (how the objective moves with each input value)",
        _show("dX", trace.dX, "  "),
        "",
        f"{STEPS[6]} (plain gradient descent, learning rate {trace.learning_rate:g}):"
        " W_l <- W_l - learning_rate * dW_l",
    ]
    for layer in layers:
        i = layer.index
        lines.append(_show(f"update of W{i} = -learning_rate * dW{i}", layer.W_update, "  "))
        lines.append(_show(f"new W{i}", layer.W + layer.W_update, "  "))
        if layer.b is not None:
            lines.append(_show(f"update of b{i} = -learning_rate * db{i}", layer.b_update, "  "))
            lines.append(_show(f"new b{i}", layer.b + layer.b_update, "  "))
    return lines


# ---- the plot -------------------------------------------------------------------------

#: Layers wider than this are not drawn: the graph would be unreadable.
MAX_PLOT_UNITS = 12


def _draw(trace, sample, ax, plt):
    layers = trace.layers
    units = [layers[0].W.shape[0]] + [layer.W.shape[1] for layer in layers]
    if max(units) > MAX_PLOT_UNITS:
        raise ValueError(
            f"plot draws networks of at most {MAX_PLOT_UNITS} units per layer; this one has "
            f"layers {units}. Print the trace instead."
        )
    n_samples = trace.X.shape[0]
    if not -n_samples <= sample < n_samples:
        raise ValueError(f"sample={sample} is out of range for a batch of {n_samples} samples.")
    if ax is None:
        width, height = 3.2 * len(units), 1.1 * max(units) + 1.5
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    X = trace.X.toarray() if sp.issparse(trace.X) else np.asarray(trace.X)
    node_values = [X[sample]] + [layer.A[sample] for layer in layers]
    node_gradients = [trace.dX[sample]] + [layer.dZ[sample] for layer in layers]
    positions = [
        [(column, (n - 1) / 2 - row) for row in range(n)] for column, n in enumerate(units)
    ]
    label_edges = max(a * b for a, b in itertools.pairwise(units)) <= 6
    largest = max(float(np.abs(layer.W).max()) for layer in layers) or 1.0
    for layer, starts, ends in zip(layers, positions[:-1], positions[1:]):
        for (i, j), w in np.ndenumerate(layer.W):
            (x0, y0), (x1, y1) = starts[i], ends[j]
            colour = "tab:red" if layer.dW[i, j] > 0 else "tab:blue"
            ax.plot([x0, x1], [y0, y1], color=colour, alpha=0.7,
                    linewidth=0.5 + 3.5 * abs(w) / largest, zorder=1)  # fmt: skip
            if label_edges:
                ax.text(x0 + 0.35 * (x1 - x0), y0 + 0.35 * (y1 - y0),
                        f"W {w:.2f}\ndW {layer.dW[i, j]:.2g}", fontsize=7, ha="center",
                        va="center", bbox={"fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip
    names = ["input"] + [f"layer {layer.index} ({layer.function})" for layer in layers]
    for column, (nodes, values, gradients) in enumerate(
        zip(positions, node_values, node_gradients)
    ):
        gradient_name = "dX" if column == 0 else "dZ"
        for row, (x, y) in enumerate(nodes):
            ax.scatter([x], [y], s=900, color="white", edgecolor="black", zorder=2)
            ax.text(x, y, f"{values[row]:.2f}", ha="center", va="center", fontsize=8, zorder=3)
            text = f"{gradient_name} {gradients[row]:.2g}"
            if column > 0 and layers[column - 1].b is not None:
                text += f"\ndb {layers[column - 1].db[row]:.2g}"
            ax.text(x, y - 0.33, text, ha="center", va="top", fontsize=7, zorder=3)
        ax.text(column, (max(units) - 1) / 2 + 0.7, names[column], ha="center", fontsize=9)
    ax.set_title(
        f"{trace.estimator_name}: sample {sample} (node value: activation), "
        f"J = {trace.objective:.4g}; edge colour: sign of dW, width: |W|",
        fontsize=9,
    )
    ax.set_xlim(-0.5, len(units) - 0.5)
    ax.set_ylim(-(max(units) - 1) / 2 - 0.9, (max(units) - 1) / 2 + 1.0)
    ax.axis("off")
    return ax.figure
