"""Callbacks: code that `fit` calls at the start and the end of training and of every epoch.

A callback may define any of  on_train_begin(logs), on_epoch_begin(epoch, logs),
on_epoch_end(epoch, logs), on_train_end(logs)  -- Keras' names -- and sees the network as
`self.model` (set by `fit`). Setting `model.stop_training = True` ends training after the epoch.
The TensorBoard writer lives in `keras_models.train.board`: this package stays NumPy-only.
"""

from __future__ import annotations

from scratch.checks import flag, real, whole


class Callback:
    model = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_end(self, logs=None): ...


class CallbackList(Callback):
    """Several callbacks as one, called in order: what `fit` calls (History first, then the caller's), and a
    group the caller can hand `fit` as one callback. Each hook is called on the callbacks that define it."""

    def __init__(self, callbacks):
        self.callbacks = list(callbacks)

    def set_model(self, model) -> None:
        self.model = model
        for cb in self.callbacks:
            if hasattr(cb, "set_model"):
                cb.set_model(model)
            else:
                cb.model = model

    def call(self, hook: str, *args) -> None:
        for cb in self.callbacks:
            method = getattr(cb, hook, None)
            if method is not None:
                method(*args)

    def on_train_begin(self, logs=None):
        self.call("on_train_begin", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self.call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.call("on_epoch_end", epoch, logs)

    def on_train_end(self, logs=None):
        self.call("on_train_end", logs)


class History(Callback):
    """Collects every epoch's logs: `history.history["val_loss"]` is a list, one entry per epoch."""

    def __init__(self):
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    The same rules as keras.callbacks.EarlyStopping (3.x): the first value always counts as an
    improvement; `wait` counts epochs since the last one; training stops once wait >= patience
    (never after epoch 0); with `restore_best_weights` the weights of the best epoch come back at
    the end -- only if training actually stopped early is the *stop* reported, but the best weights
    are restored either way, as in Keras. One departure: a `monitor` missing from the logs (no validation
    data for "val_loss") is a ValueError here, where Keras warns and goes on without ever stopping.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping monitor must be the name of a log such as 'val_loss', got {monitor!r}")
        # Keras takes these on trust: min_delta=nan compares False every epoch (a stop after `patience`
        # epochs whatever the values), patience=2.5 waits 3 epochs.
        min_delta = real("EarlyStopping min_delta", min_delta)
        patience = whole("EarlyStopping patience", patience)
        start_from_epoch = whole("EarlyStopping start_from_epoch", start_from_epoch)
        baseline = None if baseline is None else real("EarlyStopping baseline", baseline)
        restore_best_weights = flag("EarlyStopping restore_best_weights", restore_best_weights)
        self.monitor, self.patience, self.baseline = monitor, patience, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        if mode == "auto":
            # Keras decides from the metric: losses and errors go down, accuracies go up
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode
        self.min_delta = abs(min_delta) * (1 if mode == "max" else -1)

    def _better(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        shifted = value - self.min_delta
        return shifted > reference if self.mode == "max" else shifted < reference

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which is not in the logs: "
                             f"{sorted(logs or {})} (pass validation data for val_ metrics)")
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._better(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._better(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
