#!/usr/bin/env bash
# Ablation of forkd's hand-written JSON paths (PlainJson writer, TreeReader reader) against Jackson alone:
# the IPC scenarios of run-ipc.sh, forkd only, once per variant, interleaved in rounds with the order rotated
# every round, then per variant and scenario the median, min and max over the rounds and the ratio of medians.
# The variant is set with the benchmark knob -Dforkd.bench.jackson (see JsonCodec), passed through
# JAVA_TOOL_OPTIONS so that the forked child gets it too; every variant sets it, so every JVM prints the same
# "Picked up JAVA_TOOL_OPTIONS" line. Builds nothing: run `./mvnw -B -q -DskipTests package` first.
#
# Environment (all optional):
#   ROUNDS=5
#   SCENARIOS="p2c-small c2p-small rtt"       as in run-ipc.sh (p2c-1mib and c2p-1mib work too)
#   VARIANTS="plain jackson-write jackson"    plain: the default; jackson-write: Jackson writes, TreeReader
#                                             reads; jackson: Jackson both ways
#   SMALL_WARMUP, SMALL_COUNT, SMALL_SIZE, BIG_*, RTT_*   as in run-ipc.sh
#   RUN_TIMEOUT=300                           seconds per measurement; one that takes longer is killed and
#                                             logged as "# FAILED ..." (the series goes on without it)
#   LOG=forkd-bench/target/json-ablation.log  raw RESULT lines with ROUND markers (overwritten)
#   JAVA_HOME                                 a JDK >= 25
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"
bench_jar

ROUNDS="${ROUNDS:-5}"
SCENARIOS="${SCENARIOS:-p2c-small c2p-small rtt}"
VARIANTS="${VARIANTS:-plain jackson-write jackson}"
ipc_defaults
RUN_TIMEOUT="${RUN_TIMEOUT:-300}"
LOG="${LOG:-$here/target/json-ablation.log}"

knob_for() { # variant -> value of -Dforkd.bench.jackson
  case "$1" in
    plain) echo none ;;
    jackson-write) echo write ;;
    jackson-read) echo read ;;
    jackson) echo all ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}

run_one() { # scenario variant: IpcBench's RESULT lines with the variant as the implementation
  local knob
  knob="$(knob_for "$2")"
  local status=0
  # The whole process group goes on a timeout: the forked child with the parent.
  # shellcheck disable=SC2046
  JAVA_TOOL_OPTIONS="-Dforkd.bench.jackson=$knob" timeout -k 5 "$RUN_TIMEOUT" "$java" \
    --enable-native-access=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -cp "$jar" \
    dev.forkd.bench.ipc.IpcBench $(ipc_args "$1") 2> >(grep -v '^Picked up JAVA_TOOL_OPTIONS' >&2) \
    | sed -E "s/^(RESULT [^ ]+) forkd /\1 $2 /" || status=$?
  if ((status != 0)); then echo "# FAILED $1 $2 (exit $status$( ((status == 124)) && echo ", timed out after ${RUN_TIMEOUT} s"))"; fi
}

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -sr), $(nproc) cores, $("$java" -version 2>&1 | head -1)"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# ROUNDS=$ROUNDS SCENARIOS=\"$SCENARIOS\" VARIANTS=\"$VARIANTS\" SMALL=$SMALL_WARMUP+$SMALL_COUNT×$SMALL_SIZE B BIG=$BIG_WARMUP+$BIG_COUNT×$BIG_SIZE B RTT=$RTT_WARMUP+$RTT_COUNT"
} | tee "$LOG"

read -r -a variants <<<"$VARIANTS"
for ((r = 1; r <= ROUNDS; r++)); do
  echo "ROUND $r (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$LOG"
  for scenario in $SCENARIOS; do
    # Rotate the order every round so that no variant always runs first.
    for ((k = 0; k < ${#variants[@]}; k++)); do
      run_one "$scenario" "${variants[$(((k + r) % ${#variants[@]}))]}" | tee -a "$LOG"
    done
  done
done

echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"
echo
# Per scenario/metric: median, min and max over the rounds for each variant, and its median against the first
# variant's (plain). For rates higher is better, for times lower.
awk -v list="$VARIANTS" '
  BEGIN { nv = split(list, order, " "); first = order[1] }
  $1 == "RESULT" { key = $2 " " $4 " " $6; v[key, $3, ++n[key, $3]] = $5; if (!(key in seen)) { seen[key] = 1; keys[++nk] = key } }
  function median(key, var,   m, i, j, t, a) {
    m = n[key, var]; for (i = 1; i <= m; i++) a[i] = v[key, var, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    lo = a[1]; hi = a[m]
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  END {
    printf "%-26s %-14s %12s %12s %12s %4s %8s\n", "scenario metric unit", "variant", "median", "min", "max", "n", "vs " first
    for (k = 1; k <= nk; k++) {
      base = median(keys[k], first)
      for (i = 1; i <= nv; i++) {
        if (!n[keys[k], order[i]]) continue
        med = median(keys[k], order[i])
        printf "%-26s %-14s %12.2f %12.2f %12.2f %4d %8.2f\n", keys[k], order[i], med, lo, hi, n[keys[k], order[i]], base ? med / base : 0
      }
    }
  }' "$LOG"
