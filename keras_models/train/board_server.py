"""`make tensorboard`: check the port and the log directory, then run the real TensorBoard server on them.

    make tensorboard [PORT=6006] [LOGDIR=logs]
    .venv/bin/python -m keras_models.train.board_server --logdir logs --port 6006     # the same

TensorBoard alone answers `--port abc` with "invalid <lambda> value", serves an empty board without a
word when the log directory is a file or missing, and prints a long traceback when Ctrl-C comes while
it is still importing TensorFlow. Here each of those is one line: a port that is not a whole number
from 1 to 65535 or that another program already listens on, a log directory that is missing, is a
file, cannot be read or starts with a ~ the shell did not expand (exit status 2, before TensorBoard loads); a port
another program takes while TensorBoard starts (exit status 2, `server_or_one_line`); Ctrl-C at any moment (exit
status 130). A log directory that holds no event file yet is served after one note saying so (TensorBoard's page
alone says "No dashboards are active"). Then this process runs TensorBoard's own program -- what
`.venv/bin/tensorboard` runs -- with `--host 127.0.0.1 --reload_interval 1`: it listens on this machine only and
rereads the logs every second.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
from pathlib import Path
from urllib.parse import quote

from keras_models.train.runs import DEFAULT_LOGDIR  # the repository's logs/, wherever this starts
from keras_models.twins.one_line_parser import OneLineParser, one_line
from keras_models.twins.ports import MAX_PORT, read_port, why_taken
from keras_models.twins.repository import from_here
from keras_models.twins.unexpanded_home import unexpanded_home

DEFAULT_PORT = 6006


def task_link(task: str, port: int = DEFAULT_PORT) -> str:
    """The address that opens TensorBoard straight on one task's loss curves, scratch and Keras overlaid.

    Out of the box the TIME SERIES page opens on histograms with every task mixed: `runFilter` keeps the runs
    whose name (<timestamp>/<task>/<side>/<split>) the task's name matches, read as a case-insensitive regular
    expression (data.tasks.check_name keeps every task's name out of the others'), `tagFilter` the epoch_loss chart.
    """
    return f"http://127.0.0.1:{port}/?runFilter={quote(task)}&tagFilter=epoch_loss#timeseries"


def stop_at_once(signum, frame):
    """Ctrl-C: one line, exit status 130, at once. os._exit skips the exit handlers, so TensorBoard's own -- the
    removal of the pid-<pid>.info it writes into <temporary folder>/.tensorboard-info/ when it starts -- is done
    here: each make tensorboard stopped with Ctrl-C left one behind (238 of them, from the tests' servers too)."""
    os.write(sys.stderr.fileno(), b"\nTensorBoard stopped (Ctrl-C).\n")
    manager = sys.modules.get("tensorboard.manager")          # loaded with TensorBoard: none before it started
    if manager is not None:
        with contextlib.suppress(OSError):                    # (leaving at once matters more than the file)
            manager.remove_info_file()
    os._exit(130)


def port_taken(port: int, why: str) -> str:
    return (f"port {port} on 127.0.0.1 cannot be used ({why}; another TensorBoard?): stop that one, or choose "
            f"another port with PORT={port + 1 if port < MAX_PORT else 6006}")


def check_port(text: str) -> int:
    """The port as an int from 1 to 65535 that nothing on 127.0.0.1 listens on yet, or a ValueError."""
    port = read_port(text, "PORT")
    if taken := why_taken(port):
        raise ValueError(port_taken(port, taken.strerror))
    return port


def server_or_one_line(wsgi_app, flags):
    """TensorBoard's own server (its server_class). A port taken after check_port, before TensorBoard binds it --
    two make tensorboards started in the same second -- ends here in check_port's one line and exit status 2,
    instead of TensorBoard's log line, its "ERROR: TensorBoard could not bind ..." and exit status 255."""
    program = importlib.import_module("tensorboard.program")
    try:
        return program.create_port_scanning_werkzeug_server(wsgi_app, flags)
    except program.TensorBoardPortInUseError:
        print(f"error: {port_taken(flags.port, 'taken while TensorBoard started')}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def check_logdir(text: str) -> Path:
    """The log directory, which must be named, exist and be a directory, or a ValueError saying what to do."""
    if not text.strip():                        # Path("") is ".": TensorBoard would serve the current folder
        raise ValueError("LOGDIR is empty; name a folder, e.g. make tensorboard LOGDIR=logs")
    tilde = unexpanded_home(text, lambda folder: f"LOGDIR={folder}", "make tensorboard")
    if tilde:                                   # LOGDIR=~/runs reaches us as it is from sh and zsh: not "missing"
        raise ValueError(tilde)
    logdir = Path(text)
    try:                                        # exists() raises inside a folder this user may not enter
        found, folder = logdir.exists(), logdir.is_dir()
    except OSError as exc:
        raise ValueError(f"log directory {logdir} cannot be read ({exc.strerror or exc}); choose another with "
                         "LOGDIR=DIR") from None
    if not found:
        raise ValueError(f"log directory {logdir} does not exist: `make train` (or `make lessons`) writes logs there "
                         "first, or choose another with LOGDIR=DIR")
    if not folder:
        raise ValueError(f"log directory {logdir} is a file, not a directory; choose another with LOGDIR=DIR")
    if not os.access(logdir, os.R_OK | os.X_OK):    # TensorBoard would serve no runs, and warn every second
        raise ValueError(f"log directory {logdir} cannot be read (Permission denied); choose another with LOGDIR=DIR")
    return logdir


def holds_logs(logdir: Path) -> bool:
    """Whether any folder under logdir holds a TensorBoard event file (events.out.tfevents.*)."""
    with contextlib.suppress(OSError):          # a folder that cannot be listed: TensorBoard itself will say so
        return any(logdir.rglob("events.out.tfevents.*"))
    return True


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGINT, stop_at_once)
    parser = OneLineParser(prog="make tensorboard", command=".venv/bin/python -m keras_models.train.board_server",
                           make_variables={"--logdir": "LOGDIR", "--port": "PORT"},
                           description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", default=from_here(DEFAULT_LOGDIR),     # "logs" in the repository's folder
                        help="the runs to show (LOGDIR=; default: the repository's logs)")
    parser.add_argument("--port", default=str(DEFAULT_PORT),
                        help=f"port on 127.0.0.1, 1 to 65535 (PORT=; default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    try:
        port, logdir = check_port(args.port), check_logdir(args.logdir)
    except ValueError as exc:
        print(one_line(f"error: {exc}"), file=sys.stderr)
        return 2
    if not holds_logs(logdir):      # TensorBoard's page alone says "No dashboards are active", and this line nothing
        print(one_line(f"note: log directory {logdir} holds no TensorBoard logs yet: `make train` (or `make lessons`) "
                       "writes them there, and TensorBoard shows them as they come (it looks every second)"),
              file=sys.stderr, flush=True)
    from absl import app  # TensorFlow loads with TensorBoard: seconds
    from tensorboard import default, main_lib

    # the module itself: `from tensorboard import program` hands out tensorboard's lazy stand-in for it, on which
    # the assignment below would set an attribute of the stand-in and leave the module's message as it was
    program = importlib.import_module("tensorboard.program")

    main_lib.global_init()
    # With the fast loader (a Rust data server, the default when its package is installed, as here) TensorBoard
    # prints a three-line "NOTE: Using experimental fast data loading logic. To disable, pass --load_fast=false
    # ..." on every start. It reports no error -- it is printed only once that loader has started; when it
    # cannot start, TensorBoard falls back to its Python loader without a word either way -- and asks a learner
    # to judge an experiment: it is left out. A real error (`Could not start data server`, only with
    # --load_fast=true) is a different message, and still printed.
    program._DATA_SERVER_ADVISORY_MESSAGE = ""
    board = program.TensorBoard(plugins=default.get_plugins(), server_class=server_or_one_line)
    argv = ["tensorboard", "--logdir", str(logdir), "--host", "127.0.0.1", "--port", str(port),
            "--reload_interval", "1"]
    app.run(board.main, argv=argv, flags_parser=board.configure)
    return 0


if __name__ == "__main__":
    from keras_models.twins.closed_output import prepare_output_streams
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter

    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape

    filter_tensorflow_chatter()      # before TensorFlow loads: its C++ start-up lines are not the learner's business
    sys.exit(main())
