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

Python raises a handler's exception wherever the main thread is, and one raised inside a `__del__` method or a gc
callback is printed as "Exception ignored in ..." and dropped: make grade, whose Terminated was raised in a
multiprocessing Connection's `__del__` as the last reference to a graded child's pipe went, graded on, every later
SIGTERM ignored. So within the block the stops its handlers raise (Terminated, and Ctrl-C's KeyboardInterrupt where
Python's own handler was there) are known: one that Python drops is not printed, and is raised again by
stopped_meanwhile(), which a program's waiting loop calls (make grade's), and at the block's end. A dropped
Terminated stopped nothing, so SIGTERM is heard again (make exercise-run, whose learner's loop no loop of ours
waits on, ignored the IDE's every later stop); a Terminated raised anew is then the one, the dropped one forgotten.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

TERMINATED_STATUS = 128 + signal.SIGTERM            # 143, as a shell reports a program that SIGTERM ended


class Terminated(KeyboardInterrupt):
    """SIGTERM within sigterm_stops_like_ctrl_c: a KeyboardInterrupt, so that it stops the program as Ctrl-C
    does (code that lets KeyboardInterrupt through lets this through too)."""


_raised: list[KeyboardInterrupt] = []       # the stops the blocks' handlers raised
_dropped: list[KeyboardInterrupt] = []      # those of them Python dropped (its unraisable hook was handed them)
_blocks: list[None] = []                    # one per block entered and not left (a block may run inside another)


@contextlib.contextmanager
def sigterm_stops_like_ctrl_c() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated, once: a second one is ignored until the block ends. A stop that
    Python dropped is raised again at the block's end, if stopped_meanwhile() has not raised it before."""
    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise _raising(Terminated())

    def ctrl_c(signum, frame):                  # Python's default_int_handler, whose raising is known
        raise _raising(KeyboardInterrupt())

    def kept(dropped: KeyboardInterrupt) -> None:
        _dropped.append(dropped)                # said by the program in its one line, not as a traceback
        if isinstance(dropped, Terminated):
            signal.signal(signal.SIGTERM, stop)     # (stop had set it ignored): the next SIGTERM is heard

    def unraisable_hook(unraisable) -> None:
        try:
            if _ours(unraisable.exc_value):
                kept(unraisable.exc_value)
            else:
                previous_hook(unraisable)
        except KeyboardInterrupt as came:       # a stop raised while this ran: Python would drop it here as well
            if not _ours(came):
                raise
            kept(came)

    previous = signal.signal(signal.SIGTERM, stop)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:     # (not SIG_IGN: `make test &` is deaf to Ctrl-C, and stays so)
        signal.signal(signal.SIGINT, ctrl_c)
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable_hook
    for ours in (stop, ctrl_c, unraisable_hook):        # for _forked_child_stops_at_sigterm
        ours.stops_like_ctrl_c = True
    unraisable_hook.previous = previous_hook
    _blocks.append(None)
    try:
        yield
        stopped_meanwhile()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)   # None: set outside Python
        if previous_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous_int)
        sys.unraisablehook = previous_hook
        _blocks.pop()
        if not _blocks:                         # the outermost block's end: its stops are over
            _raised.clear()
            _dropped.clear()


def _raising(new: KeyboardInterrupt) -> KeyboardInterrupt:
    """`new`, known as one of ours from now on."""
    _raised.append(new)
    return new


def _ours(error: BaseException | None) -> bool:
    return any(error is raised for raised in _raised)


def _owed() -> list[KeyboardInterrupt]:
    """The stops Python dropped since the last one it did not drop, latest first: that one stopped the program, or
    the program caught it itself (a learner's try/except around fit), and those before it are over with it."""
    owed = []
    for stop in reversed(_raised):
        if not any(stop is dropped for dropped in _dropped):
            break
        owed.append(stop)
    return owed


def stopped_meanwhile() -> None:
    """Raise again the stop (Terminated, or Ctrl-C's KeyboardInterrupt) that Python dropped within the block, if it
    dropped one (see the module's docstring); else nothing. Of several, one is raised, a Terminated first (a program
    says "Terminated" for SIGTERM), and the others are forgotten. A loop that waits calls it each round."""
    owed = _owed()
    if owed:
        dropped = next((stop for stop in owed if isinstance(stop, Terminated)), owed[0])
        _dropped.clear()
        if isinstance(dropped, Terminated):             # as stop does: a second SIGTERM cannot cut the clean-up short
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise dropped


def _forked_child_stops_at_sigterm() -> None:
    """In a process forked within the block (a learner's multiprocessing worker, in make exercise-run or make
    exercises): SIGTERM ends it at once and silent, as in any Python program. It inherited `stop`, and a Pool that
    stopped its workers made each print a Terminated traceback. (A process exec'd loses every handler anyway.) Its
    Ctrl-C and its dropped exceptions are Python's own again too: the parent's stops are not its."""
    if getattr(signal.getsignal(signal.SIGTERM), "stops_like_ctrl_c", False):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if getattr(signal.getsignal(signal.SIGINT), "stops_like_ctrl_c", False):
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if getattr(sys.unraisablehook, "stops_like_ctrl_c", False):
        sys.unraisablehook = sys.unraisablehook.previous
    _raised.clear()
    _dropped.clear()


os.register_at_fork(after_in_child=_forked_child_stops_at_sigterm)
