"""Checkpoints: a resumed run ends with exactly the weights of one that was never interrupted,
a half-written checkpoint is never picked up, and a damaged or foreign one is refused by name."""

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from scratch import Dense, Network, optimizers
from scratch.checkpoint import Checkpoint, CheckpointError, load, restore, save

EPOCHS = 6


def problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(70, 4))
    y = (X[:, :1] * X[:, 1:2] > 0).astype(float)                       # (70, 1)
    net = Network([Dense(4, 8, "tanh", seed=1), Dense(8, 1, "sigmoid", seed=2)])
    return net, X, y


def train(net, X, y, optimizer, epochs=EPOCHS, **kwargs):
    return net.fit(X, y, loss="binary_crossentropy", optimizer=optimizer, epochs=epochs, batch_size=16,
                   shuffle=True, verbose=0, **kwargs)


class StopAfter:
    """Ends training after a given epoch, the way a crash would (but politely)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs):
        if epoch == self.epoch:
            self.model.stop_training = True


@pytest.mark.parametrize("make_opt", [lambda: optimizers.Adam(0.01), lambda: optimizers.SGD(0.1, momentum=0.9),
                                      lambda: optimizers.RMSprop(0.01)], ids=["adam", "momentum", "rmsprop"])
def test_resumed_training_equals_uninterrupted_training_bit_for_bit(make_opt, tmp_path):
    net, X, y = problem()
    train(net, X, y, make_opt(), seed=5)
    uninterrupted = net.get_weights()

    path = tmp_path / "ckpt.npz"
    net, X, y = problem()
    train(net, X, y, make_opt(), seed=5, callbacks=[Checkpoint(path), StopAfter(2)])
    net, X, y = problem()                                               # a fresh process would start here
    opt = make_opt()
    last_epoch, rng = restore(path, net, opt)
    assert last_epoch == 2
    train(net, X, y, opt, seed=rng, initial_epoch=last_epoch + 1, callbacks=[Checkpoint(path)])
    for w, w_ref in zip(net.get_weights(), uninterrupted, strict=True):
        np.testing.assert_array_equal(w, w_ref)


TRAIN_SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path[:0] = [{tests!r}, {root!r}]
    from test_checkpoint import problem, train, EPOCHS
    from scratch import optimizers
    from scratch.checkpoint import Checkpoint, restore
    path, resume = sys.argv[1], sys.argv[2] == "resume"
    net, X, y = problem()
    opt = optimizers.Adam(0.01)
    kwargs = dict(seed=5)
    if resume:
        last, rng = restore(path, net, opt)
        kwargs = dict(seed=rng, initial_epoch=last + 1)

    class Slow:                        # slow enough for the parent to kill us between epochs
        def on_epoch_end(self, epoch, logs):
            print("epoch", epoch, flush=True)
            time.sleep(0.3)

    train(net, X, y, opt, callbacks=[Checkpoint(path), Slow()], **kwargs)
    import numpy as np
    np.savez(path + ".final.npz", *net.get_weights())
    print("done", flush=True)
""")


@pytest.mark.slow
def test_kill_9_mid_run_then_resume_gives_the_uninterrupted_weights(tmp_path):
    script = tmp_path / "train_script.py"
    tests = Path(__file__).parent
    script.write_text(TRAIN_SCRIPT.format(tests=str(tests), root=str(tests.parent)))
    path = str(tmp_path / "ckpt.npz")

    with subprocess.Popen([sys.executable, str(script), path, "fresh"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        for line in proc.stdout:                                        # wait until epoch 2 is saved
            if line.startswith("epoch 2"):
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    assert not Path(path + ".final.npz").exists()
    assert int(load(path)["epoch"]) >= 2

    subprocess.run([sys.executable, str(script), path, "resume"], check=True, capture_output=True, timeout=120)
    resumed = np.load(path + ".final.npz", allow_pickle=False)

    net, X, y = problem()
    train(net, X, y, optimizers.Adam(0.01), seed=5)
    for i, w_ref in enumerate(net.get_weights()):
        np.testing.assert_array_equal(resumed[f"arr_{i}"], w_ref)


def test_a_checkpoint_truncated_mid_write_is_never_picked_up(tmp_path):
    net, X, y = problem()
    opt = optimizers.Adam(0.01)
    path = tmp_path / "ckpt.npz"
    train(net, X, y, opt, epochs=1, seed=0, callbacks=[Checkpoint(path)])
    good = path.read_bytes()
    # A writer killed mid-write leaves only a temporary file beside the checkpoint ...
    (tmp_path / "ckpt.npz.abc123.tmp").write_bytes(good[: len(good) // 2])
    # ... and the checkpoint itself is still the last complete one.
    assert path.read_bytes() == good
    assert int(load(path)["epoch"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz", "ckpt.npz.abc123.tmp"]


def test_save_replaces_the_file_atomically(tmp_path, monkeypatch):
    """If writing fails half way, the old checkpoint survives untouched and no temporary file remains."""
    net, X, y = problem()
    opt = optimizers.Adam(0.01)
    path = tmp_path / "ckpt.npz"
    train(net, X, y, opt, epochs=1, seed=0, callbacks=[Checkpoint(path)])
    before = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save(path, net, opt, np.random.default_rng(0), epoch=1)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]


@pytest.mark.parametrize("content, message", [
    (b"", "is damaged or not a checkpoint"),
    (b"PK\x03\x04 truncated zip", "is damaged or not a checkpoint"),
    (b"\x80\x04\x95 a pickle, never unpickled", "is damaged or not a checkpoint"),
])
def test_a_corrupt_checkpoint_is_refused_with_its_name(content, message, tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=f"{path.name}.*{message}"):
        restore(path, *problem()[:1], optimizers.Adam())


def test_an_object_array_is_refused_because_pickle_is_off(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, format_version=np.array(1), epoch=np.array(0), rng_state=np.array([object()], dtype=object))
    with pytest.raises(CheckpointError, match="damaged or not a checkpoint"):
        load(path)


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    net, X, y = problem()
    path = tmp_path / "ckpt.npz"
    train(net, X, y, optimizers.Adam(0.01), epochs=1, callbacks=[Checkpoint(path)])
    other = Network([Dense(4, 16, "tanh"), Dense(16, 1, "sigmoid")])
    with pytest.raises(CheckpointError, match=r"different architecture"):
        restore(path, other, optimizers.Adam(0.01))


def test_a_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at .*nothing.npz"):
        load(tmp_path / "nothing.npz")
