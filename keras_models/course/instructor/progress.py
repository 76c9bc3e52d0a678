"""What an interrupted `make grade` had graded, kept in the submissions folder, so that the same make grade again
grades only the learners not yet done: a class of 60 takes 10 to 40 minutes, and a Ctrl-C or a SIGTERM half way
used to throw away every grade given so far.

    dir/grades_progress.json    {"format": FORMAT, "settings": {...}, "verdicts": [[learner, exercise, digest,
                                 passed, reason (, cpu_at_wall_limit | true)], ...]}

What is kept is each submission's verdict, what its own process judged (passed, and the one-line reason; at the wall
limit, the CPU seconds used by then, which rows written before they were kept do without; at the CPU-time limit,
true: out_of_time), beside the
SHA-256 of what it judged: the file's name and bytes, as read before any submission ran (`digest`). The rest of a
grade -- its points, the file named, what a 0's reason adds -- is worked out again from the folder as it is now, as
for every learner: a verdict is used again only for the very bytes it judged, so a learner whose file changed since
is graded again for it. Beside the verdicts are the settings they depend on (`settings`): the exercises chosen and
their points, TIME_LIMIT and WALL_LIMIT, the project's code and data (meddling.project_hashes), Python's and the
packages' versions. When one of them differs, every learner is graded again, in one line that says which. JOBS is
not one: it changes how long grading takes, not a verdict.

The file is the submissions folder's, where the grades go and which one make grade holds at a time (alone.py): the
same SUBMISSIONS= finds it, and two classes graded side by side do not share it. make grade writes it whole
(scratch.atomic_write) as each learner's last submission is graded, and once more, from what it holds, when it is
stopped and every submission's process is gone: a submission runs as the instructor's user, and a file it wrote
there is written over. It is read before any submission runs; one that cannot be read, is not JSON or is not this
FORMAT is named in one line and ignored (every learner is graded afresh); and it is deleted once grades.csv is
written, or when a submission changed the project's code or data (its verdicts would not stand). Not stopped: a
submission that writes the file and then kills make grade outright (SIGKILL), as it could change a grader too
(sandbox.py); grade an untrusted class in a container.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

from keras_models.course.exercises.graders import Exercise
from keras_models.course.instructor.sandbox import Submission, Verdict, one_line, wall_limit
from keras_models.twins.counted import counted
from scratch.atomic_write import write_text_atomically

PROGRESS = "grades_progress.json"
FORMAT = "make grade's progress, version 1"
# what the graders run on, by the names pip installs them under (pyproject.toml's tensorflow is tensorflow-cpu)
PACKAGES = ("tensorflow", "tensorflow-cpu", "keras", "numpy", "pandas", "nbformat", "jupytext")


def settings(exercises: list[Exercise], time_limit: int, wall_seconds: float | None,
             project: dict[str, str]) -> dict[str, object]:
    """{what the instructor would call it: its value} for everything a verdict depends on but the submission: the
    exercises and their points, the limits (WALL_LIMIT as it applies, given or not), the project's files' hashes
    (project: meddling.project_hashes), Python's and the packages' versions."""
    return {"exercises (ONLY=)": [exercise.name for exercise in exercises],
            "points": [exercise.points for exercise in exercises],
            "TIME_LIMIT": time_limit,
            "WALL_LIMIT": wall_limit(time_limit, wall_seconds),
            "project code or data": hashlib.sha256(json.dumps(sorted(project.items())).encode()).hexdigest(),
            "Python or packages": [sys.version, *(f"{name} {version}" for name in PACKAGES
                                                  if (version := _version(name)))]}


def _version(package: str) -> str | None:
    """The version of `package` installed, or None when it is not."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def digest(task: Submission) -> str:
    """The SHA-256 of what a submission's verdict judged: its file's name (.py or notebook), then its bytes."""
    return hashlib.sha256(task.file_name.encode("utf-8", "surrogatepass") + b"\0" + task.source).hexdigest()


class Kept:
    """The verdicts of the submissions folder's progress file that still stand, and this run's as they come."""

    def __init__(self, folder: Path, settings: dict[str, object], verdicts: dict[tuple[str, str], tuple[str, Verdict]]):
        self.path = folder / PROGRESS
        self.settings = settings
        self.verdicts = verdicts            # {(learner, exercise name): (digest, verdict)}
        self.digests: dict[tuple[str, str], str] = {}      # {key: digest} of the submissions this run grades
        self.class_size = self.done = 0     # learners, and those graded: counted by grade_class._Progress
        self.save_failed = False

    @classmethod
    def read(cls, folder: Path, settings: dict[str, object]) -> Kept:
        """The progress file in `folder` (before any submission runs); a line on stderr when it is there but cannot
        be used: damaged or another program's (then ignored), or left with other settings (then nothing of it
        stands)."""
        path = folder / PROGRESS
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return cls(folder, settings, {})
        except (OSError, UnicodeDecodeError) as error:
            return _ignored(folder, settings, f"not JSON: {error}" if isinstance(error, UnicodeDecodeError)
                            else f"it cannot be read: {error.strerror or error}")
        try:
            found = json.loads(text)
            if not (isinstance(found, dict) and found.get("format") == FORMAT):
                return _ignored(folder, settings, "not make grade's progress")
            differ = [name for name in settings if found["settings"].get(name) != settings[name]]
            verdicts = {}
            for learner, exercise, digest, passed, reason, *last_one in found["verdicts"]:
                last = last_one.pop() if len(last_one) == 1 else None         # (rows written before it: none)
                if not (all(isinstance(value, str) for value in (learner, exercise, digest, reason))
                        and isinstance(passed, bool) and len(last_one) == 0
                        and (last is None or last is True or type(last) in (int, float))):
                    raise TypeError("a verdict of other types")
                verdicts[learner, exercise] = (digest, Verdict(passed, one_line(reason),   # one line, whoever wrote it
                                                               None if last is True else last, last is True))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return _ignored(folder, settings, f"not JSON: {error}" if isinstance(error, json.JSONDecodeError)
                            else "not make grade's progress")
        if differ:
            say(f"warning: {path} was left by a make grade whose {differ[0]} differed: every learner is graded again")
            return cls(folder, settings, {})
        return cls(folder, settings, verdicts)

    def take(self, tasks: list[Submission], verdicts: dict) -> list[Submission]:
        """`tasks` less those whose verdict is kept for the very bytes they hold; those verdicts go into `verdicts`,
        the others are dropped (a file changed since, or a learner gone)."""
        kept, left = {}, []
        for task in tasks:
            self.digests[task.key] = digest(task)
            found = self.verdicts.get(task.key)
            if found is not None and found[0] == self.digests[task.key]:
                kept[task.key] = found
                verdicts[task.key] = found[1]
            else:
                left.append(task)
        self.verdicts = kept
        return left

    def add(self, key: tuple[str, str], verdict: Verdict) -> None:
        self.verdicts[key] = (self.digests[key], verdict)

    def save(self) -> None:
        """Write the progress file whole (an OSError, a full disk, names it)."""
        rows = [[learner, exercise, digest, verdict.passed, verdict.reason]
                + ([] if verdict.cpu_at_wall_limit is None else [verdict.cpu_at_wall_limit])
                + ([True] if verdict.out_of_time else [])            # (never both: one is at the wall limit)
                for (learner, exercise), (digest, verdict) in self.verdicts.items()]
        write_text_atomically(self.path, json.dumps({"format": FORMAT, "settings": self.settings, "verdicts": rows},
                                                    indent=1) + "\n")

    def save_while_grading(self) -> None:
        """save, as a learner is done; one that fails is one line, once, and grading goes on."""
        try:
            self.save()
        except OSError as error:
            if not self.save_failed:
                say(f"warning: the grades given so far cannot be kept in {self.path} ({error.strerror or error}): "
                     "a make grade stopped now would start again from the first learner")
            self.save_failed = True

    def when_stopped(self, stands: bool) -> str:
        """What a make grade stopped by Ctrl-C or SIGTERM says it kept, after every submission's process is gone:
        the progress file written again from what this run holds, or, when nothing was graded or its verdicts do
        not stand (`stands` False: a submission changed the project), deleted. Stopped before grading began, it is
        left as it was."""
        if stands and not self.class_size:          # stopped before grading began: the file stays as it was
            return "no grades were written" + (f"; those kept in {self.path} still are: run the same make grade "
                                                "again." if self.verdicts else ".")
        if not (stands and self.verdicts):
            forget(self.path.parent)
            return "no grades were written."
        try:
            self.save()
        except OSError as error:
            return f"no grades were written: {self.path} cannot be written ({error.strerror or error})."
        return (f"the grades of {self.done} of {counted(self.class_size, 'learner')} kept in {self.path}: run the "
                f"same make grade again to grade the other {self.class_size - self.done}.")


def _ignored(folder: Path, settings: dict[str, object], why: str) -> Kept:
    say(f"warning: {folder / PROGRESS} cannot be read as make grade's progress ({why}): it is ignored, and every "
         "learner graded afresh")
    return Kept(folder, settings, {})


def say(line: str) -> None:
    """`line` on stderr, at once; a closed stderr is no reason to stop grading. (Python's stderr writes what its
    encoding cannot show as an escape, whatever PYTHONIOENCODING says.)"""
    with contextlib.suppress(OSError):
        print(line, file=sys.stderr, flush=True)


def forget(folder: Path) -> None:
    """Delete the progress file in `folder`: its grades are in grades.csv, or do not stand."""
    with contextlib.suppress(OSError):
        (folder / PROGRESS).unlink(missing_ok=True)


def without_progress(state: dict[str, object]) -> dict[str, object]:
    """A meddling.folder_state of the submissions folder less the progress file, which make grade itself writes."""
    return {path: value for path, value in state.items() if path != PROGRESS}
