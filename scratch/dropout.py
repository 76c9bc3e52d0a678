"""Dropout: switch off a random part of a layer's units at every training step, none at inference.

A network that can lean on any single unit can memorise its training set; one whose units vanish at
random, a different set at every step, has to spread what it learns (Srivastava et al., 2014). A
Dropout layer sits between two Dense layers and has no weights. This is *inverted* dropout, as Keras
computes it: the kept units are scaled up during training, so inference needs no change at all.

    training    mask ~ Bernoulli(1 - rate)           (m, n) boolean keep-mask, True = kept, drawn anew
                                                     for every batch: kept where U[0, 1) >= rate
                a = (a_prev * scale) * mask          (m, n)   scale = 1 / (1 - rate), so E[a] = a_prev
    inference   a = a_prev                           (m, n)   the identity: no mask, no scale

and its share of backpropagation, beside BP1-BP4 (`scratch.network`):

    BPd         grad_a_prev = (grad_a * mask) * scale    (m, n)   dC/da_prev from dC/da

What passes through is dC/da, not a delta = dC/dz (a Dropout layer has no z); the Dense layer below
turns it into its delta (BP2). A dropped unit passes no gradient back: for this step it is not part of
the network. `rate` is the fraction dropped (Keras' name); the dropout paper's "keep probability" is
p = 1 - rate. (Dropout is not in the three tutorials: its notation here is the paper's and Keras'.)

    Dropout(0.2)                             a layer of Network([...]), between Dense layers
    net.forward(X, training=True)            draws a mask per Dropout layer; fit trains this way
    net.forward(X, training=True, masks=[keep])   uses the given masks instead (to replay Keras' draws)
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from numbers import Real

import numpy as np

from scratch.checks import a_prev_of_numbers, flag, generator

# What scratch's Dropout draws instead of a Keras noise_shape (the bridge says it of a Keras Dropout given one too)
ONE_MASK_ENTRY_PER_UNIT = ("it draws one mask entry per unit and example (Keras' noise_shape=None); leave noise_shape "
                           "out")

# Keras' Dropout(rate, noise_shape=None, seed=None, name=None, dtype=None) arguments scratch's Dropout(rate, seed=None)
# leaves out, and why: each is refused by name, but None, Keras' default for each, changes nothing and is taken
KERAS_ONLY = {
    "noise_shape": ONE_MASK_ENTRY_PER_UNIT,
    "name": "scratch's layers have no names (a Network's Dropout layers are told apart by their order, the order of "
            "masks=[...]); leave name out",
    "dtype": "it has no weights and computes in the dtype of its input, the network's (Dense(..., dtype=) sets it); "
             "leave dtype out",
}

# A mask given for an inference pass, to one layer or to the network: refused, never dropped without a word
AT_INFERENCE = ("with training=False: at inference Dropout is the identity and uses no mask; pass training=True to "
                "apply")


class Dropout:
    """Inverted dropout on inputs a_prev (m, n): a = (a_prev * scale) * mask while training, a = a_prev
    otherwise; scale = 1 / (1 - rate). `seed` (an int or a Generator) fixes the masks it draws.

    After a training forward pass the layer keeps its mask (m, n) for the backward pass (None after
    an inference pass, whose backward is the identity). What Keras' Dropout takes beyond (rate, seed) -- its order
    (rate, noise_shape, seed), noise_shape, name, dtype -- is refused by name (KERAS_ONLY), None excepted.
    """

    def __init__(self, rate: float, seed: int | np.random.Generator | None = None, *beyond_seed, **keras_arguments):
        # beyond_seed, keras_arguments: what a Keras Dropout(...) written here brings along, refused by name
        _refuse_keras_arguments(rate, seed, beyond_seed, keras_arguments)
        if isinstance(rate, bool) or not isinstance(rate, Real):
            raise TypeError(f"Dropout rate must be a number in [0, 1) (the fraction of units dropped), got "
                            f"{type(rate).__name__} {rate!r}: {_as_a_number(rate)}")
        if not (0.0 <= rate < 1.0 and math.isfinite(rate)):      # the range first: math.isfinite(10**400) raises
            raise ValueError(f"Dropout rate must be in [0, 1) (the fraction of units dropped), got {rate!r}: "
                             + ("rate=1 would drop every unit (Keras' Dropout accepts it and zeroes every unit while "
                                "training, so the layers after it learn from zeros); use a rate below 1, e.g. "
                                "Dropout(0.5)" if rate == 1 else
                                "use a rate in [0, 1), e.g. Dropout(0.2) (0.0: no Dropout)"))
        self.rng = generator(seed, "Dropout seed")
        self.rate = float(rate)
        self.seed = seed
        self.mask: np.ndarray | None = None

    @property
    def scale(self) -> float:
        """1 / (1 - rate), a Python float: the float64 number Keras uses, rounded once to float32 in float32."""
        return 1.0 / (1.0 - self.rate)

    def draw_mask(self, shape: tuple[int, int]) -> np.ndarray:
        """A fresh keep-mask: True where U[0, 1) >= rate, so each unit is kept with probability 1 - rate."""
        return self.rng.random(shape) >= self.rate                              # (m, n) bool

    def forward(self, a_prev: np.ndarray, training: bool = False, mask: np.ndarray | None = None) -> np.ndarray:
        """a = (a_prev * scale) * mask while training (mask drawn if not given), a = a_prev at inference."""
        training = flag("training", training)                      # "no" and 1 refused, not read as True
        a_prev = a_prev_of_numbers(a_prev, "Dropout.forward", "(m, n)")       # an np.matrix as its array
        if not training:
            if mask is not None:                                                # never dropped without a word
                raise ValueError(f"mask was given {AT_INFERENCE} it")
            self.mask = None
            return a_prev                                                       # (m, n)  the identity
        if mask is not None:
            check_mask(mask, np.shape(a_prev))                                  # no broadcast (1, n) mask
        self.mask = self.draw_mask(a_prev.shape) if mask is None else mask      # (m, n) bool
        return (a_prev * self.scale) * self.mask                                # (m, n)

    def backward(self, grad_a: np.ndarray) -> np.ndarray:
        """BPd: dC/da_prev = (dC/da * mask) * scale; the identity after an inference pass."""
        if self.mask is None:
            return grad_a                                                       # (m, n)
        return (grad_a * self.mask) * self.scale                                # (m, n)  BPd

    def get_weights(self) -> list[np.ndarray]:
        return []                                                               # no weights, as in Keras

    def __repr__(self) -> str:
        return f"Dropout({self.rate!r})"


def _refuse_keras_arguments(rate, seed, beyond_seed: tuple, keras_arguments: dict) -> None:
    """One rule for what a Keras Dropout(...) brings beyond scratch's Dropout(rate, seed=None): Keras' order of
    positional arguments (rate, noise_shape, seed) and its other keywords (KERAS_ONLY) are each refused in one line
    naming the argument and why; None, Keras' default for each keyword, changes nothing and is taken."""
    if beyond_seed or isinstance(seed, tuple | list):          # Dropout(0.5, None, 3) or Dropout(0.5, (None, 1))
        given = (rate, seed, *beyond_seed)
        keras_seed = f", seed={beyond_seed[0]!r}" if len(beyond_seed) == 1 and beyond_seed[0] is not None else ""
        raise ValueError(f"Dropout got {len(given)} positional arguments, {given!r}, in Keras' order Dropout(rate, "
                         f"noise_shape, seed): scratch's Dropout(rate, seed=None) takes seed second and no "
                         f"noise_shape; write Dropout({rate!r}{keras_seed})")
    for argument, value in keras_arguments.items():
        if argument not in KERAS_ONLY:
            raise TypeError(f"Dropout got {argument}={value!r}, which is not an argument of scratch's "
                            "Dropout(rate, seed=None)")
        if value is not None:
            raise ValueError(f"Dropout got {argument}={value!r}, a Keras argument scratch's Dropout does not "
                             f"support: {KERAS_ONLY[argument]}")


def _as_a_number(rate) -> str:
    """What to write instead of a rate that is not a number: the number a string spells when it is a rate Dropout
    takes, else an example ("1", "nan", "2.5" spell numbers it refuses in turn)."""
    if isinstance(rate, str):
        with contextlib.suppress(ValueError):                                   # "half": no number to give
            if 0.0 <= (number := float(rate)) < 1.0:                            # False for nan
                return f"give it as a number, Dropout({number!r})"
    return "give a number, e.g. Dropout(0.2)"


def check_masks(masks, widths: Sequence[int], m: int, training: bool) -> list[np.ndarray] | None:
    """`masks` for a batch of m rows through Dropout layers whose inputs have `widths` units: None, or a
    list of one boolean (m, n) keep-array per Dropout layer, in order -- else an error naming what is wrong."""
    if masks is None:
        return None
    if not training:
        raise ValueError(f"masks were given {AT_INFERENCE} them")
    if isinstance(masks, np.ndarray) or not isinstance(masks, Sequence):
        raise TypeError(f"masks must be a list of boolean arrays, one per Dropout layer, got {type(masks).__name__}")
    masks = list(masks)
    if len(masks) != len(widths):
        raise ValueError(f"masks holds {len(masks)} arrays, but the network has {len(widths)} Dropout layers: "
                         "give one boolean keep-array (m, n) per Dropout layer, in order")
    for i, (mask, n) in enumerate(zip(masks, widths, strict=True)):
        check_mask(mask, (m, n), f"masks[{i}]", f"Dropout layer {i + 1}")
    return masks


def check_mask(mask, shape: tuple[int, ...], name: str = "mask", layer: str = "this Dropout layer") -> None:
    """One keep-mask: a boolean array of exactly `shape` -- never broadcast, never an int or float array (whose
    entries would multiply a_prev: a 2 doubles a unit) -- else an error naming `name` and `layer`."""
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        raise TypeError(f"{name} must be a boolean NumPy array (True = kept), got "
                        f"{getattr(mask, 'dtype', type(mask).__name__)}")
    if mask.shape != tuple(shape):
        raise ValueError(f"{name} has shape {mask.shape}, but {layer} sees a batch of shape {tuple(shape)}")
