"""Run the four course scripts in order (`make course`): [--out DIR] [--epochs N] [--max-rows N]."""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_models.twins.tf_chatter import filter_tensorflow_chatter

if __name__ == "__main__":
    filter_tensorflow_chatter()      # before TensorFlow loads: its C++ start-up lines are not the learner's business

from keras_models.course.real_data import classification_breast_cancer as binary  # noqa: E402
from keras_models.course.real_data import multiclass_digits as multiclass  # noqa: E402
from keras_models.course.real_data import multilabel_digits as multilabel  # noqa: E402
from keras_models.course.real_data import regression_diamonds as regression  # noqa: E402
from keras_models.course.real_data.workflow import DEFAULT_OUT  # noqa: E402

SCRIPTS = (regression, binary, multiclass, multilabel)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the course's Keras half: regression, binary, multi-class, "
                                                 "multi-label")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--epochs", type=int, default=None, help="most epochs for every script (default: each "
                                                                  "script's own)")
    parser.add_argument("--max-rows", type=int, default=None, help="use only this many rows of each data set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for script in SCRIPTS:
        result = script.run(args.out, epochs=args.epochs, max_rows=args.max_rows, seed=args.seed)
        print(result.report, end="\n\n", flush=True)
    print(f"TensorBoard: .venv/bin/tensorboard --logdir {args.out / 'tensorboard'} --host 127.0.0.1")


if __name__ == "__main__":
    main()
