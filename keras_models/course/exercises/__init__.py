"""Graded exercises: the workshop's scratch exercises and the course's Keras exercises.

    ex01_perceptron_activations   Perceptron.run, Sigmoid / Tanh / ReLU .fn, a one-layer NeuralNetwork
    ex02_backprop                 BP1-BP4 for a two-layer network, checked against tf.GradientTape
    ex03_keras_basics             split, scale, compile, fit, evaluate, predict on a synthetic price set
    ex04_diamonds_regression      a Keras regression on the diamonds, MAE below $600
    ex05_breast_cancer_dropout    Dropout + EarlyStopping on the breast-cancer data, accuracy >= 0.92
    ex06_capstone_housing         features, model and evaluation for Windsor house prices, MAE < $15,000
    ex07_tensorboard              the TensorBoard callback, and the best epoch read back from its logs

Each exercise exists once in the repository: its solution in `solutions/`, with the parts a learner
writes between `### BEGIN SOLUTION` and `### END SOLUTION`. Your file, `exercises/<name>.py`, is cut
from it by `skeleton.py` (`make setup` and `make exercises` write the ones you do not have, and never
overwrite one you changed; one you did not change follows the course after a git pull: `as_written.py`
remembers what was written): a script in jupytext "percent" format (`# %%` cells) with a brief, the data, and TODOs
that raise NotImplementedError until written. The graders are in `graders/`.

    make exercises ONLY=ex03          # grade one (make exercises: all)
    make exercise-reset NAME=ex03     # start it over (one you changed is backed up)
"""
