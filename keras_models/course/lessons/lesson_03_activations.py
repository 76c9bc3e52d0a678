"""
Title: Activation functions and where they stop learning
Description: Step, sigmoid, tanh and ReLU beside their derivatives; where sigmoid and tanh saturate is shaded.
Run: make lessons, or .venv/bin/python -m keras_models.course.lessons.lesson_03_activations
"""

# ## Introduction
#
# A neuron computes z = w . x + b and passes it through an activation a = g(z). The perceptron's
# g is a step. The four functions of this lesson:
#
#   step      g(z) = 1 if z > 0 else 0
#   sigmoid   g(z) = 1 / (1 + e^(-z)), between 0 and 1 (0.5 at z = 0): read as a probability
#   tanh      g(z) = (e^z - e^(-z)) / (e^z + e^(-z)), between -1 and 1 (0 at z = 0)
#   ReLU      g(z) = max(0, z)
#
# Gradient descent (lesson 4) learns by following derivatives. A network's are the derivatives of
# its loss -- one number saying how wrong its outputs are, which training makes small -- and they
# are computed by backpropagation (lesson 5 trains with it; its four equations BP1-BP4 are in
# `scratch/network.py` and the README's notation table): starting from the output, it passes an
# error signal delta -- how much the loss changes with each neuron's (each unit's) z -- back layer
# by layer, and at every layer multiplies it by g'(z) (BP1 at the output, BP2 below). So the
# derivative matters as much as the function:
#
#   step      g'(z) = 0 everywhere (undefined at 0): no gradient at all, nothing to learn from
#   sigmoid   g'(z) = g(z) (1 - g(z)) <= 0.25, and close to 0 once |z| is a few units
#   tanh      g'(z) = 1 - tanh(z)^2 <= 1: four times steeper at 0, and close to 0 as well for large |z|
#   ReLU      g'(z) = 1 for z > 0, 0 for z < 0: it never saturates on the positive side
#             (at z = 0 itself, where step and ReLU have no derivative, the code uses 0 -- for ReLU
#             the value TensorFlow's gradient takes too; the dot drawn at z = 0)
#
# Where g'(z) is nearly 0 the unit is *saturated*: it passes almost no gradient back, and the
# weights feeding it barely move. We shade where g'(z) < 0.05.

# ## Setup

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from keras_models.course.folders import LOGS
from keras_models.course.lessons.pictures import LIGHT_RED, LessonResult, new_figure, save_png
from scratch import activations

NAMES = ["step", "sigmoid", "tanh", "relu"]
SATURATED = 0.05                 # g'(z) below this counts as saturated
z = np.linspace(-6.0, 6.0, 1201)                                     # (1201,) includes z = 0 exactly


@dataclass
class ActivationsLesson(LessonResult):
    # |z| beyond which g'(z) < SATURATED, measured on the grid z (sigmoid 2.89, tanh 2.18)
    saturation: dict[str, float] = field(default_factory=dict)


def broken_at_zero(values: np.ndarray) -> np.ndarray:
    """A copy with NaN at z = 0, so the plotted line breaks at a jump instead of drawing a vertical."""
    values = values.astype(float)                                    # (1201,)
    values[z == 0] = np.nan
    return values


# ## Look
#
# Top row: g(z). Bottom row: g'(z), computed by the same `derivative` that backpropagation uses.

def run(out_dir: str | Path) -> ActivationsLesson:
    """Plot each activation and its derivative; shade where sigmoid and tanh saturate."""
    fig = new_figure(11.0, 5.0)
    axes = fig.subplots(2, 4, sharex=True)
    saturation = {}
    for col, name in enumerate(NAMES):
        g = activations.get(name)
        a, slope = g.forward(z), g.derivative(z)                     # (1201,) each
        ax_g, ax_slope = axes[0, col], axes[1, col]
        jumps = name in ("step", "relu")                             # their derivative (and step itself) jump at 0

        ax_g.plot(z, broken_at_zero(a) if name == "step" else a, color="tab:blue")
        ax_slope.plot(z, broken_at_zero(slope) if jumps else slope, color="tab:green")
        if jumps:                                                    # the value we use at the jump: 0
            ax_slope.plot(0, 0, "o", color="tab:green", markersize=4)
            if name == "step":
                ax_g.plot(0, 0, "o", color="tab:blue", markersize=4)

        if name in ("sigmoid", "tanh"):
            flat = slope < SATURATED                                 # (1201,) the saturated grid points
            z_sat = float(np.min(np.abs(z[flat])))                   # where saturation begins
            saturation[name] = z_sat
            for ax in (ax_g, ax_slope):
                ax.axvspan(z[0], -z_sat, color=LIGHT_RED, zorder=0)
                ax.axvspan(z_sat, z[-1], color=LIGHT_RED, zorder=0,
                           label=f"saturated: g' < {SATURATED}" if ax is ax_slope else None)
            ax_slope.axhline(SATURATED, color="tab:red", linestyle=":", linewidth=1)
            ax_slope.legend(loc="upper left", fontsize=7)
            ax_g.set_title(f"{name}: flat beyond |z| = {z_sat:.2f}", fontsize=10)
        elif name == "step":
            ax_g.set_title("step: g' = 0, nothing to learn from", fontsize=10)
        else:
            ax_g.set_title("relu: g' = 1 for every z > 0", fontsize=10)

        ax_g.axhline(0, color="gray", linewidth=0.5)
        ax_slope.axhline(0, color="gray", linewidth=0.5)
        ax_slope.set_xlabel("z")
        ax_slope.set_ylim(-0.1, 1.1)
        ax_slope.set_xlim(z[0], z[-1])
    axes[0, 0].set_ylabel("activation  a = g(z)")
    axes[1, 0].set_ylabel("derivative  g'(z)")
    fig.suptitle("Activation functions (top) and their derivatives (bottom): backprop multiplies errors by g'(z)",
                 fontsize=11)
    png = save_png(fig, out_dir, "lesson_03_activations_functions.png")

    summary = (f"activations: sigmoid saturates (g' < {SATURATED}) beyond |z| = {saturation['sigmoid']:.2f}, "
               f"tanh beyond |z| = {saturation['tanh']:.2f}; step has g' = 0, ReLU g' = 1 for z > 0")
    return ActivationsLesson("lesson_03_activations", summary, {"functions": png}, saturation,
                             figures={"functions": fig})


if __name__ == "__main__":
    print(run(LOGS / "lessons" / "png").printout())


# ## What to notice
#
# Sigmoid's slope is at most 0.25 (at z = 0), so every sigmoid layer multiplies the error signal by
# at most 1/4 on its way back (BP2), on top of what the weights do: unless large weights make up for
# it, stack a few and the first layers hardly learn (vanishing gradients). tanh is
# four times steeper at 0 but also flat beyond |z| of about 2. ReLU passes the gradient unchanged
# wherever z > 0 (and nothing where z < 0: a unit stuck there is "dead").
