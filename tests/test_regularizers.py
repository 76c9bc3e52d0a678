"""Weight penalties: each one's value and gradient against Keras' own regularizer objects and the tape, each
gradient against finite differences of the penalty, Keras' float32 rounding of the factor pinned, the penalty
inside the loss the network reports and differentiates, Keras' names, and bad factors refused by name."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import FINITE_DIFFERENCE_TOLERANCE, assert_close, keras_loss, tf_forward

from scratch import Dense, Network, regularizers
from scratch.agreement import relative_error
from scratch.gradcheck import numerical_gradient

# scratch regularizer -> Keras' (same factors); factors chosen NOT representable in float32
CASES = {
    "L1": (lambda: regularizers.L1(0.03), lambda: keras.regularizers.L1(0.03)),
    "L2": (lambda: regularizers.L2(0.01), lambda: keras.regularizers.L2(0.01)),
    "L1L2": (lambda: regularizers.L1L2(0.03, 0.07), lambda: keras.regularizers.L1L2(0.03, 0.07)),
    "L1L2-l1-only": (lambda: regularizers.L1L2(l1=0.1), lambda: keras.regularizers.L1L2(l1=0.1)),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", CASES)
def test_penalty_and_gradient_match_keras_regularizer_and_tape(name, dtype, rng):
    ours, theirs = CASES[name][0](), CASES[name][1]()
    W = rng.normal(size=(6, 4)).astype(dtype)
    W_tf = tf.Variable(W)
    with tf.GradientTape() as tape:
        R = theirs(W_tf)
    assert_close(ours.penalty(W), R.numpy(), dtype=dtype, what=f"{name} penalty")
    assert_close(ours.gradient(W), tape.gradient(R, W_tf).numpy(), dtype=dtype, what=f"{name} dR/dW")
    assert ours.penalty(W).dtype == ours.gradient(W).dtype == np.dtype(dtype)


@pytest.mark.parametrize("name", CASES)
def test_penalty_gradient_matches_finite_differences(name, rng):
    """dR/dW against the central difference of R itself (scratch/gradcheck.py), a witness that owes nothing to
    Keras; W kept away from 0, where |W| has its kink and the two sides of a difference see different slopes."""
    ours = CASES[name][0]()
    W = rng.normal(size=(6, 4))                                                  # (n_in, n_out)
    W[np.abs(W) < 1e-3] = 0.5
    numeric = numerical_gradient(lambda: float(ours.penalty(W)), W)
    assert relative_error(ours.gradient(W), numeric) <= FINITE_DIFFERENCE_TOLERANCE, f"{name} dR/dW"


def test_keras_rounds_the_factor_through_float32_even_in_float64_and_so_do_we():
    """Keras casts the Python factor to a (float32) tensor before casting it to the weights' dtype."""
    W = np.array([[1.0, 2.0], [3.0, 4.0]])                               # sum(W^2) = 30
    keras_value = float(keras.regularizers.L2(0.01)(tf.constant(W)))
    assert keras_value == 0.009999999776482582 * 30                      # float32(0.01) = 0.0099999997764825820...
    assert keras_value != 0.01 * 30                                      # the unrounded factor is not Keras'
    assert regularizers.L2(0.01).penalty(W) == keras_value               # bit for bit
    assert regularizers.L1(0.01).penalty(W) == float(keras.regularizers.L1(0.01)(tf.constant(W)))


def test_the_penalty_is_part_of_the_loss_the_network_reports_and_differentiates(rng):
    """C_total = C + sum_l R_l(W_l) and its gradient, against the tape over Keras' loss + Keras' penalties."""
    net = Network([Dense(4, 5, "tanh", seed=1, kernel_regularizer="l2"),
                   Dense(5, 3, "sigmoid", seed=2, kernel_regularizer=regularizers.L1L2(0.02, 0.05))])
    X, y = rng.normal(size=(7, 4)), rng.integers(0, 2, size=(7, 3)).astype(float)
    C, grads = net.loss_and_gradients(X, y, "binary_crossentropy")
    weights = [tf.Variable(w) for w in net.get_weights()]
    with tf.GradientTape() as tape:
        a_L, _ = tf_forward(weights, X, ["tanh", "sigmoid"])
        C_ref = (keras_loss("binary_crossentropy")(y, a_L) + keras.regularizers.L2(0.01)(weights[0])
                 + keras.regularizers.L1L2(0.02, 0.05)(weights[2]))
    assert_close(C, float(C_ref), what="C_total")
    assert_close(net.loss(X, y, "binary_crossentropy"), float(C_ref), what="Network.loss (inference)")
    for i, (g, ref) in enumerate(zip(grads, tape.gradient(C_ref, weights), strict=True)):
        assert_close(g, ref.numpy(), what=f"{'Wb'[i % 2]}_{i // 2 + 1} with penalties (BP4 + BPr)")
    without = Network([Dense(4, 5, "tanh", seed=1), Dense(5, 3, "sigmoid", seed=2)])
    assert C - without.loss(X, y, "binary_crossentropy") > 0.01          # the penalties are really in it


def test_keras_names_give_keras_defaults():
    for name in ("l1", "l2", "l1l2", "L2"):
        ours, theirs = regularizers.get(name), keras.regularizers.get(name.lower())
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.get_config() == {k: pytest.approx(float(v)) for k, v in theirs.get_config().items()}
    assert regularizers.get(None) is None
    reg = regularizers.L2(0.5)
    assert regularizers.get(reg) is reg


@pytest.mark.parametrize("make, error, message", [
    (lambda: regularizers.L2(-0.01), ValueError, r"l2 must be >= 0, got -0.01"),
    (lambda: regularizers.L1(float("nan")), ValueError, r"l1 must be finite, got nan"),
    (lambda: regularizers.L1L2(l2=float("inf")), ValueError, r"l2 must be finite, got inf"),
    (lambda: regularizers.L2("0.01"), TypeError, r"l2 must be a real number such as 0.01, got str '0.01'"),
    (lambda: regularizers.L1(True), TypeError, r"l1 must be a real number such as 0.01, got bool True"),
    (lambda: regularizers.get("l1_l2"), ValueError, r"unknown kernel_regularizer 'l1_l2'; choose one of \['l1', "
                                                    r"'l1l2', 'l2'\]"),
    (lambda: Dense(2, 2, kernel_regularizer=0.01), TypeError, "kernel_regularizer must be a name or a scratch L1L2"),
    # was "... a scratch L1L2, got L1": a learner who wrote L1 read that L1 was refused, not that it was Keras' L1
    # (whose factor is kept as float32, 0.029999999329447746: named as float32 writes it)
    (lambda: Dense(2, 2, kernel_regularizer=keras.regularizers.L1(0.03)), TypeError,
     r"^kernel_regularizer must be a name or a scratch L1L2, got L1 from keras[.\w]*: use "
     r"scratch's regularizers.L1\(l1=0.03\), the same penalty$"),
    (lambda: regularizers.L2(1e39), ValueError, r"l2=1e\+39 is too large: the factor is rounded to float32 .*"
                                                r"holds up to 3\.4e\+38"),
    (lambda: regularizers.L1L2(l1=1e-46), ValueError, r"l1=1e-46 is too small: .* becomes 0 and would penalise "
                                                      r"nothing"),
], ids=["negative", "nan", "inf", "string-factor", "bool-factor", "unknown-name", "bare-number", "keras-regularizer",
        "beyond-float32", "rounds-to-0-in-float32"])
def test_bad_regularizers_are_refused_by_name(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_factors_at_the_edges_of_float32_are_kept():
    """The largest float32 and the smallest one above 0 are factors float32 holds: accepted, finite penalties."""
    big, tiny = float(np.finfo(np.float32).max), float(np.finfo(np.float32).smallest_subnormal)
    W = np.ones((1, 1), np.float32)
    with np.errstate(all="raise"):
        assert regularizers.L2(big).penalty(W) == np.float32(big)
        assert regularizers.L1(tiny).penalty(W) == np.float32(tiny) > 0


@pytest.mark.parametrize("W", [np.array([[3, -1]]), np.array([[True, False]]), [[3.0, -1.0]]],
                         ids=["int", "bool", "list"])
def test_penalty_and_gradient_of_a_weight_typed_by_hand_are_those_of_its_floats(W):
    """README's table writes L2(l2).penalty(W) by hand. An int W gave 0 (the factor cast to int64), a bool W an
    int, and a list an AttributeError ('list' object has no attribute 'dtype'); gradient raised NumPy's errors."""
    reg = regularizers.L1L2(l1=0.5, l2=0.25)
    W_float = np.asarray(W, dtype=np.float64)
    assert reg.penalty(W) == reg.penalty(W_float)
    np.testing.assert_array_equal(reg.gradient(W), reg.gradient(W_float))


def test_a_weight_typed_by_hand_with_a_nan_is_refused_by_index():
    with pytest.raises(ValueError, match=r"W contains NaN or inf \(first at index \[0, 1\]\)"):
        regularizers.L1L2(l1=0.5, l2=0.25).penalty([[1.0, np.nan]])


def test_keras_fact_the_factor_is_rounded_through_float32_under_floatx_float64_too(floatx64):
    """The test above runs under floatx float32; the float64 twins run under floatx float64, and Keras still casts
    the Python factor through float32 there, as scratch/regularizers.py's `factor` does whatever floatx is."""
    W = np.array([[1.0, 2.0], [3.0, 4.0]])                               # sum(W^2) = 30, sum|W| = 10
    assert float(keras.regularizers.L2(0.01)(tf.constant(W))) == float(np.float32(0.01)) * 30 != 0.01 * 30
    assert float(keras.regularizers.L1(0.01)(tf.constant(W))) == float(np.float32(0.01)) * 10 != 0.01 * 10
    assert regularizers.L2(0.01).penalty(W) == float(np.float32(0.01)) * 30
