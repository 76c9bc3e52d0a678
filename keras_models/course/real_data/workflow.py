"""What the four course scripts do alike, so that each script keeps only what its task teaches.

    prepared, model, fitted = prepare_and_fit(task, out_dir, epochs, max_rows, seed, verbose, title="...")
    model_path, reloaded = save_and_reload(model, out_dir, task, prepared.X_test, predictions)
    return course_run(prepared, model, fitted, scores, model_path, example, prediction, headline, lines,
                      matrix="confusion matrix (rows: true class)")    # a classifier's report and matrix too

`prepare_and_fit` is the course's Keras workflow, written out step by step in regression_diamonds.py:
with Python, NumPy and TensorFlow seeded and op determinism on (`deterministic`), prepare the task's
data (`data.prepare`), build its model (`keras_models.twins.models.build_model`) and `fit` it.

`fit` is the course's training step: the validation split decides when to stop -- EarlyStopping
watches `task.monitor` (val_loss) and, once it has not improved for `task.course.patience` epochs,
stops and restores the best epoch's weights -- and TensorBoard writes the curves and the weight
histograms to <out>/tensorboard/<task>/{train,validation}, replacing an earlier run's. The batch size is
the task's own (data/tasks.py). A Ctrl-C while Keras fits is raised once the batch in progress has ended, from our code,
never inside TensorFlow (keras_models/twins/interrupts.py). `save_and_reload` checks that the `.keras` file,
holding the architecture, the weights and the compile settings, predicts exactly what the trained model does.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from data import (
    DATA_FILE_ERRORS,
    MaxRowsError,
    Prepared,
    TaskTableError,
    check_data_files,
    checked_settings,
    get_task,
    prepare,
)
from keras_models.course.command_line import folder, seed, whole_number
from keras_models.course.folders import LOGS, shown
from keras_models.twins.alone import held_alone
from keras_models.twins.closed_output import OutputFailed, output_failed, prepare_output_streams
from keras_models.twins.interrupts import HeldInterrupt
from keras_models.twins.loss_curves import history_frame, plot_loss_curves
from keras_models.twins.models import build_model, load_model, standard_callbacks
from keras_models.twins.one_line_parser import OneLineParser
from keras_models.twins.reproducible import deterministic
from keras_models.twins.tf_chatter import quiet_keras_retracing_warning

DEFAULT_OUT = LOGS / "course"          # the repository's logs/course, wherever a course script starts


class OutputFolderBusy(Exception):
    """Another course run is writing into the same output folder right now (`writing_into`)."""


# a damaged or missing data file, a --max-rows too small to split, a wrong value written into the task table, or an
# output folder another course run is writing: one line (`explain`), not a traceback
LEARNER_ERRORS = (*DATA_FILE_ERRORS, MaxRowsError, TaskTableError, OutputFolderBusy)


@contextlib.contextmanager
def writing_into(out_dir: Path) -> Iterator[None]:
    """Hold out_dir (made if missing) while the block runs (twins/alone.py). Two course runs at once in one folder
    saved the same .keras file together (one stopped with zipfile's "Bad CRC-32" traceback) and left both runs'
    event files in one TensorBoard run, their epochs interleaved; the second now stops with an OutputFolderBusy
    naming the folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with held_alone(out_dir, OutputFolderBusy(f"another make course (or course script) is writing into {out_dir} "
                                              "right now; wait for it to end (both would write the same models and "
                                              "logs there)")):
        yield


def explain(exc: Exception, max_rows: int | None) -> str:
    """The one line for a LEARNER_ERRORS exception: a max_rows error names the flag it came from."""
    return f"--max-rows {max_rows}: {exc}" if isinstance(exc, MaxRowsError) else str(exc)


@dataclass
class Fitted:
    history: pd.DataFrame                     # one row per epoch, one column per History key
    curves_png: Path                          # <out>/<task>_loss_curves.png
    log_dir: Path                             # <out>/tensorboard/<task>/{train,validation}


def fit(model: keras.Model, prepared: Prepared, out_dir: Path, epochs: int | None, verbose: int,
        title: str) -> Fitted:
    """model.fit on the training split with EarlyStopping and TensorBoard, then the loss curves as a PNG.
    epochs: the most epochs (None: the task's own, `task.course.epochs`)."""
    task = get_task(prepared.task)
    epochs = task.course.epochs if epochs is None else epochs
    log_dir = out_dir / "tensorboard" / task.name
    forget_earlier_runs(log_dir)
    held = HeldInterrupt()                  # Ctrl-C: raised after a batch, never inside TensorFlow
    with held:
        history = model.fit(prepared.X_train, prepared.y_train, validation_data=(prepared.X_val, prepared.y_val),
                            epochs=epochs, batch_size=task.course.batch_size,
                            callbacks=[*standard_callbacks(log_dir, task.course.patience, task.monitor), held],
                            verbose=verbose)
    curves = history_frame(history)                         # loss, <metric> and their val_ twins
    return Fitted(curves, plot_loss_curves(curves, out_dir / f"{task.name}_loss_curves.png", title=title), log_dir)


def forget_earlier_runs(log_dir: Path) -> None:
    """Delete the event files an earlier run left in log_dir/{train,validation}. TensorBoard reads every event
    file of a run's folder as one run, so a second run would interleave its epochs 0, 1, ... with the first's
    in every chart; like the .keras file and the PNG, the folder holds the latest run only."""
    for split in ("train", "validation"):
        for events in (log_dir / split).glob("events.out.tfevents.*"):
            events.unlink()


def course_rows(task: str, max_rows: int | None) -> int | None:
    """The rows to train on: --max-rows if given, else the task table's `task.course.max_rows` (None: all)."""
    return get_task(task).course.max_rows if max_rows is None else max_rows


def prepare_and_fit(task: str, out_dir: Path, epochs: int | None, max_rows: int | None, seed: int, verbose: int,
                    title: str) -> tuple[Prepared, keras.Model, Fitted]:
    """Seeded and deterministic: the task's prepared data, its model, and the model fitted (see `fit`)."""
    with deterministic(seed):
        prepared = prepare(task, seed=seed, max_rows=course_rows(task, max_rows))
        model = build_model(prepared)
        return prepared, model, fit(model, prepared, out_dir, epochs, verbose, title)


def save_and_reload(model: keras.Model, out_dir: Path, task: str, X_test: np.ndarray,
                    predictions: np.ndarray) -> tuple[Path, keras.Model]:
    """Save as <out>/<task>.keras, load it back (safe_mode), and check it predicts `predictions` exactly."""
    model_path = out_dir / f"{task}.keras"
    model.save(model_path)
    reloaded = load_model(model_path)
    if not np.array_equal(reloaded.predict(X_test, verbose=0), predictions):
        raise RuntimeError(f"{model_path} does not reproduce the trained model's predictions")
    return model_path, reloaded


@dataclass
class CourseRun:
    """What a course script hands back (and prints): the trained model, its curves, its test scores,
    the files it wrote, and its prediction for one new example."""

    task: str
    prepared: Prepared
    model: keras.Model                        # the trained model (weights of the best epoch)
    history: pd.DataFrame                     # one row per epoch, one column per History key
    test_scores: object                       # dict of regression metrics, or a ClassificationEvaluation
    model_path: Path                          # <out>/<task>.keras
    curves_png: Path                          # <out>/<task>_loss_curves.png
    log_dir: Path                             # <out>/tensorboard/<task>/{train,validation}
    new_example: pd.DataFrame                 # the raw new example, (1, raw columns)
    new_prediction: np.ndarray                # the reloaded model's output for it after scaling, (1, k)
    report: str                               # the lines printed by the script


def course_run(prepared: Prepared, model: keras.Model, fitted: Fitted, scores: object, model_path: Path,
               new_example: pd.DataFrame, new_prediction: np.ndarray, headline: str, lines: list[str],
               matrix: str | None = None) -> CourseRun:
    """The CourseRun, with its report: the headline and epochs, for a classifier (`matrix`: the confusion
    matrix's caption) the test accuracy, sklearn's report and the matrix, then the script's own lines and
    the files written."""
    metric = get_task(prepared.task).metric.replace("_", " ")            # "accuracy", "binary accuracy"
    classifier = [f"  test {metric} {scores.accuracy:.3f}", scores.report.rstrip(), f"  {matrix}:",
                  scores.confusion.to_string()] if matrix else []
    report = "\n".join([
        f"{headline}: {len(fitted.history)} epochs, {len(prepared.X_train)} training rows",
        *classifier,
        *lines,
        f"  model {model_path}, curves {fitted.curves_png}, TensorBoard {fitted.log_dir}",
    ])
    return CourseRun(prepared.task, prepared, model, fitted.history, scores, model_path, fitted.curves_png,
                     fitted.log_dir, new_example, new_prediction, report)


def course_options(prog: str, description: str | None, epochs: str, rows: str = "") -> OneLineParser:
    """The options of `make course` and of each course script: --out, --epochs (default: `epochs`), --max-rows
    (`rows`: what its help adds), --seed, each checked as it is read (keras_models/course/command_line.py): a
    mistake is one line."""
    parser = OneLineParser(prog=prog, description=description)
    # the default as text: argparse runs `folder` on a default only when it is a string, and a read-only logs/
    # must be refused as a given --out is; shown: logs/course in the repository's folder, in full elsewhere
    parser.add_argument("--out", type=folder, default=shown(DEFAULT_OUT),
                        help="output folder (default: the repository's logs/course)")
    parser.add_argument("--epochs", type=whole_number, default=None,
                        help=f"most epochs (default {epochs}; EarlyStopping may stop sooner)")
    # a --max-rows too small to split is data.prepare's to refuse (MaxRowsError, `explain`): it knows the splits
    parser.add_argument("--max-rows", type=whole_number, default=None,
                        help=f"use a random sample of this many rows{rows}, split into training, validation "
                             "and test (70/15/15: the model trains on about 70%% of them; default: all, or the "
                             "task table's course.max_rows)")
    parser.add_argument("--seed", type=seed, default=0,
                        help="seeds the sample, the splits, the weights and Dropout: the same seed gives the same "
                             "model (default 0)")
    return parser


def command_line(run: Callable[..., CourseRun], task: str, argv: list[str] | None = None) -> CourseRun:
    """Parse the course_options, call run(...) and print its report. A mistake in an option, a LEARNER_ERRORS
    exception or Ctrl-C ends the program with one line (exit status 2, 1 or 130)."""
    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
    module = run.__module__
    if module == "__main__":                          # run as .venv/bin/python -m keras_models.course.real_data.X
        module = sys.modules["__main__"].__spec__.name
    title = sys.modules[run.__module__].__doc__.split("Title: ")[1].splitlines()[0]   # the script's header
    parser = course_options(f".venv/bin/python -m {module}", title, str(get_task(task).course.epochs))
    args = parser.parse_args(argv)
    quiet_keras_retracing_warning()         # a false alarm once a second model is fitted (twins/tf_chatter.py)
    try:
        checked_settings(task, "course")
        check_data_files([task])
        with writing_into(args.out):
            result = run(args.out, epochs=args.epochs, max_rows=args.max_rows, seed=args.seed, verbose=2)
        print(result.report, flush=True)
    except KeyboardInterrupt:
        print("\nInterrupted.", flush=True)
        raise SystemExit(130) from None
    except LEARNER_ERRORS as exc:
        print(f"error: {explain(exc, args.max_rows)}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    except (BrokenPipeError, OutputFailed) as failed:   # `... | head -1`, `> /dev/full`: fit's epoch lines, the report
        print(f"error: {output_failed(failed, module)}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    return result
