"""The optimizer bridge: the same optimizer (and learning-rate schedule) in `scratch` and in Keras, both ways.

    keras_opt = keras_optimizer(optimizers.Adam(learning_rate=0.01, amsgrad=True, clipnorm=1.0))
    opt = scratch_optimizer(keras.optimizers.AdamW(weight_decay=0.01))
    keras_schedule(schedules.CosineDecay(0.1, 1000)) / scratch_schedule(keras.optimizers.schedules.CosineDecay(...))
    adam = adam_in_float32(0.001)  # Adam with every hyper-parameter as Keras stores it (float32)

Every hyper-parameter and option keeps its Keras name, so a mapping is the optimizer's class and its
`get_config()`. What has no twin is refused by name, never dropped: another optimizer class (Nadam,
Adamax, Lion, ...), another schedule (PolynomialDecay, CosineDecayRestarts, a custom one), a callable
learning rate, and the Keras-only options use_ema, loss_scale_factor, gradient_accumulation_steps and
exclude_from_weight_decay.

Precision (see scratch/optimizers/__init__.py): Keras computes a schedule in the dtype of its
`initial_learning_rate` -- float32 for a Python float, whatever floatx is -- and casts `decay_rate` and
`warmup_target` through float32, so `keras_schedule` hands Keras float64 numbers (np.float64, which is a
Python float too): the Keras schedule then computes in float64 what the scratch one computes. A Keras
schedule built from Python floats computes in float32, and its scratch twin differs by float32 rounding.
`weight_decay` is always rounded through float32 by Keras; choose a float32 number (2**-6, 0.5) where that matters.
"""

from __future__ import annotations

import keras
import numpy as np

from keras_models.twins.bridge import TWIN_FLOATX
from scratch import optimizers
from scratch.optimizers import schedules

OPTIMIZERS = {   # scratch class -> Keras class (AdamW is a subclass of Adam on both sides: exact types only)
    optimizers.SGD: keras.optimizers.SGD, optimizers.RMSprop: keras.optimizers.RMSprop,
    optimizers.Adam: keras.optimizers.Adam, optimizers.AdamW: keras.optimizers.AdamW,
    optimizers.Adagrad: keras.optimizers.Adagrad,
}
SCHEDULES = {
    schedules.ExponentialDecay: keras.optimizers.schedules.ExponentialDecay,
    schedules.InverseTimeDecay: keras.optimizers.schedules.InverseTimeDecay,
    schedules.PiecewiseConstantDecay: keras.optimizers.schedules.PiecewiseConstantDecay,
    schedules.CosineDecay: keras.optimizers.schedules.CosineDecay,
}
# Keras options without a scratch twin, with the value that means "off"
KERAS_ONLY = {"use_ema": False, "loss_scale_factor": None, "gradient_accumulation_steps": None}
INERT = ("name", "ema_momentum", "ema_overwrite_frequency")     # labels, or settings of an option that is off


def keras_optimizer(opt: optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """The Keras optimizer with the same hyper-parameters, options and schedule as a scratch one (fresh state)."""
    if type(opt) not in OPTIMIZERS:
        raise TypeError(f"no Keras twin for optimizer {type(opt).__name__}; the bridge maps "
                        f"{sorted(cls.__name__ for cls in OPTIMIZERS)}")
    floatx = keras.config.floatx()
    if floatx not in TWIN_FLOATX:                   # Keras keeps learning_rate in a floatx variable: 0.01 -> 0.0100021
        raise ValueError(f"keras.config.floatx() is {floatx!r}: Keras would keep the learning rate as a {floatx} "
                         f"variable ({opt.learning_rate!r} rounded), which the scratch optimizer does "
                         "not; call keras.config.set_floatx('float32') (or 'float64') before keras_optimizer")
    config = opt.get_config()
    if isinstance(opt.learning_rate, schedules.LearningRateSchedule):
        config["learning_rate"] = keras_schedule(opt.learning_rate)
    return OPTIMIZERS[type(opt)](**config)


def scratch_optimizer(keras_opt: keras.optimizers.Optimizer) -> optimizers.Optimizer:
    """The scratch optimizer with the same hyper-parameters, options and schedule as a Keras one (fresh state).

    A float learning rate is read from Keras' variable, so it is the number Keras steps with (float32 unless
    floatx is float64)."""
    twins = {keras_cls: scratch_cls for scratch_cls, keras_cls in OPTIMIZERS.items()}
    name = type(keras_opt).__name__
    if type(keras_opt) not in twins:
        raise ValueError(f"Keras optimizer {name} has no scratch twin; the bridge maps "
                         f"{sorted(cls.__name__ for cls in twins)}")
    learning_rate = keras_opt._learning_rate      # what was given: a Variable, a schedule, or a callable
    if not isinstance(learning_rate, keras.Variable | keras.optimizers.schedules.LearningRateSchedule):
        # refused before get_config(), which serializes a lambda with Keras' warning that it is unsafe to reload
        raise ValueError(f"Keras {name} has a callable learning rate ({learning_rate!r}), which has no scratch "
                         "twin: use a number or one of scratch.optimizers.schedules")
    config = keras_opt.get_config()
    for option, off in KERAS_ONLY.items():
        value = config.pop(option)
        if value != off:
            raise ValueError(f"Keras {name} uses {option}={value!r}, which scratch does not implement; the bridge "
                             f"maps it only when it is {off!r}")
    if getattr(keras_opt, "_exclude_from_weight_decay", None) or getattr(
            keras_opt, "_exclude_from_weight_decay_pattern", None):
        raise ValueError(f"Keras {name} excludes variables from weight decay (exclude_from_weight_decay), which "
                         "scratch does not implement: its weight decay applies to every array")
    for label in INERT:
        config.pop(label, None)
    if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        config["learning_rate"] = scratch_schedule(learning_rate)
    try:
        return twins[type(keras_opt)](**config)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Keras {name} cannot be mapped to scratch: {exc}") from None


def keras_schedule(schedule: schedules.LearningRateSchedule) -> keras.optimizers.schedules.LearningRateSchedule:
    """The Keras schedule with the same arguments, as float64 numbers (so Keras computes it in float64)."""
    if type(schedule) not in SCHEDULES:
        raise TypeError(f"no Keras twin for schedule {type(schedule).__name__}")

    def f64(value):
        if isinstance(value, list):
            return [f64(v) for v in value]
        return np.float64(value) if isinstance(value, float) else value

    return SCHEDULES[type(schedule)](**{key: f64(value) for key, value in schedule.get_config().items()})


def scratch_schedule(theirs: keras.optimizers.schedules.LearningRateSchedule) -> schedules.LearningRateSchedule:
    """The scratch schedule with the same arguments as a Keras one (its `name` is a label and is dropped)."""
    twins = {keras_cls: scratch_cls for scratch_cls, keras_cls in SCHEDULES.items()}
    name = type(theirs).__name__
    if type(theirs) not in twins:
        raise ValueError(f"Keras learning-rate schedule {name} has no scratch twin; the bridge maps "
                         f"{sorted(cls.__name__ for cls in twins)}")
    config = {key: value for key, value in theirs.get_config().items() if key != "name"}
    try:
        return twins[type(theirs)](**config)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Keras {name} cannot be mapped to scratch: {exc}") from None


def adam_in_float32(learning_rate: float) -> optimizers.Adam:
    """Adam with Keras' default betas, every hyper-parameter rounded to float32 before either side sees it.

    Keras keeps beta_1 and beta_2 as float32 and raises the rounded values to the power t; scratch
    uses the Python floats it is given. Unrounded, 1 - 0.999 and 1 - float32(0.999) differ by 1.3e-5
    (relative), so the first steps differ by 6e-6, and Adam's sign-like steps carry that into a 7% weight
    gap within ten epochs. With the rounded numbers both sides compute the same Adam, and only the
    order of float32 sums differs (gap ~1e-6).
    """
    def f32(x: float) -> float:
        return float(np.float32(x))

    return optimizers.Adam(learning_rate=f32(learning_rate), beta_1=f32(0.9), beta_2=f32(0.999), epsilon=1e-7)
