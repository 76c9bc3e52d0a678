"""
Title: Regression on real data: what is a diamond worth?
Description: A Keras MLP predicts the price of a diamond from its carat, grades and size, is scored on
    held-out diamonds, saved as .keras, reloaded, and prices one new stone -- scaled like the training data.
Run: make course, or .venv/bin/python -m keras_models.course.real_data.regression_diamonds [--epochs 30]
    [--max-rows 5000] [--out logs/course]
"""

# ## Introduction
#
# Regression: the network's one output is a number, not a class. So the output layer has no
# activation ("linear", a = z), the loss is the mean squared error and the metric the mean
# absolute error, which is in the target's own units. The data are 53,940 real diamonds
# (data/README.md): 6 numeric columns and three grades (cut, color, clarity), one-hot encoded,
# and the price in thousands of US dollars.

# ## Setup

from __future__ import annotations

if __name__ == "__main__":      # run alone: TensorFlow's C++ start-up lines left out, as `make course` leaves them out
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    filter_tensorflow_chatter()     # before anything loads TensorFlow (workflow imports Keras)

from pathlib import Path

import pandas as pd

from data import prepare
from data.encoding import encode_features
from keras_models.course.real_data.workflow import (
    CourseRun,
    command_line,
    course_rows,
    course_run,
    fit,
    save_and_reload,
)
from keras_models.twins.models import build_model
from keras_models.twins.regression_metrics import regression_metrics
from keras_models.twins.reproducible import deterministic

TASK = "regression"

# A diamond the model has never seen, described as a jeweller would: the raw columns, no price.
NEW_DIAMOND = pd.DataFrame([{"carat": 0.9, "cut": "Ideal", "color": "G", "clarity": "VS1",
                             "depth": 61.8, "table": 57.0, "x": 6.2, "y": 6.18, "z": 3.82}])


def run(out_dir: str | Path, epochs: int | None = None, max_rows: int | None = None, seed: int = 0,
        verbose: int = 0) -> CourseRun:
    """Train, evaluate, save, reload and use the diamond-price model; files go to out_dir."""
    out_dir = Path(out_dir)
    with deterministic(seed):                               # Python, NumPy and TF seeded; the same result every run
        # ## Data
        #
        # prepare() shuffles with the seed, cuts train / validation / test (70 / 15 / 15), one-hot
        # encodes the grades and standardises every column with the mean and std of the TRAINING rows.
        # `max_rows` (else the task table's course.max_rows) takes a smaller random sample for a quick run.
        prepared = prepare(TASK, seed=seed, max_rows=course_rows(TASK, max_rows))     # X (m, 26), y (m, 1)

        # ## Model
        #
        # Input(26) -> Dense(64, relu) -> Dropout(0.2) -> Dense(32, relu) -> Dropout(0.2) -> Dense(1).
        model = build_model(prepared)
        if verbose:
            model.summary()

        # ## Train (EarlyStopping on val_loss, TensorBoard: see workflow.fit)
        fitted = fit(model, prepared, out_dir, epochs, verbose, title="diamonds: price regression")

    # ## Evaluate on the test split
    #
    # The test rows took no part in training or in choosing when to stop, so these numbers are
    # honest. MAE and RMSE are in thousands of dollars; explained variance is the share of the
    # spread of prices that the model accounts for.
    y_hat = model.predict(prepared.X_test, verbose=0)       # (m_test, 1)
    scores = regression_metrics(prepared.y_test, y_hat)
    model_path, reloaded = save_and_reload(model, out_dir, TASK, prepared.X_test, y_hat)

    # ## Predict one new diamond
    #
    # A new example must go through the SAME encoding and scaling as the training rows, with the
    # numbers measured on the training split: prepared.scale does exactly that. Feeding the raw
    # (only one-hot encoded) row is the classic mistake: carats near 1 and millimetres near 6 look
    # to the network like values 1 and 6 standard deviations above the mean.
    x_new = prepared.scale(NEW_DIAMOND)                    # (1, 26)
    price = reloaded.predict(x_new, verbose=0)             # (1, 1) thousands of USD
    x_unscaled = encode_features(NEW_DIAMOND[list(prepared.raw_columns)], prepared.categories)   # (1, 26)
    price_unscaled = reloaded.predict(x_unscaled, verbose=0)                                     # (1, 1)

    return course_run(prepared, model, fitted, scores, model_path, NEW_DIAMOND, price, "regression on diamonds", [
        f"  test MAE {scores['mae']:.3f} k$, RMSE {scores['rmse']:.3f} k$, "
        f"explained variance {scores['explained_variance']:.3f}",
        f"  new diamond (0.9 ct, Ideal, G, VS1): ${1000 * price[0, 0]:,.0f} "
        f"(the same row unscaled would say ${1000 * price_unscaled[0, 0]:,.0f})",
    ])


if __name__ == "__main__":
    command_line(run, TASK)
