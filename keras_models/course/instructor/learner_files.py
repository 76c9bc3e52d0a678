"""A learner's file for an exercise: where it is looked for (at the top of their folder, or where the release keeps
the exercises), which of the .py and the notebook counts, the file read before any submission runs, and, when
there is none, what the reason names instead: the file one folder too deep, a file named nearly right, an archive,
an export of the notebook.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from keras_models.course.exercises.graders import Exercise
from keras_models.course.exercises.which_file import Version, version_to_grade
from keras_models.course.instructor.sandbox import Verdict, regular_file_bytes

RELEASE_LAYOUT = (Path("keras_models", "course", "exercises"), Path("keras_models", "course", "notebooks", "exercises"))
MACOS_ZIP_FOLDER = "__MACOSX"          # what unzipping a zip made by macOS adds beside the learners


def submission(learner_dir: Path, exercise: Exercise) -> Version | None:
    """The learner's file for `exercise`: <stem>.py or <stem>.ipynb at the top, else where the release keeps them;
    of the two, the one version_to_grade picks (the one `make exercises` would grade). Whatever holds the name is
    the learner's file, a regular file or not, for staged_submission to refuse: a symbolic link to nowhere (a link
    copied from the learner's machine) or a pipe was taken for no file, and _found_deeper then found it at the top:
    "no ex01_....py at the top of the folder (found ex01_....py: move it up)"."""
    for script_dir, notebook_dir in ((Path(), Path()), RELEASE_LAYOUT):
        script = learner_dir / script_dir / f"{exercise.stem}.py"
        notebook = learner_dir / notebook_dir / f"{exercise.stem}.ipynb"
        if script.is_file() or notebook.is_file():
            return version_to_grade(script, notebook)
        there = [path for path in (script, notebook) if os.path.lexists(path)]
        if there:
            return Version(there[0], "")
    return None


def which_of_two(chosen: Version) -> str:
    """What a reason says after its line when the learner handed in both versions, so that they know which one
    counted: " (graded ex02_backprop.ipynb, not the .py: it has fewer TODOs left than ex02_backprop.py)"."""
    if not chosen.of_two:
        return ""
    other = "the .py" if chosen.path.suffix == ".ipynb" else "the notebook"
    return f" (graded {chosen.path.name}, not {other}{': ' + chosen.why if chosen.why else ''})"


def staged_submission(learner_dir: Path, exercise: Exercise, chosen: Version | None) -> tuple[str, bytes] | Verdict:
    """(file name, contents) of the learner's file for `exercise` (`chosen`), read now; or the 0 and why."""
    if chosen is None:
        return Verdict(False, missing(exercise) + _found_instead(learner_dir, exercise))
    path = chosen.path
    relative = path.relative_to(learner_dir)
    for part in [*reversed(relative.parents[:-1]), relative]:      # keras_models, keras_models/course, ..., the file
        if (learner_dir / part).is_symlink():
            inside = "" if part == relative else f" inside a symbolic link ({part.as_posix()})"
            return Verdict(False, f"refused: {relative.as_posix()} is{inside or ' a symbolic link'}; hand in the "
                                  "file itself")
    try:
        data = regular_file_bytes(path)
    except OSError as error:
        return Verdict(False, f"cannot be read: {relative.as_posix()} ({error.strerror or error})")
    if data is None:
        return Verdict(False, f"refused: {relative.as_posix()} is not a regular file")
    return path.name, data


def _found_instead(learner_dir: Path, exercise: Exercise) -> str:
    """What a missing exercise's reason adds about what lies in the folder instead, and what to do with it: the
    file one folder too deep, a file named nearly right (at the top, then deeper), an archive, the exercise in
    another format (an export); "" when there is none of these."""
    if deeper := _found_deeper(learner_dir, exercise):
        return f" at the top of the folder (found {deeper}: move it up)"
    if nears := _all_named_nearly(learner_dir, exercise):
        return f" ({_found_named_nearly(nears, exercise)})"
    if near := _named_nearly_deeper(learner_dir, exercise):
        return f" at the top of the folder (found {as_found(near)}: move it up and name it {exercise.stem}" \
               f"{meant_ending(near)})"
    if archive := _an_archive(learner_dir):
        return f" (found {as_found(archive)}, an archive: unpack it into the folder)"
    if export := _another_format(learner_dir, exercise):
        return f" (found {as_found(export)}, not a .py or .ipynb: hand in the exercise file itself)"
    return ""


def _another_format(learner_dir: Path, exercise: Exercise) -> str | None:
    """A file at the top of `learner_dir` whose name holds the exercise's id but ends as neither a .py nor a notebook
    does: the notebook exported (ex01_perceptron_activations.html, .pdf; .txt, as Jupyter's "Executable Script"
    names it for a notebook whose kernel never ran), which no grader can run."""
    with contextlib.suppress(OSError):
        for path in sorted(learner_dir.iterdir()):
            if (_holds_id(path.name, exercise) and meant_ending(path.name) is None and not path.name.startswith(".")
                    and path.is_file() and not path.is_symlink()):
                return path.name
    return None


def missing(exercise: Exercise) -> str:
    """The reason of an exercise with no file for it, before what was found instead (if anything)."""
    return f"missing: no {exercise.stem}.py or .ipynb"


def _found_deeper(learner_dir: Path, exercise: Exercise) -> str | None:
    """Where under `learner_dir` (hidden folders and symbolic links left out) a file named for `exercise` is."""
    names = {f"{exercise.stem}.py", f"{exercise.stem}.ipynb"}
    for folder, subfolders, files in os.walk(learner_dir):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(names.intersection(files)):
            return Path(folder, name).relative_to(learner_dir).as_posix()
    return None


def named_nearly(learner_dir: Path, exercise: Exercise) -> str | None:
    """The first of _all_named_nearly, or None."""
    return next(iter(_all_named_nearly(learner_dir, exercise)), None)


def beside_the_file_graded(learner_dir: Path, exercise: Exercise) -> str:
    """What a 0's reason adds about the files named nearly right beside the one graded (" (found ex01 (1).py too, not
    graded: name it ex01_perceptron_activations.py)"), each of them, as for a missing file; "" when there are none."""
    nears = _all_named_nearly(learner_dir, exercise)
    return f" ({_found_named_nearly(nears, exercise, too=' too, not graded')})" if nears else ""


def _found_named_nearly(nears: list[str], exercise: Exercise, too: str = "") -> str:
    """'found ex01.py: name it ex01_perceptron_activations.py', or for several (three named, then how many more)
    'found ex01.py, ex01 (2).ipynb: name the one to grade ex01_perceptron_activations.py or .ipynb'; `too` after
    the names."""
    if len(nears) == 1:
        return f"found {as_found(nears[0])}{too}: name it {exercise.stem}{meant_ending(nears[0])}"
    endings = sorted({meant_ending(near) for near in nears}, reverse=True)              # .py, then .ipynb
    shown_nears = ", ".join(map(as_found, nears[:3])) + (f" and {len(nears) - 3} more" if len(nears) > 3 else "")
    return f"found {shown_nears}{too}: name the one to grade {exercise.stem}{' or '.join(endings)}"


def _all_named_nearly(learner_dir: Path, exercise: Exercise) -> list[str]:
    """The files meant for `exercise` but named otherwise, at the top of `learner_dir` or where the release keeps the
    exercises (in a clone, beside the file graded: JupyterLab's Duplicate writes ex01_perceptron_activations-Copy1.ipynb
    beside the notebook), as a path from `learner_dir`: ex01.py, EX01_Perceptron_Activations.ipynb, ex01_perceptron
    (2).py, Copy of ex01_perceptron_activations.ipynb (Colab's name for a notebook saved to one's Drive),
    ex01_perceptron_activations.py.txt (Notepad's), ex1_perceptron_activations.py,
    smithann_12345_67890_ex01_perceptron_activations.py (Canvas' bulk download) -- its name holds the exercise's id
    where a word starts (_holds_id), and ends as a .py or a notebook does (meant_ending). All of them, in order:
    a browser's ex01.ipynb beside its ex01 (2).ipynb are two versions, and the reason names both."""
    found = []
    for folder in (Path(), *RELEASE_LAYOUT):
        with contextlib.suppress(OSError):
            for path in sorted((learner_dir / folder).iterdir()):
                right = [path.with_name(f"{exercise.stem}{ending}") for ending in (".py", ".ipynb")]
                if path in right or any(_same_file(path, named) for named in right):     # named right: not "nearly"
                    continue            # (on macOS' case-insensitive disks EX01_....PY is ex01_....py, the file graded)
                if named_for(path.name, exercise) and path.is_file() and not path.is_symlink():
                    found.append((folder / path.name).as_posix())
    return found


def _same_file(path: Path, other: Path) -> bool:
    """Whether two names are one file (a case-insensitive disk's two spellings, a hard link); False if one is gone."""
    with contextlib.suppress(OSError):
        return os.path.samefile(path, other)
    return False


def _named_nearly_deeper(learner_dir: Path, exercise: Exercise) -> str | None:
    """A file named nearly right (as named_nearly) in a folder under `learner_dir`, as a path from it: an archive's
    extra level holding a renamed file (ann/ex01.py, submission/Copy of ex01_....ipynb). Hidden folders, __MACOSX
    and symbolic links are left out, and so are hidden files (macOS' ._ex01_....py)."""
    for folder, subfolders, files in os.walk(learner_dir):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith(".") and name != MACOS_ZIP_FOLDER)
        if Path(folder) == learner_dir:
            continue                                  # the top: named_nearly's
        for name in sorted(files):
            if named_for(name, exercise) and not Path(folder, name).is_symlink():
                return Path(folder, name).relative_to(learner_dir).as_posix()
    return None


# What a learning platform's "upload your work" often holds instead of the files: an archive of them
ARCHIVE_ENDINGS = (".zip", ".rar", ".7z", ".tar", ".tar.gz", ".tgz")


def _an_archive(learner_dir: Path) -> str | None:
    """The first archive (ARCHIVE_ENDINGS, any case) at the top of `learner_dir`, a regular file that is not hidden:
    the hand-in packed, which the grader does not unpack."""
    with contextlib.suppress(OSError):
        for path in sorted(learner_dir.iterdir()):
            if (path.name.lower().endswith(ARCHIVE_ENDINGS) and not path.name.startswith(".")
                    and path.is_file() and not path.is_symlink()):
                return path.name
    return None


# A file's ending, as an editor may have left it, and the ending it is meant to have: Notepad saves "Save as
# ex02_backprop.py" as ex02_backprop.py.txt, a browser may save a notebook as .ipynb.txt or .ipynb.json.
MEANT_ENDINGS = {".py.txt": ".py", ".ipynb.txt": ".ipynb", ".ipynb.json": ".ipynb", ".py": ".py", ".ipynb": ".ipynb"}


def meant_ending(name: str) -> str | None:
    """".py" or ".ipynb" for a file name that ends as one of MEANT_ENDINGS (any case, spaces after it too); else
    None."""
    return next((meant for ending, meant in MEANT_ENDINGS.items() if name.lower().rstrip().endswith(ending)), None)


def named_for(name: str, exercise: Exercise) -> bool:
    """Whether a file name is meant for `exercise`, right or nearly: it holds the exercise's id (_holds_id), ends as
    a .py or a notebook does (meant_ending), and is not hidden (macOS' ._ex01_... beside the file: no hand-in)."""
    return _holds_id(name, exercise) and meant_ending(name) is not None and not name.startswith(".")


def _holds_id(name: str, exercise: Exercise) -> bool:
    """Whether a file name holds the exercise's id, any case, its leading zero dropped or not (ex01, EX1, as ONLY=ex1
    names it), written out or spaced as a learner renames it (Exercise 1, ex_01, Ex 1), at its start or after a
    space, "_" or "-": after Colab's "Copy of ", and after the prefix a learning platform puts before the learner's
    file name (Canvas: smithann_12345_67890_, smithann_LATE_12345_67890_); not ex10 for ex01, nor index1."""
    return re.search(rf"(?:^|[\s_-])ex(?:ercise)?[\s_-]*0*{int(exercise.name[2:])}(?!\d)", name.lower()) is not None


def as_found(near: str) -> str:
    """A file named nearly right, as a reason names it: in quotes when its name starts or ends with a space, which
    the reason would not show."""
    name = near.rpartition("/")[2]
    return f'"{near}"' if name != name.strip() else near
