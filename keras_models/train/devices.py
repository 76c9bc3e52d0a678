"""`make train DEVICES=N`: the Keras side trains data-parallel under tf.distribute.MirroredStrategy.

    DEVICES=1 (the default)   one device, TensorFlow's default strategy: what make train always did
    DEVICES=N, N >= 2         MirroredStrategy over N devices: N GPUs when the machine has them, else
                              N logical CPU devices split from the one CPU

MirroredStrategy keeps a copy of the model on every device (a *replica*), cuts each batch of 32 rows
into N consecutive shards, lets each replica compute its shard's gradient, adds the gradients up across
the replicas (an all-reduce), and applies one identical update to every copy. The batches and their
order are those of the one-device run, and the Keras twin is `DataParallelSequential`, which weights
each shard's gradient by its share of the rows (`keras_models/twins/data_parallel.py`): so the N-device
run computes the same numbers as the one-device run, up to the order of float32 additions
(tests/test_data_parallel.py measures it).

On a CPU the logical devices share the same cores: this shows *how* data parallelism works and proves
it computes the same thing; it does not make training faster. On GPUs each replica has its own device.

TensorFlow fixes its devices the first time it runs anything, so `replica_devices` must split the CPU
before that (make train does it before any model is built). In a process where TensorFlow has already
started with fewer devices, it says so instead of failing later.
"""

from __future__ import annotations

import tensorflow as tf

MAX_DEVICES = 64           # a sanity bound for logical CPU devices; the batch size bounds it first (options.py)


class DeviceError(ValueError):
    """DEVICES asks for more devices than this machine (or this process) can give."""


def replica_devices(n: int, *, gpus: list[str] | None = None) -> list[str]:
    """The n device names the replicas run on: the first n GPUs if the machine has any, else n logical
    CPU devices (the CPU is split into them here if it was not already). A DeviceError if there are fewer
    GPUs than n, or if TensorFlow already started in this process with fewer CPU devices.

    gpus: the machine's GPUs (default: TensorFlow's list), given by tests to stand for a GPU machine.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_DEVICES:
        raise DeviceError(f"devices must be a whole number from 1 to {MAX_DEVICES}, got {n!r}")
    gpus = [d.name for d in tf.config.list_physical_devices("GPU")] if gpus is None else list(gpus)
    if gpus:
        if n > len(gpus):
            raise DeviceError(f"{n} devices asked for, but this machine has {len(gpus)} GPU"
                              f"{'s' if len(gpus) != 1 else ''}: use at most {len(gpus)}")
        return [f"/gpu:{i}" for i in range(n)]
    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu)         # None: never split
    if n > len(configured or [None]):
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
        except RuntimeError:
            raise DeviceError(f"{n} devices asked for, but TensorFlow has already started in this process with "
                              f"{len(configured or [None])} CPU device(s); the CPU can only be split before "
                              "TensorFlow runs anything (start a new process)") from None
    return [f"/cpu:{i}" for i in range(n)]


def strategy_for(n: int) -> tf.distribute.Strategy:
    """TensorFlow's default strategy for one device, MirroredStrategy over `replica_devices(n)` for more."""
    if n == 1:
        return tf.distribute.get_strategy()
    devices = replica_devices(n)
    if devices[0].startswith("/gpu"):
        return tf.distribute.MirroredStrategy(devices)          # GPUs: NCCL all-reduce, TensorFlow's choice
    # Logical CPU devices: add the gradients up on /cpu:0 and copy the sum back. (The default, collective
    # all-reduce, numbers its operations per strategy, and a second strategy in one process collides with
    # the first: "Shape mismatch in the collective instance 100".)
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice(devices[0]))


def strategy_record(strategy: tf.distribute.Strategy) -> dict:
    """What run.json records: {"strategy": "MirroredStrategy", "replicas": 2, "replica_devices": [...]}."""
    if isinstance(strategy, tf.distribute.MirroredStrategy):
        return {"strategy": "MirroredStrategy", "replicas": strategy.num_replicas_in_sync,
                "replica_devices": list(strategy.extended.worker_devices)}
    return {"strategy": "default (one device)", "replicas": strategy.num_replicas_in_sync, "replica_devices": []}


def announce(record: dict) -> str:
    """One line about `strategy_record`: 'keras side: MirroredStrategy, 2 replicas on cpu:0, cpu:1 (...)'."""
    devices = ", ".join(d.rsplit("/device:", 1)[-1].lower() for d in record["replica_devices"])
    kind = "logical devices sharing this CPU's cores" if devices.startswith("cpu") else "devices"
    return (f"keras side: {record['strategy']}, {record['replicas']} replicas on {devices} ({kind}): each batch "
            "is split between them, their gradients are added up")
