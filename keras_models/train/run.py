"""A whole `make train` run: a run directory, every task in turn (`sides.run_task`), and the summary.

    <logdir>/<timestamp>/run.json                 the plan and how far it got (runs.py)
    <logdir>/<timestamp>/<task>/{keras,scratch}/  each side's TensorBoard logs and checkpoint

Nothing is lost to an interruption. Both sides save a checkpoint at the end of every epoch, and
run.json says how far the run got. Ctrl-C stops cleanly -- logs flushed, a message saying what was
kept, exit code 130 -- and `--resume` (`make train RESUME=1`) continues the newest run that is not
complete, with its own settings: finished tasks are skipped, the others go on from their last
checkpoint, and their TensorBoard curves continue at the next epoch (what was logged after the last
checkpoint is dropped first: `board.forget_epochs_after`). It ends with the weights an uninterrupted
run would have had.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from data import TASKS
from data.checksums import ChecksumError
from keras_models.train.checkpoints import what_was_kept
from keras_models.train.options import DEFAULT_LOGDIR, check_tasks, parse_args
from keras_models.train.progress import format_summary
from keras_models.train.runs import (
    NothingToResume,
    RunDirectoryError,
    check_writable,
    new_run_directory,
    newest_unfinished,
    read_status,
    shown,
    write_status,
)
from keras_models.train.sides import TaskResult, run_task
from keras_models.twins.reproducible import op_determinism
from scratch.checkpoint import CheckpointError
from scratch.divergence import TrainingDiverged


def train(tasks: list[str] | None = None, *, epochs: int | None = None, logdir: str | Path = DEFAULT_LOGDIR,
          quiet: bool = False, max_rows: int | None = None,
          learning_rate: float | None = None) -> tuple[Path, list[TaskResult]]:
    """Run the tasks (default: all) into a new run directory under logdir; returns it and the results.

    epochs, learning_rate and max_rows override every task's settings (see sides.run_task); the tests
    use epochs and max_rows to stay short.
    """
    run_dir = start_run(logdir, tasks, epochs=epochs, max_rows=max_rows, learning_rate=learning_rate)
    return run_dir, run_tasks(run_dir, quiet=quiet)


def start_run(logdir: str | Path, tasks: list[str] | None = None, *, epochs: int | None = None,
              max_rows: int | None = None, learning_rate: float | None = None) -> Path:
    """Check the settings, then create the run directory and its run.json ("running")."""
    tasks = check_tasks(list(TASKS) if tasks is None else list(tasks))
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


def main(argv: list[str] | None = None, started: float | None = None) -> int:
    """`make train`: parse the command line, run, print the summary; the exit status (0, 1 or 130).
    `started`: when the program started (perf_counter), for the total in the last line."""
    started = time.perf_counter() if started is None else started
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
          f"(total {time.perf_counter() - started:.1f} s, importing TensorFlow included)")
    print("Open them: make tensorboard   then http://127.0.0.1:6006")
    return 0
