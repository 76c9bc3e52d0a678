"""`make bench` from start to end: time every shape's runs, the whole programs, then write the reports."""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from data import DATA_FILE_ERRORS, TASKS, check_data_files
from data.checksums import verify_all
from keras_models.bench.keras_runs import make_runs, measure
from keras_models.bench.numpy_runs import SHAPES, Shape, make_data
from keras_models.bench.processes import REPO, keras_memory_run, process_rows
from keras_models.bench.report import (
    TERMINAL_HEADER,
    ReportsNotWritten,
    claim_report_name,
    epoch_rows,
    goal_rows,
    goals_line,
    header_lines,
    report_markdown,
    terminal_rows,
    write_reports,
)
from keras_models.twins.closed_output import OutputFailed, output_failed, print_lines
from keras_models.twins.first_free import STAMP_FORMAT
from keras_models.twins.one_line_parser import OneLineParser, one_line
from keras_models.twins.unexpanded_home import unexpanded_home


def bench_shapes(shapes: list[Shape], quick: bool, progress: Callable[[str], None] = print) -> list[dict]:
    rows = []
    for shape in shapes:
        X, y = make_data(shape)
        repeats = shape.quick_repeats if quick else shape.repeats
        progress(f"{shape.name}: {shape.label} ({shape.data}), {repeats} repeats ...")
        shape_rows = epoch_rows(shape, measure(make_runs(shape, X, y), repeats))
        for line in [TERMINAL_HEADER, *terminal_rows(shape_rows)]:
            progress(line)
        rows += shape_rows
    return rows


def check_bench_data(shapes: list[Shape], *, make_train: bool, make_test: bool) -> None:
    """Each data file the bench will read as shipped, or the first that is not, one of DATA_FILE_ERRORS: before the
    reports' folder and minutes of timing, not when the course shape's turn comes. The course shape reads the
    breast-cancer file, make train its tasks' files, make test every file (a timed make that stops at once is no
    measurement)."""
    if make_test:
        verify_all()
    tasks = set(TASKS) if make_train else set()
    tasks |= {"binary" for shape in shapes if shape.data == "breast_cancer"}      # the course shape's data
    check_data_files(sorted(tasks))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="make bench", command=".venv/bin/python -m keras_models.bench",
                           description="the scratch network's speed next to Keras and next to the bare matrix "
                                       "products")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and no make test (for iterating)")
    parser.add_argument("--skip-make", action="store_true", help="do not time make train / make test")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated, from {','.join(SHAPES)}")
    parser.add_argument("--out", type=Path, default=REPO / "logs" / "bench", help="where the reports go")
    parser.add_argument("--memory-run", choices=["import", *SHAPES], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = [s for s in args.shapes if s not in SHAPES]
    if unknown or not args.shapes:
        wrong = f"unknown shape(s) {unknown}" if unknown else "--shapes names no shape"      # --shapes ,
        parser.error(f"{wrong}; choose from {', '.join(SHAPES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_run:
        keras_memory_run(None if args.memory_run == "import" else args.memory_run)
        return 0
    tilde = unexpanded_home(str(args.out), lambda folder: f"--out {folder}", ".venv/bin/python -m keras_models.bench")
    if tilde is not None:                       # --out=~/x: no shell expands it; it made a folder called ~ here
        print(one_line(f"error: {tilde}"), file=sys.stderr)             # one_line: --out $'a\nb'
        return 2
    started = time.perf_counter()
    stamp = datetime.now().strftime(STAMP_FORMAT)     # local time, as make train's run folders
    shapes = [SHAPES[name] for name in args.shapes]
    make_train, make_test = not args.skip_make, not (args.skip_make or args.quick)
    try:
        check_bench_data(shapes, make_train=make_train, make_test=make_test)
    except DATA_FILE_ERRORS as exc:             # the message names the file and how to restore it, as make train's
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:                          # asked before minutes of timing, not when the reports are written at the end
        args.out.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=args.out).close()
        stamp = claim_report_name(args.out, stamp)
    except OSError as exc:
        why = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror or exc
        print(one_line(f"error: the reports cannot be written to {args.out} ({why}); make it writable, or give "
                       "another: .venv/bin/python -m keras_models.bench --out DIR"), file=sys.stderr)
        return 1
    paths = None
    try:
        print("\n".join(textwrap.fill(line, 80, subsequent_indent="  ") for line in header_lines(args)), flush=True)
        rows = bench_shapes(shapes, args.quick, progress=lambda line: print(line, flush=True))
        print("peak memory and make targets (each in its own process) ...", flush=True)
        processes = process_rows(args.out, stamp, make_train=make_train, make_test=make_test,
                                 memory_shape=args.shapes[-1])
        goals = goal_rows(rows, processes)
        markdown = report_markdown(args, shapes, rows, processes, goals)
        paths = write_reports(args.out, stamp, markdown, rows, processes)
    except (BrokenPipeError, OutputFailed) as failed:   # `make bench | head -1`, `> /dev/full`: no report is written
        print(f"error: {output_failed(failed, 'make bench')}", file=sys.stderr)
        return 1
    except ReportsNotWritten as error:  # a full disk at the end: written atomically, none of them is half written
        older = sorted(path.name for path in args.out.glob("bench_*.md") if path.name != f"bench_{stamp}.md")
        earlier = ("latest.md is still the earlier bench's" if (args.out / "latest.md").exists() else
                   f"latest.md is not there; the earlier benches' reports are (newest: {older[-1]})" if older else
                   "no report is in the folder")                                # the first bench in it
        print(one_line(f"error: {error}: this bench's report could not be written (its rows are above); {earlier}"),
              file=sys.stderr)                                                  # one_line: --out $'a\nb'
        return 1
    finally:                      # stopped before its reports were written (Ctrl-C, a failure, the two above): no
        if paths is None:         # "still running" report of claim_report_name's left behind
            (args.out / f"bench_{stamp}.md").unlink(missing_ok=True)
    md, _, latest = (str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for p in paths)
    # the tables themselves are in the report (88-102 columns), not the terminal; a summary nobody reads (a closed
    # pipe, a full disk) is one line, and the reports stay written
    if print_lines([goals_line(goals), f"written: {md} and .csv, {latest}",
                    f"bench took {time.perf_counter() - started:.0f} s"], "make bench"):
        return 1
    missed = [f"{g['goal']} ({g['measured']}, target {g['target']})" for g in goals if g["met"] is False]
    if missed:                    # a goal missed is the bench's failure: the exit status says so, not only the table
        print(f"make bench: {len(missed)} goal(s) missed: {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
