"""
Title: Regression on real data: what is a diamond worth?
Description: A Keras MLP predicts the price of a diamond from its carat, grades and size, is scored on
    held-out diamonds, saved as .keras, reloaded, and prices one new stone -- scaled like the training data.
Run: python -m keras_models.course.regression_diamonds [--epochs 30] [--max-rows 5000] [--out logs/course]
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

from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from data import prepare
from data.encoding import encode_features
from keras_models.course import CourseRun, command_line
from keras_models.evaluation import history_frame, plot_loss_curves, regression_metrics
from keras_models.models import build_model, load_model, standard_callbacks

TASK = "regression"

# A diamond the model has never seen, described as a jeweller would: the raw columns, no price.
NEW_DIAMOND = pd.DataFrame([{"carat": 0.9, "cut": "Ideal", "color": "G", "clarity": "VS1",
                             "depth": 61.8, "table": 57.0, "x": 6.2, "y": 6.18, "z": 3.82}])


def run(out_dir: str | Path, epochs: int = 30, max_rows: int | None = None, seed: int = 0,
        verbose: int = 0) -> CourseRun:
    """Train, evaluate, save, reload and use the diamond-price model; files go to out_dir."""
    out_dir = Path(out_dir)
    keras.utils.set_random_seed(seed)                       # Python, NumPy and TF generators at once
    tf.config.experimental.enable_op_determinism()          # and the same result on every run

    # ## Data
    #
    # prepare() shuffles with the seed, cuts train / validation / test (70 / 15 / 15), one-hot
    # encodes the grades and standardises every column with the mean and std of the TRAINING rows.
    # `max_rows` takes a smaller random sample for a quick run.
    prepared = prepare(TASK, seed=seed, max_rows=max_rows)
    X_train, y_train = prepared.X_train, prepared.y_train  # (m, 26), (m, 1)

    # ## Model
    #
    # Input(26) -> Dense(64, relu) -> Dropout(0.2) -> Dense(32, relu) -> Dropout(0.2) -> Dense(1).
    model = build_model(prepared)
    if verbose:
        model.summary()

    # ## Train
    #
    # The validation split decides when to stop: EarlyStopping watches val_loss and, when it has
    # not improved for 5 epochs, stops and restores the best epoch's weights. TensorBoard writes
    # the curves and the weight histograms to <out>/tensorboard/regression.
    log_dir = out_dir / "tensorboard" / TASK
    history = model.fit(X_train, y_train, validation_data=(prepared.X_val, prepared.y_val),
                        epochs=epochs, batch_size=64, callbacks=standard_callbacks(log_dir), verbose=verbose)
    curves = history_frame(history)                         # columns: loss, mae, val_loss, val_mae
    curves_png = plot_loss_curves(curves, out_dir / f"{TASK}_loss_curves.png", title="diamonds: price regression")

    # ## Evaluate on the test split
    #
    # The test rows took no part in training or in choosing when to stop, so these numbers are
    # honest. MAE and RMSE are in thousands of dollars; explained variance is the share of the
    # spread of prices that the model accounts for.
    y_hat = model.predict(prepared.X_test, verbose=0)       # (m_test, 1)
    scores = regression_metrics(prepared.y_test, y_hat)

    # ## Save and reload
    #
    # The .keras file holds the architecture, the weights and the compile settings. The reloaded
    # model must predict exactly what the trained one does.
    model_path = out_dir / f"{TASK}.keras"
    model.save(model_path)
    reloaded = load_model(model_path)
    if not np.array_equal(reloaded.predict(prepared.X_test, verbose=0), y_hat):
        raise RuntimeError(f"{model_path} does not reproduce the trained model's predictions")

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

    report = "\n".join([
        f"regression on diamonds: {len(curves)} epochs, {len(X_train)} training rows",
        f"  test MAE {scores['mae']:.3f} k$, RMSE {scores['rmse']:.3f} k$, "
        f"explained variance {scores['explained_variance']:.3f}",
        f"  new diamond (0.9 ct, Ideal, G, VS1): ${1000 * price[0, 0]:,.0f} "
        f"(the same row unscaled would say ${1000 * price_unscaled[0, 0]:,.0f})",
        f"  model {model_path}, curves {curves_png}, TensorBoard {log_dir}",
    ])
    return CourseRun(TASK, prepared, model, curves, scores, model_path, curves_png, log_dir,
                     NEW_DIAMOND, price, report)


if __name__ == "__main__":
    command_line(run, default_epochs=30)
