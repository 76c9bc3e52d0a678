"""Where the course writes by default: the repository's logs/, wherever a lesson, exercise or script was started.

A notebook's kernel does not always start in the repository's folder, as the project's kernel does (make lab,
keras_models/course/jupyter/kernel.py): VS Code with the .venv's Python, ipykernel's "Python 3" kernel and
`jupyter execute --kernel_name=python3` start it in the notebook's own folder, and a script may be started from
any folder (`cd /tmp && .venv/bin/python -m keras_models.course.lessons`). A default written `Path("logs")` would
mean a logs/ folder there (keras_models/course/notebooks/lessons/logs/lessons/png/), which make tensorboard never
shows, while the printed line would still say logs/. So the course's defaults are anchored at the repository's root;
a folder the learner types (LOGDIR=, --out, a path argument) keeps meaning what it means where it was typed.

    REPO          the repository's root folder (the one with the Makefile)
    LOGS          REPO/logs: what make tensorboard shows
    shown(path)   a path as the learner can open it from where they are: logs/lessons/png in the repository's
                  folder (as make prints it), the full path anywhere else (keras_models/twins/repository.py's
                  from_here)

A hint's folder, for a make command that runs in the repository's folder, is keras_models/twins/repository.py's
for_make (make train's hints use it too).
"""

from __future__ import annotations

from keras_models.twins.repository import REPO
from keras_models.twins.repository import from_here as shown  # noqa: F401 -- ex07 and its learners import it here

LOGS = REPO / "logs"
