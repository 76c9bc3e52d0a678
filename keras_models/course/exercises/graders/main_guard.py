"""A definition the grader cannot see: inside `if __name__ == "__main__":`, where the learner put it.

Run as a script (make exercise-run, python itself, a notebook's kernel, where `__name__` is "__main__"), such a
file defines its functions and classes; graded, it is loaded as a module of another name, the block is skipped,
and the grader would say "your code defines no Perceptron1D ... deleted or renamed?". This finds where the name
is defined in such a block, so the FAIL can say so instead. Read from the source, never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..notebook_source import cell_line, code_pieces

MAIN_GUARD = '`if __name__ == "__main__":`'


def only_when_run_as_script(path: Path, name: str) -> str | None:
    """'line L of <file or cell>' where the file at `path` defines `name` (a def, a class, an assignment or an
    import) inside an `if __name__ == "__main__":` block (or another that runs only when __name__ is "__main__": `and
    TESTING`, the else of `__name__ != "__main__"`), which the grader, running the file as a module of another
    name, skips (a notebook's kernel and python itself run it: the learner saw the code work); else None."""
    for source, piece in code_pieces(path):
        for guard in ast.walk(ast.parse(source)):
            if not (isinstance(guard, ast.If) and any(map(_is_main_guard, ast.walk(guard.test)))):
                continue                             # `if False:` hides its block too, but not as a main guard does
            graded = _when_graded(guard.test)        # the test's value when __name__ is not "__main__"
            skipped = guard.body if graded is False else guard.orelse if graded is True else []
            for node in _module_level(skipped):
                if name in _names_bound(node):
                    return cell_line(piece, node.lineno)
    return None


def only_under_main_guard(name: str, where: str) -> str:
    """The FAIL's line for a name defined only inside the block, at `where` (only_when_run_as_script's answer): not
    "defines no <name> ... deleted or renamed", which sent the learner looking for a deletion."""
    return (f"your code defines {name} only under {MAIN_GUARD} ({where}), which runs when the file is run as a script, "
            "not when it is graded: move the definition out of that block")


def _module_level(body: list[ast.stmt]):
    """The statements of `body` and of the blocks inside it (if, for, with, try), not of the functions and classes
    it defines: theirs bind local names."""
    for statement in body:
        yield statement
        if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for field in ("body", "orelse", "finalbody"):
                yield from _module_level(getattr(statement, field, []))
            for handler in getattr(statement, "handlers", []):
                yield from _module_level(handler.body)


def _is_main_guard(test: ast.expr) -> bool:
    """`__name__ == "__main__"`, either way round (`!=` too: _when_graded tells them apart)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq | ast.NotEq)):
        return False
    sides = {ast.dump(test.left), ast.dump(test.comparators[0])}
    return sides == {ast.dump(ast.Name("__name__", ast.Load())), ast.dump(ast.Constant("__main__"))}


def _when_graded(test: ast.expr) -> bool | None:
    """What an if's `test` is when the file is graded (__name__ is not "__main__"): False, True, or None when the
    source does not decide it (another name: `TESTING`). `__name__ == "__main__" and not TESTING` is False whatever
    TESTING is, so its block is skipped too; `__name__ != "__main__"` is True, so its else is skipped."""
    if _is_main_guard(test):
        return isinstance(test.ops[0], ast.NotEq)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        value = _when_graded(test.operand)
        return None if value is None else not value
    if isinstance(test, ast.BoolOp):
        values = [_when_graded(operand) for operand in test.values]
        decisive = isinstance(test.op, ast.Or)          # one True decides an `or`, one False an `and`
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    if isinstance(test, ast.Constant):
        return bool(test.value)
    return None


def _names_bound(node: ast.AST) -> set[str]:
    """The module-level names a statement binds: a def's or class's name, an assignment's or import's names."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return set()
