"""One task of `make train`: the scratch Network and its Keras twin, from the same start, side by side.

For a task the scratch Network (float32) and its Keras twin (`to_keras`) start from identical
weights, see the same mini-batches in the same order (no shuffling on either side: `data.prepare`
has already shuffled the rows once, with a seed, before splitting), and use the same optimizer
hyper-parameters. Keras trains first and its weights are recorded at the end of every epoch; then
the scratch network trains, and its TensorBoard writer (`board.ScratchBoard`) compares the two at
each epoch (`parity/max_weight_gap`). A task trained with Dropout (its `dropout` rate in the task
table) has a Dropout layer after each hidden layer on both sides; the Keras side records the masks it
draws at every step (`keras_models.twins.masks.RecordingDropout`, inside its compiled fit), and the
scratch side replays them, so both switch off the same units at the same step. Logs go to

    <task_dir>/keras/{train,validation}      keras.callbacks.TensorBoard
    <task_dir>/scratch/{train,validation}    board.ScratchBoard

with the same tags and steps, so `make tensorboard` overlays the two curves in one chart. Each side
saves a checkpoint at the end of every epoch (<task_dir>/{keras,scratch}/checkpoint.npz) and a side
that finds one continues from it. When the Keras side diverges, the scratch side still trains the epochs Keras
finished (a diverged run is never resumed), and then the divergence is reported.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from data import Defaults, Prepared, get_task, prepare
from keras_models.train.board import ScratchBoard, TimedTensorBoard, max_relative_gap
from keras_models.train.checkpoints import (
    CHECKPOINT,
    KerasCheckpoint,
    ScratchCheckpoint,
    SideState,
    restore_keras,
    restore_scratch,
)
from keras_models.train.event_files import EVENT_FILES, as_os_error, forget_epochs_after
from keras_models.train.options import task_settings
from keras_models.train.progress import EpochPrinter
from keras_models.train.runs import RunDirectoryError
from keras_models.train.watchdog import KerasWatchdog
from keras_models.twins import masks
from keras_models.twins.bridge import keras_loss, to_keras
from keras_models.twins.counted import counted
from keras_models.twins.data_parallel import DataParallelSequential
from keras_models.twins.interrupts import HeldInterrupt, held_then_dropped
from keras_models.twins.optimizer_bridge import adam_in_float32, keras_optimizer
from keras_models.twins.pipeline import STEPS_PER_EXECUTION, keras_batches
from scratch import Dense, Dropout, Network, optimizers
from scratch.callbacks import CallbackList
from scratch.divergence import TrainingDiverged

SEED = 0


@dataclass
class SideResult:
    history: dict[str, list[float]]     # every epoch, those before a resume included
    seconds: float                      # wall time of fit in this session, TensorBoard writing included (nan: skipped)
    board_seconds: float                # of which the TensorBoard callback's own work

    @classmethod
    def finished_before(cls, state: SideState) -> SideResult:
        """A side whose last epoch was done before this resume: its history, and no time in this session."""
        return cls(state.history, float("nan"), float("nan"))


@dataclass
class TaskResult:
    task: str
    settings: Defaults
    log_dir: Path
    sides: dict[str, SideResult] = field(default_factory=dict)     # "keras", "scratch"
    weight_gaps: list[float] = field(default_factory=list)         # parity/max_weight_gap per epoch

    @property
    def metric(self) -> str:
        return get_task(self.task).metric


def build_twins(task: str, data: Prepared, settings: Defaults,
                strategy: tf.distribute.Strategy | None = None) -> tuple[Network, keras.Sequential]:
    """The scratch network (float32, seeded Glorot weights; Dropout(settings.dropout) after each hidden layer
    if that rate is not 0) and its compiled Keras copy with the same weights, recording its dropout masks,
    built in `strategy`'s scope (default: one device) so that its weights live on every replica."""
    sizes = [data.n_features, *settings.hidden, data.n_outputs]
    activations = ["relu"] * len(settings.hidden) + [data.output_activation]
    layers: list[Dense | Dropout] = []
    for l, (n_in, n_out, g) in enumerate(zip(sizes, sizes[1:], activations, strict=False)):
        layers.append(Dense(n_in, n_out, g, seed=SEED + l, dtype="float32"))
        if settings.dropout and l < len(settings.hidden):
            layers.append(Dropout(settings.dropout, seed=SEED + l))     # the seed of Keras' draws
    net = Network(layers)
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        # named: the histogram tags read "<task>/dense_1/kernel"; DataParallelSequential: the full batch's
        # gradient however the replicas split it (on one device it is keras.Sequential)
        model = to_keras(net, name=task, dropout_layer=masks.RecordingDropout, model_class=DataParallelSequential)
        keras.utils.set_random_seed(SEED)
        # STEPS_PER_EXECUTION batches per call under MirroredStrategy too: keras-team/keras#19246 ("You must
        # feed a value for placeholder tensor") did not arise on TF 2.21 / Keras 3.15 in any case make train
        # reaches (every task on 2 and 4 devices, multiclass on 16 with empty shards, short last batches,
        # validation, RESUME=1, EPOCHS=1: the one-device weights within 1e-6; tests/test_devices.py)
        model.compile(loss=keras_loss(data.X_train.dtype, data.loss),
                      optimizer=keras_optimizer(adam_in_float32(settings.learning_rate)),
                      metrics=[get_task(task).metric], steps_per_execution=STEPS_PER_EXECUTION)
        masks.record(model, settings.epochs * steps_per_epoch(data, settings), settings.batch_size)
    return net, model


def steps_per_epoch(data: Prepared, settings: Defaults) -> int:
    return -(-len(data.X_train) // settings.batch_size)


def fit_keras(model: keras.Sequential, data: Prepared, settings: Defaults, log_dir: Path,
              printer: EpochPrinter, state: SideState) -> SideResult:
    """Keras' fit from epoch state.epoch + 1 with its TensorBoard callback; `state` records every epoch."""
    if state.epoch == settings.epochs - 1:
        return SideResult.finished_before(state)
    train = keras_batches(data.X_train, data.y_train, settings.batch_size)
    val = keras_batches(data.X_val, data.y_val, settings.batch_size)
    board = TimedTensorBoard(log_dir=str(log_dir), histogram_freq=1, profile_batch=0, update_freq="epoch",
                             write_graph=False)
    first_batch = (data.X_train[:settings.batch_size], data.y_train[:settings.batch_size])
    held = HeldInterrupt()                  # Ctrl-C: raised after a batch, never inside TensorFlow (interrupts.py)
    callbacks = [KerasWatchdog(settings.learning_rate, first_batch), board,
                 KerasCheckpoint(log_dir / CHECKPOINT, state),
                 keras.callbacks.LambdaCallback(on_epoch_end=printer.on_epoch_end),
                 held]                      # last: an epoch that ended is saved and printed first
    start = time.perf_counter()
    try:
        with held:
            model.fit(train, epochs=settings.epochs, initial_epoch=state.epoch + 1, validation_data=val,
                      shuffle=False, verbose=0, callbacks=callbacks)
    except BaseException as stop:           # Ctrl-C, a diverged loss: close (and flush) the writers fit left open
        board.on_train_end()
        if isinstance(stop, TrainingDiverged):
            printer.stopped()               # the last epoch it finished, before the scratch side's lines
        raise
    return SideResult(state.history, time.perf_counter() - start, board.seconds)


class HeldEpochEnd(CallbackList):
    """Scratch callbacks whose epoch ends run as one block under HeldInterrupt: a Ctrl-C during any of them is
    raised after the last. So an epoch whose summaries were written is also saved and printed, as on the
    Keras side, where fit_keras places its `held` callback last."""

    def on_epoch_end(self, epoch, logs=None):
        with HeldInterrupt():                       # the board's own block, inside, leaves the holding to this one
            super().on_epoch_end(epoch, logs)


def fit_scratch(net: Network, data: Prepared, settings: Defaults, board: ScratchBoard, printer: EpochPrinter,
                state: SideState, optimizer: optimizers.Adam, rng: np.random.Generator | None,
                model: keras.Sequential, epochs: int | None = None) -> SideResult:
    """The scratch network's fit from epoch state.epoch + 1 to `epochs` (default: the run's), with its TensorBoard
    writer and checkpoint, replaying the dropout masks the Keras twin `model` drew (if it has Dropout)."""
    epochs = settings.epochs if epochs is None else epochs
    if state.epoch == epochs - 1:      # finished before a resume that retrains Keras (its checkpoint deleted)
        return SideResult.finished_before(state)
    replayed = masks.replay(masks.recorded(model), len(data.X_train)) if net.dropout_layers else None
    start = time.perf_counter()
    try:
        net.fit(data.X_train, data.y_train, loss=data.loss, optimizer=optimizer, epochs=epochs,
                batch_size=settings.batch_size, shuffle=False, seed=rng, initial_epoch=state.epoch + 1, masks=replayed,
                validation_data=(data.X_val, data.y_val), metrics=[get_task(data.task).metric], verbose=0,
                callbacks=[HeldEpochEnd([board, ScratchCheckpoint(board.log_dir / CHECKPOINT, state), printer])])
    except BaseException as stop:
        board.on_train_end()
        if isinstance(stop, TrainingDiverged):
            printer.stopped()               # the last epoch it finished, before the divergence's line
        raise
    return SideResult(state.history, time.perf_counter() - start, board.seconds)


def run_task(task: str, task_dir: Path, *, quiet: bool = False, strategy: tf.distribute.Strategy | None = None,
             **overrides) -> TaskResult:
    """Train `task` on both sides, logging to task_dir/keras and task_dir/scratch; a side that has a
    checkpoint from an interrupted attempt continues from it. The Keras side trains under `strategy`
    (default: one device; see devices.py). `overrides`: see options.task_settings."""
    settings = task_settings(task, **overrides)
    data = prepare(task, dtype="float32", seed=SEED, max_rows=settings.max_rows)
    net, model = build_twins(task, data, settings, strategy)
    optimizer = adam_in_float32(settings.learning_rate)
    keras_dir, scratch_dir = task_dir / "keras", task_dir / "scratch"
    steps = steps_per_epoch(data, settings)
    with (strategy or tf.distribute.get_strategy()).scope():     # the optimizer's state: on every replica
        keras_state = (restore_keras(keras_dir / CHECKPOINT, model, settings.epochs, steps)
                       if (keras_dir / CHECKPOINT).exists() else SideState())
    scratch_state, rng = (restore_scratch(scratch_dir / CHECKPOINT, net, optimizer, settings.epochs, steps)
                          if (scratch_dir / CHECKPOINT).exists() else (SideState(), None))
    result = TaskResult(task, settings, task_dir)
    if keras_state.epoch == scratch_state.epoch == settings.epochs - 1:
        print(f"\n{task}: finished before the interruption, skipped", flush=True)
        result.sides = {"keras": SideResult.finished_before(keras_state),
                        "scratch": SideResult.finished_before(scratch_state)}
        result.weight_gaps = [final_gap(net, keras_state)]
        return result
    checkpointed = ((keras_state, keras_dir), (scratch_state, scratch_dir))
    for state, side_dir in checkpointed:
        require_logged(side_dir, state)
        forget_epochs_after(side_dir, state.epoch, steps)               # what was logged after the checkpoint
    if not quiet:
        print(f"\n{heading(task, data, net, settings, keras_state, scratch_state)}", flush=True)

    side, keras_diverged = "keras", None
    try:
        try:
            result.sides["keras"] = fit_keras(model, data, settings, keras_dir,
                                              EpochPrinter("keras", settings.epochs, quiet), keras_state)
        except TrainingDiverged as diverged:
            # A diverged run is not resumed: the scratch side trains now the epochs Keras finished, or never (it
            # would have no curve to lie on Keras'). The divergence is reported after them, below, or after whatever
            # stops them: a run reported "interrupted" or "failed" would be resumed, only to diverge again.
            keras_diverged = diverged
        side = "scratch"
        board = ScratchBoard(scratch_dir, learning_rate=optimizer.learning_rate,
                             train_data=(data.X_train, data.y_train, data.loss),
                             steps_per_epoch=steps,
                             weight_names=[w.path for w in model.weights], reference=keras_state.weights_after_epoch)
        if keras_diverged is None or keras_state.epoch > scratch_state.epoch:
            last = settings.epochs if keras_diverged is None else keras_state.epoch + 1
            result.sides["scratch"] = fit_scratch(net, data, settings, board,
                                                  EpochPrinter("scratch", settings.epochs, quiet, last=last),
                                                  scratch_state, optimizer, rng, model, epochs=last)
        if keras_diverged is not None:
            raise keras_diverged
    except BaseException as stop:
        # The epoch that was stopped is logged on neither side: Keras has written its validation's
        # evaluation_*_vs_iterations point if the watchdog stopped it (on_test_end comes before on_epoch_end), the
        # scratch side stops mid-epoch, an epoch whose checkpoint could not be written (a full disk) had written its
        # summaries first, and each writer opened has written its file's header (stopped in the first epoch, only
        # that). Drop all of that, so TensorBoard shows each side's checkpointed epochs and no empty run; run.json
        # says why the curves stop ("diverged", "interrupted", "failed"). A Ctrl-C waits for it, and is then
        # answered by the stop itself: it must not turn a divergence into an "interrupted" run that RESUME=1 would
        # take up only to diverge again (a second Ctrl-C cuts the dropping short). A log that cannot be rewritten
        # now (a full disk, a damaged file) stays as it is: the stop's own message is the learner's (the resumed
        # run drops the same summaries, or names the file).
        with held_then_dropped(), contextlib.suppress(OSError, RunDirectoryError):
            for state, side_dir in checkpointed:
                forget_epochs_after(side_dir, state.epoch, steps)
        if keras_diverged is not None:
            # whatever stopped the scratch side as it caught up (a Ctrl-C, a full disk, its own divergence), the run
            # diverged: reported "interrupted" or "failed", RESUME=1 would take it up only to diverge again
            caught_up = _caught_up(keras_state.epoch + 1, scratch_state.epoch + 1,
                                   diverged=isinstance(stop, TrainingDiverged) and stop is not keras_diverged)
            raise TrainingDiverged(f"{task} (keras side): {keras_diverged}{caught_up}",
                                   keras_diverged.smaller_learning_rate) from None
        full_disk = as_os_error(stop)
        if full_disk is not stop:                       # a full disk under TensorBoard's writer
            raise full_disk from None
        if not isinstance(stop, TrainingDiverged):
            raise
        raise TrainingDiverged(f"{task} ({side} side): {stop}", stop.smaller_learning_rate) from None
    result.weight_gaps = board.gaps or [final_gap(net, keras_state)]   # a scratch side finished before: no gap now
    return result


def require_logged(side_dir: Path, state: SideState) -> None:
    """A RunDirectoryError when a side's checkpoint holds finished epochs but a TensorBoard log of the side is gone
    (its train/ or validation/ folder deleted by hand): resumed, that curve would have shown only the epochs after
    the checkpoint, without a word."""
    if state.epoch < 0:                                             # nothing checkpointed: nothing to have logged
        return
    for split in ("train", "validation"):
        if not any((side_dir / split).glob(EVENT_FILES)):
            raise RunDirectoryError(
                f"{side_dir / split} holds no TensorBoard log, yet {side_dir / CHECKPOINT} holds {state.epoch + 1} "
                "finished epochs: resumed, its curve would lack them; delete that checkpoint to train the side over, "
                "then resume again")


def _caught_up(finished: int, caught: int, diverged: bool = False) -> str:
    """What the divergence's line adds about the scratch side, which trained after Keras diverged: the `finished`
    epochs Keras finished, of which it kept `caught` (fewer when a Ctrl-C, a full disk or its own divergence --
    `diverged` -- stopped it)."""
    if finished == 0:                               # Keras diverged in its first epoch: the scratch side never trained
        return ""
    if diverged and caught == 0:
        return " The scratch side diverged too, in its first epoch: nothing to compare in TensorBoard."
    if diverged:
        return (f" The scratch side diverged too, in epoch {caught + 1}, after {caught} of the {finished} epochs "
                "Keras finished, to compare in TensorBoard.")
    if caught == finished:
        return (f" The scratch side has trained the {counted(finished, 'epoch')} Keras finished, to compare in "
                "TensorBoard.")
    if caught == 0:
        return " The scratch side was stopped before its first epoch: nothing to compare in TensorBoard."
    return (f" The scratch side was stopped after {caught} of the {finished} epochs Keras finished, to compare in "
            "TensorBoard.")


def heading(task: str, data: Prepared, net: Network, settings: Defaults, keras_state: SideState,
            scratch_state: SideState) -> str:
    """The line that opens a task's training: its data, network, loss, optimizer, batch and epochs."""
    layers = " -> ".join(str(n) for n in [net.n_in, *(layer.n_out for layer in net.dense_layers)])
    layers += f", dropout {settings.dropout:g}" if net.dropout_layers else ""
    resumed = (f" (resuming: keras {keras_state.epoch + 1}/{settings.epochs} epochs done, scratch "
               f"{scratch_state.epoch + 1}/{settings.epochs})" if keras_state.epoch >= 0 else "")
    return (f"{task}: {data.dataset}, {len(data.X_train):,} train / {len(data.X_val):,} validation rows, "
            f"{layers} ({data.output_activation}), {data.loss}, Adam(learning_rate={settings.learning_rate:g}), "
            f"batch {settings.batch_size}, {counted(settings.epochs, 'epoch')}{resumed}")


def final_gap(net: Network, keras_state: SideState) -> float:
    """The max weight gap of the scratch network's weights to the Keras side's after its last epoch, for a
    scratch side that trained no epoch in this session (so its board logged no gap)."""
    return max_relative_gap(net.get_weights(), keras_state.weights_after_epoch[-1])
