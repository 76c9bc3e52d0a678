"""Property tests: on random architectures, activations, losses and batch sizes, the scratch loss and
every gradient equal TensorFlow's (float64, relative gap <= 1e-10)."""

import numpy as np
import pytest
import tensorflow as tf
from conftest import architectures, assert_close, keras_loss, random_targets, tf_forward
from hypothesis import HealthCheck, example, given, settings

from scratch import Dense, Network


@pytest.mark.filterwarnings("error:You are using a softmax over axis:UserWarning")   # a one-unit softmax (Keras')
# every activation/loss pairing BP1-BP4 is checked against the tape in test_backprop.py (CASES x float64/float32):
# what this adds is random depths, widths and batch sizes, which 60 examples explore (120 cost ~1 s more); the edges
# a random draw reaches rarely (a batch of one example, one-unit layers) are tried on every run
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures())
@example(([1, 1], ["sigmoid"], "binary_crossentropy", 1, 0))
@example(([2, 1, 3], ["tanh", "softmax"], "categorical_crossentropy", 1, 1))
@example(([3, 1, 1], ["relu", "linear"], "quadratic", 1, 2))
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
