package io.registrygc.plan;

import io.registrygc.manifest.Reference;
import io.registrygc.manifest.ReferenceKind;
import io.registrygc.scan.RecentManifests.Recent;
import io.registrygc.storage.Digest;
import io.registrygc.storage.WriteBack;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What manifests pushed during a phase need: the data of their own blob, and in their repository a layer link for
 * each blob they name and a revision for each child of an index. The registry checked them when it accepted the
 * manifest (its own blob only by its data, without a link: what it names is served through links, whose data goes
 * only a grace after them); a chunk that was already deleting when the manifest was written may still remove one. So
 * after every look they are checked again: a manifest's missing data that the run kept ({@link WithdrawnContent}) is
 * written back, then every missing link whose blob's data exists. Kept until the phase ends.
 */
public final class NeededByPushes {

    private record Link(String repository, Digest digest, boolean revision) {
    }

    /** Each needed link, with the manifest that needs it. */
    private final Map<Link, String> links = new LinkedHashMap<>();
    /** Each pushed manifest's own blob, with the manifest. */
    private final Map<Digest, String> data = new LinkedHashMap<>();

    public void addAll(List<Recent> manifests) {
        for (Recent manifest : manifests) {
            String name = manifest.repository() + "@" + manifest.digest();
            data.putIfAbsent(manifest.digest(), name);
            for (Reference reference : manifest.references()) {
                boolean blob = reference.kind() == ReferenceKind.CONFIG || reference.kind() == ReferenceKind.LAYER;
                if (blob || reference.kind() == ReferenceKind.CHILD) {
                    links.putIfAbsent(new Link(manifest.repository(), reference.digest(), !blob), name);
                }
            }
        }
    }

    /**
     * Writes back the manifests' missing data whose content {@code kept} gives (of the digests asked, those the run
     * kept, matching them), then the missing links; returns what it wrote, for the log.
     */
    public List<String> restoreMissing(WriteBack writeBack, Function<Collection<Digest>, Map<Digest, byte[]>> kept)
            throws IOException {
        List<String> restored = new ArrayList<>();
        List<Digest> missing = new ArrayList<>();
        for (Digest digest : data.keySet()) {
            if (!writeBack.hasData(digest)) {
                missing.add(digest);
            }
        }
        if (!missing.isEmpty()) {
            for (Map.Entry<Digest, byte[]> content : kept.apply(missing).entrySet()) {
                if (writeBack.data(content.getKey(), content.getValue())) {
                    restored.add("the data of blob " + content.getKey() + ", needed by manifest " + data.get(content.getKey()));
                }
            }
        }
        for (Map.Entry<Link, String> entry : links.entrySet()) {
            Link link = entry.getKey();
            boolean written = link.revision() ? writeBack.revision(link.repository(), link.digest())
                    : writeBack.layerLink(link.repository(), link.digest());
            if (written) {
                restored.add((link.revision() ? "revision " + link.repository() + "@" : "layer link " + link.repository()
                        + "/_layers/") + link.digest() + ", needed by manifest " + entry.getValue());
            }
        }
        return restored;
    }
}
