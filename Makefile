# `make run`: install, load the shipped corpus, tune on it (and on $(REAL) when present), analyze the sample logs.
# `make test`: install if needed, run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLES := datasets/samples/deploy-logs.tar.gz
# Real CI logs with hand-marked failure reasons (LogChunks); tuning uses them when they are there.
REAL ?= ../shared/realworld/logchunks-dev.jsonl.gz
REAL_ARGS := $(if $(wildcard $(REAL)),--real $(REAL))

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
	$(BIN)/autodevops tune $(REAL_ARGS) > /dev/null
	$(BIN)/autodevops analyze --format markdown $(SAMPLES)
	@echo
	@echo "Next: the page and the REST API. Start them with"
	@echo "    $(BIN)/autodevops serve"
	@echo "and open http://127.0.0.1:8080/ (paste a log, drop an archive, see the dashboard; Ctrl-C stops it)."

test: install
	$(BIN)/python -m pytest

benchmark: install
	$(BIN)/python benchmarks/analyze.py

clean:
	rm -rf $(VENV) .autodevops
