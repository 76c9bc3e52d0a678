"""End to end: a real TensorBoard server, started on 127.0.0.1 against a short `make train`-equivalent run,
serves the scratch and Keras runs with the same scalar tags and the same first losses.

The server is a separate process, `.venv/bin/python -m tensorboard.main`: TensorBoard's own entry point,
which `make tensorboard`'s keras_models/train/board_server.py runs in-process after checking the port and
the log directory (test_tensorboard_command.py tests that wrapper). It listens on a port the system picks
(--port 0) and prints its URL on stderr. Every request goes to 127.0.0.1 through urllib, and the server is
stopped (terminate, then kill) whatever the outcome. The run is the session's shared finished run of binary
(conftest's finished_run), and the server a warm process (forked from a Python that has imported TensorFlow
and TensorBoard).
"""

import json
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

from data import get_task

TASK, EPOCHS = "binary", 2
METRIC = get_task(TASK).metric
STARTUP_TIMEOUT, LOAD_TIMEOUT = 60, 30
URL_LINE = re.compile(r"TensorBoard \S+ at (http://127\.0\.0\.1:\d+/)")


@pytest.fixture(scope="module")
def run(finished_run):
    finished = finished_run([TASK], epochs=EPOCHS)                 # train([TASK], epochs=EPOCHS), read only
    return finished.logdir, finished.run_dir.name


@pytest.fixture(scope="module")
def server(run, python_with_tensorflow):
    """The base URL of a TensorBoard process serving the run's logdir; stopped afterwards."""
    logdir, _ = run
    process = python_with_tensorflow.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
         "--port", "0", "--reload_interval", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def drain():                          # keep reading stderr, so the server never blocks on a full pipe
        for line in process.stderr:
            lines.put(line)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        url = None
        while url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or process.poll() is not None:
                pytest.fail(f"no TensorBoard URL within {STARTUP_TIMEOUT} s (exit code {process.poll()}); "
                            f"stderr so far:\n{''.join(seen)}")
            try:
                line = lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            seen.append(line)
            match = URL_LINE.search(line)
            url = match.group(1) if match else None
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=10)           # the pipe reaches end-of-file once the server has exited
        process.stderr.close()


def get_json(url: str):
    assert url.startswith("http://127.0.0.1:"), url            # never anything but this machine
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode())


def wait_for(fetch, ready, what: str):
    """Poll fetch() until ready(result) (TensorBoard loads runs in the background); the last result."""
    deadline = time.monotonic() + LOAD_TIMEOUT
    while True:
        result = fetch()
        if ready(result):
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"TensorBoard did not serve {what} within {LOAD_TIMEOUT} s; last answer: {result}")
        time.sleep(0.5)


def run_names(stamp: str) -> dict[tuple[str, str], str]:
    """TensorBoard names a run by its directory relative to --logdir."""
    return {(side, split): f"{stamp}/{TASK}/{side}/{split}"
            for side in ("keras", "scratch") for split in ("train", "validation")}


@pytest.mark.slow
def test_server_lists_the_scratch_and_keras_runs(server, run):
    expected = set(run_names(run[1]).values())
    runs = wait_for(lambda: get_json(server + "data/runs"), lambda r: expected <= set(r), "the four runs")
    assert expected <= set(runs)


@pytest.mark.slow
def test_server_serves_the_shared_scalar_tags_for_both_sides(server, run):
    names = run_names(run[1])
    shared = {"epoch_loss", f"epoch_{METRIC}"}
    tags = wait_for(lambda: get_json(server + "data/plugin/scalars/tags"),
                    lambda t: all(shared <= set(t.get(name, {})) for name in names.values()),
                    f"the tags {sorted(shared)} for every run")
    for (side, split), name in names.items():
        assert shared <= set(tags[name]), f"{side}/{split}: {sorted(tags[name])}"
    assert "parity/max_weight_gap" in tags[names["scratch", "train"]]


@pytest.mark.slow
@pytest.mark.parametrize("split", ["train", "validation"])
def test_server_gives_the_same_epoch_loss_curve_for_scratch_and_keras(server, run, split):
    names = run_names(run[1])
    curves = {}
    for side in ("keras", "scratch"):
        query = urllib.parse.urlencode({"run": names[side, split], "tag": "epoch_loss"})
        curves[side] = wait_for(lambda q=query: get_json(server + "data/plugin/scalars/scalars?" + q),
                                lambda points: len(points) == EPOCHS, f"{side}/{split} epoch_loss")
    # each point is [wall_time, step, value]
    assert [p[1] for p in curves["scratch"]] == [p[1] for p in curves["keras"]] == list(range(EPOCHS))
    for (_, step, scratch_loss), (_, _, keras_loss) in zip(curves["scratch"], curves["keras"], strict=True):
        assert abs(scratch_loss - keras_loss) <= 1e-5 * abs(keras_loss), (step, scratch_loss, keras_loss)
