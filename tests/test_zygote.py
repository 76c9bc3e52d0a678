"""The warm Python of the command-line tests (tests/zygote.py) behaves as a fresh one: each case runs the same
command both ways -- warm, and with subprocess (the reference) -- and compares what a test can observe:
exit status, output, argv, working directory, sys.path, stdio buffering, signals, and which copy of the
project's modules gets imported. Then what it refuses to run warm, with the reason.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

SHOW = textwrap.dedent("""
    import os, sys
    print(sys.argv[1:], os.path.basename(sys.argv[0]), os.getcwd(), sys.path[0], os.environ.get("WHO"),
          "PATH" in os.environ)
    print(sys.stdout.line_buffering, sys.stdout.write_through, sys.stderr.line_buffering, sys.stdin.readline().strip())
    print("to stderr", file=sys.stderr)
    sys.exit(int(sys.argv[1]))
""")


def both(python, argv, **kwargs):
    """(warm, fresh) CompletedProcess of the same command."""
    kwargs = {"capture_output": True, "text": True, "timeout": 60, **kwargs}
    return python.run(argv, **kwargs), subprocess.run(argv, **kwargs)


def same(warm, fresh):
    assert (warm.returncode, warm.stdout, warm.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("form", ["-c", "script", "-m"])
def test_argv_cwd_path_env_stdio_and_exit_status_are_a_fresh_pythons(form, unbuffered, tmp_path,
                                                                     python_without_tensorflow):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "show.py").write_text(SHOW)
    command = {"-c": ["-c", SHOW], "script": [str(tmp_path / "sub" / "show.py")], "-m": ["-m", "show"]}[form]
    env = {**os.environ, "WHO": "warm or fresh", "PYTHONUNBUFFERED": unbuffered}
    del env["PATH"]                                             # a variable the command does not get
    warm, fresh = both(python_without_tensorflow, [sys.executable, *command, "3", "and more"],
                       cwd=tmp_path if form == "script" else tmp_path / "sub", env=env, input="a line on stdin\n")
    same(warm, fresh)
    assert warm.returncode == 3 and "['3', 'and more']" in warm.stdout and "a line on stdin" in warm.stdout


def test_a_warm_command_puts_its_temporary_files_where_its_tmpdir_says(tmp_path, python_with_tensorflow):
    """Importing TensorFlow fixes tempfile.tempdir (to /tmp) in the zygote: a warm command given TMPDIR still wrote
    its temporary files (TensorBoard's .tensorboard-info, autograph's modules) into /tmp, where a fresh Python
    writes them into TMPDIR."""
    argv = [sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"]
    warm, fresh = both(python_with_tensorflow, argv, env={**os.environ, "TMPDIR": str(tmp_path)})
    same(warm, fresh)
    assert warm.stdout == f"{tmp_path}\n"


def test_an_uncaught_exception_prints_its_traceback_and_exits_1(python_without_tensorflow):
    warm, fresh = both(python_without_tensorflow, [sys.executable, "-c", "raise ValueError('boom')"])
    assert warm.returncode == fresh.returncode == 1
    # the traceback's header, the command's own frame last and the error; the warm one has the zygote's frames between
    # (Python 3.13 shows a fresh -c command's source line under its frame; the warm one compiled it from a string)
    for printed in (warm.stderr, fresh.stderr):
        lines = printed.splitlines()
        assert (lines[0], lines[-1]) == ("Traceback (most recent call last):", "ValueError: boom"), printed
        assert '  File "<string>", line 1, in <module>' in lines[-3:-1], printed


def test_the_commands_own_copy_of_the_project_is_imported(tmp_path, python_without_tensorflow):
    """As in a fresh start from that directory: what make mutants relies on to test a mutated copy."""
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "__init__.py").write_text("WHERE = __file__\n")
    warm, fresh = both(python_without_tensorflow, [sys.executable, "-c", "import scratch; print(scratch.WHERE)"],
                       cwd=tmp_path)
    same(warm, fresh)
    assert warm.stdout.strip() == str(tmp_path / "scratch" / "__init__.py")


WAIT = "import os, sys, time\n{handler}\nprint(os.getpid(), flush=True)\nwhile True:\n    time.sleep(0.05)\n"
ON_SIGINT = ("import signal\nsignal.signal(signal.SIGINT, lambda *a: (print('handled', flush=True), "
             "os._exit(130)))")


@pytest.mark.parametrize("sig, handler, expected", [
    (signal.SIGINT, "", -signal.SIGINT),                     # KeyboardInterrupt uncaught: Python dies of SIGINT
    (signal.SIGINT, ON_SIGINT, 130),
    (signal.SIGTERM, "", -signal.SIGTERM),
    (signal.SIGKILL, "", -signal.SIGKILL),
], ids=["sigint", "sigint-handled", "sigterm", "sigkill"])
def test_signals_reach_the_command_and_its_exit_status_says_so(sig, handler, expected, python_without_tensorflow,
                                                              sigint_raises):
    """sigint_raises: the fresh command is compared with a program started from a terminal, where Python's Ctrl-C
    handler is set. A worker of a `make test` started in the background inherits SIGINT ignored and hands that on
    through exec; the fresh command then never saw the SIGINT, and this test waited 30 s and failed -- unless
    another test on the same worker had set the handler already (make lab's main does)."""
    outcomes = []
    for popen in (python_without_tensorflow.Popen, subprocess.Popen):
        with popen([sys.executable, "-c", WAIT.format(handler=handler)], stdout=subprocess.PIPE,
                   stderr=subprocess.DEVNULL, text=True) as process:
            try:
                assert int(process.stdout.readline()) == process.pid     # the pid is the command's own
                process.send_signal(sig)
                out, _ = process.communicate(timeout=30)
            finally:
                process.kill()                                           # nothing left running if it failed
        outcomes.append((process.returncode, out))
    assert outcomes[0] == outcomes[1] and outcomes[0][0] == expected


def test_wait_times_out_while_the_command_runs(python_without_tensorflow):
    with python_without_tensorflow.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as process:
        try:
            with pytest.raises(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
            assert process.poll() is None
        finally:
            process.kill()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("new_session", [False, True], ids=["same-group", "start_new_session"])
def test_start_new_session_gives_the_command_its_own_group_before_popen_returns(new_session,
                                                                                python_without_tensorflow):
    """What jupyter_client relies on: right after Popen(start_new_session=True) returns, signalling the pid's
    process group (killpg) reaches the command alone, never the test run's group."""
    argv = [sys.executable, "-c", "import os, sys; sys.stdin.read(); print(os.getpgid(0) == os.getpid(), "
                                  "os.getsid(0) == os.getpid())"]
    outcomes = []
    for start in (python_without_tensorflow.Popen, subprocess.Popen):
        with start(argv, start_new_session=new_session, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                   text=True) as process:
            leads_a_group = os.getpgid(process.pid) == process.pid               # at once, before it reads stdin
            out, _ = process.communicate("", timeout=60)
        outcomes.append((leads_a_group, out, process.returncode))
    assert outcomes[0] == outcomes[1] == (new_session, f"{new_session} {new_session}\n", 0)


@pytest.mark.parametrize("argv, env, message", [
    (["python3", "-c", "pass"], {}, "a warm process runs"),
    ([sys.executable, "-X", "importtime", "-c", "pass"], {}, "interpreter option '-X'"),
    ([sys.executable, "-c", "pass"], {"TF_CPP_MIN_LOG_LEVEL": "0"}, "TF_CPP_MIN_LOG_LEVEL='0' for this command"),
    ([sys.executable, "-c", "pass"], {"OPENBLAS_NUM_THREADS": "2"}, "OPENBLAS_NUM_THREADS='2' for this command"),
], ids=["other-program", "interpreter-option", "import-time-variable", "blas-threads"])
def test_what_a_warm_python_cannot_do_is_refused_by_name(argv, env, message, python_without_tensorflow):
    with pytest.raises(ValueError, match=message):
        python_without_tensorflow.run(argv, env={**os.environ, **env})


@pytest.mark.parametrize("backend", ["tensorflow", None])
def test_keras_backend_tensorflow_and_unset_are_the_same_to_a_warm_python(backend, python_without_tensorflow):
    """The project's kernelspec starts its kernel with KERAS_BACKEND=tensorflow, as make does, and a pytest run
    outside make leaves it unset: each was refused by a zygote started the other way, as another backend would be.
    Unset, Keras takes the backend of KERAS_HOME's keras.json, tensorflow (conftest pins KERAS_HOME)."""
    env = {name: value for name, value in os.environ.items() if name != "KERAS_BACKEND"}
    done = python_without_tensorflow.run([sys.executable, "-c", "pass"],
                                         env={**env, **({"KERAS_BACKEND": backend} if backend else {})}, timeout=60)
    assert done.returncode == 0


LEAVE_A_COMMAND_RUNNING = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from zygote import Zygote
    python = Zygote(sys.argv[2], sys.argv[3], tuple(sys.argv[4:]))
    sleeper = python.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, "
                            "signal.SIG_IGN); time.sleep(300)"])
    print(sleeper.pid)
""")


def test_no_warm_command_outlives_the_test_process_that_started_it(python_without_tensorflow):
    zygote = python_without_tensorflow
    done = subprocess.run([sys.executable, "-c", LEAVE_A_COMMAND_RUNNING, os.path.dirname(__file__),
                           str(zygote.directory), zygote.name, *zygote.preload], capture_output=True, text=True,
                          timeout=60, check=True)
    pid = int(done.stdout)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)                                  # still there (or not yet reaped)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    pytest.fail(f"the warm command {pid} kept running after its test process ended")
