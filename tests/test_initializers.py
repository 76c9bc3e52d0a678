"""Weight initialisers: each one's distribution against its formula and against Keras' own draws.

Known values: the formula's limit (uniform) or standard deviation (truncated normal) for the kernel's
fans, checked on 60,000 draws -- the range, the mean, the variance, and a one-sample Kolmogorov-Smirnov
test against the formula's CDF. Two-sample: a Kolmogorov-Smirnov test between scratch's draws and
`keras.initializers` draws of the same shape. Both tests are shown to have the power to notice a scale
5% off. One line per initialiser in INITIALIZERS; the checks are shared.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
import pytest

from scratch import Dense

N_IN, N_OUT = 300, 200                       # unequal fans, so a formula using the wrong fan is caught
KS_C_ALPHA = 1.949                           # Kolmogorov's c(alpha) for alpha = 0.001


@dataclass(frozen=True)
class Initializer:
    scratch: Callable[[int, int, int], np.ndarray]   # (n_in, n_out, seed) -> kernel (n_in, n_out)
    keras: Callable[[int], object]                   # seed -> a keras.initializers object
    kind: str                                        # "uniform" on [-scale, scale] | "truncated_normal"
    scale: Callable[[int, int], float]               # (fan_in, fan_out) -> limit, or std before truncation


INITIALIZERS = {
    # Glorot & Bengio (2010): U(-r, r), r = sqrt(6 / (fan_in + fan_out)), variance r^2 / 3 = 2 / (fan_in + fan_out)
    "glorot_uniform": Initializer(lambda n_in, n_out, seed: Dense(n_in, n_out, seed=seed).W,
                                  lambda seed: keras.initializers.GlorotUniform(seed=seed),
                                  "uniform", lambda fan_in, fan_out: math.sqrt(6 / (fan_in + fan_out))),
    # more follow with Dense(..., kernel_initializer=name), e.g. he_normal: "truncated_normal",
    # lambda fan_in, fan_out: math.sqrt(2 / fan_in) / 0.87962566103423978 (DESIGN.md)
}


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: max_x |F_a(x) - F_b(x)| over the pooled sample."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    x = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, x, side="right") / a.size
                               - np.searchsorted(b, x, side="right") / b.size)))


def ks_critical(n: int, m: int) -> float:
    """Reject "same distribution" at alpha = 0.001 above c(alpha) sqrt((n + m) / (n m))."""
    return KS_C_ALPHA * math.sqrt((n + m) / (n * m))


def formula_cdf(kind: str, scale: float) -> Callable[[np.ndarray], np.ndarray]:
    if kind == "uniform":
        return lambda x: np.clip((x + scale) / (2 * scale), 0, 1)
    if kind == "truncated_normal":              # N(0, scale^2) cut at +/-2 scale and renormalised
        Phi = np.vectorize(lambda t: 0.5 * (1 + math.erf(t / math.sqrt(2))))
        return lambda x: np.clip((Phi(x / scale) - Phi(-2.0)) / (Phi(2.0) - Phi(-2.0)), 0, 1)
    raise ValueError(kind)


def expected_variance(kind: str, scale: float) -> float:
    if kind == "uniform":
        return scale**2 / 3
    return (0.87962566103423978 * scale) ** 2   # the std of a normal truncated at 2 std shrinks by this


@pytest.mark.parametrize("name", INITIALIZERS)
def test_initializer_draws_follow_the_formula(name):
    init = INITIALIZERS[name]
    scale = init.scale(N_IN, N_OUT)
    W = init.scratch(N_IN, N_OUT, 14)
    n = W.size
    bound = scale if init.kind == "uniform" else 2 * scale
    assert W.shape == (N_IN, N_OUT)
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.99 * bound            # the range is used to its end (60,000 draws)
    variance = expected_variance(init.kind, scale)
    assert abs(W.mean()) < 5 * math.sqrt(variance / n)
    assert W.var() == pytest.approx(variance, rel=0.03)
    # one-sample KS against the formula's CDF, on the sorted draws
    x = np.sort(W.ravel())
    F = formula_cdf(init.kind, scale)(x)
    D = max(np.max(np.arange(1, n + 1) / n - F), np.max(F - np.arange(n) / n))
    assert D < KS_C_ALPHA / math.sqrt(n), f"{name}: KS distance {D:.4f} from the formula"
    assert np.all(Dense(N_IN, N_OUT, seed=14).b == 0)


@pytest.mark.parametrize("name", INITIALIZERS)
def test_initializer_draws_match_keras_draws(name):
    init = INITIALIZERS[name]
    ours = init.scratch(N_IN, N_OUT, 15)
    theirs = np.asarray(init.keras(15)(shape=(N_IN, N_OUT), dtype="float64"))
    critical = ks_critical(ours.size, theirs.size)
    D = ks_statistic(ours, theirs)
    assert D < critical, f"{name}: KS statistic {D:.4f} >= {critical:.4f} (alpha = 0.001) against Keras' draws"
    # ... and the test would notice a limit or std 5% off:
    assert ks_statistic(1.05 * ours, theirs) > critical
