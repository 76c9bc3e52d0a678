"""The zygote: one Python that imports TensorFlow (or whatever it is told to preload) once, then forks a
child for every command it is sent. The child is a real process -- its own pid, its own exit status, real
SIGINT and SIGKILL -- that runs `-m module`, `script.py` or `-c code` the way a fresh
interpreter would, only without paying for the imports again (TensorFlow's costs ~5 CPU-seconds).

    .venv/bin/python tests/zygote_server.py SOCKET MODULE [MODULE ...]

tests/zygote.py starts it and talks to it (see there for how tests use it). The protocol, over a Unix
socket, one JSON message per line of the table, each prefixed with its length:

    client -> zygote   {"kind": "session"}                    one per client process, kept open: the
    zygote -> client   {"pid": ..., "env": {...}}             zygote exits when the last one closes
    client -> zygote   {"kind": "spawn", "command": [...],    a new connection per command, with the
                        "cwd": ..., "env": {...},             command's stdin, stdout and stderr
                        "new_session": bool} + 3 fds          (new_session: Popen's start_new_session)
    zygote -> client   {"pid": <the command's pid>}           sent by a waiter, a forked child of the
    zygote -> client   {"status": <os.waitpid status>}        zygote that forks the command and waits

Forking is safe because the zygote has no other thread (importing TensorFlow starts none; BLAS is told
to use one thread) and has run no TensorFlow op; both are checked before it listens. It preloads
third-party modules only: the project's own (scratch, data, keras_models) and the tests are imported by
each child from its own sys.path, so a command run in a mutated copy of scratch/ tests that copy.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import io
import json
import os
import runpy
import select
import signal
import socket
import struct
import sys
import tempfile
import time
import types

from collector import long_lived_imports

HEADER = struct.Struct("!I")                # the length of the JSON message that follows
PROJECT = ("scratch", "data", "keras_models", "conftest", "zygote")
FIRST_CLIENT_WITHIN = 120                   # seconds: nobody came, nobody will


def send(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [HEADER.pack(len(data))], fds)
    else:
        sock.sendall(HEADER.pack(len(data)))
    sock.sendall(data)


def _exactly(sock: socket.socket, n: int, start: bytes = b"") -> bytes:
    data = start
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("the other side closed the connection")
        data += chunk
    return data


def receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict, list[int]]:
    """One message, and the file descriptors that came with it (at most max_fds)."""
    start, fds = b"", []
    if max_fds:
        start, fds, _, _ = socket.recv_fds(sock, HEADER.size, max_fds)
        if not start and not fds:
            raise EOFError("the other side closed the connection")
    (length,) = HEADER.unpack(_exactly(sock, HEADER.size, start))
    return json.loads(_exactly(sock, length)), fds


def check_fork_safe(preload: list[str]) -> None:
    """Refuse to serve when forking could hang a child: another thread, or a TensorFlow runtime that ran."""
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
    if threads != 1:
        raise SystemExit(f"zygote: {threads} threads after importing {preload}: forking would not be safe")
    if "tensorflow" in sys.modules:
        from tensorflow.python.eager import context
        if getattr(context.context(), "_context_handle", None) is not None:
            raise SystemExit("zygote: TensorFlow's runtime started while importing: forking would not be safe")
    ours = sorted(name for name in sys.modules if name.split(".")[0] in PROJECT)
    if ours:
        raise SystemExit(f"zygote: the project's own modules were imported ({ours}): children would not see "
                         "their own copies")


def serve(path: str) -> tuple[list, list[int], dict] | None:
    """Accept sessions and commands until the last session closes. Returns only in a forked command
    process: its (command, fds, request), which the top level of this script then runs."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)                                  # a zygote that crashed left its socket behind
    listener.bind(path)
    listener.listen(64)
    sessions: list[socket.socket] = []
    first_client_by, had_sessions = time.monotonic() + FIRST_CLIENT_WITHIN, False
    while sessions or (not had_sessions and time.monotonic() < first_client_by):
        readable, _, _ = select.select([listener, *sessions], [], [], 0.5)
        reap(block=False)
        for sock in readable:
            if sock is not listener:
                try:
                    ended = not sock.recv(1)             # a client process ended (or closed its session)
                except OSError:
                    ended = True
                if ended:
                    sessions.remove(sock)
                    sock.close()
                continue
            conn, _ = listener.accept()
            conn.settimeout(30)
            try:
                request, fds = receive(conn, max_fds=3)
            except (OSError, EOFError, ValueError):
                conn.close()
                continue
            if request.get("kind") == "session":
                send(conn, {"pid": os.getpid(), "env": dict(os.environ)})
                conn.settimeout(None)
                sessions.append(conn)
                had_sessions = True
            elif os.fork() == 0:                         # the waiter
                listener.close()
                for session in sessions:
                    session.close()
                return wait_for_command(conn, request, fds)
            else:
                conn.close()
                for fd in fds:
                    os.close(fd)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)                                  # from now on a client starts a new zygote
    listener.close()
    reap(block=True)
    return None


def reap(block: bool, at_most: float = 10.0) -> None:
    """Collect the waiters that ended (waited for, so their CPU time counts in the test run's), or, with
    block, all of them -- waiting at most `at_most` seconds for commands a test left running."""
    deadline = time.monotonic() + at_most
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:                        # no child left
            return
        if pid == 0:
            if not block or time.monotonic() > deadline:
                return
            time.sleep(0.05)


def wait_for_command(conn: socket.socket, request: dict, fds: list[int]) -> tuple[list, list[int], dict]:
    """In the waiter: fork the command, tell the client its pid, wait, tell the client its status. A command
    still running when its client process ends is killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)         # a Ctrl-C meant for the command must not lose its status
    # the client may signal the command's group (killpg) as soon as it has the pid: not before the group exists,
    # or it would signal the waiter's own, the test run's. The command closes `started` once it is in its group.
    settled, started = os.pipe()
    pid = os.fork()
    if pid == 0:
        conn.close()
        os.close(settled)
        if request.get("new_session"):
            os.setsid()                                  # Popen(start_new_session=True): its own session and group
        os.close(started)
        return request["command"], fds, request
    os.close(started)
    for fd in fds:
        os.close(fd)
    os.read(settled, 1)                                  # end of file: the command has its group (or has died)
    os.close(settled)
    try:
        send(conn, {"pid": pid})
    except OSError:                                      # the client went away: nobody to tell
        pass
    ended = [os.pidfd_open(pid)] if hasattr(os, "pidfd_open") else []     # readable once the command ends
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if conn in select.select([conn, *ended], [], [], 0.2 if ended else 0.02)[0] and not _still_there(conn):
            os.kill(pid, signal.SIGKILL)                 # the test process ended: no command outlives it
            _, status, usage = os.wait4(pid, 0)
            break
    kind, target, args = request["command"]
    print(f"{usage.ru_utime:5.2f}+{usage.ru_stime:4.2f} CPU-s  status {os.waitstatus_to_exitcode(status):4d}  "
          f"{kind} {target[:60]!r} {' '.join(args)[:120]}", file=sys.stderr, flush=True)
    try:
        send(conn, {"status": status})
    except OSError:
        pass
    os._exit(0)


def _still_there(conn: socket.socket) -> bool:
    """False once the client closed its end (it never sends anything after its request)."""
    try:
        return bool(conn.recv(1))
    except OSError:
        return False


def _stdio(fd: int, mode: str, like: io.TextIOWrapper, unbuffered: bool) -> io.TextIOWrapper:
    """A text stream on fd made as CPython makes sys.stdin/stdout/stderr (create_stdio in pylifecycle.c)."""
    raw = io.FileIO(fd, mode, closefd=False)
    if mode == "r":
        buffer = io.BufferedReader(raw)
    else:
        buffer = raw if unbuffered else io.BufferedWriter(raw)
    line_buffering = not unbuffered and mode == "w" and (raw.isatty() or fd == 2)
    return io.TextIOWrapper(buffer, encoding=like.encoding, errors=like.errors, newline="\n",
                            line_buffering=line_buffering, write_through=unbuffered and mode == "w")


def become(command: list, fds: list[int], request: dict, base_path: list[str]) -> None:
    """In the command process: the stdio, directory, environment, argv and sys.path of a fresh start."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in set(fds) - {0, 1, 2}:
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None                 # TensorFlow's import had fixed it: the command's TMPDIR decides, as fresh
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
    sys.stdin = sys.__stdin__ = _stdio(0, "r", sys.stdin, unbuffered)
    sys.stdout = sys.__stdout__ = _stdio(1, "w", sys.stdout, unbuffered)
    sys.stderr = sys.__stderr__ = _stdio(2, "w", sys.stderr, unbuffered)
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    kind, target, args = command
    first = {"module": os.getcwd(), "code": "", "script": os.path.dirname(os.path.abspath(target))}[kind]
    extra = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    sys.path[:] = [first, *extra, *base_path]
    sys.argv = [{"module": "-m", "code": "-c", "script": target}[kind], *args]
    importlib.invalidate_caches()


def run(command: list) -> None:
    """Run the command in a new __main__ module, as `python -m`, `python -c` or `python script` does."""
    kind, target, _ = command
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    if kind == "module":
        runpy._run_module_as_main(target, alter_argv=True)     # what `python -m` itself calls
    elif kind == "code":
        exec(compile(target, "<string>", "exec"), main.__dict__)
    else:
        main.__file__ = target
        with io.open_code(target) as source:
            exec(compile(source.read(), target, "exec"), main.__dict__)


if __name__ == "__main__":
    socket_path, preload = sys.argv[1], sys.argv[2:]
    del sys.path[0]                                      # tests/: each child sets its own first entry
    pythonpath = {entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry}
    base_path = [entry for entry in sys.path if entry not in pythonpath]
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(0))     # Ctrl-C on the test run: leave
    with long_lived_imports():                           # children's collections skip what was preloaded
        for name in preload:
            importlib.import_module(name)
    check_fork_safe(preload)
    sys.stdout.flush()
    sys.stderr.flush()
    job = serve(socket_path)
    if job is None:
        sys.exit(0)
    become(*job, base_path)                              # a command process: from here on, that command
    run(job[0])
