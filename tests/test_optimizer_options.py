"""Keras' optimizer options and learning-rate schedules against keras.optimizers: whole trajectories, and
the Keras roundings the comparison depends on, pinned so a Keras upgrade that changes them is noticed.

A trajectory feeds the same seeded gradients (drawn here, never computed by the code under test) to a scratch
optimizer and to Keras' for 60 steps on float64 weights -- one array fed gradients of size ~1, one of size
~1e-6 -- and compares the weights after every step, per array, relative to how far Keras moved it:

    max_t |theta_scratch_t - theta_keras_t| / max_t |theta_keras_t - theta_0|

Keras runs under floatx float64 (its learning-rate variable is then exact), its schedules get np.float64
arguments (a Python float would make the schedule compute in float32, pinned below), and weight_decay, Adam's
betas and Adagrad's initial_accumulator_value are float32 numbers (Keras rounds them through float32 even on
float64 weights, pinned below for weight decay and the accumulator; for the betas see test_optimizers.py).
The Keras side calls its `opt.apply` in a tf.function, traced once per optimizer (a quarter less CPU than tracing
a loop over all 60 steps); the scratch side is `opt.apply` 60 times.
"""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import floatx, keras_steps

from scratch import optimizers
from scratch.optimizers import schedules

PARITY = 1e-10
N_STEPS = 60
SHAPES = {"unit": (3, 4), "tiny": (4,)}

BETAS = dict(beta_1=0.875, beta_2=1 - 2**-10)   # Keras raises float32(beta) to the power t: float32 numbers
# name -> (optimizer class, keyword arguments for both sides); a learning_rate ("Name", {...}) is a schedule
CASES = {
    "sgd_weight_decay": ("SGD", dict(learning_rate=2**-6, momentum=0.875, weight_decay=2**-2)),
    "rmsprop_weight_decay": ("RMSprop", dict(learning_rate=2**-8, weight_decay=2**-1)),
    "adam_weight_decay": ("Adam", dict(learning_rate=2**-8, weight_decay=2**-1, **BETAS)),
    "adamw": ("AdamW", dict(learning_rate=2**-8, weight_decay=2**-1, **BETAS)),
    "sgd_clipnorm": ("SGD", dict(learning_rate=2**-6, momentum=0.875, clipnorm=1.5)),
    "sgd_global_clipnorm": ("SGD", dict(learning_rate=2**-6, global_clipnorm=1.5)),
    "sgd_clipvalue": ("SGD", dict(learning_rate=2**-6, nesterov=True, momentum=0.5, clipvalue=0.5)),
    "adam_clipnorm": ("Adam", dict(learning_rate=2**-8, clipnorm=1.0, **BETAS)),
    "adam_amsgrad": ("Adam", dict(learning_rate=2**-8, beta_1=0.875, beta_2=0.75, amsgrad=True)),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=2**-8, centered=True)),
    "rmsprop_centered_momentum": ("RMSprop", dict(learning_rate=2**-8, momentum=0.5, centered=True)),
    "adagrad": ("Adagrad", dict(learning_rate=2**-4, initial_accumulator_value=2**-3)),
    "adagrad_options": ("Adagrad", dict(learning_rate=2**-4, initial_accumulator_value=0.5, weight_decay=2**-3,
                                        global_clipnorm=1.0)),
    "sgd_exponential": ("SGD", dict(learning_rate=("ExponentialDecay", dict(
        initial_learning_rate=0.05, decay_steps=9, decay_rate=0.3)), momentum=0.875)),
    "adam_exponential_staircase": ("Adam", dict(learning_rate=("ExponentialDecay", dict(
        initial_learning_rate=0.01, decay_steps=9, decay_rate=0.3, staircase=True)), **BETAS)),
    "rmsprop_inverse_time": ("RMSprop", dict(learning_rate=("InverseTimeDecay", dict(
        initial_learning_rate=0.01, decay_steps=7, decay_rate=0.7)))),
    "sgd_inverse_time_staircase": ("SGD", dict(learning_rate=("InverseTimeDecay", dict(
        initial_learning_rate=0.05, decay_steps=7, decay_rate=0.7, staircase=True)))),
    "sgd_piecewise": ("SGD", dict(learning_rate=("PiecewiseConstantDecay", dict(
        boundaries=[10, 30], values=[0.05, 0.02, 0.005])), momentum=0.875)),
    "adam_cosine": ("Adam", dict(learning_rate=("CosineDecay", dict(
        initial_learning_rate=0.01, decay_steps=40, alpha=0.1)), **BETAS)),
    "sgd_cosine_warmup_weight_decay": ("SGD", dict(learning_rate=("CosineDecay", dict(
        initial_learning_rate=0.01, decay_steps=35, alpha=0.05, warmup_target=0.05, warmup_steps=15)),
        weight_decay=2**-2)),
}


@functools.cache
def gradient_sequence() -> tuple[tuple[np.ndarray, ...], ...]:
    """N_STEPS lists of float64 gradients: a drift plus noise, at sizes 1 and 1e-6."""
    rng = np.random.default_rng(15)
    scale = {"unit": 1.0, "tiny": 1e-6}
    drift = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    return tuple(tuple(scale[k] * (drift[k] + rng.normal(size=s)) for k, s in SHAPES.items())
                 for _ in range(N_STEPS))


def initial_weights() -> list[np.ndarray]:
    rng = np.random.default_rng(16)
    return [rng.normal(size=s) for s in SHAPES.values()]


def scratch_optimizer(cls_name: str, kwargs: dict) -> optimizers.Optimizer:
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("learning_rate"), tuple):
        name, arguments = kwargs["learning_rate"]
        kwargs["learning_rate"] = getattr(schedules, name)(**arguments)
    return getattr(optimizers, cls_name)(**kwargs)


def keras_optimizer(cls_name: str, kwargs: dict) -> keras.optimizers.Optimizer:
    """Keras' optimizer from the same arguments, a schedule's numbers as np.float64 (not through the bridge)."""
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("learning_rate"), tuple):
        name, arguments = kwargs["learning_rate"]
        f64 = {k: [np.float64(x) for x in v] if k == "values" else np.float64(v) if isinstance(v, float) else v
               for k, v in arguments.items()}
        kwargs["learning_rate"] = getattr(keras.optimizers.schedules, name)(**f64)
    with floatx("float64"):                               # the learning-rate variable is made in floatx
        return getattr(keras.optimizers, cls_name)(**kwargs)


def keras_trajectory(opt: keras.optimizers.Optimizer) -> list[np.ndarray]:
    """Per array, the weights before and after each of the N_STEPS steps: shape (N_STEPS + 1, *shape)."""
    path = keras_steps(opt, initial_weights(), gradient_sequence())
    return [np.stack(steps) for steps in zip(*path, strict=True)]


def scratch_trajectory(opt: optimizers.Optimizer) -> list[np.ndarray]:
    params = initial_weights()
    path = [[p.copy() for p in params]]
    for grads in gradient_sequence():
        opt.apply([g.copy() for g in grads], params)
        path.append([p.copy() for p in params])
    return [np.stack(steps) for steps in zip(*path, strict=True)]


def disagreement(ours: list[np.ndarray], theirs: list[np.ndarray]) -> dict[str, float]:
    """Per array: largest |ours - theirs| over the steps / largest distance `theirs` moved from the start."""
    return {name: float(np.abs(o - t).max() / np.abs(t - t[0]).max())
            for name, o, t in zip(SHAPES, ours, theirs, strict=True)}


@pytest.mark.parametrize("case", CASES)
def test_option_trajectory_matches_keras_over_60_steps(case):
    cls_name, kwargs = CASES[case]
    err = disagreement(scratch_trajectory(scratch_optimizer(cls_name, kwargs)),
                       keras_trajectory(keras_optimizer(cls_name, kwargs)))
    assert max(err.values()) <= PARITY, f"{case}: {err} of the distance Keras moved"


# ---- The Keras roundings the cases above step around -------------------------------------------------------
def test_keras_schedule_from_python_floats_computes_in_float32_whatever_floatx(floatx64):
    """A Python-float initial_learning_rate makes a float32 schedule even under floatx float64; with np.float64
    it is float64, but a Python-float decay_rate is still cast through float32 (ops.cast(0.3, float64))."""
    step = tf.constant(5, tf.int64)
    plain = keras.optimizers.schedules.ExponentialDecay(0.05, 9, 0.3)(step)
    assert plain.dtype == tf.float32
    half = keras.optimizers.schedules.ExponentialDecay(np.float64(0.05), 9, 0.3)(step)
    full = keras.optimizers.schedules.ExponentialDecay(np.float64(0.05), 9, np.float64(0.3))(step)
    assert half.dtype == full.dtype == tf.float64
    assert float(full) == pytest.approx(0.05 * 0.3 ** (5 / 9), rel=1e-15)
    assert float(half) == pytest.approx(0.05 * float(np.float32(0.3)) ** (5 / 9), rel=1e-15)
    assert abs(float(half) / float(full) - 1) > 1e-9                      # ... which parity would see


def test_keras_rounds_weight_decay_through_float32_even_under_float64_floatx(floatx64):
    variable = keras.Variable(np.array([1.0]), dtype="float64")
    keras.optimizers.SGD(learning_rate=0.5, weight_decay=0.1).apply([np.zeros(1)], [variable])
    assert float(variable.numpy()[0]) == 1 - float(np.float32(0.1)) * 0.5 != 1 - 0.1 * 0.5


def test_keras_rounds_adagrads_starting_accumulator_through_float32_even_under_float64_floatx(floatx64):
    variable = keras.Variable(np.array([1.0]), dtype="float64")
    opt = keras.optimizers.Adagrad(initial_accumulator_value=0.1)
    opt.build([variable])
    assert opt._accumulators[0].numpy()[0] == float(np.float32(0.1)) != 0.1


@pytest.mark.parametrize("option", ["clipnorm", "global_clipnorm", "clipvalue"])
def test_keras_silently_ignores_a_clip_option_of_zero_or_less_which_scratch_refuses(option):
    variable = keras.Variable(np.zeros(2), dtype="float64")
    keras.optimizers.SGD(learning_rate=1.0, **{option: -1.0}).apply([np.array([3.0, 4.0])], [variable])
    np.testing.assert_array_equal(variable.numpy(), [-3.0, -4.0])         # the whole gradient, unclipped
    with pytest.raises(ValueError, match=f"{option} must be > 0, got -1.0 \\(Keras silently clips nothing"):
        optimizers.SGD(**{option: -1.0})


@pytest.mark.parametrize("cls_name", ["SGD", "RMSprop", "Adam", "AdamW", "Adagrad"])
def test_defaults_are_keras_defaults(cls_name):
    """Every argument scratch shares with Keras has Keras' default (AdamW's weight_decay = 0.004 included)."""
    import inspect

    theirs = inspect.signature(getattr(keras.optimizers, cls_name)).parameters
    ours = getattr(optimizers, cls_name)().get_config()
    assert ours == {name: theirs[name].default for name in ours}
