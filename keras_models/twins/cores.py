"""The CPU cores this process may run on: what `make grade` and `make mutants` (their JOBS) and `make bench` (its BLAS
threads) count.

In a container given some of a machine's cores, or under `taskset -c 0`, that is fewer than os.cpu_count(), which
counts the machine's: as many jobs or threads as the machine has would take turns on the few this process has.

    usable_cores()        # 1 under `taskset -c 0` on an 8-core machine; os.cpu_count() where affinity is unknown

A CPU quota (`docker run --cpus=1`, a cgroup's cpu.max) does not change the cores a process may run on, and is not
counted: there, JOBS= says how many.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """How many cores this process may run on (its scheduler affinity, Linux), else the machine's count; at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
