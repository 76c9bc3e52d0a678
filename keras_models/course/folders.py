"""Where the course writes by default: the repository's logs/, wherever a lesson, exercise or script was started.

A notebook's kernel does not always start in the repository's folder, as the project's kernel does (make lab,
keras_models/course/jupyter/kernel.py): VS Code with the .venv's Python, ipykernel's "Python 3" kernel and
`jupyter execute --kernel_name=python3` start it in the notebook's own folder, and a script may be started from
any folder (`cd /tmp && .venv/bin/python -m keras_models.course.lessons`). A default written `Path("logs")` then
meant a logs/ folder there (keras_models/course/notebooks/lessons/logs/lessons/png/), which make tensorboard never
shows, while the printed line still said logs/. So the course's defaults are anchored at the repository's root;
a folder the learner types (LOGDIR=, --out, a path argument) keeps meaning what it means where it was typed.

    REPO          the repository's root folder (the one with the Makefile)
    LOGS          REPO/logs: what make tensorboard shows
    shown(path)   a path as the learner can open it from where they are: logs/lessons/png in the repository's
                  folder (as make prints it), the full path anywhere else
    for_make(path)  a path as a make command reads it, in the repository's folder (where make runs): for a hint
                  such as `make tensorboard LOGDIR=...`, printed by a script that was started elsewhere
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "logs"


def shown(path: str | Path) -> str:
    """`path` relative to the current folder when it lies inside it, else in full."""
    full = Path(path).resolve()
    here = Path.cwd().resolve()
    return str(full.relative_to(here)) if full.is_relative_to(here) else str(full)


def for_make(path: str | Path) -> str:
    """A full path as it is; a relative one from the current folder, relative to the repository when it lies inside
    it, else in full: LOGDIR=mine typed in /tmp is /tmp/mine to a make command, which runs in the repository."""
    if Path(path).is_absolute():
        return str(path)
    full = Path(os.path.abspath(path))                  # abspath: the folders as named, no symbolic link resolved
    return str(full.relative_to(REPO)) if full.is_relative_to(REPO) else str(full)
