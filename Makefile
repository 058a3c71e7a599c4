# Field App — developer entry points.  `make help` lists them.
#
#   make venv    .venv with the app + server + test extras (re-runs when pyproject.toml changes)
#   make demo    seed a demo agency, start server + console + worker app, print URLs
#   make test    system test deps (Debian chromium, PostgreSQL) + venv, then pytest
#   make bench   benchmarks (writes docs/benchmarks.md)
#   make lint    ruff on the whole tree, mypy --strict on fieldapp, sync, server, main.py (fails on errors)
#   make clean   remove .venv and build output in this repo

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON     ?= python3
VENV       := .venv
VPY        := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
PYTEST_ARGS ?=
TEST_PROCS  ?= 2
DEMO_ARGS  ?=
BENCH_ARGS ?=

CHROMIUM   := /usr/bin/chromium
PG_INITDB_GLOB := /usr/lib/postgresql/*/bin/initdb

# Run apt-get as root directly, through sudo when available, else not at all.
ifeq ($(shell id -u),0)
  APT_PREFIX :=
else ifneq ($(shell command -v sudo 2>/dev/null),)
  APT_PREFIX := sudo
else
  APT_PREFIX := NOPE
endif

.PHONY: help venv demo test test-deps bench lint clean

help:
	@echo "Targets: venv demo test test-deps bench lint clean"
	@echo "  make test PYTEST_ARGS='-k sync -x'   pass options to pytest"
	@echo "  make test NO_BROWSER=1 TEST_PROCS=4    skip the browser journeys; more test processes"
	@echo "  make demo DEMO_ARGS='--port 8080'    pass options to fieldapp-server demo"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "error: Python >= 3.11 is required; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)." >&2; \
	  echo "       Install python3.11 (or newer) and run: make venv PYTHON=python3.11" >&2; \
	  exit 1; }
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip
	$(VPY) -m pip install -e '.[server,test]'
	@touch $(STAMP)

demo: venv
	$(VENV)/bin/fieldapp-server demo $(DEMO_ARGS)

test: venv test-deps
	@# Everything but the browser journeys in two processes (whole files each), then the journeys
	@# one at a time (each drives a real server, app and Chromium; a journey that fails is run
	@# again (twice at most) and reported as rerun, since a busy 2-core machine can lose a tap).
	@# Exit 5 (nothing selected) is fine only when PYTEST_ARGS narrowed the run to one half.
	$(VPY) -m pytest -n $(TEST_PROCS) --dist loadfile -m "not browser" $(PYTEST_ARGS) || { s=$$?; [ -n "$(PYTEST_ARGS)" ] && [ $$s -eq 5 ]; }
	$(if $(NO_BROWSER),@echo "make test: browser journeys not run (NO_BROWSER)",$(VPY) -m pytest -m browser --reruns 2 $(PYTEST_ARGS) || { s=$$?; [ -n "$(PYTEST_ARGS)" ] && [ $$s -eq 5 ]; })

# System packages the browser and PostgreSQL tests need (Debian). Never `playwright install`.
# If they cannot be installed: a warning, and those tests skip - except under CI=true, where
# this target (and the tests) fail.
test-deps:
	@need=""; \
	if [ ! -x $(CHROMIUM) ]; then need="$$need chromium"; fi; \
	if ! ls $(PG_INITDB_GLOB) >/dev/null 2>&1; then need="$$need postgresql"; fi; \
	if [ -z "$$need" ]; then \
	  echo "test-deps: chromium and PostgreSQL server binaries are present"; exit 0; fi; \
	cannot() { \
	  echo "test-deps: cannot install$$need: $$1" >&2; \
	  echo "           Install them yourself (Debian: apt-get install -y$$need)." >&2; \
	  if [ "$${CI:-}" = "true" ]; then exit 1; fi; \
	  echo "           Continuing: browser/postgres tests will be skipped." >&2; exit 0; }; \
	if ! command -v apt-get >/dev/null 2>&1; then cannot "apt-get not found (not Debian?)"; fi; \
	if [ "$(APT_PREFIX)" = "NOPE" ]; then cannot "not root and sudo is not available"; fi; \
	echo "test-deps: installing Debian packages:$$need"; \
	$(APT_PREFIX) env DEBIAN_FRONTEND=noninteractive apt-get update || cannot "apt-get update failed"; \
	$(APT_PREFIX) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$need \
	  || cannot "apt-get install failed"; \
	test -x $(CHROMIUM) || cannot "$(CHROMIUM) still missing after install"; \
	ls $(PG_INITDB_GLOB) >/dev/null 2>&1 || cannot "no $(PG_INITDB_GLOB) after install"

bench: venv
	$(VPY) -m bench $(BENCH_ARGS)

# Both tools come with the test extra that `make venv` installs; the packages mypy checks are
# listed in pyproject.toml [tool.mypy].
lint: venv
	@status=0; \
	echo "ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "mypy --strict"; $(VENV)/bin/mypy --strict || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache tests/.artifacts
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
