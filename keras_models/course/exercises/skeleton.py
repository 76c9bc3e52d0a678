"""The learner's files are made from the reference solutions: cut out the solution, leave a TODO.

Each exercise exists once in the repository, as its solution in `solutions/` with the parts the
learner writes marked; the learner's own file (`exercises/<name>.py`, git-ignored) is generated from it.

A solution marks each part the learner writes, at the indentation where the code goes:

    def output_error(a2, y, z2):
        # TODO: BP1 ...
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

`make_skeleton` replaces every marked block with `raise NotImplementedError(...)` and keeps every
other line, so the brief, the signatures, the given code and the TODO comments are the same in
both files and cannot drift apart. `write_missing` writes the skeleton of every exercise whose learner
file does not exist yet (`make setup`, `make exercises`) and never touches one that does; `reset`
writes one back on request, keeping it in a backup first when it holds the learner's work. Each remembers what it wrote
(as_written.py), and `write_new_versions` writes a changed skeleton (after a git pull) over a file that still
holds exactly that: nothing of the learner's is in it. Written by root (`sudo make setup`)
in a learner's checkout, a file belongs to its folder's owner, the learner: one owned by root they could not edit.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from keras_models.course.exercises.as_written import read_record, sha256_of, untouched, write_record
from scratch.atomic_write import atomic_path, write_text_atomically

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
PLACEHOLDER = 'raise NotImplementedError("TODO: write this part, then grade it")'


def make_skeleton(solution_source: str, source_name: str = "<solution>") -> str:
    """The solution text with each BEGIN/END SOLUTION block replaced by a NotImplementedError.

    Raises ValueError naming the line for an unbalanced, nested or mis-indented marker.
    """
    out: list[str] = []
    open_at: int | None = None          # line number of the BEGIN marker of the block being cut
    indent = ""
    for number, line in enumerate(solution_source.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if open_at is not None:
                raise ValueError(f"{source_name}:{number}: {BEGIN} inside the block opened at line {open_at}")
            open_at = number
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{PLACEHOLDER}\n")
        elif marker == END:
            if open_at is None:
                raise ValueError(f"{source_name}:{number}: {END} without a {BEGIN}")
            if not line.startswith(indent) or line[len(indent):].startswith((" ", "\t")):
                raise ValueError(f"{source_name}:{number}: {END} is not indented like its {BEGIN} "
                                 f"at line {open_at}")
            open_at = None
        elif open_at is None:
            out.append(line)
    if open_at is not None:
        raise ValueError(f"{source_name}:{open_at}: {BEGIN} is never closed by {END}")
    return "".join(out)


def skeleton_of(solution_path: Path) -> str:
    """The pristine learner file for the solution at `solution_path`."""
    return make_skeleton(solution_path.read_text(encoding="utf-8"), str(solution_path))


def backup_path(path: Path, backup_dir: Path) -> Path:
    """Where the learner's version of `path` is kept before it is replaced: backup_dir/<name>.<timestamp><suffix>
    (the folder is made)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    return backup_dir / f"{path.stem}.{datetime.now():%Y%m%d-%H%M%S-%f}{path.suffix}"


def reset(solution_path: Path, learner_path: Path, backup_dir: Path) -> Path | None:
    """Write the pristine skeleton to `learner_path`; return where the old version was saved.

    Nothing is lost: if the learner's file holds their work (as_written.learners_work: it differs from the skeleton,
    and from what the course wrote in it), it is first copied to backup_dir/<name>.<timestamp>.py. Returns None when
    there was nothing to keep: the skeleton, or an earlier one nobody changed (a git pull changed the solution since),
    which is written over. The untouched skeleton is left as it is, unless the learner may not write it (root's,
    from a sudo make setup): written again, it is theirs.
    """
    skeleton = skeleton_of(solution_path)
    backup = None
    if learner_path.exists():
        current = learner_path.read_bytes()                 # bytes: a file that is not UTF-8 is kept too
        if current == skeleton.encode("utf-8"):
            if os.access(learner_path, os.W_OK):
                remember([(solution_path, learner_path)])
                return None
        elif not untouched(learner_path, current, read_record(learner_path.parent)):
            backup = backup_path(learner_path, backup_dir)
            with atomic_path(backup) as temporary:          # a full disk leaves no half backup, taken for theirs
                temporary.write_bytes(current)
    write_text_atomically(learner_path, skeleton)          # stopped half way, the file is the old one, not half
    owned_like_its_folder(learner_path)
    remember([(solution_path, learner_path)])
    return backup


def write_missing(pairs: list[tuple[Path, Path]]) -> list[Path]:
    """For each (solution_path, learner_path) whose learner file does not exist, write its skeleton.

    A learner file that exists is never touched, whatever it holds. Returns the files written.
    """
    written = []
    for solution_path, learner_path in pairs:
        if not learner_path.exists():
            write_text_atomically(learner_path, skeleton_of(solution_path))   # never half a file, taken as yours
            owned_like_its_folder(learner_path)
            written.append(learner_path)
    remember(pairs)
    return written


def write_new_versions(pairs: list[tuple[Path, Path]]) -> list[Path]:
    """For each (solution_path, learner_path) whose learner file still holds what was written in it (as_written.py)
    and whose skeleton has changed since (a git pull), write the new skeleton. Returns the files written.

    A file the learner changed is never touched, nor one not known untouched (no record, a damaged one). What it
    writes is recorded, as write_missing's is."""
    rewritten = []
    for solution_path, learner_path in pairs:
        if not learner_path.is_file():
            continue
        current, skeleton = learner_path.read_bytes(), skeleton_of(solution_path)
        if current != skeleton.encode("utf-8") and untouched(learner_path, current, read_record(learner_path.parent)):
            write_text_atomically(learner_path, skeleton)
            owned_like_its_folder(learner_path)
            rewritten.append((solution_path, learner_path))
    remember(rewritten)
    return [learner_path for _, learner_path in rewritten]


def remember(pairs: list[tuple[Path, Path]]) -> None:
    """Record the SHA-256 of each learner file that holds its skeleton now (as_written.py): one just written, or one
    set up before there was a record that still reads as the course wrote it (nothing in it is the learner's)."""
    for folder in dict.fromkeys(learner_path.parent for _, learner_path in pairs):
        before = read_record(folder)
        after = dict(before)
        for solution_path, learner_path in pairs:
            if learner_path.parent == folder and learner_path.is_file():
                skeleton = skeleton_of(solution_path).encode("utf-8")
                if learner_path.read_bytes() == skeleton:
                    after[learner_path.name] = sha256_of(skeleton)
        if after != before and (record := write_record(folder, after)) is not None:
            owned_like_its_folder(record)


def owned_like_its_folder(path: Path) -> None:
    """Written by root (sudo make setup) in a folder another user owns: give the file that user and group, whose
    exercise it is. Any other writer's files are already theirs (and only root may give a file away)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    folder = path.parent.stat()
    if folder.st_uid != 0:
        os.chown(path, folder.st_uid, folder.st_gid)
