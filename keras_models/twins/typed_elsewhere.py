"""A path the learner typed in another folder, as a make command reads it in the repository's folder.

A hint a program prints (`make tensorboard LOGDIR=...`, `Resume with: make train RESUME=1 LOGDIR=...`) runs where
make runs, in the repository's folder; the program may have been started anywhere (`cd /tmp && .venv/bin/python -m
keras_models.train --logdir mine`), and there `mine` named /tmp/mine, which the hint must say in full.

    REPO            the repository's root folder (the one with the Makefile)
    for_make(path)  a full path as it is; a relative one in full, or relative to REPO when it lies inside it
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def for_make(path: str | Path) -> str:
    """A full path as it is; a relative one from the current folder, relative to the repository when it lies inside
    it, else in full: LOGDIR=mine typed in /tmp is /tmp/mine to a make command, which runs in the repository."""
    if Path(path).is_absolute():
        return str(path)
    full = Path(os.path.abspath(path))                  # abspath: the folders as named, no symbolic link resolved
    return str(full.relative_to(REPO)) if full.is_relative_to(REPO) else str(full)
