#!/usr/bin/env bash
# Runs the whole suite: a throwaway PostgreSQL server (as the postgres user: it refuses root) for the
# clinic's PostgreSQL tests, then pytest on SQLite and the PostgreSQL-marked tests against the server.
set -uo pipefail
cd "$(dirname "$0")/.."
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGPORT=${FACETWITCH_TEST_PGPORT:-54329}
PGDATA_DIR=$(mktemp -d /tmp/facetwitch-pg.XXXXXX)
stop_pg() { [ -n "$PGBIN" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1; rm -rf "$PGDATA_DIR"; }
trap stop_pg EXIT
if [ -n "$PGBIN" ] && id postgres >/dev/null 2>&1; then
  chown postgres: "$PGDATA_DIR"; chmod 700 "$PGDATA_DIR"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
    -o "-p $PGPORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  export FACETWITCH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
else
  echo "PostgreSQL server binaries not found: PostgreSQL tests will fail" >&2
fi
mkdir -p test-output
.venv/bin/pytest -n 2 --dist loadgroup "$@"
