"""The lessons: short runnable scripts that turn the tutorials' ideas into pictures.

    1  lesson_01_perceptron         the perceptron's line, epoch by epoch, on the tutorial's seven points
    2  lesson_02_xor_limit          XOR: the perceptron never stops making mistakes
    3  lesson_03_activations        step, sigmoid, tanh, ReLU and their derivatives; where they saturate
    4  lesson_04_gradient_descent   gradient descent on y = (x - 2)^2 and four learning rates
    5  lesson_05_hidden_layer_xor   one hidden layer learns XOR
    6  lesson_06_regularisation     a large network overfits real data; Dropout and L2 narrow the gap
    7  lesson_07_data_parallel      a batch's gradient from its shards: the all-reduce behind make train DEVICES=N

Run them all (this is `make lessons`):

    make lessons          # or: .venv/bin/python -m keras_models.course.lessons [--logdir DIR] (logs/lessons)

PNG files go to DIR/png and the same pictures to TensorBoard, as images, in DIR/tensorboard. The default is the
repository's logs/lessons wherever the lessons are started from (keras_models/course/folders.py); a DIR you give
means that folder from where you typed it.
Each lesson also runs on its own, e.g.
`.venv/bin/python -m keras_models.course.lessons.lesson_01_perceptron`, and
exposes `run(out_dir)`, which returns what it computed and the paths of its PNGs.

Importing this package is cheap: the lessons (matplotlib) and TensorFlow load when they run.
"""

from __future__ import annotations

import importlib
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from keras_models.course.folders import LOGS, shown
from keras_models.twins.closed_output import OutputFailed, output_failed
from keras_models.twins.one_line_parser import OneLineParser, one_line
from keras_models.twins.repository import for_make
from keras_models.twins.unexpanded_home import unexpanded_home

if TYPE_CHECKING:
    from keras_models.course.lessons.pictures import LessonResult

LESSONS = (
    "lesson_01_perceptron",
    "lesson_02_xor_limit",
    "lesson_03_activations",
    "lesson_04_gradient_descent",
    "lesson_05_hidden_layer_xor",
    "lesson_06_regularisation",
    "lesson_07_data_parallel",
)
DEFAULT_LOGDIR = LOGS / "lessons"                       # the repository's, wherever the lessons start
READS_DATA = {"lesson_06_regularisation": "binary"}     # the lessons that load a task's data file (data/tasks.py)


def run_all(logdir: str | Path = DEFAULT_LOGDIR, verbose: bool = True) -> list[LessonResult]:
    """Run every lesson in order: PNGs to logdir/png, TensorBoard images to logdir/tensorboard."""
    from keras_models.course.lessons.tensorboard_images import write_to_tensorboard

    logdir = Path(logdir)
    png_dir, board_dir = logdir / "png", logdir / "tensorboard"
    results = []
    for name in LESSONS:
        number = int(name.split("_")[1])                        # lesson_07_... is lesson 7
        lesson = importlib.import_module(f"keras_models.course.lessons.{name}")
        result = lesson.run(png_dir)
        results.append(result)
        if verbose:
            wrote = ", ".join(path.name for path in result.pngs.values())
            print(f"{number}. {result.summary}\n   wrote {wrote}", flush=True)

    images = {tag: path for result in results for tag, path in result.tags().items()}
    descriptions = {tag: words for result in results for tag, words in result.descriptions().items()}
    write_to_tensorboard(board_dir, images, descriptions=descriptions)
    if verbose:
        print(f"{len(images)} pictures: PNG files in {shown(png_dir)}/, TensorBoard images in {shown(board_dir)}/")
    return results


def _data_file_errors() -> tuple[type[Exception], ...]:
    """data.checksums.DATA_FILE_ERRORS, imported only when an error is being matched (data loads pandas)."""
    from data.checksums import DATA_FILE_ERRORS

    return DATA_FILE_ERRORS


def check_lessons_data(lessons: tuple[str, ...]) -> None:
    """The data file of each lesson that reads one, as shipped, or one of DATA_FILE_ERRORS for the first that is not:
    before lesson 1 runs, not when lesson 6's turn comes, after the lessons before it drew their pictures."""
    from data import check_data_files

    check_data_files(READS_DATA[name] for name in lessons if name in READS_DATA)


def main(argv: list[str] | None = None) -> int:
    """`make lessons`; a log directory that cannot be written, a damaged or missing data file (lesson 6 reads
    data/breast_cancer.csv: checked before lesson 1), or Ctrl-C, ends in one line (exit 1, 1, 130)."""
    parser = OneLineParser(prog="make lessons", command=".venv/bin/python -m keras_models.course.lessons",
                           make_variables={"--logdir": "LOGDIR"},
                           description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", default=shown(DEFAULT_LOGDIR),     # logs/lessons in the repository's folder
                        help="where the pictures go: LOGDIR/png and LOGDIR/tensorboard (default: the repository's "
                             "logs/lessons)")
    args = parser.parse_args(argv)
    if not args.logdir.strip():                     # Path("") is ".": the pictures would land in the current folder
        print("error: LOGDIR is empty; name a folder, e.g. make lessons LOGDIR=logs/lessons", file=sys.stderr)
        return 2
    tilde = unexpanded_home(args.logdir, lambda folder: f"LOGDIR={folder}", "make lessons")
    if tilde:                                       # LOGDIR=~/pics reaches us as it is from zsh (macOS) and sh
        print(one_line(f"error: {tilde}"), file=sys.stderr)
        return 2
    args.logdir = Path(args.logdir)

    start = time.perf_counter()
    try:
        check_lessons_data(LESSONS)                   # first: the one line before any folder is made or lesson runs
        for where in (args.logdir / "png", args.logdir / "tensorboard"):
            where.mkdir(parents=True, exist_ok=True)
            try:                                             # can we write there? Ask before any lesson runs
                tempfile.TemporaryFile(dir=where).close()
            except OSError as exc:                           # named by the folder, not by the probe's random name
                raise OSError(exc.errno, exc.strerror, str(where)) from None
        run_all(args.logdir)
        print(f"done in {time.perf_counter() - start:.1f} s")
        if args.logdir.resolve() == DEFAULT_LOGDIR:
            print("see them in TensorBoard (IMAGES tab): make tensorboard")
        else:
            print("see them in TensorBoard (IMAGES tab): make tensorboard "         # make runs in the repository
                  f"LOGDIR={shlex.quote(for_make(args.logdir))}")
        sys.stdout.flush()                  # here, not at exit: a closed pipe is one line, not "Exception ignored"
    except KeyboardInterrupt:
        print("\nInterrupted; the lessons that finished have written their PNG files (TensorBoard gets the "
              "pictures when every lesson has run: make lessons again).", file=sys.stderr)
        return 130
    except _data_file_errors() as exc:              # before OSError: a missing data file is a FileNotFoundError
        print(one_line(f"error: {exc}"), file=sys.stderr)       # names the file and how to restore it, as make train
        return 1
    except (BrokenPipeError, OutputFailed) as failed:   # `make lessons | head -1`, `> /dev/full`: not the pictures'
        print(f"error: {output_failed(failed, 'make lessons')}", file=sys.stderr)      # folder
        return 1
    except OSError as exc:
        print(one_line(f"error: the pictures cannot be written to {exc.filename or args.logdir} "
                       f"({exc.strerror or exc}); choose another folder: make lessons LOGDIR=DIR"), file=sys.stderr)
        return 1
    return 0
