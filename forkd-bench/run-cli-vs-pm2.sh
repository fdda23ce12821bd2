#!/usr/bin/env bash
# The forkd command vs PM2, side by side on this machine, each running node/hello-activated.js as 2 instances
# in cluster mode (PM2: Node's cluster module; forkd: one listener shared as fd 3, socket activation).
# Interleaved rounds (forkd, PM2, forkd, PM2, ...), a fresh daemon home per implementation and round.
#
# Per implementation and round:
#   reload   wrk -t2 -c32 -d$RELOAD_S --timeout 10s /, and $RELOAD_AT s in, `reload` of the app
#            -> wrk's socket errors + non-2xx responses, and how long the reload command took
#   ls       `ls` 10 times after 2 warm-ups (hyperfine when installed, else a shell loop) -> median ms
#   rss      RSS and PSS of the manager's own processes (forkd: daemon + supervisor; PM2: its God daemon)
#
# Builds nothing: run `./mvnw -B -q -DskipTests package` first. Needs node, npm (PM2 is installed into
# forkd-bench/target/pm2 on first use, or give PM2=path/to/pm2), wrk.
# Environment: ROUNDS=5 RELOAD_S=12 RELOAD_AT=4 PORT=3700 LOG=forkd-bench/target/cli-vs-pm2.log JAVA_HOME
#   APP=hello-activated (drains keep-alive connections before it exits) or hello-plain (server.close() at once)
#   WAIT_READY=1: forkd starts the app with --wait-ready (an instance is up when it sends process.send('ready'),
#   as both apps do once they listen), instead of giving each new instance 1 s
#   FORKD_APP=jetty: forkd runs the cluster demo's forkd-aware Jetty worker instead (forkd-examples'
#   DemoWorker, --handoff cluster: up when it listens, drained by the primary's disconnect); PM2 keeps the
#   Node app. Needs forkd-examples/target/forkd-examples.jar (the same package command)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
forkd="$root/forkd-cli/target/forkd"
app="$here/node/${APP:-hello-activated}.js"
[[ -x "$forkd" ]] || { echo "missing $forkd: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
for c in node npm wrk; do command -v "$c" >/dev/null || { echo "$c not found on PATH" >&2; exit 1; }; done
. "$here/lib.sh"
need_pm2
ROUNDS=${ROUNDS:-5} RELOAD_S=${RELOAD_S:-12} RELOAD_AT=${RELOAD_AT:-4} PORT=${PORT:-3700}
LOG=${LOG:-$here/target/cli-vs-pm2.log}
work=$(mktemp -d)
trap 'FORKD_HOME=$work/forkd "$forkd" kill >/dev/null 2>&1 || true; PM2_HOME=$work/pm2 "$PM2" kill >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
echo "forkd vs PM2 $("$PM2" --version 2>/dev/null | tail -1), node $(node --version), $(nproc) CPUs, $ROUNDS rounds, app $(basename "$app")${WAIT_READY:+, forkd --wait-ready}${FORKD_APP:+, forkd serving $FORKD_APP}" | tee "$LOG"

mem() { # pid -> "RSS PSS" in MiB
  awk '/^VmRSS/ {r=$2} END {printf "%.1f ", r/1024}' "/proc/$1/status"
  awk '/^Pss:/ {p=$2} END {printf "%.1f", p/1024}' "/proc/$1/smaps_rollup"
}

wait_serving() { for _ in $(seq 200); do curl -fs "http://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }

reload_round() { # impl port -> prints "errors duration_ms"
  local impl=$1 port=$2 out
  wrk -t2 -c32 -d"${RELOAD_S}s" --timeout 10s "http://127.0.0.1:$port/" > "$work/wrk.txt" 2>&1 &
  local wrk_pid=$!
  sleep "$RELOAD_AT"
  local t0=$(date +%s%N)
  if [[ $impl == forkd ]]; then FORKD_HOME=$work/forkd "$forkd" reload hello >/dev/null
  else PM2_HOME=$work/pm2 "$PM2" reload hello >/dev/null 2>&1; fi
  local t1=$(date +%s%N)
  wait "$wrk_pid"
  cat "$work/wrk.txt" >> "$LOG"
  local sock non2xx
  sock=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
  echo "$(( ${sock:-0} + ${non2xx:-0} )) $(( (t1 - t0) / 1000000 ))"
}

ls_ms() { # impl -> median ms of 10 runs
  local cmd
  if [[ $1 == forkd ]]; then cmd="env FORKD_HOME=$work/forkd $forkd ls"; else cmd="env PM2_HOME=$work/pm2 $PM2 ls"; fi
  if command -v hyperfine >/dev/null; then
    hyperfine -N -w 2 -r 10 --export-json "$work/h.json" "$cmd" >/dev/null 2>&1
    node -e "const r=require('$work/h.json').results[0]; console.log(Math.round(r.median*1000))"
  else
    local times=()
    for i in $(seq 12); do local a=$(date +%s%N); $cmd >/dev/null 2>&1; times+=($(( ($(date +%s%N) - a) / 1000000 ))); done
    printf '%s\n' "${times[@]:2}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
  fi
}

declare -A results
for r in $(seq "$ROUNDS"); do
  for impl in forkd pm2; do
    port=$((PORT++))
    rm -rf "$work/forkd" "$work/pm2"
    if [[ $impl == forkd ]]; then
      if [[ ${FORKD_APP:-} == jetty ]]; then
        FORKD_HOME=$work/forkd "$forkd" start --name hello -i 2 --port "$port" --host 127.0.0.1 --handoff cluster -- \
          "${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:+UseSerialGC -Xshare:auto --enable-native-access=ALL-UNNAMED \
          --add-opens java.base/sun.nio.ch=ALL-UNNAMED -cp "$root/forkd-examples/target/forkd-examples.jar" \
          dev.forkd.examples.cluster.DemoWorker "$port" >/dev/null
      else
        FORKD_HOME=$work/forkd "$forkd" start --name hello -i 2 --port "$port" --host 127.0.0.1 ${WAIT_READY:+--wait-ready} -- node "$app" >/dev/null
      fi
    else
      PORT=$port PM2_HOME=$work/pm2 "$PM2" start "$app" --name hello -i 2 >/dev/null 2>&1
    fi
    wait_serving "$port"
    wrk -t2 -c32 -d2s "http://127.0.0.1:$port/" >/dev/null 2>&1 # warm-up
    read -r errors ms < <(reload_round "$impl" "$port")
    lsms=$(ls_ms "$impl")
    if [[ $impl == forkd ]]; then
      d=$(cat "$work/forkd/run/daemon.pid")
      s=$(FORKD_HOME=$work/forkd "$forkd" ls --json | node -e "process.stdin.on('data',b=>console.log(JSON.parse(b)[0].supervisor))")
      rss="daemon $(mem "$d") supervisor $(mem "$s")"
      FORKD_HOME=$work/forkd "$forkd" kill >/dev/null
    else
      rss="daemon $(mem "$(cat "$work/pm2/pm2.pid")")"
      PM2_HOME=$work/pm2 "$PM2" kill >/dev/null 2>&1
    fi
    line="round $r $impl: reload failed requests $errors, reload took ${ms} ms, ls ${lsms} ms, memory (RSS PSS MiB) $rss"
    echo "$line" | tee -a "$LOG"
    results[$impl,errors]+="$errors "; results[$impl,ms]+="$ms "; results[$impl,ls]+="$lsms "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] " (" a[1] "-" a[NR] ")"}'; }
echo "== medians (min-max) over $ROUNDS rounds" | tee -a "$LOG"
for impl in forkd pm2; do
  echo "$impl: reload failed requests $(echo "${results[$impl,errors]}" | median), reload ms $(echo "${results[$impl,ms]}" | median), ls ms $(echo "${results[$impl,ls]}" | median)" | tee -a "$LOG"
done
