package dev.tempfail.reply;

import java.util.List;

/**
 * What one provider publishes about its receiving hosts ({@link DestinationProfiles}).
 *
 * @param name                  e.g. {@code yahoo}; shown by {@code classify} and {@code schedule}
 * @param mxSuffixes            MX host name suffixes, lowercase, without the leading dot
 * @param source                where the figures and codes come from
 * @param connections           at most this many connections at once; 0 = {@code delivery.per_destination}
 * @param messagesPerConnection at most this many messages on one connection, then a new one; 0 = no limit
 * @param replies               the provider's own throttling replies, as rules for its hosts only
 */
public record DestinationProfile(String name, List<String> mxSuffixes, String source, int connections,
                                 int messagesPerConnection, List<ReplyRule> replies) {

    public DestinationProfile {
        mxSuffixes = List.copyOf(mxSuffixes);
        replies = List.copyOf(replies);
    }
}
