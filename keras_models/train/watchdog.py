"""The Keras side's divergence watchdog: the rule scratch's `fit` applies (`scratch.divergence`), for Keras' `fit`.

    training has diverged when a loss or a weight stops being a finite number, or when an epoch's
    training loss rises above 1000 x max(1, L0), L0 being the loss of the first batch at the starting
    weights.

Keras alone would carry on training on NaN (keras.callbacks.TerminateOnNaN stops, but only with a
printed line and no reason) and never questions a finite loss of 1e19. This callback measures L0 when
training begins (one forward pass over the first batch it is given) and checks at the end of each
epoch: with `steps_per_execution` Keras reports batches only in groups, so the message names the epoch,
not the batch. If L0 itself is not finite, the starting weights on the inputs already overflow before
any update, and the message says that the inputs, not the learning rate, are too large.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from scratch.divergence import RISE, TrainingDiverged, loss_limit, rate_advice


class KerasWatchdog(keras.callbacks.Callback):
    """Raise TrainingDiverged at the end of the first epoch that breaks the rule (or at the start, if the
    first batch's loss at the starting weights is already not finite).

    first_batch: (X, y) of the first training batch, as NumPy arrays, to measure L0 on.
    """

    def __init__(self, learning_rate: float, first_batch: tuple[np.ndarray, np.ndarray]):
        super().__init__()
        self.learning_rate = learning_rate
        self.first_batch = first_batch
        self.start_loss: float | None = None

    def on_train_begin(self, logs=None):
        X, y = self.first_batch
        dtype = np.dtype(self.model.inputs[0].dtype if self.model.inputs else keras.config.floatx())
        with np.errstate(over="ignore", invalid="ignore"):
            X_model = np.asarray(X).astype(dtype)
            loss = self.model.compute_loss(x=X_model, y=y, y_pred=self.model(X_model, training=False),
                                           training=False)
            self.start_loss = float(keras.ops.convert_to_numpy(loss))
            x_max, y_max = float(np.max(np.abs(X_model))), float(np.max(np.abs(np.asarray(y))))
        if not math.isfinite(self.start_loss):
            raise TrainingDiverged(
                f"training diverged before the first update: the loss of the first batch at the starting weights "
                f"is {self.start_loss}, so the learning rate is not the cause: the inputs are too large for {dtype} "
                f"(largest |X| in that batch {x_max:.3g}, largest |y| {y_max:.3g}; {dtype} holds up to "
                f"{np.finfo(dtype).max:.3g}). Scale them (standardise the inputs).")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        bad_logs = [f"{name} is {value}" for name, value in logs.items() if not math.isfinite(float(value))]
        bad_layers = [layer.name for layer in self.model.layers
                      if not all(np.isfinite(np.asarray(w)).all() for w in layer.get_weights())]
        advice, smaller = rate_advice(self.learning_rate)
        if bad_logs or bad_layers:
            where = f"; the weights of layer {bad_layers[0]} are no longer finite" if bad_layers else ""
            raise TrainingDiverged(f"training diverged in epoch {epoch + 1}: "
                                   f"{', '.join(bad_logs) or 'non-finite weights'}{where}. {advice}", smaller)
        limit = loss_limit(self.start_loss) if self.start_loss is not None else math.inf
        if float(logs.get("loss", 0.0)) > limit:
            raise TrainingDiverged(
                f"training diverged in epoch {epoch + 1}: the epoch's loss rose to {float(logs['loss']):.3g}, above "
                f"{limit:.3g} = {RISE:g} x max(1, the starting loss {self.start_loss:.3g}). {advice}", smaller)
