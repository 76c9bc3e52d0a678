"""An output pipe closed while a program prints (`make train | head`, `make exercises | head -1`): one line.

Python's own answer is a BrokenPipeError where the print was, and then, when it flushes stdout at exit, "Exception
ignored in: <_io.TextIOWrapper name='<stdout>' ...> BrokenPipeError". Each program catches the first and prints
`output_closed(its name)` on stderr instead; that points stdout at /dev/null first, so the flush at exit has
somewhere to go.

A program started with stdout closed (`make exercises >&-`) has sys.stdout None, where each program's own flush
(`sys.stdout.flush()`, in filter_tensorflow_chatter first) was an AttributeError traceback (with stderr closed,
`2>&-`, the same, unseen: the program printed nothing and ended with status 1): `write_nowhere_if_closed`,
which prepare_output_streams calls as each program starts, points it at /dev/null, where Python's own print
already sends nothing.

An output that takes no more (`> /dev/full`, a redirection into a full disk) raises an OSError naming no file, which
cannot be told from another file's by the error alone: `with printing():` goes around prints only (make grade's,
make notebooks' and make release's), and turns their OSError into OutputFailed, for which
`output_failed(failed.error, its name)` says either line:

    try:
        with printing():
            print(summary)
            sys.stdout.flush()          # here, not at exit: a closed pipe is one line, not "Exception ignored"
    except OutputFailed as failed:      # `| head -1`, `> /dev/full`
        print(f"error: {output_failed(failed.error, 'make notebooks')}", file=sys.stderr)
        return 1

(An output that cannot show a character is the other way stdout ends a program: see output_encoding.py.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator

from keras_models.twins.output_encoding import escape_what_output_cannot_show


def output_closed(program: str) -> str:
    """After a BrokenPipeError on stdout (nobody reads it any more): what to tell the learner on stderr."""
    _write_nowhere_from_now_on()
    return f"the output was closed while {program} was printing (a pipe into a command that ended?)"


def output_failed(error: OSError, program: str) -> str:
    """After an OSError from a print, where nothing else is written: a closed pipe (output_closed), or an output that
    takes no more (`make notebooks > /dev/full`, `> log.txt` on a full disk), which was a traceback too."""
    if isinstance(error, BrokenPipeError):
        return output_closed(program)
    _write_nowhere_from_now_on()
    full = " (the disk it goes to is full?)" if error.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return f"the output of {program} could not be written: {error.strerror or error}{full}"


class OutputFailed(Exception):
    """A print to stdout that raised OSError, within printing(): `error` is that OSError."""

    def __init__(self, error: OSError):
        super().__init__(error)
        self.error = error


@contextlib.contextmanager
def printing() -> Iterator[None]:
    """Around prints to stdout only: their OSError (`> /dev/full`, `| head -1`) becomes OutputFailed, told apart
    from any other file's OSError, which names no file either. Nothing else goes inside (a git run, a file read):
    its OSError would be said as "the output ... could not be written"."""
    try:
        yield
    except OSError as error:
        raise OutputFailed(error) from error


def print_lines(lines: list[str], command: str) -> int:
    """Print a program's closing lines (its summary, once its work is done): 0, or 1 after one line on stderr when
    the output takes no more (`| head -1`, `> /dev/full`; what the program wrote to disk stays written)."""
    try:
        with printing():
            for line in lines:
                print(line)
            sys.stdout.flush()          # here, not at exit: a closed pipe is one line, not "Exception ignored"
    except OutputFailed as failed:
        print(f"error: {output_failed(failed.error, command)}", file=sys.stderr)
        return 1
    return 0


def _write_nowhere_from_now_on() -> None:
    """stdout into /dev/null, so that Python's flush at exit has somewhere to go."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):               # no file descriptor behind sys.stdout (captured)
        pass


def prepare_output_streams() -> None:
    """What each program calls first: a stdout or stderr closed at the start goes to /dev/null
    (write_nowhere_if_closed), then a character stdout cannot show is written as its escape
    (output_encoding.escape_what_output_cannot_show, which needs a stdout to reconfigure)."""
    write_nowhere_if_closed()
    escape_what_output_cannot_show()


def write_nowhere_if_closed() -> None:
    """A stdout or stderr closed when the program started (`>&-`, `2>&-`: sys.stdout or sys.stderr None): what is
    written to it goes to /dev/null.

    /dev/null takes the file descriptor (1 or 2), which was free: a file opened later would have taken it, and every
    child process (make grade's submissions, the chatter filter) would have printed into that file."""
    for descriptor, name in ((1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        devnull = os.open(os.devnull, os.O_WRONLY)  # the lowest free descriptor: usually `descriptor` itself
        if devnull != descriptor and _free(descriptor):  # a lower one was free too (`<&- >&-`: 0)
            os.dup2(devnull, descriptor)
            os.close(devnull)
            devnull = descriptor
        setattr(sys, name, open(devnull, "w"))  # the program's stdout or stderr, open until it exits


def _free(descriptor: int) -> bool:
    """No file open at `descriptor` (a file this program opened before may have taken it: that one is left alone)."""
    try:
        os.fstat(descriptor)
    except OSError:                             # EBADF
        return True
    return False
