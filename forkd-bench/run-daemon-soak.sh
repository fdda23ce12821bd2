#!/usr/bin/env bash
# The forkd daemon's own memory under use: CYCLES times start / ls / describe / restart / delete of an app
# (each start is a new supervisor), then LS_CALLS more `ls`, printing the daemon's RSS and PSS as it goes.
# A daemon whose memory is flat prints about the same figure at the end as after the first cycles.
# Builds nothing: run `./mvnw -B -q -DskipTests package` first.
# Environment: CYCLES=100 LS_CALLS=1000 LOG=forkd-bench/target/daemon-soak.log JAVA_HOME
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
forkd="$(dirname "$here")/forkd-cli/target/forkd"
[[ -x "$forkd" ]] || { echo "missing $forkd: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
CYCLES=${CYCLES:-100} LS_CALLS=${LS_CALLS:-1000} LOG=${LOG:-$here/target/daemon-soak.log}
export FORKD_HOME=$(mktemp -d)
trap '"$forkd" kill >/dev/null 2>&1 || true; rm -rf "$FORKD_HOME"' EXIT
mem() { local p; p=$(cat "$FORKD_HOME/run/daemon.pid"); printf 'RSS %s MiB, PSS %s MiB' \
  "$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$p/status")" \
  "$(awk '/^Pss:/ {printf "%.1f", $2/1024}' "/proc/$p/smaps_rollup")"; }
"$forkd" ls >/dev/null
echo "daemon soak: $CYCLES app cycles, then $LS_CALLS ls; daemon at start: $(mem)" | tee "$LOG"
for i in $(seq "$CYCLES"); do
  "$forkd" start --name "soak$i" -i 2 -- sleep 1000 >/dev/null
  "$forkd" ls >/dev/null
  "$forkd" describe "soak$i" >/dev/null
  "$forkd" restart "soak$i" >/dev/null
  "$forkd" delete "soak$i" >/dev/null
  (( i % 20 == 0 )) && echo "after $i cycles: $(mem)" | tee -a "$LOG"
done
for i in $(seq "$LS_CALLS"); do
  "$forkd" ls >/dev/null
  (( i % 250 == 0 )) && echo "after $i more ls: $(mem)" | tee -a "$LOG"
done
