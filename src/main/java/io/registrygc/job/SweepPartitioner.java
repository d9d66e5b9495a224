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
 * Splits the sweep by the first hex digit of the digest: sixteen partitions whose plan items never touch
 * the same blob, and in each the layer links go before the blobs, as in the plan.
 */
class SweepPartitioner implements Partitioner, PartitionNameProvider {

    static final String PART = "sweep.part";
    static final int PARTITIONS = 16;

    @Override
    public Collection<String> getPartitionNames(int gridSize) {
        List<String> names = new ArrayList<>();
        for (int part = 0; part < PARTITIONS; part++) {
            names.add(name(part));
        }
        return names;
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
        for (int part = 0; part < PARTITIONS; part++) {
            ExecutionContext context = new ExecutionContext();
            context.putInt(PART, part);
            partitions.put(name(part), context);
        }
        return partitions;
    }

    private static String name(int part) {
        return "digests-" + Integer.toHexString(part);
    }
}
