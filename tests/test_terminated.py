"""SIGTERM (timeout, kill, an editor's stop button) within sigterm_stops_like_ctrl_c: Terminated once, a second
SIGTERM ignored while the clean-up runs, and the handler that was there before put back after the block.

Each case runs in a Python of its own: a SIGTERM that went wrong here would end the test worker, not fail a test.
"""

import subprocess
import sys
import textwrap

from conftest import RAISES_IN_DEL

from keras_models.twins.repository import REPO

CLEAN_UP_AFTER_TWO_SIGTERMS = textwrap.dedent("""
    import os, signal, time
    from keras_models.twins.terminated import Terminated, sigterm_stops_like_ctrl_c

    def before(signum, frame):                 # the program's own handler, set before the block
        print("before's handler ran")

    signal.signal(signal.SIGTERM, before)
    try:
        with sigterm_stops_like_ctrl_c():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
                print("not stopped")
            except Terminated:
                os.kill(os.getpid(), signal.SIGTERM)   # a second one, as `timeout` and make both send theirs
                time.sleep(0.2)
                print("cleaned up")
    except Terminated:
        print("the second SIGTERM cut the clean-up short")
    print("after:", signal.getsignal(signal.SIGTERM) is before)
""")


def test_a_second_sigterm_during_the_clean_up_is_ignored_and_the_previous_handler_comes_back():
    done = subprocess.run([sys.executable, "-c", CLEAN_UP_AFTER_TWO_SIGTERMS], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "cleaned up\nafter: True\n", "")


FORKS_WITHIN_AND_OUTSIDE_THE_BLOCK = textwrap.dedent("""
    import os, signal, sys
    from keras_models.twins.terminated import sigterm_stops_like_ctrl_c

    def in_a_fork():                # what a process forked now does at SIGTERM, at Ctrl-C, with a dropped exception
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            said = ["default" if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL else "inherited",
                    "python's" if signal.getsignal(signal.SIGINT) is signal.default_int_handler else "the block's",
                    "python's" if sys.unraisablehook is sys.__unraisablehook__ else "the block's"]
            os.write(write, " ".join(said).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as said:
            told = said.read().decode()
        os.waitpid(pid, 0)
        return told

    signal.signal(signal.SIGTERM, lambda signum, frame: None)        # the program's own handler
    print(in_a_fork())
    with sigterm_stops_like_ctrl_c():
        print(in_a_fork())
    print(in_a_fork())
""")


def test_a_process_forked_within_the_block_ends_at_sigterm_as_any_python_program_does():
    """A learner's multiprocessing workers, forked while make exercise-run or make exercises runs their code, inherited
    the block's handler: a Pool stopping its workers with SIGTERM made each print a Terminated traceback. Forked within
    the block, a process gets SIGTERM's default action, and Python's own Ctrl-C and unraisable hook (the block's are
    the parent's); outside it, a fork keeps the program's own handler."""
    done = subprocess.run([sys.executable, "-c", FORKS_WITHIN_AND_OUTSIDE_THE_BLOCK], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "inherited python's python's\ndefault python's python's\ninherited python's python's\n", "")


# What the scripts below begin with (each runs in a Python of its own): conftest's RaisesInDel, and an error of the
# program's own raised in a __del__
IN_DEL = "import signal\n\n" + RAISES_IN_DEL + textwrap.dedent("""

    class FailsInDel:                   # an error of the program's own: Python's "Exception ignored", as ever
        def __del__(self):
            raise ValueError("the program's own")
""")

DROPPED_IN_A_DEL = IN_DEL + textwrap.dedent("""
    import signal, sys
    from keras_models.twins.terminated import sigterm_stops_like_ctrl_c, stopped_meanwhile

    for sig in (signal.SIGINT, signal.SIGTERM):
        for where in ("stopped_meanwhile", "the block's end"):
            try:
                with sigterm_stops_like_ctrl_c():
                    RaisesInDel(sig)
                    FailsInDel()
                    if where == "stopped_meanwhile":
                        stopped_meanwhile()
                    print("the body ended;", end=" ")
            except KeyboardInterrupt as stop:
                print(type(stop).__name__, "at", where)
    print("after:", signal.getsignal(signal.SIGINT) is signal.default_int_handler,
          sys.unraisablehook is sys.__unraisablehook__)
""")


def test_a_stop_that_python_dropped_in_a_del_method_is_raised_again_and_not_printed():
    """A handler's exception raised inside a __del__ method is printed as "Exception ignored" and dropped by Python:
    make grade's Terminated, raised in a multiprocessing Connection's __del__, was, and it graded on, deaf to every
    later SIGTERM. Within the block, a dropped stop is raised again by stopped_meanwhile(), or at the block's end,
    and not printed; the program's own errors dropped there are printed as before."""
    done = subprocess.run([sys.executable, "-c", DROPPED_IN_A_DEL], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    stops = [f"{stop} at stopped_meanwhile\nthe body ended; {stop} at the block's end"
             for stop in ("KeyboardInterrupt", "Terminated")]
    assert (done.returncode, done.stdout) == (0, "\n".join(stops) + "\nafter: True True\n"), done.stderr
    assert done.stderr.count("Exception ignored in") == done.stderr.count("ValueError: the program's own") == 4, \
        done.stderr
    assert "KeyboardInterrupt" not in done.stderr and "Terminated" not in done.stderr, done.stderr


AFTER_A_DROPPED_SIGTERM = IN_DEL + textwrap.dedent("""
    import os, signal, time
    from keras_models.twins.terminated import Terminated, sigterm_stops_like_ctrl_c, stopped_meanwhile

    for then in ("another SIGTERM", "stopped_meanwhile"):
        try:
            with sigterm_stops_like_ctrl_c():
                try:            # stop's Terminated, raised in a __del__ method: Python drops it there
                    RaisesInDel(signal.SIGTERM)
                    if then == "another SIGTERM":
                        os.kill(os.getpid(), signal.SIGTERM)     # the IDE's stop button, pressed again
                        time.sleep(2)
                    else:
                        stopped_meanwhile()
                    print("not stopped by", then)
                except Terminated:
                    os.kill(os.getpid(), signal.SIGTERM)   # during the clean-up, as `timeout` and make both send theirs
                    time.sleep(0.2)
                    print("stopped by", then + "; cleaned up")
        except Terminated:
            print("a second Terminated came out of the block")
""")


def test_after_a_dropped_sigterm_the_next_one_stops_the_program_and_one_during_the_clean_up_is_ignored():
    """stop sets SIGTERM ignored before it raises: when Python dropped that Terminated in a __del__, every later SIGTERM
    was ignored (make exercise-run ran the learner's endless loop on, deaf to the IDE's stop). Now the next SIGTERM
    stops the program and the dropped one is not raised again after it; raised by stopped_meanwhile() instead, it
    leaves SIGTERM ignored during the clean-up, as one raised by the handler does."""
    done = subprocess.run([sys.executable, "-c", AFTER_A_DROPPED_SIGTERM], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "stopped by another SIGTERM; cleaned up\nstopped by stopped_meanwhile; cleaned up\n", "")


AROUND_A_DROPPED_STOP = IN_DEL + textwrap.dedent("""
    import signal, sys
    from keras_models.twins.terminated import sigterm_stops_like_ctrl_c, stopped_meanwhile

    def case(name, body):
        try:
            with sigterm_stops_like_ctrl_c():
                body()
            print(name, "ran to its end")
        except KeyboardInterrupt as stop:
            print(name, type(stop).__name__)

    def caught_after_one_dropped():         # a learner's try/except around fit; the Ctrl-C before it was dropped
        RaisesInDel(signal.SIGINT)
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass

    def two_dropped():                      # make grade's loop: two Connections' __del__, a SIGTERM then a Ctrl-C
        RaisesInDel(signal.SIGTERM)
        RaisesInDel(signal.SIGINT)
        try:
            stopped_meanwhile()
        except KeyboardInterrupt as stop:   # said in the program's one line, which ends it
            print("two dropped: said", type(stop).__name__, end="; ")

    def a_block_inside():                   # dropped in the outer block, then an inner one ends by an error
        RaisesInDel(signal.SIGTERM)
        try:
            with sigterm_stops_like_ctrl_c():
                raise ValueError("the program's own, which it handles")
        except ValueError:
            pass

    case("a Ctrl-C caught after one dropped:", caught_after_one_dropped)
    case("two dropped:", two_dropped)
    case("a block inside:", a_block_inside)
    sys.unraisablehook = lambda unraisable: signal.raise_signal(signal.SIGTERM)   # the program's own hook
    case("a SIGTERM while the hook passed the program's error on:", FailsInDel)
""")


def test_a_dropped_stop_is_raised_once_whatever_the_program_does_around_it():
    """A stop the program caught itself is not followed by an older dropped one at the block's end; of two dropped,
    one is raised (SIGTERM's, which the program names) and the other forgotten, not raised after the program's line as
    a traceback; a block inside another keeps the outer one's; and a SIGTERM that comes while the hook passes the
    program's own error on to the program's hook, which Python would drop there too, is kept (SIGTERM not left
    ignored)."""
    done = subprocess.run([sys.executable, "-c", AROUND_A_DROPPED_STOP], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.splitlines() == ["a Ctrl-C caught after one dropped: ran to its end",
                                        "two dropped: said Terminated; two dropped: ran to its end",
                                        "a block inside: Terminated",
                                        "a SIGTERM while the hook passed the program's error on: Terminated"]
