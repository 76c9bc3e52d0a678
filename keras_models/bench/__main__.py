"""`make bench`: the scratch network's speed next to Keras, and next to the bare matrix products.

    .venv/bin/python -m keras_models.bench [--quick] [--skip-make] [--shapes course,medium,large] [--out logs/bench]

What one training epoch costs, for three network shapes (float32, Adam, categorical cross-entropy
on a softmax output, accuracy reported every batch, as `make train` does):

    course   569 x 30 -> 64 -> 64 -> 2,             batch 32    real data: the breast-cancer set
    medium   20,000 x 64 -> 128 -> 128 -> 10,       batch 32    synthetic: Gaussian inputs, random labels
    large    20,000 x 784 -> 1024 -> 1024 -> 10,    batch 512   synthetic, the size of MNIST's first layer

and, for each, these runs (all in one process, interleaved A B C ... A B C ..., medians reported,
the first epoch of each run left out as warm-up: Keras traces and compiles its graph there):

    floor     the epoch's matrix products alone, in a plain NumPy loop over preallocated arrays:
              per batch a @ W for every layer (forward), a.T @ delta for every layer (BP4), and
              delta @ W.T for every layer but the first (BP2; nobody needs dC/dX, and neither side
              computes it). Nothing a real step can skip; `floor share` = floor time / epoch time,
              for scratch against the floor with its own number of BLAS threads.
    scratch   Network.fit, with NumPy's BLAS (OpenBLAS) on 1 thread and on every core
    keras     Model.fit with default settings; with steps_per_execution; exactly as `make train`
              configures it; and tuned (a shuffled, cached, prefetched tf.data pipeline + XLA).

then the peak memory of a scratch and a Keras training run (each in its own process: one process
cannot tell its two halves apart), and the wall time and peak memory of `make train` and `make test`.
Each shape's epoch times and speed-ups go to the terminal as they are measured, within 80 columns; the full
tables (floor share, GFLOP/s, the processes, the goals) to logs/bench/bench_<time>.{md,csv} and
logs/bench/latest.md, and the terminal counts the goals met and says where the report is.
The exit status is 1 when a goal that was measured is missed (a **no** in the table's Goals), else 0.

The machine is what it is: absolute times drift with whatever else runs on it; ratios measured side
by side in one process hold far better. `--quick` uses fewer repeats and skips `make test`.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")      # before TensorFlow loads: keep its C++ chatter quiet

from keras_models.twins.closed_output import prepare_output_streams  # noqa: E402
from keras_models.twins.tf_chatter import filter_tensorflow_chatter  # noqa: E402

if __name__ == "__main__":
    prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
    filter_tensorflow_chatter()      # what TF_CPP_MIN_LOG_LEVEL does not reach (keras_models/twins/tf_chatter.py)

from keras_models.bench.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
