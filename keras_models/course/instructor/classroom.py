"""GitHub Classroom autograding: .github/classroom/autograding.json, one test per exercise, from EXERCISES.

Classroom runs each test in the learner's repository (a clone of the learner copy, `make release`):
`setup` once prepares .venv, then `run` grades one exercise with `make grade`'s sandbox (a process of
its own, a time limit, a verdict its output cannot forge) and exits 0 only for a PASS, which scores
the exercise's `points`. `timeout` is in minutes, the first one including the set-up.

    {"tests": [{"name": "ex01 perceptron, activations, one-layer network", "setup": "make setup",
                "run": ".venv/bin/python -m keras_models.course.instructor.grade_class --learner . --only ex01",
                "input": "", "output": "", "comparison": "included", "timeout": 15, "points": 10}, ...]}

The file in this repository is written by `.venv/bin/python -m keras_models.course.instructor.classroom`
(and by `make release` into the copy); a test checks it says what EXERCISES says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from keras_models.course.exercises.graders import EXERCISES

REPO = Path(__file__).resolve().parents[3]
AUTOGRADING = Path(".github", "classroom", "autograding.json")
SETUP_MINUTES, GRADE_MINUTES = 15, 10        # pip installs TensorFlow first; a grading takes seconds


def autograding() -> dict:
    """The configuration: one test per exercise, in course order, worth its points."""
    tests = []
    for number, exercise in enumerate(EXERCISES):
        tests.append({
            "name": f"{exercise.name} {exercise.grader.TITLE}",
            "setup": "make setup" if number == 0 else "",
            "run": f".venv/bin/python -m keras_models.course.instructor.grade_class --learner . --only {exercise.name}",
            "input": "",
            "output": "",
            "comparison": "included",
            "timeout": SETUP_MINUTES if number == 0 else GRADE_MINUTES,
            "points": exercise.points,
        })
    return {"tests": tests}


def render() -> str:
    return json.dumps(autograding(), indent=2) + "\n"


def main() -> int:
    path = REPO / AUTOGRADING
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {AUTOGRADING}: {len(EXERCISES)} tests, {sum(e.points for e in EXERCISES)} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
