"""`make train`: every task trained twice, from scratch and in Keras, from the same start, side by side.

    python -m keras_models.train [--tasks regression,binary,...] [--epochs N] [--learning-rate R]
                                 [--logdir DIR] [--quiet] [--resume]

For each task the scratch Network (float32) and its Keras twin (`to_keras`) start from identical
weights, see the same mini-batches in the same order (no shuffling on either side: `data.prepare`
has already shuffled the rows once, with a seed, before splitting), and use the same optimizer
hyper-parameters. Keras trains first and its weights are recorded at the end of every epoch; then
the scratch network trains, and its TensorBoard writer (`keras_models.board`) compares the two at
each epoch (`parity/max_weight_gap`). Logs go to

    <logdir>/<timestamp>/<task>/keras/{train,validation}      keras.callbacks.TensorBoard
    <logdir>/<timestamp>/<task>/scratch/{train,validation}    keras_models.board.ScratchBoard

with the same tags and steps, so `make tensorboard` overlays the two curves in one chart.

Nothing is lost to an interruption. Both sides save a checkpoint at the end of every epoch
(`keras_models.checkpoints`: <task>/{keras,scratch}/checkpoint.npz) and <timestamp>/run.json says
how far the run got (`keras_models.runs`). Ctrl-C stops cleanly -- logs flushed, a message saying
what was kept, exit code 130 -- and `--resume` (`make train RESUME=1`) continues the newest run that
is not complete, with its own settings: finished tasks are skipped, the others go on from their last
checkpoint, and their TensorBoard curves continue at the next epoch (what was logged after the last
checkpoint is dropped first: `board.forget_epochs_after`). It ends with the weights an uninterrupted
run would have had.
"""

from __future__ import annotations

import os
import time

STARTED = time.perf_counter()                            # for the total in the last line, imports included
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")      # before TensorFlow loads: keep its C++ chatter quiet
# Before NumPy loads: one BLAS thread. TensorFlow keeps its own thread pools on the same cores, and
# NumPy's BLAS threads competing with them made the scratch side 2-3x slower on this 2-core machine;
# matrices of a few thousand rows gain nothing from a second thread. (Only when run as a program:
# if NumPy is already imported, this line changes nothing.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

from keras_models.runs import (  # noqa: E402
    NothingToResume,
    RunDirectoryError,
    check_writable,
    new_run_directory,
    newest_unfinished,
    read_status,
    shown,
    write_status,
)
from keras_models.train_options import (  # noqa: E402
    DEFAULT_LOGDIR,
    TASK_SETTINGS,
    TaskSettings,
    check_tasks,
    parse_args,
    task_settings,
)

if __name__ == "__main__":
    # Everything that can be checked without TensorFlow is checked before it loads (about 5 s): a typo,
    # a --logdir that cannot be written or a --resume with nothing to resume is answered at once.
    _args = parse_args(sys.argv[1:])
    if _args.resume:
        try:
            newest_unfinished(_args.logdir)
        except NothingToResume as exc:
            sys.exit(f"error: {exc}")

try:
    import keras
    import numpy as np
    import tensorflow as tf

    from data.checksums import ChecksumError
    from data.prepare import TASKS, Prepared, prepare
    from keras_models.board import ScratchBoard, TimedTensorBoard, forget_epochs_after, max_relative_gap
    from keras_models.checkpoints import (
        CHECKPOINT,
        KerasCheckpoint,
        ScratchCheckpoint,
        SideState,
        restore_keras,
        restore_scratch,
        what_was_kept,
    )
    from keras_models.progress import EpochPrinter, format_summary
    from keras_models.reproducible import op_determinism
    from keras_models.twin import keras_loss, keras_optimizer, to_keras  # noqa: F401 (keras_optimizer: tests)
    from keras_models.watchdog import KerasWatchdog
    from scratch import Dense, Network, optimizers
    from scratch.checkpoint import CheckpointError
    from scratch.training import TrainingDiverged
except ImportError as exc:
    from keras_models.train_options import missing_dependency
    if __name__ == "__main__" and missing_dependency(exc):
        sys.exit(missing_dependency(exc))
    raise

SEED = 0
STEPS_PER_EXECUTION = 32        # Keras runs 32 batches per call into its compiled graph (measured: see README)
assert set(TASK_SETTINGS) == set(TASKS)


def adam_in_float32(learning_rate: float) -> optimizers.Adam:
    """Adam with Keras' default betas, every hyper-parameter rounded to float32 before either side sees it.

    Keras keeps beta_1 and beta_2 as float32 and raises the rounded values to the power t; scratch
    uses the Python floats it is given. Unrounded, 1 - 0.999 and 1 - float32(0.999) differ by 1.3e-5
    (relative), so the first steps differ by 6e-6, and Adam's sign-like steps carry that into a 7% weight
    gap within ten epochs. With the rounded numbers both sides compute the same Adam, and only the
    order of float32 sums differs (gap ~1e-6).
    """
    def f32(x: float) -> float:
        return float(np.float32(x))

    return optimizers.Adam(learning_rate=f32(learning_rate), beta_1=f32(0.9), beta_2=f32(0.999), epsilon=1e-7)


@dataclass
class SideResult:
    history: dict[str, list[float]]     # every epoch, those before a resume included
    seconds: float                      # wall time of fit in this session, TensorBoard writing included (nan: skipped)
    board_seconds: float                # of which the TensorBoard callback's own work


@dataclass
class TaskResult:
    task: str
    settings: TaskSettings
    log_dir: Path
    sides: dict[str, SideResult] = field(default_factory=dict)     # "keras", "scratch"
    weight_gaps: list[float] = field(default_factory=list)         # parity/max_weight_gap per epoch


def build_twins(task: str, data: Prepared, settings: TaskSettings) -> tuple[Network, keras.Sequential]:
    """The scratch network (float32, seeded Glorot weights) and its compiled Keras copy with the same weights."""
    sizes = [data.n_features, *settings.hidden, data.n_outputs]
    activations = ["relu"] * len(settings.hidden) + [data.output_activation]
    net = Network([Dense(n_in, n_out, g, seed=SEED + l, dtype="float32")
                   for l, (n_in, n_out, g) in enumerate(zip(sizes, sizes[1:], activations, strict=False))])
    model = to_keras(net, name=task)        # named: the histogram tags read "<task>/dense_1/kernel"
    keras.utils.set_random_seed(SEED)
    model.compile(loss=keras_loss(data.X_train.dtype, data.loss),
                  optimizer=keras_optimizer(adam_in_float32(settings.learning_rate)),
                  metrics=[settings.metric], steps_per_execution=STEPS_PER_EXECUTION)
    return net, model


def keras_batches(X: np.ndarray, y: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """A cached tf.data pipeline, batched in order: the batches scratch sees, without Keras re-slicing
    the NumPy arrays every epoch (about 1.5x faster here). `make bench` times this same pipeline."""
    return tf.data.Dataset.from_tensor_slices((X, y)).batch(batch_size).cache()


def fit_keras(model: keras.Sequential, data: Prepared, settings: TaskSettings, log_dir: Path,
              printer: EpochPrinter, state: SideState) -> SideResult:
    """Keras' fit from epoch state.epoch + 1 with its TensorBoard callback; `state` records every epoch."""
    if state.epoch == settings.epochs - 1:
        return SideResult(state.history, float("nan"), float("nan"))        # finished before a resume
    train = keras_batches(data.X_train, data.y_train, settings.batch_size)
    val = keras_batches(data.X_val, data.y_val, settings.batch_size)
    board = TimedTensorBoard(log_dir=str(log_dir), histogram_freq=1, profile_batch=0, update_freq="epoch",
                             write_graph=False)
    callbacks = [KerasWatchdog(settings.learning_rate), board, KerasCheckpoint(log_dir / CHECKPOINT, state),
                 keras.callbacks.LambdaCallback(on_epoch_end=printer.on_epoch_end)]
    start = time.perf_counter()
    try:
        model.fit(train, epochs=settings.epochs, initial_epoch=state.epoch + 1, validation_data=val, shuffle=False,
                  verbose=0, callbacks=callbacks)
    except BaseException:                   # Ctrl-C, a diverged loss: close (and flush) the writers fit left open
        board.on_train_end()
        raise
    return SideResult(state.history, time.perf_counter() - start, board.seconds)


def fit_scratch(net: Network, data: Prepared, settings: TaskSettings, board: ScratchBoard, printer: EpochPrinter,
                state: SideState, optimizer: optimizers.Adam, rng: np.random.Generator | None) -> SideResult:
    """The scratch network's fit from epoch state.epoch + 1, with its TensorBoard writer and checkpoint."""
    start = time.perf_counter()
    try:
        net.fit(data.X_train, data.y_train, loss=data.loss, optimizer=optimizer, epochs=settings.epochs,
                batch_size=settings.batch_size, shuffle=False, seed=rng, initial_epoch=state.epoch + 1,
                validation_data=(data.X_val, data.y_val), metrics=[settings.metric], verbose=0,
                callbacks=[board, ScratchCheckpoint(board.log_dir / CHECKPOINT, state), printer])
    except BaseException:
        board.on_train_end()
        raise
    return SideResult(state.history, time.perf_counter() - start, board.seconds)


def run_task(task: str, task_dir: Path, *, quiet: bool = False, **overrides) -> TaskResult:
    """Train `task` on both sides, logging to task_dir/keras and task_dir/scratch; a side that has a
    checkpoint from an interrupted attempt continues from it. `overrides`: see task_settings."""
    settings = task_settings(task, **overrides)
    data = prepare(task, dtype="float32", seed=SEED, max_rows=settings.max_rows)
    net, model = build_twins(task, data, settings)
    optimizer = adam_in_float32(settings.learning_rate)
    keras_dir, scratch_dir = task_dir / "keras", task_dir / "scratch"
    keras_state = restore_keras(keras_dir / CHECKPOINT, model) if (keras_dir / CHECKPOINT).exists() else SideState()
    scratch_state, rng = (restore_scratch(scratch_dir / CHECKPOINT, net, optimizer)
                          if (scratch_dir / CHECKPOINT).exists() else (SideState(), None))
    result = TaskResult(task, settings, task_dir)
    if keras_state.epoch == scratch_state.epoch == settings.epochs - 1:
        print(f"\n{task}: finished before the interruption, skipped", flush=True)
        result.sides = {"keras": SideResult(keras_state.history, float("nan"), float("nan")),
                        "scratch": SideResult(scratch_state.history, float("nan"), float("nan"))}
        result.weight_gaps = [max_relative_gap(net.get_weights(), keras_state.weights_after_epoch[-1])]
        return result
    steps_per_epoch = -(-len(data.X_train) // settings.batch_size)
    for state, side_dir in ((keras_state, keras_dir), (scratch_state, scratch_dir)):
        forget_epochs_after(side_dir, state.epoch, steps_per_epoch)     # what was logged after the checkpoint
    if not quiet:
        layers = " -> ".join(str(n) for n in [net.n_in, *(layer.n_out for layer in net.layers)])
        resumed = (f" (resuming: keras {keras_state.epoch + 1}/{settings.epochs} epochs done, scratch "
                   f"{scratch_state.epoch + 1}/{settings.epochs})" if keras_state.epoch >= 0 else "")
        print(f"\n{task}: {data.dataset}, {len(data.X_train):,} train / {len(data.X_val):,} validation rows, "
              f"{layers} ({data.output_activation}), {data.loss}, Adam(learning_rate={settings.learning_rate:g}), "
              f"batch {settings.batch_size}, {settings.epochs} epochs{resumed}", flush=True)

    side = "keras"
    try:
        result.sides["keras"] = fit_keras(model, data, settings, keras_dir,
                                          EpochPrinter("keras", settings.epochs, quiet), keras_state)
        side = "scratch"
        board = ScratchBoard(scratch_dir, learning_rate=optimizer.learning_rate,
                             train_data=(data.X_train, data.y_train, data.loss),
                             steps_per_epoch=steps_per_epoch,
                             weight_names=[w.path for w in model.weights], reference=keras_state.weights_after_epoch)
        result.sides["scratch"] = fit_scratch(net, data, settings, board,
                                              EpochPrinter("scratch", settings.epochs, quiet),
                                              scratch_state, optimizer, rng)
    except TrainingDiverged as exc:
        raise TrainingDiverged(f"{task} ({side} side): {exc}") from None
    result.weight_gaps = board.gaps
    return result


def train(tasks: list[str] | None = None, *, epochs: int | None = None, logdir: str | Path = DEFAULT_LOGDIR,
          quiet: bool = False, max_rows: int | None = None,
          learning_rate: float | None = None) -> tuple[Path, list[TaskResult]]:
    """Run the tasks (default: all) into a new run directory under logdir; returns it and the results.

    epochs, learning_rate and max_rows override every task's settings (see run_task); the tests use
    epochs and max_rows to stay short.
    """
    run_dir = start_run(logdir, tasks, epochs=epochs, max_rows=max_rows, learning_rate=learning_rate)
    return run_dir, run_tasks(run_dir, quiet=quiet)


def start_run(logdir: str | Path, tasks: list[str] | None = None, *, epochs: int | None = None,
              max_rows: int | None = None, learning_rate: float | None = None) -> Path:
    """Check the settings, then create the run directory and its run.json ("running")."""
    tasks = check_tasks(list(TASK_SETTINGS) if tasks is None else list(tasks))
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if learning_rate is not None and not (isinstance(learning_rate, float) and 0 < learning_rate < float("inf")):
        raise ValueError(f"learning_rate must be a positive float, got {learning_rate!r}")
    run_dir = new_run_directory(check_writable(logdir))
    write_status(run_dir, "running", tasks=tasks, epochs=epochs, max_rows=max_rows, learning_rate=learning_rate)
    return run_dir


def run_tasks(run_dir: Path, *, quiet: bool = False) -> list[TaskResult]:
    """Train (or finish) every task that run_dir/run.json lists; the status says how it ended."""
    plan = read_status(run_dir)
    write_status(run_dir, "running", error=None)
    try:
        with op_determinism():                          # same result on every run (Keras: no XLA then)
            results = [run_task(task, run_dir / task, epochs=plan["epochs"], max_rows=plan["max_rows"],
                                learning_rate=plan["learning_rate"], quiet=quiet) for task in plan["tasks"]]
    except KeyboardInterrupt:
        write_status(run_dir, "interrupted")
        raise
    except BaseException as exc:
        write_status(run_dir, "failed", error=str(exc))
        raise
    write_status(run_dir, "complete")
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_dir = None
    try:
        if args.resume:
            run_dir = newest_unfinished(args.logdir)
            print(f"resuming {shown(run_dir)}: tasks {', '.join(read_status(run_dir)['tasks'])}", flush=True)
        else:
            run_dir = start_run(args.logdir, args.tasks, epochs=args.epochs, learning_rate=args.learning_rate)
        results = run_tasks(run_dir, quiet=args.quiet)
    except KeyboardInterrupt:
        print("\n" + (what_was_kept(run_dir, args.logdir) if run_dir else "Interrupted before training started."),
              flush=True)
        return 130
    except (TrainingDiverged, NothingToResume, CheckpointError, FileNotFoundError, ChecksumError,
            RunDirectoryError) as exc:
        # a learner's mistake or a damaged file: the message says what to do, a traceback would only hide
        # it. Any other error is a bug in the project, and keeps its traceback.
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    print()
    print(format_summary(results))
    print(f"\nLogs: {shown(run_dir)}/<task>/{{keras,scratch}}/{{train,validation}}   "
          f"(total {time.perf_counter() - STARTED:.1f} s, importing TensorFlow included)")
    print("Open them: make tensorboard   then http://127.0.0.1:6006")
    return 0


if __name__ == "__main__":
    sys.exit(main())
