"""scratch: a neural network in NumPy alone, every formula checked against TensorFlow.

    from scratch import Network, Dense, activations, losses, optimizers

This package never imports TensorFlow or Keras; `keras_models` builds the Keras twin.
"""

from scratch import activations, losses
from scratch.layers import Dense
from scratch.network import Network

__all__ = ["Dense", "Network", "activations", "losses", "optimizers"]


def __getattr__(name):
    # `optimizers` is written alongside; import it lazily so `from scratch import optimizers` works
    if name == "optimizers":
        import importlib

        return importlib.import_module("scratch.optimizers")
    raise AttributeError(f"module 'scratch' has no attribute {name!r}")
