"""
Title: Multi-class classification: which digit is it?
Description: A Keras MLP with a softmax over 10 classes reads 8x8 images of handwritten digits, is scored on
    held-out images, saved as .keras, reloaded, and reads one new image scaled like the training data.
Run: python -m keras_models.course.multiclass_digits [--epochs 100] [--out logs/course]
"""

# ## Introduction
#
# Ten mutually exclusive classes: every image is exactly one digit. The targets are one-hot rows
# (digit 3 -> [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), the output layer has 10 units with a softmax,
#     a_i = e^(z_i) / sum_j e^(z_j),
# so the outputs are positive and add up to 1, one probability per class, and the loss is the
# categorical cross-entropy. The decision is the class with the largest probability: an argmax,
# which is right here because the classes compete for one shared unit of probability.

# ## Setup

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from data import load_digits, prepare
from keras_models.course import CourseRun, command_line
from keras_models.evaluation import argmax_labels, evaluate_classifier, history_frame, plot_loss_curves
from keras_models.models import build_model, load_model, standard_callbacks

TASK = "multiclass"


def run(out_dir: str | Path, epochs: int = 100, max_rows: int | None = None, seed: int = 0,
        verbose: int = 0) -> CourseRun:
    """Train, evaluate, save, reload and use the digit classifier; files go to out_dir."""
    out_dir = Path(out_dir)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    # ## Data
    #
    # 1,797 images of 64 pixels, each pixel 0..16. The split is stratified by digit. Standardising
    # uses the training images' mean and std per pixel (three corner pixels are blank in every
    # image: they keep std 1 instead of dividing by zero).
    prepared = prepare(TASK, seed=seed, max_rows=max_rows)
    X_train, y_train = prepared.X_train, prepared.y_train  # (m, 64), (m, 10) one-hot

    # ## Model
    #
    # Input(64) -> Dense(64, relu) -> Dropout(0.2) -> Dense(32, relu) -> Dropout(0.2) -> Dense(10, softmax).
    # Its metric "accuracy" becomes Keras' CategoricalAccuracy: argmax of the output against argmax
    # of the one-hot target.
    model = build_model(prepared)

    # ## Train
    log_dir = out_dir / "tensorboard" / TASK
    history = model.fit(X_train, y_train, validation_data=(prepared.X_val, prepared.y_val), epochs=epochs,
                        batch_size=32, callbacks=standard_callbacks(log_dir, patience=10), verbose=verbose)
    curves = history_frame(history)                         # columns: accuracy, loss, val_accuracy, val_loss
    curves_png = plot_loss_curves(curves, out_dir / f"{TASK}_loss_curves.png", title="digits: which digit?")

    # ## Evaluate on the test split
    #
    # A 10 x 10 confusion matrix: the diagonal counts the right answers; an entry off the diagonal,
    # row 8 column 1, counts eights read as ones.
    p_test = model.predict(prepared.X_test, verbose=0)      # (m_test, 10), rows sum to 1
    scores = evaluate_classifier(prepared.y_test, p_test, TASK, prepared.target_names)

    # ## Save and reload
    model_path = out_dir / f"{TASK}.keras"
    model.save(model_path)
    reloaded = load_model(model_path)
    if not np.array_equal(reloaded.predict(prepared.X_test, verbose=0), p_test):
        raise RuntimeError(f"{model_path} does not reproduce the trained model's predictions")

    # ## Read one new image
    #
    # The raw 64 pixels of the first test image (0..16 each), scaled with the training images'
    # numbers before the model sees them.
    pixels, digits = load_digits()
    image = pixels.iloc[[prepared.test_rows[0]]]            # (1, 64) raw
    p_new = reloaded.predict(prepared.scale(image), verbose=0)   # (1, 10)
    digit = int(argmax_labels(p_new)[0])

    report = "\n".join([
        f"multi-class classification on digits: {len(curves)} epochs, {len(X_train)} training rows",
        f"  test accuracy {scores.accuracy:.3f}",
        scores.report.rstrip(),
        "  confusion matrix (rows: true digit):",
        scores.confusion.to_string(),
        f"  image {prepared.test_rows[0]} (a {digits.iloc[prepared.test_rows[0]]}): read as {digit} "
        f"with p = {p_new[0, digit]:.3f}",
        f"  model {model_path}, curves {curves_png}, TensorBoard {log_dir}",
    ])
    return CourseRun(TASK, prepared, model, curves, scores, model_path, curves_png, log_dir,
                     image, p_new, report)


if __name__ == "__main__":
    command_line(run, default_epochs=100)
