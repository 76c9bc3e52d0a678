"""Finite differences, a framework-free second opinion on every gradient, and the project's
measures of agreement.

The central difference  df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)  has error O(h^2);
with h ~ 1e-6 in float64 that leaves about 1e-10 of truncation and rounding error on smooth
functions. Near a kink (ReLU at 0, the step, a clipped probability) the two sides of the
difference see different slopes, so compare only away from kinks.

Agreement is measured by the relative error  |a - b| / max(eps, |a| + |b|),  which is 0 for equal
numbers, 1 for opposite signs, and does not blow up when both are tiny. `relative_error` takes it
entry by entry (the strictest reading); `vector_relative_error` takes it with norms over a whole
gradient array, ||a - b|| / max(eps, ||a|| + ||b||), the usual check for a network's weight
gradients, where an entry of size 1e-7 next to entries of size 1 would otherwise be judged by
rounding noise alone (the difference quotient has an absolute error near 1e-10). `relative_gap`,
max |actual - expected| / max |expected|, is the measure the parity tests hold against TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable

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


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar f() with respect to every entry of the array x.

    `x` is perturbed in place, one entry at a time, and restored; `f` reads it (for a network,
    `x` is one of its weight arrays and f computes the loss). x must be float64: in float32 the loss
    itself rounds at ~1e-7 of its size, as much as a step of h changes it. With a fixed h the rounding
    of f grows with |x| (a slope of 3x is ~1e-4 off at |x| = 1e6), and x +- h itself rounds by up to
    the float64 spacing at x, which reaches 0.1% of 2h from |x| ~ 1.7e7 on (h = 1e-6): where the step x
    took is not 2h (to 0.1%), the difference is refused.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:    # a list has no entries to perturb in place
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"numerical_gradient needs a float64 array, got {got}: finite differences in a narrower "
                        "type are rounding noise (in float32 a loss rounds at ~1e-7 of its size, as much as a step "
                        "of h changes it); check in float64 (a network: build it with dtype='float64')")
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        x_plus, f_plus = x[i], f()
        x[i] = original - h
        x_minus, f_minus = x[i], f()
        x[i] = original
        if not (np.isfinite(f_plus) and np.isfinite(f_minus)):      # a nan slope would pass for a number
            raise ValueError(f"f() is {f_plus if not np.isfinite(f_plus) else f_minus} near x{list(i)} = "
                             f"{original:g}: a finite difference needs finite values on both sides")
        if abs((x_plus - x_minus) - 2 * h) > 1e-3 * 2 * h:
            raise ValueError(f"h = {h:g} is too small for x{list(i)} = {original:g}: float64 numbers there are "
                             f"{np.spacing(abs(original)):.2g} apart, so x - h and x + h are "
                             f"{x_plus - x_minus:.2g} apart, not 2h; give h of about {h:g} x |x|")
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def network_numerical_gradients(net, X, y, loss, h: float = 1e-6) -> list[np.ndarray]:
    """[dL/dW_1, dL/db_1, ...] of `net` by central differences, in the order of loss_and_gradients."""
    return [numerical_gradient(lambda: net.loss(X, y, loss), param, h) for param in net.params()]


def numerical_input_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of f(x) with respect to x, for functions of an array (activations, losses)."""
    x = np.array(x, dtype=np.float64)
    return numerical_gradient(lambda: f(x), x, h)
