package dev.tempfail.delivery;

import dev.tempfail.config.DeliveryConfig;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.DeliveryQueue;
import dev.tempfail.queue.Destinations;
import dev.tempfail.route.Router;
import dev.tempfail.smtp.SmtpClient;

import java.time.Clock;

/** What every delivery job shares: the queue, the throttles, the route, the client, the rules and the mail log. */
record DeliveryContext(DeliveryConfig config, DeliveryQueue queue, Destinations destinations, Router router,
                       SmtpClient client, Decider decider, Notices notices, Lanes lanes, Clock clock,
                       MailLog mailLog) {}
