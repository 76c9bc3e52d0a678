"""git run on the project's repository, and the files it tracks there: make release and make mutants copy them.

Both ask the same git the same way, so both work where it works (a safe.directory in the instructor's
GIT_CONFIG_GLOBAL, for a clone another user owns) and say the same of it where it does not.

    GIT_REPOSITORY_VARIABLES  the variables with which a git hook points git at its own repository
    git(folder, *args)        `git ARGS` run in `folder`, those variables dropped: its output
    git_said(error)           git's reason for a failure, in one line (its "fatal:" line)
    listed(folder, purpose, *options)  `git ls-files OPTIONS`: the files that exist, sorted; a failure in one
                              line that begins with `purpose` ("make release copies the files git tracks")
    names(output)             the names in git's `-z` output, each as the file system spells it (bytes kept)
    restore_command(path)     the git command that brings back a tracked file's committed bytes, as a line gives it
    shown(path)               a path as a line shows it: a byte that is not UTF-8 as its escape, \xe9
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

# The variables with which a git hook points git at its repository (`git rev-parse --local-env-vars`). Only these:
# the instructor's GIT_CONFIG_GLOBAL (where a safe.directory may live), GIT_SSL_CAINFO ... are theirs to keep
GIT_REPOSITORY_VARIABLES = ("GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS",
                            "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE",
                            "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS",
                            "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE",
                            "GIT_COMMON_DIR")


def git(folder: Path, *args: str, environment: Mapping[str, str] | None = None, given: bytes | None = None) -> bytes:
    """`git ARGS` run in `folder`, its output; `given`, its input. Variables that point git at another repository
    (GIT_DIR, GIT_INDEX_FILE ..., set in a git hook: make release or make mutants in a pre-push hook) are dropped from
    `environment` (by default this process's): the folder's own repository is the one meant. Raises OSError where git
    cannot be run, subprocess.CalledProcessError (its stderr kept, for git_said) where it fails."""
    kept = {name: value for name, value in (os.environ if environment is None else environment).items()
            if name not in GIT_REPOSITORY_VARIABLES}
    return subprocess.run(["git", *args], cwd=folder, env=kept, input=given, capture_output=True, check=True).stdout


def git_said(error: OSError | subprocess.CalledProcessError) -> str | None:
    """git's reason for a failure, in one line: its "fatal:" line, after warnings ("warning: core.fsyncObjectFiles is
    deprecated") or errors ("error: bad signature 0x58585858" before "fatal: index file corrupt") or before its advice
    ("Another git process seems to be running ... remove the file manually to continue."); else the last line it
    wrote; None if it wrote nothing (or never ran)."""
    said = (getattr(error, "stderr", None) or b"").decode("utf-8", "replace").strip().splitlines()
    return next((line for line in said if line.startswith("fatal:")), said[-1] if said else None)


def listed(folder: Path, purpose: str, *options: str) -> list[Path]:
    """`git ls-files OPTIONS` in `folder`: paths relative to it, of files that exist, sorted. Where git cannot list
    them, ValueError in one line: `purpose` (what the command needs them for), then what to do."""
    try:
        listing = git(folder, "ls-files", "-z", *options)
    except OSError as error:                                     # no git at all
        raise ValueError(f"{purpose}, and git cannot be run here ({error.strerror or error}): install git") from None
    except subprocess.CalledProcessError as error:   # not a clone (a ZIP's folder), or one git refuses ("dubious
        said = git_said(error)                       # ownership": sudo, a clone another user owns)
        raise ValueError(f"{purpose}: run it in a git clone of the project"
                         + (f" (git said: {said})" if said else "")) from None
    return sorted(Path(name) for name in names(listing) if (folder / name).is_file())


def names(output: bytes) -> list[str]:
    """The names in git's `-z` output (ls-files, diff --name-only), as os.fsdecode reads a name on disk: git keeps a
    name's bytes as they are, and one that is not UTF-8 (a file unzipped from a Latin-1 archive, café in 0xe9) stopped
    a strict decode with "'utf-8' codec can't decode byte 0xe9", naming no file. Its bytes are kept (as surrogates):
    the same file opens, copies, and goes back to git as os.fsencode gives it."""
    return [os.fsdecode(name) for name in output.split(b"\0") if name]


def restore_command(path: Path | str) -> str:
    """`git checkout HEAD -- PATH`: what a line tells a learner or an instructor to type to bring back a course file
    that is missing or damaged. From the last commit, not from git's index: after `git rm PATH` the index no longer
    holds it (`git checkout PATH` fails: "pathspec ... did not match any file(s) known to git"), and after a damaged
    copy is staged (`git add -A`, as a learner committing their work does) the index holds the damage, which `git
    checkout PATH` silently brings back. (A deletion or damage already committed it cannot undo.) data/checksums.py
    says the same in its own words: data/ imports nothing from keras_models."""
    return f"git checkout HEAD -- {shown(path)}"


def shown(path: Path | str) -> str:
    """`path` as a line shows it: a byte that is not UTF-8 as its escape (café in Latin-1: caf\\xe9), not the
    surrogate os.fsdecode kept it as (printed as \\udce9, or refused by a strict UTF-8 output)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
