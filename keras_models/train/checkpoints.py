"""What `make train` keeps after every epoch, so that an interrupted run continues where it stopped,
and what it tells the learner it kept (`what_was_kept`, printed after Ctrl-C).

Each side of each task has one checkpoint, replaced atomically at the end of every epoch (written
to a temporary file, flushed, renamed: `scratch.checkpoint.write_atomically`) and read back with
allow_pickle=False, so a half-written file is never picked up and loading one never runs code:

    <task>/scratch/checkpoint.npz   scratch.checkpoint's arrays (weights, Adam's state, the RNG), plus
                                    extra/history/<name>   every epoch's logs (loss, val_loss, metric ...)
    <task>/keras/checkpoint.npz     format_version, side ("keras"), epoch (the last finished, 0-based)
                                    weight_<i>             model.get_weights()
                                    optimizer_<i>          model.optimizer.variables: step count, learning
                                                           rate, Adam's m and v for every weight
                                    after_epoch_<i>        (epochs so far, *shape of weight i): the weights
                                                           at the end of every epoch, which the scratch side's
                                                           parity/max_weight_gap compares against -- after a
                                                           resume too
                                    history/<name>         every epoch's logs, for the summary table

Why not keras.callbacks.BackupAndRestore (Keras 3.15)? It overwrites latest.weights.h5 in place, then
writes the epoch number to a separate training_metadata.json: a kill during the first leaves a damaged
file, a kill between the two leaves the weights of one epoch labelled with another. And it deletes
its backup when fit ends, while the scratch side still needs the Keras weights of every epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from data.tasks import TASK_TABLE
from keras_models.train.options import DEFAULT_LOGDIR
from keras_models.train.runs import read_status, shown
from scratch.checkpoint import Checkpoint, CheckpointError, read_arrays, restore, save, write_atomically

CHECKPOINT = "checkpoint.npz"
FORMAT_VERSION = 1


@dataclass
class SideState:
    """How far one side got: the last finished epoch (-1 for none), its logs and (Keras) its weights per epoch."""

    epoch: int = -1
    history: dict[str, list[float]] = field(default_factory=dict)
    weights_after_epoch: list[list[np.ndarray]] = field(default_factory=list)

    def record(self, epoch: int, logs: dict | None, weights: list[np.ndarray] | None = None) -> None:
        if epoch != self.epoch + 1:
            raise ValueError(f"epoch {epoch} recorded after epoch {self.epoch}: epochs must follow each other")
        self.epoch = epoch
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        if weights is not None:
            self.weights_after_epoch.append([np.array(w) for w in weights])


def finished_epochs(path: Path) -> int:
    """How many epochs the checkpoint at `path` has finished (0 if there is none yet)."""
    return int(read_arrays(path)["epoch"]) + 1 if Path(path).is_file() else 0


def what_was_kept(run_dir: Path, logdir: Path) -> str:
    """After Ctrl-C: which tasks finished, how far the others got on each side, and how to resume."""
    plan = read_status(run_dir)
    lines = [f"Interrupted. Kept in {shown(run_dir)} (checkpoints saved after every finished epoch):"]
    for task in plan["tasks"]:
        total = plan["epochs"] or TASK_TABLE[task].train.epochs
        done = {side: finished_epochs(run_dir / task / side / CHECKPOINT) for side in ("keras", "scratch")}
        state = ("finished" if done["scratch"] == total else "not started" if done["keras"] == 0 else
                 f"keras {done['keras']}/{total} epochs, scratch {done['scratch']}/{total} epochs")
        lines.append(f"  {task:<11} {state}")
    command = "make train RESUME=1"
    if Path(logdir).resolve() != DEFAULT_LOGDIR:
        command += f" (this --logdir: .venv/bin/python -m keras_models.train --resume --logdir {logdir})"
    lines.append(f"Resume with: {command}")
    return "\n".join(lines)


# ---- the Keras twin --------------------------------------------------------------------------------------------


class KerasCheckpoint(keras.callbacks.Callback):
    """Record the epoch in `state` and save everything to `path`, at the end of every epoch."""

    def __init__(self, path: str | Path, state: SideState):
        super().__init__()
        self.path, self.state = Path(path), state

    def on_epoch_end(self, epoch, logs=None):
        self.state.record(epoch, logs, self.model.get_weights())
        arrays = {"format_version": np.array(FORMAT_VERSION), "side": np.array("keras"),
                  "epoch": np.array(epoch)}
        arrays |= {f"weight_{i}": w for i, w in enumerate(self.model.get_weights())}
        arrays |= {f"optimizer_{i}": np.asarray(v) for i, v in enumerate(self.model.optimizer.variables)}
        for i, per_epoch in enumerate(zip(*self.state.weights_after_epoch, strict=True)):
            arrays[f"after_epoch_{i}"] = np.stack(per_epoch)             # (epochs so far, *shape)
        arrays |= {f"history/{name}": np.array(values) for name, values in self.state.history.items()}
        write_atomically(self.path, arrays)


def restore_keras(path: str | Path, model: keras.Model) -> SideState:
    """Load a Keras checkpoint into a compiled `model` (weights and optimizer state); returns what it recorded.

    A checkpoint of another architecture, or of the scratch side, is refused with a CheckpointError.
    """
    arrays = read_arrays(path)
    if str(arrays.get("side", "")) != "keras":
        raise CheckpointError(f"checkpoint {path} was not written by the Keras side of make train")
    weights = [arrays[f"weight_{i}"] for i in range(_count(arrays, "weight_"))]
    expected = [tuple(w.shape) for w in model.get_weights()]
    if [w.shape for w in weights] != expected:
        raise CheckpointError(f"checkpoint {path} holds weights of shapes {[w.shape for w in weights]}, but the "
                              f"Keras model {model.name!r} has {expected}: it belongs to a different architecture")
    model.set_weights(weights)
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    saved = [arrays[f"optimizer_{i}"] for i in range(_count(arrays, "optimizer_"))]
    if [s.shape for s in saved] != [tuple(v.shape) for v in optimizer.variables]:
        raise CheckpointError(f"checkpoint {path} holds the state of another optimizer "
                              f"({len(saved)} arrays, {type(optimizer).__name__} has {len(optimizer.variables)})")
    for variable, value in zip(optimizer.variables, saved, strict=True):
        variable.assign(value)
    epoch = int(arrays["epoch"])
    after_epoch = [arrays[f"after_epoch_{i}"] for i in range(len(weights))]
    state = SideState(epoch, _history(arrays, "history/", epoch, path),
                      [[a[e] for a in after_epoch] for e in range(epoch + 1)])
    return state


# ---- the scratch network ---------------------------------------------------------------------------------------


class ScratchCheckpoint(Checkpoint):
    """scratch.checkpoint.Checkpoint that also keeps every epoch's logs (extra/history/<name>)."""

    def __init__(self, path: str | Path, state: SideState):
        super().__init__(path)
        self.state = state

    def on_epoch_end(self, epoch, logs=None):
        self.state.record(epoch, logs)
        save(self.path, self.model, self.model.optimizer, self.model.shuffle_rng, epoch,
             extra={f"history/{name}": np.array(values) for name, values in self.state.history.items()})


def restore_scratch(path: str | Path, net, optimizer) -> tuple[SideState, np.random.Generator]:
    """scratch.checkpoint.restore, plus the logs it kept: (what it recorded, the shuffling generator)."""
    epoch, rng = restore(path, net, optimizer)
    return SideState(epoch, _history(read_arrays(path), "extra/history/", epoch, path)), rng


def _count(arrays: dict, prefix: str) -> int:
    return sum(1 for key in arrays if key.startswith(prefix) and key[len(prefix):].isdigit())


def _history(arrays: dict, prefix: str, epoch: int, path) -> dict[str, list[float]]:
    history = {key[len(prefix):]: [float(v) for v in value] for key, value in arrays.items()
               if key.startswith(prefix)}
    if any(len(values) != epoch + 1 for values in history.values()):
        raise CheckpointError(f"checkpoint {path} is damaged: its logs do not cover epochs 1 to {epoch + 1}")
    return history
