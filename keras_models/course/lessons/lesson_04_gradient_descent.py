"""
Title: Gradient descent by hand on y = (x - 2)^2
Description: The tutorial's worked example, then learning rates that are too small, right, oscillating and diverging.
Run: make lessons, or .venv/bin/python -m keras_models.course.lessons.lesson_04_gradient_descent
"""

# ## Introduction
#
# Gradient descent walks downhill: at x, the derivative f'(x) says which way is up, so step the
# other way by a fraction eta of it (the learning rate):
#
#     x_{k+1} = x_k - eta * f'(x_k)
#
# The tutorial works it by hand on f(x) = (x - 2)^2, whose derivative is f'(x) = 2 (x - 2) and whose
# minimum is at x = 2. From x0 = 4 with eta = 0.01: 3.96, 3.9208, 3.882384, ... and from x0 = 0:
# 0.04, 0.0792, 0.117616, ...  The steps are in `scratch/gradient_descent.py`.
#
# Notation: the tutorial writes this rule x' = x - epsilon * f'(x), calling the learning rate
# epsilon here (and eta for the perceptron); the lessons and the code call it eta (Keras:
# `learning_rate`) throughout. The tutorial also rounds its hand-worked steps to 3.92, 3.88 and
# 0.079, 0.117; the numbers above are the exact ones.
#
# On this parabola one step multiplies the distance to the minimum by (1 - 2 eta):
#     x_{k+1} - 2 = (x_k - 2) - 2 eta (x_k - 2) = (1 - 2 eta) (x_k - 2)
# so eta decides everything: small eta creeps, eta < 1 converges, eta = 1 flips the sign of the
# distance for ever (4, 0, 4, 0, ...), and eta > 1 makes the distance grow every step.

# ## Setup

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from keras_models.course.folders import LOGS
from keras_models.course.lessons.pictures import LessonResult, new_figure, save_png
from scratch.gradient_descent import gradient_descent


def f(x):
    return (x - 2.0) ** 2


def df(x):
    return 2.0 * (x - 2.0)


STARTS = (4.0, 0.0)
TUTORIAL_RATE = 0.01             # the tutorial's eta: each step multiplies the distance to 2 by 1 - 2 eta = 0.98
# name -> learning rate, for the panels; the distance plot adds 0.1 (creeps, faster than 0.01) and 0.8
# (overshoots, still converges)
REGIMES = {"too small": 0.01, "about right": 0.3, "oscillates": 1.0, "diverges": 1.05}
DISTANCE_RATES = (0.01, 0.1, 0.3, 0.8, 1.0, 1.05)
STEPS = 30                       # max_iters for the learning-rate runs (1.0 and 1.05 never stop by themselves)
STEPS_ON_PARABOLA = 12           # fewer on the parabola panels, so the diverging run stays on the page
# Each run has a marker (and the two starts a line style) of its own as well as a colour: told apart without
# seeing colour.
START_STYLES = {4.0: ("tab:blue", "o", "-"), 0.0: ("tab:orange", "s", "--")}    # x0 -> colour, marker, line
RATE_MARKERS = ("o", "s", "^", "v", "D", "x")                                    # one per DISTANCE_RATES


@dataclass
class GradientDescentLesson(LessonResult):
    tutorial: dict[float, list[float]] = field(default_factory=dict)   # x0 -> iterates, eta = 0.01 to convergence
    runs: dict[float, list[float]] = field(default_factory=dict)       # eta -> iterates from x0 = 4, <= STEPS steps


def plot_iterates_on_parabola(ax, runs: dict[float, list[float]], title: str) -> None:
    """The parabola, and each run's iterates (x_k, f(x_k)) joined in order; x0 marked large."""
    xs = np.concatenate([np.asarray(r) for r in runs.values()])
    left, right = min(xs.min(), -0.5), max(xs.max(), 4.5)
    grid = np.linspace(left - 0.3, right + 0.3, 400)                   # (400,)
    ax.plot(grid, f(grid), color="lightgray", linewidth=2, label="$y = (x-2)^2$", zorder=1)
    for x0, iterates in runs.items():
        color, marker, linestyle = START_STYLES[x0]
        x = np.asarray(iterates)                                       # (K + 1,)
        ax.plot(x, f(x), marker=marker, linestyle=linestyle, color=color, markersize=3, linewidth=0.8,
                label=f"from $x_0$ = {x0:g}")
        ax.plot(x[0], f(x[0]), marker, color=color, markersize=8)
    ax.axvline(2.0, color="gray", linestyle=":", linewidth=1)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("x")


# ## The tutorial's run, then other learning rates
#
# Three pictures. The tutorial's run: eta = 0.01 from both starts, until a step is shorter than 1e-6
# (the precision the tutorial's text suggests, 0.000001; its code snippet uses 0.0001, which stops
# after 298 steps at 2.0049).
#
# Four learning rates: the same parabola, both starts, a dozen steps each. Watch the path: creeping,
# sliding in, bouncing between 4 and 0, and flying out.
#
# The distance to the minimum: |x_k - 2| on a log scale turns (1 - 2 eta)^k into a straight line: its
# slope is log|1 - 2 eta|. Downhill lines converge, the flat one (eta = 1) oscillates, the rising one
# diverges.

def run(out_dir: str | Path) -> GradientDescentLesson:
    """The tutorial's two runs, then four learning rates; three pictures."""
    tutorial = {x0: gradient_descent(df, x0, learning_rate=TUTORIAL_RATE, precision=1e-6) for x0 in STARTS}

    fig_tutorial = fig = new_figure(10.0, 3.6)
    ax_parabola, ax_path = fig.subplots(1, 2)
    plot_iterates_on_parabola(ax_parabola, tutorial, f"iterates on the parabola, eta = {TUTORIAL_RATE:g}")
    ax_parabola.set_ylabel("y")
    ax_parabola.legend(fontsize=8)
    for x0, iterates in tutorial.items():
        color, _, linestyle = START_STYLES[x0]
        ax_path.plot(iterates, color=color, linestyle=linestyle,
                     label=f"from {x0:g}: {iterates[1]:g}, {iterates[2]:g}, ... {len(iterates) - 1} steps")
    ax_path.axhline(2.0, color="gray", linestyle=":", linewidth=1, label="the minimum, x = 2")
    ax_path.set_xlabel("step k")
    ax_path.set_ylabel("$x_k$")
    ax_path.set_title(f"each step closes {2 * TUTORIAL_RATE:.0%} of the distance to 2", fontsize=10)
    ax_path.legend(fontsize=8)
    fig.suptitle(f"The tutorial's gradient descent on $y = (x-2)^2$, learning rate {TUTORIAL_RATE:g}", fontsize=11)
    png_tutorial = save_png(fig, out_dir, "lesson_04_gradient_descent_tutorial.png")

    # four learning rates, a dozen steps each
    fig_rates = fig = new_figure(12.0, 3.4)
    axes = fig.subplots(1, len(REGIMES))
    for ax, (regime, eta) in zip(axes, REGIMES.items(), strict=True):
        runs = {x0: gradient_descent(df, x0, learning_rate=eta, max_iters=STEPS_ON_PARABOLA) for x0 in STARTS}
        plot_iterates_on_parabola(ax, runs, f"eta = {eta:g}: {regime}")
    axes[0].set_ylabel("y")
    axes[0].legend(fontsize=7, loc="upper center")
    fig.suptitle(f"Learning rates on $y = (x-2)^2$: at most {STEPS_ON_PARABOLA} steps from $x_0$ = 4 and 0",
                 fontsize=11)
    png_rates = save_png(fig, out_dir, "lesson_04_gradient_descent_learning_rates.png")

    # the distance to the minimum, on a log scale
    runs = {eta: gradient_descent(df, 4.0, learning_rate=eta, max_iters=STEPS) for eta in DISTANCE_RATES}
    fig = new_figure(7.0, 4.2)
    ax = fig.subplots()
    for (eta, iterates), marker in zip(runs.items(), RATE_MARKERS, strict=True):
        distance = np.abs(np.asarray(iterates) - 2.0)                 # (K + 1,)
        ax.semilogy(distance, marker=marker, markersize=4,
                    label=f"eta = {eta:g}  (factor {1 - 2 * eta:+.2f} per step)")
    ax.set_xlabel("step k")
    ax.set_ylabel("distance to the minimum  $|x_k - 2|$  (log scale)")
    ax.set_title(f"From $x_0$ = 4, at most {STEPS} steps: converging, oscillating, diverging", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    png_distance = save_png(fig, out_dir, "lesson_04_gradient_descent_distance.png")

    slow = tutorial[4.0]
    summary = (f"gradient descent: eta = {TUTORIAL_RATE:g} from 4 gives "
               f"{slow[1]:.7g}, {slow[2]:.7g}, {slow[3]:.7g}, ... and stops at {slow[-1]:.4f} "
               f"after {len(slow) - 1} steps; eta = 1.0 bounces {runs[1.0][:4]}...; "
               f"eta = 1.05 is {abs(runs[1.05][-1] - 2):.1f} from the minimum after {STEPS} steps")
    pngs = {"tutorial": png_tutorial, "learning_rates": png_rates, "distance": png_distance}
    figures = {"tutorial": fig_tutorial, "learning_rates": fig_rates, "distance": fig}
    return GradientDescentLesson("lesson_04_gradient_descent", summary, pngs, tutorial, runs, figures=figures)


if __name__ == "__main__":
    print(run(LOGS / "lessons" / "png").printout())


# ## What to notice
#
# The best eta here is 0.5, which lands on 2 in one step: 1 / (the curvature f'' = 2). Real loss
# surfaces have many curvatures at once, which is why learning rates are found by experiment.
# (The curvature f'' is the second derivative: how fast the slope itself changes. Here it is 2
# everywhere; a steeper-walled valley has a larger f'' and needs a smaller eta.)
#
# Reading the printed line: "stops at 2.0000 after 526 steps" is rounded to four decimals. The
# run stops at the first step shorter than 1e-6, and a step is 2 eta times the distance to 2,
# so it stops about 1e-6 / (2 * 0.01) = 5e-5 short of the minimum: the last x is 2.0000485.
# Gradient descent gets as close as its stopping rule asks, never exactly to the minimum.
