"""A fully connected (dense) layer: forward pass and the layer's share of backpropagation.

The tutorials write one example as a column vector:  z^l = w^l a^{l-1} + b^l,  a^l = g(z^l),
with w^l of shape (n_out, n_in). Here a whole mini-batch is stored row by row, as in Keras:

    z = a_prev @ W + b          a_prev (m, n_in), W (n_in, n_out), b (n_out,), z (m, n_out)
    a = g(z)                    (m, n_out)

so W is the tutorials' w transposed, and one matrix product handles all m examples at once.
The cost C is the mean over those m examples, so delta = dC/dz (m, n_out) already carries the 1/m, and
BP3 and BP4 add up the rows: the tutorials' one-example dC/db = delta becomes delta.sum(axis=0).
A kernel_regularizer adds a penalty R(W) to the loss and its gradient dR/dW to grad_W (BPr, see
`scratch.regularizers`); W starts as its kernel_initializer draws it (`scratch.initializers`).
"""

from __future__ import annotations

import numpy as np

from scratch import activations, initializers, regularizers
from scratch.activations import Activation
from scratch.checks import UNDERFLOW_IS_ROUNDING, a_prev_of_numbers, cast, float_dtype, generator


class Dense:
    """Fully connected layer:  z = a_prev @ W + b,  a = g(z).

    Shapes: a_prev (m, n_in), W (n_in, n_out), b (n_out,), z and a (m, n_out).
    W and b use Keras' kernel/bias layout, so weights copy across without a transpose.
    W is drawn by `kernel_initializer` (Keras' default "glorot_uniform": U(-r, r) with
    r = sqrt(6 / (n_in + n_out)); the others in `scratch.initializers`), b = 0. Pass `seed` for a
    reproducible W. `kernel_regularizer` (`scratch.regularizers`: L1, L2, L1L2 or Keras' name) adds
    its penalty R(W) to the loss (`penalty()`) and dR/dW to grad_W.

    After `backward`, the layer keeps what backpropagation computed, for inspection:
    `delta` = dC/dz (m, n_out), `grad_W` (n_in, n_out), `grad_b` (n_out,).
    """

    def __init__(self, n_in: int, n_out: int, activation: str | Activation | None = "linear", *,
                 kernel_initializer: str | initializers.VarianceScaling | initializers.Zeros = "glorot_uniform",
                 kernel_regularizer: str | regularizers.L1L2 | None = None,
                 seed: int | np.random.Generator | None = None, dtype: str | np.dtype = "float64"):
        for label, n in (("n_in", n_in), ("n_out", n_out)):
            if isinstance(n, bool) or not isinstance(n, int | np.integer):
                raise TypeError(f"Dense {label} must be an int, got {type(n).__name__}")
            if n < 1:
                raise ValueError(f"Dense {label} must be at least 1, got {n}")
        dtype = float_dtype(dtype, "Dense dtype")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.g = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        rng = generator(seed, "Dense seed")
        self.W = self.kernel_initializer(self.n_in, self.n_out, rng, dtype)   # (n_in, n_out)
        self.b = np.zeros(n_out, dtype=dtype)                               # (n_out,)
        self.a_prev = self.z = self.a = None
        self.delta = self.grad_W = self.grad_b = None

    @property
    def activation(self) -> Activation:
        return self.g

    @property
    def dtype(self) -> np.dtype:
        return self.W.dtype

    @UNDERFLOW_IS_ROUNDING                                      # as in the Network's passes (scratch.checks)
    def forward(self, a_prev: np.ndarray) -> np.ndarray:
        """z = a_prev @ W + b, a = g(z); keeps a_prev and z for the backward pass."""
        a_prev = a_prev_of_numbers(a_prev, f"Dense({self.n_in}, {self.n_out}).forward", f"(m, {self.n_in})")
        if a_prev.ndim != 2 or a_prev.shape[1] != self.n_in:
            raise ValueError(f"Dense({self.n_in}, {self.n_out}) expects input of shape (m, {self.n_in}), "
                             f"got {a_prev.shape}")
        if a_prev.dtype != self.dtype:      # as Keras casts a Dense layer's inputs: z, a, the gradients in W's dtype
            a_prev = cast(a_prev, self.dtype, "a_prev", "the layer's")      # (m, n_in)  (a Network's X is cast already)
        self.a_prev = a_prev                                    # (m, n_in)
        self.z = a_prev @ self.W                                # (m, n_out)
        self.z += self.b                                        # (m, n_out)  + b in place: no second (m, n_out) array
        self.a = self.g.forward(self.z)                         # (m, n_out)
        return self.a

    @UNDERFLOW_IS_ROUNDING
    def backward(self, grad_a: np.ndarray, grad_input: bool = True) -> np.ndarray | None:
        """From dC/da of this layer, compute delta, the gradients, and dC/da of the layer below."""
        self._check_forward_pass("backward")
        delta = self.g.backward(self.z, grad_a)                 # (m, n_out)   BP1 / BP2: delta = dC/da * g'(z)
        return self.backward_from_delta(delta, grad_input)

    @UNDERFLOW_IS_ROUNDING
    def backward_from_delta(self, delta: np.ndarray, grad_input: bool = True) -> np.ndarray | None:
        """The rest of backpropagation once delta = dC/dz is known (BP3, BP4, and BP2's product).

        Returns dC/da_prev, or None with grad_input=False: the network's first layer passes that,
        because nothing below it needs dC/dX, and skipping the product saves a third of its matmuls.
        """
        self._check_forward_pass("backward_from_delta")
        if np.shape(delta) != self.z.shape:                     # a_prev.T @ delta would fail in NumPy, or not at all
            raise ValueError(f"Dense({self.n_in}, {self.n_out}).backward_from_delta: delta must have shape "
                             f"{self.z.shape}, z's in the last forward pass, got {np.shape(delta)}")
        self.delta = delta                                      # (m, n_out)
        self.grad_W = self.a_prev.T @ delta                     # (n_in, n_out)  BP4: dC/dW = a_prev^T delta
        if self.kernel_regularizer is not None:                 # BPr: the penalty's share, dR/dW
            self.grad_W += self.kernel_regularizer.gradient(self.W)             # (n_in, n_out)
        self.grad_b = delta.sum(axis=0)                         # (n_out,)       BP3: dC/db = sum over batch of delta
        if not grad_input:
            return None
        return delta @ self.W.T                                 # (m, n_in)      feeds BP2 of the layer below

    def _check_forward_pass(self, step: str) -> None:
        """Backpropagation reuses the last forward pass's a_prev and z: without one there is nothing to go back to."""
        if self.z is None:
            raise ValueError(f"Dense({self.n_in}, {self.n_out}).{step} needs a forward pass first (it reuses that "
                             "pass's a_prev and z): call forward(a_prev), then backward")

    def penalty(self) -> np.floating:
        """R(W) of the kernel_regularizer (0 without one), in W's dtype: this layer's share of the loss."""
        return self.W.dtype.type(0) if self.kernel_regularizer is None else self.kernel_regularizer.penalty(self.W)

    def get_weights(self) -> list[np.ndarray]:
        return [self.W, self.b]

    def __repr__(self) -> str:
        options = "" if self.kernel_initializer.name == "glorot_uniform" else \
            f", kernel_initializer={self.kernel_initializer.name!r}"
        options += "" if self.kernel_regularizer is None else f", kernel_regularizer={self.kernel_regularizer!r}"
        return f"Dense({self.n_in}, {self.n_out}, activation={self.g.name!r}{options}, dtype={self.dtype})"
