"""Reading what the learner's code hands model.fit, as rows: the x, y and validation_data that fit_checks.py judges.

Keras' fit takes its data as arrays (a DataFrame, a tensor), a dict of named inputs, a tf.data.Dataset or a
keras.utils.PyDataset of (x, y[, sample_weight]) batches, or (x,) (tuples, or lists Keras reads as tuples).
`batches_read` reads a Dataset's or PyDataset's batches without using it up (a PyDataset by index, as Keras does; one
that never ends up to a limit), `inputs_side_by_side` sets a dict's arrays side by side; `training_rows`,
`validation_rows` and `rows_read` give the (x, y) of fit's arguments, `features_read` the x alone (ex06's "fed as
fitted"), and `as_rows` an array of rows or None. A Python generator is not read: one reading uses it up.
"""

from __future__ import annotations

import numpy as np


def batches_read(data, limit: int, steps: int | None = None) -> tuple | None:
    """(x, y) of a tf.data.Dataset or a keras.utils.PyDataset of (x, y[, sample_weight]) batches, which Keras' fit
    takes for its data and for validation_data, read into two arrays without using it up: x (m, n) with a dict of
    named inputs side by side (inputs_side_by_side), y None for batches of x alone, x or (x,) (what predict takes);
    its first `steps` batches if given (what fit reads of a repeated one with validation_steps), at most about `limit`
    rows (a repeated one never ends); None for anything else; (None, None) for batches that are not rows of numbers,
    or none (nothing to compare: the object itself is not read as rows either, np.asarray of a PyDataset without end
    never ends)."""
    batches = _batches(data, limit, steps)
    if batches is None:
        return None
    xs, ys, count = [], [], 0
    for batch in batches:
        batch = tuple(batch) if isinstance(batch, list) else batch           # a list [x, y]: Keras reads it as (x, y)
        x, y = (*batch, None)[:2] if isinstance(batch, tuple) and batch else (batch, None)    # (x,): x alone
        x = as_rows(inputs_side_by_side(x))                                          # (m_batch, n) or None
        try:
            y = None if y is None else np.asarray(y)                                 # (m_batch,) or (m_batch, k)
        except (TypeError, ValueError):
            return None, None
        unlike = bool(ys) and (y is None) != (ys[0] is None)                       # some batches labelled, some not
        if x is None or unlike or (y is not None and (y.ndim == 0 or len(y) != len(x))):
            return None, None
        xs.append(x)
        ys.append(None if y is None else y.reshape(len(y), -1))
        count += len(x)
        if count > limit:
            break
    if not xs:
        return None, None
    return np.concatenate(xs), (None if ys[0] is None else np.concatenate(ys))


def _batches(data, limit: int, steps: int | None):
    """The batches of a tf.data.Dataset, or of a keras.utils.PyDataset by index (data[i], as Keras reads them; one
    that never ends, num_batches None, up to `limit` batches), the first `steps` if given; None for anything else."""
    import keras
    import tensorflow as tf

    if isinstance(data, tf.data.Dataset):
        return (data.take(steps) if steps else data).as_numpy_iterator()
    if isinstance(data, keras.utils.PyDataset):
        return _py_dataset_batches(data, limit, steps)
    return None


def _py_dataset_batches(data, limit: int, steps: int | None):
    """A keras.utils.PyDataset's batches data[0], data[1], ...: num_batches of them, at most `steps` and about
    `limit` (batches of no rows too); none when it cannot say how many it holds."""
    try:
        batches = data.num_batches                                      # None: it never ends
    except NotImplementedError:
        return
    if steps:
        batches = steps if batches is None else min(batches, steps)
    index = 0
    while (batches is None or index < batches) and index <= limit:
        yield data[index]
        index += 1


def inputs_side_by_side(x):
    """A dict of named inputs as the rows (m, n) it holds, its arrays side by side in the order of their names (one
    input: its array), or None when they are not rows of numbers of one length; anything else as it is."""
    if not isinstance(x, dict):
        return x
    try:
        columns = [np.asarray(x[name], dtype=np.float64) for name in sorted(x, key=str)]    # each (m,) or (m, k)
    except (TypeError, ValueError):
        return None
    if not columns or any(value.ndim not in (1, 2) or len(value) != len(columns[0]) for value in columns):
        return None
    return np.hstack([value.reshape(len(value), -1) for value in columns])                 # (m, n)


def rows_read(data, limit: int, steps: int | None = None) -> tuple:
    """(x, y) of a tf.data.Dataset or a keras.utils.PyDataset of (x, y) batches (batches_read: its first `steps`
    batches if given, about `limit` rows); (data, None) for anything else, the data as given (arrays; a dict of
    inputs side by side)."""
    return batches_read(data, limit, steps) or (inputs_side_by_side(data), None)


def training_rows(arguments: dict, limit: int) -> tuple:
    """(x, y) fit was given to train on (fit's `arguments`): as given (a dict of inputs side by side), or a
    tf.data.Dataset's or keras.utils.PyDataset's first `limit` rows (batches_read): one pass of a repeated one, not
    the start of its next."""
    read = batches_read(arguments.get("x"), limit)
    if read is None:
        return inputs_side_by_side(arguments.get("x")), arguments.get("y")
    return tuple(None if rows is None else rows[:limit] for rows in read)


def features_read(x, limit: int, dtype: type = np.float64) -> np.ndarray | None:
    """The rows of features (m, n) of `dtype` in an x that fit or predict takes, read without using it up: an array
    (a DataFrame, a tensor); a dict of named inputs, its arrays side by side in the order of their names (one input:
    its array); a tf.data.Dataset or a keras.utils.PyDataset of (x, y) batches or x alone, their x, about `limit` rows
    at most (rows_read). None for anything else: a Python generator, which one reading uses up, and rows of any other
    shape."""
    return as_rows(rows_read(x, limit)[0], dtype)


def validation_rows(arguments: dict, limit: int) -> tuple:
    """(x, y) of what fit was given as validation_data (fit's `arguments`): (x, y[, sample_weight]) as a tuple or
    list (a dict of inputs side by side), or a tf.data.Dataset or keras.utils.PyDataset of such batches (rows_read,
    as many as validation_steps says); (data, None) for what this cannot read."""
    data = arguments.get("validation_data")
    if isinstance(data, tuple | list):
        return (inputs_side_by_side(data[0]), data[1]) if len(data) >= 2 else (data, None)
    return rows_read(data, limit, arguments.get("validation_steps"))


def as_rows(x, dtype: type = np.float64) -> np.ndarray | None:
    """x as an array of rows (m, n) of `dtype`, or None for what is not one (a tf.data.Dataset, a dict of inputs:
    rows_read reads them)."""
    try:
        rows = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError):
        return None
    return rows if rows.ndim == 2 else None
