"""The task table: every fact about a learning task, written once, read by everything else.

    task        data set       X        y                                output (units)  loss  metric
    regression  diamonds       (n, 26)  price, thousands of USD          linear (1)      mse   mae
    binary      breast cancer  (n, 30)  1 = malignant                    sigmoid (1)     BCE   accuracy
    multiclass  digits         (n, 64)  one-hot digit                    softmax (10)    CCE   accuracy
    multilabel  digits         (n, 64)  even, > 4, prime (not exclusive)  sigmoid (3)    BCE   binary_accuracy

(BCE: binary_crossentropy, CCE: categorical_crossentropy.) `data.prepare` loads and splits a task's
data with `task.load`, the Keras models take their head from it (`keras_models.twins.models`),
`make train` its layers and defaults (`task.train`), the course scripts theirs (`task.course`), and
the tests loop over `TASKS`. Adding a fifth task is one `Task(...)` entry below, its data file in
data/ (with its SHA-256 in `data/checksums.py`) and, if the file needs one, a loader in
`data/loaders.py`.

For one-hot or 0/1 targets (those of every task here) Keras resolves the metric name "accuracy" by the width
of the output: one column -> BinaryAccuracy
(threshold 0.5), several columns -> CategoricalAccuracy, an ARGMAX over the row. Three independent
sigmoids are not one choice among three, so the multi-label task asks for "binary_accuracy", which
thresholds each sigmoid at 0.5 and averages over the labels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from data import loaders
from data.checksums import checked_path


@dataclass(frozen=True)
class TaskData:
    """What a task's loader returns: the raw features and the targets, before any split or scaling."""

    features: pd.DataFrame                  # (n, n_raw) raw feature columns
    y: np.ndarray                           # (n, n_outputs) float64
    target_names: list[str]
    strata: np.ndarray | None = None        # (n,) class of each row for a stratified split, or None
    categories: dict[str, tuple[str, ...]] | None = None    # text columns to one-hot encode, with their values


@dataclass(frozen=True)
class Defaults:
    """How a task is trained when nobody says otherwise (Keras' names)."""

    hidden: tuple[int, ...]                 # units of the relu hidden layers
    epochs: int                             # with `patience`: the most epochs EarlyStopping allows
    batch_size: int = 32
    learning_rate: float = 1e-3             # Adam's
    dropout: float = 0.0                    # rate of a Dropout layer after each hidden layer (0: none)
    patience: int | None = None             # EarlyStopping(monitor, patience), or None: every epoch runs
    max_rows: int | None = None             # train on a deterministic sample of the rows (data.prepare)


@dataclass(frozen=True)
class Task:
    """One learning task: its data, its output head, and its training defaults."""

    name: str
    dataset: str                            # the data set's name (data/README.md)
    load: Callable[[], TaskData]
    n_features: int                         # columns of X after encoding (checked by data.prepare)
    output_activation: str
    output_units: int
    loss: str
    metrics: tuple[str, ...]                # Keras' names; logged as epoch_<metric>
    train: Defaults                         # `make train`: scratch and Keras side by side
    course: Defaults                        # the course scripts (keras_models/course/real_data)
    monitor: str = "val_loss"               # what EarlyStopping watches

    @property
    def metric(self) -> str:
        """The metric `make train` reports beside the loss."""
        return self.metrics[0]

    @property
    def data_file(self) -> str:
        """The file in data/ that `load` reads (its SHA-256 in data/checksums.py)."""
        return f"{self.dataset}.csv"


# -- the loaders: raw features and targets of each task ---------------------------------------------
def diamond_prices() -> TaskData:
    frame = loaders.load_diamonds()
    price = frame.pop("price").to_numpy(dtype=np.float64)              # (53940,) US dollars
    return TaskData(frame, price[:, None] / 1000.0, ["price_thousands_usd"], categories=loaders.DIAMOND_GRADES)


def malignant_tumours() -> TaskData:
    X, y = loaders.load_breast_cancer()
    malignant = y.to_numpy()                                            # (569,) 1 = malignant
    return TaskData(X, malignant[:, None].astype(np.float64), ["malignant"], strata=malignant)


def digit_classes() -> TaskData:
    X, y = loaders.load_digits()
    digits = y.to_numpy()                                               # (1797,)
    return TaskData(X, np.eye(10)[digits], [str(d) for d in range(10)], strata=digits)   # (1797, 10) one-hot


def digit_attribute_labels() -> TaskData:
    X, y = loaders.load_digits()
    digits = y.to_numpy()                                               # (1797,)
    attributes = loaders.digit_attributes(digits)                       # (1797, 3) of 0/1
    return TaskData(X, attributes, list(loaders.DIGIT_ATTRIBUTES), strata=digits)


_TABLE = (
    Task("regression", "diamonds", diamond_prices, n_features=26, output_activation="linear", output_units=1,
         loss="mse", metrics=("mae",),
         train=Defaults(hidden=(64, 32), epochs=30, max_rows=10_000),
         course=Defaults(hidden=(64, 32), epochs=30, batch_size=64, dropout=0.2, patience=5)),
    Task("binary", "breast_cancer", malignant_tumours, n_features=30, output_activation="sigmoid", output_units=1,
         loss="binary_crossentropy", metrics=("accuracy",),
         train=Defaults(hidden=(16, 8), epochs=30, dropout=0.2),
         course=Defaults(hidden=(64, 32), epochs=200, dropout=0.2, patience=10)),
    Task("multiclass", "digits", digit_classes, n_features=64, output_activation="softmax", output_units=10,
         loss="categorical_crossentropy", metrics=("accuracy",),
         train=Defaults(hidden=(64,), epochs=20),
         course=Defaults(hidden=(64, 32), epochs=100, dropout=0.2, patience=10)),
    Task("multilabel", "digits", digit_attribute_labels, n_features=64, output_activation="sigmoid", output_units=3,
         loss="binary_crossentropy", metrics=("binary_accuracy",),
         train=Defaults(hidden=(64,), epochs=20),
         course=Defaults(hidden=(64, 32), epochs=100, dropout=0.2, patience=10)),
)

TASK_TABLE: dict[str, Task] = {task.name: task for task in _TABLE}
TASKS: tuple[str, ...] = tuple(TASK_TABLE)


def unevenly_split(devices: int, tasks: list[str]) -> list[str]:
    """The tasks whose training batch does not cut into `devices` equal shards (make train DEVICES=)."""
    return [task for task in tasks if TASK_TABLE[task].train.batch_size % devices]


class TaskTableError(ValueError):
    """A hand-edited entry of this table holds a value that cannot work (see `checked_settings`)."""


def checked_settings(name: str, use: str) -> Defaults:
    """The `use` settings ("train" or "course") of task `name`, or a TaskTableError naming the task and the value.

    The table is Python a learner edits by hand, and the layer that first meets a wrong Dropout rate is
    built only after the data are loaded -- in `make course`, after the scripts before it have trained. So
    the programs call this for every task they will run before they start the first. None is refused
    too, not read as "no Dropout": 0.0 says that, and a None would be passed on silently.
    """
    settings = getattr(get_task(name), use)
    check_name(name)
    rate = settings.dropout
    if isinstance(rate, bool) or not isinstance(rate, Real) or not (math.isfinite(rate) and 0.0 <= rate < 1.0):
        raise TaskTableError(f"data/tasks.py, task {name}: {use}=Defaults(dropout={rate!r}): a Dropout rate is the "
                             "fraction of units dropped, a number in [0, 1) (0.0: no Dropout)")
    return settings


def check_name(name: str) -> None:
    """A task's name must not be part of another task's, nor hold a character that regular expressions read
    specially: make train's TensorBoard link for a task filters runs by its name (runFilter, a case-insensitive
    regular expression matched anywhere in <timestamp>/<task>/<side>/<split>), so `regression` beside a task
    `regression_l2` would overlay both tasks' curves as if scratch and Keras disagreed."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise TaskTableError(f"data/tasks.py, task {name!r}: a task's name is lower-case letters, digits and _ only "
                             "(make train's TensorBoard links filter runs by it)")
    inside = [other for other in TASK_TABLE if other != name and (other in name or name in other)]
    if inside:
        raise TaskTableError(f"data/tasks.py, task {name}: its name and task {inside[0]}'s are one inside the other, "
                             f"so the TensorBoard link of one (runFilter={min(name, inside[0], key=len)}) shows both "
                             "tasks' runs: give it a name no other task's name is part of")


def check_data_files(tasks: Iterable[str]) -> None:
    """Each task's data file as shipped, or one of DATA_FILE_ERRORS for the first that is not. Asked before a
    program makes its output folder or trains anything (make train, make course, the course scripts, make lessons,
    make bench): not when a task's turn comes, after the ones before it ran."""
    for task in tasks:
        checked_path(get_task(task).data_file)


def get_task(name: str) -> Task:
    """The Task called `name`, or a ValueError listing the valid names."""
    if not isinstance(name, str) or name not in TASK_TABLE:
        raise ValueError(f"unknown task {name!r}; valid tasks are {', '.join(TASK_TABLE)}")
    return TASK_TABLE[name]
