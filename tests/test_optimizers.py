"""scratch.optimizers against keras.optimizers: whole trajectories, state round trips, bad input.

A trajectory feeds the same seeded gradients (drawn here, never computed by the code under test) to a
scratch optimizer and to its Keras twin for 100 steps on float64 weights, and compares the weights
after every step. Disagreement is measured per weight array, relative to how far Keras moved it:

    max_t |theta_scratch_t - theta_keras_t| / max_t |theta_keras_t - theta_0|

so an array fed gradients of size 1e-6 (where epsilon matters) is judged on its own scale.

Keras rounds some Python-float hyper-parameters through float32 (read `update_step` in
keras/src/optimizers/{sgd,rmsprop,adam}.py and base_optimizer.py):
  * learning_rate lives in a variable of dtype floatx (float32 unless set_floatx("float64"));
  * ops.cast(python_float, "float64") goes through float32 whatever floatx is: SGD's momentum and
    Adam's beta_1, beta_2 inside beta**t;
  * a Python float meeting a float64 tensor stays exact: Adam's 1 - beta and epsilon, and all of
    RMSprop's rho, momentum, epsilon.
Scratch uses the numbers as given, so parity to 1e-10 needs hyper-parameters that survive those roundings
(float32-representable, or exact by the rules above, or floatx float64); Keras' defaults under float32
floatx agree within the looser, measured DEFAULTS_BOUND.
"""

import contextlib
import functools

import keras
import numpy as np
import pytest

from scratch import optimizers

PARITY = 1e-10                  # matched hyper-parameters: observed <= 1e-15
SHAPES = {"unit": (3, 4), "tiny": (4,), "mixed": (5,)}   # gradient sizes ~1, ~1e-6, 1e-7 .. 1 per entry
N_STEPS = 100

# name -> (optimizer class name, keyword arguments given to both scratch and Keras)
EXACT = {   # float32 floatx, hyper-parameters Keras does not round (see module docstring)
    "sgd": ("SGD", dict(learning_rate=2**-6)),
    "sgd_momentum": ("SGD", dict(learning_rate=2**-6, momentum=0.875)),
    "sgd_nesterov": ("SGD", dict(learning_rate=2**-6, momentum=0.875, nesterov=True)),
    "rmsprop": ("RMSprop", dict(learning_rate=2**-10, rho=0.9, epsilon=1e-7)),
    "rmsprop_momentum": ("RMSprop", dict(learning_rate=2**-10, rho=0.9, momentum=0.9, epsilon=1e-7)),
    "adam": ("Adam", dict(learning_rate=2**-10, beta_1=0.875, beta_2=1 - 2**-10, epsilon=1e-7)),
}
FLOAT64_FLOATX = {   # set_floatx("float64") makes the default learning rates exact
    "sgd": ("SGD", dict(learning_rate=0.01)),
    "sgd_nesterov": ("SGD", dict(learning_rate=0.01, momentum=0.875, nesterov=True)),
    "rmsprop": ("RMSprop", dict()),
    "rmsprop_momentum": ("RMSprop", dict(momentum=0.9)),
    "adam": ("Adam", dict(learning_rate=0.001, beta_1=0.875, beta_2=1 - 2**-10)),
}
DEFAULTS = {   # Keras' defaults, float32 floatx: lr, SGD momentum and Adam's beta**t rounded to float32
    "sgd": ("SGD", dict()),
    "sgd_momentum": ("SGD", dict(momentum=0.9)),
    "sgd_nesterov": ("SGD", dict(momentum=0.9, nesterov=True)),
    "rmsprop": ("RMSprop", dict()),
    "rmsprop_momentum": ("RMSprop", dict(momentum=0.9)),
    "adam": ("Adam", dict()),
}
# The documented bound for DEFAULTS (largest observed in parentheses): float32(0.01), float32(0.9) etc.
# are off by a few 1e-8 relative; Adam's 1 - float32(0.999)**t is off by 1.3e-5 relative at t = 1.
DEFAULTS_BOUND = {"SGD": 1e-6, "RMSprop": 1e-6, "Adam": 1e-4}


@contextlib.contextmanager
def floatx(dtype: str):
    keras.config.set_floatx(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx("float32")


@functools.cache
def gradient_sequence(seed: int = 0) -> tuple[tuple[np.ndarray, ...], ...]:
    """N_STEPS lists of float64 gradients: a fixed drift plus noise, at three scales."""
    rng = np.random.default_rng(seed)
    scale = {"unit": 1.0, "tiny": 1e-6, "mixed": 10.0 ** rng.uniform(-7, 0, size=SHAPES["mixed"])}
    drift = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    return tuple(tuple(scale[k] * (drift[k] + rng.normal(size=s)) for k, s in SHAPES.items())
                 for _ in range(N_STEPS))


def initial_weights() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.normal(size=s) for s in SHAPES.values()]


@functools.cache
def keras_trajectory(cls_name: str, kwargs_items: tuple, dtype: str = "float32") -> list[list[np.ndarray]]:
    with floatx(dtype):                                       # floatx must be set when lr is created
        opt = getattr(keras.optimizers, cls_name)(**dict(kwargs_items))
        variables = [keras.Variable(w, dtype="float64") for w in initial_weights()]
        path = [[v.numpy() for v in variables]]
        for grads in gradient_sequence():
            opt.apply(list(grads), variables)
            path.append([v.numpy() for v in variables])
    return path


def scratch_trajectory(opt, n_steps: int = N_STEPS) -> list[list[np.ndarray]]:
    params = initial_weights()
    path = [[p.copy() for p in params]]
    for grads in gradient_sequence()[:n_steps]:
        opt.apply([g.copy() for g in grads], params)
        path.append([p.copy() for p in params])
    return path


def disagreement(ours, theirs, n_steps: int) -> dict[str, float]:
    """Per weight array: largest |ours - theirs| over steps 1..n_steps / largest distance Keras moved."""
    out = {}
    for i, name in enumerate(SHAPES):
        moved = max(np.abs(theirs[t][i] - theirs[0][i]).max() for t in range(1, n_steps + 1))
        out[name] = max(np.abs(ours[t][i] - theirs[t][i]).max() for t in range(1, n_steps + 1)) / moved
    return out


def compare(table: dict, case: str, dtype: str, n_steps: int) -> dict[str, float]:
    cls_name, kwargs = table[case]
    theirs = keras_trajectory(cls_name, tuple(sorted(kwargs.items())), dtype)
    ours = scratch_trajectory(getattr(optimizers, cls_name)(**kwargs), n_steps)
    return disagreement(ours, theirs, n_steps)


@pytest.mark.parametrize("n_steps", [1, 10, 100])
@pytest.mark.parametrize("case", EXACT)
def test_trajectory_matches_keras_with_float32_exact_hyperparameters(case, n_steps):
    err = compare(EXACT, case, "float32", n_steps)
    assert max(err.values()) <= PARITY, f"{case} after {n_steps} steps: {err}"


@pytest.mark.parametrize("n_steps", [1, 10, 100])
@pytest.mark.parametrize("case", FLOAT64_FLOATX)
def test_trajectory_matches_keras_under_float64_floatx(case, n_steps):
    err = compare(FLOAT64_FLOATX, case, "float64", n_steps)
    assert max(err.values()) <= PARITY, f"{case} after {n_steps} steps: {err}"


@pytest.mark.parametrize("case", DEFAULTS)
def test_trajectory_with_keras_defaults_stays_within_documented_bound(case):
    err = compare(DEFAULTS, case, "float32", N_STEPS)
    assert max(err.values()) <= DEFAULTS_BOUND[DEFAULTS[case][0]], f"{case}: {err}"
    assert keras.config.floatx() == "float32"
