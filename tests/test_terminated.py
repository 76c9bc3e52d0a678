"""SIGTERM (timeout, kill, an editor's stop button) within sigterm_stops_like_ctrl_c: Terminated once, a second
SIGTERM ignored while the clean-up runs, and the handler that was there before put back after the block.

Each case runs in a Python of its own: a SIGTERM that went wrong here would end the test worker, not fail a test.
"""

import subprocess
import sys
import textwrap

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
    import os, signal
    from keras_models.twins.terminated import sigterm_stops_like_ctrl_c

    def in_a_fork():                            # what a process forked now does at SIGTERM
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(write, b"default" if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL else b"inherited")
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
    the block, a process gets SIGTERM's default action; outside it, a fork keeps the program's own handler."""
    done = subprocess.run([sys.executable, "-c", FORKS_WITHIN_AND_OUTSIDE_THE_BLOCK], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "inherited\ndefault\ninherited\n", "")
