package io.registrygc.monitor;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Metrics of one process: Spring Batch's observations (job, step, item and chunk timers) and our counters
 * land in one Prometheus registry that the command line exports at the end of the run.
 */
@Configuration
public class MonitoringConfiguration {

    @Bean
    PrometheusMeterRegistry prometheusMeterRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * Spring Batch 6 records metrics only through an observation registry given to its jobs and steps. Its per-item
     * observations ({@code spring.batch.item.read}, {@code .process}) are left out: a run reads hundreds of thousands
     * of items, and timing each took a seventh of the process's CPU; the chunk, step and job timers stay.
     */
    @Bean
    ObservationRegistry observationRegistry(MeterRegistry meterRegistry) {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig()
                .observationPredicate((name, context) -> !name.startsWith("spring.batch.item."))
                .observationHandler(new DefaultMeterObservationHandler(meterRegistry));
        return registry;
    }

    @Bean
    RunMetrics runMetrics(MeterRegistry meterRegistry) {
        return new RunMetrics(meterRegistry);
    }
}
