"""`import scratch` must never load TensorFlow or Keras: the scratch side is NumPy alone."""

import subprocess
import sys
from pathlib import Path

SCRATCH = Path(__file__).resolve().parents[1] / "scratch"


def test_importing_every_scratch_module_loads_no_tensorflow_or_keras():
    code = (
        "import importlib, pkgutil, sys, scratch\n"
        "names = [m.name for m in pkgutil.walk_packages(scratch.__path__, 'scratch.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "from scratch import Network, Dense, activations, losses, optimizers\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tensorboard'))\n"
        "print(' '.join(names))\n"
        "print(' '.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names, loaded = (line.split() for line in out.stdout.split("\n")[:2])
    # every .py file under scratch/ was imported: walk_packages does not enter a folder without __init__.py
    files = {".".join(path.relative_to(SCRATCH.parent).with_suffix("").parts).removesuffix(".__init__")
             for path in SCRATCH.rglob("*.py")} - {"scratch"}
    assert set(names) == files, f"files never imported: {sorted(files - set(names))}"
    assert loaded == [], f"importing scratch loaded {len(loaded)} modules of TensorFlow or Keras: {loaded[:3]} ..."


def test_reading_a_notebook_builds_no_grammar_parsers():
    """nbformat imports jsonschema; from 4.25 jsonschema also imports rfc3987-syntax, which builds some 30 Earley
    parsers (lark) as it is imported: 4 s of CPU in every process that reads a notebook (make notebooks, make
    grade, the kernel's grader). pyproject.toml keeps jsonschema below 4.25; this notices if it comes back."""
    code = ("import sys, nbformat, jupytext\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'rfc3987_syntax')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
