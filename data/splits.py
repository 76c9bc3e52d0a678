"""Deterministic train / validation / test splits, optionally stratified by class.

The row numbers 0..n-1 are shuffled by a seeded permutation (np.random.default_rng(seed)), so
the same seed always gives the same splits. Stratified: each class is cut into the three parts
on its own, so a class that is 37% of the data is about 37% of every split.
"""

import numpy as np


def split_rows(n_rows: int, fractions: tuple[float, float, float], seed: int, max_rows: int | None = None,
               strata: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions of the train, validation and test splits.

    The three are disjoint and together are the first max_rows (default all) of the shuffled
    order. Each part of a class gets round(fraction * class size) rows, the test part the rest.
    strata: (n_rows,) class of each row, or None for a plain split. Within each split the rows
    keep their shuffled order, so the classes come mixed, not one block after another.
    """
    order = np.random.default_rng(seed).permutation(n_rows)[:max_rows]   # (n_used,)
    groups = [order] if strata is None else [order[strata[order] == c] for c in np.unique(strata[order])]
    parts: tuple[list, list, list] = ([], [], [])
    for group in groups:
        n_train = round(fractions[0] * group.size)
        n_val = min(round(fractions[1] * group.size), group.size - n_train)
        for part, rows in zip(parts, np.split(group, [n_train, n_train + n_val]), strict=True):
            part.append(rows)
    rank = np.empty(n_rows, dtype=np.int64)                               # position in the shuffle
    rank[order] = np.arange(order.size)
    splits = []
    for part in parts:
        rows = np.concatenate(part)                                       # (m,)
        splits.append(rows[np.argsort(rank[rows], kind="stable")])
    return splits[0], splits[1], splits[2]
