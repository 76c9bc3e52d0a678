"""The notebooks as a learner runs them: `make notebooks` writes one per lesson and exercise, and each
runs top to bottom on a real ipykernel (nbclient), showing what the learner should see.

    lessons             every picture inline as image/png (the very PNG file the lesson wrote) and the
                        lesson's stated finding
    solved exercises    the grader's PASS from the notebook's own "Grade it" cell -- this is the check
                        that every grader passes its reference solution -- and, for ex01 and ex02, the
                        same PASS from `make exercises` on that notebook saved by the learner
    learner exercises   "not done yet: fill in the TODO in ..." from that cell, and for ex01 and ex02 the
                        same verdict that `make exercises` prints for the same file
    damaged data        the grade cell says to restore the data file and run the cell again, not to change
                        the code

One kernel serves every notebook of a test worker (started once; between notebooks its namespace is
reset and it moves to the notebook's own temporary folder). It is a real ipykernel, started by
jupyter_client's KernelManager as Jupyter starts one, only forked from the session's warm Python
(tests/zygote.py) instead of a fresh interpreter, so TensorFlow is already imported in it.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import types
import warnings
from pathlib import Path

import jupyter_client.launcher
import nbformat
import pytest
from conftest import (
    UTF_16_WITHOUT_A_MARK,
    as_for_a_learner,
    closed_pipe,
    ctrl_c_while_importing,
    dev_full,
    exercises_reset_into,
    file_size_limit,
    jupyter_environment,
    line_of,
    notebooks_written_into,
    output_closed,
    zipped,
)
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from traitlets.config.loader import JSONFileConfigLoader
from zygote import WarmPopen

from keras_models.course.child_processes import proc_stat
from keras_models.course.exercises import grade as grade_cli
from keras_models.course.exercises import graders
from keras_models.course.exercises.fingerprints import fingerprints
from keras_models.course.exercises.graders import EXERCISES, find, grade_file
from keras_models.course.exercises.notebook_source import code_pieces
from keras_models.course.exercises.skeleton import skeleton_of
from keras_models.course.jupyter import build, register
from keras_models.course.jupyter import kernel as kernel_module
from keras_models.course.lessons import LESSONS
from keras_models.twins import repository

CHECKOUT = Path(__file__).resolve().parents[1]     # the repository these tests belong to (make mutants: its copy)
SAME_VERDICT_CHECKED = ["ex01", "ex02"]           # graded in a fraction of a second: the cell and make exercises

# What each lesson states (its summary line, as `make lessons` prints it too).
FINDINGS = {
    "lesson_01_perceptron": "perceptron converged in 5 epochs on the tutorial's 7 points (mistakes per epoch "
                            "[2, 4, 4, 3, 0]; w = [0, 2.2], b = -1)",
    "lesson_02_xor_limit": "XOR: perceptron not converged after 100 epochs",
    "lesson_03_activations": "sigmoid saturates (g' < 0.05) beyond |z| = 2.89, tanh beyond |z| = 2.18",
    "lesson_04_gradient_descent": "gradient descent: eta = 0.01 from 4 gives 3.96, 3.9208, 3.882384",
    "lesson_05_hidden_layer_xor": "hidden-layer network: 100% on XOR after 300 epochs",
    "lesson_06_regularisation": "regularisation: validation - training loss after 30 epochs on breast cancer: "
                                "no regularisation ",
    "lesson_07_data_parallel": "data parallelism: 10 rows on 4 replicas (3, 3, 3, 1 rows): the all-reduce sum of "
                               "(m_k/m) x shard gradient matches the full batch's to ",
}


@pytest.fixture(scope="session")
def notebooks(tmp_path_factory):
    """`make notebooks` into a temporary folder (the learner's files there too): (its folder, what it printed)."""
    root = tmp_path_factory.mktemp("course")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        notebooks_written_into(root, patch)
        assert build.main([]) == 0
    return root, printed.getvalue()


def start_kernel(home, python_with_tensorflow):
    """A real ipykernel of the project's kernelspec, started warm; its files (connection, IPython) in `home`:
    (its KernelManager, a client whose channels are started). It imports this checkout's code: started in `home`,
    it would otherwise import the .venv's editable install's, which in a .venv shared with another checkout is
    that checkout's kernel.py and tf_chatter.py (a break here went unseen)."""
    kernel_module.register(home / "jupyter")                        # the project's kernel, as make lab registers it
    with pytest.MonkeyPatch.context() as patch:      # jupyter_client's launcher starts the kernel's command warm
        patch.setenv("JUPYTER_PATH", str(home / "jupyter"))
        manager = KernelManager(kernel_name=kernel_module.KERNEL_NAME, connection_file=str(home / "connection.json"))
        patch.setattr(jupyter_client.launcher, "Popen", python_with_tensorflow.Popen)
        manager.start_kernel(cwd=str(home), env=jupyter_environment(IPYTHONDIR=str(home / "ipython"),
                                                                    MPLCONFIGDIR=str(home / "matplotlib"),
                                                                    JUPYTER_PLATFORM_DIRS="1",
                                                                    PYTHONPATH=str(CHECKOUT)))
    assert isinstance(manager.provisioner.process, WarmPopen), "the kernel was not started warm"
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    return manager, client


@pytest.fixture(scope="session")
def kernel(tmp_path_factory, python_with_tensorflow):
    """One real ipykernel for every notebook of this worker."""
    manager, client = start_kernel(tmp_path_factory.mktemp("kernel"), python_with_tensorflow)
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=False)


# --- the kernel ---------------------------------------------------------------------------------------

def children_in_the_group_of(pid: int) -> list[int]:
    """The children of process `pid` that are in its process group (a child's ppid and pgrp, read from /proc by the
    product's proc_stat, as make grade's sandboxes read them)."""
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):                  # a process that ended while we read
            fields = proc_stat(process.name)                # state ppid pgrp ...
            if int(fields[1]) == pid and int(fields[2]) == os.getpgid(pid):
                found.append(int(process.name))
    return found


def test_the_projects_kernel_starts_in_the_repositorys_root_and_a_shutdown_request_ends_it_by_itself(
        tmp_path, python_with_tensorflow):
    """Started in a notebook's folder (here tmp_path), the kernel moves to the repository's root, so that logs/ and
    data/ mean the same in a notebook as in make's commands.

    A shutdown request is what a restart in JupyterLab does first. ipykernel ends every process in the kernel's
    process group, then waits for each to be gone; the kernel's own chatter filter (keras_models/twins/tf_chatter.py),
    were it in that group, would never be gone (it is reaped when the kernel exits), and the kernel would wait through
    14.4 s of SIGTERMs and as long of SIGKILLs -- longer than Jupyter waits before killing the kernel: no child of the
    kernel is in its group, and the kernel is gone within 10 s of the request. The kernel runs this checkout's
    kernel.py and tf_chatter.py (another checkout's, through a shared .venv, hid that break)."""
    manager, client = start_kernel(tmp_path, python_with_tensorflow)
    try:
        reply = client.execute_interactive("import os, keras_models", timeout=60,
                                           user_expressions={"package": "keras_models.__path__[0]",
                                                             "cwd": "os.getcwd()"})["content"]
        assert reply["status"] == "ok", reply
        package = Path(ast.literal_eval(reply["user_expressions"]["package"]["data"]["text/plain"]))
        assert package.resolve() == CHECKOUT / "keras_models", f"the kernel imported {package}"
        cwd = Path(ast.literal_eval(reply["user_expressions"]["cwd"]["data"]["text/plain"]))
        assert cwd.resolve() == CHECKOUT, f"the kernel runs in {cwd}, not in the repository's root"
        kernel_pid = manager.provisioner.process.pid
        assert children_in_the_group_of(kernel_pid) == [], "a child of the kernel is in the group a shutdown ends"
        manager.request_shutdown()
        try:
            status = manager.provisioner.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("the kernel was still running 10 s after a shutdown request")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert status == 0


def execute(kernel, path, workdir, allow_errors=False):
    """Run the notebook at `path` top to bottom in `workdir` on the shared kernel; return it with its outputs."""
    manager, client = kernel
    workdir.mkdir(parents=True, exist_ok=True)
    # the course's default folder is the repository's logs/ wherever the kernel runs (course/folders.py): here
    # workdir's, so that a lesson's pictures and ex07's runs stay out of the repository
    reply = client.execute_interactive(f"%reset -f\nimport os\nos.chdir({str(workdir)!r})\n"
                                       "import pathlib, keras_models.course.folders as folders\n"
                                       f"folders.LOGS = pathlib.Path({str(workdir / 'logs')!r})", timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]
    notebook = nbformat.read(path, as_version=4)
    runner = NotebookClient(notebook, km=manager, timeout=600, allow_errors=allow_errors)
    runner.kc = client
    runner.execute()
    return notebook


def outputs(notebook, kind):
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs
            if out.output_type == kind]


def printed(notebook, stream: str | None = None) -> str:
    """What the notebook's cells printed: to stdout and stderr, or to `stream` ("stdout" or "stderr") alone."""
    return "".join(out.text for out in outputs(notebook, "stream") if stream in (None, out.name))


def verdict(text: str, name: str) -> list[str]:
    """The lines of a grading printout from the exercise's status line on (status, then the message)."""
    lines = [line for line in text.splitlines() if line.strip() and "(graded your notebook" not in line]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {name}  "))
    status = re.sub(r"\s+\d+\.\d s$", "", lines[start])                     # the seconds differ from run to run
    return [status] + [line for line in lines[start + 1:start + 3] if line.startswith("        ")][:1]


# --- make notebooks -----------------------------------------------------------------------------------

def test_make_notebooks_writes_one_per_lesson_exercise_and_solution(notebooks):
    root, out = notebooks
    names = {kind: sorted(p.stem for p in (root / "notebooks" / kind).glob("*.ipynb"))
             for kind in ("lessons", "exercises", "solutions")}
    assert names == {"lessons": sorted(LESSONS), "exercises": sorted(e.stem for e in EXERCISES),
                     "solutions": sorted(e.stem for e in EXERCISES)}
    n_lessons, n_exercises = len(LESSONS), len(EXERCISES)
    assert (f"{n_lessons + 2 * n_exercises} notebooks ({n_lessons} lessons, {n_exercises} exercises, {n_exercises} "
            "solutions). Open them: make lab") in out
    lesson = nbformat.read(root / "notebooks" / "lessons" / f"{LESSONS[0]}.ipynb", as_version=4)
    assert lesson.metadata.kernelspec.display_name == "Inside the network (.venv)"
    assert lesson.cells[0].cell_type == "markdown"
    assert lesson.cells[0].source.startswith("# The perceptron draws a line")
    exercise = nbformat.read(root / "notebooks" / "exercises" / f"{EXERCISES[0].stem}.ipynb", as_version=4)
    assert exercise.metadata.jupytext.formats == "notebooks/exercises//ipynb,exercises//py:percent"


def test_make_notebooks_registers_the_kernel_its_notebooks_name_so_they_run_without_make_lab(notebooks):
    """`.venv/bin/jupyter nbconvert --execute`, `jupyter execute` and VS Code start the kernel a notebook names in its
    metadata: registered by make lab alone, it was missing after make notebooks, and they stopped on jupyter_client's
    traceback ending "NoSuchKernel: No such kernel named inside-the-network"."""
    root, _ = notebooks
    notebooks_written = (root / "notebooks").rglob("*.ipynb")
    names = {nbformat.read(path, as_version=4).metadata.kernelspec.name for path in notebooks_written}
    assert names == {"inside-the-network"}
    assert_kernel_registered(root / "jupyter", root / "jupyter_config", root)     # where make notebooks registered


def assert_kernel_registered(data_dir: Path, config_dir: Path, folder: Path) -> None:
    """Jupyter, told to look in data_dir and config_dir, finds the kernel "inside-the-network" -- this Python running
    kernel.py -- and its kernel manager gives it CurveZMQ keys: without them ipykernel opened every nbconvert
    --execute with "[IPKernelApp] WARNING | Kernel is running over TCP without encryption ...", a line the learner
    can do nothing about. (folder: for the connection file.)"""
    specs = KernelSpecManager(kernel_dirs=[str(data_dir / "kernels")])
    spec = specs.get_kernel_spec("inside-the-network")
    assert spec.argv[:3] == [sys.executable, "-m", "keras_models.course.jupyter.kernel"]
    settings = JSONFileConfigLoader("jupyter_config.json", str(config_dir)).load_config()
    manager = KernelManager(kernel_spec_manager=specs, kernel_name="inside-the-network", config=settings,
                            connection_file=str(folder / "connection.json"))
    manager.pre_start_kernel()
    assert manager.curve_secretkey is not None, "the kernel would start without CurveZMQ keys, and say so"


def test_make_setup_registers_the_kernel_again_in_a_venv_built_again(tmp_path, capsys):
    """A .venv that make builds again (another Python, a moved folder) is a new folder: the kernel make notebooks had
    registered in the old one was gone, and a notebook written before, run with `.venv/bin/jupyter execute`, stopped
    on "No such kernel named inside-the-network". make setup's last step (register.py) registers it, saying nothing."""
    data_dir, config_dir = tmp_path / "share" / "jupyter", tmp_path / "etc" / "jupyter"
    assert register.main(data_dir, config_dir) == 0
    assert capsys.readouterr() == ("", "")
    assert_kernel_registered(data_dir, config_dir, tmp_path)


def test_ctrl_c_while_make_setup_registers_the_kernel_is_one_line_and_exit_130(tmp_path):
    """Under make setup, whose recipe keeps this program's stdout out of its own, make's "Interrupt" is then the one
    line; run by hand, this one. Not a KeyboardInterrupt traceback through the imports (json: kernel.py's first)."""
    done = ctrl_c_while_importing("keras_models.course.jupyter.register", "json", tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (
        130, "\nThe notebooks' kernel was not registered: make setup registers it.\n", "")


@pytest.mark.parametrize("damage, line", [
    ("settings", "error: {config} is not a JSON settings file ("),
    ("data", "error: make setup cannot register the notebooks' kernel (Not a directory: {data}/kernels/"
             "inside-the-network): if another user made .venv (sudo make setup), remove it with sudo rm -rf .venv, "
             "then make setup"),
], ids=["damaged-settings", "file-for-a-folder"])
def test_make_setup_that_cannot_register_the_kernel_says_why_in_one_line(damage, line, tmp_path, capsys):
    """A jupyter_config.json that is not JSON, or a file where Jupyter's folder should be: one line and status 1, not
    a traceback at the end of make setup."""
    data_dir, config_dir = tmp_path / "share" / "jupyter", tmp_path / "etc" / "jupyter"
    if damage == "settings":
        config_dir.mkdir(parents=True)
        (config_dir / "jupyter_config.json").write_text('{"KernelManager": {', encoding="utf-8")
    else:
        data_dir.parent.mkdir(parents=True)
        data_dir.write_text("", encoding="utf-8")
    assert register.main(data_dir, config_dir) == 1
    out, err = capsys.readouterr()
    expected = line.format(config=config_dir / "jupyter_config.json", data=data_dir)
    assert out == "" and err.count("\n") == 1 and err.startswith(expected), err


def test_registering_the_kernel_on_a_full_disk_keeps_the_kernel_json_that_was_there(tmp_path):
    """make notebooks (and make lab) write kernel.json again each time: on a full disk it was emptied first, then
    only partly written, and every notebook's kernel failed to start until it was written again."""
    folder = kernel_module.register(tmp_path)
    good = (folder / "kernel.json").read_bytes()
    with file_size_limit(len(good) // 2), pytest.raises(OSError) as failed:    # half of it fits (EFBIG after)
        kernel_module.register(tmp_path)
    assert failed.value.filename == str(folder / "kernel.json")           # the file named, for make's one line
    assert (folder / "kernel.json").read_bytes() == good
    assert sorted(path.name for path in folder.iterdir()) == ["kernel.json"]  # no half-written temporary either


ORIGINAL_LESSON_NOTEBOOK = build.lesson_notebook


def changed_lesson(source):
    notebook = ORIGINAL_LESSON_NOTEBOOK(source)
    notebook.cells.append(nbformat.v4.new_code_cell("print('a new step in the lesson')"))
    return notebook


@pytest.mark.parametrize("settings", ['{"KernelManager": {', '{"KernelManager": null}', '["KernelManager"]'],
                         ids=["cut-short", "null-section", "a-list"])
def test_make_notebooks_with_a_damaged_jupyter_settings_file_names_it_in_one_line(settings, tmp_path, monkeypatch,
                                                                                  capsys):
    """make notebooks adds one setting to jupyter_config.json (kernel.py's ask_for_encryption); one that is not JSON,
    half written or edited by hand, is named in one line, not a traceback from the json module (or a TypeError from
    a section that is not an object)."""
    notebooks_written_into(tmp_path, monkeypatch)
    (tmp_path / "jupyter_config").mkdir()
    (tmp_path / "jupyter_config" / "jupyter_config.json").write_text(settings, encoding="utf-8")
    assert build.main([]) == 1
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and said[0].startswith(f"error: {tmp_path / 'jupyter_config' / 'jupyter_config.json'} "
                                                 "is not a JSON settings file ("), said
    assert said[0].endswith("): correct it or remove it")


def test_make_notebooks_in_a_folder_that_cannot_be_written_names_it_and_what_to_do(tmp_path, monkeypatch, capsys):
    """A read-only checkout (or notebooks a sudo make notebooks made): "error: <the full path>: Permission denied",
    nothing of which folder to put right or how."""
    notebooks_written_into(tmp_path, monkeypatch)
    (tmp_path / "notebooks" / "lessons").mkdir(parents=True)
    as_for_a_learner(monkeypatch, tmp_path / "notebooks", read_only=True)
    assert build.main([]) == 1
    lessons = tmp_path / "notebooks" / "lessons"
    assert capsys.readouterr().err == (f"error: {lessons / LESSONS[0]}.ipynb cannot be written (Permission denied): "
                                       f"make {lessons} a folder you can write in (chmod u+w; sudo chown -R $USER if "
                                       "another user made it, as sudo make does), then try again\n")


def test_make_notebooks_never_overwrites_an_exercise_notebook_and_keeps_an_edited_lesson(notebooks, tmp_path,
                                                                                          monkeypatch, capsys):
    root, _ = notebooks
    notebooks_written_into(tmp_path, monkeypatch)
    assert build.main([]) == 0
    mine = tmp_path / "notebooks" / "exercises" / f"{EXERCISES[0].stem}.ipynb"
    mine.write_text("my own notebook, not even JSON", encoding="utf-8")
    lesson_path = tmp_path / "notebooks" / "lessons" / f"{LESSONS[0]}.ipynb"
    lesson = nbformat.read(lesson_path, as_version=4)
    lesson.cells.append(nbformat.v4.new_markdown_cell("my notes"))
    nbformat.write(lesson, lesson_path)
    capsys.readouterr()
    assert build.main([]) == 0                                          # the lesson did not change: kept as edited
    assert nbformat.read(lesson_path, as_version=4).cells[-1].source == "my notes"
    assert f"\n  exercises/  1 kept as you edited it ({EXERCISES[0].name}), {len(EXERCISES) - 1} unchanged\n" \
        in capsys.readouterr().out
    monkeypatch.setattr(build, "lesson_notebook", changed_lesson)        # now the lesson changes
    capsys.readouterr()
    assert build.main([]) == 0
    out = capsys.readouterr().out
    assert mine.read_text(encoding="utf-8") == "my own notebook, not even JSON"
    (backup,) = (tmp_path / "backup").glob(f"{LESSONS[0]}.*.ipynb")
    assert nbformat.read(backup, as_version=4).cells[-1].source == "my notes"
    assert f"your version is in {backup}" in out and f"{len(LESSONS)} rewritten" in out


def test_a_lesson_notebook_you_edited_into_what_its_changed_lesson_says_is_kept_with_no_backup_and_no_line(
        tmp_path, capsys):
    """Its lesson changed, and the notebook already says what the lesson says now: nothing is missing from it, so
    it is kept as it is (its outputs too), reported as edited -- not backed up with "its lesson changed, and so had
    you", which would send the learner looking for work of theirs the new notebook lacks."""
    lesson = build.COURSE / "lessons" / f"{LESSONS[0]}.py"
    path = tmp_path / f"{LESSONS[0]}.ipynb"
    build.write_notebook(ORIGINAL_LESSON_NOTEBOOK(lesson), path)
    typed = nbformat.read(path, as_version=4)
    typed.cells.append(nbformat.v4.new_code_cell("print('a new step in the lesson')"))    # changed_lesson's new cell
    nbformat.write(typed, path)
    kept = path.read_bytes()
    assert build.refresh(changed_lesson(lesson), path, tmp_path / "backup") == "edited"
    assert (path.read_bytes(), capsys.readouterr().out, (tmp_path / "backup").exists()) == (kept, "", False)


def test_make_notebooks_writes_an_untouched_exercise_notebook_again_from_a_py_that_changed_and_keeps_an_edited_one(
        tmp_path, monkeypatch, capsys):
    """Outside JupyterLab (VS Code, nbclient) nothing pairs the notebook with the .py: an untouched notebook of
    an older .py would show TODOs that the .py has filled in."""
    notebooks_written_into(tmp_path, monkeypatch)
    assert build.main([]) == 0
    ex01, ex02 = find("ex01"), find("ex02")
    for exercise in (ex01, ex02):
        exercise.learner_path.write_text(exercise.learner_path.read_text(encoding="utf-8") + "\nmy_work = 1\n",
                                         encoding="utf-8")
    edited = nbformat.read(tmp_path / "notebooks" / "exercises" / f"{ex02.stem}.ipynb", as_version=4)
    edited.cells.append(nbformat.v4.new_code_cell("notebook_work = 2"))
    nbformat.write(edited, tmp_path / "notebooks" / "exercises" / f"{ex02.stem}.ipynb")
    capsys.readouterr()
    assert build.main([]) == 0
    sources = {exercise.name: "".join(cell.source for cell in nbformat.read(
        tmp_path / "notebooks" / "exercises" / f"{exercise.stem}.ipynb", as_version=4).cells)
        for exercise in (ex01, ex02)}
    assert "my_work = 1" in sources["ex01"]                                     # untouched: the .py's code now
    assert "notebook_work = 2" in sources["ex02"] and "my_work = 1" not in sources["ex02"]   # edited: kept
    assert "\n  exercises/  1 rewritten, 1 kept as you edited it (ex02), 5 unchanged\n" in capsys.readouterr().out


def edit_notebook(path, line):
    """What a learner does in JupyterLab: a line added to the notebook's last cell, saved."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[-1].source += f"\n{line}"
    nbformat.write(notebook, path)


def test_make_notebooks_names_the_notebooks_it_kept_because_you_edited_them_apart_from_those_it_had_no_cause_to_write(
        tmp_path, monkeypatch, capsys):
    """A learner who had edited only ex02's notebook read "exercises/  7 kept" and "your 7 exercise notebooks were
    left as they are": the count took in the six nobody had opened, and did not say which one was theirs."""
    notebooks = notebooks_written_into(tmp_path, monkeypatch)
    assert build.main([]) == 0
    edit_notebook(notebooks / "exercises" / f"{find('ex02').stem}.ipynb", "notebook_work = 2")
    ex03 = find("ex03").learner_path                             # the .py changed, its notebook untouched
    ex03.write_text(ex03.read_text(encoding="utf-8") + "\nmy_work = 1\n", encoding="utf-8")
    edit_notebook(notebooks / "lessons" / f"{LESSONS[1]}.ipynb", "my_notes = 3")     # its lesson did not change
    capsys.readouterr()
    assert build.main([]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"  lessons/    1 kept as you edited it (lesson_02), {len(LESSONS) - 1} unchanged",
        f"  exercises/  1 rewritten, 1 kept as you edited it (ex02), {len(EXERCISES) - 2} unchanged",
        f"  solutions/  {len(EXERCISES)} unchanged",
        f"{len(LESSONS) + 2 * len(EXERCISES)} notebooks ({len(LESSONS)} lessons, {len(EXERCISES)} exercises, "
        f"{len(EXERCISES)} solutions). Open them: make lab"]


def nothing_registered(monkeypatch) -> None:
    """make notebooks' kernelspec and its Jupyter setting (build.main's last two steps) written nowhere: not into the
    running .venv, for a test whose build() is a stand-in and which reads only what main prints."""
    monkeypatch.setattr(build, "register", lambda data_dir: None)
    monkeypatch.setattr(build, "ask_for_encryption", lambda config_dir: None)


@pytest.mark.parametrize("edited, row", [
    (["ex01", "ex02"], "1 rewritten, 2 kept as you edited them (ex01, ex02), 4 unchanged"),
    (["ex01", "ex02", "ex04"], "1 rewritten, 3 kept as you edited them, 3 unchanged")], ids=["named", "counted"])
def test_make_notebooks_names_the_edited_notebooks_while_their_row_fits_80_columns(edited, row, monkeypatch, capsys):
    others = [name for name in ("ex04", "ex05", "ex06", "ex07") if name not in edited]
    done = {"lessons": [], "solutions": [],
            "exercises": [("ex03", "rewritten")] + [(name, "edited") for name in edited]
                         + [(name, "unchanged") for name in others]}
    monkeypatch.setattr(build, "build", lambda out_dir, backup_dir: done)
    nothing_registered(monkeypatch)
    assert build.main([]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1] == f"  exercises/  {row}" and len(rows[1]) < 80


@pytest.mark.parametrize("unchanged, row", [
    (10, "  exercises/  1 rewritten, 2 kept as you edited them (ex01, ex02), 10 unchanged"),   # 79 columns: named
    (100, "  exercises/  1 rewritten, 2 kept as you edited them, 100 unchanged"),   # named: 80 columns, so counted
], ids=["79-columns", "80-columns"])
def test_a_summary_row_of_79_columns_names_the_edited_notebooks_and_one_of_80_counts_them(unchanged, row):
    notebooks = [("ex03", "rewritten"), ("ex01", "edited"), ("ex02", "edited")] + [("ex04", "unchanged")] * unchanged
    assert build.summary_row("exercises", notebooks) == row


def test_a_solution_notebook_you_edited_whose_solution_changed_is_backed_up_with_a_line_that_says_solution(
        tmp_path, monkeypatch, capsys):
    """It said "its lesson changed" of a solution's notebook too."""
    notebooks = notebooks_written_into(tmp_path, monkeypatch)
    assert build.main([]) == 0
    path = notebooks / "solutions" / f"{EXERCISES[0].stem}.ipynb"
    edit_notebook(path, "my_try = 4")
    original = build.exercise_notebook

    def a_solution_changed(source, paired):
        notebook = original(source, paired)
        if not paired and source.stem == EXERCISES[0].stem:
            notebook.cells.append(nbformat.v4.new_code_cell("print('a new step in the solution')"))
        return notebook

    monkeypatch.setattr(build, "exercise_notebook", a_solution_changed)
    capsys.readouterr()
    assert build.main([]) == 0
    out = capsys.readouterr().out
    (backup,) = (tmp_path / "backup").glob(f"{EXERCISES[0].stem}.*.ipynb")
    assert out.startswith(f"{path}: its solution changed, and so had you: your version is in {backup}\n")
    assert f"\n  solutions/  1 rewritten, {len(EXERCISES) - 1} unchanged\n" in out


def test_a_lesson_notebook_that_cannot_be_read_is_kept_in_the_backups_before_it_is_written_again(
        tmp_path, monkeypatch, capsys):
    """Not known untouched (as_written.learners_work): a notebook that cannot be read is kept, as a damaged record
    keeps an exercise file; make notebooks wrote it over without a word (its fingerprints: None and None)."""
    notebooks = notebooks_written_into(tmp_path, monkeypatch)
    assert build.main([]) == 0
    path = notebooks / "lessons" / f"{LESSONS[0]}.ipynb"
    damaged = path.read_bytes()[:-40] + b"# my notes, typed in a text editor"
    path.write_bytes(damaged)
    capsys.readouterr()
    assert build.main([]) == 0
    out = capsys.readouterr().out
    (backup,) = (tmp_path / "backup").glob(f"{LESSONS[0]}.*.ipynb")
    assert backup.read_bytes() == damaged
    assert out.startswith(f"{path}: not a notebook that can be read: it is in {backup}, and written again from its "
                          "lesson\n")
    assert nbformat.read(path, as_version=4).cells


def test_make_notebooks_summary_fits_an_80_column_terminal_with_notebooks_in_several_states(monkeypatch, capsys):
    # the folder on every row: "  exercises   7 notebooks in keras_models/course/notebooks/exercises/: 1 rewritten,
    # 6 kept", 90 columns, wrapped in a learner's 80-column terminal once they had changed an exercise file
    done = {"lessons": [(name, "unchanged") for name in LESSONS],
            "exercises": [(EXERCISES[0].stem, "rewritten")] + [(exercise.stem, "edited") for exercise in EXERCISES[1:]],
            "solutions": [(exercise.stem, "unchanged") for exercise in EXERCISES[:-1]]
                         + [(EXERCISES[-1].stem, "written")]}
    monkeypatch.setattr(build, "build", lambda out_dir, backup_dir: done)
    nothing_registered(monkeypatch)
    assert build.main([]) == 0
    assert capsys.readouterr().out.splitlines()[:4] == ["In keras_models/course/notebooks/:",
                                                        "  lessons/    7 unchanged",
                                                        "  exercises/  1 rewritten, 6 kept as you edited them",
                                                        "  solutions/  1 written, 6 unchanged"]


@pytest.mark.parametrize("line_buffered", [True, False], ids=["print-fails", "flush-at-exit-fails"])
def test_make_notebooks_into_a_closed_pipe_is_one_line_not_a_traceback(monkeypatch, capsys, line_buffered):
    # `make notebooks | head -1`: the summary's first print met the closed pipe, outside main's try: Python's
    # BrokenPipeError traceback, after every notebook had been written
    monkeypatch.setattr(build, "build", lambda out_dir, backup_dir: {"lessons": [("lesson_01", "unchanged")],
                                                                     "exercises": [], "solutions": []})
    nothing_registered(monkeypatch)
    with closed_pipe(line_buffered) as stdout:
        assert build.main([]) == 1
        assert capsys.readouterr().err == output_closed("make notebooks")
        stdout.close()              # flushes, as Python does at exit: no "Exception ignored ... BrokenPipeError"


def test_make_notebooks_into_an_output_that_takes_no_more_is_one_line_not_a_traceback(monkeypatch, capsys):
    # `make notebooks > /dev/full` (or into a file on a full disk): OSError ENOSPC from the summary's first print
    monkeypatch.setattr(build, "build", lambda out_dir, backup_dir: {"lessons": [("lesson_01", "unchanged")],
                                                                     "exercises": [], "solutions": []})
    nothing_registered(monkeypatch)
    with dev_full() as stdout:  # every write is ENOSPC
        assert build.main([]) == 1
        assert capsys.readouterr().err == ("error: the output of make notebooks could not be written: No space left on "
                                           "device (the disk it goes to is full?)\n")
        stdout.close()              # flushes, as Python does at exit: nothing left to fail


def test_exercise_reset_starts_an_edited_notebook_over_and_keeps_it(tmp_path, monkeypatch, capsys):
    """The notebook written again is dated like its reset .py, as make notebooks dates one (dated_like)."""
    exercise = find("ex03")
    exercises_reset_into(tmp_path, monkeypatch)
    exercise.learner_path.write_text(skeleton_of(exercise.solution_path), encoding="utf-8")
    build.write_exercise_notebook(exercise.learner_path, exercise.notebook_path)
    assert grade_cli.main(["--reset", "ex03"]) == 0                         # untouched: nothing to keep
    assert not (tmp_path / "backup").exists()
    mine = nbformat.read(exercise.notebook_path, as_version=4)
    mine.cells[2].source += "\nmy_work = 42"
    nbformat.write(mine, exercise.notebook_path)
    capsys.readouterr()
    assert grade_cli.main(["--reset", "ex03"]) == 0
    (backup,) = (tmp_path / "backup").glob("ex03_keras_basics.*.ipynb")
    assert "my_work = 42" in nbformat.read(backup, as_version=4).cells[2].source
    assert "my_work" not in exercise.notebook_path.read_text(encoding="utf-8")
    assert exercise.notebook_path.stat().st_mtime == exercise.learner_path.stat().st_mtime   # opens in JupyterLab
    assert capsys.readouterr().out.endswith(f"reset too; your notebook is in backup/{backup.name}\n")


def test_an_exercise_notebook_written_long_after_its_file_opens_in_jupyterlab_and_so_does_an_untouched_older_one(
        tmp_path, monkeypatch):
    """make setup writes the exercise files; make notebooks or make lab writes their notebooks later. JupyterLab
    reads a paired notebook through jupytext, which refuses one more than a second newer than its .py whose
    cells read differently (the notebook carries jupytext's header, the .py does not): 'HTTP 400 ... is more
    recent than ...', and the learner's notebook would not open at all."""
    from jupytext import TextFileContentsManager

    notebooks_written_into(tmp_path, monkeypatch)
    assert build.main([]) == 0
    an_hour_ago = os.path.getmtime(EXERCISES[0].learner_path) - 3600
    for exercise in EXERCISES:                                      # the files written by make setup, an hour ago
        os.utime(exercise.learner_path, (an_hour_ago, an_hour_ago))
        exercise.notebook_path.unlink()
    assert build.main([]) == 0                                      # the notebooks, written now, dated like their .py
    assert [e.notebook_path.stat().st_mtime for e in EXERCISES] == [e.learner_path.stat().st_mtime for e in EXERCISES]
    old_one = EXERCISES[-1].notebook_path                            # and one written so by an earlier make notebooks
    os.utime(old_one, (an_hour_ago + 60, an_hour_ago + 60))
    assert build.main([]) == 0
    assert old_one.stat().st_mtime == EXERCISES[-1].learner_path.stat().st_mtime
    lab = TextFileContentsManager(root_dir=str(tmp_path))
    try:
        for exercise in EXERCISES:
            opened = lab.get(str(exercise.notebook_path.relative_to(tmp_path)))
            assert opened["content"].cells[-1].source.endswith(f'grade_here("{exercise.name}")')
    finally:        # its trust database (nbformat's notary): left open, Python 3.13 warns when it is collected,
        lab.notary.store.close()                      # in whichever test that happens to be (an error there)


@pytest.mark.parametrize("first_write", ["lesson-notebook", "exercise-file"])
def test_make_notebooks_stopped_mid_write_leaves_no_half_file_and_the_next_run_writes_it(first_write, tmp_path,
                                                                                         monkeypatch, capsys):
    """A half-written notebook or exercise file would be kept by the next run as the learner's own."""
    notebooks_written_into(tmp_path, monkeypatch)
    if first_write == "exercise-file":       # the lessons are written; the first write is an exercise's skeleton
        assert build.main([]) == 0
        for exercise in EXERCISES:
            exercise.learner_path.unlink()
            exercise.notebook_path.unlink()
    capsys.readouterr()
    with file_size_limit(1000):              # every lesson notebook and skeleton is larger
        assert build.main([]) == 1
    first = EXERCISES[0].learner_path if first_write == "exercise-file" else \
        tmp_path / "notebooks" / "lessons" / f"{LESSONS[0]}.ipynb"
    assert not first.exists()
    assert not list(tmp_path.rglob("*.tmp"))
    assert capsys.readouterr().err == f"error: {first}: File too large\n"        # the file named, not its folder
    assert build.main([]) == 0
    assert first.stat().st_size > 1000
    assert all(nbformat.read(path, as_version=4).cells for path in (tmp_path / "notebooks").rglob("*.ipynb"))


def test_make_notebooks_with_a_lesson_that_is_not_utf8_is_one_line(tmp_path, monkeypatch, capsys):
    lessons = tmp_path / "course" / "lessons"
    lessons.mkdir(parents=True)
    for name in LESSONS:
        (lessons / f"{name}.py").write_bytes(b"# caf\xe9\n")                 # Latin-1
    monkeypatch.setattr(build, "COURSE", tmp_path / "course")
    monkeypatch.setattr(build, "NOTEBOOKS", tmp_path / "notebooks")
    assert build.main([]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"error: {LESSONS[0]}.py is not UTF-8 text (byte 0xe9 at position 5, line 1: 'é' in Windows-1252): "
                   "save it as UTF-8\n")


def test_a_learner_file_that_cannot_be_read_leaves_every_other_notebook_written(tmp_path, monkeypatch, capsys):
    """ex02 saved by Notepad as "Unicode" (UTF-16): make notebooks stopped at it with one line, and wrote no notebook
    after it -- no exercise after ex02, no solution -- and make lab, which writes them first, did not start at all."""
    notebooks = notebooks_written_into(tmp_path, monkeypatch)
    build.write_missing_files(list(EXERCISES))
    ex02 = find("ex02").learner_path
    ex02.write_bytes(ex02.read_text(encoding="utf-8").encode("utf-16"))
    assert build.main([]) == 1
    out, err = capsys.readouterr()
    assert err == ("error: ex02_backprop.py is not UTF-8 text (it is UTF-16, as its first bytes say): save it as "
                   "UTF-8 (its notebook is not written until then)\n")
    assert "  exercises/  6 written, 1 not written (ex02)\n" in out
    assert f"{len(LESSONS) + 6 + len(EXERCISES)} notebooks ({len(LESSONS)} lessons, 6 exercises, " in out
    written = {path.name for path in (notebooks / "exercises").glob("*.ipynb")}
    assert written == {f"{exercise.stem}.ipynb" for exercise in EXERCISES if exercise.name != "ex02"}
    assert len(list((notebooks / "solutions").glob("*.ipynb"))) == len(EXERCISES)
    assert build.main([], unreadable_stops=False) == 0          # make lab: starts, the line said
    assert "error: ex02_backprop.py is not UTF-8" in capsys.readouterr().err


def test_make_notebooks_in_a_learner_copy_writes_the_lessons_and_exercises_and_no_solutions(tmp_path, monkeypatch,
                                                                                          capsys):
    """A learner copy (make release) has no exercises/solutions/: make notebooks there must not look for them."""
    notebooks_written_into(tmp_path, monkeypatch)
    monkeypatch.setattr(build, "SOLUTIONS_DIR", tmp_path / "solutions")              # not there
    assert build.main([]) == 0
    assert not (tmp_path / "notebooks" / "solutions").exists()
    assert f"({len(LESSONS)} lessons, {len(EXERCISES)} exercises, 0 solutions)" in capsys.readouterr().out


def test_each_lesson_notebook_opens_with_its_whole_title_description_and_command():
    """The first cell is the lesson's docstring header, each field whole even when it holds a colon of its own
    (lesson 7: "Title: Data parallelism: a batch's gradient from its shards")."""
    for name in LESSONS:
        source = build.COURSE / "lessons" / f"{name}.py"
        header = source.read_text(encoding="utf-8").split('"""')[1].strip().splitlines()
        field = {line.partition(": ")[0]: line.partition(": ")[2] for line in header}
        first = build.lesson_notebook(source).cells[0]
        assert first.cell_type == "markdown", name
        assert first.source == f"# {field['Title']}\n\n{field['Description']}\n\nAs a script: {field['Run']}.", name


def test_no_heading_of_a_lessons_prose_is_hidden_in_a_code_cell_of_its_notebook():
    """Every "# ## ..." section of a lesson is a Markdown cell of its notebook. One written inside a function
    (run(), which draws the pictures) is a comment in that function's code cell: read before the pictures it
    explains, or skipped with the code, never as text under them."""
    for name in LESSONS:
        notebook = build.lesson_notebook(build.COURSE / "lessons" / f"{name}.py")
        hidden = [line.strip() for cell in notebook.cells if cell.cell_type == "code"
                  for line in cell.source.splitlines() if line.strip().startswith("# ##")]
        assert not hidden, f"{name}: headings inside a code cell, not Markdown: {hidden}"


def test_the_cell_ids_are_numbered_from_cell_1_as_the_readme_says():
    """README, make release: "the notebooks' cell ids are numbered (`cell-1`, `cell-2`, ...), not drawn at random"."""
    lesson = build.lesson_notebook(build.COURSE / "lessons" / f"{LESSONS[0]}.py")
    exercise = build.exercise_notebook(EXERCISES[0].solution_path, paired=False)
    for notebook in (lesson, exercise):
        assert [cell.id for cell in notebook.cells] == [f"cell-{n}" for n in range(1, len(notebook.cells) + 1)]


def test_a_notebook_make_notebooks_writes_is_byte_for_byte_what_jupyter_saves_its_last_newline_included(tmp_path):
    """A learner copy commits its notebooks (make release), and JupyterLab saves one with nbformat.write, which ends
    the file with a newline: without it, the learner's first save would show in git as a changed last line ("No
    newline at end of file"). Nothing else reads that newline: the fingerprints read the cells."""
    notebook = build.lesson_notebook(build.COURSE / "lessons" / f"{LESSONS[0]}.py")
    build.write_notebook(notebook, tmp_path / "ours.ipynb")
    nbformat.write(notebook, tmp_path / "jupyters.ipynb")
    assert (tmp_path / "ours.ipynb").read_bytes() == (tmp_path / "jupyters.ipynb").read_bytes()


# --- lessons -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_notebook_shows_its_pictures_inline_and_states_its_finding(lesson, notebooks, kernel, tmp_path):
    root, _ = notebooks
    notebook = execute(kernel, root / "notebooks" / "lessons" / f"{lesson}.ipynb", tmp_path)
    written = sorted((tmp_path / "logs" / "lessons" / "png").glob(f"{lesson}_*.png"))
    shown = [base64.b64decode(out.data["image/png"]) for out in outputs(notebook, "display_data")
             if "image/png" in out.data]
    assert written and len(shown) == len(written), f"{len(shown)} pictures shown, {len(written)} written"
    assert sorted(shown) == sorted(path.read_bytes() for path in written)   # each PNG the lesson wrote, shown
    alt = [out.metadata.get("image/png", {}).get("alt", "") for out in outputs(notebook, "display_data")
           if "image/png" in out.data]
    assert all(len(text) > 40 for text in alt), f"a picture without alt text for a screen reader: {alt}"
    assert lesson in FINDINGS, f"{lesson} states no finding this test knows: add its summary to FINDINGS"
    assert FINDINGS[lesson] in printed(notebook)
    # its explanation is text the learner reads under the pictures and the printed numbers it talks about
    shown_at = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and cell.outputs]
    notice = [i for i, cell in enumerate(notebook.cells)
              if cell.cell_type == "markdown" and cell.source.startswith("## What to notice")]
    assert notice, f"{lesson}: no Markdown cell \"## What to notice\""
    assert notice[0] > max(shown_at), (f"{lesson}: \"What to notice\" is cell {notice[0] + 1}, above cell "
                                       f"{max(shown_at) + 1}, whose output holds the pictures")


# --- exercises -----------------------------------------------------------------------------------------

def test_every_exercise_ends_with_a_grade_cell_for_itself():
    for exercise in EXERCISES:
        text = exercise.solution_path.read_text(encoding="utf-8")
        last_cell = text.rsplit("# %%", 1)[-1]
        assert f'grade_here("{exercise.name}")' in last_cell, f"{exercise.solution_path.name}: no grade cell at the end"


@pytest.mark.parametrize("exercise", [pytest.param(e, id=e.name) for e in EXERCISES])
def test_solved_exercise_notebook_runs_top_to_bottom_and_its_grader_passes(exercise, notebooks, kernel, tmp_path,
                                                                           monkeypatch, capsys):
    root, _ = notebooks
    notebook = execute(kernel, root / "notebooks" / "solutions" / f"{exercise.stem}.ipynb", tmp_path / "run")
    status = verdict(printed(notebook), exercise.name)
    assert status[0] == f"  {exercise.name}  {exercise.grader.TITLE:<46} PASS", f"{exercise.name}: {status}"
    assert printed(notebook, "stderr") == "", "TensorFlow's chatter (or a warning) in the learner's notebook"
    if exercise.name not in SAME_VERDICT_CHECKED:
        return
    # the same PASS from `make exercises` when the learner's work is in this notebook, the .py untouched, both
    # with the same time, as a git clone leaves them (ex01, ex02: they grade in no time)
    learner = tmp_path / "course" / "exercises"
    learner.mkdir(parents=True)
    (learner / f"{exercise.stem}.py").write_text(skeleton_of(exercise.solution_path), encoding="utf-8")
    saved = tmp_path / "course" / "notebooks" / "exercises" / f"{exercise.stem}.ipynb"
    saved.parent.mkdir(parents=True)
    nbformat.write(notebook, saved)
    os.utime(learner / f"{exercise.stem}.py", (saved.stat().st_mtime,) * 2)
    monkeypatch.setattr(graders, "EXERCISES_DIR", learner)
    monkeypatch.setattr(repository, "REPO", tmp_path / "course")  # what from_repository shows
    assert grade_cli.main(["--only", exercise.name]) == 0
    out = capsys.readouterr().out
    assert (f"(graded your notebook notebooks/exercises/{exercise.stem}.ipynb: it has fewer TODOs left than "
            f"{exercise.stem}.py)") in out
    assert verdict(out, exercise.name) == status


def test_make_exercises_names_a_duplicated_or_renamed_notebook_you_worked_in_which_it_does_not_grade(
        notebooks, tmp_path, monkeypatch, capsys):
    """JupyterLab's Duplicate (`...-Copy1.ipynb`) or Rename keeps the notebook's metadata, and its own Grade cell
    grades it; make exercises grades the exercise's own notebook or .py, untouched here: its FAIL names the copy the
    learner solved, and not a duplicate nobody worked in (nothing of theirs is in it)."""
    root, _ = notebooks
    stem = find("ex01").stem
    course = tmp_path / "course"
    (course / "exercises").mkdir(parents=True)
    (course / "exercises" / f"{stem}.py").write_bytes((root / "exercises" / f"{stem}.py").read_bytes())
    ours = course / "notebooks" / "exercises"
    ours.mkdir(parents=True)
    untouched = nbformat.read(root / "notebooks" / "exercises" / f"{stem}.ipynb", as_version=4)
    solved = nbformat.read(root / "notebooks" / "exercises" / f"{stem}.ipynb", as_version=4)
    solution = nbformat.read(root / "notebooks" / "solutions" / f"{stem}.ipynb", as_version=4)
    for cell, solved_cell in zip(solved.cells, solution.cells, strict=True):
        cell.source = solved_cell.source
    nbformat.write(untouched, ours / f"{stem}.ipynb")
    nbformat.write(untouched, ours / f"{stem}-Copy2.ipynb")          # duplicated, never worked in
    nbformat.write(solved, ours / "my_ex01.ipynb")                      # duplicated or renamed, then solved
    monkeypatch.setattr(graders, "EXERCISES_DIR", course / "exercises")
    monkeypatch.setattr(repository, "REPO", course)                    # what from_repository shows
    assert grade_cli.main(["--only", "ex01"]) == 1
    out = capsys.readouterr().out
    assert (f"        (not graded: your notebook notebooks/exercises/my_ex01.ipynb, a copy of {stem}.ipynb; make "
            f"exercises grades {stem}.ipynb or its .py: copy your cells into {stem}.ipynb)\n") in out, out
    assert "Copy2" not in out, out


@pytest.mark.parametrize("session, named", [
    ("keras_models/course/notebooks/exercises/ex01_perceptron_activations-Copy1.ipynb", True),
    ("<repo>/keras_models/course/notebooks/exercises/ex01_perceptron_activations-Copy1.ipynb", True),
    ("<repo>/keras_models/course/notebooks/exercises/ex01_perceptron_activations.ipynb", False),
    ("<repo>/keras_models/course/notebooks/solutions/ex01_perceptron_activations.ipynb", False),
], ids=["a-copy-from-the-root", "a-copy", "its-own-notebook", "the-solution"])
def test_the_grade_cell_of_a_copied_notebook_says_make_exercises_grades_the_exercises_own(session, named, tmp_path,
                                                                                          monkeypatch, capsys):
    """JupyterLab tells the kernel which notebook it runs (`__session__`, from JPY_SESSION_NAME: jupyter_server 2
    gives its full path when it knows the file's name, else its path from the server's root, the repository). A
    duplicated notebook's Grade cell grades the copy, and its PASS counted for nothing in make exercises; it now
    says which notebook make exercises grades. Not the exercise's own notebook, nor the solution's. Without a
    kernel: the grade cell compiled as IPython compiles it."""
    monkeypatch.setattr(repository, "REPO", tmp_path)
    monkeypatch.setattr(graders, "EXERCISES_DIR", tmp_path / "keras_models" / "course" / "exercises")
    namespace = {"__name__": "__main__", "__session__": session.replace("<repo>", str(tmp_path))}
    cells = ["Perceptron1D = Perceptron = Sigmoid = Tanh = ReLU = NeuralNetwork = None",
             "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex01')"]
    for number, cell in enumerate(cells, 1):
        exec(compile(cell, str(tmp_path / "ipykernel_4242" / f"{number}.py"), "exec"), namespace)
    line = ("(this notebook, keras_models/course/notebooks/exercises/ex01_perceptron_activations-Copy1.ipynb, is not "
            "the one make exercises grades: copy your cells into keras_models/course/notebooks/exercises/"
            "ex01_perceptron_activations.ipynb)\n")
    out = capsys.readouterr().out
    assert " FAIL " in out and (line in out) == named and out.count("(this notebook, ") == named, out


def test_a_grade_cell_run_before_the_cells_above_says_to_run_them_not_to_change_the_code(kernel, tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex01')")])
    nbformat.write(notebook, tmp_path / "grade_only.ipynb")
    lines = printed(execute(kernel, tmp_path / "grade_only.ipynb", tmp_path)).strip().splitlines()
    assert lines[-2].strip().startswith("your code defines no Perceptron1D, which the exercise asks for (in a "
                                        "notebook: run the cell that defines it;"), lines
    assert lines[-1] == "Run the cells above first (or write what the line above names), then this one."


def test_each_exercise_notebooks_try_it_cell_keeps_its_raises_exception_tag_so_run_all_reaches_the_grade_cell(
        notebooks):
    """The cell under "## Try it" ("## Run it") calls the learner's unfinished code, which raises NotImplementedError;
    tagged raises-exception in the .py, it must keep the tag in the notebook, or Run All stops there and the grade
    cell never says what is not done yet. The cheap check beside the test below, which runs every notebook."""
    root, _ = notebooks
    for exercise in EXERCISES:
        notebook = nbformat.read(root / "notebooks" / "exercises" / f"{exercise.stem}.ipynb", as_version=4)
        cells = notebook.cells
        tagged = [number for number, cell in enumerate(cells) if "raises-exception" in cell.metadata.get("tags", [])]
        under_try_it = [number for number in range(1, len(cells)) if cells[number].cell_type == "code"
                        and re.match(r"## (Try|Run) it\b", cells[number - 1].source)]
        assert tagged == under_try_it != [], f"{exercise.stem}: tagged {tagged}, under Try it {under_try_it}"


@pytest.mark.parametrize("exercise", [pytest.param(e, id=e.name) for e in EXERCISES])
def test_learner_notebook_says_not_started(exercise, notebooks, kernel, tmp_path, monkeypatch, capsys):
    """Run All, as JupyterLab runs it: it stops at a cell that raises unless the cell is tagged raises-exception,
    as the "Try it" cell is, so the grade cell is reached and says what is not done yet."""
    root, _ = notebooks
    notebook = execute(kernel, root / "notebooks" / "exercises" / f"{exercise.stem}.ipynb", tmp_path)
    (error,) = outputs(notebook, "error")
    assert (error.ename, error.evalue) == ("NotImplementedError", "TODO: write this part, then grade it")
    in_the_notebook = verdict(printed(notebook), exercise.name)
    assert in_the_notebook[0] == f"  {exercise.name}  {exercise.grader.TITLE:<46} FAIL"
    assert in_the_notebook[1].strip().startswith("not done yet: fill in the TODO in "), in_the_notebook
    assert printed(notebook).endswith(f"Change your code, run its cell again, then this one (or in a terminal, in "
                                      f"the project's folder: make exercises ONLY={exercise.name}).\n")
    if exercise.name not in SAME_VERDICT_CHECKED:
        return
    # the same verdict from `make exercises` on the learner's file (ex01, ex02: they grade in no time)
    monkeypatch.setattr(graders, "EXERCISES_DIR", root / "exercises")
    monkeypatch.setattr(repository, "REPO", root)  # what from_repository shows
    assert grade_cli.main(["--only", exercise.name]) == 1
    assert verdict(capsys.readouterr().out, exercise.name) == in_the_notebook


def test_a_grade_cell_after_a_damaged_data_file_says_to_restore_it_then_run_the_cell_again(kernel, tmp_path):
    """ex05's "Grade it" cell after the cells that define its functions, data/breast_cancer.csv gone meanwhile (the
    grader reads the data before it calls them)."""
    cells = ["import data.checksums\nfrom pathlib import Path\n\nshipped = data.checksums.DATA_DIR\n"
             "data.checksums.DATA_DIR = Path('gone').resolve()",
             "build_model = train = predict_labels = None      # the cells above, run",
             "from keras_models.course.exercises.grade import grade_here\n\ntry:\n    grade_here('ex05')\nfinally:\n"
             "    data.checksums.DATA_DIR = shipped      # the kernel runs the other notebooks too"]
    path = tmp_path / "damaged.ipynb"
    nbformat.write(notebook_with(*cells), path)
    out = printed(execute(kernel, path, tmp_path / "run"))
    assert f"a data file the exercise reads is damaged or gone: data file {tmp_path / 'run' / 'gone'}" in out, out
    assert out.splitlines()[-1] == "Restore the data file as the line above says, then run this cell again.", out


def test_a_grade_cell_interrupted_while_it_grades_is_one_line_saying_nothing_was_graded(kernel, tmp_path):
    """The kernel's interrupt (JupyterLab's stop button) raises KeyboardInterrupt wherever the grader is, here in
    the learner's Perceptron1D: one line, not a traceback through grade.py, the graders and Keras."""
    cells = ["Perceptron = Sigmoid = Tanh = ReLU = NeuralNetwork = None   # defined; the grader stops before them\n\n"
             "class Perceptron1D:\n    def __init__(self, weight, bias):\n        raise KeyboardInterrupt   # as the "
             "interrupt lands while the grader runs this",
             "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex01')"]
    path = tmp_path / "interrupted.ipynb"
    nbformat.write(notebook_with(*cells), path)
    notebook = execute(kernel, path, tmp_path / "run", allow_errors=True)
    assert outputs(notebook, "error") == []
    assert printed(notebook) == "Interrupted: ex01 was not graded. Run this cell again to grade it.\n"


def write_package_stopped_half_way(package_name: str, tmp_path) -> None:
    """A package in tmp_path whose import stops half-way, as the stop button lands in `import keras`: its submodule
    `done` finishes loading, then `cut_off` raises KeyboardInterrupt."""
    package = tmp_path / package_name
    package.mkdir()
    (package / "__init__.py").write_text(f"from {package_name} import done\nfrom {package_name} import cut_off\n",
                                         encoding="utf-8")
    (package / "done.py").write_text("", encoding="utf-8")
    (package / "cut_off.py").write_text("raise KeyboardInterrupt      # the interrupt lands here\n", encoding="utf-8")


def importable_package_stopped_half_way(package_name: str, tmp_path, monkeypatch, request) -> None:
    """write_package_stopped_half_way, importable in this Python during this test: tmp_path first on sys.path, and the
    submodule that finishes loading (it stays loaded after the stop) forgotten after the test, however it ends."""
    write_package_stopped_half_way(package_name, tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    request.addfinalizer(lambda: sys.modules.pop(f"{package_name}.done", None))


# The kernel's one line for a stop that lands in an import, written out here (not taken from kernel.py).
KERNEL_RESTART_LINE = ("Interrupted while Python was loading {package}: it may be left half-loaded in this kernel, and "
                       "code that uses it fail in ways that are not yours. Restart the kernel (Kernel > Restart "
                       "Kernel), then run the cells again.\n")


def test_a_grade_cell_interrupted_while_python_loads_a_module_says_to_restart_the_kernel(tmp_path, monkeypatch,
                                                                                         capsys, request):
    """The stop button while the grader's first `import keras` runs: Python keeps the submodules that had finished,
    and every later grading in that kernel failed with "the grader could not check your code: AttributeError ...
    module 'keras.src.backend' has no attribute 'backend'" -- after the line had said to run the cell again. Without
    a kernel: a package whose import is interrupted half-way, imported by the learner's Perceptron1D."""
    importable_package_stopped_half_way("halfway", tmp_path, monkeypatch, request)
    namespace = {"__name__": "notebook"}
    cells = ["Perceptron = Sigmoid = Tanh = ReLU = NeuralNetwork = None   # defined; the grader stops before them\n\n"
             "class Perceptron1D:\n    def __init__(self, weight, bias):\n        import halfway",
             "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex01')"]
    for number, cell in enumerate(cells, 1):
        exec(compile(cell, str(tmp_path / "ipykernel_4242" / f"{number}.py"), "exec"), namespace)
    assert capsys.readouterr().out == ("Interrupted while Python was loading halfway: ex01 was not graded, and halfway "
                                       "may be left half-loaded in this kernel. Restart the kernel (Kernel > Restart "
                                       "Kernel), run the cells above, then this one.\n")


def test_a_cell_of_yours_interrupted_while_python_loads_a_module_says_to_restart_the_kernel(kernel, tmp_path):
    """The stop button while the first cell's `import keras` runs (seconds: it looks stuck): a traceback through
    importlib; run again, the cell seemed fine, and the grade cell then said "the grader could not check your code:
    AttributeError ... module 'keras.src.backend' has no attribute 'backend'" and to change the code. Now one line
    says to restart the kernel; an interrupt anywhere else keeps IPython's traceback (where a loop was), a script's
    run in the notebook's namespace too. On the real kernel: a package whose import is interrupted half-way."""
    write_package_stopped_half_way("halfway_in_a_cell", tmp_path)
    cells = [f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\nraise KeyboardInterrupt   # a loop stopped",
             "import halfway_in_a_cell",
             "exec(compile('raise KeyboardInterrupt  # a script run here', 'a_script.py', 'exec'), globals())"]
    path = tmp_path / "interrupted.ipynb"
    nbformat.write(notebook_with(*cells), path)
    notebook = execute(kernel, path, tmp_path / "run", allow_errors=True)
    stopped_loop, stopped_script = outputs(notebook, "error")          # a script's top level is not an import
    assert stopped_loop.ename == "KeyboardInterrupt" and "a loop stopped" in "".join(stopped_loop.traceback)
    assert stopped_script.ename == "KeyboardInterrupt" and "a script run here" in "".join(stopped_script.traceback)
    restart_line = KERNEL_RESTART_LINE.format(package="halfway_in_a_cell")
    assert notebook.cells[1].outputs == [nbformat.v4.new_output("stream", name="stderr", text=restart_line)], \
        notebook.cells[1].outputs


def interrupt_while_importing(package_name: str, tmp_path, monkeypatch, request) -> KeyboardInterrupt:
    """The KeyboardInterrupt of a stop that landed half-way through importing a package made in tmp_path (as the stop
    button lands in `import keras`), with its traceback, in this Python."""
    importable_package_stopped_half_way(package_name, tmp_path, monkeypatch, request)
    with pytest.raises(KeyboardInterrupt) as stopped:
        __import__(package_name)
    return stopped.value


class ShellAfterAFailedCell:
    """What the kernel's handler uses of IPython's shell: its traceback, and the traceback ipykernel's showtraceback
    left for the error reply (`_last_traceback`), here an earlier cell's."""

    def __init__(self):
        self._last_traceback = ["ValueError: raised by an earlier cell"]
        self.tracebacks_shown = []

    def showtraceback(self, exc_tuple, tb_offset=None):
        self.tracebacks_shown.append(exc_tuple)


def test_the_kernels_restart_line_imports_nothing_while_a_package_is_half_loaded(tmp_path, monkeypatch, capsys,
                                                                                 request):
    """The stop button in `import keras` can leave pandas half-loaded (Keras imports it): the handler imported its
    helpers from grade.py, which loads pandas, only as it ran, and that failed ("ImportError: numpy._core.multiarray
    failed to import"); IPython then said "Custom TB Handler failed, unregistering", printed two tracebacks and ran
    without the handler for the rest of the kernel's life. Here the grader's module and pandas cannot be imported,
    and the handler still prints its one line."""
    interrupt = interrupt_while_importing("halfway_handled", tmp_path, monkeypatch, request)
    for module in ("pandas", "keras_models.course.exercises.grade"):
        monkeypatch.setitem(sys.modules, module, None)             # `import` of it raises ImportError
    shell = ShellAfterAFailedCell()
    kernel_module.interrupted(shell, KeyboardInterrupt, interrupt, interrupt.__traceback__)
    assert (capsys.readouterr().err, shell.tracebacks_shown) == (KERNEL_RESTART_LINE.format(package="halfway_handled"),
                                                                 [])


def test_the_kernels_restart_line_leaves_no_earlier_cells_traceback_in_the_error_reply(tmp_path, monkeypatch,
                                                                                          request):
    """ipykernel's error reply for the cell carries `shell._last_traceback`, which only showtraceback sets, and a cell
    that awaits at its top level does not clear first: its reply (nbclient's CellExecutionError) showed the traceback
    of an earlier failing cell. After the one line it is empty, as for a cell that printed no traceback."""
    interrupt = interrupt_while_importing("halfway_replied", tmp_path, monkeypatch, request)
    shell = ShellAfterAFailedCell()
    kernel_module.interrupted(shell, KeyboardInterrupt, interrupt, interrupt.__traceback__)
    assert shell._last_traceback == []


def test_a_grade_cell_interrupted_in_code_made_at_run_time_is_not_taken_for_an_import(tmp_path, capsys):
    """collections.namedtuple and dataclasses run the code they write with exec, whose top level is a "<module>"
    frame in "<string>" named after the tuple ("namedtuple_Point") or the caller's module ("__main__" in a notebook):
    an interrupt there said Python was loading namedtuple_Point and to restart the kernel. Without a kernel: the
    learner's Perceptron1D runs such code, and the interrupt lands in it."""
    namespace = {"__name__": "notebook"}
    cells = ["Perceptron = Sigmoid = Tanh = ReLU = NeuralNetwork = None   # defined; the grader stops before them\n\n"
             "class Perceptron1D:\n    def __init__(self, weight, bias):\n"
             # namedtuple's way, compiled first: exec of a string whose KeyboardInterrupt escapes it marks this
             # Python (CPython 3.11-3.13, caught or not) to end by SIGINT at exit, and pytest -n 0 said 130
             "        exec(compile('raise KeyboardInterrupt', '<string>', 'exec'), {'__name__': 'namedtuple_Point'})",
             "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex01')"]
    for number, cell in enumerate(cells, 1):
        exec(compile(cell, str(tmp_path / "ipykernel_4242" / f"{number}.py"), "exec"), namespace)
    assert capsys.readouterr().out == "Interrupted: ex01 was not graded. Run this cell again to grade it.\n"


def test_a_grade_cell_leaves_tensorflows_loggers_as_it_found_them(tmp_path, capsys):
    """The grade cell quiets TensorFlow's Python warnings while it grades; it left the "tensorflow" and "absl"
    loggers at ERROR for the rest of the kernel's life, so the learner's own cells after it no longer showed
    TensorFlow's warnings. Without a kernel: the grade cell compiled as IPython compiles it."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl")]
    found = [logger.level for logger in loggers]
    grade_cell = "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex01')"
    try:
        loggers[0].setLevel(logging.WARNING)
        loggers[1].setLevel(logging.NOTSET)
        exec(compile(grade_cell, str(tmp_path / "ipykernel_4242" / "1.py"), "exec"), {"__name__": "notebook"})
        assert [logger.level for logger in loggers] == [logging.WARNING, logging.NOTSET]
    finally:
        for logger, level in zip(loggers, found, strict=True):
            logger.setLevel(level)
    assert "your code defines no Perceptron1D" in capsys.readouterr().out      # it graded


def test_a_grade_cell_refuses_a_train_that_reads_the_whole_data_set_as_make_exercises_does(tmp_path, capsys,
                                                                                           monkeypatch):
    """ex06's grader makes load_housing refuse while train runs, but replaced it in the copy of the kernel's
    namespace it grades, while train reads its globals from the kernel's own: a train that read every house (test
    houses included) was graded on, and got whatever the MAE said instead of make exercises' hint."""
    from data import load_housing

    solution = find("ex06").solution_path.read_text(encoding="utf-8")
    leak = 'log_price = np.log(load_housing()["price"].to_numpy(dtype=float))'
    cells = [solution.replace('log_price = np.log(houses["price"].to_numpy(dtype=float))', leak),
             "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex06')"]
    assert leak in cells[0]
    kernel = types.ModuleType("notebook")                     # registered: a dataclass looks its module up
    monkeypatch.setitem(sys.modules, kernel.__name__, kernel)
    namespace = vars(kernel)
    for number, cell in enumerate(cells, 1):
        exec(compile(cell, str(tmp_path / "ipykernel_4242" / f"{number}.py"), "exec"), namespace)
    assert "train read the whole data set (load_housing()), test houses included" in capsys.readouterr().out
    assert namespace["load_housing"] is load_housing                          # the learner's, put back afterwards


@pytest.mark.parametrize("wrapped", ["functools.partial(read_all)", "Train()"], ids=["partial", "callable-object"])
def test_a_grade_cell_refuses_a_train_that_reads_the_whole_data_set_as_a_partial_or_a_callable_object(wrapped):
    """The guard replaced load_housing in train's __globals__, and, for a train without them (a functools.partial,
    an object with __call__), in the copy of the kernel's namespace it grades: the kernel's own, where such a train
    looks it up, kept the real loader, and a train that read every house was graded on its MAE."""
    from data import load_housing
    from keras_models.course.exercises.graders import ex06
    from keras_models.course.exercises.graders.checks import Fail

    kernel = {"load_housing": load_housing}
    exec("import functools\n"
         "def read_all(houses):\n    return load_housing()\n"
         "class Train:\n    def __call__(self, houses):\n        return load_housing()\n"
         f"train = {wrapped}\n", kernel)
    graded = types.SimpleNamespace(**kernel)                  # grade_here's copy of the kernel's namespace
    with pytest.raises(Fail, match=r"^train read the whole data set \(load_housing\(\)\), test houses included"):
        with ex06._without_the_data_set(graded):
            graded.train(None)
    assert kernel["load_housing"] is load_housing                             # the learner's, put back afterwards

def test_a_grade_cell_names_the_line_of_a_time_cell_that_raised(tmp_path, capsys):
    """A `%%time` cell defines Sigmoid, whose fn raises: IPython compiles the cell as "<timed exec>", which the
    grade cell did not count as the learner's, and said "the grader could not check your code: ValueError in
    _grade_activation (line 81 of graders/ex01.py) ... check what your functions return", where make exercises, on
    the same notebook, names Sigmoid.fn and its line. Without a kernel: the code compiled as IPython compiles it."""
    body = find("ex01").solution_path.read_text(encoding="utf-8").replace(
        "e = np.exp(-np.abs(z))", "raise ValueError('oops')", 1)
    raising = next(number for number, line in enumerate(body.splitlines(), 1) if "oops" in line)
    namespace = {"__name__": "notebook"}                                 # its Try it and Grade it cells not run
    exec(compile(body, "<timed exec>", "exec"), namespace)               # the cell below its %%time line
    grade_cell = "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex01')"
    exec(compile(grade_cell, str(tmp_path / "ipykernel_4242" / "1234.py"), "exec"), namespace)
    assert (f"your code raised ValueError in Sigmoid.fn (line {raising + 1} of its %%time cell): oops"
            in capsys.readouterr().out.splitlines()[1])


# --- exercise files that are not what the grader expects: one line each --------------------------------

def notebook_with(*cells: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])


@pytest.mark.parametrize("cells, message", [
    (["x = 1", "%matplotlib inline\nimport numpy as np", "def broken(:\n    pass"],
     "the file does not parse: invalid syntax at line 1 of cell 3 of ex01_perceptron_activations.ipynb"),
    (["x = 1", "y = 1 / 0"], "your code raised ZeroDivisionError in the top level of the file (line 1 of cell 2 of "
                             "ex01_perceptron_activations.ipynb): division by zero"),
    (["x = 1", "y = 2\n\0"], "the file does not parse: source code string cannot contain null bytes at line 2 of "
                             "cell 2 of ex01_perceptron_activations.ipynb"),
], ids=["syntax-error-in-cell-3", "raises-in-cell-2", "a-nul-byte-in-cell-2"])
def test_a_notebook_that_fails_is_one_line_naming_its_cell(cells, message, tmp_path):
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook_with(*cells), path)
    result = grade_file(find("ex01"), path, tmp_path)
    assert not result.passed and result.message == message


def test_a_notebook_saved_as_a_py_is_one_line_naming_it_not_blamed_on_its_json(tmp_path):
    """A notebook renamed, or saved from a browser, as ex01_....py: Python read its JSON as a dict literal and the
    grader said "your code raised NameError ...: name 'null' is not defined" (or, with no null in it, that the code
    defines no Perceptron1D)."""
    path = tmp_path / "ex01_perceptron_activations.py"
    nbformat.write(notebook_with("x = 1"), path)
    result = grade_file(find("ex01"), path, tmp_path)
    assert (result.passed, result.message) == (False, "ex01_perceptron_activations.py is a Jupyter notebook, not a "
                                                      "Python script: name it ex01_perceptron_activations.ipynb")


def test_a_notebook_whose_cells_have_no_ids_is_read_without_nbformats_warning(tmp_path):
    """Older tools save nbformat 4.5 notebooks without cell ids; nbformat then warned, two lines of it in the middle
    of make grade's table or a learner's make exercises."""
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    path.write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", '
                    '"metadata": {}, "source": "x = 1", "outputs": [], "execution_count": null}]}', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                 # any warning fails the test
        assert code_pieces(path) == [("x = 1\n", f"{path} cell 1")]
        assert fingerprints(path)[0] is not None


def test_a_notebook_whose_cells_share_an_id_is_read_without_nbformats_warning(tmp_path):
    """Cells pasted from another notebook, or a hand-merged notebook, can share an id; nbformat gives each repeat a
    new id and warned in two lines per cell, in the middle of make grade's table or a learner's make exercises."""
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    cell = ('{"cell_type": "code", "id": "same", "metadata": {}, "source": "x = 1", "outputs": [], '
            '"execution_count": null}')
    path.write_text(f'{{"nbformat": 4, "nbformat_minor": 5, "metadata": {{}}, "cells": [{cell}, {cell}]}}',
                    encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                 # any warning fails the test
        assert [name for _, name in code_pieces(path)] == [f"{path} cell 1", f"{path} cell 2"]
        assert fingerprints(path)[0] is not None


@pytest.mark.parametrize("minor, ids", [
    (4, [None, None, None]),            # JupyterLab 3 (nbformat before 5.1): 4.4, no ids
    (4, [None, None, "b2c4"]),          # a 4.4 notebook a newer tool added one cell to: that cell alone has an id
    (4, ["a1", "b2", "c3"]),            # 4.4 and ids on every cell, which came with 4.5
    (4, ["a1", "same", "same"]),        # ... two of them the same
    (5, ["a1", "b2", "c3"]),            # JupyterLab 4: 4.5 with an id on every cell
    (5, [None, None, None]),
    (5, ["a1", "same", "same"]),
], ids=["4.4-no-ids", "4.4-one-id", "4.4-ids", "4.4-duplicate-ids", "4.5-ids", "4.5-no-ids", "4.5-duplicate-ids"])
def test_a_jupyterlab_notebook_of_nbformat_4_4_or_4_5_is_read_with_or_without_cell_ids(minor, ids, tmp_path):
    """The notebook as JupyterLab writes it (one-space indent, sorted keys, a markdown cell first): ids or none, one
    cell's id repeated, in 4.4 or 4.5, each is read cell by cell as Jupyter runs it, without a word from nbformat (only
    a 4.2 notebook with ids was tried: test_a_notebook_marked_4_2_whose_cells_have_ids_grades_as_jupyter_runs_it)."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Exercise 1"]},
             {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ["x = 1"]},
             {"cell_type": "code", "execution_count": 3, "metadata": {}, "outputs": [], "source": ["y = x + 1\n", "y"]}]
    for cell, id_ in zip(cells, ids, strict=True):
        if id_ is not None:
            cell["id"] = id_
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4,
                                "nbformat_minor": minor}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                 # any warning fails the test
        assert code_pieces(path) == [("x = 1\n", f"{path} cell 2"), ("y = x + 1\ny\n", f"{path} cell 3")]
        assert fingerprints(path)[0] is not None


@pytest.mark.parametrize("magic, passes", [("%%time", True), ("%%capture out", True), ("%%bash", False)])
def test_a_cell_magic_that_runs_its_cell_as_python_keeps_the_cell_as_jupytext_keeps_it_in_the_py(magic, passes,
                                                                                                   tmp_path):
    """`%%time` on the cell that defines Perceptron1D: IPython runs it, the .py jupytext pairs with it keeps it, but
    the grader left the whole cell out -- "your code defines no Perceptron1D" for a notebook that worked. A
    `files = !ls` line is IPython's too: it did not parse. Other cell magics (%%bash) are still left out."""
    import jupytext

    notebook = jupytext.reads(find("ex01").solution_path.read_text(encoding="utf-8"), fmt="py:percent")
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    defines = next(cell for cell in code if "class Perceptron1D" in cell.source)
    defines.source = f"{magic}\n{defines.source}"
    code[0].source = f"files = !ls\n{code[0].source}"
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook, path)
    result = grade_file(find("ex01"), path, tmp_path)
    assert result.passed == passes, result.message
    assert passes or result.message.startswith("your code defines no Perceptron1D")


@pytest.mark.parametrize("line", ["?np.mean", "??np.maximum", "np.mean?"])
def test_a_help_request_is_left_out_whichever_side_its_question_mark_is_on(line, tmp_path):
    """IPython's help takes `?np.mean` as well as `np.mean?`: the grader left out only the second, and a notebook
    that ran said "the file does not parse: invalid syntax" for the first."""
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook_with("import numpy as np", line, "x = 1"), path)
    assert [source for source, _ in code_pieces(path)] == ["import numpy as np\n", "\n", "x = 1\n"]


def test_display_without_an_import_works_as_in_the_notebook(tmp_path, capsys):
    """IPython makes `display` a built-in name; the grader did not, and a notebook that ran in JupyterLab, its
    solution correct, failed with "your code raised NameError ...: name 'display' is not defined"."""
    import jupytext

    notebook = jupytext.reads(find("ex01").solution_path.read_text(encoding="utf-8"), fmt="py:percent")
    notebook.cells.insert(2, nbformat.v4.new_code_cell("z = np.arange(3)\ndisplay(z, z + 1)"))
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook, path)
    result = grade_file(find("ex01"), path, tmp_path)
    assert result.passed, result.message
    assert capsys.readouterr().out == "[0 1 2] [1 2 3]\n"


def test_a_grade_cell_outside_its_main_guard_is_not_a_second_verdict(tmp_path, capsys):
    """A learner who writes the grade cell as `grade_here("ex01")` alone: graded by make exercises, the file graded
    itself in the middle of the report, a second verdict line without the file's, for ex03-ex07 a second training."""
    import jupytext

    notebook = jupytext.reads(find("ex01").solution_path.read_text(encoding="utf-8"), fmt="py:percent")
    notebook.cells.append(nbformat.v4.new_code_cell(
        "from keras_models.course.exercises.grade import grade_here\n\ngrade_here('ex01')"))
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook, path)
    assert grade_file(find("ex01"), path, tmp_path).passed
    assert capsys.readouterr().out == ""


def test_an_ipython_line_alone_in_a_block_leaves_a_block_that_parses(tmp_path):
    """IPython runs `!pip install` inside an `if` (Colab notebooks do it): left out as a blank line, the `if` had no
    body, and a notebook that ran said "the file does not parse: expected an indented block"."""
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook_with("IN_COLAB = False\nif IN_COLAB:\n    !pip install numpy\nx = 1"), path)
    assert code_pieces(path)[0][0] == "IN_COLAB = False\nif IN_COLAB:\n    pass\nx = 1\n"


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_ipython_lines_are_left_out_whatever_a_cells_line_ends(end, tmp_path):
    """A notebook saved with a carriage return alone ending each line (an old Mac's editor; JupyterLab reads it as
    lines): IPython's tokens took the cell for one line, so only an IPython line on the first line was left out, and
    an indented `!pip install` was graded "the file does not parse: invalid syntax at line 3 of cell 1"."""
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook_with(end.join(["x = 1", "if x:", "    !pip install numpy", "np?", "y = 2"])), path)
    assert code_pieces(path)[0][0] == "x = 1\nif x:\n    pass\n\ny = 2\n"


def test_a_line_inside_brackets_or_a_string_is_python_whatever_it_starts_with(tmp_path):
    """Only a line on which a statement starts can be IPython's: black writes `"%d items"` then `% 3` on the next
    line, and a string may hold a line starting with `!`. They were left out (a wrong value; then, as `pass`,
    "the file does not parse")."""
    cell = 'msg = (\n    "%d items"\n    % 3\n)\nnote = """\n!important\n"""\n%time y = 2\n'
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook_with(cell), path)
    assert code_pieces(path)[0][0] == cell.replace("%time y = 2", "")


def test_a_cell_is_cut_into_lines_where_python_cuts_it(tmp_path):
    """Python ends a line at a newline or a carriage return only; the cell was cut with str.splitlines, which also ends
    one at a form feed (an editor's page break), \\x85 or \\u2028: a string holding a \\u2028 was cut in two ("the
    file does not parse: unterminated string literal", for a cell that runs), and below a page break each line was
    numbered one too many in the FAIL."""
    cell = 'note = "one\u2028two"\n\f\nx = 1\n'
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook_with(cell), path)
    assert code_pieces(path)[0][0] == cell


@pytest.mark.parametrize("name, content, message", [
    ("ex01_perceptron_activations.py", b"def run(x):\n    return '\xe9t\xe9'\n",
     "ex01_perceptron_activations.py is not UTF-8 text (byte 0xe9 at position {at}, line 2: 'é' in Windows-1252): "
     "save it as UTF-8"),
    ("ex01_perceptron_activations.py", b"x = 1\n\xe9t\xe9 = 2\n",                # the byte first on its line
     "ex01_perceptron_activations.py is not UTF-8 text (byte 0xe9 at position {at}, line 2: 'é' in Windows-1252): "
     "save it as UTF-8"),
    # Notepad's "ANSI" (Windows-1252) with an old Mac's line ends: the line counted as Python counts it
    ("ex01_perceptron_activations.py", b"# notes\r\rx = 1\r# it\x92s mine\r",
     "ex01_perceptron_activations.py is not UTF-8 text (byte 0x92 at position {at}, line 4: '\u2019' in Windows-1252): "
     "save it as UTF-8"),
    # a byte Windows-1252 leaves undefined: no guess
    ("ex01_perceptron_activations.py", b"x = 1\r\n# \x81\r\n",
     "ex01_perceptron_activations.py is not UTF-8 text (byte 0x81 at position {at}, line 2): save it as UTF-8"),
    # python runs a .py in the encoding its coding line declares (PEP 263): the line says why, and that it must go
    ("ex01_perceptron_activations.py", b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nx = '\xe9t\xe9'\n",
     "ex01_perceptron_activations.py is not UTF-8 text (its line 2 declares latin-1): save it as UTF-8 and delete "
     "that line"),
    ("ex01_perceptron_activations.py", b"x = 1\n# coding: latin-1\ny = '\xe9'\n",         # not a coding line there
     "ex01_perceptron_activations.py is not UTF-8 text (byte 0xe9 at position {at}, line 3: 'é' in Windows-1252): "
     "save it as UTF-8"),
    ("ex01_perceptron_activations.py", "x = 1\n".encode("utf-16"),                      # Notepad's "Unicode"
     "ex01_perceptron_activations.py is not UTF-8 text (it is UTF-16, as its first bytes say): save it as UTF-8"),
    ("ex01_perceptron_activations.py", "import numpy as np\n".encode("utf-16"),   # long enough to look mark-less too
     "ex01_perceptron_activations.py is not UTF-8 text (it is UTF-16, as its first bytes say): save it as UTF-8"),
    # an editor's "UTF-16 LE" of a file with a Greek letter in it: not every second byte is 0 (η is b"\xb7\x03")
    ("ex01_perceptron_activations.py", "# η: the learning rate\nimport numpy as np\n".encode("utf-16-le"),
     UTF_16_WITHOUT_A_MARK.format(name="ex01_perceptron_activations.py")),
    ("ex01_perceptron_activations.py", zipped("ex01_perceptron_activations.py", b"x = 1\n"),
     "ex01_perceptron_activations.py is a zip archive, not text: unzip it and hand in the file inside"),
    ("ex01_perceptron_activations.py", b"\n<!DOCTYPE html>\n<html lang=\"en\"><head><title>ex01</title></head>\n",
     "ex01_perceptron_activations.py is a web page (HTML), not the script itself: download the file (on GitHub: "
     "Download raw file) and hand that in"),
    ("ex01_perceptron_activations.ipynb", b"<html><body>Google Drive</body></html>",
     "ex01_perceptron_activations.ipynb is a web page (HTML), not the notebook itself: download the file (on GitHub: "
     "Download raw file) and hand that in"),
    ("ex01_perceptron_activations.ipynb", b"\xfe\xff" + "{}".encode("utf-16-be"),
     "ex01_perceptron_activations.ipynb is not UTF-8 text (it is UTF-16, as its first bytes say): save it as UTF-8"),
    ("ex01_perceptron_activations.ipynb", b'{"cells": [], "metadata": {}, "nbformat": 4, "x": "\xff"}',
     "ex01_perceptron_activations.ipynb is not UTF-8 text (byte 0xff at position {at}, line 1: 'ÿ' in Windows-1252): "
     "save it as UTF-8"),
    ("ex01_perceptron_activations.ipynb", b"# %% [markdown]\n# # ex01\nimport numpy as np\n",      # a .py renamed
     "ex01_perceptron_activations.ipynb is a Python script, not a Jupyter notebook: name it "
     "ex01_perceptron_activations.py"),
    ("ex01_perceptron_activations.ipynb", b"", "ex01_perceptron_activations.ipynb is not a Jupyter notebook (the file "
                                               "is empty)"),
    ("ex01_perceptron_activations.ipynb", b'{"cells": [',
     "ex01_perceptron_activations.ipynb is not a Jupyter notebook (not JSON: Expecting value, line 1 column 12)"),
    ("ex01_perceptron_activations.ipynb", b'{"cells": "abc',         # json's message ends in "at": said once
     "ex01_perceptron_activations.ipynb is not a Jupyter notebook (not JSON: Unterminated string starting at, line 1 "
     "column 11)"),
    ("ex01_perceptron_activations.ipynb", b'[1, 2]',
     "ex01_perceptron_activations.ipynb is not a Jupyter notebook (its JSON is a list, not an object with cells)"),
    ("ex01_perceptron_activations.ipynb", b'{"cells": 3, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
     "ex01_perceptron_activations.ipynb is not a Jupyter notebook ("),
    # no "nbformat": read as version 1, whose upgrade raised UnboundLocalError (in make grade, before any submission
    # ran, a traceback that stopped the class); a minor version that is not a number: an AssertionError
    ("ex01_perceptron_activations.ipynb", b'{"cells": [{"cell_type": "markdown", "metadata": {}, "source": "x"}], '
                                          b'"metadata": {}}',
     "ex01_perceptron_activations.ipynb is not a Jupyter notebook (no nbformat version number in its JSON)"),
    ("ex01_perceptron_activations.ipynb", b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": "x"}',
     "ex01_perceptron_activations.ipynb is not a Jupyter notebook (its nbformat_minor is 'x', not a whole number)"),
    ("ex01_perceptron_activations.ipynb", b'{"cells": [], "metadata": {}, "nbformat": 4.0, "nbformat_minor": 5}',
     "ex01_perceptron_activations.ipynb is not a Jupyter notebook (its nbformat is 4.0, not a whole number)"),
], ids=["py-latin-1", "py-latin-1-first-on-its-line", "py-cp1252-cr", "py-not-cp1252",
        "py-coding-line", "py-coding-line-below-code", "py-utf-16", "py-utf-16-longer", "py-utf-16-le-a-greek-letter",
        "py-a-zip", "py-a-web-page",
        "ipynb-a-web-page", "ipynb-utf-16",
        "ipynb-not-utf8", "ipynb-a-py-renamed", "ipynb-empty", "ipynb-not-json", "ipynb-unterminated", "ipynb-a-list",
        "ipynb-not-a-notebook", "ipynb-no-nbformat", "ipynb-minor-not-a-number", "ipynb-version-a-float"])
def test_a_file_that_cannot_be_read_is_one_line_saying_why(name, content, message, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    result = grade_file(find("ex01"), path, tmp_path)
    first_bad_byte = next((i for i, byte in enumerate(content) if byte >= 0x80), None)
    assert not result.passed and len(result.message.splitlines()) == 1
    assert result.message.startswith(message.format(at=first_bad_byte)), result.message


SOLVED_EX01 = find("ex01").solution_path.read_text(encoding="utf-8")
RUN_LINE = "        return self.weight * np.asarray(x, dtype=float) + self.bias\n"     # line 45 of ex01's solution


WEB_SPACE = ("a non-breaking space (U+00A0), which text copied from a web page holds, where Python expects a space: "
             "type the spaces of that line again")
CURLY = "as a word processor or a web page types quotes: type a straight quote, \" or '"


@pytest.mark.parametrize("typed, at, said", [
    ("\u00a0       return self.weight", "line {run}", WEB_SPACE),
    ("        return\u00a0self.weight", "line {run}", WEB_SPACE),
    ("        return \u201cx\u201d; self.weight", "line {run}", f"a curly quote (U+201C), {CURLY}"),
    ("        return \u2018x\u2019; self.weight", "line {run}", f"a curly quote (U+2018), {CURLY}"),
    ("        return 0 \u2013 self.weight", "line {run}",
     "a dash (U+2013), as a word processor types a minus sign: type a minus sign, -"),
    ("        return self.weight\u200b", "line {run}",
     "a zero-width space (U+200B), invisible, which text copied from a web page or a chat holds: delete it"),
    (None, "line {last}", "a Ctrl-Z (U+001A), the end-of-file mark old Windows and DOS editors add: delete it"),
], ids=["nbsp-indent", "nbsp-between", "curly-double", "curly-single", "en-dash", "zero-width-space", "ctrl-z"])
def test_a_character_python_refuses_is_named_in_plain_words(typed, at, said, tmp_path):
    """A .py saved by an editor on Windows (a BOM, CRLF) from text pasted out of a web page or a word processor: Python
    says "invalid non-printable character U+00A0", which names neither the invisible character nor what to type
    instead. The FAIL names it, and keeps the line where it is."""
    if typed is None:                               # Notepad's CRLF and a DOS editor's Ctrl-Z after the last line
        content = "\ufeff" + SOLVED_EX01.replace("\n", "\r\n") + "\x1a"
    else:
        content = "\ufeff" + SOLVED_EX01.replace(RUN_LINE, RUN_LINE.replace(
            "        return self.weight", typed), 1).replace("\n", "\r\n")
    path = tmp_path / "ex01_perceptron_activations.py"
    path.write_bytes(content.encode("utf-8"))
    result = grade_file(find("ex01"), path, tmp_path)
    where = at.format(run=line_of(SOLVED_EX01, RUN_LINE.strip()), last=SOLVED_EX01.count("\n") + 1)
    assert not result.passed and len(result.message.splitlines()) == 1
    assert result.message.startswith("the file does not parse: "), result.message
    assert f" at {where} of ex01_perceptron_activations.py -- {said}" in result.message, result.message


def test_the_same_character_in_a_notebook_cell_is_named_too(tmp_path):
    """The same words for a notebook: a Colab notebook (nbformat 4.0, no cell ids) with a curly-quoted string."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                               nbformat.v4.new_code_cell("x = 1\nprint(\u201chi\u201d)")])
    path = tmp_path / "ex01_perceptron_activations.ipynb"
    nbformat.write(notebook, path)
    result = grade_file(find("ex01"), path, tmp_path)
    assert " at line 2 of cell 2 of ex01_perceptron_activations.ipynb -- a curly quote (U+201C)" in result.message, \
        result.message


def test_ctrl_c_while_make_notebooks_imports_jupytext_is_one_line_and_exit_130(tmp_path):
    done = ctrl_c_while_importing("keras_models.course.jupyter", "jupytext", tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (130, "\nInterrupted before any notebook was written.\n", "")


def test_ctrl_c_while_make_notebooks_writes_is_one_line_and_exit_130(capsys, monkeypatch):
    def interrupted(out_dir, backup_dir):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "build", interrupted)
    assert build.main([]) == 130
    assert capsys.readouterr() == ("", "\nInterrupted; the notebooks written so far are kept, run make notebooks "
                                       "again for the others.\n")
