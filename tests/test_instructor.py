"""The instructor's kit: the learner copy holds no solution line but those it ships on purpose, a class is
graded at once with each submission in a sandbox, and GitHub Classroom gets one test per exercise -- all
from the one declaration of the exercises and their points (graders.EXERCISES).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import run_make

from keras_models.course.exercises.graders import EXERCISES, find
from keras_models.course.exercises.skeleton import BEGIN, END, skeleton_of
from keras_models.course.instructor import classroom, grade_class, release
from keras_models.course.lessons import LESSONS

REPO = Path(__file__).resolve().parents[1]


# --- GitHub Classroom ------------------------------------------------------------------------------------

def test_autograding_json_has_one_test_per_exercise_worth_its_points():
    committed = json.loads((REPO / ".github" / "classroom" / "autograding.json").read_text(encoding="utf-8"))
    assert committed == json.loads(classroom.render()), "regenerate it: .venv/bin/python -m " \
                                                        "keras_models.course.instructor.classroom"
    tests = committed["tests"]
    assert [t["name"].split()[0] for t in tests] == [e.name for e in EXERCISES]
    assert [t["points"] for t in tests] == [e.points for e in EXERCISES] and sum(e.points for e in EXERCISES) == 100
    for test, exercise in zip(tests, EXERCISES, strict=True):
        assert test["run"].endswith(f"--learner . --only {exercise.name}")
        assert test["comparison"] == "included" and test["output"] == "" and test["timeout"] > 0


# --- make release ----------------------------------------------------------------------------------------

UNTRACKED = ["my_answer_key.py", "submissions/alice/ex01_perceptron_activations.py", "submissions/grades.csv"]


@pytest.fixture(scope="module")
def learner_copy(tmp_path_factory):
    dest = tmp_path_factory.mktemp("release") / "learner"
    assert release.main([str(dest)]) == 0
    return dest


@pytest.fixture(scope="module")
def instructor_copy(tmp_path_factory):
    """(folder, printed output) of the instructor copy, made as on a new machine whose git has no identity
    (no user.name or user.email anywhere), and as from a git hook, with GIT_DIR naming another repository."""
    home, decoy = tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("decoy")
    subprocess.run(["git", "init", "-q"], cwd=decoy, check=True)
    dest = tmp_path_factory.mktemp("release") / "instructor"
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as out:
        for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
            patch.delenv(name, raising=False)
        for name, value in {"HOME": home, "XDG_CONFIG_HOME": home, "GIT_CONFIG_GLOBAL": home / "gitconfig",
                            "GIT_CONFIG_NOSYSTEM": "1", "GIT_DIR": decoy / ".git"}.items():
            patch.setenv(name, str(value))
        assert release.main([str(dest), "--with-solutions"]) == 0
    decoy_log = subprocess.run(["git", "log"], cwd=decoy, capture_output=True, text=True, check=False)
    assert decoy_log.returncode != 0 and "does not have any commits" in decoy_log.stderr   # untouched
    return dest, out.getvalue()


def copied_files(folder: Path) -> dict[str, object]:
    """{relative path: content} of every file in a copy, its .git/ aside; a notebook's content is its cells
    without their ids (nbformat draws them at random)."""
    def content(path: Path) -> object:
        if path.suffix != ".ipynb":
            return path.read_bytes()
        notebook = json.loads(path.read_text(encoding="utf-8"))
        return notebook | {"cells": [{k: v for k, v in cell.items() if k != "id"} for cell in notebook["cells"]]}

    return {path.relative_to(folder).as_posix(): content(path) for path in folder.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(folder).parts}


def stripped_lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines()}


def solution_lines() -> set[str]:
    """The lines a learner writes (inside BEGIN/END SOLUTION) that nothing shipped on purpose holds. Shipped on
    purpose: the project's own library, which the exercises re-derive (the .py files git tracks in scratch/,
    data/ and keras_models/ outside the exercises' folder), README.md, and the given code of the same or a
    later exercise (ex02 hands over ex01's sigmoid). The graders are not among them: a solution line in a
    grader gives the answer away."""
    exercises_folder = Path("keras_models", "course", "exercises")
    public = stripped_lines((REPO / "README.md").read_text(encoding="utf-8"))
    for path in release.project_files():
        if path.suffix == ".py" and path.parts[0] in ("scratch", "data", "keras_models") \
                and not path.is_relative_to(exercises_folder):
            public |= stripped_lines((REPO / path).read_text(encoding="utf-8"))
    given = [stripped_lines(skeleton_of(exercise.solution_path)) for exercise in EXERCISES]
    secret = set()
    for index, exercise in enumerate(EXERCISES):
        handed_over = public.union(*given[index:])
        inside = False
        for line in exercise.solution_path.read_text(encoding="utf-8").splitlines():
            if line.strip() in (BEGIN, END):
                inside = line.strip() == BEGIN
            elif inside and line.strip() and line.strip() not in handed_over:
                secret.add(line.strip())
    return secret


def every_text(folder: Path):
    """(path, text) of every file in the copy; a notebook's text is its cells' sources and outputs."""
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".ipynb":
            notebook = nbformat.read(path, as_version=4)
            yield path, "\n".join(cell.source + json.dumps(cell.get("outputs", [])) for cell in notebook.cells)
        else:
            yield path, path.read_bytes().decode("utf-8", errors="replace")


def test_no_solution_line_survives_in_the_learner_copy(learner_copy):
    secret = solution_lines()
    assert len(secret) > 50                                        # the check has something to find
    leaks = [f"{path.relative_to(learner_copy)}: {line}" for path, text in every_text(learner_copy)
             for line in {line.strip() for line in text.splitlines()} & secret]
    leaks += [f"{path.relative_to(learner_copy)}: a solution marker" for path, text in every_text(learner_copy)
              if path.stem in {e.stem for e in EXERCISES} and (BEGIN in text or END in text)]
    assert not leaks, "\n".join(leaks[:20])
    assert not (learner_copy / "keras_models" / "course" / "exercises" / "solutions").exists()


def test_the_learner_copy_has_the_exercises_notebooks_and_classroom_but_no_tests(learner_copy):
    exercises = learner_copy / "keras_models" / "course" / "exercises"
    for exercise in EXERCISES:
        skeleton = skeleton_of(exercise.solution_path)
        assert (exercises / f"{exercise.stem}.py").read_text(encoding="utf-8") == skeleton
        assert (exercises / "starters" / f"{exercise.stem}.py").read_text(encoding="utf-8") == skeleton
        assert (exercises / "graders" / f"{exercise.name}.py").is_file()
    notebooks = learner_copy / "keras_models" / "course" / "notebooks"
    assert sorted(p.stem for p in (notebooks / "lessons").glob("*.ipynb")) == sorted(LESSONS)
    assert sorted(p.stem for p in (notebooks / "exercises").glob("*.ipynb")) == sorted(e.stem for e in EXERCISES)
    assert not (notebooks / "solutions").exists() and not (learner_copy / "tests").exists()
    for name in ("Makefile", "pyproject.toml", "constraints.txt", "data/breast_cancer.csv", "scratch/network.py"):
        assert (learner_copy / name).is_file(), name
    autograding = learner_copy / ".github" / "classroom" / "autograding.json"
    assert autograding.read_text(encoding="utf-8") == classroom.render()
    ignored = (learner_copy / ".gitignore").read_text(encoding="utf-8")
    assert "ex[0-9][0-9]" not in ignored and "notebooks" not in ignored.replace("notebooks are tracked", "")
    assert (learner_copy / "README.md").read_text(encoding="utf-8").startswith("> **Learner copy**")
    committed = subprocess.run(["git", "ls-files", "-z"], cwd=learner_copy, capture_output=True, text=True, check=True)
    assert sorted(filter(None, committed.stdout.split("\0"))) == sorted(copied_files(learner_copy))   # all of it


@pytest.mark.parametrize("target", ["test", "test-browser", "lock-check", "mutants"])
def test_the_test_targets_in_the_learner_copy_say_in_one_line_that_it_has_no_tests(learner_copy, target):
    done = run_make(learner_copy, target, timeout=300)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (f"make {target}: this learner copy has no test suite (it checks the "
                                           "reference solutions, which are not included)")
    assert not (learner_copy / ".venv").exists()                # said before setting anything up


def test_the_instructor_copy_has_solutions_tests_and_their_notebooks(instructor_copy):
    dest, out = instructor_copy
    assert f"wrote the instructor copy (with solutions and tests) to {dest}" in out
    for exercise in EXERCISES:
        assert (dest / "keras_models/course/exercises/solutions" / f"{exercise.stem}.py").read_bytes() == \
            exercise.solution_path.read_bytes()
        assert (dest / "keras_models/course/notebooks/solutions" / f"{exercise.stem}.ipynb").is_file()
    assert (dest / "tests" / "test_instructor.py").is_file() and (dest / ".ci" / "run").is_file()


def test_the_instructor_copy_is_a_git_repository_where_make_release_makes_the_same_learner_copy(
        instructor_copy, learner_copy, tmp_path, monkeypatch, capsys):
    """A working project: one commit holds what git tracks here (the learner files and notebooks it ignores,
    as here), and `make release` run in it -- which reads git -- makes a learner copy equal to this one's,
    leaving out the files the instructor has not committed there."""
    dest, _ = instructor_copy
    git = {"cwd": dest, "capture_output": True, "text": True, "check": True}
    assert subprocess.run(["git", "log", "--format=%an: %s"], **git).stdout.startswith(
        "make release: Instructor copy, made by make release from ")
    assert len(subprocess.run(["git", "rev-list", "--all"], **git).stdout.split()) == 1
    assert subprocess.run(["git", "status", "--porcelain"], **git).stdout == ""          # all of it committed
    for name in UNTRACKED:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text("# the instructor's, not the course's\n", encoding="utf-8")
    monkeypatch.setattr(release, "REPO", dest)                      # what `make release` in the copy runs
    again = tmp_path / "learner"
    assert release.main([str(again)]) == 0
    assert capsys.readouterr().out.startswith(
        f"left out 3 files git does not track (commit them to include them): {', '.join(UNTRACKED)}\n")
    assert copied_files(again) == copied_files(learner_copy)


@pytest.mark.parametrize("where, message", [
    ("inside", "is inside this repository: choose a folder outside it"),
    ("not-empty", "is not empty: choose a new folder (nothing was written)"),
])
def test_make_release_refuses_a_destination_in_one_line(where, message, tmp_path, capsys):
    dest = REPO / "logs" / "release-here" if where == "inside" else tmp_path
    (tmp_path / "mine.txt").write_text("keep me")
    assert release.main([str(dest)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: DEST={dest} {message}\n"
    assert not dest.exists() or where == "not-empty"
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_make_release_copies_only_the_files_git_tracks_and_names_the_others(tmp_path, monkeypatch):
    """An instructor's untracked files (an answer key, a learner's solved exercise, the class's grades) are not
    the course: they stay out of the copy, and are named so that a forgotten `git add` is noticed."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for name in (".gitignore", "Makefile", *UNTRACKED, "logs/run.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("logs/\n" if name == ".gitignore" else name, encoding="utf-8")
    subprocess.run(["git", "add", ".gitignore", "Makefile"], cwd=tmp_path, check=True)
    monkeypatch.setattr(release, "REPO", tmp_path)
    assert release.project_files() == [Path(".gitignore"), Path("Makefile")]
    assert release.untracked_files() == [Path(name) for name in UNTRACKED]          # logs/ is ignored: not named
    assert release.left_out_line(release.untracked_files()) == (
        "left out 3 files git does not track (commit them to include them): my_answer_key.py, "
        "submissions/alice/ex01_perceptron_activations.py, submissions/grades.csv")
    many = [Path(f"submissions/learner{i}/ex01.py") for i in range(9)]
    assert release.left_out_line(many).endswith(": submissions/learner0/ex01.py, submissions/learner1/ex01.py, "
                                                "submissions/learner2/ex01.py and 6 more")
    assert release.left_out_line([]) == ""


# --- make grade ------------------------------------------------------------------------------------------

LOOP = "while True:\n    pass\n"
SLEEP = "import time\nwhile True:\n    time.sleep(1)\n"
RAISES = "raise RuntimeError('broken at import')\n"
FAKE_PASS = ("print('  ex01  perceptron, activations, one-layer network     PASS    0.0 s')\n"
             "print('ex01  PASS  10 of 10')\nimport os\nos._exit(0)\n")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, python_with_tensorflow):
    """`make grade` on a class of seven, two exercises, a 1 s limit of CPU (a solution here needs at most 0.2 s)
    and 4 s of wall clock: (folder, exit status, stdout, stderr)."""
    ex01, ex02 = find("ex01"), find("ex02")
    solved = {e: e.solution_path.read_text(encoding="utf-8") for e in (ex01, ex02)}
    untouched = {e: skeleton_of(e.solution_path) for e in (ex01, ex02)}
    folder = tmp_path_factory.mktemp("class")
    learners = {
        # abe sleeps forever; sorted first, he is graded first, so his wait for the wall-clock limit (4 s)
        # overlaps the other gradings instead of following them
        "abe": {f"{ex01.stem}.py": SLEEP},
        "ada": {f"{ex01.stem}.py": solved[ex01], f"{ex02.stem}.ipynb": _notebook(solved[ex02])},
        "bo": {f"{ex01.stem}.py": untouched[ex01], f"{ex02.stem}.py": untouched[ex02]},
        "cy": {f"{ex01.stem}.py": LOOP, f"{ex02.stem}.py": solved[ex02]},
        "di": {f"keras_models/course/exercises/{ex01.stem}.py": solved[ex01], f"{ex02.stem}.py": RAISES},
        "ed": {f"{ex01.stem}.py": FAKE_PASS},
        # both versions of each: ex01 solved in the notebook only; ex02 solved in both, saved together
        "fay": {f"{ex01.stem}.py": untouched[ex01], f"{ex01.stem}.ipynb": _notebook(solved[ex01]),
                f"{ex02.stem}.py": solved[ex02], f"{ex02.stem}.ipynb": _notebook(solved[ex02])},
    }
    for learner, files in learners.items():
        for name, text in files.items():
            (folder / learner / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / learner / name).write_text(text, encoding="utf-8")
            os.utime(folder / learner / name, (1_000_000_000,) * 2)      # saved together: no version is the later
    # what `make grade SUBMISSIONS=... ONLY=ex01,ex02 TIME_LIMIT=1 WALL_LIMIT=4 JOBS=2` runs (test_makefile.py checks
    # that it does), forked from the warm Python: TensorFlow is imported once for the session
    done = python_with_tensorflow.run([sys.executable, "-m", "keras_models.course.instructor.grade_class", str(folder),
                                       "--only", "ex01,ex02", "--time-limit", "1", "--wall-limit", "4", "--jobs", "2"],
                                      cwd=REPO, capture_output=True, text=True, timeout=300)
    return folder, done.returncode, done.stdout, done.stderr


def _notebook(source: str) -> str:
    import jupytext

    return nbformat.writes(jupytext.reads(source, fmt="py:percent"))


def test_make_grade_scores_each_exercise_alone_and_writes_grades_csv(graded_class):
    folder, status, out, err = graded_class
    assert status == 0, err
    with open(folder / "grades.csv", newline="", encoding="utf-8") as table:
        rows = list(csv.reader(table))
    assert rows == [["learner", "ex01", "ex02", "total"],   # (the reasons: the next test)
                    ["abe", "0", "0", "0"],           # ex01 sleeps forever: the wall-clock limit; no ex02
                    ["ada", "10", "15", "25"],        # solved (ex02 handed in as a notebook)
                    ["bo", "0", "0", "0"],            # untouched
                    ["cy", "0", "15", "15"],          # ex01 loops: 0 for ex01 only
                    ["di", "10", "0", "10"],          # ex02 raises at import: 0 for ex02 only (ex01: release layout)
                    ["ed", "0", "0", "0"],            # prints a fake PASS, then leaves; no ex02
                    ["fay", "10", "15", "25"]]        # a .py and a notebook of each: the one holding the work
    lines = out.splitlines()
    assert lines[0] == "grading 7 learners x 2 exercises (1 s of CPU each, 2 at a time)", out
    table_lines = [line.split() for line in lines[lines.index(next(l for l in lines if l.startswith("learner"))):][:9]]
    assert table_lines[0] == ["learner", "ex01", "ex02", "total"], out
    assert table_lines[-1] == ["out", "of", "10", "15", "25"], out
    assert table_lines[1:-1] == rows[1:], out


def test_make_grade_gives_a_one_line_reason_for_each_zero(graded_class):
    folder, _, out, _ = graded_class
    with open(folder / "grades_reasons.csv", newline="", encoding="utf-8") as reasons:
        why = {(row["learner"], row["exercise"]): row["reason"] for row in csv.DictReader(reasons)}
    assert why[("bo", "ex01")] == "not started: fill in the TODO in Perceptron1D.run"
    # an endless loop is stopped by its CPU limit (1 s); sleeping forever uses no CPU: the wall clock
    # (WALL_LIMIT=4 s) stops it
    assert why[("cy", "ex01")] == "used more than 1 s of CPU time (time limit)"
    assert why[("di", "ex02")] == ("your code raised RuntimeError in the top level of the file (line 1 of "
                                   "ex02_backprop.py): broken at import")
    assert why[("ed", "ex01")] == "stopped before the grader gave a verdict (exit status 0)"
    assert why[("ed", "ex02")] == "missing: no ex02_backprop.py or .ipynb"
    assert why[("abe", "ex01")] == "did not finish within 4 s (time limit)"
    assert why[("ada", "ex02")].startswith("BP1-BP4 and gradients() match tf.GradientTape")
    for (learner, exercise), reason in why.items():
        if not reason.startswith(("BP1", "Perceptron1D, Perceptron")):
            assert f"  {learner:<7}  {exercise}  {reason}" in out


def test_grades_reasons_csv_names_the_file_graded_and_which_of_two_versions_counted(graded_class):
    folder = graded_class[0]
    with open(folder / "grades_reasons.csv", newline="", encoding="utf-8") as reasons:
        header, *rows = list(csv.reader(reasons))
    assert header == ["learner", "exercise", "file", "points", "reason"]
    ex01, ex02 = find("ex01").stem, find("ex02").stem
    assert {(learner, exercise): file for learner, exercise, file, _, _ in rows} == {
        ("abe", "ex01"): f"{ex01}.py", ("abe", "ex02"): "",                       # "": none was found
        ("ada", "ex01"): f"{ex01}.py", ("ada", "ex02"): f"{ex02}.ipynb",
        ("bo", "ex01"): f"{ex01}.py", ("bo", "ex02"): f"{ex02}.py",
        ("cy", "ex01"): f"{ex01}.py", ("cy", "ex02"): f"{ex02}.py",
        ("di", "ex01"): f"keras_models/course/exercises/{ex01}.py", ("di", "ex02"): f"{ex02}.py",   # a clone's
        ("ed", "ex01"): f"{ex01}.py", ("ed", "ex02"): "",
        ("fay", "ex01"): f"{ex01}.ipynb", ("fay", "ex02"): f"{ex02}.py"}
    why = {(learner, exercise): reason for learner, exercise, _, _, reason in rows}
    # with both versions, the reason says which one counted, and why when version_to_grade gives a reason
    assert why[("fay", "ex01")].endswith(f" (graded {ex01}.ipynb, not the .py: it has fewer TODOs left than "
                                         f"{ex01}.py)")
    assert why[("fay", "ex02")].endswith(f" (graded {ex02}.py, not the notebook)")
    assert [key for key, reason in why.items() if "(graded " in reason] == [("fay", "ex01"), ("fay", "ex02")]


def test_the_classroom_command_passes_a_solution_and_fails_a_skeleton(tmp_path):
    ex01 = find("ex01")
    command = shlex.split(classroom.autograding()["tests"][0]["run"])
    assert command[0] == ".venv/bin/python"
    for text, status, verdict in [(ex01.solution_path.read_text(encoding="utf-8"), 0, "ex01  PASS   10 of 10  "),
                                  (skeleton_of(ex01.solution_path), 1, "ex01  FAIL    0 of 10  not started: ")]:
        learner = tmp_path / f"learner{status}"               # (a folder named keras_models/ here would hide
        learner.mkdir()                                          # the package from `-m`: files at the top)
        (learner / f"{ex01.stem}.py").write_text(text, encoding="utf-8")
        done = subprocess.run([sys.executable, *command[1:]], cwd=learner, capture_output=True, text=True, timeout=120)
        assert done.returncode == status, done.stderr
        assert done.stdout.startswith(verdict), done.stdout


@pytest.mark.parametrize("argv, message", [
    (["{missing}"], "error: the submissions folder {missing} does not exist"),
    (["{empty}"], "error: {empty} holds no learner folders: one sub-folder per learner, holding their exercise "
                  "files"),
    (["{empty}", "--only", "ex01,ex99"], "error: no exercise called 'ex99'; the exercises are ex01, ex02, ex03, ex04, "
                                         "ex05, ex06, ex07"),
    (["{empty}", "--time-limit", "0"], "error: TIME_LIMIT must be a whole number of seconds from 1 to 86400, got '0'"),
    (["{empty}", "--wall-limit", "-1"], "error: WALL_LIMIT must be a whole number of seconds from 1 to 604800, got "
                                        "'-1'"),
], ids=["missing-folder", "empty-folder", "unknown-exercise", "zero-time-limit", "negative-wall-limit"])
def test_make_grade_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys):
    names = {"missing": tmp_path / "nowhere", "empty": tmp_path}
    assert grade_class.main([arg.format(**names) for arg in argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith(message.format(**names)), err
