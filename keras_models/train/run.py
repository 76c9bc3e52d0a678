"""A whole `make train` run: a run directory, every task in turn (`sides.run_task`), and the summary.

    <logdir>/<timestamp>/run.json                 the plan and how far it got (runs.py)
    <logdir>/<timestamp>/<task>/{keras,scratch}/  each side's TensorBoard logs and checkpoint

Nothing is lost to an interruption. Both sides save a checkpoint at the end of every epoch, and
run.json says how far the run got. Ctrl-C stops cleanly -- logs flushed, one line saying what was
kept, exit code 130 -- and `--resume` (`make train RESUME=1`) continues the newest run that is not
complete (run_lock.py says which ones qualify), with its own settings, saying which run it continues:
finished tasks are skipped, the others go on from their last checkpoint, and their TensorBoard curves
continue at the next epoch (what was logged after the last checkpoint is dropped first:
`event_files.forget_epochs_after`). It ends with the weights an uninterrupted run would have had.

Whatever a learner or a damaged file can cause -- a diverging learning rate, an altered data file, a
damaged checkpoint or run.json, a full disk, a closed output pipe -- ends in one line starting with
`error:` and exit status 1 (`main`). Any other error is a bug in the project, and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import errno
import shlex
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from data import TASKS, TaskTableError, check_data_files, checked_settings
from data.checksums import ChecksumError
from keras_models.train.checkpoints import CHECKPOINT, progress, what_was_kept
from keras_models.train.devices import DeviceError, announce, replica_devices, strategy_for, strategy_record
from keras_models.train.event_files import REWRITE_PREFIX
from keras_models.train.options import (
    DEFAULT_LOGDIR,
    check_devices,
    check_tasks,
    check_writable,
    command,
    logdir_option,
    option,
    parse_args,
)
from keras_models.train.run_lock import NothingToResume, hold, holding, newest_unfinished, release
from keras_models.train.runs import (
    FLOAT32_RATES,
    MAX_EPOCHS,
    STATUS_FILE,
    RunDirectoryError,
    describe,
    fits_float32,
    new_run_directory,
    read_status,
    write_status,
)
from keras_models.train.sides import TaskResult, run_task
from keras_models.train.summary import format_links, format_summary
from keras_models.twins.closed_output import OutputFailed, output_closed, output_failed
from keras_models.twins.interrupts import held_then_dropped
from keras_models.twins.one_line_parser import one_line
from keras_models.twins.repository import for_make, from_here
from keras_models.twins.reproducible import op_determinism
from scratch.atomic_write import remove_stale_temporaries
from scratch.checkpoint import CheckpointError
from scratch.divergence import TrainingDiverged

# a learner's mistake or a damaged file: the message says what to do, a traceback would only hide it
LEARNER_ERRORS = (TrainingDiverged, NothingToResume, CheckpointError, ChecksumError, RunDirectoryError, DeviceError,
                  TaskTableError, OSError, OutputFailed)


def train(tasks: list[str] | None = None, *, epochs: int | None = None, logdir: str | Path = DEFAULT_LOGDIR,
          quiet: bool = False, max_rows: int | None = None, learning_rate: float | None = None,
          devices: int = 1) -> tuple[Path, list[TaskResult]]:
    """Run the tasks (default: all) into a new run directory under logdir; returns it and the results.

    epochs, learning_rate and max_rows override every task's settings (see sides.run_task); the tests
    use epochs and max_rows to stay short. devices: the Keras side trains on that many (devices.py).
    """
    run_dir = start_run(logdir, tasks, epochs=epochs, max_rows=max_rows, learning_rate=learning_rate,
                        devices=devices)
    return run_dir, run_tasks(run_dir, quiet=quiet)


def start_run(logdir: str | Path, tasks: list[str] | None = None, *, epochs: int | None = None,
              max_rows: int | None = None, learning_rate: float | None = None, devices: int = 1) -> Path:
    """Check the settings, then create the run directory, lock it, and write its run.json ("running"): all of it, or
    (stopped meanwhile) none."""
    tasks = check_tasks(list(TASKS) if tasks is None else list(tasks))
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if epochs is not None and epochs > MAX_EPOCHS:
        raise ValueError(f"epochs must be at most {MAX_EPOCHS}, got {epochs!r}")
    if learning_rate is not None and not (isinstance(learning_rate, float) and 0 < learning_rate < float("inf")):
        raise ValueError(f"learning_rate must be a positive float, got {learning_rate!r}")
    if learning_rate is not None and not fits_float32(learning_rate):
        raise ValueError(f"learning_rate must be a number that float32 holds, {FLOAT32_RATES}, got {learning_rate!r}")
    check_devices(devices, tasks)
    check_data_files(tasks)      # before a run directory exists: a run that never started, RESUME=1 would take up
    run_dir = new_run_directory(check_writable(logdir))
    try:
        hold(run_dir)                                   # before run.json exists: no --resume can pick it
        write_status(run_dir, "running", tasks=tasks, epochs=epochs, max_rows=max_rows, learning_rate=learning_rate,
                     devices=devices, started=time.time())
    except BaseException:
        # A Ctrl-C (or a full disk) here: main has no run to name yet and says nothing was written, so nothing is
        # left -- the run's directory, lock and run.json ("running") had stayed, and RESUME=1 took that run up.
        with held_then_dropped():
            release(run_dir)
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    return run_dir


def run_tasks(run_dir: Path, *, quiet: bool = False) -> list[TaskResult]:
    """Train (or finish) every task that run_dir/run.json lists; their results. `completed`, with nothing to sum up."""
    with completed(run_dir, quiet=quiet) as results:
        return results


@contextlib.contextmanager
def completed(run_dir: Path, *, quiet: bool = False) -> Iterator[list[TaskResult]]:
    """Train (or finish) every task that run_dir/run.json lists, holding the run's lock, let go of on every path;
    run.json says how the run ended ("complete", "interrupted", "diverged" or "failed"). The block runs once it says
    "complete":

        with completed(run_dir) as results:         # every task's result
            sum_up(results, ...)                     # main's table

    From the write of "complete" to the block's end, a Ctrl-C waits and is dropped: it had made make train say
    "Interrupted ... Resume with" and write "interrupted" over "complete", for a run whose every task had finished.
    One that stops the write itself (a second one, raised at once) interrupts the run, as at any moment before.

    A TrainingDiverged carries the results of the tasks that finished before it, as `finished`: a diverged run is
    never resumed, so nothing else would show them.
    """
    hold(run_dir)                   # start_run, or main's resume, holds it already
    try:
        plan = read_status(run_dir)
        for task in plan["tasks"]:  # a resumed run reads the task table again, which may have been edited since
            checked_settings(task, "train")
        check_data_files(plan["tasks"])     # and each task's data file, finished ones too (run_task loads their data)
    except KeyboardInterrupt:
        _record(run_dir, "interrupted")
        release(run_dir)
        raise
    except BaseException:
        release(run_dir)            # nothing has run: run.json stays as it was, resumable once that is put right
        raise
    results: list[TaskResult] = []
    with contextlib.ExitStack() as summing_up:
        try:
            _remove_stale_temporaries(run_dir, plan["tasks"])
            strategy = strategy_for(plan.get("devices", 1))    # before TensorFlow runs anything: it may split the CPU
            record = write_status(run_dir, "running", error=None, **strategy_record(strategy))
            if record["replicas"] > 1 and not quiet:
                print(announce(record), flush=True)
            with op_determinism():                          # same result on every run (Keras: no XLA then)
                for task in plan["tasks"]:
                    results.append(run_task(task, run_dir / task, epochs=plan["epochs"], max_rows=plan["max_rows"],
                                            learning_rate=plan["learning_rate"], quiet=quiet, strategy=strategy))
            summing_up.enter_context(held_then_dropped())   # from before the write on: no moment between the two
            write_status(run_dir, "complete")
        except KeyboardInterrupt:
            summing_up.close()      # a Ctrl-C that stopped the write of "complete" interrupts the run: not dropped
            _record(run_dir, "interrupted")
            raise
        except TrainingDiverged as exc:
            _record(run_dir, "diverged", error=str(exc))
            exc.finished = results                          # the tasks before it, for main's table
            raise
        except BaseException as exc:
            _record(run_dir, "failed", error=reason(exc))
            raise
        finally:
            release(run_dir)
        yield results               # outside the except clauses: what stops the block leaves the run complete


def _remove_stale_temporaries(run_dir: Path, tasks: list[str]) -> None:
    """What writes killed half way left in the run (the lock is held: nobody else writes there)."""
    remove_stale_temporaries(run_dir / STATUS_FILE)
    for side_dir in (run_dir / task / side for task in tasks for side in ("keras", "scratch")):
        remove_stale_temporaries(side_dir / CHECKPOINT)
        for split in side_dir.glob("*/"):
            remove_stale_temporaries(split / "events", prefix=REWRITE_PREFIX)


def _record(run_dir: Path, status: str, **fields) -> None:
    """Write the status if the disk allows; a run whose run.json still says "running" stays resumable. A Ctrl-C
    meanwhile waits for the write and is dropped: the stop being recorded answers it (it had stopped the write of
    "diverged", leaving a run that RESUME=1 took up, and turned the divergence's line into "Interrupted")."""
    with held_then_dropped(), contextlib.suppress(OSError):
        if status == "interrupted" and _recorded(run_dir) == "failed":
            # a resumed run stopped before this try wrote "running" (as the task table is read): its earlier failure
            # and reason stay, and RESUME=1 says them again ("interrupted" over them would lose the reason)
            return
        write_status(run_dir, status, **fields)


def _recorded(run_dir: Path) -> str | None:
    """run.json's status, or None when it cannot be read."""
    try:
        return read_status(run_dir)["status"]
    except (OSError, RunDirectoryError):
        return None


def main(argv: list[str] | None = None, started: float | None = None) -> int:
    """`make train`: parse the command line, run, print the summary; the exit status (0, 1 or 130).
    `started`: when the program started (perf_counter), for the total in the last line."""
    started = time.perf_counter() if started is None else started
    args = parse_args(argv)
    run_dir = None
    try:
        if args.resume:
            skipped: list[str] = []
            run_dir = newest_unfinished(args.logdir, skipped, new_run=command(*logdir_option(args.logdir)))
            hold(run_dir)
            for line in skipped:
                print(line, flush=True)
            print(f"resuming {from_here(run_dir)} ({describe(run_dir)}): {progress(run_dir)}", flush=True)
        else:
            replica_devices(args.devices)               # no such devices: say so before a run directory exists
            run_dir = start_run(args.logdir, args.tasks, epochs=args.epochs, learning_rate=args.learning_rate,
                                devices=args.devices)
        with completed(run_dir, quiet=args.quiet) as results:     # a Ctrl-C meanwhile waits for the table, dropped
            sum_up(results, run_dir, args, started)
    # The line that says how the run ended: a Ctrl-C meanwhile (the learner who sees training blow up and presses it
    # as the divergence line appears) waits until the line is written, then is dropped: the run has ended already,
    # and it escaped main's handler as a traceback.
    except KeyboardInterrupt:
        with held_then_dropped():
            if run_dir is not None and holding(run_dir):
                # stopped before completed took the run up (it records how a run ends, then lets go of it): run.json
                # said "running", and RESUME=1 called that run "stopped without recording why: killed, ..."
                _record(run_dir, "interrupted")
                release(run_dir)
            print("\n" + one_line(_kept(run_dir, args.logdir)), flush=True)     # LOGDIR=$'a\nb': still one line
        return 130
    except LEARNER_ERRORS as exc:
        finished = getattr(exc, "finished", [])         # a divergence: the tasks that finished before it
        with held_then_dropped():
            if finished:
                # stdout closed, run.json unreadable: the error line, on stderr, still says how the run ended
                with contextlib.suppress(OSError, RunDirectoryError):
                    sum_up(finished, run_dir, args, started)
            # one_line: a LOGDIR holding a line break, echoed in the resume command, would break the line in two
            print("\n" + one_line(f"error: {explain(exc, run_dir, args.logdir, finished=len(finished))}"),
                  file=sys.stderr, flush=True)
        return 1
    return 0


def sum_up(results: list[TaskResult], run_dir: Path, args, started: float) -> None:
    """The summary table of the finished tasks, the logs' folder, and a TensorBoard link per task."""
    if not args.quiet or args.resume:                   # a line between the progress (or resuming) and the table
        print()
    print(format_summary(results))
    record = read_status(run_dir)
    if record.get("replicas", 1) > 1:
        print(announce(record))
    print(f"\nLogs: {from_here(run_dir)}/<task>/{{keras,scratch}}/{{train,validation}}   "
          f"(total {time.perf_counter() - started:.1f} s, importing TensorFlow included)")
    board = "make tensorboard" + (f" LOGDIR={shlex.quote(for_make(args.logdir))}"
                                  if logdir_option(args.logdir) else "")
    for line in format_links(results, board):
        print(line, flush=True)


def _kept(run_dir: Path | None, logdir: Path) -> str:
    if run_dir is None:
        return "Interrupted before training started; nothing was written."
    try:
        return what_was_kept(run_dir, logdir)
    except (RunDirectoryError, OSError):
        resume = command(option("--resume"), *logdir_option(logdir))
        return f"Interrupted. Kept in {from_here(run_dir)}. Resume with: {resume}"


def explain(exc: BaseException, run_dir: Path | None, logdir: Path, finished: int = 0) -> str:
    """The one line a learner sees for a LEARNER_ERRORS exception, with the command that goes on from there.
    finished: how many of the run's tasks finished (the first ones); a divergence's command leaves them out."""
    resume = command(option("--resume"), *logdir_option(logdir))
    if isinstance(exc, TrainingDiverged):
        try:
            plan = read_status(run_dir) if run_dir is not None else None
        except (RunDirectoryError, OSError):
            plan = None
        if exc.smaller_learning_rate is None or plan is None:
            return str(exc)
        done, rest = plan["tasks"][:finished], plan["tasks"][finished:]     # rest: the diverged task and those after
        settings = [option("--tasks", ",".join(rest))] + (
            [option("--epochs", plan["epochs"])] if plan["epochs"] else [])
        smaller = option("--learning-rate", f"{exc.smaller_learning_rate:.3g}")
        kept = f" ({', '.join(done)} {'has' if len(done) == 1 else 'have'} finished)" if done else ""
        return f"{exc} Try{kept}: {command(*settings, smaller, *logdir_option(logdir))}"
    if says_it_all(exc):
        return str(exc)
    what = reason(exc)
    if run_dir is None:
        return f"{what}."
    if _complete(run_dir):                          # stopped as its table was printed: no resume would take it up
        return f"{what}. The run is complete (nothing to resume); its logs are in {from_here(run_dir)}"
    return f"{what}. The run is kept; once that is put right, continue it with `{resume}`"


def _complete(run_dir: Path) -> bool:
    try:
        return read_status(run_dir)["status"] == "complete"
    except (RunDirectoryError, OSError):
        return False


def says_it_all(exc: BaseException) -> bool:
    """Whether the exception's own message is the line: ours, or a data file's (no errno); not the system's OSError,
    which `reason` words."""
    if isinstance(exc, OutputFailed):               # `make train > /dev/full`: the system's error, from stdout
        return False
    return not isinstance(exc, OSError) or isinstance(exc, NothingToResume) or exc.errno is None


def reason(exc: BaseException) -> str:
    """What stopped the run, in the words of `explain`'s line: run.json's `error`, which the next resume shows
    ("resuming ... (failed: the disk is full: ... could not be written)"), not Python's "[Errno 28] ..."."""
    if says_it_all(exc):
        return str(exc) or type(exc).__name__
    if isinstance(exc, OutputFailed):               # not "a log file": the learner's own redirection
        return output_failed(exc, "make train")
    if exc.errno == errno.EPIPE:
        return output_closed("make train")     # nobody reads stdout any more (`make train | head`)
    if exc.errno == errno.ENOSPC:
        return f"the disk is full: {exc.filename or 'a log file'} could not be written"
    return f"{exc.filename or 'a file'}: {exc.strerror or exc}"
