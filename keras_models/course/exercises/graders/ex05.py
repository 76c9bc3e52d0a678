"""Grader for exercise 5: breast-cancer classification with Dropout and EarlyStopping.

Checks: a Dropout layer with a rate in (0, 1), one of them after a hidden Dense layer (not only on the inputs); an
output activation that suits the loss (a mismatch, which Keras trains without a word, is explained by
scratch.pairing); a hidden layer with a nonlinear activation; one sigmoid output with binary cross-entropy on
probabilities, no Dropout after it; labels in one column, not one-hot, each training row with its own (checked as
fit is called); fit validating on the validation rows (not the training or test rows, and not training on them too)
with any EarlyStopping on "val_loss", restoring its best weights; early stopping fired (fit ran fewer epochs than it
was asked for: History.params["epochs"]); predict_labels thresholds the sigmoid at 0.5 and returns labels of shape
(m,); and the accuracy on the test rows, which the learner's code never sees during training.
"""

from __future__ import annotations

import numpy as np

from .checks import Fail, as_array, check, deterministic, validated_history
from .fit_checks import fit_checked, labels_in_one_column, labels_stay_with, validated_on
from .model_checks import layers_of, require_binary_classifier, require_hidden_nonlinearity, require_model

TITLE = "Keras classification: Dropout, EarlyStopping"
NEEDS = ("build_model", "train", "predict_labels")
KERAS = True                       # the learner's code trains a Keras model: a narrow floatx is named in a FAIL
TARGET_ACCURACY = 0.92             # always answering "benign" scores 0.62
SEED = 5


def load_data():
    from data import prepare

    return prepare("binary", seed=0)


def _check_model(model, n_features: int) -> None:
    import keras

    from keras_models.twins.bridge import NOT_DROPOUT  # Keras' other noise layers, what each does instead

    layers = layers_of(model)
    dropouts = [layer for layer in layers if isinstance(layer, keras.layers.Dropout)]
    noisy = [layer for layer in layers if type(layer) in NOT_DROPOUT]
    if not dropouts and noisy:                   # not subclasses of keras.layers.Dropout, though named dropouts
        raise Fail(f"the model has no keras.layers.Dropout: {type(noisy[0]).__name__} {noisy[0].name!r} "
                   f"{NOT_DROPOUT[type(noisy[0])]} rather than zeroing a random fraction of them; this exercise "
                   "asks for keras.layers.Dropout(rate) after a hidden layer")
    check(len(dropouts) > 0, "the model has no Dropout layer: add keras.layers.Dropout(rate) after a hidden layer")
    after_a_dense = [layer for layer in dropouts
                     if any(isinstance(before, keras.layers.Dense) for before in layers[:layers.index(layer)])]
    check(len(after_a_dense) > 0,                # the exercise asks for a Dropout after at least one hidden layer
          f"every Dropout comes before the first Dense layer "
          f"({', '.join(f'Dropout {layer.name!r}' for layer in dropouts)}), so it thins the inputs only: this "
          "exercise asks for a Dropout after a hidden Dense layer; add keras.layers.Dropout(rate) after a hidden "
          "layer (one on the inputs as well is fine)")
    for layer in dropouts:                       # Keras refuses a rate outside [0, 1] but takes 0 and 1 themselves
        effect = ("drops nothing" if layer.rate == 0 else
                  "zeroes every unit while training, so the layers after it learn nothing" if layer.rate == 1 else
                  "is not a fraction")
        check(0.0 < layer.rate < 1.0, f"a Dropout rate is the fraction of units it drops, above 0 and below 1: "
                                      f"Dropout {layer.name!r} has rate {layer.rate}, which {effect}; try 0.2 to 0.5")
    require_binary_classifier(model, "build_model", n_features=n_features, what="the probability of malignant")
    require_hidden_nonlinearity(model, "draws one straight boundary")   # the exercise: "hidden Dense layers with ReLU"


def _fit_checks(data) -> tuple:
    """fit_checked's checks of the fit in train, in order: labels in one column for the one sigmoid unit
    (fit_checks.labels_in_one_column), each training row with its own label (fit_checks.labels_stay_with_their_rows:
    y_train[::-1] trained to "test accuracy 0.624 ... try another learning rate"), then the rows it validates on and
    its EarlyStopping (fit_checks.validated_on). One-hot validation labels are the right rows in another form:
    validated_on alone said "other rows"."""
    return (lambda arguments: labels_in_one_column(arguments, "y_train", "y_val"),
            labels_stay_with(data.X_train, data.y_train, "X_train, y_train"),
            validated_on(data.X_val, data.y_val, data.X_train, loss_only=True))


def grade(module, workdir) -> str:
    data = load_data()
    with deterministic(SEED):
        model = require_model(module.build_model(data.n_features), "build_model")
        _check_model(model, data.n_features)
        with fit_checked(*_fit_checks(data)):
            history = module.train(model, data.X_train, data.y_train, data.X_val, data.y_val)
    validated_history(history, "train")
    asked, ran = history.params.get("epochs"), len(history.epoch)
    check(ran < asked, f"early stopping never fired: fit ran all {asked} epochs it was asked for. Monitor "
                       "val_loss with patience <= 5 and ask for enough epochs (e.g. 200)")

    probability = model.predict(data.X_test, verbose=0)[:, 0]                        # (m,)
    expected = (probability > 0.5).astype(int)
    labels = module.predict_labels(model, data.X_test)
    check(np.shape(labels) != (len(expected), 1),
          f"predict_labels returned shape {np.shape(labels)}, a column: return labels of shape ({len(expected)},), "
          f"taking column 0 of the predictions (a column compared with labels of shape ({len(expected)},) "
          f"broadcasts to ({len(expected)}, {len(expected)}) pairs: the accuracy would be wrong)")
    labels = as_array(labels, "predict_labels", expected.shape)
    check(bool(np.all((labels == 0) | (labels == 1))), "predict_labels must return labels 0 and 1")
    if np.all(labels == 0) and expected.any():
        raise Fail("predict_labels says 0 for every biopsy: argmax over a single sigmoid column is always 0; "
                   "threshold the probability at 0.5 instead")
    check(bool(np.array_equal(labels, expected)),
          "predict_labels disagrees with the model: a label is 1 where the predicted probability is above 0.5")

    accuracy = float(np.mean(labels == data.y_test[:, 0]))
    majority = float(max(data.y_test.mean(), 1.0 - data.y_test.mean()))
    check(accuracy >= TARGET_ACCURACY,
          f"test accuracy {accuracy:.3f}, the target is {TARGET_ACCURACY:.2f} (always guessing the most common "
          f"class: {majority:.2f}): try another learning rate, layer size or dropout rate")
    return (f"test accuracy {accuracy:.3f} (target >= {TARGET_ACCURACY:.2f}, majority class {majority:.2f}); "
            f"early stopping after {ran} of {asked} epochs")
