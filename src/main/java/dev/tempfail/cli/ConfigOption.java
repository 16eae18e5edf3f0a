package dev.tempfail.cli;

import dev.tempfail.config.ConfigLoader;
import dev.tempfail.config.TempfailConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --config PATH}, shared by every command that reads the configuration. */
public final class ConfigOption {
    @Option(names = "--config", paramLabel = "PATH",
            description = "configuration file (default: the embedded defaults; TEMPFAIL_* environment variables override either)")
    Path file;

    public TempfailConfig load() {
        return ConfigLoader.load(file, System.getenv());
    }
}
