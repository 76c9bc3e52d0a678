"""AdamW: Adam with decoupled weight decay on by default (Loshchilov & Hutter 2019)."""

from __future__ import annotations

from scratch.optimizers.adam import Adam


class AdamW(Adam):
    """Adam plus weight decay applied to the weights directly, before Adam's step (base.py, step 3):

        theta <- theta - theta * weight_decay * eta;   then Adam's step (adam.py)

    The paper's point: an L2 penalty l2 * ||W||^2 on the loss adds 2 * l2 * W to the gradient, and Adam
    divides that by sqrt(v), so weights with large gradients are barely decayed. Decoupled decay shrinks
    every weight by the same fraction weight_decay * eta per step, whatever its gradients.

    As in Keras 3, AdamW is Adam with a different default: weight_decay = 0.004 here, None in Adam, and
    Adam(weight_decay=w) steps exactly like AdamW(weight_decay=w). Keras refuses weight_decay=None here,
    and so do we. (Keras rounds weight_decay through float32 even on float64 weights; we use it as given.)
    """

    def __init__(self, learning_rate: float = 0.001, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW needs a weight_decay (a number >= 0, default 0.004), got None; for Adam "
                             "without weight decay use Adam")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)
