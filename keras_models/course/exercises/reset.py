"""Write the exercise files a learner does not have, or start one over: `make setup`, `make exercise-reset`.

An exercise file still as the course wrote it follows the course: after a git pull changed its solution,
`make setup`, `make exercises`, `make exercise-run` and `make notebooks` write its new version, and say so.

    make exercise-reset NAME=ex03    # grade.py --reset: ex03's untouched skeleton; yours backed up first
    make setup                       # grade.py --write-missing: the exercise files you do not have yet

`skeleton.py` cuts and writes the files; this module tells the learner what it did, with each path as they
know it (`from_repository`, keras_models/twins/repository.py). A file reset was edited, or the notebook paired with it:
the old version goes to logs/exercises/backup/ first (which `make clean` keeps); one that holds only what the course
wrote in it (as_written.learners_work: an earlier skeleton after a git pull, a notebook make notebooks wrote from the
.py) is replaced without a backup. A reset file that another
user wrote (`sudo make setup`) becomes the learner's; a read-only one stays read-only, and the message says how
to edit it. grade.py's command line calls these; nothing here grades.
"""

from __future__ import annotations

import os
from pathlib import Path

from keras_models.course.exercises.graders import Exercise
from keras_models.course.exercises.skeleton import reset, write_missing, write_new_versions
from keras_models.twins.repository import REPO, from_repository

BACKUP_DIR = REPO / "logs" / "exercises" / "backup"


def write_missing_files(exercises: list[Exercise]) -> None:
    """Write the untouched file of every exercise you do not have yet, and the course's new version of every one
    you have left as it was written (a git pull changed its solution), and say so."""
    pairs = [(exercise.source_path, exercise.learner_path) for exercise in exercises]
    for path in write_new_versions(pairs):
        print(f"{from_repository(path)}: the course's new version (you had not changed yours)", flush=True)
    for path in write_missing(pairs):
        print(f"wrote {from_repository(path)}: your copy of the exercise, yours to edit", flush=True)


def reset_exercises(exercises: list[Exercise]) -> int:
    for exercise in exercises:
        existed = exercise.learner_path.exists()
        editable = not existed or os.access(exercise.learner_path, os.W_OK)
        owner = _owner(exercise.learner_path) if existed else ""
        before = exercise.learner_path.read_bytes() if existed else b""
        backup = reset(exercise.source_path, exercise.learner_path, BACKUP_DIR)
        name = from_repository(exercise.learner_path)
        if not existed:
            print(f"{name} was missing; wrote the untouched skeleton")
        elif backup is None and exercise.learner_path.read_bytes() != before:    # a pull changed it; you had not
            read_only = "" if os.access(exercise.learner_path, os.W_OK) else f", read-only: chmod u+w {name} to edit it"
            print(f"{name} was the course's earlier version, which you had not changed: wrote its new version"
                  + read_only)
        elif backup is None and editable:
            print(f"{name} is already the untouched skeleton")
        elif backup is None and os.access(exercise.learner_path, os.W_OK):    # root's (sudo make setup): now yours
            print(f"{name} was the untouched skeleton, but {owner}'s, not yours to edit; wrote it again as yours")
        elif backup is None:                                  # written again with its mode kept: chmod a-w
            print(f"{name} is the untouched skeleton, but read-only: chmod u+w {name} to edit it")
        else:
            print(f"{name} reset to the untouched skeleton; your version is in {from_repository(backup)}")
        if exercise.notebook_path.exists():
            _reset_notebook(exercise)
    return 0


def _owner(path: Path) -> str:
    """The name of the user who owns `path` (its number where the system has no name for it)."""
    uid = path.stat().st_uid
    try:                                                      # pwd: POSIX only
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"user {uid}"


def _reset_notebook(exercise: Exercise) -> None:
    """Write the learner's notebook again from the reset file; a notebook they had changed goes to the backups."""
    from keras_models.course.jupyter.build import reset_exercise_notebook  # jupytext loads only here

    backup = reset_exercise_notebook(exercise.learner_path, exercise.notebook_path, BACKUP_DIR)
    if backup is not None:
        print(f"{from_repository(exercise.notebook_path)} reset too; your notebook is in {from_repository(backup)}")
