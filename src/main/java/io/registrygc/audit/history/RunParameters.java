package io.registrygc.audit.history;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The options a run was started with, read back from its job parameters (see
 * {@code io.registrygc.job.GcJobParameters} for the names). Values are null where a parameter is missing.
 */
public record RunParameters(String storageRoot, Boolean dryRun, Boolean deleteUntagged, String minAge,
        List<String> images, String createdAt) {

    public RunParameters {
        images = images == null ? List.of() : List.copyOf(images);
    }

    /** From the parameter name to value map of one execution. */
    public static RunParameters of(Map<String, String> values) {
        String images = values.get("images");
        return new RunParameters(values.get("storageRoot"), bool(values.get("dryRun")), bool(values.get("deleteUntagged")),
                values.get("minAge"),
                images == null || images.isBlank() ? List.of() : Arrays.stream(images.trim().split(" +")).toList(),
                values.get("createdAt"));
    }

    private static Boolean bool(String value) {
        return value == null ? null : Boolean.valueOf(value);
    }
}
