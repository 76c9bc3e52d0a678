"""What each optimizer option and schedule does, by hand, and what it refuses -- no TensorFlow here.

Known values worked out on paper (a 3-4-5 triangle for the norms, halvings for the schedules), the step at
which a schedule is read (the count BEFORE the step, as Keras), a test per option that it moves the
trajectory (so an implementation that ignores the option cannot pass), and the bad input each refuses
with a message that names the argument. Keras parity: test_optimizer_options.py; exact arithmetic:
test_exact_arithmetic.py.
"""

import math

import numpy as np
import pytest

from scratch import optimizers
from scratch.optimizers import clipping, schedules

# ---- clipping by hand ----------------------------------------------------------------------------------------


def test_clipnorm_rescales_each_array_to_norm_c_and_leaves_a_shorter_one():
    long, short = np.array([3.0, 4.0]), np.array([0.3, 0.4])            # norms 5 and 0.5
    out = clipping.clip([long, short], clipnorm=1.0)
    np.testing.assert_allclose(out[0], [0.6, 0.8], rtol=1e-15)
    np.testing.assert_allclose(out[1], [0.3, 0.4], rtol=1e-15)
    assert out[0] is not long and long.tolist() == [3.0, 4.0]           # the caller's gradient is untouched


def test_global_clipnorm_scales_every_array_by_the_norm_of_all():
    grads = [np.array([3.0, 4.0]), np.array([0.0, 12.0])]              # N = sqrt(25 + 144) = 13
    out = clipping.clip(grads, global_clipnorm=6.5)                     # scale 6.5 / 13 = 0.5
    np.testing.assert_allclose(out[0], [1.5, 2.0], rtol=1e-15)
    np.testing.assert_allclose(out[1], [0.0, 6.0], rtol=1e-15)
    np.testing.assert_allclose(clipping.clip(grads, global_clipnorm=26.0)[1], [0.0, 12.0], rtol=1e-15)
    zeros = clipping.clip([np.zeros(2)], global_clipnorm=1.0)[0]        # N = 0: no division by zero
    assert zeros.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("option", ["clipnorm", "global_clipnorm"])
def test_clipping_a_gradient_whose_square_overflows_still_gives_norm_c_not_a_zero_step(option):
    """[1e200, -1e200]: the sum of squares 2e400 overflows to inf, and c / inf = 0 would silently zero the step
    (it does in Keras). Its norm is sqrt(2) * 1e200, so clipped to norm 1 it is [1, -1] / sqrt(2)."""
    with np.errstate(all="raise"):                                      # no overflow warning either
        out = clipping.clip([np.array([1e200, -1e200])], **{option: 1.0})[0]
    np.testing.assert_allclose(out, [1 / math.sqrt(2), -1 / math.sqrt(2)], rtol=1e-15)
    theta = np.zeros(2)
    optimizers.SGD(1.0, **{option: 1.0}).apply([np.array([1e200, -1e200])], [theta])
    np.testing.assert_allclose(theta, [-1 / math.sqrt(2), 1 / math.sqrt(2)], rtol=1e-15)


def test_global_clipnorm_of_an_overflowing_gradient_beside_an_empty_one():
    """The overflow-free norm took max |g| of every array: an empty one raised NumPy's "zero-size array to
    reduction operation maximum which has no identity" from inside apply."""
    with np.errstate(all="raise"):
        out = clipping.clip([np.array([1e200, -1e200]), np.zeros((0, 2))], global_clipnorm=1.0)
    np.testing.assert_allclose(out[0], [1 / math.sqrt(2), -1 / math.sqrt(2)], rtol=1e-15)
    assert out[1].shape == (0, 2)


@pytest.mark.parametrize("option", ["clipnorm", "global_clipnorm"])
def test_clipping_float32_gradients_near_1e20_and_beyond_the_float32_range_gives_norm_c(option):
    """float32 squares overflow from |g| ~ 1.8e19; and [3e38, 3e38] has a norm (4.2e38) float32 cannot hold at all."""
    for g in ([1e20, -1e20], [3e38, 3e38]):
        with np.errstate(all="raise"):
            out = clipping.clip([np.array(g, dtype=np.float32)], **{option: 2.0})[0]
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, 2.0 * np.sign(g) / math.sqrt(2), rtol=1e-6)


@pytest.mark.parametrize("rule, options", [
    (optimizers.Adam, {}), (optimizers.RMSprop, {}), (optimizers.Adagrad, {}),
    (optimizers.RMSprop, {"centered": True}), (optimizers.Adam, {"amsgrad": True})])
@pytest.mark.parametrize("dtype, g", [("float64", 1e155), ("float32", 1e20)])
def test_a_gradient_whose_square_overflows_is_refused_by_the_rules_that_square_it(rule, options, dtype, g):
    """g * g = inf made the second moment inf: the step was silently 0 (RMSprop, Adagrad), or the weights NaN a
    step later (Adam, centered RMSprop: inf - inf), as in Keras. Nothing is updated -- not the array before the one
    that overflows, nor the step count; clipping first cures it."""
    theta, grad = np.ones(2, dtype=dtype), np.array([0.5, -g], dtype=dtype)
    before, healthy = np.full(3, 2.0, dtype=dtype), np.full(3, 0.5, dtype=dtype)   # a layer's W, then its b
    refused = rule(**options)
    with pytest.raises(FloatingPointError, match=r"^grads\[1\] holds -?1e\+(155|20), and \w+ squares the gradients"):
        refused.apply([healthy, grad], [before, theta])
    assert before.tolist() == [2.0, 2.0, 2.0] and theta.tolist() == [1.0, 1.0] and refused.iterations == 0
    clipped = rule(clipnorm=1.0, **options)
    with np.errstate(over="raise", invalid="raise"):
        for _ in range(2):
            clipped.apply([grad], [theta])
    assert np.isfinite(theta).all() and theta[1] > 1


def test_clipvalue_clips_each_number_on_both_sides():
    out = clipping.clip([np.array([-2.0, 0.3, 5.0, -0.7])], clipvalue=1.0)[0]
    assert out.tolist() == [-1.0, 0.3, 1.0, -0.7]


def test_weight_decay_shrinks_the_weights_by_decay_times_rate_before_the_step():
    theta = np.array([2.0, -4.0])
    optimizers.SGD(learning_rate=0.5, weight_decay=0.25).apply([np.array([0.0, 1.0])], [theta])
    assert theta.tolist() == [2.0 - 2.0 * 0.25 * 0.5, -4.0 + 4.0 * 0.25 * 0.5 - 0.5 * 1.0]   # 1.75, -3.0


def test_centered_rmsprop_divides_by_the_standard_deviation():
    """rho = 0.5, g = 2, epsilon = 1e-300 (it vanishes beside s; 0 itself is refused): s = 0.5 * 4 = 2 and
    a = 0.5 * 2 = 1, so the step is eta * 2 / sqrt(2 - 1) = 2 eta centred, and eta * 2 / sqrt(2) uncentred."""
    centred, plain = np.zeros(1), np.zeros(1)
    optimizers.RMSprop(0.25, rho=0.5, epsilon=1e-300, centered=True).apply([np.array([2.0])], [centred])
    optimizers.RMSprop(0.25, rho=0.5, epsilon=1e-300).apply([np.array([2.0])], [plain])
    assert centred.tolist() == [-0.5] and plain[0] == pytest.approx(-0.25 * math.sqrt(2), rel=1e-15)


def test_centered_rmsprop_keeps_float32_weights_finite_under_a_steady_gradient():
    """A constant gradient makes the variance s - a^2 tend to 0; in float32 rounding takes it below -epsilon
    (g = 1.497875: at step 132), and sqrt(s - a^2 + epsilon) made the weight NaN, silently -- as Keras does."""
    theta, g = np.zeros(1, dtype=np.float32), np.array([1.497875], dtype=np.float32)
    opt = optimizers.RMSprop(centered=True)
    with np.errstate(all="raise"):                                      # no invalid-value warning either
        for _ in range(150):
            opt.apply([g], [theta])
    assert np.isfinite(theta).all() and theta[0] < 0


def test_amsgrad_divides_by_the_largest_second_moment_so_far():
    """beta_1 = 0, beta_2 = 0.5: v = 0.5 * 4 = 2 after g = 2, then v = 0.5 * 2 + 0 = 1 after g = 0 ... so at
    the third step (g = 1) v = 0.5 + 0.5 = 1 while v_hat stays 2: the step is alpha / sqrt(2), not alpha.
    (epsilon = 1e-300 vanishes beside sqrt(v); 0 itself is refused.)"""
    ams, plain = np.zeros(1), np.zeros(1)
    ams_opt = optimizers.Adam(1.0, beta_1=0.0, beta_2=0.5, epsilon=1e-300, amsgrad=True)
    plain_opt = optimizers.Adam(1.0, beta_1=0.0, beta_2=0.5, epsilon=1e-300)
    for g in (2.0, 0.0):
        ams_opt.apply([np.array([g])], [ams])
        plain_opt.apply([np.array([g])], [plain])
    before = ams[0], plain[0]
    ams_opt.apply([np.array([1.0])], [ams])
    plain_opt.apply([np.array([1.0])], [plain])
    alpha = math.sqrt(1 - 0.5**3)                                       # eta sqrt(1 - b2^t) / (1 - b1^t), t = 3
    assert before[0] - ams[0] == pytest.approx(alpha / math.sqrt(2), rel=1e-15)
    assert before[1] - plain[0] == pytest.approx(alpha, rel=1e-15)


# ---- schedules by hand -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("schedule, rates", [
    (schedules.ExponentialDecay(1.0, decay_steps=2, decay_rate=0.25), [1.0, 0.5, 0.25, 0.125]),
    (schedules.ExponentialDecay(1.0, decay_steps=2, decay_rate=0.25, staircase=True), [1.0, 1.0, 0.25, 0.25]),
    (schedules.InverseTimeDecay(1.0, decay_steps=1, decay_rate=2.0), [1.0, 1 / 3, 1 / 5, 1 / 7]),
    (schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=2.0, staircase=True), [1.0, 1.0, 1 / 3, 1 / 3]),
    (schedules.PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.1]), [1.0, 1.0, 1.0, 0.5, 0.5, 0.1, 0.1]),
    (schedules.CosineDecay(1.0, decay_steps=4, alpha=0.2), [1.0, 0.2 + 0.8 * (1 + math.sqrt(0.5)) / 2, 0.6,
                                                             0.2 + 0.8 * (1 - math.sqrt(0.5)) / 2, 0.2, 0.2]),
    (schedules.CosineDecay(0.1, decay_steps=2, warmup_target=1.0, warmup_steps=3), [0.1, 0.4, 0.7, 1.0, 0.5, 0.0,
                                                                                    0.0]),
], ids=["exponential", "exponential-staircase", "inverse-time", "inverse-time-staircase", "piecewise", "cosine",
        "cosine-warmup"])
def test_schedule_gives_the_rates_worked_out_by_hand(schedule, rates):
    np.testing.assert_allclose([schedule(step) for step in range(len(rates))], rates, rtol=1e-15, atol=1e-17)


def test_a_schedule_is_read_at_the_step_count_before_the_step():
    """Step 1 uses schedule(0), step 2 schedule(1): with rates 1 then 0.5 and g = 1, theta goes 0, -1, -1.5."""
    opt = optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay([0], [1.0, 0.5]))
    theta = np.zeros(1)
    assert opt.current_learning_rate() == 1.0
    opt.apply([np.ones(1)], [theta])
    assert theta.tolist() == [-1.0] and opt.current_learning_rate() == 0.5
    opt.apply([np.ones(1)], [theta])
    assert theta.tolist() == [-1.5]


def test_serialize_and_get_round_trip_every_schedule():
    for schedule in (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), schedules.InverseTimeDecay(0.1, 5, 2.0),
                     schedules.PiecewiseConstantDecay([3, 7], [0.1, 0.05, 0.01]),
                     schedules.CosineDecay(0.0, 100, alpha=0.1, warmup_target=0.1, warmup_steps=10)):
        again = schedules.get(schedules.serialize(schedule))
        assert again == schedule and again is not schedule
        assert [again(s) for s in range(120)] == [schedule(s) for s in range(120)]


# ---- every option moves the trajectory ---------------------------------------------------------------------
def trajectory(opt, n_steps=40):
    rng = np.random.default_rng(7)
    params = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    path = []
    for _ in range(n_steps):
        grads = [rng.normal(size=(3, 4)) + 0.5, 1e-6 * (rng.normal(size=4) + 0.5)]
        opt.apply(grads, params)
        path.append([p.copy() for p in params])
    return [np.stack(steps) for steps in zip(*path, strict=True)]


def cosine():
    return schedules.CosineDecay(0.01, decay_steps=30, alpha=0.1)


# option -> (with it, without it, the arrays it must move: 0 = gradients ~1, 1 = gradients ~1e-6)
EFFECTS = {
    "weight_decay": (lambda: optimizers.SGD(0.01, weight_decay=0.25), lambda: optimizers.SGD(0.01), (0, 1)),
    "clipnorm": (lambda: optimizers.SGD(0.01, clipnorm=1.0), lambda: optimizers.SGD(0.01), (0,)),
    "global_clipnorm": (lambda: optimizers.SGD(0.01, global_clipnorm=1.0), lambda: optimizers.SGD(0.01), (0, 1)),
    "clipvalue": (lambda: optimizers.SGD(0.01, clipvalue=0.5), lambda: optimizers.SGD(0.01), (0,)),
    "amsgrad": (lambda: optimizers.Adam(0.01, beta_2=0.8, amsgrad=True), lambda: optimizers.Adam(0.01, beta_2=0.8),
                (0, 1)),
    "centered": (lambda: optimizers.RMSprop(centered=True), lambda: optimizers.RMSprop(), (0, 1)),
    "adamw": (lambda: optimizers.AdamW(0.01), lambda: optimizers.Adam(0.01), (0, 1)),
    "adagrad_initial_accumulator": (lambda: optimizers.Adagrad(0.1, initial_accumulator_value=1.0),
                                    lambda: optimizers.Adagrad(0.1), (0, 1)),
    "exponential": (lambda: optimizers.SGD(schedules.ExponentialDecay(0.01, 10, 0.5)), lambda: optimizers.SGD(0.01),
                    (0, 1)),
    "exponential_staircase": (lambda: optimizers.SGD(schedules.ExponentialDecay(0.01, 10, 0.5, staircase=True)),
                              lambda: optimizers.SGD(schedules.ExponentialDecay(0.01, 10, 0.5)), (0, 1)),
    "inverse_time": (lambda: optimizers.SGD(schedules.InverseTimeDecay(0.01, 10, 0.5)), lambda: optimizers.SGD(0.01),
                     (0, 1)),
    "piecewise": (lambda: optimizers.SGD(schedules.PiecewiseConstantDecay([10], [0.01, 0.001])),
                  lambda: optimizers.SGD(0.01), (0, 1)),
    "cosine": (lambda: optimizers.Adam(cosine()), lambda: optimizers.Adam(0.01), (0, 1)),
    "cosine_alpha": (lambda: optimizers.Adam(schedules.CosineDecay(0.01, 30, alpha=0.5)), lambda: optimizers.Adam(
        cosine()), (0, 1)),
    "cosine_warmup": (lambda: optimizers.Adam(schedules.CosineDecay(0.0, 30, alpha=0.1, warmup_target=0.01,
                                                                    warmup_steps=5)),
                      lambda: optimizers.Adam(cosine()), (0, 1)),
}


@pytest.mark.parametrize("option", EFFECTS)
def test_each_option_moves_the_trajectory(option):
    """More than 1e-6 of the distance moved apart from the same optimizer without the option, on every array
    the option acts on: an option the code ignored would leave the two trajectories equal."""
    with_it, without, arrays = EFFECTS[option]
    ours, plain = trajectory(with_it()), trajectory(without())
    start = trajectory(without(), n_steps=1)
    for i in arrays:
        moved = np.abs(plain[i] - start[i][0]).max()
        assert np.abs(ours[i] - plain[i]).max() > 1e-6 * moved, f"{option} does not move array {i}"


# ---- bad input ------------------------------------------------------------------------------------------------
BAD = {
    "negative weight_decay": (lambda: optimizers.SGD(weight_decay=-0.1), ValueError, r"weight_decay must be >= 0, "
                                                                                        r"got -0\.1"),
    "NaN weight_decay": (lambda: optimizers.Adam(weight_decay=float("nan")), ValueError, "weight_decay must be finite"),
    "AdamW without decay": (lambda: optimizers.AdamW(weight_decay=None), ValueError, "AdamW needs a weight_decay"),
    "clipnorm 0": (lambda: optimizers.SGD(clipnorm=0.0), ValueError,
                   r"clipnorm must be > 0, got 0\.0 \(Keras silently"),
    "clipnorm NaN": (lambda: optimizers.SGD(clipnorm=float("nan")), ValueError, "clipnorm must be finite"),
    "clipvalue text": (lambda: optimizers.SGD(clipvalue="1"), TypeError, "clipvalue must be a real number"),
    "two clip options": (lambda: optimizers.Adam(clipnorm=1.0, clipvalue=0.5), ValueError,
                         r"at most one of clipnorm, global_clipnorm and clipvalue can be set, got clipnorm=1\.0, "
                         r"clipvalue=0\.5"),
    "amsgrad not a bool": (lambda: optimizers.Adam(amsgrad=1), TypeError, "amsgrad must be True or False"),
    "centered not a bool": (lambda: optimizers.RMSprop(centered="yes"), TypeError, "centered must be True or False"),
    "negative accumulator": (lambda: optimizers.Adagrad(initial_accumulator_value=-1.0), ValueError,
                             "initial_accumulator_value must be >= 0"),
    "accumulator and epsilon 0": (lambda: optimizers.Adagrad(initial_accumulator_value=0.0, epsilon=0.0), ValueError,
                                  "both 0"),
    "callable learning_rate": (lambda: optimizers.SGD(learning_rate=lambda: 0.1), TypeError,
                               "learning_rate must be a number or a schedule"),
    "unknown schedule name": (lambda: schedules.get({"class_name": "StepDecay", "config": {}}), ValueError,
                              r"unknown learning-rate schedule 'StepDecay'; choose one of \['ExponentialDecay', "),
    "schedule as a string": (lambda: schedules.get("CosineDecay"), TypeError, "a schedule must be a scratch "
                                                                              "LearningRateSchedule or a dict"),
    "unknown schedule argument": (lambda: schedules.get({"class_name": "CosineDecay", "config": {
        "initial_learning_rate": 0.1, "decay_steps": 10, "gamma": 2}}), TypeError, "gamma"),
    "decay_steps 0": (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), ValueError, "decay_steps must be > 0, got 0"),
    "negative decay_rate": (lambda: schedules.InverseTimeDecay(0.1, 10, -0.5), ValueError,
                            "decay_rate must be >= 0, got -0.5"),
    "growing decay_rate": (lambda: schedules.ExponentialDecay(0.1, 10, 1.5), ValueError,
                           r"decay_rate must be in \(0, 1\].*got 1\.5"),
    "NaN decay_rate": (lambda: schedules.ExponentialDecay(0.1, 10, float("nan")), ValueError,
                       "decay_rate must be finite"),
    "staircase not a bool": (lambda: schedules.ExponentialDecay(0.1, 10, 0.5, staircase=1), TypeError,
                             "staircase must be True or False"),
    "zero initial rate": (lambda: schedules.CosineDecay(0.0, 10), ValueError,
                          "initial_learning_rate must be > 0, got 0.0"),
    "boundaries not increasing": (lambda: schedules.PiecewiseConstantDecay([5, 5], [0.1, 0.05, 0.01]), ValueError,
                                  r"boundaries must increase strictly, got \[5, 5\]"),
    "a value too few": (lambda: schedules.PiecewiseConstantDecay([5, 9], [0.1, 0.05]), ValueError,
                        "values must have one entry more than boundaries"),
    "fractional boundary": (lambda: schedules.PiecewiseConstantDecay([2.5], [0.1, 0.05]), TypeError,
                            r"boundaries\[0\] must be a whole number, got"),
    "negative value": (lambda: schedules.PiecewiseConstantDecay([5], [0.1, -0.05]), ValueError,
                       r"values\[1\] must be > 0"),
    "alpha above 1": (lambda: schedules.CosineDecay(0.1, 10, alpha=1.5), ValueError, r"alpha must be in \[0, 1\]"),
    "warm-up steps without target": (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=5), ValueError,
                                     "a warm-up needs both warmup_target and warmup_steps >= 1.*Keras silently"),
    "warm-up target without steps": (lambda: schedules.CosineDecay(0.0, 10, warmup_target=0.1), ValueError,
                                     "a warm-up needs both.*Keras silently ignores initial_learning_rate"),
    "negative warm-up steps": (lambda: schedules.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=-1),
                               ValueError, "warmup_steps must be >= 0, got -1"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_option_or_schedule_is_refused_naming_the_argument(case):
    make, error, match = BAD[case]
    with pytest.raises(error, match=match):
        make()


def test_setting_a_bad_learning_rate_later_is_refused_too():
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="learning_rate must be > 0, got -1.0"):
        opt.learning_rate = -1.0
    opt.learning_rate = schedules.ExponentialDecay(0.1, 10, 0.5)
    assert opt.current_learning_rate() == 0.1
