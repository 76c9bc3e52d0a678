# %% [markdown]
# # Exercise 2 -- backpropagation: the four equations for a two-layer network
#
# A two-layer network with sigmoid units and the quadratic cost. The forward pass is written for
# you; write the four equations of backpropagation, one function each, and `gradients` puts them
# together.
#
# **The network.** Row-major, like Keras: one example per row.
#
#     X (m, n) --> z1 = X @ W1 + b1,  a1 = sigmoid(z1)      W1 (n, h), b1 (h,), z1 and a1 (m, h)
#              --> z2 = a1 @ W2 + b2, a2 = sigmoid(z2)      W2 (h, k), b2 (k,), z2 and a2 (m, k)
#     C = 1/(2m) * sum over the batch of ||a2 - y||^2      y (m, k)
#
# The error of a layer is delta = dC/dz, the same shape as its z.
#
# **The four equations**, as the tutorials write them for one example held as a column vector,
# with w^l of shape (n_out, n_in) and (.) the elementwise product:
#
#     BP1  delta^L = grad_a C (.) sigma'(z^L)                 error at the output
#     BP2  delta^l = ((w^(l+1))^T delta^(l+1)) (.) sigma'(z^l)  error one layer down
#     BP3  dC/db^l_j = delta^l_j
#     BP4  dC/dw^l_jk = a^(l-1)_k delta^l_j
#
# Two things change here, and they are the exercise:
# - rows, not columns: W is stored (n_in, n_out), the transpose of the tutorials' w, and a batch
#   has m rows. Work out the shape each result must have, then the product that gives it.
# - C is the *mean* over the m examples of the batch, so each example's grad_a C carries a
#   factor 1/m. Put it in BP1 and nowhere else: BP3 and BP4 then *sum* over the batch.
#
# **Data.** Random arrays for the grader, which compares each equation with tf.GradientTape.
# The demo at the bottom trains the network on XOR with your gradients.
#
# **Grade it:** `make exercises ONLY=ex02`

# %%
from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), computed from e^-|z| so that it never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


# %% [markdown]
# ## The forward pass and the cost (given)

# %%
def forward(params: dict[str, np.ndarray], X: np.ndarray) -> dict[str, np.ndarray]:
    """Every z and a of the network for the batch X (m, n); params holds W1, b1, W2, b2."""
    z1 = X @ params["W1"] + params["b1"]              # (m, h)
    a1 = sigmoid(z1)                                  # (m, h)
    z2 = a1 @ params["W2"] + params["b2"]             # (m, k)
    a2 = sigmoid(z2)                                  # (m, k)
    return {"a0": X, "z1": z1, "a1": a1, "z2": z2, "a2": a2}


def cost(a2: np.ndarray, y: np.ndarray) -> float:
    """C = 1/(2m) * sum ||a2 - y||^2."""
    m = a2.shape[0]
    return float(np.sum((a2 - y) ** 2) / (2 * m))


# %% [markdown]
# ## The four equations (your part)

# %%
def output_error(a2: np.ndarray, y: np.ndarray, z2: np.ndarray) -> np.ndarray:
    """BP1: delta2 = dC/dz2, shape (m, k)."""
    # TODO: BP1. grad_a C of the mean quadratic cost, times sigma'(z2) elementwise.
    ### BEGIN SOLUTION
    m = a2.shape[0]
    return (a2 - y) / m * sigmoid_prime(z2)           # (m, k)
    ### END SOLUTION


def hidden_error(delta2: np.ndarray, W2: np.ndarray, z1: np.ndarray) -> np.ndarray:
    """BP2: delta1 = dC/dz1 from the next layer's error delta2 (m, k) and W2 (h, k); shape (m, h)."""
    # TODO: BP2. Move delta2 back through W2, then through the hidden layer's sigmoid.
    ### BEGIN SOLUTION
    return (delta2 @ W2.T) * sigmoid_prime(z1)        # (m, h)
    ### END SOLUTION


def bias_gradient(delta: np.ndarray) -> np.ndarray:
    """BP3: dC/db for a layer whose error is delta (m, n_out); shape (n_out,)."""
    # TODO: BP3. One number per unit: add up the examples' contributions.
    ### BEGIN SOLUTION
    return delta.sum(axis=0)                          # (n_out,)
    ### END SOLUTION


def weight_gradient(a_prev: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """BP4: dC/dW for a layer with input a_prev (m, n_in) and error delta (m, n_out); shape (n_in, n_out)."""
    # TODO: BP4. Entry (i, j) pairs input i with unit j, summed over the examples.
    ### BEGIN SOLUTION
    return a_prev.T @ delta                           # (n_in, n_out)
    ### END SOLUTION


# %% [markdown]
# ## Putting them together (given)

# %%
def gradients(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """dC/dW1, dC/db1, dC/dW2, dC/db2 for the batch (X, y), each the shape of its parameter."""
    cache = forward(params, X)
    delta2 = output_error(cache["a2"], y, cache["z2"])            # (m, k)   BP1
    delta1 = hidden_error(delta2, params["W2"], cache["z1"])      # (m, h)   BP2
    return {
        "W1": weight_gradient(cache["a0"], delta1),               # (n, h)   BP4
        "b1": bias_gradient(delta1),                              # (h,)     BP3
        "W2": weight_gradient(cache["a1"], delta2),               # (h, k)   BP4
        "b2": bias_gradient(delta2),                              # (k,)     BP3
    }


# %% [markdown]
# ## Try it: learn XOR with plain gradient descent

# %% tags=["raises-exception"]
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])   # (4, 2)
    y = np.array([[0.0], [1.0], [1.0], [0.0]])                       # (4, 1)
    params = {"W1": rng.normal(size=(2, 4)), "b1": np.zeros(4), "W2": rng.normal(size=(4, 1)), "b2": np.zeros(1)}
    eta = 5.0
    for step in range(5001):
        if step % 1000 == 0:
            print(f"step {step:5d}  C = {cost(forward(params, X)['a2'], y):.5f}")
        for name, grad in gradients(params, X, y).items():
            params[name] -= eta * grad
    print("a2 =", forward(params, X)["a2"].ravel().round(3), " targets:", y.ravel())


# %% [markdown]
# ## Grade it
#
# The same grader and the same verdict as `make exercises ONLY=ex02`, on the code you have run above
# (`make exercises` grades your saved file). Run as a script, the file grades itself here.

# %%
if __name__ == "__main__":
    from keras_models.course.exercises.grade import grade_here

    grade_here("ex02")
