"""NumPy's shape errors in the learner's code, told with the shapes of the arrays on the failing line.

NumPy's matmul error gives two sizes and a gufunc signature, not which arrays had which shapes:

    matmul: Input operand 1 has a mismatch in its core dimension 0, ... (size 4 is different from 2)
 -> matmul of delta2 (5, 2) @ W2 (4, 2): the inner sizes 2 and 4 differ -- a missing or extra .T, or the
    operands swapped?

The shapes are read, never computed: the traceback's last frame must be the learner's, the instruction that
raised gives the columns of the expression that failed (Python's own ^^^ carets), and that expression's
operands, when each is a name, an attribute of one or a constant index into a list or dict, are looked up in the
frame's variables (inspect.getattr_static: no property or __getattr__ of the learner's runs; only a class body's
namespace of the learner's own making could run code, and what it raises leaves NumPy's message). Nothing on the
line is evaluated again. An operand that is an expression, or a shape that disagrees with NumPy's sizes (a file saved
since it ran), keeps only the sizes NumPy reported. So does a name a list, set or dict comprehension binds, from
Python 3.12 on: the comprehension runs inside the frame (PEP 709), and once the error has left it the name holds what
it held before the comprehension, or nothing.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import linecache
import re
import sys
from collections.abc import Callable
from types import FrameType, ModuleType, SimpleNamespace, TracebackType

import numpy as np

MATMUL = re.compile(r"matmul: Input operand 1 has a mismatch in its core dimension 0, .*"
                    r"\(size (\d+) is different from (\d+)\)")
DOT = re.compile(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\) not aligned: (\d+) \(dim \d+\) != (\d+) \(dim \d+\)")
BROADCAST = re.compile(r"operands could not be broadcast together with shapes \(([\d, ]*)\) \(([\d, ]*)\)"
                       r"( \([\d, ]*\))?")                  # a third: the output of an in-place z += b
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
LONGEST_NAME = 30                   # characters of an operand's source kept in the line (make grade keeps 300)
WHICH = " (the left's last, the right's first)"
TRANSPOSE = " -- a missing or extra .T, or the operands swapped?"
OPERATORS = ast.BinOp | ast.UnaryOp | ast.BoolOp | ast.Compare | ast.IfExp | ast.Lambda  # (a := b) has brackets
COMPREHENSIONS = ast.ListComp | ast.SetComp | ast.DictComp         # inline from Python 3.12 on (PEP 709)
OWN_FRAME = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.GeneratorExp | ast.ClassDef
UNREAD = object()


def explained(error: BaseException, is_learners: Callable[[str], bool]) -> str | None:
    """NumPy's matmul, dot or broadcast ValueError raised on a line of the learner's, in plain words with the
    shapes involved and the likely fix; None for any other error (its own message then stands), and whenever the
    line cannot be read back: nested too deep (a .T a thousand times over: ast.unparse and _read_shape recurse once
    a level), or variables in a mapping of the learner's whose lookup raises (a metaclass's __prepare__)."""
    try:
        return _explained(error, is_learners)
    except Exception:                           # noqa: BLE001 -- NumPy's own message is the learner's line then
        return None


def _explained(error: BaseException, is_learners: Callable[[str], bool]) -> str | None:
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if type(error) is not ValueError or tb is None or not is_learners(tb.tb_frame.f_code.co_filename):  # NumPy's own
        return None
    text = str(error).strip()
    matmul, dot, broadcast = (pattern.fullmatch(text) for pattern in (MATMUL, DOT, BROADCAST))
    if not (matmul or dot or broadcast):
        return None
    node = _failing(tb)
    frame = _before_rebinding(tb.tb_frame, node, _bound_by_comprehensions(tb))
    if matmul:                                               # sizes: operand 1's first, operand 0's last
        return _matmul(node, frame, int(matmul[2]), int(matmul[1]))
    if dot:
        return _matmul(node, frame, int(dot[3]), int(dot[4]))
    if broadcast[3] and not isinstance(node, ast.AugAssign):
        return None                     # three arrays (np.where, an out=): NumPy's own message lists their shapes
    return _broadcast(node, frame, _shape(broadcast[1]), _shape(broadcast[2]))


def _before_rebinding(frame: FrameType, node: ast.AST | None, comprehended: set[str]) -> FrameType | SimpleNamespace:
    """The frame's variables without those the failing expression itself binds (a @ (a := b)) or a comprehension
    around it binds (`comprehended`): their value now is not the one NumPy was given, so they are not read."""
    rebound = {named.target.id for named in ast.walk(node) if isinstance(named, ast.NamedExpr)} if node else set()
    rebound |= comprehended
    if not rebound:
        return frame
    return SimpleNamespace(f_locals={name: value for name, value in frame.f_locals.items() if name not in rebound},
                           f_globals={name: value for name, value in frame.f_globals.items() if name not in rebound})


def _matmul(node: ast.AST | None, frame: FrameType, k_left: int, k_right: int) -> str:
    """A @ B needs A's last size (k_left) equal to B's first (its second-to-last when 2-D or more: k_right)."""
    symbol = "@"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        operands = [node.left, node.right]
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.MatMult):
        operands, symbol = [node.target, node.value], "@="          # z @= W: z = z @ W, in place
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("matmul", "dot"):
        operands = _multiplied(node, frame)
    else:
        operands = []
    sizes = f"the inner sizes {k_left} and {k_right} differ"
    if len(operands) != 2:
        return f"matmul of two arrays: {sizes}{WHICH}{TRANSPOSE}"
    left, right = (_read_shape(operand, frame) for operand in operands)
    if (left and left[-1] != k_left) or (right and right[-2 if len(right) > 1 else 0] != k_right):
        return f"matmul of two arrays: {sizes}{WHICH}{TRANSPOSE}"   # not the arrays NumPy had: the line was saved since
    shown = f"{_named(operands[0], left, 'the left side')} {symbol} {_named(operands[1], right, 'the right side')}"
    return f"matmul of {shown}: {sizes}{'' if left and right else WHICH}{TRANSPOSE}"


def _multiplied(call: ast.Call, frame: FrameType) -> list[ast.expr]:
    """The two arrays a call multiplies, as the line writes them: np.dot(a, b) or np.matmul(a, b) (called on a module,
    or on a class: np.ndarray.dot(a, b)), else a.dot(b), an out= array after them either way; [] when the line does not
    show them (np.dot(*pair), an operand given by keyword: b=W)."""
    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(
            keyword.arg in (None, "a", "b") for keyword in call.keywords):
        return []
    if isinstance(_read(call.func.value, frame), ModuleType | type):
        return call.args[:2] if len(call.args) >= 2 else []
    return [call.func.value, call.args[0]] if call.args else []


def _broadcast(node: ast.AST | None, frame: FrameType, a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """Elementwise a (op) b: lined up from the last axis, each pair of sizes must be equal, or one of them 1."""
    unnamed = f"arrays of shapes {a} and {b} do not combine elementwise: {_sizes(a, b)}{_fix(a, b, [None, None])}"
    if isinstance(node, ast.BinOp) and type(node.op) in SYMBOLS:
        operands, symbol = [node.left, node.right], SYMBOLS[type(node.op)]
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SYMBOLS:
        operands, symbol = [node.left, node.comparators[0]], SYMBOLS[type(node.ops[0])]
        in_order = _left_first(node.left, node.comparators[0], frame, a, b)
        if in_order is None:
            return unnamed
        a, b = (a, b) if in_order else (b, a)
    elif isinstance(node, ast.AugAssign) and type(node.op) in SYMBOLS:
        operands, symbol = [node.target, node.value], SYMBOLS[type(node.op)] + "="
    else:
        return unnamed
    sizes = _sizes(a, b)
    if any(_read_shape(operand, frame) not in (shape, None) for operand, shape in zip(operands, (a, b), strict=True)):
        return f"{a} {symbol} {b}: {sizes}{_fix(a, b, [None, None])}"      # the file was saved since it ran
    shown = f"{_named(operands[0], a, 'the left side')} {symbol} {_named(operands[1], b, 'the right side')}"
    return f"{shown}: {sizes}{_fix(a, b, operands)}"


def _sizes(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """The first pair of sizes, lined up from the last axis, that neither match nor broadcast."""
    pairs = zip(reversed(a), reversed(b), strict=False)          # the axes both have, from the last
    p, q = next(((p, q) for p, q in pairs if p != q and 1 not in (p, q)), (a, b))
    return f"on one axis (lined up from the last) the sizes {p} and {q} differ and neither is 1"


def _left_first(left: ast.expr, right: ast.expr, frame: FrameType, a: tuple[int, ...],
                b: tuple[int, ...]) -> bool | None:
    """Whether NumPy listed a comparison's shapes a, b left side first. It does when the left side is an array; when it
    is a list ([0, 0] < z), Python asks the right side (z > [0, 0]), whose shape NumPy then lists first. A left side
    not read is taken for an array unless it plainly makes a list. None: the right side read has neither shape."""
    value = _read(left, frame)
    if value is not UNREAD:
        return isinstance(value, np.ndarray)
    if _makes_a_list(left):
        return False
    shape = _read_shape(right, frame)
    if shape is None:
        return True
    return shape == b if shape in (a, b) else None


def _makes_a_list(node: ast.expr) -> bool:
    """[0, 0], (0, 0), [f(z) for z in zs], z.tolist(), list(z), tuple(z): a value that is no array."""
    if isinstance(node, ast.List | ast.Tuple | ast.ListComp | ast.Constant):
        return True
    if not isinstance(node, ast.Call):
        return False
    return (isinstance(node.func, ast.Attribute) and node.func.attr == "tolist") or (
        isinstance(node.func, ast.Name) and node.func.id in ("list", "tuple"))


def _fix(a: tuple[int, ...], b: tuple[int, ...], operands: list[ast.expr | None]) -> str:
    """The likely fix for shapes a and b that do not broadcast: a column (n, 1) meant as a vector (n,), a
    transpose, or else a look at both shapes."""
    for shape, other, operand in ((a, b, operands[0]), (b, a, operands[1])):
        if len(shape) == 2 and shape[1] == 1 and shape[0] != 1 and _broadcasts(shape[:1], other):
            return f" -- {_source(operand, 'one side')} is a column {shape}: was a vector ({shape[0]},) meant?"
    if _broadcasts(a[::-1], b) or _broadcasts(a, b[::-1]):
        return " -- a forgotten transpose (.T)?"
    return " -- write down the shape of each side"


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _position(tb: TracebackType) -> tuple[int, int, int, int] | None:
    """The first and last line and the start and end columns of the instruction that raised in the traceback entry
    `tb` (Python's ^^^ carets); None when Python kept none."""
    if tb.tb_lasti < 0:
        return None
    code = tb.tb_frame.f_code
    position = next(itertools.islice(code.co_positions(), tb.tb_lasti // 2, None), None)   # 2 bytes an instruction
    return None if position is None or None in position else position


def _bound_by_comprehensions(tb: TracebackType) -> set[str]:
    """The names bound by the list, set and dict comprehensions around the failing instruction that ran inline, in
    `tb`'s frame (Python 3.12 on): [x @ W for x in batches] fails with x back to what it was before the list."""
    position = _position(tb)
    if sys.version_info < (3, 12) or position is None:
        return set()                        # before 3.12 a comprehension has a frame of its own, its names read there
    try:
        node = ast.parse("".join(linecache.getlines(tb.tb_frame.f_code.co_filename)))
    except (SyntaxError, ValueError):
        return set()
    bound: set[str] = set()
    while True:                             # down from the module, through the nodes around the instruction
        node = next((child for child in ast.iter_child_nodes(node) if _encloses(child, position)), None)
        if node is None:
            return bound
        if isinstance(node, COMPREHENSIONS | ast.GeneratorExp) and _encloses(node.generators[0].iter, position):
            continue                        # its first iterable is evaluated before it, in the code around it
        if isinstance(node, OWN_FRAME):
            bound = set()                   # a frame of its own: what the code around it binds is not in `tb`'s
        elif isinstance(node, COMPREHENSIONS):
            bound |= {name.id for generator in node.generators for name in ast.walk(generator.target)
                      if isinstance(name, ast.Name)}


def _encloses(node: ast.AST, position: tuple[int, int, int, int]) -> bool:
    """Whether the node's source spans the instruction's: its lines first..last, columns start..end (UTF-8 bytes)."""
    first, last, start, end = position
    if getattr(node, "end_lineno", None) is None:
        return False                        # no source of its own: a context, an operator
    return (node.lineno, node.col_offset) <= (first, start) and (last, end) <= (node.end_lineno, node.end_col_offset)


def _failing(tb: TracebackType) -> ast.expr | ast.AugAssign | None:
    """The expression that raised in the traceback entry `tb`, parsed from the columns of its instruction (for an
    in-place z += b, the statement)."""
    position = _position(tb)
    if position is None:
        return None
    first, last, start, end = position
    lines = [line.encode("utf-8") for line in linecache.getlines(tb.tb_frame.f_code.co_filename)]
    if not lines or last > len(lines):
        return None
    if first == last:
        source = lines[first - 1][start:end]                  # columns are UTF-8 byte offsets
    else:
        source = lines[first - 1][start:] + b"".join(lines[first:last - 1]) + lines[last - 1][:end]
    try:
        return ast.parse(b"(" + source + b")", mode="eval").body
    except (SyntaxError, ValueError):
        pass
    try:
        statements = ast.parse(source).body
    except (SyntaxError, ValueError):
        return None
    return statements[0] if len(statements) == 1 and isinstance(statements[0], ast.AugAssign) else None


def _read_shape(node: ast.expr, frame: FrameType) -> tuple[int, ...] | None:
    """The shape of the array `node` names in `frame`, read without running any code; None if it names none."""
    if isinstance(node, ast.Attribute) and node.attr == "T":
        shape = _read_shape(node.value, frame)
        return shape[::-1] if shape is not None else None
    value = _read(node, frame)
    return value.shape if type(value) is np.ndarray else None


def _read(node: ast.expr, frame: FrameType):
    """The value of a name, an attribute of one or a constant index into a list, tuple or dict; else UNREAD."""
    if isinstance(node, ast.Name):
        return next((scope[node.id] for scope in (frame.f_locals, frame.f_globals) if node.id in scope), UNREAD)
    if isinstance(node, ast.Attribute):
        owner = _read(node.value, frame)
        return UNREAD if owner is UNREAD else inspect.getattr_static(owner, node.attr, UNREAD)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        owner = _read(node.value, frame)
        if type(owner) in (list, tuple, dict) and type(node.slice.value) in (int, str):
            try:
                return owner[node.slice.value]
            except (IndexError, KeyError, TypeError):
                return UNREAD
    return UNREAD


def _named(node: ast.expr, shape: tuple[int, ...] | None, side: str) -> str:
    """How the line names an operand: its source, then its shape if known."""
    return _source(node, side) + (f" {shape}" if shape is not None else "")


def _source(node: ast.expr | None, side: str) -> str:
    """An operand's source, in brackets when it has an operator of its own; `side` when there is none or it is too
    long."""
    source = ast.unparse(node) if node is not None else ""
    if not source or len(source) > LONGEST_NAME:
        return side
    return f"({source})" if isinstance(node, OPERATORS) else source


def _shape(text: str) -> tuple[int, ...]:
    """'5,2' (NumPy's message) -> (5, 2)."""
    return tuple(int(size) for size in text.split(",") if size.strip())
