"""The course in Jupyter: notebooks written from the .py files, and JupyterLab on the project's .venv.

    build.py    `make notebooks`: a notebook for every lesson, every exercise and every solution,
                written with jupytext into keras_models/course/notebooks/ (git-ignored)
    kernel.py   the project's Jupyter kernel, "Inside the network (.venv)": the .venv's Python,
                started in the repository's root folder, like every make command
    lab.py      `make lab`: JupyterLab on 127.0.0.1 with that kernel, opened on the notebooks
    register.py `make setup`'s last step: that kernel registered again in a .venv built again

The .py files stay the one source of every lesson and exercise; a notebook is a view of one, made
again by `make notebooks` (the exercise notebooks are yours, and are written only when missing).
"""
