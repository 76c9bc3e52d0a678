"""Finite differences: a framework-free second opinion on every gradient.

The central difference  df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)  has error O(h^2);
with h ~ 1e-6 in float64 that leaves about 1e-10 of truncation and rounding error on smooth
functions. Near a kink (ReLU at 0, the step, a clipped probability) the two sides of the
difference see different slopes, so compare only away from kinks.

How close a difference quotient must come to the gradient it checks is measured in relative terms
(`relative_error` entry by entry, `vector_relative_error` over a whole weight array): agreement.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
