package dev.tempfail.route;

import java.net.InetAddress;
import java.util.List;

/** The addresses found for one host name. */
record HostAddresses(String host, List<InetAddress> addresses) {}
