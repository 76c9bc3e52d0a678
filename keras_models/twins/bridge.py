"""The twin bridge: the same model twice, once in `scratch` and once in Keras.

    model = to_keras(net)          # keras.Sequential with net's layers, activations, weights and dtype
    net = from_keras(model)        # and back
    loss = keras_loss(net, "binary_crossentropy")
    (optimizers and schedules: optimizer_bridge.py)

Weights copy across without a transpose because `scratch.Dense` stores W in Keras' kernel layout
(n_in, n_out). For results that agree to float64 rounding, the loss must compute in the model's
dtype (a float32 loss casts a float64 model's output, which drops Keras' logits shortcut), the
optimizer's learning rate must not be rounded to float32, and X must reach the layers unrounded:
Keras' fit, predict and evaluate cast NumPy inputs to floatx before the model sees them (its data
adapter), so under the default floatx float32 a float64 twin's `model.predict(X)` is its output on
float32(X), a rounding away from scratch's (4e-8 in tests/test_bridge.py), while calling the model,
`model(X)`, is exact. `keras.config.set_floatx("float64")` before building does all three (the
`floatx64` fixture of tests/conftest.py).

What crosses, both ways: Dense (units, activation, kernel_initializer by name, kernel_regularizer L1/L2/L1L2
with its factors) and Dropout (rate, seed), in a keras.Sequential. Anything else -- a functional or subclassed
model (its call need not chain its layers), another layer (a subclass of Dense or Dropout too, but for
masks.RecordingDropout), a bias that is off or penalised, an activity regularizer (on a Dense, a Dropout or the
Sequential itself), a constraint, a frozen Dense (trainable=False: scratch's fit trains every layer), a noise_shape,
an initialiser or regularizer scratch does not have, math in another dtype than float32 or float64 throughout
(mixed_float16, a float16 layer, float32 inputs into float64 layers), a quantized layer -- is refused with an error
that names the layer and the option, never skipped: the scratch twin would silently compute something else. Keras
trains with what the weight variables carry (variable.regularizer, .constraint, .trainable, fixed when the layer is
built), so those are read too: a kernel_regularizer set on a built layer (which Keras never applies) or a
regularizer put on a variable is refused, not copied. The two sides' Dropout layers draw their own masks
(different generators); to share them, see `keras_models.twins.masks`.
"""

from __future__ import annotations

import keras
import numpy as np

from keras_models.twins.masks import RecordingDropout
from scratch import Dense, Dropout, Network, initializers, losses, pairing, regularizers
from scratch.checks import as_float_array, float_dtype
from scratch.dropout import ONE_MASK_ENTRY_PER_UNIT

# The floatx values the twins are built for: Keras keeps data (fit, predict, evaluate) and learning rates in floatx,
# and a float16 or bfloat16 one rounds them far beyond what parity allows
TWIN_FLOATX = ("float32", "float64")

# Keras' other noise layers, which a learner may reach for as "a dropout": what each computes while training
# (all are the identity at inference; tests/test_dropout_edges.py pins it), where scratch's Dropout zeroes units.
# ex05's grader names them too.
NOT_DROPOUT = {
    keras.layers.GaussianDropout: "multiplies each unit by Gaussian noise of mean 1 and variance rate / (1 - rate)",
    keras.layers.AlphaDropout: "sets a dropped unit to SELU's negative saturation value and rescales every unit",
    keras.layers.GaussianNoise: "adds Gaussian noise to each unit",
}

# The Dropout classes a twin may hold: Keras' own, and the one that records Keras' own draw (masks.py)
TWIN_DROPOUTS = (keras.layers.Dropout, RecordingDropout)

# Activations with the same name on both sides; "step" has no Keras counterpart (and no gradient).
SHARED_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "softmax")


def to_keras(net: Network, name: str | None = None, *,
             dropout_layer: type[keras.layers.Dropout] = keras.layers.Dropout,
             model_class: type[keras.Sequential] = keras.Sequential) -> keras.Sequential:
    """A keras.Sequential equal to `net`: Input, then Dense(n_out, activation, ...) and Dropout(rate) as in
    net.layers, same weights. `dropout_layer`: the class for the Dropout layers, keras.layers.Dropout or
    masks.RecordingDropout (which records Keras' masks), the two from_keras takes back; any other is a TypeError.
    `model_class`: keras.Sequential or a subclass (data_parallel.DataParallelSequential for tf.distribute);
    under a strategy, call this inside `strategy.scope()` so the weights are created on every replica.

    The model has net's dtype, but Keras' fit, predict and evaluate round X to floatx first: for a float64 net
    under the default floatx float32 they see float32(X). For exact float64 parity call
    keras.config.set_floatx("float64") first, or call the model directly (`model(X)`)."""
    if not isinstance(net, Network):
        back = ": from_keras turns a Keras model into one" if isinstance(net, keras.Model) else ""
        raise TypeError(f"to_keras takes a scratch Network, got {type(net).__name__}{back}")
    if dropout_layer not in TWIN_DROPOUTS:
        # any other class would be built without a word, and the twin's "Dropout" would compute something else
        what = "not a Keras Dropout"
        if dropout_layer in NOT_DROPOUT:
            what = f"which {NOT_DROPOUT[dropout_layer]} instead of zeroing it"
        elif isinstance(dropout_layer, type) and issubclass(dropout_layer, keras.layers.Dropout):
            what = "a subclass of keras.layers.Dropout, whose call may compute something else"
        raise TypeError(f"to_keras' dropout_layer must be keras.layers.Dropout or masks.RecordingDropout (the Dropout "
                        f"from_keras takes back), got {getattr(dropout_layer, '__name__', repr(dropout_layer))}, "
                        f"{what}")
    dtype = net.dtype.name
    floatx = keras.config.floatx()
    if floatx not in TWIN_FLOATX:
        # Keras' fit, predict and evaluate cast float data to floatx before the model sees it (its data adapter),
        # whatever dtype keras.Input and the layers have. float32's rounding (1e-8) is the documented default
        # (above); float16's (1e-3) would stand between every scratch result and its twin's, so it is refused
        raise ValueError(f"keras.config.floatx() is {floatx!r}: Keras' fit, predict and evaluate round X to {floatx} "
                         f"before the twin's {dtype} layers see it, and the scratch Network does not; call "
                         f"keras.config.set_floatx({dtype!r}) before to_keras")
    layers = [keras.Input(shape=(net.n_in,), dtype=dtype)]
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dropout):
            # int(): Keras refuses a NumPy integer ("`seed` must be an integer. Received: seed=7")
            seed = int(layer.seed) if isinstance(layer.seed, int | np.integer) else None
            if seed is not None and seed >= 2**63:     # NumPy's seeds have no bound; TensorFlow's error names none
                raise ValueError(f"Dropout layer {i + 1} has seed {seed}, beyond the seeds Keras' Dropout takes "
                                 "(int64, below 2**63): give it a smaller seed")
            layers.append(dropout_layer(layer.rate, seed=seed, dtype=dtype,
                                        name=f"dropout_{net.dropout_layers.index(layer) + 1}"))
            continue
        if layer.g.name not in SHARED_ACTIVATIONS:
            raise ValueError(f"layer {i + 1} uses activation {layer.g.name!r}, which Keras does not have; "
                             f"twins can use {SHARED_ACTIVATIONS}")
        layers.append(keras.layers.Dense(layer.n_out, activation=layer.g.name, dtype=dtype,
                                         kernel_initializer=layer.kernel_initializer.name,
                                         kernel_regularizer=_keras_regularizer(layer.kernel_regularizer),
                                         name=f"dense_{net.dense_layers.index(layer) + 1}"))
    if not (isinstance(model_class, type) and issubclass(model_class, keras.Sequential)):
        raise TypeError(f"model_class must be keras.Sequential or a subclass of it, got {model_class!r}")
    model = model_class(layers, name=name)
    model.set_weights(net.get_weights())
    return model


def from_keras(model: keras.Model) -> Network:
    """A scratch Network equal to a keras.Sequential of Dense and Dropout layers: weights, dtype, activations,
    initialiser names, regularizers and dropout rates copied; any layer or option scratch cannot
    compute is a ValueError naming it."""
    _check_sequential(model)
    _check_dtypes(model)
    net_layers = []
    for layer in model.layers:
        if type(layer) in TWIN_DROPOUTS:                                  # RecordingDropout: Dropout's own output
            net_layers.append(_scratch_dropout(layer))
        elif type(layer) is keras.layers.Dense:
            if any(other is layer for other in model.layers[:len(net_layers)]):
                raise ValueError(f"Dense layer {layer.name!r} comes twice in the model: Keras shares its weights "
                                 "between the two places (one W, one gradient, one penalty), a scratch Network "
                                 "gives each place a Dense of its own; use two Dense layers")
            net_layers.append(_scratch_dense(layer))
        elif isinstance(layer, keras.layers.Dropout | keras.layers.Dense):
            base = "Dropout" if isinstance(layer, keras.layers.Dropout) else "Dense"
            raise ValueError(f"{type(layer).__name__} layer {layer.name!r} is a subclass of keras.layers.{base}, whose "
                             f"call may compute something else; from_keras takes keras.layers.{base} itself")
        elif type(layer) in NOT_DROPOUT:
            raise ValueError(f"from_keras handles Dense and Dropout layers only, found {type(layer).__name__} "
                             f"{layer.name!r}, which {NOT_DROPOUT[type(layer)]} instead of zeroing it: scratch's "
                             "Dropout is keras.layers.Dropout(rate); use that")
        else:
            raise ValueError(f"from_keras handles Dense and Dropout layers only, found {type(layer).__name__} "
                             f"{layer.name!r}")
    if not any(isinstance(layer, Dense) for layer in net_layers):
        raise ValueError("the Keras model has no Dense layers")
    if isinstance(net_layers[-1], Dropout):           # Keras takes it (tests/test_dropout_edges.py), Network does not
        raise ValueError(f"Dropout layer {model.layers[-1].name!r} comes after the output layer: while training it "
                         "zeroes some predictions and scales the rest by 1 / (1 - rate), so Keras' fit scores thinned "
                         "predictions; a scratch Network ends with its output Dense: remove it, or move it below the "
                         "output")
    return Network(net_layers)


def _check_dtypes(model: keras.Sequential) -> None:
    """A ValueError unless the inputs and every layer compute in one dtype, float32 or float64, as a scratch
    Network does: Keras casts the data to each layer's compute dtype, so a float16 layer (or a mixed_float16
    policy, float32 weights and float16 math) rounds it, and so do float32 inputs to float64 layers (float64
    inputs to float32 layers are rounded once, on both sides)."""
    dtype = None
    for layer in model.layers:
        policy = layer.dtype_policy
        # model.quantize("int8") leaves float32 math but stores the kernel as int8 numbers times scales
        if getattr(policy, "quantization_mode", None) is not None:
            raise ValueError(f"{type(layer).__name__} layer {layer.name!r} is quantized (dtype policy "
                             f"{policy.name!r}, model.quantize): its kernel is stored as "
                             f"{policy.quantization_mode} numbers with scales, which a scratch Network does not have; "
                             "convert the model before quantizing it")
        if policy.compute_dtype not in ("float32", "float64") or policy.compute_dtype != policy.variable_dtype:
            raise ValueError(f"{type(layer).__name__} layer {layer.name!r} has dtype policy {policy.name!r} (weights "
                             f"{policy.variable_dtype}, math in {policy.compute_dtype}); a scratch Network keeps and "
                             "computes everything in one dtype, float32 or float64")
        if dtype is not None and policy.compute_dtype != dtype:
            raise ValueError(f"{type(layer).__name__} layer {layer.name!r} computes in {policy.compute_dtype}, the "
                             f"layers before it in {dtype}; a scratch Network computes in one dtype: give every "
                             "layer the same dtype=")
        dtype = policy.compute_dtype
    inputs = model.inputs[0].dtype     # Keras casts X to it, then to the layers' dtype; scratch casts X once
    if inputs not in ("float32", "float64") or np.dtype(inputs).itemsize < np.dtype(dtype).itemsize:
        raise ValueError(f"Keras model {model.name!r} takes {inputs} inputs (keras.Input's dtype) into {dtype} layers, "
                         f"so Keras rounds X to {inputs} first and the scratch twin would not: give keras.Input "
                         f"dtype={dtype!r}")


def _check_sequential(model: keras.Model) -> None:
    """A ValueError unless `model` is a keras.Sequential that runs its layers one after the other: a functional
    model may branch or call a layer twice, and a subclassed one's call can do anything between its layers."""
    takes = "from_keras takes a keras.Sequential of Dense and Dropout layers"
    if not isinstance(model, keras.Sequential):
        raise ValueError(f"{takes}, got {type(model).__name__} {getattr(model, 'name', '')!r}: its call need not be "
                         "the chain of its layers; rebuild it as keras.Sequential([keras.Input(...), Dense, ...])")
    if type(model).call is not keras.Sequential.call:
        raise ValueError(f"{takes}, got {type(model).__name__} {model.name!r}, which overrides Sequential.call: its "
                         "call need not be the chain of its layers")
    penalty = model.activity_regularizer           # a Sequential is a layer: Keras penalises its output too
    if penalty is not None:
        raise ValueError(f"Keras model {model.name!r} has activity_regularizer {_described(penalty)}, "
                         "a penalty on its output that Keras adds to the loss; a scratch Network has none: remove it "
                         "(model.activity_regularizer = None)")
    if not model.layers:
        raise ValueError("the Keras model has no Dense layers")
    if not model.built:
        raise ValueError(f"Keras model {model.name!r} is not built, so its Dense layers have no weights yet to copy: "
                         "start it with keras.Input(shape=(n_in,)), or call model.build((None, n_in)) first")
    if len(model.input_shape) != 2:
        raise ValueError(f"Keras model {model.name!r} takes inputs of shape {model.input_shape}; a scratch Network "
                         "takes a batch of rows (m, n_in), and its Dense has no further axis to map over")


def _scratch_dropout(layer: keras.layers.Dropout) -> Dropout:
    if layer.activity_regularizer is not None:      # any Keras layer takes one: a penalty on its output
        raise ValueError(f"Dropout layer {layer.name!r} uses activity_regularizer, a penalty on its output that "
                         "Keras adds to the loss; scratch's Dropout has none")
    if layer.noise_shape is not None:
        raise ValueError(f"Dropout layer {layer.name!r} has noise_shape={layer.noise_shape}: scratch's Dropout does "
                         f"not support it; {ONE_MASK_ENTRY_PER_UNIT}")
    if isinstance(layer.rate, bool) or not isinstance(layer.rate, int | float):
        # TensorFlow's dropout computes the scale 1 / (1 - rate) in the rate's own type: a float32 rate gives a
        # float32 scale even for float64 layers, up to 2e-7 (relative, at rate 0.9) from the Python float scratch's uses
        raise ValueError(f"Dropout layer {layer.name!r} has rate {layer.rate!r} of type {type(layer.rate).__name__}: "
                         "Keras computes the scale 1 / (1 - rate) in that type, scratch's Dropout in Python floats; "
                         "give the rate as a Python float, Dropout(float(rate))")
    if not 0 <= layer.rate < 1:
        # Keras takes rate=1 (tests/test_dropout_edges.py): no 1 / (1 - rate), every unit zeroed while training
        raise ValueError(f"Dropout layer {layer.name!r} has rate={layer.rate}: Keras zeroes every unit of it while "
                         "training, so the layers after it learn from zeros; scratch's Dropout takes a rate in "
                         "[0, 1): give a rate below 1, e.g. Dropout(0.5)")
    return Dropout(float(layer.rate), seed=layer.seed)


def _scratch_dense(layer: keras.layers.Dense) -> Dense:
    # Keras trains with what its weight variables carry (variable.regularizer, .constraint, .trainable), set
    # from the layer's options when it was built: an option set on the layer afterwards, or on a variable
    # itself, changes what Keras computes only through the variable, so both are read.
    lora = getattr(layer, "lora_enabled", False)                       # then layer.kernel is a sum, no variable
    kernel, bias = None if lora else layer.kernel, layer.bias          # bias: None with use_bias=False
    variables = [v for v in (kernel, bias) if v is not None]
    refused = {"use_bias=False": not layer.use_bias,
               "bias_regularizer": layer.bias_regularizer is not None or _carries(bias, "regularizer"),
               "activity_regularizer": layer.activity_regularizer is not None,
               "kernel_constraint": layer.kernel_constraint is not None or _carries(kernel, "constraint"),
               "bias_constraint": layer.bias_constraint is not None or _carries(bias, "constraint"),
               "LoRA": lora,
               "trainable=False (a frozen layer: scratch's fit trains every layer)": not layer.trainable,
               "a frozen weight (variable.trainable=False: scratch's fit trains every weight)":
                   layer.trainable and not all(v.trainable for v in variables),
               "bias_initializer other than zeros": not isinstance(layer.bias_initializer, keras.initializers.Zeros)}
    wrong = [option for option, present in refused.items() if present]
    if wrong:
        raise ValueError(f"Dense layer {layer.name!r} uses {', '.join(wrong)}, which scratch's Dense does not have")
    # finite weights only, as Network.set_weights takes them: a diverged model's NaN would cross without a word
    W, b = layer.get_weights()
    W = as_float_array(W, f"Dense layer {layer.name!r} kernel")                # (n_in, n_out)
    b = as_float_array(b, f"Dense layer {layer.name!r} bias")                  # (n_out,)
    dense = Dense(W.shape[0], W.shape[1], _activation_name(layer), dtype=W.dtype,
                  kernel_initializer=_initializer_name(layer), kernel_regularizer=_scratch_regularizer(layer))
    dense.W[...], dense.b[...] = W, b
    return dense


def _carries(variable: keras.Variable | None, option: str) -> bool:
    """True if a weight variable carries a regularizer or constraint (what Keras trains with)."""
    return getattr(variable, option, None) is not None


def _activation_name(layer: keras.layers.Dense) -> str:
    """The name of the layer's activation if it is Keras' own function of one of SHARED_ACTIVATIONS.

    By identity, not by name: Keras serializes any function by its __name__, so a function of one's own called
    relu reads as 'relu', and tf.nn.sigmoid as 'sigmoid' although its output lacks the logits that Keras'
    cross-entropy takes from keras.activations.sigmoid's (its loss is clipped, not fused)."""
    f = layer.activation
    name = next((name for name in SHARED_ACTIVATIONS if f is keras.activations.get(name)), None)
    if name is not None:
        return name
    what = f"{getattr(f, '__module__', None)}.{getattr(f, '__qualname__', type(f).__name__)}"
    raise ValueError(f"Dense layer {layer.name!r} has activation {what}, which is not one of Keras' own "
                     f"{SHARED_ACTIVATIONS} (keras.activations.get(name)), the activations twins can use")


def _initializer_name(layer: keras.layers.Dense) -> str:
    """The scratch name of the layer's kernel initializer: the variance-scaling triple, or zeros."""
    init = layer.kernel_initializer
    if isinstance(init, keras.initializers.Zeros):
        return "zeros"
    if isinstance(init, keras.initializers.VarianceScaling):
        triple = (float(init.scale), init.mode, init.distribution)
        name = next((n for n, t in initializers.INITIALIZERS.items() if t == triple), None)
        if name is not None:
            return name
    raise ValueError(f"Dense layer {layer.name!r} has kernel_initializer {type(init).__name__}"
                     f"{keras.initializers.serialize(init)['config']}, which scratch does not have; it has "
                     f"{list(initializers.NAMES)}")


def _scratch_regularizer(layer: keras.layers.Dense) -> regularizers.L1L2 | None:
    """The scratch twin of the penalty Keras adds for the kernel: the kernel variable's regularizer, which is
    the layer's kernel_regularizer unless that was set (or the variable's changed) after the layer was built."""
    reg, option = layer.kernel.regularizer, layer.kernel_regularizer
    if reg is not option:
        raise ValueError(f"Dense layer {layer.name!r} has kernel_regularizer {_described(option)}, but Keras "
                         f"penalises its kernel with {_described(reg)}, the kernel variable's regularizer (set when "
                         "the layer was built): give kernel_regularizer= when making the layer, or rebuild the model "
                         "from its config")
    if reg is None:
        return None
    kinds = {keras.regularizers.L1: regularizers.L1, keras.regularizers.L2: regularizers.L2,
             keras.regularizers.L1L2: regularizers.L1L2}
    if type(reg) not in kinds:
        raise ValueError(f"Dense layer {layer.name!r} has kernel_regularizer {type(reg).__name__}, which scratch "
                         "does not have; it has L1, L2 and L1L2")
    return kinds[type(reg)](**{k: float(v) for k, v in reg.get_config().items()})


def _described(reg: keras.regularizers.Regularizer | None) -> str:
    """A Keras regularizer as its class and config, L2({'l2': 0.01}), for an error message."""
    return "None" if reg is None else f"{type(reg).__name__}({getattr(reg, 'get_config', dict)()})"


def _keras_regularizer(reg: regularizers.L1L2 | None) -> keras.regularizers.Regularizer | None:
    if reg is None:
        return None
    return getattr(keras.regularizers, type(reg).__name__)(**reg.get_config())


def keras_loss(net_or_dtype, name: str, from_logits: bool = False) -> keras.losses.Loss:
    """Keras' loss object for a scratch loss name, computing in the network's dtype.

    Given a network, the pair (its output activation, this loss) must be one Keras scores as it
    predicts: a mismatched pair is a ValueError (`scratch.pairing`), never a silently different model.
    """
    if isinstance(net_or_dtype, Network):
        pairing.check(net_or_dtype.layers[-1].g, name, from_logits)
    # float32 or float64, as a network's: an int32 loss casts the predictions to ints (0.5 -> 0) without a word
    dtype = (net_or_dtype.dtype if isinstance(net_or_dtype, Network)
             else float_dtype(net_or_dtype, "keras_loss's dtype")).name
    if name in ("mse", "mean_squared_error"):
        if from_logits:     # Keras' MeanSquaredError has no from_logits (a TypeError): say why, as scratch does
            raise ValueError(losses.no_logits_form("mse"))
        return keras.losses.MeanSquaredError(dtype=dtype)
    if name == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy(from_logits=from_logits, dtype=dtype)
    if name == "categorical_crossentropy":
        return keras.losses.CategoricalCrossentropy(from_logits=from_logits, dtype=dtype)
    raise ValueError(f"no Keras loss for {name!r}; Keras twins use 'mse', 'binary_crossentropy' or "
                     "'categorical_crossentropy' (the tutorials' 'quadratic' is (k/2) * mse)")
