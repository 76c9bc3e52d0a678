"""
Title: Multi-label classification: is the digit even, greater than 4, prime?
Description: A Keras MLP with three independent sigmoid outputs answers three yes/no questions about each
    handwritten digit, is scored label by label on held-out images, saved as .keras, reloaded, and
    answers for one new image scaled like the training data.
Run: make course, or .venv/bin/python -m keras_models.course.real_data.multilabel_digits [--epochs 100]
    [--out logs/course]
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
# wrong question here; the task asks for "binary_accuracy" (the task table, data/tasks.py).

# ## Setup

from __future__ import annotations

if __name__ == "__main__":      # run alone: TensorFlow's C++ start-up lines left out, as `make course` leaves them out
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    filter_tensorflow_chatter()     # before anything loads TensorFlow (workflow imports Keras)

from pathlib import Path

from data import load_digits
from keras_models.course.real_data import workflow
from keras_models.twins.classification_report import class_labels, evaluate_classifier

TASK = "multilabel"


def run(out_dir: str | Path, epochs: int | None = None, max_rows: int | None = None, seed: int = 0,
        verbose: int = 0) -> workflow.CourseRun:
    """Train, evaluate, save, reload and use the digit-attribute model; files go to out_dir."""
    # ## Data
    #
    # The same images as the multi-class script; the targets are three 0/1 columns computed from
    # the digit: even, greater_than_4, prime. X (m, 64), y (m, 3) of 0/1.
    #
    # ## Model
    #
    # Input(64) -> Dense(64, relu) -> Dropout(0.2) -> Dense(32, relu) -> Dropout(0.2) -> Dense(3, sigmoid).
    out_dir = Path(out_dir)
    prepared, model, fitted = workflow.prepare_and_fit(TASK, out_dir, epochs, max_rows, seed, verbose,
                                                       title="digits: even / greater than 4 / prime")

    # ## Evaluate on the test split
    #
    # One report line and one 2 x 2 confusion matrix (tn, fp, fn, tp) per label. "accuracy" is the
    # share of right yes/no answers over all images and labels, as Keras' binary_accuracy counts.
    p_test = model.predict(prepared.X_test, verbose=0)      # (m_test, 3), independent probabilities
    scores = evaluate_classifier(prepared.y_test, p_test, TASK, prepared.target_names)
    model_path, reloaded = workflow.save_and_reload(model, out_dir, TASK, prepared.X_test, p_test)

    # ## Answer for one new image
    pixels, digits = load_digits()
    image = pixels.iloc[[prepared.test_rows[0]]]            # (1, 64) raw pixels
    p_new = reloaded.predict(prepared.scale(image), verbose=0)   # (1, 3)
    answers = class_labels(p_new, TASK)[0]                  # (3,) of 0/1
    said = ", ".join(f"{name} {'yes' if yes else 'no'} ({p:.2f})"
                     for name, yes, p in zip(prepared.target_names, answers, p_new[0], strict=True))

    return workflow.course_run(prepared, model, fitted, scores, model_path, image, p_new,
                               "multi-label classification on digits", [
        f"  image {prepared.test_rows[0]} (a {digits.iloc[prepared.test_rows[0]]}): {said}",
    ], matrix="confusion counts per label")


if __name__ == "__main__":
    workflow.command_line(run, TASK)
