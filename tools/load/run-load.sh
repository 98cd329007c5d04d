#!/usr/bin/env bash
# Load run for `lapscsp serve` (issue 5 item 8): requests/s and p99 latency of the SyncML endpoint and the Graph endpoint,
# each as a ratio to a trivial endpoint (/health) of the same server in the same run. Needs wrk (apt-get install -y wrk).
# Usage: tools/load/run-load.sh [seconds per endpoint, default 10] [connections, default 32]
# Traffic goes to 127.0.0.1 only; every wrk run is bounded by its duration, and the server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
connections=${2:-32}
port=${LAPS_LOAD_PORT:-5090}
base="http://127.0.0.1:$port"
here=tools/load
work=$(mktemp -d)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

dotnet build src/LapsCsp.Cli -c Release -v quiet -nologo >/dev/null
dotnet src/LapsCsp.Cli/bin/Release/net10.0/lapscsp.dll serve --urls "$base" --data "$work/data" --log-format simple >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "$base/health" >/dev/null 2>&1 && break; sleep 0.2; done

# 64 Entra-joined devices with the CSP document's Entra policy, a managed account and a backed-up password.
devices=64
: >"$work/ids"
for i in $(seq 1 $devices); do
  sed "s/LAPSCSP-DEVICE-0001/LOAD-$i/" samples/laps-entra-id-backup.xml | curl -fs -o /dev/null -X POST -H 'Content-Type: application/vnd.syncml.dm+xml' --data-binary @- "$base/devices/LOAD-$i/syncml"
  sed "s/LAPSCSP-DEVICE-0001/LOAD-$i/" samples/accounts-create-managed-account.xml | curl -fs -o /dev/null -X POST -H 'Content-Type: application/vnd.syncml.dm+xml' --data-binary @- "$base/devices/LOAD-$i/syncml"
  { curl -fs "$base/devices/LOAD-$i" | sed -E 's/.*"entraDeviceId":"([^"]+)".*/\1/'; echo; } >>"$work/ids"
done
token=$(curl -fs -d grant_type=client_credentials -d client_id=laps-read-app -d client_secret=lapscsp-demo "$base/oauth2/v2.0/token" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

run() { # name, lua script, url, env...
  local name=$1 script=$2 url=$3; shift 3
  env "$@" wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$script" "$url" >"$work/$name.txt"
  local rps p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/$name.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$name.txt")
  errors=$(awk -F= '/^non2xx=/ {print $2}' "$work/$name.txt")
  echo "$name $rps $p99 ${errors:-0}"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else printf "%.3f", v * 1000 }'; }

# Warm-up (JIT, connection pools, page cache), not measured.
for name in trivial syncml graph; do
  case $name in
    trivial) env wrk -t2 -c"$connections" -d2s -s "$here/trivial.lua" "$base/health" ;;
    syncml) env LAPS_BODY_FILE="$here/get-status.xml" LAPS_DEVICES=$devices wrk -t2 -c"$connections" -d2s -s "$here/syncml.lua" "$base/" ;;
    graph) env LAPS_IDS_FILE="$work/ids" LAPS_TOKEN="$token" wrk -t2 -c"$connections" -d2s -s "$here/graph.lua" "$base/" ;;
  esac >/dev/null
done

{
  run trivial "$here/trivial.lua" "$base/health"
  run syncml-get "$here/syncml.lua" "$base/" LAPS_BODY_FILE="$here/get-status.xml" LAPS_DEVICES=$devices
  run syncml-entra-policy "$here/syncml.lua" "$base/" LAPS_BODY_FILE="$here/entra-policy-replace.xml" LAPS_DEVICES=$devices
  run graph-metadata "$here/graph.lua" "$base/" LAPS_IDS_FILE="$work/ids" LAPS_TOKEN="$token"
  run graph-credentials "$here/graph.lua" "$base/" LAPS_IDS_FILE="$work/ids" LAPS_TOKEN="$token" LAPS_QUERY='?$select=credentials'
} >"$work/results"

read -r _ trivial_rps trivial_p99 _ < <(head -1 "$work/results")
echo "| endpoint | requests/s | p99 | throughput vs /health | p99 vs /health | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
while read -r name rps p99 errors; do
  p99ms=$(to_ms "$p99"); tms=$(to_ms "$trivial_p99")
  awk -v n="$name" -v r="$rps" -v p="$p99ms" -v tr="$trivial_rps" -v tp="$tms" -v e="$errors" \
    'BEGIN { printf "| %s | %.0f | %.2f ms | %.2f | %.2f | %s |\n", n, r, p, r / tr, p / tp, e }'
done <"$work/results"
echo
echo "($duration s per endpoint, $connections connections, wrk -t2, $(nproc) cores shared by wrk and the server; $devices devices)"
