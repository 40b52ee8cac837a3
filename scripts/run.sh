#!/usr/bin/env bash
# `make run`, after the services and the venv are ready: the database, the admin,
# the demo data (once), its traffic in the background, and the dashboard.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var

"$PY" manage.py migrate --noinput
"$PY" manage.py ensure_admin
if "$PY" manage.py seed_demo --once; then
  "$PY" manage.py demo_traffic >var/demo_traffic.log 2>&1 &
  traffic=$!
  trap 'kill "$traffic" 2>/dev/null || true; wait "$traffic" 2>/dev/null || true' EXIT
  echo "[run] demo traffic in the background (log: var/demo_traffic.log)"
else
  echo "[run] no demo data: the dashboard shows what REDIS_URL holds"
fi
DEBUG=${DEBUG:-1} "$PY" manage.py runserver "$HOST:$PORT"
