"""Divergence is caught by one stated rule, on both sides, and the message tells a large learning rate from
inputs that overflow float32.

The rule (scratch/divergence.py): training has diverged when a loss, a gradient or a weight stops being
finite, or when an epoch's training loss rises above 1000 x max(1, L0), L0 being the loss of the first
batch at the starting weights. Each case of issue 18 that used to pass silently is a test here: Adam(1e6)
and RMSprop(1e30) in float64 (losses of 1e19 and 1e92 reported as success), an input of 1e39 in float32,
and `make train --learning-rate 1e6 --tasks binary --epochs 5` exiting 0 with a loss of 241,548.
"""

import errno
import os
import signal
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import learner_lines, read_run

from data import TASKS, prepare
from keras_models.train import sides
from keras_models.train.options import task_settings
from keras_models.train.sides import SEED, build_twins, run_task
from keras_models.train.watchdog import KerasWatchdog
from keras_models.twins.optimizer_bridge import adam_in_float32
from scratch import Dense, Network, optimizers
from scratch.divergence import RISE, TrainingDiverged, Watchdog, loss_limit

ROOT = Path(__file__).resolve().parents[1]


def breast_cancer_net(dtype="float64"):
    return Network([Dense(30, 16, "relu", seed=0, dtype=dtype), Dense(16, 8, "relu", seed=1, dtype=dtype),
                    Dense(8, 1, "sigmoid", seed=2, dtype=dtype)])


@pytest.fixture(scope="module")
def breast_cancer():
    return prepare("binary", dtype="float64", seed=0)


@pytest.mark.parametrize("optimizer, rate, tenth", [
    (optimizers.Adam(1e6), "1e+06", "1e+05"),
    (optimizers.RMSprop(1e30), "1e+30", "1e+29"),
], ids=["adam-1e6", "rmsprop-1e30"])
def test_a_finite_but_exploding_loss_stops_fit_naming_the_epoch_batch_and_the_learning_rate(
        optimizer, rate, tenth, breast_cancer):
    data = breast_cancer
    net = breast_cancer_net()
    start = net.loss(data.X_train[:32], data.y_train[:32], "binary_crossentropy")       # L0: the first batch
    with pytest.raises(TrainingDiverged) as diverged:
        net.fit(data.X_train, data.y_train, loss="binary_crossentropy", optimizer=optimizer, epochs=5,
                shuffle=False, verbose=0)
    message = str(diverged.value)
    assert message.startswith("training diverged in epoch 1, batch 2: the loss rose to "), message
    assert f"exceeds 1e+03 = 1000 x max(1, the starting loss {start:.3g})" in message
    assert f"The learning rate ({rate}) is probably too large: try a smaller one (for example {tenth})." in message
    assert diverged.value.smaller_learning_rate == float(tenth)


def test_the_rule_fires_exactly_when_the_epochs_loss_is_certain_to_pass_1000_times_the_start():
    net = breast_cancer_net()
    watchdog = Watchdog(net, optimizers.SGD(0.1), rows_per_epoch=10)
    Xb, yb = np.zeros((5, 30)), np.zeros((5, 1))
    watchdog.start_epoch(0)
    with watchdog.batch(0, Xb, yb):
        watchdog.loss(0.5, 5)                                  # L0 = 0.5: the limit is 1000 x max(1, 0.5) = 1000
    assert loss_limit(0.5) == RISE == 1000 and loss_limit(3.0) == 3000
    with watchdog.batch(1, Xb, yb):
        watchdog.loss(1999.0, 5)                               # the epoch sums 2.5 + 9995 = 9997.5 <= 1000 x 10
    watchdog.start_epoch(1)
    with watchdog.batch(0, Xb, yb):
        watchdog.loss(1000.0, 5)
    with watchdog.batch(1, Xb, yb):
        watchdog.loss(1000.0, 5)                               # 10000 = 1000 x 10: at the limit, not above it
    watchdog.start_epoch(2)
    with watchdog.batch(0, Xb, yb):
        watchdog.loss(1000.0, 5)                               # 5000: the epoch's loss may still end below 1000
    with pytest.raises(TrainingDiverged, match=r"epoch 3, batch 2: the loss rose to 1e\+03, so this epoch's loss "
                                               r"exceeds 1e\+03 = 1000 x max\(1, the starting loss 0\.5\)"):
        with watchdog.batch(1, Xb, yb):
            watchdog.loss(1000.5, 5)                           # 10002.5 > 10000: it cannot end below any more


def test_an_input_that_overflows_float32_is_refused_before_training_with_its_index():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    X[7, 2] = 1e39                                             # finite in float64, inf in float32
    net = Network([Dense(3, 4, "relu", seed=0, dtype="float32"), Dense(4, 1, seed=1, dtype="float32")])
    before = net.get_weights()
    with pytest.raises(ValueError, match=r"^X holds values too large for the network's float32 \(first at index "
                                         r"\[7, 2\]: 1e\+39; float32 holds up to 3\.4e\+38\): scale them"):
        net.fit(X, X.sum(axis=1), loss="mse", epochs=1, verbose=0)
    for w, w_before in zip(net.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w_before)


def test_an_overflow_before_the_first_update_blames_the_inputs_not_the_learning_rate():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 1e19                        # finite in float32, but the MSE squares 1e19s
    net = Network([Dense(3, 4, "relu", seed=0, dtype="float32"), Dense(4, 1, seed=1, dtype="float32")])
    with pytest.raises(TrainingDiverged) as diverged:
        net.fit(X, X.sum(axis=1), loss="mse", optimizer=optimizers.Adam(1e-3), epochs=2, shuffle=False, verbose=0)
    message = str(diverged.value)
    assert message.startswith("training diverged in epoch 1, batch 1: overflow encountered in "), message
    x_max = np.max(np.abs(X[:32].astype("float32")))            # the first batch: 32 rows, not shuffled yet
    assert ("before any update, so the learning rate is not the cause: the inputs are too large for float32 "
            f"(largest |X| in this batch {x_max:.3g}, ") in message
    assert "Scale them (standardise the inputs) or use float64." in message and "learning rate (" not in message
    assert diverged.value.smaller_learning_rate is None


def test_a_learners_underflow_raise_setting_is_not_taken_for_divergence():
    """np.seterr(all="raise") in a notebook makes underflow raise too; a gradient whose square underflows
    float32 (4e-40, rounded to a subnormal) is healthy training, not a diverged one, as in Keras."""
    X, y = np.full((4, 1), 1e-20), np.ones(4)                  # dC/dW ~ 2e-20, its square below float32's 1.2e-38
    net = Network([Dense(1, 1, kernel_initializer="zeros", dtype="float32")])
    with np.errstate(all="raise"):
        net.fit(X, y, loss="mse", optimizer=optimizers.Adam(1e-3), epochs=2, verbose=0)
    assert np.isfinite(net.get_weights()[1]).all() and net.get_weights()[1][0] > 0


def tiny_keras():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, name="dense_1")], name="tiny")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model


def test_a_first_gradient_too_large_for_adam_blames_the_inputs_and_an_overflowing_first_step_the_rate():
    """Both before any update: a float32 gradient whose square overflows (refused by Adam) comes from the
    inputs on the starting weights; an overflow in the first step's eta x g comes from the learning rate."""
    X = np.random.default_rng(0).normal(size=(40, 3)) * 1e10       # the loss (~1e20) fits float32, its gradient's
    net = Network([Dense(3, 4, "relu", seed=0, dtype="float32"), Dense(4, 1, seed=1, dtype="float32")])  # square not
    with pytest.raises(TrainingDiverged) as diverged:
        net.fit(X, X.sum(axis=1), loss="mse", optimizer=optimizers.Adam(1e-3), epochs=1, shuffle=False, verbose=0)
    message = str(diverged.value)
    assert message.startswith("training diverged in epoch 1, batch 1: grads[0] holds "), message
    assert ("and Adam squares the gradients: beyond 1.84e+19 the square overflows float32 in the Adam update of "
            "layer 1's W, before any update, so the learning rate is not the cause: the inputs are too large for "
            "float32") in message and "learning rate (" not in message
    assert diverged.value.smaller_learning_rate is None
    net = Network([Dense(3, 1, seed=0)])
    with pytest.raises(TrainingDiverged) as diverged:
        net.fit(X[:8] / 1e10, X[:8].sum(axis=1) / 1e10, loss="mse", optimizer=optimizers.SGD(1e308), epochs=1,
                verbose=0)
    assert " in the SGD update of layer 1's " in str(diverged.value), str(diverged.value)
    assert "The learning rate (1e+308) is probably too large" in str(diverged.value)


def test_keras_watchdog_applies_the_same_rule_at_the_end_of_each_epoch():
    model = tiny_keras()
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 4)).astype("float32"), 100 * rng.normal(size=(8, 2)).astype("float32")
    watchdog = KerasWatchdog(learning_rate=0.5, first_batch=(X, y))
    watchdog.set_model(model)
    watchdog.on_train_begin()
    kernel, bias = model.get_weights()
    start = np.mean((X @ kernel + bias - y) ** 2)              # Keras' MSE at the starting weights, by hand
    assert watchdog.start_loss == pytest.approx(start, rel=1e-6) and start > 1
    watchdog.on_epoch_end(2, {"loss": 999 * start})           # below the limit: training goes on
    watchdog.on_epoch_end(2, {"loss": loss_limit(watchdog.start_loss)})   # at the limit, as scratch's rule: goes on
    with pytest.raises(TrainingDiverged) as diverged:
        watchdog.on_epoch_end(2, {"loss": 1001 * start})
    assert str(diverged.value).startswith(
        f"training diverged in epoch 3: the epoch's loss rose to {1001 * start:.3g}, above {1000 * start:.3g} = "
        f"1000 x max(1, the starting loss {start:.3g}). The learning rate (0.5) is probably too large"), diverged.value


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_keras_watchdog_stops_on_an_epochs_log_that_is_not_finite_while_the_weights_still_are(value):
    """The rule's first half: a loss that stops being a finite number has diverged, NaN as much as inf (a NaN is
    above no limit, so the rise check alone would let it pass)."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    watchdog = KerasWatchdog(learning_rate=0.5, first_batch=(X, y))
    watchdog.set_model(tiny_keras())
    watchdog.on_train_begin()
    with pytest.raises(TrainingDiverged) as diverged:
        watchdog.on_epoch_end(0, {"loss": 0.5, "val_loss": value})
    assert str(diverged.value) == (f"training diverged in epoch 1: val_loss is {value}. The learning rate (0.5) is "
                                   "probably too large: try a smaller one (for example 0.05).")
    assert diverged.value.smaller_learning_rate == 0.05


def test_keras_watchdog_stops_on_one_weight_that_is_not_finite_naming_its_layer():
    model = tiny_keras()
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    watchdog = KerasWatchdog(learning_rate=0.5, first_batch=(X, y))
    watchdog.set_model(model)
    watchdog.on_train_begin()
    kernel, bias = model.get_weights()
    kernel[2, 1] = np.nan                                       # one entry of eight; the loss logged is still finite
    model.set_weights([kernel, bias])
    with pytest.raises(TrainingDiverged, match=r"^training diverged in epoch 1: non-finite weights; the weights of "
                                               r"layer dense_1 are no longer finite\. The learning rate \(0\.5\)"):
        watchdog.on_epoch_end(0, {"loss": 0.5})


def test_keras_watchdogs_starting_loss_is_the_inference_loss_and_draws_no_dropout_mask():
    """L0 is measured with training=False: with Dropout, a training call would give a loss that depends on one random
    mask, and it would advance the Dropout's seed generator, so the run (and a resumed run, whose new fit measures L0
    again) would draw other masks than the same fit without the watchdog."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dropout(0.5, seed=3),
                              keras.layers.Dense(2, name="dense_1")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    seed_before = np.asarray(model.layers[0].seed_generator.state)
    watchdog = KerasWatchdog(learning_rate=1e-3, first_batch=(X, y))
    watchdog.set_model(model)
    watchdog.on_train_begin()
    kernel, bias = model.get_weights()
    start = np.mean((X @ kernel + bias - y) ** 2)             # Keras' MSE at the starting weights, no unit dropped
    assert watchdog.start_loss == pytest.approx(start, rel=1e-6)
    np.testing.assert_array_equal(np.asarray(model.layers[0].seed_generator.state), seed_before)


def test_keras_watchdog_blames_the_inputs_when_the_starting_loss_already_overflows():
    X = np.full((8, 4), 3e19, dtype="float32")                 # finite, but z**2 in the MSE overflows float32
    watchdog = KerasWatchdog(learning_rate=1e-3, first_batch=(X, np.zeros((8, 2))))
    model = tiny_keras()
    kernel, bias = model.get_weights()
    # a kernel of ones: z = 4 x 3e19 in every column. With the random start instead, both columns' weights sum to
    # less than ~0.6 in about 1 draw in 8, and the MSE stays finite: the test failed that often.
    model.set_weights([np.ones_like(kernel), bias])
    with pytest.raises(TrainingDiverged, match=r"training diverged before the first update: the loss of the first "
                                               r"batch at the starting weights is (inf|nan), so the learning rate is "
                                               r"not the cause: the inputs are too large for float32"):
        model.fit(X, np.zeros((8, 2)), epochs=1, verbose=0, callbacks=[watchdog])


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS)
def test_the_rule_never_comes_near_firing_on_make_trains_own_trainings(task):
    """The scratch side of make train, every task with its full settings: the highest epoch loss stays
    below a tenth of the limit (the Keras side has the same losses to four decimals)."""
    settings = task_settings(task)
    data = prepare(task, dtype="float32", seed=SEED, max_rows=settings.max_rows)
    net, _ = build_twins(task, data, settings)
    start = net.loss(data.X_train[:settings.batch_size], data.y_train[:settings.batch_size], data.loss)
    history = net.fit(data.X_train, data.y_train, loss=data.loss, optimizer=adam_in_float32(settings.learning_rate),
                      epochs=settings.epochs, batch_size=settings.batch_size, shuffle=False, verbose=0)
    worst = max(history.history["loss"]) / loss_limit(start)
    print(f"{task}: highest epoch loss / limit = {worst:.1e}")
    assert worst < 0.1


@pytest.mark.slow
def test_make_train_with_a_learning_rate_of_1e6_exits_1_with_one_divergence_line(tmp_path, python_with_tensorflow):
    # a warm process (conftest.py): the command as make train runs it, without paying for the TensorFlow import
    done = python_with_tensorflow.run([sys.executable, "-m", "keras_models.train", "--via-make", "--learning-rate",
                                       "1e6", "--tasks", "binary", "--epochs", "5", "--logdir", str(tmp_path),
                                       "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = learner_lines(done.stderr)
    assert line.startswith("error: binary (keras side): training diverged in epoch 1: the epoch's loss rose to "), line
    assert line.endswith(f"The learning rate (1e+06) is probably too large: try a smaller one (for example 1e+05). "
                         f"Try: make train TASKS=binary EPOCHS=5 LR=1e+05 LOGDIR={tmp_path}"), line


class NoKerasWatchdog(keras.callbacks.Callback):
    def __init__(self, learning_rate, first_batch):
        super().__init__()


@pytest.mark.parametrize("side", ["keras", "scratch"])
def test_a_diverged_epoch_leaves_no_point_and_no_empty_run_in_tensorboard(side, tmp_path, monkeypatch):
    """The diverged epoch is logged by neither side (the scratch side stops mid-epoch, with no loss to log): Keras'
    validation had written its evaluation_loss_vs_iterations point of 1e19 before the watchdog stopped the epoch,
    and every writer opened the header of its file, which TensorBoard lists as an empty run."""
    if side == "scratch":
        monkeypatch.setattr(sides, "KerasWatchdog", NoKerasWatchdog)        # Keras trains on, the scratch side stops
    with pytest.raises(TrainingDiverged, match=rf"^binary \({side} side\): training diverged in epoch 1"):
        run_task("binary", tmp_path, epochs=1, learning_rate=1e6, quiet=True)
    side_dir = tmp_path / side
    logged = {split: {tag: steps for tag, (_, steps, _) in read_run(side_dir / split).items()}
              for split in ("train", "validation")}
    assert logged == {"train": {}, "validation": {}}
    assert sorted(p.relative_to(side_dir) for p in side_dir.glob("*/events.out.tfevents.*")) == []


def keras_diverging_in(epoch: int) -> type[KerasWatchdog]:
    """make train's Keras watchdog, but the loss blows up in `epoch` (1-based)."""

    class KerasDiverging(KerasWatchdog):
        def on_epoch_end(self, index, logs=None):
            if index == epoch - 1:
                raise TrainingDiverged(f"training diverged in epoch {epoch}: (as the test says).", 1e-4)
            super().on_epoch_end(index, logs)

    return KerasDiverging


def test_a_keras_side_diverging_after_epoch_1_leaves_the_scratch_side_trained_as_far(tmp_path, monkeypatch):
    """Keras trains first, and a diverged run is not resumed: the scratch side trains the epochs Keras finished
    before the divergence is reported, so TensorBoard overlays both curves up to where Keras stopped (the same
    validation losses to float32 rounding: the scratch side replays the Dropout masks Keras drew)."""
    monkeypatch.setattr(sides, "KerasWatchdog", keras_diverging_in(3))
    with pytest.raises(TrainingDiverged) as diverged:
        run_task("binary", tmp_path, epochs=4, quiet=True)
    assert str(diverged.value) == ("binary (keras side): training diverged in epoch 3: (as the test says). The "
                                   "scratch side has trained the 2 epochs Keras finished, to compare in TensorBoard.")
    assert diverged.value.smaller_learning_rate == 1e-4
    losses = {}
    for side in ("keras", "scratch"):
        _, steps, values = read_run(tmp_path / side / "validation")["epoch_loss"]
        assert steps == [0, 1], side
        losses[side] = np.array([float(value) for value in values])                    # (2,)
        assert int(np.load(tmp_path / side / "checkpoint.npz")["epoch"]) == 1, side
    gaps = np.abs(losses["scratch"] - losses["keras"]) / np.abs(losses["keras"])          # (2,)
    assert np.all(gaps <= 1e-5), f"validation losses {losses['scratch']} (scratch) vs {losses['keras']} (keras)"


def test_a_keras_side_diverging_in_epoch_1_says_nothing_of_the_scratch_side_which_has_no_epoch_to_catch_up(
        tmp_path, monkeypatch):
    """Keras finished no epoch: the divergence's line ends with Keras' own reason, not with "The scratch side has
    trained the 0 epochs Keras finished, to compare in TensorBoard" -- there is nothing of either side to compare."""
    monkeypatch.setattr(sides, "KerasWatchdog", keras_diverging_in(1))
    with pytest.raises(TrainingDiverged) as diverged:
        run_task("binary", tmp_path, epochs=2, quiet=True)
    assert str(diverged.value) == "binary (keras side): training diverged in epoch 1: (as the test says)."


def test_the_scratch_side_catching_up_on_a_diverged_keras_side_prints_its_last_epoch(tmp_path, monkeypatch, capsys):
    """Out of a terminal a side prints epoch 1, every fifth of the run and the last: 1, 2, 4, 6 of 6. The scratch side
    that trains the 3 epochs a Keras side diverging in epoch 4 finished printed 1 and 2 only, above "The scratch side
    has trained the 3 epochs Keras finished"."""
    monkeypatch.setattr(sides, "KerasWatchdog", keras_diverging_in(4))
    with pytest.raises(TrainingDiverged, match="The scratch side has trained the 3 epochs Keras finished"):
        run_task("binary", tmp_path, epochs=6)
    printed = [line.split()[:3] for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert [epoch for side, _, epoch in printed if side == "scratch"] == ["1/6", "2/6", "3/6"]
    assert [epoch for side, _, epoch in printed if side == "keras"] == ["1/6", "2/6", "3/6"]   # its last one too


class CtrlCAfterScratchsFirstEpoch(sides.ScratchCheckpoint):
    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch == 0:
            os.kill(os.getpid(), signal.SIGINT)             # held until the epoch's block ends, then raised


def test_a_ctrl_c_while_the_scratch_side_catches_up_after_keras_diverged_leaves_the_divergence(tmp_path, monkeypatch,
                                                                                            sigint_raises):
    """Keras diverged in epoch 3 and the scratch side trains its 2 epochs; the learner, having seen training blow up,
    presses Ctrl-C meanwhile. The divergence was lost: make train said "Interrupted ... Resume with", run.json said
    "interrupted", and RESUME=1 trained Keras' epoch 3 again only to diverge again."""
    monkeypatch.setattr(sides, "KerasWatchdog", keras_diverging_in(3))
    monkeypatch.setattr(sides, "ScratchCheckpoint", CtrlCAfterScratchsFirstEpoch)
    with pytest.raises(BaseException) as stopped:                       # KeyboardInterrupt included
        run_task("binary", tmp_path, epochs=4, quiet=True)
    assert stopped.type is TrainingDiverged, stopped.type
    assert str(stopped.value) == ("binary (keras side): training diverged in epoch 3: (as the test says). The scratch "
                                  "side was stopped after 1 of the 2 epochs Keras finished, to compare in TensorBoard.")
    assert stopped.value.smaller_learning_rate == 1e-4


def stopped_in_scratchs_epoch(error: BaseException, stopped: int = 1) -> type[sides.ScratchCheckpoint]:
    """The scratch side's checkpoint, but `error` is raised in epoch `stopped` (1-based) before it is saved."""
    class StoppedInScratchsEpoch(sides.ScratchCheckpoint):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == stopped - 1:
                raise error                                 # before the epoch is saved: not kept
            super().on_epoch_end(epoch, logs)
    return StoppedInScratchsEpoch


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")],
                         ids=["ctrl-c", "full-disk"])
def test_a_stop_before_the_scratch_side_kept_an_epoch_leaves_the_divergence_with_nothing_to_compare(tmp_path,
                                                                                                   monkeypatch, error):
    """Keras diverged in epoch 2 and the scratch side, catching up on its 1 epoch, is stopped before saving it. The
    line said "The scratch side was stopped after 0 of the 1 epochs Keras finished, to compare in TensorBoard": a
    plural for one epoch, and nothing of the scratch side's in TensorBoard to compare. A full disk then was the run's
    message ("failed", offered to RESUME=1, which would only diverge again): the divergence is the run's end."""
    monkeypatch.setattr(sides, "KerasWatchdog", keras_diverging_in(2))
    monkeypatch.setattr(sides, "ScratchCheckpoint", stopped_in_scratchs_epoch(error))
    with pytest.raises(BaseException) as stopped:                       # KeyboardInterrupt, OSError included
        run_task("binary", tmp_path, epochs=3, quiet=True)
    assert stopped.type is TrainingDiverged, stopped.type
    assert str(stopped.value) == ("binary (keras side): training diverged in epoch 2: (as the test says). The scratch "
                                  "side was stopped before its first epoch: nothing to compare in TensorBoard.")


SCRATCH_DIVERGED = TrainingDiverged("training diverged in epoch 2, batch 5: overflow (as the test says).", 1e-4)


@pytest.mark.parametrize("keras_epoch, scratch_epoch, ending", [
    (2, 1, "The scratch side diverged too, in its first epoch: nothing to compare in TensorBoard."),
    (3, 2, "The scratch side diverged too, in epoch 2, after 1 of the 2 epochs Keras finished, to compare in "
           "TensorBoard."),
], ids=["first-epoch", "second-epoch"])
def test_the_scratch_sides_own_divergence_as_it_catches_up_is_named(tmp_path, monkeypatch, keras_epoch, scratch_epoch,
                                                                    ending):
    """The scratch side, catching up on a diverged Keras side, diverges too: the line said it "was stopped" (as by a
    Ctrl-C), and the scratch side's own divergence went unsaid."""
    monkeypatch.setattr(sides, "KerasWatchdog", keras_diverging_in(keras_epoch))
    monkeypatch.setattr(sides, "ScratchCheckpoint", stopped_in_scratchs_epoch(SCRATCH_DIVERGED, scratch_epoch))
    with pytest.raises(TrainingDiverged) as diverged:
        run_task("binary", tmp_path, epochs=keras_epoch + 1, quiet=True)
    assert str(diverged.value) == (f"binary (keras side): training diverged in epoch {keras_epoch}: (as the test "
                                   f"says). {ending}")


def test_a_log_that_cannot_be_rewritten_after_a_divergence_leaves_the_divergence_its_message(tmp_path, monkeypatch):
    """Dropping the diverged epoch's summaries rewrites the event files; a full disk then (or a damaged file) must not
    replace "training diverged ... try a smaller learning rate" with a message about a log file."""
    forget = sides.forget_epochs_after
    calls = []

    def full_disk_after_training(log_dir, epoch, steps):
        calls.append(log_dir)
        if len(calls) > 2:                                              # the two before training start are fine
            raise OSError(28, "No space left on device", str(log_dir))
        return forget(log_dir, epoch, steps)

    monkeypatch.setattr(sides, "forget_epochs_after", full_disk_after_training)
    with pytest.raises(TrainingDiverged, match=r"^binary \(keras side\): training diverged in epoch 1"):
        run_task("binary", tmp_path, epochs=1, learning_rate=1e6, quiet=True)
    assert len(calls) == 3


def test_a_ctrl_c_while_the_diverged_epoch_is_dropped_leaves_the_divergence_its_message(tmp_path, monkeypatch):
    """The learner presses Ctrl-C as the divergence stops training: it was held while the diverged epoch's summaries
    were dropped, then raised, and make train said "Interrupted ... Resume with: make train RESUME=1" for a run that
    diverges again on resuming (run.json "interrupted", not "diverged")."""
    forget = sides.forget_epochs_after
    calls = []

    def ctrl_c_while_forgetting(log_dir, epoch, steps):
        calls.append(log_dir)
        if len(calls) == 3:                                             # the first after the divergence
            os.kill(os.getpid(), signal.SIGINT)
        return forget(log_dir, epoch, steps)

    monkeypatch.setattr(sides, "forget_epochs_after", ctrl_c_while_forgetting)
    with pytest.raises(BaseException) as stopped:                       # KeyboardInterrupt included
        run_task("binary", tmp_path, epochs=1, learning_rate=1e6, quiet=True)
    assert stopped.type is TrainingDiverged, stopped.type
    assert len(calls) == 4                                              # the Keras and the scratch side dropped


def test_a_ctrl_c_while_run_json_records_the_divergence_leaves_it_diverged(tmp_path, monkeypatch):
    """The same Ctrl-C a moment later, as run.json is written: it stopped the write, the run still said "running"
    (RESUME=1 would take it up) and make train said "Interrupted" instead of the divergence."""
    from keras_models.train import run

    def diverging(task, task_dir, **settings):
        raise TrainingDiverged("binary (keras side): training diverged in epoch 1: (as the test says).", 1e-4)

    write_status = run.write_status

    def ctrl_c_while_written(run_dir, status, **plan):
        if status == "diverged":
            os.kill(os.getpid(), signal.SIGINT)
        return write_status(run_dir, status, **plan)

    monkeypatch.setattr(run, "run_task", diverging)
    monkeypatch.setattr(run, "write_status", ctrl_c_while_written)
    run_dir = run.start_run(tmp_path, ["binary"], epochs=1)
    with pytest.raises(BaseException) as stopped:                       # KeyboardInterrupt included
        run.run_tasks(run_dir, quiet=True)
    assert stopped.type is TrainingDiverged, stopped.type
    assert run.read_status(run_dir)["status"] == "diverged"


@pytest.fixture
def regression_diverges(monkeypatch):
    """make train's tasks without TensorFlow: regression diverges, every other task finishes at once (its result is
    its name); the summary table and the links say which results they were given."""
    from keras_models.train import run

    def diverging_second(task, task_dir, **settings):
        if task == "regression":
            raise TrainingDiverged("regression (keras side): training diverged in epoch 1: (as the test says).", 1e-4)
        return task

    monkeypatch.setattr(run, "run_task", diverging_second)
    monkeypatch.setattr(run, "format_summary", lambda results: f"the table of {results}")
    monkeypatch.setattr(run, "format_links", lambda results, board: [f"the links of {results}"])


def test_a_later_task_that_diverges_leaves_the_tasks_finished_before_it_summed_up(tmp_path, regression_diverges,
                                                                                 capsys):
    """TASKS=binary,regression with regression diverging: binary had finished, but make train printed the divergence
    alone, and a diverged run is never resumed, so binary's table row and TensorBoard link were never shown."""
    from keras_models.train import run

    code = run.main(["--tasks", "binary,regression", "--epochs", "1", "--logdir", str(tmp_path), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "the table of ['binary']" in out and "the links of ['binary']" in out, out
    (line,) = learner_lines(err)
    assert line.startswith("error: regression (keras side): training diverged in epoch 1: (as the test says)."), line


def test_the_command_after_a_later_tasks_divergence_runs_that_task_and_those_after_it_not_the_finished_ones(
        tmp_path, regression_diverges, monkeypatch, capsys):
    """TASKS=binary,regression,multiclass with regression diverging: the "Try:" command ran binary again (finished,
    its table above) with the smaller rate."""
    from keras_models.train import options, run

    monkeypatch.setattr(options, "via_make", False)                    # put back after --via-make sets it
    code = run.main(["--via-make", "--tasks", "binary,regression,multiclass", "--epochs", "1", "--logdir",
                     str(tmp_path), "--quiet"])
    (line,) = learner_lines(capsys.readouterr().err)
    assert code == 1
    assert line.endswith("(as the test says). Try (binary has finished): make train TASKS=regression,multiclass "
                         f"EPOCHS=1 LR=0.0001 LOGDIR={tmp_path}"), line
