# Sourced by the run-*.sh scripts (not run on its own): the set-up they share. Expects `here` (this folder).

# bench_jar: sets jar and java, and stops unless the bench jar is built and java is a JDK >= 25.
bench_jar() {
  jar="$here/target/forkd-bench.jar"
  java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  [[ -f "$jar" ]] || { echo "missing $jar: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
  "$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' \
    || { echo "need JDK >= 25: set JAVA_HOME (found: $("$java" -version 2>&1 | head -1))" >&2; exit 1; }
}

# need_commands cmd...: stops unless every command is on PATH.
need_commands() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null || { echo "$c not found on PATH" >&2; exit 1; }; done
}

# need_pm2: sets PM2 (unless given) to a PM2 installed with npm under target/pm2 on first use.
need_pm2() {
  if [[ -z "${PM2:-}" ]]; then
    PM2="$here/target/pm2/node_modules/.bin/pm2"
    [[ -x "$PM2" ]] || (mkdir -p "$here/target/pm2" && cd "$here/target/pm2" \
      && npm install --no-audit --no-fund pm2@7 >/dev/null)
  fi
}

# ipc_defaults: the message counts and sizes of the IPC scenarios (each overridable from the environment).
ipc_defaults() {
  SMALL_WARMUP="${SMALL_WARMUP:-2000000}" SMALL_COUNT="${SMALL_COUNT:-2000000}" SMALL_SIZE="${SMALL_SIZE:-16}"
  BIG_WARMUP="${BIG_WARMUP:-30}" BIG_COUNT="${BIG_COUNT:-100}" BIG_SIZE="${BIG_SIZE:-1048576}"
  RTT_WARMUP="${RTT_WARMUP:-50000}" RTT_COUNT="${RTT_COUNT:-50000}"
}

# ipc_args scenario: its arguments, the same for IpcBench and node/ipc.js.
ipc_args() {
  case "$1" in
    p2c-small) echo "p2c $SMALL_WARMUP $SMALL_COUNT $SMALL_SIZE" ;;
    c2p-small) echo "c2p $SMALL_WARMUP $SMALL_COUNT $SMALL_SIZE" ;;
    p2c-1mib) echo "p2c $BIG_WARMUP $BIG_COUNT $BIG_SIZE" ;;
    c2p-1mib) echo "c2p $BIG_WARMUP $BIG_COUNT $BIG_SIZE" ;;
    rtt) echo "rtt $RTT_WARMUP $RTT_COUNT" ;;
    *) echo "unknown scenario $1" >&2; exit 2 ;;
  esac
}
