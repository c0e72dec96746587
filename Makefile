# Two commands on a fresh machine:  make reproduce   and   make test
# Both create a local virtual environment (.venv) from requirements.txt when it is missing
# or older than requirements.txt, then run their job.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= results
RUNS   ?= 30
export MPLBACKEND := Agg

ifdef QUICK
TABLE_ARGS := --quick --out $(OUT)
else
TABLE_ARGS := --runs $(RUNS) --out $(OUT)
endif

.PHONY: reproduce test regions bench tutorials notebooks clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## make reproduce [QUICK=1] [RUNS=30] [OUT=results]: region table, then Tables 1-3
reproduce: $(STAMP)
	$(PY) -m minregion regions --depth 12 --out $(OUT)
	$(PY) -m minregion reproduce $(TABLE_ARGS)

## make test: every test, tutorials included
test: $(STAMP)
	$(PY) -m pytest

## make regions: the exact region counts against depth, with a figure
regions: $(STAMP)
	$(PY) -m minregion regions --depth 12 --out $(OUT)

## make bench: seconds per step, Table 1 wall time, and PyTorch where installed
bench: $(STAMP)
	$(PY) benchmarks/bench_training.py

## make tutorials: run every notebook headless, figures to tutorials/figures/
tutorials: $(STAMP)
	$(PY) tutorials/run.py

## make notebooks: install Jupyter into .venv on first use, then open the series
notebooks: $(VENV)/.jupyter
	$(VENV)/bin/jupyter notebook tutorials/

$(VENV)/.jupyter: $(STAMP)
	$(PY) -m pip install --quiet notebook
	touch $@

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
