"""Loss curves: the History of fit() as a DataFrame (one row per epoch, one column per History key)
and a PNG of the train and validation curves.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scratch.atomic_write import atomic_path


def history_frame(history: keras.callbacks.History | dict[str, list[float]]) -> pd.DataFrame:
    """fit()'s History as a DataFrame: one row per epoch (index "epoch", from 0 like TensorBoard's
    steps), one column per History key ("loss", "val_loss", "mae", ...), in the History's order."""
    logs = history.history if isinstance(history, keras.callbacks.History) else history
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"expected a keras History or a non-empty dict of per-epoch lists, got {type(history)}")
    lengths = {key: len(values) for key, values in logs.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"every History key needs one value per epoch, got lengths {lengths}")
    frame = pd.DataFrame({key: np.asarray(values, dtype=np.float64) for key, values in logs.items()})
    frame.index.name = "epoch"
    return frame


def plot_loss_curves(frame: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """One panel per quantity (loss first, then each metric), train and validation curves together.

    Rendered by the Agg backend (set explicitly: files only, no window, no pyplot state). Returns path.
    """
    path = Path(path)
    if path.suffix != ".png":
        raise ValueError(f"the loss-curve file must end in .png, got {path}")
    quantities = [key for key in frame.columns if not key.startswith("val_")]
    if "loss" not in quantities:
        raise ValueError(f"the history has no 'loss' column, only {list(frame.columns)}")
    quantities.remove("loss")
    quantities.insert(0, "loss")
    fig = Figure(figsize=(4.5 * len(quantities), 3.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)                                             # the Agg backend, chosen explicitly
    axes = np.atleast_1d(fig.subplots(1, len(quantities)))
    for ax, quantity in zip(axes, quantities, strict=True):
        ax.plot(frame.index, frame[quantity], marker="o", label=f"train {quantity}")
        if f"val_{quantity}" in frame.columns:
            ax.plot(frame.index, frame[f"val_{quantity}"], marker="o", label=f"validation {quantity}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))        # epochs are whole numbers
        ax.set_ylabel(quantity)
        ax.legend()
    if title:
        fig.suptitle(title)
    with atomic_path(path) as written:          # whole or not at all: a full disk left a truncated PNG
        fig.savefig(written, format="png")
    return path
