#!/usr/bin/env bash
# `make run`: migrate, create the demo admin, load the seed article, then serve web,
# Celery worker and beat together (Procfile, through honcho).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var

# A local .env with a generated SECRET_KEY, made once; real deployments set the environment.
if [ ! -f .env ]; then
  key=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(50))')
  printf 'SECRET_KEY=%s\n' "$key" > .env
  echo "Wrote .env with a new SECRET_KEY (DEBUG stays off; set DEBUG=true there to turn it on)."
fi

set -a; . ./.env; set +a
# Local demos may point a resolution source at a JSON file served on this machine;
# production leaves this empty (every private address refused).
export RESOLVER_ALLOWED_HOSTS=${RESOLVER_ALLOWED_HOSTS-127.0.0.1,localhost}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
if ! $BIN/python - "$redis_url" <<'PY'
import sys, redis
try:
    redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()
except Exception as exc:
    print(f"\n*** Redis is not reachable at {sys.argv[1]} ({exc}).\n"
          "*** The site and the API are served anyway and forecasts are stored; background\n"
          "*** jobs (the Celery worker and beat) keep retrying and run once Redis is up.\n")
    sys.exit(1)
PY
then :; fi

$BIN/python manage.py migrate --noinput
$BIN/python manage.py collectstatic --noinput -v 0
$BIN/python manage.py load_seed
$BIN/python manage.py load_catalogue
# The claim finder's proposals beyond the curated catalogue become drafts for an admin.
$BIN/python manage.py import_source registry/seed/open-models-mid-2026.txt
$BIN/python manage.py ensure_demo_admin
echo "Serving on http://${WEB_BIND:-127.0.0.1:8000}/  (API docs: http://${WEB_BIND:-127.0.0.1:8000}/api/docs/)"
exec $BIN/honcho start -f Procfile
