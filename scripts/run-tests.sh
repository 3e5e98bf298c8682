#!/usr/bin/env bash
# Runs the whole suite. First the tests marked `postgres` against a real, throwaway PostgreSQL server (run as
# the postgres user: it refuses root), then everything (those tests included) on SQLite. Ends with the second
# pytest run's summary line; exits non-zero when either run fails or PostgreSQL could not be started.
set -uo pipefail
cd "$(dirname "$0")/.."
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGPORT=${FACETWITCH_TEST_PGPORT:-54329}
PGDATA_DIR=$(mktemp -d /tmp/facetwitch-pg.XXXXXX)
stop_pg() { [ -n "$PGBIN" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1; rm -rf "$PGDATA_DIR"; }
trap stop_pg EXIT
pg_rc=0
if [ -n "$PGBIN" ] && id postgres >/dev/null 2>&1; then
  chown postgres: "$PGDATA_DIR"; chmod 700 "$PGDATA_DIR"
  if runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null &&
     runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
       -o "-p $PGPORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
    export FACETWITCH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
  else
    echo "PostgreSQL did not start (log: $PGDATA_DIR/server.log):" >&2
    cat "$PGDATA_DIR/server.log" >&2 2>/dev/null
    pg_rc=1
  fi
else
  echo "PostgreSQL server binaries not found (install Debian's postgresql: scripts/system-deps.sh)." >&2
  pg_rc=1
fi
mkdir -p test-output
if [ -n "${FACETWITCH_TEST_POSTGRES_URL:-}" ]; then
  echo "== Tests marked postgres, against PostgreSQL =="
  DATABASE_URL="$FACETWITCH_TEST_POSTGRES_URL" .venv/bin/pytest -p no:xdist -p no:cacheprovider -m postgres -q "$@"
  pg_rc=$?
  # pytest's 5 means "no tests collected": fine when the arguments select no PostgreSQL test.
  [ "$pg_rc" -eq 5 ] && pg_rc=0
fi
[ "$pg_rc" -ne 0 ] && echo "The PostgreSQL run FAILED (exit $pg_rc, see above): make test fails whatever follows." >&2
echo "== The whole suite (SQLite) =="
.venv/bin/pytest -n 2 --dist loadgroup "$@"
rc=$?
[ "$rc" -eq 0 ] && rc=$pg_rc
exit "$rc"
