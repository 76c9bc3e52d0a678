"""The tables of `make bench`: one row per run, the goals it is held to, and the reports it writes.

    epoch_rows     median epoch time, speed-up over a default Keras fit, floor share, GFLOP/s
    goal_rows      each goal (issue 7) with its target, what was measured, and whether it is met
    report_markdown, write_reports    logs/bench/bench_<time>.{md,csv} and logs/bench/latest.md
    claim_report_name                 <time> (local time, as make train's run folders), then _2, _3 ... if taken
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import platform
import statistics
from datetime import datetime
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from threadpoolctl import threadpool_info

from keras_models.bench.keras_runs import CORES
from keras_models.bench.numpy_runs import LEARNING_RATE, LOSS, Shape, matmul_flops, thread_label
from keras_models.twins.counted import counted
from keras_models.twins.first_free import first_free
from scratch.atomic_write import atomic_path

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


# -- Goals (issue 7) ---------------------------------------------------------------------------------
def down(value: float, digits: int) -> float:
    """value rounded down to `digits` decimals: a ">=" goal's measurement, which then reads below its target
    exactly when it is below (rounded to nearest, 0.996x read "1.0x" against ">= 1x" and was not met)."""
    return math.floor(value * 10**digits) / 10**digits if math.isfinite(value) else value


def up(value: float, digits: int) -> float:
    """value rounded up to `digits` decimals: a "<=" goal's measurement (60.4 s reads 61 s, not 60 s)."""
    return math.ceil(value * 10**digits) / 10**digits if math.isfinite(value) else value


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
            best and f"{down(ratio, 1):.1f}x ({best['run']})")
    # Held to the floor on one BLAS thread: on a shared machine two threads wait for each other whenever
    # anything else runs, and both the 2-thread floor and the 2-thread epoch swing by 2x and more.
    one = row_named(rows, "large", f"scratch fit, {thread_label(1)}")
    share = one and one["floor_share"]
    add("large scratch epoch vs its matmul floor (1 BLAS thread)", ">= 70%", bool(one) and share >= 0.70,
        one and f"{down(share, 2):.0%}")
    project = row_named(rows, "course", "keras fit, as make train")
    ratio = project and project["x_vs_keras_default"]
    add("make train's keras setup vs default fit, course", ">= 3x", bool(project) and ratio >= 3,
        project and f"{down(ratio, 1):.1f}x")
    done = {p["process"]: p for p in processes if isinstance(p.get("returncode"), int)}
    for target, what, key, limit, unit in [("make train", "make train wall time", "seconds", 60, "s"),
                                           ("make test", "make test wall time", "seconds", 300, "s"),
                                           ("make train", "peak memory of make train", "peak_mib", 2048, "MiB")]:
        p = done.get(target)
        failed = p and p["returncode"] != 0
        add(what, f"<= {limit} {unit}", bool(p) and not failed and p[key] <= limit,
            p and f"{up(p[key], 0):.0f} {unit}" + (f" (exit {p['returncode']})" if failed else ""))
    return goals


# -- Reports ------------------------------------------------------------------------------------------
def header_lines(args: argparse.Namespace) -> list[str]:
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')}, "
            f"{counted(i['num_threads'], 'thread')})"
            for i in threadpool_info() if i.get("user_api") == "blas" and "numpy" in i.get("filepath", "")]
    return [f"date {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {counted(CORES, 'core')} (usable by this process), "
            f"{platform.machine()}, Python {platform.python_version()}",
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


TERMINAL_HEADER = "  epoch ms  speed-up  run (speed-up: over keras fit, default)"


def terminal_rows(rows: list[dict]) -> list[str]:
    """One shape's runs as the terminal shows them while the bench goes on, under TERMINAL_HEADER: the median epoch
    and the speed-up, then the run's name, the widest column (56 characters), last, so that a row fits 80 columns.
    Floor share and GFLOP/s are in the report's table."""
    return [f"  {row[2]:>8}  {row[4]:>8}  {row[1]}" for row in format_epoch_rows(rows)]


def goals_line(goals: list[dict]) -> str:
    """The goals in one line for the terminal ("goals (issue 7): 1 met, 1 missed, 6 not measured"): each, with what
    was measured, is in the report."""
    met = [goal["met"] for goal in goals]
    return (f"goals (issue 7): {met.count(True)} met, {met.count(False)} missed, {met.count(None)} not measured "
            "(each in the report)")


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


def claim_report_name(out_dir: Path, stamp: str) -> str:
    """stamp, or stamp_2, stamp_3 ... when a bench started in the same second has it, as make train names its run
    folders: its bench_<stamp>.md is created here, at the start (creating decides, not a look first), and written at
    the end. Without it, two benches started in one second would write the same bench_<stamp>.{md,csv} and logs,
    the second's over the first's."""
    def start_report(name: str) -> None:
        with (out_dir / f"bench_{name}.md").open("x") as f:
            f.write(f"# make bench\n\nstill running: started {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n")

    return first_free(stamp, start_report)


def write_reports(out_dir: Path, stamp: str, markdown: str, rows: list[dict], processes: list[dict]) -> list[Path]:
    """bench_<stamp>.md, bench_<stamp>.csv (one row per run or process) and latest.md under out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md, csv_path, latest = out_dir / f"bench_{stamp}.md", out_dir / f"bench_{stamp}.csv", out_dir / "latest.md"
    fields = [*COLUMNS, "process", "seconds", "peak_mib", "returncode"]
    # the three temporary files are all written before any is moved over its file: a failed write (a full disk)
    # leaves the earlier latest.md whole and no half report. Each is written as soon as its atomic_path is entered,
    # so that the innermost one at the failure is the file that failed, the one its OSError names. They are moved
    # in the reverse order (an ExitStack): latest.md, entered first, last, once this bench's own two are in place.
    try:
        with contextlib.ExitStack() as files:
            files.enter_context(atomic_path(latest)).write_text(markdown)
            files.enter_context(atomic_path(md)).write_text(markdown)
            with files.enter_context(atomic_path(csv_path)).open("w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=fields)
                writer.writeheader()
                writer.writerows(rows)
                writer.writerows(processes)
    except OSError as error:
        raise ReportsNotWritten(f"{error.filename or out_dir}: {error.strerror or error}") from None
    return [md, csv_path, latest]


class ReportsNotWritten(Exception):
    """write_reports met an OSError (a full disk): "<the file>: <why>"; the earlier reports are whole."""
