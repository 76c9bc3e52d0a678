"""SGD: the tutorials' gradient-descent step, with optional (Nesterov) momentum."""

from __future__ import annotations

from scratch.checks import flag, in_unit_interval
from scratch.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum; buf is Keras' "momentum" slot.

        plain:     theta <- theta - eta * g                       (the tutorials' step)
        momentum:  buf <- mu * buf - eta * g;  theta <- theta + buf
        Nesterov:  buf <- mu * buf - eta * g;  theta <- theta + mu * buf - eta * g

    Keras' sign convention: buf holds the (negative) velocity, so it is *added*. momentum=0.0 keeps
    no slot and is exactly the plain step. Keras accepts momentum = 1; we require [0, 1).
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = in_unit_interval("momentum", momentum)
        self.nesterov = flag("nesterov", nesterov)
        self.slot_names = ("momentum",) if self.momentum != 0 else ()

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}

    def update_step(self, theta, g, slot, t, eta):
        mu = self.momentum
        if not self.slot_names:
            theta -= g * eta
            return
        buf = slot["momentum"]
        buf *= mu
        buf -= g * eta                                        # buf = mu * buf - eta * g
        if self.nesterov:
            theta += buf * mu - g * eta                       # look one momentum step further ahead
        else:
            theta += buf
