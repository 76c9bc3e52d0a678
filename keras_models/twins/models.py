"""The course's Keras models: one small multi-layer perceptron per task, compiled for that task.

    model = build_model("binary")                       # or build_model(prepare("binary"))
    history = model.fit(..., callbacks=standard_callbacks(Path("logs/course/binary")))
    model.save(path)                                    # path ends in ".keras"
    model = load_model(path)                            # clear errors for a missing or foreign file

Every model is the same stack, written the Keras 3 way (keras.Input first, so no layer needs an
`input_shape` argument):

    Input(n_features) -> [Dense(units, relu) -> Dropout(rate)] per hidden layer -> Dense(output_units, output)

and only the head changes with the task -- the output activation and units, the loss and the
metrics -- as the task table says (`data/tasks.py`); the hidden layers, the dropout rate and Adam's
learning rate default to the task's course settings (`task.course`).

The models are keras.Sequential, like the twins in keras_models/twins/bridge.py, so `from_keras` can
turn one into a scratch Network.
"""

from __future__ import annotations

import zipfile
from numbers import Integral, Real
from pathlib import Path

import keras

from data import Prepared, Task, get_task


def task_of(task: str | Prepared) -> Task:
    """The Task of a task name or of a Prepared data set (whose head is checked against the task's)."""
    name = task.task if isinstance(task, Prepared) else task
    spec = get_task(name)
    head = (spec.output_units, spec.output_activation, spec.loss)
    if isinstance(task, Prepared) and (task.n_outputs, task.output_activation, task.loss) != head:
        raise ValueError(f"Prepared data for {name!r} asks for {task.n_outputs} x {task.output_activation} + "
                         f"{task.loss}, but the {name} task uses {spec.output_units} x {spec.output_activation} + "
                         f"{spec.loss}")
    return spec


def build_model(task: str | Prepared, hidden: tuple[int, ...] | None = None, dropout: float | None = None, *,
                hidden_activation: str = "relu", learning_rate: float | None = None,
                name: str | None = None) -> keras.Sequential:
    """A compiled MLP for `task` (a name from data.TASKS, or a Prepared data set for its shapes).

    hidden: units of each hidden layer, e.g. (64, 32). dropout: the rate of the Dropout layer after
    each hidden layer (0 leaves them out); Dropout is active in fit() only, never in predict().
    Adam with `learning_rate`. Input (m, n_features) -> output (m, output_units). Each of the three
    defaults to the task's course settings (data/tasks.py).
    """
    spec = task_of(task)
    hidden = spec.course.hidden if hidden is None else hidden
    dropout = spec.course.dropout if dropout is None else dropout
    learning_rate = spec.course.learning_rate if learning_rate is None else learning_rate
    if (not isinstance(hidden, tuple | list)
            or not all(isinstance(units, Integral) and not isinstance(units, bool) and units > 0
                       for units in hidden)):
        raise ValueError(f"hidden must be a tuple of positive integers (units per hidden layer), got {hidden!r}")
    if not isinstance(dropout, Real) or isinstance(dropout, bool) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a rate in [0, 1), got {dropout!r}")
    if not isinstance(learning_rate, float) or learning_rate <= 0.0:
        raise ValueError(f"learning_rate must be a positive Python float, got {learning_rate!r}")

    layers: list = [keras.Input(shape=(spec.n_features,), name="features")]
    for i, units in enumerate(hidden, start=1):
        layers.append(keras.layers.Dense(int(units), activation=hidden_activation, name=f"hidden_{i}"))
        if dropout > 0.0:
            layers.append(keras.layers.Dropout(dropout, name=f"dropout_{i}"))
    layers.append(keras.layers.Dense(spec.output_units, activation=spec.output_activation, name="output"))

    model = keras.Sequential(layers, name=name or f"{spec.name}_mlp")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=spec.loss, metrics=list(spec.metrics))
    return model


def standard_callbacks(log_dir: str | Path, patience: int | None = 5,
                       monitor: str = "val_loss") -> list[keras.callbacks.Callback]:
    """EarlyStopping on the validation loss, and TensorBoard logs under log_dir/{train,validation}.

    EarlyStopping stops after `patience` epochs without a lower `monitor` (val_loss) and puts back the weights
    of the best epoch (without restore_best_weights the model keeps the last, worse, weights). patience=None,
    as in the task table's Defaults, leaves EarlyStopping out: every epoch runs, and TensorBoard alone is returned.
    TensorBoard: one point per epoch (update_freq="epoch"; an integer N writes an epoch's summaries only when the
    batches trained so far are a multiple of N: with 4 batches an epoch and N = 3, every third epoch's),
    weight histograms every epoch, no profiler (profile_batch=0), and a pathlib path, never "\\".
    """
    if patience is not None and (not isinstance(patience, Integral) or isinstance(patience, bool) or patience < 1):
        raise ValueError(f"patience must be a positive integer, or None for no EarlyStopping, got {patience!r}")
    board = keras.callbacks.TensorBoard(log_dir=Path(log_dir), histogram_freq=1, profile_batch=0, update_freq="epoch")
    if patience is None:
        return [board]
    return [keras.callbacks.EarlyStopping(monitor=monitor, patience=int(patience), restore_best_weights=True), board]


def load_model(path: str | Path) -> keras.Model:
    """keras.models.load_model(path, safe_mode=True) after checking that path is a `.keras` file.

    A `.keras` file is a zip archive holding config.json (the architecture), metadata.json and
    model.weights.h5. Keras itself reports "File not found" for an existing file that is not one;
    here the error names the file and says what is wrong with it. safe_mode=True refuses to run
    Python code (lambda layers) stored in the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no Keras model file at {path}")
    if path.suffix != ".keras":
        raise ValueError(f"{path} is not a Keras model file: the name must end in .keras (Keras 3 format)")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a Keras model file: a .keras file is a zip archive, this is not one")
    with zipfile.ZipFile(path) as archive:
        missing = sorted({"config.json", "model.weights.h5"} - set(archive.namelist()))
    if missing:
        raise ValueError(f"{path} is not a Keras model file: the archive lacks {', '.join(missing)}")
    return keras.models.load_model(path, safe_mode=True)
