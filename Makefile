# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `PORT=8123 make run` serves on another port; links in emails and calendar files follow it
# unless SITE_URL is set.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install lint format bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	SITE_URL='$(SITE_URL)' $(PY) manage.py seed_demo
	SITE_URL='$(SITE_URL)' $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Pages against a hello-world view on the same gunicorn, then the upload surge; starts and
# stops its own servers (see tests/bench/run.py for the BENCH_* knobs).
bench: $(STAMP)
	$(PY) -m tests.bench

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts
