"""`make bench`: the scratch network's speed next to Keras, and next to the bare matrix products.

    python -m keras_models.bench [--quick] [--skip-make] [--shapes course,medium,large] [--out logs/bench]

What one training epoch costs, for three network shapes (float32, Adam, categorical cross-entropy
on a softmax output, accuracy reported every batch, as `make train` does):

    course   569 x 30 -> 64 -> 64 -> 2,             batch 32    real data: the breast-cancer set
    medium   20,000 x 64 -> 128 -> 128 -> 10,       batch 32    synthetic: Gaussian inputs, random labels
    large    20,000 x 784 -> 1024 -> 1024 -> 10,    batch 512   synthetic, the size of MNIST's first layer

and, for each, these runs (all in one process, interleaved A B C ... A B C ..., medians reported,
the first epoch of each run left out as warm-up: Keras traces and compiles its graph there):

    floor     the epoch's matrix products alone, in a plain NumPy loop over preallocated arrays:
              per batch a @ W for every layer (forward), a.T @ delta for every layer (BP4), and
              delta @ W.T for every layer but the first (BP2; nobody needs dC/dX, and neither side
              computes it). Nothing a real step can skip; `floor share` = floor time / epoch time,
              for scratch against the floor with its own number of BLAS threads.
    scratch   Network.fit, with NumPy's BLAS (OpenBLAS) on 1 thread and on every core
    keras     Model.fit with default settings; with steps_per_execution; exactly as `make train`
              configures it; and tuned (a shuffled, cached, prefetched tf.data pipeline + XLA).

then the peak memory of a scratch and a Keras training run (each in its own process: one process
cannot tell its two halves apart), and the wall time and peak memory of `make train` and `make test`.
The table goes to the terminal and to logs/bench/bench_<time>.{md,csv} and logs/bench/latest.md.

The machine is what it is: absolute times drift with whatever else runs on it; ratios measured side
by side in one process hold far better. `--quick` uses fewer repeats and skips `make test`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")      # before TensorFlow loads: keep its C++ chatter quiet

import argparse  # noqa: E402
import csv  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

from keras_models.bench_numpy import (  # noqa: E402
    LEARNING_RATE,
    LOSS,
    SHAPES,
    EpochTimer,
    Floor,
    ScratchRun,
    Shape,
    make_data,
    make_network,
    matmul_flops,
    thread_label,
)
from keras_models.train import STEPS_PER_EXECUTION, keras_batches  # noqa: E402
from keras_models.twin import keras_loss, keras_optimizer, to_keras  # noqa: E402
from scratch import optimizers  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORES = os.cpu_count() or 1
# Four Keras models per shape trace their graphs on purpose: TensorFlow's "retracing" warning is noise.
tf.get_logger().setLevel("ERROR")


# -- The Keras runs (the shapes, the floor and the scratch runs are in bench_numpy) ----------------
class KerasEpochTimer(EpochTimer, keras.callbacks.Callback):
    """bench_numpy's EpochTimer as a Keras callback: both sides are timed by the same two hooks."""


class KerasRun:
    """Model.fit, one epoch per call; `compile_args` and `dataset` say how it is configured."""

    def __init__(self, shape: Shape, X: np.ndarray, y: np.ndarray, compile_args: dict,
                 dataset: Callable[[], tf.data.Dataset] | None = None):
        self.shape, self.X, self.y = shape, X, y
        self.model = to_keras(make_network(shape))                  # the scratch runs' starting weights
        self.model.compile(loss=keras_loss("float32", LOSS),
                           optimizer=keras_optimizer(optimizers.Adam(learning_rate=LEARNING_RATE)),
                           metrics=["accuracy"], **compile_args)
        self.dataset = dataset() if dataset is not None else None  # built once: its cache outlives an epoch

    def epoch(self) -> float:
        timer = KerasEpochTimer()
        if self.dataset is None:        # NumPy arrays: Keras slices and shuffles them itself
            self.model.fit(self.X, self.y, batch_size=self.shape.batch_size, epochs=1, callbacks=[timer], verbose=0)
        else:                           # a tf.data pipeline batches (and maybe shuffles) for it
            self.model.fit(self.dataset, epochs=1, shuffle=False, callbacks=[timer], verbose=0)
        return timer.seconds


def make_runs(shape: Shape, X: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Every run of the table for one shape, by name, in the order they are interleaved."""
    spe = STEPS_PER_EXECUTION

    def as_make_train() -> tf.data.Dataset:             # keras_models.train.fit_keras's pipeline
        return keras_batches(X, y, shape.batch_size)

    def shuffled() -> tf.data.Dataset:                   # cached once, reshuffled every epoch, prefetched
        return (tf.data.Dataset.from_tensor_slices((X, y)).cache().shuffle(len(X), seed=0)
                .batch(shape.batch_size).prefetch(tf.data.AUTOTUNE))

    threads = sorted({1, CORES})
    runs: dict[str, object] = {}
    for n in threads:
        runs[f"floor: NumPy matmuls, {thread_label(n)}"] = Floor(shape, X, n)
    for n in threads:
        runs[f"scratch fit, {thread_label(n)}"] = ScratchRun(shape, X, y, n)
    runs["keras fit, default"] = KerasRun(shape, X, y, {})
    runs[f"keras fit, steps_per_execution={spe}"] = KerasRun(shape, X, y, {"steps_per_execution": spe})
    runs[f"keras fit, as make train (spe={spe}, cached tf.data)"] = KerasRun(
        shape, X, y, {"steps_per_execution": spe}, as_make_train)
    runs[f"keras fit, tuned (spe={spe}, shuffled tf.data, jit_compile)"] = KerasRun(
        shape, X, y, {"steps_per_execution": spe, "jit_compile": True}, shuffled)
    return runs


def settle(longest: float = 1.0, step: float = 0.05) -> None:
    """Wait until this process is idle, so that no run pays for the one before it.

    OpenBLAS's worker threads keep spinning for about 0.1 s after their last product: long enough to
    take a core from a 50 ms Keras epoch that follows. Python's garbage (a finished tf.data iterator)
    is collected here too, not in the middle of the next run.
    """
    gc.collect()
    deadline = time.perf_counter() + longest
    while time.perf_counter() < deadline:
        cpu = time.process_time()                       # CPU seconds of all this process's threads
        time.sleep(step)
        if time.process_time() - cpu < 0.1 * step:
            return


def measure(runs: dict[str, object], repeats: int) -> dict[str, list[float]]:
    """Seconds per epoch of each run: one warm-up epoch each, then `repeats` rounds A B C ... A B C."""
    for run in runs.values():
        run.epoch()                                                        # warm-up, not counted
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            settle()
            seconds[name].append(run.epoch())
    return seconds


# -- The table --------------------------------------------------------------------------------------
COLUMNS = ["shape", "run", "epoch_ms", "repeats", "x_vs_keras_default", "floor_share", "gflops"]


def epoch_rows(shape: Shape, seconds: dict[str, list[float]]) -> list[dict]:
    """One row per run: median epoch time, speed-up over default Keras fit, floor share, GFLOP/s.

    floor share = floor time / the run's time. A scratch run is held to the floor with the same
    number of BLAS threads (its own matmuls, under the same settings); Keras, which brings its own
    matmul library (oneDNN), to the fastest floor. GFLOP/s counts the floor's products only: the
    useful arithmetic each run got through per second.
    """
    median = {name: statistics.median(s) for name, s in seconds.items()}
    floors = {name.split(", ")[-1]: t for name, t in median.items() if name.startswith("floor")}  # by threads
    fastest = min(floors.values())

    def floor_for(name: str) -> float:
        return floors.get(name.split(", ")[-1], fastest) if name.startswith("scratch") else fastest

    keras_default = median.get("keras fit, default", float("nan"))
    flops = matmul_flops(shape)
    return [{"shape": shape.name, "run": name, "epoch_ms": 1000 * t, "repeats": len(seconds[name]),
             "x_vs_keras_default": keras_default / t, "floor_share": floor_for(name) / t, "gflops": flops / t / 1e9}
            for name, t in median.items()]


def best_scratch(rows: list[dict], shape: str) -> dict | None:
    candidates = [r for r in rows if r["shape"] == shape and r["run"].startswith("scratch")]
    return min(candidates, key=lambda r: r["epoch_ms"]) if candidates else None


def row_named(rows: list[dict], shape: str, prefix: str) -> dict | None:
    return next((r for r in rows if r["shape"] == shape and r["run"].startswith(prefix)), None)


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
    if shape_name is None:
        return
    shape = SHAPES[shape_name]
    X, y = make_data(shape)
    run = KerasRun(shape, X, y, {})
    for _ in range(epochs):
        run.epoch()


def process_rows(out_dir: Path, stamp: str, *, make_train: bool, make_test: bool, memory_shape: str) -> list[dict]:
    """Peak memory of a scratch and a Keras training run, and of make train / make test with their wall time."""
    rows = []
    for command, what in [
        (["keras_models.bench_numpy", "--memory-run", memory_shape], f"scratch fit, 2 epochs of {memory_shape}"),
        (["keras_models.bench", "--memory-run", "import"], "python + TensorFlow + Keras imported, no training"),
        (["keras_models.bench", "--memory-run", memory_shape], f"keras fit (default), 2 epochs of {memory_shape}"),
    ]:
        log = out_dir / f"{stamp}_memory_{command[0].split('.')[-1]}_{command[-1]}.log"
        rows.append({"process": what, **run_measured([sys.executable, "-m", *command], log)})
    for target, wanted in [("train", make_train), ("test", make_test)]:
        if not wanted:
            continue
        if subprocess.run(["make", "-q", ".venv/.installed"], cwd=REPO).returncode != 0:
            rows.append({"process": f"make {target}", "seconds": float("nan"), "peak_mib": float("nan"),
                         "returncode": "skipped: .venv is out of date (run `make setup` first)"})
            continue
        r = run_measured(["make", target], out_dir / f"{stamp}_make_{target}.log")
        rows.append({"process": f"make {target}", **r})
    return rows


# -- Goals (issue 7) ---------------------------------------------------------------------------------
def goal_rows(rows: list[dict], processes: list[dict]) -> list[dict]:
    """Each goal with its target, what was measured, and whether it is met (None: not measured)."""
    goals = []

    def add(goal: str, target: str, met: bool | None, shown: str | None):
        goals.append({"goal": goal, "target": target, "measured": shown or "not measured",
                      "met": met if shown else None})

    for shape, factor in [("course", 10), ("medium", 2), ("large", 1)]:
        best = best_scratch(rows, shape)
        ratio = best and best["x_vs_keras_default"]
        add(f"scratch vs default keras fit, {shape}", f">= {factor}x", bool(best) and ratio >= factor,
            best and f"{ratio:.1f}x ({best['run']})")
    # Held to the floor on one BLAS thread: on a shared machine two threads wait for each other whenever
    # anything else runs, and both the 2-thread floor and the 2-thread epoch swing by 2x and more.
    one = row_named(rows, "large", f"scratch fit, {thread_label(1)}")
    share = one and one["floor_share"]
    add("large scratch epoch vs its matmul floor (1 BLAS thread)", ">= 70%", bool(one) and share >= 0.70,
        one and f"{share:.0%}")
    project = row_named(rows, "course", "keras fit, as make train")
    ratio = project and project["x_vs_keras_default"]
    add("make train's keras setup vs default fit, course", ">= 3x", bool(project) and ratio >= 3,
        project and f"{ratio:.1f}x")
    done = {p["process"]: p for p in processes if isinstance(p.get("returncode"), int)}
    for target, what, key, limit, unit in [("make train", "make train wall time", "seconds", 60, "s"),
                                           ("make test", "make test wall time", "seconds", 300, "s"),
                                           ("make train", "peak memory of make train", "peak_mib", 2048, "MiB")]:
        p = done.get(target)
        failed = p and p["returncode"] != 0
        add(what, f"<= {limit} {unit}", bool(p) and not failed and p[key] <= limit,
            p and f"{p[key]:.0f} {unit}" + (f" (exit {p['returncode']})" if failed else ""))
    return goals


# -- Reports ------------------------------------------------------------------------------------------
def header_lines(args: argparse.Namespace) -> list[str]:
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')}, {i['num_threads']} threads)"
            for i in threadpool_info() if i.get("user_api") == "blas" and "numpy" in i.get("filepath", "")]
    return [f"date {datetime.now():%Y-%m-%d %H:%M}, {CORES} cores (os.cpu_count()), {platform.machine()}, "
            f"Python {platform.python_version()}",
            f"numpy {np.__version__} (BLAS: {', '.join(blas) or 'unknown'}), tensorflow {tf.__version__}, "
            f"keras {keras.__version__}",
            f"mode: {'quick' if args.quick else 'full'}; float32, Adam(lr={LEARNING_RATE:g}), {LOSS}, "
            "accuracy every batch; medians of interleaved epochs, warm-up epoch excluded"]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def format_epoch_rows(rows: list[dict]) -> list[list[str]]:
    return [[r["shape"], r["run"], f"{r['epoch_ms']:.1f}", str(r["repeats"]), f"{r['x_vs_keras_default']:.2f}x",
             f"{r['floor_share']:.0%}", f"{r['gflops']:.1f}"] for r in rows]


def report_markdown(args, shapes: list[Shape], rows: list[dict], processes: list[dict], goals: list[dict]) -> str:
    parts = ["# make bench", "", *[f"- {line}" for line in header_lines(args)], ""]
    parts += [f"- {s.name}: {s.label}, {'real breast-cancer data' if s.data != 'synthetic' else 'synthetic data'}"
              for s in shapes]
    parts += ["", "## Epoch time", "",
              markdown_table(["shape", "run", "epoch ms (median)", "repeats", "vs keras default", "floor share",
                              "GFLOP/s"], format_epoch_rows(rows))]
    if processes:
        parts += ["", "## Whole processes", "",
                  markdown_table(["process", "wall s", "peak MiB (largest process)", "exit"],
                                 [[p["process"], f"{p['seconds']:.1f}", f"{p['peak_mib']:.0f}", str(p["returncode"])]
                                  for p in processes])]
    parts += ["", "## Goals (issue 7)", "",
              markdown_table(["goal", "target", "measured", "met"],
                             [[g["goal"], g["target"], g["measured"],
                               {True: "yes", False: "**no**", None: "-"}[g["met"]]] for g in goals])]
    return "\n".join(parts) + "\n"


def write_reports(out_dir: Path, stamp: str, markdown: str, rows: list[dict], processes: list[dict]) -> list[Path]:
    """bench_<stamp>.md, bench_<stamp>.csv (one row per run or process) and latest.md under out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md, csv_path, latest = out_dir / f"bench_{stamp}.md", out_dir / f"bench_{stamp}.csv", out_dir / "latest.md"
    md.write_text(markdown)
    latest.write_text(markdown)
    fields = [*COLUMNS, "process", "seconds", "peak_mib", "returncode"]
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        writer.writerows(processes)
    return [md, csv_path, latest]


# -- Main -----------------------------------------------------------------------------------------------
def bench_shapes(shapes: list[Shape], quick: bool, progress: Callable[[str], None] = print) -> list[dict]:
    rows = []
    for shape in shapes:
        X, y = make_data(shape)
        repeats = shape.quick_repeats if quick else shape.repeats
        progress(f"{shape.name}: {shape.label} ({shape.data}), {repeats} repeats ...")
        shape_rows = epoch_rows(shape, measure(make_runs(shape, X, y), repeats))
        for row in format_epoch_rows(shape_rows):
            progress(f"  {row[1]:<58} {row[2]:>9} ms  {row[4]:>7}  floor share {row[5]:>4}  {row[6]:>6} GFLOP/s")
        rows += shape_rows
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m keras_models.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and no make test (for iterating)")
    parser.add_argument("--skip-make", action="store_true", help="do not time make train / make test")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated, from {','.join(SHAPES)}")
    parser.add_argument("--out", type=Path, default=REPO / "logs" / "bench", help="where the reports go")
    parser.add_argument("--memory-run", choices=["import", *SHAPES], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = [s for s in args.shapes if s not in SHAPES]
    if unknown or not args.shapes:
        parser.error(f"unknown shape(s) {unknown}; choose from {', '.join(SHAPES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_run:
        keras_memory_run(None if args.memory_run == "import" else args.memory_run)
        return 0
    started = time.perf_counter()
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    args.out.mkdir(parents=True, exist_ok=True)
    print("\n".join(header_lines(args)), flush=True)
    shapes = [SHAPES[name] for name in args.shapes]
    rows = bench_shapes(shapes, args.quick, progress=lambda line: print(line, flush=True))
    print("peak memory and make targets (each in its own process) ...", flush=True)
    processes = process_rows(args.out, stamp, make_train=not args.skip_make,
                             make_test=not (args.skip_make or args.quick), memory_shape=args.shapes[-1])
    goals = goal_rows(rows, processes)
    markdown = report_markdown(args, shapes, rows, processes, goals)
    paths = write_reports(args.out, stamp, markdown, rows, processes)
    print("\n" + markdown)
    print(f"written: {', '.join(str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for p in paths)}"
          f"  (bench took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
