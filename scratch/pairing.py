"""Which output activation goes with which loss, and what Keras computes when they do not match.

A cross-entropy scores probabilities, so the output layer must make the kind of probabilities it
expects, or hand it the logits z themselves and say so:

    binary_crossentropy        sigmoid output: a_j = sigmoid(z_j), each unit its own yes/no probability
    categorical_crossentropy   softmax output: a = softmax(z), one distribution over the classes per row
    either, from_logits=True   linear output: a = z, and the loss applies sigmoid/softmax itself
    mse, quadratic             any output, without from_logits (`losses.get` refuses it: no logits in them)

Keras 3 checks none of this. Whenever the output comes from a Keras sigmoid or softmax, its
cross-entropies take the "logits shortcut" and compute from z, whatever the pair (the README's "Which
output goes with which loss"):

    sigmoid + categorical_crossentropy     Keras scores CCE(softmax(z)) but predicts sigmoid(z)
    softmax + binary_crossentropy          Keras scores BCE(sigmoid(z)) but predicts softmax(z)
    sigmoid/softmax + from_logits=True     Keras warns, then uses z; treating a as logits would score g(g(z))
    linear/relu/tanh/step + cross-entropy  no shortcut: values that are not probabilities are clipped to
      on probabilities                     [1e-7, 1 - 1e-7] (a row first divided by its sum for CCE),
                                           which gives a number, but not a loss of anything (or NaN)

so the model Keras trains is not the model it predicts with, and nothing says so. Scratch refuses
every one of these pairs (`check`), in `Network.loss`, `Network.loss_and_gradients`, `fit` and the
Keras bridge, with a message naming the two right choices.
"""

from __future__ import annotations

from scratch.activations import Activation
from scratch.losses import Loss

# loss name -> the output activation whose probabilities it scores
MATCHING_OUTPUT = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}
# outputs whose logits Keras' cross-entropies pick up by themselves (the logits shortcut)
SHORTCUT_OUTPUTS = ("sigmoid", "softmax")


def mismatch(activation: str | Activation, loss: str | Loss, from_logits: bool = False) -> str | None:
    """Why this output activation cannot go with this loss, or None if it can.

    `loss` is a name (with `from_logits` beside it) or a scratch Loss (which carries its own).
    Losses other than the two cross-entropies accept any output.
    """
    g = activation.name if isinstance(activation, Activation) else str(activation)
    if isinstance(loss, Loss):
        name, from_logits = loss.name, loss.from_logits
    else:
        name = str(loss)
    if name not in MATCHING_OUTPUT:
        return None
    right = MATCHING_OUTPUT[name]
    choices = (f"Use a {right} output with {name}, or a linear output with "
               f"{name}(from_logits=True).")
    if from_logits:
        if g not in SHORTCUT_OUTPUTS:
            return None                              # z (or relu(z), tanh(z)) are the logits: both sides agree
        return (f"{g} output with {name}(from_logits=True): {g}(z) is a probability, not a logit. Keras would "
                f"warn and compute {name}({right}(z)) from the logits z anyway, while treating {g}(z) as logits "
                f"would compute {name}({right}({g}(z))). {choices}")
    if g == right:
        return None                                  # the matching pair: computed from the logits (fused)
    if g in SHORTCUT_OUTPUTS:
        return (f"{g} output with {name}: Keras would silently compute {name}({right}(z)) from the logits "
                f"while predicting with {g}(z). {choices}")
    a = "z" if g == "linear" else f"{g}(z)"
    scored = f"clip({a}, 1e-7, 1 - 1e-7)" if name == "binary_crossentropy" else \
        f"clip({a} / sum({a}), 1e-7, 1 - 1e-7)"
    return (f"{g} output with {name}: {a} is not a probability, so Keras would silently compute "
            f"{name}({scored}), clipped garbage or NaN. {choices}")


def check(activation: str | Activation, loss: str | Loss, from_logits: bool = False) -> None:
    """Raise a ValueError naming the pair, what Keras would compute instead, and the two right choices."""
    problem = mismatch(activation, loss, from_logits)
    if problem is not None:
        raise ValueError(problem)
