#!/usr/bin/env bash
# Installs (from Debian's packages, if missing) and starts PostgreSQL, creates the database and user of the Orleans fleet
# tests and the Orleans clustering tables (src/LapsCsp.Fleet.Orleans/Sql). Prints one line on stdout, for the caller to eval:
#   bash .ci/setup-postgres.sh > env; . env   # sets LAPSCSP_TEST_POSTGRES (an Npgsql connection string)
# Everything else goes to stderr. Idempotent: a second run finds everything in place.
set -euo pipefail
exec 3>&1 1>&2

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
db=lapscsp_fleet
user=lapscsp
password=lapscsp

if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "setup-postgres: installing postgresql from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
    echo "setup-postgres: creating cluster $version/main"
    pg_createcluster "$version" main >/dev/null
fi

port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    echo "setup-postgres: starting cluster $version/main on port $port"
    # The server must not inherit this script's descriptors: fd 3 is the caller's $(...) pipe (a daemon holding it makes
    # the caller wait forever) and stdout/stderr are CI's own output.
    if ! pg_ctlcluster "$version" main start </dev/null >/tmp/lapscsp-postgres-start.log 2>&1 3>&-; then
        cat /tmp/lapscsp-postgres-start.log
        exit 1
    fi
fi

for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
    sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$port"

as_postgres() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" "$@"; }
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$user'")" != "1" ]; then
    as_postgres -c "CREATE ROLE $user LOGIN PASSWORD '$password'"
fi
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
    as_postgres -c "CREATE DATABASE $db OWNER $user"
fi

export PGPASSWORD="$password"
export PGOPTIONS='-c client_min_messages=warning'
for script in PostgreSQL-Main.sql PostgreSQL-Clustering.sql; do
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$user" -d "$db" -f "$root/src/LapsCsp.Fleet.Orleans/Sql/$script" >/dev/null
done
echo "setup-postgres: database $db ready on 127.0.0.1:$port"

echo "export LAPSCSP_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Database=$db;Username=$user;Password=$password'" >&3
