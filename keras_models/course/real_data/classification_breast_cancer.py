"""
Title: Binary classification on real data: is a tumour malignant?
Description: A Keras MLP with one sigmoid output reads 30 measurements of a biopsy's cell nuclei, is scored
    on held-out patients with a classification report and a confusion matrix, saved as .keras, reloaded,
    and asked about one patient -- after scaling the measurements like the training data.
Run: make course, or .venv/bin/python -m keras_models.course.real_data.classification_breast_cancer
    [--epochs 200] [--out logs/course]
"""

# ## Introduction
#
# Two classes, so one output neuron with a sigmoid: a = 1 / (1 + e^-z) is read as the
# probability of class 1, here "malignant" (the Wisconsin data, data/README.md: 569 biopsies,
# 212 malignant; note that scikit-learn codes these labels the other way round). The loss is the
# binary cross-entropy. To turn the probability into a decision we THRESHOLD it: malignant when
# p > 0.5. (The old `predict_classes` is gone from Keras, and an argmax over one column would
# call every patient benign: see keras_models/twins/classification_report.py.)

# ## Setup

from __future__ import annotations

if __name__ == "__main__":      # run alone: TensorFlow's C++ start-up lines left out, as `make course` leaves them out
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    filter_tensorflow_chatter()     # before anything loads TensorFlow (workflow imports Keras)

from pathlib import Path

import numpy as np

from data import load_breast_cancer
from keras_models.course.real_data import workflow
from keras_models.twins.classification_report import class_labels, evaluate_classifier

TASK = "binary"
CLASS_NAMES = ["benign", "malignant"]                       # class 0, class 1


def run(out_dir: str | Path, epochs: int | None = None, max_rows: int | None = None, seed: int = 0,
        verbose: int = 0) -> workflow.CourseRun:
    """Train, evaluate, save, reload and use the breast-cancer classifier; files go to out_dir."""
    # ## Data
    #
    # The splits are stratified: train, validation and test each keep the data's share of
    # malignant cases (about 37%). Every measurement is standardised with the training rows'
    # mean and std -- areas in the hundreds and smoothness near 0.1 end up on the same scale.
    # X (m, 30), y (m, 1) of 0/1.
    #
    # ## Model
    #
    # Input(30) -> Dense(64, relu) -> Dropout(0.2) -> Dense(32, relu) -> Dropout(0.2) -> Dense(1, sigmoid).
    # Dropout switches off a random 20% of the hidden units at each training step (never when
    # predicting), so the network cannot lean on any single unit: with 400 training rows and
    # thousands of weights, it would otherwise learn the rows by heart.
    #
    # ## Train
    #
    # Many epochs are allowed; EarlyStopping ends the run once val_loss has not improved for 10
    # epochs and restores the best weights, so "too many epochs" cannot overfit.
    out_dir = Path(out_dir)
    prepared, model, fitted = workflow.prepare_and_fit(TASK, out_dir, epochs, max_rows, seed, verbose,
                                                       title="breast cancer: malignant?")

    # ## Evaluate on the test split
    #
    # Precision of "malignant": of the patients called malignant, how many are. Recall: of the
    # malignant patients, how many were found -- the number a doctor cares most about. The
    # confusion matrix has the true class in rows and the decision in columns.
    p_test = model.predict(prepared.X_test, verbose=0)      # (m_test, 1) probabilities
    scores = evaluate_classifier(prepared.y_test, p_test, TASK, CLASS_NAMES)
    model_path, reloaded = workflow.save_and_reload(model, out_dir, TASK, prepared.X_test, p_test)

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

    truly = CLASS_NAMES[int(malignant.iloc[prepared.test_rows[0]])]
    return workflow.course_run(prepared, model, fitted, scores, model_path, patient, p_new,
                               "binary classification on breast cancer", [
        f"  patient {prepared.test_rows[0]}: p(malignant) = {p_new[0, 0]:.3f} -> {decision} (truly {truly}); "
        f"unscaled input would give p = {p_unscaled[0, 0]:.3f}",
    ], matrix="confusion matrix (rows: true class)")


if __name__ == "__main__":
    workflow.command_line(run, TASK)
