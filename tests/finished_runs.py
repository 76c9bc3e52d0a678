"""Finished `make train` runs, built once per test session and shared by every test that reads one.

A run is `keras_models.train.run.train(tasks, epochs=..., max_rows=..., quiet=True)` into its own log
directory, exactly what `make train` writes. What `train` returned that is not on disk -- the order of the
results, each side's history, and whether the repository's own logs/ stayed untouched -- is recorded
beside it (results.json), so a test in another process can assert on it.

Shared means read-only: a test that changes files (marks the run interrupted, damages a checkpoint,
resumes it) works on `run.copy_into(tmp_path)`. A change to the shared files is caught the next time a
test asks for the run (`load` compares every file's size and modification time with the build's).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

RESULTS = "results.json"


@dataclass(frozen=True)
class FinishedRun:
    logdir: Path                                  # the run's log directory; it holds this run only
    run_dir: Path                                 # logdir/<timestamp>
    tasks: list[str]                              # the tasks of the results train() returned, in order
    histories: dict[str, dict[str, dict[str, list[float]]]]    # {task: {side: history}} as train() returned
    repo_logs_untouched: bool                     # the repository's logs/ listed the same before and after

    def copy_into(self, directory: Path) -> Path:
        """A private copy of the run directory, directory/<timestamp>, for a test that changes it."""
        copy = Path(directory) / self.run_dir.name
        shutil.copytree(self.run_dir, copy)
        return copy


def fingerprint(logdir: Path) -> dict[str, list[int]]:
    return {str(path.relative_to(logdir)): [path.stat().st_size, path.stat().st_mtime_ns]
            for path in sorted(logdir.rglob("*")) if path.is_file()}


def build(path: Path, tasks: list[str], epochs: int, max_rows: int | None) -> None:
    """Train into path/logs and record what train() returned in path/results.json."""
    from keras_models.train import run as train_module

    repo_logs = train_module.DEFAULT_LOGDIR
    before = sorted(repo_logs.iterdir()) if repo_logs.exists() else []
    run_dir, results = train_module.train(tasks, epochs=epochs, logdir=path / "logs", quiet=True, max_rows=max_rows)
    after = sorted(repo_logs.iterdir()) if repo_logs.exists() else []
    record = {"run_dir": run_dir.name, "tasks": [result.task for result in results],
              "histories": {result.task: {side: result.sides[side].history for side in result.sides}
                            for result in results},
              "repo_logs_untouched": before == after, "fingerprint": fingerprint(path / "logs")}
    (path / RESULTS).write_text(json.dumps(record))


def load(path: Path) -> FinishedRun:
    record = json.loads((path / RESULTS).read_text())
    built, now = record["fingerprint"], fingerprint(path / "logs")
    changed = [name for name in sorted(set(built) | set(now)) if built.get(name) != now.get(name)]
    if changed:
        raise AssertionError(f"a test changed the shared run {path} ({changed[:5]}): tests that change a run "
                             "must work on run.copy_into(tmp_path)")
    return FinishedRun(path / "logs", path / "logs" / record["run_dir"], record["tasks"], record["histories"],
                       record["repo_logs_untouched"])

