"""How make train feeds Keras (keras_models/twins/pipeline.py): scratch's batches, in row order, with no
autotuning thread behind them."""

import numpy as np

from keras_models.twins.pipeline import keras_batches


def test_keras_batches_are_the_rows_in_order_in_slices_of_batch_size_with_a_short_last_one(rng):
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    batches = [(xb.numpy(), yb.numpy()) for xb, yb in keras_batches(X, y, 4)]
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    for i, (xb, yb) in enumerate(batches):
        np.testing.assert_array_equal(xb, X[4 * i:4 * i + 4])
        np.testing.assert_array_equal(yb, y[4 * i:4 * i + 4])


def test_keras_batches_switch_tf_data_autotuning_off(rng):
    """Each iterator of an autotuned pipeline runs a model thread; freeing an iterator late (the garbage
    collector, a reference cycle) waits for it, which froze test runs for 5-34 s on TensorFlow 2.21."""
    dataset = keras_batches(rng.normal(size=(4, 3)), rng.normal(size=(4, 1)), 2)
    assert dataset.options().autotune.enabled is False
