"""The shipped data files and their SHA-256 checksums, verified on every load.

A checksum is the SHA-256 of the file's bytes, recorded once when data/export.py wrote the file.
The same values stand in data/README.md (a test checks that the two lists agree). If a file is
missing or its bytes changed (an edit, a bad merge, a line-ending conversion), loading stops with
an error that names the file and says how to get the committed version back.
"""

import hashlib
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent

SHA256 = {
    "breast_cancer.csv": "a142ba79c63dd9bc42fa42f93867631a3813299752a5b5260670b6318e3e471f",
    "digits.csv": "592cc047d0a1cc7fdef9fd724514209dcb45a80aa147dc3ab375e3e1a9a380f4",
    "diamonds.csv": "0e7164799468299f8dc09b006cf396c43717c3dc71f947f0a32cc6e199895b46",
    "housing.csv": "0d532c03050c59a1bc50b54e55d5a8361ac53be67e09e4a735edae633f2543f6",
}


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ChecksumError(ValueError):
    """A data file whose bytes are not the shipped file's (altered or corrupted)."""


class MissingDataFile(FileNotFoundError):
    """A shipped data file that is not there (deleted, or a clone without it)."""


class UnreadableDataFile(OSError):
    """A shipped data file that is there but cannot be read (no read permission, a disk error)."""


# What a damaged, missing or unreadable data file raises: each message names the file and how to restore it, so
# a command a learner runs prints it as its one line (`error: ...`), never as a traceback.
DATA_FILE_ERRORS = (ChecksumError, MissingDataFile, UnreadableDataFile)


def verify_checksum(path: str | Path, filename: str | None = None) -> Path:
    """Check that the file at `path` has the recorded SHA-256 of the shipped file `filename`.

    `filename` defaults to the name of `path`; pass it when checking a copy under another name.
    Returns the path. Raises MissingDataFile (a FileNotFoundError) if there is no file at `path`,
    UnreadableDataFile (an OSError) if it cannot be read, and ChecksumError (a ValueError) if its checksum
    differs (the message gives the expected and the actual SHA-256).
    """
    path = Path(path)
    filename = path.name if filename is None else filename
    if filename not in SHA256:
        raise ValueError(f"no recorded checksum for {filename!r}; the shipped files are {sorted(SHA256)}")
    restore = f"restore it with `git checkout data/{filename}`"
    if path.is_dir():
        raise MissingDataFile(f"data file {path} is a folder, not the data file: remove it, then restore the file "
                              f"with `git checkout data/{filename}`")
    if not path.is_file():
        raise MissingDataFile(f"data file {path} is missing; {restore}")
    try:
        actual = sha256_of(path)
    except OSError as exc:      # not the learner's code, nor a folder to write pictures in: the data file
        raise UnreadableDataFile(f"data file {path} cannot be read ({exc.strerror or exc}); make it readable "
                                 f"(`chmod a+r data/{filename}`) or {restore}") from None
    expected = SHA256[filename]
    if actual != expected:
        raise ChecksumError(
            f"data file {path} does not match the shipped {filename}: expected sha256 {expected}, "
            f"got {actual}. The file was altered or corrupted; {restore}"
        )
    return path


def checked_path(filename: str, path: str | Path | None = None) -> Path:
    """The shipped file data/<filename>, or a copy of it at `path`, after its checksum is verified."""
    return verify_checksum(DATA_DIR / filename if path is None else path, filename)


def verify_all() -> None:
    """Every shipped file as recorded, or the error of the first that is not, one of DATA_FILE_ERRORS (make grade
    checks them all before any submission runs)."""
    for filename in sorted(SHA256):
        checked_path(filename)
