package io.registrygc.manifest;

/** The content is not a valid manifest; the message says what was wrong. */
public class ManifestParseException extends Exception {

    private static final long serialVersionUID = 1L;

    public ManifestParseException(String message) {
        super(message);
    }

    public ManifestParseException(String message, Throwable cause) {
        super(message, cause);
    }
}
