"""The course's Keras models: one small multi-layer perceptron per task, compiled for that task.

    model = build_model("binary")                       # or build_model(prepare("binary"))
    history = model.fit(..., callbacks=standard_callbacks(Path("logs/course/binary")))
    model.save(path)                                    # path ends in ".keras"
    model = load_model(path)                            # clear errors for a missing or foreign file

Every model is the same stack, written the Keras 3 way (keras.Input first, so no layer needs an
`input_shape` argument):

    Input(n_features) -> [Dense(units, relu) -> Dropout(rate)] per hidden layer -> Dense(n_outputs, output)

and only the head changes with the task -- the output activation, the loss and the metric:

    task        output (units)     loss                       metric
    regression  linear (1)         mse                        mae
    binary      sigmoid (1)        binary_crossentropy        accuracy  (one sigmoid: Keras picks BinaryAccuracy)
    multiclass  softmax (10)       categorical_crossentropy   accuracy  (one-hot: Keras picks CategoricalAccuracy)
    multilabel  sigmoid (3)        binary_crossentropy        binary_accuracy

The models are keras.Sequential, like the twins in keras_models/twin.py, so `from_keras` can turn
one into a scratch Network (it skips Dropout: the identity at inference).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

import keras

from data import TASKS, Prepared


@dataclass(frozen=True)
class Head:
    """What the task decides: the data's shapes, the output activation, the loss and the metrics."""

    n_features: int
    n_outputs: int
    activation: str
    loss: str
    metrics: tuple[str, ...]


HEADS = {
    "regression": Head(26, 1, "linear", "mse", ("mae",)),
    "binary": Head(30, 1, "sigmoid", "binary_crossentropy", ("accuracy",)),
    "multiclass": Head(64, 10, "softmax", "categorical_crossentropy", ("accuracy",)),
    # Keras 3 resolves the string "accuracy" by the width of the output: one column -> BinaryAccuracy
    # (threshold 0.5), several columns -> CategoricalAccuracy, which takes the ARGMAX of the row. Three
    # independent sigmoids are not one choice among three, so "accuracy" here would score only the
    # largest sigmoid; "binary_accuracy" thresholds each sigmoid at 0.5 and averages over the labels.
    "multilabel": Head(64, 3, "sigmoid", "binary_crossentropy", ("binary_accuracy",)),
}


def task_head(task: str | Prepared) -> Head:
    """The Head of a task name, or of a Prepared data set (its own shapes, checked against the task)."""
    name = task.task if isinstance(task, Prepared) else task
    if not isinstance(name, str) or name not in HEADS:
        raise ValueError(f"unknown task {name!r}; valid tasks are {', '.join(TASKS)}")
    head = HEADS[name]
    if isinstance(task, Prepared):
        if (task.output_activation, task.loss) != (head.activation, head.loss):
            raise ValueError(f"Prepared data for {name!r} asks for {task.output_activation} + {task.loss}, "
                             f"but the {name} model uses {head.activation} + {head.loss}")
        head = Head(task.n_features, task.n_outputs, head.activation, head.loss, head.metrics)
    return head


def build_model(task: str | Prepared, hidden: tuple[int, ...] = (64, 32), dropout: float = 0.2, *,
                hidden_activation: str = "relu", learning_rate: float = 1e-3,
                name: str | None = None) -> keras.Sequential:
    """A compiled MLP for `task` (a name from data.TASKS, or a Prepared data set for its shapes).

    hidden: units of each hidden layer, e.g. (64, 32). dropout: the rate of the Dropout layer after
    each hidden layer (0 leaves them out); Dropout is active in fit() only, never in predict().
    Adam with `learning_rate`. Input (m, n_features) -> output (m, n_outputs).
    """
    head = task_head(task)
    task_name = task.task if isinstance(task, Prepared) else task
    if (not isinstance(hidden, tuple | list)
            or not all(isinstance(units, Integral) and not isinstance(units, bool) and units > 0
                       for units in hidden)):
        raise ValueError(f"hidden must be a tuple of positive integers (units per hidden layer), got {hidden!r}")
    if not isinstance(dropout, Real) or isinstance(dropout, bool) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a rate in [0, 1), got {dropout!r}")
    if not isinstance(learning_rate, float) or learning_rate <= 0.0:
        raise ValueError(f"learning_rate must be a positive Python float, got {learning_rate!r}")

    layers: list = [keras.Input(shape=(head.n_features,), name="features")]
    for i, units in enumerate(hidden, start=1):
        layers.append(keras.layers.Dense(int(units), activation=hidden_activation, name=f"hidden_{i}"))
        if dropout > 0.0:
            layers.append(keras.layers.Dropout(dropout, name=f"dropout_{i}"))
    layers.append(keras.layers.Dense(head.n_outputs, activation=head.activation, name="output"))

    model = keras.Sequential(layers, name=name or f"{task_name}_mlp")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=head.loss, metrics=list(head.metrics))
    return model


def standard_callbacks(log_dir: str | Path, patience: int = 5) -> list[keras.callbacks.Callback]:
    """EarlyStopping on the validation loss, and TensorBoard logs under log_dir/{train,validation}.

    EarlyStopping stops after `patience` epochs without a lower val_loss and puts back the weights
    of the best epoch (without restore_best_weights the model keeps the last, worse, weights).
    TensorBoard: one point per epoch (update_freq="epoch"; an integer would drop the epoch summaries),
    weight histograms every epoch, no profiler (profile_batch=0), and a pathlib path, never "\\".
    """
    if not isinstance(patience, Integral) or isinstance(patience, bool) or patience < 1:
        raise ValueError(f"patience must be a positive integer, got {patience!r}")
    return [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=int(patience), restore_best_weights=True),
        keras.callbacks.TensorBoard(log_dir=Path(log_dir), histogram_freq=1, profile_batch=0,
                                    update_freq="epoch"),
    ]


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
