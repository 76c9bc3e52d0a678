"""The course's Keras half as runnable scripts, one per task, each read top to bottom:

    regression_diamonds.py            regression: diamond prices (linear output, MSE, MAE)
    classification_breast_cancer.py   binary classification: malignant or benign (one sigmoid)
    multiclass_digits.py              multi-class: which digit (softmax over 10)
    multilabel_digits.py              multi-label: even / greater than 4 / prime (three sigmoids)

Each one prepares the data, builds the model (keras_models/models.py), fits it with EarlyStopping
and TensorBoard, evaluates it on the TEST split (keras_models/evaluation.py), saves it as `.keras`,
reloads it, and predicts one new example after the same scaling as the training data.

    python -m keras_models.course                      # all four, into logs/course/
    python -m keras_models.course.regression_diamonds --epochs 5 --max-rows 2000

This file holds only what the four scripts share: the record of a run and the command line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from data import Prepared

DEFAULT_OUT = Path("logs") / "course"


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


def command_line(run: Callable[..., CourseRun], default_epochs: int, argv: list[str] | None = None) -> CourseRun:
    """Parse --out, --epochs, --max-rows, --seed, call run(...) and print its report."""
    parser = argparse.ArgumentParser(description=run.__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--epochs", type=int, default=default_epochs,
                        help="most epochs (EarlyStopping may stop sooner)")
    parser.add_argument("--max-rows", type=int, default=None, help="use only this many rows of the data set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args.out, epochs=args.epochs, max_rows=args.max_rows, seed=args.seed, verbose=2)
    print(result.report)
    return result
