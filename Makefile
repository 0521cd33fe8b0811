# Everything runs inside .venv; `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
IMAGE ?= strider-challenge
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' strider_challenge/__init__.py)
PYTEST := $(PY) -m pytest -p no:cacheprovider
#: The separate venv in which Airflow imports deploy/airflow/ (the DAG test).
AIRFLOW_VENV ?= .venv-airflow
#: Each lock and the ranges it is compiled from; the dev lock keeps the runtime pins.
LOCKS := requirements.txt=requirements.lock \
	requirements.build.txt=requirements.build.lock \
	requirements.dev.txt=requirements.dev.lock \
	deploy/airflow/requirements.txt=deploy/airflow/requirements.lock
#: `make lock UPGRADE="sqlalchemy typer"` moves those pins to their newest allowed release.
UPGRADE ?=
COMPILE := $(BIN)/uv pip compile --quiet --generate-hashes --universal \
	--python-version 3.11 --custom-compile-command "make lock" \
	$(foreach name,$(UPGRADE),--upgrade-package $(name))

.DEFAULT_GOAL := help
.PHONY: help run test requirements requirements-dev requirements-minimum \
	requirements-airflow lock lock-check lint-workflows lint-dockerfile \
	tests-coverage unit-tests integration-tests e2e-tests app teardown \
	style-check quality-check type-check checks apply-style package version \
	build-docker clean

help: ## Show this help.
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-22s %s\n", $$1, $$2}'

run: requirements ## Set up, then create the SQLite database and load the sample dump in data/.
	$(BIN)/scli init-db
	$(BIN)/scli load --model movie --collector csv --config data/internal/movies.csv
	$(BIN)/scli load --model stream --collector csv --config data/internal/streams.csv
	$(BIN)/scli load --model user --collector csv --config data/internal/users.csv
	$(BIN)/scli load --model author --collector json --config data/vendor/authors.json
	$(BIN)/scli load --model book --collector json --config data/vendor/books.json
	$(BIN)/scli load --model review --collector json --config data/vendor/reviews.json

test: requirements-dev checks tests-coverage ## Set up, then run the quality checks and the whole test suite.

$(PY):
	$(PYTHON) -m venv $(VENV)

requirements: $(VENV)/.installed ## Install the runtime lock and the scli command.

# A stamp: pip runs again only when what it installs from has changed.
$(VENV)/.installed: requirements.lock setup.py | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

requirements-dev: requirements ## Install the dev lock too: test, build and quality tools.
	$(PY) -m pip install --quiet --require-hashes -r requirements.dev.lock

requirements-minimum: $(PY) ## Install only what scli needs to run (no editable install, no dev tools).
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps .

requirements-airflow: $(AIRFLOW_VENV)/bin/airflow ## Install Airflow's lock into its own venv, for the DAG test.

# --no-deps: the lock holds every package pinned; pip's resolver otherwise took an
# extra (uvicorn[standard], from fastapi-cli) for an unpinned requirement once a
# newer uvicorn was on PyPI, and refused the install in --require-hashes mode.
$(AIRFLOW_VENV)/bin/airflow: deploy/airflow/requirements.lock
	$(PYTHON) -m venv --clear $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r $<
	touch $@

lock: requirements-dev ## Compile every lock from its ranges (UPGRADE="name ..." to move pins).
	$(COMPILE) --output-file requirements.lock requirements.txt
	$(COMPILE) --output-file requirements.build.lock requirements.build.txt
	$(COMPILE) --constraint requirements.lock --constraint requirements.build.lock \
		--output-file requirements.dev.lock requirements.dev.txt
	$(COMPILE) --output-file deploy/airflow/requirements.lock deploy/airflow/requirements.txt

lock-check: ## Fail when a lock no longer matches its ranges (run `make lock`).
	$(PY) -m tools.check_locks $(LOCKS)

tests-coverage: ## Run every test; fail under 100% line and branch coverage.
	$(PYTEST) --cov=strider_challenge --cov-branch --cov-report=term-missing --cov-fail-under=100 tests

unit-tests: ## Run the unit tests (no database).
	$(PYTEST) tests/unit

integration-tests: ## Run the integration tests (SQLite and PostgreSQL).
	$(PYTEST) tests/integration

e2e-tests: ## Run the end-to-end tests of the command line.
	$(PYTEST) tests/e2e

app: ## Start PostgreSQL and load the sample dump into it with docker compose.
	docker compose up --build --detach

teardown: ## Stop the docker compose stack and delete its volume.
	docker compose down --volumes

style-check: ## Check formatting (black, isort).
	$(PY) -m black --check .
	$(PY) -m isort --check-only strider_challenge tests tools

quality-check: ## Lint, docstrings included (flake8).
	$(PY) -m flake8

type-check: ## Type-check strictly (mypy).
	$(PY) -m mypy strider_challenge tests tools

lint-workflows: ## Lint the GitHub workflows (actionlint, with shellcheck on their scripts).
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/actionlint .github/workflows/*.yml

lint-dockerfile: ## Lint the Dockerfile (hadolint).
	$(BIN)/hadolint Dockerfile

checks: style-check quality-check type-check lock-check lint-workflows lint-dockerfile ## Run every static check.

apply-style: ## Reformat the code (black, isort).
	$(PY) -m isort strider_challenge tests tools
	$(PY) -m black .

package: $(PY) ## Build the sdist and the wheel into dist/ with the build lock's tools.
	$(PY) -m pip install --quiet --require-hashes -r requirements.build.lock
	$(PY) -m build --no-isolation --outdir dist .

version: ## Print the version.
	@echo $(VERSION)

build-docker: ## Build the docker image (two stages: the wheel, then the lock and the wheel).
	docker build --tag $(IMAGE):$(VERSION) --tag $(IMAGE):latest .

clean: ## Remove build artefacts, caches and the local SQLite database.
	rm -rf build dist *.egg-info .coverage coverage.xml htmlcov .mypy_cache .pytest_cache
	rm -f database.db database.db-wal database.db-shm
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -exec rm -rf {} +
