package io.registrygc.run;

/** The names the job and its steps have in the job repository (and so in history, logs and metrics). */
public final class GcJobNames {

    public static final String JOB = "registryGarbageCollection";
    /** Before the scan: what is new in the registry's logs (--pull-log) goes to the pull history. */
    public static final String READ_PULL_LOGS = "readPullLogs";
    public static final String SCAN = "scan";
    public static final String DELETE_MANIFESTS = "deleteManifests";
    public static final String DELETE_ORPHAN_BLOBS = "deleteOrphanBlobs";
    /** Before each deletion phase: keep what manifests written during the run hold on to. */
    public static final String RECHECK_BEFORE_MANIFESTS = "recheckBeforeManifests";
    public static final String RECHECK_BEFORE_SWEEP = "recheckBeforeSweep";
    public static final String RECHECK_AFTER_SWEEP = "recheckAfterSweep";
    /** The worker steps of the partitioned steps; each partition's execution is named {@code WORKER:PARTITION}. */
    public static final String SCAN_PARTITION = "scanPartition";
    public static final String MANIFESTS_PARTITION = "deleteManifestsPartition";
    public static final String SWEEP_PARTITION = "deleteOrphanBlobsPartition";

    private GcJobNames() {
    }
}
