"""The layout a newcomer reads: one room per concept, imports in one direction, a file map that is true.

    scratch/               the math, NumPy only: imports nothing of the project's other rooms
    data/                  the data sets and the task table: imports neither scratch nor keras_models
    keras_models/twins/    the Keras twins                      -> scratch, data
    keras_models/train/    `make train`'s machinery              -> twins, scratch, data
    keras_models/course/   lessons, course scripts, exercises   -> twins, scratch, data
    keras_models/bench/    `make bench`                         -> twins, scratch, data

Read from the source (every `import` statement, top level or inside a function), so an import that
only runs in one code path counts too.
"""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

import pytest
from conftest import learners_own
from project_files import REPO, python_files

from keras_models.course.exercises.graders import EXERCISES

ROOMS = ("scratch", "data", "keras_models.twins", "keras_models.train", "keras_models.course", "keras_models.bench")
ALLOWED = {
    "scratch": set(),
    "data": set(),
    "keras_models.twins": {"scratch", "data"},
    "keras_models.train": {"keras_models.twins", "scratch", "data"},
    "keras_models.course": {"keras_models.twins", "scratch", "data"},
    "keras_models.bench": {"keras_models.twins", "scratch", "data"},
}
FRAMEWORKS = ("tensorflow", "keras", "tensorboard")


def room_of(module: str) -> str | None:
    """The room a dotted module name lives in ('keras_models.train.run' -> 'keras_models.train')."""
    return next((room for room in ROOMS if module == room or module.startswith(room + ".")), None)


def source_files(room: str) -> list[Path]:
    return python_files(room.replace(".", "/"))


def imported_modules(source: str, package: str) -> set[str]:
    """Every module an `import x` / `from x import y` in `source` names, relative imports resolved
    against `package` (the dotted name of the folder the file is in)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:                                   # from .checks import x: relative to `package`
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}   # from keras_models import train
    return found


def imports_of(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"), ".".join(path.relative_to(REPO).parts[:-1]))


def forbidden(room: str, modules: set[str]) -> list[str]:
    """The modules of other rooms that `room` may not import."""
    return sorted(m for m in modules if room_of(m) not in (None, room, *ALLOWED[room]))


@pytest.mark.parametrize("room", ROOMS)
def test_each_room_imports_only_the_rooms_below_it(room):
    wrong = [f"{path.relative_to(REPO)} imports {module}"
             for path in source_files(room) for module in forbidden(room, imports_of(path))]
    allowed = sorted(ALLOWED[room]) or "none of the other rooms"
    assert not wrong, f"{room} may import only {allowed}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("room", ["scratch", "data"])
def test_the_math_and_the_data_import_no_framework(room):
    wrong = [f"{path.relative_to(REPO)} imports {module}" for path in source_files(room)
             for module in imports_of(path) if module.split(".")[0] in FRAMEWORKS]
    assert not wrong, "\n".join(wrong)


def test_the_learners_own_exercise_files_are_not_read_as_the_projects_source():
    """The learner's exercise files (git-ignored, theirs: mid-way through, or saved by Notepad with a byte-order mark
    or as UTF-16) were read as the project's source: make test in their checkout failed here, and in test_run_hints.py,
    with a SyntaxError or UnicodeDecodeError traceback about their own work. Both read tests/project_files.py's list.
    The solutions, of which they are cut, are read."""
    exercises = REPO / "keras_models" / "course" / "exercises"
    read = set(source_files("keras_models.course"))
    assert not {exercise.learner_path for exercise in EXERCISES} & read
    assert learners_own(exercises / "ex01_perceptron_activations - Copy.py")       # Windows' name for a copy
    assert exercises / "solutions" / "ex01_perceptron_activations.py" in read


def test_the_checker_catches_a_forbidden_import_absolute_or_relative():
    probe = "from keras_models.train.run import train\nfrom ..train import sides\nimport numpy\n"
    found = forbidden("keras_models.course", imported_modules(probe, "keras_models.course"))
    assert {"keras_models.train.run", "keras_models.train.sides"} <= set(found)
    assert "numpy" not in found
    assert forbidden("keras_models.train", imported_modules(probe, "keras_models.train")) == []


# -- the README's file map -------------------------------------------------------------------------
def readme_text() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def file_map() -> str:
    readme = readme_text()
    start = readme.index("## Read it in this order")
    return readme[start:readme.index("\n## ", start + 1)]


def named_paths() -> set[str]:
    """Every `path` the file map names: files (`scratch/layers.py`) and folders (`keras_models/train/`)."""
    return {token for token in re.findall(r"`([\w./-]+)`", file_map())
            if "/" in token and not token.startswith(("logs/", ".venv/"))}


def test_every_path_the_file_map_names_exists():
    missing = sorted(path for path in named_paths() if not (REPO / path).exists())
    assert not missing, f"the README's file map names paths that do not exist: {missing}"


def test_every_source_file_is_in_the_file_map():
    """Each product module is named, or its own folder is (`keras_models/train/` covers train/*.py)."""
    named = named_paths()
    folders = {path.rstrip("/") for path in named if path.endswith("/")}
    unnamed = []
    for room in ("scratch", "data", "keras_models"):
        for path in source_files(room):
            relative = path.relative_to(REPO)
            if str(relative) not in named and str(relative.parent) not in folders:
                unnamed.append(str(relative))
    assert not unnamed, f"the README's file map does not name these files or their folders: {unnamed}"


def test_the_file_map_states_the_directions_between_rooms():
    text = file_map()
    for line in ("`keras_models/train/` -> `keras_models/twins/`", "`keras_models/course/` -> `keras_models/twins/`",
                 "`keras_models/bench/` -> `keras_models/twins/`"):
        assert line in text, f"the file map does not say {line}"


# -- each package's own file map -------------------------------------------------------------------
# A package whose docstring maps its files (`name.py   what it is`) must name every one of them: a newcomer
# reading keras_models/twins/__init__.py should not find a module there that the map leaves out.
MAPPED_PACKAGES = ("scratch/optimizers", "keras_models/twins", "keras_models/train", "keras_models/bench",
                   "keras_models/course")


@pytest.mark.parametrize("package", MAPPED_PACKAGES)
def test_each_package_map_names_every_module_in_its_folder(package):
    folder = REPO / package
    docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))) or ""
    mapped = set(re.findall(r"^\s+(\w+\.py)\b", docstring, flags=re.MULTILINE))
    assert mapped, f"{package}/__init__.py has no file map (lines that start with a module name)"
    modules = {path.name for path in folder.glob("*.py") if path.name != "__init__.py"}
    assert not modules - mapped, f"{package}/__init__.py's file map leaves out {sorted(modules - mapped)}"


# -- the warnings pytest lets through ----------------------------------------------------------------
# pyproject.toml makes every warning an error, then ignores the frameworks' deprecation noise by module. A module
# pattern there matches from the start of the name (re.match): "keras" unanchored took in keras_models too.
def deprecation_from(module: str, message: str) -> None:
    """A DeprecationWarning as `module` (a dotted name) raises it from its own file, through the filters in force."""
    warnings.warn_explicit(message, DeprecationWarning, f"{module.replace('.', '/')}.py", 1, module=module)


@pytest.mark.parametrize("module", ["keras_models", "keras_models.train.runs", "keras_models.twins.bridge",
                                    "scratch.layers", "data.tasks", "tensorflow_helpers", "google_like"])
def test_a_deprecation_in_our_own_code_is_an_error_under_pytest(module):
    with pytest.raises(DeprecationWarning, match="ours"):
        deprecation_from(module, "ours")


@pytest.mark.parametrize("module", ["keras", "keras.src.backend", "tensorflow", "tensorboard.compat", "absl.flags",
                                    "gast.gast"])
def test_a_frameworks_deprecation_stays_quiet_under_pytest(module):
    with warnings.catch_warnings(record=True) as caught:    # record=True keeps the filters pytest set for this test
        deprecation_from(module, "theirs")
    assert not caught, f"a DeprecationWarning from {module} was shown: {caught[0].message}"


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading (#anchor in a link): lower case, every character that is not a letter, a
    digit, `_`, `-` or a space dropped (a code span's backticks too), then each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("heading, anchor", [
    ("How we know it's right", "how-we-know-its-right"),
    ("Performance: `make bench`", "performance-make-bench"),
    ("Data parallelism: `make train DEVICES=2` and several machines",
     "data-parallelism-make-train-devices2-and-several-machines"),
])
def test_a_heading_gets_githubs_anchor(heading, anchor):
    assert github_anchor(heading) == anchor


def readme_headings() -> set[str]:
    """The anchors of README's headings, outside code blocks (where `# ...` is a comment)."""
    anchors, in_code = set(), False
    for line in readme_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (heading := re.match(r"#{1,6} (.+)", line)):
            anchors.add(github_anchor(heading[1]))
    return anchors


def test_every_link_within_the_readme_leads_to_one_of_its_headings():
    """The contents list at the top and the cross-references (`see [Setting up](#setting-up)`) still lead somewhere
    after a heading is reworded."""
    links = set(re.findall(r"\]\(#([^)\s]+)\)", readme_text()))
    assert links, "no link within the README found: the pattern no longer matches its links"
    assert sorted(links - readme_headings()) == []


# -- the README's table of make targets ------------------------------------------------------------
def help_targets(makefile: str) -> list[str]:
    """The targets `make help` lists: each rule whose line carries a `## ` description, in the Makefile's order."""
    return re.findall(r"^([a-z-]+):.*## ", makefile, flags=re.MULTILINE)


def readme_targets(readme: str) -> list[str]:
    """The targets the README's table under "`make` alone lists every target" names, in its order: the first
    cell's commands (`make` or `make help`, `make release DEST=dir`) each give the word after `make`."""
    table = readme[readme.index("`make` alone lists every target"):]
    table = table[:table.index("\n\n", table.index("|"))]
    targets = []
    for row in re.findall(r"^\| (.+?) \|", table, flags=re.MULTILINE):          # each row's first cell
        targets += [target for target in re.findall(r"`make ([a-z-]+)", row) if target not in targets]
    return targets


def test_the_readmes_table_of_targets_is_the_one_make_help_prints():
    """A target added to the Makefile (or renamed, or dropped) without its row in README, or the other way
    round, leaves a newcomer with a command one of the two does not know."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    readme = readme_text()
    assert "help" in help_targets(makefile) and "clean" in help_targets(makefile)     # the patterns still read them
    assert readme_targets(readme) == help_targets(makefile)
