"""The shipped data files and their SHA-256 checksums, verified on every load.

A checksum is the SHA-256 of the file's bytes, recorded once when data/export.py wrote the file.
The same values stand in data/README.md (a test checks that the two lists agree). If a file is
missing or its bytes changed (an edit, a bad merge, a line-ending conversion), loading stops with
an error that names the file and says how to get the committed version back.
"""

import hashlib
import math
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent

SHA256 = {
    "breast_cancer.csv": "a142ba79c63dd9bc42fa42f93867631a3813299752a5b5260670b6318e3e471f",
    "digits.csv": "592cc047d0a1cc7fdef9fd724514209dcb45a80aa147dc3ab375e3e1a9a380f4",
    "diamonds.csv": "0e7164799468299f8dc09b006cf396c43717c3dc71f947f0a32cc6e199895b46",
    "housing.csv": "0d532c03050c59a1bc50b54e55d5a8361ac53be67e09e4a735edae633f2543f6",
}

# Each file's size in bytes (data/README.md's table), to say how much of a file that was cut short is left.
SIZE = {
    "breast_cancer.csv": 121_388,
    "digits.csv": 265_358,
    "diamonds.csv": 2_571_905,
    "housing.csv": 21_463,
}
# And its lines, the header included (data/README.md's rows, plus one): fewer means rows are missing, more added.
LINES = {
    "breast_cancer.csv": 570,
    "digits.csv": 1_798,
    "diamonds.csv": 53_941,
    "housing.csv": 547,
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


def what_is_damaged(content: bytes, filename: str) -> str:
    """One sentence on how the bytes of a damaged copy of `filename` differ from a clean CSV file, or "".

    The checksum says that a file changed, not how. This reads the damaged bytes alone for what real files suffer:
    emptied, replaced by git LFS's pointer or a compressed copy, saved by a spreadsheet (a byte-order mark, CRLF, ';'
    between fields), cut short or with a row added at its end, a blank or ragged line, a field empty, not finite (NaN,
    1e400) or with a space around it. The shipped files have none of these (a test checks), so a change it cannot see
    (a digit, a swapped column) gets "", and the plain checksum line.
    """
    size = f"{SIZE[filename]:,}"
    if not content:
        return f"It is empty (0 bytes; the shipped file has {size})."
    if content.startswith(b"version https://git-lfs"):
        return "It holds a git LFS pointer, not the data (the project keeps its data in git itself, not in LFS)."
    if content.startswith(b"\x1f\x8b"):
        return "It is gzip-compressed, not CSV text."
    if content.startswith(b"PK\x03\x04"):
        return "It is a zip archive, not CSV text."
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        return f"It is not UTF-8 text (byte 0x{content[error.start]:02x} on line {line})."
    saved = []                                          # the marks of a spreadsheet's or an editor's "Save"
    if text.startswith("\ufeff"):
        saved.append("it starts with a byte-order mark")
    if "\r\n" in text:
        saved.append("its lines end in CRLF (Windows line endings)")
    elif "\r" in text:
        saved.append("its lines end in CR (old Mac line endings)")
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if ";" in header and "," not in header:
        saved.append("its fields are separated by ';'")
    if saved:
        listed = saved[0] if len(saved) == 1 else ", ".join(saved[:-1]) + " and " + saved[-1]
        return f"{listed[0].upper()}{listed[1:]}, as a spreadsheet or an editor saves it."
    lines = text.split("\n")                            # the last is "" after the final newline
    names = header.split(",")
    if lines[-1] and len(content) > SIZE[filename]:      # not cut short: a row, or part of one, added at the end
        added = len(content) - SIZE[filename]
        return (f"Its last line, {len(lines)}, has no newline at its end, and the file is "
                f"{added:,} byte{'' if added == 1 else 's'} longer than the shipped one ({len(content):,} bytes, the "
                f"shipped file has {size}): something was added, such as a row appended at its end.")
    if lines[-1] and len(content) < SIZE[filename] - 1:  # more than the last newline is gone
        return (f"It stops in the middle of line {len(lines)}, without a newline: it was cut short "
                f"({len(content):,} of {size} bytes).")
    unended = ""
    if lines[-1]:   # the last newline taken away (an editor) or typed over, at the shipped size or one byte less:
        unended = f"Its last line, {len(lines)}, has no newline at its end ({len(content):,} of {size} bytes)."
        lines.append("")    # the lines then read as if it were there: a ',' typed over it makes a 32nd field
    return " ".join(filter(None, [unended, _what_is_wrong_in_the_lines(lines, names, filename)]))


def _what_is_wrong_in_the_lines(lines: list[str], names: list[str], filename: str) -> str:
    """One sentence on the first blank line, ragged row, or empty, spaced or non-finite field of a file's `lines`
    (the last is "", after the final newline), else on rows missing or added by their count, or ""."""
    for number, line in enumerate(lines[:-1], start=1):
        if not line:
            return f"Line {number} is blank."
        fields = line.split(",")
        if len(fields) != len(names):
            return f"Line {number} has {len(fields)} fields, the header {len(names)}."
        for column, field in enumerate(fields, start=1):
            where = f"Line {number}, column {column}" + ("" if number == 1 else f" ({names[column - 1]})")
            if not field:
                return f"{where} is empty."
            if field != field.strip():
                return f"{where}: {field[:40]!r} has a space around it."
            try:
                finite = math.isfinite(float(field))
            except ValueError:                          # text: a diagnosis, a diamond's cut, a yes or no
                continue
            if not finite:
                return f"{where}: {field[:40]!r} is not a finite number."
    if len(lines) - 1 < LINES[filename]:                # whole rows, but fewer: `head -n 100`, or rows deleted
        return (f"It has {len(lines) - 1:,} whole lines, {LINES[filename] - (len(lines) - 1):,} fewer than the shipped "
                f"file's {LINES[filename]:,}: rows are missing (it was cut short, or rows were deleted).")
    if len(lines) - 1 > LINES[filename]:                # whole rows, but more: a row pasted in, or a merge kept both
        return (f"It has {len(lines) - 1:,} whole lines, {len(lines) - 1 - LINES[filename]:,} more than the shipped "
                f"file's {LINES[filename]:,}: rows were added.")
    return ""


def _what_is_damaged_at(path: Path, filename: str) -> str:
    """what_is_damaged of the file at `path`, read again (only a damaged file costs it); "" for a file more than twice
    the shipped size (not read into memory) or one that cannot be read a second time."""
    try:
        if path.stat().st_size > 2 * SIZE[filename]:
            return ""
        return what_is_damaged(path.read_bytes(), filename)
    except OSError:
        return ""


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
    # From the last commit (HEAD), not git's index: after `git rm data/X` the index no longer holds the file, and after
    # a damaged copy is staged (`git add -A`) it holds the damage. As keras_models.twins.git_files.restore_command says
    command = f"git checkout HEAD -- data/{filename}"
    restore = f"restore it with `{command}`"
    if path.is_dir():
        raise MissingDataFile(f"data file {path} is a folder, not the data file: remove it, then restore the file "
                              f"with `{command}`")
    if not path.is_file():
        raise MissingDataFile(f"data file {path} is missing; {restore}")
    try:
        actual = sha256_of(path)
    except OSError as exc:      # not the learner's code, nor a folder to write pictures in: the data file
        raise UnreadableDataFile(f"data file {path} cannot be read ({exc.strerror or exc}); make it readable "
                                 f"(`chmod a+r data/{filename}`) or {restore}") from None
    expected = SHA256[filename]
    if actual != expected:
        what = _what_is_damaged_at(path, filename)
        raise ChecksumError(
            f"data file {path} does not match the shipped {filename}: expected sha256 {expected}, "
            f"got {actual}. {what + ' ' if what else ''}The file was altered or corrupted; {restore}"
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
