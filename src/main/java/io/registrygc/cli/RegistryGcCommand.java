package io.registrygc.cli;

import io.registrygc.monitor.LogFormat;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.springframework.boot.logging.LoggingSystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(name = "registry-gc", mixinStandardHelpOptions = true, versionProvider = RegistryGcCommand.Version.class,
        description = "Safe, restartable garbage collection for Docker Registry v2 filesystem storage.",
        subcommands = {RunCommand.class, ApplyCommand.class, WorkerCommand.class, HistoryCommand.class, ShowCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nDatabase:%n",
        footer = {"Job state, history and audit live in PostgreSQL: SPRING_DATASOURCE_URL, SPRING_DATASOURCE_USERNAME and",
                "SPRING_DATASOURCE_PASSWORD when set; otherwise an embedded PostgreSQL whose data folder is",
                "--database-dir (default: $REGISTRY_GC_HOME, else ~/.registry-gc).",
                "",
                "Exit codes:",
                "  0  completed (dry run and nothing to do included)",
                "  1  failed: rerun the same command to resume from the last checkpoint",
                "  2  usage error or invalid input: nothing was deleted",
                "  3  another run is in progress on the same storage",
                "  4  completed, but unreadable manifests or folders kept the blob sweep from running"})
public class RegistryGcCommand {

    @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "plain|json",
            defaultValue = "${env:REGISTRY_GC_LOG_FORMAT:-plain}",
            description = "Logs on stderr as plain lines or as JSON lines (default: ${DEFAULT-VALUE}; env REGISTRY_GC_LOG_FORMAT).")
    void setLogFormat(LogFormat format) {
        format.apply();
    }

    static {
        // logging is configured by logback.xml and --log-format, not re-initialised by Spring Boot
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
        // java.util.logging (the PostgreSQL driver's) through logback too, so JSON logs stay JSON lines
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    /** The program's entry point (the jar's main class): it boots Spring only for the subcommands that need it. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs a command line with its output going to the given writers; returns the exit code. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new RegistryGcCommand());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExitCodeExceptionMapper(e -> ExitCodes.FAILED);
        commandLine.setParameterExceptionHandler((e, a) -> {
            Console.error(e.getCommandLine().getErr(), e.getMessage() + " (try '"
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return ExitCodes.USAGE;
        });
        return commandLine.execute(args);
    }

    static class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = RegistryGcCommand.class.getPackage().getImplementationVersion();
            return new String[] {"registry-gc " + (version == null ? "development" : version)};
        }
    }
}
