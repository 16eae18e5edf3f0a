package dev.tempfail.admin;

/** One handler of the admin listener, registered on a method and a path by {@link AdminServer}. */
@FunctionalInterface
public interface Endpoint {
    AdminResponse handle(AdminRequest request) throws Exception;
}
