"""Shared test helpers: one `rng`, one `assert_close` with the project's tolerances, and the
TensorFlow/Keras twin of each scratch component (the independent reference every parity test uses).

Tolerances (DESIGN.md): relative error <= 1e-10 against TF in float64, <= 1e-5 in float32,
<= 1e-6 against central finite differences (float64, away from kinks).
"""

from __future__ import annotations

import os
import re
import tempfile

# Keras writes ~/.keras/keras.json on import unless KERAS_HOME points elsewhere; keep tests out of $HOME.
os.environ.setdefault("KERAS_HOME", tempfile.mkdtemp(prefix="keras_home_"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratch.gradcheck import relative_gap  # noqa: E402  (max |actual - expected| / max |expected|)


def pytest_collection_finish(session):
    """Two logical CPU devices for tests/test_devices.py, before any test starts TensorFlow (cpu_devices.py)."""
    import cpu_devices

    cpu_devices.split_cpu()

TOLERANCE = {np.dtype("float64"): 1e-10, np.dtype("float32"): 1e-5}
FINITE_DIFFERENCE_TOLERANCE = 1e-6


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


def assert_close(actual, expected, *, dtype=np.float64, tol: float | None = None, what: str = "") -> float:
    """Assert `actual` matches the reference `expected` within the tolerance for `dtype`.

    The failure message names `what` (the equation, layer, parameter), the shapes, the gap and
    where it is largest. Returns the observed gap, so a test can report it.
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != reference shape {expected.shape}"
    assert np.isfinite(actual).all(), f"{what}: non-finite values in {actual}"
    tol = TOLERANCE[np.dtype(dtype)] if tol is None else tol
    gap = relative_gap(actual, expected)
    if gap > tol:
        where = np.unravel_index(np.argmax(np.abs(actual.astype(float) - expected.astype(float))), actual.shape)
        pytest.fail(f"{what}: relative gap {gap:.3e} > {tol:.0e} (largest at index {where}: "
                    f"scratch {actual[where]!r} vs reference {expected[where]!r})")
    return gap


# --- the TensorFlow / Keras twins ----------------------------------------------------------------
# Imported lazily so that test modules which must not load TensorFlow (the import-isolation test)
# can still use the fixtures above.

def tf_activation(name: str):
    """Keras' own activation function for `name` (keras.activations.*)."""
    import keras

    return {
        "linear": keras.activations.linear,
        "sigmoid": keras.activations.sigmoid,
        "tanh": keras.activations.tanh,
        "relu": keras.activations.relu,
        "softmax": keras.activations.softmax,
    }[name]


def keras_loss(name: str, dtype: str = "float64", from_logits: bool = False):
    """Keras' own loss object for `name` (computing in `dtype`); "quadratic" is written in TF ops."""
    import keras
    import tensorflow as tf

    if name == "quadratic":
        def quadratic(y_true, y_pred):   # C = 1/(2m) sum ||y - a||^2, in TF ops
            y_true = tf.cast(y_true, y_pred.dtype)
            return 0.5 * tf.reduce_sum(tf.square(y_true - y_pred)) / tf.cast(tf.shape(y_pred)[0], y_pred.dtype)
        return quadratic
    cls = {
        "mse": keras.losses.MeanSquaredError,
        "binary_crossentropy": keras.losses.BinaryCrossentropy,
        "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
    }[name]
    if name == "mse":
        return cls(dtype=dtype)
    return cls(from_logits=from_logits, dtype=dtype)


def tf_forward(weights, X, activation_names, *, watch_z: bool = True):
    """The network's forward pass written in TF ops (z = a @ W + b, a = keras activation).

    Returns (a_L, zs) where zs are the pre-activation tensors, so `tape.gradient(C, zs)` gives
    every layer's delta for BP1/BP2.
    """
    import tensorflow as tf

    a = tf.convert_to_tensor(X)
    zs = []
    for (W, b), name in zip(zip(weights[::2], weights[1::2], strict=True), activation_names, strict=True):
        z = tf.matmul(a, W) + b
        zs.append(z)
        a = tf_activation(name)(z)
    return a, zs


def random_targets(loss_name: str, m: int, k: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """Targets of the right kind for each loss: reals, {0,1} labels, or one-hot rows."""
    if loss_name in ("mse", "quadratic"):
        return rng.normal(size=(m, k)).astype(dtype)
    if loss_name == "binary_crossentropy":
        return rng.integers(0, 2, size=(m, k)).astype(dtype)
    return np.eye(k, dtype=dtype)[rng.integers(0, k, size=m)]


@pytest.fixture
def floatx64():
    """Run a test with Keras in float64: floatx *and* the global dtype policy, restoring both afterwards.

    Keras caches its global dtype policy the first time a layer is built, so once any float32 layer
    exists in the process, set_floatx("float64") alone no longer changes what new layers compute in.
    """
    import keras

    previous_floatx, previous_policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        keras.config.set_floatx(previous_floatx)
        keras.config.set_dtype_policy(previous_policy)


# --- what a learner reads ----------------------------------------------------------------------
# TensorFlow 2.21 prints its oneDNN and CPU-feature notices on stderr as it starts, before its logging
# is set up, whatever TF_CPP_MIN_LOG_LEVEL says; they are not the project's, so tests that count the
# lines a command prints leave them out.
_TENSORFLOW_STARTUP = re.compile(r"(WARNING: All log messages before absl::InitializeLog|[IWE]\d{4} \d\d:\d\d:\d+\.\d+ "
                                 r"|To enable the following instructions: )")


def learner_lines(text: str) -> list[str]:
    """The non-empty lines of a command's output, without TensorFlow's start-up notices."""
    return [line for line in text.splitlines() if line.strip() and not _TENSORFLOW_STARTUP.match(line)]
