#!/usr/bin/env bash
# Growth benchmark: how the reference GC (docker-registry garbage-collect, Distribution 2.8.2) and registry-gc grow
# from one size to the next on one shape, each on storage freshly written by bench/make-storage.py (which writes the
# same files every time). No copies: at a million blobs two copies of 19 GiB rarely fit, and a copy is laid out on
# disk differently from what was written, which moves both collectors' times (see the README).
#
#   bench/scale.sh [--shape SHAPE] SIZE...      e.g. bench/scale.sh 100000 1000000 (default shape: many-small)
#
# For each size and each collector: the storage is written afresh, then collected twice in place with the page cache
# dropped before each run: orphans only, then --delete-untagged. Both collectors must leave the same blobs (but
# multi-arch, where the reference GC deletes the children of tagged indexes). registry-gc runs through bin/registry-gc
# with --registry-offline (the conditions the reference GC itself requires) under JAVA_OPTIONS (default -Xmx256m:
# memory must not grow with the registry), extra options in GC_OPTIONS. ONLY=registry-gc skips the reference GC.
# Needs docker-registry, python3 and target/registry-gc.jar (mvn -B package -DskipTests); root, to drop the page
# cache. Writes nothing outside target/bench. Prints wall time, CPU time, peak RSS and registry-gc's planning share.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
shape=many-small
if [ "${1:-}" = "--shape" ]; then shape=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: bench/scale.sh [--shape SHAPE] SIZE..." >&2; exit 2; }
jar=$(pwd)/target/registry-gc.jar
[ -f "$jar" ] || { echo "build the jar first: mvn -B package -DskipTests" >&2; exit 2; }
java_options=${JAVA_OPTIONS--Xmx256m}
read -r -a gc_options <<< "${GC_OPTIONS:-}"
collectors="reference registry-gc"; [ "${ONLY:-}" = registry-gc ] && collectors=registry-gc
declare -A wall

collect() { # collector mode storage work -> one line of the table
  local collector=$1 mode=$2 storage=$3 work=$4 flag=() name="$1-$2"
  [ "$mode" = untagged ] && flag=(--delete-untagged)
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(cannot drop the page cache)" >&2
  if [ "$collector" = reference ]; then
    filesystem_config "$storage" "$work/reference.yml" 5099
    /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" docker-registry garbage-collect "${flag[@]}" \
      "$work/reference.yml" > "$work/$name.out" 2> "$work/$name.err" || { echo "$name failed (see $work/$name.err)" >&2; return 1; }
  else
    /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" env JAVA_OPTS="$java_options" REGISTRY_GC_JAR="$jar" \
      bin/registry-gc run --storage-root "$storage" "${flag[@]}" --min-age 0 \
      --registry-offline "${gc_options[@]}" > "$work/$name.out" 2> "$work/$name.err" || {
        echo "$name failed (see $work/$name.err)" >&2; return 1; }
  fi
  local seconds user system rss planning=""
  read -r seconds user system rss < "$work/$name.time"
  wall[$name-$size]=$seconds
  if [ "$collector" = registry-gc ]; then
    local ms; ms=$(grep -o 'planned run [0-9]* in [0-9]* ms' "$work/$name.err" | awk '{print $5}' || true)
    if [ -n "$ms" ]; then planning=$(echo "$ms $seconds" | awk '{printf "%.2f s (%.1f %%)", $1 / 1000, $1 / 10 / $2}'); fi
  fi
  printf '%-10s %-12s %-9s %8s s %8s s %6d MiB %8d   %s\n' "$size" "$collector" "$mode" "$seconds" \
    "$(echo "$user + $system" | bc)" $((rss / 1024)) "$(blob_set "$storage" | wc -l)" "$planning"
}

mkdir -p target/bench && describe_machine target/bench
printf '%-10s %-12s %-9s %10s %10s %10s %8s   %s\n' blobs collector run "wall time" "CPU time" "max RSS" "left" planning
for size in "$@"; do
  work=$(pwd)/target/bench/scale-$shape-$size
  mkdir -p "$work"
  export REGISTRY_GC_HOME=$work/registry-gc-home
  for collector in $collectors; do
    rm -rf "$work/storage"
    python3 bench/make-storage.py "$work/storage" "$shape" "$size" > "$work/make-storage.log" 2>&1
    if [ "$collector" = registry-gc ]; then
      prepare_registry_gc "$work" "$java_options"
    fi
    for mode in orphans untagged; do
      collect "$collector" "$mode" "$work/storage" "$work"
    done
    blob_set "$work/storage" > "$work/$collector-left.txt"
  done
  rm -rf "$work/storage"
  if [ "$collectors" != registry-gc ]; then
    if cmp -s "$work/reference-left.txt" "$work/registry-gc-left.txt"; then echo "blobs kept at $size: same"
    else
      echo "blobs kept at $size: DIFFERENT$([ "$shape" = multi-arch ] && echo ' (expected: the reference GC deletes the children of tagged indexes)')"
      # the evidence, in the log: the work folder is often cleared before anyone looks
      diff "$work/reference-left.txt" "$work/registry-gc-left.txt" | head -10 || true
    fi
  fi
done
if [ $# -gt 1 ]; then
  first=$1 last=${*: -1}
  for collector in $collectors; do
    for mode in orphans untagged; do
      echo "$collector $mode: ${wall[$collector-$mode-$first]} s at $first, ${wall[$collector-$mode-$last]} s at $last:" \
        "$(echo "${wall[$collector-$mode-$last]} ${wall[$collector-$mode-$first]}" | awk '{printf "%.1f", $1 / $2}') times"
    done
  done
fi
