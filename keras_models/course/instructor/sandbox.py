"""One submission graded in a process of its own: on a copy, with limits, with a verdict its output cannot forge.

For each (learner, exercise) `make grade` forks a child process (start method "fork"). With more than
one submission to grade, the parent has first imported TensorFlow, Keras and the graders -- but never
ran a TensorFlow op -- so each child starts with a clean runtime and skips the ~5 s import; one
submission alone (GitHub Classroom's `--learner`) imports them in its child. The op never run is a
condition, not a saving: TensorFlow's runtime, once started, does not survive a fork (a child forked from a
process that had trained models died of SIGSEGV in keras.backend.clear_session, one forked after a single op
hung in fit), so nothing may run one in the parent before grading. The child:

    grades a copy: the parent read every submission before any learner code ran (grade_class.py), and
        writes the child's copy into a temporary folder that is the child's working directory and
        TMPDIR; every such folder is deleted when the child ends, and all of them when grading ends,
        Ctrl-C, SIGTERM (twins/terminated.py turns it into a KeyboardInterrupt) and errors included
    has a CPU-time limit (RLIMIT_CPU: the kernel stops it with SIGXCPU, or, if that came late or was ignored,
        with SIGKILL a second later; a SIGKILL once its CPU time was used up is the time limit too), and the
        parent kills it after a wall-time limit, 3 x that + 5 s or WALL_LIMIT (a submission that sleeps uses no CPU)
    says where it was stopped: at SIGXCPU -- the CPU limit's, or the one the parent sends at the wall limit --
        faulthandler writes every Python thread's stack into STACK_FILE (in C, from the signal handler, so a loop
        inside NumPy's C code is caught in the middle too), then a Python handler, once the main thread is back in
        Python, adds the learner's innermost frame (faulthandler writes the innermost 100 frames only) and the child
        dies of SIGXCPU; the parent names the innermost line of the learner's file on the main thread's
        stack, and its function. SIGPROF does the same, from a CPU-time timer (ITIMER_PROF) that ends with the CPU
        limit and from the parent at the wall limit: a submission that replaced SIGXCPU's handler is still told
        its line
    cannot write a file larger than OUTPUT_LIMIT (RLIMIT_FSIZE: the kernel stops it with SIGXFSZ); the
        limit is per file, so many files can still add up
    cannot take more than MEMORY_LIMIT of memory beyond what it holds when it starts (RLIMIT_DATA: an
        allocation beyond it fails with a MemoryError); not RLIMIT_AS, which counts the large address
        space TensorFlow reserves and would stop the graders themselves
    prints into a file nobody reads: its stdout and stderr are redirected, so a submission that
        prints junk -- or a fake "PASS" line -- changes nothing
    sends its verdict to the parent over a pipe of its own, as JSON (never a pickle, which could run
        code in the parent), and that is the only thing the parent believes: no verdict (a crash,
        os._exit, a limit) is a 0 with the reason
    never collects its parent's garbage: the parent freezes its objects (gc.freeze) for the fork, so the
        child's garbage collector leaves them alone. Collected in a fork, the TensorFlow objects a parent
        that had trained Keras models let go of crash it (a segmentation fault, which gave solved
        submissions a 0 in a test process that had trained models)
    runs in a session and process group of its own (os.setsid, first thing): once its verdict is in,
        or a limit has passed, the parent kills the whole group at once (a thread that never ends, a
        background process, cannot keep grading waiting), and nothing waits on it without a bound
    outlives nothing it started: the parent is a child subreaper (Linux prctl), so a process that left
        the group (setsid, a double fork) becomes the parent's child when its own parent dies; after
        each child, and once more before the grades are written, every child of the parent that is
        not a running sandbox and was not there before grading is killed, until none is left

What this does not stop: the submission runs as the instructor's user. It can read the instructor's
files (the solutions included), patch the grader inside its own process, signal or trace the parent,
and change files on disk (grade_class.py notices changes to the project's .py files and data sets, meddling.py, and
refuses to write grades). It stops accidents, endless loops, runaway output and processes, and output
that looks like a verdict; for an untrusted class, grade in a container or a throwaway VM, or from a
learner copy (`make release`, which has no solutions), and read the code of a suspicious full mark.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import stat
import tempfile
import threading
import time
import types
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from keras_models.course.child_processes import adopting, kill_strays, proc_stat
from keras_models.course.exercises.graders import exit_called, in_file, message_of, printable
from keras_models.course.exercises.notebook_source import cell_line, code_pieces, decoded
from keras_models.twins.repository import REPO
from keras_models.twins.terminated import stopped_meanwhile

GRADING_FOLDER = "<the grading folder>"   # a reason's stand-in for the submission's temporary folder
MAX_REASON = 300               # characters of a reason kept for the table and the CSV
# Largest file a submission may write. The graders' own files stay far below it: grading the seven
# solutions, only ex07 writes any (TensorBoard logs, 4 files, the largest 8 KB); no grader saves a
# model. A learner's own model file or plot is well under 1 MB. A submission that writes in a loop
# stops here instead of filling the disk.
OUTPUT_LIMIT = 64 * 2**20
# The memory a submission may write to (RLIMIT_DATA: the heap and every private writable mapping, NumPy's and
# TensorFlow's arrays among them). Grading a solution takes well under 1 GiB, TensorFlow's own included; an
# array of 6 GiB then fails at once, as a MemoryError the reason names, instead of pushing the machine into its
# out-of-memory killer, which may pick the grader or another learner's process. It is counted on top of what the
# child holds when it starts, a copy of its parent's: a parent that has run more than TensorFlow's import (a test
# process that trained models) may already hold more than the limit, and an absolute limit would fail at once.
MEMORY_LIMIT = 4 * 2**30
STACK_FILE = ".stack_when_stopped"    # in the child's folder: where faulthandler writes its stack at SIGXCPU
# The signals at which the child writes its stack, then dies of SIGXCPU: the CPU limit's, and SIGPROF, which a timer on
# the same CPU clock sends at the same limit (a submission that ignores or handles SIGXCPU took faulthandler's handler
# away with it: only the hard limit's SIGKILL then stopped it, and no line was named). The parent sends both at the
# wall limit.
STACK_SIGNALS = (signal.SIGXCPU, signal.SIGPROF)
STACK_WAIT = 1                 # seconds the parent waits for the stack of a child it signalled at the wall limit
KILL_WAIT = 5                  # seconds to wait for a child sent SIGKILL (at once, unless stuck in the kernel)
STOPS = (signal.SIGINT, signal.SIGTERM)    # what stops grading (grade_class.py): held across each fork


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str                # one line: the grader's summary, or why it is a 0
    cpu_at_wall_limit: float | None = None   # CPU seconds a child stopped at its wall limit had used, as its reason
                                             # says them; None for any other verdict, or where /proc is not there
    out_of_time: bool = False  # stopped at its CPU-time limit, as its reason says (grade_class.time_limit_warning)


@dataclass(frozen=True)
class Submission:
    key: object
    exercise_name: str
    file_name: str             # the learner's file name, e.g. ex02_backprop.ipynb (the grader's messages use it)
    source: bytes              # read before any learner code ran


@dataclass
class _Running:
    key: object
    process: multiprocessing.process.BaseProcess
    conn: Connection
    workdir: Path
    started: float
    conn_open: bool = True
    sentinel_open: bool = True   # False once it closed while the child ran: the kernel alone then says it ended
    learners_file: str = ""      # the copy graded, as the child's code objects name it (where_stopped looks for it)
    handed_in: bytes = b""       # what that copy held before the child ran (the child may change or replace it)


# What escaped writes as its escape: the control characters (Cc); the invisible format characters (Cf), among them
# the bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) that reorder the rest of a line in a terminal
# that follows the Unicode bidi algorithm, and the zero-width space that makes two names look alike; and the line and
# paragraph separators (Zl, Zp). Not the joiners (U+200C, U+200D): Persian, Hindi and emoji are spelled with them.
ESCAPED_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")
JOINERS = "\u200c\u200d"


def escaped(text: str) -> str:
    """`text` as one printable line: a lone surrogate (graders.printable), a control character -- a line break, or
    the escape that starts a terminal's command to move the cursor or erase a line -- and an invisible format
    character (ESCAPED_CATEGORIES) written as its escape ("\\n", "\\x1b", "\\u202e"). A reason is printed in the
    instructor's terminal, and it quotes what a learner wrote (an exception's message, a file's name), which could
    otherwise split the table, rewrite its other rows or show a row's characters in another order."""
    return "".join(c.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(c) in ESCAPED_CATEGORIES and c not in JOINERS else c
                   for c in printable(text))


def one_line(text: str) -> str:
    """The first non-empty line of `text`, escaped (its control characters written as escapes), shortened to
    MAX_REASON characters."""
    line = escaped(next((line.strip() for line in printable(text).splitlines() if line.strip()), ""))
    return line if len(line) <= MAX_REASON else line[:MAX_REASON - 3] + "..."


def _child(conn: Connection, exercise_name: str, submission: str, workdir: str, cpu_seconds: int,
           others: list[int], held: _HeldAcrossTheFork) -> None:
    """In the forked process: a session of its own, the limits, silence, grade, send the verdict."""
    os.setsid()                                 # first: everything it starts is in its process group
    held.put_back()                             # the parent's handlers; a signal held meanwhile was the parent's
    for fd in others:                           # the other children's verdict pipes: not this one's to read
        with contextlib.suppress(OSError):
            os.close(fd)
    _stack_written_at_sigxcpu(os.path.join(workdir, STACK_FILE), submission)        # before the CPU limit that sends it
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)  # SIGPROF with the soft limit's SIGXCPU (STACK_SIGNALS)
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    data = _data_in_use() + MEMORY_LIMIT
    resource.setrlimit(resource.RLIMIT_DATA, (data, data))
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)       # Python ignores it (a write fails instead): stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)       # the parent's handler (twins/terminated.py) is not the child's
    os.chdir(workdir)
    # make exercises runs the file in the project's folder, where open("data/housing.csv") finds a data set: so does
    # the submission here, in a data/ of its own with a link to each entry of the project's (deleting the folder
    # removes the links, not the data; a data set changed through its link is named by meddling.py, and no grades are
    # written). Not one link to the project's data/: a new file, df.to_csv("data/predictions.csv"), landed there, so
    # make grade refused the whole class's grades, and another learner's code running meanwhile could read it. A
    # project without data/ leaves it empty (a read names the file missing): iterdir's error, here, before the output
    # is redirected, was a traceback in the instructor's terminal and a 0 for every learner
    os.mkdir("data")
    project_data = REPO / "data"
    for entry in project_data.iterdir() if project_data.is_dir() else ():
        os.symlink(entry, Path("data", entry.name), target_is_directory=entry.is_dir())
    os.environ["TMPDIR"] = tempfile.tempdir = workdir   # temporary files go where they are deleted
    output = os.open("output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(output, 1)
    os.dup2(output, 2)
    from keras_models.course.exercises.graders import find, grade_file

    # the grader's own folder (ex07's log_dir is in it), of a fixed name, made before the submission runs: one drawn at
    # random, and relative, showed in a reason that named it as a new name each grading, which GRADING_FOLDER missed
    os.mkdir("grader")
    try:
        result = grade_file(find(exercise_name), Path(submission), Path(workdir, "grader"))
        verdict = Verdict(result.passed, one_line(without_workdir(result.message, workdir)))   # before it is cut
    except SystemExit as exit_:
        called = f"the code called {exit_called(exit_, submission)}"
        verdict = Verdict(False, one_line(without_workdir(called, workdir)))
    except BaseException as error:              # noqa: BLE001 -- anything the submission raised is its 0
        detail = one_line(without_workdir(message_of(error), workdir))
        verdict = Verdict(False, one_line(f"the code raised {type(error).__name__}" + (f": {detail}" if detail
                                                                                       else "")))
    conn.send_bytes(json.dumps({"passed": verdict.passed, "reason": verdict.reason}).encode("utf-8"))
    conn.close()


def _stack_written_at_sigxcpu(path: str, learners_file: str) -> None:
    """At SIGXCPU or SIGPROF (STACK_SIGNALS), write the stack of every Python thread into `path`, then the learner's
    innermost frame, then die of SIGXCPU. The first line names the main thread, as faulthandler writes a thread's id:
    the parent takes that thread's stack. faulthandler's handler is C, so it runs at once, even while the main thread
    is inside one long call of NumPy's C code (the line that called it is on the stack); a Python handler would run
    only after. Both signals may come (at the CPU limit, the kernel sends both): each writes the stack again, after
    the first, which where_stopped reads.

    faulthandler writes the innermost 100 frames of a thread and no more ("  ..."): a loop that runs deeper than that
    below the learner's line (copy.deepcopy of a list nested 300 deep) left the line out. So faulthandler chains to
    a Python handler, which runs once the main thread is back in Python (at once in a Python loop; after the C call,
    or never, inside one: the hard limit's SIGKILL, a second later, then ends it) and adds the learner's innermost
    frame, found on the whole stack, in faulthandler's words; where_stopped takes the first of the learner's frames
    the file holds, so faulthandler's own stays first when it had one."""
    stack = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    main = threading.main_thread().ident
    os.write(stack, f"main thread 0x{main:x}\n".encode("ascii"))
    is_ours = in_file(learners_file)

    def learners_frame_then_the_end(signum, frame) -> None:
        try:
            while frame is not None and not is_ours(frame.f_code.co_filename):
                frame = frame.f_back
            if frame is not None:
                os.write(stack, (f"Current thread 0x{main:x} (most recent call first):\n  File "
                                 f'"{_as_faulthandler_writes(frame.f_code.co_filename)}", line {frame.f_lineno} in '
                                 f"{_as_faulthandler_writes(frame.f_code.co_name)}\n").encode("ascii"))
        finally:                                        # the end, as before, whatever happened above
            signal.signal(signal.SIGXCPU, signal.SIG_DFL)
            signal.raise_signal(signal.SIGXCPU)

    for stop in STACK_SIGNALS:
        signal.signal(stop, learners_frame_then_the_end)             # what faulthandler chains to
        faulthandler.register(stop, file=stack, all_threads=True, chain=True)


def where_stopped(stack: str, learners_file: str, handed_in: bytes) -> str:
    """' -- it was running line 48 of ex06_capstone_housing.py, in engineer_features': the innermost frame of the
    learner's file (or of its notebook's cells) on the main thread's stack as faulthandler wrote it, or "" when that
    stack holds none (the grader's own code was running) or there is no stack. The learner's own code may have
    written into the file: only a frame in the learner's file, as faulthandler writes it, is named. `handed_in`: the
    file's bytes before it ran, where its function's full name is found."""
    lines = stack.splitlines()
    if not lines or not (main := re.fullmatch(r"main thread 0x([0-9a-f]+)", lines[0])):
        return ""
    in_main, innermost = False, None
    ours = _as_faulthandler_writes(learners_file)
    is_ours = in_file(ours)                         # the learner's file, or one of its notebook's cells
    for line in lines[1:]:
        if thread := re.fullmatch(r"(?:Current thread|Thread) 0x([0-9a-f]+)(?: .*)? \(most recent call first\):", line):
            in_main = int(thread[1], 16) == int(main[1], 16)
        elif in_main and innermost is None and (frame := re.fullmatch(r'  File "(.*)", line (\d+) in (\S+)', line)):
            file, number, function = frame.groups()
            if is_ours(file):
                file = file.replace(ours, learners_file, 1)
                where = "at the top level of the file" if function == "<module>" else \
                    f"in {_qualified(function, file, int(number), handed_in)}"
                innermost = f"{cell_line(file, int(number))}, {where}"
    return "" if innermost is None else f" -- it was running {innermost}"        # escaped with the reason (one_line)


def _qualified(function: str, filename: str, number: int, handed_in: bytes) -> str:
    """The name an error gives `function` (where_raised: its __qualname__, "Perceptron1D.run"), whose code is at line
    `number` of the learner's `filename` (a .py, or "<notebook> cell 3"): faulthandler writes its __name__ alone
    ("run"; a name beyond ASCII escaped, "gr\\xf6\\xdfe"). Found by compiling that code again from the bytes
    `handed_in`, which runs none of it -- never from the copy, which the child may have replaced (by a named pipe,
    whose reading never ends); `function` itself when it cannot be."""
    path, _, cell = filename.rpartition(" cell ")
    try:
        source = Path(path if path.endswith(".ipynb") and cell.isdigit() else filename)
        pieces = code_pieces(source, decoded(handed_in, source))
        codes = [compile(next(source for source, name in pieces if name == filename), filename, "exec",
                         dont_inherit=True)]
    except Exception:                           # noqa: BLE001 -- whatever a changed or damaged file raises
        return function
    while codes:
        code = codes.pop()
        if _as_faulthandler_writes(code.co_name) == function and any(line == number for *_, line in code.co_lines()):
            return code.co_qualname
        codes.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    return function


def _as_faulthandler_writes(text: str) -> str:
    """`text` as faulthandler writes a file or function name: printable ASCII as it is, any other character as an
    escape."""
    return "".join(c if " " <= c <= "~" else f"\\x{ord(c):02x}" if ord(c) <= 0xFF
                   else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in text)


def without_workdir(reason: str, workdir: str) -> str:
    """`reason` with the submission's temporary folder written as GRADING_FOLDER: its name is drawn at random, so a
    reason that showed it (a learner's FileNotFoundError for a file beside their exercise) differed between two
    gradings of one class, and put a path of the grading machine into the learners' feedback."""
    for path in sorted({workdir, os.path.realpath(workdir)}, key=len, reverse=True):      # the longer first
        reason = reason.replace(path, GRADING_FOLDER)
    return reason


def _data_in_use() -> int:
    """Bytes this process holds as RLIMIT_DATA counts them (VmData in /proc/self/status); 0 where that is not
    there (not Linux), which makes MEMORY_LIMIT absolute."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024                 # "VmData:   432720 kB"
    except (OSError, ValueError, IndexError):
        pass
    return 0


def grade_in_sandboxes(tasks: list[Submission], time_limit: int, jobs: int, wall_seconds: float | None = None,
                       on_verdict: Callable[[object, Verdict], None] | None = None) -> dict[object, Verdict]:
    """Grade each submission in its own child, `jobs` at a time; {key: Verdict}.

    time_limit: seconds of CPU per submission; wall_seconds: of wall clock (None: wall_limit(time_limit));
    on_verdict(key, verdict) is called as each verdict is in (grade_class.py's progress lines, and the verdicts it
    keeps for a run that is stopped: progress.py).
    Whatever happens (Ctrl-C included), no child, nothing a child started and no temporary folder is left.
    """
    wall_seconds = wall_limit(time_limit, wall_seconds)
    context = multiprocessing.get_context("fork")
    verdicts: dict[object, Verdict] = {}
    pending = list(reversed(tasks))
    running: list[_Running] = []
    with adopting() as ours_before:             # e.g. make grade's filter of TensorFlow's chatter: left alone
        root = Path(tempfile.mkdtemp(prefix="grade_"))
        try:
            while pending or running:
                stopped_meanwhile()             # a Ctrl-C or SIGTERM Python dropped (a Connection's __del__ ran it)
                while pending and len(running) < jobs:
                    running.append(_start(context, pending.pop(), root, time_limit, [r.conn.fileno() for r in running
                                                                                      if r.conn_open]))
                ready = wait([r.conn for r in running if r.conn_open] + [r.process.sentinel for r in running
                                                                          if r.sentinel_open],
                             timeout=0.1)
                for r in list(running):
                    verdict = _poll(r, ready, time_limit, wall_seconds)
                    if verdict is not None:
                        verdicts[r.key] = verdict
                        running.remove(r)
                        kill_strays(ours_before | {r.process.pid for r in running})
                        if on_verdict is not None:
                            on_verdict(r.key, verdict)
        finally:
            for r in running:
                _end(r)
            kill_strays(ours_before)
            shutil.rmtree(root, ignore_errors=True)
    return verdicts


def wall_limit(time_limit: float, given: float | None = None) -> float:
    """Seconds of wall clock a submission gets: WALL_LIMIT when `given`, else 3 x its CPU time and 5 s more (a loaded
    machine, a short limit)."""
    return 3 * time_limit + 5 if given is None else given


class _HeldAcrossTheFork:
    """Within the block, Ctrl-C and SIGTERM only set a flag; on leaving it, one that arrived is raised there.

    Python runs its own code around a fork (logging's, which takes its lock before it and gives it back after it,
    in the parent) as callbacks whose exceptions it prints and drops. The KeyboardInterrupt (or grade_class.py's
    Terminated) of a signal that arrived during the fork was raised in one of them: make grade graded on as if
    nothing had been pressed -- every later SIGTERM ignored, as Terminated's handler ignores the next one -- and,
    raised in logging's, it left the lock taken for good, so that any other thread that logged hung. Blocking
    the signals (pthread_sigmask) does not do: it blocks them for this thread alone, and the kernel hands a
    signal sent to the process to any thread that does not block it (TensorFlow's), whose arrival Python then
    acts on in the main thread all the same. Only handlers that Python calls are held: the kernel's default
    action and SIG_IGN involve no Python code.
    """

    def __enter__(self) -> _HeldAcrossTheFork:
        self.arrived: list[int] = []
        self.previous = {}
        if threading.current_thread() is threading.main_thread():     # (Python runs handlers in it alone)
            self.previous = {stop: signal.signal(stop, self._hold) for stop in STOPS
                             if callable(signal.getsignal(stop))}
        return self

    def _hold(self, signum, frame) -> None:
        self.arrived.append(signum)

    def put_back(self) -> None:
        """The handlers from before the block (the child calls it too: a signal held in it is dropped)."""
        for stop, handler in self.previous.items():
            signal.signal(stop, handler)
        self.previous = {}

    def __exit__(self, *exc) -> None:
        self.put_back()
        for stop in dict.fromkeys(self.arrived):            # in the order they came, each once
            signal.raise_signal(stop)                       # to the handler put back: raised here


def _start(context, task: Submission, root: Path, time_limit: int, others: list[int]) -> _Running:
    workdir = Path(tempfile.mkdtemp(prefix=f"{task.exercise_name}_", dir=root))
    copy = workdir / task.file_name
    copy.write_bytes(task.source)
    receive, send = context.Pipe(duplex=False)
    with _HeldAcrossTheFork() as held:
        process = context.Process(target=_child, args=(send, task.exercise_name, str(copy), str(workdir),
                                                       time_limit, others, held))
        gc.freeze()                             # the child's collector must not touch the parent's objects
        try:
            process.start()
        finally:
            gc.unfreeze()
    # Process.start reaps the finished children multiprocessing knows of: this one only _end reaps, once _ended
    # has read its CPU time (a child that ended before the next start had lost it, and a SIGKILL at the hard CPU
    # limit then read as a plain SIGKILL)
    multiprocessing.process._children.discard(process)
    send.close()
    return _Running(task.key, process, receive, workdir, time.monotonic(), learners_file=str(copy),
                    handed_in=task.source)


def _poll(r: _Running, ready: list, time_limit: int, wall_seconds: float) -> Verdict | None:
    """The verdict of a child that has answered, ended or run out of time (the child is then gone); None while
    it still runs."""
    verdict = None
    if r.conn_open and r.conn.poll():           # not `in ready`: the verdict may have come since wait() returned,
        verdict = _received(r.conn)             # and the child may have ended too, as the next line asks
        r.conn_open = verdict is not None       # closed without a verdict: wait for the end, not for the pipe
    # The kernel says whether it ended, not the sentinel pipe: a process the child started may hold the pipe open
    # after the child ended; the child closes it a moment before it has ended, or at any time (os.closerange)
    ended, cpu_seconds = _ended(r) if verdict is None else (False, None)
    if verdict is None and not ended:
        r.sentinel_open = r.sentinel_open and r.process.sentinel not in ready     # (else wait() returns at once)
        if time.monotonic() - r.started <= wall_seconds:
            return None
        verdict = _past_wall_limit(r, wall_seconds)
        verdict = Verdict(False, one_line(verdict.reason + _stack_at_sigxcpu(r)), verdict.cpu_at_wall_limit)
    where = _where(r) if verdict is None else ""
    _end(r)
    if verdict is None:
        code = r.process.exitcode
        # past the soft limit, a child that has not yet died of SIGXCPU (it came late, or was ignored) gets the
        # hard limit's SIGKILL: its CPU time, not its signal, says it used up its time
        out_of_time = code == -signal.SIGXCPU or (code == -signal.SIGKILL and cpu_seconds is not None
                                                  and cpu_seconds >= time_limit)
        reason = (one_line(f"used more than {time_limit:g} s of CPU time (time limit){where}") if out_of_time
                  else f"wrote or printed more than {OUTPUT_LIMIT / 2**20:g} MiB into one file (output limit)"
                  if code == -signal.SIGXFSZ
                  else _stopped(code))
        verdict = Verdict(False, reason, out_of_time=out_of_time)
    return verdict


def _past_wall_limit(r: _Running, wall_seconds: float) -> Verdict:
    """The verdict of a child still running at its wall-clock limit, with the CPU seconds it had used by then (all
    its threads; left out where /proc is not there), in its reason and its cpu_at_wall_limit: near 0, it waited or
    slept; many seconds, yet under its CPU limit, it computed but got too little of a core (more JOBS than cores, a
    busy machine: 12.8 s of a 20 s limit was seen with 12 programs on 2 cores; grade_class.starved_warning)."""
    try:
        used = round(_cpu_seconds(r.process.pid), 1)
    except (OSError, AttributeError, ValueError, IndexError):
        used = None
    said = "" if used is None else f"; it had used {used:g} s of CPU"
    return Verdict(False, f"did not finish within {wall_seconds:g} s of wall-clock time (wall limit{said})", used)


def _stack_at_sigxcpu(r: _Running) -> str:
    """where_stopped of a child still running at its wall limit: sent STACK_SIGNALS, it writes its stack and dies
    (waited for STACK_WAIT seconds at most: one inside a long C call dies only after it, its stack written all the
    same; one whose code replaced the handlers of both signals, or stuck in the kernel, is named nowhere)."""
    with contextlib.suppress(OSError):
        for stop in STACK_SIGNALS:
            os.kill(r.process.pid, stop)
        deadline = time.monotonic() + STACK_WAIT
        while not _ended(r)[0] and time.monotonic() < deadline:        # (_ended does not reap it)
            time.sleep(0.005)
    return _where(r)


def _where(r: _Running) -> str:
    """where_stopped, from the stack the child wrote into its folder ("" when it wrote none, or left something else
    than a file there: its code may change its folder, and a named pipe, read as a file, blocked this process)."""
    try:
        stack = regular_file_bytes(r.workdir / STACK_FILE)
    except OSError:
        return ""
    if stack is None or not r.learners_file:
        return ""
    return where_stopped(stack.decode("ascii", errors="replace"), r.learners_file, r.handed_in)


def regular_file_bytes(path: Path) -> bytes | None:
    """The bytes of `path` if it is a regular file, else None; an OSError where it cannot be opened. Opened without
    following a symbolic link and without blocking: a learner's code may put anything there, and a named pipe, read
    as a file, blocked this process for good (the stack a child wrote; a learner's handed-in file: learner_files)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as file:
        return file.read() if stat.S_ISREG(os.fstat(file.fileno()).st_mode) else None


# What each signal that ends a process by its default action tells a teacher (the limits' own are _poll's)
ENDED_BY = {signal.SIGSEGV: "crashed with a segmentation fault", signal.SIGBUS: "crashed with a bus error",
            signal.SIGFPE: "crashed with an arithmetic error", signal.SIGILL: "crashed on an illegal instruction",
            signal.SIGABRT: "aborted, by os.abort() or a failed check in compiled code",
            signal.SIGKILL: "was killed by itself, another process or the out-of-memory killer"}


def _stopped(code: int) -> str:
    """The reason of a child that ended without a verdict, and not at a limit: its exit status, or the signal that
    ended it, by name ("exit status -11" said nothing a teacher could act on)."""
    if code >= 0:
        return f"stopped before the grader gave a verdict (exit status {code})"
    try:
        name = signal.Signals(-code).name
    except ValueError:                          # a real-time signal has no name of its own
        name = str(-code)
    return (f"stopped before the grader gave a verdict: {ENDED_BY.get(-code, 'was ended by a signal')} "
            f"(signal {name})")


def _ended(r: _Running) -> tuple[bool, float | None]:
    """Whether the child has ended, and then the CPU seconds it used (user and system, all its threads), read
    while it is a zombie, before anything reaps it: /proc/<pid>/stat, fields 14 and 15 in clock ticks. The CPU
    seconds are None where that is not there (not Linux). Only _end reaps the child: _start keeps it from
    multiprocessing's own reaping."""
    try:
        if os.waitid(os.P_PID, r.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            return False, None                  # still running
        return True, _cpu_seconds(r.process.pid)
    except (OSError, AttributeError, ValueError, IndexError):       # no waitid, no /proc
        return r.process.exitcode is not None, None


def _cpu_seconds(pid: int) -> float:
    """The CPU seconds process `pid` has used (user and system, all its threads): /proc/<pid>/stat, fields 14 and
    15, in clock ticks. An OSError where it is not there (not Linux, or the process is gone)."""
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _end(r: _Running) -> None:
    """Kill the child's whole process group, reap the child, delete its folder."""
    try:
        os.killpg(r.process.pid, signal.SIGKILL)
    except OSError:                             # killed before its setsid: no group of its own yet
        with contextlib.suppress(OSError):
            r.process.kill()
    deadline = time.monotonic() + KILL_WAIT     # not join(timeout), which waits on the sentinel pipe
    while r.process.exitcode is None and time.monotonic() < deadline:      # (reaps it; a stuck one is
        time.sleep(0.005)                                                   # killed again with the strays)
    r.conn.close()
    shutil.rmtree(r.workdir, ignore_errors=True)


def _received(conn: Connection) -> Verdict | None:
    """The verdict on the pipe, or None if the child closed it without one (or sent something else)."""
    try:
        message = json.loads(conn.recv_bytes(maxlength=64_000).decode("utf-8"))
        return Verdict(message["passed"] is True, one_line(str(message["reason"])))
    except (EOFError, OSError, ValueError, KeyError, TypeError):
        return None
