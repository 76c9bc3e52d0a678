"""From raw columns to network inputs: one-hot encoding of categories, then standardisation.

A network needs numbers on comparable scales. Two steps, in this order:

1. encode_features: numeric columns pass through; each categorical column becomes one 0/1
   column per category ("one-hot"), e.g. cut = "Good" -> cut=Fair 0, cut=Good 1, cut=Very Good 0, ...
2. Standardiser: x_scaled = (x - mean) / std per column, with mean and std measured on the
   training split only, so nothing about the validation or test rows leaks into training.

The same two steps, with the same fitted numbers, turn a new raw row into a network input.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd


def encoded_names(columns: tuple[str, ...], categories: dict[str, tuple[str, ...]]) -> list[str]:
    """Column names after encode_features: "carat", "cut=Fair", "cut=Good", ..."""
    names = []
    for column in columns:
        if column in categories:
            names += [f"{column}={category}" for category in categories[column]]
        else:
            names.append(column)
    return names


def encode_features(frame: pd.DataFrame, categories: dict[str, tuple[str, ...]]) -> np.ndarray:
    """Numeric columns as float64, each column named in `categories` one-hot over its categories.

    frame: (n, n_raw) with the raw columns in order. Returns (n, n_encoded) float64.
    The categories come from the caller, not from the data, so a single row still gets every
    one-hot column. A value outside the known categories, a missing value or a non-numeric
    column is a ValueError naming the column.
    """
    blocks = []
    for column in frame.columns:
        values = frame[column]
        if column in categories:
            known = categories[column]
            codes = pd.Index(known).get_indexer(values.astype(object))   # (n,) position; -1 = unknown, NaN
            if (codes < 0).any():
                unknown = sorted({str(v) for v in values[codes < 0]})
                raise ValueError(f"column {column!r} has values {unknown} "
                                 f"not among its categories {list(known)}")
            blocks.append(np.eye(len(known))[codes])                              # (n, k)
        else:
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                raise ValueError(f"column {column!r} must be numeric, got dtype {values.dtype}")
            numbers = values.to_numpy(dtype=np.float64)                           # (n,)
            if not np.isfinite(numbers).all():
                raise ValueError(f"column {column!r} has NaN or infinite values")
            blocks.append(numbers[:, None])                                       # (n, 1)
    return np.hstack(blocks)                                                      # (n, n_encoded)


@dataclass(frozen=True, eq=False)
class Standardiser:
    """x_scaled = (x - mean) / std, column by column; mean and std come from the training split.

    mean, std: (n_features,) float64. std is the population standard deviation (ddof=0), as in
    scikit-learn's StandardScaler.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, X_train: np.ndarray) -> "Standardiser":
        """Measure mean and std of each column of X_train (m, n_features)."""
        mean = X_train.mean(axis=0)   # (n_features,)
        std = X_train.std(axis=0)     # (n_features,)
        # A column that is constant on the training rows (a digits corner pixel that is always 0,
        # a diamond grade absent from a small slice) has std 0. Dividing by 1 instead keeps it at
        # x - mean (0 on the training rows) rather than producing NaN or infinity.
        std = np.where(std == 0.0, 1.0, std)
        return cls(mean=mean, std=std)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """(X - mean) / std for X (m, n_features); returns (m, n_features) float64."""
        if X.ndim != 2 or X.shape[1] != self.mean.shape[0]:
            raise ValueError(f"expected an array (m, {self.mean.shape[0]}), got shape {X.shape}")
        return (X - self.mean) / self.std   # (m, n_features)
