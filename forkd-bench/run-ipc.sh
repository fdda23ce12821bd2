#!/usr/bin/env bash
# IPC side by side: forkd's fork() + Channel vs Node's fork() + process.send, interleaved in rounds, then
# medians and ratios (RatioReport). Every measurement is a fresh parent (and child) process.
# Builds nothing: run `./mvnw -B -q -DskipTests package` first.
#
# Environment (all optional):
#   ROUNDS=5
#   SCENARIOS="p2c-small c2p-small rtt p2c-1mib c2p-1mib first"
#   SMALL_WARMUP=2000000 SMALL_COUNT=2000000 SMALL_SIZE=16   one-way small messages {"seq":i,"msg":16 × "x"}
#                                                         (a JVM needs ~1-2 M messages before the JIT is done)
#   BIG_WARMUP=30 BIG_COUNT=100 BIG_SIZE=1048576             one-way 1 MiB messages
#   RTT_WARMUP=50000 RTT_COUNT=50000                         sequential ping/pong
#   FIRST_COUNT=10                                           forks per fork→first-message measurement (+1 warm-up)
#   FIRST_VARIANTS="default c1 aot aot-c1 bare"              forkd child flags (bare: a JVM printing to stdout)
#   LOG=forkd-bench/target/ipc.log                           raw RESULT lines with ROUND markers (overwritten)
#   JAVA_HOME                                                a JDK >= 25
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"
bench_jar
need_commands node

ROUNDS="${ROUNDS:-5}"
SCENARIOS="${SCENARIOS:-p2c-small c2p-small rtt p2c-1mib c2p-1mib first}"
ipc_defaults
FIRST_COUNT="${FIRST_COUNT:-10}"
FIRST_VARIANTS="${FIRST_VARIANTS:-default c1 aot aot-c1 bare}"
LOG="${LOG:-$here/target/ipc.log}"
aot_dir="$here/target/aot"

# The parent JVM; the forked children get forkd's own flags (native access, sun.nio.ch) and this class path.
jvm=("$java" --enable-native-access=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -cp "$jar"
  dev.forkd.bench.ipc.IpcBench)

run_one() { # scenario impl
  local scenario="$1" impl="$2"
  if [[ "$scenario" == first ]]; then
    if [[ "$impl" == node ]]; then
      node "$here/node/ipc.js" first "$FIRST_COUNT"
    else
      # The AOT variants train their cache in the first (discarded) fork of round 1 (the files are removed below).
      # The JDK reports the cache's creation on both streams (with this machine's paths): keep it out of the log.
      "${jvm[@]}" first "$impl" "$FIRST_COUNT" "$aot_dir" 2> >(grep -v -e '^Temporary AOT' -e '^Launching child' \
        -e '^Reading AOT' -e '^AOTCache creation' -e '^Removed temporary' -e '^Picked up JAVA_TOOL' >&2) \
        | grep -v -e '^Temporary AOT' -e '^Launching child' -e '^Reading AOT' -e '^AOTCache creation' -e '^Removed temporary'
    fi
  elif [[ "$impl" == node ]]; then
    # shellcheck disable=SC2046
    node "$here/node/ipc.js" $(ipc_args "$scenario")
  else
    # shellcheck disable=SC2046
    "${jvm[@]}" $(ipc_args "$scenario")
  fi
}

rm -rf "$aot_dir" && mkdir -p "$aot_dir"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -sr), $(nproc) cores, $("$java" -version 2>&1 | head -1), node $(node --version)"
  echo "# ROUNDS=$ROUNDS SCENARIOS=\"$SCENARIOS\" SMALL=$SMALL_WARMUP+$SMALL_COUNT×$SMALL_SIZE B BIG=$BIG_WARMUP+$BIG_COUNT×$BIG_SIZE B RTT=$RTT_WARMUP+$RTT_COUNT FIRST_COUNT=$FIRST_COUNT FIRST_VARIANTS=\"$FIRST_VARIANTS\""
} | tee "$LOG"

for ((r = 1; r <= ROUNDS; r++)); do
  echo "ROUND $r" | tee -a "$LOG"
  for scenario in $SCENARIOS; do
    if [[ "$scenario" == first ]]; then
      # shellcheck disable=SC2206
      impls=($FIRST_VARIANTS node)
    else
      impls=(forkd node)
    fi
    # Rotate the order every round so that no implementation always runs first.
    for ((k = 0; k < ${#impls[@]}; k++)); do
      run_one "$scenario" "${impls[$(((k + r) % ${#impls[@]}))]}" | tee -a "$LOG"
    done
  done
done

echo
"$java" -cp "$jar" dev.forkd.bench.RatioReport "$LOG"
