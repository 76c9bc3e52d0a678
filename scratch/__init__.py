"""scratch: a neural network in NumPy alone, every formula checked against TensorFlow.

    from scratch import Network, Dense, activations, losses, optimizers

This package never imports TensorFlow or Keras; `keras_models` builds the Keras twin.
"""

from scratch import activations, losses, optimizers
from scratch.layers import Dense
from scratch.network import Network

__all__ = ["Dense", "Network", "activations", "losses", "optimizers"]
