"""`make lessons` and `make exercises`: what a learner or a damaged file can break ends in one line.

A log directory that cannot be written (the lessons), an unknown exercise name, a solution file that is
missing, an exercise file that calls sys.exit() or is not UTF-8 text, Ctrl-C while grading: each is
answered by name, with a non-zero exit status, and none loses the learner's work.
"""

import pytest

from keras_models.course import lessons
from keras_models.course.exercises import grade as grade_cli
from keras_models.course.exercises import graders
from keras_models.course.exercises.graders import find
from keras_models.course.exercises.skeleton import skeleton_of


def test_lessons_into_a_folder_that_is_a_file_is_one_line_before_any_lesson_runs(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "pictures"
    blocker.write_text("not a folder")
    monkeypatch.setattr(lessons, "run_all", lambda logdir: pytest.fail("a lesson ran"))
    assert lessons.main(["--logdir", str(blocker)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"error: the pictures cannot be written to {blocker / 'png'} (Not a directory); choose another "
                   "folder: make lessons LOGDIR=DIR\n")


def test_ctrl_c_during_the_lessons_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch):
    def interrupted(logdir):
        raise KeyboardInterrupt

    monkeypatch.setattr(lessons, "run_all", interrupted)
    assert lessons.main(["--logdir", str(tmp_path)]) == 130
    assert capsys.readouterr().err == "\nInterrupted; the lessons that finished have written their pictures.\n"


@pytest.fixture
def learner_folder(tmp_path, monkeypatch):
    """The learner's exercise files and backups in a temporary folder instead of the repository."""
    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(grade_cli, "REPO", tmp_path)
    monkeypatch.setattr(grade_cli, "BACKUP_DIR", tmp_path / "logs" / "exercises" / "backup")
    return tmp_path


@pytest.mark.parametrize("argv", [["--only", "ex99"], ["--reset", "ex8"], ["--reset", "ex01", "--only", "ex01"]])
def test_an_unknown_exercise_or_a_contradiction_is_one_line_and_exit_2(argv, learner_folder, capsys):
    assert grade_cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith("error: "), err


def test_an_exercise_that_calls_sys_exit_fails_and_the_grading_goes_on(learner_folder, capsys):
    ex01, ex02 = find("ex01"), find("ex02")
    ex01.learner_path.write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    assert grade_cli.main(["--only", "ex01", "--only", "ex02"]) == 1
    out = capsys.readouterr().out
    assert "your code called sys.exit(3); return a value instead" in out
    assert f"  {ex02.name}  " in out and "0 of 2 passed" in out                 # ex02 was graded after it


def test_a_missing_solution_is_one_line_saying_how_to_restore_it(learner_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(graders, "SOLUTIONS_DIR", tmp_path / "solutions")
    monkeypatch.setattr(grade_cli, "SOLUTIONS_DIR", tmp_path / "solutions")
    (tmp_path / "solutions").mkdir()
    assert grade_cli.main(["--only", "ex03"]) == 1                   # the learner file is missing too: write it
    path = f"solutions/{find('ex03').stem}.py"
    assert capsys.readouterr().err == f"error: the solution {path} is missing: restore it with `git checkout {path}`\n"


def test_an_exercise_file_that_is_not_utf8_fails_to_parse_and_reset_keeps_its_exact_bytes(learner_folder, capsys):
    exercise = find("ex01")
    mine = b"def run(x):\n    return '\xe9t\xe9'\n"                  # Latin-1, not UTF-8
    exercise.learner_path.write_bytes(mine)
    assert grade_cli.main(["--only", "ex01"]) == 1
    assert (f"{exercise.learner_path.name} is not UTF-8 text (byte 0xe9 at position {mine.index(0xe9)}): save it "
            "as UTF-8") in capsys.readouterr().out
    assert grade_cli.main(["--reset", "ex01"]) == 0
    (backup,) = (learner_folder / "logs" / "exercises" / "backup").iterdir()
    assert backup.read_bytes() == mine
    assert exercise.learner_path.read_text(encoding="utf-8") == skeleton_of(exercise.solution_path)


def test_ctrl_c_while_grading_is_one_line_and_exit_130(learner_folder, capsys, monkeypatch):
    def interrupted(exercises, solutions):
        raise KeyboardInterrupt

    monkeypatch.setattr(grade_cli, "grade", interrupted)
    assert grade_cli.main(["--only", "ex01"]) == 130
    assert capsys.readouterr().err == "\nInterrupted; nothing was changed.\n"
