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
file descriptor 2 becomes a pipe into a small child process, which copies every line to the real stderr
except those that match CHATTER, exactly. Anything else -- a real error from TensorFlow's C++, a Python
traceback, a message of ours -- passes unchanged and in order. The child is a separate process, so even a
crash of the program loses nothing: the kernel closes the pipe, and the child copies what is left before it
exits. It ignores Ctrl-C and SIGTERM, which reach a whole process group: the program's last line
("Interrupted; ...") still arrives.

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
import select
import signal
import sys
import time

# One TensorFlow C++ log line's prefix: severity and date (0000 before absl::InitializeLog), time, thread id.
_PREFIX = rb"[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ "
CHATTER = re.compile(
    rb"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|" + _PREFIX + rb"port\.cc:\d+\] oneDNN custom operations are on\. .*"
    rb"|" + _PREFIX + rb"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized to use available CPU "
                      rb"instructions in performance-critical operations\."
    rb"|" + _PREFIX + rb"node_def_util\.cc:\d+\] NodeDef mentions attribute use_unbounded_threadpool which is not "
                      rb"in the op definition: .* Unknown attributes will be ignored\. .*")
# cpu_feature_guard's notice goes on over a second line, dropped only right after the first
CPU_NOTICE_CONTINUED = re.compile(rb"To enable the following instructions: .*, in other operations, rebuild "
                                  rb"TensorFlow with the appropriate compiler flags\.")

_filter_pid: int | None = None
# What stops a whole process group, the filter's included: Ctrl-C in a terminal, SIGTERM from `timeout` (which
# signals its command's group) or a cancelled CI job. The filter ignores both (see filter_tensorflow_chatter).
GROUP_STOPS = {signal.SIGINT, signal.SIGTERM}

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

    With own_process_group, the child leaves the program's process group: the notebooks' kernel asks for
    that, because ipykernel's shutdown terminates every process in the kernel's group and then waits for
    each to be gone -- and a child of the kernel that is not reaped until the kernel exits is never gone
    (ipykernel 7.4 waits 29 s on it, through its whole SIGTERM and SIGKILL ladder; JupyterLab kills the
    kernel before that, and a restart took 2.6 s instead of 0.2 s).
    """
    global _filter_pid
    if _filter_pid is not None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    real_stderr = os.dup(2)
    # A Ctrl-C in the moment the child starts would reach Python's own after-fork code in it, before the child
    # can ignore it, and print a traceback there (a SIGTERM would end the child): held (blocked) across the
    # fork, then dropped in the child and delivered in the program.
    signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_STOPS)
    pid = os.fork()
    if pid == 0:                                    # the child: copy and filter until every writer has gone
        try:
            for stop in GROUP_STOPS:                # the program's to handle: it says what happened, and this
                signal.signal(stop, signal.SIG_IGN)     # child passes that line on, then ends when the pipe closes
            signal.pthread_sigmask(signal.SIG_UNBLOCK, GROUP_STOPS)         # (a held one is dropped: ignored)
            if own_process_group:
                os.setpgid(0, 0)
            os.close(write_end)
            for fd in (0, 1):                   # hold nothing of the program's open: a closed stdout stays closed
                os.close(fd)
            copy_without_chatter(read_end, real_stderr)
        finally:
            os._exit(0)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, GROUP_STOPS)         # a Ctrl-C held meanwhile arrives now
    if own_process_group:
        os.setpgid(pid, pid)                    # in both processes, so it holds whichever runs first
    os.close(read_end)
    os.dup2(write_end, 2)                       # from here on, whatever writes to fd 2 writes into the pipe
    os.close(write_end)
    _filter_pid = pid
    atexit.register(_let_the_filter_finish, pid, real_stderr)


def copy_without_chatter(read_fd: int, write_fd: int) -> None:
    """Copy lines from read_fd to write_fd until end of file, leaving out the CHATTER lines.

    A line is copied once its newline arrives; an unfinished line that waits 0.2 s (a prompt) is copied as it is.
    """
    pending = b""                                   # the start of a line whose newline has not come yet
    after_cpu_notice = False
    while True:
        ready, _, _ = select.select([read_fd], [], [], 0.2 if pending else None)
        if not ready:                               # an unfinished line waited: pass it on
            _write_all(write_fd, pending)
            pending, after_cpu_notice = b"", False
            continue
        chunk = os.read(read_fd, 65536)
        if not chunk:                               # end of file: every writer has gone
            break
        *lines, pending = (pending + chunk).split(b"\n")
        kept = []
        for line in lines:
            if CHATTER.fullmatch(line) or (after_cpu_notice and CPU_NOTICE_CONTINUED.fullmatch(line)):
                after_cpu_notice = b"] This TensorFlow binary is optimized" in line
            else:
                after_cpu_notice = False
                kept.append(line + b"\n")
        _write_all(write_fd, b"".join(kept))
    _write_all(write_fd, pending)


def _write_all(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:                     # nobody reads stderr any more: keep draining, so no writer ever blocks
        pass


def _let_the_filter_finish(pid: int, real_stderr: int) -> None:
    """At exit: close the pipe, so the child copies the last lines before the shell prints anything else."""
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os.dup2(real_stderr, 2)
    deadline = time.monotonic() + 2                       # a child process of ours may still hold the pipe
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0) and time.monotonic() < deadline:
            time.sleep(0.005)
    except ChildProcessError:                             # already gone
        pass
