#!/usr/bin/env bash
# bench/relay.sh: end-to-end relay throughput, tempfail vs Postfix, side by side in one run.
#
# WHAT IS MEASURED
#   Relayed messages per second: smtp-source sends MESSAGES (2000) messages of SIZE
#   (5120) payload bytes over SESSIONS (20) parallel sessions (a new connection per
#   message; REUSE=1 for smtp-source -d) to the relay on loopback; the relay forwards
#   them to Postfix's smtp-sink on 127.0.0.1:SINK_PORT, which discards them and counts.
#   The clock runs from smtp-source's start until the sink has received all of them
#   (its -c "mesg=" counter, polled every POLL=0.1 s, bounded by LEG_TIMEOUT=300 s).
#   Each relay starts with a fresh, empty queue, a fresh sink, and WARMUP (20000) untimed
#   messages that must all reach the sink before the clock starts. The time at which
#   smtp-source finished (intake under relay load) is logged too.
#
# THE RELAYS
#   tempfail: java -jar target/tempfail.jar serve --config $WORK/tf-*/tempfail.yaml with
#     smtp.listen 127.0.0.1:TF_PORT, delivery.smarthost 127.0.0.1:SINK_PORT, admin on
#     127.0.0.1:TF_ADMIN_PORT; other settings at tempfail's defaults (delivery.workers 20,
#     delivery.per_destination 10 at the time of writing; TEMPFAIL_DELIVERY_* pass through).
#     The jar is built if missing; the leg is skipped (with a note) while it has no `serve`.
#   Postfix: a private instance (`postfix -c $WORK/pf-*/etc start`, own config, queue and
#     data directories; /etc/postfix is never touched) listening only on 127.0.0.1:PF_PORT
#     (inet_interfaces = loopback-only), mynetworks = 127.0.0.0/8, mydestination empty,
#     relayhost = [127.0.0.1]:SINK_PORT, smtp_dns_support_level = disabled. Delivery is at
#     Postfix 3.7 defaults: default_destination_concurrency_limit = 20 (so 20 smtp(8)
#     connections to the sink), initial_destination_concurrency = 5 (slow start),
#     default_process_limit = 100, smtp_connection_cache_on_demand = yes (connections
#     reused while a backlog exists), smtp_destination_recipient_limit = 50.
#
# VERIFIED EACH RUN
#   smtp-source exit status 0 and its counter = MESSAGES; the sink received exactly
#   WARMUP+MESSAGES (checked again a second later: more would mean duplicates); Postfix's
#   queue is empty afterwards; tempfail's `queue list --json` is empty afterwards (skipped
#   with a note while that command, or jq, is missing). A failing run is reported, left
#   out of the median, and the script exits 1.
#
# REPEAT
#   sudo bench/relay.sh                        # RUNS=3, both legs, median table
#   RUNS=5 LEGS=postfix bench/relay.sh
#   TEMPFAIL_DELIVERY_PER_DESTINATION=20 bench/relay.sh   # match Postfix's 20 per destination
#   Other knobs (MESSAGES, SIZE, SESSIONS, WARMUP, REUSE, ports, timeouts): bench/lib.sh.
#   Needs root (installs Postfix if missing, runs a Postfix instance and smtp-sink).
#   Traffic goes to 127.0.0.1 only; every wait is bounded.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FAILURES=0

fail_run() { log "RUN FAILED: $*"; FAILURES=$((FAILURES + 1)); }

# timed_relay NAME RUN PORT SINKOUT: warm-up, then the timed batch through the relay
timed_relay() {
    local name=$1 run=$2 port=$3 sinkout=$4 n rc=0 t0 t1 t2 got
    if (( WARMUP > 0 )); then
        n=$(send_batch "$port" "$WARMUP" "$WORK/$name-$run-warmup.out") || rc=$?
        if [[ $rc != 0 || $n != "$WARMUP" ]]; then
            fail_run "$name run $run: warm-up accepted $n/$WARMUP (smtp-source rc=$rc)"; return 1
        fi
        if ! wait_sink "$sinkout" "$WARMUP" "$LEG_TIMEOUT"; then
            fail_run "$name run $run: warm-up: sink got $(sink_count "$sinkout")/$WARMUP"; return 1
        fi
    fi
    t0=$(now)
    n=$(send_batch "$port" "$MESSAGES" "$WORK/$name-$run.out") || rc=$?
    t1=$(now)
    if [[ $rc != 0 || $n != "$MESSAGES" ]]; then
        fail_run "$name run $run: accepted $n/$MESSAGES (smtp-source rc=$rc)"; return 1
    fi
    if ! wait_sink "$sinkout" $((WARMUP + MESSAGES)) "$LEG_TIMEOUT"; then
        fail_run "$name run $run: sink got $(sink_count "$sinkout")/$((WARMUP + MESSAGES)) in ${LEG_TIMEOUT}s"
        return 1
    fi
    t2=$(now)
    sleep 1
    got=$(sink_count "$sinkout")
    if [[ $got != $((WARMUP + MESSAGES)) ]]; then
        fail_run "$name run $run: sink got $got messages, expected $((WARMUP + MESSAGES)) (duplicates?)"
        return 1
    fi
    LAST_SECONDS=$(elapsed "$t0" "$t2")
    log "$name run $run: $MESSAGES relayed in ${LAST_SECONDS}s ($(rate "$MESSAGES" "$LAST_SECONDS") msgs/s);" \
        "smtp-source done after $(elapsed "$t0" "$t1")s"
}

# tf_wait_queue_empty DIR SECONDS: the sink may count a message before tempfail has
# recorded its 250; poll `queue list` until empty. Prints the last count (or "skip: ...").
tf_wait_queue_empty() {
    local dir=$1 limit=$2 q i
    for ((i = 0; i < limit; i++)); do
        q=$(tf_queue_count "$dir")
        [[ $q == 0 || $q == skip:* ]] && break
        sleep 1
    done
    echo "$q"
}

tempfail_run() {
    local run=$1 dir=$WORK/tf-relay-$1 q
    sink_start "$SINK_PORT" "$WORK/sink-tempfail-$run.out"
    tf_config "$dir" "$SINK_PORT"
    if ! tf_start "$dir"; then
        fail_run "tempfail run $run: did not start"
    elif timed_relay tempfail "$run" "$TF_PORT" "$WORK/sink-tempfail-$run.out"; then
        q=$(tf_wait_queue_empty "$dir" 30)
        if [[ $q == skip:* ]]; then
            log "tempfail run $run: queue-empty check ${q}"
            record tempfail "$run" "$LAST_SECONDS"
        elif [[ $q == 0 ]]; then
            record tempfail "$run" "$LAST_SECONDS"
        else
            fail_run "tempfail run $run: $q messages left in the queue after delivery"
        fi
    fi
    tf_stop
    sink_stop
}

postfix_run() {
    local run=$1 dir=$WORK/pf-relay-$1 q
    sink_start "$SINK_PORT" "$WORK/sink-postfix-$run.out"
    pf_create "$dir" "$PF_PORT" "$SINK_PORT"
    pf_start "$dir" "$PF_PORT"
    if timed_relay postfix "$run" "$PF_PORT" "$WORK/sink-postfix-$run.out"; then
        if q=$(pf_wait_queue "$dir" 0 30); then
            record postfix "$run" "$LAST_SECONDS"
        else
            fail_run "postfix run $run: $q messages left in the queue after delivery"
        fi
    fi
    pf_stop "$dir"
    sink_stop
}

main() {
    bench_init
    ensure_tools
    local tf=0 pf=0 run
    want_leg tempfail && tempfail_available && tf=1
    want_leg postfix && pf=1
    log "relay: runs=$RUNS messages=$MESSAGES size=$SIZE sessions=$SESSIONS sink=127.0.0.1:$SINK_PORT"
    # legs alternate within each run so that load from elsewhere hits both alike
    for ((run = 1; run <= RUNS; run++)); do
        (( tf )) && tempfail_run "$run"
        (( pf )) && postfix_run "$run"
    done
    print_table "relay: messages per second, smtp-source -> relay -> smtp-sink"
    (( FAILURES == 0 )) || { log "$FAILURES run(s) failed their checks"; exit 1; }
}

main "$@"
