"""closed_output.py's own pieces, in this process: print_lines, output_failed, StandardOutput, printing, and (in a
small Python of their own, which is the only way to start with a descriptor closed) write_nowhere_if_closed.

Every program's tests show the line it ends with when its output is closed or full; these show each piece alone, so
that a piece broken is named by its own test, not by whichever program's run happens to reach it."""

from __future__ import annotations

import contextlib
import errno
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FullOutput, closed_pipe, dev_full, output_closed, output_full, stdout_as

from keras_models.twins.closed_output import OutputFailed, StandardOutput, output_failed, print_lines, printing

ROOT = Path(__file__).resolve().parents[1]
CLOSED = output_closed("make x")


def test_print_lines_flushes_its_lines_so_a_closed_pipe_is_its_one_line_and_status_1(capsys):
    """Two lines waiting in a pipe's buffer (not line-buffered) meet the closed pipe at print_lines' own flush, not at
    Python's flush at exit ("Exception ignored ... BrokenPipeError"); the close after it finds /dev/null."""
    with closed_pipe(line_buffered=False) as stdout:
        assert print_lines(["first", "second"], "make x") == 1
        stdout.close()                                  # as Python does at exit: nothing left to fail
    assert capsys.readouterr().err == CLOSED


def test_print_lines_into_a_full_output_is_its_one_line_with_the_reason_and_status_1(capsys):
    with dev_full() as stdout:
        assert print_lines(["first"], "make x") == 1
        stdout.close()
    assert capsys.readouterr().err == output_full("make x")


def test_output_failed_says_a_closed_pipe_wrapped_in_output_failed_as_a_closed_pipe(capsys):
    """A BrokenPipeError that reached the program as OutputFailed (a write through printing()) is still the pipe
    closed, not "could not be written: Broken pipe"."""
    with closed_pipe():
        assert output_failed(OutputFailed(BrokenPipeError(errno.EPIPE, "Broken pipe")), "make x") == CLOSED[7:-1]


def test_standard_output_makes_a_full_outputs_error_output_failed_on_write_writelines_and_flush():
    with stdout_as(FullOutput()) as full:
        with pytest.raises(OutputFailed):
            StandardOutput(full).write("a\n")
        with pytest.raises(OutputFailed):
            StandardOutput(full).writelines(["a\n", "b\n"])
    full = open("/dev/full", "w", buffering=4096)               # "a" waits in the buffer: the flush fails
    wrapped = StandardOutput(full)
    wrapped.write("a")
    with pytest.raises(OutputFailed) as failed:
        wrapped.flush()
    assert failed.value.error.errno == errno.ENOSPC
    with contextlib.suppress(OSError):                          # "a" is still there: ENOSPC again, and closed
        full.close()


def test_standard_output_writes_every_line_writelines_is_given_and_is_the_stream_for_anything_else(tmp_path):
    """Wrapped as each program's sys.stdout, it must still be the stream: writelines passes every line on, and what
    it does not define itself (fileno, encoding, isatty, ... through __getattr__) is the stream's own."""
    with open(tmp_path / "out", "w", encoding="utf-8") as stream:
        wrapped = StandardOutput(stream)
        wrapped.writelines(["a\n", "b\n"])
        assert (wrapped.fileno(), wrapped.encoding, wrapped.isatty()) == (stream.fileno(), "utf-8", False)
    assert (tmp_path / "out").read_text(encoding="utf-8") == "a\nb\n"


def test_standard_output_leaves_a_closed_pipe_a_broken_pipe_error_which_each_program_catches():
    with closed_pipe() as stdout:
        with pytest.raises(BrokenPipeError):
            StandardOutput(stdout).write("a\n")


def test_printing_turns_only_an_os_error_into_output_failed():
    """Anything else inside (a ValueError: a closed file) is a mistake of the program, not the output's fault."""
    with pytest.raises(OutputFailed):
        with printing():
            raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(ValueError):
        with printing():
            raise ValueError("I/O operation on closed file")


# A program started with descriptors closed: it opens a log file, then a child prints; `log` is what the file holds.
@pytest.mark.parametrize("redirections, program, log", [
    # `<&- >&-`: /dev/null first takes descriptor 0; stdout's must be 1 (the log opened after takes neither)
    ("<&- >&-", "write_nowhere_if_closed(); log = open(sys.argv[1], 'w'); run_a_child(); "
                "log.write(str(sys.stdout.fileno()))", "1"),
    # `>&-`, and a file opened before (it took descriptor 1): left alone, not replaced with /dev/null
    (">&-", "log = open(sys.argv[1], 'w'); write_nowhere_if_closed(); log.write('the log'); log.flush()", "the log"),
    # `2>&-`: stderr to /dev/null at descriptor 2; stdout, open, left as it is
    ("2>&-", "write_nowhere_if_closed(); print('nowhere', file=sys.stderr, flush=True); "
             "open(sys.argv[1], 'w').write(str(sys.stderr.fileno()))", "2"),
], ids=["stdin-and-stdout-closed", "a-file-took-descriptor-1", "stderr-closed"])
def test_write_nowhere_if_closed_gives_a_closed_stream_its_own_descriptor_and_no_other_file(tmp_path, redirections,
                                                                                          program, log):
    source = textwrap.dedent(f"""
        import subprocess, sys
        from keras_models.twins.closed_output import write_nowhere_if_closed
        def run_a_child():
            subprocess.run([sys.executable, "-c", "print('a child')"], check=True)
        {program}
        print("done", flush=True)
    """)
    done = subprocess.run(["sh", "-c", f'exec "$0" -c "$1" "$2" {redirections}', sys.executable, source,
                           str(tmp_path / "log.txt")], cwd=ROOT, capture_output=True, timeout=60)
    shown = b"" if ">&-" in redirections.split() else b"done\n"        # what reaches an open stdout
    assert (done.returncode, done.stdout, done.stderr, (tmp_path / "log.txt").read_text()) == (0, shown, b"", log)
