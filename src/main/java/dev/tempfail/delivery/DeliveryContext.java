package dev.tempfail.delivery;

import dev.tempfail.config.DeliveryConfig;
import dev.tempfail.events.DeliveryEvents;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.DeliveryQueue;
import dev.tempfail.queue.Destinations;
import dev.tempfail.reply.DestinationProfiles;
import dev.tempfail.route.Router;
import dev.tempfail.smtp.SmtpClient;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every delivery job shares: the queue, the throttles, the providers' profiles, the route, the
 * client, the rules, the mail log, the events, the next hops' TLS policy and MTA-STS.
 *
 * @param stopping set when the relay stops: a job that has not begun talking to its next hop
 *                 then ends without a try (its recipients are released with the rest)
 */
record DeliveryContext(DeliveryConfig config, DeliveryQueue queue, Destinations destinations, DestinationProfiles profiles,
                       Router router, SmtpClient client, Decider decider, Notices notices, Lanes lanes, Clock clock,
                       MailLog mailLog, DeliveryEvents events, NextHopSecurity security, MtaStsGate mtaSts,
                       AtomicBoolean stopping) {}
