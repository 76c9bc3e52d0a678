"""The processes a learner's code starts, found and ended: for make grade's sandboxes and make exercise-run.

A learner's code may start processes (a command run with subprocess, a multiprocessing worker, what those start in
turn) that a stop sent to our program alone does not reach. Made a child subreaper, our program becomes the parent
of every orphan among them instead of init, so /proc lists them all as its children, and they can be killed and
reaped. Linux only: elsewhere `subreaper` does nothing and `children` finds none.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
from collections.abc import Iterator

PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37      # linux/prctl.h


def subreaper(on: bool) -> bool:
    """Make this process a child subreaper (on) or not; whether it was one before. Orphaned descendants then
    become our children, where kill_strays finds them, instead of init's. Linux only: elsewhere (prctl
    missing) this does nothing."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        before = ctypes.c_int(0)
        libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0)
        libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)
        return bool(before.value)
    except (OSError, AttributeError):
        return False


@contextlib.contextmanager
def adopting() -> Iterator[set[int]]:
    """While the block runs this process is a child subreaper, so every orphan of what it starts becomes its child;
    yields the children it had before (its own, to keep when kill_strays ends the rest), and puts the flag back."""
    before = children()
    was = subreaper(True)
    try:
        yield before
    finally:
        subreaper(was)


def children() -> set[int]:
    """The pids of this process's children (zombies included), from /proc/<pid>/stat (field 4 is the parent)."""
    me, found = os.getpid(), set()
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if entry.name.isdigit():
            try:
                fields = proc_stat(entry.name)
            except OSError:                     # ended meanwhile
                continue
            if int(fields[1]) == me:
                found.add(int(entry.name))
    return found


def proc_stat(pid: int | str) -> list[bytes]:
    """The fields of /proc/<pid>/stat after the command name, which may hold ")": field N of proc(5) is [N - 3]."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return stat.read().rsplit(b")", 1)[1].split()


def kill_strays(keep: set[int]) -> None:
    """Kill and reap every child of ours not in `keep`, again and again: a killed one's children become ours."""
    while strays := children() - keep:
        for pid in strays:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in strays:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
