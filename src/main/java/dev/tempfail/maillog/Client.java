package dev.tempfail.maillog;

/**
 * An SMTP client as Postfix names it in logs: {@code name[ip]}, the name from the reverse
 * lookup of the address, or {@code unknown} when there is none.
 */
public record Client(String name, String ip) {
    @Override
    public String toString() {
        return (name == null || name.isEmpty() ? "unknown" : name) + "[" + ip + "]";
    }
}
