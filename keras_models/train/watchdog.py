"""The Keras side's numerical watchdog: what scratch's `fit` does for itself, done for Keras' `fit`.

A loss or a weight that is no longer a finite number stops training with the epoch, the first layer
whose weights went bad, and the advice to lower the learning rate. Keras alone would carry on
training on NaN (keras.callbacks.TerminateOnNaN stops, but only with a printed line and no reason).
It checks at the end of each epoch, so the message names the epoch but not the batch.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from scratch.divergence import TrainingDiverged


class KerasWatchdog(keras.callbacks.Callback):
    """Raise TrainingDiverged at the end of the first epoch whose logs or weights are not finite."""

    def __init__(self, learning_rate: float):
        super().__init__()
        self.learning_rate = learning_rate

    def on_epoch_end(self, epoch, logs=None):
        bad_logs = [f"{name} is {value}" for name, value in (logs or {}).items() if not math.isfinite(float(value))]
        bad_layers = [layer.name for layer in self.model.layers
                      if not all(np.isfinite(np.asarray(w)).all() for w in layer.get_weights())]
        if bad_logs or bad_layers:
            where = f"; the weights of layer {bad_layers[0]} are no longer finite" if bad_layers else ""
            raise TrainingDiverged(
                f"training diverged in epoch {epoch + 1}: {', '.join(bad_logs) or 'non-finite weights'}{where}. "
                f"The learning rate ({self.learning_rate:g}) is probably too large: try a smaller one "
                f"(for example {self.learning_rate / 10:g}, with --learning-rate).")
