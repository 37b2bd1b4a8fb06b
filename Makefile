# The two commands a user needs are `make run` and `make test`; both do all set-up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup test lint run lab bench notebooks clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q -U pip
	@$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

# Style (ruff) and the architecture: the import contracts in pyproject.toml (docs/architecture.md).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo

test: setup lint
	$(BIN)/pytest $(PYTEST_ARGS)

# The whole suite against the built-in sandbox org (demo size) into sandbox.db; prints where the report is.
run: setup
	$(BIN)/vmsync run --sandbox

# JupyterLab on notebooks/; its kernels find the project (settings, database) from there. Jupyter refuses to
# run as root unless told to.
lab: setup
	@$(BIN)/python -m pip install -q -e '.[lab]'
	VMSYNC_HOME=$(CURDIR) $(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root )notebooks/

bench: setup
	$(BIN)/python -m bench

# The entity notebooks, written again from their template and the entities' specs.
notebooks: setup
	$(BIN)/vmsync notebooks

clean:
	rm -rf $(VENV) runs .sandbox *.db .pytest_cache .ruff_cache .hypothesis bench/results.json
