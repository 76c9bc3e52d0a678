"""A folder given as ~/... that the shell passed on as it is: one line, not a folder named ~.

sh, and zsh on macOS, leave a ~ after `=` alone (`make release DEST=~/out`), so the program receives "~/out", which
names a folder called ~ in the current one: make train and make lessons would create it, make release found it
"inside this repository", make grade and make tensorboard said it "does not exist". `~ann/out` (ann's home) names a
folder called ~ann here, and the line says so, with ann's home where the system knows it.

    unexpanded_home("~/out", lambda folder: f"DEST={folder}", "make release")
    # "DEST=~/out starts with ~, which the shell did not expand (it names a folder called ~ here); write the full
    #  path, e.g. make release DEST=/home/ann/out"
"""

from __future__ import annotations

import os
from collections.abc import Callable


def unexpanded_home(text: str, given: Callable[[str], str], command: str) -> str | None:
    """The line for a folder `text` that starts with ~, or None. `given(folder)` spells the option as the user writes
    it ("DEST=~/out", "--logdir ~/out"), and `command` ("make release") comes before it in the
    example of a full path."""
    if not text.startswith("~"):
        return None
    named = text.split("/")[0]                              # "~" or "~ann": the folder it names here
    home = os.path.expanduser(text)                         # ~/x, or ~ann/x for a user this system knows
    if home.startswith("~"):                                # ~nobody-here/x: whose home is meant is not known
        home = "/full/path"
    return (f"{given(text)} starts with ~, which the shell did not expand (it names a folder called {named} here); "
            f"write the full path, e.g. {command} {given(home)}")
