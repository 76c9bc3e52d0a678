"""Writing a file so that readers see the old version or the new one, never half of one.

    with atomic_path("run/run.json") as tmp:      # write tmp; it is flushed and renamed over the target
        tmp.write_text(...)
    write_atomically("run/checkpoint.npz", arrays) # the same for np.savez
    write_text_atomically("ex01.py", text)         # and for a text file

The temporary file sits beside the target (same directory, so the rename stays on one file system) and
is named `<target name>.<8 random characters>.tmp`. It is created as `open(path, "w")` would create the
target (0o666 less the umask), not with `tempfile.mkstemp`'s 0o600: the renamed file must be as readable
as one written in place, and a target that exists keeps its mode and group, as one rewritten in place does (a
grades.csv shared with a teaching assistant's group, chmod 640, stays theirs). A writer killed outright (kill -9,
a power cut) leaves at worst that temporary file, which no reader picks up; `remove_stale_temporaries` deletes
them, and only them, before the target is written again.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def atomic_path(path, prefix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; then flush it to disk and rename it over `path`.

    The rename is atomic (POSIX and Windows): readers see the old file or the new one, never half of
    one. If the writing fails, the temporary file is removed and `path` is untouched; an OSError (a full
    disk) is raised again naming `path`. `prefix` names the temporary file (by default `path`'s name
    and a dot), for readers that pick files by name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp = _create_temporary(path.parent, prefix or path.name + ".")
    except OSError as exc:                  # a folder it may not write in: name `path`, not a random temporary name
        if exc.errno is None:               # no free name: _create_temporary's own message names path already
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        _keep_mode(path, Path(tmp))
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        # one error naming the file: an error that names no file, or the temporary one; an error that names another
        # file (an atomic_path inside this one, whose write failed) keeps that name
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename in (None, str(tmp)):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise


def _create_temporary(folder: Path, prefix: str) -> Path:
    """A new empty file `<prefix><8 random characters>.tmp` in `folder`, created with mode 0o666 less the umask."""
    for _ in range(100):
        tmp = folder / f"{prefix}{secrets.token_hex(4)}.tmp"             # 8 of [0-9a-f]
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the kernel applies the umask
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {folder / prefix}...")


def _keep_mode(path: Path, tmp: Path) -> None:
    """Give `tmp` the group and permissions of the `path` it replaces, if there is one: open(path, "w") keeps them
    too (a 640 for a teaching assistant's group is worth nothing in the writer's own group). The group first: a
    chown clears the setgid bit. A group the writer is not in cannot be given; the file then has the writer's."""
    try:
        old = os.stat(path)
    except FileNotFoundError:
        return
    with contextlib.suppress(PermissionError):
        os.chown(tmp, -1, old.st_gid)
    os.chmod(tmp, stat.S_IMODE(old.st_mode))


def remove_stale_temporaries(path, prefix: str | None = None) -> list[Path]:
    """Delete the temporary files that an `atomic_path(path, prefix)` killed mid-write left beside `path`.

    Only names of the writer's own pattern go (`prefix`, 8 characters of [a-z0-9_], `.tmp`: the hex names
    written now and the `tempfile` names of earlier versions);
    call it where no other process writes `path`. Returns the files removed.
    """
    path = Path(path)
    pattern = re.compile(re.escape(prefix or path.name + ".") + r"[a-z0-9_]{8}\.tmp")
    stale = [p for p in path.parent.glob("*.tmp") if pattern.fullmatch(p.name) and p.is_file()] \
        if path.parent.is_dir() else []
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def write_text_atomically(path, text: str) -> Path:
    """`Path(path).write_text(text, encoding="utf-8")`, but readers never see half of it (a learner's file)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_atomically(path, arrays: dict[str, np.ndarray]) -> Path:
    """np.savez to a temporary file beside `path`, flushed to disk, then renamed over `path`."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)
    return Path(path)
