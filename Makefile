# Every target a learner needs. `make` alone lists them; `make train` and `make test` set
# themselves up (a .venv with the pinned versions from constraints.txt) on first use.

PYTHON_SYSTEM ?= $(shell command -v python3.11 || command -v python3)
VENV          := .venv
PY            := $(VENV)/bin/python
STAMP         := $(VENV)/.installed

# Keep Keras' config file and TensorFlow's C++ chatter out of the learner's way.
export KERAS_HOME := $(CURDIR)/.keras_home
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help setup train test tensorboard lessons course exercises exercise-reset exercises-solutions notebooks lab \
	release grade bench mutants lint clean

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

# The variables each target takes on the command line (make train TASKS=binary EPOCHS=5). Any other
# name given there -- a typo such as TASK=binary -- stops make with one line naming the valid ones,
# instead of being silently ignored. (make lists command-line variables in MAKEOVERRIDES.)
TAKES_train          := TASKS EPOCHS LR LOGDIR RESUME QUIET
TAKES_tensorboard    := LOGDIR PORT
TAKES_lessons        := LOGDIR
TAKES_exercises      := ONLY
TAKES_exercise-reset := NAME
TAKES_lab            := PORT
TAKES_release        := DEST WITH_SOLUTIONS
TAKES_grade          := SUBMISSIONS ONLY TIME_LIMIT JOBS
TAKES_ANY            := PYTHON_SYSTEM
GIVEN   := $(patsubst %:,%,$(foreach v,$(MAKEOVERRIDES),$(if $(findstring =,$(v)),$(firstword $(subst =, ,$(v))))))
TAKEN   := $(TAKES_ANY) $(foreach goal,$(or $(MAKECMDGOALS),help),$(TAKES_$(goal)))
UNKNOWN := $(filter-out $(TAKEN),$(GIVEN))
ifneq ($(UNKNOWN),)
$(error unknown variable $(UNKNOWN) for make $(or $(MAKECMDGOALS),help); $(foreach goal,$(or $(MAKECMDGOALS),help),make $(goal) takes $(or $(TAKES_$(goal)),no variables);) see `make help`)
endif
ifneq ($(filter-out 1,$(RESUME) $(QUIET)),)
$(error RESUME and QUIET take the value 1 (make train RESUME=1), got RESUME=$(RESUME) QUIET=$(QUIET))
endif
ifneq ($(filter-out 1,$(WITH_SOLUTIONS)),)
$(error WITH_SOLUTIONS takes the value 1 (make release DEST=dir WITH_SOLUTIONS=1), got WITH_SOLUTIONS=$(WITH_SOLUTIONS))
endif
# A learner copy (make release) has no tests/: say so instead of running pytest on nothing.
NO_TESTS = test -d tests || { echo "make $@: this learner copy has no test suite (it checks the reference solutions, \
which are not included)" >&2; exit 2; }

train: $(STAMP) ## train scratch and Keras side by side into logs/ (TASKS=binary,... EPOCHS=N LR=1e-3 LOGDIR=DIR RESUME=1 QUIET=1)
	@$(PY) -m keras_models.train --via-make $(if $(TASKS),--tasks "$(TASKS)") $(if $(EPOCHS),--epochs "$(EPOCHS)") \
		$(if $(LR),--learning-rate "$(LR)") $(if $(LOGDIR),--logdir "$(LOGDIR)") $(if $(QUIET),--quiet) $(if $(RESUME),--resume)

test: $(STAMP) ## run the whole test suite: parity, properties, lessons, exercises, notebooks, end to end
	@$(NO_TESTS)
	@$(PY) -m pytest -n 2 -q

tensorboard: $(STAMP) ## serve logs/ on http://127.0.0.1:6006 (PORT=6006 LOGDIR=logs)
	@$(PY) -m keras_models.train.board_server --logdir "$(or $(LOGDIR),logs)" --port "$(or $(PORT),6006)"

lessons: $(STAMP) ## run the lessons in order; pictures go to logs/lessons/ (LOGDIR=DIR)
	@$(PY) -m keras_models.course.lessons $(if $(LOGDIR),--logdir "$(LOGDIR)")

course: $(STAMP) ## the course's Keras scripts on real data (regression, classification); logs/course/
	@$(PY) -m keras_models.course.real_data

exercises: $(STAMP) ## grade your exercise files (hints for what fails); ONLY=ex03 grades one
	@$(PY) -m keras_models.course.exercises.grade $(if $(ONLY),--only $(ONLY))

exercise-reset: $(STAMP) ## start an exercise over: make exercise-reset NAME=ex03 (yours goes to logs/exercises/backup/)
	@test -n "$(NAME)" || { echo "usage: make exercise-reset NAME=ex03" >&2; exit 2; }
	@$(PY) -m keras_models.course.exercises.grade --reset $(NAME)

exercises-solutions: $(STAMP) ## grade the reference solutions with the same tests
	@$(PY) -m keras_models.course.exercises.grade --solutions

notebooks: $(STAMP) ## a notebook for every lesson and exercise in keras_models/course/notebooks/ (yours are kept)
	@$(PY) -m keras_models.course.jupyter.build

lab: notebooks ## JupyterLab on 127.0.0.1 with the project's kernel, opened on the notebooks (PORT=8888)
	@$(PY) -m keras_models.course.jupyter.lab $(if $(PORT),--port "$(PORT)")

release: $(STAMP) ## instructor: a learner copy, solutions removed, into DEST=dir (WITH_SOLUTIONS=1: yours)
	@test -n "$(DEST)" || { echo "usage: make release DEST=dir [WITH_SOLUTIONS=1]" >&2; exit 2; }
	@$(PY) -m keras_models.course.instructor.release "$(DEST)" $(if $(WITH_SOLUTIONS),--with-solutions)

grade: $(STAMP) ## instructor: grade a class, one folder per learner: SUBMISSIONS=dir (ONLY= TIME_LIMIT=120 JOBS=)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [ONLY=ex01,ex02] [TIME_LIMIT=120] \
	[JOBS=2]" >&2; exit 2; }
	@$(PY) -m keras_models.course.instructor.grade_class "$(SUBMISSIONS)" $(if $(ONLY),--only "$(ONLY)") \
		$(if $(TIME_LIMIT),--time-limit "$(TIME_LIMIT)") $(if $(JOBS),--jobs "$(JOBS)")

bench: $(STAMP) ## scratch vs Keras speed and the matmul floor; table in logs/bench/
	@$(PY) -m keras_models.bench

mutants: $(STAMP) ## break scratch/ one line at a time (tests/mutation/mutants.toml): every break must fail a test
	@$(NO_TESTS)
	@$(PY) tests/mutation/run.py

lint: $(STAMP) ## ruff
	@$(VENV)/bin/ruff check .

clean: ## remove logs and caches (keeps .venv, and your exercise versions in logs/exercises/backup/)
	@mkdir -p logs
	find logs -mindepth 1 ! -path logs/.gitkeep ! -path logs/exercises ! -path logs/exercises/backup \
		! -path 'logs/exercises/backup/*' -delete
	rm -rf .pytest_cache .ruff_cache .hypothesis
	@touch logs/.gitkeep
