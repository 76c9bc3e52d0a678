"""Data parallelism, in NumPy: a batch's gradient assembled from the gradients of its shards.

When a batch is too big for one device, data parallelism cuts its m rows into shards of m_1, ..., m_N
rows, one per device (a *replica*); every replica holds the same weights and computes the gradient of
its own shard; the gradients are then added up across the replicas -- the *all-reduce* -- and every
replica applies the same update. It computes exactly the one-device step, because the loss is a mean
over the rows and a gradient is linear:

    L   = (1/m) sum_i l_i  =  sum_k (m_k / m) L_k        L_k = (1/m_k) sum_{i in shard k} l_i
    dL  =                     sum_k (m_k / m) dL_k       for every weight array (BP3, BP4 of each shard)

Each shard's loss averages over its *own* m_k rows, so its gradient must be weighted by its share of
the rows, m_k / m. With equal shards the weights are all 1/N, a plain average; with unequal ones (a
batch of 10 on 4 replicas: 3, 3, 3, 1 rows) the plain average is a different, wrong step. Keras 3's
`fit` under tf.distribute uses 1/N (`keras_models/twins/data_parallel.py` corrects it); lesson 7
draws both.

`shard_slices` cuts the rows as tf.distribute's MirroredStrategy does (ceil(m/N) rows per replica, in
order, so the last replicas may get fewer, or none); a shard with no rows has weight 0.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import whole
from scratch.dropout import check_masks
from scratch.losses import Loss


def shard_slices(m: int, n_shards: int) -> list[slice]:
    """The rows of each replica for a batch of m rows: ceil(m / n_shards) each, in order, as
    MirroredStrategy splits a batch (10 rows on 4 replicas: 0-2, 3-5, 6-8, 9; the last ones may be
    empty: on 7 replicas, five of 2 rows and two empty)."""
    m, n_shards = whole("m", m, minimum=1), whole("n_shards", n_shards, minimum=1)
    size = -(-m // n_shards)                                          # ceil(m / n_shards)
    return [slice(min(k * size, m), min((k + 1) * size, m)) for k in range(n_shards)]


def shard_gradients(net, X, y, loss: str | Loss, n_shards: int,
                    masks: list[np.ndarray] | None = None) -> list[tuple[int, float, list[np.ndarray]]]:
    """Each replica's work: (m_k, L_k, [dL_k/dW_1, dL_k/db_1, ...]) for the rows `shard_slices` gives it,
    computed separately, as on its own device; an empty shard computes nothing (0, 0.0, zeros).

    masks: the whole batch's Dropout keep-masks, one (m, n) bool array per Dropout layer (a training
    step): each shard gets its own rows of every mask, as each replica keeps its rows of the batch's draw
    under make train DEVICES=N. A weight penalty (L2) is not a mean over rows: every shard adds all of it,
    and the weights m_k/m sum to 1, so the all-reduce counts it once."""
    X = net.check_inputs(X)                                           # (m, n_in)
    y = np.asarray(y)                                                 # (m, n_out) or (m,)
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"y has shape {y.shape}, X has {len(X)} rows: one target row per example")
    masks = check_masks(masks, net.dropout_widths, len(X), training=True)   # the whole batch's: (m, n) each
    shards = []
    for rows in shard_slices(len(X), n_shards):
        m_k = rows.stop - rows.start
        if m_k == 0:
            shards.append((0, 0.0, [np.zeros_like(w) for w in net.params()]))
            continue
        shard_masks = None if masks is None else [np.asarray(mask)[rows] for mask in masks]   # (m_k, n) each
        L_k, grads_k = net.loss_and_gradients(X[rows], y[rows], loss, training=masks is not None,
                                              masks=shard_masks)     # means over the shard's m_k rows
        shards.append((m_k, L_k, grads_k))                               # (each backward pass makes new arrays)
    return shards


def all_reduce(shards: list[tuple[int, float, list[np.ndarray]]]) -> tuple[float, list[np.ndarray]]:
    """The batch's loss and gradients from its shards': sum_k (m_k / m) * (L_k, dL_k), m = sum_k m_k."""
    m = sum(m_k for m_k, _, _ in shards)
    if m == 0:
        raise ValueError("all_reduce needs at least one shard with rows")
    L = sum((m_k / m) * L_k for m_k, L_k, _ in shards)
    grads = [sum((m_k / m) * grads_k[i] for m_k, _, grads_k in shards)     # (same shape as weight i)
             for i in range(len(shards[0][2]))]
    return float(L), grads


def sharded_loss_and_gradients(net, X, y, loss: str | Loss, n_shards: int,
                               masks: list[np.ndarray] | None = None) -> tuple[float, list[np.ndarray]]:
    """`net.loss_and_gradients(X, y, loss)` computed data-parallel: cut into n_shards, then all-reduced
    (with `masks`: the training step `net.loss_and_gradients(X, y, loss, training=True, masks=masks)`)."""
    return all_reduce(shard_gradients(net, X, y, loss, n_shards, masks))
