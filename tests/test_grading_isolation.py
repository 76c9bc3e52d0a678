"""`make grade` holds a class's submissions apart and outlives none of them: each test hands grade_class.main
(called in this process, as `make grade` would run it) a real submission -- the ex01 or ex02 solution with
something hostile added -- and checks the grades, the one-line reasons, and that no process the submission
started is alive afterwards (by the pid it wrote to a file).

Cheap on purpose: ex01's grader needs about 0.1 s of CPU, the limits are short (TIME_LIMIT=2, and a WALL_LIMIT
only where a submission waits), and a hang is stopped by an alarm instead of stalling the suite.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import warnings
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from conftest import (
    UTF_16_WITHOUT_A_MARK,
    RaisesInDel,
    alive,
    as_for_a_learner,
    at_most,
    child_subreaper,
    child_subreaper_put_back,
    committed_in_a_new_repository,
    exits_in_tanh,
    hang_guard,
    line_of,
    read_csv,
    restore_as_advised,
    write_class,
)

from keras_models.course import child_processes
from keras_models.course.exercises.graders import find
from keras_models.course.exercises.skeleton import skeleton_of
from keras_models.course.instructor import (
    grade_class,
    grade_table,
    gradebook,
    learner_files,
    learner_folders,
    meddling,
    progress,
    sandbox,
)
from keras_models.twins.terminated import Terminated, sigterm_stops_like_ctrl_c

# fork() in a process with threads: Python 3.12+ warns; the children here run nothing the threads hold
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")

REPO = Path(__file__).resolve().parents[1]
EX01, EX02 = find("ex01"), find("ex02")
SOLVED01 = EX01.solution_path.read_text(encoding="utf-8")
SOLVED02 = EX02.solution_path.read_text(encoding="utf-8")
FILE01, FILE02 = f"{EX01.stem}.py", f"{EX02.stem}.py"


def hard_limit(time_limit: int) -> int:
    """The CPU seconds by which the kernel has stopped a sandbox child whatever it does: RLIMIT_CPU's hard limit, a
    second past TIME_LIMIT (SIGXCPU at TIME_LIMIT itself may come late inside a long C call, or be ignored)."""
    return time_limit + 1


def skip_if_starved_before_its_cpu_limit(verdict: sandbox.Verdict, cpu_seconds: float) -> None:
    """Skip, never pass, a test that waits for a child to use `cpu_seconds` of CPU when the wall limit stopped it
    first with no more than that used: the machine starved it, not the product (16 busy programs on its core gave a
    loop 0.5 s of CPU in TIME_LIMIT=1's 8 s). A child that computed past `cpu_seconds`, or a wall limit too short
    for a core to itself to get there, still fails. `<=`: the reason's CPU seconds are rounded to 0.1 s."""
    wall = re.match(r"did not finish within ([\d.]+) s of wall-clock time \(wall limit", verdict.reason)
    used = verdict.cpu_at_wall_limit
    if wall and used is not None and used <= cpu_seconds < float(wall[1]):
        pytest.skip(f"this machine gave the child {used:g} s of CPU in its {wall[1]} s wall limit, not the "
                    f"{cpu_seconds:g} s it needs to be stopped by its CPU limit: the wall limit came first")


def grade(folder: Path, *options: str, within: int = 20) -> int:
    with at_most(within, "make grade"):
        return grade_class.main([str(folder), "--time-limit", "2", "--jobs", "2", *options])


def grades(folder: Path) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in read_csv(folder / "grades.csv")[1:]}


def reasons(folder: Path) -> dict[tuple[str, str], str]:
    with open(folder / "grades_reasons.csv", newline="", encoding="utf-8") as table:
        return {(row["learner"], row["exercise"]): row["reason"] for row in csv.DictReader(table)}


def pids_in(folder: Path) -> list[int]:
    return [int(path.read_text()) for path in sorted(folder.glob("*.pid"))]


@pytest.fixture(autouse=True)
def no_preload(monkeypatch):
    """Two submissions or more make the grader import TensorFlow first, for its children (4 s of CPU here, where
    nothing else needs it): ex01's grader needs NumPy only, so each child imports what it needs."""
    monkeypatch.setattr(grade_class, "_preload", lambda exercises: None)


@pytest.fixture
def own_tmp(tmp_path, monkeypatch):
    """The grader's temporary folders go to <tmp>/tmp, where a test can see what is left."""
    scratch_tmp = tmp_path / "tmp"
    scratch_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_tmp))
    return scratch_tmp


# --- 1. a child that never exits ---------------------------------------------------------------------------

def test_without_a_wall_limit_a_submission_gets_3_times_its_cpu_time_and_5_s_as_the_readme_says(monkeypatch):
    # WALL_LIMIT left out, as make grade is mostly run (TIME_LIMIT=120: 365 s). The waiting itself is shown by
    # test_instructor's graded class (WALL_LIMIT=8); here the default, and that grading without a wall limit uses
    # it (shortened to 1 s, not 8 s of waiting).
    assert (sandbox.wall_limit(1), sandbox.wall_limit(120)) == (8, 365)
    assert "the wall clock allows 3 x that + 5 s" in (REPO / "README.md").read_text(encoding="utf-8")
    monkeypatch.setattr(sandbox, "wall_limit", lambda time_limit, given=None: time_limit if given is None else given)
    sleeper = sandbox.Submission("abe", EX01.name, FILE01, b"import time\ntime.sleep(600)\n")
    with at_most(20, "make grade"):
        verdict = sandbox.grade_in_sandboxes([sleeper], 1, 1)["abe"]
    assert re.fullmatch(r"did not finish within 1 s of wall-clock time \(wall limit; it had used [\d.]+ s of CPU\) "
                        rf"-- it was running line 2 of {re.escape(FILE01)}, at the top level of the file",
                        verdict.reason), verdict


def test_a_submission_that_computes_forever_is_stopped_after_its_cpu_time(tmp_path):
    # the reason names TIME_LIMIT whatever the kernel's limit was: the CPU seconds the loop had used say what it got
    # (appended, one write each: a kill between write_text's truncation and its write left the file empty)
    used = tmp_path / "cpu_seconds"
    loop = (f"import os, time\nused, last = os.open({str(used)!r}, os.O_WRONLY | os.O_CREAT | os.O_APPEND), 0.0\n"
            "while True:\n    if time.process_time() - last > 0.05:\n        last = time.process_time()\n"
            "        os.write(used, f'{last}\\n'.encode())\n")
    with at_most(20, "make grade"):
        verdict = sandbox.grade_in_sandboxes([sandbox.Submission("cy", EX01.name, FILE01, loop.encode())], 1, 1)["cy"]
    skip_if_starved_before_its_cpu_limit(verdict, hard_limit(1))
    assert re.fullmatch(rf"used more than 1 s of CPU time \(time limit\) -- it was running line [3-6] of "
                        rf"{re.escape(FILE01)}, at the top level of the file", verdict.reason), verdict
    last = float(used.read_text().split()[-1])                            # the CPU seconds last written
    assert 0.5 < last < 1.2, last                                         # the kernel checks at each tick


def verdict_of(target, *args, workdir: Path, time_limit: float = 5) -> sandbox.Verdict:
    """What make grade's loop makes of a forked child running target(*args) that sends no verdict: the sandbox's
    wait and _poll, without a grader (a few milliseconds instead of an import). The child's folder, `workdir`, is
    gone with the verdict."""
    context = sandbox.multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=target, args=args)
    child.start()
    send.close()
    workdir.mkdir()
    running = sandbox._Running("cy", child, receive, workdir, time.monotonic())
    with at_most(10, "make grade"):
        while True:
            ready = sandbox.wait([receive] * running.conn_open + [child.sentinel] * running.sentinel_open, 0.1)
            if (verdict := sandbox._poll(running, ready, time_limit, wall_seconds=10)) is not None:
                assert not workdir.exists(), f"the child's folder {workdir.name} was left"
                return verdict


def _computes_then_is_killed(cpu_seconds: float) -> None:
    while time.process_time() < cpu_seconds:
        pass
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("time_limit, reason, out_of_time", [
    (0.2, "used more than 0.2 s of CPU time (time limit)", True),
    (5, "stopped before the grader gave a verdict: was killed by itself, another process or the out-of-memory "
        "killer (signal SIGKILL)", False),
], ids=["limit-used-up", "limit-not-reached"])
def test_a_child_killed_once_its_cpu_time_was_used_up_is_stopped_for_its_cpu_time(time_limit, reason, out_of_time,
                                                                                 tmp_path):
    """Past the soft limit, a child that has not died of SIGXCPU -- it came late, or the submission ignored it --
    gets the hard limit's SIGKILL a second later: that was "stopped before the grader gave a verdict (exit status
    -9)". Its CPU time says which it was (0.3 s here, a child that kills itself: the hard limit takes 2 s or more)."""
    verdict = verdict_of(_computes_then_is_killed, 0.3, workdir=tmp_path / "cy", time_limit=time_limit)
    skip_if_starved_before_its_cpu_limit(verdict, 0.3)             # no CPU limit here: it kills itself
    assert verdict == sandbox.Verdict(False, reason, out_of_time=out_of_time)


def _computes_then_waits(cpu_seconds: float, computed) -> None:
    while time.process_time() < cpu_seconds:
        pass
    computed.send_bytes(b"")
    time.sleep(60)


def test_a_child_stopped_at_its_wall_limit_is_told_apart_from_the_cpu_limit_by_the_cpu_it_had_used(tmp_path):
    """Both read "did not finish within ... s (time limit)": a submission that waits (0 s of CPU) and one that
    computed but got too little of a core (more JOBS than cores) looked alike, and like the CPU limit's reason."""
    context = sandbox.multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    computed, computing = context.Pipe(duplex=False)
    child = context.Process(target=_computes_then_waits, args=(0.2, computing))
    child.start()
    send.close()
    computing.close()
    running = sandbox._Running("abe", child, receive, tmp_path, time.monotonic())
    with at_most(10, "make grade"):
        computed.recv_bytes()                           # 0.2 s of CPU used, and waiting: past a 0.1 s wall limit
    assert sandbox._poll(running, [], time_limit=5, wall_seconds=0.1) == sandbox.Verdict(
        False, "did not finish within 0.1 s of wall-clock time (wall limit; it had used 0.2 s of CPU)", 0.2)


# A loop that never ends, told where it was: the learner's innermost line, and its function (the CPU limit's SIGXCPU,
# or the parent's at the wall limit, makes the child write its stack -- faulthandler, in C -- before it dies)
# each loop on one line: the stack, read at whatever moment the limit strikes, shows the loop's jump back at the
# `while` line or its body's line if the two are apart (a flaky "line 3" for "line 4" under load)
SPINS = "def spin():\n    x = 0\n    while True: x += 1\n\n\nspin()\n"
MULTIPLIES = ("import numpy as np\n\n\ndef engineer_features(a):\n    while True: a = np.sin(a @ a)\n\n\n"
              "engineer_features(np.ones((3000, 3000)))\n")     # one product: about 1 s of CPU, inside NumPy's C
WAITS = "import time\n\n\ndef wait_for_data():\n    time.sleep(600)\n\n\nwait_for_data()\n"


# a method, named as an error in it is named (its __qualname__): faulthandler writes its __name__ alone ("in run")
SPINS_IN_A_METHOD = "class Perceptron1D:\n    def run(self):\n        while True: pass\n\n\nPerceptron1D().run()\n"
NOTEBOOK01 = f"{EX01.stem}.ipynb"
# the function's name is found in the file as it was handed in, not as the child left its copy: a named pipe in the
# copy's place blocked the grading process for good, which read it again
REPLACES_ITSELF = "import os\n\nos.remove(__file__)\nos.mkfifo(__file__)\n" + SPINS_IN_A_METHOD


def as_notebook(*cells: str) -> str:
    """A notebook of a markdown cell, then a code cell for each of `cells`."""
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Exercise 1")] + [
        nbformat.v4.new_code_cell(cell) for cell in cells]))


@pytest.mark.parametrize("file_name, source, where", [
    (FILE01, SPINS, f"line 3 of {FILE01}, in spin"),
    (FILE01, MULTIPLIES, f"line 5 of {FILE01}, in engineer_features"),
    (FILE01, SPINS_IN_A_METHOD, f"line 3 of {FILE01}, in Perceptron1D.run"),
    (NOTEBOOK01, as_notebook("x = 1", SPINS_IN_A_METHOD), f"line 3 of cell 3 of {NOTEBOOK01}, in Perceptron1D.run"),
    (FILE01, REPLACES_ITSELF, f"line 7 of {FILE01}, in Perceptron1D.run"),
], ids=["python-loop", "inside-numpy", "method", "notebook", "file-replaced-by-a-pipe"])
def test_a_submission_stopped_at_its_cpu_limit_is_told_the_line_and_function_it_was_running(file_name, source,
                                                                                            where):
    # a notebook's line as its errors name it: the cell, counted as Jupyter shows them, markdown cells included.
    # A wall limit far off: inside a long C call, the child dies only when the call returns or at the hard limit, 2 s
    # of CPU, which a busy machine gives it only slowly (not the 8 s of the default wall limit)
    with at_most(30, "make grade"):
        verdict = sandbox.grade_in_sandboxes([sandbox.Submission("cy", EX01.name, file_name, source.encode())], 1, 1,
                                             wall_seconds=20)
    skip_if_starved_before_its_cpu_limit(verdict["cy"], hard_limit(1))
    assert verdict["cy"].reason == f"used more than 1 s of CPU time (time limit) -- it was running {where}", verdict


# the learner's line far below the top of the stack: copy.deepcopy of a list nested 300 deep runs some 600 frames of
# the standard library above it, and faulthandler writes the innermost 100 frames only
DEEP_BELOW = ("import copy\n\n\ndef nest(depth):\n    x = []\n    for _ in range(depth): x = [x]\n    return x\n\n\n"
              "def copy_forever():\n    x = nest(300)\n    while True: copy.deepcopy(x)\n\n\ncopy_forever()\n")


def test_a_submission_that_puts_a_named_pipe_in_its_stacks_place_is_stopped_and_named_nowhere():
    """The stack file lies in the child's folder, which its code may change: a named pipe there, read as a file,
    blocked make grade's own process for good."""
    pipe = f"import os\n\nos.remove({sandbox.STACK_FILE!r})\nos.mkfifo({sandbox.STACK_FILE!r})\n" + SPINS
    with at_most(30, "make grade"):
        verdict = sandbox.grade_in_sandboxes([sandbox.Submission("cy", EX01.name, FILE01, pipe.encode())], 1, 1,
                                             wall_seconds=20)
    skip_if_starved_before_its_cpu_limit(verdict["cy"], hard_limit(1))
    assert verdict["cy"].reason == "used more than 1 s of CPU time (time limit)", verdict


@pytest.mark.parametrize("function", ["copy_forever", "kopiere_für_immer"])   # (a name faulthandler escapes)
def test_a_loop_running_more_than_100_calls_below_the_learners_line_is_still_told_that_line(function):
    source = DEEP_BELOW.replace("copy_forever", function)
    with at_most(20, "make grade"):
        verdict = sandbox.grade_in_sandboxes([sandbox.Submission("cy", EX01.name, FILE01, source.encode())], 1, 1)
    skip_if_starved_before_its_cpu_limit(verdict["cy"], hard_limit(1))
    assert verdict["cy"].reason == (f"used more than 1 s of CPU time (time limit) -- it was running line 12 of "
                                    f"{FILE01}, in {function}"), verdict


def test_a_submission_stopped_at_its_wall_limit_is_told_the_line_and_function_it_was_waiting_in():
    with at_most(20, "make grade"):
        verdict = sandbox.grade_in_sandboxes([sandbox.Submission("abe", EX01.name, FILE01, WAITS.encode())], 5, 1,
                                             wall_seconds=1)["abe"]
    assert re.fullmatch(r"did not finish within 1 s of wall-clock time \(wall limit; it had used [\d.]+ s of CPU\) "
                        rf"-- it was running line 5 of {re.escape(FILE01)}, in wait_for_data", verdict.reason), verdict


# a submission that replaces SIGXCPU's handler (ignores it, or handles it and goes on) took faulthandler's away with
# it: the hard limit's SIGKILL, or the kill after the wall limit's STACK_WAIT, then stopped it with no line named
IGNORES_SIGXCPU = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\n\n\n"
HANDLES_SIGXCPU = "import signal\nsignal.signal(signal.SIGXCPU, lambda signum, frame: None)\n\n\n"


@pytest.mark.parametrize("source, time_limit, wall_seconds, reason, where", [
    (IGNORES_SIGXCPU + SPINS, 1, 20, r"used more than 1 s of CPU time \(time limit\)", "line 7 of {}, in spin"),
    (HANDLES_SIGXCPU + SPINS, 1, 20, r"used more than 1 s of CPU time \(time limit\)", "line 7 of {}, in spin"),
    (IGNORES_SIGXCPU + WAITS, 5, 1, r"did not finish within 1 s of wall-clock time \(wall limit; it had used [\d.]+ s "
     r"of CPU\)", "line 9 of {}, in wait_for_data"),
], ids=["cpu-limit-ignored", "cpu-limit-handled", "wall-limit-ignored"])
def test_a_submission_that_replaced_the_sigxcpu_handler_is_still_told_the_line_it_was_running(source, time_limit,
                                                                                             wall_seconds, reason,
                                                                                             where):
    with at_most(30, "make grade"):
        verdict = sandbox.grade_in_sandboxes([sandbox.Submission("cy", EX01.name, FILE01, source.encode())],
                                             time_limit, 1, wall_seconds=wall_seconds)["cy"]
    if "CPU time" in reason:
        skip_if_starved_before_its_cpu_limit(verdict, hard_limit(time_limit))
    assert re.fullmatch(rf"{reason} -- it was running {re.escape(where.format(FILE01))}", verdict.reason), verdict


def test_the_line_is_named_when_the_temporary_folder_has_a_name_faulthandler_writes_with_escapes(tmp_path,
                                                                                                  monkeypatch):
    # a TMPDIR in a home folder named "José": faulthandler writes the é of the copy's path as "\xe9"
    accented = tmp_path / "José_😀"
    accented.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(accented))
    with at_most(20, "make grade"):
        verdict = sandbox.grade_in_sandboxes([sandbox.Submission("cy", EX01.name, FILE01, SPINS.encode())], 1, 1)
    assert verdict["cy"].reason.endswith(f" -- it was running line 3 of {FILE01}, in spin"), verdict


STARVED_LINE = re.compile(r"warning: a busy machine, not their code, may have cost these zeros: (.*?) stopped at "
                          r"the wall-clock limit having used more than a quarter of TIME_LIMIT=(\d+) s of CPU \(a "
                          r"submission that waits uses next to none\): they computed, but got too little of a core\. "
                          r"Grade them again on a quieter machine or with fewer JOBS=: make grade (ONLY=.+) with "
                          r"the same SUBMISSIONS=")


def assert_starved_warning(out: str, cpu_seconds: float, time_limit: int, wall_limit: int) -> None:
    """make grade's output `out` after cy's ex01 was cut by WALL_LIMIT=`wall_limit` having used `cpu_seconds` of CPU:
    exactly when time_limit/4 < cpu_seconds < wall_limit/2 (computed, but got less than half a core), the last line
    is the busy-machine warning naming "cy ex01" with those CPU seconds and the command that grades it again, just
    after the "Wrote ..." line; otherwise no line warns and "Wrote ..." is the last."""
    lines = out.splitlines()
    if time_limit / 4 < cpu_seconds < wall_limit / 2:
        said = STARVED_LINE.fullmatch(lines[-1])
        assert said and said.groups() == (f"cy ex01 ({cpu_seconds:g} s of CPU)", str(time_limit),
                                          f"ONLY=ex01 TIME_LIMIT={time_limit} WALL_LIMIT={wall_limit}"), lines[-3:]
        assert lines[-2].startswith("Wrote "), lines[-3:]
    else:
        assert not any("busy machine" in line for line in lines) and lines[-1].startswith("Wrote "), lines[-3:]


def test_a_submission_computing_to_its_wall_limit_is_named_after_the_table_only_if_it_used_over_a_quarter_of_time_limit(
        tmp_path, capsys):
    """A correct but slow learner got 0 on a busy machine (12.8 s of CPU of TIME_LIMIT=20 at the 65 s wall limit)
    and 15/15 on a quieter one, and nothing told the instructor that the machine may have cost it. Here, through
    make grade, a loop that computes a third of the time (as a program given a third of a core does) is cut by its
    wall limit (4 s), and a submission that sleeps beside it is never named. Which branch is checked depends on the
    CPU the machine gave the loop: more than a quarter of TIME_LIMIT (0.5 s; under half of the wall-clock seconds,
    2 s), it is named, with its CPU seconds and the command that grades it again, and the warning is the last line;
    a sixth of a core or less (a loaded machine), it is not named. The rule's bounds themselves are proven with fixed
    CPU seconds on both sides, whatever the load, by
    test_the_warning_names_three_learner_exercise_pairs_at_most_then_how_many_more (30.5 s of TIME_LIMIT=120 named,
    exactly a quarter, 30 s, not) and by
    test_the_warning_names_a_zero_that_had_less_than_half_a_core_not_one_a_short_wall_limit_cut (1.9 s of a 6 s wall
    named, exactly half, 3 s of 6 s, not)."""
    a_third = ("import time\nwhile True:\n    end = time.process_time() + 0.05\n"
               "    while time.process_time() < end:\n        pass\n    time.sleep(0.1)\n")
    folder = write_class(tmp_path / "class", {"abe": {FILE01: "import time\ntime.sleep(600)\n"},
                                             "cy": {FILE01: a_third}})
    assert grade(folder, "--only", "ex01", "--time-limit", "2", "--wall-limit", "4") == 0
    out = capsys.readouterr().out
    assert grades(folder) == {"abe": ["0", "0"], "cy": ["0", "0"]}          # the warning changes no grade
    used = re.fullmatch(r"did not finish within 4 s of wall-clock time \(wall limit; it had used ([\d.]+) s of CPU\) "
                        rf"-- it was running line [3-6] of {re.escape(FILE01)}, at the top level of the file",
                        reasons(folder)[("cy", "ex01")])
    assert used and float(used[1]) < 2, reasons(folder)
    assert_starved_warning(out, float(used[1]), time_limit=2, wall_limit=4)


def test_a_submission_that_sleeps_until_its_wall_limit_is_no_reason_for_that_warning(tmp_path, capsys):
    folder = write_class(tmp_path / "class", {"abe": {FILE01: "import time\ntime.sleep(600)\n"},
                                             "ada": {FILE01: SOLVED01}})
    assert grade(folder, "--only", "ex01", "--time-limit", "3", "--wall-limit", "2") == 0
    out, err = capsys.readouterr()
    assert "wall limit; it had used" in reasons(folder)[("abe", "ex01")]
    assert "busy machine" not in out + err and out.splitlines()[-1].startswith("Wrote "), out


def test_an_endless_loop_cut_by_a_wall_limit_under_its_time_limit_is_named_only_if_it_got_less_than_half_a_core(
        tmp_path, capsys):
    """WALL_LIMIT=2 under TIME_LIMIT=3: given half a core or more, the loop is stopped by the wall with 1 s of CPU or
    more and is not named: the machine did not cost it its 0 (make grade passes the WALL_LIMIT it was given to
    starved_warning, not its default, 14 s, under half of which 1.9 s is). A loaded machine that gave it less is
    checked too, not skipped: with more than a quarter of TIME_LIMIT (0.75 s) the rule names it, and its command
    grades it again with WALL_LIMIT=2; with less, it is not named."""
    folder = write_class(tmp_path / "class", {"cy": {FILE01: "while True:\n    pass\n"}})
    assert grade(folder, "--only", "ex01", "--time-limit", "3", "--wall-limit", "2") == 0
    out, err = capsys.readouterr()
    used = re.fullmatch(r"did not finish within 2 s of wall-clock time \(wall limit; it had used ([\d.]+) s of CPU\) "
                        rf"-- it was running line [12] of {re.escape(FILE01)}, at the top level of the file",
                        reasons(folder)[("cy", "ex01")])
    assert used, reasons(folder)
    assert "busy machine" not in err, err
    assert_starved_warning(out, float(used[1]), time_limit=3, wall_limit=2)


def test_the_warning_names_three_learner_exercise_pairs_at_most_then_how_many_more():
    def starved(cpu_seconds):
        return gradebook.Grade("x.py", 0, "did not finish ...", cpu_seconds)

    grades = {"ann": {"ex01": starved(30.5), "ex02": starved(29.0)},     # 30 s is a quarter of TIME_LIMIT=120
              "bob": {"ex01": starved(30.0), "ex02": gradebook.Grade("x.py", 15, "ok")},
              "cy": {"ex01": starved(2.0), "ex02": starved(45.0)},
              "dee": {"ex01": gradebook.Grade("x.py", 0, "used more than 120 s of CPU time (time limit)"),
                      "ex02": starved(31.0)},
              "eve": {"ex01": starved(60.0), "ex02": starved(0.1)}}
    said = STARVED_LINE.fullmatch(grade_class.starved_warning(grades, [EX01, EX02], 120))
    assert said and said.groups() == ("ann ex01 (30.5 s of CPU), cy ex02 (45 s of CPU), dee ex02 (31 s of CPU) and 1 "
                                      "more", "120", "ONLY=ex01,ex02 TIME_LIMIT=120")
    assert grade_class.starved_warning({"bob": grades["bob"]}, [EX01, EX02], 120) == ""


@pytest.mark.parametrize("wall_seconds, command", [(None, "ONLY=ex01 TIME_LIMIT=20"),
                                                   (90, "ONLY=ex01 TIME_LIMIT=20 WALL_LIMIT=90")],
                         ids=["default-wall-limit", "wall-limit-given"])
def test_the_command_the_warning_gives_grades_with_the_same_limits(wall_seconds, command):
    """Those zeros graded again under the default TIME_LIMIT=120 (the command named ONLY= alone) would be graded
    under other limits than the rest of their column, which TIME_LIMIT=20 graded."""
    grades = {"cy": {"ex01": gradebook.Grade("x.py", 0, "did not finish ...", 12.8)}}
    said = STARVED_LINE.fullmatch(grade_class.starved_warning(grades, [EX01], 20, wall_seconds))
    assert said and said[3] == command, said


def test_the_command_the_warning_gives_grades_again_only_the_exercises_that_had_such_a_zero():
    """ex01 and ex02 graded, only ex02's zero perhaps the machine's: ONLY=ex01,ex02 would run every learner's ex01
    again for nothing."""
    grades = {"cy": {"ex01": gradebook.Grade("x.py", 0, "fails: ..."),
                     "ex02": gradebook.Grade("x.py", 0, "did not finish ...", 12.8)}}
    said = STARVED_LINE.fullmatch(grade_class.starved_warning(grades, [EX01, EX02], 20))
    assert said and said[3] == "ONLY=ex02 TIME_LIMIT=20", said


@pytest.mark.parametrize("time_limit, wall_seconds, cpu_seconds, named", [
    (20, None, 12.8, True),       # the default wall limit, 65 s: 12.8 s of CPU is a fifth of a core
    (3, 2, 1.9, False),           # WALL_LIMIT=2 under TIME_LIMIT=3: 1.9 s of 2 s is a core to itself, cut by the wall
    (3, 6, 1.9, True),            # the same 1.9 s over 6 s: a third of a core
    (8, 6, 3.0, False),           # exactly half of a core: not named ("less than half")
], ids=["default-wall-limit", "a-core-to-itself", "a-third-of-a-core", "half-a-core"])
def test_the_warning_names_a_zero_that_had_less_than_half_a_core_not_one_a_short_wall_limit_cut(
        time_limit, wall_seconds, cpu_seconds, named):
    """WALL_LIMIT below TIME_LIMIT stops a program that computes all along, a core to itself, at its wall limit with
    nearly as many CPU seconds: the machine did not cost that zero (an endless loop is one), and grading it again on a
    quieter machine gives the same 0. Only a run that had less than half a core (its CPU seconds under half of its
    wall-clock seconds) got too little of one."""
    grades = {"cy": {"ex01": gradebook.Grade("x.py", 0, "did not finish ...", cpu_seconds)}}
    said = grade_class.starved_warning(grades, [EX01], time_limit, wall_seconds)
    assert bool(said) == named, said


def test_an_exercise_every_learner_was_stopped_at_time_limit_in_is_named_with_a_command_under_a_higher_limit(
        tmp_path, capsys):
    """TIME_LIMIT=1 for an exercise whose solution needs several seconds: the whole column was 0, each learner's
    reason "used more than 1 s of CPU time", and nothing told the instructor that the limit, not the class, gave it
    (here two loops stand for two learners' training)."""
    loop = "while True:\n    pass\n"
    folder = write_class(tmp_path / "class", {"ann": {FILE01: loop}, "bob": {FILE01: loop}})
    with at_most(20, "make grade"):
        assert grade_class.main([str(folder), "--only", "ex01", "--time-limit", "1", "--jobs", "2"]) == 0
    if any(reason.startswith("did not finish") for reason in reasons(folder).values()):
        pytest.skip(f"this machine gave a loop less than 1 s of CPU in its 8 s wall limit: {reasons(folder)}")
    assert capsys.readouterr().out.splitlines()[-1] == (
        "warning: TIME_LIMIT=1 s of CPU may be too low for ex01 (2 of its 2 submissions stopped there, none passed): "
        "if a solution needs longer, grade it again with more: make grade ONLY=ex01 TIME_LIMIT=120 with the same "
        "SUBMISSIONS=")


@pytest.mark.parametrize("column, named", [
    (["cut", "cut", "cut"], True),
    (["cut", "cut", "missing"], True),             # one who handed in nothing says nothing of the limit
    (["cut", "cut", "passed"], False),             # a submission passed within it
    (["cut", "fails", "fails"], False),            # most zeros are the code's own
    (["cut", "cut", "fails", "fails"], False),     # half, not more
    (["cut"], False),                              # one learner's loop
    (["cut at 20 s", "cut at 20 s"], False),       # an earlier run's reason, read back: not this run's
], ids=["all", "one-missing", "one-passed", "most-fail", "half", "alone", "another-limit"])
def test_the_time_limit_warning_needs_most_submissions_of_an_exercise_stopped_there_and_none_passed(column, named):
    grade_of = {"cut": gradebook.Grade("x.py", 0, "used more than 2 s of CPU time (time limit) -- it was running ...",
                                       out_of_time=True),
                "cut at 20 s": gradebook.Grade("x.py", 0, "used more than 20 s of CPU time (time limit)"),
                "missing": gradebook.Grade("", 0, "missing: no ex01_perceptron_activations.py or .ipynb"),
                "passed": gradebook.Grade("x.py", 10, "... match the formulas"),
                "fails": gradebook.Grade("x.py", 0, "Tanh.fn ... is off")}
    grades = {f"learner{i}": {"ex01": grade_of[kind]} for i, kind in enumerate(column)}
    said = grade_class.time_limit_warning(grades, [EX01], 2)
    assert bool(said) == named, said


def test_the_time_limit_warning_names_each_such_exercise_and_a_limit_above_the_one_given():
    """TIME_LIMIT=200 (above the default): the command says 400. ex02, where one submission passed, is not named."""
    stopped = gradebook.Grade("x.py", 0, "used more than 200 s of CPU time (time limit)", out_of_time=True)
    grades = {"ann": {"ex01": stopped, "ex02": stopped, "ex03": stopped},
              "bob": {"ex01": stopped, "ex02": gradebook.Grade("x.py", 15, "ok"), "ex03": stopped}}
    assert grade_class.time_limit_warning(grades, [EX01, EX02, find("ex03")], 200) == (
        "warning: TIME_LIMIT=200 s of CPU may be too low for ex01 (2 of its 2 submissions stopped there, none passed), "
        "ex03 (2 of its 2 submissions stopped there, none passed): if a solution needs longer, grade it again with "
        "more: make grade ONLY=ex01,ex03 TIME_LIMIT=400 with the same SUBMISSIONS=")


def test_a_child_that_ended_before_the_next_one_started_keeps_its_cpu_time(tmp_path):
    """multiprocessing's Process.start reaps the finished children it knows of: a sandbox child that ended between
    the parent's look at it and the next child's start was reaped there, its CPU time lost with it, and a SIGKILL
    once its CPU time was used up read as a plain SIGKILL. Here the next child starts while the first is a zombie."""
    fork, root = sandbox.multiprocessing.get_context("fork"), Path(tempfile.mkdtemp(dir=tmp_path))
    computes = (b"import os, signal, time\nwhile time.process_time() < 0.3:\n    pass\n"
                b"os.kill(os.getpid(), signal.SIGKILL)\n")
    with at_most(10, "make grade"):
        first = sandbox._start(fork, sandbox.Submission("cy", EX01.name, FILE01, computes), root, 5, [])
        os.waitid(os.P_PID, first.process.pid, os.WEXITED | os.WNOWAIT)       # a zombie now: ended, not reaped
        second = sandbox._start(fork, sandbox.Submission("di", EX01.name, FILE01, b""), root, 5, [])
        try:
            verdict = sandbox._poll(first, [], 0.2, wall_seconds=10)
        finally:
            sandbox._end(second)
    assert verdict == sandbox.Verdict(False, "used more than 0.2 s of CPU time (time limit)", out_of_time=True)


def _ends(how: str) -> None:
    import faulthandler

    faulthandler.disable()                      # pytest's: its traceback, then the same signal
    exec(how)


@pytest.mark.parametrize("how, reason", [
    ("import ctypes; ctypes.string_at(0)", "crashed with a segmentation fault (signal SIGSEGV)"),
    ("os.abort()", "aborted, by os.abort() or a failed check in compiled code (signal SIGABRT)"),
    ("os.kill(os.getpid(), signal.SIGTERM)", "was ended by a signal (signal SIGTERM)"),
    ("os.kill(os.getpid(), signal.SIGRTMIN + 2)", f"was ended by a signal (signal {signal.SIGRTMIN + 2})"),
    ("os._exit(3)", None),
], ids=["segfault", "abort", "sigterm", "real-time", "exit-3"])
def test_a_child_ended_by_a_signal_gets_a_reason_that_names_it_and_says_what_it_means(how, reason, tmp_path):
    expected = ("stopped before the grader gave a verdict (exit status 3)" if reason is None
                else f"stopped before the grader gave a verdict: {reason}")
    assert verdict_of(_ends, how, workdir=tmp_path / "cy") == sandbox.Verdict(False, expected)


def test_a_child_that_closes_its_sentinel_pipe_is_not_taken_for_ended_and_killed(tmp_path):
    """os.closerange(3, ...) closes the pipe whose end the parent waits on (multiprocessing's sentinel) with the
    child still running: the parent killed it and blamed "signal SIGKILL" on it (before that, "exit status -9")."""
    how = "os.closerange(3, 65536)\nimport time\ntime.sleep(1.2)\nos._exit(4)"     # alive well after the close
    assert verdict_of(_ends, how, workdir=tmp_path / "cy") == sandbox.Verdict(
        False, "stopped before the grader gave a verdict (exit status 4)")


def test_a_submission_whose_thread_never_ends_is_graded_and_killed_without_waiting_for_the_wall_limit(tmp_path,
                                                                                                         monkeypatch):
    monkeypatch.setattr(sandbox, "KILL_WAIT", 60)          # no help from the bounded wait: the kill must work
    forever = (f"\nimport os, threading, time\nopen({str(tmp_path / 'thread.pid')!r}, 'w').write(str(os.getpid()))\n"
               "threading.Thread(target=lambda: [time.sleep(1) for _ in iter(int, 1)]).start()\n")
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01 + forever}})
    assert grade(folder, "--only", "ex01", "--wall-limit", "60", within=20) == 0
    assert grades(folder) == {"ann": ["10", "10"]}               # the verdict came before the thread's forever
    [pid] = pids_in(tmp_path)
    assert not alive(pid)


# --- 2. processes that leave the sandbox's process group --------------------------------------------------

def test_a_double_forked_background_process_of_a_submission_is_dead_before_the_grades_are_written(tmp_path,
                                                                                                 monkeypatch):
    monkeypatch.setattr(sandbox, "KILL_WAIT", 60)          # the background process holds the child's pipes open
    csv_path = tmp_path / "class" / "grades.csv"
    daemon = f"""
import os, time
ready_read, ready_write = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open({str(tmp_path / 'daemon.pid')!r}, 'w') as file:
            file.write(str(os.getpid()))
        os.write(ready_write, b'x')
        while True:                      # wait for grades.csv, then give everyone full marks
            time.sleep(0.02)
            if os.path.exists({str(csv_path)!r}):
                with open({str(csv_path)!r}, 'w') as table:
                    table.write('learner,ex01,total\\nann,10,10\\nbob,10,10\\n')
    os._exit(0)
os.read(ready_read, 1)
"""
    leaves = (f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    open({str(tmp_path / 'orphan.pid')!r}, "
              "'w').write(str(os.getpid()))\n    time.sleep(600)\ntime.sleep(0.2)\nos._exit(0)\n")
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01 + daemon}, "bob": {FILE01: leaves}})
    assert grade(folder, "--only", "ex01", "--wall-limit", "60") == 0
    assert [alive(pid) for pid in pids_in(tmp_path)] == [False, False]
    assert grades(folder) == {"ann": ["10", "10"], "bob": ["0", "0"]}
    # bob left without a verdict, while his background process held the pipes open: seen at once, not at 60 s
    assert reasons(folder)[("bob", "ex01")] == "stopped before the grader gave a verdict (exit status 0)"


def test_a_progress_line_on_stderr_says_when_each_learners_last_submission_is_graded(tmp_path, capsys):
    """Between "grading ..." and the table nothing was printed: a class of 4 x 7 was silent for 4.5 minutes, and a
    hang looked like work. bob has no file to run: graded from the start. The verdicts of each learner done are kept
    in the progress file then (progress.py), for a run that is stopped."""
    tasks = [sandbox.Submission((learner, name), name, FILE01, b"") for learner, name in
             [("ann", "ex01"), ("ann", "ex02"), ("cy", "ex01")]]
    kept = progress.Kept(tmp_path, {}, {})
    lines = grade_class._Progress({"ann": Path(), "bob": Path(), "cy": Path()}, kept.take(tasks, {}), kept)
    saved = []
    for key in [("ann", "ex01"), ("cy", "ex01"), ("ann", "ex02")]:
        lines.graded(key, sandbox.Verdict(True, f"{key} passed"))
        saved.append([row[:2] for row in json.loads((tmp_path / PROGRESS).read_text())["verdicts"]]
                     if (tmp_path / PROGRESS).exists() else None)
    assert capsys.readouterr() == ("", "  2 of 3 learners graded (cy; 0 s so far)\n"
                                       "  3 of 3 learners graded (ann; 0 s so far)\n")
    assert saved == [None, [["ann", "ex01"], ["cy", "ex01"]], [["ann", "ex01"], ["cy", "ex01"], ["ann", "ex02"]]]


# --- 3. submissions read before any learner code runs; symbolic links refused --------------------------------

def test_a_submission_cannot_delete_or_rewrite_another_learners_file_before_it_is_graded_and_is_named(
        tmp_path, own_tmp, capsys):
    folder = tmp_path / "class"
    vandal = (f"\nimport os\nos.remove({str(folder / 'bob' / FILE01)!r})\n"
              f"open({str(folder / 'cy' / FILE01)!r}, 'w').write('raise RuntimeError(\"rewritten\")')\n")
    write_class(folder, {"ann": {FILE01: SOLVED01 + vandal}, "bob": {FILE01: SOLVED01}, "cy": {FILE01: SOLVED01}})
    assert grade(folder, "--only", "ex01", "--jobs", "1") == 0       # one at a time: ann is graded first
    assert not (folder / "bob" / FILE01).exists()                     # (it did what it says)
    assert grades(folder) == {"ann": ["10", "10"], "bob": ["10", "10"], "cy": ["10", "10"]}
    assert list(own_tmp.iterdir()) == []
    # the grades stand, but the files on disk are not what the learners handed in: the instructor is told which,
    # after a progress line for each learner
    *progress, warning = capsys.readouterr().err.splitlines()
    assert [re.sub(r"; \d+ s so far\)$", ")", line) for line in progress] == [
        "  1 of 3 learners graded (ann)", "  2 of 3 learners graded (bob)", "  3 of 3 learners graded (cy)"]
    assert warning == (f"warning: a submission changed the submissions folder during grading: bob/{FILE01} "
                       f"(deleted), cy/{FILE01} (changed). The grades use every file as it was before grading; "
                       "restore the learners' files from their hand-ins.")


def test_a_symbolic_link_is_refused_as_a_submission_and_skipped_as_a_learner_folder(tmp_path, capsys):
    folder = write_class(tmp_path / "class", {"ann": {"notes.txt": ""}})
    (folder / "ann" / FILE01).symlink_to(EX01.solution_path)
    (folder / "ann" / "keras_models" / "course").mkdir(parents=True)
    (folder / "ann" / "keras_models" / "course" / "exercises").symlink_to(EX02.solution_path.parent)
    (folder / "zed").symlink_to(write_class(tmp_path / "elsewhere", {"zed": {FILE01: SOLVED01}}) / "zed")
    assert grade(folder, "--only", "ex01,ex02") == 0
    assert grades(folder) == {"ann": ["0", "0", "0"]}
    assert reasons(folder) == {
        ("ann", "ex01"): f"refused: {FILE01} is a symbolic link; hand in the file itself",
        ("ann", "ex02"): f"refused: keras_models/course/exercises/{FILE02} is inside a symbolic link "
                         "(keras_models/course/exercises); hand in the file itself"}
    assert "skipped in the submissions folder: zed (symbolic link)\n" in capsys.readouterr().out


@pytest.mark.parametrize("make, reason", [
    (lambda path: path.symlink_to("/Users/ann/course/" + FILE01), f"refused: {FILE01} is a symbolic link; hand in the "
                                                                  "file itself"),
    (os.mkfifo, f"refused: {FILE01} is not a regular file"),
], ids=["link-to-nowhere", "pipe"])
def test_what_holds_the_files_name_but_is_no_file_is_refused_not_found_and_moved_up(tmp_path, make, reason):
    """A link copied from the learner's machine points nowhere here: it was taken for no file, then found at the top
    by the search one folder deeper ("missing: ... at the top of the folder (found ex01_....py: move it up)")."""
    learner = write_class(tmp_path / "class", {"ann": {"notes.txt": ""}}) / "ann"
    make(learner / FILE01)
    assert learner_files.staged_submission(learner, EX01, learner_files.submission(learner, EX01)).reason == reason


def test_a_learner_folder_that_cannot_be_read_is_a_one_line_zero_and_the_class_is_graded(tmp_path, monkeypatch):
    """A folder whose modes (from a learner's archive) let no one else look inside: is_file() raises
    PermissionError there (Python 3.11-3.13), and that stopped the whole class's grading with a traceback."""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01}, "bob": {FILE01: SOLVED01}})
    is_file = Path.is_file

    def locked(path):                          # root reads every folder: bob's is made unreadable by stand-in
        if path.is_relative_to(folder / "bob"):
            raise PermissionError(13, "Permission denied", str(path))
        return is_file(path)

    monkeypatch.setattr(Path, "is_file", locked)
    assert grade(folder, "--only", "ex01") == 0
    assert grades(folder) == {"ann": ["10", "10"], "bob": ["0", "0"]}
    assert reasons(folder)[("bob", "ex01")] == f"cannot be read: {FILE01} (Permission denied)"


def test_a_submissions_folder_that_cannot_be_read_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    """A class folder whose modes let the instructor in but not list it (mode 300: a share, another user's folder):
    listing it raised PermissionError, a traceback out of make grade."""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01}})
    iterdir = Path.iterdir

    def locked(path):                          # root lists every folder: this one is made unlistable by stand-in
        if path == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return iterdir(path)

    monkeypatch.setattr(Path, "iterdir", locked)
    assert grade(folder, "--only", "ex01") == 2
    assert capsys.readouterr() == ("", f"error: the submissions folder {folder} cannot be read (Permission denied); "
                                       "nothing was graded\n")


def test_a_submissions_folder_the_grades_cannot_be_written_to_is_refused_before_grading(tmp_path, capsys,
                                                                                         monkeypatch):
    """Read-only for the instructor (a share, a folder of another user's): the whole class was graded, minutes of
    it, and only then "the grades cannot be written"."""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01}})
    as_for_a_learner(monkeypatch, folder, read_only=True)                # mode 555 for the instructor
    monkeypatch.setattr(grade_class, "grade_learners", lambda *a, **k: pytest.fail("it graded"))
    assert grade(folder, "--only", "ex01") == 2
    assert capsys.readouterr() == ("", f"error: the grades cannot be written to {folder} (permission denied or a "
                                       "read-only file system); nothing was graded\n")


# --- 4. output size --------------------------------------------------------------------------------------

def test_the_output_and_memory_limits_are_the_ones_the_readme_gives():
    """The tests below shrink the limits to 1 MiB and 1 GiB (the same rule, less to write): the real ones, here."""
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    output_mib, memory_gib = re.search(r"no file larger than (\d+) MiB; at most (\d+) GiB of memory beyond what the "
                                       r"grader itself holds", readme).groups()
    assert (sandbox.OUTPUT_LIMIT, sandbox.MEMORY_LIMIT) == (int(output_mib) * 2**20, int(memory_gib) * 2**30)
    assert f"wrote or printed more than {output_mib} MiB into one file (output limit)" in readme


@pytest.mark.parametrize("writes", [
    "\nwith open('big.bin', 'wb') as big:\n    for _ in range(40):\n        big.write(bytes(65536))\n",
    "\nfor _ in range(40):\n    print('x' * 65536)\n",           # printed: its output file is the one that grows
], ids=["a-file", "printed"])
def test_a_submission_writing_a_file_beyond_the_output_limit_is_stopped_with_that_reason(writes, tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setattr(sandbox, "OUTPUT_LIMIT", 2**20)               # 1 MiB here: the same rule, less to write
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01 + writes}})
    assert grade(folder, "--only", "ex01") == 0
    assert reasons(folder) == {("ann", "ex01"): "wrote or printed more than 1 MiB into one file (output limit)"}


def test_a_submission_allocating_more_memory_than_the_limit_gets_a_memory_error_as_its_reason(tmp_path,
                                                                                             monkeypatch):
    monkeypatch.setattr(sandbox, "MEMORY_LIMIT", 2**30)               # 1 GiB here: the same rule
    takes = "\nimport numpy as np\nbig = np.empty(2 * 2**30, dtype=np.uint8)    # 2 GiB, beyond MEMORY_LIMIT\n"
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01 + takes}, "bob": {FILE01: SOLVED01}})
    assert grade(folder, "--only", "ex01") == 0
    assert grades(folder) == {"ann": ["0", "0"], "bob": ["10", "10"]}
    assert reasons(folder)[("ann", "ex01")].startswith("your code raised MemoryError in the top level of the file "
                                                       f"(line {SOLVED01.count(chr(10)) + 3} of {FILE01}): Unable "
                                                       "to allocate 2.00 GiB"), reasons(folder)


def test_the_memory_limit_counts_from_what_the_grading_process_already_holds(tmp_path, monkeypatch):
    """An absolute limit failed every submission at its first sizeable allocation once the process that forks
    them held more than the limit: a test worker that had trained models did (2.8 GB seen), and a solved ex01
    then got 0 for a MemoryError in the full suite now and then."""
    import numpy as np

    monkeypatch.setattr(sandbox, "MEMORY_LIMIT", 2**30)
    held = np.empty(2 * 2**30, dtype=np.uint8)      # the parent's own 2 GiB, never written: address space only
    takes = "\nimport numpy as np\nsome = np.ones(2**24)          # 128 MiB, well within the limit\n"
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01 + takes}})
    assert grade(folder, "--only", "ex01") == 0
    assert grades(folder) == {"ann": ["10", "10"]}, reasons(folder)
    del held


# --- 5, 6. bad make variables, and what is skipped or misplaced ---------------------------------------------

@pytest.mark.parametrize("options, message", [
    (["--time-limit", "inf"], "TIME_LIMIT must be a whole number of seconds from 1 to 86400, got 'inf'"),
    (["--time-limit", "1e30"], "TIME_LIMIT must be a whole number of seconds from 1 to 86400, got '1e30'"),
    (["--time-limit", "0.001"], "TIME_LIMIT must be a whole number of seconds from 1 to 86400, got '0.001'"),
    (["--time-limit", "abc"], "TIME_LIMIT must be a whole number of seconds from 1 to 86400, got 'abc'"),
    (["--wall-limit", "nan"], "WALL_LIMIT must be a whole number of seconds from 1 to 604800, got 'nan'"),
    (["--jobs", "x"], "JOBS must be a whole number from 1 to 1024, got 'x'"),
    (["--jobs", "0"], "JOBS must be a whole number from 1 to 1024, got '0'"),
    (["--only", ","], "ONLY=',' names no exercise; the exercises are ex01, ex02, ex03, ex04, ex05, ex06, ex07"),
    (["--time-limits", "3"], "unrecognized arguments: --time-limits 3 (all options: .venv/bin/python -m "
                             "keras_models.course.instructor.grade_class --help)"),
], ids=["inf", "huge", "tiny", "not-a-number", "wall-nan", "jobs-x", "jobs-0", "only-comma", "unknown-option"])
def test_a_bad_make_variable_is_refused_in_one_line_that_names_it(options, message, tmp_path, capsys):
    folder = write_class(tmp_path / "class", {"ann": {"notes.txt": "nothing to grade"}})
    assert grade_class.main([str(folder), *options]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: {message}\n")
    assert not (folder / "grades.csv").exists()


def test_skipped_entries_are_listed_and_a_file_one_folder_too_deep_or_misnamed_is_named_in_its_reason(tmp_path,
                                                                                                     capsys):
    folder = write_class(tmp_path / "class", {"alice": {f"course-2027/{FILE01}": "x = 1\n"},
                                             ".git": {"HEAD": "ref"}, "bob": {"notes.txt": ""},
                                             "cat": {"ex01.py": "x = 1\n"}, "dan": {"EX01_Perceptron (2).IPYNB": "{}"},
                                             "eve": {f"Copy of {FILE01[:-3]}.ipynb": "{}"},
                                             "fay": {f"{FILE01}.txt": "x = 1\n"},                # Notepad's name
                                             "Ann": {"notes.txt": ""}})
    (folder / "stray_file.zip").write_bytes(b"PK")
    assert grade(folder, "--only", "ex01") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("skipped in the submissions folder: .git (hidden folder), stray_file.zip (not a "
                                   "folder)")
    assert reasons(folder) == {
        ("alice", "ex01"): f"missing: no {FILE01[:-3]}.py or .ipynb at the top of the folder (found "
                           f"course-2027/{FILE01}: move it up)",
        ("bob", "ex01"): f"missing: no {FILE01[:-3]}.py or .ipynb",
        ("cat", "ex01"): f"missing: no {FILE01[:-3]}.py or .ipynb (found ex01.py: name it {FILE01})",
        ("dan", "ex01"): f"missing: no {FILE01[:-3]}.py or .ipynb (found EX01_Perceptron (2).IPYNB: name it "
                         f"{FILE01[:-3]}.ipynb)",
        ("eve", "ex01"): f"missing: no {FILE01[:-3]}.py or .ipynb (found Copy of {FILE01[:-3]}.ipynb: name it "
                         f"{FILE01[:-3]}.ipynb)",
        ("fay", "ex01"): f"missing: no {FILE01[:-3]}.py or .ipynb (found {FILE01}.txt: name it {FILE01})",
        ("Ann", "ex01"): f"missing: no {FILE01[:-3]}.py or .ipynb"}
    with open(folder / "grades.csv", newline="", encoding="utf-8") as table:        # a class list's order, any case
        assert [row["learner"] for row in csv.DictReader(table)] == ["alice", "Ann", "bob", "cat", "dan", "eve", "fay"]
    assert grade(folder, "--only", "ex01") == 0                       # its own grades.csv is not "skipped"
    assert capsys.readouterr().out.splitlines()[0] == out.splitlines()[0]
    assert grade_class.main(["--learner", str(folder / "stray_file.zip")]) == 2
    assert capsys.readouterr().err == f"error: the learner folder {folder / 'stray_file.zip'} is a file, not a folder\n"


@pytest.mark.parametrize("name, found", [
    (f"ex1_{EX01.stem[5:]}.py", f"ex1_{EX01.stem[5:]}.py"),          # the id without its zero, as ONLY=ex1 takes it
    (f"EX1 {EX01.stem[5:]}.ipynb", f"EX1 {EX01.stem[5:]}.ipynb"),
    (f"{FILE01} ", f'"{FILE01} "'),                                   # a space after .py: named in quotes to show it
    (f" {FILE01}", f'" {FILE01}"'),                                   # a space before: in quotes too
    (f"smithann_12345_67890_{FILE01}", f"smithann_12345_67890_{FILE01}"),          # Canvas' bulk download
    (f"smithann_LATE_12345_67890_{EX01.stem}-1.py", f"smithann_LATE_12345_67890_{EX01.stem}-1.py"),
    ("Exercise 1.ipynb", "Exercise 1.ipynb"), ("ex_01 perceptron.py", "ex_01 perceptron.py"),   # renamed by hand
], ids=["ex1", "EX1-notebook", "space-after-py", "space-before", "canvas", "canvas-late-resubmitted", "exercise-1",
        "ex_01"])
def test_a_missing_file_names_a_file_named_nearly_right_whatever_its_ids_zero_or_a_trailing_space(tmp_path, name,
                                                                                                   found):
    """ex10_notes.py, Exercise 10.py and index1.py are no ex1 files; nor is macOS' AppleDouble ._ex01_....py (listed
    first)."""
    folder = write_class(tmp_path / "class", {"ann": {name: "x = 1\n", "ex10_notes.py": "", "index1.py": "",
                                                      "Exercise 10.py": "", f"._{FILE01}": ""}})
    meant = f"{EX01.stem}.ipynb" if "ipynb" in name else FILE01
    assert learner_files.staged_submission(folder / "ann", EX01, None).reason == (
        f"missing: no {EX01.stem}.py or .ipynb (found {found}: name it {meant})")


def test_a_missing_file_names_every_file_named_nearly_right_not_just_the_first(tmp_path):
    """A browser's ex01.ipynb beside its ex01 (2).ipynb are two versions: the reason named the first alone, and the
    instructor who renamed it may have graded the older one."""
    folder = write_class(tmp_path / "class", {"ann": {"ex01.ipynb": "{}", "ex01 (2).ipynb": "{}"},
                                             "bob": {"ex01.py": "", "ex01 (1).py": "", "ex01.ipynb": "",
                                                     "EX1.ipynb": ""}})
    assert learner_files.staged_submission(folder / "ann", EX01, None).reason == (
        f"missing: no {EX01.stem}.py or .ipynb (found ex01 (2).ipynb, ex01.ipynb: name the one to grade "
        f"{EX01.stem}.ipynb)")
    assert learner_files.staged_submission(folder / "bob", EX01, None).reason == (
        f"missing: no {EX01.stem}.py or .ipynb (found EX1.ipynb, ex01 (1).py, ex01.ipynb and 1 more: name the one to "
        f"grade {EX01.stem}.py or .ipynb)")


def test_a_missing_file_names_three_files_named_nearly_right_and_no_more(tmp_path):
    """Three such files are all named; "and N more" only follows a fourth (not "and 0 more")."""
    folder = write_class(tmp_path / "class", {"ann": {"ex01.py": "", "ex01 (1).py": "", "ex01 (2).py": ""}})
    assert learner_files.staged_submission(folder / "ann", EX01, None).reason == (
        f"missing: no {EX01.stem}.py or .ipynb (found ex01 (1).py, ex01 (2).py, ex01.py: name the one to grade "
        f"{FILE01})")


def test_a_file_in_a_hidden_folder_is_not_named_as_the_file_one_folder_too_deep(tmp_path):
    """A hidden folder (.git, a backup tool's .old) is nobody's hand-in: not "found .old/ex01_....py: move it up"."""
    folder = write_class(tmp_path / "class", {"ann": {f".old/{FILE01}": SOLVED01, "notes.txt": ""}})
    assert learner_files.staged_submission(folder / "ann", EX01, None).reason == f"missing: no {EX01.stem}.py or .ipynb"


def test_a_link_to_nowhere_beside_the_notebook_leaves_the_notebook_graded(tmp_path):
    """A .py that is a link copied from the learner's machine (it points nowhere here) holds no work: the notebook
    beside it is the learner's file, graded, not the link refused."""
    learner = write_class(tmp_path / "class", {"ann": {"notes.txt": ""}}) / "ann"
    (learner / FILE01).symlink_to("/Users/ann/course/" + FILE01)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLVED01)]),
                   learner / f"{EX01.stem}.ipynb")
    chosen = learner_files.submission(learner, EX01)
    assert chosen.path == learner / f"{EX01.stem}.ipynb"
    assert learner_files.staged_submission(learner, EX01, chosen)[0] == f"{EX01.stem}.ipynb"


def test_a_missing_file_names_a_file_named_nearly_right_one_folder_too_deep(tmp_path):
    """An archive's extra level holding a renamed file: its 0 said only "missing"; macOS' ._ files are not named."""
    folder = write_class(tmp_path / "class", {"ann": {"__MACOSX/ann/ex01 (1).py": "", "ann/._ex01 (1).py": "",
                                                      "ann/ex01 (1).py": "x = 1\n"}})
    assert learner_files.staged_submission(folder / "ann", EX01, None).reason == (
        f'missing: no {EX01.stem}.py or .ipynb at the top of the folder (found ann/ex01 (1).py: move it up and name '
        f'it {FILE01})')


def test_a_missing_file_names_an_archive_handed_in_instead(tmp_path):
    """A learning platform's upload is often the work zipped: its 0 said only "missing", the zip lying there."""
    folder = write_class(tmp_path / "class", {"ann": {"Ann Smith week 3.ZIP": "PK", "._work.zip": "", "notes.txt": ""},
                                             "bob": {"notes.txt": ""}})
    assert learner_files.staged_submission(folder / "ann", EX01, None).reason == (
        f'missing: no {EX01.stem}.py or .ipynb (found Ann Smith week 3.ZIP, an archive: unpack it into the folder)')
    assert learner_files.staged_submission(folder / "bob", EX01, None).reason == f"missing: no {EX01.stem}.py or .ipynb"


@pytest.mark.parametrize("export", [f"{EX01.stem}.html", f"{EX01.stem}.pdf", f"{EX01.stem}.txt"])
def test_a_missing_file_names_the_exercise_handed_in_in_another_format(tmp_path, export):
    """A notebook exported (File > Save and Export Notebook As: HTML, PDF, Executable Script, which names it .txt
    while its kernel never ran): its 0 said only "missing"."""
    folder = write_class(tmp_path / "class", {"ann": {export: "", "ex10.html": "", f"._{EX01.stem}.html": ""}})
    assert learner_files.staged_submission(folder / "ann", EX01, None).reason == (
        f"missing: no {EX01.stem}.py or .ipynb (found {export}, not a .py or .ipynb: hand in the exercise file itself)")


def test_a_zero_names_a_file_named_nearly_right_beside_the_file_graded(tmp_path):
    """A clone holds the release's untouched exercise; the learner's own work, uploaded from Colab as "Copy of
    ...", lies at the top, ungraded: the 0 names it; so does it for JupyterLab's Duplicate of the notebook, which
    lies beside the notebook, where the release keeps it. A pass needs no such line. Two versions beside the one
    graded are both named, as for a missing file (the second went unsaid: which one was the learner's last?)."""
    skeleton = skeleton_of(EX01.solution_path)
    notebooks = "keras_models/course/notebooks/exercises"
    folder = write_class(tmp_path / "class", {
        "ann": {f"keras_models/course/exercises/{FILE01}": skeleton, f"Copy of {EX01.stem}.ipynb": "{}"},
        "bob": {FILE01: SOLVED01, f"{EX01.stem} (1).py": skeleton},
        "cat": {f"keras_models/course/exercises/{FILE01}": skeleton, f"{notebooks}/{EX01.stem}-Copy1.ipynb": "{}"},
        "dee": {FILE01: skeleton, f"{EX01.stem} (1).py": "{}", f"{EX01.stem}_v2.ipynb": "{}"}})
    assert grade(folder, "--only", "ex01") == 0
    assert reasons(folder)[("dee", "ex01")].endswith(f"(found {EX01.stem} (1).py, {EX01.stem}_v2.ipynb too, not "
                                                     f"graded: name the one to grade {EX01.stem}.py or .ipynb)")
    assert reasons(folder)[("ann", "ex01")].endswith(f"(found Copy of {EX01.stem}.ipynb too, not graded: name it "
                                                     f"{EX01.stem}.ipynb)")
    assert reasons(folder)[("cat", "ex01")].endswith(f"(found {notebooks}/{EX01.stem}-Copy1.ipynb too, not graded: "
                                                     f"name it {EX01.stem}.ipynb)")
    assert "found" not in reasons(folder)[("bob", "ex01")]


def test_the_file_graded_is_not_named_as_a_file_named_nearly_right_beside_itself(tmp_path):
    """On macOS' case-insensitive disks EX01_PERCEPTRON_ACTIVATIONS.PY is the file ex01_perceptron_activations.py that
    was graded, yet a 0 went on "(found EX01_PERCEPTRON_ACTIVATIONS.PY too, not graded: name it ...)". Here a hard
    link is that second name of the same file."""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: "x = 1\n"}})
    os.link(folder / "ann" / FILE01, folder / "ann" / FILE01.upper())
    assert learner_files.named_nearly(folder / "ann", EX01) is None


def test_the_macos_zip_metadata_folder_is_skipped_not_graded_as_a_learner(tmp_path):
    # a class zipped on a Mac and unzipped elsewhere: __MACOSX/alice/._ex01... beside alice/ -- not a learner
    folder = write_class(tmp_path / "class", {"alice": {FILE01: "x = 1\n"}, "__MACOSX": {f"alice/._{FILE01}": ""}})
    learners, skipped = learner_folders.find_learners(folder)
    assert list(learners) == ["alice"] and skipped == ["__MACOSX (the macOS zip's metadata folder)"]


def test_moodles_folders_are_one_learner_each_named_with_their_id_and_the_online_text_is_no_learner(tmp_path):
    """Moodle's download in folders: Ann Smith_12345_assignsubmission_file_ (the files) beside
    Ann Smith_12345_assignsubmission_onlinetext_ (onlinetext.html) was graded as two learners, the second a row of
    zeros. A learner who handed in the online text alone still has a row; a folder Moodle did not name is as it was."""
    folder = write_class(tmp_path / "class", {
        "Ann Smith_12345_assignsubmission_file_": {FILE01: "x = 1\n"},
        "Ann Smith_12345_assignsubmission_onlinetext_": {"onlinetext.html": "<p>see my files</p>"},
        "Cy Dee_12347_assignsubmission_onlinetext_": {"onlinetext.html": "<p>could not upload</p>"},
        "bob_assignsubmission_file_": {FILE01: ""}, "Dan_12348": {FILE01: ""}})
    learners, skipped = learner_folders.find_learners(folder)
    assert learners == {"Ann Smith_12345": folder / "Ann Smith_12345_assignsubmission_file_",
                        "bob_assignsubmission_file_": folder / "bob_assignsubmission_file_",
                        "Cy Dee_12347": folder / "Cy Dee_12347_assignsubmission_onlinetext_",
                        "Dan_12348": folder / "Dan_12348"}
    # in roll order, Moodle's learners among the others: the rows of grades.csv and the table, in that order
    assert list(learners) == ["Ann Smith_12345", "bob_assignsubmission_file_", "Cy Dee_12347", "Dan_12348"]
    assert skipped == ["Ann Smith_12345_assignsubmission_onlinetext_ (Moodle's online text of Ann Smith_12345, not "
                       "exercise files: graded from Ann Smith_12345_assignsubmission_file_)"]
    write_class(folder, {"Dan_12348_assignsubmission_file_": {FILE01: ""}})         # Dan's folder twice: refused
    with pytest.raises(ValueError, match=r" holds Dan_12348 and Dan_12348_assignsubmission_file_, Moodle's folder of "
                                         r"the same learner: merge them into one folder$"):
        learner_folders.find_learners(folder)


def test_a_skipped_file_whose_name_holds_a_control_character_is_listed_escaped(tmp_path):
    """macOS' "Icon\\r" (a folder's custom icon, in the zip of a Dropbox or Drive folder): its carriage return, printed
    as it is, sent the terminal's cursor back and " (not a folder), ..." wrote over the start of the line."""
    folder = write_class(tmp_path / "class", {"alice": {FILE01: "x = 1\n"}, ".cache\x1b[2K": {"a": ""}})
    (folder / "Icon\r").write_bytes(b"")
    (folder / "link\n").symlink_to(folder / "alice")
    assert learner_folders.find_learners(folder)[1] == [".cache\\x1b[2K (hidden folder)", "Icon\\r (not a folder)",
                                                       "link\\n (symbolic link)"]


def test_a_utf8_folder_name_read_in_the_c_locale_is_a_learner_not_skipped_as_not_utf8(tmp_path, monkeypatch):
    """In the C locale without UTF-8 mode (LC_ALL=C PYTHONUTF8=0) Python reads file names as ASCII: the folder
    "Zo\xeb" (UTF-8 on disk) is listed as "Zo\\udcc3\\udcab", and make grade skipped it as "its name is not UTF-8".
    Here the listing is that one; the folder it names is the real one (the same bytes)."""
    folder = write_class(tmp_path / "class", {"Zo\xeb": {FILE01: "x = 1\n"}, "bob": {FILE01: "x = 1\n"}})
    os.mkdir(os.fsencode(folder) + b"/caf\xe9")                         # Latin-1: not UTF-8 in any locale
    as_ascii = [folder / "Zo\udcc3\udcab", folder / "bob", folder / "caf\udce9"]
    assert os.fsencode(as_ascii[0]) == os.fsencode(folder / "Zo\xeb")
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(as_ascii) if self == folder else pytest.fail(str(self)))
    learners, skipped = learner_folders.find_learners(folder)
    assert learners == {"bob": folder / "bob", "Zo\xeb": as_ascii[0]}
    assert skipped == ["caf\\udce9 (its name is not UTF-8: rename the folder)"]


@pytest.mark.parametrize("composed, decomposed, letter", [
    ("Jos\u00e9", "Jose\u0301", "\u00e9 as e and an accent"), ("Zo\u00eb", "Zoe\u0308", "\u00eb as e and an accent"),
    ("\u00c5sa", "A\u030asa", "\u00c5 as A and an accent"),
    ("Nguy\u1ec5n", "Nguye\u0302\u0303n", "\u1ec5 as e and accents"),
    ("\uae40", "\u1100\u1175\u11b7", "\uae40 in 3 parts")])                                       # 김, as ㄱ ㅣ ㅁ
def test_two_learner_folders_named_alike_in_two_unicode_forms_are_refused_before_grading(composed, decomposed, letter,
                                                                                        tmp_path):
    """Jos\xe9 unzipped on Linux, Jose + combining accent from a Mac's zip: graded as two learners, two rows that look
    the same, and a grades.csv that the next ONLY= run refused ("two rows for Jos\xe9"). The line names the letter
    the two spell apart: it said "a Mac writes \xeb as e and an accent" of Jos\xe9 and \xc5sa too."""
    folder = write_class(tmp_path / "class", {composed: {FILE01: ""}, decomposed: {FILE01: ""}, "bob": {FILE01: ""}})
    with pytest.raises(ValueError) as refused:
        learner_folders.find_learners(folder)
    forms = f"{ascii(decomposed)}, {ascii(composed)}"                 # in roll order: e before \xe9
    assert str(refused.value) == (f"{folder} holds 2 learner folders named {composed}, spelled in different Unicode "
                                  f"forms ({forms}: a Mac writes {letter}): the grade book could not "
                                  "tell them apart; merge them into one folder, or rename one")


@pytest.mark.parametrize("nfc, other, forms, told", [
    ("Kim", "\u212aim", "'Kim', '\\u212aim'",
     "one spells K with the look-alike sign U+212A, which Unicode counts as K"),
    ("q\u0323\u0307", "q\u0307\u0323", "'q\\u0307\\u0323', 'q\\u0323\\u0307'",
     "their accents are written in another order")], ids=["kelvin-sign", "accents-reordered"])
def test_two_learner_folders_told_apart_by_no_letter_a_mac_spells_in_parts_are_refused_in_words(nfc, other, forms,
                                                                                              told, tmp_path):
    """Kim and \u212aim (the Kelvin sign, which NFC turns into K; an Ohm sign, a CJK compatibility ideograph alike),
    or one letter's two accents in either order: the same learner to the grade book, but no letter of the name is
    one a Mac spells in parts, and looking for one ended make grade in a bare StopIteration."""
    folder = write_class(tmp_path / "class", {nfc: {FILE01: ""}, other: {FILE01: ""}, "bob": {FILE01: ""}})
    with pytest.raises(ValueError) as refused:
        learner_folders.find_learners(folder)
    assert str(refused.value) == (f"{folder} holds 2 learner folders named {nfc}, spelled in different Unicode forms "
                                  f"({forms}: {told}): the grade book could not tell them apart; merge them into one "
                                  "folder, or rename one")


def test_one_learners_folder_given_as_the_class_is_refused_in_one_line_not_graded_as_learners(tmp_path, capsys):
    # a learner's clone: its data/, keras_models/ ... would each be graded as a learner, all 0, and the grade
    # book written into the learner's repository
    clone = write_class(tmp_path, {"clone": {f"keras_models/course/exercises/{FILE01}": SOLVED01, "data/a.csv": ""}})
    assert grade_class.main([str(clone / "clone"), "--only", "ex01"]) == 2
    assert capsys.readouterr() == ("", f"error: {clone / 'clone'} holds keras_models/course/exercises/{FILE01} itself, "
                                       "as one learner's folder does: SUBMISSIONS= is the folder that holds one "
                                       "sub-folder per learner\n")
    assert not (clone / "clone" / "grades.csv").exists()


def test_a_class_folder_one_level_down_is_refused_in_one_line_not_graded_as_one_learner(tmp_path, capsys):
    # the class's zip unzipped into a folder of its own: class-2027 was graded as the one learner, 0 for every
    # exercise ("found ann/ex01_...: move it up"), and the grade book written one level too high
    outer = write_class(tmp_path / "outer", {"class-2027": {f"ann/{FILE01}": SOLVED01, f"bob/{FILE02}": "",
                                                            "carol/notes.txt": ""},
                                             "__MACOSX": {f"class-2027/ann/._{FILE01}": ""}})
    assert grade_class.main([str(outer), "--only", "ex01"]) == 2
    assert capsys.readouterr() == ("", f"error: {outer} holds one folder, class-2027, whose sub-folders hold exercise "
                                       f"files (ann, bob): it is the class's folder, as an archive's extra level "
                                       f"leaves it: make grade SUBMISSIONS={outer / 'class-2027'}\n")
    assert not (outer / "grades.csv").exists()
    one = write_class(tmp_path / "one", {"ann": {f"ann/{FILE01}": SOLVED01}})     # one learner's extra level: graded
    assert list(learner_folders.find_learners(one)[0]) == ["ann"]


@pytest.mark.parametrize("name", ["grades.csv", "grades_reasons.csv"])
@pytest.mark.parametrize("only", [[], ["--only", "ex01"]], ids=["all", "only"])
def test_a_folder_named_as_a_grade_book_file_is_refused_in_one_line_before_grading(name, only, tmp_path, capsys):
    # it was graded as a learner, and then, with every exercise of the class graded, no grades could be written:
    # "error: the grades cannot be written to <class> (Is a directory)"
    folder = write_class(tmp_path / "class", {name: {FILE01: SOLVED01}, "bob": {FILE01: SOLVED01}})
    assert grade_class.main([str(folder), *only]) == 2
    assert capsys.readouterr() == ("", f"error: {folder / name} is a folder, where make grade writes its {name}: "
                                       "rename it (if it is a learner's) or move it away\n")


def test_a_learner_with_nothing_handed_in_is_one_line_of_why_the_zeros_not_one_per_exercise(capsys):
    """An empty folder (a learner who handed in nothing) filled "Why the zeros" with seven lines saying the same."""
    missing = {e.name: grade_class.Grade("", 0, learner_files.missing(e)) for e in (EX01, EX02)}
    near = {**missing, EX02.name: grade_class.Grade("", 0, f"{learner_files.missing(EX02)} (found ex02.py: name it "
                                                           f"{FILE02})")}
    grade_table.print_table([EX01, EX02], {"ann": missing, "bob": near})
    assert capsys.readouterr().out.splitlines()[5:] == [
        "Why the zeros:",
        "  ann      all   missing: none of the 2 exercise files is in the folder, nor any file named nearly like one",
        f"  bob      ex01  missing: no {EX01.stem}.py or .ipynb",
        f"  bob      ex02  missing: no {EX02.stem}.py or .ipynb (found ex02.py: name it {FILE02})"]


def test_a_learner_name_with_bidi_controls_is_shown_escaped_and_kept_whole_in_the_grade_book(tmp_path, capsys):
    """A folder named with a right-to-left override (U+202E) or an isolate (U+2066) was printed as it is: a terminal
    that follows the bidi algorithm showed the rest of that row (its scores, its reason) in another order. It is
    escaped as the control characters are; grades.csv keeps the folder's name. The joiners Persian is spelled with
    (U+200C) are no trick and stay."""
    folder = write_class(tmp_path / "class", {"ann\u202e01": {FILE01: ""}, "Mehr\u200cnaz": {FILE01: ""}})
    (folder / "notes\u2066.txt").write_bytes(b"")
    learners, skipped = learner_folders.find_learners(folder)
    assert list(learners) == ["ann\u202e01", "Mehr\u200cnaz"]
    assert skipped == ["notes\\u2066.txt (not a folder)"]
    zero = {EX01.name: grade_class._grade(EX01, sandbox.Verdict(False, "fails: \u202eevil\u202c"), None, folder)}
    grade_table.print_table([EX01], {"ann\u202e01": zero, "Mehr\u200cnaz": zero})
    assert capsys.readouterr().out.splitlines() == ["learner      ex01  total",
                                                    "ann\\u202e01     0      0",
                                                    "Mehr\u200cnaz         0      0",        # 8 columns + 4 spaces
                                                    "out of         10     10",
                                                    "",
                                                    "Why the zeros:",
                                                    "  ann\\u202e01  ex01  fails: \\u202eevil\\u202c",
                                                    "  Mehr\u200cnaz      ex01  fails: \\u202eevil\\u202c"]
    grade_class.gradebook.write(folder, [EX01], {"ann\u202e01": zero})
    assert list(grades(folder)) == ["ann\u202e01"]


# the grade table's tests: all seven exercises, and a learner with full marks in each
ALL_SEVEN = [find(f"ex0{n}") for n in range(1, 8)]
FULL_MARKS = {e.name: grade_class.Grade(e.stem + ".py", e.points, "") for e in ALL_SEVEN}


def test_github_classroom_names_are_shortened_to_fit_80_columns_with_their_prefix_said_once(capsys):
    """GitHub Classroom's clones are named <assignment>-<username>: the learner column took 36 characters, and the
    table of all 7 exercises 87 columns. A shared start of names that fit is kept (Mary-Ann and Mary-Kate)."""
    exercises, full = ALL_SEVEN, FULL_MARKS
    grade_table.print_table(exercises, {"inside-the-network-exercises-octocat": full,
                                        "inside-the-network-exercises-hubot": full})
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == ["learners: inside-the-network-exercises-<name>",
                       "learner  ex01  ex02  ex03  ex04  ex05  ex06  ex07  total",
                       "octocat    10    15    10    15    15    20    15    100",
                       "hubot      10    15    10    15    15    20    15    100"]
    assert max(map(len, out)) <= 80
    grade_table.print_table(exercises, {"Mary-Ann": full, "Mary-Kate": full})
    assert capsys.readouterr().out.splitlines()[1] == "Mary-Ann     10    15    10    15    15    20    15    100"


def test_names_too_long_for_80_columns_are_shortened_in_the_middle_only_where_each_row_stays_told_apart(capsys):
    """Moodle names a learner's folder with their full name and participant id: one name of 41 characters took the
    table of all 7 exercises to 90 columns, one of 200 to 249, and an 80-column terminal wrapped every row of the
    class, "Why the zeros" too. A name longer than the column left for it is shown as its start, "..." and its end
    (the id), 80 columns in all; two names that would then read the same are shown whole."""
    exercises, full = ALL_SEVEN, FULL_MARKS
    zero = {**full, "ex01": grade_class.Grade("", 0, "missing")}
    long_names = {"Maria Fernanda Gonzalez Rodriguez_1234567": zero, "Maria Fernanda Gonzalez Rodriguez_7654321": full,
                  "n" * 200: full, "\u674e" * 40: full, "bob": full}           # 李: two columns each
    grade_table.print_table(exercises, long_names)
    assert capsys.readouterr().out.splitlines() == [
        "learner                          ex01  ex02  ex03  ex04  ex05  ex06  ex07  total",
        "Maria Fernanda...riguez_1234567     0    15    10    15    15    20    15     90",
        "Maria Fernanda...riguez_7654321    10    15    10    15    15    20    15    100",
        f"{'n' * 14}...{'n' * 14}    10    15    10    15    15    20    15    100",
        "\u674e" * 7 + "..." + "\u674e" * 7 + "    10    15    10    15    15    20    15    100",
        "bob                                10    15    10    15    15    20    15    100",
        "out of                             10    15    10    15    15    20    15    100",
        "",
        "Why the zeros:",
        "  Maria Fernanda...riguez_1234567  ex01  missing"]
    alike = {"Maria Fernanda A. Gonzalez_1234567": full, "Maria Fernanda B. Gonzalez_1234567": full}
    grade_table.print_table(exercises, alike)
    assert [line.split("  ")[0] for line in capsys.readouterr().out.splitlines()[1:3]] == list(alike)


def test_the_table_lines_up_names_with_combining_accents_and_wide_characters(capsys):
    grade_of = {EX01.name: grade_class.Grade("", 10, "")}
    grade_table.print_table([EX01], {"Jose\u0301": grade_of, "\u5b57": grade_of})        # José, 字 (two columns)
    assert capsys.readouterr().out.splitlines() == ["learner  ex01  total",
                                                    "Jose\u0301       10     10",        # 4 columns + 3 spaces
                                                    "\u5b57         10     10",          # 2 columns + 5 spaces
                                                    "out of     10     10"]


def test_the_table_lines_up_thai_vowel_signs_and_a_korean_name_unzipped_from_a_mac(capsys):
    # marks of combining class 0 were counted a column each: Thai's three took 8 columns for 5 shown, and Korean's
    # vowels and finals (NFD: a Mac's zip) 12 for 6, so each of those rows' scores stood 3 and 6 columns left of bob's
    grade_of = {EX01.name: grade_class.Grade("", 10, "")}
    thai = "\u0e2a\u0e21\u0e28\u0e31\u0e01\u0e14\u0e34\u0e4c"                         # 5 columns: three marks
    korean = unicodedata.normalize("NFD", "\uae40\ubbfc\uc900")                        # 6 columns: 9 jamo
    grade_table.print_table([EX01], {thai: grade_of, korean: grade_of, "bob": grade_of})
    assert capsys.readouterr().out.splitlines() == ["learner  ex01  total",
                                                    f"{thai}      10     10",         # 5 columns + 2 spaces
                                                    f"{korean}     10     10",       # 6 columns + 1 space
                                                    "bob        10     10",
                                                    "out of     10     10"]


def test_the_table_lines_up_a_name_the_output_encoding_writes_as_an_escape(monkeypatch):
    # PYTHONIOENCODING=ascii: the Makefile's :backslashreplace writes Zoë as Zo\\xeb, six columns, padded as three:
    # "Zo\\xeb         10     10", its scores three columns right of bob's
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="backslashreplace")
    monkeypatch.setattr(sys, "stdout", stdout)
    grade_of = {EX01.name: grade_class.Grade("", 10, "")}
    grade_table.print_table([EX01], {"Zo\u00eb": grade_of, "bob": grade_of})
    stdout.flush()
    assert stdout.buffer.getvalue().decode("ascii").splitlines() == ["learner  ex01  total",
                                                                     "Zo\\xeb     10     10",
                                                                     "bob        10     10",
                                                                     "out of     10     10"]


def test_a_table_of_exactly_80_columns_keeps_the_classroom_prefix_in_each_row_and_81_says_it_once(capsys):
    # the prefix is said once only when the rows would pass TABLE_COLUMNS: with 7 exercises a row is the name, then
    # 49 columns, so names of 31 columns make a table of exactly 80, which fits as it is
    exercises, full = ALL_SEVEN, FULL_MARKS
    fits = {"inside-the-network-exercises-ab": full, "inside-the-network-exercises-cd": full}
    grade_table.print_table(exercises, fits)
    out = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in out[1:3]] == list(fits)
    assert max(map(len, out)) == 80
    grade_table.print_table(exercises, {"inside-the-network-exercises-abc": full,
                                        "inside-the-network-exercises-cde": full})
    assert capsys.readouterr().out.splitlines()[0] == "learners: inside-the-network-exercises-<name>"


def test_the_classroom_prefix_is_said_once_only_when_every_name_goes_on_after_it_and_two_names_share_it(capsys):
    # the edge of "goes on after it": a folder named the prefix itself would be left a row with no name (the table is
    # 85 columns wide either way), so the prefix stays in each row and the long name is shortened instead; and one
    # learner alone (make grade on a class of one) shares a prefix with nobody: the name is shortened, not split
    exercises, full = ALL_SEVEN, FULL_MARKS
    grade_table.print_table(exercises, {"inside-the-network-exercises-": full,
                                        "inside-the-network-exercises-octocat": full})
    out = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in out[:3]] == ["learner", "inside-the-network-exercises-",
                                                          "inside-the-net...rcises-octocat"], out
    grade_table.print_table(exercises, {"inside-the-network-exercises-octocat": full})
    out = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in out[:2]] == ["learner", "inside-the-net...rcises-octocat"], out


def test_with_one_exercise_graded_a_learner_without_it_is_told_its_own_reason_not_none_of_1_files(capsys):
    # make grade ONLY=ex01: "all  missing: none of the 1 exercise files is in the folder" said less than the reason
    missing = {EX01.name: grade_class.Grade("", 0, learner_files.missing(EX01))}
    grade_table.print_table([EX01], {"ann": missing})
    assert capsys.readouterr().out.splitlines()[3:] == ["", "Why the zeros:",
                                                        f"  ann      ex01  missing: no {EX01.stem}.py or .ipynb"]


def test_a_shortened_name_never_starts_its_end_with_an_accent_whose_letter_was_left_out(capsys):
    # the end of "...e\u0301e\u0301" is counted from the right: 14 letters, and the accent of the 15th, which takes
    # no column, would come after "..." alone, drawn on the dots
    exercises, full = ALL_SEVEN, FULL_MARKS
    grade_table.print_table(exercises, {"n" * 30 + "e\u0301" * 20: full, "bob": full})
    assert capsys.readouterr().out.splitlines()[1].split("  ")[0] == "n" * 14 + "..." + "e\u0301" * 14


def test_the_table_lines_up_fullwidth_letters_as_two_columns_each(capsys):
    # East Asian width F (fullwidth Latin, U+FF21 ...) takes two columns as W does
    grade_of = {EX01.name: grade_class.Grade("", 10, "")}
    grade_table.print_table([EX01], {"\uff21\uff22": grade_of, "bob": grade_of})
    assert capsys.readouterr().out.splitlines() == ["learner  ex01  total",
                                                    "\uff21\uff22       10     10",      # 4 columns + 3 spaces
                                                    "bob        10     10",
                                                    "out of     10     10"]


# --- 7. reasons that say what happened -----------------------------------------------------------------------

def test_an_unexpected_grader_error_and_a_keyboard_interrupt_at_import_get_reasons_that_say_what_happened(tmp_path):
    returns_text = SOLVED01.replace("return self.weight * np.asarray(x, dtype=float) + self.bias", "return 'abc'")
    assert returns_text != SOLVED01
    folder = write_class(tmp_path / "class", {"ann": {FILE01: returns_text},
                                             "bob": {FILE01: "raise KeyboardInterrupt\n"}})
    assert grade(folder, "--only", "ex01") == 0
    why = reasons(folder)
    assert why[("bob", "ex01")] == "the code raised KeyboardInterrupt"
    # the grader's own one line (test_exercises.py checks it whole): the error, where the grader tripped, the value
    assert why[("ann", "ex01")].startswith("the grader could not check your code: ValueError in _grade_perceptrons")
    assert "could not convert string to float: 'abc'" in why[("ann", "ex01")]


def test_a_sys_exit_gets_a_reason_that_says_where_it_was_called_and_what_to_do_instead(tmp_path):
    """`the code called sys.exit(0)` was all a learner was told, of a call at the end of the file (the grader imports
    it: the file ends there, nothing is graded) or in a function the grader called: neither where nor what to do."""
    in_tanh = exits_in_tanh(SOLVED01)
    at_the_end = SOLVED01 + "\nimport sys\nsys.exit('done')\n"
    folder = write_class(tmp_path / "class", {"ann": {FILE01: at_the_end}, "bob": {FILE01: in_tanh}})
    assert grade(folder, "--only", "ex01") == 0
    exit_line = {"ann": line_of(at_the_end, "sys.exit('done')"), "bob": line_of(in_tanh, "sys.exit(0)")}
    assert reasons(folder) == {
        ("ann", "ex01"): f"the code called sys.exit('done') at the top level of the file (line {exit_line['ann']} of "
                         f"{FILE01}), which ends the file before it is graded: remove it, or put it under "
                         "if __name__ == \"__main__\":",
        ("bob", "ex01"): f"the code called sys.exit(0) in Tanh.fn (line {exit_line['bob']} of {FILE01}), which "
                         "ends the program that grades it: return a value instead"}


def test_bytes_that_are_not_utf8_are_escaped_in_a_reason_and_a_folder_name_and_the_class_is_graded(tmp_path, capsys):
    """Bytes that are not UTF-8 reach grading as lone surrogates (in a learner's exception, in a folder's name);
    unescaped, they stopped `make grade` with a UnicodeEncodeError at the CSV, and every grade was lost."""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: 'raise ValueError("bad \\udcff byte")\n'},
                                             "bob": {FILE01: SOLVED01},      # and one past the grader's except:
                                             "cy": {FILE01: 'raise KeyboardInterrupt("bad \\udcff byte")\n'}})
    os.mkdir(os.fsencode(folder) + b"/caf\xe9")                  # a folder name in Latin-1
    assert grade(folder, "--only", "ex01") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "skipped in the submissions folder: caf\\udce9 (its name is not UTF-8: rename the folder)"
    assert out[1] == "grading 3 learners x 1 exercise (2 s of CPU each, 2 at a time)"
    assert grades(folder) == {"ann": ["0", "0"], "bob": ["10", "10"], "cy": ["0", "0"]}
    assert reasons(folder)[("ann", "ex01")] == (f"your code raised ValueError in the top level of the file (line 1 "
                                                f"of {FILE01}): bad \\udcff byte")
    assert reasons(folder)[("cy", "ex01")] == "the code raised KeyboardInterrupt: bad \\udcff byte"


def test_control_characters_in_a_reason_are_escaped_so_they_cannot_rewrite_the_table(tmp_path, capsys):
    """A reason quotes what a learner wrote: an exception's message, a file's name. A terminal's escape sequence
    there (\\x1b[1A\\x1b[2K: up a line, erase it) rewrote the printed table, and a line break split the reason."""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: 'raise ValueError("\\x1b[1A\\x1b[2Kann 10")\n'},
                                             "bob": {"ex01 \x1b[2K\nx.py": "x = 1\n"},
                                             "cy": {FILE01: 'raise KeyboardInterrupt("\\x1b[2Kfirst\\nsecond")\n'}})
    assert grade(folder, "--only", "ex01") == 0
    assert "\x1b" not in capsys.readouterr().out
    assert reasons(folder)[("ann", "ex01")].endswith(f"(line 1 of {FILE01}): \\x1b[1A\\x1b[2Kann 10")
    assert reasons(folder)[("bob", "ex01")].endswith("(found ex01 \\x1b[2K\\nx.py: name it " + FILE01 + ")")
    # sandbox.one_line: the first line, then escaped, then shortened (the escapes count towards MAX_REASON)
    assert reasons(folder)[("cy", "ex01")] == "the code raised KeyboardInterrupt: \\x1b[2Kfirst"
    assert sandbox.one_line("\x1b[2K" * 80 + "\nsecond") == ("\\x1b[2K" * 80)[:sandbox.MAX_REASON - 3] + "..."


def nested_for_nbformat_only() -> str:
    """A notebook nested just deeply enough that nbformat, not json, runs out of recursion on this Python: the depth
    differs between versions (about 500 levels on 3.11, 1000 on 3.12, where json's own limit is higher too)."""
    for depth in range(100, 5000, 100):
        text = '{"cells": [], "metadata": {"a": ' + "[" * depth + "]" * depth + '}, "nbformat": 4, "nbformat_minor": 5}'
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nbformat.validate(nbformat.reads(text, as_version=4))
        except RecursionError:
            json.loads(text)                                         # json still reads it: nbformat's own limit
            return text
    raise AssertionError("nbformat read a notebook nested 4900 levels deep")


def test_files_saved_as_utf16_without_a_byte_order_mark_get_that_reason_not_null_bytes_or_not_json(tmp_path):
    """A .py and a notebook saved so (little- and big-endian) each get a 0 whose reason is that line, not "the file
    does not parse ... null bytes" nor "not JSON"."""
    notebook = as_notebook(SOLVED01)
    for learner, name, text, encoding in (("al", FILE01, SOLVED01, "utf-16-le"),
                                          ("bea", f"{EX01.stem}.ipynb", notebook, "utf-16-be")):
        (tmp_path / learner).mkdir()
        (tmp_path / learner / name).write_bytes(text.encode(encoding))
    assert grade(tmp_path, "--only", "ex01") == 0
    assert reasons(tmp_path) == {("al", "ex01"): UTF_16_WITHOUT_A_MARK.format(name=FILE01),
                                 ("bea", "ex01"): UTF_16_WITHOUT_A_MARK.format(name=f"{EX01.stem}.ipynb")}


@pytest.mark.parametrize("runs_out", ["json", "nbformat"])
def test_a_notebook_nested_too_deeply_beside_its_py_is_a_one_line_zero_and_the_class_is_graded(runs_out, tmp_path):
    """Choosing between a learner's .py and notebook reads the notebook before any submission runs: its
    RecursionError (in json, or nested less deeply, in nbformat) stopped `make grade` with a traceback."""
    nested = '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}" if runs_out == "json" else nested_for_nbformat_only()
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01, f"{EX01.stem}.ipynb": nested},
                                             "bob": {FILE01: SOLVED01}})
    assert grade(folder, "--only", "ex01") == 0
    assert grades(folder) == {"ann": ["10", "10"], "bob": ["10", "10"]}      # ann's .py: the notebook holds no code
    (folder / "ann" / FILE01).unlink()
    assert grade(folder, "--only", "ex01") == 0
    assert grades(folder) == {"ann": ["0", "0"], "bob": ["10", "10"]}
    assert reasons(folder)[("ann", "ex01")] == (f"{EX01.stem}.ipynb is not a Jupyter notebook (its JSON is nested "
                                                "too deeply to read)")


@pytest.mark.parametrize("ours", ['"written by hand"', "[]", '{"inputs_sha256": 3}'])
def test_a_notebook_whose_metadata_make_notebooks_reads_was_written_by_hand_is_graded_with_the_class(ours, tmp_path):
    """With as many TODOs in a learner's .py and notebook, the notebook's metadata says whether anyone worked in it:
    read before any submission runs, a value that is not make notebooks' own stopped `make grade` with a traceback."""
    notebook = '{"cells": [], "metadata": {"inside_the_network": ' + ours + '}, "nbformat": 4, "nbformat_minor": 5}'
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01, f"{EX01.stem}.ipynb": notebook},
                                             "bob": {FILE01: SOLVED01}})
    assert grade(folder, "--only", "ex01") == 0
    assert grades(folder) == {"ann": ["10", "10"], "bob": ["10", "10"]}


class CrashesWhenCollectedInAFork:
    """Garbage whose finalizer, run in a process other than the one that made it, ends that process as TensorFlow's
    objects did: a child collecting what a test worker that had trained Keras models let go of died of a
    segmentation fault (reproduced with three small fits, then a fork and gc.collect(); 2 s of CPU, hence this
    stand-in for the test)."""

    def __init__(self):
        self.owner, self.cycle = os.getpid(), self

    def __del__(self):
        if os.getpid() != self.owner:
            os.kill(os.getpid(), signal.SIGSEGV)


def test_a_submission_is_not_ended_by_collecting_the_garbage_of_the_process_that_grades_it(tmp_path):
    """A solved submission got 0 ("exit status -11") in a full-suite run: its child collected the garbage of the
    test worker it was forked from. The submission here collects, as Python does by itself sooner or later."""
    import gc

    gc.disable()                                # the garbage stays uncollected until the fork
    try:
        CrashesWhenCollectedInAFork()
        folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01 + "\nimport gc\ngc.collect()\n"}})
        assert grade(folder, "--only", "ex01") == 0
    finally:
        gc.enable()
    assert grades(folder) == {"ann": ["10", "10"]}, reasons(folder)


def test_a_folder_whose_name_holds_a_line_break_is_skipped_by_name_and_the_table_keeps_one_row_a_learner(tmp_path,
                                                                                                        capsys):
    """It was graded, and its name split its row of the table and its line of "Why the zeros" in two."""
    folder = write_class(tmp_path / "class", {"ann\nbob": {FILE01: "x = 1\n"}, "cy\tdi": {FILE01: "x = 1\n"},
                                             "eve": {FILE01: SOLVED01}})
    assert grade(folder, "--only", "ex01") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("skipped in the submissions folder: ann\\nbob (its name holds a control character such as a "
                      "line break: rename the folder), cy\\tdi (its name holds a control character such as a line "
                      "break: rename the folder)")
    assert out[2:5] == ["learner  ex01  total", "eve        10     10", "out of     10     10"]
    assert grades(folder) == {"eve": ["10", "10"]}


def test_a_verdict_sent_just_before_the_child_ends_is_read_though_wait_returned_before_it(tmp_path):
    """The race behind "stopped before the grader gave a verdict (exit status 0)" for a child that had sent one: the
    child answers and exits between the parent's wait() and its look at the child."""
    context = sandbox.multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=send.send_bytes, args=(b'{"passed": true, "reason": "sent, then gone"}',))
    child.start()
    send.close()
    child.join()                                          # it has answered and ended; nothing was read yet
    running = sandbox._Running("ann", child, receive, tmp_path, sandbox.time.monotonic())
    assert sandbox._poll(running, [], time_limit=2, wall_seconds=10) == sandbox.Verdict(True, "sent, then gone")


# --- 8. Ctrl-C and SIGTERM ---------------------------------------------------------------------------------

def test_ctrl_c_during_grading_leaves_no_temporary_folder_and_no_process_of_a_submission(tmp_path, own_tmp, capsys,
                                                                                         sigint_raises):
    interrupts = (f"import os, signal, time\nopen({str(tmp_path / 'sleeper.pid')!r}, 'w').write(str(os.getpid()))\n"
                  "os.kill(os.getppid(), signal.SIGINT)\nwhile True:\n    time.sleep(1)\n")
    folder = write_class(tmp_path / "class", {"ann": {FILE01: interrupts}, "bob": {FILE01: SOLVED01}})
    assert grade(folder, "--only", "ex01", "--wall-limit", "60", "--jobs", "1") == 130
    assert capsys.readouterr().err == "\nInterrupted; no grades were written.\n"
    [pid] = pids_in(tmp_path)
    assert not alive(pid)
    assert list(own_tmp.iterdir()) == [] and not (folder / "grades.csv").exists()


_SIGNAL_AT_NEXT_FORK: list[int] = []       # armed by the test below; the hook stays registered, unarmed


def _signal_during_the_fork() -> None:
    if _SIGNAL_AT_NEXT_FORK:
        os.kill(os.getpid(), _SIGNAL_AT_NEXT_FORK.pop())


@pytest.mark.parametrize("sig, status, said", [
    (signal.SIGINT, 130, "\nInterrupted; no grades were written.\n"),
    (signal.SIGTERM, 143, "\nTerminated (SIGTERM); no grades were written.\n"),
], ids=["ctrl-c", "sigterm"])
def test_a_ctrl_c_or_sigterm_that_arrives_while_a_submissions_child_is_forked_stops_grading(
        sig, status, said, tmp_path, own_tmp, capsys, sigint_raises):
    """Python runs its own code around a fork (logging's lock is taken before it and given back after it, in the
    parent) as callbacks whose exceptions it prints and drops. A Ctrl-C that landed there was such an exception:
    make grade graded on and wrote the grades (a SIGTERM the same, and every later one ignored), and logging's lock
    stayed taken, so that any other thread that logged hung -- in the suite, the notebooks' kernel client, whose
    teardown then waited for ever. Seen as the Ctrl-C test above waiting 20 s for its alarm (6 runs of 40 in a
    process that had imported TensorFlow, on a busy machine); here the signal is sent from a before-fork callback,
    so that it lands there every time."""
    if not hasattr(os, "register_at_fork"):
        pytest.skip("needs os.register_at_fork")
    if not getattr(_signal_during_the_fork, "registered", False):
        os.register_at_fork(before=_signal_during_the_fork)          # runs before logging's (registered earlier)
        _signal_during_the_fork.registered = True
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01}})
    _SIGNAL_AT_NEXT_FORK.append(sig)
    try:
        assert (grade(folder, "--only", "ex01", "--jobs", "1"), capsys.readouterr().err) == (status, said)
    finally:
        _SIGNAL_AT_NEXT_FORK.clear()
    assert list(own_tmp.iterdir()) == [] and not (folder / "grades.csv").exists()


def test_sigterm_to_make_grades_process_group_stops_it_as_ctrl_c_does(tmp_path, own_tmp, python_without_tensorflow):
    """As `timeout make grade` sends it (and a cancelled CI job, or `kill`): to the program and the filter of
    TensorFlow's chatter it starts (its process group), while a submission and the process it started sleep."""
    sleeps = f"""
import os, time
if os.fork() == 0:
    open({str(tmp_path / 'child.pid')!r}, 'w').write(str(os.getpid()))
    while True:
        time.sleep(1)
open({str(tmp_path / 'sleeper.pid')!r}, 'w').write(str(os.getpid()))
while True:
    time.sleep(1)
"""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: sleeps}})
    process = python_without_tensorflow.Popen(
        [sys.executable, "-m", "keras_models.course.instructor.grade_class", str(folder), "--only", "ex01",
         "--time-limit", "2", "--wall-limit", "60"], cwd=REPO, env={**os.environ, "TMPDIR": str(own_tmp)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + hang_guard(20)[0]      # grading has started: both processes are there
        while [path.read_text() != "" for path in tmp_path.glob("*.pid")] != [True, True]:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.01)
        assert [path.name for path in own_tmp.iterdir()][0].startswith("grade_")     # (the folder to be deleted)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=hang_guard(10)[0])
    finally:
        left_running = [pid for pid in pids_in(tmp_path) if alive(pid)]
        for pid in left_running:                # a failed test leaves nothing running either (and they hold
            os.kill(pid, signal.SIGKILL)        # make grade's stderr, which communicate() reads to its end)
        if process.poll() is None:
            process.kill()
        out, err = process.communicate()
    assert (process.returncode, err) == (143, "\nTerminated (SIGTERM); no grades were written.\n"), out
    assert left_running == []
    assert list(own_tmp.iterdir()) == [] and not (folder / "grades.csv").exists()


# --- 8b. an interrupted make grade keeps the learners it graded; the same make grade again grades the rest ------

PROGRESS = progress.PROGRESS


def counting(solved: str, runs: Path) -> str:
    """`solved` that adds a line to `runs` each time it is graded: how a test tells a learner graded again."""
    return solved + f"\nopen({str(runs)!r}, 'a').write('graded\\n')\n"


def stops_make_grade(sig: int) -> str:
    """A submission that sends `sig` to make grade (its parent), as Ctrl-C or `kill` would, then waits."""
    return f"import os, time\nos.kill(os.getppid(), {int(sig)})\nwhile True:\n    time.sleep(1)\n"


def interrupted_after_ann(tmp_path: Path, sig: int, capsys, *options: str) -> Path:
    """A class of two graded one at a time: ann (solved) is graded; then bob's submission stops make grade. Checks
    the one line it ends with, and returns the folder, bob's file now solved (he was never graded)."""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: counting(SOLVED01, tmp_path / "ann.runs")},
                                             "bob": {FILE01: stops_make_grade(sig)}})
    status = grade(folder, "--only", "ex01", "--wall-limit", "60", "--jobs", "1", *options)
    said = "Interrupted" if sig == signal.SIGINT else "Terminated (SIGTERM)"
    assert (status, capsys.readouterr().err.splitlines()[-1]) == (
        130 if sig == signal.SIGINT else 143,
        f"{said}; the grades of 1 of 2 learners kept in {folder / PROGRESS}: run the same make grade again to "
        "grade the other 1.")
    assert not (folder / "grades.csv").exists() and (folder / PROGRESS).exists()
    (folder / "bob" / FILE01).write_text(SOLVED01, encoding="utf-8")
    return folder


def graded_at_once(tmp_path: Path, learners: dict[str, dict[str, str]], *options: str) -> dict[str, bytes]:
    """The grade book of the same class graded by one make grade that nobody stopped (in a folder of its own)."""
    folder = write_class(tmp_path / "at_once", learners)
    assert grade(folder, "--only", "ex01", "--wall-limit", "60", *options) == 0
    return {name: (folder / name).read_bytes() for name in ("grades.csv", "grades_reasons.csv")}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_make_grade_keeps_whom_it_graded_and_the_same_make_grade_again_grades_only_the_rest(
        sig, tmp_path, own_tmp, capsys, sigint_raises):
    """17 of 60 learners graded in 11 minutes were thrown away by a Ctrl-C: the next run started from zero."""
    folder = interrupted_after_ann(tmp_path, sig, capsys)
    assert list(own_tmp.iterdir()) == []
    assert grade(folder, "--only", "ex01", "--wall-limit", "60") == 0
    out, err = capsys.readouterr()
    assert (tmp_path / "ann.runs").read_text() == "graded\n"                # ann was not graded again
    assert err.splitlines()[0] == (f"  picked up the grades of 1 of 2 learners kept in {folder / PROGRESS} by a "
                                   "make grade that was stopped; grading the other 1")
    assert "skipped" not in out and not (folder / PROGRESS).exists()
    assert "changed the submissions folder" not in err, err                 # make grade wrote that file itself
    written = {name: (folder / name).read_bytes() for name in ("grades.csv", "grades_reasons.csv")}
    assert written == graded_at_once(tmp_path, {"ann": {FILE01: SOLVED01}, "bob": {FILE01: SOLVED01}})


@pytest.mark.parametrize("sig, stop", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)],
                         ids=["ctrl-c", "sigterm"])
def test_a_stop_that_python_dropped_in_a_del_method_still_stops_grading(sig, stop, own_tmp, sigint_raises):
    """make grade's Terminated, raised inside a multiprocessing Connection's __del__ as the last reference to a graded
    child's pipe went, was dropped: it graded on, deaf to every later SIGTERM (a CI run hung on this file's interrupted
    test). Here the same drop comes where it came then, after a verdict, while the other child waits."""
    tasks = [sandbox.Submission("ann", EX01.name, FILE01, SOLVED01.encode()),
             sandbox.Submission("bob", EX01.name, FILE01, WAITS.encode())]
    graded = []

    def dropped_after(key, verdict):
        graded.append(key)
        RaisesInDel(sig)

    with at_most(20, "make grade"), pytest.raises(stop) as stopped, sigterm_stops_like_ctrl_c():
        sandbox.grade_in_sandboxes(tasks, 5, 2, 8, on_verdict=dropped_after)        # (deaf, bob's 8 s wall limit)
    assert type(stopped.value) is stop and graded == ["ann"] and list(own_tmp.iterdir()) == []


def test_a_sigterm_that_python_dropped_after_the_last_verdict_is_make_grades_one_line(tmp_path, monkeypatch, capsys):
    """Dropped after grading's loop had ended, it came out at the end of sigterm_stops_like_ctrl_c's block, past
    make grade's own lines: a Terminated traceback, and the grades not written."""
    grade_learners = grade_class.grade_learners

    def then_dropped(*args):
        graded = grade_learners(*args)
        RaisesInDel(signal.SIGTERM)
        return graded

    monkeypatch.setattr(grade_class, "grade_learners", then_dropped)
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01}})
    try:
        status = grade(folder, "--only", "ex01")
    except Terminated:                      # (uncaught, it would stop the whole test session as Ctrl-C does)
        pytest.fail("make grade's Terminated came out of it, as a traceback")
    assert status == 143 and capsys.readouterr().err.splitlines()[-1].startswith("Terminated (SIGTERM); ")
    assert not (folder / "grades.csv").exists()


@pytest.mark.parametrize("change, said", [
    ("ann's file", None),
    ("TIME_LIMIT", "TIME_LIMIT"),
    ("the grader", "project code or data"),
], ids=["a-learners-file", "time-limit", "project-code"])
def test_what_an_interrupted_run_kept_is_graded_again_when_the_file_or_a_setting_changed_since(
        change, said, tmp_path, capsys, monkeypatch, sigint_raises):
    project = tmp_path / "project"                      # the watched code, as a grader file stands for it
    (project / "keras_models").mkdir(parents=True)
    (project / "keras_models" / "grader.py").write_text("PASS = False\n")
    monkeypatch.setattr(grade_class, "REPO", project)
    folder = interrupted_after_ann(tmp_path, signal.SIGINT, capsys)
    options = ["--only", "ex01", "--wall-limit", "60"]
    if change == "ann's file":
        with open(folder / "ann" / FILE01, "a", encoding="utf-8") as file:
            file.write("# handed in again\n")
    elif change == "TIME_LIMIT":
        options += ["--time-limit", "3"]
    else:
        (project / "keras_models" / "grader.py").write_text("PASS = True\n")
    assert grade(folder, *options) == 0                    # (a later --time-limit stands over grade's 2)
    err = capsys.readouterr().err.splitlines()
    assert (tmp_path / "ann.runs").read_text() == "graded\ngraded\n"        # ann was graded again
    if said is None:                                   # bob's kept? no: only ann had been kept; she alone changed
        assert not any("picked up" in line for line in err), err
    else:
        assert err[0] == (f"warning: {folder / PROGRESS} was left by a make grade whose {said} differed: every "
                          "learner is graded again"), err
    assert grades(folder) == {"ann": ["10", "10"], "bob": ["10", "10"]} and not (folder / PROGRESS).exists()


@pytest.mark.parametrize("content, why", [
    (b"\xff\xfe{", "not JSON: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    (b'{"grades": []}', "not make grade's progress"),
    (b'[1, 2]', "not make grade's progress"),
    (json.dumps({"format": progress.FORMAT, "settings": {}, "verdicts": [["ann", "ex01", "0" * 64, 1, "ok"]]}).encode(),
     "not make grade's progress"),                      # (a verdict's passed must be true or false)
    (json.dumps({"format": progress.FORMAT, "settings": {}, "verdicts": [["ann", "ex01", "0" * 64, False, "x", "1"]]})
     .encode(), "not make grade's progress"),            # (its CPU seconds at the wall limit must be a number)
], ids=["not-utf8", "foreign-json", "a-list", "a-verdict-not-true-or-false", "cpu-seconds-not-a-number"])
def test_a_damaged_or_foreign_progress_file_is_named_in_one_line_and_the_class_graded_afresh(content, why, tmp_path,
                                                                                            capsys):
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01}, "bob": {FILE01: "x = 1\n"}})
    (folder / PROGRESS).write_bytes(content)
    assert grade(folder, "--only", "ex01") == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == (f"warning: {folder / PROGRESS} cannot be read as make grade's progress ({why}): "
                                   "it is ignored, and every learner graded afresh")
    assert "skipped" not in out and "Traceback" not in err
    assert grades(folder) == {"ann": ["10", "10"], "bob": ["0", "0"]} and not (folder / PROGRESS).exists()


def test_a_verdict_kept_in_the_progress_file_is_used_only_for_the_bytes_it_judged_and_its_reason_is_one_line(
        tmp_path, capsys):
    """A progress file a submission wrote (it runs as the instructor's user) cannot give a line break to the table,
    nor a verdict to other bytes than those it names."""
    folder = write_class(tmp_path / "class", {"ann": {FILE01: "x = 1\n"}, "bob": {FILE01: "x = 2\n"}})
    settings = progress.settings([EX01], 2, None, grade_class.project_hashes(grade_class.REPO))
    kept = [["ann", "ex01", progress.digest(sandbox.Submission(None, "ex01", FILE01, b"x = 1\n")), True, "ok\nforged"],
            ["bob", "ex01", progress.digest(sandbox.Submission(None, "ex01", FILE01, b"x = 3\n")), True, "not bob's"]]
    (folder / PROGRESS).write_text(json.dumps({"format": progress.FORMAT, "settings": settings, "verdicts": kept}))
    assert grade(folder, "--only", "ex01") == 0
    assert grades(folder) == {"ann": ["10", "10"], "bob": ["0", "0"]}
    assert reasons(folder)[("ann", "ex01")] == "ok"                        # (sandbox.one_line: its first line)


@pytest.mark.parametrize("then, now, said", [
    (([EX01], 2, None), ([EX01], 2, None), None),                         # nothing changed: the verdict stands
    (([EX01], 2, None), ([EX01, EX02], 2, None), "exercises (ONLY=)"),
    (([EX01], 2, None), ([replace(EX01, points=EX01.points + 2)], 2, None), "points"),
    (([EX01], 2, None), ([EX01], 2, 60.0), "WALL_LIMIT"),                  # 60 s given, where 3 x 2 + 5 = 11 applied
    (([EX01], 2, 11.0), ([EX01], 2, None), None),                          # 11 s given is what applies without it
], ids=["same", "only", "points", "wall-limit", "wall-limit-as-it-applies"])
def test_a_kept_verdict_stands_only_under_the_settings_it_was_given_under(then, now, said, tmp_path, capsys):
    """The module's list of what a verdict depends on, one setting at a time (TIME_LIMIT and the project's code are
    tested through make grade above): a changed one is named, and every learner is graded again."""
    key, verdict = ("ann", "ex01"), sandbox.Verdict(True, "ok")
    kept = progress.Kept(tmp_path, progress.settings(*then, {"keras_models/x.py": "0" * 64}), {})
    kept.digests[key] = "1" * 64
    kept.add(key, verdict)
    kept.save()
    read = progress.Kept.read(tmp_path, progress.settings(*now, {"keras_models/x.py": "0" * 64}))
    err = capsys.readouterr().err
    if said is None:
        assert (read.verdicts, err) == ({key: ("1" * 64, verdict)}, "")
    else:
        assert (read.verdicts, err) == ({}, f"warning: {tmp_path / PROGRESS} was left by a make grade whose {said} "
                                             "differed: every learner is graded again\n")


def test_a_kept_wall_limit_verdict_keeps_its_cpu_seconds_and_a_progress_file_written_without_them_still_loads(
        tmp_path, capsys):
    """The same make grade again, after a stop, still warns of a zero a busy machine may have cost (starved_warning
    reads the verdict's CPU seconds, not its reason); a progress file of the rows before they carried them is read
    as it was."""
    settings = progress.settings([EX01], 2, None, {})
    starved = sandbox.Verdict(False, "did not finish within 11 s of wall-clock time (wall limit; it had used 1.5 s "
                                     "of CPU)", 1.5)
    kept = progress.Kept(tmp_path, settings, {})
    kept.digests.update({("ann", "ex01"): "1" * 64, ("bob", "ex01"): "2" * 64})
    kept.add(("ann", "ex01"), starved)
    kept.add(("bob", "ex01"), sandbox.Verdict(True, "ok"))
    kept.save()
    assert progress.Kept.read(tmp_path, settings).verdicts == {("ann", "ex01"): ("1" * 64, starved),
                                                               ("bob", "ex01"): ("2" * 64, sandbox.Verdict(True, "ok"))}
    (tmp_path / PROGRESS).write_text(json.dumps({"format": progress.FORMAT, "settings": settings, "verdicts": [
        ["ann", "ex01", "1" * 64, False, starved.reason]]}))
    assert progress.Kept.read(tmp_path, settings).verdicts == {
        ("ann", "ex01"): ("1" * 64, sandbox.Verdict(False, starved.reason))}
    assert capsys.readouterr().err == ""


def test_a_kept_time_limit_verdict_stays_out_of_time_so_the_same_make_grade_again_still_warns_of_the_limit(tmp_path):
    """time_limit_warning counts the zeros stopped at TIME_LIMIT by Verdict.out_of_time, not by their reason: a verdict
    kept across a stop keeps it (written as `true` where a wall-limit verdict writes its CPU seconds)."""
    settings = progress.settings([EX01], 2, None, {})
    stopped = sandbox.Verdict(False, "used more than 2 s of CPU time (time limit)", out_of_time=True)
    kept = progress.Kept(tmp_path, settings, {})
    kept.digests[("ann", "ex01")] = "1" * 64
    kept.add(("ann", "ex01"), stopped)
    kept.save()
    assert json.loads((tmp_path / PROGRESS).read_text())["verdicts"] == [
        ["ann", "ex01", "1" * 64, False, stopped.reason, True]]
    assert progress.Kept.read(tmp_path, settings).verdicts == {("ann", "ex01"): ("1" * 64, stopped)}


def test_a_progress_file_whose_verdicts_do_not_stand_is_deleted_even_when_stopped_before_grading_began(tmp_path):
    """Stopped before grading began, the progress file stays for the next run; but not when the project changed since
    it was read (stands False): its verdicts may be a changed grader's, and the next run would take them."""
    settings = progress.settings([EX01], 2, None, {})
    kept = progress.Kept(tmp_path, settings, {})
    kept.digests[("ann", "ex01")] = "1" * 64
    kept.add(("ann", "ex01"), sandbox.Verdict(True, "ok"))
    kept.save()
    assert kept.when_stopped(stands=True) == (f"no grades were written; those kept in {tmp_path / PROGRESS} still "
                                              "are: run the same make grade again.")
    assert (tmp_path / PROGRESS).is_file()
    assert kept.when_stopped(stands=False) == "no grades were written."
    assert not (tmp_path / PROGRESS).exists()


def test_a_progress_file_that_cannot_be_written_is_one_warning_for_the_class_not_one_per_learner(tmp_path, capsys):
    gone = tmp_path / "gone"                 # a file where the submissions folder was: cannot be written
    gone.write_text("", encoding="utf-8")
    kept = progress.Kept(gone, progress.settings([EX01], 2, None, {}), {})
    for learner in ("ann", "bob", "cy"):
        kept.digests[(learner, "ex01")] = "1" * 64
        kept.add((learner, "ex01"), sandbox.Verdict(True, "ok"))
        kept.save_while_grading()
    err = capsys.readouterr().err
    assert err.startswith(f"warning: the grades given so far cannot be kept in {gone / PROGRESS} ("), err
    assert err.count("\n") == 1 and err.endswith("a make grade stopped now would start again from the first learner\n")


def test_a_kept_verdict_does_not_stand_under_another_python(tmp_path, capsys, monkeypatch):
    """.venv rebuilt with another Python between the stop and the rerun: the graders ran on another interpreter."""
    key, verdict = ("ann", "ex01"), sandbox.Verdict(True, "ok")
    monkeypatch.setattr(sys, "version", "3.11.0 (a Python that is not this one)")
    kept = progress.Kept(tmp_path, progress.settings([EX01], 2, None, {}), {})
    kept.digests[key] = "1" * 64
    kept.add(key, verdict)
    kept.save()
    monkeypatch.undo()
    assert progress.Kept.read(tmp_path, progress.settings([EX01], 2, None, {})).verdicts == {}
    assert capsys.readouterr().err == (f"warning: {tmp_path / PROGRESS} was left by a make grade whose Python or "
                                       "packages differed: every learner is graded again\n")


# --- 9. the instructor's files, changed by a submission ----------------------------------------------------------

@pytest.mark.parametrize("watched, before, added, through_its_link", [
    ("keras_models/course/grader.py", "PASS = False\n", "PASS = True\n", False),   # a grader (a project with no data/)
    ("data/housing.csv", "area,price\n50,100\n", "60,1\n", False),                # a data set the graders read
    ("data/housing.csv", "area,price\n50,100\n", "60,1\n", True),                 # ... as open("data/housing.csv")
], ids=["grader-code", "data-set", "data-set-through-its-link"])
def test_a_submission_that_changes_the_instructors_files_is_reported_and_no_grades_are_written(
        watched, before, added, through_its_link, tmp_path, monkeypatch, capsys):
    """ann's file appends to a grader (or a data set the graders read, by its full path or by the path make exercises
    finds it at, through the link in its grading folder): make grade says which file changed and how to restore it,
    and writes no grades; its advice, typed in the project's clone, brings back the committed file."""
    project = tmp_path / "project"
    (project / watched).parent.mkdir(parents=True)
    (project / watched).write_text(before)
    committed_in_a_new_repository(project, watched)
    monkeypatch.setattr(grade_class, "REPO", project)
    monkeypatch.setattr(sandbox, "REPO", project)
    patch = f"\nopen({watched if through_its_link else str(project / watched)!r}, 'a').write({added!r})\n"
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01 + patch}})
    assert grade(folder, "--only", "ex01") == 1
    progress, error = capsys.readouterr().err.splitlines()
    assert progress.startswith("  1 of 1 learner graded (ann; ")
    assert error == (f"error: a submission changed {watched} during grading: restore it "
                     f"(git checkout HEAD -- {watched}) and grade again")
    assert not (folder / "grades.csv").exists()
    assert not (folder / PROGRESS).exists()         # nor ann's verdict kept, the changed grader's, for the next run
    restore_as_advised(project, error, project / watched, before.encode())


def test_a_submission_that_changes_the_instructors_files_before_a_ctrl_c_leaves_no_grades_kept_for_the_next_run(
        tmp_path, monkeypatch, capsys, sigint_raises):
    """ann's submission changed a grader, then bob's stopped make grade: ann's verdict, kept for the next run, would
    be the changed grader's, and the same make grade again, the grader restored, would take it as it stands."""
    project, watched = tmp_path / "project", "keras_models/course/grader.py"
    (project / watched).parent.mkdir(parents=True)
    (project / watched).write_text("PASS = False\n")
    monkeypatch.setattr(grade_class, "REPO", project)
    patch = f"\nopen({str(project / watched)!r}, 'a').write('PASS = True\\n')\n"
    folder = write_class(tmp_path / "class", {"ann": {FILE01: SOLVED01 + patch},
                                             "bob": {FILE01: stops_make_grade(signal.SIGINT)}})
    assert grade(folder, "--only", "ex01", "--wall-limit", "60", "--jobs", "1") == 130
    err = capsys.readouterr().err.splitlines()
    assert (f"error: a submission changed {watched} during grading: restore it (git checkout HEAD -- {watched}) "
            "and grade again") in err, err
    assert err[-1] == "Interrupted; no grades were written."
    assert not (folder / PROGRESS).exists() and not (folder / "grades.csv").exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_submission_that_changes_the_submissions_folder_before_a_ctrl_c_is_named_before_the_interrupted_line(
        sig, tmp_path, capsys, sigint_raises):
    """ann's submission rewrote cy's file and the grade book, then bob's stopped make grade. Only a finished run named
    such changes: the same make grade again graded cy on the rewritten file (a 0 nobody was told of), and under
    ONLY= refused the rewritten grades.csv, with no word of why."""
    folder = tmp_path / "class"
    vandal = (f"\nopen({str(folder / 'cy' / FILE01)!r}, 'w').write('raise RuntimeError(\"rewritten\")')\n"
              f"open({str(folder / 'grades.csv')!r}, 'w').write('learner\\n')\n")
    write_class(folder, {"ann": {FILE01: SOLVED01 + vandal}, "bob": {FILE01: stops_make_grade(sig)},
                         "cy": {FILE01: SOLVED01}})
    status, said = (130, "Interrupted") if sig == signal.SIGINT else (143, "Terminated (SIGTERM)")
    assert grade(folder, "--only", "ex01", "--wall-limit", "60", "--jobs", "1") == status
    assert capsys.readouterr().err.splitlines()[-2:] == [
        f"warning: a submission changed the submissions folder during grading: cy/{FILE01} (changed), grades.csv "
        "(added). The grades kept use every file as it was before grading; restore the learners' files from their "
        "hand-ins before you run the same make grade again, which reads them anew.",
        f"{said}; the grades of 1 of 3 learners kept in {folder / PROGRESS}: run the same make grade again to "
        "grade the other 2."]


def test_a_submission_that_reads_a_data_set_by_its_path_from_the_project_is_graded_as_make_exercises_grades_it(
        tmp_path, own_tmp):
    """make exercises runs a learner's file in the project's folder, where open("data/housing.csv") finds the data
    set: a PASS there was a 0 in make grade, "No such file or directory: 'data/housing.csv'", for a file the project
    holds. The data sets are there for the submission as they are for make exercises, and deleting its folder
    afterwards leaves them whole."""
    data_set = REPO / "data" / "housing.csv"
    before = hashlib.sha256(data_set.read_bytes()).hexdigest()
    numpy = "import numpy as np\n"
    reads = SOLVED01.replace(numpy, f"{numpy}\nROWS = open('data/housing.csv').read()\n", 1)
    assert reads != SOLVED01
    folder = write_class(tmp_path / "class", {"ann": {FILE01: reads}})
    assert grade(folder, "--only", "ex01") == 0
    assert grades(folder) == {"ann": ["10", "10"]}, reasons(folder)
    assert list(own_tmp.iterdir()) == [] and hashlib.sha256(data_set.read_bytes()).hexdigest() == before


def test_a_file_a_submission_writes_under_data_stays_in_its_grading_folder_and_the_grades_are_written(
        tmp_path, monkeypatch, capsys, own_tmp):
    """ann's file saves data/predictions.csv (as df.to_csv or model.save would) and reads it back. With data/ one link
    to the project's data/, the file was added there: make grade refused the whole class's grades ("a submission
    changed data/predictions.csv"), advised a git checkout that cannot restore a file git never held, and another
    learner graded meanwhile could read it. Her grading folder's data/ is her own: she gets her grades, and the
    project's data/ and the temporary folders hold nothing new afterwards."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "housing.csv").write_text("area,price\n50,100\n")
    monkeypatch.setattr(grade_class, "REPO", project)
    monkeypatch.setattr(sandbox, "REPO", project)
    saves = SOLVED01 + ("\nopen('data/predictions.csv', 'w').write('p\\n1\\n')\n"
                        "assert open('data/predictions.csv').read() == 'p\\n1\\n'\n")
    folder = write_class(tmp_path / "class", {"ann": {FILE01: saves}})
    assert grade(folder, "--only", "ex01") == 0, capsys.readouterr().err
    assert grades(folder) == {"ann": ["10", "10"]}, reasons(folder)
    assert sorted(path.name for path in (project / "data").iterdir()) == ["housing.csv"]
    assert list(own_tmp.iterdir()) == []


def test_the_project_files_watched_are_the_code_of_keras_models_and_scratch_and_every_data_file(tmp_path):
    """What a submission must not change: the .py files of keras_models/ and scratch/, every file of data/ (not only
    its .csv files), nothing in a __pycache__ folder, which Python itself writes as the graders import data/."""
    files = {"keras_models/course/grader.py": b"PASS = False\n", "keras_models/course/notes.md": b"notes\n",
             "scratch/activations.py": b"a = 1\n", "data/housing.csv": b"area\n50\n", "data/digits.npz": b"PK\x03",
             "data/__pycache__/loaders.cpython-312.pyc": b"\x00", "data/__pycache__/stale.py": b"",
             "keras_models/__pycache__/stale.py": b""}
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    watched = ["keras_models/course/grader.py", "scratch/activations.py", "data/housing.csv", "data/digits.npz"]
    assert meddling.project_hashes(tmp_path) == {name: hashlib.sha256(files[name]).hexdigest() for name in watched}


def test_each_way_a_submission_changes_the_submissions_folder_is_named(tmp_path):
    """A file rewritten at its size (only its time tells), one grown with its time put back, one deleted, a link to
    nowhere and a link to a folder added (links not followed): each named, five in all with no "and 0 more"."""
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text("x = 1\n")
        os.utime(tmp_path / name, ns=(1_000_000_000_000_000_000,) * 2)
    (tmp_path / "folder").mkdir()
    before = meddling.folder_state(tmp_path)
    (tmp_path / "a.py").write_text("y = 2\n")                                  # same size, saved later
    (tmp_path / "b.py").write_text("x = 10\n")
    os.utime(tmp_path / "b.py", ns=(1_000_000_000_000_000_000,) * 2)              # grown, its time as it was
    (tmp_path / "c.py").unlink()
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    (tmp_path / "link").symlink_to(tmp_path / "folder")
    assert meddling.changes_named(before, meddling.folder_state(tmp_path)) == (
        "a.py (changed), b.py (changed), c.py (deleted), gone (added), link (added)")


def test_a_reason_naming_the_grading_folder_reads_the_same_on_every_run_and_names_no_temporary_path():
    # a learner who reads a file beside their exercise (os.path.dirname(__file__)) is graded on a copy in a
    # temporary folder of a random name: the reason showed that path, so it differed between two gradings of the
    # same class and put a path of the grading machine into the learners' feedback
    reads = SOLVED01.replace("\nimport numpy as np\n", "\nimport numpy as np\nimport os\nopen(os.path.join("
                             "os.path.dirname(os.path.abspath(__file__)), 'weights.txt'))\n", 1).encode()
    with at_most(60, "make grade"):
        reasons = [sandbox.grade_in_sandboxes([sandbox.Submission("hal", EX01.name, FILE01, reads)], 5, 1)[
            "hal"].reason for _ in range(2)]
    assert reasons[0] == reasons[1], reasons
    assert "No such file or directory: '<the grading folder>/weights.txt'" in reasons[0], reasons[0]
    assert tempfile.gettempdir() not in reasons[0], reasons[0]


# ex07's grading child trains a Keras model: forked from a process that has run TensorFlow ops (a test worker that
# trained models before), it crashed (SIGSEGV in clear_session's clear_kernel_cache; a child forked after one op hung
# in fit), as TensorFlow's runtime does not survive a fork once started. make grade's parent imports TensorFlow and
# runs no op, so such a child is graded from the warm Python that did the same; the script says if it ever did not.
GRADES_EX07_TWICE = """
import json, sys
from pathlib import Path
from tensorflow.python.eager import context
from keras_models.course.exercises.graders import find
from keras_models.course.instructor import sandbox

if context.context()._context_handle is not None:
    sys.exit("this process has run TensorFlow ops: its fork is not the one make grade makes")
ex07 = find("ex07")
reads = Path(sys.argv[1]).read_bytes()
print(json.dumps([sandbox.grade_in_sandboxes([sandbox.Submission("hal", ex07.name, ex07.solution_path.name, reads)],
                                             30, 1)["hal"].reason for _ in range(2)]))
"""


def test_a_reason_naming_a_folder_the_grader_gave_reads_the_same_on_every_run(tmp_path, python_with_tensorflow):
    """ex07 hands the learner's train_with_tensorboard a log folder inside a folder the grader drew at random: a
    FileNotFoundError naming it read 'tmpb7lupv22/run/notes.txt' in one grading, 'tmpujturwbh/run/notes.txt' in the
    next, relative, so that GRADING_FOLDER did not stand in for it."""
    ex07 = find("ex07")
    solved = ex07.solution_path.read_text(encoding="utf-8")
    docstring = ('    """Train build_model on the breast-cancer data, logging to log_dir/{train,validation}; '
                 'return the History."""\n')
    assert solved.count(docstring) == 1
    submission = tmp_path / ex07.solution_path.name
    submission.write_text(solved.replace(docstring, docstring + '    open(Path(log_dir) / "notes.txt")\n'),
                          encoding="utf-8")
    with at_most(60, "grading ex07 twice"):      # a guard: a fixed 60 s ran out on a machine loaded 6 per core
        done = python_with_tensorflow.run([sys.executable, "-c", GRADES_EX07_TWICE, str(submission)], cwd=REPO,
                                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    reasons = json.loads(done.stdout.splitlines()[-1])
    assert reasons[0] == reasons[1], reasons
    assert reasons[0].endswith("No such file or directory: '<the grading folder>/grader/run/notes.txt'"), reasons[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper is Linux's (prctl)")
def test_subreaper_turns_the_flag_on_and_off_and_gives_back_what_it_was():
    """make grade's sandboxes and make exercise-run turn it on around the learner's code, then put back what it gave:
    it must give the flag as it was, and False must turn it off (else the program stays every orphan's parent)."""
    with child_subreaper_put_back() as was:
        assert child_processes.subreaper(True) is was and child_subreaper()
        assert child_processes.subreaper(True) is True
        assert child_processes.subreaper(False) is True and not child_subreaper()
        assert child_processes.subreaper(False) is False


IGNORES_SIGTERM = ("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint(flush=True)\n"
                   "time.sleep(300)\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="children are read from /proc")
def test_kill_strays_ends_a_child_that_ignores_sigterm_and_one_whose_name_holds_a_parenthesis(tmp_path):
    """A learner's command may ignore SIGTERM, and its name may hold ")" -- /proc/<pid>/stat gives the name in
    parentheses, so "sleep) 1 2 (" puts a ")" and fields of its own before the real ones. Both are found among our
    children and ended, within seconds, the others kept."""
    odd = tmp_path / "sleep) 1 2 ("
    odd.symlink_to(shutil.which("sleep"))
    kept, killing = child_processes.children(), None
    started = [subprocess.Popen([str(odd), "300"]),
               subprocess.Popen([sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE, text=True)]
    try:
        started[1].stdout.readline()                                    # its SIGTERM ignored from here on
        assert Path(f"/proc/{started[0].pid}/comm").read_text() == f"{odd.name}\n"
        assert child_processes.children() - kept == {child.pid for child in started}
        killing = threading.Thread(target=child_processes.kill_strays, args=(kept,), daemon=True)
        killing.start()
        killing.join(hang_guard(10)[0])
        assert not killing.is_alive(), "kill_strays still waiting on a child it signalled"
        assert not any(alive(child.pid) for child in started)
    finally:
        for child in started:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
        started[1].stdout.close()
        if killing is not None:
            killing.join(hang_guard(10)[0])                             # its wait ends with the SIGKILL above
