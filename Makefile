# Conveniences; the README's two commands need nothing but Python (and, for the tests, apt).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: dev test lint format fuzz lock

dev:
	python3 -m venv $(VENV) && $(BIN)/pip install -q -e '.[dev]' && $(BIN)/lifeevents dev

test:
	python3 -m venv $(VENV) && $(BIN)/pip install -q -e '.[test]' && $(BIN)/python -m tests.bootstrap && $(BIN)/pytest

# The API fuzzed as every role, FUZZ_EXAMPLES examples per operation and credential (CI: 12).
FUZZ_EXAMPLES ?= 200
fuzz:
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider tests/api/test_fuzz.py

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The production image's pinned, hashed dependencies (no dev or test extras); run after changing
# pyproject's dependencies (tests/test_requirements_lock.py fails until you do).
lock:
	$(BIN)/pip install -q uv && $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet -o requirements.lock
