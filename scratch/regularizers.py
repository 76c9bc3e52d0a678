"""Weight penalties: a cost for large weights, added to the loss, as Keras adds `model.losses` in fit.

A layer given `Dense(..., kernel_regularizer=L2(0.01))` adds a penalty R(W) of its kernel to the
loss that training minimises and reports, so the gradient of its W gains dR/dW (the biases are not
penalised):

    L2(l2)        R = l2 * sum(W^2)                  dR/dW = l2 * (2 W)     "weight decay": shrinks W
    L1(l1)        R = l1 * sum(|W|)                  dR/dW = l1 * sign(W)   pushes small weights to 0
    L1L2(l1, l2)  R = l1 * sum(|W|) + l2 * sum(W^2)  the sum of both

C_total = C + sum over the layers of R(W_l): `Network.loss_and_gradients`, `fit` and `evaluate`
report and differentiate C_total, as Keras' `fit` and `evaluate` do.

Where the code departs from the formula: Keras casts the Python factor to a tensor first, which
rounds it to float32 (the default float type) before casting to the weights' dtype. So L2(0.01)
contributes 0.009999999776482582 * sum(W^2) even to a float64 network; `factor` does the same.

Names: `get("l1")`, `get("l2")` (factor 0.01) and `get("l1l2")` (both factors 0: Keras' defaults for
L1L2) are Keras' string identifiers.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import UNDERFLOW_IS_ROUNDING, as_float_array, lookup, non_negative


def factor(value: float, dtype: np.dtype) -> np.floating:
    """The factor as Keras applies it: rounded to float32, then in the weights' dtype."""
    return np.dtype(dtype).type(np.float32(value))


def _float32_factor(name: str, value: object) -> float:
    """A factor >= 0 that survives `factor`'s rounding to float32: Keras turns 1e39 into inf (an infinite
    penalty, with an overflow warning) and 1e-46 into 0 (no penalty at all), without a word."""
    value = non_negative(name, value)
    with np.errstate(over="ignore"):
        rounded = np.float32(value)
    if np.isinf(rounded):
        raise ValueError(f"{name}={value:g} is too large: the factor is rounded to float32 (as Keras does), which "
                         f"holds up to {np.finfo(np.float32).max:.3g}")
    if value > 0 and rounded == 0:
        raise ValueError(f"{name}={value:g} is too small: the factor is rounded to float32 (as Keras does), where "
                         f"it becomes 0 and would penalise nothing; the smallest float32 above 0 is "
                         f"{np.finfo(np.float32).smallest_subnormal:.3g}")
    return value


def _float_weights(W: object) -> np.ndarray:
    """W as a float array. A layer's own float W passes as it is (no scan of every batch's weights); anything else
    (W typed by hand: ints, a list) goes through `as_float_array`. An int W gave an int penalty: factor(0.01) in
    int64 is 0, so L2(0.01).penalty(np.array([[3]])) was 0."""
    return W if isinstance(W, np.ndarray) and W.dtype.kind == "f" else as_float_array(W, "W")


class L1L2:
    """R(W) = l1 * sum(|W|) + l2 * sum(W^2);  dR/dW = l1 * sign(W) + l2 * (2 W).  W: (n_in, n_out)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _float32_factor("l1", l1)         # as given (Keras' get_config); applied through `factor`
        self.l2 = _float32_factor("l2", l2)

    @UNDERFLOW_IS_ROUNDING                      # a tiny W's square rounding to 0 is no error (scratch.checks)
    def penalty(self, W: np.ndarray) -> np.floating:
        """R(W), a scalar in W's dtype (only the terms whose factor is not 0, as Keras adds them)."""
        W = _float_weights(W)
        R = W.dtype.type(0)
        if self.l1:
            R += factor(self.l1, W.dtype) * np.sum(np.abs(W))
        if self.l2:
            R += factor(self.l2, W.dtype) * np.sum(np.square(W))
        return R

    @UNDERFLOW_IS_ROUNDING
    def gradient(self, W: np.ndarray) -> np.ndarray:
        """dR/dW (n_in, n_out). sign(0) = 0, as TensorFlow differentiates |W|."""
        W = _float_weights(W)
        grad = np.zeros_like(W)                                                  # (n_in, n_out)
        if self.l1:
            grad += factor(self.l1, W.dtype) * np.sign(W)                        # (n_in, n_out)
        if self.l2:
            grad += factor(self.l2, W.dtype) * (2 * W)                           # (n_in, n_out)
        return grad

    def get_config(self) -> dict[str, float]:
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class L1(L1L2):
    """R(W) = l1 * sum(|W|);  dR/dW = l1 * sign(W)."""

    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, float]:
        return {"l1": self.l1}


class L2(L1L2):
    """R(W) = l2 * sum(W^2);  dR/dW = l2 * (2 W)."""

    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, float]:
        return {"l2": self.l2}


REGULARIZERS = {"l1": L1, "l2": L2, "l1l2": L1L2}      # Keras' string identifiers


def get(identifier: str | L1L2 | None) -> L1L2 | None:
    """None, a regularizer passed through, or the one Keras' name `identifier` stands for (any case)."""
    if identifier is None or isinstance(identifier, L1L2):
        return identifier
    twin = REGULARIZERS.get(type(identifier).__name__.lower())
    if twin is not None and callable(getattr(identifier, "get_config", None)):
        # another library's L2 (Keras'): "got L2" alone would read as if scratch's own L2 were refused. Its factors
        # as float32 writes them (Keras' L1 keeps 0.03 as 0.029999999329...): `factor` rounds them so anyway
        factors = ", ".join(f"{k}={str(np.float32(v))}" for k, v in identifier.get_config().items())
        raise TypeError(f"kernel_regularizer must be a name or a scratch L1L2, got {type(identifier).__name__} from "
                        f"{type(identifier).__module__}: use scratch's regularizers.{twin.__name__}({factors}), the "
                        "same penalty")
    return lookup(identifier, REGULARIZERS, "kernel_regularizer", L1L2)()
