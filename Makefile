# Two commands do all the set-up on a fresh Debian machine (root, Python 3.11):
#   make run    installs what is missing, ingests the demo corpus, starts the service
#   make test   installs what is missing, then runs lint, type checks and the whole test suite
# Installing twice is quick and changes nothing: every step is guarded by a stamp or a presence check.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMPS := $(VENV)/.stamps
APT_PACKAGES := tesseract-ocr tesseract-ocr-fra poppler-utils pandoc libmagic1 fonts-dejavu-core \
	libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui chromium nodejs npm postgresql
DEMO_CORPUS := deploy/demo/generated
PYTEST_ARGS ?=

.PHONY: install system-deps python-deps node-deps demo-corpus run ingest-demo serve test lint eval bench clean

install: system-deps python-deps node-deps demo-corpus

system-deps: $(STAMPS)/system
$(STAMPS)/system: Makefile
	@missing=""; \
	for cmd in tesseract:tesseract-ocr pdftoppm:poppler-utils pandoc:pandoc soffice:libreoffice-writer-nogui \
	           chromium:chromium node:nodejs npm:npm; do \
	  command -v $${cmd%%:*} >/dev/null || missing="$$missing $${cmd#*:}"; done; \
	[ -f /usr/share/tesseract-ocr/5/tessdata/fra.traineddata ] || missing="$$missing tesseract-ocr-fra"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	fi
	@mkdir -p $(STAMPS) && touch $@

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel

python-deps: $(STAMPS)/python
# torch is pinned first: an open spec would pull a multi-GB CUDA build. llama-cpp-python compiles once
# (about 8 minutes on 2 cores); pip's wheel cache makes later installs quick. The postgres extra (psycopg)
# lets the tests run the stores against a throwaway PostgreSQL server (Debian's postgresql, above).
$(STAMPS)/python: pyproject.toml | $(PY)
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[st,llm,dev,postgres]'
	@mkdir -p $(STAMPS) && touch $@

node-deps: deploy/dev-idp/node_modules/.package-lock.json
deploy/dev-idp/node_modules/.package-lock.json: deploy/dev-idp/package-lock.json | $(STAMPS)/system
	npm ci --prefix deploy/dev-idp --no-audit --no-fund --loglevel=error

demo-corpus: $(STAMPS)/python $(STAMPS)/system
	$(PY) deploy/demo/build_corpus.py --out $(DEMO_CORPUS)

ingest-demo: install
	$(VENV)/bin/assistant ingest $(DEMO_CORPUS) --collection demo --sync

run: ingest-demo
	deploy/run-dev.sh

lint: python-deps
	$(VENV)/bin/ruff check assistant ingestion tests bench deploy
	$(VENV)/bin/mypy

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

eval: install
	ASSISTANT_EVAL_FULL=1 $(PY) -m pytest -m eval -s tests/eval

bench: install
	$(PY) bench/ingestion_bench.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
