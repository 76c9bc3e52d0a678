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
parser whose hint would start with `make ` is refused when it is built.

`make_variables` ({"--jobs": "JOBS", "SUBMISSIONS": "SUBMISSIONS"}: each option or positional, as argparse names
it, and the make variable the Makefile passes as it) lets the Makefile add --via-make first: the options then came
from make variables, and every mistake names the variable the user typed, not an option the user never saw:

    make grade JOBS=x       error: JOBS=x: 'x' is not ...           (argparse's "argument --jobs: ..." otherwise)
    make lessons LOGDIR=-x  the folder -x (argparse's "argument --logdir: expected one argument" otherwise)

The "(all options: ...)" hint is left out then: a list of --options would be someone else's. `spelled(flag,
value)` spells an option for the program's own messages: `JOBS=x` after make, `--jobs x` after a direct call.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata

from keras_models.twins.closed_output import OutputFailed, output_failed

VIA_MAKE = "--via-make"


def one_line(text: object) -> str:
    """`text` on one line: each control character -- a line break in a folder's name (--out $'a\\nb'), a terminal's
    escape -- and each line or paragraph separator written as its escape (\\n, \\x1b, \\u2028). A message that
    echoes a user's path or value is then one line, as a mistake is; other characters (é) are kept."""
    return "".join(c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in str(text))


def shown(value: str) -> str:
    """`value` as one word on one line: as it is when nothing in it needs quoting, else its repr ('a b', 'a\\nb')."""
    plain = value and value.isprintable() and not re.search(r"[\s'\"\\$`]", value)
    return value if plain else repr(value)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (exit status 2), not the usage and then the error."""

    def __init__(self, *, prog: str, command: str | None = None, via_make: bool = False,
                 make_variables: dict[str, str] | None = None, **kwargs):
        command = prog if command is None else command
        if command.split()[0] == "make":
            raise ValueError(f"`{command} --help` does not reach the program (make takes --help): give the "
                             "command a shell runs, e.g. command='.venv/bin/python -m <module>'")
        super().__init__(prog=prog, **kwargs)
        self.command_hint = f" (all options: {command} --help)"
        self.make_variables = dict(make_variables or {})
        self.via_make = via_make
        self.typed: dict[str, str] = {}             # option or positional -> the value given, from the last parse
        if self.make_variables:
            self.add_argument(VIA_MAKE, action="store_true", help=argparse.SUPPRESS)

    @property
    def help_hint(self) -> str:
        return "" if self.via_make else self.command_hint

    def parse_known_args(self, args=None, namespace=None):
        if self.make_variables:
            args = list(sys.argv[1:] if args is None else args)
            self.via_make = self.via_make or args[:1] == [VIA_MAKE]    # the Makefile puts it first
            if self.via_make:
                args = self._joined(args)
        return super().parse_known_args(args, namespace)

    def _joined(self, args: list[str]) -> list[str]:
        """`--jobs VALUE` as `--jobs=VALUE`: make passes each variable's value as the next word, and one that starts
        with a dash (LOGDIR=-x, a folder) is that variable's value, not argparse's "expected one argument"."""
        joined: list[str] = []
        words = iter(args)
        for word in words:
            if word == "--":
                joined += [word, *words]
                break
            action = self._option_string_actions.get(word)
            if action is not None and action.nargs is None and action.option_strings and word in self.make_variables:
                value = next(words, None)
                if value is not None:
                    self.typed[word] = value
                    if value == "--":           # LOGDIR=--: --logdir=-- lost its value (argparse drops a "--")
                        joined += [word, value, *words]     # argparse's "expected one argument", naming LOGDIR=--
                        break
                    word = f"{word}={value}"
            joined.append(word)
        return joined

    def spelled(self, name: str, value: str | None = None) -> str:
        """`name` (an option or positional, with the `value` given) as the user wrote it: `JOBS=x` after make,
        `--jobs x` (or the value alone, for a positional) after a direct call; both on one line."""
        if self.via_make and name in self.make_variables:
            return self.make_variables[name] + ("" if value is None else f"={shown(value)}")
        if value is None:
            return name
        return shown(value) if not name.startswith("-") else f"{name} {shown(value)}"

    def _print_message(self, message: str, file=None):
        """argparse's --help and usage; an output that takes no more (`--help > /dev/full`) is one line, exit 1."""
        try:
            super()._print_message(message, file)
        except (BrokenPipeError, OutputFailed) as failed:       # stdout as prepare_output_streams wraps it
            self.exit(1, f"error: {output_failed(failed, self.prog)}\n")

    def error(self, message: str):
        self.exit(2, f"error: {self.translated(message)}{self.help_hint}\n")

    def translated(self, message: str) -> str:
        """argparse's `message` on one line, naming the make variable after make: `argument --jobs: ...` ->
        `JOBS=x: ...`."""
        message = one_line(message)
        if not self.via_make:
            return message
        found = re.match(r"argument ([^:]+): (.*)", message, re.DOTALL)
        if found:
            for name in found.group(1).split("/"):
                if name in self.make_variables:
                    return f"{self.spelled(name, self.typed.get(name))}: {found.group(2)}"
        return message
