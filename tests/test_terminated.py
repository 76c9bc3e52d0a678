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
