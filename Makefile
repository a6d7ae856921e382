# Two commands: `make run` (dashboard on SQLite with the built-in simulator) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
INSTANCE_PATH ?= $(CURDIR)/instance
export INSTANCE_PATH

.PHONY: run test bench system-deps clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt $(VENV)/.installed
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

## run: migrate the embedded SQLite database and serve http://127.0.0.1:$(PORT) with demo data
run: $(VENV)/.installed
	$(VENV)/bin/flask --app app db upgrade
	@echo "Starting the dashboard on http://127.0.0.1:$(PORT) (built-in appliance simulator and demo data;"
	@echo "on the first start, the password of the user 'admin' is printed below)."
	DEMO=$${DEMO:-1} $(VENV)/bin/flask --app app run --host 127.0.0.1 --port $(PORT) --no-reload

## system-deps: MariaDB server, Chromium, Node.js and npm from Debian packages (installed when missing, as root)
system-deps:
	scripts/install-system-deps.sh

# Test-only tools from the npm registry (axe-core), exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund
	touch $@

## test: everything the tests need, then the whole suite (SQLite, MariaDB, Chromium, axe-core)
test: $(VENV)/.installed-test system-deps node_modules/.installed
	$(VENV)/bin/pytest

## bench: every benchmark on a throwaway MariaDB over one seeded fleet (BENCH_SCALE, default 1);
## prints a table and writes bench/results/latest.json; needs wrk (scripts/install-bench-deps.sh)
bench: $(VENV)/.installed-test system-deps
	scripts/install-bench-deps.sh
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache node_modules
