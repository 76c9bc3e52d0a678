"""
Title: What a perceptron cannot learn: XOR
Description: On the four XOR points the perceptron never has an epoch without mistakes; on separable data it does.
Run: make lessons, or .venv/bin/python -m keras_models.course.lessons.lesson_02_xor_limit
"""

# ## Introduction
#
# XOR is 1 when exactly one input is 1:
#
#     f([0, 1]) = 1    f([1, 0]) = 1    f([1, 1]) = 0    f([0, 0]) = 0
#
# The two 1s sit on one diagonal of the square and the two 0s on the other. A line that puts
# both 1s on its positive side has the midpoint (0.5, 0.5) there too -- and that midpoint is also
# the midpoint of the two 0s, so one of them lands on the positive side as well. No line separates
# XOR, and the perceptron, which can only draw a line, keeps making mistakes for ever. (Minsky and
# Papert's 1969 book made this limit famous.) Lesson 5 fixes it with a hidden layer.

# ## Setup

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_models.course.folders import LOGS
from keras_models.course.lessons import lesson_01_perceptron as lesson_01
from keras_models.course.lessons.lesson_01_perceptron import draw_boundary, plot_points
from keras_models.course.lessons.pictures import BLUE, RED, LessonResult, new_figure, save_png
from scratch.perceptron import Perceptron

# ## Data
#
# XOR in the tutorial's order. We allow 100 epochs: the seven points of lesson 1 needed 5.

X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]], dtype=float)         # (4, 2)
y = np.array([1, 1, 0, 0])                                          # (4,)
MAX_EPOCHS = 100


@dataclass
class XorLesson(LessonResult):
    perceptron: Perceptron | None = None             # fitted on XOR: converged is False
    separable: Perceptron | None = None              # fitted on lesson 1's seven points, for comparison


# ## Train and look
#
# Left: the four points and the perceptron's line after the last epoch, with the points it still
# gets wrong circled. Right: the number of mistakes (= updates) in every epoch, XOR beside the
# seven separable points of lesson 1.

def run(out_dir: str | Path) -> XorLesson:
    """Fit the perceptron on XOR for MAX_EPOCHS epochs and plot its mistakes per epoch."""
    perceptron = Perceptron(learning_rate=1.0, max_epochs=MAX_EPOCHS).fit(X, y)
    separable = Perceptron(learning_rate=1.0, max_epochs=MAX_EPOCHS).fit(lesson_01.X, lesson_01.y)

    fig = new_figure(9.0, 3.6)
    ax_points, ax_errors = fig.subplots(1, 2, width_ratios=[1, 1.7])

    wrong = perceptron.predict(X) != y                               # (4,)
    draw_boundary(ax_points, perceptron.weights, perceptron.bias, limits=(-0.5, 1.5))
    plot_points(ax_points, X, y, wrong)
    for (x1, x2), label in zip(X, y, strict=True):
        ax_points.annotate(f"({x1:.0f},{x2:.0f}) -> {label}", (x1, x2), xytext=(0, -18),
                           textcoords="offset points", ha="center", fontsize=7)
    ax_points.set_title(f"XOR after {len(perceptron.errors_per_epoch)} epochs: {wrong.sum()} of 4 points wrong\n"
                        "(a point on the line counts as 0)", fontsize=9)
    ax_points.set_xlabel("$x_1$")
    ax_points.set_ylabel("$x_2$")
    ax_points.legend(loc="upper right", fontsize=7, framealpha=0.9)

    epochs = np.arange(1, MAX_EPOCHS + 1)                            # (100,)
    ax_errors.plot(epochs[:len(separable.errors_per_epoch)], separable.errors_per_epoch, color=BLUE,
                   marker="o", markerfacecolor="none", markersize=8,
                   label=f"lesson 1's 7 points: 0 in epoch {len(separable.errors_per_epoch)}")
    ax_errors.plot(epochs[:len(perceptron.errors_per_epoch)], perceptron.errors_per_epoch, color=RED,
                   marker=".", label="XOR (not separable)")
    ax_errors.axhline(0, color="gray", linestyle="--", linewidth=1)
    ax_errors.set_xscale("log")                                      # both stories fit: 5 epochs and 100
    ax_errors.set_ylim(-0.3, max(perceptron.errors_per_epoch) + 1)
    ax_errors.set_xlabel("epoch (log scale)")
    ax_errors.set_ylabel("mistakes (updates) in the epoch")
    ax_errors.set_title("Mistakes per epoch never reach 0 on XOR", fontsize=9)
    ax_errors.legend(loc="center right", fontsize=8)
    png = save_png(fig, out_dir, "lesson_02_xor_limit_mistakes.png")

    last = perceptron.errors_per_epoch[-1]
    summary = (f"XOR: perceptron not converged after {len(perceptron.errors_per_epoch)} epochs, still {last} "
               f"mistakes in the last epoch and {wrong.sum()} of 4 points wrong")
    return XorLesson("lesson_02_xor_limit", summary, {"mistakes": png}, perceptron, separable,
                     figures={"mistakes": fig})


if __name__ == "__main__":
    print(run(LOGS / "lessons" / "png").printout())


# ## What to notice
#
# From epoch 2 on, every epoch makes the same 4 updates and ends with the same weights: the
# perceptron is caught in a cycle. It is not slow; it is stuck. `converged` stays False.
#
# Follow one epoch by hand. After epoch 1 the line is w = [-1, 0], b = 0. Then (0, 1) is a missed
# 1 (w . x + b = 0, which counts as 0): add (0, 1) and 1. (1, 0) is missed next: add (1, 0) and 1.
# Now (1, 1) and (0, 0) come out as 1: subtract (1, 1) and 1, then (0, 0) and 1. The four updates
# add up to nothing, w = [-1, 0], b = 0 again, and the next epoch repeats them.
#
# Why "4 mistakes in the last epoch" but "2 of 4 points wrong"? The 4 mistakes are counted while
# the line moves during the epoch; the 2 wrong points are what the line at the end of the epoch
# gets wrong: w = [-1, 0], b = 0 predicts 0 everywhere in the square, right for the two 0s,
# wrong for the two 1s.
