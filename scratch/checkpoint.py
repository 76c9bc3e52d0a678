"""Checkpoints: save everything training needs to continue, and continue bit for bit.

A checkpoint is one `.npz` file holding plain arrays only (it is written and read with
`allow_pickle=False`, so loading one can never run code):

    epoch                   the last finished epoch (0-based)
    weight_0, weight_1 ...  [W_1, b_1, W_2, b_2, ...] in Keras order
    optimizer/<name>        the optimizer's state (step count, momentum/velocity arrays)
    rng_state               the shuffling generator's PCG64 state, as decimal strings
    extra/<name>            anything else the caller keeps beside them (e.g. the logs so far)

It is written atomically: to a temporary file in the same directory, flushed to disk, then
renamed over the old one. A run killed mid-write leaves the previous checkpoint intact and at
worst a stray temporary file, which is never read.

    net.fit(..., callbacks=[Checkpoint("run/scratch.npz")])       # save after every epoch
    epoch, rng = restore("run/scratch.npz", net, optimizer)        # after a crash
    net.fit(..., optimizer=optimizer, seed=rng, initial_epoch=epoch + 1, callbacks=[...])
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from scratch.callbacks import Callback

FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file that is missing, damaged, or made for a different network."""


def save(path, net, optimizer, rng: np.random.Generator, epoch: int,
         extra: dict[str, np.ndarray] | None = None) -> Path:
    """Write the checkpoint for the end of `epoch` atomically; returns its path.

    `extra` arrays are stored as extra/<name> and come back from `load` under the same keys.
    """
    arrays = {"format_version": np.array(FORMAT_VERSION), "epoch": np.array(int(epoch))}
    for i, w in enumerate(net.get_weights()):
        arrays[f"weight_{i}"] = w
    for name, value in optimizer.get_state().items():
        arrays[f"optimizer/{name}"] = np.asarray(value)
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise TypeError(f"checkpoints store PCG64 generators, got {state['bit_generator']}")
    arrays["rng_state"] = np.array([str(state["state"]["state"]), str(state["state"]["inc"]),
                                    str(state["has_uint32"]), str(state["uinteger"])])
    for name, value in (extra or {}).items():
        arrays[f"extra/{name}"] = np.asarray(value)
    return write_atomically(path, arrays)


@contextlib.contextmanager
def atomic_path(path, prefix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; then flush it to disk and rename it over `path`.

    The rename is atomic (POSIX and Windows): readers see the old file or the new one, never half of
    one. If the writing fails, the temporary file is removed and `path` is untouched. `prefix` names
    the temporary file (by default `path`'s name and a dot), for readers that pick files by name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix or path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path, arrays: dict[str, np.ndarray]) -> Path:
    """np.savez to a temporary file beside `path`, flushed to disk, then renamed over `path`."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)
    return Path(path)


def load(path) -> dict[str, np.ndarray]:
    """The arrays of a scratch checkpoint file, or a CheckpointError naming the file."""
    arrays = read_arrays(path)
    missing = {"format_version", "epoch", "rng_state"} - set(arrays)
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {sorted(missing)}; it was not written by scratch")
    return arrays


def read_arrays(path) -> dict[str, np.ndarray]:
    """Every array of an .npz file, read with allow_pickle=False, or a CheckpointError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        # open the file ourselves: np.load leaks its handle when the zip turns out to be broken
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise CheckpointError(f"checkpoint {path} is damaged or not a checkpoint ({exc}); "
                              "delete it to start over") from None
    return arrays


def restore(path, net, optimizer) -> tuple[int, np.random.Generator]:
    """Load a checkpoint into `net` and `optimizer`; return (last finished epoch, shuffling generator).

    The weights must match the network's shapes exactly (a checkpoint of another architecture
    is refused with the first mismatch named).
    """
    arrays = load(path)
    n_weights = sum(1 for key in arrays if key.startswith("weight_"))
    weights = [arrays[f"weight_{i}"] for i in range(n_weights)]
    expected = [w.shape for w in net.get_weights()]
    if [w.shape for w in weights] != expected:
        raise CheckpointError(f"checkpoint {path} holds weights of shapes {[w.shape for w in weights]}, "
                              f"but the network has {expected}: it belongs to a different architecture")
    net.set_weights(weights)
    optimizer.set_state({key.removeprefix("optimizer/"): value for key, value in arrays.items()
                         if key.startswith("optimizer/")})
    state, inc, has_uint32, uinteger = (int(s) for s in arrays["rng_state"])
    rng = np.random.default_rng()
    rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                               "has_uint32": has_uint32, "uinteger": uinteger}
    return int(arrays["epoch"]), rng


class Checkpoint(Callback):
    """Save a checkpoint at the end of every epoch (the network's optimizer and shuffling generator
    are reachable as `model.optimizer` and `model.shuffle_rng` while `fit` runs)."""

    def __init__(self, path):
        self.path = Path(path)

    def on_epoch_end(self, epoch, logs=None):
        save(self.path, self.model, self.model.optimizer, self.model.shuffle_rng, epoch)
