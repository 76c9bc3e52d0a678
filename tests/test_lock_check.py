"""`make lock-check` (tests/lock_check.py) catches what pip alone misses: a requirement that applies only on a
newer Python (pip evaluates markers for the Python that runs it), through extras too, and a pin that such a
requirement does not accept. Each test feeds it a small report in the form `pip install --report` writes,
so no test needs the network.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lock_check  # noqa: E402  (tests/lock_check.py)

ENVIRONMENT = {"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
               "platform_machine": "x86_64", "platform_release": "6.1", "platform_system": "Linux",
               "platform_version": "#1", "python_full_version": "3.11.7", "platform_python_implementation": "CPython",
               "python_version": "3.11", "sys_platform": "linux"}


def report(*packages: tuple[str, str, list[str]]) -> dict:
    """A pip installation report listing (name, version, requires_dist) for each package."""
    return {"environment": ENVIRONMENT, "install": [
        {"metadata": {"name": name, "version": version, "requires_dist": requires}} for name, version, requires in
        packages]}


# optree and jsonschema as PyPI describes them (requirements trimmed to the ones that matter here)
OPTREE = ("optree", "0.17.0", ['typing-extensions>=4.6.0', 'typing-extensions>=4.12.0; python_version >= "3.13"'])
JSONSCHEMA = ("jsonschema", "4.25.1", ["attrs>=22.2.0", 'fqdn; extra == "format-nongpl"'])


@pytest.mark.parametrize("python_version, problems", [
    ("3.11", []),
    ("3.12", []),
    ("3.13", ['optree==0.17.0 needs typing-extensions>=4.12.0; python_version >= "3.13" on Python 3.13, and the '
              "lock pins typing-extensions==4.10.0"]),
])
def test_a_pin_that_a_newer_python_needs_higher_fails_only_for_that_python(python_version, problems):
    pins = {"optree": "0.17.0", "typing-extensions": "4.10.0"}
    pip_said = report(OPTREE, ("typing_extensions", "4.10.0", []))
    assert lock_check.unpinned(pip_said, pins, python_version, ["optree"]) == problems


def test_a_package_only_a_newer_python_needs_must_be_pinned_too():
    pins = {"optree": "0.17.0"}
    pip_said = report(("optree", "0.17.0", ['typing-extensions>=4.12.0; python_version >= "3.13"']))
    assert lock_check.unpinned(pip_said, pins, "3.12", ["optree"]) == []
    assert lock_check.unpinned(pip_said, pins, "3.13", ["optree"]) == [
        'optree==0.17.0 needs typing-extensions>=4.12.0; python_version >= "3.13" on Python 3.13, and the lock does '
        "not pin typing-extensions"]


def test_an_extra_asked_for_by_another_package_brings_its_requirements_in():
    pins = {"jsonschema": "4.25.1", "attrs": "25.4.0", "jupyter-events": "0.12.0"}
    events = ("jupyter_events", "0.12.0", ["jsonschema[format-nongpl]>=4.18.0"])
    pip_said = report(events, JSONSCHEMA, ("attrs", "25.4.0", []))
    assert lock_check.unpinned(pip_said, pins, "3.11", ["jsonschema"]) == []            # nobody asks for the extra
    assert lock_check.unpinned(pip_said, pins, "3.11", ["jupyter-events"]) == [
        'jsonschema==4.25.1 needs fqdn; extra == "format-nongpl" on Python 3.11, and the lock does not pin fqdn']


def test_what_pip_would_install_unpinned_and_what_pyproject_asks_beyond_a_pin_are_named():
    pins = {"keras": "3.15.1"}
    pip_said = report(("keras", "3.15.1", ["namex"]), ("namex", "0.1.0", []))
    assert lock_check.unpinned(pip_said, pins, "3.12", ["keras>=3.16"]) == [
        "keras==3.15.1 needs namex on Python 3.12, and the lock does not pin namex",
        "pip would install namex==0.1.0, which the lock does not pin",
        "pyproject.toml needs keras>=3.16 on Python 3.12, and the lock pins keras==3.15.1"]


def test_the_lock_is_read_as_exact_pins_and_anything_else_is_refused(tmp_path):
    lock = tmp_path / "constraints.txt"
    lock.write_text("# a comment\nTyping_Extensions==4.15.0\n\nnumpy==2.4.6  # why\n")
    assert lock_check.read_pins(lock) == {"typing-extensions": "4.15.0", "numpy": "2.4.6"}
    lock.write_text("numpy>=2\n")
    with pytest.raises(ValueError, match=r"constraints.txt: 'numpy>=2' is not an exact pin \(name==version\)"):
        lock_check.read_pins(lock)


def test_the_real_lock_pins_every_requirement_of_pyproject():
    """Every group pyproject.toml declares -- the dependencies and each extra, read here with tomllib -- is pinned,
    and is among the requirements make lock-check resolves (project_requirements)."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    pins = lock_check.read_pins(lock_check.LOCK)
    project = tomllib.loads((lock_check.REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"dependencies": project["dependencies"], **project.get("optional-dependencies", {})}
    assert "dev" in groups and all(groups.values()), groups
    checked = lock_check.project_requirements(lock_check.REPO / "pyproject.toml")
    for group, requirements in groups.items():
        for text in requirements:
            assert text in checked, f"{group}: make lock-check does not resolve {text}"
            requirement = Requirement(text)
            assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)]), f"{group}: {text}"


def test_the_readmes_count_of_pins_is_the_locks():
    """README says how many packages constraints.txt pins ("pins all 149 packages") and quotes make lock-check's
    lines ("149 pins, a wheel for each"): a lock compiled again with a package more or fewer must update both."""
    import re
    pins = [line for line in lock_check.LOCK.read_text(encoding="utf-8").splitlines()
            if "==" in line.split("#")[0]]                              # counted here, not with read_pins
    readme = (lock_check.REPO / "README.md").read_text(encoding="utf-8")
    stated = re.findall(r"pins all (\d+) packages", readme) + re.findall(r"the lock resolves: (\d+) pins", readme)
    assert len(stated) == 4, stated                                     # the sentence and make lock-check's three lines
    assert set(stated) == {str(len(pins))}, f"README states {stated} pins; constraints.txt has {len(pins)}"
