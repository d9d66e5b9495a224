# Helpers of the benchmark scripts, sourced by them from the repository's root.

# The blob digests a storage holds, as data files under blobs/, sorted (what both collectors must leave alike).
blob_set() { (cd "$1/docker/registry/v2/blobs" && find . -name data | sort); }

# A configuration of the reference GC for a storage on the filesystem: root, configuration file, port.
filesystem_config() {
  cat > "$2" <<CONF
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $1}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$3}
CONF
}

# bin/registry-gc's one-time preparation in $REGISTRY_GC_HOME (the extracted jar $jar, and the class archive its first
# run writes at exit, which takes that run longer and more memory), made before anything is measured: a dry run on the
# example storage, in the work folder $1, under the JVM options $2.
prepare_registry_gc() {
  rm -rf "$1/training" && cp -r examples/storage "$1/training"
  env JAVA_OPTS="$2" REGISTRY_GC_JAR="$jar" bin/registry-gc run --storage-root "$1/training" --dry-run --min-age 0 \
    > /dev/null 2>&1 || true
}

# What the figures depend on, printed before them: cores, memory, and the filesystem of the folder $1 with its mount
# options (mounted with `discard`, every file deleted waits for the disk to discard its blocks: deletions, the bulk of
# a sweep, are then bound by the disk, not the processors).
describe_machine() {
  local fs
  fs=$(findmnt -no FSTYPE,OPTIONS -T "$1" 2>/dev/null | tr -s ' ' || true)
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), ${fs:-filesystem unknown}"
}
