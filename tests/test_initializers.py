"""Weight initialisers: each one's distribution against its formula and against Keras' own draws.

Known values: the formula's limit (uniform) or standard deviation (truncated normal) for the kernel's
fans, checked on 60,000 draws -- the range, the mean, the variance, and a one-sample Kolmogorov-Smirnov
test against the formula's CDF. Two-sample: a Kolmogorov-Smirnov test between scratch's draws and
`keras.initializers` draws of the same shape. Both tests are shown to have the power to notice a scale
5% off. One line per initialiser in INITIALIZERS (each with its formula written out here); the checks
are shared.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
import pytest

from scratch import Dense, initializers

N_IN, N_OUT = 300, 200                       # unequal fans, so a formula using the wrong fan is caught
KS_C_ALPHA = 1.949                           # Kolmogorov's c(alpha) for alpha = 0.001


@dataclass(frozen=True)
class Initializer:
    scratch: Callable[[int, int, int], np.ndarray]   # (n_in, n_out, seed) -> kernel (n_in, n_out)
    keras: Callable[[int], object]                   # seed -> a keras.initializers object
    kind: str                                        # "uniform" on [-scale, scale] | "truncated_normal"
    scale: Callable[[int, int], float]               # (fan_in, fan_out) -> limit, or std before truncation


def uniform(scale: float, fan: str) -> Callable[[int, int], float]:
    """The limit r = sqrt(3 scale / fan) of U(-r, r), whose variance r^2 / 3 is scale / fan."""
    return lambda fan_in, fan_out: math.sqrt(3 * scale / (fan_in if fan == "in" else (fan_in + fan_out) / 2))


def truncated(scale: float, fan: str) -> Callable[[int, int], float]:
    """The std s = sqrt(scale / fan) / 0.8796... of the normal cut at 2 s (Keras' VarianceScaling)."""
    return lambda fan_in, fan_out: (math.sqrt(scale / (fan_in if fan == "in" else (fan_in + fan_out) / 2))
                                    / 0.87962566103423978)


def scratch_draw(name: str) -> Callable[[int, int, int], np.ndarray]:
    return lambda n_in, n_out, seed: Dense(n_in, n_out, kernel_initializer=name, seed=seed).W


# Glorot & Bengio (2010): fan_avg, scale 1; He et al. (2015): fan_in, scale 2; LeCun (1998): fan_in, scale 1.
INITIALIZERS = {
    "glorot_uniform": Initializer(lambda n_in, n_out, seed: Dense(n_in, n_out, seed=seed).W,     # the default
                                  lambda seed: keras.initializers.GlorotUniform(seed=seed), "uniform",
                                  uniform(1, "avg")),
    "glorot_normal": Initializer(scratch_draw("glorot_normal"), lambda seed: keras.initializers.GlorotNormal(seed=seed),
                                 "truncated_normal", truncated(1, "avg")),
    "he_uniform": Initializer(scratch_draw("he_uniform"), lambda seed: keras.initializers.HeUniform(seed=seed),
                              "uniform", uniform(2, "in")),
    "he_normal": Initializer(scratch_draw("he_normal"), lambda seed: keras.initializers.HeNormal(seed=seed),
                             "truncated_normal", truncated(2, "in")),
    "lecun_uniform": Initializer(scratch_draw("lecun_uniform"), lambda seed: keras.initializers.LecunUniform(seed=seed),
                                 "uniform", uniform(1, "in")),
    "lecun_normal": Initializer(scratch_draw("lecun_normal"), lambda seed: keras.initializers.LecunNormal(seed=seed),
                                "truncated_normal", truncated(1, "in")),
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


def ks_distance_from(cdf: Callable[[np.ndarray], np.ndarray], draws: np.ndarray) -> float:
    """One-sample Kolmogorov-Smirnov distance: the largest gap between the draws' empirical CDF and `cdf`."""
    x = np.sort(draws.ravel())                                       # (n,)
    n, F = x.size, cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - F), np.max(F - np.arange(n) / n))


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
    # one-sample KS against the formula's CDF
    cdf, critical = formula_cdf(init.kind, scale), KS_C_ALPHA / math.sqrt(n)
    D = ks_distance_from(cdf, W)
    assert D < critical, f"{name}: KS distance {D:.4f} from the formula"
    # ... and the test would notice a limit or std 5% off:
    assert ks_distance_from(cdf, 1.05 * W) > critical
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


def test_glorot_uniform_limit_is_sqrt_6_over_fan_in_plus_fan_out():
    assert INITIALIZERS["glorot_uniform"].scale(N_IN, N_OUT) == math.sqrt(6 / (N_IN + N_OUT))


def test_zeros_gives_a_zero_kernel_and_names_are_keras_names():
    assert np.array_equal(Dense(3, 4, kernel_initializer="zeros").W, np.zeros((3, 4)))
    for name in initializers.NAMES:
        assert type(keras.initializers.get(name)).__name__.lower() == name.replace("_", "")
        assert initializers.get(name.upper()).name == name                  # any case, as Keras' names


@pytest.mark.parametrize("value, error, message", [
    ("he_norml", ValueError, r"unknown kernel_initializer 'he_norml'; choose one of \['glorot_normal', "),
    ("orthogonal", ValueError, "unknown kernel_initializer 'orthogonal'"),
    (None, TypeError, "kernel_initializer must be a name or a scratch VarianceScaling or Zeros, got NoneType"),
])
def test_an_unknown_initializer_is_refused_with_the_valid_names(value, error, message):
    with pytest.raises(error, match=message):
        Dense(2, 3, kernel_initializer=value)


@pytest.mark.parametrize("n_in, n_out, rng, dtype, error, message", [
    (0, 2, np.random.default_rng(0), "float64", ValueError, "n_in must be >= 1, got 0"),
    (3, True, np.random.default_rng(0), "float64", TypeError, "n_out must be a whole number, got bool True"),
    (3, 2, 0, "float64", TypeError, r"rng must be a np.random.Generator such as np.random.default_rng\(0\), got int 0"),
    (3, 2, np.random.default_rng(0), "float16", TypeError, "dtype must be float32 or float64, got float16"),
], ids=["zero-fan", "bool-size", "seed-for-rng", "float16"])
@pytest.mark.parametrize("name", initializers.NAMES)
def test_a_direct_call_with_bad_arguments_is_named(name, n_in, n_out, rng, dtype, error, message):
    """The module docstring's initializers.get(name)(n_in, n_out, rng, dtype): n_in=0 raised ZeroDivisionError
    (float division by zero), True NumPy's "an integer is required", an int for rng an AttributeError."""
    with pytest.raises(error, match=message):
        initializers.get(name)(n_in, n_out, rng, dtype)


def test_keras_fact_dense_starts_from_a_glorot_uniform_n_in_by_n_out_kernel_then_a_zero_bias():
    """Keras' Dense defaults, which scratch's Dense copies (scratch/layers.py: kernel_initializer="glorot_uniform",
    b = 0, W of shape (n_in, n_out)) and the bridge's set_weights order relies on: kernel (n_in, n_out) first, then
    the bias, zeros; the kernel inside Glorot's limit sqrt(6 / (fan_in + fan_out))."""
    layer = keras.layers.Dense(N_OUT)
    layer.build((None, N_IN))
    assert type(layer.kernel_initializer) is keras.initializers.GlorotUniform
    assert type(layer.bias_initializer) is keras.initializers.Zeros
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    assert kernel.shape == (N_IN, N_OUT) and bias.shape == (N_OUT,)
    assert [w.name for w in layer.trainable_variables] == ["kernel", "bias"]
    assert np.all(bias == 0)
    limit = math.sqrt(6 / (N_IN + N_OUT))
    assert limit * 0.99 < np.abs(kernel).max() <= np.float32(limit)              # drawn in float32
