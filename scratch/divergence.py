"""How `fit` notices that training has diverged, and says where.

Inside `fit` every step runs under `np.errstate(over="raise", invalid="raise")`: the first overflow or
NaN anywhere in the forward pass, the loss, the backward pass or the optimizer's update raises a
FloatingPointError at the operation that made it. `diverged_message` turns that into one line naming
the epoch, the batch, the step in which it appeared (read from the traceback: the innermost frame
whose `self` is a layer, the loss or the optimizer) and the first layer whose weights are no longer
finite, with the usual cure: a smaller learning rate.
"""

from __future__ import annotations

import traceback

import numpy as np

from scratch.losses import Loss
from scratch.optimizers import Optimizer


class TrainingDiverged(FloatingPointError):
    """The loss or the weights stopped being finite numbers: the learning rate is usually too large."""


def _first_non_finite_layer(net) -> int | None:
    for l, layer in enumerate(net.layers):
        if not (np.isfinite(layer.W).all() and np.isfinite(layer.b).all()):
            return l
    return None


def _where_it_appeared(net, cause: Exception) -> str:
    """The step in which the overflow or NaN appeared, read from the traceback (innermost frame first):
    a layer's forward or backward pass, the loss, or the optimizer's update of a layer's W or b."""
    frames = [frame for frame, _ in traceback.walk_tb(cause.__traceback__)]
    for frame in reversed(frames):
        owner = frame.f_locals.get("self")
        for l, layer in enumerate(net.layers):
            if owner is layer:
                step = "forward" if frame.f_code.co_name == "forward" else "backward"
                return f" in the {step} pass of layer {l + 1}"
        if isinstance(owner, Loss):
            return f" in the loss ({type(owner).__name__})"
        if isinstance(owner, Optimizer) and "i" in frame.f_locals:
            i = frame.f_locals["i"]                                     # params = [W_1, b_1, W_2, b_2, ...]
            return f" in the {type(owner).__name__} update of layer {i // 2 + 1}'s {'W' if i % 2 == 0 else 'b'}"
    return ""


def diverged_message(net, epoch: int, batch: int, cause: Exception) -> str:
    layer = _first_non_finite_layer(net)
    weights = f"; the weights of layer {layer + 1} are no longer finite" if layer is not None else ""
    return (f"training diverged in epoch {epoch + 1}, batch {batch + 1}: {cause}{_where_it_appeared(net, cause)}"
            f"{weights}. The learning rate is probably too large: try a smaller one (for example a tenth).")
