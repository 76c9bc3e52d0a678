"""What the graders share: the failure that carries a hint, and checks on models and arrays.

A grader calls the learner's functions and checks what they *do*: shapes and values against a
reference it computes itself, a Keras model's output layer and loss, a metric on held-out data,
the effect of a callback. Its verdict never reads the learner's source text (only an error's message does, to
name the arrays on the line that raised: shape_errors.py). When a check fails it raises
`Fail(hint)`: the hint says what went wrong and where to look, never what the answer is.
"""

from __future__ import annotations

import contextlib
import inspect

import numpy as np

# Loss names as keras.losses.get(...).__name__ or Loss.fn.__name__ spell them.
REGRESSION_LOSSES = {"mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
                     "mean_squared_logarithmic_error"}


class Fail(Exception):
    """A check failed. str(self) is the hint shown to the learner."""


def check(condition: bool, hint: str) -> None:
    """Raise Fail(hint) unless `condition` holds."""
    if not condition:
        raise Fail(hint)


def not_none(value, what: str) -> None:
    """A Fail when `what` returned None: a function that computes its result and forgets to `return` it. (As an
    array, None is nan of shape (), and the hint would be about a shape or about nan instead.)"""
    check(value is not None, f"{what} returned None: is its return statement missing?")


def as_array(value, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """`value` as a finite float64 array, of `shape` if given, or a Fail naming `what`."""
    not_none(value, what)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Fail(f"{what} returned {type(value).__name__}, not an array of numbers") from None
    if shape is not None:
        check(array.shape == shape, f"{what} returned shape {array.shape}, expected {shape}")
    check(bool(np.isfinite(array).all()), f"{what} returned non-finite values (nan or inf)")
    return array


def narrower_float(value) -> np.dtype | None:
    """The float type of `value` (an array, a tf.Tensor, a list) if it is narrower than float64 (float32,
    float16), else None."""
    try:                                            # np.asarray: a tf.Tensor's dtype is a tf.DType, without .kind
        dtype = np.asarray(value).dtype
    except (TypeError, ValueError):
        return None
    return dtype if dtype.kind == "f" and dtype.itemsize < 8 else None


def float32_hint(value, gap: float) -> str:
    """What to add to a hint about a result `gap` (relative) off its float64 reference, when float32 may be why.

    A result of a smaller float type (float32, float16) says so itself. One computed partly in float32 may
    come back as float64 (x.astype(np.float32) @ W32 + b64), off by a gap of float32's rounding, 1e-8 to 1e-5:
    the learner is asked whether a step is float32, rather than sent to look for a mistake in a right formula.
    A smaller gap is no float32 rounding (a sigmoid clipped at |z| = 20 is off by 2e-9 at z = 50).
    """
    if (dtype := narrower_float(value)) is not None:
        return f"; your result is {dtype}: keep the computation in float64, the type of the arrays it is given"
    if 1e-8 <= gap <= 1e-5:
        return ("; a gap this small is float32's rounding: if a step of yours is in float32, keep it in float64, "
                "the type of the arrays it is given")
    return ""


def one_number(value, function: str) -> float:
    """What `function` returned, as a float, or a Fail saying what it returned instead of one number. (Call the
    learner's function outside: an error raised in it is the learner's, reported with its line.)"""
    what = type(value).__name__ + (f" of shape {np.shape(value)}" if isinstance(value, np.ndarray) else "")
    if isinstance(value, str | bytes):
        raise Fail(f"{function} must return one number (a float), got {what}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Fail(f"{function} must return one number (a float), got {what}: "
                   "take the single value out of what model.predict returns") from None


def deterministic(seed: int):
    """Seed Python, NumPy and Keras and make TensorFlow's ops deterministic, for one grading. Afterwards the
    learner's Python and NumPy generators draw on as before and TensorFlow's global seed is theirs again (see
    keras_models.twins.reproducible.deterministic for what else comes back); a notebook's "Grade it" cell runs
    in the learner's kernel, and the tests in shared pytest workers."""
    from keras_models.twins.reproducible import deterministic as _deterministic  # TensorFlow loads here

    return _deterministic(seed)


# --- Keras models ------------------------------------------------------------------------------

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


def output_activation(model) -> str:
    """Name of the activation that makes the model's output ('linear', 'sigmoid', 'softmax', ...).

    The last layer that is not Dropout decides: an Activation layer, or a Dense layer's activation.
    """
    import keras

    for layer in reversed(layers_of(model)):
        if isinstance(layer, keras.layers.Dropout):
            continue
        if isinstance(layer, keras.layers.Activation | keras.layers.Dense):
            return _activation_name(layer.activation)
        return type(layer).__name__
    return "none"


def hidden_activations(model) -> set[str]:
    """The names of the activations of the Dense and Activation layers before the output ("relu", "tanh", ...)."""
    import keras

    return {_activation_name(layer.activation) for layer in layers_of(model)[:-1]
            if isinstance(layer, keras.layers.Dense | keras.layers.Activation)}


def hidden_nonlinear_layers(model) -> int:
    """How many layers before the output apply a nonlinear activation: a Dense or Activation layer with one, or
    an activation layer of its own (Dense(16) then keras.layers.ReLU(), LeakyReLU, ELU, PReLU, Softmax)."""
    import keras

    layers = [layer for layer in layers_of(model) if not isinstance(layer, keras.layers.Dropout)]
    activation_layers = (keras.layers.ReLU, keras.layers.LeakyReLU, keras.layers.ELU, keras.layers.PReLU,
                         keras.layers.Softmax)
    count = 0
    for layer in layers[:-1]:
        if isinstance(layer, keras.layers.Dense | keras.layers.Activation):
            count += _activation_name(layer.activation) not in ("linear", "none")
        else:
            count += isinstance(layer, activation_layers)
    return count


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
            raise Fail(f"Keras does not know the loss {model.loss!r}") from None
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


# --- what the learner's code hands model.fit ------------------------------------------------------------

@contextlib.contextmanager
def fit_checked(check_call):
    """While the block runs, every keras Model.fit call is first shown to check_call({argument: value}, as fit
    binds them, defaults included), which raises Fail for a call the exercise forbids: before any epoch runs,
    and naming the argument, where a wrong validation set would otherwise pass unseen (a model validated on
    the test rows still scores well on them)."""
    import keras

    fit = keras.Model.fit
    signature = inspect.signature(fit)

    def checked(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs)
        arguments.apply_defaults()
        check_call(arguments.arguments)
        return fit(self, *args, **kwargs)

    keras.Model.fit = checked
    try:
        yield
    finally:
        keras.Model.fit = fit


def same_rows(given, expected: np.ndarray, any_order: bool = False) -> bool:
    """Whether `given` holds the rows of `expected` (a column (m, 1) and a vector (m,) alike), in the same order or,
    with any_order, in any order."""
    try:
        given = np.asarray(given)
    except (TypeError, ValueError):
        return False
    if given.ndim == 0 or given.size != expected.size or len(given) != len(expected):
        return False
    given, expected = given.reshape(len(given), -1), expected.reshape(len(expected), -1)
    if any_order:
        given, expected = (rows[np.lexsort(rows.T[::-1])] if rows.shape[1] else rows for rows in (given, expected))
    return bool(np.array_equal(given, expected))


def same_pairs(x, y, X: np.ndarray, Y: np.ndarray) -> bool:
    """Whether the rows x with their targets y are the rows X with their targets Y, in any order (a tf.data.Dataset
    made with .shuffle gives them in another order at each reading)."""
    try:
        x, y = np.asarray(x), np.asarray(y)
    except (TypeError, ValueError):
        return False
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y) or len(X) != len(Y):
        return False
    both = np.hstack([x.reshape(len(x), -1), y.reshape(len(y), -1)])
    return same_rows(both, np.hstack([X.reshape(len(X), -1), Y.reshape(len(Y), -1)]), any_order=True)


def batches_read(data, limit: int, steps: int | None = None) -> tuple | None:
    """(x, y) of a tf.data.Dataset of (x, y[, sample_weight]) batches, which Keras' fit takes for its data and for
    validation_data, read into two arrays: its first `steps` batches if given (what fit reads of a repeated one
    with validation_steps), at most about `limit` rows (a repeated dataset never ends); None for anything else,
    or a dataset of other elements (nothing to compare)."""
    import tensorflow as tf

    if not isinstance(data, tf.data.Dataset):
        return None
    xs, ys, count = [], [], 0
    for element in (data.take(steps) if steps else data).as_numpy_iterator():
        if not (isinstance(element, tuple) and len(element) >= 2 and isinstance(element[0], np.ndarray)
                and element[0].ndim == 2 and isinstance(element[1], np.ndarray) and len(element[1]) == len(element[0])):
            return None
        xs.append(element[0])
        ys.append(element[1].reshape(len(element[1]), -1))
        count += len(element[0])
        if count > limit:
            break
    return (np.concatenate(xs), np.concatenate(ys)) if xs else None


def validation_rows(arguments: dict, limit: int) -> tuple:
    """(x, y) of what fit was given as validation_data (fit's `arguments`): (x, y[, sample_weight]) as a tuple or
    list, or a tf.data.Dataset of such batches (batches_read, as many as validation_steps says); (data, None) for
    what this cannot read."""
    data = arguments.get("validation_data")
    if isinstance(data, tuple | list):
        return (data[0], data[1]) if len(data) >= 2 else (data, None)
    return batches_read(data, limit, arguments.get("validation_steps")) or (data, None)


def validated_on(X_val: np.ndarray, y_val: np.ndarray, X_train: np.ndarray, loss_only: bool = False):
    """A check_call for fit_checked: fit must validate on exactly (X_val, y_val), the rows `train` was given
    for it (in any order, as arrays or a tf.data.Dataset of them) -- not the training rows, not the test rows,
    not a validation_split of the training rows -- without training on them too, and an EarlyStopping must
    watch them (early_stopping_watches_validation) and hand back its best epoch's weights
    (early_stopping_restores_best)."""
    def check_call(arguments: dict) -> None:
        early_stopping_watches_validation(arguments, loss_only)
        data = arguments.get("validation_data")
        if data is None:
            not_a_split(arguments, "X_val, y_val")
            raise Fail("fit did not validate: pass validation_data=(X_val, y_val) to model.fit")
        x, y = validation_rows(arguments, max(len(X_train), len(X_val)))
        check(not same_rows(x, X_train, any_order=True),
              "fit validated on the training rows: a model always looks good on the rows it learns from; pass "
              "validation_data=(X_val, y_val)")
        check(y is not None and same_pairs(x, y, X_val, y_val),
              "fit validated on other rows than the X_val, y_val train is given: pass validation_data=(X_val, "
              "y_val) (the test rows must stay unseen until the model is scored on them)")
        not_trained_on(arguments, X_val, len(X_train), "X_val", "X_train, y_train",
                       "their loss then scores rows the model has seen, and early stopping watches nothing new")
        early_stopping_restores_best(arguments)
    return check_call


def not_a_split(arguments: dict, validation: str) -> None:
    """fit validates on the rows set aside for it (`validation`, as the learner's code names them), not on a
    validation_split of the training rows."""
    check(arguments.get("validation_data") is not None or not arguments.get("validation_split"),
          f"fit validated on a slice of the training rows (validation_split): pass validation_data=({validation}), "
          "the rows set aside for it")


def not_trained_on(arguments: dict, X_val: np.ndarray, n_train: int, name: str, training: str, why: str) -> None:
    """fit does not also train on most of the validation rows X_val (`name` in the learner's code; `training`:
    what it should fit on; `why` it matters there). Most, not any: a data set can hold the same row twice, once
    in each split."""
    found = rows_among(X_val, arguments.get("x"), limit=n_train + len(X_val))
    check(found <= len(X_val) // 2,
          f"fit trained on the validation rows too ({found} of the {len(X_val)} rows of {name} are among the rows "
          f"it learns from): {why}; fit on {training} only")


def rows_among(rows: np.ndarray, given, limit: int) -> int:
    """How many of `rows` (m, n) are also rows of `given` -- an array, or a tf.data.Dataset of (x, y) batches, read
    up to about `limit` rows -- compared in float32 (what Keras feeds the model); 0 when `given` is neither."""
    read = batches_read(given, limit)
    given = read[0] if read is not None else given
    try:
        given = np.asarray(given, dtype=np.float32)
    except (TypeError, ValueError):
        return 0
    if given.ndim != 2 or given.shape[1] != rows.shape[1]:
        return 0
    seen = {row.tobytes() for row in given}
    return sum(row.tobytes() in seen for row in np.asarray(rows, dtype=np.float32))


def early_stopping_watches_validation(arguments: dict, loss_only: bool = False) -> None:
    """Each keras EarlyStopping among fit's callbacks (the arguments fit_checked shows) watches the validation
    rows (a val_ quantity; with loss_only, exactly "val_loss"), or a Fail."""
    import keras

    for callback in arguments.get("callbacks") or ():
        if isinstance(callback, keras.callbacks.EarlyStopping):
            monitor = callback.monitor
            check(monitor.startswith("val_"), f"EarlyStopping monitors {monitor!r}, a number of the training rows, "
                                              "which keeps improving while the model overfits: watch the validation "
                                              "rows, monitor=\"val_loss\"")
            check(not loss_only or monitor == "val_loss",
                  f"EarlyStopping monitors {monitor!r}; the exercise asks it to watch the validation loss: "
                  "monitor=\"val_loss\"")
            # mode="max" on a loss keeps the epoch whose loss was highest as its best (and stops patience epochs
            # after the first); Keras takes it without a word. "auto" infers the direction from the name.
            better = _better_direction(monitor)
            check(callback.mode in ("auto", better) or better is None,
                  f"EarlyStopping(monitor={monitor!r}, mode={callback.mode!r}) takes the {monitor}'s "
                  f"{'highest' if callback.mode == 'max' else 'lowest'} value as its best, but a "
                  f"{'lower' if better == 'min' else 'higher'} one is better: leave mode out (\"auto\") or pass "
                  f"mode={better!r}")


def _better_direction(monitor: str) -> str | None:
    """"min" for a loss or an error, "max" for accuracy-like metrics, None for a name this does not know.
    (scratch.callbacks.EarlyStopping's "auto" says "max" for "acc" and "min" for everything else, as Keras does
    for the metrics scratch has; a grader must not refuse a mode it cannot judge, hence None.)"""
    name = monitor.lower()
    if any(word in name for word in ("loss", "error", "mae", "mse")):
        return "min"
    if any(word in name for word in ("acc", "auc", "precision", "recall")):
        return "max"
    return None


def early_stopping_restores_best(arguments: dict) -> None:
    """Each keras EarlyStopping among fit's callbacks restores the weights of its best epoch, or a Fail. Without
    restore_best_weights=True the model keeps the weights of the last epoch, `patience` epochs past the best, on
    which the validation loss had already stopped improving; a target can still pass, the lesson would not."""
    import keras

    for callback in arguments.get("callbacks") or ():
        if isinstance(callback, keras.callbacks.EarlyStopping):
            check(callback.restore_best_weights,
                  f"EarlyStopping without restore_best_weights=True leaves the model with the weights of the last "
                  f"epoch, patience={callback.patience} epochs past the best one: pass restore_best_weights=True")
