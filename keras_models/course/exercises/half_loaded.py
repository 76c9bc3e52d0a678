"""A package whose import an interrupt stopped half-way, and which code is the learner's notebook cell.

The stop button raises KeyboardInterrupt wherever Python is. During the first `import keras` (seconds: it looks
stuck) it leaves Keras half-loaded: restarting the kernel mends that, running the cell again does not. The grade
cell (grade.py) and the project's kernel (../jupyter/kernel.py) both ask `package_loading` whether that happened,
and say so in a `restart_line`.

Only the standard library is imported here: the kernel asks while the interrupted import may be half-way through
pandas or NumPy, and importing anything that needs them then failed (ImportError: numpy._core.multiarray failed to
import), which turned IPython's handler off for the rest of the kernel's life.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from keras_models.course.exercises.notebook_source import TIMED_IN_A_KERNEL


def package_loading(interrupt: KeyboardInterrupt, is_learners: Callable[[str], bool]) -> str | None:
    """The package Python was importing a module of when `interrupt` landed ("keras"), or None.

    Python drops the module it was importing from sys.modules, but keeps the submodules that had finished: imported
    again, the package runs with parts missing ("module 'keras.src.backend' has no attribute 'backend'"), and every
    grading after it fails on that, whatever the learner's code. An import shows in the traceback as the top level
    of a module that is not the learner's (Python removes its own import frames from it), or, while Python still
    looks for the module's file, as importlib's frame that loads it; the innermost names the package. A top level
    in "<string>" is no import: it is code run with exec, as collections.namedtuple and dataclasses run theirs; nor
    is one in `__main__`, the notebook's own namespace, where a script can be run with exec."""
    loading = None
    tb = interrupt.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        file = frame.f_code.co_filename
        from_a_string = file.startswith("<") and not file.startswith("<frozen ")   # "<frozen os>": imported
        main = frame.f_globals.get("__name__") == "__main__"   # never imported: a script run in the notebook's space
        if frame.f_code.co_name == "<module>" and not from_a_string and not main and not is_learners(file):
            loading = frame.f_globals.get("__name__", loading)
        elif frame.f_code.co_name == "_find_and_load" and file.startswith("<frozen importlib"):
            loading = frame.f_locals.get("name", loading)
        tb = tb.tb_next
    return None if loading is None else loading.split(".")[0]


def restart_line(package: str, what_it_left: str, then: str) -> str:
    """The line that says an interrupt stopped Python loading `package` (package_loading's answer): `what_it_left`
    (a sentence), then the remedy, a restart of the kernel, and `then`, what to run after it."""
    return (f"Interrupted while Python was loading {package}: {what_it_left} Restart the kernel "
            f"(Kernel > Restart Kernel), {then}")


def notebook_cells(caller_file: str) -> Path | None:
    """The folder of the calling notebook's cells, or None when the caller is a script (IPython compiles each
    cell to a file of its own in one folder, ipykernel_<pid>)."""
    folder = Path(caller_file).parent
    return folder if folder.name.startswith("ipykernel_") else None


def learners_cell(filename: str) -> bool:
    """Whether code compiled under `filename` is a cell of a notebook (or its `%%time` cell's code)."""
    return notebook_cells(filename) is not None or filename in TIMED_IN_A_KERNEL
