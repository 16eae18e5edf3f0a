package dev.tempfail.config;

/** The local HTTP admin API. */
public record AdminConfig(HostPort listen) {
    static AdminConfig from(Settings s) {
        return new AdminConfig(s.hostPort("admin.listen", -1));
    }
}
