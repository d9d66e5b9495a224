package io.registrygc.job;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.partition.PartitionNameProvider;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Splits a phase of the plan into partitions, as the planner numbered its items into sixteen parts: in the manifest
 * phase by repository (a repository's items stay in order in one partition), in the blob phase by the first
 * hex digit of the digest (a blob's links go before the blob in one partition). No two partitions touch the
 * same file. A part without items gets no partition: on a small registry most are empty, and each partition costs
 * a step execution and its commits in the job repository. The plan does not change once made, so a restart names
 * the same partitions as the first execution did.
 */
class PlanPartitioner implements Partitioner, PartitionNameProvider {

    static final String PART = "plan.part";
    static final int PARTITIONS = 16;

    private final String label;
    private final List<Integer> parts;

    /**
     * {@code label}: what the partitions are named by ({@code repositories-3}, {@code digests-f}); {@code parts}: the
     * parts of the phase that hold items.
     */
    PlanPartitioner(String label, List<Integer> parts) {
        this.label = label;
        this.parts = List.copyOf(parts);
    }

    @Override
    public Collection<String> getPartitionNames(int gridSize) {
        List<String> names = new ArrayList<>();
        for (int part : parts) {
            names.add(name(part));
        }
        return names;
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
        for (int part : parts) {
            ExecutionContext context = new ExecutionContext();
            context.putInt(PART, part);
            partitions.put(name(part), context);
        }
        return partitions;
    }

    private String name(int part) {
        return label + "-" + Integer.toHexString(part);
    }
}
