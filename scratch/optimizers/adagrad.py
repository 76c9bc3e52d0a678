"""Adagrad: each coordinate's step divided by the root of ALL its past squared gradients."""

from __future__ import annotations

import numpy as np

from scratch.checks import non_negative
from scratch.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer 2011), as Keras computes it; G is Keras' "accumulator" slot.

        G <- G + g * g                                   G starts at initial_accumulator_value, not 0
        theta <- theta - eta * g / sqrt(G + epsilon)     epsilon INSIDE the root, as in RMSprop

    RMSprop's s forgets old gradients (s = rho * s + ...); G never does, so each coordinate's step
    shrinks like 1 / sqrt(number of steps) -- fast for rare features, often too slow late in training,
    which is why RMSprop and Adam replaced it. The starting value keeps the first steps finite.

    Keras casts the starting value through float32 (even under floatx float64), so on float64 weights its G
    starts at float32(0.1) = 0.10000000149011612; scratch uses the number as given.
    """

    slot_names = ("accumulator",)
    squares_gradients = True

    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = non_negative("initial_accumulator_value", initial_accumulator_value)
        self.epsilon = non_negative("epsilon", epsilon)
        if self.initial_accumulator_value == 0 and self.epsilon == 0:
            raise ValueError("initial_accumulator_value and epsilon are both 0: the first step would divide "
                             "by sqrt(0) wherever a gradient is 0")

    def get_config(self) -> dict:
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}

    def new_slot(self, name, p):
        return np.full_like(p, self.initial_accumulator_value)    # (same shape as p)

    def update_step(self, theta, g, slot, t, eta):
        G = slot["accumulator"]
        G += np.square(g)                                     # G = G + g^2
        theta -= eta * g / np.sqrt(G + self.epsilon)          # (same shape as theta)
