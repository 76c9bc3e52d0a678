"""Python's garbage collector in the test processes: the xdist workers (conftest.py wraps collection, where the
test modules import TensorFlow) and the warm Pythons (zygote_server.py wraps its preload, and its commands
inherit the result).

    with long_lived_imports():
        import tensorflow, keras

The collector is paused while the block runs, then everything it made is frozen (gc.freeze) and full
collections come after 100 young ones instead of 10. TensorFlow and Keras make hundreds of thousands of
objects that live as long as the process, and each traced Keras model adds more; every full collection walks
them all (0.1-0.4 s each in a test worker). Paused, their import takes 3.2 CPU-s instead of 4.1; frozen, a
full collection walks only what came later. Nothing a test checks depends on when garbage is collected.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

THRESHOLD = (700, 10, 100)           # Python's own is (700, 10, 10)


@contextlib.contextmanager
def long_lived_imports() -> Iterator[None]:
    """No collection while the block runs; afterwards what it made is frozen and full collections are rarer."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(*THRESHOLD)
        gc.enable()
