"""Run the four course scripts in order (`make course`): [--out DIR] [--epochs N] [--max-rows N] [--seed S].

Whatever a learner or a damaged file can cause ends in one line and no traceback: Ctrl-C (exit status 130;
while TensorFlow loads at once, while Keras fits once the batch in progress has ended: workflow.fit), a
damaged or missing data file, a --max-rows too small to split, or a wrong entry in the task table (exit
status 1) -- the last three before the first script trains (`rows_per_script`).
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys

if __name__ == "__main__":
    from keras_models.twins.leave_at_once import on_ctrl_c_leave_at_once

    on_ctrl_c_leave_at_once("Interrupted before the course started; nothing was written.")

from keras_models.twins.tf_chatter import filter_tensorflow_chatter, quiet_keras_retracing_warning  # noqa: E402

if __name__ == "__main__":
    from keras_models.twins.closed_output import prepare_output_streams

    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
    filter_tensorflow_chatter()      # before TensorFlow loads: its C++ start-up lines are not the learner's business

from data import TASK_TABLE, check_data_files, checked_settings, prepare  # noqa: E402
from keras_models.course.command_line import folder  # noqa: E402
from keras_models.course.folders import shown  # noqa: E402
from keras_models.course.real_data import classification_breast_cancer as binary  # noqa: E402
from keras_models.course.real_data import multiclass_digits as multiclass  # noqa: E402
from keras_models.course.real_data import multilabel_digits as multilabel  # noqa: E402
from keras_models.course.real_data import regression_diamonds as regression  # noqa: E402
from keras_models.course.real_data.workflow import (  # noqa: E402
    DEFAULT_OUT,
    LEARNER_ERRORS,
    course_options,
    course_rows,
    explain,
    writing_into,
)
from keras_models.twins.closed_output import OutputFailed, output_failed  # noqa: E402
from keras_models.twins.repository import for_make  # noqa: E402

SCRIPTS = (regression, binary, multiclass, multilabel)


def rows_per_script(max_rows: int | None, seed: int) -> dict[str, int | None]:
    """Each script's --max-rows, checked for every script before the first one trains.

    One --max-rows serves four data sets of 53,940, 569, 1,797 and 1,797 rows, so it is a cap, as its name
    says (and as make train's max_rows is): a data set with fewer rows is used whole, and a line says so.
    A number too small to give one of them three non-empty splits, or a wrong task table entry, is refused
    here, with one line -- not when that script's turn comes, after the scripts before it have trained.
    """
    rows = {}
    for script in SCRIPTS:
        task = TASK_TABLE[script.TASK]
        checked_settings(task.name, "course")
        available = len(task.load().features)
        rows[task.name] = max_rows if max_rows is None or max_rows <= available else available
        if rows[task.name] != max_rows:
            print(f"--max-rows {max_rows} is more than the {available:,} rows of {task.dataset}: the {task.name} "
                  "script uses them all", flush=True)
        prepare(task.name, seed=seed, max_rows=course_rows(task.name, rows[task.name]))    # a MaxRowsError, or fine
    return rows


def main(argv: list[str] | None = None) -> int:
    """`make course`: every script in turn, each report printed; the exit status (0, 1 or 130). --via-make (the
    Makefile's): the output folder is make course's own, not one its user typed, and a line about it says so."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--via-make" in argv:
        argv.remove("--via-make")
        try:
            folder(shown(DEFAULT_OUT), written_by="make course")
        except argparse.ArgumentTypeError as refused:       # not "argument --out: ... (all options: ...)"
            print(f"error: {refused}", file=sys.stderr, flush=True)
            return 2
    parser = course_options(".venv/bin/python -m keras_models.course.real_data", "the course's Keras half: "
                            "regression, binary, multi-class, multi-label", "each script's own",
                            rows=" of each data set (one with fewer rows is used whole)")
    args = parser.parse_args(argv)
    quiet_keras_retracing_warning()         # a false alarm: each script fits and reloads its own models (tf_chatter.py)
    try:
        check_data_files(script.TASK for script in SCRIPTS)     # before the output folder is made
        with writing_into(args.out):                   # another course run writing there: one line, nothing written
            rows = rows_per_script(args.max_rows, args.seed)
            for script in SCRIPTS:
                result = script.run(args.out, epochs=args.epochs, max_rows=rows[script.TASK], seed=args.seed)
                print(result.report, end="\n\n", flush=True)
        board = shlex.quote(for_make(args.out / "tensorboard"))        # as make reads it: it runs in the repository
        print(f"TensorBoard: make tensorboard LOGDIR={board}", flush=True)
    except KeyboardInterrupt:
        print(f"\nInterrupted; the scripts that finished have written their models and curves to {args.out}/.",
              flush=True)
        return 130
    except LEARNER_ERRORS as exc:
        print(f"error: {explain(exc, args.max_rows)}", file=sys.stderr, flush=True)
        return 1
    except (BrokenPipeError, OutputFailed) as failed:   # `make course | head -1`, `> /dev/full`: the scripts that
        print(f"error: {output_failed(failed, 'make course')}", file=sys.stderr, flush=True)   # finished kept theirs
        return 1
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)       # from here on main says what was kept
    sys.exit(main())
