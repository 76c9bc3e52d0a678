"""What the graders share: the failure that carries a hint, and checks on what a learner's function returned.

A grader calls the learner's functions and checks what they *do*: shapes and values against a
reference it computes itself, a Keras model's output layer and loss, a metric on held-out data,
the effect of a callback. Its verdict never reads the learner's source text (only an error's message does, to
name the arrays on the line that raised: shape_errors.py). When a check fails it raises
`Fail(hint)`: the hint says what went wrong and where to look, never what the answer is.

Here: `Fail` and `check`, and the checks on returned values -- an array of the right shape, finite, in
float64 (`as_array`, `float32_hint`), one number, not None, the History that model.fit returns (`history_of`; with
its validation loss: `validated_history`) -- the prices a column of predictions broadcasts to (`price_pairs`,
`column_broadcast`), and `deterministic`, to seed a grading.
The checks on a Keras model (its layers, output, loss, metrics) are model_checks.py's; those on what the
learner's code hands model.fit (which rows it validates on, its EarlyStopping) are fit_checks.py's, which reads
that data as rows with fit_data.py.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import elementwise


class Fail(Exception):
    """A check failed. str(self) is the hint shown to the learner.

    `spelled`: texts of the learner's source at fault (the quoted name '"softmax"', "from_logits=True"): the FAIL
    ends with the first line of the learner's file whose code spells one (not a comment, nor a docstring quoting it),
    as a name Keras does not know is told its line (judging.spelled_on). A hint, never the verdict: the check itself
    reads what the code built, not its text."""

    def __init__(self, hint: str, spelled: tuple[str, ...] = ()):
        super().__init__(hint)
        self.spelled = spelled


def check(condition: bool, hint: str, spelled: tuple[str, ...] = ()) -> None:
    """Raise Fail(hint, spelled) unless `condition` holds."""
    if not condition:
        raise Fail(hint, spelled)


def quoted(name: str) -> tuple[str, ...]:
    """How a learner's code spells the string `name`: "softmax" or 'softmax' (for Fail's `spelled`)."""
    return f'"{name}"', f"'{name}'"


def not_none(value, what: str) -> None:
    """A Fail when `what` returned None: a function that computes its result and forgets to `return` it. (As an
    array, None is nan of shape (), and the hint would be about a shape or about nan instead.)"""
    check(value is not None, f"{what} returned None: is its return statement missing?")


def as_array(value, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """`value` as a finite float64 array, of `shape` if given, or a Fail naming `what`."""
    not_none(value, what)
    try:
        value = elementwise(value, what)        # a masked array: np.asarray would read what lies under the mask
    except ValueError as error:
        raise Fail(str(error)) from None
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


def price_pairs(price: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """What price - predicted gives when the m predictions come as a column (m, 1), as model.predict returns them:
    NumPy broadcasts the m prices (m,) against it to every price minus every prediction (m, m), not m differences."""
    return price[None, :] - predicted[:, None]                                      # (m, m)


def column_broadcast(column: str, m: int, of_prices: bool = False) -> str:
    """The words for it, when a learner's number is the one price_pairs gives: `column` returned the predictions as
    the column; of_prices, `column` is the prices as a column (m, 1) and the predictions were flat (m,), the same
    pairs the other way round (their mean square and mean absolute value are the same)."""
    if of_prices:
        return f"{column} is a column ({m}, 1), and a column minus the predictions ({m},) are ({m}, {m}) pairs"
    return f"{column} returns a column ({m}, 1), and the prices ({m},) minus a column are ({m}, {m}) pairs"


def history_of(history, function: str) -> dict:
    """What `function` returned, model.fit's History, as its record {"loss": [...], ...}, or a Fail. A returned
    model is named: it has a .history too (the History of its last fit, not a dict), and a hint about that would
    not say which object the learner handed back."""
    import keras

    check(not isinstance(history, keras.Model),
          f"{function} returned the model, not the History that model.fit returns: return model.fit(...)")
    record = getattr(history, "history", None)                      # History.history: {"loss": [...], ...}
    check(isinstance(record, dict), f"{function} must return the History that model.fit returns")
    return record


def validated_history(history, function: str) -> dict:
    """history_of(history, function), which must hold the training loss and the validation loss: fit given
    validation_data logs "val_loss" beside "loss", or a Fail saying to pass it."""
    logged = history_of(history, function)
    check("loss" in logged, f"{function} must return the History that model.fit returns")
    check("val_loss" in logged, "fit did not validate: pass validation_data=(X_val, y_val) to model.fit")
    return logged


def deterministic(seed: int):
    """Seed Python, NumPy and Keras and make TensorFlow's ops deterministic, for one grading. Afterwards the
    learner's Python and NumPy generators draw on as before and TensorFlow's global seed is theirs again (see
    keras_models.twins.reproducible.deterministic for what else comes back); a notebook's "Grade it" cell runs
    in the learner's kernel, and the tests in shared pytest workers."""
    from keras_models.twins.reproducible import deterministic as _deterministic  # TensorFlow loads here

    return _deterministic(seed)
