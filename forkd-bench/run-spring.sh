#!/usr/bin/env bash
# Spring Boot under forkd: forkd-examples-spring's HelloApp (Tomcat, forkd-spring-boot on its class path) as a
# 2-worker forkd cluster (ClusterMain) vs the same app as one process, driven by wrk on loopback; then the
# cluster's reload under load. The cluster layer's own cost is the req/s difference on the same machine.
# Builds nothing: run `./mvnw -B -q -DskipTests package` first. Needs wrk and curl.
#
# Per implementation and round (interleaved: forkd, single, forkd, single, ...; a fresh server each time):
#   warm-up   wrk -t2 -c32 -d$WARM_S /
#   hello     wrk -t2 -c32 -d$DURATION /           -> req/s, socket errors, non-2xx
# Then $RELOADS times: a fresh cluster, wrk -t2 -c32 -d$RELOAD_S --timeout 10s / and, $RELOAD_AT s in,
# SIGHUP to the primary -> the reload's duration (as the primary reports it), wrk socket errors and non-2xx.
# Prints every figure (RESULT lines, also in $LOG) and, per implementation, the median and the range.
#
# Environment (all optional): ROUNDS=5 WARM_S=10 DURATION=10 RELOADS=3 RELOAD_S=45 RELOAD_AT=3 (RELOAD_S
#   must outlast two Boot starts one after the other; do not start it under nohup: the JVM would ignore SIGHUP)
#   WORKERS=2 (the cluster's; 1 isolates the cluster layer from a second JVM's cost)
#   PORT=3600 (a new port per server start)  LOG=forkd-bench/target/spring.log  JAVA_HOME (JDK >= 25)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
app="$root/forkd-examples-spring/target"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
[[ -d "$app/classes" && -d "$app/lib" ]] || { echo "missing $app/classes or $app/lib: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
"$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' \
  || { echo "need JDK >= 25: set JAVA_HOME (found: $("$java" -version 2>&1 | head -1))" >&2; exit 1; }
for c in wrk curl; do command -v "$c" >/dev/null || { echo "$c not found on PATH" >&2; exit 1; }; done

ROUNDS="${ROUNDS:-5}" WARM_S="${WARM_S:-10}" DURATION="${DURATION:-10}"
WORKERS="${WORKERS:-2}" RELOADS="${RELOADS:-3}" RELOAD_S="${RELOAD_S:-45}" RELOAD_AT="${RELOAD_AT:-3}"
port="${PORT:-3600}"
LOG="${LOG:-$here/target/spring.log}"
work="$here/target/spring-run"
mkdir -p "$work"
: >"$LOG"
cp="$app/classes:$app/lib/*"
flags=(--enable-native-access=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED)
boot=(--server.address=127.0.0.1 --spring.main.banner-mode=off --logging.level.root=WARN)

server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

now_ms() { date +%s%3N; }
result() { printf 'RESULT %s %s %s %s %s\n' "$@" | tee -a "$LOG"; }
wrk_rate() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_errors() { awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10; f = 1} END {if (!f) print 0}' "$1"; }
wrk_non2xx() { awk '/Non-2xx/ {print $5; f = 1} END {if (!f) print 0}' "$1"; }

start_server() { # impl port -> server_pid, server_log
  local impl="$1" p="$2"
  server_log="$work/$impl.log"
  if [[ "$impl" == forkd ]]; then
    "$java" "${flags[@]}" -cp "$cp" -Dworkers="$WORKERS" dev.forkd.examples.spring.ClusterMain --server.port="$p" "${boot[@]}" >"$server_log" 2>&1 &
  else
    "$java" "${flags[@]}" -cp "$cp" dev.forkd.examples.spring.HelloApp --server.port="$p" "${boot[@]}" >"$server_log" 2>&1 &
  fi
  server_pid=$!
  local t0 deadline
  t0=$(now_ms)
  deadline=$((t0 + 120000))
  until curl -sf "http://127.0.0.1:$p/" >/dev/null && { [[ "$impl" != forkd ]] || grep -q "cluster: $WORKERS workers ready" "$server_log"; }; do
    (($(now_ms) < deadline)) || { echo "server $impl did not start:" >&2; cat "$server_log" >&2; exit 1; }
    sleep 0.1
  done
  result start "$impl" ready_ms $(($(now_ms) - t0)) ms
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

for ((round = 1; round <= ROUNDS; round++)); do
  for impl in forkd single; do
    port=$((port + 1))
    start_server "$impl" "$port"
    wrk -t2 -c32 -d"${WARM_S}s" "http://127.0.0.1:$port/" >/dev/null
    out="$work/$impl-hello-$round.txt"
    wrk -t2 -c32 -d"${DURATION}s" "http://127.0.0.1:$port/" >"$out"
    result hello "$impl" req_s "$(wrk_rate "$out")" "errors=$(wrk_errors "$out")/non2xx=$(wrk_non2xx "$out")"
    stop_server
  done
done

for ((r = 1; r <= RELOADS; r++)); do
  port=$((port + 1))
  start_server forkd "$port"
  out="$work/reload-$r.txt"
  wrk -t2 -c32 -d"${RELOAD_S}s" --timeout 10s "http://127.0.0.1:$port/" >"$out" &
  wrk_pid=$!
  sleep "$RELOAD_AT"
  kill -HUP "$server_pid"
  wait "$wrk_pid"
  took=$(grep -oE 'reload done in [0-9]+ ms' "$server_log" | grep -oE '[0-9]+' | tail -1 || true)
  [[ -n "$took" ]] || { echo "no 'reload done' within the wrk run (a longer RELOAD_S? started under nohup, which makes the JVM ignore SIGHUP?):" >&2; tail -20 "$server_log" >&2; exit 1; }
  result reload forkd ms "$took" "errors=$(wrk_errors "$out")/non2xx=$(wrk_non2xx "$out")/requests=$(awk '/requests in/ {print $1}' "$out")"
  stop_server
done

echo
echo "median [min..max] of $ROUNDS rounds (wrk -t2 -c32 -d${DURATION}s /):"
for impl in forkd single; do
  { grep "^RESULT hello $impl " "$LOG" || true; } | awk '{print $5}' | sort -n | awk -v impl="$impl" '
    {v[NR] = $1} END {if (!NR) exit; m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                      printf "  %-7s %10.0f req/s  [%.0f..%.0f]\n", impl, m, v[1], v[NR]}'
done
{ grep "^RESULT reload " "$LOG" || true; } | awk '{print $5}' | sort -n | awk -v n="$RELOADS" '
  {v[NR] = $1} END {if (!NR) exit; m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                    printf "  reload  %10.0f ms median [%d..%d] of %d\n", m, v[1], v[NR], n}'
echo "  reload failures: $({ grep '^RESULT reload ' "$LOG" || true; } | awk '{print $6}' | tr '\n' ' ')"
