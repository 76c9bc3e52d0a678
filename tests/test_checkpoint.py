"""Checkpoints: a resumed run ends with exactly the weights of one that was never interrupted,
a half-written checkpoint is never picked up, and a damaged or foreign one is refused by name."""

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import as_for_a_learner, rewrite_npz

from scratch import Dense, Network, optimizers
from scratch.atomic_write import atomic_path
from scratch.checkpoint import Checkpoint, CheckpointError, load, restore, save
from scratch.optimizers import schedules

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


RESUMABLE = {   # each of Keras' options and schedules at least once, and every kind of slot
    "adam": lambda: optimizers.Adam(0.01),
    "momentum": lambda: optimizers.SGD(0.1, momentum=0.9),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "adam-amsgrad-clipnorm-exponential": lambda: optimizers.Adam(
        schedules.ExponentialDecay(0.01, decay_steps=7, decay_rate=0.5), amsgrad=True, beta_2=0.9, clipnorm=0.5),
    "rmsprop-centered-momentum-decay-inverse-time": lambda: optimizers.RMSprop(
        schedules.InverseTimeDecay(0.01, decay_steps=5, decay_rate=1.0), momentum=0.5, centered=True,
        weight_decay=0.1),
    "adamw-cosine-warmup-clipvalue": lambda: optimizers.AdamW(
        schedules.CosineDecay(0.001, decay_steps=20, alpha=0.1, warmup_target=0.01, warmup_steps=8), clipvalue=0.1),
    "adagrad-piecewise-global-clipnorm": lambda: optimizers.Adagrad(
        schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.05, 0.01]), global_clipnorm=1.0),
}


@pytest.mark.parametrize("make_opt", RESUMABLE.values(), ids=RESUMABLE.keys())
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

    class Slow:                        # slow enough for the parent to kill us between epochs (the first run)
        def on_epoch_end(self, epoch, logs):
            print("epoch", epoch, flush=True)
            if not resume:
                time.sleep(0.3)

    train(net, X, y, opt, callbacks=[Checkpoint(path), Slow()], **kwargs)
    import numpy as np
    np.savez(path + ".final.npz", *net.get_weights())
    print("done", flush=True)
""")


def test_the_generator_comes_back_with_its_buffered_32_bit_half(tmp_path):
    """A generator that drew one 32-bit number keeps the other half of its 64-bit draw (has_uint32,
    uinteger): the restored one has NumPy's own state of the saved one and draws the same numbers next."""
    net, _, _ = problem()
    rng = np.random.default_rng(5)
    rng.integers(0, 10, dtype=np.int32)                                  # half of a 64-bit draw is kept
    assert rng.bit_generator.state["has_uint32"] == 1
    save(tmp_path / "c.npz", net, optimizers.SGD(), rng, epoch=0)
    _, restored = restore(tmp_path / "c.npz", net, optimizers.SGD())
    assert restored.bit_generator.state == rng.bit_generator.state
    assert restored.integers(0, 2**31, size=3, dtype=np.int32).tolist() == \
        rng.integers(0, 2**31, size=3, dtype=np.int32).tolist()


@pytest.mark.slow
def test_kill_9_mid_run_then_resume_gives_the_uninterrupted_weights(tmp_path, python_without_tensorflow):
    # warm processes (conftest.py: forked from a Python that has imported NumPy), which SIGKILL ends as any other
    script = tmp_path / "train_script.py"
    tests = Path(__file__).parent
    script.write_text(TRAIN_SCRIPT.format(tests=str(tests), root=str(tests.parent)))
    path = str(tmp_path / "ckpt.npz")

    with python_without_tensorflow.Popen([sys.executable, str(script), path, "fresh"], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True) as proc:
        for line in proc.stdout:                                        # wait until epoch 2 is saved
            if line.startswith("epoch 2"):
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    assert not Path(path + ".final.npz").exists()
    assert int(load(path)["epoch"]) >= 2

    python_without_tensorflow.run([sys.executable, str(script), path, "resume"], check=True, capture_output=True,
                                  timeout=120)
    resumed = np.load(path + ".final.npz", allow_pickle=False)

    net, X, y = problem()
    train(net, X, y, optimizers.Adam(0.01), seed=5)
    for i, w_ref in enumerate(net.get_weights()):
        np.testing.assert_array_equal(resumed[f"arr_{i}"], w_ref)


def test_a_checkpoint_truncated_mid_write_is_never_picked_up(tmp_path, monkeypatch):
    net, X, y = problem()
    opt = optimizers.Adam(0.01)
    path = tmp_path / "ckpt.npz"
    train(net, X, y, opt, epochs=1, seed=0, callbacks=[Checkpoint(path)])
    good = path.read_bytes()

    class KilledOutright(BaseException):
        """kill -9 half way through the next save: no clean-up runs after it."""

    def killed_mid_write(f, **arrays):
        f.write(good[: len(good) // 2])
        monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)   # atomic_path's clean-up
        raise KilledOutright

    monkeypatch.setattr(np, "savez", killed_mid_write)
    with pytest.raises(KilledOutright):
        save(path, net, opt, np.random.default_rng(0), epoch=1)
    monkeypatch.undo()
    # The writer leaves only a temporary file beside the checkpoint ...
    (left,) = [p for p in tmp_path.iterdir() if p != path]
    assert re.fullmatch(r"ckpt\.npz\.[0-9a-f]{8}\.tmp", left.name) and left.read_bytes() == good[: len(good) // 2]
    # ... and the checkpoint itself is still the last complete one.
    assert path.read_bytes() == good
    assert int(load(path)["epoch"]) == 0


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


def written_both_ways(folder: Path, umask: int = 0o022) -> None:
    """grades.csv written through atomic_path, in_place.csv with open(path, "w"), both under `umask`: what the tests
    below compare, file for file."""
    found = os.umask(umask)
    try:
        with atomic_path(folder / "grades.csv") as tmp:
            tmp.write_text("new\n", encoding="utf-8")
        (folder / "in_place.csv").write_text("new\n", encoding="utf-8")
    finally:
        os.umask(found)


def test_an_atomically_written_file_is_as_readable_as_one_written_in_place(tmp_path):
    """The rename keeps the temporary file's mode: it must be open()'s (0o666 less the umask), not 0o600."""
    written_both_ways(tmp_path)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"grades.csv": 0o644, "in_place.csv": 0o644}


def test_a_file_replaced_atomically_keeps_its_mode_as_one_rewritten_in_place_does(tmp_path):
    """grades.csv shared with a teaching assistant's group (chmod 640), regraded under umask 077, came back 600: the
    new file had the umask's mode, where open(path, "w") on the old one keeps it."""
    for name in ("grades.csv", "in_place.csv"):
        (tmp_path / name).write_text("old\n", encoding="utf-8")
        (tmp_path / name).chmod(0o640)
    written_both_ways(tmp_path, umask=0o077)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"grades.csv": 0o640, "in_place.csv": 0o640}


def test_a_file_replaced_atomically_keeps_its_group_as_one_rewritten_in_place_does(tmp_path):
    """The 640 of a grades.csv shared with a teaching assistant's group gives that group nothing if the new file
    belongs to the writer's own group: open(path, "w") on the old one keeps its group too."""
    shared = next((g for g in ([1] if os.geteuid() == 0 else os.getgroups()) if g != os.getegid()), None)
    if shared is None:
        pytest.skip("this user is in no group but its own: no other group to hand the file to")
    for name in ("grades.csv", "in_place.csv"):
        (tmp_path / name).write_text("old\n", encoding="utf-8")
        os.chown(tmp_path / name, -1, shared)
    written_both_ways(tmp_path)
    groups = {p.name: p.stat().st_gid for p in tmp_path.iterdir()}
    assert groups == {"grades.csv": shared, "in_place.csv": shared}


def test_a_folder_the_temporary_file_cannot_be_made_in_is_named_by_the_file_meant(tmp_path, monkeypatch):
    """make notebooks in a read-only notebooks/exercises/ said "error: <path>/ex01_perceptron_activations.ipynb.
    2abf5568.tmp: Permission denied": a name the learner never saw."""
    as_for_a_learner(monkeypatch, tmp_path, read_only=True)
    with pytest.raises(OSError) as refused_error:
        with atomic_path(tmp_path / "run.json"):
            pytest.fail("it wrote")
    assert (refused_error.value.filename, refused_error.value.strerror) == (str(tmp_path / "run.json"),
                                                                            "Permission denied")


def test_nested_writes_name_the_file_whose_write_failed(tmp_path):
    """Two files written together (grades.csv and its reasons, make bench's reports): the inner one's full disk was
    re-raised by the outer atomic_path under the outer file's name, so the error named a file that was fine."""
    with pytest.raises(OSError) as failed:
        with atomic_path(tmp_path / "outer.csv"), atomic_path(tmp_path / "inner.csv"):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert (failed.value.filename, failed.value.errno) == (str(tmp_path / "inner.csv"), errno.ENOSPC)
    assert list(tmp_path.iterdir()) == []


def test_no_free_temporary_name_keeps_its_own_message(tmp_path, monkeypatch):
    """Every temporary name taken (one name, drawn 100 times here) is a FileExistsError with a message and no errno:
    re-raised as OSError(errno, strerror, path) it read "[Errno None] None: '<path>'"."""
    import secrets

    monkeypatch.setattr(secrets, "token_hex", lambda n: "0" * 2 * n)
    (tmp_path / "run.json.00000000.tmp").write_text("")
    with pytest.raises(FileExistsError, match=f"^no free temporary name beside {re.escape(str(tmp_path))}/run.json"):
        with atomic_path(tmp_path / "run.json"):
            pytest.fail("it wrote")


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


def test_a_shuffling_generator_that_is_not_pcg64_is_refused_before_the_first_epoch_trains(tmp_path):
    """rng_state holds PCG64's four numbers: another bit generator's state could not be put back on resuming."""
    net, mt19937 = Network([Dense(3, 1, seed=0)]), np.random.Generator(np.random.MT19937(0))
    before = net.get_weights()
    with pytest.raises(TypeError, match=r"^checkpoints store PCG64 generators, got MT19937: use "
                                        r"np.random.default_rng\(seed\) \(fit's seed=<int> makes one\)$"):
        net.fit(np.ones((4, 3)), np.ones((4, 1)), loss="mse", verbose=0, seed=mt19937,
                callbacks=[Checkpoint(tmp_path / "c.npz")])
    assert not (tmp_path / "c.npz").exists()
    assert all(np.array_equal(w, w0) for w, w0 in zip(net.get_weights(), before, strict=True))   # nothing trained
    with pytest.raises(TypeError, match=r"^checkpoints store PCG64 generators, got NoneType: use "):
        save(tmp_path / "c.npz", net, optimizers.SGD(), None, 0)                 # save called by hand


def test_a_folder_in_the_checkpoints_place_is_named_as_not_a_file_not_as_missing(tmp_path):
    (tmp_path / "ckpt.npz").mkdir()
    with pytest.raises(CheckpointError, match=r"checkpoint .*ckpt.npz is not a file \(a folder\?\).*delete it"):
        load(tmp_path / "ckpt.npz")


# ---- restore is all or nothing: any damage is refused by file and key, and nothing changes -------------------


def saved(tmp_path, optimizer, name="ckpt.npz"):
    """A checkpoint after 2 epochs of `optimizer` on the problem, as Checkpoint writes it."""
    net, X, y = problem()
    path = tmp_path / name
    train(net, X, y, optimizer, epochs=2, seed=0, callbacks=[Checkpoint(path)])
    return path


def with_nan(a):
    a = a.copy()
    a.flat[3] = np.nan
    return a


DAMAGE = {
    "nan-weight": ({"weight_2": with_nan}, "weight_2 holds 1 NaN or inf values; it is damaged"),
    "missing-weight": ({"weight_1": None}, r"its weight_<i> keys are not numbered 0 to 2"),
    "wrong-dtype": ({"weight_0": lambda a: a.astype("float32")}, r"weight_0 is float32 of shape \(4, 8\), but the "
                                                                 r"network is float64"),
    "wrong-shape": ({"weight_0": np.zeros((4, 9))}, "holds weights of shapes .* different architecture"),
    "garbage-rng": ({"rng_state": np.array(["x", "y", "z", "w"])}, "rng_state is not a PCG64 generator state"),
    "rng-out-of-range": ({"rng_state": np.array(["-1", "3", "0", "0"])}, "rng_state is not a PCG64 generator state"),
    "format-99": ({"format_version": 99}, "format_version is 99, this code reads version 1 only"),
    "negative-epoch": ({"epoch": -7}, r"epoch must be an integer >= 0 \(the last finished epoch\), got -7"),
    "missing-epoch": ({"epoch": None}, r"lacks \['epoch'\]"),
    "nan-slot": ({"optimizer__momentum_0": with_nan}, r"optimizer/momentum_0 \(float64, shape \(4, 8\)\) must hold "
                                                      r"finite float64 numbers"),
    "slot-shape": ({"optimizer__velocity_1": np.zeros(3)}, r"optimizer/velocity_1 .* of shape \(8,\); it is damaged"),
    "negative-steps": ({"optimizer__iterations": np.array(-1)}, r"does not fit Adam \(state\['iterations'\] must be "
                                                                r"an integer >= 0"),
    "float-steps": ({"optimizer__iterations": np.array(10.0)}, r"does not fit Adam \(state\['iterations'\] must be "
                                                               r"an integer >= 0, got array\(10\.\)\)"),
    # Adam's slots after 10 steps with a step count of 0: resumed, the next step would be t = 1, whose bias
    # correction divides the momentum by 1 - 0.9 = 0.1 -- a step ten times too long -- and a schedule would restart
    "zero-steps-after-steps": ({"optimizer__iterations": np.array(0)}, r": optimizer/iterations is 0, but "
                               r"optimizer/momentum_0 is not where Adam starts: steps were taken; it is damaged"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_checkpoint_is_refused_by_file_and_key_and_changes_nothing(case, tmp_path):
    changes, message = DAMAGE[case]
    path = saved(tmp_path, optimizers.Adam(0.01))
    rewrite_npz(path, **changes)
    assert_refused_and_untouched(path, optimizers.Adam(0.01), f"checkpoint {path}.*{message}")


def assert_refused_and_untouched(path, opt, message: str) -> None:
    """restore(path) into a trained network and `opt` raises CheckpointError(message) and changes neither."""
    net, X, y = problem(seed=1)
    train(net, X, y, opt, epochs=1, seed=3)                              # a network and optimizer with a state
    weights, state = net.get_weights(), opt.get_state()
    with pytest.raises(CheckpointError, match=message):
        restore(path, net, opt)
    for w, w_before in zip(net.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(w, w_before)
    assert opt.get_state().keys() == state.keys()
    for key, value in opt.get_state().items():
        np.testing.assert_array_equal(value, state[key], err_msg=key)


def test_no_steps_with_slots_where_the_optimizer_starts_them_is_restored(tmp_path):
    """The slots one step makes before it fails (a gradient too large to square), then saved by hand: 0 steps,
    Adagrad's accumulators at initial_accumulator_value (not 0): a state no step changed, so not refused."""
    path = saved(tmp_path, optimizers.Adagrad(0.01, initial_accumulator_value=0.25))
    rewrite_npz(path, optimizer__iterations=np.array(0), optimizer__accumulator_0=lambda a: np.full_like(a, 0.25),
                optimizer__accumulator_1=lambda a: np.full_like(a, 0.25),
                optimizer__accumulator_2=lambda a: np.full_like(a, 0.25),
                optimizer__accumulator_3=lambda a: np.full_like(a, 0.25))
    net, _, _ = problem()
    opt = optimizers.Adagrad(0.01, initial_accumulator_value=0.25)
    assert restore(path, net, opt)[0] == 1
    assert opt.iterations == 0


@pytest.mark.parametrize("saved_with, restored_into, message", [
    (lambda: optimizers.SGD(0.1), lambda: optimizers.Adam(0.01), "optimizer_class is SGD, not Adam: it holds the "
                                                                  "state of another optimizer; resume with SGD"),
    (lambda: optimizers.Adam(0.01), lambda: optimizers.RMSprop(0.01), "optimizer_class is Adam, not RMSprop"),
], ids=["sgd-into-adam", "adam-into-rmsprop"])
def test_another_optimizers_checkpoint_is_refused_by_name_and_changes_nothing(saved_with, restored_into, message,
                                                                              tmp_path):
    path = saved(tmp_path, saved_with())
    assert_refused_and_untouched(path, restored_into(), f"checkpoint {path}: {message}")


@pytest.mark.parametrize("saved_with, restored_into, message", [
    (lambda: optimizers.SGD(0.1), lambda: optimizers.Adam(0.01),
     "optimizer/ holds no momentum or velocity arrays after 10 steps, which Adam keeps: it holds the state of "
     "another optimizer"),
    (lambda: optimizers.Adam(0.01), lambda: optimizers.RMSprop(0.01),
     r"optimizer/momentum_0 is not part of RMSprop's state \(its slots are \['velocity'\]\)"),
], ids=["sgd-into-adam", "adam-into-rmsprop"])
def test_an_older_checkpoint_without_the_class_name_is_told_apart_by_its_arrays(saved_with, restored_into, message,
                                                                                 tmp_path):
    path = saved(tmp_path, saved_with())
    rewrite_npz(path, optimizer_class=None, optimizer_config=None)      # as checkpoints were before they were stored
    net, _, _ = problem()
    with pytest.raises(CheckpointError, match=f"checkpoint {path}: {message}"):
        restore(path, net, restored_into())


@pytest.mark.parametrize("saved_with, restored_into, message", [
    (lambda: optimizers.Adam(0.01, amsgrad=True), lambda: optimizers.Adam(0.01),
     "optimizer_config has amsgrad=True, but this Adam has amsgrad=False: it was saved with other options"),
    (lambda: optimizers.SGD(0.1, momentum=0.9, weight_decay=0.01), lambda: optimizers.SGD(0.1, momentum=0.9),
     "optimizer_config has weight_decay=0.01, but this SGD has weight_decay=None"),
    (lambda: optimizers.RMSprop(0.01, clipnorm=1.0), lambda: optimizers.RMSprop(0.01, global_clipnorm=1.0),
     "optimizer_config has clipnorm=1.0, but this RMSprop has clipnorm=None"),
    (lambda: optimizers.Adam(schedules.ExponentialDecay(0.01, 10, 0.5)), lambda: optimizers.Adam(0.01),
     r"optimizer_config has learning_rate=\{'class_name': 'ExponentialDecay', .*\}, but this Adam has "
     r"learning_rate=0.01"),
    (lambda: optimizers.AdamW(0.01), lambda: optimizers.AdamW(0.01, weight_decay=0.1),
     "optimizer_config has weight_decay=0.004, but this AdamW has weight_decay=0.1"),
], ids=["amsgrad", "weight-decay", "clip-option", "schedule-into-a-float", "adamw-decay"])
def test_a_restore_into_the_same_optimizer_with_other_options_is_refused(saved_with, restored_into, message,
                                                                         tmp_path):
    path = saved(tmp_path, saved_with())
    net, _, _ = problem(seed=1)
    weights = net.get_weights()
    with pytest.raises(CheckpointError, match=f"checkpoint {path}: {message}"):
        restore(path, net, restored_into())
    for w, w_before in zip(net.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(w, w_before)


def test_a_float_learning_rate_may_change_on_resuming(tmp_path):
    path = saved(tmp_path, optimizers.Adam(0.01))
    net, _, _ = problem()
    opt = optimizers.Adam(0.001)
    restore(path, net, opt)
    assert opt.iterations == 10 and opt.learning_rate == 0.001


def test_a_damaged_optimizer_config_is_refused(tmp_path):
    path = saved(tmp_path, optimizers.Adam(0.01))
    rewrite_npz(path, optimizer_config=np.array("{not json"))
    with pytest.raises(CheckpointError, match=f"checkpoint {path}: optimizer_config is not the JSON text of a dict"):
        restore(path, problem()[0], optimizers.Adam(0.01))


def test_training_into_a_checkpoint_removes_only_the_temporaries_its_writer_left(tmp_path):
    path = saved(tmp_path, optimizers.Adam(0.01))
    stale = tmp_path / "ckpt.npz.k1ll3d9x.tmp"                          # tempfile's pattern: 8 characters
    kept = [tmp_path / "ckpt.npz.k1ll3d.tmp", tmp_path / "other.npz.k1ll3d9x.tmp", tmp_path / "notes.tmp"]
    for p in [stale, *kept]:
        p.write_bytes(b"half a checkpoint")
    net, X, y = problem()
    train(net, X, y, optimizers.Adam(0.01), epochs=1, callbacks=[Checkpoint(path)])
    assert not stale.exists()
    assert all(p.exists() for p in kept)
