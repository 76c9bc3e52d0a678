"""make train, interrupted: nothing lost, nothing logged twice, and the uninterrupted weights at the end.

`.venv/bin/python -m keras_models.train --tasks binary --epochs 6` runs in a subprocess three ways: straight
through; killed with SIGKILL while Keras trains; stopped with Ctrl-C (SIGINT) while the scratch
network trains -- each interrupted run then continued with --resume. A small harness pauses the run
right after one epoch's TensorBoard summaries are written and before its checkpoint is saved: the
worst moment, since that epoch is on disk in the logs but must be trained again.
The final weights are read from the checkpoints the runs leave in their run directories.
"""

import collections
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2

from keras_models.train import run as train_module
from keras_models.train.board import forget_epochs_after, max_relative_gap
from keras_models.train.checkpoints import KerasCheckpoint, SideState, restore_keras
from keras_models.train.runs import NothingToResume, newest_unfinished, read_status, write_status

EPOCHS = 6
STEPS_PER_EPOCH = 13                   # 398 training rows in batches of 32
KERAS_TOLERANCE = 1e-6                 # relative; observed: 0 (bit for bit, op determinism is on)
ROOT = Path(__file__).resolve().parents[1]

HARNESS = textwrap.dedent("""
    import runpy, sys, time
    from keras_models.train import board
    side, pause_epoch = sys.argv[1], int(sys.argv[2])
    writer = board.TimedTensorBoard if side == "keras" else board.ScratchBoard
    original = writer.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)                      # the epoch's summaries are written and flushed ...
        if epoch == pause_epoch:                         # ... and its checkpoint is not saved yet
            print("PAUSED", flush=True)
            time.sleep(120)

    writer.on_epoch_end = on_epoch_end
    sys.argv = ["keras_models.train", *sys.argv[3:]]
    runpy.run_module("keras_models.train", run_name="__main__")
""")


def start(tmp_path, logdir, *args, pause=("none", -1)):
    script = tmp_path / "harness.py"
    script.write_text(HARNESS)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(script), pause[0], str(pause[1]), "--logdir", str(logdir), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_to_the_end(tmp_path, logdir, *args):
    process = start(tmp_path, logdir, *args)
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
def uninterrupted(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("uninterrupted")
    run_to_the_end(tmp_path, tmp_path / "logs", "--tasks", "binary", "--epochs", str(EPOCHS), "--quiet")
    (run_dir,) = (tmp_path / "logs").iterdir()
    assert status(run_dir) == "complete"
    return run_dir


@pytest.mark.slow
def test_kill_9_while_keras_trains_then_resume_gives_the_uninterrupted_weights_and_logs(uninterrupted, tmp_path):
    logdir = tmp_path / "logs"
    process = start(tmp_path, logdir, "--tasks", "binary", "--epochs", str(EPOCHS), pause=("keras", 2))
    _, err = interrupt_at_pause(process, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL, err
    (run_dir,) = logdir.iterdir()
    assert status(run_dir) == "running"                                  # killed: it could not say otherwise
    assert final_weights(run_dir, "keras")[1] == 1                       # epochs 0 and 1 saved ...
    assert logged_steps(run_dir / "binary" / "keras")["train", "epoch_loss"] == [0, 1, 2]   # ... 2 only logged
    assert not (run_dir / "binary" / "scratch").exists()

    out = run_to_the_end(tmp_path, logdir, "--resume")
    assert f"resuming: keras 2/{EPOCHS} epochs done, scratch 0/{EPOCHS}" in out
    assert status(run_dir) == "complete"
    assert_same_weights_as(run_dir, uninterrupted)
    assert_every_epoch_logged_once(run_dir)


@pytest.mark.slow
def test_ctrl_c_while_scratch_trains_says_what_was_kept_and_resume_finishes_the_run(uninterrupted, tmp_path):
    logdir = tmp_path / "logs"
    process = start(tmp_path, logdir, "--tasks", "binary", "--epochs", str(EPOCHS), pause=("scratch", 3))
    out, err = interrupt_at_pause(process, signal.SIGINT)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    (run_dir,) = logdir.iterdir()
    assert f"Interrupted. Kept in {run_dir}" in out
    assert f"binary      keras {EPOCHS}/{EPOCHS} epochs, scratch 3/{EPOCHS} epochs" in out
    assert "Resume with: make train RESUME=1" in out and f"--resume --logdir {logdir}" in out
    assert status(run_dir) == "interrupted"
    # flushed and closed: every summary written before Ctrl-C is on disk
    assert logged_steps(run_dir / "binary" / "scratch")["train", "epoch_loss"] == [0, 1, 2, 3]
    assert logged_steps(run_dir / "binary" / "keras")["train", "epoch_loss"] == list(range(EPOCHS))

    # a checkpoint write cut short leaves only a temporary file, which the resumed run must ignore
    checkpoint = run_dir / "binary" / "scratch" / "checkpoint.npz"
    (checkpoint.parent / "checkpoint.npz.k1ll3d.tmp").write_bytes(checkpoint.read_bytes()[:500])

    out = run_to_the_end(tmp_path, logdir, "--resume")
    assert f"resuming {run_dir}" in out and f"keras {EPOCHS}/{EPOCHS} epochs done, scratch 3/{EPOCHS}" in out
    assert status(run_dir) == "complete"
    assert_same_weights_as(run_dir, uninterrupted)
    assert_every_epoch_logged_once(run_dir)
    parity = logged_steps(run_dir / "binary" / "scratch")["train", "parity/max_weight_gap"]
    assert parity == list(range(EPOCHS))                # the Keras weights of every epoch came from its checkpoint


# ---- the pieces, one at a time (no subprocess) ----------------------------------------------------------------


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


def make_run(logdir, name, status_, **fields):
    run_dir = logdir / name
    run_dir.mkdir(parents=True)
    write_status(run_dir, status_, tasks=["binary"], epochs=1, max_rows=None, learning_rate=None)
    if fields:
        record = json.loads((run_dir / "run.json").read_text()) | fields
        (run_dir / "run.json").write_text(json.dumps(record))
    return run_dir


def test_resume_picks_the_newest_run_that_is_not_complete(tmp_path):
    make_run(tmp_path, "2026-01-01_09-00-00", "interrupted")
    wanted = make_run(tmp_path, "2026-01-02_09-00-00_10", "failed")
    make_run(tmp_path, "2026-01-02_09-00-00_2", "interrupted")                # _10 came after _2
    make_run(tmp_path, "2026-01-03_09-00-00", "complete")
    make_run(tmp_path, "2026-01-04_09-00-00", "running", pid=os.getppid())    # its process is alive: leave it
    (tmp_path / "2026-01-05_09-00-00").mkdir()                                # no run.json: not make train's
    (tmp_path / "lessons").mkdir()
    assert newest_unfinished(tmp_path) == wanted


def test_a_run_killed_outright_still_says_running_and_is_resumed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = make_run(tmp_path, "2026-01-01_09-00-00", "running", pid=int(dead.stdout))
    assert newest_unfinished(tmp_path) == killed


def test_nothing_to_resume_is_said_plainly(tmp_path, capsys):
    make_run(tmp_path, "2026-01-01_09-00-00", "complete")
    with pytest.raises(NothingToResume, match=f"nothing to resume: every run under {tmp_path} finished"):
        newest_unfinished(tmp_path)
    assert train_module.main(["--resume", "--logdir", str(tmp_path)]) == 1
    assert "error: nothing to resume" in capsys.readouterr().err


def test_run_status_is_replaced_whole_and_a_damaged_one_is_named(tmp_path):
    run_dir = make_run(tmp_path, "2026-01-01_09-00-00", "running")
    (run_dir / "run.json.x1y2.tmp").write_text('{"status": "compl')              # a write cut short
    write_status(run_dir, "interrupted")
    assert read_status(run_dir) | {"pid": 0} == {"status": "interrupted", "tasks": ["binary"], "epochs": 1,
                                                 "max_rows": None, "learning_rate": None, "pid": 0}
    (run_dir / "run.json").write_text('{"status": "compl')
    with pytest.raises(ValueError, match=f"{run_dir / 'run.json'} cannot be read"):
        read_status(run_dir)


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
def test_resume_skips_a_finished_task_and_reports_it_from_its_checkpoints(tmp_path, capsys):
    run_dir, results = train_module.train(["binary"], epochs=2, logdir=tmp_path, quiet=True)
    write_status(run_dir, "interrupted")                          # as if Ctrl-C had come after the last save
    assert train_module.main(["--resume", "--logdir", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "binary: finished before the interruption, skipped" in out
    row = next(line for line in out.splitlines() if line.startswith("binary  scratch"))
    loss = results[0].sides["scratch"].history["loss"][-1]
    assert row.split()[2:4] == ["2", f"{loss:.4f}"] and " - " in row               # not timed this session
    assert status(run_dir) == "complete"
