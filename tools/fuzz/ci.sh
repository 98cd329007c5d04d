#!/usr/bin/env bash
# The short fuzz campaign CI runs on every submission (issue 7 item 1): about two minutes of AFL++ in all, split over the
# three targets, after one build. Installs afl++ from Debian when it is missing; skips (exit 0, saying why) only when it
# cannot be installed. Exit 1 when a campaign found a crash or hang that reproduces (saved under
# tests/LapsCsp.Robustness.Tests/Regressions/, printed above), 2 when the harness could not be built or run.
#
#   bash tools/fuzz/ci.sh            (LAPSCSP_FUZZ_CI_SECONDS=N changes the total, default 120)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "fuzz: afl-fuzz missing, installing Debian's afl++" >&2
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd="sudo -n"; fi
  fi
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo_cmd" ]; then
    $sudo_cmd apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq afl++ >/dev/null 2>&1
  fi
  if ! command -v afl-fuzz >/dev/null 2>&1; then
    echo "fuzz: SKIPPED: afl++ is not installed and could not be installed here (needs root or sudo and Debian's archive);" \
      "the fuzz campaign did not run. The saved findings are still replayed by tests/LapsCsp.Robustness.Tests." >&2
    exit 0
  fi
fi

total=${LAPSCSP_FUZZ_CI_SECONDS:-120}
# The server target is the slowest per input (an HTTP round trip through the host), so it gets the largest share.
syncml=$((total * 30 / 100))
ddf=$((total * 30 / 100))
server=$((total - syncml - ddf))

status=0
summaries=()
for spec in "syncml $syncml" "ddf $ddf" "server $server"; do
  set -- $spec
  if [ "$1" = syncml ]; then build=""; else build=1; fi
  out=$(LAPSCSP_FUZZ_NO_BUILD=$build bash "$here/run.sh" "$1" "$2")
  rc=$?
  [ -n "$out" ] && summaries+=("$out")
  case $rc in
    0) ;;
    1) status=1 ;;
    *) echo "fuzz $1: the campaign could not run (exit $rc)" >&2; [ $status -eq 0 ] && status=2 ;;
  esac
done

for s in "${summaries[@]}"; do echo "$s"; done
if [ $status -eq 1 ]; then
  echo "fuzz: FINDINGS: new crash or hang inputs were saved under tests/LapsCsp.Robustness.Tests/Regressions/ (see above);" \
    "fix them and commit the inputs as regression tests." >&2
fi
exit $status
