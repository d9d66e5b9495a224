package io.registrygc.manifest;

import io.registrygc.storage.Digest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.registrygc.manifest.ReferenceKind.CHILD;
import static io.registrygc.manifest.ReferenceKind.CONFIG;
import static io.registrygc.manifest.ReferenceKind.FOREIGN_LAYER;
import static io.registrygc.manifest.ReferenceKind.LAYER;
import static io.registrygc.manifest.ReferenceKind.SUBJECT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestParserTest {

    private final ManifestParser parser = new ManifestParser();

    // digests used across the fixtures
    static final String CFG = "sha256:e67d23e7820c49a8051dac2831f38290f5e72f66c8db5079eeb60d82f14894c0";
    static final String L1 = "sha256:2804bad6fe94a55f18b2b37e300919a5fd517b95aa81e95db574c0ba069a3740";
    static final String L2 = "sha256:8a1cee436cbac1489a1883c9d886fcfc46f302c55ed4106ae31729e4f4eb9041";
    static final String L3 = "sha256:10dacdccfe877dc064d57442e6fa7a4e3085dc94e11a29819c2290fc3d788724";
    static final String AMD64 = "sha256:240389f4b730bad41f218a56c250ee7d82f42297ce7b9d0b6eb4f1cb3282c480";
    static final String ARM64 = "sha256:ddf7ff5ebd9d66ce161466c1c0262430fa04de32b0e420ee3f489e2e2112e386";
    static final String ATTESTATION = "sha256:f745a15153c4dacf0ea4bbf57265e73283941f8335939b33c693975315cf5916";
    static final String INDEX = "sha256:c66a8eb7e6a7e395bf000e8884c7de131a5cf32a9f42de44a1b9ceaf47c8900e";
    static final String SBOM = "sha256:98f3ae1ef67113d8140d4f6cb8d2830070e21ea48f091be519659846c771a374";
    static final String EMPTY = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    static final String WIN_BASE = "sha256:a1899f6f3e1322a29cffa0649267acbf9cfdb245ca150a92c29f3e0df792a89a";
    static final String WIN_UPDATE = "sha256:9e45e72eec51a9d2ec1324d26a71a43fcb583c25ee8faf15168c8bcb37874ec1";
    static final String WIN_APP = "sha256:5a0c2d4bf848e19e0ddad7d496dfbb9fe890596bceb672b62874b70e5539a3ee";
    static final String WIN_CFG = "sha256:33634beb9f46b8028d5ff627b565b0f87a36a0dcd0f03f95706432ef373643d9";
    static final String EMPTY_TAR = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
    static final String S1_A = "sha256:eb15425aadb738df883762effef19fe3c7e5e5a014d5f70d64a1c79426ba4cb9";
    static final String S1_B = "sha256:ab22d638646cd95f42f985451e33d6a787d58d418b32ebf9aafdf3cccddd1cf4";
    static final String NESTED = "sha256:233562de1a0288b139c4fa40b7d189f806e906eeb048517aeb67f34ac0e2faf1";
    static final String ART1 = "sha256:2fdceec5cd7cf785f9caedb75f09d901ed20eabb93dab14eac23ac579214372c";
    static final String ART2 = "sha256:557ae2017297d4d9ef0270931c61ff658c418365aa8ef844b7d07ad3dcc93ac9";
    static final String SHA512_A = "sha512:1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75";
    static final String SHA512_B = "sha512:5267768822ee624d48fce15ec5ca79cbd602cb7f4c2157a516556991f22ef8c7b5ef7b18d1ff41c59370efb0858651d44a936c11b7b144c48fe04df3c6a3e8da";
    static final String SHA512_C = "sha512:acc28db2beb7b42baa1cb0243d401ccb4e3fce44d7b02879a52799aadff541522d8822598b2fa664f9d5156c00c924805d75c3868bd56c2acb81d37e98e35adc";

    static final String DOCKER_SCHEMA2 = """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": {
                  "mediaType": "application/vnd.docker.container.image.v1+json",
                  "size": 7023,
                  "digest": "sha256:e67d23e7820c49a8051dac2831f38290f5e72f66c8db5079eeb60d82f14894c0"
               },
               "layers": [
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 32654,
                     "digest": "sha256:2804bad6fe94a55f18b2b37e300919a5fd517b95aa81e95db574c0ba069a3740"
                  },
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 16724,
                     "digest": "sha256:8a1cee436cbac1489a1883c9d886fcfc46f302c55ed4106ae31729e4f4eb9041"
                  },
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 73109,
                     "digest": "sha256:10dacdccfe877dc064d57442e6fa7a4e3085dc94e11a29819c2290fc3d788724"
                  }
               ]
            }""";

    static final String OCI_INDEX_WITH_ATTESTATION = """
            {
              "schemaVersion": 2,
              "mediaType": "application/vnd.oci.image.index.v1+json",
              "manifests": [
                {
                  "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "digest": "sha256:240389f4b730bad41f218a56c250ee7d82f42297ce7b9d0b6eb4f1cb3282c480",
                  "size": 1035,
                  "platform": {
                    "architecture": "amd64",
                    "os": "linux"
                  }
                },
                {
                  "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "digest": "sha256:ddf7ff5ebd9d66ce161466c1c0262430fa04de32b0e420ee3f489e2e2112e386",
                  "size": 1035,
                  "platform": {
                    "architecture": "arm64",
                    "os": "linux",
                    "variant": "v8"
                  }
                },
                {
                  "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "digest": "sha256:f745a15153c4dacf0ea4bbf57265e73283941f8335939b33c693975315cf5916",
                  "size": 566,
                  "annotations": {
                    "vnd.docker.reference.digest": "sha256:240389f4b730bad41f218a56c250ee7d82f42297ce7b9d0b6eb4f1cb3282c480",
                    "vnd.docker.reference.type": "attestation-manifest"
                  },
                  "platform": {
                    "architecture": "unknown",
                    "os": "unknown"
                  }
                }
              ],
              "annotations": {
                "org.opencontainers.image.created": "2024-05-02T11:09:30Z"
              }
            }""";

    static final String SCHEMA1_SIGNED = """
            {
               "schemaVersion": 1,
               "name": "library/hello-world",
               "tag": "latest",
               "architecture": "amd64",
               "fsLayers": [
                  {
                     "blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
                  },
                  {
                     "blobSum": "sha256:eb15425aadb738df883762effef19fe3c7e5e5a014d5f70d64a1c79426ba4cb9"
                  },
                  {
                     "blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
                  },
                  {
                     "blobSum": "sha256:ab22d638646cd95f42f985451e33d6a787d58d418b32ebf9aafdf3cccddd1cf4"
                  },
                  {
                     "blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
                  }
               ],
               "history": [
                  {
                     "v1Compatibility": "{\\"architecture\\":\\"amd64\\",\\"config\\":{\\"Cmd\\":[\\"/hello\\"]},\\"id\\":\\"1815c82652c03bfd8644afda26fb184f2ed891d921b20a0703b46768f9755c57\\",\\"parent\\":\\"5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6\\"}"
                  },
                  {
                     "v1Compatibility": "{\\"id\\":\\"5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6\\",\\"container_config\\":{\\"Cmd\\":[\\"/bin/sh -c #(nop) COPY file:1ad52e3eaf4327c8 in /\\"]}}"
                  },
                  {
                     "v1Compatibility": "{\\"id\\":\\"e4b0b1ef2b5ea21ab1d1e8a8f1c8eb79ef4a1bf63c2f8e1e4b5bb5ce2aee5ac2\\"}"
                  },
                  {
                     "v1Compatibility": "{\\"id\\":\\"c8f0b1ef2b5ea21ab1d1e8a8f1c8eb79ef4a1bf63c2f8e1e4b5bb5ce2aee5ac2\\"}"
                  },
                  {
                     "v1Compatibility": "{\\"id\\":\\"d9f0b1ef2b5ea21ab1d1e8a8f1c8eb79ef4a1bf63c2f8e1e4b5bb5ce2aee5ac2\\"}"
                  }
               ],
               "signatures": [
                  {
                     "header": {
                        "jwk": {
                           "crv": "P-256",
                           "kid": "OD6I:6DRK:JXEJ:KBM4:255X:NSAA:MUSF:E4VM:ZI6W:CUN2:L4Z6:LSF4",
                           "kty": "EC",
                           "x": "3gAwX48IQ5oaYQAYSxor6rYYc_6yjuLCjtQ9LUakg4A",
                           "y": "t72ge6kIA1XOjqjVoEOiPPAURltJFBMGDSQvEGVB010"
                        },
                        "alg": "ES256"
                     },
                     "signature": "XREm0L8WNn27Ga_iE_vRnTxVMhhYY0Zst_FfkKopg6gWSoTOZTuW4rK0fg_IqnKkEKlbD83tD46LKEGi5aIVFg",
                     "protected": "eyJmb3JtYXRMZW5ndGgiOjY2MjgsImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAxNS0wNC0wOFQxODo1Mjo1OVoifQ"
                  }
               ]
            }""";

    static final String OCI_REFERRER = """
            {
              "schemaVersion": 2,
              "mediaType": "application/vnd.oci.image.manifest.v1+json",
              "artifactType": "application/spdx+json",
              "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                "size": 2,
                "data": "e30="
              },
              "layers": [
                {
                  "mediaType": "application/spdx+json",
                  "digest": "sha256:98f3ae1ef67113d8140d4f6cb8d2830070e21ea48f091be519659846c771a374",
                  "size": 48213,
                  "annotations": {
                    "org.opencontainers.image.title": "sbom.spdx.json"
                  }
                }
              ],
              "subject": {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": "sha256:c66a8eb7e6a7e395bf000e8884c7de131a5cf32a9f42de44a1b9ceaf47c8900e",
                "size": 1609
              },
              "annotations": {
                "org.opencontainers.image.created": "2024-05-02T11:12:01Z"
              }
            }""";

    static final String WINDOWS_FOREIGN = """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": {
                  "mediaType": "application/vnd.docker.container.image.v1+json",
                  "size": 1942,
                  "digest": "sha256:33634beb9f46b8028d5ff627b565b0f87a36a0dcd0f03f95706432ef373643d9"
               },
               "layers": [
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                     "size": 1678361218,
                     "digest": "sha256:a1899f6f3e1322a29cffa0649267acbf9cfdb245ca150a92c29f3e0df792a89a",
                     "urls": [
                        "https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:a1899f6f3e1322a29cffa0649267acbf9cfdb245ca150a92c29f3e0df792a89a"
                     ]
                  },
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                     "size": 891354627,
                     "digest": "sha256:9e45e72eec51a9d2ec1324d26a71a43fcb583c25ee8faf15168c8bcb37874ec1",
                     "urls": [
                        "https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:9e45e72eec51a9d2ec1324d26a71a43fcb583c25ee8faf15168c8bcb37874ec1"
                     ]
                  },
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 1273,
                     "digest": "sha256:5a0c2d4bf848e19e0ddad7d496dfbb9fe890596bceb672b62874b70e5539a3ee"
                  }
               ]
            }""";

    static final String DOCKER_LIST = """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
               "manifests": [
                  {
                     "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                     "size": 527,
                     "digest": "sha256:240389f4b730bad41f218a56c250ee7d82f42297ce7b9d0b6eb4f1cb3282c480",
                     "platform": {
                        "architecture": "amd64",
                        "os": "linux"
                     }
                  },
                  {
                     "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                     "size": 527,
                     "digest": "sha256:ddf7ff5ebd9d66ce161466c1c0262430fa04de32b0e420ee3f489e2e2112e386",
                     "platform": {
                        "architecture": "arm",
                        "os": "linux",
                        "variant": "v7"
                     }
                  }
               ]
            }""";

    // ---------------------------------------------------------------- helpers

    private ParsedManifest parse(String json) throws ManifestParseException {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private String parseError(String json) {
        return parseError(json.getBytes(StandardCharsets.UTF_8));
    }

    private String parseError(byte[] content) {
        ManifestParseException e = assertThrows(ManifestParseException.class, () -> parser.parse(content));
        assertThat(e.getMessage()).isNotBlank();
        return e.getMessage();
    }

    private static Reference ref(ReferenceKind kind, String digest, String mediaType, long size) {
        return new Reference(kind, Digest.parse(digest), mediaType, size);
    }

    private static Digest d(String digest) {
        return Digest.parse(digest);
    }

    private static String layerDescriptor(String digest) {
        return "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + digest + "\",\"size\":100}";
    }

    // ---------------------------------------------------------------- kinds

    @Test
    void dockerSchema2WithThreeLayers() throws Exception {
        ParsedManifest m = parse(DOCKER_SCHEMA2);

        assertEquals(ManifestKind.DOCKER_SCHEMA2, m.kind());
        assertFalse(m.kind().isIndex());
        assertEquals("application/vnd.docker.distribution.manifest.v2+json", m.mediaType());
        assertThat(m.references()).containsExactly(
                ref(CONFIG, CFG, "application/vnd.docker.container.image.v1+json", 7023),
                ref(LAYER, L1, "application/vnd.docker.image.rootfs.diff.tar.gzip", 32654),
                ref(LAYER, L2, "application/vnd.docker.image.rootfs.diff.tar.gzip", 16724),
                ref(LAYER, L3, "application/vnd.docker.image.rootfs.diff.tar.gzip", 73109));
        assertThat(m.blobs()).isEqualTo(m.references());
        assertThat(m.children()).isEmpty();
        assertEquals(Optional.empty(), m.subject());
        assertFalse(m.isReferrer());
    }

    @Test
    void ociIndexWithTwoPlatformsAndAnAttestation() throws Exception {
        ParsedManifest m = parse(OCI_INDEX_WITH_ATTESTATION);

        assertEquals(ManifestKind.OCI_INDEX, m.kind());
        assertTrue(m.kind().isIndex());
        assertEquals("application/vnd.oci.image.index.v1+json", m.mediaType());
        assertThat(m.references()).containsExactly(
                ref(CHILD, AMD64, "application/vnd.oci.image.manifest.v1+json", 1035),
                ref(CHILD, ARM64, "application/vnd.oci.image.manifest.v1+json", 1035),
                ref(CHILD, ATTESTATION, "application/vnd.oci.image.manifest.v1+json", 566));
        assertThat(m.children()).isEqualTo(m.references());
        assertThat(m.blobs()).isEmpty();
        assertFalse(m.isReferrer());
    }

    @Test
    void dockerManifestList() throws Exception {
        ParsedManifest m = parse(DOCKER_LIST);

        assertEquals(ManifestKind.DOCKER_MANIFEST_LIST, m.kind());
        assertTrue(m.kind().isIndex());
        assertThat(m.children()).extracting(Reference::digest).containsExactly(d(AMD64), d(ARM64));
        assertThat(m.references()).extracting(Reference::kind).containsOnly(CHILD);
        assertThat(m.references().get(0).size()).isEqualTo(527);
    }

    @Test
    void schema1PrettyJwsWithDuplicateBlobSumsAndSignatures() throws Exception {
        ParsedManifest m = parse(SCHEMA1_SIGNED);

        assertEquals(ManifestKind.DOCKER_SCHEMA1, m.kind());
        assertFalse(m.kind().isIndex());
        assertNull(m.mediaType(), "schema1 has no mediaType member; none is invented");
        assertThat(m.references()).containsExactly(
                ref(LAYER, EMPTY_TAR, null, -1),
                ref(LAYER, S1_A, null, -1),
                ref(LAYER, S1_B, null, -1));
        assertThat(m.blobs()).hasSize(3);
        assertFalse(m.isReferrer());
    }

    @Test
    void schema1WithDeclaredMediaTypes() throws Exception {
        for (String mediaType : List.of(ManifestParser.MEDIA_TYPE_DOCKER_SCHEMA1, ManifestParser.MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED)) {
            ParsedManifest m = parse("""
                    {"schemaVersion":1,"mediaType":"%s","name":"a/b","tag":"v1",
                     "fsLayers":[{"blobSum":"%s"},{"blobSum":"%s"},{"blobSum":"%s"}],
                     "history":[{"v1Compatibility":"{}"},{"v1Compatibility":"{}"},{"v1Compatibility":"{}"}]}
                    """.formatted(mediaType, S1_B, S1_B, S1_A));
            assertEquals(ManifestKind.DOCKER_SCHEMA1, m.kind());
            assertEquals(mediaType, m.mediaType());
            assertThat(m.references()).containsExactly(ref(LAYER, S1_B, null, -1), ref(LAYER, S1_A, null, -1));
        }
    }

    @Test
    void ociReferrerWithSubjectAndEmptyConfig() throws Exception {
        ParsedManifest m = parse(OCI_REFERRER);

        assertEquals(ManifestKind.OCI_MANIFEST, m.kind());
        assertTrue(m.isReferrer());
        assertEquals(Optional.of(d(INDEX)), m.subject());
        assertThat(m.references()).containsExactly(
                ref(CONFIG, EMPTY, "application/vnd.oci.empty.v1+json", 2),
                ref(LAYER, SBOM, "application/spdx+json", 48213),
                ref(SUBJECT, INDEX, "application/vnd.oci.image.index.v1+json", 1609));
        assertThat(m.blobs()).extracting(Reference::digest).containsExactly(d(EMPTY), d(SBOM));
        assertThat(m.children()).isEmpty();
    }

    @Test
    void ociIndexWithSubjectIsAReferrer() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
                 "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":10}],
                 "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":20}}
                """.formatted(AMD64, ARM64));
        assertEquals(ManifestKind.OCI_INDEX, m.kind());
        assertEquals(Optional.of(d(ARM64)), m.subject());
        assertThat(m.references()).containsExactly(
                ref(CHILD, AMD64, "application/vnd.oci.image.manifest.v1+json", 10),
                ref(SUBJECT, ARM64, "application/vnd.oci.image.manifest.v1+json", 20));
        assertThat(m.children()).containsExactly(ref(CHILD, AMD64, "application/vnd.oci.image.manifest.v1+json", 10));
    }

    @Test
    void windowsForeignLayersWithUrls() throws Exception {
        ParsedManifest m = parse(WINDOWS_FOREIGN);

        assertEquals(ManifestKind.DOCKER_SCHEMA2, m.kind());
        assertThat(m.references()).containsExactly(
                ref(CONFIG, WIN_CFG, "application/vnd.docker.container.image.v1+json", 1942),
                ref(FOREIGN_LAYER, WIN_BASE, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", 1678361218L),
                ref(FOREIGN_LAYER, WIN_UPDATE, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", 891354627L),
                ref(LAYER, WIN_APP, "application/vnd.docker.image.rootfs.diff.tar.gzip", 1273));
        assertThat(m.blobs()).hasSize(4);
    }

    @Test
    void ociNonDistributableLayersAreForeign() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":1942},
                 "layers":[
                  {"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip","digest":"%s","size":5,
                   "urls":["https://mcr.microsoft.com/v2/windows/nanoserver/blobs/%s"]},
                  {"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd","digest":"%s","size":6},
                  {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":7,
                   "urls":["https://example.com/blob"]}
                 ]}
                """.formatted(WIN_CFG, WIN_BASE, WIN_BASE, WIN_UPDATE, WIN_APP));
        assertEquals(ManifestKind.OCI_MANIFEST, m.kind());
        assertThat(m.references()).extracting(Reference::kind).containsExactly(CONFIG, FOREIGN_LAYER, FOREIGN_LAYER, LAYER);
        assertThat(m.references()).extracting(Reference::digest).containsExactly(d(WIN_CFG), d(WIN_BASE), d(WIN_UPDATE), d(WIN_APP));
    }

    @Test
    void ociArtifactManifestBlobsAreLayers() throws Exception {
        ParsedManifest m = parse("""
                {"mediaType":"application/vnd.oci.artifact.manifest.v1+json",
                 "schemaVersion":2,
                 "artifactType":"application/vnd.example.signature.v1",
                 "blobs":[
                  {"mediaType":"application/octet-stream","digest":"%s","size":1024},
                  {"mediaType":"application/octet-stream","digest":"%s","size":2048}],
                 "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1035}}
                """.formatted(ART1, ART2, AMD64));
        assertEquals(ManifestKind.OCI_MANIFEST, m.kind());
        assertEquals(ManifestParser.MEDIA_TYPE_OCI_ARTIFACT_MANIFEST, m.mediaType());
        assertTrue(m.isReferrer());
        assertThat(m.references()).containsExactly(
                ref(LAYER, ART1, "application/octet-stream", 1024),
                ref(LAYER, ART2, "application/octet-stream", 2048),
                ref(SUBJECT, AMD64, "application/vnd.oci.image.manifest.v1+json", 1035));
    }

    @Test
    void ociArtifactManifestWithoutBlobs() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json",
                 "artifactType":"application/vnd.example.tombstone",
                 "subject":{"digest":"%s"}}
                """.formatted(AMD64));
        assertEquals(ManifestKind.OCI_MANIFEST, m.kind());
        assertThat(m.references()).containsExactly(ref(SUBJECT, AMD64, null, -1));
    }

    @Test
    void nestedIndexChildIsAnIndex() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
                 "manifests":[
                  {"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":856,
                   "annotations":{"org.opencontainers.image.ref.name":"stable"}},
                  {"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","digest":"%s","size":743},
                  {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1035,
                   "platform":{"architecture":"amd64","os":"linux"}}
                 ]}
                """.formatted(NESTED, INDEX, AMD64));
        assertEquals(ManifestKind.OCI_INDEX, m.kind());
        assertThat(m.children()).containsExactly(
                ref(CHILD, NESTED, "application/vnd.oci.image.index.v1+json", 856),
                ref(CHILD, INDEX, "application/vnd.docker.distribution.manifest.list.v2+json", 743),
                ref(CHILD, AMD64, "application/vnd.oci.image.manifest.v1+json", 1035));
    }

    // ---------------------------------------------------------------- no / unknown / wrong mediaType

    @Test
    void noMediaTypeWithManifestsIsAnOciIndex() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"manifests":[
                  {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1035},
                  {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1036}]}
                """.formatted(AMD64, ARM64));
        assertEquals(ManifestKind.OCI_INDEX, m.kind());
        assertNull(m.mediaType());
        assertThat(m.references()).containsExactly(
                ref(CHILD, AMD64, "application/vnd.oci.image.manifest.v1+json", 1035),
                ref(CHILD, ARM64, "application/vnd.oci.image.manifest.v1+json", 1036));
    }

    @Test
    void noMediaTypeWithEmptyManifestsIsStillAnIndex() throws Exception {
        ParsedManifest m = parse("{\"schemaVersion\":2,\"manifests\":[]}");
        assertEquals(ManifestKind.OCI_INDEX, m.kind());
        assertThat(m.references()).isEmpty();
    }

    @Test
    void noMediaTypeWithoutManifestsIsAnOciManifest() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":1470},
                 "layers":[%s,%s]}
                """.formatted(CFG, layerDescriptor(L1), layerDescriptor(L2)));
        assertEquals(ManifestKind.OCI_MANIFEST, m.kind());
        assertNull(m.mediaType());
        assertThat(m.references()).containsExactly(
                ref(CONFIG, CFG, "application/vnd.oci.image.config.v1+json", 1470),
                ref(LAYER, L1, "application/vnd.oci.image.layer.v1.tar+gzip", 100),
                ref(LAYER, L2, "application/vnd.oci.image.layer.v1.tar+gzip", 100));
    }

    @Test
    void noMediaTypeWithNullManifestsIsAManifest() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"manifests":null,"config":{"digest":"%s"},"layers":null,"subject":null}
                """.formatted(CFG));
        assertEquals(ManifestKind.OCI_MANIFEST, m.kind());
        assertThat(m.references()).containsExactly(ref(CONFIG, CFG, null, -1));
        assertFalse(m.isReferrer());
    }

    @Test
    void noMediaTypeSchema1() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":1,"name":"x/y","tag":"t","architecture":"amd64",
                 "fsLayers":[{"blobSum":"%s"}],"history":[{"v1Compatibility":"{}"}]}
                """.formatted(S1_A));
        assertEquals(ManifestKind.DOCKER_SCHEMA1, m.kind());
        assertThat(m.references()).containsExactly(ref(LAYER, S1_A, null, -1));
    }

    @Test
    void unknownMediaTypeDecidedByStructureAndRecorded() throws Exception {
        ParsedManifest image = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.example.custom+json",
                 "config":{"digest":"%s"},"layers":[%s]}
                """.formatted(CFG, layerDescriptor(L1)));
        assertEquals(ManifestKind.OCI_MANIFEST, image.kind());
        assertEquals("application/vnd.example.custom+json", image.mediaType());
        assertThat(image.references()).extracting(Reference::kind).containsExactly(CONFIG, LAYER);

        ParsedManifest index = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.example.custom+json",
                 "manifests":[{"digest":"%s"}]}
                """.formatted(AMD64));
        assertEquals(ManifestKind.OCI_INDEX, index.kind());
        assertEquals("application/vnd.example.custom+json", index.mediaType());
        assertThat(index.references()).containsExactly(ref(CHILD, AMD64, null, -1));
    }

    @Test
    void mediaTypeThatDisagreesWithStructureIsParsedByStructure() throws Exception {
        // says "image manifest", is an index
        ParsedManifest ociIndex = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1}]}
                """.formatted(AMD64));
        assertEquals(ManifestKind.OCI_INDEX, ociIndex.kind());
        assertEquals(ManifestParser.MEDIA_TYPE_OCI_MANIFEST, ociIndex.mediaType());
        assertThat(ociIndex.children()).extracting(Reference::digest).containsExactly(d(AMD64));

        // says "manifest list", is an image manifest
        ParsedManifest schema2 = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
                 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"%s","size":3},
                 "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"%s","size":4}]}
                """.formatted(CFG, L1));
        assertEquals(ManifestKind.DOCKER_SCHEMA2, schema2.kind());
        assertThat(schema2.references()).containsExactly(
                ref(CONFIG, CFG, "application/vnd.docker.container.image.v1+json", 3),
                ref(LAYER, L1, "application/vnd.docker.image.rootfs.diff.tar.gzip", 4));

        // says "docker schema2", is an index
        ParsedManifest list = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
                 "manifests":[{"digest":"%s"}]}
                """.formatted(ARM64));
        assertEquals(ManifestKind.DOCKER_MANIFEST_LIST, list.kind());

        // says "OCI index", is an image manifest
        ParsedManifest ociManifest = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
                 "config":{"digest":"%s"},"layers":[]}
                """.formatted(CFG));
        assertEquals(ManifestKind.OCI_MANIFEST, ociManifest.kind());
        assertThat(ociManifest.references()).containsExactly(ref(CONFIG, CFG, null, -1));
    }

    @Test
    void documentWithManifestsAndLayersKeepsEveryReference() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
                 "manifests":[{"digest":"%s"}],
                 "config":{"digest":"%s"},
                 "layers":[{"digest":"%s"}]}
                """.formatted(AMD64, CFG, L1));
        assertEquals(ManifestKind.OCI_INDEX, m.kind());
        assertThat(m.references()).containsExactly(
                ref(CHILD, AMD64, null, -1), ref(CONFIG, CFG, null, -1), ref(LAYER, L1, null, -1));
    }

    // ---------------------------------------------------------------- details

    @Test
    void sha512Digests() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":10},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":20}],
                 "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":30}}
                """.formatted(SHA512_A, SHA512_B, SHA512_C));
        assertThat(m.references()).containsExactly(
                ref(CONFIG, SHA512_A, "application/vnd.oci.image.config.v1+json", 10),
                ref(LAYER, SHA512_B, "application/vnd.oci.image.layer.v1.tar", 20),
                ref(SUBJECT, SHA512_C, "application/vnd.oci.image.manifest.v1+json", 30));
        assertEquals("sha512", m.references().get(1).digest().algorithm());
        assertEquals(Optional.of(d(SHA512_C)), m.subject());

        ParsedManifest schema1 = parse("{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"" + SHA512_A + "\"}]}");
        assertThat(schema1.references()).containsExactly(ref(LAYER, SHA512_A, null, -1));

        ParsedManifest index = parse("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" + SHA512_B + "\"}]}");
        assertThat(index.references()).containsExactly(ref(CHILD, SHA512_B, null, -1));
    }

    @Test
    void duplicateLayersAreDeduplicatedButDifferentKindsAreKept() throws Exception {
        ParsedManifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},
                 "layers":[%s,%s,%s,{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2}]}
                """.formatted(EMPTY, layerDescriptor(L1), layerDescriptor(L2), layerDescriptor(L1), EMPTY));
        assertThat(m.references()).containsExactly(
                ref(CONFIG, EMPTY, "application/vnd.oci.empty.v1+json", 2),
                ref(LAYER, L1, "application/vnd.oci.image.layer.v1.tar+gzip", 100),
                ref(LAYER, L2, "application/vnd.oci.image.layer.v1.tar+gzip", 100),
                ref(LAYER, EMPTY, "application/vnd.oci.empty.v1+json", 2));
    }

    @Test
    void referencesFollowDocumentOrder() throws Exception {
        ParsedManifest m = parse("""
                {"subject":{"digest":"%s"},"layers":[{"digest":"%s"}],"schemaVersion":2,"config":{"digest":"%s"}}
                """.formatted(INDEX, L1, CFG));
        assertThat(m.references()).extracting(Reference::kind).containsExactly(SUBJECT, LAYER, CONFIG);
    }

    @Test
    void memberNamesMatchCaseInsensitivelyLikeGo() throws Exception {
        ParsedManifest m = parse("""
                {"SchemaVersion":2,"MediaType":"application/vnd.docker.distribution.manifest.v2+json",
                 "Config":{"Digest":"%s","Size":5,"MediaType":"application/vnd.docker.container.image.v1+json"},
                 "LAYERS":[{"digest":"%s"}]}
                """.formatted(CFG, L1));
        assertEquals(ManifestKind.DOCKER_SCHEMA2, m.kind());
        assertEquals(ManifestParser.MEDIA_TYPE_DOCKER_SCHEMA2, m.mediaType());
        assertThat(m.references()).containsExactly(
                ref(CONFIG, CFG, "application/vnd.docker.container.image.v1+json", 5),
                ref(LAYER, L1, null, -1));
    }

    @Test
    void contentWithUtf8BomAndSurroundingWhitespaceParses() throws Exception {
        byte[] text = ("\n  " + DOCKER_LIST + "\n\n").getBytes(StandardCharsets.UTF_8);
        byte[] json = new byte[text.length + 3];
        json[0] = (byte) 0xEF;
        json[1] = (byte) 0xBB;
        json[2] = (byte) 0xBF;
        System.arraycopy(text, 0, json, 3, text.length);
        ParsedManifest m = parser.parse(json);
        assertEquals(ManifestKind.DOCKER_MANIFEST_LIST, m.kind());
        assertThat(m.children()).extracting(Reference::digest).containsExactly(d(AMD64), d(ARM64));
    }

    @Test
    void parsedManifestIsImmutable() throws Exception {
        ParsedManifest m = parse(DOCKER_SCHEMA2);
        assertThrows(UnsupportedOperationException.class, () -> m.references().clear());
        assertThrows(UnsupportedOperationException.class, () -> m.blobs().clear());
        assertThrows(UnsupportedOperationException.class, () -> m.children().clear());
        List<Reference> source = new ArrayList<>(m.references());
        ParsedManifest copy = new ParsedManifest(m.kind(), m.mediaType(), source, m.subject());
        source.clear();
        assertThat(copy.references()).hasSize(4);
    }

    @Test
    void parserIsReusableAcrossThreads() throws Exception {
        List<String> inputs = List.of(DOCKER_SCHEMA2, OCI_INDEX_WITH_ATTESTATION, SCHEMA1_SIGNED, OCI_REFERRER, WINDOWS_FOREIGN, DOCKER_LIST);
        List<ParsedManifest> expected = new ArrayList<>();
        for (String input : inputs) {
            expected.add(parse(input));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                tasks.add(() -> {
                    for (int round = 0; round < 50; round++) {
                        for (int i = 0; i < inputs.size(); i++) {
                            if (!parse(inputs.get(i)).equals(expected.get(i))) {
                                return false;
                            }
                        }
                    }
                    return true;
                });
            }
            for (Future<Boolean> f : pool.invokeAll(tasks)) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void kindHelpers() {
        assertThat(ManifestKind.values()).filteredOn(ManifestKind::isIndex)
                .containsExactlyInAnyOrder(ManifestKind.DOCKER_MANIFEST_LIST, ManifestKind.OCI_INDEX);
        assertThat(ReferenceKind.values()).filteredOn(ReferenceKind::isBlob)
                .containsExactlyInAnyOrder(CONFIG, LAYER, FOREIGN_LAYER);
    }

    // ---------------------------------------------------------------- errors

    @Nested
    class Errors {

        @Test
        void emptyContent() {
            assertThat(parseError(new byte[0])).contains("empty");
            assertThat(parseError((byte[]) null)).contains("empty");
        }

        @Test
        void whitespaceOnly() {
            assertThat(parseError("  \n\t ")).contains("empty");
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "not json at all",
                "{\"schemaVersion\": 2, \"config\": ",
                "{'schemaVersion': 2}",
                "{\"schemaVersion\":2,\"manifests\":[]} trailing",
                "{\"schemaVersion\":2,\"manifests\":[]}{\"schemaVersion\":2,\"manifests\":[]}",
                "\u0000\u0001\u0002"
        })
        void notJson(String content) {
            assertThat(parseError(content)).startsWith("not JSON");
        }

        @Test
        void binaryGarbage() {
            assertThat(parseError(new byte[] {(byte) 0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0})).startsWith("not JSON");
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "[{\"schemaVersion\":2}]", "\"manifest\"", "42", "true", "null"})
        void notAnObject(String content) {
            assertThat(parseError(content)).startsWith("not a JSON object");
        }

        @Test
        void schemaVersionMissing() {
            assertThat(parseError("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":\"" + CFG + "\"}}"))
                    .isEqualTo("schemaVersion is missing");
        }

        @ParameterizedTest
        @ValueSource(strings = {"0", "3", "-1", "100"})
        void schemaVersionUnsupported(String version) {
            assertThat(parseError("{\"schemaVersion\":" + version + ",\"manifests\":[]}"))
                    .isEqualTo("unsupported schemaVersion " + version + " (expected 1 or 2)");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"2\"", "2.5", "2.0", "true", "{}", "99999999999999"})
        void schemaVersionNotAnInteger(String version) {
            assertThat(parseError("{\"schemaVersion\":" + version + ",\"manifests\":[]}"))
                    .startsWith("schemaVersion is not an integer");
        }

        @Test
        void mediaTypeNotAString() {
            assertThat(parseError("{\"schemaVersion\":2,\"mediaType\":5,\"manifests\":[]}"))
                    .contains("mediaType is not a string");
        }

        @Test
        void schema2WithoutConfig() {
            String message = parseError("""
                    {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
                     "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"%s","size":1}]}
                    """.formatted(L1));
            assertThat(message).startsWith("schemaVersion 2 manifest without config");
        }

        @Test
        void schema2WithNothing() {
            assertThat(parseError("{\"schemaVersion\":2}")).startsWith("schemaVersion 2 manifest without config");
            assertThat(parseError("{\"schemaVersion\":2,\"config\":null,\"manifests\":null}"))
                    .startsWith("schemaVersion 2 manifest without config");
        }

        @Test
        void configWithoutDigest() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":3}}"))
                    .isEqualTo("missing digest in config");
        }

        @Test
        void configNotAnObject() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":\"" + CFG + "\"}"))
                    .isEqualTo("config is not an object but a string");
        }

        @Test
        void invalidConfigDigest() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:abc\"}}"))
                    .startsWith("invalid digest in config: ");
        }

        @Test
        void invalidLayerDigestNamesTheLayer() {
            String badDigest = "sha256:" + "Z".repeat(64);
            String message = parseError("""
                    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                     "config":{"digest":"%s"},
                     "layers":[%s,%s,%s,{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":1}]}
                    """.formatted(CFG, layerDescriptor(L1), layerDescriptor(L2), layerDescriptor(L3), badDigest));
            assertThat(message).startsWith("invalid digest in layers[3]: ").contains("Z".repeat(10));
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"\"", "\"sha256\"", "\"sha256:\"", "\":abc\"", "\"SHA256:2804bad6fe94a55f18b2b37e300919a5fd517b95aa81e95db574c0ba069a3740\"", "\"sha256:2804BAD6FE94A55F18B2B37E300919A5FD517B95AA81E95DB574C0BA069A3740\"",
                "\"2804bad6fe94a55f18b2b37e300919a5fd517b95aa81e95db574c0ba069a3740\"", "42", "{}", "[]"})
        void invalidDigestShapes(String digest) {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\"},\"layers\":[{\"digest\":" + digest + "}]}"))
                    .startsWith("invalid digest in layers[0]");
        }

        @Test
        void layerWithoutDigest() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\"},\"layers\":[" + layerDescriptor(L1)
                    + ",{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"size\":1}]}"))
                    .isEqualTo("missing digest in layers[1]");
        }

        @Test
        void layersNotAnArray() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\"},\"layers\":" + layerDescriptor(L1) + "}"))
                    .isEqualTo("layers is not an array but an object");
        }

        @Test
        void layerEntryNotAnObject() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\"},\"layers\":[\"" + L1 + "\"]}"))
                    .isEqualTo("layers[0] is not an object but a string");
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\"},\"layers\":[null]}"))
                    .isEqualTo("layers[0] is not an object but null");
        }

        @Test
        void invalidSize() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\",\"size\":\"7023\"}}"))
                    .startsWith("invalid size in config");
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\"},\"layers\":[{\"digest\":\"" + L1
                    + "\",\"size\":1.5}]}"))
                    .startsWith("invalid size in layers[0]");
        }

        @Test
        void descriptorMediaTypeNotAString() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\",\"mediaType\":[]}}"))
                    .isEqualTo("config.mediaType is not a string but an array");
        }

        @Test
        void indexChildWithoutDigest() {
            assertThat(parseError("""
                    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
                     "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1},
                                  {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":2}]}
                    """.formatted(AMD64))).isEqualTo("missing digest in manifests[1]");
        }

        @Test
        void indexChildWithInvalidDigest() {
            assertThat(parseError("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:1234\"}]}"))
                    .startsWith("invalid digest in manifests[0]: ");
        }

        @Test
        void manifestsNotAnArray() {
            assertThat(parseError("{\"schemaVersion\":2,\"manifests\":{\"digest\":\"" + AMD64 + "\"}}"))
                    .isEqualTo("manifests is not an array but an object");
        }

        @Test
        void invalidSubject() {
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + EMPTY + "\"},\"subject\":{\"digest\":\"sha256:nope\"}}"))
                    .startsWith("invalid digest in subject: ");
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + EMPTY + "\"},\"subject\":{\"size\":3}}"))
                    .isEqualTo("missing digest in subject");
            assertThat(parseError("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + EMPTY + "\"},\"subject\":\"" + INDEX + "\"}"))
                    .isEqualTo("subject is not an object but a string");
        }

        @Test
        void invalidArtifactBlob() {
            assertThat(parseError("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.artifact.manifest.v1+json\",\"blobs\":[{\"digest\":\"" + ART1
                    + "\"},{\"digest\":\"sha256:xyz\"}]}"))
                    .startsWith("invalid digest in blobs[1]: ");
        }

        @Test
        void schema1WithoutFsLayers() {
            assertThat(parseError("{\"schemaVersion\":1,\"name\":\"a/b\",\"tag\":\"t\",\"history\":[]}"))
                    .isEqualTo("schemaVersion 1 manifest without fsLayers");
        }

        @Test
        void schema1FsLayersNotAnArray() {
            assertThat(parseError("{\"schemaVersion\":1,\"fsLayers\":{\"blobSum\":\"" + S1_A + "\"}}"))
                    .isEqualTo("fsLayers is not an array but an object");
        }

        @Test
        void schema1InvalidBlobSum() {
            assertThat(parseError("{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"" + S1_A + "\"},{\"blobSum\":\"sha256:short\"}]}"))
                    .startsWith("invalid digest in fsLayers[1].blobSum: ");
        }

        @Test
        void schema1MissingBlobSum() {
            assertThat(parseError("{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"" + S1_A + "\"},{}]}"))
                    .isEqualTo("missing blobSum in fsLayers[1]");
        }

        @Test
        void schema1EntryNotAnObject() {
            assertThat(parseError("{\"schemaVersion\":1,\"fsLayers\":[\"" + S1_A + "\"]}"))
                    .isEqualTo("fsLayers[0] is not an object but a string");
        }
    }

    @Nested
    class UnknownKinds {
        private final ManifestParser parser = new ManifestParser();
        private final String a = "sha256:" + "a".repeat(64);
        private final String b = "sha256:" + "b".repeat(64);

        @Test
        void everyDigestLikeStringOfAnUnknownMediaTypeIsAReference() {
            String json = "{\"mediaType\":\"application/vnd.example.thing+json\",\"parts\":[{\"ref\":\"" + a
                    + "\"},\"see " + b + " too\"],\"map\":{\"" + a + "\":1}}";
            ParsedManifest parsed = parser.parseUnknownKind(json.getBytes(StandardCharsets.UTF_8)).orElseThrow();
            assertThat(parsed.kind()).isEqualTo(ManifestKind.UNKNOWN);
            assertThat(parsed.mediaType()).isEqualTo("application/vnd.example.thing+json");
            assertThat(parsed.references()).extracting(Reference::kind).containsOnly(ReferenceKind.NAMED);
            assertThat(parsed.references()).extracting(r -> r.digest().toString()).containsExactly(a, b);
        }

        @Test
        void aMalformedKnownKindOrSomethingThatIsNotJsonStaysUnparseable() {
            assertThat(parser.parseUnknownKind(("{\"mediaType\":\"" + ManifestParser.MEDIA_TYPE_DOCKER_SCHEMA2
                    + "\",\"schemaVersion\":2,\"layers\":[]}").getBytes(StandardCharsets.UTF_8))).isEmpty();
            assertThat(parser.parseUnknownKind("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
            assertThat(parser.parseUnknownKind(("[\"" + a + "\"]").getBytes(StandardCharsets.UTF_8))).isEmpty();
        }

        @Test
        void jsonWithoutAnyDigestHoldsNothing() {
            assertThat(parser.parseUnknownKind("{\"hello\":1}".getBytes(StandardCharsets.UTF_8)).orElseThrow().references())
                    .isEmpty();
        }
    }
}
