# The two commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST_ARGS ?=

.PHONY: run test install install-python install-frontend install-system frontend lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

install-python: $(VENV)/.installed

install-frontend:
	@if [ -f frontend/package.json ]; then cd frontend && npm ci --no-audit --no-fund --loglevel=error; fi

frontend: install-frontend
	@if [ -f frontend/package.json ]; then cd frontend && npm run build; fi

install: install-python frontend

install-system:
	bash scripts/system_deps.sh

run: install
	$(PY) scripts/run_dev.py

test: install install-system lint
	@if [ -f frontend/package.json ]; then cd frontend && npm run test; fi
	$(PY) scripts/test_suite.py -p no:cacheprovider $(PYTEST_ARGS)

# The pure, typed core (rules engine decisions, conditions, schedule, providers) is checked with mypy --strict.
TYPED := rules/core actions/ai/providers \
	backend/integrations/wordpress_client.py actions/costs.py actions/ai/ratelimit.py actions/claims.py backend/core/logs.py backend/core/inserts.py

lint: install-python
	$(VENV)/bin/ruff check backend rules actions tests scripts bench
	$(VENV)/bin/mypy --strict $(TYPED)
	$(VENV)/bin/lint-imports --no-cache

# Every benchmark on PostgreSQL (throwaway services), then on the embedded default (SQLite, a Redis of its own).
bench: install-python
	$(PY) scripts/services.py run -- $(PY) -m bench
	env -u DATABASE_URL -u REDIS_URL $(PY) -m bench

clean:
	-@if [ -f var/redis.pid ]; then kill $$(cat var/redis.pid) 2>/dev/null; fi
	rm -rf var staticfiles media frontend/dist test-artifacts
