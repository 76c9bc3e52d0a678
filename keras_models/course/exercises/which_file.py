"""Which of a learner's two files holds their work: the `.py` or its notebook (`.ipynb`).

A learner may work in either: the script in an editor, the notebook `make notebooks` pairs with it in
JupyterLab. `make exercises`, `make exercise-run` and `make grade` all grade or run the one
`version_to_grade` picks, and say why when there was a choice to make.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from keras_models.twins.clocks import after_now

from .fingerprints import course_metadata, unchanged_since_written
from .notebook_source import SourceError, code_pieces, read_text
from .skeleton import PLACEHOLDER


@dataclass(frozen=True)
class Version:
    path: Path           # the file to grade or to run: the learner's .py or its notebook
    why: str             # "" when there was no choice to make; else why this one, for the learner to read
    of_two: bool = False  # both files were there, and this one was chosen (make grade says which, for the record)


def version_to_grade(script: Path, notebook: Path) -> Version:
    """Which of the learner's two files holds their work: the .py or its notebook.

    The other one when one is empty (0 bytes or blanks: a sync that never finished); else the one with fewer TODOs
    left; with as many, the .py while the notebook is as `make notebooks` wrote it (from the .py); else, when one
    is dated in the future and the other not, the other; else the one saved more than 1 s after the other; else
    the .py. Content comes first because a file's time can say nothing: `make notebooks` writes the notebook after
    the .py, and a git clone (GitHub Classroom's included) gives both files the time of the checkout. The 1 s is
    jupytext's margin for a pair. When the other file cannot be read (a damaged notebook), `why` says why: the
    learner who worked in it learns that it was not graded, and what is wrong with it.
    """
    if not notebook.is_file():
        return Version(script, "")
    if not script.is_file():
        return Version(notebook, "")
    left, unreadable = {}, {}
    for path in (script, notebook):
        try:
            left[path] = _todos_left(path)
        except SourceError as error:
            unreadable[path] = str(error)

    def chose(path: Path, why: str = "") -> Version:
        other = notebook if path == script else script
        return Version(path, "; ".join(filter(None, (why, unreadable.get(other)))), of_two=True)

    # 0 bytes or blanks (a sync or an upload that never finished): no TODO left in it, and nothing done either; an
    # empty notebook is not JSON either, which is no reason to grade it. Not any file without code: a notebook of
    # notes, beside the .py make exercise-run has just written, is the learner's
    blank = [path for path in (script, notebook) if not path.read_bytes().strip()]
    if len(blank) == 1:
        (empty,) = blank
        return Version(notebook if empty == script else script, f"{empty.name} has no code in it", of_two=True)
    if not unreadable and left[script] != left[notebook]:
        fewer, more = (script, notebook) if left[script] < left[notebook] else (notebook, script)
        return chose(fewer, f"it has fewer TODOs left than {more.name}")
    if unchanged_since_written(notebook):
        return chose(script)
    saved = {path: path.stat().st_mtime for path in (script, notebook)}
    ahead = [path for path in (script, notebook) if after_now(saved[path])]
    if len(ahead) == 1:
        # Dated after now (a clock put right since, a ZIP unpacked across time zones): not saved since then, and a
        # save of the other file is dated now, before it. The other file counts as the later one, or saving the file
        # worked in could never make it the one graded until that date.
        (future,) = ahead
        return chose(notebook if future == script else script,
                     f"{future.name} is dated {time.strftime('%Y-%m-%d %H:%M', time.localtime(saved[future]))}, "
                     "later than this machine's clock says it is now: its time says nothing of when it was saved")
    if saved[notebook] > saved[script] + 1.0:
        return chose(notebook, "you saved it after the .py")
    return chose(script)


def _todos_left(path: Path) -> int:
    """How many TODO placeholders the file's code still holds; a SourceError if it cannot be read."""
    return sum(source.count(PLACEHOLDER) for source, _ in code_pieces(path))


def copies_worked_in(notebook: Path, script: Path) -> list[Path]:
    """The other notebooks beside `notebook` made from the same exercise file `script` that hold the learner's
    work: JupyterLab's Duplicate (`...-Copy1.ipynb`) and Rename keep the metadata `make notebooks` wrote, which
    names `script`. Their own Grade cell grades them, but make exercises grades `notebook` or `script` only, so
    it names them. A copy nobody worked in (what `make notebooks` wrote, unchanged) holds nothing of theirs."""
    if not notebook.parent.is_dir():
        return []
    copies = []
    for other in sorted(notebook.parent.glob("*.ipynb")):
        if other.name == notebook.name or _made_from(other) != script.name or unchanged_since_written(other):
            continue
        copies.append(other)
    return copies


def _made_from(notebook: Path) -> str | None:
    """The exercise file a notebook was written from, as `make notebooks` recorded it; None when it says none or
    cannot be read (not a notebook of the course: not a copy of one)."""
    try:
        return course_metadata(json.loads(read_text(notebook))).get("source")
    except (SourceError, ValueError, RecursionError):
        return None
