"""Exercise files as notebook tools and learners' habits leave them: the verdict names what is wrong.

A notebook downloaded as Python (Jupyter's File > Download as > Python) whose `from __future__` import sat at the top
of a later cell does not parse: the line says that the download moved it, and what to do.

A solution whose definitions sit under `if __name__ == "__main__":` runs as a script (make exercise-run grades it
PASS through its own Grade it cell) but defines nothing when the grader runs it, as a module of another name: the
FAIL says where the definition is and why the grader does not see it, not "defines no Perceptron1D ... run the cell
that defines it; deleted or renamed: make exercise-reset", which sent the learner looking for a deletion.
"""

from __future__ import annotations

import json

import pytest
from conftest import line_of

from keras_models.course.exercises.graders import find, grade_file

EX01 = find("ex01")
SOLVED = EX01.solution_path.read_text(encoding="utf-8")


def _under_main_guard(source: str, guard: str = 'if __name__ == "__main__":') -> str:
    """`source` with everything from `import numpy` on indented under `guard` (its last line the one that holds the
    block: `if ...:` or `else:`)."""
    head, _, body = source.partition("import numpy as np\n")
    indented = "".join(f"    {line}" if line.strip() else line for line in f"import numpy as np\n{body}"
                       .splitlines(keepends=True))
    return f"{head}{guard}\n{indented}"


def test_a_solution_under_the_main_guard_is_told_where_its_definition_is(tmp_path):
    path = tmp_path / f"{EX01.stem}.py"
    source = _under_main_guard(SOLVED)
    path.write_text(source, encoding="utf-8")
    line = line_of(source, "class Perceptron1D")
    result = grade_file(EX01, path, tmp_path)
    assert (result.passed, result.message) == (False, (
        f'your code defines Perceptron1D only under `if __name__ == "__main__":` (line {line} of {path.name}), '
        "which runs when the file is run as a script, not when it is graded: move the definition out of that block"))


def test_a_notebook_cell_under_the_main_guard_is_named_by_its_cell(tmp_path):
    """In a kernel `__name__` is "__main__", so the cell defines the class there and grade_here passes; the grader
    runs the cells as a module of its own name."""
    path = tmp_path / f"{EX01.stem}.ipynb"
    source = _under_main_guard(SOLVED)
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Exercise 1"]},
             {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [], "source": source}]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}),
                    encoding="utf-8")
    line = line_of(source, "class Perceptron1D")
    result = grade_file(EX01, path, tmp_path)
    assert result.message.startswith(f'your code defines Perceptron1D only under `if __name__ == "__main__":` '
                                     f"(line {line} of cell 2 of {path.name})"), result.message


@pytest.mark.parametrize("guard", ['if "__main__" == __name__:', "if __name__ == '__main__':",
                                   'if __name__ == "__main__" and True:', 'if __name__ == "__main__" and not TESTING:',
                                   'if not __name__ != "__main__":', 'if (__name__ == "__main__"):',
                                   'if __name__ == "__main__" or False:',
                                   'if __name__ != "__main__":\n    pass\nelse:'])
def test_the_guard_is_recognised_however_it_is_spelled(guard, tmp_path):
    """Any test that is False whenever __name__ is not "__main__" hides its block from the grader; `__name__ !=
    "__main__"` hides its else. TESTING, a name the test does not decide, cannot make such an `and` true."""
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(_under_main_guard(SOLVED, f"TESTING = False\n{guard}"), encoding="utf-8")
    assert "only under" in grade_file(EX01, path, tmp_path).message


@pytest.mark.parametrize("guard", ['if __name__ == "__main__" or True:', 'if __name__ != "__main__":',
                                   'if __name__ == "__main__" or not TESTING:', "if False:"])
def test_a_block_the_grader_runs_is_not_called_hidden(guard, tmp_path):
    """A test that is, or may be, true when graded, or one that is not about __name__: a name defined there and
    missing when graded is missing for another reason (here a line after the block removes Sigmoid, which the block
    defined), and the line says it is missing, not that the block hid it."""
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(_under_main_guard(SOLVED, f"TESTING = False\n{guard}") + '\nglobals().pop("Sigmoid", None)\n',
                    encoding="utf-8")
    message = grade_file(EX01, path, tmp_path).message
    assert message.startswith("your code defines no ") and "only under" not in message, message


def test_a_name_missing_outside_any_guard_keeps_its_line(tmp_path):
    """A definition renamed is not under a guard: the line stays the one for a name the code lacks."""
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(SOLVED.replace("class Sigmoid", "class Sigmoidal"), encoding="utf-8")
    assert grade_file(EX01, path, tmp_path).message.startswith("your code defines no Sigmoid, which the exercise")


@pytest.mark.parametrize("guard", ['if __name__ == "__main__":\n  try:\n    pass\n  except ImportError:',
                                   'if __name__ == "__main__":\n  try:\n    pass\n  finally:',
                                   'if __name__ == "__main__":\n  if TESTING:\n    pass\n  else:',
                                   'if __name__ == "__main__":\n  with open(__file__):'],
                         ids=["except", "finally", "else", "with"])
def test_a_definition_in_a_block_inside_the_guard_is_found_there_too(guard, tmp_path):
    """The guard's block is searched through the blocks it holds (an except, a finally, an else), not its own
    statements only: a definition there is as hidden from the grader as one directly under the guard."""
    path = tmp_path / f"{EX01.stem}.py"
    source = _under_main_guard(SOLVED, f"TESTING = False\n{guard}")
    path.write_text(source, encoding="utf-8")
    assert grade_file(EX01, path, tmp_path).message.startswith(
        "your code defines Perceptron1D only under `if __name__ == \"__main__\":` "
        f"(line {line_of(source, 'class Perceptron1D')} of {path.name})")


@pytest.mark.parametrize("binding, hidden", [("Sigmoid = Logistic", True),
                                             ("from my_activations import Sigmoid", True),
                                             ("from my_activations import Logistic as Sigmoid", True),
                                             ("def main():\n        Sigmoid = Logistic", False)],
                         ids=["assignment", "import", "import-as", "local-name-of-a-function"])
def test_a_name_bound_under_the_guard_by_an_assignment_or_import_is_found_a_functions_local_name_is_not(
        binding, hidden, tmp_path):
    """Sigmoid renamed Logistic, and the name bound again only under the guard: an assignment or an import there binds
    the module's name (hidden from the grader; of `import ... as Sigmoid`, the name after `as`); the same assignment
    inside a function there binds a local name only, so the code defines no Sigmoid at all."""
    path = tmp_path / f"{EX01.stem}.py"
    source = SOLVED.replace("class Sigmoid", "class Logistic") + f'\nif __name__ == "__main__":\n    {binding}\n'
    path.write_text(source, encoding="utf-8")
    message = grade_file(EX01, path, tmp_path).message
    if hidden:
        assert message.startswith('your code defines Sigmoid only under `if __name__ == "__main__":` '
                                  f"(line {line_of(source, binding)} of {path.name})"), message
    else:
        assert message.startswith("your code defines no Sigmoid, which the exercise"), message


def _downloaded_as_python(first_cell: str) -> str:
    """The solution as Jupyter's File > Download as > Python (nbconvert --to script) writes its notebook when a cell
    `first_cell` comes before the solution's cells: a header, then each cell after an `# In[N]:` marker."""
    return (f"#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\n{first_cell}\n\n\n# In[2]:\n\n\n{SOLVED}")


def test_a_downloaded_notebook_whose_future_import_is_no_longer_first_says_why(tmp_path):
    """In the notebook, `from __future__ import annotations` at the top of a later cell holds (IPython compiles each
    cell on its own); one after the other in the downloaded .py, Python refuses it, and "from __future__ imports must
    occur at the beginning of the file at line 12" did not say that the download put it there."""
    path = tmp_path / f"{EX01.stem}.py"
    source = _downloaded_as_python("import sys")
    path.write_text(source, encoding="utf-8")
    line = line_of(source, "from __future__ import annotations")
    result = grade_file(EX01, path, tmp_path)
    assert (result.passed, result.message) == (False, (
        f"the file does not parse: from __future__ imports must occur at the beginning of the file at line {line} of "
        f"{path.name} -- a notebook downloaded as Python puts its cells one after another, so a `from __future__` "
        "import at the top of a later cell is no longer at the top of the file: move it to the first line, or hand "
        "in the .ipynb"))


def test_a_future_import_out_of_place_in_a_script_of_ones_own_gets_no_download_hint(tmp_path):
    path = tmp_path / f"{EX01.stem}.py"
    source = f"import sys\n{SOLVED}"
    path.write_text(source, encoding="utf-8")
    line = line_of(source, "from __future__ import annotations")
    assert grade_file(EX01, path, tmp_path).message.endswith("from __future__ imports must occur at the beginning "
                                                             f"of the file at line {line} of {path.name}")


def test_a_colab_notebooks_drive_mount_is_told_to_be_colab_only(tmp_path):
    """Colab's `from google.colab import drive; drive.mount(...)` cell: the grader (and JupyterLab) has no google.colab.
    "No module named 'google.colab'" alone read as a package the course forgot to install."""
    path = tmp_path / f"{EX01.stem}.ipynb"
    cells = [{"cell_type": "code", "metadata": {"id": "mT3kQ"}, "execution_count": 1, "outputs": [],
              "source": ["!pip install tensorflow\n", "from google.colab import drive\n",
                         "drive.mount('/content/drive')\n"]},
             {"cell_type": "code", "metadata": {"id": "vB7xZ"}, "execution_count": 2, "outputs": [], "source": SOLVED}]
    kernelspec = {"name": "python3", "display_name": "Python 3"}
    notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 0,
                "metadata": {"colab": {"provenance": []}, "accelerator": "GPU", "kernelspec": kernelspec}}
    path.write_text(json.dumps(notebook), encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    assert (result.passed, result.message) == (False, (
        f"your code raised ModuleNotFoundError in the top level of the file (line 2 of cell 1 of {path.name}): No "
        "module named 'google.colab' -- google.colab exists only on Google Colab (drive.mount, files.upload): delete "
        "those lines from what you hand in"))


@pytest.mark.parametrize("module", ["google.cloud", "google.generativeai"])
def test_another_google_package_missing_gets_no_colab_hint(module, tmp_path):
    """`from google.cloud import storage` is a package the learner's machine lacks, not Colab's own module: telling
    them that "google.colab exists only on Google Colab" named a module their code never imported."""
    path = tmp_path / f"{EX01.stem}.py"
    source = SOLVED.replace("import numpy as np\n", f"import numpy as np\nfrom {module} import storage\n", 1)
    path.write_text(source, encoding="utf-8")
    line = line_of(source, f"from {module} import storage")
    result = grade_file(EX01, path, tmp_path)
    assert (result.passed, result.message) == (False, (
        f"your code raised ModuleNotFoundError in the top level of the file (line {line} of {path.name}): No module "
        f"named '{module}'"))


def test_a_name_the_numpy_module_lacks_is_the_learners_error_not_a_name_the_exercise_asks_for(tmp_path):
    """np.exq: an AttributeError of NumPy's module, not of the learner's; "your code defines no exq, which the exercise
    asks for" sent the learner looking for a definition the exercise never asked for."""
    path = tmp_path / f"{EX01.stem}.py"
    source = SOLVED.replace("e = np.exp(-np.abs(z))", "e = np.exq(-np.abs(z))")
    path.write_text(source, encoding="utf-8")
    message = grade_file(EX01, path, tmp_path).message
    assert message == (f"your code raised AttributeError in Sigmoid.fn (line {line_of(source, 'e = np.exq')} of "
                       f"{path.name}): module 'numpy' has no attribute 'exq'"), message


def test_of_several_names_missing_the_first_the_grader_needs_is_named(tmp_path):
    """Sigmoid before NeuralNetwork in the grader's NEEDS, NeuralNetwork first in the alphabet: a sorted set of the
    missing names would name NeuralNetwork."""
    path = tmp_path / f"{EX01.stem}.py"
    path.write_text(SOLVED.replace("class Sigmoid:", "class Sigmoidal:").replace("class NeuralNetwork", "class Net"),
                    encoding="utf-8")
    assert grade_file(EX01, path, tmp_path).message.startswith("your code defines no Sigmoid, which the exercise")


def test_a_future_import_in_a_notebooks_first_cell_holds_for_the_cells_after_it(tmp_path):
    """As IPython runs them: `from __future__ import annotations` in cell 1 leaves cell 2's annotations unevaluated, so
    one that names a class defined further down (or never) does not raise NameError."""
    path = tmp_path / f"{EX01.stem}.ipynb"
    body = SOLVED.replace("from __future__ import annotations\n", "")
    later = "\n\ndef untouched(x: DefinedLater) -> DefinedLater:\n    return x\n"
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
              "source": "from __future__ import annotations"},
             {"cell_type": "code", "metadata": {}, "execution_count": 2, "outputs": [], "source": body + later}]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}),
                    encoding="utf-8")
    result = grade_file(EX01, path, tmp_path)
    assert result.passed, result.message
