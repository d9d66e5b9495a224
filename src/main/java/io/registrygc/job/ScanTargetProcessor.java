package io.registrygc.job;

import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanTarget;
import io.registrygc.scan.Scanner;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/** Reads and parses one scan target: the manifests of a repository (with the references they mark), or the blobs of a shard. */
class ScanTargetProcessor implements ItemProcessor<ScanTarget, ScanResult> {

    private final Scanner scanner;

    ScanTargetProcessor(Scanner scanner) {
        this.scanner = scanner;
    }

    @Override
    public ScanResult process(ScanTarget target) {
        return scanner.scan(target);
    }
}
