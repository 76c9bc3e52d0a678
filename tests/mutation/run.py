"""`make mutants`: break the code one line at a time and check that the tests notice every break.

Each mutant in mutants.toml names a file of scratch/ (or of keras_models/ or data/, where the bridge to
Keras, the recorded Dropout masks, the pipeline and the splits decide whether the twins agree), a piece
of its text, the text that replaces it (an operator swapped, a constant changed, an axis or a
transpose dropped, epsilon moved, the fused path disabled, a refusal switched off, ...), why it
matters, and the test files fast enough to run against it. For every mutant, alone, on a copy of
the repository (a git repository whose one commit holds the files git tracks in the checkout, as make release's
tests need: make mutants runs in a git clone) that holds no other mutant -- each of the --jobs threads reuses one
copy, the mutated file written back byte for byte with its mtime after each run, and a copy that is not, file for
file, as it was made (a test wrote a notebook or a log into it) or whose run was stopped or crashed is deleted and
a new one made (Copies):

    1. the original text must occur exactly once in the file (else: an error, the list is stale);
    2. the mutated copy is tested with `pytest -x` on the mutant's test files;
    3. a test failure KILLS the mutant; all tests passing means it SURVIVED -- a formula the tests
       do not guard; a run that ended otherwise (pytest's own error, a signal) is an ERROR, never a kill;
       a run that passed with a test skipped (one that skips itself on a machine too busy to give a
       child its CPU limit in time) is SKIPPED, never a survivor proved; an ERROR and a SKIPPED run
       tested nothing, so once every mutant has ended, each such mutant is tested once more, alone, and
       only a failure then kills it;
    4. a run still going after the time limit (a mutant that makes a loop endless) is stopped, with every
       process it started, and is a TIMEOUT, never a kill: the suite has no time limit of its own, so the
       same break would hang `make test` rather than fail a test that names it.

First the untouched copy is tested with every file the list names, on --jobs xdist workers (they must pass, or a
kill would prove nothing); the time limit is TIME_LIMIT_FACTOR times that run as one process would take it (its time
times the workers), and at least MIN_TIME_LIMIT seconds.
Prints a line as each mutant ends, then a table, the kill count, and a line for each mutant not killed (a CI log
shows its tail); exits 1 if any mutant survives, is skipped again, is stale, times out or ends in an error. Ctrl-C,
or SIGTERM (`timeout`, a cancelled CI job, `kill`), stops every run with the processes it started (each runs in a
session of its own, which no signal to make's reaches) and deletes every copy, in one line (exit status 130;
"Terminated (SIGTERM); ...", 143).

Each pytest runs forked from one warm Python that imported TensorFlow, Keras and pytest once
(tests/zygote.py): a real process in the copy, which imports the copy's scratch/, keras_models/, data/
and tests -- only the third-party imports are shared. That is most of what a fresh
`.venv/bin/python -m pytest` costs (about 6 of its 8 CPU-seconds); pytest plugins no test uses are not loaded
(UNUSED_PLUGINS), and each copy holds the project's bytecode, written once before the untouched run
(WRITE_BYTECODE), which a run reads rather than compiling it again. The whole list should take under 10 minutes
on 2 cores. Every Python a test starts in another folder (a notebook's ipykernel) imports the copy too: PYTHONPATH
names the copy first, before the .venv's editable install, which names the checkout.

    .venv/bin/python tests/mutation/run.py [--only NAME,NAME ...] [--jobs 2]     (make mutants ONLY= JOBS=)
"""

from __future__ import annotations

import argparse
import functools
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIST = Path(__file__).with_name("mutants.toml")
# Copied whole, with what git does not track (the learner's exercise files make setup wrote); then every other file git
# tracks (the Makefile, README.md: the limits it states, .gitignore, .ci/run ...), for make release's tests
COPIED = ("scratch", "data", "keras_models", "tests")
MUTABLE = ("scratch/", "keras_models/", "data/")     # the tests' own code is not mutated
TEST_ENV = {"PYTHONDONTWRITEBYTECODE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}    # no __pycache__ in the copies
# A mutant's time limit. The untouched run tested every file any mutant names, alone; a mutant tests a few of
# them beside --jobs - 1 others, and may make them slower (the fused path disabled): 4 times leaves room for
# both. A few seconds' untouched run (--only one mutant) would give a limit that a busy machine can miss.
TIME_LIMIT_FACTOR = 4
MIN_TIME_LIMIT = 60                                  # seconds
# pytest's last line when a test skipped itself ("1 passed, 1 skipped in 9.12s"): the mutant was not tested there
SKIPS = re.compile(r"\b\d+ skipped\b")
TRIED_AGAIN = ("SKIPPED", "ERROR")                   # runs that tested nothing: tried once more, alone, at the end

sys.path.insert(0, str(REPO / "tests"))
from zygote import WITH_TENSORFLOW, Zygote  # noqa: E402  (tests/zygote.py)

from keras_models.twins import git_files  # noqa: E402
from keras_models.twins.closed_output import OutputFailed, output_failed, prepare_output_streams  # noqa: E402
from keras_models.twins.cores import usable_cores  # noqa: E402
from keras_models.twins.one_line_parser import OneLineParser  # noqa: E402
from keras_models.twins.terminated import (  # noqa: E402
    TERMINATED_STATUS,
    Terminated,
    sigterm_stops_like_ctrl_c,
    stopped_meanwhile,
)

# not the packages of pytest plugins (hypothesis, xdist, anyio): pytest rewrites their asserts as it imports them
PRELOAD = (*WITH_TENSORFLOW, "pytest", "sklearn", "matplotlib.pyplot")


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    original: str
    mutated: str
    why: str
    tests: tuple[str, ...]


def load(path: Path = LIST) -> list[Mutant]:
    """The mutants of the list, each checked to be complete and to change MUTABLE code only."""
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("mutant")
    except tomllib.TOMLDecodeError as error:
        raise SystemExit(f"{path.name} is not valid TOML: {error}") from None
    except UnicodeDecodeError as error:                  # TOML is UTF-8: an editor saved it in Latin-1, say
        raise SystemExit(f"{path.name} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at position "
                         f"{error.start}): save it as UTF-8") from None
    if not isinstance(entries, list) or not entries:
        raise SystemExit(f"{path.name} has no [[mutant]] entries")
    mutants = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise SystemExit(f"{path.name}: mutant {i + 1} is {entry!r}, not a [[mutant]] table of name, file, ...")
        missing = {"name", "file", "original", "mutated", "why", "tests"} - set(entry)
        if missing:
            raise SystemExit(f"{path.name}: mutant {i + 1} lacks {sorted(missing)}")
        not_text = sorted(key for key in ("name", "file", "original", "mutated", "why")
                          if not isinstance(entry[key], str))
        if not_text:
            raise SystemExit(f"{path.name}: mutant {i + 1} has {', '.join(not_text)} not in quotes: each is text")
        if not re.fullmatch(r"\w+", entry["name"], re.ASCII):           # a folder's name; ONLY= splits at commas
            raise SystemExit(f"{path.name}: mutant {i + 1} is named {entry['name']!r}: a name is letters, digits "
                             f"and _ only")
        if not os.path.normpath(entry["file"]).startswith(MUTABLE):      # scratch/../tests/x.py is in tests/
            raise SystemExit(f"{path.name}: mutant {entry['name']!r} changes {entry['file']}, outside "
                             f"{', '.join(MUTABLE)}")
        if entry["original"] == entry["mutated"]:
            raise SystemExit(f"{path.name}: mutant {entry['name']!r} does not change anything")
        tests = entry["tests"]
        if not isinstance(tests, list) or not tests or not all(isinstance(test, str) and test for test in tests):
            raise SystemExit(f"{path.name}: mutant {entry['name']!r} has tests = {tests!r}: give a list of one or more "
                             f"test files (pytest given none runs the whole suite)")
        mutants.append(Mutant(entry["name"], entry["file"], entry["original"], entry["mutated"], entry["why"],
                              tuple(tests)))
    names = [m.name for m in mutants]
    if len(set(names)) != len(names):
        raise SystemExit(f"{path.name}: mutant names repeat: {sorted({n for n in names if names.count(n) > 1})}")
    return mutants


@functools.cache
def tracked_files(repo: Path) -> tuple[str, ...]:
    """`git ls-files` in `repo`: the files git tracks there that exist on disk, relative to it (make release's list)."""
    try:
        listed = git_files.listed(repo, "make mutants copies the files git tracks into each copy of the repository")
    except ValueError as error:                                  # no git, or not a clone: a folder unpacked from a ZIP
        raise SystemExit(str(error)) from None
    return tuple(path.as_posix() for path in listed)


# The copy's own commit: no config but this (not the instructor's global hooks, signing or template), no hook, and none
# of their GIT_* variables (an author, a date git cannot read): the copy is a repository of make mutants' own
COPY_GIT = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
COPY_IDENTITY = ("-c", "user.name=make mutants", "-c", "user.email=make-mutants@localhost")


def commit_tracked_files(copy: Path) -> None:
    """Make `copy` a git repository whose one commit holds the files git tracks in the checkout, as they are on disk
    there (as make release copies them): a mutant applied after it is its one uncommitted change."""
    environment = {**{name: value for name, value in os.environ.items() if not name.startswith("GIT_")}, **COPY_GIT}

    def git(*args: str, given: bytes | None = None) -> None:
        try:
            git_files.git(copy, *args, environment=environment, given=given)
        except subprocess.CalledProcessError as error:           # a full temporary folder: git's own line, not ours
            said = git_files.git_said(error) or f"exit status {error.returncode}"
            raise SystemExit(f"make mutants could not commit its copy of the checkout in the temporary folder "
                             f"(git said: {said})") from None

    git("init", "-q", "--template=", "--initial-branch=main")       # --template=: no hook, no info/exclude
    # each name as git listed its bytes (os.fsencode undoes git_files.names' os.fsdecode: not UTF-8 is kept as it is)
    git("update-index", "--add", "-z", "--stdin", given=b"\0".join(os.fsencode(name) for name in tracked_files(REPO)))
    git(*COPY_IDENTITY, "commit", "-q", "-m", "the files git tracks in the checkout, as make mutants copied them")


def copy_repository(into: Path, git: Path | None = None, source: Path | None = None) -> Path:
    """The parts of the repository the tests need, under `into` (no .venv or logs), and a .git whose one commit holds
    the files git tracks: make release's tests copy `git ls-files` and commit. `git`: an earlier copy's .git (the
    untouched copy's, which its tests only read) to copy rather than commit again (0.3 to 0.6 s), all but its objects:
    those (the files' contents, 3 MB in 250 files, which took 0.1 s more to copy) are read where they are. `source`:
    the checkout (None; its bytecode left out), or a copy whose bytecode was written for its copies (WRITE_BYTECODE)."""
    ignore = shutil.ignore_patterns(*(("__pycache__", "*.pyc") if source is None else ()), ".hypothesis", "notebooks")
    source = REPO if source is None else source
    try:
        for name in COPIED:
            shutil.copytree(source / name, into / name, ignore=ignore)
        for name in tracked_files(REPO):
            if not (into / name).exists():
                (into / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, into / name)
        (into / "logs").mkdir(exist_ok=True)                         # logs/.gitkeep, tracked, may have made it
        if git is None:
            commit_tracked_files(into)
        else:                                                        # git's alternates: objects read from another
            shutil.copytree(git, into / ".git", ignore=lambda folder, names: ["objects"] if Path(folder) == git else [])
            (into / ".git" / "objects" / "info").mkdir(parents=True)
            (into / ".git" / "objects" / "info" / "alternates").write_text(f"{git.resolve() / 'objects'}\n",
                                                                           encoding="utf-8")
    except shutil.Error as failed:        # copytree goes on past a file it cannot copy, then lists each: the first
        source, _, why = failed.args[0][0]
        raise SystemExit(copy_failed(source, into, re.sub(r"^\[Errno \d+\] (.*?)(: '.*)?$", r"\1", why))) from None
    except OSError as failed:             # a full temporary folder: "No space left on device"
        raise SystemExit(copy_failed(failed.filename or "a file", into, failed.strerror or str(failed))) from None
    return into


def copy_failed(source: object, into: Path, reason: str) -> str:
    """The one line for a file that could not be copied into `into` (a full temporary folder: make mutants makes a
    copy of the checkout for each mutant), in place of shutil's traceback with a list of every file it could not
    copy."""
    return (f"make mutants could not copy {source} into the temporary folder ({into}): {reason} (TMPDIR=dir chooses "
            f"another temporary folder)")


def copy_first(copy: Path) -> dict[str, str]:
    """The environment of a test run in `copy`: PYTHONPATH names the copy first. The .venv's editable install
    finds scratch, data and keras_models in the ORIGINAL checkout for any Python whose own folder does not hold
    them: a process a test starts elsewhere (the notebooks' ipykernel starts in a folder of its own) tested the
    original, and its mutant survived. Python's path comes before the editable install's finder."""
    inherited = os.environ.get("PYTHONPATH", "")
    return {**os.environ, **TEST_ENV, "PYTHONPATH": os.pathsep.join([str(copy), *([inherited] if inherited else [])])}


# pytest's exit statuses that say what the tests found: 1, a test failed; 2, an error while collecting them (the
# mutant broke an import). Any other (3, its internal error; 4, usage; 5, no test collected; a signal: the
# out-of-memory killer) says nothing of the mutant.
FOUND_A_FAILURE = (1, 2)

# The runs under way (their pids, each its session's and process group's), for Ctrl-C or SIGTERM to stop: the
# threads running them see no signal. Once stopped, no run starts.
_runs = threading.Lock()
_running: set[int] = set()
_stopped = threading.Event()


def stop_every_run() -> None:
    """Kill every run under way with every process it started, and start no other (Ctrl-C, SIGTERM)."""
    with _runs:
        _stopped.set()
        for pid in _running:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:                  # it ended meanwhile, and everything it started with it
                pass


# pytest plugins that packages installed for other reasons register (jupyter's anyio, which imports trio; platformdirs';
# xdist's --looponfail) and that no test uses: loading them took about 0.5 of each run's 3.4 CPU-seconds. The untouched
# run goes without them too, so a test that comes to need one fails there ("the untouched code fails"), not as a kill.
UNUSED_PLUGINS = ("anyio", "platformdirs", "xdist.looponfail")


# Bytecode written into a copy, for the copies made from it: every module of the project compiled, and the tests (and
# conftest) as pytest rewrites their asserts, by collecting them. Each run then reads it instead of compiling about 1
# CPU-second of Python again. A mutated file's bytecode is not used: Python checks the source's mtime and size, and
# the mutant is written long after the copy's files were (its mtime differs); nothing is written in a run
# (PYTHONDONTWRITEBYTECODE), and the file written back takes its mtime back, for which the bytecode was compiled.
WRITE_BYTECODE = ("import compileall, sys; sys.dont_write_bytecode = False; "
                  "[compileall.compile_dir(folder, quiet=1) for folder in ('scratch', 'keras_models', 'data', "
                  "'tests')]; import pytest; sys.exit(pytest.main(sys.argv[1:]))")


def run_tests(copy: Path, tests: tuple[str, ...], python: Zygote | None = None,
              time_limit: float | None = None, workers: int = 0, bytecode: bool = False) -> tuple[int | None, str]:
    """pytest -x on `tests` in the copy, warm when `python` is given: (its exit status, the last line it printed).
    `workers`: xdist's -n (0, the default: in pytest's own process, as each mutant runs). `bytecode`: instead, write
    the copy's bytecode (WRITE_BYTECODE) and collect `tests` without running them. Still running after `time_limit`
    seconds, it is stopped (SIGKILL) with every process it started, and the status is None."""
    popen = python.Popen if python is not None else subprocess.Popen
    with _runs:
        if _stopped.is_set():
            return None, "not started: make mutants was stopped"
        without = [arg for plugin in ("cacheprovider", *UNUSED_PLUGINS) for arg in ("-p", f"no:{plugin}")]
        how = ["-c", WRITE_BYTECODE, "--collect-only"] if bytecode else ["-m", "pytest", "-x", "-n", str(workers)]
        process = popen([sys.executable, *how, "-q", *without, "--no-header", *tests], cwd=copy,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=copy_first(copy),
                        start_new_session=True)
        _running.add(process.pid)
    with process:
        try:
            stdout, stderr = process.communicate(timeout=time_limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)      # its session's group: pytest, and a kernel or server it started
            process.wait()
            return None, f"still running after {time_limit:.0f} s: stopped"
        else:   # pytest ended; what it left running in its session (a kernel a failing test did not stop) must not
            # write into the copy after its snapshot, for the next mutant to meet
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:                  # nothing left: the group ended with pytest
                pass
        finally:
            with _runs:
                _running.discard(process.pid)
    lines = [line for line in stdout.splitlines() if line.strip()]
    return process.returncode, (lines[-1] if lines else stderr.strip()[-200:])


# How often the main thread, waiting for the runs, wakes. Python runs a signal's handler in the main thread, but the
# kernel hands a signal sent to the process to any thread: taken by a run's thread (in its communicate), Ctrl-C or
# SIGTERM was noted and never acted on, since nothing woke the main thread from a wait with no timeout -- make
# mutants sat there, its runs going on (seen under load, about 1 Ctrl-C in 10). Woken this often, it raises it.
WAKE_EVERY = 0.1                                     # seconds


def as_they_end(runs: Iterable[Future]) -> Iterator[Future]:
    """`runs` as each ends, as concurrent.futures.as_completed gives them, but waited for WAKE_EVERY seconds at a
    time, so that a signal another thread took is raised here at once. (Not a loop of concurrent.futures.wait: it
    takes every run's lock in Python code, and a KeyboardInterrupt raised there could leave one taken, for the run's
    thread to wait on for ever. A SimpleQueue's lock is taken and given back in C.) A stop that Python raised in a
    __del__ method and dropped (twins/terminated.py) is raised again at the next wake: make mutants waited on, deaf."""
    runs = list(runs)
    ended: queue.SimpleQueue[Future] = queue.SimpleQueue()
    for run in runs:
        run.add_done_callback(ended.put)            # called in the run's thread as it ends (at once if it has)
    for _ in runs:
        while True:
            stopped_meanwhile()
            try:
                yield ended.get(timeout=WAKE_EVERY)
                break
            except queue.Empty:
                continue


Snapshot = dict[str, tuple[int, int]]


def snapshot(copy: Path) -> Snapshot:
    """Every file and folder under `copy` (its .git too): relative path -> (size, mtime_ns). A file a run wrote,
    added or deleted anywhere in the copy (a notebook run, a log, a .hypothesis database, git refreshing its index)
    changes it; a mutant written back byte for byte with its mtime does not."""
    found = {}
    for folder, folders, files in os.walk(copy):
        for name in (*folders, *files):
            path = os.path.join(folder, name)
            status = os.lstat(path)
            found[os.path.relpath(path, copy)] = (status.st_size, status.st_mtime_ns)
    return found


class Copies:
    """The copies of the repository the mutants are tested on, each reused by the next mutant while it is the
    untouched one: a worker thread takes one (a new one if none is free), applies its mutant, tests it, writes the
    file back, and gives it back. It is used again only if the run ended in a verdict (killed, SURVIVED) and the copy
    is, file for file, as it was made (snapshot: path, size and mtime); else it is deleted, and the next mutant gets a
    new copy. As many copies as mutants tested at once, each made once: a copy took about 0.5 s of each mutant's 3."""

    def __init__(self, workdir: Path, git: Path | None = None, source: Path | None = None):
        self.workdir, self.git, self.source = workdir, git, source      # git: a .git to copy; source: copy_repository's
        self._free: queue.SimpleQueue[tuple[Path, Snapshot]] = queue.SimpleQueue()

    def take(self) -> tuple[Path, Snapshot]:
        """A free copy as it was made, and its snapshot from then; a new one if none is free."""
        try:
            return self._free.get_nowait()
        except queue.Empty:
            copy = copy_repository(Path(tempfile.mkdtemp(prefix="copy_", dir=self.workdir)), self.git, self.source)
            return copy, snapshot(copy)

    def give_back(self, copy: Path, made: Snapshot, reusable: bool) -> None:
        """Free `copy` for the next mutant if `reusable` and nothing in it differs from `made`; else delete it."""
        if reusable and snapshot(copy) == made:
            self._free.put((copy, made))
        else:
            shutil.rmtree(copy, ignore_errors=True)


def try_mutant(mutant: Mutant, copies: Copies, python: Zygote | None = None,
               time_limit: float | None = None) -> tuple[str, str, float]:
    """Apply one mutant to a copy from `copies` and test it, for at most `time_limit` seconds, then write the file
    back as it was (bytes and mtime): (verdict, what pytest said, seconds)."""
    start = time.perf_counter()
    copy, made = copies.take()
    verdict = "ERROR"                       # until the run ends in one: a copy an exception left is deleted
    try:
        target = copy / mutant.file
        if not target.is_file():
            verdict = "STALE"
            return verdict, f"no file {mutant.file}", time.perf_counter() - start
        committed, status = target.read_bytes(), target.stat()
        text = target.read_text(encoding="utf-8")
        count = text.count(mutant.original)
        if count != 1:
            verdict = "STALE"
            return verdict, f"original text found {count} times in {mutant.file}", time.perf_counter() - start
        target.write_text(text.replace(mutant.original, mutant.mutated), encoding="utf-8")
        try:
            exit_status, said = run_tests(copy, mutant.tests, python, time_limit)
        finally:                                         # the next mutant on this copy sees the file as committed
            target.write_bytes(committed)
            os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
        if exit_status is None:
            verdict = "TIMEOUT"
            return verdict, said, time.perf_counter() - start
        verdict = ("killed" if exit_status in FOUND_A_FAILURE else "ERROR" if exit_status != 0
                   else "SKIPPED" if SKIPS.search(said) else "SURVIVED")
        return (verdict, said if verdict != "ERROR" else f"pytest's exit status {exit_status}: {said}",
                time.perf_counter() - start)
    finally:             # a run stopped at its time limit, or ended by a signal, may have left anything: not reused
        copies.give_back(copy, made, reusable=verdict in ("killed", "SURVIVED", "STALE"))


def mutant_names(text: str) -> list[str]:
    """--only: mutant names separated by commas, as make mutants ONLY=a,b passes them (else argparse prints this
    line and exits 2; ONLY= given empty is refused, not read as every mutant)."""
    names = text.split(",")
    if not all(name.strip() for name in names):
        raise argparse.ArgumentTypeError(f"{text!r} has an empty name: give mutant names separated by commas, "
                                         f"e.g. sigmoid_sign,relu_kink")
    return [name.strip() for name in names]


def at_least_one(text: str) -> int:
    """--jobs: a whole number of mutants tested at once, 1 or more (else argparse prints this line and exits 2)."""
    if not text.strip().isdecimal() or int(text) < 1:      # isdigit takes "²", which int refuses
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of mutants at once, 1 or more")
    return int(text)


def options_parser() -> argparse.ArgumentParser:
    """make mutants' options; --jobs counts the cores this process may run on (taskset, a container's cpuset), not
    the machine's: on one core, two mutants' pytest processes at once only take turns."""
    parser = OneLineParser(prog="make mutants", command=".venv/bin/python tests/mutation/run.py",
                           make_variables={"--only": "ONLY", "--jobs": "JOBS"},
                           description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="extend", type=mutant_names, metavar="NAME,NAME",
                        help="run only these mutants (ONLY=; repeatable)")
    parser.add_argument("--jobs", type=at_least_one, default=usable_cores(), help="mutants tested at once (JOBS=)")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        with sigterm_stops_like_ctrl_c():
            return run_mutants(argv)
    except Terminated:
        print("\nTerminated (SIGTERM); the runs were stopped and their copies deleted.", file=sys.stderr)
        return TERMINATED_STATUS
    except KeyboardInterrupt:
        print("\nInterrupted; the runs were stopped and their copies deleted.", file=sys.stderr)
        return 130
    except (BrokenPipeError, OutputFailed) as failed:   # `make mutants | head -3`, `> /dev/full`: nobody reads them
        print(f"error: {output_failed(failed, 'make mutants')}", file=sys.stderr)
        return 1


def mutant_time_limit(untouched_seconds: float, workers: int) -> float:
    """A mutant's time limit: TIME_LIMIT_FACTOR times the untouched run as one process would take it (a mutant's run
    is one process), at least MIN_TIME_LIMIT. The untouched run on `workers` xdist processes (0: pytest's own) took
    about 1/workers of that: 807 s of make mutants timed it at 122 s on one process, 2 workers took half."""
    return max(MIN_TIME_LIMIT, TIME_LIMIT_FACTOR * max(1, workers) * untouched_seconds)


def run_mutants(argv: list[str] | None) -> int:
    parser = options_parser()
    args = parser.parse_args(argv)
    mutants = load()
    if args.only:
        unknown = sorted(set(args.only) - {m.name for m in mutants})
        if unknown:
            parser.error(f"no mutant called {', '.join(unknown)}")
        mutants = [m for m in mutants if m.name in args.only]
    started = time.perf_counter()
    tracked_files(REPO)                              # git's refusal in one line, before anything starts
    _stopped.clear()
    os.environ.update(TEST_ENV)                      # the warm Python imports TensorFlow with these too
    with tempfile.TemporaryDirectory(prefix="mutants_") as workdir, Zygote(workdir, "mutants", PRELOAD) as python:
        workdir = Path(workdir)
        every_test = tuple(sorted({t for m in mutants for t in m.tests}))
        workers = args.jobs if args.jobs > 1 else 0      # xdist's -n: 0, in pytest's own process (-n 1 adds a worker)
        compiled = copy_repository(workdir / "compiled")     # its bytecode written, then copied with it into each copy
        untouched = workdir / "untouched"

        def test_untouched() -> tuple[int | None, str, float]:
            """Write the bytecode into `compiled`, then test its copy `untouched`, which holds it as every mutant's copy
            will: (status, what pytest said, seconds of the test run alone)."""
            status, said = run_tests(compiled, every_test, python, bytecode=True)
            if status != 0:
                return status, said, 0.0
            copy_repository(untouched, compiled / ".git", compiled)
            start = time.perf_counter()
            return *run_tests(untouched, every_test, python, None, workers), time.perf_counter() - start

        # run in a thread, as each mutant's: a signal raises in the main thread, never between the run's start and
        # _running noting it (that run's processes ran on). The submit is inside the try too: a signal there (while
        # Thread.start waits for the new thread) can leave a started thread the executor has not noted yet, and the
        # program then waits at exit for that run -- what the test's stand-in showed once on a loaded machine: its
        # line printed, the program still there 20 s later
        with ThreadPoolExecutor(max_workers=1) as alone:
            try:
                [run] = as_they_end([alone.submit(test_untouched)])
                status, said, untouched_seconds = run.result()
            except KeyboardInterrupt:
                stop_every_run()
                raise
        if status != 0:
            print(f"the untouched code fails its own tests ({said}): fix that first", file=sys.stderr)
            return 1
        time_limit = mutant_time_limit(untouched_seconds, workers)
        print(f"{len(mutants)} mutants of {', '.join(MUTABLE)}, each tested alone on a copy ({args.jobs} at once, "
              f"at most {time_limit:.0f} s each) ...", flush=True)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            copies = Copies(workdir, compiled / ".git", compiled)
            runs = {pool.submit(try_mutant, mutant, copies, python, time_limit): mutant for mutant in mutants}
            try:
                for ended, run in enumerate(as_they_end(runs), start=1):
                    verdict, _, seconds = run.result()
                    print(f"[{ended}/{len(mutants)}] {runs[run].name}: {verdict} in {seconds:.1f} s", flush=True)
                results = [run.result() for run in runs]          # in the list's order
                for i, mutant in enumerate(mutants):
                    if results[i][0] in TRIED_AGAIN:     # a test skipped itself on a busy machine; a run crashed
                        [run] = as_they_end([pool.submit(try_mutant, mutant, copies, python, time_limit)])
                        results[i] = run.result()
                        print(f"[again, alone] {mutant.name}: {results[i][0]} in {results[i][2]:.1f} s", flush=True)
            except (BrokenPipeError, OutputFailed):  # the mutants not started yet are not run for nobody
                pool.shutdown(cancel_futures=True)
                raise
            except KeyboardInterrupt:                # Ctrl-C, SIGTERM: no mutant run waited for, the copies deleted
                pool.shutdown(wait=False, cancel_futures=True)
                stop_every_run()
                raise
    width, file_width = max(len(m.name) for m in mutants), max(len(m.file) for m in mutants)
    print(f"\n{'mutant':<{width}}  {'file':<{file_width}}  verdict   seconds  why")
    for mutant, (verdict, said, seconds) in zip(mutants, results, strict=True):
        print(f"{mutant.name:<{width}}  {mutant.file:<{file_width}}  {verdict:<8}  {seconds:7.1f}  {mutant.why}")
        if verdict != "killed":
            print(f"{'':<{width}}  {'':<{file_width}}  -> {said}")
    missed = [(mutant, verdict, said) for mutant, (verdict, said, _) in zip(mutants, results, strict=True)
              if verdict != "killed"]
    print(f"\n{len(mutants) - len(missed)} of {len(mutants)} mutants killed in {time.perf_counter() - started:.0f} s.")
    for mutant, verdict, said in missed:   # again at the end: a CI log shows only its tail, past the table's 600 lines
        print(f"not killed: {mutant.name} ({mutant.file}): {verdict}: {said}")
    return 1 if missed else 0


if __name__ == "__main__":
    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
    sys.exit(main())
