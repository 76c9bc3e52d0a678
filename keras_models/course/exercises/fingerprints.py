"""Whether a learner has worked in a notebook since `make notebooks` wrote it: a fingerprint of what it says.

`make notebooks` writes each exercise's notebook from its `.py` file and records in the notebook's metadata
(`inside_the_network.inputs_sha256`) a fingerprint of what it wrote: the SHA-256 of the cells' types and
sources, outputs and metadata left out, so running the cells or moving the notebook does not change it. A
notebook whose fingerprint now is the one recorded is untouched: `make notebooks` may write it again from a
changed `.py`, and with as many TODOs left in both, the grader takes the `.py` (which_file.version_to_grade). One
whose fingerprint differs has been worked in: `make notebooks` keeps it (a lesson's, it backs up first).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from keras_models.course.exercises.as_written import learners_work
from keras_models.course.exercises.notebook_source import cell_ids_not_required, read_text


def fingerprint(notebook) -> str:
    """A fingerprint of what a notebook says (cell types and sources), ignoring outputs and metadata."""
    text = "\x00".join(f"{cell.cell_type}\x01{cell.source}" for cell in notebook.cells)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprints(path: Path) -> tuple[str | None, str | None]:
    """(fingerprint of the notebook at `path` now, the one `make notebooks` recorded in it when it wrote it);
    None for what cannot be read (not a notebook any more) or was never recorded."""
    import nbformat

    try:
        with cell_ids_not_required():
            notebook = nbformat.reads(read_text(path), as_version=4)
        now = fingerprint(notebook)
    except Exception:                      # noqa: BLE001 -- not a notebook (any more): nothing to compare
        return None, None
    return now, course_metadata(notebook).get("inputs_sha256")


def course_metadata(notebook: object) -> dict:
    """What `make notebooks` recorded in a notebook (read as JSON or by nbformat): its `inside_the_network`
    metadata, {} when there is none (not a notebook of the course)."""
    # written by hand, the metadata can be anything: make grade reads it before any submission runs, where an
    # AttributeError stopped the grading of the whole class
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    ours = metadata.get("inside_the_network") if isinstance(metadata, dict) else None
    return ours if isinstance(ours, dict) else {}


def unchanged_since_written(path: Path) -> bool:
    """Whether the notebook at `path` says what it said when `make notebooks` wrote it: no one has worked in it."""
    return untouched_fingerprint(path) is not None


def untouched_fingerprint(path: Path) -> str | None:
    """The fingerprint of the notebook at `path` if no one has worked in it since `make notebooks` wrote it
    (it says what was recorded then), else None."""
    now, recorded = fingerprints(path)
    return None if learners_work(now, recorded) else now
