"""A mistake on a command line is one line on stderr (exit status 2), for every program the project runs.

    parser = OneLineParser(prog="make lessons", command=".venv/bin/python -m keras_models.course.lessons")
    parser.add_argument("--logdir")
    parser.parse_args(["--logdri", "x"])    # exit status 2, and on stderr:
    # error: unrecognized arguments: --logdri x (all options: .venv/bin/python -m keras_models.course.lessons --help)

Plain argparse prints its `usage: ...` line and then `prog: error: ...`: two lines or more, the first of them
not the mistake. Every program says it one way:

    error: <message> (all options: <command> --help)

`command` is what a shell runs to list the options: `make lessons --help` never reaches the program (make takes
--help for itself), so a prog such as "make lessons" needs the `.venv/bin/python -m ...` form beside it, and a
parser whose hint would start with `make ` is refused when it is built. `via_make`: the options came from make
variables (make train's --via-make), whose names the messages already use; a list of --options would be
someone else's, so the hint is left out.
"""

from __future__ import annotations

import argparse


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (exit status 2), not the usage and then the error."""

    def __init__(self, *, prog: str, command: str | None = None, via_make: bool = False, **kwargs):
        command = prog if command is None else command
        if command.split()[0] == "make":
            raise ValueError(f"`{command} --help` does not reach the program (make takes --help): give the "
                             "command a shell runs, e.g. command='.venv/bin/python -m <module>'")
        super().__init__(prog=prog, **kwargs)
        self.help_hint = "" if via_make else f" (all options: {command} --help)"

    def error(self, message: str):
        self.exit(2, f"error: {message}{self.help_hint}\n")
