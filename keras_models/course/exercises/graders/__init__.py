"""The list of exercises with their points, and grading one exercise into a PASS or a FAIL with a hint.

Each grader module `graders/exNN.py` has `TITLE`, `NEEDS` (the names of the learner's functions and
classes it calls, in that order) and `grade(module, workdir) -> str`: it calls the functions of the
loaded exercise `module`, writes only under `workdir` (a temporary directory), raises `Fail(hint)`
when a check fails and returns a one-line summary (the metric and its target) when all pass. A name
in NEEDS the code lacks (in a notebook, a cell not run yet) is a FAIL before the grader runs, not
after the training that comes before its first use. `grade_file` turns whatever happens into a `Result`:

    checks pass                  -> PASS   "test MAE 0.440 thousand dollars (target < 0.60; ...)"
    a check fails                -> FAIL   the grader's hint
    a TODO still raises          -> FAIL   "not done yet: fill in the TODO in <function>"
    the learner's code raises    -> FAIL   the error, with the function and line where it happened (NumPy's
                                           shape errors with the arrays' shapes: shape_errors.py)
    the grader trips on a value  -> FAIL   the error, where in the grader, and to check what the code returns
    a name the grader needs      -> FAIL   "your code defines no <name> ..."
    a file with no code in it    -> FAIL   "<file> has no code in it ...", as make exercise-run says
    the grader file missing or   -> GraderUnreadable, raised: no verdict on the learner's code; make exercises,
      damaged                              make grade and a Grade cell say it in one line, with how to restore it

The file may be the `.py` script or its notebook (`.ipynb`, graded cell by cell: see
`notebook_source.py`); `grade_module` grades code that is already loaded, such as the namespace of
a notebook that calls `grade_here` (grade.py).

`EXERCISES` is the one place an exercise is declared: its id, its file name, and its points, which
`make grade` and the GitHub Classroom configuration (keras_models/course/instructor/) both read.
"""

from __future__ import annotations
import __future__

import importlib
import itertools
import linecache
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from data.checksums import DATA_FILE_ERRORS
from keras_models.twins.clocks import after_now

from ..fingerprints import unchanged_since_written
from ..notebook_source import (
    SourceError,
    cell_label,
    cell_line,
    code_pieces,
    display,
    python_lines,
    statements,
)
from ..skeleton import PLACEHOLDER
from .checks import Fail
from .shape_errors import explained

EXERCISES_DIR = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = EXERCISES_DIR / "solutions"
GRADERS_DIR = Path(__file__).resolve().parent
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


def printable(text: str) -> str:
    """`text` with each lone surrogate written as its escape ("\\udcff"): an exception's message can hold one (bytes
    that were not UTF-8, decoded with surrogateescape, or the learner's own "\\udcff"), and then printing it, or
    writing it to a UTF-8 file, raises UnicodeEncodeError in the middle of the output that was to show it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# How the line for an error that is no fault of the learner's code begins: a shipped data file is damaged or gone
# (data.checksums' error, which follows, says which and how to restore it), whether the grader or the learner's
# load_data read it
DATA_UNREADABLE = "a data file the exercise reads is damaged or gone: "
DEFINES_NO = "your code defines no "           # the start of the FAIL for a name the grader needs


@dataclass(frozen=True)
class Result:
    exercise: Exercise
    passed: bool
    message: str         # one line, printable (see printable): it may quote the learner's exception
    seconds: float

    def __post_init__(self):
        object.__setattr__(self, "message", printable(self.message))

    @property
    def data_unreadable(self) -> bool:
        """Whether it failed on a shipped data file that is damaged or gone: the data, not the learner's code, needs
        mending (what to do next says so)."""
        return self.message.startswith(DATA_UNREADABLE)

    @property
    def lacks_a_name(self) -> bool:
        """Whether it failed because the code graded defines no function or class the grader needs: in a notebook,
        most often the cells above the Grade cell have not been run yet."""
        return self.message.startswith(DEFINES_NO)


_load_counter = itertools.count()
GRADED_PREFIX = "_graded_"          # the name of a module load_module runs a file in, to grade it
FUTURE_FLAGS = sum(getattr(__future__, feature).compiler_flag for feature in __future__.all_feature_names)


def load_module(path: Path, name: str | None = None) -> ModuleType:
    """Run the exercise file at `path` (.py, or a notebook's code cells) in a fresh module and return it.

    Like a notebook, a `from __future__ import` in one piece holds for the pieces after it, and `display` is
    defined, as IPython defines it (the .py jupytext pairs with a notebook holds the same calls). The module is
    registered in sys.modules under `name` (default: a new name for each load).
    """
    module = ModuleType(name or f"{GRADED_PREFIX}{path.stem}_{next(_load_counter)}")
    module.__file__ = str(path)
    module.display = display
    sys.modules[module.__name__] = module          # dataclasses look their module up while the file runs
    flags = 0
    for source, name in code_pieces(path):
        code = _compiled(source, name, flags)
        linecache.cache[name] = (len(source), None, python_lines(source), name)   # the lines that ran, as IPython
        # keeps a cell's: a notebook cell has no file of its own (shape_errors reads the failing line)
        flags |= code.co_flags & FUTURE_FLAGS
        exec(code, module.__dict__)
    return module


def _compiled(source: str, name: str, flags: int):
    """`source` compiled as the code named `name`, with the `__future__` `flags` of the pieces before it (not this
    file's own). Python's SyntaxError for a NUL byte says neither where nor in which cell (no line number, no file
    name): a file cut short or padded by a sync tool ends in NULs no editor shows, so the error is given both. Code
    nested too deeply to compile (100,000 attributes in a chain) is a SourceError saying so: the compiler's
    RecursionError or MemoryError was told as the grader's ("the grader could not check your code")."""
    try:
        return compile(source, name, "exec", flags=flags, dont_inherit=True)
    except (RecursionError, MemoryError):
        raise SourceError(f"the file does not parse: its code is nested too deeply for Python to compile, in "
                          f"{cell_label(name)}: split the longest expression into steps") from None
    except SyntaxError as error:
        if error.lineno is None and "\0" in source:
            error.filename = name
            error.lineno = next(number for number, line in enumerate(python_lines(source), start=1) if "\0" in line)
        raise


def where_raised(error: BaseException, is_learners: Callable[[str], bool]) -> tuple[str, str | None]:
    """(function name, "line L of <file or cell>") of the deepest frame of `error` in the learner's code."""
    where, line = "the top level of the file", None
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if is_learners(code.co_filename):
            where = "the top level of the file" if code.co_name == "<module>" else code.co_qualname
            line = cell_line(code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return where, line


def in_file(path: Path) -> Callable[[str], bool]:
    """Whether a code object's file name is the exercise file at `path` (or one of its notebook cells)."""
    return lambda filename: filename == str(path) or filename.startswith(f"{path} cell ")


def grade_file(exercise: Exercise, path: Path, workdir: Path) -> Result:
    """Grade the exercise file at `path` (a learner file or notebook, a solution or a copy) with its grader."""
    start = time.perf_counter()
    if has_no_code(path):       # "your code defines no Perceptron1D ... (in a notebook: run the cell that defines
        return Result(exercise, False, no_code_in(path, exercise, "grade"), time.perf_counter() - start)   # it" misled
    try:
        module = load_module(path)
    except SourceError as error:
        return Result(exercise, False, str(error), time.perf_counter() - start)
    except SyntaxError as error:
        return Result(exercise, False, does_not_parse(error, path), time.perf_counter() - start)
    except (KeyboardInterrupt, SystemExit):        # Ctrl-C stops grading; sys.exit() is the caller's to report
        raise
    except BaseException as error:                 # its top level raised: a FAIL that says where (an exception
        return _failed(exercise, error, in_file(path), start)      # class of the learner's own included)
    return grade_module(exercise, module, workdir, in_file(path), start)


def has_no_code(path: Path) -> bool:
    """True when the file holds no statement at all (empty, blank, comments only, a notebook of markdown cells): it
    would run and print nothing. A file that cannot be read or parsed is not such a file: loading it says what is
    wrong with it."""
    try:
        pieces = code_pieces(path)
    except SourceError:
        return False
    return all(statements(source) == [] for source, _ in pieces)


def no_code_in(path: Path, exercise: Exercise, nothing_to: str) -> str:
    """The one line for an exercise file with no code in it: the same words from make exercises, make grade
    (`nothing_to` "grade") and make exercise-run ("run")."""
    return (f"{path.name} has no code in it, so there is nothing to {nothing_to}: write the exercise there, or start "
            f"over with make exercise-reset NAME={exercise.name}")


def grade_module(exercise: Exercise, module: ModuleType, workdir: Path, is_learners: Callable[[str], bool],
                 start: float | None = None) -> Result:
    """Grade code already loaded in `module`; `is_learners(filename)` tells the learner's frames from ours."""
    start = time.perf_counter() if start is None else start
    grader = exercise.grader                       # GraderUnreadable goes to the caller: not the learner's FAIL
    missing = [name for name in grader.NEEDS if not hasattr(module, name)]
    if missing:                                 # before any training: the first name the grader would trip on
        return Result(exercise, False, defines_no(missing[0], exercise), time.perf_counter() - start)
    try:
        summary = grader.grade(module, workdir)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:                 # a BaseException subclass of the learner's own too: a FAIL, not
        return _failed(exercise, error, is_learners, start, module)     # a traceback that ends make exercises
    return Result(exercise, True, summary, time.perf_counter() - start)


def _failed(exercise: Exercise, error: BaseException, is_learners: Callable[[str], bool], start: float,
            module: ModuleType | None = None) -> Result:
    """The FAIL for an exception: the grader's hint, a TODO not done yet, a name `module` (the learner's code,
    once loaded) lacks, a damaged data file, what the grader tripped on, or where the learner's code raised."""
    def result(message: str) -> Result:
        return Result(exercise, False, message, time.perf_counter() - start)

    if isinstance(error, Fail):
        return result(str(error))
    where, line = where_raised(error, is_learners)
    if isinstance(error, NotImplementedError):
        return result(f"not done yet: fill in the TODO in {where}")
    if module is not None and isinstance(error, AttributeError) and error.obj is module:   # Python 3.10+: .obj
        return result(defines_no(error.name, exercise))
    if isinstance(error, DATA_FILE_ERRORS):                           # a data file damaged or gone, read by either
        return result(raised(error, where, line))
    if line is None:               # raised in the grader's code, on something the learner's code returned
        function, line = where_raised(error, lambda filename: Path(filename).parent == GRADERS_DIR)
        first_line = (message_of(error).strip().splitlines() or [""])[0]
        at = f" in {function} ({line.replace(' of ', ' of graders/', 1)})" if line else ""
        return result(f"the grader could not check your code: {type(error).__name__}{at}: {first_line} -- check "
                      "what your functions return (types, shapes)")
    return result(raised(error, where, line, is_learners))


def defines_no(name: str, exercise: Exercise) -> str:
    """The FAIL for a function or class `name` the grader needs and the learner's code does not define."""
    return (f"{DEFINES_NO}{name}, which the exercise asks for (in a notebook: run the cell that defines it; deleted "
            f"or renamed: make exercise-reset NAME={exercise.name} starts the exercise over)")


def message_of(error: BaseException) -> str:
    """str(error); or, for an exception class of the learner's whose __str__ raises, what the line says instead (the
    line is still printed: that error, raised again here, was a traceback)."""
    try:
        return str(error)
    except Exception as broken:                 # noqa: BLE001 -- whatever the learner's __str__ raises
        return f"(its message cannot be shown: its __str__ raised {type(broken).__name__})"


def does_not_parse(error: SyntaxError, path: Path) -> str:
    """The one line for an exercise file at `path` that Python cannot parse (make exercises, make exercise-run)."""
    at = f" at line {error.lineno} of {cell_label(error.filename or str(path))}" if error.lineno else ""
    return f"the file does not parse: {error.msg}{at}"


# Jupyter's File > Download as > Python keeps `%matplotlib inline` and `!pip install ...` as get_ipython() calls
DOWNLOADED_AS_PYTHON = ("a notebook downloaded as Python keeps IPython's lines (%magics, !commands) as get_ipython() "
                        "calls: delete them, or hand in the .ipynb")


def raised(error: BaseException, function: str, line: str | None,
           is_learners: Callable[[str], bool] = lambda filename: False) -> str:
    """The one line for an error the learner's code raised in `function`, at `line` (from where_raised). A
    damaged or missing data file is not the learner's doing, wherever it was read: DATA_UNREADABLE and its error.
    NumPy's shape errors raised on a line of the learner's (`is_learners`) are told with the arrays' shapes."""
    if isinstance(error, DATA_FILE_ERRORS):
        return f"{DATA_UNREADABLE}{error}"
    message = explained(error, is_learners) or " ".join(part.strip() for part in message_of(error).splitlines()
                                                        if part.strip())              # sklearn's has 3 lines
    if isinstance(error, NameError) and error.name == "get_ipython":    # a name only a notebook's kernel defines
        message += f" -- {DOWNLOADED_AS_PYTHON}"
    return f"your code raised {type(error).__name__} in {function} ({line})" + (f": {message}" if message else "")
