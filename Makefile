# Two commands on a fresh machine:  make reproduce   and   make test
# Both create a local virtual environment (.venv) from requirements.txt when it is missing
# or older than requirements.txt, then run their job.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= results
RUNS   ?= 30

ifdef QUICK
REPRODUCE_ARGS := --quick --out $(OUT)
else
REPRODUCE_ARGS := --runs $(RUNS) --out $(OUT)
endif

.PHONY: reproduce test regions bench tutorials notebooks clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

reproduce: $(STAMP)
	MPLBACKEND=Agg $(PY) -m minregion regions --depth 12 --out $(OUT)

test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest

regions: $(STAMP)
	MPLBACKEND=Agg $(PY) -m minregion regions --depth 12 --out $(OUT)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
