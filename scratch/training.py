"""Mini-batch training: the loop that turns gradients into learning.

For each epoch: (shuffle,) cut the training set into batches of `batch_size` (the last one may be
smaller), and for each batch compute the loss and its gradients (`Network.loss_and_gradients`),
then let the optimizer update the weights in place. The numbers reported are Keras':

    loss      mean of the per-batch losses, weighted by batch size, each taken *before* that
              batch's update (so an epoch's loss mixes the weights of all its batches; only with
              one batch per epoch is the first epoch's loss that of the starting weights)
    metrics   the same running mean of per-example metrics (accuracy, mae, ...)
    val_*     loss and metrics on the validation data with the weights at the end of the epoch

The tutorials' gradient descent is the special case batch_size = m (all examples at once) with
optimizer SGD(learning_rate=eta).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from scratch import losses as losses_module
from scratch import metrics as metrics_module
from scratch import optimizers as optimizers_module
from scratch.callbacks import CallbackList, History
from scratch.checks import as_float_array, flag, generator, one_hot_hint, real
from scratch.divergence import Watchdog
from scratch.dropout import check_masks


def fit(net, X, y, *, loss, optimizer="rmsprop", epochs: int = 1, batch_size: int = 32,
        shuffle: bool = True, seed: int | np.random.Generator | None = None, validation_data=None,
        validation_split: float = 0.0, metrics=(), callbacks=(), verbose: int = 1,
        initial_epoch: int = 0, masks=None) -> History:
    """Train `net` on (X, y); returns a History whose `.history` has Keras' keys.

    X (m, n_in), y (m, n_out) -- or (m,) for a single output, reshaped as Keras does. Both are cast
    to the network's dtype. `validation_split` holds out the *last* fraction of the rows before any
    shuffling (Keras' rule). `seed` (an int, or a Generator to continue) fixes the shuffling order.
    `verbose`: 0 silent, 1 one line per epoch (with a live batch counter on a terminal), 2 one line
    per epoch; "auto" is 1, as in Keras. `metrics` is a list of names such as ["accuracy"]; `callbacks` a
    list (None: none, as in Keras). `initial_epoch` (0-based, at most `epochs`) is where a resumed training starts.
    Training runs with training=True: each Dropout layer draws a mask per batch, or, with
    `masks(epoch, batch)` (a callable; both 0-based), uses the list it returns, one boolean keep-array
    (rows of that batch, n) per Dropout layer -- to replay masks drawn elsewhere (Keras', in make train).
    The loss includes the layers' penalties (kernel_regularizer), as in Keras.
    Training stops with a TrainingDiverged naming the epoch, the batch and the likely cause as soon as
    the rule of `scratch.divergence` says it has diverged (a NaN or inf, or an epoch's loss above
    1000 x max(1, the starting loss)).
    """
    loss = net.check_loss(loss)     # the output/loss pairing, once: the batch loop does not check it again
    optimizer = optimizers_module.get(optimizer)
    _check_positive_int(epochs, "epochs")
    _check_positive_int(batch_size, "batch_size")
    _check_initial_epoch(initial_epoch, epochs)
    if masks is not None and not callable(masks):
        raise TypeError(f"masks must be None or a callable masks(epoch, batch) -> list of boolean keep-arrays, "
                        f"got {type(masks).__name__}")
    if masks is not None and not net.dropout_layers:
        raise ValueError("masks were given, but the network has no Dropout layer")
    rng = generator(seed)                                   # the generator that shuffles
    shuffle = flag("shuffle", shuffle)
    verbose = _check_verbose(verbose)
    metrics = _check_metrics(metrics)
    callbacks = _check_callbacks(callbacks)
    validation_split = real("validation_split", validation_split)
    X, y = _check_xy(net, X, y, "")
    _check_labels(loss, y, "y")     # valid labels, checked once here: the batch loop below skips every check
    if validation_split:
        if validation_data is not None:
            raise ValueError("pass validation_data or validation_split, not both")
        if not 0 < validation_split < 1:
            raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
        split_at = int(np.floor(len(X) * (1.0 - validation_split)))     # Keras: floor, last rows held out
        if split_at in (0, len(X)):
            raise ValueError(f"validation_split={validation_split} leaves an empty split of {len(X)} rows")
        X, X_val, y, y_val = X[:split_at], X[split_at:], y[:split_at], y[split_at:]
        validation_data = (X_val, y_val)
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list):           # len(5) would say "object of type 'int' ..."
            raise TypeError(f"validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}")
        if len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (X_val, y_val)")
        X_val, y_val = _check_xy(net, *validation_data, "validation ")
        _check_labels(loss, y_val, "validation y")

    metric_fns = {name: metrics_module.resolve(name, net.n_out) for name in metrics}
    history = History()
    callbacks = CallbackList([history, *callbacks])
    callbacks.set_model(net)
    # Like Keras' model.optimizer: callbacks (a checkpoint, say) can reach the optimizer's state and
    # the shuffling generator through the network while it trains.
    net.stop_training = False
    net.optimizer = optimizer
    net.shuffle_rng = rng
    params = net.params()
    m = len(X)
    n_batches = -(-m // batch_size)
    watchdog = Watchdog(net, optimizer, m)
    callbacks.on_train_begin({})

    for epoch in range(initial_epoch, epochs):
        callbacks.on_epoch_begin(epoch, {})
        start = time.perf_counter()
        # One permuted copy of the data per epoch, then every batch is a slice: a view, no copy.
        # (Indexing X[rows] batch by batch would copy each batch's rows, in the hot loop.)
        # np.take(X, order, axis=0) is X[order] (on NumPy 2.4 both copy 20,000 rows of 784 float32
        # in about 6 ms, a few thousandths of a large epoch).
        if shuffle:
            order = rng.permutation(m)                              # (m,)  this epoch's row order
            X_epoch = np.take(X, order, axis=0)                     # (m, n_in)  = X[order]
            y_epoch = np.take(y, order, axis=0)                     # (m, n_out) = y[order]
        else:
            X_epoch, y_epoch = X, y
        loss_sum, metric_sums = 0.0, dict.fromkeys(metric_fns, 0.0)
        watchdog.start_epoch(epoch)
        for i in range(n_batches):
            batch = slice(i * batch_size, (i + 1) * batch_size)
            Xb, yb = X_epoch[batch], y_epoch[batch]                 # (mb, n_in), (mb, n_out)
            step_masks = None if masks is None else _replayed(masks, epoch, i, net, len(Xb))
            # Watchdog: an overflow or NaN anywhere in this step, or a loss far above the starting one,
            # stops training with a message naming the epoch, the batch and the likely cause.
            with watchdog.batch(i, Xb, yb):
                value, grads = net._loss_and_gradients(Xb, yb, loss, True, step_masks)   # training=True
                watchdog.loss(value, len(Xb))                           # before the update
                optimizer.apply(grads, params)
            loss_sum += value * len(Xb)
            for name, fn in metric_fns.items():
                metric_sums[name] += float(np.sum(fn(yb, net.layers[-1].a)))
            if verbose == 1 and sys.stdout.isatty():
                print(f"\rEpoch {epoch + 1}/{epochs}  batch {i + 1}/{n_batches}", end="", flush=True)

        logs = {"loss": loss_sum / m, **{name: s / m for name, s in metric_sums.items()}}
        if validation_data is not None:
            logs.update(evaluate(net, X_val, y_val, loss=loss, metrics=metrics, prefix="val_"))
        callbacks.on_epoch_end(epoch, logs)
        if verbose:
            shown = "  ".join(f"{k}: {v:.4f}" for k, v in logs.items())
            print(f"\rEpoch {epoch + 1}/{epochs}  {shown}  ({time.perf_counter() - start:.2f}s)", flush=True)
        if net.stop_training:
            break
    callbacks.on_train_end({})
    return history


def evaluate(net, X, y, *, loss, metrics=(), prefix: str = "") -> dict[str, float]:
    """Loss and metrics of the current weights on (X, y), as `{prefix + "loss": ..., ...}`."""
    loss = losses_module.get(loss)
    metrics = _check_metrics(metrics)
    value = net.loss(X, y, loss)                                # checks y (np.asarray would unmask a masked y)
    a = net.layers[-1].a
    logs = {prefix + "loss": value}
    for name in metrics:                                        # (each matches y (m,) to a (m, 1) itself)
        logs[prefix + name] = float(np.mean(metrics_module.resolve(name, net.n_out)(y, a)))
    return logs


def _replayed(masks, epoch: int, batch: int, net, rows: int) -> list[np.ndarray]:
    """masks(epoch, batch), checked against this batch; an error names the call that returned it."""
    try:
        return check_masks(masks(epoch, batch), net.dropout_widths, rows, True)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"masks({epoch}, {batch}): {exc}") from None


def _check_xy(net, X, y_given, what: str):
    X = net.check_inputs(X, name=f"{what}X")                       # in the network's dtype
    y = as_float_array(y_given, f"{what}y", net.dtype)             # numeric, finite, in the network's dtype
    if y.ndim == 1 and net.n_out == 1:
        y = y.reshape(-1, 1)                                        # (m, 1), as Keras does
    if y.ndim != 2 or y.shape[1] != net.n_out or y.shape[0] != X.shape[0]:
        raise ValueError(f"{what}y has shape {y.shape}; expected ({X.shape[0]}, {net.n_out}) for "
                         f"{what}X of shape {X.shape} and a network with {net.n_out} outputs"
                         + one_hot_hint(y_given, y, X.shape[0], net.n_out, code="y_val" if what else "y"))
    return X, y


def _check_labels(loss, y: np.ndarray, name: str) -> None:
    """The loss's own label check (0/1, one-hot rows ...), its message prefixed with which labels."""
    try:
        loss._check_targets(y)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _check_verbose(verbose) -> int:
    if verbose == "auto":
        return 1                                            # as Keras 3's ProgbarLogger turns "auto" into 1
    choices = "0 (silent), 1 (a line per epoch and a batch counter), 2 (a line per epoch) or \"auto\" (1)"
    if isinstance(verbose, bool) or not isinstance(verbose, int | np.integer):
        raise TypeError(f"verbose must be {choices}, got {type(verbose).__name__} {verbose!r}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be {choices}, got {verbose}")
    return int(verbose)


def _check_metrics(metrics) -> list[str]:
    # A bare string would be read letter by letter ("unknown metric 'a'"); Keras 3 refuses it too.
    if not isinstance(metrics, list | tuple):
        raise TypeError(f"metrics must be a list of names such as [\"accuracy\"], got {type(metrics).__name__} "
                        f"{metrics!r}")
    return list(metrics)


_HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


def _check_callbacks(callbacks) -> list:
    """The callbacks as a list: None is none (Keras' default); each must define one of Keras' hooks at least."""
    if callbacks is None:
        return []
    if not isinstance(callbacks, list | tuple):
        raise TypeError(f"callbacks must be a list such as [EarlyStopping()] (or None), got "
                        f"{type(callbacks).__name__}")
    for i, cb in enumerate(callbacks):
        if not any(callable(getattr(cb, hook, None)) for hook in _HOOKS):
            raise TypeError(f"callbacks[{i}] is a {type(cb).__name__}, not a callback: a callback is a "
                            f"scratch.callbacks.Callback, or any object with one of the methods {', '.join(_HOOKS)}")
    return list(callbacks)


def _check_initial_epoch(initial_epoch, epochs: int) -> None:
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, int | np.integer):
        raise TypeError(f"initial_epoch must be an int, got {type(initial_epoch).__name__}")
    if not 0 <= initial_epoch <= epochs:
        raise ValueError(f"initial_epoch must be between 0 and epochs={epochs} (the 0-based epoch to start "
                         f"from), got {initial_epoch}")


def _check_positive_int(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
