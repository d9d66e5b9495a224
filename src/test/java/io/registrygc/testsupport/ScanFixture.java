package io.registrygc.testsupport;

import io.registrygc.manifest.ManifestKind;
import io.registrygc.manifest.ParsedManifest;
import io.registrygc.manifest.Reference;
import io.registrygc.manifest.ReferenceKind;
import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanStateStore;
import io.registrygc.scan.ScannedManifest;
import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.Digest;
import io.registrygc.storage.LinkEntry;
import io.registrygc.storage.RepositoryListing;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.TagEntry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a scan of a registry storage found, described in a few readable lines and stored through the product's
 * own {@link ScanStateStore}, so that the planner can be tested over real rows without a registry:
 *
 * <pre>{@code
 * ScanFixture scan = new ScanFixture();
 * scan.repository("app").image(v1, OLD, config, layer).tag("latest", v1, OLD).layerLink(config, OLD);
 * scan.blob(v1, 500, OLD).blob(config, 100, OLD).blob(layer, 2000, OLD);
 * }</pre>
 *
 * Manifests are described by what they reference, as the scan's parser would have reported it.
 */
public final class ScanFixture {

    private final Map<String, Repository> repositories = new LinkedHashMap<>();
    private final List<BlobEntry> blobs = new ArrayList<>();
    private final List<StorageProblem> endProblems = new ArrayList<>();

    /** A distinct, valid digest for a label: the sha256 of the label's bytes. */
    public static Digest digest(String label) {
        return Digest.sha256(label.getBytes(StandardCharsets.UTF_8));
    }

    /** The repository of that name, created on first mention. */
    public Repository repository(String name) {
        return repositories.computeIfAbsent(name, Repository::new);
    }

    /** A blob folder; {@code size} -1 is a folder without a data file. */
    public ScanFixture blob(Digest digest, long size, Instant modified) {
        blobs.add(new BlobEntry(digest, size, modified));
        return this;
    }

    /** A blob folder named by its shard's listing only, as a filesystem scan leaves it: planning looks at it. */
    public ScanFixture namedBlob(Digest digest) {
        blobs.add(BlobEntry.named(digest));
        return this;
    }

    /** A problem the walk met outside any repository (e.g. a repository folder it could not list). */
    public ScanFixture problem(StorageProblem problem) {
        endProblems.add(problem);
        return this;
    }

    /** The scan results, in the order the scan step writes them: repositories, blobs, end. */
    public List<ScanResult> results() {
        List<ScanResult> results = new ArrayList<>();
        repositories.values().forEach(r -> results.add(r.result()));
        results.add(new ScanResult.Blobs(List.copyOf(blobs), List.of()));
        results.add(new ScanResult.End(List.copyOf(endProblems)));
        return results;
    }

    public void storeInto(JdbcTemplate jdbc, long runId) {
        new ScanStateStore(jdbc).store(runId, results());
    }

    /** One repository folder: its manifest revisions, tags, {@code _layers} links and problems. */
    public final class Repository {

        private final String name;
        private final List<ScannedManifest> manifests = new ArrayList<>();
        private final List<TagEntry> tags = new ArrayList<>();
        private final List<LinkEntry> layerLinks = new ArrayList<>();
        private final List<StorageProblem> problems = new ArrayList<>();

        private Repository(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        /** An image manifest (OCI) with its config and layers. */
        public Repository image(Digest digest, Instant modified, Digest config, Digest... layers) {
            List<Reference> references = new ArrayList<>();
            references.add(new Reference(ReferenceKind.CONFIG, config, "application/vnd.oci.image.config.v1+json", 100));
            for (Digest layer : layers) {
                references.add(new Reference(ReferenceKind.LAYER, layer, "application/vnd.oci.image.layer.v1.tar+gzip", 1000));
            }
            return manifest(digest, modified, new ParsedManifest(ManifestKind.OCI_MANIFEST,
                    "application/vnd.oci.image.manifest.v1+json", references, Optional.empty()));
        }

        /** An image index listing child manifests (which live in this same repository). */
        public Repository index(Digest digest, Instant modified, Digest... children) {
            List<Reference> references = new ArrayList<>();
            for (Digest child : children) {
                references.add(new Reference(ReferenceKind.CHILD, child, "application/vnd.oci.image.manifest.v1+json", 500));
            }
            return manifest(digest, modified, new ParsedManifest(ManifestKind.OCI_INDEX,
                    "application/vnd.oci.image.index.v1+json", references, Optional.empty()));
        }

        /** A referrer (a signature, an SBOM): an artifact manifest whose {@code subject} is another manifest. */
        public Repository referrer(Digest digest, Instant modified, Digest subject, Digest config, Digest... blobs) {
            List<Reference> references = new ArrayList<>();
            references.add(new Reference(ReferenceKind.CONFIG, config, "application/vnd.oci.empty.v1+json", 2));
            for (Digest blob : blobs) {
                references.add(new Reference(ReferenceKind.LAYER, blob, "application/vnd.dev.cosign.simplesigning.v1+json", 300));
            }
            references.add(new Reference(ReferenceKind.SUBJECT, subject, "application/vnd.oci.image.manifest.v1+json", 500));
            return manifest(digest, modified, new ParsedManifest(ManifestKind.OCI_MANIFEST,
                    "application/vnd.oci.image.manifest.v1+json", references, Optional.of(subject)));
        }

        /** A readable manifest with exactly these references. */
        public Repository manifest(Digest digest, Instant modified, ParsedManifest parsed) {
            manifests.add(new ScannedManifest(digest, modified, ScannedManifest.State.OK, null, Optional.of(parsed)));
            return this;
        }

        /** A revision whose manifest could not be read or parsed: what it references is unknown. */
        public Repository unreadable(Digest digest, Instant modified, String problem) {
            manifests.add(new ScannedManifest(digest, modified, ScannedManifest.State.UNREADABLE, problem, Optional.empty()));
            return this;
        }

        /** A tag whose current link points at {@code digest} (and whose index lists it). */
        public Repository tag(String tag, Digest digest, Instant modified) {
            tags.add(new TagEntry(tag, Optional.of(digest), modified, List.of(digest)));
            return this;
        }

        public Repository layerLink(Digest digest, Instant modified) {
            // one folder per digest, as on disk: linking a layer a second time rewrites the same link
            layerLinks.removeIf(link -> link.digest().equals(digest));
            layerLinks.add(new LinkEntry(digest, modified));
            return this;
        }

        /** A layer link named by its folder only, as a filesystem scan leaves it: its time is looked at when planning. */
        public Repository namedLayerLink(Digest digest) {
            layerLinks.removeIf(link -> link.digest().equals(digest));
            layerLinks.add(LinkEntry.named(digest));
            return this;
        }

        /** A problem met reading this repository; {@code REPOSITORY_KEPT} taints it. */
        public Repository problem(StorageProblem problem) {
            problems.add(problem);
            return this;
        }

        private ScanResult.Repository result() {
            List<LinkEntry> revisions = manifests.stream().map(m -> new LinkEntry(m.digest(), m.modified())).toList();
            return new ScanResult.Repository(new RepositoryListing(name, revisions, List.copyOf(tags), List.copyOf(layerLinks)),
                    List.copyOf(manifests), List.copyOf(problems));
        }
    }
}
