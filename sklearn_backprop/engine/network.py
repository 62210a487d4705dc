"""Dense layers and the network that stacks them: forward and backward passes.

All weights and biases of a network live in one flat vector, ``Network.params``,
laid out ``[W_0, ..., W_L-1, b_0, ..., b_L-1]``; each layer's ``W`` and ``b`` are
views into it. Three things get simpler for it: L-BFGS sees exactly the vector
it optimises (no packing per call), an optimizer updates every parameter with a
handful of vector operations however many layers there are, and the L2 penalty
(weights only, not biases) is one dot product over the leading block.

The gradient uses the same layout: a :class:`Workspace` holds a flat gradient
vector with per-layer views, plus the per-layer activation and delta buffers
for one batch size, so a training loop allocates nothing per batch.
"""

import numpy as np


def _matmul(X, W, out):
    """``out = X @ W`` for a dense or sparse ``X``, written into ``out``."""
    if isinstance(X, np.ndarray):  # checked first: the common case, and cheap
        return np.matmul(X, W, out=out)
    out[...] = X @ W
    return out


class Dense:
    """A fully connected layer: ``Z = X @ W + b``.

    Parameters
    ----------
    W : ndarray of shape (fan_in, fan_out)
        Weights, a view into the network's flat parameter vector.
    b : ndarray of shape (fan_out,) or None
        Bias (a view as well), or None for a layer without intercept.

    Notes
    -----
    forward:   Z = X @ W + b
    backward:  dW = X.T @ dZ,   db = sum_i dZ[i],   dX = dZ @ W.T
    """

    def __init__(self, W, b=None):
        self.W = W
        self.b = b

    def forward(self, X, out=None):
        """Pre-activation ``Z`` of the batch ``X`` (into ``out`` if given)."""
        if out is None:
            Z = X @ self.W
            Z = np.asarray(Z)
        else:
            Z = _matmul(X, self.W, out)
        if self.b is not None:
            Z += self.b
        return Z

    def backward(self, X, dZ, dW, db, ones, dX=None):
        """Fill ``dW`` and ``db`` from the input ``X`` and ``dZ``; ``dX`` if asked.

        ``ones`` is a vector of ones, one per row of ``dZ``: the bias gradient
        (column sums) is computed as ``ones @ dZ``, a BLAS matrix-vector
        product, several times faster than numpy's reduction when ``dZ`` is narrow.
        """
        if not isinstance(X, np.ndarray):  # sparse
            dW[...] = X.T @ dZ
        elif dZ.shape[1] < 16 and dZ.shape[0] >= 4096:
            # Many rows, few outputs (a linear model's full batch): OpenBLAS is
            # ~1.7x faster at dZ.T @ X than at X.T @ dZ for such shapes.
            dW[...] = (dZ.T @ X).T
        else:
            np.matmul(X.T, dZ, out=dW)
        if db is not None:
            np.matmul(ones, dZ, out=db)
        if dX is not None:
            np.matmul(dZ, self.W.T, out=dX)
        return dX


class Network:
    """A stack of dense layers with hidden activations and an output link.

    Zero hidden layers is a valid network: with an identity link it is linear
    regression, with a logistic link logistic regression. Hidden layers only
    add expressive power through a non-linear ``activation``; with the
    identity, ``X @ W0 @ W1 = X @ (W0 @ W1)`` and the stack is linear again.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, *hidden_layer_sizes, n_outputs)``.
    activation : Activation or sequence of Activation
        Hidden-layer activation (see ``activations.py``): one for every hidden
        layer, or one per hidden layer.
    link : object with ``forward``
        Output link, taken from the loss.
    fit_intercept : bool, default=True
        Whether layers have a bias.
    dtype : {np.float64, np.float32}, default=np.float64
        Dtype of every parameter and buffer.
    dropout : sequence of float, default=None
        Per hidden layer, the probability of dropping a unit while training
        (inverted dropout, see :meth:`Workspace.draw_dropout_masks`); None
        means no dropout.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        Every weight then every bias, flat.
    coefs, intercepts : list of ndarray
        Per-layer views into ``params`` (``intercepts`` holds None entries
        when ``fit_intercept=False``).
    n_coef : int
        Length of the leading block of ``params`` that holds weights.
    activations : list of Activation
        The activation of each hidden layer.
    """

    def __init__(
        self, layer_units, activation, link, fit_intercept=True, dtype=np.float64, dropout=None
    ):
        self.layer_units = tuple(int(u) for u in layer_units)
        self.activation = activation
        self.activations = _per_layer(activation, len(self.layer_units) - 2)
        n_hidden = len(self.activations)
        self.dropout = tuple(float(p) for p in dropout) if dropout else (0.0,) * n_hidden
        self.link = link
        self.fit_intercept = fit_intercept
        self.dtype = np.dtype(dtype)
        fan = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        self.n_coef = sum(i * o for i, o in fan)
        n_bias = sum(o for _, o in fan) if fit_intercept else 0
        self.params = np.zeros(self.n_coef + n_bias, dtype=self.dtype)
        self.coefs, self.intercepts = self.unflatten(self.params)
        self.layers = [Dense(W, b) for W, b in zip(self.coefs, self.intercepts)]

    def __reduce__(self):
        # Pickle the configuration and the flat vector; unpickling rebuilds the
        # per-layer views (pickling views directly would turn them into copies).
        args = (
            self.layer_units, self.activation, self.link, self.fit_intercept, self.dtype,
            self.dropout,
        )  # fmt: skip
        return (_rebuild_network, (args, self.params))

    @classmethod
    def from_arrays(cls, coefs, intercepts, activation, link):
        """A network over existing per-layer arrays, for prediction only.

        No flat ``params`` vector is built (and nothing is copied), so it is
        cheap enough to create at every ``predict`` call.
        """
        network = cls.__new__(cls)
        network.layer_units = (coefs[0].shape[0], *(W.shape[1] for W in coefs))
        network.activation, network.link = activation, link
        network.activations = _per_layer(activation, len(coefs) - 1)
        network.layers = [Dense(W, b) for W, b in zip(coefs, intercepts)]
        network.params = None
        return network

    @property
    def n_layers(self):
        """Number of dense layers (hidden layers + 1)."""
        return len(self.layer_units) - 1

    def unflatten(self, flat):
        """Per-layer views ``(coefs, intercepts)`` of a vector laid out like ``params``."""
        coefs, intercepts, start = [], [], 0
        for fan_in, fan_out in zip(self.layer_units[:-1], self.layer_units[1:]):
            end = start + fan_in * fan_out
            coefs.append(flat[start:end].reshape(fan_in, fan_out))
            start = end
        for fan_out in self.layer_units[1:]:
            if not self.fit_intercept:
                intercepts.append(None)
                continue
            intercepts.append(flat[start : start + fan_out])
            start += fan_out
        return coefs, intercepts

    def set_params(self, coefs, intercepts):
        """Copy per-layer arrays into ``params`` (e.g. a user's ``coefs_``)."""
        for W, new in zip(self.coefs, coefs):
            W[...] = new
        for b, new in zip(self.intercepts, intercepts):
            if b is not None:
                b[...] = new

    def initialize(self, rng):
        """Glorot-uniform initialisation, drawn as scikit-learn's MLP draws it.

        For each layer in turn, ``W`` then ``b`` are drawn uniformly from
        ``[-bound, bound]`` with ``bound = sqrt(factor / (fan_in + fan_out))``,
        ``factor = 2`` for a logistic hidden activation and 6 otherwise. The
        same ``rng`` (a ``numpy.random.RandomState`` or ``Generator``) with the
        same seed gives scikit-learn's MLP starting point. With one activation
        per hidden layer, a layer takes the factor of the activation after it
        (the output layer that of the last hidden layer), which for a single
        activation is scikit-learn's rule.
        """
        for (fan_in, fan_out), W, b, factor in zip(
            zip(self.layer_units[:-1], self.layer_units[1:]),
            self.coefs,
            self.intercepts,
            self._glorot_factors(),
        ):
            bound = np.sqrt(factor / (fan_in + fan_out))
            W[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
            b_init = rng.uniform(-bound, bound, fan_out)
            if b is not None:
                b[...] = b_init
        return self

    def _glorot_factors(self):
        following = self.activations + self.activations[-1:] or [self.activation]
        return [getattr(activation, "glorot_factor", 6.0) for activation in following]

    def forward(self, X, workspace=None):
        """Raw output ``Z`` of the last layer (before the link).

        With a ``workspace``, every layer writes into its buffer there and the
        hidden activations stay in place for :meth:`backward`; without one,
        fresh arrays are allocated (prediction). The dropout masks of the
        workspace, if drawn, multiply the hidden activations.
        """
        n = X.shape[0]
        A = X
        for i, layer in enumerate(self.layers):
            out = None if workspace is None else workspace.outputs[i][:n]
            Z = layer.forward(A, out=out)
            if i < self.n_layers - 1:
                A = self._activate(i, Z, workspace)
        return Z

    def _activate(self, i, Z, workspace):
        """Hidden layer ``i``'s activation of ``Z``, in ``Z``'s buffer (then dropout)."""
        activation = self.activations[i]
        if workspace is not None and activation.needs_input:
            np.copyto(workspace.inputs[i][: len(Z)], Z)  # forward overwrites Z
        A = activation.forward(Z)
        if A is not Z:  # a user's forward may return a new array
            Z[...] = A
            A = Z
        mask = None if workspace is None else workspace.masks[i]
        if mask is not None:
            # The derivative needs the activation before dropout: keep it.
            np.copyto(workspace.kept[i][: len(Z)], A)
            A *= mask
        return A

    def forward_in_chunks(self, X, chunk_rows=4096):
        """:meth:`forward` on blocks of rows, for prediction on many samples.

        With hidden layers, a block's hidden activations stay in the CPU cache
        between one layer's product and the next, instead of making a round
        trip to memory through an array as large as the data.
        """
        n_samples = X.shape[0]
        if self.n_layers == 1 or n_samples <= chunk_rows:
            return self.forward(X)
        Z = None
        for start in range(0, n_samples, chunk_rows):
            Z_block = self.forward(X[start : start + chunk_rows])
            if Z is None:
                Z = np.empty((n_samples, Z_block.shape[1]), dtype=Z_block.dtype)
            Z[start : start + len(Z_block)] = Z_block
        return Z

    def predict(self, X):
        """Prediction ``A = link(Z)`` for new data."""
        return self.link.forward(self.forward_in_chunks(X))

    def forward_layers(self, X):
        """Every layer's pre-activation and activation, each kept in its own array.

        For looking inside the network (hidden features, input gradients,
        traces); training uses :meth:`forward`, which overwrites ``Z`` with ``A``.

        Returns
        -------
        pre_activations : list of ndarray
            ``Z_l = A_l-1 @ W_l + b_l`` for every layer (``A_-1 = X``).
        activations : list of ndarray
            ``A_l = f(Z_l)`` for the hidden layers, ``link(Z_l)`` for the last.
        """
        pre_activations, activations, A = [], [], X
        for i, layer in enumerate(self.layers):
            Z = layer.forward(A)
            f = self.activations[i] if i < self.n_layers - 1 else self.link
            A = f.forward(Z.copy())
            pre_activations.append(Z)
            activations.append(A)
        return pre_activations, activations

    def backward_to_input(self, dZ, hidden_activations, hidden_pre_activations=None):
        """Backpropagate ``dZ`` (w.r.t. the raw output) down to the input: ``dX``.

        :meth:`backward` carried one layer further, without the parameter
        gradients. Each row of ``dX`` depends on its own row of ``dZ`` only, so
        seeding ``dZ`` with a one-hot column gives, per sample, the gradient of
        that output w.r.t. the sample's features.

        Parameters
        ----------
        dZ : ndarray of shape (n_samples, n_outputs)
            Not modified.
        hidden_activations : list of ndarray
            ``A_l`` of every hidden layer for the same samples (from
            :meth:`forward_layers`).
        hidden_pre_activations : list of ndarray, default=None
            ``Z_l`` of every hidden layer; needed only by activations whose
            derivative reads ``Z`` (``needs_input``: gelu, silu, a user's).

        Returns
        -------
        dX : ndarray of shape (n_samples, n_features)

        Notes
        -----
        For layer l, from the last down to the first::

            dA_l-1 = dZ_l @ W_l.T,   dZ_l-1 = dA_l-1 * f'(Z_l-1)   (via f's backward)

        and ``dX = dA_-1``, the gradient passed down by the first layer.
        """
        for i in range(self.n_layers - 1, -1, -1):
            dA_in = dZ @ self.layers[i].W.T
            if i == 0:
                return dA_in
            activation = self.activations[i - 1]
            Z = hidden_pre_activations[i - 1] if activation.needs_input else None
            dZ = activation.backward(hidden_activations[i - 1], dA_in, Z)

    def backward(self, X, dZ, workspace):
        """Backpropagate ``dZ`` (gradient w.r.t. the raw output) to every parameter.

        Fills ``workspace.grad`` (same layout as ``params``) and returns it.
        Must follow a :meth:`forward` of the same ``X`` with the same workspace.

        Notes
        -----
        For layer l, from the last down to the first::

            dW_l = A_l-1.T @ dZ_l,   db_l = sum_i dZ_l[i]
            dA_l-1 = dZ_l @ W_l.T,   dZ_l-1 = dA_l-1 * f'(Z_l-1)   (via f's backward)

        with ``A_-1 = X``. The input gradient ``dX`` of the first layer is never needed.
        With a dropout mask ``M`` (``A_l-1`` is then ``f(Z_l-1) * M``), ``dA_l-1`` is
        multiplied by ``M`` before f's backward, which sees the activation before dropout.
        """
        n = X.shape[0]
        for i in range(self.n_layers - 1, -1, -1):
            A_in = X if i == 0 else workspace.outputs[i - 1][:n]
            dA_in = None if i == 0 else workspace.deltas[i - 1][:n]
            self.layers[i].backward(
                A_in,
                dZ,
                workspace.grad_coefs[i],
                workspace.grad_intercepts[i],
                workspace.ones[:n],
                dA_in,
            )
            if i > 0:
                dZ = self._activation_backward(i - 1, A_in, dA_in, workspace)
        return workspace.grad

    def _activation_backward(self, i, A, dA, workspace):
        n = len(A)
        mask = workspace.masks[i]
        if mask is not None:
            dA *= mask
            A = workspace.kept[i][:n]
        activation = self.activations[i]
        Z = workspace.inputs[i][:n] if activation.needs_input else None
        return activation.backward(A, dA, Z)


def _per_layer(activation, n_hidden):
    if isinstance(activation, (list, tuple)):
        if len(activation) != n_hidden:
            raise ValueError(f"{len(activation)} activations given for {n_hidden} hidden layer(s).")
        return list(activation)
    return [activation] * n_hidden


def _rebuild_network(args, params):
    network = Network(*args)
    network.params[...] = params
    return network


class Workspace:
    """Reusable buffers for forward and backward passes on up to ``n_rows`` samples.

    Parameters
    ----------
    network : Network
    n_rows : int
        Largest batch the buffers must hold; smaller batches use leading rows.

    Attributes
    ----------
    outputs : list of ndarray
        Per layer, ``(n_rows, units)``: hidden activations, then the raw output.
    deltas : list of ndarray
        Per hidden layer, ``(n_rows, units)``: the backpropagated gradient.
    inputs : list of ndarray or None
        Per hidden layer whose activation ``needs_input``, a copy of ``Z``.
    masks : list of ndarray or None
        Per hidden layer, the dropout mask of the current batch, or None (no
        dropout): see :meth:`draw_dropout_masks`.
    kept : list of ndarray or None
        Per hidden layer with dropout, the activations before the mask.
    grad : ndarray of shape (n_params,)
        Gradient of the objective, laid out like ``network.params``.
    grad_coefs, grad_intercepts : list of ndarray
        Per-layer views into ``grad``.
    ones : ndarray of shape (n_rows,)
        For bias gradients as matrix-vector products.
    """

    def __init__(self, network, n_rows):
        dtype = network.dtype
        self.n_rows = n_rows
        self.outputs = [np.empty((n_rows, u), dtype=dtype) for u in network.layer_units[1:]]
        hidden_units = network.layer_units[1:-1]
        self.deltas = [np.empty((n_rows, u), dtype=dtype) for u in hidden_units]
        self.inputs = [
            np.empty((n_rows, u), dtype=dtype) if activation.needs_input else None
            for u, activation in zip(hidden_units, network.activations)
        ]
        self.dropout = network.dropout
        self.masks = [None] * len(hidden_units)
        self.kept = [
            np.empty((n_rows, u), dtype=dtype) if rate else None
            for u, rate in zip(hidden_units, self.dropout)
        ]
        self.grad = np.zeros_like(network.params)
        self.grad_coefs, self.grad_intercepts = network.unflatten(self.grad)
        self.ones = np.ones(n_rows, dtype=dtype)

    def draw_dropout_masks(self, rng, n_rows):
        """New inverted-dropout masks for the next batch of ``n_rows``; none without dropout.

        Each hidden unit of each sample is kept with probability ``1 - p``
        and then scaled by ``1 / (1 - p)``, so that its expected value is the
        activation without dropout and nothing changes at prediction time.
        Layers without dropout draw nothing from ``rng``, so a network without
        dropout trains exactly as if this method did not exist.

        Notes
        -----
        M[i, j] = (u[i, j] >= p) / (1 - p),   u ~ Uniform[0, 1)  (drawn from ``rng``)
        """
        for i, (rate, kept) in enumerate(zip(self.dropout, self.kept)):
            if rate:
                keep = rng.random((n_rows, kept.shape[1])) >= rate
                self.masks[i] = keep.astype(kept.dtype) * kept.dtype.type(1 / (1 - rate))
