"""Every command the project shows a learner runs as shown: `make ...` or `.venv/bin/python ...`, never a bare
python (a module with -m, or a .py file), which outside the virtual environment fails with ModuleNotFoundError.

Scanned: the README, the Makefile, and every .py file of the project (the code's messages, docstrings,
exercise headers, and the tests' own texts), as tests/project_files.py lists them: not the learner's own exercise
files (test_layout.py checks that they are left out).
"""

from __future__ import annotations

import re
from pathlib import Path

from project_files import REPO, python_files

# "python" or "python3" not preceded by a path (.venv/bin/) or a word character, then -m or a .py file
BARE_PYTHON = re.compile(r"(?<![\w/.-])python3?(?:\.\d+)?\s+(?:-m\s|[\w./-]+\.py\b)")


def scanned_files() -> list[Path]:
    return [REPO / "README.md", REPO / "Makefile", *python_files("scratch", "data", "keras_models", "tests")]


def bare_pythons(text: str) -> list[str]:
    return [match.group(0) for match in BARE_PYTHON.finditer(text)]


def test_the_pattern_finds_a_bare_python_and_spares_the_venv_one():
    bare = "python"                  # the wrong commands are assembled, so that no line of this file is one
    assert bare_pythons(f"run `{bare} -m keras_models.train` or {bare} keras_models/x.py, {bare}3 -m pip") == [
        f"{bare} -m ", f"{bare} keras_models/x.py", f"{bare}3 -m "]
    assert bare_pythons("`.venv/bin/python -m keras_models.train`, $(PY) -m x, python3.11 found, a python script") == []


def test_no_file_tells_a_learner_to_run_a_bare_python():
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for path in scanned_files() if path != Path(__file__)
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if bare_pythons(line)]
    assert not found, "say `.venv/bin/python ...` or `make ...`:\n" + "\n".join(found)
