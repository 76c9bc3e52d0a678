"""A feed-forward network of Dense layers, and backpropagation's four equations.

In the tutorials' column-vector notation, for a cost C and layers l = 2..L (their layer 1 is the
input, a^1 = x):

    BP1  delta^L = grad_a C (*) g'(z^L)                  error at the output layer
    BP2  delta^l = ((w^{l+1})^T delta^{l+1}) (*) g'(z^l)  error moved one layer back
    BP3  dC/db^l = delta^l
    BP4  dC/dw^l = delta^l (a^{l-1})^T

With a batch stored row by row (a_prev @ W, see `scratch.layers`) the same equations read

    BP1  delta_L = g_L.backward(z_L, dC/da_L)                         (m, n_L)
    BP2  delta_l = g_l.backward(z_l, delta_{l+1} @ W_{l+1}.T)           (m, n_l)
    BP3  grad_b_l = delta_l.sum(axis=0)                                 (n_l,)
    BP4  grad_W_l = a_{l-1}.T @ delta_l                                 (n_{l-1}, n_l)

where C is the mean over the batch, so delta already carries the 1/m, and the sums in BP3/BP4
add up the batch's examples. Here the input is a_0 = X and the Dense layers count from 1 (W_1, b_1 are
the first kernel and bias, as Keras' get_weights lists them), so the tutorials' w^l is W_{l-1}.T here:
renumbered, and transposed (the row layout of `scratch.layers`).
`backward` replaces the (*) g'(z) product, so softmax (whose Jacobian is not diagonal) goes through
the same code.

Dropout and weight penalties (`scratch.dropout`, `scratch.regularizers`) add one equation each:

    BPd  grad_a_prev = (grad_a * mask) * scale     through a Dropout layer, training only: dC/da, not a
                                                   delta (Dropout has no z), on its way to the next BP2
    BPr  grad_W_l += dR_l/dW_l                     a kernel_regularizer's penalty R_l, whose value joins
                                                   the loss: C_total = C + sum_l R_l(W_l)

Dropout acts only with training=True (as `fit` trains), with masks each layer draws or `masks=`: one
boolean keep-array (m, n) per Dropout layer, in order -- how a test or `make train` replays Keras' draws.

One exception, the same one Keras makes: a sigmoid output with binary cross-entropy, or a softmax
output with categorical cross-entropy, is computed from the logits z_L. Its BP1 collapses to
delta_L = (a_L - y) / m (divided by k too for binary cross-entropy's mean over k outputs), as accurate
as a_L itself where the chain dC/da * g'(z) would lose everything (0/0 once a_L rounds to 0 or 1); a
sigmoid's a_L - 1 is taken as -sigmoid(-z), which stays -e^-z where a_L has rounded to exactly 1
(z >= 37.6376 in float64, z >= 17.0082 in float32).
Every other cross-entropy pairing (a sigmoid output with categorical cross-entropy, a softmax with
binary, a linear/ReLU/tanh output with a cross-entropy on probabilities) is refused with a ValueError:
Keras would silently score a different model than it predicts with (see `scratch.pairing`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scratch import losses as losses_module
from scratch import pairing
from scratch.activations import Sigmoid, Softmax
from scratch.checks import UNDERFLOW_IS_ROUNDING, as_float_array, flag, float_dtype
from scratch.dropout import Dropout, check_masks
from scratch.layers import Dense
from scratch.losses import BinaryCrossentropy, CategoricalCrossentropy, Loss


class Network:
    """Dense layers (Dropout between them): a_0 = X, a_l = g_l(a_{l-1} @ W_l + b_l), output a_L.

    Shapes: X (m, n_0) -> output (m, n_L). Weights are listed as Keras lists them: [W_1, b_1, W_2, b_2,
    ...] (Dropout has none), so `get_weights`/`set_weights` trade with `keras.Model` directly.
    """

    def __init__(self, layers: Sequence[Dense | Dropout]):
        layers = _as_list(layers, "Network takes a list of layers such as [Dense(...), ...]")
        if not layers:
            raise ValueError("Network needs at least one layer")
        wrong = next((i for i, layer in enumerate(layers) if not isinstance(layer, Dense | Dropout)), None)
        if wrong is not None:
            raise TypeError(f"layer {wrong} must be a Dense or a Dropout, got {type(layers[wrong]).__name__}")
        twice = next(((first, i) for i, layer in enumerate(layers) for first in range(i) if layers[first] is layer),
                     None)
        if twice is not None:
            # each layer keeps its own z, a_prev (and Dropout its mask) for the backward pass: a second use
            # would overwrite the first's, and BP2-BP4 would mix the two places
            raise ValueError(f"layers {twice[0]} and {twice[1]} are the same {type(layers[twice[1]]).__name__} object: "
                             "each place in a network needs a layer of its own (create another one)")
        if not isinstance(layers[-1], Dense):
            raise ValueError(f"the last layer must be a Dense (the output layer), got {layers[-1]!r}: put Dropout "
                             "between Dense layers")
        dense = [layer for layer in layers if isinstance(layer, Dense)]
        for below, above in zip(dense, dense[1:], strict=False):
            if below.n_out != above.n_in:
                raise ValueError(f"layer {layers.index(below)} outputs {below.n_out} units but layer "
                                 f"{layers.index(above)} expects {above.n_in} inputs")
        dtypes = sorted({layer.dtype.name for layer in dense})
        if len(dtypes) > 1:
            raise TypeError(f"all layers must share one dtype, got {dtypes}: pass the same dtype= to each "
                            "Dense, or convert the network with net.astype(...)")
        self.layers, self.dense_layers = layers, dense
        self.dropout_layers = [layer for layer in layers if isinstance(layer, Dropout)]
        # the width n of each Dropout's input: the units of the Dense below it (or X's features)
        self.dropout_widths = [next((below.n_out for below in reversed(layers[:i]) if isinstance(below, Dense)),
                                    dense[0].n_in) for i, layer in enumerate(layers) if isinstance(layer, Dropout)]

    # -- sizes and weights --------------------------------------------------------------------
    @property
    def n_in(self) -> int:
        return self.dense_layers[0].n_in

    @property
    def n_out(self) -> int:
        return self.dense_layers[-1].n_out

    @property
    def dtype(self) -> np.dtype:
        return self.dense_layers[0].dtype

    @property
    def deltas(self) -> list[np.ndarray]:
        """delta_l = dC/dz_l of each Dense layer from the last backward pass (None before one)."""
        return [layer.delta for layer in self.dense_layers]

    def get_weights(self) -> list[np.ndarray]:
        """[W_1, b_1, W_2, b_2, ...] as copies, the order of keras' Model.get_weights()."""
        return [w.copy() for layer in self.dense_layers for w in (layer.W, layer.b)]

    def params(self) -> list[np.ndarray]:
        """The live weight arrays (not copies), for an optimizer to update in place."""
        return [w for layer in self.dense_layers for w in (layer.W, layer.b)]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Copy [W_1, b_1, ...] into the layers (cast to the layers' dtype), checking count and shapes."""
        weights = _as_list(weights, "set_weights takes a list of arrays [W_1, b_1, ...]")
        expected = [w.shape for w in self.params()]
        if len(weights) != len(expected):
            raise ValueError(f"set_weights got {len(weights)} arrays, the network has {len(expected)} "
                             f"(W and b for each of {len(self.dense_layers)} Dense layers)")
        arrays = [as_float_array(w, f"weights[{i}]", p.dtype) for i, (w, p) in enumerate(zip(weights, self.params(),
                                                                                             strict=True))]
        for i, (w, shape) in enumerate(zip(arrays, expected, strict=True)):
            if w.shape != shape:
                raise ValueError(f"weights[{i}] has shape {w.shape}, expected {shape}")
        for param, w in zip(self.params(), arrays, strict=True):
            param[...] = w                                      # in place: optimizers keep their references

    def astype(self, dtype) -> Network:
        """Convert every layer's weights to `dtype` (float32 for speed, float64 for parity)."""
        dtype = float_dtype(dtype, "astype's dtype")
        for layer in self.dense_layers:
            layer.W = layer.W.astype(dtype)
            layer.b = layer.b.astype(dtype)
        return self

    # -- forward and backward -------------------------------------------------------------------
    def check_inputs(self, X, name: str = "X") -> np.ndarray:
        """X as a finite array of shape (m, n_in), m >= 1, in the network's dtype (as Keras casts its inputs
        to the layers' dtype), or an error naming what is wrong."""
        X = as_float_array(X, name, self.dtype)
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D (examples, features), got shape {X.shape}")
        if X.shape[0] == 0:
            raise ValueError(f"{name} is an empty batch (0 rows)")
        if X.shape[1] != self.n_in:
            raise ValueError(f"{name} has {X.shape[1]} features, the network expects {self.n_in}")
        return X

    @UNDERFLOW_IS_ROUNDING
    def forward(self, X, training: bool = False, masks: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """a_L for a batch X (m, n_in) -> (m, n_out). training=True applies Dropout: with `masks` (one
        boolean keep-array (m, n) per Dropout layer, in order) or with masks each layer draws."""
        X = self.check_inputs(X)
        training = flag("training", training)
        return self._forward(X, training, check_masks(masks, self.dropout_widths, len(X), training))

    def predict(self, X) -> np.ndarray:
        """a_L for a batch X at inference (Dropout is the identity), as keras' Model.predict."""
        return self.forward(X)

    def _forward(self, X: np.ndarray, training: bool = False, masks: Sequence[np.ndarray] | None = None
                 ) -> np.ndarray:
        """`forward` without the checks, for X and masks already checked."""
        a = X
        masks = iter(masks or ())
        for layer in self.layers:
            if isinstance(layer, Dropout):
                a = layer.forward(a, training, next(masks, None))   # (m, n_l)  the same n_l, thinned
            else:
                a = layer.forward(a)                                # (m, n_l)
        return a

    @UNDERFLOW_IS_ROUNDING
    def loss(self, X, y, loss: str | Loss) -> float:
        """The loss at inference on (X, y), penalties included (as keras' evaluate), fused as in backprop."""
        loss = self.check_loss(loss)
        a_L = self.forward(X)
        y, _ = loss._check(y, a_L)                              # y as an array shaped like a_L, valid targets
        return self._output_loss(y, loss)

    def check_loss(self, loss: str | Loss) -> Loss:
        """The Loss for `loss`, if it suits the output activation (`scratch.pairing`), else a ValueError."""
        loss = losses_module.get(loss)
        pairing.check(self.layers[-1].g, loss)
        return loss

    def _output_loss(self, y: np.ndarray, loss: Loss) -> float:
        """C_total = C + sum_l R_l(W_l) of the last forward pass, for targets y already checked against its output."""
        output = self.layers[-1]
        if self._fused(loss):
            C = loss.__class__(from_logits=True)._forward(y, output.z)
        else:
            C = loss._forward(y, output.a)
        penalties = [layer.penalty() for layer in self.dense_layers]     # R_l(W_l), 0 without a regularizer
        return float(C + sum(penalties))                        # C_total = C + sum_l R_l(W_l)

    @UNDERFLOW_IS_ROUNDING
    def loss_and_gradients(self, X, y, loss: str | Loss, training: bool = False,
                           masks: Sequence[np.ndarray] | None = None) -> tuple[float, list[np.ndarray]]:
        """Forward pass (training, masks as in `forward`), then BP1-BP4, BPd, BPr: (C_total, [grad_W_1, ...])."""
        loss = self.check_loss(loss)
        a_L = self.forward(X, training, masks)                  # checks X and the masks
        y, _ = loss._check(y, a_L)                              # checks y against a_L: shape, dtype, labels
        return self._backprop(y, loss)

    def _loss_and_gradients(self, X: np.ndarray, y: np.ndarray, loss: Loss, training: bool = False,
                            masks: Sequence[np.ndarray] | None = None) -> tuple[float, list[np.ndarray]]:
        """`loss_and_gradients` for X (m, n_in) and y (m, n_out) already checked and in the network's
        dtype (masks too). `fit` checks the whole training set once, then calls this for every batch: the
        checks (finite values, shapes, valid labels) would otherwise cost more than the small batches' math."""
        self._forward(X, training, masks)
        return self._backprop(y, loss)

    def _backprop(self, y: np.ndarray, loss: Loss) -> tuple[float, list[np.ndarray]]:
        """BP1-BP4 after a forward pass, for targets y already checked against its output."""
        value = self._output_loss(y, loss)
        output = self.layers[-1]

        # No layer needs dC/dX, the gradient with respect to the inputs: the first Dense layer skips that
        # product (grad_input=False), as TensorFlow's graph does, and Dropout layers below it are not visited.
        # i and first, last are positions in self.layers (Dropout included), not the equations' l and L.
        first, last = self.layers.index(self.dense_layers[0]), len(self.layers) - 1
        if self._fused(loss):
            # BP1, fused: the loss is computed from the logits z_L, and dC/dz_L comes straight from it.
            # (a_L - y)/m needs a_L = g(z_L), which the forward pass kept: no second sigmoid/softmax.
            delta_L = loss.logits_gradient(y, output.z, output.a)                # (m, n_L)
            grad_a = output.backward_from_delta(delta_L, grad_input=last > first)
        else:
            grad_a = output.backward(loss._backward(y, output.a), grad_input=last > first)    # BP1 (BP3, BP4)
        for i in reversed(range(first, last)):
            layer = self.layers[i]
            if isinstance(layer, Dropout):
                grad_a = layer.backward(grad_a)                                  # BPd
            else:
                grad_a = layer.backward(grad_a, grad_input=i > first)            # BP2 (then BP3, BP4, BPr)

        grads = [g for layer in self.dense_layers for g in (layer.grad_W, layer.grad_b)]
        return value, grads

    def _fused(self, loss: Loss) -> bool:
        """True where Keras would compute the cross-entropy from the output's logits."""
        if loss.from_logits:
            return False
        g = self.layers[-1].g
        return (isinstance(g, Sigmoid) and isinstance(loss, BinaryCrossentropy)) or (
            isinstance(g, Softmax) and isinstance(loss, CategoricalCrossentropy))

    # -- training ---------------------------------------------------------------------------------
    def fit(self, X, y, **kwargs):
        """Mini-batch training with an optimizer; see `scratch.training.fit` for the arguments."""
        from scratch.training import fit  # training.py builds on this module, so import it late

        return fit(self, X, y, **kwargs)

    def __repr__(self) -> str:
        inner = ",\n    ".join(repr(layer) for layer in self.layers)
        return f"Network([\n    {inner},\n])"


def _as_list(items: object, what: str) -> list:
    """`items` as a list, or a TypeError saying `what` was expected (list(5) would say only "'int' object is not
    iterable"). Any iterable is taken, a generator too; a string is one name, not a list of them."""
    if isinstance(items, str | bytes):
        raise TypeError(f"{what}, got {type(items).__name__} {items!r}")
    try:
        iterator = iter(items)
    except TypeError:
        raise TypeError(f"{what}, got {type(items).__name__} {items!r}") from None
    return list(iterator)             # outside the try: an error raised while reading a generator is its own
