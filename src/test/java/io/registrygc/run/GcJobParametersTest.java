package io.registrygc.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.policy.ImageSelector;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

class GcJobParametersTest {

    private static final Instant CREATED = Instant.parse("2026-11-28T10:15:30.123456Z");

    private static GcSettings settings(List<String> images) {
        return new GcSettings("/srv/registry", true, true, Duration.ofMinutes(90),
                images.stream().map(ImageSelector::parse).toList(), CREATED);
    }

    @Test
    void settingsSurviveTheRoundTripThroughJobParameters() throws Exception {
        GcSettings settings = settings(List.of("team/app:1.0", "legacy/tool"));
        JobParameters parameters = GcJobParameters.of(settings);
        GcJobParameters.validator().validate(parameters);
        assertThat(GcJobParameters.settings(parameters)).isEqualTo(settings);
        assertThat(parameters.getParameter(GcJobParameters.DRY_RUN).type()).isEqualTo(Boolean.class);
        assertThat(parameters.getString(GcJobParameters.MIN_AGE)).isEqualTo("90m");
        assertThat(settings.cutoff()).isEqualTo(CREATED.minus(Duration.ofMinutes(90)));
        assertThat(GcJobParameters.settings(GcJobParameters.of(settings(List.of())))).isEqualTo(settings(List.of()));
    }

    @Test
    void theSameImagesInAnotherOrderAreTheSameSelection() {
        GcSettings one = settings(List.of("b/app", "a/app:1", "b/app"));
        GcSettings other = new GcSettings("/srv/registry", true, true, Duration.ofMinutes(90),
                List.of(ImageSelector.parse("a/app:1"), ImageSelector.parse("b/app")), CREATED.plusSeconds(60));
        assertThat(one.sameSelectionAs(other)).isTrue();
        assertThat(one.options()).isEqualTo("--dry-run --delete-untagged --min-age 90m --image a/app:1 --image b/app");
        assertThat(one.sameSelectionAs(settings(List.of("a/app:1")))).isFalse();
    }

    @Test
    void parametersWrittenAsTextByEarlierVersionsAreRead() {
        JobParameters old = new JobParametersBuilder().addString("storageRoot", "/srv/registry").addString("dryRun", "false")
                .addString("deleteUntagged", "true").addString("minAge", "1h").addString("images", "a/b c:latest")
                .addString("createdAt", CREATED.toString()).toJobParameters();
        GcSettings settings = GcJobParameters.settings(old);
        assertThat(settings.dryRun()).isFalse();
        assertThat(settings.deleteUntagged()).isTrue();
        assertThat(settings.minAge()).isEqualTo(Duration.ofHours(1));
        assertThat(settings.images()).extracting(ImageSelector::toString).containsExactly("a/b", "c:latest");
    }

    @Test
    void theValidatorNamesAMissingOrInvalidParameter() {
        JobParameters valid = GcJobParameters.of(settings(List.of()));
        JobParameters missing = new JobParametersBuilder(valid).toJobParameters();
        JobParameters withoutRoot = new JobParameters(missing.parameters().stream()
                .filter(p -> !p.name().equals(GcJobParameters.STORAGE_ROOT)).collect(java.util.stream.Collectors.toSet()));
        assertThatThrownBy(() -> GcJobParameters.validator().validate(withoutRoot))
                .isInstanceOf(InvalidJobParametersException.class).hasMessageContaining("storageRoot");
        JobParameters badAge = new JobParametersBuilder(valid).addString(GcJobParameters.MIN_AGE, "soon").toJobParameters();
        assertThatThrownBy(() -> GcJobParameters.validator().validate(badAge))
                .isInstanceOf(InvalidJobParametersException.class).hasMessageContaining("soon");
        JobParameters badFlag = new JobParametersBuilder(valid).addString(GcJobParameters.DRY_RUN, "yes").toJobParameters();
        assertThatThrownBy(() -> GcJobParameters.validator().validate(badFlag))
                .isInstanceOf(InvalidJobParametersException.class).hasMessageContaining("dryRun");
    }
}
