package io.registrygc.plan;

import io.registrygc.manifest.Reference;
import io.registrygc.manifest.ReferenceKind;
import io.registrygc.scan.RecentManifests.Recent;
import io.registrygc.storage.Digest;
import io.registrygc.storage.LinkRestorer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The links that manifests pushed during a phase need in their repository: a layer link for each blob they name, a
 * revision for each child of an index. The registry checked them when it accepted the manifest; a chunk that was
 * already deleting when the manifest was written may still remove one. So after every look they are checked again,
 * and one that is missing while its blob's data exists is written back. Kept until the phase ends.
 */
public final class NeededLinks {

    private record Link(String repository, Digest digest, boolean revision) {
    }

    /** Each needed link, with the manifest that needs it. */
    private final Map<Link, String> needed = new LinkedHashMap<>();

    public void addAll(List<Recent> manifests) {
        for (Recent manifest : manifests) {
            for (Reference reference : manifest.references()) {
                boolean blob = reference.kind() == ReferenceKind.CONFIG || reference.kind() == ReferenceKind.LAYER;
                if (blob || reference.kind() == ReferenceKind.CHILD) {
                    needed.putIfAbsent(new Link(manifest.repository(), reference.digest(), !blob),
                            manifest.repository() + "@" + manifest.digest());
                }
            }
        }
    }

    /** Writes back the needed links that are missing; returns what it wrote, for the log. */
    public List<String> restoreMissing(LinkRestorer restorer) throws IOException {
        List<String> restored = new ArrayList<>();
        for (Map.Entry<Link, String> entry : needed.entrySet()) {
            Link link = entry.getKey();
            boolean written = link.revision() ? restorer.restoreRevision(link.repository(), link.digest())
                    : restorer.restoreLayerLink(link.repository(), link.digest());
            if (written) {
                restored.add((link.revision() ? "revision " + link.repository() + "@" : "layer link " + link.repository()
                        + "/_layers/") + link.digest() + ", needed by manifest " + entry.getValue());
            }
        }
        return restored;
    }
}
