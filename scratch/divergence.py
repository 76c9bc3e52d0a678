"""How `fit` notices that training has diverged, and says where and why.

The rule, in one sentence (make train's Keras side applies the same one, once per epoch):

    training has diverged when a loss, a gradient or a weight stops being a finite number, or when an
    epoch's training loss rises above RISE x max(1, L0), where L0 is the loss of fit's first batch at
    the starting weights and RISE = 1000.

Normal training lowers the loss; the trainings of this project (every task of `make train`, the
parity tests, the lessons) never come within a factor of 10 of that limit. A learning rate that is
too large makes the loss grow geometrically, to 1e19 in the first epoch for Adam(1e6) on the breast
cancer data, long before anything overflows in float64. The max(1, .) keeps the limit away from a
starting loss near 0 (a trained network resumed), where batch-to-batch noise alone is a large factor.

`fit` checks after every batch. The epoch's loss is the mean of its batch losses weighted by batch size,
all >= 0, so the sum over the batches seen so far, divided by the rows of the whole epoch, is a lower
bound of it: training stops at the batch where that bound passes the limit, i.e. where the epoch's
loss is certain to pass it. Every step runs under `np.errstate(over="raise", invalid="raise")`, so the
first overflow or NaN raises at the operation that made it (and an underflow never does, whatever
`np.seterr` the caller set: a number rounding towards 0 is no divergence).

The one-line message names the epoch, the batch, the step where it appeared (a layer's forward or
backward pass, the loss, or the optimizer's update of a W or b, read from the traceback) and the likely
cause. If it appears before the optimizer has taken a single step, and not in that step's own eta x g,
the learning rate cannot be the cause: the inputs (or targets) are too large for the network's dtype on
the starting weights -- an input of 1e20 in float32, say, whose square overflows, or a gradient whose
square overflows in an optimizer that squares the gradients (RMSprop, Adam, Adagrad refuse it). Otherwise
the learning rate is too large.
"""

from __future__ import annotations

import math
import traceback

import numpy as np

from scratch.losses import Loss
from scratch.optimizers import Optimizer
from scratch.optimizers.base import GradientOverflow

RISE = 1000.0


class TrainingDiverged(FloatingPointError):
    """The loss or the weights stopped being finite numbers, or the loss rose far above where it started.

    `smaller_learning_rate`: a tenth of the optimizer's rate when that is the likely cause, else None.
    """

    def __init__(self, message: str, smaller_learning_rate: float | None = None):
        super().__init__(message)
        self.smaller_learning_rate = smaller_learning_rate


def loss_limit(start_loss: float) -> float:
    """The highest epoch loss the rule allows: RISE x max(1, L0)."""
    return RISE * max(1.0, start_loss)


def rate_advice(learning_rate) -> tuple[str, float | None]:
    """'The learning rate (1e+06) is probably too large: ...' and a tenth of it (None for a schedule)."""
    if isinstance(learning_rate, int | float) and math.isfinite(learning_rate):
        smaller = float(f"{learning_rate / 10:.3g}")
        return (f"The learning rate ({learning_rate:.3g}) is probably too large: try a smaller one "
                f"(for example {smaller:.3g}).", smaller)
    return "The learning rate is probably too large: try a smaller one (for example a tenth).", None


class Watchdog:
    """fit's guard around each step (`with watchdog.batch(i, Xb, yb): ...`), applying the rule above.

    Inside the block: NumPy raises at the first overflow or NaN; `watchdog.loss(value, rows)` checks the
    batch's loss before the optimizer's update. Either becomes a TrainingDiverged with the message.
    """

    def __init__(self, net, optimizer: Optimizer, rows_per_epoch: int):
        self.net, self.optimizer, self.m = net, optimizer, rows_per_epoch
        self.start_loss: float | None = None           # L0, the first batch's loss
        self.steps = 0                                  # optimizer steps taken in this fit
        self.epoch = self.i = 0
        self.epoch_sum = 0.0                            # sum over this epoch's batches of loss x rows
        self.Xb = self.yb = None

    def start_epoch(self, epoch: int) -> None:
        self.epoch, self.epoch_sum = epoch, 0.0

    def batch(self, i: int, Xb: np.ndarray, yb: np.ndarray) -> Watchdog:
        self.i, self.Xb, self.yb = i, Xb, yb
        return self

    def __enter__(self) -> Watchdog:
        # under="ignore" whatever the caller set (np.seterr(all="raise") in a notebook): a number rounding to 0 or a
        # subnormal (a tiny gradient's square in float32) is ordinary arithmetic, not a sign of divergence
        self._errstate = np.errstate(over="raise", invalid="raise", under="ignore")
        self._errstate.__enter__()
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        self._errstate.__exit__(kind, exc, tb)
        if kind is None:
            self.steps += 1
            return False
        if issubclass(kind, FloatingPointError) and not isinstance(exc, TrainingDiverged):
            raise self._diverged(exc) from None
        return False

    def loss(self, value: float, rows: int) -> None:
        """Check one batch's loss (taken before its update) against the rule."""
        if not math.isfinite(value):
            raise FloatingPointError(f"the loss is {value}")
        if self.start_loss is None:
            self.start_loss = value
        self.epoch_sum += value * rows
        limit = loss_limit(self.start_loss)
        if self.epoch_sum > limit * self.m:
            advice, smaller = rate_advice(self.optimizer.learning_rate)
            raise TrainingDiverged(
                f"training diverged in epoch {self.epoch + 1}, batch {self.i + 1}: the loss rose to {value:.3g}, "
                f"so this epoch's loss exceeds {limit:.3g} = {RISE:g} x max(1, the starting loss "
                f"{self.start_loss:.3g}). {advice}", smaller)

    def _diverged(self, cause: Exception) -> TrainingDiverged:
        where = _where_it_appeared(self.net, cause)
        what = cause.what if isinstance(cause, GradientOverflow) else cause   # its cure is said below
        head = f"training diverged in epoch {self.epoch + 1}, batch {self.i + 1}: {what}{where}"
        if self.steps == 0 and (isinstance(cause, GradientOverflow) or not _in_an_update(cause)):
            # Before the first update: the starting weights on these inputs already overflow (in the forward
            # pass, the loss, the backward pass, or a gradient whose square overflows: GradientOverflow).
            with np.errstate(all="ignore"):
                x_max, y_max = float(np.max(np.abs(self.Xb))), float(np.max(np.abs(self.yb)))
            dtype = self.net.dtype
            return TrainingDiverged(
                f"{head}, before any update, so the learning rate is not the cause: the inputs are too large for "
                f"{dtype} (largest |X| in this batch {x_max:.3g}, largest |y| {y_max:.3g}; {dtype} holds up to "
                f"{np.finfo(dtype).max:.3g}). Scale them (standardise the inputs) or use float64.")
        layer = _first_non_finite_layer(self.net)
        weights = f"; the weights of layer {layer + 1} are no longer finite" if layer is not None else ""
        advice, smaller = rate_advice(self.optimizer.learning_rate)
        return TrainingDiverged(f"{head}{weights}. {advice}", smaller)


def _in_an_update(cause: Exception) -> bool:
    """True if the overflow or NaN appeared in an optimizer's own arithmetic (where eta multiplies)."""
    return any(isinstance(frame.f_locals.get("self"), Optimizer) for frame, _ in traceback.walk_tb(cause.__traceback__))


def _first_non_finite_layer(net) -> int | None:
    for layer in net.dense_layers:                                      # (Dropout layers have no weights)
        if not (np.isfinite(layer.W).all() and np.isfinite(layer.b).all()):
            return net.layers.index(layer)
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
            l = net.layers.index(net.dense_layers[i // 2])             # its position among all the layers
            return f" in the {type(owner).__name__} update of layer {l + 1}'s {'W' if i % 2 == 0 else 'b'}"
    return ""
