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
cannot be told from another file's by the error alone: it was "a file", "a log file" or the pictures' folder, each
program's line for a file it writes. prepare_output_streams wraps stdout as each program starts (StandardOutput),
so that such an error from stdout is OutputFailed, not an OSError that a file's `except OSError` takes; `with
printing():`, around prints only, does the same where stdout is not wrapped (a test's). For OutputFailed,
`output_failed(failed, its name)` says either line (a closed pipe stays BrokenPipeError, caught where it was):

    try:
        with printing():
            print(summary)
            sys.stdout.flush()          # here, not at exit: a closed pipe is one line, not "Exception ignored"
    except OutputFailed as failed:      # `| head -1`, `> /dev/full`
        print(f"error: {output_failed(failed, 'make notebooks')}", file=sys.stderr)
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


def output_failed(error: OSError | OutputFailed, program: str) -> str:
    """After an OSError from a print, where nothing else is written: a closed pipe (output_closed), or an output that
    takes no more (`make notebooks > /dev/full`, `> log.txt` on a full disk), which was a traceback too."""
    if isinstance(error, OutputFailed):
        error = error.error
    if isinstance(error, BrokenPipeError):
        return output_closed(program)
    _write_nowhere_from_now_on()
    full = " (the disk it goes to is full?)" if error.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return f"the output of {program} could not be written: {error.strerror or error}{full}"


class OutputFailed(Exception):
    """A print to stdout that raised OSError, within printing() or through StandardOutput: `error` is that OSError.
    Not an OSError itself: a program's `except OSError`, for the files it writes, does not take it for one of them."""

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
        print(f"error: {output_failed(failed, command)}", file=sys.stderr)
        return 1
    return 0


class StandardOutput:
    """sys.stdout as each program has it (prepare_output_streams): the same stream, whose OSError on a write or a flush
    is OutputFailed, but for a closed pipe's BrokenPipeError, which each program already catches as it is."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        with _said_as_output():
            return self.stream.write(text)

    def writelines(self, lines) -> None:
        with _said_as_output():
            self.stream.writelines(lines)

    def flush(self) -> None:
        with _said_as_output():
            self.stream.flush()

    def __getattr__(self, name: str):                # fileno, isatty, encoding, reconfigure, ...: the stream's own
        return getattr(self.stream, name)


@contextlib.contextmanager
def _said_as_output() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        raise OutputFailed(error) from error


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
    (output_encoding.escape_what_output_cannot_show, which needs a stdout to reconfigure), and stdout's own OSError
    is OutputFailed from then on (StandardOutput: `> /dev/full` is the output's fault, not a file's)."""
    write_nowhere_if_closed()
    escape_what_output_cannot_show()
    if not isinstance(sys.stdout, StandardOutput):
        sys.stdout = StandardOutput(sys.stdout)


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
