#!/usr/bin/env python3
"""Writes a registry storage straight in Distribution's on-disk layout, for benchmarks of any size.

Every file is what the registry itself writes: blob data under its sha256, revision, tag (current and
index) and _layers link files holding a digest. Manifests are valid Docker schema2 or OCI documents whose
digests match their bytes, so the reference GC reads them as it reads a pushed storage. No registry runs:
a million blobs take minutes instead of hours. Usage:

    make-storage.py ROOT SHAPE BLOBS

SHAPE (each about BLOBS blobs in all):
  many-small   2,000-ish nested repositories (org/team/app), 9 schema2 images each, the 6 oldest untagged
               (re-tagged away), 5 layers each shared with neighbouring repositories, a few orphans
  uniform      repositories of 10 images with 7 layers each, pushed under 5 tags so half end untagged,
               10 orphans per repository
  few-huge     5 repositories holding all the images (thousands of manifests each), 3 of 4 untagged, an
               orphan per 100 images
  multi-arch   OCI indexes of 4 platform manifests (children untagged, reached through their index), half
               of the indexes untagged, an orphan per 10 indexes
"""
import hashlib
import json
import os
import sys

SCHEMA2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

root = os.path.join(sys.argv[1], "docker", "registry", "v2")
shape = sys.argv[2]
target = int(sys.argv[3])
written = set()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def blob(data):
    """Stores content under its digest once; returns (digest, size)."""
    hexdigest = hashlib.sha256(data).hexdigest()
    if hexdigest not in written:
        write(os.path.join(root, "blobs", "sha256", hexdigest[:2], hexdigest, "data"), data)
        written.add(hexdigest)
    return "sha256:" + hexdigest, len(data)


def link(repository, *parts, digest):
    write(os.path.join(root, "repositories", repository, *parts, "link"), digest.encode())


def digest_folder(digest):
    return ["sha256", digest.split(":")[1]]


def layer(label):
    return blob(("layer " + label + " ").encode() * 8)


def image(repository, label, layer_labels, oci=False):
    """Config, layers and the manifest of one image; links them into the repository; returns its digest."""
    config, config_size = blob(json.dumps({"architecture": "amd64", "os": "linux", "label": label,
                                           "rootfs": {"type": "layers", "diff_ids": []}}).encode())
    layers = [layer(l) for l in layer_labels]
    for digest, _ in [(config, config_size)] + layers:
        link(repository, "_layers", *digest_folder(digest), digest=digest)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST if oci else SCHEMA2,
                "config": {"mediaType": OCI_CONFIG if oci else DOCKER_CONFIG, "size": config_size, "digest": config},
                "layers": [{"mediaType": OCI_LAYER if oci else DOCKER_LAYER, "size": s, "digest": d} for d, s in layers]}
    return revision(repository, manifest)


def revision(repository, document):
    digest, size = blob(json.dumps(document, indent=3).encode())
    link(repository, "_manifests", "revisions", *digest_folder(digest), digest=digest)
    return digest, size


def tag(repository, name, digest, history=()):
    """Points a tag at a digest; its index lists every digest it ever pointed at."""
    for old in list(history) + [digest]:
        link(repository, "_manifests", "tags", name, "index", *digest_folder(old), digest=old)
    link(repository, "_manifests", "tags", name, "current", digest=digest)


def orphan(repository, label):
    digest, _ = blob(("abandoned upload " + label).encode() * 4)
    link(repository, "_layers", *digest_folder(digest), digest=digest)


def many_small():
    repositories = max(1, target // 45)  # 9 manifests + 9 configs + 27 own layers per repository
    for r in range(repositories):
        name = f"org{r % 50}/team{r}/app"
        digests = [image(name, f"{r}/{m}", [f"{(r * 27 + m * 3 + l) % (repositories * 32)}" for l in range(5)])[0]
                   for m in range(9)]
        for m in range(6, 9):
            tag(name, f"v{m}", digests[m], history=digests[m - 6:m - 5])  # re-tagged: the older one went untagged
        if r % 100 == 0:
            orphan(name, f"{r}")


def uniform():
    repositories = max(1, target // 100)  # 10 images x (manifest + config + 7 layers) + 10 orphans
    for r in range(repositories):
        name = f"project{r % 20}/service{r}"
        digests = [image(name, f"{r}/{i}", [f"{r}/{i}/{l}" for l in range(7)])[0] for i in range(10)]
        for t in range(5):
            tag(name, f"t{t}", digests[5 + t], history=[digests[t]])
        for o in range(10):
            orphan(name, f"{r}/{o}")


def few_huge():
    per_repository = max(1, target // 5 // 6)  # each image: manifest + config + 4 layers
    for r in range(5):
        name = f"huge/repository{r}"
        for i in range(per_repository):
            digest = image(name, f"{r}/{i}", [f"{r}/{i}/{l}" for l in range(3)] + [f"base{r}"])[0]
            if i % 4 == 3:
                tag(name, f"build-{i}", digest)
            if i % 100 == 0:
                orphan(name, f"{r}/{i}")


def multi_arch():
    indexes = max(1, target // 14)  # 4 platforms x (manifest + config + 2 layers) + the index - shared base
    platforms = ["amd64", "arm64", "ppc64le", "s390x"]
    for x in range(indexes):
        name = f"multi/app{x // 20}"
        children = []
        for p in platforms:
            digest, size = image(name, f"{x}/{p}", [f"{x}/{p}/0", f"base-{p}"], oci=True)
            children.append({"mediaType": OCI_MANIFEST, "size": size, "digest": digest,
                             "platform": {"architecture": p, "os": "linux"}})
        digest, _ = revision(name, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children})
        if x % 2 == 0:
            tag(name, f"v{x}", digest)
        if x % 10 == 0:
            orphan(name, f"{x}")


{"many-small": many_small, "uniform": uniform, "few-huge": few_huge, "multi-arch": multi_arch}[shape]()
print(f"{shape}: {len(written)} blobs in {sys.argv[1]}", file=sys.stderr)
