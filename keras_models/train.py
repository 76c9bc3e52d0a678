"""`make train`: every task trained twice, from scratch and in Keras, from the same start, side by side.

    python -m keras_models.train [--tasks regression,binary,...] [--epochs N] [--logdir DIR] [--quiet]

For each task the scratch Network (float32) and its Keras twin (`to_keras`) start from identical
weights, see the same mini-batches in the same order (no shuffling on either side: `data.prepare`
has already shuffled the rows once, with a seed, before splitting), and use the same optimizer
hyper-parameters. Keras trains first and its weights are recorded at the end of every epoch; then
the scratch network trains, and its TensorBoard writer (`keras_models.board`) compares the two at
each epoch (`parity/max_weight_gap`). Logs go to

    <logdir>/<timestamp>/<task>/keras/{train,validation}      keras.callbacks.TensorBoard
    <logdir>/<timestamp>/<task>/scratch/{train,validation}    keras_models.board.ScratchBoard

with the same tags and steps, so `make tensorboard` overlays the two curves in one chart.
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

import argparse  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from data.prepare import TASKS, Prepared, prepare  # noqa: E402
from keras_models.board import ScratchBoard, TimedTensorBoard  # noqa: E402
from keras_models.progress import EpochPrinter, format_summary  # noqa: E402
from keras_models.twin import keras_loss, keras_optimizer, to_keras  # noqa: E402
from scratch import Dense, Network, optimizers  # noqa: E402

DEFAULT_LOGDIR = Path(__file__).resolve().parents[1] / "logs"     # the repository's logs/: `make tensorboard`
SEED = 0
STEPS_PER_EXECUTION = 32        # Keras runs 32 batches per call into its compiled graph (measured: see README)


@dataclass(frozen=True)
class TaskSettings:
    """How one task is trained; both sides use every field."""

    hidden: tuple[int, ...]         # units of the relu hidden layers
    metric: str                     # Keras' name; logged as epoch_<metric>
    epochs: int
    max_rows: int | None = None     # a deterministic sample of the data set (see data.prepare)
    batch_size: int = 32
    learning_rate: float = 1e-3


TASK_SETTINGS = {
    "regression": TaskSettings(hidden=(64, 32), metric="mae", epochs=30, max_rows=10_000),
    "binary": TaskSettings(hidden=(16, 8), metric="accuracy", epochs=30),
    "multiclass": TaskSettings(hidden=(64,), metric="accuracy", epochs=20),
    # several sigmoids: Keras' "accuracy" would mean argmax here (scratch/metrics.py), so binary accuracy
    "multilabel": TaskSettings(hidden=(64,), metric="binary_accuracy", epochs=20),
}
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
    history: dict[str, list[float]]
    seconds: float                  # wall time of fit, TensorBoard writing included
    board_seconds: float            # of which the TensorBoard callback's own work


@dataclass
class TaskResult:
    task: str
    settings: TaskSettings
    log_dir: Path
    sides: dict[str, SideResult] = field(default_factory=dict)     # "keras", "scratch"
    weight_gaps: list[float] = field(default_factory=list)         # parity/max_weight_gap per epoch


def check_tasks(names: list[str]) -> list[str]:
    """The task names, each valid and listed once, or a ValueError listing the valid ones."""
    valid = ", ".join(TASK_SETTINGS)
    if not names:
        raise ValueError(f"no task given; valid tasks: {valid}")
    unknown = [n for n in names if n not in TASK_SETTINGS]
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(map(repr, unknown))}; valid tasks: {valid}")
    return list(dict.fromkeys(names))


def new_run_directory(logdir: Path) -> Path:
    """logdir/<timestamp> for this invocation, e.g. logs/2026-11-23_01-23-45 (suffixed _2, _3 if taken)."""
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    run_dir, n = logdir / stamp, 1
    while run_dir.exists():
        n += 1
        run_dir = logdir / f"{stamp}_{n}"
    run_dir.mkdir(parents=True)
    return run_dir


def build_twins(task: str, data: Prepared, settings: TaskSettings) -> tuple[Network, keras.Sequential]:
    """The scratch network (float32, seeded Glorot weights) and its Keras copy with the same weights."""
    sizes = [data.n_features, *settings.hidden, data.n_outputs]
    activations = ["relu"] * len(settings.hidden) + [data.output_activation]
    net = Network([Dense(n_in, n_out, g, seed=SEED + l, dtype="float32")
                   for l, (n_in, n_out, g) in enumerate(zip(sizes, sizes[1:], activations, strict=False))])
    return net, to_keras(net, name=task)        # named: the histogram tags read "<task>/dense_1/kernel"


def fit_keras(model: keras.Sequential, data: Prepared, settings: TaskSettings, log_dir: Path,
              printer: EpochPrinter) -> tuple[SideResult, list[list[np.ndarray]]]:
    """Keras' fit with its TensorBoard callback; returns the result and the weights after every epoch."""
    keras.utils.set_random_seed(SEED)
    model.compile(loss=keras_loss(data.X_train.dtype, data.loss),
                  optimizer=keras_optimizer(adam_in_float32(settings.learning_rate)),
                  metrics=[settings.metric], steps_per_execution=STEPS_PER_EXECUTION)
    # A cached tf.data pipeline, batched in order: the batches scratch sees, without Keras re-slicing
    # the NumPy arrays every epoch (about 1.5x faster here).
    train = tf.data.Dataset.from_tensor_slices((data.X_train, data.y_train)).batch(settings.batch_size).cache()
    val = tf.data.Dataset.from_tensor_slices((data.X_val, data.y_val)).batch(settings.batch_size).cache()
    weights_after_epoch: list[list[np.ndarray]] = []
    board = TimedTensorBoard(log_dir=str(log_dir), histogram_freq=1, profile_batch=0, update_freq="epoch",
                             write_graph=False)
    callbacks = [
        board,
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: weights_after_epoch.append(
            model.get_weights())),
        keras.callbacks.LambdaCallback(on_epoch_end=printer.on_epoch_end),
    ]
    start = time.perf_counter()
    history = model.fit(train, epochs=settings.epochs, validation_data=val, shuffle=False, verbose=0,
                        callbacks=callbacks)
    return SideResult(history.history, time.perf_counter() - start, board.seconds), weights_after_epoch


def fit_scratch(net: Network, data: Prepared, settings: TaskSettings, board: ScratchBoard,
                printer: EpochPrinter) -> SideResult:
    start = time.perf_counter()
    history = net.fit(data.X_train, data.y_train, loss=data.loss, optimizer=adam_in_float32(settings.learning_rate),
                      epochs=settings.epochs, batch_size=settings.batch_size, shuffle=False,
                      validation_data=(data.X_val, data.y_val), metrics=[settings.metric],
                      callbacks=[board, printer], verbose=0)
    return SideResult(history.history, time.perf_counter() - start, board.seconds)


def run_task(task: str, task_dir: Path, *, epochs: int | None = None, max_rows: int | None = None,
             quiet: bool = False) -> TaskResult:
    """Train `task` on both sides, logging to task_dir/keras and task_dir/scratch.

    epochs replaces the task's own number; max_rows replaces the sample size of a task that trains on
    a sample (regression) -- the smaller data sets are always used whole.
    """
    settings = TASK_SETTINGS[task]
    if epochs is not None:
        settings = replace(settings, epochs=epochs)
    if max_rows is not None and settings.max_rows is not None:
        settings = replace(settings, max_rows=max_rows)
    data = prepare(task, dtype="float32", seed=SEED, max_rows=settings.max_rows)
    net, model = build_twins(task, data, settings)
    steps_per_epoch = -(-len(data.X_train) // settings.batch_size)
    if not quiet:
        layers = " -> ".join(str(n) for n in [net.n_in, *(layer.n_out for layer in net.layers)])
        print(f"\n{task}: {data.dataset}, {len(data.X_train):,} train / {len(data.X_val):,} validation rows, "
              f"{layers} ({data.output_activation}), {data.loss}, Adam(learning_rate={settings.learning_rate:g}), "
              f"batch {settings.batch_size}, {settings.epochs} epochs", flush=True)

    result = TaskResult(task, settings, task_dir)
    keras_side, keras_weights = fit_keras(model, data, settings, task_dir / "keras",
                                          EpochPrinter("keras", settings.epochs, quiet))
    result.sides["keras"] = keras_side
    board = ScratchBoard(task_dir / "scratch", learning_rate=adam_in_float32(settings.learning_rate).learning_rate,
                         train_data=(data.X_train, data.y_train, data.loss), steps_per_epoch=steps_per_epoch,
                         weight_names=[w.path for w in model.weights], reference=keras_weights)
    result.sides["scratch"] = fit_scratch(net, data, settings, board, EpochPrinter("scratch", settings.epochs, quiet))
    result.weight_gaps = board.gaps
    return result


def train(tasks: list[str] | None = None, *, epochs: int | None = None, logdir: str | Path = DEFAULT_LOGDIR,
          quiet: bool = False, max_rows: int | None = None) -> tuple[Path, list[TaskResult]]:
    """Run the tasks (default: all) into a new run directory under logdir; returns it and the results.

    epochs and max_rows override every task's settings (see run_task); the tests use them to stay short.
    """
    tasks = check_tasks(list(TASK_SETTINGS) if tasks is None else list(tasks))
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    tf.config.experimental.enable_op_determinism()      # same result on every run (Keras: no XLA then)
    run_dir = new_run_directory(Path(logdir))
    results = [run_task(task, run_dir / task, epochs=epochs, max_rows=max_rows, quiet=quiet) for task in tasks]
    return run_dir, results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m keras_models.train", description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default=",".join(TASK_SETTINGS),
                        help=f"comma-separated, from: {','.join(TASK_SETTINGS)} (default: all)")
    parser.add_argument("--epochs", type=int, help="epochs for every task (default: each task's own)")
    parser.add_argument("--logdir", type=Path, default=DEFAULT_LOGDIR, help="where runs go (default: logs/)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress, only the summary")
    args = parser.parse_args(argv)
    try:
        args.tasks = check_tasks([t.strip() for t in args.tasks.split(",") if t.strip()])
    except ValueError as exc:
        parser.error(str(exc))
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_dir, results = train(args.tasks, epochs=args.epochs, logdir=args.logdir, quiet=args.quiet)
    print()
    print(format_summary(results))
    try:
        run_dir = run_dir.resolve().relative_to(Path.cwd())       # logs/2026-... when run from the repository
    except ValueError:
        pass
    print(f"\nLogs: {run_dir}/<task>/{{keras,scratch}}/{{train,validation}}   "
          f"(total {time.perf_counter() - STARTED:.1f} s, importing TensorFlow included)")
    print("Open them: make tensorboard   then http://127.0.0.1:6006")
    return 0


if __name__ == "__main__":
    sys.exit(main())
