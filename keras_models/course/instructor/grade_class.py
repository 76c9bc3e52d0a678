"""`make grade SUBMISSIONS=dir`: grade a class; write dir/grades.csv and print the table.

    dir/alice/ex01_perceptron_activations.py     one sub-folder per learner, holding the exercise files
    dir/alice/ex02_backprop.ipynb                named as in the release: .py or .ipynb, at the top of the
    dir/bob/keras_models/course/exercises/...    folder or where the release keeps them (a clone works)

This file is the command and its order of work; each step's rules are in the module that does it:
1. The folder is read (learner_folders.py: the learners' folders, Moodle's download too, the entries skipped, a
   folder laid out otherwise refused in one line); every submission is read into memory before any learner code
   runs (learner_files.py: the file graded, or what lies there instead; with both the .py and the notebook, the one
   `make exercises` would grade: which_file.py). The data sets are checked against their SHA-256 and every grader
   imported first: a damaged one is one line and nothing is graded (exit status 1).
2. Every exercise of every learner is graded by its grader in a process of its own, on a copy, with limits
   (sandbox.py), JOBS at a time; a line on stderr says when each learner is done ("  3 of 28 learners graded (ann;
   41 s so far)"). A PASS scores the exercise's points (graders.EXERCISES), anything else 0 with a one-line reason.
3. The project's code and data, and the submissions folder, are compared before and after (meddling.py): a changed
   project file is named and no grades are written (exit status 1); a changed submission is named in a warning.
4. dir/grades.csv (learner, ex01 (/10), ..., ex07 (/15), total (/100)) and dir/grades_reasons.csv (learner,
   exercise, file, points, reason) are written whole (gradebook.py: what ONLY= keeps, an earlier book kept aside
   as grades_earlier.csv, hand-given grades, points changed since), then the table is printed (grade_table.py).

Ctrl-C, or SIGTERM (`timeout`, a cancelled CI job, `kill`), stops grading with every submission's processes killed
and every temporary folder deleted, in one line, exit status 130 (143): "Interrupted; the grades of 17 of 60
learners kept in dir/grades_progress.json: run the same make grade again to grade the other 43." The same make
grade again grades the others only (progress.py says when a kept verdict is not used). An output that takes no more
(`> /dev/full`) or is closed (`| head -1`) is one line on stderr and exit status 1: before grading when the
"grading ..." line cannot be written, after the grades are written when the table cannot.

Options (make variables): ONLY=ex01,ex03 grades some exercises, TIME_LIMIT=120 seconds of CPU per exercise,
WALL_LIMIT seconds of wall clock per exercise (by default three times TIME_LIMIT, and 5 s: a submission that sleeps
uses no CPU), JOBS submissions at a time (by default as many as the CPUs this process may run on: cores.py; more is
warned of). A bad value is refused in one line that names the make variable.
GitHub Classroom runs `--learner . --only ex01` in each learner's repository (.github/classroom/): exit status 0
only for a PASS.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import math
import os
import sys
import time
from pathlib import Path

from data import checksums
from keras_models.course.command_line import output_cannot_show
from keras_models.course.exercises.graders import (
    EXERCISES,
    Exercise,
    GraderUnreadable,
    find_all,
    load_graders,
)
from keras_models.course.exercises.which_file import Version
from keras_models.course.instructor import gradebook, progress
from keras_models.course.instructor.grade_table import print_table
from keras_models.course.instructor.gradebook import Book, Grade
from keras_models.course.instructor.learner_files import (
    beside_the_file_graded,
    staged_submission,
    submission,
    which_of_two,
)
from keras_models.course.instructor.learner_folders import find_learners
from keras_models.course.instructor.meddling import changed_paths, changes_named, folder_state, project_hashes
from keras_models.course.instructor.sandbox import Submission, Verdict, escaped, grade_in_sandboxes, wall_limit
from keras_models.twins.alone import held_alone
from keras_models.twins.closed_output import OutputFailed, output_failed, printing
from keras_models.twins.cores import usable_cores
from keras_models.twins.counted import counted
from keras_models.twins.git_files import restore_command
from keras_models.twins.one_line_parser import OneLineParser, one_line
from keras_models.twins.repository import REPO
from keras_models.twins.terminated import TERMINATED_STATUS, Terminated, sigterm_stops_like_ctrl_c, stopped_meanwhile

MAX_TIME_LIMIT, MAX_WALL_LIMIT, MAX_JOBS = 86_400, 604_800, 1024      # a day of CPU, a week of wall clock
DEFAULT_TIME_LIMIT = 120


def _preload(exercises: list[Exercise]) -> None:
    """Import TensorFlow, Keras, nbformat and the graders once, here, so that every forked child starts with them
    (worth it from two submissions on: one child alone imports what its grader needs). TensorFlow's start-up
    lines are dropped by the filter that `make grade` starts first (keras_models/twins/tf_chatter.py)."""
    # nbformat: a notebook submission's reader (notebook_source.py), imported once here rather than in every child
    for module in ("tensorflow", "keras", "nbformat"):
        importlib.import_module(module)
    load_graders(exercises)


def grade_learners(learners: dict[str, Path], exercises: list[Exercise], time_limit: int,
                   jobs: int, wall_seconds: float | None = None, kept: progress.Kept | None = None) -> Book:
    """{learner: {exercise name: Grade}} for every learner folder and exercise; with `kept` (the submissions
    folder's progress file), the verdicts it kept for the very files read now are not graded again, and as each
    learner's last submission is graded, a line on stderr and their verdicts kept there (_Progress).

    Every file is read before any of them runs: a submission that deletes or rewrites another learner's
    file changes nothing."""
    chosen: dict[tuple[str, str], Version | None] = {}
    near: dict[tuple[str, str], str] = {}       # the files named nearly right beside a file graded, for its 0
    verdicts: dict[tuple[str, str], Verdict] = {}
    tasks = []
    for name, folder in learners.items():
        for exercise in exercises:
            key = (name, exercise.name)
            try:
                chosen[key] = submission(folder, exercise)
            except OSError as error:            # a learner folder the instructor may not read (an archive's modes)
                chosen[key], near[key] = None, ""
                where = Path(error.filename or folder)
                named = where.relative_to(folder).as_posix() if where.is_relative_to(folder) else str(where)
                verdicts[key] = Verdict(False, f"cannot be read: {named or '.'} ({error.strerror or error})")
                continue
            near[key] = beside_the_file_graded(folder, exercise) if chosen[key] is not None else ""
            staged = staged_submission(folder, exercise, chosen[key])
            if isinstance(staged, Verdict):
                verdicts[key] = staged
            else:
                tasks.append(Submission(key, exercise.name, *staged))
    if kept is not None:
        tasks = kept.take(tasks, verdicts)
    graded = _Progress(learners, tasks, kept).graded if kept is not None else None
    if len(tasks) > 1:
        _preload(exercises)
    verdicts.update(grade_in_sandboxes(tasks, time_limit, jobs, wall_seconds, graded))
    return {name: {e.name: _grade(e, verdicts[name, e.name], chosen[name, e.name], folder, near[name, e.name])
                   for e in exercises}
            for name, folder in learners.items()}


class _Progress:
    """"  3 of 28 learners graded (ann; 41 s so far)" on stderr as each learner's last submission is graded: a class
    of 30 took tens of minutes with nothing printed between the "grading ..." line and the table, and a hang looked
    like work. On stderr, not stdout: the table and the grades stay as they were, and a closed stdout (`make grade
    | head -1`) stops nothing before the grades are written. Printed in a pipe too (a log, a CI job), where there
    is no terminal to ask about: make grade's stderr is the pipe of TensorFlow's chatter filter, never a terminal.
    A learner with no submission to run (every file missing), or whose verdicts a stopped run kept, counts as
    graded from the start; the verdicts are kept as each learner is done (progress.py)."""

    def __init__(self, learners: dict[str, Path], tasks: list[Submission], kept: progress.Kept):
        self.left = collections.Counter(task.key[0] for task in tasks)     # {learner: submissions not yet graded}
        self.started = time.monotonic()
        self.kept = kept                    # which counts the learners, and those graded (what a stop says it kept)
        kept.class_size = len(learners)
        kept.done = kept.class_size - len(self.left)
        if kept.verdicts:
            progress.say(f"  picked up the grades of {kept.done} of {counted(kept.class_size, 'learner')} kept in "
                         f"{kept.path} by a make grade that was stopped; grading the other "
                         f"{kept.class_size - kept.done}")

    def graded(self, key: tuple[str, str], verdict: Verdict) -> None:
        learner = key[0]
        self.left[learner] -= 1
        self.kept.add(key, verdict)
        if self.left[learner] == 0:
            self.kept.done += 1
            self.kept.save_while_grading()
            line = (f"  {self.kept.done} of {counted(self.kept.class_size, 'learner')} graded ({escaped(learner)}; "
                    f"{time.monotonic() - self.started:.0f} s so far)")
            progress.say(line)


def _grade(exercise: Exercise, verdict: Verdict, chosen: Version | None, learner_dir: Path,
           near: str = "") -> Grade:
    """The Grade of `verdict`: its points, its reason (and which of two versions counted), the file graded. A 0's
    reason also says `near`, the files named nearly right beside the one graded (learner_files.beside_the_file_graded):
    in a clone the release's untouched file is graded, while the learner's own (Colab's "Copy of
    ex03_keras_basics.ipynb") lies beside it."""
    if chosen is None:                # the reason may name a learner's file: its name is shown, escaped
        return Grade("", 0, escaped(verdict.reason))
    also = near if not verdict.passed else ""
    return Grade(chosen.path.relative_to(learner_dir).as_posix(), exercise.points if verdict.passed else 0,
                 escaped(verdict.reason + which_of_two(chosen) + also), verdict.cpu_at_wall_limit, verdict.out_of_time)


def starved_warning(grades: Book, exercises: list[Exercise], time_limit: int, wall_seconds: float | None = None,
                    named: int = 3) -> str:
    """One line naming the zeros a busy machine may have cost (the first `named` learner/exercise pairs, then how
    many more), and what to do; "" when there are none. `wall_seconds`: WALL_LIMIT, None for its default.

    Such a zero was stopped at its wall-clock limit having used more than a quarter of TIME_LIMIT of CPU, yet less
    than half of its wall-clock seconds (less than half a core, on average): with WALL_LIMIT set below TIME_LIMIT, a
    program that computes all along with a core to itself (an endless loop) is stopped by the wall with nearly as
    many CPU seconds as wall-clock ones, and no quieter machine changes its 0.

    A submission that waits or sleeps uses next to none: its start-up, well under a second once make grade has
    imported TensorFlow for its children, about 5 s when a child imports it itself (one submission alone), which a
    quarter of the default TIME_LIMIT (30 s) leaves far behind. One that computes all along and gets a core to itself
    reaches TIME_LIMIT long before the wall limit (3 x TIME_LIMIT + 5 s); stopped by the wall with less, it got too
    little of a core: 12.8 s of TIME_LIMIT=20 was seen with 12 programs on 2 cores, a correct learner's 0, and 15/15
    graded again on a quieter machine. It may also have computed, then waited: only grading it again tells."""
    starved = [(learner, exercise, grade.cpu_at_wall_limit) for learner, mine in grades.items()
               for exercise in exercises
               if (grade := mine.get(exercise.name)) is not None and grade.points == 0
               and grade.cpu_at_wall_limit is not None
               and time_limit / 4 < grade.cpu_at_wall_limit < wall_limit(time_limit, wall_seconds) / 2]
    if not starved:
        return ""
    pairs = ", ".join(f"{gradebook.named(learner)} {exercise.name} ({cpu:g} s of CPU)" for learner, exercise, cpu
                      in starved[:named])
    more = f" and {len(starved) - named} more" if len(starved) > named else ""
    names = [e.name for e in exercises if any(exercise is e for _, exercise, _ in starved)]
    # the limits named too: under the default TIME_LIMIT those zeros would be graded as the rest of their column was not
    limits = f"TIME_LIMIT={time_limit}" + ("" if wall_seconds is None else f" WALL_LIMIT={wall_seconds:g}")
    return (f"warning: a busy machine, not their code, may have cost these zeros: {pairs}{more} stopped at the "
            f"wall-clock limit having used more than a quarter of TIME_LIMIT={time_limit} s of CPU (a submission "
            "that waits uses next to none): they computed, but got too little of a core. Grade them again on a "
            f"quieter machine or with fewer JOBS=: {_grade_again(names, limits)}")


def _grade_again(names: list[str], limits: str) -> str:
    """The command a warning ends with: make grade again, only the exercises named, under the limits given, on the
    same class folder."""
    return f"make grade ONLY={','.join(names)} {limits} with the same SUBMISSIONS="


def time_limit_warning(grades: Book, exercises: list[Exercise], time_limit: int) -> str:
    """One line naming the exercises TIME_LIMIT may be too low for, and the command that grades them again under a
    higher one; "" when there are none. Such an exercise: nobody passed it, and more than half of the submissions of
    it (two at least; a learner who handed in none does not count) were stopped at TIME_LIMIT -- a column of zeros
    that each says "used more than 1 s of CPU time" (Grade.out_of_time), the instructor's limit rather than the
    class's code."""
    too_low = []
    for exercise in exercises:
        handed_in = [mine[exercise.name] for mine in grades.values() if mine.get(exercise.name, Grade("", 0, "")).file]
        stopped = sum(grade.out_of_time for grade in handed_in)
        if stopped >= 2 and 2 * stopped > len(handed_in) and not any(grade.points for grade in handed_in):
            too_low.append(f"{exercise.name} ({stopped} of its {len(handed_in)} submissions stopped there, none "
                           "passed)")
    if not too_low:
        return ""
    names = [named.partition(" ")[0] for named in too_low]
    higher = min(max(DEFAULT_TIME_LIMIT, 2 * time_limit), MAX_TIME_LIMIT)
    return (f"warning: TIME_LIMIT={time_limit} s of CPU may be too low for {', '.join(too_low)}: if a solution needs "
            f"longer, grade it again with more: {_grade_again(names, f'TIME_LIMIT={higher}')}")


class _OneLineParser(OneLineParser):
    """The project's one-line parser, but its mistake is a ValueError: _main says it as it says a bad make
    variable's, and main returns 2."""

    def error(self, message: str):
        raise ValueError(f"{self.translated(message)}{self.help_hint}")


def _whole(text: str | None, variable: str, low: int, high: int, unit: str = "") -> int | None:
    """`text` as a whole number from low to high, or a ValueError naming the make variable."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value.is_integer() and low <= value <= high):      # inf and nan are not integers
        raise ValueError(f"{variable} must be a whole number {unit}from {low} to {high}, got {text!r}")
    return int(value)


def _hold(submissions: Path, held: contextlib.ExitStack) -> None:
    """Hold the submissions folder for this process until `held` closes (twins/alone.py), or a ValueError: two make
    grades on one folder each wrote its grade book over the other's, ONLY= columns lost, and each warned that a
    submission had changed the folder when the other wrote grades.csv."""
    held.enter_context(held_alone(submissions, ValueError(
        f"another make grade is grading {submissions} right now; wait for it to end, then grade again (each writes "
        "its own grades.csv there)")))


def main(argv: list[str] | None = None) -> int:
    try:
        with contextlib.ExitStack() as held:            # the submissions folder's lock, while this grades it
            code = _main(argv, held)
        with printing():
            sys.stdout.flush()              # here, not at exit: a closed pipe is one line, not "Exception ignored"
        return code
    except OutputFailed as failed:                      # `make grade ... > /dev/full`, `| head -1`
        print(f"error: {output_failed(failed, 'make grade')}", file=sys.stderr)
        return 1
    except UnicodeEncodeError as error:                 # a learner folder "Zoë", PYTHONIOENCODING=ascii:strict
        print(output_cannot_show(error, "make grade"), file=sys.stderr)
        return 1


def _main(argv: list[str] | None, held: contextlib.ExitStack) -> int:
    parser = _OneLineParser(prog="make grade", command=".venv/bin/python -m keras_models.course.instructor.grade_class",
                            make_variables={"submissions": "SUBMISSIONS", "--only": "ONLY",
                                            "--time-limit": "TIME_LIMIT", "--wall-limit": "WALL_LIMIT",
                                            "--jobs": "JOBS"},
                            description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, nargs="?", help="one sub-folder per learner (SUBMISSIONS=dir)")
    parser.add_argument("--learner", type=Path, help="grade this one learner's folder instead (GitHub Classroom)")
    parser.add_argument("--only", help="exercises to grade, e.g. ex01,ex03 (ONLY=); default all")
    parser.add_argument("--time-limit", help="CPU seconds per exercise (TIME_LIMIT=); default 120")
    parser.add_argument("--wall-limit", help="wall-clock seconds per exercise (WALL_LIMIT=); default 3 x TIME_LIMIT "
                                             "+ 5")
    parser.add_argument("--jobs", help="submissions at a time (JOBS=); default: the number of CPUs this "
                                       "process may run on")
    skipped: list[str] = []
    try:
        args = parser.parse_args(argv)
        if (args.submissions is None) == (args.learner is None):
            raise ValueError("give the submissions folder (make grade SUBMISSIONS=dir), or --learner DIR")
        exercises = list(EXERCISES) if args.only is None else find_all(args.only)
        time_limit = _whole(str(DEFAULT_TIME_LIMIT) if args.time_limit is None else args.time_limit, "TIME_LIMIT", 1,
                            MAX_TIME_LIMIT, "of seconds ")
        wall_seconds = _whole(args.wall_limit, "WALL_LIMIT", 1, MAX_WALL_LIMIT, "of seconds ")
        jobs = _whole(str(usable_cores()) if args.jobs is None else args.jobs, "JOBS", 1, MAX_JOBS)
        if args.learner is not None:
            if not args.learner.is_dir():
                where = "is a file, not a folder" if args.learner.exists() else "does not exist"
                raise ValueError(f"the learner folder {args.learner} {where}")
            learners = {args.learner.name or ".": args.learner}
        else:
            learners, skipped = find_learners(args.submissions)
            if not os.access(args.submissions, os.W_OK | os.X_OK):     # asked now, not after the class is graded
                raise ValueError(f"the grades cannot be written to {args.submissions} (permission denied or a "
                                 "read-only file system); nothing was graded")
            _hold(args.submissions, held)                          # before the earlier grade book is read
        earlier = None
        if args.only is not None and args.submissions is not None:    # ONLY= keeps the other exercises' grades:
            earlier = gradebook.read_earlier(args.submissions)         # read and checked before any submission runs
    except ValueError as error:
        print(one_line(f"error: {error}"), file=sys.stderr)
        return 2
    try:
        checksums.verify_all()
    except checksums.DATA_FILE_ERRORS as error:
        print(one_line(f"error: {error} (nothing was graded)"), file=sys.stderr)
        return 1
    exercises = [e for e in EXERCISES if e in exercises]                 # course order, each once
    try:                            # a grader missing or damaged would be every submission's 0, blamed on its code
        load_graders(exercises)                     # a few ms: NumPy
    except GraderUnreadable as error:
        print(one_line(f"error: {error} (nothing was graded)"), file=sys.stderr)
        return 1
    cores = usable_cores()
    if jobs > cores and len(learners) * len(exercises) > cores:     # each then gets part of a core, on the wall clock
        print(f"warning: JOBS={jobs} is more than the {counted(cores, 'core')} make grade may run on: submissions "
              "take turns, and the wall-clock limit may stop a slow one", file=sys.stderr)
    kept = before = submitted = None
    with sigterm_stops_like_ctrl_c():
        try:
            with printing():                        # flushed: an output that takes no more stops it before grading
                if skipped:
                    print(f"skipped in the submissions folder: {', '.join(skipped)}")
                if args.submissions is not None:
                    print(f"grading {counted(len(learners), 'learner')} x {counted(len(exercises), 'exercise')} "
                          f"({time_limit} s of CPU each, {jobs} at a time)", flush=True)
            before = project_hashes(REPO)
            submitted = folder_state(args.submissions) if args.submissions is not None else {}
            if args.submissions is not None:            # read before any submission runs, as the submissions are
                kept = progress.Kept.read(args.submissions,
                                          progress.settings(exercises, time_limit, wall_seconds, before))
            grades = grade_learners(learners, exercises, time_limit, jobs, wall_seconds, kept)
            stopped_meanwhile()                 # here, not at the block's end: said below, as any other stop
        except Terminated:
            print(f"\n{_meddled(args.submissions, submitted, stopped=True)}Terminated (SIGTERM); "
                  f"{_kept_when_stopped(kept, before)}", file=sys.stderr)
            return TERMINATED_STATUS                # 143, as a shell reports a program SIGTERM ended
        except KeyboardInterrupt:
            print(f"\n{_meddled(args.submissions, submitted, stopped=True)}Interrupted; "
                  f"{_kept_when_stopped(kept, before)}", file=sys.stderr)
            return 130
    if _project_changed(before):
        if kept is not None:                        # its verdicts may be a changed grader's
            progress.forget(args.submissions)
        return 1
    if args.learner is not None:
        with printing():
            return _report_one(exercises, next(iter(grades.values())))
    print(_meddled(args.submissions, submitted, stopped=False), end="", file=sys.stderr)
    columns, kept = exercises, ""
    if earlier is not None:
        columns, grades, kept = gradebook.merge(earlier, exercises, grades)
    kept_aside = ""
    try:
        if args.only is None:               # read now, not before grading: the instructor may have edited it since
            kept = kept_aside = gradebook.keep_what_would_be_lost(args.submissions, grades)
        gradebook.write(args.submissions, columns, grades)
        progress.forget(args.submissions)           # the grades it kept are in grades.csv now
    except OSError as error:               # an earlier book already moved aside is named: no grades.csv is left
        print(one_line(f"error: the grades cannot be written to {args.submissions} ({error.strerror or error})"
                       + (f"; {kept_aside}" if kept_aside else "")), file=sys.stderr)   # SUBMISSIONS=$'a\nb'
        return 1
    with printing():                    # the grades are written: only what is said of them is lost
        if kept:
            print(kept)
        print_table(columns, grades)
        print(f"\nWrote {args.submissions / gradebook.GRADES} and {args.submissions / gradebook.REASONS}.")
        if starved := starved_warning(grades, exercises, time_limit, wall_seconds):
            print(starved)
        if too_low := time_limit_warning(grades, exercises, time_limit):
            print(too_low)
        sys.stdout.flush()
    return 0


def _project_changed(before: dict[str, str]) -> bool:
    """Whether a submission changed the project's code or data during grading (then no grades are written, nor
    kept): each file changed named in one line."""
    changed = changed_paths(before, project_hashes(REPO))
    for path in changed:
        print(f"error: a submission changed {path} during grading: restore it ({restore_command(path)}) and grade "
              "again", file=sys.stderr)
    return bool(changed)


def _meddled(submissions: Path | None, submitted: dict[str, tuple[int, int]] | None, stopped: bool) -> str:
    """The warning line (with its line break) naming the files of the submissions folder a submission changed during
    grading, or "". The grades stand, every file was read before any submission ran; but the files on disk are not
    what the learners handed in, and a stopped run's next one reads them again: it is said before the Interrupted
    line too, or that run grades a learner on what another's code wrote."""
    if submissions is None or submitted is None:
        return ""
    meddled = changes_named(*map(progress.without_progress, (submitted, folder_state(submissions))))
    if not meddled:
        return ""
    kept, anew = (" kept", " before you run the same make grade again, which reads them anew") if stopped else ("", "")
    return (f"warning: a submission changed the submissions folder during grading: {meddled}. The grades{kept} use "
            f"every file as it was before grading; restore the learners' files from their hand-ins{anew}.\n")


def _kept_when_stopped(kept: progress.Kept | None, before: dict[str, str] | None) -> str:
    """What a make grade stopped by Ctrl-C or SIGTERM says of the grades it had given (every submission's process is
    gone by now): kept in the progress file for the next run, unless a submission changed the project."""
    if kept is None:
        return "no grades were written."
    return kept.when_stopped(stands=not _project_changed(before))


def _report_one(exercises: list[Exercise], mine: dict[str, Grade]) -> int:
    passed = {e.name: mine[e.name].points == e.points for e in exercises}      # a PASS scores all the points
    for exercise in exercises:
        grade = mine[exercise.name]
        print(f"{exercise.name}  {'PASS' if passed[exercise.name] else 'FAIL'}  {grade.points:>3} of "
              f"{exercise.points}  {grade.reason}")
    return 0 if all(passed.values()) else 1


if __name__ == "__main__":
    from keras_models.twins.closed_output import prepare_output_streams
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape

    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"     # as make exercises grades (grade.py): the table, not C++ log lines
    filter_tensorflow_chatter()      # before TensorFlow loads: its C++ start-up lines are not the instructor's business
    sys.exit(main())
