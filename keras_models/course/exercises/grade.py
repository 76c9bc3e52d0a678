"""Grade the exercises: PASS, or FAIL with a hint. Reset an exercise to its untouched skeleton.

    make exercises                   # grade your files (a missing one is first written from its solution)
    make exercises ONLY=ex03         # one exercise (--only, repeatable)
    make exercises-solutions         # grade the reference solutions (--solutions)
    make exercise-reset NAME=ex03    # start ex03 over; yours backed up first (--reset)
    make setup                       # among other things, writes the exercise files you do not have yet
                                     # (--write-missing)

Your file is the `.py` or its notebook (keras_models/course/notebooks/exercises/, written by `make
notebooks`), whichever has fewer TODOs left; with as many, the notebook when you saved it more than a
second after the `.py` (which_file.version_to_grade). In `make lab` jupytext saves the two together, so
they agree; an editor that does not know the pairing saves only the notebook.

Inside a notebook (or at the end of the script), `grade_here("ex03")` grades the code you have run so
far with the same grader, and prints the same verdict.

Exit status: 0 when every graded exercise passes, 1 otherwise, 2 for a bad command line (an unknown
exercise name or an unknown option: one line naming it, twins/one_line_parser.py), 130 after Ctrl-C, 143
after SIGTERM (`timeout`, a cancelled CI job, `kill`), which stops grading as Ctrl-C does, its temporary
directory deleted.
Grading writes only to a temporary directory; --reset writes the exercise file and its notebook, first
keeping under logs/exercises/backup/ (which `make clean` keeps) each that holds your work -- not one that
still holds what the course wrote in it (as_written.learners_work). An exercise file you changed is yours:
nothing but --reset ever overwrites it (one you never changed follows the course after a git pull).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np

from keras_models.course.command_line import folder_not_writable, output_cannot_show
from keras_models.course.exercises.graders import (
    EXERCISES,
    GRADED_PREFIX,
    SOLUTIONS_DIR,
    Exercise,
    GraderUnreadable,
    Result,
    exit_called,
    find,
    find_all,
    grade_file,
    grade_module,
    interrupted_where,
    load_graders,
)
from keras_models.course.exercises.graders.judging import floatx_in, keras_json
from keras_models.course.exercises.half_loaded import learners_cell, notebook_cells, package_loading, restart_line
from keras_models.course.exercises.reset import REPO, reset_exercises, write_missing_files
from keras_models.course.exercises.which_file import Version, copies_worked_in, version_to_grade
from keras_models.twins import repository
from keras_models.twins.closed_output import OutputFailed, output_failed
from keras_models.twins.git_files import restore_command
from keras_models.twins.one_line_parser import OneLineParser, one_line
from keras_models.twins.repository import from_repository
from keras_models.twins.terminated import TERMINATED_STATUS, Terminated, sigterm_stops_like_ctrl_c, stopped_meanwhile


@contextlib.contextmanager
def _quiet_tensorflow() -> Iterator[None]:
    """Keep TensorFlow's Python warnings ("... triggered tf.function retracing") out of the report while grading;
    the loggers' levels come back afterwards, so in a notebook the learner's own cells warn as before. So do whether
    each is switched off or passes its lines on, and logging.disable's level: `make exercises` grades every exercise
    in one process, and ex01's file with `tf.get_logger().disabled = True` or `logging.disable(logging.CRITICAL)` at
    its top silenced TensorFlow's errors while every later exercise was graded."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl")]
    kept = [(logger.level, logger.disabled, logger.propagate) for logger in loggers]
    disabled_below = logging.root.manager.disable            # logging.disable(level)'s level, 0 when never called
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, (level, disabled, propagate) in zip(loggers, kept, strict=True):
            logger.setLevel(level)
            logger.disabled, logger.propagate = disabled, propagate
        logging.disable(disabled_below)


@contextlib.contextmanager
def _numeric_settings_kept() -> Iterator[None]:
    """NumPy's error handling (np.seterr) and Keras' floatx and dtype policy as they were before an exercise was graded.

    `make exercises` grades every exercise in one process: a learner's file that sets keras.config.set_floatx("float16")
    or np.seterr(all="raise") at its top would otherwise change how every exercise graded after it computes, and
    fail a right solution with a hint about its own code. Keras first loaded by the exercise goes back to what it
    loads with: the floatx of its keras.json, as Keras reads it, float32 without one."""
    errors = np.geterr()
    keras = sys.modules.get("keras")
    before = (keras.config.floatx(), keras.config.dtype_policy()) if keras is not None else None
    try:
        yield
    finally:
        np.seterr(**errors)
        keras = sys.modules.get("keras")
        if keras is not None:
            floatx, policy = before or (_floatx_keras_loads_with(),) * 2
            keras.config.set_floatx(floatx)
            keras.config.set_dtype_policy(policy)


def _floatx_keras_loads_with() -> str:
    """The floatx `import keras` starts with: keras.json's in KERAS_HOME (else ~/.keras), float32 without one."""
    return floatx_in(keras_json()) or "float32"


def _print_result(result: Result, graded: Version | None = None) -> None:
    status = "PASS" if result.passed else "FAIL"
    exercise = result.exercise
    print(f"  {exercise.name}  {exercise.grader.TITLE:<46} {status}  {result.seconds:5.1f} s", flush=True)
    if graded is not None and graded.why:
        print(f"        (graded your {kind_of(graded.path)} {from_repository(graded.path)}: {graded.why})")
    for line in result.message.splitlines():
        print(f"        {line}")


def kind_of(path: Path) -> str:
    return "notebook" if path.suffix == ".ipynb" else "file"


def grade(exercises: list[Exercise], solutions: bool) -> int:
    where = "the reference solutions in keras_models/course/exercises/solutions/" if solutions \
        else "your exercise files in keras_models/course/exercises/"
    print(f"Grading {where}")
    start = time.perf_counter()
    results = []
    for exercise in exercises:
        version = Version(exercise.solution_path, "") if solutions else \
            version_to_grade(exercise.learner_path, exercise.notebook_path)
        path = version.path
        with tempfile.TemporaryDirectory(prefix=f"grade_{exercise.name}_") as workdir:
            try:
                if not path.is_file():
                    raise FileNotFoundError(2, "No such file", str(path))
                with _quiet_tensorflow(), _numeric_settings_kept():
                    result = grade_file(exercise, path, Path(workdir))
            except SystemExit as exit_:                 # the file called sys.exit(): a FAIL, not the end of grading
                result = Result(exercise, False, f"your code called {exit_called(exit_, path)}", 0.0)
            except Terminated:                          # SIGTERM: not the learner's Ctrl-C, nor where it landed
                raise
            except KeyboardInterrupt as interrupt:      # Ctrl-C, as to end a loop that never ends: say where it was
                raise KeyboardInterrupt(_interrupted_in(exercise, interrupt, path)) from None
        _print_result(result, version)
        if not solutions and not result.passed:
            _name_copies(exercise)
        results.append(result)
        stopped_meanwhile()         # a stop Python dropped in a __del__ as it ran: no next exercise, no summary
    passed = sum(result.passed for result in results)
    print(f"{passed} of {len(results)} passed in {time.perf_counter() - start:.0f} s.")
    if passed < len(results) and not solutions:
        failed = next(result for result in results if not result.passed)
        first = failed.exercise.name
        if failed.data_unreadable:
            print(f"Next: restore the data file as {first}'s line says, then grade again with "
                  f"`make exercises ONLY={first}`.")
        else:
            print(f"Next: edit {first}'s file, then grade it alone with `make exercises ONLY={first}`.")
    return 0 if passed == len(results) else 1


def _name_copies(exercise: Exercise) -> None:
    """One line for each copy of the exercise's notebook that the learner worked in (JupyterLab's Duplicate, a
    renamed notebook): its Grade cell grades it, make exercises does not, and a learner who solved it there saw
    only "not done yet" for the file it grades."""
    own = exercise.notebook_path.name
    for copy in copies_worked_in(exercise.notebook_path, exercise.learner_path):
        print(f"        (not graded: your notebook {from_repository(copy)}, a copy of {own}; make exercises grades "
              f"{own} or its .py: copy your cells into {own})")


def _interrupted_in(exercise: Exercise, interrupt: KeyboardInterrupt, path: Path) -> str:
    """'while grading ex01, in your Perceptron1D.run (line 44 of ex01_perceptron_activations.py)': the exercise
    being graded, and the learner's function that was running (none when the grader's own code was)."""
    where = interrupted_where(interrupt, path)
    return f"while grading {exercise.name}" if where is None else f"while grading {exercise.name}, {where}"


def grade_here(name: str) -> None:
    """Grade exercise `name` on the code run so far in this notebook or script; print make exercises' verdict.

    The grader calls the functions and classes defined in the caller's namespace (the cells you have
    run), exactly as `make exercises ONLY=name` calls those of your file. Run by the grader itself (the file
    graded holds the call outside its `if __name__ == "__main__":`), it does nothing: the grader gives the verdict.
    """
    caller = sys._getframe(1)
    if caller.f_globals.get("__name__", "").startswith(GRADED_PREFIX):
        return None             # a grade cell outside `if __name__ == "__main__":`, run by the grader grading the
                                # file: it gives the verdict, and a second one, graded again, would precede it
    try:
        exercise = find(name)
    except ValueError as error:
        print(f"error: {error}")
        return None
    namespace = ModuleType(f"_graded_here_{exercise.name}")
    namespace.__dict__.update(caller.f_globals)
    caller_file = caller.f_code.co_filename
    in_notebook = notebook_cells(caller_file) is not None
    try:
        with _quiet_tensorflow(), tempfile.TemporaryDirectory(prefix=f"grade_{exercise.name}_") as workdir:
            result = grade_module(exercise, namespace, Path(workdir), _learners_code(caller_file))
    except GraderUnreadable as error:
        print(f"error: {error}")
        return None
    except KeyboardInterrupt as interrupt:
        if not in_notebook:
            raise                                               # a script: make exercise-run says it in one line
        loading = package_loading(interrupt, _learners_code(caller_file))
        if loading is None:                                     # the stop button
            print(f"Interrupted: {exercise.name} was not graded. Run this cell again to grade it.")
        else:           # what loaded before the stop stays in the kernel, what did not is missing: a restart mends it
            print(restart_line(loading, f"{exercise.name} was not graded, and {loading} may be left half-loaded in "
                               "this kernel.", "run the cells above, then this one."))
        return None
    _print_result(result)
    _not_the_notebook_graded(caller.f_globals.get("__session__"), exercise)
    if result.passed:
        return
    if result.data_unreadable:
        print("Restore the data file as the line above says, then run "
              + ("this cell again." if in_notebook else f"the file again: make exercise-run NAME={exercise.name}"))
    elif in_notebook and result.lacks_a_name:
        print("Run the cells above first (or write what the line above names), then this one.")
    elif in_notebook:
        # JupyterLab's Terminal opens in the folder its file browser shows, where make finds no Makefile
        print(f"Change your code, run its cell again, then this one (or in a terminal, in the project's folder: "
              f"make exercises ONLY={exercise.name}).")
    else:                                                       # a script: make exercise-run, or python itself
        print(f"Change your code, then run the file again: make exercise-run NAME={exercise.name}")


def _not_the_notebook_graded(session: object, exercise: Exercise) -> None:
    """One line when the notebook running the grade cell is a copy of the exercise's (JupyterLab's Duplicate, a
    renamed one): its verdict counts for nothing in make exercises, which grades the exercise's own notebook or
    .py. JupyterLab names the notebook to its kernel (`__session__`: its full path, or its path from the server's
    root, the repository, when jupyter_server was not told the file's name); nbclient and scripts do not."""
    if not isinstance(session, str) or not session.endswith(".ipynb"):
        return
    notebook = repository.REPO / session
    own = exercise.notebook_path
    if notebook.resolve() == own.resolve() or notebook.parent.resolve() != own.parent.resolve():
        return                                  # its own, or not a copy of it (the solution's, a lesson's folder)
    print(f"(this notebook, {from_repository(notebook)}, is not the one make exercises grades: copy your cells into "
          f"{from_repository(own)})")


def _learners_code(caller_file: str):
    """Whether a frame's file is the learner's: the calling script, or any cell of the calling notebook (a `%%time`
    cell's code included, which IPython compiles under a name of its own)."""
    in_notebook = notebook_cells(caller_file) is not None
    return lambda filename: filename == caller_file or (in_notebook and learners_cell(filename))


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="make exercises", command=".venv/bin/python -m keras_models.course.exercises.grade",
                           make_variables={"--only": "ONLY", "--reset": "NAME"},
                           description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--solutions", action="store_true", help="grade the reference solutions")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="grade only this exercise (ex03, 3 or its file name), or these (ex01,ex03); repeatable")
    parser.add_argument("--write-missing", action="store_true",
                        help="write the exercise files you do not have yet, then stop (make setup)")
    parser.add_argument("--reset", action="append", metavar="NAME",
                        help="overwrite your file with the untouched skeleton (yours is backed up first); repeatable")
    args = parser.parse_args(argv)
    program = "make exercise-reset" if args.reset else "make exercises"      # the command the learner ran
    try:
        if args.reset and (args.only or args.solutions):
            raise ValueError("--reset does not grade: use it without --only and --solutions")
        wanted = [exercise for value in args.reset or [] for exercise in find_all(value, "NAME")] + \
                 [exercise for value in args.only or [] for exercise in find_all(value, "ONLY")]
        if args.solutions and not SOLUTIONS_DIR.is_dir():
            raise ValueError("this learner copy of the course does not include the reference solutions")
    except ValueError as error:                         # ONLY=ex99, NAME=ex99: one line, the valid names
        print(one_line(f"error: {error}"), file=sys.stderr)
        return 2
    try:
        if args.reset:
            status = reset_exercises(wanted)
        elif args.write_missing:
            write_missing_files(list(EXERCISES))
            status = 0
        else:
            selected = [exercise for exercise in EXERCISES if exercise in wanted or not wanted]   # in course order
            load_graders(selected)              # each grader loads, or one line before anything is graded
            if not args.solutions:
                write_missing_files(selected)
            with sigterm_stops_like_ctrl_c():   # `timeout make exercises`, `kill`: its temporary folder deleted
                status = grade(selected, args.solutions)
        sys.stdout.flush()                  # here, not at exit: a closed pipe is one line, not "Exception ignored"
        return status
    except GraderUnreadable as error:                  # the course's file, not the learner's: which, and the fix
        print(one_line(f"error: {error} (nothing was graded)"), file=sys.stderr)
        return 1
    except Terminated:                                 # SIGTERM while grading: no exercise, no learner to name
        print("\nTerminated (SIGTERM); nothing was changed.", file=sys.stderr)
        return TERMINATED_STATUS
    except KeyboardInterrupt as interrupt:             # its message, from grade(): which exercise, and where
        where = f" {interrupt}" if str(interrupt) else ""
        print(f"\nInterrupted{where}; nothing was changed.", file=sys.stderr)
        return 130
    except (BrokenPipeError, OutputFailed) as failed:   # `make exercises | head -1`, `> /dev/full`: not "a file"
        print(f"error: {output_failed(failed, program)}", file=sys.stderr)
        return 1
    except UnicodeEncodeError as error:              # PYTHONIOENCODING=ascii:strict: not a file's fault either
        print(output_cannot_show(error, program), file=sys.stderr)
        return 1
    except (OSError, UnicodeError) as error:         # a solution file missing, a folder that cannot be written
        print(f"error: {_what_failed(error)}", file=sys.stderr)
        return 1


def _what_failed(error: OSError | UnicodeError) -> str:
    if isinstance(error, UnicodeError):
        return f"a file is not UTF-8 text ({error})"
    path = Path(error.filename) if error.filename else None
    if isinstance(error, FileNotFoundError) and path is not None and path.parent == SOLUTIONS_DIR:
        return (f"the solution {path.relative_to(REPO)} is missing: restore it with "
                f"`{restore_command(path.relative_to(REPO))}`")
    not_writable = folder_not_writable(error)         # a read-only checkout, or another user's folder
    if not_writable is not None:
        return not_writable
    return f"{path or 'a file'}: {error.strerror or error}"


if __name__ == "__main__":
    from keras_models.twins.closed_output import prepare_output_streams
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape

    # The grader prints its own messages; TensorFlow's C++ log lines would bury them. Both are set before
    # TensorFlow loads (the graders import it), and here rather than on import: `make exercise-run` imports
    # this module and keeps TensorFlow's real errors in the learner's own run.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    filter_tensorflow_chatter()      # before TensorFlow loads: its C++ start-up lines are not the learner's business
    sys.exit(main())
