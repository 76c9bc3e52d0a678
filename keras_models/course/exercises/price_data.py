"""The synthetic two-feature price set of exercise 3 (the course's first Keras regression).

A gem's price depends linearly on two measured features that sit near 1000, plus noise:

    price = 400 + 60 (feature1 - 1000) + 35 (feature2 - 1000) + noise,   noise ~ N(0, 5^2)

The features are N(1000, 1) each. Raw features near 1000 that vary by about 1 are exactly the
case where scaling matters: a network sees 1000 +- 1 as "always about 1000". The data is made
from a seeded generator, so the same seed always gives the same rows.
"""

from __future__ import annotations

import numbers

import numpy as np

NOISE_STD = 5.0


def true_price(features: np.ndarray) -> np.ndarray:
    """The noise-free price of features (m, 2) -> (m,)."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[1] != 2:
        raise ValueError(f"features must have shape (m, 2), got {features.shape}")
    return 400.0 + 60.0 * (features[:, 0] - 1000.0) + 35.0 * (features[:, 1] - 1000.0)


def _whole(number) -> bool:
    """Whether `number` is a whole number, Python's int or NumPy's (np.int64), and not a bool (True is an int too)."""
    return isinstance(number, numbers.Integral) and not isinstance(number, bool)


def make_price_data(n_samples: int = 1000, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """(features (n_samples, 2), price (n_samples,)) drawn with np.random.default_rng(seed)."""
    if not _whole(n_samples) or n_samples < 1:                             # True is no count
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not _whole(seed) or seed < 0:                                       # nor a seed: it would draw seed 1's rows
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(seed)
    features = 1000.0 + rng.normal(size=(n_samples, 2))                    # (n, 2)
    price = true_price(features) + rng.normal(0.0, NOISE_STD, size=n_samples)   # (n,)
    return features, price
