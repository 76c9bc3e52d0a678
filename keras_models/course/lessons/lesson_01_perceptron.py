"""
Title: The perceptron draws a line
Description: Watch the Rosenblatt perceptron move its decision boundary, epoch by epoch, on the tutorial's seven points.
Run: make lessons, or .venv/bin/python -m keras_models.course.lessons.lesson_01_perceptron
"""

# ## Introduction
#
# A perceptron classifies a point x by the side of a line it falls on:
#
#     f(x) = 1 if w . x + b > 0 else 0
#
# It learns w and b from its mistakes. Visiting the points one at a time, whenever f(x) is wrong
# it nudges the line towards that point:  w <- w + eta (y - f(x)) x,  b <- b + eta (y - f(x)).
# Here y is the point's true label (0 or 1), so y - f(x) is +1 or -1 on a mistake and 0 otherwise,
# and eta, the learning rate, is how big each nudge is (the tutorial's plain rule is eta = 1).
# An epoch is one pass over the data; training stops after the first epoch with no mistake.
# The algorithm lives in `scratch/perceptron.py`; this lesson only watches it.
#
# Notation: the tutorial writes w^T x with column vectors; w . x is the same number. Its code
# snippet predicts 1 for w . x + b >= 0 while training but > 0 afterwards; here both use > 0, so a
# point exactly on the line counts as class 0 (which is why the untrained w = 0, b = 0 predicts 0
# everywhere).

# ## Setup

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from keras_models.course.folders import LOGS
from keras_models.course.lessons.pictures import BLUE, LIGHT_BLUE, LIGHT_RED, RED, LessonResult, new_figure, save_png
from scratch.perceptron import Perceptron

# ## Data
#
# The tutorial's seven points in the unit square: class 1 lies up and to the left, class 0
# down and to the right, so one straight line can separate them.

X = np.array([[0.8, 0.4], [0.3, 0.1], [0.8, 0.8], [0.4, 0.6],
              [0.6, 0.8], [0.4, 0.2], [0.4, 0.5]])                  # (7, 2)
y = np.array([0, 0, 1, 1, 1, 0, 1])                                 # (7,)
LIMITS = (-0.4, 1.1)            # a little beyond the unit square: the early lines pass through the origin


# ## Drawing a perceptron
#
# Two helpers, used again in lesson 2: the points as "+" (class 1) and "-" (class 0), as the
# tutorial draws them, and the plane coloured by what the perceptron predicts, with its line
# w . x + b = 0. Points the line gets wrong are circled.

def plot_points(ax: Axes, X: np.ndarray, y: np.ndarray, wrong: np.ndarray | None = None) -> None:
    """Class 1 as blue '+', class 0 as red '-'; circle the points where `wrong` is True."""
    ax.scatter(*X[y == 1].T, marker="+", s=110, linewidths=2.5, color=BLUE, label="class 1", zorder=3)
    ax.scatter(*X[y == 0].T, marker="_", s=110, linewidths=2.5, color=RED, label="class 0", zorder=3)
    if wrong is not None and wrong.any():
        ax.scatter(*X[wrong].T, s=260, facecolors="none", edgecolors="black", linewidths=1.2,
                   label="misclassified", zorder=4)


def draw_boundary(ax: Axes, w: np.ndarray, b: float, limits: tuple[float, float]) -> None:
    """Shade where step(w . x + b) is 1 (blue) or 0 (red) over the square `limits`^2; draw the line."""
    grid = np.linspace(*limits, 201)                                 # (201,)
    x1, x2 = np.meshgrid(grid, grid)                                 # (201, 201) each
    z = w[0] * x1 + w[1] * x2 + b                                    # (201, 201)
    ax.pcolormesh(x1, x2, (z > 0).astype(float), cmap=ListedColormap([LIGHT_RED, LIGHT_BLUE]),
                  vmin=0, vmax=1, shading="auto")
    if np.any(w != 0):                                               # w = 0 has no line: all points tie at z = 0
        ax.contour(x1, x2, z, levels=[0.0], colors="black", linewidths=1.5)
    ax.set_xlim(*limits)
    ax.set_ylim(*limits)
    ax.set_aspect("equal")


# ## Train and look
#
# Fit from w = 0, b = 0 with eta = 1 (the tutorial's choice), then draw one panel per state:
# the start and the end of every epoch. `history_` keeps the weights after each epoch.

@dataclass
class PerceptronLesson(LessonResult):
    perceptron: Perceptron | None = None             # the fitted perceptron (weights, history_, ...)


def run(out_dir: str | Path) -> PerceptronLesson:
    """Fit the perceptron on the seven points and draw its boundary after every epoch."""
    perceptron = Perceptron(learning_rate=1.0, max_epochs=100).fit(X, y)
    states = perceptron.history_                                      # [(w, b) at start, after epoch 1, ...]

    fig = new_figure(2.0 * len(states), 2.6)
    axes = fig.subplots(1, len(states), sharey=True)
    for epoch, (ax, (w, b)) in enumerate(zip(axes, states, strict=True)):
        wrong = (X @ w + b > 0).astype(int) != y                     # (7,) what this line gets wrong
        draw_boundary(ax, w, b, limits=LIMITS)
        plot_points(ax, X, y, wrong)
        if epoch == 0:
            ax.set_title(f"start: w = 0\n{wrong.sum()} wrong", fontsize=9)
        else:
            updates = perceptron.errors_per_epoch[epoch - 1]
            ax.set_title(f"after epoch {epoch}: {updates} updates\n{wrong.sum()} wrong now", fontsize=9)
        ax.set_xlabel("$x_1$")
    axes[0].set_ylabel("$x_2$")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right center", fontsize=8)
    fig.suptitle("The perceptron's decision boundary, epoch by epoch (blue: predicts 1, red: predicts 0)",
                 fontsize=10)
    png = save_png(fig, out_dir, "lesson_01_perceptron_boundary.png")

    epochs = len(perceptron.errors_per_epoch)
    w, b = perceptron.weights, perceptron.bias
    summary = (f"perceptron converged in {epochs} epochs on the tutorial's 7 points "
               f"(mistakes per epoch {perceptron.errors_per_epoch}; w = [{w[0]:g}, {w[1]:g}], b = {b:g})")
    return PerceptronLesson("lesson_01_perceptron", summary, {"boundary": png}, perceptron, figures={"boundary": fig})


if __name__ == "__main__":
    print(run(LOGS / "lessons" / "png").printout())


# ## What to notice
#
# The line only moves when a point is wrong, and each update pulls it towards that point. On
# data a line can separate, the perceptron convergence theorem promises an epoch with no
# mistake after finitely many updates; here it comes after a handful of epochs.
#
# Reading the numbers: a panel's "updates" are the mistakes made *during* that epoch, while the
# line was still moving; "wrong now" counts the points the line gets wrong at the end of it.
# The printed "mistakes per epoch [2, 4, 4, 3, 0]" are those updates. The line is already right
# after epoch 4 (0 wrong now), but the perceptron only knows that after a whole epoch without a
# mistake: epoch 5, hence "converged in 5 epochs". The final w = [0, 2.2], b = -1 is the line
# 2.2 x_2 - 1 = 0, i.e. x_2 = 1/2.2 = 0.45: a horizontal line, class 1 above it, class 0 below,
# and x_1 plays no part. It is *a* separating line, not the best one: the perceptron stops at
# the first that makes no mistake.
