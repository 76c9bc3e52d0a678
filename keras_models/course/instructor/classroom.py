"""GitHub Classroom autograding: .github/classroom/autograding.json, one test per exercise, from EXERCISES.

Classroom runs each test in the learner's repository (a clone of the learner copy, `make release`):
`setup` prepares .venv, then `run` grades one exercise with `make grade`'s sandbox (a process of
its own, a time limit, a verdict its output cannot forge) and exits 0 only for a PASS, which scores
the exercise's `points`. Every test's `setup` is `make setup`: the first builds .venv, the others find it
ready in a moment -- or, when the first set-up failed (the package index unreachable), find it half-built
and set it up again, or fail as the first did; a later test that ran .venv/bin/python on a half-built
.venv printed "ModuleNotFoundError: No module named 'numpy'", once per exercise. `timeout` is in minutes
(the first test's longer: its set-up installs TensorFlow): the runner that reads this file counts the
set-up in it; the workflow's grader step (below) gives the set-up and the grading the whole timeout each. The
runners start each command as `/bin/sh -c <command>` and, on a timeout, send SIGTERM to that shell
alone; Ubuntu's sh (dash) runs the command as its child, which the signal missed: grade_class, and the
submission it graded, ran on beside the next steps. So `run` starts with `exec`: the shell becomes
grade_class, which stops its sandbox on SIGTERM.

    {"tests": [{"name": "ex01 perceptron, activations, one-layer network", "setup": "make setup",
                "run": "exec .venv/bin/python -m keras_models.course.instructor.grade_class --learner . --only ex01",
                "input": "", "output": "", "comparison": "included", "timeout": 15, "points": 10}, ...]}

The file in this repository is written by `.venv/bin/python -m keras_models.course.instructor.classroom`
(and by `make release` into the copy); a test checks it says what EXERCISES says.

Classroom as it is today no longer reads that file by itself: it runs a GitHub Actions workflow,
.github/workflows/classroom.yml, which it writes from the tests an instructor enters in its web form,
one step per test (classroom-resources/autograding-command-grader) and a last step that reports the
scores. `workflow()` is that file with the same tests, so that a template holding it is graded without
the form. `make release` writes it into the learner copy only: in this repository, or in the instructor's
copy, a push would grade the untouched exercise files. (Written from the files Classroom itself writes;
not tried against GitHub from here, which has no network.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from keras_models.course.exercises.graders import EXERCISES
from keras_models.twins.repository import REPO

AUTOGRADING = Path(".github", "classroom", "autograding.json")
WORKFLOW = Path(".github", "workflows", "classroom.yml")
SETUP_MINUTES, GRADE_MINUTES = 15, 10        # pip installs TensorFlow first; a grading takes seconds
GRADE_COMMAND = ".venv/bin/python -m keras_models.course.instructor.grade_class"


def autograding() -> dict:
    """The configuration: one test per exercise, in course order, worth its points."""
    tests = []
    for number, exercise in enumerate(EXERCISES):
        tests.append({
            "name": f"{exercise.name} {exercise.grader.TITLE}",
            "setup": "make setup",
            "run": f"exec {GRADE_COMMAND} --learner . --only {exercise.name}",
            "input": "",
            "output": "",
            "comparison": "included",
            "timeout": SETUP_MINUTES if number == 0 else GRADE_MINUTES,
            "points": exercise.points,
        })
    return {"tests": tests}


def render() -> str:
    return json.dumps(autograding(), indent=2) + "\n"


def workflow() -> str:
    """The tests of `autograding()` as the workflow Classroom writes from its web form: one grader step per
    exercise (its id is the exercise's, its max-score the points), then the reporter, which reads each step's
    result from the environment variable <ID>_RESULTS. A string is written as a JSON string, which YAML reads
    as the same double-quoted string."""
    steps = []
    for test, exercise in zip(autograding()["tests"], EXERCISES, strict=True):
        steps += [f"    - name: {json.dumps(test['name'])}",
                  f"      id: {exercise.name}",
                  "      uses: classroom-resources/autograding-command-grader@v1",
                  "      with:",
                  f"        test-name: {json.dumps(test['name'])}",
                  f"        setup-command: {json.dumps(test['setup'])}",
                  f"        command: {json.dumps(test['run'])}",
                  f"        timeout: {test['timeout']}",
                  f"        max-score: {test['points']}"]
    results = [f'        {e.name.upper()}_RESULTS: "${{{{steps.{e.name}.outputs.result}}}}"' for e in EXERCISES]
    lines = ["# GitHub Classroom autograding, written by make release from EXERCISES (one step per exercise).",
             "name: Autograding Tests",
             "'on':", "- push", "- workflow_dispatch", "- repository_dispatch",
             "permissions:", "  checks: write", "  actions: read", "  contents: read",
             "jobs:", "  run-autograding-tests:", "    runs-on: ubuntu-latest",
             "    if: github.actor != 'github-classroom[bot]'",
             "    steps:", "    - name: Checkout code", "      uses: actions/checkout@v4",
             *steps,
             "    - name: Autograding Reporter", "      uses: classroom-resources/autograding-grading-reporter@v1",
             "      env:", *results,
             "      with:", f"        runners: {','.join(e.name for e in EXERCISES)}"]
    return "\n".join(lines) + "\n"


def main() -> int:
    path = REPO / AUTOGRADING
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {AUTOGRADING}: {len(EXERCISES)} tests, {sum(e.points for e in EXERCISES)} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
