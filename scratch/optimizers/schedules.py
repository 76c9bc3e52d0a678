"""Learning-rate schedules: eta as a function of the step, passed as `learning_rate=` like a number.

    opt = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5))

The optimizer asks the schedule for eta at its `iterations` BEFORE the step -- schedule(0) for the
first step, schedule(1) for the second -- exactly as Keras does (`optimizer.learning_rate` evaluates
`schedule(optimizer.iterations)`), and uses that one eta for the weight decay and the update.
Every formula is Keras 3.15's (`keras/src/optimizers/schedules/learning_rate_schedule.py`), with
Keras' names and argument order, computed in float64. (Keras computes a schedule in the dtype of its
`initial_learning_rate` -- float32 for a Python float, whatever floatx is -- and casts `decay_rate`
and `warmup_target` through float32; the bridge hands Keras float64 numbers so both sides agree.)

    s = step (the optimizer's iterations), p = s / decay_steps (floor(p) with staircase=True)
    ExponentialDecay        eta0 * decay_rate ** p                       halves every decay_steps at 0.5
    InverseTimeDecay        eta0 / (1 + decay_rate * p)                  1/t decay
    PiecewiseConstantDecay  values[0] while s <= boundaries[0], values[i] while boundaries[i-1] < s <= boundaries[i]
    CosineDecay             peak * ((1 - alpha) * 0.5 * (1 + cos(pi * min(s - w, decay_steps) / decay_steps)) + alpha)
                            with w = warmup_steps: from eta0 up to peak = warmup_target in a straight line
                            over the w warm-up steps, then the cosine over the next decay_steps; without a
                            warm-up, w = 0 and peak = eta0
"""

from __future__ import annotations

import math

from scratch.checks import flag, non_negative, positive, real, whole


class LearningRateSchedule:
    """eta = schedule(step): a float for each step number 0, 1, 2, ..."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        return dict(self._config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._config.items())})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()


class _DecayEveryStep(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: eta0, decay_steps, decay_rate, staircase, and
    p = step / decay_steps (floored with staircase=True)."""

    def _keep(self, initial_learning_rate, decay_steps, decay_rate: float, staircase) -> None:
        self.eta0 = positive("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.decay_rate = decay_rate                                 # checked by the subclass: its own range
        self.staircase = flag("staircase", staircase)
        self._config = {"initial_learning_rate": self.eta0, "decay_steps": self.decay_steps,
                        "decay_rate": self.decay_rate, "staircase": self.staircase}

    def _p(self, step: int) -> float:
        p = step / self.decay_steps
        return math.floor(p) if self.staircase else p


class ExponentialDecay(_DecayEveryStep):
    """eta = initial_learning_rate * decay_rate ** (step / decay_steps); the exponent is floored with
    staircase=True, so eta drops by decay_rate once every decay_steps steps instead of a little each step."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float, staircase: bool = False):
        decay_rate = positive("decay_rate", decay_rate)
        if decay_rate > 1:
            raise ValueError(f"decay_rate must be in (0, 1] (the factor per decay_steps steps), got {decay_rate}: "
                             "above 1 the learning rate would grow without bound")
        self._keep(initial_learning_rate, decay_steps, decay_rate, staircase)

    def __call__(self, step: int) -> float:
        return self.eta0 * self.decay_rate ** self._p(step)


class InverseTimeDecay(_DecayEveryStep):
    """eta = initial_learning_rate / (1 + decay_rate * step / decay_steps); staircase=True floors
    step / decay_steps. Halves by step decay_steps / decay_rate, and keeps falling like 1/step."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float, staircase: bool = False):
        self._keep(initial_learning_rate, decay_steps, non_negative("decay_rate", decay_rate), staircase)

    def __call__(self, step: int) -> float:
        return self.eta0 / (1 + self.decay_rate * self._p(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """eta = values[0] for step <= boundaries[0], values[i] for boundaries[i-1] < step <= boundaries[i],
    values[-1] after the last boundary: a boundary step still takes the value before it (Keras' `<=`)."""

    def __init__(self, boundaries: list[int], values: list[float]):
        if not isinstance(boundaries, (list, tuple)) or not isinstance(values, (list, tuple)):
            raise TypeError(f"boundaries and values must be lists, got {type(boundaries).__name__} and "
                            f"{type(values).__name__}")
        self.boundaries = [whole(f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
        self.values = [positive(f"values[{i}]", v) for i, v in enumerate(values)]
        if not self.boundaries or len(self.values) != len(self.boundaries) + 1:
            raise ValueError(f"values must have one entry more than boundaries (one rate per interval), got "
                             f"{len(self.boundaries)} boundaries and {len(self.values)} values")
        if any(a >= b for a, b in zip(self.boundaries, self.boundaries[1:], strict=False)):
            raise ValueError(f"boundaries must increase strictly, got {self.boundaries}")
        self._config = {"boundaries": list(self.boundaries), "values": list(self.values)}

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values[:-1], strict=True):
            if step <= boundary:
                return value
        return self.values[-1]


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the peak down to alpha * peak over decay_steps, then flat (SGDR without restarts,
    Loshchilov & Hutter 2017); with warmup_target, first a straight line from initial_learning_rate up to
    warmup_target over warmup_steps (Goyal et al. 2017), and warmup_target is the peak.

        s < warmup_steps:  eta = (warmup_target - eta0) * s / warmup_steps + eta0     (eta0 at s = 0)
        otherwise:         d = min(s - warmup_steps, decay_steps)
                           eta = peak * ((1 - alpha) * 0.5 * (1 + cos(pi * d / decay_steps)) + alpha)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, alpha: float = 0.0, *,
                 warmup_target: float | None = None, warmup_steps: int = 0):
        self.warmup_steps = whole("warmup_steps", warmup_steps)
        if (warmup_target is None) != (self.warmup_steps == 0):
            keras_does = ("ignores warmup_steps without a target" if warmup_target is None else
                          "ignores initial_learning_rate with 0 warm-up steps and starts at warmup_target")
            raise ValueError(f"a warm-up needs both warmup_target and warmup_steps >= 1, got warmup_target="
                             f"{warmup_target!r}, warmup_steps={warmup_steps!r} (Keras silently {keras_does})")
        self.warmup_target = None if warmup_target is None else positive("warmup_target", warmup_target)
        # a warm-up may start from 0 (Keras' own example does); without one, eta0 is the peak and must be > 0
        check = non_negative if warmup_target is not None else positive
        self.eta0 = check("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.alpha = real("alpha", alpha)
        if not 0 <= self.alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1] (the floor, as a fraction of the peak), got {self.alpha}")
        self._config = {"initial_learning_rate": self.eta0, "decay_steps": self.decay_steps, "alpha": self.alpha,
                        "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}

    def __call__(self, step: int) -> float:
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.eta0)
        s = min(step, self.decay_steps + self.warmup_steps)
        if s < self.warmup_steps:
            return (self.warmup_target - self.eta0) * (s / self.warmup_steps) + self.eta0
        return self._decay(s - self.warmup_steps, self.warmup_target)

    def _decay(self, d: float, peak: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * (d / self.decay_steps)))
        return peak * ((1 - self.alpha) * cosine + self.alpha)


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                                    CosineDecay)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """{"class_name": "ExponentialDecay", "config": {...}}: Keras' serialized form, plain values only."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def get(identifier: LearningRateSchedule | dict) -> LearningRateSchedule:
    """A schedule passes through; {"class_name": name, "config": {...}} (what `serialize` and Keras'
    `keras.optimizers.schedules.serialize` write) makes one. An unknown name lists the known ones."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if not isinstance(identifier, dict) or not {"class_name", "config"} <= set(identifier):
        raise TypeError(f"a schedule must be a scratch LearningRateSchedule or a dict with 'class_name' and "
                        f"'config', got {identifier!r}")
    name = identifier["class_name"]
    if name not in _SCHEDULES:
        raise ValueError(f"unknown learning-rate schedule {name!r}; choose one of {list(_SCHEDULES)}")
    return _SCHEDULES[name](**identifier["config"])
