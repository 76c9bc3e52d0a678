"""`make notebooks`: a runnable notebook for every lesson, every exercise and every solution.

    keras_models/course/notebooks/lessons/<lesson>.ipynb       from keras_models/course/lessons/<lesson>.py
    keras_models/course/notebooks/exercises/<exercise>.ipynb   from your exercise file; yours once you work in it
    keras_models/course/notebooks/solutions/<exercise>.ipynb   from keras_models/course/exercises/solutions/

jupytext reads each .py file (the lessons are plain scripts whose comment blocks become text cells --
those at the top level only: one inside a function stays a comment in its code cell, which is why a lesson's
"What to notice" closes the file, after the `if __name__ == "__main__":` cell whose output holds the pictures;
the exercises are "percent" scripts, `# %%` cells) and writes the notebook, with the project's kernel
"Inside the network (.venv)" (kernel.py), which it registers in .venv/share/jupyter/ too: a notebook names its
kernel, and one run without make lab (`.venv/bin/jupyter nbconvert --execute`, `jupyter execute`, VS Code with
the .venv's Python) must find it. The .py files stay the only source: the notebooks are
git-ignored and made again by this command. The lists come from where the lessons
(`keras_models.course.lessons.LESSONS`) and the exercises (`graders.EXERCISES`) are declared.

What is rewritten, and what is never touched:
- An exercise notebook is written from your .py file as it is, and paired with it by jupytext (in
  `make lab`, saving the notebook saves the .py too, so `make exercises` grades what you see). Once you
  have worked in it, it is yours, like your exercise file, and never written over; until then (its
  fingerprint is the one recorded), it is written again whenever the .py says something else: a git
  pull's new skeleton, or your work in the .py. `make exercise-reset` starts both over, first keeping in
  logs/exercises/backup/ each that holds your work (as_written.learners_work): a notebook make notebooks
  wrote from your .py holds nothing the .py's backup does not.
- A lesson or solution notebook is rewritten only when its .py changed since the notebook was written
  (a fingerprint of its cells is kept in its metadata). If you had edited that notebook too, or it cannot
  be read, your version is first kept in logs/exercises/backup/ (which `make clean` keeps).

A lesson notebook shows its pictures inline: the lesson saves each PNG with pictures.save_png,
which also displays it when it runs in a notebook.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat

from keras_models.course.command_line import folder_not_writable
from keras_models.course.exercises.as_written import learners_work
from keras_models.course.exercises.fingerprints import fingerprint, fingerprints, untouched_fingerprint
from keras_models.course.exercises.graders import EXERCISES, SOLUTIONS_DIR
from keras_models.course.exercises.notebook_source import SourceError, read_text
from keras_models.course.exercises.reset import write_missing_files
from keras_models.course.exercises.skeleton import backup_path
from keras_models.course.jupyter.kernel import JUPYTER_CONFIG, JUPYTER_DATA, KERNELSPEC, ask_for_encryption, register
from keras_models.course.lessons import LESSONS
from keras_models.twins.closed_output import print_lines
from keras_models.twins.one_line_parser import OneLineParser
from keras_models.twins.repository import REPO, from_repository  # a path as the learner knows it (make lab's log too)
from scratch.atomic_write import write_text_atomically

COURSE = REPO / "keras_models" / "course"
NOTEBOOKS = COURSE / "notebooks"
BACKUP_DIR = REPO / "logs" / "exercises" / "backup"
# jupytext pairs notebooks/exercises/<name>.ipynb with exercises/<name>.py (paths relative to course/)
PAIRING = "notebooks/exercises//ipynb,exercises//py:percent"


def _title_cell(header: str):
    """The lesson's docstring header (Title:, Description:, Run:) as the notebook's first text cell."""
    fields = dict(line.split(":", 1) for line in header.strip().strip('"').strip().splitlines() if ":" in line)
    title, description, run = (fields.get(key, "").strip() for key in ("Title", "Description", "Run"))
    return nbformat.v4.new_markdown_cell(f"# {title}\n\n{description}\n\nAs a script: {run}.")


def lesson_notebook(source: Path):
    """The lesson script as a notebook: its header as a title, its comment blocks as text, its code as code."""
    notebook = jupytext.reads(read_text(source), fmt="py:light")
    first = notebook.cells[0] if notebook.cells else None
    if first is not None and first.cell_type == "code" and first.source.startswith('"""') and "Title:" in first.source:
        notebook.cells[0] = _title_cell(first.source)
    return _finish(notebook, source)


def exercise_notebook(source: Path, paired: bool):
    """An exercise file ("percent" script) as a notebook; `paired` ties it to its .py for jupytext."""
    notebook = _finish(jupytext.reads(read_text(source), fmt="py:percent"), source)
    if paired:
        notebook.metadata["jupytext"] = {"formats": PAIRING}
    return notebook


def _finish(notebook, source: Path):
    """The notebook's metadata, and each cell's id: "cell-N" counting from 1, where jupytext and nbformat draw
    them at random -- so the same .py gives the same notebook, byte for byte (a release committed to git
    again shows only what changed). Of a cell's metadata only its tags are kept: an exercise's "Try it" cell
    is tagged raises-exception (`# %% tags=["raises-exception"]` in the .py), so that Run All in JupyterLab
    goes on past its NotImplementedError to the grade cell, which then says what is not done yet."""
    notebook.metadata = {"kernelspec": dict(KERNELSPEC),
                         "language_info": {"name": "python"},
                         "inside_the_network": {"source": source.name, "inputs_sha256": fingerprint(notebook)}}
    for number, cell in enumerate(notebook.cells, start=1):
        tags = cell.metadata.get("tags")
        cell.metadata, cell.id = ({"tags": tags} if tags else {}), f"cell-{number}"
    return notebook


def refresh(notebook, path: Path, backup_dir: Path, source_is: str = "lesson") -> str:
    """Write a lesson or solution notebook when its .py changed since it was written: 'written', 'rewritten',
    'unchanged', or 'edited' (you have edited the notebook, and the .py did not change or says what you made it say:
    kept as it is, outputs too). One you edited whose .py says something else, or one that cannot be read
    (as_written.learners_work: not known untouched), is first kept in backup_dir, and a line says where
    (`source_is`: "lesson" or "solution", the .py it was written from)."""
    if path.exists():
        now, recorded = fingerprints(path)
        if fingerprint(notebook) in (now, recorded):   # it says what the .py says, or the .py did not change: it stays
            return "unchanged" if now == recorded else "edited"
        if learners_work(now, recorded):               # you changed it since it was written, or it cannot be read
            backup = backup_path(path, backup_dir)
            path.replace(backup)
            if now is None:
                print(f"{from_repository(path)}: not a notebook that can be read: it is in {from_repository(backup)}, "
                      f"and written again from its {source_is}")
            else:
                print(f"{from_repository(path)}: its {source_is} changed, and so had you: your version is in "
                      f"{from_repository(backup)}")
        write_notebook(notebook, path)
        return "rewritten"
    write_notebook(notebook, path)
    return "written"


def write_notebook(notebook, path: Path) -> None:
    """Write the notebook whole or not at all: a half-written one would be taken as yours and kept."""
    text = nbformat.writes(notebook)
    write_text_atomically(path, text if text.endswith("\n") else text + "\n")     # as nbformat.write ends it


def reset_exercise_notebook(learner_file: Path, notebook_path: Path, backup_dir: Path) -> Path | None:
    """Write the learner's notebook again from their (reset) .py file; return where their old one was kept, or None
    when nothing in it was theirs (its outputs then go, nothing else): it already said the same, or it says what make
    notebooks wrote in it (as_written.learners_work) -- from the course's earlier skeleton, or from the learner's
    .py, whose work make exercise-reset has just backed up with the .py."""
    fresh = exercise_notebook(learner_file, paired=True)
    backup = None
    if notebook_path.exists():
        now, recorded = fingerprints(notebook_path)
        if now != fingerprint(fresh) and learners_work(now, recorded):
            backup = backup_path(notebook_path, backup_dir)
            notebook_path.replace(backup)
    write_notebook(fresh, notebook_path)
    dated_like(notebook_path, learner_file)
    return backup


def write_exercise_notebook(learner_file: Path, notebook_path: Path) -> str:
    """Write the learner's notebook from their .py file unless it exists: "written", "rewritten", "unchanged"
    (untouched, and the .py says the same) or "edited" (the learner's work, kept).

    One that exists is the learner's and is kept, unless no one has worked in it since it was written
    (untouched_fingerprint): then, if the .py has changed since, it is written again from the .py -- outside
    JupyterLab nothing pairs the two, and it would show TODOs the .py has filled in -- and if the .py has not,
    it is dated like the .py (an untouched notebook newer than its .py, written before make notebooks dated it,
    would not open in JupyterLab: dated_like)."""
    fresh = exercise_notebook(learner_file, paired=True)
    status = "written"
    if notebook_path.exists():
        now = untouched_fingerprint(notebook_path)
        if now is None:
            return "edited"                             # the learner's work: never overwritten
        if now == fingerprint(fresh):
            if notebook_path.stat().st_mtime > learner_file.stat().st_mtime:
                dated_like(notebook_path, learner_file) # untouched and newer: the .py says the same, and is older
            return "unchanged"
        status = "rewritten"                            # untouched, and the .py says more: nothing of theirs is lost
    write_notebook(fresh, notebook_path)
    dated_like(notebook_path, learner_file)
    return status


def dated_like(notebook_path: Path, learner_file: Path) -> None:
    """Give the notebook just written from `learner_file` that file's modification time. JupyterLab reads a paired
    notebook through jupytext, which refuses to open one saved more than a second after its .py when their cells
    read differently ("... is more recent than ..."), and these do: the notebook carries jupytext's header, the
    .py does not. make setup writes the .py, make notebooks or make lab the notebook seconds or days later."""
    modified = learner_file.stat().st_mtime_ns
    os.utime(notebook_path, ns=(modified, modified))


def build(out_dir: Path, backup_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """Write every notebook into out_dir; returns {"lessons": [(name, status), ...], "exercises": [...],
    "solutions": [...]}, a status being "written", "rewritten", "edited" (yours, kept) or "unchanged" -- or, for a
    learner's exercise file that cannot be read (not UTF-8), "not written": a line says why, its notebook is left as it
    is, and every other notebook is written."""
    lessons_dir = COURSE / "lessons"
    done: dict[str, list[tuple[str, str]]] = {"lessons": [], "exercises": [], "solutions": []}
    for name in LESSONS:
        done["lessons"].append((name, refresh(lesson_notebook(lessons_dir / f"{name}.py"),
                                              out_dir / "lessons" / f"{name}.ipynb", backup_dir)))
    write_missing_files(list(EXERCISES))               # and an untouched one whose solution changed: its new version
    for exercise in EXERCISES:
        try:
            status = write_exercise_notebook(exercise.learner_path, out_dir / "exercises" / f"{exercise.stem}.ipynb")
        except SourceError as error:    # the learner's file (Notepad's UTF-16): said, its notebook kept, the rest go on
            print(f"error: {error} (its notebook is not written until then)", file=sys.stderr)
            status = "not written"
        done["exercises"].append((exercise.stem, status))
    if SOLUTIONS_DIR.is_dir():                         # a learner copy (make release) has none
        for exercise in EXERCISES:
            done["solutions"].append((exercise.stem, refresh(exercise_notebook(exercise.solution_path, paired=False),
                                                             out_dir / "solutions" / f"{exercise.stem}.ipynb",
                                                             backup_dir, source_is="solution")))
    return done


def summary_row(kind: str, notebooks: list[tuple[str, str]], width: int = 79) -> str:
    """One row of make notebooks' summary: "  exercises/  1 rewritten, 1 kept as you edited it (ex02), 5 unchanged".

    What was written first, then what was kept: the notebooks you edited apart from those nobody had cause to
    write, named by their short name (ex02, lesson_01: what ONLY= and NAME= take) while the row fits in `width`
    columns, else counted (an 80-column terminal wraps a longer one)."""
    statuses = [status for _, status in notebooks]
    counts = {status: statuses.count(status)
              for status in ("written", "rewritten", "edited", "unchanged", "not written")}
    edited = [re.match(r"\D*\d*", name).group() for name, status in notebooks if status == "edited"]
    unread = [re.match(r"\D*\d*", name).group() for name, status in notebooks if status == "not written"]

    def row(named: bool) -> str:
        said = {"edited": f"kept as you edited {'it' if counts['edited'] == 1 else 'them'}"
                          + (f" ({', '.join(edited)})" if named else ""),
                "not written": "not written" + (f" ({', '.join(unread)})" if named else "")}
        return f"  {kind + '/':<11} " + ", ".join(f"{count} {said.get(status, status)}"
                                                  for status, count in counts.items() if count)
    return row(named=True) if len(row(named=True)) <= width else row(named=False)


def main(argv: list[str] | None = None, next_step: str = "Open them: make lab", unreadable_stops: bool = True) -> int:
    """make notebooks; its summary ends with `next_step` (make lab, which calls it first, says what it does next).
    A learner's exercise file that cannot be read makes the status 1 after every other notebook is written, unless
    not `unreadable_stops` (make lab: the learner needs JupyterLab all the same, and the line said what to mend)."""
    parser = OneLineParser(prog="make notebooks", command=".venv/bin/python -m keras_models.course.jupyter",
                           description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    try:
        done = build(NOTEBOOKS, BACKUP_DIR)
        register(JUPYTER_DATA)                           # the kernel every notebook names, where Jupyter finds it
        ask_for_encryption(JUPYTER_CONFIG)               # its messages encrypted, and ipykernel's warning gone
    except KeyboardInterrupt:                            # make notebooks: see keras_models/course/jupyter/__main__.py
        print("\nInterrupted; the notebooks written so far are kept, run make notebooks again for the others.",
              file=sys.stderr)
        return 130
    except (SourceError, ValueError) as error:           # a source that is not UTF-8, unbalanced markers
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        said = (folder_not_writable(error)
                or f"{error.filename or NOTEBOOKS}: {error.strerror or error}")
        print(f"error: {said}", file=sys.stderr)        # the first: a read-only checkout, or another user's folder
        return 1
    # The folder once, then a row per kind: with the folder on every row, a row whose notebooks are in two states
    # ("1 kept, 6 unchanged") takes 80 to 100 columns and wraps in an 80-column terminal.
    summary = [f"In {from_repository(NOTEBOOKS)}/:"]
    summary += [summary_row(kind, notebooks) for kind, notebooks in done.items() if notebooks]
    there = {kind: sum(status != "not written" for _, status in notebooks) for kind, notebooks in done.items()}
    summary.append(f"{sum(there.values())} notebooks ({there['lessons']} lessons, {there['exercises']} exercises, "
                   f"{there['solutions']} solutions). {next_step}")
    printed = print_lines(summary, "make notebooks")         # `| head -1`, `> /dev/full`: the notebooks are written
    unread = any(status == "not written" for _, status in done["exercises"])
    return printed or (1 if unread and unreadable_stops else 0)


if __name__ == "__main__":
    sys.exit(main())
