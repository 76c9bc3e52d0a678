"""Activations: forward and backward (a vector-Jacobian product) against Keras and finite differences."""

import numpy as np
import pytest
import tensorflow as tf
from conftest import FINITE_DIFFERENCE_TOLERANCE, TOLERANCE, assert_close, tf_activation

from scratch import activations
from scratch.agreement import relative_error
from scratch.gradcheck import numerical_input_gradient

SMOOTH = ["linear", "sigmoid", "tanh", "softmax"]
WITH_TF_TWIN = ["linear", "sigmoid", "tanh", "relu", "softmax"]


def tape_vjp(name, z, upstream):
    """d/dz sum(upstream * g(z)) by tf.GradientTape: the reference for backward(z, upstream)."""
    z_tf = tf.Variable(z)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(upstream * tf_activation(name)(z_tf))
    return tape.gradient(out, z_tf).numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", WITH_TF_TWIN)
def test_activation_forward_matches_keras(name, dtype, rng):
    z = (3 * rng.normal(size=(6, 5))).astype(dtype)
    a = activations.get(name).forward(z)
    assert a.dtype == dtype
    assert_close(a, tf_activation(name)(tf.constant(z)).numpy(), dtype=dtype, what=f"{name} forward")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", WITH_TF_TWIN)
def test_activation_backward_matches_tape(name, dtype, rng):
    z = (3 * rng.normal(size=(6, 5))).astype(dtype)
    upstream = rng.normal(size=(6, 5)).astype(dtype)
    grad_z = activations.get(name).backward(z, upstream)
    assert_close(grad_z, tape_vjp(name, z, upstream), dtype=dtype, what=f"{name} backward")


@pytest.mark.parametrize("name", SMOOTH + ["relu", "step"])      # step: Keras has none, the hand-worked tests beside
def test_activation_backward_matches_finite_differences(name, rng):
    z = rng.normal(size=(4, 3))
    z[np.abs(z) < 1e-3] = 0.5                                 # stay away from ReLU's kink
    upstream = rng.normal(size=(4, 3))
    g = activations.get(name)
    numeric = numerical_input_gradient(lambda x: float(np.sum(upstream * g.forward(x))), z)
    assert relative_error(g.backward(z, upstream), numeric) <= FINITE_DIFFERENCE_TOLERANCE


def test_softmax_backward_is_not_elementwise(rng):
    """Softmax's Jacobian has off-diagonal terms: grad_a * g'(z) with g' = a(1-a) would be wrong."""
    z = rng.normal(size=(3, 4))
    upstream = rng.normal(size=(3, 4))
    a = activations.get("softmax").forward(z)
    diagonal_only = upstream * a * (1 - a)
    assert relative_error(activations.get("softmax").backward(z, upstream), diagonal_only) > 1e-2


def test_step_by_hand():
    """Step: 1 above 0, 0 at and below 0 (the perceptron's tie convention); gradient 0 everywhere."""
    z = np.array([[-2.0, 0.0, 1e-12, 3.0]])
    step = activations.get("step")
    np.testing.assert_array_equal(step.forward(z), [[0.0, 0.0, 1.0, 1.0]])
    np.testing.assert_array_equal(step.backward(z, np.ones_like(z)), np.zeros_like(z))


@pytest.mark.parametrize("z0", [0.0, -0.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_step_at_zero_is_0_with_derivative_0_like_the_perceptrons_tie(z0, dtype):
    """step(0) = 0 and step'(0) = 0 (undefined there; 0 by convention), in every dtype, and a perceptron whose
    w . x + b is exactly 0 predicts the same 0."""
    from scratch.perceptron import Perceptron

    step = activations.get("step")
    z = np.array([[z0, -1.0, 1.0]]).astype(dtype)
    a = step.forward(z)
    assert a.dtype == (np.float64 if dtype == np.int64 else dtype)
    np.testing.assert_array_equal(a, [[0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(step.derivative(z), [[0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(step.backward(z, np.full(z.shape, 7.0, dtype=a.dtype)), [[0.0, 0.0, 0.0]])
    p = Perceptron().fit([[1.0, 0.0], [0.0, 1.0]], [1, 0])      # w = (1, -1), b = 0 (traced: both points missed once)
    assert (p.weights.tolist(), p.bias) == ([1.0, -1.0], 0.0)
    np.testing.assert_array_equal(p.predict([[2.0, 2.0]]), [0])  # w . x + b = 0 exactly: a tie


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softmax", "relu"])
def test_activation_extreme_inputs_are_finite_and_match_keras(name, dtype):
    """z = +/-1000 saturates everything: results stay finite, equal Keras', and warn about nothing. Equal entry by
    entry: sigmoid(-30) = 9.4e-14 is a gap of 1e-13 next to sigmoid(30) = 1, inside assert_close's tolerance however
    wrong it is, so the forward pass is compared relative to each entry (1 - sigmoid(-z), exact in theory, rounds
    it to 9.3592e-14, 1.7e-4 off, in float64 and to 0 in float32)."""
    z = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]], dtype=dtype)
    upstream = np.ones_like(z)
    g = activations.get(name)
    a = g.forward(z)
    assert np.isfinite(a).all()
    a_keras = tf_activation(name)(tf.constant(z)).numpy()
    np.testing.assert_allclose(a, a_keras, rtol=TOLERANCE[np.dtype(dtype)], atol=0, err_msg=f"{name}(+/-1000)")
    assert_close(g.backward(z, upstream), tape_vjp(name, z, upstream), dtype=dtype,
                 what=f"{name} backward at +/-1000")


def test_sigmoid_values_by_hand():
    a = activations.get("sigmoid").forward(np.array([[0.0, np.log(3.0), -np.log(3.0)]]))
    np.testing.assert_allclose(a, [[0.5, 0.75, 0.25]], rtol=1e-15)


def test_unknown_activation_name_is_named_in_the_error():
    with pytest.raises(ValueError, match="unknown activation 'sigmod'.*sigmoid"):
        activations.get("sigmod")
    with pytest.raises(TypeError, match="activation must be a name"):
        activations.get(3)


def test_backward_rejects_mismatched_upstream_shape():
    with pytest.raises(ValueError, match=r"z \(2, 3\), grad_a \(3, 2\)"):
        activations.get("tanh").backward(np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize("name", ["linear", "step", "sigmoid", "tanh", "relu", "softmax"])
@pytest.mark.parametrize("z, got", [([[1.0, -1.0]], "list"),
                                    (np.array([[True, False]]), "a NumPy array of dtype bool")])
def test_forward_and_backward_on_a_list_or_bool_array_name_z_or_grad_a(name, z, got):
    """A list gave "bad operand type for unary -: 'list'" (softmax an AttributeError); a bool array other raw
    NumPy errors. One TypeError says which argument and how to pass it."""
    g = activations.get(name)
    fix = r": pass np\.asarray\({}, dtype=float\)"
    with pytest.raises(TypeError, match=f"z must be a NumPy array of numbers, got {got}" + fix.format("z")):
        g.forward(z)
    with pytest.raises(TypeError, match=f"z must be a NumPy array of numbers, got {got}" + fix.format("z")):
        g.backward(z, np.ones((1, 2)))
    with pytest.raises(TypeError, match=f"grad_a must be a NumPy array of numbers, got {got}" + fix.format("grad_a")):
        g.backward(np.ones((1, 2)), z)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["sigmoid", "softmax"])
def test_saturated_activations_raise_nothing_under_a_learners_seterr_all_raise(name, dtype):
    """np.seterr(all="raise") in a notebook makes underflow an error; exp(-1000) rounding to 0 is the right
    answer (Keras gives it too), not a FloatingPointError from inside the activation."""
    z = np.array([[-1000.0, 0.0, 1000.0]], dtype=dtype)
    g = activations.get(name)
    with np.errstate(all="raise"):
        a, grad_z = g.forward(z), g.backward(z, np.ones_like(z))
    np.testing.assert_array_equal(a, g.forward(z))
    assert np.isfinite(grad_z).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_of_finite_logits_farther_apart_than_the_dtype_holds_warns_nothing(dtype):
    """z - max(z) of a row holding +/-0.9 x the dtype's largest number is below -max: -inf, so exp gives 0 (right),
    but the subtraction must not raise an overflow RuntimeWarning (warnings are errors, as in `make test`)."""
    big = 0.9 * np.finfo(dtype).max
    z = np.array([[big, -big, 0.0]], dtype=dtype)
    softmax = activations.get("softmax")
    np.testing.assert_array_equal(softmax.forward(z), [[1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(softmax.backward(z, np.ones_like(z)), [[0.0, 0.0, 0.0]])


@pytest.mark.parametrize("name", WITH_TF_TWIN)
@pytest.mark.parametrize("int_dtype", [np.uint8, np.int8, np.uint16, np.int64])
def test_integer_inputs_give_the_float64_answer(name, int_dtype):
    """Integers are computed as float64. NumPy computes int8/uint8 in float16 (sigmoid(1) was 0.73095703), and
    -z of an unsigned array wraps around: sigmoid(uint8 5) was 0, softmax([0, 5]) of uint8 was [nan, 0]."""
    g = activations.get(name)
    z = np.array([[0, 1, 5]], dtype=int_dtype)
    grad_a = np.array([[1, 2, 3]], dtype=int_dtype)
    expected = g.forward(z.astype(np.float64))
    np.testing.assert_array_equal(g.forward(z), expected)
    assert g.forward(z).dtype == np.float64
    np.testing.assert_array_equal(g.backward(z, grad_a), g.backward(z.astype(np.float64), grad_a.astype(np.float64)))


@pytest.mark.parametrize("name", ["linear", "step", "sigmoid", "tanh", "relu"])
def test_the_derivative_of_integer_z_is_the_float64_derivative(name):
    # derivative(z) is public (the elementwise g'): tanh's of uint8 was computed in float16, linear's was int ones
    g = activations.get(name)
    z = np.array([[0, 1, 5]], dtype=np.uint8)
    assert g.derivative(z).dtype == np.float64
    np.testing.assert_array_equal(g.derivative(z), g.derivative(z.astype(np.float64)))
