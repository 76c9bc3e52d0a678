"""Evaluating a trained model the way the course does, without its mistakes.

Regression (y, y_hat of shape (m, k); the errors e = y - y_hat):
    MAE  = mean |e|                      in the target's units (thousands of USD for the diamonds)
    RMSE = sqrt(mean e^2)                the square root of the MSE loss, back in the target's units
    explained variance = 1 - Var(e) / Var(y), per output column, then averaged over the columns
    (Var is the population variance. Unlike R^2 = 1 - mean(e^2) / Var(y) it ignores a constant
    offset in the errors: a model that is always 1 too high can still explain all the variance.)

Classification: first turn the model's probabilities into decisions, by the output layer's rule:
    one sigmoid (binary)      class 1 if p > 0.5, else class 0 -- an output of exactly 0.5 is class 0,
                              the rule of Keras' BinaryAccuracy (`y_pred > threshold`)
    softmax (multi-class)     the class with the largest probability: argmax over the row
    sigmoids (multi-label)    each label on its own: p > 0.5
Never argmax a single sigmoid column: the argmax of a row of one number is always 0, so every
example would be called class 0 (`class_labels` refuses). Then a classification report
(precision, recall, F1 per class, from scikit-learn) and a confusion matrix (rows: true class,
columns: predicted class; for multi-label one 2 x 2 matrix per label: tn, fp, fn, tp).

Loss curves: the History of fit() as a DataFrame (one row per epoch, one column per History key)
and a PNG of the train and validation curves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import classification_report, confusion_matrix, multilabel_confusion_matrix

CLASSIFICATION_TASKS = ("binary", "multiclass", "multilabel")
THRESHOLD = 0.5


def _checked_pair(y_true, y_pred, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as 2-D float64 arrays of the same shape, finite; a ValueError naming the shapes otherwise."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape or y_true.ndim != 2 or y_true.shape[0] == 0:
        raise ValueError(f"{what}: y_true and y_pred must have the same 2-D shape (m, k) with m > 0, got "
                         f"y_true {y_true.shape} and y_pred {y_pred.shape}; reshape explicitly, e.g. y.reshape(-1, 1)")
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.isfinite(values).all():
            raise ValueError(f"{what}: {name} has NaN or infinite values")
    return y_true, y_pred


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """MAE, RMSE and explained variance of predictions y_pred (m, k) against targets y_true (m, k)."""
    y, y_hat = _checked_pair(y_true, y_pred, "regression_metrics")
    e = y - y_hat                                                    # (m, k) errors
    var_y = y.var(axis=0)                                            # (k,)
    if (var_y == 0.0).any():
        raise ValueError(f"explained variance is undefined: y_true is constant in output column(s) "
                         f"{np.flatnonzero(var_y == 0.0).tolist()}")
    return {
        "mae": float(np.mean(np.abs(e))),
        "rmse": float(np.sqrt(np.mean(e**2))),
        "explained_variance": float(np.mean(1.0 - e.var(axis=0) / var_y)),
    }


def _check_task(task: str) -> None:
    if task not in CLASSIFICATION_TASKS:
        raise ValueError(f"unknown classification task {task!r}; valid tasks are {', '.join(CLASSIFICATION_TASKS)}")


def argmax_labels(y_prob) -> np.ndarray:
    """The class with the largest probability in each row of a softmax output (m, k >= 2) -> (m,)."""
    y_prob = np.asarray(y_prob)
    if y_prob.ndim != 2 or y_prob.shape[1] < 2:
        raise ValueError(f"argmax needs one column per class (m, k >= 2), got shape {y_prob.shape}: "
                         "the argmax of a single column is always 0; threshold a single sigmoid at 0.5 instead")
    return np.argmax(y_prob, axis=1)                                 # (m,)


def class_labels(y_prob, task: str) -> np.ndarray:
    """Decisions from probabilities by the task's rule (module docstring).

    binary: (m, 1) -> (m,) of 0/1;  multiclass: (m, k) -> (m,) of 0..k-1;  multilabel: (m, k) -> (m, k) of 0/1.
    """
    _check_task(task)
    y_prob = np.asarray(y_prob, dtype=np.float64)
    if y_prob.ndim != 2 or (task == "binary" and y_prob.shape[1] != 1):
        expected = "(m, 1): one sigmoid" if task == "binary" else "(m, k)"
        raise ValueError(f"{task} probabilities must have shape {expected}, got {y_prob.shape}")
    if not np.isfinite(y_prob).all() or y_prob.min() < 0.0 or y_prob.max() > 1.0:
        raise ValueError(f"{task} outputs must be probabilities in [0, 1] (were logits passed?), "
                         f"got values from {np.nanmin(y_prob)} to {np.nanmax(y_prob)}")
    if task == "multiclass":
        return argmax_labels(y_prob)                                 # (m,)
    decisions = (y_prob > THRESHOLD).astype(np.int64)                # (m, k): 0.5 itself -> 0, as in Keras
    return decisions[:, 0] if task == "binary" else decisions       # (m,) or (m, k)


def _true_labels(y_true: np.ndarray, task: str) -> np.ndarray:
    if not np.isin(y_true, (0.0, 1.0)).all():
        raise ValueError(f"{task} targets must be 0/1 (one-hot for multiclass), got values {np.unique(y_true)[:10]}")
    if task == "multiclass":
        if not (y_true.sum(axis=1) == 1.0).all():
            raise ValueError("multiclass targets must be one-hot: exactly one 1 per row")
        return np.argmax(y_true, axis=1).astype(np.int64)            # (m,)
    labels = y_true.astype(np.int64)                                 # (m, k)
    return labels[:, 0] if task == "binary" else labels


@dataclass(frozen=True)
class ClassificationEvaluation:
    """report: scikit-learn's text report; table: the same numbers as a DataFrame (one row per class
    and average); confusion: counts as a DataFrame; accuracy: as Keras' metric computes it (the
    fraction of correct decisions; for multi-label, of correct label decisions)."""

    report: str
    table: pd.DataFrame
    confusion: pd.DataFrame
    accuracy: float


def _class_names(task: str, k: int, names) -> list[str]:
    n_classes = 2 if task == "binary" else k
    if names is None:
        return [str(i) for i in range(n_classes)]
    names = [str(n) for n in names]
    if task == "binary" and len(names) == 1:                         # data's target_names, e.g. ["malignant"]
        names = [f"not {names[0]}", names[0]]
    if len(names) != n_classes:
        raise ValueError(f"{task} with {k} output column(s) needs {n_classes} class names, got {names}")
    return names


def evaluate_classifier(y_true, y_prob, task: str, class_names=None) -> ClassificationEvaluation:
    """Report and confusion matrix for probabilities y_prob (m, k) against 0/1 targets y_true (m, k).

    class_names: one per class (binary: [negative, positive], or just [positive]); default "0", "1", ...
    Precision of a class that is never predicted is 0/0: reported as NaN ("undefined", scikit-learn's
    zero_division=nan), not as 0, and left out of the averages. So is a multi-label example with no
    true and no predicted label (a digit 1: not even, not > 4, not prime) in the "samples avg" row.
    """
    _check_task(task)
    y_true, y_prob = _checked_pair(y_true, y_prob, "evaluate_classifier")
    predicted = class_labels(y_prob, task)                           # (m,) or (m, k)
    actual = _true_labels(y_true, task)                              # same shape
    names = _class_names(task, y_prob.shape[1], class_names)
    labels = list(range(len(names)))
    report_args = dict(labels=labels, target_names=names, zero_division=np.nan)
    report = classification_report(actual, predicted, digits=3, **report_args)
    numbers = classification_report(actual, predicted, output_dict=True, **report_args)
    numbers.pop("accuracy", None)                                    # a bare number among the rows; kept below
    table = pd.DataFrame(numbers).T                                  # rows: classes and averages
    if task == "multilabel":
        per_label = multilabel_confusion_matrix(actual, predicted).reshape(len(names), 4)   # (k, 4)
        confusion = pd.DataFrame(per_label, index=names, columns=["tn", "fp", "fn", "tp"])
    else:
        counts = confusion_matrix(actual, predicted, labels=labels)                       # (classes, classes)
        confusion = pd.DataFrame(counts, index=[f"true {n}" for n in names],
                                 columns=[f"predicted {n}" for n in names])
    accuracy = float(np.mean(predicted == actual))
    return ClassificationEvaluation(report, table, confusion, accuracy)


def history_frame(history: keras.callbacks.History | dict[str, list[float]]) -> pd.DataFrame:
    """fit()'s History as a DataFrame: one row per epoch (index "epoch", from 0 like TensorBoard's
    steps), one column per History key ("loss", "val_loss", "mae", ...), in the History's order."""
    logs = history.history if isinstance(history, keras.callbacks.History) else history
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"expected a keras History or a non-empty dict of per-epoch lists, got {type(history)}")
    lengths = {key: len(values) for key, values in logs.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"every History key needs one value per epoch, got lengths {lengths}")
    frame = pd.DataFrame({key: np.asarray(values, dtype=np.float64) for key, values in logs.items()})
    frame.index.name = "epoch"
    return frame


def plot_loss_curves(frame: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """One panel per quantity (loss first, then each metric), train and validation curves together.

    Rendered by the Agg backend (set explicitly: files only, no window, no pyplot state). Returns path.
    """
    path = Path(path)
    if path.suffix != ".png":
        raise ValueError(f"the loss-curve file must end in .png, got {path}")
    quantities = [key for key in frame.columns if not key.startswith("val_")]
    if "loss" not in quantities:
        raise ValueError(f"the history has no 'loss' column, only {list(frame.columns)}")
    quantities.remove("loss")
    quantities.insert(0, "loss")
    fig = Figure(figsize=(4.5 * len(quantities), 3.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)                                             # the Agg backend, chosen explicitly
    axes = np.atleast_1d(fig.subplots(1, len(quantities)))
    for ax, quantity in zip(axes, quantities, strict=True):
        ax.plot(frame.index, frame[quantity], marker="o", label=f"train {quantity}")
        if f"val_{quantity}" in frame.columns:
            ax.plot(frame.index, frame[f"val_{quantity}"], marker="o", label=f"validation {quantity}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))        # epochs are whole numbers
        ax.set_ylabel(quantity)
        ax.legend()
    if title:
        fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
