"""The course material: what a learner reads, runs and writes.

    lessons/     the tutorials' first ideas as runnable scripts with pictures (`make lessons`)
    real_data/   the course's Keras scripts on real data, one per task (`make course`)
    exercises/   graded exercises: the solutions (one source each), the graders (`make exercises`)
    jupyter/     the lessons and exercises as notebooks (`make notebooks`), JupyterLab (`make lab`)
    notebooks/   what `make notebooks` writes (git-ignored; your exercise notebooks are yours)
    instructor/  a learner copy (`make release`), a class graded at once (`make grade`), GitHub Classroom
    multi_worker.py  one model on several machines: MultiWorkerMirroredStrategy, TF_CONFIG, a custom loop
    command_line.py  what the course scripts' options share: a mistake in one is one line, not a traceback
    child_processes.py  the processes a learner's code started, found and ended (make grade, make exercise-run)
    folders.py   where the course writes by default: the repository's logs/, wherever a notebook or script started

Builds on the Keras twins (`keras_models.twins`), `scratch` and `data`, never on `make train`'s
machinery (`keras_models.train`).
"""
