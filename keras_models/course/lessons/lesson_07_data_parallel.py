"""
Title: Data parallelism: a batch's gradient from its shards
Description: A batch split into shards, each shard's gradient computed separately, summed with the weights m_k/m.
Run: make lessons, or .venv/bin/python -m keras_models.course.lessons.lesson_07_data_parallel
"""

# ## Introduction
#
# When the data outgrow one device, TensorFlow's MirroredStrategy (`make train DEVICES=2`) and its
# multi-machine sibling (`keras_models/course/multi_worker.py`) put a copy of the network on every
# device, cut each batch of m rows into shards, let every device compute its own shard's gradient,
# and add the gradients up -- the *all-reduce* -- before one identical update everywhere.
#
# Why is that the same step as on one device? The loss of a batch is a mean over its rows, and
# a mean over the batch is a weighted mean of the shards' means:
#
#     L  = (1/m) sum_i l_i = sum_k (m_k/m) L_k         L_k: the mean over shard k's m_k rows
#     dL =                   sum_k (m_k/m) dL_k        the gradient is linear (BP3, BP4 sum over rows)
#
# Mind the 1/m. Each shard's own loss divides by m_k, not m, so its gradient must be weighted by
# m_k/m. When each of the N shards has m/N rows, that is a plain average (1/N each); when they differ, a
# plain average of the shards' gradients is a different step -- and that is what Keras 3's `fit`
# takes under tf.distribute (keras_models/twins/data_parallel.py puts it right). Everything here is
# `scratch/` (scratch/data_parallel.py): NumPy only.

# ## Setup

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from keras_models.course.folders import LOGS
from keras_models.course.lessons.pictures import LessonResult, new_figure, save_png
from scratch import Dense, Network
from scratch.agreement import relative_gap
from scratch.data_parallel import all_reduce, shard_gradients, shard_slices

SHARDS = 4                      # replicas in the first picture: a batch of 10 rows becomes 3, 3, 3, 1
COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]
MARKERS = ["o", "^", "s", "v"]  # each shard's gradient has a marker of its own too: told apart without colour

# ## Data and model
#
# A batch of 10 examples with 3 features and 3 classes (one-hot), and a 3-5-3 network: tanh, then
# softmax with categorical cross-entropy. Fixed seeds: the same numbers every run.
#
# Two things lessons 3 and 5 did not show, for more than two classes. Softmax turns the output
# layer's 3 numbers z into 3 probabilities that add up to 1: p_j = e^(z_j) / sum_i e^(z_i)
# (`scratch/activations.py`). One-hot writes class 2 (of 0, 1, 2) as y = [0, 0, 1]. Categorical
# cross-entropy is then -sum_j y_j ln p_j = -ln (the probability of the true class), averaged over
# the rows: lesson 5's binary cross-entropy, for k classes.

rng = np.random.default_rng(7)
X = rng.normal(size=(10, 3))                                         # (10, 3)
y = np.eye(3)[rng.integers(0, 3, size=10)]                           # (10, 3) one-hot
LOSS = "categorical_crossentropy"


def build_network() -> Network:
    return Network([Dense(3, 5, "tanh", seed=0), Dense(5, 3, "softmax", seed=1)])


def plain_average(shards) -> list[np.ndarray]:
    """What Keras 3's fit does under tf.distribute: (1/N) sum_k dL_k, whatever the shards' sizes
    (an empty shard counts as a zero gradient, as Keras' mean of no rows is 0)."""
    return [sum(grads[i] for _, _, grads in shards) / len(shards) for i in range(len(shards[0][2]))]


def gaps(net: Network, n_shards: int) -> tuple[float, float]:
    """(gap of the all-reduce, gap of the plain average) against the full batch's gradient, the largest
    relative gap over the weight arrays."""
    _, full = net.loss_and_gradients(X, y, LOSS)
    shards = shard_gradients(net, X, y, LOSS, n_shards)
    _, summed = all_reduce(shards)
    return (max(relative_gap(s, f) for s, f in zip(summed, full, strict=True)),
            max(relative_gap(a, f) for a, f in zip(plain_average(shards), full, strict=True)))


@dataclass
class DataParallelLesson(LessonResult):
    shard_rows: list[int] = field(default_factory=list)            # m_k of each shard in the first picture
    all_reduce_gap: float = 0.0                                     # sum_k (m_k/m) dL_k against dL
    plain_average_gap: float = 0.0                                  # (1/N) sum_k dL_k against dL
    gaps_by_shards: dict[int, tuple[float, float]] = field(default_factory=dict)   # N -> both gaps


# ## Look
#
# Left: the batch, coloured by shard. Middle: the 15 entries of dL/dW_2 (BP4 of the output layer)
# -- each shard's own gradient (small marks, a shape per shard), the full batch's (grey bars), the
# all-reduce (black rings, on the bars) and the plain average (red crosses, off them). Right: the same
# comparison for every number of replicas from 1 to 10.
#
# The gap is measured as a relative gap (`scratch/agreement.py`): the largest difference between
# an entry and the full batch's, divided by the largest entry of the full batch's gradient. About
# 1e-16 is float64's rounding (machine epsilon, 2.2e-16: the spacing of float64 numbers near 1),
# so "the same up to rounding"; 0.64 means off by 64% of the gradient's size.

def run(out_dir: str | Path) -> DataParallelLesson:
    """Split the batch, compute every shard's gradient, all-reduce, and compare with the full batch."""
    net = build_network()
    _, full = net.loss_and_gradients(X, y, LOSS)
    full_W2 = full[2].ravel().copy()                                 # (15,) dL/dW_2 of the whole batch
    shards = shard_gradients(net, X, y, LOSS, SHARDS)
    _, summed = all_reduce(shards)
    rows = [m_k for m_k, _, _ in shards]
    by_shards = {n: gaps(net, n) for n in range(1, len(X) + 1)}

    fig = new_figure(12.0, 3.8)
    ax_rows, ax_grad, ax_gap = fig.subplots(1, 3, width_ratios=[1.0, 3.2, 2.4])
    for k, part in enumerate(shard_slices(len(X), SHARDS)):
        for i in range(part.start, part.stop):
            ax_rows.add_patch(_row(i, COLOURS[k]))
        if part.stop > part.start:
            ax_rows.text(1.15, (part.start + part.stop) / 2 - 0.5, f"shard {k + 1}: $m_{k + 1}$ = {rows[k]}",
                         va="center", fontsize=8)
    ax_rows.set_xlim(0, 3.2)
    ax_rows.set_ylim(len(X), -0.2)
    ax_rows.set_axis_off()
    ax_rows.set_title(f"a batch of m = {len(X)} rows\non {SHARDS} replicas", fontsize=9)

    entries = np.arange(full_W2.size)                                # (15,)
    ax_grad.bar(entries, full_W2, color="lightgrey", label="full batch: dL")
    for k, (m_k, _, grads_k) in enumerate(shards):
        if m_k:
            ax_grad.plot(entries + 0.2 * (k - 1.5) / 1.5, grads_k[2].ravel(), MARKERS[k], color=COLOURS[k],
                         markersize=3, label=f"shard {k + 1}: $dL_{k + 1}$")
    ax_grad.plot(entries, summed[2].ravel(), "o", mfc="none", mec="black", label="all-reduce: sum of $(m_k/m)\\,dL_k$")
    ax_grad.plot(entries, plain_average(shards)[2].ravel(), "x", color="tab:red", label="plain average of the $dL_k$")
    ax_grad.axhline(0, color="black", linewidth=0.5)
    ax_grad.set_xlabel(f"entry of $W_2$ ({full[2].shape[0]} x {full[2].shape[1]}, row by row)")     # 5 x 3
    ax_grad.set_ylabel("dL / dW$_2$")
    ax_grad.legend(fontsize=7, ncols=2, loc="lower left")

    counts = np.array(sorted(by_shards))                             # (10,) replicas 1..10
    floor = 1e-18                                                    # where an exact 0 is drawn (log scale)
    for j, (label, style) in enumerate([("all-reduce, weights $m_k/m$", "o-k"),
                                        ("plain average, weights 1/N", "x--r")]):
        ax_gap.semilogy(counts, [max(by_shards[n][j], floor) for n in counts], style, label=label, markersize=5)
    ax_gap.axhline(np.finfo(float).eps, color="grey", linewidth=0.8, linestyle=":")
    ax_gap.text(7.5, np.finfo(float).eps / 20, "float64 rounding (machine epsilon)", ha="center", fontsize=7,
                color="grey")
    ax_gap.set_xlabel(f"replicas N (shards of up to ceil({len(X)}/N) rows)")       # shard_slices: the last ones short
    ax_gap.set_ylabel("relative gap to dL (log; 0 drawn at 1e-18)")
    ax_gap.set_xticks(counts)
    ax_gap.legend(fontsize=7, loc="center", bbox_to_anchor=(0.5, 0.45))
    fig.suptitle("Data parallelism: every replica takes a shard, the weighted sum of their gradients is the "
                 "full batch's", fontsize=10)
    png = save_png(fig, out_dir, "lesson_07_data_parallel_shards.png")

    all_reduce_gap, plain_gap = by_shards[SHARDS]
    summary = (f"data parallelism: {len(X)} rows on {SHARDS} replicas ({', '.join(map(str, rows))} rows): the "
               f"all-reduce sum of (m_k/m) x shard gradient matches the full batch's to {all_reduce_gap:.1e}; "
               f"the plain average of the shards' gradients is off by {plain_gap:.2f}")
    return DataParallelLesson("lesson_07_data_parallel", summary, {"shards": png}, rows, all_reduce_gap,
                              plain_gap, by_shards, figures={"shards": fig})


def _row(i: int, colour: str):
    """One example of the batch, as a coloured bar at height i."""
    from matplotlib.patches import Rectangle

    return Rectangle((0.0, i), 1.0, 0.85, color=colour)


if __name__ == "__main__":
    print(run(LOGS / "lessons" / "png").printout())


# ## What to notice
#
# The black rings sit on the grey bars: adding up the shards' gradients with the weights m_k/m
# gives the full batch's gradient to float64 rounding (around 1e-16). The red crosses miss
# whenever the shards are unequal -- N = 3, 4, 6, 7, 8, 9 for 10 rows -- and land on the bars only
# when N divides 10 (N = 1, 2, 5, 10), where every weight m_k/m is 1/N anyway.
#
# For N = 6 to 9 the shards hold ceil(10/N) = 2 rows each, so 5 replicas get all 10 rows and the
# others none: an empty shard adds a zero gradient, and the plain average is the full batch's
# gradient times 5/N, off by exactly 1 - 5/N (0.17, 0.29, 0.38, 0.44) -- the rising red line.
