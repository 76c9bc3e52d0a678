# Every target a learner needs. `make` alone lists them; `make train` and `make test` set
# themselves up (a .venv with the pinned versions from constraints.txt) on first use.

VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOG   := $(VENV)/setup.log
# What pip (the first three) and uv (the last two) say when the package index cannot be reached
UNREACHABLE := Failed to establish a new connection|connection broken by|Could not fetch URL|Failed to fetch|error sending request

# Keep Keras' config file and TensorFlow's C++ chatter out of the learner's way.
export KERAS_HOME := $(CURDIR)/.keras_home
# matplotlib's config and font cache, where make lab keeps them (unless the learner chose a folder): with a home
# folder that cannot be written, each make lessons, train and grade printed matplotlib's two-line warning
# ("mkdir -p failed for path ~/.config/matplotlib ... it is highly recommended to set the MPLCONFIGDIR ...").
export MPLCONFIGDIR ?= $(CURDIR)/$(VENV)/etc/matplotlib
export TF_CPP_MIN_LOG_LEVEL := 2
# A shell set up for another course does not reach the programs. Keras 3 runs on the backend KERAS_BACKEND names, and
# this project is TensorFlow's: jax and torch are not installed (KERAS_BACKEND=numpy imports jax too), and each ended
# make train in a ModuleNotFoundError traceback. TF_USE_LEGACY_KERAS=1 turns a learner's tf.keras into tf_keras
# (Keras 2, not installed): "Keras cannot be imported. Check that it is installed." PYTHONOPTIMIZE=2 strips the
# docstrings the programs' --help and the course's titles are read from (an AttributeError on None); =1 the asserts.
# Nor one set up for another Python: PYTHONPATH put its folders before the .venv's packages (a keras.py there ran
# instead of Keras; another Python's site-packages, its numpy), and PYTHONHOME stopped the .venv's Python from
# starting at all (make said no Python 3.11, 3.12 or 3.13 ran here).
export KERAS_BACKEND := tensorflow
unexport TF_USE_LEGACY_KERAS PYTHONOPTIMIZE PYTHONPATH PYTHONHOME
export PYTHONDONTWRITEBYTECODE := 1
# A character the output's encoding cannot show (PYTHONIOENCODING=ascii, or PYTHONUTF8=0 in the C locale: a
# learner folder "Zoë", LOGDIR=runé, a learner's print("×")) is written as an escape (\xeb), as Python already does
# on stderr, instead of ending the program with a UnicodeEncodeError traceback. An encoding the learner chose is
# kept; an error handler the learner chose (PYTHONIOENCODING=ascii:strict) too.
export PYTHONIOENCODING := $(PYTHONIOENCODING)$(if $(findstring :,$(PYTHONIOENCODING)),,:backslashreplace)

# the goals make was given, or the default one: what the lines below name when they refuse or warn
GOALS := $(or $(MAKECMDGOALS),help)

# Every recipe works in the folder make runs in: make -f <project>/Makefile from another folder (an editor's make tool
# started in its workspace) built a .venv there and failed on its missing constraints.txt ("uv cannot be installed
# here"), and make clean emptied that folder's own logs/. The folder of the Makefile is asked of the shell only when
# -f named one by a path: make splits its list of makefiles at spaces, and a folder's name may have one.
ifneq ($(findstring /,$(MAKEFILE_LIST)),)
MAKEFILE_FOLDER := $(shell cd -- "$$(dirname -- '$(subst ','\'',$(strip $(MAKEFILE_LIST)))')" && pwd -P)
ifneq ($(MAKEFILE_FOLDER),$(CURDIR))
$(error run make in the project's folder, $(MAKEFILE_FOLDER), not in $(CURDIR): make -C $(MAKEFILE_FOLDER) $(GOALS))
endif
endif

# in make help's order, which a misspelt target's line lists them in; venv, the prerequisite of every target that needs
# .venv, is in neither (nor in README): `make setup` is its name for people, and says when .venv is ready
TARGETS := help venv setup train test test-browser lock lock-check tensorboard lessons course exercises exercise-run \
	exercise-reset exercises-solutions notebooks lab release grade bench mutants lint clean
.DEFAULT_GOAL := help
.PHONY: $(TARGETS)

# What a learner copy (make release: no tests/, no solutions) refuses in one line: make help leaves them out there
INSTRUCTOR_ONLY = test test-browser lock-check mutants exercises-solutions release
# One sub-shell: a reader that stops early (make help | head -1) ends it with SIGPIPE, status 141, which is no
# error of make's ("make: *** [Makefile:30: help] Error 141" under the first line); any other status stays.
# Each description is wrapped at 80 columns, its next lines starting in its column (29): a line the terminal wraps
# starts again at its left edge, under the target names.
help: ## list the targets
	@( echo "Inside the network -- make targets:" && \
	grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | $(if $(wildcard tests),cat,grep -v -E '^($(subst $() ,|,$(INSTRUCTOR_ONLY))):') \
		| awk 'BEGIN {FS = ":.*## "} \
			{ line = sprintf("  make %-20s", $$1); n = split($$2, word, " "); \
			  for (i = 1; i <= n; i++) { \
			    if (length(line) > 27 && length(line) + 1 + length(word[i]) > 80) { print line; line = sprintf("%27s", "") } \
			    line = line " " word[i] } \
			  print line }' && \
	$(if $(wildcard tests),:,echo "(a learner copy: $(INSTRUCTOR_ONLY) are in your instructor's copy only)") ) \
	|| [ $$? -eq 141 ]

# --- .venv: which Python builds it, and when it is built again -----------------------------------
# PYTHON=/path/to/python (on the command line or in the environment) chooses the Python. Without it,
# .venv keeps the Python it was built with while that still runs, and a new .venv takes the newest of
# CANDIDATES that runs and is a supported version. Each candidate is probed by running it, not by
# finding it: a pyenv shim for a version that is not selected is on PATH but refuses to run.
# $(STAMP) records "<version> <prefix>" of the Python that built .venv, then the $(SUMS) of the files the
# packages were installed from, and is written last, so a set-up that stopped half way has none. .venv is rebuilt,
# with a line saying why, when it has no stamp, when PYTHON= names another Python, or when its own Python changed or
# no longer runs; the packages are installed again when pyproject.toml or constraints.txt is not what they were
# installed from. A second make that needs .venv while one sets it up waits for it (where flock(1) is found: Linux),
# then finds .venv ready.
SUPPORTED  := 3.11, 3.12 or 3.13
# By content, not by file times: a file dated in the future (a ZIP unpacked across time zones) had every make install
# the packages again until that date, and a stamp dated in the future had a changed lock trusted. cksum is POSIX: Linux
# and macOS have it. keras_models/bench/processes.py reads the stamp the same way.
SUMS       := cksum pyproject.toml constraints.txt
CANDIDATES := python3.13 python3.12 python3.11 python3
# A PYTHON= make refuses names the shell when it came from there (node-gyp's users export PYTHON, for instance)
PYTHON_FROM_SHELL = $(if $(filter environment,$(origin PYTHON)), (PYTHON came from your shell's environment: unset \
PYTHON, and make chooses one itself))

define SETUP_VENV
set -e
# One set-up at a time in this folder (flock(1), where there is one): two at once built one .venv together, and
# one of them failed with "Text file busy". The checks below take milliseconds: a wait of 2 s is a set-up.
if command -v flock >/dev/null 2>&1; then
	exec 9<.
	flock -w 2 9 || { echo "another make is setting up $(VENV) in this folder; waiting for it to finish"; flock 9; }
fi
about() { "$$1" -c 'import platform, sys; sys.stdout.write("%s %s\n" % (platform.python_version(), getattr(sys, "base_prefix", sys.prefix)))' 2>/dev/null || true; }
supported() { case "$$1" in 3.1[123].*) return 0;; esac; return 1; }
show() { echo "$${1%% *} ($${1#* })"; }
# What make setup removes of a .venv this user may not change (made by another user: a sudo make setup once) stops it
# in one line: rm printed one line per file it could not remove, 47,000 of them, and make its "Error 1".
removed() {
	said=$$(rm -rf "$$1" 2>&1) && return 0
	echo "error: $(VENV) cannot be $$2: $$(echo "$$said" | sed -n 1p) (another user made it? sudo make setup does): remove it with sudo rm -rf $(VENV), then make setup" >&2
	exit 1
}
# The installers write all they say into $(LOG), kept for a look when one fails. With the package index out of reach
# (no network, a proxy, an outage) pip said only "Cannot install ... because these package versions have conflicting
# dependencies" (ResolutionImpossible): nothing conflicts, nothing could be downloaded, and that is what we say.
# Each installer runs in the background while this shell waits for it, so that a SIGTERM (make passes it to this shell
# alone) or a Ctrl-C stops the installer too: this shell was stopped, and uv or pip went on installing, orphaned,
# holding the lock above (the next make setup waited for it) and writing into a .venv that make had given up.
installer=
stop() { [ -z "$$installer" ] || { kill "$$installer" 2>/dev/null || true; wait "$$installer" || true; }; exit "$$1"; }
trap 'stop 130' INT
trap 'stop 143' TERM
install() {
	echo "$$ $$*" >> $(LOG); first=$$(sed -n '$$=' $(LOG))
	# A signal between the fork and installer=$$! ran stop with no PID to stop, and the installer went on, orphaned:
	# until its PID is recorded, a signal is only noted, then acted on. (Ignoring signals there instead loses them, and
	# the installer would inherit the ignored SIGTERM; a trap that reads $$! may find the last installer's PID reused.)
	caught=; trap 'caught=130' INT; trap 'caught=143' TERM
	"$$@" >> $(LOG) 2>&1 & installer=$$!
	trap 'stop 130' INT; trap 'stop 143' TERM
	[ -z "$$caught" ] || stop "$$caught"
	said=0; wait "$$installer" || said=$$?
	installer=; return "$$said"
}
# what the last installer said, from its command line on: a retry an earlier one survived is not this one's failure
unreachable() { sed -n "$$first,\$$p" $(LOG) | grep -q -E '$(UNREACHABLE)'; }
offline() {
	index=$$(sed -n -E 's,.*(Looking in indexes:|Could not fetch URL|Failed to fetch:) `?(https?://[^/[:space:]`]*).*,\2,p' $(LOG) | sed -n 1p)
	echo "error: the packages could not be downloaded: no connection to the package index$${index:+ ($$index)}. Check the network (and a proxy: HTTPS_PROXY), then make setup again; what the installer said is in $(LOG)" >&2
	exit 1
}
# setuptools writes <name>.egg-info beside pyproject.toml for the editable install: one another user made (sudo make
# setup) would stop the next make setup with the installer's 20 lines, ending in "Cannot update time stamp of directory"
theirs() {
	info=$$(sed -n "$$first,\$$p" $(LOG) | sed -n -E "s/.*Cannot update time stamp of directory '([^']*[.]egg-info)'.*/\1/p" | sed -n 1p)
	[ -n "$$info" ] || return 0
	echo "error: $$info cannot be written (another user made it? sudo make setup does): remove it with sudo rm -rf $$info, then make setup" >&2
	exit 1
}
failed() {
	unreachable && offline
	theirs
	sed -n "$$first,\$$p" $(LOG) | tail -n 20 >&2     # its last words: pip's "Collecting ..." lines run to hundreds
	echo "error: installing the packages failed (the installer's last words above, all of them in $(LOG))" >&2
	exit 1
}
recorded=$$(sed -n 1p $(STAMP) 2>/dev/null || true)
if [ -f $(STAMP) ] && [ -z "$$recorded" ]; then recorded=$$(about $(PY)); fi    # an older Makefile's empty stamp
sums=$$($(SUMS) 2>/dev/null || true)
installed=$$(sed 1d $(STAMP) 2>/dev/null || true)
# An older Makefile's stamp has no sums: its file times decide this once, and the stamp is written again with its
# Python first, then the sums (appended to an empty stamp, the sums were its first line: the next make read them as
# the Python that built .venv)
if [ -f $(STAMP) ] && [ -z "$$installed" ] && [ ! pyproject.toml -nt $(STAMP) ] && [ ! constraints.txt -nt $(STAMP) ]; then
	installed=$$sums; { printf '%s\n%s\n' "$$recorded" "$$sums" > $(STAMP); } 2>/dev/null || true
fi
python=
named=$(call arg,PYTHON)                 # as typed: a $ or ' in its path is part of the path
if [ -n "$$named" ]; then
	python=$$named; want=$$(about "$$python")
	[ -n "$$want" ] || { echo "error: PYTHON=$$named does not run (not installed, or a pyenv shim for a version pyenv has not selected: PYENV_VERSION=3.12.1 make ... selects one); this project needs Python $(SUPPORTED)$(PYTHON_FROM_SHELL)" >&2; exit 1; }
	supported "$$want" || { echo "error: PYTHON=$$named is Python $${want%% *}; this project needs Python $(SUPPORTED)$(PYTHON_FROM_SHELL)" >&2; exit 1; }
elif [ -n "$$recorded" ] && supported "$$recorded" && [ "$$(about $(PY))" = "$$recorded" ]; then
	want=$$recorded
else
	tried=
	for candidate in $(CANDIDATES); do
		found=$$(about $$candidate)
		if [ -n "$$found" ] && supported "$$found"; then python=$$candidate; want=$$found; break; fi
		tried="$$tried$${tried:+, }$$candidate$${found:+ is Python $${found%% *}}"
	done
	[ -n "$$python" ] || { echo "error: no Python $(SUPPORTED) runs here (tried $$tried: not installed, too old, or a pyenv shim whose version is not selected). Install one -- Ubuntu 24.04: sudo apt install python3.12 python3.12-venv; Debian 13: sudo apt install python3.13 python3.13-venv; elsewhere: pyenv install 3.12 -- or name one: make setup PYTHON=/path/to/python3.12" >&2; exit 1; }
fi
made=$$(sed -n 's/^command = //p' $(VENV)/pyvenv.cfg 2>/dev/null || true)    # "<python> -m venv <its folder>"
why=
if [ -d $(VENV) ] && [ ! -f $(STAMP) ]; then why="its set-up stopped half way"
elif [ -d $(VENV) ] && [ "$$recorded" != "$$want" ]; then
	now=$$(about $(PY))
	if [ -z "$$recorded" ]; then why="its Python no longer runs"
	elif [ -n "$$named" ]; then why="it was built with Python $$(show "$$recorded")"
	elif [ -z "$$now" ]; then why="the Python it was built with, $$(show "$$recorded"), no longer runs"
	else why="the Python it was built with, $$(show "$$recorded"), is now Python $$(show "$$now")"; fi
# its stamp names a Python found here, but its own does not run (deleted, or a link to another machine committed)
elif [ -d $(VENV) ] && [ -n "$$python" ] && [ -z "$$(about $(PY))" ]; then why="its Python no longer runs"
# made in another folder (this one moved or renamed since: mv repo repo2): its editable install and its scripts' first
# lines name the old one, and make lab's kernel, started in the notebook's folder, would die at every start without a word
elif [ -d $(VENV) ] && [ -n "$$made" ] && [ "$${made##* -m venv }" != "$$(pwd -P)/$(VENV)" ]; then
	[ -n "$$python" ] || python=$${made%% -m venv *}                # the Python it was made with, which runs
	made=$${made##* -m venv }; why="it was made in $${made%/$(VENV)}, and a .venv does not move with its folder"
fi
[ -z "$$why" ] || { echo "rebuilding $(VENV) with Python $$(show "$$want"): $$why"; removed $(VENV) rebuilt; }
if [ ! -f $(STAMP) ] || [ "$$installed" != "$$sums" ]; then
	started=$$(date +%s)
	if [ ! -x $(PY) ]; then
		echo "setting up $(VENV) with $$python, Python $$(show "$$want") (about a minute, 2.3 GB)"
		version=$${want%% *}
		"$$python" -m venv $(VENV) || { rm -rf $(VENV); echo "error: $$python could not make a virtual environment (on Debian or Ubuntu: sudo apt install python$${version%.*}-venv)" >&2; exit 1; }
	else
		echo "installing the pinned packages into $(VENV) again (pyproject.toml or constraints.txt changed)"
	fi
	removed $(STAMP) "installed into again"
	: > $(LOG)
	# uv reads neither PIP_INDEX_URL nor pip.conf: behind a mirror pip installed uv from, uv went to pypi.org
	if [ -n "$${PIP_INDEX_URL-}" ] && [ -z "$${UV_DEFAULT_INDEX-}$${UV_INDEX_URL-}" ]; then export UV_DEFAULT_INDEX="$$PIP_INDEX_URL"; fi
	if install $(PY) -m pip install --disable-pip-version-check -c constraints.txt uv; then
		install $(VENV)/bin/uv pip install --compile-bytecode --python $(PY) -c constraints.txt -e ".[dev]" || failed
	else
		unreachable && offline
		echo "(uv cannot be installed here: installing with pip instead, which takes about twice as long)"
		install $(PY) -m pip install --disable-pip-version-check -c constraints.txt -e ".[dev]" || failed
	fi
	$(PY) -m keras_models.course.exercises.grade --write-missing
	printf '%s\n%s\n' "$$want" "$$sums" > $(STAMP)
	echo "$(VENV) ready in $$(( $$(date +%s) - started )) s"
fi
endef

# The recipe is the script above, handed to the shell as one piece.
venv: export SETUP_VENV_SCRIPT = $(SETUP_VENV)
venv:
	@eval "$$SETUP_VENV_SCRIPT"

# The notebooks' kernel registered again: a .venv built again is a new folder, without the one make notebooks had put in
# the old (keras_models/course/jupyter/register.py). Quiet: make setup's output stays its "ready" line.
setup: venv ## create .venv (PYTHON=python3.12 to choose the Python), install the pinned dependencies, write your exercise files, register the notebooks' kernel
	@$(PY) -m keras_models.course.jupyter.register > /dev/null
	@echo "ready: $(VENV), $$($(PY) --version)"

# The variables each target takes on the command line (make train TASKS=binary EPOCHS=5). Any other
# name given there -- a typo such as TASK=binary -- stops make with one line naming the valid ones,
# instead of being silently ignored. (make lists command-line variables in MAKEOVERRIDES, a space in a value
# written "\ ": read as two words, DEST='class v=2' named an unknown variable v.)
TAKES_train          := TASKS EPOCHS LR DEVICES LOGDIR RESUME QUIET
TAKES_tensorboard    := LOGDIR PORT
TAKES_lessons        := LOGDIR
TAKES_exercises      := ONLY
TAKES_exercise-reset := NAME
TAKES_exercise-run   := NAME
TAKES_lab            := PORT
TAKES_release        := DEST WITH_SOLUTIONS
TAKES_grade          := SUBMISSIONS ONLY TIME_LIMIT WALL_LIMIT JOBS
TAKES_mutants        := ONLY JOBS
TAKES_lock           := UPGRADE
TAKES_ANY            := PYTHON
# A misspelt target (make trian EPOCHS=1, make TRAIN) is named as one, before its variables are checked: make's own "No
# rule to make target" came only after "unknown variable EPOCHS for make trian; make trian takes PYTHON".
ifneq ($(filter-out $(TARGETS),$(MAKECMDGOALS)),)
$(error make $(firstword $(filter-out $(TARGETS),$(MAKECMDGOALS))): no such target; the targets are \
$(filter-out venv,$(TARGETS)); see `make help`)
endif
GIVEN   := $(patsubst %:,%,$(foreach v,$(subst \ ,_,$(MAKEOVERRIDES)),$(if $(findstring =,$(v)),$(firstword $(subst =, ,$(v))))))
TAKEN   := $(TAKES_ANY) $(foreach goal,$(GOALS),$(TAKES_$(goal)))
UNKNOWN := $(filter-out $(TAKEN),$(GIVEN))
ifneq ($(UNKNOWN),)
$(error unknown variable $(UNKNOWN) for make $(GOALS); $(foreach goal,$(GOALS),make $(goal) takes $(strip $(TAKES_$(goal)) $(TAKES_ANY));) see `make help`)
endif
# make reads every environment variable as a make variable: a learner's old export EPOCHS=0, a cloud IDE's PORT,
# WSL's NAME (the machine's name) were taken as typed, and the program refused a value the learner never gave
# ("EPOCHS must be a whole number >= 1, got '0'") or ran with it (TASKS=binary trained one task, WITH_SOLUTIONS=1 put
# the solutions into a learner copy). The variables above are taken from the command line only: one exported by the
# shell is dropped (for the programs make runs too), and those the goal takes are named in one line on stderr. PYTHON
# (TAKES_ANY) is not among them: it is taken from the environment too, as README says. (make -e keeps them all.)
SHELLS := $(sort $(foreach v,$(foreach t,$(TARGETS),$(TAKES_$(t))),$(if $(filter environment,$(origin $(v))),$(v))))
IGNORED := $(filter $(TAKEN),$(SHELLS))
ifneq ($(IGNORED),)
$(warning make $(GOALS) ignores $(foreach v,$(IGNORED),$(v)=$(value $(v))) from your shell's \
environment: it takes its variables on the command line only (unset $(IGNORED) to stop this line))
endif
$(foreach v,$(SHELLS),$(eval undefine $(v)))
# $(call got,RESUME QUIET): each of those whose value is not 1, as given
got = $(strip $(foreach v,$(1),$(if $(filter-out 1,$($(v))),$(v)=$($(v)))))
ifneq ($(filter-out 1,$(RESUME) $(QUIET)),)
$(error RESUME and QUIET take the value 1 (make train RESUME=1), got $(call got,RESUME QUIET))
endif
ifneq ($(filter-out 1,$(UPGRADE)),)
$(error UPGRADE takes the value 1 (make lock UPGRADE=1), got $(call got,UPGRADE))
endif
ifneq ($(filter-out 1,$(WITH_SOLUTIONS)),)
$(error WITH_SOLUTIONS takes the value 1 (make release DEST=dir WITH_SOLUTIONS=1), got $(call got,WITH_SOLUTIONS))
endif
# $(call given,ONLY): whether ONLY was given at all. $(if $(ONLY),...) would take ONLY=" " (or ONLY= with an
# empty expansion) for no ONLY=, and make grade would then regrade every exercise and write the grade book afresh
# instead of keeping the other columns; given, the program names the value that names no exercise.
given = $(filter-out undefined,$(origin $(1)))
# $(call arg,LOGDIR): the value exactly as typed, as one shell word (in single quotes, each ' written '\'').
# "$(LOGDIR)" let make expand a $ in it -- LOGDIR='runs $HOME' wrote into "runs OME", DEST='course $ 2026'
# into "course 2026" -- and then the shell expand $, ` and \ inside the double quotes.
arg = '$(subst ','\'',$(value $(1)))'
# A learner copy (make release) has no tests/: its test targets say so at once, before any set-up
# (TESTED_VENV is empty there, so they do not build .venv first).
NO_TESTS = test -d tests || { echo "make $@: this learner copy has no test suite (it checks the reference solutions, \
which are not included)" >&2; exit 2; }
TESTED_VENV := $(if $(wildcard tests),venv)

# A variable given empty (LOGDIR= , TASKS=$(unset)) is passed on as given, for the program to refuse by name:
# read as not given, LOGDIR= would write into logs/ and TASKS= train every task.
train: venv ## train scratch and Keras side by side into logs/ (TASKS=binary,... EPOCHS=N LR=1e-3 DEVICES=2 LOGDIR=DIR RESUME=1 QUIET=1)
	@exec $(PY) -m keras_models.train --via-make $(if $(call given,TASKS),--tasks $(call arg,TASKS)) \
		$(if $(call given,EPOCHS),--epochs $(call arg,EPOCHS)) $(if $(call given,LR),--learning-rate $(call arg,LR)) \
		$(if $(call given,DEVICES),--devices $(call arg,DEVICES)) $(if $(call given,LOGDIR),--logdir $(call arg,LOGDIR)) \
		$(if $(QUIET),--quiet) $(if $(RESUME),--resume)

test: $(TESTED_VENV) ## run the whole test suite: parity, properties, lessons, exercises, notebooks, end to end
	@$(NO_TESTS)
	@exec $(PY) -m pytest -n 2 -q

# Debian's Chromium and its driver, which `make test-browser` installs when it runs as root.
CHROMIUM     ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver

test-browser: $(TESTED_VENV) ## TensorBoard in a real headless Chromium: every task's link shows its curves (installs chromium)
	@$(NO_TESTS)
	@if [ ! -x "$(CHROMIUM)" ] || [ ! -x "$(CHROMEDRIVER)" ]; then \
		if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
			echo "error: make test-browser needs Chromium and ChromeDriver at $(CHROMIUM) and $(CHROMEDRIVER): install them with: sudo apt-get install chromium chromium-driver" >&2; \
			exit 1; \
		fi; \
		echo "installing Debian's chromium and chromium-driver (about a minute and 480 MB, the first time only)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@CHROMIUM="$(CHROMIUM)" CHROMEDRIVER="$(CHROMEDRIVER)" SCREENSHOTS=logs/browser exec \
		$(PY) -m pytest -q -p no:cacheprovider tests/tensorboard_in_chromium.py

# constraints.txt pins every package, the same versions on Python 3.11, 3.12 and 3.13. `make lock`
# compiles it again from pyproject.toml with uv, for the oldest supported Python, keeping today's pins
# wherever pyproject.toml still allows them (they are uv's preferences; UPGRADE=1: the newest allowed).
# `make lock-check` proves that pip installs it, pin for pin, on each supported version.
lock: venv ## compile constraints.txt from pyproject.toml with uv, keeping today's pins (UPGRADE=1: the newest)
	@cp constraints.txt $(VENV)/lock.txt
	@$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--no-header --no-annotate --quiet $(if $(UPGRADE),--upgrade) -o $(VENV)/lock.txt
	@sed '/^[^#]/,$$d' constraints.txt | cat - $(VENV)/lock.txt > $(VENV)/lock.new
	@if cmp -s $(VENV)/lock.new constraints.txt; then echo "constraints.txt is unchanged ($$(grep -c '==' constraints.txt) pins)"; \
	else mv $(VENV)/lock.new constraints.txt; echo "constraints.txt: $$(grep -c '==' constraints.txt) pins; check them with: make lock-check"; fi

lock-check: $(TESTED_VENV) ## prove that constraints.txt installs, pin for pin, on Python 3.11, 3.12 and 3.13 (pip, dry run)
	@$(NO_TESTS)
	@exec $(PY) tests/lock_check.py

tensorboard: venv ## serve logs/ on http://127.0.0.1:6006 (PORT=6006 LOGDIR=logs)
	@exec $(PY) -m keras_models.train.board_server --via-make --logdir $(if $(call given,LOGDIR),$(call arg,LOGDIR),logs) \
		--port $(if $(call given,PORT),$(call arg,PORT),6006)

lessons: venv ## run the lessons in order; pictures go to logs/lessons/ (LOGDIR=DIR)
	@exec $(PY) -m keras_models.course.lessons --via-make $(if $(call given,LOGDIR),--logdir $(call arg,LOGDIR))

course: venv ## the course's four Keras scripts on real data (regression, binary, multi-class, multi-label); logs/course/
	@exec $(PY) -m keras_models.course.real_data --via-make

exercises: venv ## grade your exercise files (hints for what fails); ONLY=ex03 grades one, ONLY=ex01,ex03 some
	@exec $(PY) -m keras_models.course.exercises.grade --via-make $(if $(call given,ONLY),--only $(call arg,ONLY))

exercise-run: venv ## run your exercise file as a script, without TensorFlow's start-up lines: make exercise-run NAME=ex03
	@test -n $(call arg,NAME) || { echo "usage: make exercise-run NAME=ex03" >&2; exit 2; }
	@exec $(PY) -m keras_models.course.exercises.run --via-make -- $(call arg,NAME)

exercise-reset: venv ## start an exercise over: make exercise-reset NAME=ex03 (yours goes to logs/exercises/backup/)
	@test -n $(call arg,NAME) || { echo "usage: make exercise-reset NAME=ex03" >&2; exit 2; }
	@exec $(PY) -m keras_models.course.exercises.grade --via-make --reset $(call arg,NAME)

exercises-solutions: venv ## grade the reference solutions with the same tests
	@exec $(PY) -m keras_models.course.exercises.grade --solutions

notebooks: venv ## a notebook for every lesson, exercise and solution in keras_models/course/notebooks/ (yours are kept)
	@exec $(PY) -m keras_models.course.jupyter

# make exports its command-line variables (PORT=8890) to the program, and so to JupyterLab's Terminal, where a make took
# them for its own: GIVEN_TO_MAKE names them for lab.py to leave out. Under make -e started by a make ($(MAKE) lab), GNU
# make 4.3 names none in MAKEOVERRIDES (GIVEN is empty, PORT=8890 just one of the environment's): those lab takes go.
lab: venv ## JupyterLab on 127.0.0.1 with the project's kernel, opened on the notebooks (PORT=8888)
	@GIVEN_TO_MAKE='$(strip $(GIVEN) $(if $(and $(findstring e,$(firstword -$(MAKEFLAGS))),$(filter-out 0,$(MAKELEVEL))),\
	$(TAKES_lab) $(TAKES_ANY)))' exec $(PY) -m keras_models.course.jupyter.lab --via-make --write-notebooks $(if $(call given,PORT),--port $(call arg,PORT))

release: venv ## instructor: a learner copy, solutions removed, into DEST=dir (WITH_SOLUTIONS=1: yours)
	@test -n $(call arg,DEST) || { echo "usage: make release DEST=dir [WITH_SOLUTIONS=1]" >&2; exit 2; }
	@exec $(PY) -m keras_models.course.instructor.release --via-make $(if $(WITH_SOLUTIONS),--with-solutions) -- $(call arg,DEST)

grade: venv ## instructor: grade a class, one folder per learner: SUBMISSIONS=dir (ONLY= TIME_LIMIT=120 WALL_LIMIT= JOBS=)
	@test -n $(call arg,SUBMISSIONS) || { echo "usage: make grade SUBMISSIONS=dir [ONLY=ex01,ex02] [TIME_LIMIT=120] \
	[WALL_LIMIT=365] [JOBS=2, default: the number of CPUs it may run on]" >&2; exit 2; }
	@exec $(PY) -m keras_models.course.instructor.grade_class --via-make $(if $(call given,ONLY),--only $(call arg,ONLY)) \
		$(if $(call given,TIME_LIMIT),--time-limit $(call arg,TIME_LIMIT)) \
		$(if $(call given,WALL_LIMIT),--wall-limit $(call arg,WALL_LIMIT)) $(if $(call given,JOBS),--jobs $(call arg,JOBS)) -- $(call arg,SUBMISSIONS)

bench: venv ## scratch vs Keras speed and the matmul floor; table in logs/bench/
	@exec $(PY) -m keras_models.bench

mutants: $(TESTED_VENV) ## break scratch/, the twins, the graders and the course's commands one line at a time (tests/mutation/mutants.toml): every break must fail a test (ONLY=name,name JOBS=2)
	@$(NO_TESTS)
	@exec $(PY) tests/mutation/run.py --via-make $(if $(call given,ONLY),--only $(call arg,ONLY)) $(if $(call given,JOBS),--jobs $(call arg,JOBS))

lint: venv ## ruff
	@$(VENV)/bin/ruff check .

# A run that a make train is writing (it holds its run.lock) stops make clean before anything is removed.
clean: ## remove logs and caches (keeps .venv, and your exercise versions in logs/exercises/backup/)
	@mkdir -p logs
	@if [ -x $(PY) ] && [ -n "$$(find logs -name run.lock 2>/dev/null)" ]; then $(PY) -m keras_models.train.run_lock logs; fi
# What another user wrote in logs/ (sudo make train) cannot be removed: one line, not find's line per file
	@said=$$(find logs -mindepth 1 ! -path logs/.gitkeep ! -path logs/exercises ! -path logs/exercises/backup \
		! -path 'logs/exercises/backup/*' -delete 2>&1) || { echo "error: make clean removed what it could, but not all \
	of logs/: $$(echo "$$said" | sed -n 1p) (lines from find: $$(echo "$$said" | grep -c .)): if another user wrote them (sudo \
	make ...), remove them with sudo rm -rf, then make clean" >&2; exit 1; }
	@rm -rf .pytest_cache .ruff_cache .hypothesis
	@echo "removed logs/ (your exercise versions in logs/exercises/backup/ are kept) and the test caches"
	@touch logs/.gitkeep
