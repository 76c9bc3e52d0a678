"""The event files TensorBoard reads, put right for a resumed run: nothing logged twice, nothing damaged unseen.

An event file (events.out.tfevents.<second>.<host>.<pid>...) is a sequence of TFRecords, one summary
event each, written by board.py's ScratchBoard and by Keras' TensorBoard callback. Before a run goes on
from its last checkpoint, `forget_epochs_after` drops what it logged after that checkpoint, so the
repeated epochs appear once in TensorBoard. A diverged or interrupted run drops the same way what its
stopped epoch logged (and the files of writers that logged nothing).

A damaged file is refused rather than half read (`damaged_at`: the loader stops quietly at the first record
it cannot read), and a full disk while TensorFlow writes one is answered as Python's OSError (`as_os_error`),
so make train says it in its one line.
"""

from __future__ import annotations

import errno
import os
import struct
import time
from collections.abc import Sequence
from pathlib import Path

import tensorflow as tf
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

from keras_models.train.runs import RunDirectoryError
from scratch.atomic_write import atomic_path

EVENT_FILES = "events.out.tfevents.*"   # the glob of the event files a tf.summary writer (so Keras' TensorBoard) opens
REWRITE_PREFIX = ".rewrite-"        # forget_epochs_after's temporary files (no "tfevents" in the name); run.py
                                    # removes those a killed run left
FULL_DISK = "No space left on device"                   # strerror(ENOSPC), in TensorFlow's messages too


def as_os_error(exc: BaseException) -> BaseException:
    """`exc`, or the OSError(ENOSPC) it stands for. TensorFlow reports a full disk while it writes an event file as
    tf.errors.ResourceExhaustedError ("<file>; No space left on device ..."), where Python raises OSError: as that,
    make train answers it with its one line ("the disk is full: <file> could not be written ..."), not a traceback."""
    if not (isinstance(exc, tf.errors.ResourceExhaustedError) and f"; {FULL_DISK}" in exc.message):
        return exc
    file = exc.message.partition(f"; {FULL_DISK}")[0].rpartition("}} ")[2]     # after "{{function_node ...}} "
    return OSError(errno.ENOSPC, FULL_DISK, file)


def forget_epochs_after(log_dir: str | Path, epoch: int, steps_per_epoch: int) -> int:
    """Drop from the event files in log_dir/* every summary logged for an epoch after `epoch` (-1: all).

    A run interrupted between writing an epoch's summaries and saving its checkpoint logged an epoch
    that its resumption will train and log again; TensorBoard would then show two points at one step.
    Summaries are stepped by epoch, except evaluation_*_vs_iterations, stepped by optimizer steps
    ((epoch + 1) * steps_per_epoch at the end of an epoch). Files are rewritten atomically, and only
    when something is dropped. A file left with no summary at all -- every one dropped, or a writer
    opened by a run stopped before its first epoch ended -- is deleted: the resumed run writes a new
    one, and an event file holding only its header is clutter. Returns the number of summaries dropped.

    It returns once the clock has left the second in which the newest kept file was opened. An event
    file is named after that second, then the process id (events.out.tfevents.<second>.<host>.<pid>...),
    and TensorBoard reads a folder's files in name order: a resumed run that opens its writer in the
    same second (a quick resume) could have the lower-sorting pid, and its repeated epochs would be read
    before the kept ones. Files this process wrote itself do not count (a test's; a run resumes in a new
    process): ours have the same pid, and TensorFlow numbers a process's writers in order.
    """
    last_iteration = (epoch + 1) * steps_per_epoch
    dropped, newest_second = 0, 0
    for path in sorted(Path(log_dir).glob(f"*/{EVENT_FILES}")):
        try:
            records = list(RawEventFileLoader(str(path)).Load())  # stops quietly at a truncated last record
        except (tf.errors.OpError, OSError) as exc:     # a folder in its place, a file that cannot be opened
            why = exc.message if isinstance(exc, tf.errors.OpError) else (exc.strerror or str(exc))
            raise RunDirectoryError(f"the TensorBoard log {path} cannot be read ({why.rpartition('; ')[2]}); "
                                    "delete it (the curves it held go with it), then resume again") from None
        damaged = damaged_at(path, records)
        if damaged is not None:
            raise RunDirectoryError(f"the TensorBoard log {path} is damaged at byte {damaged:,} (a record there fails "
                                    "its checksum); delete it (the curves it held go with it), then resume again")
        kept, summaries = [], 0
        for record in records:
            event = event_pb2.Event.FromString(record)
            tags = [value.tag for value in event.summary.value]
            last = last_iteration if any(tag.startswith("evaluation_") for tag in tags) else epoch
            if tags and event.step > last:
                continue
            kept.append(record)
            summaries += bool(tags)
        dropped += len(records) - len(kept)
        if not summaries:                               # only the file's header is left: nothing to show
            path.unlink()
            continue
        if len(kept) < len(records):
            # the temporary file's name must not contain "tfevents", or TensorBoard would read it
            try:
                with atomic_path(path, prefix=REWRITE_PREFIX) as tmp, tf.io.TFRecordWriter(str(tmp)) as writer:
                    for record in kept:
                        writer.write(record)
            except tf.errors.ResourceExhaustedError as exc:
                raise as_os_error(exc) from None
        parts = path.name.split(".")                    # events.out.tfevents.<second>.<host>.<pid>.<n>.v2
        if parts[3].isdecimal() and parts[-3:-2] != [str(os.getpid())]:      # (a host name may hold dots)
            newest_second = max(newest_second, int(parts[3]))
    wait = newest_second + 1 - time.time()
    if 0 < wait <= 1:                                   # more: the clock went back, and waiting cannot help
        time.sleep(wait)
    return dropped


def damaged_at(path: Path, records: Sequence[bytes]) -> int | None:
    """Where the event file stops being readable, if it stops at a damaged record rather than at its end.

    The loader yields records until the first it cannot read, and says nothing. A run killed while it
    wrote leaves its last record cut short: fewer bytes than that record's length field promises, and
    losing it is expected. Anything else -- a length field or a record that fails its checksum with
    the whole record there -- is damage, and reading on would drop every summary after it unseen.
    A TFRecord is  length (8 bytes, little-endian) | masked CRC-32C of the length (4) | data | CRC (4).
    """
    offset = sum(8 + 4 + len(record) + 4 for record in records)       # where the loader stopped
    with open(path, "rb") as file:
        file.seek(offset)
        rest = file.read()
    if len(rest) < 12:                                                 # no whole length field: cut short
        return None
    length_ok = struct.unpack("<I", rest[8:12])[0] == masked_crc32c(rest[:8])
    if length_ok and 8 + 4 + struct.unpack("<Q", rest[:8])[0] + 4 > len(rest):
        return None                                                    # its data is cut short
    return offset
