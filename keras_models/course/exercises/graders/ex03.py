"""Grader for exercise 3: the Keras workflow on the synthetic two-feature price set.

Checks, in order: the split and the scaler (fitted on the training rows, not all rows or the test rows: the
features it gives and, for sklearn's scalers, how many rows it saw); that each price still belongs to its row;
the model's input, output (no Dropout after it), loss (and no accuracy metric: a price has no classes) and hidden
nonlinearity; that training lowered the loss; evaluate() against the grader's own MSE; the RMSE on fresh rows the
grader draws itself; and the new gem's price.
"""

from __future__ import annotations

import numpy as np

from keras_models.course.exercises.price_data import NOISE_STD, make_price_data, true_price

from .checks import (
    Fail,
    as_array,
    check,
    column_broadcast,
    deterministic,
    history_of,
    narrower_float,
    one_number,
    price_pairs,
)
from .model_checks import (
    hidden_activations,
    layers_of,
    loss_of,
    no_accuracy_for_a_regression,
    no_dropout_after_the_output,
    require_hidden_nonlinearity,
    require_model,
    require_output,
)

TITLE = "Keras basics: compile, fit, evaluate, predict"
NEEDS = ("split_and_scale", "build_model", "train", "evaluate", "predict_price")
KERAS = True                       # the learner's code trains a Keras model: a narrow floatx is named in a FAIL
TARGET_RMSE = 8.0                  # the noise alone costs 5; predicting the mean about 70
NEW_GEM = [998.0, 1000.0]
NEW_GEM_TOLERANCE = 10.0           # noise-free price 280
SEED = 3
MISALIGNED_RMS = 4 * NOISE_STD      # prices around the formula; shuffled against the rows: about 100
SCALING_MARGIN = 0.045              # the least by which test rows scaled with the training rows' scaler miss 0 and 1


def _spans_unit_range(X: np.ndarray, atol: float = 1e-9) -> bool:
    return bool(np.allclose(X.min(axis=0), 0.0, atol=atol) and np.allclose(X.max(axis=0), 1.0, atol=atol))


def _standardised(X: np.ndarray, atol: float = 1e-9) -> bool:
    return bool(np.allclose(X.mean(axis=0), 0.0, atol=atol) and np.allclose(X.std(axis=0), 1.0, atol=atol))


def _raw_size(features: np.ndarray) -> float:
    """How many of their spreads the raw features sit from 0: about 1000 (they are 1000 +- 1, price_data.py)."""
    return float(np.abs(features).max() / features.std(axis=0).min())


def _narrowest_float(*arrays) -> np.dtype | None:
    """The narrowest float type among `arrays` narrower than float64 (float16 before float32); None if there is none."""
    narrower = [dtype for dtype in map(narrower_float, arrays) if dtype is not None]
    return min(narrower, key=lambda dtype: dtype.itemsize, default=None)


def _rounded_before_scaling(X: np.ndarray, features: np.ndarray, dtype: np.dtype) -> bool:
    """Whether no column of the split X holds more distinct values than the raw `features` rounded to `dtype` do: the
    features were cast before the scaler saw them (float16 leaves 13 or 14 values near 1000 of 1000 rows), not after
    (then hundreds)."""
    rounded = max(len(np.unique(column)) for column in features.astype(dtype).T)
    return max(len(np.unique(column)) for column in X.T) <= rounded


def _scaling_tolerance(dtype: np.dtype | None, raw_size: float) -> float:
    """How far from exact the 0 and 1 of a scaler's output may come out in `dtype`, the type it was returned in
    (None: float64, 1e-9). Features cast to float32 (TensorFlow's type, so a common step) before the scaler subtracts
    their mean are rounded by float32's epsilon times their size, about 1000 of their spreads: the scaled mean is off
    by about 1e-5. Ten epsilons times that size (1.2e-3 in float32) is still far below the 0.045 or more by which rows
    the scaler was not fitted on miss 0 and 1. Float16's is 10, past that margin: _check_split stops at a quarter of
    it and names the float16."""
    return 1e-9 if dtype is None else max(1e-9, 10 * float(np.finfo(dtype).eps) * raw_size)


def _check_split(result, features: np.ndarray):
    """split_and_scale's `result` for the raw `features` (m, 2) it was given."""
    n_rows = len(features)
    check(isinstance(result, tuple | list) and len(result) == 5,              # (a, b, ...) or [a, b, ...]
          "split_and_scale must return five things: X_train, X_test, y_train, y_test, scaler")
    X_train, X_test, y_train, y_test, scaler = result
    raw_size = _raw_size(features)
    narrowest = _narrowest_float(X_train, X_test)   # of the two splits: the wider tolerance of their types
    atol = _scaling_tolerance(narrowest, raw_size)
    too_coarse = atol > SCALING_MARGIN / 4          # float16: so wide a tolerance would take test rows scaled alike
    atol = min(atol, SCALING_MARGIN / 4)
    X_train, X_test = as_array(X_train, "X_train"), as_array(X_test, "X_test")
    y_train, y_test = as_array(y_train, "y_train"), as_array(y_test, "y_test")
    check(X_train.ndim == 2 and X_train.shape[1] == 2 and X_test.ndim == 2 and X_test.shape[1] == 2,
          f"the feature splits must have 2 columns, got {X_train.shape} and {X_test.shape}")
    check(len(X_train) == len(y_train) == y_train.size and len(X_test) == len(y_test) == y_test.size,
          "each feature split needs one target per row")         # (m,) or a column (m, 1)
    check(len(X_train) + len(X_test) == n_rows, f"the two splits must hold all {n_rows} rows between them")
    check(0.2 <= len(X_test) / n_rows <= 0.4, f"hold out about 30% of the rows for the test, not {len(X_test)}")
    check(hasattr(scaler, "transform"), "the fifth thing returned must be the fitted scaler (with .transform)")
    # sklearn's scalers count the rows they were fitted on. Fitted on all rows, a MinMaxScaler can give the very
    # numbers the training rows alone give (here they hold every column's extremes), so only the count tells.
    seen = getattr(scaler, "n_samples_seen_", None)
    if seen is not None:
        seen = int(np.max(seen))
        check(seen != n_rows, f"the scaler was fitted on all {n_rows} rows, so the test rows leak into the scaling: "
                              "fit the scaler on the training rows only, then transform both splits")
        check(seen == len(X_train), f"the scaler was fitted on {seen} rows, not the {len(X_train)} training rows: "
                                    "fit the scaler on the training rows, then transform both splits")
    fitted_on_train = _spans_unit_range(X_train, atol) or _standardised(X_train, atol)
    # all that is known: the type, and the raw features' size; a MinMaxScaler fitted on float16 features still gives
    # the training rows' 0 and 1, but only the few values float16 left of them
    if too_coarse and (not fitted_on_train or any(_rounded_before_scaling(X, features, narrowest)
                                                  for X in (X_train, X_test))):
        near = float(np.abs(features).max())                                          # about 1000
        step = float(np.spacing(np.asarray(near, dtype=narrowest)))                   # narrowest's spacing there
        raise Fail(f"the features are {narrowest}, too coarse for raw features that sit {raw_size:.0f} times their "
                   f"spread from 0 ({narrowest} rounds numbers near {near:.0f} to steps of {step:g}; their spread is "
                   f"{features.std(axis=0).min():.2g}): keep them in float64 (or float32)")
    check(fitted_on_train, "the training features are not scaled by a scaler fitted on them: "
                           "fit the scaler on the training rows, then transform both splits")
    check(not (_spans_unit_range(X_test, atol) or _standardised(X_test, atol)),
          "the test features look scaled by a scaler fitted on the test rows: transform them with the "
          "scaler fitted on the training rows")
    # test rows left raw: their prices fit the formula at the features as they are (else they read as split apart)
    check(_rms_around_formula(X_test, y_test) > MISALIGNED_RMS,
          "the test features are not scaled (they are the raw ones, near 1000): transform them with the scaler "
          "fitted on the training rows, as the training features are")
    for X, y in ((X_train, y_train), (X_test, y_test)):
        check(_misfit(X, y, scaler) <= MISALIGNED_RMS,
              "features and prices were split apart (the prices no longer belong to their rows of features): "
              "split them in one train_test_split call")
    return X_train, X_test, y_train, y_test, scaler


def _dead_hidden_layer(model, X: np.ndarray) -> bool | None:
    """Whether a hidden layer of `model` outputs 0 for every row of X (its ReLU units all died), reading the layers
    in turn (layers_of: nested models flattened, a functional keras.Model's InputLayer, which takes no array, left
    out); None, it cannot tell, for a model whose layers cannot be read one after another (a skip connection)."""
    try:
        a = np.asarray(X, dtype=np.float32)                                # (m, 2)
        for layer in layers_of(model)[:-1]:
            a = np.asarray(layer(a))                                       # (m, units)
            if not a.any():
                return True
    except Exception:                                                      # noqa: BLE001  (not a chain of layers)
        return None
    return False


def _rms_around_formula(X_raw: np.ndarray, y: np.ndarray) -> float:
    """RMS of the prices y around the price formula at the raw features X_raw (m, 2): about NOISE_STD when each
    price belongs to its row."""
    y = y.reshape(-1) if y.size == len(y) else y                         # (m,) also from a column (m, 1)
    return float(np.sqrt(np.mean((y - true_price(X_raw)) ** 2)))


def _misfit(X: np.ndarray, y: np.ndarray, scaler) -> float:
    """RMS of the prices y around the price formula at the features X: about NOISE_STD when each price belongs to
    its row, several times more when the rows were paired with other rows' prices. The raw features come back
    through the scaler's inverse_transform (sklearn's); without one, around the best plane in the scaled
    features, which is the formula's own for a scaler that is linear, as MinMaxScaler and StandardScaler are."""
    if hasattr(scaler, "inverse_transform"):
        return _rms_around_formula(np.asarray(scaler.inverse_transform(X), dtype=np.float64), y)
    design = np.column_stack([np.ones(len(X)), X])                       # (m, 3)
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]    # y (m,) or (m, 1): the plane fits either
    return float(np.sqrt(np.mean(residual ** 2)))


def grade(module, workdir) -> str:
    features, price = make_price_data()
    # a copy to split: one scaled in place would leave no raw features to measure the scaling against
    X_train, X_test, y_train, y_test, scaler = _check_split(module.split_and_scale(features.copy(), price), features)

    with deterministic(SEED):
        model = require_model(module.build_model(), "build_model")
        require_output(model, "build_model", n_features=2, units=1, activation="linear",
                       why="a price is one unbounded number: one linear output unit")
        no_dropout_after_the_output(model)
        name, _ = loss_of(model)
        check(name == "mean_squared_error", f"compile with the mean squared error loss (\"mse\"), not {name}")
        no_accuracy_for_a_regression(model, "build_model")
        # the prices are nearly a plane in the features, so a model without a nonlinearity reaches the target too
        require_hidden_nonlinearity(model, "fits one plane")
        history = module.train(model, X_train, y_train)
    losses = history_of(history, "train").get("loss", [])
    check(len(losses) >= 2, "train must call model.fit for a few epochs and return its History")
    check(losses[-1] < losses[0], f"the training loss did not go down ({losses[0]:.1f} -> {losses[-1]:.1f})")

    predicted = model.predict(X_test, verbose=0)[:, 0]                                        # (m,)
    mse = float(np.mean((predicted - y_test.reshape(-1)) ** 2))                               # y_test (m,) or (m, 1)
    reported = module.evaluate(model, X_test, y_test)
    check(isinstance(reported, float | np.floating),
          f"evaluate must return the test MSE as one float, got {type(reported).__name__} (with metrics, "
          "model.evaluate returns a list: take the loss, or use return_dict=True)")
    # the MSE by hand, model.predict's column (m, 1) minus y_test (m,), or y_test split as a column (m, 1) minus
    # model.predict's one column (m,): every price minus every prediction, either way round the same mean square;
    # said when evaluate's number is those pairs', naming the column of the two
    mse_pairs = float(np.mean(price_pairs(y_test.reshape(-1), predicted) ** 2))
    broadcast = abs(reported - mse_pairs) <= 1e-3 * mse_pairs
    take_one_column = (
        f"{column_broadcast('model.predict', len(y_test))}; take its one column, model.predict(X_test)[:, 0]"
        if y_test.ndim == 1 else
        f"{column_broadcast('y_test', len(y_test), of_prices=True)}; take its one column, y_test[:, 0]")
    check(abs(reported - mse) <= 1e-3 * mse + 1e-6,
          f"evaluate returned {reported:.3f} but the test MSE is {mse:.3f}: " + (
              f"{take_one_column}, or return model.evaluate's loss" if broadcast else "return model.evaluate's loss"))

    fresh_X, fresh_y = make_price_data(500, seed=7)                     # rows the learner never saw
    prediction = model.predict(scaler.transform(fresh_X), verbose=0)[:, 0]
    rmse = float(np.sqrt(np.mean((prediction - fresh_y) ** 2)))
    baseline = float(np.sqrt(np.mean((fresh_y - y_train.mean()) ** 2)))
    bounded = sorted(hidden_activations(model) & {"tanh", "sigmoid"})
    if not float(np.std(prediction)) > 0.1 * float(np.std(fresh_y)):
        dead = None if bounded else _dead_hidden_layer(model, scaler.transform(fresh_X))   # None: it cannot tell
        raise Fail("the model predicts nearly the same price for every gem: " + (
            f"its {' and '.join(bounded)} units are bounded and flatten out for large inputs, so it learns far "
            "more slowly; give the hidden Dense layers activation=\"relu\", as the exercise asks" if bounded else
            "its ReLU units have all died (output 0 for every input); use more units per layer or a smaller "
            "learning rate" if dead else
            "it has barely learned" + (" (its ReLU units are alive)" if dead is False else "")
            + ": train longer or raise the learning rate"))
    check(rmse <= TARGET_RMSE, f"RMSE on fresh gems is {rmse:.1f}, the target is {TARGET_RMSE:.0f} "
                               f"(predicting the mean price: {baseline:.1f}): train longer or raise the learning rate")

    expected = float(model.predict(scaler.transform(np.array([NEW_GEM])), verbose=0)[0, 0])
    # what predict_price raises is its own error, reported with its line (graders/__init__.py); only what it
    # returns is judged here
    price_new = one_number(module.predict_price(model, scaler, list(NEW_GEM)), "predict_price")
    check(abs(price_new - expected) <= 1e-3 * abs(expected) + 1e-3,
          f"predict_price gave {price_new:.1f}, but the model says {expected:.1f} for the scaled gem: "
          "scale the raw features with the training scaler before predicting")
    truth = float(true_price(np.array([NEW_GEM]))[0])
    check(abs(price_new - truth) <= NEW_GEM_TOLERANCE,
          f"the gem {NEW_GEM} is priced {price_new:.1f}, more than {NEW_GEM_TOLERANCE:.0f} from its price "
          f"{truth:.0f}: train the model further")
    return (f"fresh-data RMSE {rmse:.2f} (target <= {TARGET_RMSE:.0f}, mean predictor {baseline:.1f}); "
            f"gem {NEW_GEM} priced {price_new:.1f} (true {truth:.0f} +- {NEW_GEM_TOLERANCE:.0f})")
