"""A Keras twin that computes the same training step on N devices as on one (tf.distribute).

Data parallelism: every device (a *replica*) holds a copy of the model, each global batch of m rows
is cut into N shards of m_1, ..., m_N rows, each replica computes the gradient of its own shard, and
the gradients are added up across the replicas (the *all-reduce*) before one identical update on every
copy. The loss is a mean over the batch, so the shards' gradients must be weighted by their share of
the rows (lesson 7, `keras_models/course/lessons/lesson_07_data_parallel.py`, shows it with scratch):

    grad mean(batch) = sum_k (m_k / m) * grad mean(shard k)

Keras 3's `fit` under `tf.distribute.MirroredStrategy` gives every replica the weight 1/N instead: its
`compute_loss` returns mean(shard k) / N, and the optimizer sums the replicas' gradients. That is the
same only when every shard has m/N rows. A batch of 32 on 3 replicas (11 + 11 + 10 rows), or the last,
shorter batch of an epoch (3 rows on 2 replicas: 2 + 1), gets a different gradient than on one device
-- one SGD epoch (learning rate 0.1) on 7 rows in batches of 4 ended 0.12 away from the one-device weights
(tests/test_devices.py pins it).

`DataParallelSequential` puts the weight right: on replica k it scales the gradient of Keras' loss by

    c_k = N * m_k / m        so that   sum_k c_k * grad(mean_k / N) = sum_k (m_k / m) grad mean_k,

the full batch's gradient, however the batch splits (m comes from an all-reduce of the m_k). The loss
*value* stays the one Keras computed: Keras' loss tracker weights each replica's mean by its rows, which
is already right. With one device (no strategy) c = 1 and nothing changes. The same weighting, written
by hand in a custom training loop, is `tf.nn.compute_average_loss(per_example, global_batch_size=m)`
(`keras_models/course/multi_worker.py`).
"""

from __future__ import annotations

import keras
import tensorflow as tf


@tf.custom_gradient
def scale_gradient(value: tf.Tensor, factor: tf.Tensor) -> tf.Tensor:
    """`value` unchanged; its gradient multiplied by `factor` (which gets no gradient of its own)."""
    def gradient(upstream):
        return upstream * factor, None
    return tf.identity(value), gradient


class DataParallelSequential(keras.Sequential):
    """keras.Sequential whose training gradient under N replicas is the full batch's: see the module."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                    training=training)                      # mean_k / N on replica k
        replica = tf.distribute.get_replica_context()                     # None outside a replica's step
        if not training or replica is None or replica.num_replicas_in_sync == 1:
            return loss
        m_k = tf.cast(tf.shape(y_pred)[0], loss.dtype)                    # this replica's rows (may be 0)
        m = replica.all_reduce(tf.distribute.ReduceOp.SUM, m_k)           # the global batch's rows
        return scale_gradient(loss, replica.num_replicas_in_sync * m_k / m)
