"""RMSprop: the step divided by a running root-mean-square of the gradient."""

from __future__ import annotations

import numpy as np

from scratch.optimizers.base import Optimizer, in_unit_interval, non_negative


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
        super().__init__(learning_rate, **kwargs)
        self.rho = in_unit_interval("rho", rho)
        self.momentum = in_unit_interval("momentum", momentum)
        self.epsilon = non_negative("epsilon", epsilon)
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
