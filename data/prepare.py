"""prepare(task): a learning task on real data, split, encoded and scaled, ready for a network.

The tasks -- their data sets, shapes, output heads and losses -- are the table in `data/tasks.py`;
X is (n, n_features) and y is always 2-D, (n, n_outputs). The diamonds' 26 input columns are 6
numeric ones and 20 one-hot columns for the grades.

The steps are the same for every task:
1. shuffle the row numbers with a seeded permutation; keep the first `max_rows` if given;
2. cut them into train / validation / test by `fractions`; the classification tasks cut each
   class separately (stratified), so every split has the class balance of the whole set;
3. one-hot encode and standardise (data/encoding.py), mean and std from the TRAINING rows only.

Two choices for the diamonds:
- The grades cut / color / clarity are one-hot encoded, not coded 0, 1, 2, ...: integer codes
  would tell the network that the grades are equally spaced (Fair -> Good worth as much as
  Premium -> Ideal); one-hot lets it learn each grade's own effect, for 20 columns instead of 3.
- The target is price / 1000 (thousands of US dollars, 0.326 .. 18.823): predicting the mean
  then costs an MSE of about 16 (the variance of price / 1000) rather than 1.6e7 in dollars,
  readable in logs and TensorBoard. Multiply a prediction by 1000 to get dollars. The inputs
  are standardised, the target is not.
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

from data.encoding import Standardiser, encode_features, encoded_names
from data.splits import split_rows
from data.tasks import get_task


class MaxRowsError(ValueError):
    """max_rows outside 1..n, or too few to give every split a row (a command line's --max-rows)."""


@dataclass(frozen=True, eq=False)
class Prepared:
    """The splits of one task as arrays of `dtype`, and everything needed to treat new rows alike.

    X_*: (m, n_features); y_*: (m, n_outputs). *_rows: positions of each split's rows in the
    loader's frame (load_diamonds(), load_breast_cancer(), load_digits()).
    """

    task: str
    dataset: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    standardiser: Standardiser
    raw_columns: tuple[str, ...]
    categories: dict[str, tuple[str, ...]]
    train_rows: np.ndarray
    val_rows: np.ndarray
    test_rows: np.ndarray
    output_activation: str
    loss: str

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.y_train.shape[1]

    def scale(self, X_raw: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Encode and standardise new raw rows exactly as the training rows were.

        X_raw: a DataFrame with the raw feature columns (`raw_columns`, any order), or for the
        all-numeric data sets also an array (m, len(raw_columns)). Returns (m, n_features).
        """
        frame = self._raw_frame(X_raw)
        X = encode_features(frame, self.categories)                     # (m, n_features)
        return self.standardiser.transform(X).astype(self.X_train.dtype)

    def _raw_frame(self, X_raw: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        expected = list(self.raw_columns)
        if isinstance(X_raw, pd.DataFrame):
            missing = [c for c in expected if c not in X_raw.columns]
            unexpected = [c for c in X_raw.columns if c not in expected]
            if missing or unexpected:
                raise ValueError(f"scale() takes the raw feature columns of {self.dataset} (no target): "
                                 f"missing {missing}, unexpected {unexpected}")
            frame = X_raw[expected]
        elif self.categories:
            raise TypeError(f"scale() for {self.dataset} needs a DataFrame with the raw columns {expected}, "
                            f"got {type(X_raw).__name__}")
        else:
            array = np.asarray(X_raw)
            if array.ndim != 2 or array.shape[1] != len(expected):
                raise ValueError(f"scale() for {self.dataset} expects raw rows of shape "
                                 f"(m, {len(expected)}), got shape {array.shape}; "
                                 "for one example pass x.reshape(1, -1)")
            frame = pd.DataFrame(array, columns=expected)
        if len(frame) == 0:
            raise ValueError("scale() got no rows")
        return frame


def _check_arguments(task, dtype, seed, fractions) -> np.dtype:
    get_task(task)                                                      # a ValueError naming the valid tasks
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype {dtype!r} is not a NumPy data type; use 'float32' or 'float64'") from None
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a floating type such as 'float32' or 'float64', got {dtype}")
    if not isinstance(seed, Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if (len(fractions) != 3 or not all(isinstance(f, Real) and not isinstance(f, bool) for f in fractions)
            or min(fractions) <= 0 or abs(sum(fractions) - 1.0) > 1e-9):
        raise ValueError(f"fractions must be three positive numbers (train, validation, test) summing to 1, "
                         f"got {fractions!r}")
    return dtype


def prepare(task: str, *, dtype: str = "float32", seed: int = 0,
            fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
            max_rows: int | None = None) -> Prepared:
    """Load, split, encode and scale the data of `task` (a name in data.tasks.TASKS); see the module docstring.

    seed fixes the shuffle, so equal arguments give equal arrays. max_rows keeps the first
    max_rows rows of the shuffled order (a smaller, still random, deterministic sample).
    """
    dtype = _check_arguments(task, dtype, seed, fractions)
    spec = get_task(task)
    data = spec.load()                                                  # raw features and targets
    n_rows = len(data.features)
    if max_rows is not None and (not isinstance(max_rows, Integral) or isinstance(max_rows, bool)
                                 or not 1 <= max_rows <= n_rows):
        raise MaxRowsError(f"max_rows must be None or an integer from 1 to the {n_rows} rows of "
                           f"{spec.dataset}, got {max_rows!r}")
    rows = split_rows(n_rows, fractions, seed, max_rows, data.strata)
    for name, part in zip(("train", "validation", "test"), rows, strict=True):
        if part.size == 0:
            raise MaxRowsError(f"the {name} split of {spec.dataset} is empty with max_rows={max_rows} and "
                               f"fractions={fractions}; use more rows")
    train_rows, val_rows, test_rows = rows

    categories = data.categories or {}
    X = encode_features(data.features, categories)                     # (n_rows, n_features) float64
    if X.shape[1] != spec.n_features:
        raise ValueError(f"the {task} task expects {spec.n_features} features after encoding, the "
                         f"{spec.dataset} data give {X.shape[1]}: fix n_features in data/tasks.py")
    standardiser = Standardiser.fit(X[train_rows])                     # training rows only

    def inputs(part: np.ndarray) -> np.ndarray:
        return standardiser.transform(X[part]).astype(dtype)           # (m, n_features)

    return Prepared(
        task=task, dataset=spec.dataset,
        X_train=inputs(train_rows), y_train=data.y[train_rows].astype(dtype),
        X_val=inputs(val_rows), y_val=data.y[val_rows].astype(dtype),
        X_test=inputs(test_rows), y_test=data.y[test_rows].astype(dtype),
        feature_names=encoded_names(tuple(data.features.columns), categories),
        target_names=data.target_names, standardiser=standardiser,
        raw_columns=tuple(data.features.columns), categories=categories,
        train_rows=train_rows, val_rows=val_rows, test_rows=test_rows,
        output_activation=spec.output_activation, loss=spec.loss,
    )
