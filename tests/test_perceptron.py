"""The perceptron: hand-traced updates, the tutorial's data, XOR, Novikoff's bound, and scikit-learn.

References: updates traced by hand (numbers written below), exact rational arithmetic, the
Novikoff mistake bound, and scikit-learn's independent `Perceptron`.
"""

from fractions import Fraction

import numpy as np
import pytest
from sklearn.linear_model import Perceptron as SklearnPerceptron

from scratch.perceptron import Perceptron

# The tutorial's seven toy points and labels.
SEVEN_X = np.array([[0.8, 0.4], [0.3, 0.1], [0.8, 0.8], [0.4, 0.6], [0.6, 0.8], [0.4, 0.2], [0.4, 0.5]])
SEVEN_Y = np.array([0, 0, 1, 1, 1, 0, 1])

# XOR in the tutorial's order: f([0,1]) = 1, f([1,0]) = 1, f([1,1]) = 0, f([0,0]) = 0.
XOR_X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]])
XOR_Y = np.array([1, 1, 0, 0])


def separable_data(seed, m, n, margin):
    """m points in [-1, 1]^n labelled by a known unit vector u over the augmented x' = [x, 1].

    Points closer than `margin` to the plane u . x' = 0 are dropped, so the margin is >= margin.
    """
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=n)                                          # (n,)
    u = np.append(normal / np.linalg.norm(normal), rng.uniform(-0.3, 0.3))  # plane within 0.3 of 0
    u /= np.linalg.norm(u)                                               # (n + 1,) a unit vector
    X = rng.uniform(-1, 1, size=(20 * m, n))                             # (20 m, n)
    s = np.hstack([X, np.ones((len(X), 1))]) @ u                         # (20 m,)
    keep = np.abs(s) >= margin
    X, y = X[keep][:m], (s[keep][:m] > 0).astype(int)                    # (m, n), (m,)
    assert len(X) == m and 0 < y.sum() < m
    return X, y, u


def exact_perceptron(X, y, max_epochs=100, tie=0, stop_when_clean=True):
    """The tutorial's rule in exact rational arithmetic, w and b kept apart: a reference free of rounding.

    `tie` is what z = w.x + b = 0 predicts while training: 0 for scratch, 1 for the tutorial's snippet
    (`>= 0.0`), which also runs all its epochs (stop_when_clean=False)."""
    X = [[Fraction(str(v)) for v in row] for row in X.tolist()]
    w, b, errors = [Fraction(0)] * len(X[0]), Fraction(0), []
    for _ in range(max_epochs):
        errors.append(0)
        for x, target in zip(X, y.tolist(), strict=True):
            z = sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
            f = 1 if z > 0 or (z == 0 and tie == 1) else 0
            if f != target:
                w = [wi + (target - f) * xi for wi, xi in zip(w, x, strict=True)]
                b += target - f
                errors[-1] += 1
        if errors[-1] == 0 and stop_when_clean:
            break
    return w, b, errors


def test_the_workshops_two_point_table():
    """The workshop's table for w = (0, 1), b = -1:
         point     label  w.x  w.x + b  sign
         u = (0,2)   1     2      1      +
         v = (1,0)   0     0     -1      -
    """
    p = Perceptron()
    p.weights, p.bias = np.array([0.0, 1.0]), -1.0
    X = np.array([[0.0, 2.0], [1.0, 0.0]])
    np.testing.assert_array_equal(X @ p.weights, [2.0, 0.0])
    np.testing.assert_array_equal(p.decision_function(X), [1.0, -1.0])
    np.testing.assert_array_equal(p.predict(X), [1, 0])                # + -> label 1, - -> label 0


def test_the_tutorials_snippet_ends_at_w_minus_1_2_3_2_b_minus_1_with_ties_counted_as_1():
    """The snippet trains with `>= 0.0` (a tie predicts 1) for all 100 epochs from w = 0: it ends at
    w = (-1.2, 3.2), b = -1, after mistakes 4, 4, 4, 4, 2, 2, 3 and then none. Its line separates the seven
    points under scratch's `> 0` too (no point lies on it); scratch's own run, which counts a tie as 0,
    ends elsewhere: w = (0, 2.2), b = -1."""
    w, b, errors = exact_perceptron(SEVEN_X, SEVEN_Y, tie=1, stop_when_clean=False)
    assert (w, b) == ([Fraction(-6, 5), Fraction(16, 5)], -1)
    assert errors == [4, 4, 4, 4, 2, 2, 3] + [0] * 93
    p = Perceptron()
    p.weights, p.bias = np.array([-1.2, 3.2]), -1.0
    assert np.all(p.decision_function(SEVEN_X) != 0)
    np.testing.assert_array_equal(p.predict(SEVEN_X), SEVEN_Y)
    ours = Perceptron(learning_rate=1.0).fit(SEVEN_X, SEVEN_Y)
    np.testing.assert_allclose(ours.weights, [0.0, 2.2], rtol=0, atol=1e-12)
    assert ours.bias == -1.0


def test_the_lessons_run_on_the_seven_points_epoch_by_epoch():
    """Ties predict 0, eta = 1, w' = (w, b) from 0. Epoch 1, by hand:
         (0.8, 0.4) -> 0: z = 0, a tie, 0: right          (0.3, 0.1) -> 0: z = 0: right
         (0.8, 0.8) -> 1: z = 0 -> 0: mistake, w' = (0.8, 0.8, 1)
         (0.4, 0.6) -> 1: z = 0.32 + 0.48 + 1 > 0: right   (0.6, 0.8) -> 1: z > 0: right
         (0.4, 0.2) -> 0: z = 0.32 + 0.16 + 1 > 0 -> 1: mistake, w' = (0.4, 0.6, 0)
         (0.4, 0.5) -> 1: z = 0.16 + 0.3 > 0: right                                   2 mistakes
       then 4, 4 and 3 mistakes, and a clean fifth epoch, with w' after each epoch
       (0.4, 0.6, 0), (0.4, 1.3, 0), (0.4, 2, 0), (0, 2.2, -1), (0, 2.2, -1)."""
    p = Perceptron(learning_rate=1.0).fit(SEVEN_X, SEVEN_Y)
    assert p.errors_per_epoch == [2, 4, 4, 3, 0] and p.converged
    states = [[*w, b] for w, b in p.history_]
    expected = [[0, 0, 0], [0.4, 0.6, 0], [0.4, 1.3, 0], [0.4, 2.0, 0], [0.0, 2.2, -1], [0.0, 2.2, -1]]
    np.testing.assert_allclose(states, expected, rtol=0, atol=1e-12)


def test_two_point_exercise_hand_traced():
    # u = (0, 2) -> 1, v = (1, 0) -> 0; augmented u' = (0, 2, 1), v' = (1, 0, 1); eta = 1, w' = 0.
    # epoch 1: u: w'.u' = 0, a tie -> predicts 0, label 1: mistake, w' = 0 + u'        = (0, 2, 1)
    #          v: w'.v' = 0 + 0 + 1 = 1 > 0 -> 1, label 0: mistake, w' = (0,2,1) - v' = (-1, 2, 0)
    # epoch 2: u: w'.u' = 4 > 0 -> 1 correct;  v: w'.v' = -1 -> 0 correct.  No mistake: converged.
    p = Perceptron(learning_rate=1.0).fit([[0, 2], [1, 0]], [1, 0])
    assert p.converged and p.errors_per_epoch == [2, 0]
    np.testing.assert_array_equal(p.weights, [-1.0, 2.0])
    assert p.bias == 0.0
    np.testing.assert_array_equal(p.predict([[0, 2], [1, 0]]), [1, 0])
    assert repr(p).endswith("converged: no mistakes in epoch 2")


def test_one_feature_hand_traced_ends_on_a_tie_that_predicts_0():
    # x = 2 -> 1, x = 1 -> 0; augmented (2, 1) and (1, 1); eta = 1; w' = (w, b) starts at (0, 0).
    # epoch 1: (2,1): 0 tie -> 0, mistake, w' = (2, 1);   (1,1): 3 > 0 -> 1, mistake, w' = (1, 0)
    # epoch 2: (2,1): 2 -> 1 ok;                          (1,1): 1 > 0 -> 1, mistake, w' = (0, -1)
    # epoch 3: (2,1): -1 -> 0, mistake, w' = (2, 0);      (1,1): 2 > 0 -> 1, mistake, w' = (1, -1)
    # epoch 4: (2,1): 1 -> 1 ok;                          (1,1): 1 - 1 = 0, a tie -> 0 ok.  Converged,
    # with x = 1 exactly on the boundary: under a ">= 0 predicts 1" rule epoch 4 would not be clean.
    p = Perceptron(learning_rate=1.0).fit([[2.0], [1.0]], [1, 0])
    assert p.errors_per_epoch == [2, 1, 2, 0] and p.converged
    history = [(w.tolist(), b) for w, b in p.history_]
    assert history == [([0.0], 0.0), ([1.0], 0.0), ([0.0], -1.0), ([1.0], -1.0), ([1.0], -1.0)]
    assert p.weights.tolist() == [1.0] and p.bias == -1.0
    np.testing.assert_array_equal(p.predict([[2.0], [1.0], [1.0 + 1e-9]]), [1, 0, 1])


def test_converges_on_the_tutorials_seven_points_as_in_exact_arithmetic():
    p = Perceptron(learning_rate=1.0).fit(SEVEN_X, SEVEN_Y)
    w, b, errors = exact_perceptron(SEVEN_X, SEVEN_Y)
    assert p.converged and p.errors_per_epoch == errors and errors[-1] == 0
    np.testing.assert_allclose(p.weights, [float(wi) for wi in w], rtol=0, atol=1e-12)
    assert p.bias == pytest.approx(float(b), abs=1e-12)
    np.testing.assert_array_equal(p.predict(SEVEN_X), SEVEN_Y)
    assert len(p.history_) == len(p.errors_per_epoch) + 1


def test_does_not_converge_on_xor_and_says_so():
    p = Perceptron(learning_rate=1.0, max_epochs=50).fit(XOR_X, XOR_Y)
    assert p.converged is False
    assert len(p.errors_per_epoch) == 50 and min(p.errors_per_epoch) > 0
    assert (p.predict(XOR_X) != XOR_Y).any()
    assert "NOT converged" in repr(p) and "epoch 50 of 50" in repr(p)


@pytest.mark.parametrize("seed, n, margin", [(0, 2, 0.05), (1, 2, 0.2), (2, 5, 0.1), (3, 10, 0.1)])
def test_total_mistakes_respect_the_novikoff_bound(seed, n, margin):
    X, y, u = separable_data(seed, m=200, n=n, margin=margin)
    X_aug = np.hstack([X, np.ones((len(X), 1))])                         # (m, n + 1)
    R = np.linalg.norm(X_aug, axis=1).max()
    gamma = ((2 * y - 1) * (X_aug @ u)).min()                            # margin of the unit vector u
    bound = (R / gamma) ** 2
    p = Perceptron(learning_rate=1.0, max_epochs=int(bound) + 2).fit(X, y)
    assert p.converged
    assert sum(p.errors_per_epoch) <= bound


@pytest.mark.parametrize("data", ["seven points", "random"])
def test_from_zero_start_learning_rate_only_scales_the_weights(data):
    if data == "seven points":
        X, y = SEVEN_X, SEVEN_Y
    else:
        X, y, _ = separable_data(seed=4, m=100, n=3, margin=0.05)
    grid = np.random.default_rng(5).uniform(-1, 1, size=(500, X.shape[1]))
    reference = Perceptron(learning_rate=1.0).fit(X, y)
    for eta in (0.1, 7.0):
        p = Perceptron(learning_rate=eta).fit(X, y)
        assert p.errors_per_epoch == reference.errors_per_epoch
        np.testing.assert_allclose(p.weights / eta, reference.weights, rtol=1e-12, atol=1e-12)
        assert p.bias / eta == pytest.approx(reference.bias, rel=1e-12, abs=1e-12)
        np.testing.assert_array_equal(p.predict(grid), reference.predict(grid))


# scikit-learn's Perceptron is SGD on the loss max(0, -y z) with y in {-1, +1} (class 1 -> +1),
# z = w.x + b, a constant step eta0, no penalty, no averaging: on y z <= 0 it does w += eta0 y x,
# b += eta0 y. Ours updates with (y - f) = +1 on a missed 1 (z <= 0) and -1 on a missed 0 (z > 0).
# The only difference is a tie z = 0 on a label-0 point: sklearn counts it as a mistake, we do not.
# From w = 0 the first point is always a tie, so the data below puts a label-1 point first (both
# update identically); after that z = 0 exactly has probability zero on continuous random data.
# With shuffle=False sklearn visits the points in order, one epoch per partial_fit call (and for exactly
# max_iter epochs in fit with tol=None), and after a clean epoch neither implementation changes, so the
# weights must agree epoch for epoch: ours as history_ records them, sklearn's after each partial_fit.
@pytest.mark.parametrize("noisy", [False, True], ids=["separable", "noisy labels"])
@pytest.mark.parametrize("epochs", [1, 3, 50])
@pytest.mark.parametrize("eta", [1.0, 0.3])
def test_matches_sklearn_perceptron_epoch_by_epoch(noisy, epochs, eta):
    X, y, _ = separable_data(seed=6, m=150, n=4, margin=0.01)
    if noisy:
        flip = np.random.default_rng(7).random(len(y)) < 0.1
        y = np.where(flip, 1 - y, y)
    first_positive = np.flatnonzero(y == 1)[0]
    order = np.r_[first_positive, np.delete(np.arange(len(y)), first_positive)]
    X, y = X[order], y[order]

    ours = Perceptron(learning_rate=eta, max_epochs=epochs).fit(X, y)
    theirs = SklearnPerceptron(eta0=eta, shuffle=False, penalty=None, fit_intercept=True, tol=None,
                               max_iter=epochs).fit(X, y)
    np.testing.assert_allclose(ours.weights, theirs.coef_[0], rtol=1e-12, atol=1e-12)
    assert ours.bias == pytest.approx(theirs.intercept_[0], rel=1e-12, abs=1e-12)
    grid = np.random.default_rng(8).uniform(-1, 1, size=(500, X.shape[1]))
    np.testing.assert_array_equal(ours.predict(grid), theirs.predict(grid))
    # every epoch on the way: history_[e] (after epoch e; it stops after a clean one) against sklearn's e-th epoch
    stepwise = SklearnPerceptron(eta0=eta, shuffle=False, penalty=None, fit_intercept=True)
    for epoch, (w, b) in enumerate(ours.history_[1:], start=1):
        stepwise.partial_fit(X, y, classes=[0, 1])
        np.testing.assert_allclose(w, stepwise.coef_[0], rtol=1e-12, atol=1e-12, err_msg=f"epoch {epoch}")
        assert b == pytest.approx(stepwise.intercept_[0], rel=1e-12, abs=1e-12), f"epoch {epoch}"


def test_refitting_starts_again_from_zero():
    p = Perceptron(max_epochs=10).fit(XOR_X, XOR_Y)
    p.fit([[0, 2], [1, 0]], [1, 0])
    assert p.converged and p.errors_per_epoch == [2, 0] and len(p.history_) == 3


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        ([[0, 2], [1, 0]], [1, 2], ValueError, r"only 0 and 1, found \[2\]"),
        ([[0, 2], [1, 0]], [1, -1], ValueError, r"only 0 and 1, found \[-1\]"),
        ([[0, 2], [1, 0]], [0.5, 1], ValueError, r"found \[0.5\]"),
        ([[0, 2], [1, 0]], [np.nan, 1], ValueError, r"found \[nan\]"),
        ([[0, 2], [1, 0]], ["a", "b"], TypeError, "y must hold the numbers 0 and 1"),
        ([[0, 2], [1, 0]], [1, 0, 1], ValueError, r"y must have shape \(2,\) to match X \(2, 2\)"),
        ([[0, 2], [1, 0]], [[1], [0]], ValueError, r"y must have shape \(2,\).*got \(2, 1\)"),
        ([0, 2, 1], [1, 0, 1], ValueError, r"X must be 2-D .* got shape \(3,\)"),
        ([[0, np.inf], [1, 0]], [1, 0], ValueError, r"X contains NaN or inf \(first at index \[0, 1\]\)"),
        ([["a", "b"], ["c", "d"]], [1, 0], TypeError, "X must be numeric"),
        (np.zeros((0, 2)), [], ValueError, "at least one sample"),
        ([[0, 2], [1]], [1, 0], TypeError, "X must be a numeric array"),
    ],
)
def test_bad_training_data_raises_a_clear_error(X, y, error, match):
    with pytest.raises(error, match=match):
        Perceptron().fit(X, y)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be a finite number > 0"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate must be a finite number > 0"),
        ({"learning_rate": float("inf")}, ValueError, "learning_rate must be a finite number > 0"),
        ({"learning_rate": 10**400}, ValueError, "learning_rate must be a finite number > 0"),
        ({"learning_rate": "1"}, TypeError, "learning_rate must be a real number"),
        ({"max_epochs": 0}, ValueError, "max_epochs must be >= 1"),
        ({"max_epochs": 2.5}, TypeError, "max_epochs must be an integer"),
    ],
)
def test_bad_hyperparameters_raise_a_clear_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        Perceptron(**kwargs)


def test_predict_before_fit_and_with_wrong_feature_count_raise():
    with pytest.raises(ValueError, match="not fitted yet"):
        Perceptron().predict([[0.0, 1.0]])
    p = Perceptron().fit(SEVEN_X, SEVEN_Y)
    with pytest.raises(ValueError, match="X has 3 features, but the perceptron was fitted on 2"):
        p.predict([[0.0, 1.0, 2.0]])
