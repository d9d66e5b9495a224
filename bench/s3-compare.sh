#!/usr/bin/env bash
# Benchmark on S3: registry-gc against the reference GC (docker-registry garbage-collect, Distribution 2.8.2, its own
# S3 driver) on one storage in a real S3 server (s3proxy, filesystem backend), copied afresh for every run, with a
# fixed delay before every request (a proxy in between) as a real S3 adds it: s3proxy on loopback answers in about a
# millisecond, S3 in tens.
#
#   bench/s3-compare.sh [--shape SHAPE] [BLOBS [DELAY_MS]]    default: many-small 10000 20
#
# ONLY=registry-gc skips the reference GC (at 100,000 blobs it runs for hours), ONLY=reference runs it alone; MODES="orphans" (or "untagged") runs one
# mode. S3_PORT, PROXY_PORT: the ports of s3proxy and the delaying proxy (5190, 5191). GC_OPTIONS: extra options for
# registry-gc (e.g. "--threads 32"). Needs docker-registry, python3, and mvn -B verify -DskipTests (or -DskipITs)
# done once: target/registry-gc.jar, target/s3proxy/s3proxy.jar, target/test-classes (the delaying proxy). Writes
# nothing outside target/bench. Prints a table: wall time, CPU time, max RSS, blobs left, S3 requests.
#
# WORKERS="1 2 4" instead runs registry-gc with remote workers: for each count, that many 'registry-gc worker'
# processes (WORKER_THREADS threads each, default 8) on one RabbitMQ (BROKER, default amqp://guest:guest@127.0.0.1:5672)
# and the database SPRING_DATASOURCE_URL (required: workers share it), and the manager 'run --broker'; the time, CPU
# and memory are the manager's, the blobs per second the storage's blobs over its wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
shape=many-small
if [ "${1:-}" = "--shape" ]; then shape=$2; shift 2; fi
size=${1:-10000} delay=${2:-20}
work=$(pwd)/target/bench/s3-$shape-$size
jar=$(pwd)/target/registry-gc.jar
s3jar=$(pwd)/target/s3proxy/s3proxy.jar
for f in "$jar" "$s3jar" target/test-classes/io/registrygc/e2e/support/FaultyHttpProxy.class; do
  [ -e "$f" ] || { echo "missing $f: run mvn -B verify -DskipITs first" >&2; exit 2; }
done
s3port=${S3_PORT:-5190} proxyport=${PROXY_PORT:-5191}
bucket=$work/s3/registry

if [ ! -d "$work/pristine" ]; then
  rm -rf "$work" && mkdir -p "$work/pristine"
  python3 bench/make-storage.py "$work/pristine" "$shape" "$size"
  # written two hours ago, as a registry's content mostly is: S3 keeps each object's time (LastModified)
  find "$work/pristine" -exec touch -h -d '2 hours ago' {} +
fi
blobs() { blob_set "$1" | wc -l; }
echo "storage: $(blobs "$work/pristine") blobs, $(find "$work/pristine" -type f | wc -l) objects; $delay ms before each request"

mkdir -p "$bucket"
cat > "$work/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$s3port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$work/s3
CONF
java -jar "$s3jar" --properties "$work/s3proxy.conf" > "$work/s3proxy.log" 2>&1 &
s3pid=$!
trap 'kill $s3pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$s3port) 2>/dev/null && break; sleep 0.2; done
proxy() { # start|stop name: a delaying proxy per measured run, which counts the requests it passes on
  if [ "$1" = start ]; then
    java -cp target/test-classes io.registrygc.e2e.support.FaultyHttpProxy $proxyport $s3port "$delay" > "$work/$2.proxy" 2>&1 &
    proxypid=$!
    for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$proxyport) 2>/dev/null && break; sleep 0.2; done
  else
    kill "$proxypid"; wait "$proxypid" 2>/dev/null || true
  fi
}

config() { # root directory in the bucket -> config file
  cat > "$work/$1.yml" <<CONF
version: 0.1
log: {level: error}
storage:
  s3:
    accesskey: bench
    secretkey: bench-secret
    region: us-east-1
    regionendpoint: http://127.0.0.1:$proxyport
    bucket: registry
    rootdirectory: /$1
    secure: false
    v4auth: true
  delete: {enabled: true}
  redirect: {disable: true}
http: {addr: 127.0.0.1:5192}
CONF
  echo "$work/$1.yml"
}
fresh() { rm -rf "${bucket:?}/$1"; cp -a "$work/pristine" "$bucket/$1"; }
same() { diff <(blob_set "$bucket/$1") <(blob_set "$bucket/$2") > /dev/null && echo same || echo DIFFERENT; }
measure() { # name command... -> "name wall cpu rss blobs-left requests (as the proxy counted them; registry-gc's own count)"
  local name=$1; shift
  proxy start "$name"
  timed "$name" "$@" || { proxy stop; return 1; }
  proxy stop
  report "$name"
}
timed() { # name command...: runs it under /usr/bin/time
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || {
    echo "$name failed (see $work/$name.err)" >&2; return 1; }
}
report() { # name: its line of the table
  local name=$1
  read -r seconds user system rss < "$work/$name.time"
  printf '%-26s %8s s %8s s %6d MiB %8d %9s   %s\n' "$name" "$seconds" "$(echo "$user + $system" | bc)" $((rss / 1024)) \
    "$(blobs "$bucket/$name")" "$(sed -n 's/^requests: //p' "$work/$name.proxy")" \
    "$(grep -o 'S3 requests: .*' "$work/$name.out" | sed 's/S3 requests: //' || true)"
}

export REGISTRY_GC_HOME=$work/registry-gc-home
# (a first run that wrote the class archive took 157 s and 651 MiB on S3 at 100,000 blobs instead of 125 s and 405 MiB)
prepare_registry_gc "$work" "${JAVA_OPTS:-}"
if [ -n "${WORKERS:-}" ]; then
  [ -n "${SPRING_DATASOURCE_URL:-}" ] || { echo "WORKERS needs SPRING_DATASOURCE_URL: the workers share the database" >&2; exit 2; }
  broker=${BROKER:-amqp://guest:guest@127.0.0.1:5672}
  printf '%-26s %10s %10s %10s %8s %9s %10s\n' run "wall time" "CPU time" "max RSS" "blobs left" requests "blobs/s"
  for mode in ${MODES:-orphans untagged}; do
    flag=(); [ "$mode" = untagged ] && flag=(--delete-untagged)
    for count in $WORKERS; do
      name="workers-$count-$mode"
      fresh "$name"
      cfg=$(config "$name")
      pids=()
      proxy start "$name" # the workers check the storage as they start
      for i in $(seq "$count"); do
        env REGISTRY_GC_JAR="$jar" bin/registry-gc worker --broker "$broker" --registry-config "$cfg" \
          --threads "${WORKER_THREADS:-8}" > "$work/$name.worker-$i.log" 2>&1 &
        pids+=($!)
      done
      for i in $(seq "$count"); do
        for _ in $(seq 150); do grep -q 'takes partitions from' "$work/$name.worker-$i.log" && break; sleep 0.2; done
      done
      timed "$name" env REGISTRY_GC_JAR="$jar" bin/registry-gc run --registry-config "$cfg" "${flag[@]}" --min-age 0 \
        --broker "$broker" "${gc_options[@]}" || true
      kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
      proxy stop
      report "$name" | awk -v blobs="$(blobs "$work/pristine")" '{ printf "%s %10.0f\n", $0, blobs / $2 }'
    done
  done
  exit 0
fi
read -r -a gc_options <<< "${GC_OPTIONS:-}"
printf '%-26s %10s %10s %10s %8s %9s   %s\n' run "wall time" "CPU time" "max RSS" "blobs left" requests "by kind (registry-gc's count)"
for mode in ${MODES:-orphans untagged}; do
  flag=(); [ "$mode" = untagged ] && flag=(--delete-untagged)
  if [ "${ONLY:-}" != registry-gc ]; then
    fresh "reference-$mode"
    measure "reference-$mode" env -u AWS_CA_BUNDLE docker-registry garbage-collect "${flag[@]}" "$(config "reference-$mode")"
  fi
  [ "${ONLY:-}" = reference ] && continue
  fresh "registry-gc-$mode"
  measure "registry-gc-$mode" env REGISTRY_GC_JAR="$jar" bin/registry-gc run --registry-config "$(config "registry-gc-$mode")" \
    "${flag[@]}" --min-age 0 "${gc_options[@]}"
  if [ -z "${ONLY:-}" ]; then echo "blobs kept, $mode: $(same "reference-$mode" "registry-gc-$mode")"; fi
done
