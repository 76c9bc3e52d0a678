"""Grading one exercise file: running it (the .py, or a notebook's code cells) and judging it, a PASS or a FAIL
with a one-line hint.

Each grader module `graders/exNN.py` has `TITLE`, `NEEDS` (the names of the learner's functions and
classes it calls, in that order), `KERAS = True` when the learner's code trains a Keras model, and
`grade(module, workdir) -> str`: it calls the functions of the loaded exercise `module`, writes only
under `workdir` (a temporary directory), raises `Fail(hint)` when a check fails and returns a one-line
summary (the metric and its target) when all pass. A name in NEEDS the code lacks (in a notebook, a
cell not run yet) is a FAIL before the grader runs, not after the training that comes before its
first use. `grade_file` turns whatever happens into a `Result`:

    checks pass                  -> PASS   "test MAE 0.440 thousand dollars (target < 0.60; ...)"
    a check fails                -> FAIL   the grader's hint (ending with the line of the learner's file that
                                           spells the name at fault, when the check names one: spelled_on)
    a TODO still raises          -> FAIL   "not done yet: fill in the TODO in <function>"
    the learner's code raises    -> FAIL   the error, with the function and line where it happened (NumPy's
                                           shape errors with the arrays' shapes: shape_errors.py)
    the grader trips on a value  -> FAIL   the error, where in the grader, and to check what the code returns (or,
                                           in a check of a model.fit call, what it passes to fit; an error Keras'
                                           fit raises is the learner's: fit_checked's wrapper is transparent)
    a name the grader needs      -> FAIL   "your code defines no <name> ..."; defined only under
                                           `if __name__ == "__main__":`, which the grader skips: where
                                           (main_guard.py)
    a file with no code in it    -> FAIL   "<file> has no code in it ...", as make exercise-run says
    the grader file missing or   -> GraderUnreadable, raised: no verdict on the learner's code; make exercises,
      damaged                              make grade and a Grade cell say it in one line, with how to restore it

In a Keras exercise (`KERAS`) graded under a float16 or bfloat16 floatx, a hint, an error or what the grader
tripped on ends with "; keras.config.floatx() is 'float16', ...": such a floatx makes training stall or give NaN,
and the hint alone points at the model. The clause says where it came from: "floatx" in keras.json (the one Keras
reads: KERAS_HOME's, else ~/.keras's), or a keras.config.set_floatx call at run time.

The file may be the `.py` script or its notebook (`.ipynb`, graded cell by cell: see
`notebook_source.py`); `grade_module` grades code that is already loaded, such as the namespace of
a notebook that calls `grade_here` (grade.py).
"""

from __future__ import annotations
import __future__

import contextlib
import itertools
import json
import linecache
import os
import re
import sys
import time
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from data.checksums import DATA_FILE_ERRORS
from keras_models.twins.one_line_parser import one_line

from ..notebook_source import (
    NOT_CODE,
    SourceError,
    cell_label,
    cell_line,
    code_pieces,
    display,
    python_lines,
    refused_character,
    statements,
)
from .checks import Fail, quoted
from .fit_checks import FitRefused, fit_checked, kinds_checked, shown_to_checks
from .main_guard import only_under_main_guard, only_when_run_as_script
from .model_checks import nearest_keras_name
from .shape_errors import explained

if TYPE_CHECKING:
    from . import Exercise

GRADERS_DIR = Path(__file__).resolve().parent


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


def interrupted_where(interrupt: KeyboardInterrupt, path: Path) -> str | None:
    """'in your Perceptron1D.run (line 44 of ex01_perceptron_activations.py)' (or 'at the top level of your file
    (line ...)'): the learner's innermost code in the file at `path` that was running when Ctrl-C came, for make
    exercises and make exercise-run alike; None when none of the learner's code was."""
    function, line = where_raised(interrupt, in_file(path))
    if line is None:
        return None
    where = "at the top level of your file" if function == "the top level of the file" else f"in your {function}"
    return f"{where} ({line})"


def exit_called(exit_: SystemExit, path: Path | str) -> str:
    """What follows "your code called " (make exercises) or "the code called " (make grade) when the file at `path`
    called sys.exit while graded: the learner's innermost line, and what to do instead, as in 'sys.exit(0) in Tanh.fn
    (line 44 of ex01_perceptron_activations.py), which ends the program that grades it: return a value instead'.
    At the top level it ends the file the grader is importing, before anything is defined: remove it, or guard it."""
    function, line = where_raised(exit_, in_file(path))
    called = f"sys.exit({exit_.code!r})"
    if line is None:                            # not from the learner's code (a library it called)
        return called
    if function == "the top level of the file":
        return (f"{called} at the top level of the file ({line}), which ends the file before it is graded: remove "
                'it, or put it under if __name__ == "__main__":')
    return f"{called} in {function} ({line}), which ends the program that grades it: return a value instead"


def in_file(path: Path | str) -> Callable[[str], bool]:
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
    return grade_module(exercise, module, workdir, in_file(path), start, path)


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
                 start: float | None = None, path: Path | None = None) -> Result:
    """Grade code already loaded in `module`, from the file at `path` if it was (grade_file); `is_learners(filename)`
    tells the learner's frames from ours."""
    start = time.perf_counter() if start is None else start
    grader = exercise.grader                       # GraderUnreadable goes to the caller: not the learner's FAIL
    missing = [name for name in grader.NEEDS if not hasattr(module, name)]
    if missing:                                 # before any training: the first name the grader would trip on
        guarded = path is not None and only_when_run_as_script(path, missing[0])
        return Result(exercise, False, only_under_main_guard(missing[0], guarded) if guarded
                      else defines_no(missing[0], exercise), time.perf_counter() - start)
    try:
        with fit_arguments_checked(exercise):
            summary = grader.grade(module, workdir)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:                 # a BaseException subclass of the learner's own too: a FAIL, not
        return _failed(exercise, error, is_learners, start, module)     # a traceback that ends make exercises
    return Result(exercise, True, summary, time.perf_counter() - start)


def fit_arguments_checked(exercise: Exercise):
    """In a Keras exercise (`KERAS`), every model.fit call's arguments checked for their kind (fit_checks.kinds_checked:
    epochs="30", validation_split=20) while the block runs; nothing in another."""
    if not getattr(exercise.grader, "KERAS", False):
        return contextlib.nullcontext()
    return fit_checked(kinds_checked)


def _failed(exercise: Exercise, error: BaseException, is_learners: Callable[[str], bool], start: float,
            module: ModuleType | None = None) -> Result:
    """The FAIL for an exception: the grader's hint, a TODO not done yet, a name `module` (the learner's code,
    once loaded) lacks, a damaged data file, what the grader tripped on, or where the learner's code raised."""
    def result(message: str, *, floatx_may_be_why: bool = True) -> Result:
        if floatx_may_be_why:
            message += narrow_floatx_clause(exercise)
        return Result(exercise, False, message, time.perf_counter() - start)

    if isinstance(error, Fail):                    # a hint of several lines (Fail("a\nb")) told as one, as an error is
        at = spelled_on(error.spelled, is_learners)
        return result(joined_lines(str(error)) + (f" -- {at[0]} is on {at[1]}" if at else ""))
    where, line = where_raised(error, is_learners)
    if isinstance(error, NotImplementedError):
        return result(f"not done yet: fill in the TODO in {where}", floatx_may_be_why=False)
    if module is not None and isinstance(error, AttributeError) and error.obj is module:   # Python 3.10+: .obj
        return result(defines_no(error.name, exercise), floatx_may_be_why=False)
    if isinstance(error, DATA_FILE_ERRORS):                           # a data file damaged or gone, read by either
        return result(raised(error, where, line), floatx_may_be_why=False)
    in_a_fit_check = crashed_in_a_fit_check(error, is_learners)      # below the learner's fit line, in our check
    if line is None or in_a_fit_check:    # raised in the grader's code, on something the learner's code returned
        function, line = where_raised(error, lambda filename: Path(filename).parent == GRADERS_DIR)
        first_line = (message_of(error).strip().splitlines() or [""])[0]
        at = f" in {function} ({line.replace(' of ', ' of graders/', 1)})" if line else ""
        given = "what your code passes to model.fit" if in_a_fit_check else "what your functions return"
        return result(f"the grader could not check your code: {type(error).__name__}{at}: {first_line} -- check "
                      f"{given} (types, shapes)")
    return result(raised(error, where, line, is_learners))


def crashed_in_a_fit_check(error: BaseException, is_learners: Callable[[str], bool]) -> bool:
    """Whether `error` is the grader's own crash in one of the checks fit_checked shows the learner's model.fit call
    to (fit_checks.shown_to_checks): raised there, not in the learner's code the check reads (a PyDataset's
    __getitem__), and no refusal of the call (FitRefused). The learner's fit line is above it, so where_raised
    alone told it as the learner's ("your code raised IndexError in train"); an error Keras' fit itself raises is
    below the wrapper but not in its checks, and stays the learner's."""
    if isinstance(error, FitRefused | Fail):
        return False
    checking = False
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code is shown_to_checks.__code__:
            checking = True
        elif checking and is_learners(code.co_filename):
            return False
        tb = tb.tb_next
    return checking


def narrow_floatx_clause(exercise: Exercise) -> str:
    """For a Keras exercise graded while Keras' floatx is float16 or bfloat16 (a keras.config.set_floatx call in the
    learner's code, or keras.json's), the clause a FAIL ends with to name it: the hint alone ("the training loss did
    not go down (nan -> nan)") points at the model. "" otherwise, and when Keras is not loaded."""
    keras = sys.modules.get("keras")
    if keras is None or not getattr(exercise.grader, "KERAS", False):
        return ""
    floatx = keras.config.floatx()
    if floatx in ("float32", "float64"):
        return ""
    json_path = keras_json()
    if floatx_in(json_path) == floatx:          # keras.json's, which `import keras` took: no set_floatx to remove
        return (f"; keras.config.floatx() is {floatx!r}, from \"floatx\" in {one_line(json_path)}: {floatx} loses "
                "the small steps training takes; set it to \"float32\" there")
    return (f"; keras.config.floatx() is {floatx!r}, set at run time (a keras.config.set_floatx call in your code?): "
            f"{floatx} loses the small steps training takes; remove the set_floatx call")


def keras_json() -> Path:
    """The keras.json `import keras` reads: in KERAS_HOME, else in ~/.keras (the Makefile sets KERAS_HOME; Keras
    falls back to the temporary folder's .keras only when the home folder cannot be written)."""
    return Path(os.environ.get("KERAS_HOME") or Path("~", ".keras")).expanduser() / "keras.json"


def floatx_in(json_path: Path) -> str | None:
    """The floatx keras.json at `json_path` gives Keras, or None: no file, not JSON, or no floatx Keras takes."""
    try:
        floatx = json.loads(json_path.read_text(encoding="utf-8")).get("floatx")
    except (OSError, ValueError, AttributeError):
        return None
    return floatx if floatx in ("float16", "float32", "float64") else None


def defines_no(name: str, exercise: Exercise) -> str:
    """The FAIL for a function or class `name` the grader needs and the learner's code does not define."""
    return (f"{DEFINES_NO}{name}, which the exercise asks for (in a notebook: run the cell that defines it; deleted "
            f"or renamed: make exercise-reset NAME={exercise.name} starts the exercise over)")


# Keras' wrapping of an error raised inside a layer's or model's call (keras/src/utils/traceback_utils.py): the
# error's own message in bold terminal codes between "Exception encountered when calling" and every argument it got
KERAS_CALL_CONTEXT = re.compile(r"Exception encountered when calling (?P<call>.+?)\.\n\n\x1b\[1m(?P<message>.*?)"
                                r"\x1b\[0m\n\nArguments received by .*", re.DOTALL)

# TensorFlow's error from a traced function (a model.predict already traced for another input width): every frame
# where the failing op was defined, machine paths included, then the op's own message and the node it ran in
TF_GRAPH_ERROR = re.compile(r"Graph execution error:\s+Detected at node (?P<node>\S+) defined at \(most recent call "
                            r"last\):\n(?:\s*File [^\n]*\n)*\s*(?P<message>[^\n]+)\n\t \[\[\{\{node .*", re.DOTALL)


def message_of(error: BaseException) -> str:
    """str(error), an error Keras wrapped in its call's arguments told as its own message and the call, TensorFlow's
    error of a traced function as the op's message and its node (not every frame it was defined in); or, for an
    exception class of the learner's whose __str__ raises, what the line says instead (the line is still printed:
    that error, raised again here, was a traceback)."""
    try:
        message = str(error)
    except Exception as broken:                 # noqa: BLE001 -- whatever the learner's __str__ raises
        return f"(its message cannot be shown: its __str__ raised {type(broken).__name__})"
    wrapped = KERAS_CALL_CONTEXT.fullmatch(message)
    if wrapped:
        return f"{wrapped['message']} (in {wrapped['call']})"
    traced = TF_GRAPH_ERROR.fullmatch(message)
    return f"{traced['message']} (in TensorFlow's node {traced['node']})" if traced else message


def joined_lines(text: str) -> str:
    """`text` on one line: each of its lines that holds text, stripped, joined by one space ("a\n  b\n\nc" is
    "a b c"). For a message of several lines, a learner's error's or a grader's hint, nothing of it left out."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def does_not_parse(error: SyntaxError, path: Path) -> str:
    """The one line for an exercise file at `path` that Python cannot parse (make exercises, make exercise-run)."""
    at = f" at line {error.lineno} of {cell_label(error.filename or str(path))}" if error.lineno else ""
    hint = f" -- {FUTURE_IMPORT_DOWNLOADED}" if error.msg.startswith("from __future__ imports must occur") and \
        path.suffix == ".py" and _downloaded_as_python(path) else ""
    named = refused_character(error.msg)         # "invalid non-printable character U+00A0": which, and what to type
    hint += f" -- {named}" if named else ""
    return f"the file does not parse: {error.msg}{at}{hint}"


# In a notebook a `from __future__` import holds at the top of any cell: IPython compiles each cell on its own
FUTURE_IMPORT_DOWNLOADED = ("a notebook downloaded as Python puts its cells one after another, so a `from __future__` "
                            "import at the top of a later cell is no longer at the top of the file: move it to the "
                            "first line, or hand in the .ipynb")
_CELL_MARKER = re.compile(r"^# In\[[ \d]*\]:$", re.MULTILINE)      # nbconvert --to script's line before each cell


def _downloaded_as_python(path: Path) -> bool:
    """Whether the .py at `path` is a notebook downloaded as Python: it holds nbconvert's `# In[N]:` cell markers."""
    try:
        return bool(_CELL_MARKER.search(path.read_text(encoding="utf-8-sig")))
    except (OSError, UnicodeDecodeError):
        return False


# Jupyter's File > Download as > Python keeps `%matplotlib inline` and `!pip install ...` as get_ipython() calls
DOWNLOADED_AS_PYTHON = ("a notebook downloaded as Python keeps IPython's lines (%magics, !commands) as get_ipython() "
                        "calls: delete them, or hand in the .ipynb")

# TensorBoard's EventAccumulator raises DirectoryDeletedError, "Directory ... has been permanently deleted", for a
# run folder that never existed (log_dir / "val", a run read before it was written): nothing was deleted
NO_SUCH_RUN = ("that is, there is no such folder (TensorBoard's words for a folder that is not there): the runs under "
               "a log_dir are its train/ and validation/ folders")

# Colab's own module, which its notebooks import to reach Google Drive or upload files: no other kernel has it
COLAB_ONLY = ("google.colab exists only on Google Colab (drive.mount, files.upload): delete those lines from what "
              "you hand in")

# Dense(..., kernel_regularizer=0.01): Keras' words name the number but not what it wants instead (nor which argument:
# a bias_regularizer or activity_regularizer is worded the same, so the hint names none)
NUMBER = re.compile(r"[-+]?[\d.]+(?:e[-+]?\d+)?")                  # as Keras prints a number given as an identifier
NUMBER_AS_REGULARIZER = re.compile(rf"Could not interpret regularizer identifier: ({NUMBER.pattern})")


def _regularizer_hint(number: str) -> str:
    # keras.regularizers.l2(-0.01) is a ValueError of its own ("expected a non-negative float"): not offered
    instead = "keras.regularizers.l2(...), its factor 0 or more" if number.startswith("-") else \
        f"keras.regularizers.l2({number})"
    return f'a regularizer is an object, not a number: {instead} (or L1, L1L2; or the name "l2", factor 0.01)'


# Dense("16"), Dense(16.0): Keras' "expected a positive integer. Received: units=16" prints a string without its
# quotes, so the learner reads that 16 is not a positive integer
NOT_AN_INT = re.compile(r"Received an invalid value for `(\w+)`, expected a positive integer\. "
                        r"Received: \1=(\d+)(\.0*)?")


def _not_an_int_hint(name: str, digits: str, decimals: str | None) -> str:
    given = (f"{digits}{decimals}" if decimals is not None else
             f'the string "{digits}" (Keras prints it without its quotes)')
    return f"{name} must be a whole number, {name}={int(digits)}, not {given}"


# activation="Relu", loss="binary_cross_entropy", optimizer="Adam()": Keras' words name the string but not where it is
# (of a loss or metric, compile's, Keras speaks only at the first fit) nor the name it would have taken
UNKNOWN_NAME = re.compile(r"Could not interpret (activation function|loss|optimizer|metric|initializer) "
                          r"identifier: (.+)")
CLASS_REPR = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")          # Keras' words for a class given as its identifier
_KERAS_NAMES = {"activation function": "activations", "loss": "losses", "optimizer": "optimizers",
                "metric": "metrics", "initializer": "initializers"}


def _unknown_name_hint(kind: str, name: str, is_learners: Callable[[str], bool]) -> str:
    """Where the learner's code spells `name` as a string (its first line that does, in any of its files or cells
    loaded), and the nearest of the names Keras knows for a `kind` (model_checks.nearest_keras_name)."""
    nearest = nearest_keras_name(_KERAS_NAMES[kind], name)
    at = spelled_on(quoted(name), is_learners)
    hint = f'Keras knows no {kind.split()[0]} named "{name}"' + (f" ({at[1]})" if at else "")
    if nearest:
        hint += f': did you mean "{nearest}"?'
    if kind in ("loss", "metric"):
        hint += f"; Keras reads compile's {kind} only when fit first runs, hence the fit line"
    return hint


def spelled_on(texts: tuple[str, ...], is_learners: Callable[[str], bool]) -> tuple[str, str] | None:
    """(text, "line L of <file or cell>") of the first line of the learner's code (`is_learners`, any of its files or
    cells loaded) whose code spells one of `texts`: its tokens in a row ('"softmax"' a whole string, from_logits=True
    spaced or not), not in a comment (x = 1  # "softmax" later) nor inside another string (a docstring that quotes
    it); None when none does. Lines tokenize cannot read count as before: any that is not a comment line."""
    spellings = [(text, [string for _, string in _code_tokens(python_lines(text))[0]]) for text in texts]
    for filename in list(linecache.cache):
        if not is_learners(filename):
            continue
        lines = linecache.getlines(filename)
        tokens, read = _code_tokens(lines)
        for at, (number, _) in enumerate(tokens):
            for text, spelling in spellings:
                if spelling and [string for _, string in tokens[at:at + len(spelling)]] == spelling:
                    return text, cell_line(filename, number)
        for number, line in enumerate(lines[read:], start=read + 1):
            found = next((text for text in texts if text in line), None)
            if found is not None and not line.lstrip().startswith("#"):
                return found, cell_line(filename, number)
    return None


# what spells nothing: comments, the ends of lines, indentation
def _code_tokens(lines: list[str]) -> tuple[list[tuple[int, str]], int]:
    """The tokens of `lines` that are code, as (line number, text), and how many lines tokenize read: all, or those
    up to its last token before it stopped (a stray indentation, a string left open)."""
    tokens = []
    ends = (line.rstrip("\r\n") + "\n" for line in lines)   # python_lines' line ends: tokenize ends a line at \n alone
    try:
        for token in tokenize.generate_tokens(lambda: next(ends, "")):
            if token.type not in NOT_CODE:
                tokens.append((token.start[0], token.string))
    except (tokenize.TokenError, SyntaxError):                 # an IndentationError is a SyntaxError
        return tokens, tokens[-1][0] if tokens else 0
    return tokens, len(lines)


def raised(error: BaseException, function: str, line: str | None,
           is_learners: Callable[[str], bool] = lambda filename: False) -> str:
    """The one line for an error the learner's code raised in `function`, at `line` (from where_raised). A
    damaged or missing data file is not the learner's doing, wherever it was read: DATA_UNREADABLE and its error.
    NumPy's shape errors raised on a line of the learner's (`is_learners`) are told with the arrays' shapes."""
    if isinstance(error, DATA_FILE_ERRORS):
        return f"{DATA_UNREADABLE}{error}"
    message = explained(error, is_learners) or joined_lines(message_of(error))      # sklearn's has 3 lines
    if isinstance(error, NameError) and error.name == "get_ipython":    # a name only a notebook's kernel defines
        message += f" -- {DOWNLOADED_AS_PYTHON}"
    # a Colab cell's `from google.colab import drive`; not google.cloud or another package of Google's
    if isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[:2] == ["google", "colab"]:
        message += f" -- {COLAB_ONLY}"
    if type(error).__name__ == "DirectoryDeletedError":   # tensorboard's EventAccumulator, of a folder not there
        message += f" -- {NO_SUCH_RUN}"
    number = NUMBER_AS_REGULARIZER.fullmatch(message) if isinstance(error, ValueError) else None
    if number:
        message += f" -- {_regularizer_hint(number[1])}"
    count = NOT_AN_INT.fullmatch(message) if isinstance(error, ValueError) else None
    if count and int(count[2]) > 0:                             # units=0 is an int Keras rightly refuses
        message += f" -- {_not_an_int_hint(*count.groups())}"
    unknown = UNKNOWN_NAME.fullmatch(message) if isinstance(error, ValueError) else None
    a_class = CLASS_REPR.fullmatch(unknown[2]) if unknown else None
    if a_class:                                   # optimizer=keras.optimizers.Adam: the parentheses forgotten
        message += (f" -- that is the class {a_class[1]}, not an object of it: write {a_class[1]}(), with its "
                    "parentheses")
    elif unknown and not unknown[2].startswith("<") and not NUMBER.fullmatch(unknown[2]):   # a name, not 5 or <...>
        message += f" -- {_unknown_name_hint(unknown[1], unknown[2], is_learners)}"
    kind = "ValueError" if isinstance(error, FitRefused) else type(error).__name__     # a ValueError, as Keras' own
    return f"your code raised {kind} in {function} ({line})" + (f": {message}" if message else "")
