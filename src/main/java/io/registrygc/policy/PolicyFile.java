package io.registrygc.policy;

import io.registrygc.units.Durations;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a policy file into {@link RetentionPolicies}. The file is walked as YAML nodes rather than bound to objects,
 * so that every mistake is reported with its line and key, and nothing unknown is silently ignored: a misspelt key
 * in a file that decides what gets deleted must stop the run.
 *
 * <pre>
 * policies:                       # first matching policy wins
 *   - name: releases              # optional; defaults to the first glob
 *     repositories: ["apps/**", "tools/*"]   # a glob or a list of globs
 *     delete-last-tag: false      # optional, default false
 *     rules:                      # a non-empty list; each item has exactly one rule key
 *       - keep-tags: ['^latest$', '^v\d+$']  # a regex or a list of them
 *       - keep-last: 5
 *         tags: '^release-.*'     # optional group
 *       - delete-tags: '^pr-.*'
 *         older-than: 1d          # optional
 *       - delete-older-than: 30d
 *         tags: '^dev-.*'         # optional
 *       - delete-all-tags: true   # every tag no keep rule keeps (what --keep-last N alone deletes)
 *       - keep-pulled-within: 30d      # pulled (per the registry's logs, --pull-log) within 30 days
 *       - keep-last-pulled: 10         # the 10 tags pulled most recently
 *       - delete-untagged-older-than: 7d
 * default:                        # optional: for repositories no policy matches; no 'name', no 'repositories'
 *   rules:
 *     - delete-untagged-older-than: 14d
 * </pre>
 */
public final class PolicyFile {

    private static final List<String> TOP_KEYS = List.of("policies", "default");
    private static final List<String> POLICY_KEYS = List.of("name", "repositories", "delete-last-tag", "rules");
    private static final List<String> DEFAULT_KEYS = List.of("delete-last-tag", "rules");
    /** Each rule key with the options it takes. */
    private static final Map<String, List<String>> RULES = new LinkedHashMap<>();
    private static final List<String> RULE_ITEM_KEYS;

    static {
        RULES.put("keep-tags", List.of());
        RULES.put("keep-last", List.of("tags"));
        RULES.put("keep-pulled-within", List.of());
        RULES.put("keep-last-pulled", List.of());
        RULES.put("delete-tags", List.of("older-than"));
        RULES.put("delete-older-than", List.of("tags"));
        RULES.put("delete-all-tags", List.of());
        RULES.put("delete-untagged-older-than", List.of());
        RULE_ITEM_KEYS = Stream.concat(RULES.keySet().stream(), Stream.of("tags", "older-than")).toList();
    }

    private final String source;

    private PolicyFile(String source) {
        this.source = source;
    }

    /** Reads {@code file}; errors name it as given. */
    public static RetentionPolicies read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new PolicyFileException(file.toString(), 0, "(file)", "cannot be read: " + e, e);
        }
        return parse(text, file.toString());
    }

    /** Parses a policy file's text; {@code source} names it in errors. */
    public static RetentionPolicies parse(String yamlText, String source) {
        return new PolicyFile(source).document(yamlText);
    }

    private RetentionPolicies document(String text) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new PolicyFileException(source, mark == null ? 0 : mark.getLine() + 1, "(syntax)",
                    "invalid YAML: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")"), e);
        } catch (YAMLException e) {
            throw new PolicyFileException(source, 0, "(syntax)", "invalid YAML: " + e.getMessage(), e);
        }
        if (root == null) {
            throw new PolicyFileException(source, 1, "(document)", "the file is empty; it needs 'policies' or 'default'");
        }
        if (!(root instanceof MappingNode)) {
            throw error(root, "(document)", "the top level must be a mapping with the keys " + String.join(", ", TOP_KEYS)
                    + ", not " + kind(root));
        }
        Map<String, NodeTuple> top = entries(root, "", TOP_KEYS, Map.of());
        List<RetentionPolicy> policies = new ArrayList<>();
        Map<String, String> namedAt = new HashMap<>();
        Optional<RetentionPolicy> defaultPolicy = Optional.empty();
        if (top.containsKey("default")) {
            Node node = top.get("default").getValueNode();
            Map<String, NodeTuple> entries = entries(node, "default", DEFAULT_KEYS, Map.of(
                    "repositories", "not allowed: the default policy applies to every repository no policy matches",
                    "name", "not allowed: the default policy is always named '" + RetentionPolicy.DEFAULT_NAME + "'"));
            defaultPolicy = Optional.of(RetentionPolicy.defaultPolicy(rules(node, entries, "default"),
                    deleteLastTag(entries, "default")));
            namedAt.put(RetentionPolicy.DEFAULT_NAME, "default");
        }
        if (top.containsKey("policies")) {
            List<Node> items = sequence(top.get("policies").getValueNode(), "policies");
            for (int i = 0; i < items.size(); i++) {
                policies.add(policy(items.get(i), "policies[" + (i + 1) + "]", namedAt));
            }
        }
        if (policies.isEmpty() && defaultPolicy.isEmpty()) {
            Node at = top.containsKey("policies") ? top.get("policies").getValueNode() : root;
            throw error(at, "policies", "no policies and no default: the file would decide nothing");
        }
        return new RetentionPolicies(policies, defaultPolicy);
    }

    private RetentionPolicy policy(Node node, String path, Map<String, String> namedAt) {
        Map<String, NodeTuple> entries = entries(node, path, POLICY_KEYS, Map.of());
        Node nameAt = entries.containsKey("name") ? entries.get("name").getValueNode() : node;
        String name = entries.containsKey("name") ? scalar(nameAt, path + ".name") : null;
        if (name != null && name.isBlank()) {
            throw error(nameAt, path + ".name", "must not be blank");
        }
        if (!entries.containsKey("repositories")) {
            throw error(node, path + ".repositories", "missing: a policy needs a glob or a list of globs");
        }
        List<RepositoryGlob> globs = values(entries.get("repositories").getValueNode(), path + ".repositories",
                RepositoryGlob::new);
        List<Rule> rules = rules(node, entries, path);
        name = name == null ? globs.get(0).glob() : name;
        String earlier = namedAt.putIfAbsent(name, path);
        if (earlier != null) {
            throw error(nameAt, path + ".name", "policy name '" + name + "' is already used by " + earlier
                    + (entries.containsKey("name") ? "" : " (a policy without a name is named after its first glob)"));
        }
        return new RetentionPolicy(name, globs, rules, deleteLastTag(entries, path));
    }

    private boolean deleteLastTag(Map<String, NodeTuple> entries, String path) {
        if (!entries.containsKey("delete-last-tag")) {
            return false;
        }
        Node node = entries.get("delete-last-tag").getValueNode();
        String value = scalar(node, path + ".delete-last-tag");
        if (!value.equals("true") && !value.equals("false")) {
            throw error(node, path + ".delete-last-tag", "must be true or false, not '" + value + "'");
        }
        return value.equals("true");
    }

    private List<Rule> rules(Node policy, Map<String, NodeTuple> entries, String path) {
        if (!entries.containsKey("rules")) {
            throw error(policy, path + ".rules", "missing: a policy needs a non-empty list of rules");
        }
        List<Node> items = sequence(entries.get("rules").getValueNode(), path + ".rules");
        if (items.isEmpty()) {
            throw error(entries.get("rules").getValueNode(), path + ".rules", "must not be empty");
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            rules.add(rule(items.get(i), path + ".rules[" + (i + 1) + "]"));
        }
        return rules;
    }

    private Rule rule(Node node, String path) {
        Map<String, NodeTuple> entries = entries(node, path, RULE_ITEM_KEYS, Map.of());
        List<String> kinds = entries.keySet().stream().filter(RULES::containsKey).toList();
        if (kinds.isEmpty()) {
            throw error(node, path, "a rule needs exactly one of " + String.join(", ", RULES.keySet()));
        }
        String kind = kinds.get(0);
        if (kinds.size() > 1) {
            throw error(entries.get(kinds.get(1)).getKeyNode(), path + "." + kinds.get(1),
                    "one rule per list item: this item already has " + kind + " (start a new item with '- ')");
        }
        for (String option : entries.keySet()) {
            if (!RULES.containsKey(option) && !RULES.get(kind).contains(option)) {
                throw error(entries.get(option).getKeyNode(), path + "." + option, "does not belong to " + kind
                        + " (" + kind + " takes " + (RULES.get(kind).isEmpty() ? "no options" : String.join(", ", RULES.get(kind))) + ")");
            }
        }
        Node value = entries.get(kind).getValueNode();
        String at = path + "." + kind;
        Optional<TagPattern> tags = entries.containsKey("tags")
                ? Optional.of(regex(entries.get("tags").getValueNode(), path + ".tags")) : Optional.empty();
        return switch (kind) {
            case "keep-tags" -> new Rule.KeepTags(values(value, at, TagPattern::new));
            case "keep-last" -> new Rule.KeepLast(positive(value, at), tags);
            case "keep-pulled-within" -> new Rule.KeepPulledWithin(duration(value, at));
            case "keep-last-pulled" -> new Rule.KeepLastPulled(positive(value, at));
            case "delete-tags" -> new Rule.DeleteTags(Optional.of(regex(value, at)), entries.containsKey("older-than")
                    ? Optional.of(duration(entries.get("older-than").getValueNode(), path + ".older-than")) : Optional.empty());
            case "delete-older-than" -> new Rule.DeleteTags(tags, Optional.of(duration(value, at)));
            case "delete-all-tags" -> {
                if (!scalar(value, at).equals("true")) {
                    throw error(value, at, "must be true (leave the rule out otherwise)");
                }
                yield new Rule.DeleteTags(Optional.empty(), Optional.empty());
            }
            default -> new Rule.DeleteUntagged(duration(value, at));
        };
    }

    /** The entries of a mapping by key, refusing unknown and repeated keys. */
    private Map<String, NodeTuple> entries(Node node, String path, List<String> allowed, Map<String, String> refused) {
        if (!(node instanceof MappingNode mapping)) {
            throw error(node, path, "expected a mapping (key: value lines), not " + kind(node));
        }
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple entry : mapping.getValue()) {
            String key = scalar(entry.getKeyNode(), path.isEmpty() ? "(key)" : path + ".(key)");
            String keyPath = path.isEmpty() ? key : path + "." + key;
            if (refused.containsKey(key)) {
                throw error(entry.getKeyNode(), keyPath, refused.get(key));
            }
            if (!allowed.contains(key)) {
                throw error(entry.getKeyNode(), keyPath, "unknown key; allowed here: " + String.join(", ", allowed));
            }
            if (entries.putIfAbsent(key, entry) != null) {
                throw error(entry.getKeyNode(), keyPath, "given twice (first on line " + line(entries.get(key).getKeyNode()) + ")");
            }
        }
        return entries;
    }

    private List<Node> sequence(Node node, String path) {
        if (!(node instanceof SequenceNode sequence)) {
            throw error(node, path, "expected a list, not " + kind(node));
        }
        return sequence.getValue();
    }

    /** One value, or a non-empty list of them. */
    private <T> List<T> values(Node node, String path, Function<String, T> parse) {
        List<T> values = new ArrayList<>();
        if (node instanceof SequenceNode sequence) {
            if (sequence.getValue().isEmpty()) {
                throw error(node, path, "must not be empty");
            }
            for (int i = 0; i < sequence.getValue().size(); i++) {
                Node item = sequence.getValue().get(i);
                values.add(parsed(item, path + "[" + (i + 1) + "]", parse));
            }
        } else {
            values.add(parsed(node, path, parse));
        }
        return values;
    }

    private TagPattern regex(Node node, String path) {
        return parsed(node, path, TagPattern::new);
    }

    private Duration duration(Node node, String path) {
        return parsed(node, path, Durations::parse);
    }

    private int positive(Node node, String path) {
        String value = scalar(node, path);
        if (!value.matches("0*[1-9]\\d{0,8}")) {
            throw error(node, path, "must be a positive whole number, not '" + value + "'");
        }
        return Integer.parseInt(value);
    }

    private <T> T parsed(Node node, String path, Function<String, T> parse) {
        String value = scalar(node, path);
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw error(node, path, e.getMessage());
        }
    }

    private String scalar(Node node, String path) {
        if (!(node instanceof ScalarNode scalar)) {
            throw error(node, path, "expected a single value, not " + kind(node));
        }
        if (Tag.NULL.equals(scalar.getTag())) {
            throw error(node, path, "needs a value");
        }
        return scalar.getValue();
    }

    private static String kind(Node node) {
        return node instanceof MappingNode ? "a mapping" : node instanceof SequenceNode ? "a list" : "a single value";
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    private PolicyFileException error(Node node, String key, String problem) {
        return new PolicyFileException(source, line(node), key, problem);
    }
}
