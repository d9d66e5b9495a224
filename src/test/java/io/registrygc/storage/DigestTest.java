package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a digest may look like: the scan skips a folder whose name is not one, so the check must be exact. */
class DigestTest {

    private static final String HEX64 = "0123456789abcdef".repeat(4);

    @Test
    void acceptsTheAlgorithmsTheRegistryWrites() {
        assertThat(Digest.parse("sha256:" + HEX64)).isEqualTo(new Digest("sha256", HEX64));
        assertThat(Digest.tryParse("sha512:" + HEX64 + HEX64)).isPresent();
        assertThat(Digest.tryParse("sha384:" + HEX64.substring(0, 32) + HEX64)).isPresent();
        // an algorithm we do not know is data, as long as its hex is long enough to be a hash
        assertThat(Digest.tryParse("blake3:" + HEX64.substring(0, 32))).isPresent();
        assertThat(Digest.tryParse("multihash+base58:" + HEX64)).isPresent();
    }

    @Test
    void refusesWhatIsNotOne() {
        assertThat(Digest.tryParse("sha256:" + HEX64.toUpperCase())).as("uppercase hex").isEmpty();
        assertThat(Digest.tryParse("sha256:" + HEX64.substring(1))).as("63 digits").isEmpty();
        assertThat(Digest.tryParse("sha256:" + HEX64 + "0")).as("65 digits").isEmpty();
        assertThat(Digest.tryParse("sha256:" + HEX64.substring(1) + "g")).as("not hex").isEmpty();
        assertThat(Digest.tryParse("sha256:" + HEX64.substring(1) + "/")).as("a separator").isEmpty();
        assertThat(Digest.tryParse("sha512:" + HEX64)).as("sha512 of 64 digits").isEmpty();
        assertThat(Digest.tryParse("blake3:" + HEX64.substring(0, 31))).as("too short for a hash").isEmpty();
        assertThat(Digest.tryParse("SHA256:" + HEX64)).as("uppercase algorithm").isEmpty();
        assertThat(Digest.tryParse("sha256+:" + HEX64)).as("algorithm ending in a separator").isEmpty();
        assertThat(Digest.tryParse("sha256:")).isEmpty();
        assertThat(Digest.tryParse(":" + HEX64)).isEmpty();
        assertThat(Digest.tryParse(HEX64)).isEmpty();
        assertThatThrownBy(() -> new Digest("sha256", "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void computesTheDigestOfContent() {
        assertThat(Digest.sha256("".getBytes(StandardCharsets.UTF_8)).toString())
                .isEqualTo("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
