"""Grader for exercise 6, the capstone: house prices from housing.csv.

The grader splits the 546 houses itself (a seeded permutation: 436 to train, 110 to test) and
gives the learner's `train` only the training houses. Checks: engineer_features is numeric,
row by row (no statistics of the whole table: they would leak the test houses), leaves its
input alone and reads the yes/no columns; build_model is a regression network (no Dropout after its
output); train reads no other houses (the file's load_housing refuses while it runs) and fits with held-out houses and
EarlyStopping on them, restoring its best epoch's weights; the trained predictor prices raw test
houses in dollars, a house alone as among others; evaluate() agrees with the grader; and the test
MAE beats the target.
"""

from __future__ import annotations

import contextlib
import functools
from numbers import Number

import numpy as np
import pandas as pd

from .checks import Fail, as_array, check, column_broadcast, deterministic, price_pairs
from .fit_checks import early_stopping_restores_best, early_stopping_watches_validation, fit_checked, not_a_generator
from .fit_data import features_read
from .model_checks import (
    REGRESSION_LOSSES,
    loss_of,
    no_accuracy_for_a_regression,
    no_dropout_after_the_output,
    require_model,
    require_output,
)

TITLE = "capstone: Windsor house prices"
NEEDS = ("engineer_features", "build_model", "train", "evaluate")   # load_housing too, when the file has one
KERAS = True                       # the learner's code trains a Keras model: a narrow floatx is named in a FAIL
TARGET_MAE = 15_000.0              # dollars; predicting the training mean misses by ~19,500
N_TEST = 110
SEED = 6
YES_NO_COLUMNS = ("driveway", "recroom", "fullbase", "gashw", "airco", "prefarea")      # "yes" or "no" in the data


def split_houses() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training houses, test houses), from a permutation seeded with SEED."""
    from data import load_housing

    houses = load_housing()
    order = np.random.default_rng(SEED).permutation(len(houses))
    return houses.iloc[order[N_TEST:]], houses.iloc[order[:N_TEST]]


def _holds_numbers(column: pd.Series) -> bool:
    """A numeric column, or one of numbers held as Python objects: pandas 3 leaves houses.replace({"yes": 1,
    "no": 0})'s 1s and 0s in object columns. Text ("yes", "1") is not numbers."""
    return pd.api.types.is_numeric_dtype(column) or bool(column.map(lambda value: isinstance(value, Number)).all())


def _check_features(module, houses: pd.DataFrame) -> int:
    raw = houses.drop(columns="price")
    untouched = raw.copy()
    try:
        features = module.engineer_features(raw)
    except KeyError as error:
        raise Fail(f"engineer_features looked for the column {error}; it gets the raw columns without the price "
                   "(new houses have none)") from None
    check(isinstance(features, pd.DataFrame), f"engineer_features must return a DataFrame, "
                                              f"got {type(features).__name__}")
    check(raw.equals(untouched), "engineer_features changed the DataFrame it was given: work on a copy")
    check(features.index.equals(raw.index), "engineer_features must keep one row per house, with the same index")
    text = [column for column in features.columns if not _holds_numbers(features[column])]
    check(not text, f"engineer_features left non-numeric columns {text}: encode yes/no as 1/0")
    check(features.shape[1] >= 1, "engineer_features returned no columns")
    values = as_array(features.to_numpy(dtype=float), "engineer_features")
    few = module.engineer_features(raw.iloc[:7].copy())
    check(isinstance(few, pd.DataFrame) and few.shape == (7, values.shape[1])
          and np.allclose(few.to_numpy(dtype=float), values[:7]),
          "engineer_features gives different features for a house depending on which other houses are in the "
          "table: compute each row from that house alone, and fit means / scalers in train()")
    flipped = raw.iloc[:20].copy()
    for yes_no in YES_NO_COLUMNS:
        flipped[yes_no] = flipped[yes_no].map({"yes": "no", "no": "yes"})
    check(not np.allclose(module.engineer_features(flipped).to_numpy(dtype=float), values[:20]),
          "engineer_features gives the same features whether the yes/no columns say \"yes\" or \"no\": encode "
          "each as 1 for \"yes\" and 0 for \"no\" (the data spell them in lower case)")
    return values.shape[1]


def _holds_out_houses(arguments: dict) -> None:
    """fit_checked's check of each fit in train: step 3 holds out houses for validation and early stopping."""
    import keras

    check(arguments.get("validation_data") is not None or bool(arguments.get("validation_split")),
          "fit holds out no houses for validation: pass validation_split=0.2 (step 3), for early stopping to watch")
    check(any(isinstance(callback, keras.callbacks.EarlyStopping) for callback in arguments.get("callbacks") or ()),
          "fit has no EarlyStopping callback: step 3 stops training when the held-out houses stop improving")
    early_stopping_watches_validation(arguments)
    early_stopping_restores_best(arguments)


def _fitted_on(fitted: list):
    """A check_call for fit_checked: appends each fit's x to `fitted`, for _fed_as_fitted to read once train returns,
    or a Fail, before any epoch runs, for a Python generator, which fit uses up: nothing would be left to hold
    predict's features to (a predict that scales new houses otherwise, its MAE on target, passed unjudged)."""
    def check_call(arguments: dict) -> None:
        not_a_generator(arguments["x"], "a Python generator",
                        "training uses up, so the grader cannot check that predict scales new houses as train scaled "
                        "these: pass model.fit the scaled features as an array")
        fitted.append(arguments["x"])
    return check_call


def _globals_of(train) -> dict | None:
    """The globals `train` looks load_housing up in: a function's own; for a functools.partial, its function's; for
    an object called as train, its class's __call__'s. For a notebook, vars(module) is a copy of the kernel's
    namespace: guarding it would leave the load_housing a train of either kind calls unguarded."""
    for _ in range(10):                               # a partial of a partial of ...: a few layers, never a loop
        if hasattr(train, "__globals__"):             # a function, or a method (bound: its function's)
            return train.__globals__
        if isinstance(train, functools.partial):
            train = train.func
        elif callable(train):
            train = type(train).__call__
        else:
            return None
    return None


@contextlib.contextmanager
def _without_the_data_set(module):
    """While `train` runs, the learner's load_housing (if the file imports it) refuses: train must fit everything
    on the houses it is given, and reading the whole table would let the test houses' prices in.

    The name is replaced where train looks it up, its own globals: the module's for a file, and for a notebook's
    "Grade it" cell the kernel's namespace itself (`module` is a copy of it), put back as it was afterwards."""
    def whole_table(*args, **kwargs):
        raise Fail("train read the whole data set (load_housing()), test houses included: fit the scaling and the "
                   "target's statistics on the houses train is given")

    names = _globals_of(module.train) or vars(module)
    loader = names.get("load_housing")
    if loader is not None:
        names["load_housing"] = whole_table
    try:
        yield
    finally:
        if loader is not None:
            names["load_housing"] = loader


@contextlib.contextmanager
def _predict_inputs(fed: list):
    """While the block runs, every keras Model.predict call, and every call of a model itself, model(X), appends the x
    it is given to `fed`: the outermost call only (predict's own calls of the model, a model nested in another, are
    not the features predict hands the network), and only when it runs eagerly: a call inside a traced function
    (model.predict_on_batch's, a tf.function's) is handed a symbolic tensor, no features to judge."""
    import keras
    import tensorflow as tf

    predict, call = keras.Model.predict, keras.Model.__call__
    depth = [0]                                     # calls under way: only the outermost records its x

    def recording(method):
        @functools.wraps(method)
        def recorded(self, *args, **kwargs):
            if not depth[0] and tf.executing_eagerly():
                fed.append(args[0] if args else kwargs.get("x", kwargs.get("inputs")))
            depth[0] += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                depth[0] -= 1
        return recorded

    keras.Model.predict, keras.Model.__call__ = recording(predict), recording(call)
    try:
        yield
    finally:
        keras.Model.predict, keras.Model.__call__ = predict, call


def _fed_as_fitted(predictor, houses: pd.DataFrame, fitted) -> None:
    """The features HousePriceModel.predict hands the network for the training houses are those train fitted it on
    (`fitted`, fit's x): each fitted row is one of them, to 1e-4 of each column's size (a feature both sides leave
    raw, a lot size near 5,000, cast to float32 by train alone is 3e-4 off), and at least of 1 (a column near 0 that
    train fitted as exactly 0 is no other feature for 1e-10). A predict that scales new
    houses otherwise (the mean subtracted but not divided by the std, not scaled at all) prices them from features the
    network never saw, and its MAE can still pass the target. The rows of every model.predict call are joined (a
    predict may price the houses one at a time or in chunks), and of every model(X) call (a predict may call the
    network itself); fit's x and each call's may be a dict of named inputs, a tf.data.Dataset or a keras.utils.PyDataset
    of (x, y) batches (fit_data.features_read; a generator fit used up is refused before it runs, _fitted_on).
    Skipped when fit's x or any call's x is not rows of numbers (a list of inputs)."""
    fed: list = []
    with _predict_inputs(fed):
        predictor.predict(houses.drop(columns="price"))
    fitted = features_read(fitted, len(houses))                          # (m_fit, n); a Dataset's x read
    calls = [features_read(x, len(houses)) for x in fed]                 # each (m_call, n)
    if fitted is None or not calls or any(rows is None or rows.shape[1] != fitted.shape[1] for rows in calls):
        return
    fed = np.concatenate(calls)                                          # (m_fed, n)
    size = np.maximum(1.0, np.abs(fitted).max(axis=0))                                      # (n,)
    gap = np.abs(fitted[:, None, :] - fed[None, :, :])                                      # (m_fit, m_fed, n)
    relative = (gap / size).max(axis=2)                                                     # (m_fit, m_fed)
    nearest = relative.argmin(axis=1)                                                       # (m_fit,) its fed row
    worst = int(relative[np.arange(len(fitted)), nearest].argmax())                         # the fitted row least met
    check(float(relative[worst, nearest[worst]]) <= 1e-4,
          f"HousePriceModel.predict gives the network other features for the training houses than train fitted it on "
          f"(off by up to {gap[worst, nearest[worst]].max():.3g}): scale new houses exactly as train scaled its own, "
          "with the mean and std it stored")


def _overflowed(predicted) -> None:
    """A Fail naming the cause when predict's prices hold +inf: np.exp overflows past e^709, so what predict handed it
    was no log price (about 11). Every price inf: np.exp of the price itself (a target train never logged). Some: of a
    standardised log price times a std far too large (the price's, about 26,000, not the log price's, about 0.4),
    which also sends the houses below the middle to $0. (as_array said only "non-finite values".)"""
    try:
        prices = np.asarray(predicted, dtype=np.float64).ravel()                            # (m,)
    except (TypeError, ValueError):
        return                                                                               # as_array names it
    overflowed = int(np.isposinf(prices).sum())
    if not overflowed:
        return
    check(overflowed < len(prices),
          f"HousePriceModel.predict returned inf for all {len(prices)} houses: np.exp of a price overflows (past "
          "e^709); np.exp undoes a log, so use it in predict only if train fitted the network on log(price)")
    zero = int(np.sum(prices == 0.0))
    raise Fail(f"HousePriceModel.predict returned inf for {overflowed} of the {len(prices)} houses"
               + (f" and $0 for {zero}" if zero else "") + ": what it hands np.exp swings by thousands, not by a log "
               "price's tenths; undo the standardisation with the std of what the network learned, log(price), not "
               "the price's std")


def _target_scaling_slip(predicted: np.ndarray, price: np.ndarray, houses_train: pd.DataFrame) -> str:
    """When the test MAE misses the target, the slip in undoing the target's scaling that predict's prices show, as a
    hint's second half, or "". With mu and sigma the training houses' mean and std of log(price): a predict that
    leaves out the std, exp(scaled + mu), spreads its log prices 1 / sigma times too far; told when undoing that
    alone, (log - mu) * sigma + mu, takes the MAE below TARGET_MAE. A target train left unscaled, log(price) itself,
    that predict still un-standardises, exp(log price * sigma + mu), prices houses at millions (exp(15)); told when
    the prices are over 10 times the training houses' median and undoing that, (log - mu) / sigma, puts them within
    a factor of 1.5 of it (fitted unscaled, the network itself learns worse: the MAE may stay above the target).
    A network that learned nothing is helped by neither, and is told the generic hint."""
    if not (predicted > 0).all():
        return ""
    log_price = np.log(houses_train["price"].to_numpy(dtype=float))                          # (m_train,)
    mu, sigma = float(log_price.mean()), float(log_price.std())
    middle = float(np.median(houses_train["price"]))
    log_predicted = np.log(predicted)                                                        # (m,)
    without_the_std = np.exp((log_predicted - mu) * sigma + mu)                              # (m,) undone
    if float(np.mean(np.abs(price - without_the_std))) < TARGET_MAE:
        return (f"predict's prices spread about {1 / sigma:.1f} times too far from their middle: undoing the target's "
                "standardisation, multiply by its std before adding its mean (scaled * std + mean)")
    unscaled = np.exp((log_predicted - mu) / sigma)                                          # (m,) undone
    if np.median(predicted) > 10 * middle and 1 / 1.5 < np.median(unscaled) / middle < 1.5:
        return (f"predict's prices are around ${np.median(predicted):,.0f}, what a network fitted on log(price) "
                "unscaled gives when predict undoes a standardisation: standardise the target in train as predict "
                "undoes it")
    return ""


def grade(module, workdir) -> str:
    import keras

    houses_train, houses_test = split_houses()
    n_features = _check_features(module, houses_train)
    with deterministic(SEED):
        model = require_model(module.build_model(n_features), "build_model")
        require_output(model, "build_model", n_features=n_features, units=1, activation="linear",
                       why="a price is one number: one linear output unit")
        no_dropout_after_the_output(model)
        name, _ = loss_of(model)
        check(name in REGRESSION_LOSSES, f"{name} is not a regression loss: use the mean squared error (\"mse\")")
        no_accuracy_for_a_regression(model, "build_model")
        fitted: list = []                           # the x of each fit in train
        with _without_the_data_set(module), fit_checked(_holds_out_houses, _fitted_on(fitted)):
            predictor = module.train(houses_train.copy())
    check(hasattr(predictor, "predict"), "train must return a HousePriceModel (something with .predict(houses))")
    check(not isinstance(predictor, keras.Model),     # its predict takes scaled features, not the raw houses' text
          f"train returned the keras model ({type(predictor).__name__}), not a HousePriceModel: a keras model "
          "predicts from scaled features, and new houses come as raw rows; return HousePriceModel(model, ...) with "
          "the scaling train fitted")
    fields = vars(predictor) if hasattr(predictor, "__dict__") else {}
    kept = [name for name, value in fields.items() if isinstance(value, keras.callbacks.History)]
    check(not kept or any(isinstance(value, keras.Model) for value in fields.values()),  # model = model.fit(...)
          f"train returned a {type(predictor).__name__} whose {kept[0] if kept else ''} is the History that model.fit "
          "returns, not the network: keep the model (model.fit trains it in place) and store that")
    if fitted:
        _fed_as_fitted(predictor, houses_train, fitted[-1])

    raw_test = houses_test.drop(columns="price")
    predicted = predictor.predict(raw_test)
    column = np.shape(predicted) == (N_TEST, 1)
    if column:
        predicted = np.asarray(predicted)[:, 0]
    _overflowed(predicted)
    predicted = as_array(predicted, "HousePriceModel.predict", (N_TEST,))
    alone = float(np.ravel(predictor.predict(raw_test.iloc[[0]]))[0])
    check(abs(alone - predicted[0]) <= 1e-3 * abs(predicted[0]),
          f"HousePriceModel.predict prices a house at ${alone:,.0f} alone but ${predicted[0]:,.0f} among the test "
          "houses: scale new houses with the means and stds train stored, not with the new houses' own")
    price = houses_test["price"].to_numpy(dtype=float)                              # (110,)
    check(float(np.median(predicted)) > 1000.0,
          f"the predicted prices are around {np.median(predicted):.3g}, not dollars: undo the target scaling "
          "(the transform you applied to the price in train) in predict")
    mae = float(np.mean(np.abs(price - predicted)))
    r2 = float(1.0 - np.sum((price - predicted) ** 2) / np.sum((price - price.mean()) ** 2))

    report = module.evaluate(predictor, houses_test.copy())
    check(isinstance(report, dict) and {"mae", "r2"} <= set(report),
          "evaluate must return a dict with the keys \"mae\" and \"r2\"")
    # a column (m, 1) from predict is taken above, but price (m,) - a column broadcasts to (m, m) in evaluate: said
    # when evaluate's number is the one those pairs give, not whenever predict returns a column
    pairs = price_pairs(price, predicted)                                            # (110, 110)
    mae_pairs = float(np.mean(np.abs(pairs)))
    r2_pairs = float(1.0 - np.sum(pairs ** 2) / np.sum((price - price.mean()) ** 2))
    broadcast = f": {column_broadcast('HousePriceModel.predict', N_TEST)}; return prices of shape (m,)"
    said_mae, said_r2 = float(report["mae"]), float(report["r2"])
    check(abs(said_mae - mae) <= 1e-3 * mae,
          f"evaluate says MAE {said_mae:,.0f}, but the mean |price - prediction| is {mae:,.0f}"
          + (broadcast if column and abs(said_mae - mae_pairs) <= 1e-3 * mae_pairs else ""))
    check(abs(said_r2 - r2) <= 1e-3,
          f"evaluate says r2 {said_r2:.3f}, but 1 - SS_res / SS_tot is {r2:.3f}"
          + (broadcast if column and abs(said_r2 - r2_pairs) <= 1e-3 else ""))

    baseline = float(np.mean(np.abs(price - houses_train["price"].mean())))
    slip = _target_scaling_slip(predicted, price, houses_train) if mae >= TARGET_MAE else ""
    check(mae < TARGET_MAE,
          f"test MAE ${mae:,.0f}, the target is < ${TARGET_MAE:,.0f} (predicting the mean: ${baseline:,.0f}): "
          + (slip or "look at the features (log of the lot size? the yes/no columns?), the target's scale, the model "
                     "size"))
    return (f"test MAE ${mae:,.0f} (target < ${TARGET_MAE:,.0f}, mean predictor ${baseline:,.0f}); "
            f"R^2 {r2:.3f}")
