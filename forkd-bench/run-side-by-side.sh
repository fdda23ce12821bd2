#!/usr/bin/env bash
# Runs forkd, ProcessBuilder and Node side by side, interleaved in rounds, and prints medians and ratios.
# Builds nothing: run `./mvnw -B -q -DskipTests package` first (it produces forkd-bench/target/forkd-bench.jar).
#
# Environment (all optional):
#   ROUNDS=5                                     rounds; each runs every scenario once per implementation
#   SCENARIOS="spawn-true spawn-pipes execfile-echo capture threads"   (spawn-pipes: Node's default stdio, 3 pipes)
#   WARMUP=3000 COUNT=2000                       calls per run for spawn-true and execfile-echo (forkd needs
#                                                a few thousand spawns before C2 has compiled its hot path)
#   CAPTURE_BYTES=268435456 CAPTURE_WARMUP=4 CAPTURE_COUNT=6
#   SPAWNLOOP=path/to/spawnloop                  optional: also run the C ceiling (c/spawnloop.c) in spawn-true
#   EXECLOOP=path/to/execloop                    optional: the C ceiling of execfile-echo (c/execloop.c)
#   TRUE_PROGRAM=true                            the do-nothing child of spawn-true, e.g. target/exit0
#                                                (c/exit0.c) to take the dynamic loader out of the picture
#   ECHO_PROGRAM=echo                            the child of execfile-echo, e.g. target/echo0 (c/echo0.c)
#   CHILDREN=1000 SLEEP=2                        the threads scenario
#   LOG=forkd-bench/target/side-by-side.log      raw RESULT lines with ROUND markers (overwritten)
#   JAVA_HOME                                    a JDK >= 25 (the default `java` may be older)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_dir="$here/node"
. "$here/lib.sh"
bench_jar
need_commands node

ROUNDS="${ROUNDS:-5}"
SCENARIOS="${SCENARIOS:-spawn-true spawn-pipes execfile-echo capture threads}"
WARMUP="${WARMUP:-3000}"
COUNT="${COUNT:-2000}"
CAPTURE_BYTES="${CAPTURE_BYTES:-268435456}"
CAPTURE_WARMUP="${CAPTURE_WARMUP:-4}"
CAPTURE_COUNT="${CAPTURE_COUNT:-6}"
CHILDREN="${CHILDREN:-1000}"
SLEEP="${SLEEP:-2}"
TRUE_PROGRAM="${TRUE_PROGRAM:-true}"
ECHO_PROGRAM="${ECHO_PROGRAM:-echo}"
LOG="${LOG:-$here/target/side-by-side.log}"

# Same JVM flags for forkd and ProcessBuilder; the heap is big enough for two copies of the capture.
jvm=("$java" --enable-native-access=ALL-UNNAMED -Xmx4g -cp "$jar" dev.forkd.bench.SideBySide)

args_for() { # scenario -> arguments after the implementation
  case "$1" in
    spawn-true | spawn-pipes) echo "$WARMUP $COUNT $TRUE_PROGRAM" ;;
    execfile-echo) echo "$WARMUP $COUNT $ECHO_PROGRAM" ;;
    capture) echo "$CAPTURE_BYTES $CAPTURE_WARMUP $CAPTURE_COUNT" ;;
    threads) echo "$CHILDREN $SLEEP" ;;
    *) echo "unknown scenario $1" >&2; exit 2 ;;
  esac
}

run_one() { # scenario impl
  local scenario="$1" impl="$2" args
  args="$(args_for "$scenario")"
  if [[ "$impl" == c && "$scenario" == execfile-echo ]]; then
    "$EXECLOOP" "$WARMUP" "$COUNT" "$(type -P "$ECHO_PROGRAM")" 2>/dev/null
  elif [[ "$impl" == c ]]; then
    # posix_spawn does not search PATH: give the C loop the file's path (type -P skips the shell builtin).
    "$SPAWNLOOP" forkd "$WARMUP" "$COUNT" "$(type -P "$TRUE_PROGRAM")" 2>/dev/null
  elif [[ "$impl" == node ]]; then
    # shellcheck disable=SC2086
    node "$node_dir/$scenario.js" $args
  else
    # shellcheck disable=SC2086
    "${jvm[@]}" "$scenario" "$impl" $args
  fi
}

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -sr), $(nproc) cores, $("$java" -version 2>&1 | head -1), node $(node --version)"
  echo "# ROUNDS=$ROUNDS SCENARIOS=\"$SCENARIOS\" TRUE_PROGRAM=${TRUE_PROGRAM##*/} ECHO_PROGRAM=${ECHO_PROGRAM##*/} WARMUP=$WARMUP COUNT=$COUNT CAPTURE_BYTES=$CAPTURE_BYTES CAPTURE_COUNT=$CAPTURE_COUNT CHILDREN=$CHILDREN SLEEP=$SLEEP"
} | tee "$LOG"

for ((r = 1; r <= ROUNDS; r++)); do
  echo "ROUND $r" | tee -a "$LOG"
  for scenario in $SCENARIOS; do
    impls=(forkd pb node)
    [[ "$scenario" == spawn-true && -n "${SPAWNLOOP:-}" ]] && impls+=(c)
    [[ "$scenario" == execfile-echo && -n "${EXECLOOP:-}" ]] && impls+=(c)
    # Rotate the order every round so that no implementation always runs first (or right after another).
    for ((k = 0; k < ${#impls[@]}; k++)); do
      impl="${impls[$(((k + r) % ${#impls[@]}))]}"
      run_one "$scenario" "$impl" | tee -a "$LOG"
    done
  done
done

echo
"$java" -cp "$jar" dev.forkd.bench.Report "$LOG"
