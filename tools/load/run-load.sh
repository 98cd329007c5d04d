#!/usr/bin/env bash
# Load run for `lapscsp serve` (issue 5 item 8): requests/s and p99 latency of the SyncML endpoint and the Graph endpoint,
# each as a ratio to a trivial endpoint (/health) of the same server in the same run. Needs wrk (apt-get install -y wrk).
# Usage: tools/load/run-load.sh [seconds per endpoint, default 10] [connections, default 32]; LAPS_LOAD_ROUNDS=5 bursts each
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

run() { # name, lua script, url, env... : one burst; prints "name requests/s p99 non-2xx"
  local name=$1 script=$2 url=$3; shift 3
  env "$@" wrk -t2 -c"$connections" -d"${burst}s" --latency -s "$script" "$url" >"$work/$name.txt"
  local rps p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/$name.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$name.txt")
  errors=$(awk -F= '/^non2xx=/ {print $2}' "$work/$name.txt")
  echo "$name $rps $(to_ms "$p99") ${errors:-0}"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else printf "%.3f", v * 1000 }'; }

# The endpoints take turns in short bursts, round after round, so that whatever else the machine does weighs on all of
# them alike; requests/s is the mean over the rounds, p99 the median of the rounds' p99.
rounds=${LAPS_LOAD_ROUNDS:-5}
burst=$(( duration / rounds > 0 ? duration / rounds : 1 ))
: >"$work/results"
for _ in $(seq 1 "$rounds"); do
  {
    run trivial "$here/trivial.lua" "$base/health"
    run syncml-get "$here/syncml.lua" "$base/" LAPS_BODY_FILE="$here/get-status.xml" LAPS_DEVICES=$devices
    run syncml-entra-policy "$here/syncml.lua" "$base/" LAPS_BODY_FILE="$here/entra-policy-replace.xml" LAPS_DEVICES=$devices
    run graph-metadata "$here/graph.lua" "$base/" LAPS_IDS_FILE="$work/ids" LAPS_TOKEN="$token"
    run graph-credentials "$here/graph.lua" "$base/" LAPS_IDS_FILE="$work/ids" LAPS_TOKEN="$token" LAPS_QUERY='?$select=credentials'
  } >>"$work/results"
done

summary() { # name -> "mean_rps median_p99 errors"
  awk -v n="$1" '$1 == n { r += $2; p[++k] = $3; e += $4 } END {
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (p[j] < p[i]) { t = p[i]; p[i] = p[j]; p[j] = t }
    m = (k % 2) ? p[(k + 1) / 2] : (p[k / 2] + p[k / 2 + 1]) / 2
    printf "%.0f %.3f %d\n", r / k, m, e }' "$work/results"
}

read -r trivial_rps trivial_p99 _ < <(summary trivial)
echo "| endpoint | requests/s | p99 | throughput vs /health | p99 vs /health | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
for name in trivial syncml-get syncml-entra-policy graph-metadata graph-credentials; do
  read -r rps p99 errors < <(summary "$name")
  awk -v n="$name" -v r="$rps" -v p="$p99" -v tr="$trivial_rps" -v tp="$trivial_p99" -v e="$errors" \
    'BEGIN { printf "| %s | %.0f | %.2f ms | %.2f | %.2f | %s |\n", n, r, p, r / tr, p / tp, e }'
done
echo
echo "($rounds rounds of ${burst} s per endpoint, $connections connections, wrk -t2, $(nproc) cores shared by wrk and the server; $devices devices)"
