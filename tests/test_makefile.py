"""The Makefile as a learner types it: every option of `make train` is a make variable, a misspelt variable
stops make with one line instead of being ignored, and `make clean` keeps the learner's exercise backups.

Each test runs the real Makefile with the real `make`, in a copy of it in a temporary folder whose
`.venv/bin/python` only prints the arguments it gets, so no test trains anything or writes into the
repository.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


@pytest.fixture
def project(tmp_path):
    """A folder with the Makefile, an up-to-date stamp and a .venv/bin/python that echoes its arguments."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / name).write_text("")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho "$0 $*"\n')
    python.chmod(0o755)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.write_text("")
    os.utime(stamp, (os.path.getmtime(tmp_path / "pyproject.toml") + 10,) * 2)      # newer than what it depends on
    return tmp_path


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    # a make running this test (make test) passes its own command-line variables down: not to this one
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("args, command", [
    (["train", "TASKS=binary,regression", "EPOCHS=5", "LR=1e-3", "LOGDIR=runs/a b", "QUIET=1"],
     ".venv/bin/python -m keras_models.train --via-make --tasks binary,regression --epochs 5 --learning-rate 1e-3 "
     "--logdir runs/a b --quiet"),
    (["train", "RESUME=1", "LOGDIR=elsewhere"],
     ".venv/bin/python -m keras_models.train --via-make --logdir elsewhere --resume"),
    (["train"], ".venv/bin/python -m keras_models.train --via-make"),
    (["tensorboard", "PORT=6007", "LOGDIR=runs"],
     ".venv/bin/python -m keras_models.train.board_server --logdir runs --port 6007"),
    (["tensorboard"], ".venv/bin/python -m keras_models.train.board_server --logdir logs --port 6006"),
    (["lessons", "LOGDIR=pictures"], ".venv/bin/python -m keras_models.course.lessons --logdir pictures"),
    (["exercises", "ONLY=ex03"], ".venv/bin/python -m keras_models.course.exercises.grade --only ex03"),
    (["notebooks"], ".venv/bin/python -m keras_models.course.jupyter.build"),
    (["lab", "PORT=8890"], ".venv/bin/python -m keras_models.course.jupyter.build\n"
                           ".venv/bin/python -m keras_models.course.jupyter.lab --port 8890"),
    (["release", "DEST=out/copy", "WITH_SOLUTIONS=1"],
     ".venv/bin/python -m keras_models.course.instructor.release out/copy --with-solutions"),
    (["grade", "SUBMISSIONS=class", "ONLY=ex01,ex02", "TIME_LIMIT=30", "JOBS=2"],
     ".venv/bin/python -m keras_models.course.instructor.grade_class class --only ex01,ex02 --time-limit 30 --jobs 2"),
], ids=["train-every-option", "train-resume", "train-defaults", "tensorboard", "tensorboard-defaults", "lessons",
        "exercises", "notebooks", "lab-after-notebooks", "release", "grade"])
def test_each_make_variable_becomes_its_option(project, args, command):
    done = make(project, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == command


@pytest.mark.parametrize("args, message", [
    (["train", "TASK=binary"], "unknown variable TASK for make train; make train takes TASKS EPOCHS LR LOGDIR RESUME "
                               "QUIET; see `make help`."),
    (["train", "TASKS=binary", "EPOCH=3"], "unknown variable EPOCH for make train;"),
    (["train", "RESUMES=1"], "unknown variable RESUMES for make train;"),
    (["tensorboard", "PRT=6007"], "unknown variable PRT for make tensorboard; make tensorboard takes LOGDIR PORT;"),
    (["exercises", "NAME=ex03"], "unknown variable NAME for make exercises; make exercises takes ONLY;"),
    (["grade", "SUBMISSION=class"], "unknown variable SUBMISSION for make grade; make grade takes SUBMISSIONS ONLY "
                                    "TIME_LIMIT JOBS;"),
    (["release", "DEST=x", "WITH_SOLUTIONS=yes"], "WITH_SOLUTIONS takes the value 1 (make release DEST=dir "
                                                  "WITH_SOLUTIONS=1), got WITH_SOLUTIONS=yes"),
    (["train", "RESUME=0"], "RESUME and QUIET take the value 1 (make train RESUME=1), got RESUME=0 QUIET="),
], ids=["TASK", "EPOCH", "RESUMES", "PRT", "NAME-for-exercises", "SUBMISSION", "WITH_SOLUTIONS-yes", "RESUME-0"])
def test_a_misspelt_variable_stops_make_with_one_line_naming_the_valid_ones(project, args, message):
    done = make(project, *args)
    assert done.returncode == 2
    assert done.stdout == ""                                   # nothing ran
    (line,) = done.stderr.splitlines()
    assert line.startswith("Makefile:") and message in line, line


def test_make_clean_empties_logs_but_keeps_the_exercise_backups(project):
    logs = project / "logs"
    backup = logs / "exercises" / "backup" / "ex03_keras_basics.20261123-101500-000001.py"
    kept = {backup: "my ex03, before the reset\n", logs / ".gitkeep": ""}
    removed = [logs / "2026-11-23_01-31-51" / "binary" / "keras" / "checkpoint.npz", logs / "lessons" / "png" / "a.png",
               logs / "exercises" / "notes.txt", logs / ".hidden", project / ".pytest_cache" / "v" / "x"]
    for path, text in [*kept.items(), *((p, "x") for p in removed)]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    done = make(project, "clean")
    assert done.returncode == 0, done.stderr
    assert {p: p.read_text() for p in kept} == kept
    assert sorted(p.relative_to(project) for p in logs.rglob("*")) == [
        Path("logs/.gitkeep"), Path("logs/exercises"), Path("logs/exercises/backup"), backup.relative_to(project)]
    assert not (project / ".pytest_cache").exists()
