"""Run the four course scripts in order: python -m keras_models.course [--out DIR] [--epochs N] [--max-rows N]."""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_models.course import DEFAULT_OUT
from keras_models.course import classification_breast_cancer as binary
from keras_models.course import multiclass_digits as multiclass
from keras_models.course import multilabel_digits as multilabel
from keras_models.course import regression_diamonds as regression

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
        epochs = {} if args.epochs is None else {"epochs": args.epochs}
        result = script.run(args.out, max_rows=args.max_rows, seed=args.seed, **epochs)
        print(result.report, end="\n\n", flush=True)
    print(f"TensorBoard: tensorboard --logdir {args.out / 'tensorboard'} --host 127.0.0.1")


if __name__ == "__main__":
    main()
