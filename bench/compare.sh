#!/usr/bin/env bash
# Benchmark: registry-gc against the reference GC (docker-registry garbage-collect, Distribution 2.8.2)
# on one storage written by the real registry, copied once per run so both start from the same files.
#
#   bench/compare.sh [REPOS] [IMAGES] [LAYERS] [TAGS] [ORPHANS]     (defaults: 1000 repositories of
#   10 images with 7 layers, 5 tags, 10 orphans: 100,000 blobs, half the manifests untagged)
#
# Needs docker-registry (apt-get install docker-registry), python3 and target/registry-gc.jar
# (mvn -B package -DskipTests). Set SPRING_DATASOURCE_URL to use a PostgreSQL server; otherwise the
# embedded one (its start, about 2 s, is then part of each run's time). Prints a table; changes nothing
# outside target/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
repos=${1:-1000} images=${2:-10} layers=${3:-7} tags=${4:-5} orphans=${5:-10}
work=$(pwd)/target/bench/$repos-$images-$layers-$tags-$orphans
port=5098
jar=$(pwd)/target/registry-gc.jar
[ -f "$jar" ] || { echo "build the jar first: mvn -B package -DskipTests" >&2; exit 2; }

config() { # storage root -> config file
  cat > "$work/$(basename "$1").yml" <<CONF
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $1}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$port}
CONF
  echo "$work/$(basename "$1").yml"
}

if [ ! -d "$work/pristine" ]; then
  rm -rf "$work" && mkdir -p "$work/pristine"
  docker-registry serve "$(config "$work/pristine")" > "$work/registry.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
  start=$(date +%s)
  python3 bench/make-registry.py "http://127.0.0.1:$port" "$repos" "$images" "$layers" "$tags" "$orphans"
  echo "filled in $(( $(date +%s) - start )) s" >&2
  kill $pid; wait $pid 2>/dev/null || true; trap - EXIT
fi
blobs() { find "$1/docker/registry/v2/blobs" -name data | wc -l; }
echo "storage: $(blobs "$work/pristine") blobs, $(du -sh "$work/pristine" | cut -f1)"

measure() { # name command... -> "name seconds max-rss-MiB"
  local name=$1; shift
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || {
    echo "$name failed (see $work/$name.err)" >&2; return 1; }
  read -r seconds rss < "$work/$name.time"
  printf '%-34s %8s s %8d MiB  %7d blobs left\n' "$name" "$seconds" $((rss / 1024)) "$(blobs "$work/$name")"
}
fresh() { rm -rf "$work/$1"; cp -a "$work/pristine" "$work/$1"; }

export REGISTRY_GC_HOME=$work/registry-gc-home
printf '%-34s %10s %12s  %s\n' run "wall time" "max RSS" "result"
fresh reference-orphans
measure reference-orphans docker-registry garbage-collect "$(config "$work/reference-orphans")"
fresh registry-gc-orphans
measure registry-gc-orphans java -jar "$jar" run --storage-root "$work/registry-gc-orphans" --min-age 0
fresh reference-untagged
measure reference-untagged docker-registry garbage-collect --delete-untagged "$(config "$work/reference-untagged")"
fresh registry-gc-untagged
measure registry-gc-untagged java -jar "$jar" run --storage-root "$work/registry-gc-untagged" --delete-untagged --min-age 0

same() { diff <(cd "$work/$1/docker/registry/v2/blobs" && find . -name data | sort) \
              <(cd "$work/$2/docker/registry/v2/blobs" && find . -name data | sort) > /dev/null && echo same || echo DIFFERENT; }
echo "blobs kept, orphans only:    $(same reference-orphans registry-gc-orphans)"
echo "blobs kept, delete untagged: $(same reference-untagged registry-gc-untagged)"
