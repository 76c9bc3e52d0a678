"""What `make train` keeps after every epoch, so that an interrupted run continues where it stopped,
and what it tells the learner it kept (`what_was_kept`, printed after Ctrl-C).

Each side of each task has one checkpoint, replaced atomically at the end of every epoch (written
to a temporary file, flushed, renamed: `scratch.atomic_write`) and read back with
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
                                    dropout/masks_<j>      with Dropout: the keep-masks of every step so far
                                    dropout/seed_<j>       and each Dropout's seed-generator state, so that a
                                                           resumed run draws the masks it would have drawn
                                                           (keras_models.twins.masks)
                                    dropout/rows           each step's batch rows, which a replay checks

Why not keras.callbacks.BackupAndRestore (Keras 3.15)? It overwrites latest.weights.h5 in place, then
writes the epoch number to a separate training_metadata.json: a kill during the first leaves a damaged
file (unless double_checkpoint=True, which keeps the previous pair as .bkp for that), and a kill between
the two leaves the weights of one epoch labelled with another, whichever options are set. And it keeps
the last epoch's weights only (deleted when fit ends, unless delete_checkpoint=False), while the scratch
side needs the Keras weights of every epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from data.tasks import TASK_TABLE
from keras_models.train.options import command, logdir_option, option
from keras_models.train.runs import read_status
from keras_models.twins import masks
from keras_models.twins.counted import counted
from keras_models.twins.repository import from_here
from scratch.atomic_write import remove_stale_temporaries, write_atomically
from scratch.checkpoint import (
    Checkpoint,
    CheckpointError,
    check_header,
    check_weights,
    load,
    read_arrays,
    restore,
    save,
)

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

    def take_back(self, epoch: int) -> None:
        """Undo `record(epoch, ...)`, the last epoch recorded: its checkpoint could not be written (a full disk), so
        the side has not kept it, and `sides.run_task` drops its TensorBoard summaries by this state's epoch."""
        if epoch != self.epoch:
            raise ValueError(f"epoch {epoch} taken back, but the last recorded is epoch {self.epoch}")
        self.epoch = epoch - 1
        for values in self.history.values():
            del values[epoch:]
        del self.weights_after_epoch[epoch:]


def finished_epochs(path: Path) -> int | None:
    """How many epochs the checkpoint at `path` has finished: 0 if there is none yet, None if it is unreadable."""
    if not Path(path).exists():
        return 0
    try:
        return check_header(path, read_arrays(path), FORMAT_VERSION) + 1
    except (CheckpointError, KeyError):
        return None


def progress(run_dir: Path) -> str:
    """How far each task of the run got, from its checkpoints: 'binary: keras 6/6 epochs, scratch 3/6; ...'."""
    plan = read_status(run_dir)
    states = []
    for task in plan["tasks"]:
        total = plan["epochs"] or TASK_TABLE[task].train.epochs
        done = {side: finished_epochs(run_dir / task / side / CHECKPOINT) for side in ("keras", "scratch")}
        state = ("a checkpoint cannot be read" if None in done.values() else "finished" if done["scratch"] == total
                 else "not started" if done["keras"] == 0 else
                 f"keras {done['keras']}/{total} epochs, scratch {done['scratch']}/{total}")
        states.append(f"{task}: {state}")
    return "; ".join(states)


def what_was_kept(run_dir: Path, logdir: Path) -> str:
    """After Ctrl-C, in one line: how far each task got and how to resume."""
    return (f"Interrupted. Kept in {from_here(run_dir)} (a checkpoint after every finished epoch): "
            f"{progress(run_dir)}. "
            f"Resume with: {command(option('--resume'), *logdir_option(logdir))}")


# ---- the Keras twin --------------------------------------------------------------------------------------------


class KerasCheckpoint(keras.callbacks.Callback):
    """Record the epoch in `state` and save everything to `path`, at the end of every epoch."""

    def __init__(self, path: str | Path, state: SideState):
        super().__init__()
        self.path, self.state = Path(path), state

    def on_train_begin(self, logs=None):
        remove_stale_temporaries(self.path)                      # left by a run killed while writing

    def on_epoch_end(self, epoch, logs=None):
        self.state.record(epoch, logs, self.model.get_weights())
        arrays = {"format_version": np.array(FORMAT_VERSION), "side": np.array("keras"),
                  "epoch": np.array(epoch)}
        arrays |= {f"weight_{i}": w for i, w in enumerate(self.model.get_weights())}
        arrays |= {f"optimizer_{i}": np.asarray(v) for i, v in enumerate(self.model.optimizer.variables)}
        for i, per_epoch in enumerate(zip(*self.state.weights_after_epoch, strict=True)):
            arrays[f"after_epoch_{i}"] = np.stack(per_epoch)             # (epochs so far, *shape)
        arrays |= {f"history/{name}": np.array(values) for name, values in self.state.history.items()}
        arrays |= {f"dropout/{key}": value for key, value in masks.state(self.model).items()}
        try:
            write_atomically(self.path, arrays)
        except BaseException:
            self.state.take_back(epoch)                         # not kept: the run's state says the checkpoint's epoch
            raise


def restore_keras(path: str | Path, model: keras.Model, epochs: int | None = None,
                  steps_per_epoch: int | None = None) -> SideState:
    """Load a Keras checkpoint into a compiled `model` (weights and optimizer state); returns what it recorded.

    All or nothing, like scratch.checkpoint.restore: a checkpoint of another architecture, of the scratch
    side or of another optimizer, a damaged one, one past the run's `epochs`, or (given `steps_per_epoch`) one
    whose step count is not its epochs' steps, is refused with a CheckpointError naming the file and the key
    before the model changes.
    """
    arrays = read_arrays(path)
    if str(arrays.get("side", "")) != "keras" or not {"format_version", "epoch"} <= set(arrays):
        raise CheckpointError(f"checkpoint {path} was not written by the Keras side of make train")
    epoch = check_header(path, arrays, FORMAT_VERSION)
    _check_within(path, epoch, epochs)
    weights = [arrays[f"weight_{i}"] for i in range(_count(arrays, "weight_"))]
    current = model.get_weights()
    check_weights(path, weights, current, f"the Keras model {model.name!r}")
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    saved = [arrays[f"optimizer_{i}"] for i in range(_count(arrays, "optimizer_"))]
    if [s.shape for s in saved] != [tuple(v.shape) for v in optimizer.variables]:
        raise CheckpointError(f"checkpoint {path} holds the state of another optimizer "
                              f"({len(saved)} arrays, {type(optimizer).__name__} has {len(optimizer.variables)})")
    check_weights(path, saved, [np.asarray(v) for v in optimizer.variables],
                  f"{type(optimizer).__name__}'s variable", key="optimizer_")
    negative = next((i for i, a in enumerate(saved) if a.dtype.kind == "i" and (a < 0).any()), None)
    if negative is not None:
        raise CheckpointError(f"checkpoint {path}: optimizer_{negative} (a step count) is negative; it is damaged")
    counter = next(i for i, v in enumerate(optimizer.variables) if v is optimizer.iterations)
    steps = int(saved[counter])
    _check_steps(path, f"optimizer_{counter}", steps, epoch, steps_per_epoch)   # before the masks, which count them
    dropout = {key.removeprefix("dropout/"): value for key, value in arrays.items() if key.startswith("dropout/")}
    try:
        masks.check_state(model, dropout, steps)
    except ValueError as exc:
        raise CheckpointError(f"checkpoint {path}: dropout/: {exc}; delete it to start that side over") from None
    after_epoch = [arrays.get(f"after_epoch_{i}") for i in range(len(weights))]
    check_weights(path, after_epoch, [np.broadcast_to(w, (epoch + 1, *w.shape)) for w in current],
                  "the weights of every finished epoch", key="after_epoch_")
    state = SideState(epoch, _history(arrays, "history/", epoch, path),
                      [[a[e] for a in after_epoch] for e in range(epoch + 1)])
    model.set_weights(weights)                           # nothing has changed until here
    for variable, value in zip(optimizer.variables, saved, strict=True):
        variable.assign(value)
    masks.load_state(model, dropout)
    return state


# ---- the scratch network ---------------------------------------------------------------------------------------


class ScratchCheckpoint(Checkpoint):
    """scratch.checkpoint.Checkpoint that also keeps every epoch's logs (extra/history/<name>)."""

    def __init__(self, path: str | Path, state: SideState):
        super().__init__(path)
        self.state = state

    def on_epoch_end(self, epoch, logs=None):
        self.state.record(epoch, logs)
        try:
            save(self.path, self.model, self.model.optimizer, self.model.shuffle_rng, epoch,
                 extra={f"history/{name}": np.array(values) for name, values in self.state.history.items()})
        except BaseException:
            self.state.take_back(epoch)                         # not kept (a full disk): as on the Keras side
            raise


def restore_scratch(path: str | Path, net, optimizer, epochs: int | None = None, steps_per_epoch: int | None = None
                    ) -> tuple[SideState, np.random.Generator]:
    """scratch.checkpoint.restore, plus the logs it kept: (what it recorded, the shuffling generator); checked as
    restore_keras checks the Keras side's."""
    arrays = load(path)                                         # the header checked
    epoch = int(arrays["epoch"])
    _check_within(path, epoch, epochs)
    steps = arrays.get("optimizer/iterations")
    if steps is not None and steps.shape == () and steps.dtype.kind in "iu":      # else restore names what is wrong
        _check_steps(path, "optimizer/iterations", int(steps), epoch, steps_per_epoch)
    history = _history(arrays, "extra/history/", epoch, path)
    epoch, rng = restore(path, net, optimizer)                  # checks everything else, then changes net
    return SideState(epoch, history), rng


def _check_within(path, epoch: int, epochs: int | None) -> None:
    if epochs is not None and epoch >= epochs:
        raise CheckpointError(f"checkpoint {path} says {epoch + 1} epochs finished, but this run has {epochs}: "
                              "it belongs to another run (delete it to start that side over)")


def _check_steps(path, key: str, steps: int, epoch: int, steps_per_epoch: int | None) -> None:
    """Every finished epoch took steps_per_epoch optimizer steps (one per batch). Another count, 0 included, is never
    written: resumed, it would restart Adam's bias correction (t = steps + 1) or carry it on from elsewhere, and with
    Dropout replay another step's masks -- a run other than the one straight through, and the two sides apart."""
    if steps_per_epoch is None:
        return
    expected = (epoch + 1) * steps_per_epoch
    if steps != expected:
        raise CheckpointError(f"checkpoint {path}: {key} (a step count) is {steps}, but its "
                              f"{counted(epoch + 1, 'finished epoch')} of {steps_per_epoch} steps make"
                              f"{'s' if epoch == 0 else ''} {expected}; it is damaged (delete it to start that side "
                              "over)")


def _count(arrays: dict, prefix: str) -> int:
    return sum(1 for key in arrays if key.startswith(prefix) and key[len(prefix):].isdigit())


def _history(arrays: dict, prefix: str, epoch: int, path) -> dict[str, list[float]]:
    history = {key[len(prefix):]: [float(v) for v in value] for key, value in arrays.items()
               if key.startswith(prefix)}
    if any(len(values) != epoch + 1 for values in history.values()):
        raise CheckpointError(f"checkpoint {path} is damaged: its logs do not cover epochs 1 to {epoch + 1}")
    return history
