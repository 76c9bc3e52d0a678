"""Optimizers: how a gradient becomes a step.  SGD (+ momentum, Nesterov), RMSprop, Adam, AdamW, Adagrad.

The tutorials take the plain gradient-descent step  theta <- theta - eta * grad  (the workshop writes
the learning rate as epsilon; here it is eta = `learning_rate`, and epsilon is the small constant that
keeps the denominators away from zero). Every rule below is that step with a different `grad`: a
running average of past gradients (momentum), or a gradient divided by a running size of past
gradients (RMSprop, Adam, Adagrad). Each is written exactly as Keras 3.15 computes it
(`keras/src/optimizers/*.py`, `update_step`), with Keras' argument names and defaults.

    opt = optimizers.get("adam")
    opt.apply(grads, params)      # params: list of float ndarrays, updated IN PLACE; grads: same shapes
    optimizers.Adam(learning_rate=schedules.CosineDecay(1e-3, decay_steps=1000), weight_decay=0.01,
                    global_clipnorm=1.0, amsgrad=True)

    base.py       what every optimizer shares: slots, iterations, get_state / set_state, and the options
                  every optimizer takes -- a schedule as learning_rate, weight_decay, clipping
    clipping.py   clipnorm, global_clipnorm, clipvalue
    schedules.py  ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, CosineDecay (with warm-up)
    sgd.py        SGD, momentum, Nesterov
    rmsprop.py    RMSprop (centered=True: divide by the standard deviation)
    adam.py       Adam (amsgrad=True: by the largest second moment so far)
    adamw.py      AdamW: Adam with weight decay on by default
    adagrad.py    Adagrad

Every number is checked when the optimizer or schedule is made (`scratch/checks.py`): a bad one is
refused by name.

Precision: scratch uses the hyper-parameters exactly as given. Keras keeps `learning_rate` in a float32
variable (unless `keras.config.set_floatx("float64")`), casts SGD's momentum, Adam's beta_1, beta_2 (inside
beta**t), `weight_decay` and Adagrad's `initial_accumulator_value` through float32, and computes a schedule made
with a Python float in float32; so on float64 weights it differs from scratch by float32 rounding of those
numbers unless they are exactly representable in float32 (0.5, 0.875, 2**-10, ...).
"""

from __future__ import annotations

from scratch.checks import lookup
from scratch.optimizers import schedules
from scratch.optimizers.adagrad import Adagrad
from scratch.optimizers.adam import Adam
from scratch.optimizers.adamw import AdamW
from scratch.optimizers.base import Optimizer
from scratch.optimizers.rmsprop import RMSprop
from scratch.optimizers.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "get", "schedules"]

_OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad}


def get(identifier: str | Optimizer) -> Optimizer:
    """Keras-style lookup: a name (any case) gives a new optimizer with Keras' defaults; an Optimizer
    is returned as it is."""
    if isinstance(identifier, Optimizer):
        return identifier
    return lookup(identifier, _OPTIMIZERS, "optimizer", Optimizer)()
