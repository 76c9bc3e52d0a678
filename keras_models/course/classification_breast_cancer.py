"""
Title: Binary classification on real data: is a tumour malignant?
Description: A Keras MLP with one sigmoid output reads 30 measurements of a biopsy's cell nuclei, is scored
    on held-out patients with a classification report and a confusion matrix, saved as .keras, reloaded,
    and asked about one patient -- after scaling the measurements like the training data.
Run: python -m keras_models.course.classification_breast_cancer [--epochs 200] [--out logs/course]
"""

# ## Introduction
#
# Two classes, so one output neuron with a sigmoid: a = 1 / (1 + e^-z) is read as the
# probability of class 1, here "malignant" (the Wisconsin data, data/README.md: 569 biopsies,
# 212 malignant; note that scikit-learn codes these labels the other way round). The loss is the
# binary cross-entropy. To turn the probability into a decision we THRESHOLD it: malignant when
# p > 0.5. (The old `predict_classes` is gone from Keras, and an argmax over one column would
# call every patient benign: see keras_models/evaluation.py.)

# ## Setup

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from data import load_breast_cancer, prepare
from keras_models.course import CourseRun, command_line
from keras_models.evaluation import class_labels, evaluate_classifier, history_frame, plot_loss_curves
from keras_models.models import build_model, load_model, standard_callbacks

TASK = "binary"
CLASS_NAMES = ["benign", "malignant"]                       # class 0, class 1


def run(out_dir: str | Path, epochs: int = 200, max_rows: int | None = None, seed: int = 0,
        verbose: int = 0) -> CourseRun:
    """Train, evaluate, save, reload and use the breast-cancer classifier; files go to out_dir."""
    out_dir = Path(out_dir)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    # ## Data
    #
    # The splits are stratified: train, validation and test each keep the data's share of
    # malignant cases (about 37%). Every measurement is standardised with the training rows'
    # mean and std -- areas in the hundreds and smoothness near 0.1 end up on the same scale.
    prepared = prepare(TASK, seed=seed, max_rows=max_rows)
    X_train, y_train = prepared.X_train, prepared.y_train  # (m, 30), (m, 1) of 0/1

    # ## Model
    #
    # Input(30) -> Dense(64, relu) -> Dropout(0.2) -> Dense(32, relu) -> Dropout(0.2) -> Dense(1, sigmoid).
    # Dropout switches off a random 20% of the hidden units at each training step (never when
    # predicting), so the network cannot lean on any single unit: with 400 training rows and
    # thousands of weights, it would otherwise learn the rows by heart.
    model = build_model(prepared)

    # ## Train
    #
    # Many epochs are allowed; EarlyStopping ends the run once val_loss has not improved for 10
    # epochs and restores the best weights, so "too many epochs" cannot overfit.
    log_dir = out_dir / "tensorboard" / TASK
    history = model.fit(X_train, y_train, validation_data=(prepared.X_val, prepared.y_val), epochs=epochs,
                        batch_size=32, callbacks=standard_callbacks(log_dir, patience=10), verbose=verbose)
    curves = history_frame(history)                         # columns: accuracy, loss, val_accuracy, val_loss
    curves_png = plot_loss_curves(curves, out_dir / f"{TASK}_loss_curves.png", title="breast cancer: malignant?")

    # ## Evaluate on the test split
    #
    # Precision of "malignant": of the patients called malignant, how many are. Recall: of the
    # malignant patients, how many were found -- the number a doctor cares most about. The
    # confusion matrix has the true class in rows and the decision in columns.
    p_test = model.predict(prepared.X_test, verbose=0)      # (m_test, 1) probabilities
    scores = evaluate_classifier(prepared.y_test, p_test, TASK, CLASS_NAMES)

    # ## Save and reload
    model_path = out_dir / f"{TASK}.keras"
    model.save(model_path)
    reloaded = load_model(model_path)
    if not np.array_equal(reloaded.predict(prepared.X_test, verbose=0), p_test):
        raise RuntimeError(f"{model_path} does not reproduce the trained model's predictions")

    # ## Predict one patient
    #
    # One row of raw measurements, as a lab would report them: here the first test patient, whom
    # the model never trained on. It goes through prepared.scale -- the training rows' mean and
    # std -- before the model sees it. The raw row, unscaled, would be a mistake: an area of
    # ~1000 is 1000 "standard deviations" to a network trained on standardised inputs.
    features, malignant = load_breast_cancer()
    patient = features.iloc[[prepared.test_rows[0]]]       # (1, 30) raw, as a DataFrame
    x_new = prepared.scale(patient)                         # (1, 30) standardised
    p_new = reloaded.predict(x_new, verbose=0)              # (1, 1)
    decision = CLASS_NAMES[class_labels(p_new, TASK)[0]]
    p_unscaled = reloaded.predict(patient.to_numpy(dtype=np.float32), verbose=0)   # (1, 1): the mistake

    report = "\n".join([
        f"binary classification on breast cancer: {len(curves)} epochs, {len(X_train)} training rows",
        f"  test accuracy {scores.accuracy:.3f}",
        scores.report.rstrip(),
        "  confusion matrix (rows: true class):",
        scores.confusion.to_string(),
        f"  patient {prepared.test_rows[0]}: p(malignant) = {p_new[0, 0]:.3f} -> {decision} "
        f"(truly {CLASS_NAMES[int(malignant.iloc[prepared.test_rows[0]])]}); "
        f"unscaled input would give p = {p_unscaled[0, 0]:.3f}",
        f"  model {model_path}, curves {curves_png}, TensorBoard {log_dir}",
    ])
    return CourseRun(TASK, prepared, model, curves, scores, model_path, curves_png, log_dir,
                     patient, p_new, report)


if __name__ == "__main__":
    command_line(run, default_epochs=200)
