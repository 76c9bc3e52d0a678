"""The twin bridge: the same model twice, once in `scratch` and once in Keras.

    model = to_keras(net)          # keras.Sequential with net's layers, activations, weights and dtype
    net = from_keras(model)        # and back
    loss = keras_loss(net, "binary_crossentropy")
    (optimizers and schedules: optimizer_bridge.py)

Weights copy across without a transpose because `scratch.Dense` stores W in Keras' kernel layout
(n_in, n_out). For results that agree to float64 rounding, the loss must compute in the model's
dtype (a float32 loss casts a float64 model's output, which drops Keras' logits shortcut) and the
optimizer's learning rate must not be rounded to float32: `keras.config.set_floatx("float64")`
before building does both (see DESIGN.md, "Keras 3 / TF 2.21 facts").
"""

from __future__ import annotations

import keras
import numpy as np

from scratch import Dense, Network, pairing

# Activations with the same name on both sides; "step" has no Keras counterpart (and no gradient).
SHARED_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "softmax")


def to_keras(net: Network, name: str | None = None) -> keras.Sequential:
    """A keras.Sequential equal to `net`: Input -> Dense(n_out, activation) per layer, same weights."""
    dtype = net.dtype.name
    layers = [keras.Input(shape=(net.n_in,), dtype=dtype)]
    for i, layer in enumerate(net.layers):
        if layer.g.name not in SHARED_ACTIVATIONS:
            raise ValueError(f"layer {i + 1} uses activation {layer.g.name!r}, which Keras does not have; "
                             f"twins can use {SHARED_ACTIVATIONS}")
        layers.append(keras.layers.Dense(layer.n_out, activation=layer.g.name, dtype=dtype,
                                         name=f"dense_{i + 1}"))
    model = keras.Sequential(layers, name=name)
    model.set_weights(net.get_weights())
    return model


def from_keras(model: keras.Model) -> Network:
    """A scratch Network equal to a Keras model made only of Dense layers (Dropout is skipped:
    it is the identity at inference). Weights and dtype are copied."""
    dense = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dropout):
            continue
        if not isinstance(layer, keras.layers.Dense):
            raise ValueError(f"from_keras handles Dense (and Dropout) layers only, found "
                             f"{type(layer).__name__} {layer.name!r}")
        dense.append(layer)
    if not dense:
        raise ValueError("the Keras model has no Dense layers")
    net_layers = []
    for layer in dense:
        W, b = (np.asarray(w) for w in layer.get_weights())
        activation = keras.activations.serialize(layer.activation)
        activation = activation if isinstance(activation, str) else activation.get("config", activation)
        scratch_layer = Dense(W.shape[0], W.shape[1], activation, dtype=W.dtype)
        scratch_layer.W[...], scratch_layer.b[...] = W, b
        net_layers.append(scratch_layer)
    return Network(net_layers)


def keras_loss(net_or_dtype, name: str, from_logits: bool = False) -> keras.losses.Loss:
    """Keras' loss object for a scratch loss name, computing in the network's dtype.

    Given a network, the pair (its output activation, this loss) must be one Keras scores as it
    predicts: a mismatched pair is a ValueError (`scratch.pairing`), never a silently different model.
    """
    if isinstance(net_or_dtype, Network):
        pairing.check(net_or_dtype.layers[-1].g, name, from_logits)
    dtype = net_or_dtype.dtype.name if isinstance(net_or_dtype, Network) else np.dtype(net_or_dtype).name
    if name in ("mse", "mean_squared_error"):
        return keras.losses.MeanSquaredError(dtype=dtype)
    if name == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy(from_logits=from_logits, dtype=dtype)
    if name == "categorical_crossentropy":
        return keras.losses.CategoricalCrossentropy(from_logits=from_logits, dtype=dtype)
    raise ValueError(f"no Keras loss for {name!r}; Keras twins use 'mse', 'binary_crossentropy' or "
                     "'categorical_crossentropy' (the tutorials' 'quadratic' is (k/2) * mse)")
