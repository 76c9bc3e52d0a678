"""`make release DEST=dir`: a learner copy of the course; `WITH_SOLUTIONS=1`: the instructor's copy.

The learner copy is the project as git tracks it, except what gives answers away or checks them. A file
git does not track (an answer key, the class's submissions, grades.csv) is not copied, and is named in
one line: commit it to include it. Tracked files are copied as they are on disk: one with changes not
committed, or one deleted here (and so left out), is named in one line and in the copy's commit message, which
lists every one -- if the copy holds it: the learner copy names an edited solution as one it cut an exercise from,
and its tests/ and .ci/ not at all. A name git keeps that is not UTF-8 (caf\xe9.txt in Latin-1) is copied as it is.
The solutions are the one exception: every copy cuts the learner's files from them (from this repository's, as they
are on disk), so one deleted, unreadable or with a marker out of place is refused in one line before anything is
written, with the git command that brings a deleted one back.

    left out    keras_models/course/exercises/solutions/   the reference solutions
                tests/, .ci/                               the test suite checks those solutions
    added       keras_models/course/exercises/<name>.py    each exercise with its solution cut out
                keras_models/course/exercises/starters/    the same files again, untouched: what
                                                           `make exercise-reset` and `make setup` copy
                keras_models/course/notebooks/             the lessons' and exercises' notebooks
                .github/classroom/autograding.json         GitHub Classroom: one test per exercise
                .github/workflows/classroom.yml            the same tests as Classroom runs them today
                                                           (learner copy only: classroom.py says why)
    changed     .gitignore                                 the learner's files are tracked (commit them)
                README.md                                  a note on top: what this copy is

No line a learner writes in a solution is in it -- not in the exercises, notebooks or graders (which
ship, for `make exercises`) -- except what ships on purpose: the project's own library, which the
exercises re-derive (ex01's perceptron and activations can be read in scratch/, written their own way),
and the given code of an exercise, which may hand over an earlier one's answer (ex02 gives ex01's
sigmoid). tests/test_instructor.py checks it.

In it, `make setup`, `make exercises`, `make exercise-reset`, `make notebooks`, `make lab`, `make
lessons`, `make train` and the rest work as here; `make test`, `make mutants` and `make
exercises-solutions` say in one line that this copy has no tests or solutions.

The instructor copy is the whole project -- solutions, tests (`make test` works in it), graders --
plus the same learner files, the notebooks (solutions' notebooks too) and the Classroom file.

Each copy is a git repository (branch main) with one commit of its files, authored by `make release`:
the learner copy ready to push as a GitHub Classroom template (the instructor copy, which holds the
solutions, is kept private), and a git clone as `make release` in it needs. In the
instructor copy, as here, git ignores the learner files and notebooks (written again by `make setup`
and `make notebooks`); in the learner copy they are committed.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from keras_models.course.command_line import folder
from keras_models.course.exercises.graders import EXERCISES, Exercise, GraderUnreadable, load_graders
from keras_models.course.exercises.skeleton import make_skeleton
from keras_models.course.instructor.classroom import AUTOGRADING, WORKFLOW, render, workflow
from keras_models.course.jupyter.build import exercise_notebook, lesson_notebook, write_notebook
from keras_models.course.lessons import LESSONS
from keras_models.twins.closed_output import print_lines
from keras_models.twins.counted import counted
from keras_models.twins.git_files import git, git_said, listed, names, restore_command, shown
from keras_models.twins.one_line_parser import OneLineParser, one_line
from keras_models.twins.repository import REPO
from keras_models.twins.unexpanded_home import unexpanded_home

COURSE = Path("keras_models", "course")
SOLUTIONS = COURSE / "exercises" / "solutions"
LEARNER_LEAVES_OUT = (SOLUTIONS, Path("tests"), Path(".ci"))
LEARNER_WORK_IGNORED = ("keras_models/course/exercises/ex[0-9][0-9]_*.py", "keras_models/course/notebooks/")
RELEASE_IDENTITY = ("-c", "user.name=make release", "-c", "user.email=make-release@localhost",
                    "-c", "commit.gpgsign=false")
LEARNER_NOTE = """> **Learner copy** of the course (made with `make release`). The exercises' solutions and the test
> suite are not included: `make test`, `make test-browser`, `make lock-check`, `make mutants` and
> `make exercises-solutions` say so. Your exercise files are `keras_models/course/exercises/ex*.py`
> and their notebooks `keras_models/course/notebooks/exercises/` (`make lab` opens them); grade them
> with `make exercises`, and commit them: they are yours. The README below is the project's own: the
> `tests/`, `.ci/` and `keras_models/course/exercises/solutions/` it names are in your instructor's copy only,
> and so are what it says of them (`make test`'s summary line, the solutions' notebooks `make notebooks` counts).
> Where it says git ignores your exercise files and notebooks, in this copy git tracks them.

"""


def _listed(*options: str) -> list[Path]:
    """`git ls-files OPTIONS` in the repository: paths relative to it, of files that exist, sorted."""
    return listed(REPO, "make release copies the files git tracks", *options)


def project_files() -> list[Path]:
    """The files git tracks, relative to the repository: the course, and nothing else of the instructor's."""
    return _listed("--cached")


def untracked_files() -> list[Path]:
    """The files git neither tracks nor ignores (an answer key, the class's submissions and grades ...)."""
    return _listed("--others", "--exclude-standard")


def uncommitted_files() -> list[Path]:
    """The tracked files whose contents on disk are not those of the last commit (edited, staged or not): the copy
    takes them as they are on disk."""
    try:
        changed = git(REPO, "diff", "--name-only", "-z", "HEAD")
    except (OSError, subprocess.CalledProcessError):             # no commit yet: nothing to compare with
        return []
    return sorted(Path(name) for name in names(changed) if (REPO / name).is_file())


def deleted_files() -> list[Path]:
    """The files git tracks (in the last commit or staged) that are not on disk: deleted here, with git rm or not, and
    not committed. The copy takes the files as they are on disk, so it cannot hold them."""
    tracked: set[str] = set()
    for listing in (("ls-files", "-z", "--cached"), ("diff", "--name-only", "--no-renames", "-z", "HEAD")):
        with contextlib.suppress(OSError, subprocess.CalledProcessError):    # no commit yet: nothing to compare with
            tracked.update(names(git(REPO, *listing)))
    return sorted(Path(name) for name in tracked if not (REPO / name).is_file())


class Uncommitted(NamedTuple):
    """The tracked files whose state here is not the last commit's that the copy is made of, for its lines and its
    commit's message. A tracked file the copy leaves out whatever its state (a learner copy's tests/ and .ci/) is not
    among them: an edit to it is in no copy, and restoring it deleted would not put it in one."""
    copied: list[Path]           # edited (staged or not): copied as they are on disk
    cut_from: list[Path]         # a learner copy's solutions, edited: its exercises cut from them as they are on disk
    deleted: list[Path]          # deleted here: left out


def in_copy(path: Path, with_solutions: bool) -> bool:
    """Whether the copy holds this tracked file: the instructor's copy every one, the learner's all but
    LEARNER_LEAVES_OUT."""
    return with_solutions or not any(path.is_relative_to(p) for p in LEARNER_LEAVES_OUT)


def uncommitted(changed: list[Path], deleted: list[Path], with_solutions: bool) -> Uncommitted:
    """Of the tracked files changed here (uncommitted_files) and deleted here (deleted_files), those that make the
    copy: the ones it holds, and the solutions a learner copy cuts its exercises from."""
    solutions = {solution_of(exercise) for exercise in EXERCISES}
    return Uncommitted(copied=[path for path in changed if in_copy(path, with_solutions)],
                       cut_from=[path for path in changed if not with_solutions and path in solutions],
                       deleted=[path for path in deleted if in_copy(path, with_solutions)])


def solution_of(exercise: Exercise) -> Path:
    """The solution an exercise's learner file is cut from, relative to the repository the copy is made of."""
    return SOLUTIONS / f"{exercise.stem}.py"


def learner_files(deleted: list[Path]) -> dict[str, str]:
    """{stem: the learner's file} of every exercise, cut from the solutions of the repository the copy is made of (REPO,
    as every other file of the copy: an edit to a solution's given code there reaches the learner), before anything is
    written. Every copy needs them, so a solution that is missing, is not UTF-8 or has a marker out of place is a
    ValueError naming it, not a copy stopped half way; a deleted one (deleted: deleted_files()) is not left out as
    another deleted file is. The line says how to bring it back."""
    skeletons = {}
    for exercise in EXERCISES:
        solution = solution_of(exercise)
        path = solution.as_posix()
        try:
            text = (REPO / path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(f"the solution {path} is {_missing(exercise, solution, deleted)} (nothing was written)") \
                from None
        except UnicodeDecodeError as error:
            raise ValueError(f"the solution {path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset "
                             f"{error.start}): save it as UTF-8 (nothing was written)") from None
        except OSError as error:                     # unreadable: another user's file, a folder of that name
            raise ValueError(f"the solution {path} cannot be read ({error.strerror or error}) (nothing was written)") \
                from None
        try:
            skeletons[exercise.stem] = make_skeleton(text, path)
        except ValueError as error:                  # a marker out of place: make_skeleton names the line
            raise ValueError(f"{error} (nothing was written)") from None
    return skeletons


def _missing(exercise: Exercise, solution: Path, deleted: list[Path]) -> str:
    """What is wrong with an exercise's solution (solution_of(exercise)) not on disk, and the git command that brings it
    back: deleted here, on disk or with git rm (`restore_command`: from the last commit, which works after either), or
    not tracked at all (its deletion committed)."""
    path = solution.as_posix()
    cut = f"make release cuts {exercise.name}'s exercise from it: restore it"
    if solution not in deleted:
        return (f"missing, and git does not track it (its deletion committed?); {cut} from the commit before its "
                f"deletion (`git log -- {path}` names it)")
    return f"deleted here, not committed, and {cut} with `{restore_command(path)}`"


def deleted_line(deleted: list[Path]) -> str:
    """One line naming the tracked files a release left out because they are deleted here ("" if none)."""
    if not deleted:
        return ""
    files, them, their = ("file", "it", "its") if len(deleted) == 1 else ("files", "them", "their")
    return (f"left out {len(deleted)} tracked {files} deleted here, not committed (restore {them} to include {them}, "
            f"or commit {their} deletion): {_names(deleted)}")


def left_out_line(untracked: list[Path], first: int = 3) -> str:
    """One line naming the untracked files a release left out ("" if none): the first `first`, then a count."""
    if not untracked:
        return ""
    files = "file" if len(untracked) == 1 else "files"
    return (f"left out {len(untracked)} {files} git does not track (commit them to include them): "
            f"{_names(untracked, first)}")


def _learner_gitignore(text: str) -> str:
    """.gitignore without the lines that ignore the learner's work (and the comment block above each)."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.strip() in LEARNER_WORK_IGNORED:
            while kept and kept[-1].startswith("#"):
                kept.pop()
            continue
        kept.append(line)
    note = "# Learner copy: your exercise files and notebooks are tracked: commit them."
    return "\n".join(kept).rstrip("\n") + f"\n{note}\n"


def _copy(source: Path, target: Path) -> None:
    """Copy a tracked file as a git checkout writes it: its bytes and whether it is executable; the rest of its mode is
    the umask's. shutil.copy2 also copied a read-only checkout's read-only modes (chmod -R a-w), and the copy's own
    README.md and .gitignore could then not be written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)                  # 0o666 less the umask, as open(target, "w") creates it
    if source.stat().st_mode & stat.S_IXUSR:         # executable: x wherever the umask left r (0o644 -> 0o755)
        mode = stat.S_IMODE(target.stat().st_mode)
        target.chmod(mode | (mode & 0o444) >> 2)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _names(paths: list[Path], first: int = 3) -> str:
    """'a.py, b.py, c.py and 6 more' (a byte of a name that is not UTF-8 as its escape: caf\\xe9.py)."""
    more = f" and {len(paths) - first} more" if len(paths) > first else ""
    return ", ".join(shown(path) for path in paths[:first]) + more


def uncommitted_line(uncommitted: list[Path]) -> str:
    """One line naming the tracked files the copy took with changes not committed here ("" if none)."""
    if not uncommitted:
        return ""
    files = "file" if len(uncommitted) == 1 else "files"
    return (f"copied {len(uncommitted)} {files} with changes not committed here, as they are on disk (commit them so "
            f"that the copy's commit names them): {_names(uncommitted)}")


def cut_from_line(solutions: list[Path]) -> str:
    """One line naming the solutions with changes not committed here that a learner copy cut its exercises from ("" if
    none): the copy does not hold them, but an edit to an exercise's given code is in it."""
    if not solutions:
        return ""
    it = ("solution", "it is", "it", "it") if len(solutions) == 1 else ("solutions", "they are", "them", "them")
    return (f"cut the exercises from {len(solutions)} {it[0]} with changes not committed here, as {it[1]} on disk "
            f"(commit {it[2]} so that the copy's commit names {it[3]}): {_names(solutions)}")


def commit_message(kind: str, source: str, changes: Uncommitted) -> str:
    """The copy's one commit's message: where it was made from; and, one a line, every file whose state here was not
    the last commit's, and what the copy did with it. It is the course's first commit, the one record of what went
    into it: the lines printed name the first three, "and 6 more", which a commit message has the room not to."""
    changed = sorted(path for paths in changes for path in paths)
    named = _names(changed) if len(changed) <= 3 else counted(len(changed), "file")     # the subject stays one line
    subject = (f"{kind.capitalize()} copy, made by make release from {source}"
               + (f" with uncommitted changes to {named}" if changed else "")
               + " (the files git tracks there, as they were on disk)")
    body = [line for heading, paths in zip(("Changed here and not committed, copied as they were on disk:",
                                            "Solutions changed here and not committed, the exercises cut from them as "
                                            "they were on disk:",
                                            "Deleted here and not committed, left out:"), changes, strict=True)
            if paths for line in (heading, *(f"    {shown(path)}" for path in paths))]
    return "\n\n".join([subject, "\n".join(body)] if body else [subject])


def _commit(dest: Path, kind: str, changes: Uncommitted | None = None) -> None:
    """Make dest a git repository with one commit of its files (those its .gitignore does not ignore), as
    a GitHub Classroom template repository is, and as `make release` in it needs. The commit's author is
    `make release`, so that it works where git has no user.name or user.email; the source repository is
    only read (its HEAD, for the message)."""
    try:
        source = git(REPO, "rev-parse", "--short", "HEAD").decode().strip()
    except subprocess.CalledProcessError:
        source = "a repository with no commit yet"
    message = commit_message(kind, source, changes or Uncommitted([], [], []))
    try:
        # Only the copy's .gitignore ignores: not the instructor's global one (core.excludesFile: *.csv, *.ipynb), nor
        # the info/exclude of their init.templateDir, which left the data or the notebooks out of the commit unsaid
        git(dest, "init", "-q", "--template=", "--initial-branch=main")
        git(dest, "-c", "core.excludesFile=/dev/null", "add", "--all")
        # No hook runs: the instructor's (a global core.hooksPath) are for their own commits, and --no-verify skips
        # only pre-commit and commit-msg, not a prepare-commit-msg or reference-transaction hook that refuses
        git(dest, *RELEASE_IDENTITY, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", message)
    except (OSError, subprocess.CalledProcessError) as error:
        raise CommitFailed(f"git could not commit the copy: {git_said(error) or error}") from None


class CommitFailed(Exception):
    """git refused the copy's commit (an unreadable GIT_COMMITTER_DATE, an empty GIT_AUTHOR_NAME): the files are
    written and .git half made, so it is a copy that stopped half way, as on a full disk."""


def release(dest: Path, with_solutions: bool, changes: Uncommitted, skeletons: dict[str, str]) -> dict[str, int]:
    """Write the copy into `dest` (which must not exist or be empty); returns counts of what it holds.
    changes: the tracked files whose state here is not the last commit's that the copy is made of, for its commit's
    message (uncommitted). skeletons: the learner's files (learner_files), cut before anything was written."""
    files = [path for path in project_files() if in_copy(path, with_solutions)]
    for relative in files:
        _copy(REPO / relative, dest / relative)
    for exercise in EXERCISES:                        # the learner's files, cut from the solutions here
        skeleton = skeletons[exercise.stem]
        _write(dest / COURSE / "exercises" / f"{exercise.stem}.py", skeleton)
        if not with_solutions:
            _write(dest / COURSE / "exercises" / "starters" / f"{exercise.stem}.py", skeleton)
    notebooks = dest / COURSE / "notebooks"
    written = 0
    for name in LESSONS:
        lesson = lesson_notebook(dest / COURSE / "lessons" / f"{name}.py")
        write_notebook(lesson, notebooks / "lessons" / f"{name}.ipynb")
        written += 1
    for exercise in EXERCISES:
        learner = exercise_notebook(dest / COURSE / "exercises" / f"{exercise.stem}.py", paired=True)
        write_notebook(learner, notebooks / "exercises" / f"{exercise.stem}.ipynb")
        written += 1
        if with_solutions:
            solution = exercise_notebook(dest / solution_of(exercise), paired=False)
            write_notebook(solution, notebooks / "solutions" / f"{exercise.stem}.ipynb")
            written += 1
    _write(dest / AUTOGRADING, render())
    if not with_solutions:
        _write(dest / WORKFLOW, workflow())
        _write(dest / ".gitignore", _learner_gitignore((REPO / ".gitignore").read_text(encoding="utf-8")))
        _write(dest / "README.md", LEARNER_NOTE + (REPO / "README.md").read_text(encoding="utf-8"))
    counts = {"files": sum(1 for path in dest.rglob("*") if path.is_file()), "notebooks": written}
    _commit(dest, "instructor" if with_solutions else "learner", changes)
    return counts


def _check_destination(dest: Path) -> None:
    tilde = unexpanded_home(str(dest), lambda folder: f"DEST={folder}", "make release")
    if tilde:
        raise ValueError(tilde)
    if dest.resolve().is_relative_to(REPO):
        raise ValueError(f"DEST={dest} is inside this repository: choose a folder outside it")
    if dest.is_file():
        raise ValueError(f"DEST={dest} is a file: choose a new folder")
    if dest.is_dir() and any(dest.iterdir()):
        raise ValueError(f"DEST={dest} is not empty: choose a new folder (nothing was written)")
    try:                        # a folder that cannot be written in: "error: DEST/.gitattributes: Permission denied"
        folder(str(dest))
    except argparse.ArgumentTypeError as refused:
        raise ValueError(f"DEST={refused} (nothing was written)") from None


@contextlib.contextmanager
def _taken(dest: Path) -> Iterator[None]:
    """DEST for this make release alone, from its check (empty) to its end. Two make release into one empty DEST both
    found it empty and both wrote: the copy's .git is made first, at once -- os.mkdir fails if it exists, so only
    one make release (or git) makes it -- and DEST must then hold nothing else (nothing another program wrote after
    the check). If the copy stops before git init fills the .git, the empty .git is removed: DEST is as it was, or
    holds what was written, which the error line names."""
    refused = ValueError(f"DEST={dest} was written to after make release found it empty (another make release into "
                         "it at once?): choose a new folder (nothing was written)")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / ".git").mkdir()
    except FileExistsError:
        raise refused from None
    try:
        if [path.name for path in dest.iterdir()] != [".git"]:
            raise refused
        yield
    except BaseException:
        with contextlib.suppress(OSError):           # not empty: git init had begun the copy's repository
            (dest / ".git").rmdir()
        raise


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="make release", command=".venv/bin/python -m keras_models.course.instructor.release",
                           make_variables={"dest": "DEST", "--with-solutions": "WITH_SOLUTIONS=1"},
                           description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="the folder to write (DEST=dir); must not exist or be empty")
    parser.add_argument("--with-solutions", action="store_true", help="the instructor's copy (WITH_SOLUTIONS=1)")
    args = parser.parse_args(argv)
    kind = ("instructor copy (with solutions and tests)" if args.with_solutions
            else "learner copy (no solutions, no tests)")
    try:
        if not (REPO / SOLUTIONS).is_dir():          # a learner copy: no solution to cut the exercises from
            raise ValueError(f"this learner copy has no {SOLUTIONS.as_posix()}/ to cut the exercises from: run make "
                             "release in the instructor's copy (make release DEST=dir WITH_SOLUTIONS=1 made it)")
        _check_destination(args.dest)
        load_graders(EXERCISES)            # the Classroom files name each grader's TITLE: one line, before writing
        changed = uncommitted_files()
        left_out = left_out_line(untracked_files())  # git's, before the copy: its failure is one line, nothing written
        deleted = deleted_files()                    # not in the copy: named, and in its commit's message
        changes = uncommitted(changed, deleted, args.with_solutions)     # of those, the ones the copy is made of
        skeletons = learner_files(deleted)           # every copy needs them: one gone is one line, before writing
        with _taken(args.dest):                      # else ValueError: another wrote to DEST after its check
            counts = release(args.dest, args.with_solutions, changes, skeletons)
    except ValueError as error:
        print(one_line(f"error: {error}"), file=sys.stderr)
        return 2
    except OSError as error:
        # shutil's copy names the source first, then the file it was writing: a full disk is the second's
        print(one_line(f"error: {error.filename2 or error.filename or args.dest}: {error.strerror or error}"
                       + _unfinished(args.dest)), file=sys.stderr)
        return 1
    except GraderUnreadable as error:
        print(one_line(f"error: {error} (nothing was written)"), file=sys.stderr)
        return 1
    except CommitFailed as error:                    # the next make release refuses the half copy: say what to remove
        print(one_line(f"error: {error}{_unfinished(args.dest)}"), file=sys.stderr)
        return 1
    said = [line for line in (left_out, uncommitted_line(changes.copied), cut_from_line(changes.cut_from),
                              deleted_line(changes.deleted)) if line]
    said += [f"wrote the {kind} to {args.dest}: {counts['files']} files, {len(EXERCISES)} exercises worth "
             f"{sum(e.points for e in EXERCISES)} points, {counts['notebooks']} notebooks",
             next_line(args.dest, args.with_solutions)]
    return print_lines(said, "make release")                 # `| head -1`, `> /dev/full`: the copy is written


def _unfinished(dest: Path) -> str:
    """What to do with a copy that stopped half way (a full disk): DEST was empty or missing, so what is in it now is
    ours, and the next make release refuses it as "not empty"; "" if nothing was written."""
    if not (dest.is_dir() and any(dest.iterdir())):
        return ""
    return f"; {dest} holds an unfinished copy: remove it (rm -rf {shlex.quote(str(dest))}), then make release again"


def next_line(dest: Path, with_solutions: bool) -> str:
    """What to do with the copy: the learner copy is the GitHub Classroom template; the instructor copy holds the
    solutions, so it is kept private (a template made of it would hand every learner the answers)."""
    start = f"Next: cd {shlex.quote(str(dest))} && make setup && make lab. It is a git repository with one commit: "
    if with_solutions:
        return start + ("keep it private, it holds the solutions; for GitHub Classroom, push the learner copy "
                        "(make release DEST=dir, without WITH_SOLUTIONS) as the template repository.")
    return start + (f"for GitHub Classroom, push it as a template repository ({WORKFLOW} grades each exercise, "
                    f"{AUTOGRADING} says the same for Classroom's older form).")


if __name__ == "__main__":
    from keras_models.twins.closed_output import prepare_output_streams

    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
    sys.exit(main())
