#!/bin/bash
# A developer's check (not part of `make test`): the psql and psycopg stories of
# Tests/Scripts/PGWire against PostgreSQL 15 itself, so the tests check PostgreSQL's behaviour
# rather than our guess of it. It starts a throwaway server (initdb, pg_ctl) as the postgres
# user on a temporary directory and a loopback port, runs both, and prints what PostgreSQL
# printed beside what the golden files expect.
#
#   bash Tests/PGWireTests/check-against-postgres.sh      (as root, or as a user postgres runs as)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${PGPORT_CHECK:-55439}
dir=$(mktemp -d /tmp/cutaway-pgcheck.XXXXXX)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() { as_postgres pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
as_postgres initdb -D "$dir/data" -A trust -U learner >/dev/null
as_postgres pg_ctl -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
psql -X -h 127.0.0.1 -p "$port" -U learner -d postgres -qc "CREATE DATABASE cutaway"

# psycopg: the program's output must be exactly the golden one.
python=$root/.build/pgvenv/bin/python
[ -x "$python" ] || { echo "run the PGWire tests once first: they make $python"; exit 1; }
expected=$(sed -n '/^python> psycopg_story.py$/,/^$/p' "$root/Tests/Scripts/PGWire/psycopg.txt" | sed '1d;$d')
actual=$("$python" "$here/psycopg_story.py" "$port")
if [ "$expected" = "$actual" ]; then echo "psycopg_story.py: PostgreSQL prints what Cutaway prints"
else echo "psycopg_story.py: PostgreSQL differs:"; printf '%s\n' "$actual" | diff <(printf '%s\n' "$expected") - || true; exit 1; fi

# psql: the story's commands in one session, to read beside the golden output. Message
# wording, `integer` (Cutaway's integers are bigint) and count's column name differ; tags,
# rows, SQLSTATE codes, positions and the aborted-transaction rule should not.
echo "== psql.txt: PostgreSQL's output (compare with Tests/Scripts/PGWire/psql.txt)"
grep -E '^a> ' "$root/Tests/Scripts/PGWire/psql.txt" | sed 's/^a> //' |
    psql -X -h 127.0.0.1 -p "$port" -U learner -d cutaway -v ON_ERROR_STOP=0 -P pager=off 2>&1 || true
