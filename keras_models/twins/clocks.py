"""A time stamp after now: the clock was wrong when it was written, or is now.

make train RESUME=1 compares a run's "started" (run.json) with this machine's clock, and the graders a learner's
file's modification time (which of a .py and its notebook was saved last). Two clocks rarely agree to the second
(a network folder's server, a laptop before it synchronised), so only a stamp more than FUTURE_GRACE ahead of now
counts as dated in the future.

    FUTURE_GRACE          seconds a stamp may lie after now and still count as now
    after_now(stamp)      whether `stamp` (seconds since 1970) lies more than FUTURE_GRACE after now
"""

from __future__ import annotations

import time

FUTURE_GRACE = 60.0


def after_now(stamp: float) -> bool:
    """Whether `stamp` (seconds since 1970) lies more than FUTURE_GRACE seconds after this machine's clock."""
    return stamp > time.time() + FUTURE_GRACE
