"""The task table (data/tasks.py) is the one place a task's facts live, and everything reads it.

Each entry agrees with the data it loads, and a fifth task -- the Windsor house prices, whose file
already ships for the capstone exercise -- needs nothing but its entry: data loading, the Keras model
and `make train`'s side-by-side run all take it from there.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import HandedToFit, stop_at_fit

from data import TASK_TABLE, TASKS, Defaults, Task, TaskData, get_task, load_housing, prepare


@pytest.mark.parametrize("name", TASKS)
def test_each_entry_agrees_with_the_data_it_loads(name):
    task = get_task(name)
    prepared = prepare(name, max_rows=300 if name == "regression" else None)
    assert prepared.X_train.shape[1] == task.n_features
    assert prepared.y_train.shape[1] == task.output_units
    # the output layer and loss fit the targets the data give (prepared.loss is task.loss: compare with the data)
    y = prepared.y_train
    if task.loss == "categorical_crossentropy":                       # one class per row
        assert task.output_activation == "softmax" and set(np.unique(y)) == {0, 1} and (y.sum(axis=1) == 1).all()
    elif task.loss == "binary_crossentropy":                          # independent 0/1 labels
        assert task.output_activation == "sigmoid" and set(np.unique(y)) == {0, 1}
    else:                                                             # a number, not a label
        assert (task.output_activation, task.loss) == ("linear", "mse") and len(np.unique(y)) > 2
    assert task.metric == task.metrics[0] and task.train.epochs >= 1 and task.course.patience >= 1


@pytest.mark.parametrize("n_features", [29, 31])
def test_an_entrys_n_features_off_by_one_is_named_by_prepare_with_the_count_the_data_give(n_features, monkeypatch):
    """The breast-cancer data give 30 columns (scikit-learn's 30 measurements): an entry that says otherwise stops
    prepare() with one line naming both counts and where to fix it, not a model of the wrong input width."""
    monkeypatch.setitem(TASK_TABLE, "binary", replace(get_task("binary"), n_features=n_features))
    with pytest.raises(ValueError) as error:
        prepare("binary")
    assert str(error.value) == (f"the binary task expects {n_features} features after encoding, the breast_cancer "
                                "data give 30: fix n_features in data/tasks.py")


@pytest.mark.parametrize("name", TASKS)
def test_each_entrys_data_file_is_the_file_its_loader_reads(name, monkeypatch):
    """make train checks task.data_file before it makes a run folder: it must be the file `load` verifies."""
    import data.checksums

    task = get_task(name)
    monkeypatch.setitem(data.checksums.SHA256, task.data_file, "0" * 64)      # as if that file had been altered
    with pytest.raises(data.checksums.ChecksumError, match=f"the shipped {task.data_file}: expected sha256 0000"):
        task.load()


@pytest.mark.parametrize("name, shown", [("regresion", "'regresion'"), (["binary"], r"\['binary'\]"), (None, "None")],
                         ids=["misspelt", "a-list", "none"])
def test_an_unknown_task_is_named_with_the_valid_ones(name, shown):
    """Also a name that is no string (a list of one task, None): the same line, not a TypeError from the table."""
    with pytest.raises(ValueError, match=f"unknown task {shown}; valid tasks are regression, binary, "):
        get_task(name)


YES_NO = ("no", "yes")


def house_prices() -> TaskData:
    frame = load_housing()
    price = frame.pop("price").to_numpy(dtype=np.float64)              # (546,) Canadian dollars
    text = ("driveway", "recroom", "fullbase", "gashw", "airco", "prefarea")
    return TaskData(frame, price[:, None] / 1000.0, ["price_thousands_cad"], categories=dict.fromkeys(text, YES_NO))


HOUSING = Task("housing", "housing", house_prices, n_features=17, output_activation="linear", output_units=1,
               loss="mse", metrics=("mae",), train=Defaults(hidden=(8,), epochs=2),
               course=Defaults(hidden=(8,), epochs=2, patience=1))


@pytest.fixture
def fifth_task(monkeypatch):
    monkeypatch.setitem(TASK_TABLE, "housing", HOUSING)
    return HOUSING


@pytest.mark.parametrize("task", ["regression", "binary"])   # the regression script prepares its data itself
def test_a_course_entrys_max_rows_is_the_sample_its_script_trains_on_without_max_rows_given(task, tmp_path,
                                                                                            monkeypatch):
    from keras_models.course.real_data import classification_breast_cancer, regression_diamonds, workflow

    spec = get_task(task)
    monkeypatch.setitem(TASK_TABLE, task, replace(spec, course=replace(spec.course, max_rows=300)))
    monkeypatch.setattr(workflow, "fit", stop_at_fit)
    monkeypatch.setattr(regression_diamonds, "fit", stop_at_fit)
    script = {"regression": regression_diamonds, "binary": classification_breast_cancer}[task]
    with pytest.raises(HandedToFit) as handed:
        script.run(tmp_path, epochs=1, seed=0)
    _, prepared = handed.value.args
    assert len(prepared.X_train) + len(prepared.X_val) + len(prepared.X_test) == 300
    assert len(prepared.X_train) == 210                               # 70% of the 300 rows


def test_a_fifth_task_is_one_entry_for_the_data_and_the_keras_model(fifth_task):
    from keras_models.twins.models import build_model

    prepared = prepare("housing")
    assert prepared.X_train.shape == (len(prepared.train_rows), 17) and prepared.y_train.shape[1] == 1
    model = build_model(prepared)
    assert model.output_shape == (None, 1) and model.loss == "mse"
    assert model.layers[-1].activation.__name__ == "linear"


def test_each_hidden_layer_is_followed_by_dropout_on_both_sides_as_the_task_table_says():
    """binary trains with hidden=(16, 8), dropout=0.2 (data/tasks.py): Dense, Dropout, Dense, Dropout, Dense."""
    import keras

    from keras_models.train.sides import build_twins
    from scratch import Dropout

    settings = get_task("binary").train
    assert len(settings.hidden) >= 2 and settings.dropout > 0             # else this test proves nothing
    net, model = build_twins("binary", prepare("binary", max_rows=100), settings)
    expected = ["Dense", "Dropout"] * len(settings.hidden) + ["Dense"]
    assert [type(layer).__name__ for layer in net.layers] == expected
    assert ["Dropout" if isinstance(layer, keras.layers.Dropout) else type(layer).__name__
            for layer in model.layers] == expected
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)][:-1] == list(
        settings.hidden)
    assert {layer.rate for layer in net.layers if isinstance(layer, Dropout)} == {settings.dropout}
    assert {layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)} == {settings.dropout}


@pytest.mark.slow
def test_a_fifth_task_is_one_entry_for_make_train(fifth_task, tmp_path):
    from keras_models.train.run import train

    run_dir, (result,) = train(["housing"], logdir=tmp_path, quiet=True)
    assert result.task == "housing" and len(result.sides["scratch"].history["loss"]) == 2
    for side in ("keras", "scratch"):
        assert (run_dir / "housing" / side / "train").is_dir()
    np.testing.assert_allclose(result.sides["scratch"].history["val_mae"], result.sides["keras"].history["val_mae"],
                               rtol=1e-4)


# What a learner editing a Dropout rate in the table might write: all of it, dropped; a negative fraction; the
# number as text; None or False for "no Dropout" (0.0 says that; False is a bool, not a rate, though Python reads it
# as 0).
WRONG_RATES = [1.0, -0.1, "0.5", None, False]


def with_dropout(monkeypatch, task: str, use: str, rate) -> None:
    spec = get_task(task)
    monkeypatch.setitem(TASK_TABLE, task, replace(spec, **{use: replace(getattr(spec, use), dropout=rate)}))


def wrong_rate_error(use: str, rate) -> str:
    """The one line (stderr) that refuses task multilabel's `use` settings for their Dropout rate `rate`."""
    return (f"error: data/tasks.py, task multilabel: {use}=Defaults(dropout={rate!r}): a Dropout rate is the fraction "
            "of units dropped, a number in [0, 1) (0.0: no Dropout)\n")


@pytest.mark.parametrize("name, problem", [
    ("regression_l2", "task regression: its name and task regression_l2's are one inside the other, so the "
                      "TensorBoard link of one (runFilter=regression) shows both tasks' runs: give it a name no other "
                      "task's name is part of"),
    ("Binary.v2", "task 'Binary.v2': a task's name is lower-case letters, digits and _ only (make train's "
                  "TensorBoard links filter runs by it)"),
], ids=["contains-another", "regex-characters"])
def test_a_task_name_whose_tensorboard_link_would_catch_another_tasks_runs_stops_make_train(name, problem, tmp_path,
                                                                                          capsys, monkeypatch):
    """runFilter is a case-insensitive regular expression over the run's whole name: `regression` matches the runs
    of regression_l2 too, and `.` matches any character."""
    from keras_models.train.options import parse_args

    monkeypatch.setitem(TASK_TABLE, name, replace(HOUSING, name=name))
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--via-make", "--logdir", str(tmp_path)])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == f"error: data/tasks.py, {problem}\n"


@pytest.mark.parametrize("rate", WRONG_RATES)
def test_a_wrong_dropout_rate_in_the_table_stops_make_train_in_one_line_before_tensorflow(rate, tmp_path, capsys,
                                                                                         monkeypatch):
    from keras_models.train.options import parse_args

    with_dropout(monkeypatch, "multilabel", "train", rate)        # the last task: the others would train first
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--via-make", "--logdir", str(tmp_path)])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == wrong_rate_error("train", rate)


@pytest.mark.parametrize("rate", WRONG_RATES)
def test_a_wrong_dropout_rate_in_the_table_stops_make_course_in_one_line_before_any_script(rate, tmp_path, capsys,
                                                                                          monkeypatch):
    from keras_models.course.real_data import __main__ as course_cli

    with_dropout(monkeypatch, "multilabel", "course", rate)       # the last script: three would train first
    for script in course_cli.SCRIPTS:
        monkeypatch.setattr(script, "run", lambda *args, **kwargs: pytest.fail("a course script ran"))
    assert course_cli.main(["--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == wrong_rate_error("course", rate)


def test_a_wrong_dropout_rate_in_the_table_stops_its_course_script_run_alone_in_one_line(tmp_path, capsys,
                                                                                      monkeypatch):
    from keras_models.course.real_data import multilabel_digits, workflow

    def ran(*args, **kwargs):
        pytest.fail("the script ran")

    ran.__module__ = multilabel_digits.__name__       # the script's own run (imported: its docstring is read)
    with_dropout(monkeypatch, "multilabel", "course", 1.0)
    with pytest.raises(SystemExit) as stopped:
        workflow.command_line(ran, "multilabel", ["--out", str(tmp_path / "out")])
    assert stopped.value.code == 1
    assert capsys.readouterr().err == wrong_rate_error("course", 1.0)
    assert list(tmp_path.iterdir()) == []


def test_make_train_resume_is_not_refused_for_a_wrong_rate_of_a_task_it_may_not_resume(tmp_path, monkeypatch):
    # which tasks a resumed run trains is in its run.json: run_tasks checks those; parse_args checked every task
    from keras_models.train.options import parse_args

    with_dropout(monkeypatch, "multilabel", "train", 1.0)
    assert parse_args(["--via-make", "--resume", "--logdir", str(tmp_path)]).resume
