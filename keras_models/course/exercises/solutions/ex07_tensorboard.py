# %% [markdown]
# # Exercise 7 -- TensorBoard: log a training run, then answer from the logs
#
# Keras' `TensorBoard` callback writes event files that the TensorBoard server draws as curves.
# The same files can be read from Python, and that is how the grader checks your run.
#
# **What the callback writes.** Under its `log_dir`: `train/` and `validation/`, each with an
# `events.out.tfevents...` file holding one value per epoch for each tag: `epoch_loss` and
# `epoch_accuracy` if you ask for that metric (`train/` also has `epoch_learning_rate`,
# `validation/` also has `evaluation_*_vs_iterations`). The step is the epoch, counted from 0.
# TensorFlow 2 stores these values as *tensors*, so read them with
#
#     EventAccumulator(str(run_dir), size_guidance={"tensors": 0})   # 0 = keep every value
#     accumulator.Reload()                   # actually reads the files
#     accumulator.Tensors("epoch_loss")      # events with .step and .tensor_proto
#     tensor_util.make_ndarray(event.tensor_proto)   # the value, a 0-d array
#
# **Data.** The breast-cancer data again, `prepare("binary")`, with a model big enough and a
# learning rate high enough to start overfitting within 20 epochs: the validation loss falls,
# then rises again.
#
# **Your part.**
# 1. `train_with_tensorboard(log_dir)`: the model is built and compiled for you; fit it for
#    `epochs` epochs with `validation_data` and a `keras.callbacks.TensorBoard(log_dir=...,
#    profile_batch=0)` callback (profile_batch=0: no profiling). Return the History.
# 2. `read_scalars(run_dir, tag)`: {epoch: value} for one tag of one run directory
#    (e.g. log_dir / "validation").
# 3. `best_epoch(log_dir)`: the epoch with the lowest validation loss, read from the logs.
#
# Look at the run yourself: run this notebook, or `make exercise-run NAME=ex07` (your file as a script);
# either writes to the repository's logs/exercises/ex07/<time>/, wherever it runs. Then `make tensorboard` and open
# the printed address.
#
# **Grade it:** `make exercises ONLY=ex07`

# %%
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import keras
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: F401
from tensorboard.util import tensor_util  # noqa: F401  (the two you will need)

from data import prepare
from keras_models.course.folders import LOGS, shown  # the repository's logs/, wherever this runs; a path as you open it


def build_model(n_features: int) -> keras.Model:
    """A deliberately roomy classifier (no dropout), so that it overfits quickly. Not compiled."""
    return keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


# %% [markdown]
# ## Train with the TensorBoard callback

# %%
def train_with_tensorboard(log_dir: Path, epochs: int = 20) -> keras.callbacks.History:
    """Train build_model on the breast-cancer data, logging to log_dir/{train,validation}; return the History."""
    data = prepare("binary", seed=0)
    model = build_model(data.n_features)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    # TODO: fit for `epochs` epochs with validation_data and a TensorBoard callback writing to log_dir
    ### BEGIN SOLUTION
    board = keras.callbacks.TensorBoard(log_dir=log_dir, profile_batch=0)
    return model.fit(data.X_train, data.y_train, validation_data=(data.X_val, data.y_val), epochs=epochs,
                     batch_size=32, callbacks=[board], verbose=0)
    ### END SOLUTION


# %% [markdown]
# ## Read the logs back

# %%
def read_scalars(run_dir: Path, tag: str = "epoch_loss") -> dict[int, float]:
    """{step: value} of `tag` in the event files of run_dir (e.g. log_dir / "validation")."""
    # TODO: EventAccumulator(..., size_guidance={"tensors": 0}), Reload(), Tensors(tag)
    ### BEGIN SOLUTION
    accumulator = EventAccumulator(str(run_dir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return {event.step: float(tensor_util.make_ndarray(event.tensor_proto))
            for event in accumulator.Tensors(tag)}
    ### END SOLUTION


def best_epoch(log_dir: Path) -> int:
    """The epoch with the lowest validation loss, according to the logs under log_dir."""
    # TODO: read the validation run's epoch_loss and return the step where it is lowest
    ### BEGIN SOLUTION
    val_loss = read_scalars(Path(log_dir) / "validation", "epoch_loss")
    return min(val_loss, key=val_loss.get)
    ### END SOLUTION


# %% [markdown]
# ## Run it

# %% tags=["raises-exception"]
if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    log_dir = LOGS / "exercises" / "ex07" / datetime.now().strftime("%Y%m%d-%H%M%S")
    history = train_with_tensorboard(log_dir)
    print("validation loss per epoch (from the logs):")
    for epoch, value in read_scalars(log_dir / "validation").items():
        print(f"  {epoch:3d}  {value:.4f}")
    print(f"lowest validation loss at epoch {best_epoch(log_dir)}; logs in {shown(log_dir)}")


# %% [markdown]
# ## Grade it
#
# The same grader and the same verdict as `make exercises ONLY=ex07`, on the code you have run above
# (`make exercises` grades your saved file). Run as a script, the file grades itself here.

# %%
if __name__ == "__main__":
    from keras_models.course.exercises.grade import grade_here

    grade_here("ex07")
