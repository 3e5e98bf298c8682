#!/usr/bin/env bash
# Runs the demo clinic: migrate, seed the demo clinic, then the background-analysis worker and the web server
# (gunicorn, DEBUG off; WhiteNoise serves the static files). Ctrl-C stops both.
# Environment: FACETWITCH_CLINIC_DATA (default var/clinic: SQLite database, private uploads and results),
# DATABASE_URL (PostgreSQL instead of SQLite), FACETWITCH_HOST / FACETWITCH_PORT (default 127.0.0.1:8000),
# FACETWITCH_DEMO_CORE_ONLY=1 (seed no app demo data).
set -euo pipefail
cd "$(dirname "$0")/.."
export FACETWITCH_CLINIC_DATA="${FACETWITCH_CLINIC_DATA:-$PWD/var/clinic}"
export FACETWITCH_DEBUG=0  # the worker must not run under the autoreloader; no debug pages with patient data
# The demo: its seeded accounts keep the printed password. FACETWITCH_DEMO=0 makes each choose its own at first login.
export FACETWITCH_DEMO="${FACETWITCH_DEMO:-1}"
export DJANGO_SETTINGS_MODULE=facetwitch.clinic.settings
HOST="${FACETWITCH_HOST:-127.0.0.1}"
PORT="${FACETWITCH_PORT:-8000}"
PY=.venv/bin/python
manage() { "$PY" -m facetwitch.clinic.manage "$@"; }

mkdir -p "$FACETWITCH_CLINIC_DATA"
chmod 700 "$FACETWITCH_CLINIC_DATA"  # health data: only this account may read it
if "$PY" - "$HOST" "$PORT" <<'PYEOF'
import socket, sys
with socket.socket() as s:
    sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
PYEOF
then
  echo "Port $PORT on $HOST is already in use (another clinic running?). Stop it or set FACETWITCH_PORT." >&2
  exit 1
fi

echo "Preparing the clinic database in $FACETWITCH_CLINIC_DATA ..."
manage migrate --noinput -v 0
manage collectstatic --noinput -v 0
# FACETWITCH_DEMO_CORE_ONLY=1: demo users, patients and visits only (no analysed recordings etc.; starts faster).
if [ "${FACETWITCH_DEMO_CORE_ONLY:-0}" = "1" ]; then manage seed_demo --core-only; else manage seed_demo; fi

# Web server and analysis worker supervised separately (src/facetwitch/clinic/supervise.py): a crashed worker is
# restarted and the site stays up; Ctrl-C stops both. gunicorn's graceful timeout (5 s) stays under the
# supervisor's grace (10 s), so gunicorn ends its own workers before the supervisor would have to kill it.
pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping the clinic ..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# analysis_worker = django-tasks' db_worker plus recovery of analyses whose worker died (heartbeats).
# With Debian's nginx installed (scripts/system-deps.sh) it faces the clients: it buffers uploads (a stalled
# upload never holds a gunicorn thread) and refuses oversize bodies from their declared length; gunicorn then
# listens on a private unix socket in the data dir.
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  SOCK="$FACETWITCH_CLINIC_DATA/gunicorn.sock"
  WEB_BIND="unix:$SOCK"
  PROXY=(--name proxy -- "$PY" -m facetwitch.clinic.proxy --listen "$HOST:$PORT" --upstream "unix:$SOCK:"
         --runtime "$FACETWITCH_CLINIC_DATA/nginx")
else
  echo "nginx not found (scripts/system-deps.sh installs it): gunicorn serves clients directly." >&2
  WEB_BIND="$HOST:$PORT"
  PROXY=()
fi
"$PY" -m facetwitch.clinic.supervise \
  --name worker -- "$PY" -m facetwitch.clinic.manage analysis_worker --queue-name '*' --no-reload -v 1 \
  --name web -- .venv/bin/gunicorn facetwitch.clinic.wsgi:application --bind "$WEB_BIND" --workers 2 \
  --threads 4 --timeout 120 --graceful-timeout 5 --access-logfile - --error-logfile - --log-level warning \
  "${PROXY[@]}" &
pids+=($!)

echo
echo "  facetwitch clinic: http://$HOST:$PORT/clinic/"
echo "  Log in as clinician / facetwitch-demo  (also: staff, admin; same password)"
echo "  Background analysis worker running. Press Ctrl-C to stop."
echo
# The supervisor restarts a crashed worker or web server itself (and says so); it ends only when stopped.
rc=0
wait "${pids[@]}" || rc=$?
exit "$rc"
