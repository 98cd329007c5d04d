#!/usr/bin/env bash
# Runs one coverage-guided fuzz campaign (SharpFuzz + AFL++) against a target for a given time.
#
#   tools/fuzz/run.sh TARGET SECONDS
#
# TARGET: syncml (SyncMLReader, both modes, and the writer round trip), ddf (DdfLoader, node table, schema) or server
# (POST /devices/{id}/syncml of `lapscsp serve`, in process). The script publishes tools/fuzz/LapsCsp.Fuzz in Release
# (build output under tools/fuzz/work, never in the src folders), instruments the LapsCsp assemblies with the local
# SharpFuzz tool (.config/dotnet-tools.json), copies the seeds into tools/fuzz/corpus/TARGET (samples/, ../shared/corpus/,
# ddf/, tools/fuzz/seeds/ and the saved findings), and runs afl-fuzz niced. Every crash or hang AFL++ reports is replayed
# without instrumentation; the ones that reproduce are copied to tests/LapsCsp.Robustness.Tests/Regressions/TARGET/
# (named by content hash), where the test suite replays them for ever after.
#
# Prints one summary line ("fuzz TARGET: N executions in S s ...") and appends it to tools/fuzz/work/campaigns.tsv.
# Exit: 0 no finding, 1 findings (saved), 2 usage or setup error, 3 afl-fuzz missing.
# Environment: LAPSCSP_SHARED (the shared folder, default ../shared beside the repository), LAPSCSP_FUZZ_NICE (10),
# LAPSCSP_FUZZ_TIMEOUT_MS (per input, 5000), LAPSCSP_FUZZ_NO_BUILD=1 (reuse the last instrumented build of the target).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${1:-}
seconds=${2:-}
case "$target" in
  syncml|ddf|server) ;;
  *) echo "usage: tools/fuzz/run.sh syncml|ddf|server SECONDS" >&2; exit 2 ;;
esac
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: tools/fuzz/run.sh $target SECONDS (a positive number)" >&2
  exit 2
fi
if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "fuzz $target: afl-fuzz not found (apt-get install afl++)" >&2
  exit 3
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
shared=${LAPSCSP_SHARED:-$(cd "$root/.." && pwd)/shared}
nice_level=${LAPSCSP_FUZZ_NICE:-10}
timeout_ms=${LAPSCSP_FUZZ_TIMEOUT_MS:-5000}
work=$here/work
build=$work/build
replay=$work/replay
findings=$work/findings/$target
corpus=$here/corpus/$target
regressions=$root/tests/LapsCsp.Robustness.Tests/Regressions/$target
mkdir -p "$work" "$regressions"

log() { echo "fuzz $target: $*" >&2; }

# 1. Build: an instrumented copy for AFL++, a plain one to replay findings.
if [ "${LAPSCSP_FUZZ_NO_BUILD:-}" != "1" ] || [ ! -f "$build/LapsCsp.Fuzz.dll" ]; then
  log "publishing the harness"
  rm -rf "$build"
  dotnet publish "$here/LapsCsp.Fuzz" -c Release -o "$build" --artifacts-path "$work/artifacts" -nologo -v quiet >"$work/publish-$target.log" 2>&1 \
    || { cat "$work/publish-$target.log" >&2; exit 2; }
  (cd "$here" && dotnet tool restore >/dev/null)
  for dll in SyncML Ddf Tree Device Directory Passwords Storage Server; do
    (cd "$here" && dotnet tool run sharpfuzz "$build/LapsCsp.$dll.dll" >/dev/null) \
      || { log "instrumenting LapsCsp.$dll.dll failed"; exit 2; }
  done
  # The replay copy is not instrumented: publish once more into it (fast, everything is built).
  rm -rf "$replay"
  dotnet publish "$here/LapsCsp.Fuzz" -c Release -o "$replay" --artifacts-path "$work/artifacts" -nologo -v quiet >>"$work/publish-$target.log" 2>&1 \
    || { cat "$work/publish-$target.log" >&2; exit 2; }
fi

# 2. Seeds: copied at campaign time, never committed (the shared corpus is not ours to commit).
rm -rf "$corpus"
mkdir -p "$corpus"
seed() { for f in "$@"; do [ -f "$f" ] && cp "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"; done; return 0; }
case "$target" in
  syncml|server)
    seed "$root"/samples/*.xml "$here"/seeds/syncml/*
    if [ -d "$shared/corpus" ]; then seed "$shared"/corpus/*.xml; else log "no shared corpus at $shared/corpus (seeds from samples/ only)"; fi
    dict=$here/dict/syncml.dict ;;
  ddf)
    seed "$root"/ddf/*.xml "$here"/seeds/ddf/*
    dict=$here/dict/ddf.dict ;;
esac
seed "$regressions"/*
log "$(find "$corpus" -type f | wc -l) seeds"

# 3. The campaign.
rm -rf "$findings"
mkdir -p "$(dirname "$findings")"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_IGNORE_SEED_PROBLEMS=1 AFL_QUIET=1
log "afl-fuzz for $seconds s (nice $nice_level)"
set +e
nice -n "$nice_level" afl-fuzz -i "$corpus" -o "$findings" -t "$timeout_ms" -m none -V "$seconds" -x "$dict" \
  -- dotnet "$build/LapsCsp.Fuzz.dll" "$target" >"$work/afl-$target.log" 2>&1
afl=$?
set -e
stats=$findings/default/fuzzer_stats
if [ ! -f "$stats" ]; then
  log "afl-fuzz ended ($afl) without statistics:"
  tail -n 30 "$work/afl-$target.log" >&2
  exit 2
fi
stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }

# 4. Findings: replay each without instrumentation; keep those that reproduce.
new=0
flaky=0
for kind in crashes hangs; do
  for f in "$findings"/default/$kind/id:*; do
    [ -f "$f" ] || continue
    name=${kind%es}; name=${name%s}-$(sha256sum "$f" | cut -c1-12).bin
    if [ "$kind" = crashes ]; then
      if dotnet "$replay/LapsCsp.Fuzz.dll" replay "$target" "$f" >"$work/replay.log" 2>&1; then
        flaky=$((flaky + 1)); log "crash $(basename "$f") does not reproduce outside AFL++ (not saved)"; continue
      fi
    else
      if timeout 30 dotnet "$replay/LapsCsp.Fuzz.dll" replay "$target" "$f" >"$work/replay.log" 2>&1 \
         && ! grep -Eq '^ok +[0-9]{4,} ms' "$work/replay.log"; then
        flaky=$((flaky + 1)); log "hang $(basename "$f") runs in under a second outside AFL++ (not saved)"; continue
      fi
    fi
    if [ ! -f "$regressions/$name" ]; then
      cp "$f" "$regressions/$name"
      new=$((new + 1))
      log "NEW $kind input saved as ${regressions#"$root"/}/$name:"
      sed -n '1,12p' "$work/replay.log" >&2
    fi
  done
done

execs=$(stat execs_done)
summary="fuzz $target: $execs executions in $(stat run_time) s ($(stat execs_per_sec)/s), $(stat corpus_count) corpus items, $(stat edges_found) edges, $(stat saved_crashes) crashes, $(stat saved_hangs) hangs, $new new findings saved, $flaky not reproduced"
echo "$summary"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$target" "$seconds" "$execs" "$(stat corpus_count)" \
  "$(stat edges_found)" "$(stat saved_crashes)" "$(stat saved_hangs)" >>"$work/campaigns.tsv"
[ "$new" -eq 0 ]
