"""TensorFlow's start-up chatter, kept out of the learner's output, and nothing else with it.

As it loads, TensorFlow 2.21 writes lines like these to stderr, from C++ (twice: two of its libraries
each carry a copy of Abseil's logging):

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1796412893.410396   13326 port.cc:153] oneDNN custom operations are on. You may see ...

and, when Keras feeds a tf.data pipeline (`make course`), an error-level line about an attribute this
build of TensorFlow does not know (harmless: "Unknown attributes will be ignored"):

    E0000 00:00:1796412960.169097   14009 node_def_util.cc:682] NodeDef mentions attribute use_unbounded_threadpool ...

Abseil prints every message until a program calls absl::InitializeLog(), which nothing in TensorFlow
does, so TF_CPP_MIN_LOG_LEVEL does not reach these lines, and no other setting does either
(TF_ENABLE_ONEDNN_OPTS=0 would drop the oneDNN line only by turning oneDNN off, which changes the
numbers and the speed). They are written before Python's logging exists, straight to file descriptor 2.

So every program of the project (make train, tensorboard, lessons, course, exercises, bench, the
multi-worker script and the notebooks' kernel) calls `filter_tensorflow_chatter()` before TensorFlow loads:
file descriptor 2 becomes a pipe into a small child process (chatter_filter.py, a Python of its own), which
copies every line to the real stderr except those that match its CHATTER, exactly. Anything else -- a real
error from TensorFlow's C++, a Python traceback, a message of ours -- passes unchanged and in order. In
order among themselves: stdout does not go through the child, so with both in one file (`> log 2>&1`) a
stderr line can land below stdout lines printed after it (a warning below the output that followed it).
Python's own stderr cannot simply skip the pipe: a C++ error line of TensorFlow's would then land below the
traceback it caused. Only one pipe for both would keep both orders, and stdout's errors (a closed pipe, a
full disk) would then reach the child instead of the program.

The child is a separate process, so even a crash of the program loses nothing: the kernel closes the pipe,
and the child copies what is left before it exits. It ignores Ctrl-C and SIGTERM, which reach a whole process
group: the program's last line ("Interrupted; ...") still arrives.

One Python warning goes too (`quiet_keras_retracing_warning`), a false alarm whenever a program trains
several Keras models, as make train (one per task) and make course (one per script, and its reloaded copy) do:

    WARNING:tensorflow:5 out of the last 12 calls to <function TensorFlowTrainer._make_function.<locals>.
    multi_step_on_iterator at 0x7f...> triggered tf.function retracing. Tracing is expensive ...

Its cause: TensorFlow counts calls and tracings per *code object* (polymorphic_function.py,
_get_key_for_call_stats), and every model's train, test and predict functions are closures made by the same
Keras method (TensorFlowTrainer._make_function, make_predict_function), so one code object. Each new model
traces its own functions once (a partial last batch, or a predict on one row, once more -- Keras' functions
have reduce_retracing=True, so never again); a few calls per model (make train EPOCHS=1) then look like
"5 tracings in the last 10 calls". Nothing retraces needlessly, and a model cannot share another's
functions, so the warning is dropped where it is logged: only for Keras' trainer functions; a tf.function of
the learner's own that retraces is still reported.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import signal
import subprocess
import sys

from keras_models.twins import chatter_filter
from keras_models.twins.chatter_filter import GROUP_STOPS

_filter: subprocess.Popen | None = None

# TensorFlow's retracing warning about one of Keras' own step functions (see the module docstring)
KERAS_RETRACING = re.compile(r"calls to <function TensorFlowTrainer\.[\w.<>]+ at 0x[0-9a-f]+> triggered "
                             r"tf\.function retracing\.")


class _KerasRetracing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return KERAS_RETRACING.search(record.getMessage()) is None


def quiet_keras_retracing_warning() -> None:
    """Drop TensorFlow's retracing warning about Keras' own train/test/predict functions (module docstring);
    every other message of the "tensorflow" logger passes. Before or after TensorFlow loads; once is enough."""
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _KerasRetracing) for f in logger.filters):
        logger.addFilter(_KerasRetracing())


def filter_tensorflow_chatter(own_process_group: bool = False) -> None:
    """Route file descriptor 2 through a child process that drops the CHATTER lines (once per program).

    The child is a new Python running chatter_filter.py, not a fork of this one: a fork copies the locks that
    other threads hold (the kernel's, below) into a child that runs Python code, where none is ever released.

    With own_process_group, the child leaves the program's process group: the notebooks' kernel asks for
    that, because ipykernel's shutdown terminates every process in the kernel's group and then waits for
    each to be gone -- and a child of the kernel that is not reaped until the kernel exits is never gone
    (ipykernel 7.4 waits 29 s on it, through its whole SIGTERM and SIGKILL ladder; JupyterLab kills the
    kernel before that, and a restart took 2.6 s instead of 0.2 s).
    """
    global _filter
    if _filter is not None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    real_stderr = os.dup(2)
    # A Ctrl-C in the moment the child starts, before its first lines ignore it, would print a traceback from its
    # start-up (a SIGTERM would end it): held (blocked) across the start -- a new program keeps the mask it is
    # started with -- then dropped in the child and delivered here.
    held_before = signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_STOPS)
    try:
        _filter = subprocess.Popen(
            [sys.executable, "-I", "-S", chatter_filter.__file__],
            stdin=read_end, stdout=subprocess.DEVNULL,  # holds nothing of the program's: a closed stdout stays closed
            stderr=real_stderr, process_group=0 if own_process_group else None)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held_before)     # a Ctrl-C held meanwhile arrives now
    os.close(read_end)
    os.dup2(write_end, 2)                       # from here on, whatever writes to fd 2 writes into the pipe
    os.close(write_end)
    atexit.register(_let_the_filter_finish, _filter, real_stderr)


def _let_the_filter_finish(process: subprocess.Popen, real_stderr: int) -> None:
    """At exit: close the pipe, so the child copies the last lines before the shell prints anything else."""
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os.dup2(real_stderr, 2)
    try:
        process.wait(timeout=2)                 # a child process of ours may still hold the pipe
    except subprocess.TimeoutExpired:
        pass
