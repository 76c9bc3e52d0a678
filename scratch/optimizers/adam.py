"""Adam: momentum and RMSprop together, in the epsilon-hat form Keras computes."""

from __future__ import annotations

import math

import numpy as np

from scratch.checks import flag, in_unit_interval
from scratch.optimizers.base import Optimizer, positive_epsilon


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) in the "epsilon-hat" form Keras uses; m, v are Keras' "momentum" and
    "velocity" slots, t counts steps from 1.

        m <- m + (g - m) * (1 - beta_1)                      = beta_1 * m + (1 - beta_1) * g
        v <- v + (g * g - v) * (1 - beta_2)                  = beta_2 * v + (1 - beta_2) * g^2
        alpha = eta * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        theta <- theta - alpha * m / (sqrt(v) + epsilon)

    The paper's Algorithm 1 divides the bias-corrected averages m_hat = m / (1 - beta_1^t) and
    v_hat = v / (1 - beta_2^t) instead:  theta <- theta - eta * m_hat / (sqrt(v_hat) + eps),
    which is the same step only if eps = epsilon / sqrt(1 - beta_2^t): Keras' epsilon sits outside the
    bias correction, so it weighs more in early steps (x31.6 at t = 1 with beta_2 = 0.999). The two
    forms agree when |g| >> epsilon and part when gradients are ~1e-6. Compared with the tutorials'
    theta - eta * g, the step is about eta * sign(g) while the gradients keep their sign.

    amsgrad=True (Reddi et al. 2018, "On the convergence of Adam and beyond") divides by the largest v
    seen so far, v_max (Keras' "velocity_hat" slot, the paper's v-hat: not the bias-corrected v_hat
    above), so a step can never grow because v shrank after a burst:

        v_max <- max(v_max, v);   theta <- theta - alpha * m / (sqrt(v_max) + epsilon)
    """

    squares_gradients = True

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2 = in_unit_interval("beta_1", beta_1), in_unit_interval("beta_2", beta_2)
        self.epsilon = positive_epsilon(epsilon)
        self.amsgrad = flag("amsgrad", amsgrad)
        self.slot_names = ("momentum", "velocity", "velocity_hat") if amsgrad else ("momentum", "velocity")

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}

    def update_step(self, theta, g, slot, t, eta):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        alpha = eta * math.sqrt(1 - b2**t) / (1 - b1**t)     # both bias corrections, folded into the rate
        # Block by block (about 32k numbers each): a block's temporaries stay in the CPU cache, where the
        # whole of a 1024x1024 layer would send a dozen full-size temporaries through memory (1.75x
        # faster there). Every operation is elementwise, so the numbers are exactly those of one block.
        for rows in _row_blocks(theta):
            m, v, g_rows, theta_rows = slot["momentum"][rows], slot["velocity"][rows], g[rows], theta[rows]
            m += (g_rows - m) * (1 - b1)
            v += (np.square(g_rows) - v) * (1 - b2)
            if self.amsgrad:
                v_max = slot["velocity_hat"][rows]
                np.maximum(v_max, v, out=v_max)               # v_max = max(v_max, v), in place
                v = v_max
            theta_rows -= m * alpha / (np.sqrt(v) + eps)


_BLOCK = 32_768


def _row_blocks(theta: np.ndarray) -> list:
    """Slices along the first axis covering about _BLOCK numbers each; [...] (everything) for a small or
    0-d array. Slices of the first axis are views whatever the memory layout, so updates land in theta."""
    if theta.ndim == 0 or theta.size <= _BLOCK:
        return [...]
    step = max(1, _BLOCK * theta.shape[0] // theta.size)
    return [slice(i, i + step) for i in range(0, theta.shape[0], step)]
