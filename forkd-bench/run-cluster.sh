#!/usr/bin/env bash
# Cluster side by side: forkd's cluster demo (forkd-examples: ClusterDemo + DemoWorker on Jetty) under each
# scheduling policy vs the same demo on Node's cluster module (node/cluster.js), 2 workers each, driven by
# wrk on loopback. Interleaved rounds, a fresh server per implementation and round, then RatioReport.
# Builds nothing: run `./mvnw -B -q -DskipTests package` first. Needs wrk and curl.
#
# Per implementation and round:
#   warm-up      wrk -t2 -c50 -d$WARM_S          (also warms forkd's JIT)
#   hello        wrk -t2 -c50 -d$DURATION /                                   -> req/s, errors
#   close        wrk -t2 -c50 -d$WARM_CLOSE_S -H 'Connection: close' / (warm-up: forkd's hand-off path
#                reaches its speed only after ~15 s of it), then the same for $DURATION -> connections/s, errors
#   busy         curl /sum?n=$SUM_N in the background, 0.5 s later wrk -t2 -c8 -d$BUSY_S --timeout 30s /
#                -> max latency of / while the loop runs, and how long /sum took. Node's loop (sum += i) is
#                ~3× faster per step than DemoWorker's (sum += i ^ (sum >>> 7)), so Node gets NODE_SUM_N steps
#                to keep its worker busy about as long. BUSY_S must outlast the loop: wrk does not count a
#                request that is still waiting when it stops.
#   quiet        the same wrk run with no /sum running: the max latency the machine gives anyway
#   reload       wrk -t2 -c20 -d$RELOAD_S --latency / without a reload (the steady p99), then the same
#                run with a SIGHUP to the primary $RELOAD_AT s in -> time from SIGHUP to "reload done",
#                wrk socket errors and non-2xx responses, the run's p99 and its ratio to the steady p99
#
# Environment (all optional):
#   ROUNDS=3  IMPLS="forkd-load-aware forkd-round-robin forkd-shared forkd-reuseport node"
#             (also forkd-netty-<policy>: dev.forkd.bench.cluster.NettyHello, hello and close only;
#             standalone: the demo's handler as one plain Jetty process, same GC, hello and close only)
#   TESTS="hello close busy reload"  (also: quiet)  WARM_S=5 WARM_CLOSE_S=15 DURATION=10 BUSY_S=6 SUM_N=2000000000 NODE_SUM_N=6000000000
#   RELOAD_S=8 RELOAD_AT=2
#   AOT=1: the demo's workers start from a JDK AOT cache (--aot-cache), trained once before the rounds by
#          a demo run under wrk that is then stopped (its first worker writes the cache as it exits)
#   WARM_UP=N: each demo worker sends itself N in-memory requests before it listens (--warm-up)
#   PORT=3400 (a new port per server start)  LOG=forkd-bench/target/cluster.log  JAVA_HOME (JDK >= 25)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/forkd-bench.jar"
netty_jar="$here/target/forkd-bench-netty.jar" # forkd-bench.jar plus Netty, for NettyHello
demo="$root/forkd-examples/target/forkd-examples.jar"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
for f in "$jar" "$demo"; do
  [[ -f "$f" ]] || { echo "missing $f: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
done
"$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' \
  || { echo "need JDK >= 25: set JAVA_HOME (found: $("$java" -version 2>&1 | head -1))" >&2; exit 1; }
for c in node wrk curl; do command -v "$c" >/dev/null || { echo "$c not found on PATH" >&2; exit 1; }; done

ROUNDS="${ROUNDS:-3}"
IMPLS="${IMPLS:-forkd-load-aware forkd-round-robin forkd-shared forkd-reuseport node}"
TESTS="${TESTS:-hello close busy reload}"
WARM_S="${WARM_S:-5}" WARM_CLOSE_S="${WARM_CLOSE_S:-15}" DURATION="${DURATION:-10}" BUSY_S="${BUSY_S:-6}" SUM_N="${SUM_N:-2000000000}"
NODE_SUM_N="${NODE_SUM_N:-6000000000}"
RELOAD_S="${RELOAD_S:-8}" RELOAD_AT="${RELOAD_AT:-2}"
port="${PORT:-3400}"
LOG="${LOG:-$here/target/cluster.log}"
work="$here/target/cluster-run"
mkdir -p "$work"

server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

now_ms() { date +%s%3N; }

start_server() { # impl port -> sets server_pid, server_log
  local impl="$1" p="$2"
  server_log="$work/$impl.log"
  local ready='cluster: 2 workers'
  if [[ "$impl" == node ]]; then
    node "$here/node/cluster.js" "$p" 2 rr >"$server_log" 2>&1 &
  elif [[ "$impl" == standalone ]]; then
    # the workers' GC, the heap of two of them
    "$java" -XX:+UseSerialGC -Xms128m -Xmx512m -jar "$demo" cluster --standalone --port "$p" >"$server_log" 2>&1 &
    ready='standalone: one process'
  elif [[ "$impl" == forkd-netty-* ]]; then
    # hello-world on forkd-netty workers (one event-loop thread each) instead of the demo's Jetty
    "$java" --enable-native-access=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -cp "$netty_jar" \
      dev.forkd.bench.cluster.NettyHello "$p" 2 "${impl#forkd-netty-}" 1 >"$server_log" 2>&1 &
  else
    "$java" -jar "$demo" cluster --port "$p" --workers 2 --policy "${impl#forkd-}" ${demo_args[@]+"${demo_args[@]}"} >"$server_log" 2>&1 &
  fi
  server_pid=$!
  local t0 deadline
  t0=$(now_ms)
  deadline=$((t0 + 60000))
  until grep -q "$ready" "$server_log"; do
    (($(now_ms) < deadline)) || { echo "server $impl did not start:" >&2; cat "$server_log" >&2; exit 1; }
    sleep 0.05
  done
  result cluster-start "$impl" ready_ms $(($(now_ms) - t0)) ms
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

result() { printf 'RESULT %s %s %s %s %s\n' "$@"; }

# wrk's figures: requests/s, Max latency in ms, errors (connect+read+write+timeout), non-2xx.
wrk_rate() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_max_ms() {
  awk '$1 == "Latency" && !done {v = $4; done = 1
         if (v ~ /us$/) printf "%.3f\n", v / 1000; else if (v ~ /ms$/) printf "%.3f\n", v + 0
         else if (v ~ /m$/) printf "%.3f\n", v * 60000; else printf "%.3f\n", v * 1000}' "$1"
}
wrk_p99_ms() { # the 99% line of wrk --latency
  awk '$1 == "99%" {v = $2
         if (v ~ /us$/) printf "%.3f\n", v / 1000; else if (v ~ /ms$/) printf "%.3f\n", v + 0
         else if (v ~ /m$/) printf "%.3f\n", v * 60000; else printf "%.3f\n", v * 1000}' "$1"
}
wrk_errors() { awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10; f = 1} END {if (!f) print 0}' "$1"; }
wrk_non2xx() { awk '/Non-2xx or 3xx responses:/ {print $5; f = 1} END {if (!f) print 0}' "$1"; }

url() { echo "http://127.0.0.1:$port/"; }

run_tests() { # impl
  local impl="$1" out="$work/wrk.out"
  wrk -t2 -c50 -d"${WARM_S}s" "$(url)" >/dev/null
  for test in $TESTS; do
    # NettyHello only answers / (no /sum, no SIGHUP reload); standalone is the yardstick for hello and close
    if [[ ( "$impl" == forkd-netty-* || "$impl" == standalone ) && "$test" != hello && "$test" != close ]]; then continue; fi
    case "$test" in
      hello)
        wrk -t2 -c50 -d"${DURATION}s" "$(url)" >"$out"
        cat "$out" >>"$work/wrk-all.txt"
        result cluster-hello "$impl" rate "$(wrk_rate "$out")" req/s
        result cluster-hello "$impl" errors "$(wrk_errors "$out")" count ;;
      close)
        # Its own warm-up: the hand-off path (accept, pass, adopt) is not what keep-alive requests compile.
        wrk -t2 -c50 -d"${WARM_CLOSE_S}s" -H 'Connection: close' "$(url)" >/dev/null
        wrk -t2 -c50 -d"${DURATION}s" -H 'Connection: close' "$(url)" >"$out"
        cat "$out" >>"$work/wrk-all.txt"
        result cluster-close "$impl" rate "$(wrk_rate "$out")" conn/s
        result cluster-close "$impl" errors "$(wrk_errors "$out")" count ;;
      busy)
        local n="$SUM_N"
        if [[ "$impl" == node ]]; then n="$NODE_SUM_N"; fi
        curl -s -o /dev/null -w '%{time_total}\n' --max-time 120 "$(url)sum?n=$n" >"$work/sum.out" &
        local curl_pid=$!
        sleep 0.5
        wrk -t2 -c8 -d"${BUSY_S}s" --timeout 30s --latency "$(url)" >"$out"
        wait "$curl_pid"
        cat "$out" >>"$work/wrk-all.txt"
        result cluster-busy "$impl" max_latency "$(wrk_max_ms "$out")" ms
        result cluster-busy "$impl" rate "$(wrk_rate "$out")" req/s
        result cluster-busy "$impl" errors "$(wrk_errors "$out")" count
        result cluster-busy "$impl" sum_duration "$(cat "$work/sum.out")" s ;;
      quiet)
        wrk -t2 -c8 -d"${BUSY_S}s" --timeout 30s --latency "$(url)" >"$out"
        cat "$out" >>"$work/wrk-all.txt"
        result cluster-quiet "$impl" max_latency "$(wrk_max_ms "$out")" ms
        result cluster-quiet "$impl" rate "$(wrk_rate "$out")" req/s ;;
      reload)
        local lines t_hup t_done steady="$work/wrk-steady.out"
        lines=$(grep -c 'reload done' "$server_log" || true)
        # the same load without a reload first: the p99 the reload's is held against
        wrk -t2 -c20 -d"${RELOAD_S}s" --timeout 10s --latency "$(url)" >"$steady"
        wrk -t2 -c20 -d"${RELOAD_S}s" --timeout 10s --latency "$(url)" >"$out" &
        local wrk_pid=$!
        sleep "$RELOAD_AT"
        t_hup=$(now_ms)
        kill -HUP "$server_pid"
        t_done=""
        while kill -0 "$wrk_pid" 2>/dev/null; do
          if [[ -z "$t_done" && $(grep -c 'reload done' "$server_log" || true) -gt "$lines" ]]; then t_done=$(now_ms); fi
          sleep 0.01
        done
        wait "$wrk_pid"
        cat "$out" >>"$work/wrk-all.txt"
        if [[ -z "$t_done" ]]; then
          echo "# $impl: reload did not finish within the wrk run" >&2
          result cluster-reload "$impl" duration NaN ms
        else
          result cluster-reload "$impl" duration $((t_done - t_hup)) ms
        fi
        result cluster-reload "$impl" rate "$(wrk_rate "$out")" req/s
        result cluster-reload "$impl" errors "$(wrk_errors "$out")" count
        result cluster-reload "$impl" non2xx "$(wrk_non2xx "$out")" count
        result cluster-reload "$impl" p99_steady "$(wrk_p99_ms "$steady")" ms
        result cluster-reload "$impl" p99 "$(wrk_p99_ms "$out")" ms
        result cluster-reload "$impl" p99_vs_steady "$(awk -v a="$(wrk_p99_ms "$out")" -v b="$(wrk_p99_ms "$steady")" 'BEGIN {printf "%.2f", a / b}')" x
        grep -E 'reload|exited' "$server_log" | sed 's/^/# /' || true ;;
      *) echo "unknown test $test" >&2; exit 2 ;;
    esac
  done
}

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -sr), $(nproc) cores, $("$java" -version 2>&1 | head -1), node $(node --version), $(wrk -v 2>&1 | head -1)"
  echo "# ROUNDS=$ROUNDS IMPLS=\"$IMPLS\" TESTS=\"$TESTS\" WARM_S=$WARM_S WARM_CLOSE_S=$WARM_CLOSE_S DURATION=$DURATION BUSY_S=$BUSY_S SUM_N=$SUM_N NODE_SUM_N=$NODE_SUM_N RELOAD_S=$RELOAD_S RELOAD_AT=$RELOAD_AT"
} | tee "$LOG"
: >"$work/wrk-all.txt"
# Not a pipeline: start_server must set server_pid in this shell.
exec 3>&1 > >(tee -a "$LOG")

read -r -a impls <<<"$IMPLS"
demo_args=()
if [[ "${WARM_UP:-0}" != 0 ]]; then demo_args+=(--warm-up "$WARM_UP"); fi
if [[ "${AOT:-0}" == 1 ]]; then
  aot="$work/demo.aot"
  rm -f "$aot"
  demo_args+=(--aot-cache "$aot")
  port=$((port + 1))
  start_server forkd-load-aware "$port" >/dev/null
  wrk -t2 -c50 -d"${WARM_S}s" "$(url)" >/dev/null
  stop_server
  [[ -f "$aot" ]] || { echo "the AOT training run wrote no cache ($aot)" >&2; exit 1; }
  echo "# AOT=1: workers start from $(basename "$aot") ($(($(stat -c %s "$aot") / 1048576)) MiB), trained by one demo run"
fi
for ((r = 1; r <= ROUNDS; r++)); do
  echo "ROUND $r" | tee -a "$LOG"
  for ((k = 0; k < ${#impls[@]}; k++)); do
    impl="${impls[$(((k + r) % ${#impls[@]}))]}"
    port=$((port + 1))
    start_server "$impl" "$port"
    run_tests "$impl"
    stop_server
  done
done

exec 1>&3
sleep 0.2 # let tee finish
echo
"$java" -cp "$jar" dev.forkd.bench.RatioReport "$LOG"
