"""Two logical CPU devices in every test process, so MirroredStrategy can run in the test process itself.

TensorFlow fixes its devices the first time it runs anything; only before that can a process split its
CPU into logical devices (`tf.config.set_logical_device_configuration`), which is what `make train
DEVICES=2` does on a machine without GPUs. conftest.py calls `split_cpu` when collection is over: every
test module is imported (TensorFlow with them, if any needs it) and no test has run yet. That spares
tests/test_devices.py a process of its own, which would import TensorFlow a second time (about 5 s of CPU).

The split changes nothing for the other tests. Operations without a device still run on /device:CPU:0;
the logical devices share the process's thread pools; besides tests/test_devices.py only
tests/test_multi_worker.py lists devices or builds a strategy (a MirroredStrategy on the two devices).
Measured when it was added: a 10^7-element float32 sum, a 1000 x 1000 matmul and two tasks of
`make train` (both sides, weights, optimizer state, every epoch's logs) were bit-identical with and without
the split, and the whole suite passes with it.

If TensorFlow is not loaded, nothing happens (and costs nothing). If something started TensorFlow during
collection, the split is impossible: `SPLIT_ERROR` says why, and the tests that need two devices report it.
"""

from __future__ import annotations

import sys

DEVICES = 2
SPLIT_ERROR: str | None = None


def split_cpu(devices: int = DEVICES) -> None:
    """Split the CPU into `devices` logical devices if TensorFlow is loaded and has not started yet."""
    global SPLIT_ERROR
    if "tensorflow" not in sys.modules:
        return
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    if tf.config.get_logical_device_configuration(cpu) is not None:
        return                                                      # split already (or by someone else)
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    except RuntimeError as exc:
        SPLIT_ERROR = (f"TensorFlow started during test collection, so tests/cpu_devices.py could not split the CPU "
                       f"into {devices} devices ({exc}); a test module runs TensorFlow when it is imported")


def require_split() -> None:
    """Fail the calling test, saying why, unless this process has its DEVICES logical CPU devices."""
    import pytest
    import tensorflow as tf

    if len(tf.config.list_logical_devices("CPU")) < DEVICES:
        pytest.fail(SPLIT_ERROR or "the test process has one CPU device: conftest.py did not call tests/cpu_devices.py")
