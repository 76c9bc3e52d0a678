"""Exact references: the optimizers' update rules and a small mini-batch `fit`, in rational arithmetic.

Written from the formulas (DESIGN.md, Keras' `update_step`), not from scratch's code: plain Python
lists of `fractions.Fraction`, one loop per example. Every float64 number is a binary fraction, so
`Fraction(x)` holds it exactly, and + - * / on Fractions never round. Only square roots, exp and log
leave the rationals; they are taken in `decimal` at DIGITS significant digits (an error near 1e-50,
34 orders below float64's rounding) and turned back into Fractions.

An optimizer reference is one function: it takes the hyper-parameters and returns a `step(theta, g, t)`
that maps one parameter array (a list of Fractions), its gradient and the step number t = 1, 2, ...
to the new array, keeping its own slots. Add an optimizer by adding one such function to OPTIMIZERS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np

DIGITS = 50
Vector = list[Fraction]
Step = Callable[[Vector, Vector, int], Vector]


# --- the three functions that are not rational, at DIGITS digits -------------------------------------------
def _decimal(q: Fraction) -> Decimal:
    return Decimal(q.numerator) / Decimal(q.denominator)


def sqrt(q: Fraction) -> Fraction:
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return Fraction(_decimal(q).sqrt())


def exp(q: Fraction) -> Fraction:
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return Fraction(_decimal(q).exp())


def log(q: Fraction) -> Fraction:
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return Fraction(_decimal(q).ln())


def exact(array) -> Vector:
    """A float array as a flat list of the exact rationals it holds."""
    return [Fraction(float(x)) for x in np.asarray(array, dtype=np.float64).ravel()]


# --- the optimizers ----------------------------------------------------------------------------------------
def sgd(learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> Step:
    """theta - eta g;  with momentum: buf = mu buf - eta g, theta + buf;  Nesterov: theta + mu buf - eta g."""
    eta, mu = Fraction(learning_rate), Fraction(momentum)
    buf: Vector = []

    def step(theta, g, t):
        if mu == 0:
            return [th - eta * gi for th, gi in zip(theta, g, strict=True)]
        if not buf:
            buf.extend(Fraction(0) for _ in theta)
        buf[:] = [mu * bi - eta * gi for bi, gi in zip(buf, g, strict=True)]
        if nesterov:
            return [th + mu * bi - eta * gi for th, bi, gi in zip(theta, buf, g, strict=True)]
        return [th + bi for th, bi in zip(theta, buf, strict=True)]

    step.slots = {"momentum": buf}
    return step


def rmsprop(learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0,
            epsilon: float = 1e-7) -> Step:
    """s = rho s + (1 - rho) g^2;  inc = eta g / sqrt(s + eps);  with momentum buf = mu buf + inc;  theta - inc."""
    eta, rho, mu, eps = (Fraction(x) for x in (learning_rate, rho, momentum, epsilon))
    s: Vector = []
    buf: Vector = []

    def step(theta, g, t):
        if not s:
            s.extend(Fraction(0) for _ in theta)
            buf.extend(Fraction(0) for _ in theta)
        s[:] = [rho * si + (1 - rho) * gi * gi for si, gi in zip(s, g, strict=True)]
        increment = [eta * gi / sqrt(si + eps) for gi, si in zip(g, s, strict=True)]
        if mu != 0:
            buf[:] = [mu * bi + inc for bi, inc in zip(buf, increment, strict=True)]
            increment = list(buf)
        return [th - inc for th, inc in zip(theta, increment, strict=True)]

    step.slots = {"velocity": s, "momentum": buf} if momentum else {"velocity": s}
    return step


def adam(learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
         epsilon: float = 1e-7) -> Step:
    """Keras' epsilon-hat Adam: m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    alpha = eta sqrt(1 - b2^t) / (1 - b1^t);  theta - alpha m / (sqrt(v) + eps)."""
    eta, b1, b2, eps = (Fraction(x) for x in (learning_rate, beta_1, beta_2, epsilon))
    m: Vector = []
    v: Vector = []

    def step(theta, g, t):
        if not m:
            m.extend(Fraction(0) for _ in theta)
            v.extend(Fraction(0) for _ in theta)
        m[:] = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v[:] = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g, strict=True)]
        alpha = eta * sqrt(1 - b2**t) / (1 - b1**t)
        return [th - alpha * mi / (sqrt(vi) + eps) for th, mi, vi in zip(theta, m, v, strict=True)]

    step.slots = {"momentum": m, "velocity": v}
    return step


# scratch class name -> its exact reference
OPTIMIZERS: dict[str, Callable[..., Step]] = {"SGD": sgd, "RMSprop": rmsprop, "Adam": adam}


def trajectory(cls_name: str, kwargs: dict, theta_0: Sequence[np.ndarray],
               grads: Sequence[Sequence[np.ndarray]]) -> tuple[list[list[Vector]], list[Step]]:
    """The exact parameters after every step ([theta_0, theta_1, ...], each a list of arrays as Vectors),
    and the step functions (whose `.slots` hold the final state)."""
    rules = [OPTIMIZERS[cls_name](**kwargs) for _ in theta_0]
    thetas = [exact(p) for p in theta_0]
    path = [thetas]
    for t, step_grads in enumerate(grads, start=1):
        thetas = [rule(theta, exact(g), t) for rule, theta, g in zip(rules, thetas, step_grads, strict=True)]
        path.append(thetas)
    return path, rules


# --- a two-layer network trained by mini-batch SGD ---------------------------------------------------------
def _sigmoid(z: Fraction) -> Fraction:
    return 1 / (1 + exp(-z))


ACTIVATIONS: dict[str, Callable[[Fraction], Fraction]] = {
    "linear": lambda z: z,
    "relu": lambda z: z if z > 0 else Fraction(0),
    "sigmoid": _sigmoid,
}
DERIVATIVES: dict[str, Callable[[Fraction], Fraction]] = {
    "linear": lambda z: Fraction(1),
    "sigmoid": lambda z: _sigmoid(z) * (1 - _sigmoid(z)),
    "relu": lambda z: Fraction(1) if z > 0 else Fraction(0),
}


def _layer(a_prev: Vector, W: list[Vector], b: Vector) -> Vector:
    """z_j = sum_i a_prev_i W_ij + b_j for one example."""
    return [sum((a_i * W[i][j] for i, a_i in enumerate(a_prev)), b[j]) for j in range(len(b))]


def batch_loss_and_gradients(weights, activations: Sequence[str], loss: str, X: list[Vector], Y: list[Vector]):
    """L and [dL/dW1, dL/db1, dL/dW2, dL/db2] of a two-layer network on one batch, example by example.

    L = (1/m) sum_n l_n, with l_n = (1/k) sum_j (a_j - y_j)^2 for "mse" and, for "binary_crossentropy"
    on a sigmoid output, l_n = (1/k) sum_j [log(1 + exp(z_j)) - y_j z_j] (the same as -y log a - (1-y) log(1-a)).
    dl/dz_j at the output: 2 (a_j - y_j) / k * g'(z_j) for mse, (a_j - y_j) / k for sigmoid + BCE.
    """
    W1, b1, W2, b2 = weights
    g1, g2 = activations
    m, k = len(X), len(b2)
    gW1 = [[Fraction(0)] * len(b1) for _ in W1]
    gb1 = [Fraction(0)] * len(b1)
    gW2 = [[Fraction(0)] * k for _ in W2]
    gb2 = [Fraction(0)] * k
    total = Fraction(0)
    for x, y in zip(X, Y, strict=True):
        z1 = _layer(x, W1, b1)
        a1 = [ACTIVATIONS[g1](z) for z in z1]
        z2 = _layer(a1, W2, b2)
        a2 = [ACTIVATIONS[g2](z) for z in z2]
        if loss == "mse":
            total += sum((a - t) ** 2 for a, t in zip(a2, y, strict=True)) / k
            d2 = [2 * (a - t) / k * DERIVATIVES[g2](z) for a, t, z in zip(a2, y, z2, strict=True)]
        elif loss == "binary_crossentropy" and g2 == "sigmoid":
            total += sum(log(1 + exp(z)) - t * z for z, t in zip(z2, y, strict=True)) / k
            d2 = [(a - t) / k for a, t in zip(a2, y, strict=True)]
        else:
            raise ValueError(f"no exact reference for {g2} + {loss}")
        d2 = [d / m for d in d2]                                   # dL/dz2 for the batch mean
        d1 = [sum(W2[i][j] * d2[j] for j in range(k)) * DERIVATIVES[g1](z1[i]) for i in range(len(b1))]
        for i, a_i in enumerate(a1):
            for j in range(k):
                gW2[i][j] += a_i * d2[j]
        for j in range(k):
            gb2[j] += d2[j]
        for i, x_i in enumerate(x):
            for j in range(len(b1)):
                gW1[i][j] += x_i * d1[j]
        for j in range(len(b1)):
            gb1[j] += d1[j]
    return total / m, [gW1, gb1, gW2, gb2]


def _as_rows(array) -> list[Vector]:
    return [exact(row) for row in np.atleast_2d(np.asarray(array, dtype=np.float64))]


def sgd_fit(weights: Sequence[np.ndarray], activations: Sequence[str], loss: str, X, Y, *,
            learning_rate: float, epochs: int, batch_size: int):
    """Mini-batch SGD without shuffling, as Keras' fit: returns (loss per epoch, weights after each epoch).

    An epoch's loss is the mean of its batch losses weighted by batch size, each taken before that
    batch's update; weights are [W1, b1, W2, b2] with W as rows of Fractions and b as one row.
    """
    eta = Fraction(learning_rate)
    W1, b1, W2, b2 = (_as_rows(w) for w in weights)
    params = [W1, b1[0], W2, b2[0]]
    X, Y = _as_rows(X), _as_rows(Y)
    losses, snapshots = [], []
    for _ in range(epochs):
        weighted = Fraction(0)
        for start in range(0, len(X), batch_size):
            Xb, Yb = X[start:start + batch_size], Y[start:start + batch_size]
            value, grads = batch_loss_and_gradients(params, activations, loss, Xb, Yb)
            weighted += value * len(Xb)
            W1, b1, W2, b2 = params
            gW1, gb1, gW2, gb2 = grads
            params = [[[w - eta * g for w, g in zip(rw, rg, strict=True)] for rw, rg in zip(W1, gW1, strict=True)],
                      [w - eta * g for w, g in zip(b1, gb1, strict=True)],
                      [[w - eta * g for w, g in zip(rw, rg, strict=True)] for rw, rg in zip(W2, gW2, strict=True)],
                      [w - eta * g for w, g in zip(b2, gb2, strict=True)]]
        losses.append(weighted / len(X))
        snapshots.append(params)
    return losses, snapshots


def to_float(value):
    """Fractions (nested lists of them) rounded to float64 arrays."""
    return np.array(value, dtype=object).astype(np.float64)


def distance(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    """max_i |a_i - b_i|, exactly."""
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def gap(actual, reference: Sequence[Fraction], scale: Fraction) -> float:
    """max_i |actual_i - reference_i| / scale, computed exactly (actual is a float64 array)."""
    return float(distance(exact(actual), reference) / scale)
