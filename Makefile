# Two commands on a fresh clone: `make test` and `make demo` (and `make docs` for the site).
# Each creates .venv (if missing) and installs the package into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: test demo docs dist lint format benchmark benchmark-quick clean chromium playground

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,examples,dask,skops,rich,release,playground]"
	touch $(STAMP)

# The playground's browser tests drive Debian's chromium through its chromedriver (Selenium):
# install both when they are missing and apt-get is there (CI runs as root). Without them the
# browser tests skip, except under CI, where they fail.
chromium:
	@if ! { command -v chromium && command -v chromedriver; } >/dev/null 2>&1 \
	    && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing chromium for the playground's browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver) \
	    || { if [ -n "$$CI" ]; then exit 1; fi; \
	         echo "Could not install chromium: the browser tests will be skipped"; }; \
	fi

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The docs extra on top of the test environment (sphinx, numpydoc, sphinx-gallery, theme).
$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[docs,examples]"
	touch $(DOCS_STAMP)

# HTML into docs/_build/html; -W: any warning fails the build. The gallery runs every example.
docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

demo: $(STAMP)
	$(BIN)/python examples/plot_donut.py

# The browser playground on http://127.0.0.1:8765/ (PORT=0: any free port).
PORT ?= 8765
playground: $(STAMP)
	$(BIN)/python -m sklearn_backprop.playground --port $(PORT)

# Build the sdist and the wheel, check them, then install the wheel (alone) into a
# fresh venv and smoke-test it from outside the checkout. Any warning from the
# build backend fails the target.
dist: $(STAMP)
	rm -rf dist
	find sklearn_backprop tests examples docs benchmarks .ci -name __pycache__ -prune -exec rm -rf {} +
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m build --outdir dist . > build-dist.log 2>&1 || (cat build-dist.log; exit 1)
	@if grep -iE "warn|deprecat" build-dist.log; then echo "make dist: the build warned (see above)"; exit 1; fi
	@tail -n 1 build-dist.log
	$(BIN)/twine check --strict dist/*
	$(BIN)/python .ci/check_dist.py dist
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(PYTHON) -m venv "$$tmp/venv" && \
	  "$$tmp/venv/bin/python" -m pip install --quiet dist/*.whl && \
	  cd "$$tmp" && "$$tmp/venv/bin/python" "$(CURDIR)/.ci/smoke_wheel.py" "$(CURDIR)"

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

benchmark-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) build dist build-dist.log *.egg-info .pytest_cache .ruff_cache
	rm -rf docs/_build docs/auto_examples docs/generated
