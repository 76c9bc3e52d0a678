"""Checks on a Keras model a learner's function returns: compiled, its layers, its output, its loss, its metrics.

Each raises `Fail(hint)` (checks.py) when the model is not what the exercise asks, naming what was found:
the output's shape and activation (`require_output`), a Dropout, another noise layer or a layer that normalises or
rescales after the output, the activations of the hidden layers (one of them nonlinear:
`require_hidden_nonlinearity`), the loss and whether it takes logits (`loss_of`), an accuracy metric on a regression.
Keras is imported inside the checks that need it, so importing this module does not load TensorFlow.
"""

from __future__ import annotations

import numpy as np

from .checks import Fail, check, quoted

# Loss names as keras.losses.get(...).__name__ or Loss.fn.__name__ spell them.
REGRESSION_LOSSES = {"mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
                     "mean_squared_logarithmic_error"}


def nearest_keras_name(kind: str, name: str) -> str | None:
    """The name Keras knows for a `kind` ("activations", "losses", "optimizers", "metrics", "initializers") nearest to
    the learner's `name`, among its lower-case ones ("relu", "binary_crossentropy", "adam"); None when none is near.
    "Relu" and "Adam()" find "relu" and "adam"."""
    import difflib
    import importlib

    known = [key for key in importlib.import_module(f"keras.src.{kind}").ALL_OBJECTS_DICT if key == key.lower()]
    nearest = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    return nearest[0] if nearest else None


def require_model(obj, function: str):
    """`obj` must be a compiled keras.Model."""
    import keras

    check(isinstance(obj, keras.Model), f"{function} must return a keras model, got {type(obj).__name__}")
    check(bool(getattr(obj, "compiled", False)),
          f"{function} returned a model that is not compiled: call model.compile(optimizer=..., loss=...)")
    return obj


def layers_of(model) -> list:
    """The model's layers in order, nested models flattened, input layers left out."""
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(layers_of(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            found.append(layer)
    return found


def _activation_name(activation) -> str:
    if activation is None:
        return "linear"
    return getattr(activation, "__name__", type(activation).__name__)


def not_an_activation() -> tuple[type, ...]:
    """The layers output_activation reads through: Dropout and Keras' other noise layers (GaussianNoise,
    GaussianDropout, AlphaDropout: bridge.NOT_DROPOUT, with what each does), which change their inputs while training
    only; BatchNormalization, which recentres and rescales; ActivityRegularization, which passes its inputs on and
    adds a penalty on them to the loss; the layers that normalise or rescale each row (normalised_or_rescaled); and
    Reshape, Flatten and Identity, which keep the values. None of them is an activation; after the output each is
    judged by no_dropout_after_the_output."""
    import keras

    from keras_models.twins.bridge import NOT_DROPOUT

    return (keras.layers.Dropout, *NOT_DROPOUT, keras.layers.BatchNormalization, keras.layers.ActivityRegularization,
            *normalised_or_rescaled(), keras.layers.Reshape, keras.layers.Flatten, keras.layers.Identity)


def normalised_or_rescaled() -> tuple[type, ...]:
    """The layers that change each row of values the same way in training and predict, with no activation of their
    own: LayerNormalization and UnitNormalization, which divide a row by its own spread or length (one output divided
    by its own size is one number, or its sign, whatever the input), and Rescaling, scale * z + offset."""
    import keras

    return keras.layers.LayerNormalization, keras.layers.UnitNormalization, keras.layers.Rescaling


def output_activation(model) -> str:
    """Name of the activation that makes the model's output ('linear', 'sigmoid', 'softmax', ...).

    The last layer that is not Dropout, another noise layer, a BatchNormalization, an ActivityRegularization, a layer
    that normalises or rescales, nor one that keeps the values (not_an_activation) decides: an Activation layer, or a
    Dense layer's activation.
    """
    import keras

    read_through = not_an_activation()
    for layer in reversed(layers_of(model)):
        if isinstance(layer, read_through):
            continue
        if isinstance(layer, keras.layers.Activation | keras.layers.Dense):
            return _activation_name(layer.activation)
        return type(layer).__name__
    return "none"


def layers_that_act(model) -> list:
    """The model's layers (layers_of) that are not read through (not_an_activation), in order: the last one makes the
    output, as output_activation finds it; the others are hidden."""
    read_through = not_an_activation()
    return [layer for layer in layers_of(model) if not isinstance(layer, read_through)]


def hidden_activations(model) -> set[str]:
    """The names of the activations of the Dense and Activation layers before the output ("relu", "tanh", ...): the
    layers that act (layers_that_act) before the last one."""
    import keras

    layers = layers_that_act(model)
    return {_activation_name(layer.activation) for layer in layers[:-1]
            if isinstance(layer, keras.layers.Dense | keras.layers.Activation)}


def hidden_nonlinear_layers(model) -> int:
    """How many layers before the output apply a nonlinear activation: a Dense or Activation layer with one, or
    an activation layer of its own (Dense(16) then keras.layers.ReLU(), LeakyReLU, ELU, PReLU, Softmax)."""
    import keras

    layers = layers_that_act(model)
    activation_layers = (keras.layers.ReLU, keras.layers.LeakyReLU, keras.layers.ELU, keras.layers.PReLU,
                         keras.layers.Softmax)
    count = 0
    for layer in layers[:-1]:
        if isinstance(layer, keras.layers.Dense | keras.layers.Activation):
            count += _activation_name(layer.activation) not in ("linear", "none")
        else:
            count += isinstance(layer, activation_layers)
    return count


def require_hidden_nonlinearity(model, does: str) -> None:
    """At least one hidden layer with a nonlinear activation (hidden_nonlinear_layers); `does` says, in the task's
    words, what the model is without one ("fits one plane", "draws one straight boundary"): a stack of linear layers
    is one linear map, however many there are (ex03, ex04, ex05)."""
    check(hidden_nonlinear_layers(model) >= 1,
          f"the model has no hidden layer with a nonlinear activation, so however many layers it has it {does}: give "
          "it hidden Dense layers with activation=\"relu\"")


def loss_of(model) -> tuple[str, bool]:
    """(name, from_logits) of the loss the model was compiled with, e.g. ('binary_crossentropy', False)."""
    import keras

    loss = model.loss
    if isinstance(loss, list | tuple | dict):
        raise Fail("compile the model with one loss, not a list or dict of losses")
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except ValueError:
            nearest = nearest_keras_name("losses", model.loss)
            raise Fail(f"Keras does not know the loss {model.loss!r}" + (f': did you mean "{nearest}"?' if nearest
                                                                          else "")) from None
    function = getattr(loss, "fn", loss)
    return getattr(function, "__name__", type(loss).__name__), bool(getattr(loss, "from_logits", False))


def metric_names(config) -> list[str]:
    """The metrics in a model's compile config (model.get_compile_config()["metrics"]): "accuracy" as written, a
    metric object as its class name, a metric function (keras.metrics.binary_accuracy) as its name; lists and
    dicts of them (one per output) flattened."""
    if config is None:
        return []
    if isinstance(config, str):
        return [config]
    if isinstance(config, dict):
        if config.get("class_name") == "function":        # a serialised function: its name is the config
            return [str(config.get("config"))]
        if "class_name" in config:                        # a serialised metric object
            return [config["class_name"]]
        return [name for value in config.values() for name in metric_names(value)]
    if isinstance(config, list | tuple):
        return [name for item in config for name in metric_names(item)]
    return [type(config).__name__]


def no_accuracy_for_a_regression(model, function: str) -> None:
    """A regression model compiled without an accuracy metric. Keras accepts metrics=["accuracy"] for a price
    without a word and reports a number for it every epoch; it counts predicted classes that match the labels, and
    a price has no classes, so the number means nothing and teaches the wrong habit."""
    config = model.get_compile_config() or {}
    for name in metric_names(config.get("metrics")) + metric_names(config.get("weighted_metrics")):
        check("acc" not in name.lower(),
              f"{function} compiles a regression with the metric {name!r}: accuracy counts predicted classes that "
              "match the labels, and a price has no classes; track the error in dollars, metrics=[\"mae\"]")


def require_output(model, function: str, *, n_features: int, units: int, activation: str, why: str) -> None:
    """The model takes (None, n_features) and ends in `units` outputs made by `activation`."""
    import keras

    try:
        input_shape = tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, ValueError):
        # A model of a class of the learner's own (a call method) has no inputs however it is built: the hint to
        # give it an input shape could not be followed.
        check(isinstance(model, keras.Sequential) or type(model).__module__.startswith("keras."),
              f"{function} returned a subclassed keras.Model ({type(model).__name__}), whose layers the grader cannot "
              "follow from input to output: build the same layers with keras.Sequential or the functional API "
              f"(keras.Model(inputs, outputs)), starting from keras.Input(shape=({n_features},))")
        raise Fail(f"{function}: give the model its input shape, keras.Input(shape=({n_features},))") from None
    check(input_shape == (None, n_features),
          f"{function}: the model takes inputs of shape {input_shape}, the data has (None, {n_features})")
    output_shape = tuple(model.outputs[0].shape)
    check(output_shape == (None, units),
          f"{function}: the model's output has shape {output_shape}, expected (None, {units}): {why}")
    found = output_activation(model)
    check(found == activation, f"{function}: the output activation is {found}; {why}")


# What a Dropout after the output does while training, in the words of what the model outputs
TO_PRICES = ("while training it zeroes some predicted prices and divides the others by 1 - rate, so the loss jumps at "
             "random and the network learns to output 1 - rate times its target, which predict (Dropout off) then "
             "gives")
TO_PROBABILITIES = "while training it zeroes some probabilities and divides the others by 1 - rate (they can pass 1)"


def no_dropout_after_the_output(model, does: str = TO_PRICES) -> None:
    """No Dropout, nor another noise layer, after the model's last Dense layer (output_activation reads through
    them); `does` says what a Dropout does to the outputs. While training it zeroes some outputs at random and
    divides the others by 1 - rate: the loss jumps from batch to batch, and for a target y,
    E[(y - mask * z / (1 - rate))^2] (or its absolute value) is lowest at z = (1 - rate) * y, so a regression learns
    that, which predict, with Dropout off, then gives; a probability can pass 1 (require_binary_classifier).
    GaussianNoise, GaussianDropout and AlphaDropout (bridge.NOT_DROPOUT says what each does) are off in predict too,
    so the loss scores outputs that predict never gives. (SpatialDropout1D, 2D and 3D are Dropouts, and take
    inputs of 3 to 5 axes: after a Dense on rows of features Keras refuses to build them.) An ActivityRegularization
    with a penalty adds it on the outputs to the loss, pulling them toward 0 (with none, Keras' default, it does
    nothing and is taken); a BatchNormalization after the output activation rescales what the model outputs, by
    batch statistics while training and running averages in predict (between the output Dense and its Activation it
    normalises a logit, and is taken); a LayerNormalization, UnitNormalization or Rescaling after the output Dense
    is judged by _what_it_does_to_the_output."""
    import keras

    from keras_models.twins.bridge import NOT_DROPOUT

    layers = layers_of(model)
    dense = [index for index, layer in enumerate(layers) if isinstance(layer, keras.layers.Dense)]
    after = layers[dense[-1] + 1:] if dense else []
    check(not any(isinstance(layer, keras.layers.Dropout) for layer in after),
          f"a Dropout comes after the output layer: {does}; put Dropout after the hidden layers only")
    made = layers[dense[-1]] if dense else None       # the last Dense or Activation seen: it makes the outputs
    normalised = None                                  # the first BatchNormalization after it
    for layer in after:
        for noise, what_it_does in NOT_DROPOUT.items():
            check(not isinstance(layer, noise),
                  f"{type(layer).__name__} {layer.name!r} comes after the output layer: while training it "
                  f"{what_it_does}, so the loss scores outputs that predict (the noise off) never gives; put it after "
                  "the hidden layers only, or leave it out")
        penalties = [f"{name}={getattr(layer, name, 0)} times the outputs' {of}"
                     for name, of in (("l1", "absolute values"), ("l2", "squares")) if getattr(layer, name, 0)]
        check(not (isinstance(layer, keras.layers.ActivityRegularization) and penalties),
              f"ActivityRegularization {layer.name!r} comes after the output layer: it adds to the loss "
              f"{' and '.join(penalties)}, so the model learns outputs pulled toward 0 that no target asks for; put it "
              "after the hidden layers only, or leave it out")
        # a BatchNormalization between the output Dense and its Activation normalises a logit, which the activation
        # then maps as before; after the activation it changes what the model outputs
        if isinstance(layer, keras.layers.Activation):
            made, normalised = layer, None
        elif isinstance(layer, keras.layers.BatchNormalization):
            normalised = normalised or layer
        does_to_it = _what_it_does_to_the_output(layer, made)
        check(does_to_it is None, f"{type(layer).__name__} {layer.name!r} comes after the output layer: {does_to_it}; "
                                  "put it after the hidden layers only, or leave it out")
    if normalised is not None:
        raise Fail(f"BatchNormalization {normalised.name!r} comes after the output layer: it recentres and rescales "
                   "the outputs, by each batch's mean and spread while training and by running averages in predict, "
                   "so predict gives other outputs than the loss scored ("
                   + ("probabilities below 0 or above 1" if does == TO_PROBABILITIES else
                      "predicted prices shifted and scaled by averages that lag behind the training")
                   + "); put it after the hidden layers only, or leave it out")


def _what_it_does_to_the_output(layer, made) -> str | None:
    """What a layer of normalised_or_rescaled() after the output's Dense (`made`: the last Dense or Activation before
    it, which makes what it receives) does to the outputs, or None when it leaves them a linear map of the Dense's: a
    Rescaling(1.0) that changes nothing, any other Rescaling of a linear output or of the logit before its Activation
    (the Dense makes up for it), unless its scale is 0, and one that turns a sigmoid's p into 1 - p; after an
    activation other than a sigmoid, the activation is refused as such (require_output, require_binary_classifier).
    A normalisation of one output gives one number (LayerNormalization: its beta) or the output's sign for every
    input, before or after the activation."""
    import keras

    if isinstance(layer, keras.layers.LayerNormalization):
        return ("it normalises each row of outputs by that row's own mean and spread, and a single output normalised "
                "by itself is the same number (or its sign) whatever the input")
    if isinstance(layer, keras.layers.UnitNormalization):
        return ("it divides each row of outputs by its length, and a single output divided by its own size is 1 or -1 "
                "whatever the input")
    if not isinstance(layer, keras.layers.Rescaling):
        return None
    scale, offset = np.asarray(layer.scale, dtype=float), np.asarray(layer.offset, dtype=float)
    activation = _activation_name(made.activation)
    if not np.all(scale):
        return f"it maps each output z to {layer.scale} * z + {layer.offset}, the same number whatever the input"
    if activation != "sigmoid" or np.all(scale == 1) and np.all(offset == 0):
        return None                   # a linear map of a linear output; any other activation is refused as such
    ends = np.concatenate([np.ravel(offset), np.ravel(scale + offset)])          # where p = 0 and p = 1 go
    low, high = float(ends.min()), float(ends.max())
    if low == 0 and high == 1:
        return None                   # 1 - p: the Dense below makes up for the sign, as sigmoid(-z) = 1 - sigmoid(z)
    if low < 0 or high > 1:
        return (f"it maps each probability p to {layer.scale} * p + {layer.offset}, so the model outputs numbers "
                f"between {low} and {high}, not probabilities between 0 and 1")
    # Strictly inside (0, 1) the outputs are still probabilities, and binary cross-entropy scores them (no log of 0),
    # but no weights make them surer than the ends: a label of 1 costs at least -log(high) however clear the case,
    # and a range not centred on 0.5 moves the yes/no threshold at 0.5 too. Refused, for that.
    return (f"it maps each probability p to {layer.scale} * p + {layer.offset}, so the model outputs probabilities "
            f"between {low} and {high} only, never surer than that of a yes or a no however clear the case")


def require_binary_classifier(model, function: str, *, n_features: int, what: str) -> None:
    """The model answers one yes/no question: one sigmoid unit giving `what` ("the probability of malignant"),
    scored by binary cross-entropy on probabilities, and no Dropout after it (ex05 and ex07 alike).

    A mismatched output and loss comes first, a teaching moment: Keras compiles and fits it without a word and trains
    another model than the one it predicts with (scratch.pairing explains what it computes instead): one softmax unit
    always says 1, a categorical cross-entropy of one unit is 0 at every epoch."""
    from scratch import pairing

    no_dropout_after_the_output(model, TO_PROBABILITIES)
    name, from_logits = loss_of(model)
    output = output_activation(model)
    problem = pairing.mismatch(output, name, from_logits)
    # the line at fault: the output's activation as spelled, unless a hidden layer spells it too (its first line
    # would be that layer's); with a sigmoid output, the loss
    at_fault = (() if output in hidden_activations(model) else quoted(output)) if output != "sigmoid" \
        else _loss_spelled(model)
    check(problem is None, f"Keras compiles and fits this model without a warning, but it does not score what it "
                           f"predicts. {problem}", at_fault)
    require_output(model, function, n_features=n_features, units=1, activation="sigmoid",
                   why=f"one yes/no answer needs one unit with a sigmoid, giving {what}")
    check(name == "binary_crossentropy",
          f"the loss is {name}; a sigmoid probability of a yes/no label goes with binary cross-entropy",
          _loss_spelled(model))


def _loss_spelled(model) -> tuple[str, ...]:
    """How the learner's compile spells the model's loss, for the FAIL to find its line: a name as written
    (loss="mse"), an object's from_logits=True, or its class (keras.losses.CategoricalCrossentropy()); a loss given
    as a function or with other arguments may be found by none of them."""
    loss = model.loss
    if isinstance(loss, str):
        return quoted(loss)
    if getattr(loss, "from_logits", False):
        return ("from_logits=True",)
    return (f"{type(loss).__name__}(",) if type(loss).__module__.startswith("keras.") else ()
