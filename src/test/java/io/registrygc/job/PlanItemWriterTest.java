package io.registrygc.job;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanItem.Action;
import io.registrygc.plan.PlanItem.Phase;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.Chunk;

/** The sweep's order within a partition: no layer link after blob data, whatever the plan says. */
class PlanItemWriterTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void aLayerLinkAfterBlobDataStopsThePartitionBeforeAnythingIsCarriedOut() {
        // no storage, audit or database: the order is refused before any of them is used
        PlanItemWriter writer = new PlanItemWriter(null, null, null, null, () -> { }, null, null);
        PlanItem blob = new PlanItem(7, Phase.BLOBS, Action.DELETE_BLOB, null, null, DIGEST, 10, "no kept manifest references it");
        PlanItem link = new PlanItem(8, Phase.BLOBS, Action.DELETE_LAYER_LINK, "team/app", null, DIGEST, 0,
                "no kept manifest of team/app references it");

        assertThatThrownBy(() -> writer.write(new Chunk<>(List.of(blob, link))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("plan out of order: layer link team/app/_layers/" + DIGEST + " (item 8)");
    }
}
