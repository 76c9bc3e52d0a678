"""
Title: Multi-label classification: is the digit even, greater than 4, prime?
Description: A Keras MLP with three independent sigmoid outputs answers three yes/no questions about each
    handwritten digit, is scored label by label on held-out images, saved as .keras, reloaded, and
    answers for one new image scaled like the training data.
Run: python -m keras_models.course.multilabel_digits [--epochs 100] [--out logs/course]
"""

# ## Introduction
#
# The labels are NOT exclusive: a 2 is even and prime, a 7 is greater than 4 and prime, a 1 is
# none of the three. Softmax would force the three answers to share one unit of probability, so
# each output gets its own sigmoid, and the loss is the binary cross-entropy averaged over the
# three labels. Each label is decided on its own: yes when its sigmoid is > 0.5.
#
# One trap: Keras' metric "accuracy" looks at the output's width, sees three columns and picks
# CategoricalAccuracy -- an argmax, i.e. "is the most confident label a true one?". That is the
# wrong question here; the model asks for "binary_accuracy" (keras_models/models.py).

# ## Setup

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from data import load_digits, prepare
from keras_models.course import CourseRun, command_line
from keras_models.evaluation import class_labels, evaluate_classifier, history_frame, plot_loss_curves
from keras_models.models import build_model, load_model, standard_callbacks

TASK = "multilabel"


def run(out_dir: str | Path, epochs: int = 100, max_rows: int | None = None, seed: int = 0,
        verbose: int = 0) -> CourseRun:
    """Train, evaluate, save, reload and use the digit-attribute model; files go to out_dir."""
    out_dir = Path(out_dir)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    # ## Data
    #
    # The same images as the multi-class script; the targets are three 0/1 columns computed from
    # the digit: even, greater_than_4, prime.
    prepared = prepare(TASK, seed=seed, max_rows=max_rows)
    X_train, y_train = prepared.X_train, prepared.y_train  # (m, 64), (m, 3) of 0/1

    # ## Model
    #
    # Input(64) -> Dense(64, relu) -> Dropout(0.2) -> Dense(32, relu) -> Dropout(0.2) -> Dense(3, sigmoid).
    model = build_model(prepared)

    # ## Train
    log_dir = out_dir / "tensorboard" / TASK
    history = model.fit(X_train, y_train, validation_data=(prepared.X_val, prepared.y_val), epochs=epochs,
                        batch_size=32, callbacks=standard_callbacks(log_dir, patience=10), verbose=verbose)
    curves = history_frame(history)                         # loss, binary_accuracy and their val_ twins
    curves_png = plot_loss_curves(curves, out_dir / f"{TASK}_loss_curves.png",
                                  title="digits: even / greater than 4 / prime")

    # ## Evaluate on the test split
    #
    # One report line and one 2 x 2 confusion matrix (tn, fp, fn, tp) per label. "accuracy" is the
    # share of right yes/no answers over all images and labels, as Keras' binary_accuracy counts.
    p_test = model.predict(prepared.X_test, verbose=0)      # (m_test, 3), independent probabilities
    scores = evaluate_classifier(prepared.y_test, p_test, TASK, prepared.target_names)

    # ## Save and reload
    model_path = out_dir / f"{TASK}.keras"
    model.save(model_path)
    reloaded = load_model(model_path)
    if not np.array_equal(reloaded.predict(prepared.X_test, verbose=0), p_test):
        raise RuntimeError(f"{model_path} does not reproduce the trained model's predictions")

    # ## Answer for one new image
    pixels, digits = load_digits()
    image = pixels.iloc[[prepared.test_rows[0]]]            # (1, 64) raw pixels
    p_new = reloaded.predict(prepared.scale(image), verbose=0)   # (1, 3)
    answers = class_labels(p_new, TASK)[0]                  # (3,) of 0/1
    said = ", ".join(f"{name} {'yes' if yes else 'no'} ({p:.2f})"
                     for name, yes, p in zip(prepared.target_names, answers, p_new[0], strict=True))

    report = "\n".join([
        f"multi-label classification on digits: {len(curves)} epochs, {len(X_train)} training rows",
        f"  test binary accuracy {scores.accuracy:.3f}",
        scores.report.rstrip(),
        "  confusion counts per label:",
        scores.confusion.to_string(),
        f"  image {prepared.test_rows[0]} (a {digits.iloc[prepared.test_rows[0]]}): {said}",
        f"  model {model_path}, curves {curves_png}, TensorBoard {log_dir}",
    ])
    return CourseRun(TASK, prepared, model, curves, scores, model_path, curves_png, log_dir,
                     image, p_new, report)


if __name__ == "__main__":
    command_line(run, default_epochs=100)
