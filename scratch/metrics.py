"""Metrics reported during training, computed the way Keras computes them.

Each metric gives one number per example; an epoch's value is the mean over all examples seen,
which is what Keras' running mean over batches (weighted by batch size) amounts to.

    binary accuracy       mean_j [ (a_ij > 0.5) == y_ij ]        a single sigmoid or several (multi-label)
    categorical accuracy  [ argmax_j a_ij == argmax_j y_ij ]      softmax: exactly one class per example
    mae                   mean_j |y_ij - a_ij|
    mse                   mean_j (y_ij - a_ij)^2

y and a are (m, k). Targets of shape (m,) against a single output (m, 1) are reshaped to (m, 1), as Keras
matches their ranks (NumPy would broadcast the pair to (m, m) and score every target against every
prediction); any other pair of shapes is a ValueError naming both.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import as_float_array, one_hot_hint


def _matched(y, a) -> tuple[np.ndarray, np.ndarray]:
    """y and a as finite float arrays (`checks.as_float_array`: an error naming y or a for strings, NaN, a masked
    entry) of one shape (m, k), y (m,) reshaped against a (m, 1); else a ValueError naming both shapes."""
    y_given = y                                                 # as passed: the one-hot hint is code for it
    y, a = as_float_array(y, "y"), as_float_array(a, "a")
    if y.ndim == 1 and a.shape == (len(y), 1):
        y = y.reshape(-1, 1)                                    # (m, 1), as Keras matches the ranks
    if y.shape != a.shape or a.ndim != 2:
        hint = one_hot_hint(y_given, y, *a.shape) if a.ndim == 2 else ""
        raise ValueError(f"a metric compares targets and outputs of one shape (m, k), got y {y.shape} and "
                         f"a {a.shape}{hint}")
    return y, a


def binary_accuracy(y: np.ndarray, a: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """(m,) fraction of outputs on the right side of the threshold (strictly above counts as 1)."""
    y, a = _matched(y, a)
    return np.mean((a > threshold) == (y == 1), axis=-1)


def categorical_accuracy(y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """(m,) 1 where the most probable class is the target class."""
    y, a = _matched(y, a)
    return (np.argmax(a, axis=-1) == np.argmax(y, axis=-1)).astype(np.float64)


def mean_absolute_error(y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """(m,) mean over the k outputs of |y - a|."""
    y, a = _matched(y, a)
    return np.mean(np.abs(y - a), axis=-1)


def mean_squared_error(y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """(m,) mean over the k outputs of (y - a)^2."""
    y, a = _matched(y, a)
    return np.mean((y - a) ** 2, axis=-1)


_BY_NAME = {"mae": mean_absolute_error, "mse": mean_squared_error,
            "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy}


def resolve(name: str, n_outputs: int):
    """The per-example function for a metric name.

    "accuracy" is resolved as Keras 3's compile resolves it for one-hot or 0/1 targets (the only ones scratch
    takes; for integer class labels Keras picks sparse categorical accuracy): by the output width. One output
    means binary accuracy; several mean *categorical* accuracy (argmax) -- even for a multi-label
    model with several sigmoids, where it is the wrong measure. Ask for "binary_accuracy" there.
    """
    if name in ("accuracy", "acc"):
        return binary_accuracy if n_outputs == 1 else categorical_accuracy
    if name not in _BY_NAME:
        raise ValueError(f"unknown metric {name!r}; choose one of {['accuracy', *sorted(_BY_NAME)]}")
    return _BY_NAME[name]
