"""`make lock-check`: does constraints.txt install, pin for pin, on Python 3.11, 3.12 and 3.13?

    .venv/bin/python tests/lock_check.py [--python 3.11 3.12 3.13]

For each version, pip's resolver runs in dry-run mode for that version's wheels only
(`pip install --dry-run --python-version X --only-binary=:all: -c constraints.txt`), asked for every
requirement of pyproject.toml (the dev extra included) and every name the lock pins. No interpreter of
that version is needed, and nothing is installed. It fails if pip cannot resolve (a pin that has no
wheel for that version, or that pyproject.toml no longer allows) or would install a package the lock
does not pin.

One thing pip does not do: it evaluates environment markers (`; python_version >= "3.13"`) for the
Python that runs it, not for --python-version (pypa/pip#10050). A dependency that only Python 3.13
needs would slip through a pip run from 3.11. So this script reads the report pip writes (every package
and the requirements in its metadata), evaluates each requirement's marker for the target version
itself, following extras, and checks that every requirement that applies is pinned, and pinned to a
version it accepts (`unpinned`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from keras_models.twins.one_line_parser import OneLineParser

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "constraints.txt"
VERSIONS = ("3.11", "3.12", "3.13")


def read_pins(lock: Path) -> dict[str, str]:
    """{canonical name: version} of every `name==version` line of the lock."""
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            if not version:
                raise ValueError(f"{lock.name}: {line!r} is not an exact pin (name==version)")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def project_requirements(pyproject: Path) -> list[str]:
    """The dependencies of pyproject.toml and of its dev extra, as written there."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def unpinned(report: dict, pins: dict[str, str], python_version: str, roots: list[str]) -> list[str]:
    """What the lock misses on `python_version`, one line each; [] when every package that Python needs is pinned.

    `report` is pip's installation report (`pip install --dry-run --report`): each package's metadata
    lists its requirements (`requires_dist`). Starting from `roots`, every requirement whose marker holds
    on python_version (with the extras asked of its package) must name a pinned package, pinned to a
    version the requirement accepts; and every package pip would install must be pinned.
    """
    environment = {**report["environment"], "python_version": python_version,
                   "python_full_version": f"{python_version}.0"}
    metadata = {canonicalize_name(item["metadata"]["name"]): item["metadata"] for item in report["install"]}
    problems = [f"pip would install {metadata[name]['name']}=={metadata[name]['version']}, which the lock does "
                "not pin" for name in sorted(set(metadata) - set(pins))]
    wanted = [(Requirement(text), "pyproject.toml") for text in roots]
    extras_seen: dict[str, set[str]] = {}
    while wanted:
        requirement, needed_by = wanted.pop()
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{needed_by} needs {requirement} on Python {python_version}, and the lock does not "
                            f"pin {requirement.name}")
            continue
        if not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{needed_by} needs {requirement} on Python {python_version}, and the lock pins "
                            f"{requirement.name}=={pins[name]}")
        extras = {""} | set(requirement.extras)
        if name not in metadata or extras <= extras_seen.get(name, set()):
            continue                          # a pin pip did not need (none of its requirements apply), or done
        new = extras - extras_seen.get(name, set())
        extras_seen.setdefault(name, set()).update(new)
        for text in metadata[name].get("requires_dist", []):
            dependency = Requirement(text)
            if dependency.marker is None or any(dependency.marker.evaluate({**environment, "extra": extra})
                                                for extra in new):
                wanted.append((dependency, f"{metadata[name]['name']}=={pins[name]}"))
    return sorted(set(problems))


def check(python_version: str, lock: Path = LOCK, pyproject: Path = REPO / "pyproject.toml") -> list[str]:
    """Resolve the lock for one Python version with pip (dry run); the problems found, [] if none."""
    pins = read_pins(lock)
    roots = [*project_requirements(pyproject), *pins]
    with tempfile.TemporaryDirectory() as tmp:
        requirements, report = Path(tmp) / "requirements.txt", Path(tmp) / "report.json"
        requirements.write_text("\n".join(roots) + "\n", encoding="utf-8")
        # --target: this pip (23.2) takes --python-version only with it; with --dry-run nothing is written there
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "-qq",
                               "--disable-pip-version-check", "--ignore-installed", "--target", str(Path(tmp) / "t"),
                               "--only-binary=:all:", "--python-version", python_version, "--report", str(report),
                               "-c", str(lock), "-r", str(requirements)], capture_output=True, text=True)
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.startswith("ERROR")] or [done.stderr.strip()]
            return [f"pip cannot install the lock on Python {python_version}: " + " ".join(lines)]
        return unpinned(json.loads(report.read_text(encoding="utf-8")), pins, python_version, roots)


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="make lock-check", command=".venv/bin/python tests/lock_check.py",
                           description=__doc__.splitlines()[0])
    parser.add_argument("--python", nargs="+", default=list(VERSIONS), metavar="X.Y")
    versions = parser.parse_args(argv).python
    with ThreadPoolExecutor(len(versions)) as pool:           # three pip runs at once: mostly waiting on the index
        results = dict(zip(versions, pool.map(check, versions), strict=True))
    pins = len(read_pins(LOCK))
    for version, problems in results.items():
        print(f"Python {version}: " + ("; ".join(problems) if problems else
                                       f"the lock resolves: {pins} pins, a wheel for each, nothing unpinned"))
    return 1 if any(results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
