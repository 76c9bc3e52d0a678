"""The list of exercises with their points, each with its grader, and which of a learner's two files is graded.

Each grader module `graders/exNN.py` has `TITLE`, `NEEDS` and `grade(module, workdir) -> str`; running an
exercise file and judging it, a PASS or a FAIL with a hint, is judging.py's (`grade_file`, `grade_module`).
`version_to_grade` picks the `.py` or its notebook (`.ipynb`), as make exercises, make exercise-run and make
grade all do.

`EXERCISES` is the one place an exercise is declared: its id, its file name, and its points, which
`make grade` and the GitHub Classroom configuration (keras_models/course/instructor/) both read.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from keras_models.twins.clocks import after_now

from ..fingerprints import unchanged_since_written
from ..notebook_source import SourceError, code_pieces
from ..skeleton import PLACEHOLDER
from .judging import (
    GRADED_PREFIX,
    GRADERS_DIR,
    Result,
    does_not_parse,
    grade_file,
    grade_module,
    has_no_code,
    in_file,
    load_module,
    message_of,
    no_code_in,
    printable,
    raised,
    where_raised,
)

# What the course's other modules import from here: the catalogue, and from judging.py what grades a file
__all__ = [
    "EXERCISES", "EXERCISES_DIR", "GRADED_PREFIX", "SOLUTIONS_DIR", "Exercise", "GraderUnreadable", "Result",
    "Version", "does_not_parse", "find", "find_all", "grade_file", "grade_module", "has_no_code", "in_file",
    "load_graders", "load_module", "message_of", "no_code_in", "printable", "raised", "version_to_grade",
    "where_raised",
]

EXERCISES_DIR = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = EXERCISES_DIR / "solutions"
STARTERS_DIR = EXERCISES_DIR / "starters"             # a learner copy (make release) has these instead


@dataclass(frozen=True)
class Exercise:
    name: str            # "ex05": what --only and --reset take, and the column of grades.csv
    stem: str            # file name without .py, the same for the learner file and the solution
    points: int          # what a PASS is worth in make grade and GitHub Classroom (a FAIL is worth 0)

    @property
    def learner_path(self) -> Path:
        return EXERCISES_DIR / f"{self.stem}.py"

    @property
    def notebook_path(self) -> Path:
        """The learner's notebook, paired with learner_path by jupytext (make notebooks writes it)."""
        return EXERCISES_DIR.parent / "notebooks" / "exercises" / f"{self.stem}.ipynb"

    @property
    def solution_path(self) -> Path:
        return SOLUTIONS_DIR / f"{self.stem}.py"

    @property
    def source_path(self) -> Path:
        """What the learner's file is cut from: the solution; in a learner copy, the untouched starter."""
        if not SOLUTIONS_DIR.is_dir() and STARTERS_DIR.is_dir():
            return STARTERS_DIR / f"{self.stem}.py"
        return self.solution_path

    @property
    def grader(self) -> ModuleType:
        """The grader module, graders/exNN.py; GraderUnreadable when that file is missing or does not import."""
        module = f"{__name__}.{self.name}"
        try:
            return importlib.import_module(module)
        except Exception as error:                  # noqa: BLE001 -- whatever a damaged file raises on import
            path = (GRADERS_DIR / f"{self.name}.py").relative_to(GRADERS_DIR.parents[3]).as_posix()
            if isinstance(error, ModuleNotFoundError) and error.name == module:
                what = "is missing"
            else:
                what = f"cannot be loaded ({type(error).__name__}: {(message_of(error).splitlines() or [''])[0]})"
            raise GraderUnreadable(f"the grader {path} {what}, a file of the course's, not the code graded: restore "
                                   f"it with `git checkout -- {path}`") from None


class GraderUnreadable(Exception):
    """An exercise's grader file missing or damaged (deleted, a bad merge, an edit): no fault of the code graded,
    so the commands that grade say it in one line, with how to restore the file, and grade nothing."""


def load_graders(exercises: Iterable[Exercise]) -> None:
    """Import each exercise's grader module, or GraderUnreadable for the first that does not load: asked before
    anything is graded or written."""
    for exercise in exercises:
        exercise.grader                                 # noqa: B018 -- the property imports the module


EXERCISES = (                                          # in course order; the points add up to 100
    Exercise("ex01", "ex01_perceptron_activations", points=10),
    Exercise("ex02", "ex02_backprop", points=15),
    Exercise("ex03", "ex03_keras_basics", points=10),
    Exercise("ex04", "ex04_diamonds_regression", points=15),
    Exercise("ex05", "ex05_breast_cancer_dropout", points=15),
    Exercise("ex06", "ex06_capstone_housing", points=20),
    Exercise("ex07", "ex07_tensorboard", points=15),
)


def find(name: str) -> Exercise:
    """The exercise called `name`: "ex05", "ex5", "5", "05" or its file name, with or without ".py" or ".ipynb"."""
    wanted = name.strip().rsplit("/", 1)[-1].removesuffix(".py").removesuffix(".ipynb")
    for exercise in EXERCISES:
        number = exercise.name[2:]
        if wanted in (exercise.name, exercise.stem, number, number.lstrip("0"), f"ex{number.lstrip('0')}"):
            return exercise
    known = ", ".join(exercise.name for exercise in EXERCISES)
    raise ValueError(f"no exercise called {name!r}; the exercises are {known}")


def find_all(value: str, variable: str = "ONLY") -> list[Exercise]:
    """The exercises named in `value` (the make variable `variable`): one name, or several between commas.

    An empty name among others (ONLY=ex01,,ex02 or ONLY=ex01,: a name left out, or a stray comma) is refused, as
    make mutants refuses it: graded without it, the learner would not learn that one was missing."""
    names = [name.strip() for name in value.split(",")]
    known = ", ".join(exercise.name for exercise in EXERCISES)
    if not any(names):
        raise ValueError(f"{variable}={value!r} names no exercise; the exercises are {known}")
    if not all(names):
        raise ValueError(f"{variable}={value!r} has an empty name between its commas: give exercise names separated "
                         f"by commas, e.g. {variable}=ex01,ex03")
    return [find(name) for name in names]


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


