"""`make lessons` (`.venv/bin/python -m keras_models.course.lessons [--logdir DIR]`): every lesson in order."""

import sys

from keras_models.twins.closed_output import prepare_output_streams
from keras_models.twins.tf_chatter import filter_tensorflow_chatter

prepare_output_streams()     # closed at the start: /dev/null; a character it cannot show: its escape
filter_tensorflow_chatter()          # before TensorFlow loads: its C++ start-up lines are not the learner's business

from keras_models.course.lessons import main  # noqa: E402

sys.exit(main())
