"""Losses: value and dL/dy_pred against Keras' own loss objects (through tf.GradientTape) and finite
differences, including the clipping at [1e-7, 1 - 1e-7] and exact 0/1 probabilities."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import FINITE_DIFFERENCE_TOLERANCE, assert_close, keras_loss, no_logits_form, random_targets

from scratch import losses
from scratch.activations import Sigmoid, Softmax
from scratch.agreement import relative_error
from scratch.gradcheck import numerical_input_gradient

ALL = ["mse", "quadratic", "binary_crossentropy", "categorical_crossentropy"]


def predictions(name, m, k, rng, dtype, from_logits=False):
    """Valid y_pred for each loss: reals, probabilities in (0,1), or rows of a softmax."""
    z = rng.normal(size=(m, k))
    if name in ("mse", "quadratic") or from_logits:
        return z.astype(dtype)
    if name == "binary_crossentropy":
        return Sigmoid().forward(z).astype(dtype)
    return Softmax().forward(z).astype(dtype)


def keras_value_and_grad(name, y, p, dtype, from_logits=False):
    p_tf = tf.Variable(p)
    with tf.GradientTape() as tape:
        value = keras_loss(name, dtype=np.dtype(dtype).name, from_logits=from_logits)(tf.constant(y), p_tf)
    return float(value), tape.gradient(value, p_tf).numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ALL)
def test_loss_value_and_gradient_match_keras(name, dtype, rng):
    y = random_targets(name, 7, 3, rng, dtype)
    p = predictions(name, 7, 3, rng, dtype)
    loss = losses.get(name)
    value, grad = keras_value_and_grad(name, y, p, dtype)
    assert_close(loss.forward(y, p), value, dtype=dtype, what=f"{name} value")
    assert_close(loss.backward(y, p), grad, dtype=dtype, what=f"{name} dL/da")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_loss_from_logits_matches_keras(name, dtype, rng):
    y = random_targets(name, 7, 3, rng, dtype)
    z = (5 * rng.normal(size=(7, 3))).astype(dtype)
    loss = losses.get(name, from_logits=True)
    value, grad = keras_value_and_grad(name, y, z, dtype, from_logits=True)
    assert_close(loss.forward(y, z), value, dtype=dtype, what=f"{name} from logits value")
    assert_close(loss.backward(y, z), grad, dtype=dtype, what=f"{name} from logits dL/dz")


@pytest.mark.parametrize("name", ALL)
def test_loss_gradient_matches_finite_differences(name, rng):
    y = random_targets(name, 5, 3, rng)
    p = predictions(name, 5, 3, rng, np.float64)
    loss = losses.get(name)
    numeric = numerical_input_gradient(lambda a: loss.forward(y, a), p)
    assert relative_error(loss.backward(y, p), numeric) <= FINITE_DIFFERENCE_TOLERANCE


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_loss_from_logits_matches_finite_differences_and_the_loss_of_the_activated_logits(name, rng):
    """The framework-free witness of the logits forms (Keras is the other): dL/dz against central differences of
    the loss itself, and the value against the loss on probabilities sigmoid(z) or softmax(z), which the stable
    forms (log1p(exp(-|z|)), a shifted log-softmax) must equal wherever no probability reaches the clip."""
    y = random_targets(name, 5, 3, rng)
    z = 3 * rng.normal(size=(5, 3))                                     # (5, 3) logits
    loss = losses.get(name, from_logits=True)
    numeric = numerical_input_gradient(lambda a: loss.forward(y, a), z)
    assert relative_error(loss.backward(y, z), numeric) <= FINITE_DIFFERENCE_TOLERANCE
    activated = (Sigmoid() if name == "binary_crossentropy" else Softmax()).forward(z)
    assert 1e-7 < activated.min() and activated.max() < 1 - 1e-7        # the clip plays no part
    assert relative_error(loss.forward(y, z), losses.get(name).forward(y, activated)) <= 1e-12


def test_mse_is_two_over_k_times_the_quadratic_cost(rng):
    """Keras' MSE averages over the k outputs and has no 1/2: L = (2/k) C."""
    y, a = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    assert losses.get("mse").forward(y, a) == pytest.approx(2 / 4 * losses.get("quadratic").forward(y, a),
                                                              rel=1e-14)


def test_quadratic_cost_by_hand():
    """C = 1/(2n) sum ||y - a||^2: two examples with errors (1, 2) and (0, 3) give (5 + 9) / 4 = 3.5."""
    y = np.array([[1.0, 2.0], [0.0, 3.0]])
    a = np.zeros((2, 2))
    assert losses.get("quadratic").forward(y, a) == 3.5
    np.testing.assert_array_equal(losses.get("quadratic").backward(y, a), -y / 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_probabilities_of_exactly_zero_and_one_are_clipped_like_keras(name, dtype):
    """p = 0 or 1 exactly: log(0) is avoided by clipping to [1e-7, 1 - 1e-7]; value and gradient equal Keras'."""
    if name == "binary_crossentropy":
        y = np.array([[1.0, 0.0, 1.0, 0.0]], dtype=dtype)
        p = np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    else:
        y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
        p = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
    value, grad = keras_value_and_grad(name, y, p, dtype)
    loss = losses.get(name)
    assert np.isfinite(loss.forward(y, p))
    assert_close(loss.forward(y, p), value, dtype=dtype, what=f"{name} value at p in {{0,1}}")
    assert_close(loss.backward(y, p), grad, dtype=dtype, what=f"{name} gradient at p in {{0,1}}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_probabilities_exactly_on_the_clip_bounds_pass_their_gradient_like_keras(dtype):
    """p = 1e-7 and p = 1 - 1e-7 exactly (in p's dtype): clipping leaves them as they are, and tf.clip_by_value
    passes the gradient there (bounds included); only values beyond a bound lose it."""
    bounds = np.array([1e-7, 1 - 1e-7], dtype=dtype)
    y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    p = np.array([bounds, bounds], dtype=dtype)
    value, grad = keras_value_and_grad("binary_crossentropy", y, p, dtype)
    assert np.all(grad != 0)
    loss = losses.get("binary_crossentropy")
    assert_close(loss.forward(y, p), value, dtype=dtype, what="binary_crossentropy value on the clip bounds")
    assert_close(loss.backward(y, p), grad, dtype=dtype, what="binary_crossentropy gradient on the clip bounds")


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_logits_of_plus_minus_1000_stay_finite_and_match_keras(name):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 3.0]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    value, grad = keras_value_and_grad(name, y, z, np.float64, from_logits=True)
    loss = losses.get(name, from_logits=True)
    assert_close(loss.forward(y, z), value, what=f"{name} value at logits +/-1000")
    assert_close(loss.backward(y, z), grad, what=f"{name} gradient at logits +/-1000")


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_logits_of_plus_minus_1000_raise_nothing_under_a_learners_seterr_all_raise(name):
    """np.seterr(all="raise") makes underflow an error; exp(-1000) rounding to 0 is the right answer here."""
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 3.0]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    loss = losses.get(name, from_logits=True)
    with np.errstate(all="raise"):
        value, grad = loss.forward(y, z), loss.backward(y, z)
    assert value == loss.forward(y, z)
    np.testing.assert_array_equal(grad, loss.backward(y, z))


def test_targets_of_shape_n_are_reshaped_not_broadcast(rng):
    """y (n,) against y_pred (n, 1) is reshaped to (n, 1), as Keras does: never broadcast to (n, n)."""
    y = rng.normal(size=5)
    a = rng.normal(size=(5, 1))
    loss = losses.get("mse")
    assert loss.forward(y, a) == pytest.approx(np.mean((y - a[:, 0]) ** 2), rel=1e-14)
    assert loss.backward(y, a).shape == (5, 1)


@pytest.mark.parametrize(
    "name, y, p, message",
    [
        ("binary_crossentropy", [[0.0], [2.0]], [[0.5], [0.5]], r"labels must be 0 or 1, found \[2.0\]"),
        ("binary_crossentropy", [[0.3]], [[0.5]], r"labels must be 0 or 1"),
        ("categorical_crossentropy", [[-1.0, 2.0]], [[0.5, 0.5]], "must be non-negative"),
        ("categorical_crossentropy", [[1.0, 1.0]], [[0.5, 0.5]], "row 0 sums to 2"),
        ("categorical_crossentropy", [[0.5, 0.5], [0.5, 0.51]], [[0.5, 0.5], [0.5, 0.5]], "row 1 sums to 1.01"),
        ("mse", [[1.0, 2.0]], [[1.0], [2.0]], r"y_true shape \(1, 2\) does not match y_pred shape \(2, 1\)"),
        ("mse", [[np.nan]], [[1.0]], "y_true contains NaN or inf"),
        ("mse", [[1.0]], [[np.inf]], "y_pred contains NaN or inf"),
        ("mse", np.zeros((0, 1)), np.zeros((0, 1)), "empty batch"),
        ("mse", np.zeros((2, 0)), np.zeros((2, 0)), r"mse: y_pred has 0 outputs \(shape \(2, 0\)\)"),
        ("binary_crossentropy", np.zeros((2, 0)), np.zeros((2, 0)), r"y_pred has 0 outputs"),
        ("mse", [["a"]], [[1.0]], "y_true must be numeric"),
    ],
)
def test_bad_targets_and_predictions_are_named(name, y, p, message):
    with pytest.raises((ValueError, TypeError), match=message):
        losses.get(name).forward(y, p)


@pytest.mark.parametrize("name, p, message", [
    ("categorical_crossentropy", [[0.5, -0.5]], r"y_pred must be probabilities in \[0, 1\], but y_pred\[0, 1\] is "
                                                r"-0\.5; if y_pred holds logits \(the values before softmax\), use "
                                                r"losses\.get\('categorical_crossentropy', from_logits=True\)"),
    ("categorical_crossentropy", [[0.0, 0.0]], "row 0 of y_pred sums to 0"),
    ("binary_crossentropy", [[0.5, 1.5]], r"y_pred\[0, 1\] is 1\.5; if y_pred holds logits \(the values before "
                                          r"sigmoid\), use losses\.get\('binary_crossentropy', from_logits=True\)"),
])
@pytest.mark.parametrize("method", ["forward", "backward"])
def test_cross_entropy_on_probabilities_refuses_y_pred_that_are_not_probabilities(name, p, message, method):
    """Keras clips -0.5 and 1.5 to [1e-7, 1 - 1e-7] and divides a row of zeros by its sum (NaN) without a word."""
    y = [[1.0, 0.0]]
    with pytest.raises(ValueError, match=message):
        getattr(losses.get(name), method)(y, p)


def test_cross_entropy_from_logits_takes_any_real_y_pred():
    """The check is for probabilities only: logits may be any real number, a row of zeros included."""
    y = np.array([[1.0, 0.0]])
    for name in ("binary_crossentropy", "categorical_crossentropy"):
        for z in ([[0.5, -0.5]], [[0.0, 0.0]], [[3.0, 7.0]]):
            assert np.isfinite(losses.get(name, from_logits=True).forward(y, z))


@pytest.mark.parametrize("value", ["no", float("nan"), 0, None])
def test_from_logits_must_be_true_or_false_not_anything_truthy(value):
    """bool("no") and bool(nan) are True: a string or a number would silently pick the logits formula."""
    with pytest.raises(TypeError, match=rf"from_logits must be True or False, got {value!r}"):
        losses.get("binary_crossentropy", from_logits=value)


def test_unknown_loss_name_lists_the_choices():
    with pytest.raises(ValueError, match="unknown loss 'crossentropy'.*binary_crossentropy"):
        losses.get("crossentropy")


def test_get_refuses_from_logits_that_a_loss_object_does_not_have():
    """losses.get(loss, from_logits=True) on a Loss made for probabilities would score logits as probabilities."""
    probabilities = losses.get("binary_crossentropy")
    assert losses.get(probabilities) is probabilities
    logits = losses.get("binary_crossentropy", from_logits=True)
    assert losses.get(logits, from_logits=True) is logits
    with pytest.raises(ValueError, match=r"from_logits=True.*binary_crossentropy.*from_logits=False"):
        losses.get(probabilities, from_logits=True)


@pytest.mark.parametrize("name, make", [
    ("mse", lambda: losses.get("mse", from_logits=True)),
    ("mse", lambda: losses.get("mean_squared_error", from_logits=True)),
    ("mse", lambda: losses.MeanSquaredError(from_logits=True)),
    ("mse", lambda: losses.get(losses.get("mse"), from_logits=True)),
    ("quadratic", lambda: losses.get("quadratic", from_logits=True)),
    ("quadratic", lambda: losses.Quadratic(from_logits=True)),
    ("quadratic", lambda: losses.get(losses.get("quadratic"), from_logits=True)),
], ids=["mse", "mean_squared_error", "MeanSquaredError", "mse-object", "quadratic", "Quadratic", "quadratic-object"])
def test_from_logits_true_is_refused_where_there_are_no_logits(name, make):
    """mse and quadratic compare the outputs a themselves: from_logits=True was accepted and ignored, so a sigmoid
    output trained on mse(sigmoid(z)) while the loss's repr said from_logits=True. Keras' MeanSquaredError takes
    no from_logits (a TypeError there)."""
    with pytest.raises(ValueError, match=f"^{re.escape(no_logits_form(name))}$"):
        make()
    with pytest.raises(TypeError, match="from_logits"):      # the Keras behaviour the refusal stands for
        keras.losses.MeanSquaredError(from_logits=True)
    assert losses.get(name, from_logits=False).from_logits is False       # False is what it always was


# --- Keras facts the losses above rely on, pinned against Keras itself (a Keras upgrade that changes one fails here) --
def test_keras_fact_targets_of_shape_n_are_reshaped_against_predictions_n_1_not_broadcast():
    """Keras' losses expand y (n,) to (n, 1) before comparing it with y_pred (n, 1); NumPy would broadcast the pair
    to (n, n). scratch/losses.py reshapes such targets the same way (`y = y.reshape(-1, 1)`)."""
    y, a = np.array([1.0, 2.0, 3.0]), np.array([[1.5], [2.0], [2.0]])                 # (3,), (3, 1)
    reshaped, broadcast = np.mean((y - a[:, 0]) ** 2), np.mean((y - a) ** 2)           # 5/12, 3/4
    assert float(keras.losses.MeanSquaredError(dtype="float64")(y, a)) == pytest.approx(reshaped, rel=1e-15)
    assert abs(reshaped - broadcast) > 0.3
    labels, p = np.array([1.0, 0.0, 1.0]), np.array([[0.9], [0.2], [0.6]])
    bce = -np.mean(labels * np.log(p[:, 0]) + (1 - labels) * np.log(1 - p[:, 0]))
    assert float(keras.losses.BinaryCrossentropy(dtype="float64")(labels, p)) == pytest.approx(bce, rel=1e-15)


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_keras_fact_a_sigmoid_or_softmax_output_is_scored_from_its_logits_unless_the_loss_casts_it(name):
    """The logits shortcut: an output made by Keras' sigmoid/softmax carries its logits, and BCE/CCE with
    from_logits=False compute from them (no clip: a confidently wrong z = 40 costs 40). A loss in another dtype than
    the output casts it, the cast tensor has no logits, and the clipped probability costs at most
    -log(1 - float32(1 - 1e-7)) = 15.94 (BCE's 1 - a) or -log(float32(1e-7)) = 16.12 (CCE's a). Scratch always
    uses the fused logits form, so keras_models/twins/bridge.py keras_loss gives the Keras loss the network's own
    dtype."""
    z = tf.constant([[40.0, 0.0]], tf.float64)                                       # (1, 2) logits
    if name == "binary_crossentropy":
        a, y = keras.activations.sigmoid(z[:, :1]), np.array([[0.0]])                  # sigmoid(40) rounds to 1
        from_logits = float(z[0, 0]) + np.log1p(np.exp(-40.0))                         # log(1 + e^40)
        clipped = -np.log(1 - np.float32(1 - 1e-7), dtype=np.float64)                  # 15.942385: 1 - a clipped
    else:
        a, y = keras.activations.softmax(z), np.array([[0.0, 1.0]])                    # softmax[1] = e^-40
        from_logits = 40.0 + np.log1p(np.exp(-40.0))                                   # logsumexp(z) - z_1
        clipped = -np.log(np.float32(1e-7), dtype=np.float64)                          # 16.118095: a clipped
    cls = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
           "categorical_crossentropy": keras.losses.CategoricalCrossentropy}[name]
    same_dtype = float(cls(dtype="float64")(y, a))
    assert same_dtype == pytest.approx(from_logits, rel=1e-15)                         # 40, beyond any clip
    cast = float(cls(dtype="float32")(y, a))
    assert cast == pytest.approx(clipped, rel=1e-6)
