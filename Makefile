# Two entry points, each doing its own set-up on a fresh machine:
#   make demo  - create .venv, install the package and Graphviz, run the main job (examples/digits_demo.py)
#   make test  - same set-up, then the whole test suite (notebooks included)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench setup graphviz clean

setup: $(STAMP) graphviz

# Reinstall when the metadata or the set of packages changes (the editable install maps packages).
$(STAMP): pyproject.toml $(wildcard */__init__.py)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Graphviz's `dot` renders graphs; install it from Debian when missing and we are root.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
	      || echo "warning: could not install graphviz; graph rendering tests will skip"; \
	  else echo "note: Graphviz 'dot' not found; install it (e.g. apt-get install graphviz) to render graphs"; fi; }

demo: setup
	$(PY) examples/digits_demo.py

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/op_overhead.py
	$(PY) benchmarks/mlp_step.py
	$(PY) benchmarks/fit_overhead.py
	$(PY) benchmarks/conv_step.py
	$(PY) benchmarks/linalg_step.py

clean:
	rm -rf $(VENV) build *.egg-info
