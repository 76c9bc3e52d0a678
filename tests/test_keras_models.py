"""The course's Keras models on real data, and the evaluation that scores them.

- Each course script (4 tasks) trains 2 epochs on a small slice, writes its .keras file, loss-curve
  PNG and TensorBoard logs; the .keras file reloads with identical predictions; a raw new example,
  scaled with prepare()'s numbers, gets the same prediction as the prepared row.
- The short fit learns (its training loss ends well below the untrained model's) and hands back the
  best epoch's model, scored on the validation split.
- The evaluation functions agree with numbers worked out by hand (written in the tests) on tiny
  cases, and with Keras' own metric objects on the tie and argmax rules.
- Bad input: a file that is not a .keras model, mismatched shapes, unknown tasks.
"""

import dataclasses
import logging
import math
import re
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
import sklearn.datasets
import tensorflow as tf
from conftest import HandedToFit, build_before_fit, read_run, stop_at_fit, the_disk_fills_while_writing

from data import TASKS, get_task, load_breast_cancer, load_diamonds, load_digits, prepare
from keras_models.course.real_data import (
    classification_breast_cancer,
    multiclass_digits,
    multilabel_digits,
    regression_diamonds,
    workflow,
)
from keras_models.twins import loss_curves
from keras_models.twins.classification_report import argmax_labels, class_labels, evaluate_classifier
from keras_models.twins.loss_curves import history_frame, plot_loss_curves
from keras_models.twins.models import build_model, load_model, standard_callbacks
from keras_models.twins.regression_metrics import regression_metrics
from keras_models.twins.tf_chatter import quiet_keras_retracing_warning
from scratch import losses

SCRIPTS = {"regression": regression_diamonds, "binary": classification_breast_cancer,
           "multiclass": multiclass_digits, "multilabel": multilabel_digits}
EPOCHS, MAX_ROWS = 2, 300
HISTORY_KEYS = {  # what each model's fit() records: its loss and its task's metric, train and validation
    "regression": ["loss", "mae", "val_loss", "val_mae"],
    "binary": ["accuracy", "loss", "val_accuracy", "val_loss"],
    "multiclass": ["accuracy", "loss", "val_accuracy", "val_loss"],
    "multilabel": ["binary_accuracy", "loss", "val_binary_accuracy", "val_loss"],
}
OUTPUTS = {"regression": (26, 1, "linear"), "binary": (30, 1, "sigmoid"),
           "multiclass": (64, 10, "softmax"), "multilabel": (64, 3, "sigmoid")}


def built_before_fit(prepared):
    """The course's build_model(prepared), its variables for fit made first (conftest.build_before_fit): the same
    numbers, and fit traces its train step once instead of twice."""
    model = build_model(prepared)
    build_before_fit(model, prepared.X_train, prepared.y_train)
    return model


@pytest.fixture(scope="module")
def weights_before_fit():
    """{task: the weights course_run's model was built with}: the untrained model its fit started from, kept by
    course_run."""
    return {}


@pytest.fixture(scope="module", params=TASKS)
def course_run(request, tmp_path_factory, weights_before_fit):
    """One short run of the task's course script (2 epochs, 300 rows) into a fresh temporary folder. The model the
    script builds (through workflow, or regression_diamonds' own call) has the variables its fit needs made first
    (conftest.build_before_fit: the same numbers, and fit traces its train step once instead of twice: about 4 of
    the 4 runs' 15 CPU-seconds), and its weights before the fit are kept in weights_before_fit."""
    out_dir = tmp_path_factory.mktemp(f"course_{request.param}")

    def built_and_kept(prepared):
        model = built_before_fit(prepared)
        weights_before_fit[prepared.task] = model.get_weights()    # NumPy copies: the fit does not change them
        return model

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(workflow, "build_model", built_and_kept)
        monkeypatch.setattr(regression_diamonds, "build_model", built_and_kept)    # it builds its own, not workflow's
        return SCRIPTS[request.param].run(out_dir, epochs=EPOCHS, max_rows=MAX_ROWS, seed=0)


def raw_rows(dataset: str) -> pd.DataFrame:
    """The data set's raw feature columns as loaded (no target), in the loader's row order."""
    if dataset == "diamonds":
        return load_diamonds().drop(columns="price")
    if dataset == "breast_cancer":
        return load_breast_cancer()[0]
    return load_digits()[0]


# --- the four models, trained briefly on real data ----------------------------------------------

def test_model_architecture_follows_the_task(course_run):
    n_features, n_outputs, activation = OUTPUTS[course_run.task]
    model = course_run.model
    assert model.input_shape == (None, n_features)
    assert model.output_shape == (None, n_outputs)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert keras.activations.serialize(model.layers[-1].activation) == activation
    assert model.loss == course_run.prepared.loss


def test_fit_records_the_task_metric_for_each_epoch(course_run):
    assert list(course_run.history.columns) == HISTORY_KEYS[course_run.task]
    assert len(course_run.history) == EPOCHS
    assert np.isfinite(course_run.history.to_numpy()).all()


def test_fit_takes_the_task_tables_batch_size(course_run):
    """"The batch size is the task's own (data/tasks.py)": 64 rows for the diamonds, Keras' 32 would take twice the
    steps. The optimizer counts one step per batch."""
    batches = math.ceil(len(course_run.prepared.X_train) / get_task(course_run.task).course.batch_size)
    assert int(course_run.model.optimizer.iterations) == len(course_run.history) * batches


def scratch_loss(prepared, model, X, y) -> float:
    """The task's loss of model's predictions for X against y, computed by scratch.losses in float64 (an
    implementation checked against Keras' in test_losses, not the fitted model's compiled loss)."""
    y_pred = np.asarray(model(X, training=False), dtype=np.float64)          # (m, k), inference: no Dropout
    return losses.get(prepared.loss).forward(y.astype(np.float64), y_pred)


def test_the_short_fit_learns_its_training_loss_ends_below_nine_tenths_of_the_untrained_models(course_run,
                                                                                                  weights_before_fit):
    """Two epochs of fit lower the loss on the training rows to under 0.9 of the same model's with the weights it was
    built with (measured: 0.57 to 0.83 of it). A learning rate of 0, or no epochs, leaves the two losses equal."""
    prepared, trained = course_run.prepared, course_run.model
    untrained = keras.models.clone_model(trained)                            # the architecture, no compile, no fit
    untrained.set_weights(weights_before_fit[course_run.task])
    before, after = (scratch_loss(prepared, model, prepared.X_train, prepared.y_train)
                     for model in (untrained, trained))
    assert after < 0.9 * before, (course_run.task, before, after)


def test_the_model_handed_back_scores_its_best_epochs_validation_loss_on_the_validation_split(course_run):
    """History's val_loss is the loss on prepared.X_val, prepared.y_val: the returned model's loss there is the
    smallest val_loss recorded (the validation data fit was given was the validation split, not the test split or
    the training rows). In these 2-epoch runs the best epoch is the last, so this does not show EarlyStopping
    restoring it: test_fit_stops_early_by_the_task_tables_patience_on_its_monitor checks restore_best_weights=True."""
    prepared = course_run.prepared
    on_the_validation_split = scratch_loss(prepared, course_run.model, prepared.X_val, prepared.y_val)
    assert on_the_validation_split == pytest.approx(course_run.history["val_loss"].min(), rel=1e-5)


@pytest.fixture(scope="module")
def second_binary_fit(tmp_path_factory):
    """One short workflow.fit (binary, 1 epoch, 60 rows) into a folder where an earlier run of 3 epochs left its
    TensorBoard curves, recording the EarlyStopping callbacks standard_callbacks made for it: what the two tests
    below read. One fit for both instead of one each (1.3 CPU-seconds)."""
    out_dir = tmp_path_factory.mktemp("second_binary_fit")
    for split in ("train", "validation"):                                  # what an earlier run of 3 epochs left
        with tf.summary.create_file_writer(str(out_dir / "tensorboard" / "binary" / split)).as_default():
            for epoch in range(3):
                tf.summary.scalar("epoch_loss", 9.0, step=epoch)
    stoppers = []

    def recorded(*args):
        callbacks = standard_callbacks(*args)
        stoppers.extend(c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping))
        return callbacks

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(workflow, "standard_callbacks", recorded)
        prepared = prepare("binary", seed=0, max_rows=60)
        model = built_before_fit(prepared)                                  # one trace of the train step, not two
        fitted = workflow.fit(model, prepared, out_dir, epochs=1, verbose=0, title="second")
    return fitted, stoppers


def test_fit_stops_early_by_the_task_tables_patience_on_its_monitor(second_binary_fit):
    """"EarlyStopping watches task.monitor (val_loss) and, once it has not improved for task.course.patience
    epochs, stops and restores the best epoch's weights" (workflow.py): the EarlyStopping fit was given."""
    _, stoppers = second_binary_fit
    task = get_task("binary")
    assert [(s.monitor, s.patience, s.restore_best_weights) for s in stoppers] == [
        (task.monitor, task.course.patience, True)]


def built_with_seed(seed: int, monkeypatch) -> tuple:
    """The model and data prepare_and_fit built with `seed`, stopped at workflow.fit: no training."""
    monkeypatch.setattr(workflow, "fit", stop_at_fit)
    with pytest.raises(HandedToFit) as handed:
        workflow.prepare_and_fit("binary", None, epochs=1, max_rows=60, seed=seed, verbose=0, title="")
    return handed.value.args


def test_the_seed_chooses_the_sample_the_splits_and_the_weights(monkeypatch):
    """--seed "seeds the sample, the splits, the weights and Dropout: the same seed gives the same model": seed 1
    twice gives the same rows and initial weights, seed 0 other rows and other weights (no fit runs)."""
    (model_0, prepared_0), (model_1, prepared_1), (again, prepared_again) = (
        built_with_seed(seed, monkeypatch) for seed in (0, 1, 1))
    assert prepared_1.train_rows.tolist() == prepared_again.train_rows.tolist()
    assert prepared_1.train_rows.tolist() != prepared_0.train_rows.tolist()
    for w_1, w_again, w_0 in zip(model_1.get_weights(), again.get_weights(), model_0.get_weights(), strict=True):
        np.testing.assert_array_equal(w_1, w_again)
        assert w_1.any() == (w_1 != w_0).any()              # a kernel differs; a bias is zeros for every seed


def test_save_and_reload_refuses_a_file_that_does_not_predict_what_the_trained_model_did(tmp_path):
    """The scripts' check that the .keras file holds the trained model: predictions it does not reproduce stop the
    script with a line naming the file; the model's own predictions pass."""
    prepared = prepare("binary", seed=0, max_rows=60)
    model = build_model(prepared)
    model.optimizer.build(model.trainable_variables)        # as fit leaves it: its slots saved, and loaded back
    predictions = model.predict(prepared.X_test, verbose=0)                            # (9, 1)
    path, reloaded = workflow.save_and_reload(model, tmp_path, "binary", prepared.X_test, predictions)
    assert path == tmp_path / "binary.keras"
    np.testing.assert_array_equal(reloaded.predict(prepared.X_test, verbose=0), predictions)
    with pytest.raises(RuntimeError, match=f"^{re.escape(str(path))} does not reproduce the trained model's "):
        workflow.save_and_reload(model, tmp_path, "binary", prepared.X_test, predictions + 1e-6)


def test_keras_metric_agrees_with_our_evaluation_on_the_validation_split(course_run):
    """Keras' compiled metric (its own code) and ours (regression_metrics.py, classification_report.py) agree."""
    prepared, model = course_run.prepared, course_run.model
    keras_scores = model.evaluate(prepared.X_val, prepared.y_val, batch_size=len(prepared.X_val),
                                  return_dict=True, verbose=0)
    y_pred = model.predict(prepared.X_val, verbose=0)
    if course_run.task == "regression":
        ours, theirs = regression_metrics(prepared.y_val, y_pred)["mae"], keras_scores["mae"]
    else:
        metric = HISTORY_KEYS[course_run.task][0]
        ours, theirs = evaluate_classifier(prepared.y_val, y_pred, course_run.task).accuracy, keras_scores[metric]
    assert ours == pytest.approx(theirs, rel=1e-5)


def test_script_writes_model_curves_and_tensorboard_logs(course_run):
    assert course_run.model_path.suffix == ".keras" and zipfile.is_zipfile(course_run.model_path)
    assert course_run.curves_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert course_run.curves_png.name == f"{course_run.task}_loss_curves.png"       # the name the README gives
    for split in ("train", "validation"):
        assert list((course_run.log_dir / split).glob("events.out.tfevents.*")), f"no {split} event file"


HEADLINES = {"regression": "regression on diamonds", "binary": "binary classification on breast cancer",
             "multiclass": "multi-class classification on digits", "multilabel": "multi-label classification on digits"}


def test_the_script_prints_its_epochs_test_scores_first_example_and_files_as_the_readme_shows(course_run):
    """What `make course` prints for each script (the README's sample run), against numbers worked out here in NumPy
    from the trained model's test predictions: the rows, the epochs, the test scores to 3 decimals (the first two
    classes' precision, recall, f1-score and support among them), and the first test row's answer (the regression
    script answers for a new diamond instead: its price scaled, and unscaled, the mistake it warns of)."""
    prepared, model, task = course_run.prepared, course_run.model, course_run.task
    lines = course_run.report.splitlines()
    assert lines[0] == (f"{HEADLINES[task]}: {len(course_run.history)} epochs, "
                        f"{len(prepared.train_rows)} training rows")
    assert lines[-1] == (f"  model {course_run.model_path}, curves {course_run.curves_png}, "
                         f"TensorBoard {course_run.log_dir}")
    y, p = prepared.y_test.astype(np.float64), model.predict(prepared.X_test, verbose=0).astype(np.float64)
    if task == "regression":
        e = y - p
        mae, rmse, explained = np.mean(np.abs(e)), np.sqrt(np.mean(e ** 2)), 1 - np.var(e) / np.var(y)
        assert lines[1] == f"  test MAE {mae:.3f} k$, RMSE {rmse:.3f} k$, explained variance {explained:.3f}"
        # the new diamond the line names, one-hot encoded here by hand: "cut=Ideal" is 1, the other grades 0
        diamond = {"carat": 0.9, "cut": "Ideal", "color": "G", "clarity": "VS1",
                   "depth": 61.8, "table": 57.0, "x": 6.2, "y": 6.18, "z": 3.82}
        unscaled = np.array([[float(diamond[column] == grade) if grade else diamond[column]
                              for column, _, grade in (name.partition("=") for name in prepared.feature_names)]])
        scaled = (unscaled - prepared.standardiser.mean) / prepared.standardiser.std                  # (1, 26)
        price, price_unscaled = (model.predict(x.astype(np.float32), verbose=0)[0, 0] for x in (scaled, unscaled))
        assert lines[2] == (f"  new diamond (0.9 ct, Ideal, G, VS1): ${1000 * price:,.0f} "
                            f"(the same row unscaled would say ${1000 * price_unscaled:,.0f})")
        return
    right = (np.argmax(p, axis=1) == np.argmax(y, axis=1)) if task == "multiclass" else ((p > 0.5) == (y == 1))
    metric = "binary accuracy" if task == "multilabel" else "accuracy"
    assert lines[1] == f"  test {metric} {np.mean(right):.3f}"
    assert lines[2].split() == ["precision", "recall", "f1-score", "support"]
    # each class's yes/no, as columns (m, classes): a single sigmoid is two classes, 0 and 1
    said = np.eye(p.shape[1])[np.argmax(p, axis=1)] if task == "multiclass" else (p > 0.5).astype(float)
    if task == "binary":
        said, y = np.hstack([1 - said, said]), np.hstack([1 - y, y])
    for c, name in enumerate(course_run.test_scores.table.index[:2]):   # the first two classes' rows, to 3 decimals
        row = next(line.split() for line in lines[3:] if line.split()[:1] == [name])     # the report's, first
        tp, fp, fn = (np.sum((said[:, c] == a) & (y[:, c] == b)) for a, b in ((1, 1), (1, 0), (0, 1)))
        with np.errstate(invalid="ignore", divide="ignore"):          # 0/0: a class never said (or never there)
            numbers = [tp / (tp + fp), tp / (tp + fn), 2 * tp / (2 * tp + fp + fn)]
        assert row[1:] == [f"{number:.3f}" for number in numbers] + [str(int(tp + fn))], (name, row)
    first, row = p[0], prepared.test_rows[0]                         # the first test row: the script's example
    if task == "binary":
        unscaled = model.predict(raw_rows("breast_cancer").iloc[[row]].to_numpy(np.float32), verbose=0)[0, 0]
        name = {0: "benign", 1: "malignant"}
        assert lines[-2] == (f"  patient {row}: p(malignant) = {first[0]:.3f} -> {name[int(first[0] > 0.5)]} "
                             f"(truly {name[int(y[0, 1])]}); unscaled input would give p = {unscaled:.3f}")
    elif task == "multiclass":
        digit = int(np.argmax(first))
        assert lines[-2] == f"  image {row} (a {np.argmax(y[0])}): read as {digit} with p = {first[digit]:.3f}"
    else:                                                            # each target: yes or no, and its probability
        answers = ", ".join(f"{name} {'yes' if q > 0.5 else 'no'} ({q:.2f})"
                            for name, q in zip(prepared.target_names, first, strict=True))
        assert lines[-2] == f"  image {row} (a {load_digits()[1].iloc[row]}): {answers}"


class SaysThreeInFourMalignant:
    """A stand-in for the trained breast-cancer model: p(malignant) = 0.75 for every patient, (m, 1)."""

    def predict(self, X, verbose=0):
        return np.full((len(X), 1), 0.75, dtype=np.float32)


@pytest.mark.parametrize("seed, truly", [(0, "malignant"), (3, "benign")])   # the first test patient's class
def test_the_binary_script_thresholds_its_patients_probability_and_names_the_patients_own_diagnosis(seed, truly,
                                                                                                 tmp_path, monkeypatch):
    """The script's one patient, with a stand-in model that says p(malignant) = 0.75 (no fit, no .keras file): the
    0.5 threshold calls it malignant (an argmax over the one column would say benign), and "truly" is the patient's
    diagnosis in scikit-learn's copy of the data (target 0 = malignant): one patient of each class, 60 rows. (The
    course fixture's patient is malignant and called benign after 2 epochs: an argmax, or the diagnosis of the file's
    first row, malignant, passes there.) About 0.1 s each."""
    model = SaysThreeInFourMalignant()
    monkeypatch.setattr(workflow, "build_model", lambda prepared: model)
    monkeypatch.setattr(workflow, "fit", lambda model, prepared, out_dir, *_, **__: workflow.Fitted(
        pd.DataFrame(), out_dir / "binary_loss_curves.png", out_dir / "tensorboard" / "binary"))
    monkeypatch.setattr(workflow, "save_and_reload", lambda model, out_dir, *_: (out_dir / "binary.keras", model))
    run = classification_breast_cancer.run(tmp_path, epochs=1, max_rows=60, seed=seed)
    row = run.prepared.test_rows[0]
    assert {0: "malignant", 1: "benign"}[int(sklearn.datasets.load_breast_cancer().target[row])] == truly
    assert run.report.splitlines()[-2] == (f"  patient {row}: p(malignant) = 0.750 -> malignant (truly {truly}); "
                                           "unscaled input would give p = 0.750")


def test_a_second_run_replaces_the_first_runs_tensorboard_curves_instead_of_interleaving_them(second_binary_fit):
    """TensorBoard reads every event file of a folder as one run: the first run's epochs must be gone."""
    second, _ = second_binary_fit
    for split, key in (("train", "loss"), ("validation", "val_loss")):
        _, steps, values = read_run(second.log_dir / split)["epoch_loss"]
        assert steps == [0], split                                         # the second run's one epoch, alone
        assert float(values[0]) == pytest.approx(second.history[key].iloc[0], rel=1e-6)


def test_standard_callbacks_without_patience_leave_early_stopping_out_as_the_task_tables_none_means(tmp_path):
    """Defaults.patience=None: "every epoch runs" -- the course's fit hands the table's patience on as it is."""
    (board,) = standard_callbacks(tmp_path / "logs" / "run", patience=None)
    assert isinstance(board, keras.callbacks.TensorBoard)


def test_keras_file_round_trip_predicts_identically(course_run):
    reloaded = keras.models.load_model(course_run.model_path, safe_mode=True)     # Keras' own loader
    X_test = course_run.prepared.X_test
    np.testing.assert_array_equal(reloaded.predict(X_test, verbose=0), course_run.model.predict(X_test, verbose=0))
    for w_reloaded, w_trained in zip(reloaded.get_weights(), course_run.model.get_weights(), strict=True):
        np.testing.assert_array_equal(w_reloaded, w_trained)


def test_single_raw_example_scaled_like_training_gets_the_prepared_rows_prediction(course_run):
    prepared, model = course_run.prepared, course_run.model
    raw = raw_rows(prepared.dataset).iloc[[prepared.test_rows[0]]]                # (1, raw columns)
    x = prepared.scale(raw)                                                        # (1, n_features)
    np.testing.assert_array_equal(x, prepared.X_test[:1])
    prediction = model.predict(x, verbose=0)
    assert prediction.shape == (1, OUTPUTS[course_run.task][1])
    np.testing.assert_array_equal(prediction, model.predict(prepared.X_test[:1], verbose=0))
    # and the script's own new example went through the same scaling
    assert course_run.new_prediction.shape == (1, OUTPUTS[course_run.task][1])
    expected = model.predict(prepared.scale(course_run.new_example), verbose=0)
    np.testing.assert_allclose(course_run.new_prediction, expected, rtol=1e-6)


# --- evaluation on tiny cases worked out by hand ------------------------------------------------

# e = y - y_hat = [-0.5, 0, 1, -1] in every column below
# MAE = (0.5 + 0 + 1 + 1) / 4 = 0.625;  MSE = (0.25 + 0 + 1 + 1) / 4 = 0.5625, RMSE = 0.75
# mean(e) = -0.125, Var(e) = 0.5625 - 0.015625 = 0.546875
# one column, y = [1, 2, 3, 4]: Var(y) = 1.25, explained variance = 1 - 0.546875 / 1.25 = 0.5625
#     (R^2 would be 1 - 0.5625 / 1.25 = 0.55)
# a second column, y = [0, 0, 2, 2]: Var(y) = 1, its explained variance 1 - 0.546875 = 0.453125; the score is the
#     mean over the columns, (0.5625 + 0.453125) / 2 = 0.5078125 (not the worst column's 0.453125, and not
#     1 - 0.546875 / 1.6875 = 0.676 from the variance of all eight targets pooled)
@pytest.mark.parametrize("y, y_hat, explained_variance", [
    ([[1.0], [2.0], [3.0], [4.0]], [[1.5], [2.0], [2.0], [5.0]], 0.5625),
    ([[1.0, 0.0], [2.0, 0.0], [3.0, 2.0], [4.0, 2.0]], [[1.5, 0.5], [2.0, 0.0], [2.0, 1.0], [5.0, 3.0]], 0.5078125),
], ids=["one-column", "two-columns-averaged"])
def test_regression_metrics_match_hand_computation(y, y_hat, explained_variance):
    scores = regression_metrics(np.array(y), np.array(y_hat))
    assert scores == pytest.approx({"mae": 0.625, "rmse": 0.75, "explained_variance": explained_variance}, rel=1e-12)


def test_regression_metrics_refuse_a_target_constant_in_one_column_by_its_index():
    """Explained variance divides by Var(y) per column: a column whose targets are all one value is named (its
    index, 1), not scored as -inf or NaN with a RuntimeWarning; the other column varies."""
    y = np.array([[1.0, 3.0], [2.0, 3.0], [4.0, 3.0]])
    with pytest.raises(ValueError, match=r"^regression_metrics: explained variance is undefined: y_true is constant "
                                         r"in output column\(s\) \[1\]$"):
        regression_metrics(y, y + 0.5)


def test_regression_metrics_of_tiny_targets_raise_nothing_under_a_learners_seterr_all_raise():
    """The same four rows scaled by 1e-155: the variances (~1e-310) are subnormal, which np.seterr(all="raise")
    makes an underflow error; the metrics scale with the targets (explained variance not at all), as scratch's
    passes do under that setting (scratch.checks.UNDERFLOW_IS_ROUNDING)."""
    y = np.array([[1.0], [2.0], [3.0], [4.0]]) * 1e-155
    y_hat = np.array([[1.5], [2.0], [2.0], [5.0]]) * 1e-155
    with np.errstate(all="raise"):
        scores = regression_metrics(y, y_hat)
    assert scores == pytest.approx({"mae": 0.625e-155, "rmse": 0.75e-155, "explained_variance": 0.5625}, rel=1e-9)


def test_single_sigmoid_is_thresholded_and_exactly_half_is_class_0_like_keras():
    y = np.array([[1], [0], [1], [0], [1], [0]], dtype=float)
    p = np.array([[0.9], [0.5], [0.4], [0.2], [0.7], [0.1]])
    # p > 0.5 -> [1, 0, 0, 0, 1, 0]: the row at exactly 0.5 (a true 0) is class 0, so it is right.
    np.testing.assert_array_equal(class_labels(p, "binary"), [1, 0, 0, 0, 1, 0])
    result = evaluate_classifier(y, p, "binary", ["benign", "malignant"])
    # true benign: 3 rows, all called benign; true malignant: 3 rows, 2 found (0.4 is missed)
    np.testing.assert_array_equal(result.confusion.to_numpy(), [[3, 0], [1, 2]])
    assert result.table.loc["malignant", "precision"] == pytest.approx(2 / 2)
    assert result.table.loc["malignant", "recall"] == pytest.approx(2 / 3)
    assert result.table.loc["benign", "precision"] == pytest.approx(3 / 4)
    assert result.table.loc["benign", "recall"] == pytest.approx(3 / 3)
    assert result.accuracy == pytest.approx(5 / 6)        # with ">= 0.5" it would be 4 / 6
    keras_accuracy = keras.metrics.BinaryAccuracy()
    keras_accuracy.update_state(y, p)
    assert float(keras_accuracy.result()) == pytest.approx(5 / 6)


def test_a_binary_tasks_one_class_name_names_class_1_and_not_it_class_0():
    """The data's target_names for breast cancer is ["malignant"]: the sigmoid's class 1. Worked by hand: targets
    1, 1, 0, 0, decisions 1, 0, 0, 0 -> malignant recall 1/2, precision 1/1; not malignant recall 2/2. The printed
    report (what make course shows) has the same numbers under the same headings."""
    scores = evaluate_classifier(np.array([[1.0], [1.0], [0.0], [0.0]]), np.array([[0.9], [0.2], [0.1], [0.3]]),
                                 "binary", class_names=["malignant"])
    assert scores.confusion.loc["true malignant"].to_dict() == {"not malignant": 1, "malignant": 1}
    assert (scores.table.loc["malignant", "recall"], scores.table.loc["malignant", "precision"]) == (0.5, 1.0)
    assert scores.table.loc["not malignant", "recall"] == 1.0
    lines = [line.split() for line in scores.report.splitlines()]
    assert lines[0] == ["precision", "recall", "f1-score", "support"]
    assert next(line for line in lines if line[:1] == ["malignant"]) == ["malignant", "1.000", "0.500", "0.667", "2"]


def test_a_class_neither_in_the_targets_nor_predicted_keeps_its_row_and_column_of_zeros():
    """A small test split may hold no example of a digit, and the model may never predict it: the matrix still has
    one row and one column per class, in class order (scikit-learn alone would drop them)."""
    scores = evaluate_classifier(np.eye(3)[[0, 1, 1]], np.array([[0.8, 0.1, 0.1], [0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]),
                                 "multiclass")
    assert scores.confusion.values.tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 0]]


def test_a_binary_output_of_two_columns_is_refused_not_read_as_its_first():
    with pytest.raises(ValueError, match=r"^binary probabilities must have shape \(m, 1\): one sigmoid, got \(2, 2\)$"):
        class_labels(np.array([[0.2, 0.8], [0.9, 0.1]]), "binary")


def test_the_digits_confusion_matrix_prints_within_80_columns_with_predicted_named_once():
    # each column was labelled "predicted 7": the 10 x 10 matrix make course prints was 136 columns wide
    y = np.eye(10)[np.arange(20) % 10]                                     # (20, 10): each digit twice
    result = evaluate_classifier(y, y, "multiclass")                        # every one read right: 2 on the diagonal
    lines = result.confusion.to_string().splitlines()
    assert lines[0] == "predicted  0  1  2  3  4  5  6  7  8  9"
    assert lines[1] == "true 0     2  0  0  0  0  0  0  0  0  0"
    assert len(lines) == 11 and max(map(len, lines)) <= 80


def test_softmax_decision_is_the_argmax_of_each_row():
    y = np.eye(3)[[0, 1, 2, 2]]
    p = np.array([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.5, 0.1, 0.4], [0.1, 0.1, 0.8]])
    # argmax -> [0, 1, 0, 2]: the third row (a true 2) is read as 0
    np.testing.assert_array_equal(class_labels(p, "multiclass"), [0, 1, 0, 2])
    result = evaluate_classifier(y, p, "multiclass")
    np.testing.assert_array_equal(result.confusion.to_numpy(), [[1, 0, 0], [0, 1, 0], [1, 0, 1]])
    assert result.table.loc["0", "precision"] == pytest.approx(1 / 2)     # two rows called 0, one right
    assert result.table.loc["2", "recall"] == pytest.approx(1 / 2)        # two true 2s, one found
    assert result.accuracy == pytest.approx(3 / 4)
    keras_accuracy = keras.metrics.CategoricalAccuracy()
    keras_accuracy.update_state(y, p)
    assert float(keras_accuracy.result()) == pytest.approx(3 / 4)


def test_multilabel_thresholds_each_sigmoid_and_argmax_accuracy_would_mislead():
    y = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0]], dtype=float)
    p = np.array([[0.8, 0.3, 0.6], [0.2, 0.9, 0.4], [0.6, 0.5, 0.1]])
    # p > 0.5 -> [[1, 0, 1], [0, 1, 0], [1, 0, 0]]  (the 0.5 in row 3 is a "no")
    np.testing.assert_array_equal(class_labels(p, "multilabel"), [[1, 0, 1], [0, 1, 0], [1, 0, 0]])
    result = evaluate_classifier(y, p, "multilabel", ["a", "b", "c"])
    # per label, true column vs decisions: a [1,0,1] vs [1,0,1]; b [0,1,1] vs [0,1,0]; c [0,1,0] vs [1,0,0]
    #                                                           tn fp fn tp
    np.testing.assert_array_equal(result.confusion.to_numpy(), [[1, 0, 0, 2], [1, 0, 1, 1], [1, 1, 1, 0]])
    assert result.table.loc["b", "recall"] == pytest.approx(1 / 2)
    assert result.table.loc["c", "precision"] == pytest.approx(0.0)
    assert result.accuracy == pytest.approx(6 / 9)        # 9 yes/no answers, 6 right
    binary_accuracy = keras.metrics.BinaryAccuracy()
    binary_accuracy.update_state(y, p)
    assert float(binary_accuracy.result()) == pytest.approx(6 / 9)
    # What "accuracy" resolves to for 3 outputs: argmax of p [0, 1, 0] vs argmax of y [0, 1, 0] -> 1.0
    categorical = keras.metrics.CategoricalAccuracy()
    categorical.update_state(y, p)
    assert float(categorical.result()) == pytest.approx(1.0)


def test_argmax_of_a_single_sigmoid_column_is_always_class_0_and_is_refused():
    p = np.array([[0.9], [0.2], [0.7], [0.6]])
    np.testing.assert_array_equal(np.argmax(p, axis=1), [0, 0, 0, 0])        # what argmax would say
    np.testing.assert_array_equal(class_labels(p, "binary"), [1, 0, 1, 1])   # what the threshold says
    with pytest.raises(ValueError, match=r"\(4, 1\).*always 0"):
        argmax_labels(p)
    with pytest.raises(ValueError, match=r"\(4, 1\)"):
        class_labels(p, "multiclass")


def test_precision_of_a_class_never_predicted_is_nan_not_zero():
    y = np.array([[0], [1], [1]], dtype=float)
    p = np.array([[0.1], [0.2], [0.3]])                   # nobody is called class 1: precision 0/0
    table = evaluate_classifier(y, p, "binary").table
    assert np.isnan(table.loc["1", "precision"])
    assert table.loc["1", "recall"] == 0.0                # 0 of 2 found: defined, and 0
    assert table.loc["0", "precision"] == pytest.approx(1 / 3)


# --- loss curves ----------------------------------------------------------------------------------

def test_loss_curves_frame_has_the_history_keys_and_png_is_written(tmp_path, rng):
    keras.utils.set_random_seed(0)
    X = rng.normal(size=(40, 30)).astype("float32")
    y = (X[:, :1] > 0).astype("float32")                                         # (40, 1)
    model = build_model("binary", hidden=(8,), dropout=0.0)
    build_before_fit(model, X[:30], y[:30])                        # one trace of the train step, not two
    history = model.fit(X[:30], y[:30], validation_data=(X[30:], y[30:]), epochs=3, verbose=0)
    frame = history_frame(history)
    assert list(frame.columns) == list(history.history)
    assert list(frame.index) == history.epoch == [0, 1, 2]
    for key, values in history.history.items():
        np.testing.assert_allclose(frame[key].to_numpy(), values)
    png = plot_loss_curves(frame, tmp_path / "curves" / "binary.png")
    assert png.stat().st_size > 1000 and png.read_bytes()[:4] == b"\x89PNG"


def test_loss_curves_the_disk_cannot_hold_leave_no_half_written_png(tmp_path, monkeypatch):
    """make course on a full disk: its <task>_loss_curves.png is whole or not there, and the error names it."""
    monkeypatch.setattr(loss_curves.Figure, "savefig", the_disk_fills_while_writing)
    frame = pd.DataFrame({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    with pytest.raises(OSError) as full:
        plot_loss_curves(frame, tmp_path / "binary.png")
    assert (full.value.filename, list(tmp_path.iterdir())) == (str(tmp_path / "binary.png"), [])


def test_loss_curves_png_has_a_panel_per_quantity_loss_first_with_train_and_validation_lines(tmp_path, monkeypatch):
    """plot_loss_curves returns only the path: its panels and lines are read back from the Figure it drew (kept as it
    is made), against the frame's own columns, so a swapped panel, label or column would show."""
    drawn = []

    class KeptFigure(loss_curves.Figure):                          # matplotlib's Figure, only remembered
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            drawn.append(self)

    monkeypatch.setattr(loss_curves, "Figure", KeptFigure)
    frame = pd.DataFrame({"mae": [3.0, 2.0, 1.5], "loss": [9.0, 4.0, 2.0], "val_mae": [3.5, 2.5, 2.0],
                          "learning_rate": [0.1, 0.1, 0.05], "val_loss": [10.0, 6.0, 5.0]})  # loss not first
    frame.index.name = "epoch"
    png = plot_loss_curves(frame, tmp_path / "regression.png", title="regression")
    assert png.read_bytes()[:4] == b"\x89PNG"
    (figure,) = drawn
    assert figure.get_suptitle() == "regression"
    panels = [(ax.get_ylabel(), [(line.get_label(), list(line.get_xdata()), list(line.get_ydata()))
                                 for line in ax.get_lines()]) for ax in figure.axes]
    epochs = [0, 1, 2]
    assert panels == [
        ("loss", [("train loss", epochs, [9.0, 4.0, 2.0]), ("validation loss", epochs, [10.0, 6.0, 5.0])]),
        ("mae", [("train mae", epochs, [3.0, 2.0, 1.5]), ("validation mae", epochs, [3.5, 2.5, 2.0])]),
        ("learning_rate", [("train learning_rate", epochs, [0.1, 0.1, 0.05])]),         # no val_ twin: one line
    ]
    assert [[text.get_text() for text in ax.get_legend().get_texts()] for ax in figure.axes] == [
        ["train loss", "validation loss"], ["train mae", "validation mae"], ["train learning_rate"]]


def test_history_frame_keeps_the_historys_order_and_names_its_index_epoch():
    """A History's keys in the order Keras logged them (here not sorted: a fit's binary History, accuracy before loss,
    is sorted already, so the order was never tried)."""
    frame = history_frame({"loss": [0.9, 0.5], "mae": [0.7, 0.6], "val_loss": [1.0, 0.8], "auc": [0.5, 0.6]})
    assert (list(frame.columns), list(frame.index), frame.index.name) == (
        ["loss", "mae", "val_loss", "auc"], [0, 1], "epoch")
    assert frame["mae"].tolist() == [0.7, 0.6] and frame["val_loss"].tolist() == [1.0, 0.8]


@pytest.mark.parametrize("call, message", [
    (lambda _: history_frame({}),
     "expected a keras History or a non-empty dict of per-epoch lists, got <class 'dict'>"),
    (lambda _: history_frame([[0.5, 0.4]]), "expected a keras History or a non-empty dict of per-epoch lists, got "
                                            "<class 'list'>"),
    (lambda _: history_frame({"loss": [0.5, 0.4], "val_loss": [0.6]}),
     "every History key needs one value per epoch, got lengths {'loss': 2, 'val_loss': 1}"),
    (lambda tmp_path: plot_loss_curves(pd.DataFrame({"mae": [0.5], "val_mae": [0.6]}), tmp_path / "curves.png"),
     "the history has no 'loss' column, only ['mae', 'val_mae']"),
    (lambda tmp_path: plot_loss_curves(pd.DataFrame({"val_loss": [0.6]}), tmp_path / "curves.png"),
     "the history has no 'loss' column, only ['val_loss']"),
    (lambda tmp_path: plot_loss_curves(pd.DataFrame({"loss": [0.5]}), tmp_path / "curves.jpg"),
     "the loss-curve file must end in .png, got {tmp_path}/curves.jpg"),
], ids=["empty-dict", "a-list", "lengths-differ", "no-loss", "only-val-loss", "not-png"])
def test_loss_curves_refuse_a_history_they_cannot_draw_in_one_line_naming_it(call, message, tmp_path):
    # none was tried: without its check, lengths that differ were pandas' "All arrays must be of the same length",
    # a frame without loss list.remove's "x not in list", and a .jpg path a PNG under that name
    with pytest.raises(ValueError) as refused:
        call(tmp_path)
    assert str(refused.value) == message.replace("{tmp_path}", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_standard_callbacks_stop_on_val_loss_and_log_every_epoch(tmp_path):
    early, board = standard_callbacks(tmp_path / "logs" / "run", patience=3)
    assert (early.monitor, early.patience, early.restore_best_weights) == ("val_loss", 3, True)
    assert (board.histogram_freq, board.update_freq) == (1, "epoch")
    assert board.log_dir == str(tmp_path / "logs" / "run")


@pytest.mark.parametrize("patience", [0, True, 2.0])
def test_standard_callbacks_refuse_a_patience_that_is_no_positive_integer(patience, tmp_path):
    """0, True and 2.0 are no count of epochs without a lower val_loss: each is named in one line."""
    with pytest.raises(ValueError, match=f"^patience must be a positive integer, or None for no EarlyStopping, "
                                         f"got {patience!r}$"):
        standard_callbacks(tmp_path / "logs" / "run", patience=patience)


# --- bad input ------------------------------------------------------------------------------------

def test_loading_a_file_that_is_not_a_keras_model_names_the_file(tmp_path):
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    with pytest.raises(ValueError, match=rf"{re.escape(str(text))}.*zip"):
        load_model(text)
    empty_zip = tmp_path / "empty.keras"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match=rf"{re.escape(str(empty_zip))}.*config\.json"):
        load_model(empty_zip)
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "missing.keras"))):
        load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match=r"model\.h5.*\.keras"):
        (tmp_path / "model.h5").write_bytes(b"")
        load_model(tmp_path / "model.h5")


def test_loading_a_keras_archive_without_its_weights_names_the_missing_file(tmp_path):
    """A .keras zip holding config.json but no model.weights.h5 (a copy cut short) is named as such, not loaded."""
    no_weights = tmp_path / "cut.keras"
    with zipfile.ZipFile(no_weights, "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(no_weights))} is not a Keras model file: the archive "
                                         r"lacks model\.weights\.h5$"):
        load_model(no_weights)


@pytest.mark.parametrize("call", [
    lambda: regression_metrics(np.zeros((4, 1)), np.zeros(4)),
    lambda: evaluate_classifier(np.zeros((4, 1)), np.zeros(4), "binary"),
    lambda: evaluate_classifier(np.eye(3)[[0, 1, 2, 0]], np.full((4, 2), 0.5), "multiclass"),
], ids=["regression", "binary", "multiclass"])
def test_evaluation_with_mismatched_shapes_names_them(call):
    with pytest.raises(ValueError, match=r"y_true \(4, \d\) and y_pred \(4,( 2)?\)"):
        call()


@pytest.mark.parametrize("y_true, y_pred, message", [
    (np.zeros(4), np.zeros(4), r"the same 2-D shape \(m, k\) with m > 0, got y_true \(4,\) and y_pred \(4,\)"),
    (np.zeros((0, 1)), np.zeros((0, 1)), r"with m > 0, got y_true \(0, 1\) and y_pred \(0, 1\)"),
    ([[1.0], [np.nan]], [[1.0], [2.0]], r"y_true has NaN or infinite values"),
    ([[1.0], [2.0]], [[np.inf], [2.0]], r"y_pred has NaN or infinite values"),
], ids=["both-1d", "no-rows", "one-nan-target", "one-inf-prediction"])
def test_metrics_refuse_1d_pairs_no_rows_and_any_non_finite_value_by_name(y_true, y_pred, message):
    """Two 1-D arrays of one shape still are no (m, k) pair (the docstring's rule: reshape explicitly); no rows
    would score NaN; and one NaN among finite values must be named, not averaged into a NaN score."""
    with pytest.raises(ValueError, match=f"^regression_metrics: .*{message}"):
        regression_metrics(y_true, y_pred)


@pytest.mark.parametrize("score, what", [
    (regression_metrics, "regression_metrics"),
    (lambda y, p: evaluate_classifier(y, p, "binary"), "evaluate_classifier"),
], ids=["regression", "classifier"])
@pytest.mark.parametrize("masked", ["y_true", "y_pred"])
def test_metrics_refuse_masked_entries_by_name_as_scratch_does(score, what, masked):
    """np.asarray hands over the values under a mask: the 1.0 below, a valid target and a valid probability, was
    scored without a word (masked in y_true: MAE 0.375, not 0.25). scratch.checks.elementwise's rule: masked entries
    are a ValueError naming the array and the first one."""
    values = {"y_true": np.array([[1.0], [0.0], [0.0], [1.0]]), "y_pred": np.array([[0.75], [0.25], [0.25], [0.75]])}
    values[masked] = np.ma.array(values[masked], mask=[[False], [True], [False], [False]])
    values[masked].data[1, 0] = 1.0
    with pytest.raises(ValueError, match=rf"^{what}: {masked} is a masked array with 1 masked entry \(first at "
                                         r"index \[1, 0\]\): the values under the mask are not data"):
        score(values["y_true"], values["y_pred"])


@pytest.mark.parametrize("y_true, error, message", [
    (np.array([[1 + 1j], [2.0]]), TypeError, r"y_true must be real numbers, got dtype complex128"),
    ([["1"], ["2"]], TypeError, r"y_true must be real numbers, got dtype <U1"),
    ([[1.0], [2.0, 3.0]], ValueError, r"y_true must be an \(m, k\) array of numbers: setting an array element"),
], ids=["complex", "text", "ragged"])
def test_metrics_name_targets_that_are_not_real_numbers(y_true, error, message):
    """A complex target's imaginary part was dropped with a warning only (scored as 1 and 2: MAE 0), text parsed as
    numbers, a ragged list refused without saying which argument."""
    with pytest.raises(error, match=f"^regression_metrics: {message}"):
        regression_metrics(y_true, [[1.0], [2.0]])


def test_metrics_take_a_masked_array_with_nothing_masked_as_its_values():
    """The other half of the rule: nothing masked, nothing to refuse; scored as the plain arrays are (by hand: MAE
    of errors 0.25, 0.25, 0.25 is 0.25)."""
    y, y_hat = np.array([[1.0], [0.0], [1.0]]), np.array([[0.75], [0.25], [0.75]])
    assert regression_metrics(np.ma.array(y), np.ma.array(y_hat))["mae"] == 0.25
    assert evaluate_classifier(np.ma.array(y), np.ma.array(y_hat), "binary").accuracy == 1.0


def test_unknown_task_lists_the_valid_tasks():
    with pytest.raises(ValueError, match="regression, binary, multiclass, multilabel") as error:
        build_model("clustering")
    assert "'clustering'" in str(error.value)
    with pytest.raises(ValueError, match="binary, multiclass, multilabel"):
        evaluate_classifier(np.zeros((2, 1)), np.zeros((2, 1)), "regression")


def test_logits_or_non_binary_targets_are_refused():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*-2\.0"):
        class_labels(np.array([[-2.0], [3.0]]), "binary")
    with pytest.raises(ValueError, match="0/1"):
        evaluate_classifier(np.array([[2.0], [0.0]]), np.array([[0.3], [0.6]]), "binary")
    with pytest.raises(ValueError, match="one-hot"):
        evaluate_classifier(np.array([[1.0, 1.0], [0.0, 1.0]]), np.full((2, 2), 0.5), "multiclass")


@pytest.mark.parametrize("outputs", [[[-0.25], [0.5]], [[0.5], [1.25]], [[np.nan], [0.5]], [[np.inf], [0.5]]],
                         ids=["below-0", "above-1", "nan", "inf"])
def test_each_output_outside_0_to_1_is_refused_alone_and_both_ends_are_probabilities(outputs):
    """A logit just outside [0, 1] on one side only, or a NaN, is no probability: thresholded at 0.5 it would be
    scored without a word. 0 and 1 themselves are probabilities (a saturated sigmoid)."""
    with pytest.raises(ValueError, match=r"^binary outputs must be probabilities in \[0, 1\]"):
        class_labels(np.array(outputs), "binary")
    assert class_labels(np.array([[0.0], [1.0]]), "binary").tolist() == [0, 1]


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden": (64, 0)}, "hidden"),
    ({"hidden": 64}, "hidden"),
    ({"dropout": 1.0}, "dropout"),
    ({"learning_rate": 0}, "learning_rate"),
])
def test_build_model_rejects_bad_settings_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_model("binary", **kwargs)


def test_build_model_refuses_prepared_data_whose_head_is_not_its_tasks_naming_both():
    """A Prepared data set carries its task's head (units, output activation, loss); one changed by hand is not
    built into a model that trains on the wrong loss without a word."""
    prepared = dataclasses.replace(prepare("binary", seed=0, max_rows=60), loss="mse")
    with pytest.raises(ValueError, match=r"^Prepared data for 'binary' asks for 1 x sigmoid \+ mse, but the binary "
                                         r"task uses 1 x sigmoid \+ binary_crossentropy$"):
        build_model(prepared)


class TensorFlowTrainer:
    """Named as Keras' trainer class (keras/src/backend/tensorflow/trainer.py): its step functions are closures."""

    def _make_function(self):
        import tensorflow as tf

        @tf.function
        def multi_step_on_iterator(x):
            return x + 1
        return multi_step_on_iterator


def learners_function():
    import tensorflow as tf

    @tf.function
    def step(x):
        return x + 1
    return step


def test_the_retracing_warning_is_dropped_for_keras_step_functions_and_kept_for_the_learners_own(monkeypatch):
    """Six models' step functions, each traced once, as make train EPOCHS=1 makes them: TensorFlow counts them
    as one function (one code object) and warns (twice at most); here made by a method named like Keras' trainer,
    so that no model is needed.

    Those two warnings are TensorFlow's for a code object's whole process (its detectors are module-level, keyed by
    the code object, which compares equal for the same source): run again in one Python (pytest.main twice, a warm
    test runner), the test saw none. So it counts with a detector manager of its own, as a fresh process has."""
    import tensorflow as tf
    from tensorflow.python.eager.polymorphic_function import polymorphic_function

    monkeypatch.setattr(polymorphic_function, "_frequent_tracing_detector_manager",
                        polymorphic_function._FrequentTracingDetectorManager())
    logged = []
    catcher = logging.Handler()
    catcher.emit = logged.append
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.addHandler(catcher)
    logger.setLevel(logging.WARNING)           # as a program starts (make exercises, run earlier here, raises it)
    try:
        quiet_keras_retracing_warning()
        for make in [TensorFlowTrainer()._make_function] * 6 + [learners_function] * 6:
            make()(tf.constant(1.0))
    finally:
        logger.removeHandler(catcher)
        logger.setLevel(level)
    retracing = [record.getMessage() for record in logged if "triggered tf.function retracing" in record.getMessage()]
    assert len(retracing) == 2 and all("calls to <function learners_function.<locals>.step at " in message
                                       for message in retracing), retracing
