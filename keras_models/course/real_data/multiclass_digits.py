"""
Title: Multi-class classification: which digit is it?
Description: A Keras MLP with a softmax over 10 classes reads 8x8 images of handwritten digits, is scored on
    held-out images, saved as .keras, reloaded, and reads one new image scaled like the training data.
Run: make course, or .venv/bin/python -m keras_models.course.real_data.multiclass_digits [--epochs 100]
    [--out logs/course]
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

if __name__ == "__main__":      # run alone: TensorFlow's C++ start-up lines left out, as `make course` leaves them out
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    filter_tensorflow_chatter()     # before anything loads TensorFlow (workflow imports Keras)

from pathlib import Path

from data import load_digits
from keras_models.course.real_data import workflow
from keras_models.twins.classification_report import argmax_labels, evaluate_classifier

TASK = "multiclass"


def run(out_dir: str | Path, epochs: int | None = None, max_rows: int | None = None, seed: int = 0,
        verbose: int = 0) -> workflow.CourseRun:
    """Train, evaluate, save, reload and use the digit classifier; files go to out_dir."""
    # ## Data
    #
    # 1,797 images of 64 pixels, each pixel 0..16. The split is stratified by digit. Standardising
    # uses the training images' mean and std per pixel (three pixels are blank in every
    # image -- the top-left corner and the middle of the left and right edges: they keep std 1 instead of
    # dividing by zero, as does any pixel blank in every TRAINING image: none more with seed 0, the
    # bottom-left corner too with --seed 1). X (m, 64), y (m, 10) one-hot.
    #
    # ## Model
    #
    # Input(64) -> Dense(64, relu) -> Dropout(0.2) -> Dense(32, relu) -> Dropout(0.2) -> Dense(10, softmax).
    # Its metric "accuracy" becomes Keras' CategoricalAccuracy: argmax of the output against argmax
    # of the one-hot target.
    out_dir = Path(out_dir)
    prepared, model, fitted = workflow.prepare_and_fit(TASK, out_dir, epochs, max_rows, seed, verbose,
                                                       title="digits: which digit?")

    # ## Evaluate on the test split
    #
    # A 10 x 10 confusion matrix: the diagonal counts the right answers; an entry off the diagonal,
    # row 8 column 1, counts eights read as ones.
    p_test = model.predict(prepared.X_test, verbose=0)      # (m_test, 10), rows sum to 1
    scores = evaluate_classifier(prepared.y_test, p_test, TASK, prepared.target_names)
    model_path, reloaded = workflow.save_and_reload(model, out_dir, TASK, prepared.X_test, p_test)

    # ## Read one new image
    #
    # The raw 64 pixels of the first test image (0..16 each), scaled with the training images'
    # numbers before the model sees them.
    pixels, digits = load_digits()
    image = pixels.iloc[[prepared.test_rows[0]]]            # (1, 64) raw
    p_new = reloaded.predict(prepared.scale(image), verbose=0)   # (1, 10)
    digit = int(argmax_labels(p_new)[0])

    return workflow.course_run(prepared, model, fitted, scores, model_path, image, p_new,
                               "multi-class classification on digits", [
        f"  image {prepared.test_rows[0]} (a {digits.iloc[prepared.test_rows[0]]}): read as {digit} "
        f"with p = {p_new[0, digit]:.3f}",
    ], matrix="confusion matrix (rows: true digit)")


if __name__ == "__main__":
    workflow.command_line(run, TASK)
