# `make demo` and `make test` do all the set-up on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.base-stamp
# Override with TORCH='torch --index-url https://download.pytorch.org/whl/cpu'
# where no CPU wheel of torch 2.13.0 is at hand.
TORCH ?= torch==2.13.0

.PHONY: demo test failover-test test-transformers lint bench clean crash-test soak

# The demo's set-up stays lean: the product and its runtime dependencies only
# (the web app's included; never torch). `veille demo --serve` builds the demo
# workspace, then serves the web app and prints its URL and a demo login.
$(STAMP): pyproject.toml setup.py
	@command -v $${CC:-cc} >/dev/null || { echo "veille builds a small C extension (the query matcher):" \
	  "install a C compiler and the Python headers first, e.g. apt-get install gcc python3-dev"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(STAMP) $(VENV)/.kernel-stamp

# The tests add the dev tools, the benchmarks' engines and the optional
# transformer backend (torch, CPU build, pinned: an unpinned torch would pull
# the CUDA build).
TEST_STAMP := $(VENV)/.test-stamp
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e '.[dev,bench,transformers,clickhouse]'
	touch $(TEST_STAMP) $(VENV)/.kernel-stamp

# The matcher's C core, built again when its source changes.
KERNEL := $(VENV)/.kernel-stamp
$(KERNEL): src/veille/query/_kernel.c $(STAMP)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(KERNEL)

demo: $(STAMP) $(KERNEL)
	VEILLE_ALLOW_PRIVATE_NETWORKS=1 $(VENV)/bin/veille demo --serve

# Bytecode is written while the tests run, whatever the environment says
# (PYTHONDONTWRITEBYTECODE=1): otherwise each of the hundreds of `veille`
# processes the tests start compiles veille's modules again (~0.2-0.9 s of
# CPU each), and each xdist worker rewrites every test module's asserts anew.
TESTENV := env -u PYTHONDONTWRITEBYTECODE
# --dist loadscope: a module's tests run on one worker, so what a module
# makes once (a served app, a workspace made and copied) is made once, not
# once per worker (on tests/analytics + tests/plan + two web modules: 148 s
# against 160-194 s with the default spread).

test: $(TEST_STAMP) $(KERNEL)
	$(TESTENV) $(PY) -m pytest -q -n 2 --dist loadscope -m "not failover"

# PostgreSQL failovers: a primary and a streaming replica started per module
# (or per test), the primary SIGKILLed under veille run and veille serve, the
# replica promoted. Minutes each, so apart from make test; CI runs it.
failover-test: $(TEST_STAMP) $(KERNEL)
	$(TESTENV) $(PY) -m pytest -q -n 2 -m failover

# veille run SIGKILLed 20 times while the simulator publishes and 200 alerts
# send: nothing lost, nothing stored twice, no post under two delivery ids.
crash-test: $(TEST_STAMP) $(KERNEL)
	$(TESTENV) $(PY) tests/reliability/run_crash.py --kills 20 --alerts 200 --seconds 60

# 10 minutes of veille run with 10% of the platforms' answers faulty: it stays
# up, its memory stays flat, health shows the faults, nothing is lost.
soak: $(TEST_STAMP) $(KERNEL)
	$(PY) tests/reliability/run_soak.py --minutes 10

# Only the optional transformer backend's tests.
test-transformers: $(TEST_STAMP)
	$(PY) -m pytest -q tests/enrich/test_transformer.py

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: $(TEST_STAMP) $(KERNEL)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
