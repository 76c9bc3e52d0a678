"""What the course's scripts share on their command line: a mistake in an option is one line, not a traceback.

    parser = OneLineParser(prog=".venv/bin/python -m keras_models.course.multi_worker", description=...)
    parser.add_argument("--epochs", type=whole_number, default=3)
    parser.add_argument("--seed", type=seed, default=0)
    parser.add_argument("--out", type=folder, default=shown(LOGS / "multi_worker"))    # course/folders.py

OneLineParser is every program's (keras_models/twins/one_line_parser.py): a mistake is one line, not the usage.
Each type checks its value when the options are read, before anything trains: `--epochs 0` once trained nothing
and then failed on the empty history, `--seed -1` failed inside Keras' seeding, and `--out README.md` failed
inside TensorBoard's writer, each with a traceback; `--out=~/x` (no shell expands a ~ after `=`) made a folder called
~ in the current one, where make train, make lessons and make release refuse it (twins/unexpanded_home.py).

A character the output's encoding cannot show under an error handler the user chose is one line too
(`output_cannot_show`: the Makefile otherwise escapes it), not a UnicodeEncodeError traceback; an output pipe closed
while a program prints is keras_models/twins/closed_output.py's.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from keras_models.twins.repository import from_repository
from keras_models.twins.unexpanded_home import unexpanded_home

MAX_SEED = 2**32 - 1                  # keras.utils.set_random_seed (NumPy's legacy seeding) takes 0 .. 2**32 - 1


def whole_number(text: str) -> int:
    """A count such as epochs or rows per batch: a whole number >= 1."""
    if not text.strip().isdecimal() or int(text) < 1:         # isdigit takes "²", which int refuses
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def seed(text: str) -> int:
    """A random seed: a whole number from 0 to 2**32 - 1."""
    if not text.strip().isdecimal() or int(text) > MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_SEED}, got {text!r}")
    return int(text)


def folder(text: str, written_by: str | None = None) -> Path:
    """An output folder: it may not exist yet, but nothing on its path may be a file, and the nearest folder that
    exists must be one this user can enter and write in (a read-only logs/ once failed inside TensorBoard's writer).
    The line names the folder to put right, and says how: `make course` writes into logs/course, a folder its user
    never typed, and takes no --out, so "give a folder you can write in" alone left a make user with nothing to do.
    `written_by` ("make course"): the folder is that command's own, and the line says so and offers no other.
    A folder starting with ~ the shell left alone is refused, as make train's LOGDIR= is."""
    tilde = unexpanded_home(text, lambda given: given, "--out")
    if tilde is not None:
        raise argparse.ArgumentTypeError(tilde)
    subject = text if written_by is None else f"{written_by} writes into {text}, which"
    other = ", or give another folder" if written_by is None else ""
    path = Path(text)
    refused = None                              # why the parts below the nearest one that can be looked at cannot
    for part in (path, *path.parents):
        try:
            found = part.exists()
        except PermissionError as error:        # inside a folder this user may not enter: exists() raises
            refused = refused or error
            continue
        except OSError as error:                # the name itself refused (too long): no folder on the path is at fault
            raise argparse.ArgumentTypeError(f"{subject} cannot be written ({error.strerror or error})"
                                             f"{': give another folder' if written_by is None else ''}") from None
        if not found:
            continue
        if not part.is_dir():
            where = "is a file" if part == path else f"is inside {part}, which is a file"
            fix = ("give a folder" if written_by is None else "rename or remove it") if part == path else \
                f"rename or remove that file{other}"
            raise argparse.ArgumentTypeError(f"{subject} {where}: {fix}")
        if refused is not None:
            raise argparse.ArgumentTypeError(f"{subject} cannot be written: {part} may not be entered ("
                                             f"{refused.strerror or refused}): make {part} a folder you can enter "
                                             f"and write in{other}")
        if not os.access(part, os.W_OK | os.X_OK):
            where = "cannot be written" if part == path else f"cannot be created in {part}"
            raise argparse.ArgumentTypeError(f"{subject} {where} (permission denied or a read-only file system): make "
                                             f"{part} a folder you can write in{other}")
        break
    return path


def folder_not_writable(error: OSError) -> str | None:
    """The line for a file a course command could not write in a read-only checkout (chmod -R a-w, a read-only
    mount) or in folders another user's sudo make made, or None for any other error. Files are written by renaming a
    new one into their folder (scratch/atomic_write.py), so the folder is what must be writable. Paths are shown
    from the repository's folder, where make runs."""
    if not error.filename or not (isinstance(error, PermissionError) or error.errno == errno.EROFS):
        return None
    path = Path(error.filename)
    return (f"{from_repository(path)} cannot be written ({error.strerror}): make {from_repository(path.parent)} a "
            "folder you can write in (chmod u+w; sudo chown -R $USER if another user made it, as sudo make does), "
            "then try again")


def output_cannot_show(error: UnicodeEncodeError, program: str) -> str:
    """After a UnicodeEncodeError on stdout (PYTHONIOENCODING=ascii:strict, an error handler the user chose, which the
    Makefile keeps): the one line to print on stderr, naming the character and the way to see it."""
    character = ascii(error.object[error.start:error.end])
    return (f"error: {program} was printing the character {character}, which the output's encoding "
            f"({error.encoding}) cannot show: leave out PYTHONIOENCODING's error handler (:{sys.stdout.errors}), or "
            "use PYTHONIOENCODING=utf-8")
