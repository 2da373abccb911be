# tsunagu — two commands on a fresh machine: `make run` and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# The first Python >= 3.12 found: $PYTHON, then python3.13/python3.12 on PATH, then pyenv's versions.
find_python = for c in "$$PYTHON" python3.13 python3.12 python3 $$(ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  [ -n "$$c" ] || continue; p=$$(command -v "$$c" 2>/dev/null) || continue; \
	  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; exit 0; }; \
	done; exit 1

.PHONY: help run test lint test-postgres e2e fuzz ci clean assets screenshots

help:
	@echo "make run   — 仮想環境を作り、依存を入れ、DBを作ってデモデータを入れ、http://127.0.0.1:$(PORT) で起動"
	@echo "make test  — テスト一式を SQLite で実行"
	@echo "make lint  — ruff, ruff format, mypy, makemigrations --check, check --deploy"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@py=$$($(find_python)) || { echo "エラー: Python 3.12 以上が見つかりません。Python 3.12+ を入れるか PYTHON=/path/to/python3.12 を指定してください。" >&2; \
	  echo "error: no Python >= 3.12 found; install one or set PYTHON=/path/to/python3.12" >&2; exit 1; }; \
	echo "Python: $$py ($$($$py --version))"; \
	[ -x $(PY) ] || "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py refresh_person_keys
	TSUNAGU_DEMO=1 $(PY) manage.py load_demo
	$(PY) manage.py schedule_periodic
	@echo "バックグラウンドのタスク（県全体の集計など）は db_worker が処理します（ログ: var/worker.log）"
	@mkdir -p var; trap 'kill 0' EXIT; \
	  TSUNAGU_DEMO=1 $(PY) manage.py db_worker --interval 2 --no-reload >var/worker.log 2>&1 & \
	  TSUNAGU_DEMO=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed
	$(PY) -m pytest

# The same suite on PostgreSQL (DATABASE_URL, default: the local server, user postgres).
test-postgres: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tsunagu} $(PY) -m pytest --create-db

e2e: $(VENV)/.installed
	$(PY) -m pytest e2e -p no:cacheprovider

# schemathesis against the API served by gunicorn (threads) on loopback; bounded (see the script).
fuzz: $(VENV)/.installed
	bash .ci/fuzz-api

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	TSUNAGU_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(60))') \
	  TSUNAGU_ENCRYPTION_KEY=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	  TSUNAGU_AUDIT_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))') \
	  ALLOWED_HOSTS=tsunagu.example.lg.jp $(PY) manage.py check --deploy --fail-level WARNING

ci:
	bash .ci/run

# Development time only: fetch the pinned front-end packages (frontend/package.json) and copy the
# files tsunagu ships into static/ and e2e/, with their licences. The copies are committed, so
# neither make run nor CI runs npm.
assets:
	cd frontend && npm ci --no-audit --no-fund
	mkdir -p static/vendor/dads e2e/vendor
	cp frontend/node_modules/@digital-go-jp/design-tokens/dist/tokens.css static/vendor/dads/tokens.css
	cp frontend/node_modules/@digital-go-jp/design-tokens/LICENSE static/vendor/dads/LICENSE
	cp frontend/node_modules/axe-core/axe.min.js e2e/vendor/axe.min.js
	cp frontend/node_modules/axe-core/LICENSE e2e/vendor/axe-core-LICENSE

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Full-page pictures of the main pages at 1280, 768 and 390 px into screenshots/ (git-ignored),
# from a fresh demo database; fails when a page scrolls sideways (e2e/screenshots.py).
screenshots: $(VENV)/.installed
	timeout 900 $(PY) e2e/screenshots.py
