"""Run the four course scripts in order (`make course`): [--out DIR] [--epochs N] [--max-rows N].

Whatever a learner or a damaged file can cause ends in one line and no traceback: Ctrl-C (exit status 130;
while TensorFlow loads at once, while Keras fits once the batch in progress has ended: workflow.fit), a
damaged or missing data file, or a --max-rows too small to split (exit status 1).
"""

from __future__ import annotations

import signal
import sys

if __name__ == "__main__":
    from keras_models.twins.leave_at_once import on_ctrl_c_leave_at_once

    on_ctrl_c_leave_at_once("Interrupted before the course started; nothing was written.")

from keras_models.twins.tf_chatter import filter_tensorflow_chatter, quiet_keras_retracing_warning  # noqa: E402

if __name__ == "__main__":
    filter_tensorflow_chatter()      # before TensorFlow loads: its C++ start-up lines are not the learner's business

from data import checked_settings  # noqa: E402
from keras_models.course.real_data import classification_breast_cancer as binary  # noqa: E402
from keras_models.course.real_data import multiclass_digits as multiclass  # noqa: E402
from keras_models.course.real_data import multilabel_digits as multilabel  # noqa: E402
from keras_models.course.real_data import regression_diamonds as regression  # noqa: E402
from keras_models.course.real_data.workflow import LEARNER_ERRORS, course_options, explain  # noqa: E402

SCRIPTS = (regression, binary, multiclass, multilabel)


def main(argv: list[str] | None = None) -> int:
    """`make course`: every script in turn, each report printed; the exit status (0, 1 or 130)."""
    parser = course_options(".venv/bin/python -m keras_models.course.real_data", "the course's Keras half: "
                            "regression, binary, multi-class, multi-label", "each script's own")
    args = parser.parse_args(argv)
    quiet_keras_retracing_warning()         # a false alarm: each script fits and reloads its own models (tf_chatter.py)
    try:
        for script in SCRIPTS:              # every script's settings before the first trains
            checked_settings(script.TASK, "course")
        for script in SCRIPTS:
            result = script.run(args.out, epochs=args.epochs, max_rows=args.max_rows, seed=args.seed)
            print(result.report, end="\n\n", flush=True)
    except KeyboardInterrupt:
        print(f"\nInterrupted; the scripts that finished have written their models and curves to {args.out}/.",
              flush=True)
        return 130
    except LEARNER_ERRORS as exc:
        print(f"error: {explain(exc, args.max_rows)}", file=sys.stderr, flush=True)
        return 1
    print(f"TensorBoard: make tensorboard LOGDIR={args.out / 'tensorboard'}")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)       # from here on main says what was kept
    sys.exit(main())
