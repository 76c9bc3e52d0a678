"""Two machines, played by two processes on 127.0.0.1: keras_models/course/multi_worker.py under
MultiWorkerMirroredStrategy ends with the weights of a single worker.

The two workers are the script as a learner runs it (`.venv/bin/python -m keras_models.course.multi_worker`), each
with its own TF_CONFIG; the reference is the same training loop run here on one device, with TensorFlow's
default strategy. Batches of 31 rows split 16 + 15 between the workers, so every step checks that each
worker's share is divided by the global batch size, not its own. On GPUs each worker holds several
replicas; the same training loop under MirroredStrategy over this process's two logical CPU devices
(tests/cpu_devices.py) checks that a worker hands its replicas their own shares. Both compare with one
reference run of the loop, shared by the module (so it runs on one xdist worker: conftest.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import cpu_devices
import numpy as np
import pytest
import tensorflow as tf
from conftest import closed_pipe, dev_full, free_ports, output_closed, output_full, started_into

from keras_models.course import multi_worker
from keras_models.train.board import max_relative_gap

REPO = Path(__file__).resolve().parents[1]
EPOCHS, BATCH = 2, 31


def start_worker(python, index: int, cluster: list[str], out: Path) -> subprocess.Popen:
    """One worker: the script's own process (forked warm, TensorFlow imported but not started: conftest.py)."""
    config = {"cluster": {"worker": cluster}, "task": {"type": "worker", "index": index}}
    return python.Popen([sys.executable, "-m", "keras_models.course.multi_worker", "--out", str(out),
                         "--epochs", str(EPOCHS), "--batch-size", str(BATCH), "--timeout", "60"],
                        cwd=REPO, env=os.environ | {"TF_CONFIG": json.dumps(config)},
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def one_worker() -> tuple[list[np.ndarray], list[float]]:
    """The reference of both tests: (weights, losses) of the training loop run here on one device, with
    TensorFlow's default strategy, for EPOCHS epochs in batches of BATCH rows."""
    return multi_worker.train(tf.distribute.get_strategy(), EPOCHS, BATCH)


@pytest.mark.slow
def test_two_workers_on_localhost_end_with_the_weights_of_one_worker(tmp_path, python_with_tensorflow, one_worker):
    cluster = [f"127.0.0.1:{port}" for port in free_ports(2)]
    workers = [start_worker(python_with_tensorflow, index, cluster, tmp_path) for index in range(2)]
    try:
        outputs = [worker.communicate(timeout=120) for worker in workers]
    finally:
        for worker in workers:                                  # a worker left waiting for the other: stop it
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr[-3000:]
    assert [out.splitlines()[-1].split(":")[0] for out, _ in outputs] == ["worker 0 of 2", "worker 1 of 2"]

    weights, losses = one_worker
    saved = [np.load(tmp_path / f"worker_{index}.npz") for index in range(2)]
    for index, arrays in enumerate(saved):
        worker_weights = [arrays[f"arr_{i}"] for i in range(len(weights))]
        gap = max_relative_gap(worker_weights, weights)
        assert gap <= 1e-5, f"worker {index}: weights {gap:.1e} from one worker's"
        np.testing.assert_allclose(arrays["losses"], losses, rtol=1e-5)
    for i in range(len(weights)):                               # the all-reduce keeps the two copies identical
        np.testing.assert_array_equal(saved[0][f"arr_{i}"], saved[1][f"arr_{i}"])


def test_replicas_of_one_worker_take_their_own_shares_as_on_several_gpus(one_worker):
    cpu_devices.require_split()
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"],
                                              cross_device_ops=tf.distribute.ReductionToOneDevice("/cpu:0"))
    weights, losses = multi_worker.train(strategy, EPOCHS, BATCH)      # one worker, two replicas: 16 + 15 rows
    reference, reference_losses = one_worker
    assert max_relative_gap(weights, reference) <= 1e-5
    np.testing.assert_allclose(losses, reference_losses, rtol=1e-5)


def test_the_reference_loop_trains_and_reports_its_loss_as_keras_fit_does(one_worker):
    """The two tests above compare the workers with the loop itself on one device, so a fault of the loop's own (its
    last, shorter batch left out, a replica's loss returned as its mean, not its sum, an epoch's total divided by its
    steps, not its rows) ended the same on both sides. Keras' own fit, from the same start with the same Adam and
    batches in the same order, is a reference the loop does not write: its weights, and its History's loss (the mean
    over the epoch's rows, each batch's mean weighted by its rows, as the script's docstring promises)."""
    from data import prepare
    from keras_models.twins.bridge import to_keras
    from keras_models.twins.optimizer_bridge import adam_in_float32, keras_optimizer

    data = prepare(multi_worker.TASK, dtype="float32", seed=multi_worker.SEED)
    assert len(data.X_train) % BATCH != 0                                # a last, shorter batch (398 = 12*31 + 26)
    model = to_keras(multi_worker.initial_network(data))                 # the loop's start
    model.compile(optimizer=keras_optimizer(adam_in_float32(1e-3)), loss=tf.keras.losses.BinaryCrossentropy())
    history = model.fit(data.X_train, data.y_train, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    weights, losses = one_worker
    assert max_relative_gap(weights, model.get_weights()) <= 1e-5
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-5)


@pytest.mark.parametrize("argv, config, message", [
    (["--epochs", "0"], None, "error: argument --epochs: must be a whole number >= 1, got '0'"),
    (["--batch-size", "x"], None, "error: argument --batch-size: must be a whole number >= 1, got 'x'"),
    ([], "{not json", "error: TF_CONFIG is not a cluster description like the one at the top of this script"),
    ([], '{"task": {"index": "first"}}', "error: TF_CONFIG is not a cluster description"),
    (["--out", "{file}"], None, "error: argument --out: {file} is a file: give a folder"),   # once: after training
], ids=["epochs-0", "batch-size-word", "config-not-json", "index-not-a-number", "out-a-file"])
def test_the_workers_mistakes_are_one_line(argv, config, message, monkeypatch, capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("")
    argv = [text.format(file=tmp_path / "notes.txt") for text in argv]
    message = message.format(file=tmp_path / "notes.txt")
    if config is not None:
        monkeypatch.setenv("TF_CONFIG", config)
    try:
        status = multi_worker.main(argv)
    except SystemExit as stopped:                                   # argparse: status 2
        status = stopped.code
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert status in (1, 2) and line.startswith(message) and captured.out == ""


def never_join(**options):
    """A stand-in for MultiWorkerMirroredStrategy in a test that must stop before any cluster is joined."""
    pytest.fail("the worker tried to join the cluster")


def cluster_config(addresses, index: int = 0) -> str:
    return json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}})


@pytest.mark.parametrize("addresses, index, message", [
    ("127.0.0.1:2222", 0, "TF_CONFIG's cluster \"worker\" must be a list of \"host:port\" addresses, got "
                          "'127.0.0.1:2222'"),
    (["127.0.0.1:99999", "127.0.0.1:2223"], 0, "TF_CONFIG's worker address '127.0.0.1:99999' needs a port "
                                               "from 1 to 65535"),
    (["127.0.0.1:0", "127.0.0.1:2223"], 1, "TF_CONFIG's worker address '127.0.0.1:0' needs a port from 1 to 65535"),
    (["127.0.0.1", "127.0.0.1:2223"], 0, "TF_CONFIG's worker address '127.0.0.1' needs a port from 1 to 65535"),
    (["127.0.0.1:2222", "127.0.0.1:2223"], 2, "TF_CONFIG's task index is 2, but its cluster lists 2 workers: "
                                              "give each worker its own index from 0 to 1"),
], ids=["list-as-a-string", "port-too-big", "port-zero", "no-port", "index-too-big"])
def test_a_cluster_that_cannot_form_is_one_line_before_any_wait(addresses, index, message, monkeypatch, capsys):
    # Each of these once waited --timeout seconds for a cluster that could never form and ended without a word,
    # or with a traceback (a string instead of a list: TensorFlow's TypeError).
    monkeypatch.setattr(multi_worker.tf.distribute, "MultiWorkerMirroredStrategy", never_join)
    monkeypatch.setenv("TF_CONFIG", cluster_config(addresses, index))
    status = multi_worker.main([])
    captured = capsys.readouterr()
    assert status == 1 and captured.err.splitlines() == [f"error: {message}"] and captured.out == ""


@pytest.mark.parametrize("address, what_is_wrong", [
    ("2222", "needs a host before its port, like '127.0.0.1:2222'"),          # a port alone: its host left out
    (":2222", "needs a host before its port, like '127.0.0.1:2222'"),
    (" :2222", "needs a host before its port, like '127.0.0.1:2222'"),
    ("localhost", "needs a port from 1 to 65535"),                           # a host alone: its port left out
    ("localhost:", "needs a port from 1 to 65535"),
    ("localhost:99999", "needs a port from 1 to 65535"),
    (":", "needs a host and a port from 1 to 65535, like '127.0.0.1:2222'"),
], ids=["port-alone", "colon-port", "blank-host", "host-alone", "host-colon", "port-too-big", "colon-alone"])
def test_a_worker_address_says_whether_its_host_or_its_port_is_missing(address, what_is_wrong):
    # "2222" and ":2222" were taken as a port with no host (or, port if host else "", said to need a port): the
    # learner read that the port was missing when the port was the one part given.
    config = cluster_config(["127.0.0.1:2223", address], index=0)
    with pytest.raises(ValueError) as refused:
        multi_worker.read_cluster(config)
    assert str(refused.value) == f"TF_CONFIG's worker address {address!r} {what_is_wrong}"


@pytest.mark.parametrize("address, unspaced", [
    ("localhost :2222", "'localhost:2222'"),              # TensorFlow: "Could not start gRPC server", no address
    ("127.0.0.1: 2222", "'127.0.0.1:2222'"),
    ("\t127.0.0.1:2222", "'127.0.0.1:2222'"),
    ("local host:2222", "'localhost:2222'"),
    ("localhost:22 22", "'localhost:2222'"),              # once told "needs a port", though its port is whole without
    ("localhost:2222\t", "'localhost:2222'"),              # the space; a tab was once called "a space"
], ids=["space-before-the-colon", "space-after-the-colon", "tab-before-the-host", "space-in-the-host",
        "space-in-the-port", "tab-after-the-port"])
def test_a_worker_address_with_whitespace_is_one_line_naming_it_and_it_without_the_whitespace(address, unspaced):
    config = cluster_config(["127.0.0.1:2223", address], index=0)
    with pytest.raises(ValueError) as refused:
        multi_worker.read_cluster(config)
    assert str(refused.value) == (f"TF_CONFIG's worker address {address!r} holds whitespace (a space or tab), which "
                                  f"no host name or port does; without the whitespace: {unspaced}")


def test_a_port_in_use_is_named_in_one_line(monkeypatch, capsys):
    def cannot_serve(**options):               # what TensorFlow raises when the worker's gRPC server cannot listen
        raise tf.errors.UnknownError(None, None, "Could not start gRPC server")

    monkeypatch.setattr(multi_worker.tf.distribute, "MultiWorkerMirroredStrategy", cannot_serve)
    (port,) = free_ports(1)
    with socket.socket() as other_program:     # a port given by number, as a learner's other program would take it
        other_program.bind(("127.0.0.1", port))
        other_program.listen()
        monkeypatch.setenv("TF_CONFIG", cluster_config([f"127.0.0.1:{port}", "127.0.0.1:2223"], index=0))
        status = multi_worker.main([])
    captured = capsys.readouterr()
    # was: "could not train with the others (Could not start gRPC server); start every worker with the same
    # cluster list in TF_CONFIG and its own index" -- not what was wrong
    assert status == 1 and captured.err.splitlines() == [
        f"error: worker 0 of 2 cannot listen on port {port} (Address already in use): another program, or a worker "
        "still running from before, holds it; stop it or give this worker another port in TF_CONFIG"]


def test_a_worker_that_dies_during_training_is_said_so_in_one_line(tmp_path, monkeypatch, capsys):
    def other_worker_died(*args, **kwargs):    # what the survivor's training step raises (worker 1 killed, seen)
        raise tf.errors.UnavailableError(None, None, "Graph execution error:\n\nThe following tasks are unhealthy "
                                         "(stopped sending heartbeats):\n/job:worker/replica:0/task:1")

    monkeypatch.setattr(multi_worker.tf.distribute, "MultiWorkerMirroredStrategy",
                        lambda **options: tf.distribute.get_strategy())
    monkeypatch.setattr(multi_worker, "train", other_worker_died)
    monkeypatch.setenv("TF_CONFIG", cluster_config([f"127.0.0.1:{port}" for port in free_ports(2)], index=0))
    status = multi_worker.main(["--out", str(tmp_path)])
    waiting, last = capsys.readouterr().err.splitlines()                # the line before the join, then the one line
    assert waiting.startswith("worker 0 of 2: waiting for the other workers"), waiting
    # was: "could not train with the others (Graph execution error:); start every worker with the same cluster
    # list in TF_CONFIG and its own index" -- they had trained together until one stopped
    assert status == 1 and last == (
        "error: worker 0 of 2 lost the other workers during training (UnavailableError): a worker stopped, was "
        "started with other options (--epochs, --batch-size) and finished first, or the network between them "
        "failed; start every worker again with the same options")
    assert list(tmp_path.iterdir()) == []                                  # no weights saved


def test_a_single_workers_fault_in_training_is_shown_in_full_not_blamed_on_other_workers(tmp_path, monkeypatch,
                                                                                         capsys):
    """Without TF_CONFIG no network is involved: a TensorFlow error in training is a fault, raised as it is, never
    the "lost the other workers" line meant for a cluster."""
    def fault(*args, **kwargs):
        raise tf.errors.InternalError(None, None, "a fault of this machine")

    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.setattr(multi_worker, "train", fault)
    with pytest.raises(tf.errors.InternalError, match="a fault of this machine"):
        multi_worker.main(["--out", str(tmp_path)])
    assert "lost the other workers" not in capsys.readouterr().err


def test_training_longer_than_timeout_is_not_ended_by_the_joins_watchdog(tmp_path, python_with_tensorflow):
    """--timeout bounds the wait to join the cluster (faulthandler's watchdog, which ends the process silently with
    status 1): once joined it is cancelled, and a training that runs longer ends as it should. A script of its own,
    as the watchdog ends the whole process; the training is a stand-in that takes 2 s, past a --timeout of 1 s."""
    code = ("import sys, time\n"
            "from keras_models.course import multi_worker\n"
            "def train(*args, **kwargs):\n"
            "    time.sleep(2)\n"
            "    return [multi_worker.np.zeros((2, 1))], [0.5]\n"
            "multi_worker.train = train\n"
            "sys.exit(multi_worker.main(sys.argv[1:]))\n")
    env = {name: value for name, value in os.environ.items() if name != "TF_CONFIG"}
    done = python_with_tensorflow.run([sys.executable, "-c", code, "--out", str(tmp_path), "--timeout", "1"],
                                      cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr[-2000:]
    assert done.stdout.startswith("worker 0 of 1: 1 replica, loss per epoch 0.5000; weights in "), done.stdout
    assert [path.name for path in tmp_path.iterdir()] == ["worker_0.npz"]


def test_a_damaged_data_file_is_one_line_naming_it(monkeypatch, capsys, tmp_path):
    # train() reads the data: a ChecksumError there was a traceback once train left the join's try
    from data.checksums import ChecksumError

    def damaged(*args, **kwargs):
        raise ChecksumError("data file data/breast_cancer.csv does not match the shipped breast_cancer.csv")

    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.setattr(multi_worker, "prepare", damaged)
    status = multi_worker.main(["--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert status == 1 and captured.err.splitlines() == [
        "error: data file data/breast_cancer.csv does not match the shipped breast_cancer.csv"]


def test_a_damaged_data_file_is_one_line_before_the_worker_joins_the_others(monkeypatch, capsys, tmp_path):
    # checked after the join, it ended this worker only there: its partners said they had lost it, not why
    from data.checksums import ChecksumError

    def damaged(*args, **kwargs):
        raise ChecksumError("data file data/breast_cancer.csv does not match the shipped breast_cancer.csv")

    monkeypatch.setattr(multi_worker.tf.distribute, "MultiWorkerMirroredStrategy",
                        lambda **options: pytest.fail("it joined the cluster"))
    monkeypatch.setattr(multi_worker, "prepare", damaged)
    monkeypatch.setenv("TF_CONFIG", cluster_config([f"127.0.0.1:{port}" for port in free_ports(2)], index=0))
    status = multi_worker.main(["--out", str(tmp_path)])
    assert status == 1 and capsys.readouterr().err.splitlines() == [
        "error: data file data/breast_cancer.csv does not match the shipped breast_cancer.csv"]


@pytest.mark.parametrize(("output", "said"), [
    (dev_full, output_full("worker 0 of 1")),
    (closed_pipe, output_closed("worker 0 of 1")),
], ids=["dev_full", "closed_pipe"])
def test_a_worker_whose_output_takes_no_more_says_so_in_one_line(output, said, monkeypatch, capsys, tmp_path):
    """`... multi_worker > /dev/full` (or into a pipe that closed): its closing line's OutputFailed, or
    BrokenPipeError, was a traceback after the weights were saved."""
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.setattr(multi_worker, "train", lambda *args, **kwargs: ([np.zeros((2, 1))], [0.5]))   # no training
    status = started_into(output, lambda: multi_worker.main(["--out", str(tmp_path)]))
    assert (status, capsys.readouterr().err) == (1, said)
    assert [path.name for path in tmp_path.iterdir()] == ["worker_0.npz"]       # what it wrote to disk stays written
