# %% [markdown]
# # Exercise 5 -- classification with Dropout and EarlyStopping: breast cancer
#
# Is a tumour malignant? 569 biopsies, 30 measurements of the cell nuclei each (the Wisconsin
# diagnostic data, see data/README.md). With so few examples a network overfits quickly; two
# tools from the course hold it back:
# - `keras.layers.Dropout(rate)` zeroes a random fraction `rate` of a layer's outputs at each
#   training step (and none at prediction time), so no unit can rely on one particular other;
# - `keras.callbacks.EarlyStopping(monitor="val_loss", patience=...)` stops training once the
#   validation loss has not improved for `patience` epochs; `restore_best_weights=True` goes
#   back to the best epoch's weights.
#
# **Data.** `prepare("binary")`: the 30 features standardised with the training rows' mean and
# std; the label is a column (n, 1) with 1 = malignant, 0 = benign. Train / validation / test
# = 398 / 86 / 85 rows, each with the class balance of the whole set (37% malignant).
#
# **Your part.**
# 1. `build_model(n_features)`: hidden `Dense` layers with ReLU, a `Dropout` after at least one of
#    them (after each is common), and an output fit for a yes/no question: one unit whose output
#    is a probability (sigmoid), with the binary cross-entropy loss. Add `metrics=["accuracy"]`
#    to see it while training.
# 2. `train`: fit with `validation_data` and an EarlyStopping callback on the validation loss,
#    with `restore_best_weights=True` (the grader refuses one that keeps the last epoch's weights).
#    Ask for many more epochs (e.g. 200) than it needs: early stopping decides when to stop.
# 3. `predict_labels`: 0/1 labels (m,) for a batch. `predict_classes` no longer exists in
#    Keras; for one sigmoid output, a label is 1 where the probability is above 0.5 (`argmax`
#    over a single column would always give 0).
#
# **Target.** Accuracy of at least 0.92 on the 85 test biopsies, and early stopping must have
# stopped training before the last epoch asked for. Always answering "benign" scores 0.62.
#
# **Grade it:** `make exercises ONLY=ex05`

# %%
from __future__ import annotations

import keras
import numpy as np

from data import prepare


def load_data():
    """The breast-cancer splits, standardised (see data/README.md); y: 1 = malignant."""
    return prepare("binary", seed=0)


# %% [markdown]
# ## The model

# %%
def build_model(n_features: int) -> keras.Model:
    """A compiled binary classifier with Dropout: (m, n_features) -> (m, 1) probability of malignant."""
    # TODO: keras.Input; Dense + Dropout layers; one sigmoid output; compile with binary cross-entropy
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model
    ### END SOLUTION


def train(model: keras.Model, X_train: np.ndarray, y_train: np.ndarray,
          X_val: np.ndarray, y_val: np.ndarray) -> keras.callbacks.History:
    """Fit with early stopping on the validation loss; return the History."""
    # TODO: an EarlyStopping callback, then model.fit(..., validation_data=..., epochs=200, callbacks=[...])
    ### BEGIN SOLUTION
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    return model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=200, batch_size=64,
                     callbacks=[stop], verbose=0)
    ### END SOLUTION


# %% [markdown]
# ## From probabilities to labels

# %%
def predict_labels(model: keras.Model, X: np.ndarray) -> np.ndarray:
    """0/1 labels, shape (m,): 1 where the predicted probability of malignant is above 0.5."""
    # TODO: threshold model.predict(X) at 0.5
    ### BEGIN SOLUTION
    probability = model.predict(X, verbose=0)[:, 0]                  # (m,)
    return (probability > 0.5).astype(int)                           # (m,)
    ### END SOLUTION


# %% [markdown]
# ## Run it

# %% tags=["raises-exception"]
if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    data = load_data()
    model = build_model(data.n_features)
    history = train(model, data.X_train, data.y_train, data.X_val, data.y_val)
    print(f"stopped after {len(history.epoch)} of {history.params['epochs']} epochs")
    labels = predict_labels(model, data.X_test)
    accuracy = float(np.mean(labels == data.y_test[:, 0]))
    print(f"test accuracy {accuracy:.3f} (target >= 0.92)")


# %% [markdown]
# ## Grade it
#
# The same grader and the same verdict as `make exercises ONLY=ex05`, on the code you have run above
# (`make exercises` grades your saved file). Run as a script, the file grades itself here.

# %%
if __name__ == "__main__":
    from keras_models.course.exercises.grade import grade_here

    grade_here("ex05")
