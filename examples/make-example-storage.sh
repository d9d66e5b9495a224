#!/usr/bin/env bash
# Regenerates examples/storage with the real registry (Debian's docker-registry, Distribution 2.8.2):
# a re-tagged image (the old one becomes untagged), a tagged OCI index with untagged children,
# layers shared across repositories, a manifest deleted through the API and an orphan upload.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/storage"
work=$(mktemp -d)
port=5099
rm -rf "$out"
mkdir -p "$out"
cat > "$work/config.yml" <<CONF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $out}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$port}
CONF
docker-registry serve "$work/config.yml" > "$work/registry.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
api="http://127.0.0.1:$port/v2"

blob() { # repo file -> digest
  local d="sha256:$(sha256sum "$2" | cut -d' ' -f1)"
  local loc; loc=$(curl -sf -X POST -D - -o /dev/null "$api/$1/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
  case "$loc" in http*) ;; *) loc="http://127.0.0.1:$port$loc";; esac
  case "$loc" in *\?*) sep='&';; *) sep='?';; esac
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$2" "$loc${sep}digest=$d" -o /dev/null
  echo "$d"
}
manifest() { # repo ref(empty: by digest) mediatype file -> digest
  local d="sha256:$(sha256sum "$4" | cut -d' ' -f1)"
  curl -sf -X PUT -H "Content-Type: $3" --data-binary "@$4" "$api/$1/manifests/${2:-$d}" -o /dev/null
  echo "$d"
}
layer() { head -c "$1" /dev/urandom > "$work/$2"; echo "$work/$2"; }
config() { printf '{"architecture":"%s","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Labels":{"n":"%s"}}}' "$1" "$2" > "$work/$2.json"; echo "$work/$2.json"; }
image() { # repo ref mediatype arch name layerfiles... -> manifest digest
  local repo=$1 ref=$2 mt=$3 arch=$4 name=$5; shift 5
  local cfg; cfg=$(config "$arch" "$name"); local cd; cd=$(blob "$repo" "$cfg")
  local layers="" ld lmt
  if [ "$mt" = application/vnd.oci.image.manifest.v1+json ]; then lmt=application/vnd.oci.image.layer.v1.tar+gzip; cmt=application/vnd.oci.image.config.v1+json
  else lmt=application/vnd.docker.image.rootfs.diff.tar.gzip; cmt=application/vnd.docker.container.image.v1+json; fi
  for f in "$@"; do ld=$(blob "$repo" "$f"); layers="$layers${layers:+,}{\"mediaType\":\"$lmt\",\"digest\":\"$ld\",\"size\":$(stat -c %s "$f")}"; done
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%s},"layers":[%s]}' \
    "$mt" "$cmt" "$cd" "$(stat -c %s "$cfg")" "$layers" > "$work/$name.manifest"
  manifest "$repo" "$ref" "$mt" "$work/$name.manifest"
}
D=application/vnd.docker.distribution.manifest.v2+json
O=application/vnd.oci.image.manifest.v1+json
base=$(layer 3000 base); old=$(layer 2000 old); new=$(layer 2100 new)
image library/app latest $D amd64 app-v1 "$base" "$old" >/dev/null
image library/app latest $D amd64 app-v2 "$base" "$new" >/dev/null
a=$(image multi/arch "" $O amd64 arch-amd64 "$(layer 1500 amd)")
b=$(image multi/arch "" $O arm64 arch-arm64 "$(layer 1600 arm)")
sa=$(stat -c %s "$work/arch-amd64.manifest"); sb=$(stat -c %s "$work/arch-arm64.manifest")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux"}}]}' \
  $O "$a" "$sa" $O "$b" "$sb" > "$work/index.json"
manifest multi/arch 1.0 application/vnd.oci.image.index.v1+json "$work/index.json" >/dev/null
image team/project/service 1 $O amd64 service "$base" "$(layer 1700 svc)" >/dev/null
gone=$(image deleted/api gone $D amd64 gone "$(layer 1800 gone)")
curl -sf -X DELETE "$api/deleted/api/manifests/$gone" -o /dev/null
blob uploads/orphan "$(layer 4096 orphan)" >/dev/null
echo "example storage written to $out"
