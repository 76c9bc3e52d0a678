"""The run lock: which `make train` is writing a run directory right now, and what waits for it.

    logs/<timestamp>/run.lock            held locked (fcntl.flock) by the process that trains in the run

`hold` takes the lock for this process (kept until `release`); another process holding it is a
RunDirectoryError. The lock is the kernel's: it goes when its process ends, however it ends (kill -9
included), so a run is being written exactly while it is locked (`being_written`). Without flock
(Windows), the pid in run.json decides: a "running" run whose process still lives.

Two commands ask the lock before they touch a run. `make clean` removes nothing while a make train is
writing under logs/ (`trained_now`: `.venv/bin/python -m keras_models.train.run_lock logs`, first). `make
train RESUME=1` continues the newest run (by run.json's "started", which no time zone or daylight-saving change
reorders, as they do the folders' local-time names) that is not "complete" nor "diverged" (with the same
settings a diverged run would diverge again: start a new one with a smaller rate) and that no other
process holds locked. That is a run interrupted with Ctrl-C, one killed outright (it still says
"running"), or one that failed for a reason since put right (a full disk, a closed pipe, a damaged
checkpoint deleted). A run whose run.json is damaged, or deleted with its task folders left, is skipped, and named
(`newest_unfinished`).

The run directory and its run.json are runs.py's. Only the standard library is imported at the top, as
there: the command line uses these checks before TensorFlow loads (about 5 s), so an empty --resume is
answered at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from keras_models.train.runs import RUN_NAME, STATUS_FILE, RunDirectoryError, read_status, started_at
from keras_models.twins.repository import from_here

try:
    import fcntl
except ImportError:                                  # Windows: no flock; the pid in run.json decides
    fcntl = None

LOCK_FILE = "run.lock"
_held: dict[Path, object] = {}                       # run directory -> the open lock file this process holds


class NothingToResume(FileNotFoundError):
    """--resume found no run that is unfinished."""


def hold(run_dir: Path) -> None:
    """Lock run_dir for this process (kept until `release`), or a RunDirectoryError if another holds it."""
    run_dir = Path(run_dir).resolve()
    if run_dir in _held or fcntl is None:
        return
    f = open(run_dir / LOCK_FILE, "a")               # noqa: SIM115 -- stays open: the lock lives with it
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise RunDirectoryError(f"another make train is writing {from_here(run_dir)} right now; wait for it to end, "
                                "or interrupt it first") from None
    _held[run_dir] = f


def holding(run_dir: Path) -> bool:
    """Whether this process holds run_dir's lock now (from `hold` to `release`)."""
    return Path(run_dir).resolve() in _held


def release(run_dir: Path) -> None:
    f = _held.pop(Path(run_dir).resolve(), None)
    if f is not None:
        f.close()                                     # closing the file drops the lock


def being_written(run_dir: Path, record: dict) -> bool:
    """True while another process trains in run_dir: it holds the lock (or, without flock, its pid lives)."""
    if fcntl is None:
        return record["status"] == "running" and _still_running(record.get("pid"))
    lock = Path(run_dir) / LOCK_FILE
    if Path(run_dir).resolve() in _held or not lock.exists():
        return False
    try:
        f = open(lock, "a")                                  # noqa: SIM115 -- closed by the with below
    except OSError as exc:                                   # a folder in its place: nobody can hold it, nor can we
        raise RunDirectoryError(f"{lock} cannot be opened ({exc.strerror or exc}); delete it to resume this run") \
            from None
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False


def trained_now(logdir: str | Path) -> list[Path]:
    """The runs under logdir, at any depth (LOGDIR=logs/mine), that a make train is writing at this moment: `make
    clean` asks first (below), for it deleted a running run's run.json, checkpoints and event files, and the run
    went on into files no longer there, to end with a run.json that RESUME=1 called damaged."""
    found = []
    for lock in sorted(Path(logdir).rglob(LOCK_FILE)):
        try:
            if being_written(lock.parent, read_status(lock.parent) if fcntl is None else {}):
                found.append(lock.parent)
        except RunDirectoryError:                   # a folder in the lock's place, a damaged run.json: nobody trains
            pass
    return found


def _still_running(pid) -> bool:
    if os.name != "posix" or not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)                             # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True                                 # it exists, under another user
    return True


def newest_unfinished(logdir: str | Path, skipped: list[str] | None = None, new_run: str = "make train") -> Path:
    """The newest run under logdir that --resume may continue (see the module's docstring). Runs whose
    run.json is damaged are passed over; `skipped` (if given) receives one line for each. `new_run`: the
    command that starts a new run in logdir, spelled as the learner ran make train (options.command)."""
    logdir = Path(logdir)
    # exists, not is_file: a folder where run.json should be is a damaged run, named below, not a stranger's folder;
    # so is a run whose run.json alone was deleted (its task folders are make train's): it was passed over unnamed,
    # and RESUME=1 said "nothing to resume ... (or none was started)" beside the run's checkpoints
    runs = sorted((p for p in logdir.iterdir() if RUN_NAME.fullmatch(p.name) and
                   ((p / STATUS_FILE).exists() or _holds_task_folders(p))),
                  key=lambda p: (started_at(p), int(RUN_NAME.fullmatch(p.name)[2] or 1)),
                  reverse=True) if logdir.is_dir() else []
    damaged = []
    for run_dir in runs:
        try:
            record = read_status(run_dir)
            if record["status"] in ("complete", "diverged") or being_written(run_dir, record):
                continue
        except RunDirectoryError as exc:
            damaged.append(f"skipped {from_here(run_dir)}: {exc}")
            continue
        if skipped is not None:
            skipped.extend(damaged)
        return run_dir
    raise NothingToResume(f"nothing to resume: every run under {logdir} finished or diverged, or another make "
                          f"train is writing it (or none was started). Start a new one with `{new_run}`."
                          + "".join(f" ({line})" for line in damaged))


def _holds_task_folders(run_dir: Path) -> bool:
    """Whether run_dir holds a folder named after a task of the task table, as each run of make train does."""
    from data.tasks import TASK_TABLE  # here: loaded by then (options.py); this module stays light

    return run_dir.is_dir() and any((run_dir / task).is_dir() for task in TASK_TABLE)


if __name__ == "__main__":                 # make clean, first: .venv/bin/python -m keras_models.train.run_lock logs
    busy = trained_now(sys.argv[1])
    if busy:
        print(f"error: make train is writing {', '.join(from_here(run_dir) for run_dir in busy)} right now: stop it "
              "(Ctrl-C) or let it end, then make clean again (nothing was removed)", file=sys.stderr)
    sys.exit(2 if busy else 0)
