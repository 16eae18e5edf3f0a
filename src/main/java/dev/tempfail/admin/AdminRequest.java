package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request to the admin listener, as an {@link Endpoint} sees it: the path's named parts
 * ({@code {id}} in the route), the query, the body, and who asked (for the operator log).
 *
 * @param from the client, {@code ip:port}, and its User-Agent when it sent one
 */
public record AdminRequest(String method, String path, Map<String, String> pathParams, Map<String, List<String>> query,
                           byte[] body, String from) {

    /** A named part of the path, e.g. {@code id} for a route {@code /api/queue/{id}}. */
    public String param(String name) {
        String v = pathParams.get(name);
        if (v == null) throw new IllegalArgumentException("route has no {" + name + "}");
        return v;
    }

    public Optional<String> query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    /** The body read as a JSON object; an empty body is an empty object. */
    public JsonNode json() {
        if (body.length == 0) return Json.MAPPER.createObjectNode();
        try {
            JsonNode n = Json.MAPPER.readTree(new String(body, StandardCharsets.UTF_8));
            if (n == null || !n.isObject()) throw new AdminResponse.Failure(400, "the body must be a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AdminResponse.Failure(400, "the body is not JSON: " + e.getOriginalMessage());
        }
    }
}
