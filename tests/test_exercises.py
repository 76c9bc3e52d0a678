"""The graded exercises: the hints name the mistake, the targets are out of reach of trivial models, and
each exercise is kept once, as its solution: the learner's file is generated from it and never overwritten.
(That every grader passes its solution and fails the untouched skeleton: tests/test_notebooks.py.)
"""

from __future__ import annotations

import linecache
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from types import ModuleType

import nbformat
import numpy as np
import pytest
from conftest import UTF_16_WITHOUT_A_MARK, at_most, comments_as_text, line_of

from keras_models.course.exercises import grade as grade_cli
from keras_models.course.exercises import skeleton
from keras_models.course.exercises.fingerprints import fingerprint, fingerprints
from keras_models.course.exercises.graders import (
    EXERCISES,
    find,
    grade_file,
    grade_module,
    in_file,
    load_module,
    raised,
)
from keras_models.course.exercises.graders.checks import Fail, quoted
from keras_models.course.exercises.graders.judging import spelled_on
from keras_models.course.exercises.graders.shape_errors import explained
from keras_models.course.exercises.skeleton import (
    BEGIN,
    END,
    PLACEHOLDER,
    make_skeleton,
    reset,
    skeleton_of,
    write_missing,
)
from keras_models.course.exercises.which_file import Version, version_to_grade
from keras_models.course.jupyter import build
from keras_models.twins import repository

# Every grader passing its reference solution, and failing the untouched skeleton with "not done yet",
# is checked where a learner sees it: tests/test_notebooks.py runs each solution's notebook top to bottom
# (its "Grade it" cell must print PASS) and each learner notebook (its cell must say "not done yet: fill in
# the TODO in ...", as `make exercises` says; for ex01 and ex02 the very same verdict on the same file).
# Grading them here again would repeat that work.


def brief_of(exercise) -> str:
    """The exercise's brief (its solution file's comments) as one line of words, as it reads."""
    return comments_as_text(exercise.solution_path.read_text(encoding="utf-8"))


def test_the_repository_holds_each_exercise_once_as_its_solution():
    """The learner files are generated, not kept: git tracks only the solutions and ignores the copies."""
    folder = EXERCISES[0].learner_path.parent
    tracked = subprocess.run(["git", "ls-files", "."], cwd=folder, capture_output=True, text=True, check=True)
    names = set(tracked.stdout.split())
    for exercise in EXERCISES:
        assert f"solutions/{exercise.stem}.py" in names, f"{exercise.name}'s solution is not in the repository"
        assert f"{exercise.stem}.py" not in names, f"{exercise.name}'s learner file is committed: only its solution is"
        ignored = subprocess.run(["git", "check-ignore", "-q", exercise.learner_path.name], cwd=folder, check=False)
        assert ignored.returncode == 0, f"{exercise.learner_path.name} is not git-ignored"
    # the record of what make setup wrote in them is this checkout's: make release, which copies what git tracks,
    # leaves it out, and in a learner copy (whose .gitignore keeps this line) it is not committed with their work
    ignored = subprocess.run(["git", "check-ignore", "-q", RECORD], cwd=folder, check=False)
    assert ignored.returncode == 0, f"{RECORD} is not git-ignored"


def test_write_missing_writes_skeletons_and_never_touches_a_learners_file(tmp_path):
    ex01, ex02 = find("ex01"), find("ex02")
    mine = tmp_path / ex01.learner_path.name
    mine.write_text("# my work in progress\n", encoding="utf-8")
    pairs = [(ex01.solution_path, mine), (ex02.solution_path, tmp_path / ex02.learner_path.name)]
    assert write_missing(pairs) == [tmp_path / ex02.learner_path.name]
    assert mine.read_text(encoding="utf-8") == "# my work in progress\n"
    assert (tmp_path / ex02.learner_path.name).read_text(encoding="utf-8") == skeleton_of(ex02.solution_path)
    assert write_missing(pairs) == []                                      # nothing left to write


def test_written_by_root_in_a_learners_folder_the_exercise_files_are_the_learners(tmp_path, monkeypatch):
    """sudo make setup in ann's checkout wrote her exercise files as root's, which she could not edit; a sudo make
    exercise-reset did the same. Root's chown is stood in for, so that any user can run this test."""
    ex01, ex02 = find("ex01"), find("ex02")
    folder = tmp_path / "checkout"
    folder.mkdir()
    if os.geteuid() == 0:                                  # the tests run as root: the checkout is another user's
        os.chown(folder, 4321, 4322)
    owner = (folder.stat().st_uid, folder.stat().st_gid)
    given = {}
    monkeypatch.setattr(os, "geteuid", lambda: 0)

    def chown(path, uid, gid):                              # uid -1: atomic_write keeping the old file's group
        if uid != -1:
            given[Path(path).name] = (uid, gid)
    monkeypatch.setattr(os, "chown", chown)
    write_missing([(ex01.solution_path, folder / "ex01.py")])
    (folder / "ex02.py").write_text("# my work in progress\n", encoding="utf-8")
    reset(ex02.solution_path, folder / "ex02.py", tmp_path / "backup")
    assert given == {"ex01.py": owner, "ex02.py": owner, RECORD: owner}      # the record of what was written too


RECORD = ".as_written.json"                            # beside the learner files: {"sha256": {file name: hex}}
PULLED = "\n# a line a git pull brought into the solution\n"


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A checkout in tmp_path: (its solutions, copies a git pull can change; the folder of the learner's files), with
    make exercise-reset's backups in tmp_path/backup (conftest's exercises_reset_into)."""
    from conftest import exercises_reset_into

    from keras_models.course.exercises import graders

    exercises_reset_into(tmp_path, monkeypatch)
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for exercise in EXERCISES:
        solutions.joinpath(exercise.solution_path.name).write_bytes(exercise.solution_path.read_bytes())
    monkeypatch.setattr(graders, "SOLUTIONS_DIR", solutions)
    return solutions, tmp_path / "exercises"


def make_setup(capsys) -> tuple[int, str, str]:
    """What make setup runs after installing: grade.py --write-missing; (status, stdout, stderr)."""
    status = grade_cli.main(["--write-missing"])
    out, err = capsys.readouterr()
    return status, out, err


def git_pull(solution: Path) -> None:
    solution.write_text(solution.read_text(encoding="utf-8") + PULLED, encoding="utf-8")


def test_after_a_pull_an_untouched_exercise_file_is_written_from_the_new_skeleton_and_named(course, capsys):
    """An exercise the learner never opened follows the course, and one line says so; without a change, nothing."""
    solutions, exercises = course
    assert make_setup(capsys)[0] == 0
    assert make_setup(capsys) == (0, "", "")                               # the skeletons did not change
    git_pull(solutions / "ex04_diamonds_regression.py")
    assert make_setup(capsys) == (0, "exercises/ex04_diamonds_regression.py: the course's new version "
                                     "(you had not changed yours)\n", "")
    learner = exercises / "ex04_diamonds_regression.py"
    assert learner.read_text(encoding="utf-8") == make_skeleton(
        find("ex04").solution_path.read_text(encoding="utf-8"))
    assert learner.read_text(encoding="utf-8").endswith(PULLED)
    assert make_setup(capsys) == (0, "", "")                               # and it is still known untouched
    git_pull(solutions / "ex04_diamonds_regression.py")
    assert "ex04_diamonds_regression.py: the course's new version" in make_setup(capsys)[1]


def test_a_file_written_anew_after_a_pull_is_recorded_by_the_writer_itself(course, capsys):
    """write_new_versions records what it wrote, whoever calls it and whatever runs after it: a second pull finds the
    file known untouched even when nothing else (write_missing) ran in between."""
    from keras_models.course.exercises.skeleton import write_new_versions

    solutions, exercises = course
    assert make_setup(capsys)[0] == 0
    pair = [(solutions / "ex04_diamonds_regression.py", exercises / "ex04_diamonds_regression.py")]
    for _ in range(2):
        git_pull(solutions / "ex04_diamonds_regression.py")
        assert write_new_versions(pair) == [exercises / "ex04_diamonds_regression.py"]


@pytest.mark.parametrize("before_the_pull", [
    "edited", "record-missing", "record-a-folder", b'{"sha256": {"ex04_diamonds_regr', b"\xff\xfe{}", b"[]",
    b'{"sha256": []}', b'{"sha256": {"ex04_diamonds_regression.py": 4}}', b"", b"[" * 100_000,
    b'["sha256"]', b'{"sha256": ["ex04_diamonds_regression.py"]}',
], ids=["edited", "record-missing", "record-a-folder", "cut-short", "not-utf8", "a-list", "sha256-a-list",
        "sha256-a-number", "empty", "nested-too-deep", "a-list-of-a-name", "sha256-a-list-of-a-name"])
def test_after_a_pull_a_file_not_known_untouched_is_left_as_it_is_without_a_word(course, capsys, before_the_pull):
    """The learner's work is never touched; nor is a file whose record is missing (a clone set up before there was
    one) or damaged: not known untouched, it is kept as it is, as it always was, and no traceback."""
    solutions, exercises = course
    assert make_setup(capsys)[0] == 0
    learner, record = exercises / "ex04_diamonds_regression.py", exercises / RECORD
    if before_the_pull == "edited":
        learner.write_text(learner.read_text(encoding="utf-8").replace("raise NotImplementedError", "pass  # mine", 1),
                           encoding="utf-8")
    elif before_the_pull == "record-missing":
        record.unlink()
    elif before_the_pull == "record-a-folder":
        record.unlink()
        record.mkdir()
    else:
        record.write_bytes(before_the_pull)
    kept = learner.read_bytes()
    git_pull(solutions / "ex04_diamonds_regression.py")
    assert make_setup(capsys) == (0, "", "")
    assert learner.read_bytes() == kept


@pytest.mark.parametrize("mine", ["# my work in progress\n", None], ids=["edited", "already-the-skeleton"])
def test_an_exercise_reset_is_known_untouched_and_follows_the_next_pull(course, capsys, mine):
    solutions, exercises = course
    assert make_setup(capsys)[0] == 0
    (exercises / RECORD).unlink()                                           # set up before there was a record
    learner = exercises / "ex03_keras_basics.py"
    if mine is not None:
        learner.write_text(mine, encoding="utf-8")
    assert grade_cli.main(["--reset", "ex03"]) == 0
    capsys.readouterr()
    git_pull(solutions / "ex03_keras_basics.py")
    assert make_setup(capsys) == (0, "exercises/ex03_keras_basics.py: the course's new version "
                                     "(you had not changed yours)\n", "")
    assert learner.read_text(encoding="utf-8").endswith(PULLED)


def test_a_file_set_up_before_the_record_that_is_the_skeleton_today_follows_the_next_pull(course, capsys):
    """A clone set up before the record: a file that holds its skeleton as it is now holds nothing of the learner's
    (whatever they did, it reads as the course wrote it); it is recorded, silently, and follows from then on."""
    solutions, exercises = course
    assert make_setup(capsys)[0] == 0
    (exercises / RECORD).unlink()
    assert make_setup(capsys) == (0, "", "")
    git_pull(solutions / "ex05_breast_cancer_dropout.py")
    assert make_setup(capsys)[1] == ("exercises/ex05_breast_cancer_dropout.py: the course's new version "
                                     "(you had not changed yours)\n")


def test_make_notebooks_after_a_pull_writes_an_untouched_exercise_and_its_untouched_notebook_again(
        course, capsys, monkeypatch):
    solutions, exercises = course
    monkeypatch.setattr(build, "LESSONS", [])                           # the exercises' notebooks only
    monkeypatch.setattr(build, "SOLUTIONS_DIR", solutions / "not here")
    notebooks = exercises.parent / "notebooks"
    assert make_setup(capsys)[0] == 0
    build.build(notebooks, exercises.parent / "backup")
    git_pull(solutions / "ex03_keras_basics.py")
    capsys.readouterr()
    done = build.build(notebooks, exercises.parent / "backup")
    assert capsys.readouterr().out == ("exercises/ex03_keras_basics.py: the course's new version "
                                       "(you had not changed yours)\n")
    assert ("ex03_keras_basics", "rewritten") in done["exercises"]
    notebook = nbformat.read(notebooks / "exercises" / "ex03_keras_basics.ipynb", as_version=4)
    assert "a line a git pull brought into the solution" in notebook.cells[-1].source


@pytest.mark.parametrize("worked_in, before_the_reset, backed_up", [
    ((), "", ()),
    ((".py",), "", (".py",)),                          # make notebooks then wrote the notebook from it: the .py's copy
    ((".ipynb",), "", (".ipynb",)),
    ((".py", ".ipynb"), "", (".py", ".ipynb")),
    ((), "pull", ()),                                  # both the course's earlier version: nothing of the learner's
    ((".py",), "pull", (".py",)),
    ((".ipynb",), "pull", (".ipynb",)),
    ((), "pull, record damaged", (".py",)),            # the .py not known untouched: kept; the notebook says it is
], ids=["neither", "py", "notebook", "both", "pull", "pull-py", "pull-notebook", "pull-record-damaged"])
def test_exercise_reset_backs_up_only_what_the_learner_worked_in_and_says_so(course, capsys, monkeypatch, worked_in,
                                                                             before_the_reset, backed_up):
    """make exercise-reset keeps a file only when it holds the learner's work, the one rule make notebooks and a
    pull follow too (as_written.learners_work): not when it is what the course wrote in it -- an earlier version
    after a pull, or a notebook make notebooks wrote from the learner's .py, whose work the .py's backup holds.
    Every line that says "your ... is in" names a backup, and there is one for each file worked in."""
    solutions, exercises = course
    monkeypatch.setattr(build, "LESSONS", [])                           # the exercises' notebooks only
    monkeypatch.setattr(build, "SOLUTIONS_DIR", solutions / "not here")
    notebooks, backups = exercises.parent / "notebooks", exercises.parent / "backup"
    learner, notebook = exercises / "ex03_keras_basics.py", notebooks / "exercises" / "ex03_keras_basics.ipynb"
    assert make_setup(capsys)[0] == 0
    build.build(notebooks, backups)
    if ".ipynb" in worked_in:
        mine = nbformat.read(notebook, as_version=4)
        mine.cells[2].source += "\nmy_notes = 42"
        nbformat.write(mine, notebook)
    if ".py" in worked_in:
        learner.write_text(learner.read_text(encoding="utf-8").replace("raise NotImplementedError", "pass  # mine", 1),
                           encoding="utf-8")
    build.build(notebooks, backups)                                     # make lab: the notebooks first
    if "pull" in before_the_reset:
        git_pull(solutions / "ex03_keras_basics.py")
    if "record damaged" in before_the_reset:
        (exercises / RECORD).write_bytes(b'{"sha256": {"ex03_keras_ba')
    capsys.readouterr()
    assert grade_cli.main(["--reset", "ex03"]) == 0
    out = capsys.readouterr().out
    kept = sorted(backups.glob("ex03_keras_basics.*")) if backups.exists() else []
    assert tuple(sorted(path.suffix for path in kept)) == tuple(sorted(backed_up))
    assert out.count(" is in backup/") == len(kept) and all(f"backup/{path.name}\n" in out for path in kept)
    if "pull" in before_the_reset and ".py" not in backed_up:
        assert out.startswith("exercises/ex03_keras_basics.py was the course's earlier version, which you had not "
                              "changed: wrote its new version\n")
    skeleton_now = make_skeleton((solutions / "ex03_keras_basics.py").read_text(encoding="utf-8"))
    assert learner.read_text(encoding="utf-8") == skeleton_now
    assert fingerprints(notebook)[0] == fingerprint(build.exercise_notebook(learner, paired=True))


def test_a_notebooks_fingerprint_changes_with_a_cells_type_or_source_not_with_its_outputs_or_metadata():
    """What a notebook says is its cells' types and sources: a markdown cell turned into code (same text) is the
    learner's work and changes the fingerprint; running the cells (outputs, counts) or metadata does not."""
    written = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x = 1"),
                                              nbformat.v4.new_code_cell("print(x)")])
    ran = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x = 1"),
                                          nbformat.v4.new_code_cell("print(x)", execution_count=3, outputs=[
                                              nbformat.v4.new_output("stream", text="1\n")])],
                                   metadata={"inside_the_network": {"inputs_sha256": "0" * 64}})
    retyped = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                              nbformat.v4.new_code_cell("print(x)")])
    edited = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x = 2"),
                                             nbformat.v4.new_code_cell("print(x)")])
    assert fingerprint(ran) == fingerprint(written)
    assert len({fingerprint(written), fingerprint(retyped), fingerprint(edited)}) == 3


EX01 = find("ex01")
UNTOUCHED, SOLVED = skeleton_of(EX01.solution_path), EX01.solution_path.read_text(encoding="utf-8")
MAKE_NOTEBOOKS = object()                              # the notebook as `make notebooks` writes it
WORKED_IN = object()                                   # ... and then the learner's work in it


@pytest.mark.parametrize("script, notebook, notebook_later_by, graded, why", [
    (SOLVED, None, 0, ".py", ""),
    (None, SOLVED, 0, ".ipynb", ""),
    (UNTOUCHED, SOLVED, 0, ".ipynb", "it has fewer TODOs left than ex01_perceptron_activations.py"),   # a git clone
    (SOLVED, UNTOUCHED, 5, ".py", "it has fewer TODOs left than ex01_perceptron_activations.ipynb"),
    (SOLVED, SOLVED.replace("1.0", "2.0"), 5, ".ipynb", "you saved it after the .py"),    # same TODOs: the later
    (SOLVED, SOLVED.replace("1.0", "2.0"), 0.5, ".py", ""),                # within jupytext's second: the pair
    (UNTOUCHED, b'{"cells": [', 5, ".ipynb", "you saved it after the .py"),  # unreadable: its error is the verdict
    (UNTOUCHED, b'{"cells": [', 0, ".py", "ex01_perceptron_activations.ipynb is not a Jupyter notebook (not JSON: "
                                          "Expecting value, line 1 column 12)"),  # why the notebook was not graded
    (UNTOUCHED, MAKE_NOTEBOOKS, 5, ".py", ""),           # make notebooks wrote it later; nobody worked in it
    (SOLVED.replace("1.0", "2.0"), MAKE_NOTEBOOKS, 5, ".py", ""),  # ... and the learner went on in the .py
    (UNTOUCHED, WORKED_IN, 0, ".ipynb", "it has fewer TODOs left than ex01_perceptron_activations.py"),  # a clone
    ("", SOLVED, 0, ".ipynb", "ex01_perceptron_activations.py has no code in it"),   # 0 TODOs, nothing done: a sync
    (SOLVED, b"", 5, ".py", "ex01_perceptron_activations.ipynb has no code in it"),  # the notebook's sync, saved later
    ("\n  \n", SOLVED, 0, ".ipynb", "ex01_perceptron_activations.py has no code in it"),  # blanks: no code either
    (SOLVED, "# notes\n", 5, ".ipynb", "you saved it after the .py"),   # notes are not an unfinished sync
], ids=["py-alone", "notebook-alone", "clone-work-in-notebook", "work-in-py-notebook-later", "notebook-later",
        "saved-together", "broken-notebook-later", "broken-notebook-beside-py", "as-make-notebooks-wrote-it",
        "as-written-from-an-earlier-py", "make-notebooks-then-worked-in", "empty-py-beside-a-notebook",
        "empty-notebook-saved-after-a-py",
        "blank-py-beside-a-notebook",
        "notes-notebook-saved-later"])
def test_the_file_graded_is_the_one_holding_the_work_then_the_one_saved_last(tmp_path, script, notebook,
                                                                           notebook_later_by, graded, why):
    """make exercises, make exercise-run and make grade all take the file version_to_grade picks."""
    script_path, notebook_path = tmp_path / f"{EX01.stem}.py", tmp_path / f"{EX01.stem}.ipynb"
    if script is not None:
        script_path.write_text(script, encoding="utf-8")
        os.utime(script_path, (1_000_000_000,) * 2)
    if notebook is MAKE_NOTEBOOKS:                       # from the .py as it was before the learner went on
        written_from = tmp_path / "earlier" / script_path.name
        written_from.parent.mkdir()
        written_from.write_text(script if script == UNTOUCHED else SOLVED, encoding="utf-8")
        nbformat.write(build.exercise_notebook(written_from, paired=True), notebook_path)
    elif notebook is WORKED_IN:                          # written by make notebooks, then every TODO filled in it
        written = build.exercise_notebook(script_path, paired=True)
        for cell in written.cells:
            cell.source = cell.source.replace(PLACEHOLDER, "return 0.0")
        nbformat.write(written, notebook_path)
    elif isinstance(notebook, bytes):
        notebook_path.write_bytes(notebook)
    elif notebook is not None:
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(notebook)]), notebook_path)
    if notebook is not None:
        os.utime(notebook_path, (1_000_000_000 + notebook_later_by,) * 2)
    both = script is not None and notebook is not None
    assert version_to_grade(script_path, notebook_path) == Version(tmp_path / f"{EX01.stem}{graded}", why, both)


@pytest.mark.parametrize("ahead", [".py", ".ipynb"])
def test_a_file_dated_in_the_future_does_not_count_as_saved_after_the_other(tmp_path, ahead):
    """With as many TODOs left, the one saved more than a second later: a .py dated tomorrow (a clock put right since,
    a ZIP unpacked across time zones) was graded however often the learner saved the notebook they worked in."""
    script_path, notebook_path = tmp_path / f"{EX01.stem}.py", tmp_path / f"{EX01.stem}.ipynb"
    script_path.write_text(SOLVED, encoding="utf-8")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLVED.replace("1.0", "2.0"))]),
                   notebook_path)
    future, other = (script_path, notebook_path) if ahead == ".py" else (notebook_path, script_path)
    tomorrow = time.time() + 86_400
    os.utime(future, (tomorrow,) * 2)
    os.utime(other, (time.time(),) * 2)                          # saved just now
    chosen = version_to_grade(script_path, notebook_path)
    assert chosen.path == other, chosen
    assert chosen.why == (f"{future.name} is dated {time.strftime('%Y-%m-%d %H:%M', time.localtime(tomorrow))}, "
                          "later than this machine's clock says it is now: its time says nothing of when it was saved")


def test_both_files_dated_in_the_future_are_told_apart_by_when_each_was_saved(tmp_path):
    """A ZIP unpacked across time zones dates both files ahead of the clock: neither says more than the other, so the
    one saved more than a second later counts, as when neither is ahead (not a ValueError from the code that picks
    the one file that is not ahead)."""
    script_path, notebook_path = tmp_path / f"{EX01.stem}.py", tmp_path / f"{EX01.stem}.ipynb"
    script_path.write_text(SOLVED, encoding="utf-8")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLVED.replace("1.0", "2.0"))]),
                   notebook_path)
    tomorrow = time.time() + 86_400
    os.utime(script_path, (tomorrow,) * 2)
    os.utime(notebook_path, (tomorrow + 5,) * 2)
    assert version_to_grade(script_path, notebook_path) == Version(notebook_path, "you saved it after the .py", True)


def test_two_empty_files_grade_the_py_not_a_traceback(tmp_path):
    """A sync that never finished, for both: neither holds work, so neither is "the other one"; the .py, as when
    nothing tells the two apart (not a ValueError from the code that picks the one file that is not empty)."""
    script_path, notebook_path = tmp_path / f"{EX01.stem}.py", tmp_path / f"{EX01.stem}.ipynb"
    script_path.write_bytes(b"")
    notebook_path.write_bytes(b"  \n")
    for path in (script_path, notebook_path):
        os.utime(path, (1_000_000_000,) * 2)
    chosen = version_to_grade(script_path, notebook_path)
    assert (chosen.path, chosen.of_two) == (script_path, True), chosen


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_a_file_saved_with_a_byte_order_mark_grades_as_python_runs_it(tmp_path, suffix):
    """Windows Notepad starts UTF-8 with the bytes EF BB BF; Python skips them, so the grader does too."""
    path = tmp_path / f"{EX01.stem}{suffix}"
    if suffix == ".py":
        path.write_text(SOLVED, encoding="utf-8")
    else:
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLVED)]), path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = grade_file(EX01, path, tmp_path)
    assert result.passed, result.message


def test_a_coding_line_that_declares_utf8_is_not_blamed_for_a_byte_that_is_not(tmp_path):
    """`# -*- coding: utf-8 -*-` is what Python reads anyway: the byte at fault is named by its place, and the learner
    is not told to delete a right line ("its line 1 declares utf-8: ... delete that line")."""
    exercise = find("ex01")
    path = tmp_path / f"{exercise.stem}.py"
    path.write_bytes(b"# -*- coding: utf-8 -*-\nname = 'Ren\xe9'\n")
    assert grade_file(exercise, path, tmp_path).message == (
        f"{path.name} is not UTF-8 text (byte 0xe9 at position 35, line 2: 'é' in Windows-1252): save it as UTF-8")


def test_a_notebook_marked_4_2_whose_cells_have_ids_grades_as_jupyter_runs_it(tmp_path):
    """VS Code saves notebooks as nbformat 4.2, and with cell ids, which came with 4.5: nbformat's validation refused
    it ("Additional properties are not allowed ('id' was unexpected)"), a 0 for a notebook Jupyter runs."""
    path = tmp_path / f"{EX01.stem}.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLVED)])      # its cells have ids
    notebook.nbformat_minor = 2
    path.write_text(nbformat.writes(notebook, version=nbformat.NO_CONVERT), encoding="utf-8")
    assert '"id"' in path.read_text(encoding="utf-8") and '"nbformat_minor": 2' in path.read_text(encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    assert result.passed, result.message


def test_a_name_missing_from_the_learners_file_is_one_line_naming_it(tmp_path):
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(SOLVED.replace("class Sigmoid", "class Sigmoidal"), encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    assert (result.passed, result.message) == (False, "your code defines no Sigmoid, which the exercise asks for "
                                                      "(in a notebook: run the cell that defines it; deleted or "
                                                      "renamed: make exercise-reset NAME=ex01 starts the exercise "
                                                      "over)")


@pytest.mark.parametrize("exercise", EXERCISES, ids=[exercise.name for exercise in EXERCISES])
def test_a_name_the_grader_needs_last_is_named_before_the_grader_calls_anything(exercise, tmp_path):
    """A notebook whose last function's cell was not run (ex05's predict_labels): the grade cell trained a model for
    10 s before it said "your code defines no predict_labels". Every other name is there, and calling any fails."""
    def called(*args, **kwargs):
        raise AssertionError("the grader called the learner's code before it checked the names")

    needs = exercise.grader.NEEDS
    namespace = ModuleType("_graded_here_notebook")
    for name in needs[:-1]:
        setattr(namespace, name, called)
    result = grade_module(exercise, namespace, tmp_path, lambda filename: False)
    assert result.message.startswith(f"your code defines no {needs[-1]}, which the exercise asks for")
    assert result.lacks_a_name


@pytest.mark.parametrize("name", ["ex01", "ex03"])
def test_a_fail_under_a_float16_floatx_names_it_in_a_keras_exercise(name, tmp_path, monkeypatch):
    """A learner's keras.config.set_floatx("float16") at the top of ex03 failed it with "the training loss did not go
    down (nan -> nan)", with no word of floatx. The clause comes in the Keras exercises only (ex01 and ex02 are
    NumPy), under float32 or float64 (which loses no small step) in none, nor on a TODO not done yet."""
    from conftest import floatx

    assert [exercise.name for exercise in EXERCISES if getattr(exercise.grader, "KERAS", False)] == [
        "ex03", "ex04", "ex05", "ex06", "ex07"]
    exercise = find(name)

    def nan_loss(*args, **kwargs):
        raise ValueError("the loss is nan")

    namespace = ModuleType("_graded_here_notebook")
    for needed in exercise.grader.NEEDS:
        setattr(namespace, needed, nan_loss)
    clause = ("; keras.config.floatx() is 'float16', set at run time (a keras.config.set_floatx call in your code?): "
              "float16 loses the small steps training takes; remove the set_floatx call")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))                  # no keras.json there: Keras' float32
    with floatx("float16"):
        under_float16 = grade_module(exercise, namespace, tmp_path, lambda filename: filename == __file__).message
    with floatx("float32"):
        under_float32 = grade_module(exercise, namespace, tmp_path, lambda filename: filename == __file__).message
    with floatx("float64"):
        under_float64 = grade_module(exercise, namespace, tmp_path, lambda filename: filename == __file__).message
    assert under_float64 == under_float32
    assert under_float32.startswith("your code raised ValueError in ") and under_float32.endswith("the loss is nan")
    assert under_float16 == under_float32 + (clause if name == "ex03" else "")

    def todo(*args, **kwargs):
        raise NotImplementedError
    for needed in exercise.grader.NEEDS:                             # a TODO left is no model's fault: no clause
        setattr(namespace, needed, todo)
    with floatx("float16"):
        not_done = grade_module(exercise, namespace, tmp_path, lambda filename: filename == __file__).message
    assert not_done == f"not done yet: fill in the TODO in {todo.__qualname__}", not_done


@pytest.mark.parametrize("keras_json, says", [
    ('{"floatx": "float16"}', "; keras.config.floatx() is 'float16', from \"floatx\" in {json}: float16 loses the "
                              "small steps training takes; set it to \"float32\" there"),
    ('{"floatx": "float32"}', "; keras.config.floatx() is 'float16', set at run time (a keras.config.set_floatx call "
                              "in your code?): float16 loses the small steps training takes; remove the set_floatx "
                              "call"),
], ids=["keras-json", "set-at-run-time"])
def test_the_floatx_clause_says_where_the_float16_came_from(keras_json, says, tmp_path, monkeypatch):
    """A learner's ~/.keras/keras.json with "floatx": "float16" was told "(set by your code?) ... remove the
    set_floatx call", a call that is not in the code. Keras reads keras.json in KERAS_HOME (else ~/.keras)."""
    # Keras loaded before KERAS_HOME moves: it reads keras.json once, as it loads, and a worker that first imported
    # it under this test's float16 keras.json kept float16 for every later test there
    import keras  # noqa: F401
    from conftest import floatx

    from keras_models.course.exercises.graders.judging import narrow_floatx_clause

    home = tmp_path / "a\nhome"                                     # a path with a line break: still one line
    home.mkdir()
    (home / "keras.json").write_text(keras_json)
    monkeypatch.setenv("KERAS_HOME", str(home))
    with floatx("float16"):
        clause = narrow_floatx_clause(find("ex03"))
    assert clause == says.format(json=f"{tmp_path}/a\\nhome/keras.json")


@pytest.mark.parametrize("exercise", EXERCISES, ids=[exercise.name for exercise in EXERCISES])
def test_the_names_a_grader_declares_are_every_name_its_code_reads_from_the_learners(exercise):
    """NEEDS is checked before the grader runs: a name the grader reads and NEEDS leaves out would still be found
    missing only when the grader reaches it (ex06's load_housing is the file's to have or not)."""
    source = Path(exercise.grader.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r"\bmodule\.(\w+)", source)) - {"load_housing"}
    if exercise.name == "ex01":                                    # getattr(module, name) for each activation
        read |= set(exercise.grader.FORMULAS)
    assert set(exercise.grader.NEEDS) == read


@pytest.mark.parametrize("suffix, content", [
    (".py", b""), (".py", b"\n   \n# my notes: start with run()\n"),
    (".ipynb", nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# ex01")])).encode()),
], ids=["empty-file", "comments-only", "notebook-of-markdown"])
def test_a_file_with_no_code_is_told_so_in_the_words_of_make_exercise_run(tmp_path, suffix, content):
    """Not "your code defines no Perceptron1D ... (in a notebook: run the cell that defines it ...)": there is no
    cell to run, and make exercise-run says "has no code in it" of the same file."""
    path = tmp_path / f"{EX01.stem}{suffix}"
    path.write_bytes(content)
    result = grade_file(EX01, path, tmp_path)
    assert (result.passed, result.message) == (False, f"{path.name} has no code in it, so there is nothing to grade: "
                                                      "write the exercise there, or start over with make "
                                                      "exercise-reset NAME=ex01")


@pytest.mark.parametrize("code", ["x = a" + ".b" * 100_000 + "\n", "x = " + "-" * 100_000 + "1\n"],
                         ids=["attributes-too-deep", "signs-too-deep"])
def test_a_file_nested_too_deeply_to_compile_is_one_line_saying_so_not_a_traceback(tmp_path, code):
    """has_no_code parses the file before it is loaded: the parser's RecursionError or MemoryError escaped grade_file
    (a traceback from make exercises); then compiling it blamed the grader ("the grader could not check your code:
    RecursionError in _compiled ... check what your functions return")."""
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(code, encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    assert (result.passed, result.message) == (
        False, f"the file does not parse: its code is nested too deeply for Python to compile, in {path.name}: "
               "split the longest expression into steps")


def test_a_notebook_downloaded_as_python_is_told_to_lose_its_get_ipython_lines(tmp_path):
    """Jupyter's File > Download as > Python writes `%matplotlib inline` as get_ipython().run_line_magic(...), a
    name that only a notebook's kernel defines: the NameError alone does not say where the line came from."""
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(SOLVED + "\n# In[9]:\n\nget_ipython().run_line_magic('matplotlib', 'inline')\n", encoding="utf-8")
    at = len(SOLVED.splitlines()) + 4
    result = grade_file(EX01, path, tmp_path)
    assert (result.passed, result.message) == (
        False, f"your code raised NameError in the top level of the file (line {at} of {EX01.stem}.py): name "
               "'get_ipython' is not defined -- a notebook downloaded as Python keeps IPython's lines (%magics, "
               "!commands) as get_ipython() calls: delete them, or hand in the .ipynb")


@pytest.mark.parametrize("argument, number, instead", [
    ("kernel_regularizer", "0.01", "keras.regularizers.l2(0.01)"),
    ("kernel_regularizer", "1", "keras.regularizers.l2(1)"),
    ("bias_regularizer", "0.01", "keras.regularizers.l2(0.01)"),      # not "kernel_regularizer=...": not its argument
    ("kernel_regularizer", "-0.01", "keras.regularizers.l2(...), its factor 0 or more"),   # l2(-0.01): a ValueError
])
def test_a_number_as_a_regularizer_is_told_to_be_keras_regularizers_l2(tmp_path, argument, number, instead):
    """Dense(..., kernel_regularizer=0.01), the factor alone: Keras says only "Could not interpret regularizer
    identifier: 0.01", which does not say what it wants instead -- a regularizer object or its name. Keras words a
    bias_regularizer or activity_regularizer the same, and refuses keras.regularizers.l2 a negative factor."""
    ex05 = find("ex05")
    dense = 'keras.layers.Dense(16, activation="relu")'
    solution = ex05.solution_path.read_text(encoding="utf-8")
    assert solution.count(dense) == 1
    path = tmp_path / f"{ex05.stem}.py"
    path.write_text(solution.replace(dense, dense[:-1] + f", {argument}={number})"), encoding="utf-8")
    result = grade_file(ex05, path, tmp_path)
    assert not result.passed
    assert result.message.endswith(
        f"Could not interpret regularizer identifier: {number} -- a regularizer is an object, not a number: "
        f"{instead} (or L1, L1L2; or the name \"l2\", factor 0.01)"), result.message


@pytest.mark.parametrize("right, wrong, kind, name, suggestion, raised_in", [
    ('Dense(16, activation="relu")', 'Dense(16, activation="Relu")', "activation", "Relu", "relu", "build_model"),
    ("optimizer=keras.optimizers.Adam(learning_rate=0.01)", 'optimizer="Adam()"', "optimizer", "Adam()", "adam",
     "build_model"),
    ('metrics=["accuracy"])', 'metrics=["acuracy"])', "metric", "acuracy", "accuracy", "train"),
])
def test_a_name_keras_does_not_know_is_told_its_line_and_the_nearest_name(tmp_path, right, wrong, kind, name,
                                                                          suggestion, raised_in):
    """activation="Relu", optimizer="Adam()", metrics=["acuracy"]: Keras says only "Could not interpret ...
    identifier". The hint names the line of the name and the nearest name Keras knows; of a metric, read at the first
    fit, why the error is raised in train, not where compile spells it."""
    message = _graded_with("ex05", tmp_path, (right, wrong))
    solution = find("ex05").solution_path
    at = line_of(_changed_solution("ex05", (right, wrong)), wrong)
    assert f"your code raised ValueError in {raised_in} " in message, message
    fit_line = "; Keras reads compile's metric only when fit first runs, hence the fit line" if kind == "metric" else ""
    assert message.endswith(f'-- Keras knows no {kind} named "{name}" (line {at} of {solution.name}): did you mean '
                            f'"{suggestion}"?{fit_line}'), message


@pytest.mark.parametrize("right, wrong, ending", [
    ("optimizer=keras.optimizers.Adam(learning_rate=0.01)", "optimizer=keras.optimizers.Adam",
     r"identifier: <class 'keras\.src\.optimizers\.adam\.Adam'> -- that is the class Adam, not an object of it: "
     r"write Adam\(\), with its parentheses"),
    ('Dense(16, activation="relu")', "Dense(16, activation=5)",
     r"Could not interpret activation function identifier: 5"),
], ids=["a-class", "a-number"])
def test_an_identifier_that_is_not_a_name_is_not_told_keras_knows_no_such_name(tmp_path, right, wrong, ending):
    """optimizer=keras.optimizers.Adam (the parentheses forgotten), activation=5: the hint for a misspelt name said
    'Keras knows no optimizer named "<class 'keras.src.optimizers.adam.Adam'>"' and 'no activation named "5"'."""
    message = _graded_with("ex05", tmp_path, (right, wrong))
    assert re.search(ending + "$", message), message


@pytest.mark.parametrize("wrong, given", [('Dense("16", activation="relu")',
                                           'the string "16" (Keras prints it without its quotes)'),
                                          ('Dense(16.0, activation="relu")', "16.0")], ids=["string", "float"])
def test_a_count_given_as_a_string_or_a_float_is_told_apart_from_the_number_keras_prints(tmp_path, wrong, given):
    """Dense("16"): Keras says "expected a positive integer. Received: units=16", printing the string without its
    quotes: the learner was told that 16 is not a positive integer. Dense(16.0): that a whole number is not one."""
    right = 'Dense(16, activation="relu")'
    message = _graded_with("ex05", tmp_path, (right, wrong))
    assert message.endswith(f"-- units must be a whole number, units=16, not {given}"), message
    message = _graded_with("ex05", tmp_path, (right, 'Dense(0, activation="relu")'))   # 0 is an int: no hint
    assert message.endswith("expected a positive integer. Received: units=0"), message


@pytest.mark.parametrize("arguments, message", [
    ({"epochs": "30.0"}, "model.fit(epochs='30.0'): epochs is a number, not a string: epochs=30"),
    ({"epochs": "thirty"}, "model.fit(epochs='thirty'): epochs is a whole number, not a string"),
    ({"epochs": True}, "model.fit(epochs=True): epochs is a whole number, not True or False (Keras takes True as 1)"),
    ({"batch_size": " 32 "}, "model.fit(batch_size=' 32 '): batch_size is a number, not a string: batch_size=32"),
    ({"validation_split": np.float32(0.2)}, None),              # NumPy's float32 is a fraction as well as float
    ({"validation_split": True}, "model.fit(validation_split=True): validation_split is the fraction of the training "
                                 "rows held out for validation, between 0 and 1 (0.2 holds out 20%); Keras takes True "
                                 "without a word and trains on no rows"),
    ({"epochs": 0, "initial_epoch": 0}, "model.fit(epochs=0) trains no epoch: Keras returns an empty History "
                                         "without a word; give epochs a whole number above 0"),
    ({"epochs": 3, "initial_epoch": 3}, "model.fit(epochs=3, initial_epoch=3) trains no epoch: epochs is the epoch "
                                        "fit stops at, counted from 0, not how many after initial_epoch"),
    ({"validation_split": 0.2, "validation_data": ([[0.0]], [0.0])},
     "model.fit(validation_split=0.2, validation_data=...): Keras ignores validation_split without a word when "
     "validation_data is given, so no rows are held out by it; pass one of the two"),
], ids=["whole-in-a-string", "a-word", "bool-epochs", "spaces", "float32-split", "bool-split", "no-epoch",
        "no-epoch-after-initial", "split-beside-data"])
def test_fits_argument_check_offers_only_a_value_it_would_take(arguments, message):
    """epochs="30.0" was told to write epochs=30.0, which the next run refused as not whole; epochs="thirty" to write
    epochs=thirty; validation_split=np.float32(0.2) was refused as if Keras trained on no rows."""
    from keras_models.course.exercises.graders.fit_checks import kinds_checked

    if message is None:
        kinds_checked(arguments)
        return
    with pytest.raises(ValueError) as refused:
        kinds_checked(arguments)
    assert str(refused.value) == message


@pytest.mark.parametrize("name, right, wrong, message", [
    ("ex03", "epochs=30,", "epochs=30, validation_split=20,",
     "model.fit(validation_split=20): validation_split is the fraction of the training rows held out for "
     "validation, between 0 and 1 (0.2 holds out 20%); Keras takes 20 without a word and trains on no rows"),
    ("ex05", "y_val), epochs=200,", 'y_val), epochs="200",',
     "model.fit(epochs='200'): epochs is a number, not a string: epochs=200"),
    ("ex03", "batch_size=32,", "batch_size=32.0,", "model.fit(batch_size=32.0): batch_size is a whole number: "
                                                    "batch_size=32"),
    # an empty History: ex04 said "train must return the History", ex06 gave an untrained model's MAE, ex07 sent the
    # learner to look at the TensorBoard callback's log_dir
    *[(name, right, right.replace(number, "0"), "model.fit(epochs=0) trains no epoch: Keras returns an empty "
                                                "History without a word; give epochs a whole number above 0")
      for name, right, number in (("ex04", "epochs=40,", "40"), ("ex06", "epochs=200,", "200"))],
    # Keras ignores the split: the learner thinks rows are held out that are not; ex04 passed it
    ("ex04", "validation_data=(X_val, y_val), epochs=40,",
     "validation_split=0.2, validation_data=(X_val, y_val), epochs=40,",
     "model.fit(validation_split=0.2, validation_data=...): Keras ignores validation_split without a word when "
     "validation_data is given, so no rows are held out by it; pass one of the two"),
    # Keras said "Input 0 ... of layer 'dense' is incompatible with the layer: expected axis -1 of input shape to
    # have value 26, but received input with shape (None, 1)" over several lines, in bold (terminal escape codes)
    ("ex04", "model.fit(X_train, y_train,", "model.fit(y_train, X_train,",
     "model.fit(x, y): x has shape (3500, 1) and y (3500, 26), but the model takes inputs of shape (None, 26): x "
     "and y are swapped; the features come first, model.fit(X, y)"),
    # before the one-hot check of ex05 (and ex07), which read swapped x and y as "y holds labels of shape (398, 30)"
    ("ex05", "model.fit(X_train, y_train,", "model.fit(y_train, X_train,",
     "model.fit(x, y): x has shape (398, 1) and y (398, 30), but the model takes inputs of shape (None, 30): x and y "
     "are swapped; the features come first, model.fit(X, y)"),
    # scratch's refusal of a masked array, raised under the grader's fit wrapper: the learner's, not the grader's crash
    ("ex05", "model.fit(X_train, y_train,", "model.fit(X_train, np.ma.masked_equal(y_train, 1),",
     "y is a masked array with 148 masked entries (first at index [0, 0]): the values under the mask are not data; "
     "fill them (y.filled(value)) or drop those rows first"),
    # Keras printed "Unrecognized data type: x=[[ 0.02065385 ...", every number of X_train, the array: y named nowhere
    ("ex05", "model.fit(X_train, y_train,", "model.fit(X_train, y_train.tolist(),",
     "y is a Python list of numbers, which Keras' fit refuses as an \"Unrecognized data type\", naming x whichever "
     "argument it is: pass a NumPy array (the array itself, not its .tolist(); or np.asarray(...))"),
])
def test_a_fit_argument_of_the_wrong_kind_is_named(tmp_path, name, right, wrong, message):
    """model.fit(validation_split=20): Keras holds out "20 times the rows", trains on none and returns a History with no
    loss, so the grader blamed train for not fitting; epochs="200" was Python's "'str' object cannot be interpreted as
    an integer", naming no argument."""
    solution = find(name).solution_path
    text = solution.read_text(encoding="utf-8")                 # _graded_with asserts that it holds `right` once
    at = line_of(text, right)                                   # each change is within one line: it stays there
    assert "fit(" in text.splitlines()[at - 1]
    assert _graded_with(name, tmp_path, (right, wrong)) == (
        f"your code raised ValueError in train (line {at} of {solution.name}): {message}")


@pytest.mark.parametrize("width, x_shape, y_shape, swapped", [
    (1, (10,), (10, 1), False),         # Keras adds the missing last axis to x when the model takes a width of 1
    (1, (10, 1, 1), (10, 1), False),    # and drops an extra last axis of 1
    (1, (10, 1), (10, 1), False),
    (3, (10, 3), (10, 3), False),       # a target as wide as the input is no swap
    (3, (10, 1), (10, 3), True),
    (3, (10,), (10, 3), True),          # y a vector, handed over first
], ids=["vector-x-width-1", "extra-axis-width-1", "column-x-width-1", "as-wide", "column-swapped", "vector-swapped"])
def test_x_and_y_are_called_swapped_only_when_keras_cannot_take_x(width, x_shape, y_shape, swapped):
    """keras.Input(shape=(1,)) with x of shape (10,) and y (10, 1): Keras trains, and the check said "x and y are
    swapped". Keras itself is the reference: it fits every pair the check lets through and refuses every swapped one."""
    import keras

    from keras_models.course.exercises.graders.fit_checks import x_and_y_in_order

    model = keras.Sequential([keras.Input(shape=(width,)), keras.layers.Dense(width)])
    model.compile(loss="mse", optimizer="sgd")
    x, y = np.ones(x_shape), np.ones(y_shape)
    arguments = {"self": model, "x": x, "y": y}
    if swapped:
        with pytest.raises(ValueError, match="x and y are swapped"):
            x_and_y_in_order(arguments)
        with pytest.raises(ValueError):
            model.fit(x, y, epochs=1, verbose=0)
    else:
        x_and_y_in_order(arguments)
        assert np.isfinite(model.fit(x, y, epochs=1, verbose=0).history["loss"][0])


def test_a_value_the_grader_cannot_use_is_one_line_naming_the_error_and_where_the_grader_tripped(tmp_path):
    """ex01's Perceptron1D.run returning a string: the grader's float() fails on it, in the grader's own code."""
    right = "return self.weight * np.asarray(x, dtype=float) + self.bias"
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(SOLVED.replace(right, 'return "abc"'), encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    tripped_at = next(number for number, line in enumerate(EX01.grader.__loader__.get_source(EX01.grader.__name__)
                                                             .splitlines(), start=1) if "float(" in line)
    assert (result.passed, result.message) == (
        False, f"the grader could not check your code: ValueError in _grade_perceptrons (line {tripped_at} of "
               "graders/ex01.py): could not convert string to float: 'abc' -- check what your functions return "
               "(types, shapes)")


# ex04's train reading a PyDataset of its own for its validation rows, whose __getitem__ fails
EX04_OWN_BATCHES = [("validation_data=(X_val, y_val), epochs=40", "validation_data=Batches(), epochs=40"),
                    ("def train(model", "class Batches(keras.utils.PyDataset):\n    num_batches = 1\n\n"
                                        "    def __getitem__(self, index):\n        return X_val[index]\n\n\n"
                                        "def train(model")]


@pytest.mark.parametrize("changes, crashing, expected, located", [
    ([("model.fit(X_train, y_train,", "model.fit(X_train, y_train[:100],")], None,
     "your code raised ValueError in train (line {line} of ex04_diamonds_regression.py): Data cardinality is "
     "ambiguous. Make sure all arrays contain the same number of samples.'x' sizes: 3500 'y' sizes: 100",
     "model.fit(X_train, y_train[:100],"),
    # Python's words for the call, as plain Keras gives them ({plain}: "TensorFlowTrainer.fit() got an unexpected
    # keyword argument 'epoch'", and on Python 3.13 ". Did you mean 'epochs'?" after it): the wrapper's own binding
    # said only "got an unexpected keyword argument 'epoch'", naming no function
    ([("epochs=40, batch_size=128", "epoch=40, batch_size=128")], None,
     "your code raised TypeError in train (line {line} of ex04_diamonds_regression.py): {plain}", "epoch=40"),
    (EX04_OWN_BATCHES, None, "your code raised NameError in Batches.__getitem__ (line {line} of "
                             "ex04_diamonds_regression.py): name 'X_val' is not defined", "return X_val[index]"),
    ([], "same_rows", "the grader could not check your code: IndexError in validates_on_exactly (line {line} of "
                      "graders/fit_checks.py): list index out of range -- check what your code passes to model.fit "
                      "(types, shapes)", "check(not same_rows(x, rows"),
], ids=["keras-refuses-the-fit", "an-argument-fit-does-not-take", "the-learners-batches-raise-in-a-check",
        "a-fit-check-crashes"])
def test_an_error_under_the_graders_fit_wrapper_is_the_learners_but_a_crash_of_its_own_checks_is_the_graders(
        tmp_path, monkeypatch, changes, crashing, expected, located):
    """ex04's fit runs inside the grader's wrapper (fit_checks.fit_checked), which shows it to the grader's checks
    first, so the learner's fit line is above whatever fails below it. Keras refusing the call (y of 100 rows for
    3,500; epoch=40, in the words plain Keras gives), and the learner's own PyDataset failing as a check reads it, are
    the learner's, at their line; a check crashing on its own (here validated_on's same_rows) was told "your code
    raised IndexError in train (line 71 ...)" too, sending the learner to a fit call with nothing wrong in it. Each
    fails before any epoch runs."""
    from keras_models.course.exercises.graders import fit_checks

    def crashes(*args, **kwargs):
        raise IndexError("list index out of range")

    if crashing:
        monkeypatch.setattr(fit_checks, crashing, crashes)
    raised_in = Path(fit_checks.__file__).read_text(encoding="utf-8") if crashing else \
        _changed_solution("ex04", *changes)
    import keras

    with pytest.raises(TypeError) as plain:                        # fit itself, outside any grader, given epoch=40
        keras.Model.fit(keras.Sequential(), epoch=40)
    assert "unexpected keyword argument 'epoch'" in str(plain.value)
    assert _graded_with("ex04", tmp_path, *changes) == expected.format(line=line_of(raised_in, located),
                                                                       plain=plain.value)


def test_a_grader_that_trips_on_an_error_of_several_lines_shows_one_line_its_first_that_holds_text(tmp_path,
                                                                                                     monkeypatch):
    """np.testing's AssertionError starts with a blank line and goes on for four more; Keras' errors raised in the
    grader's own calls run to a dozen lines. The learner's line keeps the first line with text, and only it."""
    def trips(module, workdir):                    # the grader's own code raising: none of the learner's frames
        raise AssertionError("\nArrays are not equal\n\nMismatched elements: 1 / 2 (50%)\n x: array([1., 2.])")

    monkeypatch.setattr(EX01.grader, "grade", trips)
    result = grade_file(EX01, EX01.solution_path, tmp_path)
    assert not result.passed and "\n" not in result.message, result.message
    assert result.message.startswith("the grader could not check your code: AssertionError in "), result.message
    assert result.message.endswith("): Arrays are not equal -- check what your functions return (types, shapes)"), \
        result.message


def test_a_graders_hint_of_several_lines_is_one_line_with_every_line_it_holds(tmp_path, monkeypatch):
    """A grader's Fail("a\nb") reached the learner as two lines: a learner's error and a grader's own were made one
    line, a hint was not. No grader builds one today (its {x!r} values are escaped), so the rule is pinned here:
    every line with text kept, in order, joined by one space, as for a learner's error."""
    def hints(module, workdir):
        raise Fail("the hint starts here,\n  goes on here\r\n\nand ends here")

    monkeypatch.setattr(EX01.grader, "grade", hints)
    result = grade_file(EX01, EX01.solution_path, tmp_path)
    assert (result.passed, result.message) == (False, "the hint starts here, goes on here and ends here")


def test_an_error_whose_message_has_several_lines_is_still_one_line(tmp_path):
    """sklearn's "Expected 2D array, got 1D array instead:" goes on for two more lines, Reshape advice included."""
    right = "return self.weight * np.asarray(x, dtype=float) + self.bias"
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(SOLVED.replace(right, 'raise ValueError("Expected 2D array:\\narray=[1.].\\n\\nReshape it")'),
                    encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    assert not result.passed and result.message.startswith("your code raised ValueError in Perceptron1D.run (line ")
    assert result.message.endswith("): Expected 2D array: array=[1.]. Reshape it"), result.message


def test_an_error_keras_wraps_with_its_call_arguments_is_keras_own_message_without_terminal_codes():
    """A layer's error inside a model's call: Keras wraps it in "Exception encountered when calling ...", its message
    in bold terminal codes, then every argument of the call, over seven lines; the learner's line showed all of it."""
    import keras
    model = keras.Sequential([keras.Input(shape=(30,)), keras.layers.Dense(1, name="price")])   # not dense_3
    with pytest.raises(ValueError) as wrapped:
        model.predict(np.zeros((5, 3)), verbose=0)
    assert "\x1b[1m" in str(wrapped.value) and "Arguments received by Sequential.call()" in str(wrapped.value)
    assert raised(wrapped.value, "predict", "line 7 of ex06.py") == (
        "your code raised ValueError in predict (line 7 of ex06.py): Input 0 with name 'None' of layer 'price' is "
        "incompatible with the layer: expected axis -1 of input shape to have value 30, but received input with shape "
        "(5, 3) (in Sequential.call())")


def test_tensorflows_error_of_a_traced_predict_is_the_ops_message_and_node_not_every_frame_it_was_defined_in():
    """A row of 6 numbers given to a model already traced for 26 (ex04's predict_price_dollars without data.scale)
    raised TensorFlow's "Graph execution error: Detected at node ... (most recent call last): File ..." with some 25
    frames, machine paths included, on the learner's one line, the op's own message at its very end."""
    import keras
    model = keras.Sequential([keras.Input(shape=(26,)), keras.layers.Dense(4, activation="relu", name="hidden")])
    model.predict(np.zeros((3, 26)), verbose=0)                         # traced for 26 features
    with pytest.raises(Exception) as traced:
        model.predict(np.zeros((1, 6)), verbose=0)
    assert str(traced.value).startswith("Graph execution error:") and "File " in str(traced.value)
    line = raised(traced.value, "predict_price_dollars", "line 84 of ex04.py")
    expected = re.escape("your code raised InvalidArgumentError in predict_price_dollars (line 84 of ex04.py): Matrix "
                         "size-incompatible: In[0]: [1,6], In[1]: [26,4] (in TensorFlow's node ")
    assert re.fullmatch(expected + r"sequential\w*/hidden\w*/Relu\)", line), line   # _1_1, _1: Keras' counters


@pytest.mark.parametrize("raises", ["assert x is None", "raise MemoryError"], ids=["bare-assert", "memory-error"])
def test_an_error_without_a_message_ends_its_line_at_where_it_was_raised(raises, tmp_path):
    """A bare `assert` and NumPy's or bytearray's MemoryError (make grade's memory limit) have no message: the line
    ended in a dangling ": "."""
    right = "return self.weight * np.asarray(x, dtype=float) + self.bias"
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(SOLVED.replace(right, raises), encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    assert not result.passed and result.message.startswith("your code raised ") and \
        result.message.endswith(f" in Perceptron1D.run (line {SOLVED[:SOLVED.index(right)].count(chr(10)) + 1} of "
                                f"{EX01.stem}.py)"), result.message


@pytest.mark.parametrize("base", ["ValueError", "Exception"])
def test_an_exception_of_the_learners_whose_message_cannot_be_made_is_still_one_line(base, tmp_path):
    """A learner's exception class whose __str__ raises: making the line's message raised again, out of grade_file,
    and make exercises ended in a traceback (a ValueError went through the shape-error explainer first)."""
    right = "return self.weight * np.asarray(x, dtype=float) + self.bias"
    broken = (f"class Odd({base}):\n            def __str__(self):\n                raise RuntimeError('no')\n"
              "        raise Odd()")
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(SOLVED.replace(right, broken), encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    line = SOLVED[:SOLVED.index(right)].count(chr(10)) + 4                      # the raise, below the class
    assert (result.passed, result.message) == (False, f"your code raised Odd in Perceptron1D.run (line {line} of "
                                               f"{EX01.stem}.py): (its message cannot be shown: its __str__ raised "
                                               "RuntimeError)")


def test_an_exception_class_of_the_learners_own_derived_from_baseexception_is_a_fail_with_its_line(tmp_path):
    """`class Stop(BaseException)` raised at the top level or in a function passed the grader's `except Exception`:
    make exercises ended in Python's traceback, and the exercises after it were not graded."""
    right = "return self.weight * np.asarray(x, dtype=float) + self.bias"
    stop = "class Stop(BaseException):\n    pass\n\n\n"
    path = tmp_path / f"{EX01.stem}.py"
    for code, where in [(SOLVED.replace(right, 'raise Stop("stopped")') + "\n\n" + stop, "Perceptron1D.run (line "),
                        (stop + 'raise Stop("stopped")\n', "the top level of the file (line 5 of ")]:
        path.write_text(code, encoding="utf-8")
        result = grade_file(EX01, path, tmp_path)
        assert not result.passed and result.message.startswith(f"your code raised Stop in {where}"), result.message
        assert result.message.endswith("): stopped")


@pytest.mark.parametrize("damage", ["truncated", "deleted"])
def test_a_damaged_data_file_is_one_line_saying_which_and_how_to_restore_it(tmp_path, monkeypatch, damage):
    """ex05's grader reads data/breast_cancer.csv before anything else: here from a damaged copy of data/."""
    import data.checksums

    shipped = data.checksums.DATA_DIR / "breast_cancer.csv"
    damaged_dir = tmp_path / "data"
    damaged_dir.mkdir()
    if damage == "truncated":
        (damaged_dir / "breast_cancer.csv").write_bytes(shipped.read_bytes()[:5000])
    monkeypatch.setattr(data.checksums, "DATA_DIR", damaged_dir)
    ex05 = find("ex05")
    result = grade_file(ex05, ex05.solution_path, tmp_path)
    assert not result.passed and len(result.message.splitlines()) == 1
    what = "does not match the shipped breast_cancer.csv" if damage == "truncated" else "is missing"
    assert result.message.startswith(f"a data file the exercise reads is damaged or gone: data file "
                                     f"{damaged_dir / 'breast_cancer.csv'} "
                                     f"{what}"), result.message
    assert result.message.endswith("restore it with `git checkout HEAD -- data/breast_cancer.csv`"), result.message


def test_make_exercises_after_a_damaged_data_file_says_to_restore_it_not_to_edit_the_exercise(tmp_path, monkeypatch,
                                                                                             capsys):
    import data.checksums
    from keras_models.course.exercises import graders

    monkeypatch.setattr(data.checksums, "DATA_DIR", tmp_path / "data")            # breast_cancer.csv is gone
    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(repository, "REPO", tmp_path)  # what from_repository shows
    assert grade_cli.main(["--only", "ex05"]) == 1
    out = capsys.readouterr().out
    assert "a data file the exercise reads is damaged or gone: data file " in out, out
    assert out.splitlines()[-1] == ("Next: restore the data file as ex05's line says, then grade again with "
                                    "`make exercises ONLY=ex05`."), out


def test_a_grade_cell_after_a_damaged_data_file_says_to_restore_it_not_to_change_the_code(tmp_path, monkeypatch,
                                                                                         capsys):
    """A script's "Grade it" cell (grade_here) when the data went missing after the cells above ran; the same
    cell in a notebook is test_notebooks.py's."""
    import data.checksums
    from keras_models.course.exercises.grade import grade_here

    monkeypatch.setattr(data.checksums, "DATA_DIR", tmp_path / "data")            # breast_cancer.csv is gone
    for name in find("ex05").grader.NEEDS:      # the cells above ran (the grader reads the data before it calls them)
        monkeypatch.setitem(globals(), name, None)
    grade_here("ex05")
    out = capsys.readouterr().out
    assert "a data file the exercise reads is damaged or gone: data file " in out, out
    assert out.splitlines()[-1] == ("Restore the data file as the line above says, then run the file again: "
                                    "make exercise-run NAME=ex05"), out


@pytest.mark.parametrize("damage, what", [("deleted", "is missing"),
                                          ("broken", "cannot be loaded (NameError: name 'Fial' is not defined)")])
def test_a_grader_file_missing_or_damaged_is_one_line_saying_how_to_restore_it_not_blamed_on_the_code(
        damage, what, tmp_path, monkeypatch, capsys):
    """graders/ex03.py deleted or damaged (here: the graders' package looks in a folder holding no ex03.py, or a broken
    one): make exercises and a Grade cell say so in one line, where a traceback ended make exercises."""
    from keras_models.course.exercises import graders
    from keras_models.course.exercises.grade import grade_here

    if damage == "broken":
        (tmp_path / "ex03.py").write_text('TITLE = "keras basics"\nraise Fial("a typo")\n', encoding="utf-8")
    monkeypatch.setattr(graders, "__path__", [str(tmp_path)])
    monkeypatch.delitem(sys.modules, f"{graders.__name__}.ex03", raising=False)
    path = "keras_models/course/exercises/graders/ex03.py"
    line = (f"error: the grader {path} {what}, a file of the course's, not the code graded: restore it with "
            f"`git checkout HEAD -- {path}`")
    assert grade_cli.main(["--only", "ex03"]) == 1
    assert capsys.readouterr() == ("", f"{line} (nothing was graded)\n")
    grade_here("ex03")
    assert capsys.readouterr().out == f"{line}\n"


def test_a_learners_floatx_or_seterr_at_the_top_of_a_file_does_not_reach_the_next_exercise_graded(tmp_path,
                                                                                                   monkeypatch, capsys):
    """make exercises grades every exercise in one process: a float16 floatx left behind by ex01's file made a right
    ex04 FAIL ("predict_price_dollars gave $nan"), a learner's np.seterr(all="raise") would raise on underflow."""
    import keras

    from keras_models.course.exercises import graders

    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(repository, "REPO", tmp_path)  # what from_repository shows
    find("ex01").learner_path.write_text('import keras\nimport numpy as np\n\nkeras.config.set_floatx("float16")\n'
                                         'keras.config.set_dtype_policy("mixed_float16")\nnp.seterr(all="raise")\n',
                                         encoding="utf-8")
    floatx, policy, errors = keras.config.floatx(), keras.config.dtype_policy().name, np.geterr()
    try:
        assert grade_cli.main(["--only", "ex01"]) == 1                  # defines nothing: a FAIL, after its top ran
        assert (keras.config.floatx(), keras.config.dtype_policy().name, np.geterr()) == (floatx, policy, errors)
    finally:
        keras.config.set_floatx(floatx)
        keras.config.set_dtype_policy(policy)
        np.seterr(**errors)
    assert "ex01" in capsys.readouterr().out


def test_a_learners_logging_switched_off_at_the_top_of_a_file_does_not_reach_the_next_exercise_graded(
        tmp_path, monkeypatch, capsys):
    """ex01's file switching TensorFlow's logger off (`disabled`, `propagate`) and all logging with
    logging.disable(logging.CRITICAL): ex02, graded next in the same process, ran with TensorFlow's errors silenced,
    and the loggers stayed so after make exercises. Each comes back as it was before grading, as the levels do."""
    import logging

    from keras_models.course.exercises import graders

    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(repository, "REPO", tmp_path)  # what from_repository shows
    find("ex01").learner_path.write_text("import logging\n\ntensorflow = logging.getLogger('tensorflow')\n"
                                         "tensorflow.setLevel(logging.DEBUG)\ntensorflow.disabled = True\n"
                                         "tensorflow.propagate = False\nlogging.disable(logging.CRITICAL)\n",
                                         encoding="utf-8")
    tensorflow = logging.getLogger("tensorflow")
    found = (tensorflow.level, tensorflow.disabled, tensorflow.propagate, logging.root.manager.disable)
    try:
        assert grade_cli.main(["--only", "ex01"]) == 1                  # defines nothing: a FAIL, after its top ran
        assert (tensorflow.level, tensorflow.disabled, tensorflow.propagate, logging.root.manager.disable) == found
        assert found[0] != logging.DEBUG and found[1:] == (False, True, logging.NOTSET)   # each change is one
    finally:
        tensorflow.setLevel(found[0])
        tensorflow.disabled, tensorflow.propagate = found[1:3]
        logging.disable(found[3])
    assert "ex01" in capsys.readouterr().out


@pytest.mark.parametrize(("keras_json", "floatx"), [
    (b'{"floatx": "float64", "epsilon": 1e-07, "backend": "tensorflow"}', "float64"),
    (None, "float32"),                                                     # no keras.json: Keras' default
    (b'{"floatx": "float6', "float32"),                                    # cut short: Keras reads it as {}
    (b'\xff\xfe{"floatx": "float64"}', "float32"),                         # not UTF-8: Keras reads it as {}
    (b'["float64"]', "float32"),                                           # JSON, but not an object
    (b'{"floatx": "float8"}', "float32"),                                  # no floatx Keras has
])
def test_the_floatx_keras_loads_with_is_read_from_keras_json_in_keras_home(keras_json, floatx, tmp_path, monkeypatch):
    """When the exercise graded is the first to load Keras, the floatx it goes back to afterwards is the one
    `import keras` starts with: keras.json's in KERAS_HOME, float32 without one or with one it cannot use."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    if keras_json is not None:
        (tmp_path / "keras.json").write_bytes(keras_json)
    assert grade_cli._floatx_keras_loads_with() == floatx


def test_make_exercises_writes_a_missing_file_then_grades_it(tmp_path, monkeypatch, capsys):
    from keras_models.course.exercises import graders

    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(repository, "REPO", tmp_path)  # what from_repository shows
    assert grade_cli.main(["--only", "ex01"]) == 1
    out = capsys.readouterr().out
    assert f"wrote {find('ex01').learner_path.name}: your copy of the exercise" in out
    assert "not done yet: fill in the TODO" in out and "make exercises ONLY=ex01" in out
    assert find("ex01").learner_path.read_text(encoding="utf-8") == skeleton_of(find("ex01").solution_path)


def test_make_exercises_without_only_grades_all_seven_and_with_only_writes_no_other_missing_file(tmp_path,
                                                                                                 monkeypatch):
    """`make exercises ONLY=ex03` writes ex03's missing file and no other, and grades ex03 alone; `make exercises`
    grades every exercise, in course order (grade itself replaced by a list of what it was handed: no grading)."""
    from keras_models.course.exercises import graders

    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(repository, "REPO", tmp_path)  # what from_repository shows
    handed = []
    monkeypatch.setattr(grade_cli, "grade", lambda exercises, solutions: handed.append([e.name for e in exercises]))
    grade_cli.main(["--only", "ex03"])
    assert [path.name for path in tmp_path.glob("*.py")] == [find("ex03").learner_path.name]   # and its record
    grade_cli.main([])
    assert handed == [["ex03"], ["ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07"]]


def test_make_exercises_takes_several_names_separated_by_commas_as_make_grade_does(tmp_path, monkeypatch, capsys):
    from keras_models.course.exercises import graders

    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(repository, "REPO", tmp_path)  # what from_repository shows
    assert grade_cli.main(["--only", "ex02,ex01"]) == 1
    graded = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("  ex")]
    assert graded == ["ex01", "ex02"]                                   # each once, in course order
    assert grade_cli.main(["--only", ",", "--only", "ex01"]) == 2
    assert capsys.readouterr().err == ("error: ONLY=',' names no exercise; the exercises are ex01, ex02, ex03, ex04, "
                                       "ex05, ex06, ex07\n")
    for value in ("ex01,,ex02", "ex01,"):                             # a name left out: said, not skipped
        assert grade_cli.main(["--only", value]) == 2
        assert capsys.readouterr().err == (f"error: ONLY={value!r} has an empty name between its commas: give "
                                           "exercise names separated by commas, e.g. ONLY=ex01,ex03\n")


GRADE_FROM = """
import sys
from pathlib import Path
from keras_models.course.exercises import grade, graders
graders.EXERCISES_DIR = Path(sys.argv[1])            # the learner's files, in the test's folder
sys.exit(grade.main(sys.argv[2:]))
"""


def test_sigterm_while_grading_deletes_the_temporary_folder_and_is_not_blamed_on_the_learners_code(
        tmp_path, python_without_tensorflow):
    """`timeout make exercises`, a cancelled CI job, `kill`: SIGTERM ended make exercises at once, and left its
    <tmp>/grade_exNN_* folder behind. It stops as make grade stops: the folder deleted, one line, exit status 143 --
    and not "Interrupted while grading ex01, in your ...", which is the learner's own Ctrl-C."""
    exercises, own_tmp, started = tmp_path / "exercises", tmp_path / "tmp", tmp_path / "started"
    exercises.mkdir()
    own_tmp.mkdir()
    (exercises / find("ex01").learner_path.name).write_text(
        f"import time\nopen({str(started)!r}, 'w').close()\nwhile True:\n    time.sleep(0.01)\n", encoding="utf-8")
    process = python_without_tensorflow.Popen(
        [sys.executable, "-c", GRADE_FROM, str(exercises), "--only", "ex01"], cwd=repository.REPO,
        env={**os.environ, "TMPDIR": str(own_tmp)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not started.exists():                                  # the learner's file runs, in its folder
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.01)
        assert [path.name.startswith("grade_ex01_") for path in own_tmp.iterdir()] == [True]
        process.send_signal(signal.SIGTERM)                          # `kill <pid>`: the program alone
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert (process.returncode, err) == (143, "\nTerminated (SIGTERM); nothing was changed.\n"), out
    assert list(own_tmp.iterdir()) == []


# --- the skeleton cutter and the reset --------------------------------------------------------

def test_make_skeleton_replaces_each_marked_block_at_its_indentation():
    solution = f"def f(x):\n    # TODO: double it\n    {BEGIN}\n    y = 2 * x\n    return y\n    {END}\n\nZ = 1\n"
    assert make_skeleton(solution) == f"def f(x):\n    # TODO: double it\n    {PLACEHOLDER}\n\nZ = 1\n"


@pytest.mark.parametrize("text, problem", [
    (f"{BEGIN}\nx = 1\n", "never closed"),
    (f"x = 1\n{END}\n", "without"),
    (f"{BEGIN}\n{BEGIN}\n{END}\n", "inside the block"),
    (f"    {BEGIN}\n    x = 1\n{END}\n", "not indented like"),
    (f"{BEGIN}\nx = 1\n    {END}\n", "not indented like"),
])
def test_make_skeleton_rejects_unbalanced_markers(text, problem):
    with pytest.raises(ValueError, match=problem):
        make_skeleton(text)


@pytest.mark.parametrize("exercise", [pytest.param(e, id=e.name) for e in EXERCISES])
def test_every_solution_has_solution_blocks(exercise):
    assert exercise.solution_path.read_text(encoding="utf-8").count(BEGIN) >= 3


def test_reset_restores_the_skeleton_and_keeps_the_learners_version(tmp_path):
    exercise = find("ex01")
    learner = tmp_path / exercise.learner_path.name
    mine = "# my work in progress\r\nrate = 'η'".encode()      # Windows line ends, no last one: kept byte for byte
    learner.write_bytes(mine)
    backup = reset(exercise.solution_path, learner, tmp_path / "backup")
    assert backup is not None and backup.read_bytes() == mine
    assert learner.read_text(encoding="utf-8") == skeleton_of(exercise.solution_path)
    assert reset(exercise.solution_path, learner, tmp_path / "backup") is None     # nothing left to keep


def test_two_resets_within_one_second_keep_both_versions(tmp_path, monkeypatch):
    """make exercise-reset keeps every version it replaces: two within the same second (a learner who resets, types,
    and resets again; a script) get two backups, not one written over the other."""
    moments = iter([datetime(2026, 11, 23, 10, 15, 0, 1), datetime(2026, 11, 23, 10, 15, 0, 2)])
    monkeypatch.setattr(skeleton, "datetime", type("Clock", (), {"now": staticmethod(lambda: next(moments))}))
    exercise = find("ex01")
    learner = tmp_path / exercise.learner_path.name
    kept = []
    for version in ("# my first try\n", "# my second try\n"):
        learner.write_text(version, encoding="utf-8")
        kept.append(reset(exercise.solution_path, learner, tmp_path / "backup"))
    assert sorted(path.read_text(encoding="utf-8") for path in kept) == ["# my first try\n", "# my second try\n"]
    assert len(list((tmp_path / "backup").iterdir())) == 2


@pytest.mark.parametrize("name", ["ex05", "ex5", "5", "05", "ex05_breast_cancer_dropout",
                                  "ex05_breast_cancer_dropout.py", "ex05_breast_cancer_dropout.ipynb",
                                  "notebooks/exercises/ex05_breast_cancer_dropout.ipynb"])
def test_find_accepts_the_names_a_learner_types(name):
    assert find(name).name == "ex05"


@pytest.mark.parametrize(("folders", "source"), [
    (("solutions",), "solutions"),                          # the repository, and the instructor's copy
    (("starters",), "starters"),                            # a learner copy: make release cut the solutions out
    (("solutions", "starters"), "solutions"),               # a solution there is always what a file is cut from
    ((), "solutions"),                                      # neither: the missing solution is what is named
])
def test_an_exercise_is_cut_from_its_solution_and_from_the_starter_only_without_solutions(folders, source, tmp_path,
                                                                                       monkeypatch):
    """make exercise-reset writes the learner's file from source_path: the solution, in a learner copy the starter."""
    from keras_models.course.exercises import graders

    for folder in folders:
        (tmp_path / folder).mkdir()
    monkeypatch.setattr(graders, "SOLUTIONS_DIR", tmp_path / "solutions")
    monkeypatch.setattr(graders, "STARTERS_DIR", tmp_path / "starters")
    assert find("ex03").source_path == tmp_path / source / "ex03_keras_basics.py"


def test_cli_grades_a_solution_with_exit_0_and_rejects_an_unknown_name(capsys):
    assert grade_cli.main(["--solutions", "--only", "ex01"]) == 0
    assert "PASS" in capsys.readouterr().out
    assert grade_cli.main(["--only", "ex99"]) == 2
    assert capsys.readouterr().err == ("error: no exercise called 'ex99'; the exercises are ex01, ex02, ex03, ex04, "
                                       "ex05, ex06, ex07\n")


# --- the hints name the mistake (mutants of the solutions) ------------------------------------

def grade_mutant(name: str, workdir, **replacements) -> str:
    """Grade the solution of exercise `name` with some of its functions replaced; return the hint."""
    exercise = find(name)
    module = load_module(exercise.solution_path)
    for attribute, value in replacements.items():
        setattr(module, attribute, value)
    with pytest.raises(Fail) as failure:
        exercise.grader.grade(module, workdir)
    return str(failure.value)


def ex05_graded_with_layers(workdir, layers) -> str:
    """ex05's hint for a build_model of keras.Input((n_features,)) then layers() (fresh layers for each model it
    builds), compiled with Adam and binary cross-entropy as the solution's is."""
    import keras

    def build_model(n_features):
        model = keras.Sequential([keras.Input((n_features,)), *layers()])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    return grade_mutant("ex05", workdir, build_model=build_model)


def test_ex01_hint_for_a_sigmoid_that_overflows(tmp_path):
    class NaiveSigmoid:
        @staticmethod
        def fn(z):
            return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))

    hint = grade_mutant("ex01", tmp_path, Sigmoid=NaiveSigmoid)
    assert "Sigmoid.fn" in hint and "overflow" in hint


class _NoReturnTanh:
    @staticmethod
    def fn(z):
        np.tanh(z)                                      # computed, and not returned


class _NoReturnPerceptron1D:
    def __init__(self, weight, bias):
        self.weight, self.bias = weight, bias

    def run(self, x):
        self.weight * x + self.bias                     # computed, and not returned


@pytest.mark.parametrize("name, mutant, expected", [
    ("ex01", {"Tanh": _NoReturnTanh}, "Tanh.fn on a (4, 5) array returned None: is its return statement missing?"),
    ("ex01", {"Perceptron1D": _NoReturnPerceptron1D},
     "Perceptron1D(2, -1).run(3) returned None: is its return statement missing?"),
    ("ex02", {"output_error": lambda a2, y, z2: None},
     "BP1 (output_error) returned None: is its return statement missing?"),
], ids=["ex01-tanh", "ex01-perceptron1d", "ex02-bp1"])
def test_a_forgotten_return_is_named_not_taken_for_a_shape_or_a_grader_error(name, mutant, expected, tmp_path):
    # None as an array is nan of shape (): the hint was 'returned shape (), expected (4, 5)', BP1's added 'make the
    # product give this one', and Perceptron1D's was 'the grader could not check your code: TypeError in
    # _grade_perceptrons'
    assert grade_mutant(name, tmp_path, **mutant) == expected


def test_ex01_hint_for_a_tanh_whose_overflow_warnings_are_silenced_names_its_nan(tmp_path):
    # nan only at z = +-1000 (inf / inf), the other entries right: the hint says nan, not "off by a relative nan"
    class SilencedTanh:
        @staticmethod
        def fn(z):
            with np.errstate(all="ignore"):
                return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))

    hint = grade_mutant("ex01", tmp_path, Tanh=SilencedTanh)
    assert hint == "Tanh.fn at extreme inputs returned non-finite values (nan or inf)", hint


def test_ex01_passes_its_solution_graded_after_the_learner_made_numpy_raise_on_every_floating_point_error(tmp_path):
    """np.seterr(all="raise") in an earlier cell (or at the top of the file) to hunt an overflow: the grader's own
    reference sigmoid underflows harmlessly at z = -1000, and a stable Sigmoid.fn may too (exp(-1000) is 0);
    neither is the overflow the exercise asks about. It said 'the grader could not check your code:
    FloatingPointError ... underflow', then 'NumPy reported underflow ...: rewrite it', for the solution."""
    exercise = find("ex01")
    module = load_module(exercise.solution_path)
    with np.errstate(all="raise"):
        result = grade_module(exercise, module, tmp_path, in_file(exercise.solution_path))
    assert result.passed, result.message


def test_ex01_hint_for_a_relu_that_changes_its_input(tmp_path):
    class InPlaceReLU:
        @staticmethod
        def fn(z):
            z[z < 0] = 0.0 if isinstance(z, np.ndarray) else z
            return np.maximum(z, 0.0)

    assert "changed the array" in grade_mutant("ex01", tmp_path, ReLU=InPlaceReLU)


def test_ex01_hint_for_a_perceptron_that_fires_on_a_tie(tmp_path):
    module = load_module(find("ex01").solution_path)

    class EagerPerceptron(module.Perceptron):
        def predict(self, x):
            return (self.run(x) >= 0).astype(int)

    assert "tie" in grade_mutant("ex01", tmp_path, Perceptron=EagerPerceptron)


def test_ex01_hints_for_a_run_that_takes_any_width_or_returns_text(tmp_path):
    module = load_module(find("ex01").solution_path)

    class Truncating(module.Perceptron):                 # silently drops the inputs it has no weight for
        def run(self, x):
            return np.asarray(x, dtype=float)[..., :len(self.weights)] @ self.weights + self.bias

    class Text(module.Perceptron):
        def run(self, x):
            return "z"

    assert grade_mutant("ex01", tmp_path, Perceptron=Truncating) == (
        "Perceptron.run accepted 4 inputs for a perceptron with 3: a mismatch must raise ValueError")
    assert grade_mutant("ex01", tmp_path, Perceptron=Text) == ("Perceptron.run on a batch (5, 3) with W (3, 2) "
                                                               "returned str, not an array of numbers")


def test_ex01_hints_for_a_perceptron_that_leaves_out_the_bias_or_returns_bools(tmp_path):
    module = load_module(find("ex01").solution_path)

    class UnbiasedPerceptron(module.Perceptron):
        def predict(self, x):
            return (np.asarray(x, dtype=float) @ self.weights > 0).astype(int)

    class BoolPerceptron(module.Perceptron):
        def predict(self, x):
            return self.run(x) > 0

    assert "the bias included" in grade_mutant("ex01", tmp_path, Perceptron=UnbiasedPerceptron)
    assert "returned bool values: return the labels as integers" in grade_mutant("ex01", tmp_path,
                                                                                  Perceptron=BoolPerceptron)

    class FloatPerceptron(module.Perceptron):      # 0.0 and 1.0 are numbers, not the integer labels asked for
        def predict(self, x):
            return (self.run(x) > 0).astype(float)

    assert "returned float64 values: return the labels as integers" in grade_mutant("ex01", tmp_path,
                                                                                     Perceptron=FloatPerceptron)


def test_ex01_hint_for_a_perceptron1d_that_swaps_its_weight_and_bias(tmp_path):
    """The hint with the worked number comes first: a run right on no input is told what run(3) should be."""
    class Swapped:
        def __init__(self, weight, bias):
            self.weight, self.bias = weight, bias

        def run(self, x):
            return self.bias * np.asarray(x, dtype=float) + self.weight

    assert grade_mutant("ex01", tmp_path, Perceptron1D=Swapped) == "Perceptron1D(2, -1).run(3) should be 2*3 - 1 = 5"


def test_ex01_hint_for_a_perceptron_that_predicts_the_opposite_labels(tmp_path):
    """1 where z < 0: a tie still gives 0, and the zero-bias perceptron is wrong, so the hint is the threshold's
    own, not the bias's ("is wrong though it is right when b = 0")."""
    module = load_module(find("ex01").solution_path)

    class Opposite(module.Perceptron):
        def predict(self, x):
            return (self.run(x) < 0).astype(int)

    assert grade_mutant("ex01", tmp_path, Perceptron=Opposite) == (
        "Perceptron.predict must give 1 where z > 0 and 0 elsewhere")


def test_ex01_hint_for_an_activation_that_returns_an_array_for_a_plain_number(tmp_path):
    class ArrayReLU:
        @staticmethod
        def fn(z):
            return np.maximum(np.atleast_1d(z), 0.0)

    assert grade_mutant("ex01", tmp_path, ReLU=ArrayReLU) == (
        "ReLU.fn(0.5) on a plain number returned shape (1,), expected ()")


@pytest.mark.parametrize("run, hint", [
    (lambda network, module, x: module.Sigmoid.fn(network.layers[0].run(x)),
     "NeuralNetwork.run gives the same output whatever activation it is given (one whose fn returns z unchanged, one "
     "whose fn adds 7): apply the activation it is given, self.activation_function.fn(z)"),
    (lambda network, module, x: network.activation_function.fn(network.layers[0].predict(x)),
     "NeuralNetwork.run with an activation whose fn returns z unchanged is off by a relative 7.8e-01 from the weighted "
     "sum z = x @ W + b: compute z with the network's perceptron, self.layers[0].run(x), and give z itself to the "
     "activation"),
    (lambda network, module, x: network.layers[0].run(network.activation_function.fn(x)),
     "NeuralNetwork.run gives the weighted sum z = x @ W + b when the activation returns z unchanged, but not z**3 "
     "when its fn is z**3: apply the activation to z, once, a = self.activation_function.fn(z)"),
    (lambda network, module, x: network.activation_function.fn(network.layers[0].run(x)).T,
     "NeuralNetwork.run with an activation whose fn is z**3 returned shape (4, 6), expected (6, 4)"),
    (lambda network, module, x: (lambda a: a.T if a.min() > 5 else a)(2 * network.activation_function.fn(
        network.layers[0].run(x))),
     "NeuralNetwork.run with an activation whose fn is z**3 (it must use the activation it is given) is off by a "
     "relative 1.0e+00 from the formula"),
], ids=["always-sigmoid", "activation-of-the-decisions", "activation-of-the-inputs", "transposed",
        "transposed-for-some-activations"])
def test_ex01_hint_for_a_network_names_the_half_of_g_of_x_w_plus_b_at_fault(run, hint, tmp_path):
    """A NeuralNetwork that always applies Sigmoid is told so by activations only the grader knows, not by
    "NeuralNetwork.run with Tanh is off", which sent the learner to Tanh; one that feeds the activation the
    perceptron's 0/1 decisions (predict), or runs it on the inputs, uses the activation it is given: "(it must use
    the activation it is given)" sent the learner to a line that was right, and names the wrong half instead. One
    that returns a.T (the tutorials' column vectors) keeps the shape hint: its outputs are not compared with z; and
    without "(it must use the activation it is given)", which a transposed a, made with the activation, does. One
    whose output's shape depends on its values (a learner's `if`: transposed where the activation adds 7) keeps the
    z**3 hint: the two outputs of other shapes are not compared (relative_gap needs equal shapes: it crashed)."""
    module = load_module(find("ex01").solution_path)

    class Mistaken(module.NeuralNetwork):
        def run(self, x):
            return run(self, module, x)

    assert grade_mutant("ex01", tmp_path, NeuralNetwork=Mistaken) == hint


def test_ex02_hint_for_gradients_that_leave_out_a_key(tmp_path):
    """A dict without b2 is told which keys it must hold, not "the grader could not check your code: KeyError"."""
    module = load_module(find("ex02").solution_path)

    def three_gradients(params, X, y):
        grads = module.gradients(params, X, y)
        del grads["b2"]
        return grads

    assert grade_mutant("ex02", tmp_path, gradients=three_gradients) == (
        "gradients must return a dict with the keys W1, b1, W2, b2")


def test_ex02_an_m_written_in_as_a_number_is_blamed_on_bp1_not_on_the_given_gradients(tmp_path):
    # right on the first batch, of 5 rows; on the second, of 7, the error surfaced in gradients()['W1']
    message = _graded_with("ex02", tmp_path, ("    m = a2.shape[0]\n    return (a2 - y) / m",
                                              "    m = 5\n    return (a2 - y) / m"))
    assert message == ("BP1 (output_error) on a batch of 7 rows: it divides by 5, the first batch's m: take m from "
                       "the arrays it is given (a.shape[0])"), message


def test_ex02_gradients_is_checked_entry_by_entry_where_bp1_to_bp4_alone_are_right(tmp_path):
    """BP1-BP4 right on their own, gradients() wrong where it puts them together: every entry of its dict is held to
    the tape's 1e-10, b2 (the last) too, and a float32 step is told as such."""
    right = load_module(find("ex02").solution_path).gradients

    def b2_averaged(params, X, y):                     # "b2": delta2.mean(axis=0): the 1/m of BP1 a second time
        grads = right(params, X, y)
        return {**grads, "b2": grads["b2"] / len(X)}

    def in_float32(params, X, y):                      # the arrays cast to float32 first, TensorFlow's habit
        return right({name: value.astype(np.float32) for name, value in params.items()}, X.astype(np.float32),
                     y.astype(np.float32))

    # the mean where the sum belongs: 1/7 of the tape's b2 on the grader's batch of 7, a relative gap of 6/7
    assert grade_mutant("ex02", tmp_path, gradients=b2_averaged) == (
        f"gradients()['b2'] differs from tf.GradientTape's by a relative {6 / 7:.1e}")
    message = grade_mutant("ex02", tmp_path, gradients=in_float32)
    assert message.startswith("gradients()['W1'] differs from tf.GradientTape's by a relative ") and message.endswith(
        FLOAT32_RESULT), message


def test_ex02_hint_for_gradients_that_feed_layer_2_its_z1_rather_than_its_activation_a1(tmp_path):
    # BP1 to BP4 right, gradients() wrong in W2 alone: it was told only "differs from tf.GradientTape's by a relative"
    fed_z1 = ('weight_gradient(cache["a1"], delta2)', 'weight_gradient(cache["z1"], delta2)')
    assert _graded_with("ex02", tmp_path, fed_z1) == ("gradients()['W2'] is z1.T @ delta2: layer 2's input a_prev is "
                                                      "the activation a1 = sigma(z1), not z1")


def test_ex02_pass_names_the_largest_gap_of_gradients_to_the_tape(tmp_path):
    exercise = find("ex02")
    module = load_module(exercise.solution_path)
    right = module.gradients

    def gradients(params, X, y):                   # W2 off by a relative 1e-11, within the tolerance of 1e-10
        found = right(params, X, y)
        return {**found, "W2": found["W2"] * (1 + 1e-11)}

    module.gradients = gradients
    summary = exercise.grader.grade(module, tmp_path)
    assert summary.startswith("BP1-BP4 and gradients() match tf.GradientTape (largest relative gap 1.0e-11"), summary


def test_ex01_a_perceptron_that_predicts_with_a_rounded_sigmoid_fails_where_z_is_tiny(tmp_path):
    module = load_module(find("ex01").solution_path)

    class RoundedSigmoidPerceptron(module.Perceptron):    # right wherever |z| is not tiny: sigmoid(1e-20) = 0.5 -> 0
        def predict(self, x):
            return np.round(module.Sigmoid.fn(self.run(x))).astype(int)

    assert "must give 1 for z = 1e-20 and 0 for z = -1e-20" in grade_mutant("ex01", tmp_path,
                                                                            Perceptron=RoundedSigmoidPerceptron)


FLOAT32_RESULT = "; your result is float32: keep the computation in float64, the type of the arrays it is given"
FLOAT32_STEP = ("; a gap this small is float32's rounding: if a step of yours is in float32, keep it in float64, the "
                "type of the arrays it is given")


@pytest.mark.parametrize("name, original, changed, start, end", [
    ("ex01", "np.asarray(x, dtype=float) @ self.weights + self.bias",          # float32 @ float32 + a float64 bias
     "np.asarray(x, dtype=np.float32) @ self.weights.astype(np.float32) + self.bias",
     "Perceptron.run on a batch (5, 3) with W (3, 2) is off by a relative ", FLOAT32_STEP),
    ("ex01", "np.tanh(np.asarray(z, dtype=float))", "np.tanh(np.asarray(z, dtype=np.float32))",
     "Tanh.fn on a (4, 5) array is off by a relative ", FLOAT32_RESULT),
    ("ex02", "return a_prev.T @ delta ", "return (a_prev.T @ delta).astype(np.float32) ",
     "BP4 (weight_gradient) differs from tf.GradientTape's by a relative ", FLOAT32_RESULT),
], ids=["ex01-perceptron", "ex01-tanh", "ex02-bp4"])
def test_a_result_computed_in_float32_is_told_so_not_sent_to_look_for_a_wrong_formula(name, original, changed, start,
                                                                                         end, tmp_path):
    # 'off by a relative 6.1e-08 from the formula' alone sent the learner to look for a mistake in a right formula
    message = _graded_with(name, tmp_path, (original, changed))
    assert message.startswith(start) and message.endswith(end), message


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_an_activation_that_returns_a_tensorflow_tensor_is_graded_as_its_numbers(dtype, tmp_path):
    # a tf.Tensor's dtype is a tf.DType, with no .kind: the float32 hint tripped on it, even for a right result
    import tensorflow as tf

    class TfTanh:
        @staticmethod
        def fn(z):
            return tf.math.tanh(tf.constant(z, dtype=getattr(tf, dtype)))

    exercise = find("ex01")
    module = load_module(exercise.solution_path)
    module.Tanh = TfTanh
    if dtype == "float64":
        assert "match the formulas" in exercise.grader.grade(module, tmp_path)
    else:
        assert grade_mutant("ex01", tmp_path, Tanh=TfTanh).endswith(FLOAT32_RESULT)


@pytest.mark.parametrize("clip", [20, 10], ids=["below-float32", "above-float32"])
def test_a_float64_result_as_close_as_float32_rounding_is_not_blamed_on_float32(clip, tmp_path):
    # a sigmoid clipped at |z| = 20 misses sigmoid(50) by 2e-9, one clipped at 10 by 5e-5: gaps on either side of
    # float32's rounding (1e-8 to 1e-5), each from a formula that is wrong
    message = _graded_with("ex01", tmp_path, ("e = np.exp(-np.abs(z))",
                                              f"e = np.exp(-np.minimum(np.abs(z), {clip}))"))
    assert message == f"Sigmoid.fn at extreme inputs is off by a relative {np.exp(-clip):.1e} from the formula"


def _sigmoid_prime(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return s * (1.0 - s)


@pytest.mark.parametrize("mutant, expected", [
    ({"output_error": lambda a2, y, z2: (a2 - y) * _sigmoid_prime(z2)}, "BP1 (output_error) is m = 5 times too large"),
    ({"output_error": lambda a2, y, z2: (y - a2) / len(a2) * _sigmoid_prime(z2)}, "wrong sign"),
    ({"output_error": lambda a2, y, z2: (a2 - y) / len(a2)}, "BP1 (output_error): the factor sigma'(z2) is missing"),
    ({"hidden_error": lambda delta2, W2, z1: delta2 @ W2.T}, "sigma'(z1)"),
    ({"bias_gradient": lambda delta: delta.mean(axis=0)}, "BP3 (bias_gradient) is m = 5 times too small"),
    ({"weight_gradient": lambda a_prev, delta: delta.T @ a_prev}, "BP4 (weight_gradient) returned shape (4, 3)"),
    # BP3 is a sum, not a product: its wrong shape is not sent to 'the shape of each factor'
    ({"bias_gradient": lambda delta: delta.sum(axis=0, keepdims=True)},
     "BP3 (bias_gradient) returned shape (1, 4), expected (4,): one number per unit: add up delta's rows"),
    ({"bias_gradient": lambda delta: delta.sum(axis=1)},
     "BP3 (bias_gradient) returned shape (5,), expected (4,): one number per unit: add up delta's rows"),
    ({"hidden_error": lambda delta2, W2, z1: (delta2 @ W2.T) * -_sigmoid_prime(z1)},     # s * (s - 1)
     "BP2 (hidden_error) has the wrong sign: delta1 = (delta2 @ W2.T) * sigma'(z1)"),
    ({"weight_gradient": lambda a_prev, delta: -(a_prev.T @ delta)},
     "BP4 (weight_gradient) has the wrong sign: dC/dW = a_prev.T @ delta"),
    # a BP4 of the right shape but the wrong values went on to a diagnosis of shape (h, h) for an (n, h) result:
    # 'the grader could not check your code: ValueError in _compare ... relative_gap needs equal shapes'
    ({"weight_gradient": lambda a_prev, delta: a_prev[:1].T @ delta[:1]},
     "BP4 (weight_gradient) differs from tf.GradientTape's by a relative"),
    ({"weight_gradient": lambda a_prev, delta: (1.0 / (1.0 + np.exp(-a_prev))).T @ delta},
     "BP4 (weight_gradient): a_prev is the layer's input as it is"),
    # the slips below were told only "differs from tf.GradientTape's by a relative ..."
    ({"output_error": lambda a2, y, z2: (a2 - y) / len(a2) * a2},
     "BP1 (output_error): it multiplies by sigma(z2), not by sigma'(z2) = sigma(z2) (1 - sigma(z2))"),
    ({"output_error": lambda a2, y, z2: (a2 - y) / len(a2) * z2 * (1 - z2)},
     "BP1 (output_error): sigma'(z2) is written z2 (1 - z2): a (1 - a) takes the activation a2 = sigma(z2), not z2"),
    ({"output_error": lambda a2, y, z2: (a2 - y) / a2.shape[1] * _sigmoid_prime(z2)},
     "BP1 (output_error): it divides by 2, the number of output units (a2.shape[1]): m is the number of rows"),
    ({"output_error": lambda a2, y, z2: (a2 - y) / (2 * len(a2)) * _sigmoid_prime(z2)},
     "BP1 (output_error): it is half of delta2: C = 1/(2m) sum ||a - y||^2 has a 1/2 that the 2 of the square's"),
    ({"hidden_error": lambda delta2, W2, z1: (delta2 @ W2.T) / (1.0 + np.exp(-z1))},
     "BP2 (hidden_error): it multiplies by sigma(z1), not by sigma'(z1)"),
    ({"hidden_error": lambda delta2, W2, z1: (delta2 @ W2.T) * z1 * (1 - z1)},
     "BP2 (hidden_error): sigma'(z1) is written z1 (1 - z1): a (1 - a) takes the activation a1 = sigma(z1), not z1"),
], ids=["bp1_no_mean", "bp1_sign", "bp1_no_sigma_prime", "bp2_no_sigma_prime", "bp3_mean", "bp4_transposed",
        "bp3_keepdims", "bp3_summed_over_units", "bp2_sign", "bp4_sign", "bp4_first_example_only",
        "bp4_sigmoid_of_a_prev", "bp1_sigma_for_sigma_prime", "bp1_prime_of_z", "bp1_over_k", "bp1_halved",
        "bp2_sigma_for_sigma_prime", "bp2_prime_of_z"])
def test_ex02_hint_names_the_equation_at_fault(mutant, expected, tmp_path):
    assert expected in grade_mutant("ex02", tmp_path, **mutant)


SWAPPED = ", or the operands swapped?"


class LineOf:
    """Where the error was, in an expected message: '{line}' is 'line L of <file>' for the line of `source` where
    `changed` starts, '{line:text}' for the line holding `text` (the error raised on another line)."""

    def __init__(self, source: str, changed: str, file: str):
        self.source, self.changed, self.file = source, changed, file

    def __format__(self, text: str) -> str:
        return f"line {self.source[:self.source.index(text or self.changed)].count(chr(10)) + 1} of {self.file}"


@pytest.mark.parametrize("name, original, changed, expected", [
    ("ex02", "(delta2 @ W2.T) * sigmoid_prime(z1)", "(delta2 @ W2) * sigmoid_prime(z1)",
     "hidden_error ({line}): matmul of delta2 (5, 2) @ W2 (4, 2): the inner sizes 2 and 4 differ -- a missing or "
     f"extra .T{SWAPPED}"),
    ("ex02", "return a_prev.T @ delta", "return delta @ a_prev.T",
     "weight_gradient ({line}): matmul of delta (5, 4) @ a_prev.T (3, 5): the inner sizes 4 and 3 differ -- a missing "
     f"or extra .T{SWAPPED}"),
    ("ex01", "np.asarray(x, dtype=float) @ self.weights + self.bias", "x @ self.weights.T + self.bias",
     "Perceptron.run ({line}): matmul of x (5, 3) @ self.weights.T (2, 3): the inner sizes 3 and 2 differ -- a missing "
     f"or extra .T{SWAPPED}"),
    # NeuralNetwork.run doing the perceptron's work itself: its weights reached through a list, read as they are
    ("ex01", "z = self.layers[0].run(x)", "z = x @ self.layers[0].weights.T",
     "NeuralNetwork.run ({line}): matmul of x (6, 3) @ self.layers[0].weights.T (4, 3): the inner sizes 3 and 4 "
     f"differ -- a missing or extra .T{SWAPPED}"),
    # an operand that is an expression is not evaluated again: its size alone, as NumPy reported it
    ("ex02", "(delta2 @ W2.T) * sigmoid_prime(z1)", "(delta2 * 1.0) @ W2 * sigmoid_prime(z1)",
     "hidden_error ({line}): matmul of (delta2 * 1.0) @ W2 (4, 2): the inner sizes 2 and 4 differ (the left's last, "
     f"the right's first) -- a missing or extra .T{SWAPPED}"),
    # the bias kept as a column (n_out, 1) by __init__: run's z = x @ W + b raises (its line, not the changed one)
    ("ex01", "self.bias = np.asarray(bias, dtype=float)", "self.bias = np.asarray(bias, dtype=float).reshape(-1, 1)",
     "Perceptron.run ({line:@ self.weights + self.bias}): the left side (5, 2) + self.bias (2, 1): on one axis (lined "
     "up from the last) the sizes 5 and 2 differ and neither is 1 -- self.bias is a column (2, 1): was a vector (2,) "
     "meant?"),
    # in place, z += b: NumPy lists a third shape, z's own
    ("ex01", "return np.asarray(x, dtype=float) @ self.weights + self.bias",
     "z = np.asarray(x, dtype=float) @ self.weights\n        z += self.bias.reshape(-1, 1)\n        return z",
     "Perceptron.run ({line:z += }): z (5, 2) += self.bias.reshape(-1, 1) (2, 1): on one axis (lined up from the "
     "last) the sizes 5 and 2 differ and neither is 1 -- self.bias.reshape(-1, 1) is a column (2, 1): was a vector "
     "(2,) meant?"),
], ids=["ex02-bp2-without-transpose", "ex02-bp4-swapped", "ex01-perceptron-transposed", "ex01-network-transposed",
        "ex02-expression-operand", "ex01-bias-a-column", "ex01-bias-added-in-place"])
def test_a_numpy_shape_error_names_the_arrays_their_shapes_and_the_likely_fix(name, original, changed, expected,
                                                                              tmp_path):
    """NumPy says 'matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature
    (n?,k),(k,m?)->(n?,m?) (size 4 is different from 2)': not which arrays, nor what to change."""
    exercise = find(name)
    source = exercise.solution_path.read_text(encoding="utf-8")
    assert source.count(original) == 1
    source = source.replace(original, changed)
    path = tmp_path / f"{exercise.stem}.py"
    path.write_text(source, encoding="utf-8")

    result = grade_file(exercise, path, tmp_path)
    expected = expected.format(line=LineOf(source, changed, path.name))
    assert (result.passed, result.message) == (False, f"your code raised ValueError in {expected}")


def learners_file(text: str, monkeypatch) -> str:
    """The name of a learner's file of its own that reads `text`, held in linecache (as load_module keeps a notebook
    cell's lines) for as long as the test runs."""
    filename = f"<learner's {len(linecache.cache)}>"
    monkeypatch.setitem(linecache.cache, filename, (len(text), None, text.splitlines(keepends=True), filename))
    return filename


def explained_on(source: str, monkeypatch, saved: str | None = None, **arrays) -> str | None:
    """shape_errors.explained for the ValueError that `source`, a learner's file of its own, raises with `arrays` as its
    variables: the explainer without an exercise or a grader around it (no TensorFlow, milliseconds). `saved`: what
    the file reads now, if it was saved again since it ran."""
    filename = learners_file(saved or source, monkeypatch)
    with pytest.raises(ValueError) as raised:
        exec(compile(source, filename, "exec"), {"np": np, **arrays})
    return explained(raised.value, lambda name: name == filename)


DELTA2, W2 = np.ones((5, 2)), np.ones((4, 2))            # hidden_error's delta2 @ W2, its .T forgotten


def test_a_numpy_shape_error_whose_variables_cannot_be_read_leaves_numpy_its_own_message(monkeypatch):
    """A class body whose namespace is a mapping of the learner's (a metaclass's __prepare__) runs the learner's code
    when the explainer looks a name up in it: what that raises must not replace the learner's line with a traceback."""
    source = ("class Odd(dict):\n    def __contains__(self, name):\n        raise RuntimeError('no')\n"
              "class Meta(type):\n    @classmethod\n    def __prepare__(cls, name, bases):\n        return Odd()\n"
              "class Layer(metaclass=Meta):\n    a, W = np.ones((5, 2)), np.ones((4, 2))\n    z = a @ W\n")
    assert explained_on(source, monkeypatch) is None


def test_a_numpy_shape_error_raised_in_numpys_own_python_code_leaves_numpy_its_own_message(monkeypatch):
    """np.linalg.multi_dot multiplies in a Python function of NumPy's: the line that raised is NumPy's, whose operands
    (its A, B and the product of two of them) are not the learner's arrays, so NumPy's message stands."""
    assert explained_on("z = np.linalg.multi_dot([a, b, c])\n", monkeypatch, a=np.ones((5, 2)), b=np.ones((4, 2)),
                        c=np.ones((2, 3))) is None


@pytest.mark.parametrize("line, expected", [
    ("np.dot(delta2, W2)", "matmul of delta2 (5, 2) @ W2 (4, 2): the inner sizes 2 and 4 differ"),
    ("delta2.dot(W2, None)", "matmul of delta2 (5, 2) @ W2 (4, 2): the inner sizes 2 and 4 differ"),  # out=None
    ("np.ndarray.dot(delta2, W2)", "matmul of delta2 (5, 2) @ W2 (4, 2): the inner sizes 2 and 4 differ"),
    ("np.matmul(delta2, W2)", "matmul of delta2 (5, 2) @ W2 (4, 2): the inner sizes 2 and 4 differ"),
    # the operands spread from a list, or one given by keyword: not on the line to name (np is no operand)
    ("np.dot(*(delta2, W2))", "matmul of two arrays: the inner sizes 2 and 4 differ (the left's last"),
    ("np.matmul(*[delta2, W2])", "matmul of two arrays: the inner sizes 2 and 4 differ (the left's last"),
    ("np.dot(delta2, b=W2)", "matmul of two arrays: the inner sizes 2 and 4 differ (the left's last"),
], ids=["np.dot", "method-with-out", "unbound-method", "np.matmul", "np.dot-starred", "np.matmul-starred",
        "np.dot-keyword"])
def test_a_numpy_shape_error_in_a_call_names_the_two_arrays_multiplied_and_no_other_argument(line, expected,
                                                                                             monkeypatch):
    # np.dot(*pair) said 'matmul of np @ *pair', and delta2.dot(W2, None) 'matmul of W2 (4, 2) @ None'
    message = explained_on(f"z = {line}\n", monkeypatch, delta2=DELTA2, W2=W2)
    assert message.startswith(expected), message


@pytest.mark.parametrize("line, expected", [
    ("a > row", "a (6, 2) > row (3,): on one axis"),
    # the left side no array: Python asks the right one (z > [0, 0, 0] for [0, 0, 0] < z), which NumPy then lists first
    ("[0.0, 0.0, 0.0] < a", "[0.0, 0.0, 0.0] (3,) < a (6, 2): on one axis (lined up from the last) the sizes 3 and 2"),
    ("row.tolist() >= a", "row.tolist() (3,) >= a (6, 2): on one axis"),
    ("row.tolist() == a.copy()", "row.tolist() (3,) == a.copy() (6, 2): on one axis"),
    ("row[:, None] < a.copy()", "row[:, None] (3, 1) < a.copy() (6, 2): on one axis"),   # an expression: an array
    ("row[:, None] < a", "row[:, None] (3, 1) < a (6, 2): on one axis"),   # told by the right side's shape, read
    ("list(row) >= a.copy()", "list(row) (3,) >= a.copy() (6, 2): on one axis"),          # list() and tuple() make
    ("(0.0, 0.0, 0.0) < a.copy()", "(0.0, 0.0, 0.0) (3,) < a.copy() (6, 2): on one axis"),  # no array, nor a tuple
], ids=["array-first", "list-first", "unread-list-first", "neither-read", "array-expression-first",
        "array-expression-first-right-read", "list-call-first", "tuple-first"])
def test_a_numpy_shape_error_in_a_comparison_names_each_side_with_its_own_shape(line, expected, monkeypatch):
    # '[0.0, 0.0, 0.0] < a' was told as '[0.0, 0.0, 0.0] (6, 2) < a (3,)': the shapes in NumPy's order, not the line's
    message = explained_on(f"z = {line}\n", monkeypatch, a=np.ones((6, 2)), row=np.ones(3))
    assert message.startswith(expected), message


@pytest.mark.parametrize("line", ["a" + ".T" * 1000 + " @ b", "a @ (" + " + ".join(["b"] * 400) + ")"],
                         ids=["a-thousand-transposes", "a-sum-of-400"])
def test_a_numpy_shape_error_on_a_line_too_deep_to_read_leaves_numpy_its_own_message(line, monkeypatch):
    # Python compiles these; reading them back (ast.unparse, .T after .T) raised RecursionError out of the grader
    assert explained_on(f"z = {line}\n", monkeypatch, a=np.ones((5, 2)), b=np.ones((4, 2))) is None


def test_a_numpy_shape_error_gives_no_shape_to_a_name_the_line_itself_rebinds(monkeypatch):
    # a (5, 2) @ b (4, 2), and then a is b: 'matmul of a (4, 2) @ ...' was the shape a had after, not the one multiplied
    message = explained_on("z = a @ (a := b)\n", monkeypatch, a=np.ones((5, 2)), b=np.ones((4, 2)))
    assert message.startswith("matmul of a @ ") and "(4, 2)" not in message, message


@pytest.mark.parametrize("brackets", ["[]", "{}"], ids=["list", "set"])
def test_a_numpy_shape_error_in_a_comprehension_gives_no_shape_its_variable_had_before_it(brackets, monkeypatch):
    # Python 3.12 runs a list or set comprehension inside the frame (PEP 709) and puts back, as the error leaves it, the
    # x it hid: [x @ W2 for x in [delta2]] was told as 'matmul of x (3, 2) @ W2 (4, 2)', the x from before the list
    open_, close = brackets
    message = explained_on(f"ys = {open_}(x @ W2).sum() for x in [delta2]{close}\n", monkeypatch,
                           x=np.ones((3, 2)), delta2=DELTA2, W2=W2)
    assert message.startswith("matmul of x ") and "(3, 2)" not in message, message


def test_a_numpy_shape_error_writes_an_assignment_expression_operand_in_one_pair_of_brackets(monkeypatch):
    message = explained_on("z = (w := a) @ b\n", monkeypatch, a=np.ones((5, 2)), b=np.ones((4, 2)))
    assert message.startswith("matmul of (w := a) @ b (4, 2): the inner sizes 2 and 4 differ"), message  # ((w := a))


def test_a_numpy_shape_error_in_an_expression_over_three_lines_names_its_two_arrays(monkeypatch):
    # the carets span three lines: the middle one, and the brackets that let the expression cross lines, are kept
    message = explained_on("z = (a\n     @\n     b)\n", monkeypatch, a=np.ones((5, 2)), b=np.ones((4, 2)))
    assert message.startswith("matmul of a (5, 2) @ b (4, 2): the inner sizes 2 and 4 differ"), message


def test_a_numpy_shape_error_names_an_array_kept_in_a_dict_by_its_key(monkeypatch):
    # params["W2"], as a network kept as a dict of its weights writes it: read by its constant key, not evaluated
    message = explained_on("z = delta2 @ params['W2']\n", monkeypatch, delta2=DELTA2, params={"W2": W2})
    assert message.startswith("matmul of delta2 (5, 2) @ params['W2'] (4, 2): the inner sizes 2 and 4 differ"), message


def test_a_numpy_shape_error_in_an_in_place_matmul_names_its_two_arrays(monkeypatch):
    # as z += b names z and b: z @= W2 was 'matmul of two arrays', though both are names on the line
    message = explained_on("z @= W2\n", monkeypatch, z=DELTA2.copy(), W2=W2)
    assert message.startswith("matmul of z (5, 2) @= W2 (4, 2): the inner sizes 2 and 4 differ --"), message


def test_a_numpy_shape_error_between_three_arrays_leaves_numpy_its_own_message(monkeypatch):
    # np.where(condition, a, row): NumPy lists all three shapes; the explainer, which names two sides, keeps out of it
    assert explained_on("z = np.where(a > 0, a, row)\n", monkeypatch, a=np.ones((6, 2)), row=np.ones(3)) is None


@pytest.mark.parametrize("line, sizes", [
    ("row + W", "row (3,) + W (3, 5): on one axis (lined up from the last) the sizes 3 and 5"),
    ("W + row", "W (3, 5) + row (3,): on one axis (lined up from the last) the sizes 5 and 3"),
], ids=["transposed-right", "transposed-left"])
def test_a_numpy_shape_error_whose_sides_line_up_reversed_suggests_a_transpose(line, sizes, monkeypatch):
    # row (3,) and W (3, 5), either side of the +: only W.T (5, 3) lines up with row from the last axis
    message = explained_on(f"z = {line}\n", monkeypatch, row=np.ones(3), W=np.ones((3, 5)))
    assert message == f"{sizes} differ and neither is 1 -- a forgotten transpose (.T)?", message


def test_a_numpy_shape_error_with_a_column_that_would_not_fit_as_a_vector_either_does_not_suggest_the_vector(
        monkeypatch):
    # x (5, 1) + W (3, 4): x as the vector (5,) would not combine with W either, so 'was a vector (5,) meant?' misleads
    message = explained_on("z = x + W\n", monkeypatch, x=np.ones((5, 1)), W=np.ones((3, 4)))
    assert message == ("x (5, 1) + W (3, 4): on one axis (lined up from the last) the sizes 5 and 3 differ and neither "
                       "is 1 -- write down the shape of each side"), message


def test_a_numpy_shape_error_in_a_comparison_with_a_list_variable_on_the_left_names_each_side_with_its_own_shape(
        monkeypatch):
    # a list held in a variable, read back: not an array, so Python asked the right side and NumPy listed it first
    message = explained_on("z = zeros < a\n", monkeypatch, zeros=[0.0, 0.0, 0.0], a=np.ones((6, 2)))
    assert message.startswith("zeros (3,) < a (6, 2): on one axis"), message


@pytest.mark.parametrize("separator", ["\f", "\u2028"], ids=["form-feed", "unicode-line-separator"])
def test_a_numpy_shape_error_below_a_page_break_or_line_separator_is_read_from_its_own_line(separator, tmp_path):
    # Python ends a line at a newline or carriage return only; str.splitlines also at a form feed (an editor's page
    # break), and at the \x1c-\x1e, \x85, \u2028, \u2029 separators. The lines kept for the explainer were split so:
    # each line below a page break was the one above it, and z = a @ b was told as 'matmul of a (5, 2) @ c (4, 2)'
    path = tmp_path / "ex02_backprop.py"
    path.write_text(f"import numpy as np\n# {separator}\na, b, c = np.ones((5, 2)), np.ones((4, 2)), np.ones((4, 2))\n"
                    "d = a @ c.T\nz = a @ b\n", encoding="utf-8")
    with pytest.raises(ValueError) as raised:
        load_module(path)
    message = explained(raised.value, in_file(path))
    assert message.startswith("matmul of a (5, 2) @ b (4, 2): the inner sizes 2 and 4 differ"), message


def test_a_numpy_shape_error_on_a_line_saved_again_since_it_ran_names_no_array(tmp_path):
    """grade_here at the end of the exercise run as a script (make exercise-run NAME=ex02): the failing line is read
    from the file, which the learner may have saved again meanwhile. An array there whose shape is not one NumPy
    multiplied is not named."""
    from types import ModuleType

    exercise = find("ex02")
    ran = exercise.solution_path.read_text(encoding="utf-8").replace("(delta2 @ W2.T) * sigmoid_prime(z1)",
                                                                      "(delta2 @ W2) * sigmoid_prime(z1)")
    path = tmp_path / f"{exercise.stem}.py"
    path.write_text(ran.replace("(delta2 @ W2) *", "(    z1 @ W2) *"), encoding="utf-8")   # z1 (5, 4), same columns
    module = ModuleType("ex02_as_it_ran")
    exec(compile(ran, str(path), "exec"), module.__dict__)
    linecache.checkcache(str(path))
    result = grade_module(exercise, module, tmp_path, in_file(path))
    assert result.message.endswith("): matmul of two arrays: the inner sizes 2 and 4 differ (the left's last, the "
                                   f"right's first) -- a missing or extra .T{SWAPPED}"), result.message


@pytest.mark.parametrize("saved, shapes", [
    ("z = a @ c\n", {"c": np.ones((2, 3))}),               # c's first size 2, not the 4 NumPy was given: not b
    ("z = a @ c\n", {"c": np.ones((7, 2, 3))}),            # a stack of matrices: its second-to-last size, 2
    ("z = d @ b\n", {"d": np.ones((5, 3))}),               # the left side's last size 3, not 2
], ids=["right-side", "right-side-stacked", "left-side"])
def test_a_numpy_shape_error_on_a_line_saved_again_since_it_ran_names_no_array_on_either_side(saved, shapes,
                                                                                              monkeypatch):
    """a (5, 2) @ b (4, 2) ran; the file now reads another array on one side: its shape is not the one NumPy
    multiplied, so neither side is named (the right side's check was not pinned: 'matmul of a (5, 2) @ c (2, 3)')."""
    assert explained_on("z = a @ b\n", monkeypatch, saved, a=np.ones((5, 2)), b=np.ones((4, 2)), **shapes) == (
        f"matmul of two arrays: the inner sizes 2 and 4 differ (the left's last, the right's first) -- a missing or "
        f"extra .T{SWAPPED}")


@pytest.mark.parametrize("ran, saved, expected", [
    ("z = a + b\n", "z = a + c\n", "(5, 2) + (3,): on one axis (lined up from the last) the sizes 2 and 3 differ"),
    # a comparison whose left side is not read: the right side's shape, which is neither of NumPy's, cannot tell which
    # side NumPy listed first, so the two shapes stay in NumPy's order (not '(3,) < (5, 2)', swapped)
    ("z = b[:] < a\n", "z = b[:] < c\n", "arrays of shapes (3,) and (5, 2) do not combine elementwise: on one axis "
                                        "(lined up from the last) the sizes 3 and 2 differ"),
], ids=["sum", "comparison-left-side-unread"])
def test_a_numpy_shape_error_between_sides_saved_again_since_it_ran_keeps_numpys_shapes_unnamed(ran, saved, expected,
                                                                                                monkeypatch):
    """a (5, 2) and b (3,) ran; the line now reads c (4,) where b was: its shape is not NumPy's, so no side is named
    (without the check: 'a (5, 2) + c (3,)', c given b's shape)."""
    assert explained_on(ran, monkeypatch, saved, a=np.ones((5, 2)), b=np.ones(3), c=np.ones(4)) == (
        f"{expected} and neither is 1 -- write down the shape of each side")


def test_a_numpy_shape_error_reads_the_same_in_make_exercises_a_notebook_a_grade_cell_and_make_grade(tmp_path,
                                                                                                   monkeypatch, capsys):
    """A notebook's cells have no file to read the failing line from: graded from the .ipynb, the lines that ran are
    kept for it; run in a kernel, IPython keeps each cell's lines (here, as it does, in linecache)."""
    from keras_models.course.exercises import graders
    from keras_models.course.instructor.sandbox import MAX_REASON, one_line

    exercise = find("ex02")
    source = exercise.solution_path.read_text(encoding="utf-8").replace("(delta2 @ W2.T) * sigmoid_prime(z1)",
                                                                         "(delta2 @ W2) * sigmoid_prime(z1)")
    line = source[:source.index("(delta2 @ W2) *")].count("\n") + 1
    shapes = f"matmul of delta2 (5, 2) @ W2 (4, 2): the inner sizes 2 and 4 differ -- a missing or extra .T{SWAPPED}"
    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(repository, "REPO", tmp_path)  # what from_repository shows
    exercise.learner_path.write_text(source, encoding="utf-8")
    assert grade_cli.main(["--only", "ex02"]) == 1                                          # make exercises
    assert f"        your code raised ValueError in hidden_error (line {line} of ex02_backprop.py): {shapes}\n" in \
        capsys.readouterr().out

    notebook = tmp_path / f"{exercise.stem}.ipynb"                                        # the same code as a notebook
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), notebook)
    result = grade_file(exercise, notebook, tmp_path)
    assert result.message == (f"your code raised ValueError in hidden_error (line {line} of cell 1 of "
                              f"{notebook.name}): {shapes}")
    assert one_line(result.message) == result.message and len(result.message) <= MAX_REASON      # make grade's reason

    cell, grade_cell = (str(tmp_path / "ipykernel_4242" / f"{number}.py") for number in (1, 2))    # grade_here
    monkeypatch.setitem(linecache.cache, cell, (len(source), None, source.splitlines(keepends=True), cell))
    namespace = {"__name__": "notebook"}                                  # its Try it and Grade it cells not run
    exec(compile(source, cell, "exec"), namespace)
    exec(compile("from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex02')", grade_cell,
                 "exec"), namespace)
    assert capsys.readouterr().out.splitlines()[1] == (f"        your code raised ValueError in hidden_error (line "
                                                       f"{line} of its cell): {shapes}")


def test_ex03_hints_for_scalers_fitted_on_the_wrong_rows(tmp_path):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    def fitted_on_all_rows(features, price):                    # the test rows leak into the scaling
        scaler = StandardScaler().fit(features)
        X_train, X_test, y_train, y_test = train_test_split(features, price, test_size=0.3, random_state=42)
        return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, scaler

    def min_max_fitted_on_all_rows(features, price):            # the exercise's own scaler: the same numbers here
        scaler = MinMaxScaler().fit(features)
        X_train, X_test, y_train, y_test = train_test_split(features, price, test_size=0.3, random_state=42)
        return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, scaler

    def refitted_on_the_test_rows(features, price):
        X_train, X_test, y_train, y_test = train_test_split(features, price, test_size=0.3, random_state=42)
        scaler = MinMaxScaler().fit(X_train)
        return scaler.transform(X_train), MinMaxScaler().fit_transform(X_test), y_train, y_test, scaler

    assert "fit the scaler on the training rows" in grade_mutant("ex03", tmp_path, split_and_scale=fitted_on_all_rows)
    assert grade_mutant("ex03", tmp_path, split_and_scale=min_max_fitted_on_all_rows).startswith(
        "the scaler was fitted on all 1000 rows, so the test rows leak into the scaling")
    assert "fitted on the test rows" in grade_mutant("ex03", tmp_path, split_and_scale=refitted_on_the_test_rows)


def ex03_split(random_state: int = 42):
    """ex03's split as its solution makes it: make_price_data()'s gems, 30 % held out for the test (random_state=42,
    or a learner's other `random_state`). Returns X_train, X_test, y_train, y_test and the number of gems."""
    from sklearn.model_selection import train_test_split

    from keras_models.course.exercises.price_data import make_price_data

    features, price = make_price_data()
    return (*train_test_split(features, price, test_size=0.3, random_state=random_state), features)


def test_ex03_hint_for_a_scaler_fitted_on_the_test_rows_alone_names_the_rows_it_saw():
    # not the general "the training features are not scaled by a scaler fitted on them": its count of rows says which
    from sklearn.preprocessing import MinMaxScaler

    from keras_models.course.exercises.graders import ex03

    X_train, X_test, y_train, y_test, features = ex03_split()
    scaler = MinMaxScaler().fit(X_test)                         # the wrong split's rows: 300 of the 1000
    with pytest.raises(Fail, match="^the scaler was fitted on 300 rows, not the 700 training rows: "):
        ex03._check_split((scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, scaler), features)


def test_ex03_hint_for_a_split_that_also_holds_out_validation_rows_and_returns_neither_them_nor_all_rows():
    # a validation split carved out of the training rows by habit, and left out of what split_and_scale returns:
    # 490 + 300 rows of the 1000, each share and the scaler's count otherwise right
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    from keras_models.course.exercises.graders import ex03

    X_train, X_test, y_train, y_test, features = ex03_split()
    X_train, _, y_train, _ = train_test_split(X_train, y_train, test_size=0.3, random_state=42)
    scaler = MinMaxScaler().fit(X_train)
    with pytest.raises(Fail, match="^the two splits must hold all 1000 rows between them$"):
        ex03._check_split((scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, scaler), features)


@pytest.mark.parametrize("share", ["0.1", "0.5"])
def test_ex03_hint_for_a_test_split_far_from_30_percent(share, tmp_path):
    message = _graded_with("ex03", tmp_path, ("price, test_size=0.3,", f"price, test_size={share},"))
    assert message == f"hold out about 30% of the rows for the test, not {round(1000 * float(share))}", message


@pytest.mark.parametrize("random_state, cast_first", [(42, False), (7, False), (42, True)],
                         ids=["the-solutions-split", "a-split-whose-cast-is-2e-9-off", "the-raw-features-cast-first"])
def test_ex03_takes_features_standardised_then_cast_to_float32_and_still_refuses_test_rows_scaled_on_their_own(
        random_state, cast_first):
    """Two claims: standardised splits in float32 (TensorFlow's type, so a common cast) pass, both splits or the
    training split alone beside a float64 test split; and test rows scaled on their own are still refused. Cast after
    the scaling, the training columns' mean is then about 1e-9 off 0 (1e-8 in float32), and the grader said "the
    training features are not scaled by a scaler fitted on them": for both splits cast, and for the training split
    alone while it took its tolerance from the test split's float64 (1e-9) instead of the wider of the two splits'
    types. The cast's rounding moves the mean by a different 1e-9 or so for each split: random_state=7's is 2.1e-9,
    past a hundredth of float32's epsilon (1.2e-9, which random_state=42's 1.1e-9 passes). Cast before the scaler is
    fitted, the raw features near 1000 are rounded by 1000 times float32's epsilon of their spread of 1: the mean
    comes out 9e-6 off 0, and the grader said the same until its ten epsilons (1.2e-6) were scaled by that size."""
    from sklearn.preprocessing import StandardScaler

    from keras_models.course.exercises.graders import ex03

    X_train, X_test, y_train, y_test, features = ex03_split(random_state)
    if cast_first:
        X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)   # the scaler then returns float32
    scaler = StandardScaler().fit(X_train)
    in_float32 = scaler.transform(X_train).astype(np.float32), scaler.transform(X_test).astype(np.float32)
    ex03._check_split((*in_float32, y_train, y_test, scaler), features)
    ex03._check_split((in_float32[0], scaler.transform(X_test), y_train, y_test, scaler), features)   # test: float64
    on_their_own = StandardScaler().fit_transform(X_test).astype(np.float32)
    with pytest.raises(Fail, match="the test features look scaled by a scaler fitted on the test rows"):
        ex03._check_split((in_float32[0], on_their_own, y_train, y_test, scaler), features)


@pytest.mark.parametrize("test_dtype, scaler_name", [(np.float16, "StandardScaler"), (np.float32, "StandardScaler"),
                                                     (np.float16, "MinMaxScaler")],
                         ids=["test-split-float16", "test-split-float32", "min-max-scaled"])
def test_ex03_hint_for_raw_features_cast_to_float16_names_the_float16(test_dtype, scaler_name):
    # float16 rounds features near 1000 to steps of 0.5, half their spread: standardised, the training columns' mean
    # is 0.06 off 0, past the 0.045 by which test rows miss it, so no tolerance can take it and still refuse those.
    # The test split cast to float32 instead, the hint still names the narrowest type, float16, not float32.
    # Min-max scaled, the training columns still span 0 to 1 exactly, and passed the split's checks with 9 distinct
    # values in each column of 700 rows (of the 13 or 14 float16 leaves near 1000)
    from sklearn import preprocessing

    from keras_models.course.exercises.graders import ex03

    X_train, X_test, y_train, y_test, features = ex03_split()
    scaler = getattr(preprocessing, scaler_name)().fit(X_train.astype(np.float16))
    in_float16 = scaler.transform(X_train.astype(np.float16)), scaler.transform(X_test.astype(test_dtype))
    with pytest.raises(Fail, match=r"^the features are float16, too coarse for raw features that sit 1012 times their "
                                   r"spread from 0 \(float16 rounds numbers near 1003 to steps of 0\.5; their spread "
                                   r"is 0\.99\): keep them in float64 \(or float32\)$"):
        ex03._check_split((*in_float16, y_train, y_test, scaler), features)


def test_ex03_takes_features_min_max_scaled_then_cast_to_float16():
    # cast after the scaling, float16 rounds the scaled features by 2.4e-4 at most, a thousandth of their spread: each
    # column keeps hundreds of distinct values, not the 13 or 14 float16 leaves of the raw features near 1000
    from sklearn.preprocessing import MinMaxScaler

    from keras_models.course.exercises.graders import ex03

    X_train, X_test, y_train, y_test, features = ex03_split()
    scaler = MinMaxScaler().fit(X_train)
    in_float16 = scaler.transform(X_train).astype(np.float16), scaler.transform(X_test).astype(np.float16)
    ex03._check_split((*in_float16, y_train, y_test, scaler), features)


def test_ex03_hint_for_raw_features_cast_to_float32_with_the_training_rows_left_unscaled_names_the_scaling():
    # float32's tolerance (1.2e-3) is a tenth of the quarter of the 0.045 margin past which a type is too coarse:
    # a float32 learner whose training rows were not transformed is told so, not told to give up float32
    from sklearn.preprocessing import StandardScaler

    from keras_models.course.exercises.graders import ex03

    X_train, X_test, y_train, y_test, features = ex03_split()
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    scaler = StandardScaler().fit(X_train)
    with pytest.raises(Fail, match=r"^the training features are not scaled by a scaler fitted on them: "):
        ex03._check_split((X_train, scaler.transform(X_test), y_train, y_test, scaler), features)


@pytest.mark.parametrize("as_column", [False, True], ids=["prices-as-given", "prices-as-a-column"])
def test_ex03_hint_for_test_features_left_unscaled_names_them_not_a_split_apart(as_column):
    # the training split scaled, the test split returned raw: its rows, read back through the scaler, sit thousands
    # away from their prices, and the hint said "features and prices were split apart". Prices as a column (m, 1)
    # are read as the same m prices, not broadcast against the m rows' formula into an (m, m) table
    from sklearn.preprocessing import MinMaxScaler

    from keras_models.course.exercises.graders import ex03

    X_train, X_test, y_train, y_test, features = ex03_split()
    if as_column:
        y_train, y_test = y_train.reshape(-1, 1), y_test.reshape(-1, 1)                  # (m, 1)
    scaler = MinMaxScaler().fit(X_train)
    with pytest.raises(Fail, match=r"^the test features are not scaled \(they are the raw ones, near 1000\): "):
        ex03._check_split((scaler.transform(X_train), X_test, y_train, y_test, scaler), features)


def test_ex03_hint_for_features_and_prices_split_apart(tmp_path):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    def split_apart(features, price):                           # two calls shuffle the rows two ways
        X_train, X_test = train_test_split(features, test_size=0.3, random_state=1)
        y_train, y_test = train_test_split(price, test_size=0.3, random_state=2)
        scaler = MinMaxScaler().fit(X_train)
        return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, scaler

    assert grade_mutant("ex03", tmp_path, split_and_scale=split_apart).startswith(
        "features and prices were split apart")


# ex03, ex04 and ex05 refuse a model with no nonlinear hidden layer in one line (model_checks), each in its own words
NO_HIDDEN_NONLINEARITY = ("the model has no hidden layer with a nonlinear activation, so however many layers it has "
                          "it {does}: give it hidden Dense layers with activation=\"relu\"")


def test_ex03_hint_for_a_model_compiled_with_the_mean_absolute_error_names_the_loss(tmp_path):
    # not "evaluate returned ... but the test MSE is ...": evaluate returns the loss the model was compiled with
    def with_mae():
        model = ex03_exact_model()
        model.compile(optimizer="adam", loss="mae")
        return model

    assert ex03_graded(tmp_path, build_model=with_mae) == (
        'compile with the mean squared error loss ("mse"), not mean_absolute_error')


def test_ex03_hint_for_hidden_layers_without_activation(tmp_path):
    import keras

    def linear_hidden_layers():                                 # the prices are nearly a plane: it would pass
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(16), keras.layers.Dense(16),
                                  keras.layers.Dense(16), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
        return model

    assert grade_mutant("ex03", tmp_path, build_model=linear_hidden_layers) == NO_HIDDEN_NONLINEARITY.format(
        does="fits one plane")


def ex03_scaler():
    """The MinMaxScaler ex03's solution fits: on the 70 % of the gems it trains on (ex03_split)."""
    from sklearn.preprocessing import MinMaxScaler

    return MinMaxScaler().fit(ex03_split()[0])


def ex03_exact_model(relu_layer: bool = False):
    """A compiled ex03 model that is the price formula in the scaled features, through relu(x + 10): no training.
    With relu_layer, the ReLU is a keras.layers.ReLU of its own after a linear Dense."""
    import keras

    scaler = ex03_scaler()
    lowest, span = scaler.data_min_, scaler.data_range_
    slope = np.array([60.0, 35.0]) * span                       # dprice / dscaled feature
    intercept = 400.0 + 60.0 * (lowest[0] - 1000.0) + 35.0 * (lowest[1] - 1000.0)
    hidden = [keras.layers.Dense(2), keras.layers.ReLU()] if relu_layer else [keras.layers.Dense(2, activation="relu")]
    model = keras.Sequential([keras.Input(shape=(2,)), *hidden, keras.layers.Dense(1)])
    model.layers[0].set_weights([np.eye(2), np.full(2, 10.0)])
    model.layers[-1].set_weights([slope[:, None], np.array([intercept - 10.0 * slope.sum()])])
    model.compile(optimizer="adam", loss="mse")
    return model


def ex03_no_training(model, X_train, y_train):
    """ex03's train, standing in for model.fit: the History of a loss that went down."""
    import types

    return types.SimpleNamespace(history={"loss": [2.0, 1.0]})


def test_ex03_an_error_in_predict_price_names_its_line_and_a_wrong_return_type_gets_a_hint(tmp_path):
    from keras_models.course.exercises.graders import grade_module

    exercise = find("ex03")

    def grade(predict_price):
        module = load_module(exercise.solution_path)
        module.build_model, module.train, module.predict_price = ex03_exact_model, ex03_no_training, predict_price
        result = grade_module(exercise, module, tmp_path, lambda filename: filename == __file__)
        assert not result.passed
        return result.message

    def predict_price(model, scaler, features):                 # a 1-D row: sklearn's scaler raises
        return float(model.predict(scaler.transform(features), verbose=0)[0, 0])

    def predict_array(model, scaler, features):
        return model.predict(scaler.transform(np.array([features])), verbose=0)[0]

    raised_at = predict_price.__code__.co_firstlineno + 1
    assert grade(predict_price).startswith(
        f"your code raised ValueError in {predict_price.__qualname__} (line {raised_at} of ")
    assert grade(predict_array).startswith("predict_price must return one number (a float), got ndarray of shape (1,)")
    assert grade(lambda model, scaler, features: "280.0").startswith(
        "predict_price must return one number (a float), got str")


def test_ex03_hint_for_predict_price_that_leaves_the_gem_unscaled(tmp_path):
    # not "train the model further": the model is right, the raw features were not scaled as its inputs were
    def unscaled(model, scaler, features):
        return float(model.predict(np.array([features]), verbose=0)[0, 0])

    message = ex03_graded(tmp_path, predict_price=unscaled)
    assert message.startswith("predict_price gave ") and message.endswith(
        "scale the raw features with the training scaler before predicting"), message


def test_ex03_hint_for_predict_price_two_percent_off_the_model_though_within_the_gems_tolerance(tmp_path):
    # 2% of about 280 is within NEW_GEM_TOLERANCE of the true price: only the comparison with the model tells
    def two_percent_high(model, scaler, features):
        return 1.02 * float(model.predict(scaler.transform(np.array([features])), verbose=0)[0, 0])

    message = ex03_graded(tmp_path, predict_price=two_percent_high)
    assert message.startswith("predict_price gave ") and message.endswith(
        "scale the raw features with the training scaler before predicting"), message


def ex03_passes(tmp_path, **replacements) -> str:
    """Grade ex03's solution with the exact model in place of training and these functions replaced; it must
    pass. Returns the verdict's message."""
    from keras_models.course.exercises.graders import grade_module

    exercise = find("ex03")
    module = load_module(exercise.solution_path)
    module.build_model, module.train = ex03_exact_model, ex03_no_training
    for attribute, value in replacements.items():
        setattr(module, attribute, value)
    result = grade_module(exercise, module, tmp_path, in_file(exercise.solution_path))
    assert result.passed, result.message
    return result.message


def test_ex03_passes_a_split_and_scale_that_returns_its_five_things_as_a_list(tmp_path):
    solution = load_module(find("ex03").solution_path).split_and_scale
    ex03_passes(tmp_path, split_and_scale=lambda features, price: list(solution(features, price)))


def test_ex03_counts_a_relu_layer_after_a_linear_dense_as_the_hidden_nonlinearity(tmp_path):
    ex03_passes(tmp_path, build_model=lambda: ex03_exact_model(relu_layer=True))


def ex03_split_with_prices_as_a_column(features, price):
    """ex03's solution's split_and_scale given the prices as a column (1000, 1): y_train and y_test come back as
    columns."""
    return load_module(find("ex03").solution_path).split_and_scale(features, price.reshape(-1, 1))


def test_ex03_passes_prices_split_as_a_column_of_one_price_per_row(tmp_path):
    ex03_passes(tmp_path, split_and_scale=ex03_split_with_prices_as_a_column)


def ex03_graded(tmp_path, **replacements) -> str:
    """ex03's hint for its solution with the exact model in place of training and these functions replaced."""
    return grade_mutant("ex03", tmp_path, **{"build_model": ex03_exact_model, "train": ex03_no_training,
                                             **replacements})


@pytest.mark.parametrize("losses, hint", [
    ([1.0], "train must call model.fit for a few epochs and return its History"),
    ([1.0, 2.0], "the training loss did not go down (1.0 -> 2.0)"),
    ([1.0, 1.0], "the training loss did not go down (1.0 -> 1.0)"),           # a learning rate of 0: flat
], ids=["one-epoch", "loss-went-up", "loss-flat"])
def test_ex03_hints_for_a_history_of_one_epoch_or_of_a_loss_that_went_up(losses, hint, tmp_path):
    import types

    def train(model, X_train, y_train):                         # the exact model: only the History is judged
        return types.SimpleNamespace(history={"loss": losses})

    assert ex03_graded(tmp_path, train=train) == hint


def test_ex03_hint_for_train_that_returns_the_model_rather_than_its_history(tmp_path):
    # a fitted model keeps its History as model.history, an object without .get: the grader tripped on it ("the
    # grader could not check your code: AttributeError in grade ... 'History' object has no attribute 'get'")
    def fitted_returning_the_model(model, X_train, y_train):
        model.run_eagerly = True                               # one batch: quicker run than traced
        model.fit(X_train[:32], y_train[:32], epochs=1, verbose=0)
        return model

    assert ex03_graded(tmp_path, train=fitted_returning_the_model) == (
        "train returned the model, not the History that model.fit returns: return model.fit(...)")


def test_ex03_hints_for_evaluate_that_returns_a_list_or_the_rmse_rather_than_the_test_mse(tmp_path):
    def with_its_metric(model, X_test, y_test):                 # what model.evaluate gives with metrics=["mae"]
        return [float(model.evaluate(X_test, y_test, verbose=0)), 0.0]

    def root_of_it(model, X_test, y_test):                      # the RMSE: another number than the loss
        return float(np.sqrt(model.evaluate(X_test, y_test, verbose=0)))

    assert ex03_graded(tmp_path, evaluate=with_its_metric).startswith(
        "evaluate must return the test MSE as one float, got list (with metrics, model.evaluate returns a list")
    hint = ex03_graded(tmp_path, evaluate=root_of_it)
    assert re.fullmatch(r"evaluate returned \d+\.\d{3} but the test MSE is \d+\.\d{3}: return model.evaluate's loss",
                        hint), hint


def test_ex03_hint_for_evaluate_that_divides_the_squared_errors_by_m_minus_1(tmp_path):
    # a sample variance's habit: 1/299 = 0.3% above the test MSE, more than the 0.1% evaluate may be off, and far
    # less than the RMSE's miss above
    def by_m_minus_1(model, X_test, y_test):
        error = model.predict(X_test, verbose=0)[:, 0] - y_test                   # (m,)
        return float(np.sum(error ** 2) / (len(error) - 1))

    hint = ex03_graded(tmp_path, evaluate=by_m_minus_1)
    assert re.fullmatch(r"evaluate returned \d+\.\d{3} but the test MSE is \d+\.\d{3}: return model.evaluate's loss",
                        hint), hint


def test_ex03_hint_for_evaluate_whose_squared_errors_are_the_prices_minus_a_column_of_predictions(tmp_path):
    """model.predict's column (300, 1) minus y_test (300,) is every price minus every prediction, (300, 300): the
    hint said only "return model.evaluate's loss". It now names the column and the pairs, for the number of those
    pairs' mean square (here computed with np.subtract.outer)."""
    def by_hand(model, X_test, y_test):
        return float(np.mean((model.predict(X_test, verbose=0) - y_test) ** 2))

    hint = ex03_graded(tmp_path, evaluate=by_hand)
    assert re.fullmatch(rf"evaluate returned {ex03_pairs_mse():.3f} but the test MSE is \d+\.\d{{3}}: model\.predict "
                        r"returns a column \(300, 1\), and the prices \(300,\) minus a column are \(300, 300\) pairs; "
                        r"take its one column, model\.predict\(X_test\)\[:, 0\], or return model\.evaluate's loss",
                        hint), hint


def test_ex03_hint_for_evaluate_whose_squared_errors_are_a_column_of_prices_minus_the_predictions(tmp_path):
    """The other way round: y_test split as a column (300, 1) minus model.predict's one column (300,) is the same
    (300, 300) pairs, and the hint said only "return model.evaluate's loss". It now names y_test as the column."""
    def by_hand(model, X_test, y_test):                         # y_test (300, 1)
        return float(np.mean((y_test - model.predict(X_test, verbose=0)[:, 0]) ** 2))

    hint = ex03_graded(tmp_path, split_and_scale=ex03_split_with_prices_as_a_column, evaluate=by_hand)
    assert re.fullmatch(rf"evaluate returned {ex03_pairs_mse():.3f} but the test MSE is \d+\.\d{{3}}: y_test is a "
                        r"column \(300, 1\), and a column minus the predictions \(300,\) are \(300, 300\) pairs; take "
                        r"its one column, y_test\[:, 0\], or return model\.evaluate's loss", hint), hint


def ex03_pairs_mse() -> float:
    """The mean square of every test price minus every prediction of the exact model, (300, 300) pairs
    (np.subtract.outer): what an MSE by hand gives when one of the two is a column and the other flat."""
    _, X_test, _, y_test, _ = ex03_split()
    predicted = ex03_exact_model().predict(ex03_scaler().transform(X_test), verbose=0)[:, 0]      # (300,)
    return float(np.mean(np.subtract.outer(predicted, y_test) ** 2))                              # of (300, 300)


def test_ex03_hint_for_a_model_whose_prices_are_9_too_high_is_the_target_rmse(tmp_path):
    # the exact model's prices shifted up by 9: the RMSE on fresh gems is sqrt(5^2 + 9^2) = 10.3, over the 8 asked,
    # though the new gem's price is still within 10 of its own
    def shifted():
        model = ex03_exact_model()
        kernel, bias = model.layers[-1].get_weights()
        model.layers[-1].set_weights([kernel, bias + 9.0])
        return model

    hint = ex03_graded(tmp_path, build_model=shifted)
    assert re.fullmatch(r"RMSE on fresh gems is 10\.\d, the target is 8 \(predicting the mean price: \d+\.\d\): "
                        r"train longer or raise the learning rate", hint), hint


def test_ex03_hint_for_a_model_that_misprices_the_new_gem_though_its_rmse_is_on_target(tmp_path):
    # the exact model plus a narrow bump of 15 along the first feature at the new gem's 998, two standard deviations
    # from the features' mean: about 2% of fresh gems fall under it, so the RMSE stays under 8, but the gem does
    import keras

    scaler = ex03_scaler()
    left, middle, right = (scaler.transform([[x, 1000.0]])[0, 0] for x in (997.8, 998.0, 998.2))
    height = 15.0

    def bumped():
        exact = ex03_exact_model()
        kernel, bias = exact.layers[-1].get_weights()                           # (2, 1), (1,)
        # hidden units 3-5: relu(s - left) - 2 relu(s - middle) + relu(s - right), a hat of height middle - left
        steep = height / (middle - left)
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(5, activation="relu"),
                                  keras.layers.Dense(1)])
        model.layers[0].set_weights([np.array([[1.0, 0.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 0.0, 0.0]]),
                                     np.array([10.0, 10.0, -left, -middle, -right])])
        model.layers[1].set_weights([np.vstack([kernel, [[steep], [-2 * steep], [steep]]]), bias])
        model.compile(optimizer="adam", loss="mse")
        return model

    assert ex03_graded(tmp_path, build_model=bumped) == ("the gem [998.0, 1000.0] is priced 295.0, more than 10 from "
                                                         "its price 280: train the model further")


class MinMaxByHand:
    """A learner's own min-max scaler: fit and transform, no inverse_transform and no count of rows seen."""

    def fit(self, X):
        self.low, self.span = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=float) - self.low) / self.span


def test_ex03_takes_a_scaler_without_inverse_transform_and_still_finds_prices_split_apart_with_it(tmp_path):
    # without inverse_transform, whether each price belongs to its row is judged around the best plane in the
    # scaled features
    from sklearn.model_selection import train_test_split

    def by_hand(features, price):
        X_train, X_test, y_train, y_test = train_test_split(features, price, test_size=0.3, random_state=42)
        scaler = MinMaxByHand().fit(X_train)
        return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, scaler

    def split_apart(features, price):                           # the training prices in reverse order
        X_train, X_test, y_train, y_test, scaler = by_hand(features, price)
        return X_train, X_test, y_train[::-1], y_test, scaler

    ex03_passes(tmp_path, split_and_scale=by_hand)
    assert ex03_graded(tmp_path, split_and_scale=split_apart).startswith("features and prices were split apart")


@pytest.mark.slow
def test_ex04_hints_for_a_relu_output_and_for_a_linear_model(tmp_path):
    import keras

    def relu_output(n_features):
        model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="relu")])
        model.compile(optimizer="adam", loss="mse")
        return model

    def plane(n_features):
        model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model

    assert "the output activation is relu" in grade_mutant("ex04", tmp_path, build_model=relu_output)
    assert grade_mutant("ex04", tmp_path, build_model=plane) == NO_HIDDEN_NONLINEARITY.format(does="fits one plane")


def ex04_not_trained(model, X_train, y_train, X_val, y_val):
    """ex04's train, standing in for model.fit: the History of a fit that validated; the model is left as built."""
    import types

    return types.SimpleNamespace(history={"loss": [1.0], "val_loss": [1.0]})


@pytest.mark.parametrize("units, loss, hint", [
    (1, "binary_crossentropy", 'binary_crossentropy is not a regression loss: use the mean squared error ("mse")'),
    (2, "mse", "build_model: the model's output has shape (None, 2), expected (None, 1): a price is one number, and "
               "a linear output can reach any value"),
], ids=["classification-loss", "two-outputs"])
def test_ex04_hints_for_a_classification_loss_and_two_output_units_before_any_epoch_runs(units, loss, hint, tmp_path):
    import keras

    def build_model(n_features):
        model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(units)])
        model.compile(optimizer="adam", loss=loss)
        return model

    assert grade_mutant("ex04", tmp_path, build_model=build_model, train=ex04_not_trained) == hint


def test_ex04_hints_for_a_dollar_price_that_is_not_the_models_and_for_an_untrained_models_test_mae(tmp_path):
    solution = load_module(find("ex04").solution_path)

    def off_by_500(model, data, diamond):
        return solution.predict_price_dollars(model, data, diamond) + 500.0

    hint = grade_mutant("ex04", tmp_path, train=ex04_not_trained, predict_price_dollars=off_by_500)
    assert hint.startswith("predict_price_dollars gave $") and hint.endswith(
        "encode and scale the raw row with data.scale(...) before predicting"), hint
    hint = grade_mutant("ex04", tmp_path, train=ex04_not_trained)
    assert re.fullmatch(r"test MAE \d+\.\d{3} thousand dollars, the target is < 0\.60 \(predicting the mean: \d\.\d\d, "
                        r"a linear model: \d\.\d\d\): more hidden units, a better learning rate or more epochs",
                        hint), hint


def ex05_stopped_early():
    """What ex05's train returns when it stands in for model.fit: the History of a fit stopped early after 3 of its
    200 epochs."""
    import types

    return types.SimpleNamespace(history={"loss": [0.3] * 3, "val_loss": [0.3] * 3}, params={"epochs": 200},
                                 epoch=[0, 1, 2])


def malignant_above_the_mean_radius(model, X_train, y_train, X_val, y_val):
    """ex05's train, standing in for model.fit, which only the checks before predict_labels need: every Dense layer
    passes the first (standardised) feature, the mean radius, through its unit 0 and zeroes the rest, so the model
    predicts malignant where the mean radius is above average (sigmoid(relu(x0)) > 0.5 iff x0 > 0): some test rows 1,
    some 0, as a trained model's are; and the History of a fit stopped early after 3 of its 200 epochs."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel, bias = layer.get_weights()                          # (n_in, n_out), (n_out,)
            kernel = np.zeros_like(kernel)
            kernel[0, 0] = 1.0
            layer.set_weights([kernel, np.zeros_like(bias)])
    return ex05_stopped_early()


@pytest.mark.slow
def test_ex05_hints_for_missing_dropout_missing_early_stopping_and_argmax(tmp_path):
    import keras

    def no_dropout():
        return [keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(1, activation="sigmoid")]

    def no_early_stopping(model, X_train, y_train, X_val, y_val):
        return model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=3, verbose=0)

    def argmax_labels(model, X):
        return np.argmax(model.predict(X, verbose=0), axis=1)

    def column_of_labels(model, X):
        return (model.predict(X, verbose=0) > 0.5).astype(int)                # (m, 1): the header asks for (m,)

    def paired_wrongly(output, loss):
        def build_model(n_features):
            model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(8, activation="relu"),
                                      keras.layers.Dropout(0.2), keras.layers.Dense(1, activation=output)])
            model.compile(optimizer="adam", loss=loss)
            return model
        return build_model

    assert "no Dropout layer" in ex05_graded_with_layers(tmp_path, no_dropout)
    for output, loss, computed in [("sigmoid", "categorical_crossentropy", "categorical_crossentropy(softmax(z))"),
                                   ("softmax", "binary_crossentropy", "binary_crossentropy(sigmoid(z))"),
                                   ("linear", "binary_crossentropy", "binary_crossentropy(clip(z, 1e-7, 1 - 1e-7))")]:
        hint = grade_mutant("ex05", tmp_path, build_model=paired_wrongly(output, loss))
        assert hint.startswith("Keras compiles and fits this model without a warning"), hint
        assert f"{output} output with {loss}: " in hint and f"Keras would silently compute {computed}" in hint, hint
    assert "early stopping never fired" in grade_mutant("ex05", tmp_path, train=no_early_stopping)
    assert "argmax" in grade_mutant("ex05", tmp_path, predict_labels=argmax_labels,
                                    train=malignant_above_the_mean_radius)
    assert grade_mutant("ex05", tmp_path, predict_labels=column_of_labels, train=malignant_above_the_mean_radius
                        ).startswith("predict_labels returned shape (85, 1), a column: return labels of shape (85,)")


def test_ex05_gives_no_argmax_hint_to_right_labels_from_a_model_that_predicts_both_classes(tmp_path):
    """The argmax hint is for labels all 0 where the model predicts some 1s: the solution's own predict_labels, on a
    model that predicts malignant for some test rows and benign for others, gets the accuracy verdict instead."""
    hint = grade_mutant("ex05", tmp_path, train=malignant_above_the_mean_radius)
    assert re.fullmatch(r"test accuracy 0\.\d\d\d, the target is 0\.92 \(always guessing the most common class: "
                        r"0\.6\d\): try another learning rate, layer size or dropout rate", hint), hint


def ex05_benign_for_every_biopsy(model, X_train, y_train, X_val, y_val):
    """ex05's train, standing in for model.fit: the output unit set to a probability of 0.00005 for every biopsy
    (label 0, benign), and the History of a fit stopped early after 3 of its 200 epochs."""
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([np.zeros_like(kernel), np.full_like(bias, -10.0)])
    return ex05_stopped_early()


def test_ex05_hints_for_labels_that_are_probabilities_or_disagree_with_the_model_and_for_the_target(tmp_path):
    solution = load_module(find("ex05").solution_path)

    def probabilities(model, X):
        return model.predict(X, verbose=0)[:, 0]

    def flipped(model, X):
        return 1 - solution.predict_labels(model, X)

    for predict_labels, hint in [(probabilities, "predict_labels must return labels 0 and 1"),
                                 (flipped, "predict_labels disagrees with the model: a label is 1 where the predicted "
                                           "probability is above 0.5")]:
        assert grade_mutant("ex05", tmp_path, train=ex05_benign_for_every_biopsy,
                            predict_labels=predict_labels) == hint
    hint = grade_mutant("ex05", tmp_path, train=ex05_benign_for_every_biopsy)
    assert re.fullmatch(r"test accuracy 0\.6\d\d, the target is 0\.92 \(always guessing the most common class: "
                        r"0\.6\d\): try another learning rate, layer size or dropout rate", hint), hint


@pytest.mark.parametrize("loss, hint", [
    (["binary_crossentropy"], "compile the model with one loss, not a list or dict of losses"),
    ("binary_crossentropie", "Keras does not know the loss 'binary_crossentropie': did you mean "
                             '"binary_crossentropy"?'),
], ids=["a-list", "a-misspelt-name"])
def test_a_model_compiled_with_a_list_of_losses_or_a_name_keras_lacks_gets_a_hint(loss, hint, tmp_path):
    """Keras compiles both without a word (the name fails at the first fit); the graders read the loss first."""
    solution = load_module(find("ex05").solution_path)

    def build_model(n_features):
        model = solution.build_model(n_features)
        model.compile(optimizer="adam", loss=loss)
        return model

    assert grade_mutant("ex05", tmp_path, build_model=build_model) == hint


def test_grading_leaves_the_learners_python_numpy_and_tensorflow_generators_where_they_seeded_them(tmp_path):
    """A notebook's "Grade it" cell grades in the learner's kernel, and the graders seed Python, NumPy and TensorFlow
    for their own run: the learner's next draws after it were the grader's (np.random.seed(5)'s for ex05), not those
    of the seed they had set. Here grading stops inside the seeded block, as a FAIL does."""
    import random

    import keras
    import tensorflow as tf

    def next_draws() -> tuple[float, float, float]:
        return random.random(), float(np.random.random()), float(tf.random.uniform([]))  # noqa: NPY002 -- the global one

    def build_model(n_features):
        raise Fail("stopped in build_model")

    exercise = find("ex05")
    module = load_module(exercise.solution_path)
    module.build_model = build_model
    keras.utils.set_random_seed(123)
    expected = next_draws()
    keras.utils.set_random_seed(123)
    with pytest.raises(Fail, match="stopped in build_model"):
        exercise.grader.grade(module, tmp_path)
    assert next_draws() == expected


def test_grading_leaves_the_learners_keras_dtype_policy_and_logging_settings_as_they_set_them(tmp_path):
    """The graders start a fresh Keras session, which drops the keras.config settings Keras keeps in it: after a
    "Grade it" cell, a notebook's mixed_float16 policy was float32 again, and its progress bars, turned off, were
    back."""
    import keras

    def build_model(n_features):
        raise Fail("stopped in build_model")

    exercise = find("ex05")
    module = load_module(exercise.solution_path)
    module.build_model = build_model
    policy = keras.config.dtype_policy()
    try:
        keras.config.set_dtype_policy("mixed_float16")
        keras.config.disable_interactive_logging()
        keras.config.disable_traceback_filtering()
        with pytest.raises(Fail, match="stopped in build_model"):
            exercise.grader.grade(module, tmp_path)
        assert (keras.config.dtype_policy().name, keras.config.is_interactive_logging_enabled(),
                keras.config.is_traceback_filtering_enabled()) == ("mixed_float16", False, False)
    finally:
        keras.config.set_dtype_policy(policy)
        keras.config.enable_interactive_logging()
        keras.config.enable_traceback_filtering()


@pytest.mark.parametrize("on_before", [False, True], ids=["off-before", "on-before"])
def test_op_determinism_is_on_inside_a_seeded_block_and_as_the_caller_had_it_after(on_before):
    """TensorFlow's op determinism is one switch for the whole process (and Keras then refuses XLA):
    reproducible.op_determinism, which the graders' seeded block and make train use, turns it on for the block
    only, read back through TensorFlow's own getter. No model is trained."""
    import tensorflow as tf
    from tensorflow.python.framework import config as tf_config

    from keras_models.twins.reproducible import op_determinism

    was_on = tf_config.is_op_determinism_enabled()
    try:
        (tf.config.experimental.enable_op_determinism if on_before else tf_config.disable_op_determinism)()
        with op_determinism():
            assert tf_config.is_op_determinism_enabled()
        assert tf_config.is_op_determinism_enabled() == on_before
    finally:
        (tf.config.experimental.enable_op_determinism if was_on else tf_config.disable_op_determinism)()


def test_ex04_and_ex05_refuse_a_fit_that_validates_on_other_rows_before_any_epoch_runs(tmp_path):
    """Validated on the training rows, the test rows or a validation_split, or stopped by the training loss, a
    model still scores well: the graders look at what train hands model.fit, as it is called."""
    import keras

    from keras_models.course.exercises.graders import ex04

    def fitting(validation=None, monitor="val_loss", **options):
        def train(model, X_train, y_train, X_val, y_val):
            rows = {"train": (X_train, y_train), "val": (X_val, y_val), "test": (test.X_test, test.y_test)}
            stop = keras.callbacks.EarlyStopping(monitor=monitor, patience=2)
            return model.fit(X_train, y_train, validation_data=rows.get(validation), callbacks=[stop], epochs=200,
                             verbose=0, **options)
        return train

    test = ex04.load_data()                                   # the learner's own load_data gives the test rows too
    for validation, options, hint in [
            ("train", {}, "fit validated on the training rows: a model always looks good on the rows it learns"),
            ("test", {}, "fit validated on other rows than the X_val, y_val train is given: pass validation_data"),
            (None, {"validation_split": 0.2}, "fit validated on a slice of the training rows (validation_split)"),
            (None, {}, "fit did not validate: pass validation_data=(X_val, y_val) to model.fit")]:
        assert grade_mutant("ex04", tmp_path, train=fitting(validation, **options)).startswith(hint), validation
    assert grade_mutant("ex04", tmp_path, train=fitting("val", monitor="loss")).startswith(
        "EarlyStopping monitors 'loss', a number of the training rows, which keeps improving while the model")
    assert grade_mutant("ex05", tmp_path, train=fitting("val", monitor="val_accuracy")).startswith(
        "EarlyStopping monitors 'val_accuracy'; the exercise asks it to watch the validation loss")


class EpochsBegun:
    """A keras callback for fit's callbacks (`.callback`) that records each epoch as it begins, in `.epochs`: a fit the
    grader stops as it is called began none."""

    def __init__(self):
        import keras

        self.epochs: list[int] = []
        self.callback = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: self.epochs.append(epoch))

    def assert_none(self) -> None:
        assert self.epochs == [], f"fit ran {len(self.epochs)} epochs before the grader stopped it"


@pytest.mark.parametrize("handed", ["arrays", "dataset"])
def test_ex04_refuses_training_prices_out_of_line_with_their_rows_before_any_epoch_runs(handed, tmp_path):
    """y_train[::-1] handed to fit, as arrays or as a tf.data.Dataset of (x, y) batches, trains every diamond on
    another's price: Keras takes it without a word, and the grader told the learner to tune the model ("test MAE
    3.372 ... more hidden units, a better learning rate or more epochs"). The hint counts the rows moved, and no
    epoch began (a callback of fit's records each one)."""
    moved, begun = [], EpochsBegun()

    def train(model, X_train, y_train, X_val, y_val):
        reversed_prices = y_train[::-1]
        moved.append((int(np.sum(reversed_prices != y_train)), len(y_train)))  # rows given another's price, of all
        # a Dataset goes with shuffle=False (it shuffles itself): Keras' UserWarning for shuffle=True, an error under
        # the suite's filterwarnings, failed this case whenever a break let fit start, before the assertions ran
        rows, options = ((as_tf_dataset(X_train, reversed_prices, batch_size=128),), {"shuffle": False}) \
            if handed == "dataset" else ((X_train, reversed_prices), {})
        return model.fit(*rows, validation_data=(X_val, y_val), epochs=40, callbacks=[begun.callback], verbose=0,
                         **options)

    hint = grade_mutant("ex04", tmp_path, train=train)
    begun.assert_none()
    assert hint == ("fit's y is out of line with its x: {} of the {} training rows were handed "
                    "another row's target (as y_train[::-1] would be): keep each row with its own, "
                    "model.fit(X_train, y_train), or shuffle both with one permutation").format(*moved[0]), hint


@pytest.mark.parametrize("slip", ["reversed", "flipped"])
@pytest.mark.parametrize("name, original, training", [
    ("ex05", "model.fit(X_train, y_train,", "X_train, y_train"),
    ("ex07", "model.fit(data.X_train, data.y_train,", "data.X_train, data.y_train"),
], ids=["ex05", "ex07"])
def test_ex05_and_ex07_refuse_training_labels_out_of_line_with_their_rows(name, original, training, slip, tmp_path):
    """Binary labels reversed in fit, y_train[::-1], hand every row whose label differs from its mirror row's the
    other class: ex05 trained on and told "test accuracy 0.624 ... try another learning rate", ex07 logged a run and
    passed. The hint counts those rows (each biopsy is one row of X_train, so a label that is not its own is the other
    class) and names the fit as the learner's code spells it. Labels flipped, 1 - y_train, hand every row the other
    label: told so, not called reversed."""
    from data import prepare

    y_train = prepare("binary", seed=0).y_train                              # (398, 1) the rows both exercises fit
    labels = training.split(", ")[1]
    if slip == "reversed":
        changed = f"{labels}[::-1]"
        expected = (f"fit's y is out of line with its x: {int(np.sum(y_train[::-1] != y_train))} of the "
                    f"{len(y_train)} training rows were handed another row's target (as {labels}[::-1] would be): "
                    f"keep each row with its own, model.fit({training}), or shuffle both with one permutation")
    else:
        changed = f"1 - {labels}"
        expected = (f"fit's y gives every one of the {len(y_train)} training rows the other label (as 1 - {labels} "
                    f"would): pass the labels as they are, model.fit({training})")
    message = _graded_with(name, tmp_path, (original, original.replace(labels, changed)))
    assert message == expected, message


def test_labels_stay_with_their_rows_counts_targets_moved_to_other_rows_and_leaves_pairs_shuffled_together_alone():
    """Two targets swapped are counted (2 of the 6 rows; as arrays, a dict of inputs, or a tf.data.Dataset or a
    keras.utils.PyDataset repeated without end); rows and targets shuffled by one permutation (so too), a row the data
    holds twice with either of its two targets, a target rescaled (no target of
    the rows at all: another check's matter) and rows that are not training rows pass."""
    from keras_models.course.exercises.graders.fit_checks import labels_stay_with_their_rows

    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0], [3.0, 1.0], [4.0, 0.5]])        # (6, 2), row 3 twice
    y = np.array([[10.0], [20.0], [30.0], [40.0], [45.0], [60.0]])                               # (6, 1)

    def check_fit(x, targets=None) -> None:
        labels_stay_with_their_rows({"x": x, "y": targets}, X, y, "X_train, y_train")

    order = np.array([5, 2, 0, 4, 1, 3])
    check_fit(X[order], y[order])
    check_fit(as_tf_dataset(X[order], y[order], batch_size=4))
    check_fit(as_py_dataset(X[order], y[order]))
    check_fit({"features": X[order]}, y[order])
    check_fit(X, y[[0, 1, 2, 4, 3, 5]])                                          # the twice-held row, targets swapped
    check_fit(X, y * 1000.0)
    check_fit(X + 100.0, y[::-1])
    swapped = y[[1, 0, 2, 3, 4, 5]].ravel()                                      # a vector (m,), as Keras takes it
    for given in [(X, swapped), (as_tf_dataset(X, swapped, repeated=True, batch_size=4),),
                  (as_py_dataset(X, swapped, repeated=True),), ({"features": X}, swapped)]:
        with pytest.raises(Fail, match=r"^fit's y is out of line with its x: 2 of the 6 training rows were handed "):
            check_fit(*given)


@pytest.mark.parametrize("returns_the_model, hint", [
    (False, "train must return the History that model.fit returns"),
    (True, "train returned the model, not the History that model.fit returns: return model.fit(...)"),
], ids=["nothing", "the-model"])
@pytest.mark.parametrize("name", ["ex04", "ex05"])
def test_ex04_and_ex05_hint_for_a_train_that_forgets_to_return_the_history(name, returns_the_model, hint, tmp_path):
    """A train whose `return` was left out hands the grader None: the hint asks for fit's History, not "the grader
    could not check your code: TypeError" from looking for val_loss in None. One that returns the model (its
    .history is no dict) is told it returned the model."""
    def train_without_return(model, X_train, y_train, X_val, y_val):
        return model if returns_the_model else None

    assert grade_mutant(name, tmp_path, train=train_without_return) == hint


@pytest.mark.parametrize("record, hint", [
    ({}, "train must return the History that model.fit returns"),
    ({"loss": [0.5]}, "fit did not validate: pass validation_data=(X_val, y_val) to model.fit"),
], ids=["never-fitted", "not-validated"])
def test_validated_history_asks_for_fits_history_with_its_validation_loss(record, hint):
    """A keras History that logged no "loss" (never handed to fit) is not fit's; one without "val_loss" was not
    validated (the backstops behind fit_checked's validated_on, which refuses a fit without validation_data before it
    runs, so no graded submission reaches them). One with both is handed back as its record."""
    import keras

    from keras_models.course.exercises.graders.checks import validated_history

    history = keras.callbacks.History()
    history.history = record
    with pytest.raises(Fail) as failure:
        validated_history(history, "train")
    assert str(failure.value) == hint
    history.history = {"loss": [0.5], "val_loss": [0.6]}
    assert validated_history(history, "train") == {"loss": [0.5], "val_loss": [0.6]}


def in_one_other_order(*arrays) -> tuple:
    """The arrays' rows (m, ...) in one other order (seed 0), the same for each: every row keeps its target."""
    order = np.random.default_rng(0).permutation(len(arrays[0]))        # (m,)
    return tuple(array[order] for array in arrays)


def binary_classifier(n_features: int):
    """The classifier ex07's check asks for: one sigmoid unit on n_features inputs, compiled with
    binary_crossentropy."""
    import keras

    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")
    return model


def fit_data_given_as(kind: str, X, y, shuffled: bool = False, repeated: bool = False) -> tuple:
    """(validation_data, x) for a fit handed the rows X (m, n) with their targets y as `kind`: a tf.data.Dataset
    ("dataset") or a keras.utils.PyDataset ("py-dataset") of (x, y) batches of 32 (or "py-dataset-of-lists": of lists
    [x, y]), the same object both ways (repeated: without end), or a dict of named inputs ("dict": validation_data
    (dict, y), x the dict alone); shuffled by one permutation of rows and targets."""
    X, y = in_one_other_order(X, y) if shuffled else (X, y)
    if kind == "dict":
        return ({"features": X}, y), {"features": X}
    if kind in ("py-dataset", "py-dataset-of-lists"):
        batches = as_py_dataset(X, y, repeated, batch="list" if kind == "py-dataset-of-lists" else "tuple")
    else:
        batches = as_tf_dataset(X, y, repeated)
    return batches, batches


def validation_and_training_rows_read(kind: str) -> None:
    """validated_on (ex04, ex05) and ex07's check, handed the rows as `kind` (fit_data_given_as), in any order: the
    validation rows pass; the training rows, the validation rows with other rows' labels, and (ex07) the test rows are
    each refused with their own hint (ex07's "other rows" too: it took any rows but those two); training rows that
    hold the validation rows too are refused, repeated ones read up to a limit; a repeated validation set is read as
    fit reads it, validation_steps batches."""

    from data import prepare
    from keras_models.course.exercises.graders import ex07
    from keras_models.course.exercises.graders.fit_checks import validated_on

    data = prepare("binary", seed=0)                        # the rows ex05 and ex07 prepare

    def given(X, y, shuffled=False, repeated=False):
        return fit_data_given_as(kind, X, y, shuffled, repeated)

    given_model = binary_classifier(data.n_features)        # the classifier ex07's check asks for, fitting it

    def fit_arguments(validation) -> dict:
        return {"self": given_model, "x": data.X_train, "validation_data": validation, "validation_split": 0.0,
                "callbacks": None}

    check_call = validated_on(data.X_val, data.y_val, data.X_train, loss_only=True)
    for shuffled in (False, True):
        check_call(fit_arguments(given(data.X_val, data.y_val, shuffled)[0]))
        ex07._validated_on_the_validation_rows(fit_arguments(given(data.X_val, data.y_val, shuffled)[0]))
    with pytest.raises(Fail, match="fit validated on the training rows: a model always looks good"):
        check_call(fit_arguments(given(data.X_train, data.y_train, shuffled=True)[0]))
    with pytest.raises(Fail, match="fit validated on other rows than the X_val, y_val train is given"):
        check_call(fit_arguments(given(data.X_val, data.y_val[::-1])[0]))          # the labels of other rows
    with pytest.raises(Fail, match=r"fit validated on the test rows \(data.X_test, data.y_test\)"):
        ex07._validated_on_the_validation_rows(fit_arguments(given(data.X_test, data.y_test)[0]))
    with pytest.raises(Fail, match=r"^fit validated on other rows than data.X_val, data.y_val: pass validation_data"):
        ex07._validated_on_the_validation_rows(fit_arguments(given(data.X_val, data.y_val[::-1])[0]))
    # the training rows given so too: ones that also hold the validation rows are refused, as arrays are
    X_both, y_both = np.concatenate([data.X_train, data.X_val]), np.concatenate([data.y_train, data.y_val])
    validation = (data.X_val, data.y_val)
    with pytest.raises(Fail, match=r"fit trained on the validation rows too \(86 of the 86 rows"):
        check_call({**fit_arguments(validation), "x": given(X_both, y_both, True, repeated=True)[1]})  # read up to a
    with pytest.raises(Fail, match=r"fit trained on the validation rows too \(86 of the 86 rows"):   # ... limit
        ex07._validated_on_the_validation_rows({**fit_arguments(validation), "x": given(X_both, y_both, True)[1]})
    check_call({**fit_arguments(validation), "x": given(data.X_train, data.y_train, True, repeated=True)[1]})
    # a repeated validation set is read as fit reads it, validation_steps batches (3 of 32 rows: the 86)
    check_call({**fit_arguments(given(data.X_val, data.y_val, repeated=True)[0]), "validation_steps": 3})


def test_ex04_ex05_ex07_read_a_validation_set_and_training_rows_given_as_a_tf_data_dataset_in_any_order():
    # Keras takes validation_data as a tf.data.Dataset of (x, y) batches; ex04 and ex05 refused one of exactly
    # (X_val, y_val) with "fit validated on other rows than the X_val, y_val", and ex07 did not see the test rows in one
    validation_and_training_rows_read("dataset")


@pytest.mark.parametrize("kind", ["py-dataset", "py-dataset-of-lists", "dict"])
def test_ex04_ex05_ex07_read_a_validation_set_and_training_rows_given_as_a_py_dataset_or_a_dict_of_inputs(kind):
    # as a tf.data.Dataset (the test above): ex04 and ex05 told a keras.utils.PyDataset or a dict of named inputs of
    # exactly (X_val, y_val) "fit validated on other rows", and of the training rows the same; a PyDataset training
    # on the validation rows too passed, as did one of y_train[::-1] (test_labels_stay_with_their_rows_...); a
    # PyDataset of lists [x, y], which Keras reads as (x, y), had its list read as x alone
    validation_and_training_rows_read(kind)


@pytest.mark.parametrize("check, argument, hint", [
    ("labels_stay_with", "x", "model.fit was given x as a Python generator, which one reading uses up, so the grader "
                              "cannot see which rows it trains on, nor with which labels: pass the arrays, "
                              "model.fit(X_train, y_train)"),
    ("ex07", "x", "model.fit was given x as a Python generator, which one reading uses up, so the grader cannot see "
                  "which rows it trains on, nor with which labels: pass the arrays, model.fit(data.X_train, "
                  "data.y_train)"),
    ("ex07", "validation_data", "model.fit was given validation_data as a Python generator, which one reading uses "
                                "up, so the grader cannot see which rows it validates on: pass "
                                "validation_data=(data.X_val, data.y_val)"),
    ("validated_on", "validation_data", "model.fit was given validation_data as a Python generator, which one "
                                        "reading uses up, so the grader cannot see which rows it validates on: pass "
                                        "validation_data=(X_val, y_val)"),
], ids=["ex04-ex05-x", "ex07-x", "ex07-validation-data", "validated_on-validation-data"])
def test_ex04_ex05_ex07_refuse_fits_x_and_ex07_its_validation_data_given_as_a_python_generator_naming_it(
        check, argument, hint):
    """A generator of exactly the right batches, as fit's x (ex04 and ex05: labels_stay_with; ex07's own check) or
    as validation_data (ex07's check; ex04 and ex05: validated_on), is refused with a line that names it: read, it
    would be used up before fit trains or validates on it, and a check cannot hand fit another; unread, y_train[::-1]
    in a generator passed the checks, as did the validation rows mixed into the training rows, ex07's check passed a
    generator of the test rows, and validated_on told one of exactly (X_val, y_val) "fit validated on other rows
    than the X_val, y_val"."""

    from data import prepare
    from keras_models.course.exercises.graders import ex07
    from keras_models.course.exercises.graders.fit_checks import labels_stay_with, validated_on

    data = prepare("binary", seed=0)                        # the rows ex05 and ex07 prepare
    model = binary_classifier(data.n_features)              # the classifier ex07's check asks for
    checks = {"labels_stay_with": labels_stay_with(data.X_train, data.y_train, "X_train, y_train"),
              "ex07": ex07._validated_on_the_validation_rows,
              "validated_on": validated_on(data.X_val, data.y_val, data.X_train)}
    X, y = (data.X_train, data.y_train) if argument == "x" else (data.X_val, data.y_val)
    batches = ((X[i:i + 32], y[i:i + 32]) for i in range(0, len(X), 32))        # (32, n), (32, 1) each
    arguments = {"self": model, "x": data.X_train, "y": data.y_train, "validation_data": (data.X_val, data.y_val),
                 "validation_split": 0.0, "callbacks": None}
    arguments.update({"x": batches, "y": None} if argument == "x" else {"validation_data": batches})
    with pytest.raises(Fail) as failure:
        checks[check](arguments)
    assert str(failure.value) == hint


@pytest.mark.parametrize("built", [False, True], ids=["unbuilt", "built"])
def test_a_subclassed_model_is_told_to_use_sequential_or_the_functional_api_not_to_add_an_input_shape(built):
    # it has no model.inputs however it is built, and the hint said "give the model its input shape, keras.Input(...)"
    import keras

    from keras_models.course.exercises.graders.model_checks import require_output

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden, self.out = keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = Net()
    if built:
        model(np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(Fail, match=r"^build_model returned a subclassed keras.Model \(Net\), whose layers the grader "
                                   r"cannot follow .* starting from keras.Input\(shape=\(3,\)\)$"):
        require_output(model, "build_model", n_features=3, units=1, activation="linear", why="")
    unbuilt = keras.Sequential([keras.layers.Dense(1)])                  # a Sequential can be given one
    with pytest.raises(Fail, match=r"^build_model: give the model its input shape, keras.Input\(shape=\(3,\)\)$"):
        require_output(unbuilt, "build_model", n_features=3, units=1, activation="linear", why="")


def test_the_output_activation_is_read_through_an_activation_layer_a_dropout_after_it_and_a_nested_model():
    import keras

    from keras_models.course.exercises.graders.model_checks import (
        hidden_activations,
        no_dropout_after_the_output,
        output_activation,
    )

    def model(*layers):
        return keras.Sequential([keras.Input((3,)), *layers])

    assert output_activation(model(keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1),
                                   keras.layers.Activation("sigmoid"))) == "sigmoid"
    nested = model(keras.Sequential([keras.layers.Dense(4, activation="relu"),
                                     keras.layers.Dense(1, activation="sigmoid")]))
    assert (output_activation(nested), hidden_activations(nested)) == ("sigmoid", {"relu"})
    # a Dropout after the output is read through (require_output's hint is then about the activation alone), and
    # refused on its own: after the last Dense layer, behind an Activation layer or in a nested model too
    dropout_last = model(keras.layers.Dense(1, activation="sigmoid"), keras.layers.Dropout(0.2))
    assert output_activation(dropout_last) == "sigmoid"
    for refused in (dropout_last,
                    model(keras.layers.Dense(1), keras.layers.Dropout(0.2), keras.layers.Activation("linear")),
                    model(keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]),
                          keras.layers.Dropout(0.2))):
        with pytest.raises(Fail, match=r"^a Dropout comes after the output layer: while training it zeroes some "):
            no_dropout_after_the_output(refused)
    no_dropout_after_the_output(model(keras.layers.Dropout(0.2), keras.layers.Dense(4, activation="relu"),
                                      keras.layers.Dropout(0.2), keras.layers.Dense(1)))     # inputs and hidden: fine


def refused_after_the_output(model, output: str) -> str:
    """The line ex04 (a linear output: the output check, then the check of what comes after it) or ex05 (a sigmoid
    output: require_binary_classifier, which runs both) refuses `model` with."""
    from keras_models.course.exercises.graders.model_checks import (
        no_dropout_after_the_output,
        require_binary_classifier,
        require_output,
    )

    with pytest.raises(Fail) as refused:
        if output == "linear":
            require_output(model, "build_model", n_features=3, units=1, activation="linear", why="one price")
            no_dropout_after_the_output(model)
        else:
            require_binary_classifier(model, "build_model", n_features=3, what="the probability of malignant")
    return str(refused.value)


@pytest.mark.parametrize("noise", ["GaussianNoise", "GaussianDropout", "AlphaDropout"])
@pytest.mark.parametrize("output", ["linear", "sigmoid"])
def test_a_noise_layer_after_the_output_is_refused_for_what_it_does_while_training_not_as_an_activation(noise, output):
    """Keras' other noise layers after a regression's linear output (or a classifier's sigmoid) were refused with
    "the output activation is GaussianNoise" (and, for the sigmoid, told to use a sigmoid output): like Dropout they
    are off in predict, so the loss scores outputs predict never gives. In the graders' order: require_output then
    no_dropout_after_the_output for a price, require_binary_classifier for a probability."""
    import keras

    from keras_models.course.exercises.graders.model_checks import (
        hidden_nonlinear_layers,
    )

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation=output), getattr(keras.layers, noise)(0.2, name="n")])
    model.compile(optimizer="adam", loss="mse" if output == "linear" else "binary_crossentropy")
    assert hidden_nonlinear_layers(model) == 1            # the relu; the output is not hidden behind the noise
    does = {"GaussianNoise": "adds Gaussian noise to each unit",
            "GaussianDropout": "multiplies each unit by Gaussian noise",
            "AlphaDropout": "sets a dropped unit to SELU's negative saturation value"}[noise]
    said = refused_after_the_output(model, output)
    assert re.fullmatch(f"{noise} 'n' comes after the output layer: while training it {does}.*, so the loss scores "
                        r"outputs that predict \(the noise off\) never gives; put it after the hidden layers only, "
                        "or leave it out", said), said


NORMALISED_OR_RESCALED = {
    "LayerNormalization": "it normalises each row of outputs by that row's own mean and spread, and a single output "
                          "normalised by itself is the same number (or its sign) whatever the input",
    "UnitNormalization": "it divides each row of outputs by its length, and a single output divided by its own size is "
                         "1 or -1 whatever the input",
}


@pytest.mark.parametrize("layer, output", [("LayerNormalization", "linear"), ("LayerNormalization", "sigmoid"),
                                           ("UnitNormalization", "linear"), ("UnitNormalization", "sigmoid"),
                                           ("Rescaling", "sigmoid")])
def test_a_normalising_or_rescaling_layer_after_the_output_is_refused_for_what_it_does_not_as_an_activation(layer,
                                                                                                         output):
    """A LayerNormalization, UnitNormalization or Rescaling after the output was told "the output activation is
    LayerNormalization" (a price), or that a "LayerNormalization output" is no probability and to use a sigmoid output
    (the sigmoid that was there): the output is linear or sigmoid, the layer after it is the fault. One output
    normalised by its own statistics is one number (LayerNormalization: beta) or its sign for every input, checked
    here on Keras' own layer; a Rescaling maps a sigmoid's (0, 1) to (offset, scale + offset), and after a linear output
    is one more linear map, taken (test_layers_after_the_output_that_leave_it_alone_are_read_through_and_taken) unless
    its scale is 0 (the next test)."""
    import keras

    from keras_models.course.exercises.graders.model_checks import (
        hidden_nonlinear_layers,
        output_activation,
    )

    made = (keras.layers.Rescaling(2.0, offset=0.5, name="after") if layer == "Rescaling" else
            getattr(keras.layers, layer)(name="after"))
    z = np.array([[-2.0], [0.3], [5.0]], dtype="float32")
    if layer != "Rescaling":                                      # what Keras' layer makes of one output per row
        assert len(set(np.abs(np.asarray(made(z))).ravel().round(6))) == 1
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation=output), made])
    model.compile(optimizer="adam", loss="mse" if output == "linear" else "binary_crossentropy")
    assert (output_activation(model), hidden_nonlinear_layers(model)) == (output, 1)
    does = NORMALISED_OR_RESCALED.get(
        layer, "it maps each probability p to 2.0 * p + 0.5, so the model outputs numbers between 0.5 and 2.5, not "
               "probabilities between 0 and 1")
    assert refused_after_the_output(model, output) == (f"{layer} 'after' comes after the output layer: {does}; put it "
                                                       "after the hidden layers only, or leave it out")


def test_a_rescaling_of_scale_0_after_a_linear_output_is_refused_as_one_number_whatever_the_input():
    """Any other Rescaling of a linear output is one more linear map, and taken; one of scale 0 makes every input the
    same price."""
    import keras

    from keras_models.course.exercises.graders.model_checks import no_dropout_after_the_output

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1), keras.layers.Rescaling(0.0, offset=3.0, name="after")])
    with pytest.raises(Fail, match=r"^Rescaling 'after' comes after the output layer: it maps each output z to "
                                   r"0\.0 \* z \+ 3\.0, the same number whatever the input; put it after"):
        no_dropout_after_the_output(model)


@pytest.mark.parametrize("scale, offset, only", [(-1.0, 1.0, None), (0.5, 0.25, "0.25 and 0.75"),
                                                 (-0.5, 1.0, "0.5 and 1.0")])
def test_a_rescaling_after_a_sigmoid_is_judged_by_where_it_puts_the_probabilities(scale, offset, only):
    """Rescaling(-1.0, offset=1.0) after the sigmoid output maps p to 1 - p, still a probability between 0 and 1 (the
    Dense below makes up for the sign, as sigmoid(-z) = 1 - sigmoid(z)), and was refused for outputting "numbers between
    0.0 and 1.0, not probabilities between 0 and 1". A range strictly inside (0, 1) is a probability too, but one that
    can never be surer than its ends, and is refused for that, not for leaving (0, 1)."""
    import keras

    from keras_models.course.exercises.graders.model_checks import require_binary_classifier

    made = keras.layers.Rescaling(scale, offset=offset, name="after")
    p = np.array([[1e-4], [0.3], [0.9999]], dtype="float32")
    q = np.asarray(made(p))                                           # what Keras' layer makes of the probabilities
    np.testing.assert_allclose(q, scale * p + offset, rtol=1e-6)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid"), made])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    if only is None:
        assert 0 <= q.min() < 0.01 and 0.99 < q.max() <= 1          # the whole of (0, 1), turned round
        require_binary_classifier(model, "build_model", n_features=3, what="the probability of malignant")
        return
    with pytest.raises(Fail) as refused:
        require_binary_classifier(model, "build_model", n_features=3, what="the probability of malignant")
    assert str(refused.value) == (
        f"Rescaling 'after' comes after the output layer: it maps each probability p to {scale} * p + {offset}, so the "
        f"model outputs probabilities between {only} only, never surer than that of a yes or a no however clear the "
        "case; put it after the hidden layers only, or leave it out"), str(refused.value)


def test_a_rescaling_after_an_activation_layer_is_judged_by_that_activation_not_by_the_dense_before_it():
    """Dense(1) then Activation("sigmoid") makes the same probability as Dense(1, activation="sigmoid"): a Rescaling
    after it maps that probability, and is judged so; the same Rescaling between the Dense and the Activation rescales
    a logit, which the Dense makes up for."""
    import keras

    from keras_models.course.exercises.graders.model_checks import no_dropout_after_the_output

    def model(*layers):
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1), *layers])

    no_dropout_after_the_output(model(keras.layers.Rescaling(2.0, offset=0.5), keras.layers.Activation("sigmoid")))
    with pytest.raises(Fail, match=r"^Rescaling 'after' comes after the output layer: it maps each probability p to "
                                   r"2\.0 \* p \+ 0\.5, so the model outputs numbers between 0\.5 and 2\.5, not "):
        no_dropout_after_the_output(model(keras.layers.Activation("sigmoid"),
                                          keras.layers.Rescaling(2.0, offset=0.5, name="after")))


@pytest.mark.parametrize("name, output", [("ex04", "keras.layers.Dense(1),"),
                                          ("ex05", 'keras.layers.Dense(1, activation="sigmoid"),')])
def test_ex04_and_ex05_refuse_a_layer_normalization_after_the_output_for_what_it_does(name, output, tmp_path):
    """ex04 said "the output activation is LayerNormalization"; ex05 that a "LayerNormalization output" is no
    probability and to use a sigmoid output, which the model had."""
    message = _graded_with(name, tmp_path, (output, f"{output} keras.layers.LayerNormalization(name='ln'),"))
    assert message == (f"LayerNormalization 'ln' comes after the output layer: "
                       f"{NORMALISED_OR_RESCALED['LayerNormalization']}; put it after the hidden layers only, or leave "
                       "it out"), message


def test_a_model_built_for_another_number_of_features_is_told_its_input_shape_and_the_datas():
    import keras

    from keras_models.course.exercises.graders.model_checks import require_output

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])          # the data has 3 features
    with pytest.raises(Fail, match=r"^build_model: the model takes inputs of shape \(None, 4\), the data has "
                                   r"\(None, 3\)$"):
        require_output(model, "build_model", n_features=3, units=1, activation="linear", why="")


def test_ex05_refuses_a_dropout_after_the_output_layer(tmp_path):
    import keras

    def dropout_last():
        return [keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.3), keras.layers.Dense(1, activation="sigmoid"),
                keras.layers.Dropout(0.3)]

    assert ex05_graded_with_layers(tmp_path, dropout_last).startswith(
        "a Dropout comes after the output layer: while training it zeroes some probabilities")


@pytest.mark.parametrize("name", ["ex03", "ex04", "ex06"])
def test_ex03_ex04_ex06_refuse_a_dropout_after_the_output_layer_before_any_epoch_runs(name, tmp_path):
    """ex05 refused a Dropout after its output, the regressions passed it (output_activation reads through it): while
    training it zeroes predicted prices at random, and the network learns outputs 1 - rate times its targets."""
    message = _graded_with(name, tmp_path,
                           ("keras.layers.Dense(1),", "keras.layers.Dense(1), keras.layers.Dropout(0.2),"))
    assert message.startswith("a Dropout comes after the output layer: while training it zeroes some predicted "
                              "prices and divides the others by 1 - rate"), message


def test_ex04_refuses_a_gaussian_noise_after_the_output_for_what_it_does_not_as_an_activation(tmp_path):
    """It was told "the output activation is GaussianNoise": the output is linear; the noise is the fault."""
    message = _graded_with("ex04", tmp_path, ("keras.layers.Dense(1),",
                                              "keras.layers.Dense(1), keras.layers.GaussianNoise(0.1, name='n'),"))
    assert message.startswith("GaussianNoise 'n' comes after the output layer: while training it adds Gaussian noise "
                              "to each unit"), message


@pytest.mark.parametrize("layer, hint", [
    ("keras.layers.BatchNormalization(name='bn')",
     "BatchNormalization 'bn' comes after the output layer: it recentres and rescales the outputs, by each batch's "
     "mean and spread while training and by running averages in predict, so predict gives other outputs than the "
     "loss scored (predicted prices shifted and scaled by averages that lag behind the training); put it after the "
     "hidden layers only, or leave it out"),
    ("keras.layers.ActivityRegularization(l2=0.01, name='penalty')",
     "ActivityRegularization 'penalty' comes after the output layer: it adds to the loss l2=0.01 times the outputs' "
     "squares, so the model learns outputs pulled toward 0 that no target asks for; put it after the hidden layers "
     "only, or leave it out"),
], ids=["batch-normalization", "activity-regularization"])
def test_ex04_refuses_a_layer_after_the_output_that_changes_what_it_learns_for_what_it_does(layer, hint, tmp_path):
    """Both were told "the output activation is BatchNormalization" (or ActivityRegularization): the output is
    linear; the layer after it is the fault."""
    message = _graded_with("ex04", tmp_path, ("keras.layers.Dense(1),", f"keras.layers.Dense(1), {layer},"))
    assert message == hint, message


def test_ex05_refuses_a_batch_normalization_after_its_sigmoid_output(tmp_path):
    import keras

    def normalised_last():
        return [keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.3),
                keras.layers.Dense(1, activation="sigmoid"), keras.layers.BatchNormalization(name="bn")]

    message = ex05_graded_with_layers(tmp_path, normalised_last)
    assert message == ("BatchNormalization 'bn' comes after the output layer: it recentres and rescales the outputs, "
                       "by each batch's mean and spread while training and by running averages in predict, so predict "
                       "gives other outputs than the loss scored (probabilities below 0 or above 1); put it after the "
                       "hidden layers only, or leave it out"), message


def test_layers_after_the_output_that_leave_it_alone_are_read_through_and_taken():
    """An ActivityRegularization of no penalty (Keras' default, l1=l2=0) passes its inputs on and adds nothing to the
    loss; a BatchNormalization between the output Dense and its Activation normalises the logit, and the sigmoid
    still gives a probability. A Reshape, Flatten or Identity keeps the values (each was "the output activation is
    Reshape"), and so does a Rescaling(1.0); another Rescaling after a linear output, or of a logit, is one more
    linear map the Dense before it makes up for."""
    import keras

    from keras_models.course.exercises.graders.model_checks import (
        hidden_nonlinear_layers,
        no_dropout_after_the_output,
        output_activation,
    )

    def model(*layers):
        return keras.Sequential([keras.Input((3,)), *layers])

    for taken, activation, hidden in [
        (model(keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1),
               keras.layers.ActivityRegularization()), "linear", 1),
        (model(keras.layers.Dense(1), keras.layers.BatchNormalization(), keras.layers.Activation("sigmoid")),
         "sigmoid", 0),
        (model(keras.layers.Dense(1, activation="sigmoid"), keras.layers.ActivityRegularization()), "sigmoid", 0),
        # layers that keep the values, and a Rescaling that is one more linear map of a linear output or of a logit
        (model(keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1), keras.layers.Reshape((1,)),
               keras.layers.Flatten(), keras.layers.Identity(), keras.layers.Rescaling(1000.0, offset=5.0)), "linear",
         1),
        (model(keras.layers.Dense(1), keras.layers.Rescaling(0.5), keras.layers.Activation("sigmoid"),
               keras.layers.Rescaling(1.0)), "sigmoid", 0),
    ]:
        no_dropout_after_the_output(taken)
        assert (output_activation(taken), hidden_nonlinear_layers(taken)) == (activation, hidden)


def test_ex05_refuses_a_model_whose_only_dropout_is_on_the_inputs(tmp_path):
    """The exercise asks for "hidden Dense layers with ReLU, a Dropout after at least one": a Dropout before the first
    Dense thins the inputs only, and the grader took it (and graded the model PASS)."""
    import keras

    def dropout_on_inputs():
        return [keras.layers.Dropout(0.3, name="on_inputs"),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(1, activation="sigmoid")]

    message = ex05_graded_with_layers(tmp_path, dropout_on_inputs)
    assert message == ("every Dropout comes before the first Dense layer (Dropout 'on_inputs'), so it thins the "
                       "inputs only: this exercise asks for a Dropout after a hidden Dense layer; add "
                       "keras.layers.Dropout(rate) after a hidden layer (one on the inputs as well is fine)"), message


def test_ex05_text_asks_for_what_the_grader_checks_a_dropout_after_at_least_one_hidden_layer(tmp_path):
    """The exercise said "a Dropout after each" hidden layer, its grader (and its hint) one after any hidden Dense
    layer, which is the lesson: the text now asks for that. A model with two hidden layers and one Dropout is
    taken; the text and the hint no longer ask for "each"."""
    import keras

    from keras_models.course.exercises.graders import ex05

    exercise = find("ex05")
    text = brief_of(exercise)
    assert "a `Dropout` after at least one of them" in text, "the brief of ex05 asks for another Dropout count"
    assert "a `Dropout` after each," not in text
    # the layers are named: Keras' names count up in the process, and a test after this one in the same pytest
    # worker expects its first Dense layer to be called 'dense'
    one_of_two = keras.Sequential([keras.Input((30,), name="features"),
                                   keras.layers.Dense(16, activation="relu", name="hidden_1"),
                                   keras.layers.Dropout(0.3, name="dropped"),
                                   keras.layers.Dense(8, activation="relu", name="hidden_2"),
                                   keras.layers.Dense(1, activation="sigmoid", name="malignant")], name="one_of_two")
    one_of_two.compile(optimizer="adam", loss="binary_crossentropy")
    ex05._check_model(one_of_two, 30)                       # no Fail


def test_ex05_refuses_hidden_layers_without_a_nonlinear_activation(tmp_path):
    """The exercise asks for "hidden Dense layers with ReLU"; its grader read no hidden activation, and a model whose
    hidden Dense layers are linear, one logistic regression however many there are, was taken (and, the data being
    nearly separable, passed). ex03 and ex04 refuse such a model too."""
    import keras

    def linear_hidden():
        return [keras.layers.Dense(8),
                keras.layers.Dropout(0.3), keras.layers.Dense(1, activation="sigmoid")]

    message = ex05_graded_with_layers(tmp_path, linear_hidden)
    assert message == NO_HIDDEN_NONLINEARITY.format(does="draws one straight boundary"), message


def test_ex03_brief_says_which_parts_of_its_model_recipe_are_checked_and_the_grader_takes_other_sizes(tmp_path):
    """ex03's brief asked for "three hidden Dense layers of 16 ReLU units" and Adam as requirements; the grader checks
    the input, the linear output, the mse loss and a nonlinear hidden layer, then the target. The brief now says so,
    and the grader takes two hidden layers of 32 units, which the brief leaves to the learner."""
    import keras

    exercise = find("ex03")
    text = brief_of(exercise)
    assert ("The grader checks the input, the linear output, the loss and that a hidden layer is nonlinear: how "
            "many hidden layers, their sizes and the optimizer are yours to vary.") in text

    def two_of_32():
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
        return model

    module = load_module(exercise.solution_path)
    module.build_model = two_of_32
    assert "fresh-data RMSE" in exercise.grader.grade(module, tmp_path)


def test_ex05_refuses_a_dropout_of_rate_0_that_drops_nothing(tmp_path):
    import keras

    def dropout_zero():
        return [keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.0), keras.layers.Dense(1, activation="sigmoid")]

    message = ex05_graded_with_layers(tmp_path, dropout_zero)
    assert message == ("a Dropout rate is the fraction of units it drops, above 0 and below 1: Dropout "
                       "'dropout' has rate 0.0, which drops nothing; try 0.2 to 0.5"), message


def test_ex05_refuses_a_dropout_of_rate_1_that_keras_accepts_and_that_drops_everything(tmp_path):
    """Keras accepts Dropout(1.0) (tests/test_dropout_edges.py pins it); the hint said "must be between 0 and 1,
    got [1.0]", which 1.0 is."""
    import keras

    def dropout_one():
        return [keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.3, name="first"), keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(1.0, name="all"), keras.layers.Dense(1, activation="sigmoid")]

    message = ex05_graded_with_layers(tmp_path, dropout_one)
    assert message == ("a Dropout rate is the fraction of units it drops, above 0 and below 1: Dropout 'all' has "
                       "rate 1.0, which zeroes every unit while training, so the layers after it learn nothing; "
                       "try 0.2 to 0.5"), message


@pytest.mark.parametrize("noise", ["GaussianDropout", "AlphaDropout", "GaussianNoise"])
def test_ex05_names_keras_other_noise_layers_rather_than_saying_there_is_no_dropout(tmp_path, noise):
    """A model with GaussianDropout (not a subclass of keras.layers.Dropout) was told "the model has no Dropout
    layer", though the learner had written one that Keras calls a dropout."""
    import keras

    def noisy():
        return [keras.layers.Dense(8, activation="relu"),
                getattr(keras.layers, noise)(0.3, name="noisy"),
                keras.layers.Dense(1, activation="sigmoid")]

    message = ex05_graded_with_layers(tmp_path, noisy)
    assert re.fullmatch(f"the model has no keras.layers.Dropout: {noise} 'noisy' (multiplies|sets|adds) .* rather "
                        r"than zeroing a random fraction of them; this exercise asks for keras.layers.Dropout\(rate\) "
                        "after a hidden layer", message), message


def test_ex06_hint_for_features_standardised_over_the_whole_table(tmp_path):
    module = load_module(find("ex06").solution_path)

    def leaky_features(houses):
        features = module.engineer_features(houses)
        return (features - features.mean()) / features.std()

    assert "depending on which other houses" in grade_mutant("ex06", tmp_path, engineer_features=leaky_features)


def test_ex06_hint_for_a_feature_that_reads_the_price(tmp_path):
    module = load_module(find("ex06").solution_path)

    def price_per_room(houses):                          # the target among the features: absent for a new house
        return module.engineer_features(houses).assign(price_per_room=houses["price"] / houses["bedrooms"])

    assert grade_mutant("ex06", tmp_path, engineer_features=price_per_room) == (
        "engineer_features looked for the column 'price'; it gets the raw columns without the price (new houses "
        "have none)")


def test_ex06_takes_yes_no_replaced_by_numbers_in_object_columns_and_still_refuses_text_left_in():
    """pandas 3 keeps houses.replace({"yes": 1, "no": 0})'s numbers in object columns (it no longer downcasts
    them); they are the 1/0 the exercise asks for, not text."""
    import types

    from keras_models.course.exercises.graders import ex06

    houses = ex06.split_houses()[0]
    replaced = types.SimpleNamespace(engineer_features=lambda rows: rows.replace({"yes": 1, "no": 0}))
    assert ex06._check_features(replaced, houses) == houses.shape[1] - 1
    left_as_text = types.SimpleNamespace(engineer_features=lambda rows: rows.copy())
    with pytest.raises(Fail, match=r"engineer_features left non-numeric columns \['driveway', "):
        ex06._check_features(left_as_text, houses)


def test_ex06_refuses_yes_no_columns_half_replaced_by_numbers_as_text_left_in():
    """replace({"yes": 1}) without "no": object columns of 1s and "no"s. Some values are numbers, not all: text
    left in, said as such (not a ValueError from converting "no" to a float)."""
    import types

    from keras_models.course.exercises.graders import ex06

    houses = ex06.split_houses()[0]
    half = types.SimpleNamespace(engineer_features=lambda rows: rows.replace({"yes": 1}))
    with pytest.raises(Fail, match=r"engineer_features left non-numeric columns \['driveway', "):
        ex06._check_features(half, houses)


def test_ex06_takes_features_that_leave_out_some_yes_no_columns():
    """The yes/no check flips all six columns at once: features that use five of them (driveway left out) still
    change with them, and pass."""
    import types

    from keras_models.course.exercises.graders import ex06

    houses = ex06.split_houses()[0]
    solution = load_module(find("ex06").solution_path)
    without_driveway = types.SimpleNamespace(
        engineer_features=lambda rows: solution.engineer_features(rows).drop(columns="driveway"))
    n_features = solution.engineer_features(houses.drop(columns="price")).shape[1]
    assert ex06._check_features(without_driveway, houses) == n_features - 1


@pytest.mark.parametrize("held_out, hint", [
    ({"validation_split": 0.2}, None),
    ({"validation_data": ("x_val", "y_val")}, None),
    ({"validation_split": 0.0}, "fit holds out no houses for validation"),
    ({"validation_data": None}, "fit holds out no houses for validation"),
], ids=["validation-split", "validation-data", "split-of-zero", "data-of-none"])
def test_ex06_takes_houses_held_out_by_validation_split_or_by_validation_data(held_out, hint):
    """Step 3 asks for validation_split=0.2; a learner who split the houses themselves and passed validation_data
    held houses out as well, and is not failed for it. A split of 0 or validation_data=None holds out none."""
    import keras

    from keras_models.course.exercises.graders import ex06

    stop = keras.callbacks.EarlyStopping(monitor="val_loss", restore_best_weights=True)
    if hint is None:
        ex06._holds_out_houses({**held_out, "callbacks": [stop]})
    else:
        with pytest.raises(Fail, match=f"^{re.escape(hint)}"):
            ex06._holds_out_houses({**held_out, "callbacks": [stop]})


def test_ex06_finds_the_globals_of_a_train_called_through_layers_and_gives_up_on_one_that_has_none():
    """The load_housing guard looks for train's globals through the layers a train can be called through: here an
    object whose class's __call__ is a functools.partial of a function (three steps: the class's __call__, the
    partial's func, the function's globals). A train made in C (a builtin) has none anywhere: type(len).__call__ is
    a slot wrapper whose type's __call__ is a slot wrapper again, without end, and the search gives up (None: the
    guard then takes the module's names) instead of looping forever: a search still going after a few seconds (an
    alarm, conftest.at_most) fails this test rather than hanging the suite."""
    import functools

    from keras_models.course.exercises.graders import ex06

    def fit_and_return(houses):
        return houses

    class Train:
        __call__ = functools.partial(fit_and_return)

    assert ex06._globals_of(Train()) is fit_and_return.__globals__
    with at_most(2, "_globals_of(len)"):
        found = ex06._globals_of(len)
    assert found is None


def test_ex06_hints_for_engineer_features_that_changes_its_input_or_renumbers_the_houses():
    import types

    from keras_models.course.exercises.graders import ex06

    houses = ex06.split_houses()[0]
    solution = load_module(find("ex06").solution_path)

    def encoded_in_place(rows):                                 # the grader's own copy of the houses changed
        rows.replace({"yes": 1, "no": 0}, inplace=True)
        return rows

    renumbered = types.SimpleNamespace(engineer_features=lambda rows: solution.engineer_features(rows).reset_index(
        drop=True))                                             # 0, 1, 2, ...: no longer the houses' own index
    with pytest.raises(Fail, match="^engineer_features changed the DataFrame it was given: work on a copy$"):
        ex06._check_features(types.SimpleNamespace(engineer_features=encoded_in_place), houses)
    with pytest.raises(Fail, match="^engineer_features must keep one row per house, with the same index$"):
        ex06._check_features(renumbered, houses)


def test_ex06_hints_for_engineer_features_that_returns_an_array_or_no_columns():
    # an array from .to_numpy() has no index to check, and a frame of no columns gives the same (no) features for
    # "yes" and "no": each is told what it returned, not a grader's error or the yes/no columns' hint
    import types

    import pandas as pd

    from keras_models.course.exercises.graders import ex06

    houses = ex06.split_houses()[0]
    solution = load_module(find("ex06").solution_path)
    as_array = types.SimpleNamespace(engineer_features=lambda rows: solution.engineer_features(rows).to_numpy())
    no_columns = types.SimpleNamespace(engineer_features=lambda rows: pd.DataFrame(index=rows.index))
    with pytest.raises(Fail, match="^engineer_features must return a DataFrame, got ndarray$"):
        ex06._check_features(as_array, houses)
    with pytest.raises(Fail, match="^engineer_features returned no columns$"):
        ex06._check_features(no_columns, houses)


def ex06_not_trained(module):
    """A train for ex06 that fits the scaling as the solution's does, but not the network: it predicts from the
    weights it was built with."""
    def train(houses):
        features = module.engineer_features(houses).to_numpy()                       # (m, n)
        std = features.std(axis=0)
        log_price = np.log(houses["price"].to_numpy(dtype=float))                    # (m,)
        return module.HousePriceModel(module.build_model(features.shape[1]), features.mean(axis=0),
                                      np.where(std == 0, 1.0, std), float(log_price.mean()), float(log_price.std()))
    return train


def _ex06_trained_as_the_grader(module, train):
    """The training houses ex06's grader splits off, and what train returns for a copy of them when run as the grader
    runs it: under the grader's seed, after the build_model call the grader makes first, so the network train builds
    starts from the weights it would in the grader."""
    from keras_models.course.exercises.graders import ex06
    from keras_models.course.exercises.graders.checks import deterministic

    houses = ex06.split_houses()[0]
    with deterministic(ex06.SEED):
        module.build_model(module.engineer_features(houses.drop(columns="price")).shape[1])          # as the grader
        return houses, train(houses.copy())


@pytest.fixture(scope="module")
def ex06_houses_and_predictor():
    """ex06's solution module, the training houses its grader splits off, and the HousePriceModel ex06_not_trained
    makes of them (its network as built, not trained): made once for the tests that only predict with it (the train
    they hand the grader returns it, as ex06_not_trained(module) would for those houses). Built under the grader's
    seed, as the grader builds it: unseeded, its starting weights, and so its test MAE and hints, changed per run."""
    module = load_module(find("ex06").solution_path)
    houses, predictor = _ex06_trained_as_the_grader(module, ex06_not_trained(module))
    return module, houses, predictor


def test_ex06_hints_for_a_classification_loss_a_train_that_returns_nothing_and_an_untrained_models_test_mae(
        ex06_houses_and_predictor, tmp_path):
    import keras

    def with_a_classification_loss(n_features):
        model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    def returns_nothing(houses):                                # no fit: a changed grader would not train either
        return None

    assert grade_mutant("ex06", tmp_path, build_model=with_a_classification_loss, train=returns_nothing) == (
        'binary_crossentropy is not a regression loss: use the mean squared error ("mse")')
    assert grade_mutant("ex06", tmp_path, train=returns_nothing) == (
        "train must return a HousePriceModel (something with .predict(houses))")
    hint = grade_mutant("ex06", tmp_path, train=lambda houses: ex06_houses_and_predictor[2])
    assert re.fullmatch(r"test MAE \$\d+,\d{3}, the target is < \$15,000 \(predicting the mean: \$\d+,\d{3}\): look at "
                        r"the features \(log of the lot size\? the yes/no columns\?\), the target's scale, the model "
                        r"size", hint), hint


def test_ex06_hint_for_evaluate_whose_dict_spells_a_key_otherwise(ex06_houses_and_predictor, tmp_path):
    # {"mae": ..., "R2": ...}: told the keys it must hold, not "the grader could not check your code: KeyError"
    module, _, predictor = ex06_houses_and_predictor

    def capital_r2(predictor, houses):
        report = module.evaluate(predictor, houses)
        return {"mae": report["mae"], "R2": report["r2"]}

    assert grade_mutant("ex06", tmp_path, train=lambda houses: predictor, evaluate=capital_r2) == (
        'evaluate must return a dict with the keys "mae" and "r2"')


@pytest.mark.parametrize("key, wrong, said", [
    # a sample variance's habit: 1/109 = 0.9% above the MAE, more than the 0.1% evaluate may be off
    ("mae", lambda report, error: float(np.sum(np.abs(error)) / (len(error) - 1)), "evaluate says MAE "),
    # r2 0.005 off: more than the 0.001 evaluate's r2 may be off, less than a hundredth
    ("r2", lambda report, error: report["r2"] + 0.005, "evaluate says r2 "),
], ids=["mae-divided-by-m-minus-1", "r2-half-a-hundredth-off"])
def test_ex06_hint_for_evaluate_a_little_off(key, wrong, said, ex06_houses_and_predictor, tmp_path):
    module, _, predictor = ex06_houses_and_predictor

    def a_little_off(predictor, houses):
        report = module.evaluate(predictor, houses)
        error = houses["price"].to_numpy(dtype=float) - predictor.predict(houses)              # (m,)
        return {**report, key: wrong(report, error)}

    hint = grade_mutant("ex06", tmp_path, train=lambda houses: predictor, evaluate=a_little_off)
    assert hint.startswith(said) and "column" not in hint, hint


def test_ex06_hint_for_prices_predicted_in_thousands_of_dollars(ex06_houses_and_predictor, tmp_path):
    # ex04's target was price / 1000: left undone in predict, the prices are around 80, not dollars, and the hint
    # is the target scaling, not "look at the features"
    import types

    in_dollars = ex06_houses_and_predictor[2]

    def train(houses):
        return types.SimpleNamespace(predict=lambda raw: in_dollars.predict(raw) / 1000.0)

    hint = grade_mutant("ex06", tmp_path, train=train)
    assert re.match(r"the predicted prices are around \d\d(\.\d)?, not dollars: undo the target scaling", hint), hint


@pytest.mark.parametrize("undone, hint", [
    # a target train never logged, its prices handed to np.exp: e^68,000 overflows for every house
    (lambda z, mu, sigma, price_std: np.exp(np.exp(z * sigma + mu)),
     r"HousePriceModel\.predict returned inf for all 110 houses: np\.exp of a price overflows \(past e\^709\); "
     r"np\.exp undoes a log, so use it in predict only if train fitted the network on log\(price\)"),
    # the log price un-standardised with the price's std (about 26,000): inf above the middle, $0 below it
    (lambda z, mu, sigma, price_std: np.exp(z * price_std + mu),
     r"HousePriceModel\.predict returned inf for \d+ of the 110 houses and \$0 for \d+: what it hands np\.exp swings "
     r"by thousands, not by a log price's tenths; undo the standardisation with the std of what the network learned, "
     r"log\(price\), not the price's std"),
    (lambda z, mu, sigma, price_std: np.exp(z + mu),                       # "* std" left out
     r"test MAE \$\d+,\d{3}, the target is < \$15,000 \(predicting the mean: \$\d+,\d{3}\): predict's prices spread "
     r"about 2\.\d times too far from their middle: undoing the target's standardisation, multiply by its std "
     r"before adding its mean \(scaled \* std \+ mean\)"),
    # train fitted log(price) itself (about 11), predict un-standardised it: exp(11 * 0.4 + 11), millions
    (lambda z, mu, sigma, price_std: np.exp((z * sigma + mu) * sigma + mu),
     r"test MAE \$[\d,]+, the target is < \$15,000 \(predicting the mean: \$\d+,\d{3}\): predict's prices are "
     r"around \$\d,\d{3},\d{3}, what a network fitted on log\(price\) unscaled gives when predict undoes a "
     r"standardisation: standardise the target in train as predict undoes it"),
], ids=["exp-of-the-price", "un-standardised-with-the-prices-std", "std-left-out", "target-unscaled"])
def test_ex06_hint_names_the_slip_in_undoing_the_targets_scaling(undone, hint, tmp_path):
    """A predict whose network prices each house well, z = (log(price) - mu) / sigma shrunk by a fifth toward 0 (its
    price looked up in the data set: no Keras fit), with the target's scaling undone by one slip: each is named,
    where the generic "look at the features" hint or "returned non-finite values" said neither what nor why."""
    import types

    from data import load_housing
    from keras_models.course.exercises.graders import ex06

    price = load_housing()["price"]                                        # by the houses' index
    training = ex06.split_houses()[0]["price"].to_numpy(dtype=float)       # (436,)
    mu, sigma = np.log(training).mean(), np.log(training).std()

    def predict(houses):
        z = 0.8 * (np.log(price.loc[houses.index].to_numpy(dtype=float)) - mu) / sigma        # (m,)
        with np.errstate(over="ignore"):
            return undone(z, mu, sigma, training.std())

    said = grade_mutant("ex06", tmp_path, train=lambda houses: types.SimpleNamespace(predict=predict))
    assert re.fullmatch(hint, said), said


@pytest.mark.parametrize("accent", ["", "\n# café au lait\n"], ids=["ascii", "with-an-accent"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_a_file_saved_as_utf16_without_a_byte_order_mark_is_one_line_saying_so(suffix, encoding, accent, tmp_path):
    """An editor's "UTF-16 LE" (or BE) without its byte-order mark: every second byte is NUL. ASCII text like that is
    valid UTF-8, so the .py was "the file does not parse: source code string cannot contain null bytes at line 1" and
    the notebook "not JSON"; with an accent, the first byte that is not UTF-8 and its Windows-1252 guess."""
    ex01 = find("ex01")
    source = ex01.solution_path.read_text(encoding="utf-8") + accent
    text = source if suffix == ".py" else nbformat.writes(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source)]))
    path = tmp_path / f"{ex01.stem}{suffix}"
    path.write_bytes(text.encode(encoding))
    result = grade_file(ex01, path, tmp_path)
    assert (result.passed, result.message) == (False, UTF_16_WITHOUT_A_MARK.format(name=path.name))


def test_a_whole_exercise_saved_as_utf16_with_its_byte_order_mark_is_told_by_its_mark(tmp_path):
    """Notepad's "Unicode" writes the mark, then every second byte 0 as well: the line says what the mark says."""
    ex01 = find("ex01")
    path = tmp_path / f"{ex01.stem}.py"
    path.write_bytes(ex01.solution_path.read_text(encoding="utf-8").encode("utf-16"))
    assert grade_file(ex01, path, tmp_path).message == (f"{path.name} is not UTF-8 text (it is UTF-16, as its first "
                                                        "bytes say): save it as UTF-8")


def test_a_file_padded_with_nul_bytes_is_not_taken_for_utf16(tmp_path):
    """A sync tool that padded the file with 0s leaves them at even and odd positions alike: Python's line for a NUL
    byte, with where it is, not "it looks like UTF-16"."""
    path = tmp_path / f"{find('ex01').stem}.py"
    path.write_bytes(b"x = 1\ny = 2\n" + b"\0" * 2000)                  # 0s at 99% of even and odd bytes
    assert grade_file(find("ex01"), path, tmp_path).message == (
        f"the file does not parse: source code string cannot contain null bytes at line 3 of {path.name}")


def _changed_solution(name: str, *changes: tuple[str, str]) -> str:
    """Exercise `name`'s solution with pieces of its text changed, (original, changed) each, in that order; each
    original is found exactly once."""
    text = find(name).solution_path.read_text(encoding="utf-8")
    for original, changed in changes:
        assert text.count(original) == 1, original
        text = text.replace(original, changed)
    return text


def _graded_with(name: str, folder, *changes: tuple[str, str], of_module=None, **replacements) -> str:
    """The grader's message for exercise `name`'s solution with pieces of its text changed (_changed_solution), as a
    learner's file would hold it; with `replacements`, the file is loaded and those names set on the module before
    the grader sees it (a function that hands back a prepared object instead of computing it); `of_module(module)`
    gives more of them, made with the loaded module's own names (a class the changed text defines)."""
    exercise = find(name)
    path = folder / exercise.solution_path.name
    path.write_text(_changed_solution(name, *changes), encoding="utf-8")
    if replacements or of_module:
        module = load_module(path)
        for attribute, value in {**replacements, **(of_module(module) if of_module else {})}.items():
            setattr(module, attribute, value)
        result = grade_module(exercise, module, folder, in_file(path))
    else:
        result = grade_file(exercise, path, folder)
    assert not result.passed, result.message
    return result.message


@pytest.mark.parametrize("original, changed, hint", [
    ('(houses[column] == "yes")', '(houses[column] == "Yes")',          # six columns of 0s, the MAE still passes
     'engineer_features gives the same features whether the yes/no columns say "yes" or "no"'),
    ('log_price = np.log(houses["price"].to_numpy(dtype=float))',        # the target's statistics from every house
     'log_price = np.log(load_housing()["price"].to_numpy(dtype=float))',
     "train read the whole data set (load_housing()), test houses included"),
    ("validation_split=0.2, ", "", "fit holds out no houses for validation"),
    ('EarlyStopping(monitor="val_loss"', 'EarlyStopping(monitor="loss"', "EarlyStopping monitors 'loss'"),
], ids=["yes-no-misspelt", "load-housing-in-train", "no-validation", "early-stopping-on-training-loss"])
def test_ex06_hints_for_leaks_and_steps_left_out_before_any_epoch_runs(original, changed, hint, tmp_path):
    assert hint in _graded_with("ex06", tmp_path, (original, changed))


@pytest.fixture(scope="module")
def ex04_one_epoch(tmp_path_factory):
    """ex04's solution model as its grader builds and trains it with epochs=1 (the grader's data and seed), and the
    History: one epoch is enough for the tests of predict_price_dollars, which the grader asks before it scores the
    model. Trained once for them all; they only predict with it."""
    from keras_models.course.exercises.graders import ex04
    from keras_models.course.exercises.graders.checks import deterministic

    path = tmp_path_factory.mktemp("ex04_one_epoch") / find("ex04").solution_path.name
    path.write_text(_changed_solution("ex04", ("epochs=40", "epochs=1")), encoding="utf-8")
    one_epoch = load_module(path)
    data = ex04.load_data()
    with deterministic(ex04.SEED):
        model = one_epoch.build_model(data.n_features)
        history = one_epoch.train(model, data.X_train, data.y_train, data.X_val, data.y_val)
    assert len(history.history["loss"]) == 1
    return model, history


def _ex04_graded_with_one_epoch(ex04_one_epoch, folder, change: tuple[str, str]) -> str:
    """The grader's message for ex04's solution with one piece of its text changed (_changed_solution), as a learner's
    file would hold it, its build_model and train handing the grader ex04_one_epoch's model and History."""
    model, history = ex04_one_epoch
    return _graded_with("ex04", folder, change, build_model=lambda n_features: model,
                        train=lambda model, X_train, y_train, X_val, y_val: history)


def test_ex04_an_error_in_predict_price_dollars_is_reported_as_the_learners_with_its_line(ex04_one_epoch, tmp_path):
    # the raw row handed to the model: once turned into "must return one number: Cannot cast str dtype ...".
    broken = "model.predict(data.scale(diamond), verbose=0)"
    message = _ex04_graded_with_one_epoch(ex04_one_epoch, tmp_path, (broken, "model.predict(diamond, verbose=0)"))
    line = 1 + find("ex04").solution_path.read_text(encoding="utf-8").split(broken)[0].count("\n")
    assert message.startswith("your code raised ") and f" in predict_price_dollars (line {line} of " in message, message


def ex04_rounded(gave: str) -> str:
    """The hint for thousands rounded to a whole number, `gave` the dollars it names ("0", "1,000")."""
    return (r"predict_price_dollars gave \$" + re.escape(gave) + r", the model says \$(?P<model>\d+\.\d\d) for this "
            r"diamond \(0\.\d{3} thousand\): if the thousands were rounded to a whole number before \* 1000, "
            r"multiply the model's own number, dollars = float\(thousands\) \* 1000")


def ex04_constant(gave: str) -> str:
    """The hint for one price for every diamond, `gave` the dollars it names ("0", "1,000")."""
    return (r"predict_price_dollars gave \$" + re.escape(gave) + r" for two diamonds the model prices at "
            r"\$(?P<model>\d+) and \$[\d,]+: return the price of the diamond it is given, dollars = "
            r"float\(thousands\) \* 1000 of model\.predict\(data\.scale\(diamond\)\)")


@pytest.mark.parametrize("dollars, hint", [
    ("float(thousands[0, 0])", "predict_price_dollars returned thousands of dollars: the target is price / 1000"),
    ("float(thousands[0, 0]) * 100.0", r"predict_price_dollars gave \$[\d,.]+, 0\.1 times the \$[\d,]+ the model says "
     r"for this diamond: the model predicts thousands of dollars, so dollars = thousands \* 1000$"),
    ("float(thousands[0, 0]) * 10000.0", r"predict_price_dollars gave \$[\d,.]+, 10 times the \$[\d,]+ the model "
     r"says for this diamond: the model predicts thousands of dollars, so dollars = thousands \* 1000$"),
    ("float(thousands[0, 0]) / 1000.0", r"predict_price_dollars gave \$0.\d\d, 0\.000001 times the \$[\d,]+ the "
     r"model says for this diamond: the model predicts thousands of dollars, so dollars = thousands \* 1000$"),
    ("round(float(thousands[0, 0])) * 1000.0", ex04_rounded("0")),
    ("0.0", ex04_constant("0")),
    ("float(thousands[0, 0]) * 1024.0", r"predict_price_dollars gave 1\.024 times the model's price of each of two "
     r"diamonds \(\$[\d,]+ for \$[\d,]+, \$[\d,]+ for \$[\d,]+\): the model predicts thousands of dollars, so "
     r"dollars = thousands \* 1000$"),
    ("1000.0", ex04_constant("1,000")),
    ("float(np.ceil(thousands[0, 0])) * 1000.0", ex04_rounded("1,000")),
    ('float("nan")', r"predict_price_dollars gave nan, not a price, for a diamond the model prices at "
     r"\$(?P<model>\d+): dollars = float\(thousands\) \* 1000 of model\.predict\(data\.scale\(diamond\)\)"),
], ids=["thousands", "times-100", "times-10000", "divided-by-1000", "rounded-thousands", "constant-0", "times-1024",
        "constant-1000", "rounded-up-thousands", "nan"])
def test_ex04_hint_for_predict_price_dollars_off_by_a_power_of_10_or_rounded(dollars, hint, ex04_one_epoch,
                                                                             tmp_path):
    """One epoch is enough: the grader asks predict_price_dollars before it scores the model. Times 100, times 10000
    (a zero too many) or divided by 1000 (a price the model gives, in the wrong unit) was told "encode and scale the
    raw row with data.scale(...) before predicting", which it had done; so was the model's price under $500 (this
    diamond's, after one epoch) rounded to 0 thousand ($0) or up to 1 ($1,000), and times 1.024 or a constant $0 or
    $1,000, which one diamond cannot tell from a rounding. The grader asks about a second diamond, the one the model
    prices farthest from the first: a constant gives it the same price, a factor the same ratio, a rounding its own
    whole thousands. A nan is no distance from any price: it passed the price check. The cases hold only while the
    model's price is under $500, where round() gives 0 and ceil() 1, which the test checks rather than a figure
    copied from a run."""
    message = _ex04_graded_with_one_epoch(ex04_one_epoch, tmp_path, ("float(thousands[0, 0]) * 1000.0", dollars))
    matched = re.fullmatch(hint, message)
    assert matched, message
    if "model" in matched.groupdict():
        assert 0 < float(matched["model"]) < 500, message


@pytest.mark.parametrize("second_price, hint", [
    # both diamonds in the same thousand: round() gives both $4,000, which is no constant
    (3932.5, r"predict_price_dollars gave \$4,000, the model says \$3,932\.50 for this diamond \(3\.933 thousand\): "
             r"if the thousands were rounded to a whole number before \* 1000, multiply the model's own number"),
    (3940.1, r"predict_price_dollars gave \$4,000, the model says \$3,932\.50 for this diamond \(3\.933 thousand\): "
             r"if the thousands were rounded to a whole number before \* 1000, multiply the model's own number"),
    # the second diamond thousands away: $4,000 for both is a constant, not a rounding
    (9120.0, r"predict_price_dollars gave \$4,000 for two diamonds the model prices at \$3,932 and \$9,120: return "
             r"the price of the diamond it is given"),
], ids=["same-price", "same-thousand", "thousands-apart"])
def test_ex04_wrong_price_tells_rounding_in_one_thousand_from_a_constant(second_price, hint):
    """$4,000 for two diamonds the model prices at $3,932.50 and $3,940.10 (or the same) is their thousands rounded,
    which a nearly constant model gives both: it was told "return the price of the diamond it is given", as a
    constant is. $4,000 for $3,932.50 and $9,120 is a constant: no rounding gives both."""
    from keras_models.course.exercises.graders import ex04

    with pytest.raises(Fail, match=hint):
        ex04.wrong_price(4000.0, 3932.5, 4000.0, second_price)


@pytest.fixture(scope="module")
def ex06_two_epochs(tmp_path_factory):
    """ex06's solution HousePriceModel as its grader trains it with epochs=2 (the grader's houses and seed): a short
    real fit is enough for the tests of predict and evaluate, whose hints come before the test MAE is judged.
    Trained once for them all; they only predict with it."""
    path = tmp_path_factory.mktemp("ex06_two_epochs") / find("ex06").solution_path.name
    path.write_text(_changed_solution("ex06", ("epochs=200", "epochs=2")), encoding="utf-8")
    two_epochs = load_module(path)
    _, predictor = _ex06_trained_as_the_grader(two_epochs, two_epochs.train)
    assert len(predictor.model.history.epoch) == 2
    return predictor


def _ex06_graded_with_two_epochs(ex06_two_epochs, folder, *changes: tuple[str, str]) -> str:
    """The grader's message for ex06's solution with pieces of its text changed (_changed_solution), as a learner's
    file would hold it, its train handing the grader ex06_two_epochs' network and scaling in the file's own
    HousePriceModel: the changed predict and evaluate are the ones graded."""
    fields = vars(ex06_two_epochs)                              # model, feature_mean, ..., log_price_std
    return _graded_with("ex06", folder, *changes,
                        of_module=lambda module: {"train": lambda houses: module.HousePriceModel(**fields)})


def test_ex06_hint_for_evaluate_thrown_off_by_prices_predicted_as_a_column_names_the_column(ex06_two_epochs,
                                                                                           tmp_path):
    # the grader takes predict's (m, 1), but price (m,) - a column broadcasts in evaluate; the hint blamed evaluate
    prices = "return np.exp(scaled * self.log_price_std + self.log_price_mean)"
    message = _ex06_graded_with_two_epochs(ex06_two_epochs, tmp_path, (prices, f"{prices}.reshape(-1, 1)"))
    assert message.startswith("evaluate says MAE ") and message.endswith(
        ": HousePriceModel.predict returns a column (110, 1), and the prices (110,) minus a column are (110, 110) "
        "pairs; return prices of shape (m,)"), message


@pytest.mark.parametrize("wrong, said", [
    (('"mae": float(np.mean(np.abs(error)))', '"mae": float(np.median(np.abs(error)))'), "evaluate says MAE "),
    (("r2 = 1.0 - np.sum(error ** 2)", "r2 = 0.5 - np.sum(error ** 2)"), "evaluate says r2 "),
], ids=["mae", "r2"])
def test_ex06_hint_for_a_wrong_evaluate_does_not_blame_a_column_that_evaluate_flattens(wrong, said, ex06_two_epochs,
                                                                                      tmp_path):
    # predict returns a column, evaluate flattens it and gets its MAE or r2 wrong otherwise: not broadcast
    prices = "return np.exp(scaled * self.log_price_std + self.log_price_mean)"
    message = _ex06_graded_with_two_epochs(ex06_two_epochs, tmp_path, (prices, f"{prices}.reshape(-1, 1)"),
                                           ("error = price - predictor.predict(houses)  ",
                                            "error = price - predictor.predict(houses).ravel()"), wrong)
    assert message.startswith(said) and "column" not in message, message


def test_ex06_hint_for_train_returning_the_keras_model_instead_of_a_house_price_model(tmp_path):
    """A keras model has a predict too, of scaled features: the grader tripped on the raw houses' text columns
    ("the grader could not check your code: ValueError in grade ... Invalid dtype: str")."""
    message = _graded_with("ex06", tmp_path, (
        "    return HousePriceModel(model, mean, std, float(log_price.mean()), float(log_price.std()))",
        "    return model"), ("epochs=200", "epochs=2"))                   # a short real fit: the check reads no loss
    assert message.startswith("train returned the keras model (Sequential), not a HousePriceModel: a keras model "
                              "predicts from scaled features"), message


def test_ex06_hint_for_train_that_keeps_the_history_of_fit_as_its_network(tmp_path):
    """model = model.fit(...) in train: the FAIL named HousePriceModel.predict's line ("'History' object has no
    attribute 'predict'"), not train's, where the network was lost."""
    fit = "    model.fit((features - mean) / std,"
    message = _graded_with("ex06", tmp_path, (fit, fit.replace("model.fit", "model = model.fit")),
                           ("epochs=200", "epochs=2"))                  # a real History, of a short fit
    assert message.startswith("train returned a HousePriceModel whose model is the History that model.fit returns, "
                              "not the network"), message


def test_ex06_hint_for_prices_predicted_as_log_prices(ex06_two_epochs, tmp_path):
    # the target's log left undone: prices around 11, which is not "look at the features" but the last step of predict
    prices = "return np.exp(scaled * self.log_price_std + self.log_price_mean)"
    message = _ex06_graded_with_two_epochs(ex06_two_epochs, tmp_path,
                                           (prices, "return scaled * self.log_price_std + self.log_price_mean"))
    assert message.startswith("the predicted prices are around 11") and message.endswith(
        "undo the target scaling (the transform you applied to the price in train) in predict"), message


def test_ex06_hint_for_evaluate_that_gives_the_squared_correlation_as_r2(ex06_two_epochs, tmp_path):
    # corrcoef ** 2 is R^2 only for a least-squares fit: for this model it is a few hundredths off
    message = _ex06_graded_with_two_epochs(ex06_two_epochs, tmp_path, (
        "r2 = 1.0 - np.sum(error ** 2) / np.sum((price - price.mean()) ** 2)",
        "r2 = np.corrcoef(price, price - error)[0, 1] ** 2"))
    assert message.startswith("evaluate says r2 ") and ", but 1 - SS_res / SS_tot is " in message, message


def test_ex06_hint_for_predict_that_subtracts_the_mean_but_does_not_divide_by_the_std(tmp_path):
    # trained 200 epochs, such a predict passed with a test MAE of $14,220: the network prices houses from features
    # it was never fitted on. One epoch here: the hint comes before any price is judged
    import keras

    module = load_module(find("ex06").solution_path)

    class NotDivided(module.HousePriceModel):
        def predict(self, houses):
            X = module.engineer_features(houses).to_numpy() - self.feature_mean                   # (m, n)
            return np.exp(self.model.predict(X, verbose=0)[:, 0] * self.log_price_std + self.log_price_mean)

    def train(houses):
        predictor = NotDivided(*vars(ex06_not_trained(module)(houses)).values())
        features = module.engineer_features(houses).to_numpy()
        target = np.log(houses["price"].to_numpy(dtype=float))
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", restore_best_weights=True)
        predictor.model.run_eagerly = True         # one epoch is quicker run than traced; fit is handed the same x
        predictor.model.fit((features - predictor.feature_mean) / predictor.feature_std, target - target.mean(),
                            validation_split=0.2, epochs=1, callbacks=[stop], verbose=0)
        return predictor

    assert re.fullmatch(r"HousePriceModel\.predict gives the network other features for the training houses than "
                        r"train fitted it on \(off by up to [0-9.]+\): scale new houses exactly as train scaled its "
                        r"own, with the mean and std it stored", grade_mutant("ex06", tmp_path, train=train))


class PredictsInChunks:
    """A HousePriceModel whose predict prices the houses in three chunks: three model.predict calls."""

    def __init__(self, predictor):
        self.predictor = predictor

    def predict(self, houses):
        chunks = np.array_split(np.arange(len(houses)), 3)
        return np.concatenate([self.predictor.predict(houses.iloc[chunk]) for chunk in chunks])      # (m,)


class CallsTheModel:
    """A HousePriceModel whose predict calls its network itself, model(X), not model.predict."""

    def __init__(self, predictor, engineer_features):
        self.predictor, self.engineer_features = predictor, engineer_features

    def network(self, X):
        return self.predictor.model(X)                                                               # (m, 1)

    def predict(self, houses):
        p = self.predictor
        X = (self.engineer_features(houses).to_numpy() - p.feature_mean) / p.feature_std                # (m, n)
        return np.exp(np.asarray(self.network(X))[:, 0] * p.log_price_std + p.log_price_mean)        # (m,)


class FeedsADict(CallsTheModel):
    """A HousePriceModel whose predict hands model.predict its features as a dict of named inputs, {name: X}."""

    def network(self, X):
        model = self.predictor.model
        return model.predict({model.inputs[0].name: X}, verbose=0)                                  # (m, 1)


class PredictsOnBatch(CallsTheModel):
    """A HousePriceModel whose predict calls model.predict_on_batch(X): Keras calls the model inside a traced
    function, so the only model(X) call the grader sees is handed a symbolic tensor, not the houses' features."""

    def network(self, X):
        return self.predictor.model.predict_on_batch(X)                                              # (m, 1)


def as_tf_dataset(x, y=None, repeated: bool = False, batch_size: int = 32):
    """x (m, n) with its targets y (zeros if None) as fit may be given them: a tf.data.Dataset of (x, y) batches of
    `batch_size`; repeated, without end."""
    import tensorflow as tf

    y = np.zeros(len(x)) if y is None else y
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    return batches.repeat() if repeated else batches


def as_py_dataset(x, y=None, repeated: bool = False, batch: str = "tuple"):
    """x (m, n) with its targets y (zeros if None) as fit may be given them: a keras.utils.PyDataset of (x, y) batches
    of 32, read by index; repeated, without end (num_batches None), batch i being batch i % len of the rows; each
    batch the tuple (x, y), or as Keras reads it too: the list [x, y] (batch="list") or x alone, (x,) ("x-alone")."""
    import keras

    y = np.zeros(len(x)) if y is None else y

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return -(-len(x) // 32)

        @property
        def num_batches(self):
            return None if repeated else len(self)

        def __getitem__(self, index):
            index %= len(self)
            x_i, y_i = x[32 * index:32 * (index + 1)], y[32 * index:32 * (index + 1)]               # (<= 32, n)
            return {"tuple": (x_i, y_i), "list": [x_i, y_i], "x-alone": (x_i,)}[batch]

    return Batches()


@pytest.mark.parametrize("fit_x, refused, predict", [
    (lambda scaled, raw: scaled, False, "as-solution"),                   # what the solution's train fits
    (lambda scaled, raw: scaled, False, "in-three-chunks"),               # predict calls model.predict per chunk
    (lambda scaled, raw: scaled - 0.01, True, "in-three-chunks"),         # ... and the chunks joined are still judged
    (lambda scaled, raw: scaled.astype(np.float32), False, "as-solution"),  # fitted in float32: 1e-7 of each value off
    (lambda scaled, raw: scaled.astype(np.float32), False, "first-column-near-5000"),  # ... 3e-4 of a lot size
    (lambda scaled, raw: scaled - 0.01, True, "first-column-near-5000"),  # the other columns still held to 1e-4
    (lambda scaled, raw: np.column_stack([np.zeros(len(scaled)), scaled[:, 1:]]), False,  # a column near 0,
     "first-column-near-0"),                                              # ... fitted as 0: 1e-10 is no other feature
    (lambda scaled, raw: scaled, False, "calling-the-model"),             # predict calls model(X), not model.predict
    (lambda scaled, raw: scaled - 0.01, True, "calling-the-model"),       # ... and is judged, not skipped
    (lambda scaled, raw: scaled - 0.01, False, "on-batch"),               # predict_on_batch: its model call is
                                                                          # ... symbolic, no features: skipped
    (lambda scaled, raw: as_tf_dataset(*in_one_other_order(scaled)), False, "as-solution"),  # fit given a Dataset
    (lambda scaled, raw: as_tf_dataset(*in_one_other_order(scaled - 0.01)), True, "as-solution"),  # ... not skipped
    (lambda scaled, raw: as_py_dataset(scaled), False, "as-solution"),    # fit given a keras.utils.PyDataset
    (lambda scaled, raw: as_py_dataset(scaled - 0.01), True, "as-solution"),  # ... read by index, not skipped
    (lambda scaled, raw: as_py_dataset(scaled - 0.01, batch="x-alone"), True, "as-solution"),  # ... of (x,) too
    (lambda scaled, raw: {"houses": scaled}, False, "as-solution"),       # fit given a dict of named inputs
    (lambda scaled, raw: {"houses": scaled - 0.01}, True, "as-solution"),  # ... read, not skipped
    (lambda scaled, raw: {"b": scaled[:, 3:], "a": scaled[:, :3]}, False, "as-solution"),  # two inputs: side by
                                                                          # ... side in the order of their names
    pytest.param(lambda scaled, raw: scaled - 0.01, True, "feeding-a-dict",   # predict hands the network a dict
                 marks=pytest.mark.filterwarnings("ignore:The structure of `inputs`:UserWarning")),
    (lambda scaled, raw: scaled[:300], False, "as-solution"),             # the other houses held out by validation_data
    (lambda scaled, raw: scaled - 0.01, True, "as-solution"),             # scaled otherwise by a hundredth
    (lambda scaled, raw: raw, True, "as-solution"),                       # train fitted raw features, predict scales
    (lambda scaled, raw: np.column_stack([raw[:, 0], scaled[:, 1:]]), True, "as-solution"),  # one column alone raw
], ids=["as-predict-scales", "predicted-in-three-chunks", "a-hundredth-off-predicted-in-three-chunks", "in-float32",
        "in-float32-a-column-near-5000", "a-hundredth-off-a-column-near-5000", "a-column-near-0-fitted-as-0",
        "predict-calls-the-model", "a-hundredth-off-predict-calls-the-model",
        "predict-on-batch-calls-the-model-traced-skipped", "fitted-from-a-dataset",
        "a-hundredth-off-fitted-from-a-dataset", "fitted-from-a-py-dataset", "a-hundredth-off-fitted-from-a-py-dataset",
        "a-hundredth-off-fitted-from-a-py-dataset-of-x-alone",
        "fitted-from-a-dict", "a-hundredth-off-fitted-from-a-dict", "fitted-from-a-dict-of-two-inputs-by-name",
        "a-hundredth-off-predict-feeds-a-dict", "a-subset-of-the-houses",
        "a-hundredth-off", "raw", "first-column-raw"])
def test_ex06_predict_is_held_to_the_features_train_fitted_the_network_on(fit_x, refused, predict,
                                                                         ex06_houses_and_predictor):
    """_fed_as_fitted, given the x that fit was called with, and a predict that scales the houses as the solution's
    does, in one model.predict call or in three chunks (all the calls joined are judged, not the first alone): each
    fitted row must be one of the rows predict feeds the network, to 1e-4 of each column's size (at least 1): a
    float32 copy is, also of a column both sides keep near 5,000 (a lot size left raw, which float32 rounds by 3e-4);
    a column predict feeds near 0 (1e-10: a constant column's rounding) that train fitted as exactly 0, held to 1e-4
    of 1, not of its own size 0; a predict calling model(X) or handing it a dict, and a fit given a tf.data.Dataset,
    a keras.utils.PyDataset (of (x, y) batches, or of x alone as (x,)) or a dict of named inputs (their arrays side
    by side in the order of the names) are judged alike, not skipped; a subset too; fitted rows a hundredth off, raw,
    or with one column raw (each row judged by its worst feature) are refused. keras.Model.predict and __call__ are
    themselves again afterwards."""
    import keras

    from keras_models.course.exercises.graders import ex06

    module, houses, predictor = ex06_houses_and_predictor
    raw = module.engineer_features(houses).to_numpy()                                        # (m, n)
    # read before a case below replaces the predictor (and, for first-column-near-5000, its scaling)
    scaled = (raw - predictor.feature_mean) / predictor.feature_std          # (m, n) as the fixture's train scaled
    if predict == "in-three-chunks":
        predictor = PredictsInChunks(predictor)
    if predict == "calling-the-model":
        predictor = CallsTheModel(predictor, module.engineer_features)
    if predict == "on-batch":
        predictor = PredictsOnBatch(predictor, module.engineer_features)
    if predict == "feeding-a-dict":
        predictor = FeedsADict(predictor, module.engineer_features)
    if predict == "first-column-near-5000":          # the log lot size times 600: about 4,300 to 5,800, both sides
        predictor = ex06_not_trained(module)(houses)                 # its own: its scaling and weights change here
        predictor.feature_mean[0], predictor.feature_std[0] = 0.0, 1 / 600
        scaled[:, 0] = raw[:, 0] * 600
        kernel, bias = predictor.model.layers[0].get_weights()       # its weights zeroed: exp(price) stays finite
        predictor.model.layers[0].set_weights([np.vstack([np.zeros_like(kernel[:1]), kernel[1:]]), bias])
    if predict == "first-column-near-0":             # the log lot size divided by 1e9: within 1e-9 of 0, both sides
        predictor = ex06_not_trained(module)(houses)
        predictor.feature_std[0] = 1e9
    predict, call = keras.Model.predict, keras.Model.__call__
    if refused:
        with pytest.raises(Fail, match=r"^HousePriceModel\.predict gives the network other features for the "
                                       r"training houses than train fitted it on \(off by up to "):
            ex06._fed_as_fitted(predictor, houses, fit_x(scaled, raw))
    else:
        ex06._fed_as_fitted(predictor, houses, fit_x(scaled, raw))
    assert keras.Model.predict is predict and keras.Model.__call__ is call


def test_ex06_refuses_a_fit_given_a_python_generator_before_any_epoch_runs(tmp_path):
    """A generator of scaled houses handed to fit (with validation_data: Keras refuses validation_split for one) is
    used up by training: nothing was left to hold predict's features to, and a predict that scaled new houses
    otherwise passed on its MAE. It is refused as fit is called, and no epoch began (a callback of fit's records
    each one)."""
    import keras

    module = load_module(find("ex06").solution_path)
    begun = EpochsBegun()

    def train(houses):
        predictor = ex06_not_trained(module)(houses)
        X = (module.engineer_features(houses).to_numpy() - predictor.feature_mean) / predictor.feature_std  # (m, n)
        target = np.log(houses["price"].to_numpy(dtype=float))                                             # (m,)
        batches = ((X[i:i + 32], target[i:i + 32]) for i in range(0, len(X), 32))
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", restore_best_weights=True)
        predictor.model.fit(batches, validation_data=(X[:50], target[:50]), epochs=1, shuffle=False,
                            callbacks=[stop, begun.callback], verbose=0)
        return predictor

    hint = grade_mutant("ex06", tmp_path, train=train)
    begun.assert_none()
    assert hint == ("model.fit was given a Python generator, which training uses up, so the grader cannot check "
                    "that predict scales new houses as train scaled these: pass model.fit the scaled features as an "
                    "array"), hint


def test_ex06_hint_for_new_houses_scaled_with_their_own_statistics(ex06_two_epochs, tmp_path):
    # centred on the new houses' own means: a house alone becomes all zeros, and the price of an average house
    # (divided by their own stds too, a house alone is 0 / 0: "your code raised RuntimeWarning ... divide").
    # (Two epochs are enough: the grader prices a house alone before it scores the model.)
    own = "X = (engineer_features(houses).to_numpy() - self.feature_mean) / self.feature_std"
    hint = _ex06_graded_with_two_epochs(ex06_two_epochs, tmp_path, (
        own, own.replace("self.feature_mean)", "engineer_features(houses).to_numpy().mean(0))")))
    assert hint.startswith("HousePriceModel.predict prices a house at $") and " alone but $" in hint, hint


EX07_OVERFITTING = {"validation": [0.50, 0.40, 0.35, 0.45, 0.60], "train": [0.60, 0.40, 0.30, 0.20, 0.10]}


def test_ex07_logs_its_run_in_the_repositorys_logs_wherever_it_runs(tmp_path, monkeypatch):
    """ex07's LOGS was Path("logs"): its notebook on a kernel started in the notebook's own folder (VS Code,
    ipykernel's "Python 3") logged its run under keras_models/course/notebooks/solutions/logs/, which make
    tensorboard never shows, and still printed "logs in logs/exercises/ex07/..."."""
    monkeypatch.chdir(tmp_path)
    solution = find("ex07").solution_path
    untouched = tmp_path / solution.name
    untouched.write_text(skeleton_of(solution), encoding="utf-8")
    for path in (solution, untouched):
        module = load_module(path)
        assert Path(module.LOGS).resolve() == Path(__file__).resolve().parents[1] / "logs", path
    assert sorted(path.name for path in tmp_path.iterdir()) == [solution.name]


def ex07_overfitting_run(log_dir, epochs: int = 20):
    """ex07's train_with_tensorboard, written, not trained: the validation loss is lowest at epoch 2, and both the
    highest validation loss and the lowest training loss are at the last epoch, 4, as in the solution's 20 epochs.
    The History it returns holds the logged losses. (It takes the exercise's `epochs`, which
    the grader refuses to see deleted, and fits nothing.)"""
    import types

    import tensorflow as tf

    for split, values in EX07_OVERFITTING.items():
        with tf.summary.create_file_writer(str(log_dir / split)).as_default():
            for epoch, value in enumerate(values):
                tf.summary.scalar("epoch_loss", value, step=epoch)
    return types.SimpleNamespace(history={name: list(EX07_OVERFITTING[split])
                                          for name, split in (("loss", "train"), ("val_loss", "validation"))})


def test_ex07_hint_for_best_epoch_that_answers_from_the_last_history_not_the_logs(tmp_path):
    # right on the learner's own run, whose History it remembers; the grader's known run tells
    hint = grade_mutant("ex07", tmp_path, train_with_tensorboard=ex07_overfitting_run, best_epoch=lambda log_dir: 2)
    assert hint.startswith("on a run written by the grader, whose lowest validation loss is at epoch 3, best_epoch "
                           "says 2: read the logs under the log_dir it is given"), hint


@pytest.mark.parametrize("pick, accuracy", [
    (min, [0.80, 0.90, 0.95, 0.85, 0.70]),
    (max, [0.80, 0.90, 0.95, 0.85, 0.70]),
    (max, [0.80, 0.95, 0.90, 0.85, 0.70]),
], ids=["lowest-accuracy", "highest-accuracy", "highest-accuracy-where-no-slip-lands"])
def test_ex07_hint_for_best_epoch_read_from_the_validation_accuracy(pick, accuracy, tmp_path):
    """A best_epoch that reads epoch_accuracy rather than epoch_loss raised KeyError in the learner's read_scalars on
    the grader's known run, which logged no accuracy ("your code raised KeyError in read_scalars ... Key
    epoch_accuracy was not found"); the known run logs one now, whose lowest and highest are at epochs no other slip
    gives. Here the accuracy is highest at the lowest loss, epoch 2, and lowest at the last epoch, 4, where the
    other two slips land: only the known run tells which. Highest at epoch 1, where no slip lands on the learner's
    run, the known run tells it too (not "best_epoch says 1, but the lowest validation loss ... is at epoch 2")."""
    import tensorflow as tf

    solution = load_module(find("ex07").solution_path)

    def with_accuracy(log_dir, epochs: int = 20):
        history = ex07_overfitting_run(log_dir, epochs)
        with tf.summary.create_file_writer(str(log_dir / "validation")).as_default():
            for epoch, value in enumerate(accuracy):
                tf.summary.scalar("epoch_accuracy", value, step=epoch)
        return history

    def best_accuracy_epoch(log_dir):
        accuracy = solution.read_scalars(log_dir / "validation", "epoch_accuracy")
        return pick(accuracy, key=accuracy.get)

    hint = grade_mutant("ex07", tmp_path, train_with_tensorboard=with_accuracy, best_epoch=best_accuracy_epoch)
    assert hint == ("best_epoch read the validation epoch_accuracy: the best epoch is the one where the validation "
                    "loss, epoch_loss, is lowest"), hint


def test_ex07_known_run_holds_one_event_file_per_split_with_every_tag_of_that_split(tmp_path):
    """Keras' TensorBoard callback writes one event file per split; the grader's known run wrote validation/ with one
    writer per tag, two files, so a learner's read_scalars that reads only the first file of a run passed on its own
    run and failed on the grader's. Read here file by file with TensorBoard's EventAccumulator (conftest's read_run)."""
    from conftest import read_run

    from keras_models.course.exercises.graders import ex07

    ex07.write_known_run(tmp_path)
    expected = {"train": {"epoch_loss": ex07.KNOWN_TRAINING},
                "validation": {"epoch_loss": ex07.KNOWN_VALIDATION, "epoch_accuracy": ex07.KNOWN_ACCURACY}}
    for split, tags in expected.items():
        files = sorted((tmp_path / split).glob("events.out.tfevents*"))
        assert len(files) == 1, (split, files)
        run = read_run(files[0])
        assert sorted(run) == sorted(tags), split
        for tag, values in tags.items():
            _, steps, read = run[tag]
            assert steps == list(range(len(values))), (split, tag)
            assert [float(value) for value in read] == pytest.approx(values), (split, tag)


@pytest.mark.parametrize("second_fit, expected", [
    (lambda losses: [loss * 0.95 for loss in losses],
     "the logged validation losses differ from the History's val_loss"),
    (lambda losses: losses[:3], "the logs hold epochs [0, 1, 2, 3, 4] but the History has 3: log one run per log_dir"),
], ids=["losses-5%-lower", "3-epochs-of-the-5-logged"])
def test_ex07_hint_for_a_history_of_another_fit_than_the_one_logged(second_fit, expected, tmp_path):
    """A second fit after the logged one returns its own History: its losses 5% lower than the logs, or 3 epochs where
    the logs hold 5 (a shorter fit into the same log_dir rewrites the first epochs only), which was not compared
    epoch by epoch but tripped the grader on NumPy's broadcast error."""
    import types

    def another_history(log_dir, epochs: int = 20):
        logged = ex07_overfitting_run(log_dir, epochs).history
        return types.SimpleNamespace(history={name: second_fit(losses) for name, losses in logged.items()})

    hint = grade_mutant("ex07", tmp_path, train_with_tensorboard=another_history)
    assert hint == expected, hint


def test_ex07_hints_for_read_scalars_and_best_epoch_that_return_other_types_than_asked(tmp_path):
    solution = load_module(find("ex07").solution_path)

    def values_only(run_dir, tag):                             # the values without their epochs
        return list(solution.read_scalars(run_dir, tag).values())

    def as_a_float(log_dir):                                   # the right epoch, 2.0
        return float(solution.best_epoch(log_dir))

    assert grade_mutant("ex07", tmp_path / "list", train_with_tensorboard=ex07_overfitting_run,
                        read_scalars=values_only) == "read_scalars must return a dict {epoch: value}, got list"
    assert grade_mutant("ex07", tmp_path / "float", train_with_tensorboard=ex07_overfitting_run,
                        best_epoch=as_a_float) == "best_epoch must return an int, got float"


@pytest.mark.slow
def test_ex07_hints_for_best_epoch_read_from_the_training_run_or_at_the_highest_loss(tmp_path):
    module = load_module(find("ex07").solution_path)

    def best_epoch_of_train_run(log_dir):
        loss = module.read_scalars(log_dir / "train", "epoch_loss")
        return min(loss, key=loss.get)

    def train_10_epochs(log_dir, epochs: int = 10):
        # 10 of the solution's 20 epochs already overfit (the lowest validation loss comes before the last
        # epoch, the training loss falls to the end), which is all the hint needs
        return module.train_with_tensorboard(log_dir, epochs=epochs)

    assert "train/" in grade_mutant("ex07", tmp_path, best_epoch=best_epoch_of_train_run,
                                    train_with_tensorboard=train_10_epochs)

    def best_epoch_at_the_highest_loss(log_dir):
        loss = module.read_scalars(log_dir / "validation", "epoch_loss")
        return max(loss, key=loss.get)

    def the_last_epoch(log_dir):
        return len(module.read_scalars(log_dir / "validation", "epoch_loss")) - 1

    for best_epoch, expected in [
        (best_epoch_at_the_highest_loss, "best_epoch gave the epoch of the highest validation loss"),
        (best_epoch_of_train_run, "best_epoch read the train/ run"),
        (the_last_epoch, "best_epoch says 4, but the lowest validation loss in the logs is at epoch 2"),
    ]:
        hint = grade_mutant("ex07", tmp_path / best_epoch.__name__, best_epoch=best_epoch,
                            train_with_tensorboard=ex07_overfitting_run)
        assert hint.startswith(expected), hint


@pytest.mark.slow
def test_ex07_hint_for_read_scalars_that_reads_epoch_loss_whatever_its_tag(tmp_path):
    # the grader asked read_scalars for epoch_loss alone, so one that ignored its tag passed. Two epochs instead of the
    # solution's 20: the grader reads the tags back before it looks for the best epoch, and two epochs' losses are not
    # their accuracies
    tag = 'accumulator.Tensors(tag)'
    message = _graded_with("ex07", tmp_path, (tag, 'accumulator.Tensors("epoch_loss")'),
                           ("def train_with_tensorboard(log_dir: Path, epochs: int = 20)",
                            "def train_with_tensorboard(log_dir: Path, epochs: int = 2)"))
    assert message == ("read_scalars(log_dir / 'validation', 'epoch_accuracy') does not match the values in the "
                       "event files: read the tag it is given"), message


@pytest.mark.parametrize("asked", [None, 5], ids=["epochs-left-out", "another-number"])
def test_ex07_refuses_a_fit_for_another_number_of_epochs_than_train_with_tensorboard_is_given(asked, tmp_path):
    """The brief asks to "fit it for `epochs` epochs"; a fit without epochs= trains Keras' default, one epoch, whose
    lowest validation loss is at epoch 0, and the grader passed it (a curve of one point, no overfitting to see)."""
    import keras

    from data import prepare

    def train_with_tensorboard(log_dir, epochs: int = 20):
        data = prepare("binary", seed=0)
        model = keras.Sequential([keras.Input((data.n_features,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        board = keras.callbacks.TensorBoard(log_dir=log_dir, profile_batch=0)
        return model.fit(data.X_train, data.y_train, validation_data=(data.X_val, data.y_val), callbacks=[board],
                         verbose=0, **({} if asked is None else {"epochs": asked}))

    hint = grade_mutant("ex07", tmp_path, train_with_tensorboard=train_with_tensorboard)
    default = " (Keras' default when fit is given no epochs)" if asked is None else ""
    assert hint == (f"model.fit was asked for epochs={asked or 1}{default}, but train_with_tensorboard is given "
                    "epochs=20: pass epochs=epochs to model.fit"), hint


def test_ex07_refuses_a_fit_that_writes_the_exercises_20_epochs_in_rather_than_the_epochs_it_is_given(tmp_path):
    """The brief asks to fit "for `epochs` epochs"; epochs=20 written into the fit is the default the grader called
    it with, and passed. The grader now also calls it with another number, stopped before any epoch runs. That second
    call is the learner's own; the grader's first, with the default, is ex07_overfitting_run (written, not trained: the
    20 epochs it stands in for cost seconds, and the refusal comes before the grader reads their logs)."""
    def default_call_written(module) -> dict:
        written_in = module.train_with_tensorboard                  # the graded file's own, epochs=20 written in

        def train_with_tensorboard(log_dir, epochs: int = 20):
            return ex07_overfitting_run(log_dir, epochs) if epochs == 20 else written_in(log_dir, epochs)

        return {"train_with_tensorboard": train_with_tensorboard}

    message = _graded_with("ex07", tmp_path, ("epochs=epochs,", "epochs=20,"), of_module=default_call_written)
    assert message == ("train_with_tensorboard given epochs=7 (by the grader, to see that it is used) still asked "
                       "model.fit for epochs=20: pass epochs=epochs to model.fit"), message


@pytest.mark.parametrize("passed_on", [False, True], ids=["7-written-in", "epochs-passed-on"])
def test_ex07_calls_a_train_with_tensorboard_whose_default_is_7_with_another_number_to_see_it_passed_on(passed_on,
                                                                                                     tmp_path):
    """The grader's second call asks for 7 epochs, the same as a default changed to 7: it then asks for 8, so a fit
    with epochs=7 written in is refused, while one given epochs=epochs is accepted; either way the call is stopped at
    fit before any epoch runs."""
    import keras

    begun = EpochsBegun()

    def default_7(log_dir, epochs: int = 7):
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model.fit(np.zeros((2, 1)), np.zeros((2, 1)), epochs=epochs if passed_on else 7,
                         callbacks=[begun.callback], verbose=0)

    if passed_on:
        find("ex07").grader._epochs_passed_on(default_7, tmp_path, 7)
    else:
        with pytest.raises(Fail) as refused:
            find("ex07").grader._epochs_passed_on(default_7, tmp_path, 7)
        assert str(refused.value) == ("train_with_tensorboard given epochs=8 (by the grader, to see that it is used) "
                                      "still asked model.fit for epochs=7: pass epochs=epochs to model.fit")
    begun.assert_none()


def test_ex07_stops_its_second_call_of_train_with_tensorboard_before_any_epoch_runs(tmp_path):
    """The grader calls train_with_tensorboard once more with another number of epochs only to see what it asks fit
    for: that call must train nothing (stopped at fit), or grading ex07 trains a second run for nothing."""
    module = load_module(find("ex07").solution_path)
    solved, trained = module.train_with_tensorboard, []

    def train_with_tensorboard(log_dir, epochs: int = 2):
        history = solved(log_dir, epochs)
        trained.append(len(history.epoch))
        return history

    module.train_with_tensorboard = train_with_tensorboard
    try:
        find("ex07").grader.grade(module, tmp_path)
    except Fail:                                   # two epochs may not show overfitting: only the runs count here
        pass
    assert trained == [2] and not list(tmp_path.glob("probe/**/events.out.tfevents*")), trained


@pytest.mark.parametrize("signature, fit, problem", [
    ("log_dir: Path", "epochs=20,", "it takes no epochs"),
    ("log_dir: Path, epochs: int", "epochs=epochs,", "its epochs has no default"),
    ("log_dir: Path, epochs: int = 20, /", "epochs=epochs,", "its epochs can only be given by position"),
], ids=["epochs-deleted", "no-default", "positional-only"])
def test_ex07_refuses_a_train_with_tensorboard_whose_given_signature_was_changed(signature, fit, problem, tmp_path):
    """The exercise gives train_with_tensorboard(log_dir: Path, epochs: int = 20). With epochs deleted and 20 written
    into the fit it passed (nothing to call it with another number); with no default, or epochs only by position,
    Python's TypeError of the grader's call was called the grader's error. (Another default is the learner's to
    choose, checked against the fit: this file's tests make it 2 for speed.)"""
    message = _graded_with("ex07", tmp_path, ("log_dir: Path, epochs: int = 20", signature), ("epochs=epochs,", fit))
    shown = re.sub(r": \w+", "", signature).replace(" = ", "=")
    assert message == (f"train_with_tensorboard({shown}) is not the exercise's train_with_tensorboard(log_dir, "
                       f"epochs=20): {problem}; keep the signature the exercise gives and pass epochs=epochs to "
                       "model.fit (the grader calls it with other epochs too)"), message


@pytest.mark.parametrize("profile", ["2", "(2, 4)"])
def test_ex07_refuses_a_tensorboard_callback_that_profiles_before_any_epoch_runs(profile, tmp_path):
    """The brief asks for profile_batch=0 (no profiling); profile_batch=2 traced batch 2 into
    train/plugins/profile, slowed the run by half, and passed."""
    message = _graded_with("ex07", tmp_path, ("log_dir=log_dir, profile_batch=0)",
                                              f"log_dir=log_dir, profile_batch={profile})"))
    batches = "batch 2" if profile == "2" else "batches 2 to 4"
    assert message == (f"the TensorBoard callback profiles {batches} (profile_batch={profile}): it traces every "
                       "TensorFlow operation of them into the log_dir's train/plugins/profile, and slows the run; "
                       "the exercise asks for profile_batch=0, no profiling"), message


def test_ex07_refuses_a_tensorboard_callback_whose_update_freq_skips_epochs_before_any_epoch_runs(tmp_path):
    """update_freq=10 (13 batches an epoch) logged epochs 9 and 19 alone, and was told "the logs hold epochs [9, 19]
    but the History has 20: log one run per log_dir", though it was one run; update_freq=2, the least that skips
    epochs, is refused too; "batch" (kept as 1) and "epoch" log every epoch and are not refused."""
    import keras

    from keras_models.course.exercises.graders.ex07 import _writes_every_epoch

    message = _graded_with("ex07", tmp_path, ("log_dir=log_dir, profile_batch=0)",
                                              "log_dir=log_dir, profile_batch=0, update_freq=10)"))
    assert message == ("the TensorBoard callback has update_freq=10: Keras then writes an epoch's epoch_loss only when "
                       "the number of batches trained so far is a multiple of 10, so the logs can miss epochs; leave "
                       'update_freq out ("epoch", the default)'), message
    with pytest.raises(Fail, match="^the TensorBoard callback has update_freq=2: "):
        _writes_every_epoch({"callbacks": [keras.callbacks.TensorBoard(log_dir=tmp_path, update_freq=2)]})
    for every in ("batch", "epoch"):
        _writes_every_epoch({"callbacks": [keras.callbacks.TensorBoard(log_dir=tmp_path, update_freq=every)]})


HINT_ONE_LEVEL_DOWN = ("no event file in train/ right under the log_dir, but some in {0}/train/, {0}/validation/: give "
                       "the TensorBoard callback the log_dir itself, log_dir=log_dir; it makes train/ and validation/ "
                       "under it")


@pytest.mark.parametrize("runs, hint", [
    (["/20240101-120000/train", "/20240101-120000/validation"], HINT_ONE_LEVEL_DOWN.format("20240101-120000")),
    (["/train/train", "/train/validation"], HINT_ONE_LEVEL_DOWN.format("train")),
    (["/train"], "no event file in validation/ under the log_dir, though train/ has some: fit did not validate; pass "
                 "validation_data=(data.X_val, data.y_val) to model.fit"),
    ([], "no event file in train/ under the log_dir: add keras.callbacks.TensorBoard(log_dir=log_dir, "
         "profile_batch=0) to fit's callbacks"),
    (["\\logs/train", "\\logs/validation"],
     "no event file under the log_dir, but some beside it in run\\logs/train/, run\\logs/validation/: a backslash "
     '("\\\\" in a string) is no folder separator on Linux or macOS but part of the folder\'s name; join paths with '
     'pathlib, log_dir / "logs", or give the TensorBoard callback the log_dir itself'),
    (["logs/train", "logs/validation"],
     "no event file under the log_dir, but some beside it in runlogs/train/, runlogs/validation/: text added to "
     'str(log_dir) makes a folder of its own; join paths with pathlib, log_dir / "logs", or give the TensorBoard '
     "callback the log_dir itself"),
], ids=["a-timestamp-folder", "a-train-folder", "no-validation", "no-callback", "a-windows-backslash",
        "no-separator"])
def test_ex07_hint_for_event_files_not_in_the_log_dirs_train_and_validation(runs, hint, tmp_path):
    """log_dir / <time>, as the tutorials name runs, or log_dir / "train": the hint said to add the TensorBoard
    callback, which the learner had done. A fit without validation_data (train/ alone) was told "no event file in
    validation/ right under the log_dir, but some in train/: give the TensorBoard callback the log_dir itself",
    which it had been given. No event file anywhere (no callback) is told to add the TensorBoard callback. A log_dir
    of str(log_dir) + "\\logs" (each run is written at str(log_dir) + run, as the learner's code writes it) made
    run\\logs/ beside run/ on Linux, and was told to add the callback with log_dir=log_dir, not what was wrong; so
    was str(log_dir) + "logs", runlogs/."""
    import types

    import tensorflow as tf

    def run_elsewhere(log_dir, epochs: int = 20):
        for run in runs:
            with tf.summary.create_file_writer(str(log_dir) + run).as_default():
                tf.summary.scalar("epoch_loss", 0.5, step=0)
        return types.SimpleNamespace(history={"loss": [0.5], "val_loss": [0.5]})

    assert grade_mutant("ex07", tmp_path, train_with_tensorboard=run_elsewhere) == hint


def test_ex07_hint_for_train_with_tensorboard_returning_the_model_instead_of_its_history(tmp_path):
    # a fitted keras model has a .history too, its History callback, which has no .get: the grader said 'the
    # grader could not check your code: AttributeError in _check_run ... 'History' object has no attribute 'get''
    import keras

    from data import prepare

    data = prepare("binary", seed=0)

    def returns_the_model(log_dir, epochs: int = 2):
        # 30 inputs, a sigmoid unit, binary cross-entropy: the exercise's classifier, which the grader checks first,
        # validated on the exercise's validation rows (a few training rows, to be quick), which it checks too
        model = keras.Sequential([keras.Input(shape=(30,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(data.X_train[:6], data.y_train[:6], validation_data=(data.X_val, data.y_val), epochs=epochs,
                  verbose=0, callbacks=[keras.callbacks.TensorBoard(log_dir=log_dir, profile_batch=0)])
        return model

    hint = grade_mutant("ex07", tmp_path, train_with_tensorboard=returns_the_model)
    assert hint == ("train_with_tensorboard returned the model, not the History that model.fit returns: "
                    "return model.fit(...)"), hint


@pytest.mark.parametrize("damage, why", [
    (lambda events: events.write_bytes(events.read_bytes()[:-7]), "cut short or corrupted"),
    (lambda events: events.with_name(events.name + ".x").mkdir(), "Is a directory"),
], ids=["cut-short", "a-folder"])
def test_ex07_an_event_file_that_cannot_be_read_is_named_in_the_hint_not_a_grader_error(damage, why, tmp_path):
    import types

    import tensorflow as tf

    def damaged_run(log_dir, epochs: int = 2):
        losses = [0.50, 0.40]
        for split in ("validation", "train"):
            writer = tf.summary.create_file_writer(str(log_dir / split))
            with writer.as_default():
                for epoch, value in enumerate(losses):
                    tf.summary.scalar("epoch_loss", value, step=epoch)
            writer.close()
        (events,) = (log_dir / "validation").glob("events.out.tfevents*")
        damage(events)
        return types.SimpleNamespace(history={"loss": losses, "val_loss": losses})

    hint = grade_mutant("ex07", tmp_path, train_with_tensorboard=damaged_run)
    assert hint.startswith("the event file validation/events.out.tfevents") and f"cannot be read ({why})" in hint, hint


# --- the targets: reachable, and out of reach of trivial models ---------------------------------

@pytest.mark.parametrize("name, target", [
    ("ex03", lambda grader: f"RMSE below {grader.TARGET_RMSE:.0f} "),
    ("ex03", lambda grader: f"priced within {grader.NEW_GEM_TOLERANCE:.0f}\n"),
    ("ex04", lambda grader: f"below {grader.TARGET_MAE:.2f} "),
    ("ex05", lambda grader: f"at least {grader.TARGET_ACCURACY:.2f} "),
    ("ex06", lambda grader: f"below ${grader.TARGET_MAE:,.0f} "),
], ids=["ex03-rmse", "ex03-gem", "ex04", "ex05", "ex06"])
def test_the_target_an_exercise_states_is_the_one_its_grader_applies(name, target):
    # the learner reads the target in the exercise's "**Target.**" paragraph, the grader holds it as a constant
    exercise = find(name)
    text = exercise.solution_path.read_text(encoding="utf-8")
    paragraph = text[text.index("# **Target.**"):].split("\n#\n", 1)[0].replace("\n# ", "\n")
    assert target(exercise.grader) in paragraph + "\n", paragraph


def test_ex03_target_is_above_the_noise_and_far_below_the_mean_predictor():
    from keras_models.course.exercises.graders import ex03
    from keras_models.course.exercises.price_data import make_price_data, true_price

    X, y = make_price_data(500, seed=7)
    noise_only = float(np.sqrt(np.mean((true_price(X) - y) ** 2)))
    mean_only = float(np.sqrt(np.mean((y - y.mean()) ** 2)))
    assert noise_only < ex03.TARGET_RMSE < mean_only / 5


def test_ex03_price_data_is_the_plane_its_docstring_states_plus_noise_of_std_5():
    """price = 400 + 60 (feature1 - 1000) + 35 (feature2 - 1000) + N(0, 5^2), features N(1000, 1): the noise-free
    price at three hand-computed points, and a least-squares plane through 20,000 drawn gems (standard errors about
    0.04) recovers the same numbers, the noise's std and the features' spread."""
    from keras_models.course.exercises.price_data import make_price_data, true_price

    corners = np.array([[1000.0, 1000.0], [1001.0, 1000.0], [1000.0, 1002.0]])
    assert true_price(corners).tolist() == [400.0, 460.0, 470.0]
    X, y = make_price_data(20_000, seed=3)                                  # (20000, 2), (20000,)
    A = np.column_stack([np.ones(len(X)), X - 1000.0])                      # (20000, 3): intercept, slopes
    plane, *_ = np.linalg.lstsq(A, y, rcond=None)
    np.testing.assert_allclose(plane, [400.0, 60.0, 35.0], atol=0.2)
    assert abs(np.std(y - A @ plane) - 5.0) < 0.15
    np.testing.assert_allclose([X.mean(axis=0), X.std(axis=0)], [[1000.0, 1000.0], [1.0, 1.0]], atol=0.05)


@pytest.mark.parametrize("call, error, message", [
    (lambda pd: pd.make_price_data(0), ValueError, "n_samples must be >= 1, got 0"),
    (lambda pd: pd.make_price_data(2.5), TypeError, "n_samples must be a whole number, got float 2.5"),
    (lambda pd: pd.make_price_data(True), TypeError, "n_samples must be a whole number, got bool True"),  # no count
    (lambda pd: pd.true_price(np.ones((4, 3))), ValueError, r"features must have shape \(m, 2\), got \(4, 3\)"),
    (lambda pd: pd.true_price(np.ones(2)), ValueError, r"features must have shape \(m, 2\), got \(2,\)"),
    (lambda pd: pd.make_price_data(seed=True), TypeError, "seed must be a whole number, got bool True"),  # was seed 1
    (lambda pd: pd.make_price_data(seed=-1), ValueError, "seed must be >= 0, got -1"),        # NumPy's words were
    (lambda pd: pd.make_price_data(seed=2.5), TypeError, "seed must be a whole number, got float 2.5"),  # about
    (lambda pd: pd.make_price_data(seed=None), TypeError, "seed must be a whole number, got NoneType None"),  # ...
], ids=["no-rows", "rows-not-whole", "bool", "three-features", "one-row-flat",              # SeedSequence; None
        "seed-bool", "seed-negative", "seed-not-whole", "seed-none"])                        # drew other rows each time
def test_ex03_price_data_refuses_a_count_or_shape_it_would_otherwise_draw_or_price_silently(call, error, message):
    from keras_models.course.exercises import price_data

    with pytest.raises(error, match=f"^{message}$"):
        call(price_data)


def test_ex03_price_data_takes_numpy_integers_as_the_count_and_the_seed():
    """A count and a seed read from an array (np.int64) draw the rows Python's ints draw: make_price_data(np.int64(5))
    was refused with "n_samples must be a positive integer, got np.int64(5)"."""
    from keras_models.course.exercises.price_data import make_price_data

    features, price = make_price_data(np.int64(5), seed=np.int64(7))                # (5, 2), (5,)
    expected_features, expected_price = make_price_data(5, seed=7)
    np.testing.assert_array_equal(features, expected_features)
    np.testing.assert_array_equal(price, expected_price)


def test_ex04_target_rejects_the_mean_and_a_linear_model():
    from keras_models.course.exercises.graders import ex04

    base = ex04.baselines(ex04.load_data())
    assert base["mean"] > 4 * ex04.TARGET_MAE
    assert base["linear"] > ex04.TARGET_MAE + 0.2


def test_ex05_target_rejects_always_answering_the_majority_class():
    from keras_models.course.exercises.graders import ex05

    y_test = ex05.load_data().y_test
    assert max(y_test.mean(), 1 - y_test.mean()) < ex05.TARGET_ACCURACY - 0.25


def test_ex06_target_rejects_predicting_the_mean_price():
    from keras_models.course.exercises.graders import ex06

    train, test = ex06.split_houses()
    assert len(test) == ex06.N_TEST and not set(train.index) & set(test.index)
    mean_mae = float(np.mean(np.abs(test["price"] - train["price"].mean())))
    assert mean_mae > ex06.TARGET_MAE + 4000


@pytest.mark.parametrize("original, changed, hint", [
    # both passed: a slice of the training rows read back as a validation curve, and the validation rows also
    # trained on gave a loss that only fell (lowest at the last epoch, no overfitting in the logs)
    ("validation_data=(data.X_val, data.y_val)", "validation_split=0.2",
     "fit validated on a slice of the training rows (validation_split)"),
    ("model.fit(data.X_train, data.y_train,",
     "model.fit(np.concatenate([data.X_train, data.X_val]), np.concatenate([data.y_train, data.y_val]),",
     "fit trained on the validation rows too"),
], ids=["validation-split", "trained-on-validation-rows"])
def test_ex07_refuses_a_run_validated_on_a_slice_or_trained_on_the_validation_rows_before_any_epoch_runs(
        original, changed, hint, tmp_path):
    message = _graded_with("ex07", tmp_path, ("import keras\n", "import keras\nimport numpy as np\n"),
                           (original, changed))
    assert message.startswith(hint), message


@pytest.mark.parametrize("name, original, changed, given, labels", [
    ("ex05", "model.fit(X_train, y_train,", "model.fit(X_train, keras.utils.to_categorical(y_train),", "y", "y_train"),
    ("ex05", "validation_data=(X_val, y_val)", "validation_data=(X_val, keras.utils.to_categorical(y_val))",
     "validation_data", "y_val"),
    ("ex07", "model.fit(data.X_train, data.y_train,",
     "model.fit(data.X_train, keras.utils.to_categorical(data.y_train),", "y", "data.y_train"),
    ("ex07", "validation_data=(data.X_val, data.y_val)",
     "validation_data=(data.X_val, keras.utils.to_categorical(data.y_val))", "validation_data", "data.y_val"),
], ids=["ex05-training-labels", "ex05-validation-labels", "ex07-training-labels", "ex07-validation-labels"])
def test_ex05_and_ex07_refuse_one_hot_labels_for_the_one_sigmoid_unit_in_the_projects_words(name, original, changed,
                                                                                            given, labels, tmp_path):
    """Labels one-hot, (m, 2), for the given model's one sigmoid unit got Keras' own line, "Arguments `target` and
    `output` must have the same shape", which names no argument of the learner's (validation labels: after an
    epoch of training); in ex05, one-hot validation labels were told "fit validated on other rows than the X_val,
    y_val train is given" (the rows are the right ones)."""
    message = _graded_with(name, tmp_path, (original, changed))
    rows = {"y": 398, "validation_data": 86}[given]
    assert message == (f"model.fit's {given} holds labels of shape ({rows}, 2), one-hot (as keras.utils.to_categorical "
                       "makes them), but the model answers with one sigmoid unit, an output of shape (None, 1): "
                       f"pass {labels} as it is, one column of 0s and 1s"), message


def test_labels_in_one_column_names_columns_that_are_not_one_hot_and_leaves_a_vector_and_a_wider_output_alone():
    import keras

    from keras_models.course.exercises.graders.fit_checks import labels_in_one_column

    def model(units, activation):
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation=activation)])

    two_columns = np.array([[0.0, 1.0], [1.0, 1.0]])                                  # not one-hot: a row of two 1s
    with pytest.raises(Fail, match=r"^model.fit's y holds labels of shape \(2, 2\), 2 columns, but the model answers "
                                   r"with one linear unit, an output of shape \(None, 1\): pass y_train as it is"):
        labels_in_one_column({"self": model(1, None), "y": two_columns}, "y_train", "y_val")
    soft = np.array([[0.3, 0.7], [0.5, 0.5]])                 # not one-hot either: rows that sum to 1, not 0s and 1s
    with pytest.raises(Fail, match=r"^model.fit's validation_data holds labels of shape \(2, 2\), 2 columns, but "):
        labels_in_one_column({"self": model(1, "sigmoid"), "y": np.zeros((2, 1)),
                              "validation_data": (np.zeros((2, 3)), soft)}, "y_train", "y_val")
    labels_in_one_column({"self": model(1, "sigmoid"), "y": np.zeros(2),                   # a vector: Keras takes it
                          "validation_data": (np.zeros((2, 3)), np.zeros((2, 1)))}, "y_train", "y_val")
    labels_in_one_column({"self": model(2, "softmax"), "y": two_columns}, "y_train", "y_val")


def test_ex07_refuses_a_fit_that_trains_no_epoch_rather_than_blaming_the_log_dir(tmp_path):
    """epochs=0 leaves train/ with an event file and validation/ without: the hint sent the learner to the
    TensorBoard callback's log_dir."""
    message = _graded_with("ex07", tmp_path, ("epochs=epochs,", "epochs=0,"))
    assert message.endswith("model.fit(epochs=0) trains no epoch: Keras returns an empty History without a word; "
                            "give epochs a whole number above 0"), message


PAIRING = "Keras compiles and fits this model without a warning, but it does not score what it predicts."


@pytest.mark.parametrize("original, changed, hint, spelled", [
    ('Dense(1, activation="sigmoid")', 'Dense(1, activation="softmax")', PAIRING, '"softmax"'),   # always says 1
    ('Dense(1, activation="sigmoid")', "Dense(1)", PAIRING, None),      # probabilities clipped from a line; no name
    ('loss="binary_crossentropy"', "loss=keras.losses.BinaryCrossentropy(from_logits=True)", PAIRING,
     "from_logits=True"),
    ('loss="binary_crossentropy"', 'loss="categorical_crossentropy"', PAIRING,      # of one unit: 0 at every epoch
     '"categorical_crossentropy"'),
    ('loss="binary_crossentropy"', "loss=keras.losses.CategoricalCrossentropy()", PAIRING, "CategoricalCrossentropy("),
    ('loss="binary_crossentropy"', 'loss="mse"',
     "the loss is mean_squared_error; a sigmoid probability of a yes/no label goes with binary cross-entropy", '"mse"'),
    ('Dense(1, activation="sigmoid"),', 'Dense(1, activation="sigmoid"), keras.layers.Dropout(0.2),',
     "a Dropout comes after the output layer: while training it zeroes some probabilities", None),
    ('Dense(1, activation="sigmoid"),', 'Dense(1, activation="sigmoid"), keras.layers.GaussianDropout(0.2),',
     "GaussianDropout 'gaussian_dropout' comes after the output layer: while training it multiplies each unit", None),
], ids=["softmax-output", "linear-output", "from-logits-on-a-sigmoid", "categorical-loss", "categorical-loss-object",
        "mse-loss", "dropout-after-the-output", "gaussian-dropout-after-the-output"])
def test_ex07_refuses_a_model_changed_from_the_given_classifier_before_any_epoch_runs(original, changed, hint,
                                                                                      spelled, tmp_path):
    """The model and its compile are given; each of these changes logged a run whose best epoch read back right,
    and passed: a categorical cross-entropy of one unit logs 0.0 at every epoch. The refusal ends with the line of
    the learner's file that spells the name at fault, where the name is spelled (Dense(1) spells none)."""
    message = _graded_with("ex07", tmp_path, (original, changed))
    assert message.startswith(hint), message
    source = _changed_solution("ex07", (original, changed))
    if spelled is None:
        assert " is on line " not in message, message
    else:
        assert message.endswith(f" -- {spelled} is on line {line_of(source, spelled)} of ex07_tensorboard.py"), \
            message


def test_ex05_names_the_line_of_a_mismatched_output_as_ex07_does(tmp_path):
    """The same check (model_checks.require_binary_classifier) in ex05, where it runs once build_model returns: the
    same line, the one that spells the output's activation; not a comment above it that spells it too (in the .py
    of a notebook, its markdown is comments)."""
    changed = 'Dense(1, activation="softmax")'
    note = ('def build_model(', '# Notes: activation="softmax" for several classes\ndef build_model(')
    message = _graded_with("ex05", tmp_path, ('Dense(1, activation="sigmoid")', changed), note)
    source = _changed_solution("ex05", ('Dense(1, activation="sigmoid")', changed), note)
    assert message.startswith(PAIRING) and message.endswith(
        f' -- "softmax" is on line {line_of(source, changed)} of ex05_breast_cancer_dropout.py'), message


@pytest.mark.parametrize("trailer", ["keras.layers.ActivityRegularization()", "keras.layers.Flatten()"])
def test_ex05_names_the_line_of_a_mismatched_output_that_a_layer_keeping_its_values_trails(trailer, tmp_path):
    """hidden_activations took the last layer for the output: behind a layer that keeps the values (an
    ActivityRegularization of no penalty, a Flatten) the output Dense's "softmax" counted as a hidden layer's, so the
    refusal named no line, as for a softmax its hidden layers spell too."""
    import keras

    from keras_models.course.exercises.graders.model_checks import hidden_activations

    changed = f'Dense(1, activation="softmax"), {trailer}'
    message = _graded_with("ex05", tmp_path, ('Dense(1, activation="sigmoid")', changed))
    source = _changed_solution("ex05", ('Dense(1, activation="sigmoid")', changed))
    assert message.startswith(PAIRING) and message.endswith(
        f' -- "softmax" is on line {line_of(source, changed)} of ex05_breast_cancer_dropout.py'), message
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1, activation="softmax"), keras.layers.Identity()])
    assert hidden_activations(model) == {"tanh"}


def test_ex05_names_no_line_for_an_output_activation_its_hidden_layers_spell_too(tmp_path):
    """A relu output beside relu hidden layers: the first line that spells "relu" is a hidden layer's, so no line is
    named rather than the wrong one (the refusal itself says it is the output)."""
    message = _graded_with("ex05", tmp_path, ('Dense(1, activation="sigmoid")', 'Dense(1, activation="relu")'))
    assert message.startswith(PAIRING) and " -- " not in message and "relu output" in message, message


@pytest.mark.parametrize("source, texts, expected", [
    ('x = 1  # "softmax" later\nmodel = Dense(1, activation="softmax")\n', quoted("softmax"), ('"softmax"', 2)),
    ('"""Use "softmax" for several classes."""\nlayer = Dense(1, activation=\'softmax\')\n', quoted("softmax"),
     ("'softmax'", 2)),
    ('label = "# not a comment"; act = "softmax"  # "sigmoid" was here\n', quoted("softmax"), ('"softmax"', 1)),
    ('loss = BinaryCrossentropy(  # from_logits=True?\n    from_logits =  # yes\n    True)\n', ("from_logits=True",),
     ("from_logits=True", 2)),
    ('# activation="softmax"\nDense(1, activation="softmax")\n', quoted("softmax"), ('"softmax"', 2)),
    ("loss = keras.losses.CategoricalCrossentropy()\n", ("CategoricalCrossentropy(",),
     ("CategoricalCrossentropy(", 1)),
    ('# "softmax"\nnote = "use \\"softmax\\" here"  # "softmax"\n', quoted("softmax"), None),
    ('if True:\n        a = 1  # "softmax"\n    # b = "softmax"\n    b = "softmax"\n', quoted("softmax"),
     ('"softmax"', 4)),
], ids=["trailing-comment-above", "docstring-above", "string-holding-a-hash", "spaced-across-lines", "comment-line",
        "loss-class", "only-in-comments-and-strings", "not-python-tokenize-reads"])
def test_the_line_named_is_the_one_whose_code_spells_the_name_not_a_comment_or_string(source, texts, expected,
                                                                                       monkeypatch):
    """spelled_on, which ends the classifier refusal (and a name Keras does not know) with the learner's line: the
    first whose code spells the text, not an earlier line whose trailing comment does (x = 1  # "softmax" later was
    named), nor a docstring that quotes it. Its lines are the ones linecache holds, as load_module keeps a notebook
    cell's; what tokenize cannot read (a cell with a stray indentation) is searched line by line as before."""
    filename = learners_file(source, monkeypatch)
    found = spelled_on(texts, lambda name: name == filename)
    assert found == (None if expected is None else (expected[0], f"line {expected[1]} of {filename}"))


def test_ex07_a_run_folder_that_is_not_there_is_not_called_permanently_deleted(tmp_path):
    """best_epoch reading log_dir / "val": TensorBoard's EventAccumulator says "Directory ... has been permanently
    deleted" of a folder that never existed, which sent the learner looking for what deleted it. (The run is
    ex07_overfitting_run's, written, not trained: best_epoch reads the logs after the run, whatever trained it.)"""
    wrong = 'read_scalars(Path(log_dir) / "val", "epoch_loss")'
    message = _graded_with("ex07", tmp_path, ('read_scalars(Path(log_dir) / "validation", "epoch_loss")', wrong),
                           train_with_tensorboard=ex07_overfitting_run)
    at = 1 + find("ex07").solution_path.read_text(encoding="utf-8").splitlines().index("    accumulator.Reload()")
    assert message.startswith(f"your code raised DirectoryDeletedError in read_scalars (line {at} of "
                              "ex07_tensorboard.py): Directory ") and message.endswith(
        "/val has been permanently deleted -- that is, there is no such folder (TensorBoard's words for a folder "
        "that is not there): the runs under a log_dir are its train/ and validation/ folders"), message


@pytest.mark.parametrize("rows, hint", [
    ("data.X_test, data.y_test", "fit validated on the test rows (data.X_test, data.y_test): they must stay unseen"),
    ("data.X_train, data.y_train", "fit validated on the training rows (data.X_train, data.y_train): their loss"),
], ids=["test-rows", "training-rows"])
def test_ex07_refuses_a_run_validated_on_the_test_or_training_rows_before_any_epoch_runs(rows, hint, tmp_path):
    # either run logs a validation loss and a best epoch the grader accepted: the test rows' (a verdict leaked
    # into training), or the training rows' (a loss that only falls: no overfitting to see, the best epoch the last)
    message = _graded_with("ex07", tmp_path, ("validation_data=(data.X_val, data.y_val)", f"validation_data=({rows})"))
    assert message.startswith(hint), message


@pytest.mark.parametrize("name, patience", [("ex04", 5), ("ex05", 5), ("ex06", 10)])
def test_ex04_to_ex06_refuse_early_stopping_that_keeps_the_last_epochs_weights_before_any_epoch_runs(name, patience,
                                                                                                   tmp_path):
    # without restore_best_weights the model ends `patience` epochs past its best one; it still passed the targets
    restoring = f"patience={patience}, restore_best_weights=True)"
    message = _graded_with(name, tmp_path, (restoring, f"patience={patience})"))
    assert message.startswith("EarlyStopping without restore_best_weights=True leaves the model with the weights of "
                              "the last epoch"), message


@pytest.mark.parametrize("name, patience", [("ex04", 5), ("ex05", 5), ("ex06", 10)])
def test_ex04_to_ex06_refuse_early_stopping_that_takes_the_highest_loss_as_best_before_any_epoch_runs(name, patience,
                                                                                                      tmp_path):
    # mode="max" on val_loss: the "best" epoch is the worst one; ex05 failed it only by luck, advised to change the
    # learning rate
    restoring = f"patience={patience}, restore_best_weights=True)"
    message = _graded_with(name, tmp_path, (restoring, f"patience={patience}, restore_best_weights=True, mode='max')"))
    assert message == ("EarlyStopping(monitor='val_loss', mode='max') takes the val_loss's highest value as its best, "
                       "but a lower one is better: leave mode out (\"auto\") or pass mode='min'"), message


@pytest.mark.parametrize("monitor, mode, hint", [
    ("val_mae", "max", "EarlyStopping(monitor='val_mae', mode='max') takes the val_mae's highest value as its best, "
                       "but a lower one is better: leave mode out (\"auto\") or pass mode='min'"),
    ("val_auc", "min", "EarlyStopping(monitor='val_auc', mode='min') takes the val_auc's lowest value as its best, "
                       "but a higher one is better: leave mode out (\"auto\") or pass mode='max'"),
    ("val_f1_score", "max", None),                       # a metric the grader cannot tell the direction of: any mode
], ids=["error-as-max", "auc-as-min", "unknown-metric"])
def test_early_stopping_mode_is_judged_by_the_direction_of_its_metric_and_left_alone_for_a_metric_it_does_not_know(
        monitor, mode, hint):
    import keras

    from keras_models.course.exercises.graders.fit_checks import early_stopping_watches_validation

    arguments = {"callbacks": [keras.callbacks.EarlyStopping(monitor=monitor, mode=mode)]}
    if hint is None:
        early_stopping_watches_validation(arguments)
    else:
        with pytest.raises(Fail) as failure:
            early_stopping_watches_validation(arguments)
        assert str(failure.value) == hint


def test_ex03_hint_for_a_bounded_hidden_layer_names_it_instead_of_dead_relu_units(tmp_path):
    # a sigmoid last hidden layer predicts nearly one price for every gem (30 epochs or 3: 3 here, to be quick); the
    # hint said "its ReLU units have probably all died", of a layer without ReLU
    last_hidden = 'keras.layers.Dense(16, activation="relu"),\n        keras.layers.Dense(1),'
    hint = _graded_with("ex03", tmp_path, (last_hidden, last_hidden.replace("relu", "sigmoid")),
                        ("epochs=30", "epochs=3"))
    assert hint == ("the model predicts nearly the same price for every gem: its sigmoid units are bounded and flatten "
                    "out for large inputs, so it learns far more slowly; give the hidden Dense layers "
                    "activation=\"relu\", as the exercise asks"), hint


@pytest.mark.parametrize("dead, hint", [
    (False, "it has barely learned (its ReLU units are alive): train longer or raise the learning rate"),
    (True, "its ReLU units have all died (output 0 for every input); use more units per layer or a smaller learning "
           "rate"),
    (None, "it has barely learned: train longer or raise the learning rate"),
], ids=["units-alive", "units-dead", "units-unread-beside-a-skip-connection"])
def test_ex03_hint_for_a_model_whose_prices_spread_a_twentieth_of_the_real_ones(dead, hint, tmp_path):
    """The exact model with its output squeezed 20-fold towards the mean price (no training): its prices vary, but by
    5% of what the gems' prices do, under the 10% the grader asks for. Its ReLU units alive, it learned too little
    (a learning rate of 0.0002 ends so): the hint said "its ReLU units have probably all died ... use a smaller
    learning rate". With the hidden bias at -1000 they output 0 for every gem, and did die. With a skip connection
    beside the hidden layer the grader cannot read the layers one after another: it says nothing of the units."""
    import keras

    def squeezed():
        model = ex03_exact_model()
        kernel, bias = model.layers[-1].get_weights()
        mean = float(bias[0] + 10.0 * kernel.sum() + 0.5 * kernel.sum())   # about the price at mid-range features
        model.layers[-1].set_weights([kernel / 20, np.array([mean - (mean - bias[0]) / 20])])
        if dead:
            model.layers[0].set_weights([np.eye(2), np.full(2, -1000.0)])
        if dead is None:                      # hidden + 1e-3 * the scaled features (each in [0, 1]): prices barely move
            inputs = keras.Input(shape=(2,))
            skip = keras.layers.Dense(2, kernel_initializer=keras.initializers.Identity(1e-3))(inputs)
            model = keras.Model(inputs, model.layers[-1](keras.layers.Add()([model.layers[0](inputs), skip])))
            model.compile(optimizer="adam", loss="mse")
        return model

    def mse_in_numpy(model, X_test, y_test):            # in NumPy: Keras' evaluate traces a graph for a number
        return float(np.mean((model.predict(X_test, verbose=0)[:, 0] - y_test) ** 2))   # not judged here

    assert ex03_graded(tmp_path, build_model=squeezed, evaluate=mse_in_numpy) == (
        "the model predicts nearly the same price for every gem: " + hint)


@pytest.mark.parametrize("case, dead", [
    ("alive", False), ("first-hidden-dead", True), ("second-hidden-dead", True),
    ("output-all-zero", False),               # the output is no hidden layer: a model predicting 0 has live units
    ("functional-first-hidden-dead", True),   # keras.Model(inputs, outputs): its layers start with the InputLayer
    ("not-a-chain", None),                    # a skip connection: its layers cannot be called one after another
])
def test_ex03_dead_units_are_those_of_a_hidden_layer_that_outputs_0_for_every_row(case, dead):
    """_dead_hidden_layer, which picks between "its ReLU units have all died" and "it has barely learned (its ReLU
    units are alive)", on a model of two hidden ReLU layers (4 units each) fed rows of positive features: a hidden
    layer whose bias is -1000 outputs 0 for every row, either of the two, built with keras.Sequential or as a
    functional keras.Model (whose InputLayer, called, raised, and its dead units were said to be alive); an output of
    zeros is not a hidden layer; of a model whose layers are not a chain (a skip connection) it cannot tell: None."""
    import keras

    from keras_models.course.exercises.graders import ex03

    X = np.random.default_rng(0).uniform(0.0, 1.0, size=(20, 2))                # (m, 2)
    if case == "not-a-chain":
        inputs = keras.Input(shape=(2,))
        first, second = keras.layers.Dense(4, activation="relu")(inputs), keras.layers.Dense(4)(inputs)
        model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Add()([first, second])))
    else:
        inputs = keras.Input(shape=(2,))
        hidden = [keras.layers.Dense(4, activation="relu"), keras.layers.Dense(4, activation="relu"),
                  keras.layers.Dense(1)]
        outputs = hidden[2](hidden[1](hidden[0](inputs)))
        model = keras.Model(inputs, outputs) if case.startswith("functional") else keras.Sequential([inputs, *hidden])
        hidden[0].set_weights([np.ones((2, 4)), np.full(4, -1000.0 if case.endswith("first-hidden-dead") else 0.0)])
        hidden[1].set_weights([np.eye(4), np.full(4, -1000.0 if case == "second-hidden-dead" else 0.0)])
        if case == "output-all-zero":
            hidden[2].set_weights([np.zeros((4, 1)), np.zeros(1)])
    assert ex03._dead_hidden_layer(model, X) is dead


@pytest.mark.parametrize("name", ["ex04", "ex05"])
def test_ex04_and_ex05_refuse_a_fit_that_also_trains_on_the_validation_rows_before_any_epoch_runs(name, tmp_path):
    # the validation loss then scores rows the model learns from, and early stopping watches nothing new; it passed
    message = _graded_with(name, tmp_path, ("return model.fit(X_train, y_train, validation_data",
                                            "return model.fit(np.concatenate([X_train, X_val]), "
                                            "np.concatenate([y_train, y_val]), validation_data"))
    assert message.startswith("fit trained on the validation rows too"), message


def test_a_fit_may_train_on_half_the_validation_rows_but_not_on_more():
    # "most, not any": a data set can hold the same row twice, once in each split
    from data import prepare
    from keras_models.course.exercises.graders.fit_checks import not_trained_on

    data = prepare("binary", seed=0)                        # 86 validation rows

    def fit_on(n_val: int) -> None:
        arguments = {"x": np.concatenate([data.X_train, data.X_val[:n_val]])}
        not_trained_on(arguments, data.X_val, len(data.X_train), "X_val", "X_train, y_train", "why")

    fit_on(43)
    with pytest.raises(Fail, match=r"^fit trained on the validation rows too \(44 of the 86 rows of X_val are among"):
        fit_on(44)


@pytest.mark.parametrize("name, original, changed", [
    ("ex03", 'loss="mse")\n    return model', 'loss="mse", metrics=["accuracy"])\n    return model'),
    ("ex04", 'metrics=["mae"]', 'metrics=["accuracy"]'),
    ("ex06", 'loss="mse")\n    return model', 'loss="mse", metrics=["accuracy"])\n    return model'),
], ids=["ex03", "ex04", "ex06"])
def test_ex03_ex04_ex06_refuse_a_regression_compiled_with_accuracy_before_any_epoch_runs(name, original, changed,
                                                                                        tmp_path):
    # Keras computes some "accuracy" for a price without a word, and the model still reached the targets
    message = _graded_with(name, tmp_path, (original, changed))
    assert message.startswith("build_model compiles a regression with the metric 'accuracy'"), message


@pytest.mark.parametrize("key, metric", [("metrics", "keras.metrics.binary_accuracy"),
                                         ("weighted_metrics", "'accuracy'"),
                                         ("metrics", "keras.metrics.BinaryAccuracy()"),
                                         ("metrics", "'acc'")],
                         ids=["function", "weighted", "object", "abbreviated"])
def test_an_accuracy_metric_given_as_a_function_or_weighted_is_refused_for_a_regression(key, metric):
    # a metric function serialises as class_name "function" (its name is the config); weighted_metrics is a key
    # of its own: both passed. A metric object goes by its class name, capitalised ("BinaryAccuracy")
    import keras

    from keras_models.course.exercises.graders.model_checks import no_accuracy_for_a_regression

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(loss="mse", **{key: [eval(metric)]})
    with pytest.raises(Fail, match="build_model compiles a regression with the metric "
                                   "'((binary_)?accuracy|BinaryAccuracy|acc)'"):
        no_accuracy_for_a_regression(model, "build_model")


@pytest.mark.parametrize("where, name", [("y", "y"), ("validation", r"validation_data\[1\]")])
def test_a_masked_array_given_to_fit_is_refused_before_any_check_reads_under_its_mask(where, name):
    """Keras' fit trains (and validates) on the values under a numpy mask without a word; the graders' checks read
    them with np.asarray too, so a learner's masked rows were scored as if they were data."""
    import keras

    from keras_models.course.exercises.graders.fit_checks import fit_checked

    seen = []
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    rows = np.arange(6, dtype=float)
    hidden = np.ma.masked_array(rows, mask=rows == 4)                   # the learner's "drop this row"
    y, y_val = (hidden, rows) if where == "y" else (rows, hidden)
    with fit_checked(seen.append), pytest.raises(ValueError, match=rf"^{name} is a masked array with 1 masked entry "
                                                                   r"\(first at index \[4\]\): the values under "):
        model.fit(rows.reshape(-1, 1), y, validation_data=(rows.reshape(-1, 1), y_val), epochs=1, verbose=0)
    assert seen == []                                                   # refused before the exercise's own check


@pytest.mark.parametrize("where, name", [("x", "x"), ("y", "y"), ("validation", r"validation_data\[0\]")],
                         ids=["x", "y", "validation-data"])
def test_a_python_list_of_numbers_given_to_fit_is_refused_naming_it_and_a_list_of_arrays_is_not(where, name):
    """model.fit(X_train.tolist(), ...): Keras' fit refuses a Python list of numbers as an "Unrecognized data type",
    printing every number and naming x whichever argument held the list, while the graders' checks read it as rows
    and the one-hot and swapped checks (by .shape) skipped it. It is refused as fit is called, before the exercise's
    own check, naming the argument; Keras itself, the reference, refuses the same call. One input's array in a list
    and validation_data as a list [X_val, y_val], which Keras takes, are not refused."""
    import keras

    from keras_models.course.exercises.graders.fit_checks import data_checked, fit_checked

    seen = []
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    rows = np.arange(6, dtype=float)                                    # (6,)
    X = rows.reshape(-1, 1)                                             # (6, 1)
    x, y, validation = (X.tolist() if where == "x" else X, rows.tolist() if where == "y" else rows,
                        (X.tolist() if where == "validation" else X, rows))
    with fit_checked(seen.append), pytest.raises(ValueError, match=rf"^{name} is a Python list of numbers, which "
                                                                   r"Keras' fit refuses as an \"Unrecognized "):
        model.fit(x, y, validation_data=validation, epochs=1, verbose=0)
    assert seen == []                                                   # refused before the exercise's own check
    with pytest.raises(ValueError, match=r"^Unrecognized data type: x="):
        model.fit(x, y, validation_data=validation, epochs=1, verbose=0)
    data_checked({"self": model, "x": [X], "y": rows, "validation_data": [X, rows]})


def test_fits_data_is_checked_once_per_fit_under_nested_fit_checks_and_before_either_check(monkeypatch):
    """Every Keras exercise's fit runs under two fit_checked, judging's (kinds_checked) and the grader's own: each
    ran data_checked, twice per fit, reading every row of x, y and validation_data twice. Once, first: a masked
    array is still refused before either check sees the call."""
    import keras

    from keras_models.course.exercises.graders import fit_checks

    checked, seen = [], []
    data_checked = fit_checks.data_checked
    monkeypatch.setattr(fit_checks, "data_checked", lambda arguments: (checked.append(1), data_checked(arguments)))
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    rows = np.arange(6, dtype=float)
    with fit_checks.fit_checked(lambda arguments: seen.append("outer")), \
            fit_checks.fit_checked(lambda arguments: seen.append("inner")):
        model.fit(rows.reshape(-1, 1), rows, epochs=1, verbose=0)
        assert (len(checked), seen) == (1, ["inner", "outer"])
        with pytest.raises(ValueError, match=r"^y is a masked array with 1 masked entry"):
            model.fit(rows.reshape(-1, 1), np.ma.masked_array(rows, mask=rows == 4), epochs=1, verbose=0)
    assert (len(checked), seen) == (2, ["inner", "outer"])
    model.fit(rows.reshape(-1, 1), rows, epochs=1, verbose=0)          # fit itself again once the blocks end
    assert len(checked) == 2


def test_keras_fit_trains_on_the_values_under_a_mask_without_a_word():
    """What the refusal above is for, pinned on Keras itself: a masked array handed to fit is read as its data, the
    masked value included (here 1e6 under the mask of the last target: the first epoch's loss is about 1e12 / 6)."""
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.0))
    rows = np.arange(6, dtype=float)
    y = np.ma.masked_array(np.where(rows == 5, 1e6, rows), mask=rows == 5)
    loss = model.fit(rows.reshape(-1, 1), y, batch_size=6, epochs=1, verbose=0).history["loss"][0]
    assert loss == pytest.approx((1e12 + sum(r * r for r in range(5))) / 6, rel=1e-6)


def test_a_graders_array_check_refuses_masked_entries():
    from keras_models.course.exercises.graders.checks import Fail, as_array

    with pytest.raises(Fail, match=r"^y_train is a masked array with 1 masked entry \(first at index \[1\]\): "):
        as_array(np.ma.masked_array([1.0, 2.0], mask=[0, 1]), "y_train")
    np.testing.assert_array_equal(as_array(np.ma.masked_array([1.0, 2.0]), "y_train"), [1.0, 2.0])
