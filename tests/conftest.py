"""Shared test helpers: one `rng`, one `assert_close` with the project's tolerances, and the
TensorFlow/Keras twin of each scratch component (the independent reference every parity test uses).

Tolerances (the README's "How we know it's right"): relative error <= 1e-10 against TF in float64, <= 1e-5 in float32,
<= 1e-6 against central finite differences (float64, away from kinks).

Test time is a budget (`make test`: 100 s on 2 cores on a quiet day, 190 s on a busy one; the goal a
minute). What keeps it there, for new tests too:

- Warm Pythons for command-line tests. `python_with_tensorflow.Popen([...])` / `.run([...])` take the
  arguments of subprocess.Popen / subprocess.run for `[sys.executable, "-m" | "-c" | script, ...]` and fork
  the command from a zygote that imported TensorFlow, Keras and TensorBoard once (tests/zygote.py): a real
  process (pid, exit status, SIGINT, SIGKILL, pipes) for ~1 CPU-second instead of ~7. Use
  `python_without_tensorflow` for commands whose point is to run without TensorFlow (it preloads NumPy
  and pandas only). Keep a fresh `subprocess.Popen` where starting up is what is tested (Ctrl-C during
  the TensorFlow import, a missing package, TensorFlow's start-up lines) or where the command is not
  this Python (make, git). A library that starts Python itself can be handed the warm Popen: the
  notebooks' ipykernel is started by jupyter_client with it (test_notebooks.py).
- Built once per session, for every xdist worker: `built_once(name, build)` runs `build(path)` in the
  first worker that asks and hands the others the same directory. `finished_run(tasks, epochs,
  max_rows)` is a finished `make train` run built that way (tests/finished_runs.py): read it in place,
  or change a private `run.copy_into(tmp_path)`.
- A module whose tests share expensive module-scoped state (a training run, cached Keras trajectories)
  runs whole on one xdist worker when it is listed in ONE_WORKER_MODULES below; otherwise each worker
  builds that state again.
- Keras models built once per module, the shortest run that still shows the property (say why in the
  test), hypothesis budgets only as large as the property needs.

Measure a new test's CPU with `/usr/bin/time -f '%U user %S sys' .venv/bin/python -m pytest -n 0 -q
-p no:cacheprovider tests/<file>`; the zygote's log (zygote-*.log in the session's temporary directory)
lists every warm command with its CPU time.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import errno
import fcntl
import inspect
import io
import math
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

# Keras writes ~/.keras/keras.json on import unless KERAS_HOME points elsewhere; keep tests out of $HOME, in the
# folder make uses (the Makefile's KERAS_HOME, git-ignored). A tempfile.mkdtemp() here was never removed: one more
# keras_home_* in the temporary folder for every pytest run outside make (and one per xdist process of it).
os.environ.setdefault("KERAS_HOME", str(Path(__file__).resolve().parents[1] / ".keras_home"))
# matplotlib's config and font cache, likewise where make keeps them (the Makefile's MPLCONFIGDIR): outside make they
# went to ~/.config/matplotlib and ~/.cache/matplotlib.
os.environ.setdefault("MPLCONFIGDIR", str(Path(__file__).resolve().parents[1] / ".venv" / "etc" / "matplotlib"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from collector import long_lived_imports  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from scratch.agreement import relative_gap  # noqa: E402  (max |actual - expected| / max |expected|)


def _leave_at_once() -> None:
    """The last exit handler of an xdist worker: end the process without tearing the interpreter down.

    Registered before any other handler of the worker's, so it runs after all of them (pytest's included);
    by then every result has reached the controller and every fixture is torn down. What it skips, freeing
    each of TensorFlow's objects one by one, took 1-2.5 s while the whole run waited for that worker.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if os.environ.get("PYTEST_XDIST_WORKER"):
    atexit.register(_leave_at_once)


@pytest.hookimpl(hookwrapper=True)
def pytest_collection(session):
    """Collection imports the test modules, TensorFlow and Keras with them: their objects are kept out of the
    garbage collector's way (tests/collector.py)."""
    with long_lived_imports():
        yield


def pytest_collection_finish(session):
    """Two logical CPU devices for tests/test_devices.py and test_multi_worker.py, before any test starts
    TensorFlow (cpu_devices.py)."""
    import cpu_devices

    cpu_devices.split_cpu()

TOLERANCE = {np.dtype("float64"): 1e-10, np.dtype("float32"): 1e-5}
FINITE_DIFFERENCE_TOLERANCE = 1e-6


@pytest.fixture
def sigint_raises():
    """SIGINT as in a terminal (KeyboardInterrupt), whatever this worker inherited; put back afterwards.

    A `make test` started in the background (`make test &`, nohup, some CI runners) inherits SIGINT ignored, and
    a worker keeps that until a module that sets Python's handler back is imported (the programs' __main__
    modules do): a test of Ctrl-C that relied on it passed or hung depending on the tests run before it."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


# --- what the whole session shares (see the module docstring) ---------------------------------------

# Each of these modules has module-scoped state (a fixture, a cache) and runs whole on one xdist worker, the
# modules with the most tests first; every other test is dealt out one at a time (pytest_xdist_make_scheduler
# below). pytest-xdist's own `--dist loadgroup` would do this from an `xdist_group` mark, but it silently
# stopped grouping on pytest 9.2 (pytest-dev/pytest-xdist#1386).
ONE_WORKER_MODULES = {"test_bench.py", "test_data.py", "test_devices.py", "test_divergence.py",
                      "test_exact_arithmetic.py", "test_instructor.py", "test_interruptions.py", "test_keras_models.py",
                      "test_lessons.py", "test_multi_worker.py", "test_optimizers.py", "test_tensorboard_e2e.py",
                      "test_train.py"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n N` (xdist's default "load" mode) with ONE_WORKER_MODULES kept together; other modes as asked."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerModules(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:             # the unit of work a worker gets at once
            module = nodeid.split("::")[0]
            return module if Path(module).name in ONE_WORKER_MODULES else nodeid

    return OneWorkerModules(config, log)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory, request) -> Path:
    """A directory for the whole pytest run, the same for every xdist worker (their common parent)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(request.config, "workerinput") else base


@pytest.fixture(scope="session")
def built_once(session_dir) -> Callable[[str, Callable[[Path], None]], Path]:
    """built_once(name, build) -> path: build(path) runs in the first worker that asks; the others wait for it
    and get the same path. Read what is there; copy it before changing anything."""
    def get(name: str, build: Callable[[Path], None]) -> Path:
        path = session_dir / "built_once" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{path}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (path / ".complete").exists():
                shutil.rmtree(path, ignore_errors=True)          # a build that failed half way
                path.mkdir()
                build(path)
                (path / ".complete").touch()
        return path
    return get


@pytest.fixture(scope="session")
def finished_run(built_once):
    """finished_run(tasks, epochs, max_rows=None) -> finished_runs.FinishedRun, trained once per session."""
    import finished_runs

    def get(tasks, epochs: int, max_rows: int | None = None) -> finished_runs.FinishedRun:
        name = f"train_{'-'.join(tasks)}_{epochs}-epochs_{max_rows or 'all'}-rows"
        return finished_runs.load(built_once(name, lambda path: finished_runs.build(path, list(tasks), epochs,
                                                                                    max_rows)))
    return get


def _warm_python(session_dir: Path, name: str, preload: tuple[str, ...]):
    from zygote import Zygote

    zygote = Zygote(session_dir, name, preload)
    yield zygote
    zygote.close()


@pytest.fixture(scope="session")
def python_with_tensorflow(session_dir):
    """Popen/run for this Python's commands, forked warm with TensorFlow, Keras and TensorBoard imported."""
    from zygote import WITH_TENSORFLOW

    yield from _warm_python(session_dir, "with-tensorflow", WITH_TENSORFLOW)


@pytest.fixture(scope="session")
def python_without_tensorflow(session_dir):
    """Popen/run for this Python's commands, forked warm with only NumPy and pandas imported."""
    from zygote import WITHOUT_TENSORFLOW

    yield from _warm_python(session_dir, "without-tensorflow", WITHOUT_TENSORFLOW)


def assert_close(actual, expected, *, dtype=np.float64, tol: float | None = None, what: str = "",
                 floor: float = 0.0) -> float:
    """Assert `actual` matches the reference `expected` within the tolerance for `dtype`.

    The gap is relative_gap's, max |actual - expected| / max |expected|; with `floor`, an `expected` whose
    largest entry is below it is measured against `floor` instead (an array far smaller than the rest of
    the computation it comes from carries that computation's rounding). The failure message names `what`
    (the equation, layer, parameter), the shapes, the gap and where it is largest. Returns the observed
    gap, so a test can report it.
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != reference shape {expected.shape}"
    assert np.isfinite(actual).all(), f"{what}: non-finite values in {actual}"
    tol = TOLERANCE[np.dtype(dtype)] if tol is None else tol
    gap = relative_gap(actual, expected)
    if float(np.max(np.abs(expected), initial=0.0)) < floor:
        gap = float(np.max(np.abs(actual.astype(float) - expected.astype(float)))) / floor
    if gap > tol:
        where = np.unravel_index(np.argmax(np.abs(actual.astype(float) - expected.astype(float))), actual.shape)
        pytest.fail(f"{what}: relative gap {gap:.3e} > {tol:.0e} (largest at index {where}: "
                    f"scratch {actual[where]!r} vs reference {expected[where]!r})")
    return gap


# --- the TensorFlow / Keras twins ----------------------------------------------------------------
# Imported lazily so that test modules which must not load TensorFlow (the import-isolation test)
# can still use the fixtures above.

def tf_activation(name: str):
    """Keras' own activation function for `name` (keras.activations.*)."""
    import keras

    return {
        "linear": keras.activations.linear,
        "sigmoid": keras.activations.sigmoid,
        "tanh": keras.activations.tanh,
        "relu": keras.activations.relu,
        "softmax": keras.activations.softmax,
    }[name]


def keras_loss(name: str, dtype: str = "float64", from_logits: bool = False):
    """Keras' own loss object for `name` (computing in `dtype`); "quadratic" is written in TF ops."""
    import keras
    import tensorflow as tf

    if name == "quadratic":
        def quadratic(y_true, y_pred):   # C = 1/(2m) sum ||y - a||^2, in TF ops
            y_true = tf.cast(y_true, y_pred.dtype)
            return 0.5 * tf.reduce_sum(tf.square(y_true - y_pred)) / tf.cast(tf.shape(y_pred)[0], y_pred.dtype)
        return quadratic
    cls = {
        "mse": keras.losses.MeanSquaredError,
        "binary_crossentropy": keras.losses.BinaryCrossentropy,
        "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
    }[name]
    if name == "mse":
        return cls(dtype=dtype)
    return cls(from_logits=from_logits, dtype=dtype)


def no_logits_form(name: str) -> str:
    """scratch.losses' refusal of from_logits=True for mse or quadratic, word for word (test_losses, test_pairing)."""
    return (f"from_logits=True applies to the cross-entropies only: {name} compares the outputs themselves, like "
            "Keras' MeanSquaredError, which takes no from_logits. Leave from_logits out; to compare the "
            "pre-activations z, make the output layer linear.")


def tf_forward(weights, X, activation_names, *, watch_z: bool = True):
    """The network's forward pass written in TF ops (z = a @ W + b, a = keras activation).

    Returns (a_L, zs) where zs are the pre-activation tensors, so `tape.gradient(C, zs)` gives
    every layer's delta for BP1/BP2.
    """
    import tensorflow as tf

    a = tf.convert_to_tensor(X)
    zs = []
    for (W, b), name in zip(zip(weights[::2], weights[1::2], strict=True), activation_names, strict=True):
        z = tf.matmul(a, W) + b
        zs.append(z)
        a = tf_activation(name)(z)
    return a, zs


@contextlib.contextmanager
def floatx(dtype: str):
    """Keras' floatx set to `dtype` for the block (an optimizer's learning-rate variable is made in floatx)."""
    import keras

    previous = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx(previous)


def keras_steps(opt, weights, gradients, dtype: str = "float64") -> list[list[np.ndarray]]:
    """Keras' optimizer `opt` from `weights` (variables of `dtype`) through each step's `gradients`: the weights
    before and after every step. Its slots are built first and `apply` runs in a tf.function traced once, as fit runs it
    (a third of the CPU of eager applies, which agree with it to 1e-15 of the distance moved)."""
    import keras
    import tensorflow as tf

    variables = [keras.Variable(w, dtype=dtype) for w in weights]
    opt.build(variables)
    step = tf.function(lambda grads: opt.apply(grads, variables))
    path = [[v.numpy() for v in variables]]
    for grads in gradients:
        step([tf.constant(g) for g in grads])
        path.append([v.numpy() for v in variables])
    return path


def read_run(path) -> dict[str, tuple[str, list[int], list[np.ndarray]]]:
    """{tag: (plugin, steps, values)} of one TensorBoard run (a directory, or one event file), read back as
    TensorBoard reads it (EventAccumulator); TF2 summaries are stored as tensors."""
    import tensorflow as tf
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(path), size_guidance={"tensors": 0})     # 0 = keep every event
    acc.Reload()
    run = {}
    for tag in acc.Tags()["tensors"]:
        events = acc.Tensors(tag)
        run[tag] = (acc.SummaryMetadata(tag).plugin_data.plugin_name, [e.step for e in events],
                    [tf.make_ndarray(e.tensor_proto) for e in events])
    return run


def build_before_fit(model, X, y) -> None:
    """Make every variable a compiled model's fit needs before fit: the optimizer's slots and the compiled
    loss's and metrics' state (eagerly, on two rows of X, y; fit and evaluate reset the metrics before they
    count). Otherwise fit's first trace of its train step creates them and TensorFlow traces the step a
    second time: about a third of the CPU of a short fit. The numbers are the same."""
    model.optimizer.build(model.trainable_variables)
    y_pred = model(X[:2])                                    # inference: a Dropout draws no mask here
    model.compute_loss(X[:2], y[:2], y_pred)
    model.compute_metrics(X[:2], y[:2], y_pred)
    model.reset_metrics()


class HandedToFit(Exception):
    """Raised by stop_at_fit with (model, prepared): what the course handed its fit, and no training."""


def stop_at_fit(model, prepared, *args, **kwargs):
    """A stand-in for the course's fit (workflow.fit, a script's own fit): stops there, raising HandedToFit."""
    raise HandedToFit(model, prepared)


def random_targets(loss_name: str, m: int, k: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """Targets of the right kind for each loss: reals, {0,1} labels, or one-hot rows."""
    if loss_name in ("mse", "quadratic"):
        return rng.normal(size=(m, k)).astype(dtype)
    if loss_name == "binary_crossentropy":
        return rng.integers(0, 2, size=(m, k)).astype(dtype)
    return np.eye(k, dtype=dtype)[rng.integers(0, k, size=m)]


# Random networks for the property tests (test_properties.py, test_data_parallel.py): depth 1-4, widths
# 1-16, every hidden activation, every loss with each output it is defined for, batches of 1-32.
HIDDEN = ["linear", "sigmoid", "tanh", "relu", "softmax"]
OUTPUT_FOR_LOSS = {
    "mse": ["linear", "sigmoid", "tanh", "relu", "softmax"],
    "quadratic": ["linear", "sigmoid", "tanh"],
    "binary_crossentropy": ["sigmoid"],
    "categorical_crossentropy": ["softmax"],
}


@st.composite
def architectures(draw):
    """(widths [n_0, ..., n_L], activations [g_1, ..., g_L], loss name, batch size m, seed)."""
    depth = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 16), min_size=depth + 1, max_size=depth + 1))
    loss_name = draw(st.sampled_from(sorted(OUTPUT_FOR_LOSS)))
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=depth - 1, max_size=depth - 1))
    output = draw(st.sampled_from(OUTPUT_FOR_LOSS[loss_name]))
    for l, g in enumerate(hidden + [output], start=1):
        if g == "softmax" and widths[l] == 1:
            widths[l] = 2     # a one-unit softmax always outputs 1 (Keras warns): at least two units, hidden ones too
    batch = draw(st.integers(1, 32))
    seed = draw(st.integers(0, 2**32 - 1))
    return widths, hidden + [output], loss_name, batch, seed


@pytest.fixture
def floatx64():
    """Run a test with Keras in float64: floatx *and* the global dtype policy, restoring both afterwards.

    Keras caches its global dtype policy the first time a layer is built, so once any float32 layer
    exists in the process, set_floatx("float64") alone no longer changes what new layers compute in.
    """
    import keras

    previous_floatx, previous_policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        keras.config.set_floatx(previous_floatx)
        keras.config.set_dtype_policy(previous_policy)


def rewrite_npz(path: Path, **changes) -> None:
    """Damage a checkpoint in place: each key's array is replaced (by a function of the old array, or by a new
    array) or dropped (None). `optimizer__momentum_0` stands for the key optimizer/momentum_0."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {key: f[key] for key in f.files}
    for key, change in changes.items():
        key = key.replace("__", "/")
        if change is None:
            del arrays[key]
        else:
            arrays[key] = change(arrays[key]) if callable(change) else np.asarray(change)
    np.savez(path, **arrays)


def zipped(name: str, content: bytes) -> bytes:
    """A zip archive holding one file, `content` as `name`: a learner's "Compress", or a download saved without
    unpacking."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zip_file:
        zip_file.writestr(name, content)
    return archive.getvalue()


HANG_GUARD_STRETCH_AT_MOST = 10     # times a hang guard's quiet-machine seconds, however busy the machine


def hang_guard(seconds: float) -> tuple[int, str]:
    """The seconds a wait that only keeps a hung test from stalling the suite gives, and how it got them: `seconds`
    (enough on a quiet machine) times this machine's load, the 1-minute load average per usable core, when above 1,
    at most HANG_GUARD_STRETCH_AT_MOST times. Eight test runs at once on 2 cores starved a correct `make grade` past
    its 20 s guard. Never for a limit the product promises: a test checks that by the product's own verdict or by
    the CPU seconds used, which load does not change."""
    from keras_models.twins.cores import usable_cores

    busy = os.getloadavg()[0] / usable_cores()
    stretch = min(max(1.0, busy), HANG_GUARD_STRETCH_AT_MOST)
    given = math.ceil(seconds * stretch)
    how = f"{seconds:g} s on a quiet machine" + (f", x{stretch:.1f} for a load of {busy:.1f} per core" * (stretch > 1))
    return given, how


class StillRunning(BaseException):
    """Raised by at_most's alarm: a BaseException, so that no `except OSError` or `except Exception` on the way eats
    it."""


@contextlib.contextmanager
def at_most(seconds: int, what: str) -> Iterator[None]:
    """Fail (rather than hang the suite) if the block takes longer than `seconds` of wall clock on a quiet machine,
    stretched on a busy one (hang_guard): a guard against a hang, not a limit the product promises. `what` names
    what was still running in the failure ("make grade", "_globals_of(len)")."""
    given, how = hang_guard(seconds)

    def too_long(signum, frame):
        raise StillRunning(f"{what} was still running after {given} s ({how})")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(given)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def waited_for(path: Path, written: Callable[[str], bool], program: subprocess.Popen | None = None,
               seconds: float = 30) -> tuple[bool, int, str]:
    """Whether the text of `path` came to be `written` (a file not there yet is not), waiting until it is, or a hang
    guard passes (`seconds` on a quiet machine, longer on a busy one), or `program`, when given, has ended; with
    the guard's seconds and how it got them, for the caller's own message (program.poll() tells which stopped it).
    The text is read once more after a stop: a program may write its mark just before it ends."""
    import time

    def is_written() -> bool:
        return path.exists() and written(path.read_text())

    given, how = hang_guard(seconds)
    deadline = time.monotonic() + given
    while not is_written():
        if (program is not None and program.poll() is not None) or time.monotonic() > deadline:
            return is_written(), given, how
        time.sleep(0.02)
    return True, given, how


def alive(pid: int) -> bool:
    """True while process `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):     # gone, or reaped between the open and the read (ESRCH)
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def child_subreaper() -> bool:
    """Whether this process is a child subreaper, asked of prctl straight (Linux only): the reference that
    child_processes.subreaper and the blocks that use it are checked against."""
    import ctypes

    from keras_models.course.child_processes import PR_GET_CHILD_SUBREAPER  # 37, linux/prctl.h

    flag = ctypes.c_int(0)
    assert ctypes.CDLL(None, use_errno=True).prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) == 0, \
        os.strerror(ctypes.get_errno())
    return bool(flag.value)


def set_child_subreaper(on: bool) -> None:
    """Make this process a child subreaper (on) or not, through prctl straight (Linux only)."""
    import ctypes

    from keras_models.course.child_processes import PR_SET_CHILD_SUBREAPER  # 36, linux/prctl.h

    assert ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0, \
        os.strerror(ctypes.get_errno())


@contextlib.contextmanager
def child_subreaper_put_back() -> Iterator[bool]:
    """The child-subreaper flag as it was before the block, whatever the block (or the code it tests) left it as;
    yields what it was. The flag is the test worker's own, and a later test that forks would inherit its orphans."""
    was = child_subreaper()
    try:
        yield was
    finally:
        set_child_subreaper(was)


# What an exercise file saved as UTF-16 without a byte-order mark is told (notebook_source.read_text), by make
# exercises and make grade alike.
UTF_16_WITHOUT_A_MARK = ("{name} is not UTF-8 text (it looks like UTF-16 saved without a byte-order mark: nearly every "
                         "second byte is 0): save it as UTF-8")


def comments_as_text(source: str) -> str:
    """The comment lines of a Python source joined into one line of words, their "#" dropped: a lesson's prose or an
    exercise's brief as the learner reads it."""
    return " ".join(" ".join(line.strip().lstrip("#").split()) for line in source.splitlines()
                    if line.strip().startswith("#"))


def exits_in_tanh(solved01: str) -> str:
    """ex01's solution with Tanh.fn calling sys.exit(0) where it returns: a function the grader calls ends the
    program."""
    exiting = solved01.replace("        return np.tanh(np.asarray(z, dtype=float))\n",
                               "        import sys\n        sys.exit(0)\n")
    assert exiting != solved01, "ex01's Tanh.fn no longer returns np.tanh(np.asarray(z, dtype=float))"
    return exiting


def line_of(text: str, needle: str) -> int:
    """The number of the first line of `text` (1: the first) that holds `needle`."""
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def write_class(folder: Path, learners: dict[str, dict[str, str]]) -> Path:
    """A class's submissions for `make grade`: {learner: {file name: text}} as one folder per learner, every file
    saved at the same time (so that no version of an exercise is the later one)."""
    for learner, files in learners.items():
        for name, text in files.items():
            (folder / learner / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / learner / name).write_text(text, encoding="utf-8")
            os.utime(folder / learner / name, (1_000_000_000,) * 2)
    return folder


@contextlib.contextmanager
def stop_handlers_put_back() -> Iterator[None]:
    """SIGINT's, SIGTERM's and SIGHUP's handlers as they were before the block: a program's main called in the test's
    own process sets its own, for good, and left in the worker they change its later tests."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def stdout_as(stream) -> Iterator:
    """sys.stdout is `stream` inside the block, and what it was before after it, closed or not. Not a monkeypatch:
    one set up before capsys is undone after capsys's teardown, which put capsys's closed stream back in sys.stdout
    (`pytest -s`: "ValueError: I/O operation on closed file" as pytest flushed it at exit)."""
    before = sys.stdout
    sys.stdout = stream
    try:
        yield stream
    finally:
        sys.stdout = before
        with contextlib.suppress(OSError):                  # what it could not write: the test closed it, or it is lost
            stream.close()


@contextlib.contextmanager
def closed_pipe(line_buffered: bool = True) -> Iterator:
    """sys.stdout as `make ... | head -1` leaves it once head has its line: a pipe nobody reads any more (its read
    end closed), so a write that reaches it raises BrokenPipeError: each line's print (line_buffered), or only the
    flush of a buffer that was not full yet (a pipe's usual buffering). Gives that stream, for the test to close:
    closing flushes it, as Python does at exit."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    with stdout_as(open(write_end, "w", encoding="utf-8", buffering=1 if line_buffered else -1)) as stream:
        yield stream


# An output that takes no more, two ways, for two things: dev_full is a real file descriptor, so the test can also
# see the program's flush at exit find somewhere to go (closed_output points the descriptor at /dev/null); FullOutput
# takes some lines first (make grade's table after its "grading ..." line), which /dev/full cannot.

@contextlib.contextmanager
def dev_full() -> Iterator:
    """sys.stdout as `> /dev/full` leaves it (or `> log.txt` on a full disk): every write raises OSError ENOSPC.
    Gives that stream, for the test to close: closing flushes what it could not write, as Python does at exit."""
    with stdout_as(open("/dev/full", "w", buffering=1)) as stream:
        yield stream


def started_into(output: Callable, run: Callable[[], object]) -> object:
    """`run()` as a program started with stdout `output()` (dev_full, closed_pipe): prepare_output_streams first, as
    every program does, and stdout closed after, as Python does at exit, which must find nothing left to fail.
    Returns what `run` returned."""
    from keras_models.twins.closed_output import prepare_output_streams
    with output() as stdout:
        prepare_output_streams()
        result = run()
        stdout.close()
    return result


def output_closed(program: str) -> str:
    """The line a program prints on stderr when its output is a pipe whose reader has ended (`| head -1`)."""
    return f"error: the output was closed while {program} was printing (a pipe into a command that ended?)\n"


def output_full(program: str) -> str:
    """The line a program prints on stderr when its output takes no more (`> /dev/full`)."""
    return (f"error: the output of {program} could not be written: No space left on device (the disk it goes to is "
            "full?)\n")


class FullOutput(io.StringIO):
    """sys.stdout as `> /dev/full` leaves it, after `lines` lines: once it holds them, a write raises OSError ENOSPC."""

    def __init__(self, lines: int = 0):
        super().__init__()
        self.lines = lines

    def write(self, text: str) -> int:
        if self.getvalue().count("\n") >= self.lines:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(text)


def full_output(lines: int = 0):
    """sys.stdout a FullOutput that takes `lines` lines, then no more (a context manager, as stdout_as)."""
    return stdout_as(FullOutput(lines))


@contextlib.contextmanager
def file_size_limit(nbytes: int):
    """Files of this process cannot grow past `nbytes` (a write beyond fails with EFBIG, as on a full disk)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)        # else the kernel's SIGXFSZ ends the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def the_disk_fills_while_writing(fig, target, **options) -> None:
    """Figure.savefig on a full disk (monkeypatch it in): the PNG's first bytes are written, then ENOSPC."""
    Path(target).write_bytes(b"\x89PNG")
    raise OSError(errno.ENOSPC, "No space left on device")


def read_csv(path: Path) -> list[list[str]]:
    """The rows of the CSV file at `path` (a class's grades.csv or grades_reasons.csv), its first line first."""
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def as_for_a_learner(monkeypatch: pytest.MonkeyPatch, folder: Path, *, read_only: bool = False) -> None:
    """Make `folder` behave for a learner as mode 000 does (or 555 with `read_only=True`), where root, these tests'
    user, reads, writes and enters anything: os.access answers no for it, no file can be created inside it
    (os.open with O_CREAT), and, mode 000, nothing inside it can even be looked at (Path.exists, os.open raise
    PermissionError, as the kernel does for a folder one may not enter)."""
    access, exists, opened = os.access, Path.exists, os.open

    def inside(path) -> bool:
        return Path(path).absolute().is_relative_to(folder) and Path(path).absolute() != folder

    def refused_exists(path: Path) -> bool:
        if not read_only and inside(path):
            raise PermissionError(13, "Permission denied", str(path))
        return exists(path)

    def refused_open(path, flags, *args, **kwargs):
        tmpfile = getattr(os, "O_TMPFILE", 0)              # tempfile's nameless file: opened on the folder itself
        creates = flags & os.O_CREAT or (tmpfile and flags & tmpfile == tmpfile)
        if Path(path).absolute().is_relative_to(folder) and (not read_only or creates):
            raise PermissionError(13, "Permission denied", str(path))
        return opened(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "access", lambda path, mode: Path(path).absolute() != folder and access(path, mode))
    monkeypatch.setattr(Path, "exists", refused_exists)
    monkeypatch.setattr(os, "open", refused_open)


def make_environment(**env: str) -> dict[str, str]:
    """The environment for a make a test starts: this one's, with `env` added, but without what a make running
    this test (make test PYTHON=...) passes down to its children: its command-line variables are not this one's."""
    # make exports its command-line variables too (make train test EPOCHS=1: EPOCHS=1 reached every make a test ran,
    # which took it for the learner's); MAKEFLAGS names them after " -- ", a space in a value written "\\ "
    overrides = os.environ.get("MAKEFLAGS", "").partition(" -- ")[2]
    given = {word.split("=")[0].rstrip(":") for word in re.split(r"(?<!\\) ", overrides) if "=" in word}
    inherited = {k: v for k, v in os.environ.items()
                 if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PYTHON", *given)}
    return {**inherited, **env}


def run_make(folder: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """`make --no-print-directory ARGS` in `folder`, captured; env: more variables (make_environment)."""
    return subprocess.run([shutil.which("make") or "make", "--no-print-directory", *args], cwd=folder,
                          env=make_environment(**env), capture_output=True, text=True, timeout=timeout)


# --- a learner's git, as the restore advice meets it ------------------------------------------------

def git_in(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """`git ARGS` in `repo`, as a learner types it there (no hook's GIT_DIR pointing elsewhere), its output kept."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    return subprocess.run(["git", "-c", "user.name=learner", "-c", "user.email=learner@example.invalid", *args],
                          cwd=repo, env=kept, capture_output=True, text=True)


LOSSES = ("git rm", "staged damaged", "staged damaged, then deleted")


def lose_committed(repo: Path, path: Path, shipped: bytes, how: str) -> None:
    """`shipped` written at `path` (in `repo`) beside another file, committed in a new repository at `repo`, then lost
    `how` (one of LOSSES, see lose)."""
    assert how in LOSSES, how
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(shipped)
    (path.parent / "README.md").write_text("another file: git rm leaves the folder\n")
    committed_in_a_new_repository(repo, str(path.parent.relative_to(repo)))
    lose(repo, path, how)


def committed_in_a_new_repository(repo: Path, *paths: str) -> None:
    """A new git repository at `repo`, with `paths` (relative to it, as they are on disk) committed: the course as a
    clone holds it, where the restore advice a line gives can be run."""
    for args in (["init", "-q"], ["add", "--", *paths], ["commit", "-q", "-m", "the course"]):
        assert git_in(repo, *args).returncode == 0


def lose(repo: Path, path: Path, how: str) -> None:
    """The committed file at `path` (in the git repository `repo`) lost `how`: "deleted" only on disk, so `git checkout
    X` brings it back; or one of LOSSES: "git rm" takes it out of git's index too, so `git checkout X` fails
    ("pathspec ... did not match"); "staged damaged" stages damaged bytes (`git add -A`, as a learner committing
    their work does), so `git checkout X` brings the damage back; "staged damaged, then deleted" leaves only the
    index's damaged copy."""
    assert how in ("deleted", *LOSSES), how
    relative = str(path.relative_to(repo))
    if how == "git rm":
        assert git_in(repo, "rm", "-q", "--", relative).returncode == 0
        return
    if how != "deleted":
        path.write_text("damaged\n")
        assert git_in(repo, "add", "-A", "--", relative).returncode == 0
    if how != "staged damaged":
        path.unlink()


def restore_as_advised(repo: Path, message: str, path: Path, shipped: bytes) -> None:
    """The `git ...` that `message` ends with ("restore it with `git ...`", or make release's "... `git ...` (nothing
    was written)", or make grade's "restore it (git ...) and grade again"), run in `repo` as the learner types it
    there: it must succeed and bring back the committed bytes `shipped` at `path`."""
    advice = re.search(r"restore it (?:with `(git [^`]+)`(?: \([^()]*\))?|\((git [^()]+)\) and grade again)$", message)
    assert advice, message
    ran = git_in(repo, *shlex.split(advice[1] or advice[2])[1:])
    assert ran.returncode == 0, ran.stderr
    assert path.read_bytes() == shipped


# --- the instructor's git, as make release and make mutants meet it ----------------------------------

HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "reference-transaction", "post-commit")


def instructors_git_config(folder: Path) -> Path:
    """A global git config (for GIT_CONFIG_GLOBAL) made for the instructor's own repositories, each of whose settings
    would spoil make release's or make mutants' commit: hooks (core.hooksPath, folder/hooks) that each leave a mark
    (folder/hooks/ran-NAME) and refuse (exit 1), signed commits with a gpg that is not there, and files ignored
    everywhere -- notebooks and CSV files (core.excludesFile), JSON files (the info/exclude of init.templateDir, which
    git init copies into each new repository), and a default branch of its own (init.defaultBranch). It is written
    as folder/.gitconfig, where git finds it with HOME=folder too: a git run with the GIT_ variables dropped (and
    GIT_CONFIG_GLOBAL with them) reads it there."""
    hooks, template = folder / "hooks", folder / "template"
    hooks.mkdir()
    for name in HOOKS:
        (hooks / name).write_text(f"#!/bin/sh\ntouch '{hooks}/ran-{name}'\necho '{name}: refused' >&2\nexit 1\n",
                                  encoding="utf-8")
        (hooks / name).chmod(0o755)
    (folder / "ignore").write_text("*.ipynb\n*.csv\n", encoding="utf-8")
    (template / "info").mkdir(parents=True)
    (template / "info" / "exclude").write_text("*.json\n", encoding="utf-8")
    config = folder / ".gitconfig"
    config.write_text(f"[core]\n\thooksPath = {hooks}\n\texcludesFile = {folder / 'ignore'}\n"
                      f"[commit]\n\tgpgSign = true\n[gpg]\n\tprogram = {folder / 'no-gpg-here'}\n"
                      f"[init]\n\ttemplateDir = {template}\n\tdefaultBranch = trunk\n", encoding="utf-8")
    return config


def git_hooks_variables(decoy: Path) -> dict[str, str]:
    """GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE as git sets them for a hook, naming a new repository with no commit
    made at `decoy`: what a command started from a git hook inherits, and a git it runs without dropping them works on
    that repository instead of the folder it was run in."""
    subprocess.run(["git", "init", "-q", str(decoy)], check=True)
    return {"GIT_DIR": str(decoy / ".git"), "GIT_WORK_TREE": str(decoy),
            "GIT_INDEX_FILE": str(decoy / ".git" / "index")}


ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                               reason="only root gives a folder to another user")


def a_clone_another_user_owns(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git checkout in `folder` tracking one file, scratch/a.py, owned by another uid (as root only: ROOT_ONLY): one
    git refuses ("detected dubious ownership") unless a safe.directory trusts it, here in GIT_CONFIG_GLOBAL."""
    (folder / "scratch").mkdir(parents=True)
    (folder / "scratch" / "a.py").write_text("a = 1\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run(["git", "add", "."], cwd=folder, check=True)
    for parent, _, names in os.walk(folder):
        for name in (parent, *(os.path.join(parent, name) for name in names)):
            os.chown(name, 12345, 12345)                     # another user's clone
    (folder.parent / "global").write_text(f"[safe]\n\tdirectory = {folder.resolve()}\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(folder.parent / "global"))
    monkeypatch.delenv("SUDO_UID", raising=False)               # else git takes root for the user sudo was run by
    return folder


def learners_own(path: Path) -> bool:
    """Whether `path` (in this checkout) is one of the learner's own exercise files: git-ignored and cut from the
    solutions, their work, which may be half-written or saved in another encoding (Notepad's BOM or UTF-16), not the
    project's source that a test reads as text. The rule is the one make release and .gitignore follow, so that
    Windows' "ex01_perceptron_activations - Copy.py" is the learner's too."""
    from keras_models.course.instructor.release import LEARNER_WORK_IGNORED
    return path.resolve().relative_to(Path(__file__).resolve().parents[1]).match(LEARNER_WORK_IGNORED[0])


def notebooks_written_into(root: Path, patch: pytest.MonkeyPatch) -> Path:
    """`make notebooks` (keras_models/course/jupyter/build.py) moved into `root` for the rest of the test through
    `patch`: the learner's exercise files in root/exercises (made, empty), the notebooks in root/notebooks, the
    backups in root/backup, the kernel it registers in root/jupyter/kernels, its settings in root/jupyter_config.
    Returns the notebooks' folder."""
    from keras_models.course.exercises import graders
    from keras_models.course.jupyter import build

    patch.setattr(graders, "EXERCISES_DIR", root / "exercises")
    patch.setattr(build, "NOTEBOOKS", root / "notebooks")
    patch.setattr(build, "BACKUP_DIR", root / "backup")
    patch.setattr(build, "JUPYTER_DATA", root / "jupyter")         # the kernel it registers, not in .venv
    patch.setattr(build, "JUPYTER_CONFIG", root / "jupyter_config")   # the settings it writes for it, likewise
    (root / "exercises").mkdir()
    return root / "notebooks"


def exercises_reset_into(root: Path, patch: pytest.MonkeyPatch) -> None:
    """`make exercise-reset` moved into `root` for the rest of the test through `patch`: the learner's exercise files
    in root/exercises (made, empty), the backups in root/backup, and every path it prints shown from `root`."""
    from keras_models.course.exercises import graders, reset
    from keras_models.twins import repository

    patch.setattr(graders, "EXERCISES_DIR", root / "exercises")
    patch.setattr(repository, "REPO", root)                          # what from_repository shows
    patch.setattr(reset, "BACKUP_DIR", root / "backup")
    (root / "exercises").mkdir()


def jupyter_environment(**more: str) -> dict[str, str]:
    """The environment for a Jupyter server or kernel started by a test, as a learner's: this process's, plus
    `more`, without PYTEST_CURRENT_TEST. ipykernel sees that variable and then leaves what is written to file
    descriptors 1 and 2 out of the notebook; for a learner it shows it (C++ output: TensorFlow's chatter, if
    nothing filtered it)."""
    return {**{name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}, **more}


def free_ports(n: int = 1) -> list[int]:
    """n TCP ports on 127.0.0.1 that nothing listens on right now (the kernel picks them)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_until_tensorflow_loads(process) -> bool:
    """Return True once `process` has mapped TensorFlow's shared library: its import has begun (and takes
    seconds). False at once where there is no /proc to tell."""
    import time

    maps = Path(f"/proc/{process.pid}/maps")
    if not maps.exists():
        return False
    deadline = time.monotonic() + 120
    while "libtensorflow" not in maps.read_text():
        assert time.monotonic() < deadline and process.poll() is None, "TensorFlow never started to load"
        time.sleep(0.01)
    return True


class RaisesInDel:
    """An object whose __del__ sends `sig` to this process: Python runs the handler inside __del__, and an exception
    the handler raises there is printed as "Exception ignored" and dropped (twins/terminated.py, stopped_meanwhile).
    `RaisesInDel(sig)` alone, freed at once, makes the drop happen on that line."""

    def __init__(self, sig: int):
        self.sig = sig

    def __del__(self):
        signal.raise_signal(self.sig)


# RaisesInDel as text, for a script or a learner's file run by a Python of its own (which imports signal first)
RAISES_IN_DEL = inspect.getsource(RaisesInDel)


def ctrl_c_while_importing(module: str, slow_import: str, folder: Path) -> subprocess.CompletedProcess:
    """This Python running `-m module` (a fresh process: its start-up is what is tested), sent SIGINT while it imports
    `slow_import`: a stand-in for that module, first on PYTHONPATH, that says it has begun and sleeps (far longer
    than the waits here: a SIGINT missed must fail the test, not let the program wake and go on, into a real make lab
    on port 8888). The program is killed whatever happens; a failure says which wait ran out."""
    fake, begun = folder / "slow_imports", folder / "import-begun"
    fake.mkdir()
    (fake / f"{slow_import}.py").write_text(f"import pathlib, time\npathlib.Path({str(begun)!r}).touch()\n"
                                            "time.sleep(3600)\n")       # (the waits: at most 600 s)
    process = subprocess.Popen([sys.executable, "-m", module], cwd=Path(__file__).resolve().parents[1],
                               env={**os.environ, "PYTHONPATH": str(fake)}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        begun_in_time, given, how = waited_for(begun, lambda text: True, process, 60)
        if begun_in_time:
            process.send_signal(signal.SIGINT)
            with at_most(60, f"{module} after its Ctrl-C"):
                out, err = process.communicate()
            return subprocess.CompletedProcess(process.args, process.returncode, out, err)
    finally:
        if process.poll() is None:
            process.kill()
    out, err = process.communicate()
    raise AssertionError(f"{module} never began importing {slow_import} within {given} s ({how}): {out}{err}")


# --- what a learner reads ----------------------------------------------------------------------
# TensorFlow 2.21 prints its oneDNN and CPU-feature notices on stderr as it starts, before its logging
# is set up, whatever TF_CPP_MIN_LOG_LEVEL says; they are not the project's, so tests that count the
# lines a command prints leave them out.
_TENSORFLOW_STARTUP = re.compile(r"(WARNING: All log messages before absl::InitializeLog|[IWE]\d{4} \d\d:\d\d:\d+\.\d+ "
                                 r"|To enable the following instructions: )")


def learner_lines(text: str) -> list[str]:
    """The non-empty lines of a command's output, without TensorFlow's start-up notices."""
    return [line for line in text.splitlines() if line.strip() and not _TENSORFLOW_STARTUP.match(line)]
