"""`.venv/bin/python -m keras_models.train` (what `make train` runs): the command line first, TensorFlow after.

Everything that can be checked without TensorFlow is checked before it loads (about 5 s): a typo, a
--logdir that cannot be written, or a --resume with nothing to resume is answered at once. A package
that is missing from this Python gets one line saying how to set up the project's .venv.

Ctrl-C works at any moment. Until training starts (TensorFlow's import takes seconds, and nothing has
been written yet) it ends the program at once with one line; from then on `run.main` turns it into a
clean stop that keeps every finished epoch (while Keras fits, once the batch in progress has ended;
while the scratch side writes its summaries, once they are written: twins/interrupts.py); after the summary
it ends the program at once again.
Each way the exit status is 130 and there is no traceback.
"""

import os
import signal
import sys
import time

STARTED = time.perf_counter()                            # for the total in the last line, imports included

from keras_models.twins.leave_at_once import on_ctrl_c_leave_at_once  # noqa: E402

on_ctrl_c_leave_at_once("Interrupted before training started; nothing was written.")

from keras_models.twins.closed_output import prepare_output_streams  # noqa: E402

prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")      # before TensorFlow loads: keep its C++ chatter quiet
# Before NumPy loads: one BLAS thread. TensorFlow keeps its own thread pools on the same cores, and
# NumPy's BLAS threads competing with them made the scratch side 2-3x slower on this 2-core machine;
# matrices of a few thousand rows gain nothing from a second thread.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from keras_models.twins.tf_chatter import filter_tensorflow_chatter, quiet_keras_retracing_warning  # noqa: E402

filter_tensorflow_chatter()          # before TensorFlow loads: its C++ start-up lines are not the learner's business
quiet_keras_retracing_warning()      # a false alarm when a run trains one Keras model per task (tf_chatter.py)

# What `make setup` installs that make train imports, by the name of the module.
REQUIRED = {"tensorflow": "TensorFlow", "keras": "Keras", "tensorboard": "TensorBoard", "numpy": "NumPy",
            "pandas": "pandas"}


def missing_dependency(exc: ImportError) -> str | None:
    """What to do when a package make train needs cannot be imported (None: not one of those packages)."""
    top = (exc.name or "").split(".")[0]
    if top not in REQUIRED:
        return None
    return (f"{REQUIRED[top]} is not installed in this Python ({sys.executable}): run `make setup` "
            f"(or `make train`, which sets up .venv). The import failed with: {exc}")


try:
    from keras_models.train.options import command, logdir_option, parse_args
    from keras_models.train.run_lock import NothingToResume, newest_unfinished
    from keras_models.train.runs import RunDirectoryError

    args = parse_args(sys.argv[1:])
    if args.resume:
        try:
            newest_unfinished(args.logdir, new_run=command(*logdir_option(args.logdir)))
        except (NothingToResume, RunDirectoryError, OSError) as exc:
            sys.exit(f"error: {exc}")
    from keras_models.train.run import main
except ImportError as exc:
    if missing_dependency(exc):
        sys.exit(missing_dependency(exc))
    raise

signal.signal(signal.SIGINT, signal.default_int_handler)   # KeyboardInterrupt: run.main stops cleanly
code = main(sys.argv[1:], started=STARTED)
on_ctrl_c_leave_at_once("Interrupted while exiting; the run had already ended.")
sys.exit(code)
