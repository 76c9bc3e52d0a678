"""Graded exercises: the workshop's scratch exercises and the course's Keras exercises.

    ex01_perceptron_activations   Perceptron.run, Sigmoid / Tanh / ReLU .fn, a one-layer NeuralNetwork
    ex02_backprop                 BP1-BP4 for a two-layer network, checked against tf.GradientTape
    ex03_keras_basics             split, scale, compile, fit, evaluate, predict on a synthetic price set
    ex04_diamonds_regression      a Keras regression on the diamonds, MAE below $600
    ex05_breast_cancer_dropout    Dropout + EarlyStopping on the breast-cancer data, accuracy >= 0.92
    ex06_capstone_housing         features, model and evaluation for Windsor house prices, MAE < $15,000
    ex07_tensorboard              the TensorBoard callback, and the best epoch read back from its logs

Each file is a script in jupytext "percent" format (`# %%` cells): a brief, the data, and TODOs
that raise NotImplementedError until written. The reference solutions are in `solutions/`, the
graders in `graders/`; the learner files are cut from the solutions by `skeleton.py`.

    python -m keras_models.exercises.grade --only ex03     # grade one (make exercises: all)
    python -m keras_models.exercises.grade --reset ex03    # start it over (your version is backed up)
"""
