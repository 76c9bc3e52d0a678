"""An output pipe closed while a program prints (`make train | head`, `make exercises | head -1`): one line.

Python's own answer is a BrokenPipeError where the print was, and then, when it flushes stdout at exit, "Exception
ignored in: <_io.TextIOWrapper name='<stdout>' ...> BrokenPipeError". Each program catches the first and prints
`output_closed(its name)` on stderr instead; that points stdout at /dev/null first, so the flush at exit has
somewhere to go.

(An output that cannot show a character is the other way stdout ends a program: see output_encoding.py.)
"""

from __future__ import annotations

import os
import sys


def output_closed(program: str) -> str:
    """After a BrokenPipeError on stdout (nobody reads it any more): what to tell the learner on stderr."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):               # no file descriptor behind sys.stdout (captured)
        pass
    return f"the output was closed while {program} was printing (a pipe into a command that ended?)"
