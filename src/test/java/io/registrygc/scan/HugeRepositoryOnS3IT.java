package io.registrygc.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.S3Server;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.storage.Digest;
import io.registrygc.storage.LinkEntry;
import io.registrygc.storage.RegistryPaths;
import io.registrygc.storage.S3Driver;
import io.registrygc.storage.S3Location;
import io.registrygc.storage.S3Settings;
import io.registrygc.storage.StorageDriver;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.StorageReader;
import io.registrygc.storage.TagEntry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A repository of more manifests and tags than one request after the other should read, in a real S3 server
 * (s3proxy): its manifests and tag links are read several at once, and the scan comes out as a one-by-one read would
 * give it: manifests in the revisions' order, tags sorted, each problem once and in that order.
 */
class HugeRepositoryOnS3IT {

    private static final RegistryPaths PATHS = RegistryPaths.LAYOUT;
    private static final String REPOSITORY = "ci/builds";
    private static final int IMAGES = 150;

    @Test
    void manifestsAndTagLinksOfAHugeRepositoryAreReadSeveralAtOnceAndComeOutInOrder() throws Exception {
        try (S3Server server = S3Server.start(E2eDirs.newWorkDir("s3-huge-repository"));
                S3Driver s3 = S3Driver.open(new S3Location(S3Server.BUCKET, "huge"), new S3Settings(
                        Optional.of(server.endpoint()), "us-east-1", Optional.of(S3Server.ACCESS_KEY),
                        Optional.of(S3Server.SECRET_KEY), true))) {
            List<Digest> manifests = new ArrayList<>();
            for (int i = 0; i < IMAGES; i++) {
                byte[] manifest = schema2(i);
                Digest digest = Digest.sha256(manifest);
                manifests.add(digest);
                s3.write(PATHS.revisionFolder(REPOSITORY, digest) + "/link", ascii(digest.toString()));
                if (i != 42) { // the 43rd manifest's data is gone: reported, its state MISSING
                    s3.write(PATHS.blobData(digest), manifest);
                }
                String tag = String.format(Locale.ROOT, "build-%03d", i);
                if (i == 77) { // a tag whose current link is gone: only its index entry is left
                    s3.write(PATHS.tagIndexEntry(REPOSITORY, tag, digest) + "/link", ascii(digest.toString()));
                } else {
                    s3.write(PATHS.tagCurrentLink(REPOSITORY, tag), ascii(digest.toString()));
                }
            }
            Set<String> readers = ConcurrentHashMap.newKeySet();
            Scanner scanner = new Scanner(new StorageReader(recordingReads(s3, readers)), new ManifestParser());

            ScanResult.Repository scanned = (ScanResult.Repository) scanner.scan(
                    new ScanTarget.Repository(REPOSITORY, List.of()));

            List<Digest> revisionOrder = scanned.listing().revisions().stream().map(LinkEntry::digest).toList();
            assertThat(revisionOrder).containsExactlyInAnyOrderElementsOf(manifests);
            assertThat(scanned.manifests()).extracting(ScannedManifest::digest).containsExactlyElementsOf(revisionOrder);
            assertThat(scanned.manifests()).filteredOn(m -> m.state() == ScannedManifest.State.MISSING)
                    .extracting(ScannedManifest::digest).containsExactly(manifests.get(42));
            assertThat(scanned.manifests()).filteredOn(m -> m.state() == ScannedManifest.State.OK).hasSize(IMAGES - 1);

            List<TagEntry> tags = scanned.listing().tags();
            assertThat(tags).extracting(TagEntry::name).isSorted().hasSize(IMAGES);
            for (int i = 0; i < IMAGES; i++) {
                assertThat(tags.get(i).current()).as(tags.get(i).name())
                        .isEqualTo(i == 77 ? Optional.empty() : Optional.of(manifests.get(i)));
            }
            assertThat(tags.get(77).index()).containsExactly(manifests.get(77));

            assertThat(scanned.problems()).extracting(StorageProblem::message).satisfiesExactly(
                    tagLink -> assertThat(tagLink).isEqualTo("link file is missing"),
                    manifest -> assertThat(manifest).contains(manifests.get(42).toString(), "no blob data"));
            assertThat(scanned.tainted()).as("a tag without its link keeps the repository whole").isTrue();
            assertThat(readers).as("threads that read manifests and links").hasSizeGreaterThan(1);
        }
    }

    /** The driver, noting which threads read files. */
    private static StorageDriver recordingReads(S3Driver s3, Set<String> readers) {
        return (StorageDriver) Proxy.newProxyInstance(StorageDriver.class.getClassLoader(),
                new Class<?>[] {StorageDriver.class}, (proxy, method, args) -> {
                    if (method.getName().equals("read")) {
                        readers.add(Thread.currentThread().getName() + "#" + Thread.currentThread().getId());
                    }
                    try {
                        return method.invoke(s3, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static byte[] schema2(int image) {
        String config = Digest.sha256(ascii("config " + image)).toString();
        return ascii("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":9,\"digest\":\""
                + config + "\"},\"layers\":[]}");
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
