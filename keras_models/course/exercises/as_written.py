"""What the course wrote in each learner file: its SHA-256, so that a file nobody changed can follow the course.

`make setup` writes each exercise file once, from its solution's skeleton (skeleton.py), and never overwrites the
learner's work. A `git pull` that changes a solution would leave an exercise the learner never opened on the old
skeleton, graded by the new grader. So the text written is remembered, as its SHA-256, in a small record beside
the files:

    keras_models/course/exercises/.as_written.json     {"sha256": {"ex03_keras_basics.py": "9f2c...", ...}}

A file whose bytes still have the recorded SHA-256 holds nothing of the learner's (`learners_work`, the rule the
notebooks follow too): skeleton.write_new_versions may write the new skeleton over it, and make exercise-reset
replaces it without a backup. Anything else -- no record (a clone set up before there was one), a record
that cannot be read or is not of this shape, no entry for the file, another SHA-256 -- means "not known untouched":
the file is left as it is, as it always was.

Beside the files, not in logs/: `make clean` empties logs/, and the record would go with it. It is git-ignored
(.gitignore), so `make release`, which copies only what git tracks, never carries the instructor's record into a
learner copy, and a learner copy does not commit it with the learner's work. It is written whole or not at all
(scratch/atomic_write.py); one that cannot be written (a read-only checkout) is no error: the files are then not
known untouched, which is where every clone started.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from scratch.atomic_write import write_text_atomically

RECORD = ".as_written.json"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_record(folder: Path) -> dict[str, str]:
    """{file name: SHA-256 of the text written in it} from `folder`'s record; {} when there is none or it is damaged
    (not UTF-8, not JSON, not of this shape). An entry that is not a SHA-256 matches no file: not known either."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # missing, a folder, unreadable; not UTF-8, not JSON, "[[[..."
        return {}
    written = record.get("sha256") if isinstance(record, dict) else None
    return written if isinstance(written, dict) else {}


def write_record(folder: Path, written: dict[str, str]) -> Path | None:
    """Write `folder`'s record whole; return its path, or None when it could not be written (no error: see above)."""
    text = json.dumps({"sha256": dict(sorted(written.items()))}, indent=1) + "\n"
    with contextlib.suppress(OSError):
        return write_text_atomically(folder / RECORD, text)
    return None


def learners_work(now: str | None, as_written: str | None) -> bool:
    """Whether a learner file holds the learner's work: the one rule for an exercise file and its notebook, which
    make exercise-reset (skeleton.reset, build.reset_exercise_notebook), make notebooks (build.refresh,
    fingerprints.untouched_fingerprint) and the pull path (skeleton.write_new_versions) all ask.

    `now` says what the file holds now, `as_written` what the course wrote in it: the SHA-256 of an exercise file's
    bytes and its entry in this record, or a notebook's fingerprint and the one make notebooks recorded in it. None
    is "cannot be read" or "not recorded": not known untouched, so the learner's. The file holds what the course
    wrote -- an earlier skeleton, a notebook written from the learner's .py (whose work is in the .py) -- or the
    learner's; whether it says the same as what is about to replace it is the caller's to ask (nothing is lost)."""
    return now is None or now != as_written


def untouched(path: Path, data: bytes, written: dict[str, str]) -> bool:
    """Whether `data`, the bytes of the learner file at `path` now, are what the record says was written in it."""
    return not learners_work(sha256_of(data), written.get(path.name))
