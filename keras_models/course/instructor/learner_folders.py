"""The learners' folders in a submissions folder: one sub-folder per learner, Moodle's download in folders read as
one learner each, and the entries that are no learner's skipped with why; a folder laid out otherwise (a learner's
own folder, a class's zip unzipped into a folder of its own, Canvas' or Moodle's files side by side) refused in
one line that says how to lay it out.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import unicodedata
from pathlib import Path

from keras_models.course.exercises.graders import EXERCISES, printable
from keras_models.course.instructor import gradebook
from keras_models.course.instructor.learner_files import (
    ARCHIVE_ENDINGS,
    MACOS_ZIP_FOLDER,
    meant_ending,
    named_for,
    submission,
)
from keras_models.course.instructor.progress import PROGRESS
from keras_models.course.instructor.sandbox import escaped
from keras_models.twins.counted import counted
from keras_models.twins.unexpanded_home import unexpanded_home

# written into the submissions folder (the grade book, and what a stopped run kept): not learners, not skipped
OUTPUTS = (gradebook.GRADES, gradebook.REASONS, PROGRESS)


def is_output(name: str) -> bool:
    """Whether `name` is one make grade writes into the submissions folder: OUTPUTS, or an earlier grade book it kept
    aside (grades_earlier.csv, grades_reasons_earlier_2.csv ...: gradebook.keep_aside)."""
    return name in OUTPUTS or gradebook.KEPT_ASIDE.fullmatch(name) is not None


def find_learners(submissions: Path) -> tuple[dict[str, Path], list[str]]:
    """{learner: folder}, and the entries skipped, each with why ("stray_file.zip (not a folder)")."""
    tilde = unexpanded_home(str(submissions), lambda folder: f"SUBMISSIONS={folder}", "make grade")
    if tilde:
        raise ValueError(tilde)
    if not submissions.exists():
        raise ValueError(f"the submissions folder {submissions} does not exist")
    if not submissions.is_dir():
        raise ValueError(f"{submissions} is a file, not a folder of submissions")
    learners, skipped = {}, []
    try:
        entries = [(_utf8_name(path), path) for path in submissions.iterdir()]     # (None: its bytes are not UTF-8)
    except OSError as error:                # a folder the instructor may enter but not list (mode 300, a share)
        raise ValueError(f"the submissions folder {submissions} cannot be read ({error.strerror or error}); nothing "
                         "was graded") from None
    for name, path in sorted(entries, key=lambda entry: gradebook.roll_key(entry[0] or entry[1].name)):
        if is_output(path.name) and path.is_dir() and not path.is_symlink():    # graded, then no grades written
            raise ValueError(f"{path} is a folder, where make grade writes its {path.name}: rename it (if it is a "
                             "learner's) or move it away")
        if path.is_symlink():
            skipped.append(f"{escaped(path.name)} (symbolic link)")
        elif not path.is_dir():
            if not is_output(path.name):
                skipped.append(f"{escaped(path.name)} (not a folder)")
        elif path.name.startswith("."):
            skipped.append(f"{escaped(path.name)} (hidden folder)")
        elif path.name == MACOS_ZIP_FOLDER:         # unzipping a class zipped on a Mac: its ._ files, no learner's
            skipped.append(f"{path.name} (the macOS zip's metadata folder)")
        elif name is None:                               # bytes that are not UTF-8: no CSV or terminal takes them
            skipped.append(f"{printable(path.name)} (its name is not UTF-8: rename the folder)")
        elif any(unicodedata.category(c) == "Cc" for c in path.name):  # a line break splits the table's rows
            skipped.append(f"{escaped(path.name)} (its name holds a control character such as a line break: rename "
                           "the folder)")
        else:
            learners[name] = path
    learners = _moodle_learners(submissions, learners, skipped)
    spelled = collections.defaultdict(list)                 # {the name in one Unicode form: the folders' names}
    for name in learners:
        spelled[gradebook.same_name(name)].append(name)
    for name, both in spelled.items():       # two rows the next ONLY= run would refuse as one learner twice
        if len(both) > 1:
            raise ValueError(f"{submissions} holds {len(both)} learner folders named {name}, spelled in different "
                             f"Unicode forms ({', '.join(ascii(each) for each in both)}: {_spelled_apart(name, both)}"
                             "): the grade book could not tell them apart; merge them into one folder, or rename one")
    own = next((found for e in EXERCISES if (found := submission(submissions, e)) is not None), None)
    if own is not None:            # its sub-folders (data, keras_models ...) would be graded as learners, all 0
        raise ValueError(f"{submissions} holds {own.path.relative_to(submissions).as_posix()} itself, as one "
                         "learner's folder does: SUBMISSIONS= is the folder that holds one sub-folder per learner")
    if not learners:
        raise ValueError(f"{submissions} holds no learner folders" + (_flat_download(submissions)
                                                                      or _files_only(submissions) or ": one sub-folder "
                                                                      "per learner, holding their exercise files"))
    if downloaded := _flat_download(submissions, platforms_only=True):
        # a platform's download beside a folder of the instructor's (graded/): that folder was graded as the class,
        # all zeros, and the learners' files were only listed as skipped
        listed = ", ".join(map(gradebook.named, list(learners)[:3])) + (", ..." if len(learners) > 3 else "")
        raise ValueError(f"{submissions} holds {counted(len(learners), 'folder')} ({listed}){downloaded}")
    if len(learners) == 1:          # a class's zip unzipped into a folder of its own: the class graded as one learner
        (name, folder), = learners.items()
        holding = _learners_inside(folder)
        if len(holding) > 1:
            listed = ", ".join(map(gradebook.named, holding[:3])) + (", ..." if len(holding) > 3 else "")
            raise ValueError(f"{submissions} holds one folder, {gradebook.named(name)}, whose sub-folders hold "
                             f"exercise files ({listed}): it is the class's folder, as an archive's extra level leaves "
                             f"it: make grade SUBMISSIONS={folder}")
    return learners, skipped


def _spelled_apart(name: str, spellings: list[str]) -> str:
    """What makes `spellings` of `name` (NFC) differ: how a Mac spells the first letter it spells otherwise, "a Mac
    writes \u00e9 as e and an accent", a Korean syllable "a Mac writes \uae40 in 2 parts"; or, when no letter of
    the name is one a Mac takes apart, the look-alike sign NFC turns into a letter (the Kelvin sign into K), or
    else the order of two accents on one letter, which NFC puts right."""
    letter = next((c for c in name if unicodedata.normalize("NFD", c) != c), None)
    if letter is not None:
        return f"a Mac writes {_as_a_mac_spells(letter)}"
    sign = next((c for spelling in spellings for c in spelling if unicodedata.normalize("NFC", c) != c), None)
    if sign is not None:
        return (f"one spells {unicodedata.normalize('NFC', sign)} with the look-alike sign U+{ord(sign):04X}, which "
                f"Unicode counts as {unicodedata.normalize('NFC', sign)}")
    return "their accents are written in another order"         # q + dot above + dot below, and the reverse


def _as_a_mac_spells(letter: str) -> str:
    """How a Mac spells `letter`: "\u00e9 as e and an accent"; a Korean syllable, "\uae40 in 2 parts"."""
    base, *marks = unicodedata.normalize("NFD", letter)
    if all(unicodedata.category(mark) == "Mn" for mark in marks):
        return f"{letter} as {base} and {'an accent' if len(marks) == 1 else 'accents'}"
    return f"{letter} in {1 + len(marks)} parts"


# Moodle's "Download all submissions" with "Download submissions in folders" writes a folder per learner and kind of
# hand-in, <full name>_<participant id>_assignsubmission_<plugin>_: "Ann Smith_12345_assignsubmission_file_" holds
# the files, "Ann Smith_12345_assignsubmission_onlinetext_" the online text (onlinetext.html), when the assignment
# takes both.
MOODLE_LEARNER = r"(?P<learner>.+_\d+)_assignsubmission_"            # Ann Smith_12345, then the kind of hand-in
MOODLE_FOLDER = re.compile(MOODLE_LEARNER + r"(?P<plugin>[a-z][a-z0-9_]*)_")


def _moodle_learners(submissions: Path, folders: dict[str, Path], skipped: list[str]) -> dict[str, Path]:
    """`folders` ({learner: folder}, in roll order) with each of Moodle's folders (MOODLE_FOLDER) under its learner's
    name and participant id, "Ann Smith_12345": unique in the assignment (two Wei Zhangs are two rows), the same in
    every download of it (a later ONLY= run finds the row), and the id Moodle's grading worksheet names "Participant
    12345". Of one learner's folders the files' (_file_) is graded; each other one (the online text) is added to
    `skipped`: not a learner of its own, whose row would be all zeros."""
    learners: dict[str, Path] = {}
    moodle = collections.defaultdict(list)              # {learner: [(not the files' folder, folder name, folder)]}
    for name, folder in folders.items():
        if match := MOODLE_FOLDER.fullmatch(name):
            moodle[match["learner"]].append((match["plugin"] != "file", name, folder))
        else:
            learners[name] = folder
    for learner, theirs in moodle.items():
        if learner in learners:
            raise ValueError(f"{submissions} holds {escaped(learner)} and {escaped(theirs[0][1])}, Moodle's folder of "
                             "the same learner: merge them into one folder")
        (_, _, graded), *others = sorted(theirs)
        learners[learner] = graded
        skipped += [f"{escaped(name)} (Moodle's {'online text' if name.endswith('_onlinetext_') else 'hand-in'} of "
                    f"{escaped(learner)}, not exercise files: graded from {escaped(graded.name)})"
                    for _, name, _ in others]
    return dict(sorted(learners.items(), key=lambda item: gradebook.roll_key(item[0])))


# A learning platform's download with every learner's files side by side, each name led by the learner's: Canvas'
# (always) smithann_12345_67890_ex01_....py, late smithann_LATE_12345_67890_...; Moodle's without "Download
# submissions in folders" Ann Smith_12345_assignsubmission_file_ex01_....py.
FLAT_DOWNLOADS = (("Canvas' download", re.compile(r"(?P<learner>[^_]+)_(?:LATE_)?\d+_\d+_.")),
                  ("Moodle's download without folders", re.compile(MOODLE_LEARNER + "file_.")))


def _flat_download(submissions: Path, platforms_only: bool = False) -> str | None:
    """What a submissions folder without learner folders holds instead, when its files look like learners' exercise
    files (each name holds an exercise's id and ends as a .py or a notebook does): how many, the first, whose
    download it is when every name is one platform's, and how to lay them out (", but 3 exercise files of 2
    learners, as Canvas' download names them ..."). None when there are no such files; with `platforms_only` (beside
    learner folders), also when no name is a platform's: an instructor's ex01_solution.py is no learner's, and is
    skipped, but a platform's files beside it are still its download, counted without it."""
    found = []                                      # [(file name, the exercise it names)]
    with contextlib.suppress(OSError):
        for path in sorted(submissions.iterdir()):
            exercise = next((e for e in EXERCISES if named_for(path.name, e)), None)
            if exercise is not None and path.is_file() and not path.is_symlink():
                found.append((path.name, exercise))
    if not found:
        return None
    layout = "make grade needs one sub-folder per learner, holding their files under the exercise's own name, such as"
    for platform, pattern in FLAT_DOWNLOADS:
        theirs = [(name, exercise, match) for name, exercise in found if (match := pattern.match(name))]
        # without learner folders, a download only when every file is the platform's (a stray file is no learner);
        # beside them, any of its files is: the instructor's ex01_solution.py among them left graded/ graded
        if theirs and (len(theirs) == len(found) or platforms_only):
            (first, exercise, match), more = theirs[0], ", ..." if len(theirs) > 1 else ""
            learners = counted(len({each["learner"] for _, _, each in theirs}), "learner")
            again = ('; or download them again with "Download submissions in folders" ticked'
                     if platform.startswith("Moodle") else "")
            return (f", but {counted(len(theirs), 'exercise file')} of {learners}, as {platform} names them "
                    f"({escaped(first)}{more}): {layout} {escaped(match['learner'])}/{exercise.stem}"
                    f"{meant_ending(first)}{again}")
    if platforms_only:
        return None
    (first, exercise), more = found[0], ", ..." if len(found) > 1 else ""
    example = f"{exercise.stem}{meant_ending(first)}"         # ann/ex01_perceptron_activations.py
    files = counted(len(found), "file") + (" named like an exercise file" if len(found) == 1 else
                                           " named like exercise files")
    return f", but {files} ({escaped(first)}{more}): {layout} ann/{example}"


def _files_only(submissions: Path) -> str | None:
    """What a submissions folder without learner folders, nor files named like exercise files, holds instead: the
    files a learning platform exports (its download still zipped, its grades worksheet), named three at most, and
    what to do: unzip the zip there (unpack another archive: ARCHIVE_ENDINGS), or give the folder that holds the
    learners' folders (", but only 2 files
    (Grades-DL101.csv, submissions.zip): unzip submissions.zip here, so that it holds one sub-folder per learner, ...").
    None when it holds no file but make grade's own and hidden ones (.DS_Store): an empty folder."""
    with contextlib.suppress(OSError):
        files = sorted(path.name for path in submissions.iterdir()
                       if not path.is_dir() and not is_output(path.name) and not path.name.startswith("."))
        if files:
            listed = ", ".join(map(escaped, files[:3])) + (", ..." if len(files) > 3 else "")
            archives = [name for name in files if name.lower().endswith(ARCHIVE_ENDINGS)]
            unpack, others = (("unzip", "zips") if all(name.lower().endswith(".zip") for name in archives)
                              else ("unpack", "archives"))
            what = (f"{unpack} {escaped(archives[0])}{f' and the other {others}' if len(archives) > 1 else ''} here, "
                    "so that it holds" if archives else "SUBMISSIONS= is the folder that holds")
            return (f", but only {counted(len(files), 'file')} ({listed}): {what} one sub-folder per learner, holding "
                    "their exercise files")
    return None


def _learners_inside(folder: Path) -> list[str]:
    """The sub-folders of `folder` (hidden ones and __MACOSX left out) that hold an exercise file where
    `submission` looks for one, when `folder` itself holds none: [] for a learner's folder."""
    try:
        if any(submission(folder, e) is not None for e in EXERCISES):
            return []
        inside = sorted(path for path in folder.iterdir() if path.is_dir() and not path.is_symlink()
                        and not path.name.startswith(".") and path.name != MACOS_ZIP_FOLDER)
        return [path.name for path in inside if any(submission(path, e) is not None for e in EXERCISES)]
    except OSError:                 # a folder that cannot be read: graded, and its reason says so
        return []


def _utf8_name(path: Path) -> str | None:
    """The folder's name as UTF-8 text, read from its bytes; None if they are not UTF-8. path.name will not do: in
    the C locale without UTF-8 mode (LC_ALL=C PYTHONUTF8=0) Python reads every name as ASCII, and a folder "Zoë",
    UTF-8 on disk, arrived as "Zo\\udcc3\\udcab" and was skipped as not UTF-8."""
    try:
        return os.fsencode(path.name).decode("utf-8")
    except UnicodeDecodeError:
        return None
