"""The list of exercises, and grading one exercise file into a PASS or a FAIL with a hint.

Each grader module `graders/exNN.py` has `TITLE` and `grade(module, workdir) -> str`: it calls
the functions of the loaded exercise `module`, writes only under `workdir` (a temporary
directory), raises `Fail(hint)` when a check fails and returns a one-line summary (the metric and
its target) when all pass. `grade_file` turns whatever happens into a `Result`:

    checks pass                  -> PASS   "test MAE 0.44 < 0.60 ..."
    a check fails                -> FAIL   the grader's hint
    a TODO still raises          -> FAIL   "not started: fill in the TODO in <function>"
    the learner's code raises    -> FAIL   the error, with the function and line where it happened
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .checks import Fail

EXERCISES_DIR = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = EXERCISES_DIR / "solutions"


@dataclass(frozen=True)
class Exercise:
    name: str            # "ex05": what --only and --reset take
    stem: str            # file name without .py, the same for the learner file and the solution

    @property
    def learner_path(self) -> Path:
        return EXERCISES_DIR / f"{self.stem}.py"

    @property
    def solution_path(self) -> Path:
        return SOLUTIONS_DIR / f"{self.stem}.py"

    @property
    def grader(self) -> ModuleType:
        return importlib.import_module(f"keras_models.course.exercises.graders.{self.name}")


EXERCISES = (
    Exercise("ex01", "ex01_perceptron_activations"),
    Exercise("ex02", "ex02_backprop"),
    Exercise("ex03", "ex03_keras_basics"),
    Exercise("ex04", "ex04_diamonds_regression"),
    Exercise("ex05", "ex05_breast_cancer_dropout"),
    Exercise("ex06", "ex06_capstone_housing"),
    Exercise("ex07", "ex07_tensorboard"),
)


def find(name: str) -> Exercise:
    """The exercise called `name`: "ex05", "5", "05" or its file name with or without ".py"."""
    wanted = name.strip().removesuffix(".py").rsplit("/", 1)[-1]
    for exercise in EXERCISES:
        number = exercise.name[2:]
        if wanted in (exercise.name, exercise.stem, number, number.lstrip("0")):
            return exercise
    known = ", ".join(exercise.name for exercise in EXERCISES)
    raise ValueError(f"no exercise called {name!r}; the exercises are {known}")


@dataclass(frozen=True)
class Result:
    exercise: Exercise
    passed: bool
    message: str
    seconds: float


_load_counter = itertools.count()


def load_module(path: Path) -> ModuleType:
    """Import the Python file at `path` under a fresh module name (no bytecode written next to it)."""
    name = f"_graded_{path.stem}_{next(_load_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module           # dataclasses look their module up while the file runs
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
    return module


def _where(error: BaseException, path: Path) -> tuple[str, int | None]:
    """(qualified function name, line) of the deepest frame of `error` inside the file `path`."""
    where, line = "the top level of the file", None
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if Path(code.co_filename).resolve() == path.resolve():
            where = "the top level of the file" if code.co_name == "<module>" else code.co_qualname
            line = tb.tb_lineno
        tb = tb.tb_next
    return where, line


def grade_file(exercise: Exercise, path: Path, workdir: Path) -> Result:
    """Grade the exercise file at `path` (a learner file, a solution or a copy) with its grader."""
    start = time.perf_counter()

    def result(passed: bool, message: str) -> Result:
        return Result(exercise, passed, message, time.perf_counter() - start)

    try:
        module = load_module(path)
        summary = exercise.grader.grade(module, workdir)
    except Fail as failure:
        return result(False, str(failure))
    except NotImplementedError as error:
        where, _ = _where(error, path)
        return result(False, f"not started: fill in the TODO in {where}")
    except SyntaxError as error:
        where = f" at line {error.lineno}" if error.lineno else ""
        return result(False, f"the file does not parse: {error.msg}{where}")
    except Exception as error:     # the learner's code crashed: say where, so they can fix it
        where, line = _where(error, path)
        if line is None:           # not raised in the learner's file: show everything
            return result(False, "the grader hit an error it did not expect:\n"
                                 + "".join(traceback.format_exception(error)))
        return result(False, f"your code raised {type(error).__name__} in {where} (line {line} of "
                             f"{path.name}): {error}")
    return result(True, summary)
