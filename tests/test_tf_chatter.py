"""TensorFlow's start-up chatter is dropped from stderr (keras_models/twins/tf_chatter.py), and nothing else is:
real errors, our messages and a traceback pass unchanged and in order, an unfinished line is not held back, and a
crash loses nothing. Every program that `make` (or the README) runs installs the filter before TensorFlow loads.

The filter runs in small Python programs that write what TensorFlow 2.21 wrote on this machine (the lines
below are copied from its stderr), so no test pays for importing TensorFlow.
"""

import os
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHATTER = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796412893.410396   13326 port.cc:153] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different computation orders. To turn "
    "them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.",
    "I0000 00:00:1796414046.398466   23785 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use "
    "available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 AVX512F AVX512_VNNI AVX512_BF16 FMA, in other operations, rebuild "
    "TensorFlow with the appropriate compiler flags.",
    "E0000 00:00:1796412960.169097   14009 node_def_util.cc:682] NodeDef mentions attribute use_unbounded_threadpool "
    "which is not in the op definition: Op<name=MapDataset; signature=input_dataset:variant, other_arguments: -> "
    "handle:variant; attr=f:func; attr=use_inter_op_parallelism:bool,default=true> This may be expected if your "
    "graph generating binary is newer  than this binary. Unknown attributes will be ignored. NodeDef: {{node "
    "ParallelMapDatasetV2/_15}}",
]
REAL = [
    "E0000 00:00:1796412960.170001   14009 op_kernel.cc:1857] OP_REQUIRES failed at matmul_op.cc:61 : "
    "INVALID_ARGUMENT: Matrix size-incompatible: In[0]: [32,30], In[1]: [31,16]",
    "W0000 00:00:1796412960.170002   14009 port.cc:153] a warning from the same file, about something else",
    "To enable the following instructions: AVX2, in other operations, rebuild TensorFlow with the appropriate "
    "compiler flags.",                                                     # not after its first line: not chatter
    "error: the disk is full: logs/x could not be written.",
]


def run(body: str, **kwargs) -> subprocess.Popen:
    """A Python program that installs the filter, then runs `body` (os, signal, sys and time imported).

    Ctrl-C raises KeyboardInterrupt in it, as in a program started from a terminal (pytest-xdist's workers
    ignore SIGINT, and a child inherits that).
    """
    program = "import os, signal, sys, time\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n" \
              "from keras_models.twins.tf_chatter import filter_tensorflow_chatter\nfilter_tensorflow_chatter()\n" \
              + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", program], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            **kwargs)


def finish(process: subprocess.Popen, timeout: float = 60) -> tuple[bytes, bytes]:
    """Its stdout and stderr once it ends; killed (and the test failed) if it has not ended in `timeout` s."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise


def test_the_startup_lines_are_dropped_and_everything_else_passes_in_order():
    lines = [CHATTER[0], CHATTER[1], REAL[0], CHATTER[0], CHATTER[1], CHATTER[2], CHATTER[3], REAL[1], REAL[2],
             CHATTER[4], REAL[3]]
    process = run(f"""
        for line in {lines!r}:
            os.write(2, line.encode() + b"\\n")          # as TensorFlow's C++ writes: straight to file descriptor 2
        print("training...", flush=True)
        raise ValueError("a bug of ours")
    """)
    out, err = finish(process)
    assert process.returncode == 1
    assert out == b"training...\n"
    assert err.decode().splitlines()[:len(REAL)] == REAL
    assert err.decode().splitlines()[len(REAL)] == "Traceback (most recent call last):"
    assert err.decode().splitlines()[-1] == "ValueError: a bug of ours"


def test_the_cpu_notices_second_line_is_dropped_only_right_after_its_first():
    """"To enable the following instructions ..." is chatter only as the line after cpu_feature_guard's first: after
    any other start-up line (absl's warning, oneDNN's notice) it is not, and passes."""
    lines = [CHATTER[0], REAL[2], CHATTER[1], REAL[2], CHATTER[2], CHATTER[3], REAL[3]]
    process = run(f"""
        for line in {lines!r}:
            os.write(2, line.encode() + b"\\n")
    """)
    _, err = finish(process)
    assert err.decode().splitlines() == [REAL[2], REAL[2], REAL[3]]


def test_a_line_that_starts_as_chatter_and_goes_on_is_not_chatter():
    """A line is dropped when CHATTER matches all of it: one that only starts like a start-up line says more."""
    lines = [CHATTER[0] + " -- and then this, which nobody has seen before", CHATTER[2] + " And then this too."]
    process = run(f"""
        for line in {lines!r}:
            os.write(2, line.encode() + b"\\n")
    """)
    _, err = finish(process)
    assert err.decode().splitlines() == lines


def test_a_crash_loses_nothing():
    process = run(f"""
        os.write(2, {CHATTER[0]!r}.encode() + b"\\n" + {REAL[0]!r}.encode() + b"\\nthe last wo")
        os.kill(os.getpid(), 9)
    """)
    _, err = finish(process)
    assert process.returncode == -9
    assert err.decode() == REAL[0] + "\nthe last wo"


def test_the_last_line_is_written_before_the_program_has_ended(tmp_path):
    """At exit the program waits for the filter to copy what is left, so a shell's next prompt comes after the
    program's last line. The filter is held (SIGSTOP) for 0.5 s here: a program that did not wait would have ended
    with its last line still in the pipe."""
    program = textwrap.dedent("""
        import os, signal, subprocess
        from keras_models.twins import tf_chatter
        tf_chatter.filter_tensorflow_chatter()
        os.write(2, b"the last line\\n")
        os.kill(tf_chatter._filter.pid, signal.SIGSTOP)
        subprocess.Popen(["sh", "-c", f"sleep 0.5; kill -CONT {tf_chatter._filter.pid}"], stderr=subprocess.DEVNULL)
    """)
    stderr = tmp_path / "stderr"
    with open(stderr, "wb") as into:
        code = subprocess.run([sys.executable, "-c", program], cwd=ROOT, stderr=into, timeout=60).returncode
    assert (code, stderr.read_bytes()) == (0, b"the last line\n")          # read the moment the program has ended


def test_at_exit_the_program_gives_fd_2_back_so_the_filter_sees_the_pipe_closed_and_ends_first():
    """The filter ends at the end of its pipe, which stays open while fd 2 holds it: at exit, fd 2 goes back to the
    real stderr first, so the filter has ended by the time the program does (else the program waits out the 2 s
    timeout, every run, and the filter outlives it). An exit handler registered before the filter runs after its own."""
    program = textwrap.dedent("""
        import atexit
        from keras_models.twins import tf_chatter
        atexit.register(lambda: print("the filter's status:", tf_chatter._filter.poll()))
        tf_chatter.filter_tensorflow_chatter()
    """)
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"the filter's status: 0\n", b"")


def test_an_unfinished_line_is_passed_on_while_the_program_waits():
    process = run("""
        os.write(2, b"Continue? [y/n] ")
        time.sleep(20)
    """)
    try:
        seen, deadline = b"", time.monotonic() + 10
        while not seen.endswith(b"[y/n] ") and select.select([process.stderr], [], [], deadline - time.monotonic())[0]:
            seen += os.read(process.stderr.fileno(), 100)
        assert seen == b"Continue? [y/n] "                          # within 10 s, while the program still waits
    finally:
        process.kill()
        finish(process)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_to_the_process_group_reaches_the_program_and_not_the_filter(stop):
    """A terminal sends SIGINT to the whole process group, and `timeout` SIGTERM: the program says what it kept,
    and that line arrives."""
    process = run("""
        signal.signal(signal.SIGTERM, signal.default_int_handler)     # as make grade stops on it: like Ctrl-C
        try:
            print("training", flush=True)
            time.sleep(60)
        except KeyboardInterrupt:
            print("Interrupted. Kept in logs/x", file=sys.stderr)
            sys.exit(130)
    """, start_new_session=True)                               # its own process group, as a terminal's job is
    try:
        assert process.stdout.readline() == b"training\n"
        os.killpg(process.pid, stop)
    finally:
        _, err = finish(process)
    assert (process.returncode, err) == (130, b"Interrupted. Kept in logs/x\n")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_as_the_filter_starts_up_neither_ends_it_nor_prints_from_it(stop):
    """The filter is a Python of its own, and a Ctrl-C or SIGTERM can reach it while that Python starts up, before
    its first lines ignore it: here sent to it the moment it exists. The program's lines still pass, and nothing
    else."""
    process = run(f"""
        from keras_models.twins import tf_chatter
        os.kill(tf_chatter._filter.pid, {int(stop)})
        print("training", flush=True)
        os.write(2, b"a line of ours\\n")
    """)
    out, err = finish(process)
    assert (process.returncode, out, err) == (0, b"training\n", b"a line of ours\n")


def test_a_program_with_threads_starts_the_filter_without_forking_itself():
    """The notebooks' kernel starts the filter after ipykernel's threads. A fork copies the locks other threads hold
    at that moment into the child, held there for ever, and a forked filter would run Python code in it; so the
    filter is a new program, started by subprocess (fork + exec in C, no Python in between). Python 3.12+ warns
    about a fork with threads running (a DeprecationWarning, shown here with -W always); on 3.11 only the stand-in
    for os.fork below can tell."""
    program = textwrap.dedent("""
        import os, threading
        threading.Thread(target=threading.Event().wait, daemon=True).start()       # as ipykernel's threads
        real_fork = os.fork

        def fork():
            print(f"os.fork() with {threading.active_count()} threads running", flush=True)
            return real_fork()

        os.fork = fork
        from keras_models.twins.tf_chatter import filter_tensorflow_chatter
        filter_tensorflow_chatter()
        os.write(2, b"a line of ours\\n")
    """)
    done = subprocess.run([sys.executable, "-W", "always::DeprecationWarning", "-c", program], cwd=ROOT,
                          capture_output=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"a line of ours\n")


def test_the_filter_holds_nothing_of_the_programs_stdout():
    """A program that closes its stdout has closed it: whoever reads it sees the end, while the program runs on."""
    process = run("""
        print("done", flush=True)
        os.close(1)
        time.sleep(20)
    """)
    try:
        seen, ended, deadline = b"", False, time.monotonic() + 10
        while not ended and select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))[0]:
            chunk = os.read(process.stdout.fileno(), 100)
            seen, ended = seen + chunk, chunk == b""
        assert (seen, ended, process.poll()) == (b"done\n", True, None)        # within 10 s, while it sleeps
    finally:
        process.kill()
        finish(process)


def test_a_program_started_with_its_stdout_closed_prints_nowhere_and_no_file_takes_its_place(tmp_path):
    """`make exercises >&-`: Python gives the program sys.stdout None, and filter_tensorflow_chatter's
    sys.stdout.flush() was an AttributeError traceback. prepare_output_streams, each program's first call,
    points stdout at /dev/null; descriptor 1 was free, and a file opened later took it: a child's print went there."""
    program = textwrap.dedent("""
        import subprocess, sys
        from keras_models.twins.closed_output import prepare_output_streams
        prepare_output_streams()
        from keras_models.twins.tf_chatter import filter_tensorflow_chatter
        filter_tensorflow_chatter()
        print("nowhere", flush=True)
        with open(sys.argv[1], "w") as log:
            subprocess.run([sys.executable, "-c", "print('a child')"], check=True)
            log.write("the log")
    """)
    log = tmp_path / "log.txt"
    done = subprocess.run(["sh", "-c", 'exec "$0" -c "$1" "$2" >&-', sys.executable, program, str(log)], cwd=ROOT,
                          capture_output=True, timeout=60)
    assert (done.returncode, done.stderr.decode(), log.exists() and log.read_text()) == (0, "", "the log")


def test_a_program_started_with_its_stderr_closed_runs_and_prints_its_output():
    """`make exercises 2>&-`: sys.stderr None, and filter_tensorflow_chatter's sys.stderr.flush() ended the program
    with a traceback nobody saw: nothing printed, exit status 1."""
    program = textwrap.dedent("""
        from keras_models.twins.closed_output import prepare_output_streams
        prepare_output_streams()
        from keras_models.twins.tf_chatter import filter_tensorflow_chatter
        filter_tensorflow_chatter()
        print("graded", flush=True)
    """)
    done = subprocess.run(["sh", "-c", 'exec "$0" -c "$1" 2>&-', sys.executable, program], cwd=ROOT,
                          capture_output=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, b"graded\n")


def test_own_process_group_takes_the_filter_out_of_the_programs_group():
    """As the notebooks' kernel asks: ipykernel's shutdown ends its process group and waits for each process in it."""
    program = textwrap.dedent("""
        import os
        from keras_models.twins import tf_chatter
        tf_chatter.filter_tensorflow_chatter(own_process_group=True)
        print(os.getpgid(tf_chatter._filter.pid) == tf_chatter._filter.pid, os.getpgid(0) == os.getpid())
    """)
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, timeout=60,
                          start_new_session=True)           # the program leads a group of its own, as a kernel does
    assert (done.returncode, done.stdout, done.stderr) == (0, b"True True\n", b"")


# Each program make runs, as `$(PY) -m <module>`; and a probe that runs them one after the other with the filter
# replaced by a stop, noting at that moment whether anything has loaded TensorFlow yet.
PROGRAMS = ["keras_models.train", "keras_models.train.board_server", "keras_models.course.lessons",
            "keras_models.course.real_data", "keras_models.course.exercises.grade",
            "keras_models.course.exercises.run", "keras_models.bench",
            "keras_models.course.instructor.grade_class",
            "keras_models.course.multi_worker"]      # no make target: the README runs it as a program
# ... and each course script, which the README (and its own header) runs alone: `make course` is not the only way
COURSE_SCRIPTS = sorted(f"keras_models.course.real_data.{path.stem}"
                        for path in (ROOT / "keras_models" / "course" / "real_data").glob("*.py")
                        if path.stem != "__main__" and 'if __name__ == "__main__":' in path.read_text(encoding="utf-8"))
PROBE = """
import runpy, sys
import keras_models.twins.tf_chatter as tf_chatter

class Called(Exception):
    pass

def stop():
    raise Called

tf_chatter.filter_tensorflow_chatter = stop
for module in sys.argv[1:]:
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        print(module, "never calls filter_tensorflow_chatter()")
    except Called:
        print(module, "loaded TensorFlow before the filter" if "tensorflow" in sys.modules else "filters first")
"""


# Programs make runs that never load TensorFlow themselves (make lab's kernel filters: keras_models/course/jupyter)
NO_TENSORFLOW = {"keras_models.course.instructor.release", "keras_models.course.jupyter",
                 "keras_models.course.jupyter.lab", "keras_models.course.jupyter.register",
                 "keras_models.train.run_lock"}


def test_every_program_make_or_the_readme_runs_filters_before_tensorflow_loads():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_by_make = set(re.findall(r"-m (keras_models[\w.]*)", makefile))
    unprobed = run_by_make - NO_TENSORFLOW - set(PROGRAMS)
    assert not unprobed, f"make runs {sorted(unprobed)}, which this test does not probe"
    assert len(COURSE_SCRIPTS) == 4, COURSE_SCRIPTS
    probed = [*PROGRAMS, *COURSE_SCRIPTS]
    done = subprocess.run([sys.executable, "-c", PROBE, *probed], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)        # (subprocess.run kills it on a timeout)
    assert done.stdout.splitlines() == [f"{module} filters first" for module in probed], done.stderr


def test_the_programs_said_to_load_no_tensorflow_load_none_on_import():
    """What lets the test above leave NO_TENSORFLOW's programs unprobed: imported, none of them brings in TensorFlow
    (whose start-up lines it would then need to filter first)."""
    loads = ("import importlib, sys\nfor module in sys.argv[1:]:\n    importlib.import_module(module)\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras'}))")
    imported = [*sorted(NO_TENSORFLOW), "keras_models.course.jupyter.build"]     # (what the package's -m runs)
    done = subprocess.run([sys.executable, "-c", loads, *imported], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr
