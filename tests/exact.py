"""Exact references: the optimizers' update rules and a small mini-batch `fit`, in rational arithmetic.

Written from the formulas (scratch/optimizers' docstrings, Keras' `update_step`), not from scratch's code: plain Python
lists of `fractions.Fraction`, one loop per example. Every float64 number is a binary fraction, so
`Fraction(x)` holds it exactly, and + - * / on Fractions never round. Only square roots, exp, log and
cos leave the rationals; they are taken in `decimal` at DIGITS significant digits (an error near 1e-50,
34 orders below float64's rounding) and turned back into Fractions.

An optimizer reference is one function: it takes the hyper-parameters and returns a `step(theta, g, t, eta)`
that maps one parameter array (a list of Fractions), its gradient, the step number t = 1, 2, ... and the
step's learning rate to the new array, keeping its own slots. Add an optimizer by adding one such function
to OPTIMIZERS. What every optimizer shares -- a learning-rate schedule (SCHEDULES), clipping, weight
decay -- is applied around the rule by `trajectory`, in Keras' order.
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
# Each rule is the step of one array: step(theta, g, t, eta) -> new theta, with eta this step's learning rate.
def sgd(momentum: float = 0.0, nesterov: bool = False) -> Step:
    """theta - eta g;  with momentum: buf = mu buf - eta g, theta + buf;  Nesterov: theta + mu buf - eta g."""
    mu = Fraction(momentum)
    buf: Vector = []

    def step(theta, g, t, eta):
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


def rmsprop(rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False) -> Step:
    """s = rho s + (1 - rho) g^2;  inc = eta g / sqrt(s + eps);  with momentum buf = mu buf + inc;  theta - inc.
    Centered: a = rho a + (1 - rho) g, and the root is sqrt(s - a^2 + eps)."""
    rho, mu, eps = (Fraction(x) for x in (rho, momentum, epsilon))
    s: Vector = []
    buf: Vector = []
    a: Vector = []

    def step(theta, g, t, eta):
        if not s:
            for slot in (s, buf, a):
                slot.extend(Fraction(0) for _ in theta)
        s[:] = [rho * si + (1 - rho) * gi * gi for si, gi in zip(s, g, strict=True)]
        a[:] = [rho * ai + (1 - rho) * gi for ai, gi in zip(a, g, strict=True)]
        spread = [si - ai * ai for si, ai in zip(s, a, strict=True)] if centered else s
        increment = [eta * gi / sqrt(di + eps) for gi, di in zip(g, spread, strict=True)]
        if mu != 0:
            buf[:] = [mu * bi + inc for bi, inc in zip(buf, increment, strict=True)]
            increment = list(buf)
        return [th - inc for th, inc in zip(theta, increment, strict=True)]

    step.slots = {"velocity": s}
    if momentum:
        step.slots["momentum"] = buf
    if centered:
        step.slots["average_gradient"] = a
    return step


def adam(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False) -> Step:
    """Keras' epsilon-hat Adam: m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    alpha = eta sqrt(1 - b2^t) / (1 - b1^t);  theta - alpha m / (sqrt(v) + eps).
    AMSGrad: v_hat = max(v_hat, v) takes v's place in the root."""
    b1, b2, eps = (Fraction(x) for x in (beta_1, beta_2, epsilon))
    m: Vector = []
    v: Vector = []
    v_hat: Vector = []

    def step(theta, g, t, eta):
        if not m:
            for slot in (m, v, v_hat):
                slot.extend(Fraction(0) for _ in theta)
        m[:] = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v[:] = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g, strict=True)]
        v_hat[:] = [max(hi, vi) for hi, vi in zip(v_hat, v, strict=True)]
        alpha = eta * sqrt(1 - b2**t) / (1 - b1**t)
        root = v_hat if amsgrad else v
        return [th - alpha * mi / (sqrt(ri) + eps) for th, mi, ri in zip(theta, m, root, strict=True)]

    step.slots = {"momentum": m, "velocity": v}
    if amsgrad:
        step.slots["velocity_hat"] = v_hat
    return step


def adagrad(initial_accumulator_value: float = 0.1, epsilon: float = 1e-7) -> Step:
    """G = G + g^2 (G starts at initial_accumulator_value);  theta - eta g / sqrt(G + eps)."""
    G0, eps = Fraction(initial_accumulator_value), Fraction(epsilon)
    G: Vector = []

    def step(theta, g, t, eta):
        if not G:
            G.extend(G0 for _ in theta)
        G[:] = [Gi + gi * gi for Gi, gi in zip(G, g, strict=True)]
        return [th - eta * gi / sqrt(Gi + eps) for th, gi, Gi in zip(theta, g, G, strict=True)]

    step.slots = {"accumulator": G}
    return step


# scratch class name -> (its exact rule, Keras' default learning rate and weight decay)
OPTIMIZERS: dict[str, tuple[Callable[..., Step], float, float | None]] = {
    "SGD": (sgd, 0.01, None), "RMSprop": (rmsprop, 0.001, None), "Adam": (adam, 0.001, None),
    "AdamW": (adam, 0.001, 0.004), "Adagrad": (adagrad, 0.001, None),
}


# --- learning-rate schedules: eta as a function of the step count before the step -----------------------------
_PI = Fraction(Decimal("3.14159265358979323846264338327950288419716939937510582097494459"))


def cos(q: Fraction) -> Fraction:
    """cos by its Taylor series, summed at DIGITS + 10 digits (|q| <= pi here, so it converges fast)."""
    with localcontext() as ctx:
        ctx.prec = DIGITS + 10
        x2, term, total, k = _decimal(q) ** 2, Decimal(1), Decimal(1), 0
        while abs(term) > Decimal(10) ** -(DIGITS + 5):
            k += 2
            term = -term * x2 / (k * (k - 1))
            total += term
        return Fraction(total)


def exponential_decay(initial_learning_rate, decay_steps, decay_rate, staircase=False):
    """eta0 r^(s / T), the exponent floored with staircase (r^p = exp(p log r) when p is not whole)."""
    eta0, T, r = Fraction(initial_learning_rate), Fraction(decay_steps), Fraction(decay_rate)

    def rate(s):
        p = Fraction(s) / T
        p = Fraction(p.numerator // p.denominator) if staircase else p
        return eta0 * r ** p.numerator if p.denominator == 1 else eta0 * exp(p * log(r))
    return rate


def inverse_time_decay(initial_learning_rate, decay_steps, decay_rate, staircase=False):
    """eta0 / (1 + r p), p = s / T, floored with staircase."""
    eta0, T, r = Fraction(initial_learning_rate), Fraction(decay_steps), Fraction(decay_rate)

    def rate(s):
        p = Fraction(s) / T
        return eta0 / (1 + r * (Fraction(p.numerator // p.denominator) if staircase else p))
    return rate


def piecewise_constant_decay(boundaries, values):
    """values[i] for the first boundary with s <= boundaries[i]; values[-1] past the last."""
    def rate(s):
        return Fraction(next((v for b, v in zip(boundaries, values, strict=False) if s <= b), values[-1]))
    return rate


def cosine_decay(initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    """Warm-up line from eta0 to the target over warmup_steps, then peak ((1 - alpha) (1 + cos(pi d / T)) / 2 + alpha)
    with d = min(s - warmup_steps, T)."""
    eta0, T, alpha = Fraction(initial_learning_rate), Fraction(decay_steps), Fraction(alpha)
    peak = eta0 if warmup_target is None else Fraction(warmup_target)

    def rate(s):
        if s < warmup_steps:
            return eta0 + (peak - eta0) * Fraction(s, warmup_steps)
        d = min(Fraction(s - warmup_steps), T)
        return peak * ((1 - alpha) * (1 + cos(_PI * d / T)) / 2 + alpha)
    return rate


SCHEDULES = {"ExponentialDecay": exponential_decay, "InverseTimeDecay": inverse_time_decay,
             "PiecewiseConstantDecay": piecewise_constant_decay, "CosineDecay": cosine_decay}


# --- clipping: the whole step's gradients, before any rule sees them -----------------------------------------
def clip(grads: list[Vector], clipnorm=None, global_clipnorm=None, clipvalue=None) -> list[Vector]:
    """clipnorm c: g c / max(||g||, c) per array;  global_clipnorm c: g c min(1/N, 1/c) with N the norm of all;
    clipvalue v: min(max(g, -v), v) per number."""
    if clipnorm is not None:
        c = Fraction(clipnorm)
        return [[gi * c / max(sqrt(sum(x * x for x in g)), c) for gi in g] for g in grads]
    if global_clipnorm is not None:
        c = Fraction(global_clipnorm)
        N = sqrt(sum(x * x for g in grads for x in g))
        scale = c * min(1 / N, 1 / c) if N else Fraction(1)
        return [[gi * scale for gi in g] for g in grads]
    if clipvalue is not None:
        v = Fraction(clipvalue)
        return [[min(max(gi, -v), v) for gi in g] for g in grads]
    return grads


def trajectory(cls_name: str, kwargs: dict, theta_0: Sequence[np.ndarray],
               grads: Sequence[Sequence[np.ndarray]]) -> tuple[list[list[Vector]], list[Step]]:
    """The exact parameters after every step ([theta_0, theta_1, ...], each a list of arrays as Vectors),
    and the step functions (whose `.slots` hold the final state).

    Each step, in Keras' order: eta = learning_rate, or the schedule at the step count before the step
    (a learning_rate of ("CosineDecay", {...}) names a schedule of SCHEDULES); the gradients clipped;
    theta - theta * weight_decay * eta; then the rule with eta."""
    make_rule, default_rate, default_decay = OPTIMIZERS[cls_name]
    kwargs = dict(kwargs)
    learning_rate = kwargs.pop("learning_rate", default_rate)
    if isinstance(learning_rate, tuple):
        rate = SCHEDULES[learning_rate[0]](**learning_rate[1])
    else:
        def rate(s, eta=Fraction(learning_rate)):
            return eta
    decay = kwargs.pop("weight_decay", default_decay)
    wd = None if decay is None else Fraction(decay)
    clipping = {key: kwargs.pop(key) for key in ("clipnorm", "global_clipnorm", "clipvalue") if key in kwargs}
    rules = [make_rule(**kwargs) for _ in theta_0]
    thetas = [exact(p) for p in theta_0]
    path = [thetas]
    for t, step_grads in enumerate(grads, start=1):
        eta = rate(t - 1)
        clipped = clip([exact(g) for g in step_grads], **clipping)
        if wd is not None:
            thetas = [[th - th * wd * eta for th in theta] for theta in thetas]
        thetas = [rule(theta, g, t, eta) for rule, theta, g in zip(rules, thetas, clipped, strict=True)]
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
            learning_rate: float, epochs: int, batch_size: int, orders: Sequence[Sequence[int]] | None = None):
    """Mini-batch SGD as Keras' fit: returns (loss per epoch, weights after each epoch).

    Without `orders` the rows are taken as they come (shuffle=False); with them, epoch e takes the rows
    (x and y together) in the order orders[e]. An epoch's loss is the mean of its batch losses weighted by
    batch size, each taken before that batch's update; weights are [W1, b1, W2, b2] with W as rows of
    Fractions and b as one row.
    """
    eta = Fraction(learning_rate)
    W1, b1, W2, b2 = (_as_rows(w) for w in weights)
    params = [W1, b1[0], W2, b2[0]]
    X, Y = _as_rows(X), _as_rows(Y)
    losses, snapshots = [], []
    for epoch in range(epochs):
        order = range(len(X)) if orders is None else orders[epoch]
        X_epoch, Y_epoch = [X[i] for i in order], [Y[i] for i in order]
        weighted = Fraction(0)
        for start in range(0, len(X), batch_size):
            Xb, Yb = X_epoch[start:start + batch_size], Y_epoch[start:start + batch_size]
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
