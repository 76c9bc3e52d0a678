"""`make bench` smoke test: the table-building code runs end to end on a tiny shape.

No timing is asserted here: speed is what the bench shows (`make bench`), never what a test on a
shared machine could promise. These tests check that every run happens, that the columns and the
reports have the expected form, and that the NumPy half of the bench never loads TensorFlow
(otherwise the scratch side's peak memory would include TensorFlow's).
"""

import argparse
import csv
import hashlib
import importlib
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import as_for_a_learner, closed_pipe, dev_full, file_size_limit, output_closed, output_full, started_into

import data.checksums
from keras_models.bench import keras_runs, processes, report
from keras_models.bench import run as bench_run
from keras_models.bench.numpy_runs import SHAPES, Floor, Shape, make_data, make_network, matmul_flops

TINY = Shape("tiny", rows=40, sizes=(5, 6, 3), batch_size=16, repeats=1, quick_repeats=1)


@pytest.fixture(scope="module")
def tiny_rows():
    X, y = make_data(TINY)
    runs = keras_runs.make_runs(TINY, X, y)
    return report.epoch_rows(TINY, keras_runs.measure(runs, repeats=1))


@pytest.mark.slow
def test_every_run_gives_one_row_with_the_expected_columns(tiny_rows):
    names = [row["run"] for row in tiny_rows]
    assert len(names) == len(set(names))
    for prefix in ["floor: NumPy matmuls, 1 BLAS thread", "scratch fit, 1 BLAS thread", "keras fit, default",
                   "keras fit, steps_per_execution=", "keras fit, as make train", "keras fit, tuned"]:
        assert any(name.startswith(prefix) for name in names), f"no run named {prefix!r}... in {names}"
    for row in tiny_rows:
        assert list(row) == report.COLUMNS
        assert row["shape"] == "tiny" and row["repeats"] == 1
        for column in ["epoch_ms", "x_vs_keras_default", "floor_share", "gflops"]:
            assert math.isfinite(row[column]) and row[column] > 0, f"{row['run']}: {column} = {row[column]}"


@pytest.mark.slow
def test_ratios_are_taken_against_default_keras_and_the_fastest_floor(tiny_rows):
    by_name = {row["run"]: row for row in tiny_rows}
    assert by_name["keras fit, default"]["x_vs_keras_default"] == pytest.approx(1.0)
    for row in tiny_rows:       # how many times faster than default Keras: its epoch time over the run's
        assert row["x_vs_keras_default"] == pytest.approx(by_name["keras fit, default"]["epoch_ms"] / row["epoch_ms"])
    floors = {row["run"].split(", ")[-1]: row["epoch_ms"] for row in tiny_rows if row["run"].startswith("floor")}
    for row in tiny_rows:
        if row["run"].startswith("floor"):         # the floors against the fastest of them
            assert row["floor_share"] == pytest.approx(min(floors.values()) / row["epoch_ms"])
        elif row["run"].startswith("scratch"):     # scratch against the floor with its own BLAS threads
            assert row["floor_share"] == pytest.approx(floors[row["run"].split(", ")[-1]] / row["epoch_ms"])
    for row in tiny_rows:       # every run is credited with the floor's products, over its own time
        assert row["gflops"] == pytest.approx(matmul_flops(TINY) / (row["epoch_ms"] / 1000) / 1e9)


def test_a_runs_epoch_time_is_the_median_of_its_epochs_so_one_busy_epoch_does_not_move_it():
    """Epochs of 10, 11 and 40 ms (the machine busy during one): the row says 11 ms, not their mean 20.3, counts 3
    repeats, and takes its speed-up (default Keras: 44, 50, 55 ms) and floor share (4, 5, 100 ms) from medians too."""
    seconds = {"floor: NumPy matmuls, 1 BLAS thread": [0.004, 0.005, 0.100],
               "scratch fit, 1 BLAS thread": [0.010, 0.040, 0.011],
               "keras fit, default": [0.050, 0.044, 0.055]}
    rows = {row["run"]: row for row in report.epoch_rows(TINY, seconds)}
    scratch = rows["scratch fit, 1 BLAS thread"]
    assert (scratch["epoch_ms"], scratch["repeats"]) == (pytest.approx(11.0), 3)
    assert scratch["x_vs_keras_default"] == pytest.approx(50 / 11)
    assert scratch["floor_share"] == pytest.approx(5 / 11)


@pytest.mark.slow
def test_goals_not_measured_are_shown_as_such(tiny_rows):
    goals = report.goal_rows(tiny_rows, processes=[])
    assert [list(goal) for goal in goals] == [["goal", "target", "measured", "met"]] * len(goals)
    assert len(goals) == 8
    assert all(goal["met"] is None and goal["measured"] == "not measured" for goal in goals)


def test_goals_read_the_course_rows_and_the_make_targets():
    rows = [{"shape": "course", "run": "scratch fit, 1 BLAS thread", "x_vs_keras_default": 12.0, "floor_share": 0.1,
             "epoch_ms": 3.0},
            {"shape": "course", "run": "keras fit, as make train (spe=32)", "x_vs_keras_default": 2.5,
             "floor_share": 0.01, "epoch_ms": 20.0}]
    processes = [{"process": "make train", "seconds": 30.0, "peak_mib": 3000.0, "returncode": 0},
                 {"process": "make test", "seconds": 100.0, "peak_mib": 500.0, "returncode": 1}]
    goals = {goal["goal"]: goal for goal in report.goal_rows(rows, processes)}
    met = {name: goal["met"] for name, goal in goals.items()}
    assert met["scratch vs default keras fit, course"] is True
    assert met["make train's keras setup vs default fit, course"] is False
    assert met["make train wall time"] is True
    assert met["peak memory of make train"] is False
    assert met["make test wall time"] is False          # it failed: a fast failure is not a pass,
    assert goals["make test wall time"]["measured"] == "100 s (exit 1)"      # and the report says why it missed


def test_the_scratch_goal_is_held_by_the_fastest_scratch_run_of_the_shape():
    """"scratch vs default keras fit" measures the best scratch run (fewest ms per epoch), whichever BLAS threads."""
    rows = [{"shape": "medium", "run": "scratch fit, 1 BLAS thread", "x_vs_keras_default": 1.5, "floor_share": 0.5,
             "epoch_ms": 40.0},
            {"shape": "medium", "run": "scratch fit, 2 BLAS threads", "x_vs_keras_default": 2.4, "floor_share": 0.5,
             "epoch_ms": 25.0}]
    (goal,) = [g for g in report.goal_rows(rows, []) if g["goal"] == "scratch vs default keras fit, medium"]
    assert (goal["measured"], goal["met"]) == ("2.4x (scratch fit, 2 BLAS threads)", True)


@pytest.mark.slow
def test_reports_are_written_as_markdown_csv_and_latest(tiny_rows, tmp_path):
    args = bench_run.parse_args(["--quick", "--shapes", "course"])
    processes = [{"process": "make train", "seconds": 12.5, "peak_mib": 700.0, "returncode": 0}]
    markdown = report.report_markdown(args, [TINY], tiny_rows, processes, report.goal_rows(tiny_rows, processes))
    assert f"{keras_runs.CORES} cores" in markdown and "tensorflow" in markdown and "keras" in markdown
    assert "mode: quick;" in markdown and "- tiny: 40 x 5 -> 6 -> 3, batch 16, synthetic data" in markdown
    assert "| make train | 12.5 | 700 | 0 |" in markdown                # the whole processes' table
    paths = report.write_reports(tmp_path / "bench", "stamp", markdown, tiny_rows, processes)
    assert [p.name for p in paths] == ["bench_stamp.md", "bench_stamp.csv", "latest.md"]
    assert paths[0].read_text() == paths[2].read_text() == markdown
    with paths[1].open() as f:
        records = list(csv.DictReader(f))
    assert len(records) == len(tiny_rows) + 1
    assert set(report.COLUMNS) <= set(records[0])
    assert records[-1]["process"] == "make train"


def test_a_learner_copy_without_tests_skips_make_test_instead_of_timing_its_refusal(tmp_path, monkeypatch):
    # make release leaves tests/ out; there make test stops at once with exit 2, and the bench showed its goal
    # "make test wall time" as measured and missed: "0 s (exit 2)"
    shutil.copy(processes.REPO / "Makefile", tmp_path)                   # a set-up copy with no tests/
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").touch()
    monkeypatch.setattr(processes, "REPO", tmp_path)
    ran = []
    monkeypatch.setattr(processes, "run_measured", lambda command, log: ran.append(command) or
                        {"seconds": 1.0, "peak_mib": 1.0, "returncode": 0})
    rows = processes.process_rows(tmp_path, "stamp", make_train=False, make_test=True, memory_shape="course")
    assert not any("test" in command for command in ran)
    assert rows[-1]["process"] == "make test" and rows[-1]["returncode"] == "skipped: this learner copy has no tests/"
    goal = next(g for g in report.goal_rows([], rows) if g["goal"] == "make test wall time")
    assert goal["measured"] == "not measured" and goal["met"] is None


def test_each_memory_run_writes_a_log_of_its_own(tmp_path, monkeypatch):
    """The scratch and the Keras run of one shape, and TensorFlow imported alone: three logs, none over another."""
    logs = []
    monkeypatch.setattr(processes, "run_measured", lambda command, log: logs.append(log) or
                        {"seconds": 1.0, "peak_mib": 1.0, "returncode": 0})
    processes.process_rows(tmp_path, "stamp", make_train=False, make_test=False, memory_shape="course")
    assert len(logs) == len(set(logs)) == 3, logs


# Each goal at its target (met) and just past it (missed): the row or process that goal reads, alone.
GOAL_EDGES = [
    ("scratch vs default keras fit, course", "course", "scratch fit, 1 BLAS thread", "x_vs_keras_default", 10, 9.99),
    ("scratch vs default keras fit, medium", "medium", "scratch fit, 2 BLAS threads", "x_vs_keras_default", 2, 1.99),
    ("scratch vs default keras fit, large", "large", "scratch fit, 1 BLAS thread", "x_vs_keras_default", 1, 0.99),
    ("large scratch epoch vs its matmul floor (1 BLAS thread)", "large", "scratch fit, 1 BLAS thread", "floor_share",
     0.70, 0.69),
    ("make train's keras setup vs default fit, course", "course", "keras fit, as make train (spe=32)",
     "x_vs_keras_default", 3, 2.99),
    ("make train wall time", None, "make train", "seconds", 60, 60.1),
    ("make test wall time", None, "make test", "seconds", 300, 300.1),
    ("peak memory of make train", None, "make train", "peak_mib", 2048, 2048.1),
]


@pytest.mark.parametrize(("goal", "shape", "name", "key", "at", "past"), GOAL_EDGES, ids=[g[0] for g in GOAL_EDGES])
def test_each_goal_is_met_at_its_target_and_missed_just_past_it(goal, shape, name, key, at, past):
    def met(value):
        if shape is None:
            processes = [{"process": name, "seconds": 1.0, "peak_mib": 1.0, "returncode": 0, key: value}]
            goals = report.goal_rows([], processes)
        else:
            row = {"shape": shape, "run": name, "epoch_ms": 1.0, "x_vs_keras_default": 1.0, "floor_share": 0.5,
                   key: value}
            goals = report.goal_rows([row], [])
        return {g["goal"]: g["met"] for g in goals}[goal]

    assert met(at) is True
    assert met(past) is False


@pytest.mark.parametrize(("goal", "shape", "name", "key", "at", "past"), GOAL_EDGES, ids=[g[0] for g in GOAL_EDGES])
def test_a_goal_missed_by_a_hair_does_not_read_as_its_target(goal, shape, name, key, at, past):
    # just past the target, closer than the shown digits: rounded to nearest, 0.996x read "1.0x" beside ">= 1x", no
    hair = at - 0.004 if at > past else at + 0.4
    if shape is None:
        processes = [{"process": name, "seconds": 1.0, "peak_mib": 1.0, "returncode": 0, key: hair}]
        [shown] = [g for g in report.goal_rows([], processes) if g["goal"] == goal]
    else:
        row = {"shape": shape, "run": name, "epoch_ms": 1.0, "x_vs_keras_default": 1.0, "floor_share": 0.5, key: hair}
        [shown] = [g for g in report.goal_rows([row], []) if g["goal"] == goal]
    number = float(shown["measured"].split()[0].rstrip("x%"))
    target = float(shown["target"].split()[1].rstrip("x%"))
    assert shown["met"] is False
    assert (number < target if at > past else number > target), shown


def test_a_whole_program_is_measured_by_its_own_peak_memory_exit_status_and_output(tmp_path, monkeypatch):
    # a child that holds 200 MiB it has written (pages touched) and exits 3; the wrapper itself holds about 10. It
    # runs in the repository (make train must), wherever the bench was started, and its errors go to the log beside
    # its output (a failed make's why)
    monkeypatch.chdir(tmp_path)
    child = ("import os, sys; block = b'x' * (200 * 2**20); print('child ran', flush=True); "
             "print(os.getcwd(), file=sys.stderr); sys.exit(3)")
    log = tmp_path / "child.log"
    measured = processes.run_measured([sys.executable, "-c", child], log)
    assert 200 <= measured["peak_mib"] < 400, measured
    assert measured["returncode"] == 3 and measured["seconds"] > 0
    assert log.read_text() == f"child ran\n{processes.REPO}\n"


def test_measure_leaves_each_runs_first_epoch_out_and_interleaves_the_rest():
    calls = []

    class Run:                      # epoch() gives 100 s the first time (the warm-up), then 1, 2, ...
        def __init__(self, name):
            self.name, self.epochs = name, 0

        def epoch(self):
            calls.append(self.name)
            self.epochs += 1
            return 100.0 if self.epochs == 1 else float(self.epochs - 1)

    seconds = keras_runs.measure({"A": Run("A"), "B": Run("B")}, repeats=2)
    assert seconds == {"A": [1.0, 2.0], "B": [1.0, 2.0]}
    assert calls == ["A", "B", "A", "B", "A", "B"]


@pytest.mark.parametrize("stamp", ["sums", "an-older-makefiles"])
def test_make_train_is_not_timed_while_make_would_first_install_the_packages_again(tmp_path, monkeypatch, stamp):
    # a project whose pyproject.toml changed after .venv was set up: make train would reinstall, inside the time.
    # The stamp records the sums of the files it was installed from (the Makefile's rule; test_makefile.py checks
    # that the two agree); an older Makefile's stamp holds the Python alone, and file times decide.
    repo = Path(__file__).resolve().parents[1]
    project = tmp_path / "project"
    (project / ".venv").mkdir(parents=True)
    shutil.copy(repo / "Makefile", project / "Makefile")
    for name, text in [("constraints.txt", "numpy==2.4.6\n"), ("pyproject.toml", "[project]\n")]:
        (project / name).write_text(text)
        os.utime(project / name, (1_000_000, 1_000_000))

    def set_up(when: int) -> None:                                 # the stamp make setup writes, at `when`
        recorded = subprocess.run(processes.SUMS, cwd=project, capture_output=True, text=True).stdout
        (project / ".venv/.installed").write_text("3.11.7 /usr\n" + (recorded if stamp == "sums" else ""))
        os.utime(project / ".venv/.installed", (when, when))

    set_up(when=2_000_000)
    (project / "pyproject.toml").write_text("[project]\nname = 'changed'\n")
    # changed since: for a stamp with sums its content tells (dated before the stamp, as a ZIP unpacked across time
    # zones may date it); for an older Makefile's, its time
    os.utime(project / "pyproject.toml", (1_000_000 if stamp == "sums" else 3_000_000,) * 2)
    timed = []
    monkeypatch.setattr(processes, "REPO", project)
    monkeypatch.setattr(processes, "run_measured", lambda command, log: timed.append(command) or
                        {"seconds": 1.0, "peak_mib": 1.0, "returncode": 0})
    rows = processes.process_rows(tmp_path, "stamp", make_train=True, make_test=False, memory_shape="course")
    assert ["make", "train"] not in timed
    assert (rows[-1]["process"], rows[-1]["returncode"]) == ("make train", "skipped: .venv is out of date "
                                                                           "(run `make setup` first)")
    set_up(when=4_000_000)                                          # set up again: now it is timed
    processes.process_rows(tmp_path, "stamp", make_train=True, make_test=False, memory_shape="course")
    assert timed[-1] == ["make", "train"]


def test_make_train_is_not_timed_in_a_venv_that_make_setup_did_not_finish(tmp_path):
    """No .venv/.installed (a set-up stopped half way, a .venv made by hand): make would set it up, inside the time."""
    (tmp_path / ".venv").mkdir()
    assert processes.venv_up_to_date(tmp_path) is False


def test_the_bench_counts_the_cores_this_process_may_use_not_the_machines(monkeypatch):
    # taskset -c 0, or a container given 1 core of 8: one BLAS thread, not a run on 8 that fight over one
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    try:
        assert importlib.reload(keras_runs).CORES == 1
    finally:
        monkeypatch.undo()
        importlib.reload(keras_runs)


def test_the_bench_header_says_1_core_and_1_thread_under_taskset(monkeypatch):
    # taskset -c 0: the header read "1 cores (usable by this process)" and "(SkylakeX, 1 threads)"
    monkeypatch.setattr(report, "CORES", 1)
    monkeypatch.setattr(report, "threadpool_info", lambda: [{"user_api": "blas", "internal_api": "openblas",
                                                             "version": "0.3", "architecture": "SkylakeX",
                                                             "num_threads": 1, "filepath": "site/numpy.libs/x.so"}])
    header = "\n".join(report.header_lines(argparse.Namespace(quick=True)))
    assert ", 1 core (usable by this process)," in header and "(SkylakeX, 1 thread))" in header, header


def test_the_bench_header_names_the_time_zone_of_its_date(monkeypatch):
    # "date 2026-12-06 13:38": local time (the reports' names are too, as make train's run folders), but which zone?
    monkeypatch.setenv("TZ", "XYZ+3")                   # a zone named XYZ, 3 hours west of UTC
    time.tzset()
    try:
        header = report.header_lines(argparse.Namespace(quick=True))[0]
    finally:
        monkeypatch.undo()
        time.tzset()
    assert re.match(r"date \d{4}-\d\d-\d\d \d\d:\d\d XYZ, ", header), header


def test_matmul_flops_counts_two_products_per_layer_and_a_third_above_the_first():
    # sizes 2 -> 3 -> 4, 5 rows: layer 1 has 6 weights (a @ W, a.T @ delta), layer 2 has 12 (all three).
    shape = Shape("hand", rows=5, sizes=(2, 3, 4), batch_size=5, repeats=1, quick_repeats=1)
    assert matmul_flops(shape) == 2 * 5 * (2 * 6 + 3 * 12)


def test_course_shape_uses_all_569_breast_cancer_rows_one_hot():
    X, y = make_data(SHAPES["course"])
    assert X.shape == (569, 30) and y.shape == (569, 2)
    assert X.dtype == y.dtype == np.float32
    np.testing.assert_array_equal(y.sum(axis=1), 1)
    assert 0 < y[:, 1].sum() < 569


def test_every_run_starts_from_a_float32_network_of_relu_hidden_layers_and_a_softmax_output():
    """The network the bench times (scratch, and Keras through to_keras): float32 (float64 runs at another speed), the
    shape's sizes, relu between and softmax on top, as its docstring says."""
    layers = make_network(SHAPES["medium"]).layers
    assert [(layer.n_in, layer.n_out, layer.g.name, layer.dtype) for layer in layers] == [
        (64, 128, "relu", np.float32), (128, 128, "relu", np.float32), (128, 10, "softmax", np.float32)]


def test_every_run_starts_from_the_same_weights_and_the_seed_chooses_them():
    """make_network is seeded (its docstring): two runs of a shape start from equal kernels, another seed from other
    kernels in every layer (the biases start at 0 whatever the seed)."""
    first, again, other = (make_network(TINY, seed=seed).get_weights()[::2] for seed in (0, 0, 1))   # the kernels
    for W_first, W_again, W_other in zip(first, again, other, strict=True):
        np.testing.assert_array_equal(W_first, W_again)
        assert not np.array_equal(W_first, W_other)


def test_the_floor_computes_every_product_it_times():
    """After an epoch the last batch's buffers hold a_1 = x W_1, a_2 = a_1 W_2 (forward), delta_1 = delta_2 W_2^T
    (BP2's product) and grad_W_l = a_{l-1}^T delta_l (BP4), each against a product taken here: a floor that skipped
    or misfed one would time less than an epoch's work."""
    X, _ = make_data(TINY)
    floor = Floor(TINY, X, threads=1)
    floor.epoch()
    x = X[32:]                                    # (8, 5): 40 rows in batches of 16, the last one short
    (a_1, a_2), (delta_1, delta_2) = floor.buffers[8]
    W_1, W_2 = floor.W
    for got, want in [(a_1, x @ W_1), (a_2, a_1 @ W_2), (delta_1, delta_2 @ W_2.T),
                      (floor.grad_W[1], a_1.T @ delta_2), (floor.grad_W[0], x.T @ delta_1)]:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_the_numpy_half_of_the_bench_does_not_load_tensorflow(python_without_tensorflow):
    # a Python that has imported NumPy and pandas, never TensorFlow or Keras (conftest.py): the rest is the module's
    code = "import sys, keras_models.bench.numpy_runs; sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)"
    repo = Path(__file__).resolve().parents[1]
    done = python_without_tensorflow.run([sys.executable, "-c", code], cwd=repo, capture_output=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("shapes", "wrong"), [("course,huge", "unknown shape(s) ['huge']"),
                                               (",", "--shapes names no shape")], ids=["unknown", "none"])
def test_unknown_shapes_are_named(shapes, wrong, capsys):
    """--shapes ,: no shape at all read "unknown shape(s) []", naming nothing unknown."""
    with pytest.raises(SystemExit) as stopped:
        bench_run.parse_args(["--shapes", shapes])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (f"error: {wrong}; choose from course, medium, large "
                                       "(all options: .venv/bin/python -m keras_models.bench --help)\n")


@pytest.mark.parametrize(("flags", "timed"), [([], (True, True)), (["--quick"], (True, False)),
                                               (["--skip-make"], (False, False))], ids=["full", "quick", "skip_make"])
def test_quick_times_make_train_alone_and_skip_make_neither(flags, timed, tmp_path, monkeypatch):
    """(make train, make test) timed: both by default, --quick leaves make test (minutes) out, --skip-make both."""
    asked = []
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: [])
    monkeypatch.setattr(bench_run, "process_rows",
                        lambda *a, **k: asked.append((k["make_train"], k["make_test"])) or [])
    assert bench_run.main([*flags, "--shapes", "course", "--out", str(tmp_path)]) == 0
    assert asked == [timed]


def test_each_shape_is_timed_its_repeats_or_with_quick_its_quick_repeats(monkeypatch):
    """measure gets the shape's repeats (5 here), or its quick_repeats (2) with --quick; the row counts them."""
    shape = Shape("tiny", rows=40, sizes=(5, 6, 3), batch_size=16, repeats=5, quick_repeats=2)
    monkeypatch.setattr(bench_run, "make_runs", lambda shape, X, y: {"floor: NumPy matmuls, 1 BLAS thread": None})
    monkeypatch.setattr(bench_run, "measure", lambda runs, repeats: {name: [0.01] * repeats for name in runs})
    for quick, repeats in [(False, 5), (True, 2)]:
        [row] = bench_run.bench_shapes([shape], quick, progress=lambda line: None)
        assert row["repeats"] == repeats, quick


def test_a_reports_folder_that_cannot_be_written_is_one_line_before_any_timing(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "bench"
    blocker.write_text("a file, not a folder")          # what a read-only logs/ is for a learner, root or not
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: pytest.fail("it timed"))
    assert bench_run.main(["--out", str(blocker)]) == 1
    assert capsys.readouterr() == ("", f"error: the reports cannot be written to {blocker} (a file is in the way); "
                                       "make it writable, or give another: .venv/bin/python -m keras_models.bench "
                                       "--out DIR\n")
    read_only = tmp_path / "read-only"                  # a folder in its place that may not be written in
    read_only.mkdir()
    as_for_a_learner(monkeypatch, read_only, read_only=True)
    assert bench_run.main(["--out", str(read_only)]) == 1
    assert capsys.readouterr().err == (f"error: the reports cannot be written to {read_only} (Permission denied); "
                                       "make it writable, or give another: .venv/bin/python -m keras_models.bench "
                                       "--out DIR\n")


@pytest.mark.parametrize("out", ["bench\nold", "~/bench\nold"], ids=["a_file_in_the_way", "unexpanded_tilde"])
def test_a_reports_folder_with_a_line_break_in_its_name_is_one_line(out, tmp_path, capsys, monkeypatch):
    """--out $'bench\\nold' (a file in the way, or a ~ no shell expanded): the name's line break split the error."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bench\nold").write_text("a file, not a folder")
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: pytest.fail("it timed"))
    assert bench_run.main(["--out", out, "--skip-make"]) in (1, 2)
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "bench\\nold" in err, err


def test_a_reports_folder_starting_with_an_unexpanded_tilde_is_one_line_not_a_folder_named_tilde(tmp_path, capsys,
                                                                                                 monkeypatch):
    """--out=~/bench (no shell expands a ~ after =) timed for minutes and wrote its reports into ./~/bench."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: pytest.fail("it timed"))
    assert bench_run.main(["--out=~/bench", "--skip-make"]) == 2
    assert capsys.readouterr() == ("", "error: --out ~/bench starts with ~, which the shell did not expand (it names "
                                       "a folder called ~ here); write the full path, e.g. .venv/bin/python -m "
                                       f"keras_models.bench --out {tmp_path / 'home' / 'bench'}\n")
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_or_missing_data_file_is_one_line_before_any_timing_or_report_folder(tmp_path, capsys,
                                                                                        monkeypatch):
    monkeypatch.setitem(data.checksums.SHA256, "breast_cancer.csv", "0" * 64)     # as if the file had changed
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: pytest.fail("it timed"))
    out = tmp_path / "bench"
    assert bench_run.main(["--quick", "--skip-make", "--shapes", "course", "--out", str(out)]) == 1
    path = data.checksums.DATA_DIR / "breast_cancer.csv"
    actual = hashlib.sha256(path.read_bytes()).hexdigest()                      # the file's own sum
    assert capsys.readouterr() == ("", f"error: data file {path} does not match the shipped breast_cancer.csv: "
                                       f"expected sha256 {'0' * 64}, got {actual}. The file "
                                       "was altered or corrupted; restore it with "
                                       "`git checkout HEAD -- data/breast_cancer.csv`\n")
    assert not out.exists()                             # no reports' folder, empty or half-written
    monkeypatch.setattr(data.checksums, "DATA_DIR", tmp_path / "no-data")     # a synthetic shape reads no file, but
    assert bench_run.main(["--quick", "--shapes", "medium", "--out", str(out)]) == 1    # make train, timed, does
    assert capsys.readouterr() == ("", f"error: data file {tmp_path / 'no-data' / 'breast_cancer.csv'} is missing; "
                                       "restore it with `git checkout HEAD -- data/breast_cancer.csv`\n")


def test_a_missed_goal_is_the_exit_status_and_one_line_naming_it(tmp_path, capsys, monkeypatch):
    rows = [{"shape": "course", "run": "scratch fit, 1 BLAS thread", "epoch_ms": 8.0, "repeats": 1,
             "x_vs_keras_default": 4.0, "floor_share": 0.1, "gflops": 1.0}]
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: rows)
    monkeypatch.setattr(bench_run, "process_rows", lambda *a, **k: [])
    assert bench_run.main(["--skip-make", "--shapes", "course", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == ("make bench: 1 goal(s) missed: scratch vs default keras fit, course "
                                       "(4.0x (scratch fit, 1 BLAS thread), target >= 10x)\n")
    assert ("| scratch vs default keras fit, course | >= 10x | 4.0x (scratch fit, 1 BLAS thread) | **no** |"
            in (tmp_path / "latest.md").read_text())                     # and the report's Goals table says so
    rows[0]["x_vs_keras_default"] = 12.0                # met, and every other goal not measured: success
    assert bench_run.main(["--skip-make", "--shapes", "course", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def test_make_bench_into_a_closed_pipe_is_one_line_and_leaves_no_unfinished_report(tmp_path, capsys, monkeypatch):
    # `make bench | head -1`: its header met the closed pipe: Python's BrokenPipeError traceback
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: pytest.fail("it timed"))
    with closed_pipe() as stdout:
        assert bench_run.main(["--skip-make", "--shapes", "course", "--out", str(tmp_path)]) == 1
        assert capsys.readouterr().err == output_closed("make bench")
        assert list(tmp_path.iterdir()) == []
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


def test_make_bench_into_an_output_that_takes_no_more_is_one_line_and_leaves_no_unfinished_report(tmp_path, capsys,
                                                                                                   monkeypatch):
    # `make bench > /dev/full`: its header met ENOSPC: Python's OSError traceback
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: pytest.fail("it timed"))
    assert started_into(dev_full, lambda: bench_run.main(["--skip-make", "--shapes", "course", "--out",
                                                           str(tmp_path)])) == 1
    assert capsys.readouterr().err == output_full("make bench")
    assert list(tmp_path.iterdir()) == []


def test_the_terminal_shows_labelled_rows_within_80_columns_and_leaves_the_tables_to_the_report(tmp_path, capsys,
                                                                                                 monkeypatch):
    """Rows were 116 columns (the run's name padded to 58), the speed-up had no label, and the report's pipe tables
    (88-102 columns) were printed to the terminal after them."""
    rows = [{"shape": "course", "run": name, "epoch_ms": ms, "repeats": 3, "x_vs_keras_default": 61.0 / ms,
             "floor_share": 0.4 / ms, "gflops": 1.0}
            for name, ms in [("keras fit, default", 61.0), ("scratch fit, 1 BLAS thread", 5.0),
                             ("keras fit, tuned (spe=32, shuffled tf.data, jit_compile)", 6.8)]]
    assert [report.TERMINAL_HEADER, *report.terminal_rows(rows)] == [
        "  epoch ms  speed-up  run (speed-up: over keras fit, default)",
        "      61.0     1.00x  keras fit, default",
        "       5.0    12.20x  scratch fit, 1 BLAS thread",
        "       6.8     8.97x  keras fit, tuned (spe=32, shuffled tf.data, jit_compile)"]
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: rows)
    monkeypatch.setattr(bench_run, "process_rows", lambda *a, **k: [])
    assert bench_run.main(["--skip-make", "--shapes", "course", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert not [line for line in out if line.startswith(("|", "#"))], out
    assert max(len(line) for line in out if not line.startswith("written: ")) <= 80, out
    assert out[-3] == "goals (issue 7): 1 met, 0 missed, 7 not measured (each in the report)"
    table_row = "| course | scratch fit, 1 BLAS thread | 5.0 | 3 | 12.20x | 8% | 1.0 |"
    assert table_row in (tmp_path / "latest.md").read_text()


def bench_on_a_full_disk(out: Path, capsys, monkeypatch, rows: list[dict] | None = None) -> str:
    """make bench's stderr when its reports, written into `out` at the end, meet a full disk: the rows are given
    (one course row unless `rows`), no make target runs, and a file may hold 400 bytes -- the "still running"
    report fits, the finished one does not."""
    rows = rows or [{"shape": "course", "run": "keras fit, default", "epoch_ms": 61.0, "repeats": 3,
                     "x_vs_keras_default": 1.0, "floor_share": 0.4 / 61.0, "gflops": 1.0}]
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: rows)
    monkeypatch.setattr(bench_run, "process_rows", lambda *a, **k: [])
    with file_size_limit(400):
        assert bench_run.main(["--skip-make", "--shapes", "course", "--out", str(out)]) == 1
    return capsys.readouterr().err


def test_make_bench_on_a_full_disk_keeps_the_earlier_latest_report_and_says_so_in_one_line(tmp_path, capsys,
                                                                                            monkeypatch):
    """The reports were written in place at the end: on a full disk, the earlier latest.md was emptied and half
    written, a half .csv stayed behind, and the OSError (naming no file) ended make bench in a traceback."""
    rows = [{"shape": "course", "run": name, "epoch_ms": ms, "repeats": 3, "x_vs_keras_default": 61.0 / ms,
             "floor_share": 0.4 / ms, "gflops": 1.0}
            for name, ms in [("keras fit, default", 61.0), ("scratch fit, 1 BLAS thread", 5.0)]]
    earlier = "# make bench\n\nthe earlier bench's report\n"
    (tmp_path / "latest.md").write_text(earlier)
    err = bench_on_a_full_disk(tmp_path, capsys, monkeypatch, rows)
    assert re.fullmatch(rf"error: {re.escape(str(tmp_path))}/[^ ]+: File too large: this bench's report could not be "
                        r"written \(its rows are above\); latest\.md is still the earlier bench's\n", err), err
    assert (tmp_path / "latest.md").read_text() == earlier
    assert sorted(path.name for path in tmp_path.iterdir()) == ["latest.md"]     # nothing half-written left


def test_make_bench_on_a_full_disk_is_one_line_when_the_folder_holds_a_line_break(tmp_path, capsys, monkeypatch):
    """--out $'bench\\nold' on a full disk: the file named in the error split the line in two."""
    out = tmp_path / "bench\nold"
    err = bench_on_a_full_disk(out, capsys, monkeypatch)
    assert re.fullmatch(rf"error: {re.escape(str(tmp_path))}/bench\\nold/[^ ]+: File too large: this bench's report "
                        r"could not be written \(its rows are above\); no report is in the folder\n", err), err


def test_the_first_bench_on_a_full_disk_does_not_speak_of_an_earlier_report(tmp_path, capsys, monkeypatch):
    """No bench had run in the folder: "latest.md is still the earlier bench's" named a report that does not exist."""
    err = bench_on_a_full_disk(tmp_path, capsys, monkeypatch)
    assert re.fullmatch(rf"error: {re.escape(str(tmp_path))}/[^ ]+: File too large: this bench's report could not be "
                        r"written \(its rows are above\); no report is in the folder\n", err), err
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_where_only_older_reports_are_does_not_say_the_folder_holds_none(tmp_path, capsys, monkeypatch):
    """latest.md deleted, older benches' reports still there: "no report is in the folder" was untrue. The newest of
    them is named, the last by name (a time stamp)."""
    for name in ["bench_20260101-120000.md", "bench_20251231-120000.md"]:
        (tmp_path / name).write_text("an older bench's report\n")
    err = bench_on_a_full_disk(tmp_path, capsys, monkeypatch)
    assert re.fullmatch(rf"error: {re.escape(str(tmp_path))}/[^ ]+: File too large: this bench's report could not be "
                        r"written \(its rows are above\); latest\.md is not there; the earlier benches' reports are "
                        r"\(newest: bench_20260101-120000\.md\)\n", err), err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bench_20251231-120000.md", "bench_20260101-120000.md"]


def test_reports_that_meet_a_full_disk_half_way_leave_the_earlier_ones_whole(tmp_path):
    """The markdown fits, the CSV does not: latest.md had already been rewritten, and a half CSV stayed behind."""
    rows = [{"shape": "course", "run": f"run {i}", "epoch_ms": 1.0} for i in range(40)]     # a CSV of ~1 KB
    (tmp_path / "latest.md").write_text("the earlier bench's report\n")
    (tmp_path / "bench_stamp.md").write_text("still running\n")              # as claim_report_name leaves it
    with file_size_limit(400), pytest.raises(report.ReportsNotWritten, match=r"bench_stamp\.csv: File too large"):
        report.write_reports(tmp_path, "stamp", "# make bench\n", rows, [])
    assert (tmp_path / "latest.md").read_text() == "the earlier bench's report\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bench_stamp.md", "latest.md"]


def test_reports_whose_last_move_fails_leave_the_earlier_latest_report(tmp_path):
    """All three written, then one cannot be moved over its name (a folder stands there): latest.md, moved first, had
    already become this bench's report, whose .csv is not there, while make bench said latest.md was the earlier one."""
    (tmp_path / "latest.md").write_text("the earlier bench's report\n")
    (tmp_path / "bench_stamp.csv").mkdir()                                    # os.replace onto it: IsADirectoryError
    with pytest.raises(report.ReportsNotWritten, match=r"bench_stamp\.csv: Is a directory"):
        report.write_reports(tmp_path, "stamp", "# make bench\n", [], [])
    assert (tmp_path / "latest.md").read_text() == "the earlier bench's report\n"


def test_two_benches_started_in_one_second_write_two_reports_the_second_suffixed_2(tmp_path, capsys, monkeypatch):
    # both wrote bench_<time>.md and .csv, and the second's replaced the first's (make train's run folders: _2, _3)
    class OneSecond(bench_run.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 12, 6, 13, 38, 13)
    monkeypatch.setattr(bench_run, "datetime", OneSecond)
    monkeypatch.setattr(bench_run, "process_rows", lambda *a, **k: [])
    for speed_up in (12.0, 13.0):
        rows = [{"shape": "course", "run": "scratch fit, 1 BLAS thread", "epoch_ms": 8.0, "repeats": 1,
                 "x_vs_keras_default": speed_up, "floor_share": 0.1, "gflops": 1.0}]
        monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, rows=rows, **k: rows)
        assert bench_run.main(["--skip-make", "--shapes", "course", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("bench_*.md")) == ["bench_2026-12-06_13-38-13.md",
                                                                    "bench_2026-12-06_13-38-13_2.md"]
    assert "| 12.00x |" in (tmp_path / "bench_2026-12-06_13-38-13.md").read_text()
    assert "| 13.00x |" in (tmp_path / "bench_2026-12-06_13-38-13_2.md").read_text()
    assert "written: " in capsys.readouterr().out
    monkeypatch.setattr(bench_run, "bench_shapes", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):              # a third, stopped: no "still running" report of it stays
        bench_run.main(["--skip-make", "--shapes", "course", "--out", str(tmp_path)])
    assert not (tmp_path / "bench_2026-12-06_13-38-13_3.md").exists()
