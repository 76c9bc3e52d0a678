"""Measures of agreement: how far one array of numbers is from another that should equal it.

Every check in this project compares two computations of the same thing: scratch against TensorFlow,
a backward pass against finite differences. They never agree to the last bit (floating point rounds
each operation), so a check asks whether they differ by more than rounding explains, and that needs
a number for "how far apart".

The plain difference |a - b| does not give one: a difference of 1e-9 is one part in 10^12 between two
losses near 1000, but all of it between two gradients of size 1e-9. So the difference is measured
relative to the size of the numbers themselves, and one tolerance serves values of any scale (1e-10
against TensorFlow in float64, 1e-5 in float32, 1e-6 against finite differences). Three ways of
taking "the size" are in use:

    relative_gap(actual, expected)    max |actual - expected| / max |expected|
        against the reference array's largest entry: the parity tests' measure against TensorFlow.
        An entry that is 1e-18 on one side and 0 on the other (rounding after cancellation) is a
        gap of 1e-18 beside entries of size 1, not "100% off".
    relative_error(a, b)              max over entries of |a - b| / max(eps, |a| + |b|)
        entry by entry, the strictest reading: 0 for equal numbers, 1 for opposite signs, and no
        blow-up when both are tiny (the floor eps). Used for activations and losses.
    vector_relative_error(a, b)       ||a - b|| / max(eps, ||a|| + ||b||)   (Euclidean norms)
        over a whole gradient array, the usual check of a network's weight gradients: an entry of
        size 1e-7 next to entries of size 1 would otherwise be judged by rounding noise alone (the
        difference quotient has an absolute error near 1e-10).

Each takes arrays of equal shapes (anything else is a ValueError naming both) and computes in float64.
"""

from __future__ import annotations

import numpy as np


def relative_gap(actual, expected) -> float:
    """max |actual - expected| / max |expected|: the gap measured against the reference array's scale.

    The parity tests' measure against TensorFlow: an entry that is 1e-18 on one side and 0 on the
    other (rounding after cancellation) is not 100% off, as it would be entry by entry. The scale is
    at least 1e-300, so against an all-zero reference only an all-zero array passes (0); anything else
    is a huge gap (the absolute gap / 1e-300), never a silent pass.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise ValueError(f"relative_gap needs equal shapes, got {actual.shape} and {expected.shape}")
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-300)
    return float(np.max(np.abs(actual - expected), initial=0.0)) / scale


def relative_error(a, b, eps: float = 1e-12) -> float:
    """max over entries of |a - b| / max(eps, |a| + |b|)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs equal shapes, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(eps, np.abs(a) + np.abs(b))))


def vector_relative_error(a, b, eps: float = 1e-12) -> float:
    """||a - b|| / max(eps, ||a|| + ||b||) with Euclidean norms over all entries.

    Entries beyond ~1e154 would overflow the squares inside the norms (inf / inf = nan): a, b and eps are
    then divided by the largest |entry| s > 1 first, which leaves the ratio as it is."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"vector_relative_error needs equal shapes, got {a.shape} and {b.shape}")
    s = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if 1 < s < np.inf:
        a, b, eps = a / s, b / s, eps / s                   # eps too: a large eps must stay the floor it was
    return float(np.linalg.norm(a - b) / max(eps, np.linalg.norm(a) + np.linalg.norm(b)))
