"""Loss functions L(y, a) over a batch, with their gradients dL/da.

    forward(y_true, y_pred)  -> L, a float: the mean over the batch, like Keras' default
                                 reduction "sum_over_batch_size"
    backward(y_true, y_pred) -> dL/dy_pred, shaped like y_pred (m, k)

Four losses, by name:

    "quadratic"                 C = 1/(2m) sum_i ||y_i - a_i||^2     the tutorials' quadratic cost
    "mse"                       L = 1/m sum_i (1/k) sum_j (y_ij - a_ij)^2   Keras' MeanSquaredError
                                  = (2/k) C  -- Keras averages over the k outputs too, and has no 1/2
    "binary_crossentropy"       L = -1/m sum_i (1/k) sum_j [y log a + (1-y) log(1-a)]
    "categorical_crossentropy"  L = -1/m sum_i sum_j y_ij log a_ij

L is the tutorials' cost C (J in the second tutorial), the name `scratch.network` uses; the course slides
write the cross-entropies with p for a and M classes for k.
The workshop calls C "Mean Squared Error (MSE)" and writes 1/(2n) over its n samples: that is
"quadratic" here, not "mse". (Here m counts the examples, and n a layer's units.)

On probabilities the cross-entropies clip a to [eps, 1-eps], eps = 1e-7, exactly as Keras does
(so log never sees 0), and categorical cross-entropy first renormalises each row of a to sum to 1.
Values that are not probabilities (below 0 or above 1, or a row of zeros for categorical cross-entropy),
which Keras would clip or divide by without a word, are refused by `forward` and `backward`.
With `from_logits=True`, y_pred holds the pre-activations z and the loss is computed in the
stable fused form (no clipping needed). Only the cross-entropies have that form: mse and quadratic
compare the outputs themselves and refuse from_logits=True, as Keras' MeanSquaredError has no such
argument. `Network` switches to the fused form by itself when a sigmoid/softmax output meets its
cross-entropy -- as Keras does -- and takes dL/dz from `logits_gradient(y, z, a)`, reusing the output
a = g(z) its forward pass already computed. Any other output with a cross-entropy is refused there
(`scratch.pairing`: what Keras would compute instead).
"""

from __future__ import annotations

import numpy as np

from scratch.activations import Sigmoid, Softmax
from scratch.checks import as_float_array, flag, float_dtype, lookup, one_hot_hint

EPSILON = 1e-7  # keras.config.epsilon()


class Loss:
    """Base class. Subclasses implement `_forward` / `_backward` on checked arrays."""

    name = "loss"
    has_logits_form = False     # only the cross-entropies can take the logits z in place of a

    def __init__(self, from_logits: bool = False):
        self.from_logits = flag("from_logits", from_logits)    # bool("no") and bool(nan) would be True
        if self.from_logits and not self.has_logits_form:
            raise ValueError(no_logits_form(self.name))

    def forward(self, y_true, y_pred) -> float:
        y, a = self._check(y_true, y_pred)
        self._check_predictions(a)
        return float(self._forward(y, a))

    def backward(self, y_true, y_pred) -> np.ndarray:
        y, a = self._check(y_true, y_pred)
        self._check_predictions(a)
        return self._backward(y, a)

    __call__ = forward

    # -- input checks shared by every loss ---------------------------------------------------
    def _check(self, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
        a = as_float_array(y_pred, "y_pred")
        float_dtype(a.dtype, "y_pred's dtype")
        y = as_float_array(y_true, "y_true", a.dtype, into="y_pred's")
        if a.ndim != 2:
            raise ValueError(f"{self.name}: y_pred must be 2-D (batch, outputs), got shape {a.shape}")
        if a.shape[0] == 0:
            raise ValueError(f"{self.name}: empty batch (y_pred has 0 rows)")
        if a.shape[1] == 0:
            raise ValueError(f"{self.name}: y_pred has 0 outputs (shape {a.shape}): there is nothing to average")
        # Keras reshapes targets of shape (m,) against predictions (m, 1); NumPy would broadcast
        # them to (m, m) and silently compute the wrong loss. Reshape explicitly, reject the rest.
        if y.ndim == 1 and a.shape[1] == 1 and y.shape[0] == a.shape[0]:
            y = y.reshape(-1, 1)                                # (m, 1)
        if y.shape != a.shape:
            raise ValueError(f"{self.name}: y_true shape {y.shape} does not match y_pred shape {a.shape}"
                             + one_hot_hint(y_true, y, *a.shape, code="y_true"))
        self._check_targets(y)
        return y, a

    def _check_targets(self, y: np.ndarray) -> None:
        pass

    def _check_predictions(self, a: np.ndarray) -> None:
        """Only `forward` and `backward` ask: `Network` and `fit` call `_check` and `_forward` themselves, and
        their y_pred comes from their own sigmoid or softmax, so they skip this scan of every batch."""

    def __repr__(self) -> str:
        return f"losses.get({self.name!r}, from_logits={self.from_logits})"


class MeanSquaredError(Loss):
    """Keras' MSE: L = mean_i mean_j (y_ij - a_ij)^2,  dL/da = 2 (a - y) / (m k)."""

    name = "mse"

    def _forward(self, y, a):
        return np.mean(np.mean((y - a) ** 2, axis=-1))

    def _backward(self, y, a):
        m, k = a.shape
        return 2 * (a - y) / (m * k)                            # (m, k)


class Quadratic(Loss):
    """The tutorials' quadratic cost: C = 1/(2m) sum_i ||y_i - a_i||^2,  dC/da = (a - y) / m."""

    name = "quadratic"

    def _forward(self, y, a):
        return 0.5 * np.sum((y - a) ** 2) / a.shape[0]

    def _backward(self, y, a):
        return (a - y) / a.shape[0]                             # (m, k)


class BinaryCrossentropy(Loss):
    """L = -mean_i mean_j [y log a + (1 - y) log(1 - a)] for labels y in {0, 1}.

    From logits z (a = sigmoid(z)), the same loss without any log(0):
        L = mean [max(z, 0) - z y + log(1 + exp(-|z|))],   dL/dz = (sigmoid(z) - y) / (m k)
    """

    name = "binary_crossentropy"
    has_logits_form = True

    def _check_targets(self, y):
        bad = (y != 0) & (y != 1)
        if bad.any():
            raise ValueError(
                f"binary_crossentropy: labels must be 0 or 1, found {np.unique(y[bad])[:5].tolist()}"
            )

    def _check_predictions(self, a):
        if not self.from_logits:
            _check_probabilities(self.name, a, "sigmoid")

    def _forward(self, y, a):
        if self.from_logits:
            z = a
            with np.errstate(under="ignore"):                  # exp(-|z|) rounds to 0 far out: right, no error
                per_entry = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))     # (m, k)
        else:
            p = _clip(a)
            per_entry = -(y * np.log(p) + (1 - y) * np.log(1 - p))                  # (m, k)
        return np.mean(np.mean(per_entry, axis=-1))

    def _backward(self, y, a):
        m, k = a.shape
        if self.from_logits:
            z = a                                               # y_pred holds the logits
            return self.logits_gradient(y, z, Sigmoid().forward(z))   # (m, k)
        p = _clip(a)
        inside = _inside_clip(a)                                # clipped entries pass no gradient
        return inside * (-y / p + (1 - y) / (1 - p)) / (m * k)  # (m, k)

    @staticmethod
    def logits_gradient(y: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """dL/dz = (a - y) / (m k) from a = sigmoid(z) already computed (the forward pass keeps it).

        Where z > 0, a - y is computed as (1 - y) - sigmoid(-z): a rounds to exactly 1 from z = 37.6376 on in
        float64 (z = 17.0082 in float32), and a - 1 would be 0 where the gradient is -e^-z (as TensorFlow's tape
        of the logits loss gives it)."""
        m, k = a.shape
        a_minus_y = np.where(z > 0, (1 - y) - Sigmoid().forward(-z), a - y)   # (m, k)
        return a_minus_y / (m * k)                              # (m, k)


class CategoricalCrossentropy(Loss):
    """L = -mean_i sum_j y_ij log a_ij for target rows that are distributions (one-hot or soft).

    On probabilities Keras first renormalises, p = a / sum_j a_j, then clips p. The gradient
    goes back through both steps. From logits z (a = softmax(z)):
        L = mean_i [logsumexp(z_i) sum_j y_ij - sum_j y_ij z_ij],
        dL/dz = (softmax(z) sum_j y_ij - y) / m  =  (softmax(z) - y) / m  for distributions.
    """

    name = "categorical_crossentropy"
    has_logits_form = True

    def _check_targets(self, y):
        if (y < 0).any():
            raise ValueError(f"categorical_crossentropy: targets must be non-negative, min is {y.min()}")
        row_sums = y.sum(axis=-1)
        bad = ~np.isclose(row_sums, 1, rtol=0, atol=1e-6)
        if bad.any():
            raise ValueError(
                "categorical_crossentropy: each target row must be one-hot or sum to 1; "
                f"row {int(np.argmax(bad))} sums to {row_sums[bad][0]:g}"
            )

    def _check_predictions(self, a):
        if self.from_logits:
            return
        _check_probabilities(self.name, a, "softmax")
        empty = a.sum(axis=-1) == 0
        if empty.any():
            raise ValueError(f"categorical_crossentropy: row {int(np.argmax(empty))} of y_pred sums to 0, so it "
                             "cannot be divided by its sum into a distribution (Keras would give NaN)")

    def _forward(self, y, a):
        if self.from_logits:
            z = a                                               # y_pred holds the logits
            z_shift = z - z.max(axis=-1, keepdims=True)         # (m, k)
            with np.errstate(under="ignore"):                  # exp(z - max) rounds to 0 far out: right, no error
                log_softmax = z_shift - np.log(np.exp(z_shift).sum(axis=-1, keepdims=True))   # (m, k)
            return np.mean(-np.sum(y * log_softmax, axis=-1))
        p = _clip(a / a.sum(axis=-1, keepdims=True))            # (m, k) renormalised, then clipped
        return np.mean(-np.sum(y * np.log(p), axis=-1))

    def _backward(self, y, a):
        m = a.shape[0]
        if self.from_logits:
            z = a                                               # y_pred holds the logits
            return self.logits_gradient(y, z, Softmax().forward(z))   # (m, k)
        s = a.sum(axis=-1, keepdims=True)                       # (m, 1)
        p_raw = a / s                                           # (m, k) renormalised
        grad_p = -y / _clip(p_raw) * _inside_clip(p_raw)        # (m, k) dL_i/dp
        # back through p = a / s:  dL/da_k = (grad_p_k - sum_j grad_p_j p_j) / s
        grad_a = (grad_p - (grad_p * p_raw).sum(axis=-1, keepdims=True)) / s   # (m, k)
        return grad_a / m                                       # (m, k)

    @staticmethod
    def logits_gradient(y: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """dL/dz = (a sum_j y_ij - y) / m from a = softmax(z) already computed (the forward pass keeps it).
        z is not needed: where a rounds to exactly y, TensorFlow's softmax_cross_entropy_with_logits gives 0 too."""
        return (a * y.sum(axis=-1, keepdims=True) - y) / a.shape[0]   # (m, k)


def no_logits_form(name: str) -> str:
    """Why from_logits=True cannot go with the loss `name` (mse, quadratic): there is no z in it to take."""
    return (f"from_logits=True applies to the cross-entropies only: {name} compares the outputs themselves, like "
            "Keras' MeanSquaredError, which takes no from_logits. Leave from_logits out; to compare the "
            "pre-activations z, make the output layer linear.")


def _check_probabilities(name: str, a: np.ndarray, activation: str) -> None:
    """y_pred of a cross-entropy on probabilities must lie in [0, 1]. Keras would clip anything else to
    [1e-7, 1 - 1e-7] without a word (or divide by 0), a number that is not the loss of anything."""
    outside = (a < 0) | (a > 1)
    if outside.any():
        where = tuple(np.argwhere(outside)[0].tolist())
        raise ValueError(f"{name}: y_pred must be probabilities in [0, 1], but y_pred[{', '.join(map(str, where))}]"
                         f" is {float(a[where]):g}; if y_pred holds logits (the values before {activation}), "
                         f"use losses.get({name!r}, from_logits=True)")


def _clip(p: np.ndarray) -> np.ndarray:
    # Bounds in p's own dtype: in float32, 1 - 1e-7 rounds to 0.99999988, as in Keras.
    eps = np.asarray(EPSILON, dtype=p.dtype)
    return np.clip(p, eps, np.asarray(1.0 - EPSILON, dtype=p.dtype))


def _inside_clip(p: np.ndarray) -> np.ndarray:
    """1 where clip(p) passes p through (bounds included, as tf.clip_by_value's gradient), else 0."""
    eps = np.asarray(EPSILON, dtype=p.dtype)
    return ((p >= eps) & (p <= np.asarray(1.0 - EPSILON, dtype=p.dtype))).astype(p.dtype)


_REGISTRY: dict[str, type[Loss]] = {
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "quadratic": Quadratic,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
}


def get(identifier: str | Loss, from_logits: bool = False) -> Loss:
    """Look a loss up by name ("mse", "quadratic", "binary_crossentropy", ...), or pass a Loss through."""
    if isinstance(identifier, Loss):
        # the object decides; from_logits=True must be what it already is
        if flag("from_logits", from_logits) and not identifier.from_logits:
            if not identifier.has_logits_form:
                raise ValueError(no_logits_form(identifier.name))
            raise ValueError(f"from_logits=True was given with {identifier!r}, a loss on probabilities: make it with "
                             f"losses.get({identifier.name!r}, from_logits=True)")
        return identifier
    return lookup(identifier, _REGISTRY, "loss", Loss)(from_logits=from_logits)
