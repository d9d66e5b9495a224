#!/usr/bin/env bash
# Benchmark: registry-gc against the reference GC (docker-registry garbage-collect, Distribution 2.8.2) on one
# storage, copied afresh for every run so that both start from the same files.
#
#   bench/compare.sh --shape SHAPE BLOBS     storage written in the on-disk layout by bench/make-storage.py
#                                            (shapes: many-small, uniform, few-huge, multi-arch; see there)
#   bench/compare.sh [REPOS [IMAGES [LAYERS [TAGS [ORPHANS]]]]]
#                                            storage pushed through the real registry's API (slow: about
#                                            30 minutes for the default 1,000 x 10 x 7, i.e. 100,000 blobs)
#
# CACHE=cold (default: the page cache is dropped before each run), warm (the copy just written is in the
# cache, and written back to the disk before the run: a copy's gigabytes of writeback otherwise slow whichever
# collector runs next, by as much as 2 s of a 4 s run), or both. MODES: the runs to make (default: "orphans
# untagged"). Extra options for registry-gc in GC_OPTIONS (e.g. "--threads 16"; "--registry-offline" for the
# conditions the reference GC itself requires, a registry stopped or read-only), for its JVM in
# JAVA_OPTIONS (e.g. -Xmx256m); it runs through bin/registry-gc. Needs docker-registry (apt-get install docker-registry), python3 and
# target/registry-gc.jar (mvn -B package -DskipTests). SPRING_DATASOURCE_URL selects a PostgreSQL server;
# otherwise the embedded one (its start is then part of each run's time). Prints a table; writes nothing
# outside target/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
if [ "${1:-}" = "--shape" ]; then
  shape=$2 size=$3
  work=$(pwd)/target/bench/$shape-$size
else
  shape="" repos=${1:-1000} images=${2:-10} layers=${3:-7} tags=${4:-5} orphans=${5:-10}
  work=$(pwd)/target/bench/$repos-$images-$layers-$tags-$orphans
fi
port=5098
jar=$(pwd)/target/registry-gc.jar
[ -f "$jar" ] || { echo "build the jar first: mvn -B package -DskipTests" >&2; exit 2; }

config() { # storage root -> config file
  filesystem_config "$1" "$work/$(basename "$1").yml" "$port"
  echo "$work/$(basename "$1").yml"
}

if [ ! -d "$work/pristine" ]; then
  rm -rf "$work" && mkdir -p "$work/pristine"
  start=$(date +%s)
  if [ -n "$shape" ]; then
    python3 bench/make-storage.py "$work/pristine" "$shape" "$size"
  else
    docker-registry serve "$(config "$work/pristine")" > "$work/registry.log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null || true' EXIT
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
    python3 bench/make-registry.py "http://127.0.0.1:$port" "$repos" "$images" "$layers" "$tags" "$orphans"
    kill $pid; wait $pid 2>/dev/null || true; trap - EXIT
  fi
  echo "filled in $(( $(date +%s) - start )) s" >&2
fi
blobs() { blob_set "$1" | wc -l; }
echo "storage: $(blobs "$work/pristine") blobs, $(find "$work/pristine" -type f | wc -l) files, $(du -sh "$work/pristine" | cut -f1)"
describe_machine "$work"

measure() { # cache name command... -> "name cache wall cpu rss blobs-left"
  local cache=$1 name=$2; shift 2
  sync
  if [ "$cache" = cold ]; then echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(cannot drop the page cache)" >&2; fi
  /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || {
    echo "$name failed (see $work/$name.err)" >&2; return 1; }
  read -r seconds user system rss < "$work/$name.time"
  printf '%-34s %-5s %8s s %8s s %6d MiB %8d\n' "$name" "$cache" "$seconds" "$(echo "$user + $system" | bc)" \
    $((rss / 1024)) "$(blobs "$work/${name%-*}")"
}
fresh() { rm -rf "$work/$1"; cp -a "$work/pristine" "$work/$1"; }
same() { diff <(blob_set "$work/$1") <(blob_set "$work/$2") > /dev/null && echo same || echo DIFFERENT; }

export REGISTRY_GC_HOME=$work/registry-gc-home
read -r -a gc_options <<< "${GC_OPTIONS:-}"
# registry-gc runs through bin/registry-gc, as the README recommends; its one-time preparation (the extracted jar and
# the class archive of a first run) is made by a dry run on the example storage before anything is measured
prepare_registry_gc "$work" "${JAVA_OPTIONS:-}"
caches=${CACHE:-cold}; [ "$caches" = both ] && caches="cold warm"
printf '%-34s %-5s %10s %10s %10s %8s\n' run cache "wall time" "CPU time" "max RSS" "blobs left"
for cache in $caches; do
  for mode in ${MODES:-orphans untagged}; do
    flag=(); [ "$mode" = untagged ] && flag=(--delete-untagged)
    fresh "reference-$mode"
    measure "$cache" "reference-$mode-$cache" docker-registry garbage-collect "${flag[@]}" "$(config "$work/reference-$mode")"
    fresh "registry-gc-$mode"
    measure "$cache" "registry-gc-$mode-$cache" env JAVA_OPTS="${JAVA_OPTIONS:-}" REGISTRY_GC_JAR="$jar" bin/registry-gc run \
      --storage-root "$work/registry-gc-$mode" "${flag[@]}" --min-age 0 "${gc_options[@]}"
    if [ "$mode" = orphans ]; then
      echo "blobs kept, $cache, orphans only:    $(same reference-orphans registry-gc-orphans)"
    else
      echo "blobs kept, $cache, delete untagged: $(same reference-untagged registry-gc-untagged)$(
        [ "$shape" = multi-arch ] && echo ' (expected: the reference GC deletes the children of tagged indexes)')"
    fi
  done
done
