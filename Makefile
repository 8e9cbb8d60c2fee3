# Conveniences; the README's two commands need nothing but Python.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: dev test lint format

dev:
	python3 -m venv $(VENV) && $(BIN)/pip install -q -e . && $(BIN)/lifeevents dev

test:
	python3 -m venv $(VENV) && $(BIN)/pip install -q -e '.[test]' && $(BIN)/pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
