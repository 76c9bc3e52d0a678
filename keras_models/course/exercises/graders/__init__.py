"""The list of exercises with their points, each with its grader.

Each grader module `graders/exNN.py` has `TITLE`, `NEEDS` and `grade(module, workdir) -> str`; running an
exercise file and judging it, a PASS or a FAIL with a hint, is judging.py's (`grade_file`, `grade_module`);
which of a learner's two files is graded, the `.py` or its notebook, is `../which_file.py`'s.

`EXERCISES` is the one place an exercise is declared: its id, its file name, and its points, which
`make grade` and the GitHub Classroom configuration (keras_models/course/instructor/) both read.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from keras_models.twins.git_files import restore_command

from .judging import (
    GRADED_PREFIX,
    GRADERS_DIR,
    Result,
    does_not_parse,
    exit_called,
    fit_arguments_checked,
    grade_file,
    grade_module,
    has_no_code,
    in_file,
    interrupted_where,
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
    "does_not_parse", "exit_called", "find", "find_all", "fit_arguments_checked", "grade_file", "grade_module",
    "has_no_code", "in_file", "interrupted_where", "load_graders",
    "load_module", "message_of", "no_code_in", "printable", "raised", "where_raised",
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
                                   f"it with `{restore_command(path)}`") from None


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
