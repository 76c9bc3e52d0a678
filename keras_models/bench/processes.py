"""Whole programs for `make bench`: peak memory and wall time, each measured in a process of its own.

One process cannot tell its two halves apart, so the memory of a scratch run, of TensorFlow imported,
and of a Keras run are each measured in a fresh process, and `make train` / `make test` as the
learner runs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from keras_models.bench.numpy_runs import SHAPES, make_data
from keras_models.twins.repository import REPO

# -- Whole programs: peak memory and wall time, each in its own process ----------------------------
# A wrapper process runs the command and reports the peak resident memory of its largest descendant
# (getrusage(RUSAGE_CHILDREN).ru_maxrss, KiB on Linux), untouched by anything else this bench ran.
_WRAPPER = """import json, resource, subprocess, sys, time
start = time.perf_counter()
with open(sys.argv[1], "w") as log:
    code = subprocess.run(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT).returncode
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // (1024 if sys.platform == "darwin" else 1)
print(json.dumps({"seconds": time.perf_counter() - start, "peak_mib": kib / 1024, "returncode": code}))
"""


def run_measured(command: list[str], log_path: Path) -> dict:
    """Run `command` from the repository root; {"seconds", "peak_mib", "returncode"}. Output -> log_path."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, str(log_path), *command], cwd=REPO,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def keras_memory_run(shape_name: str | None, epochs: int = 2) -> None:
    """Train default Keras fit for a few epochs in this (fresh) process; run_measured reads its peak
    memory. With no shape, train nothing: the memory of Python with TensorFlow and Keras loaded."""
    # TensorFlow is imported here, in this process alone: venv_up_to_date, read by the Makefile's tests, needs none
    from keras_models.bench.keras_runs import KerasRun

    if shape_name is None:
        return
    shape = SHAPES[shape_name]
    X, y = make_data(shape)
    run = KerasRun(shape, X, y, {})
    for _ in range(epochs):
        run.epoch()


# What the packages are installed from, as the Makefile's SUMS takes it: `cksum pyproject.toml constraints.txt`
SUMS = ["cksum", "pyproject.toml", "constraints.txt"]


def venv_up_to_date(repo: Path) -> bool:
    """Whether `make train` would start at once (the Makefile's rule): .venv's stamp is there, and the sums it
    records after its first line, the Python, are those of pyproject.toml and constraints.txt now. A stamp written
    by an older Makefile records the Python alone: then it is up to date if newer than both files. Otherwise make
    would install the packages first, inside the time."""
    stamp = repo / ".venv" / ".installed"
    if not stamp.is_file():
        return False
    recorded = stamp.read_text().splitlines()[1:]
    if not recorded:
        return all(not (repo / name).exists() or (repo / name).stat().st_mtime <= stamp.stat().st_mtime
                   for name in SUMS[1:])
    now = subprocess.run(SUMS, cwd=repo, capture_output=True, text=True).stdout.splitlines()
    return recorded == now


def process_rows(out_dir: Path, stamp: str, *, make_train: bool, make_test: bool, memory_shape: str) -> list[dict]:
    """Peak memory of a scratch and a Keras training run, and of make train / make test with their wall time."""
    rows = []
    for command, what in [
        (["keras_models.bench.numpy_runs", "--memory-run", memory_shape], f"scratch fit, 2 epochs of {memory_shape}"),
        (["keras_models.bench", "--memory-run", "import"], "python + TensorFlow + Keras imported, no training"),
        (["keras_models.bench", "--memory-run", memory_shape], f"keras fit (default), 2 epochs of {memory_shape}"),
    ]:
        log = out_dir / f"{stamp}_memory_{command[0].split('.')[-1]}_{command[-1]}.log"
        rows.append({"process": what, **run_measured([sys.executable, "-m", *command], log)})
    for target, wanted in [("train", make_train), ("test", make_test)]:
        if not wanted:
            continue
        if target == "test" and not (REPO / "tests").is_dir():          # a learner copy (make release): there
            rows.append({"process": "make test", "seconds": float("nan"), "peak_mib": float("nan"),   # make test
                         "returncode": "skipped: this learner copy has no tests/"})    # stops at once, exit 2
            continue
        if not venv_up_to_date(REPO):
            rows.append({"process": f"make {target}", "seconds": float("nan"), "peak_mib": float("nan"),
                         "returncode": "skipped: .venv is out of date (run `make setup` first)"})
            continue
        r = run_measured(["make", target], out_dir / f"{stamp}_make_{target}.log")
        rows.append({"process": f"make {target}", **r})
    return rows
