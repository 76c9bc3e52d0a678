"""A name from the time a run started, claimed: two runs started in the same second get two names.

make train's run folders (logs/2026-11-23_01-23-45) and make bench's reports (bench_2026-11-23_01-23-45.md) are
named by the second they started in; a second one started in that second takes <stamp>_2, then _3 ... Creating
decides, not a look first: two processes that both looked would both see the name free.

    STAMP_FORMAT                the second a run started, as strftime writes it and strptime reads it back:
                                2026-11-23_01-23-45, local time
    first_free(stamp, create)   stamp, or stamp_2, stamp_3 ...: the first name create(name) makes without a
                                FileExistsError
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

STAMP_FORMAT = "%Y-%m-%d_%H-%M-%S"     # 2026-11-23_01-23-45


def first_free(stamp: str, create: Callable[[str], object]) -> str:
    """The first of stamp, stamp_2, stamp_3 ... for which create(name) does not raise FileExistsError."""
    for n in itertools.count(1):
        name = stamp if n == 1 else f"{stamp}_{n}"
        try:
            create(name)
        except FileExistsError:
            continue
        return name
