"""The Makefile as a learner types it: every option of `make train` is a make variable, a misspelt variable
stops make with one line instead of being ignored, `make clean` keeps the learner's exercise backups, and
`make setup` finds a Python 3.11-3.13 that runs, or says how to get one.

Each test runs the real Makefile with the real `make`, in a copy of it in a temporary folder. Pythons are
stand-ins (shell scripts): they answer the Makefile's probe with a version, make a stand-in `.venv` whose
`python` prints the arguments it gets, and print every other command instead of running it. So no test
builds a real virtual environment, trains anything or writes into the repository.
"""

import contextlib
import fcntl
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import hang_guard, line_of, make_environment, run_make, waited_for

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="needs GNU make")

# What a stand-in Python does. `-c`: the Makefile's probe (answer "<version> <prefix>"); `-m venv DIR`: make a
# stand-in .venv (a copy of itself); `-m pip install ... uv`: put a stand-in uv beside itself (unless NO_UV is
# set); anything else: print it, as "$0 $*" (so a test sees which Python ran). The stand-in uv prints its
# arguments, and writes one pin for `pip compile -o`.
PYTHON_SCRIPT = """#!/bin/sh
case "$1 $2" in
    "-c "*) echo "{version} {prefix}" ;;
    "--version ") echo "Python {version}" ;;
    "-m venv") [ -z "$SLOW_VENV" ] || sleep "$SLOW_VENV"; mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;
    "-m pip")
        echo "pip $*"
        case "$*" in *" uv")
            [ -z "$NO_UV" ] || exit 1
            printf '%s\\n' '#!/bin/sh' 'echo "uv $*"' '[ -z "$FAIL_UV" ] || exit 1' \\
                'eval out=\\${{$#}}; [ "$2" != compile ] || echo "numpy==9.9.9" > "$out"' > "$(dirname "$0")/uv"
            chmod +x "$(dirname "$0")/uv" ;;
        esac ;;
    *) echo "$0 $*" ;;
esac
"""
REFUSING_SHIM = """#!/bin/sh
echo "pyenv: $(basename "$0"): command not found" >&2
exit 127
"""
TOOLS = ("cat", "rm", "date", "mkdir", "cp", "chmod", "dirname", "basename", "touch", "find", "grep", "sed", "cmp",
         "mv", "cut", "sleep", "cksum", "tail", "seq")


def stand_in(path: Path, version: str | None, prefix: str = "/usr") -> Path:
    """A stand-in Python at `path` reporting `version` (None: a pyenv shim for a version that is not selected)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(REFUSING_SHIM if version is None else PYTHON_SCRIPT.format(version=version, prefix=prefix))
    path.chmod(0o755)
    return path


def with_pythons(project: Path, **versions: str | None) -> Path:
    """Put stand-in Pythons on the project's PATH: with_pythons(project, python3_12="3.12.3"); returns that folder."""
    for name, version in versions.items():
        stand_in(project.parent / "bin" / name.replace("_", "."), version, prefix=f"/opt/{name}")
    return project.parent / "bin"


@pytest.fixture
def bare(tmp_path):
    """A folder with the Makefile and a lock, no .venv yet; beside it the folder that is the whole PATH: the basic
    tools, and no Python until a test puts one there (so no test can reach the machine's own Pythons)."""
    project, path = tmp_path / "repo", tmp_path / "bin"
    project.mkdir()
    path.mkdir()
    shutil.copy(ROOT / "Makefile", project / "Makefile")
    (project / "pyproject.toml").write_text("")
    (project / "constraints.txt").write_text("# the lock\nnumpy==2.4.6\n")
    (project / "tests").mkdir()                         # a whole project (a learner copy has no tests/)
    for tool in TOOLS:
        os.symlink(shutil.which(tool), path / tool)
    if shutil.which("flock"):                           # Linux's: one set-up at a time (not on macOS)
        os.symlink(shutil.which("flock"), path / "flock")
    return project


def sums(project: Path) -> str:
    """What the stamp records of the files the packages are installed from: their cksum, as the Makefile takes it."""
    return subprocess.run(["cksum", "pyproject.toml", "constraints.txt"], cwd=project, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def project(bare):
    """`bare` with a .venv built by a stand-in Python 3.11.7, its stamp recording the lock it installed."""
    stand_in(bare / ".venv" / "bin" / "python", "3.11.7")
    (bare / ".venv" / ".installed").write_text("3.11.7 /usr\n" + sums(bare))
    return bare


def change_the_lock(project: Path) -> None:
    """A pin changed since .venv was set up (git pull), the file dated before the stamp: its content tells, not its
    time (a ZIP unpacked across time zones, a stamp dated in the future)."""
    lock = project / "constraints.txt"
    lock.write_text(lock.read_text().replace("numpy==2.4.6", "numpy==2.4.7"))
    os.utime(lock, (os.path.getmtime(project / ".venv" / ".installed") - 3600,) * 2)


def make(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run make in `project` with the folder beside it as the whole PATH; env: more variables."""
    return run_make(project, *args, PATH=str(project.parent / "bin"), **env)


@pytest.mark.parametrize("args, command", [
    (["train", "TASKS=binary,regression", "EPOCHS=5", "LR=1e-3", "DEVICES=2", "LOGDIR=runs/a b", "QUIET=1"],
     ".venv/bin/python -m keras_models.train --via-make --tasks binary,regression --epochs 5 --learning-rate 1e-3 "
     "--devices 2 --logdir runs/a b --quiet"),
    (["train", "RESUME=1", "LOGDIR=elsewhere"],
     ".venv/bin/python -m keras_models.train --via-make --logdir elsewhere --resume"),
    (["train"], ".venv/bin/python -m keras_models.train --via-make"),
    (["tensorboard", "PORT=6007", "LOGDIR=runs"],
     ".venv/bin/python -m keras_models.train.board_server --via-make --logdir runs --port 6007"),
    (["tensorboard"], ".venv/bin/python -m keras_models.train.board_server --via-make --logdir logs --port 6006"),
    (["lessons", "LOGDIR=pictures"], ".venv/bin/python -m keras_models.course.lessons --via-make --logdir pictures"),
    (["exercises", "ONLY=ex03"], ".venv/bin/python -m keras_models.course.exercises.grade --via-make --only ex03"),
    (["exercise-run", "NAME=ex03"], ".venv/bin/python -m keras_models.course.exercises.run --via-make -- ex03"),
    (["exercise-run", "NAME=ex01;echo INJECTED"],                 # one argument: nothing reaches the shell
     ".venv/bin/python -m keras_models.course.exercises.run --via-make -- ex01;echo INJECTED"),
    (["exercise-reset", "NAME=ex01;echo INJECTED"],
     ".venv/bin/python -m keras_models.course.exercises.grade --via-make --reset ex01;echo INJECTED"),
    (["exercises", "ONLY=ex01;echo INJECTED"],
     ".venv/bin/python -m keras_models.course.exercises.grade --via-make --only ex01;echo INJECTED"),
    (["notebooks"], ".venv/bin/python -m keras_models.course.jupyter"),
    (["lab", "PORT=8890"],
     ".venv/bin/python -m keras_models.course.jupyter.lab --via-make --write-notebooks --port 8890"),
    (["release", "DEST=out/copy", "WITH_SOLUTIONS=1"],
     ".venv/bin/python -m keras_models.course.instructor.release --via-make --with-solutions -- out/copy"),
    (["grade", "SUBMISSIONS=class", "ONLY=ex01,ex02", "TIME_LIMIT=30", "WALL_LIMIT=60", "JOBS=2"],
     ".venv/bin/python -m keras_models.course.instructor.grade_class --via-make --only ex01,ex02 --time-limit 30 "
     "--wall-limit 60 --jobs 2 -- class"),
    # a folder whose name starts with a dash is a folder, not an option (after --)
    (["grade", "SUBMISSIONS=-class"],
     ".venv/bin/python -m keras_models.course.instructor.grade_class --via-make -- -class"),
    (["release", "DEST=-copy"], ".venv/bin/python -m keras_models.course.instructor.release --via-make -- -copy"),
    # ONLY= given blank is passed on, for the program to refuse: taken for "no ONLY=", make grade would regrade
    # every exercise and write the grade book afresh instead of keeping its other columns
    (["grade", "SUBMISSIONS=class", "ONLY= "], ".venv/bin/python -m keras_models.course.instructor.grade_class "
                                              "--via-make "
                                              "--only  -- class"),   # an empty argument after --only
    (["exercises", "ONLY="], ".venv/bin/python -m keras_models.course.exercises.grade --via-make --only"),
    # the same for make train's and make lessons' variables: read as not given, LOGDIR= wrote into logs/ and TASKS=
    # trained every task
    (["train", "TASKS=", "LOGDIR="], ".venv/bin/python -m keras_models.train --via-make --tasks  --logdir"),
    (["lessons", "LOGDIR="], ".venv/bin/python -m keras_models.course.lessons --via-make --logdir"),
    # and for make tensorboard's, make lab's and make grade's: LOGDIR= served the current folder, PORT= and the
    # limits took their defaults without a word
    (["tensorboard", "LOGDIR=", "PORT="],
     ".venv/bin/python -m keras_models.train.board_server --via-make --logdir  --port"),
    (["lab", "PORT="], ".venv/bin/python -m keras_models.course.jupyter.lab --via-make --write-notebooks --port"),
    (["grade", "SUBMISSIONS=class", "TIME_LIMIT=", "WALL_LIMIT=", "JOBS="],
     ".venv/bin/python -m keras_models.course.instructor.grade_class --via-make --time-limit  --wall-limit  --jobs  "
     "-- class"),
    # a path as a folder's name may have it: no $, quote, backquote or backslash is expanded by make or the shell
    # (make read LOGDIR='runs $HOME' as "runs OME", DEST='course $ x' as "course x")
    (["train", "LOGDIR=runs $HOME $(x) `id` a\\q 'été' \"q\""],
     ".venv/bin/python -m keras_models.train --via-make --logdir runs $HOME $(x) `id` a\\q 'été' \"q\""),
    (["tensorboard", "LOGDIR=my course $ 'été'"],
     ".venv/bin/python -m keras_models.train.board_server --via-make --logdir my course $ 'été' --port 6006"),
    (["release", "DEST=course $ 'été'"],
     ".venv/bin/python -m keras_models.course.instructor.release --via-make -- course $ 'été'"),
    (["grade", "SUBMISSIONS=class $1"],
     ".venv/bin/python -m keras_models.course.instructor.grade_class --via-make -- class $1"),
    (["release", "DEST=class v=2"],
     ".venv/bin/python -m keras_models.course.instructor.release --via-make -- class v=2"),
    (["exercise-run", "NAME=ex01\"; echo INJECTED; \""],
     ".venv/bin/python -m keras_models.course.exercises.run --via-make -- ex01\"; echo INJECTED; \""),
    (["mutants", "ONLY=sigmoid_sign,relu_kink", "JOBS=1"],
     ".venv/bin/python tests/mutation/run.py --via-make --only sigmoid_sign,relu_kink --jobs 1"),
    (["mutants"], ".venv/bin/python tests/mutation/run.py --via-make"),
    (["mutants", "ONLY=", "JOBS="], ".venv/bin/python tests/mutation/run.py --via-make --only  --jobs"),
], ids=["train-every-option", "train-resume", "train-defaults", "tensorboard", "tensorboard-defaults", "lessons",
        "exercises", "exercise-run", "exercise-run-one-argument", "exercise-reset-one-argument",
        "exercises-one-argument", "notebooks", "lab-writes-notebooks", "release", "grade", "grade-dash-folder",
        "release-dash-folder", "grade-blank-only", "exercises-empty-only", "train-empty", "lessons-empty-logdir",
        "tensorboard-empty", "lab-empty-port", "grade-empty-limits", "train-logdir-as-typed",
        "tensorboard-logdir-as-typed", "release-dest-as-typed", "grade-submissions-as-typed",
        "release-dest-with-space-and-equals", "exercise-run-double-quote", "mutants", "mutants-defaults",
        "mutants-empty"])
def test_each_make_variable_becomes_its_option(project, args, command):
    done = make(project, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == command


@pytest.mark.parametrize("given, passed", [
    ("", ":backslashreplace"),                      # the locale's encoding, what it cannot show escaped
    ("ascii", "ascii:backslashreplace"),            # the learner's encoding kept
    ("utf-8:strict", "utf-8:strict"),               # an error handler the learner chose kept too
])
def test_what_the_output_cannot_encode_is_escaped_not_a_traceback_and_the_learners_encoding_kept(project, given,
                                                                                                   passed):
    # PYTHONIOENCODING=ascii (or PYTHONUTF8=0 in the C locale): printing a learner's folder "Zoë" or LOGDIR=runé
    # ended make grade and make train with a UnicodeEncodeError traceback
    python = project / ".venv" / "bin" / "python"
    python.write_text(python.read_text().replace('*) echo "$0 $*" ;;', '*) echo "$PYTHONIOENCODING" ;;'))
    done = make(project, "lessons", PYTHONIOENCODING=given)
    assert (done.returncode, done.stdout) == (0, f"{passed}\n"), done.stderr


@pytest.mark.parametrize("variable, given, passed", [
    ("KERAS_BACKEND", "jax", "tensorflow"),         # Keras 3 loads jax: not installed, a traceback before any line
    ("KERAS_BACKEND", "numpy", "tensorflow"),       # numpy too (test_keras_backend_numpy_still_imports_jax)
    ("KERAS_BACKEND", "torch", "tensorflow"),
    ("KERAS_BACKEND", "tensorflow", "tensorflow"),
    ("TF_USE_LEGACY_KERAS", "1", None),             # tf.keras would be tf_keras (Keras 2), not installed
    ("PYTHONOPTIMIZE", "2", None),                  # docstrings gone: argparse's descriptions, the course's titles
    ("PYTHONOPTIMIZE", "1", None),
    ("PYTHONPATH", "elsewhere", None),              # its keras.py, or another Python's site-packages, came first
    ("PYTHONHOME", "/usr", None),                   # the .venv's Python did not start: "no Python 3.11 ... runs"
])
def test_a_shell_set_up_for_another_course_or_python_does_not_reach_the_programs(project, variable, given, passed):
    # KERAS_BACKEND=jax ended make train in Keras' ModuleNotFoundError for jax; PYTHONOPTIMIZE=2 make lessons,
    # tensorboard and grade in an AttributeError on a None __doc__; PYTHONPATH with a keras.py in it ran that instead
    python = project / ".venv" / "bin" / "python"
    python.write_text(python.read_text().replace('*) echo "$0 $*" ;;', f'*) echo "${{{variable}-unset}}" ;;'))
    done = make(project, "lessons", **{variable: given})
    assert (done.returncode, done.stdout) == (0, f"{passed or 'unset'}\n"), done.stderr


def test_keras_backend_numpy_still_imports_jax(tmp_path):
    """Why the Makefile sets KERAS_BACKEND for every value, numpy's too: Keras 3's numpy backend is built on jax's
    pieces, which this project does not install. A fresh Python (the zygote has Keras loaded already); no TensorFlow."""
    done = subprocess.run([sys.executable, "-c", "import keras"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "KERAS_BACKEND": "numpy", "KERAS_HOME": str(tmp_path)})
    assert done.returncode == 1 and done.stderr.splitlines()[-1] == "ModuleNotFoundError: No module named 'jax'", \
        done.stderr


@pytest.mark.parametrize("given", [None, "/elsewhere/matplotlib"])
def test_matplotlib_keeps_its_files_in_venv_not_in_a_home_folder_that_may_not_be_writable(project, given,
                                                                                          monkeypatch):
    # HOME=/nonexistent (or one that cannot be written): matplotlib's two-line warning on every make lessons
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    python = project / ".venv" / "bin" / "python"
    python.write_text(python.read_text().replace('*) echo "$0 $*" ;;', '*) echo "$MPLCONFIGDIR" ;;'))
    environment = {"HOME": "/nonexistent"} if given is None else {"HOME": "/nonexistent", "MPLCONFIGDIR": given}
    done = make(project, "lessons", **environment)
    expected = str(project / ".venv" / "etc" / "matplotlib") if given is None else given   # the learner's choice kept
    assert (done.returncode, done.stdout) == (0, f"{expected}\n"), done.stderr


@pytest.mark.parametrize("variable, folder, made", [
    ("KERAS_HOME", ".keras_home", r"\$\(CURDIR\)/\.keras_home"),
    ("MPLCONFIGDIR", ".venv/etc/matplotlib", r"\$\(CURDIR\)/\$\(VENV\)/etc/matplotlib"),
])
def test_pytest_run_without_make_keeps_keras_and_matplotlib_files_where_make_does(variable, folder, made, tmp_path,
                                                                                  python_without_tensorflow):
    """tests/conftest.py gave KERAS_HOME a tempfile.mkdtemp() it never removed: a keras_home_* folder left in the
    temporary folder by every pytest run outside make; and it left MPLCONFIGDIR unset, so that matplotlib wrote into
    ~/.config and ~/.cache. Outside make, both are now the Makefile's folders."""
    environment = {name: value for name, value in os.environ.items() if name != variable}
    done = python_without_tensorflow.run(
        [sys.executable, "-c", "import os, sys; sys.path.insert(0, 'tests'); import conftest; "
                               f"print(os.environ.get({variable!r}))"],
        cwd=ROOT, env={**environment, "TMPDIR": str(tmp_path)}, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"{ROOT / folder}\n"), done.stderr
    assert list(tmp_path.iterdir()) == []
    assert re.search(rf"^export {variable} \??:?= {made}$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)


@pytest.mark.parametrize("args, message", [
    (["train", "TASK=binary"], "unknown variable TASK for make train; make train takes TASKS EPOCHS LR DEVICES LOGDIR "
                               "RESUME QUIET PYTHON; see `make help`."),
    (["train", "TASKS=binary", "EPOCH=3"], "unknown variable EPOCH for make train;"),
    (["train", "RESUMES=1"], "unknown variable RESUMES for make train;"),
    (["tensorboard", "PRT=6007"], "unknown variable PRT for make tensorboard; make tensorboard takes LOGDIR PORT "
                                  "PYTHON;"),
    (["exercises", "NAME=ex03"], "unknown variable NAME for make exercises; make exercises takes ONLY PYTHON;"),
    (["grade", "SUBMISSION=class"], "unknown variable SUBMISSION for make grade; make grade takes SUBMISSIONS ONLY "
                                    "TIME_LIMIT WALL_LIMIT JOBS PYTHON;"),
    (["mutants", "NAME=sigmoid_sign"], "unknown variable NAME for make mutants; make mutants takes ONLY JOBS PYTHON;"),
    (["setup", "PYTHONN=python3.12"], "unknown variable PYTHONN for make setup; make setup takes PYTHON; see `make "
                                      "help`."),
    (["release", "DEST=x", "WITH_SOLUTIONS=yes"], "WITH_SOLUTIONS takes the value 1 (make release DEST=dir "
                                                  "WITH_SOLUTIONS=1), got WITH_SOLUTIONS=yes"),
    (["train", "RESUME=0"], "RESUME and QUIET take the value 1 (make train RESUME=1), got RESUME=0.  Stop."),
], ids=["TASK", "EPOCH", "RESUMES", "PRT", "NAME-for-exercises", "SUBMISSION", "NAME-for-mutants", "PYTHONN-for-setup",
        "WITH_SOLUTIONS-yes", "RESUME-0"])
def test_a_misspelt_variable_stops_make_with_one_line_naming_the_valid_ones(project, args, message):
    assert_make_stopped_in_one_line(make(project, *args), message)


@pytest.mark.parametrize("args, goal", [(["trian", "EPOCHS=1"], "trian"), (["TRAIN", "TASKS=binary"], "TRAIN"),
                                        (["help", "tarin"], "tarin")], ids=["trian", "TRAIN", "tarin-after-help"])
def test_a_misspelt_target_is_named_with_the_targets_not_taken_for_a_misspelt_variable(project, args, goal):
    # the goal was checked for its variables only: "unknown variable EPOCHS for make trian; make trian takes PYTHON"
    done = make(project, *args)
    assert_make_stopped_in_one_line(done, f"make {goal}: no such target; the targets are help setup train test ")
    assert "unknown variable" not in done.stderr


def test_a_test_run_by_make_train_test_with_variables_does_not_pass_them_to_the_makes_it_starts(project, monkeypatch):
    # make train test EPOCHS=1 TASKS=binary exports EPOCHS and TASKS to pytest: every make a test started took them for
    # the learner's (make train ran with --epochs 1 --tasks binary) and four tests of this file failed
    monkeypatch.setenv("MAKEFLAGS", " -- EPOCHS=1 TASKS=binary LOGDIR=runs\\ b")
    for name, value in {"EPOCHS": "1", "TASKS": "binary", "LOGDIR": "runs b"}.items():
        monkeypatch.setenv(name, value)
    done = make(project, "train")
    # on stdout either way since the Makefile ignores what the shell exports: the line saying so is on stderr
    assert (done.stdout, done.stderr) == (".venv/bin/python -m keras_models.train --via-make\n", ""), done


# A variable a target takes, exported by the learner's shell (export EPOCHS=0 once; a cloud IDE's PORT; WSL's NAME, the
# machine's name): make read it as if typed, and the program refused it ("EPOCHS must be a whole number >= 1, got '0'",
# "no exercise called 'DESKTOP-1'") or ran with it (TASKS=binary trained one task, WITH_SOLUTIONS=1 put the solutions
# into a learner copy) with no word that it came from the shell. make takes them from its command line only, and says
# in one line on stderr which it ignored.
NOTE = "Makefile:{line}: make {goals} ignores {ignored} from your shell's environment: it takes its variables on " \
       "the command line only (unset {names} to stop this line)"


def ignored_note(project: Path, goals: str, environment: dict[str, str]) -> str:
    """The line make prints for the variables in `environment` that `goals` take (sorted by name), at the line of the
    Makefile that prints it."""
    line = line_of((project / "Makefile").read_text(), "ignores $(")
    names = sorted(environment)
    return NOTE.format(line=line, goals=goals, ignored=" ".join(f"{name}={environment[name]}" for name in names),
                       names=" ".join(names))


@pytest.mark.parametrize("args, environment, command", [
    (["train"], {"EPOCHS": "0"}, ".venv/bin/python -m keras_models.train --via-make"),
    (["train"], {"TASKS": "binary"}, ".venv/bin/python -m keras_models.train --via-make"),     # a good value too
    (["train"], {"TASKS": "bogus", "LR": "x", "DEVICES": "0", "LOGDIR": "/proc/x", "QUIET": "1", "RESUME": "1"},
     ".venv/bin/python -m keras_models.train --via-make"),
    (["tensorboard"], {"PORT": "1", "LOGDIR": "runs"},
     ".venv/bin/python -m keras_models.train.board_server --via-make --logdir logs --port 6006"),
    (["lessons"], {"LOGDIR": "/proc/x"}, ".venv/bin/python -m keras_models.course.lessons --via-make"),
    (["lab"], {"PORT": "abc"}, ".venv/bin/python -m keras_models.course.jupyter.lab --via-make --write-notebooks"),
    (["exercises"], {"ONLY": "ex99"}, ".venv/bin/python -m keras_models.course.exercises.grade --via-make"),
    (["release", "DEST=copy"], {"WITH_SOLUTIONS": "1"},     # an instructor's old export: the solutions in the copy
     ".venv/bin/python -m keras_models.course.instructor.release --via-make -- copy"),
    (["grade", "SUBMISSIONS=class"], {"JOBS": "0", "TIME_LIMIT": "-1", "WALL_LIMIT": "x", "ONLY": "ex99"},
     ".venv/bin/python -m keras_models.course.instructor.grade_class --via-make -- class"),
    (["mutants"], {"ONLY": "x", "JOBS": "0"}, ".venv/bin/python tests/mutation/run.py --via-make"),
], ids=["train-EPOCHS", "train-TASKS-good", "train-all", "tensorboard", "lessons", "lab", "exercises",
        "release-WITH_SOLUTIONS", "grade", "mutants"])
def test_a_variable_exported_by_the_shell_is_ignored_with_one_line_saying_so(project, args, environment, command):
    done = make(project, *args, **environment)
    assert (done.returncode, done.stdout.strip()) == (0, command), done.stderr
    assert done.stderr.splitlines() == [ignored_note(project, args[0], environment)]


@pytest.mark.parametrize("args, environment, usage", [
    (["exercise-reset"], {"NAME": "DESKTOP-1"}, "usage: make exercise-reset NAME=ex03"),        # WSL exports NAME
    (["exercise-run"], {"NAME": "ex99"}, "usage: make exercise-run NAME=ex03"),
    (["release"], {"DEST": "/proc/x"}, "usage: make release DEST=dir [WITH_SOLUTIONS=1]"),
    (["grade"], {"SUBMISSIONS": "/nope"}, "usage: make grade SUBMISSIONS=dir "),
], ids=["exercise-reset", "exercise-run", "release", "grade"])
def test_a_required_variable_exported_by_the_shell_is_ignored_and_its_usage_printed(project, args, environment,
                                                                                    usage):
    done = make(project, *args, **environment)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    note, said, _ = done.stderr.splitlines()                       # the last: make's "*** [...] Error 2"
    assert (note, said[:len(usage)]) == (ignored_note(project, args[0], environment), usage)


def test_an_upgrade_exported_by_the_shell_does_not_upgrade_every_pin(bare):
    with_pythons(bare, python3="3.11.7")
    assert make(bare, "setup").returncode == 0
    done = make(bare, "lock", UPGRADE="1")
    assert done.returncode == 0, done.stderr
    assert "--quiet -o .venv/lock.txt" in done.stdout and "--upgrade" not in done.stdout, done.stdout
    assert done.stderr.splitlines() == [ignored_note(bare, "lock", {"UPGRADE": "1"})]


@pytest.mark.parametrize("args, environment, command", [
    (["train", "EPOCHS=2"], {"EPOCHS": "0"}, ".venv/bin/python -m keras_models.train --via-make --epochs 2"),
    (["lessons"], {"EPOCHS": "0", "PORT": "1", "NAME": "x"},     # variables make lessons does not take: no line
     ".venv/bin/python -m keras_models.course.lessons --via-make"),
], ids=["the-command-line-wins", "not-taken-by-the-goal"])
def test_a_variable_exported_by_the_shell_is_said_only_where_the_goal_would_have_taken_it(project, args, environment,
                                                                                          command):
    done = make(project, *args, **environment)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, command, "")


@pytest.mark.parametrize("environment", [{"QUIET": "true"}, {"RESUME": "0"}, {"WITH_SOLUTIONS": "yes"},
                                         {"UPGRADE": "yes"}])
def test_a_flag_exported_by_the_shell_no_longer_stops_every_target(project, environment):
    # a shell that exports QUIET=true: make stopped even make help ("RESUME and QUIET take the value 1 ..., got
    # QUIET=true (from your shell's environment: unset QUIET)"); it is ignored now, as every variable from there is
    os.symlink(shutil.which("awk"), project.parent / "bin" / "awk")
    done = make(project, "help", **environment)
    assert (done.returncode, done.stdout.splitlines()[0], done.stderr) == (0, "Inside the network -- make targets:",
                                                                           "")


@pytest.mark.parametrize("version, refusal", [
    ("3.10.13", "is Python 3.10.13; this project needs Python 3.11, 3.12 or 3.13"),
    (None, "does not run (not installed, or a pyenv shim for a version pyenv has not selected: PYENV_VERSION=3.12.1 "
           "make ... selects one); this project needs Python 3.11, 3.12 or 3.13"),
], ids=["too-old", "does-not-run"])
def test_python_from_the_shell_still_chooses_the_python_and_its_refusal_says_where_it_came_from(bare, version,
                                                                                                refusal):
    # PYTHON is the one variable make takes from the environment too, as README says (node-gyp's users export it)
    python = stand_in(bare.parent / "elsewhere" / "python", version)
    done = make(bare, "setup", PYTHON=str(python))
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.splitlines()[0] == (f"error: PYTHON={python} {refusal} (PYTHON came from your shell's "
                                           "environment: unset PYTHON, and make chooses one itself)")
    fits = stand_in(bare.parent / "elsewhere" / "python3", "3.12.3")
    done = make(bare, "setup", PYTHON=str(fits))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"setting up .venv with {fits}, Python 3.12.3 (/usr) (about a minute, 2.3 GB)"


def test_make_help_fits_an_80_column_terminal_each_description_wrapped_under_its_column(project):
    # one line per target ran to 172 columns: in an 80-column terminal every description wrapped back to the left
    # edge, under the target names
    os.symlink(shutil.which("awk"), project.parent / "bin" / "awk")
    listed = make(project, "help").stdout.splitlines()
    assert len(listed) > 20, listed
    assert max(len(line) for line in listed) <= 80, max(listed, key=len)
    described, target = {}, None
    for line in listed[1:]:
        if line.startswith("  make "):
            target = line[7:27].strip()
        else:
            assert line[:28].isspace(), line                                # a description's next line
        assert line[27] == " " and line[28] != " ", line                   # the description's column: 29
        described[target] = (described.get(target, "") + " " + line[28:]).strip()
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    assert described == dict(re.findall(r"^([a-z-]+):.*## (.*)$", makefile, re.MULTILINE))


@pytest.mark.parametrize("copy", ["whole project", "learner copy"])
def test_make_help_into_a_reader_that_stops_early_ends_quietly(project, copy):
    """`make help | head -1`: head leaves after one line, the recipe's awk (or echo) then dies of SIGPIPE, and make
    said "make: *** [Makefile:30: help] Error 141" under the line asked for and exited with 2."""
    if copy == "learner copy":
        (project / "tests").rmdir()                    # make release's copy: its help ends with one more echo
    os.symlink(shutil.which("head"), project.parent / "bin" / "head")
    # awk writes only once the reader has gone (closed its end of the pipe): without that wait, a head slower than
    # make (a busy machine) read everything, nothing died of SIGPIPE, and the test passed without the Makefile's fix
    gone = project.parent / "reader-gone"
    awk = project.parent / "bin" / "awk"
    awk.write_text(f'#!/bin/sh\nwhile [ ! -e "{gone}" ]; do "{shutil.which("sleep")}" 0.01; done\n'
                   f'exec "{shutil.which("awk")}" "$@"\n')
    awk.chmod(0o755)
    command = (f'{{ "{MAKE}" --no-print-directory help; echo "make: $?" >&2; }} '     # make's status on stderr
               f'| {{ head -1; exec <&-; : > "{gone}"; }}')
    done = subprocess.run(["/bin/sh", "-c", command], cwd=project, capture_output=True, text=True, timeout=60,
                          env=make_environment(PATH=str(project.parent / "bin")))
    assert done.stderr == "make: 0\n"                   # make's exit status, and nothing else on stderr
    assert done.stdout == "Inside the network -- make targets:\n"


def assert_make_stopped_in_one_line(done: subprocess.CompletedProcess, message: str) -> None:
    assert done.returncode == 2
    assert done.stdout == ""                                   # nothing ran
    (line,) = done.stderr.splitlines()
    assert line.startswith("Makefile:") and message in line, line


def programs_make_runs() -> list[str]:
    """The targets whose recipe runs a program of the project with the .venv's Python (not the set-up's own, nor make
    clean's look at the run locks: a few milliseconds, over before a signal could matter)."""
    targets, target = [], None
    for line in (ROOT / "Makefile").read_text().splitlines():
        if rule := re.match(r"([a-z][a-z-]*):(?!=)", line):
            target = rule[1]
        elif not line.startswith("\t"):                                   # the recipe, if any, has ended
            target = None
        elif line.startswith("\t") and "$(PY) " in line and target not in (None, "setup", "clean", *targets):
            targets.append(target)
    return targets


def test_the_sigterm_test_below_runs_for_every_target_that_runs_a_program():
    """Read from the Makefile, the list is checked against one written out here: a list that came out empty would
    not fail test_sigterm_to_make_alone_reaches_the_program_it_runs, pytest would skip it (an empty parameter set)."""
    assert programs_make_runs() == ["train", "test", "test-browser", "lock-check", "tensorboard", "lessons", "course",
                                    "exercises", "exercise-run", "exercise-reset", "exercises-solutions", "notebooks",
                                    "lab", "release", "grade", "bench", "mutants"]


# A stand-in .venv Python whose program runs until SIGTERM reaches it, and writes down that it did
RUNS_UNTIL_SIGTERM = PYTHON_SCRIPT.replace(
    '    *) echo "$0 $*" ;;',
    '    *) trap \'echo "SIGTERM reached $*" >> "$MARK"; exit 143\' TERM; echo "running $*" >> "$MARK"\n'
    '       while :; do sleep 0.05; done ;;')
NEEDED = {"exercise-run": ["NAME=ex01"], "exercise-reset": ["NAME=ex01"], "release": ["DEST=copy"],
          "grade": ["SUBMISSIONS=class"]}
BROWSER = {"CHROMIUM": "/bin/sh", "CHROMEDRIVER": "/bin/sh"}         # for make test-browser: both found


@pytest.mark.parametrize("target", programs_make_runs())
def test_sigterm_to_make_alone_reaches_the_program_it_runs(project, target, tmp_path):
    """`kill <make's pid>` (a script, or a CI runner that signals make alone): make passes SIGTERM on to the
    program, which stops as it does on Ctrl-C. With a shell left in between, the shell got it and the program
    kept running, orphaned: make lab's server kept serving, make grade kept grading."""
    import signal

    python = project / ".venv" / "bin" / "python"
    python.write_text(RUNS_UNTIL_SIGTERM.format(version="3.11.7", prefix="/usr"))
    mark = tmp_path / "mark"
    process = subprocess.Popen([MAKE, "--no-print-directory", target, *NEEDED.get(target, [])], cwd=project,
                               env=make_environment(**BROWSER, PATH=str(project.parent / "bin"), MARK=str(mark)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert the_stand_in_started(mark), f"make {target} never started its program"
        process.send_signal(signal.SIGTERM)                                 # make's pid, not its process group
        process.wait(timeout=hang_guard(30)[0])
        the_mark_says(mark, "SIGTERM reached")                              # (its trap runs once a sleep ends)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)                      # what a failure left running: its group
        process.wait()


@pytest.mark.parametrize("goal", ["train", "clean", "setup", "help"])
def test_make_f_from_another_folder_stops_in_one_line_before_making_or_removing_anything_there(project, tmp_path, goal):
    # make -f <project>/Makefile from another folder (an editor's make tool run from its workspace) ran every recipe
    # there: setup built a .venv in that folder, then failed on a missing constraints.txt ("uv cannot be installed
    # here"), make clean emptied that folder's own logs/, make help listed the targets of a learner copy
    elsewhere = tmp_path / "workspace"
    (elsewhere / "logs").mkdir(parents=True)
    (elsewhere / "logs" / "mine.txt").write_text("not the project's\n")
    done = make(elsewhere, "-f", str(project / "Makefile"), goal)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    (line,) = done.stderr.splitlines()
    assert f"run make in the project's folder, {project}, not in {elsewhere}: make -C {project} {goal}" in line, line
    assert sorted(p.relative_to(elsewhere) for p in elsewhere.rglob("*")) == [Path("logs"), Path("logs/mine.txt")]


@pytest.mark.parametrize("how", ["-C", "-f relative", "-f absolute"])
def test_make_run_for_the_project_folder_in_any_of_makes_ways_still_runs(project, tmp_path, how):
    folder = tmp_path / "my course"                    # a space in its path: make splits its list of makefiles there
    project.rename(folder)
    stand_in(folder / ".venv" / "bin" / "python", "3.11.7")      # its .venv moves with it, in this stand-in
    args = {"-C": ["-C", str(folder)], "-f relative": ["-f", "Makefile"],
            "-f absolute": ["-f", str(folder / "Makefile")]}[how]
    done = make(tmp_path if how == "-C" else folder, *args, "train", "EPOCHS=1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(".venv/bin/python -m keras_models.train --via-make --epochs 1\n"), done.stdout


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
    assert done.stdout == ("removed logs/ (your exercise versions in logs/exercises/backup/ are kept) and the test "
                           "caches\n")                                   # one line, not make's recipe


def test_the_backups_make_clean_keeps_are_where_exercise_reset_and_make_notebooks_put_them():
    """make exercise-reset (reset.py) and make notebooks (build.py) each name the folder they keep a learner's
    replaced version in; make clean keeps logs/exercises/backup/ by name. A backup folder moved in one of them
    alone would be emptied by the next make clean, and the tests of each give it a temporary folder."""
    from keras_models.course.exercises import reset
    from keras_models.course.jupyter import build

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for backup_dir in (reset.BACKUP_DIR, build.BACKUP_DIR):
        kept = backup_dir.relative_to(ROOT).as_posix()
        assert f"! -path {kept} " in makefile and f"! -path '{kept}/*'" in makefile, kept


# find where the user may not delete what another user (sudo make train) wrote in logs/: a line per entry, exit status 1
DENIED_FIND = """#!/bin/sh
for name in run.json binary/keras/checkpoint.npz binary; do
    echo "find: cannot delete 'logs/2026-11-23_01-31-51/$name': Permission denied" >&2
done
exit 1
"""


def test_make_clean_that_cannot_remove_everything_in_logs_says_so_in_one_line(project):
    """A run written by `sudo make train` (root's files), then make clean as oneself: find printed one line per file
    it could not delete -- a run's event files and checkpoints, dozens -- then make's "Error 1"."""
    find = project.parent / "bin" / "find"
    find.unlink()
    find.write_text(DENIED_FIND)
    find.chmod(0o755)
    done = make(project, "clean")
    assert done.returncode == 2 and done.stdout == ""
    message, make_says = done.stderr.splitlines()
    assert message == ("error: make clean removed what it could, but not all of logs/: find: cannot delete "
                       "'logs/2026-11-23_01-31-51/run.json': Permission denied (lines from find: 3): if another user "
                       "wrote them (sudo make ...), remove them with sudo rm -rf, then make clean")
    assert make_says.startswith("make: *** [Makefile:")


def test_make_clean_refuses_while_a_make_train_writes_a_run_and_removes_nothing(project):
    """make clean deleted a running run's run.json, checkpoints and event files; the run went on into files no
    longer there and ended with a run.json that RESUME=1 called damaged."""
    (project / ".venv" / "bin" / "python").write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" "$@"\n')
    run_dir = project / "logs" / "mine" / "2026-11-23_01-31-51"          # LOGDIR=logs/mine: found at any depth
    checkpoint = run_dir / "binary" / "keras" / "checkpoint.npz"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_text("x")
    with open(run_dir / "run.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)                                 # as the make train writing the run holds it
        refused = make(project, "clean")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.splitlines()[0] == ("error: make train is writing logs/mine/2026-11-23_01-31-51 right now: "
                                              "stop it (Ctrl-C) or let it end, then make clean again (nothing was "
                                              "removed)")
    assert checkpoint.read_text() == "x"
    done = make(project, "clean")                                        # the run ended: its lock is free
    assert done.returncode == 0, done.stderr
    assert not run_dir.exists()


# -- which Python builds .venv -------------------------------------------------------------------------------
def installer_said(project: Path) -> str:
    """What the installers (pip, uv) printed during the last set-up: the Makefile keeps it in .venv/setup.log."""
    return (project / ".venv" / "setup.log").read_text()


def venv_python_version(project: Path) -> str:
    return subprocess.run([project / ".venv" / "bin" / "python", "--version"], capture_output=True,
                          text=True).stdout.strip()


@pytest.mark.parametrize("pythons, chosen", [
    ({"python3_13": None, "python3_12": None, "python3_11": "3.11.7", "python3": "3.11.7"}, "python3_11"),
    ({"python3_13": "3.10.13", "python3_11": "3.11.2"}, "python3_11"),
    ({"python3_13": "3.13.0", "python3_12": "3.12.3", "python3": "3.12.3"}, "python3_13"),
    ({"python3": "3.12.3"}, "python3"),
], ids=["pyenv-shims-that-refuse-are-skipped", "a-too-old-one-is-skipped", "the-newest-wins", "python3-alone"])
def test_setup_takes_the_newest_supported_python_that_runs(bare, pythons, chosen):
    with_pythons(bare, **pythons)
    done = make(bare, "setup")
    assert done.returncode == 0, done.stderr
    version, name = pythons[chosen], chosen.replace("_", ".")
    assert f"setting up .venv with {name}, Python {version} (/opt/{chosen})" in done.stdout
    assert "uv pip install --compile-bytecode --python .venv/bin/python -c constraints.txt -e .[dev]" \
        in installer_said(bare)                                         # installed with uv, from the lock
    assert ".venv/bin/python -m keras_models.course.exercises.grade --write-missing" in done.stdout
    assert (bare / ".venv" / ".installed").read_text() == f"{version} /opt/{chosen}\n" + sums(bare)
    assert venv_python_version(bare) == f"Python {version}"
    assert done.stdout.splitlines()[-1] == f"ready: .venv, Python {version}"


def test_with_no_supported_python_setup_names_the_versions_and_how_to_get_one(bare):
    with_pythons(bare, python3_13=None, python3_12=None, python3="3.10.12")
    done = make(bare, "setup")
    assert done.returncode == 2
    message, make_says = done.stderr.splitlines()
    assert message.startswith("error: no Python 3.11, 3.12 or 3.13 runs here (tried python3.13, python3.12, "
                              "python3.11, python3 is Python 3.10.12: "), message
    for how in ("Ubuntu 24.04: sudo apt install python3.12 python3.12-venv",
                "Debian 13: sudo apt install python3.13 python3.13-venv", "pyenv install 3.12",
                "make setup PYTHON=/path/to/python3.12"):
        assert how in message
    assert make_says.startswith("make: *** [Makefile:")
    assert not (bare / ".venv").exists()


@pytest.mark.parametrize("version, message", [
    ("3.10.13", "error: PYTHON={python} is Python 3.10.13; this project needs Python 3.11, 3.12 or 3.13"),
    ("3.14.0", "error: PYTHON={python} is Python 3.14.0; this project needs Python 3.11, 3.12 or 3.13"),
    (None, "error: PYTHON={python} does not run (not installed, or a pyenv shim for a version pyenv has not "
           "selected: PYENV_VERSION=3.12.1 make ... selects one); this project needs Python 3.11, 3.12 or 3.13"),
], ids=["too-old", "too-new", "a-shim-that-refuses"])
def test_a_python_given_that_does_not_fit_is_refused_with_one_line(bare, version, message):
    with_pythons(bare, python3_12="3.12.3")
    python = stand_in(bare.parent / "elsewhere" / "python", version)
    done = make(bare, "setup", f"PYTHON={python}")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 2, lines                                   # the one line, then make's own "Error 1"
    assert lines[0] == message.format(python=python)
    assert lines[1].startswith("make: *** [Makefile:"), lines[1]
    assert done.stdout == "" and not (bare / ".venv").exists()


def test_a_python_given_in_a_folder_with_a_dollar_and_quotes_is_that_python(bare):
    python = stand_in(bare.parent / "my $x 'py'" / "python", "3.12.3")     # make read it as "my  'py'"
    done = make(bare, "setup", f"PYTHON={python}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"setting up .venv with {python}, Python 3.12.3 (/usr) (about a minute, " \
                                          "2.3 GB)"


def test_a_venv_of_another_python_is_rebuilt_with_a_line_saying_why(bare):
    with_pythons(bare, python3_11="3.11.7", python3_12="3.12.1")
    assert make(bare, "setup", "PYTHON=python3.11").returncode == 0
    again = make(bare, "setup", "PYTHON=python3.11")                    # the same Python: nothing to do
    assert again.stdout == "ready: .venv, Python 3.11.7\n"
    done = make(bare, "setup", "PYTHON=python3.12")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("rebuilding .venv with Python 3.12.1 (/opt/python3_12): it was built "
                                           "with Python 3.11.7 (/opt/python3_11)")
    assert venv_python_version(bare) == "Python 3.12.1"
    kept = make(bare, "setup")                       # without PYTHON=, .venv keeps its Python while that runs
    assert kept.stdout == "ready: .venv, Python 3.12.1\n"


@pytest.mark.parametrize("now, why", [
    ("3.12.9", "the Python it was built with, 3.12.1 (/opt/python3_12), is now Python 3.12.9 (/opt/python3_12)"),
    (None, "the Python it was built with, 3.12.1 (/opt/python3_12), no longer runs"),
], ids=["upgraded-in-place", "removed"])
def test_a_venv_whose_own_python_changed_is_rebuilt_with_the_newest(bare, now, why):
    path = with_pythons(bare, python3_12="3.12.1", python3_11="3.11.7")
    assert make(bare, "setup").returncode == 0
    stand_in(bare / ".venv" / "bin" / "python", now, prefix="/opt/python3_12")
    (path / "python3.12").unlink()
    done = make(bare, "setup")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"rebuilding .venv with Python 3.11.7 (/opt/python3_11): {why}"
    assert venv_python_version(bare) == "Python 3.11.7"


def test_a_venv_whose_python_does_not_run_is_rebuilt_though_its_stamp_names_a_python_found_here(bare):
    """A .venv/bin/python that does not run (deleted, or a link to the learner's machine committed with .venv and
    checked out by GitHub Classroom) beside a stamp naming a Python this machine has: .venv was kept, and the set-up
    ended with "eval: .venv/bin/python: not found" (or said "ready" with no Python)."""
    with_pythons(bare, python3_11="3.11.7")
    assert make(bare, "setup").returncode == 0
    (bare / ".venv" / "bin" / "python").unlink()
    (bare / ".venv" / "bin" / "python").symlink_to("/home/learner/.pyenv/versions/3.11.7/bin/python3.11")
    done = make(bare, "setup")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "rebuilding .venv with Python 3.11.7 (/opt/python3_11): its Python no " \
                                          "longer runs"
    assert venv_python_version(bare) == "Python 3.11.7"


def test_a_venv_made_in_another_folder_is_rebuilt_and_one_made_here_is_kept(bare):
    """A project folder moved or renamed (mv repo repo2) keeps a .venv whose editable install and scripts name the
    old folder: make said "ready", and make lab's kernel died at every start. `venv` records the folder it
    made the .venv in as the last word of pyvenv.cfg's command line."""
    python = with_pythons(bare, python3_11="3.11.7") / "python3.11"
    assert make(bare, "setup").returncode == 0
    config = bare / ".venv" / "pyvenv.cfg"
    config.write_text(f"home = {python.parent}\ncommand = {python} -m venv {bare.resolve()}/.venv\n")
    assert make(bare, "setup").stdout == "ready: .venv, Python 3.11.7\n"                  # made here: kept
    config.write_text(f"home = {python.parent}\ncommand = {python} -m venv /home/me/old/.venv\n")
    done = make(bare, "setup")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("rebuilding .venv with Python 3.11.7 (/opt/python3_11): it was made in "
                                           "/home/me/old, and a .venv does not move with its folder")
    assert done.stdout.splitlines()[1].startswith(f"setting up .venv with {python}, Python 3.11.7 ")
    assert not config.exists()                                      # the stand-in's venv writes none: made again


def test_a_set_up_that_stopped_half_way_is_rebuilt(bare):
    with_pythons(bare, python3_11="3.11.7")
    failed = make(bare, "setup", FAIL_UV="1")                           # the download broke off, say
    assert failed.returncode == 2 and (bare / ".venv").is_dir() and not (bare / ".venv" / ".installed").exists()
    done = make(bare, "setup")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "rebuilding .venv with Python 3.11.7 (/opt/python3_11): its set-up stopped half way",
        "setting up .venv with python3.11, Python 3.11.7 (/opt/python3_11) (about a minute, 2.3 GB)"]


def test_each_classroom_test_after_a_failed_first_set_up_sets_up_again_not_grades_on_a_half_built_venv(bare):
    """GitHub Classroom runs each test's `setup`, then its `run`, in one workspace. The first test's make setup
    failing (the package index unreachable) left a half-built .venv, and the later tests, with no set-up of their
    own, ran .venv/bin/python on it: "ModuleNotFoundError: No module named 'numpy'", once per exercise. Each test's
    set-up is make setup, which builds the half-built .venv again (here the index is back by the second test)."""
    from keras_models.course.exercises.graders import EXERCISES
    from keras_models.course.instructor import classroom

    with_pythons(bare, python3_11="3.11.7")
    first, *later = classroom.autograding()["tests"]
    assert [(t["name"].split()[0], t["points"]) for t in [first, *later]] == [(e.name, e.points) for e in EXERCISES]
    assert later                                          # a later test, to find the half-built .venv
    assert make(bare, *shlex.split(first["setup"])[1:], FAIL_UV="1").returncode == 2      # the download broke off
    assert not (bare / ".venv" / ".installed").exists()
    for number, test in enumerate(later):
        setup = shlex.split(test["setup"])
        assert setup[:1] == ["make"], f"{test['name']}: its set-up is {test['setup']!r}; .venv may be half-built"
        done = make(bare, *setup[1:])
        assert done.returncode == 0 and (bare / ".venv" / ".installed").exists(), done.stderr
        rebuilt = "rebuilding .venv with Python 3.11.7 (/opt/python3_11): its set-up stopped half way"
        assert (rebuilt in done.stdout.splitlines()) == (number == 0), done.stdout       # the second test's only


# rm where the user may not remove a file of .venv: a .venv made by another user (sudo make setup once)
DENIED_RM = """#!/bin/sh
for name in python3 python uv; do echo "rm: cannot remove '.venv/bin/$name': Permission denied" >&2; done
exit 1
"""


@pytest.mark.parametrize("change, verb", [("another-python", "rebuilt"), ("a-changed-lock", "installed into again")])
def test_a_venv_this_user_may_not_change_stops_in_one_line_naming_it_and_what_to_do(bare, change, verb):
    """After a sudo make setup, make as oneself rebuilt or reinstalled the root-owned .venv: rm printed one line per
    file it could not remove (47,000 of them), then make's "Error 1"."""
    with_pythons(bare, python3_11="3.11.7", python3_12="3.12.1")
    assert make(bare, "setup", "PYTHON=python3.11").returncode == 0
    rm = bare.parent / "bin" / "rm"
    rm.unlink()
    rm.write_text(DENIED_RM)
    rm.chmod(0o755)
    if change == "a-changed-lock":
        change_the_lock(bare)
    done = make(bare, "setup", *(["PYTHON=python3.12"] if change == "another-python" else []))
    assert done.returncode == 2
    message, make_says = done.stderr.splitlines()
    assert message == (f"error: .venv cannot be {verb}: rm: cannot remove '.venv/bin/python3': Permission denied "
                       "(another user made it? sudo make setup does): remove it with sudo rm -rf .venv, then make "
                       "setup")
    assert make_says.startswith("make: *** [Makefile:")


@pytest.mark.skipif(shutil.which("flock") is None, reason="needs flock(1), as the Makefile does")
def test_a_second_make_while_one_sets_up_venv_waits_for_it_instead_of_building_it_too(bare):
    """Two make setups at once on a fresh clone (or make train in one terminal, make lab in another) built one .venv
    together: both said "setting up .venv", and one failed with ".venv/bin/uv: Text file busy"."""
    with_pythons(bare, python3_11="3.11.7")
    first = subprocess.Popen([MAKE, "--no-print-directory", "setup"], cwd=bare, stdout=subprocess.PIPE, text=True,
                             env=make_environment(PATH=str(bare.parent / "bin"), SLOW_VENV="0.5"))
    try:
        assert first.stdout.readline().startswith("setting up .venv with python3.11")     # and now making it
        second = make(bare, "setup", SLOW_VENV="0.5")
        rest = first.communicate(timeout=30)[0]
    finally:
        first.kill()
        first.wait()
    assert first.returncode == 0 and rest.splitlines()[-1] == "ready: .venv, Python 3.11.7"
    assert (second.returncode, second.stdout) == (0, "ready: .venv, Python 3.11.7\n"), second.stderr


def test_pip_installs_the_lock_when_uv_cannot_be_had(bare):
    with_pythons(bare, python3="3.13.0")
    done = make(bare, "setup", NO_UV="1")
    assert done.returncode == 0, done.stderr
    assert "(uv cannot be installed here: installing with pip instead, which takes about twice as long)" in done.stdout
    assert "pip -m pip install --disable-pip-version-check -c constraints.txt -e .[dev]" in installer_said(bare)
    assert "uv pip" not in installer_said(bare)


# A .venv's Python whose pip (the `uv` it is asked for, or the lock) and uv say what they are given to say
INSTALLERS_PYTHON = """#!/bin/sh
case "$1 $2 $*" in
    "-c "*) echo "3.11.7 /usr" ;;
    *" uv") {pip_uv} ;;
    "-m pip"*) {pip} ;;
    *) echo "$0 $*" ;;
esac
"""
PIP_OFFLINE = ("echo 'Looking in indexes: http://mirror.example/simple'; echo \"WARNING: Retrying (Retry(total=0)) "
               "after connection broken by 'NewConnectionError(...: Failed to establish a new connection: [Errno 111] "
               "Connection refused')': /simple/uv/\"; echo 'ERROR: Cannot install uv because these package versions "
               "have conflicting dependencies.'; echo 'ERROR: ResolutionImpossible: for help visit ...' >&2; exit 1")
UV_OFFLINE = ("echo 'error: Request failed after 3 retries in 4.8s' >&2; echo '  cause: Failed to fetch: "
              "https://pypi.org/simple/nbclient/' >&2; exit 2")
UV_NO_SOLUTION = ("echo '  x No solution found when resolving dependencies:' >&2; echo '  `-> Because numpy==2.4.6 has "
                  "no wheels with a matching Python ABI tag, we can conclude that your requirements are "
                  "unsatisfiable.' >&2; exit 1")
FAILED = "error: installing the packages failed (the installer's last words above, all of them in .venv/setup.log)"
# uv failing after 30 lines of its own: the last 20 are shown
UV_LONG = "for i in $(seq 1 30); do echo \"  line $i\" >&2; done; exit 1"
# pip installed uv after one retry (a connection dropped once): uv's own failure that follows is not the network's
PIP_RETRIED = ("echo \"WARNING: Retrying (Retry(total=4)) after connection broken by 'ProtocolError(...)': "
               "/simple/uv/\"; exit 0")
OFFLINE = ("error: the packages could not be downloaded: no connection to the package index ({index}). Check the "
           "network (and a proxy: HTTPS_PROXY), then make setup again; what the installer said is in .venv/setup.log")


def stand_in_installers(project: Path, uv: str, pip_uv: str = "exit 0") -> None:
    """The .venv's python and uv made stand-ins (INSTALLERS_PYTHON: pip installing uv runs `pip_uv`; uv is the script
    `uv`), and the lock changed, so that make setup installs again, with them."""
    venv = project / ".venv" / "bin"
    (venv / "python").write_text(INSTALLERS_PYTHON.format(pip_uv=pip_uv, pip="exit 1"))
    (venv / "uv").write_text(uv)
    (venv / "uv").chmod(0o755)
    change_the_lock(project)


def the_stand_in_started(mark: Path, process: subprocess.Popen | None = None) -> bool:
    """Whether the stand-in program wrote "running ARGS" in `mark` as it started: waited for 30 s on a quiet machine,
    longer on a busy one (conftest's hang_guard), or until `process`, when given, has ended without it."""
    return waited_for(mark, lambda text: text != "", process)[0]


def the_mark_says(mark: Path, said: str) -> None:
    """The stand-in program wrote "running ARGS" in `mark` as it started, and then "<said> ARGS" at its SIGTERM (waited
    for 5 s on a quiet machine, longer on a busy one: conftest's hang_guard)."""
    waited_for(mark, lambda text: len(text.splitlines()) >= 2, seconds=5)
    (running, *after) = mark.read_text().splitlines()
    assert after == [f"{said} {running.removeprefix('running ')}"], mark.read_text()


@pytest.mark.parametrize("pip_uv, uv, says", [
    (PIP_OFFLINE, "exit 0", [OFFLINE.format(index="http://mirror.example")]),
    ("exit 0", UV_OFFLINE, [OFFLINE.format(index="https://pypi.org")]),
    ("exit 0", UV_NO_SOLUTION, ["$ .venv/bin/uv pip install --compile-bytecode --python .venv/bin/python -c "
                                "constraints.txt -e .[dev]", "  x No solution found when resolving dependencies:",
                                UV_NO_SOLUTION.split("'")[3],
                                FAILED]),
    (PIP_RETRIED, UV_NO_SOLUTION, ["$ .venv/bin/uv pip install --compile-bytecode --python .venv/bin/python -c "
                                   "constraints.txt -e .[dev]", "  x No solution found when resolving dependencies:",
                                   UV_NO_SOLUTION.split("'")[3],
                                   FAILED]),
    ("exit 0", UV_LONG, [f"  line {i}" for i in range(11, 31)] + [FAILED]),
], ids=["pip-cannot-reach-the-index", "uv-cannot-reach-the-index", "uv-finds-no-solution",
        "uv-finds-no-solution-after-pip-retried-once", "uv-says-thirty-lines"])
def test_an_index_out_of_reach_is_said_in_one_line_not_as_conflicting_dependencies(project, pip_uv, uv, says):
    """With no network (or a proxy, or the index down), make setup ended with pip's "Cannot install uv because these
    package versions have conflicting dependencies ... ResolutionImpossible": nothing conflicted, nothing could be
    downloaded. Any other failure of the installer is shown in its own words, then where all of them are kept."""
    stand_in_installers(project, f"#!/bin/sh\n{uv}\n", pip_uv=pip_uv)
    done = make(project, "setup")
    assert done.returncode == 2
    assert done.stdout.splitlines() == ["installing the pinned packages into .venv again (pyproject.toml or "
                                        "constraints.txt changed)"]
    assert done.stderr.splitlines()[:-1] == says
    assert done.stderr.splitlines()[-1].startswith("make: *** [Makefile:")


@pytest.mark.parametrize("environment, index", [
    ({}, "pypi"),
    ({"PIP_INDEX_URL": "https://mirror.example/simple"}, "https://mirror.example/simple"),
    ({"PIP_INDEX_URL": "https://mirror.example/simple", "UV_INDEX_URL": "https://uv.example/simple"},
     "https://uv.example/simple"),                                                  # the learner's uv setting kept
    ({"PIP_INDEX_URL": "https://mirror.example/simple", "UV_DEFAULT_INDEX": "https://uv.example/simple"},
     "https://uv.example/simple"),
], ids=["none", "pip-mirror", "uv-index-url-kept", "uv-default-index-kept"])
def test_uv_installs_from_the_mirror_pip_index_url_names(project, environment, index):
    """uv reads neither PIP_INDEX_URL nor pip.conf (docs.astral.sh/uv/pip/compatibility): behind a university's or a
    company's mirror, pip installed uv from it, then uv went to pypi.org, and make setup ended in "no connection to
    the package index (https://pypi.org)"."""
    python = project / ".venv" / "bin" / "python"
    uses = "uv index=${UV_DEFAULT_INDEX:-${UV_INDEX_URL:-pypi}}"                   # the index the stand-in uv would use
    python.write_text(python.read_text().replace("'echo \"uv $*\"'", f"'echo \"{uses}\"'"))
    change_the_lock(project)
    done = make(project, "setup", **environment)
    assert done.returncode == 0, done.stderr
    said = [line for line in (project / ".venv" / "setup.log").read_text().splitlines() if line.startswith("uv ")]
    assert said == [f"uv index={index}"]


# uv (or pip) building the editable install, whose setuptools may not write the inside_the_network.egg-info another
# user made (seen after sudo make setup, then sudo rm -rf .venv and make setup as the checkout's owner)
UV_EGG_INFO = ("echo 'error: Failed to build inside-the-network @ file:///home/ann/repo' >&2; "
               "for i in $(seq 1 8); do echo '  cause: ...' >&2; done; "
               "echo \"         error: Cannot update time stamp of directory 'inside_the_network.egg-info'\" >&2; "
               "exit 1")


def test_an_egg_info_another_user_made_is_said_in_one_line_with_what_to_do(project):
    """make setup's editable install stopped with the installer's last 20 lines and "installing the packages failed",
    when only the inside_the_network.egg-info a sudo make setup left was in the way."""
    stand_in_installers(project, f"#!/bin/sh\n{UV_EGG_INFO}\n")
    done = make(project, "setup")
    assert done.returncode == 2
    assert done.stderr.splitlines()[:-1] == [
        "error: inside_the_network.egg-info cannot be written (another user made it? sudo make setup does): remove it "
        "with sudo rm -rf inside_the_network.egg-info, then make setup"]
    assert not (project / ".venv" / ".installed").exists()           # set up again by the next make


# A stand-in uv that installs until a signal stops it, and writes down that one did
INSTALLS_UNTIL_STOPPED = """#!/bin/sh
trap 'echo "stopped $*" >> "$MARK"; exit 143' TERM INT
echo "running $*" >> "$MARK"
while :; do sleep 0.05; done
"""


def as_at_a_terminal():
    """Ctrl-C as a terminal delivers it: a suite started as a background job of a script (`nohup make test &`) hands
    its children SIGINT ignored, and make, ignoring it too, never stopped: the test waited out its 30 s and failed."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_signal_to_make_setup_stops_the_installer_too(project, signal_name, tmp_path):
    """SIGTERM to make alone (a Classroom timeout, a script's kill) reached the recipe's shell only: make stopped, and
    uv went on installing, orphaned, holding the set-up's lock. Ctrl-C (SIGINT to the whole process group) stops it
    as before."""
    import signal

    stand_in_installers(project, INSTALLS_UNTIL_STOPPED)
    mark = tmp_path / "mark"
    process = subprocess.Popen([MAKE, "--no-print-directory", "setup"], cwd=project,
                               env=make_environment(PATH=str(project.parent / "bin"), MARK=str(mark)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=as_at_a_terminal)
    try:
        assert the_stand_in_started(mark), "make setup never started its installer"
        if signal_name == "SIGTERM":
            process.send_signal(signal.SIGTERM)                             # make's pid, not its process group
        else:
            os.killpg(process.pid, signal.SIGINT)                           # Ctrl-C: the whole group
        assert process.wait(timeout=hang_guard(30)[0]) != 0
        the_mark_says(mark, "stopped")
        assert not (project / ".venv" / ".installed").exists()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)                      # what a failure left running: its group
        process.wait()


# A stand-in uv that sends the signal itself the moment it starts (SIGTERM to make alone, its parent's parent; SIGINT
# to its whole process group, as Ctrl-C does), then installs until a signal stops it, and writes down that one did (and
# its PID, in $MARK.pid)
SIGNALS_THEN_INSTALLS_UNTIL_STOPPED = """#!/bin/sh
trap 'echo "stopped $*" >> "$MARK"; exit 143' TERM
echo $$ > "$MARK.pid"
echo "running $*" >> "$MARK"
if [ "$SIGNAL" = TERM ]; then
    while read -r key make; do [ "$key" != PPid: ] || break; done < "/proc/$PPID/status"    # no fork: forks wait
    kill -s TERM "$make"
else kill -s INT 0; fi
while :; do sleep 0.05; done
"""
STRACE = shutil.which("strace")
# make setup's recipe shell forks ten times (its $(...)) before the fork of the installer, the eleventh: strace holds
# that one alone (each fork it holds costs 0.3 s: all eleven made the test 3.5 s long)
INSTALLERS_FORK = 11


@pytest.mark.skipif(STRACE is None or not Path("/proc/self/status").exists(), reason="needs strace(1) and /proc: Linux")
@pytest.mark.parametrize("signal_name", ["TERM", "INT"])
def test_a_signal_as_the_installer_starts_stops_it_too(project, signal_name, tmp_path):
    """The recipe's shell forks the installer, then records its PID: a signal that came in between ran the trap with
    no PID to stop, so make stopped and uv went on installing, orphaned (the test above failed once under load,
    probably so). That moment lasts microseconds; here strace holds the shell's fork (clone) of the installer 0.3 s
    before it returns in the parent, and the stand-in uv, running meanwhile, sends the signal: it lands there every
    time. strace's log says that the fork it held is the installer's: a recipe that forks more often before it fails
    here, instead of holding another fork and no longer testing that moment."""
    import signal

    stand_in_installers(project, SIGNALS_THEN_INSTALLS_UNTIL_STOPPED)
    mark = tmp_path / "mark"
    said = tmp_path / "strace.said"
    forks = tmp_path / "strace.log"
    # -o: strace itself blocks SIGINT and SIGTERM, so the signals reach make and its shells alone; when=: the count
    # is each process's own, so only the recipe shell's INSTALLERS_FORK-th fork is held
    with said.open("w") as err:
        process = subprocess.Popen([STRACE, "-f", "-qq", "-o", str(forks), "-e", "trace=clone",
                                    "-e", f"inject=clone:delay_exit=300000:when={INSTALLERS_FORK}", MAKE,
                                    "--no-print-directory", "setup"],
                                   cwd=project, stdout=subprocess.DEVNULL, stderr=err,
                                   env=make_environment(PATH=str(project.parent / "bin"), MARK=str(mark),
                                                        SIGNAL=signal_name),
                                   start_new_session=True, preexec_fn=as_at_a_terminal)
    try:
        started = the_stand_in_started(mark, process)
        if "ptrace" in said.read_text().lower():                        # a container that forbids it
            pytest.skip(f"strace cannot follow make here: {said.read_text().strip()}")
        assert started, f"make setup never started its installer: {said.read_text()}"
        the_mark_says(mark, "stopped")
        # strace ends with make's status once the last process it follows has ended
        assert process.wait(timeout=hang_guard(30)[0]) != 0, said.read_text()
        assert not (project / ".venv" / ".installed").exists()
        installer = (tmp_path / "mark.pid").read_text().strip()
        its_fork = [line for line in forks.read_text().splitlines()         # "<pid>  clone(...) = <child> ..."
                    if re.fullmatch(rf"\d+ +clone\(.*\) = {installer}( .*)?", line)]   # (a pid padded to 5)
        assert len(its_fork) == 1 and its_fork[0].endswith("(DELAYED)"), (
            f"strace did not hold the fork of the installer (pid {installer}): {its_fork}; change INSTALLERS_FORK "
            f"to the number of its fork among the recipe shell's in {forks.read_text()}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)                      # what a failure left running: its group
        process.wait()


def test_a_changed_lock_is_installed_again_into_the_same_venv(project):
    change_the_lock(project)
    done = make(project, "setup")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("installing the pinned packages into .venv again (pyproject.toml or "
                                           "constraints.txt changed)")
    assert "uv pip install" in installer_said(project) and "rebuilding" not in done.stdout
    assert (project / ".venv" / ".installed").read_text() == "3.11.7 /usr\n" + sums(project)


@pytest.mark.parametrize("dated", ["the-lock", "pyproject", "the-stamp"])
def test_a_file_dated_in_the_future_neither_reinstalls_every_time_nor_hides_a_changed_lock(project, dated):
    """By file times, a lock dated in the future (a ZIP unpacked across time zones, touch -d 2030-01-01) had every
    make install the packages again until that date, and a stamp dated in the future had a changed lock trusted."""
    future = 1_900_000_000                                                              # 2030
    path = {"the-lock": "constraints.txt", "pyproject": "pyproject.toml", "the-stamp": ".venv/.installed"}[dated]
    os.utime(project / path, (future, future))
    done = make(project, "setup")
    assert (done.returncode, done.stdout) == (0, "ready: .venv, Python 3.11.7\n"), done.stderr
    change_the_lock(project)
    os.utime(project / path, (future, future))
    done = make(project, "setup")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("installing the pinned packages into .venv again (pyproject.toml or "
                                           "constraints.txt changed)")


def test_the_bench_reads_the_stamp_make_setup_writes_as_make_does(bare):
    """make bench times make train only while .venv is up to date by the Makefile's rule (else make would install
    first, inside the time): keras_models/bench/processes.py reads the stamp this Makefile writes, and agrees with it
    whatever the files' dates."""
    from keras_models.bench import processes

    with_pythons(bare, python3_11="3.11.7")
    assert make(bare, "setup").returncode == 0
    os.utime(bare / "constraints.txt", (1_900_000_000,) * 2)                     # dated 2030
    assert processes.venv_up_to_date(bare)
    assert make(bare, "setup").stdout == "ready: .venv, Python 3.11.7\n"
    change_the_lock(bare)
    assert not processes.venv_up_to_date(bare)
    assert make(bare, "setup").stdout.startswith("installing the pinned packages into .venv again")
    assert processes.venv_up_to_date(bare)


def test_an_older_makefiles_empty_stamp_is_taken_at_its_pythons_word(project):
    stamp = project / ".venv" / ".installed"
    stamp.write_text("")
    os.utime(stamp, (os.path.getmtime(project / "constraints.txt") + 10,) * 2)
    done = make(project, "setup")
    assert (done.returncode, done.stdout) == (0, "ready: .venv, Python 3.11.7\n"), done.stderr
    again = make(project, "setup")                  # the stamp now holds its Python, then the sums
    assert (again.returncode, again.stdout) == (0, "ready: .venv, Python 3.11.7\n"), again.stderr
    assert stamp.read_text() == "3.11.7 /usr\n" + sums(project)


@pytest.mark.parametrize("lock", ["older", "newer"])
def test_an_older_makefiles_stamp_without_sums_goes_by_file_times_once_then_by_content(project, lock):
    """A .venv set up by a Makefile whose stamp held the Python alone: newer than the lock, it is taken as up to date
    (not installed into again for the new Makefile) and the sums are recorded beside it; older, it is installed into."""
    stamp = project / ".venv" / ".installed"
    stamp.write_text("3.11.7 /usr\n")
    os.utime(stamp, (os.path.getmtime(project / "constraints.txt") + (10 if lock == "older" else -10),) * 2)
    done = make(project, "setup")
    assert done.returncode == 0, done.stderr
    assert (done.stdout == "ready: .venv, Python 3.11.7\n") == (lock == "older"), done.stdout
    assert stamp.read_text() == "3.11.7 /usr\n" + sums(project)
    change_the_lock(project)                                                    # from now on, by content
    assert make(project, "setup").stdout.startswith("installing the pinned packages into .venv again")


# -- the lock and the browser test -------------------------------------------------------------------------
def test_make_lock_compiles_with_uv_and_keeps_the_header(bare):
    with_pythons(bare, python3="3.11.7")
    assert make(bare, "setup").returncode == 0
    done = make(bare, "lock", "UPGRADE=1")
    assert done.returncode == 0, done.stderr
    assert ("uv pip compile pyproject.toml --extra dev --python-version 3.11 --python-platform x86_64-manylinux_2_28 "
            "--no-header --no-annotate --quiet --upgrade -o .venv/lock.txt") in done.stdout
    assert (bare / "constraints.txt").read_text() == "# the lock\nnumpy==9.9.9\n"      # the stand-in uv's answer
    assert make(bare, "lock").stdout.splitlines()[-1] == "constraints.txt is unchanged (1 pins)"


def tool(project: Path, name: str, script: str) -> None:
    """A stand-in for a system command on the project's PATH."""
    path = project.parent / "bin" / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


def test_browser_test_without_chromium_and_not_root_says_what_to_install(project):
    tool(project, "id", "echo 1000")
    done = make(project, "test-browser", CHROMIUM="/nowhere/chromium")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        "error: make test-browser needs Chromium and ChromeDriver at /nowhere/chromium and /usr/bin/chromedriver: "
        "install them with: sudo apt-get install chromium chromium-driver")
    assert done.stdout == ""                                                   # no test ran


def test_browser_test_as_root_installs_chromium_with_apt_then_runs_the_browser_test(project):
    log = project.parent / "apt.log"
    tool(project, "id", "echo 0")
    tool(project, "apt-get", f'echo "apt-get $*" >> {log}')
    done = make(project, "test-browser", CHROMIUM="/nowhere/chromium")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "installing Debian's chromium and chromium-driver (about a minute and 480 MB, the first time only)",
        ".venv/bin/python -m pytest -q -p no:cacheprovider tests/tensorboard_in_chromium.py"]
    assert log.read_text().splitlines() == ["apt-get update -qq", "apt-get install -y -qq chromium chromium-driver"]
