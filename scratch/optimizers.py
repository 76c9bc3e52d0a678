"""Optimizers: how a gradient becomes a step.  SGD (+ momentum, Nesterov), RMSprop and Adam.

The tutorials take the plain gradient-descent step  theta <- theta - eta * grad  (the workshop writes
the learning rate as epsilon; here it is eta = `learning_rate`, and epsilon is the small constant that
keeps RMSprop's and Adam's denominators away from zero). Every rule below is that step with a
different `grad`: a running average of past gradients (momentum), or a gradient divided by a running
size of past gradients (RMSprop, Adam). Each is written exactly as Keras 3.15 computes it
(`keras/src/optimizers/*.py`, `update_step`), with Keras' argument names and defaults.

    opt = optimizers.get("adam")
    opt.apply(grads, params)      # params: list of float ndarrays, updated IN PLACE; grads: same shapes

Per-parameter memory ("slots": momentum, velocity) is created on the first `apply`, one zero array per
param with its shape and dtype; later calls must pass the same list. `get_state()` / `set_state()`
export and restore `iterations` and the slots as plain NumPy arrays (checkpointable with
`np.savez(..., allow_pickle=False)`); the hyper-parameters are constructor arguments (`get_config()`).

Precision: scratch uses the hyper-parameters exactly as given. Keras keeps `learning_rate` in a float32
variable (unless `keras.config.set_floatx("float64")`) and casts SGD's momentum and Adam's beta_1,
beta_2 (inside beta**t) through float32, so on float64 weights it differs from scratch by float32
rounding of those numbers unless they are exactly representable in float32 (0.5, 0.875, 2**-10, ...).
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


def _reject_unknown(cls_name: str, kwargs: dict) -> None:
    for name in kwargs:
        hint = _HINTS.get(name, "a Keras option that scratch does not implement" if name in _KERAS_ONLY
                          else "not an argument of this optimizer")
        raise TypeError(f"{cls_name}() got an unexpected keyword argument {name!r}: {hint}")


def _real(name: str, value: object) -> float:
    """A hyper-parameter as a float. Keras wants a Python float; we also accept ints (1 == 1.0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number such as 0.01, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _in_unit_interval(name: str, value: object) -> float:
    """Momentum, rho, beta: a decay rate in [0, 1). At 1 the average would never forget (or, for Adam,
    1 - beta**t would be 0)."""
    value = _real(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


class Optimizer:
    """Shared machinery: input checks, lazily created slots, `iterations`, state export.

    A subclass names its slots and writes `update_step(theta, g, slot, t)`, which changes `theta` and
    the arrays in `slot` in place; t = iterations + 1 is the number of this step (Adam needs it).
    """

    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float):
        self.learning_rate = _real("learning_rate", learning_rate)
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


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum; buf is Keras' "momentum" slot.

        plain:     theta <- theta - eta * g                       (the tutorials' step)
        momentum:  buf <- mu * buf - eta * g;  theta <- theta + buf
        Nesterov:  buf <- mu * buf - eta * g;  theta <- theta + mu * buf - eta * g

    Keras' sign convention: buf holds the (negative) velocity, so it is *added*. momentum=0.0 keeps
    no slot and is exactly the plain step. Keras accepts momentum = 1; we require [0, 1).
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        _reject_unknown("SGD", kwargs)
        super().__init__(learning_rate)
        self.momentum = _in_unit_interval("momentum", momentum)
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        self.nesterov = nesterov
        self.slot_names = ("momentum",) if self.momentum != 0 else ()

    def get_config(self) -> dict[str, float | bool]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}

    def update_step(self, theta, g, slot, t):
        eta, mu = self.learning_rate, self.momentum
        if not self.slot_names:
            theta -= g * eta
            return
        buf = slot["momentum"]
        buf *= mu
        buf -= g * eta                                        # buf = mu * buf - eta * g
        if self.nesterov:
            theta += buf * mu - g * eta                       # look one momentum step further ahead
        else:
            theta += buf


class RMSprop(Optimizer):
    """Divide the step by a running root-mean-square of the gradient (Keras' "velocity" slot s).

        s <- rho * s + (1 - rho) * g * g
        theta <- theta - eta * g / sqrt(s + epsilon)          epsilon INSIDE the root, as in Keras
        with momentum mu:  buf <- mu * buf + eta * g / sqrt(s + epsilon);  theta <- theta - buf

    Compared with the tutorials' theta - eta * g, each coordinate's step is scaled by 1 / its recent
    gradient size. Keras' `centered=True` variant (subtracting the mean gradient) is not implemented.
    """

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, **kwargs):
        _reject_unknown("RMSprop", kwargs)
        super().__init__(learning_rate)
        self.rho = _in_unit_interval("rho", rho)
        self.momentum = _in_unit_interval("momentum", momentum)
        self.epsilon = _non_negative("epsilon", epsilon)
        self.slot_names = ("velocity", "momentum") if self.momentum > 0 else ("velocity",)

    def get_config(self) -> dict[str, float | bool]:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon}

    def update_step(self, theta, g, slot, t):
        eta, rho, mu, eps = self.learning_rate, self.rho, self.momentum, self.epsilon
        s = slot["velocity"]
        s *= rho
        s += (1 - rho) * np.square(g)                         # s = rho * s + (1 - rho) * g^2
        increment = eta * g / np.sqrt(s + eps)                # (same shape as theta)
        if "momentum" in slot:
            buf = slot["momentum"]
            buf *= mu
            buf += increment                                  # buf = mu * buf + increment
            increment = buf
        theta -= increment


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) in the "epsilon-hat" form Keras uses; m, v are Keras' "momentum" and
    "velocity" slots, t counts steps from 1.

        m <- m + (g - m) * (1 - beta_1)                      = beta_1 * m + (1 - beta_1) * g
        v <- v + (g * g - v) * (1 - beta_2)                  = beta_2 * v + (1 - beta_2) * g^2
        alpha = eta * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        theta <- theta - alpha * m / (sqrt(v) + epsilon)

    The paper's Algorithm 1 divides the bias-corrected averages m_hat = m / (1 - beta_1^t) and
    v_hat = v / (1 - beta_2^t) instead:  theta <- theta - eta * m_hat / (sqrt(v_hat) + eps),
    which is the same step only if eps = epsilon / sqrt(1 - beta_2^t): Keras' epsilon sits outside the
    bias correction, so it weighs more in early steps (x31.6 at t = 1 with beta_2 = 0.999). The two
    forms agree when |g| >> epsilon and part when gradients are ~1e-6. Compared with the tutorials'
    theta - eta * g, the step is about eta * sign(g) while the gradients keep their sign.
    """

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs):
        _reject_unknown("Adam", kwargs)
        super().__init__(learning_rate)
        self.beta_1 = _in_unit_interval("beta_1", beta_1)
        self.beta_2 = _in_unit_interval("beta_2", beta_2)
        self.epsilon = _non_negative("epsilon", epsilon)
        self.slot_names = ("momentum", "velocity")

    def get_config(self) -> dict[str, float | bool]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

    def update_step(self, theta, g, slot, t):
        eta, b1, b2, eps = self.learning_rate, self.beta_1, self.beta_2, self.epsilon
        alpha = eta * math.sqrt(1 - b2**t) / (1 - b1**t)     # both bias corrections, folded into the rate
        # Block by block (about 32k numbers each): a block's temporaries stay in the CPU cache, where the
        # whole of a 1024x1024 layer would send a dozen full-size temporaries through memory (1.75x
        # faster there). Every operation is elementwise, so the numbers are exactly those of one block.
        for rows in _row_blocks(theta):
            m, v, g_rows, theta_rows = slot["momentum"][rows], slot["velocity"][rows], g[rows], theta[rows]
            m += (g_rows - m) * (1 - b1)
            v += (np.square(g_rows) - v) * (1 - b2)
            theta_rows -= m * alpha / (np.sqrt(v) + eps)


_BLOCK = 32_768


def _row_blocks(theta: np.ndarray) -> list:
    """Slices along the first axis covering about _BLOCK numbers each; [...] (everything) for a small or
    0-d array. Slices of the first axis are views whatever the memory layout, so updates land in theta."""
    if theta.ndim == 0 or theta.size <= _BLOCK:
        return [...]
    step = max(1, _BLOCK * theta.shape[0] // theta.size)
    return [slice(i, i + step) for i in range(0, theta.shape[0], step)]


def _non_negative(name: str, value: object) -> float:
    value = _real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


_OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def get(identifier: str | Optimizer) -> Optimizer:
    """Keras-style lookup: a name (any case) gives a new optimizer with Keras' defaults; an Optimizer
    is returned as it is."""
    if isinstance(identifier, Optimizer):
        return identifier
    if not isinstance(identifier, str):
        raise TypeError(f"optimizer must be a name or a scratch Optimizer, got {type(identifier).__name__}")
    if identifier.lower() not in _OPTIMIZERS:
        raise ValueError(f"unknown optimizer {identifier!r}; valid names: {', '.join(_OPTIMIZERS)}")
    return _OPTIMIZERS[identifier.lower()]()
