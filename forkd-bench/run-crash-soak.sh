#!/usr/bin/env bash
# Crash-restarts: the forkd command vs PM2, side by side on this machine.
#
#   memory   node/crash.js (exits 1 after 50 ms) as 2 instances, restarted at once each time (forkd:
#            --restart-delay 0ms; PM2: its default, no delay), until RESTARTS restarts in all: RSS and PSS of the
#            manager's own processes (forkd: daemon + supervisor; PM2: its God daemon) before and after
#   serving  node/hello-activated.js as 1 instance in cluster mode (forkd: --port, the listener as fd 3; PM2:
#            -i 1, Node's cluster): ROUNDS times kill -9 of the instance, then a request every 10 ms until a new
#            process answers -> crash-to-serving-again ms (median, min, max), and how many requests were refused
#            or timed out meanwhile (forkd keeps the listener, so a request waits in its queue instead). forkd
#            runs with --restart-delay $SERVING_DELAY (default 0ms, as PM2 restarts at once); SERVING_DELAY=
#            (empty) measures forkd's default backoff, which doubles from 100 ms while crashes come < 30 s apart
#
# Builds nothing: run `./mvnw -B -q -DskipTests package` first. Needs node, npm (PM2 is installed into
# forkd-bench/target/pm2 on first use, or give PM2=path/to/pm2), curl.
# Environment: RESTARTS=1000 ROUNDS=10 PORT=3710 PARTS="memory serving" SERVING_DELAY=0ms
#   LOG=forkd-bench/target/crash-soak.log JAVA_HOME
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
forkd="$root/forkd-cli/target/forkd"
[[ -x "$forkd" ]] || { echo "missing $forkd: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
for c in node npm curl; do command -v "$c" >/dev/null || { echo "$c not found on PATH" >&2; exit 1; }; done
. "$here/lib.sh"
need_pm2
RESTARTS=${RESTARTS:-1000} ROUNDS=${ROUNDS:-10} PORT=${PORT:-3710} PARTS=${PARTS:-memory serving}
SERVING_DELAY=${SERVING_DELAY-0ms}
LOG=${LOG:-$here/target/crash-soak.log}
work=$(mktemp -d)
trap 'FORKD_HOME=$work/forkd "$forkd" kill >/dev/null 2>&1 || true; PM2_HOME=$work/pm2 "$PM2" kill >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export FORKD_HOME=$work/forkd PM2_HOME=$work/pm2
echo "crash soak: forkd vs PM2 $("$PM2" --version 2>/dev/null | tail -1), node $(node --version), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$LOG"

mem() { # pids... -> "RSS PSS" in MiB, summed
  local r=0 p=0 pid
  for pid in "$@"; do
    r=$(( r + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") ))
    p=$(( p + $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup") ))
  done
  awk -v r="$r" -v p="$p" 'BEGIN {printf "RSS %.1f MiB, PSS %.1f MiB", r/1024, p/1024}'
}
forkd_pids() { echo "$(cat "$FORKD_HOME/run/daemon.pid") $("$forkd" ls --json | python3 -c 'import json,sys; print(" ".join(str(a["supervisor"]) for a in json.load(sys.stdin) if a.get("supervisor")))')"; }
pm2_pids() { cat "$PM2_HOME/pm2.pid"; }
forkd_restarts() { "$forkd" ls --json | python3 -c 'import json,sys; print(sum(i["restarts"] for a in json.load(sys.stdin) for i in a["instances"]))'; }
pm2_restarts() { "$PM2" jlist 2>/dev/null | python3 -c 'import json,sys; print(sum(p["pm2_env"]["restart_time"] for p in json.load(sys.stdin)))'; }

# ---- memory after RESTARTS crash-restarts
if [[ $PARTS == *memory* ]]; then
"$forkd" start --name crash -i 2 --restart-delay 0ms --max-restarts 100000000 -- node "$here/node/crash.js" >/dev/null
"$PM2" start "$here/node/crash.js" --name crash -i 2 --max-restarts 100000000 >/dev/null 2>&1
sleep 3
echo "forkd at start ($(forkd_restarts) restarts): $(mem $(forkd_pids))" | tee -a "$LOG"
echo "PM2   at start ($(pm2_restarts) restarts): $(mem $(pm2_pids))" | tee -a "$LOG"
t0=$(date +%s)
while (( $(forkd_restarts) < RESTARTS || $(pm2_restarts) < RESTARTS )); do
  sleep 5
  (( $(date +%s) - t0 > 1800 )) && { echo "gave up after 30 min" | tee -a "$LOG"; break; }
done
echo "forkd after $(forkd_restarts) restarts ($(( $(date +%s) - t0 )) s): $(mem $(forkd_pids))" | tee -a "$LOG"
echo "PM2   after $(pm2_restarts) restarts: $(mem $(pm2_pids))" | tee -a "$LOG"
"$forkd" delete crash >/dev/null
"$PM2" delete crash >/dev/null 2>&1
fi
[[ $PARTS == *serving* ]] || exit 0

# ---- crash to serving again
"$forkd" start --name hello --port "$PORT" --host 127.0.0.1 ${SERVING_DELAY:+--restart-delay "$SERVING_DELAY"} -- node "$here/node/hello-activated.js" >/dev/null
PORT=$((PORT + 1)) "$PM2" start "$here/node/hello-activated.js" --name hello -i 1 >/dev/null 2>&1
serving_round() { # port -> "ms refused"
  local port=$1 old new refused=0 t0 t1
  old=$(curl -s --max-time 5 "http://127.0.0.1:$port/" | awk '{print $3}')
  t0=$(date +%s%N)
  kill -9 "$old"
  while :; do
    new=$(curl -s --max-time 10 "http://127.0.0.1:$port/" | awk '{print $3}') || true
    [[ -n $new && $new != "$old" ]] && break
    refused=$((refused + 1)); sleep 0.01
  done
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) $refused"
}
stats() { sort -n | awk '{a[NR]=$1} END {printf "median %d ms (min %d, max %d)", a[int((NR+1)/2)], a[1], a[NR]}'; }
sleep 2
: > "$work/forkd.txt"; : > "$work/pm2.txt"
for r in $(seq "$ROUNDS"); do
  serving_round "$PORT" >> "$work/forkd.txt"; sleep 1
  serving_round "$((PORT + 1))" >> "$work/pm2.txt"; sleep 1
done
for impl in forkd pm2; do
  note=""; [[ $impl == forkd ]] && note=" (${SERVING_DELAY:+--restart-delay $SERVING_DELAY}${SERVING_DELAY:-default backoff})"
  echo "$impl crash to serving$note: $(awk '{print $1}' "$work/$impl.txt" | stats), requests refused meanwhile: $(awk '{s+=$2} END {print s}' "$work/$impl.txt") in $ROUNDS crashes" | tee -a "$LOG"
done
