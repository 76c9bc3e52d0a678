"""Gradient descent on the tutorial's parabola y = (x - 2)^2, whose derivative is 2 (x - 2).

References: the tutorial's worked numbers, and the closed form of gradient descent on a parabola,
x_k = 2 + (x0 - 2) (1 - 2 eta)^k (each step scales the distance to the minimum by 1 - 2 eta).
"""

import numpy as np
import pytest

from scratch.gradient_descent import gradient_descent


def dy_dx(x):
    return 2 * (x - 2)


def test_tutorial_worked_numbers_from_x0_4():
    xs = gradient_descent(dy_dx, x0=4, learning_rate=0.01)
    # x1 = 4 - 0.01 * 2 * (4 - 2) = 3.96; x2 = 3.96 - 0.01 * 2 * 1.96 = 3.9208;
    # x3 = 3.9208 - 0.01 * 2 * 1.9208 = 3.882384 (the tutorial prints 3.96, 3.92, 3.88).
    assert xs[:4] == pytest.approx([4.0, 3.96, 3.9208, 3.882384], rel=1e-12, abs=0)


def test_tutorial_worked_numbers_from_x0_0():
    xs = gradient_descent(dy_dx, x0=0, learning_rate=0.01)
    # x1 = 0 + 0.01 * 2 * 2 = 0.04; x2 = 0.04 + 0.01 * 2 * 1.96 = 0.0792;
    # x3 = 0.0792 + 0.01 * 2 * 1.9208 = 0.117616 (the tutorial truncates to 0.04, 0.079, 0.117).
    assert xs[:4] == pytest.approx([0.0, 0.04, 0.0792, 0.117616], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("x0", [4.0, 0.0])
def test_tutorial_run_ends_within_a_thousandth_of_the_minimum_at_2(x0):
    xs = gradient_descent(dy_dx, x0=x0, learning_rate=0.01, precision=1e-6)
    assert abs(xs[-1] - 2) < 1e-3
    steps = np.abs(np.diff(xs))
    assert steps[-1] < 1e-6                  # stopped by the precision rule ...
    assert (steps[:-1] >= 1e-6).all()        # ... at the first step smaller than it,
    assert len(steps) < 10_000               # not by max_iters


@pytest.mark.parametrize("x0, eta", [(4.0, 0.01), (0.0, 0.01), (-3.0, 0.3), (10.0, 0.75), (5.0, 0.999)])
def test_iterates_match_closed_form_on_the_parabola(x0, eta):
    xs = gradient_descent(dy_dx, x0=x0, learning_rate=eta, precision=1e-9)
    k = np.arange(len(xs))
    expected = 2 + (x0 - 2) * (1 - 2 * eta) ** k
    np.testing.assert_allclose(xs, expected, rtol=1e-9, atol=1e-12)


def test_learning_rate_between_half_and_one_zigzags_around_the_minimum():
    xs = np.array(gradient_descent(dy_dx, x0=4, learning_rate=0.75))
    sides = np.sign(xs[:10] - 2)
    assert (sides == [1, -1, 1, -1, 1, -1, 1, -1, 1, -1]).all()
    assert abs(xs[-1] - 2) < 1e-5


def test_learning_rate_1_oscillates_between_4_and_0_until_max_iters():
    xs = gradient_descent(dy_dx, x0=4, learning_rate=1.0, max_iters=7)
    assert xs == [4.0, 0.0, 4.0, 0.0, 4.0, 0.0, 4.0, 0.0]   # max_iters steps, max_iters + 1 iterates


@pytest.mark.parametrize("eta", [1.5, 10.0])
def test_learning_rate_above_1_diverges_and_stops_at_the_bound(eta):
    xs = gradient_descent(dy_dx, x0=4, learning_rate=eta)   # any overflow warning would fail the test
    distance = np.abs(np.array(xs) - 2)
    assert (np.diff(distance) > 0).all()                    # every step moves further from 2
    assert abs(xs[-1]) > 1e150                              # stopped by the divergence bound ...
    assert (np.abs(xs[:-1]) <= 1e150).all()                 # ... the first time it was crossed
    assert len(xs) - 1 < 10_000


def test_slow_divergence_is_stopped_by_max_iters():
    # eta = 1.01: the distance to 2 grows by only 1.02 per step; 1e150 is ~17,000 steps away.
    xs = gradient_descent(dy_dx, x0=4, learning_rate=1.01, max_iters=10_000)
    assert len(xs) == 10_001
    assert abs(xs[-1] - 2) == pytest.approx(2 * 1.02**10_000, rel=1e-9)


def test_divergence_with_a_numpy_derivative_raises_no_overflow_warning():
    xs = gradient_descent(lambda x: np.float64(2.0) * (x - 2), x0=np.float64(4.0), learning_rate=1.5)
    assert abs(xs[-1]) > 1e150


def test_nan_derivative_stops_immediately_and_shows_the_nan():
    xs = gradient_descent(lambda x: float("nan"), x0=1.0)
    assert len(xs) == 2 and xs[0] == 1.0 and np.isnan(xs[1])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be > 0"),
        ({"learning_rate": -0.1}, ValueError, "learning_rate must be > 0"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate must be finite"),
        ({"learning_rate": "0.1"}, TypeError, "learning_rate must be a real number"),
        ({"precision": 0.0}, ValueError, "precision must be > 0"),
        ({"precision": -1e-6}, ValueError, "precision must be > 0"),
        ({"max_iters": 0}, ValueError, "max_iters must be >= 1"),
        ({"max_iters": 10.5}, TypeError, "max_iters must be an integer"),
        ({"max_iters": True}, TypeError, "max_iters must be an integer"),
        ({"x0": float("inf")}, ValueError, "x0 must be finite"),
        ({"x0": 10**400}, ValueError, "x0 must be finite"),
        ({"x0": [1.0, 2.0]}, TypeError, "x0 must be a real number"),
        ({"df": 3.0}, TypeError, "df must be a callable"),
        ({"df": lambda x: [x, x]}, TypeError, r"must return a real scalar"),
        ({"df": lambda x: "slope"}, TypeError, r"must return a real scalar"),
        # np.asarray(np.ma.masked) is 0.0: a masked slope once read as a flat spot, "converged" at x0
        ({"df": lambda x: np.ma.masked}, TypeError, r"^df\(4.0\) must return a real scalar, got a masked value"),
        ({"divergence_bound": 1.0}, ValueError, "divergence_bound must exceed"),
        # scratch's rule for masked arrays (scratch.checks.elementwise): masked entries are refused by name
        ({"x0": np.ma.array(4.0, mask=True)}, ValueError, r"^x0 is a masked array with 1 masked entry"),
        ({"x0": np.ma.masked}, ValueError, r"^x0 is a masked array with 1 masked entry"),
        ({"x0": np.ma.array([4.0, 1.0], mask=[False, True])}, ValueError, r"^x0 is a masked array with 1 masked entry "
                                                                          r"\(first at index \[1\]\)"),
        ({"x0": np.array([4.0, 1.0])}, TypeError, r"^x0 must be one real number, got an array of shape \(2,\)$"),
        ({"x0": np.zeros((3, 3))}, TypeError, r"^x0 must be one real number, got an array of shape \(3, 3\)$"),
        ({"x0": np.array("4")}, TypeError, r"^x0 must be a real number"),
        # a comparison, not a slope: True would be read as a slope of 1, False as a flat spot ("converged")
        ({"df": lambda x: x > 2}, TypeError, r"^df\(4.0\) must return a real scalar, got bool True at step 0: a "
                                             "comparison"),
        ({"df": lambda x: np.float64(x) < 2}, TypeError, r"^df\(4.0\) must return a real scalar, got bool False at "
                                                         "step 0"),
    ],
)
def test_bad_input_raises_a_clear_error(kwargs, error, match):
    args = {"df": dy_dx, "x0": 4.0} | kwargs
    with pytest.raises(error, match=match) as raised:
        gradient_descent(**args)
    assert "\n" not in str(raised.value)                    # one line (a masked array's repr takes three or four)


@pytest.mark.parametrize("x0", [np.ma.array(4.0), np.array(4.0), np.ma.array(4, mask=False)],
                         ids=["masked-nothing-masked", "0-d-array", "masked-int-nothing-masked"])
def test_x0_as_one_number_in_an_array_with_nothing_masked_is_that_number(x0):
    """The other half of the rule: nothing masked is its value; the tutorial's first steps from 4 (3.96, 3.9208)."""
    xs = gradient_descent(dy_dx, x0=x0, learning_rate=0.01, max_iters=2)
    assert xs == pytest.approx([4.0, 3.96, 3.9208], rel=1e-12, abs=0)
    assert all(type(x) is float for x in xs)


def test_a_derivative_returning_a_masked_array_with_nothing_masked_is_read_as_its_value():
    xs = gradient_descent(lambda x: np.ma.array(2 * (x - 2)), x0=4.0, learning_rate=0.01, max_iters=2)
    assert xs == pytest.approx([4.0, 3.96, 3.9208], rel=1e-12, abs=0)
