package io.registrygc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.Totals;
import io.registrygc.policy.RetentionPolicies;
import io.registrygc.run.GcSettings;
import io.registrygc.units.Durations;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How {@code history} and {@code show} write an execution's fields: times, placeholders, and the shared JSON. */
final class ExecutionFormats {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private ExecutionFormats() {
    }

    static String iso(OffsetDateTime time) {
        return time == null ? null : time.toString();
    }

    static String time(OffsetDateTime time) {
        return time == null ? "-" : TEXT_TIME.format(time);
    }

    static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }

    static String write(Object node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fields of one execution that {@code history --json} lists and {@code show --json} starts with. */
    static ObjectNode summaryJson(ExecutionSummary e) {
        ObjectNode node = JSON.createObjectNode();
        node.put("executionId", e.executionId());
        node.put("runId", e.runId());
        node.put("status", e.status());
        node.put("exitCode", e.exitCode());
        node.put("exitMessage", e.exitMessage() == null || e.exitMessage().isEmpty() ? null : e.exitMessage());
        node.put("created", iso(e.created()));
        node.put("started", iso(e.started()));
        node.put("ended", iso(e.ended()));
        Duration duration = e.duration();
        node.put("duration", duration == null ? null : duration.toString());
        if (duration == null) {
            node.putNull("durationMillis");
        } else {
            node.put("durationMillis", duration.toMillis());
        }
        node.put("dryRun", e.dryRun());
        ObjectNode parameters = node.putObject("parameters");
        GcSettings s = e.settings();
        if (s != null) {
            parameters.put("storageRoot", s.storageRoot().toString());
            parameters.put("dryRun", s.dryRun());
            parameters.put("deleteUntagged", s.deleteUntagged());
            parameters.put("minAge", Durations.format(s.minAge()));
            ArrayNode images = parameters.putArray("images");
            s.images().forEach(image -> images.add(image.toString()));
            parameters.put("createdAt", s.createdAt().toString());
            parameters.put("retention", s.retention().map(RetentionPolicies::toYaml).orElse(null));
            if (s.appliesRun().isPresent()) {
                parameters.put("appliesRun", s.appliesRun().getAsLong());
            } else {
                parameters.putNull("appliesRun");
            }
        }
        Totals t = e.totals();
        ObjectNode deleted = node.putObject("deleted");
        putCounts(deleted, t);
        node.put("bytesReclaimed", t.bytes());
        node.put("keptChanged", t.keptChanged());
        node.put("drifted", t.drifted());
        return node;
    }

    /** {@code tags, manifests, layerLinks, repositories, blobs}: the count of every action. */
    static void putCounts(ObjectNode node, Totals t) {
        node.put("tags", t.count(PlanItem.Action.DELETE_TAG));
        node.put("manifests", t.count(PlanItem.Action.DELETE_MANIFEST));
        node.put("layerLinks", t.count(PlanItem.Action.DELETE_LAYER_LINK));
        node.put("repositories", t.count(PlanItem.Action.DELETE_REPOSITORY));
        node.put("blobs", t.count(PlanItem.Action.DELETE_BLOB));
    }
}
