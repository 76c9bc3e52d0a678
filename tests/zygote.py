"""Python commands started warm: `subprocess.Popen` and `subprocess.run` for `[sys.executable, ...]`, served
by a zygote (tests/zygote_server.py) that imported TensorFlow once and forks each command from there.

    python = Zygote(directory, "tensorflow", preload=WITH_TENSORFLOW)
    process = python.Popen([sys.executable, "-m", "keras_models.train", "--epochs", "2"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = python.run([sys.executable, "script.py", "arg"], capture_output=True, text=True, timeout=60)

The process is a real one: `pid`, `send_signal` (SIGINT reaches the command's own handlers), `kill`,
`communicate`, `wait`, `returncode` (negative when a signal ended it) and pipes behave as subprocess's,
because this Popen IS subprocess.Popen with only the start (a request to the zygote instead of fork +
exec) and the wait (the zygote's waiter reports the status) replaced. Commands: `-m module`, `-c code`
or a script path, with any cwd, env, stdin/stdout/stderr, and start_new_session. What a warm child
cannot show, and needs a fresh `subprocess.Popen`: anything about starting up (Ctrl-C during `import
tensorflow`, a package that is missing, TensorFlow's start-up lines, which the zygote printed once to
its log), and a different value of a variable read while the preloaded modules were imported
(IMPORT_TIME: refused with a ValueError naming it). BLAS runs one thread in warm children, as `make
train` runs it.

One zygote per name serves the whole pytest session, all xdist workers included: the first worker to
need it starts it (under a file lock in `directory`), the others connect; each client process holds a
session connection, and the zygote exits when the last one closes (even if pytest is killed).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from zygote_server import receive, send

SERVER = Path(__file__).with_name("zygote_server.py")
# not tensorboard.program: imported, it replaces the lazy stand-in that `from tensorboard import program` gives a
# fresh `make tensorboard`, which a warm server must meet as the real one does
WITH_TENSORFLOW = ("numpy", "pandas", "tensorflow", "keras", "tensorboard", "tensorboard.default",
                   "tensorboard.main_lib", "absl.app")
WITHOUT_TENSORFLOW = ("numpy", "pandas")
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
IMPORT_TIME = ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "CUDA_VISIBLE_DEVICES", "KERAS_BACKEND",
               "PYTHONHASHSEED", "PYTHONWARNINGS", "PYTHONIOENCODING", *ONE_THREAD)
# What an import-time variable that is unset means: BLAS's one thread, as warm children run it; Keras' tensorflow (the
# backend of the keras.json in KERAS_HOME), which make and the project's kernelspec name outright
UNSET_MEANS = {**ONE_THREAD, "KERAS_BACKEND": "tensorflow"}
STARTUP_TIMEOUT = 300                       # seconds for the zygote's imports on a busy machine


def command_of(args) -> list:
    """["module" | "code" | "script", target, arguments] of `[sys.executable, ...]`."""
    args = [os.fsdecode(arg) for arg in args]
    if len(args) < 2 or args[0] != sys.executable:
        raise ValueError(f"a warm process runs `{sys.executable} -m/-c/script ...`, got {args!r}: use subprocess")
    if args[1] in ("-m", "-c"):
        if len(args) < 3:
            raise ValueError(f"{args[1]} needs an argument, got {args!r}")
        return ["module" if args[1] == "-m" else "code", args[2], args[3:]]
    if args[1].startswith("-"):
        raise ValueError(f"interpreter option {args[1]!r} is not supported warm: use subprocess")
    return ["script", args[1], args[2:]]


class Zygote:
    """A zygote named `name` that preloads `preload`, shared through `directory` (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike, name: str, preload: tuple[str, ...]):
        self.directory, self.name, self.preload = Path(directory), name, tuple(preload)
        path = str(self.directory / f"zygote-{name}.sock")
        if len(path.encode()) > 100:                     # a Unix socket path holds about 108 bytes
            digest = hashlib.sha1(path.encode()).hexdigest()[:16]
            path = os.path.join(tempfile.gettempdir(), f"zygote-{digest}.sock")
        self.socket_path = path
        self._lock = threading.Lock()
        self._session: socket.socket | None = None
        self._env: dict[str, str] = {}
        self._server: subprocess.Popen | None = None      # the zygote, if this process started it

    def Popen(self, args, **kwargs) -> WarmPopen:          # noqa: N802  (subprocess's name)
        return WarmPopen(self, args, **kwargs)

    def run(self, args, *, input=None, capture_output=False, timeout=None, check=False,  # noqa: A002
            **kwargs) -> subprocess.CompletedProcess:
        """subprocess.run, warm."""
        if capture_output:
            kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
        if input is not None:
            kwargs["stdin"] = subprocess.PIPE
        with self.Popen(args, **kwargs) as process:
            try:
                stdout, stderr = process.communicate(input, timeout=timeout)
            except BaseException:
                process.kill()
                raise
        if check and process.returncode:
            raise subprocess.CalledProcessError(process.returncode, process.args, stdout, stderr)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def spawn(self, command: list, cwd: str, env: dict[str, str], fds: list[int],
              new_session: bool = False) -> tuple[int, socket.socket]:
        """Ask the zygote to start `command` (in a session of its own with new_session, as Popen's
        start_new_session): its pid, and the connection its exit status will come on."""
        self._connect()
        for name in IMPORT_TIME:
            wanted, imported = env.get(name, UNSET_MEANS.get(name)), self._env.get(name, UNSET_MEANS.get(name))
            if wanted != imported:
                raise ValueError(f"{name}={wanted!r} for this command, but the warm Python imported its modules "
                                 f"with {name}={imported!r}: start it with subprocess instead")
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self.socket_path)
            send(conn, {"kind": "spawn", "command": command, "cwd": cwd, "env": env, "new_session": new_session}, fds)
            reply, _ = receive(conn)
        except BaseException:
            conn.close()
            raise
        return reply["pid"], conn

    def close(self) -> None:
        """End this process's session. The zygote exits once every session has ended; the process that
        started it waits for that, so that the CPU time of the zygote and its commands counts in its own."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
            if self._server is not None:
                try:
                    self._server.wait(timeout=STARTUP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass
                self._server = None

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(self.directory / f"zygote-{self.name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)          # one starter at a time, across xdist workers
                try:
                    self._session = self._hello()
                except (OSError, EOFError):
                    self._start()

    def _hello(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(60)                           # a zygote that is there answers at once
            sock.connect(self.socket_path)
            send(sock, {"kind": "session"})
            reply, _ = receive(sock)
            sock.settimeout(None)
        except BaseException:
            sock.close()
            raise
        self._env = reply["env"]
        return sock

    def _start(self) -> None:
        log_path = self.directory / f"zygote-{self.name}.log"
        env = {**os.environ, **ONE_THREAD}
        with open(log_path, "ab") as log:
            server = subprocess.Popen([sys.executable, str(SERVER), self.socket_path, *self.preload],
                                      stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                self._session = self._hello()
                self._server = server
                return
            except (OSError, EOFError):
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the {self.name} zygote did not start (exit status {server.poll()}); "
                                       f"its log {log_path} ends:\n{tail}") from None
                time.sleep(0.05)


class WarmPopen(subprocess.Popen):
    """subprocess.Popen whose child is forked by a zygote (see the module docstring)."""

    def __init__(self, zygote: Zygote, args, **kwargs):
        self._zygote, self._status = zygote, None
        super().__init__(args, **kwargs)

    def _execute_child(self, args, executable, preexec_fn, close_fds, pass_fds, cwd, env, startupinfo,
                       creationflags, shell, p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite,
                       restore_signals, gid, gids, uid, umask, start_new_session, *unused):
        try:
            if shell or executable or preexec_fn or pass_fds:
                raise ValueError("a warm process takes no shell, executable, preexec_fn or pass_fds")
            command = command_of([args] if isinstance(args, (str, bytes, os.PathLike)) else args)
            fds = [p2cread if p2cread != -1 else 0, c2pwrite if c2pwrite != -1 else 1,
                   errwrite if errwrite != -1 else 2]
            environment = {os.fsdecode(k): os.fsdecode(v) for k, v in (os.environ if env is None else env).items()}
            self.pid, self._status = self._zygote.spawn(command, os.path.abspath(os.fspath(cwd or os.curdir)),
                                                        environment, fds, new_session=bool(start_new_session))
        finally:
            self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)

    def _try_wait(self, wait_flags):
        """(pid, status) once the zygote's waiter has reported it; (0, 0) while it runs (with WNOHANG)."""
        if wait_flags & os.WNOHANG and not select.select([self._status], [], [], 0)[0]:
            return 0, 0
        try:
            reply, _ = receive(self._status)
        except (OSError, EOFError) as exc:
            raise ChildProcessError(f"the zygote lost process {self.pid} before its exit status") from exc
        self._status.close()
        return self.pid, reply["status"]

    def _internal_poll(self, _deadstate=None, **unused):
        if self.returncode is None and self._waitpid_lock.acquire(False):
            try:
                if self.returncode is None:
                    pid, status = self._try_wait(os.WNOHANG)
                    if pid == self.pid:
                        self._handle_exitstatus(status)
            except ChildProcessError:
                if _deadstate is None:
                    raise
                self.returncode = _deadstate
            finally:
                self._waitpid_lock.release()
        return self.returncode
