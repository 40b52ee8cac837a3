#!/usr/bin/env bash
# `make run`, after the services and the venv are ready: the database, the admin,
# the demo data (once), the invalidation worker, the sampler, the recorder of Celery's
# events and the demo traffic in the background, and the dashboard.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var
background=()
stop_background() {
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_background EXIT

"$PY" manage.py migrate --noinput
"$PY" manage.py ensure_admin
"$PY" manage.py invalidation_worker >var/invalidation_worker.log 2>&1 &
background+=($!)
echo "[run] invalidation worker in the background (log: var/invalidation_worker.log)"
"$PY" manage.py sampler >var/sampler.log 2>&1 &
background+=($!)
echo "[run] sampler in the background (log: var/sampler.log)"
"$PY" manage.py celery_events >var/celery_events.log 2>&1 &
background+=($!)
echo "[run] Celery events recorder in the background (log: var/celery_events.log)"
if "$PY" manage.py seed_demo --once; then
  "$PY" manage.py demo_traffic >var/demo_traffic.log 2>&1 &
  background+=($!)
  echo "[run] demo traffic in the background (log: var/demo_traffic.log)"
else
  echo "[run] no demo data: the dashboard shows what REDIS_URL holds"
fi
DEBUG=${DEBUG:-1} "$PY" manage.py runserver "$HOST:$PORT"
