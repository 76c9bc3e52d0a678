"""Grader for exercise 4: Keras regression on the diamonds, with a target error to beat.

The grader prepares the data itself (the same 5,000-row slice as the exercise) and keeps the test
split: the learner's code sees only the training and validation rows. Checks: a regression model
(linear output with no Dropout after it, regression loss, at least one nonlinear hidden layer), fit given each
training row with its own price and validating on the validation rows (not the training or test rows, and not
training on them too: checked as fit is called) with any EarlyStopping watching them and restoring its best epoch's
weights, the dollar price of one raw test diamond, and the test MAE under the target.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import Fail, check, deterministic, one_number, validated_history
from .fit_checks import fit_checked, labels_stay_with, validated_on
from .model_checks import (
    REGRESSION_LOSSES,
    loss_of,
    no_accuracy_for_a_regression,
    no_dropout_after_the_output,
    require_hidden_nonlinearity,
    require_model,
    require_output,
)

TITLE = "Keras regression: diamond prices"
NEEDS = ("build_model", "train", "predict_price_dollars")
KERAS = True                       # the learner's code trains a Keras model: a narrow floatx is named in a FAIL
MAX_ROWS = 5000
TARGET_MAE = 0.60                  # thousand dollars; the mean predictor makes ~3.1, least squares ~0.84
SEED = 4
# the two hints on predict_price_dollars' arithmetic, each given for more than one mistake
PRICE_OF_THE_DIAMOND = "dollars = float(thousands) * 1000 of model.predict(data.scale(diamond))"
THOUSANDS_TO_DOLLARS = "the model predicts thousands of dollars, so dollars = thousands * 1000"


def load_data():
    from data import prepare

    return prepare("regression", max_rows=MAX_ROWS, seed=0)


def baselines(data) -> dict[str, float]:
    """Test MAE of predicting the training mean, and of a least-squares linear model (NumPy)."""
    mean_mae = float(np.mean(np.abs(data.y_test - data.y_train.mean())))
    A = np.c_[data.X_train, np.ones(len(data.X_train))].astype(np.float64)          # (m, n + 1)
    w = np.linalg.lstsq(A, data.y_train.astype(np.float64), rcond=None)[0]           # (n + 1, 1)
    linear = np.c_[data.X_test, np.ones(len(data.X_test))] @ w                       # (m_test, 1)
    return {"mean": mean_mae, "linear": float(np.mean(np.abs(linear - data.y_test)))}


def whole_thousands(dollars: float) -> set[float]:
    """A price in dollars with its thousands rounded, cut or rounded up to a whole number: round(), int(), ceil()."""
    thousands = dollars / 1000.0
    return {1000.0 * round(thousands), 1000.0 * int(thousands), 1000.0 * math.ceil(thousands)}


def factor_of(dollars: float, expected: float) -> float:
    """dollars / expected: how many times the model's price predict_price_dollars gave (0.1 for * 100, 1e-6 for
    / 1000); 0.0 when the model prices the diamond at $0."""
    return dollars / expected if expected else 0.0


def wrong_price(dollars: float, expected: float, dollars_other: float, expected_other: float) -> None:
    """The Fail for predict_price_dollars' `dollars` for a diamond the model prices at `expected`, from what it gives
    for a second one (`dollars_other`, the model: `expected_other`): the model's thousands rounded to whole ones for
    both, the same price for both (a constant), the model's price times one factor for both (not a power of
    10: those are named before), or else a row not encoded and scaled as the training rows were."""
    both = f"${dollars:,.0f} for ${expected:,.0f}, ${dollars_other:,.0f} for ${expected_other:,.0f}"
    # before the constant: two diamonds in one thousand (a nearly constant model) round to the same price
    if dollars in whole_thousands(expected) and dollars_other in whole_thousands(expected_other):
        raise Fail(f"predict_price_dollars gave ${dollars:,.0f}, the model says ${expected:,.2f} for this diamond "
                   f"({expected / 1000:.3f} thousand): if the thousands were rounded to a whole number before * 1000, "
                   "multiply the model's own number, dollars = float(thousands) * 1000")
    if dollars_other == dollars:
        raise Fail(f"predict_price_dollars gave ${dollars:,.0f} for two diamonds the model prices at "
                   f"${expected:,.0f} and ${expected_other:,.0f}: return the price of the diamond it is given, "
                   f"{PRICE_OF_THE_DIAMOND}")
    factor = factor_of(dollars, expected)
    if factor and expected_other and abs(dollars_other / expected_other - factor) <= 1e-3 * abs(factor):
        raise Fail(f"predict_price_dollars gave {factor:.4g} times the model's price of each of two diamonds ({both}): "
                   f"{THOUSANDS_TO_DOLLARS}")
    raise Fail(f"predict_price_dollars gave ${dollars:,.0f}, the model says ${expected:,.0f} for this diamond: "
               "encode and scale the raw row with data.scale(...) before predicting")


def grade(module, workdir) -> str:
    from data import load_diamonds

    data = load_data()
    with deterministic(SEED):
        model = require_model(module.build_model(data.n_features), "build_model")
        require_output(model, "build_model", n_features=data.n_features, units=1, activation="linear",
                       why="a price is one number, and a linear output can reach any value")
        no_dropout_after_the_output(model)
        name, _ = loss_of(model)
        check(name in REGRESSION_LOSSES, f"{name} is not a regression loss: use the mean squared error (\"mse\")")
        no_accuracy_for_a_regression(model, "build_model")
        require_hidden_nonlinearity(model, "fits one plane")
        with fit_checked(labels_stay_with(data.X_train, data.y_train, "X_train, y_train"),
                         validated_on(data.X_val, data.y_val, data.X_train)):
            history = module.train(model, data.X_train, data.y_train, data.X_val, data.y_val)
    validated_history(history, "train")

    diamonds = load_diamonds()
    diamond = diamonds.iloc[[data.test_rows[0]]].drop(columns="price")
    expected = float(model.predict(data.scale(diamond), verbose=0)[0, 0]) * 1000.0
    dollars = one_number(module.predict_price_dollars(model, data, diamond), "predict_price_dollars")
    if math.isfinite(expected):                       # a model that gives nan is judged by its test MAE below
        # nan is no distance from any price: every comparison below is False, and the price check passed
        check(math.isfinite(dollars), f"predict_price_dollars gave {dollars}, not a price, for a diamond the model "
                                      f"prices at ${expected:,.0f}: {PRICE_OF_THE_DIAMOND}")
    if abs(dollars * 1000.0 - expected) <= 1e-3 * abs(expected):
        raise Fail("predict_price_dollars returned thousands of dollars: the target is price / 1000")
    factor = factor_of(dollars, expected)
    if factor > 0 and abs((power := np.log10(factor)) - round(power)) < 1e-3 and round(power) != 0:
        # right but for a power of 10: not the scaling
        times = f"{10.0 ** round(power):,.{max(0, -round(power))}f}"             # 0.1, 10, 0.000001
        raise Fail(f"predict_price_dollars gave ${dollars:,.2f}, {times} times the ${expected:,.0f} the model "
                   f"says for this diamond: {THOUSANDS_TO_DOLLARS}")
    off = abs(dollars - expected) > 1e-3 * abs(expected) + 0.01                # by more than 0.1% and a cent
    prediction = model.predict(data.X_test, verbose=0)                               # (m, 1)
    if off:
        # one diamond cannot tell a constant, a rounding and another factor apart: ask about the test diamond the
        # model prices farthest from this one too
        farthest = int(np.argmax(np.abs(prediction[:, 0] - expected / 1000.0)))
        other = diamonds.iloc[[data.test_rows[farthest]]].drop(columns="price")
        expected_other = float(model.predict(data.scale(other), verbose=0)[0, 0]) * 1000.0
        dollars_other = one_number(module.predict_price_dollars(model, data, other), "predict_price_dollars")
        wrong_price(dollars, expected, dollars_other, expected_other)
    mae = float(np.mean(np.abs(prediction - data.y_test)))
    base = baselines(data)
    check(mae < TARGET_MAE,
          f"test MAE {mae:.3f} thousand dollars, the target is < {TARGET_MAE:.2f} (predicting the mean: "
          f"{base['mean']:.2f}, a linear model: {base['linear']:.2f}): more hidden units, a better learning "
          "rate or more epochs")
    return (f"test MAE {mae:.3f} thousand dollars (target < {TARGET_MAE:.2f}; mean predictor {base['mean']:.2f}, "
            f"linear {base['linear']:.2f})")
