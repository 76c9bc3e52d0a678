"""TensorBoard for the scratch network: the tags and steps of keras.callbacks.TensorBoard, plus a look inside.

`scratch` stays NumPy-only, so its TensorBoard writer lives here. `ScratchBoard` is a scratch
callback (`net.fit(..., callbacks=[board])`); at the end of every epoch it writes, with `tf.summary`,
exactly what Keras 3's TensorBoard callback (histogram_freq=1, update_freq="epoch") writes, so the
two runs overlay in one chart:

    <log_dir>/train       epoch_loss, epoch_<metric>, epoch_learning_rate        step = epoch (from 0)
                          <weight path>/histogram  for every W and b              step = epoch
    <log_dir>/validation  epoch_loss, epoch_<metric>  (Keras drops the "val_" prefix)
                          evaluation_loss_vs_iterations, evaluation_<metric>_vs_iterations
                                                      step = optimizer steps so far

and, in <log_dir>/train, what only the scratch network can show:

    gradients/<weight path>   histogram of dC/dW and dC/db (BP4, BP3) over the WHOLE training set at the
                              epoch's final weights -- one extra forward and backward pass, not the last
                              mini-batch's gradient, so it is the same quantity every epoch and shrinks
                              towards 0 as training converges
    deltas/<layer>            size of delta_l = dC/dz_l from that same pass: sqrt(mean_x ||delta_l(x)||^2)
                              with delta_l(x) one example's error (m * the row of the batch's delta, which
                              carries the 1/m of the mean), so it does not depend on the number of rows
    parity/max_weight_gap     largest relative gap between this run's weights and the Keras twin's at the
                              end of the same epoch: max over arrays of max|W - W_keras| / max|W_keras|

Both writers count the seconds they spend (`.seconds`; `TimedTensorBoard` is Keras' callback with a
stopwatch), so `make train` can show how much of each side's time goes into logging.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_models.twins.interrupts import HeldInterrupt
from scratch.agreement import relative_gap


def max_relative_gap(weights: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> float:
    """max over the arrays of  max|w - w_ref| / max|w_ref|  (each array measured against its own scale)."""
    weights, reference = list(weights), list(reference)
    if len(weights) != len(reference):
        raise ValueError(f"{len(weights)} weight arrays against {len(reference)} reference arrays")
    gaps = []
    for i, (w, w_ref) in enumerate(zip(weights, reference, strict=True)):
        if np.shape(w) != np.shape(w_ref):
            raise ValueError(f"weights[{i}] has shape {np.shape(w)}, the reference {np.shape(w_ref)}")
        gaps.append(relative_gap(w, w_ref))                     # a zero bias: the absolute gap
    return max(gaps)


class ScratchBoard:
    """A scratch callback writing TensorBoard summaries under log_dir/train and log_dir/validation.

    learning_rate   logged as epoch_learning_rate, as Keras logs its optimizer's rate
    train_data      (X, y, loss) of the training set, for the gradient histograms and delta sizes
    steps_per_epoch number of mini-batches per epoch: the step of the evaluation_*_vs_iterations scalars
    weight_names    one name per array of net.get_weights(), e.g. Keras' `[w.path for w in model.weights]`
                    (default "dense_<l>/kernel", "dense_<l>/bias"), so histogram tags match the twin's
    reference       the Keras twin's weights at the end of each epoch (reference[epoch] is a list like
                    get_weights()); None leaves out parity/max_weight_gap
    """

    def __init__(self, log_dir: str | Path, *, learning_rate: float, train_data: tuple, steps_per_epoch: int,
                 weight_names: Sequence[str] | None = None,
                 reference: Sequence[Sequence[np.ndarray]] | None = None):
        if len(train_data) != 3:
            raise ValueError("train_data must be (X_train, y_train, loss)")
        if isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, int) or steps_per_epoch < 1:
            raise ValueError(f"steps_per_epoch must be a positive int, got {steps_per_epoch!r}")
        self.log_dir = Path(log_dir)
        self.learning_rate = float(learning_rate)
        self.train_data = train_data
        self.steps_per_epoch = steps_per_epoch
        self.weight_names = None if weight_names is None else [n.replace(":", "_") for n in weight_names]
        self.reference = reference
        self.gaps: list[float] = []           # parity/max_weight_gap of each epoch, for the summary table
        self.seconds = 0.0                    # time spent here (gradient pass and writing), for the summary
        self.model = None
        self._train_writer = self._val_writer = None

    def set_model(self, net) -> None:
        self.model = net
        n_arrays = len(net.params())                                    # W and b of each Dense layer
        names = self.weight_names or [f"dense_{l + 1}/{kind}" for l in range(n_arrays // 2)
                                      for kind in ("kernel", "bias")]
        if len(names) != n_arrays:
            raise ValueError(f"weight_names has {len(names)} names, the network {n_arrays} arrays")
        self.weight_names = names

    # Each hook below calls TensorFlow, and a Ctrl-C must not land inside it (interrupts.py): under
    # HeldInterrupt it waits until the hook has finished, then is raised from our code (in make train, once the
    # epoch's checkpoint is saved and its progress line printed too: sides.HeldEpochEnd holds it across all three).

    def on_train_begin(self, logs=None):
        with HeldInterrupt():
            self._train_writer = tf.summary.create_file_writer(str(self.log_dir / "train"))
            self._val_writer = tf.summary.create_file_writer(str(self.log_dir / "validation"))

    def on_epoch_end(self, epoch, logs=None):
        with HeldInterrupt():
            self._write_epoch(epoch, logs)

    def _write_epoch(self, epoch, logs=None):
        start = time.perf_counter()
        logs = logs or {}
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        with self._train_writer.as_default(step=epoch):
            for name, value in train_logs.items():
                tf.summary.scalar(f"epoch_{name}", value)
            tf.summary.scalar("epoch_learning_rate", self.learning_rate)
            for name, w in zip(self.weight_names, self.model.get_weights(), strict=True):
                tf.summary.histogram(f"{name}/histogram", w)
            self._write_gradients_and_deltas()
            if self.reference is not None:
                self.gaps.append(max_relative_gap(self.model.get_weights(), self.reference[epoch]))
                tf.summary.scalar("parity/max_weight_gap", self.gaps[-1])
        if val_logs:
            with self._val_writer.as_default():
                for name, value in val_logs.items():
                    tf.summary.scalar(f"epoch_{name}", value, step=epoch)
                    tf.summary.scalar(f"evaluation_{name}_vs_iterations", value,
                                      step=(epoch + 1) * self.steps_per_epoch)
        # no flush of our own: leaving each as_default() block flushed its writer, as for Keras' callback
        self.seconds += time.perf_counter() - start

    def _write_gradients_and_deltas(self) -> None:
        """One forward and backward pass over the whole training set at the current weights."""
        X, y, loss = self.train_data
        _, grads = self.model.loss_and_gradients(X, y, loss)       # [dC/dW_1, dC/db_1, ...]  BP4, BP3
        for name, g in zip(self.weight_names, grads, strict=True):
            tf.summary.histogram(f"gradients/{name}", g)
        m = len(X)
        for l, delta in enumerate(self.model.deltas):               # delta_l = dC/dz_l, (m, n_l), carries 1/m
            per_example = m * delta.astype(np.float64)              # (m, n_l): each example's own error
            size = np.sqrt(np.mean(np.sum(per_example**2, axis=1)))
            tf.summary.scalar(f"deltas/dense_{l + 1}", size)

    def on_train_end(self, logs=None):
        with HeldInterrupt():
            for writer in (self._train_writer, self._val_writer):
                if writer is not None:
                    writer.close()


class TimedTensorBoard(keras.callbacks.TensorBoard):
    """keras.callbacks.TensorBoard, counting the seconds it spends writing (for the summary table).

    Nothing more is needed for a run killed outright to keep every finished epoch in its logs: Keras 3 writes
    each epoch's summaries inside its writers' `as_default()` blocks, and leaving such a block flushes the writer
    (TF 2.21), the train writer and the validation writer alike (test_interruptions' kill -9 test reads both)."""

    seconds = 0.0

    def on_epoch_end(self, epoch, logs=None):
        start = time.perf_counter()
        super().on_epoch_end(epoch, logs)
        self.seconds += time.perf_counter() - start

    def on_test_end(self, logs=None):
        start = time.perf_counter()
        super().on_test_end(logs)
        self.seconds += time.perf_counter() - start
