"""`make lessons` (`.venv/bin/python -m keras_models.course.lessons [--logdir DIR]`): every lesson in order."""

import sys

from keras_models.course.lessons import main

sys.exit(main())
