"""Optimizers: how a gradient becomes a step.  SGD (+ momentum, Nesterov), RMSprop and Adam.

The tutorials take the plain gradient-descent step  theta <- theta - eta * grad  (the workshop writes
the learning rate as epsilon; here it is eta = `learning_rate`, and epsilon is the small constant that
keeps RMSprop's and Adam's denominators away from zero). Every rule below is that step with a
different `grad`: a running average of past gradients (momentum), or a gradient divided by a running
size of past gradients (RMSprop, Adam). Each is written exactly as Keras 3.15 computes it
(`keras/src/optimizers/*.py`, `update_step`), with Keras' argument names and defaults.

    opt = optimizers.get("adam")
    opt.apply(grads, params)      # params: list of float ndarrays, updated IN PLACE; grads: same shapes

    base.py      what every optimizer shares: checks, slots, iterations, get_state / set_state
    sgd.py       SGD, momentum, Nesterov
    rmsprop.py   RMSprop
    adam.py      Adam

Precision: scratch uses the hyper-parameters exactly as given. Keras keeps `learning_rate` in a float32
variable (unless `keras.config.set_floatx("float64")`) and casts SGD's momentum and Adam's beta_1,
beta_2 (inside beta**t) through float32, so on float64 weights it differs from scratch by float32
rounding of those numbers unless they are exactly representable in float32 (0.5, 0.875, 2**-10, ...).
"""

from __future__ import annotations

from scratch.checks import lookup
from scratch.optimizers.adam import Adam
from scratch.optimizers.base import Optimizer
from scratch.optimizers.rmsprop import RMSprop
from scratch.optimizers.sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop", "get"]

_OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def get(identifier: str | Optimizer) -> Optimizer:
    """Keras-style lookup: a name (any case) gives a new optimizer with Keras' defaults; an Optimizer
    is returned as it is."""
    if isinstance(identifier, Optimizer):
        return identifier
    return lookup(identifier, _OPTIMIZERS, "optimizer", Optimizer)()
