# The student edition of minregion. Every command sets up a local virtual environment
# (.venv) from requirements.txt the first time (or when requirements.txt changes).
#
#   make test          every test; the parts you have not written yet fail
#   make grade         one table: chapter | blanks left | tests passed | failed | exercises
#   make grade CH=ch03 the same for one chapter (or several: CH="ch02 ch03")
#   make grade UNIT=1  the unit tests only (seconds), without the notebooks
#   make capstone      once chapters 1-5 are written: the paper's Table 1 on your code

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CH     ?=
UNIT   ?=
PROTOCOL ?=
export MPLBACKEND := Agg

.PHONY: test grade capstone tutorials notebooks clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## make test: every test, notebooks included (pytest -m ch03 runs one chapter)
test: $(STAMP)
	$(PY) -m pytest

## make grade [CH=ch03] [UNIT=1]: blanks left, tests passed and failed, notebook exercises one by
## one, chapter by chapter (each test and notebook cell may run 120 s)
grade: $(STAMP)
	$(PY) course/grade.py $(CH) $(if $(UNIT),--unit)

## make capstone [PROTOCOL=test]: the paper's Table 1 on your own code (about a minute), beside
## the reference edition's numbers and the paper's, and whether your code reproduces the reference
capstone: $(STAMP)
	$(PY) course/capstone.py $(if $(PROTOCOL),--protocol $(PROTOCOL))

## make tutorials: run every notebook headless, figures to tutorials/figures/
tutorials: $(STAMP)
	$(PY) tutorials/run.py

## make notebooks: install Jupyter into .venv on first use, then open the notebooks
notebooks: $(VENV)/.jupyter
	$(VENV)/bin/jupyter notebook tutorials/

$(VENV)/.jupyter: $(STAMP)
	$(PY) -m pip install --quiet notebook
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache tutorials/figures
