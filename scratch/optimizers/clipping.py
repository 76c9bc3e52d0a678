"""Gradient clipping: bound the gradient before the optimizer sees it, so one bad batch cannot throw the
weights far (exploding gradients). Keras' three options, at most one per optimizer:

    clipnorm=c          each array on its own:   g <- g * c / max(||g||, c)        (||g||: the array's L2 norm)
    global_clipnorm=c   all arrays together:     g_i <- g_i * c * min(1 / N, 1 / c),  N = sqrt(sum_i ||g_i||^2)
    clipvalue=v         each number:             g <- min(max(g, -v), v)

clipnorm and global_clipnorm keep the gradient's direction (clipnorm per array, global_clipnorm for the
whole model), clipvalue does not. Each formula is written as Keras computes it (`_clip_gradients`,
`_clip_by_norm` and `clip_by_global_norm` in keras/src/optimizers/base_optimizer.py, not TensorFlow's
`tf.clip_by_norm`), so it divides even when nothing is clipped: c / max(||g||, c) = c / c, and
c * min(1/N, 1/c) = c * (1/c), are 1 up to one rounding. The clipped copies are new arrays; the caller's
gradients are never changed.

Keras ignores a clip value <= 0 without a word (`if self.clipnorm and self.clipnorm > 0`); scratch refuses it.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import real

OPTIONS = ("clipnorm", "global_clipnorm", "clipvalue")


def check(clipnorm: float | None, global_clipnorm: float | None, clipvalue: float | None) -> dict[str, float]:
    """{name: value} for the one clip option that is set ({} for none): a finite number > 0."""
    given = {name: value for name, value in zip(OPTIONS, (clipnorm, global_clipnorm, clipvalue), strict=True)
             if value is not None}
    if len(given) > 1:
        raise ValueError("at most one of clipnorm, global_clipnorm and clipvalue can be set, got "
                         + ", ".join(f"{k}={v!r}" for k, v in given.items()))
    for name, value in given.items():
        given[name] = real(name, value)
        if given[name] <= 0:
            raise ValueError(f"{name} must be > 0, got {given[name]} (Keras silently clips nothing for a "
                             f"{name} <= 0; leave it out, or None, for no clipping)")
    return given


def clip(grads: list[np.ndarray], clipnorm: float | None = None, global_clipnorm: float | None = None,
         clipvalue: float | None = None) -> list[np.ndarray]:
    """The gradients after the one clip option given (the same list when none is)."""
    if clipnorm is not None:
        return [clip_by_norm(g, clipnorm) for g in grads]
    if global_clipnorm is not None:
        return clip_by_global_norm(grads, global_clipnorm)
    if clipvalue is not None:
        return [np.clip(g, -clipvalue, clipvalue) for g in grads]      # (same shape as g)
    return grads


def clip_by_norm(g: np.ndarray, c: float) -> np.ndarray:
    """g * c / max(||g||, c): unchanged if ||g|| <= c, else rescaled to norm c (Keras' _clip_by_norm)."""
    with np.errstate(over="ignore"):
        norm = np.sqrt(np.sum(np.square(g)))                            # 0-d, in g's dtype
    if np.isinf(norm):                                                  # g^2 overflowed: see _overflow_free_norm
        norm, s, r = _overflow_free_norm([g])
        if np.isinf(norm):
            return (g / s) * (c / r)                                    # (same shape as g)
    return g * c / np.maximum(norm, c)                                  # (same shape as g)


def clip_by_global_norm(grads: list[np.ndarray], c: float) -> list[np.ndarray]:
    """Every g_i times c * min(1 / N, 1 / c), with N the norm of all of them stacked into one vector."""
    with np.errstate(over="ignore"):
        N = np.sqrt(np.sum(np.stack([np.sum(np.square(g)) for g in grads])))   # 0-d
    if np.isinf(N):                                                     # some g^2 overflowed
        N, s, r = _overflow_free_norm(grads)
        if np.isinf(N):
            return [(g / s) * (c / r) for g in grads]                   # (same shapes)
    with np.errstate(divide="ignore"):                                  # N = 0: 1/N = inf, the min is 1/c
        scale = c * np.minimum(1.0 / N, 1.0 / c)
    return [g * scale for g in grads]                                   # (same shapes)


def _overflow_free_norm(grads: list[np.ndarray]) -> tuple[np.floating, np.floating, np.floating]:
    """(s * r, s, r): the norm of all of grads as s = max |g| times r = ||grads / s||, which lies in [1, sqrt(n)].

    sqrt(sum g^2) overflows as soon as |g| > 1e154 in float64 (1e19 in float32): the norm is inf, and
    c / inf made the step silently 0 -- in Keras too. The scaled sum cannot overflow, so only the product
    s * r still can, when the norm itself is beyond the dtype's range. Used only then: in the normal range
    the formula above is Keras', rounding for rounding.
    """
    s = max(np.max(np.abs(g), initial=0) for g in grads)                   # initial: an empty g has no max
    r = np.sqrt(sum(np.sum(np.square(g / s)) for g in grads))
    with np.errstate(over="ignore"):
        return s * r, s, r
