"""Backpropagation's four equations, each checked against tf.GradientTape on the same weights.

    BP1  delta_L  = dC/dz_L              test_bp1_output_delta_matches_tape
    BP2  delta_l  = dC/dz_l (hidden)     test_bp2_hidden_deltas_match_tape
    BP3  dC/db_l                          test_bp3_bias_gradients_match_tape
    BP4  dC/dW_l                          test_bp4_weight_gradients_match_tape

The reference forward pass is written in TF ops with Keras' activations and Keras' loss objects,
so it takes Keras' logits shortcut wherever Keras would.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import (
    FINITE_DIFFERENCE_TOLERANCE,
    assert_close,
    keras_loss,
    random_targets,
    tf_forward,
)

from keras_models.twins.bridge import to_keras
from scratch import Dense, Network, losses
from scratch.agreement import vector_relative_error
from scratch.gradcheck import network_numerical_gradients
from scratch.regularizers import L2

# (hidden activation, output activation, loss): the pairings a learner meets
CASES = [
    ("tanh", "linear", "mse"),
    ("sigmoid", "linear", "quadratic"),
    ("relu", "sigmoid", "binary_crossentropy"),       # fused: computed from logits
    ("tanh", "softmax", "categorical_crossentropy"),  # fused: computed from logits
    ("sigmoid", "sigmoid", "mse"),                    # not fused: the full chain dC/da * g'(z)
    ("relu", "softmax", "mse"),                       # softmax's non-diagonal Jacobian in BP1
    ("linear", "tanh", "quadratic"),
]
IDS = [f"{h}-{o}-{loss}" for h, o, loss in CASES]


def build(hidden, output, dtype=np.float64, sizes=(4, 5, 6, 3), seed=0):
    layers = [Dense(n_in, n_out, hidden, seed=seed + i, dtype=dtype)
              for i, (n_in, n_out) in enumerate(zip(sizes[:-2], sizes[1:-1], strict=True))]
    layers.append(Dense(sizes[-2], sizes[-1], output, seed=seed + 99, dtype=dtype))
    return Network(layers)


def tape_reference(net, X, y, loss_name):
    """(C, [dC/dz_l], [dC/dW_1, dC/db_1, ...]) computed by TensorFlow from the net's weights."""
    dtype = net.dtype.name
    weights = [tf.Variable(w) for w in net.get_weights()]
    with tf.GradientTape(persistent=True) as tape:
        a_L, zs = tf_forward(weights, X, [layer.g.name for layer in net.layers])
        C = keras_loss(loss_name, dtype=dtype)(tf.constant(y), a_L)
    deltas = [tape.gradient(C, z).numpy() for z in zs]
    grads = [g.numpy() for g in tape.gradient(C, weights)]
    return float(C), deltas, grads


def case(hidden, output, loss_name, rng, dtype=np.float64, m=8):
    net = build(hidden, output, dtype)
    X = rng.normal(size=(m, net.n_in)).astype(dtype)
    y = random_targets(loss_name, m, net.n_out, rng, dtype)
    C, grads = net.loss_and_gradients(X, y, loss_name)
    return net, X, y, C, grads


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden, output, loss_name", CASES, ids=IDS)
def test_bp1_output_delta_matches_tape(hidden, output, loss_name, dtype, rng):
    net, X, y, C, _ = case(hidden, output, loss_name, rng, dtype)
    C_ref, deltas_ref, _ = tape_reference(net, X, y, loss_name)
    assert_close(C, C_ref, dtype=dtype, what="loss value")
    assert_close(net.layers[-1].delta, deltas_ref[-1], dtype=dtype, what=f"BP1 delta_L ({output} output)")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden, output, loss_name", CASES, ids=IDS)
def test_bp2_hidden_deltas_match_tape(hidden, output, loss_name, dtype, rng):
    net, X, y, _, _ = case(hidden, output, loss_name, rng, dtype)
    _, deltas_ref, _ = tape_reference(net, X, y, loss_name)
    for l, (delta, ref) in enumerate(zip(net.deltas[:-1], deltas_ref[:-1], strict=True), start=1):
        assert_close(delta, ref, dtype=dtype, what=f"BP2 delta of hidden layer {l} ({hidden})")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden, output, loss_name", CASES, ids=IDS)
def test_bp3_bias_gradients_match_tape(hidden, output, loss_name, dtype, rng):
    net, X, y, _, grads = case(hidden, output, loss_name, rng, dtype)
    _, _, grads_ref = tape_reference(net, X, y, loss_name)
    for l in range(len(net.layers)):
        assert_close(grads[2 * l + 1], grads_ref[2 * l + 1], dtype=dtype, what=f"BP3 dC/db of layer {l + 1}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden, output, loss_name", CASES, ids=IDS)
def test_bp4_weight_gradients_match_tape(hidden, output, loss_name, dtype, rng):
    net, X, y, _, grads = case(hidden, output, loss_name, rng, dtype)
    _, _, grads_ref = tape_reference(net, X, y, loss_name)
    for l in range(len(net.layers)):
        assert_close(grads[2 * l], grads_ref[2 * l], dtype=dtype, what=f"BP4 dC/dW of layer {l + 1}")


@pytest.mark.parametrize("hidden, output, loss_name", CASES, ids=IDS)
def test_gradients_match_finite_differences(hidden, output, loss_name, rng):
    net, X, y, _, grads = case(hidden, output, loss_name, rng, m=5)
    if hidden == "relu":
        # keep every hidden pre-activation away from ReLU's kink, where finite differences are wrong
        assert min(np.abs(layer.z).min() for layer in net.layers[:-1]) > 1e-4
    numeric = network_numerical_gradients(net, X, y, loss_name)
    for i, (g, n) in enumerate(zip(grads, numeric, strict=True)):
        err = vector_relative_error(g, n)
        assert err <= FINITE_DIFFERENCE_TOLERANCE, f"{'Wb'[i % 2]}_{i // 2 + 1}: relative error {err:.2e}"


@pytest.mark.parametrize("hidden, output, loss_name", CASES, ids=IDS)
def test_gradients_match_a_real_keras_model(hidden, output, loss_name, rng, floatx64):
    """The same weights in a keras.Sequential: its loss and tape gradients equal the scratch ones."""
    net, X, y, C, grads = case(hidden, output, loss_name, rng)
    model = keras.Sequential([keras.Input((net.n_in,))]
                             + [keras.layers.Dense(layer.n_out, activation=layer.g.name) for layer in net.layers])
    model.set_weights(net.get_weights())
    with tf.GradientTape() as tape:
        C_ref = keras_loss(loss_name)(tf.constant(y), model(X))
    grads_ref = tape.gradient(C_ref, model.trainable_variables)
    assert_close(C, float(C_ref), what="loss vs keras.Model")
    for i, (g, ref) in enumerate(zip(grads, grads_ref, strict=True)):
        assert_close(g, ref.numpy(), what=f"gradient {i} ({'Wb'[i % 2]}_{i // 2 + 1}) vs keras.Model")


@pytest.mark.parametrize("output, loss_name", [("sigmoid", "binary_crossentropy"),
                                               ("softmax", "categorical_crossentropy")])
def test_saturated_outputs_use_the_fused_form_and_match_keras(output, loss_name, rng):
    """Logits of +/-1000 saturate a_L to exactly 0 or 1: the fused delta stays (a - y)/m, equal to TF's,
    where the chain dC/da * g'(z) would give 0 (and the clipped loss a wrong value)."""
    net = build("tanh", output, sizes=(3, 4, 3))
    net.layers[-1].W[...] = 0
    net.layers[-1].b[...] = [1000.0, -1000.0, 0.0]
    X = rng.normal(size=(4, 3))
    y = random_targets(loss_name, 4, 3, rng)
    C, grads = net.loss_and_gradients(X, y, loss_name)
    C_ref, deltas_ref, grads_ref = tape_reference(net, X, y, loss_name)
    # From logits a confidently wrong output costs ~1000; clipped probabilities could never exceed -log(1e-7).
    assert np.isfinite(C) and C > -np.log(1e-7)
    assert_close(C, C_ref, what="saturated loss")
    assert_close(net.layers[-1].delta, deltas_ref[-1], what="saturated BP1 delta_L")
    for i, (g, ref) in enumerate(zip(grads, grads_ref, strict=True)):
        assert_close(g, ref, what=f"saturated gradient {i}")


def test_a_sigmoid_output_rounded_to_its_label_still_passes_e_to_the_minus_z_as_the_tape_does():
    """z = (40, -40), y = (1, 0): sigmoid(40) rounds to exactly 1.0, so a - y would be 0 in the first row, where
    dC/dz = -sigmoid(-40)/m = -e^-40/(1 + e^-40)/2; the tape of the logits loss gives that, and so must BP1."""
    net = Network([Dense(1, 1, "sigmoid", seed=0)])
    net.set_weights([np.array([[40.0]]), np.array([0.0])])
    X, y = np.array([[1.0], [-1.0]]), np.array([[1.0], [0.0]])
    _, (grad_W, grad_b) = net.loss_and_gradients(X, y, "binary_crossentropy")
    e = 1 / (1 + np.exp(40.0))                                                 # sigmoid(-40) = 4.25e-18
    np.testing.assert_allclose(net.layers[-1].delta, [[-e / 2], [e / 2]], rtol=1e-15)
    np.testing.assert_allclose(grad_W, [[-e]], rtol=1e-15)                     # (1 * -e/2) + (-1 * e/2)
    _, deltas_ref, grads_ref = tape_reference(net, X, y, "binary_crossentropy")
    assert_close(net.layers[-1].delta, deltas_ref[-1], what="BP1 delta_L where a_L rounds to 1")
    assert_close(grad_W, grads_ref[0], what="BP4 where a_L rounds to 1")
    assert grad_b.tolist() == grads_ref[1].tolist() == [0.0]


@pytest.mark.parametrize("loss_name, z, y, value, delta", [
    # BCE, z = (ln 3, 0), y = (1, 0): sigmoid(z) = (3/4, 1/2);
    #   L = mean(-ln(3/4), -ln(1 - 1/2)) = (ln(4/3) + ln 2)/2;  delta = (sigmoid(z) - y)/k = (-1/8, 1/4)
    ("binary_crossentropy", [np.log(3.0), 0.0], [[1.0, 0.0]], np.log(8 / 3) / 2, [[-0.125, 0.25]]),
    # CCE, z = (0, ln 3), y = (0, 1): softmax(z) = (1/4, 3/4);  L = -ln(3/4);  delta = softmax(z) - y
    ("categorical_crossentropy", [0.0, np.log(3.0)], [[0.0, 1.0]], np.log(4 / 3), [[0.25, -0.25]]),
])
def test_linear_output_with_from_logits_true_by_hand(loss_name, z, y, value, delta):
    """A linear output handing its z to a cross-entropy with from_logits=True: the value and BP1-BP4 by hand."""
    net = Network([Dense(2, 2, "linear", seed=0)])
    net.set_weights([np.zeros((2, 2)), np.array(z)])                          # W = 0: z = b for every x
    X = np.array([[2.0, -1.0]])                                                # (1, 2)
    C, (grad_W, grad_b) = net.loss_and_gradients(X, y, losses.get(loss_name, from_logits=True))
    assert C == pytest.approx(value, rel=1e-15)
    np.testing.assert_allclose(net.layers[-1].delta, delta, rtol=1e-15)       # BP1: no g'(z), z is the output
    np.testing.assert_allclose(grad_b, delta[0], rtol=1e-15)                   # BP3
    np.testing.assert_allclose(grad_W, X.T @ np.array(delta), rtol=1e-15)     # BP4


@pytest.mark.parametrize("loss_name", ["binary_crossentropy", "categorical_crossentropy"])
def test_linear_output_with_from_logits_true_matches_a_real_keras_model(loss_name, rng, floatx64):
    net = build("tanh", "linear")
    X = rng.normal(size=(8, net.n_in))
    y = random_targets(loss_name, 8, net.n_out, rng)
    C, grads = net.loss_and_gradients(X, y, losses.get(loss_name, from_logits=True))
    model = to_keras(net)
    with tf.GradientTape() as tape:
        C_ref = keras_loss(loss_name, from_logits=True)(tf.constant(y), model(X))
    grads_ref = tape.gradient(C_ref, model.trainable_variables)
    assert_close(C, float(C_ref), what=f"{loss_name}(from_logits=True) vs keras.Model")
    for i, (g, ref) in enumerate(zip(grads, grads_ref, strict=True)):
        assert_close(g, ref.numpy(), what=f"gradient {i} with from_logits=True vs keras.Model")


def test_deltas_stay_inspectable_after_backward(rng):
    net, X, y, _, _ = case("tanh", "linear", "mse", rng)
    assert [d.shape for d in net.deltas] == [(8, 5), (8, 6), (8, 3)]


def test_network_runs_in_float32_when_its_weights_and_inputs_are_float32(rng):
    net, X, y, C, grads = case("relu", "softmax", "categorical_crossentropy", rng, dtype=np.float32)
    assert net.forward(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads)


def test_tiny_numbers_in_float32_raise_nothing_under_a_learners_seterr_all_raise():
    """np.seterr(all="raise") makes underflow an error: 1e-30 x 1e-30 rounding to 0 in float32 (in a matmul, or in
    casting a float64 1e-50 to the network's float32) is ordinary rounding, which Keras does without a word."""
    X, y = np.array([[1e-30, 2.0], [3.0, 1e-50]]), np.array([[1.0], [0.0]])
    net = Network([Dense(2, 3, "tanh", seed=0, dtype="float32"), Dense(3, 1, "sigmoid", seed=1, dtype="float32")])
    net.dense_layers[0].W[0, 0] = 1e-30
    expected = net.loss_and_gradients(X, y, "binary_crossentropy")
    with np.errstate(all="raise"):
        value, grads = net.loss_and_gradients(X, y, "binary_crossentropy")
        assert net.loss(X, y, "binary_crossentropy") == value
        np.testing.assert_array_equal(net.forward(X), net.predict(X))
    assert value == expected[0]
    for g, g_expected in zip(grads, expected[1], strict=True):
        np.testing.assert_array_equal(g, g_expected)


def test_a_dense_layer_and_its_l2_penalty_used_alone_raise_nothing_for_tiny_numbers_under_seterr_all_raise():
    """A layer used without a Network (as the lessons do) and its regularizer: 1e-30 x 1e-30 rounding to 0 in
    float32 is rounding there too, not a FloatingPointError from inside the layer."""
    layer = Dense(2, 1, "linear", seed=0, dtype="float32", kernel_regularizer=L2(0.01))
    layer.W[:] = 1e-30
    a_prev = np.array([[1e-30, 1e-30]], dtype=np.float32)                 # (1, 2)
    expected = layer.forward(a_prev), layer.backward(np.ones((1, 1), np.float32)), layer.penalty()
    with np.errstate(all="raise"):
        z = layer.forward(a_prev)                                           # (1, 1): 2e-60 rounds to 0
        grad_a_prev = layer.backward(np.ones((1, 1), np.float32))         # (1, 2)
        penalty = layer.penalty()                                           # 0.01 * 2e-60 rounds to 0
        gradient = layer.kernel_regularizer.gradient(layer.W)
    np.testing.assert_array_equal(z, expected[0])
    np.testing.assert_array_equal(grad_a_prev, expected[1])
    assert penalty == expected[2] == 0
    np.testing.assert_array_equal(gradient, 2 * np.float32(0.01) * layer.W)
