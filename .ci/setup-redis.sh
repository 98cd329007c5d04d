#!/usr/bin/env bash
# Installs (from Debian's packages, if missing) and starts a Redis server for the Orleans Redis clustering test
# (tests/LapsCsp.Fleet.Orleans.Tests). Prints one line on stdout, for the caller to eval:
#   bash .ci/setup-redis.sh > env; . env   # sets LAPSCSP_TEST_REDIS (a StackExchange.Redis configuration string)
# Everything else goes to stderr. Idempotent: a running server on the port is reused.
set -euo pipefail
exec 3>&1 1>&2

port=6379
if ! command -v redis-server >/dev/null; then
    echo "setup-redis: installing redis-server from Debian"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq redis-server >/dev/null 2>&1; then
        apt-get update -qq
        apt-get install -y -qq redis-server >/dev/null
    fi
fi

if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    echo "setup-redis: starting redis-server on 127.0.0.1:$port (no persistence)"
    # The daemon must not inherit fd 3 (the caller's $(...) pipe: it would make the caller wait forever) nor CI's output.
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no </dev/null >/dev/null 2>&1 3>&-
fi

for _ in $(seq 1 60); do
    if redis-cli -p "$port" ping >/dev/null 2>&1; then break; fi
    sleep 0.5
done
redis-cli -p "$port" ping >/dev/null
echo "setup-redis: ready on 127.0.0.1:$port"
echo "export LAPSCSP_TEST_REDIS='127.0.0.1:$port'" >&3
