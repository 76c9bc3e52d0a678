"""`make lab`: JupyterLab on 127.0.0.1 with the project's kernel, opened on the notebooks.

    make lab            # then open the printed address; Ctrl-C stops JupyterLab
    make lab PORT=8890  # another port (PORT=0: any free one)

What it does, in order:
0. checks PORT, then writes the notebooks as `make notebooks` does (build.py; make lab passes
   --write-notebooks), so a mistyped PORT is refused before anything is written;
1. registers the kernel "Inside the network (.venv)" (kernel.py) in .venv/share/jupyter/kernels/;
2. keeps every file Jupyter, IPython and matplotlib write inside .venv/ (JUPYTER_CONFIG_DIR,
   JUPYTER_DATA_DIR, JUPYTER_RUNTIME_DIR, IPYTHONDIR, MPLCONFIGDIR): nothing goes to your home folder;
   there, JupyterLab's question whether to fetch Jupyter news from the internet is answered No, once;
3. starts JupyterLab listening on 127.0.0.1 only (never the network), with a fresh login token, the
   repository as its root folder (so jupytext can pair an exercise notebook with its .py) and
   keras_models/course/notebooks/ as the page it opens on, and the shell's environment without what make added
   (PORT=8890, MAKEFLAGS: a make in its Terminal takes its own); its own log goes to logs/lab/jupyterlab.log;
4. once the server answers, prints its address with the token -- the one line you need -- and waits.

A port that is taken, or a server that stops by itself, ends in one line and a non-zero exit status; so does the
end of the make that started it (an IDE's stop button: wait_while_started), which stops JupyterLab too.
"""

from __future__ import annotations

if __name__ == "__main__":                   # before the imports (secrets loads hmac): Ctrl-C is one line
    from keras_models.twins.leave_at_once import on_ctrl_c_leave_at_once

    on_ctrl_c_leave_at_once("JupyterLab was not started.")

import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

from keras_models.course.jupyter import build  # noqa: E402  (jupytext, nbformat: a Ctrl-C in them is one line too)
from keras_models.course.jupyter.kernel import (  # noqa: E402
    DISPLAY_NAME,
    KERNEL_NAME,
    ask_for_encryption,
    register,
    venv_not_writable,
)
from keras_models.twins.alone import held_alone  # noqa: E402
from keras_models.twins.closed_output import OutputFailed, output_failed  # noqa: E402
from keras_models.twins.one_line_parser import OneLineParser, one_line  # noqa: E402
from keras_models.twins.ports import read_port, why_taken  # noqa: E402
from keras_models.twins.repository import REPO, from_repository  # noqa: E402
from keras_models.twins.terminated import sigterm_stops_like_ctrl_c, stopped_meanwhile  # noqa: E402

NOTEBOOKS_URL_PATH = "lab/tree/keras_models/course/notebooks"
STARTUP_SECONDS = 120                     # JupyterLab starts in a few seconds; a loaded machine is slower
PARENT_CHECK_SECONDS = 0.2                # how often a running make lab looks whether its make is still there


# What make passes down to the program it runs (`make lab PORT=8890`: MAKEFLAGS=" -- PORT=8890", MAKELEVEL=1), and
# GIVEN_TO_MAKE, which the Makefile's lab recipe sets. JupyterLab's Terminal and its kernels would hand them on to every
# make run there, which then took PORT for its own command-line variable ("unknown variable PORT for make exercises")
# and said "make[1]: Entering directory".
GIVEN_TO_MAKE = "GIVEN_TO_MAKE"
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", GIVEN_TO_MAKE)


def given_to_make() -> set[str]:
    """The variables make was given on its command line (`make lab PORT=8890`: PORT), which it also exports to the
    program it runs. The Makefile's lab recipe names them in GIVEN_TO_MAKE ("PORT": its GIVEN, which make -e's
    MAKEFLAGS leaves out; under a make -e started by a make, which keeps no record of them, those make lab takes);
    run without make, there are none."""
    return set(os.environ.get(GIVEN_TO_MAKE, "").split())


def jupyter_environment(home: Path) -> dict[str, str]:
    """The environment for JupyterLab and its kernels: all their files under `home` (.venv), and what the learner's
    shell exported, without what make added: its own variables, and those it was given on its command line."""
    # exported by make, PORT=8890 reached JupyterLab's Terminal, where `make tensorboard` said it ignored PORT=8890
    # "from your shell's environment", which the learner had never exported
    made = {*MAKE_VARIABLES, *given_to_make()}
    inherited = {name: value for name, value in os.environ.items() if name not in made}
    # JUPYTER_PREFER_ENV_PATH=0: the kernel and settings launch writes under `home` come before the running venv's
    # own (jupyter_core 5 puts a venv's first): the same folder under make lab, but a --jupyter-home elsewhere got
    # the kernelspec an older make notebooks had left in .venv, without its CurveZMQ keys
    return {**inherited, **jupyter_folders(home), "JUPYTER_PLATFORM_DIRS": "1",   # the new layout, no notice
            "JUPYTER_PREFER_ENV_PATH": "0"}


def jupyter_folders(home: Path) -> dict[str, str]:
    return {"JUPYTER_CONFIG_DIR": str(home / "etc" / "jupyter"),
            "JUPYTER_DATA_DIR": str(home / "share" / "jupyter"),
            "JUPYTER_RUNTIME_DIR": str(home / "share" / "jupyter" / "runtime"),
            "IPYTHONDIR": str(home / "etc" / "ipython"),
            "MPLCONFIGDIR": str(home / "etc" / "matplotlib")}


def no_jupyter_news(config_dir: Path) -> Path:
    """Answer JupyterLab's own question "Would you like to get notified about official Jupyter news?" with No,
    as the learner's setting (config_dir/lab/user-settings/...), unless the learner has answered it already.

    Left unanswered, it opens every fresh .venv's JupyterLab beside the course; a Yes fetches news from the
    internet and checks for a newer JupyterLab, which the pinned versions here must not follow. The learner can
    still change it (Settings > Notifications)."""
    plugin = config_dir / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    setting = plugin / "notification.jupyterlab-settings"            # what JupyterLab writes when you click No
    if not setting.exists():
        setting.parent.mkdir(parents=True, exist_ok=True)
        setting.write_text(json.dumps({"fetchNews": "false"}, indent=1) + "\n", encoding="utf-8")
    return setting


def launch(port: int, home: Path, log: Path, open_browser: bool) -> tuple[subprocess.Popen, str]:
    """Start JupyterLab in the background; return the process and its login token."""
    register(home / "share" / "jupyter")
    try:
        ask_for_encryption(Path(jupyter_folders(home)["JUPYTER_CONFIG_DIR"]))     # CurveZMQ keys for its kernels
    except ValueError as damaged:                   # a damaged jupyter_config.json: main's one line, as a RuntimeError
        raise RuntimeError(str(damaged)) from None
    for folder in jupyter_folders(home).values():
        Path(folder).mkdir(parents=True, exist_ok=True)
    no_jupyter_news(Path(jupyter_folders(home)["JUPYTER_CONFIG_DIR"]))
    token = secrets.token_hex(24)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={REPO}", f"--IdentityProvider.token={token}",
               # LabApp's: launched as `-m jupyterlab`, its own default "/lab" replaces ServerApp.default_url
               f"--LabApp.default_url=/{NOTEBOOKS_URL_PATH}", f"--ServerApp.open_browser={open_browser}",
               "--LanguageServerManager.autodetect=False",     # no language servers to look for (it asks npm)
               # the project's kernel only: ipykernel's "Python 3", also in .venv, would start a notebook in its own
               # folder (a path the learner types, e.g. open("notes.txt"), would mean one there; the course's own
               # defaults are the repository's logs/ wherever: course/folders.py) and show TensorFlow's chatter
               f"--KernelSpecManager.allowed_kernelspecs={KERNEL_NAME}",
               f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}"]
    if os.geteuid() == 0:                      # as root (a container): Jupyter refuses unless told
        command.append("--ServerApp.allow_root=True")
    with open(log, "w", encoding="utf-8") as log_file:
        server = subprocess.Popen(command, env=jupyter_environment(home), stdin=subprocess.DEVNULL, stdout=log_file,
                                  stderr=subprocess.STDOUT, start_new_session=True)   # our Ctrl-C, not its own
    return server, token


def wait_until_ready(server: subprocess.Popen, home: Path, log: Path) -> int:
    """The port the server answers on: read from the file it writes as it starts (jpserver-<pid>.json), then
    connected to. Jupyter Server writes that file before its event loop runs, and it starts listening only in that
    loop: on a loaded machine the address printed on the file alone was refused for a moment."""
    info = home / "share" / "jupyter" / "runtime" / f"jpserver-{server.pid}.json"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        stopped_meanwhile()                     # a stop Python dropped: not after the address is printed
        try:
            port = int(json.loads(info.read_text(encoding="utf-8"))["port"])
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                return port
        except (OSError, ValueError, KeyError):       # not written yet, half written, or not listening yet
            time.sleep(0.2)
    raise RuntimeError(f"JupyterLab stopped before it was ready ({_last_line(log)}); its log: {log}")


def wait_while_started(server: subprocess.Popen, parent: int) -> int | None:
    """JupyterLab's exit status once it stops by itself, or None once the process that started make lab (`parent`:
    make) is gone: this program is then an orphan (its parent is another), and JupyterLab, in a session of its own,
    would go on serving, its port held, its address printed in a console that is gone.

    An IDE's stop button (a process manager's too) signals make alone, not its process group: to SIGINT, GNU make
    answers by waiting for its recipe to end, taking it to have had the same Ctrl-C from the terminal (its
    fatal_error_signal), so make lab goes on; the IDE then kills make with SIGKILL, which nothing can catch, and is
    noticed here within PARENT_CHECK_SECONDS. (make passes a SIGTERM on to the program, which stops as on Ctrl-C.)
    Each round first raises a stop that Python dropped meanwhile (stops_kept)."""
    while os.getppid() == parent:
        stopped_meanwhile()
        try:
            return server.wait(timeout=PARENT_CHECK_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    return None


@contextlib.contextmanager
def stops_kept() -> Iterator[None]:
    """While make lab writes the notebooks, starts JupyterLab, runs it and stops it: a SIGTERM or a SIGHUP (the
    terminal closed) stops it as Ctrl-C does (a second SIGTERM is ignored until JupyterLab is stopped), and a stop
    that Python drops is raised again, by wait_while_started's next round or at the block's end, as the
    KeyboardInterrupt it was.

    Python drops a handler's exception raised inside a `__del__` method or a gc callback (it prints "Exception ignored
    in ..."): make lab went on waiting, and JupyterLab, in a session of its own, on serving. twins/terminated.py keeps
    the stops of Ctrl-C and SIGTERM (a Terminated, a KeyboardInterrupt); a SIGHUP is taken as its SIGTERM."""
    with sigterm_stops_like_ctrl_c():
        closed_terminal = signal.signal(signal.SIGHUP, signal.getsignal(signal.SIGTERM))
        try:
            yield
        finally:
            signal.signal(signal.SIGHUP, closed_terminal)


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "it printed nothing"


def stop(server: subprocess.Popen) -> None:
    """Ask JupyterLab to shut down (it stops its kernels), then insist."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def hold_log(log: Path, held: contextlib.ExitStack) -> None:
    """Hold the log file for this make lab until `held` closes (twins/alone.py), or a RuntimeError: a second make lab
    in the same folder wrote the notebooks again, emptied the first one's log to write its own into it, and, on a
    port just taken by the first, quoted the first's last log line as its own reason for stopping."""
    log.parent.mkdir(parents=True, exist_ok=True)
    open(log, "a", encoding="utf-8").close()          # created, or refused now if it cannot be written (read-only)
    held.enter_context(held_alone(log, RuntimeError(
        f"another make lab is running in this folder (its log: {from_repository(log)}): open the address it printed, "
        "or stop it (Ctrl-C) first")))


def main(argv: list[str] | None = None) -> int:
    try:
        with contextlib.ExitStack() as held:           # the log's lock, while this make lab runs
            return _main(argv, held)
    except KeyboardInterrupt:           # one Python dropped as JupyterLab was stopped: raised at stops_kept's end
        return _stopped()


def _main(argv: list[str] | None, held: contextlib.ExitStack) -> int:
    parser = OneLineParser(prog="make lab", command=".venv/bin/python -m keras_models.course.jupyter.lab",
                           make_variables={"--port": "PORT"},
                           description=__doc__.splitlines()[0])
    parser.add_argument("--port", default="8888", help="port on 127.0.0.1 (PORT=); 0 picks a free one")
    parser.add_argument("--jupyter-home", type=Path, default=REPO / ".venv", help="where Jupyter's files go")
    parser.add_argument("--log", type=Path, default=REPO / "logs" / "lab" / "jupyterlab.log",
                        help="where JupyterLab's own output goes (default logs/lab/jupyterlab.log)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--write-notebooks", action="store_true",
                        help="first write the notebooks, as make notebooks does (make lab does)")
    args = parser.parse_args(argv)
    try:
        port = read_port(args.port, "PORT", lowest=0)           # 0: JupyterLab picks a free one
    except ValueError as exc:
        print(one_line(f"error: {exc}"), file=sys.stderr)
        return 2
    if port and why_taken(port):
        print(f"error: port {port} on 127.0.0.1 is in use (another JupyterLab?): make lab PORT={port + 1}",
              file=sys.stderr)
        return 1
    try:
        hold_log(args.log, held)                        # before the notebooks: another make lab writes them too
    except RuntimeError as error:
        print(one_line(f"error: {error}"), file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {_log_refused(error, args.log)}", file=sys.stderr)
        return 1
    parent = os.getppid()                                # make, whose end ends it too (wait_while_started)
    # Ctrl-C stops it, even started from a shell's background, which ignores it; first, as stops_kept takes Ctrl-C
    # over only from Python's own handler
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # a SIGTERM, or a SIGHUP (its terminal closed: JupyterLab, in a session of its own, would outlive us, holding the
    # port behind a lost token), stops it like Ctrl-C, from the notebooks' writing to JupyterLab's stop in the
    # finally, where a second one is ignored; a stop that Python dropped is not lost
    with stops_kept():
        if args.write_notebooks:
            # what it wrote, or one line and a status; a learner file it could not read: said, JupyterLab starts
            written = build.main([], next_step="Starting JupyterLab on them.", unreadable_stops=False)
            if written != 0:
                return written
        server = None
        try:
            server, token = launch(port, args.jupyter_home, args.log, open_browser=not args.no_browser)
            port = wait_until_ready(server, args.jupyter_home, args.log)
            print(f"JupyterLab is running with the kernel \"{DISPLAY_NAME}\". Open:\n"
                  f"    http://127.0.0.1:{port}/{NOTEBOOKS_URL_PATH}?token={token}\n"
                  f"Ctrl-C stops it (its log: {from_repository(args.log)}).", flush=True)
            code = wait_while_started(server, parent)
            if code is None:
                print("\nJupyterLab stopped: the make (or shell) that started it is gone.", file=sys.stderr)
                return 1
            print(f"error: JupyterLab stopped by itself (exit status {code}: {_last_line(args.log)})", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return _stopped()
        except (BrokenPipeError, OutputFailed) as failed:   # `| head -1`, `> /dev/full`: the address, token lost
            print(f"error: {output_failed(failed, 'make lab')}", file=sys.stderr)
            return 1
        except OSError as error:
            print(f"error: {_cannot_write(error, args.jupyter_home)}", file=sys.stderr)
            return 1
        except RuntimeError as error:
            print(one_line(f"error: {error}"), file=sys.stderr)
            return 1
        finally:
            if server is not None:
                stop(server)


def _stopped() -> int:
    """make lab stopped by Ctrl-C, a SIGTERM or a closed terminal: its line, and the status a shell gives Ctrl-C."""
    print("\nJupyterLab stopped.", file=sys.stderr)
    return 130


def _log_refused(error: OSError, log: Path) -> str:
    """One line for a log hold_log could not open. The log itself (another user's, left by a sudo make lab, or a
    folder in its place) goes; otherwise its folder is at fault (logs/ read-only, a file where a folder should be)."""
    if error.filename and Path(error.filename) == log and os.path.lexists(log):
        return (f"make lab cannot write JupyterLab's log {from_repository(log)} ({error.strerror}): remove it (with "
                "sudo if another user made it: sudo make lab does), then make lab again")
    where = f"{error.strerror}: {from_repository(Path(error.filename))}" if error.filename else error.strerror or error
    return (f"make lab cannot write JupyterLab's log {from_repository(log)} ({where}): make "
            f"{from_repository(log.parent)} a folder you can write in")


def _cannot_write(error: OSError, home: Path) -> str:
    """One line for a file make lab could not write. In `home` (.venv), a .venv made by another user (a sudo make
    setup) is the likely cause, and the line says how to start over."""
    path = Path(error.filename) if error.filename else None
    if path is None or not path.is_relative_to(home):
        return f"{from_repository(path)}: {error.strerror}" if path else str(error)
    venv = from_repository(home)
    return venv_not_writable(f"make lab cannot write Jupyter's files in {venv}", error, path, venv)


if __name__ == "__main__":
    from keras_models.twins.closed_output import prepare_output_streams

    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
    sys.exit(main())
