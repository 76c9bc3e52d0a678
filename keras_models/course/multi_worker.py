"""
Title: One model on several machines: MultiWorkerMirroredStrategy and a custom training loop
Description: The binary task (breast cancer) trained by two worker processes that add up their gradients.
Run: one process per machine (or two terminals on one machine), each with its own "index" (0, then 1):

    export TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]},
                       "task": {"type": "worker", "index": 0}}'
    .venv/bin/python -m keras_models.course.multi_worker --out logs/multi_worker

Without TF_CONFIG it runs as a single worker: the same numbers, on one process.
"""

# ## Introduction
#
# `make train DEVICES=2` spreads one batch over the devices of one machine (MirroredStrategy). Across
# machines the idea is the same -- every *replica* holds the model, takes a share of each batch, and
# the replicas add up their gradients (the all-reduce) before the same update -- but the replicas live
# in separate processes that talk over the network: `tf.distribute.MultiWorkerMirroredStrategy`.
# Each process learns who it is, and where the others are, from the environment variable TF_CONFIG:
#
#     {"cluster": {"worker": ["host1:12345", "host2:12345"]},   every worker's address, the same list on all
#      "task": {"type": "worker", "index": 0}}                  which of them this process is (0 = the chief)
#
# Keras 3's `fit` does not work under this strategy (keras-team/keras#20585), so this is a custom
# training loop: a GradientTape per replica, and `optimizer.apply_gradients`, which sums the
# replicas' gradients across the cluster and applies one identical Adam step everywhere.
#
# The one thing to get right is the mean (lesson 7). Replica r of R takes rows
# [r*ceil(m/R), (r+1)*ceil(m/R)) of every global batch of m rows (as MirroredStrategy cuts them) and
# divides its summed loss by the GLOBAL m, not by its own rows: `tf.nn.compute_average_loss(...,
# global_batch_size=m)`. Then the sum over the replicas is exactly the full batch's mean and gradient,
# even for the last, shorter batch. tests/test_multi_worker.py runs two workers on 127.0.0.1 and
# checks that they end with the weights of a single worker.

# ## Setup

from __future__ import annotations

import errno
import faulthandler
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")                    # before TensorFlow loads
if __name__ == "__main__":          # run as a program: TensorFlow's C++ start-up lines are not the learner's business
    from keras_models.twins.closed_output import prepare_output_streams
    from keras_models.twins.tf_chatter import filter_tensorflow_chatter
    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
    filter_tensorflow_chatter()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from data import DATA_FILE_ERRORS, Prepared, get_task, prepare  # noqa: E402
from keras_models.course.command_line import folder, whole_number  # noqa: E402
from keras_models.course.folders import LOGS, shown  # noqa: E402
from keras_models.twins.bridge import to_keras  # noqa: E402
from keras_models.twins.closed_output import print_lines  # noqa: E402
from keras_models.twins.counted import counted  # noqa: E402
from keras_models.twins.one_line_parser import OneLineParser  # noqa: E402
from keras_models.twins.optimizer_bridge import adam_in_float32, keras_optimizer  # noqa: E402
from keras_models.twins.ports import MAX_PORT, read_port, why_taken  # noqa: E402
from scratch import Dense, Network  # noqa: E402

TASK, SEED = "binary", 0
# make train's binary task (data/tasks.py): its hidden layers and batch size, without its Dropout -- each
# worker would draw masks of its own; this loop shows the all-reduce (make train DEVICES=N replays masks:
# keras_models/twins/masks.py)
BATCH_SIZE, HIDDEN = get_task(TASK).train.batch_size, get_task(TASK).train.hidden
DEFAULT_OUT = LOGS / "multi_worker"     # the repository's logs/multi_worker, wherever a worker starts


def replica_shares(X: np.ndarray, y: np.ndarray, batch_size: int):
    """dataset_fn for `strategy.distribute_datasets_from_function`: for each global batch of m rows, one
    element per replica of this worker, (x_share, y_share, m), in the order its replicas take them."""
    def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
        R = context.num_replicas_in_sync                              # replicas in the whole cluster
        local = R // context.num_input_pipelines                      # replicas on this worker (its devices)
        first = context.input_pipeline_id * local                     # global number of its first replica

        def shares(xb, yb):                                           # xb (m, n_in), yb (m, n_out)
            m = tf.shape(xb)[0]
            size = (m + R - 1) // R                                   # ceil(m / R) rows per replica
            parts = [tf.data.Dataset.from_tensors((xb[tf.minimum(r * size, m):tf.minimum((r + 1) * size, m)],
                                                   yb[tf.minimum(r * size, m):tf.minimum((r + 1) * size, m)], m))
                     for r in range(first, first + local)]
            dataset = parts[0]
            for part in parts[1:]:
                dataset = dataset.concatenate(part)
            return dataset                                            # its replicas take these in turn

        return tf.data.Dataset.from_tensor_slices((X, y)).batch(batch_size).flat_map(shares)
    return dataset_fn


# ## Model and training loop

def initial_network(data: Prepared) -> Network:
    """The scratch network every worker starts from: the same seeded weights on each (and in the test's Keras fit)."""
    sizes = [data.n_features, *HIDDEN, data.n_outputs]
    activations = ["relu"] * len(HIDDEN) + [data.output_activation]
    return Network([Dense(n_in, n_out, g, seed=SEED + l, dtype="float32")
                    for l, (n_in, n_out, g) in enumerate(zip(sizes[:-1], sizes[1:], activations, strict=True))])


def train(strategy: tf.distribute.Strategy, epochs: int, batch_size: int = BATCH_SIZE,
          data: Prepared | None = None) -> tuple[list[np.ndarray], list[float]]:
    """Train the binary task's network under `strategy`; returns the final weights and each epoch's loss
    (the mean over the epoch's rows, as Keras reports it). data: the task prepared already (main prepares it before
    joining the cluster); None prepares it here."""
    data = prepare(TASK, dtype="float32", seed=SEED) if data is None else data
    with strategy.scope():                                            # variables mirrored on every replica
        model = to_keras(initial_network(data), name=TASK)
        optimizer = keras_optimizer(adam_in_float32(1e-3))
        per_example = keras.losses.BinaryCrossentropy(reduction=None)  # (m_k,): one loss per row, not their mean
    batches = strategy.distribute_datasets_from_function(replica_shares(data.X_train, data.y_train, batch_size))

    @tf.function
    def train_step(iterator):
        def step(x, y, m):                                            # on each replica: its share of one batch
            with tf.GradientTape() as tape:
                loss = tf.nn.compute_average_loss(per_example(y, model(x, training=True)), global_batch_size=m)
            gradients = tape.gradient(loss, model.trainable_variables)        # d(sum over my rows / m)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))  # all-reduce, Adam
            return loss * tf.cast(m, loss.dtype)                      # this replica's summed loss
        summed = strategy.run(step, args=next(iterator))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, summed, axis=None)    # the batch's summed loss

    steps = -(-len(data.X_train) // batch_size)                       # every worker runs every step
    losses = []
    for _ in range(epochs):
        iterator = iter(batches)
        total = sum(float(train_step(iterator)) for _ in range(steps))
        losses.append(total / len(data.X_train))
    return [np.asarray(w) for w in model.get_weights()], losses


# ## Run

def read_cluster(text: str | None) -> tuple[int, list[str]]:
    """(this worker's index, every worker's "host:port") from TF_CONFIG's text; (0, []) without a cluster.

    A ValueError names what is wrong. It is checked here, before TensorFlow joins the cluster, because
    TensorFlow does not check it: given a port it cannot use (0, 99999) every worker waits --timeout seconds
    for a cluster that can never form and stops without a word; given "localhost :2222", an address with
    whitespace, its server cannot start and the error names no address; given one address instead of a list,
    it stops with a traceback; given an index past the list, it names a `task_id` only after its start-up."""
    try:
        config = json.loads(text or "{}")
        index = int(config.get("task", {}).get("index", 0))
        addresses = config.get("cluster", {}).get("worker", [])
    except (ValueError, TypeError, AttributeError) as exc:            # not JSON, not objects, an index "first"
        raise ValueError(f"TF_CONFIG is not a cluster description like the one at the top of this script "
                         f"({exc})") from None
    if not isinstance(addresses, list):
        raise ValueError(f'TF_CONFIG\'s cluster "worker" must be a list of "host:port" addresses, got {addresses!r}')
    for address in addresses:
        # Whitespace first ("localhost:22 22" has a port once it is gone), but what is missing without it is
        # named before it (" :2222" lacks its host), so that one correction is enough.
        unspaced = "".join(str(address).split())                        # "localhost :2222" -> "localhost:2222"
        if (missing := missing_from(unspaced)) is not None:
            raise ValueError(f"TF_CONFIG's worker address {address!r} needs {missing}")
        if unspaced != str(address):                                    # "localhost :2222": gRPC cannot serve it
            raise ValueError(f"TF_CONFIG's worker address {address!r} holds whitespace (a space or tab), which no "
                             f"host name or port does; without the whitespace: {unspaced!r}")
    if addresses and not 0 <= index < len(addresses):
        raise ValueError(f"TF_CONFIG's task index is {index}, but its cluster lists {len(addresses)} workers: "
                         f"give each worker its own index from 0 to {len(addresses) - 1}")
    return index, addresses


def missing_from(address: str) -> str | None:
    """What a worker's "host:port" address lacks ("a host before its port, like ..."), or None if it has both: a
    host that is not empty and a port from 1 to MAX_PORT. A port alone ("2222", ":2222") lacks its host, not its
    port; a host alone ("localhost", "localhost:") lacks its port. `address` holds no whitespace: read_cluster
    takes it out first."""
    host, colon, port = address.rpartition(":")
    if not colon and not port.isdecimal():              # no colon, and not a port: a host alone ("localhost")
        host, port = port, ""
    try:
        read_port(port, "a worker's port")
        has_port = True
    except ValueError:
        has_port = False
    if host and has_port:
        return None
    if host:
        return f"a port from 1 to {MAX_PORT}"
    if has_port:
        return f"a host before its port, like '127.0.0.1:{int(port)}'"
    return f"a host and a port from 1 to {MAX_PORT}, like '127.0.0.1:2222'"


def cannot_listen(port: int) -> str | None:
    """Why this worker cannot listen on `port`, as its gRPC server will (on every interface), or None if it can.
    Asked first because TensorFlow's own error, "Could not start gRPC server", names neither the port nor why."""
    if (taken := why_taken(port, host="")) is None:
        return None
    held = ": another program, or a worker still running from before, holds it; stop it or" \
        if taken.errno == errno.EADDRINUSE else ";"
    return f"cannot listen on port {port} ({taken.strerror}){held} give this worker another port in TF_CONFIG"


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog=".venv/bin/python -m keras_models.course.multi_worker",
                           description=__doc__.split("\n")[1].removeprefix("Title: "))
    parser.add_argument("--out", type=folder, default=shown(DEFAULT_OUT),      # text: checked as given
                        help="where each worker writes worker_<index>.npz (default: the repository's "
                             "logs/multi_worker)")
    parser.add_argument("--epochs", type=whole_number, default=3, help="epochs to train (default 3)")
    parser.add_argument("--batch-size", type=whole_number, default=BATCH_SIZE,
                        help=f"rows per global batch, shared between all replicas (default {BATCH_SIZE})")
    parser.add_argument("--timeout", type=whole_number, default=120,
                        help="seconds to wait for the other workers before giving up (default 120)")
    args = parser.parse_args(argv)
    try:
        index, addresses = read_cluster(os.environ.get("TF_CONFIG"))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    workers = len(addresses) or 1
    problem = cannot_listen(int(addresses[index].rpartition(":")[2])) if workers > 1 else None
    if problem:
        print(f"error: worker {index} of {workers} {problem}", file=sys.stderr)
        return 1
    try:        # before joining: a worker that stopped on its data file after the join left its partners only
        data = prepare(TASK, dtype="float32", seed=SEED)        # "lost the other workers", never the file's name
    except DATA_FILE_ERRORS as exc:                                  # the message names the file and the fix
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # First, before TensorFlow runs anything: the strategy reads TF_CONFIG and waits until every worker is up.
    # TensorFlow waits for ever, holding Python's lock (no Python timer, no Ctrl-C gets through), so
    # faulthandler's watchdog, which runs outside it, ends the process (status 1) after --timeout seconds.
    # Once all train, a worker that stops answering is an error after as long (CommunicationOptions).
    if workers > 1:
        print(f"worker {index} of {workers}: waiting for the other workers; without them this stops after "
              f"{args.timeout} s (--timeout) with exit status 1", file=sys.stderr, flush=True)
    try:
        with open(os.devnull, "w") as nowhere:                          # the watchdog's traceback: not for you
            faulthandler.dump_traceback_later(args.timeout, exit=True, file=nowhere)
            try:
                strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=tf.distribute.experimental
                                                                     .CommunicationOptions(timeout_seconds=args.timeout))
            finally:                                                  # joined or refused: no longer waiting
                faulthandler.cancel_dump_traceback_later()
    except (ValueError, tf.errors.OpError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: worker {index} of {workers} could not train with the others ({first}); start every worker "
              "with the same cluster list in TF_CONFIG and its own index", file=sys.stderr)
        return 1
    try:
        weights, losses = train(strategy, args.epochs, args.batch_size, data=data)
    except tf.errors.OpError as exc:
        if workers == 1:
            raise                                                     # no network involved: a fault, shown in full
        # They had formed a cluster and trained together: the all-reduce failed because a worker died or stopped
        # answering (TensorFlow's first line, "Graph execution error:", says nothing of that) -- or finished
        # first: the workers' options are not compared, and one given fewer steps (--epochs, --batch-size) ends
        # while the others still wait for it.
        print(f"error: worker {index} of {workers} lost the other workers during training ({type(exc).__name__}): "
              "a worker stopped, was started with other options (--epochs, --batch-size) and finished first, or the "
              "network between them failed; start every worker again with the same options", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(args.out / f"worker_{index}.npz", *weights, losses=np.array(losses))
    replicas = strategy.num_replicas_in_sync
    # `> /dev/full`, or a pipe that closed: one line on stderr, status 1 (the weights are saved all the same)
    saved = args.out / f"worker_{index}.npz"
    return print_lines([f"worker {index} of {workers}: {counted(replicas, 'replica')}, loss per epoch "
                        f"{', '.join(f'{loss:.4f}' for loss in losses)}; weights in {saved}"],
                       f"worker {index} of {workers}")


if __name__ == "__main__":
    raise SystemExit(main())
