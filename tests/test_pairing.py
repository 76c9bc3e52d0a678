"""The output/loss pairing rule (scratch.pairing): which pairs are refused, in every entry point, and
the Keras behaviour that makes them wrong, pinned on the installed Keras.

References: the rule written out below as a table by hand (not derived from the code), and real
Keras 3 models in float64 whose losses are compared with cross-entropies computed here in NumPy.
"""

import itertools
import re

import keras
import numpy as np
import pytest
from conftest import no_logits_form

from keras_models.twins.bridge import keras_loss, to_keras
from scratch import Dense, Network, losses, pairing
from scratch.training import evaluate

ACTIVATIONS = ["linear", "step", "sigmoid", "tanh", "relu", "softmax"]
LOSSES = ["mse", "quadratic", "binary_crossentropy", "categorical_crossentropy"]

# The rule, by hand: (output activation, loss, from_logits) pairs that are ACCEPTED. mse and quadratic take
# any output, without from_logits (they compare the outputs themselves: losses.get refuses the flag, before
# any network sees it); a cross-entropy takes its own probability output, or logits (anything but
# sigmoid/softmax) with from_logits=True.
ACCEPTED = (
    {(g, loss, False) for g in ACTIVATIONS for loss in ("mse", "quadratic")}
    | {("sigmoid", "binary_crossentropy", False), ("softmax", "categorical_crossentropy", False)}
    | {(g, loss, True) for g in ("linear", "step", "tanh", "relu")
       for loss in ("binary_crossentropy", "categorical_crossentropy")}
)

# The three refusals of issue 14, word for word.
SIGMOID_CCE = ("sigmoid output with categorical_crossentropy: Keras would silently compute "
               "categorical_crossentropy(softmax(z)) from the logits while predicting with sigmoid(z). Use a "
               "softmax output with categorical_crossentropy, or a linear output with "
               "categorical_crossentropy(from_logits=True).")
SOFTMAX_BCE = ("softmax output with binary_crossentropy: Keras would silently compute "
               "binary_crossentropy(sigmoid(z)) from the logits while predicting with softmax(z). Use a "
               "sigmoid output with binary_crossentropy, or a linear output with "
               "binary_crossentropy(from_logits=True).")
LINEAR_CCE = ("linear output with categorical_crossentropy: z is not a probability, so Keras would silently "
              "compute categorical_crossentropy(clip(z / sum(z), 1e-7, 1 - 1e-7)), clipped garbage or NaN. Use a "
              "softmax output with categorical_crossentropy, or a linear output with "
              "categorical_crossentropy(from_logits=True).")
REFUSALS = {
    "sigmoid+cce": ("sigmoid", "categorical_crossentropy", SIGMOID_CCE),
    "softmax+bce": ("softmax", "binary_crossentropy", SOFTMAX_BCE),
    "linear+cce": ("linear", "categorical_crossentropy", LINEAR_CCE),
}


def one_layer(activation, n_out=3, seed=0):
    return Network([Dense(4, n_out, activation, seed=seed)])


def targets(m, k, rng):
    """One-hot rows: 0/1 labels and distributions at once, so the same y suits every loss."""
    return np.eye(k)[rng.integers(0, k, size=m)]


@pytest.mark.parametrize("entry", ["loss", "loss_and_gradients", "fit", "evaluate", "keras bridge"])
@pytest.mark.parametrize("case", REFUSALS)
def test_mismatched_pairing_is_refused_with_the_full_explanation(case, entry, rng):
    activation, loss_name, message = REFUSALS[case]
    net = one_layer(activation)
    X, y = rng.normal(size=(5, 4)), targets(5, 3, rng)
    before = net.get_weights()
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        if entry == "loss":
            net.loss(X, y, loss_name)
        elif entry == "loss_and_gradients":
            net.loss_and_gradients(X, y, loss_name)
        elif entry == "fit":
            net.fit(X, y, loss=loss_name, optimizer="sgd", epochs=1, verbose=0)
        elif entry == "evaluate":
            evaluate(net, X, y, loss=loss_name)
        else:
            keras_loss(net, loss_name)
    for w, w0 in zip(net.get_weights(), before, strict=True):       # refused before any update
        np.testing.assert_array_equal(w, w0)


@pytest.mark.parametrize("activation, loss_name, from_logits",
                         list(itertools.product(ACTIVATIONS, LOSSES, [False, True])))
def test_the_rule_accepts_exactly_the_pairs_of_the_table(activation, loss_name, from_logits, rng):
    net = one_layer(activation)
    X, y = rng.normal(size=(5, 4)), targets(5, 3, rng)
    if loss_name in ("mse", "quadratic") and from_logits:
        # from_logits=True where there are no logits, word for word: refused by losses.get, whatever the output
        with pytest.raises(ValueError, match=f"^{re.escape(no_logits_form(loss_name))}$"):
            losses.get(loss_name, from_logits=True)
        return
    loss = losses.get(loss_name, from_logits=from_logits)
    if (activation, loss_name, from_logits) in ACCEPTED:
        value, _ = net.loss_and_gradients(X, y, loss)
        assert np.isfinite(value)
    else:
        shown = f"{loss_name}(from_logits=True)" if from_logits else loss_name
        with pytest.raises(ValueError) as refused:
            net.loss_and_gradients(X, y, loss)
        text = str(refused.value)
        assert text.startswith(f"{activation} output with {shown}: ") and "Keras would" in text, text
        right = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}[loss_name]
        assert text.endswith(f"Use a {right} output with {loss_name}, or a linear output with "
                             f"{loss_name}(from_logits=True)."), text


def test_probabilities_passed_as_logits_are_refused_too():
    """A sigmoid output with from_logits=True: Keras warns and uses z, scratch would apply sigmoid twice."""
    with pytest.raises(ValueError, match=re.escape(
            "sigmoid output with binary_crossentropy(from_logits=True): sigmoid(z) is a probability, not a "
            "logit. Keras would warn and compute binary_crossentropy(sigmoid(z)) from the logits z anyway")):
        pairing.check("sigmoid", "binary_crossentropy", from_logits=True)


def test_the_bridge_builds_keras_losses_for_matching_pairs_only():
    assert isinstance(keras_loss(one_layer("softmax"), "categorical_crossentropy"),
                      keras.losses.CategoricalCrossentropy)
    logits = keras_loss(one_layer("linear"), "binary_crossentropy", from_logits=True)
    assert isinstance(logits, keras.losses.BinaryCrossentropy) and logits.get_config()["from_logits"]
    with pytest.raises(ValueError, match="^tanh output with binary_crossentropy: tanh\\(z\\) is not a probability"):
        keras_loss(one_layer("tanh"), "binary_crossentropy")


# --- what Keras does with these pairs, pinned on the installed version ----------------------------------------

def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def cce(y, p):
    return float(np.mean(-np.sum(y * np.log(p), axis=-1)))


def bce(y, p):
    return float(np.mean(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=-1)))


@pytest.mark.parametrize("activation, loss_name, keras_scores, it_predicts", [
    ("sigmoid", "categorical_crossentropy", lambda y, z: cce(y, softmax(z)), sigmoid),
    ("softmax", "binary_crossentropy", lambda y, z: bce(y, sigmoid(z)), softmax),
])
def test_keras_scores_a_mismatched_output_with_the_other_activation_of_the_logits(
        activation, loss_name, keras_scores, it_predicts, rng, floatx64):
    """Keras' logits shortcut fires for any sigmoid/softmax output: on a sigmoid + CCE model it computes
    CCE(softmax(z)), on softmax + BCE it computes BCE(sigmoid(z)), while predicting with the layer's own
    activation. If a Keras upgrade changes this, this test fails and the pairing rule must be revisited."""
    net = Network([Dense(4, 3, activation, seed=1)])
    model = to_keras(net)
    X = 3 * rng.normal(size=(6, 4))                                            # logits of a few units
    y = np.eye(3)[[0, 1, 2, 2, 1, 0]]                                          # one-hot, and 0/1 labels
    W, b = net.get_weights()
    z = X @ W + b                                                              # (6, 3) the logits, NumPy
    np.testing.assert_allclose(model.predict(X, verbose=0), it_predicts(z), rtol=1e-12)
    loss = {"categorical_crossentropy": keras.losses.CategoricalCrossentropy(),
            "binary_crossentropy": keras.losses.BinaryCrossentropy()}[loss_name]
    eager = float(loss(y, model(X)))
    model.compile(loss=loss)
    compiled = model.evaluate(X, y, batch_size=6, verbose=0)                   # the graph fit would run
    on_its_own_output = (cce(y, it_predicts(z) / it_predicts(z).sum(axis=-1, keepdims=True))
                         if loss_name == "categorical_crossentropy" else bce(y, it_predicts(z)))
    for value in (eager, compiled):
        assert value == pytest.approx(keras_scores(y, z), rel=1e-12)
        assert abs(value - on_its_own_output) > 0.1, (value, on_its_own_output)   # visibly another model


def test_keras_warns_and_uses_the_logits_when_told_a_sigmoid_output_is_logits(rng, floatx64):
    net = Network([Dense(4, 3, "sigmoid", seed=2)])
    model = to_keras(net)
    X = rng.normal(size=(6, 4))
    y = rng.integers(0, 2, size=(6, 3)).astype(float)
    W, b = net.get_weights()
    z = X @ W + b
    with pytest.warns(UserWarning, match="received `from_logits=True`, but the `output` argument was produced"):
        value = float(keras.losses.BinaryCrossentropy(from_logits=True)(y, model(X)))
    assert value == pytest.approx(bce(y, sigmoid(z)), rel=1e-12)              # not bce(y, sigmoid(sigmoid(z)))
    assert abs(value - bce(y, sigmoid(sigmoid(z)))) > 0.05


def test_keras_clips_a_linear_output_under_binary_crossentropy(rng, floatx64):
    net = Network([Dense(4, 3, "linear", seed=3)])
    net.layers[0].b[...] = [3.0, -3.0, 0.5]                                    # outputs outside (0, 1) too
    model = to_keras(net)
    X = rng.normal(size=(6, 4))
    y = rng.integers(0, 2, size=(6, 3)).astype(float)
    W, b = net.get_weights()
    z = X @ W + b
    assert (z > 1).any() and (z < 0).any()
    value = float(keras.losses.BinaryCrossentropy()(y, model(X)))
    assert value == pytest.approx(bce(y, np.clip(z, 1e-7, 1 - 1e-7)), rel=1e-12)
