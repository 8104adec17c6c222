# `make demo` and `make test` do all the set-up on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-transformers lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	VEILLE_ALLOW_PRIVATE_NETWORKS=1 $(VENV)/bin/veille demo

test: $(STAMP)
	$(PY) -m pytest -q -n 2

# The optional transformer backend: a CPU torch (never the CUDA build), then the
# extra, then its tests. `make test` skips those tests when torch is absent.
test-transformers: $(STAMP)
	$(PY) -m pip install -q 'torch>=2.2' --index-url https://download.pytorch.org/whl/cpu
	$(PY) -m pip install -q -e '.[transformers]'
	$(PY) -m pytest -q tests/enrich/test_transformer.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
