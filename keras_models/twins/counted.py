"""A number of things, in words: "1 core", "2 cores", "1 epoch" -- the count every program prints.

    counted(1, "learner")      # "1 learner"
    counted(28, "learner")     # "28 learners"

Used by make grade (learners, exercises, cores), make bench (cores, threads) and make train (epochs).
"""

from __future__ import annotations


def counted(n: int, thing: str) -> str:
    """`n` and `thing`, with an s for any count but 1 (every noun counted here takes one)."""
    return f"{n} {thing}{'' if n == 1 else 's'}"
