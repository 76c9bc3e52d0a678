"""`make mutants` itself: its list is well formed and current, and a stale entry is an error, not a pass."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "mutation"))
import run as mutation  # noqa: E402  (tests/mutation/run.py)
from conftest import (  # noqa: E402
    RAISES_IN_DEL,
    ROOT_ONLY,
    a_clone_another_user_owns,
    alive,
    closed_pipe,
    dev_full,
    git_hooks_variables,
    instructors_git_config,
    output_closed,
    output_full,
    started_into,
)


def test_the_list_has_at_least_40_mutants_each_found_once_in_its_file():
    mutants = mutation.load()
    assert len(mutants) >= 40
    for mutant in mutants:
        text = (mutation.REPO / mutant.file).read_text(encoding="utf-8")
        assert text.count(mutant.original) == 1, f"{mutant.name}: original text found {text.count(mutant.original)}x"
        for test in mutant.tests:
            path, _, name = test.partition("::")
            assert (mutation.REPO / path).is_file(), f"{mutant.name}: no file {path}"
            if name:                                        # a test renamed since would make pytest collect nothing
                source = (mutation.REPO / path).read_text(encoding="utf-8")
                assert f"def {name.split('[')[0]}(" in source, f"{mutant.name}: {path} has no test {name}"



# The witnesses that owe nothing to Keras (central differences, closed forms, exact arithmetic), and Keras' own
# metric functions beside the hand-worked metrics. A mutant whose tests also hold a Keras twin can be killed by the
# twin while the witness has gone blind; one tested by a witness alone shows, in make mutants, that it can fail.
WITNESSES = (
    "tests/test_activations.py::test_activation_backward_matches_finite_differences",     # step's, since the last stop
    "tests/test_backprop.py::test_gradients_match_finite_differences",
    "tests/test_regularizers.py::test_penalty_gradient_matches_finite_differences",
    "tests/test_dropout.py::test_bpd_of_a_fixed_mask_matches_finite_differences_and_the_closed_form",
    "tests/test_dropout.py::test_dropout_and_l2_network_gradients_match_finite_differences_on_fixed_masks",
    "tests/test_metrics.py::test_per_example_values_match_keras_metric_functions",
    "tests/test_exact_arithmetic.py::test_optimizer_matches_exact_arithmetic_at_every_step",
    "tests/test_exact_arithmetic.py::test_fit_matches_exact_arithmetic_epoch_by_epoch",
    "tests/test_exact_arithmetic.py::test_shuffled_fit_matches_exact_arithmetic_on_the_seeds_permutations",
    "tests/test_losses.py::test_loss_from_logits_matches_finite_differences_and_the_loss_of_the_activated_logits",
)


@pytest.mark.parametrize("witness", WITNESSES)
def test_each_witness_is_the_only_test_of_some_mutant(witness):
    alone = [mutant.name for mutant in mutation.load() if mutant.tests == (witness,)]
    assert alone, f"no mutant is tested by {witness} alone: make mutants never shows that this witness can fail"

def test_a_mutant_whose_text_is_gone_is_stale_not_killed(tmp_path):
    gone = mutation.Mutant("gone", "scratch/activations.py", "this text is not in the file", "x", "why",
                           ("tests/test_activations.py",))
    verdict, said, _ = mutation.try_mutant(gone, mutation.Copies(tmp_path))
    assert verdict == "STALE" and "found 0 times" in said


def test_a_mutant_whose_file_is_gone_is_stale_not_a_traceback(tmp_path):
    # a file moved since the list was written: FileNotFoundError ended make mutants after every other mutant had run
    moved = mutation.Mutant("moved", "scratch/moved_away.py", "a", "b", "why", ("tests/test_activations.py",))
    assert mutation.try_mutant(moved, mutation.Copies(tmp_path))[:2] == ("STALE", "no file scratch/moved_away.py")


def untouched_copies(tmp_path: Path) -> mutation.Copies:
    """Copies as make mutants' are made: each with a copy of the untouched copy's .git."""
    return mutation.Copies(tmp_path, mutation.copy_repository(tmp_path / "untouched") / ".git")


def test_a_mutant_never_reaches_the_next_mutant_tested_on_the_same_copy(tmp_path, monkeypatch):
    """A copy is reused, mutant after mutant: each is written back, bytes and mtime. The second mutant's original text
    is the first's, as committed (left mutated, it would be found 0 times: STALE), and its run sees the file as
    committed but for its own change; then the copy's file is the checkout's again, and it is the same copy."""
    committed = (mutation.REPO / "scratch" / "activations.py").read_text(encoding="utf-8")
    first_line = committed.splitlines()[0]
    mutants = [mutation.Mutant("first", "scratch/activations.py", first_line, f"{first_line} # first", "why", ("t",)),
               mutation.Mutant("second", "scratch/activations.py", f"{first_line}\n", f"{first_line} # second\n",
                               "why", ("t",))]
    seen = []

    def run_tests(copy, tests, python, time_limit):
        seen.append((copy, (copy / "scratch" / "activations.py").read_text(encoding="utf-8")))
        return 1, "1 failed"

    monkeypatch.setattr(mutation, "run_tests", run_tests)
    copies = untouched_copies(tmp_path)
    assert [mutation.try_mutant(mutant, copies)[0] for mutant in mutants] == ["killed", "killed"]
    (first_copy, _), (second_copy, second_saw) = seen
    assert second_copy == first_copy, "the copy was not reused"
    assert second_saw == committed.replace(first_line, f"{first_line} # second", 1)
    written_back, checkout = second_copy / "scratch" / "activations.py", mutation.REPO / "scratch" / "activations.py"
    assert written_back.read_bytes() == checkout.read_bytes()
    assert written_back.stat().st_mtime_ns == checkout.stat().st_mtime_ns



SIGMOID_OF_2 = "import numpy as np; from scratch.activations import Sigmoid; print(Sigmoid().forward(np.array(2.0)))"


def test_a_mutant_is_tested_on_its_own_text_not_on_the_bytecode_its_copy_holds_of_the_original(tmp_path, monkeypatch):
    """Each copy holds bytecode compiled from the untouched files (WRITE_BYTECODE: about 1 of a run's 2 CPU-seconds
    was compiling), which Python reads in place of a source whose mtime and size it was compiled for. A mutant of the
    same length is written after it: its run computes the mutated sigmoid; written back (bytes and mtime), the file
    is the one the bytecode holds again, and the next run computes the right one."""
    compiled = mutation.copy_repository(tmp_path / "compiled")
    subprocess.run([sys.executable, "-c", "import compileall; compileall.compile_dir('scratch', quiet=1)"],
                   cwd=compiled, check=True)
    original = "return np.exp(-np.logaddexp(0, -z))"                  # sigmoid(z)
    mutants = [mutation.Mutant("sign", "scratch/activations.py", original, original.replace("-z", "+z"), "why",
                               ("t",)), harmless_mutant("harmless")]
    seen = []

    def run_tests(copy, tests, python, time_limit):
        assert list((copy / "scratch" / "__pycache__").glob("activations.*.pyc")), "the copy holds no bytecode"
        said = subprocess.run([sys.executable, "-c", SIGMOID_OF_2], cwd=copy, capture_output=True, text=True,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=True).stdout
        seen.append(round(float(said), 4))
        return 1, "1 failed"

    monkeypatch.setattr(mutation, "run_tests", run_tests)
    copies = mutation.Copies(tmp_path, compiled / ".git", compiled)
    assert [mutation.try_mutant(mutant, copies)[0] for mutant in mutants] == ["killed", "killed"]
    assert seen == [round(1 / (1 + np.exp(2.0)), 4), round(1 / (1 + np.exp(-2.0)), 4)]    # sigmoid(-2), sigmoid(2)

@pytest.mark.parametrize("wrote, returncode, verdict", [
    ("logs/run.txt", 1, "killed"),                         # a test wrote a file into the copy: a log, a notebook
    (None, None, "TIMEOUT"),                               # stopped at its time limit: anything may be half-written
    (None, -9, "ERROR"),                                   # killed by a signal (the out-of-memory killer)
], ids=["wrote-a-file", "time-limit", "sigkill"])
def test_a_copy_a_run_wrote_into_or_did_not_end_is_replaced_before_the_next_mutant(wrote, returncode, verdict,
                                                                                  tmp_path, monkeypatch):
    """The next mutant gets a new copy, as made (the file gone), and the old one is deleted; a copy whose run ended in
    a verdict and wrote nothing is the one the next mutant gets (the same copy)."""
    copies_seen = []

    def run_tests(copy, tests, python, time_limit):
        copies_seen.append(copy)
        if len(copies_seen) == 1:
            if wrote is not None:
                (copy / wrote).write_text("a run's output", encoding="utf-8")
            return returncode, "said"
        assert wrote is None or not (copy / "logs" / "run.txt").exists()
        return 1, "1 failed"

    monkeypatch.setattr(mutation, "run_tests", run_tests)
    copies = untouched_copies(tmp_path)
    verdicts = [mutation.try_mutant(harmless_mutant(name), copies)[0] for name in ("writes", "after", "again")]
    assert verdicts == [verdict, "killed", "killed"]
    first, second, third = copies_seen
    assert second != first and not first.exists(), "the copy the run left was used again"
    assert third == second, "a copy nothing wrote into was not reused"


def git_says(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout


def test_each_copy_is_a_git_repository_of_the_files_the_checkout_tracks_committed_once(tmp_path, monkeypatch):
    """make release copies `git ls-files` and commits: with no .git (and no Makefile, .gitignore or .ci/run) in the
    copy, its tests could not run there, and no mutant of release.py could be killed. Each copy holds every file the
    checkout tracks, in one commit, so that a mutant is its one uncommitted change -- the untouched copy's made by git,
    every other's a copy of that .git. The commit is make mutants': the instructor's global git config (hooks that
    refuse, signed commits with no gpg, global ignores, a default branch of its own) and the variables a git hook sets
    (GIT_DIR, naming another repository) play no part."""
    tracked = sorted(name for name in git_says(mutation.REPO, "ls-files", "-z").split("\0")
                     if name and (mutation.REPO / name).is_file())
    hooks, decoy = tmp_path / "hooks", tmp_path / "decoy"
    hooks_variables = git_hooks_variables(decoy)
    for name, value in {"HOME": tmp_path, "XDG_CONFIG_HOME": tmp_path,
                        "GIT_CONFIG_GLOBAL": instructors_git_config(tmp_path), "GIT_CONFIG_NOSYSTEM": "1",
                        **hooks_variables}.items():
        monkeypatch.setenv(name, str(value))
    mutation.tracked_files.cache_clear()        # listed again under these variables, not as an earlier test listed it
    first = mutation.copy_repository(tmp_path / "first")
    copies = [first, mutation.copy_repository(tmp_path / "second", git=first / ".git")]
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name)
    for copy in copies:
        assert sorted(filter(None, git_says(copy, "ls-files", "-z").split("\0"))) == tracked
        assert len(git_says(copy, "rev-list", "--all").split()) == 1
        assert git_says(copy, "diff", "--name-only", "HEAD") == ""                 # committed as it is on disk
        assert git_says(copy, "branch", "--show-current") == "main\n"    # not git's master, nor the instructor's trunk
        assert all((copy / name).read_bytes() == (mutation.REPO / name).read_bytes() for name in tracked)
    assert not list(hooks.glob("ran-*"))
    assert not (decoy / ".git" / "index").exists()
    (copies[1] / "scratch" / "activations.py").write_text("# a mutant\n", encoding="utf-8")
    assert git_says(copies[1], "diff", "--name-only", "HEAD") == "scratch/activations.py\n"   # make release names it


def test_a_file_the_checkout_tracks_but_deleted_is_not_in_the_copy_as_make_release_leaves_it_out(tmp_path,
                                                                                               monkeypatch):
    checkout = tmp_path / "checkout"
    for name in (*mutation.COPIED, ".ci"):
        (checkout / name).mkdir(parents=True)
    for name in ("scratch/a.py", "Makefile", ".ci/run"):
        (checkout / name).write_text(name, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=checkout, check=True)
    subprocess.run(["git", "add", "."], cwd=checkout, check=True)
    (checkout / ".ci" / "run").unlink()
    monkeypatch.setattr(mutation, "REPO", checkout)
    copy = mutation.copy_repository(tmp_path / "copy")
    assert git_says(copy, "ls-files") == "Makefile\nscratch/a.py\n" and not (copy / ".ci").exists()


def small_checkout(folder: Path, *names: str | bytes) -> Path:
    """A git checkout of COPIED's folders that tracks these files (scratch/a.py and Makefile beside them)."""
    for name in mutation.COPIED:
        (folder / name).mkdir(parents=True)
    for name in ("scratch/a.py", "Makefile", *names):
        (folder / os.fsdecode(name)).write_bytes(os.fsencode(name))
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run(["git", "add", "."], cwd=folder, check=True)
    return folder


def test_a_tracked_file_whose_name_is_not_utf8_is_copied_and_committed_as_it_is(tmp_path, monkeypatch):
    """git lists a name's bytes as they are (a file unzipped from a Latin-1 archive): make mutants stopped at "'utf-8'
    codec can't decode byte 0xe9 in position 5374", naming no file. The name is the file system's (os.fsdecode), and
    goes back to git as the same bytes."""
    names = (b"caf\xe9.txt", b"scratch/caf\xe9.py")
    checkout = small_checkout(tmp_path / "checkout", *names)
    monkeypatch.setattr(mutation, "REPO", checkout)
    copy = mutation.copy_repository(tmp_path / "copy")
    committed = subprocess.run(["git", "ls-files", "-z"], cwd=copy, capture_output=True, check=True).stdout
    assert sorted(filter(None, committed.split(b"\0"))) == sorted([b"Makefile", b"scratch/a.py", *names])
    assert all((copy / os.fsdecode(name)).read_bytes() == name for name in names)


def test_a_copy_git_cannot_commit_is_one_line_with_what_git_said(tmp_path, monkeypatch):
    """A full temporary folder (TMPDIR on a small tmpfs) stopped git's update-index in the untouched copy: make mutants
    printed a traceback ending "CalledProcessError: ... returned non-zero exit status 128", and not what git said.
    The same failure, cheaply: git refuses a folder whose .git is a file naming no repository."""
    monkeypatch.setattr(mutation, "REPO", small_checkout(tmp_path / "checkout"))
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / ".git").write_text("gitdir: nowhere\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        mutation.copy_repository(copy)
    assert str(stop.value) == (f"make mutants could not commit its copy of the checkout in the temporary folder "
                               f"(git said: fatal: not a git repository: {copy / 'nowhere'})")


def test_a_file_the_copy_cannot_take_is_one_line_naming_it_and_the_temporary_folder(tmp_path, monkeypatch):
    """copytree gathers every file it could not copy into one shutil.Error, whose traceback ended in a list of
    (source, target, "[Errno 28] No space left on device: ...") for each file of a full temporary folder. A named pipe
    left in scratch/ (copytree copies what git does not track too) is such a file, and costs nothing."""
    checkout = small_checkout(tmp_path / "checkout")
    os.mkfifo(checkout / "scratch" / "pipe")
    monkeypatch.setattr(mutation, "REPO", checkout)
    with pytest.raises(SystemExit) as stop:
        mutation.copy_repository(tmp_path / "copy")
    assert str(stop.value) == (f"make mutants could not copy {checkout / 'scratch' / 'pipe'} into the temporary "
                               f"folder ({tmp_path / 'copy'}): `{checkout / 'scratch' / 'pipe'}` is a named pipe "
                               "(TMPDIR=dir chooses another temporary folder)")


@pytest.mark.parametrize("where, said", [
    ("not-a-clone", "run it in a git clone of the project (git said: fatal: not a git repository"),
    ("no-git", "git cannot be run here (No such file or directory): install git"),
])
def test_make_mutants_where_git_cannot_list_the_tracked_files_is_one_line_before_anything_runs(where, said, tmp_path,
                                                                                               monkeypatch):
    """A folder unpacked from a ZIP (no .git), or a machine with no git: each copy is a git repository of the files git
    tracks, so there is none to make. One line, before the untouched run, not its make release tests failing."""
    main_runs(monkeypatch, [harmless_mutant("m")], lambda *args, **kwargs: pytest.fail("a run was started"))
    monkeypatch.setattr(mutation, "REPO", tmp_path)
    if where == "no-git":
        monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(SystemExit) as stop:
        mutation.main(["--jobs", "1"])
    assert str(stop.value).startswith("make mutants copies the files git tracks into each copy of the repository"), stop
    assert said in str(stop.value) and "\n" not in str(stop.value)


@ROOT_ONLY
def test_make_mutants_lists_a_checkout_that_git_trusts_through_the_instructors_global_config(tmp_path, monkeypatch):
    """A checkout owned by another user (root running make mutants in a colleague's clone) is one git refuses ("detected
    dubious ownership") unless a safe.directory says otherwise, and that may live in GIT_CONFIG_GLOBAL. make mutants
    dropped every GIT_* variable, that one too, and said "run it in a git clone" where make release worked."""
    checkout = a_clone_another_user_owns(tmp_path / "checkout", monkeypatch)
    assert [str(name) for name in mutation.tracked_files(checkout)] == ["scratch/a.py"]


def test_make_mutants_where_git_cannot_read_the_index_quotes_gits_reason_not_its_first_line(tmp_path, monkeypatch):
    """A corrupt index: git writes "error: bad signature 0x58585858", then its reason, "fatal: index file corrupt".
    make mutants quoted the first line, make release the fatal one: the same git, said two ways."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".git" / "index").write_bytes(b"XXXX" + bytes(100))
    main_runs(monkeypatch, [harmless_mutant("m")], lambda *args, **kwargs: pytest.fail("a run was started"))
    monkeypatch.setattr(mutation, "REPO", tmp_path)
    with pytest.raises(SystemExit) as stop:
        mutation.main(["--jobs", "1"])
    assert str(stop.value) == ("make mutants copies the files git tracks into each copy of the repository: run it in "
                               "a git clone of the project (git said: fatal: index file corrupt)")


def harmless_mutant(name: str, tests: tuple[str, ...] = ("tests/test_x.py",)) -> mutation.Mutant:
    """A mutant of scratch/activations.py that adds a space to its first line: found once, changes nothing."""
    first = (mutation.REPO / "scratch" / "activations.py").read_text(encoding="utf-8").splitlines()[0]
    return mutation.Mutant(name, "scratch/activations.py", first, first + " ", "why", tests)


class NoZygote:
    """Stands in for the warm Python: run_tests is replaced too, so nothing is ever started through it."""

    def __init__(self, *args): pass
    def __enter__(self): return self
    def __exit__(self, *exc): pass


def main_runs(monkeypatch: pytest.MonkeyPatch, mutants: list[mutation.Mutant], run_tests) -> None:
    """make mutants' main as it will run: these mutants, this run_tests (the run that writes the bytecode first
    collects, and passes), no warm Python."""
    def or_writes_bytecode(copy, tests, python, time_limit=None, workers=0, bytecode=False):
        return (0, "collected") if bytecode else run_tests(copy, tests, python, time_limit, workers)

    monkeypatch.setattr(mutation, "load", lambda: mutants)
    monkeypatch.setattr(mutation, "run_tests", or_writes_bytecode)
    monkeypatch.setattr(mutation, "Zygote", NoZygote)
    monkeypatch.setattr(mutation, "TEST_ENV", {})       # main sets them in os.environ: not in this worker's


@pytest.mark.parametrize("returncode, verdict", [(0, "SURVIVED"), (1, "killed"), (2, "killed"), (3, "ERROR"),
                                                 (4, "ERROR"), (5, "ERROR"), (-9, "ERROR"), (None, "TIMEOUT")],
                         ids=["passed", "a-test-failed", "collection-error", "internal-error", "usage-error",
                              "no-tests-collected", "sigkill", "time-limit"])
def test_only_a_failing_test_kills_a_mutant_never_a_crashed_run(returncode, verdict, tmp_path, monkeypatch):
    """pytest's exit status 1 (a test failed) or 2 (the mutant broke an import: an error during collection) is a
    kill; pytest's own internal or usage error, no test collected, or a run ended by a signal (the out-of-memory
    killer) says nothing of the mutant, and counted as a kill it hid a survivor. Neither does a run stopped at its
    time limit (None): the suite has no time limit, so `make test` would hang on that break, not fail."""
    mutant = harmless_mutant("m", ("tests/test_activations.py",))
    monkeypatch.setattr(mutation, "run_tests", lambda copy, tests, python, time_limit: (returncode, "said"))
    assert mutation.try_mutant(mutant, mutation.Copies(tmp_path))[0] == verdict


@pytest.mark.parametrize("returncode, said, verdict", [
    (0, "1 passed, 1 skipped in 9.12s", "SKIPPED"), (0, "1 skipped in 8.40s", "SKIPPED"),
    (0, "12 passed in 2.00s", "SURVIVED"), (1, "1 failed, 1 skipped in 3.00s", "killed")])
def test_a_run_that_passed_with_a_test_skipped_is_skipped_not_a_survivor(returncode, said, verdict, tmp_path,
                                                                         monkeypatch):
    """A test that skips itself (a machine too busy to give a sandboxed loop its CPU limit before its wall limit)
    tested nothing. Counted as a survivor, the mutant it guards failed make mutants for the machine's load."""
    mutant = harmless_mutant("m", ("tests/test_activations.py",))
    monkeypatch.setattr(mutation, "run_tests", lambda copy, tests, python, time_limit: (returncode, said))
    assert mutation.try_mutant(mutant, mutation.Copies(tmp_path))[0] == verdict


@pytest.mark.parametrize("first", [(0, "1 skipped in 8.40s", "SKIPPED"), (-11, "", "ERROR")],
                         ids=["skipped", "crashed"])
@pytest.mark.parametrize("again, status, verdict", [((1, "1 failed in 1.00s"), 0, "killed"),
                                                    ((0, "1 skipped in 8.40s"), 1, "SKIPPED"),
                                                    ((0, "1 passed in 1.00s"), 1, "SURVIVED")],
                         ids=["fails-alone", "skipped-again", "passes-alone"])
def test_a_skipped_or_crashed_run_is_tested_again_alone_once_the_others_have_ended(first, again, status, verdict,
                                                                                   tmp_path, monkeypatch, capsys):
    """A run that skipped its test, or ended by a signal (pytest's status -11), said nothing of the mutant."""
    mutants = [harmless_mutant(name, (f"tests/test_{name}.py",)) for name in ("starved", "fails")]
    tested = []

    def run_tests(copy, tests, python, time_limit=None, workers=0):
        if time_limit is None:                           # the untouched run
            return 0, "2 passed"
        tested.append(tests[0])
        if tests == ("tests/test_fails.py",):
            return 1, "1 failed"
        return first[:2] if tested.count(tests[0]) == 1 else again

    main_runs(monkeypatch, mutants, run_tests)
    assert mutation.main(["--jobs", "1"]) == status
    assert tested == ["tests/test_starved.py", "tests/test_fails.py", "tests/test_starved.py"]
    out = capsys.readouterr().out
    assert f"[1/2] starved: {first[2]} in " in out and f"[again, alone] starved: {verdict} in " in out
    assert f"{2 - status} of 2 mutants killed" in out
    if status:
        assert out.rstrip().splitlines()[-1] == f"not killed: starved (scratch/activations.py): {verdict}: {again[1]}"


class StartsASleep:
    """Stands in for the zygote: whatever pytest it is asked to start, a shell that starts `sleep` in the run's session
    (a kernel or server a test started), writes its pid into `pid_file`, then runs `then` (how the pytest ends)."""

    def __init__(self, pid_file: Path, sleep: str, then: str):
        self.pid_file, self.sleep, self.then = pid_file, sleep, then

    def Popen(self, args, **kwargs):  # noqa: N802  (subprocess's name)
        return subprocess.Popen(["sh", "-c", f"{self.sleep} & echo $! > '{self.pid_file}'; {self.then}"], **kwargs)


def test_a_run_past_its_time_limit_is_stopped_with_every_process_it_started(tmp_path):
    """A mutant that makes a loop endless hung `make mutants` without a word: no limit, no line until the end."""
    pid_file = tmp_path / "sleep.pid"
    started = time.monotonic()
    endless = StartsASleep(pid_file, "sleep 60", then="while :; do :; done")    # the sleep holds the output pipe
    status, said = mutation.run_tests(tmp_path, ("tests/test_x.py",), endless, time_limit=0.5)
    assert status is None and said.startswith("still running after"), said
    assert time.monotonic() - started < 30    # the 0.5 s limit and a kill (0.6 s), not the 60 s sleep holding the pipe
    sleep = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(sleep) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(sleep), "the process the run started survived"


def test_what_an_ended_run_left_running_is_stopped_before_its_copy_is_checked_for_the_next_mutant(tmp_path):
    """A copy is reused by the next mutant once a snapshot finds it as it was made: a process the run left behind
    could write into it after that check. What is left in the run's session when pytest ends is stopped."""
    pid_file = tmp_path / "sleep.pid"
    # a pytest that fails (exit status 1) at once, leaving a sleep running in its session (a kernel or server a failing
    # test's teardown did not stop); the sleep's output goes elsewhere: holding the pipe, it would keep communicate
    # waiting past pytest's end
    leaves_a_stray = StartsASleep(pid_file, "sleep 60 > /dev/null 2>&1", then="exit 1")
    status, _ = mutation.run_tests(tmp_path, ("tests/test_x.py",), leaves_a_stray, time_limit=30)
    assert status == 1
    assert not sleep_still_running(pid_file, within=5), "the process the ended run left behind is still running"


def test_each_mutant_prints_a_line_as_it_ends_a_timeout_is_not_a_kill_and_the_last_line_names_it(tmp_path, monkeypatch,
                                                                                                    capsys):
    """The table comes only once every mutant has ended: a line for each as it ends shows a run that hangs."""
    mutants = [harmless_mutant(name, (f"tests/test_{name}.py",)) for name in ("fails", "loops")]
    limits = []

    def run_tests(copy, tests, python, time_limit=None, workers=0):
        limits.append(time_limit)
        if time_limit is None:                           # the untouched run
            return 0, "1 passed"
        return ((1, "1 failed") if tests == ("tests/test_fails.py",)
                else (None, f"still running after {time_limit:.0f} s: stopped"))

    main_runs(monkeypatch, mutants, run_tests)
    assert mutation.main(["--jobs", "1"]) == 1
    assert limits == [None, mutation.MIN_TIME_LIMIT, mutation.MIN_TIME_LIMIT]      # the untouched run took < 15 s
    out = capsys.readouterr().out
    assert "[1/2] fails: killed in " in out and "[2/2] loops: TIMEOUT in " in out
    assert f"-> still running after {mutation.MIN_TIME_LIMIT} s: stopped" in out
    assert "1 of 2 mutants killed" in out
    # the log's last line names the mutant not killed: CI shows only a log's tail, past the table's 600 lines
    assert out.rstrip().splitlines()[-1] == (f"not killed: loops (scratch/activations.py): TIMEOUT: "
                                             f"still running after {mutation.MIN_TIME_LIMIT} s: stopped")


@pytest.mark.parametrize("jobs, workers", [("1", 0), ("2", 2)])
def test_the_untouched_run_tests_on_one_xdist_worker_per_job_and_each_mutant_in_one_process(jobs, workers, tmp_path,
                                                                                           monkeypatch):
    """The untouched run, every file any mutant names, in one process took 122 of make mutants' 807 s: it runs on as
    many xdist workers as mutants run at once (none but pytest's own for one); each mutant's run stays in one (-n 0)."""
    given = []

    def run_tests(copy, tests, python, time_limit=None, workers=0):
        given.append((copy.name, workers))
        return 0 if time_limit is None else 1, "said"

    main_runs(monkeypatch, [harmless_mutant("m")], run_tests)
    mutation.main(["--jobs", jobs])
    assert given[0] == ("untouched", workers) and [w for _, w in given[1:]] == [0]


@pytest.mark.parametrize("seconds, workers, limit", [(122, 0, 488), (61, 2, 488), (100, 2, 800), (5, 2, 60)],
                         ids=["one-process", "two-workers-half-the-time", "two-workers", "at-least-60-s"])
def test_a_mutants_time_limit_is_4_times_the_untouched_run_on_one_process(seconds, workers, limit):
    """4 times the untouched run on one process (a mutant's run is one): 2 workers took about half of it."""
    assert mutation.mutant_time_limit(seconds, workers) == limit


@pytest.mark.parametrize("output, line", [
    # `make mutants | head -1`: the first line met the closed pipe: a BrokenPipeError traceback
    (closed_pipe, output_closed("make mutants")),
    # `make mutants > /dev/full`: the first line met ENOSPC: an OSError traceback
    (dev_full, output_full("make mutants")),
], ids=["closed-pipe", "dev-full"])
def test_make_mutants_into_an_output_it_cannot_write_is_one_line_and_runs_no_mutant_for_nobody(output, line,
                                                                                                 monkeypatch, capsys):
    mutants = [harmless_mutant("m")]
    runs = []

    def run_tests(copy, tests, python, time_limit=None, workers=0):
        runs.append(copy.name)
        return 0, "1 passed"

    main_runs(monkeypatch, mutants, run_tests)
    assert started_into(output, lambda: mutation.main(["--jobs", "1"])) == 1
    assert capsys.readouterr().err == line
    assert runs == ["untouched"]


MUTANTS_FROM = """
import os, signal, subprocess, sys, threading
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)   # Ctrl-C as in a terminal, whatever this worker ignores
sys.path.insert(0, sys.argv[1])
import run as mutation
pid_file, sleeps_in, sender = sys.argv[2], sys.argv[3], sys.argv[4]

""" + RAISES_IN_DEL + """
# made and let go by SIGUSR1's handler, in the main thread: Python drops the SIGTERM its __del__ raises
signal.signal(signal.SIGUSR1, lambda signum, frame: RaisesInDel(signal.SIGTERM))

class Sleeps:    # the warm Python's stand-in: the run `sleeps_in` starts a sleep in its group and waits on it
    def __init__(self, *args): pass
    def __enter__(self): return self
    def __exit__(self, *exc): pass
    def Popen(self, args, **kwargs):
        if (Path(kwargs["cwd"]).name == "untouched") != (sleeps_in == "untouched"):
            return subprocess.Popen(["true"], **kwargs)
        run = subprocess.Popen(["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"], **kwargs)
        if sender != "the test":   # the moment the run has started, before make mutants has noted it
            while not (Path(pid_file).exists() and Path(pid_file).read_text().strip()):
                pass
            if sender == "itself":
                os.kill(os.getpid(), signal.SIGTERM)
            elif sender == "a __del__ as it waits":
                os.kill(os.getpid(), signal.SIGUSR1)
            else:   # "SIGINT in the run's thread": as the kernel may hand a signal sent to the process to any thread
                signal.pthread_kill(threading.get_ident(), getattr(signal, sender.split()[0]))
        return run

first = (mutation.REPO / "scratch" / "activations.py").read_text(encoding="utf-8").splitlines()[0]
mutation.load = lambda: [mutation.Mutant("m", "scratch/activations.py", first, first + " ", "why", ("t.py",))]
mutation.Zygote = Sleeps
sys.exit(mutation.main(["--jobs", "1"]))
"""


def sleep_still_running(pid_file: Path, within: float = 10) -> bool:
    """Whether the run's sleep is still running `within` seconds from now (neither gone nor a zombie). SIGKILL takes
    effect when the killed process is next scheduled: on a loaded machine, a moment after make mutants has exited
    (read at once, a killed sleep was once still "running"). A sleep nobody killed runs 60 s, far past `within`."""
    deadline = time.monotonic() + within
    while True:
        try:
            running = alive(int(pid_file.read_text()))
        except (OSError, ValueError):                   # no pid written (yet)
            running = False
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.05)


TERMINATED = "\nTerminated (SIGTERM); the runs were stopped and their copies deleted.\n"
INTERRUPTED = "\nInterrupted; the runs were stopped and their copies deleted.\n"


@pytest.mark.parametrize("sig, status, said, sleeps_in", [
    (signal.SIGTERM, 143, TERMINATED, "untouched"),
    (signal.SIGTERM, 143, TERMINATED, "mutant"),
    (signal.SIGINT, 130, INTERRUPTED, "mutant"),
    ("itself", 143, TERMINATED, "untouched"),
    ("SIGINT in the run's thread", 130, INTERRUPTED, "mutant"),
    ("SIGTERM in the run's thread", 143, TERMINATED, "untouched"),
    ("a __del__ as it waits", 143, TERMINATED, "untouched"),
], ids=["sigterm-untouched", "sigterm-mutant", "ctrl-c-mutant", "sigterm-as-the-untouched-run-starts",
        "ctrl-c-taken-by-a-mutants-thread", "sigterm-taken-by-the-untouched-runs-thread",
        "sigterm-dropped-in-a-del-as-make-mutants-waits"])
def test_sigterm_or_ctrl_c_stops_every_run_and_deletes_every_copy(sig, status, said, sleeps_in, tmp_path):
    """`kill <pid of make mutants>` (or `timeout`, a cancelled CI job) ended it at once and left <tmp>/mutants_*, a
    copy of the repository per run, and the runs' pytest (a session of its own, which no signal to make's group
    reaches) ran on. Ctrl-C waited for the running mutants, then printed a traceback. Either stops every run, deletes
    every copy and says so in one line, whether the untouched run or a mutant's (in a worker thread) was running --
    or the untouched run was just starting: a SIGTERM between its start and make mutants noting it left its sleep
    running (seen under load; here the stand-in signals the program itself at that moment). And whichever thread the
    kernel hands the signal to: taken by a run's thread, it was noted but not acted on -- the main thread, waiting
    for the runs with no timeout, was not woken to raise it, and make mutants sat there without a word (seen under
    load, about 1 Ctrl-C in 10; here the stand-in sends the signal to the run's own thread, pthread_kill). And
    wherever Python raises it: raised in a __del__ method the main thread ran as it waited, Terminated was dropped,
    and make mutants waited on for the runs, deaf to every later SIGTERM (here the stand-in's SIGUSR1 runs one)."""
    own_tmp, pid_file = tmp_path / "tmp", tmp_path / "sleep.pid"
    own_tmp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", MUTANTS_FROM, str(mutation.REPO / "tests" / "mutation"), str(pid_file), sleeps_in,
         sig if isinstance(sig, str) else "the test"],
        env={**os.environ, "TMPDIR": str(own_tmp)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text().strip()):   # the run is under way, in its copy
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.01)
        if not isinstance(sig, str):
            assert [path.name.startswith("mutants_") for path in own_tmp.iterdir()] == [True]
            process.send_signal(sig)                                  # `kill <pid>`: the program alone
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        running = sleep_still_running(pid_file)
        if running:                                                   # a failed test leaves nothing running
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
    assert (process.returncode, err) == (status, said), out
    assert not running, "the run's sleep survived"
    assert list(own_tmp.iterdir()) == []


def test_a_process_a_test_starts_in_another_folder_imports_the_copy_not_the_checkout(tmp_path, monkeypatch):
    """The notebooks' ipykernel runs `.venv/bin/python -m keras_models.course.jupyter.kernel` in a folder of its
    own: the .venv's editable install gave it the checkout's keras_models, and a mutant of a grader survived the
    notebook test that kills it. Here a Python imports keras_models in another folder, with the environment
    run_tests gives a copy's tests, a PYTHONPATH that names the checkout already included (the copy must come
    first)."""
    copy = tmp_path / "copy"
    (copy / "keras_models").mkdir(parents=True)
    (copy / "keras_models" / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(mutation.REPO))
    given = {}

    def popen(args, **kwargs):                           # records what pytest would be started with
        given.update(kwargs)
        raise RuntimeError("pytest not started")

    with monkeypatch.context() as patch, pytest.raises(RuntimeError, match="pytest not started"):
        patch.setattr(subprocess, "Popen", popen)
        mutation.run_tests(copy, ("tests/test_x.py",))
    (tmp_path / "kernel").mkdir()
    done = subprocess.run([sys.executable, "-c", "import keras_models; print(keras_models.__file__, end='')"],
               cwd=tmp_path / "kernel", env=given["env"], capture_output=True, text=True, check=True)
    assert done.stdout == str(copy / "keras_models" / "__init__.py")


@pytest.mark.parametrize("entry, problem", [
    ('name = "a"\nfile = "tests/x.py"\noriginal = "1"\nmutated = "2"\nwhy = "w"\ntests = []',
     "outside scratch/, keras_models/, data/"),
    ('name = "a"\nfile = "scratch/../tests/x.py"\noriginal = "1"\nmutated = "2"\nwhy = "w"\ntests = ["t.py"]',
     "changes scratch/../tests/x.py, outside scratch/, keras_models/, data/"),
    ('name = "a/b"\nfile = "scratch/x.py"\noriginal = "1"\nmutated = "2"\nwhy = "w"\ntests = ["t.py"]',
     "mutant 1 is named 'a/b': a name is letters, digits and _ only"),
    ('name = ""\nfile = "scratch/x.py"\noriginal = "1"\nmutated = "2"\nwhy = "w"\ntests = ["t.py"]',
     "mutant 1 is named '': a name is letters, digits and _ only"),
    ('name = "a"\nfile = "scratch/x.py"\noriginal = "1"\nmutated = "1"\nwhy = "w"\ntests = []', "does not change"),
    ('name = "a"\nfile = "scratch/x.py"\noriginal = "1"\nwhy = "w"\ntests = []', "lacks ['mutated']"),
    ('name = "a"\nfile = "scratch/x.py"\noriginal = "1"\nmutated = "2"\nwhy = "w"\ntests = []',
     "has tests = []: give a list of one or more test files"),
    ('name = "a"\nfile = "scratch/x.py"\noriginal = "1"\nmutated = "2"\nwhy = "w"\ntests = "tests/test_data.py"',
     "has tests = 'tests/test_data.py': give a list of one or more test files"),
])
def test_a_malformed_entry_is_refused_with_its_problem(entry, problem, tmp_path):
    listing = tmp_path / "mutants.toml"
    listing.write_text(f"[[mutant]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=problem.replace("[", r"\[").replace("]", r"\]")):
        mutation.load(listing)


@pytest.mark.parametrize("text, problem", [
    ('[[mutant]]\nname = "a\n', "mutants.toml is not valid TOML: "),
    ('name = "a"\n', "mutants.toml has no [[mutant]] entries"),
    ('[[mutant]]\nname = "a"\nfile = "scratch/x.py"\noriginal = 1\nmutated = 2\nwhy = "w"\ntests = ["t.py"]\n',
     "mutants.toml: mutant 1 has mutated, original not in quotes: each is text"),
    ('mutant = [1, 2]\n', "mutants.toml: mutant 1 is 1, not a [[mutant]] table of name, file, ..."),
    ('[[mutant]]\nname = "caf\xe9"\n', "mutants.toml is not UTF-8 text (byte 0xe9 at position 22): save it as UTF-8"),
], ids=["not-toml", "no-mutants", "a-number", "not-a-table", "latin-1"])
def test_a_damaged_list_is_one_line_naming_what_is_wrong(text, problem, tmp_path):
    listing = tmp_path / "mutants.toml"
    listing.write_bytes(text.encode("latin-1"))                 # the same bytes as UTF-8, but for the latin-1 case
    with pytest.raises(SystemExit, match=re.escape(problem)):
        mutation.load(listing)


NOT_JOBS = "is not a whole number of mutants at once, 1 or more"
EMPTY_NAME = "has an empty name: give mutant names separated by commas, e.g. sigmoid_sign,relu_kink"


@pytest.mark.parametrize("option, value, refusal", [
    *(("--jobs", jobs, NOT_JOBS) for jobs in ("0", "-2", "x", "\u00b2")),   # a number of jobs below one, or none
    # make mutants ONLY= passes --only '': refused by name, never read as no --only (every mutant)
    *(("--only", only, EMPTY_NAME) for only in ("", ",", "a,,b")),
], ids=["jobs-0", "jobs-minus-2", "jobs-x", "jobs-superscript-2", "only-empty", "only-comma", "only-a-gap"])
def test_a_bad_option_is_refused_in_one_line_before_anything_runs(option, value, refusal, capsys, monkeypatch):
    monkeypatch.setattr(mutation, "load", lambda: pytest.fail(f"{option} {value!r} was taken: the run began"))
    with pytest.raises(SystemExit) as stop:
        mutation.main([option, value])
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert captured.err == (f"error: argument {option}: {value!r} {refusal} "
                            "(all options: .venv/bin/python tests/mutation/run.py --help)\n") and captured.out == ""


def test_only_takes_names_separated_by_commas_as_make_mutants_only_passes_them():
    assert mutation.options_parser().parse_args(["--only", "a,b", "--only", "c"]).only == ["a", "b", "c"]


def test_make_mutants_tests_as_many_mutants_at_once_as_it_has_cores_not_as_the_machine_has(monkeypatch):
    # taskset -c 0, or a container given 1 core of 8: 8 pytest processes with TensorFlow taking turns on one core
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert mutation.options_parser().parse_args([]).jobs == 1
