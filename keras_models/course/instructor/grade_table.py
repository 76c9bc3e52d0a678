"""The grade table `make grade` prints: a row per learner, a column per exercise, the points each is out of, then
why each 0; names shown escaped and padded by the columns a terminal gives them (accents, wide characters), and
GitHub Classroom's shared <assignment>- prefix printed once when the rows would be too wide, and a name still too
wide shown as its start, "..." and its end.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterable

from keras_models.course.exercises.graders import Exercise
from keras_models.course.instructor.gradebook import Book
from keras_models.course.instructor.learner_files import missing
from keras_models.course.instructor.sandbox import escaped

TABLE_COLUMNS = 80         # the terminal's width the table keeps to, when shortening the learners' names can


def print_table(exercises: list[Exercise], grades: Book) -> None:
    """The grades as a table, then why each 0. A learner's name is shown with its invisible characters escaped
    (sandbox.escaped: a bidi override in a folder's name reordered its row); grades.csv keeps the name itself.

    GitHub Classroom names each clone <assignment>-<username> (inside-the-network-exercises-octocat): when the table
    would pass TABLE_COLUMNS and every name starts with one prefix ending in "-", the prefix is printed once above
    the table ("learners: inside-the-network-exercises-<name>") and the rows name the rest (octocat)."""
    names = {learner: escaped(learner) for learner in grades}
    prefix = _shared_prefix(list(names.values()))
    if prefix and _table_width(exercises, names.values()) > TABLE_COLUMNS:
        print(f"learners: {prefix}<name>")
        names = {learner: name.removeprefix(prefix) for learner, name in names.items()}
    names = _shortened(names, TABLE_COLUMNS - _scores_width(exercises))
    width = max([len("learner"), len("out of"), *map(_columns_taken, names.values())])
    print(f"{_padded('learner', width)}  " + "  ".join(f"{e.name:>4}" for e in exercises) + "  total")
    for learner, mine in grades.items():
        scores = [mine[e.name].points for e in exercises]
        print(f"{_padded(names[learner], width)}  " + "  ".join(f"{s:>4}" for s in scores) + f"  {sum(scores):>5}")
    print(f"{_padded('out of', width)}  " + "  ".join(f"{e.points:>4}" for e in exercises)
          + f"  {sum(e.points for e in exercises):>5}")
    zeros = []
    for learner, mine in grades.items():
        if len(exercises) > 1 and all(mine[e.name].reason == missing(e) for e in exercises):
            # nothing handed in, nothing found in its place: one line, not one per exercise saying the same
            zeros.append((learner, "all ", f"missing: none of the {len(exercises)} exercise files is in the folder, "
                                           "nor any file named nearly like one"))
        else:
            zeros += [(learner, e.name, mine[e.name].reason) for e in exercises if mine[e.name].points == 0]
    if zeros:
        print("\nWhy the zeros:")
        for learner, name, reason in zeros:
            print(f"  {_padded(names[learner], width)}  {name}  {reason}")


def _shortened(names: dict[str, str], room: int) -> dict[str, str]:
    """`names` ({learner: name shown}) with each name wider than `room` columns shown as its start, "..." and its
    end (Moodle's "Maria Fernanda Gonzalez Rodriguez_1234567" as "Maria Fernanda...riguez_1234567": the participant
    id is at the end), so that the table keeps to TABLE_COLUMNS; `names` as they were when two would then read the
    same (a wrapped table is still one that tells its learners apart). The column is never narrower than
    "learner" and "out of", nor the name's two parts narrower than a column each."""
    room = max(room, len("learner"), len("out of"), len("x...y"))
    shown = {learner: name if _columns_taken(name) <= room else _start_and_end(name, room - len("..."))
             for learner, name in names.items()}
    return shown if len(set(shown.values())) == len(shown) else names


def _start_and_end(name: str, columns: int) -> str:
    """`name` shown in `columns` columns and "...": its first columns and its last, the start the wider half."""
    start = end = ""
    for c in name:                                              # a mark of width 0 stays with its letter
        if _columns_taken(start + c) > columns - columns // 2:
            break
        start += c
    for c in reversed(name):
        if _columns_taken(c + end) > columns // 2:
            break
        end = c + end
    while end and _cell_width(end[0]) == 0:                    # a mark whose letter was left out
        end = end[1:]
    return f"{start}...{end}"


def _shared_prefix(names: list[str]) -> str:
    """The start that two names or more all share, up to and with its last "-", when each name goes on after it;
    else ""."""
    prefix = os.path.commonprefix(names) if len(names) > 1 else ""
    prefix = prefix[:prefix.rfind("-") + 1]
    return prefix if all(len(name) > len(prefix) for name in names) else ""


def _table_width(exercises: list[Exercise], names: Iterable[str]) -> int:
    """How many columns print_table's rows take with `names` in the learner column: the names, then "  ex01" per
    exercise and "  total"."""
    return max([len("learner"), len("out of"), *map(_columns_taken, names)]) + _scores_width(exercises)


def _scores_width(exercises: list[Exercise]) -> int:
    """How many columns a row takes after the learner's name: "  ex01" per exercise and "  total"."""
    return 6 * len(exercises) + len("  total")


def _columns_taken(text: str) -> int:
    """How many columns of a terminal `text` takes as stdout writes it: a mark drawn on the character before it
    (an accent that combines, a Thai vowel sign: category Mn or Me, whatever its combining class) takes none, as
    does an invisible format character (a zero-width space: Cf) and a Hangul vowel or final consonant joined into
    the syllable before it (a Korean name unzipped from a Mac, in NFD); a wide character (字) takes two, one the
    output's encoding cannot show as many as its escape (PYTHONIOENCODING=ascii: ë is written \\xeb, four)."""
    return sum(_cell_width(c) for c in _as_written(text))


def _cell_width(c: str) -> int:
    if unicodedata.category(c) in ("Mn", "Me", "Cf") or "\u1160" <= c <= "\u11ff":     # U+1160-11FF: Hangul Jamo
        return 0
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def _as_written(text: str) -> str:
    """`text` as stdout's encoding and error handler write it (the Makefile's :backslashreplace escapes what the
    encoding cannot show); `text` itself where they cannot (a strict handler then stops the print)."""
    encoding, errors = getattr(sys.stdout, "encoding", None), getattr(sys.stdout, "errors", None)
    try:
        return text.encode(encoding or "utf-8", errors or "strict").decode(encoding or "utf-8")
    except (UnicodeError, LookupError):
        return text


def _padded(text: str, width: int) -> str:
    return text + " " * (width - _columns_taken(text))
