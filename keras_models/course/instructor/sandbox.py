"""One submission graded in a process of its own: on a copy, with a time limit, with a verdict its output cannot forge.

For each (learner, exercise) `make grade` forks a child process (start method "fork") from a parent
that has already imported TensorFlow, Keras and the graders -- but never ran a TensorFlow op, so
the child starts with a clean runtime and skips the ~5 s import. The child:

    copies nothing back: it grades its own copy of the file, in a temporary folder that is its
        working directory, and that folder is deleted afterwards
    has a CPU-time limit (RLIMIT_CPU: the kernel stops it), and the parent kills it after a wall-time
        limit, 3 x that + 5 s or WALL_LIMIT (a submission that sleeps uses no CPU)
    prints into a file nobody reads: its stdout and stderr are redirected, so a submission that
        prints junk -- or a fake "PASS" line -- changes nothing
    sends its verdict to the parent over a pipe of its own, as JSON (never a pickle, which could run
        code in the parent), and that is the only thing the parent believes: no verdict (a crash,
        os._exit, the time limit) is a 0 with the reason

What this does not stop: the grader runs in the same process as the submission, so a submission
written to attack the grader (patch it, write to its pipe) could. It stops accidents, endless
loops and output that looks like a verdict; read the code of a suspicious full mark.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

MAX_REASON = 300               # characters of a reason kept for the table and the CSV


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str                # one line: the grader's summary, or why it is a 0


@dataclass
class _Running:
    key: object
    process: multiprocessing.process.BaseProcess
    conn: Connection
    workdir: Path
    started: float


def one_line(text: str) -> str:
    """The first non-empty line of `text`, shortened to MAX_REASON characters."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= MAX_REASON else line[:MAX_REASON - 3] + "..."


def _child(conn: Connection, exercise_name: str, submission: str, workdir: str, cpu_seconds: int) -> None:
    """In the forked process: limit the CPU, silence the submission, grade it, send the verdict."""
    from keras_models.course.exercises.graders import find, grade_file

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    os.chdir(workdir)
    output = os.open("output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(output, 1)
    os.dup2(output, 2)
    try:
        result = grade_file(find(exercise_name), Path(submission), Path(tempfile.mkdtemp(dir=".")))
        verdict = Verdict(result.passed, one_line(result.message))
    except SystemExit as exit_:
        verdict = Verdict(False, f"the code called sys.exit({exit_.code!r})")
    except BaseException as error:              # noqa: BLE001 -- anything the submission raised is its 0
        verdict = Verdict(False, one_line(f"{type(error).__name__}: {error}"))
    conn.send_bytes(json.dumps({"passed": verdict.passed, "reason": verdict.reason}).encode("utf-8"))
    conn.close()


def grade_in_sandboxes(tasks: list[tuple[object, str, Path]], time_limit: float, jobs: int,
                       wall_seconds: float | None = None) -> dict[object, Verdict]:
    """Grade each (key, exercise name, submission file) in its own child, `jobs` at a time; {key: Verdict}.

    time_limit: seconds of CPU per submission; wall_seconds: of wall clock (None: wall_limit(time_limit)).
    """
    wall_seconds = wall_limit(time_limit) if wall_seconds is None else wall_seconds
    context = multiprocessing.get_context("fork")
    verdicts: dict[object, Verdict] = {}
    pending = list(reversed(tasks))
    running: list[_Running] = []
    while pending or running:
        while pending and len(running) < jobs:
            running.append(_start(context, *pending.pop(), time_limit))
        ready = wait([r.conn for r in running] + [r.process.sentinel for r in running], timeout=0.1)
        for r in list(running):
            verdict = _poll(r, ready, time_limit, wall_seconds)
            if verdict is not None:
                verdicts[r.key] = verdict
                running.remove(r)
    return verdicts


def wall_limit(time_limit: float) -> float:
    """Seconds of wall clock a submission gets: 3 x its CPU time, and 5 s more (a loaded machine, a short limit)."""
    return 3 * time_limit + 5


def _start(context, key: object, exercise_name: str, submission: Path, time_limit: float) -> _Running:
    workdir = Path(tempfile.mkdtemp(prefix=f"grade_{exercise_name}_"))
    copy = workdir / submission.name
    shutil.copyfile(submission, copy)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, exercise_name, str(copy), str(workdir),
                                                   max(1, round(time_limit))))
    process.start()
    send.close()
    return _Running(key, process, receive, workdir, time.monotonic())


def _poll(r: _Running, ready: list, time_limit: float, wall_seconds: float) -> Verdict | None:
    """The verdict of a child that has answered, ended or run out of time; None while it still runs."""
    verdict = _received(r.conn) if r.conn in ready else None
    if verdict is None and r.process.sentinel not in ready:
        if time.monotonic() - r.started <= wall_seconds:
            return None
        r.process.kill()
        verdict = Verdict(False, f"did not finish within {wall_seconds:g} s (time limit)")
    r.process.join()
    if verdict is None:
        code = r.process.exitcode
        reason = (f"used more than {time_limit:g} s of CPU time (time limit)" if code == -signal.SIGXCPU
                  else f"stopped before the grader gave a verdict (exit status {code})")
        verdict = Verdict(False, reason)
    r.conn.close()
    shutil.rmtree(r.workdir, ignore_errors=True)
    return verdict


def _received(conn: Connection) -> Verdict | None:
    """The verdict on the pipe, or None if the child closed it without one (or sent something else)."""
    try:
        message = json.loads(conn.recv_bytes(maxlength=64_000).decode("utf-8"))
        return Verdict(message["passed"] is True, one_line(str(message["reason"])))
    except (EOFError, OSError, ValueError, KeyError, TypeError):
        return None
