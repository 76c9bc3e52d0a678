# Every target a learner needs. `make` alone lists them; `make train` and `make test` set
# themselves up (a .venv with the pinned versions from constraints.txt) on first use.

PYTHON_SYSTEM ?= $(shell command -v python3.11 || command -v python3)
VENV          := .venv
PY            := $(VENV)/bin/python
STAMP         := $(VENV)/.installed
TASKS         ?=
RESUME        ?=

# Keep Keras' config file and TensorFlow's C++ chatter out of the learner's way.
export KERAS_HOME := $(CURDIR)/.keras_home
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help setup train test tensorboard lessons course exercises exercise-reset exercises-solutions bench mutants lint clean

help: ## list the targets
	@echo "Inside the network -- make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-20s %s\n", $$1, $$2}'

# The virtual environment is rebuilt when pyproject.toml or constraints.txt changes (stale).
$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON_SYSTEM)" || { echo "error: python3.11 not found on PATH" >&2; exit 1; }
	@echo "setting up $(VENV) with $(PYTHON_SYSTEM) (first run: about a minute)"
	@test -x $(PY) || $(PYTHON_SYSTEM) -m venv $(VENV)
	@$(PY) -m pip install -qq --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@$(PY) -m keras_models.course.exercises.grade --write-missing
	@touch $(STAMP)

setup: $(STAMP) ## create .venv, install the pinned dependencies, write your exercise files
	@echo "ready: $(VENV)"

train: $(STAMP) ## train scratch and Keras side by side, logging to logs/ (TASKS=..., RESUME=1)
	@$(PY) -m keras_models.train $(if $(TASKS),--tasks $(TASKS)) $(if $(RESUME),--resume)

test: $(STAMP) ## run the whole test suite: parity, properties, lessons, exercises, end to end
	@$(PY) -m pytest -n 2 -q

tensorboard: $(STAMP) ## serve logs/ on http://127.0.0.1 (PORT=6006)
	@$(VENV)/bin/tensorboard --logdir logs --host 127.0.0.1 --port $(or $(PORT),6006) --reload_interval 1

lessons: $(STAMP) ## run the lessons in order; pictures go to logs/lessons/
	@$(PY) -m keras_models.course.lessons

course: $(STAMP) ## the course's Keras scripts on real data (regression, classification); logs/course/
	@$(PY) -m keras_models.course.real_data

exercises: $(STAMP) ## grade your exercise files (hints for what fails); ONLY=ex03 grades one
	@$(PY) -m keras_models.course.exercises.grade $(if $(ONLY),--only $(ONLY))

exercise-reset: $(STAMP) ## start an exercise over: make exercise-reset NAME=ex03 (yours goes to logs/exercises/backup/)
	@test -n "$(NAME)" || { echo "usage: make exercise-reset NAME=ex03" >&2; exit 2; }
	@$(PY) -m keras_models.course.exercises.grade --reset $(NAME)

exercises-solutions: $(STAMP) ## grade the reference solutions with the same tests
	@$(PY) -m keras_models.course.exercises.grade --solutions

bench: $(STAMP) ## scratch vs Keras speed and the matmul floor; table in logs/bench/
	@$(PY) -m keras_models.bench

mutants: $(STAMP) ## break scratch/ one line at a time (tests/mutation/mutants.toml): every break must fail a test
	@$(PY) tests/mutation/run.py

lint: $(STAMP) ## ruff
	@$(VENV)/bin/ruff check .

clean: ## remove logs and caches (keeps .venv)
	rm -rf logs/* .pytest_cache .ruff_cache .hypothesis
	@touch logs/.gitkeep
