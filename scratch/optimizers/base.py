"""What every optimizer shares: checked hyper-parameters, per-parameter slots, `iterations`, state export.

    opt.apply(grads, params)      # params: list of float ndarrays, updated IN PLACE; grads: same shapes

Per-parameter memory ("slots": momentum, velocity) is created on the first `apply`, one zero array per
param with its shape and dtype; later calls must pass the same list. `get_state()` / `set_state()`
export and restore `iterations` and the slots as plain NumPy arrays (checkpointable with
`np.savez(..., allow_pickle=False)`); the hyper-parameters are constructor arguments (`get_config()`).
"""

from __future__ import annotations

import math

import numpy as np

# Keras arguments we do not implement, and old names: each gets a hint instead of a bare TypeError.
_HINTS = {"lr": "use learning_rate= (Keras 3 removed the `lr` alias)",
          "decay": "Keras 3 removed `decay`; change opt.learning_rate between steps instead"}
_KERAS_ONLY = ("centered", "amsgrad", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
               "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
               "gradient_accumulation_steps", "name")


def reject_unknown(cls_name: str, kwargs: dict) -> None:
    for name in kwargs:
        hint = _HINTS.get(name, "a Keras option that scratch does not implement" if name in _KERAS_ONLY
                          else "not an argument of this optimizer")
        raise TypeError(f"{cls_name}() got an unexpected keyword argument {name!r}: {hint}")


def real(name: str, value: object) -> float:
    """A hyper-parameter as a float. Keras wants a Python float; we also accept ints (1 == 1.0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number such as 0.01, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def in_unit_interval(name: str, value: object) -> float:
    """Momentum, rho, beta: a decay rate in [0, 1). At 1 the average would never forget (or, for Adam,
    1 - beta**t would be 0)."""
    value = real(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


class Optimizer:
    """Shared machinery: input checks, lazily created slots, `iterations`, state export.

    A subclass names its slots and writes `update_step(theta, g, slot, t)`, which changes `theta` and
    the arrays in `slot` in place; t = iterations + 1 is the number of this step (Adam needs it).
    """

    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float, **kwargs):
        reject_unknown(type(self).__name__, kwargs)             # a Keras option we lack, an old name: a hint
        self.learning_rate = real("learning_rate", learning_rate)
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        self.iterations = 0                                   # steps taken (Keras: optimizer.iterations)
        self._built_for: list[tuple[tuple[int, ...], np.dtype]] | None = None   # (shape, dtype) per param
        self._slots: dict[str, list[np.ndarray]] = {}         # slot name -> one array per param

    def get_config(self) -> dict[str, float | bool]:
        return {"learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def update_step(self, theta: np.ndarray, g: np.ndarray, slot: dict[str, np.ndarray], t: int) -> None:
        raise NotImplementedError

    def apply(self, grads: list[np.ndarray], params: list[np.ndarray]) -> None:
        """One step: params[i] -= (rule applied to grads[i]), in place, for every i. Nothing is updated
        unless every pair passes the checks (same count, shape and dtype; finite gradients)."""
        _check_pairs(grads, params)
        if self._built_for is None:                          # first step: remember the params, make slots
            self._built_for = [(p.shape, p.dtype) for p in params]
            self._slots = {name: [np.zeros_like(p) for p in params] for name in self.slot_names}
        _check_same_params(params, self._built_for)
        t = self.iterations + 1
        for i, (g, theta) in enumerate(zip(grads, params, strict=True)):
            self.update_step(theta, g, {name: arrays[i] for name, arrays in self._slots.items()}, t)
        self.iterations = t

    def get_state(self) -> dict[str, np.ndarray]:
        """{"iterations": 0-d int64, "<slot>_<i>": copy of slot array i}: arrays only, no objects."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for name, arrays in self._slots.items():
            state.update({f"{name}_{i}": a.copy() for i, a in enumerate(arrays)})
        return state

    def set_state(self, state: dict) -> None:
        """Become the optimizer that `get_state` described (for example after `np.load`): copies the
        arrays; with no slot arrays the slots are made again on the next `apply`."""
        iterations = np.asarray(state.get("iterations", -1))
        if iterations.shape != () or iterations.dtype.kind not in "iu" or iterations < 0:
            raise ValueError(f"state['iterations'] must be an integer >= 0, got {state.get('iterations')!r}")
        n = sum(str(k).startswith(f"{self.slot_names[0]}_") for k in state) if self.slot_names else 0
        expected = {"iterations"} | {f"{name}_{i}" for name in self.slot_names for i in range(n)}
        if set(state) != expected or (self.slot_names and iterations > 0 and n == 0):
            raise ValueError(f"{type(self).__name__} state after {int(iterations)} steps needs keys "
                             f"{sorted(expected)} (slots {self.slot_names}), got {sorted(state)}")
        slots = {name: [np.array(state[f"{name}_{i}"]) for i in range(n)] for name in self.slot_names}
        for i in range(n):
            first = slots[self.slot_names[0]][i]
            for name in self.slot_names:
                a = slots[name][i]
                if a.dtype.kind != "f" or (a.shape, a.dtype) != (first.shape, first.dtype) \
                        or not np.isfinite(a).all():
                    raise ValueError(f"state['{name}_{i}'] (shape {a.shape}, {a.dtype}) must hold finite "
                                     f"floats shaped like state['{self.slot_names[0]}_{i}'] {first.shape}")
        self.iterations = int(iterations)
        self._slots = slots if n else {}
        self._built_for = [(a.shape, a.dtype) for a in slots[self.slot_names[0]]] if n else None


def _check_pairs(grads: list[np.ndarray], params: list[np.ndarray]) -> None:
    """grads[i] must match params[i] exactly: no broadcasting, no silent casts, no NaN/inf."""
    for name, seq in (("grads", grads), ("params", params)):
        if not isinstance(seq, (list, tuple)):
            raise TypeError(f"{name} must be a list of NumPy arrays, got {type(seq).__name__}")
    if len(grads) != len(params):
        raise ValueError(f"got {len(grads)} gradients for {len(params)} params: one gradient per param")
    if not params:
        raise ValueError("params is empty: nothing to update")
    if len({id(p) for p in params}) != len(params):
        raise ValueError("the same array appears twice in params: it would be updated twice")
    for i, (g, p) in enumerate(zip(grads, params, strict=True)):
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f" or not p.flags.writeable:
            raise TypeError(f"params[{i}] must be a writeable float ndarray (updated in place), "
                            f"got {type(p).__name__} {getattr(p, 'dtype', '')}")
        if not isinstance(g, np.ndarray):
            raise TypeError(f"grads[{i}] must be an ndarray, got {type(g).__name__}")
        if g.shape != p.shape or g.dtype != p.dtype:
            raise ValueError(f"grads[{i}] has shape {g.shape} and dtype {g.dtype}, "
                             f"but params[{i}] has shape {p.shape} and dtype {p.dtype}")
        if not np.isfinite(g).all():
            raise ValueError(f"grads[{i}] (shape {g.shape}) contains {np.isnan(g).sum()} NaN and "
                             f"{np.isinf(g).sum()} inf values")


def _check_same_params(params: list[np.ndarray], built_for: list[tuple[tuple[int, ...], np.dtype]]) -> None:
    """The slots were made for the params of the first `apply`; later calls must pass the same list."""
    if len(params) != len(built_for):
        raise ValueError(f"this optimizer was built for {len(built_for)} params on its first apply, "
                         f"got {len(params)}: use one optimizer per model")
    for i, (p, (shape, dtype)) in enumerate(zip(params, built_for, strict=True)):
        if (p.shape, p.dtype) != (shape, dtype):
            raise ValueError(f"params[{i}] has shape {p.shape} and dtype {p.dtype}, but this optimizer was "
                             f"built for shape {shape} and dtype {dtype} on its first apply")


def non_negative(name: str, value: object) -> float:
    value = real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value
