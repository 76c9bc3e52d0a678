"""`make grade SUBMISSIONS=dir`: grade a class; write dir/grades.csv and print the table.

    dir/alice/ex01_perceptron_activations.py     one sub-folder per learner, holding the exercise files
    dir/alice/ex02_backprop.ipynb                named as in the release: .py or .ipynb, at the top of the
    dir/bob/keras_models/course/exercises/...    folder or where the release keeps them (a clone works)

Every exercise of every learner is graded by its grader in a process of its own, on a copy, with a
time limit (sandbox.py). A PASS scores the exercise's points (declared once, in graders.EXERCISES),
anything else 0 with a one-line reason: a FAIL's hint, a missing file, a file that does not parse
or raises at import, an endless loop, a crash. One learner's submission cannot change another
score. When a learner has both the .py and the notebook, the one saved last counts (as in `make
exercises`: jupytext in `make lab` keeps the two the same).

    dir/grades.csv           learner, ex01, ..., ex07, total
    dir/grades_reasons.csv   learner, exercise, points, reason: one row per exercise, for feedback

Options (make variables): ONLY=ex01,ex03 grades some exercises, TIME_LIMIT=120 seconds of CPU per
exercise, WALL_LIMIT seconds of wall clock per exercise (by default three times TIME_LIMIT, and 5 s: a
submission that sleeps or waits uses no CPU), JOBS=2 submissions at a time.
GitHub Classroom runs `--learner . --only ex01` in each learner's repository (.github/classroom/):
exit status 0 only for a PASS.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import os
import sys
from pathlib import Path

from keras_models.course.exercises.graders import EXERCISES, Exercise, find, version_to_grade
from keras_models.course.instructor.sandbox import Verdict, grade_in_sandboxes

RELEASE_LAYOUT = (Path("keras_models", "course", "exercises"), Path("keras_models", "course", "notebooks", "exercises"))


def submission(learner_dir: Path, exercise: Exercise) -> Path | None:
    """The learner's file for `exercise`: <stem>.py or <stem>.ipynb at the top, else where the release keeps them."""
    for script_dir, notebook_dir in ((Path(), Path()), RELEASE_LAYOUT):
        script = learner_dir / script_dir / f"{exercise.stem}.py"
        notebook = learner_dir / notebook_dir / f"{exercise.stem}.ipynb"
        if script.is_file() or notebook.is_file():
            return version_to_grade(script, notebook).path
    return None


def _preload(exercises: list[Exercise]) -> None:
    """Import TensorFlow, Keras, nbformat and the graders once, here, so that every forked child starts with them
    (worth it from two submissions on: one child alone imports what its grader needs). TensorFlow's start-up
    lines are dropped by the filter that `make grade` starts first (keras_models/twins/tf_chatter.py)."""
    # nbformat: a notebook submission's reader (notebook_source.py), imported once here rather than in every child
    for module in ("tensorflow", "keras", "nbformat"):
        importlib.import_module(module)
    for exercise in exercises:
        exercise.grader                         # noqa: B018 -- imports the grader module


def grade_learners(learners: dict[str, Path], exercises: list[Exercise], time_limit: float,
                   jobs: int, wall_seconds: float | None = None) -> dict[str, dict[str, Verdict]]:
    """{learner: {exercise name: Verdict}} for every learner folder and exercise."""
    verdicts: dict[str, dict[str, Verdict]] = {name: {} for name in learners}
    tasks = []
    for name, folder in learners.items():
        for exercise in exercises:
            path = submission(folder, exercise)
            if path is None:
                verdicts[name][exercise.name] = Verdict(False, f"missing: no {exercise.stem}.py or .ipynb")
            else:
                tasks.append(((name, exercise.name), exercise.name, path))
    if len(tasks) > 1:
        _preload(exercises)
    for (name, exercise_name), verdict in grade_in_sandboxes(tasks, time_limit, jobs, wall_seconds).items():
        verdicts[name][exercise_name] = verdict
    return verdicts


def points(verdict: Verdict, exercise: Exercise) -> int:
    return exercise.points if verdict.passed else 0


def write_csvs(folder: Path, exercises: list[Exercise], verdicts: dict[str, dict[str, Verdict]]) -> None:
    with open(folder / "grades.csv", "w", newline="", encoding="utf-8") as grades, \
         open(folder / "grades_reasons.csv", "w", newline="", encoding="utf-8") as reasons:
        table, why = csv.writer(grades, lineterminator="\n"), csv.writer(reasons, lineterminator="\n")
        table.writerow(["learner", *(e.name for e in exercises), "total"])
        why.writerow(["learner", "exercise", "points", "reason"])
        for learner, mine in verdicts.items():
            scores = [points(mine[e.name], e) for e in exercises]
            table.writerow([learner, *scores, sum(scores)])
            why.writerows([learner, e.name, score, mine[e.name].reason] for e, score in zip(exercises, scores,
                                                                                              strict=True))


def print_table(exercises: list[Exercise], verdicts: dict[str, dict[str, Verdict]]) -> None:
    width = max([len("learner"), len("out of"), *map(len, verdicts)])
    print(f"{'learner':<{width}}  " + "  ".join(f"{e.name:>4}" for e in exercises) + "  total")
    for learner, mine in verdicts.items():
        scores = [points(mine[e.name], e) for e in exercises]
        print(f"{learner:<{width}}  " + "  ".join(f"{s:>4}" for s in scores) + f"  {sum(scores):>5}")
    print(f"{'out of':<{width}}  " + "  ".join(f"{e.points:>4}" for e in exercises)
          + f"  {sum(e.points for e in exercises):>5}")
    zeros = [(learner, e.name, mine[e.name].reason) for learner, mine in verdicts.items() for e in exercises
             if not mine[e.name].passed]
    if zeros:
        print("\nWhy the zeros:")
        for learner, name, reason in zeros:
            print(f"  {learner:<{width}}  {name}  {reason}")


def _learner_folders(submissions: Path) -> dict[str, Path]:
    if not submissions.exists():
        raise ValueError(f"the submissions folder {submissions} does not exist")
    if not submissions.is_dir():
        raise ValueError(f"{submissions} is a file, not a folder of submissions")
    learners = {p.name: p for p in sorted(submissions.iterdir()) if p.is_dir() and not p.name.startswith(".")}
    if not learners:
        raise ValueError(f"{submissions} holds no learner folders: one sub-folder per learner, holding their "
                         "exercise files")
    return learners


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make grade", description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, nargs="?", help="one sub-folder per learner (SUBMISSIONS=dir)")
    parser.add_argument("--learner", type=Path, help="grade this one learner's folder instead (GitHub Classroom)")
    parser.add_argument("--only", default="", help="exercises to grade, e.g. ex01,ex03 (ONLY=); default all")
    parser.add_argument("--time-limit", type=float, default=120.0, help="CPU seconds per exercise (TIME_LIMIT=)")
    parser.add_argument("--wall-limit", type=float, default=None,
                        help="wall-clock seconds per exercise (WALL_LIMIT=); default 3 x TIME_LIMIT + 5")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions at a time (JOBS=)")
    args = parser.parse_args(argv)
    try:
        if (args.submissions is None) == (args.learner is None):
            raise ValueError("give the submissions folder (make grade SUBMISSIONS=dir), or --learner DIR")
        exercises = [find(name) for name in args.only.split(",") if name.strip()] or list(EXERCISES)
        if not args.time_limit > 0 or args.jobs < 1:
            raise ValueError(f"TIME_LIMIT must be a number of seconds > 0 and JOBS a whole number >= 1, got "
                             f"{args.time_limit:g} and {args.jobs}")
        if args.wall_limit is not None and not args.wall_limit > 0:
            raise ValueError(f"WALL_LIMIT must be a number of seconds > 0, got {args.wall_limit:g}")
        learners = {args.learner.name or ".": args.learner} if args.learner else _learner_folders(args.submissions)
        if args.learner and not args.learner.is_dir():
            raise ValueError(f"the learner folder {args.learner} does not exist")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    exercises = [e for e in EXERCISES if e in exercises]                 # course order, each once
    try:
        if args.submissions is not None:
            print(f"grading {len(learners)} learners x {len(exercises)} exercises ({args.time_limit:g} s of CPU "
                  f"each, {args.jobs} at a time)", flush=True)
        verdicts = grade_learners(learners, exercises, args.time_limit, args.jobs, args.wall_limit)
    except KeyboardInterrupt:
        print("\nInterrupted; no grades were written.", file=sys.stderr)
        return 130
    if args.learner is not None:
        return _report_one(exercises, next(iter(verdicts.values())))
    try:
        write_csvs(args.submissions, exercises, verdicts)
    except OSError as error:
        print(f"error: the grades cannot be written to {args.submissions} ({error.strerror or error})", file=sys.stderr)
        return 1
    print_table(exercises, verdicts)
    print(f"\nWrote {args.submissions / 'grades.csv'} and {args.submissions / 'grades_reasons.csv'}.")
    return 0


def _report_one(exercises: list[Exercise], mine: dict[str, Verdict]) -> int:
    for exercise in exercises:
        verdict = mine[exercise.name]
        print(f"{exercise.name}  {'PASS' if verdict.passed else 'FAIL'}  {points(verdict, exercise):>3} of "
              f"{exercise.points}  {verdict.reason}")
    return 0 if all(verdict.passed for verdict in mine.values()) else 1


if __name__ == "__main__":
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"     # as make exercises grades (grade.py): the table, not C++ log lines
    filter_tensorflow_chatter()      # before TensorFlow loads: its C++ start-up lines are not the instructor's business
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
