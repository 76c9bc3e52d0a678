"""`python -m keras_models.lessons [--logdir DIR]`: run every lesson in order (what `make lessons` runs)."""

import sys

from keras_models.lessons import main

sys.exit(main())
