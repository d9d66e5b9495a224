package io.registrygc.job;

import java.util.function.LongConsumer;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.step.Step;

/** How a partitioned step runs its partitions: on this process's threads, or on remote workers through a broker. */
@FunctionalInterface
interface PartitionRunner {

    /** {@code written}: told, now and then, what remote partitions have written so far (local ones count themselves). */
    PartitionHandler handler(Step partitionStep, int gridSize, LongConsumer written);
}
