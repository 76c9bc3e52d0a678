"""`make lab`: a real JupyterLab on 127.0.0.1, reached at the address it prints, with the project's kernel
registered (it starts, and runs code in the repository's root), every Jupyter file kept out of the home
folder, and stopped by Ctrl-C.

The server runs as `make lab` runs it (`.venv/bin/python -m keras_models.course.jupyter.lab`), with its
Jupyter folders and log in a temporary folder instead of .venv/ and logs/, and HOME pointed at an empty
folder that must stay empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import http.client
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest.mock
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import (
    RaisesInDel,
    alive,
    closed_pipe,
    ctrl_c_while_importing,
    dev_full,
    jupyter_environment,
    notebooks_written_into,
    output_closed,
    output_full,
    started_into,
    stop_handlers_put_back,
)

from keras_models.course.exercises.graders import EXERCISES
from keras_models.course.jupyter import lab
from keras_models.course.lessons import LESSONS

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = len(LESSONS) + 2 * len(EXERCISES)                   # a lesson's, an exercise's and its solution's


@pytest.fixture(autouse=True)
def signal_handlers_put_back():
    """make lab's main, called here in the test's own process, sets its handlers for SIGINT, SIGTERM and SIGHUP as a
    program does, for good. Left in the test worker, they changed later tests there: with SIGINT handled, a worker
    that had inherited it ignored (a `make test` started in the background) no longer passed that on to the
    commands it starts, and a test of how those commands meet Ctrl-C passed or failed by the order of the tests."""
    with stop_handlers_put_back():
        yield


def get(url: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


async def run_in_kernel(channels_url: str, code: str, expected: dict[str, str]) -> dict[str, str]:
    """What `code` prints when run in the kernel behind the server's websocket (Jupyter's messaging protocol),
    as the notebook shows it: {"stdout": ..., "stderr": ...}, read until the cell is idle and, for at most 10 s
    more, until it is `expected`. What is written to file descriptor 2 reaches the notebook through ipykernel's
    thread that reads it (and the filter in front of it, tf_chatter.py), so a line written as the cell ends can
    come just after its idle status, attributed to the cell: under load, 1 run in about 15 of the suite did."""
    from tornado.websocket import websocket_connect

    socket_ = await websocket_connect(channels_url, connect_timeout=60)
    msg_id = uuid.uuid4().hex
    socket_.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex,
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False}}))
    printed, idle_since = {"stdout": "", "stderr": ""}, None
    while idle_since is None or (printed != expected and time.monotonic() < idle_since + 10):
        wait = 120 if idle_since is None else idle_since + 10 - time.monotonic()
        try:
            message = json.loads(await asyncio.wait_for(socket_.read_message(), timeout=wait))
        except TimeoutError:
            if idle_since is None:
                raise
            break
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            printed[message["content"]["name"]] += message["content"]["text"]
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            idle_since = time.monotonic()
    socket_.close()
    return printed


def test_make_lab_serves_the_notebooks_on_localhost_with_the_projects_kernel(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    command = [sys.executable, "-m", "keras_models.course.jupyter.lab", "--port", "0", "--no-browser",
               "--jupyter-home", str(tmp_path / "venv"), "--log", str(tmp_path / "lab.log")]
    # as `make lab PORT=0` starts it: make exports its command-line variable PORT=0 and names it in MAKEFLAGS,
    # the Makefile's recipe in GIVEN_TO_MAKE
    made_by_make = {"MAKEFLAGS": " -- PORT=0", "MAKELEVEL": "1", "PORT": "0", "GIVEN_TO_MAKE": "PORT"}
    # PYTHONPATH: the kernel, started in a notebook's folder, imports this checkout's code, as a learner's .venv's
    # editable install does (a copy of the checkout, as make mutants makes, or a .venv shared with another checkout)
    server = subprocess.Popen(command, cwd=REPO, env=jupyter_environment(HOME=str(home), PYTHONPATH=str(REPO),
                                                                         **made_by_make),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printed = [server.stdout.readline() for _ in range(3)]           # the three lines it prints once ready
        assert printed[0] == 'JupyterLab is running with the kernel "Inside the network (.venv)". Open:\n', printed
        url = printed[1].strip()
        base, token = url.split("/lab/tree/")[0], url.split("?token=")[1]
        assert base.startswith("http://127.0.0.1:")
        assert url == f"{base}/lab/tree/keras_models/course/notebooks?token={token}"
        status, page = get(url)
        assert status == 200 and "JupyterLab" in page
        server_root = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)   # the address alone,
        server_root.request("GET", f"/?token={token}")                 # as a browser JupyterLab opens asks for it
        opens_on = server_root.getresponse()
        assert (opens_on.status, opens_on.getheader("Location")) == (
            302, f"/lab/tree/keras_models/course/notebooks?token={token}"), "the browser make lab opens shows elsewhere"
        server_root.close()
        port = int(base.rsplit(":", 1)[1])
        with socket.socket() as elsewhere, pytest.raises(ConnectionRefusedError):
            elsewhere.connect(("127.0.0.2", port))                              # bound to 127.0.0.1 alone
        _, specs = get(f"{base}/api/kernelspecs?token={token}")
        specs = json.loads(specs)         # the project's kernel alone: ipykernel's "Python 3" starts elsewhere
        assert (specs["default"], sorted(specs["kernelspecs"])) == ("inside-the-network", ["inside-the-network"])
        spec = specs["kernelspecs"]["inside-the-network"]["spec"]
        assert spec["display_name"] == "Inside the network (.venv)"
        assert spec["argv"] == [sys.executable, "-m", "keras_models.course.jupyter.kernel", "-f", "{connection_file}"]
        _, notification = get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}")
        # JupyterLab's own toast "Would you like to get notified about official Jupyter news?": answered No, as the
        # learner's setting that this JupyterLab reads
        assert json.loads(notification)["settings"].get("fetchNews") == "false", notification
        with pytest.raises(urllib.error.HTTPError) as refused:                 # no token, no entry
            get(f"{base}/api/kernelspecs")
        assert refused.value.code == 403
        refused.value.close()                     # the error holds the answer's connection open until closed
        # started for a notebook in keras_models/course/notebooks/, as JupyterLab starts it: in the notebook's folder
        _, started = get(f"{base}/api/kernels?token={token}", "POST",
                         {"name": "inside-the-network", "path": "keras_models/course/notebooks/lessons"})
        kernel = f"{base.replace('http', 'ws')}/api/kernels/{json.loads(started)['id']}/channels?token={token}"
        # the kernel moves to the repository's root (kernel.py), without make's variables (a `make tensorboard` run
        # from it said it ignored PORT=0 "from your shell's environment"); TensorFlow's start-up chatter, which the
        # kernel shows in the notebook like anything written to file descriptor 2, is filtered out; any other line
        # from C++ shows
        code = ("import os, tensorflow; print(os.getcwd()); "
                "print(sorted(set(os.environ) & {'MAKEFLAGS', 'PORT', 'GIVEN_TO_MAKE'})); "
                "os.write(2, b'E0000 a real error from C++\\n')")
        expected = {"stdout": f"{REPO}\n[]\n", "stderr": "E0000 a real error from C++\n"}
        assert asyncio.run(run_in_kernel(kernel, code, expected)) == expected
        # its messages went encrypted (CurveZMQ keys, kernel.py's ask_for_encryption): ipykernel logged "Kernel is
        # running over TCP without encryption ..." into JupyterLab's log at every kernel start otherwise
        assert "without encryption" not in (tmp_path / "lab.log").read_text(encoding="utf-8")
    finally:
        server.send_signal(signal.SIGINT)                                      # Ctrl-C
        try:
            _, err = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.terminate()                              # its SIGTERM handler stops JupyterLab and its kernel too
            server.communicate(timeout=60)
            pytest.fail("Ctrl-C did not stop make lab within 60 s")
    assert server.returncode == 130 and err.strip() == "JupyterLab stopped.", err
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))                                     # the server is gone
    assert list(home.iterdir()) == [], "Jupyter wrote into the home folder"


# A Makefile whose recipe starts make lab as the real one does (`exec` the program: make's child is make lab itself)
LAB_UNDER_MAKE = """\
lab:
\t@exec {python} -m keras_models.course.jupyter.lab --port 0 --no-browser --jupyter-home '{home}' --log '{log}'
"""


def test_make_lab_whose_make_is_killed_stops_jupyterlab_instead_of_serving_an_orphaned_port(tmp_path):
    """An IDE's stop button (a process manager's too) signals make alone, not its process group. To SIGINT, GNU make
    answers by waiting for its recipe to end -- it takes the program to have had the same Ctrl-C from the terminal --
    so make lab went on serving; the IDE then SIGKILLs make, and JupyterLab went on serving without it, its port
    held, its address printed in a console that was gone."""
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "Makefile").write_text(LAB_UNDER_MAKE.format(python=sys.executable, home=tmp_path / "venv",
                                                             log=tmp_path / "lab.log"), encoding="utf-8")
    make = subprocess.Popen(["make", "-s", "-f", str(tmp_path / "Makefile"), "lab"], cwd=REPO,
                            env=jupyter_environment(HOME=str(home)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,      # its own group: what is left is ended below
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # make catches it
    runtime = tmp_path / "venv" / "share" / "jupyter" / "runtime"
    try:
        printed = make.stdout.readline()
        assert printed.startswith("JupyterLab is running"), (printed, make.stderr.read() if make.poll() else "")
        url = make.stdout.readline().strip()
        port = int(url.split("/lab/tree/")[0].rsplit(":", 1)[1])
        jupyterlab = int(next(runtime.glob("jpserver-*.json")).stem.split("-")[1])
        program = int(Path(f"/proc/{make.pid}/task/{make.pid}/children").read_text().split()[0])   # make lab
        make.send_signal(signal.SIGINT)                  # the stop button: make alone, which waits for its recipe
        time.sleep(1)
        make.kill()                                      # its grace period over: SIGKILL
        make.wait()
        deadline = time.monotonic() + 30
        while (alive(jupyterlab) or alive(program)) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [pid for pid in (program, jupyterlab) if alive(pid)]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGTERM)      # make lab (its handler stops JupyterLab), in make's group
        for info in runtime.glob("jpserver-*.json"):
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(info.stem.split("-")[1]), signal.SIGTERM)
        make.communicate()
    assert left == [], f"still running once make was gone: {left} (make lab, JupyterLab: {program}, {jupyterlab})"
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))                                     # the port is free


def test_a_port_taken_between_the_check_and_the_start_stops_make_lab_instead_of_moving_it(tmp_path):
    """`make lab PORT=8890` serves on 8890 or says it cannot: JupyterLab is told not to try the next ports
    (port_retries=0). Here another program takes the port just after make lab's check (which is skipped)."""
    home = tmp_path / "home"
    home.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = ["--port", str(port), "--no-browser", "--jupyter-home", str(tmp_path / "venv"), "--log",
                str(tmp_path / "lab.log")]
        program = ("import sys; from keras_models.course.jupyter import lab; lab.why_taken = lambda *_: None; "
                   f"sys.exit(lab.main({argv!r}))")
        server = subprocess.Popen([sys.executable, "-c", program], cwd=REPO, env=jupyter_environment(HOME=str(home)),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        printed = server.stdout.readline()                  # "JupyterLab is running ...", or nothing as it ends
        if printed:
            server.terminate()                                  # its SIGTERM handler stops JupyterLab too
            server.communicate(timeout=60)
            pytest.fail(f"make lab started on another port than the one asked for: {printed!r}")
        _, err = server.communicate(timeout=60)
    assert server.returncode == 1, err
    assert err.startswith("error: JupyterLab stopped before it was ready (") and err.count("\n") == 1, err
    assert f"port {port} is not available" in (tmp_path / "lab.log").read_text(encoding="utf-8")     # its reason


def test_make_lab_prints_the_address_only_once_the_server_takes_connections(tmp_path):
    """Jupyter Server writes jpserver-<pid>.json before its event loop runs and listens only in that loop: the
    address printed on the file alone was refused in a full `make test` (the test above, 1 run in 4)."""
    runtime = tmp_path / "share" / "jupyter" / "runtime"
    runtime.mkdir(parents=True)
    server = SimpleNamespace(pid=os.getpid(), poll=lambda: None)                 # a server that is still starting
    about_to_listen = threading.Event()

    def start_listening():
        about_to_listen.set()
        listener.listen()

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))                         # its port, taken but not listening: refused
        port = listener.getsockname()[1]
        (runtime / f"jpserver-{server.pid}.json").write_text(json.dumps({"port": port}), encoding="utf-8")
        later = threading.Timer(0.3, start_listening)
        later.start()
        try:
            assert lab.wait_until_ready(server, tmp_path, tmp_path / "lab.log") == port
            assert about_to_listen.is_set(), "make lab gave the address before the server listened on it"
        finally:
            later.cancel()
            later.join()


def test_make_lab_answers_jupyterlabs_news_question_no_and_keeps_the_answer_a_learner_gave(tmp_path):
    setting = lab.no_jupyter_news(tmp_path)
    assert json.loads(setting.read_text(encoding="utf-8")) == {"fetchNews": "false"}
    setting.write_text('{"fetchNews": "true"}', encoding="utf-8")            # Settings > Notifications: Always
    assert lab.no_jupyter_news(tmp_path) == setting
    assert setting.read_text(encoding="utf-8") == '{"fetchNews": "true"}'


def test_make_lab_passes_jupyterlab_no_make_variables_so_make_in_its_terminal_takes_its_own(tmp_path, monkeypatch):
    """What `make lab PORT=8890` hands its program; JupyterLab's Terminal and kernels inherit the server's env."""
    for name, value in {"MAKEFLAGS": " -- PORT=8890", "MFLAGS": "", "MAKELEVEL": "1",
                        "MAKEOVERRIDES": "${-*-command-variables-*-}"}.items():
        monkeypatch.setenv(name, value)
    done = subprocess.run(["make", "-n", "exercises", "ONLY=ex01"], cwd=REPO, env=lab.jupyter_environment(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr           # not "unknown variable PORT"
    assert "Entering directory" not in done.stdout, done.stdout             # nor "make[1]: ..." around everything


def without_make_variables(monkeypatch) -> None:
    """This test process's own PORT, PYTHON and make variables gone: `make test PYTHON=python3.12` runs it with
    PYTHON exported and named in MAKEFLAGS, which the cases below must not take for theirs."""
    for name in ("PORT", "PYTHON", *lab.MAKE_VARIABLES):
        monkeypatch.delenv(name, raising=False)


# Here a real make runs, with a Makefile of its own whose recipe `show` starts Python as make lab's does: the real
# Makefile's lab recipe up to its `exec` (where it names make's command-line variables) and the variables that uses
# (GIVEN, TAKES_lab, TAKES_ANY), read from the real Makefile; the program prints the environment make started it with,
# of which jupyter_environment makes JupyterLab's.
# `outer` starts it from a make (`$(MAKE) show`), as a recipe that runs `$(MAKE) lab` does.
LAB_PROGRAM = "exec $(PY) -m keras_models.course.jupyter.lab"
SHOWS_JUPYTERS_ENVIRONMENT = """\
{variables}
show:
\t{recipe}exec {python} -c 'import json, os; print(json.dumps(dict(os.environ)))'
outer:
\t@$(MAKE) -s show
"""


def jupyters_environment_under_make(command_line: list[str], folder: Path) -> dict[str, str]:
    """The environment JupyterLab gets from `make -s -f <a Makefile in folder> <command_line>` (see above): make lab's
    jupyter_environment of the environment make's recipe ran with. (That function reads os.environ alone: applied
    here to the recipe's environment, it spares each case a Python that imports make lab, about 1 CPU-second.)"""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    variables = [line for line in makefile.splitlines() if re.match(r"(GIVEN|TAKES_lab|TAKES_ANY) *:?=", line)]
    after_the_rule = makefile.split("\nlab: ", 1)[1].splitlines()[1:]
    recipe = "\n".join(itertools.takewhile(lambda line: line.startswith("\t"), after_the_rule))
    assert len(variables) == 3 and LAB_PROGRAM in recipe, (variables, recipe)
    (folder / "Makefile").write_text(SHOWS_JUPYTERS_ENVIRONMENT.format(
        variables="\n".join(variables), recipe=recipe.strip().partition(LAB_PROGRAM)[0], python=sys.executable),
        encoding="utf-8")
    done = subprocess.run(["make", "-s", "-f", str(folder / "Makefile"), *command_line], cwd=folder,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    with unittest.mock.patch.dict(os.environ, json.loads(done.stdout), clear=True):
        return lab.jupyter_environment(folder)


# `make lab PORT=8890 PYTHON='/opt/py EDITOR=vi/python3'` (a space in a value, which MAKEFLAGS writes "\\ ": the folder
# "py EDITOR=vi" names no variable EDITOR), `make -j2 lab PORT:=8890` (make's own flags before, an override), and a
# make lab started by a make: make exports its command-line variables to the program it runs.
@pytest.mark.parametrize("command_line", [
    ["show", "PORT=8890", "PYTHON=/opt/py EDITOR=vi/python3"],
    ["-j2", "show", "PORT:=8890"],
    ["outer", "PORT=8890", "PYTHON=python3.12"],
], ids=["variables", "flags-and-variables", "from-a-make-of-make"])
def test_make_lab_passes_jupyterlab_none_of_makes_command_line_variables(command_line, tmp_path, monkeypatch):
    """`make lab PORT=8890`: make exported PORT=8890 to JupyterLab, and so to its Terminal and its kernels, where
    `make tensorboard` then said "make tensorboard ignores PORT=8890 from your shell's environment", a PORT the
    learner never exported. What the shell did export stays (here EDITOR, and WSL's NAME, the machine's name)."""
    without_make_variables(monkeypatch)
    monkeypatch.setenv("EDITOR", "nano")
    monkeypatch.setenv("NAME", "DESKTOP-1")
    environment = jupyters_environment_under_make(command_line, tmp_path)
    made = ("PORT", "PYTHON", "GIVEN_TO_MAKE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
    assert [name for name in made if name in environment] == []
    assert (environment["EDITOR"], environment["NAME"]) == ("nano", "DESKTOP-1")
    done = subprocess.run(["make", "-n", "tensorboard"], cwd=REPO, env=environment, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr           # not "ignores PORT=8890"


@pytest.mark.parametrize("command_line", [None, ["show", "PYTHON=python3.12"]],
                         ids=["run-without-make", "make-given-python"])
def test_jupyterlab_keeps_a_port_that_make_did_not_add_and_its_terminal_says_make_ignores_it(command_line, tmp_path,
                                                                                            monkeypatch):
    """Only what make added from its command line goes. A PORT in the shell's environment (the Makefile drops one for
    make lab, but `.venv/bin/python -m keras_models.course.jupyter.lab` keeps it) stays, as the learner's: a make in
    JupyterLab's Terminal says it ignores it, as it does in the learner's own shell."""
    without_make_variables(monkeypatch)
    monkeypatch.setenv("PORT", "9000")
    if command_line is None:
        environment = lab.jupyter_environment(tmp_path)
    else:
        environment = jupyters_environment_under_make(command_line, tmp_path)
    assert (environment.get("PORT"), environment.get("PYTHON")) == ("9000", None)
    done = subprocess.run(["make", "-n", "tensorboard"], cwd=REPO, env=environment, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "make tensorboard ignores PORT=9000 from your shell's environment" in done.stderr


# `make -e lab PORT=8890` (the environment's variables over the Makefile's, which README's make lab and make train
# take): make writes MAKEFLAGS "e -- $(MAKEOVERRIDES)", its command-line variables left for a sub-make to expand, and
# still exports PORT=8890. Started by a make under make -e (`$(MAKE) lab`), make knows them no more: GNU make 4.3
# expands MAKEOVERRIDES there to nothing, and PORT=8890 is one of its environment's variables.
@pytest.mark.parametrize("command_line, shell, kept", [
    (["-e", "show", "PORT=8890"], {}, {"PORT": None, "PYTHON": None, "EDITOR": "nano"}),
    (["-e", "--eval", "EDITOR=vi", "-j2", "-sI", "EDITOR=vi", "show", "PORT:=8890", "PYTHON=/opt/py EDITOR=vi/python3"],
     {},
     {"PORT": None, "PYTHON": None, "EDITOR": "nano"}),
    (["-e", "show", "PYTHON=python3.12"], {"PORT": "9000"}, {"PORT": "9000", "PYTHON": None, "EDITOR": "nano"}),
    (["-e", "outer", "PORT=8890"], {}, {"PORT": None, "PYTHON": None, "EDITOR": "nano"}),
], ids=["port", "flags-and-variables", "shells-port-kept", "from-a-make-of-make"])
def test_make_e_lab_passes_jupyterlab_none_of_makes_command_line_variables(command_line, shell, kept, tmp_path,
                                                                          monkeypatch):
    """make -e lab PORT=8890: MAKEFLAGS named no variable, so PORT=8890 reached JupyterLab's Terminal and kernels, as
    without -e before (a make there "ignores PORT=8890 from your shell's environment"). What the shell exported stays,
    its PORT too (make -e takes it for make lab's; a make in the Terminal ignores it, as in the shell), and so does a
    variable an option's argument names (--eval EDITOR=vi, -I EDITOR=vi: no command-line variable; the shell's wins)."""
    without_make_variables(monkeypatch)
    monkeypatch.setenv("EDITOR", "nano")
    for name, value in shell.items():
        monkeypatch.setenv(name, value)
    environment = jupyters_environment_under_make(command_line, tmp_path)
    assert {name: environment.get(name) for name in kept} == kept
    assert [name for name in lab.MAKE_VARIABLES if name in environment] == []


@pytest.fixture
def notebooks_folder(tmp_path, monkeypatch):
    """Where make lab's --write-notebooks writes (build.py's folders, in a temporary folder here)."""
    return notebooks_written_into(tmp_path, monkeypatch)


def test_make_lab_on_a_port_in_use_is_one_line_before_writing_any_notebook(notebooks_folder, tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert lab.main(["--port", str(port), "--write-notebooks", "--jupyter-home", str(tmp_path), "--log",
                         str(tmp_path / "log")]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == (f"error: port {port} on 127.0.0.1 is in use (another JupyterLab?): make lab "
                                 f"PORT={port + 1}\n")
    assert not notebooks_folder.exists()


def test_a_second_make_lab_in_the_same_folder_is_one_line_before_writing_any_notebook(notebooks_folder, tmp_path,
                                                                                        capsys, monkeypatch):
    """Two make labs at once: the second wrote the notebooks again, emptied the first's log to write its own into
    it, and stopped (the port had just been taken) quoting the first's last log line as its reason."""
    monkeypatch.setattr(lab, "launch", lambda *args, **kwargs: pytest.fail("a second JupyterLab was started"))
    log = tmp_path / "lab" / "jupyterlab.log"
    log.parent.mkdir()
    log.write_text("the first make lab's log\n")
    with open(log, "a") as first:                               # held by the make lab already running
        fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert lab.main(["--port", "0", "--write-notebooks", "--jupyter-home", str(tmp_path), "--log", str(log),
                         "--no-browser"]) == 1
    assert capsys.readouterr() == ("", f"error: another make lab is running in this folder (its log: {log}): open "
                                       "the address it printed, or stop it (Ctrl-C) first\n")
    assert log.read_text() == "the first make lab's log\n"
    assert not notebooks_folder.exists()


def test_make_lab_where_its_log_cannot_be_written_is_one_line_naming_it_before_writing_any_notebook(
        notebooks_folder, tmp_path, capsys, monkeypatch):
    """logs/ read-only (a learner who is not root) said "error: [Errno 13] Permission denied: '<repo>/logs/lab/
    jupyterlab.log'": Python's wording, and no word of what it is or what to do. Root writes anywhere, so here a file
    stands where logs/ should be (Not a directory), which root cannot get past either."""
    monkeypatch.setattr(lab, "launch", lambda *args, **kwargs: pytest.fail("JupyterLab was started"))
    (tmp_path / "logs").write_text("a file, not a folder")
    log = tmp_path / "logs" / "lab" / "jupyterlab.log"
    assert lab.main(["--port", "0", "--write-notebooks", "--jupyter-home", str(tmp_path), "--log", str(log),
                     "--no-browser"]) == 1
    assert capsys.readouterr() == ("", f"error: make lab cannot write JupyterLab's log {log} (Not a directory: "
                                       f"{log.parent}): make {log.parent} a folder you can write in\n")
    assert not notebooks_folder.exists()


def test_make_lab_whose_log_itself_cannot_be_written_says_to_remove_it_not_to_fix_its_folder(
        notebooks_folder, tmp_path, capsys, monkeypatch):
    """A log another user left (sudo make lab: root's file in the learner's logs/lab) was refused in a folder the
    learner can write in, and the line said to make that folder writable. Root opens any file, so here a folder
    stands where the log should be (Is a directory), which root cannot open either."""
    monkeypatch.setattr(lab, "launch", lambda *args, **kwargs: pytest.fail("JupyterLab was started"))
    log = tmp_path / "logs" / "lab" / "jupyterlab.log"
    log.mkdir(parents=True)
    assert lab.main(["--port", "0", "--write-notebooks", "--jupyter-home", str(tmp_path), "--log", str(log),
                     "--no-browser"]) == 1
    assert capsys.readouterr() == ("", f"error: make lab cannot write JupyterLab's log {log} (Is a directory): "
                                       "remove it (with sudo if another user made it: sudo make lab does), then "
                                       "make lab again\n")
    assert not notebooks_folder.exists()


def test_make_lab_that_cannot_write_its_files_in_venv_is_one_line_saying_what_to_do(notebooks_folder, tmp_path,
                                                                                     capsys):
    """A .venv made by another user (sudo make setup), then make lab as oneself, said "error: [Errno 13] Permission
    denied: '<repo>/.venv/share/jupyter/kernels/inside-the-network/kernel.json'". Root writes anywhere, so here the
    Jupyter home is a file (Not a directory), which root cannot get past either."""
    home = tmp_path / "venv"
    home.write_text("a file, not a folder")
    assert lab.main(["--port", "0", "--jupyter-home", str(home), "--log", str(tmp_path / "log"), "--no-browser"]) == 1
    kernel = home / "share" / "jupyter" / "kernels" / "inside-the-network"
    assert capsys.readouterr() == ("", f"error: make lab cannot write Jupyter's files in {home} (Not a directory: "
                                       f"{kernel}): if another user made {home} (sudo make setup), remove it with "
                                       f"sudo rm -rf {home}, then make setup\n")


@pytest.mark.parametrize("port", ["eighty", "²"])            # "²" is a digit to str.isdigit, not to int
def test_make_lab_with_a_port_that_is_not_a_number_is_one_line(port, tmp_path, capsys):
    assert lab.main(["--port", port, "--jupyter-home", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: PORT must be a whole number from 0 to 65535, got {port!r}\n"


def test_make_lab_refuses_a_port_out_of_range_before_writing_any_notebook(notebooks_folder, tmp_path, capsys):
    assert lab.main(["--port", "99999", "--write-notebooks", "--jupyter-home", str(tmp_path)]) == 2
    assert capsys.readouterr() == ("", "error: PORT must be a whole number from 0 to 65535, got '99999'\n")
    assert not notebooks_folder.exists()


def test_make_lab_writes_the_notebooks_once_the_port_is_checked_then_starts_the_server(notebooks_folder, tmp_path,
                                                                                       monkeypatch, capsys):
    def launch(port, home, log, open_browser):
        assert len(list(notebooks_folder.rglob("*.ipynb"))) == NOTEBOOKS, "JupyterLab started before the notebooks"
        assert open_browser is False, "--no-browser opened a browser"
        raise RuntimeError("the server was reached")

    monkeypatch.setattr(lab, "launch", launch)
    assert lab.main(["--port", "0", "--write-notebooks", "--jupyter-home", str(tmp_path), "--log",
                     str(tmp_path / "log"), "--no-browser"]) == 1
    out, err = capsys.readouterr()
    assert out.endswith(" solutions). Starting JupyterLab on them.\n") and f"\n{NOTEBOOKS} notebooks (" in out, out
    assert err == "error: the server was reached\n"


def test_make_lab_whose_notebooks_cannot_all_be_written_ends_with_make_notebooks_line_and_starts_no_server(
        notebooks_folder, tmp_path, monkeypatch, capsys):
    """build.main's status is make lab's: a make notebooks that ends in its one line (here the Jupyter settings file it
    adds to is cut short) ends make lab with it, and JupyterLab is not started."""
    monkeypatch.setattr(lab, "launch", lambda *args, **kwargs: pytest.fail("JupyterLab was started"))
    settings = notebooks_folder.parent / "jupyter_config" / "jupyter_config.json"
    settings.parent.mkdir()
    settings.write_text("{", encoding="utf-8")
    assert lab.main(["--port", "0", "--write-notebooks", "--jupyter-home", str(tmp_path), "--log",
                     str(tmp_path / "log"), "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {settings} is not a JSON settings file (") and err.count("\n") == 1, err


@pytest.mark.parametrize("slow_import", ["secrets", "jupytext"])     # secrets loads hmac; jupytext, the notebooks'
def test_ctrl_c_while_make_lab_starts_is_one_line_and_exit_130(slow_import, tmp_path):
    done = ctrl_c_while_importing("keras_models.course.jupyter.lab", slow_import, tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (130, "\nJupyterLab was not started.\n", "")


class Hangup(Exception):
    """What SIGHUP or SIGTERM raises in this test when make lab leaves it to its default action (which ends the
    process)."""


class StandInServer:
    """What lab.launch gives back, without JupyterLab: a server that runs until it is terminated."""
    pid, stopped = 0, False

    def poll(self):
        return 0 if self.stopped else None

    def terminate(self):
        self.stopped = True

    def wait(self, timeout=None):
        return 0


def serving(server, tmp_path: Path, monkeypatch, ready=lambda server, home, log: 8888) -> Callable[[], int]:
    """make lab with `server` in JupyterLab's place, ready at once (or as `ready` says), its folders in tmp_path: the
    call that runs it, giving its exit status."""
    monkeypatch.setattr(lab, "launch", lambda port, home, log, open_browser: (server, "token"))
    monkeypatch.setattr(lab, "wait_until_ready", ready)
    return lambda: lab.main(["--port", "0", "--jupyter-home", str(tmp_path), "--log", str(tmp_path / "log"),
                             "--no-browser"])


# SIGHUP: the terminal closed; SIGTERM: what make passes on when it is stopped with one (kill, a process manager)
@pytest.mark.parametrize("stop_signal", [signal.SIGHUP, signal.SIGTERM], ids=["terminal-closed", "sigterm"])
def test_closing_the_terminal_or_a_sigterm_stops_make_lab_and_jupyterlab_as_ctrl_c_does(stop_signal, tmp_path,
                                                                                         monkeypatch, capsys):
    """Closing the terminal sends SIGHUP. make lab's own process ended at once, and JupyterLab, in a session of its
    own, kept running with its kernels and its port, behind a token no one had any more. A SIGTERM stops it the
    same way, with the same line."""
    server = StandInServer()

    def hangup(signum, frame):
        raise Hangup

    def terminal_closed(server, home, log):
        signal.raise_signal(stop_signal)
        return 8888

    make_lab = serving(server, tmp_path, monkeypatch, ready=terminal_closed)
    handlers = {sig: signal.signal(sig, hangup if sig == stop_signal else signal.getsignal(sig))
                for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)}
    try:
        assert make_lab() == 130
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert server.stopped
    assert capsys.readouterr().err == "\nJupyterLab stopped.\n"


class ServerWhoseWaitRunsADel(StandInServer):
    """A running server, whose first wait(timeout) frees an object whose `__del__` gets `stop_signal`: the stop's
    exception is raised there, where Python prints "Exception ignored" and drops it. Its fifth wait says it stopped by
    itself (exit status 0), so that a make lab deaf to the stop ends all the same."""
    def __init__(self, stop_signal):
        self.stop_signal, self.waits = stop_signal, 0

    def wait(self, timeout=None):
        if self.stopped or timeout is None:
            return 0
        self.waits += 1
        if self.waits == 1:
            RaisesInDel(self.stop_signal)          # freed at once: its __del__ runs here
        if self.waits == 5:
            return 0
        raise subprocess.TimeoutExpired("jupyterlab", timeout)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGHUP, signal.SIGTERM],
                         ids=["ctrl-c", "terminal-closed", "sigterm"])
def test_a_stop_that_lands_in_a_del_while_make_lab_waits_still_stops_it_and_jupyterlab(stop_signal, tmp_path,
                                                                                        monkeypatch, capsys):
    """Python drops a signal handler's exception raised inside a `__del__` (or a gc callback), printing "Exception
    ignored": a Ctrl-C, a closed terminal or a SIGTERM that landed there while make lab waited on JupyterLab was lost,
    make lab went on waiting and JupyterLab, in a session of its own, went on serving. The stop is raised again
    (twins/terminated.py's stopped_meanwhile) and ends make lab with the line and status of any Ctrl-C."""
    server = ServerWhoseWaitRunsADel(stop_signal)
    assert serving(server, tmp_path, monkeypatch)() == 130
    assert server.stopped and server.waits == 1
    assert capsys.readouterr().err == "\nJupyterLab stopped.\n"


class ServerWhoseStopRunsADel(StandInServer):
    """A server that stops by itself (exit status 1), and whose terminate() frees an object whose `__del__` gets
    SIGHUP: the terminal closed as make lab stopped JupyterLab, in its finally."""
    def poll(self):
        return None

    def terminate(self):
        RaisesInDel(signal.SIGHUP)
        self.stopped = True

    def wait(self, timeout=None):
        return 0 if self.stopped or timeout is None else 1


def test_a_stop_dropped_as_make_lab_stops_jupyterlab_is_its_one_line_not_a_traceback(tmp_path, monkeypatch, capsys):
    """Dropped in make lab's last clean-up, the stop is raised again at the end of stops_kept's block, past make lab's
    own lines: it came out as a KeyboardInterrupt traceback."""
    server = ServerWhoseStopRunsADel()
    make_lab = serving(server, tmp_path, monkeypatch)
    (tmp_path / "log").write_text("stopped\n", encoding="utf-8")
    try:
        status = make_lab()
    except KeyboardInterrupt:               # (uncaught, it would stop the whole test session)
        pytest.fail("make lab's stop came out of it, as a traceback")
    assert (status, server.stopped) == (130, True)
    assert capsys.readouterr().err.splitlines()[-1] == "JupyterLab stopped."


class StartingServerWhosePollRunsADel(StandInServer):
    """A server still starting (it has written no address yet), whose first poll() frees an object whose `__del__`
    gets SIGTERM, which Python drops there; its tenth poll says it stopped, so that a make lab deaf to it ends."""
    def __init__(self):
        self.polls = 0

    def poll(self):
        self.polls += 1
        if self.polls == 1:
            RaisesInDel(signal.SIGTERM)
        return None if self.polls < 10 else 1


def test_a_stop_dropped_while_jupyterlab_starts_stops_make_lab_before_it_prints_the_address(tmp_path):
    """Raised again only by the wait after start-up, it let make lab print the address with its token first."""
    server = StartingServerWhosePollRunsADel()
    (tmp_path / "log").write_text("starting\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), lab.stops_kept():
        lab.wait_until_ready(server, tmp_path, tmp_path / "log")
    assert server.polls == 1


@pytest.mark.parametrize("output, line", [
    (dev_full, output_full("make lab")),
    (closed_pipe, output_closed("make lab")),
], ids=["dev-full", "closed-pipe"])
def test_make_lab_whose_address_cannot_be_printed_is_one_line_about_the_output_and_stops_jupyterlab(
        output, line, tmp_path, monkeypatch, capsys):
    """`make lab > /dev/full` or `make lab | head -1`: the address with its token is lost, so JupyterLab is stopped.
    It was blamed on `.venv` (lab's folders), then, with stdout wrapped (closed_output.StandardOutput), a traceback."""
    server = StandInServer()
    assert started_into(output, serving(server, tmp_path, monkeypatch)) == 1
    assert server.stopped
    assert capsys.readouterr().err == line


@pytest.mark.parametrize("shell", [{"KERAS_BACKEND": "jax"}, {}])
def test_the_projects_kernel_runs_keras_on_tensorflow_whatever_the_shell_or_keras_json_says(shell, tmp_path,
                                                                                             monkeypatch):
    """A notebook opened outside make (`.venv/bin/jupyter execute`, an editor's Jupyter) got the shell's
    KERAS_BACKEND=jax, or the backend of ~/.keras/keras.json, which Keras reads when KERAS_BACKEND is unset: its first
    `import keras` ended in ModuleNotFoundError for jax. The environment jupyter_client starts the kernel with is read
    from the kernelspec make notebooks and make lab register."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    from keras_models.course.jupyter import kernel

    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    for name, value in shell.items():
        monkeypatch.setenv(name, value)
    kernel.register(tmp_path)
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    manager = KernelManager(kernel_spec_manager=specs, kernel_name=kernel.KERNEL_NAME,
                            connection_file=str(tmp_path / "connection.json"))      # it writes one; not in $HOME
    _, launch = manager.pre_start_kernel()
    assert launch["env"].get("KERAS_BACKEND") == "tensorflow"


def test_make_lab_with_a_damaged_jupyter_settings_file_in_its_home_is_one_line(tmp_path, capsys):
    """launch asks for CurveZMQ keys in the home's jupyter_config.json (kernel.py's ask_for_encryption); one cut
    short there (make lab without --write-notebooks, or another --jupyter-home) ended in a ValueError traceback."""
    settings = tmp_path / "etc" / "jupyter" / "jupyter_config.json"
    settings.parent.mkdir(parents=True)
    settings.write_text("{", encoding="utf-8")
    assert lab.main(["--port", "0", "--no-browser", "--jupyter-home", str(tmp_path), "--log",
                     str(tmp_path / "lab.log")]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"error: {settings} is not a JSON settings file (") and \
        err.endswith("): correct it or remove it\n") and err.count("\n") == 1, err


def test_waiting_on_jupyterlab_gives_its_exit_status_while_make_is_there_and_none_once_make_is_gone():
    """wait_while_started with real processes: a server that exits by itself (status 3) while this program's parent
    is the one make lab noted gives its status; a parent other than ours (make gone, this program an orphan) gives
    None at once, the server still running -- not a status that would be taken for the server's own exit."""
    ended = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert lab.wait_while_started(ended, os.getppid()) == 3
        started = time.monotonic()
        assert lab.wait_while_started(running, os.getpid()) is None      # our own pid: never our parent
        assert time.monotonic() - started < 5 and running.poll() is None
    finally:
        running.kill()
        running.wait()


def test_jupyterlab_that_stopped_before_printing_anything_is_said_so_not_an_empty_reason(tmp_path):
    """A log with nothing in it (JupyterLab ended before its first line) gives the reason "it printed nothing",
    not "()" in the one line make lab ends with."""
    (tmp_path / "lab.log").write_text("\n \n", encoding="utf-8")
    assert lab._last_line(tmp_path / "lab.log") == "it printed nothing"


def test_jupyterlab_shut_down_from_its_own_menu_is_said_as_stopped_by_itself_not_as_make_gone(tmp_path, monkeypatch,
                                                                                             capsys):
    """File > Shut Down in JupyterLab ends the server with exit status 0 while make is still there: that is the server
    stopping by itself, with its status and the last line of its log (blank lines after it skipped) -- not the line
    for a make that is gone, which only None (make gone) gives."""
    server = subprocess.Popen([sys.executable, "-c", "pass"])              # exits 0 by itself, as a shut down does

    def launch(port, home, log, open_browser):
        log.write_text("[I ServerApp] Shutting down 1 kernel\n[I ServerApp] Shutting down 0 terminals\n\n  \n",
                       encoding="utf-8")
        return server, "token"

    monkeypatch.setattr(lab, "launch", launch)
    monkeypatch.setattr(lab, "wait_until_ready", lambda server, home, log: 8888)
    assert lab.main(["--port", "0", "--jupyter-home", str(tmp_path), "--log", str(tmp_path / "log"),
                     "--no-browser"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("JupyterLab is running")
    assert err == "error: JupyterLab stopped by itself (exit status 0: [I ServerApp] Shutting down 0 terminals)\n", err

