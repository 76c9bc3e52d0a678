"""The synthetic two-feature price set of exercise 3 (the course's first Keras regression).

A gem's price depends linearly on two measured features that sit near 1000, plus noise:

    price = 400 + 60 (feature1 - 1000) + 35 (feature2 - 1000) + noise,   noise ~ N(0, 5^2)

The features are N(1000, 1) each. Raw features near 1000 that vary by about 1 are exactly the
case where scaling matters: a network sees 1000 +- 1 as "always about 1000". The data is made
from a seeded generator, so the same seed always gives the same rows.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import whole

NOISE_STD = 5.0


def true_price(features: np.ndarray) -> np.ndarray:
    """The noise-free price of features (m, 2) -> (m,)."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[1] != 2:
        raise ValueError(f"features must have shape (m, 2), got {features.shape}")
    return 400.0 + 60.0 * (features[:, 0] - 1000.0) + 35.0 * (features[:, 1] - 1000.0)


def make_price_data(n_samples: int = 1000, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """(features (n_samples, 2), price (n_samples,)) drawn with np.random.default_rng(seed). n_samples and seed are
    whole numbers (NumPy's too), n_samples >= 1 and seed >= 0: True is no count, nor a seed (it would draw seed 1's
    rows), and no seed at all (None) would draw other rows each time."""
    n_samples = whole("n_samples", n_samples, minimum=1)
    rng = np.random.default_rng(whole("seed", seed))
    features = 1000.0 + rng.normal(size=(n_samples, 2))                    # (n, 2)
    price = true_price(features) + rng.normal(0.0, NOISE_STD, size=n_samples)   # (n,)
    return features, price
