"""An exercise file as the code a grader runs: a `.py` script, or a Jupyter notebook's code cells.

A learner hands in either form: the `.py` file (a jupytext "percent" script), or its notebook
(`make notebooks` writes one per exercise; in `make lab` jupytext keeps the two in step). The
grader runs the code the same way for both, top to bottom in one fresh module:

    ex03_keras_basics.py      one piece of code, named after the file
    ex03_keras_basics.ipynb   one piece per code cell, named "<file> cell N" (N counts every cell
                              from 1, as JupyterLab shows them), so an error says which cell

Notebook cells may hold IPython syntax that plain Python does not know: a line magic (`%time`),
a shell command (`!ls`) or its output assigned (`files = !ls`), a cell magic (`%%time`), help (`x?`, `?x`).
The grader runs no IPython, so those lines are left out, as jupytext comments them out in a script. A
cell magic's whole cell is left out, except `%%time` and `%%capture`: IPython runs their cell as
Python, once, in the notebook's namespace (what it defines stays defined), and jupytext keeps it as
code in the paired .py. IPython's `display(...)`, which a notebook calls without importing it, is
defined for the code (`display`): it prints, as IPython's own does outside a notebook.

Bad files give a `SourceError` whose text is one line a learner can act on: not UTF-8 (and the
encoding it says it is in, or looks like: UTF-16 without its byte-order mark), a zip archive, not a notebook (an
empty file, JSON that nbformat does not accept), a notebook named as a script or a script named as a notebook. A
character Python refuses that an editor, a web page or a word processor put there (a non-breaking space, a curly
quote, a Ctrl-Z) is named in words by `refused_character`, for the line that says the file does not parse.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import io
import json
import re
import reprlib
import tokenize
import warnings
from pathlib import Path


class SourceError(ValueError):
    """The file cannot be read as an exercise: str(self) says why, in one line."""


# A notebook whose JSON nests hundreds of lists or objects: reading it raised RecursionError, which no caller
# expects -- in make grade, before any submission ran (to choose between a learner's .py and notebook), it stopped
# the grading of the whole class with a traceback
TOO_DEEP = "{name} is not a Jupyter notebook (its JSON is nested too deeply to read)"


def read_text(path: Path) -> str:
    """The file's text, or a SourceError naming the first byte that is not UTF-8 -- or the encoding the file says it
    is in (a UTF-16 byte-order mark; in a .py, a coding line, which is why python ran it), or UTF-16 without its mark
    (every second byte 0, which in ASCII text is UTF-8 too), or that it is a zip -- or
    why the file cannot be read (no read permission, a folder of that name). A UTF-8 byte-order mark, which Windows
    editors write and Python itself skips, is dropped."""
    try:
        data = path.read_bytes()
    except OSError as error:        # raised inside load_module, it was blamed on the learner's code, or a traceback
        raise SourceError(f"{path} cannot be read ({error.strerror or error})") from None
    return decoded(data, path)


def decoded(data: bytes, path: Path) -> str:
    """The text of `data`, the bytes of the file `path` (read_text: its errors name it), or read_text's SourceError."""
    # ASCII saved so is valid UTF-8 too: the line was Python's for a NUL byte at line 1, or the notebook's "not JSON"
    if _byte_order_mark(data) is None and _utf_16_without_a_mark(data):
        raise SourceError(f"{path.name} is not UTF-8 text (it looks like UTF-16 saved without a byte-order mark: "
                          "nearly every second byte is 0): save it as UTF-8")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        if data.startswith(ZIP_ARCHIVE):     # a zip named .py (or .ipynb): "save it as UTF-8" is no advice for it
            raise SourceError(f"{path.name} is a zip archive, not text: unzip it and hand in the file inside") from None
        byte = f"byte 0x{data[error.start]:02x} at position {error.start}, {_line_and_guess(data, error.start)}"
        encoding = _byte_order_mark(data)
        declared = None if encoding or path.suffix != ".py" else _coding_line(data)
        raise SourceError(f"{path.name} is not UTF-8 text (" + (
            f"it is {encoding}, as its first bytes say): save it as UTF-8" if encoding else
            f"its line {declared[0]} declares {declared[1]}): save it as UTF-8 and delete that line" if declared else
            f"{byte}): save it as UTF-8")) from None


def _line_and_guess(data: bytes, start: int) -> str:
    """'line L' of the byte at `start` (lines ended as Python ends them: a newline, a carriage return or both), and the
    character it is in Windows-1252, the encoding Notepad's "ANSI" and older Windows editors save: "line 1: 'é' in
    Windows-1252" (nothing more for a byte that encoding leaves undefined)."""
    line = len(python_lines(data[:start].decode("latin-1") + "x"))      # one character per byte: line ends kept
    try:
        return f"line {line}: {data[start:start + 1].decode('cp1252')!r} in Windows-1252"
    except UnicodeDecodeError:
        return f"line {line}"


ZIP_ARCHIVE = b"PK\x03\x04"                  # how every zip archive with a file in it starts
# What Notepad's "Unicode" and "Unicode big endian" write first (UTF-32's marks begin as UTF-16's: asked first)
_BYTE_ORDER_MARKS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                     (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
# PEP 263's coding line, `# -*- coding: latin-1 -*-`: line 1, or line 2 below a comment or a blank line
_CODING_LINE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.ASCII)
_COMMENT_OR_BLANK = re.compile(r"^[ \t\f]*(#.*)?$")


def _byte_order_mark(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' for bytes that start with that encoding's byte-order mark; else None."""
    return next((encoding for mark, encoding in _BYTE_ORDER_MARKS if data.startswith(mark)), None)


def _utf_16_without_a_mark(data: bytes) -> bool:
    """Whether `data` looks like UTF-16 written without its byte-order mark (an editor's "UTF-16 LE" or "BE"): in its
    first 4096 bytes, at least 8 pairs, nearly every even byte (BE) or odd byte (LE) is 0 and nearly no byte of the
    other kind is. Code and notebooks are mostly ASCII, whose UTF-16 pairs hold one 0 each; a file padded or cut
    short with 0s (a sync tool) has them at both positions, and keeps Python's NUL line."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 8:
        return False
    zeros = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)     # (even, odd)
    return any(mostly >= 0.9 * pairs and other <= 0.05 * pairs for mostly, other in (zeros, zeros[::-1]))


def _coding_line(data: bytes) -> tuple[int, str] | None:
    """(line number, encoding) of the coding line of Python source `data`, the encoding python reads it in, unless
    that is UTF-8; else None."""
    lines = python_lines(data[:1024].decode("latin-1"))     # one character per byte: the ASCII of the line is kept
    for number, line in enumerate(lines[:2], start=1):
        found = _CODING_LINE.match(line)
        if found:
            try:
                utf_8 = codecs.lookup(found.group(1)).name == "utf-8"
            except LookupError:                              # python refuses it too, but it is what the line says
                utf_8 = False
            return None if utf_8 else (number, found.group(1))
        if not _COMMENT_OR_BLANK.match(line.rstrip("\r\n")):   # code on line 1: python reads no coding on line 2
            return None
    return None


# `name = !ls`, `a, b = %sx ls`: IPython assigns a shell command's or a magic's output
_ASSIGNED_FROM_IPYTHON = re.compile(r"[\w.]+(\s*,\s*[\w.]+)*\s*=\s*[!%]")
# Cell magics whose cell IPython runs as Python, once, in the notebook's namespace
_PYTHON_CELL_MAGICS = ("time", "capture")


def _ipython_only(line: str) -> bool:
    """A line magic (%time), a shell command (!ls), its output assigned (files = !ls) or a help request (np.mean?,
    ?np.mean: no Python line starts with a question mark)."""
    stripped = line.strip()
    return stripped.startswith(("%", "!", "?")) or bool(_ASSIGNED_FROM_IPYTHON.match(stripped)) or (
        stripped.endswith("?") and stripped.rstrip("?").replace(".", "").isidentifier())


def _python_only(cell_source: str) -> str:
    """The cell without IPython-only lines (kept as blank lines, so line numbers stay those of the cell; an indented
    one as `pass`, so that a block holding nothing else, `if IN_COLAB:` over `!pip install ...`, still parses)."""
    first = cell_source.lstrip()
    magic = (first[2:].split(maxsplit=1) or [""])[0] if first.startswith("%%") else None
    if magic is not None and magic not in _PYTHON_CELL_MAGICS:  # a cell magic: the whole cell is IPython's
        return ""
    lines = [line.rstrip("\r\n") for line in python_lines(cell_source)]
    starts = _statement_starts("\n".join(lines))   # IPython's tokens take a lone \r (an old Mac's line end) for no end
    return "\n".join(_left_out(line) if number in starts and _ipython_only(line) else line
                     for number, line in enumerate(lines, start=1)) + "\n"


def python_lines(source: str) -> list[str]:
    """`source` cut into lines (each with its ending) as Python numbers them: at a newline, a carriage return or both,
    not also at a form feed, \\x85 or \\u2028 as str.splitlines does."""
    return io.StringIO(source, newline="").readlines()


# The tokens that are no code of a line: what is left are its names, operators, numbers and strings
NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def _statement_starts(cell_source: str) -> set[int]:
    """The numbers (from 1) of the lines on which a statement starts, as IPython groups them: a line inside
    brackets or a string (`    % 3` continuing `"%d items"`) is Python whatever it starts with."""
    from IPython.core.inputtransformer2 import make_tokens_by_line

    starts = set()
    for tokens in make_tokens_by_line(python_lines(cell_source)):
        first = next((token for token in tokens if token.type not in NOT_CODE), None)
        if first is not None:
            starts.add(first.start[0])
    return starts


def _left_out(line: str) -> str:
    """What an IPython-only line becomes: nothing, or `pass` at its indentation inside a block."""
    indent = line[:len(line) - len(line.lstrip())]
    return f"{indent}pass" if indent else ""


def code_pieces(path: Path, text: str | None = None) -> list[tuple[str, str]]:
    """[(source, name), ...]: the code to run, in order, and the name errors will report for it. `text`: the file's,
    if it was read already (make grade's sandbox keeps what was handed in); by default it is read now."""
    text = read_text(path) if text is None else text
    if _a_web_page(text):           # "Save link as" on GitHub's or Drive's page: "invalid syntax at line 1", "not JSON"
        kind = "notebook" if path.suffix == ".ipynb" else "script"
        raise SourceError(f"{path.name} is a web page (HTML), not the {kind} itself: download the file (on GitHub: "
                          "Download raw file) and hand that in")
    if path.suffix != ".ipynb":
        if _a_notebook(text):       # Python reads its JSON as a dict: "name 'null' is not defined", or defines nothing
            raise SourceError(f"{path.name} is a Jupyter notebook, not a Python script: name it {path.stem}.ipynb")
        return [(text, str(path))]
    import nbformat

    # 0 bytes (a save or a sync that never finished): json's "Expecting value, line 1 column 1" does not say so
    if not text.strip():
        raise SourceError(f"{path.name} is not a Jupyter notebook (the file is empty)")
    try:
        parsed = json.loads(text)                   # first: the JSON error says where
    except json.JSONDecodeError as error:           # (its msg may end in "at": "Unterminated string starting at")
        if _a_python_script(text):                  # a .py renamed: "not JSON: Expecting value, line 1 column 1"
            raise SourceError(f"{path.name} is a Python script, not a Jupyter notebook: name it {path.stem}.py") \
                from None
        raise SourceError(f"{path.name} is not a Jupyter notebook (not JSON: {error.msg}, line {error.lineno} "
                          f"column {error.colno})") from None
    except RecursionError:                          # "[[[[...": json (and nbformat, below) recurse once per level
        raise SourceError(TOO_DEEP.format(name=path.name)) from None
    if not isinstance(parsed, dict):                # nbformat would trip over it: "'list' object has no attribute"
        raise SourceError(f"{path.name} is not a Jupyter notebook (its JSON is a {type(parsed).__name__}, not an "
                          "object with cells)")
    # Without a whole-number "nbformat", nbformat reads the JSON as version 1, whose upgrade raised UnboundLocalError:
    # a traceback that stopped make grade for the whole class (it reads a notebook to choose between it and the .py)
    # and a minor version that is no whole number raised a bare AssertionError there
    if "nbformat" not in parsed:
        raise SourceError(f"{path.name} is not a Jupyter notebook (no nbformat version number in its JSON)")
    for key in ("nbformat", "nbformat_minor"):
        if key in parsed and type(parsed[key]) is not int:
            raise SourceError(f"{path.name} is not a Jupyter notebook (its {key} is {reprlib.repr(parsed[key])}, "
                              "not a whole number)")
    if _ids_before_their_version(parsed):
        parsed["nbformat_minor"] = 5        # as the cells are: what Jupyter and VS Code open and run all the same
        text = json.dumps(parsed)
    try:
        with cell_ids_not_required():
            notebook = nbformat.reads(text, as_version=4)
            nbformat.validate(notebook)
    except RecursionError:
        raise SourceError(TOO_DEEP.format(name=path.name)) from None
    except Exception as error:      # noqa: BLE001 -- whatever nbformat's readers raise on a damaged file ("Unsupported
        first_line = (str(error).strip() or type(error).__name__).splitlines()[0]       # nbformat version 99")
        raise SourceError(f"{path.name} is not a Jupyter notebook ({first_line})") from None
    return [(_python_only(cell.source), f"{path} cell {number}")
            for number, cell in enumerate(notebook.cells, start=1) if cell.cell_type == "code"]


def _ids_before_their_version(parsed: dict) -> bool:
    """Whether a notebook marked 4.0-4.4 gives its cells ids, which came with 4.5: VS Code saves new notebooks as
    4.2, with ids since nbformat 5.1 added them. nbformat's validation refuses such a notebook ("Additional properties
    are not allowed ('id' was unexpected)"), which JupyterLab and VS Code open and run."""
    cells = parsed.get("cells")
    return (parsed.get("nbformat") == 4 and isinstance(parsed.get("nbformat_minor", 0), int)
            and parsed.get("nbformat_minor", 0) < 5 and isinstance(cells, list)
            and any(isinstance(cell, dict) and "id" in cell for cell in cells))


def _a_web_page(text: str) -> bool:
    """Whether `text` is an HTML page, which neither Python nor a notebook's JSON can start as."""
    return text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))


def _a_notebook(text: str) -> bool:
    """Whether `text` is a notebook's JSON (an object with an "nbformat" key): a notebook saved or renamed as .py."""
    if not text.lstrip().startswith("{"):           # no exercise script starts with a brace: no JSON read for them
        return False
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and "nbformat" in parsed


def _a_python_script(text: str) -> bool:
    """Whether `text`, which is not JSON, is Python holding at least one statement: a script saved or renamed as a
    notebook."""
    return bool(statements(text))


def statements(source: str) -> list[ast.stmt] | None:
    """The statements of Python `source` ([] for a blank one, or comments only); None if it does not parse: a syntax
    error, a NUL byte (ValueError), or nesting too deep for the parser (`a.b.b.b...`: RecursionError; `----1`:
    MemoryError)."""
    try:
        return ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_WEB_SPACE = "which text copied from a web page holds, where Python expects a space: type the spaces of that line again"
_CURLY = "as a word processor or a web page types quotes: type a straight quote, \" or '"
_DASH = "as a word processor types a minus sign: type a minus sign, -"
# Characters that editors, web pages and word processors put in a file and Python refuses ("invalid non-printable
# character U+00A0", "invalid character '“' (U+201C)"): what each is, in words, and what to type instead
_REFUSED_CHARACTERS = {
    0x00A0: f"a non-breaking space (U+00A0), {_WEB_SPACE}",
    0x202F: f"a narrow non-breaking space (U+202F), {_WEB_SPACE}",
    0x200B: "a zero-width space (U+200B), invisible, which text copied from a web page or a chat holds: delete it",
    0xFEFF: "a byte-order mark (U+FEFF), invisible, which belongs only at the start of a file (two files joined?): "
            "delete it",
    0x001A: "a Ctrl-Z (U+001A), the end-of-file mark old Windows and DOS editors add: delete it",
    **{code: f"a curly quote (U+{code:04X}), {_CURLY}" for code in (0x2018, 0x2019, 0x201C, 0x201D, 0x201E, 0x00AB,
                                                                    0x00BB, 0x2032, 0x2033)},
    **{code: f"a dash (U+{code:04X}), {_DASH}" for code in (0x2010, 0x2012, 0x2013, 0x2014, 0x2212)},
}
# How Python's SyntaxError names a character it refuses: "... character U+00A0", "... character '“' (U+201C)"
_REFUSED = re.compile(r"^invalid (?:non-printable )?character\b.*?\bU\+([0-9A-Fa-f]{4,6})\b")


def refused_character(message: str) -> str | None:
    """For Python's SyntaxError `message` about a character it refuses, that character in plain words and what to
    type instead ('a non-breaking space (U+00A0), ... type the spaces of that line again'); else None."""
    found = _REFUSED.match(message)
    return _REFUSED_CHARACTERS.get(int(found.group(1), 16)) if found else None


def display(*objects, **_options) -> None:
    """IPython's `display`, a built-in name in a notebook (no import needed), for the code the grader runs: prints
    the objects, as IPython.display.display does outside a notebook."""
    print(*objects)


# What IPython names the code of a `%%time` cell it runs: not the cell's own file name. The code is the cell without
# its first line, `%%time`, so its line numbers are one less than the cell's. (A `%time` line's code has the same
# names; an error there is reported as in a %%time cell, its line number one too many.)
TIMED_IN_A_KERNEL = ("<timed exec>", "<timed eval>")


def cell_line(filename: str, line: int) -> str:
    """'line L of <cell_label>': where the code compiled as `filename` is at its line `line`, as the learner sees it."""
    if filename in TIMED_IN_A_KERNEL:
        return f"line {line + 1} of its %%time cell"
    return f"line {line} of {cell_label(filename)}"


def cell_label(filename: str) -> str:
    """How an error names a piece of code: 'ex03.py' -> 'ex03.py', '.../ex03.ipynb cell 4' -> 'cell 4 of ex03.ipynb',
    a cell run in a notebook's kernel (IPython names it ipykernel_<pid>/<hash>.py) -> 'its cell'."""
    if Path(filename).parent.name.startswith("ipykernel_"):
        return "its cell"
    path, _, cell = filename.rpartition(" cell ")
    if path.endswith(".ipynb") and cell.isdigit():
        return f"cell {cell} of {Path(path).name}"
    return Path(filename).name


@contextlib.contextmanager
def cell_ids_not_required():
    """Read and validate notebooks without nbformat's warning for cells that have no id, which older tools save
    that way: it printed two lines in the middle of make grade's table and of make exercises. Nor its warning for
    two cells with the same id (cells pasted from another notebook, a hand-merged notebook): nbformat gives one of
    them a new id and warned in two lines per cell, a dozen lines or more in the middle of the same output."""
    import nbformat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nbformat.warnings.MissingIDFieldWarning)
        warnings.simplefilter("ignore", nbformat.warnings.DuplicateCellId)
        yield
