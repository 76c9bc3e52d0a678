# %% [markdown]
# # Exercise 3 -- Keras syntax: split, scale, compile, fit, evaluate, predict
#
# The course's first Keras model: a regression on a small synthetic price set. Each step of the
# Keras workflow is one function.
#
# **Data.** `make_price_data()`: 1000 gems, two measured features near 1000 (they vary by
# about 1) and a price near 400 (keras_models/course/exercises/price_data.py says how it is made).
#
# **Your part.**
# 1. `split_and_scale`: hold out 30% of the rows for testing (sklearn's `train_test_split`,
#    random_state=42), then fit a `MinMaxScaler` on the *training* rows only and transform both
#    splits with it. Fitting it on all rows would let the test rows leak into training.
# 2. `build_model`: a `keras.Sequential` with `keras.Input(shape=(2,))`, three hidden `Dense`
#    layers of 16 ReLU units and one linear output unit; compile it with the Adam optimizer and
#    the mean squared error loss (`"mse"`). Adam's default learning rate (0.001) needs hundreds
#    of epochs here; 0.02 gets there in about 30. (With only 4 units per layer, some random
#    starts end with every ReLU stuck at 0 and a constant prediction.) The grader checks the input,
#    the linear output, the loss and that a hidden layer is nonlinear: how many hidden layers,
#    their sizes and the optimizer are yours to vary.
# 3. `train`: fit on the training rows and return the History (`verbose=0` keeps it quiet).
# 4. `evaluate`: the test mean squared error, from `model.evaluate`, as a float.
# 5. `predict_price`: the price of a new gem whose raw features are e.g. [998, 1000]. The model
#    only ever saw scaled features: scale the new one with the same scaler first.
#
# **Target.** On 500 fresh gems the grader draws itself: RMSE below 8 (the noise alone is 5;
# predicting the mean price misses by about 70), and the new gem [998, 1000] priced within 10
# of its noise-free price, 280.
#
# **Grade it:** `make exercises ONLY=ex03`

# %%
from __future__ import annotations

import keras
import numpy as np
from sklearn.model_selection import train_test_split  # noqa: F401  (you will need these two)
from sklearn.preprocessing import MinMaxScaler  # noqa: F401

from keras_models.course.exercises.price_data import make_price_data

# %% [markdown]
# ## Split and scale

# %%
def split_and_scale(features: np.ndarray, price: np.ndarray):
    """-> (X_train, X_test, y_train, y_test, scaler): 30% test, the scaler fitted on the training rows."""
    # TODO: split with train_test_split(..., test_size=0.3, random_state=42); fit a MinMaxScaler on
    #       the training features; return both feature sets transformed, the targets and the scaler.
    ### BEGIN SOLUTION
    X_train, X_test, y_train, y_test = train_test_split(features, price, test_size=0.3, random_state=42)
    scaler = MinMaxScaler().fit(X_train)              # training rows only
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, scaler
    ### END SOLUTION


# %% [markdown]
# ## Build, compile, fit

# %%
def build_model() -> keras.Model:
    """Input (2,) -> Dense(16, relu) x 3 -> Dense(1), compiled with Adam and the mse loss."""
    # TODO: build the Sequential model and compile it
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),                        # linear: a price can be any number
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
    return model
    ### END SOLUTION


def train(model: keras.Model, X_train: np.ndarray, y_train: np.ndarray) -> keras.callbacks.History:
    """Fit the model on the scaled training rows; return the History."""
    # TODO: model.fit(...) for about 30 epochs, batch size 32, verbose=0
    ### BEGIN SOLUTION
    return model.fit(X_train, y_train, epochs=30, batch_size=32, verbose=0)
    ### END SOLUTION


# %% [markdown]
# ## Evaluate and predict

# %%
def evaluate(model: keras.Model, X_test: np.ndarray, y_test: np.ndarray) -> float:
    """The mean squared error on the test rows."""
    # TODO: model.evaluate(...) gives the loss on the test rows
    ### BEGIN SOLUTION
    return float(model.evaluate(X_test, y_test, verbose=0, return_dict=True)["loss"])
    ### END SOLUTION


def predict_price(model: keras.Model, scaler, features) -> float:
    """The predicted price of one gem with raw features [feature1, feature2]."""
    # TODO: shape the features as one row (1, 2), scale them, predict, return a float
    ### BEGIN SOLUTION
    row = np.asarray(features, dtype=np.float64).reshape(1, 2)     # (1, 2)
    return float(model.predict(scaler.transform(row), verbose=0)[0, 0])
    ### END SOLUTION


# %% [markdown]
# ## Run it

# %% tags=["raises-exception"]
if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    features, price = make_price_data()
    X_train, X_test, y_train, y_test, scaler = split_and_scale(features, price)
    model = build_model()
    model.summary()
    history = train(model, X_train, y_train)
    print(f"training loss: {history.history['loss'][0]:.1f} -> {history.history['loss'][-1]:.1f}")
    print(f"test MSE {evaluate(model, X_test, y_test):.1f}")
    print(f"a new gem [998, 1000]: predicted price {predict_price(model, scaler, [998, 1000]):.1f}")


# %% [markdown]
# ## Grade it
#
# The same grader and the same verdict as `make exercises ONLY=ex03`, on the code you have run above
# (`make exercises` grades your saved file). Run as a script, the file grades itself here.

# %%
if __name__ == "__main__":
    from keras_models.course.exercises.grade import grade_here

    grade_here("ex03")
