"""An output pipe closed while a program prints (`make train | head`, `make exercises | head -1`): one line.

Python's own answer is a BrokenPipeError where the print was, and then, when it flushes stdout at exit, "Exception
ignored in: <_io.TextIOWrapper name='<stdout>' ...> BrokenPipeError". Each program catches the first and prints
`output_closed(its name)` on stderr instead; that points stdout at /dev/null first, so the flush at exit has
somewhere to go.

An output that cannot show a character is the other way stdout ends a program: `escape_what_output_cannot_show()`,
which each program calls first, writes the character as its escape instead, as the Makefile's PYTHONIOENCODING
does for the programs `make` runs.
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


def escape_what_output_cannot_show() -> None:
    """A character stdout's encoding cannot show is written as its escape (é as \\xe9), as Python already does on
    stderr, instead of ending the program with a UnicodeEncodeError traceback.

    The Makefile does this for the programs `make` runs (PYTHONIOENCODING=...:backslashreplace); this does it for
    a program run directly, `.venv/bin/python -m keras_models.course.lessons --logdir runé` with
    PYTHONIOENCODING=ascii, or in the C locale with PYTHONUTF8=0. As in the Makefile, an error handler the user
    chose (PYTHONIOENCODING=ascii:strict) is kept.
    """
    if ":" in os.environ.get("PYTHONIOENCODING", ""):
        return
    reconfigure = getattr(sys.stdout, "reconfigure", None)     # None: no stdout, or one that is not a text file
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
