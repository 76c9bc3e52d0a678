"""`make exercise-run NAME=ex01` (keras_models/course/exercises/run.py): the learner's exercise file run as a
script, its "Try it" and "Grade it" cells included, and every way it can stop said in one line.

    a solved file           runs to its end: its own printout, then the grader's PASS from its Grade it cell
    a wrong answer          runs to its end: the grader's FAIL, then how to run the file again (make, not a cell)
    an untouched file       one line naming the function and the line of the first TODO
    an error in the code    one line: the exception, the function, the line, the message; no traceback
    a data file gone        one line naming the file and how to restore it, not blaming the learner's code
    a newer notebook        the notebook runs instead, as `make exercises` grades it; an error names its cell
    a file that cannot run  one line each: a syntax error, bytes that are not UTF-8; an unknown exercise: exit 2
    a file with no code     one line (python would print nothing): blank, comments only, a notebook of markdown
    sys.exit in the file    ends it, as python does; a failure status is one line saying where
    Ctrl-C                  exit 130 and one line
    SIGTERM (an IDE's stop) exit 143 and one line, as Ctrl-C's; the program's own child process gone with it

Each runs in the test's own process (TensorFlow already loaded) on files in a temporary folder, and the test
checks that the program's __main__, sys.argv[0] and sys.path are as they were. That the program filters
TensorFlow's start-up lines before anything loads TensorFlow is checked with every other program make runs
(test_tf_chatter.py); the Makefile line in test_makefile.py.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import (
    RAISES_IN_DEL,
    alive,
    child_subreaper,
    child_subreaper_put_back,
    closed_pipe,
    hang_guard,
    line_of,
    output_closed,
    set_child_subreaper,
    waited_for,
)

from keras_models.course.exercises import grade as grade_cli
from keras_models.course.exercises import graders
from keras_models.course.exercises import run as run_cli
from keras_models.course.exercises.graders import find
from keras_models.course.exercises.skeleton import PLACEHOLDER, skeleton_of

REPO = Path(__file__).resolve().parents[1]
EX01 = find("ex01")
FILE01 = EX01.learner_path.name


@pytest.fixture
def exercises(tmp_path, monkeypatch):
    """An empty exercises folder in place of the repository's (the learner's notebooks beside it, as in a clone)."""
    folder = tmp_path / "keras_models" / "course" / "exercises"
    folder.mkdir(parents=True)
    monkeypatch.setattr(graders, "EXERCISES_DIR", folder)
    return folder


@pytest.fixture
def unchanged_program():
    """Fails the test if the run left the program's __main__, argv[0] or sys.path changed."""
    before = sys.modules["__main__"], sys.argv[0], list(sys.path)
    yield
    assert (sys.modules["__main__"], sys.argv[0], list(sys.path)) == before


def run(name, capsys):
    """(exit status, stdout, stderr) of `make exercise-run NAME=name`."""
    status = run_cli.main([name])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_solved_exercise_runs_its_try_it_cell_then_grades_itself(exercises, unchanged_program, capsys):
    shutil.copy(EX01.solution_path, EX01.learner_path)
    status, out, err = run("ex01", capsys)
    assert (status, err) == (0, "")
    assert "1-D perceptron, w=2, b=-1, x=3: 5.0" in out   # z = 2 * 3 - 1: the Try it cell (its __main__ guard) ran
    assert "  ex01  perceptron, activations, one-layer network     PASS" in out   # then the Grade it cell


def test_a_wrong_answer_gets_the_graders_fail_and_says_how_to_run_the_file_again(exercises, unchanged_program,
                                                                                  capsys):
    solved = EX01.solution_path.read_text(encoding="utf-8")
    right = "return self.weight * np.asarray(x, dtype=float) + self.bias"
    EX01.learner_path.write_text(solved.replace(right, right.replace("+ self.bias", "- self.bias")), encoding="utf-8")
    status, out, err = run("ex01", capsys)
    assert (status, err) == (0, "")                            # the file ran to its end; its Grade it cell said FAIL
    assert "1-D perceptron, w=2, b=-1, x=3: 7.0" in out        # z = 2 * 3 + 1: the sign the learner wrote
    assert "  ex01  perceptron, activations, one-layer network     FAIL" in out
    assert out.endswith("Change your code, then run the file again: make exercise-run NAME=ex01\n")


def test_the_file_runs_as_python_runs_it_named_in_argv_its_folder_first_on_sys_path(exercises, unchanged_program,
                                                                                     capsys):
    """As `.venv/bin/python file.py` runs it: __name__ is "__main__", sys.argv[0] is the file, its folder is
    sys.path[0] (a module beside it imports), whatever the program's own were."""
    EX01.learner_path.write_text('import sys\nprint(__name__, sys.argv[0], sys.path[0], sep="\\n")\n', encoding="utf-8")
    status, out, err = run("ex01", capsys)
    assert (status, err) == (0, "")
    assert out.splitlines() == ["__main__", str(EX01.learner_path), str(exercises)]


def test_a_missing_file_is_written_and_stops_at_its_first_todo_in_one_line(exercises, unchanged_program, capsys):
    status, out, err = run("1", capsys)
    written = EX01.learner_path.read_text(encoding="utf-8")
    assert written == skeleton_of(EX01.solution_path)
    assert out == f"wrote {EX01.learner_path}: your copy of the exercise, yours to edit\n"
    first_todo = line_of(written, PLACEHOLDER)
    assert (status, err) == (1, f"ex01: stopped at the TODO in Perceptron1D.run (line {first_todo} of "
                                f"{EX01.learner_path.name}): write that part, then run it again\n")


def test_an_error_in_the_learners_code_is_one_line_with_its_function_line_and_message(exercises, unchanged_program,
                                                                                     capsys):
    solved = EX01.solution_path.read_text(encoding="utf-8")
    EX01.learner_path.write_text(solved.replace("# %% [markdown]\n# ## Try it",
                                                "def scale(x):\n    return x / 0.0\n\n\nscale(1.0)\n\n\n"
                                                "# %% [markdown]\n# ## Try it"), encoding="utf-8")
    status, out, err = run("ex01", capsys)
    raised_at = line_of(EX01.learner_path.read_text(encoding="utf-8"), "return x / 0.0")
    assert (status, out) == (1, "")
    assert err == (f"ex01: your code raised ZeroDivisionError in scale (line {raised_at} of {EX01.learner_path.name}): "
                   "float division by zero\n")


def test_a_recursion_error_in_the_learners_code_is_their_error_not_a_todo(exercises, unchanged_program, capsys):
    """RecursionError is a RuntimeError, as NotImplementedError (the TODO's) is: a function that calls itself for
    ever is named as the error it is, not as a TODO left to write."""
    EX01.learner_path.write_text("def forward(x):\n    return forward(x)\n\n\nforward(1)\n", encoding="utf-8")
    status, out, err = run("ex01", capsys)
    assert (status, out) == (1, "")
    assert err.startswith(f"ex01: your code raised RecursionError in forward (line 2 of {FILE01}): "), err
    assert len(err.splitlines()) == 1, err


def test_a_missing_data_file_is_one_line_that_blames_the_file_not_the_learners_code(exercises, unchanged_program,
                                                                                   capsys, monkeypatch, tmp_path):
    import data.checksums

    monkeypatch.setattr(data.checksums, "DATA_DIR", tmp_path / "data")            # breast_cancer.csv is gone
    ex05 = find("ex05")
    shutil.copy(ex05.solution_path, ex05.learner_path)                  # a solved file: its load_data reads the data
    status, out, err = run("ex05", capsys)
    assert (status, out) == (1, "")
    assert err == (f"ex05: a data file the exercise reads is damaged or gone: data file "
                   f"{tmp_path / 'data' / 'breast_cancer.csv'} is missing; restore it with "
                   "`git checkout HEAD -- data/breast_cancer.csv`\n")


@pytest.mark.parametrize("call, status, message", [
    ("sys.exit(3)", 1, "ex01: your code called sys.exit(3) in the top level of the file (line 2 of "
                       "ex01_perceptron_activations.py)\n"),
    ("sys.exit(0)", 0, ""),
], ids=["failure", "success"])
def test_sys_exit_in_the_file_ends_it_and_a_failure_status_is_one_line(exercises, unchanged_program, capsys, call,
                                                                       status, message):
    EX01.learner_path.write_text(f"import sys\n{call}\nprint('after the exit')\n", encoding="utf-8")
    assert run("ex01", capsys) == (status, "", message)


def test_a_notebook_saved_after_the_py_is_what_runs_and_an_error_names_its_cell(exercises, unchanged_program, capsys):
    shutil.copy(EX01.solution_path, EX01.learner_path)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# mine"),
                                               nbformat.v4.new_code_cell("print('from the notebook')"),
                                               nbformat.v4.new_code_cell("x = 1\nraise ValueError('cell three')")])
    EX01.notebook_path.parent.mkdir(parents=True)
    nbformat.write(notebook, EX01.notebook_path)
    later = os.path.getmtime(EX01.learner_path) + 5
    os.utime(EX01.notebook_path, (later, later))
    status, out, err = run("ex01", capsys)
    assert status == 1
    assert out == f"(running your notebook {EX01.notebook_path}: you saved it after the .py)\nfrom the notebook\n"
    assert err == (f"ex01: your code raised ValueError in the top level of the file (line 2 of cell 3 of "
                   f"{EX01.notebook_path.name}): cell three\n")


@pytest.mark.parametrize("kind", ["file", "notebook"])
def test_make_exercise_run_and_make_exercises_say_they_took_your_file_or_your_notebook_and_why(
        kind, exercises, unchanged_program, capsys):
    """The solution in one of the two files, the other blank (a sync that never finished): each command names the
    one it took, as "your file" (the .py) or "your notebook", and why."""
    solved = EX01.solution_path.read_text(encoding="utf-8")
    solved_notebook = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(solved)]))
    EX01.notebook_path.parent.mkdir(parents=True)
    EX01.learner_path.write_text(solved if kind == "file" else "\n", encoding="utf-8")
    EX01.notebook_path.write_text(solved_notebook if kind == "notebook" else "\n", encoding="utf-8")
    taken, blank = (EX01.learner_path, EX01.notebook_path)[::1 if kind == "file" else -1]
    said = f"your {kind} {taken}: {blank.name} has no code in it)\n"
    status, out, err = run("ex01", capsys)
    assert (status, err) == (0, "") and out.startswith(f"(running {said}")
    assert grade_cli.main(["--only", "ex01"]) == 0
    assert f"\n        (graded {said}" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    (b"def run(self, x):\n    return x +\n", "ex01: the file does not parse: invalid syntax at line 2 of {name}\n"),
    (b"# caf\xe9\nx = 1\n",
     "ex01: {name} is not UTF-8 text (byte 0xe9 at position 5, line 1: 'é' in Windows-1252): save it as UTF-8\n"),
    (b"x = 1\n\0", "ex01: the file does not parse: source code string cannot contain null bytes at line 2 of {name}\n"),
], ids=["syntax-error", "not-utf-8", "a-nul-byte"])
def test_a_file_that_cannot_run_is_one_line(exercises, unchanged_program, capsys, content, message):
    EX01.learner_path.write_bytes(content)
    status, out, err = run("ex01", capsys)
    assert (status, out, err) == (1, "", message.format(name=EX01.learner_path.name))


def test_a_file_that_cannot_be_read_is_one_line_naming_it_in_run_and_in_grading(exercises, unchanged_program,
                                                                                  capsys, tmp_path):
    EX01.learner_path.mkdir()                  # unreadable even for root; no read permission is the same OSError
    status, out, err = run("ex01", capsys)
    assert (status, out, err) == (1, "", f"ex01: {EX01.learner_path} cannot be read (Is a directory)\n")
    result = graders.grade_file(EX01, EX01.learner_path, tmp_path)
    assert (result.passed, result.message) == (False, f"{EX01.learner_path} cannot be read (Is a directory)")


def notebook_of_markdown():
    """A notebook with notes and one blank code cell (and no .py yet: exercise-run writes it, TODOs and all)."""
    EX01.notebook_path.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# notes"),
                                                   nbformat.v4.new_code_cell("  \n")]), EX01.notebook_path)


@pytest.mark.parametrize("write", [
    lambda: EX01.learner_path.write_text("", encoding="utf-8"),
    lambda: EX01.learner_path.write_text("\n   \n# my notes: start with run()\n", encoding="utf-8"),
    notebook_of_markdown,
], ids=["empty", "comments-only", "notebook-of-markdown"])
def test_a_file_with_no_code_is_one_line_saying_so_not_silence(exercises, unchanged_program, capsys, write):
    write()
    status, out, err = run("ex01", capsys)
    ran = EX01.notebook_path if EX01.notebook_path.exists() else EX01.learner_path
    assert status == 1
    assert err == (f"ex01: {ran.name} has no code in it, so there is nothing to run: write the exercise there, or "
                   "start over with make exercise-reset NAME=ex01\n")


SHORT_PRINT = 'print("1-D perceptron, w=2, b=-1, x=3: 5.0")\n'


@pytest.mark.parametrize("line_buffered, learners_code", [
    (True, SHORT_PRINT), (False, SHORT_PRINT),
    (False, "for epoch in range(100_000):\n    print(f'epoch {epoch}: loss 0.25')\n"),
    (False, "print('w=' + '2.0 ' * 20_000)\n"),
], ids=["print-fails", "flush-at-exit-fails", "many-lines", "one-long-line"])
def test_a_closed_output_pipe_is_one_line_not_blamed_on_the_learners_code(exercises, unchanged_program, capsys,
                                                                           line_buffered, learners_code):
    """`make exercise-run NAME=ex01 | head -1`: head ends, and the learner's print fails (line-buffered), or the flush
    at the end does; on a file that prints more than a pipe's buffer, the learner's own print raises BrokenPipeError
    (a buffer filled and written) and the bytes it held are gone with that write, so the flush after it passes: the
    closed pipe must be told by the print's error, not the flush's."""
    EX01.learner_path.write_text(learners_code, encoding="utf-8")
    captured = sys.stdout
    with closed_pipe(line_buffered) as stdout:
        assert run_cli.main(["ex01"]) == 1
        assert capsys.readouterr().err == output_closed("make exercise-run")
        stdout.close()          # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"
    assert sys.stdout is captured


def test_an_unknown_exercise_is_one_line_naming_the_exercises(exercises, capsys):
    status, out, err = run("ex99", capsys)
    assert (status, out) == (2, "")
    assert err == "error: no exercise called 'ex99'; the exercises are ex01, ex02, ex03, ex04, ex05, ex06, ex07\n"
    assert not any(exercises.iterdir())                                 # and nothing was written


def test_ctrl_c_while_the_file_runs_exits_130_with_one_line(exercises, unchanged_program, capsys, sigint_raises):
    EX01.learner_path.write_text("import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(30)\n",
                                 encoding="utf-8")
    try:
        status, out, err = run("ex01", capsys)
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt left make exercise-run as a traceback")
    assert (status, out, err) == (130, "", f"\nex01: interrupted at the top level of your file (line 2 of {FILE01}).\n")


def test_ctrl_c_in_a_loop_that_never_ends_names_the_function_and_line_it_was_running(exercises, unchanged_program,
                                                                                      capsys, sigint_raises):
    # make exercise-run has no time limit: the learner stops an endless loop with Ctrl-C, and is told which loop
    EX01.learner_path.write_text("import os, signal\n\n\ndef engineer_features():\n    n = 0\n    while True:\n"
                                 "        n += 1\n        if n == 1000:\n"
                                 "            os.kill(os.getpid(), signal.SIGINT)\n\n\nengineer_features()\n",
                                 encoding="utf-8")
    status, out, err = run("ex01", capsys)
    assert (status, out) == (130, "")
    assert re.fullmatch(rf"\nex01: interrupted in your engineer_features \(line [6-9] of {re.escape(FILE01)}\)\.\n",
                        err), err


# Lines 2-9 of a learner's file: an object let go of at once, whose __del__ method the SIGTERM comes in (as a
# stand-in, it sends it): Python raises Terminated there, prints nothing (twins/terminated.py) and drops it
DROPS_A_SIGTERM = f"\n\n{RAISES_IN_DEL}\n\nRaisesInDel(signal.SIGTERM)\n"


def test_sigterm_pressed_again_after_one_python_dropped_in_a_del_method_stops_the_file(exercises, unchanged_program,
                                                                                      capsys):
    """Python raised the IDE's SIGTERM inside a __del__ method of the learner's objects and dropped it there, and the
    handler had set SIGTERM ignored: the file ran on, its endless loop deaf to every later press of the stop button."""
    # the second press raised at once (os.kill would let the handler run a line later, or two: where is not the point)
    source = (f"import signal, time\n{DROPS_A_SIGTERM}"
              "signal.raise_signal(signal.SIGTERM)\ntime.sleep(2)\nprint('ran on')\n")
    EX01.learner_path.write_text(source, encoding="utf-8")
    status, out, err = run("ex01", capsys)
    assert (status, out, err) == (143, "", f"\nex01: terminated (SIGTERM) at the top level of your file (line "
                                           f"{line_of(source, 'signal.raise_signal(signal.SIGTERM)')} of {FILE01}).\n")


def test_make_exercises_stops_before_the_next_exercise_on_a_sigterm_python_dropped_while_it_graded_one(
        exercises, unchanged_program, capsys):
    """`timeout make exercises` sends one SIGTERM: raised in a __del__ method as the learner's code ran, it was dropped,
    and every exercise after it was graded (minutes of fits) before make exercises stopped; in the last exercise, the
    summary and its next step were printed above the Terminated line."""
    EX01.learner_path.write_text(f"import signal\n{DROPS_A_SIGTERM}", encoding="utf-8")
    for only in ("ex01,ex02", "ex01"):
        status = grade_cli.main(["--only", only])
        out, err = capsys.readouterr()
        assert (status, err) == (143, "\nTerminated (SIGTERM); nothing was changed.\n"), only
        assert "\n  ex01 " in out and "\n  ex02 " not in out and " passed in " not in out, (only, out)


# The program as make runs it (its __main__: TensorFlow's chatter filter, a child process, started first), on the
# exercises folder of the test
AS_MAKE_RUNS_IT = ("import runpy, sys\nfrom pathlib import Path\nfrom keras_models.course.exercises import graders\n"
                   "graders.EXERCISES_DIR = Path(sys.argv.pop(1))\n"
                   "runpy.run_module('keras_models.course.exercises.run', run_name='__main__', alter_sys=True)\n")


def wait_for_its_line(program: subprocess.Popen, path: Path) -> None:
    """Wait until the learner's code that `program` runs has written its line (ending in a line break) in `path`;
    fail if the program ends first, or a hang guard passes (30 s on a quiet machine, longer on a busy one), without
    waiting for a program still running to end (its output is read only once it has)."""
    written, given, guard = waited_for(path, lambda text: text.endswith("\n"), program)
    if not written and program.poll() is not None:
        pytest.fail(f"make exercise-run ended before the exercise wrote {path.name}: {program.communicate()}")
    if not written:
        pytest.fail(f"the exercise wrote no line in {path.name} within {given} s ({guard})")


def ended_after(program: subprocess.Popen, how: str) -> tuple[str, str]:
    """`program`'s (stdout, stderr) once it has ended after the signal `how`, or a fail naming it when a hang guard
    passes first (30 s on a quiet machine, longer on a busy one): the product promises no time to stop in."""
    given, guard = hang_guard(30)
    try:
        return program.communicate(timeout=given)
    except subprocess.TimeoutExpired:
        pytest.fail(f"make exercise-run did not end within {given} s ({guard}) of {how}")


def test_sigterm_in_a_loop_that_never_ends_exits_143_with_one_line_naming_it_and_leaves_no_process(
        exercises, tmp_path, python_without_tensorflow):
    """An IDE's stop button sends SIGTERM, not Ctrl-C's SIGINT (make passes it on): the program died at once,
    silent, its status -15, the learner told nothing of where the loop was."""
    filter_pid = tmp_path / "filter.pid"
    EX01.learner_path.write_text("import time\nfrom keras_models.twins import tf_chatter\n\n"
                                 f"open({str(filter_pid)!r}, 'w').write(f'{{tf_chatter._filter.pid}}\\n')\n\n\n"
                                 "def engineer_features():\n    while True:\n        time.sleep(0.01)\n\n\n"
                                 "engineer_features()\n", encoding="utf-8")
    program = python_without_tensorflow.Popen([sys.executable, "-c", AS_MAKE_RUNS_IT, str(exercises), "ex01"],
                                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_its_line(program, filter_pid)
        program.send_signal(signal.SIGTERM)
        out, err = ended_after(program, "SIGTERM")
    finally:
        program.kill()
    assert (program.returncode, out) == (143, "")
    assert re.fullmatch(rf"\nex01: terminated \(SIGTERM\) in your engineer_features \(line (8|9) of "
                        rf"{re.escape(FILE01)}\)\.\n", err), err
    assert not alive(int(filter_pid.read_text())), "the chatter filter outlived the program"


# An exercise that starts processes of its own: a command (subprocess), a command's own child left behind when that
# command ended (an orphan), a multiprocessing.Process that is not a daemon, and a Pool's worker in a with block.
STARTS_PROCESSES = """import multiprocessing, subprocess, time


def nap(seconds):
    time.sleep(seconds)


if __name__ == "__main__":
    sleeper = subprocess.Popen(["sleep", "300"])
    orphan = subprocess.run(["sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"], capture_output=True, text=True)
    worker = multiprocessing.Process(target=nap, args=(300,))
    worker.start()
    with multiprocessing.Pool(1) as pool:
        started = {sleeper.pid, int(orphan.stdout), *(child.pid for child in multiprocessing.active_children())}
        open(PIDS, "w").write(" ".join(map(str, sorted(started))) + "\\n")
        pool.apply(nap, (300,))
"""


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_stop_ends_every_process_the_exercise_started_and_is_still_one_line(how, exercises, tmp_path,
                                                                              python_without_tensorflow):
    """An IDE's stop (SIGTERM to the program alone) left the exercise's processes running: the command and the orphan
    for good, the multiprocessing.Process held the program itself at its exit (multiprocessing joins it), and the
    Pool's workers, forked with the program's SIGTERM handler, printed a traceback each. Ctrl-C (SIGINT, here to the
    program alone, as a process manager sends it) left them all too."""
    pids = tmp_path / "started.pids"
    EX01.learner_path.write_text(STARTS_PROCESSES.replace("PIDS", repr(str(pids))), encoding="utf-8")
    program = python_without_tensorflow.Popen([sys.executable, "-c", AS_MAKE_RUNS_IT, str(exercises), "ex01"],
                                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                              start_new_session=True)   # its group: what is left is killed below
    try:
        wait_for_its_line(program, pids)
        started = [int(pid) for pid in pids.read_text().split()]
        assert len(started) == 4 and all(alive(pid) for pid in started), started
        program.send_signal(getattr(signal, how))
        out, err = ended_after(program, how)
        left = [pid for pid in started if alive(pid)]
    finally:
        for pid in started if pids.exists() and pids.read_text().endswith("\n") else []:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(program.pid, signal.SIGKILL)
        program.communicate()
    assert left == [], f"still running after {how}: {left} of {started}"
    stopped = {"SIGTERM": (143, "terminated (SIGTERM)"), "SIGINT": (130, "interrupted")}[how]
    assert (program.returncode, out) == (stopped[0], "")
    assert err == f"\nex01: {stopped[1]} at the top level of your file (line 16 of {FILE01}).\n", err


def test_a_misspelt_loss_names_the_compile_line_not_only_the_fit_line(exercises, unchanged_program, capsys):
    """Keras looks compile's loss up at the first fit, so its error is raised in train; the line says where the name
    is and the nearest name Keras knows."""
    ex05 = find("ex05")
    source = ex05.solution_path.read_text(encoding="utf-8").replace('loss="binary_crossentropy"',
                                                                    'loss="binary_cross_entropy"')
    ex05.learner_path.write_text(source, encoding="utf-8")
    status, out, err = run("ex05", capsys)
    compiled, fitted = line_of(source, "binary_cross_entropy"), line_of(source, "return model.fit(")
    assert (status, out) == (1, "")
    assert err == (f"ex05: your code raised ValueError in train (line {fitted} of {ex05.stem}.py): Could not "
                   "interpret loss identifier: binary_cross_entropy -- Keras knows no loss named "
                   f"\"binary_cross_entropy\" (line {compiled} of {ex05.stem}.py): did you mean "
                   "\"binary_crossentropy\"?; Keras reads compile's loss only when fit first runs, hence the fit "
                   "line\n")


def test_a_validation_split_of_twenty_stops_at_the_fit_that_took_it(exercises, unchanged_program, capsys):
    """Keras takes validation_split=20 without a word, trains on no rows, and the Run it cell then fails on
    history.history['loss'], a KeyError far from the mistake."""
    ex03 = find("ex03")
    source = ex03.solution_path.read_text(encoding="utf-8").replace("epochs=30,", "epochs=30, validation_split=20,")
    ex03.learner_path.write_text(source, encoding="utf-8")
    status, out, err = run("ex03", capsys)
    assert status == 1
    assert err == (f"ex03: your code raised ValueError in train (line {line_of(source, 'validation_split=20')} of "
                   f"{ex03.stem}.py): model.fit(validation_split=20): validation_split is the fraction of the training "
                   "rows held out for validation, between 0 and 1 (0.2 holds out 20%); Keras takes 20 without a word "
                   "and trains on no rows\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper is Linux's (prctl)")
def test_after_the_learners_code_the_program_is_a_subreaper_only_if_it_was_before():
    """processes_ended_on_a_stop makes the program a child subreaper for the block alone: after it, the program is a
    subreaper only if it was before (make exercise-run's in-process callers, the tests, go on after it). Run once
    with the program not a subreaper and once with it one beforehand: a block that always turned the flag off after
    it passed the first alone."""
    with child_subreaper_put_back():
        for was in (False, True):
            set_child_subreaper(was)
            with run_cli.processes_ended_on_a_stop():
                assert child_subreaper(), f"a subreaper before: {was}"
            assert child_subreaper() is was, f"a subreaper before: {was}, after: {child_subreaper()}"
