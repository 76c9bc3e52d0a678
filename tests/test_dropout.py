"""Dropout: the forward pass, BPd and the penalties against tf.GradientTape over Keras' own Dropout layers
and regularizers, sharing Keras' masks; BPd alone and a Dropout + L2 network on fixed masks against central
finite differences (and BPd against the tape on the same mask); inference against model.predict and model.evaluate; the
recording layer against keras.layers.Dropout; the keep rule's statistics; and bad input, by name.

How the masks are shared. Reading Keras' mask off a Dropout output (kept = out != 0) is not exact: where
the layer's INPUT is 0 it says "dropped" even if Keras kept the unit. After a ReLU that is off this does
not matter (relu'(z) = 0 there), but zeros also arrive where relu'(z) is not 0: a Dropout that dropped
the only input of a layer with zero biases gives z = 0 exactly, tanh(0) = 0, and tanh'(0) = 1 -- the
property test below found such a network. So the reference uses RecordingDropout
(keras_models/twins/masks.py): Keras' own draw and keras.layers.Dropout's output bit for bit (checked
below), with the exact mask.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import FINITE_DIFFERENCE_TOLERANCE, assert_close, keras_loss, random_targets, tf_activation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_models.twins.bridge import keras_loss as bridge_loss
from keras_models.twins.bridge import to_keras
from keras_models.twins.masks import RecordingDropout
from scratch import Dense, Dropout, Network, regularizers
from scratch.agreement import relative_error, vector_relative_error
from scratch.gradcheck import numerical_gradient, numerical_input_gradient

OUTPUT_FOR_LOSS = {"mse": ["linear", "tanh"], "binary_crossentropy": ["sigmoid"],
                   "categorical_crossentropy": ["softmax"]}


@st.composite
def architectures(draw):
    """1-3 Dense layers (relu/tanh/sigmoid hidden), each hidden one followed or not by Dropout(rate), an optional
    Dropout on the inputs, an optional L2 (or L1L2) penalty per layer, a loss and its output, a batch size."""
    depth = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 12), min_size=depth + 1, max_size=depth + 1))
    loss_name = draw(st.sampled_from(sorted(OUTPUT_FOR_LOSS)))
    if loss_name == "categorical_crossentropy":
        widths[-1] = max(widths[-1], 2)
    names = draw(st.lists(st.sampled_from(["relu", "tanh", "sigmoid"]), min_size=depth - 1, max_size=depth - 1))
    names.append(draw(st.sampled_from(OUTPUT_FOR_LOSS[loss_name])))
    rate = st.one_of(st.none(), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9]))
    rates = draw(st.lists(rate, min_size=depth, max_size=depth))      # rates[0]: on X; rates[l]: after layer l
    penalty = st.one_of(st.none(), st.sampled_from([("l2", 0.01), ("l2", 0.3), ("l1l2", 0.05)]))
    penalties = draw(st.lists(penalty, min_size=depth, max_size=depth))
    return widths, names, rates, penalties, loss_name, draw(st.integers(1, 24)), draw(st.integers(0, 2**32 - 1))


def scratch_regularizer(penalty):
    return None if penalty is None else (regularizers.L2(penalty[1]) if penalty[0] == "l2"
                                         else regularizers.L1L2(penalty[1], penalty[1]))


def keras_regularizer(penalty):
    return None if penalty is None else (keras.regularizers.L2(penalty[1]) if penalty[0] == "l2"
                                         else keras.regularizers.L1L2(penalty[1], penalty[1]))


def check_against_tape(arch) -> tuple[float, float]:
    """Scratch's loss and gradients given Keras' masks against the tape's; returns the (loss, gradient) gaps."""
    widths, names, rates, penalties, loss_name, m, seed = arch
    rng = np.random.default_rng(seed)
    layers = []
    for l, (n_in, n_out) in enumerate(zip(widths, widths[1:], strict=False)):
        if rates[l] is not None:
            layers.append(Dropout(rates[l]))
        layers.append(Dense(n_in, n_out, names[l], seed=rng, kernel_regularizer=scratch_regularizer(penalties[l])))
    net = Network(layers)
    X = rng.normal(size=(m, widths[0]))
    y = random_targets(loss_name, m, widths[-1], rng)

    # The reference: TF ops for Dense, Keras' Dropout (its own draws, recorded) and regularizers, the tape.
    weights = [tf.Variable(w) for w in net.get_weights()]
    masks = []
    with tf.GradientTape() as tape:
        a = tf.constant(X)
        for l in range(len(names)):
            if rates[l] is not None:
                dropout = RecordingDropout(rates[l], seed=seed % 1000 + l, dtype="float64")
                a = dropout(a, training=True)
                masks.append(dropout.last_mask)                      # the mask Keras drew
            a = tf_activation(names[l])(tf.matmul(a, weights[2 * l]) + weights[2 * l + 1])
        C_ref = keras_loss(loss_name)(tf.constant(y), a)
        for l, penalty in enumerate(penalties):
            if penalty is not None:
                C_ref += keras_regularizer(penalty)(weights[2 * l])
    grads_ref = tape.gradient(C_ref, weights)

    C, grads = net.loss_and_gradients(X, y, loss_name, training=True, masks=masks)
    arch_text = f"{widths} {names} dropout {rates} penalties {penalties} {loss_name} batch {m}"
    loss_gap = assert_close(C, float(C_ref), what=f"loss of {arch_text}")
    # Each gradient array is compared relative to its own size, or to a thousandth of the network's largest
    # gradient entry if it is smaller than that. An array can be tiny because every path to it runs through a
    # saturated unit: after Dropout(0.9) scales the kept inputs by 10, tanh'(z) = 1 - tanh(z)^2 is 1e-13, and
    # NumPy's and TensorFlow's tanh, which may differ in the last bit, then give 1 - a^2 values that differ by
    # 1e-4 of their size (hypothesis found [1, 2, 2] tanh/softmax, input dropout 0.9: W_1 ~ 9e-14, 2.4e-4 apart).
    # A thousandth of the largest entry is still some 1e6 times float64's resolution of it.
    references = [ref.numpy() for ref in grads_ref]
    floor = 1e-3 * max(float(np.abs(ref).max()) for ref in references)
    gradient_gap = max(assert_close(g, ref, floor=floor, what=f"{'Wb'[i % 2]}_{i // 2 + 1} of {arch_text}")
                       for i, (g, ref) in enumerate(zip(grads, references, strict=True)))
    return loss_gap, gradient_gap


def test_dropout_and_penalty_networks_match_tape_given_keras_masks():
    gaps = []

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(architectures())
    def check(arch):
        gaps.append(check_against_tape(arch))

    check()
    assert len(gaps) >= 50, f"only {len(gaps)} networks were drawn"
    worst_loss, worst_gradient = (max(column) for column in zip(*gaps, strict=True))
    print(f"\n{len(gaps)} networks: worst relative gap, loss {worst_loss:.1e}, gradients {worst_gradient:.1e}")


def test_a_dropped_unit_changes_the_gradient_and_the_replayed_mask_follows_keras(rng):
    """The masks matter: with every unit kept, scratch no longer matches Keras' training step."""
    net = Network([Dense(3, 6, "tanh", seed=0), Dropout(0.5), Dense(6, 1, "sigmoid", seed=1)])
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=(8, 1)).astype(float)
    weights = [tf.Variable(w) for w in net.get_weights()]
    with tf.GradientTape() as tape:
        h = keras.layers.Dropout(0.5, seed=3, dtype="float64")(tf.tanh(X @ weights[0] + weights[1]), training=True)
        C_ref = keras_loss("binary_crossentropy")(y, tf.sigmoid(h @ weights[2] + weights[3]))
    mask = h.numpy() != 0                                   # exact here: tanh of random z is never 0
    assert 0 < mask.mean() < 1
    C, grads = net.loss_and_gradients(X, y, "binary_crossentropy", training=True, masks=[mask])
    assert_close(grads[0], tape.gradient(C_ref, weights)[0].numpy(), what="BPd into W_1")
    _, kept_all = net.loss_and_gradients(X, y, "binary_crossentropy", training=True, masks=[np.ones_like(mask)])
    assert np.abs(kept_all[0] - grads[0]).max() > 1e-3


# --- BPd alone and inside a penalised network, on one fixed mask: finite differences and the closed form -------
# The tape tests above check BPd through whole networks and Keras' draws; these give the layer's own backward
# and a Dropout + L2 network a second, framework-free witness (scratch/gradcheck.py), on the same fixed masks.
# 1 / (1 - 0.3) and 1 / (1 - 0.25) are no binary fractions: a scale written as 1 - rate, or rate, shows.

@pytest.mark.parametrize("rate", [0.3, 0.25, 0.5])
def test_bpd_of_a_fixed_mask_matches_finite_differences_and_the_closed_form(rate, rng):
    """dC/da_prev for C = sum(upstream * a), a = Dropout.forward(a_prev, mask): the central difference of the
    forward pass, and the closed form upstream * mask / (1 - rate) on the same mask, against Dropout.backward (the
    tape through Keras' own masks is test_dropout_and_penalty_networks_match_tape_given_keras_masks)."""
    a_prev, upstream = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))        # (m, n) each
    mask = rng.random((5, 4)) >= rate                                            # (m, n) bool, fixed
    assert 0 < mask.mean() < 1
    layer = Dropout(rate)
    layer.forward(a_prev, training=True, mask=mask)
    grad = layer.backward(upstream)                                              # (m, n)  BPd

    numeric = numerical_input_gradient(
        lambda x: float(np.sum(upstream * Dropout(rate).forward(x, training=True, mask=mask))), a_prev)
    assert relative_error(grad, numeric) <= FINITE_DIFFERENCE_TOLERANCE, "BPd vs finite differences"

    assert_close(grad, upstream * mask / (1 - rate), what=f"BPd vs its closed form, rate {rate}")  # dropped: 0


def test_dropout_and_l2_network_gradients_match_finite_differences_on_fixed_masks(rng):
    """C_total of a ReLU/tanh network with two Dropout layers and L2 (and L1L2) penalties, the masks fixed, is a
    smooth function of the weights away from ReLU's kink: every gradient against its central difference."""
    net = Network([Dropout(0.2), Dense(4, 6, "relu", seed=1, kernel_regularizer=regularizers.L2(0.05)),
                   Dropout(0.3), Dense(6, 5, "tanh", seed=2, kernel_regularizer=regularizers.L1L2(0.02, 0.1)),
                   Dropout(0.25), Dense(5, 3, "softmax", seed=3, kernel_regularizer=regularizers.L2(0.3))])
    X = rng.normal(size=(6, 4))                                                  # (m, n_in)
    y = np.eye(3)[rng.integers(0, 3, size=6)]                                    # (m, 3) one-hot
    masks = [rng.random((6, n)) >= rate for n, rate in ((4, 0.2), (6, 0.3), (5, 0.25))]
    _, grads = net.loss_and_gradients(X, y, "categorical_crossentropy", training=True, masks=masks)
    assert np.abs(net.layers[1].z).min() > 1e-4                # away from ReLU's kink, where differences are wrong
    assert np.abs(net.dense_layers[1].W).min() > 1e-4                     # and from |W|'s kink, for L1L2's W_2

    def C_total():
        return net.loss_and_gradients(X, y, "categorical_crossentropy", training=True, masks=masks)[0]

    for i, (g, param) in enumerate(zip(grads, net.params(), strict=True)):
        err = vector_relative_error(g, numerical_gradient(C_total, param))
        assert err <= FINITE_DIFFERENCE_TOLERANCE, f"{'Wb'[i % 2]}_{i // 2 + 1}: relative error {err:.2e}"


@pytest.fixture
def dropout_twins(floatx64):
    """A float64 Dense/Dropout/L2 network and its Keras twin (plain Dropout layers), compiled (floatx float64:
    predict and evaluate cast NumPy inputs to floatx)."""
    net = Network([Dense(5, 8, "relu", seed=1, kernel_regularizer=regularizers.L2(0.01)), Dropout(0.5, seed=2),
                   Dense(8, 6, "tanh", seed=3, kernel_regularizer="l1l2"), Dropout(0.25, seed=4),
                   Dense(6, 1, "sigmoid", seed=5, kernel_regularizer=regularizers.L2(0.3))])
    model = to_keras(net)
    model.compile(loss=bridge_loss(net, "binary_crossentropy"))
    return net, model


def test_inference_equals_model_predict_and_the_loss_equals_model_evaluate(dropout_twins, rng):
    net, model = dropout_twins
    X, y = rng.normal(size=(40, 5)), rng.integers(0, 2, size=(40, 1)).astype(float)
    assert_close(net.predict(X), model.predict(X, verbose=0), what="predict with Dropout (the identity)")
    assert_close(net.forward(X, training=False), model.predict(X, verbose=0), what="forward(training=False)")
    # evaluate reports the loss at inference with every penalty added, as Network.loss does
    assert_close(net.loss(X, y, "binary_crossentropy"), model.evaluate(X, y, batch_size=40, verbose=0),
                 what="loss with penalties vs model.evaluate")
    assert not np.allclose(net.forward(X, training=True), net.predict(X))   # training really drops units


def test_recording_dropout_is_keras_dropout_bit_for_bit_and_its_mask_is_exact(rng):
    x = tf.constant(np.maximum(rng.normal(size=(64, 10)), 0.0).astype("float32"))   # half of them exactly 0
    plain, recording = keras.layers.Dropout(0.3, seed=7), RecordingDropout(0.3, seed=7)
    for _ in range(3):                                                       # the seed generators advance alike
        out, out_rec = plain(x, training=True).numpy(), recording(x, training=True).numpy()
        np.testing.assert_array_equal(out_rec, out)
        nonzero = x.numpy() != 0
        np.testing.assert_array_equal(recording.last_mask[nonzero], (out != 0)[nonzero])
        assert recording.last_mask[~nonzero].any()          # kept zeros: what out != 0 could not tell
    np.testing.assert_array_equal(recording(x, training=False).numpy(), x.numpy())


def test_each_unit_is_kept_with_probability_1_minus_rate_and_scaled_by_1_over_1_minus_rate():
    layer = Dropout(0.3, seed=0)
    a = layer.forward(np.ones((400, 500)), training=True)                   # (400, 500)
    kept = layer.mask.mean()
    assert abs(kept - 0.7) < 4 * np.sqrt(0.7 * 0.3 / layer.mask.size)      # 4 standard errors
    assert set(np.unique(a)) == {0.0, 1 / 0.7}
    assert np.array_equal(layer.backward(np.ones((400, 500))), a)          # BPd: the same mask and scale
    assert np.array_equal(layer.forward(np.ones((2, 3))), np.ones((2, 3))) and layer.mask is None   # inference


def test_float32_stays_float32_through_dropout():
    layer = Dropout(0.5, seed=0)
    a = layer.forward(np.ones((4, 3), dtype=np.float32), training=True)
    assert a.dtype == np.float32 and layer.backward(np.ones((4, 3), dtype=np.float32)).dtype == np.float32


@pytest.fixture
def net():
    return Network([Dense(3, 4, "relu", seed=0), Dropout(0.5), Dense(4, 2, "tanh", seed=1), Dropout(0.2),
                    Dense(2, 1, "sigmoid", seed=2)])


@pytest.mark.parametrize("masks, training, error, message", [
    ([np.ones((5, 4), bool)], True, ValueError, r"masks holds 1 arrays, but the network has 2 Dropout layers"),
    ([np.ones((5, 4), bool), np.ones((5, 3), bool)], True, ValueError,
     r"masks\[1\] has shape \(5, 3\), but Dropout layer 2 sees a batch of shape \(5, 2\)"),
    ([np.ones((4, 4), bool), np.ones((5, 2), bool)], True, ValueError, r"masks\[0\] has shape \(4, 4\)"),
    ([np.ones((5, 4)), np.ones((5, 2), bool)], True, TypeError, r"masks\[0\] must be a boolean NumPy array .* float64"),
    ([[[True] * 4] * 5, np.ones((5, 2), bool)], True, TypeError, r"masks\[0\] must be a boolean NumPy array"),
    (np.ones((5, 4), bool), True, TypeError, "masks must be a list of boolean arrays"),
    ([np.ones((5, 4), bool), np.ones((5, 2), bool)], False, ValueError, "masks were given with training=False"),
], ids=["count", "shape", "rows", "dtype", "nested-list", "bare-array", "inference"])
def test_bad_masks_are_named(net, masks, training, error, message):
    with pytest.raises(error, match=message):
        net.loss_and_gradients(np.zeros((5, 3)), np.zeros((5, 1)), "binary_crossentropy", training=training,
                               masks=masks)


@pytest.mark.parametrize("mask, error, message", [
    (np.ones((1, 3), bool), ValueError,
     r"mask has shape \(1, 3\), but this Dropout layer sees a batch of shape \(4, 3\)"),
    (np.ones(3, bool), ValueError, r"mask has shape \(3,\)"),
    (np.full((4, 3), 2), TypeError, r"mask must be a boolean NumPy array \(True = kept\), got int64"),
], ids=["one-row", "1-D", "int"])
def test_a_layers_own_mask_is_checked_like_the_networks(mask, error, message):
    """Dropout.forward(a_prev, True, mask) broadcast a (1, n) or (n,) mask over every row (one mask for the whole
    batch), and an int mask of 2s doubled every unit on top of the 1 / (1 - rate) scale."""
    with pytest.raises(error, match=message):
        Dropout(0.5).forward(np.ones((4, 3)), True, mask)


@pytest.mark.parametrize("mask", [np.ones((4, 3), bool), np.ones((9, 9))], ids=["a-good-mask", "a-bad-mask"])
def test_a_mask_given_to_a_layer_at_inference_is_refused_like_the_networks(mask):
    """Dropout.forward(a_prev, training=False, mask) returned a_prev and dropped the mask without a word -- even one of
    the wrong shape and dtype -- where net.forward(..., training=False, masks=[...]) refuses it."""
    with pytest.raises(ValueError, match="mask was given with training=False: at inference Dropout is the identity"):
        Dropout(0.5).forward(np.ones((4, 3)), False, mask)


def test_a_network_names_what_is_not_a_layer_and_fit_names_a_bad_replay():
    # a Dropout after the output layer: tests/test_dropout_edges.py
    with pytest.raises(TypeError, match="layer 1 must be a Dense or a Dropout, got float"):
        Network([Dense(2, 3), 0.5, Dense(3, 1)])
    plain = Network([Dense(2, 1, "sigmoid")])
    X, y = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match="masks were given, but the network has no Dropout layer"):
        plain.fit(X, y, loss="binary_crossentropy", masks=lambda epoch, batch: [], verbose=0)
    dropping = Network([Dense(2, 3, "relu"), Dropout(0.5), Dense(3, 1, "sigmoid")])
    with pytest.raises(TypeError, match="masks must be None or a callable masks"):
        dropping.fit(X, y, loss="binary_crossentropy", masks=[np.ones((4, 3), bool)], verbose=0)
    with pytest.raises(ValueError, match=r"masks\(0, 0\): masks\[0\] has shape \(2, 3\), but .* \(3, 3\)"):
        dropping.fit(X, y, loss="binary_crossentropy", batch_size=3, verbose=0,
                     masks=lambda epoch, batch: [np.ones((2, 3), bool)])


@pytest.mark.parametrize("a_prev, training, error, message", [
    ([[1.0, 2.0]], True, TypeError, r"Dropout\.forward needs a_prev as a NumPy array of numbers \(m, n\), got list"),
    ([[1.0, 2.0]], False, TypeError, r"got list"),
    (np.array([["a", "b"]]), True, TypeError, r"got dtype <U1"),
    (np.ones((2, 3)), "no", TypeError, r"training must be True or False, got 'no'"),
    (np.ones((2, 3)), 1, TypeError, r"training must be True or False, got 1"),
], ids=["list", "list-at-inference", "strings", "training-no", "training-1"])
def test_a_layers_own_forward_names_a_bad_input_or_training_flag(a_prev, training, error, message):
    """Dropout.forward(list) was an AttributeError ('list' object has no attribute 'shape'), and training="no" was
    read by its truth value and dropped units, where net.forward refuses both in one line."""
    with pytest.raises(error, match=message):
        Dropout(0.5, seed=0).forward(a_prev, training)


# --- Keras facts the parity above relies on, pinned against Keras itself ----------------------------------------
@pytest.mark.parametrize("dtype, rate", [("float64", 0.3), ("float32", 0.3), ("float32", 0.95)],
                         ids=["float64", "float32", "float32-rate-0.95"])
def test_keras_fact_dropout_multiplies_kept_units_by_1_over_1_minus_rate_rounded_once_to_the_dtype(dtype, rate, rng):
    """keras.layers.Dropout returns x * scale where kept and 0 where dropped, scale = 1 / (1 - rate) computed in
    float64 and rounded once to x's dtype: exact in float64. scratch/dropout.py's `scale` (a Python float times a_prev)
    is that number, so scratch's Dropout given Keras' mask returns Keras' output bit for bit; were it rounded through
    float32 in float64, every kept unit would be off by ~1e-8. At 0.95 the float32 rounding of 20.000000000000018 is
    20.0, but 1 / (1 - rate) worked in float32 is 19.999996: 0.3 gives 1.4285715 both ways, so only that case tells
    "rounded once" from "computed in float32"."""
    x = rng.uniform(0.5, 2.0, size=(100, 40)).astype(dtype)                      # (100, 40), no zeros
    out = keras.layers.Dropout(rate, seed=5, dtype=dtype)(x, training=True).numpy()
    kept = out != 0                                                              # exact: no input is 0
    assert abs(kept.mean() - (1 - rate)) < 4 * np.sqrt((1 - rate) * rate / kept.size)
    np.testing.assert_array_equal(out[kept], x[kept] * np.dtype(dtype).type(1 / (1 - rate)))
    np.testing.assert_array_equal(Dropout(rate).forward(x, training=True, mask=kept), out)
