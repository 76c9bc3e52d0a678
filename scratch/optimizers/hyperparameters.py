"""Checked hyper-parameters: a bad number is refused when the optimizer or schedule is made, by name.

Keras takes most numbers on trust (a negative weight decay, a NaN clip norm, a decay rate of 7 all
construct fine and then train something else); scratch says what is wrong before anything runs.
"""

from __future__ import annotations

import math

import numpy as np


def real(name: str, value: object) -> float:
    """A hyper-parameter as a finite float. Keras wants a Python float; we also accept ints (1 == 1.0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number such as 0.01, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def positive(name: str, value: object) -> float:
    value = real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def non_negative(name: str, value: object) -> float:
    value = real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def in_unit_interval(name: str, value: object) -> float:
    """Momentum, rho, beta: a decay rate in [0, 1). At 1 the average would never forget (or, for Adam,
    1 - beta**t would be 0)."""
    value = real(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def whole(name: str, value: object, minimum: int = 0) -> int:
    """A count of steps: an int >= minimum (True and 2.0 are refused, not read as 1 and 2)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number of steps, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value
