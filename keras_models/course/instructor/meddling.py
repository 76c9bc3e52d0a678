"""What a submission may have changed while the class was graded (it runs as the instructor's user): the project's
code and data sets hashed before and after, and the submissions folder's files compared before and after, each
change named so that it can be restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from keras_models.course.instructor.sandbox import escaped

# What a submission must not change (it runs as the instructor's user): the code the graders import and the data
# sets they read, as (folder of REPO, ending of the files watched there; "" for every file).
WATCHED = (("keras_models", ".py"), ("scratch", ".py"), ("data", ""))


def project_hashes(project: Path) -> dict[str, str]:
    """{path relative to project: SHA-256} of the WATCHED files: the .py files of keras_models/ and scratch/, and
    every file of data/ (about 130 files, 4 MB in all: hashed in about 10 ms)."""
    hashes = {}
    for top, ending in WATCHED:
        for folder, subfolders, files in os.walk(project / top):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            for name in files:
                if name.endswith(ending):                  # every name ends with ""
                    path = Path(folder, name)
                    with contextlib.suppress(OSError):
                        hashes[path.relative_to(project).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def folder_state(folder: Path) -> dict[str, tuple[int, int]]:
    """{path relative to folder: (size, modification time in ns)} of every file and link under `folder`, links not
    followed: enough to notice a submission deleting, adding or rewriting a file of the class during grading."""
    state = {}
    for top, subfolders, files in os.walk(folder):
        for name in files + [name for name in subfolders if Path(top, name).is_symlink()]:
            with contextlib.suppress(OSError):
                status = Path(top, name).lstat()
                state[Path(top, name).relative_to(folder).as_posix()] = (status.st_size, status.st_mtime_ns)
    return state


def changes_named(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> str:
    """'bo/ex02_backprop.py (deleted), ...' for the files that changed between two folder_state()s."""
    changed = changed_paths(before, after)
    named = [f"{escaped(path)} ({'deleted' if path not in after else 'added' if path not in before else 'changed'})"
             for path in changed[:5]]
    return ", ".join(named) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")


def changed_paths(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """The paths, sorted, whose entry differs between two snapshots (project_hashes' or folder_state's)."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
