"""One at a time: a folder or file that one process holds while it writes there (the kernel's flock).

Two `make grade`s on one class folder, two course runs into one output folder, or two `make lab`s in one
checkout would write the same files together. Each holds its folder (or its log) with `held_alone` while it
works, and the second is refused at once with its caller's one line. The lock is the kernel's: it goes when
the block ends or the process does, however it ends (Ctrl-C, kill -9), so nothing is left to clean up.
(`make train` holds each run's run.lock the same way, for the whole run: keras_models/train/run_lock.py.)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def held_alone(path: Path, busy: Exception) -> Iterator[None]:
    """Hold `path` (a folder or a file that exists) for this process while the block runs; raise `busy`, the
    caller's one line, if another process holds it now. A folder is opened read-only: flock needs no more."""
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        yield
    finally:
        os.close(fd)
