package io.registrygc;

import io.registrygc.cli.RegistryGcCommand;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The Spring side of registry-gc; {@link #main} belongs to the command line, which boots it when needed. */
@SpringBootApplication
public class RegistryGcApplication {

    public static void main(String[] args) {
        System.exit(RegistryGcCommand.execute(args));
    }
}
