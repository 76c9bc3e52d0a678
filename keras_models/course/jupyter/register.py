"""`make setup`'s last step: the project's kernel registered in .venv, as make notebooks and make lab register it.

A .venv that make builds again (another Python, a folder moved, a set-up stopped half way) is a new folder: the
kernel make notebooks had registered in the old one went with it, and a notebook written before, run outside make
lab (`.venv/bin/jupyter execute`, an editor's Jupyter on the .venv's Python), stopped on jupyter_client's "No such
kernel named inside-the-network". make setup registers it again (kernel.py's register and ask_for_encryption) and
says nothing unless it cannot.
"""

from __future__ import annotations

if __name__ == "__main__":                   # before the imports: Ctrl-C is one line (make's own under make setup)
    from keras_models.twins.leave_at_once import on_ctrl_c_leave_at_once

    on_ctrl_c_leave_at_once("The notebooks' kernel was not registered: make setup registers it.")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from keras_models.course.jupyter.kernel import (  # noqa: E402
    JUPYTER_CONFIG,
    JUPYTER_DATA,
    ask_for_encryption,
    register,
    venv_not_writable,
)


def main(data_dir: Path = JUPYTER_DATA, config_dir: Path = JUPYTER_CONFIG) -> int:
    """Register the kernel in data_dir/kernels/ and its settings in config_dir; 0, or one line and 1."""
    try:
        register(data_dir)
        ask_for_encryption(config_dir)
    except ValueError as damaged:                    # jupyter_config.json that is not JSON: kernel.py's one line
        print(f"error: {damaged}", file=sys.stderr)
        return 1
    except OSError as error:
        where = Path(error.filename) if error.filename else data_dir
        said = venv_not_writable("make setup cannot register the notebooks' kernel", error, where, ".venv")
        print(f"error: {said}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from keras_models.twins.closed_output import prepare_output_streams

    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
    sys.exit(main())
