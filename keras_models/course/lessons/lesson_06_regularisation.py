"""
Title: Regularisation: Dropout and L2 against overfitting
Description: A large network memorises 398 biopsies; Dropout and an L2 penalty keep validation loss near training loss.
Run: make lessons, or .venv/bin/python -m keras_models.course.lessons.lesson_06_regularisation
"""

# ## Introduction
#
# A network with far more weights than training examples can learn its training set by heart:
# its training loss falls towards 0 while its loss on examples it never saw stops falling and
# rises again. That widening gap between the validation loss and the training loss is overfitting.
# Two remedies from the course, both in `scratch/`:
#
#     Dropout(rate)        switch off a random fraction `rate` of the units at every training step
#                          (scratch/dropout.py), so no unit can rely on another being there;
#                          at inference every unit works, nothing is dropped.
#     L2(l2)               add l2 * sum(W^2) of each kernel to the loss (scratch/regularizers.py), so
#                          every weight has to earn its size: large weights cost, even if they fit.
#                          (A kernel is Keras' name for a layer's weight matrix W; the biases b
#                          are not penalised.)
#
# We train the same network three times on the same rows -- plain, with Dropout (0.2 on the inputs,
# 0.5 after each hidden layer: the recipe of Srivastava et al., 2014), and with L2(0.01) on every
# kernel -- and after every epoch measure the data loss (binary cross-entropy, without penalty) on
# the training rows and on the validation rows, both at inference.

# ## Setup

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from data import DATA_FILE_ERRORS, Prepared, prepare
from keras_models.course.folders import LOGS
from keras_models.course.lessons.pictures import LessonResult, new_figure, save_png
from scratch import Dense, Dropout, Network, losses, optimizers, regularizers
from scratch.callbacks import Callback

# ## Data
#
# The Wisconsin breast-cancer biopsies (data/), 30 measurements each, 1 = malignant: 398 rows to
# train on and 86 to validate, standardised with the training rows' statistics
# (`prepare("binary", dtype="float32", seed=0)`, loaded when the lesson runs).
#
# The validation rows are never trained on: the loss on them shows how the network does on
# biopsies it has not seen. (The data set has 569 rows; the other 85 are the test split, kept for
# a final check and not used here.) Standardised: each of the 30 measurements is shifted and
# scaled to mean 0 and standard deviation 1 over the training rows, so that no measurement
# dominates just by its units.

bce = losses.get("binary_crossentropy")

# ## Model
#
# 30 -> 64 -> 64 -> 1: about 6,200 weights for 398 examples, plenty to memorise them.

HIDDEN, EPOCHS, LEARNING_RATE = 64, 30, 0.005
VARIANTS = ("no regularisation", "Dropout", "L2")


def build_network(variant: str) -> Network:
    """The same seeded weights for every variant; only Dropout layers or penalties differ."""
    penalty = regularizers.L2(0.01) if variant == "L2" else None
    dense = [Dense(30, HIDDEN, "relu", kernel_regularizer=penalty, seed=1, dtype="float32"),
             Dense(HIDDEN, HIDDEN, "relu", kernel_regularizer=penalty, seed=2, dtype="float32"),
             Dense(HIDDEN, 1, "sigmoid", kernel_regularizer=penalty, seed=3, dtype="float32")]
    if variant != "Dropout":
        return Network(dense)
    return Network([Dropout(0.2, seed=4), dense[0], Dropout(0.5, seed=5), dense[1], Dropout(0.5, seed=6), dense[2]])


class DataLoss(Callback):
    """After each epoch: the binary cross-entropy on the training and the validation rows, at inference
    (no unit dropped) and without the penalty -- the same yardstick for the three variants. (fit's own
    `loss` is measured with the units dropped and the penalty added.)"""

    def __init__(self, data: Prepared):
        self.data = data
        self.train: list[float] = []
        self.validation: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        self.train.append(bce.forward(self.data.y_train, self.model.predict(self.data.X_train)))
        self.validation.append(bce.forward(self.data.y_val, self.model.predict(self.data.X_val)))


@dataclass
class RegularisationLesson(LessonResult):
    networks: dict[str, Network] = field(default_factory=dict)        # variant -> the trained network
    curves: dict[str, DataLoss] = field(default_factory=dict)         # variant -> .train, .validation per epoch
    reported: dict[str, list[float]] = field(default_factory=dict)    # variant -> fit's own training loss

    def gap(self, variant: str) -> float:
        """validation loss - training loss after the last epoch."""
        return self.curves[variant].validation[-1] - self.curves[variant].train[-1]


# ## Train
#
# Adam(0.005), mini-batches of 32, shuffled with a fixed seed, 30 epochs. NumPy's matrix products
# use one thread: on these small matrices more threads only wait for each other.
# Adam is the optimizer of lesson 5. A mini-batch is a slice of the training rows: each gradient
# step uses 32 of them, not all 398, so one epoch (one pass over the 398 rows) is 13 steps
# (12 batches of 32 and one of 14), and the order of the rows is shuffled anew every epoch.

def run(out_dir: str | Path) -> RegularisationLesson:
    """Train the three variants; draw their training and validation loss per epoch."""
    data = prepare("binary", dtype="float32", seed=0)
    lesson = RegularisationLesson("lesson_06_regularisation", "")
    with threadpool_limits(1, user_api="blas"):
        for variant in VARIANTS:
            net, curve = build_network(variant), DataLoss(data)
            history = net.fit(data.X_train, data.y_train, loss="binary_crossentropy", epochs=EPOCHS, seed=0,
                              optimizer=optimizers.Adam(learning_rate=LEARNING_RATE), callbacks=[curve], verbose=0)
            lesson.networks[variant], lesson.curves[variant] = net, curve
            lesson.reported[variant] = history.history["loss"]

    # Look: the gap, with and without
    fig = new_figure(12.0, 3.8)
    axes = fig.subplots(1, len(VARIANTS), sharey=True)
    epochs = np.arange(1, EPOCHS + 1)                                  # (EPOCHS,)
    for ax, variant in zip(axes, VARIANTS, strict=True):
        curve = lesson.curves[variant]
        # solid and dashed as well as blue and red: told apart without seeing colour
        ax.semilogy(epochs, curve.train, color="tab:blue", label="training rows")
        ax.semilogy(epochs, curve.validation, color="tab:red", linestyle="--", label="validation rows")
        ax.fill_between(epochs, curve.train, curve.validation, color="tab:red", alpha=0.12)
        if variant != "no regularisation":
            ax.semilogy(epochs, lesson.reported[variant], color="tab:blue", linestyle=":", linewidth=1,
                        label="fit's reported loss")
        ax.set_title(f"{variant}: gap {lesson.gap(variant):.3f} after epoch {EPOCHS}", fontsize=10)
        ax.set_xlabel("epoch")
    axes[0].set_ylabel("binary cross-entropy (log scale)")
    axes[-1].legend(fontsize=8, loc="lower left")
    (m, n), width = data.X_train.shape, HIDDEN                            # 398 rows of 30 features; 64 units
    fig.suptitle(f"{n}-{width}-{width}-1 on {m} breast-cancer biopsies: training vs validation loss (shaded: the "
                 "gap), measured at inference without the penalty", fontsize=10)
    png = save_png(fig, out_dir, "lesson_06_regularisation_curves.png")

    gaps = ", ".join(f"{variant} {lesson.gap(variant):.3f}" for variant in VARIANTS)
    lesson.summary = f"regularisation: validation - training loss after {EPOCHS} epochs on breast cancer: {gaps}"
    lesson.pngs, lesson.figures = {"curves": png}, {"curves": fig}
    return lesson


if __name__ == "__main__":
    try:
        print(run(LOGS / "lessons" / "png").printout())
    except DATA_FILE_ERRORS as exc:        # a damaged or missing data file: the one line make lessons prints
        raise SystemExit(f"error: {exc}") from None


# ## What to notice
#
# Without regularisation the training loss falls below 1e-3 -- the network is certain of
# every training example -- while the validation loss bottoms out within a few epochs and then
# climbs: the shaded gap widens over the epochs (not at every one: it narrows now and then, by less
# than 0.01) to several times its width after the first. Dropout keeps the training loss higher and
# the gap much smaller; the L2 penalty stops the weights from growing large enough to be that
# certain, and the two curves stay close together. (The dotted line is what `fit` reports:
# with Dropout it is the loss of the thinned network, above the loss at inference; with L2 it
# includes the penalty.) Regularisation trades a little training loss for a smaller gap.
# These are one run's numbers. With other seeds (split, weights, masks, shuffling all from seed s,
# s = 1..8) the picture mostly holds, not always: the plain network's gap after 30 epochs ranges
# from 0.016 to 0.376 and its validation loss bottoms out anywhere from epoch 2 to 20; Dropout's
# gap is the smaller in all 8, L2's in 7 (s = 8: L2 0.047 against 0.016 unregularised); and in
# one (s = 6) the plain network's training loss ends at 0.011, not below 1e-3.
#
# Reading the printed line: each number is the gap, validation loss minus training loss after
# the last epoch -- the width of the shaded band at the right edge of each panel. Smaller means
# the network does about as well on biopsies it never saw as on those it learned from. In this
# run the plain network's validation loss is lowest after epoch 7 and rises from there. Its
# training curve is not smooth either: after epoch 18 it jumps up and falls again -- a step on
# one mini-batch of 32 rows can make the loss on all 398 a little worse.
