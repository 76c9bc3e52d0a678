"""Input checks shared by the scratch package: bad input gets an error that names what is wrong."""

from __future__ import annotations

import numpy as np


def as_float_array(x, name: str, dtype=None) -> np.ndarray:
    """Return `x` as a finite floating-point array, or raise naming `name`.

    Integers and booleans become float64 (or `dtype`); floats keep their precision unless
    `dtype` is given. Strings, objects and complex numbers are a TypeError; NaN or inf is a
    ValueError that says where the first one is.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged nested lists, for example
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        where = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise ValueError(f"{name} contains NaN or inf (first at index {where})")
    return arr


def lookup(identifier: object, registry: dict[str, type], what: str, kind: type) -> type:
    """The class `registry` holds for the name `identifier` (any case), Keras-style, or an error naming
    `what` and the valid names. (Callers pass an instance of `kind` through before asking.)"""
    if not isinstance(identifier, str):
        raise TypeError(f"{what} must be a name or a scratch {kind.__name__}, got {type(identifier).__name__}")
    key = identifier.lower()
    if key not in registry:
        raise ValueError(f"unknown {what} {identifier!r}; choose one of {sorted(registry)}")
    return registry[key]
