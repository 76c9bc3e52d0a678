"""Bad input is answered with a ValueError/TypeError that names what is wrong; nothing is broadcast."""

import numpy as np
import pytest

from scratch import Dense, Network


@pytest.fixture
def net():
    return Network([Dense(3, 4, "relu", seed=0), Dense(4, 1, "sigmoid", seed=1)])


@pytest.mark.parametrize(
    "X, error, message",
    [
        (np.zeros((5, 2)), ValueError, "X has 2 features, the network expects 3"),
        (np.zeros(3), ValueError, r"X must be 2-D \(examples, features\), got shape \(3,\)"),
        (np.zeros((0, 3)), ValueError, "empty batch"),
        (np.array([[1.0, np.nan, 0.0]]), ValueError, r"X contains NaN or inf \(first at index \[0, 1\]\)"),
        (np.array([[1.0, np.inf, 0.0]]), ValueError, "X contains NaN or inf"),
        (np.array([["a", "b", "c"]]), TypeError, "X must be numeric, got dtype <U1"),
        ([[1, 2], [3]], TypeError, "X must be a numeric array"),
    ],
    ids=["wrong-feature-count", "1-D", "empty", "nan", "inf", "strings", "ragged"],
)
def test_bad_inputs_are_named(net, X, error, message):
    with pytest.raises(error, match=message):
        net.forward(X)


def test_mismatched_row_counts_are_named(net):
    with pytest.raises(ValueError, match=r"y_true shape \(4, 1\) does not match y_pred shape \(5, 1\)"):
        net.loss_and_gradients(np.zeros((5, 3)), np.zeros((4, 1)), "binary_crossentropy")


def test_binary_labels_outside_0_1_are_named(net):
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, found \[-1.0, 2.0\]"):
        net.loss_and_gradients(np.zeros((3, 3)), np.array([[0.0], [2.0], [-1.0]]), "binary_crossentropy")


def test_categorical_targets_must_be_distributions():
    net = Network([Dense(2, 3, "softmax", seed=0)])
    with pytest.raises(ValueError, match="must be non-negative"):
        net.loss_and_gradients(np.zeros((1, 2)), [[-0.5, 1.0, 0.5]], "categorical_crossentropy")
    with pytest.raises(ValueError, match="row 1 sums to 0"):
        net.loss_and_gradients(np.zeros((2, 2)), [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], "categorical_crossentropy")


def test_targets_of_shape_n_are_reshaped_to_n_1_never_broadcast(net, rng):
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=6).astype(float)
    value_flat, grads_flat = net.loss_and_gradients(X, y, "binary_crossentropy")
    value_col, grads_col = net.loss_and_gradients(X, y.reshape(-1, 1), "binary_crossentropy")
    assert value_flat == value_col
    for g_flat, g_col in zip(grads_flat, grads_col, strict=True):
        np.testing.assert_array_equal(g_flat, g_col)


@pytest.mark.parametrize("name, message", [("sigmod", "unknown activation 'sigmod'"),
                                           ("softplus", "unknown activation 'softplus'")])
def test_unknown_activation_names_are_named(name, message):
    with pytest.raises(ValueError, match=message):
        Dense(2, 2, name)


def test_unknown_loss_names_are_named(net):
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        net.loss_and_gradients(np.zeros((1, 3)), [[1.0]], "hinge")


@pytest.mark.parametrize("n_in, n_out, error, message", [
    (0, 3, ValueError, "n_in must be at least 1, got 0"),
    (3, -1, ValueError, "n_out must be at least 1, got -1"),
    (2.5, 3, TypeError, "n_in must be an int, got float"),
])
def test_non_positive_layer_sizes_are_named(n_in, n_out, error, message):
    with pytest.raises(error, match=message):
        Dense(n_in, n_out)


def test_layers_that_do_not_connect_are_named():
    with pytest.raises(ValueError, match="layer 0 outputs 4 units but layer 1 expects 5 inputs"):
        Network([Dense(3, 4), Dense(5, 1)])


def test_layers_of_different_dtypes_are_named():
    with pytest.raises(TypeError, match=r"all layers must share one dtype, got \['float32', 'float64'\]"):
        Network([Dense(3, 4, dtype="float32"), Dense(4, 1, dtype="float64")])


def test_set_weights_checks_count_and_shapes(net):
    weights = net.get_weights()
    with pytest.raises(ValueError, match="set_weights got 3 arrays, the network has 4"):
        net.set_weights(weights[:3])
    weights[2] = np.zeros((1, 4))
    with pytest.raises(ValueError, match=r"weights\[2\] has shape \(1, 4\), expected \(4, 1\)"):
        net.set_weights(weights)


def test_set_weights_copies_in_place_and_keeps_dtype(net):
    params = net.params()
    new = [np.ones_like(w, dtype=np.float32) for w in net.get_weights()]
    net.set_weights(new)
    assert all(p is q for p, q in zip(params, net.params(), strict=True))
    assert all(w.dtype == np.float64 and (w == 1).all() for w in net.get_weights())
