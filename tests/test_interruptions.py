"""make train, interrupted: nothing lost, nothing logged twice, and the uninterrupted weights at the end.

`.venv/bin/python -m keras_models.train --tasks binary --epochs 2` is killed with SIGKILL while Keras trains,
or stopped with Ctrl-C (SIGINT) while the scratch network trains, then continued with --resume; both must
end as the same run straight through does (the session's shared finished run of binary, 2 epochs:
conftest's finished_run). A small harness pauses the Keras side right after one epoch's TensorBoard summaries
are written and before its checkpoint is saved: the worst moment for a kill, since that epoch is on disk in
the logs but must be trained again. Two epochs are the shortest run with that moment after a saved epoch:
the second epoch is the interrupted one, the first the checkpoint it resumes from. On the scratch side the
harness sends the Ctrl-C itself, as an epoch starts training or while its summaries are written.
The final weights are read from the checkpoints the runs leave in their run directories.
While Keras fits, a Ctrl-C is raised by our callback when the batch in progress ends, never inside TensorFlow,
and a second one at once; while the scratch side ends an epoch, once its summaries are written, its checkpoint
saved and its progress line printed (keras_models/twins/interrupts.py; tested in-process with a real SIGINT).

The runs are warm processes (conftest.py: forked from a zygote that has imported TensorFlow): real
processes that SIGKILL and SIGINT reach as they would reach `make train`. Ctrl-C before training starts
and during the TensorFlow import is tested on fresh processes, since starting up is what those test.
"""

import collections
import datetime
import json
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import learner_lines, rewrite_npz, wait_until_tensorflow_loads
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2

from data.tasks import TASK_TABLE
from keras_models.train import run as train_module
from keras_models.train import run_lock, runs
from keras_models.train.board import max_relative_gap
from keras_models.train.checkpoints import KerasCheckpoint, SideState, finished_epochs, progress, restore_keras
from keras_models.train.event_files import forget_epochs_after
from keras_models.train.run_lock import NothingToResume, hold, newest_unfinished
from keras_models.train.runs import (
    RunDirectoryError,
    describe,
    new_run_directory,
    read_status,
    write_status,
)
from keras_models.twins.clocks import after_now

EPOCHS = 2                             # the shared finished run's (see the module docstring)
STEPS_PER_EPOCH = 13                   # 398 training rows in batches of 32
KERAS_TOLERANCE = 1e-6                 # relative; observed: 0 (bit for bit, op determinism is on)
ROOT = Path(__file__).resolve().parents[1]

HARNESS = textwrap.dedent("""
    import os, runpy, signal, sys, time
    from keras_models.train import board
    side, pause_epoch = sys.argv[1], int(sys.argv[2])
    if side == "keras":
        original = board.TimedTensorBoard.on_epoch_end

        def on_epoch_end(self, epoch, logs=None):
            original(self, epoch, logs)                  # the epoch's summaries are written and flushed ...
            if epoch == pause_epoch:                     # ... and its checkpoint is not saved yet
                print("PAUSED", flush=True)
                time.sleep(120)

        board.TimedTensorBoard.on_epoch_end = on_epoch_end
    elif side == "scratch-trains":                       # Ctrl-C as the scratch side starts training pause_epoch
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == pause_epoch:
                os.kill(os.getpid(), signal.SIGINT)

        board.ScratchBoard.on_epoch_begin = on_epoch_begin
    elif side == "scratch-writes":                       # Ctrl-C while the scratch board writes pause_epoch's summaries
        write_epoch = board.ScratchBoard._write_epoch

        def _write_epoch(self, epoch, logs=None):
            if epoch == pause_epoch:
                os.kill(os.getpid(), signal.SIGINT)
            write_epoch(self, epoch, logs)

        board.ScratchBoard._write_epoch = _write_epoch
    sys.argv = ["keras_models.train", *sys.argv[3:]]
    runpy.run_module("keras_models.train", run_name="__main__")
""")


def start(python, tmp_path, logdir, *args, pause=("none", -1)):
    script = tmp_path / "harness.py"
    script.write_text(HARNESS)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return python.Popen([sys.executable, str(script), pause[0], str(pause[1]), "--logdir", str(logdir), *args],
                        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_to_the_end(python, tmp_path, logdir, *args):
    process = start(python, tmp_path, logdir, *args)
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err
    return out


def interrupt_at_pause(process, sig):
    for line in process.stdout:
        if line.startswith("PAUSED"):
            process.send_signal(sig)
            break
    out, err = process.communicate(timeout=120)
    return out, err


def final_weights(run_dir, side):
    with np.load(run_dir / "binary" / side / "checkpoint.npz", allow_pickle=False) as f:
        return [f[f"weight_{i}"] for i in range(6)], int(f["epoch"])


def logged_steps(side_dir):
    """{(split, tag): [steps]} over every event file of one side, in file order."""
    steps = collections.defaultdict(list)
    for path in sorted(side_dir.glob("*/events.out.tfevents.*")):
        for record in RawEventFileLoader(str(path)).Load():
            event = event_pb2.Event.FromString(record)
            for value in event.summary.value:
                steps[path.parent.name, value.tag].append(event.step)
    return steps


def assert_every_epoch_logged_once(run_dir):
    for side in ("keras", "scratch"):
        steps = logged_steps(run_dir / "binary" / side)
        assert ("train", "epoch_loss") in steps and ("validation", "evaluation_loss_vs_iterations") in steps
        for (split, tag), logged in steps.items():
            expected = ([(e + 1) * STEPS_PER_EPOCH for e in range(EPOCHS)] if tag.startswith("evaluation_")
                        else list(range(EPOCHS)))
            assert logged == expected, f"{side}/{split} {tag}: steps {logged}"


def assert_same_weights_as(run_dir, reference_dir):
    ours, theirs = final_weights(run_dir, "scratch")[0], final_weights(reference_dir, "scratch")[0]
    for w, w_ref in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(w, w_ref)                          # scratch: bit for bit
    gap = max_relative_gap(final_weights(run_dir, "keras")[0], final_weights(reference_dir, "keras")[0])
    assert gap <= KERAS_TOLERANCE, f"Keras weights {gap:.1e} away from the uninterrupted run's"


def status(run_dir):
    return json.loads((run_dir / "run.json").read_text())["status"]


@pytest.fixture(scope="module")
def uninterrupted(finished_run):
    run_dir = finished_run(["binary"], epochs=EPOCHS).run_dir      # train(["binary"], epochs=EPOCHS), read only
    assert status(run_dir) == "complete"
    return run_dir


@pytest.mark.slow
def test_kill_9_while_keras_trains_then_resume_gives_the_uninterrupted_weights_and_logs(uninterrupted, tmp_path,
                                                                                      python_with_tensorflow):
    logdir = tmp_path / "logs"
    process = start(python_with_tensorflow, tmp_path, logdir, "--tasks", "binary", "--epochs", str(EPOCHS),
                    pause=("keras", 1))
    _, err = interrupt_at_pause(process, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL, err
    (run_dir,) = logdir.iterdir()
    assert status(run_dir) == "running"                                  # killed: it could not say otherwise
    assert final_weights(run_dir, "keras")[1] == 0                       # epoch 0 saved ...
    logged = logged_steps(run_dir / "binary" / "keras")
    assert logged["train", "epoch_loss"] == logged["validation", "epoch_loss"] == [0, 1]  # ... 1 only logged
    assert not (run_dir / "binary" / "scratch").exists()

    out = run_to_the_end(python_with_tensorflow, tmp_path, logdir, "--resume")
    assert (f"resuming {run_dir} (stopped without recording why: killed, or a full disk): binary: keras 1/{EPOCHS} "
            f"epochs, scratch 0/{EPOCHS}") in out
    assert f"resuming: keras 1/{EPOCHS} epochs done, scratch 0/{EPOCHS}" in out
    assert status(run_dir) == "complete"
    assert_same_weights_as(run_dir, uninterrupted)
    assert_every_epoch_logged_once(run_dir)


@pytest.mark.slow
@pytest.mark.parametrize("moment, epoch", [("scratch-trains", 1), ("scratch-writes", 0)],
                         ids=["scratch-trains", "scratch-writes"])
def test_ctrl_c_while_scratch_trains_says_what_was_kept_and_resume_finishes_the_run(moment, epoch, uninterrupted,
                                                                                     tmp_path, python_with_tensorflow):
    """Whichever moment the Ctrl-C lands -- as the second epoch starts training, or while the first epoch's
    summaries are written (about half of the scratch side's time) -- the epochs said kept are the epochs
    checkpointed and the epochs logged: an epoch whose summaries were written is saved before Ctrl-C is raised."""
    logdir = tmp_path / "logs"
    process = start(python_with_tensorflow, tmp_path, logdir, "--tasks", "binary", "--epochs", str(EPOCHS),
                    pause=(moment, epoch))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    (run_dir,) = logdir.iterdir()
    kept = re.search(f"scratch (\\d+)/{EPOCHS}\\. Resume with", learner_lines(out)[-1])
    assert kept, learner_lines(out)[-1]
    k = int(kept[1])                                    # the epochs said kept
    assert learner_lines(out)[-1] == (f"Interrupted. Kept in {run_dir} (a checkpoint after every finished epoch): "
                                      f"binary: keras {EPOCHS}/{EPOCHS} epochs, scratch {k}/{EPOCHS}. Resume with: "
                                      f".venv/bin/python -m keras_models.train --resume --logdir {logdir}")
    assert status(run_dir) == "interrupted"
    # k epochs said kept = k checkpointed = steps 0 .. k-1 logged (flushed and closed: all of them on disk)
    assert finished_epochs(run_dir / "binary" / "scratch" / "checkpoint.npz") == k
    steps = logged_steps(run_dir / "binary" / "scratch")
    assert ("train", "epoch_loss") in steps and ("validation", "evaluation_loss_vs_iterations") in steps, sorted(steps)
    assert set(steps) == set(logged_steps(uninterrupted / "binary" / "scratch"))    # every tag the full run logs
    for (split, tag), logged in steps.items():
        assert logged == ([(e + 1) * STEPS_PER_EPOCH for e in range(k)] if tag.startswith("evaluation_")
                          else list(range(k))), f"said scratch {k}/{EPOCHS}; logged {split} {tag}: steps {logged}"
    assert k == 1                                       # the first epoch, written and kept; the second not finished
    assert logged_steps(run_dir / "binary" / "keras")["train", "epoch_loss"] == list(range(EPOCHS))

    # writes cut short leave only temporary files, which the resumed run must ignore, then remove
    checkpoint = run_dir / "binary" / "scratch" / "checkpoint.npz"
    stale = [checkpoint.parent / "checkpoint.npz.k1ll3d9x.tmp", run_dir / "run.json.k1ll3d9x.tmp",
             run_dir / "binary" / "keras" / "train" / ".rewrite-k1ll3d9x.tmp"]
    for temporary in stale:
        temporary.write_bytes(checkpoint.read_bytes()[:500])

    out = run_to_the_end(python_with_tensorflow, tmp_path, logdir, "--resume")
    assert (f"resuming {run_dir} (interrupted): binary: keras {EPOCHS}/{EPOCHS} epochs, scratch {k}/{EPOCHS}" in out
            and f"keras {EPOCHS}/{EPOCHS} epochs done, scratch {k}/{EPOCHS}" in out)
    assert [t for t in stale if t.exists()] == []
    assert status(run_dir) == "complete"
    assert_same_weights_as(run_dir, uninterrupted)
    assert_every_epoch_logged_once(run_dir)
    parity = logged_steps(run_dir / "binary" / "scratch")["train", "parity/max_weight_gap"]
    assert parity == list(range(EPOCHS))                # the Keras weights of every epoch came from its checkpoint


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["after-half-a-second", "during-the-tensorflow-import", "during-training"])
def test_ctrl_c_at_any_moment_exits_130_with_one_line_and_no_traceback(moment, tmp_path, python_with_tensorflow):
    if moment == "during-the-tensorflow-import" and not Path("/proc/self/maps").exists():
        pytest.skip("needs /proc to see when TensorFlow's import begins")
    logdir = tmp_path / "logs"
    # before training, the start-up is what is tested: a fresh process; during training, a warm one will do
    popen = python_with_tensorflow.Popen if moment == "during-training" else subprocess.Popen
    process = popen([sys.executable, "-m", "keras_models.train", "--tasks", "binary", "--epochs", "30",
                      "--logdir", str(logdir)], cwd=ROOT, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if moment == "after-half-a-second":
        time.sleep(0.5)
    elif moment == "during-the-tensorflow-import":
        assert wait_until_tensorflow_loads(process)
    else:
        for line in process.stdout:
            if "keras    epoch" in line:                # the Keras side has finished an epoch: training runs
                break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in out + err
    assert learner_lines(err) == [], err
    if moment == "during-training":
        (run_dir,) = logdir.iterdir()
        assert learner_lines(out)[-1].startswith(f"Interrupted. Kept in {run_dir} (a checkpoint after every finished "
                                                 "epoch): binary: keras "), out
        assert status(run_dir) == "interrupted"
    else:
        assert learner_lines(out) == ["Interrupted before training started; nothing was written."]
        assert not logdir.exists() or list(logdir.iterdir()) == []


# ---- the pieces, one at a time (no subprocess) ----------------------------------------------------------------


def innermost_frames(exc: BaseException, n: int = 2) -> list[str]:
    """'file:function' of the n innermost frames of the exception's traceback, innermost last."""
    frames, tb = [], exc.__traceback__
    while tb is not None:
        frames.append(f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_frame.f_code.co_name}")
        tb = tb.tb_next
    return frames[-n:]


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4])       # as fit starts, as it traces its step, as it trains
@pytest.mark.filterwarnings("error:`shuffle=True` was passed:UserWarning")   # fits as make train does: shuffle=False
def test_ctrl_c_while_keras_fits_is_raised_after_a_batch_from_our_code_never_inside_tensorflow(delay, sigint_raises):
    import keras

    from keras_models.twins.interrupts import HeldInterrupt
    from keras_models.twins.pipeline import STEPS_PER_EXECUTION, keras_batches

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", steps_per_execution=STEPS_PER_EXECUTION)     # as make train fits
    epochs = keras.callbacks.History()
    held = HeldInterrupt()
    ctrl_c = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))           # a learner's Ctrl-C, any time
    with pytest.raises(KeyboardInterrupt) as raised:
        with held:
            ctrl_c.start()
            model.fit(keras_batches(X, y, 8), validation_data=keras_batches(X, y, 8), epochs=2000, shuffle=False,
                      verbose=0, callbacks=[epochs, held])
    ctrl_c.join()
    # from the callback, at a batch end; wherever the signal arrived (tracing, a step, validation), not there
    assert innermost_frames(raised.value)[-1] == "interrupts.py:raise_if_pending", innermost_frames(raised.value, 4)
    assert innermost_frames(raised.value)[0] in {"interrupts.py:on_train_batch_end", "interrupts.py:on_test_batch_end",
                                                 "interrupts.py:on_epoch_end"}
    assert len(epochs.epoch) < 2000                           # it stopped training, not after the last epoch
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler      # the handler before is back


def test_ctrl_c_while_keras_validates_is_raised_after_that_validation_batch_not_after_the_whole_pass(sigint_raises):
    """The module's promise: held until "the batch (or validation batch, or epoch) in progress" ends -- a Ctrl-C in
    the first of 8 validation batches does not wait for the other 7."""
    import keras

    from keras_models.twins.interrupts import HeldInterrupt

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    validated = []

    class CtrlCInValidation(keras.callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            validated.append(batch)
            if batch == 0:
                os.kill(os.getpid(), signal.SIGINT)            # the learner's Ctrl-C, as validation starts

    held = HeldInterrupt()
    with pytest.raises(KeyboardInterrupt) as raised:
        with held:
            model.fit(X, y, batch_size=8, validation_data=(X, y), validation_batch_size=8, epochs=1, shuffle=False,
                      verbose=0, callbacks=[CtrlCInValidation(), held])
    assert innermost_frames(raised.value, 2) == ["interrupts.py:on_test_batch_end", "interrupts.py:raise_if_pending"]
    assert validated == [0]


def test_a_second_ctrl_c_is_raised_at_once_and_one_after_the_last_batch_on_leaving(sigint_raises):
    from keras_models.twins.interrupts import HeldInterrupt

    held = HeldInterrupt()
    with held:                                                # no Ctrl-C: held while inside, as before after
        assert signal.getsignal(signal.SIGINT) == held._hold
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler and not held.pending

    with pytest.raises(KeyboardInterrupt) as raised:
        with held:
            os.kill(os.getpid(), signal.SIGINT)               # the first: held for the next batch end
            assert held.pending
            os.kill(os.getpid(), signal.SIGINT)               # the second: at once, here
            pytest.fail("a second Ctrl-C was held too")
    assert innermost_frames(raised.value, 1) == ["test_interruptions.py:" + sys._getframe().f_code.co_name]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    with pytest.raises(KeyboardInterrupt) as raised:          # Ctrl-C after fit's last batch end, before it returned
        with held:
            os.kill(os.getpid(), signal.SIGINT)
    assert innermost_frames(raised.value, 1) == ["interrupts.py:raise_if_pending"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    signal.signal(signal.SIGINT, signal.SIG_IGN)              # a background job ignores Ctrl-C: it still does
    with held:
        os.kill(os.getpid(), signal.SIGINT)
    assert not held.pending and signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_a_ctrl_c_in_a_held_block_inside_another_is_raised_when_the_outer_block_ends(sigint_raises):
    from keras_models.twins.interrupts import HeldInterrupt

    after_the_inner_block = []
    with pytest.raises(KeyboardInterrupt) as raised:
        with HeldInterrupt():
            with HeldInterrupt():                             # ScratchBoard's, inside sides.fit_scratch's
                os.kill(os.getpid(), signal.SIGINT)
            after_the_inner_block.append("ran")               # the checkpoint and the progress line, in make train
    assert after_the_inner_block == ["ran"]
    assert innermost_frames(raised.value) == ["interrupts.py:__exit__", "interrupts.py:raise_if_pending"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler and HeldInterrupt.holding is None


@pytest.fixture
def ctrl_c_while_writing(sigint_raises, monkeypatch) -> list[bool]:
    """The learner's Ctrl-C, once, as TensorFlow writes the first dense_2/kernel histogram: midway through an epoch's
    summaries (its scalars are written, not the rest). The list it returns holds True once the Ctrl-C was sent."""
    import tensorflow as tf

    histogram = tf.summary.histogram
    interrupted = []

    def histogram_with_ctrl_c(*args, **kwargs):
        if args[0] == "dense_2/kernel/histogram" and not interrupted:
            interrupted.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return histogram(*args, **kwargs)

    monkeypatch.setattr(tf.summary, "histogram", histogram_with_ctrl_c)
    return interrupted


def test_ctrl_c_while_the_scratch_board_writes_waits_until_the_epoch_is_written(tmp_path, ctrl_c_while_writing):
    """The scratch side's TensorBoard writes call TensorFlow once per epoch: a Ctrl-C in the middle of them is held
    until the epoch's last summary is flushed, then raised from our code."""
    from keras_models.train.board import ScratchBoard
    from scratch.layers import Dense
    from scratch.network import Network

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 1)).astype(float)          # (6, 3), (6, 1)
    board = ScratchBoard(tmp_path, learning_rate=0.01, train_data=(X, y, "binary_crossentropy"), steps_per_epoch=2)
    board.set_model(Network([Dense(3, 4, "relu", seed=0), Dense(4, 1, "sigmoid", seed=1)]))
    board.on_train_begin()
    with pytest.raises(KeyboardInterrupt) as raised:
        board.on_epoch_end(0, {"loss": 0.7, "val_loss": 0.8})
    board.on_train_end()
    assert innermost_frames(raised.value) == ["interrupts.py:__exit__", "interrupts.py:raise_if_pending"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    steps = logged_steps(tmp_path)                            # everything of epoch 0, once, interrupted or not
    arrays = [f"dense_{layer}/{array}" for layer in (1, 2) for array in ("kernel", "bias")]
    train = ["epoch_loss", "epoch_learning_rate", *[f"{name}/histogram" for name in arrays],
             *[f"gradients/{name}" for name in arrays], "deltas/dense_1", "deltas/dense_2"]
    assert steps == {**{("train", tag): [0] for tag in train},
                     ("validation", "epoch_loss"): [0], ("validation", "evaluation_loss_vs_iterations"): [2]}


def test_ctrl_c_while_the_scratch_board_writes_is_raised_once_that_epoch_is_saved_and_printed(tmp_path,
                                                                                              ctrl_c_while_writing):
    """make train's scratch side (sides.fit_scratch): a Ctrl-C as the first epoch's summaries are written is held
    until that epoch is also checkpointed and printed, so the epochs printed, checkpointed and logged agree."""
    import io
    import types

    from keras_models.train.board import ScratchBoard
    from keras_models.train.progress import EpochPrinter
    from keras_models.train.sides import fit_scratch
    from scratch import optimizers
    from scratch.layers import Dense
    from scratch.network import Network

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=(8, 1)).astype(float)          # (8, 3), (8, 1)
    data = types.SimpleNamespace(task="binary", X_train=X, y_train=y, X_val=X, y_val=y, loss="binary_crossentropy")
    settings = types.SimpleNamespace(epochs=2, batch_size=4)
    board = ScratchBoard(tmp_path, learning_rate=0.01, train_data=(X, y, data.loss), steps_per_epoch=2)
    printed, state = io.StringIO(), SideState()
    with pytest.raises(KeyboardInterrupt) as raised:
        fit_scratch(Network([Dense(3, 4, "relu", seed=0), Dense(4, 1, "sigmoid", seed=1)]), data, settings, board,
                    EpochPrinter("scratch", settings.epochs, stream=printed), state, optimizers.Adam(0.01), None,
                    model=None)
    assert ctrl_c_while_writing
    assert innermost_frames(raised.value) == ["interrupts.py:__exit__", "interrupts.py:raise_if_pending"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    lines = printed.getvalue().splitlines()                   # one line per epoch (2 epochs, not a terminal)
    assert [line.split()[:3] for line in lines] == [["scratch", "epoch", "1/2"]], lines
    assert finished_epochs(tmp_path / "checkpoint.npz") == len(lines) == 1, "the printed epoch was not checkpointed"
    assert state.epoch == 0
    steps = logged_steps(tmp_path)
    assert steps["train", "epoch_loss"] == steps["train", "dense_2/kernel/histogram"] == [0]
    assert steps["validation", "evaluation_loss_vs_iterations"] == [2]


@pytest.mark.parametrize("side", ["keras", "scratch"])
def test_ctrl_c_in_the_first_epoch_leaves_no_empty_run_in_tensorboard(side, tmp_path, monkeypatch, sigint_raises):
    """Each writer writes its file's header as it opens, before any epoch: stopped in the first epoch, a side
    left files that TensorBoard lists as empty runs (keras/train; scratch/train and scratch/validation)."""
    from keras_models.train import board
    from keras_models.train.sides import run_task

    owner = board.TimedTensorBoard if side == "keras" else board.ScratchBoard

    def on_epoch_begin(self, epoch, logs=None):
        os.kill(os.getpid(), signal.SIGINT)                          # the learner's Ctrl-C as epoch 1 begins

    monkeypatch.setattr(owner, "on_epoch_begin", on_epoch_begin, raising=False)   # (ScratchBoard has none)
    with pytest.raises(KeyboardInterrupt):
        run_task("binary", tmp_path, epochs=1, quiet=True)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.glob(f"{side}/*/events.out.tfevents.*")) == []


def write_epochs(log_dir, epochs):
    """Summaries as both writers log them: epoch_loss at step = epoch, evaluation_* at optimizer steps."""
    import tensorflow as tf

    for split in ("train", "validation"):
        writer = tf.summary.create_file_writer(str(log_dir / split))
        with writer.as_default():
            for epoch in epochs:
                tf.summary.scalar("epoch_loss", 1.0 / (epoch + 1), step=epoch)
                if split == "validation":
                    tf.summary.scalar("evaluation_loss_vs_iterations", 1.0, step=(epoch + 1) * 3)
        writer.close()


def test_forget_epochs_after_drops_what_was_logged_after_the_checkpoint_and_nothing_else(tmp_path):
    write_epochs(tmp_path, range(5))
    assert forget_epochs_after(tmp_path, epoch=2, steps_per_epoch=3) == 2 + 2 + 2
    steps = logged_steps(tmp_path)
    assert steps["train", "epoch_loss"] == steps["validation", "epoch_loss"] == [0, 1, 2]
    assert steps["validation", "evaluation_loss_vs_iterations"] == [3, 6, 9]
    before = {p: p.read_bytes() for p in tmp_path.glob("*/*")}
    assert forget_epochs_after(tmp_path, epoch=2, steps_per_epoch=3) == 0
    assert {p: p.read_bytes() for p in tmp_path.glob("*/*")} == before         # nothing to drop: untouched
    assert forget_epochs_after(tmp_path, epoch=-1, steps_per_epoch=3) == 9     # starting over: everything
    assert all(tag_steps == [] for tag_steps in logged_steps(tmp_path).values())


def test_a_resumed_run_keeps_no_event_file_that_holds_no_summary(tmp_path):
    """A run stopped before an epoch's checkpoint leaves files whose every summary is dropped, and one stopped
    in its first epoch leaves writers' files with only their header: TensorBoard's folders keep neither."""
    import tensorflow as tf

    write_epochs(tmp_path, range(3))
    header_only = tf.summary.create_file_writer(str(tmp_path / "train"))    # opened, stopped before any epoch
    header_only.close()
    assert len(list(tmp_path.glob("*/events.out.tfevents.*"))) == 3
    assert forget_epochs_after(tmp_path, epoch=2, steps_per_epoch=3) == 0      # no summary dropped ...
    assert len(list(tmp_path.glob("*/events.out.tfevents.*"))) == 2            # ... but the header-only file went
    assert forget_epochs_after(tmp_path, epoch=-1, steps_per_epoch=3) == 9
    assert sorted(tmp_path.rglob("*")) == [tmp_path / "train", tmp_path / "validation"]

@pytest.mark.parametrize("where", ["a summary's data", "a length field", "zeros after the last record",
                                   "the last record's data"])
def test_an_event_file_damaged_before_its_end_is_named_when_a_run_resumes_not_cut_there(tmp_path, where):
    """The loader stops quietly at the first record it cannot read; read on from a damaged one, the rewrite
    would drop every summary after it without a word. A last record cut short by a kill is expected."""
    write_epochs(tmp_path, range(3))
    (path,) = tmp_path.glob("train/events.out.tfevents.*")
    data = bytearray(path.read_bytes())
    second_record = 8 + 4 + struct.unpack("<Q", data[:8])[0] + 4    # the file's header event comes first
    if where == "zeros after the last record":
        data += bytes(64)
    elif where == "the last record's data":          # whole, to its last byte: no kill cut it short
        data[-5] ^= 1
    else:
        data[second_record + (20 if where == "a summary's data" else 5)] ^= 1   # 5: a high byte of the length
    path.write_bytes(data)
    with pytest.raises(RunDirectoryError, match=rf"the TensorBoard log .*/train/{path.name} is damaged at byte "
                                                r"[0-9,]+ \(a record there fails its checksum\); delete it"):
        forget_epochs_after(tmp_path, epoch=0, steps_per_epoch=3)


@pytest.mark.parametrize("kept", [5, 8 + 2, 8 + 4 + 10],
                         ids=["in-its-length-field", "in-its-length-checksum", "in-its-data"])
def test_an_event_file_whose_last_record_was_cut_short_by_a_kill_resumes_without_it(tmp_path, kept):
    write_epochs(tmp_path, range(3))
    (path,) = tmp_path.glob("train/events.out.tfevents.*")
    data = path.read_bytes()
    last_record = len(data) - (8 + 4 + len(list(RawEventFileLoader(str(path)).Load())[-1]) + 4)
    path.write_bytes(data[:last_record + kept])                      # epoch 2's record, cut short
    assert forget_epochs_after(tmp_path, epoch=2, steps_per_epoch=3) == 0
    assert logged_steps(tmp_path)["train", "epoch_loss"] == [0, 1]


def test_a_resume_within_the_second_of_the_kept_logs_writes_a_file_that_tensorboard_reads_after_them(tmp_path):
    """Event files are named <second>.<host>.<pid>, and read in name order: a writer opened in the kept file's
    second by a process whose pid sorts lower would put the repeated epoch before the kept ones (seen once in
    the Ctrl-C test above, where the resumed run starts from a forked, already-loaded Python)."""
    import tensorflow as tf

    write_epochs(tmp_path, range(3))                                 # opened this second ...
    for path in tmp_path.glob("*/events.out.tfevents.*"):            # ... by a pid that sorts after any real one
        second, host = path.name.split(".")[3:5]
        path.rename(path.with_name(f"events.out.tfevents.{second}.{host}.9999999999.0.v2"))
    forget_epochs_after(tmp_path, epoch=1, steps_per_epoch=3)
    with tf.summary.create_file_writer(str(tmp_path / "train")).as_default():
        tf.summary.scalar("epoch_loss", 1.0, step=2)                  # the resumed run logs epoch 2 again
    assert logged_steps(tmp_path)["train", "epoch_loss"] == [0, 1, 2]



def test_a_folder_in_an_event_files_place_is_named_when_a_run_resumes(tmp_path):
    (tmp_path / "train" / "events.out.tfevents.1.vm.2.0.v2").mkdir(parents=True)
    with pytest.raises(RunDirectoryError, match=r"the TensorBoard log .*/train/events.out.tfevents.1.vm.2.0.v2 cannot "
                                                r"be read \(Is a directory\); delete it .*then resume again"):
        forget_epochs_after(tmp_path, epoch=0, steps_per_epoch=3)


def test_a_folder_in_a_checkpoints_place_is_reported_as_unreadable_not_as_not_started(tmp_path):
    run_dir = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    (run_dir / "binary" / "keras" / "checkpoint.npz").mkdir(parents=True)
    assert progress(run_dir) == "binary: a checkpoint cannot be read"


@pytest.mark.parametrize("keras_done, scratch_done, said", [
    (None, None, "not started"),
    (2, None, "keras 2/3 epochs, scratch 0/3"),                 # Keras trains first: scratch has no checkpoint yet
    (3, 1, "keras 3/3 epochs, scratch 1/3"),                    # Keras finished, scratch still catching up
    (3, 3, "finished"),
    (3, "no epoch", "a checkpoint cannot be read"),             # an .npz, but not one make train wrote
], ids=["none", "keras-only", "scratch-behind", "both", "an-npz-without-an-epoch"])
def test_what_was_kept_counts_each_sides_finished_epochs_against_the_runs_own_epochs(keras_done, scratch_done, said,
                                                                                     tmp_path):
    """The line after Ctrl-C (`progress`), from checkpoint headers written by hand: EPOCHS=3, not the task's own
    number of epochs; the epoch a checkpoint holds is the last finished one, counted from 0."""
    assert TASK_TABLE["binary"].train.epochs != 3
    run_dir = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted", epochs=3)
    for side, done in (("keras", keras_done), ("scratch", scratch_done)):
        if done is not None:
            (run_dir / "binary" / side).mkdir(parents=True)
            header = {"format_version": np.array(1)} | ({} if done == "no epoch" else {"epoch": np.array(done - 1)})
            np.savez(run_dir / "binary" / side / "checkpoint.npz", **header)
    assert progress(run_dir) == f"binary: {said}"


def test_two_runs_started_in_the_same_second_each_get_a_directory(tmp_path, monkeypatch):
    class OneSecond(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 1, 1, 9, 0, 0)

    monkeypatch.setattr(runs, "datetime", OneSecond)
    assert new_run_directory(tmp_path) == tmp_path / "2026-01-01_09-00-00"
    # the other make train looked first and found the name free; this one made it in between
    looked = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self, **kw: self.parent != tmp_path and looked(self, **kw))
    assert new_run_directory(tmp_path) == tmp_path / "2026-01-01_09-00-00_2"


def damage(run_json, content):
    """Write `content` over run.json; None puts a folder in its place."""
    run_json.unlink()
    run_json.mkdir() if content is None else run_json.write_text(content)


def make_run(logdir, name, status_, **fields):
    run_dir = logdir / name
    run_dir.mkdir(parents=True)
    write_status(run_dir, status_, tasks=["binary"], epochs=1, max_rows=None, learning_rate=None)
    if fields:
        record = json.loads((run_dir / "run.json").read_text()) | fields
        (run_dir / "run.json").write_text(json.dumps(record))
    return run_dir


HOLD_LOCK = ("import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
             "print('held', flush=True); time.sleep(60)")


@pytest.fixture
def another_process_holds(tmp_path):
    """Start a process that holds a run's lock, as a make train writing into it does."""
    holders = []

    def hold(run_dir):
        holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(run_dir / "run.lock")], stdout=subprocess.PIPE,
                                  text=True)
        assert holder.stdout.readline().strip() == "held"
        holders.append(holder)
    yield hold
    for holder in holders:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_resume_picks_the_newest_run_that_is_not_complete_diverged_or_being_written(tmp_path, another_process_holds):
    make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    wanted = make_run(tmp_path, "2026-01-02_09-00-00_10", "failed", error="[Errno 32] Broken pipe")
    make_run(tmp_path, "2026-01-02_09-00-00_2", "interrupted")                # _10 came after _2
    make_run(tmp_path, "2026-01-03_09-00-00", "complete")
    make_run(tmp_path, "2026-01-03_10-00-00", "diverged")                     # would diverge again: start anew
    another_process_holds(make_run(tmp_path, "2026-01-04_09-00-00", "running"))   # being written: leave it
    another_process_holds(make_run(tmp_path, "2026-01-04_10-00-00", "interrupted"))   # being resumed right now
    (tmp_path / "2026-01-05_09-00-00").mkdir()                                # no run.json: not make train's
    (tmp_path / "lessons").mkdir()
    assert newest_unfinished(tmp_path) == wanted
    assert describe(wanted) == "failed: [Errno 32] Broken pipe"


def test_resume_picks_the_run_started_last_when_the_clocks_went_back_between_two(tmp_path, monkeypatch):
    # The autumn daylight-saving change (New York, 2026-11-01): a run started at 01:50 EDT, and one twenty minutes
    # later, at 01:10 EST. Their local-time names run backwards; RESUME=1 took the first, the older one.
    monkeypatch.setattr(time, "time", lambda: 1_793_512_200.0 + 20 * 60)               # 06:10 UTC
    make_run(tmp_path, "2026-11-01_01-50-00", "interrupted", started=1_793_512_200.0)    # 05:50 UTC
    later = train_module.start_run(tmp_path, ["binary"], epochs=1)
    run_lock.release(later)
    later = later.rename(tmp_path / "2026-11-01_01-10-00")
    assert newest_unfinished(tmp_path) == later
    assert read_status(later)["started"] == 1_793_512_200.0 + 20 * 60


def test_a_run_whose_name_is_no_date_and_that_recorded_no_start_is_the_oldest_not_the_newest(tmp_path):
    # runs from before "started" was recorded are ordered by their names; a name that matches the pattern but is
    # no date (month 13, hour 99) cannot be placed, and RESUME=1 must not take it over the runs that can
    wanted = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    make_run(tmp_path, "2026-13-45_99-00-00", "interrupted")
    assert newest_unfinished(tmp_path) == wanted


def test_resume_names_a_run_that_started_after_now_by_the_clock(tmp_path):
    # The clock was years ahead when it started, then put right: the run stays the "newest" until it ends, and
    # RESUME=1 took it up again and again without a word, whatever run the learner had started since.
    ahead = make_run(tmp_path, "2999-01-01_09-00-00", "interrupted")
    make_run(tmp_path, "2026-01-01_09-00-00", "interrupted", started=time.time() - 60)
    assert newest_unfinished(tmp_path) == ahead
    assert describe(ahead) == (f"interrupted; it started 2999-01-01 09:00, later than this machine's clock says it "
                               f"is now: the clock was wrong then, or is now. If you meant another run, move this one "
                               f"out of {tmp_path} and resume again")
    assert describe(make_run(tmp_path, "2026-01-02_09-00-00", "failed", started=time.time() + 30)) == \
        "failed: no reason recorded"                                  # seconds ahead: another machine's clock
    ten_minutes_ahead = make_run(tmp_path, "2026-01-03_09-00-00", "failed", started=time.time() + 600)
    assert describe(ten_minutes_ahead).startswith("failed: no reason recorded; it started ")     # past the 60 s' grace


def test_a_stamp_counts_as_after_now_only_past_the_minutes_grace_for_another_clock():
    """The grace clocks.py's docstring gives (60 s, for a network folder's server or a laptop before it synchronised):
    a stamp 50 s ahead of this machine's clock is now, one 70 s ahead is after now."""
    now = time.time()
    assert not after_now(now + 50)
    assert after_now(now + 70)


def test_a_run_this_process_holds_is_not_one_another_process_writes(tmp_path):
    # flock locks an open file, not a process: this process's own second look would find its lock taken
    run_dir = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    hold(run_dir)
    try:
        assert not run_lock.being_written(run_dir, read_status(run_dir))
        assert newest_unfinished(tmp_path) == run_dir
    finally:
        run_lock.release(run_dir)


def test_a_run_another_process_writes_cannot_be_taken_over(tmp_path, another_process_holds):
    run_dir = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    another_process_holds(run_dir)
    with pytest.raises(RunDirectoryError, match=f"another make train is writing {run_dir} right now"):
        hold(run_dir)


# another make train (a fresh Python) asks run_lock.hold for the run: what it is told
TAKE_OVER = ("import sys\nfrom keras_models.train.run_lock import hold\ntry:\n    hold(sys.argv[1])\n"
             "except ValueError as refused:\n    print(refused)\nelse:\n    print('taken')")


def test_a_run_this_process_holds_cannot_be_taken_over_by_another_make_train(tmp_path):
    """Two RESUME=1 started together pick the same run: the second is refused while the first holds it (a shared
    lock would let both write it). Holding it again in the same process is no conflict; once released, it is free."""
    run_dir = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")

    def another_make_train() -> str:
        return subprocess.run([sys.executable, "-c", TAKE_OVER, str(run_dir)], cwd=ROOT, capture_output=True,
                              text=True, env=os.environ | {"PYTHONPATH": str(ROOT)}, timeout=60).stdout.strip()

    hold(run_dir)
    try:
        hold(run_dir)                                                   # this process's own lock: no error
        assert another_make_train().startswith(f"another make train is writing {run_dir} right now")
    finally:
        run_lock.release(run_dir)
    assert another_make_train() == "taken"


@pytest.mark.parametrize("content, message", [
    ('{"status": "interrupt', "cannot be read"),
    ('{"status": "interrupted", "tasks": ["xor"], "epochs": 2, "max_rows": null, "learning_rate": null}',
     "is damaged: 'tasks' is \\['xor'\\]"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": -7, "max_rows": null, "learning_rate": null}',
     "is damaged: 'epochs' is -7"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 2, "max_rows": 0, "learning_rate": null}',
     "is damaged: 'max_rows' is 0"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 1e23, "max_rows": null, "learning_rate": null}',
     "is damaged: 'epochs' is 1e\\+23"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 100000000000000000000000, "max_rows": null, '
     '"learning_rate": null}', "is damaged: 'epochs' is 100000000000000000000000"),
    ('{"status": "interrupted", "tasks": ["binary"], "max_rows": null, "learning_rate": null}',
     "is damaged: 'epochs' is 'missing'"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 2, "max_rows": null, "learning_rate": 1e39}',
     "is damaged: 'learning_rate' is 1e\\+39"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": true, "max_rows": null, "learning_rate": null}',
     "is damaged: 'epochs' is True"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 2, "max_rows": null, "learning_rate": true}',
     "is damaged: 'learning_rate' is True"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 2, "max_rows": null, "learning_rate": null, '
     '"started": "yesterday"}', "is damaged: 'started' is 'yesterday'"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 2, "max_rows": null, "learning_rate": null, '
     '"started": 1e300}', "is damaged: 'started' is 1e\\+300"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 2, "max_rows": null, "learning_rate": null, '
     '"started": true}', "is damaged: 'started' is True"),
    ('{"status": "interrupted", "tasks": ["binary"], "epochs": 2, "max_rows": null, "learning_rate": null, '
     '"started": -1.5}', "is damaged: 'started' is -1.5"),
    (None, "cannot be read \\(\\[Errno 21\\] Is a directory"),
    ('["binary"]', "is not a make-train status file \\(not a JSON object\\)$"),
], ids=["not-json", "unknown-task", "negative-epochs", "no-rows", "float-epochs", "too-many-epochs", "no-epochs",
        "rate-beyond-float32", "epochs-a-bool", "rate-a-bool",
        "started-not-a-time", "started-past-year-9999", "started-a-bool",
        "started-before-1970", "a-folder", "a-list"])
def test_a_damaged_run_json_is_skipped_and_named_and_older_runs_stay_resumable(content, message, tmp_path, capsys):
    older = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    newest = make_run(tmp_path, "2026-01-02_09-00-00", "interrupted")
    damage(newest / "run.json", content)
    skipped = []
    assert newest_unfinished(tmp_path, skipped) == older
    (line,) = skipped
    assert re.match(f"skipped {newest}: {newest / 'run.json'} {message}", line), line
    damage(older / "run.json", content)                                       # nothing left to resume
    assert train_module.main(["--resume", "--logdir", str(tmp_path)]) == 1
    (line,) = learner_lines(capsys.readouterr().err)
    assert line.startswith(f"error: nothing to resume: every run under {tmp_path} finished") and "skipped" in line


def test_a_run_json_at_the_largest_settings_the_command_line_takes_is_not_damaged(tmp_path):
    # EPOCHS=10000 (runs.MAX_EPOCHS) and the smallest and largest rates float32 holds start a run: it must resume
    for day, fields in enumerate(({"epochs": 10_000}, {"learning_rate": 1.4e-45}, {"learning_rate": 3.4e38}), start=1):
        run_dir = make_run(tmp_path, f"2026-01-0{day}_09-00-00", "interrupted", **fields)
        assert read_status(run_dir).items() >= fields.items()


def test_a_folder_in_a_runs_lock_files_place_is_named_and_older_runs_stay_resumable(tmp_path):
    older = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    newest = make_run(tmp_path, "2026-01-02_09-00-00", "interrupted")
    (newest / "run.lock").mkdir()
    skipped = []
    assert newest_unfinished(tmp_path, skipped) == older
    assert skipped == [f"skipped {newest}: {newest / 'run.lock'} cannot be opened (Is a directory); delete it to "
                       "resume this run"]


def test_resume_names_a_run_whose_run_json_was_deleted_and_takes_the_older_one(tmp_path):
    """run_lock.newest_unfinished: a run folder that still holds its task folders but lost run.json (half deleted by
    hand) cannot be resumed, and is named in one line saying so; it had been passed over unnamed, and RESUME=1 said
    "nothing to resume ... (or none was started)" beside its checkpoints. A run-named folder holding no task folder is
    not make train's, and stays unnamed."""
    older = make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    orphan = tmp_path / "2026-01-02_09-00-00"
    (orphan / "binary" / "keras").mkdir(parents=True)
    (tmp_path / "2026-01-03_09-00-00").mkdir()                          # empty: not make train's, not named
    skipped = []
    assert newest_unfinished(tmp_path, skipped) == older
    assert skipped == [f"skipped {orphan}: {orphan / 'run.json'} is missing (deleted?), so the settings the run "
                       "started with are unknown and it cannot be resumed; delete that run directory, or start a new "
                       "run"]
    (older / "binary").mkdir()
    (older / "run.json").unlink()                                       # nothing left to resume: both named
    with pytest.raises(NothingToResume, match=r"\(skipped .*_09-00-00: .*_09-00-00/run.json is missing .*\(skipped "):
        newest_unfinished(tmp_path)


def test_a_run_killed_outright_still_says_running_and_is_resumed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = make_run(tmp_path, "2026-01-01_09-00-00", "running", pid=int(dead.stdout))
    assert newest_unfinished(tmp_path) == killed
    # nor is "killed" the only way there: a full disk refuses the write of "failed" too (run._record)
    assert describe(killed) == "stopped without recording why: killed, or a full disk"


def test_nothing_to_resume_is_said_plainly(tmp_path, capsys):
    make_run(tmp_path, "2026-01-01_09-00-00", "complete")
    with pytest.raises(NothingToResume, match=f"nothing to resume: every run under {tmp_path} finished"):
        newest_unfinished(tmp_path)
    assert train_module.main(["--resume", "--logdir", str(tmp_path)]) == 1
    assert "error: nothing to resume" in capsys.readouterr().err


@pytest.mark.parametrize("via_make, new_run", [
    (True, "make train LOGDIR={logdir}"),
    (False, ".venv/bin/python -m keras_models.train --logdir {logdir}"),
])
def test_nothing_to_resume_suggests_a_new_run_in_the_same_folder_spelled_as_given(tmp_path, capsys, via_make,
                                                                                  new_run):
    """A plain `make train` would start the new run in logs/, not in the LOGDIR whose runs were all finished."""
    make_run(tmp_path, "2026-01-01_09-00-00", "complete")
    argv = ["--via-make"] * via_make + ["--resume", "--logdir", str(tmp_path)]
    assert train_module.main(argv) == 1
    assert f"Start a new one with `{new_run.format(logdir=tmp_path)}`." in capsys.readouterr().err


def test_run_status_is_replaced_whole_and_a_damaged_one_is_named(tmp_path):
    run_dir = make_run(tmp_path, "2026-01-01_09-00-00", "running")
    (run_dir / "run.json.x1y2.tmp").write_text('{"status": "compl')              # a write cut short
    write_status(run_dir, "interrupted")
    assert read_status(run_dir) | {"pid": 0} == {"status": "interrupted", "tasks": ["binary"], "epochs": 1,
                                                 "max_rows": None, "learning_rate": None, "pid": 0}
    (run_dir / "run.json").write_text('{"status": "compl')
    with pytest.raises(ValueError, match=f"{run_dir / 'run.json'} cannot be read"):
        read_status(run_dir)


def test_a_side_state_takes_back_its_last_epoch_whole_and_refuses_epochs_out_of_order():
    state = SideState()
    for epoch, loss in enumerate([0.5, 0.25]):
        state.record(epoch, {"loss": loss, "val_loss": 2 * loss}, [np.full(2, loss)])
    state.take_back(1)                              # epoch 2's checkpoint could not be written: not kept
    assert (state.epoch, state.history, len(state.weights_after_epoch)) == (0, {"loss": [0.5], "val_loss": [1.0]}, 1)
    with pytest.raises(ValueError, match="epoch 2 recorded after epoch 0: epochs must follow each other"):
        state.record(2, {"loss": 0.125})            # epoch 1 skipped


def test_a_side_state_refuses_to_take_back_an_epoch_that_is_not_its_last():
    state = SideState()
    for epoch in range(2):
        state.record(epoch, {"loss": 1.0 / (epoch + 1)})
    with pytest.raises(ValueError, match="epoch 0 taken back, but the last recorded is epoch 1"):
        state.take_back(0)
    assert (state.epoch, state.history) == (1, {"loss": [1.0, 0.5]})


@pytest.mark.parametrize("side", ["keras", "scratch"])
def test_an_epoch_whose_checkpoint_cannot_be_written_is_taken_back_and_stale_temporaries_are_removed(side, tmp_path):
    """A folder in the checkpoint's place makes the rename fail, as a full disk makes the write fail: the side has not
    kept the epoch, so its state must not say it has (sides.run_task drops the epoch's summaries by it). A temporary
    file that a killed run left beside the checkpoint goes when training begins."""
    import keras

    from keras_models.train.checkpoints import ScratchCheckpoint
    from scratch import Dense, Network

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    path = tmp_path / "checkpoint.npz"
    stale = tmp_path / "checkpoint.npz.0a1b2c3d.tmp"                # a killed write's temporary file
    stale.write_bytes(b"half an .npz")
    path.mkdir()
    state = SideState()
    if side == "keras":
        model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        train = lambda: model.fit(X, y, epochs=2, batch_size=8, verbose=0,          # noqa: E731
                                  callbacks=[KerasCheckpoint(path, state)])
    else:
        net = Network([Dense(3, 1, seed=0, dtype="float32")])
        train = lambda: net.fit(X, y, loss="mse", epochs=2, batch_size=8, verbose=0,  # noqa: E731
                                callbacks=[ScratchCheckpoint(path, state)])
    with pytest.raises(OSError):
        train()
    assert not stale.exists()
    assert (state.epoch, state.weights_after_epoch) == (-1, [])
    assert state.history and all(values == [] for values in state.history.values()), state.history


def test_a_keras_checkpoint_restores_weights_optimizer_state_and_every_epochs_record(tmp_path):
    import keras

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)).astype("float32"), rng.normal(size=(40, 1)).astype("float32")

    def model():
        m = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="tanh"), keras.layers.Dense(1)])
        m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        return m

    trained, state = model(), SideState()
    trained.fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[KerasCheckpoint(tmp_path / "c.npz", state)])
    fresh = model()
    restored = restore_keras(tmp_path / "c.npz", fresh)
    assert restored.epoch == 2 and restored.history == state.history and len(restored.history["loss"]) == 3
    for ours, theirs in zip(fresh.get_weights(), trained.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    for ours, theirs in zip(fresh.optimizer.variables, trained.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))       # step count, m, v
    assert int(np.asarray(fresh.optimizer.iterations)) == 15
    for epoch in range(3):
        for ours, theirs in zip(restored.weights_after_epoch[epoch], state.weights_after_epoch[epoch], strict=True):
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.slow
def test_resume_skips_a_finished_task_and_reports_it_from_its_checkpoints(tmp_path, capsys, finished_run):
    finished = finished_run(["binary"], epochs=2)                 # train(["binary"], epochs=2), shared
    run_dir = finished.copy_into(tmp_path)
    write_status(run_dir, "interrupted")                          # as if Ctrl-C had come after the last save
    assert train_module.main(["--resume", "--logdir", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "binary: finished before the interruption, skipped" in out
    row = next(line for line in out.splitlines() if line.startswith("binary  scratch"))
    loss = finished.histories["binary"]["scratch"]["loss"][-1]           # what train() returned
    assert row.split()[2:4] == ["2", f"{loss:.4f}"] and " - " in row               # not timed this session
    assert status(run_dir) == "complete"


@pytest.mark.slow
@pytest.mark.parametrize("side, key", [("keras", "optimizer_0"), ("scratch", "optimizer/iterations")],
                         ids=["keras", "scratch"])
@pytest.mark.parametrize("steps", [0, 25, 27], ids=["zero", "one-short", "one-over"])
def test_resume_refuses_a_checkpoint_whose_step_count_is_not_its_epochs_steps(side, key, steps, tmp_path, capsys,
                                                                             finished_run):
    """binary, 2 epochs of 13 batches of 32: each side's checkpoint says 26 optimizer steps. Any other count, 0
    included, is never written, and was resumed: on the scratch side as it was; on a Keras side without Dropout
    (multiclass, tried by hand) Adam's bias correction started over, the next epoch's loss was another than the run
    straight through's, and parity/max_weight_gap grew from 4e-7 to 0.15; with Dropout the line blamed the masks
    ("masks_0 is bool (26, 32, 16), expected bool (0, 32, 16) after 0 steps")."""
    finished = finished_run(["binary"], epochs=2)                 # train(["binary"], epochs=2), shared
    run_dir = finished.copy_into(tmp_path)
    write_status(run_dir, "interrupted")
    checkpoint = run_dir / "binary" / side / "checkpoint.npz"
    with np.load(checkpoint) as saved:
        assert int(saved[key]) == 2 * 13, "the run this test starts from is not the one it describes"
    rewrite_npz(checkpoint, **{key.replace("/", "__"): np.array(steps, dtype=np.int64)})
    assert train_module.main(["--resume", "--logdir", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert learner_lines(err) == [f"error: checkpoint {checkpoint}: {key} (a step count) is {steps}, but its 2 "
                                  "finished epochs of 13 steps make 26; it is damaged (delete it to start that side "
                                  "over)"], err


@pytest.mark.slow
def test_a_finished_scratch_side_is_not_trained_again_when_its_keras_checkpoint_was_deleted(tmp_path, capsys,
                                                                                            finished_run):
    # "a deleted checkpoint starts that side over" (README): Keras trains again, the finished scratch side
    # does not -- no writers opened (no header-only event files), not timed ("-"), its weight gap still shown
    finished = finished_run(["binary"], epochs=2)                 # train(["binary"], epochs=2), shared
    run_dir = finished.copy_into(tmp_path)
    write_status(run_dir, "interrupted")
    (run_dir / "binary" / "keras" / "checkpoint.npz").unlink()
    scratch_logs = sorted((run_dir / "binary" / "scratch").glob("*/events.out.tfevents.*"))
    assert train_module.main(["--resume", "--logdir", str(tmp_path), "--quiet"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("binary  scratch"))
    assert row.split()[8:10] == ["-", "-"], row                                  # not timed this session
    assert re.fullmatch(r"\d\.\de-\d\d", row.split()[-1]), row                   # max weight gap
    assert sorted((run_dir / "binary" / "scratch").glob("*/events.out.tfevents.*")) == scratch_logs


@pytest.mark.slow
def test_resume_refuses_a_side_whose_checkpointed_epochs_lost_their_tensorboard_log(tmp_path, capsys, finished_run):
    """A run half deleted by hand: binary's keras/train folder gone, its checkpoint (2 epochs) kept, the scratch
    checkpoint deleted so that the task is not finished. RESUME=1 says so in one line and trains nothing; it had
    resumed without a word, and TensorBoard's keras/train curve lacked the checkpointed epochs."""
    import shutil

    finished = finished_run(["binary"], epochs=2)                 # train(["binary"], epochs=2), shared
    run_dir = finished.copy_into(tmp_path)
    write_status(run_dir, "interrupted")
    (run_dir / "binary" / "scratch" / "checkpoint.npz").unlink()
    shutil.rmtree(run_dir / "binary" / "keras" / "train")
    assert train_module.main(["--resume", "--logdir", str(tmp_path), "--quiet"]) == 1
    keras_dir = run_dir / "binary" / "keras"
    assert capsys.readouterr().err.strip() == (
        f"error: {keras_dir / 'train'} holds no TensorBoard log, yet {keras_dir / 'checkpoint.npz'} holds 2 finished "
        "epochs: resumed, its curve would lack them; delete that checkpoint to train the side over, then resume again")
    assert read_status(run_dir)["status"] == "failed"          # resumable once the checkpoint is deleted, as said


def trained_at_once(task, task_dir, **settings):
    """run.run_task for a task whose both sides trained, in no time and without TensorFlow (no results to show)."""
    return task


def test_a_ctrl_c_as_a_finished_run_prints_its_table_leaves_it_finished_not_interrupted(tmp_path, monkeypatch, capsys,
                                                                                          sigint_raises):
    """Training has ended and run.json says "complete"; the learner presses Ctrl-C as the table appears. make train
    said "Interrupted. ... binary: finished. Resume with: ... --resume" and exited 130, and that resume then found
    nothing to resume (or took up an older unfinished run)."""

    def ctrl_c_as_the_table_is_made(results):
        os.kill(os.getpid(), signal.SIGINT)
        return "task  side  epochs"

    monkeypatch.setattr(train_module, "run_task", trained_at_once)
    monkeypatch.setattr(train_module, "format_summary", ctrl_c_as_the_table_is_made)
    monkeypatch.setattr(train_module, "format_links", lambda results, board: [
        "Open them: make tensorboard, then each task's loss curves (scratch lies on Keras):"])
    code = train_module.main(["--tasks", "binary", "--epochs", "1", "--logdir", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    (run_dir,) = tmp_path.iterdir()
    assert (code, "Interrupted" in out, status(run_dir)) == (0, False, "complete"), out
    assert "each task's loss curves (scratch lies on Keras):" in out


def test_a_ctrl_c_once_run_json_says_complete_is_held_for_the_table_not_reported_as_interrupted(tmp_path, monkeypatch,
                                                                                                capsys, sigint_raises):
    """The moment between run.json's "complete" and the table's held block: a Ctrl-C there became "interrupted" in
    run.json and "Interrupted ... Resume with" on screen, for a run whose every task had finished."""

    def ctrl_c_once_complete(run_dir, status, **plan):
        record = runs.write_status(run_dir, status, **plan)
        if status == "complete":
            os.kill(os.getpid(), signal.SIGINT)
        return record

    monkeypatch.setattr(train_module, "run_task", trained_at_once)
    monkeypatch.setattr(train_module, "write_status", ctrl_c_once_complete)
    monkeypatch.setattr(train_module, "format_summary", lambda results: "task  side  epochs")
    monkeypatch.setattr(train_module, "format_links", lambda results, board: ["Open them: make tensorboard"])
    code = train_module.main(["--tasks", "binary", "--epochs", "1", "--logdir", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    (run_dir,) = tmp_path.iterdir()
    assert (code, "Interrupted" in out, status(run_dir)) == (0, False, "complete"), out
    assert "task  side  epochs" in out and "Open them: make tensorboard" in out


def test_a_ctrl_c_that_stops_the_write_of_complete_says_interrupted_and_exits_130(tmp_path, monkeypatch, capsys,
                                                                                   sigint_raises):
    """A second Ctrl-C (raised at once, wherever the program is) stops the write of "complete" itself: the run is
    recorded as interrupted, and make train must say so. The hold meant for the table swallowed it: exit 0, nothing
    printed, and run.json "interrupted"."""

    def ctrl_c_as_complete_is_written(run_dir, status, **plan):
        if status == "complete":
            raise KeyboardInterrupt
        return runs.write_status(run_dir, status, **plan)

    monkeypatch.setattr(train_module, "run_task", trained_at_once)
    monkeypatch.setattr(train_module, "write_status", ctrl_c_as_complete_is_written)
    monkeypatch.setattr(train_module, "format_summary", lambda results: "task  side  epochs")
    code = train_module.main(["--tasks", "binary", "--epochs", "1", "--logdir", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    (run_dir,) = tmp_path.iterdir()
    assert (code, status(run_dir), "task  side  epochs" in out) == (130, "interrupted", False), out
    assert learner_lines(out)[-1].startswith(f"Interrupted. Kept in {run_dir}"), out
    assert "Resume with:" in learner_lines(out)[-1], out


def test_a_ctrl_c_as_a_new_run_is_made_leaves_nothing_as_make_train_says(tmp_path, monkeypatch, capsys, sigint_raises):
    """start_run had made the run directory, its lock and run.json ("running") when the Ctrl-C came: make train said
    "Interrupted before training started; nothing was written", and RESUME=1 took that run up."""

    def ctrl_c_once_running(run_dir, status, **plan):
        record = runs.write_status(run_dir, status, **plan)
        os.kill(os.getpid(), signal.SIGINT)
        return record

    monkeypatch.setattr(train_module, "run_task", trained_at_once)
    monkeypatch.setattr(train_module, "write_status", ctrl_c_once_running)
    code = train_module.main(["--tasks", "binary", "--epochs", "1", "--logdir", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert (code, learner_lines(out)) == (130, ["Interrupted before training started; nothing was written."]), out
    assert list(tmp_path.iterdir()) == []


def test_a_ctrl_c_before_the_tasks_start_records_the_run_as_interrupted(tmp_path, monkeypatch, capsys, sigint_raises):
    """The new run is made and locked; a Ctrl-C while completed() checks the task table, before its block that
    records how a run ended, left run.json "running", which RESUME=1 described as "stopped without recording why:
    killed, or a full disk"."""

    def ctrl_c_as_the_task_table_is_read(task, command):
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(train_module, "run_task", trained_at_once)
    monkeypatch.setattr(train_module, "checked_settings", ctrl_c_as_the_task_table_is_read)
    code = train_module.main(["--tasks", "binary", "--epochs", "1", "--logdir", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    (run_dir,) = tmp_path.iterdir()
    assert (code, status(run_dir), run_lock.holding(run_dir)) == (130, "interrupted", False), out
    assert learner_lines(out)[-1].startswith(f"Interrupted. Kept in {run_dir}"), out


def test_a_ctrl_c_as_the_resuming_line_is_printed_records_the_run_as_interrupted(tmp_path, monkeypatch, capsys,
                                                                                 sigint_raises):
    """RESUME=1 holds the run it takes up, then prints "resuming ...", then hands it to completed(): a Ctrl-C in
    between is main's to record, or run.json said "running" again (and RESUME=1: "stopped without recording why")."""

    def ctrl_c_as_the_progress_is_read(run_dir):
        os.kill(os.getpid(), signal.SIGINT)

    run_dir = train_module.start_run(tmp_path, ["binary"], epochs=1)
    run_lock.release(run_dir)                                          # as a run that a kill stopped
    monkeypatch.setattr(train_module, "progress", ctrl_c_as_the_progress_is_read)
    code = train_module.main(["--resume", "--logdir", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert (code, status(run_dir), run_lock.holding(run_dir)) == (130, "interrupted", False), out
    assert learner_lines(out)[-1].startswith(f"Interrupted. Kept in {run_dir}"), out


@pytest.mark.parametrize("moment", ["progress", "checked_settings", "_remove_stale_temporaries"])
def test_a_ctrl_c_before_a_resumed_run_trains_keeps_the_reason_it_had_failed(moment, tmp_path, monkeypatch, capsys,
                                                                             sigint_raises):
    """RESUME=1 of a run that had "failed: <reason>", stopped by a Ctrl-C before this try trained anything (as the
    resuming line is printed, the task table read, the run's leftovers removed): "interrupted" was written over
    "failed", and the next RESUME=1 said "resuming ... (interrupted)", the reason gone."""

    def ctrl_c(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)

    run_dir = train_module.start_run(tmp_path, ["binary"], epochs=1)
    runs.write_status(run_dir, "failed", error="[Errno 28] No space left on device")
    run_lock.release(run_dir)
    monkeypatch.setattr(train_module, moment, ctrl_c)
    code = train_module.main(["--resume", "--logdir", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert (code, run_lock.holding(run_dir)) == (130, False), out
    assert describe(run_dir) == "failed: [Errno 28] No space left on device"


def test_the_interrupted_line_stays_one_line_when_logdir_holds_a_line_break(tmp_path, monkeypatch, capsys):
    """Ctrl-C with LOGDIR=$'runs\nold': the folder's line break, in "Kept in ..." and in the resume command, split the
    one line that says how far the run got into three."""

    def ctrl_c_in_training(task, task_dir, **settings):
        raise KeyboardInterrupt

    logdir = tmp_path / "runs\nold"
    monkeypatch.setattr(train_module, "run_task", ctrl_c_in_training)
    code = train_module.main(["--tasks", "binary", "--epochs", "1", "--logdir", str(logdir), "--quiet"])
    lines = learner_lines(capsys.readouterr().out)
    assert code == 130 and len(lines) == 1, lines
    assert lines[0].startswith(f"Interrupted. Kept in {tmp_path}/runs\\nold/"), lines
