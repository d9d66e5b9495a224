package io.registrygc.job;

import io.registrygc.manifest.ManifestParser;
import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanTarget;
import io.registrygc.scan.Scanner;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/** Reads and parses one scan target: the manifests of a repository, or the blobs of a shard. */
class ScanTargetProcessor implements ItemProcessor<ScanTarget, ScanResult>, StepExecutionListener {

    private final ManifestParser parser;
    private Scanner scanner;

    ScanTargetProcessor(ManifestParser parser) {
        this.parser = parser;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        scanner = new Scanner(RunContext.of(stepExecution).storage(), parser);
    }

    @Override
    public ScanResult process(ScanTarget target) {
        return scanner.scan(target);
    }
}
