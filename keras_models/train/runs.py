"""Run directories of `make train`: one per invocation, with a status file saying how far it got.

    logs/<timestamp>/run.json            what was asked for, and where it stands:
        {"status": "running" | "interrupted" | "failed" | "complete",
         "tasks": ["binary", ...], "epochs": null, "max_rows": null, "learning_rate": null, "pid": 4242}
    logs/<timestamp>/<task>/{keras,scratch}/...   the TensorBoard logs and checkpoints of each side

`run.json` is written at the start ("running"), on Ctrl-C ("interrupted"), on an error ("failed") and
at the very end ("complete"), each time atomically (a temporary file renamed over the old one), so it
is always one whole JSON document. `make train RESUME=1` continues the newest run that is not
complete, with the settings stored here. A run killed outright (kill -9, a power cut) still says
"running"; the process id tells it apart from a run that really is still going.

Only the standard library is imported here: the command line uses these checks before TensorFlow
loads (about 5 s), so a wrong --logdir or an empty --resume is answered at once.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

STATUS_FILE = "run.json"
RUN_NAME = re.compile(r"(\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)(?:_(\d+))?")     # 2026-11-23_01-23-45, then _2, _3 ...


class NothingToResume(FileNotFoundError):
    """--resume found no run that is unfinished."""


class RunDirectoryError(ValueError):
    """A log directory that cannot be written, or a run directory whose status file is not ours."""


def check_writable(logdir: str | Path) -> Path:
    """logdir, created if missing, after writing a file in it -- or a RunDirectoryError naming the path and why."""
    logdir = Path(logdir)
    blocker = next((p for p in [logdir, *logdir.parents] if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        where = "is a file" if blocker == logdir else f"cannot be created: {blocker} is a file"
        raise RunDirectoryError(f"log directory {logdir} {where}, not a directory; choose another with --logdir")
    try:
        logdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=logdir):
            pass
    except OSError as exc:
        raise RunDirectoryError(f"log directory {logdir} cannot be written ({exc.strerror or exc}); "
                         "choose another with --logdir") from None
    return logdir


def new_run_directory(logdir: Path) -> Path:
    """logdir/<timestamp> for this invocation, e.g. logs/2026-11-23_01-23-45 (suffixed _2, _3 if taken)."""
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    run_dir, n = logdir / stamp, 1
    while run_dir.exists():
        n += 1
        run_dir = logdir / f"{stamp}_{n}"
    run_dir.mkdir(parents=True)
    return run_dir


def write_status(run_dir: Path, status: str, **plan) -> dict:
    """Set run.json's status (and any plan fields given) atomically; returns the whole record."""
    path = Path(run_dir) / STATUS_FILE
    record = read_status(run_dir) if path.exists() else {}
    record.update(plan, status=status, pid=os.getpid())
    from scratch.checkpoint import atomic_path  # here, not at the top: this module loads before NumPy

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=1))
    return record


def read_status(run_dir: Path) -> dict:
    """The record in run_dir/run.json, or a ValueError naming the file."""
    path = Path(run_dir) / STATUS_FILE
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RunDirectoryError(f"{path} cannot be read ({exc}); it is not a make-train status file") from None
    if not isinstance(record, dict) or "status" not in record or "tasks" not in record:
        raise RunDirectoryError(f"{path} is not a make-train status file (no status or tasks)")
    return record


def newest_unfinished(logdir: str | Path) -> Path:
    """The newest run directory under logdir whose run.json is not "complete" (and whose process has ended)."""
    logdir = Path(logdir)
    runs = sorted((p for p in logdir.iterdir() if RUN_NAME.fullmatch(p.name) and (p / STATUS_FILE).is_file()),
                  key=lambda p: (RUN_NAME.fullmatch(p.name)[1], int(RUN_NAME.fullmatch(p.name)[2] or 1)),
                  reverse=True) if logdir.is_dir() else []
    for run_dir in runs:
        record = read_status(run_dir)
        if record["status"] == "complete":
            continue
        if record["status"] == "running" and _still_running(record.get("pid")):
            continue                                # another `make train` is writing there right now
        return run_dir
    raise NothingToResume(f"nothing to resume: every run under {logdir} finished (or none was started). "
                          "Start a new one with `make train`.")


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
