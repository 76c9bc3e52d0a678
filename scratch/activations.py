"""Activation functions g(z) and their backward passes.

Every activation has two methods:

    forward(z)          -> a = g(z)                     z, a: (m, n)
    backward(z, grad_a) -> grad_z = grad_a . dg/dz      a vector-Jacobian product, (m, n)

For the elementwise functions the Jacobian is diagonal, so the product is simply
grad_a * g'(z) -- the tutorials' Hadamard product in BP1/BP2. Softmax mixes the entries of
a row, so its backward pass is a real Jacobian product (see `Softmax.backward`).

Names follow Keras ("linear", "sigmoid", "tanh", "relu", "softmax"), plus the perceptron's
"step", which Keras does not have.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import elementwise, lookup


class Activation:
    """Base class: an activation is a pair of functions, forward and backward."""

    name: str = "activation"

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """g'(z) elementwise (defined for the elementwise activations only)."""
        raise NotImplementedError(f"{self.name} has no elementwise derivative")

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)

    def __repr__(self) -> str:
        return f"activations.get({self.name!r})"


class Elementwise(Activation):
    """a_j = g(z_j): the Jacobian is diagonal, so grad_z = grad_a * g'(z)."""

    def backward(self, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        z, grad_a = _check_backward_inputs(z, grad_a)
        return grad_a * self.derivative(z)                      # (m, n)


class Linear(Elementwise):
    """g(z) = z,  g'(z) = 1.  The identity: a regression output."""

    name = "linear"

    def forward(self, z):
        z = _check_array(z, "z")
        return z

    def derivative(self, z):
        z = _check_array(z, "z")
        return np.ones_like(z)


class Step(Elementwise):
    """g(z) = 1 if z > 0 else 0 (the perceptron's threshold).

    Its derivative is 0 wherever it exists (everywhere but z = 0, where it is undefined);
    we return 0 there too. A gradient of zero everywhere means gradient descent cannot
    learn through a step: that is why networks use sigmoid, tanh or ReLU instead.
    The tie z = 0 maps to 0, the same convention as `scratch.perceptron`.
    """

    name = "step"

    def forward(self, z):
        z = _check_array(z, "z")
        return (z > 0).astype(z.dtype)

    def derivative(self, z):
        z = _check_array(z, "z")
        return np.zeros_like(z)


class Sigmoid(Elementwise):
    """g(z) = 1 / (1 + exp(-z)),  g'(z) = g(z) (1 - g(z)).

    Computed as exp(-log(1 + exp(-z))) with `logaddexp`, which never overflows:
    a naive exp(-z) overflows for z < -709.78 in float64 (and warns).
    """

    name = "sigmoid"

    def forward(self, z):
        z = _check_array(z, "z")
        # far out (|z| > 745 in float64, 104 in float32) exp(-|z|) rounds to 0 -- the right answer, so no error
        # even under a caller's np.seterr(under="raise")
        with np.errstate(under="ignore"):
            return np.exp(-np.logaddexp(0, -z))

    def derivative(self, z):
        a = self.forward(z)
        return a * (1 - a)


class Tanh(Elementwise):
    """g(z) = tanh(z),  g'(z) = 1 - tanh(z)^2."""

    name = "tanh"

    def forward(self, z):
        z = _check_array(z, "z")
        return np.tanh(z)

    def derivative(self, z):
        z = _check_array(z, "z")
        return 1 - np.tanh(z) ** 2


class ReLU(Elementwise):
    """g(z) = max(0, z),  g'(z) = 1 if z > 0 else 0 (at the kink z = 0 we use 0, as TF does)."""

    name = "relu"

    def forward(self, z):
        z = _check_array(z, "z")
        return np.maximum(z, 0)

    def derivative(self, z):
        z = _check_array(z, "z")
        return (z > 0).astype(z.dtype)


class Softmax(Activation):
    """a_j = exp(z_j) / sum_k exp(z_k) over each row.

    Forward subtracts the row maximum first: softmax(z) = softmax(z - c) for any c, and with
    c = max_k z_k no exp overflows. The Jacobian da_j/dz_k = a_j ([j = k] - a_k), where [j = k] is 1
    on the diagonal and 0 elsewhere (the Kronecker delta, often written delta_jk: not backprop's
    delta = dC/dz), is not diagonal, so backward computes the vector-Jacobian product without building it:

        grad_z = a * (grad_a - sum_k grad_a_k a_k)          (per row)
    """

    name = "softmax"

    def forward(self, z):
        z = _check_array(z, "z")
        if z.ndim < 1 or z.shape[-1] == 0:
            raise ValueError(f"softmax needs at least one unit on the last axis, got shape {z.shape}")
        # z - max is <= 0, so no exp overflows; only the subtraction can, for finite logits more than the dtype's
        # largest number apart: it gives -inf there, whose exp is the right 0, so that overflow is no error; nor is
        # an exp that rounds to 0 (z - max < -745 in float64), even under a caller's np.seterr(under="raise").
        with np.errstate(over="ignore", under="ignore"):
            e = np.exp(z - z.max(axis=-1, keepdims=True))      # (m, n), every entry in [0, 1]
        return e / e.sum(axis=-1, keepdims=True)                # (m, n)

    def backward(self, z, grad_a):
        z, grad_a = _check_backward_inputs(z, grad_a)
        a = self.forward(z)                                     # (m, n)
        return a * (grad_a - (grad_a * a).sum(axis=-1, keepdims=True))   # (m, n)


_REGISTRY: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, Step, Sigmoid, Tanh, ReLU, Softmax)
}


def get(identifier: str | Activation | None) -> Activation:
    """Look an activation up by its Keras name ("relu"), or pass an Activation through.

    None means "linear", as in Keras' Dense.
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, Activation):
        return identifier
    return lookup(identifier, _REGISTRY, "activation", Activation)()


def _check_array(x: object, name: str) -> np.ndarray:
    """`x` as floats if it is a NumPy array of numbers, or one TypeError saying so. Only the type and the dtype
    are looked at: this runs for every layer on every batch, so there is no scan of the values.

    Integers become float64 (a float array passes unchanged): NumPy would compute on them in float16 for
    int8/uint8 (sigmoid(1) = 0.73095703), and wrap -z around for unsigned ones (sigmoid(uint8 5) = 0).
    An np.matrix becomes the array it holds, whose `*` is elementwise (`checks.elementwise`)."""
    x = elementwise(x, name)
    if not isinstance(x, np.ndarray | np.generic) or x.dtype.kind not in "iuf":
        got = f"a NumPy array of dtype {x.dtype}" if isinstance(x, np.ndarray | np.generic) else type(x).__name__
        raise TypeError(f"{name} must be a NumPy array of numbers, got {got}: pass np.asarray({name}, dtype=float)")
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _check_backward_inputs(z: np.ndarray, grad_a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z, grad_a = _check_array(z, "z"), _check_array(grad_a, "grad_a")
    if np.shape(z) != np.shape(grad_a):
        raise ValueError(f"backward needs grad_a shaped like z: z {np.shape(z)}, grad_a {np.shape(grad_a)}")
    return z, grad_a
