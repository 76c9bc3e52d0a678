"""Bad input is answered with a ValueError/TypeError that names what is wrong; nothing is broadcast."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from scratch import Dense, Dropout, Network, activations, agreement, losses, metrics, optimizers
from scratch.perceptron import Perceptron
from scratch.training import evaluate


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
        (np.zeros((1, 3), dtype=object), TypeError, r"^X must be numeric, got dtype object$"),   # no pandas hint
    ],
    ids=["wrong-feature-count", "1-D", "empty", "nan", "inf", "strings", "ragged", "object-array"],
)
def test_bad_inputs_are_named(net, X, error, message):
    with pytest.raises(error, match=message):
        net.forward(X)


@pytest.mark.parametrize("call", [lambda net, X: net.forward(X, training="yes"),
                                  lambda net, X: net.loss_and_gradients(X, np.zeros((2, 1)), "mse", training=1)])
def test_training_must_be_true_or_false_not_anything_truthy(net, call):
    """training="yes" would have switched Dropout on, and training="no" too (any non-empty string is true)."""
    with pytest.raises(TypeError, match="training must be True or False, got "):
        call(net, np.zeros((2, 3)))


@pytest.mark.parametrize("column", [[True, False], pd.array([1, 2], dtype="Int64")], ids=["bool", "nullable-Int64"])
def test_a_dataframe_of_numbers_whose_columns_mix_types_is_told_how_to_convert(net, column):
    """A float column beside a bool (or pandas' nullable Int64) column gives an object array: the error said only
    "X must be numeric, got dtype object", of a table that holds nothing but numbers."""
    X = pd.DataFrame({"a": column, "b": [1.0, 2.0], "c": [3.0, 4.0]})
    with pytest.raises(TypeError, match=r"X must be numeric, got dtype object: pandas gives NumPy Python objects for "
                                        r"columns of mixed types .* pass df\.to_numpy\(dtype=float\)$"):
        net.forward(X)
    assert net.forward(X.to_numpy(dtype=float)).shape == (2, 1)


@pytest.mark.parametrize("make, name, hint", [
    (lambda: pd.DataFrame({c: pd.array([1.0, 2.0], dtype="Float64") for c in "abc"}), "X", "df"),
    (lambda: pd.Series(pd.array([True, None], dtype="boolean")), "y", "series"),
], ids=["all-Float64-frame", "nullable-boolean-series"])
def test_pandas_nullable_numbers_are_told_how_to_convert_not_said_to_mix_types(net, make, name, hint):
    """Two Float64 columns, or a boolean Series holding NA, also reach NumPy as objects: the hint once said "its columns
    mix types" of a frame whose columns share one type, and nothing at all for a Series."""
    data = make()
    call = (lambda: net.forward(data)) if name == "X" else (lambda: net.fit(np.zeros((2, 3)), data, loss="mse",
                                                                             verbose=0))
    with pytest.raises(TypeError, match=rf"^{name} must be numeric, got dtype object: pandas gives NumPy Python "
                                        rf"objects for .* nullable types .*; pass {hint}\.to_numpy\(dtype=float\)$"):
        call()


def test_a_dataframe_with_a_text_column_is_not_told_to_convert_it_to_floats(net):
    # df.to_numpy(dtype=float) fails on text ("could not convert string to float"): the hint is for numbers only
    X = pd.DataFrame({"a": ["x", "y"], "b": [1.0, 2.0], "c": [3.0, 4.0]})
    with pytest.raises(TypeError, match=r"^X must be numeric, got dtype object$"):
        net.forward(X)


def test_a_numpy_bool_is_a_bool():
    """np.True_ (what a comparison of NumPy numbers gives) was refused: "shuffle must be True or False, got np.True_",
    though np.int64 passes for an int and np.float32 for a float."""
    def dropping():
        return Network([Dense(2, 3, "relu", seed=0), Dropout(0.5, seed=1), Dense(3, 1, seed=2)])

    X = np.ones((4, 2))
    np.testing.assert_array_equal(dropping().forward(X, training=np.True_), dropping().forward(X, training=True))
    rows, y = np.arange(8.0).reshape(4, 2) / 8, np.arange(4.0)                  # the order of the rows matters
    fitted = [dropping(), dropping()]
    for net, shuffle in zip(fitted, (np.False_, False), strict=True):
        net.fit(rows, y, loss="mse", epochs=1, batch_size=1, shuffle=shuffle, seed=0, verbose=0)
    for w, w_plain in zip(*(net.get_weights() for net in fitted), strict=True):
        np.testing.assert_array_equal(w, w_plain)                               # np.False_ is False: no shuffling
    assert optimizers.SGD(nesterov=np.True_, momentum=0.5).nesterov is True
    assert optimizers.SGD(nesterov=np.False_, momentum=0.5).nesterov is False


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
    # The reference, written out in NumPy for y as a column (6, 1): relu hidden layer, sigmoid + BCE output.
    W1, b1, W2, b2 = net.get_weights()
    z1 = X @ W1 + b1                                                     # (6, 4)
    a1 = np.maximum(z1, 0)
    a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))                               # (6, 1)
    column = y.reshape(-1, 1)
    value = -np.mean(column * np.log(a2) + (1 - column) * np.log(1 - a2))
    broadcast = -np.mean(y * np.log(a2) + (1 - y) * np.log(1 - a2))     # (6, 6): what NumPy alone would do
    assert abs(broadcast - value) > 1e-3
    d2 = (a2 - column) / len(X)                                          # (6, 1) fused BP1
    d1 = (d2 @ W2.T) * (z1 > 0)                                          # (6, 4) BP2
    reference = [X.T @ d1, d1.sum(axis=0), a1.T @ d2, d2.sum(axis=0)]
    for targets in (y, column):
        C, grads = net.loss_and_gradients(X, targets, "binary_crossentropy")
        assert C == pytest.approx(value, rel=1e-12), f"y of shape {targets.shape}"
        for g, ref in zip(grads, reference, strict=True):
            np.testing.assert_allclose(g, ref, rtol=1e-12, atol=1e-15, err_msg=f"y of shape {targets.shape}")


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


@pytest.mark.parametrize("a_prev, got", [([[1.0, 2.0]], "list"), (np.array([["1", "2"]]), "dtype <U1"),
                                         (np.array([[1j, 2j]]), "dtype complex128")])
def test_a_dense_layer_called_on_a_list_or_non_numbers_names_a_prev(a_prev, got):
    # Network.forward converts X; a Dense called by itself keeps a_prev for BP4, which needs an array. Strings
    # raised NumPy's "ufunc 'matmul' did not contain a loop", complex numbers an error about the activation's z.
    message = f"Dense(2, 3).forward needs a_prev as a NumPy array of numbers (m, 2), got {got}"
    with pytest.raises(TypeError, match=re.escape(message)):
        Dense(2, 3).forward(a_prev)


@pytest.mark.parametrize("call, error, message", [
    (lambda: Network([]), ValueError, "Network needs at least one layer"),
    (lambda: Dense(2, 3).forward(np.zeros((4, 5))), ValueError,
     "Dense(2, 3) expects input of shape (m, 2), got (4, 5)"),
    (lambda: Dense(2, 3).forward(np.zeros(2)), ValueError, "Dense(2, 3) expects input of shape (m, 2), got (2,)"),
    (lambda: losses.get("mse").forward(np.zeros(3), np.zeros(3)), ValueError,
     "mse: y_pred must be 2-D (batch, outputs), got shape (3,)"),
    (lambda: activations.get("softmax").forward(np.zeros((2, 0))), ValueError,
     "softmax needs at least one unit on the last axis, got shape (2, 0)"),
    (lambda: activations.get("softmax").derivative(np.zeros((2, 3))), NotImplementedError,
     "softmax has no elementwise derivative"),
    (lambda: agreement.relative_error(np.zeros(3), np.zeros(4)), ValueError,
     "relative_error needs equal shapes, got (3,) and (4,)"),
    (lambda: agreement.vector_relative_error(np.zeros(3), np.zeros(4)), ValueError,
     "vector_relative_error needs equal shapes, got (3,) and (4,)"),
    (lambda: optimizers.schedules.PiecewiseConstantDecay(np.array([5]), np.array([0.1, 0.01])), TypeError,
     "boundaries and values must be lists, got ndarray and ndarray"),
], ids=["no-layers", "dense-wrong-width", "dense-1-D", "loss-1-D", "softmax-no-units", "softmax-derivative",
        "relative-error-shapes", "vector-relative-error-shapes", "schedule-arrays"])
def test_a_component_called_on_the_wrong_thing_says_what_is_wrong(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


@pytest.mark.parametrize("make, error, message", [
    (lambda: Dense(2, 3, seed="a"), TypeError, "Dense seed must be an int >= 0, a np.random.Generator or None, got "
                                               "str 'a'"),
    (lambda: Dense(2, 3, seed=-1), ValueError, "Dense seed must be an int >= 0, got -1"),
    (lambda: Dropout(0.5, seed=1.5), TypeError, "Dropout seed must be an int >= 0, a np.random.Generator or None, got "
                                                "float 1.5"),
    (lambda: Dropout(0.5, seed=-2), ValueError, "Dropout seed must be an int >= 0, got -2"),
], ids=["dense-text", "dense-negative", "dropout-float", "dropout-negative"])
def test_seeds_that_are_not_seeds_are_named(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


def test_layers_that_do_not_connect_are_named():
    with pytest.raises(ValueError, match="layer 0 outputs 4 units but layer 1 expects 5 inputs"):
        Network([Dense(3, 4), Dense(5, 1)])


@pytest.mark.parametrize("make_layer", [lambda: Dense(2, 2, "tanh", seed=0), lambda: Dropout(0.5, seed=0)],
                         ids=["dense", "dropout"])
def test_a_layer_used_twice_is_named_not_given_wrong_gradients(make_layer):
    # One object at two places would keep only the second place's z and a_prev (or mask) for backprop.
    layer = make_layer()
    with pytest.raises(ValueError, match=f"layers 1 and 3 are the same {type(layer).__name__} object: each place"):
        Network([Dense(2, 2, seed=1), layer, Dense(2, 2, seed=2), layer, Dense(2, 1, seed=3)])


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


# -- dtypes: a network computes in float32 or float64, and what it is given is cast to its dtype -------------

def test_a_float32_network_casts_float64_inputs_so_its_gradients_fit_its_optimizer(rng):
    # Keras casts a model's inputs to its layers' dtype; float64 inputs once gave float64 gradients here,
    # which the optimizer then refused for a float32 network.
    net = Network([Dense(3, 4, "relu", seed=0, dtype="float32"), Dense(4, 1, "sigmoid", seed=1, dtype="float32")])
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=(5, 1))                    # float64, int64
    assert net.forward(X).dtype == np.float32
    np.testing.assert_array_equal(net.forward(X), net.forward(X.astype(np.float32)))    # cast first, not after
    _, grads = net.loss_and_gradients(X.tolist(), y, "binary_crossentropy")
    assert [g.dtype for g in grads] == [np.float32] * 4
    optimizers.SGD(0.1).apply(grads, net.params())


@pytest.mark.parametrize("a_prev_dtype", [np.float64, np.int64, np.longdouble, np.float16])
@pytest.mark.parametrize("layer_dtype", ["float32", "float64"])
def test_a_dense_layer_computes_in_its_own_dtype_whatever_it_is_fed(layer_dtype, a_prev_dtype, rng):
    # Keras' Dense casts its inputs to its dtype; here a float32 layer fed float64 or int64 computed in float64, one
    # fed float128 in float128, and gave gradients its optimizer refuses for the layer's own weights
    a_prev = (rng.normal(size=(4, 3)) * 3).astype(a_prev_dtype)
    layer = Dense(3, 2, "tanh", seed=0, dtype=layer_dtype)
    a = layer.forward(a_prev)
    grad_a_prev = layer.backward(np.ones_like(a))
    assert {a.dtype, layer.grad_W.dtype, layer.grad_b.dtype, grad_a_prev.dtype} == {np.dtype(layer_dtype)}
    np.testing.assert_array_equal(a, Dense(3, 2, "tanh", seed=0, dtype=layer_dtype).forward(a_prev.astype(layer_dtype)))
    optimizers.SGD(0.1).apply([layer.grad_W, layer.grad_b], [layer.W, layer.b])


def test_a_dense_layer_names_a_value_too_large_for_its_float32():
    with pytest.raises(ValueError, match=r"^a_prev holds values too large for the layer's float32 \(first at index "
                                         r"\[0, 1\]: 1e\+39"):
        Dense(2, 1, seed=0, dtype="float32").forward(np.array([[0.0, 1e39]]))
    # an inf that was inf already is no value the cast made too large: the one named is the finite 1e39 after it
    with pytest.raises(ValueError, match=r"first at index \[0, 1\]: 1e\+39"):
        Dense(2, 1, seed=0, dtype="float32").forward(np.array([[np.inf, 1e39]]))


@pytest.mark.parametrize("call, message", [
    (lambda net: net.forward(np.full((1, 3), 1e39)), r"^X holds values too large for the network's float32 "
                                                     r"\(first at index \[0, 0\]: 1e\+39"),
    (lambda net: net.set_weights([np.full((3, 1), 1e39), np.zeros(1)]),
     r"^weights\[0\] holds values too large for the network's float32"),
    (lambda net: net.loss_and_gradients(np.zeros((1, 3)), [[1e39]], "mse"),
     r"^y_true holds values too large for y_pred's float32 \(first at index \[0, 0\]: 1e\+39"),
], ids=["forward-X", "set_weights", "y"])
def test_a_value_too_large_for_float32_is_named_not_turned_into_inf(call, message):
    net = Network([Dense(3, 1, seed=0, dtype="float32")])
    before = net.get_weights()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                # no "overflow encountered in cast" either
        with pytest.raises(ValueError, match=message):
            call(net)
    for w, w_before in zip(net.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w_before)


@pytest.mark.parametrize("make, message", [
    (lambda: Dense(2, 1, dtype="float16"), "Dense dtype must be float32 or float64, got float16: float16 rounds "
                                           "1 - 1e-7 to 1"),
    (lambda: Dense(2, 1, dtype="int32"), "Dense dtype must be float32 or float64, got int32"),
    (lambda: Dense(2, 3, dtype="floaty"), "Dense dtype must be float32 or float64, got 'floaty'"),
    (lambda: Network([Dense(2, 1, seed=0)]).astype("int64"), "astype's dtype must be float32 or float64, got int64"),
    (lambda: losses.get("binary_crossentropy").forward(np.zeros((1, 1), np.float16), np.ones((1, 1), np.float16)),
     "y_pred's dtype must be float32 or float64, got float16"),
], ids=["dense-float16", "dense-int", "dtype-not-a-dtype", "astype-int", "loss-float16"])
def test_a_dtype_other_than_float32_or_float64_is_named(make, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        make()


@pytest.mark.parametrize("step", ["backward", "backward_from_delta"])
def test_a_dense_layers_backward_before_its_forward_asks_for_the_forward_pass(step):
    """Before any forward pass the layer has no z: backward said "z must be a NumPy array of numbers, got NoneType:
    pass np.asarray(z, dtype=float)", a hint about an argument the caller never passes."""
    with pytest.raises(ValueError, match=rf"Dense\(2, 3\)\.{step} needs a forward pass first"):
        getattr(Dense(2, 3), step)(np.ones((4, 3)))


@pytest.mark.parametrize("delta_shape", [(3, 3), (4, 2), (4, 1), (4,)])
def test_a_dense_layers_delta_must_match_its_last_forward_pass(delta_shape):
    """A delta of the wrong shape failed inside NumPy's matmul ("mismatch in its core dimension"), or, with
    grad_input=False, made a grad_W of another shape without a word ((2, 1) from a (4, 1) delta, (2,) from (4,))."""
    layer = Dense(2, 3)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=rf"delta must have shape \(4, 3\).*got {re.escape(str(delta_shape))}"):
        layer.backward_from_delta(np.ones(delta_shape), grad_input=False)


@pytest.mark.parametrize("call, message", [
    (lambda net: Network(5), r"Network takes a list of layers such as \[Dense\(\.\.\.\), \.\.\.\], got int 5"),
    (lambda net: net.set_weights(None), r"set_weights takes a list of arrays \[W_1, b_1, \.\.\.\], got NoneType"),
    (lambda net: net.fit(np.zeros((4, 3)), np.zeros((4, 1)), loss="mse", validation_data=5, verbose=0),
     r"validation_data must be a pair \(X_val, y_val\), got int"),
], ids=["network-of-an-int", "set-weights-none", "validation-data-int"])
def test_what_is_not_a_list_is_named_where_a_list_is_expected(net, call, message):
    """Each of these was Python's own TypeError ("'int' object is not iterable", "'NoneType' object is not
    iterable", "object of type 'int' has no len()"), naming neither the argument nor what it should be."""
    with pytest.raises(TypeError, match=message):
        call(net)


def test_a_generator_of_layers_is_taken_and_a_layers_own_error_inside_it_is_its_own():
    """A generator is a list of layers once read; a TypeError raised while reading it is the layer's, not "Network
    takes a list of layers ..., got generator"."""
    assert len(Network(Dense(n_in, 2) for n_in in (3, 2)).layers) == 2
    with pytest.raises(TypeError, match="n_in must be an int") as raised:
        Network(Dense(n_in, 2) for n_in in ("3",))
    assert "Network takes a list" not in str(raised.value)


# -- the two ndarray subclasses whose arithmetic is not NumPy's elementwise arithmetic --------------------
# np.matrix: `*` is a matrix product (a (2, 2) grad_a * g'(z) gives a (2, 2) answer of the wrong numbers);
# np.ma.MaskedArray: arithmetic skips the masked entries, and np.asarray hands over whatever lies under the mask
# (Keras' fit trains on those hidden values without a word). Each entry point takes a matrix as the array it
# holds, a masked array with nothing masked as its data, and refuses one with masked entries, naming it.

def _matrix(a):
    """a as an np.matrix, without NumPy's PendingDeprecationWarning on creating one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(a)


def _masked(values, where):
    """values as a masked array, the entry at `where` masked with a hidden 1e6 under the mask."""
    masked = np.ma.masked_array(np.array(values, dtype=float, copy=True))
    masked.data[where] = 1e6
    masked[where] = np.ma.masked
    return masked


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear", "softmax"])
def test_an_activations_backward_on_np_matrix_is_elementwise_not_a_matrix_product(name, rng):
    z, upstream = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    g = activations.get(name)
    z_m, up_m = _matrix(z), _matrix(upstream)
    for got, want in ((g.forward(z_m), g.forward(z)), (g.backward(z_m, up_m), g.backward(z, upstream))):
        assert type(got) is np.ndarray
        np.testing.assert_array_equal(got, want)


def test_a_dense_layer_fed_an_np_matrix_gives_the_gradients_of_the_array_it_holds(rng):
    a_prev, upstream = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    plain, as_matrix = Dense(2, 2, "tanh", seed=0), Dense(2, 2, "tanh", seed=0)
    plain.forward(a_prev)
    as_matrix.forward(_matrix(a_prev))
    np.testing.assert_array_equal(as_matrix.backward(upstream), plain.backward(upstream))
    np.testing.assert_array_equal(as_matrix.grad_W, plain.grad_W)
    assert type(as_matrix.grad_W) is np.ndarray


def test_dropout_fed_an_np_matrix_multiplies_by_its_mask_elementwise(rng):
    a_prev, mask = rng.normal(size=(2, 2)), np.array([[True, False], [False, True]])
    a = Dropout(0.5).forward(_matrix(a_prev), training=True, mask=mask)
    assert type(a) is np.ndarray
    np.testing.assert_array_equal(a, a_prev * 2.0 * mask)              # scale 1 / (1 - 0.5), by hand


@pytest.mark.parametrize("call, message", [
    (lambda net, Xm: net.forward(Xm), r"^X is a masked array with 1 masked entry \(first at index \[1, 2\]\)"),
    (lambda net, Xm: net.fit(Xm, np.ones(3), loss="mse", verbose=0), r"^X is a masked array with 1 masked entry"),
    (lambda net, Xm: net.fit(np.zeros((3, 3)), _masked(np.ones(3), 1), loss="mse", verbose=0),
     r"^y is a masked array with 1 masked entry \(first at index \[1\]\)"),
    (lambda net, Xm: net.set_weights([_masked(np.ones((3, 4)), (0, 0)), *net.get_weights()[1:]]),
     r"^weights\[0\] is a masked array"),
    (lambda net, Xm: losses.get("mse").forward(_masked(np.ones((3, 1)), (2, 0)), np.ones((3, 1))),
     r"^y_true is a masked array"),
    (lambda net, Xm: activations.get("relu").forward(Xm), r"^z is a masked array"),
    (lambda net, Xm: Dense(3, 1).forward(Xm), r"^a_prev is a masked array"),
    (lambda net, Xm: Dropout(0.5).forward(Xm, training=True), r"^a_prev is a masked array"),
    (lambda net, Xm: evaluate(net, np.zeros((3, 3)), _masked(np.ones(3), 1), loss="mse", metrics=["mae"]),
     r"^y_true is a masked array"),
    (lambda net, Xm: Perceptron().fit(np.zeros((3, 3)), _masked([0, 1, 1], 0)), r"^y is a masked array"),
], ids=["forward", "fit-X", "fit-y", "set_weights", "loss", "activation", "dense", "dropout", "evaluate", "perceptron"])
def test_a_masked_array_with_masked_entries_is_refused_not_read_under_its_mask(net, call, message):
    Xm = _masked(np.zeros((3, 3)), (1, 2))
    with pytest.raises(ValueError, match=message + r".*filled"):
        call(net, Xm)


def test_a_masked_array_with_nothing_masked_is_its_data(net, rng):
    X = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(net.forward(np.ma.masked_array(X)), net.forward(X))
    # a layer or an activation called on one computes on the plain array it holds, and gives a plain array back
    for out in (Dense(3, 2, seed=0).forward(np.ma.masked_array(X)),
                activations.get("tanh").forward(np.ma.masked_array(X))):
        assert type(out) is np.ndarray, type(out)


def test_a_masked_array_names_how_many_entries_are_masked_and_the_first_of_them(net):
    y = np.ma.masked_array(np.ones(5), mask=[False, True, False, False, True])
    with pytest.raises(ValueError, match=r"^y is a masked array with 2 masked entries \(first at index \[1\]\)"):
        net.fit(np.zeros((5, 3)), y, loss="mse", verbose=0)


def test_an_optimizer_refuses_a_masked_param_even_with_nothing_masked_yet():
    """An update in place of a masked array skips the entries masked later: refused, not unmasked, as a param is
    updated in place and cannot be swapped for its data."""
    W = np.ma.masked_array(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"^params\[0\] is a masked array, whose arithmetic is not NumPy's"):
        optimizers.SGD(learning_rate=0.1).apply([np.full((2, 2), 0.5)], [W])
    np.testing.assert_array_equal(W.data, np.ones((2, 2)))


@pytest.mark.parametrize("kind", ["matrix", "masked"])
@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_an_optimizer_refuses_params_and_grads_whose_arithmetic_is_not_elementwise(kind, opt):
    def odd(a):
        return _masked(a, (0, 1)) if kind == "masked" else _matrix(a)

    for grads, params, name in (([odd(np.full((2, 2), 0.5))], [np.ones((2, 2))], r"grads\[0\]"),
                                ([np.full((2, 2), 0.5)], [odd(np.ones((2, 2)))], r"params\[0\]")):
        before = np.array(params[0], copy=True)
        with pytest.raises((TypeError, ValueError), match=f"^{name} is a"):
            getattr(optimizers, opt)(learning_rate=0.1).apply(grads, params)
        np.testing.assert_array_equal(np.asarray(params[0]), before)     # nothing updated


# -- integer class labels where one-hot rows are expected ---------------------------------------------------------
# Keras takes y = [0, 2, 1, ...] against a softmax of k units with sparse_categorical_crossentropy; scratch's losses
# take one-hot rows (m, k). The shape error says how to get them, only when y is one label per example in range(k).

def _classifier():
    return Network([Dense(2, 3, "softmax", seed=0)])


_LABELS = np.array([0, 1, 2, 0, 2, 1])


@pytest.mark.parametrize("call, message", [
    (lambda net, X, y: net.fit(X, y, loss="categorical_crossentropy", verbose=0),
     r"^y has shape \(6,\); expected \(6, 3\) for X of shape \(6, 2\) and a network with 3 outputs; if y holds "),
    (lambda net, X, y: net.fit(X, np.eye(3)[_LABELS], loss="categorical_crossentropy", verbose=0,
                               validation_data=(X, y)), r"^validation y has shape \(6,\); .*if y_val holds "),
    (lambda net, X, y: net.loss_and_gradients(X, y, "categorical_crossentropy"),
     r"^categorical_crossentropy: y_true shape \(6,\) does not match y_pred shape \(6, 3\); if y_true holds "),
    (lambda net, X, y: net.loss(X, y, "mse"), r"^mse: y_true shape \(6,\) does not match .*; if y_true holds "),
    (lambda net, X, y: evaluate(net, X, y, loss="categorical_crossentropy"), r"^categorical_crossentropy: y_true "),
    (lambda net, X, y: losses.get("categorical_crossentropy").forward(y, net.forward(X)), r"if y_true holds "),
    (lambda net, X, y: metrics.categorical_accuracy(y, net.forward(X)), r"^a metric compares .*; if y holds "),
], ids=["fit", "validation", "loss_and_gradients", "mse", "evaluate", "loss-forward", "metric"])
def test_integer_class_labels_against_a_softmax_are_told_to_one_hot_them(call, message, rng):
    net, X = _classifier(), rng.normal(size=(6, 2))
    with pytest.raises(ValueError, match=message + r".*class labels 0\.\.2 .*sparse_categorical_crossentropy.*"
                                                 r"one-hot them: np\.eye\(3\)\[y(_true|_val)?\]$"):
        call(net, X, _LABELS)


@pytest.mark.parametrize("y, code", [
    (_LABELS, "y"), (_LABELS.tolist(), "y"), (pd.Series(_LABELS), "y"), (_LABELS.astype(np.uint8), "y"),
    (_LABELS.astype(float), "np.asarray(y, dtype=int)"), (_LABELS.astype(float).tolist(), "np.asarray(y, dtype=int)"),
    (pd.Series(_LABELS, dtype=float), "np.asarray(y, dtype=int)"), (_LABELS.reshape(-1, 1), "np.ravel(y)"),
    (_LABELS.astype(float).reshape(-1, 1), "np.ravel(y).astype(int)"),
    (pd.DataFrame({"label": _LABELS.astype(float)}), "np.ravel(y).astype(int)"),
], ids=["int", "list", "series", "uint8", "float", "float-list", "float-series", "column", "float-column",
        "float-dataframe"])
def test_the_one_hot_hint_is_code_that_runs_on_that_y_and_gives_the_one_hot_rows(y, code, rng):
    """The hint's expression, run on the learner's y, gives the rows written out by hand, and fit takes them."""
    net, X = _classifier(), rng.normal(size=(6, 2))
    with pytest.raises(ValueError) as caught:
        net.fit(X, y, loss="categorical_crossentropy", verbose=0)
    assert str(caught.value).endswith(f"one-hot them: np.eye(3)[{code}]"), str(caught.value)
    one_hot = eval(f"np.eye(3)[{code}]", {"np": np, "y": y})
    by_hand = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    np.testing.assert_array_equal(one_hot, by_hand)
    net.fit(X, one_hot, loss="categorical_crossentropy", verbose=0)


def test_boolean_labels_are_told_to_become_ints_first_not_used_as_a_mask(rng):
    """np.eye(2)[y] of a boolean y picks rows by the mask (3 rows for 6 examples), not one row per label."""
    net, X, y = Network([Dense(2, 2, "softmax", seed=0)]), rng.normal(size=(6, 2)), _LABELS % 2 == 1
    with pytest.raises(ValueError, match=r"class labels 0\.\.1 .*one-hot them: np\.eye\(2\)\[(.*)\]$") as caught:
        net.fit(X, y, loss="categorical_crossentropy", verbose=0)
    one_hot = eval(str(caught.value).rsplit("one-hot them: ", 1)[1], {"np": np, "y": y})
    np.testing.assert_array_equal(one_hot, [[1, 0], [0, 1], [1, 0], [1, 0], [1, 0], [0, 1]])


@pytest.mark.parametrize("y", [
    np.array([0.5, 1.7, 0.3, 2.2, 0.0, 1.0]),           # a regression's targets, all in [0, 3)
    np.array([0, 1, 3, 0, 2, 1]),                       # 3 is no class of 3 outputs
    np.array([0, 1, -1, 0, 2, 1]),                      # nor is -1
    np.array([0, 1, 2, 0, 2]),                          # 5 labels for 6 examples: the row count is what is wrong
    np.zeros((6, 2), dtype=int),                        # two columns: not one label per example
], ids=["regression", "label-k", "negative", "row-count", "two-columns"])
def test_targets_that_are_not_one_label_per_example_in_range_k_get_no_one_hot_hint(y, rng):
    net, X = _classifier(), rng.normal(size=(6, 2))
    for call in (lambda: net.fit(X, y, loss="mse", verbose=0), lambda: net.loss(X, y, "mse"),
                 lambda: metrics.mean_squared_error(y, net.forward(X))):
        with pytest.raises(ValueError) as caught:
            call()
        assert "one-hot" not in str(caught.value) and "shape" in str(caught.value), str(caught.value)
