"""Data parallelism in scratch (scratch/data_parallel.py) and lesson 7: the shards' gradients, each a mean
over its own rows, weighted by m_k/m and added up (the all-reduce), are the full batch's gradient.

The reference is the whole batch through `Network.loss_and_gradients` in one piece (itself checked
against tf.GradientTape in test_properties.py); what is tested is the cutting and the weighting. NumPy
only: no TensorFlow.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FINITE_DIFFERENCE_TOLERANCE, architectures, assert_close, random_targets
from hypothesis import example, given, settings
from hypothesis import strategies as st

from keras_models.course.lessons import lesson_07_data_parallel as lesson
from scratch import Dense, Dropout, Network
from scratch.agreement import relative_error
from scratch.data_parallel import all_reduce, shard_gradients, shard_slices, sharded_loss_and_gradients
from scratch.gradcheck import network_numerical_gradients
from scratch.regularizers import L2


@settings(max_examples=60, deadline=None, database=None)
@given(architectures(), st.integers(1, 8))
@example(architecture=([3, 1, 7, 1, 5], ["sigmoid", "sigmoid", "sigmoid", "relu"], "mse", 28, 367492),
         n_shards=2)                                    # b_3's rows cancel (below)
def test_the_all_reduce_of_shard_gradients_is_the_full_batch_gradient(architecture, n_shards):
    widths, names, loss, m, seed = architecture
    rng = np.random.default_rng(seed)
    net = Network([Dense(n_in, n_out, g, seed=rng) for n_in, n_out, g in zip(widths, widths[1:], names, strict=False)])
    X, y = rng.normal(size=(m, widths[0])), random_targets(loss, m, widths[-1], rng)
    L, grads = net.loss_and_gradients(X, y, loss)
    L_sharded, grads_sharded = sharded_loss_and_gradients(net, X, y, loss, n_shards)
    what = f"{widths} {names} {loss}, {m} rows on {n_shards} replicas"
    # The two sides add the same rows' terms in another order: equal to rounding, within the project's float64
    # tolerance (1e-10, as against TensorFlow). A gradient whose terms cancel carries their rounding, not its
    # own: hypothesis found the example above, whose b_3 is -2.2e-6 and whose two sums differ by a relative
    # 1.7e-12. A wrong weighting of the shards is off by 1e-2 or more.
    assert_close(L_sharded, L, what=f"loss of {what}")
    for i, (g_sharded, g) in enumerate(zip(grads_sharded, grads, strict=True)):
        assert_close(g_sharded, g, what=f"{'Wb'[i % 2]}_{i // 2 + 1} of {what}")


@settings(max_examples=50, deadline=None, database=None)
@given(architectures(), st.integers(1, 8), st.floats(0.05, 0.8), st.sampled_from([0.0, 0.01, 0.3]))
def test_with_dropout_and_l2_each_shard_takes_its_rows_of_the_batch_mask(architecture, n_shards, rate, l2):
    # the whole batch's masks are drawn once; shard k gets its rows. The L2 penalty is not a mean over
    # rows, so every shard's L_k carries all of it and the weights m_k/m (summing to 1) count it once.
    widths, names, loss, m, seed = architecture
    rng = np.random.default_rng(seed)
    layers = []
    for l, (n_in, n_out, g) in enumerate(zip(widths, widths[1:], names, strict=False)):
        if l > 0:
            layers.append(Dropout(rate))
        layers.append(Dense(n_in, n_out, g, seed=rng, kernel_regularizer=L2(l2) if l2 else None))
    net = Network(layers)
    masks = [rng.random((m, n)) >= rate for n in widths[1:-1]]        # (m, n_l) keep-masks, one per Dropout
    X, y = rng.normal(size=(m, widths[0])), random_targets(loss, m, widths[-1], rng)
    L, grads = net.loss_and_gradients(X, y, loss, training=True, masks=masks)
    L_sharded, grads_sharded = sharded_loss_and_gradients(net, X, y, loss, n_shards, masks=masks)
    what = f"{widths} {names} {loss}, Dropout({rate:.2f}), L2({l2}), {m} rows on {n_shards} replicas"
    assert_close(L_sharded, L, what=f"loss of {what}")                 # tolerance: as in the test above
    for i, (g_sharded, g) in enumerate(zip(grads_sharded, grads, strict=True)):
        assert_close(g_sharded, g, what=f"{'Wb'[i % 2]}_{i // 2 + 1} of {what}")


def test_without_masks_a_network_with_dropout_is_differentiated_at_inference():
    """No masks: the shards compute net.loss_and_gradients(X, y, loss) as documented, Dropout the identity --
    the loss is net.loss's and the gradient its central differences. (Training shards would each draw masks
    of their own, a random gradient.)"""
    rng = np.random.default_rng(3)
    net = Network([Dense(3, 4, "tanh", seed=1), Dropout(0.5, seed=2), Dense(4, 1, seed=3)])
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    L, grads = sharded_loss_and_gradients(net, X, y, "mse", 2)
    assert L == pytest.approx(net.loss(X, y, "mse"), rel=1e-12)
    for i, (g, numerical) in enumerate(zip(grads, network_numerical_gradients(net, X, y, "mse"), strict=True)):
        assert relative_error(g, numerical) < FINITE_DIFFERENCE_TOLERANCE, f"{'Wb'[i % 2]}_{i // 2 + 1}"


def test_masks_with_other_rows_than_the_batch_are_refused():
    net = Network([Dense(3, 4, "relu", seed=0), Dropout(0.5), Dense(4, 1, "linear", seed=1)])
    X, y = np.ones((6, 3)), np.ones((6, 1))                           # (6, 3), (6, 1)
    with pytest.raises(ValueError, match=r"masks\[0\] has shape \(5, 4\), but Dropout layer 1 sees a batch of "
                                         r"shape \(6, 4\)"):
        sharded_loss_and_gradients(net, X, y, "mse", 2, masks=[np.ones((5, 4), bool)])


@pytest.mark.parametrize("m, n_shards, rows", [
    (10, 4, [3, 3, 3, 1]), (14, 4, [4, 4, 4, 2]), (32, 3, [11, 11, 10]), (1, 2, [1, 0]), (8, 2, [4, 4]),
])
def test_shards_take_ceil_m_over_n_rows_in_order_as_mirrored_strategy(m, n_shards, rows):
    # MirroredStrategy's own split is checked against these in test_devices.py (2 replicas)
    slices = shard_slices(m, n_shards)
    assert [s.stop - s.start for s in slices] == rows
    assert [s.start for s in slices] == [sum(rows[:k]) for k in range(n_shards)]


def test_a_plain_average_of_unequal_shards_is_not_the_full_batch_gradient():
    net = lesson.build_network()
    _, full = net.loss_and_gradients(lesson.X, lesson.y, lesson.LOSS)
    equal = shard_gradients(net, lesson.X, lesson.y, lesson.LOSS, 2)              # 5 + 5 rows
    unequal = shard_gradients(net, lesson.X, lesson.y, lesson.LOSS, 4)            # 3 + 3 + 3 + 1 rows
    for i, g in enumerate(full):
        assert_close(lesson.plain_average(equal)[i], g, tol=1e-12, what=f"equal shards, weight {i}")
        assert_close(all_reduce(unequal)[1][i], g, tol=1e-12, what=f"all-reduce of unequal shards, weight {i}")
    assert max(np.max(np.abs(a - g)) for a, g in zip(lesson.plain_average(unequal), full, strict=True)) > 1e-2


def test_the_lesson_draws_the_shards_and_reports_both_gaps(tmp_path):
    result = lesson.run(tmp_path)
    assert result.shard_rows == [3, 3, 3, 1]
    assert result.all_reduce_gap < 1e-14 < 1e-1 < result.plain_average_gap
    assert sorted(result.gaps_by_shards) == list(range(1, 11))       # N = 1 .. 10 replicas of the 10 rows
    for n, (all_reduce_gap, plain_gap) in result.gaps_by_shards.items():
        assert all_reduce_gap < 1e-14, f"{n} replicas"
        equal_shards = 10 % n == 0                                   # ceil(10/n) rows each, none short
        assert (plain_gap < 1e-14) == equal_shards, f"{n} replicas: plain average off by {plain_gap:.1e}"
    assert result.pngs["shards"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.summary.startswith("data parallelism: 10 rows on 4 replicas (3, 3, 3, 1 rows)")


def test_bad_shard_counts_and_mismatched_targets_are_named():
    net = lesson.build_network()
    with pytest.raises(ValueError, match="n_shards must be >= 1, got 0"):
        sharded_loss_and_gradients(net, lesson.X, lesson.y, lesson.LOSS, 0)
    with pytest.raises(ValueError, match=r"y has shape \(9, 3\), X has 10 rows"):
        sharded_loss_and_gradients(net, lesson.X, lesson.y[:9], lesson.LOSS, 2)
    with pytest.raises(ValueError, match="at least one shard with rows"):
        all_reduce([(0, 0.0, [np.zeros(2)])])
