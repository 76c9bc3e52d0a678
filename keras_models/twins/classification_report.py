"""Scoring a classifier on the test split: decisions from probabilities, a classification report, a confusion matrix.

First turn the model's probabilities into decisions, by the output layer's rule:
    one sigmoid (binary)      class 1 if p > 0.5, else class 0 -- an output of exactly 0.5 is class 0,
                              the rule of Keras' BinaryAccuracy (`y_pred > threshold`)
    softmax (multi-class)     the class with the largest probability: argmax over the row
    sigmoids (multi-label)    each label on its own: p > 0.5
Never argmax a single sigmoid column: the argmax of a row of one number is always 0, so every
example would be called class 0 (`class_labels` refuses). Then a classification report
(precision, recall, F1 per class, from scikit-learn) and a confusion matrix (rows: true class,
columns: predicted class; for multi-label one 2 x 2 matrix per label: tn, fp, fn, tp).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, confusion_matrix, multilabel_confusion_matrix

from keras_models.twins.metric_inputs import checked_pair

CLASSIFICATION_TASKS = ("binary", "multiclass", "multilabel")
THRESHOLD = 0.5


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
    y_true, y_prob = checked_pair(y_true, y_prob, "evaluate_classifier")
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
        # "predicted" once, as the columns' name (printed in the top-left corner), not in every column's label:
        # ten columns of "predicted 7" made the digits' matrix 136 columns wide, wrapped in an 80-column terminal
        confusion = pd.DataFrame(counts, index=[f"true {n}" for n in names],
                                 columns=pd.Index(names, name="predicted"))
    accuracy = float(np.mean(predicted == actual))
    return ClassificationEvaluation(report, table, confusion, accuracy)

