"""`make lessons` (`.venv/bin/python -m keras_models.course.lessons [--logdir DIR]`): every lesson in order."""

import sys

from keras_models.twins.output_encoding import escape_what_output_cannot_show
from keras_models.twins.tf_chatter import filter_tensorflow_chatter

escape_what_output_cannot_show()     # a character stdout cannot show: its escape, as under make
filter_tensorflow_chatter()          # before TensorFlow loads: its C++ start-up lines are not the learner's business

from keras_models.course.lessons import main  # noqa: E402

sys.exit(main())
