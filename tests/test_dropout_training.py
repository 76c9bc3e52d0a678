"""Whole trainings with Dropout and penalties: Keras draws the masks and records them, scratch replays them,
and both end with the same weights (float64, relative gap <= 1e-10).

Two Keras sides: a custom training loop in eager mode (the tape, Keras' loss + model.losses, Adam's
apply), reading each step's masks from RecordingDropout.last_mask; and make train's own set-up -- a
compiled fit with steps_per_execution over a cached tf.data pipeline -- recording every step's masks
into a buffer indexed by the optimizer's step count (keras_models/twins/masks.py). Then the checkpoint
that lets make train resume such a run: masks and seed-generator states saved, restored, refused when
missing.
"""

import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import assert_close, build_before_fit, rewrite_npz

from keras_models.train.checkpoints import KerasCheckpoint, SideState, restore_keras
from keras_models.twins import masks
from keras_models.twins.bridge import keras_loss, to_keras
from keras_models.twins.optimizer_bridge import keras_optimizer
from keras_models.twins.pipeline import keras_batches
from scratch import Dense, Dropout, Network, optimizers, regularizers
from scratch.checkpoint import CheckpointError

M, BATCH, EPOCHS = 45, 16, 3                 # 45 = 16 + 16 + 13: the last batch is partial
STEPS = -(-M // BATCH)


def adam() -> optimizers.Adam:         # hyper-parameters float32 holds exactly (scratch/optimizers/__init__.py)
    return optimizers.Adam(learning_rate=0.01, beta_1=0.875, beta_2=1 - 2**-10)


def twins(seed: int = 0) -> tuple[Network, keras.Sequential]:
    """A ReLU/tanh network with two Dropout layers and penalties, and its Keras twin with RecordingDropout."""
    net = Network([Dense(5, 8, "relu", seed=seed, kernel_regularizer=regularizers.L2(0.01)), Dropout(0.25, seed=1),
                   Dense(8, 6, "tanh", seed=seed + 1, kernel_regularizer=regularizers.L1L2(0.01, 0.02)),
                   Dropout(0.5, seed=2), Dense(6, 1, "sigmoid", seed=seed + 2)])
    return net, to_keras(net, dropout_layer=masks.RecordingDropout)


def data(rng):
    X = rng.normal(size=(M, 5))
    y = (X @ rng.normal(size=(5, 1)) > 0).astype(float)
    return X, y


def assert_same_weights(net, model, what):
    gaps = [assert_close(w, w_ref, what=f"{what}: final {'Wb'[i % 2]}_{i // 2 + 1}")
            for i, (w, w_ref) in enumerate(zip(net.get_weights(), model.get_weights(), strict=True))]
    return max(gaps)


def test_custom_training_loop_masks_replayed_into_fit_give_the_same_weights(rng, floatx64, capsys):
    X, y = data(rng)
    net, model = twins()
    loss, optimizer = keras_loss(net, "binary_crossentropy"), keras_optimizer(adam())
    recorded, losses = [], []
    for _ in range(EPOCHS):
        for i in range(STEPS):
            Xb, yb = X[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]
            with tf.GradientTape() as tape:
                C = keras.ops.sum(keras.ops.stack([loss(yb, model(Xb, training=True)), *model.losses]))
            optimizer.apply(tape.gradient(C, model.trainable_variables), model.trainable_variables)
            recorded.append([layer.last_mask for layer in masks.recording_layers(model)])
            losses.append(float(C))

    history = net.fit(X, y, loss="binary_crossentropy", optimizer=adam(), epochs=EPOCHS, batch_size=BATCH,
                      shuffle=False, verbose=0, masks=lambda epoch, batch: recorded[epoch * STEPS + batch])
    rows = np.array([min(BATCH, M - i * BATCH) for i in range(STEPS)])
    keras_epoch_loss = (np.reshape(losses, (EPOCHS, STEPS)) * rows).sum(axis=1) / M
    assert_close(history.history["loss"], keras_epoch_loss, what="epoch losses (penalties included)")
    gap = assert_same_weights(net, model, "custom loop")
    dropped = np.mean(np.concatenate([~mask.ravel() for step in recorded for mask in step]))
    assert 0.2 < dropped < 0.5                                      # the masks really dropped units
    with capsys.disabled():
        print(f"\ncustom loop, {EPOCHS} epochs x {STEPS} steps, masks replayed: final weights within {gap:.1e}")


@pytest.fixture
def recorded_fit(rng, floatx64):
    """make train's Keras set-up in float64: compiled fit, steps_per_execution, cached tf.data, masks recorded."""
    X, y = data(rng)
    net, model = twins()
    model.compile(loss=keras_loss(net, "binary_crossentropy"), optimizer=keras_optimizer(adam()),
                  steps_per_execution=32)
    masks.record(model, EPOCHS * STEPS, BATCH)
    build_before_fit(model, X, y)
    return X, y, net, model


# make train's own fit (keras_models/train/sides.py) says shuffle=False: Keras warns that a Dataset is not reshuffled
@pytest.mark.filterwarnings("error:`shuffle=True` was passed:UserWarning")
def test_masks_recorded_inside_a_compiled_fit_replay_exactly(recorded_fit, tmp_path, capsys):
    X, y, net, model = recorded_fit
    state = SideState()
    keras_history = model.fit(keras_batches(X, y, BATCH), epochs=EPOCHS, shuffle=False, verbose=0,
                              callbacks=[KerasCheckpoint(tmp_path / "keras.npz", state)]).history
    recorded = masks.recorded(model)
    assert [m.shape for m in recorded] == [(EPOCHS * STEPS, BATCH, 8), (EPOCHS * STEPS, BATCH, 6)]
    assert not recorded[0][STEPS - 1, M - (STEPS - 1) * BATCH:].any()            # the partial batch's padding
    history = net.fit(X, y, loss="binary_crossentropy", optimizer=adam(), epochs=EPOCHS, batch_size=BATCH,
                      shuffle=False, verbose=0, masks=masks.replay(recorded, M))
    assert_close(history.history["loss"], keras_history["loss"], what="compiled fit: epoch losses")
    gap = assert_same_weights(net, model, "compiled fit")
    with capsys.disabled():
        print(f"\ncompiled fit (steps_per_execution, cached tf.data), masks recorded and replayed: final weights "
              f"within {gap:.1e}")

    # The checkpoint keeps the masks so far and the seed generators' states; a fresh twin gets them back.
    _, fresh = twins()
    fresh.compile(loss="binary_crossentropy", optimizer=keras_optimizer(adam()))
    masks.record(fresh, EPOCHS * STEPS, BATCH)
    restore_keras(tmp_path / "keras.npz", fresh)
    for ours, theirs in zip(masks.recorded(fresh), recorded, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    for ours, theirs in zip(masks.recording_layers(fresh), masks.recording_layers(model), strict=True):
        np.testing.assert_array_equal(np.asarray(ours.seed_generator.state), np.asarray(theirs.seed_generator.state))

    # ... and a checkpoint without them (saved for a model without Dropout) is refused, naming them.
    with np.load(tmp_path / "keras.npz") as f:
        np.savez(tmp_path / "no_masks.npz", **{k: f[k] for k in f.files if not k.startswith("dropout/")})
    with pytest.raises(CheckpointError, match=r"no_masks.npz: dropout/: it holds the masks of 0 Dropout layers, "
                                              r"the model has 2"):
        restore_keras(tmp_path / "no_masks.npz", fresh)
    for change, message in [({"dropout/masks_0": np.zeros((1, BATCH, 8))}, r"dropout/: masks_0 is float64 \(1, "),
                            ({"dropout/masks_0": lambda m: m.astype(np.int8)},      # the right shape, as numbers
                             r"dropout/: masks_0 is int8 \(9, 16, 8\), expected bool "),
                            ({"dropout/seed_1": None}, "dropout/: seed_1 is missing, expected ")]:
        shutil.copyfile(tmp_path / "keras.npz", tmp_path / "damaged.npz")
        rewrite_npz(tmp_path / "damaged.npz", **change)
        with pytest.raises(CheckpointError, match=message):
            restore_keras(tmp_path / "damaged.npz", fresh)
