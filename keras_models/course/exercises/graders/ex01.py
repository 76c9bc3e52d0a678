"""Grader for exercise 1: Perceptron1D, Perceptron, Sigmoid / Tanh / ReLU, NeuralNetwork.

References are computed here, independently of the learner's code: NumPy formulas on moderate
inputs, and scratch.activations (itself checked against Keras in tests/) on extreme ones.
"""

from __future__ import annotations

import numpy as np

from scratch import activations
from scratch.agreement import relative_gap

from .checks import Fail, as_array, check, float32_hint, not_none

TITLE = "perceptron, activations, one-layer network"
NEEDS = ("Perceptron1D", "Perceptron", "Sigmoid", "Tanh", "ReLU", "NeuralNetwork")
TOLERANCE = 1e-12
EXTREMES = np.array([-1000.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 1000.0])


def _close(actual, expected, what: str) -> None:
    array = as_array(actual, what, np.shape(expected))
    gap = relative_gap(array, expected)
    check(gap <= TOLERANCE, f"{what} is off by a relative {gap:.1e} from the formula{float32_hint(actual, gap)}")


def _call_quietly(function, z, what: str):
    """Call function(z) with NumPy's overflow / invalid / divide warnings turned into errors."""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):   # under: as NumPy sets it
            return function(z)
    except FloatingPointError as error:
        raise Fail(f"{what} for z in {EXTREMES.tolist()}: NumPy reported '{error}'; "
                   "rewrite it so that no intermediate value overflows") from None


def _grade_perceptrons(module, rng: np.random.Generator) -> None:
    one_d = module.Perceptron1D(2.0, -1.0)
    five = one_d.run(3.0)
    not_none(five, "Perceptron1D(2, -1).run(3)")
    check(np.isclose(float(np.squeeze(five)), 5.0), "Perceptron1D(2, -1).run(3) should be 2*3 - 1 = 5")
    x = rng.normal(size=6)
    _close(one_d.run(x), 2.0 * x - 1.0, "Perceptron1D.run on an array")

    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)               # (3, 2), (2,)
    X = rng.normal(size=(5, 3))                                      # (5, 3)
    z_ref = np.einsum("mi,io->mo", X, W) + b                         # (5, 2)
    perceptron = module.Perceptron(W, b)
    _close(perceptron.run(X), z_ref, "Perceptron.run on a batch (5, 3) with W (3, 2)")
    _close(perceptron.run(X[0]), z_ref[0], "Perceptron.run on one example of shape (3,)")
    try:
        perceptron.run(rng.normal(size=(5, 4)))
    except ValueError:
        pass
    else:
        raise Fail("Perceptron.run accepted 4 inputs for a perceptron with 3: a mismatch must raise ValueError")

    X_tie = np.vstack([X, np.zeros(3)])                              # last row: z = b
    tie = module.Perceptron(W, np.zeros(2))
    expected = activations.get("step").forward(np.einsum("mi,io->mo", X_tie, W))   # (6, 2), ties -> 0
    labels = tie.predict(X_tie)
    decided = as_array(labels, "Perceptron.predict", expected.shape)
    check(bool(np.all(decided[-1] == 0)), "Perceptron.predict: a tie z = 0 must give 0 (1 only where z > 0)")
    check(bool(np.array_equal(decided, expected)), "Perceptron.predict must give 1 where z > 0 and 0 elsewhere")
    kind = np.asarray(labels).dtype
    check(np.issubdtype(kind, np.integer),
          f"Perceptron.predict returned {kind} values: return the labels as integers 0 and 1, as its docstring says")

    # the perceptrons above have a zero bias; these two do not: z = x @ W + b, the bias included
    only_bias = module.Perceptron(np.zeros((3, 2)), np.array([1.0, -1.0]))        # z = b for every x
    with_bias = activations.get("step").forward(z_ref)                             # (5, 2)
    for who, given, want in [("Perceptron(W = 0, b = [1, -1])", only_bias, np.tile([1.0, 0.0], (5, 1))),
                             ("Perceptron(W, b) with a non-zero b", perceptron, with_bias)]:
        decided = as_array(given.predict(X), f"{who}.predict", want.shape)
        check(bool(np.array_equal(decided, want)),
              f"{who}.predict is wrong though it is right when b = 0: threshold z = x @ W + b, the bias included")

    # z = +-1e-20: the sign decides, where a rounded sigmoid (0.5 there, rounded to 0) or a tolerance does not
    tiny = module.Perceptron(np.zeros((3, 2)), np.array([1e-20, -1e-20]))
    decided = as_array(tiny.predict(X), "Perceptron(W = 0, b = [1e-20, -1e-20]).predict", (5, 2))
    check(bool(np.array_equal(decided, np.tile([1.0, 0.0], (5, 1)))),
          "Perceptron.predict must give 1 for z = 1e-20 and 0 for z = -1e-20: threshold z itself (z > 0); a "
          "rounded sigmoid of z is 0.5 there, and rounds to 0")


def _grade_activation(module, name: str, formula, rng: np.random.Generator) -> None:
    fn = getattr(module, name).fn
    z = rng.uniform(-10, 10, size=(4, 5))                            # moderate: the plain formula is safe
    original = z.copy()
    _close(fn(z), formula(z), f"{name}.fn on a (4, 5) array")
    check(bool(np.array_equal(z, original)), f"{name}.fn changed the array it was given: return a new array")
    _close(fn(0.5), formula(np.float64(0.5)), f"{name}.fn(0.5) on a plain number")
    with np.errstate(all="ignore"):       # the reference underflows harmlessly, whatever np.seterr the learner set
        reference = activations.get(name.lower()).forward(EXTREMES[None, :])[0]
    _close(_call_quietly(fn, EXTREMES.copy(), f"{name}.fn"), reference, f"{name}.fn at extreme inputs")


def _activation(name: str, formula):
    """An activation only the grader knows, passed to NeuralNetwork as the learner's Sigmoid is: a class named `name`
    whose static fn(values) gives formula(z), z = np.asarray(values)."""
    return type(name, (), {"fn": staticmethod(lambda values: formula(np.asarray(values)))})


def _grade_network(module, rng: np.random.Generator) -> None:
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    X = rng.normal(size=(6, 3))
    z = X @ W + b                                                    # (6, 4)

    cubed = module.NeuralNetwork(W, b, _activation("Cube", lambda z: z ** 3)).run(X)
    what = "NeuralNetwork.run with an activation whose fn is z**3"
    as_array(cubed, what, z.shape)                 # a.T, say: a shape slip, not a sign the activation went unused
    try:
        _close(cubed, z ** 3, f"{what} (it must use the activation it is given)")
    except Fail:
        _name_the_networks_slip(module, W, b, X, z)
        raise
    for name, formula in FORMULAS.items():
        _close(module.NeuralNetwork(W, b, getattr(module, name)).run(X), formula(z),
               f"NeuralNetwork.run with {name}")


def _name_the_networks_slip(module, W, b, X, z) -> None:
    """A Fail naming which half of a = g(x @ W + b) is wrong, told by two more activations only the grader knows:
    g(z) = z and g(z) = z + 7. The same output for both: the activation is not used (always Sigmoid, or none).
    Else the output for g(z) = z is the weighted sum z the network's perceptron must give. Else the activation is
    used, but not on z (on x, say). Returns quietly when the outputs cannot be compared (the caller's Fail stands)."""
    Unchanged = _activation("Unchanged", lambda z: z)
    PlusSeven = _activation("PlusSeven", lambda z: z + 7.0)
    try:
        unchanged = np.asarray(module.NeuralNetwork(W, b, Unchanged).run(X), dtype=float)     # (6, 4)
        plus_seven = np.asarray(module.NeuralNetwork(W, b, PlusSeven).run(X), dtype=float)    # (6, 4)
    except Exception:                                  # the learner's error: the hint the caller has stands
        return
    if unchanged.shape != z.shape or plus_seven.shape != z.shape:
        return
    if relative_gap(plus_seven, unchanged) <= TOLERANCE:
        raise Fail("NeuralNetwork.run gives the same output whatever activation it is given (one whose fn returns "
                   "z unchanged, one whose fn adds 7): apply the activation it is given, "
                   "self.activation_function.fn(z)")
    gap = relative_gap(unchanged, z)
    if gap > TOLERANCE:
        raise Fail(f"NeuralNetwork.run with an activation whose fn returns z unchanged is off by a relative {gap:.1e} "
                   "from the weighted sum z = x @ W + b: compute z with the network's perceptron, "
                   "self.layers[0].run(x), and give z itself to the activation")
    raise Fail("NeuralNetwork.run gives the weighted sum z = x @ W + b when the activation returns z unchanged, but "
               "not z**3 when its fn is z**3: apply the activation to z, once, a = self.activation_function.fn(z)")


FORMULAS = {
    "Sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "Tanh": lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
    "ReLU": lambda z: np.where(z > 0, z, 0.0),
}


def grade(module, workdir) -> str:
    rng = np.random.default_rng(1)
    _grade_perceptrons(module, rng)
    for name, formula in FORMULAS.items():
        _grade_activation(module, name, formula, rng)
    _grade_network(module, rng)
    return "Perceptron1D, Perceptron, Sigmoid, Tanh, ReLU and NeuralNetwork match the formulas"
