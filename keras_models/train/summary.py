"""What `make train` prints once the run ends: the summary table, and the TensorBoard links after it (saying
the scratch curves lie on Keras' only where they do).

The per-epoch lines printed while it trains are progress.py's.
"""

from __future__ import annotations

import math

from keras_models.train.board_server import task_link

# How close two loss curves must be to lie on each other in TensorBoard: 0.1% of the Keras loss (the 4 digits its
# table shows, give or take the last), or 1e-4 for a loss below 0.1. Float32 rounding keeps the sides ~1e-7 apart;
# the ReLU that flipped in the README's diamonds run left 3e-4 of its validation loss; a learning rate of 3.5 on
# multiclass, 10% and more.
LOSS_RTOL, LOSS_ATOL = 1e-3, 1e-4


def format_summary(results) -> str:
    """The table: one row per task and side with the last epoch's numbers and the wall time of its fit.

    `seconds` is the whole fit, TensorBoard writing included; `TensorBoard s` is the writer's share
    (the scratch writer also runs its extra gradient pass and the parity check there).

    A side that finished before an interruption was not timed in this session: its seconds read "-".

    `max weight gap` (scratch rows) is the parity/max_weight_gap of the last epoch: how far the
    scratch weights ended from the Keras twin's, relative to each array's largest entry.
    """
    header = ["task", "side", "epochs", "loss", "val_loss", "metric", "train", "val", "seconds", "TensorBoard s",
              "max weight gap"]
    rows = []
    for result in results:
        metric = result.metric
        for side, outcome in result.sides.items():
            h = outcome.history
            gap = f"{result.weight_gaps[-1]:.1e}" if side == "scratch" and result.weight_gaps else ""
            rows.append([result.task, side, str(len(h["loss"])), f"{h['loss'][-1]:.4f}", f"{h['val_loss'][-1]:.4f}",
                         metric, f"{h[metric][-1]:.4f}", f"{h['val_' + metric][-1]:.4f}",
                         _seconds(outcome.seconds), _seconds(outcome.board_seconds), gap])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {2, 3, 4, 6, 7, 8, 9}
    lines = []
    for row in [header, *rows]:
        cells = [cell.rjust(w) if i in numeric else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def curves_lie_on_each_other(keras: dict[str, list[float]], scratch: dict[str, list[float]]) -> bool:
    """Whether scratch's train and validation loss curves lie on Keras' in TensorBoard: at every epoch,
    |loss_scratch - loss_keras| <= max(LOSS_RTOL * |loss_keras|, LOSS_ATOL), for loss and val_loss.

    keras, scratch: each side's history, {"loss": [per epoch], "val_loss": [per epoch], ...}.
    The weight gap alone does not decide it: one flipped ReLU moved a weight by 1e-2 and the losses by only 3e-4.
    """
    return _most_apart(keras, scratch)[0] <= 1


def _most_apart(keras, scratch) -> tuple[float, str, int]:
    """(gap / tolerance, "loss" or "val_loss", epoch index) where the two sides' losses are furthest apart."""
    return max(((abs(s - k) / max(LOSS_RTOL * abs(k), LOSS_ATOL), key, epoch)
                for key in ("loss", "val_loss")
                for epoch, (k, s) in enumerate(zip(keras[key], scratch[key], strict=True))),
               key=lambda apart: math.inf if math.isnan(apart[0]) else apart[0])


def format_links(results, board: str) -> list[str]:
    """The lines after the table: how to open TensorBoard (`board`, e.g. "make tensorboard"), then one link per
    task to its loss curves. A task whose scratch curves stand apart from Keras' says so on its line, and the first
    line claims that scratch lies on Keras only if no task does."""
    links, all_agree = [], True
    for result in results:
        keras, scratch = result.sides["keras"].history, result.sides["scratch"].history
        line = f"  {result.task:<10}  {task_link(result.task)}"
        if not curves_lie_on_each_other(keras, scratch):
            all_agree = False
            _, key, epoch = _most_apart(keras, scratch)
            # what is measured, not why: a learning rate that makes training chaotic amplifies float32's rounding
            # (README, "What to look for"), but at a task's own settings a parting would be a bug
            line += (f"  (the sides part, most at epoch {epoch + 1}/{len(keras[key])}: {key} scratch "
                     f"{scratch[key][epoch]:.4g}, Keras {keras[key][epoch]:.4g})")
        links.append(line)
    claim = " (scratch lies on Keras)" if all_agree else ""
    return [f"Open them: {board}, then each task's loss curves{claim}:", *links]


def _seconds(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"
