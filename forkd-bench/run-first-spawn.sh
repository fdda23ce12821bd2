#!/usr/bin/env bash
# The first spawn of a fresh JVM: FirstSpawn's first execFileSync("echo", "hi") with forkd against the same
# with ProcessBuilder, each in a fresh JVM, interleaved; with and without a JDK AOT cache (trained by one
# run of the same program), and the whole program's life (JVM start to exit, which forkd's loop thread once
# made 0.3 s longer). Prints every variant's median and range and forkd's ratios to ProcessBuilder. The ffm
# variant spawns nothing: it is the floor any FFM code pays for its first native call (the linker, one
# downcall handle of forkd's shape, one call), which forkd's first spawn cannot go below.
# Builds nothing: run `./mvnw -B -q -DskipTests package` first.
#
# Environment (all optional): ROUNDS=10  LOG=forkd-bench/target/first-spawn.log  JAVA_HOME (JDK >= 25)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"
bench_jar
ROUNDS="${ROUNDS:-10}"
LOG="${LOG:-$here/target/first-spawn.log}"
work="$here/target/first-spawn"
mkdir -p "$work"
run=("$java" --enable-native-access=ALL-UNNAMED -cp "$jar")

for impl in forkd pb ffm; do # one training run each, its own cache
  rm -f "$work/$impl.aot"
  "${run[@]}" -XX:AOTCacheOutput="$work/$impl.aot" -Xlog:aot=error dev.forkd.bench.FirstSpawn "$impl" >/dev/null 2>&1
done

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -sr), $(nproc) cores, $("$java" -version 2>&1 | head -1), ROUNDS=$ROUNDS"
  for ((r = 1; r <= ROUNDS; r++)); do
    echo "ROUND $r"
    for variant in forkd pb ffm forkd-aot pb-aot ffm-aot; do
      impl="${variant%-aot}" flags=()
      [[ "$variant" == *-aot ]] && flags=(-XX:AOTCache="$work/$impl.aot")
      t0=$(date +%s%N)
      out=$("${run[@]}" ${flags[@]+"${flags[@]}"} dev.forkd.bench.FirstSpawn "$impl")
      t1=$(date +%s%N)
      echo "$out" | awk -v v="$variant" '$4 == "first" {print "RESULT first-spawn " v " first " $5 " ms"}'
      echo "RESULT first-spawn $variant process $(( (t1 - t0) / 1000 )) us"
    done
  done
} | tee "$LOG" | grep -v '^RESULT' || true

awk '/^RESULT/ {k = $3 " " $4; v[k] = v[k] " " $5}
     END {for (k in v) print k, v[k]}' "$LOG" | sort | while read -r variant metric values; do
  sorted=$(tr ' ' '\n' <<<"$values" | grep . | sort -g)
  n=$(wc -l <<<"$sorted")
  median=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$sorted")
  printf '%-10s %-8s median %10s  (min %s, max %s, n %d)\n' "$variant" "$metric" "$median" "$(head -1 <<<"$sorted")" "$(tail -1 <<<"$sorted")" "$n"
done | tee "$work/summary.txt"
med() { awk -v v="$1" -v m="$2" '$1 == v && $2 == m {print $4}' "$work/summary.txt"; }
ratio() { awk -v a="$(med "$1" "$3")" -v b="$(med "$2" "$3")" 'BEGIN {print a / b}'; } # variant base metric
for m in first process; do
  for s in "" -aot; do
    for base in pb ffm; do
      printf 'forkd%s / %s%s, %s: %.2fx\n' "$s" "$base" "$s" "$m" "$(ratio "forkd$s" "$base$s" "$m")"
    done
  done
done
printf 'ffm / pb, first: %.2fx (the floor as a multiple of ProcessBuilder)\n' "$(ratio ffm pb first)"
printf 'ffm-aot / pb-aot, first: %.2fx\n' "$(ratio ffm-aot pb-aot first)"
