"""Loaders for the four shipped data sets: read the CSV offline, verify it, give it proper types.

Every loader takes an optional `path` to read a copy of the file instead of the one in data/
(the tests use this); the copy must have the same bytes, since its checksum is verified too.
Nothing is cached: each call reads the file again and returns fresh objects.

    load_breast_cancer() -> X (569, 30) float64, y (569,) int64 "malignant" (1 = malignant)
    load_digits()        -> X (1797, 64) float64 in [0, 16], y (1797,) int64 "digit" 0..9
    load_diamonds()      -> frame (53940, 10), cut / color / clarity as ordered Categoricals
    load_housing()       -> frame (546, 12) as stored, yes/no columns as text
    digit_attributes(y)  -> (n, 3) of 0./1.: even, greater_than_4, prime
"""

from pathlib import Path

import numpy as np
import pandas as pd

from data.checksums import checked_path

# The diamonds' quality grades, worst first, so `<` on the Categoricals means "worse than".
# Departure from R: ggplot2 orders colour D < E < ... < J, but D is the best colour (colourless)
# and J the worst, so here the order is reversed to run worst -> best like cut and clarity.
DIAMOND_GRADES = {
    "cut": ("Fair", "Good", "Very Good", "Premium", "Ideal"),
    "color": ("J", "I", "H", "G", "F", "E", "D"),
    "clarity": ("I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"),
}

DIGIT_ATTRIBUTES = ("even", "greater_than_4", "prime")
PRIME_DIGITS = (2, 3, 5, 7)


def load_breast_cancer(path: str | Path | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Wisconsin diagnostic breast cancer: 30 measurements of cell nuclei per biopsy image.

    Returns X (569, 30) float64 and y (569,) int64 named "malignant": 1 = malignant (212 rows),
    0 = benign (357 rows). This is the course's coding; scikit-learn's own target is the
    reverse (0 = malignant). The file stores the UCI letters M/B, so neither coding is implied.
    """
    frame = pd.read_csv(checked_path("breast_cancer.csv", path))
    diagnosis = frame.pop("diagnosis")
    y = (diagnosis == "M").astype(np.int64).rename("malignant")   # (569,)
    X = frame.astype(np.float64)                                  # (569, 30)
    return X, y


def load_digits(path: str | Path | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """8x8 images of handwritten digits: 64 pixel intensities 0..16, read row by row.

    Returns X (1797, 64) float64 with columns pixel_<row>_<col>, and y (1797,) int64 "digit".
    """
    frame = pd.read_csv(checked_path("digits.csv", path))
    y = frame.pop("digit").astype(np.int64)   # (1797,)
    X = frame.astype(np.float64)              # (1797, 64)
    return X, y


def load_diamonds(path: str | Path | None = None) -> pd.DataFrame:
    """Prices and attributes of 53,940 round-cut diamonds (ggplot2's `diamonds`).

    Columns: carat, cut, color, clarity, depth, table, price (US dollars, int64), x, y, z (mm).
    cut, color and clarity are ordered Categoricals, worst grade first (see DIAMOND_GRADES).
    """
    frame = pd.read_csv(checked_path("diamonds.csv", path))
    for column, grades in DIAMOND_GRADES.items():
        frame[column] = pd.Categorical(frame[column], categories=grades, ordered=True)
    return frame


def load_housing(path: str | Path | None = None) -> pd.DataFrame:
    """Sale prices of 546 houses in Windsor, Canada, 1987 (Anglin & Gencay 1996, via Ecdat).

    Columns as stored: price (Canadian dollars, int64), lotsize (sq ft), bedrooms, bathrms,
    stories, garagepl (int64) and the yes/no text columns driveway, recroom, fullbase, gashw,
    airco, prefarea. Encoding is left to the user (a capstone exercise).
    """
    return pd.read_csv(checked_path("housing.csv", path))


def digit_attributes(y: np.ndarray | pd.Series) -> np.ndarray:
    """Three yes/no attributes of each digit, for multi-label classification.

    Columns (DIGIT_ATTRIBUTES): even (0, 2, 4, 6, 8), greater_than_4 (5..9), prime (2, 3, 5, 7).
    They are not exclusive: 2 is even and prime, 7 is greater than 4 and prime, 1 is none.
    y: (n,) integers 0..9. Returns (n, 3) float64 of 0. and 1.
    """
    digits = np.asarray(y)
    if digits.ndim != 1:
        raise ValueError(f"digit_attributes expects a 1-D array of digits, got shape {digits.shape}")
    if not np.issubdtype(digits.dtype, np.integer):
        raise TypeError(f"digit_attributes expects integer digits 0..9, got dtype {digits.dtype}")
    outside = np.unique(digits[(digits < 0) | (digits > 9)])
    if outside.size:
        raise ValueError(f"digit_attributes expects digits 0..9, got {outside.tolist()}")
    even = digits % 2 == 0                                    # (n,)
    greater_than_4 = digits > 4                               # (n,)
    prime = np.isin(digits, PRIME_DIGITS)                     # (n,)
    return np.stack([even, greater_than_4, prime], axis=1).astype(np.float64)   # (n, 3)
