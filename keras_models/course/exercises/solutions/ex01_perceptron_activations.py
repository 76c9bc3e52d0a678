# %% [markdown]
# # Exercise 1 -- a perceptron, three activations, a one-layer network
#
# The workshop text closes its perceptron and activation sections with three small exercises.
# Here they are, graded. NumPy only.
#
# 1. `Perceptron1D(weight, bias).run(x)`: one weight, one bias, one input: `w x + b`.
# 2. `Perceptron(W, b)`: many inputs and outputs. `run(x)` returns the weighted sum
#    `z = x @ W + b`; `predict(x)` returns the perceptron's decision, 1 where z > 0, else 0
#    (a tie z = 0 gives 0, the convention of `scratch/perceptron.py`).
# 3. `Sigmoid.fn`, `Tanh.fn`, `ReLU.fn`: g(z) for a number or an array of any shape.
#        sigmoid(z) = 1 / (1 + e^-z)     tanh(z) = (e^z - e^-z) / (e^z + e^-z)     relu(z) = max(0, z)
#    They must stay finite and warning-free for any float, z = -1000 included: e^1000 overflows.
#    They must not change the array they are given.
# 4. `NeuralNetwork(W, b, activation).run(x)`: feed the perceptron's weighted sum through the
#    activation, `a = g(x @ W + b)` -- a one-layer neural network.
#
# **Shapes.** Row-major, like Keras: a batch `x` holds one example per row, (m, n_in);
# `W` is (n_in, n_out), `b` is (n_out,), so `z` is (m, n_out). A single example x of shape
# (n_in,) gives z of shape (n_out,). (The workshop writes one example as a column, `w^T x + b`.)
#
# **Data.** None: the grader feeds random arrays and compares with formulas it computes itself.
#
# **Grade it:** `make exercises ONLY=ex01`

# %%
from __future__ import annotations

import numpy as np

# %% [markdown]
# ## 1. A one-dimensional perceptron

# %%
class Perceptron1D:
    """A single weight and bias: run(x) = weight * x + bias, elementwise for an array x."""

    def __init__(self, weight: float, bias: float) -> None:
        self.weight = weight
        self.bias = bias

    def run(self, x):
        # TODO: return the weighted input plus the bias
        ### BEGIN SOLUTION
        return self.weight * np.asarray(x, dtype=float) + self.bias
        ### END SOLUTION


# %% [markdown]
# ## 2. A perceptron with a weight matrix

# %%
class Perceptron:
    """z = x @ W + b.   W (n_in, n_out), b (n_out,); x (m, n_in) -> z (m, n_out), x (n_in,) -> z (n_out,)."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=float)     # (n_in, n_out)
        self.bias = np.asarray(bias, dtype=float)           # (n_out,)

    def run(self, x: np.ndarray) -> np.ndarray:
        """The weighted sum z. A mismatched number of inputs must raise ValueError."""
        # TODO: the weighted sum of the inputs plus the bias, for one example or a batch
        ### BEGIN SOLUTION
        return np.asarray(x, dtype=float) @ self.weights + self.bias     # (m, n_out)
        ### END SOLUTION

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The decision: 1 where z > 0, else 0, as integers, same shape as z."""
        # TODO: threshold the weighted sum
        ### BEGIN SOLUTION
        return (self.run(x) > 0).astype(int)
        ### END SOLUTION


# %% [markdown]
# ## 3. Activation functions
#
# `fn` is a static method, as in the workshop's `class Sigmoid(): def fn(x)`: call it on the
# class, `Sigmoid.fn(z)`, or on an instance.

# %%
class Sigmoid:
    @staticmethod
    def fn(z):
        """1 / (1 + e^-z), without overflow for large |z|."""
        # TODO: the logistic sigmoid. Hint: for z < 0, e^-z is huge; rewrite the formula so that
        #       only e^-|z| is ever computed.
        ### BEGIN SOLUTION
        z = np.asarray(z, dtype=float)
        e = np.exp(-np.abs(z))                               # in (0, 1]: never overflows
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        ### END SOLUTION


class Tanh:
    @staticmethod
    def fn(z):
        """(e^z - e^-z) / (e^z + e^-z), finite for every z."""
        # TODO: the hyperbolic tangent
        ### BEGIN SOLUTION
        return np.tanh(np.asarray(z, dtype=float))
        ### END SOLUTION


class ReLU:
    @staticmethod
    def fn(z):
        """max(0, z) elementwise, returning a new array."""
        # TODO: the rectified linear unit (do not modify z in place)
        ### BEGIN SOLUTION
        return np.maximum(np.asarray(z, dtype=float), 0.0)
        ### END SOLUTION


# %% [markdown]
# ## 4. A one-layer neural network
#
# The network holds its perceptron in `self.layers` and its activation in
# `self.activation_function`, as in the workshop's sketch. `run` feeds one into the other.

# %%
class NeuralNetwork:
    """a = g(x @ W + b): a Perceptron's weighted sum through an activation g with a `fn`."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, activation) -> None:
        self.layers = [Perceptron(weights, bias)]
        self.activation_function = activation

    def run(self, x: np.ndarray) -> np.ndarray:
        # TODO: run the perceptron, then the activation function on its output
        ### BEGIN SOLUTION
        z = self.layers[0].run(x)                            # (m, n_out)
        return self.activation_function.fn(z)                # (m, n_out)
        ### END SOLUTION


# %% [markdown]
# ## Try it

# %% tags=["raises-exception"]
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))                              # 4 examples, 3 inputs
    W, b = rng.normal(size=(3, 2)), np.zeros(2)              # 2 outputs
    print("1-D perceptron, w=2, b=-1, x=3:", Perceptron1D(2.0, -1.0).run(3.0))
    print("z =\n", Perceptron(W, b).run(x))
    print("decisions =\n", Perceptron(W, b).predict(x))
    for activation in (Sigmoid, Tanh, ReLU):
        print(f"{activation.__name__}(z) =\n", NeuralNetwork(W, b, activation).run(x))


# %% [markdown]
# ## Grade it
#
# The same grader and the same verdict as `make exercises ONLY=ex01`, on the code you have run above
# (`make exercises` grades your saved file). Run as a script, the file grades itself here.

# %%
if __name__ == "__main__":
    from keras_models.course.exercises.grade import grade_here

    grade_here("ex01")
