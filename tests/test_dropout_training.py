"""Whole trainings with Dropout and penalties: Keras draws the masks and records them, scratch replays them,
and both end with the same weights (float64, relative gap <= 1e-10).

Two Keras sides: a custom training loop in eager mode (the tape, Keras' loss + model.losses, Adam's
apply), reading each step's masks from RecordingDropout.last_mask; and make train's own set-up -- a
compiled fit with steps_per_execution over a cached tf.data pipeline -- recording every step's masks
into a buffer indexed by the optimizer's step count (keras_models/twins/masks.py). Then the checkpoint
that lets make train resume such a run: masks and seed-generator states saved, restored, refused when
missing. Last, one epoch of SGD and of Adam on a tiny Dropout + L2 network against the rules worked by hand
in exact arithmetic (tests/exact.py), the masks fixed.
"""

import shutil
from fractions import Fraction

import exact
import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import assert_close, build_before_fit, rewrite_npz

from keras_models.train.checkpoints import KerasCheckpoint, SideState, restore_keras
from keras_models.twins import masks
from keras_models.twins.bridge import from_keras, keras_loss, to_keras
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

    # The checkpoint keeps the masks so far, each step's rows and the seed generators' states; a fresh twin gets them
    # back, and replay checks its batches against the restored rows as against a live fit's.
    _, fresh = twins()
    fresh.compile(loss="binary_crossentropy", optimizer=keras_optimizer(adam()))
    masks.record(fresh, EPOCHS * STEPS, BATCH)
    restore_keras(tmp_path / "keras.npz", fresh)
    restored = masks.recorded(fresh)
    for ours, theirs in zip(restored, recorded, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(restored.rows, [BATCH, BATCH, M - 2 * BATCH] * EPOCHS)     # 16, 16, 13 each epoch
    last_batch = masks.replay(restored, M)(EPOCHS - 1, STEPS - 1)
    np.testing.assert_array_equal(last_batch[1], recorded[1][-1, :M - (STEPS - 1) * BATCH])
    with pytest.raises(ValueError, match=r"^Keras' fit ran step 2 on 13 rows, but epoch 0, batch 2 of 44 rows in "
                                         r"batches of 16 has 12: "):       # was replayed: restored rows were -1
        masks.replay(restored, M - 1)(0, 2)
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
                            ({"dropout/seed_1": None}, "dropout/: seed_1 is missing, expected "),
                            ({"dropout/rows": None}, r"dropout/: rows is missing, expected integers \(9,\) after 9 "),
                            ({"dropout/rows": lambda rows: rows - BATCH},
                             r"dropout/: rows\[0\] is 0, but a step's batch has 1 to 16 rows; delete it")]:
        shutil.copyfile(tmp_path / "keras.npz", tmp_path / "damaged.npz")
        rewrite_npz(tmp_path / "damaged.npz", **change)
        with pytest.raises(CheckpointError, match=message):
            restore_keras(tmp_path / "damaged.npz", fresh)


def test_recording_the_masks_of_a_twin_built_with_keras_own_dropout_is_refused_by_layer():
    """to_keras(net) builds keras.layers.Dropout, which records nothing: masks.record did nothing without a word,
    masks.recorded gave [], and masks.replay([], n_rows) stopped with "IndexError: list index out of range"."""
    model = to_keras(tiny_dropout_problem()[0])
    message = (r"^Dropout layer\(s\) \['dropout_1'\] of Keras model '.*' are not masks.RecordingDropout, so they "
               r"record no masks for scratch to replay: build the twin with to_keras\(net, "
               r"dropout_layer=masks.RecordingDropout\)$")
    for step in (lambda: masks.record(model, 4, 4), lambda: masks.recorded(model)):
        with pytest.raises(ValueError, match=message):
            step()


def tiny_dropout_problem() -> tuple[Network, np.ndarray, np.ndarray]:
    """A 3-4-1 network with Dropout(0.5) after its ReLU layer, and 8 rows labelled by the sign of their first
    feature."""
    net = Network([Dense(3, 4, "relu", seed=0), Dropout(0.5, seed=1), Dense(4, 1, "sigmoid", seed=1)])
    X = np.linspace(-1, 1, 24).reshape(8, 3)                                        # (8, 3)
    y = (X[:, :1] > 0).astype(float)                                                # (8, 1)
    return net, X, y


def test_replaying_past_the_steps_keras_recorded_is_refused_by_step():
    """A scratch fit longer than the recorded masks (3 epochs recorded, 4 asked for) stopped with NumPy's bare
    "IndexError: index 6 is out of bounds for axis 0 with size 6" from inside masks.replay; as long is taken."""
    net, X, y = tiny_dropout_problem()
    replayed = masks.replay([np.ones((6, 4, 4), bool)], len(X))       # 6 steps: 3 epochs of 2 batches of 4 rows
    fit = {"loss": "binary_crossentropy", "batch_size": 4, "shuffle": False, "verbose": 0, "masks": replayed}
    assert len(net.fit(X, y, epochs=3, **fit).history["loss"]) == 3
    with pytest.raises(ValueError, match=r"^masks\(3, 0\): the recorded masks hold 6 steps \(2 per epoch of 8 rows in "
                                         r"batches of 4\); epoch 3, batch 0 is step 6, past them: fit scratch for no "
                                         r"more steps than Keras recorded$"):
        net.fit(X, y, epochs=4, **fit)


def fit_recording(steps: int, batch_size: int, validation_split: float = 0.0
                  ) -> tuple[Network, keras.Sequential, np.ndarray, np.ndarray]:
    """A tiny twin whose Keras side recorded room for `steps` steps of `batch_size` rows, then fit 2 epochs of
    8 rows in batches of 4 (4 steps), less the last rows `validation_split` keeps for validation."""
    net, X, y = tiny_dropout_problem()
    model = to_keras(net, dropout_layer=masks.RecordingDropout)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    masks.record(model, steps, batch_size)
    model.fit(X, y, epochs=2, batch_size=4, shuffle=False, verbose=0, validation_split=validation_split)
    return net, model, X, y


def test_a_buffer_longer_than_keras_fit_replays_only_the_steps_fit_ran():
    """record(model, 10, 4) but fit ran 4 steps: masks.recorded still holds 10 rows, the 6 fit never ran all False
    ("drop every unit"), and a scratch fit of 3 epochs replayed steps 4 and 5 from them without a word."""
    net, model, X, y = fit_recording(10, 4)
    recorded = masks.recorded(model)
    assert [m.shape for m in recorded] == [(10, 4, 4)] and recorded.steps_run == 2 * 2      # 2 epochs of 2 batches
    fit = {"loss": "binary_crossentropy", "batch_size": 4, "shuffle": False, "verbose": 0,
           "masks": masks.replay(recorded, len(X))}
    assert len(net.fit(X, y, epochs=2, **fit).history["loss"]) == 2
    with pytest.raises(ValueError, match=r"^masks\(2, 0\): the recorded masks hold 10 steps, of which Keras' fit ran 4 "
                                         r"\(2 per epoch of 8 rows in batches of 4\); epoch 2, batch 0 is step 4, past "
                                         r"them: fit scratch for no more steps than Keras recorded$"):
        net.fit(X, y, epochs=3, **fit)


def test_replaying_keras_masks_over_other_rows_than_fit_trained_on_is_refused_at_the_first_batch_that_differs():
    """Keras' fit with validation_split=0.25 trains on 6 of 8 rows (batches of 4 and 2); replay given len(X) = 8 lined
    scratch's batches of 4 and 4 up with them, the 2 padding rows of step 1 replayed as "drop every unit"."""
    net, model, X, y = fit_recording(4, 4, validation_split=0.25)
    recorded = masks.recorded(model)
    np.testing.assert_array_equal(recorded.rows, [4, 2, 4, 2])
    fit = {"loss": "binary_crossentropy", "batch_size": 4, "shuffle": False, "verbose": 0, "epochs": 2}
    assert len(net.fit(X[:6], y[:6], masks=masks.replay(recorded, 6), **fit).history["loss"]) == 2
    with pytest.raises(ValueError, match=r"^masks\(0, 1\): Keras' fit ran step 1 on 2 rows, but epoch 0, batch 1 of 8 "
                                         r"rows in batches of 4 has 4: give replay the number of rows fit trained on "
                                         r"\(without validation_split's\)$"):
        net.fit(X, y, masks=masks.replay(recorded, len(X)), **fit)


@pytest.mark.parametrize("make_model, message", [
    (lambda: twins()[1],                                                            # to_keras does not compile
     r"^masks.record needs a compiled model, whose optimizer's step count says which row each mask goes to: call "
     r".*\.compile\(\.\.\.\) first$"),
    (lambda: fit_recording(4, 4)[1],
     r"^masks.record comes after compile and before the first fit, but the optimizer of Keras model '.*' has taken 4 "
     r"steps, whose masks were not recorded: build and compile the twin again, then record$"),
], ids=["before-compile", "after-a-fit"])
def test_recording_before_compile_or_after_a_fit_is_refused_naming_when_to_record(make_model, message):
    """Before compile record stopped with Keras' "'Sequential' object has no attribute 'optimizer'". After a fit it
    gave a buffer that fit's traced train step never writes (and the optimizer's step count, past 0, puts a later
    step's mask in the wrong row): recorded held all False rows "fit ran"."""
    model = make_model()
    with pytest.raises(ValueError, match=message):
        masks.record(model, 8, 4)


def test_a_recording_dropouts_rate_changed_after_fit_is_refused_since_keras_traced_train_step_keeps_the_old():
    """layer.rate = 0.9 after a fit at 0.5 was taken: a second fit went on dropping at 0.5 (the rate is a constant
    of the train step Keras traced: its 2 steps' masks dropped 20 of 32 units), while from_keras read 0.9 and
    replay's masks were scaled by 1 / (1 - 0.9). Before the layer has run, the rate may change; the same rate again
    is taken. The Keras fact the refusal rests on is pinned last: a rate put past the refusal is ignored by fit."""
    _, model, X, y = fit_recording(6, 4)
    layer = masks.recording_layers(model)[0]
    with pytest.raises(ValueError, match=r"^RecordingDropout 'dropout_1' has dropped units at rate 0.5, which the "
                                         r"train step Keras traced keeps \(and the masks recorded so far were drawn "
                                         r"with\): rate = 0.9 would reach from_keras but not fit; build the twin again "
                                         r"with Dropout\(0.9\)$"):
        layer.rate = 0.9
    layer.rate = 0.5
    assert from_keras(model).dropout_layers[0].rate == 0.5
    unused = masks.RecordingDropout(0.5)
    unused.rate = 0.25
    assert unused.rate == 0.25
    layer._rate = 0.9                                        # past the setter: a second fit of 2 steps drops ...
    model.fit(X, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    assert 1 - masks.recorded(model)[0][4:6].mean() < 0.75   # ... at 0.5 still (0.9: 29 of 32 units, sd 1.7)


@pytest.mark.parametrize("steps, batch_size, message", [
    (3, 4, r"^Keras' fit ran 4 steps, but masks.record\(model, 3, 4\) made room for 3: the masks of the steps after "
           r"them were not recorded; call masks.record\(model, 4, 4\) after compile and before fit$"),
    (4, 3, r"^Keras' fit ran batches of 4 rows, but masks.record\(model, 4, 3\) made room for 3: their masks were "
           r"not recorded; call masks.record\(model, 4, 4\) with fit's batch_size after compile and before fit$"),
], ids=["too-few-steps", "batch-size-smaller-than-fits"])
def test_a_fit_that_outgrows_the_recording_is_named_with_the_record_call_that_fits(steps, batch_size, message):
    """Fit outgrowing masks.record stopped inside fit with TensorFlow's graph errors: "indices[0] = [3] does not
    index into shape [3,4,4]" (ResourceScatterNdUpdate) or "Paddings must be non-negative"."""
    _, model, _, _ = fit_recording(steps, batch_size)
    with pytest.raises(ValueError, match=message):
        masks.recorded(model)


# --- one epoch of a Dropout + L2 network in exact arithmetic: the rules by hand, one example at a time --------
RATES, FACTORS, WIDTHS = (0.5, 0.25), (0.05, 0.02, 0.1), (3, 5, 4, 2)      # 1 / (1 - 0.25) = 4/3 is no float


def _exact_loss_and_gradients(theta, X, Y, keep):
    """C_total = mean over rows and outputs of (a - y)^2 + sum_l l_l sum(W_l^2) for a ReLU-ReLU-linear network with
    inverted Dropout after each hidden layer (kept units times 1 / (1 - rate)), and its gradients, from the
    formulas alone: plain loops over Fractions. theta: flat W_1, b_1, W_2, ... (W row-major, (n_in, n_out)).
    The factor l_l is rounded through float32, as Keras applies it (DESIGN.md)."""
    W = [[th[i * n_out:(i + 1) * n_out] for i in range(n_in)]
         for th, n_in, n_out in zip(theta[0::2], WIDTHS[:-1], WIDTHS[1:], strict=True)]
    b = theta[1::2]
    scales = [1 / (1 - Fraction(rate)) for rate in RATES]
    factors = [Fraction(float(np.float32(f))) for f in FACTORS]
    m, k = len(X), WIDTHS[-1]
    gW = [[[Fraction(0)] * len(Wl[0]) for _ in Wl] for Wl in W]
    gb = [[Fraction(0)] * len(bl) for bl in b]
    C = sum(f * sum(w * w for row in Wl for w in row) for f, Wl in zip(factors, W, strict=True))
    for r in range(m):
        a, z_s, a_s = X[r], [], [X[r]]                                       # a_s: each Dense layer's input
        for l in range(3):
            z = [sum(a[i] * W[l][i][j] for i in range(len(a))) + b[l][j] for j in range(len(b[l]))]
            a = z if l == 2 else [max(zj, Fraction(0)) for zj in z]
            if l < 2:                                                        # Dropout after the hidden layer
                a = [aj * scales[l] if keep[l][r][j] else Fraction(0) for j, aj in enumerate(a)]
            z_s.append(z)
            a_s.append(a)
        C += sum((a[j] - Y[r][j]) ** 2 for j in range(k)) / (m * k)
        delta = [2 * (a[j] - Y[r][j]) / (m * k) for j in range(k)]           # dC/dz of the linear output
        for l in (2, 1, 0):
            for i, ai in enumerate(a_s[l]):
                for j, dj in enumerate(delta):
                    gW[l][i][j] += ai * dj
            for j, dj in enumerate(delta):
                gb[l][j] += dj
            if l:                                  # back through layer l-1's Dropout and ReLU
                up = [sum(delta[j] * W[l][i][j] for j in range(len(delta))) for i in range(len(W[l]))]
                delta = [up[i] * scales[l - 1] * (z_s[l - 1][i] > 0) if keep[l - 1][r][i] else Fraction(0)
                         for i in range(len(up))]
    grads = []
    for l, f in enumerate(factors):                # + dR/dW = 2 l W; the biases carry no penalty
        grads.append([g + 2 * f * w for grow, wrow in zip(gW[l], W[l], strict=True)
                      for g, w in zip(grow, wrow, strict=True)])
        grads.append(gb[l])
    return C, grads


@pytest.mark.parametrize("name, make, step", [
    ("SGD", lambda: optimizers.SGD(learning_rate=0.1), lambda: exact.sgd()),
    ("Adam", lambda: optimizers.Adam(learning_rate=0.01, beta_1=0.5, beta_2=0.75), lambda: exact.adam(0.5, 0.75)),
])
def test_one_epoch_with_dropout_and_l2_equals_exact_arithmetic(rng, name, make, step):
    """7 rows in batches of 3, 3, 1 (the last partial), masks fixed per batch: scratch's weights and epoch loss (the
    batch losses, penalty included, weighted by batch size) against the rules worked in Fractions."""
    n0, n1, n2, n3 = WIDTHS
    net = Network([Dense(n0, n1, "relu", kernel_regularizer=regularizers.L2(FACTORS[0])), Dropout(RATES[0]),
                   Dense(n1, n2, "relu", kernel_regularizer=regularizers.L2(FACTORS[1])), Dropout(RATES[1]),
                   Dense(n2, n3, "linear", kernel_regularizer=regularizers.L2(FACTORS[2]))])
    weights = [rng.normal(size=w.shape) for w in net.get_weights()]
    net.set_weights(weights)
    X, Y = rng.normal(size=(7, n0)), rng.normal(size=(7, n3))
    keep = [rng.random((7, n)) >= rate for n, rate in zip((n1, n2), RATES, strict=True)]     # (7, n) each
    optimizer = make()
    history = net.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, batch_size=3, shuffle=False, verbose=0,
                      masks=lambda epoch, batch: [m[3 * batch:3 * batch + 3] for m in keep])

    theta, steps, weighted = [exact.exact(w) for w in weights], [step() for _ in weights], Fraction(0)
    for t, start in enumerate(range(0, 7, 3), start=1):
        rows = slice(start, start + 3)
        C, grads = _exact_loss_and_gradients(theta, [exact.exact(x) for x in X[rows]],
                                             [exact.exact(y) for y in Y[rows]], [m[rows].tolist() for m in keep])
        weighted += C * len(X[rows])
        theta = [s(th, g, t, Fraction(0.1 if name == "SGD" else 0.01))
                 for s, th, g in zip(steps, theta, grads, strict=True)]
    moved = max(exact.distance(exact.exact(w), th) for w, th in zip(weights, theta, strict=True))
    gaps = [exact.gap(w, th, moved) for w, th in zip(net.get_weights(), theta, strict=True)]
    assert max(gaps) <= 1e-13, f"{name}: weights off the exact epoch by {max(gaps):.3g} of the distance moved"
    loss = weighted / 7
    assert abs(Fraction(history.history["loss"][0]) - loss) <= abs(loss) * Fraction(1e-14), \
        f"{name}: epoch loss {history.history['loss'][0]!r}, exactly {float(loss)!r}"
