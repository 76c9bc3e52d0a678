"""What `make train` can be asked to do: the tasks, each one's settings, and the command line.

The tasks and their defaults are the task table (`data/tasks.py`, `task.train`). Nothing here imports
TensorFlow, so `.venv/bin/python -m keras_models.train` reads and checks its command line before TensorFlow
loads (about 5 s): a misspelt task, a bad number, a --logdir that cannot be written are answered at
once, in one line, with the valid choices.

`make train` passes its make variables as options (TASKS -> --tasks, EPOCHS -> --epochs, LR ->
--learning-rate, DEVICES -> --devices, LOGDIR -> --logdir, QUIET=1 -> --quiet, RESUME=1 -> --resume) and
adds --via-make, so
every message spells an option the way the learner gives it: `LOGDIR=DIR` after `make train`,
`--logdir DIR` after `.venv/bin/python -m keras_models.train` (`option`, `command`).
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from data.tasks import TASK_TABLE, Defaults, checked_settings, unevenly_split
from keras_models.train.runs import DEFAULT_LOGDIR, FLOAT32_RATES, MAX_EPOCHS, RunDirectoryError, fits_float32
from keras_models.twins.one_line_parser import OneLineParser
from keras_models.twins.repository import for_make
from keras_models.twins.unexpanded_home import unexpanded_home

PROG = ".venv/bin/python -m keras_models.train"
MAKE_VARIABLES = {"--tasks": "TASKS", "--epochs": "EPOCHS", "--learning-rate": "LR", "--devices": "DEVICES",
                  "--logdir": "LOGDIR", "--quiet": "QUIET=1", "--resume": "RESUME=1"}
via_make = False                    # set by parse_args: the options came from make variables


def option(flag: str, value: object | None = None) -> str:
    """`flag` (with `value`) as the learner writes it: 'LOGDIR=x' under make train, '--logdir x' otherwise."""
    if via_make:
        name = MAKE_VARIABLES[flag]
        return name if value is None else f"{name}={value}"
    return flag if value is None else f"{flag} {value}"


def command(*options: str) -> str:
    """The command that runs make train with `options` (already spelled by `option`), e.g. for a hint."""
    return " ".join(["make train" if via_make else PROG, *options])


def logdir_option(logdir: str | Path) -> list[str]:
    """[option('--logdir', logdir)] unless logdir is the default, for commands in hints: quoted where the shell
    needs it (LOGDIR='my runs'), so that the command can be copied as it stands."""
    if Path(logdir).resolve() == DEFAULT_LOGDIR:
        return []
    return [option("--logdir", shlex.quote(for_make(logdir)))]


def task_settings(task: str, *, epochs: int | None = None, max_rows: int | None = None,
                  learning_rate: float | None = None) -> Defaults:
    """The task's settings with the overrides given: epochs and learning_rate replace the task's own;
    max_rows replaces the sample size of a task that trains on a sample (regression) -- the smaller
    data sets are always used whole."""
    settings = TASK_TABLE[task].train
    if epochs is not None:
        settings = replace(settings, epochs=epochs)
    if learning_rate is not None:
        settings = replace(settings, learning_rate=learning_rate)
    if max_rows is not None and settings.max_rows is not None:
        settings = replace(settings, max_rows=max_rows)
    return settings


def check_tasks(names: list[str], *, settings: bool = True) -> list[str]:
    """The task names if each is valid and listed once and (with `settings`) its settings in the task table can
    train, or a ValueError naming the wrong or repeated one (a TaskTableError for a wrong entry in data/tasks.py)."""
    valid = ", ".join(TASK_TABLE)
    if not names:
        raise ValueError(f"no task given; valid tasks: {valid}")
    unknown = [n for n in names if n not in TASK_TABLE]
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(map(repr, unknown))}; valid tasks: {valid}")
    repeated = [n for n in dict.fromkeys(names) if names.count(n) > 1]
    if repeated:                    # a typo for another task, more likely than a wish to train one twice
        raise ValueError(f"task(s) {', '.join(map(repr, repeated))} given more than once in {option('--tasks')}; "
                         "list each task once")
    for name in names if settings else ():      # all of them before the first trains, not each in its turn
        checked_settings(name, "train")
    return list(names)


def task_names(text: str) -> list[str]:
    """--tasks: the names between commas; [] when there is none at all (check_tasks says so), and a ValueError for
    an empty one among others (TASKS=binary,,regression or TASKS=binary,): trained without it, the learner would not
    learn that a task was left out."""
    names = [name.strip() for name in text.split(",")]
    if not any(names):
        return []
    if not all(names):
        raise ValueError(f"{option('--tasks', repr(text))} has an empty name between its commas: give task names "
                         f"separated by commas, e.g. {option('--tasks', 'binary,regression')}")
    if any(len(name.split()) > 1 for name in names):      # TASKS="binary regression": "unknown task 'binary regr..."
        raise ValueError(f"{option('--tasks', repr(text))} separates task names with spaces: separate them with "
                         f"commas: {option('--tasks', ','.join(text.replace(',', ' ').split()))}")
    return names


def check_devices(devices: int, tasks: list[str]) -> int:
    """The number of devices, if it splits the batches of every task evenly, or a ValueError saying which do.

    The Keras side cuts each batch into `devices` shards, one per device (devices.py). Keras 3.15's fit fails
    when the first batch does not split into equal shards (it averages the shards of that batch to build the
    model), so the number must divide the batch size; a shorter last batch is fine (data_parallel.py).
    """
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        raise ValueError(f"{option('--devices')} must be a whole number >= 1, got {devices!r}")
    uneven = unevenly_split(devices, tasks)
    if uneven:
        task, batch_size = uneven[0], TASK_TABLE[uneven[0]].train.batch_size
        choices = ", ".join(str(n) for n in range(1, batch_size + 1) if batch_size % n == 0)
        why = ("is more than the batch size" if devices > batch_size else "does not divide the batch size")
        raise ValueError(f"{option('--devices', devices)} {why} {batch_size} of task {task}: each batch is cut "
                         f"into that many equal shards, one per device; choose one of {choices}")
    return devices


def check_writable(logdir: str | Path) -> Path:
    """logdir, created if missing, after writing a file in it -- or a RunDirectoryError naming the path and why."""
    logdir = Path(logdir)
    try:                                  # exists() raises, not answers, inside a folder this user may not enter
        blocker = next((p for p in [logdir, *logdir.parents] if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            where = "is a file" if blocker == logdir else f"cannot be created: {blocker} is a file"
            raise RunDirectoryError(f"log directory {logdir} {where}, not a directory; choose another with "
                                    f"{option('--logdir', 'DIR')}")
        logdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=logdir):
            pass
    except OSError as exc:
        raise RunDirectoryError(f"log directory {logdir} cannot be written ({exc.strerror or exc}); "
                                f"choose another with {option('--logdir', 'DIR')}") from None
    return logdir


def _number(text: str | None, kind: type, flag: str, check, requirement: str, parser) -> int | float | None:
    """The option's value as an int or float that passes `check`, or one line naming the option."""
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not check(value):
        parser.error(f"{option(flag)} must be {requirement}, got {text!r}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The checked command line; a mistake exits with status 2 and one line naming it."""
    global via_make
    argv = list(sys.argv[1:] if argv is None else argv)
    via_make = "--via-make" in argv                 # before parsing: the messages below depend on it
    parser = OneLineParser(prog=PROG, via_make=via_make, make_variables=MAKE_VARIABLES,   # no hint via make
                           description="`make train`: every task trained twice, from scratch and in Keras, from the "
                                       "same start, side by side.")
    parser.add_argument("--tasks", help=f"comma-separated, from: {','.join(TASK_TABLE)} (default: all)")
    parser.add_argument("--epochs", help="epochs for every task (default: each task's own)")
    parser.add_argument("--learning-rate", help="Adam's learning rate for every task (default: 0.001)")
    parser.add_argument("--devices", help="train the Keras side data-parallel on N devices (GPUs, else logical "
                                          "CPU devices) under tf.distribute.MirroredStrategy (default: 1)")
    parser.add_argument("--logdir", default=str(DEFAULT_LOGDIR), help="where runs go (default: logs/)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress, only the summary")
    parser.add_argument("--resume", action="store_true",
                        help="continue the newest unfinished run under --logdir, with the settings it started "
                             "with (make train RESUME=1)")
    args = parser.parse_args(argv)
    epochs = args.epochs
    args.epochs = _number(args.epochs, int, "--epochs", lambda n: n >= 1, "a whole number >= 1", parser)
    if args.epochs is not None and args.epochs > MAX_EPOCHS:
        parser.error(f"{option('--epochs')} must be at most {MAX_EPOCHS}, got {epochs!r}")
    learning_rate = args.learning_rate
    args.learning_rate = _number(args.learning_rate, float, "--learning-rate", lambda r: 0 < r < math.inf,
                                 "a positive number such as 0.001", parser)
    if args.learning_rate is not None and not fits_float32(args.learning_rate):
        parser.error(f"{option('--learning-rate')} must be a number that float32, in which both sides train, holds: "
                     f"{FLOAT32_RATES}, got {learning_rate!r}")
    args.devices = _number(args.devices, int, "--devices", lambda n: n >= 1, "a whole number >= 1", parser)
    if args.resume:
        given = [option(flag) for flag, value in (("--tasks", args.tasks), ("--epochs", args.epochs),
                                                  ("--learning-rate", args.learning_rate),
                                                  ("--devices", args.devices)) if value is not None]
        if given:
            parser.error(f"{option('--resume')} continues a run with the settings it started with; leave out "
                         f"{', '.join(given)}")
    try:
        args.tasks = check_tasks(list(TASK_TABLE) if args.tasks is None else
                                 task_names(args.tasks),
                                 settings=not args.resume)      # resumed: run.completed checks the run's own tasks
        if not args.resume:                         # a resumed run keeps the devices it started with
            args.devices = check_devices(1 if args.devices is None else args.devices, args.tasks)
    except ValueError as exc:
        parser.error(str(exc))
    if not args.logdir.strip():                     # Path("") is ".": the runs would land in the current folder
        parser.error(f"{option('--logdir')} is empty; name a folder, e.g. {option('--logdir', 'logs')}")
    args.logdir = Path(args.logdir)
    tilde = unexpanded_home(str(args.logdir), lambda folder: option("--logdir", folder), command())
    if tilde:                                       # LOGDIR=~/runs reaches us as it is from most shells
        parser.error(tilde)
    try:
        check_writable(args.logdir)                 # last: it creates the directory if it is missing
    except ValueError as exc:
        parser.error(str(exc))
    return args
