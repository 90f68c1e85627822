# Mira: every set-up step lives here, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_OUT ?= out/demo
PORT ?= 8000

.PHONY: demo test lint format serve serve-prod migrate bench clean help

help:
	@echo "make demo   - set up, migrate, and tell a story from samples/drawing.png (offline)"
	@echo "make test   - set up and run ruff, migration checks and the whole test suite"
	@echo "make serve  - run the web server and a django-q2 worker on http://127.0.0.1:8000 (PORT=8001 for another port; Ctrl-C stops both)"
	@echo "make serve-prod - gunicorn (WEB_WORKERS from the environment), production settings"
	@echo "make bench  - run the benchmarks in bench/"

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py sync_prompts

demo: migrate
	$(PY) manage.py tell_story --drawing samples/drawing.png --kid-name Mia --age 5 \
		--interests "dinosaurs, the moon" --story-type adventure --length short --out $(DEMO_OUT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	DJANGO_ENV=test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_ENV=test $(PY) manage.py check
	DJANGO_ENV=test $(PY) manage.py check_prompts
	DJANGO_ENV=test $(PY) manage.py check_story_content
	DJANGO_ENV=test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

# Web server and worker together; Ctrl-C stops both (mira/devserver.py).
serve: migrate
	$(PY) -m mira.devserver --port $(PORT)

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) bench/requirements.txt
	$(PY) -m pip install --quiet -r bench/requirements.txt
	touch $(BENCH_STAMP)

# Production serving: gunicorn with gunicorn.conf.py (WEB_WORKERS, WEB_THREADS, WEB_BIND from
# the environment). Needs DJANGO_ENV=production's SECRET_KEY; see docs/deployment.md.
serve-prod: $(STAMP)
	DJANGO_ENV=$${DJANGO_ENV:-production} $(VENV)/bin/gunicorn -c gunicorn.conf.py

bench: migrate $(BENCH_STAMP)
	$(PY) bench/run.py $(BENCH)

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
