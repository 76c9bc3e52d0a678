"""Grader for exercise 2: BP1-BP4 for a two-layer sigmoid network with the mean quadratic cost.

The reference is tf.GradientTape on the same network written in TensorFlow ops, in float64.
Each equation is checked on its own -- fed the tape's exact inputs (the tape's delta2 goes into
the learner's BP2, and so on) -- so a failure names the equation at fault; then `gradients`
is checked end to end on a second, differently shaped batch.
"""

from __future__ import annotations

import numpy as np

from scratch.agreement import relative_gap

from .checks import Fail, as_array, check, float32_hint, not_none

TITLE = "backpropagation: BP1-BP4"
NEEDS = ("output_error", "hidden_error", "bias_gradient", "weight_gradient", "gradients")
TOLERANCE = 1e-10
SIGMA_PRIME = "where sigma'(z) = sigma(z) (1 - sigma(z)) is positive: check the sign of each factor"


def _tape_reference(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """z1, z2 and dC/d(z1, z2, W1, b1, W2, b2) from tf.GradientTape."""
    import tensorflow as tf

    variables = {name: tf.Variable(value) for name, value in params.items()}
    with tf.GradientTape() as tape:
        z1 = tf.matmul(X, variables["W1"]) + variables["b1"]
        z2 = tf.matmul(tf.sigmoid(z1), variables["W2"]) + variables["b2"]
        C = tf.reduce_sum(tf.square(tf.sigmoid(z2) - y)) / (2.0 * X.shape[0])
    names = ["z1", "z2", "W1", "b1", "W2", "b2"]
    grads = tape.gradient(C, [z1, z2] + [variables[name] for name in names[2:]])
    reference = {f"d{name}": grad.numpy() for name, grad in zip(names, grads, strict=True)}
    reference.update(z1=z1.numpy(), z2=z2.numpy())
    return reference


SIGMA_FOR_PRIME = "it multiplies by sigma({z}), not by sigma'({z}) = sigma({z}) (1 - sigma({z}))"
Z_FOR_A = "sigma'({z}) is written {z} (1 - {z}): a (1 - a) takes the activation {a} = sigma({z}), not {z}"
PRODUCT_SHAPE = "write down the shape of each factor and make the product give this one"


def _known_slip(actual: np.ndarray, diagnoses: dict[str, np.ndarray]) -> str | None:
    """The slip in `diagnoses` (what it is: the result it gives) whose result `actual` is, if one is; else None."""
    for slip, wrong in diagnoses.items():
        if np.shape(wrong) == np.shape(actual) and relative_gap(actual, wrong) <= 1e-8:
            return slip
    return None


def _compare(actual, expected: np.ndarray, equation: str, m: int, diagnoses: dict[str, np.ndarray],
             formula: str, shape_hint: str = PRODUCT_SHAPE) -> None:
    """Check one equation; on a mismatch, name the likely slip if a known one matches. `formula` is the
    equation's own, for the hint on a wrong sign: each equation gets the tape's inputs, so the sign is its own.
    `shape_hint` follows a wrong shape: how this equation's result gets its shape (a product's, or a sum's)."""
    not_none(actual, equation)
    if np.shape(actual) != expected.shape:
        raise Fail(f"{equation} returned shape {np.shape(actual)}, expected {expected.shape}: {shape_hint}")
    given, actual = actual, as_array(actual, equation, expected.shape)
    if relative_gap(actual, expected) <= TOLERANCE:
        return
    if relative_gap(actual, m * expected) <= 1e-8:
        raise Fail(f"{equation} is m = {m} times too large: C is the mean over the batch, so a 1/m belongs in BP1")
    if relative_gap(actual, expected / m) <= 1e-8:
        raise Fail(f"{equation} is m = {m} times too small: the 1/m goes in BP1 only; BP3 and BP4 sum over "
                   "the batch")
    if relative_gap(actual, -expected) <= 1e-8:
        raise Fail(f"{equation} has the wrong sign: {formula}")
    if (slip := _known_slip(actual, diagnoses)) is not None:
        raise Fail(f"{equation}: {slip}")
    raise Fail(f"{equation} differs from tf.GradientTape's by a relative {relative_gap(actual, expected):.1e}"
               f"{float32_hint(given, relative_gap(actual, expected))}")


def _random_problem(rng: np.random.Generator, m: int, n: int, h: int, k: int):
    params = {"W1": rng.normal(size=(n, h)), "b1": rng.normal(size=h),
              "W2": rng.normal(size=(h, k)), "b2": rng.normal(size=k)}
    X = rng.normal(size=(m, n))                                          # (m, n)
    y = rng.uniform(size=(m, k))                                         # (m, k) targets in [0, 1]
    return params, X, y


def grade(module, workdir) -> str:
    rng = np.random.default_rng(2)
    m, n, h, k = 5, 3, 4, 2                                              # all different: shapes tell
    params, X, y = _random_problem(rng, m, n, h, k)
    ref = _tape_reference(params, X, y)
    a2 = 1.0 / (1.0 + np.exp(-ref["z2"]))                                # (m, k)
    a1 = 1.0 / (1.0 + np.exp(-ref["z1"]))                                # (m, h)

    _compare(module.output_error(a2.copy(), y.copy(), ref["z2"].copy()), ref["dz2"], "BP1 (output_error)", m,
             {"the factor sigma'(z2) is missing": (a2 - y) / m,
              SIGMA_FOR_PRIME.format(z="z2"): (a2 - y) / m * a2,
              Z_FOR_A.format(z="z2", a="a2"): (a2 - y) / m * ref["z2"] * (1.0 - ref["z2"]),
              f"it divides by {k}, the number of output units (a2.shape[1]): m is the number of rows, a2.shape[0]":
              ref["dz2"] * m / k,
              "it is half of delta2: C = 1/(2m) sum ||a - y||^2 has a 1/2 that the 2 of the square's derivative "
              "cancels (and m is the number of rows, a2.shape[0], not a2.size)": ref["dz2"] / 2},
             f"delta2 = (a2 - y)/m * sigma'(z2) for C = 1/(2m) sum ||a - y||^2, {SIGMA_PRIME}")
    _compare(module.hidden_error(ref["dz2"].copy(), params["W2"].copy(), ref["z1"].copy()), ref["dz1"],
             "BP2 (hidden_error)", m,
             {"the factor sigma'(z1) of the hidden layer is missing": ref["dz2"] @ params["W2"].T,
              SIGMA_FOR_PRIME.format(z="z1"): ref["dz2"] @ params["W2"].T * a1,
              Z_FOR_A.format(z="z1", a="a1"): ref["dz2"] @ params["W2"].T * ref["z1"] * (1.0 - ref["z1"])},
             f"delta1 = (delta2 @ W2.T) * sigma'(z1), {SIGMA_PRIME}")
    _compare(module.bias_gradient(ref["dz1"].copy()), ref["db1"], "BP3 (bias_gradient)", m, {},
             "dC/db = delta summed over the batch (its rows), with no minus sign",
             shape_hint="one number per unit: add up delta's rows (the examples), keeping no axis of length 1")
    _compare(module.weight_gradient(X.copy(), ref["dz1"].copy()), ref["dW1"], "BP4 (weight_gradient)", m,
             {"a_prev is the layer's input as it is (X for layer 1, an activation already): do not pass it through "
              "sigmoid again": (1.0 / (1.0 + np.exp(-X))).T @ ref["dz1"]},
             "dC/dW = a_prev.T @ delta, with no minus sign")

    params, X, y = _random_problem(rng, 7, 2, 5, 3)                      # gradients() on another shape
    ref = _tape_reference(params, X, y)
    a2 = 1.0 / (1.0 + np.exp(-ref["z2"]))                                # (7, 3)
    # BP1 again first: an m written in as 5 passes the batch above, and would be blamed on gradients() below
    _compare(module.output_error(a2.copy(), y.copy(), ref["z2"].copy()), ref["dz2"],
             "BP1 (output_error) on a batch of 7 rows", 7,
             {"it divides by 5, the first batch's m: take m from the arrays it is given (a.shape[0])":
              ref["dz2"] * 7 / 5}, f"delta2 = (a2 - y)/m * sigma'(z2), {SIGMA_PRIME}")
    grads = module.gradients(params, X, y)
    check(isinstance(grads, dict) and set(grads) == {"W1", "b1", "W2", "b2"},
          "gradients must return a dict with the keys W1, b1, W2, b2")
    slips = {"W2": {"is z1.T @ delta2: layer 2's input a_prev is the activation a1 = sigma(z1), not z1":
                    ref["z1"].T @ ref["dz2"]}}                          # BP1-BP4 right, put together wrong
    worst = 0.0
    for name in ("W1", "b1", "W2", "b2"):
        actual = as_array(grads[name], f"gradients()['{name}']", ref[f"d{name}"].shape)
        gap = relative_gap(actual, ref[f"d{name}"])
        if gap > TOLERANCE and (slip := _known_slip(actual, slips.get(name, {}))) is not None:
            raise Fail(f"gradients()['{name}'] {slip}")
        check(gap <= TOLERANCE, f"gradients()['{name}'] differs from tf.GradientTape's by a relative {gap:.1e}"
                                f"{float32_hint(grads[name], gap)}")
        worst = max(worst, gap)
    return f"BP1-BP4 and gradients() match tf.GradientTape (largest relative gap {worst:.1e})"
