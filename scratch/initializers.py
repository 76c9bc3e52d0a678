"""Weight initialisers: where gradient descent starts, with Keras' names and formulas.

A layer's starting kernel W (n_in, n_out) is drawn at random so that the units differ (with equal
weights every unit of a layer would learn the same thing), and at a scale that keeps the signal's
variance roughly constant from layer to layer. Keras' "variance scaling" family sets that scale
from the kernel's fans, fan_in = n_in and fan_out = n_out:

    name            distribution       fan                       scale   limit r or std s
    glorot_uniform  U(-r, r)           (fan_in + fan_out) / 2    1       r = sqrt(3 * scale / fan)
    glorot_normal   truncated normal   (fan_in + fan_out) / 2    1       s = sqrt(scale / fan) / 0.8796...
    he_uniform      U(-r, r)           fan_in                    2       r = sqrt(3 * scale / fan)
    he_normal       truncated normal   fan_in                    2       s = sqrt(scale / fan) / 0.8796...
    lecun_uniform   U(-r, r)           fan_in                    1       r = sqrt(3 * scale / fan)
    lecun_normal    truncated normal   fan_in                    1       s = sqrt(scale / fan) / 0.8796...
    zeros           W = 0 (every unit the same: only for a layer of one unit, or to see why not)

Both kinds have variance scale / fan: U(-r, r) has variance r^2 / 3. The truncated normal draws
N(0, s^2) and redraws every value beyond 2 s; cutting the tails shrinks its standard deviation by
0.87962566103423978, so Keras divides s by that number first (Glorot & Bengio 2010; He et al. 2015;
LeCun et al. 1998). Biases start at 0.

    initializers.get("he_normal")(n_in, n_out, rng, dtype) -> W (n_in, n_out)
"""

from __future__ import annotations

import math

import numpy as np

from scratch.checks import float_dtype, lookup, whole

TRUNCATION_STD = 0.87962566103423978    # std of N(0, 1) cut at +/-2 and renormalised


class VarianceScaling:
    """W with variance scale / fan: uniform on [-r, r], r = sqrt(3 scale / fan), or a normal with
    s = sqrt(scale / fan) / 0.8796... truncated at 2 s. mode picks the fan: "fan_in", "fan_avg"."""

    def __init__(self, name: str, scale: float, mode: str, distribution: str):
        self.name, self.scale, self.mode, self.distribution = name, scale, mode, distribution

    def fan(self, n_in: int, n_out: int) -> float:
        return float(n_in) if self.mode == "fan_in" else (n_in + n_out) / 2.0

    def limit(self, n_in: int, n_out: int) -> float:
        """r of the uniform; (3 * scale) / fan, so glorot_uniform's r is sqrt(6 / (n_in + n_out)) bit for bit."""
        return math.sqrt(3.0 * self.scale / self.fan(n_in, n_out))

    def std(self, n_in: int, n_out: int) -> float:
        """s of the normal before its tails are cut (Keras' stddev)."""
        return math.sqrt(self.scale / self.fan(n_in, n_out)) / TRUNCATION_STD

    def __call__(self, n_in: int, n_out: int, rng: np.random.Generator, dtype) -> np.ndarray:
        n_in, n_out, rng, dtype = _check_call(n_in, n_out, rng, dtype)
        if self.distribution == "uniform":
            r = self.limit(n_in, n_out)
            return rng.uniform(-r, r, size=(n_in, n_out)).astype(dtype)          # (n_in, n_out)
        s = self.std(n_in, n_out)
        W = rng.normal(0.0, s, size=(n_in, n_out))                               # (n_in, n_out)
        outside = np.abs(W) > 2 * s                                              # (n_in, n_out) bool
        while outside.any():                     # redraw the tails until every value is within 2 s
            W[outside] = rng.normal(0.0, s, size=int(outside.sum()))
            outside = np.abs(W) > 2 * s
        return W.astype(dtype)                                                   # (n_in, n_out)

    def __repr__(self) -> str:
        return f"initializers.get({self.name!r})"


def _check_call(n_in, n_out, rng, dtype) -> tuple[int, int, np.random.Generator, np.dtype]:
    """The arguments of a direct call `initializer(n_in, n_out, rng, dtype)` (Dense passes checked ones), or an
    error naming the one at fault: n_in = 0 was a ZeroDivisionError in the fan, True a NumPy TypeError."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a np.random.Generator such as np.random.default_rng(0), got "
                        f"{type(rng).__name__} {rng!r}")
    return whole("n_in", n_in, 1), whole("n_out", n_out, 1), rng, float_dtype(dtype, "dtype")


class Zeros:
    """W = 0."""

    name = "zeros"

    def __call__(self, n_in: int, n_out: int, rng: np.random.Generator, dtype) -> np.ndarray:
        n_in, n_out, rng, dtype = _check_call(n_in, n_out, rng, dtype)
        return np.zeros((n_in, n_out), dtype=dtype)                              # (n_in, n_out)

    def __repr__(self) -> str:
        return "initializers.get('zeros')"


INITIALIZERS = {
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
}
NAMES = (*INITIALIZERS, "zeros")


def get(identifier: str | VarianceScaling | Zeros) -> VarianceScaling | Zeros:
    """The initialiser called `identifier` (one of NAMES, any case), or an initialiser passed through."""
    if isinstance(identifier, VarianceScaling | Zeros):
        return identifier
    registry = dict.fromkeys(NAMES, VarianceScaling)
    lookup(identifier, registry, "kernel_initializer", (VarianceScaling, Zeros))  # an error naming the valid names
    name = identifier.lower()
    return Zeros() if name == "zeros" else VarianceScaling(name, *INITIALIZERS[name])
