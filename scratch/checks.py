"""Input checks shared by the scratch package: bad input gets an error that names what is wrong."""

from __future__ import annotations

import math

import numpy as np

# A product or exp rounding to 0 (or a subnormal) is ordinary float arithmetic, as in Keras: the network's public
# passes and the optimizers' steps run under it (a decorator), with NumPy's underflow ignored whatever np.seterr the
# caller set (all="raise" in a notebook hunting NaNs), while overflow and NaN keep the caller's setting.
UNDERFLOW_IS_ROUNDING = np.errstate(under="ignore")


def as_float_array(x, name: str, dtype=None, into: str = "the network's") -> np.ndarray:
    """Return `x` as a finite floating-point array, or raise naming `name`.

    Integers and booleans become float64 (or `dtype`); floats keep their precision unless
    `dtype` is given. Strings, objects and complex numbers are a TypeError; NaN or inf is a
    ValueError that says where the first one is, and so is a finite value too large for `dtype`
    (see `cast`; `into` says whose dtype it is).
    """
    x = elementwise(x, name)                                  # np.matrix as its array; masked entries refused
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged nested lists, for example
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        # a DataFrame of numbers becomes an object array when its columns mix kinds (bool and float) or use pandas'
        # nullable dtypes (two Float64 columns; a boolean Series with NA too); not one with a text column, which
        # to_numpy(dtype=float) cannot convert either
        frame = hasattr(x, "columns")
        kinds = [column.kind for column in x.dtypes] if frame else [x.dtype.kind] if hasattr(x, "to_numpy") else []
        numbers = bool(kinds) and all(kind in "biuf" for kind in kinds)
        hint = (": pandas gives NumPy Python objects for columns of mixed types or of its nullable types (Int64, "
                f"Float64, boolean); pass {'df' if frame else 'series'}.to_numpy(dtype=float)") if numbers else ""
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}{hint}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        where = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise ValueError(f"{name} contains NaN or inf (first at index {where})")
    return arr if dtype is None else cast(arr, np.dtype(dtype), name, into)


def elementwise(x: object, name: str) -> object:
    """`x`, unless it is one of the two ndarray subclasses whose arithmetic is not NumPy's elementwise arithmetic:
    an np.matrix becomes the ndarray it holds (its `*` is a matrix product: grad_a * g'(z) would be wrong numbers of
    the right shape), a masked array with nothing masked its data; one with masked entries is a ValueError naming
    `name` (NumPy's arithmetic skips them, np.asarray hands over whatever lies under the mask -- and Keras' fit
    trains on that without a word). Only an isinstance test for anything else: layers call this on every batch."""
    if isinstance(x, np.ma.MaskedArray):
        masked = np.ma.getmaskarray(x)
        if masked.any():
            count = int(masked.sum())
            raise ValueError(f"{name} is a masked array with {count} masked {'entry' if count == 1 else 'entries'} "
                             f"(first at index {np.argwhere(masked)[0].tolist()}): the values under the mask are not "
                             f"data; fill them ({name}.filled(value)) or drop those rows first")
        return np.asarray(np.ma.getdata(x))
    if isinstance(x, np.matrix):
        return np.asarray(x)
    return x


def one_hot_hint(y_given: object, y: np.ndarray, m: int, k: int, code: str = "y") -> str:
    """What to add to a shape error when `y` (checked: finite numbers) is one class label per example, integers in
    range(k) against k >= 2 outputs -- what Keras' sparse_categorical_crossentropy takes: "; ... np.eye(k)[y]", the
    expression that one-hots it, written for the `y_given` the caller passed (its variable `code`). Else "", so a
    regression's real-valued targets (m,) against (m, k) outputs are told only about the shapes."""
    if y.shape not in ((m,), (m, 1)) or not ((y == np.floor(y)) & (y >= 0) & (y < k)).all():
        return ""                                           # (with k = 1, y (m,) or (m, 1) fits: no error to hint)
    integers = np.asarray(y_given).dtype.kind in "iu"                          # floats cannot index; booleans would
    if y.ndim == 2:                                                            # pick rows as a mask, not by label
        labels = f"np.ravel({code})" + ("" if integers else ".astype(int)")   # a column (m, 1) would give (m, 1, k)
    else:
        labels = code if integers else f"np.asarray({code}, dtype=int)"      # lists and Series too
    return (f"; if {code} holds class labels 0..{k - 1} (what Keras' sparse_categorical_crossentropy takes; "
            f"scratch's losses take one row per example), one-hot them: np.eye({k})[{labels}]")


def a_prev_of_numbers(a_prev: object, forward: str, shape: str) -> np.ndarray:
    """A layer's input `a_prev` if it is a NumPy array of numbers (`elementwise`: an np.matrix as the array it
    holds); else one TypeError naming the layer's `forward` ("Dense(2, 3).forward") and the `shape` it takes
    ("(m, 2)"): a list fails at BP4's a_prev.T, strings inside NumPy's matmul."""
    a_prev = elementwise(a_prev, "a_prev")
    if not isinstance(a_prev, np.ndarray) or a_prev.dtype.kind not in "biuf":
        got = f"dtype {a_prev.dtype}" if isinstance(a_prev, np.ndarray) else type(a_prev).__name__
        raise TypeError(f"{forward} needs a_prev as a NumPy array of numbers {shape}, got {got}: pass "
                        "np.asarray(a_prev, dtype=float)")
    return a_prev


def cast(a: np.ndarray, dtype: np.dtype, name: str, into: str = "the network's") -> np.ndarray:
    """`a` in `dtype`, refusing values that the cast turns into inf (1e39 in float32) rather than warning. Values that
    round to 0 or a subnormal (1e-50 in float32) are ordinary rounding, no error even under np.seterr(all="raise")."""
    with np.errstate(over="ignore", under="ignore"):
        converted = a.astype(dtype, copy=False)
    overflow = np.isfinite(a) & ~np.isfinite(converted)
    if overflow.any():
        where = np.argwhere(overflow)[0].tolist()
        raise ValueError(f"{name} holds values too large for {into} {dtype} (first at index {where}: "
                         f"{a[tuple(where)]:.3g}; {dtype} holds up to {np.finfo(dtype).max:.3g}): scale them "
                         "or use float64")
    return converted


def float_dtype(dtype: object, name: str) -> np.dtype:
    """float32 or float64, the dtypes a network computes in (Keras' too), or a TypeError naming `name`."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        why = (": float16 rounds 1 - 1e-7 to 1, so a cross-entropy's clipped log(1 - a) would be infinite"
               if dtype == np.float16 else "")
        raise TypeError(f"{name} must be float32 or float64, got {dtype}{why}")
    return dtype


def lookup(identifier: object, registry: dict[str, type], what: str, kind: type | tuple[type, ...]) -> type:
    """The class `registry` holds for the name `identifier` (any case), Keras-style, or an error naming
    `what` and the valid names. (Callers pass an instance of `kind`, one class or several, through before
    asking.)"""
    if not isinstance(identifier, str):
        kinds = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise TypeError(f"{what} must be a name or a scratch {kinds}, got {type(identifier).__name__}")
    key = identifier.lower()
    if key not in registry:
        raise ValueError(f"unknown {what} {identifier!r}; choose one of {sorted(registry)}")
    return registry[key]


# -- numbers: hyper-parameters, penalty factors, counts ---------------------------------------------
# Keras takes most numbers on trust (a negative weight decay, a NaN clip norm, a decay rate of 7 all
# construct fine and then train something else); scratch says what is wrong before anything runs.

def real(name: str, value: object) -> float:
    """A number as a finite float. Keras wants a Python float; we also accept ints (1 == 1.0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number such as 0.01, got {type(value).__name__} {value!r}")
    try:
        number = float(value)
    except OverflowError:   # an int such as 10**400, beyond every float: math.isfinite would raise this bare
        raise ValueError(f"{name} must be finite, got an integer too large for a float (beyond "
                         f"{np.finfo(np.float64).max:.3g})") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value}")
    return number


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
    """A count (steps, rows, shards): an int >= minimum (True and 2.0 are refused, not read as 1 and 2)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def flag(name: str, value: object) -> bool:
    """True or False -- NumPy's too (np.True_, what `x > 0` gives for a NumPy number), as `whole` and `real` take
    NumPy's ints and floats; 1, "no" or NaN are refused, not read by their truth value."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def generator(seed: object, name: str = "seed") -> np.random.Generator:
    """A random generator: `seed` itself if it is one, else a new one from an int >= 0 (or None: fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"{name} must be an int >= 0, a np.random.Generator or None, got {type(seed).__name__} "
                        f"{seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"{name} must be an int >= 0, got {seed}")
    return np.random.default_rng(seed)
