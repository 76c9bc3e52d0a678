"""Ctrl-C while a program starts (TensorFlow, Jupyter's packages loading): one line, exit status 130, at once.

Python raises KeyboardInterrupt wherever the main thread is when SIGINT arrives; during the first seconds of
`make train`, `make course`, `make notebooks` or `make lab` that is deep inside an import, and the learner
sees a long traceback through TensorFlow, jupytext or hmac. Nothing has been written yet then, so there is
nothing to clean up: each of these programs calls `on_ctrl_c_leave_at_once(message)` first thing, before
its imports, and sets `signal.default_int_handler` back once its own code can say what was kept.

    on_ctrl_c_leave_at_once("Interrupted before training started; nothing was written.")
    import tensorflow ...                                 # a Ctrl-C here: the line, exit status 130
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()                                                # a Ctrl-C here: KeyboardInterrupt, as usual

This module imports only the standard library, so that it is loaded in a moment.
"""

from __future__ import annotations

import os
import signal
import sys


def leave_at_once(message: str):
    """A SIGINT handler that prints `message` on stdout and ends the process with status 130 (no cleanup)."""
    def handler(signum, frame):
        try:
            sys.stdout.flush()
            os.write(sys.stdout.fileno(), f"\n{message}\n".encode())
        except (OSError, ValueError):          # stdout closed (a pipe that ended): leave without a word
            pass
        os._exit(130)
    return handler


def on_ctrl_c_leave_at_once(message: str) -> None:
    """From now on, Ctrl-C prints `message` and ends the process at once (see the module docstring)."""
    signal.signal(signal.SIGINT, leave_at_once(message))
