#!/usr/bin/env bash
# `make test`: lint, migrations in step, then the whole suite on PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

./scripts/ensure-services.sh

# The browser tests drive Debian's chromium (never a downloaded browser build).
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's chromium for the browser tests..."
    (apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)) \
      >/dev/null
  else
    echo "warning: /usr/bin/chromium is missing and cannot be installed here" >&2
  fi
fi

export DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hindsight}
export REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
export SECRET_KEY=${SECRET_KEY:-test-secret-key-for-the-suite-only-0123456789-abcdefghijkl}
export DEBUG=false
export CELERY_QUEUE=hindsight-test
export RESOLVER_ALLOWED_HOSTS=127.0.0.1

$BIN/ruff check .
$BIN/ruff format --check .
$BIN/python manage.py makemigrations --check --dry-run
$BIN/pytest "$@"

# The embedded default keeps the record too: the whole suite again on SQLite (its own
# Redis database and queue). Tests that only make sense on PostgreSQL are marked
# postgresql_only and skipped here with their reason: among them the fault tests whose
# gunicorn or Celery processes would have to open the test database, which on SQLite is
# in memory. The browser tests' live server runs in this process and so runs here too.
# Run when `make test` is given no arguments.
if [ $# -eq 0 ]; then
  mkdir -p var
  DATABASE_URL=sqlite:///$(pwd)/var/test-suite.sqlite3 \
    REDIS_URL=${TEST_SQLITE_REDIS_URL:-redis://127.0.0.1:6379/14} \
    CELERY_QUEUE=hindsight-test-sqlite \
    $BIN/pytest
fi
