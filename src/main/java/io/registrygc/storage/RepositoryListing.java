package io.registrygc.storage;

import java.util.List;

/** Everything a repository folder says about itself, read tolerantly (what could not be read went to the problem sink). */
public record RepositoryListing(String name, List<LinkEntry> revisions, List<TagEntry> tags, List<LinkEntry> layerLinks) {
}
