"""The optimizer bridge (keras_models/twins/optimizer_bridge.py): every option and schedule maps both ways,
Keras' own get_config() is the reference for what the Keras side holds, a bridged pair steps alike, and what
has no twin is refused by name."""

import inspect
import warnings

import keras
import numpy as np
import pytest
from conftest import floatx
from test_optimizer_options import disagreement, keras_trajectory, scratch_trajectory

from keras_models.twins.optimizer_bridge import keras_optimizer, keras_schedule, scratch_optimizer, scratch_schedule
from scratch import optimizers
from scratch.optimizers import schedules

SCRATCH = {
    "sgd-nesterov-decay-clipvalue": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.01,
                                                           clipvalue=0.5),
    "rmsprop-centered-clipnorm-exponential": lambda: optimizers.RMSprop(
        schedules.ExponentialDecay(0.01, 100, 0.5, staircase=True), momentum=0.5, centered=True, clipnorm=1.0),
    "adam-amsgrad-inverse-time": lambda: optimizers.Adam(schedules.InverseTimeDecay(0.001, 10, 0.5), amsgrad=True,
                                                         epsilon=1e-6),
    "adamw-cosine-warmup-global-clipnorm": lambda: optimizers.AdamW(
        schedules.CosineDecay(0.0, 40, alpha=0.1, warmup_target=0.01, warmup_steps=10), weight_decay=2**-6,
        beta_1=0.875, beta_2=1 - 2**-10, global_clipnorm=2.0),   # numbers Keras keeps exactly (see the parity test)
    "adagrad-piecewise": lambda: optimizers.Adagrad(schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.05, 0.01]),
                                                    initial_accumulator_value=0.5, epsilon=1e-6),
}


def keras_side(config: dict) -> dict:
    """Keras' get_config() in scratch's terms: its schedule as {"class_name", "config"} without the name label."""
    lr = config["learning_rate"]
    if isinstance(lr, dict):
        config["learning_rate"] = {"class_name": lr["class_name"],
                                   "config": {k: v for k, v in lr["config"].items() if k != "name"}}
    return config


def constructor_options(cls) -> set[str]:
    """Every keyword an optimizer class takes, its base classes' included (a subclass passes those on as **kwargs)."""
    return {name for klass in cls.__mro__ if klass is not object and "__init__" in vars(klass)
            for name, p in inspect.signature(klass).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


@pytest.mark.parametrize("case", SCRATCH)
def test_scratch_to_keras_and_back_keeps_every_option_and_schedule(case, floatx64):
    ours = SCRATCH[case]()
    # every option the constructor takes is in get_config, which the bridge hands to Keras: an option left out of
    # it would give Keras its default without a word (an Adam(epsilon=1e-3) would step with Keras' 1e-7)
    assert set(ours.get_config()) == constructor_options(type(ours))
    theirs = keras_optimizer(ours)
    assert type(theirs).__name__ == type(ours).__name__
    held = keras_side(theirs.get_config())
    assert {key: held[key] for key in ours.get_config()} == ours.get_config()      # Keras holds our numbers
    # ... the numbers the scratch optimizer steps with (its attributes), not only what its get_config says
    assert {key: held[key] for key in ours.get_config() if key != "learning_rate"} == {
        key: getattr(ours, key) for key in ours.get_config() if key != "learning_rate"}
    if isinstance(ours.learning_rate, schedules.LearningRateSchedule):
        assert theirs.learning_rate.dtype == "float64"        # the schedule computes in float64, as scratch does
    again = scratch_optimizer(theirs)
    assert type(again) is type(ours) and again.get_config() == ours.get_config()


def test_keras_to_scratch_reads_the_numbers_keras_steps_with():
    """Under float32 floatx Keras' learning-rate variable holds float32(0.001): the twin takes that number."""
    theirs = keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.01, amsgrad=True, global_clipnorm=2.0)
    ours = scratch_optimizer(theirs)
    assert type(ours) is optimizers.AdamW
    assert ours.learning_rate == float(np.float32(0.001)) != 0.001
    assert (ours.weight_decay, ours.amsgrad, ours.global_clipnorm) == (0.01, True, 2.0)
    schedule = scratch_schedule(keras.optimizers.schedules.CosineDecay(0.1, 50, alpha=0.2))
    assert schedule == schedules.CosineDecay(0.1, 50, alpha=0.2)


def test_a_bridged_optimizer_steps_like_its_scratch_twin_over_60_steps(floatx64):
    ours = SCRATCH["adamw-cosine-warmup-global-clipnorm"]()
    theirs = keras_optimizer(ours)
    err = disagreement(scratch_trajectory(ours), keras_trajectory(theirs))
    assert max(err.values()) <= 1e-10, err


@pytest.mark.parametrize("make, match", [
    (lambda: keras.optimizers.Nadam(), r"Keras optimizer Nadam has no scratch twin; the bridge maps \['Adagrad', "),
    (lambda: keras.optimizers.Lion(), "Keras optimizer Lion has no scratch twin"),
    (lambda: keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.PolynomialDecay(0.1, 100)),
     "Keras learning-rate schedule PolynomialDecay has no scratch twin"),
    (lambda: keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.CosineDecayRestarts(0.1, 100)),
     "Keras learning-rate schedule CosineDecayRestarts has no scratch twin"),
    (lambda: keras.optimizers.SGD(learning_rate=lambda: 0.01), "Keras SGD has a callable learning rate"),
    (lambda: keras.optimizers.Adam(use_ema=True), "Keras Adam uses use_ema=True, which scratch does not implement"),
    (lambda: keras.optimizers.SGD(gradient_accumulation_steps=2), "Keras SGD uses gradient_accumulation_steps=2"),
    (lambda: keras.optimizers.RMSprop(loss_scale_factor=128.0), "Keras RMSprop uses loss_scale_factor=128.0"),
    (lambda: _excluding_bias(keras.optimizers.AdamW()), "Keras AdamW excludes variables from weight decay"),
    (lambda: _excluding_a_variable(keras.optimizers.AdamW()), "Keras AdamW excludes variables from weight decay"),
    (lambda: keras.optimizers.SGD(clipnorm=-1.0), r"Keras SGD cannot be mapped to scratch: clipnorm must be > 0, "
                                                  r"got -1.0 \(Keras silently clips nothing"),
    (lambda: keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 1.5)),
     r"Keras ExponentialDecay cannot be mapped to scratch: decay_rate must be in \(0, 1\]"),
], ids=["nadam", "lion", "polynomial-decay", "cosine-restarts", "callable-rate", "ema", "accumulation",
        "loss-scale", "exclude-from-decay", "exclude-a-variable-from-decay", "negative-clipnorm", "growing-decay-rate"])
def test_what_has_no_scratch_twin_is_refused_by_name(make, match):
    keras_opt = make()
    with warnings.catch_warnings(), pytest.raises(ValueError, match=match):
        warnings.simplefilter("error")         # the refusal alone: no Keras warning about what it was asked first
        scratch_optimizer(keras_opt)


def _excluding_bias(opt):
    opt.exclude_from_weight_decay(var_names=["bias"])
    return opt


def _excluding_a_variable(opt):
    opt.exclude_from_weight_decay(var_list=[keras.Variable(np.zeros(2))])     # by the variable, not by a name
    return opt


def test_a_scratch_optimizer_or_schedule_without_a_keras_twin_is_refused_by_name():
    class Lookahead(optimizers.SGD):
        pass

    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.5 ** step

    with pytest.raises(TypeError, match=r"no Keras twin for optimizer Lookahead; the bridge maps \['Adagrad', "):
        keras_optimizer(Lookahead())
    with pytest.raises(TypeError, match="no Keras twin for schedule Halving"):
        keras_schedule(Halving())


def test_keras_optimizer_under_a_float16_floatx_is_refused_since_keras_rounds_the_learning_rate_to_it():
    with floatx("float16"):
        # Keras' behaviour, pinned: the learning-rate variable is made in floatx, whatever the weights' dtype
        assert float(keras.optimizers.Adam(0.01).learning_rate) == 0.01000213623046875
        with pytest.raises(ValueError, match=r"keras.config.floatx\(\) is 'float16': Keras would keep the learning "
                                             r"rate as a float16 variable \(0.01 rounded\)"):
            keras_optimizer(optimizers.Adam(learning_rate=0.01))
