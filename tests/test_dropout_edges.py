"""Dropout's edges, as a learner meets them: what Keras itself computes for each on the installed version (so a Keras
upgrade that changes it is noticed), and the one clear line scratch's Dropout and the bridge give where they refuse
one -- naming the argument, the value and what to use instead, never Python's own TypeError about a keyword."""

import math

import keras
import numpy as np
import pytest
from conftest import assert_close

from keras_models.twins.bridge import from_keras
from scratch import Dense, Dropout, Network

ONES = np.ones((200, 50), dtype="float32")            # (m, n): a unit's output is its mask times the scale


def train_and_infer(layer, x=ONES) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(layer(x, training=True)), np.asarray(layer(x, training=False))


# -- what Keras computes (keras.layers.Dropout and its relatives, training and inference) -------------------------

def test_keras_dropout_of_rate_1_is_accepted_and_zeroes_every_unit_while_training():
    """Keras accepts rate=1.0 (scratch and the bridge refuse it): every unit dropped, no 1 / (1 - rate) = inf."""
    trained, inferred = train_and_infer(keras.layers.Dropout(1.0, seed=0))
    np.testing.assert_array_equal(trained, np.zeros_like(ONES))
    np.testing.assert_array_equal(inferred, ONES)
    np.testing.assert_array_equal(train_and_infer(keras.layers.Dropout(1, seed=0))[0], np.zeros_like(ONES))


def test_keras_dropout_of_rate_0_is_the_identity_in_training_and_at_inference():
    trained, inferred = train_and_infer(keras.layers.Dropout(0.0, seed=0))
    np.testing.assert_array_equal(trained, ONES)
    np.testing.assert_array_equal(inferred, ONES)


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")], ids=["negative", "above-1", "nan"])
def test_keras_refuses_a_rate_outside_0_1_when_the_layer_is_made(rate):
    with pytest.raises(ValueError, match=r"Invalid value received for argument `rate`. Expected a float value "
                                         r"between 0 and 1. Received: rate="):
        keras.layers.Dropout(rate)


def test_keras_refuses_a_rate_given_as_a_string_with_pythons_own_comparison_error():
    with pytest.raises(TypeError, match="'<=' not supported between instances of 'int' and 'str'"):
        keras.layers.Dropout("0.5")


def test_keras_noise_shape_none_1_drops_whole_rows():
    """noise_shape=(None, 1): one draw per example, broadcast over its units -- a row is all dropped or all kept."""
    trained, inferred = train_and_infer(keras.layers.Dropout(0.5, noise_shape=(None, 1), seed=0))
    assert set(np.unique(trained)) == {0.0, 2.0}
    assert np.all(trained == trained[:, :1])                                   # each row one value
    assert 0 < np.mean(trained[:, 0] == 0) < 1                                 # some rows dropped, some kept
    np.testing.assert_array_equal(inferred, ONES)


def test_keras_dropout_seed_3_draws_the_same_masks_in_two_layers():
    first, second = keras.layers.Dropout(0.5, seed=3), keras.layers.Dropout(0.5, seed=3)
    for _ in range(2):                                                         # and their generators advance alike
        trained, inferred = train_and_infer(first)
        np.testing.assert_array_equal(trained, train_and_infer(second)[0])
        assert set(np.unique(trained)) == {0.0, 2.0}
        np.testing.assert_array_equal(inferred, ONES)


def test_keras_refuses_a_seed_given_second_as_a_noise_shape_when_the_layer_is_made():
    """Keras' second positional is noise_shape: Dropout(0.5, 3), written for seed=3 as scratch's Dropout(rate, seed)
    reads it, is Keras' own one-line ValueError at construction, so no model holding it reaches the bridge."""
    with pytest.raises(ValueError, match=r"^Invalid value received for argument `noise_shape`. Expected an iterable "
                                         r"of integers \(e.g., a tuple or list\). Received: noise_shape=3$"):
        keras.layers.Dropout(0.5, 3)


def test_keras_takes_noise_shape_and_seed_positionally_a_name_and_a_dtype():
    """Keras' Dropout(rate, noise_shape=None, seed=None, **kwargs): Dropout(0.5, None, 3) is seed=3 (the same masks),
    name= names the layer and dtype="float64" computes in float64 (a float32 input comes out float64). Scratch's
    Dropout(rate, seed=None) refuses each in a line of its own (below); the bridge carries them (below too)."""
    positional, by_name = keras.layers.Dropout(0.5, None, 3), keras.layers.Dropout(0.5, seed=3)
    assert (positional.noise_shape, positional.seed) == (None, 3)
    np.testing.assert_array_equal(train_and_infer(positional)[0], train_and_infer(by_name)[0])
    assert keras.layers.Dropout(rate=0.5, name="d1").name == "d1"
    trained, inferred = train_and_infer(keras.layers.Dropout(0.5, dtype="float64", seed=0))
    assert trained.dtype == inferred.dtype == np.float64
    assert set(np.unique(trained)) == {0.0, 2.0}


def test_keras_takes_a_dropout_first_two_in_a_row_and_one_after_the_output():
    """Keras builds all three without a word; the one after the output thins the predictions while training
    (a prediction is 0 or divided by 1 - rate: a probability can pass 1). Two in a row keep a unit with probability
    (1 - r1)(1 - r2) and scale it by both."""
    first = keras.Sequential([keras.Input((50,)), keras.layers.Dropout(0.5, seed=0), keras.layers.Dense(1)])
    assert [type(layer).__name__ for layer in first.layers] == ["Dropout", "Dense"]
    two = keras.Sequential([keras.Input((50,)), keras.layers.Dropout(0.5, seed=0), keras.layers.Dropout(0.2, seed=1)])
    trained, inferred = train_and_infer(two)
    np.testing.assert_allclose(np.unique(trained), [0.0, 1 / (0.5 * 0.8)], rtol=1e-6)
    np.testing.assert_array_equal(inferred, ONES)
    dense = keras.layers.Dense(1, activation="sigmoid", kernel_initializer="ones")
    last = keras.Sequential([keras.Input((50,)), dense, keras.layers.Dropout(0.5, seed=0)])
    probability = np.asarray(dense(ONES))                                      # (m, 1) sigmoid(50), about 1
    trained, inferred = train_and_infer(last)
    assert set(np.unique(trained / probability)) == {0.0, 2.0}
    np.testing.assert_array_equal(inferred, probability)


def test_keras_spatial_dropout_1d_is_a_dropout_subclass_that_drops_whole_channels_of_sequences_only():
    layer = keras.layers.SpatialDropout1D(0.5, seed=0)
    assert isinstance(layer, keras.layers.Dropout)        # which is why a grader counting Dropout layers counts it
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(ONES, training=True)                        # a batch of rows: Keras refuses it
    x = np.ones((20, 7, 50), dtype="float32")             # (m, steps, channels)
    trained, inferred = train_and_infer(keras.layers.SpatialDropout1D(0.5, seed=0), x)
    assert set(np.unique(trained)) == {0.0, 2.0}
    assert np.all(trained == trained[:, :1, :])           # a channel dropped at every step of its example
    np.testing.assert_array_equal(inferred, x)


def test_keras_gaussian_dropout_multiplies_by_noise_of_mean_1_and_variance_rate_over_1_minus_rate():
    """No unit is zeroed: each is multiplied by N(1, rate / (1 - rate)) while training (Srivastava et al. 2014,
    section 10); the identity at inference. Not a keras.layers.Dropout."""
    layer = keras.layers.GaussianDropout(0.2, seed=0)
    assert not isinstance(layer, keras.layers.Dropout)
    x = np.ones((400, 500), dtype="float32")
    trained, inferred = train_and_infer(layer, x)
    std = math.sqrt(0.2 / 0.8)                                                 # 0.5
    assert abs(trained.mean() - 1) < 4 * std / math.sqrt(x.size)              # 4 standard errors
    assert abs(trained.std() - std) < 0.01
    np.testing.assert_array_equal(inferred, x)


def test_keras_alpha_dropout_sets_dropped_units_to_selus_saturation_and_rescales():
    """A dropped unit becomes alpha' = -selu_scale * selu_alpha, then a * x + b keeps a SELU network's mean 0 and
    variance 1 (Klambauer et al. 2017): a = ((1 - rate)(1 + rate alpha'^2))^-1/2, b = -a alpha' rate. On ones:
    a + b where kept, a alpha' + b where dropped. The identity at inference. Not a keras.layers.Dropout."""
    rate, alpha, scale = 0.5, 1.6732632423543772, 1.0507009873554805            # SELU's constants
    alpha_p = -alpha * scale
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    layer = keras.layers.AlphaDropout(rate, seed=0)
    assert not isinstance(layer, keras.layers.Dropout)
    trained, inferred = train_and_infer(layer)
    np.testing.assert_allclose(np.unique(trained), sorted([a * alpha_p + b, a + b]), rtol=1e-6)
    np.testing.assert_array_equal(inferred, ONES)


# -- scratch's Dropout: each refusal one line, naming the argument, the value and what to use instead --------------

@pytest.mark.parametrize("rate, error, message", [
    (1.0, ValueError, r"Dropout rate must be in \[0, 1\) .* got 1.0: rate=1 would drop every unit .*Keras' Dropout "
                      r"accepts it and zeroes every unit while training.* use a rate below 1, e.g. Dropout\(0.5\)"),
    (-0.1, ValueError, r"got -0.1: use a rate in \[0, 1\), e.g. Dropout\(0.2\) \(0.0: no Dropout\)"),
    (float("nan"), ValueError, r"got nan: use a rate in \[0, 1\), e.g. Dropout\(0.2\)"),
    ("0.5", TypeError, r"got str '0.5': give it as a number, Dropout\(0.5\)"),
    ("half", TypeError, r"got str 'half': give a number, e.g. Dropout\(0.2\)"),
    # a string whose number would be refused in turn: Dropout(1.0), Dropout(nan) and Dropout(2.5) were suggested
    ("1", TypeError, r"got str '1': give a number, e.g. Dropout\(0.2\)"),
    ("nan", TypeError, r"got str 'nan': give a number, e.g. Dropout\(0.2\)"),
    ("2.5", TypeError, r"got str '2.5': give a number, e.g. Dropout\(0.2\)"),
    # an int too large for a float: math.isfinite(10**400) raises OverflowError, so the range is checked first
    (10**400, ValueError, r"Dropout rate must be in \[0, 1\) .* got 10{400}: use a rate in \[0, 1\)"),
    (None, TypeError, r"Dropout rate must be a number in \[0, 1\) .* got NoneType None: give a number, e.g. "
                      r"Dropout\(0.2\)"),
], ids=["rate-1", "negative", "nan", "string", "word", "string-1", "string-nan", "string-2.5", "huge-int", "none"])
def test_scratch_refuses_a_bad_rate_and_says_what_to_use_instead(rate, error, message):
    with pytest.raises(error, match=message):
        Dropout(rate)


def test_scratch_names_keras_noise_shape_as_an_argument_it_does_not_support():
    """Dropout(0.5, noise_shape=(None, 1)) ended in Python's "unexpected keyword argument 'noise_shape'"."""
    with pytest.raises(ValueError, match=r"Dropout got noise_shape=\(None, 1\), a Keras argument scratch's Dropout "
                                         r"does not support: .* one mask entry per unit and example .* leave "
                                         r"noise_shape out"):
        Dropout(0.5, noise_shape=(None, 1))


@pytest.mark.parametrize("make_layer, error, message", [
    # Keras' order, Dropout(rate, noise_shape, seed): Keras takes seed=3 (pinned above), scratch's second is seed
    (lambda: Dropout(0.5, None, 3), ValueError,
     r"^Dropout got 3 positional arguments, \(0.5, None, 3\), in Keras' order Dropout\(rate, noise_shape, seed\): "
     r"scratch's Dropout\(rate, seed=None\) takes seed second and no noise_shape; write Dropout\(0.5, seed=3\)$"),
    # Dropout(0.5, (None, 1)): a noise_shape second, where scratch's Dropout takes the seed (was told only that a
    # seed must be an int)
    (lambda: Dropout(0.5, (None, 1)), ValueError,
     r"^Dropout got 2 positional arguments, \(0.5, \(None, 1\)\), in Keras' order Dropout\(rate, noise_shape, seed\): "
     r"scratch's Dropout\(rate, seed=None\) takes seed second and no noise_shape; write Dropout\(0.5\)$"),
    (lambda: Dropout(rate=0.5, name="d1"), ValueError,
     r"^Dropout got name='d1', a Keras argument scratch's Dropout does not support: scratch's layers have no names "
     r"\(a Network's Dropout layers are told apart by their order, the order of masks=\[...\]\); leave name out$"),
    (lambda: Dropout(0.5, dtype="float64"), ValueError,
     r"^Dropout got dtype='float64', a Keras argument scratch's Dropout does not support: it has no weights and "
     r"computes in the dtype of its input, the network's \(Dense\(..., dtype=\) sets it\); leave dtype out$"),
    (lambda: Dropout(0.5, sead=3), TypeError,
     r"^Dropout got sead=3, which is not an argument of scratch's Dropout\(rate, seed=None\)$"),
], ids=["keras-positional-order", "noise-shape-second", "name", "dtype", "unknown-keyword"])
def test_scratch_refuses_keras_other_dropout_arguments_in_one_line_naming_each(make_layer, error, message):
    """Each ended in Python's own TypeError (4 positional arguments, an unexpected keyword argument)."""
    with pytest.raises(error, match=message):
        make_layer()


def test_scratch_takes_none_keras_default_for_each_keras_argument():
    layer = Dropout(0.5, seed=3, noise_shape=None, name=None, dtype=None)
    np.testing.assert_array_equal(layer.forward(np.ones((4, 6)), training=True),
                                  Dropout(0.5, seed=3).forward(np.ones((4, 6)), training=True))


def test_scratch_networks_take_a_dropout_first_two_in_a_row_and_refuse_one_after_the_output():
    x = np.ones((6, 3))
    first = Network([Dropout(0.5, seed=0), Dense(3, 1, seed=1)])
    np.testing.assert_array_equal(first.forward(x), Dense(3, 1, seed=1).forward(x))    # inference: the identity
    two = Network([Dense(3, 4, seed=0), Dropout(0.5, seed=1), Dropout(0.2, seed=2), Dense(4, 1, seed=3)])
    assert len(two.dropout_layers) == 2
    with pytest.raises(ValueError, match=r"the last layer must be a Dense \(the output layer\), got Dropout\(0.5\): "
                                         "put Dropout between Dense layers"):
        Network([Dense(3, 1), Dropout(0.5)])


# -- the bridge: a Keras model with that Dropout turned into a scratch twin ----------------------------------------

def rows_model(*layers) -> keras.Sequential:
    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4), *layers, keras.layers.Dense(1)])


@pytest.mark.parametrize("make_layer, message", [
    (lambda: keras.layers.GaussianDropout(0.5, name="g"),
     r"found GaussianDropout 'g', which multiplies each unit by Gaussian noise .* instead of zeroing it: "
     r"scratch's Dropout is keras.layers.Dropout\(rate\)"),
    (lambda: keras.layers.AlphaDropout(0.5, name="a"),
     r"found AlphaDropout 'a', which sets a dropped unit to SELU's negative saturation .* scratch's Dropout is "
     r"keras.layers.Dropout\(rate\)"),
    (lambda: keras.layers.GaussianNoise(0.5, name="n"),
     r"found GaussianNoise 'n', which adds Gaussian noise .* scratch's Dropout is keras.layers.Dropout\(rate\)"),
], ids=["gaussian-dropout", "alpha-dropout", "gaussian-noise"])
def test_the_bridge_refuses_keras_other_noise_layers_and_says_what_to_use_instead(make_layer, message):
    """A Dropout of rate 1 or with a noise_shape: tests/test_bridge.py, which make mutants runs on the bridge."""
    with pytest.raises(ValueError, match=message):
        from_keras(rows_model(make_layer()))


def test_the_bridge_follows_keras_dropout_spelled_positionally_with_a_name_and_a_dtype(floatx64, rng):
    """Dropout(0.5, None, 3), Dropout(rate=0.5, name="d1") and Dropout(0.5, dtype="float64") in a float64 model,
    which scratch's Dropout refuses as written (above): the twin carries rate and seed and, given Keras' masks,
    computes Keras' training output."""
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(6, activation="tanh"),
                              keras.layers.Dropout(0.5, None, 3), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dropout(rate=0.5, name="d1"), keras.layers.Dense(3, activation="tanh"),
                              keras.layers.Dropout(0.25, dtype="float64"), keras.layers.Dense(1, activation="sigmoid")])
    net = from_keras(model)
    assert [(layer.rate, layer.seed) for layer in net.dropout_layers] == [(0.5, 3), (0.5, None), (0.25, None)]
    X = rng.normal(size=(16, 5))                                               # (m, n_in)
    a, masks = X, []
    for layer in model.layers:                                                 # Keras' own training pass
        a = np.asarray(layer(a, training=True))
        if isinstance(layer, keras.layers.Dropout):
            masks.append(a != 0)                      # exact here: tanh of random z is never 0
    assert all(0 < mask.mean() < 1 for mask in masks)
    assert_close(net.forward(X, training=True, masks=masks), a, what="training output given Keras' masks")


def test_the_bridge_carries_rate_0_a_seed_a_first_dropout_and_two_in_a_row():
    net = from_keras(keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dropout(0, seed=3),
                                       keras.layers.Dense(4), keras.layers.Dropout(0.5), keras.layers.Dropout(0.2),
                                       keras.layers.Dense(1)]))
    assert [(layer.rate, layer.seed) for layer in net.dropout_layers] == [(0.0, 3), (0.5, None), (0.2, None)]
