"""Run directories of `make train`: one per invocation, a status file saying how far it got, and a lock.

    logs/<timestamp>/run.json            what was asked for, and where it stands:
        {"status": "running" | "interrupted" | "failed" | "diverged" | "complete",
         "tasks": ["binary", ...], "epochs": null, "max_rows": null, "learning_rate": null, "devices": 1,
         "started": 1795427400.25 (seconds since 1970, UTC: when the run started),
         "strategy": "MirroredStrategy", "replicas": 2, "replica_devices": [...] (once training started),
         "pid": 4242, "error": "..." (when it failed or diverged)}
    logs/<timestamp>/run.lock            held locked (fcntl.flock) by the process that trains in the run
    logs/<timestamp>/<task>/{keras,scratch}/...   the TensorBoard logs and checkpoints of each side

`run.json` is written at the start ("running"), on Ctrl-C ("interrupted"), on an error ("failed", or
"diverged") and at the very end ("complete"), each time atomically (a temporary file renamed over
the old one), so it is always one whole JSON document. The lock is the kernel's: it goes when its
process ends, however it ends (kill -9 included), so a run is being written exactly while it is locked.

What `make train RESUME=1` continues: the newest run (by run.json's "started", which no time zone or daylight-saving
change reorders, as they do the folders' local-time names) that is not "complete" nor "diverged" (with the
same settings a diverged run would diverge again: start a new one with a smaller rate) and that no
other process holds locked. That is a run interrupted with Ctrl-C, one killed outright (it still says
"running"), or one that failed for a reason since put right (a full disk, a closed pipe, a damaged
checkpoint deleted). A run whose run.json is damaged is skipped, and named (`newest_unfinished`).

Only the standard library is imported at the top: the command line uses these checks before
TensorFlow loads (about 5 s), so an empty --resume is answered at once.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import struct
import sys
import time
from datetime import datetime
from pathlib import Path

try:
    import fcntl
except ImportError:                                  # Windows: no flock; the pid in run.json decides
    fcntl = None

STATUS_FILE = "run.json"
LOCK_FILE = "run.lock"
STATUSES = ("running", "interrupted", "failed", "diverged", "complete")
# The most epochs a run may ask for. The binary task's Keras side keeps every Dropout mask of the run in one
# buffer made before the first step (10 KB an epoch: 100 MB at the limit); EPOCHS=10000000 asked TensorFlow
# for 100 GB, and a number beyond int64 failed to become a tensor shape -- both tracebacks.
MAX_EPOCHS = 10_000
FLOAT32_RATES = "from 1.4e-45 to 3.4e+38"           # the positive numbers float32 holds (subnormals included)


def fits_float32(rate: float) -> bool:
    """Whether a positive learning rate stays positive and finite in float32, in which both sides train: 1e-50
    rounds to 0 and 1e39 to inf, which Adam refused with a traceback once the run had started."""
    try:
        rounded = struct.unpack("f", struct.pack("f", rate))[0]
    except OverflowError:                           # beyond float32's largest number
        return False
    return 0 < rounded < math.inf


RUN_NAME = re.compile(r"(\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)(?:_(\d+))?")     # 2026-11-23_01-23-45, then _2, _3 ...
LAST_DAY = 253_402_214_400                            # 9999-12-31 00:00 UTC, in seconds since 1970
FUTURE_GRACE = 60                                     # seconds a run may seem to start after now: clocks disagree
_held: dict[Path, object] = {}                       # run directory -> the open lock file this process holds


class NothingToResume(FileNotFoundError):
    """--resume found no run that is unfinished."""


class RunDirectoryError(ValueError):
    """A log directory that cannot be written, a run another process is writing, or a damaged run.json."""


def new_run_directory(logdir: Path) -> Path:
    """logdir/<timestamp> for this invocation, e.g. logs/2026-11-23_01-23-45 (suffixed _2, _3 if taken)."""
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    logdir.mkdir(parents=True, exist_ok=True)
    for n in itertools.count(1):
        run_dir = logdir / (stamp if n == 1 else f"{stamp}_{n}")
        try:                    # mkdir decides, not a look first: two make trains started in one second both
            run_dir.mkdir()     # saw the name free, and the second stopped with "File exists"
        except FileExistsError:
            continue
        return run_dir


def write_status(run_dir: Path, status: str, **plan) -> dict:
    """Set run.json's status (and any plan fields given) atomically; returns the whole record."""
    path = Path(run_dir) / STATUS_FILE
    record = read_status(run_dir) if path.exists() else {}
    record.update(plan, status=status, pid=os.getpid())
    from scratch.atomic_write import atomic_path  # here, not at the top: this module loads before NumPy

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=1))
    return record


def read_status(run_dir: Path) -> dict:
    """The record in run_dir/run.json, checked field by field, or a RunDirectoryError naming the file."""
    path = Path(run_dir) / STATUS_FILE
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RunDirectoryError(f"{path} cannot be read ({exc}); it is not a make-train status file") from None
    from data.tasks import TASK_TABLE, unevenly_split  # here: loaded by then (options.py); this module stays light

    def whole(n) -> bool:
        return n is None or (isinstance(n, int) and not isinstance(n, bool) and n >= 1)

    checks = {"status": lambda s: s in STATUSES,
              "tasks": lambda t: isinstance(t, list) and t and all(isinstance(n, str) and n in TASK_TABLE for n in t),
              "epochs": lambda n: whole(n) and (n is None or n <= MAX_EPOCHS), "max_rows": whole,
              "learning_rate": lambda r: r is None or (isinstance(r, int | float) and not isinstance(r, bool)
                                                       and 0 < r < math.inf and fits_float32(r))}
    if not isinstance(record, dict):
        raise RunDirectoryError(f"{path} is not a make-train status file (not a JSON object)")
    if "started" in record:                         # runs from before it was recorded are ordered by their name
        checks["started"] = a_time
    if "devices" in record:                         # runs started before DEVICES existed trained on one device
        checks["devices"] = lambda n: whole(n) and n is not None and not unevenly_split(n, record["tasks"])
    for key, valid in checks.items():
        if key not in record or not valid(record[key]):
            raise RunDirectoryError(f"{path} is damaged: {key!r} is {record.get(key, 'missing')!r}; delete that "
                                    "run directory, or start a new run")
    return record


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
        raise RunDirectoryError(f"another make train is writing {shown(run_dir)} right now; wait for it to end, "
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


def newest_unfinished(logdir: str | Path, skipped: list[str] | None = None, new_run: str = "make train") -> Path:
    """The newest run under logdir that --resume may continue (see the module's docstring). Runs whose
    run.json is damaged are passed over; `skipped` (if given) receives one line for each. `new_run`: the
    command that starts a new run in logdir, spelled as the learner ran make train (options.command)."""
    logdir = Path(logdir)
    # exists, not is_file: a folder where run.json should be is a damaged run, named below, not a stranger's folder
    runs = sorted((p for p in logdir.iterdir() if RUN_NAME.fullmatch(p.name) and (p / STATUS_FILE).exists()),
                  key=lambda p: (started_at(p), int(RUN_NAME.fullmatch(p.name)[2] or 1)),
                  reverse=True) if logdir.is_dir() else []
    damaged = []
    for run_dir in runs:
        try:
            record = read_status(run_dir)
            if record["status"] in ("complete", "diverged") or being_written(run_dir, record):
                continue
        except RunDirectoryError as exc:
            damaged.append(f"skipped {shown(run_dir)}: {exc}")
            continue
        if skipped is not None:
            skipped.extend(damaged)
        return run_dir
    raise NothingToResume(f"nothing to resume: every run under {logdir} finished or diverged, or another make "
                          f"train is writing it (or none was started). Start a new one with `{new_run}`."
                          + "".join(f" ({line})" for line in damaged))


def a_time(t) -> bool:
    """Whether run.json's "started" is a number of seconds from 1970 to the end of year 9999 (what a date can show;
    not inf, nan, or an int too large for a float)."""
    return isinstance(t, int | float) and not isinstance(t, bool) and 0 <= t < LAST_DAY


def started_at(run_dir: Path) -> float:
    """When the run started, in seconds since 1970 (UTC): run.json's "started". The folder's name is local time, and
    at the autumn daylight-saving change a run started at 01:10 (EST) comes twenty minutes after one started at 01:50
    (EDT) (a TZ that differs between two shells does the same); only a run from before "started" was recorded, or
    whose run.json is damaged (then named by newest_unfinished), is placed by its name, read as local time."""
    try:
        started = read_status(run_dir).get("started")      # checked there: a number of seconds, if recorded
    except RunDirectoryError:
        started = None
    if started is not None:
        return float(started)
    stamp = RUN_NAME.fullmatch(Path(run_dir).name)[1]
    try:
        return time.mktime(datetime.strptime(stamp, "%Y-%m-%d_%H-%M-%S").timetuple())
    except (ValueError, OverflowError):                 # no date (2026-13-45_99-00-00): older than every real one
        return -math.inf


def describe(run_dir: Path) -> str:
    """How the run ended, for the 'resuming ...' line: interrupted, failed (why), or stopped unrecorded; and, for a
    run that started after now by this machine's clock (it was ahead then, and put right since), when it started.
    A run whose run.json still says "running" was killed (kill -9, a closed laptop) or could not record how it failed:
    a full disk refuses run.json's own rewrite too, and such a run was said to be "killed while running"."""
    record = read_status(run_dir)
    if record["status"] == "failed":
        how = f"failed: {record.get('error') or 'no reason recorded'}"
    elif record["status"] == "running":
        how = "stopped without recording why: killed, or a full disk"
    else:
        how = record["status"]
    started = started_at(run_dir)
    if started > time.time() + FUTURE_GRACE:       # the clock was ahead when it started: it stays "newest" for good
        how += (f"; it started {datetime.fromtimestamp(started):%Y-%m-%d %H:%M}, later than this machine's clock says "
                "it is now: the clock was wrong then, or is now. If you meant another run, move this one out of "
                f"{shown(Path(run_dir).parent)} and resume again")
    return how


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


def shown(path: Path) -> Path:
    """logs/2026-... when run from the repository, the full path otherwise."""
    try:
        return Path(path).resolve().relative_to(Path.cwd())
    except ValueError:
        return Path(path)


if __name__ == "__main__":                 # make clean, first: .venv/bin/python -m keras_models.train.runs logs
    busy = trained_now(sys.argv[1])
    if busy:
        print(f"error: make train is writing {', '.join(str(shown(run_dir)) for run_dir in busy)} right now: stop it "
              "(Ctrl-C) or let it end, then make clean again (nothing was removed)", file=sys.stderr)
    sys.exit(2 if busy else 0)
