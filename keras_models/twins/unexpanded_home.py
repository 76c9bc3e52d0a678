"""A folder given as ~/... that the shell passed on as it is: one line, not a folder named ~.

sh, and zsh on macOS, leave a ~ after `=` alone (`make release DEST=~/out`), so the program receives "~/out", which
names a folder called ~ in the current one: make train and make lessons would create it, make release found it
"inside this repository", make grade and make tensorboard said it "does not exist".

    unexpanded_home("~/out", lambda folder: f"DEST={folder}", "make release")
    # "DEST=~/out starts with ~, which the shell did not expand (it names a folder called ~ here); write the full
    #  path, e.g. make release DEST=/home/ann/out"
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def unexpanded_home(text: str, given: Callable[[str], str], command: str) -> str | None:
    """The line for a folder `text` that starts with ~, or None. `given(folder)` spells the option as the user writes
    it ("DEST=~/out", "--logdir ~/out"), and `command` ("make release") comes before it in the
    example of a full path."""
    if not text.startswith("~"):
        return None
    home = text.replace("~", str(Path.home()), 1) if text[1:2] in ("", "/") else "/full/path"   # ~ann/x: whose?
    return (f"{given(text)} starts with ~, which the shell did not expand (it names a folder called ~ here); "
            f"write the full path, e.g. {command} {given(home)}")
