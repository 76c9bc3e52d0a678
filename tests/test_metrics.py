"""Metrics by hand: per-example values of mse, mae and the accuracies, and what evaluate/fit report; the same
per-example values against keras.metrics' own functions on random data."""

import re

import keras
import numpy as np
import pytest

from scratch import Dense, Network, metrics, optimizers
from scratch.training import evaluate

Y = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, 1.0]])
A = np.array([[1.0, 4.0], [3.0, 1.0], [-1.5, 1.5]])
# per example, mean over the 2 outputs: squared errors (0 + 4)/2, (9 + 1)/2, (0.25 + 0.25)/2
MSE_BY_HAND = [2.0, 5.0, 0.25]
MAE_BY_HAND = [1.0, 2.0, 0.5]                     # (0 + 2)/2, (3 + 1)/2, (0.5 + 0.5)/2


def test_mse_and_mae_per_example_by_hand():
    np.testing.assert_array_equal(metrics.resolve("mse", 2)(Y, A), MSE_BY_HAND)
    np.testing.assert_array_equal(metrics.resolve("mae", 2)(Y, A), MAE_BY_HAND)


def test_accuracies_by_hand():
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    a = np.array([[0.9], [0.5], [0.5], [0.1]])   # 0.5 itself is class 0, as in Keras' BinaryAccuracy
    np.testing.assert_array_equal(metrics.resolve("accuracy", 1)(y, a), [1.0, 1.0, 0.0, 1.0])
    y3 = np.eye(3)[[0, 2, 1]]
    a3 = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    np.testing.assert_array_equal(metrics.resolve("accuracy", 3)(y3, a3), [1.0, 1.0, 0.0])


@pytest.mark.parametrize("name, keras_metric", [
    ("mse", keras.metrics.mean_squared_error), ("mae", keras.metrics.mean_absolute_error),
    ("binary_accuracy", keras.metrics.binary_accuracy), ("categorical_accuracy", keras.metrics.categorical_accuracy),
])
def test_per_example_values_match_keras_metric_functions(name, keras_metric, rng):
    """A second witness beside the hand-worked numbers: Keras' per-example metric on 0/1 (one-hot) targets and
    predictions in (0, 1), some of them exactly on binary accuracy's threshold 0.5."""
    y = np.eye(4)[rng.integers(0, 4, size=50)]                                   # (50, 4) one-hot
    a = rng.random((50, 4))                                                      # (50, 4)
    a[rng.random((50, 4)) < 0.1] = 0.5
    reference = np.asarray(keras_metric(y, a))
    if name == "binary_accuracy":    # Keras 3 gives one number per output (m, k); its metric means them all, as
        reference = reference.mean(axis=-1)             # the mean of these per-example means does with k fixed
    np.testing.assert_allclose(metrics.resolve(name, 4)(y, a), reference, rtol=1e-12, atol=0)


def constant_network(outputs):
    """W = 0, b = outputs: every example gets the same prediction, known in advance."""
    net = Network([Dense(2, len(outputs), "linear", seed=0)])
    net.set_weights([np.zeros((2, len(outputs))), np.asarray(outputs, dtype=float)])
    return net


def test_evaluate_reports_the_mse_metric_over_all_examples():
    net = constant_network([1.0, 4.0])
    X = np.zeros((2, 2))
    y = np.array([[1.0, 2.0], [3.0, 6.0]])
    # errors (0, 2) and (2, 2): per-example mse 2 and 4, mae 1 and 2 -- unequal, so the mean is over both rows
    logs = evaluate(net, X, y, loss="quadratic", metrics=["mse", "mae"])
    assert logs == {"loss": (4 + 8) / (2 * 2), "mse": 3.0, "mae": 1.5}


def test_fit_reports_the_mse_metric_of_the_weights_before_each_batch():
    """Batch 1 is seen with b = 0 (mse 1), batch 2 after one SGD step on batch 1, computed here by hand."""
    net = constant_network([0.0])
    X = np.zeros((2, 2))
    y = np.array([[1.0], [3.0]])
    # batch 1 (y = 1): a = 0, mse 1, dL/db = 2 (a - y) = -2, b <- 0 - 0.25 * (-2) = 0.5
    # batch 2 (y = 3): a = 0.5, mse (2.5)^2 = 6.25.  Epoch mse = (1 + 6.25) / 2
    history = net.fit(X, y, loss="mse", optimizer=optimizers.SGD(0.25), epochs=1, batch_size=1, shuffle=False,
                      metrics=["mse", "mae"], verbose=0).history
    assert history["mse"] == [pytest.approx(3.625, rel=1e-15)]
    assert history["mae"] == [pytest.approx((1 + 2.5) / 2, rel=1e-15)]


SINGLE_OUTPUT_METRICS = [("mse", keras.metrics.mean_squared_error), ("mae", keras.metrics.mean_absolute_error),
                         ("binary_accuracy", keras.metrics.binary_accuracy)]


@pytest.mark.parametrize("name, keras_metric", SINGLE_OUTPUT_METRICS)
def test_targets_of_shape_m_meet_a_single_output_as_in_keras(name, keras_metric):
    """y (m,) against a (m, 1): Keras matches the ranks and scores each example against its own target; NumPy
    alone would broadcast the pair to (m, m) and average every target against every prediction."""
    y = np.array([1.0, 0.0, 1.0, 0.0])
    a = np.array([[0.9], [0.1], [0.2], [0.7]])
    reference = np.asarray(keras_metric(y, a)).reshape(-1)                       # (m,) one number per example
    np.testing.assert_allclose(metrics.resolve(name, 1)(y, a), reference, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["mse", "mae", "binary_accuracy", "categorical_accuracy"])
@pytest.mark.parametrize("y_shape, a_shape", [((3, 3), (3, 2)), ((4,), (4, 2)), ((3, 1), (4, 1)), ((3,), (3,))])
def test_targets_and_outputs_of_other_shapes_are_refused_naming_both(name, y_shape, a_shape):
    y, a = np.zeros(y_shape), np.full(a_shape, 0.5)
    with pytest.raises(ValueError, match=rf"y {re.escape(str(y_shape))} and a {re.escape(str(a_shape))}"):
        metrics.resolve(name, 2)(y, a)


@pytest.mark.parametrize("name", ["mse", "mae", "binary_accuracy", "categorical_accuracy"])
@pytest.mark.parametrize("y, a, error, message", [
    (np.array([["1"], ["0"]]), np.full((2, 1), 0.7), TypeError, r"^y must be numeric, got dtype <U1"),
    (np.ones((2, 1)), np.full((2, 1), 0.7) + 0j, TypeError, r"^a must be numeric, got dtype complex128"),
    (np.array([[1.0], [np.nan]]), np.full((2, 1), 0.7), ValueError,
     r"^y contains NaN or inf \(first at index \[1, 0\]"),
    (np.ones((2, 1)), np.array([[0.7], [np.inf]]), ValueError, r"^a contains NaN or inf \(first at index \[1, 0\]"),
    (np.ma.masked_array(np.ones((2, 1)), mask=[[0], [1]]), np.full((2, 1), 0.7), ValueError,
     r"^y is a masked array with 1 masked entry"),
], ids=["strings", "complex", "nan-target", "inf-output", "masked"])
def test_a_metric_of_what_is_not_finite_numbers_is_named_not_scored(name, y, a, error, message):
    """Strings once scored 0.0 in binary accuracy and a NumPy UFuncTypeError in mae; NaN gave a NaN metric; a
    masked target was scored by the value under its mask. Each is now one line naming y or a."""
    with pytest.raises(error, match=message):
        metrics.resolve(name, 2)(y, a)


def test_a_metric_of_integer_or_boolean_targets_scores_them_as_numbers():
    a = np.array([[0.9], [0.2], [0.6]])
    np.testing.assert_array_equal(metrics.binary_accuracy(np.array([[True], [False], [False]]), a), [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(metrics.mean_absolute_error(np.array([1, 0, 0]), a).round(12), [0.1, 0.2, 0.6])
