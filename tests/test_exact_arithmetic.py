"""Scratch's float64 against exact rational arithmetic (tests/exact.py): every optimizer over 30 steps and
a small mini-batch `fit`, in order and shuffled by its seed -- a second reference beside Keras that owes nothing
to TensorFlow.

Measure: after every step t, max |theta_scratch_t - theta_exact_t| / D_t, where D_t is the farthest the
exact parameters have moved from theta_0 so far (max over s <= t of max |theta_exact_s - theta_0|).
Relative to the distance moved, not to |theta|: a wrong constant inside the step (a rate, a beta, an
epsilon off by a relative 1e-9) shows here at 1e-9, where against a parameter of size 1 that has moved
by 1e-3 it would shrink to 1e-12 and pass. Float64 rounds theta by about 1e-16 |theta| per step, so the
array fed tiny gradients (1e-6, where epsilon matters) starts at theta_0 = 0: its size is its distance moved.

Here nothing is rounded through float32, so Keras' defaults themselves (0.01, 0.9, 0.999, 1e-7), which
the Keras trajectory tests can only bound, are checked to float64 precision.
"""

import functools
from fractions import Fraction

import exact
import numpy as np
import pytest

from scratch import Dense, Network, optimizers

TOLERANCE = 1e-12
N_STEPS = 30
ARRAYS = {"unit": (2, 3), "tiny": (4,)}          # gradients of size ~1 and ~1e-6

# name -> (scratch class, keyword arguments for both scratch and the exact reference)
CASES = {
    "sgd": ("SGD", dict(learning_rate=0.01)),
    "sgd_momentum": ("SGD", dict(learning_rate=0.01, momentum=0.9)),
    "sgd_nesterov": ("SGD", dict(learning_rate=0.01, momentum=0.9, nesterov=True)),
    "rmsprop": ("RMSprop", dict()),
    "rmsprop_momentum": ("RMSprop", dict(momentum=0.9)),
    "adam": ("Adam", dict()),
    "adam_fast": ("Adam", dict(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-6)),
}
# Keras' options and schedules (issue 15). A learning_rate ("Name", {...}) is a schedule of that name, built
# from scratch.optimizers.schedules for scratch and from exact.SCHEDULES for the reference.
OPTION_CASES = {
    "sgd_weight_decay": ("SGD", dict(learning_rate=0.05, momentum=0.9, weight_decay=0.3)),
    "rmsprop_weight_decay": ("RMSprop", dict(learning_rate=0.01, weight_decay=0.5)),
    "adamw_defaults": ("AdamW", dict()),
    "sgd_clipnorm": ("SGD", dict(learning_rate=0.01, momentum=0.9, clipnorm=1.0)),
    "sgd_global_clipnorm": ("SGD", dict(learning_rate=0.01, global_clipnorm=1.0)),
    "sgd_clipvalue": ("SGD", dict(learning_rate=0.01, clipvalue=0.5)),
    "adam_amsgrad": ("Adam", dict(learning_rate=0.02, beta_2=0.8, amsgrad=True)),   # v falls now and then
    "adamw_amsgrad": ("AdamW", dict(learning_rate=0.02, beta_2=0.8, amsgrad=True, weight_decay=0.1)),
    "rmsprop_centered": ("RMSprop", dict(centered=True)),
    "rmsprop_centered_momentum": ("RMSprop", dict(momentum=0.9, centered=True)),
    "adagrad_defaults": ("Adagrad", dict()),
    "adagrad_options": ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=1e-6,
                                        weight_decay=0.05, clipnorm=0.5)),
    "sgd_exponential": ("SGD", dict(learning_rate=("ExponentialDecay", dict(
        initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5)), momentum=0.9)),
    "sgd_exponential_staircase": ("SGD", dict(learning_rate=("ExponentialDecay", dict(
        initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5, staircase=True)))),
    "rmsprop_inverse_time": ("RMSprop", dict(learning_rate=("InverseTimeDecay", dict(
        initial_learning_rate=0.01, decay_steps=5, decay_rate=0.5)))),
    "sgd_inverse_time_staircase": ("SGD", dict(learning_rate=("InverseTimeDecay", dict(
        initial_learning_rate=0.1, decay_steps=4, decay_rate=2.0, staircase=True)))),
    "sgd_piecewise": ("SGD", dict(learning_rate=("PiecewiseConstantDecay", dict(
        boundaries=[9, 19], values=[0.1, 0.03, 0.01])), momentum=0.5)),
    "adam_cosine": ("Adam", dict(learning_rate=("CosineDecay", dict(
        initial_learning_rate=0.01, decay_steps=20, alpha=0.1)))),
    "sgd_cosine_warmup_weight_decay": ("SGD", dict(learning_rate=("CosineDecay", dict(
        initial_learning_rate=0.01, decay_steps=15, alpha=0.05, warmup_target=0.1, warmup_steps=10)),
        weight_decay=0.2)),
}
ALL_CASES = {**CASES, **OPTION_CASES}
ROUND_TRIP = [*CASES, "adam_amsgrad", "rmsprop_centered_momentum", "adagrad_options", "sgd_cosine_warmup_weight_decay"]


def starting_weights() -> list[np.ndarray]:
    rng = np.random.default_rng(140)
    return [rng.normal(size=ARRAYS["unit"]), np.zeros(ARRAYS["tiny"])]


def gradient_sequence(n_steps: int = N_STEPS) -> list[list[np.ndarray]]:
    """A drift plus noise, so the parameters travel; drawn here, never computed by the code under test."""
    rng = np.random.default_rng(141)
    scale = {"unit": 1.0, "tiny": 1e-6}
    return [[scale[name] * (0.3 + rng.normal(size=shape)) for name, shape in ARRAYS.items()]
            for _ in range(n_steps)]


def make_optimizer(cls_name: str, kwargs: dict) -> optimizers.Optimizer:
    """The scratch optimizer of a case (its schedule, if any, from scratch.optimizers.schedules)."""
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("learning_rate"), tuple):
        name, arguments = kwargs["learning_rate"]
        kwargs["learning_rate"] = getattr(optimizers.schedules, name)(**arguments)
    return getattr(optimizers, cls_name)(**kwargs)


@functools.cache
def exact_trajectory(case: str, n_steps: int = N_STEPS):
    """exact.trajectory of a case from starting_weights() over the first n_steps of gradient_sequence(): the
    exact path and the rules (whose slots hold the state after n_steps). Computed once per module -- the
    optimizer test and the round trip walk the same 30 steps -- and only read."""
    cls_name, kwargs = ALL_CASES[case]
    return exact.trajectory(cls_name, kwargs, starting_weights(), gradient_sequence(n_steps))


def run_against_exact(opt, case, params=None, first_step=1):
    """Apply the case's gradients with `opt` and return the worst step-by-step error against the exact
    trajectory (from starting_weights(), or from `params` after first_step - 1 steps)."""
    cls_name, kwargs = ALL_CASES[case]
    theta_0, grads = starting_weights(), gradient_sequence()
    path, rules = exact_trajectory(case)
    params = [p.copy() for p in theta_0] if params is None else params
    moved = [Fraction(0)] * len(params)
    worst = 0.0
    for t in range(1, len(grads) + 1):
        for i, ref in enumerate(path[t]):
            moved[i] = max(moved[i], exact.distance(ref, path[0][i]))
        if t < first_step:
            continue
        opt.apply([g.copy() for g in grads[t - 1]], params)
        for i, (p, ref, name) in enumerate(zip(params, path[t], ARRAYS, strict=True)):
            err = exact.gap(p, ref, moved[i])
            assert err <= TOLERANCE, f"{cls_name}{kwargs}: {name} array, step {t}: {err:.2e} of the distance moved"
            worst = max(worst, err)
    return worst, rules


@pytest.mark.parametrize("case", ALL_CASES)
def test_optimizer_matches_exact_arithmetic_at_every_step(case):
    cls_name, kwargs = ALL_CASES[case]
    opt = make_optimizer(cls_name, kwargs)
    worst, _ = run_against_exact(opt, case)
    assert worst > 0 or cls_name == "SGD"        # float64 rounds somewhere (plain SGD may be exact)


@pytest.mark.parametrize("case", ROUND_TRIP)
def test_state_round_trip_through_npz_continues_on_the_exact_trajectory(case, tmp_path):
    """Stop after 12 steps, save the state as plain arrays, restore it into a new optimizer: the saved slots
    are the exact ones, and the resumed optimizer stays on the exact trajectory to the last step."""
    cls_name, kwargs = ALL_CASES[case]
    theta_0, grads = starting_weights(), gradient_sequence()
    first = make_optimizer(cls_name, kwargs)
    params = [p.copy() for p in theta_0]
    for g in grads[:12]:
        first.apply([gi.copy() for gi in g], params)
    np.savez(tmp_path / "opt.npz", allow_pickle=False, **first.get_state())   # arrays only, no objects
    with np.load(tmp_path / "opt.npz", allow_pickle=False) as f:
        state = dict(f)

    _, rules = exact_trajectory(case, 12)
    assert int(state["iterations"]) == 12
    for i, rule in enumerate(rules):
        for slot, values in rule.slots.items():
            if f"{slot}_{i}" in state or values:
                scale = max(abs(x) for x in values)
                assert exact.gap(state[f"{slot}_{i}"], values, scale) <= TOLERANCE, f"{slot}_{i} after 12 steps"

    resumed = make_optimizer(cls_name, kwargs)
    resumed.set_state(state)
    run_against_exact(resumed, case, params=params, first_step=13)
    assert resumed.iterations == N_STEPS


# --- a whole fit ---------------------------------------------------------------------------------------------
FITS = {   # name: ((hidden, output) activations, loss)
    "relu-linear-mse": (("relu", "linear"), "mse"),
    "relu-sigmoid-binary_crossentropy": (("relu", "sigmoid"), "binary_crossentropy"),  # the fused delta
}
M, BATCH, EPOCHS, ETA = 5, 2, 3, 0.5          # batches of 2, 2, 1: three SGD steps per epoch


@pytest.mark.parametrize("case", FITS)
def test_fit_matches_exact_arithmetic_epoch_by_epoch(case):
    fit_against_exact_arithmetic(case, shuffle_seed=None)


def test_shuffled_fit_matches_exact_arithmetic_on_the_seeds_permutations():
    """fit(shuffle=True, seed=s) takes epoch e's rows, x with its y, in the order of the e-th permutation a
    np.random.default_rng(s) draws: the exact fit is given those orders, drawn here (Keras' twin is the other
    witness, in test_training_parity.py)."""
    fit_against_exact_arithmetic("relu-sigmoid-binary_crossentropy", shuffle_seed=7)


def fit_against_exact_arithmetic(case: str, shuffle_seed: int | None) -> None:
    (hidden, output), loss = FITS[case]
    rng = np.random.default_rng(142)
    X = rng.integers(-8, 9, size=(M, 3)) / 8                                   # (5, 3) exact in binary
    Y = rng.integers(-8, 9, size=(M, 2)) / 8 if loss == "mse" else rng.integers(0, 2, size=(M, 2)).astype(float)
    net = Network([Dense(3, 4, hidden, seed=1), Dense(4, 2, output, seed=2)])
    # Glorot's draws rounded to sixteenths. One SGD step makes the new weights a polynomial of degree 3 in
    # the old ones, so exact weights triple in length per step: 53-bit starts took 40 s, 5-bit ones 1 s.
    net.set_weights([np.round(16 * w) / 16 for w in net.get_weights()])
    w_0 = net.get_weights()
    snapshots = []

    class Snapshot:
        def on_epoch_end(self, epoch, logs):
            snapshots.append(net.get_weights())

    history = net.fit(X, Y, loss=loss, optimizer=optimizers.SGD(learning_rate=ETA), epochs=EPOCHS,
                      batch_size=BATCH, shuffle=shuffle_seed is not None, seed=shuffle_seed, verbose=0,
                      callbacks=[Snapshot()]).history
    draws = np.random.default_rng(shuffle_seed)
    orders = None if shuffle_seed is None else [draws.permutation(M) for _ in range(EPOCHS)]   # (M,) per epoch
    losses, weights = exact.sgd_fit(w_0, (hidden, output), loss, X, Y, learning_rate=ETA, epochs=EPOCHS,
                                    batch_size=BATCH, orders=orders)
    for epoch in range(EPOCHS):
        L = losses[epoch]
        err = abs(Fraction(history["loss"][epoch]) - L) / L
        assert err <= TOLERANCE, f"{case}: epoch {epoch + 1} loss {history['loss'][epoch]!r} vs exact {float(L)!r}"
        for i, (w, ref, start) in enumerate(zip(snapshots[epoch], weights[epoch], w_0, strict=True)):
            ref_flat, start_flat = _flat(ref), exact.exact(start)
            err = exact.gap(w, ref_flat, exact.distance(ref_flat, start_flat))
            what = f"{'Wb'[i % 2]}_{i // 2 + 1}"
            assert err <= TOLERANCE, f"{case}: epoch {epoch + 1}, {what}: {err:.2e} of the distance moved"
    assert losses[-1] < losses[0]                                              # it learnt something


def _flat(rows):
    return [x for row in rows for x in row] if isinstance(rows[0], list) else list(rows)
