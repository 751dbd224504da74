# The two commands a newcomer needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: install run test lint typecheck unit e2e bench fuzz clean demo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Our own modules' bytecode, compiled here (only what changed): an editable install leaves it to
# the first import, and where PYTHONDONTWRITEBYTECODE is set (many containers, this project's CI)
# it is never cached, so every command would compile its modules again (≈ 40 ms on analyze).
install: $(STAMP)
	$(BIN)/python -m compileall -q src dashboard

demo: install
	$(BIN)/checkins init
	$(BIN)/checkins demo

# The worker sends reminders, alerts and replies from the outbox beside the dashboard; both stop
# together. Without CHECKINS_SMTP_URL / CHECKINS_SMS_URL its messages wait in the outbox.
run: demo
	$(BIN)/checkins worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/streamlit run dashboard/serve.py --server.port $(PORT) --server.headless true

lint: install
	$(BIN)/ruff check src tests dashboard bench sample_data
	$(BIN)/ruff format --check src tests dashboard bench sample_data

typecheck: install
	$(BIN)/mypy

unit: install
	bash tools/pytest.sh -m "not e2e"

e2e: install
	bash tools/ensure-chromium.sh
	bash tools/ensure-nginx.sh
	bash tools/pytest.sh -m e2e

test: install lint typecheck
	bash tools/ensure-chromium.sh
	bash tools/ensure-nginx.sh
	bash tools/pytest.sh

bench: install
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

fuzz: install
	$(BIN)/python -m pip install --quiet atheris
	$(BIN)/python tests/fuzz/fuzz_intake.py -atheris_runs=20000

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
