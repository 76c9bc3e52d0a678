# %% [markdown]
# # Exercise 4 -- regression on real data: the price of a diamond
#
# A Keras regression on the diamonds data (ggplot2's 53,940 round-cut diamonds; see
# data/README.md). To keep training short we use 5,000 of them.
#
# **Data.** `prepare("regression", max_rows=5000)` returns the splits ready for a network:
# 26 inputs per diamond (carat, depth, table, x, y, z, and the cut, color and clarity grades
# one-hot encoded; every column standardised), and the price in *thousands* of US dollars as a column (n, 1).
# Train on `X_train`, watch `X_val`; the grader keeps `X_test` for the verdict.
#
# **Your part.**
# 1. `build_model(n_features)`: a network for a regression: hidden `Dense` layers with a
#    nonlinear activation, one linear output unit, a regression loss (mean squared error).
#    A straight line through the features is not enough: the price grows faster than linearly
#    with the carat.
# 2. `train`: fit with the validation split as `validation_data`; return the History. An
#    `EarlyStopping(monitor="val_loss", restore_best_weights=True)` saves you guessing epochs.
# 3. `predict_price_dollars`: the price in dollars of one new diamond given as a raw table row
#    (a DataFrame with the columns carat, cut, color, clarity, depth, table, x, y, z). Encode and
#    scale it exactly like the training rows with `data.scale(...)`, predict, convert to dollars.
#
# **Target.** Mean absolute error on the test diamonds below 0.60 (thousand dollars, so $600).
# Predicting the mean price misses by about $3,100; a linear model by about $840.
#
# **Grade it:** `make exercises ONLY=ex04`

# %%
from __future__ import annotations

import keras
import numpy as np
import pandas as pd

from data import load_diamonds, prepare

MAX_ROWS = 5000          # the grader uses the same slice


def load_data():
    """The diamonds, split into train / validation / test, encoded and scaled (see data/README.md)."""
    return prepare("regression", max_rows=MAX_ROWS, seed=0)


# %% [markdown]
# ## The model

# %%
def build_model(n_features: int) -> keras.Model:
    """A compiled regression network: (m, n_features) -> (m, 1) price in thousands of dollars."""
    # TODO: keras.Input, hidden Dense layers with an activation, a linear Dense(1); compile
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    return model
    ### END SOLUTION


def train(model: keras.Model, X_train: np.ndarray, y_train: np.ndarray,
          X_val: np.ndarray, y_val: np.ndarray) -> keras.callbacks.History:
    """Fit on the training rows, validating on the validation rows; return the History."""
    # TODO: model.fit(..., validation_data=(X_val, y_val), ...) -- with EarlyStopping if you like (then with
    #       restore_best_weights=True: the grader refuses one that keeps the last epoch's weights)
    ### BEGIN SOLUTION
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    return model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=40, batch_size=128,
                     callbacks=[stop], verbose=0)
    ### END SOLUTION


# %% [markdown]
# ## A new diamond

# %%
def predict_price_dollars(model: keras.Model, data, diamond: pd.DataFrame) -> float:
    """The price in US dollars of one diamond given as a raw row (no price column)."""
    # TODO: data.scale(diamond) -> model.predict -> thousands of dollars -> dollars, as a float
    ### BEGIN SOLUTION
    thousands = model.predict(data.scale(diamond), verbose=0)        # (1, 1)
    return float(thousands[0, 0]) * 1000.0
    ### END SOLUTION


# %% [markdown]
# ## Run it

# %% tags=["raises-exception"]
if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    data = load_data()
    model = build_model(data.n_features)
    history = train(model, data.X_train, data.y_train, data.X_val, data.y_val)
    prediction = model.predict(data.X_test, verbose=0)               # (m, 1)
    mae = float(np.mean(np.abs(prediction - data.y_test)))
    print(f"{len(history.epoch)} epochs; test MAE {mae:.3f} thousand dollars (target < 0.60)")
    diamond = load_diamonds().iloc[[data.test_rows[0]]]
    print(diamond.to_string())
    print(f"predicted price: ${predict_price_dollars(model, data, diamond.drop(columns='price')):,.0f}")


# %% [markdown]
# ## Grade it
#
# The same grader and the same verdict as `make exercises ONLY=ex04`, on the code you have run above
# (`make exercises` grades your saved file). Run as a script, the file grades itself here.

# %%
if __name__ == "__main__":
    from keras_models.course.exercises.grade import grade_here

    grade_here("ex04")
