package dev.tempfail.admin;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What an {@link Endpoint} answers: a status, a content type, the bytes, and any extra headers
 * ({@code Allow} with a 405, {@code WWW-Authenticate} with a 401).
 */
public record AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static final String JSON = "application/json; charset=utf-8";

    public AdminResponse(int status, String contentType, byte[] body) {
        this(status, contentType, body, Map.of());
    }

    /** {@code value} as tempfail's JSON ({@link Json}). */
    public static AdminResponse json(int status, Object value) {
        return new AdminResponse(status, JSON, (Json.write(value) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static AdminResponse ok(Object value) {
        return json(200, value);
    }

    /** {@code {"error": message}}, the one error shape of the API. */
    public static AdminResponse error(int status, String message) {
        return json(status, Map.of("error", message));
    }

    public static AdminResponse text(int status, String contentType, String text) {
        return new AdminResponse(status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    public AdminResponse withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new AdminResponse(status, contentType, body, Map.copyOf(h));
    }

    /** Thrown by an endpoint to answer with an error (a bad parameter: 400, no such message: 404). */
    public static final class Failure extends RuntimeException {
        private final int status;

        public Failure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
