"""Run directories of `make train`: one per invocation, and a status file saying how far it got.

    logs/<timestamp>/run.json            what was asked for, and where it stands:
        {"status": "running" | "interrupted" | "failed" | "diverged" | "complete",
         "tasks": ["binary", ...], "epochs": null, "max_rows": null, "learning_rate": null, "devices": 1,
         "started": 1795427400.25 (seconds since 1970, UTC: when the run started),
         "strategy": "MirroredStrategy", "replicas": 2, "replica_devices": [...] (once training started),
         "pid": 4242, "error": "..." (when it failed or diverged)}
    logs/<timestamp>/run.lock            held by the process that trains in the run (run_lock.py)
    logs/<timestamp>/<task>/{keras,scratch}/...   the TensorBoard logs and checkpoints of each side

`run.json` is written at the start ("running"), on Ctrl-C ("interrupted"), on an error ("failed", or
"diverged") and at the very end ("complete"), each time atomically (a temporary file renamed over
the old one), so it is always one whole JSON document. `read_status` checks it field by field, and
`started_at` orders runs by when they started, for run_lock.py's choice of the run `make train RESUME=1`
continues (`newest_unfinished`: the newest that is not finished and that no other process writes).

Only the standard library is imported at the top: the command line uses these checks before
TensorFlow loads (about 5 s), so an empty --resume is answered at once.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import time
from datetime import datetime
from pathlib import Path

from keras_models.twins.clocks import after_now
from keras_models.twins.first_free import STAMP_FORMAT, first_free
from keras_models.twins.repository import REPO, from_here

STATUS_FILE = "run.json"
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


DEFAULT_LOGDIR = REPO / "logs"     # the repository's logs/: `make tensorboard`
RUN_NAME = re.compile(r"(\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)(?:_(\d+))?")     # 2026-11-23_01-23-45, then _2, _3 ...
LAST_DAY = 253_402_214_400                            # 9999-12-31 00:00 UTC, in seconds since 1970


class RunDirectoryError(ValueError):
    """A log directory that cannot be written, a run another process is writing, or a damaged run.json."""


def new_run_directory(logdir: Path) -> Path:
    """logdir/<timestamp> for this invocation, e.g. logs/2026-11-23_01-23-45 (suffixed _2, _3 if taken)."""
    stamp = datetime.now().strftime(STAMP_FORMAT)
    logdir.mkdir(parents=True, exist_ok=True)
    return logdir / first_free(stamp, lambda name: (logdir / name).mkdir())     # mkdir decides, not a look first


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
    except FileNotFoundError:                       # a run whose run.json alone was deleted by hand
        raise RunDirectoryError(f"{path} is missing (deleted?), so the settings the run started with are unknown and "
                                "it cannot be resumed; delete that run directory, or start a new run") from None
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
        return time.mktime(datetime.strptime(stamp, STAMP_FORMAT).timetuple())
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
    if after_now(started):                         # the clock was ahead when it started: it stays "newest" for good
        how += (f"; it started {datetime.fromtimestamp(started):%Y-%m-%d %H:%M}, later than this machine's clock says "
                "it is now: the clock was wrong then, or is now. If you meant another run, move this one out of "
                f"{from_here(Path(run_dir).parent)} and resume again")
    return how
