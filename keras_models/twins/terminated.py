"""SIGTERM (from `timeout`, a cancelled CI job, `kill`) stopping a program as Ctrl-C does: its clean-up runs.

By default SIGTERM ends a Python program at once: no `finally`, no `with` block's exit, so a temporary folder
(make exercises' grade_exNN_*, make mutants' mutants_* copy of the repository) stays behind. Within

    with sigterm_stops_like_ctrl_c():
        ...

a SIGTERM raises Terminated instead, a KeyboardInterrupt: code that cleans up after Ctrl-C cleans up after it
too, and the program tells it from Ctrl-C by its class, to say so in one line and exit with TERMINATED_STATUS
(make exercises' lines; make grade's say instead what it kept for the same make grade again, progress.py):

    except Terminated:
        print("\\nTerminated (SIGTERM); nothing was changed.", file=sys.stderr)
        return TERMINATED_STATUS

Only one is raised: a second SIGTERM is ignored until the block ends, so that it cannot cut the clean-up short
(`timeout make grade` sends SIGTERM to make's whole process group, and make passes its own on to the program
as well). Used by make grade, make exercises, make exercise-run and make mutants. A process forked within the
block does not inherit this: SIGTERM ends it as it would any Python program (a learner's multiprocessing workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

TERMINATED_STATUS = 128 + signal.SIGTERM            # 143, as a shell reports a program that SIGTERM ended


class Terminated(KeyboardInterrupt):
    """SIGTERM within sigterm_stops_like_ctrl_c: a KeyboardInterrupt, so that it stops the program as Ctrl-C
    does (code that lets KeyboardInterrupt through lets this through too)."""


@contextlib.contextmanager
def sigterm_stops_like_ctrl_c() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated, once: a second one is ignored until the block ends."""
    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    stop.stops_like_ctrl_c = True               # for _forked_child_stops_at_sigterm
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)   # None: set outside Python


def _forked_child_stops_at_sigterm() -> None:
    """In a process forked within the block (a learner's multiprocessing worker, in make exercise-run or make
    exercises): SIGTERM ends it at once and silent, as in any Python program. It inherited `stop`, and a Pool that
    stopped its workers made each print a Terminated traceback. (A process exec'd loses every handler anyway.)"""
    if getattr(signal.getsignal(signal.SIGTERM), "stops_like_ctrl_c", False):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


os.register_at_fork(after_in_child=_forked_child_stops_at_sigterm)
