"""What every optimizer shares: checked hyper-parameters, per-parameter slots, `iterations`, state export,
and Keras' options that work the same for every rule -- a learning-rate schedule, weight decay, clipping.

    opt.apply(grads, params)      # params: list of float ndarrays, updated IN PLACE; grads: same shapes

One `apply` is Keras' `optimizer.apply`, in Keras' order:
    1. eta = learning_rate, or schedule(iterations) -- the step count BEFORE this step (0 on the first);
    2. clip the gradients (clipping.py: clipnorm, global_clipnorm or clipvalue);
    3. weight decay, straight on the weights:  theta <- theta - theta * weight_decay * eta;
    4. the rule's own step, `update_step(theta, g, slot, t, eta)`, with t = iterations + 1;
    5. iterations += 1.
Weight decay here is "decoupled" (Loshchilov & Hutter): it shrinks the weights by a fraction of eta each
step, outside the rule, so Adam's division by sqrt(v) never touches it. An L2 penalty on the loss instead
adds 2 * l2 * W to the gradient, which Adam then rescales: the two agree for plain SGD only
(weight_decay * eta = 2 * l2 * eta).

Per-parameter memory ("slots": momentum, velocity) is created on the first `apply`, one array per
param with its shape and dtype (zeros, unless the rule says otherwise); later calls must pass the same
list. `get_state()` / `set_state()` export and restore `iterations` and the slots as plain NumPy arrays
(checkpointable with `np.savez(..., allow_pickle=False)`); the hyper-parameters are constructor
arguments (`get_config()`).
"""

from __future__ import annotations

import numpy as np

from scratch.checks import UNDERFLOW_IS_ROUNDING, elementwise, non_negative, positive
from scratch.optimizers import clipping, schedules

# Keras arguments we do not implement, and old names: each gets a hint instead of a bare TypeError.
_HINTS = {"lr": "use learning_rate= (Keras 3 removed the `lr` alias)",
          "decay": "Keras 3 removed `decay`; pass a schedule from scratch.optimizers.schedules as learning_rate"}
_KERAS_ONLY = ("use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
               "gradient_accumulation_steps", "name")


class GradientOverflow(FloatingPointError):
    """A gradient whose square overflows its dtype, refused by the rules that square the gradients.

    `what` says what happened without the cure, for a message that goes on (the watchdog of `fit`)."""

    def __init__(self, what: str, cure: str):
        super().__init__(f"{what}. {cure}")
        self.what = what


def positive_epsilon(value: object) -> float:
    """Adam's and RMSprop's epsilon: > 0. Their denominator has no other term that keeps it off 0, so with
    epsilon = 0 a weight whose gradients have all been 0 steps by 0 / 0. Keras accepts 0 and gives NaN weights."""
    epsilon = non_negative("epsilon", value)
    if epsilon == 0:
        raise ValueError("epsilon must be > 0, got 0.0: a weight whose gradients have all been 0 would step by "
                         "0 / 0 = NaN (Keras accepts 0 and silently makes those weights NaN)")
    return epsilon


def reject_unknown(cls_name: str, kwargs: dict) -> None:
    for name in kwargs:
        hint = _HINTS.get(name, "a Keras option that scratch does not implement" if name in _KERAS_ONLY
                          else "not an argument of this optimizer")
        raise TypeError(f"{cls_name}() got an unexpected keyword argument {name!r}: {hint}")


class Optimizer:
    """Shared machinery: input checks, the learning rate or its schedule, weight decay and clipping, lazily
    created slots, `iterations`, state export.

    A subclass names its slots and writes `update_step(theta, g, slot, t, eta)`, which changes `theta` and
    the arrays in `slot` in place; t = iterations + 1 is the number of this step (Adam needs it) and eta
    this step's learning rate. `new_slot(name, p)` gives a slot's starting array (zeros by default).
    """

    slot_names: tuple[str, ...] = ()
    squares_gradients = False      # True for the rules that keep a running mean of g * g (RMSprop, Adam, Adagrad)

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule, *, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, **kwargs):
        reject_unknown(type(self).__name__, kwargs)             # a Keras option we lack, an old name: a hint
        self.learning_rate = learning_rate
        self.weight_decay = None if weight_decay is None else non_negative("weight_decay", weight_decay)
        self.clip_options = clipping.check(clipnorm, global_clipnorm, clipvalue)   # {} or {name: value}
        self.iterations = 0                                   # steps taken (Keras: optimizer.iterations)
        self._built_for: list[tuple[tuple[int, ...], np.dtype]] | None = None   # (shape, dtype) per param
        self._slots: dict[str, list[np.ndarray]] = {}         # slot name -> one array per param

    @property
    def learning_rate(self) -> float | schedules.LearningRateSchedule:
        """What was given: a float, or a schedule (`current_learning_rate()` is the number the next step uses)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float | schedules.LearningRateSchedule) -> None:
        if not isinstance(value, schedules.LearningRateSchedule):
            if callable(value):
                raise TypeError("learning_rate must be a number or a schedule from scratch.optimizers.schedules, "
                                f"got the callable {value!r}")
            value = positive("learning_rate", value)
        self._learning_rate = value

    def current_learning_rate(self) -> float:
        """eta for the next step: the float, or the schedule at `iterations` (Keras' optimizer.learning_rate)."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._learning_rate(self.iterations)
        return self._learning_rate

    @property
    def clipnorm(self) -> float | None:
        return self.clip_options.get("clipnorm")

    @property
    def global_clipnorm(self) -> float | None:
        return self.clip_options.get("global_clipnorm")

    @property
    def clipvalue(self) -> float | None:
        return self.clip_options.get("clipvalue")

    def get_config(self) -> dict:
        """Keras' names and plain values (a schedule as {"class_name": ..., "config": ...}), e.g. for JSON."""
        lr = self._learning_rate
        return {"learning_rate": schedules.serialize(lr) if isinstance(lr, schedules.LearningRateSchedule) else lr,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue}

    def __repr__(self) -> str:
        config = {**self.get_config(), "learning_rate": self._learning_rate}
        args = ", ".join(f"{k}={v!r}" for k, v in config.items() if v is not None)   # options left out: None
        return f"{type(self).__name__}({args})"

    def new_slot(self, name: str, p: np.ndarray) -> np.ndarray:
        return np.zeros_like(p)

    def update_step(self, theta: np.ndarray, g: np.ndarray, slot: dict[str, np.ndarray], t: int, eta: float) -> None:
        raise NotImplementedError

    @UNDERFLOW_IS_ROUNDING          # a tiny gradient's square (or norm) rounding to 0 is no error (scratch.checks)
    def apply(self, grads: list[np.ndarray], params: list[np.ndarray]) -> None:
        """One step: params[i] -= (rule applied to grads[i]), in place, for every i. Nothing is updated
        unless every pair passes the checks (same count, shape and dtype; finite gradients, and for the rules
        that square them, gradients whose squares are finite: a FloatingPointError otherwise)."""
        _check_pairs(grads, params)
        if self._built_for is None:                          # first step: remember the params, make slots
            self._built_for = [(p.shape, p.dtype) for p in params]
            self._slots = {name: [self.new_slot(name, p) for p in params] for name in self.slot_names}
        _check_same_params(params, self._built_for)
        eta = self.current_learning_rate()                   # at iterations, before this step (Keras' order)
        grads = clipping.clip(grads, **self.clip_options)
        if self.squares_gradients:
            # g * g overflows from |g| = sqrt(max): 1.3e154 in float64, 1.8e19 in float32. The running mean
            # of the squares is then inf, and the step silently 0 -- or NaN weights one step later (inf - inf),
            # as in Keras. Refused before anything is updated (clipping, above, is the cure).
            for i, g in enumerate(grads):
                limit = np.sqrt(np.finfo(g.dtype).max)
                largest = np.max(np.abs(g), initial=0)
                if largest > limit:
                    raise GradientOverflow(
                        f"grads[{i}] holds {largest:.3g}, and {type(self).__name__} squares the gradients: beyond "
                        f"{limit:.3g} the square overflows {g.dtype}",
                        "The step would be 0 or the weights NaN: clip the gradients (clipnorm= or global_clipnorm=)"
                        + (" or use float64" if g.dtype == np.float32 else ""))
        t = self.iterations + 1
        for i, (g, theta) in enumerate(zip(grads, params, strict=True)):
            if self.weight_decay is not None:
                theta -= theta * self.weight_decay * eta      # decoupled weight decay, before the rule
            self.update_step(theta, g, {name: arrays[i] for name, arrays in self._slots.items()}, t, eta)
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
        for name, a in ((f"params[{i}]", p), (f"grads[{i}]", g)):
            # elementwise raises for a masked array with masked entries, and hands back another object for an
            # np.matrix (whose * is a matrix product) or a masked array with nothing masked (whose updates in place
            # would skip entries masked later): refused, as a param is updated in place and cannot be swapped
            if elementwise(a, name) is not a:
                kind = "np.matrix" if isinstance(a, np.matrix) else "masked array"
                raise TypeError(f"{name} is a {kind}, whose arithmetic is not NumPy's elementwise arithmetic: pass "
                                f"plain arrays (np.asarray({name}))")
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f" or not p.flags.writeable:
            raise TypeError(f"params[{i}] must be a writeable float ndarray (updated in place), "
                            f"got {type(p).__name__} {getattr(p, 'dtype', '')}")
        if p.dtype not in (np.float32, np.float64):
            # Dense refuses float16 (and float128) too, as checks.float_dtype; in float16 the harm is quieter: a step
            # under half its eps of a weight near 1 is lost against it. float128 loses nothing: it is refused only
            # because a network's weights are never in it
            why = (f": a step under {np.finfo(np.float16).eps / 2:.1e} of a weight near 1 is rounded away, unseen"
                   if p.dtype == np.float16 else "")
            raise TypeError(f"params[{i}] must be float32 or float64, as a network's weights are, got {p.dtype}{why}")
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


