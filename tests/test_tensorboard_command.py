"""`make tensorboard` (keras_models/train/board_server.py): a bad PORT, a port in use, a log directory that is a
file, missing or empty -- each one line and exit status 2 before TensorBoard loads; then the real TensorBoard
server on 127.0.0.1, which Ctrl-C stops with one line and exit status 130, also while it is still loading.

The real server runs warm (conftest.py: forked from a Python that has imported TensorFlow and TensorBoard);
Ctrl-C while TensorBoard still loads needs a fresh process, since loading is what it tests.
"""

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import as_for_a_learner, free_ports, learner_lines, wait_until_tensorflow_loads

ROOT = Path(__file__).resolve().parents[1]


def board(*args: str, popen=subprocess.Popen, **kwargs) -> subprocess.Popen:
    return popen([sys.executable, "-m", "keras_models.train.board_server", *args], cwd=ROOT,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.parametrize("port", ["abc", "0", "65536", "-1", "60 06", "²"])
def test_a_port_that_is_not_one_is_one_line(port, tmp_path):
    process = board("--logdir", str(tmp_path), "--port", port)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert (out, err) == ("", f"error: PORT must be a whole number from 1 to 65535, got {port!r}\n")


@pytest.mark.parametrize("port", ["1", "65535", " 6006 "])
def test_each_port_from_1_to_65535_is_taken_as_it_is(port):
    """The ends of the range the one line names (make tensorboard PORT=, make lab PORT=) are ports too."""
    from keras_models.twins.ports import read_port

    assert read_port(port, "PORT") == int(port)


def test_a_port_another_program_listens_on_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = board("--logdir", str(tmp_path), "--port", str(port))
        _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    (line,) = err.splitlines()
    assert line.startswith(f"error: port {port} on 127.0.0.1 cannot be used (") and "choose another port with PORT=" \
        in line, line


def test_a_port_whose_last_connection_waits_in_time_wait_is_free():
    """A server stopped a moment ago (make tensorboard, Ctrl-C, then make tensorboard again) leaves the connections
    it closed in TIME_WAIT; a server with SO_REUSEADDR binds the port anyway, and so does the check (ports.py)."""
    from keras_models.twins.ports import why_taken

    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)            # as TensorBoard's server sets it
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as browser:
            answered, _ = server.accept()
            answered.close()                                    # the server closes first: its end waits in TIME_WAIT
            assert browser.recv(1) == b""
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))                         # the port is held, for a bind without SO_REUSEADDR
    assert why_taken(port) is None


def test_a_port_taken_after_the_check_before_tensorboard_binds_it_is_the_same_one_line(capsys):
    """Two make tensorboards started in the same second both passed the check; the second then stopped with
    TensorBoard's own log line and "ERROR: TensorBoard could not bind to port N, it was already in use", exit
    status 255. server_or_one_line is the server TensorBoard makes (board_server.main passes it as server_class)."""
    from types import SimpleNamespace

    from keras_models.train import board_server

    with socket.socket() as taken:                    # the first make tensorboard, which bound the port first
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        flags = SimpleNamespace(host="127.0.0.1", port=port, bind_all=False, path_prefix="")
        with pytest.raises(SystemExit) as stopped:
            board_server.server_or_one_line(lambda environ, start_response: [], flags)
    assert stopped.value.code == 2
    assert capsys.readouterr() == ("", f"error: port {port} on 127.0.0.1 cannot be used (taken while TensorBoard "
                                       f"started; another TensorBoard?): stop that one, or choose another port with "
                                       f"PORT={port + 1}\n")


def no_logs_yet(logdir) -> str:
    """The note make tensorboard prints before it serves a log directory that holds no event file."""
    return (f"note: log directory {logdir} holds no TensorBoard logs yet: `make train` (or `make lessons`) writes them "
            "there, and TensorBoard shows them as they come (it looks every second)")


@pytest.mark.parametrize("logged", [False, True], ids=["no-logs-yet", "a-run-logged"])
def test_make_tensorboard_hands_tensorboard_the_server_that_says_one_line(logged, tmp_path, monkeypatch, capsys):
    """server_or_one_line says the line only if TensorBoard makes its server with it: main passes it as
    server_class. (TensorBoard's start-up, which loads TensorFlow, is stood in for: it would take seconds.)
    A log directory holding no event file at any depth is served with one note saying so (TensorBoard's page
    alone said "No dashboards are active"); one that holds a run, none."""
    if logged:
        (tmp_path / "2026-01-01_09-00-00" / "binary" / "keras" / "train").mkdir(parents=True)
        (tmp_path / "2026-01-01_09-00-00" / "binary" / "keras" / "train" / "events.out.tfevents.1.host.2.v2").touch()
    from types import SimpleNamespace

    from absl import app
    from tensorboard import default, main_lib

    from keras_models.train import board_server

    program = importlib.import_module("tensorboard.program")
    made = {}
    monkeypatch.setattr(program, "TensorBoard", lambda **options: made.update(options) or SimpleNamespace(
        main=None, configure=None))
    monkeypatch.setattr(program, "_DATA_SERVER_ADVISORY_MESSAGE", program._DATA_SERVER_ADVISORY_MESSAGE)
    monkeypatch.setattr(default, "get_plugins", list)
    monkeypatch.setattr(main_lib, "global_init", lambda: None)
    monkeypatch.setattr(signal, "signal", lambda *args: None)        # main's Ctrl-C handler: not this process's
    (port,) = free_ports()
    ran = {}
    monkeypatch.setattr(app, "run", lambda main, argv, flags_parser: ran.update(argv=argv))
    assert board_server.main(["--logdir", str(tmp_path), "--port", str(port)]) == 0
    assert made["server_class"] is board_server.server_or_one_line
    # and the command line TensorBoard gets: this machine only, the checked port, the logs reread every second
    assert ran["argv"] == ["tensorboard", "--logdir", str(tmp_path), "--host", "127.0.0.1", "--port", str(port),
                           "--reload_interval", "1"]
    assert capsys.readouterr().err == ("" if logged else f"{no_logs_yet(tmp_path)}\n")


def test_a_port_in_use_is_refused_before_tensorboard_loads_with_the_systems_reason():
    """check_port answers before TensorBoard loads (seconds); without it server_or_one_line still refused the port,
    only later and without the reason, so the line through make tensorboard alone could not tell the two apart."""
    from keras_models.train import board_server

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ValueError) as refused:
            board_server.check_port(str(port))
    assert str(refused.value) == (f"port {port} on 127.0.0.1 cannot be used (Address already in use; another "
                                  f"TensorBoard?): stop that one, or choose another port with PORT={port + 1}")


def test_the_port_suggested_instead_of_the_last_one_is_a_port():
    """PORT=65535 taken: the next port, 65536, is not one (read_port refuses it); the default is suggested."""
    from keras_models.train.board_server import port_taken

    assert port_taken(65534, "in use").endswith("choose another port with PORT=65535")
    assert port_taken(65535, "in use").endswith("choose another port with PORT=6006")


@pytest.mark.parametrize("text", ["", "   "])
def test_a_log_directory_of_blanks_is_empty_not_missing(text):
    """LOGDIR=' ' is no more a folder's name than LOGDIR=: both are called empty, not "log directory   does not
    exist"."""
    from keras_models.train.board_server import check_logdir

    with pytest.raises(ValueError, match="^LOGDIR is empty; name a folder, e.g. make tensorboard LOGDIR=logs$"):
        check_logdir(text)


@pytest.mark.parametrize("what, message", [
    ("file", "error: log directory {logdir} is a file, not a directory; choose another with LOGDIR=DIR"),
    ("missing", "error: log directory {logdir} does not exist: `make train` (or `make lessons`) writes logs there "
                "first, or choose another with LOGDIR=DIR"),
    # LOGDIR= given empty: Path("") is ".", and TensorBoard served the folder make was started in
    ("empty", "error: LOGDIR is empty; name a folder, e.g. make tensorboard LOGDIR=logs"),
])
def test_a_log_directory_that_is_a_file_or_missing_or_empty_is_one_line(what, message, tmp_path):
    logdir = tmp_path / "logs"
    if what == "file":
        logdir.write_text("not a directory")
    process = board("--logdir", "" if what == "empty" else str(logdir), "--port", str(free_ports()[0]))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert err == message.format(logdir=logdir) + "\n"


def test_the_default_log_directory_is_the_repositorys_logs_wherever_it_starts(tmp_path, monkeypatch, capsys):
    """make tensorboard passes LOGDIR itself; `.venv/bin/python -m keras_models.train.board_server` started in another
    folder served that folder's logs/ (or said "log directory logs does not exist"), where make train's runs are the
    repository's."""
    from keras_models.train import board_server

    asked = []

    def check_logdir(text):
        asked.append(Path(text).resolve())
        raise ValueError("stop here")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    monkeypatch.setattr(board_server, "check_port", lambda text: 6006)
    monkeypatch.setattr(board_server, "check_logdir", check_logdir)
    assert board_server.main([]) == 2
    assert asked == [ROOT / "logs"] and capsys.readouterr().err == "error: stop here\n"


def test_a_log_directory_that_cannot_be_read_or_entered_is_one_line(tmp_path, monkeypatch):
    """Mode 000 for the learner (root reads anything: os.access and exists() stand in). Unreadable, TensorBoard served
    no runs and warned every second; inside it, exists() raised and the check ended in a traceback."""
    from keras_models.train import board_server

    locked = tmp_path / "logs"
    locked.mkdir()
    as_for_a_learner(monkeypatch, locked)
    for logdir in (locked, locked / "runs"):
        with pytest.raises(ValueError) as refused_line:
            board_server.check_logdir(str(logdir))
        assert str(refused_line.value) == (f"log directory {logdir} cannot be read (Permission denied); choose "
                                           "another with LOGDIR=DIR")


def test_a_log_directory_that_can_be_listed_but_not_entered_is_one_line(tmp_path, monkeypatch):
    """Mode 644 on a folder: its names can be read, its files cannot be opened, so TensorBoard could read no event
    file. Root enters any folder, so os.access stands in for the learner's answer: read yes, enter (X_OK) no."""
    from keras_models.train import board_server

    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: not (mode & os.X_OK) if Path(path) == tmp_path
                        else access(path, mode))
    with pytest.raises(ValueError, match=r"cannot be read \(Permission denied\)"):
        board_server.check_logdir(str(tmp_path))


def test_a_log_directory_starting_with_an_unexpanded_tilde_is_named_as_such_not_as_missing(tmp_path, monkeypatch):
    """`make tensorboard LOGDIR=~/runs` (sh and zsh leave ~ after = alone) said the folder "does not exist" and that
    make train writes logs there first, of the folder make train had just written, as make grade once did."""
    from keras_models.train import board_server

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "runs").mkdir()
    with pytest.raises(ValueError) as refused_line:
        board_server.check_logdir("~/runs")
    assert str(refused_line.value) == ("LOGDIR=~/runs starts with ~, which the shell did not expand (it names a folder "
                                       f"called ~ here); write the full path, e.g. make tensorboard LOGDIR="
                                       f"{tmp_path / 'runs'}")


def stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    return process.communicate(timeout=60)


@pytest.mark.slow
def test_the_real_server_answers_on_localhost_and_ctrl_c_stops_it_with_one_line(tmp_path, python_with_tensorflow):
    (tmp_path / "run").mkdir()
    (tmp_path / "tmp").mkdir()
    port = free_ports()[0]
    process = board("--logdir", str(tmp_path), "--port", str(port), popen=python_with_tensorflow.Popen,
                    env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp_path / "tmp")})
    info = tmp_path / "tmp" / ".tensorboard-info" / f"pid-{process.pid}.info"     # TensorBoard's, while it serves
    deadline = time.monotonic() + 180
    runs = None
    while runs is None and time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=5) as answer:
                runs = json.loads(answer.read())
        except OSError:
            time.sleep(0.05)                                   # not listening yet: TensorBoard is still loading
    written = info.exists()
    out, err = stop(process)
    assert runs == [], err                                     # TensorBoard's own JSON, from an empty log directory
    assert written and not info.exists(), "Ctrl-C left TensorBoard's .tensorboard-info/pid-<pid>.info behind"
    assert process.returncode == 130
    assert "Traceback" not in err
    assert learner_lines(out + err) == [no_logs_yet(tmp_path),           # no event file in it: said, then served
                                        f"TensorBoard 2.21.0 at http://127.0.0.1:{port}/ (Press CTRL+C to quit)",
                                        "TensorBoard stopped (Ctrl-C)."], out + err   # its address, then the one line
    assert "--load_fast" not in err and "NOTE" not in err     # the fast loader's notice is not the learner's business


@pytest.mark.slow
def test_ctrl_c_while_tensorboard_still_loads_is_one_line(tmp_path):
    process = board("--logdir", str(tmp_path), "--port", str(free_ports()[0]))
    if not wait_until_tensorflow_loads(process):              # TensorBoard's import of TensorFlow has begun
        time.sleep(1.0)                                        # (no /proc: a second in, it is loading too)
    out, err = stop(process)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert learner_lines(out + err) == [no_logs_yet(tmp_path), "TensorBoard stopped (Ctrl-C)."]
