"""`make lessons`, `make course` and `make exercises`: what a learner or a damaged file can break ends in one line.

A log directory that cannot be written (the lessons), a damaged or missing data file and Ctrl-C (the lessons
and the course), a --max-rows too small to split (the course), an unknown exercise name, a solution file that is
missing, an exercise file that calls sys.exit() or is not UTF-8 text, Ctrl-C while grading: each is
answered by name, with a non-zero exit status, and none loses the learner's work.
"""

import argparse
import errno
import fcntl
import hashlib
import io
import os
import re
import runpy
import signal
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from conftest import (
    UTF_16_WITHOUT_A_MARK,
    as_for_a_learner,
    closed_pipe,
    dev_full,
    exercises_reset_into,
    exits_in_tanh,
    file_size_limit,
    full_output,
    line_of,
    lose_committed,
    output_closed,
    output_full,
    restore_as_advised,
    run_make,
    started_into,
)

import data.checksums
from keras_models.course import lessons
from keras_models.course.exercises import grade as grade_cli
from keras_models.course.exercises import graders
from keras_models.course.exercises import reset as exercise_reset
from keras_models.course.exercises.graders import find
from keras_models.course.exercises.skeleton import skeleton_of
from keras_models.course.real_data import __main__ as course_cli
from keras_models.course.real_data import workflow
from keras_models.twins import repository
from keras_models.twins.interrupts import HeldInterrupt


def test_lessons_into_a_folder_that_is_a_file_is_one_line_before_any_lesson_runs(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "pictures"
    blocker.write_text("not a folder")
    monkeypatch.setattr(lessons, "run_all", lambda logdir: pytest.fail("a lesson ran"))
    assert lessons.main(["--logdir", str(blocker)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"error: the pictures cannot be written to {blocker / 'png'} (Not a directory); choose another "
                   "folder: make lessons LOGDIR=DIR\n")


def test_lessons_into_a_folder_that_cannot_be_written_names_the_folder_not_a_temporary_file(tmp_path, capsys,
                                                                                             monkeypatch):
    """A read-only logs/ (a learner who is not root) said "cannot be written to logs/lessons/png/tmpu4n6yo12": the
    name of the probe file the check tried to create, which the learner never saw and which does not exist."""
    pictures = tmp_path / "pictures" / "png"
    pictures.mkdir(parents=True)
    as_for_a_learner(monkeypatch, pictures, read_only=True)
    monkeypatch.setattr(lessons, "run_all", lambda logdir: pytest.fail("a lesson ran"))
    assert lessons.main(["--logdir", str(pictures.parent)]) == 1
    assert capsys.readouterr() == ("", f"error: the pictures cannot be written to {pictures} (Permission denied); "
                                       "choose another folder: make lessons LOGDIR=DIR\n")


@pytest.mark.parametrize("logdir", ["", " "], ids=["empty", "a-space"])   # LOGDIR=" ": a folder named " " otherwise
def test_an_empty_lessons_logdir_is_one_line_not_the_current_folder(logdir, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)                         # where a folder named " " would be made
    monkeypatch.setattr(lessons, "run_all", lambda logdir: pytest.fail("a lesson ran"))
    assert lessons.main(["--logdir", logdir]) == 2
    assert capsys.readouterr() == ("", "error: LOGDIR is empty; name a folder, e.g. make lessons LOGDIR=logs/lessons\n")
    assert list(tmp_path.iterdir()) == []


def test_a_lessons_logdir_starting_with_an_unexpanded_tilde_is_one_line_not_a_folder_named_tilde(tmp_path, capsys,
                                                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lessons, "run_all", lambda logdir: pytest.fail("a lesson ran"))
    assert lessons.main(["--logdir", "~/pics"]) == 2
    assert capsys.readouterr() == ("", f"error: LOGDIR=~/pics starts with ~, which the shell did not expand (it "
                                       f"names a folder called ~ here); write the full path, e.g. make lessons "
                                       f"LOGDIR={Path.home() / 'pics'}\n")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_the_lessons_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch):
    def interrupted(logdir):
        raise KeyboardInterrupt

    monkeypatch.setattr(lessons, "run_all", interrupted)
    assert lessons.main(["--logdir", str(tmp_path)]) == 130
    assert capsys.readouterr().err == ("\nInterrupted; the lessons that finished have written their PNG files "
                                       "(TensorBoard gets the pictures when every lesson has run: "
                                       "make lessons again).\n")


@pytest.mark.parametrize("stands_in", [closed_pipe, dev_full, full_output])
def test_an_output_that_stands_in_for_stdout_is_given_back_within_the_test(stands_in, capsys):
    # a monkeypatch set up before capsys gave sys.stdout back after capsys's teardown: capsys's closed stream, which
    # `pytest -s` then flushed at exit: "ValueError: I/O operation on closed file", every test passed
    captured = sys.stdout
    with stands_in():
        assert sys.stdout is not captured
    assert sys.stdout is captured


def test_lessons_into_a_closed_pipe_is_one_line_not_a_folder_that_cannot_be_written(tmp_path, capsys, monkeypatch):
    def printing(logdir):
        print("1. perceptron converged in 5 epochs")

    monkeypatch.setattr(lessons, "run_all", printing)
    with closed_pipe() as stdout:  # `make lessons | head -1`
        assert lessons.main(["--logdir", str(tmp_path)]) == 1
        assert capsys.readouterr().err == output_closed("make lessons")
        stdout.write("done in 5.4 s\n")
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


@pytest.mark.parametrize("line_buffered", [True, False], ids=["print-fails", "flush-at-exit-fails"])
def test_lessons_into_a_pipe_closed_before_their_last_lines_is_one_line_too(tmp_path, capsys, monkeypatch,
                                                                           line_buffered):
    # `make lessons | head -15`: head has the pictures' line and leaves, and "done in 5.7 s" met the closed pipe
    # after the lessons, outside their try: Python's BrokenPipeError traceback
    monkeypatch.setattr(lessons, "run_all", lambda logdir: None)
    with closed_pipe(line_buffered) as stdout:
        assert lessons.main(["--logdir", str(tmp_path)]) == 1
        assert capsys.readouterr().err == output_closed("make lessons")
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


def test_lessons_into_an_output_that_takes_no_more_is_one_line_about_the_output_not_the_pictures(tmp_path, capsys,
                                                                                                  monkeypatch):
    # `make lessons > /dev/full`: "error: the pictures cannot be written to logs/lessons (No space left on device);
    # choose another folder", a folder that takes pictures well
    monkeypatch.setattr(lessons, "run_all", lambda logdir: print("1. perceptron converged in 5 epochs"))
    assert started_into(dev_full, lambda: lessons.main(["--logdir", str(tmp_path)])) == 1
    assert capsys.readouterr().err == output_full("make lessons")


@pytest.fixture
def learner_folder(tmp_path, monkeypatch):
    """The learner's exercise files and backups in a temporary folder instead of the repository."""
    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(grade_cli, "REPO", tmp_path)                     # a missing solution's message
    monkeypatch.setattr(repository, "REPO", tmp_path)                    # every path shown (from_repository)
    monkeypatch.setattr(exercise_reset, "BACKUP_DIR", tmp_path / "logs" / "exercises" / "backup")
    return tmp_path


def test_make_exercises_into_a_closed_pipe_is_one_line_not_a_file_error(learner_folder, monkeypatch, capsys):
    with closed_pipe() as stdout:  # `make exercises | head -1`
        assert grade_cli.main(["--only", "ex01"]) == 1
        assert capsys.readouterr().err == output_closed("make exercises")
        stdout.write("the rest of the buffer\n")
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


def test_make_exercise_reset_into_a_closed_pipe_names_make_exercise_reset(learner_folder, capsys):
    # `make exercise-reset NAME=ex01 | tail -0`: the reset is done, and the line names the command the learner ran
    with closed_pipe(line_buffered=False) as stdout:
        assert grade_cli.main(["--reset", "ex01"]) == 1
        assert capsys.readouterr().err == output_closed("make exercise-reset")
        stdout.close()


def grading_prints(monkeypatch, line: str) -> None:
    """make exercises' grading a stand-in that prints `line` and fails (no grader runs), on the learner's files,
    which are there (none written)."""
    def grade(exercises, solutions):
        print(line)
        return 1

    monkeypatch.setattr(grade_cli, "grade", grade)
    monkeypatch.setattr(grade_cli, "write_missing_files", lambda exercises: None)


def test_make_exercises_whose_last_lines_wait_in_a_closed_pipes_buffer_is_one_line(learner_folder, monkeypatch,
                                                                                   capsys):
    # `make exercises | head -1`: head leaves once the first result line is flushed, and the lines after it wait in
    # stdout's buffer until Python flushes it at exit: "Exception ignored ... BrokenPipeError", exit status 120
    grading_prints(monkeypatch, "0 of 1 passed in 0 s.")                # not flushed: a pipe's buffering
    with closed_pipe(line_buffered=False) as stdout:
        assert grade_cli.main(["--only", "ex01"]) == 1
        assert capsys.readouterr().err == output_closed("make exercises")
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


def test_make_exercises_into_an_output_that_takes_no_more_is_one_line_about_the_output_not_a_file(
        learner_folder, monkeypatch, capsys):
    # `make exercises > /dev/full`: "error: a file: No space left on device", a file the learner looks for in vain
    grading_prints(monkeypatch, "0 of 1 passed in 0 s.")
    assert started_into(dev_full, lambda: grade_cli.main(["--only", "ex01"])) == 1
    assert capsys.readouterr().err == output_full("make exercises")


def test_make_exercises_printing_what_a_strict_output_encoding_cannot_show_is_one_line_about_the_output(
        learner_folder, monkeypatch, capsys):
    # PYTHONIOENCODING=ascii:strict (the Makefile keeps an error handler the learner chose), and a verdict naming the
    # learner's delta2 written as a Greek letter: "error: a file is not UTF-8 text ('ascii' codec can't encode ...)"
    grading_prints(monkeypatch, "matmul of \u03b42 (5, 2) @ W2 (4, 2)")
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict"))
    assert grade_cli.main(["--only", "ex02"]) == 1
    assert capsys.readouterr().err == ("error: make exercises was printing the character '\\u03b4', which the "
                                       "output's encoding (ascii) cannot show: leave out PYTHONIOENCODING's error "
                                       "handler (:strict), or use PYTHONIOENCODING=utf-8\n")


@pytest.mark.parametrize("argv", [["--only", "ex99"], ["--reset", "ex8"], ["--reset", "ex01", "--only", "ex01"]])
def test_an_unknown_exercise_or_a_contradiction_is_one_line_and_exit_2(argv, learner_folder, capsys):
    assert grade_cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith("error: "), err


STEM01 = find("ex01").stem
SOLVED01 = find("ex01").solution_path.read_text(encoding="utf-8")
EXIT_IN_TANH = exits_in_tanh(SOLVED01)
AT_THE_TOP_LEVEL = 'which ends the file before it is graded: remove it, or put it under if __name__ == "__main__":'


@pytest.mark.parametrize("file, code, reason", [
    ("learner_path", "import sys\nsys.exit(3)\n",
     f"sys.exit(3) at the top level of the file (line 2 of {STEM01}.py), {AT_THE_TOP_LEVEL}"),
    ("learner_path", EXIT_IN_TANH,
     f"sys.exit(0) in Tanh.fn (line {line_of(EXIT_IN_TANH, 'sys.exit(0)')} of {STEM01}.py), "
     "which ends the program that grades it: return a value instead"),
    ("notebook_path", nbformat.writes(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("import sys\nsys.exit(3)")])),
     f"sys.exit(3) at the top level of the file (line 2 of cell 2 of {STEM01}.ipynb), {AT_THE_TOP_LEVEL}"),
], ids=["top-level", "in-a-function", "in-a-notebook-cell"])
def test_an_exercise_that_calls_sys_exit_fails_and_the_grading_goes_on(file, code, reason, learner_folder, capsys,
                                                                       monkeypatch):
    """A sys.exit is a FAIL naming its line, and what to do as make grade says it: remove it (at the top level, where
    it ends the file before it is graded) or return a value (in a function); ex02 is graded after it. It was 'your
    code called sys.exit(3); return a value instead', with no line, and that advice for a top-level call too."""
    monkeypatch.setattr(graders, "EXERCISES_DIR", learner_folder / "exercises")     # its ../notebooks in this test's
    ex01, ex02 = find("ex01"), find("ex02")                                         # folder, not in the next test's
    getattr(ex01, file).parent.mkdir(parents=True)
    getattr(ex01, file).write_text(code, encoding="utf-8")
    assert grade_cli.main(["--only", "ex01", "--only", "ex02"]) == 1
    out = capsys.readouterr().out
    assert f"\n        your code called {reason}\n" in out
    assert f"  {ex02.name}  " in out and "0 of 2 passed" in out                 # ex02 was graded after it


def test_make_exercises_solutions_in_a_learner_copy_says_in_one_line_that_it_has_none(learner_folder, tmp_path,
                                                                                        capsys, monkeypatch):
    monkeypatch.setattr(grade_cli, "SOLUTIONS_DIR", tmp_path / "solutions")      # make release cut it out
    assert grade_cli.main(["--solutions"]) == 2
    assert capsys.readouterr() == ("", "error: this learner copy of the course does not include the reference "
                                       "solutions\n")


def test_a_missing_solution_is_one_line_saying_how_to_restore_it(learner_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(graders, "SOLUTIONS_DIR", tmp_path / "solutions")
    monkeypatch.setattr(grade_cli, "SOLUTIONS_DIR", tmp_path / "solutions")
    (tmp_path / "solutions").mkdir()
    assert grade_cli.main(["--only", "ex03"]) == 1                   # the learner file is missing too: write it
    path = f"solutions/{find('ex03').stem}.py"
    assert capsys.readouterr().err == (f"error: the solution {path} is missing: restore it with "
                                       f"`git checkout HEAD -- {path}`\n")
    assert grade_cli.main(["--solutions", "--only", "ex03"]) == 1     # make exercises-solutions: graded in place
    assert capsys.readouterr().err == (f"error: the solution {path} is missing: restore it with "
                                       f"`git checkout HEAD -- {path}`\n")


@pytest.mark.parametrize("how", ["git rm", "staged damaged, then deleted"])
def test_a_missing_solutions_advice_brings_it_back_after_git_rm_or_a_staged_change(how, learner_folder, capsys,
                                                                                     monkeypatch):
    """`git checkout X` fails after `git rm X` (the index no longer holds it: "pathspec ... did not match"), and after a
    damaged copy is staged (`git add -A`, as a learner committing their work does) it brings back the damage: the
    advice, run as the line gives it, must bring back the committed file in both cases."""
    shipped = find("ex03").solution_path.read_bytes()
    solution = learner_folder / "solutions" / f"{find('ex03').stem}.py"
    monkeypatch.setattr(graders, "SOLUTIONS_DIR", solution.parent)
    monkeypatch.setattr(grade_cli, "SOLUTIONS_DIR", solution.parent)
    lose_committed(learner_folder, solution, shipped, how)
    assert grade_cli.main(["--solutions", "--only", "ex03"]) == 1
    restore_as_advised(learner_folder, capsys.readouterr().err, solution, shipped)


def test_an_exercise_file_that_is_not_utf8_fails_to_parse_and_reset_keeps_its_exact_bytes(learner_folder, capsys):
    exercise = find("ex01")
    mine = b"def run(x):\n    return '\xe9t\xe9'\n"                  # Latin-1, not UTF-8
    exercise.learner_path.write_bytes(mine)
    assert grade_cli.main(["--only", "ex01"]) == 1
    assert (f"{exercise.learner_path.name} is not UTF-8 text (byte 0xe9 at position {mine.index(0xe9)}, line 2: "
            "'é' in Windows-1252): save it as UTF-8") in capsys.readouterr().out
    assert grade_cli.main(["--reset", "ex01"]) == 0
    (backup,) = (learner_folder / "logs" / "exercises" / "backup").iterdir()
    assert backup.read_bytes() == mine
    assert exercise.learner_path.read_text(encoding="utf-8") == skeleton_of(exercise.solution_path)


def test_make_exercises_on_a_file_saved_as_utf16_without_a_byte_order_mark_says_so_in_one_line(learner_folder,
                                                                                               capsys):
    """Every second byte 0 and no mark: ASCII so saved is valid UTF-8 too, and the line was Python's "source code string
    cannot contain null bytes at line 1"."""
    exercise = find("ex01")
    exercise.learner_path.write_bytes(exercise.solution_path.read_text(encoding="utf-8").encode("utf-16-le"))
    assert grade_cli.main(["--only", "ex01"]) == 1
    out = capsys.readouterr().out
    assert UTF_16_WITHOUT_A_MARK.format(name=exercise.learner_path.name) in out, out
    assert "null bytes" not in out, out


def test_resetting_an_untouched_exercise_another_user_wrote_makes_it_yours_and_says_so(learner_folder, capsys,
                                                                                      monkeypatch):
    """After a sudo make setup, ex03 was root's: the learner could not edit it, and make exercise-reset answered
    "already the untouched skeleton". Another user's file is stood in for: the original file may not be written,
    the one written again (a new inode, as a rename makes) may, so that any user can run this test."""
    import pwd

    exercise = find("ex03")
    exercise.learner_path.write_text(skeleton_of(exercise.solution_path), encoding="utf-8")
    theirs = exercise.learner_path.stat().st_ino
    owner = pwd.getpwuid(exercise.learner_path.stat().st_uid).pw_name
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path).stat().st_ino != theirs)
    assert grade_cli.main(["--reset", "ex03"]) == 0
    assert capsys.readouterr().out == (f"{exercise.learner_path.name} was the untouched skeleton, but {owner}'s, not "
                                       "yours to edit; wrote it again as yours\n")
    assert exercise.learner_path.stat().st_ino != theirs
    assert exercise.learner_path.read_text(encoding="utf-8") == skeleton_of(exercise.solution_path)
    assert not (learner_folder / "logs").exists()                         # nothing of the learner's to keep


def test_exercise_reset_in_a_folder_that_cannot_be_written_names_it_and_what_to_do(tmp_path, capsys, monkeypatch):
    """A read-only checkout (or one another user's sudo make wrote): make exercise-reset said only "error:
    <the full path>: Permission denied", nothing of which folder to put right or how."""
    exercise = find("ex01")
    exercises_reset_into(tmp_path, monkeypatch)
    exercise.learner_path.write_text("# my work in progress\n", encoding="utf-8")
    as_for_a_learner(monkeypatch, tmp_path / "exercises", read_only=True)
    assert grade_cli.main(["--reset", "ex01"]) == 1
    assert capsys.readouterr().err == (f"error: exercises/{exercise.learner_path.name} cannot be written (Permission "
                                       "denied): make exercises a folder you can write in (chmod u+w; sudo chown -R "
                                       "$USER if another user made it, as sudo make does), then try again\n")
    assert exercise.learner_path.read_text(encoding="utf-8") == "# my work in progress\n"


def test_a_read_only_file_system_gets_the_same_line_as_a_folder_without_write_permission():
    """A read-only mount refuses a write with EROFS, not EACCES: the line names the folder to put right all the same
    (command_line.folder_not_writable). An error that names no file, or another error (a full disk), gets no such
    line: it is its caller's to say."""
    from keras_models.course.command_line import folder_not_writable

    curves = repository.REPO / "logs" / "course" / "curves.png"
    assert folder_not_writable(OSError(errno.EROFS, "Read-only file system", str(curves))) == (
        "logs/course/curves.png cannot be written (Read-only file system): make logs/course a folder you can write "
        "in (chmod u+w; sudo chown -R $USER if another user made it, as sudo make does), then try again")
    assert folder_not_writable(PermissionError(errno.EACCES, "Permission denied")) is None
    assert folder_not_writable(OSError(errno.ENOSPC, "No space left on device", str(curves))) is None


def test_make_exercise_reset_says_whether_the_file_was_missing_untouched_or_kept(learner_folder, capsys):
    exercise = find("ex01")
    exercise.learner_path.unlink(missing_ok=True)
    name = exercise.learner_path.name
    assert grade_cli.main(["--reset", "ex01"]) == 0
    assert capsys.readouterr().out == f"{name} was missing; wrote the untouched skeleton\n"
    assert grade_cli.main(["--reset", "ex01"]) == 0
    assert capsys.readouterr().out == f"{name} is already the untouched skeleton\n"
    exercise.learner_path.write_text("# my work\n", encoding="utf-8")
    assert grade_cli.main(["--reset", "ex01"]) == 0
    (backup,) = (learner_folder / "logs" / "exercises" / "backup").iterdir()
    assert capsys.readouterr().out == (f"{name} reset to the untouched skeleton; your version is in "
                                       f"{backup.relative_to(learner_folder)}\n")


def test_exercise_reset_on_a_full_disk_leaves_no_half_backup_and_names_it(learner_folder, capsys):
    """make exercise-reset with the backup folder on a full disk said "error: a file: No space left on device" and
    left the first bytes of the learner's version in logs/exercises/backup/, a backup that looks like theirs."""
    exercise = find("ex01")
    mine = "# my work, line after line\n" * 200                         # 5400 bytes: more than the disk takes
    exercise.learner_path.write_text(mine, encoding="utf-8")
    backups = learner_folder / "logs" / "exercises" / "backup"
    with file_size_limit(1000):                                         # a write past 1000 bytes fails (EFBIG)
        assert grade_cli.main(["--reset", "ex01"]) == 1
    err = capsys.readouterr().err
    assert re.fullmatch(rf"error: {re.escape(str(backups))}/{exercise.stem}\.[0-9-]+\.py: File too large\n", err), err
    assert list(backups.iterdir()) == []                                # nothing half-written taken for a backup
    assert exercise.learner_path.read_text(encoding="utf-8") == mine    # and the learner's file untouched


def test_make_exercises_exits_0_only_when_every_exercise_passed_and_names_the_first_that_failed(learner_folder,
                                                                                                   capsys):
    ex01, ex02 = find("ex01"), find("ex02")
    ex01.learner_path.write_text(skeleton_of(ex01.solution_path), encoding="utf-8")
    ex02.learner_path.write_text(skeleton_of(ex02.solution_path), encoding="utf-8")
    assert grade_cli.main(["--only", "ex01,ex02"]) == 1
    out = capsys.readouterr().out.splitlines()                         # the README's lines, for two exercises
    assert out[-2].startswith("0 of 2 passed in ")
    assert out[-1] == "Next: edit ex01's file, then grade it alone with `make exercises ONLY=ex01`."
    ex01.learner_path.write_bytes(ex01.solution_path.read_bytes())    # ex01 done, ex02 not yet: still not all
    assert grade_cli.main(["--only", "ex01,ex02"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-2].startswith("1 of 2 passed in ") and out[-1].startswith("Next: edit ex02's file")
    ex02.learner_path.write_bytes(ex02.solution_path.read_bytes())    # both done: now, and only now, exit 0
    assert grade_cli.main(["--only", "ex01,ex02"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("2 of 2 passed in ")


def test_make_exercises_solutions_that_fails_gives_the_instructor_no_learners_next_step(capsys, monkeypatch):
    """A failing reference solution is the project's bug, not a learner's file to edit: no "Next: edit ..." line."""
    monkeypatch.setattr(grade_cli, "grade_file", lambda exercise, path, workdir: graders.Result(
        exercise, False, "a grader that fails", 0.0))
    assert grade_cli.grade([find("ex01")], solutions=True) == 1
    out = capsys.readouterr().out
    assert "a grader that fails" in out and "0 of 1 passed" in out and "Next:" not in out


def test_an_exception_holding_bytes_that_are_not_utf8_is_printed_escaped(learner_folder, monkeypatch):
    """A lone surrogate in the learner's exception (bytes that were not UTF-8) is printed as its escape: printed
    as it is, a terminal that is strict UTF-8 (most locales) stopped make exercises with "a file is not UTF-8"."""
    find("ex01").learner_path.write_text('raise ValueError("bad \\udcff byte")\n', encoding="utf-8")
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    monkeypatch.setattr(sys, "stdout", stdout)
    assert grade_cli.main(["--only", "ex01"]) == 1
    assert "): bad \\udcff byte" in stdout.buffer.getvalue().decode("utf-8")


def test_ctrl_c_while_grading_is_one_line_and_exit_130(learner_folder, capsys, monkeypatch):
    def interrupted(exercises, solutions):
        raise KeyboardInterrupt

    monkeypatch.setattr(grade_cli, "grade", interrupted)
    assert grade_cli.main(["--only", "ex01"]) == 130
    assert capsys.readouterr().err == "\nInterrupted; nothing was changed.\n"


@pytest.mark.parametrize("code, where", [
    ("Perceptron = Sigmoid = Tanh = ReLU = NeuralNetwork = None      # the grader needs them; it stops before\n\n"
     "class Perceptron1D:\n    def __init__(self, weight, bias):\n        pass\n\n    def run(self, x):\n"
     "        while True:\n            raise KeyboardInterrupt\n", "in your Perceptron1D.run (line 9 of {file})"),
    ("x = 0\nwhile True:\n    raise KeyboardInterrupt\n", "at the top level of your file (line 3 of {file})"),
], ids=["in-a-function", "at-the-top-level"])
def test_ctrl_c_in_a_loop_that_never_ends_names_the_exercise_and_where_the_code_was(code, where, learner_folder,
                                                                                     capsys):
    # make exercises sets no time limit: Ctrl-C is how a learner stops a loop that never ends, and the line it
    # prints says where that loop is (the KeyboardInterrupt raised there, as Ctrl-C raises it)
    exercise = find("ex01")
    exercise.learner_path.write_text(code, encoding="utf-8")
    assert grade_cli.main(["--only", "ex01"]) == 130
    where = where.format(file=exercise.learner_path.name)
    assert capsys.readouterr().err == f"\nInterrupted while grading ex01, {where}; nothing was changed.\n"


# ---- make lessons and make course: a damaged data file, a --max-rows too small, Ctrl-C ------------------------


@pytest.fixture
def damaged_breast_cancer(monkeypatch):
    """As if data/breast_cancer.csv had been altered: its recorded checksum no longer matches (the file is kept)."""
    monkeypatch.setitem(data.checksums.SHA256, "breast_cancer.csv", "0" * 64)
    return data.checksums.DATA_DIR / "breast_cancer.csv"


def damaged_line(path) -> str:
    return (f"error: data file {path} does not match the shipped breast_cancer.csv: expected sha256 {'0' * 64}, "
            f"got {hashlib.sha256(path.read_bytes()).hexdigest()}. The file was altered or corrupted; restore it with "
            "`git checkout HEAD -- data/breast_cancer.csv`\n")


def test_a_damaged_data_file_stops_the_lessons_with_one_line_naming_it(damaged_breast_cancer, tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.setattr(lessons, "LESSONS", ("lesson_06_regularisation",))     # the lesson that reads the data
    assert lessons.main(["--logdir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == damaged_line(damaged_breast_cancer)


def test_a_damaged_data_file_stops_the_lessons_before_lesson_1_or_any_folder(damaged_breast_cancer, tmp_path, capsys,
                                                                            monkeypatch):
    monkeypatch.setattr(lessons, "run_all", lambda *a, **k: pytest.fail("a lesson ran"))
    assert lessons.main(["--logdir", str(tmp_path / "logs")]) == 1
    assert capsys.readouterr() == ("", damaged_line(damaged_breast_cancer))
    assert not (tmp_path / "logs").exists()


def test_a_damaged_data_file_stops_lesson_6_run_on_its_own_with_the_same_one_line(damaged_breast_cancer,
                                                                                  monkeypatch):
    name = "keras_models.course.lessons.lesson_06_regularisation"
    monkeypatch.delitem(sys.modules, name, raising=False)     # run afresh as __main__, as `.venv/bin/python -m` does
    with pytest.raises(SystemExit) as stopped:
        runpy.run_module(name, run_name="__main__")
    assert f"{stopped.value.code}\n" == damaged_line(damaged_breast_cancer)


def test_the_lessons_that_read_data_are_those_checked_first():
    folder = Path(lessons.__file__).parent
    reading = {name for name in lessons.LESSONS if "prepare(" in (folder / f"{name}.py").read_text(encoding="utf-8")}
    assert reading == set(lessons.READS_DATA)


def test_a_missing_data_file_stops_the_lessons_with_one_line_not_a_pictures_folder_error(tmp_path, capsys,
                                                                                       monkeypatch):
    monkeypatch.setattr(data.checksums, "DATA_DIR", tmp_path / "no-data")
    monkeypatch.setattr(lessons, "LESSONS", ("lesson_06_regularisation",))
    assert lessons.main(["--logdir", str(tmp_path / "logs")]) == 1
    assert capsys.readouterr().err == (f"error: data file {tmp_path / 'no-data' / 'breast_cancer.csv'} is missing; "
                                       "restore it with `git checkout HEAD -- data/breast_cancer.csv`\n")


def test_a_damaged_data_file_stops_make_course_with_one_line_naming_it(damaged_breast_cancer, tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.setattr(course_cli, "SCRIPTS", (course_cli.binary,))
    assert course_cli.main(["--out", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == damaged_line(damaged_breast_cancer)


def test_a_missing_data_file_stops_make_course_with_one_line_naming_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(data.checksums, "DATA_DIR", tmp_path / "no-data")
    monkeypatch.setattr(course_cli, "SCRIPTS", (course_cli.binary,))
    assert course_cli.main(["--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr() == ("", f"error: data file {tmp_path / 'no-data' / 'breast_cancer.csv'} is missing; "
                                       "restore it with `git checkout HEAD -- data/breast_cancer.csv`\n")


def test_a_damaged_data_file_stops_make_course_and_a_script_before_the_output_folder_is_made(
        damaged_breast_cancer, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(course_cli, "SCRIPTS", (course_cli.binary,))
    assert course_cli.main(["--out", str(out)]) == 1
    assert capsys.readouterr() == ("", damaged_line(damaged_breast_cancer))
    assert not out.exists()
    with pytest.raises(SystemExit) as stopped:              # one script alone: the same line, the same nothing
        workflow.command_line(course_cli.binary.run, "binary", ["--out", str(out)])
    assert stopped.value.code == 1 and capsys.readouterr() == ("", damaged_line(damaged_breast_cancer))
    assert not out.exists()


def test_a_max_rows_too_small_to_split_is_one_line_naming_the_flag(tmp_path, capsys):
    assert course_cli.main(["--out", str(tmp_path), "--max-rows", "5"]) == 1
    message = ("error: --max-rows 5: the test split of diamonds is empty with max_rows=5 and "
               "fractions=(0.7, 0.15, 0.15); use more rows\n")
    assert capsys.readouterr().err == message
    with pytest.raises(SystemExit) as stopped:                  # one script alone: the same line
        workflow.command_line(course_cli.regression.run, "regression", ["--out", str(tmp_path), "--max-rows", "5"])
    assert stopped.value.code == 1 and capsys.readouterr().err == message


def test_a_second_course_run_into_the_same_folder_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch):
    """make course twice at once: both saved logs/course/regression.keras together (one stopped with zipfile's
    "Bad CRC-32 for file 'config.json'" traceback), and each TensorBoard run held both runs' event files."""
    regression = course_cli.regression.run                   # never reached: refused before it
    for script in course_cli.SCRIPTS:
        monkeypatch.setattr(script, "run", lambda *args, **kwargs: pytest.fail("a course script ran"))
    message = (f"error: another make course (or course script) is writing into {tmp_path} right now; wait for it "
               "to end (both would write the same models and logs there)\n")
    first = os.open(tmp_path, os.O_RDONLY)                    # the course run already writing there
    try:
        fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert course_cli.main(["--out", str(tmp_path)]) == 1
        assert capsys.readouterr() == ("", message)
        with pytest.raises(SystemExit) as stopped:            # one script alone: the same line
            workflow.command_line(regression, "regression", ["--out", str(tmp_path)])
        assert stopped.value.code == 1 and capsys.readouterr() == ("", message)
    finally:
        os.close(first)
    assert list(tmp_path.iterdir()) == []


def test_a_max_rows_too_small_for_a_later_script_is_refused_before_the_first_trains(tmp_path, capsys, monkeypatch):
    for script in course_cli.SCRIPTS:             # 10 rows split for the diamonds, not for the breast-cancer data
        monkeypatch.setattr(script, "run", lambda *args, **kwargs: pytest.fail("a course script ran"))
    assert course_cli.main(["--out", str(tmp_path), "--max-rows", "10"]) == 1
    assert capsys.readouterr() == ("", "error: --max-rows 10: the test split of breast_cancer is empty with "
                                       "max_rows=10 and fractions=(0.7, 0.15, 0.15); use more rows\n")


def scripts_recording_what_they_were_handed(monkeypatch) -> dict:
    """Each course script's run replaced by one that trains nothing and records its task's settings."""
    handed = {}
    for script in course_cli.SCRIPTS:
        def run(out_dir, *, task=script.TASK, **settings):
            handed[task] = {"out_dir": out_dir, **settings}
            return SimpleNamespace(report=f"{task} ran")
        monkeypatch.setattr(script, "run", run)
    return handed


def test_a_max_rows_above_a_data_sets_rows_uses_that_one_whole_and_says_so_before_the_first_script(tmp_path, capsys,
                                                                                                 monkeypatch):
    handed = scripts_recording_what_they_were_handed(monkeypatch)
    assert course_cli.main(["--out", str(tmp_path), "--max-rows", "600"]) == 0
    assert {task: settings["max_rows"] for task, settings in handed.items()} == {
        "regression": 600, "binary": 569, "multiclass": 600, "multilabel": 600}
    assert capsys.readouterr().out.splitlines()[:2] == [
        "--max-rows 600 is more than the 569 rows of breast_cancer: the binary script uses them all", "regression ran"]


def test_make_course_hands_every_script_its_epochs_seed_and_folder(tmp_path, capsys, monkeypatch):
    """`-m keras_models.course.real_data --epochs 3 --seed 7` trains each script 3 epochs with seed 7 into the
    folder given, not with each script's defaults."""
    handed = scripts_recording_what_they_were_handed(monkeypatch)
    assert course_cli.main(["--out", str(tmp_path), "--epochs", "3", "--seed", "7"]) == 0
    assert handed == {task: {"out_dir": tmp_path, "epochs": 3, "max_rows": None, "seed": 7}
                      for task in ("regression", "binary", "multiclass", "multilabel")}


@pytest.mark.parametrize("option, message", [
    (["--epochs", "0"], "argument --epochs: must be a whole number >= 1, got '0'"),           # once: the empty
    (["--epochs", "-1"], "argument --epochs: must be a whole number >= 1, got '-1'"),         # history's traceback
    (["--seed", "-1"], "argument --seed: must be a whole number from 0 to 4294967295, got '-1'"),   # Keras' seeding
    (["--epochs", "²"], "argument --epochs: must be a whole number >= 1, got '²'"),   # a digit to isdigit, not to int
    (["--out", "{file}"], "argument --out: {file} is a file: give a folder"),            # TensorBoard's writer, after
    (["--out", "{file}/curves"], "argument --out: {file}/curves is inside {file}, which is a file: rename or remove "
                                 "that file, or give another folder"),
    (["--out=~/course"], "argument --out: ~/course starts with ~, which the shell did not expand (it names a "  # once
                         "folder called ~ here); write the full path, e.g. --out {home}/course"),   # made ./~/course
], ids=["epochs-0", "epochs-negative", "seed-negative", "epochs-superscript", "out-a-file", "out-inside-a-file",
        "out-unexpanded-tilde"])
def test_a_bad_option_of_a_course_script_is_one_line_before_anything_trains(option, message, tmp_path, capsys,
                                                                          monkeypatch):
    (tmp_path / "notes.txt").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    option = [text.format(file=tmp_path / "notes.txt") for text in option]
    message = message.format(file=tmp_path / "notes.txt", home=tmp_path / "home")
    monkeypatch.setattr(course_cli, "SCRIPTS", (SimpleNamespace(TASK="regression",
                                                                run=lambda *a, **k: pytest.fail("it trained")),))
    monkeypatch.setattr(course_cli, "rows_per_script", lambda *a: pytest.fail("it went on past the options"))
    for name, main in [("keras_models.course.real_data", course_cli.main),
                       ("keras_models.course.real_data.regression_diamonds",
                        lambda argv: workflow.command_line(course_cli.regression.run, "regression", argv))]:
        with pytest.raises(SystemExit) as stopped:
            main(option)
        assert stopped.value.code == 2
        assert capsys.readouterr() == ("", f"error: {message} (all options: .venv/bin/python -m {name} --help)\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_a_course_scripts_counts_start_at_1_and_its_seeds_end_where_numpys_legacy_seeding_does():
    """--epochs 1 is a count (0 is refused above); --seed's top edge is NumPy's (keras.utils.set_random_seed seeds
    np.random.seed, which takes 0 .. 2**32 - 1): the largest seed NumPy takes is taken, and the next one is one
    line, not a ValueError from inside Keras."""
    import numpy as np

    from keras_models.course.command_line import seed, whole_number

    assert whole_number("1") == 1

    np.random.RandomState(2**32 - 1)                           # the reference: the legacy seeding's own edges
    with pytest.raises(ValueError):
        np.random.RandomState(2**32)
    assert seed("4294967295") == 2**32 - 1
    with pytest.raises(argparse.ArgumentTypeError, match="must be a whole number from 0 to 4294967295, got "
                                                         "'4294967296'"):
        seed("4294967296")


def in_this_logs(monkeypatch, logs: Path) -> None:
    """The course scripts' default folders under `logs` instead of the repository's logs/ (course/folders.py)."""
    from keras_models.course import multi_worker

    monkeypatch.setattr(workflow, "DEFAULT_OUT", logs / "course")
    monkeypatch.setattr(course_cli, "DEFAULT_OUT", logs / "course")
    monkeypatch.setattr(multi_worker, "DEFAULT_OUT", logs / "multi_worker")


def test_an_out_folder_that_cannot_be_written_is_one_line_before_anything_trains_the_default_too(tmp_path, capsys,
                                                                                                  monkeypatch):
    """The line names the folder to put right: `make course` writes into logs/course, which its user never typed, and
    takes no --out, so "logs/course cannot be created in logs ...: give a folder you can write in" left nothing to do;
    and with logs/ not even enterable, "logs/course cannot be written (Permission denied)" did not name logs."""
    from keras_models.course import multi_worker

    monkeypatch.chdir(tmp_path)
    in_this_logs(monkeypatch, tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    as_for_a_learner(monkeypatch, tmp_path / "logs", read_only=True)
    monkeypatch.setattr(course_cli, "rows_per_script", lambda *a: pytest.fail("it went on past the options"))
    monkeypatch.setattr(multi_worker, "read_cluster", lambda *a: pytest.fail("it went on past the options"))
    for main, argv, what in [(course_cli.main, [], "logs/course cannot be created in logs"),    # make course's
                             (course_cli.main, ["--out", "logs"], "logs cannot be written"),
                             (multi_worker.main, [], "logs/multi_worker cannot be created in logs")]:
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
        out, err = capsys.readouterr()
        assert out == "" and err.startswith(f"error: argument --out: {what} (permission denied or a read-only file "
                                            "system): make logs a folder you can write in, or give another folder "
                                            "(all options: "), err
    as_for_a_learner(monkeypatch, tmp_path / "logs")          # not even enterable: exists() raises inside it
    for argv, what in [([], "logs/course"), (["--out", "logs/mine/course"], "logs/mine/course")]:
        with pytest.raises(SystemExit) as stopped:
            course_cli.main(argv)
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: argument --out: {what} cannot be written: logs may not be entered (Permission "
                              "denied): make logs a folder you can enter and write in, or give another folder (all "
                              "options: "), err



def test_under_make_an_out_folder_that_cannot_be_written_is_named_as_make_courses_own(tmp_path, capsys,
                                                                                     monkeypatch):
    """make course takes no --out, yet a read-only logs/ was "error: argument --out: logs/course cannot be created
    in logs ...: make logs a folder you can write in, or give another folder (all options: .venv/bin/python -m
    keras_models.course.real_data --help)": an option its user never typed, and a folder they could not give."""
    make = run_make(Path(__file__).resolve().parents[1], "-n", "course")
    assert make.stdout.splitlines()[-1] == "exec .venv/bin/python -m keras_models.course.real_data --via-make"
    monkeypatch.chdir(tmp_path)
    in_this_logs(monkeypatch, tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    as_for_a_learner(monkeypatch, tmp_path / "logs", read_only=True)
    monkeypatch.setattr(course_cli, "rows_per_script", lambda *a: pytest.fail("it went on past the options"))
    assert course_cli.main(["--via-make"]) == 2
    assert capsys.readouterr() == ("", "error: make course writes into logs/course, which cannot be created in logs "
                                       "(permission denied or a read-only file system): make logs a folder you can "
                                       "write in\n")


def test_an_out_folder_whose_name_is_too_long_is_that_line_not_its_folder_blamed(tmp_path):
    """exists() raises for a name longer than the file system takes, as it does inside a folder this user may not
    enter: the line said "logs may not be entered" of a logs/ anyone may enter."""
    from keras_models.course.command_line import folder

    (tmp_path / "logs").mkdir()
    too_long = tmp_path / "logs" / ("a" * 300) / "course"
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        folder(str(too_long))
    assert str(refused.value) == f"{too_long} cannot be written (File name too long): give another folder"


class Parser(Exception):
    """Raised by a stand-in for parse_args: the parser a command line was about to read with, and no run."""


def course_command_lines():
    from keras_models.course import multi_worker
    from keras_models.course.jupyter import lab
    from keras_models.train import board_server

    scripts = [lambda argv, script=script: workflow.command_line(script.run, script.TASK, argv)
               for script in course_cli.SCRIPTS]
    return [course_cli.main, *scripts, multi_worker.main, lab.main, board_server.main]


def test_every_option_of_the_course_and_tensorboard_command_lines_says_what_it_does_in_help(monkeypatch):
    def parser_of(self, args=None, namespace=None):
        raise Parser(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parser_of)
    monkeypatch.setattr(signal, "signal", lambda *args: None)      # make tensorboard's Ctrl-C handler: not here
    parsers = []
    for main in course_command_lines():
        with pytest.raises(Parser) as built:
            main([])
        parsers.append(built.value.args[0])
    assert [f"{parser.prog} {action.option_strings[-1]}" for parser in parsers for action in parser._actions
            if not action.help] == []
    # a course script's --help opens with its title, not with run()'s docstring ("files go to out_dir")
    assert [parser.prog for parser in parsers if "out_dir" in parser.description] == []


def test_the_course_scripts_default_folder_is_the_repositorys_logs_wherever_they_start(tmp_path, monkeypatch):
    """--out's default was Path("logs") / "course": `cd /tmp && .venv/bin/python -m keras_models.course.real_data`
    wrote into /tmp/logs/course/, which make tensorboard never shows (make train's logs/ was already the
    repository's). A folder typed with --out still means that folder from where it was typed."""
    from keras_models.course import multi_worker

    def parser_of(self, args=None, namespace=None):
        raise Parser(self)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parser_of)
    logs = Path(__file__).resolve().parents[1] / "logs"
    scripts = course_command_lines()[:len(course_cli.SCRIPTS) + 1]           # make course and its four scripts
    for main, expected in [*((script, logs / "course") for script in scripts), (multi_worker.main,
                                                                                logs / "multi_worker")]:
        with pytest.raises(Parser) as built:
            main([])
        assert Path(built.value.args[0].get_default("out")).resolve() == expected, built.value.args[0].prog
    assert list(tmp_path.iterdir()) == []


def test_the_make_tensorboard_line_names_a_folder_typed_elsewhere_as_make_reads_it(tmp_path, capsys, monkeypatch):
    """make runs in the repository's folder: `make lessons`'s and `make course`'s closing hint printed
    "make tensorboard LOGDIR=mine/..." for a --logdir mine / --out mine typed in another folder, and that make
    tensorboard answered "log directory mine/... does not exist"."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lessons, "run_all", lambda logdir: None)
    monkeypatch.setattr(course_cli, "SCRIPTS", ())
    assert lessons.main(["--logdir", "mine"]) == 0
    assert f"make tensorboard LOGDIR={tmp_path / 'mine'}\n" in capsys.readouterr().out
    assert course_cli.main(["--out", "mine"]) == 0
    assert capsys.readouterr().out == f"TensorBoard: make tensorboard LOGDIR={tmp_path / 'mine' / 'tensorboard'}\n"


def test_make_courses_make_tensorboard_line_quotes_a_folder_with_a_space(tmp_path, capsys, monkeypatch):
    """--out 'my course' ended with "make tensorboard LOGDIR=.../my course/tensorboard": copied, make reads
    LOGDIR=.../my and a target called course/tensorboard. make lessons and make train quote it."""
    monkeypatch.setattr(course_cli, "SCRIPTS", ())
    assert course_cli.main(["--out", str(tmp_path / "my course")]) == 0
    board = tmp_path / "my course" / "tensorboard"
    assert capsys.readouterr().out == f"TensorBoard: make tensorboard LOGDIR='{board}'\n"


def test_ctrl_c_during_make_course_is_one_line_and_exit_130_and_the_end_names_make_tensorboard(tmp_path, capsys,
                                                                                                 monkeypatch):
    def interrupted(out_dir, **settings):
        raise KeyboardInterrupt

    monkeypatch.setattr(course_cli, "SCRIPTS", (SimpleNamespace(TASK="binary", run=interrupted),))
    assert course_cli.main(["--out", str(tmp_path)]) == 130
    assert capsys.readouterr().out == (f"\nInterrupted; the scripts that finished have written their models and "
                                       f"curves to {tmp_path}/.\n")

    monkeypatch.setattr(course_cli, "SCRIPTS", ())
    assert course_cli.main(["--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"TensorBoard: make tensorboard LOGDIR={tmp_path / 'tensorboard'}\n"


def test_ctrl_c_during_a_course_script_run_alone_is_one_line_and_exit_130(tmp_path, capsys):
    """The script alone (`.venv/bin/python -m keras_models.course.real_data.X`) says so as make course does: 130 is
    the shell's status for a Ctrl-C, which a 1 (an error) would hide from a calling script or make."""
    def interrupted(out_dir, **settings):
        raise KeyboardInterrupt

    interrupted.__module__ = course_cli.binary.__name__   # the script's own run (imported by course_cli)
    with pytest.raises(SystemExit) as stopped:
        workflow.command_line(interrupted, "binary", ["--out", str(tmp_path)])
    assert (stopped.value.code, capsys.readouterr()) == (130, ("\nInterrupted.\n", ""))


def test_a_bad_option_of_a_course_script_run_as_a_program_names_the_scripts_own_help(capsys, monkeypatch):
    """Run with `-m`, the script's run() belongs to __main__: the hint must name the module the learner typed, not
    `.venv/bin/python -m __main__ --help`. runpy runs it as `-m` does (filter_tensorflow_chatter: not here)."""
    from keras_models.twins import tf_chatter

    script = "keras_models.course.real_data.classification_breast_cancer"
    monkeypatch.setattr(tf_chatter, "filter_tensorflow_chatter", lambda: None)
    monkeypatch.setattr(sys, "argv", [script, "--epochs", "0"])
    monkeypatch.delitem(sys.modules, script, raising=False)        # imported already: runpy warns of a second copy
    with pytest.raises(SystemExit) as stopped:
        runpy.run_module(script, run_name="__main__", alter_sys=True)
    assert stopped.value.code == 2
    assert capsys.readouterr() == ("", "error: argument --epochs: must be a whole number >= 1, got '0' (all options: "
                                       f".venv/bin/python -m {script} --help)\n")


def test_make_course_and_a_course_script_into_a_closed_pipe_are_one_line_not_a_traceback(tmp_path, capsys,
                                                                                        monkeypatch):
    # `make course | head -1`: the first script's report met the closed pipe: Python's BrokenPipeError traceback
    def ran(out_dir, **settings):
        return SimpleNamespace(report="binary classification on breast cancer: 48 epochs")

    monkeypatch.setattr(course_cli, "SCRIPTS", (SimpleNamespace(TASK="binary", run=ran),))
    monkeypatch.setattr(course_cli, "rows_per_script", lambda max_rows, seed: {"binary": None})
    with closed_pipe() as stdout:
        assert course_cli.main(["--out", str(tmp_path)]) == 1
        assert capsys.readouterr().err == output_closed("make course")
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"
    ran.__module__ = course_cli.binary.__name__    # the script's own run (imported by course_cli)
    with closed_pipe() as stdout:  # a pipe of its own: output_closed put /dev/null in that one
        with pytest.raises(SystemExit) as stopped:
            workflow.command_line(ran, "binary", ["--out", str(tmp_path)])
        assert (stopped.value.code, capsys.readouterr().err) == (
            1, output_closed("keras_models.course.real_data.classification_breast_cancer"))
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


def test_make_course_and_a_course_script_into_an_output_that_takes_no_more_are_one_line_not_a_traceback(
        tmp_path, capsys, monkeypatch):
    # `make course > /dev/full`: the first script's report met ENOSPC: Python's OSError traceback
    def ran(out_dir, **settings):
        return SimpleNamespace(report="binary classification on breast cancer: 48 epochs")

    monkeypatch.setattr(course_cli, "SCRIPTS", (SimpleNamespace(TASK="binary", run=ran),))
    monkeypatch.setattr(course_cli, "rows_per_script", lambda max_rows, seed: {"binary": None})
    assert started_into(dev_full, lambda: course_cli.main(["--out", str(tmp_path)])) == 1
    assert capsys.readouterr().err == output_full("make course")
    ran.__module__ = course_cli.binary.__name__    # the script's own run (imported by course_cli)
    with pytest.raises(SystemExit) as stopped:
        started_into(dev_full, lambda: workflow.command_line(ran, "binary", ["--out", str(tmp_path)]))
    assert (stopped.value.code, capsys.readouterr().err) == (
        1, output_full("keras_models.course.real_data.classification_breast_cancer"))


def test_ctrl_c_while_a_course_script_fits_waits_for_the_batch_end_and_is_raised_from_our_code(tmp_path,
                                                                                                sigint_raises):
    """workflow.fit holds SIGINT while Keras fits (keras_models/twins/interrupts.py): no fit runs here, a stand-in
    sends itself SIGINT, goes on, and ends its batch by calling every callback's on_train_batch_end."""
    went_on = []

    def fit(*args, callbacks, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        went_on.append(True)                                   # the signal did not raise here, inside "TensorFlow"
        for callback in callbacks:
            if isinstance(callback, HeldInterrupt):
                callback.on_train_batch_end(0)
        pytest.fail("the Ctrl-C was not raised at the batch end")

    prepared = SimpleNamespace(task="binary", X_train=None, y_train=None, X_val=None, y_val=None)
    with pytest.raises(KeyboardInterrupt):
        workflow.fit(SimpleNamespace(fit=fit), prepared, tmp_path, epochs=1, verbose=0, title="")
    assert went_on == [True]
