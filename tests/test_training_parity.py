"""Whole training runs, scratch `fit` against Keras `fit`, from identical starting weights.

shuffle=False (Keras fed the same batches in row order), float64 (floatx set to float64 so nothing is
rounded to float32), several epochs with a partial last batch: every epoch's loss and metrics, the
validation numbers, and the final weights must agree to 1e-10 -- for regression, binary, multi-class
and multi-label models, with SGD, momentum, RMSprop and Adam.
"""

import keras
import numpy as np
import pytest
from conftest import assert_close, build_before_fit

from data import TASK_TABLE
from keras_models.twins.bridge import keras_loss, to_keras
from keras_models.twins.optimizer_bridge import keras_optimizer
from keras_models.twins.pipeline import keras_batches
from scratch import Dense, Network, optimizers
from scratch.agreement import relative_gap
from scratch.callbacks import EarlyStopping

M, M_VAL, BATCH, EPOCHS = 45, 13, 16, 3          # 45 = 16 + 16 + 13: the last batch is partial

# Each task's head as the task table has it (data/tasks.py), on synthetic data of at most 4 outputs:
# name -> (output units, output activation, loss, metric)
TASKS = {task.name: (min(task.output_units, 4), task.output_activation, task.loss, task.metric)
         for task in TASK_TABLE.values()}
# Keras rounds SGD's momentum and Adam's betas (inside beta**t) through float32 even under float64
# floatx (scratch/optimizers/__init__.py), so these hyper-parameters are chosen exactly representable in float32; the
# optimizer tests bound the gap for Keras' defaults separately.
OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(learning_rate=0.1),
    "momentum": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.875),
    "nesterov": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.875, nesterov=True),
    "rmsprop": lambda: optimizers.RMSprop(learning_rate=0.01, rho=0.9, momentum=0.5),
    "adam": lambda: optimizers.Adam(learning_rate=0.01, beta_1=0.875, beta_2=1 - 2**-10),
}


def task_data(task, rng):
    """Inputs and targets of the right kind, with a learnable signal."""
    k, _, _, _ = TASKS[task]
    X = rng.normal(size=(M + M_VAL, 5))
    scores = X @ rng.normal(size=(5, k))                                        # (m, k)
    if task == "regression":
        y = scores + 0.1 * rng.normal(size=scores.shape)
    elif task == "multiclass":
        y = np.eye(k)[np.argmax(scores, axis=1)]
    else:
        y = (scores > 0).astype(float)
    return X[:M], y[:M], X[M:], y[M:]


def twin_networks(task, seed=0):
    k, output, _, _ = TASKS[task]
    return Network([Dense(5, 8, "tanh", seed=seed), Dense(8, 6, "relu", seed=seed + 1),
                    Dense(6, k, output, seed=seed + 2)])


def compiled_twin(net, loss_name, X, y, metrics=(), optimizer="rmsprop"):
    """net's Keras twin, compiled, every variable fit needs made before fit (conftest.build_before_fit)."""
    model = to_keras(net)
    model.compile(loss=keras_loss(net, loss_name), optimizer=optimizer, metrics=list(metrics))
    build_before_fit(model, X, y)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
@pytest.mark.parametrize("task", TASKS)
def test_fit_matches_keras_epoch_by_epoch(task, opt_name, rng, floatx64):
    X, y, X_val, y_val = task_data(task, rng)
    _, _, loss_name, metric = TASKS[task]
    net = twin_networks(task)
    model = compiled_twin(net, loss_name, X, y, [metric], keras_optimizer(OPTIMIZERS[opt_name]()))
    # Keras is fed as make train feeds it: keras_batches, the same batches in row order from a cached tf.data
    # pipeline (about 40% less CPU than Keras slicing NumPy arrays; that path is checked by the validation_split,
    # early-stopping and seeded-shuffling tests below).
    keras_history = model.fit(keras_batches(X, y, BATCH), epochs=EPOCHS, shuffle=False,
                              validation_data=keras_batches(X_val, y_val, BATCH), verbose=0).history
    scratch_history = net.fit(X, y, loss=loss_name, optimizer=OPTIMIZERS[opt_name](), epochs=EPOCHS,
                              batch_size=BATCH, shuffle=False, validation_data=(X_val, y_val),
                              metrics=[metric], verbose=0).history

    assert set(scratch_history) == set(keras_history)
    for key in keras_history:
        assert_close(scratch_history[key], keras_history[key], what=f"{task}/{opt_name} history[{key!r}]")
    for i, (w, w_ref) in enumerate(zip(net.get_weights(), model.get_weights(), strict=True)):
        assert_close(w, w_ref, what=f"{task}/{opt_name} final {'Wb'[i % 2]}_{i // 2 + 1}")


@pytest.mark.slow
def test_accuracy_on_several_sigmoids_means_argmax_in_keras_and_here(rng, floatx64):
    """Keras 3 resolves "accuracy" by output width: 3 sigmoid outputs get *categorical* accuracy.
    Scratch mirrors that (so the numbers match) and the lessons use "binary_accuracy" for multi-label."""
    X, y, _, _ = task_data("multilabel", rng)
    net = twin_networks("multilabel")
    model = compiled_twin(net, "binary_crossentropy", X, y, ["accuracy", "binary_accuracy"])
    keras_logs = model.evaluate(X, y, batch_size=M, verbose=0, return_dict=True)
    from scratch.training import evaluate
    scratch_logs = evaluate(net, X, y, loss="binary_crossentropy", metrics=["accuracy", "binary_accuracy"])
    assert_close(scratch_logs["accuracy"], keras_logs["accuracy"], what="'accuracy' on 3 sigmoids")
    assert_close(scratch_logs["binary_accuracy"], keras_logs["binary_accuracy"], what="binary_accuracy")
    assert scratch_logs["accuracy"] != scratch_logs["binary_accuracy"]


@pytest.mark.slow
def test_validation_split_holds_out_the_last_rows_like_keras(rng, floatx64):
    X, y, _, _ = task_data("binary", rng)
    net = twin_networks("binary")
    model = compiled_twin(net, "binary_crossentropy", X, y, ["accuracy"], keras.optimizers.SGD(0.1))
    keras_history = model.fit(X, y, epochs=2, batch_size=BATCH, shuffle=False, validation_split=0.3,
                              verbose=0).history
    scratch_history = net.fit(X, y, loss="binary_crossentropy", optimizer=optimizers.SGD(0.1), epochs=2,
                              batch_size=BATCH, shuffle=False, validation_split=0.3, metrics=["accuracy"],
                              verbose=0).history
    for key in keras_history:
        assert_close(scratch_history[key], keras_history[key], what=f"validation_split history[{key!r}]")


class _StubWeights:
    """Just enough of a model for a callback: weights that record which epoch they came from."""

    def __init__(self):
        self.epoch, self.stop_training, self.restored = 0, False, None

    def get_weights(self):
        return [np.array(self.epoch)]

    def set_weights(self, ws):
        self.restored = int(ws[0])


HISTORIES = [
    ([1.0, 0.9, 0.95, 0.97, 0.8, 0.85, 0.9, 0.91, 0.92], dict(patience=2)),
    ([1.0, 0.9, 0.95, 0.97, 0.8, 0.85, 0.9, 0.91, 0.92], dict(patience=0)),
    ([1.0, 0.99, 0.985, 0.984, 0.9839], dict(patience=1, min_delta=0.01)),
    ([1.0, 0.9, 0.8, 0.7, 0.6], dict(patience=1, baseline=0.75)),
    ([0.5, 0.6, 0.7, 0.8, 0.9, 0.95], dict(monitor="val_accuracy", patience=1)),
    ([0.5, 0.6, 0.55, 0.4, 0.3], dict(patience=2, start_from_epoch=2)),
    # improvements that never beat the baseline do not reset the wait: the third epoch stops
    ([1.0, 0.9, 0.95, 0.97, 0.96], dict(patience=2, baseline=0.5)),
    # max mode is strict too: an accuracy that only equals the best is no improvement
    ([0.5, 0.6, 0.6, 0.6, 0.6], dict(monitor="val_accuracy", patience=1)),
]


@pytest.mark.parametrize("values, kwargs", HISTORIES)
def test_early_stopping_stops_at_the_same_epoch_as_keras(values, kwargs):
    """Feed the same monitored values to Keras' EarlyStopping and ours: same stop epoch, same best epoch."""
    monitor = kwargs.get("monitor", "val_loss")
    results = []
    for make in (keras.callbacks.EarlyStopping, EarlyStopping):
        stub = _StubWeights()
        cb = make(restore_best_weights=True, mode="max" if "acc" in monitor else "min", **kwargs)
        cb.set_model(stub) if hasattr(cb, "set_model") else setattr(cb, "model", stub)
        cb.on_train_begin({})
        epochs_run = 0
        for epoch, value in enumerate(values):
            stub.epoch = epoch
            cb.on_epoch_end(epoch, {monitor: value})
            epochs_run += 1
            if stub.stop_training:
                break
        cb.on_train_end({})
        results.append((epochs_run, cb.stopped_epoch, cb.best_epoch, stub.restored))
    assert results[1] == results[0], f"scratch (epochs, stopped, best, restored) {results[1]} vs keras {results[0]}"


def test_early_stopping_in_auto_mode_maximises_an_accuracy_as_keras_mode_max_does():
    """mode="auto" (the default) reads "accuracy" in the monitor's name as a quantity to maximise, as Keras
    infers from its accuracy metrics' direction: on rising, then falling accuracies it stops where Keras'
    EarlyStopping(mode="max") stops -- minimising, it would stop at the first rise."""
    values = [0.5, 0.6, 0.55, 0.58, 0.7]
    results = []
    for stopper in (keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1, mode="max"),
                    EarlyStopping(monitor="val_accuracy", patience=1)):
        stub = _StubWeights()
        stopper.set_model(stub)
        stopper.on_train_begin({})
        for epoch, value in enumerate(values):
            stopper.on_epoch_end(epoch, {"val_accuracy": value})
            if stub.stop_training:
                break
        results.append((stopper.stopped_epoch, stopper.best_epoch))
    assert results[1] == results[0] == (2, 1), f"scratch (stopped, best) {results[1]} vs keras {results[0]}"


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(min_delta=float("nan")), ValueError, "EarlyStopping min_delta must be finite, got nan"),
    (dict(patience=2.5), TypeError, "EarlyStopping patience must be a whole number, got float 2.5"),
    (dict(patience=-1), ValueError, "EarlyStopping patience must be >= 0, got -1"),
    (dict(start_from_epoch=1.0), TypeError, "EarlyStopping start_from_epoch must be a whole number, got float 1.0"),
    (dict(baseline="0.5"), TypeError, "EarlyStopping baseline must be a real number such as 0.01, got str '0.5'"),
    (dict(restore_best_weights="yes"), TypeError, "EarlyStopping restore_best_weights must be True or False"),
    (dict(monitor=None), TypeError, "EarlyStopping monitor must be the name of a log such as 'val_loss', got None"),
    (dict(mode="minimum"), ValueError, "EarlyStopping mode must be 'auto', 'min' or 'max', got 'minimum'"),
], ids=["min_delta-nan", "patience-fraction", "patience-negative", "start-fraction", "baseline-text",
        "restore-text", "monitor-none", "mode-unknown"])
def test_early_stopping_refuses_options_keras_takes_on_trust(kwargs, error, message):
    """Keras accepts these and misbehaves: with min_delta=nan no epoch ever improves, so it stops after
    `patience` epochs whatever the values; patience=2.5 waits 3 epochs."""
    with pytest.raises(error, match=message):
        EarlyStopping(**kwargs)


@pytest.mark.slow
def test_early_stopping_in_fit_stops_and_restores_the_best_weights_like_keras_fit(rng, floatx64):
    """The same twin, data and Adam through both fits with EarlyStopping(restore_best_weights=True): the
    same number of epochs, the same val_loss history, and the same restored weights as Keras'."""
    X, y, X_val, y_val = task_data("regression", rng)
    net = twin_networks("regression")
    adam = dict(learning_rate=0.05, beta_1=0.875, beta_2=1 - 2**-10)          # exact in Keras too
    stop = dict(monitor="val_loss", patience=3, min_delta=1e-3, restore_best_weights=True)
    model = compiled_twin(net, "mse", X, y, optimizer=keras_optimizer(optimizers.Adam(**adam)))
    keras_stopper = keras.callbacks.EarlyStopping(**stop)
    keras_history = model.fit(X, y, epochs=300, batch_size=BATCH, shuffle=False, validation_data=(X_val, y_val),
                              callbacks=[keras_stopper], verbose=0).history
    stopper = EarlyStopping(**stop)
    history = net.fit(X, y, loss="mse", optimizer=optimizers.Adam(**adam), epochs=300, batch_size=BATCH,
                      shuffle=False, validation_data=(X_val, y_val), callbacks=[stopper], verbose=0)
    assert len(keras_history["val_loss"]) < 300, "Keras' val_loss should stop improving by 1e-3 long before 300"
    assert_close(history.history["val_loss"], keras_history["val_loss"], what="val_loss per epoch")
    assert (stopper.stopped_epoch, stopper.best_epoch) == (keras_stopper.stopped_epoch, keras_stopper.best_epoch)
    assert stopper.best_epoch < stopper.stopped_epoch                          # something had to be restored
    for i, (w, w_ref) in enumerate(zip(net.get_weights(), model.get_weights(), strict=True)):
        assert_close(w, w_ref, what=f"restored {'Wb'[i % 2]}_{i // 2 + 1}")


@pytest.mark.slow
def test_seeded_shuffling_visits_the_seeds_permutations_like_keras_on_presorted_data(rng, floatx64):
    """seed=7 means: each epoch visits the rows in the order np.random.default_rng(7).permutation(m) draws
    next. Keras, fed the rows already in those orders (one epoch per fit, shuffle=False), ends on the same
    weights; without shuffling the weights differ."""
    X, y, _, _ = task_data("regression", rng)
    net = twin_networks("regression")
    model = compiled_twin(net, "mse", X, y, optimizer=keras.optimizers.SGD(0.05))
    orders = np.random.default_rng(7)
    for _ in range(2):
        order = orders.permutation(len(X))
        model.fit(X[order], y[order], epochs=1, batch_size=BATCH, shuffle=False, verbose=0)
    net.fit(X, y, loss="mse", optimizer=optimizers.SGD(0.05), epochs=2, batch_size=BATCH, shuffle=True, seed=7,
            verbose=0)
    for i, (w, w_ref) in enumerate(zip(net.get_weights(), model.get_weights(), strict=True)):
        assert_close(w, w_ref, what=f"shuffled {'Wb'[i % 2]}_{i // 2 + 1}")
    unshuffled = twin_networks("regression")
    unshuffled.fit(X, y, loss="mse", optimizer=optimizers.SGD(0.05), epochs=2, batch_size=BATCH, shuffle=False,
                   verbose=0)
    assert relative_gap(unshuffled.get_weights()[0], model.get_weights()[0]) > 1e-3


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(batch_size=0), ValueError, "batch_size must be at least 1, got 0"),
    (dict(batch_size=2.5), TypeError, "batch_size must be an int"),
    (dict(epochs=0), ValueError, "epochs must be at least 1"),
    (dict(validation_data=(np.zeros((3, 4)), np.zeros((3, 1)))), ValueError,
     "validation X has 4 features, the network expects 5"),
    (dict(validation_data=(np.zeros((3, 5)), np.zeros((3, 2)))), ValueError,
     r"validation y has shape \(3, 2\); expected \(3, 1\)"),
    (dict(validation_split=1.5), ValueError, r"validation_split must be in \(0, 1\)"),
    (dict(validation_split=0.2, validation_data=(np.zeros((3, 5)), np.zeros((3, 1)))), ValueError,
     "pass validation_data or validation_split, not both"),
    (dict(validation_split=1e-17), ValueError, r"validation_split=1e-17 leaves an empty split of \d+ rows"),
    (dict(validation_data=(np.zeros((3, 5)),)), ValueError, r"validation_data must be a pair \(X_val, y_val\)"),
    (dict(callbacks=[EarlyStopping()]), ValueError, r"EarlyStopping monitors 'val_loss', which is not in the logs: "
                                                    r"\['loss'\] \(pass validation data for val_ metrics\)"),
    (dict(optimizer="adadelta"), ValueError, "unknown optimizer .adadelta."),
    (dict(metrics=["f1"]), ValueError, "unknown metric 'f1'"),
    (dict(metrics="mae"), TypeError, r'metrics must be a list of names such as \["accuracy"\], got str .mae.'),
    (dict(shuffle="no"), TypeError, "shuffle must be True or False, got 'no'"),
    (dict(verbose="x"), TypeError, r'verbose must be 0 \(silent\), 1 .* or "auto" \(1\), got str .x.'),
    (dict(verbose=3), ValueError, "verbose must be 0 .*, got 3"),
    (dict(validation_split="0.2"), TypeError, "validation_split must be a real number such as 0.01, got str '0.2'"),
    (dict(callbacks=[1]), TypeError, r"callbacks\[0\] is a int, not a callback: a callback is a "
                                     r"scratch\.callbacks\.Callback, or any object with one of the methods "
                                     r"on_train_begin, on_epoch_begin, on_epoch_end, on_train_end"),
    (dict(callbacks=EarlyStopping()), TypeError, r"callbacks must be a list such as \[EarlyStopping\(\)\] \(or None\), "
                                                 r"got EarlyStopping"),
])
def test_fit_rejects_bad_arguments_with_a_clear_message(kwargs, error, message, rng):
    X, y, _, _ = task_data("regression", rng)
    net = twin_networks("regression")
    with pytest.raises(error, match=message):
        net.fit(X, y, loss="mse", **{"verbose": 0, **kwargs})


def test_fit_takes_kerass_callbacks_none_and_verbose_auto(rng, capsys):
    """Keras' defaults: callbacks=None is no callbacks, verbose="auto" is 1 (one line per epoch)."""
    X, y, _, _ = task_data("regression", rng)
    history = twin_networks("regression").fit(X, y, loss="mse", epochs=2, callbacks=None, verbose="auto")
    assert history.epoch == [0, 1]
    assert capsys.readouterr().out.count("Epoch ") == 2


def test_a_resumed_fit_numbers_its_epochs_from_initial_epoch_as_keras_does(floatx64):
    """fit(initial_epoch=2, epochs=4) trains two epochs numbered 2 and 3, not 0 and 1: History.epoch and the
    epoch every callback sees (a Checkpoint saves it, to resume from) are Keras' for the same call."""
    X, y = np.arange(8.0).reshape(4, 2) / 8, np.array([[0.0], [1.0], [1.0], [0.0]])
    net = Network([Dense(2, 1, seed=0)])
    seen = {"keras": [], "scratch": []}
    model = to_keras(net)
    model.compile(loss="mse", optimizer="sgd")
    keras_history = model.fit(X, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen["keras"].append(epoch))])

    class Seen:
        def on_epoch_begin(self, epoch, logs):
            seen["scratch"].append(epoch)

    history = net.fit(X, y, loss="mse", optimizer="sgd", epochs=4, initial_epoch=2, verbose=0, callbacks=[Seen()])
    assert keras_history.epoch == seen["keras"] == [2, 3]
    assert history.epoch == seen["scratch"] == [2, 3]


def test_evaluate_reshapes_targets_of_one_output_given_as_a_vector_before_its_metrics():
    """Targets y of shape (m,) against one sigmoid output (m, 1), as Keras takes them: accuracy compares
    each example with its own label (2 of 3 right here), not every example with every label."""
    from scratch.training import evaluate
    net = Network([Dense(1, 1, "sigmoid", seed=0)])
    net.set_weights([np.array([[1.0]]), np.array([0.0])])                  # a = sigmoid(x)
    X, y = np.array([[-1.0], [2.0], [3.0]]), np.array([0.0, 0.0, 1.0])     # predicts 0, 1, 1
    logs = evaluate(net, X, y, loss="binary_crossentropy", metrics=["accuracy"])
    assert logs["accuracy"] == pytest.approx(2 / 3)


def test_evaluate_refuses_a_bare_metric_name_too(rng):
    from scratch.training import evaluate

    X, y, _, _ = task_data("regression", rng)
    with pytest.raises(TypeError, match=r'metrics must be a list of names such as \["accuracy"\], got str .mae.'):
        evaluate(twin_networks("regression"), X, y, loss="mse", metrics="mae")


def test_a_diverging_learning_rate_stops_with_the_watchdog_message(rng):
    X, y, _, _ = task_data("regression", rng)
    net = twin_networks("regression")
    weights_before = net.get_weights()
    with pytest.raises(FloatingPointError, match=r"training diverged in epoch \d+, batch \d+: .*smaller one"):
        net.fit(1e3 * X, 1e3 * y, loss="mse", optimizer=optimizers.SGD(10.0), epochs=50, verbose=0)
    assert not np.array_equal(net.get_weights()[0], weights_before[0])
