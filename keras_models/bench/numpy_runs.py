"""The NumPy half of `make bench`: the shapes, their data, the matmul floor and the scratch runs.

Nothing here imports TensorFlow or Keras, so a process that imports only this module measures the
scratch network's own memory:

    .venv/bin/python -m keras_models.bench.numpy_runs --memory-run large      # trains 2 epochs, then exits

`keras_models.bench` adds the Keras runs, interleaves everything and writes the tables.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from data.prepare import prepare
from keras_models.twins.one_line_parser import OneLineParser
from scratch import Dense, Network, optimizers

LOSS = "categorical_crossentropy"
LEARNING_RATE = 1e-3            # Adam, the same hyper-parameters on both sides


# -- Shapes and data ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    name: str
    rows: int
    sizes: tuple[int, ...]          # n_0 (features), hidden..., n_L (classes)
    batch_size: int
    repeats: int                    # timed epochs per run (after the warm-up epoch)
    quick_repeats: int
    data: str = "synthetic"         # "synthetic" or "breast_cancer"

    @property
    def label(self) -> str:
        return f"{self.rows:,} x {' -> '.join(map(str, self.sizes))}, batch {self.batch_size}"


SHAPES = {
    "course": Shape("course", 569, (30, 64, 64, 2), 32, repeats=5, quick_repeats=3, data="breast_cancer"),
    "medium": Shape("medium", 20_000, (64, 128, 128, 10), 32, repeats=5, quick_repeats=2),
    "large": Shape("large", 20_000, (784, 1024, 1024, 10), 512, repeats=5, quick_repeats=1),
}


def make_data(shape: Shape, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (rows, n_0) and one-hot y (rows, n_L), float32."""
    if shape.data == "breast_cancer":
        # All 569 rows (train, validation and test splits together), standardised as data.prepare does;
        # the 0/1 label becomes two one-hot columns for the softmax output.
        d = prepare("binary", dtype="float32", seed=seed)
        X = np.concatenate([d.X_train, d.X_val, d.X_test])                 # (569, 30)
        malignant = np.concatenate([d.y_train, d.y_val, d.y_test])          # (569, 1)
        y = np.hstack([1 - malignant, malignant])                           # (569, 2)
        if X.shape != (shape.rows, shape.sizes[0]) or shape.sizes[-1] != 2:
            raise ValueError(f"shape {shape.name} does not fit the breast-cancer data {X.shape}")
        return X, y
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((shape.rows, shape.sizes[0]), dtype=np.float32)    # (rows, n_0)
    labels = rng.integers(0, shape.sizes[-1], size=shape.rows)
    return X, np.eye(shape.sizes[-1], dtype=np.float32)[labels]                 # (rows, n_L)


def make_network(shape: Shape, seed: int = 0) -> Network:
    """relu hidden layers, softmax output, float32, seeded: every run starts from the same weights."""
    n = shape.sizes
    activations = ["relu"] * (len(n) - 2) + ["softmax"]
    return Network([Dense(n_in, n_out, g, seed=seed + l, dtype="float32")
                    for l, (n_in, n_out, g) in enumerate(zip(n, n[1:], activations, strict=False))])


def thread_label(n: int) -> str:
    return f"{n} BLAS thread{'s' if n > 1 else ''}"


# -- The floor: the matrix products alone --------------------------------------------------------
def matmul_flops(shape: Shape) -> float:
    """Floating-point operations of the floor's products in one epoch (a multiply-add counts 2).

    Per example, layer l costs n_in*n_out multiply-adds for a @ W, as many for a.T @ delta, and as
    many again for delta @ W.T -- except in the first layer, where that product would be dC/dX,
    which no one needs (scratch skips it, and TensorFlow's graph prunes it).
    """
    weights = [n_in * n_out for n_in, n_out in zip(shape.sizes, shape.sizes[1:], strict=False)]
    return 2.0 * shape.rows * (3 * sum(weights) - weights[0])


class Floor:
    """One epoch of bare matmuls, written into preallocated arrays (np.matmul(..., out=...))."""

    def __init__(self, shape: Shape, X: np.ndarray, threads: int):
        self.X, self.batch_size, self.threads = X, shape.batch_size, threads
        rng = np.random.default_rng(1)
        pairs = list(zip(shape.sizes, shape.sizes[1:], strict=False))
        # Glorot-sized weights keep the values (and so the speed: no inf, no denormals) ordinary.
        self.W = [(rng.uniform(-1, 1, (i, o)) * np.sqrt(6 / (i + o))).astype(np.float32) for i, o in pairs]
        self.grad_W = [np.empty_like(W) for W in self.W]
        self.buffers = {}                                  # batch size -> (activations, deltas)
        for mb in {shape.batch_size, shape.rows % shape.batch_size} - {0}:
            a = [np.empty((mb, o), np.float32) for _, o in pairs]                    # (mb, n_l)
            delta = [(0.01 * rng.standard_normal((mb, o))).astype(np.float32) for _, o in pairs]
            self.buffers[mb] = (a, delta)

    def epoch(self) -> float:
        with threadpool_limits(self.threads, user_api="blas"):
            start = time.perf_counter()
            for i in range(0, len(self.X), self.batch_size):
                x = self.X[i:i + self.batch_size]                                   # a view, (mb, n_0)
                a, delta = self.buffers[len(x)]
                inputs = [x, *a[:-1]]
                for l, W in enumerate(self.W):
                    np.matmul(inputs[l], W, out=a[l])                                # forward: a_l = a_{l-1} W_l
                for l in reversed(range(len(self.W))):
                    np.matmul(inputs[l].T, delta[l], out=self.grad_W[l])            # BP4
                    if l > 0:
                        np.matmul(delta[l], self.W[l].T, out=delta[l - 1])          # BP2's product
            return time.perf_counter() - start


# -- The scratch runs -------------------------------------------------------------------------------
class EpochTimer:
    """Callback: the seconds from on_epoch_begin to on_epoch_end (fit's own setup left out)."""

    seconds = float("nan")

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


class ScratchRun:
    """Network.fit, one epoch per call, the same optimizer carried on (as one long fit would).

    NumPy's BLAS runs on `threads` threads (threadpoolctl); shuffling and the accuracy metric are on.
    """

    def __init__(self, shape: Shape, X: np.ndarray, y: np.ndarray, threads: int):
        self.shape, self.X, self.y, self.threads = shape, X, y, threads
        self.net = make_network(shape)
        self.optimizer = optimizers.Adam(learning_rate=LEARNING_RATE)

    def epoch(self) -> float:
        timer = EpochTimer()
        with threadpool_limits(self.threads, user_api="blas"):
            self.net.fit(self.X, self.y, loss=LOSS, optimizer=self.optimizer, epochs=1,
                         batch_size=self.shape.batch_size, metrics=["accuracy"], callbacks=[timer], verbose=0)
        return timer.seconds


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog=".venv/bin/python -m keras_models.bench.numpy_runs",
                           description=__doc__.split("\n")[0])
    parser.add_argument("--memory-run", choices=list(SHAPES), required=True, help="train 2 scratch epochs of a shape")
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: all)")
    args = parser.parse_args(argv)
    shape = SHAPES[args.memory_run]
    X, y = make_data(shape)
    run = ScratchRun(shape, X, y, args.threads)
    for _ in range(2):
        run.epoch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
