"""Checkpoints: save everything training needs to continue, and continue bit for bit.

A checkpoint is one `.npz` file holding plain arrays only (it is written and read with
`allow_pickle=False`, so loading one can never run code):

    format_version          1: the layout described here (another version is refused)
    epoch                   the last finished epoch (0-based)
    weight_0, weight_1 ...  [W_1, b_1, W_2, b_2, ...] in Keras order
    optimizer/<name>        the optimizer's state (step count, momentum/velocity arrays)
    rng_state               the shuffling generator's PCG64 state, as decimal strings
    extra/<name>            anything else the caller keeps beside them (e.g. the logs so far)

    optimizer_class         the optimizer's class name ("Adam"), so another optimizer's state is refused
    optimizer_config        its hyper-parameters and options as JSON text (get_config()), so a restore into
                            the same class with other options (amsgrad, weight decay, a schedule, ...) is
                            refused too; only a float learning rate may differ (lowering it on resuming is
                            a deliberate choice)

It is written atomically: to a temporary file in the same directory, flushed to disk, then
renamed over the old one. A run killed mid-write leaves the previous checkpoint intact and at
worst a stray temporary file, which is never read, and which the next training into the same
checkpoint removes (`scratch.atomic_write`; only files of the writer's own pattern).

`restore` is all or nothing: it checks everything first -- the format version, the epoch, every
weight's shape, dtype and finiteness, the optimizer's class and each state array (a step count of 0
beside slots that steps changed too), the generator's state -- and only then changes the network and the
optimizer. It cannot know the steps an epoch took (the batch size is not kept, and a run may start at
initial_epoch with a new optimizer): make train, which knows them, checks the count against the epochs.
Any damage is a CheckpointError that names the file and the key.

    net.fit(..., callbacks=[Checkpoint("run/scratch.npz")])       # save after every epoch
    epoch, rng = restore("run/scratch.npz", net, optimizer)        # after a crash
    net.fit(..., optimizer=optimizer, seed=rng, initial_epoch=epoch + 1, callbacks=[...])
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import numpy as np

from scratch.atomic_write import remove_stale_temporaries, write_atomically
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
    arrays["optimizer_class"] = np.array(type(optimizer).__name__)
    arrays["optimizer_config"] = np.array(json.dumps(optimizer.get_config()))
    for name, value in optimizer.get_state().items():
        arrays[f"optimizer/{name}"] = np.asarray(value)
    check_generator(rng)
    state = rng.bit_generator.state
    arrays["rng_state"] = np.array([str(state["state"]["state"]), str(state["state"]["inc"]),
                                    str(state["has_uint32"]), str(state["uinteger"])])
    for name, value in (extra or {}).items():
        arrays[f"extra/{name}"] = np.asarray(value)
    return write_atomically(path, arrays)


def check_generator(rng: np.random.Generator) -> None:
    """rng_state holds PCG64's four numbers (np.random.default_rng's): another bit generator's state could not
    be put back on resuming."""
    name = type(rng.bit_generator).__name__ if isinstance(rng, np.random.Generator) else type(rng).__name__
    if name != "PCG64":
        raise TypeError(f"checkpoints store PCG64 generators, got {name}: use np.random.default_rng(seed) (fit's "
                        "seed=<int> makes one)")


def load(path) -> dict[str, np.ndarray]:
    """The arrays of a scratch checkpoint file, or a CheckpointError naming the file (and the key at fault)."""
    arrays = read_arrays(path)
    missing = {"format_version", "epoch", "rng_state"} - set(arrays)
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {sorted(missing)}; it was not written by scratch")
    check_header(path, arrays, FORMAT_VERSION)
    return arrays


def check_header(path, arrays: dict[str, np.ndarray], version: int) -> int:
    """format_version must be `version` and epoch an integer >= 0; returns the epoch."""
    found = arrays["format_version"]
    if found.shape != () or found.dtype.kind not in "iu" or int(found) != version:
        raise CheckpointError(f"checkpoint {path}: format_version is {found.tolist()!r}, this code reads version "
                              f"{version} only; delete it to start over")
    epoch = arrays["epoch"]
    if epoch.shape != () or epoch.dtype.kind not in "iu" or int(epoch) < 0:
        raise CheckpointError(f"checkpoint {path}: epoch must be an integer >= 0 (the last finished epoch), got "
                              f"{epoch.tolist()!r}; it is damaged")
    return int(epoch)


def check_weights(path, weights: list, expected: list[np.ndarray], owner: str, key: str = "weight_") -> None:
    """Each weights[i] (the checkpoint's `<key><i>`) must have the shape and dtype of expected[i] (what
    `owner` has) and hold finite numbers only; None stands for a missing key."""
    if key == "weight_" and [np.shape(w) for w in weights] != [e.shape for e in expected]:
        raise CheckpointError(f"checkpoint {path} holds weights of shapes {[np.shape(w) for w in weights]}, "
                              f"but {owner} has {[e.shape for e in expected]}: it belongs to a different "
                              "architecture")
    for i, (w, e) in enumerate(zip(weights, expected, strict=True)):
        if w is None:
            raise CheckpointError(f"checkpoint {path} lacks {key}{i}; it is damaged (delete it to start over)")
        if (w.shape, w.dtype) != (e.shape, e.dtype):
            raise CheckpointError(f"checkpoint {path}: {key}{i} is {w.dtype} of shape {w.shape}, but {owner} is "
                                  f"{e.dtype} of shape {e.shape}; it was saved for another network")
        if w.dtype.kind in "fc" and not np.isfinite(w).all():
            raise CheckpointError(f"checkpoint {path}: {key}{i} holds {np.size(w) - np.isfinite(w).sum()} NaN or "
                                  "inf values; it is damaged (delete it to start over)")


def read_arrays(path) -> dict[str, np.ndarray]:
    """Every array of an .npz file, read with allow_pickle=False, or a CheckpointError naming the file."""
    path = Path(path)
    if path.exists() and not path.is_file():        # a folder in its place: "no checkpoint" would send one looking
        raise CheckpointError(f"checkpoint {path} is not a file (a folder?), so it is damaged or not a checkpoint; "
                              "delete it to start over")
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        # open the file ourselves: np.load leaks its handle when the zip turns out to be broken
        with open(path, "rb") as f:
            is_npz = f.read(4) == b"PK\x03\x04"          # an .npz is a zip archive
            f.seek(0)
            if is_npz:                                    # anything else np.load would take for a pickle
                with np.load(f, allow_pickle=False) as npz:
                    arrays = {key: npz[key] for key in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise CheckpointError(f"checkpoint {path} is damaged or not a checkpoint ({exc}); "
                              "delete it to start over") from None
    if not is_npz:
        raise CheckpointError(f"checkpoint {path} is damaged or not a checkpoint (not an .npz archive); "
                              "delete it to start over")
    return arrays


def restore(path, net, optimizer) -> tuple[int, np.random.Generator]:
    """Load a checkpoint into `net` and `optimizer`; return (last finished epoch, shuffling generator).

    Everything is checked before anything changes (see the module's docstring): a damaged checkpoint,
    or one of another architecture, dtype or optimizer, is a CheckpointError naming the file and the key,
    and leaves `net` and `optimizer` as they were.
    """
    arrays = load(path)
    epoch = int(arrays["epoch"])
    n_weights = sum(1 for key in arrays if key.startswith("weight_"))
    if not all(f"weight_{i}" in arrays for i in range(n_weights)):
        raise CheckpointError(f"checkpoint {path}: its weight_<i> keys are not numbered 0 to {n_weights - 1}")
    weights = [arrays[f"weight_{i}"] for i in range(n_weights)]
    check_weights(path, weights, net.params(), "the network")
    state = _optimizer_state(path, arrays, optimizer, net.params())
    rng = _generator(path, arrays["rng_state"])
    net.set_weights(weights)                            # nothing has changed until here
    optimizer.set_state(state)
    return epoch, rng


def _optimizer_state(path, arrays: dict[str, np.ndarray], optimizer, params: list[np.ndarray]) -> dict:
    """The checkpoint's optimizer state, checked against `optimizer` and the network's params."""
    name = type(optimizer).__name__
    saved_by = str(arrays["optimizer_class"]) if "optimizer_class" in arrays else None
    if saved_by is not None and saved_by != name:
        raise CheckpointError(f"checkpoint {path}: optimizer_class is {saved_by}, not {name}: it holds the state "
                              f"of another optimizer; resume with {saved_by}, or delete it to start over")
    if "optimizer_config" in arrays:                     # (checkpoints written before it existed lack it)
        _check_same_options(path, arrays["optimizer_config"], optimizer)
    state = {key.removeprefix("optimizer/"): value for key, value in arrays.items() if key.startswith("optimizer/")}
    slots = {f"{slot}_{i}": p for slot in optimizer.slot_names for i, p in enumerate(params)}
    steps = state.get("iterations")
    if slots and set(state) == {"iterations"} and steps is not None and steps.dtype.kind in "iu" and steps > 0:
        raise CheckpointError(f"checkpoint {path}: optimizer/ holds no {' or '.join(optimizer.slot_names)} arrays "
                              f"after {int(steps)} steps, which {name} keeps: it holds the state of another "
                              "optimizer (SGD without momentum?); delete it to start over")
    for key, value in state.items():
        if key == "iterations":
            continue
        if key not in slots:
            raise CheckpointError(f"checkpoint {path}: optimizer/{key} is not part of {name}'s state (its slots "
                                  f"are {list(optimizer.slot_names) or 'none'}): it holds another optimizer's state")
        if (value.shape, value.dtype) != (slots[key].shape, slots[key].dtype) or not np.isfinite(value).all():
            raise CheckpointError(f"checkpoint {path}: optimizer/{key} ({value.dtype}, shape {value.shape}) must "
                                  f"hold finite {slots[key].dtype} numbers of shape {slots[key].shape}; it is damaged")
    try:
        copy.deepcopy(optimizer).set_state(state)       # the optimizer's own checks, on a copy
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {path}: its optimizer/ state does not fit {name} ({exc})") from None
    if int(state["iterations"]) == 0:                   # set_state has checked it: a 0-d integer >= 0
        # the slots are made by the first step, which counts itself: after 0 steps they can only hold where the
        # optimizer starts them (a first step that failed, saved by hand). Others came from steps: resumed at t = 1,
        # Adam's bias correction would divide its momentum by 1 - beta_1 again, and a schedule would restart.
        for key, value in state.items():
            if key != "iterations":
                slot = key.rsplit("_", 1)[0]            # "<slot>_<i>": every key but iterations is one of slots
                if not np.array_equal(value, optimizer.new_slot(slot, slots[key])):
                    raise CheckpointError(f"checkpoint {path}: optimizer/iterations is 0, but optimizer/{key} is not "
                                          f"where {name} starts: steps were taken; it is damaged (delete it to start "
                                          "over)")
    return state


def _check_same_options(path, saved: np.ndarray, optimizer) -> None:
    """The checkpoint's optimizer_config must equal the optimizer's, a float learning rate excepted."""
    name = type(optimizer).__name__
    try:
        config = json.loads(str(saved)) if saved.shape == () and saved.dtype.kind == "U" else None
    except json.JSONDecodeError:
        config = None
    if not isinstance(config, dict):
        raise CheckpointError(f"checkpoint {path}: optimizer_config is not the JSON text of a dict; it is damaged")
    ours = json.loads(json.dumps(optimizer.get_config()))           # tuples -> lists, as the file holds them
    if all(isinstance(c.get("learning_rate"), float) for c in (config, ours)):
        config["learning_rate"] = ours["learning_rate"]
    for key in sorted(set(config) | set(ours)):
        if config.get(key, "(absent)") != ours.get(key, "(absent)"):
            raise CheckpointError(f"checkpoint {path}: optimizer_config has {key}={config.get(key, '(absent)')!r}, "
                                  f"but this {name} has {key}={ours.get(key, '(absent)')!r}: it was saved with other "
                                  f"options; resume with the same ones, or delete it to start over")


def _generator(path, rng_state: np.ndarray) -> np.random.Generator:
    """The PCG64 generator rng_state describes: [state, inc, has_uint32, uinteger] as decimal strings."""
    try:
        if rng_state.shape != (4,) or rng_state.dtype.kind != "U":
            raise ValueError(f"shape {rng_state.shape}, dtype {rng_state.dtype}")
        texts = [str(s) for s in rng_state]
        bad = next((t for t in texts if not t.lstrip("-").isdigit()), None)
        if bad is not None:
            raise ValueError(f"{bad!r} is not a whole number")
        state, inc, has_uint32, uinteger = (int(t) for t in texts)
        if not (0 <= state < 2**128 and 0 <= inc < 2**128 and has_uint32 in (0, 1) and 0 <= uinteger < 2**32):
            raise ValueError("numbers out of range")
        rng = np.random.default_rng()
        rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                                   "has_uint32": has_uint32, "uinteger": uinteger}
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {path}: rng_state is not a PCG64 generator state ({exc}); it is "
                              "damaged") from None
    return rng


class Checkpoint(Callback):
    """Save a checkpoint at the end of every epoch (the network's optimizer and shuffling generator
    are reachable as `model.optimizer` and `model.shuffle_rng` while `fit` runs)."""

    def __init__(self, path):
        self.path = Path(path)

    def on_train_begin(self, logs=None):
        check_generator(self.model.shuffle_rng)                 # before the first epoch trains, not after it
        remove_stale_temporaries(self.path)

    def on_epoch_end(self, epoch, logs=None):
        save(self.path, self.model, self.model.optimizer, self.model.shuffle_rng, epoch)
