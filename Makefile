# `make run`: install, load the shipped corpus, tune on it, analyze the shipped sample logs.
# `make test`: install if needed, run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLES := datasets/samples/deploy-logs.tar.gz

.PHONY: install run test benchmark clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch from the local wheel; an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/autodevops ingest > /dev/null
	$(BIN)/autodevops tune > /dev/null
	$(BIN)/autodevops analyze --format markdown $(SAMPLES)

test: install
	$(BIN)/python -m pytest

benchmark: install
	$(BIN)/python benchmarks/analyze.py

clean:
	rm -rf $(VENV) .autodevops
