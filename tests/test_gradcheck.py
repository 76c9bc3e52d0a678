"""The measuring instruments themselves: relative_gap, relative_error, vector_relative_error and
numerical_gradient on inputs whose answers are known by hand (every parity test trusts them)."""

import math
import re

import numpy as np
import pytest

from scratch.agreement import relative_error, relative_gap, vector_relative_error
from scratch.gradcheck import numerical_gradient, numerical_input_gradient


@pytest.mark.parametrize("actual, expected, gap", [
    ([1.0, 2.0, 3.0], [1.0, 2.5, 2.0], 1.0 / 2.5),        # largest difference 1 (last entry), scale 2.5
    ([[2.0]], [[1.0]], 1.0),
    ([[1.0]], [[2.0]], 0.5),                                # measured against the reference: not symmetric
    ([-4.0, 0.0], [-8.0, 0.0], 0.5),                        # magnitudes, whatever the sign
    ([1e-18, 1.0], [0.0, 1.0], 1e-18),                      # a rounding crumb next to 1 is not "100% off"
    ([3.0, 3.0], [3.0, 3.0], 0.0),
    ([0.0], [0.0], 0.0),
    ([1e-3], [0.0], 1e-3 / 1e-300),                         # an all-zero reference: the scale floor is 1e-300
])
def test_relative_gap_by_hand(actual, expected, gap):
    assert relative_gap(actual, expected) == pytest.approx(gap, rel=1e-15)


def test_relative_gap_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"relative_gap needs equal shapes, got \(2,\) and \(3,\)"):
        relative_gap(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize("a, b, error", [
    ([1.0], [3.0], 2.0 / 4.0),                              # |a - b| / (|a| + |b|)
    ([1.0, 5.0], [1.0, -5.0], 1.0),                         # opposite signs: 10 / 10
    ([2.0, 1.0], [2.0, 1.5], 0.5 / 2.5),                    # the worst entry
    ([0.0], [0.0], 0.0),
    ([1e-13], [0.0], 1e-13 / 1e-12),                        # below eps = 1e-12 the denominator is eps
])
def test_relative_error_by_hand(a, b, error):
    assert relative_error(a, b) == pytest.approx(error, rel=1e-15)


@pytest.mark.parametrize("a, b, error", [
    ([3.0, 4.0], [0.0, 0.0], 5.0 / 5.0),                    # ||a - b|| / (||a|| + ||b||)
    ([1.0, 0.0], [0.0, 1.0], math.sqrt(2) / 2),
    ([3.0, 4.0], [3.0, 4.5], 0.5 / (5.0 + math.hypot(3.0, 4.5))),
    ([3e300, 4e300], [3e300, 4.5e300], 0.5 / (5.0 + math.hypot(3.0, 4.5))),   # squares beyond float64: was nan
])
def test_vector_relative_error_by_hand(a, b, error):
    assert vector_relative_error(a, b) == pytest.approx(error, rel=1e-15)


def test_vector_relative_error_keeps_an_eps_above_the_norms_as_the_denominator():
    # ||a - b|| = 5 over max(eps = 10, ||a|| + ||b|| = 5): the entries' scaling (by max |entry| = 4) must not change it
    assert vector_relative_error([3.0, 4.0], [0.0, 0.0], eps=10.0) == pytest.approx(5.0 / 10.0, rel=1e-15)


def test_central_difference_of_a_cubic_is_the_derivative_plus_h_squared():
    """(f(x+h) - f(x-h)) / (2h) for f = sum x^3 is exactly 3x^2 + h^2 (the Taylor series stops there):
    with h = 1/4 every entry is known, exactly, and the x's are put back."""
    x = np.array([[-1.5, 0.0], [0.5, 2.0]])
    original = x.copy()
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x, h=0.25)
    np.testing.assert_array_equal(grad, 3 * original**2 + 0.25**2)
    np.testing.assert_array_equal(x, original)


def test_central_difference_is_exact_on_a_quadratic_form():
    """f(x) = x.A x + c.x has gradient (A + A^T) x + c, and central differences are exact on a quadratic."""
    A = np.array([[2.0, 1.0, 0.0], [-1.0, 0.5, 3.0], [0.0, 0.0, -2.0]])
    c = np.array([1.0, -2.0, 0.5])
    x = np.array([0.25, -1.0, 2.0])
    grad = numerical_input_gradient(lambda v: float(v @ A @ v + c @ v), x, h=2.0**-10)
    np.testing.assert_allclose(grad, (A + A.T) @ x + c, rtol=0, atol=1e-12)


def test_central_difference_of_sine_is_cosine_to_h_squared():
    z = np.linspace(-3, 3, 13)
    grad = numerical_input_gradient(lambda v: float(np.sum(np.sin(v))), z, h=1e-5)
    np.testing.assert_allclose(grad, np.cos(z), rtol=0, atol=1e-9)     # error h^2/6 |cos| + rounding


@pytest.mark.parametrize("dtype", ["int64", "float32", "float16"])
def test_numerical_gradient_needs_a_float64_array(dtype):
    """float32 differences are noise: a float32 network's gradients came out 4-10% off a correct backprop."""
    with pytest.raises(TypeError, match=f"^numerical_gradient needs a float64 array, got {dtype}: "):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=dtype))


def test_numerical_gradient_of_a_list_is_named():
    """A list raised "AttributeError: 'list' object has no attribute 'dtype'"."""
    with pytest.raises(TypeError, match="^numerical_gradient needs a float64 array, got list: "):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])


def test_a_function_that_is_not_finite_beside_x_is_refused_not_a_nan_slope():
    """sqrt(x) at x = 0: x - h is negative, so f is nan there, and the slope came out nan without a word."""
    x = np.array([4.0, 0.0])
    with pytest.raises(ValueError, match=r"^f\(\) is nan near x\[1\] = 0: a finite difference needs finite values "):
        with np.errstate(invalid="ignore"):
            numerical_gradient(lambda: float(np.sum(np.sqrt(x))), x)


@pytest.mark.parametrize("x0, step", [(1e10, "3.8e-06"), (1e12, "0")])
def test_a_step_h_that_x_cannot_take_is_refused_not_a_wrong_slope(x0, step):
    """float64 numbers are 1.9e-6 apart at 1e10 and 1.2e-4 at 1e12: x +- 1e-6 rounds to 2 steps apart, or to x
    itself, and the slope of 3x came out 5.7 (divided by 2h where x moved 3.8e-6) or 0."""
    x = np.array([x0])
    message = (rf"^h = 1e-06 is too small for x\[0\] = {re.escape(f'{x0:g}')}: float64 numbers there are .* apart, "
               rf"so x - h and x \+ h are {step} apart, not 2h")
    with pytest.raises(ValueError, match=message):
        numerical_gradient(lambda: float(3 * x[0]), x)
    x = np.array([1e6])                              # x +- h exact: the slope is 3 to the rounding of f = 3e6
    assert numerical_gradient(lambda: float(3 * x[0]), x)[0] == pytest.approx(3, rel=1e-3)
