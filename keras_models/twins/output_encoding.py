"""An output that cannot show a character (`PYTHONIOENCODING=ascii`, the C locale with `PYTHONUTF8=0`): its escape.

The other way stdout ends a program, beside a closed pipe (closed_output.py): Python's answer is a UnicodeEncodeError
traceback where the print was. `escape_what_output_cannot_show()`, which each program calls first (through
closed_output.prepare_output_streams), writes the character as its escape instead, as the Makefile's
PYTHONIOENCODING does for the programs `make` runs.
"""

from __future__ import annotations

import os
import sys


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
