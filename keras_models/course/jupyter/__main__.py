"""`make notebooks` (`.venv/bin/python -m keras_models.course.jupyter`): build.py's main, with Ctrl-C in one line.

build.py imports jupytext, nbformat and the graders before its main runs, most of the second make notebooks
takes; a Ctrl-C in them was a traceback. Here, before those imports, Ctrl-C ends the program at once with
one line and exit status 130 (keras_models/twins/leave_at_once.py); from its start on, build.main answers it.
"""

import signal
import sys

from keras_models.twins.closed_output import prepare_output_streams
from keras_models.twins.leave_at_once import on_ctrl_c_leave_at_once

on_ctrl_c_leave_at_once("Interrupted before any notebook was written.")
prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape

from keras_models.course.jupyter.build import main  # noqa: E402

signal.signal(signal.SIGINT, signal.default_int_handler)      # KeyboardInterrupt: main says what was written
sys.exit(main())
