# %% [markdown]
# # Exercise 6 -- capstone: house prices in Windsor, Canada (1987)
#
# A data set the lessons never used: 546 houses sold in Windsor, Ontario, with their price in
# Canadian dollars (Anglin and Gencay, 1996; see data/README.md). Everything is yours: the
# features, the model, the training and the evaluation.
#
# **Data.** `load_housing()`: one row per house. `price` (the target); `lotsize` (square feet),
# `bedrooms`, `bathrms`, `stories`, `garagepl` (garage places); and six yes/no columns as text:
# `driveway`, `recroom`, `fullbase` (finished basement), `gashw` (gas hot water), `airco`,
# `prefarea` (preferred neighbourhood). The grader holds back 110 houses for the test and gives
# your `train` the other 436, prices included.
#
# **Your part.**
# 1. `engineer_features(houses)`: a numeric DataFrame, one row per house, same index, from the
#    raw columns (never the price: new houses do not have one). Encode yes/no as 1/0; consider
#    log(lotsize), since a bigger lot adds less and less. Each row must depend on that house
#    alone: means, stds and scalers are *fitted* in `train`, on the training houses only.
# 2. `build_model(n_features)`: a compiled regression network (linear output, regression loss),
#    built with `keras.Sequential` or the functional API from `keras.Input(shape=(n_features,))`:
#    the grader reads its layers, which a Model subclass with its own `call` hides. With 436
#    houses, keep it small.
# 3. `train(houses)`: engineer the features, fit the scaling on these houses, fit the network
#    (hold out part of them for validation and early stopping), and return a `HousePriceModel`.
#    Prices are skewed (a few expensive houses): the suggested fields learn log(price),
#    standardised. You may change the fields if you choose another target.
# 4. `HousePriceModel.predict(houses)`: prices in dollars (m,) for raw rows, using only what
#    `train` stored.
# 5. `evaluate(predictor, houses)`: {"mae": mean absolute error in dollars, "r2": 1 - SS_res / SS_tot}.
#
# **Target.** Mean absolute error below $15,000 on the 110 held-out houses. Predicting the
# training mean misses by about $19,500. (A plain linear model on good features gets about
# $11,600 here: with this little data, a network has to work to beat it. Try!)
#
# **Grade it:** `make exercises ONLY=ex06`

# %%
from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd

from data import load_housing

YES_NO_COLUMNS = ("driveway", "recroom", "fullbase", "gashw", "airco", "prefarea")
COUNT_COLUMNS = ("bedrooms", "bathrms", "stories", "garagepl")


# %% [markdown]
# ## Features

# %%
def engineer_features(houses: pd.DataFrame) -> pd.DataFrame:
    """Numeric features of each house, computed from its own raw columns; same index as `houses`."""
    # TODO: build the numeric features (yes/no -> 1/0, counts as numbers, log of the lot size, ...)
    ### BEGIN SOLUTION
    features = pd.DataFrame(index=houses.index)
    features["log_lotsize"] = np.log(houses["lotsize"].astype(float))
    for column in COUNT_COLUMNS:
        features[column] = houses[column].astype(float)
    for column in YES_NO_COLUMNS:
        features[column] = (houses[column] == "yes").astype(float)
    return features
    ### END SOLUTION


# %% [markdown]
# ## Model and training

# %%
def build_model(n_features: int) -> keras.Model:
    """A compiled regression network: (m, n_features) -> (m, 1)."""
    # TODO: a small network with one linear output, compiled with a regression loss
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    return model
    ### END SOLUTION


@dataclass
class HousePriceModel:
    """The network and the scaling fitted on the training houses: all that pricing a new house needs."""

    model: keras.Model
    feature_mean: np.ndarray          # (n_features,) of engineer_features(training houses)
    feature_std: np.ndarray           # (n_features,)
    log_price_mean: float             # the network predicts (log(price) - log_price_mean) / log_price_std
    log_price_std: float

    def predict(self, houses: pd.DataFrame) -> np.ndarray:
        """Prices in dollars, shape (m,), of houses given as raw rows (a price column is ignored)."""
        # TODO: features -> scale with the stored mean and std -> network -> undo the target scaling
        ### BEGIN SOLUTION
        X = (engineer_features(houses).to_numpy() - self.feature_mean) / self.feature_std    # (m, n)
        scaled = self.model.predict(X, verbose=0)[:, 0]                                       # (m,)
        return np.exp(scaled * self.log_price_std + self.log_price_mean)
        ### END SOLUTION


def train(houses: pd.DataFrame) -> HousePriceModel:
    """Fit features, scaling and network on these houses (prices included); return the HousePriceModel."""
    # TODO: engineer_features; mean and std of the features; the scaled log price; build_model; fit
    #       with validation_split and EarlyStopping(restore_best_weights=True); return HousePriceModel(...)
    ### BEGIN SOLUTION
    features = engineer_features(houses).to_numpy()                     # (m, n)
    mean, std = features.mean(axis=0), features.std(axis=0)
    std[std == 0] = 1.0                                                  # a constant column stays 0
    log_price = np.log(houses["price"].to_numpy(dtype=float))            # (m,)
    target = (log_price - log_price.mean()) / log_price.std()            # (m,)
    model = build_model(features.shape[1])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    model.fit((features - mean) / std, target, validation_split=0.2, epochs=200, batch_size=32,
              callbacks=[stop], verbose=0)
    return HousePriceModel(model, mean, std, float(log_price.mean()), float(log_price.std()))
    ### END SOLUTION


# %% [markdown]
# ## Evaluation

# %%
def evaluate(predictor: HousePriceModel, houses: pd.DataFrame) -> dict[str, float]:
    """{"mae": mean |price - predicted| in dollars, "r2": 1 - sum of squared errors / sum of squared deviations}."""
    # TODO: predict the houses' prices and compare with their price column
    ### BEGIN SOLUTION
    price = houses["price"].to_numpy(dtype=float)                        # (m,)
    error = price - predictor.predict(houses)                            # (m,)
    r2 = 1.0 - np.sum(error ** 2) / np.sum((price - price.mean()) ** 2)
    return {"mae": float(np.mean(np.abs(error))), "r2": float(r2)}
    ### END SOLUTION


# %% [markdown]
# ## Run it

# %% tags=["raises-exception"]
if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    houses = load_housing()
    test = houses.sample(frac=0.2, random_state=0)
    training = houses.drop(index=test.index)
    predictor = train(training)
    print("test:", evaluate(predictor, test))
    print(f"predicting the mean: MAE {np.mean(np.abs(test['price'] - training['price'].mean())):,.0f}")


# %% [markdown]
# ## Grade it
#
# The same grader and the same verdict as `make exercises ONLY=ex06`, on the code you have run above
# (`make exercises` grades your saved file). Run as a script, the file grades itself here.

# %%
if __name__ == "__main__":
    from keras_models.course.exercises.grade import grade_here

    grade_here("ex06")
