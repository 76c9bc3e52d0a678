"""Property tests: on random architectures, activations, losses and batch sizes, the scratch loss and
every gradient equal TensorFlow's (float64, relative gap <= 1e-10)."""

import numpy as np
import tensorflow as tf
from conftest import assert_close, keras_loss, random_targets, tf_forward
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scratch import Dense, Network

HIDDEN = ["linear", "sigmoid", "tanh", "relu", "softmax"]
OUTPUT_FOR_LOSS = {
    "mse": ["linear", "sigmoid", "tanh", "relu", "softmax"],
    "quadratic": ["linear", "sigmoid", "tanh"],
    "binary_crossentropy": ["sigmoid"],
    "categorical_crossentropy": ["softmax"],
}


@st.composite
def architectures(draw):
    depth = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 16), min_size=depth + 1, max_size=depth + 1))
    loss_name = draw(st.sampled_from(sorted(OUTPUT_FOR_LOSS)))
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=depth - 1, max_size=depth - 1))
    output = draw(st.sampled_from(OUTPUT_FOR_LOSS[loss_name]))
    if loss_name == "categorical_crossentropy" and widths[-1] == 1:
        widths[-1] = 2        # a one-unit softmax always outputs 1 (Keras warns): at least two classes
    batch = draw(st.integers(1, 32))
    seed = draw(st.integers(0, 2**32 - 1))
    return widths, hidden + [output], loss_name, batch, seed


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures())
def test_random_networks_match_tape(arch):
    widths, names, loss_name, m, seed = arch
    rng = np.random.default_rng(seed)
    net = Network([Dense(n_in, n_out, name, seed=rng) for n_in, n_out, name in
                   zip(widths[:-1], widths[1:], names, strict=True)])
    X = rng.normal(size=(m, widths[0]))
    y = random_targets(loss_name, m, widths[-1], rng)
    C, grads = net.loss_and_gradients(X, y, loss_name)

    weights = [tf.Variable(w) for w in net.get_weights()]
    with tf.GradientTape() as tape:
        a_L, _ = tf_forward(weights, X, names)
        C_ref = keras_loss(loss_name)(tf.constant(y), a_L)
    grads_ref = tape.gradient(C_ref, weights)

    arch_text = f"{widths} {names} {loss_name} batch {m}"
    assert_close(C, float(C_ref), what=f"loss of {arch_text}")
    for i, (g, ref) in enumerate(zip(grads, grads_ref, strict=True)):
        assert_close(g, ref.numpy(), what=f"{'Wb'[i % 2]}_{i // 2 + 1} of {arch_text}")
