"""Reproducible Keras runs that leave the process as they found it.

TensorFlow's op determinism is a process-wide switch: once on, every later computation in the
process runs deterministically (and Keras refuses XLA). A run that needs it switches it on for its
own duration only, so a test, a grader or a notebook that calls it is not silently changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keras
import tensorflow as tf
from tensorflow.python.framework import config as tf_config  # disable_op_determinism is not public


@contextlib.contextmanager
def op_determinism() -> Iterator[None]:
    """Same result on every run inside the block; the previous setting comes back afterwards."""
    was_on = tf_config.is_op_determinism_enabled()
    tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        if not was_on:
            tf_config.disable_op_determinism()


@contextlib.contextmanager
def deterministic(seed: int) -> Iterator[None]:
    """A fresh Keras session, Python, NumPy and TF generators seeded with `seed`, and op determinism."""
    # free_memory=False: a fresh session is new layer names and seeds; Keras' default also runs a full garbage
    # collection, which changes no result and walks every object TensorFlow has made (0.1-0.4 s in a long process)
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(seed)
    with op_determinism():
        yield
