"""Gradient descent in one dimension: walk downhill along the derivative.

    x_{k+1} = x_k - eta * f'(x_k)

The workshop writes this step x' = x - epsilon * f'(x): its epsilon is the learning rate, called eta
(`learning_rate`) here, as in its perceptron and in the rest of the code, where epsilon is the small
constant of the losses and optimizers.

The tutorial's example is f(x) = (x - 2)^2, so f'(x) = 2 (x - 2) and the minimum is at x = 2. From
x0 = 4 with eta = 0.01 the first steps are 3.96, 3.9208, 3.882384, ...; from x0 = 0 they are 0.04,
0.0792, 0.117616, ... (the tutorial rounds each iterate and goes on from the rounded one: 3.92, 3.88 and
0.079, 0.117, where 0.117616 itself would round to 0.118).
(The tutorial's code snippet carries a comment "the local minimum occurs at x=9/4": that belongs to
another function, f(x) = x^4 - 3x^3 + 2. For (x - 2)^2 the minimum is at 2, where the iterates go.)

On this parabola each step multiplies the distance to the minimum by (1 - 2 eta):
  eta < 1    the iterates approach 2 (monotonically for eta < 0.5, zig-zagging above 0.5);
  eta = 1    they jump between x0 and 4 - x0 for ever (4, 0, 4, 0, ...): only max_iters stops them;
  eta > 1    they run away, growing like |1 - 2 eta|^k, until they pass `divergence_bound`.

Stopping rules, in the order they are checked after each step:
  1. diverged: the new iterate is not finite (inf, NaN) or |x_{k+1}| > divergence_bound (1e150 by
     default). It is kept as the last entry, so `abs(xs[-1]) > divergence_bound` (or NaN) tells
     the caller the run blew up. The bound stops a run before df is evaluated anywhere near the
     float64 limit (1.8e308): a derivative growing like x or x^2 is still finite at 1e150, so even
     a df written with NumPy raises no overflow RuntimeWarning on a diverging parabola;
  2. converged: |x_{k+1} - x_k| < precision (the tutorial keeps going while the step is > precision);
  3. max_iters steps taken.
The iterates are Python floats.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Callable

import numpy as np

from scratch.checks import elementwise, real


def gradient_descent(
    df: Callable[[float], float],
    x0: float,
    learning_rate: float = 0.01,
    precision: float = 1e-6,
    max_iters: int = 10_000,
    *,
    divergence_bound: float = 1e150,
) -> list[float]:
    """Minimise a function of one variable given its derivative `df`; returns [x0, x1, ..., x_K].

    x_{k+1} = x_k - learning_rate * df(x_k), until the step is smaller than `precision`, an iterate
    leaves [-divergence_bound, divergence_bound] (or is NaN), or `max_iters` steps were taken
    (so K <= max_iters). df must return a real scalar, not a bool (x > 2 is a comparison, not a slope).
    x0 and df's value may be one number in a 0-d array; a masked one (numpy.ma) counts only with nothing masked
    (scratch.checks.elementwise's rule: the value under a mask is not data).
    """
    if not callable(df):
        raise TypeError(f"df must be a callable derivative f'(x), got {type(df).__name__}")
    x0 = elementwise(x0, "x0")                      # masked entries refused; nothing masked: its values
    if isinstance(x0, np.ndarray):
        if x0.ndim != 0:                            # one line, not the array's repr (a matrix's takes three)
            raise TypeError(f"x0 must be one real number, got an array of shape {x0.shape}")
        x0 = x0[()]                                 # the NumPy scalar it holds, checked by `real` as any other
    x = real("x0", x0)
    eta = real("learning_rate", learning_rate)
    if eta <= 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    if real("precision", precision) <= 0:
        raise ValueError(f"precision must be > 0, got {precision}")
    if isinstance(max_iters, bool) or not isinstance(max_iters, numbers.Integral):
        raise TypeError(f"max_iters must be an integer, got {type(max_iters).__name__}")
    if max_iters < 1:
        raise ValueError(f"max_iters must be >= 1, got {max_iters}")
    if real("divergence_bound", divergence_bound) <= abs(x):
        raise ValueError(f"divergence_bound must exceed |x0| = {abs(x)}, got {divergence_bound}")

    xs = [x]
    for k in range(max_iters):
        value = df(x)
        with contextlib.suppress(ValueError):       # masked entries: left masked, refused below by name and step
            value = elementwise(value, "df")        # nothing masked: its values (a np.matrix: the array it holds)
        slope = np.asarray(value)                   # np.asarray(np.ma.masked) is 0.0: a masked value is refused
        if slope.ndim == 0 and slope.dtype.kind == "b":     # True read as a slope of 1, False as a flat spot
            raise TypeError(f"df({x}) must return a real scalar, got bool {slope.item()} at step {k}: a comparison, "
                            "not a slope")
        if np.ma.isMaskedArray(value) or slope.ndim != 0 or slope.dtype.kind not in "iuf":
            got = "a masked value" if np.ma.isMaskedArray(value) else f"{slope.dtype} of shape {slope.shape}"
            raise TypeError(f"df({x}) must return a real scalar, got {got} at step {k}")
        x_next = x - eta * float(slope)
        xs.append(x_next)
        if not abs(x_next) <= divergence_bound:     # diverged (also catches NaN and inf)
            break
        if abs(x_next - x) < precision:             # converged
            break
        x = x_next
    return xs
