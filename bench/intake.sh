#!/usr/bin/env bash
# bench/intake.sh: intake throughput, tempfail vs Postfix, side by side in one run.
#
# WHAT IS MEASURED
#   Accepted messages per second: wall time for smtp-source to hand MESSAGES (2000)
#   messages of SIZE (5120) payload bytes over SESSIONS (20) parallel SMTP sessions to
#   the server on loopback, one recipient each, a new connection per message (REUSE=1:
#   smtp-source -d, messages share connections). The clock runs from smtp-source's start
#   to its exit, i.e. until the 250 reply to the last message's final "." has been read.
#   Each server gets a fresh, empty queue and WARMUP (20000) untimed messages first.
#
# THE NEXT HOP IS A CLOSED PORT, FOR BOTH
#   tempfail's smarthost and Postfix's relayhost are both [127.0.0.1]:CLOSED_PORT, where
#   nothing listens. Both relays therefore do the same work: accept, queue durably, try
#   delivery, get "connection refused", keep the message queued for a later retry. For
#   Postfix that is smtpd -> cleanup (queue file written and fsync()ed in incoming/
#   before the 250) -> qmgr -> smtp/error -> deferred/, logged by postlogd; once the
#   destination is marked dead, qmgr defers the rest without connecting. This is more
#   honest than `defer_transports` or a HOLD action, which would spare Postfix the
#   delivery-side work tempfail cannot be told to skip. PF_INTAKE_MODE=hold instead puts
#   every message straight into Postfix's hold queue (smtpd -> cleanup -> hold/, qmgr
#   never sees it): pure intake, for reference, not for the ratio.
#
# POSTFIX
#   A private instance: `postfix -c $WORK/pf-*/etc start`, its own main.cf, master.cf,
#   queue_directory and data_directory under a temp dir. It never touches /etc/postfix or
#   a system Postfix. It listens only on 127.0.0.1:PF_PORT (inet_interfaces =
#   loopback-only, no port 25 listener), mynetworks = 127.0.0.0/8, mydestination empty
#   (nothing is delivered locally), smtp_dns_support_level = disabled, recipients
#   @example.test. Everything else is at Postfix 3.7 defaults (compatibility_level 3.6).
#
# TEMPFAIL
#   java -jar target/tempfail.jar serve --config $WORK/tf-*/tempfail.yaml, listening on
#   127.0.0.1:TF_PORT, admin on 127.0.0.1:TF_ADMIN_PORT, queue under the temp dir. The jar
#   is built if missing; the leg is skipped (with a note) while the jar has no `serve`.
#
# VERIFIED EACH RUN
#   smtp-source exit status 0 and its counter = MESSAGES (any non-2xx reply is fatal to
#   smtp-source); Postfix: WARMUP+MESSAGES queue files in the instance's queue; tempfail:
#   WARMUP+MESSAGES entries in `tempfail queue list --json` (skipped with a note while
#   that command, or jq, is missing). A run that fails a check is reported and left out
#   of the median, and the script exits 1.
#
# REPEAT
#   sudo bench/intake.sh                       # RUNS=3, both legs, median table
#   RUNS=5 LEGS=postfix bench/intake.sh        # Postfix only
#   REUSE=1 bench/intake.sh                    # connections carry several messages
#   PF_INTAKE_MODE=hold LEGS=postfix bench/intake.sh
#   Other knobs (MESSAGES, SIZE, SESSIONS, WARMUP, ports, timeouts): see bench/lib.sh.
#   Needs root (it installs Postfix if missing and runs a Postfix instance).
#   Traffic goes to 127.0.0.1 only; every batch is bounded by LEG_TIMEOUT (300 s).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PF_INTAKE_MODE=${PF_INTAKE_MODE:-closed}   # closed | hold
FAILURES=0

fail_run() { log "RUN FAILED: $*"; FAILURES=$((FAILURES + 1)); }

# timed_intake NAME RUN PORT: warm-up, then the timed batch; records seconds on success
timed_intake() {
    local name=$1 run=$2 port=$3 n rc=0 t0 t1
    if (( WARMUP > 0 )); then
        n=$(send_batch "$port" "$WARMUP" "$WORK/$name-$run-warmup.out") || rc=$?
        if [[ $rc != 0 || $n != "$WARMUP" ]]; then
            fail_run "$name run $run: warm-up accepted $n/$WARMUP (smtp-source rc=$rc)"; return 1
        fi
    fi
    t0=$(now)
    n=$(send_batch "$port" "$MESSAGES" "$WORK/$name-$run.out") || rc=$?
    t1=$(now)
    if [[ $rc != 0 || $n != "$MESSAGES" ]]; then
        fail_run "$name run $run: accepted $n/$MESSAGES (smtp-source rc=$rc)"; return 1
    fi
    LAST_SECONDS=$(elapsed "$t0" "$t1")
    log "$name run $run: $MESSAGES accepted in ${LAST_SECONDS}s ($(rate "$MESSAGES" "$LAST_SECONDS") msgs/s)"
}

tempfail_run() {
    local run=$1 dir=$WORK/tf-intake-$1 q
    tf_config "$dir" "$CLOSED_PORT"
    if ! tf_start "$dir"; then
        fail_run "tempfail run $run: did not start"; tf_stop; return 0
    fi
    if timed_intake tempfail "$run" "$TF_PORT"; then
        q=$(tf_queue_count "$dir")
        if [[ $q == skip:* ]]; then
            log "tempfail run $run: queue count check ${q}"
            record tempfail "$run" "$LAST_SECONDS"
        elif [[ $q == $((WARMUP + MESSAGES)) ]]; then
            log "tempfail run $run: queue holds $q messages (as expected)"
            record tempfail "$run" "$LAST_SECONDS"
        else
            fail_run "tempfail run $run: queue holds $q messages, expected $((WARMUP + MESSAGES))"
        fi
    fi
    tf_stop
}

postfix_run() {
    local run=$1 dir=$WORK/pf-intake-$1 q
    pf_create "$dir" "$PF_PORT" "$CLOSED_PORT"
    if [[ $PF_INTAKE_MODE == hold ]]; then
        echo "smtpd_data_restrictions = check_client_access static:HOLD" >>"$dir/etc/main.cf"
    fi
    pf_start "$dir" "$PF_PORT"
    if timed_intake postfix "$run" "$PF_PORT"; then
        if q=$(pf_wait_queue "$dir" $((WARMUP + MESSAGES)) 60); then
            log "postfix run $run: queue holds $q messages (as expected)"
            record postfix "$run" "$LAST_SECONDS"
        else
            fail_run "postfix run $run: queue holds $q messages, expected $((WARMUP + MESSAGES))"
        fi
    fi
    pf_stop "$dir"
}

main() {
    [[ $PF_INTAKE_MODE == closed || $PF_INTAKE_MODE == hold ]] \
        || die "PF_INTAKE_MODE must be 'closed' or 'hold'"
    bench_init
    ensure_tools
    port_must_be_free "$CLOSED_PORT" "closed next hop: nothing may listen there"
    local tf=0 pf=0 run
    want_leg tempfail && tempfail_available && tf=1
    want_leg postfix && pf=1
    log "intake: runs=$RUNS messages=$MESSAGES size=$SIZE sessions=$SESSIONS postfix-mode=$PF_INTAKE_MODE"
    # legs alternate within each run so that load from elsewhere hits both alike
    for ((run = 1; run <= RUNS; run++)); do
        (( tf )) && tempfail_run "$run"
        (( pf )) && postfix_run "$run"
    done
    print_table "intake: accepted messages per second (next hop: closed port; postfix mode: $PF_INTAKE_MODE)"
    (( FAILURES == 0 )) || { log "$FAILURES run(s) failed their checks"; exit 1; }
}

main "$@"
