#!/usr/bin/env python3
"""Fills a registry storage through the real registry's HTTP API, for benchmarks.

Every repository gets IMAGES single-arch Docker images (config + LAYERS layers, all unique) pushed
under TAGS tags in turn, so the earlier ones become untagged, and ORPHANS blobs that no manifest
references (abandoned pushes). Usage: make-registry.py BASE_URL REPOS [IMAGES LAYERS TAGS ORPHANS]
"""
import hashlib
import http.client
import json
import os
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

base = urllib.parse.urlparse(sys.argv[1])
repos = int(sys.argv[2])
images, layers, tags, orphans = (int(v) for v in (sys.argv[3:7] + ["20", "8", "10", "10"][len(sys.argv[3:7]):]))
local = threading.local()


def connection():
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
    return local.conn


def request(method, path, body=None, headers=None, expect=(200, 201, 202)):
    conn = connection()
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.read()
    if response.status not in expect:
        raise RuntimeError(f"{method} {path}: {response.status}")
    return response


def push_blob(repo, content):
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    location = request("POST", f"/v2/{repo}/blobs/uploads/").getheader("Location")
    target = urllib.parse.urlparse(location)
    path = target.path + "?" + (target.query + "&" if target.query else "") + "digest=" + digest
    request("PUT", path, content, {"Content-Type": "application/octet-stream"})
    return {"mediaType": DOCKER_LAYER, "digest": digest, "size": len(content)}


def fill(index):
    repo = f"team{index % 20:02d}/service{index:05d}"
    for image in range(images):
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                             "config": {"Labels": {"repo": repo, "image": str(image)}}}).encode()
        config_descriptor = dict(push_blob(repo, config), mediaType=DOCKER_CONFIG)
        layer_descriptors = [push_blob(repo, os.urandom(256)) for _ in range(layers)]
        manifest = json.dumps({"schemaVersion": 2, "mediaType": DOCKER_MANIFEST, "config": config_descriptor,
                               "layers": layer_descriptors}).encode()
        request("PUT", f"/v2/{repo}/manifests/v{image % tags}", manifest, {"Content-Type": DOCKER_MANIFEST})
    for _ in range(orphans):
        push_blob(repo, os.urandom(256))


with ThreadPoolExecutor(max_workers=8) as pool:
    for done, _ in enumerate(pool.map(fill, range(repos)), 1):
        if done % 50 == 0:
            print(f"{done}/{repos} repositories", file=sys.stderr, flush=True)
total = repos * (images * (layers + 2) + orphans)  # config, layers and the manifest itself
print(f"{repos} repositories, {repos * images} manifests ({repos * min(images, tags)} tagged), {total} blobs")
