"""A mistake on a make command line names the make variable the user typed; the same mistake on a direct
`.venv/bin/python -m ...` call names the option (keras_models/twins/one_line_parser.py, `make_variables`).

The Makefile passes each variable as an option after --via-make (tests/test_makefile.py pins the commands); these
call each program's main with those words, in this process: the parsers are built without TensorFlow.
"""

import sys
from pathlib import Path

import pytest
from conftest import stop_handlers_put_back

from keras_models.course import lessons
from keras_models.course.exercises import grade, run
from keras_models.course.instructor import grade_class, release
from keras_models.course.jupyter import lab
from keras_models.train import board_server, options
from keras_models.twins.one_line_parser import OneLineParser, one_line

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "mutation"))
import run as mutants  # noqa: E402  (tests/mutation/run.py)

sys.path.remove(str(ROOT / "tests" / "mutation"))
HINT = " (all options: .venv/bin/python -m {} --help)"


@pytest.fixture(autouse=True)
def ctrl_c_handlers_put_back():
    """The programs' mains run here, in this worker: make tensorboard's sets SIGINT to stop_at_once (os._exit(130)),
    which was left for the worker's later tests, where a Ctrl-C test would end the worker itself."""
    with stop_handlers_put_back():
        yield


def said(main, argv) -> int:
    """main(argv)'s exit status, whether it returns the status or exits with it."""
    try:
        status = main(argv)
    except SystemExit as stop:
        status = stop.code
    return status


def stderr(capsys) -> str:
    return capsys.readouterr().err


EXERCISES = "the exercises are ex01, ex02, ex03, ex04, ex05, ex06, ex07"
# (what make runs after --via-make, what it says): a value that starts with a dash is the variable's value
UNDER_MAKE = {
    "train": (lambda argv: options.parse_args(argv), ["--epochs", "-x"],
              "error: EPOCHS must be a whole number >= 1, got '-x'"),
    "tensorboard": (board_server.main, ["--logdir", "logs", "--port", "-1"],
                    "error: PORT must be a whole number from 1 to 65535, got '-1'"),
    "exercises": (grade.main, ["--only", "-x"], f"error: no exercise called '-x'; {EXERCISES}"),
    "exercise-reset": (grade.main, ["--reset", "-x"], f"error: no exercise called '-x'; {EXERCISES}"),
    "exercise-run": (run.main, ["--", "-x"], f"error: no exercise called '-x'; {EXERCISES}"),
    "lab": (lab.main, ["--write-notebooks", "--port", "-1"], "error: PORT must be a whole number from 0 to 65535, "
                                                             "got '-1'"),
    "grade": (grade_class.main, ["--jobs", "-x", "--", "{tmp}"], "error: JOBS must be a whole number from 1 to "
                                                                 "1024, got '-x'"),
    "mutants": (mutants.main, ["--jobs", "x"], "error: JOBS=x: 'x' is not a whole number of mutants at once, 1 or "
                                               "more"),
    "release": (release.main, ["--", "{tmp}/a\nb"], None),
}


@pytest.mark.parametrize("target", list(UNDER_MAKE))
def test_under_make_a_mistake_names_the_make_variable(target, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(options, "via_make", False)                 # put back after --via-make sets it
    main, argv, message = UNDER_MAKE[target]
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    if message is None:             # release: --via-make is taken; its messages say DEST= already
        (tmp_path / "a\nb").mkdir()
        (tmp_path / "a\nb" / "x").write_text("")
        assert said(main, ["--via-make", *argv]) != 0
        assert "unrecognized" not in stderr(capsys)
        return
    assert said(main, ["--via-make", *argv]) == 2
    assert stderr(capsys) == message + "\n"


def test_under_make_lessons_takes_a_folder_that_starts_with_a_dash(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("-x").write_text("a file, not a folder")
    assert said(lessons.main, ["--via-make", "--logdir", "-x"]) == 1
    err = stderr(capsys)
    assert "-x" in err and "expected one argument" not in err, err


@pytest.mark.parametrize("main, argv, module", [
    (board_server.main, ["--port", "-x"], "keras_models.train.board_server"),
    (lab.main, ["--port", "-x"], "keras_models.course.jupyter.lab"),
    (grade.main, ["--only", "-x"], "keras_models.course.exercises.grade"),
    (lessons.main, ["--logdir", "-x"], "keras_models.course.lessons"),
])
def test_a_direct_call_still_names_the_option(main, argv, module, capsys):
    assert said(main, argv) == 2
    assert stderr(capsys) == f"error: argument {argv[0]}: expected one argument{HINT.format(module)}\n"


# A direct call of the mutants naming --jobs: tests/test_mutation_tool.py's bad-option test, case jobs-x.


@pytest.mark.parametrize("value, spelled", [("x", "JOBS=x"), ("a b", "JOBS='a b'"), ("a\nb", "JOBS='a\\nb'"),
                                            ("", "JOBS=''"), ("$HOME", "JOBS='$HOME'")])     # a shell would expand $
def test_an_argparse_mistake_under_make_is_one_line_naming_the_variable_and_value(value, spelled, capsys):
    parser = OneLineParser(prog="make grade", command=".venv/bin/python -m x", make_variables={"--jobs": "JOBS"})
    parser.add_argument("--jobs", type=int)
    with pytest.raises(SystemExit):
        parser.parse_args(["--via-make", "--jobs", value])
    assert capsys.readouterr().err == f"error: {spelled}: invalid int value: {value!r}\n"
    assert parser.spelled("--jobs", value) == spelled
    parser.via_make = False
    assert parser.spelled("--jobs", "x") == "--jobs x"


# --- a value with a line break is echoed on one line ------------------------------------------------------------

def test_an_out_folder_with_a_line_break_is_named_on_one_line(tmp_path, capsys):
    from keras_models.course import multi_worker

    (tmp_path / "a\nb").write_text("a file, not a folder")
    assert said(multi_worker.main, ["--out", str(tmp_path / "a\nb")]) == 2
    err = stderr(capsys)
    assert err == (f"error: argument --out: {tmp_path}/a\\nb is a file: give a folder (all options: .venv/bin/python "
                   "-m keras_models.course.multi_worker --help)\n")


@pytest.mark.parametrize("target", ["lessons", "tensorboard", "grade"])
def test_a_make_variable_with_a_line_break_is_named_on_one_line(target, tmp_path, capsys):
    """LOGDIR=$'a\\nb' (a file there), SUBMISSIONS=$'a\\nb': the program's own line, on one line."""
    (tmp_path / "a\nb").write_text("a file, not a folder")
    main, argv = {"lessons": (lessons.main, ["--via-make", "--logdir"]),
                  "tensorboard": (board_server.main, ["--via-make", "--logdir"]),
                  "grade": (grade_class.main, ["--via-make", "--"])}[target]
    said(main, [*argv, str(tmp_path / "a\nb")])
    err = stderr(capsys)
    assert err.count("\n") == 1 and "a\\nb" in err, err


# --- a value of "--" under make: the variable's mistake, not a traceback ------------------------------------------

@pytest.mark.parametrize("target, argv, variable", [
    ("lessons", [lessons.main, "--logdir", "--"], "LOGDIR"),
    ("tensorboard", [board_server.main, "--logdir", "--", "--port", "6006"], "LOGDIR"),
    ("grade", [grade_class.main, "--jobs", "--", "--", "{tmp}"], "JOBS"),
])
def test_a_make_variable_given_as_two_dashes_is_one_line_naming_it(target, argv, variable, tmp_path, capsys):
    """make lessons LOGDIR=--, make grade JOBS=--: joined as --logdir=--, argparse dropped the "--" and handed the
    program an empty list (AttributeError: 'list' object has no attribute 'strip')."""
    main, *words = argv
    assert said(main, ["--via-make", *(word.format(tmp=tmp_path) for word in words)]) == 2
    assert stderr(capsys) == f"error: {variable}=--: expected one argument\n"


@pytest.mark.parametrize("text, line", [
    ("a\nb", "a\\nb"),                  # a line break (Cc)
    ("a\x1b[2Jb", "a\\x1b[2Jb"),        # a terminal's escape (Cc)
    ("a\u2028b", "a\\u2028b"),          # a line separator (Zl), which some terminals and editors break at
    ("a\u2029b", "a\\u2029b"),          # a paragraph separator (Zp)
    ("café", "café"),                   # other characters are kept
], ids=["line-break", "escape", "line-separator", "paragraph-separator", "accent"])
def test_one_line_writes_each_character_that_could_break_a_line_as_its_escape(text, line):
    assert one_line(text) == line
