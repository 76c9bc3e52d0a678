"""The Keras runs of `make bench`: Model.fit configured four ways, timed epoch by epoch beside scratch.

`make_runs(shape, X, y)` gives every run of one shape's table (the floor and the scratch runs come from
`numpy_runs`), and `measure` interleaves them A B C ... A B C, each epoch after the process is idle.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from keras_models.bench.numpy_runs import (
    LEARNING_RATE,
    LOSS,
    EpochTimer,
    Floor,
    ScratchRun,
    Shape,
    make_network,
    thread_label,
)
from keras_models.twins.bridge import keras_loss, to_keras
from keras_models.twins.cores import usable_cores
from keras_models.twins.optimizer_bridge import keras_optimizer
from keras_models.twins.pipeline import STEPS_PER_EXECUTION, keras_batches
from scratch import optimizers

# The cores this process may run on: in a container or under taskset that is fewer than os.cpu_count(),
# the machine's count, and as many BLAS threads as that would fight over the few it has.
CORES = usable_cores()
# Four Keras models per shape trace their graphs on purpose: TensorFlow's "retracing" warning is noise.
tf.get_logger().setLevel("ERROR")


class KerasEpochTimer(EpochTimer, keras.callbacks.Callback):
    """numpy_runs' EpochTimer as a Keras callback: both sides are timed by the same two hooks."""


class KerasRun:
    """Model.fit, one epoch per call; `compile_args` and `dataset` say how it is configured."""

    def __init__(self, shape: Shape, X: np.ndarray, y: np.ndarray, compile_args: dict,
                 dataset: Callable[[], tf.data.Dataset] | None = None):
        self.shape, self.X, self.y = shape, X, y
        self.model = to_keras(make_network(shape))                  # the scratch runs' starting weights
        self.model.compile(loss=keras_loss("float32", LOSS),
                           optimizer=keras_optimizer(optimizers.Adam(learning_rate=LEARNING_RATE)),
                           metrics=["accuracy"], **compile_args)
        self.dataset = dataset() if dataset is not None else None  # built once: its cache outlives an epoch

    def epoch(self) -> float:
        timer = KerasEpochTimer()
        if self.dataset is None:        # NumPy arrays: Keras slices and shuffles them itself
            self.model.fit(self.X, self.y, batch_size=self.shape.batch_size, epochs=1, callbacks=[timer], verbose=0)
        else:                           # a tf.data pipeline batches (and maybe shuffles) for it
            self.model.fit(self.dataset, epochs=1, shuffle=False, callbacks=[timer], verbose=0)
        return timer.seconds


def make_runs(shape: Shape, X: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Every run of the table for one shape, by name, in the order they are interleaved."""
    spe = STEPS_PER_EXECUTION

    def as_make_train() -> tf.data.Dataset:             # make train's pipeline (keras_models.train.sides)
        return keras_batches(X, y, shape.batch_size)

    def shuffled() -> tf.data.Dataset:                   # cached once, reshuffled every epoch, prefetched
        return (tf.data.Dataset.from_tensor_slices((X, y)).cache().shuffle(len(X), seed=0)
                .batch(shape.batch_size).prefetch(tf.data.AUTOTUNE))

    threads = sorted({1, CORES})
    runs: dict[str, object] = {}
    for n in threads:
        runs[f"floor: NumPy matmuls, {thread_label(n)}"] = Floor(shape, X, n)
    for n in threads:
        runs[f"scratch fit, {thread_label(n)}"] = ScratchRun(shape, X, y, n)
    runs["keras fit, default"] = KerasRun(shape, X, y, {})
    runs[f"keras fit, steps_per_execution={spe}"] = KerasRun(shape, X, y, {"steps_per_execution": spe})
    runs[f"keras fit, as make train (spe={spe}, cached tf.data)"] = KerasRun(
        shape, X, y, {"steps_per_execution": spe}, as_make_train)
    runs[f"keras fit, tuned (spe={spe}, shuffled tf.data, jit_compile)"] = KerasRun(
        shape, X, y, {"steps_per_execution": spe, "jit_compile": True}, shuffled)
    return runs


def settle(longest: float = 1.0, step: float = 0.05) -> None:
    """Wait until this process is idle, so that no run pays for the one before it.

    OpenBLAS's worker threads keep spinning for about 0.1 s after their last product: long enough to
    take a core from a 50 ms Keras epoch that follows. Python's garbage (a finished tf.data iterator)
    is collected here too, not in the middle of the next run.
    """
    gc.collect()
    deadline = time.perf_counter() + longest
    while time.perf_counter() < deadline:
        cpu = time.process_time()                       # CPU seconds of all this process's threads
        time.sleep(step)
        if time.process_time() - cpu < 0.1 * step:
            return


def measure(runs: dict[str, object], repeats: int) -> dict[str, list[float]]:
    """Seconds per epoch of each run: one warm-up epoch each, then `repeats` rounds A B C ... A B C."""
    for run in runs.values():
        run.epoch()                                                        # warm-up, not counted
    # What is alive now (the modules, TensorFlow's and Keras' objects, every run's model and data) lives to the
    # end: frozen, it is left out of settle()'s collections and of those Python starts during a timed epoch,
    # which then look at the garbage of the runs only (with TensorFlow loaded, a full collection takes ~0.2 s).
    gc.collect()
    gc.freeze()
    try:
        seconds: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeats):
            for name, run in runs.items():
                settle()
                seconds[name].append(run.epoch())
    finally:
        gc.unfreeze()
    return seconds
