package io.registrygc;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The Spring side of registry-gc: the job, its repository and the monitoring wiring. The command line
 * ({@code io.registrygc.cli.RegistryGcCommand}, the jar's main class) boots it for the subcommands that need a
 * database; nothing here calls back into the command line.
 */
@SpringBootApplication
public class RegistryGcApplication {
}
