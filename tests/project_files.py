"""The project's own .py files, as the tests that read source as text see them.

test_layout.py reads them for their imports and the file maps, test_run_hints.py for the commands they show. Both
must leave out the learner's own exercise files (git-ignored, their work: half-written, or saved by Notepad with a
byte-order mark or as UTF-16), which are not the project's source, and read the solutions they are cut from.
"""

from __future__ import annotations

from pathlib import Path

from conftest import learners_own

REPO = Path(__file__).resolve().parents[1]


def python_files(*folders: str) -> list[Path]:
    """Every .py file under each of `folders` ("scratch", "keras_models/course"), sorted within each folder, the
    folders in the order given: not the bytecode caches, not the learner's own exercise files."""
    files = []
    for folder in folders:
        found = sorted(path for path in (REPO / folder).rglob("*.py")
                       if "__pycache__" not in path.parts and not learners_own(path))
        assert found, f"no .py files in {folder}: a test names a folder that is not there"
        files += found
    return files
