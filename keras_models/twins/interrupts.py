"""Ctrl-C while TensorFlow works: held until the batch in progress (or the block) has ended, then raised from our code.

Python raises KeyboardInterrupt wherever the main thread happens to be when SIGINT arrives. Inside Keras'
fit that can be the middle of TensorFlow turning a Python object into a tensor, and TensorFlow's C++ does
not always survive an exception there: once in about twenty test runs, Ctrl-C ended `make train` with a
segmentation fault (exit -11, in tensorflow::PySeqToTFE_TensorHandle) instead of the one line that says
what was kept.

So while Keras fits, SIGINT only sets a flag, and the callback `HeldInterrupt` raises KeyboardInterrupt
when the batch (or validation batch, or epoch) in progress ends: in Python, in this file, never inside
TensorFlow. From there it is the Ctrl-C it always was: run.main turns it into the clean stop that keeps
every finished epoch. With steps_per_execution=32 a "batch end" comes after each call of 32 batches,
a fraction of a second in make train; the wait is longest before the first one (Keras traces its step,
about a second). A second Ctrl-C raises at once, wherever the program is, for a step that never ends.

    held = HeldInterrupt()
    with held:                                          # SIGINT sets held.pending
        model.fit(..., callbacks=[..., held])           # ... and is raised at the next batch end

Used alone, without fit, the context holds a Ctrl-C until its block ends and raises it there: the scratch
side's TensorBoard writer (board.ScratchBoard) writes each epoch's summaries, TensorFlow calls all, that way.

    with HeldInterrupt():
        tf.summary.scalar(...)                          # a Ctrl-C here is raised on leaving the block

A block inside another holds nothing itself: the outer one holds the Ctrl-C and raises it when IT ends. So
sides.fit_scratch holds one Ctrl-C across an epoch's summaries (ScratchBoard's own block, inside), its
checkpoint and its progress line, and an epoch whose summaries were written is also saved and printed.

Once a run has ended, what records how (run.json's status, the stopped epoch's summaries dropped, the line saying
how it stopped, or a finished run's table) runs in `held_then_dropped()`: a Ctrl-C then waits for it and is
dropped, since the run it would stop has ended already, and a second one ends the block at once, dropped too.
"""

from __future__ import annotations

import contextlib
import signal
import threading

import keras


class HeldInterrupt(keras.callbacks.Callback):
    """A Keras callback, and the context in which SIGINT waits for it (see the module docstring)."""

    holding: HeldInterrupt | None = None         # the outermost block holding SIGINT now (main thread only)

    def __init__(self):
        super().__init__()
        self.pending = False                     # a Ctrl-C arrived and has not been raised yet
        self._previous = None                    # the SIGINT handler to put back on leaving
        self._outermost = False                  # this block holds SIGINT (not one inside another's)

    def __enter__(self) -> HeldInterrupt:
        self.pending = False
        # Signals reach the main thread only; and a process that ignores SIGINT (a shell's background
        # job) keeps ignoring it. In both cases there is nothing to hold. Inside another block, that
        # one holds: raising here, on leaving this inner block, would cut the outer one short.
        if threading.current_thread() is threading.main_thread() and HeldInterrupt.holding is None and \
                signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            self._previous = signal.signal(signal.SIGINT, self._hold)
            self._outermost, HeldInterrupt.holding = True, self
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if not self._outermost:
            return
        if self._previous is not None:           # None: a handler not set from Python, nothing to put back
            signal.signal(signal.SIGINT, self._previous)
        self._previous, self._outermost, HeldInterrupt.holding = None, False, None
        if exc_type is None:
            self.raise_if_pending()              # Ctrl-C after the last batch: raised here, fit has returned

    def _hold(self, signum, frame) -> None:
        """The SIGINT handler while Keras fits: remember it; a second one is raised at once."""
        self.pending = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def raise_if_pending(self) -> None:
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt

    def on_train_batch_end(self, batch, logs=None):
        self.raise_if_pending()

    def on_test_batch_end(self, batch, logs=None):
        self.raise_if_pending()

    def on_epoch_end(self, epoch, logs=None):
        self.raise_if_pending()


@contextlib.contextmanager
def held_then_dropped():
    """A block in which a Ctrl-C waits until the block ends and is then dropped (a second one ends the block at once,
    also dropped): for what records how a run that has ended already ended (see the module docstring)."""
    with contextlib.suppress(KeyboardInterrupt), HeldInterrupt():
        yield
