package dev.tempfail.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/**
 * Delivery events: one JSON POST per recipient event to a webhook, signed with a shared secret.
 *
 * @param webhookUrl    where events go; empty = no events are queued at all
 * @param webhookSecret the HMAC-SHA256 key for the {@code X-Tempfail-Signature} header (required with a URL)
 */
public record EventsConfig(Optional<URI> webhookUrl, String webhookSecret) {

    public boolean enabled() {
        return webhookUrl.isPresent();
    }

    static EventsConfig from(Settings s) {
        if (s.isNull("events.webhook.url")) return new EventsConfig(Optional.empty(), null);
        String text = s.text("events.webhook.url");
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw s.error("events.webhook.url", "is not a URL: " + e.getMessage());
        }
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw s.error("events.webhook.url", "must be an http:// or https:// URL with a host, got '" + text + "'");
        }
        if (s.isNull("events.webhook.secret")) {
            throw s.error("events.webhook.secret", "must be set when events.webhook.url is: every event is signed with it");
        }
        return new EventsConfig(Optional.of(url), s.text("events.webhook.secret"));
    }
}
