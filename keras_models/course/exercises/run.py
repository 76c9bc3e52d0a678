"""Run your exercise file as a script: `make exercise-run NAME=ex03`.

What `.venv/bin/python keras_models/course/exercises/ex03_keras_basics.py` does -- the file runs top to
bottom as the program, its `if __name__ == "__main__":` cells included, so its "Run it" cell prints
its results and its "Grade it" cell grades the code -- with what a learner should see and nothing else:

    TensorFlow's C++ start-up lines   left out (keras_models/twins/tf_chatter.py), as in every make target
    a TODO not written yet            one line: the function and the line of the TODO
    an error in your code             one line: its type, the function and line where it was raised, its message
                                      (the same words as `make exercises`), instead of Python's traceback
    a file with no code in it         one line saying so (python would print nothing), and how to start over

The file run is the one `make exercises` grades: the `.py` or its notebook, whichever has fewer TODOs left,
else the notebook when you saved it more than a second after the `.py` (which_file.version_to_grade); a
notebook runs cell by cell, and an error names its cell. A missing exercise file is written first, as
`make exercises` does.

Exit status: 0 when the file ran to its end, 1 when it stopped on an error or has no code, 2 for an unknown exercise
(one line naming the exercises), 130 after Ctrl-C, whose line names the function and line of your file that was running
(the command has no time limit: Ctrl-C is how a loop that never ends is stopped, and found), 143 after SIGTERM -- an
IDE's stop button, which make passes on -- with the same line ("terminated (SIGTERM)" for "interrupted"): by default
SIGTERM ended the program at once and silent. Either ends every process the file started too (a command run with
subprocess, a multiprocessing worker, what they started in turn): a stop is sent to this program alone, not to them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from keras_models.course.child_processes import adopting, kill_strays
from keras_models.course.exercises.grade import kind_of
from keras_models.course.exercises.graders import (
    Exercise,
    does_not_parse,
    find,
    fit_arguments_checked,
    has_no_code,
    in_file,
    interrupted_where,
    load_module,
    no_code_in,
    raised,
    where_raised,
)
from keras_models.course.exercises.notebook_source import SourceError
from keras_models.course.exercises.reset import write_missing_files
from keras_models.course.exercises.which_file import version_to_grade
from keras_models.twins.closed_output import OutputFailed, output_failed
from keras_models.twins.one_line_parser import OneLineParser, one_line
from keras_models.twins.repository import from_repository
from keras_models.twins.terminated import TERMINATED_STATUS, Terminated, sigterm_stops_like_ctrl_c


class Stopped(Exception):
    """The learner's file stopped: str(self) is the one line that says where and why."""


def run_as_main(path: Path) -> None:
    """Run the file at `path` (.py, or a notebook's code cells in order) as the program's __main__ module.

    As `python path` would: __name__ is "__main__", sys.argv[0] is the file and its folder comes first on
    sys.path. Raises Stopped when the file cannot be read or parsed, its code raises, or it calls sys.exit
    with a failure status.
    """
    saved = sys.modules["__main__"], sys.argv[0], list(sys.path)
    sys.argv[0] = str(path)
    sys.path.insert(0, str(path.parent))
    try:
        load_module(path, name="__main__")              # the module it runs in is sys.modules["__main__"]
    except SourceError as error:                        # not UTF-8, not a notebook
        raise Stopped(str(error)) from None
    except SyntaxError as error:
        raise Stopped(does_not_parse(error, path)) from None
    except SystemExit as exit_:
        if exit_.code not in (None, 0):                 # sys.exit() and sys.exit(0) end the file, as in python
            function, line = where_raised(exit_, in_file(path))
            raise Stopped(f"your code called sys.exit({exit_.code!r}) in {function} ({line})") from None
    except BrokenPipeError:                             # its print into a closed pipe: not the learner's mistake
        raise
    except Exception as error:
        function, line = where_raised(error, in_file(path))
        if isinstance(error, NotImplementedError):
            raise Stopped(f"stopped at the TODO in {function} ({line}): write that part, then run it again") from None
        raise Stopped(raised(error, function, line, in_file(path))) from None
    finally:
        sys.modules["__main__"], sys.argv[0] = saved[0], saved[1]
        sys.path[:] = saved[2]


@contextlib.contextmanager
def processes_ended_on_a_stop() -> Iterator[None]:
    """Ctrl-C or SIGTERM within the block kills every process the learner's code started, and reaps it.

    Both come to this program alone (make passes its SIGTERM to the one program it runs; an IDE or a process manager
    signals that one), and python left the rest running: a command started with subprocess, forever; a
    multiprocessing.Process, whose join at exit then held the program itself. The program's own children from before
    (TensorFlow's chatter filter, which prints the line that says where the file stopped) are kept. While the block
    runs, orphans of those processes (a command's own child, left behind when it ended) become this program's
    children (a child subreaper, as make grade's sandboxes: Linux only), where they are found too."""
    with adopting() as own:
        try:
            yield
        except KeyboardInterrupt:               # Terminated (SIGTERM) too
            kill_strays(own)                    # SIGKILL: no process can ignore it or linger over it
            raise


def run_exercise(exercise: Exercise) -> int:
    write_missing_files([exercise])
    version = version_to_grade(exercise.learner_path, exercise.notebook_path)
    path = version.path
    if version.why:
        print(f"(running your {kind_of(path)} {from_repository(path)}: {version.why})", flush=True)
    if has_no_code(path):
        print(f"{exercise.name}: {no_code_in(path, exercise, 'run')}", file=sys.stderr)
        return 1
    try:
        with fit_arguments_checked(exercise), processes_ended_on_a_stop():
            run_as_main(path)                       # fit_arguments_checked: model.fit(validation_split=20), one line
    except Stopped as stopped:
        sys.stdout.flush()
        print(f"{exercise.name}: {stopped}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as interrupt:      # Ctrl-C, as to end a loop that never ends: say which loop it was
        raise type(interrupt)(_interrupted_in(interrupt, path)) from None    # Terminated (SIGTERM) stays one
    return 0


def _interrupted_in(interrupt: KeyboardInterrupt, path: Path) -> str:
    """' in your engineer_features (line 48 of ex06_capstone_housing.py)': the learner's innermost function that was
    running when Ctrl-C came (make exercises' words), or "" when none of the learner's code was."""
    where = interrupted_where(interrupt, path)
    return "" if where is None else f" {where}"


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="make exercise-run", command=".venv/bin/python -m keras_models.course.exercises.run",
                           make_variables={"NAME": "NAME"},
                           description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", metavar="NAME", help="the exercise: ex03, 3 or its file name")
    args = parser.parse_args(argv)
    try:
        exercise = find(args.name)
    except ValueError as error:                         # NAME=ex99: one line, the valid names
        print(one_line(f"error: {error}"), file=sys.stderr)
        return 2
    try:
        with sigterm_stops_like_ctrl_c():
            status = run_exercise(exercise)
        sys.stdout.flush()                  # here, not at exit: a closed pipe is one line, not "Exception ignored"
        return status
    except Terminated as terminated:                # its message, as Ctrl-C's below
        print(f"\n{exercise.name}: terminated (SIGTERM){terminated}.", file=sys.stderr)
        return TERMINATED_STATUS
    except KeyboardInterrupt as interrupt:          # its message: where the learner's code was (run_exercise)
        print(f"\n{exercise.name}: interrupted{interrupt}.", file=sys.stderr)
        return 130
    except (BrokenPipeError, OutputFailed) as failed:   # `make exercise-run NAME=ex01 | head -1`, `> /dev/full`
        print(f"error: {output_failed(failed, 'make exercise-run')}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    from keras_models.twins.closed_output import prepare_output_streams
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape

    filter_tensorflow_chatter()      # before your file imports TensorFlow: its C++ start-up lines are not yours to read
    sys.exit(main())
