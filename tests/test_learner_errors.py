"""A learner's mistakes, each answered with a message that names the problem and says what to do.

`make train` runs `.venv/bin/python -m keras_models.train`; its mistakes are tested through that entry point
(in a subprocess, or through `main`), the library's through the function a learner would call. The
subprocesses are warm (conftest.py): forked from a Python that has already imported NumPy and pandas --
and TensorFlow only where the command needs it, so that "answered before TensorFlow loads" still means it.
Mistakes covered elsewhere: a missing or altered data file at the loader (tests/test_data.py), a
damaged, foreign or half-written scratch checkpoint (tests/test_checkpoint.py), a `.keras` file
that is not one (tests/test_keras_models.py), bad X, y and labels at the network
(tests/test_bad_input.py, tests/test_losses.py), bad fit arguments and the scratch watchdog
(tests/test_training_parity.py).
"""

import ast
import errno
import hashlib
import importlib
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import (
    as_for_a_learner,
    dev_full,
    learner_lines,
    output_full,
    read_run,
    rewrite_npz,
    started_into,
    stop_handlers_put_back,
)

import data.checksums
from data import TaskTableError
from keras_models.train import options, sides
from keras_models.train import run as train_module
from keras_models.train.checkpoints import KerasCheckpoint, SideState, restore_keras
from keras_models.train.options import check_writable
from keras_models.train.runs import describe, write_status
from keras_models.train.watchdog import KerasWatchdog
from keras_models.twins.closed_output import prepare_output_streams
from keras_models.twins.one_line_parser import OneLineParser
from scratch import Dense, Network
from scratch.checkpoint import CheckpointError
from scratch.divergence import TrainingDiverged
from scratch.optimizers import SGD

ROOT = Path(__file__).resolve().parents[1]
VALID = "valid tasks: regression, binary, multiclass, multilabel"
# `.venv/bin/python -m keras_models.train` in a Python where `import tensorflow` fails
WITHOUT_TENSORFLOW = ("import runpy, sys; sys.modules['tensorflow'] = None; sys.argv[0] = 'keras_models.train'; "
                      "runpy.run_module('keras_models.train', run_name='__main__')")
NO_TENSORFLOW = "TensorFlow is not installed in this Python"


def train_without_tensorflow(python, *argv: str) -> subprocess.CompletedProcess:
    return python.run([sys.executable, "-c", WITHOUT_TENSORFLOW, *argv], cwd=ROOT, capture_output=True, text=True,
                      timeout=60)


def test_without_tensorflow_the_entry_point_says_how_to_set_up(tmp_path, python_without_tensorflow):
    done = train_without_tensorflow(python_without_tensorflow, "--tasks", "binary", "--logdir", str(tmp_path))
    assert done.returncode == 1
    assert (f"{NO_TENSORFLOW} ({sys.executable}): run `make setup` (or `make train`, which sets up .venv)"
            in done.stderr)
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []                       # no run directory was started


def test_a_resume_with_nothing_to_resume_is_answered_before_tensorflow_loads(tmp_path, python_without_tensorflow):
    """__main__ asks run_lock before TensorFlow's import (about 5 s): with TensorFlow not even importable, an empty
    RESUME=1 still gets its own line, not the line about a missing TensorFlow."""
    done = train_without_tensorflow(python_without_tensorflow, "--resume", "--logdir", str(tmp_path))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"error: nothing to resume: every run under {tmp_path} finished"), done.stderr
    assert NO_TENSORFLOW not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("argv, code, message", [
    (["--tasks", "regresion"], 2, f"unknown task(s) 'regresion'; {VALID}"),
    (["--tasks", "binary,images"], 2, f"unknown task(s) 'images'; {VALID}"),
    (["--tsks", "binary"], 2, "unrecognized arguments: --tsks binary"),
    (["--epochs", "0"], 2, "--epochs must be a whole number >= 1, got '0'"),
    (["--epochs", "99999999999999999999999"], 2, "--epochs must be at most 10000, got '99999999999999999999999'"),
    (["--learning-rate", "0"], 2, "--learning-rate must be a positive number such as 0.001, got '0'"),
    (["--learning-rate", "inf"], 2, "--learning-rate must be a positive number such as 0.001, got 'inf'"),
    (["--learning-rate", "1e39"], 2, "--learning-rate must be a number that float32, in which both sides train, "
                                     "holds: from 1.4e-45 to 3.4e+38, got '1e39'"),
    (["--learning-rate", "1e-50"], 2, "--learning-rate must be a number that float32, in which both sides train, "
                                      "holds: from 1.4e-45 to 3.4e+38, got '1e-50'"),
    (["--logdir", "{file}"], 2, "log directory {file} is a file, not a directory; choose another with --logdir"),
    (["--logdir", "{file}/logs"], 2, "log directory {file}/logs cannot be created: {file} is a file, not a directory"),
    (["--resume", "--tasks", "binary"], 2, "--resume continues a run with the settings it started with; leave out "
                                           "--tasks"),
    (["--resume", "--logdir", "{empty}"], 1, "nothing to resume: every run under {empty} finished or diverged, or "
                                             "another make train is writing it (or none was started). Start a new "
                                             "one with `.venv/bin/python -m keras_models.train --logdir {empty}`."),
    (["--tasks", "binary,multiclass,binary"], 2, "task(s) 'binary' given more than once in --tasks; list each task "
                                                 "once"),
    (["--logdir", "~/runs"], 2, f"--logdir ~/runs starts with ~, which the shell did not expand (it names a "
                                f"folder called ~ here); write the full path, e.g. .venv/bin/python -m "
                                f"keras_models.train --logdir {Path.home() / 'runs'}"),
], ids=["task", "second-task", "flag", "epochs", "too-many-epochs", "zero-rate", "infinite-rate",
        "rate-beyond-float32", "rate-rounding-to-0-in-float32", "logdir-is-file", "logdir-under-file",
        "resume-with-tasks", "nothing-to-resume", "repeated-task", "unexpanded-tilde"])
def test_command_line_mistakes_are_answered_before_tensorflow_loads(argv, code, message, tmp_path,
                                                                    python_without_tensorflow):
    places = {"file": tmp_path / "notes.txt", "empty": tmp_path / "empty"}
    places["file"].write_text("not a directory")
    places["empty"].mkdir()
    done = train_without_tensorflow(python_without_tensorflow, *(arg.format(**places) for arg in argv))
    assert done.returncode == code, done.stderr
    assert message.format(**places) in done.stderr
    assert NO_TENSORFLOW not in done.stderr                     # answered before `import tensorflow`
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr          # one line, no usage, no traceback
    assert list(places["empty"].iterdir()) == []
    assert not (ROOT / "~").exists()


@pytest.mark.parametrize("argv, message", [
    (["--epochs", "two"], "error: EPOCHS must be a whole number >= 1, got 'two'"),
    (["--learning-rate", "fast"], "error: LR must be a positive number such as 0.001, got 'fast'"),
    (["--logdir", "{file}"], "error: log directory {file} is a file, not a directory; choose another with LOGDIR=DIR"),
    (["--resume", "--epochs", "3"], "error: RESUME=1 continues a run with the settings it started with; leave out "
                                    "EPOCHS"),
    (["--tasks", "binary,binary"], "error: task(s) 'binary' given more than once in TASKS; list each task once"),
    (["--logdir", "~/runs"], f"error: LOGDIR=~/runs starts with ~, which the shell did not expand (it names a "
                             f"folder called ~ here); write the full path, e.g. make train "
                             f"LOGDIR={Path.home() / 'runs'}"),
], ids=["epochs", "rate", "logdir", "resume-with-epochs", "repeated-task", "unexpanded-tilde"])
def test_under_make_the_messages_name_the_make_variables(argv, message, tmp_path, python_without_tensorflow):
    file = tmp_path / "notes.txt"
    file.write_text("not a directory")
    done = train_without_tensorflow(python_without_tensorflow, "--via-make", *(arg.format(file=file) for arg in argv))
    assert done.returncode == 2
    assert done.stderr.strip() == message.format(file=file)


def test_a_help_hint_that_make_would_take_for_itself_is_refused_when_the_parser_is_built():
    """`make lessons --help` is make's own help, never the program's: a hint naming it would send the learner
    nowhere, so a parser with a make prog must be told the command that lists its options."""
    with pytest.raises(ValueError, match="`make lessons --help` does not reach the program"):
        OneLineParser(prog="make lessons")
    parser = OneLineParser(prog="make lessons", command=".venv/bin/python -m keras_models.course.lessons")
    assert parser.help_hint == " (all options: .venv/bin/python -m keras_models.course.lessons --help)"


@pytest.mark.parametrize("module, argv, command", [
    ("keras_models.train.run", [], ".venv/bin/python -m keras_models.train"),
    ("keras_models.train.board_server", [], ".venv/bin/python -m keras_models.train.board_server"),
    ("keras_models.course.lessons", [], ".venv/bin/python -m keras_models.course.lessons"),
    ("keras_models.course.real_data.__main__", [], ".venv/bin/python -m keras_models.course.real_data"),
    ("keras_models.course.multi_worker", [], ".venv/bin/python -m keras_models.course.multi_worker"),
    ("keras_models.course.exercises.grade", [], ".venv/bin/python -m keras_models.course.exercises.grade"),
    ("keras_models.course.exercises.run", ["ex01"], ".venv/bin/python -m keras_models.course.exercises.run"),
    ("keras_models.course.instructor.release", ["out"], ".venv/bin/python -m keras_models.course.instructor.release"),
    ("keras_models.course.jupyter.lab", [], ".venv/bin/python -m keras_models.course.jupyter.lab"),
    ("keras_models.course.jupyter.build", [], ".venv/bin/python -m keras_models.course.jupyter"),
    ("keras_models.bench.run", [], ".venv/bin/python -m keras_models.bench"),
    ("keras_models.bench.numpy_runs", ["--memory-run", "course"], ".venv/bin/python -m keras_models.bench.numpy_runs"),
    ("lock_check", [], ".venv/bin/python tests/lock_check.py"),              # tests/lock_check.py: make lock-check
])
def test_a_mistyped_option_is_one_line_naming_it_and_the_command_that_lists_the_options(module, argv, command,
                                                                                        capsys):
    """`--logdri` was argparse's `usage: ...` line and then `make lessons: error: ...`; the hint names a command a
    shell runs (make takes --help for itself). main reads its options before it does anything else."""
    with stop_handlers_put_back(), pytest.raises(SystemExit) as stopped:     # make tensorboard's main sets its own
        importlib.import_module(module).main([*argv, "--logdri"])
    assert stopped.value.code == 2
    assert capsys.readouterr() == ("", f"error: unrecognized arguments: --logdri (all options: {command} --help)\n")


@pytest.mark.parametrize("module, program", [
    ("keras_models.train.board_server", "make tensorboard"),
    ("keras_models.course.lessons", "make lessons"),
    ("keras_models.course.exercises.grade", "make exercises"),
    ("keras_models.course.instructor.release", "make release"),
    ("keras_models.course.jupyter.lab", "make lab"),
    ("keras_models.bench.run", "make bench"),
])
def test_help_into_an_output_that_takes_no_more_is_one_line_about_the_output(module, program, capsys):
    """`--help > /dev/full`: argparse's print_help met the stdout prepare_output_streams wraps, and its OutputFailed
    was a traceback ("keras_models.twins.closed_output.OutputFailed: [Errno 28] No space left on device")."""
    with stop_handlers_put_back():                      # make tensorboard's main sets its own first
        with dev_full() as stdout, pytest.raises(SystemExit) as stopped:
            prepare_output_streams()                    # as each program starts
            importlib.import_module(module).main(["--help"])
        stdout.close()          # flushes, as Python does at exit: nothing left to fail
    assert stopped.value.code == 1
    assert capsys.readouterr().err == output_full(program)


def test_a_log_directory_that_cannot_be_written_is_named_by_the_library_too(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match=f"log directory {blocker}/a/b cannot be created: {blocker} is a file"):
        check_writable(blocker / "a" / "b")
    with pytest.raises(ValueError, match=f"log directory {blocker} is a file, not a directory"):
        train_module.train(["binary"], epochs=1, logdir=blocker)
    assert check_writable(tmp_path / "new" / "logs").is_dir()  # missing directories are created


def test_a_log_directory_inside_a_folder_that_cannot_be_entered_is_one_line(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    as_for_a_learner(monkeypatch, locked)
    with pytest.raises(ValueError, match=f"^log directory {locked}/runs cannot be written \\(Permission denied\\); "
                                         "choose another with "):
        check_writable(locked / "runs")


def test_an_existing_log_directory_that_takes_no_new_file_is_one_line(tmp_path, monkeypatch):
    """A logdir that exists but is read-only (mode 555): mkdir(exist_ok=True) succeeds, so only a file written
    inside it can tell; one written anywhere else (the system's temporary folder) let the check pass."""
    locked = tmp_path / "runs"
    locked.mkdir()
    as_for_a_learner(monkeypatch, locked, read_only=True)
    with pytest.raises(ValueError, match=f"^log directory {locked} cannot be written \\(Permission denied\\); "
                                         "choose another with "):
        check_writable(locked)


def run_main(capsys, *argv):
    code = train_module.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def only_run(logdir: Path) -> dict:
    (run_dir,) = logdir.iterdir()
    return json.loads((run_dir / "run.json").read_text())


@pytest.mark.slow
def test_a_learning_rate_that_makes_the_loss_nan_stops_make_train_with_the_epoch_and_advice(tmp_path, capsys):
    code, _, err = run_main(capsys, "--tasks", "binary", "--epochs", "3", "--learning-rate", "1e12",
                            "--logdir", str(tmp_path), "--quiet")
    assert code == 1
    assert "error: binary (keras side): training diverged in epoch 1: loss is nan" in err
    assert "The learning rate (1e+12) is probably too large: try a smaller one (for example 1e+11" in err
    assert "Traceback" not in err
    assert "Try: .venv/bin/python -m keras_models.train --tasks binary --epochs 3 --learning-rate 1e+11" in err
    record = only_run(tmp_path)
    assert record["status"] == "diverged" and "training diverged in epoch 1" in record["error"]


class NoKerasWatchdog(keras.callbacks.Callback):
    def __init__(self, learning_rate, first_batch):
        super().__init__()


@pytest.mark.slow
def test_the_scratch_watchdog_reaches_make_train_with_the_layer_and_epoch(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sides, "KerasWatchdog", NoKerasWatchdog)            # let Keras train on NaN, unchecked
    code, _, err = run_main(capsys, "--tasks", "binary", "--epochs", "1", "--learning-rate", "1e12",
                            "--logdir", str(tmp_path), "--quiet")
    assert code == 1
    # where it appeared: a layer's forward or backward pass, the loss, or the optimizer's update of a layer
    assert re.search(r"error: binary \(scratch side\): training diverged in epoch 1, batch \d+: .+ in "
                     r"(the (forward|backward) pass of layer \d|the loss \(BinaryCrossentropy\)|the Adam update of "
                     r"layer \d)", err), err
    assert "try a smaller one" in err and "Traceback" not in err


def test_an_altered_data_file_stops_make_train_with_both_checksums(tmp_path, capsys, monkeypatch):
    expected = "0" * 64
    monkeypatch.setitem(data.checksums.SHA256, "breast_cancer.csv", expected)   # as if the file had changed
    code, _, err = run_main(capsys, "--tasks", "binary", "--logdir", str(tmp_path), "--quiet")
    assert code == 1
    actual = hashlib.sha256((data.checksums.DATA_DIR / "breast_cancer.csv").read_bytes()).hexdigest()   # the file's
    assert f"does not match the shipped breast_cancer.csv: expected sha256 {expected}, got {actual}." in err
    assert "The file was altered or corrupted; restore it with `git checkout HEAD -- data/breast_cancer.csv`" in err
    # no run folder: a run that never started was the one RESUME=1 took up, even after the next run had completed
    assert list(tmp_path.iterdir()) == []


def test_a_missing_data_file_stops_make_train_saying_how_to_restore_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(data.checksums, "DATA_DIR", tmp_path / "no-data")
    code, _, err = run_main(capsys, "--tasks", "binary", "--logdir", str(tmp_path / "logs"), "--quiet")
    assert code == 1
    assert (f"error: data file {tmp_path / 'no-data' / 'breast_cancer.csv'} is missing; restore it with "
            "`git checkout HEAD -- data/breast_cancer.csv`") in err
    assert list((tmp_path / "logs").iterdir()) == []                  # no run folder (the log folder is made first)


def test_a_damaged_data_file_stops_a_resume_before_any_task_trains(tmp_path, capsys, monkeypatch):
    """binary trained first, then multiclass's digits.csv stopped the resumed run, which then said "failed"."""
    from keras_models.train.run_lock import release

    run_dir = train_module.start_run(tmp_path, ["binary", "multiclass"], epochs=1)
    release(run_dir)                                                   # as if killed while running: resumable
    monkeypatch.setitem(data.checksums.SHA256, "digits.csv", "0" * 64)   # as if digits.csv had changed since
    code, _, err = run_main(capsys, "--resume", "--logdir", str(tmp_path), "--quiet")
    assert code == 1 and "does not match the shipped digits.csv" in err
    assert not (run_dir / "binary").exists() and only_run(tmp_path)["status"] == "running"   # resumable as it was


def edited_task_table(task, command):
    raise TaskTableError(f"data/tasks.py, task {task}: (as the test says)")


@pytest.mark.parametrize("damage", ["data file", "task table"])
def test_a_resume_stopped_before_any_task_trains_lets_go_of_the_run(damage, tmp_path, capsys, monkeypatch):
    """main takes the run's lock for a resume before the run's tasks and data files are checked; a check that failed
    left it held: an open run.lock, and the run "being written" for as long as the process (a notebook's) lived."""
    from keras_models.train.run_lock import holding, release

    run_dir = train_module.start_run(tmp_path, ["binary", "multiclass"], epochs=1)
    release(run_dir)                                                   # as if killed while running: resumable
    if damage == "data file":
        monkeypatch.setitem(data.checksums.SHA256, "digits.csv", "0" * 64)
    else:
        monkeypatch.setattr(train_module, "checked_settings", edited_task_table)
    code, _, err = run_main(capsys, "--resume", "--logdir", str(tmp_path), "--quiet")
    assert (code, only_run(tmp_path)["status"]) == (1, "running"), err
    assert not holding(run_dir)


@pytest.mark.parametrize("loss, y, message", [
    ("binary_crossentropy", [[0.0], [2.0], [1.0]], r"labels must be 0 or 1, found \[2.0\]"),
    ("categorical_crossentropy", [[0.0, 1.0], [1.0, 1.0], [1.0, 0.0]], "row 1 sums to 2"),
    ("categorical_crossentropy", [[0.0, 1.0], [1.5, -0.5], [1.0, 0.0]], "must be non-negative"),
])
def test_labels_of_the_wrong_kind_for_the_loss_are_refused_by_fit(loss, y, message):
    n_out = len(y[0])
    net = Network([Dense(2, n_out, "sigmoid" if n_out == 1 else "softmax", seed=0)])
    with pytest.raises(ValueError, match=message):
        net.fit(np.zeros((3, 2)), np.array(y), loss=loss, epochs=1, verbose=0)


def tiny_keras(n_in: int, n_out: int) -> keras.Sequential:
    model = keras.Sequential([keras.Input(shape=(n_in,)), keras.layers.Dense(n_out, name="dense_1")], name="tiny")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


KERAS_STEPS_PER_EPOCH = 3       # keras_checkpoint's epochs: 3 batches each, as make train's resume checks the count


def keras_checkpoint(path: Path, model: keras.Model, losses: tuple[float, ...] = (1.0,)) -> Path:
    """The checkpoint make train's Keras side writes after epochs with these losses (one epoch unless told), each of
    KERAS_STEPS_PER_EPOCH steps: the optimizer's step count is the one training would have left (the weights and
    Adam's slots stay as built: no test here reads them as trained)."""
    callback = KerasCheckpoint(path, SideState())
    callback.set_model(model)
    for epoch, loss in enumerate(losses):
        model.optimizer.iterations.assign((epoch + 1) * KERAS_STEPS_PER_EPOCH)
        callback.on_epoch_end(epoch, {"loss": loss})
    return path


def test_a_keras_checkpoint_of_another_architecture_is_refused_by_name(tmp_path):
    path = keras_checkpoint(tmp_path / "checkpoint.npz", tiny_keras(4, 2))
    with pytest.raises(CheckpointError, match=rf"checkpoint {path} holds weights of shapes \[\(4, 2\), \(2,\)\], "
                                              r"but the Keras model 'tiny' has \[\(30, 2\), \(2,\)\]: it belongs to "
                                              "a different architecture"):
        restore_keras(path, tiny_keras(30, 2))


@pytest.mark.parametrize("changed, message", [
    ({"optimizer_0": np.array(-3)}, r"optimizer_0 \(a step count\) is negative; it is damaged$"),
    # -1, the negative step count nearest 0: the next step would be Adam's t = 0 (Keras steps t = iterations + 1),
    # whose 1 - beta_1**t is 0: weights of NaN
    ({"optimizer_0": np.array(-1)}, r"optimizer_0 \(a step count\) is negative; it is damaged$"),
    ({"history/loss": np.array([1.0, 0.5])}, "is damaged: its logs do not cover epochs 1 to 1$"),
    ({"after_epoch_1": None}, r"lacks after_epoch_1; it is damaged \(delete it to start over\)$"),
], ids=["negative-step-count", "step-count-minus-one", "logs-of-another-length", "an-epochs-weights-missing"])
def test_a_damaged_keras_checkpoint_is_refused_by_name_and_changes_nothing(changed, message, tmp_path):
    """`changed`: the arrays written over the checkpoint's, None for one taken out. The model it is restored into
    keeps its weights and optimizer state: all or nothing."""
    path = keras_checkpoint(tmp_path / "checkpoint.npz", tiny_keras(4, 2))
    rewrite_npz(path, **changed)
    fresh = tiny_keras(4, 2)
    before = [np.asarray(v).copy() for v in (*fresh.weights, *fresh.optimizer.variables)]
    with pytest.raises(CheckpointError, match=rf"^checkpoint {path}:? .*{message}"):
        restore_keras(path, fresh)
    for ours, theirs in zip((*fresh.weights, *fresh.optimizer.variables), before, strict=True):
        np.testing.assert_array_equal(np.asarray(ours), theirs)


def test_a_keras_checkpoint_one_epoch_past_the_run_is_refused(tmp_path):
    path = keras_checkpoint(tmp_path / "checkpoint.npz", tiny_keras(4, 2), losses=(1.0, 0.5))  # 2 epochs finished
    assert restore_keras(path, tiny_keras(4, 2), epochs=2, steps_per_epoch=KERAS_STEPS_PER_EPOCH).epoch == 1
    with pytest.raises(CheckpointError, match="says 2 epochs finished, but this run has 1: it belongs to another run"):
        restore_keras(path, tiny_keras(4, 2), epochs=1)


def test_a_scratch_checkpoint_in_the_keras_place_is_refused(tmp_path):
    path = tmp_path / "checkpoint.npz"
    np.savez(path, format_version=np.array(1), epoch=np.array(0), rng_state=np.array(["1", "2", "0", "0"]))
    with pytest.raises(CheckpointError, match="was not written by the Keras side of make train"):
        restore_keras(path, tiny_keras(4, 2))


@pytest.mark.parametrize("damage, message", [
    (lambda path: path.write_bytes(b"PK\x03\x04 cut short"), "is damaged or not a checkpoint .*delete it to start "
                                                             "over"),
    (lambda path: path.write_text("garbage\n"), r"is damaged or not a checkpoint \(not an .npz archive\); delete it "
                                                r"to start over$"),
    (lambda path: keras_checkpoint(path, tiny_keras(4, 2)), "belongs to a different architecture"),
], ids=["damaged", "text", "other-architecture"])
def test_resume_refuses_a_bad_keras_checkpoint_with_its_name(damage, message, tmp_path, capsys):
    run_dir = tmp_path / "2026-01-01_00-00-00"
    run_dir.mkdir()
    write_status(run_dir, "interrupted", tasks=["binary"], epochs=2, max_rows=None, learning_rate=None)
    checkpoint = run_dir / "binary" / "keras" / "checkpoint.npz"
    checkpoint.parent.mkdir(parents=True)
    damage(checkpoint)
    code, _, err = run_main(capsys, "--resume", "--logdir", str(tmp_path), "--quiet")
    assert code == 1
    assert err.strip().startswith(f"error: checkpoint {checkpoint}") and len(learner_lines(err)) == 1, err
    assert re.search(message, err.strip()) and "pickle" not in err, err


def test_fit_watchdog_names_the_epoch_batch_and_layer_where_the_overflow_appeared():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))                                            # (64, 5)
    y = X @ rng.normal(size=(5, 1))                                         # (64, 1)
    net = Network([Dense(5, 8, "relu", seed=1, dtype="float32"), Dense(8, 4, "tanh", seed=2, dtype="float32"),
                   Dense(4, 1, seed=3, dtype="float32")])
    with pytest.raises(FloatingPointError, match=r"training diverged in epoch 1, batch 2: overflow encountered in "
                                                 r"matmul in the forward pass of layer 2\. The learning rate "
                                                 r"\(1e\+20\) is probably too large: try a smaller one \(for "
                                                 r"example 1e\+19\)"):
        net.fit(X, y, loss="mse", optimizer=SGD(1e20), epochs=5, verbose=0)


def test_keras_watchdog_names_the_epoch_the_bad_numbers_and_the_first_bad_layer():
    model = tiny_keras(4, 2)
    kernel, bias = model.get_weights()
    model.set_weights([np.full_like(kernel, np.nan), bias])
    watchdog = KerasWatchdog(learning_rate=0.5, first_batch=(np.zeros((3, 4)), np.zeros((3, 2))))
    watchdog.set_model(model)
    with pytest.raises(TrainingDiverged, match=r"training diverged in epoch 5: loss is nan; the weights of layer "
                                               r"dense_1 are no longer finite\. The learning rate \(0\.5\) is probably "
                                               r"too large: try a smaller one \(for example 0\.05"):
        watchdog.on_epoch_end(4, {"loss": float("nan"), "val_loss": 0.25})
    model.set_weights([kernel, bias])
    watchdog.on_epoch_end(4, {"loss": 0.5})                                # finite: nothing to say


def test_a_keras_checkpoint_of_another_optimizer_is_refused(tmp_path):
    sgd_model = tiny_keras(4, 2)
    sgd_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    sgd_model.optimizer.build(sgd_model.trainable_variables)
    path = keras_checkpoint(tmp_path / "checkpoint.npz", sgd_model)
    with pytest.raises(CheckpointError, match=rf"checkpoint {path} holds the state of another optimizer \(2 arrays, "
                                              r"Adam has 6\)"):
        restore_keras(path, tiny_keras(4, 2))


# ---- fit's arguments: each mistake named ------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, error, message", [
    ({"seed": "a"}, TypeError, "seed must be an int >= 0, a np.random.Generator or None, got str 'a'"),
    ({"seed": -1}, ValueError, "seed must be an int >= 0, got -1"),
    ({"initial_epoch": -3}, ValueError, r"initial_epoch must be between 0 and epochs=2 \(the 0-based epoch to start "
                                        r"from\), got -3"),
    ({"initial_epoch": 7}, ValueError, "initial_epoch must be between 0 and epochs=2"),
    ({"initial_epoch": 1.0}, TypeError, "initial_epoch must be an int, got float"),
    ({"validation_data": (np.zeros((3, 2)), np.array([0.0, 2.0, 1.0]))}, ValueError,
     r"^validation y: binary_crossentropy: labels must be 0 or 1, found \[2.0\]"),
    ({"y": np.array([0.0, 3.0, 1.0, 1.0])}, ValueError, r"^y: binary_crossentropy: labels must be 0 or 1, found "
                                                        r"\[3.0\]"),
], ids=["seed-text", "seed-negative", "initial-epoch-negative", "initial-epoch-past-the-end", "initial-epoch-float",
        "validation-labels", "training-labels"])
def test_fit_names_a_bad_seed_initial_epoch_or_which_labels_are_wrong(kwargs, error, message):
    net = Network([Dense(2, 1, "sigmoid", seed=0)])
    before = net.get_weights()
    y = kwargs.pop("y", np.array([0.0, 1.0, 1.0, 0.0]))
    with pytest.raises(error, match=message):
        net.fit(np.zeros((4, 2)), y, loss="binary_crossentropy", epochs=2, verbose=0, **kwargs)
    for w, w_before in zip(net.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w_before)                           # refused before any training


# ---- make train over damaged files, a full disk, a closed pipe: one line each ------------------------------------


def interrupted_copy(finished_run, tmp_path: Path) -> Path:
    """A copy of a finished run of binary (2 epochs, trained once per session: conftest's finished_run) whose
    run.json says "interrupted", as if Ctrl-C came after its last save."""
    run_dir = finished_run(["binary"], epochs=2).copy_into(tmp_path)
    write_status(run_dir, "interrupted")
    return run_dir


def nan_at_3(a):
    a = a.copy()
    a.flat[3] = np.nan
    return a


@pytest.mark.slow
@pytest.mark.parametrize("side, changes, message", [
    ("scratch", {"weight_0": nan_at_3}, "weight_0 holds 1 NaN or inf values; it is damaged"),
    ("scratch", {"rng_state": np.array(["garbage", "1", "0", "0"])}, "rng_state is not a PCG64 generator state"),
    ("keras", {"weight_2": nan_at_3}, "weight_2 holds 1 NaN or inf values; it is damaged"),
    ("keras", {"format_version": 99}, r"format_version is 99, this code reads version 1 only"),
    ("keras", {"epoch": -7}, r"epoch must be an integer >= 0 \(the last finished epoch\), got -7"),
    ("scratch", {"epoch": 5}, "says 6 epochs finished, but this run has 2: it belongs to another run"),
], ids=["scratch-nan", "scratch-rng", "keras-nan", "keras-format-99", "keras-negative-epoch", "scratch-past-the-run"])
def test_resume_over_a_damaged_checkpoint_is_one_line_naming_the_file_and_key(side, changes, message, finished_run,
                                                                             tmp_path, capsys):
    run_dir = interrupted_copy(finished_run, tmp_path)
    checkpoint = run_dir / "binary" / side / "checkpoint.npz"
    rewrite_npz(checkpoint, **changes)
    code, out, err = run_main(capsys, "--resume", "--logdir", str(tmp_path), "--quiet")
    assert code == 1
    (line,) = learner_lines(err)
    assert re.match(rf"error: checkpoint {checkpoint}:? .*{message}", line), line
    assert f"resuming {run_dir} (interrupted): binary: " in out                  # which run, before the error
    assert only_run(tmp_path)["status"] == "failed"                      # resumable once the file is deleted


@pytest.mark.slow
def test_resume_removes_the_temporary_files_writes_killed_half_way_left_even_in_finished_tasks(finished_run, tmp_path,
                                                                                              capsys):
    run_dir = interrupted_copy(finished_run, tmp_path)
    side = run_dir / "binary" / "scratch"
    stale = [run_dir / "run.json.k1ll3d9x.tmp", side / "checkpoint.npz.k1ll3d9x.tmp",
             side / "train" / ".rewrite-k1ll3d9x.tmp"]
    kept = [side / "notes.tmp", side / "train" / "events.out.tfevents.1.k1ll3d9x.tmp"]      # not our writer's names
    for path in [*stale, *kept]:
        path.write_bytes(b"half written")
    code, out, _ = run_main(capsys, "--resume", "--logdir", str(tmp_path), "--quiet")
    assert code == 0 and "binary: finished before the interruption, skipped" in out
    assert [p for p in stale if p.exists()] == [] and all(p.exists() for p in kept)


def test_a_damaged_keras_checkpoint_leaves_the_model_as_it_was(tmp_path):
    model = tiny_keras(4, 2)
    path = keras_checkpoint(tmp_path / "checkpoint.npz", tiny_keras(4, 2))
    rewrite_npz(path, optimizer_3=nan_at_3)
    before = [np.asarray(v).copy() for v in [*model.weights, *model.optimizer.variables]]
    with pytest.raises(CheckpointError, match=f"checkpoint {path}: optimizer_3 holds 1 NaN or inf values"):
        restore_keras(path, model)
    for v, v_before in zip([*model.weights, *model.optimizer.variables], before, strict=True):
        np.testing.assert_array_equal(np.asarray(v), v_before)


@pytest.mark.slow
def test_a_full_disk_during_make_train_is_one_line_and_the_run_resumes_afterwards(tmp_path, capsys, monkeypatch):
    real_savez = np.savez

    def full_disk(file, **arrays):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    code, _, err = run_main(capsys, "--tasks", "binary", "--epochs", "1", "--logdir", str(tmp_path), "--quiet")
    assert code == 1
    (run_dir,) = tmp_path.iterdir()
    checkpoint = run_dir / "binary" / "keras" / "checkpoint.npz"
    assert learner_lines(err) == [
        f"error: the disk is full: {checkpoint} could not be written. The run is kept; once that is put right, "
        f"continue it with `.venv/bin/python -m keras_models.train --resume --logdir {tmp_path}`"]
    assert [p.name for p in checkpoint.parent.iterdir() if p.suffix == ".tmp"] == []      # nothing half-written
    monkeypatch.setattr(np, "savez", real_savez)                         # space freed: resume
    code, out, _ = run_main(capsys, "--resume", "--logdir", str(tmp_path), "--quiet")
    assert code == 0
    assert f"resuming {run_dir} (failed: the disk is full: {checkpoint} could not be written)" in out
    assert only_run(tmp_path)["status"] == "complete"


def test_a_full_disk_is_recorded_in_run_json_in_the_words_of_make_trains_line(tmp_path, monkeypatch):
    """run.json's `error`, which the next resume shows ("resuming ... (failed: ...)"), was Python's
    "[Errno 28] No space left on device: '<file>'", not the line make train had just printed."""
    checkpoint = tmp_path / "checkpoint.npz"

    def full_disk(task, task_dir, **settings):
        raise OSError(errno.ENOSPC, "No space left on device", str(checkpoint))

    monkeypatch.setattr(train_module, "run_task", full_disk)
    run_dir = train_module.start_run(tmp_path, ["binary"], epochs=1)
    with pytest.raises(OSError):
        train_module.run_tasks(run_dir, quiet=True)
    assert describe(run_dir) == f"failed: the disk is full: {checkpoint} could not be written"


def test_an_error_without_a_message_is_recorded_in_run_json_by_its_name(tmp_path, monkeypatch):
    """run.json's `error` for an exception whose message is empty (a bare `raise AssertionError`, a bug) names it: it
    was "", and the next resume said "resuming ... (failed: )"."""

    def fails_without_a_message(task, task_dir, **settings):
        raise AssertionError

    monkeypatch.setattr(train_module, "run_task", fails_without_a_message)
    run_dir = train_module.start_run(tmp_path, ["binary"], epochs=1)
    with pytest.raises(AssertionError):
        train_module.run_tasks(run_dir, quiet=True)
    assert describe(run_dir) == "failed: AssertionError"


@pytest.mark.parametrize("finished, epochs, try_command", [
    (2, 3, "Try (binary, regression have finished): make train TASKS=multiclass EPOCHS=3 LR=0.1"),
    (1, None, "Try (binary has finished): make train TASKS=regression,multiclass LR=0.1"),
    (0, 3, "Try: make train TASKS=binary,regression,multiclass EPOCHS=3 LR=0.1"),
], ids=["two-finished", "one-finished-own-epochs", "none-finished"])
def test_the_command_after_a_divergence_names_the_finished_tasks_and_keeps_the_runs_epochs(finished, epochs,
                                                                                          try_command, tmp_path,
                                                                                          monkeypatch):
    """explain, for a run of three tasks whose task number finished + 1 diverged: "binary, regression have finished"
    (not "has"), the tasks from the diverged one on, and the run's EPOCHS when it set one (without it the tasks would
    train their own, longer, count); a run on each task's own epochs gets no EPOCHS."""
    monkeypatch.setattr(options, "via_make", True)
    write_status(tmp_path, "diverged", tasks=["binary", "regression", "multiclass"], epochs=epochs, max_rows=None,
                 learning_rate=None, devices=1)
    diverged = TrainingDiverged("training diverged (as the test says).", smaller_learning_rate=0.1)
    assert train_module.explain(diverged, tmp_path, tmp_path, finished=finished) == (
        f"training diverged (as the test says). {try_command} LOGDIR={tmp_path}")


@pytest.mark.parametrize("smaller_learning_rate, status_file", [(None, "written"), (0.1, "damaged"), (0.1, None)],
                         ids=["no-smaller-rate", "run-json-damaged", "no-run"])
def test_a_divergence_with_no_rate_to_suggest_or_no_run_to_read_is_its_own_message_alone(smaller_learning_rate,
                                                                                        status_file, tmp_path):
    """explain: no smaller rate (the learning rate is not the likely cause) or no plan to repeat (run.json damaged, or
    no run) leaves no command to offer: the divergence's own message is the line, not a traceback."""
    write_status(tmp_path, "diverged", tasks=["binary"], epochs=3, max_rows=None, learning_rate=None, devices=1)
    if status_file == "damaged":
        (tmp_path / "run.json").write_text("{")
    diverged = TrainingDiverged("training diverged (as the test says).", smaller_learning_rate)
    run_dir = None if status_file is None else tmp_path
    assert train_module.explain(diverged, run_dir, tmp_path, finished=0) == "training diverged (as the test says)."


@pytest.mark.parametrize("side, failing_save", [("keras", 2), ("scratch", 4)])
def test_an_epoch_whose_checkpoint_the_full_disk_refused_is_not_shown_in_tensorboard(side, failing_save, tmp_path,
                                                                                       monkeypatch):
    """Each side writes an epoch's summaries, then its checkpoint: when the disk refuses the checkpoint of epoch 2,
    TensorBoard kept showing epoch 2, which the run did not keep (its progress line said 1/2) until a resume."""
    real_savez, saves = np.savez, []

    def full_disk_at_epoch_2(file, **arrays):          # saves: keras epoch 1, 2, then scratch epoch 1, 2
        saves.append(file)
        if len(saves) == failing_save:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_savez(file, **arrays)

    monkeypatch.setattr(np, "savez", full_disk_at_epoch_2)
    with pytest.raises(OSError, match="No space left on device"):
        sides.run_task("binary", tmp_path, epochs=2, quiet=True)
    steps = [read_run(tmp_path / side / split)["epoch_loss"][1] for split in ("train", "validation")]
    assert steps == [[0], [0]]                                                             # epoch 1 alone


@pytest.mark.slow
def test_a_closed_output_pipe_is_one_line_and_the_next_resume_says_which_run_it_revives(tmp_path, capsys,
                                                                                       python_with_tensorflow):
    process = python_with_tensorflow.Popen([sys.executable, "-m", "keras_models.train", "--tasks", "binary", "--epochs",
                                            "1", "--logdir", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "\n"                          # the blank line before the task's header
    process.stdout.close()                                              # `make train | head -1`
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=300) == 1
    assert "Traceback" not in err and "Exception ignored" not in err, err
    (run_dir,) = tmp_path.iterdir()
    (line,) = learner_lines(err)
    assert line.startswith("error: the output was closed while make train was printing"), line
    assert line.endswith(f"continue it with `.venv/bin/python -m keras_models.train --resume --logdir {tmp_path}`")
    assert only_run(tmp_path)["status"] == "failed"
    code, out, _ = run_main(capsys, "--resume", "--logdir", str(tmp_path), "--quiet")
    assert code == 0
    assert (f"resuming {run_dir} (failed: the output was closed while make train was printing (a pipe into a command "
            "that ended?)): binary: ") in out


def test_an_output_closed_as_a_complete_run_is_summed_up_offers_no_resume(tmp_path, capsys, monkeypatch):
    """`make train QUIET=1 | head -3`: the pipe closes as the table of a complete run is printed. The line said "The
    run is kept; once that is put right, continue it with `... --resume`", and that resume found nothing to resume."""

    def closed_as_the_table_is_printed(results):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(train_module, "run_task", lambda task, task_dir, **settings: task)    # trained, no TensorFlow
    monkeypatch.setattr(train_module, "format_summary", closed_as_the_table_is_printed)
    code, _, err = run_main(capsys, "--tasks", "binary", "--epochs", "1", "--logdir", str(tmp_path), "--quiet")
    (run_dir,) = tmp_path.iterdir()
    assert (code, only_run(tmp_path)["status"]) == (1, "complete")
    assert learner_lines(err) == [
        "error: the output was closed while make train was printing (a pipe into a command that ended?). The run is "
        f"complete (nothing to resume); its logs are in {run_dir}"]


def test_make_train_into_an_output_that_takes_no_more_is_one_line_about_the_output_not_a_log_file(tmp_path, capsys,
                                                                                                   monkeypatch):
    """`make train EPOCHS=1 > /dev/full`: the first progress line's ENOSPC was "the disk is full: a log file could not
    be written", in the line and in run.json, which RESUME=1 says again: a log file the learner looks for in vain."""

    def prints_its_progress(task, task_dir, **settings):
        print(f"{task}: epoch 1/1")
        return task

    monkeypatch.setattr(train_module, "run_task", prints_its_progress)                    # no TensorFlow
    code, _, err = started_into(dev_full, lambda: run_main(capsys, "--tasks", "binary", "--epochs", "1", "--logdir",
                                                           str(tmp_path)))
    said = "the output of make train could not be written: No space left on device (the disk it goes to is full?)"
    assert (code, learner_lines(err)) == (1, [
        f"error: {said}. The run is kept; once that is put right, continue it with "
        f"`.venv/bin/python -m keras_models.train --resume --logdir {tmp_path}`"])
    assert (only_run(tmp_path)["status"], only_run(tmp_path)["error"]) == ("failed", said)


def test_make_train_s_error_line_stays_one_line_when_logdir_holds_a_line_break(tmp_path, capsys, monkeypatch):
    """`make train LOGDIR=$'runs\nold' > /dev/full`: the resume command echoed the folder's line break, and the
    error was two lines, the second a fragment of a path."""

    def prints_its_progress(task, task_dir, **settings):
        print(f"{task}: epoch 1/1")
        return task

    logdir = tmp_path / "runs\nold"
    monkeypatch.setattr(train_module, "run_task", prints_its_progress)                    # no TensorFlow
    code, _, err = started_into(dev_full, lambda: run_main(capsys, "--tasks", "binary", "--epochs", "1", "--logdir",
                                                           str(logdir)))
    assert (code, learner_lines(err)) == (1, [
        f"error: {output_full('make train').removeprefix('error: ').rstrip()}. The run is kept; once that is put "
        f"right, continue it with `.venv/bin/python -m keras_models.train --resume --logdir '{tmp_path}/runs\\nold'`"])


PRINTS_ZOE = ("from keras_models.twins.output_encoding import escape_what_output_cannot_show; "
              "escape_what_output_cannot_show(); print('Zo\\xeb')")


@pytest.mark.parametrize("environment, printed", [
    ({"PYTHONIOENCODING": "ascii"}, b"Zo\\xeb\n"),                       # an output that cannot show it: its escape
    ({"LC_ALL": "C", "PYTHONUTF8": "0"}, b"Zo\\xeb\n"),                  # the C locale: ASCII too
    ({"PYTHONIOENCODING": "utf-8"}, "Zo\xeb\n".encode()),                 # one that can: the character itself
], ids=["ascii", "c-locale", "utf-8"])
def test_a_program_run_directly_writes_what_its_output_cannot_show_as_an_escape_not_a_traceback(environment, printed):
    """What the Makefile's PYTHONIOENCODING=...:backslashreplace does for `make`'s programs, for one run as
    `.venv/bin/python -m ...`: a learner folder "Zo\xeb" or --logdir run\xe9 printed to an ASCII output ended
    `.venv/bin/python -m keras_models.course.lessons --logdir run\xe9` with a UnicodeEncodeError traceback."""
    bare = {name: value for name, value in os.environ.items()
            if name not in ("PYTHONIOENCODING", "PYTHONUTF8", "LC_ALL", "LC_CTYPE", "LANG")}
    done = subprocess.run([sys.executable, "-c", PRINTS_ZOE], cwd=ROOT, env={**bare, **environment},
                          capture_output=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, printed, b"")


def test_an_error_handler_the_user_chose_for_the_output_is_kept():
    # PYTHONIOENCODING=ascii:strict: as the Makefile keeps it (grade.py and grade_class.py then print one line)
    done = subprocess.run([sys.executable, "-c", PRINTS_ZOE], cwd=ROOT, capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONIOENCODING": "ascii:strict"})
    assert done.returncode == 1 and b"UnicodeEncodeError: 'ascii' codec can't encode" in done.stderr


# What each program runs first, so that a character its output cannot show is an escape: every module that the README
# tells a learner to run with `.venv/bin/python -m` or that the Makefile runs with `$(PY) -m`, but these two
WRITE_ONLY_ASCII = {
    "keras_models.course.lessons.lesson_": "a lesson run alone prints its ASCII summary, into a fixed folder",  # any
    "keras_models.train.run_lock": "make clean's look at the run locks writes to stderr only",
}


def test_every_program_a_learner_runs_escapes_what_its_output_cannot_show():
    readme, makefile = (ROOT / "README.md").read_text(encoding="utf-8"), (ROOT / "Makefile").read_text()
    programs = set(re.findall(r"\.venv/bin/python -m (keras_models[\w.]*)", readme))
    programs |= set(re.findall(r"\$\(PY\) -m (keras_models[\w.]*)", makefile))
    assert {"keras_models.train", "keras_models.course.lessons", "keras_models.course.instructor.release"} <= programs
    unescaped = []
    for program in sorted(name for name in programs if not name.startswith(tuple(WRITE_ONLY_ASCII))):
        path = ROOT.joinpath(*program.split("."))
        source = (path / "__main__.py" if path.is_dir() else path.with_suffix(".py")).read_text(encoding="utf-8")
        if "command_line(run, TASK)" in source:             # a course script: workflow.command_line runs it
            source = (ROOT / "keras_models" / "course" / "real_data" / "workflow.py").read_text(encoding="utf-8")
        calls = [node.func for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
        if not any(getattr(f, "id", getattr(f, "attr", None)) == "prepare_output_streams" for f in calls):
            unescaped.append(program)                                   # a call, not a comment or a string
    assert not unescaped, f"these programs do not call prepare_output_streams() first: {unescaped}"


def tensorflow_full_disk(path) -> tf.errors.ResourceExhaustedError:
    """What TensorFlow raised when a real full disk (a 3 MB tmpfs, filled) stopped an event file's write."""
    return tf.errors.ResourceExhaustedError(None, None, (
        "{{function_node __wrapped__WriteSummary_device_/job:localhost/replica:0/task:0/device:CPU:0}} "
        f"{path}; No space left on device\n\tFailed to flush 11 events to {path}\n\tCould not flush events file. "
        "[Op:WriteSummary]"))


def test_a_full_disk_under_tensorboards_writer_is_the_same_one_line_as_under_a_checkpoint(tmp_path, capsys,
                                                                                          monkeypatch):
    """TensorFlow reports a full disk as tf.errors.ResourceExhaustedError, not OSError: make train ended with its
    traceback, and so did dropping the stopped epoch's summaries (a rewrite on the same full disk)."""
    write_epoch = sides.ScratchBoard._write_epoch

    def full_disk_in_epoch_2(board, epoch, logs=None):
        write_epoch(board, epoch, logs)
        if epoch == 1:                                      # written, then the disk was full: dropped afterwards
            raise tensorflow_full_disk(next((board.log_dir / "train").glob("events.out.tfevents.*")))

    class FullDiskRecordWriter:                             # forget_epochs_after's rewrite, on the same disk
        def __init__(self, path):
            self.path = path

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, record):
            raise tensorflow_full_disk(self.path)

    monkeypatch.setattr(sides.ScratchBoard, "_write_epoch", full_disk_in_epoch_2)
    monkeypatch.setattr(tf.io, "TFRecordWriter", FullDiskRecordWriter)
    code, _, err = run_main(capsys, "--tasks", "binary", "--epochs", "2", "--logdir", str(tmp_path), "--quiet")
    (run_dir,) = tmp_path.iterdir()
    (events,) = (run_dir / "binary" / "scratch" / "train").glob("events.out.tfevents.*")
    assert learner_lines(err) == [
        f"error: the disk is full: {events} could not be written. The run is kept; once that is put right, "
        f"continue it with `.venv/bin/python -m keras_models.train --resume --logdir {tmp_path}`"]
    assert code == 1 and only_run(tmp_path)["status"] == "failed"


def test_a_ctrl_c_as_make_train_prints_its_error_line_leaves_no_traceback(tmp_path, monkeypatch):
    """A learner who sees training blow up presses Ctrl-C just as the divergence line is printed: the
    KeyboardInterrupt escaped main's error handler, and make train ended with a traceback (status -2 for 1)."""

    class CtrlCAsTheLineIsWritten(io.StringIO):
        def write(self, text):
            written = super().write(text)
            os.kill(os.getpid(), signal.SIGINT)
            return written

    stderr = CtrlCAsTheLineIsWritten()
    monkeypatch.setattr(sys, "stderr", stderr)
    try:
        code = train_module.main(["--resume", "--logdir", str(tmp_path)])       # an error: nothing to resume
    except KeyboardInterrupt:
        pytest.fail("the Ctrl-C escaped make train's main: a traceback")
    assert code == 1
    assert learner_lines(stderr.getvalue())[0].startswith("error: nothing to resume: every run under ")


@pytest.mark.parametrize("logdir", ["", "  "], ids=["empty", "blank"])
def test_an_empty_make_train_logdir_is_one_line_not_the_current_folder(logdir, capsys, tmp_path, monkeypatch):
    """LOGDIR='  ' is as empty as LOGDIR=: taken as it is, it made a folder called '  ' in the current one."""
    from keras_models.train.options import parse_args

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--via-make", "--logdir", logdir])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "error: LOGDIR is empty; name a folder, e.g. LOGDIR=logs\n"
    assert list(tmp_path.iterdir()) == []
