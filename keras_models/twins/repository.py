"""The repository's folder, and a path shown as the learner can open it: from here, from the repository, or for make.

A program may have been started anywhere (`cd /tmp && .venv/bin/python -m keras_models.train --logdir mine`), and
there `mine` named /tmp/mine. A path it prints is one the learner reads where they are (`from_here`); an exercise's
file is one they know by its place in the repository (`from_repository`); and a hint's make command (`make
tensorboard LOGDIR=...`, `Resume with: make train RESUME=1 LOGDIR=...`) runs where make runs, in the repository's
folder, so a folder typed elsewhere must be said in full there (`for_make`).

    REPO                   the repository's root folder (the one with the Makefile)
    from_here(path)        relative to the current folder when it lies inside it (logs/lessons/png, as make prints
                           it), else in full
    from_repository(path)  relative to REPO when it lies inside it (exercises/ex03_keras_basics.py), else as it is
    for_make(path)         a full path as it is; a relative one in full, or relative to REPO when it lies inside it
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def from_here(path: str | Path) -> str:
    """`path` relative to the current folder when it lies inside it, else in full (also when the current folder
    has been removed: nothing is relative to it)."""
    full = Path(path).resolve()
    try:
        here = Path.cwd().resolve()
    except FileNotFoundError:
        return str(full)
    return str(full.relative_to(here)) if full.is_relative_to(here) else str(full)


def from_repository(path: Path) -> str:
    """The path as the learner knows it: from the repository's folder when it is inside it."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def for_make(path: str | Path) -> str:
    """A full path as it is; a relative one from the current folder, relative to the repository when it lies inside
    it, else in full: LOGDIR=mine typed in /tmp is /tmp/mine to a make command, which runs in the repository."""
    if Path(path).is_absolute():
        return str(path)
    full = Path(os.path.abspath(path))                  # abspath: the folders as named, no symbolic link resolved
    return str(full.relative_to(REPO)) if full.is_relative_to(REPO) else str(full)
