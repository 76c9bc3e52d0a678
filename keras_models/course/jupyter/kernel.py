"""The project's Jupyter kernel: the .venv's Python, started in the repository's root folder.

A notebook's kernel normally starts in the notebook's own folder. This one starts where every make
command runs, the repository's root, so a path means the same in a notebook and in a script: a
lesson writes its pictures to logs/lessons/png/, exercise 7 its runs to logs/exercises/ex07/, and
`data/...` is the data folder. Its kernelspec (kernel.json) names it "Inside the network (.venv)":

    {"argv": [".../.venv/bin/python", "-m", "keras_models.course.jupyter.kernel", "-f", "{connection_file}"],
     "display_name": "Inside the network (.venv)", "language": "python", "env": {"KERAS_BACKEND": "tensorflow"}}

The env is for a notebook run outside make (`.venv/bin/jupyter execute`, an editor's Jupyter): Keras 3 runs on
the backend KERAS_BACKEND names, else the one in ~/.keras/keras.json, and a shell or a keras.json set up for
another course (jax, torch) ended the first `import keras` in a ModuleNotFoundError; only TensorFlow is installed.

`register(data_dir)` writes it under data_dir/kernels/inside-the-network/ (`make lab` uses
.venv/share/jupyter, the .venv's own Jupyter folder: nothing is written to your home folder).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from keras_models.course.exercises.half_loaded import learners_cell, package_loading, restart_line
from keras_models.twins.repository import REPO, from_repository
from scratch.atomic_write import write_text_atomically

# where this Python's Jupyter looks for kernels (sys.prefix/share/jupyter: .venv/share/jupyter under make), as make lab
JUPYTER_DATA = Path(sys.prefix) / "share" / "jupyter"
JUPYTER_CONFIG = Path(sys.prefix) / "etc" / "jupyter"   # and for its settings (ask_for_encryption)
KERNEL_NAME = "inside-the-network"
DISPLAY_NAME = "Inside the network (.venv)"
KERNELSPEC = {"name": KERNEL_NAME, "display_name": DISPLAY_NAME, "language": "python"}   # a notebook's metadata


def register(data_dir: Path) -> Path:
    """Write the kernelspec into data_dir/kernels/inside-the-network/kernel.json; return that folder."""
    folder = Path(data_dir) / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "keras_models.course.jupyter.kernel", "-f", "{connection_file}"],
            "display_name": DISPLAY_NAME, "language": "python",
            "metadata": {"debugger": True, "supported_encryption": "curve"},      # ask_for_encryption below
            "env": {"KERAS_BACKEND": "tensorflow"}}                    # whatever the shell or keras.json says
    # written again every time: atomically, so that a full disk leaves the kernel.json that was there, not half of one
    write_text_atomically(folder / "kernel.json", json.dumps(spec, indent=1) + "\n")
    return folder


def ask_for_encryption(config_dir: Path) -> Path:
    """Write config_dir/jupyter_config.json asking Jupyter's kernel managers for CurveZMQ keys wherever a
    kernelspec says its kernel takes them (the one above does); return the file. Its other settings are kept.

    Without keys, ipykernel 7.4 opened every run of a notebook outside a browser (`.venv/bin/jupyter nbconvert
    --execute`) with "[IPKernelApp] WARNING | Kernel is running over TCP without encryption ...", which a learner
    can do nothing about; with them it encrypts what goes between Jupyter and the kernel instead. jupyter_client
    8.10 provisions them only when told (transport_encryption "auto") and the kernelspec declares "curve".
    `.venv/bin/jupyter execute` still shows the line: nbclient 0.11's command line reads this file but starts its
    kernel without handing the setting on.
    """
    path = Path(config_dir) / "jupyter_config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (ValueError, UnicodeDecodeError) as error:                # ValueError: make notebooks' one line
        raise ValueError(f"{path} is not a JSON settings file ({error}): correct it or remove it") from None
    if not isinstance(config, dict) or not isinstance(config.get("KernelManager", {}), dict):
        raise ValueError(f"{path} is not a JSON settings file (not an object of objects): correct it or remove it")
    config.setdefault("KernelManager", {})["transport_encryption"] = "auto"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(config, indent=1) + "\n")
    return path


def venv_not_writable(cannot: str, error: OSError, where: Path, venv: str) -> str:
    """The line for a file in Jupyter's folders in the .venv that a program could not write: `cannot` says what it
    could not do ("make setup cannot register the notebooks' kernel"), `where` is the file, `venv` the .venv as the
    learner names it. A .venv made by another user (a sudo make setup) is the likely cause: the line says how to
    start over. make setup (register.py) and make lab say it in the same words."""
    return (f"{cannot} ({error.strerror}: {from_repository(where)}): if another user made {venv} (sudo make setup), "
            f"remove it with sudo rm -rf {venv}, then make setup")


def main() -> None:
    """Start an IPython kernel in the repository's root (Jupyter passes -f <connection file>), with
    TensorFlow's chatter kept out of the notebook (keras_models/twins/tf_chatter.py).

    ipykernel shows in the notebook whatever is written to file descriptor 2, C++ included, so TensorFlow's
    start-up lines would open the first cell that imports it. Its capture is set up by `initialize`; the
    filter then goes in front of it, so that every other line (a real error from C++) still shows.
    """
    os.chdir(REPO)
    from ipykernel.kernelapp import IPKernelApp

    from keras_models.twins.tf_chatter import filter_tensorflow_chatter, quiet_keras_retracing_warning

    app = IPKernelApp.instance()
    app.initialize()                                # what kernelapp.launch_new_instance() does, in two steps
    filter_tensorflow_chatter(own_process_group=True)   # out of the group whose processes a shutdown ends
    quiet_keras_retracing_warning()                 # a false alarm once a notebook fits a second model
    app.shell.set_custom_exc((KeyboardInterrupt,), interrupted)
    app.start()


def interrupted(shell, etype, value, tb, tb_offset=None) -> None:
    """IPython's handler for a KeyboardInterrupt (the stop button) that ends a cell: IPython's traceback (where a
    loop was), unless it landed while Python was loading a package -- the first `import keras` takes seconds and looks
    stuck. Python keeps the submodules that had finished: run again, the import seems fine, and later code fails
    with errors that are not the learner's ("module 'keras.src.backend' has no attribute 'backend'"), the grade
    cell's included. Then one line says to restart the kernel.

    Its helpers are imported with this module, before any cell runs: imported here, while the stop had left pandas
    half-loaded (`import keras` loads it), they failed with an ImportError, and IPython printed "Custom TB Handler
    failed, unregistering" and two tracebacks, then ran without the handler for the rest of the kernel's life."""
    loading = package_loading(value, learners_cell)
    if loading is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return
    # what showtraceback sets for the cell's error reply (ipykernel's zmqshell): a cell that awaits at its top level
    # does not clear it first, and its reply carried the traceback of an earlier failing cell
    shell._last_traceback = []
    print(restart_line(loading, "it may be left half-loaded in this kernel, and code that uses it fail in ways that "
                       "are not yours.", "then run the cells again."), file=sys.stderr)


if __name__ == "__main__":
    main()
