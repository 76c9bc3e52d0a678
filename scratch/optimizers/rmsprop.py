"""RMSprop: the step divided by a running root-mean-square of the gradient."""

from __future__ import annotations

import numpy as np

from scratch.checks import flag, in_unit_interval
from scratch.optimizers.base import Optimizer, positive_epsilon


class RMSprop(Optimizer):
    """Divide the step by a running root-mean-square of the gradient (Keras' "velocity" slot s).

        s <- rho * s + (1 - rho) * g * g
        theta <- theta - eta * g / sqrt(s + epsilon)          epsilon INSIDE the root, as in Keras
        with momentum mu:  buf <- mu * buf + eta * g / sqrt(s + epsilon);  theta <- theta - buf

    centered=True (Graves 2013) also keeps a running mean of the gradient (Keras' "average_gradient"
    slot a) and divides by the running *standard deviation* instead of the root-mean-square:

        a <- rho * a + (1 - rho) * g
        theta <- theta - eta * g / sqrt(s - a * a + epsilon)  (s - a^2: mean square minus squared mean,
                                                              a variance; rounding below 0 is taken as 0)

    Compared with the tutorials' theta - eta * g, each coordinate's step is scaled by 1 / its recent
    gradient size; centred, a gradient that is large but steady takes larger steps than a noisy one.
    """

    squares_gradients = True

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = in_unit_interval("rho", rho)
        self.momentum = in_unit_interval("momentum", momentum)
        self.epsilon = positive_epsilon(epsilon)
        self.centered = flag("centered", centered)
        self.slot_names = ("velocity",)                      # Keras' slots, in Keras' order
        if self.momentum > 0:
            self.slot_names += ("momentum",)
        if self.centered:
            self.slot_names += ("average_gradient",)

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}

    def update_step(self, theta, g, slot, t, eta):
        rho, mu, eps = self.rho, self.momentum, self.epsilon
        s = slot["velocity"]
        s *= rho
        s += (1 - rho) * np.square(g)                         # s = rho * s + (1 - rho) * g^2
        if self.centered:
            a = slot["average_gradient"]
            a *= rho
            a += (1 - rho) * g                                # a = rho * a + (1 - rho) * g
            # s - a^2 is a variance, >= 0 in exact arithmetic; rounded it can fall below -epsilon once a
            # steady gradient has made it ~0 (float32, constant g = 1.497875: step 132), and sqrt would give NaN
            # weights -- as in Keras. Clamped at 0, the step is what Keras computes wherever Keras' s - a^2 >= 0.
            denominator = np.maximum(s - np.square(a), 0) + eps   # (same shape as theta)
        else:
            denominator = s + eps
        increment = eta * g / np.sqrt(denominator)            # (same shape as theta)
        if "momentum" in slot:
            buf = slot["momentum"]
            buf *= mu
            buf += increment                                  # buf = mu * buf + increment
            increment = buf
        theta -= increment
