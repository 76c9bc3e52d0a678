"""Keras' dropout masks, recorded where Keras draws them, so that scratch can replay them.

Two Dropout layers with different random generators switch off different units, so a scratch network
and its Keras twin trained with Dropout drift apart from the first step. To compare like with like,
scratch replays the masks Keras drew (`net.loss_and_gradients(..., training=True, masks=[...])`,
`net.fit(..., masks=...)`), and this module records them:

    RecordingDropout(rate, seed=...)         keras.layers.Dropout, Keras' own draw, keeping its masks:
        layer.last_mask                        (m, n) bool: the keep-mask of the last eager training call
    record(model, steps, batch_size)         inside a compiled fit too: row `step` of a buffer gets the mask
                                             of optimizer step `step` (the optimizer's `iterations`)
    recorded(model) -> [(steps, batch_size, n) bool, ...]      one per RecordingDropout, in order, with
                                             .steps_run: the steps fit ran (the rows past them hold no mask)
                                             and .rows (steps,): how many rows each step's batch had
    replay(recorded(model), n_rows) -> masks(epoch, batch)      for scratch's fit(..., masks=...)
    state(model), check_state(...), load_state(model, arrays)  what a checkpoint keeps (make train): the masks and
                                             rows of the steps so far, so a restored replay is checked as a live one

How the mask is read. Keras' Dropout returns where(U >= rate, x * scale, 0), with U uniform on [0, 1).
Reading the mask off that output (out != 0) is wrong wherever x itself is 0 -- a ReLU unit that is off,
which a Dropout after a ReLU layer sees in about half its entries: kept or dropped, the output is 0.
(For the gradient that position does not matter, since relu'(z) = 0 there; for replaying a training
run it must be exact.) So RecordingDropout makes Keras' draw on a tensor of ones instead:
keras.random.dropout(ones, rate, seed=self.seed_generator) is scale where kept and 0 where dropped,
so kept = (that != 0) without ambiguity, and the layer returns x * that. The draw depends only on the
shape, the dtype and the seed generator, which advances once per call as in Dropout, so the output is
keras.layers.Dropout's bit for bit (tests/test_dropout.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf


class _MaskBuffer:
    """A (steps, batch_size, n) bool tf.Variable; writing a batch's (rows, n) mask fills row `step`
    (rows padded with False to batch_size). Kept in a plain object so Keras does not count it as a weight.
    `rows` (steps,) keeps how many rows each step's batch had (0: not run), for replay to check its batches against.
    `widest` keeps the most rows a batch had: with the optimizer's step count it tells `buffers` that fit outgrew the
    buffer, where inside fit TensorFlow could only say "Paddings must be non-negative" or "indices[0] = [9] does not
    index into shape [9,16,8]"."""

    def __init__(self, steps: int, batch_size: int, n: int, step: keras.Variable):
        # ONLY_FIRST_REPLICA: under a tf.distribute strategy every replica writes the same global mask
        self.masks = tf.Variable(tf.zeros((steps, batch_size, n), tf.bool), trainable=False,
                                 aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.rows = tf.Variable(tf.zeros((steps,), tf.int32), trainable=False,
                                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.widest = tf.Variable(0, trainable=False, aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.batch_size, self.step = batch_size, step

    def write(self, mask: tf.Tensor) -> None:
        rows = tf.shape(mask)[:1]                                                       # (1,)
        self.widest.assign(tf.maximum(self.widest, rows[0]))
        # A wider batch is cut and a step past the buffer overwrites its last row (buffers() refuses both then):
        # TensorFlow's own errors from inside fit would not say which sizes to record
        mask = mask[:self.batch_size]                                                  # (rows, n)
        padded = tf.pad(mask, [[0, self.batch_size - tf.shape(mask)[0]], [0, 0]])     # (batch_size, n)
        row = tf.minimum(tf.cast(self.step.value, tf.int64), self.masks.shape[0] - 1)
        index = tf.reshape(row, (1, 1))
        if tf.distribute.in_cross_replica_context() or not tf.distribute.has_strategy():
            self.masks.scatter_nd_update(index, padded[tf.newaxis])
            self.rows.scatter_nd_update(index, rows)
        else:                                                        # a mirrored variable has no scatter there
            self.masks.assign(tf.tensor_scatter_nd_update(self.masks, index, padded[tf.newaxis]))
            self.rows.assign(tf.tensor_scatter_nd_update(self.rows, index, rows))


# registered, so that keras.models.load_model finds the class of a twin saved to a .keras file (Keras' own error
# otherwise: "Could not locate class 'RecordingDropout'" and the model's whole config)
@keras.saving.register_keras_serializable(package="keras_models.twins")
class RecordingDropout(keras.layers.Dropout):
    """keras.layers.Dropout (the same draw, the same output) that records the keep-mask of each training call.
    A model saved with it loads back as one (with no masks recorded: `record` again before fitting)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        self._drawn_at: float | None = None          # the rate of the first training call, after which rate is fixed
        super().__init__(rate, noise_shape=noise_shape, seed=seed, **kwargs)
        self.last_mask: np.ndarray | None = None
        self._buffer: _MaskBuffer | None = None

    @property
    def rate(self) -> float:
        return self._rate

    @rate.setter
    def rate(self, rate: float) -> None:
        # a train function Keras traced has the rate as a constant and keeps it: fit would go on dropping units at the
        # old rate while from_keras read the new one, and replay scale old masks by the new 1 / (1 - rate)
        if self._drawn_at is not None and rate != self._drawn_at:
            raise ValueError(f"RecordingDropout {self.name!r} has dropped units at rate {self._drawn_at}, which the "
                             f"train step Keras traced keeps (and the masks recorded so far were drawn with): rate = "
                             f"{rate} would reach from_keras but not fit; build the twin again with Dropout({rate})")
        self._rate = rate

    @property
    def noise_shape(self) -> None:
        return None

    @noise_shape.setter
    def noise_shape(self, noise_shape) -> None:
        if noise_shape is not None:      # its draw on ones of the input's shape would ignore one without a word
            raise ValueError(f"RecordingDropout records one mask entry per example and unit; noise_shape="
                             f"{noise_shape} is not supported")

    def call(self, inputs, training=False):
        if not training:
            return inputs
        self._drawn_at = self.rate
        if self.rate > 0:
            kept, mine = self._draw(inputs)                           # (m, n), (m_k, n)
            mask, outputs = kept != 0, inputs * mine                  # (m, n) bool, (m_k, n)
        else:                                                         # rate 0: Keras returns the inputs, no draw
            mask, outputs = keras.ops.ones_like(inputs, dtype="bool"), inputs
        if self._buffer is not None:
            self._buffer.write(mask)
        if tf.executing_eagerly():
            self.last_mask = np.asarray(mask)
        return outputs

    def _draw(self, inputs: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Keras' draw on ones for the whole batch (scale where kept, 0 where dropped), and this replica's rows.

        On one device both are the (m, n) draw. Under a tf.distribute strategy with N replicas (make train
        DEVICES=N) the batch of m rows arrives as shards of m_1, ..., m_N rows, replica k holding rows
        m_1 + ... + m_(k-1) onwards; each replica draws the whole (m, n) batch's mask with the same seed
        state -- the very draw one device makes -- and keeps its own rows, so N devices drop the same
        units as one (tests/test_devices.py). Drawing on a shard's shape instead would give other masks.
        """
        replica = tf.distribute.get_replica_context()
        if replica is None or replica.num_replicas_in_sync == 1:
            kept = keras.random.dropout(keras.ops.ones_like(inputs), self.rate, seed=self.seed_generator)  # (m, n)
            return kept, kept
        m_k = tf.shape(inputs)[:1]                                    # (1,) this replica's rows
        rows = replica.all_gather(m_k, axis=0)                        # (N,) every replica's rows, in order
        start = tf.reduce_sum(rows[:replica.replica_id_in_sync_group])
        ones = tf.ones(tf.stack([tf.reduce_sum(rows), tf.shape(inputs)[1]]), inputs.dtype)     # (m, n)
        kept = keras.random.dropout(ones, self.rate, seed=self.seed_generator)                 # (m, n)
        return kept, kept[start:start + m_k[0]]                       # (m, n), (m_k, n)


def recording_layers(model: keras.Model) -> list[RecordingDropout]:
    """The model's RecordingDropout layers, in order; a ValueError if it has a Dropout that records nothing."""
    silent = [layer.name for layer in model.layers
              if isinstance(layer, keras.layers.Dropout) and not isinstance(layer, RecordingDropout)]
    if silent:          # its masks would be missing from recorded(model) without a word
        raise ValueError(f"Dropout layer(s) {silent} of Keras model {model.name!r} are not masks.RecordingDropout, "
                         "so they record no masks for scratch to replay: build the twin with to_keras(net, "
                         "dropout_layer=masks.RecordingDropout)")
    return [layer for layer in model.layers if isinstance(layer, RecordingDropout)]


def _optimizer_steps(model: keras.Model) -> int:
    """The optimizer steps a compiled `model` has taken (its optimizer's `iterations`): the row of the next mask."""
    return int(np.asarray(model.optimizer.iterations))


def record(model: keras.Model, steps: int, batch_size: int) -> None:
    """Give each RecordingDropout of a compiled `model` a buffer for `steps` optimizer steps of at most
    `batch_size` rows. Call it before the first fit: a train function traced earlier does not record. Fit with
    shuffle=False: Keras' fit shuffles array inputs by default, and replay cannot know which rows a shuffled batch
    held (nothing here sees the permutation; recorded's row counts match either way)."""
    layers = recording_layers(model)
    if getattr(model, "optimizer", None) is None:         # Keras: "'Sequential' object has no attribute 'optimizer'"
        raise ValueError(f"masks.record needs a compiled model, whose optimizer's step count says which row each mask "
                         f"goes to: call {model.name}.compile(...) first")
    steps_taken = _optimizer_steps(model)
    if steps_taken:     # their masks are lost, and the next step's would land in row steps_taken (if written at all)
        raise ValueError(f"masks.record comes after compile and before the first fit, but the optimizer of Keras model "
                         f"{model.name!r} has taken {steps_taken} steps, whose masks were not recorded: build and "
                         "compile the twin again, then record")
    for layer in layers:
        layer._buffer = _MaskBuffer(steps, batch_size, int(layer.input.shape[-1]), model.optimizer.iterations)


def buffers(model: keras.Model) -> list[tf.Variable]:
    """Each RecordingDropout's (steps, batch_size, n) buffer, in order; an error if `record` was not called, or
    if fit ran more steps or larger batches than `record` made room for."""
    layers = recording_layers(model)
    missing = [layer.name for layer in layers if layer._buffer is None]
    if missing:
        raise ValueError(f"RecordingDropout layer(s) {missing} record nothing: call masks.record(model, steps, "
                         "batch_size) after compile and before fit")
    steps_run = _optimizer_steps(model)
    for layer in layers:
        steps, batch_size, _ = layer._buffer.masks.shape
        widest = int(np.asarray(layer._buffer.widest))
        recorded_as = f"masks.record(model, {steps}, {batch_size}) made room for"
        if steps_run > steps:
            raise ValueError(f"Keras' fit ran {steps_run} steps, but {recorded_as} {steps}: the masks of the steps "
                             f"after them were not recorded; call masks.record(model, {steps_run}, {batch_size}) "
                             "after compile and before fit")
        if widest > batch_size:
            raise ValueError(f"Keras' fit ran batches of {widest} rows, but {recorded_as} {batch_size}: their masks "
                             f"were not recorded; call masks.record(model, {steps}, {widest}) with fit's batch_size "
                             "after compile and before fit")
    return [layer._buffer.masks for layer in layers]


class Recorded(list):
    """recorded(model): one (steps, batch_size, n) bool array per RecordingDropout, in order; `steps_run`, the
    optimizer steps Keras' fit ran (the steps past them hold no mask: all False, "drop every unit"); and `rows`
    (steps,), how many rows each step's batch had (a checkpoint keeps them with the masks)."""

    def __init__(self, arrays: list[np.ndarray], steps_run: int, rows: np.ndarray):
        super().__init__(arrays)
        self.steps_run, self.rows = steps_run, rows


def recorded(model: keras.Model) -> Recorded:
    """Every recorded mask: one (steps, batch_size, n) bool array per RecordingDropout, in order; `.steps_run`
    and `.rows` say which steps fit ran and on how many rows (replay refuses any other)."""
    arrays = [np.asarray(buffer) for buffer in buffers(model)]
    rows = np.asarray(recording_layers(model)[0]._buffer.rows) if arrays else np.zeros(0, np.int32)
    return Recorded(arrays, _optimizer_steps(model), rows)


def replay(masks: list[np.ndarray], n_rows: int) -> Callable[[int, int], list[np.ndarray]]:
    """masks(epoch, batch) for scratch's fit over n_rows training rows in order (no shuffling): the masks
    Keras drew at step epoch * steps_per_epoch + batch, cut to that batch's rows. `masks` from `recorded`
    (only the steps fit ran are replayed), or a plain list of arrays, every step of which is replayed."""
    batch_size = masks[0].shape[1]
    steps_per_epoch = -(-n_rows // batch_size)
    steps_run = getattr(masks, "steps_run", len(masks[0]))                   # recorded()'s never exceeds the buffer
    rows_run = getattr(masks, "rows", np.full(len(masks[0]), -1))            # -1: not known, not checked
    held = f"{len(masks[0])} steps" + (f", of which Keras' fit ran {steps_run}" if steps_run < len(masks[0]) else "")

    def masks_of(epoch: int, batch: int) -> list[np.ndarray]:
        rows = min(batch_size, n_rows - batch * batch_size)
        step = epoch * steps_per_epoch + batch
        if step >= steps_run:                       # a scratch fit longer than Keras': no mask there, or IndexError
            raise ValueError(f"the recorded masks hold {held} ({steps_per_epoch} per epoch of {n_rows} "
                             f"rows in batches of {batch_size}); epoch {epoch}, batch {batch} is step {step}, past "
                             "them: fit scratch for no more steps than Keras recorded")
        if rows_run[step] >= 0 and rows_run[step] != rows:       # e.g. Keras' fit kept some rows for validation_split
            raise ValueError(f"Keras' fit ran step {step} on {rows_run[step]} rows, but epoch {epoch}, batch {batch} "
                             f"of {n_rows} rows in batches of {batch_size} has {rows}: give replay the number of rows "
                             "fit trained on (without validation_split's)")
        return [m[step, :rows] for m in masks]                                   # (rows, n) each

    return masks_of


def state(model: keras.Model) -> dict[str, np.ndarray]:
    """What a checkpoint needs to continue recording as if never stopped: the masks of the steps taken so
    far (masks_<j>), how many rows each of those steps had (rows, which replay checks its batches against), and
    each layer's seed-generator state (seed_<j>), which get_weights leaves out."""
    masks = recorded(model)
    steps = masks.steps_run
    arrays = {}
    for j, layer in enumerate(recording_layers(model)):
        arrays[f"masks_{j}"] = masks[j][:steps]                         # (steps, batch_size, n)
        if _seed_state(layer) is not None:
            arrays[f"seed_{j}"] = np.asarray(_seed_state(layer))
    if masks:
        arrays["rows"] = masks.rows[:steps]                             # (steps,), recorded's rows
    return arrays


def _seed_state(layer: RecordingDropout) -> keras.Variable | None:
    """The state of the layer's random generator (Keras creates none for rate 0)."""
    generator = getattr(layer, "seed_generator", None)
    return None if generator is None else generator.state


def check_state(model: keras.Model, arrays: dict[str, np.ndarray], steps: int) -> None:
    """A ValueError naming the key unless `arrays` (from `state`) fit the model after `steps` optimizer steps."""
    layers = recording_layers(model)
    saved = sum(1 for key in arrays if key.startswith("masks_"))
    if saved != len(layers):
        raise ValueError(f"it holds the masks of {saved} Dropout layers, the model has {len(layers)}: it was saved "
                         "for another model")
    for j, (layer, buffer) in enumerate(zip(layers, buffers(model), strict=True)):
        masks, seed = arrays.get(f"masks_{j}"), arrays.get(f"seed_{j}")
        if masks is None or masks.dtype != np.bool_ or masks.shape != (steps, *buffer.shape[1:]):
            found = "nothing" if masks is None else f"{masks.dtype} {masks.shape}"
            raise ValueError(f"masks_{j} is {found}, expected bool {(steps, *buffer.shape[1:])} after {steps} steps")
        if _seed_state(layer) is None:
            continue
        expected = np.asarray(_seed_state(layer))
        if seed is None or seed.shape != expected.shape or seed.dtype != expected.dtype:
            raise ValueError(f"seed_{j} is {'missing' if seed is None else f'{seed.dtype} {seed.shape}'}, "
                             f"expected {expected.dtype} {expected.shape}")
    if layers:
        _check_rows(arrays.get("rows"), steps, buffers(model)[0].shape[1])


def _check_rows(rows: np.ndarray | None, steps: int, batch_size: int) -> None:
    """A ValueError unless `rows` counts the rows of `steps` steps, each batch of 1 to batch_size rows."""
    if rows is None or rows.dtype.kind != "i" or rows.shape != (steps,):
        found = "missing" if rows is None else f"{rows.dtype} {rows.shape}"
        raise ValueError(f"rows is {found}, expected integers {(steps,)} after {steps} steps: the rows of each step's "
                         "batch")
    wrong = np.flatnonzero((rows < 1) | (rows > batch_size))
    if wrong.size:
        raise ValueError(f"rows[{wrong[0]}] is {rows[wrong[0]]}, but a step's batch has 1 to {batch_size} rows")


def load_state(model: keras.Model, arrays: dict[str, np.ndarray]) -> None:
    """Put back what `state` saved (checked first with `check_state`)."""
    for j, (layer, buffer) in enumerate(zip(recording_layers(model), buffers(model), strict=True)):
        masks = arrays[f"masks_{j}"]
        unrecorded = np.zeros((buffer.shape[0] - len(masks), *buffer.shape[1:]), dtype=bool)
        buffer.assign(np.concatenate([masks, unrecorded]))
        layer._buffer.rows.assign(np.concatenate([arrays["rows"], np.zeros(len(unrecorded))]).astype(np.int32))
        if _seed_state(layer) is not None:
            _seed_state(layer).assign(arrays[f"seed_{j}"])
