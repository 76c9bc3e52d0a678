"""What `make train` prints while it trains: a progress line per side, after every epoch.

On a terminal each side's line is rewritten in place after every epoch; in a pipe or a log file
(no terminal) a line is printed for the first epoch, about every fifth of the run, and the last. So is it
on a terminal narrower than the line (an 80-column one, for most tasks): a line that wraps cannot be rewritten,
as "\r" goes back only to the start of its last row, and every epoch left the rows above behind.

The summary table and the TensorBoard links printed once the run ends are summary.py's.
"""

from __future__ import annotations

import math
import shutil
import sys
import time


class EpochPrinter:
    """Callback for either side: scratch calls on_epoch_end directly, Keras through a LambdaCallback."""

    def __init__(self, side: str, epochs: int, quiet: bool = False, stream=None, last: int | None = None):
        """last: the last epoch (1-based) this fit trains, when it stops before `epochs` -- the scratch side training
        the epochs a diverged Keras side finished. Its line is printed, as the run's last epoch's is."""
        self.side, self.epochs, self.quiet = side, epochs, quiet
        self.last = epochs if last is None else last
        self.stream = sys.stdout if stream is None else stream
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = max(1, math.ceil(epochs / 5))
        self.width = 0
        self.start = time.perf_counter()
        self.unshown = ""           # the last epoch's line, when it fell between the fifths (see `stopped`)
        self.open = False           # a terminal's line left open, for the next epoch to rewrite

    def on_epoch_end(self, epoch, logs=None):
        if self.quiet:
            return
        done = epoch + 1
        logs = logs or {}
        # the same order on both sides (Keras sorts its keys): loss, metric, val_loss, val_metric
        names = sorted(logs, key=lambda k: (k.startswith("val_"), k.removeprefix("val_") != "loss"))
        shown = "  ".join(f"{name} {float(logs[name]):.4f}" for name in names)
        line = f"  {self.side:<8} epoch {done:>3}/{self.epochs}  {shown}  {time.perf_counter() - self.start:5.1f}s"
        if self.live and len(line) >= shutil.get_terminal_size().columns:      # it would wrap: as in a pipe
            self.live = False
            if self.width:
                print(file=self.stream)                                     # end the line rewritten so far
        self.unshown, self.open = "", False
        if self.live:
            self.width = max(self.width, len(line))                 # pad: a shorter line must cover a longer one
            self.open = done not in (self.epochs, self.last)
            print("\r" + line.ljust(self.width), end="" if self.open else "\n", file=self.stream, flush=True)
        elif done == 1 or done % self.every == 0 or done in (self.epochs, self.last):
            print(line, file=self.stream, flush=True)
        else:
            self.unshown = line

    def stopped(self):
        """The side stopped before its last epoch (it diverged): show the last epoch it finished, as its last epoch's
        line is shown -- printed, if it fell between the fifths, or ended, if a terminal's line was left open for
        the next epoch (the scratch side's line, which follows, wrote over it)."""
        if self.unshown:
            print(self.unshown, file=self.stream, flush=True)
        elif self.open:
            print(file=self.stream, flush=True)
        self.unshown, self.open = "", False
