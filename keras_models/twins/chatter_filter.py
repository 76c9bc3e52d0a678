"""The filter process of tf_chatter.py: stdin copied to stderr, line by line, without TensorFlow's start-up lines.

    .venv/bin/python -I -S keras_models/twins/chatter_filter.py  < pipe  2> the real stderr

`filter_tensorflow_chatter()` (tf_chatter.py) starts it as a new program, not as a fork of the one it filters:
the notebooks' kernel starts it after ipykernel's threads, and a forked child of a multi-threaded process
inherits every lock another thread holds at that moment, held for ever (Python 3.12+ warns: "This process is
multi-threaded, use of fork() may lead to deadlocks in the child"). So it imports nothing but the standard
library it needs (-I -S: no site-packages, nothing from the environment), and starts in a few tens of ms.
"""

from __future__ import annotations

import os
import re
import select
import signal

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

# What stops a whole process group, the filter's included: Ctrl-C in a terminal, SIGTERM from `timeout` (which
# signals its command's group) or a cancelled CI job. The filter ignores both: the program is the one to handle
# them, and says what happened; the filter passes that line on, then ends when the pipe closes.
GROUP_STOPS = {signal.SIGINT, signal.SIGTERM}


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


def main() -> None:
    """The filter: stdin (the pipe) to stderr (the real one) until every writer has gone.

    It starts with GROUP_STOPS held (blocked) by the program that started it, so one that arrives while this
    Python starts up cannot end it or print a traceback here; ignored first, then released: a held one is dropped.
    """
    for stop in GROUP_STOPS:
        signal.signal(stop, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, GROUP_STOPS)
    copy_without_chatter(0, 2)


if __name__ == "__main__":
    main()
