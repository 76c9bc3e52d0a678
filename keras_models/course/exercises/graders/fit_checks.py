"""Checks on what the learner's code hands model.fit: the rows it validates on, its labels, and its EarlyStopping.

`fit_checked` shows every model.fit call to a check before any epoch runs. `validated_on` puts the checks
together: fit must validate on exactly the rows set aside for it (`validation_rows`, `same_pairs`) -- not
the training rows, not the test rows, not a validation_split (`not_a_split`), not a Python generator
(`not_a_generator`, which ex06 and `labels_stay_with_their_rows` hold fit's x to as well) -- without training
on them too (`not_trained_on`, `rows_among`); and an EarlyStopping must watch the validation rows and hand back
its best epoch's weights (`early_stopping_watches_validation`, `early_stopping_restores_best`); labels for one
output unit come in one column, not one-hot (`labels_in_one_column`), each training row with its own target, not
another row's (`labels_stay_with_their_rows`; `labels_stay_with` its check_call). Each raises `Fail(hint)`
(checks.py) naming the argument at fault. Before any of them, `fit_checked` refuses what would make them misread x and y
(`data_checked`: masked entries, Python lists of numbers, x and y swapped) with a ValueError, as `kinds_checked`
words Keras' silences.
fit's data (arrays, a dict of inputs, a tf.data.Dataset or a keras.utils.PyDataset) is read as rows by fit_data.py.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import types
from numbers import Number, Real

import numpy as np

from scratch.checks import elementwise

from .checks import Fail, check
from .fit_data import as_rows, features_read, training_rows, validation_rows
from .model_checks import output_activation


@contextlib.contextmanager
def fit_checked(*check_calls):
    """While the block runs, every keras Model.fit call is first shown to each check_call({argument: value}, as
    fit binds them, defaults included), in the order given, which raises Fail for a call the exercise forbids:
    before any epoch runs, and naming the argument, where a wrong validation set would otherwise pass unseen (a
    model validated on the test rows still scores well on them). Nested, the innermost wraps fit alone: it binds
    the arguments once, checks the data (data_checked) once, then shows them to every check_call, its own first."""
    import keras

    fit = keras.Model.fit
    # inside another fit_checked, one wrapper for both: its checks after this one's, then fit itself
    checks = (*check_calls, *getattr(fit, "checks", ()))
    unwrapped = getattr(fit, "unwrapped", fit)
    signature = inspect.signature(unwrapped)

    @functools.wraps(unwrapped)
    def checked(self, *args, **kwargs):
        try:
            arguments = signature.bind(self, *args, **kwargs)
        except TypeError:       # epoch=40: fit's own TypeError, "TensorFlowTrainer.fit() got an unexpected keyword
            return unwrapped(self, *args, **kwargs)         # argument 'epoch'"; bind's names no function
        arguments.apply_defaults()
        shown_to_checks(arguments.arguments, checks)
        return unwrapped(self, *args, **kwargs)

    checked.checks, checked.unwrapped = checks, unwrapped
    keras.Model.fit = checked
    try:
        yield
    finally:
        keras.Model.fit = fit


class FitRefused(ValueError):
    """A fit call refused on purpose before Keras sees it (kinds_checked, data_checked): the learner's mistake, told as
    Keras' own ValueError raised at the learner's fit line would be (judging names it a ValueError)."""


def shown_to_checks(arguments: dict, checks: tuple) -> None:
    """fit's `arguments` shown to its data check (data_checked: nothing masked, not swapped), before any check reads x
    and y, then to each of `checks` in order. What a check raises here other than a Fail (a hint) or a FitRefused,
    and not in the learner's own code it reads (a PyDataset's __getitem__), is the grader's own crash, not the
    learner's fit call failing: judging.crashed_in_a_fit_check tells them apart by this function's frame."""
    data_checked(arguments)
    for each in checks:
        each(arguments)


def data_checked(arguments: dict) -> None:
    """What every fit check reads, checked in fit_checked itself, before the exercise's own check: no masked entries
    (nothing_masked), no Python lists of numbers (no_python_lists), x and y not swapped (x_and_y_in_order). A check
    that read them first named the wrong mistake: swapped x and y were told "y holds labels of shape (50, 30) ...
    for one sigmoid unit" (ex05, ex07)."""
    nothing_masked(arguments)
    no_python_lists(arguments)
    x_and_y_in_order(arguments)


def fits_data(arguments: dict) -> list[tuple[str, object]]:
    """(name, value) of fit's x, y and each part of a validation_data tuple or list ("validation_data[1]")."""
    data = arguments.get("validation_data")
    parts = enumerate(data) if isinstance(data, tuple | list) else ()
    return [("x", arguments.get("x")), ("y", arguments.get("y")),
            *((f"validation_data[{i}]", part) for i, part in parts)]


def nothing_masked(arguments: dict) -> None:
    """fit's x, y and validation_data hold no masked entries (a numpy masked array), else scratch's ValueError naming
    the argument (scratch.checks.elementwise): Keras' fit trains and validates on the values under the mask without
    a word, and every check after this one would read them with np.asarray too."""
    for name, value in fits_data(arguments):
        try:
            elementwise(value, name)
        except ValueError as masked:
            raise FitRefused(str(masked)) from None


def no_python_lists(arguments: dict) -> None:
    """fit's x, y and validation_data's parts are no Python lists of numbers (X_train.tolist()), else a ValueError
    naming the argument. Keras' fit refuses one with "Unrecognized data type: x=[[0.0206..., ...]]", every number
    printed and x named whichever argument held the list (y's: x=<the array x>), while the checks read it as the
    array it lists, and the one-hot and swapped checks (by .shape) skipped it. A list of arrays (one per input), and
    validation_data itself as a list [X_val, y_val], Keras takes: left alone."""
    for name, value in fits_data(arguments):
        if isinstance(value, list | tuple) and _holds_numbers(value):
            raise FitRefused(f"{name} is a Python list of numbers, which Keras' fit refuses as an \"Unrecognized data "
                             "type\", naming x whichever argument it is: pass a NumPy array (the array itself, not "
                             "its .tolist(); or np.asarray(...))")


def _holds_numbers(value) -> bool:
    """Whether `value` is, or a list or tuple holds at any depth, a number: what Keras' fit cannot slice as it slices
    arrays (of a list of NumPy scalars, list(X_train[:, 0]), it says "IndexError: tuple index out of range")."""
    if isinstance(value, list | tuple):
        return any(_holds_numbers(part) for part in value)
    return isinstance(value, Number)


# fit's arguments that count something: Keras' words for a string or a float among them name no
# argument ("'str' object cannot be interpreted as an integer"; of batch_size=32.0, an op named Slice)
WHOLE_NUMBERS = ("epochs", "batch_size", "initial_epoch", "steps_per_epoch", "validation_steps",
                 "validation_batch_size")


def kinds_checked(arguments: dict) -> None:
    """A check_call for fit_checked, in every Keras exercise graded or run (judging.grade_module, run.py): fit's
    counts are whole numbers, its epochs past initial_epoch, and its validation_split a fraction below 1 not given
    beside validation_data, else a ValueError naming the argument, as Keras' own argument checks word theirs. Keras
    takes each of these without a word: validation_split=20 holds out "20 times the rows", trains on none and returns
    a History with no loss; epochs=0 trains nothing and returns an empty History, which the graders then blamed on
    what train returns or on the TensorBoard callback; a validation_split beside validation_data is dropped."""
    for name in WHOLE_NUMBERS:
        value = arguments.get(name)
        if isinstance(value, str):                  # the number offered only when it is one fit takes: "30.0" -> 30
            try:
                whole = float(value)
            except ValueError:
                whole = None
            raise FitRefused(f"model.fit({name}={value!r}): {name} is " + (
                f"a number, not a string: {name}={int(whole)}" if whole is not None and whole.is_integer() else
                "a whole number, not a string"))
        if isinstance(value, bool):                 # a bool is an int to Python and to Keras: epochs=True trains 1
            raise FitRefused(f"model.fit({name}={value!r}): {name} is a whole number, not True or False (Keras takes "
                             f"{value!r} as {int(value)})")
        if isinstance(value, float) and value.is_integer():
            raise FitRefused(f"model.fit({name}={value!r}): {name} is a whole number: {name}={int(value)}")
    epochs, start = arguments.get("epochs"), arguments.get("initial_epoch") or 0
    if isinstance(epochs, int) and isinstance(start, int) and epochs <= start:    # Keras runs none, returns {}
        raise FitRefused(f"model.fit(epochs={epochs!r}) trains no epoch: Keras returns an empty History without a "
                         "word; give epochs a whole number above 0" if not start else
                         f"model.fit(epochs={epochs!r}, initial_epoch={start!r}) trains no epoch: epochs is the "
                         "epoch fit stops at, counted from 0, not how many after initial_epoch")
    split = arguments.get("validation_split")
    if split and arguments.get("validation_data") is not None:                   # Keras drops the split unsaid
        raise FitRefused(f"model.fit(validation_split={split!r}, validation_data=...): Keras ignores "
                         "validation_split without a word when validation_data is given, so no rows are held out "
                         "by it; pass one of the two")
    if split and not (isinstance(split, Real) and 0 < split < 1):
        raise FitRefused(f"model.fit(validation_split={split!r}): validation_split is the fraction of the training "
                         "rows held out for validation, between 0 and 1 (0.2 holds out 20%); Keras takes "
                         f"{split!r} without a word and trains on no rows")


def x_and_y_in_order(arguments: dict) -> None:
    """fit's x has the model's input width and y does not, else a ValueError when y has it instead: x and y swapped,
    which Keras reports as an input "incompatible with the layer" over several lines, in bold terminal codes. Arrays,
    DataFrames and tensors are read by their .shape; a model without an input shape yet is not judged, nor an x Keras
    takes as it is (a vector x when the model takes a width of 1)."""
    x, y = getattr(arguments.get("x"), "shape", None), getattr(arguments.get("y"), "shape", None)
    try:
        wanted = tuple(arguments["self"].inputs[0].shape[1:])
    except (AttributeError, IndexError, KeyError, ValueError, TypeError):
        return
    if x is None or y is None or len(x) == 0 or len(y) == 0:
        return
    x, y = tuple(x), tuple(y)
    # Keras takes x one axis of width 1 off the input's shape: it adds the missing last axis, or drops the extra one
    taken = x[1:] in (wanted, (*wanted, 1)) or (wanted[-1:] == (1,) and x[1:] == wanted[:-1])
    if not taken and y[1:] == wanted:
        raise FitRefused(f"model.fit(x, y): x has shape {x} and y {y}, but the model takes inputs of shape "
                         f"{(None, *wanted)}: x and y are swapped; the features come first, model.fit(X, y)")


def labels_in_one_column(arguments: dict, training: str, validation: str) -> None:
    """fit's labels, y and validation_data's, in one column (or a vector) when the model has one output unit, or a
    Fail naming the argument and the labels to pass instead (`training`, `validation`: as the learner's code names
    them). Labels one-hot, (m, 2) from keras.utils.to_categorical, for one sigmoid unit stop Keras' fit with
    "Arguments `target` and `output` must have the same shape", which names no argument (validation labels: only
    after an epoch of training). Arrays, DataFrames and tensors are read by their .shape; anything else is left to
    Keras."""
    try:
        output = tuple(arguments["self"].outputs[0].shape)
    except (AttributeError, IndexError, KeyError, ValueError, TypeError):
        return
    if output != (None, 1):
        return
    data = arguments.get("validation_data")
    given = [("y", arguments.get("y"), training)]
    if isinstance(data, tuple | list) and len(data) >= 2:
        given.append(("validation_data", data[1], validation))
    for argument, y, name in given:
        shape = tuple(getattr(y, "shape", None) or ())
        if len(shape) != 2 or shape[1] in (None, 1):
            continue
        try:
            labels = np.asarray(y, dtype=float)                                          # (m, k)
            one_hot = bool(np.isin(labels, (0, 1)).all() and (labels.sum(axis=1) == 1).all())
        except (TypeError, ValueError):
            one_hot = False
        raise Fail(f"model.fit's {argument} holds labels of shape {shape}, "
                   + ("one-hot (as keras.utils.to_categorical makes them)" if one_hot else f"{shape[1]} columns")
                   + f", but the model answers with one {output_activation(arguments['self'])} unit, an output of "
                   "shape (None, 1): "
                   f"pass {name} as it is, one column of 0s and 1s")


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


def validates_on_exactly(arguments: dict, X_val: np.ndarray, y_val: np.ndarray, validation: str,
                         not_these: list[tuple[np.ndarray, str]], other_rows: str) -> None:
    """fit's validation_data holds exactly the rows X_val with their targets y_val, in any order (as arrays, a dict of
    inputs, or a tf.data.Dataset or keras.utils.PyDataset of them; `validation`: how the learner's code names them),
    or a Fail: a Python generator is named as one (not_a_generator), rows of one of `not_these` (the training rows,
    the test rows) get that set's hint, and any other rows, or rows handed other targets, get `other_rows`."""
    # read, a generator would be used up before fit validates on it; unread, "other rows" named the wrong mistake
    not_a_generator(arguments.get("validation_data"), "validation_data as a Python generator",
                    "one reading uses up, so the grader cannot see which rows it validates on: pass "
                    f"validation_data=({validation})")
    x, y = validation_rows(arguments, max(len(X_val), *(len(rows) for rows, _ in not_these)))
    for rows, hint in not_these:
        check(not same_rows(x, rows, any_order=True), hint)
    check(y is not None and same_pairs(x, y, X_val, y_val), other_rows)


def validated_on(X_val: np.ndarray, y_val: np.ndarray, X_train: np.ndarray, loss_only: bool = False):
    """A check_call for fit_checked: fit must validate on exactly (X_val, y_val), the rows `train` was given
    for it (in any order, as arrays, a dict of inputs, or a tf.data.Dataset or keras.utils.PyDataset of them) -- not
    the training rows, not the test rows, not a validation_split of the training rows, not a Python generator (which
    reading uses up) -- without training on them too, and an EarlyStopping must watch them
    (early_stopping_watches_validation) and hand back its best epoch's weights (early_stopping_restores_best)."""
    def check_call(arguments: dict) -> None:
        early_stopping_watches_validation(arguments, loss_only)
        data = arguments.get("validation_data")
        if data is None:
            not_a_split(arguments, "X_val, y_val")
            raise Fail("fit did not validate: pass validation_data=(X_val, y_val) to model.fit")
        validates_on_exactly(arguments, X_val, y_val, "X_val, y_val", not_these=[(
            X_train, "fit validated on the training rows: a model always looks good on the rows it learns from; "
                     "pass validation_data=(X_val, y_val)")],
            other_rows="fit validated on other rows than the X_val, y_val train is given: pass validation_data=(X_val, "
                       "y_val) (the test rows must stay unseen until the model is scored on them)")
        not_trained_on(arguments, X_val, len(X_train), "X_val", "X_train, y_train",
                       "their loss then scores rows the model has seen, and early stopping watches nothing new")
        early_stopping_restores_best(arguments)
    return check_call


def labels_stay_with(X: np.ndarray, y: np.ndarray, training: str):
    """A check_call for fit_checked: fit's y gives each training row of X its own target in y
    (labels_stay_with_their_rows; `training`: what fit should be given, as the learner's code names it)."""
    def check_call(arguments: dict) -> None:
        labels_stay_with_their_rows(arguments, X, y, training)
    return check_call


def labels_stay_with_their_rows(arguments: dict, X: np.ndarray, y: np.ndarray, training: str) -> None:
    """fit's y gives each row of its x that is a row of X (the training rows) that row's own target in y, or a Fail
    counting the rows handed another row's (`training`: what fit should be given, as the learner's code names it).
    x and y as arrays (x a dict of inputs too), or a tf.data.Dataset or keras.utils.PyDataset of (x, y) batches
    (training_rows); x a Python generator is a Fail (not_a_generator): reading it would use up the batches fit
    trains on, and a check cannot hand fit another, so unread its rows and labels passed unseen. Keras trains on
    y_train[::-1] without a word: every row learns another diamond's price, and the grader's only hint was to tune
    the model. Two labels (a classifier's 0 and 1) with every row handed the other are told apart as flipped,
    1 - y_train. Rows of x that are not rows of X, and labels that are no target of X at all (a y rescaled), are
    left to the other checks."""
    not_a_generator(arguments.get("x"), "x as a Python generator", "one reading uses up, so the grader cannot see "
                    f"which rows it trains on, nor with which labels: pass the arrays, model.fit({training})")
    x, given = training_rows(arguments, len(X))
    x = as_rows(x, np.float32)                                                       # (m, n) or None
    try:
        given = np.asarray(given, dtype=np.float32)
    except (TypeError, ValueError):
        return
    if x is None or x.shape[1] != X.shape[1] or given.ndim == 0 or len(given) != len(x):
        return
    given = given.reshape(len(x), -1)                                                # (m, k)
    Y = np.asarray(y, dtype=np.float32).reshape(len(y), -1)                         # (m_X, k)
    own: dict[bytes, set[bytes]] = {}                      # a row's targets: a data set can hold one row twice
    for row, target in zip(np.asarray(X, dtype=np.float32), Y, strict=True):
        own.setdefault(row.tobytes(), set()).add(target.tobytes())
    targets = set().union(*own.values())
    found = [(row.tobytes(), target.tobytes()) for row, target in zip(x, given, strict=True) if row.tobytes() in own]
    moved = sum(target not in own[row] and target in targets for row, target in found)
    labels = training.split(", ")[-1]
    # two labels, every row handed the other: the labels flipped (1 - y_train), not moved to other rows
    check(not (len(targets) == 2 and found and moved == len(found)),
          f"fit's y gives every one of the {len(found)} training rows the other label (as 1 - {labels} would): pass "
          f"the labels as they are, model.fit({training})")
    check(moved == 0,
          f"fit's y is out of line with its x: {moved} of the {len(found)} training rows were handed another row's "
          f"target (as {labels}[::-1] would be): keep each row with its own, "
          f"model.fit({training}), or shuffle both with one permutation")


def not_a_split(arguments: dict, validation: str) -> None:
    """fit validates on the rows set aside for it (`validation`, as the learner's code names them), not on a
    validation_split of the training rows."""
    check(arguments.get("validation_data") is not None or not arguments.get("validation_split"),
          f"fit validated on a slice of the training rows (validation_split): pass validation_data=({validation}), "
          "the rows set aside for it")


def not_a_generator(data, given: str, why: str) -> None:
    """fit's `data` is not a Python generator, which one reading uses up (fit's or the grader's: what the other then
    sees is gone), or a Fail before any epoch runs: "model.fit was given `given`, which `why`" (`why`: what uses it
    up, what the grader then cannot check, and what to pass instead)."""
    check(not isinstance(data, types.GeneratorType), f"model.fit was given {given}, which {why}")


def not_trained_on(arguments: dict, X_val: np.ndarray, n_train: int, name: str, training: str, why: str) -> None:
    """fit does not also train on most of the validation rows X_val (`name` in the learner's code; `training`:
    what it should fit on; `why` it matters there). Most, not any: a data set can hold the same row twice, once
    in each split."""
    found = rows_among(X_val, arguments.get("x"), limit=n_train + len(X_val))
    check(found <= len(X_val) // 2,
          f"fit trained on the validation rows too ({found} of the {len(X_val)} rows of {name} are among the rows "
          f"it learns from): {why}; fit on {training} only")


def rows_among(rows: np.ndarray, given, limit: int) -> int:
    """How many of `rows` (m, n) are also rows of `given` -- an array, a dict of inputs, or a tf.data.Dataset or
    keras.utils.PyDataset of (x, y) batches read up to about `limit` rows (features_read) -- compared in float32 (what
    Keras feeds the model); 0 when `given` is none of these."""
    given = features_read(given, limit, np.float32)                          # (m_given, n) or None
    if given is None or given.shape[1] != rows.shape[1]:
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
