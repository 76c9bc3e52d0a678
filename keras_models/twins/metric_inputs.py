"""Targets and predictions as every metric here takes them: y_true and y_pred of one 2-D shape (m, k), finite.

Keras reshapes y of shape (m,) against predictions (m, 1); plain NumPy would broadcast the two to (m, m) and
score the wrong thing without a word. So a 1-D target is refused with the shapes named, never reshaped here.
A masked array (numpy.ma) follows scratch's rule (scratch.checks.elementwise): np.asarray would hand over the values
under the mask to be scored, so masked entries are refused by name; one with nothing masked is its values.
Used by regression_metrics.py and classification_report.py.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import elementwise


def checked_pair(y_true, y_pred, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as 2-D float64 arrays of the same shape, finite; a ValueError naming the shapes otherwise."""
    try:
        y_true, y_pred = elementwise(y_true, "y_true"), elementwise(y_pred, "y_pred")   # masked entries refused
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    y_true, y_pred = _real_numbers(y_true, "y_true", what), _real_numbers(y_pred, "y_pred", what)
    if y_true.shape != y_pred.shape or y_true.ndim != 2 or y_true.shape[0] == 0:
        raise ValueError(f"{what}: y_true and y_pred must have the same 2-D shape (m, k) with m > 0, got "
                         f"y_true {y_true.shape} and y_pred {y_pred.shape}; reshape explicitly, e.g. y.reshape(-1, 1)")
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.isfinite(values).all():
            raise ValueError(f"{what}: {name} has NaN or infinite values")
    return y_true, y_pred


def _real_numbers(values, name: str, what: str) -> np.ndarray:
    """`values` as float64, or one line naming `name`: np.asarray(..., dtype=float64) would drop a complex number's
    imaginary part with a warning only, and parse text ("1") as numbers."""
    try:
        array = np.asarray(values)
    except ValueError as exc:                                   # a ragged list
        raise ValueError(f"{what}: {name} must be an (m, k) array of numbers: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what}: {name} must be real numbers, got dtype {array.dtype}")
    return array.astype(np.float64)
