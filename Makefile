# Two commands on a fresh machine:  make reproduce   and   make test
# Both create a local virtual environment (.venv) from requirements.txt when it is missing
# or older than requirements.txt, then run their job.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= results
RUNS   ?=
DIR    ?= student
FLAGS  ?=
CH     ?=
KEY    ?=
UNIT   ?=
SUBMISSIONS ?=
GRADES ?= grades
JOBS   ?= 1
export MPLBACKEND := Agg

# Tables 1-3 use 30 runs per cell and the extensions 8, unless RUNS is given
TABLE_ARGS := --tables 1,2,3,ext $(if $(QUICK),--quick) $(if $(RUNS),--runs $(RUNS))

.PHONY: reproduce table3-settings docs docs-data reproduce-long reproduce-cosine depth calibrate test test-min regions bench tutorials notebooks student grade grade-class capstone-reference html clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## make reproduce [QUICK=1] [RUNS=N] [OUT=results]: region table; Tables 1-3 under the paper
## protocol on the reported seeds 0-4 and the validation seeds 1000-1004; the extensions, 5 seeds
reproduce: $(STAMP)
	$(PY) -m minregion regions --depth 12 --out "$(OUT)"
	$(PY) -m minregion reproduce --protocol paper $(TABLE_ARGS) --out "$(OUT)"

## make reproduce-long [OUT=results]: the same under the long protocol (15,000 steps), 1 seed,
## into OUT/long
reproduce-long: $(STAMP)
	$(PY) -m minregion reproduce --protocol long $(TABLE_ARGS) --out "$(OUT)/long"

## make reproduce-cosine [OUT=results]: the long protocol with the raw-weight lr decayed from
## 1e-3 to 1e-5 (cosine) for every method, 1 seed, into OUT/cosine
reproduce-cosine: $(STAMP)
	$(PY) -m minregion reproduce --protocol cosine $(TABLE_ARGS) --out "$(OUT)/cosine"

## make depth [QUICK=1] [OUT=results]: the error against depth 1-8 (paper protocol, 3 seeds),
## into OUT/depth
depth: $(STAMP)
	$(PY) -m minregion reproduce --protocol paper --tables depth $(if $(QUICK),--quick) --out "$(OUT)/depth"

## make calibrate [OUT=results]: the Kaiming minimum against the step budget, on the
## calibration seeds: the evidence for the paper protocol's budget
calibrate: $(STAMP)
	$(PY) -m minregion calibrate --out "$(OUT)"

## make table3-settings [OUT=results]: Table 3's Kaiming minimum under three readings of its
## 10 points and five step budgets (Theorem 3.1's under one), on seeds 200-202 (not reported)
table3-settings: $(STAMP)
	$(PY) -m minregion table3-settings --seeds 3 --out "$(OUT)"

## make docs-data [OUT=results]: copy what README.md and docs/results.md quote of OUT's tables
## into docs/data/tables.json (commit it), OUT/long and OUT/cosine included when there (else
## the file's numbers of those protocols are kept); make docs: rewrite their numbers from it
docs-data: $(STAMP)
	$(PY) -m minregion.reproduce.docs_numbers extract "$(OUT)"

docs: $(STAMP)
	$(PY) -m minregion.reproduce.docs_numbers write

## make test: every test, tutorials included (the notebooks in a second process, beside the
## rest: tests/run_all.py; the same tests as python -m pytest)
test: $(STAMP)
	$(PY) tests/run_all.py

## make test-min [PYTHON=python3.9]: every test on the oldest supported versions
## (requirements-min.txt), in .venv-min
test-min: .venv-min/.installed
	.venv-min/bin/python -m pytest

.venv-min/.installed: requirements-min.txt pyproject.toml
	$(PYTHON) -m venv .venv-min
	.venv-min/bin/python -m pip install --quiet --upgrade pip
	.venv-min/bin/python -m pip install --quiet -r requirements-min.txt
	.venv-min/bin/python -m pip install --quiet --no-deps -e .
	touch $@

## make regions: the exact region counts against depth, with a figure
regions: $(STAMP)
	$(PY) -m minregion regions --depth 12 --out "$(OUT)"

## make bench: readable and fast steps side by side, NumPy's floor, --jobs, Table 1 wall time;
## PyTorch and JAX where installed
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

## make student [DIR=student] [FLAGS="--keep-solutions --only ID --except ID --answers CH --force"]:
## write the student edition (prose answers held back; FLAGS="--release-answers ch03" adds them later)
student:
	$(PYTHON) course/make_student.py "$(DIR)" $(FLAGS)

## make grade [CH=ch03] [UNIT=1]: blanks left, tests passed and failed, notebook exercises,
## chapter by chapter (here: the reference)
grade: $(STAMP)
	$(PY) course/grade.py $(CH) $(if $(UNIT),--unit)

## make grade-class SUBMISSIONS=dir [GRADES=grades] [CH=ch03] [UNIT=1] [JOBS=2] [FLAGS=...]: grade a
## folder of submissions (a folder or .zip per student), chapter by chapter in isolation, into
## GRADES/grades.csv and GRADES/feedback/; it runs the students' code: see course/LECTURERS.md
grade-class: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "make grade-class: give SUBMISSIONS=folder (one folder or .zip per student)"; exit 2; }
	$(PY) course/grade_class.py "$(SUBMISSIONS)" $(CH) --out "$(GRADES)" --jobs $(JOBS) $(if $(UNIT),--unit) $(FLAGS)

## make capstone-reference: the reference's Table 1 under the capstone's protocols, into
## course/capstone_reference.json (shipped in the student edition; make test checks it)
capstone-reference: $(STAMP)
	$(PY) course/capstone.py --write-reference

## make html [KEY=1]: the student edition's chapters (no solutions, no answers) into html/student/,
## to publish; KEY=1: the answer key (the reference, executed) into html/answer-key/, not to publish
## (installs nbconvert, ipykernel on first use)
html: $(VENV)/.nbconvert
	$(PY) course/build_html.py --out html $(if $(KEY),--key)

$(VENV)/.nbconvert: $(STAMP)
	$(PY) -m pip install --quiet nbconvert ipykernel
	touch $@

## make clean: the virtual environments and caches; in OUT and html/, only the files minregion
## wrote there and nobody changed since (its manifests list them)
clean:
	$(PYTHON) minregion/reproduce/outputs.py clean "$(OUT)"
	$(PYTHON) minregion/reproduce/outputs.py clean html
	rm -rf $(VENV) .venv-min .pytest_cache
