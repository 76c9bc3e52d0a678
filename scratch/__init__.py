"""scratch: a neural network in NumPy alone, every formula checked against TensorFlow.

    from scratch import Network, Dense, Dropout, activations, losses, optimizers
    from scratch import regularizers, initializers

This package never imports TensorFlow or Keras; `keras_models` builds the Keras twin.
"""

from scratch import activations, initializers, losses, optimizers, regularizers
from scratch.dropout import Dropout
from scratch.layers import Dense
from scratch.network import Network

__all__ = ["Dense", "Dropout", "Network", "activations", "initializers", "losses", "optimizers", "regularizers"]
