"""What `make train` can be asked to do: the tasks, each one's settings, and the command line.

The tasks and their defaults are the task table (`data/tasks.py`, `task.train`). Nothing here imports
TensorFlow, so `.venv/bin/python -m keras_models.train` reads and checks its command line before TensorFlow
loads (about 5 s): a misspelt task, a bad number, a --logdir that cannot be written are answered at
once, with the valid choices.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace
from pathlib import Path

from data.tasks import TASK_TABLE, Defaults
from keras_models.train.runs import check_writable

DEFAULT_LOGDIR = Path(__file__).resolve().parents[2] / "logs"     # the repository's logs/: `make tensorboard`


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


def check_tasks(names: list[str]) -> list[str]:
    """The task names, each valid and listed once, or a ValueError listing the valid ones."""
    valid = ", ".join(TASK_TABLE)
    if not names:
        raise ValueError(f"no task given; valid tasks: {valid}")
    unknown = [n for n in names if n not in TASK_TABLE]
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(map(repr, unknown))}; valid tasks: {valid}")
    return list(dict.fromkeys(names))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The checked command line; a mistake exits with status 2 and a message naming it (argparse's way)."""
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m keras_models.train",
                                     description="`make train`: every task trained twice, from scratch and in "
                                                 "Keras, from the same start, side by side.")
    parser.add_argument("--tasks", help=f"comma-separated, from: {','.join(TASK_TABLE)} (default: all)")
    parser.add_argument("--epochs", type=int, help="epochs for every task (default: each task's own)")
    parser.add_argument("--learning-rate", type=float, help="Adam's learning rate for every task (default: 0.001)")
    parser.add_argument("--logdir", type=Path, default=DEFAULT_LOGDIR, help="where runs go (default: logs/)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress, only the summary")
    parser.add_argument("--resume", action="store_true",
                        help="continue the newest unfinished run under --logdir, with the settings it started "
                             "with (make train RESUME=1)")
    args = parser.parse_args(argv)
    if args.resume:
        given = [flag for flag, value in (("--tasks", args.tasks), ("--epochs", args.epochs),
                                          ("--learning-rate", args.learning_rate)) if value is not None]
        if given:
            parser.error(f"--resume continues a run with the settings it started with; leave out {', '.join(given)}")
    try:
        args.tasks = check_tasks(list(TASK_TABLE) if args.tasks is None else
                                 [t.strip() for t in args.tasks.split(",") if t.strip()])
    except ValueError as exc:
        parser.error(str(exc))
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    if args.learning_rate is not None and not (0 < args.learning_rate < math.inf):
        parser.error(f"--learning-rate must be a positive number, got {args.learning_rate}")
    try:
        check_writable(args.logdir)                 # last: it creates the directory if it is missing
    except ValueError as exc:
        parser.error(str(exc))
    return args
