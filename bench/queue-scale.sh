#!/usr/bin/env bash
# bench/queue-scale.sh: does the queue engine hold at a million? The same figures for queues
# of 1,000, 100,000 and 1,000,000 deferred recipients.
#
# WHAT IS MEASURED, for each size in SIZES
#   1. Fill: a fresh queue (migrated by a first start of the relay) gets SIZE deferred
#      recipients, PER_MESSAGE (1000) per message, in domain deferred.example, due in a day
#      (so none is tried while measuring), inserted with SQL through H2's own Shell from the
#      relay's jar in chunks of 100,000 rows. Its time is logged, not measured.
#   2. The relay starts on that queue (delivery.smarthost = smtp-sink on 127.0.0.1:SINK_PORT),
#      settles SETTLE (5) s, then, idle:
#        idle CPU: utime+stime from /proc/PID/stat over IDLE (30) s, in % of one core;
#        RSS: VmRSS from /proc/PID/status after that.
#   3. Fresh mail: 5 untimed messages (JIT warm-up), then FRESH (20), one at a time
#      (smtp-source -m 1); for each, the
#      time from smtp-source's end (it has read the 250) until smtp-sink has counted it
#      (polled every 5 ms): median and max.
#   4. `tempfail queue list --limit 10` against the running relay (a new JVM: its start is
#      included, which dominates on a busy machine), in seconds; and the admin API call it
#      makes (GET /api/queue?limit=10 with curl), in ms.
#   5. The relay stops; the database file's size (tempfail.mv.db); then the lease query as
#      the scheduler runs it (DeliveryQueue.DUE for 'queued' and for 'deferred', LIMIT 1000,
#      due now: nothing is due) and the next-due query, in one H2 Shell session,
#      the mean over 20 runs (after a first) of H2's own timing ("(N rows, M ms)"), summed
#      over the three queries. DeliveryQueueIndexTest checks that their plans read no more rows
#      than they return, whatever the size.
#
# GOALS (issue 10): latency and query time flat (within 2x) from 1k to 1M, RSS under 1 GiB
# at 1M, idle CPU under 2 % of a core.
#
# REPEAT
#   bench/queue-scale.sh                           # SIZES="1000 100000 1000000"
#   SIZES="1000 100000" bench/queue-scale.sh
#   TF_PORT, TF_ADMIN_PORT, SINK_PORT, TF_JAVA_OPTS, KEEP: see bench/lib.sh.
#   Needs smtp-sink and smtp-source (Debian's postfix package; installed if root and missing)
#   and jq. Traffic goes to 127.0.0.1 only; every wait is bounded (the 1M fill takes minutes).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=${SIZES:-"1000 100000 1000000"}
PER_MESSAGE=${PER_MESSAGE:-1000}
FRESH=${FRESH:-20}
IDLE=${IDLE:-30}
SETTLE=${SETTLE:-5}
CHUNK=100000
FILL_TIMEOUT=${FILL_TIMEOUT:-1800}

# h2_shell DIR SQL...: run statements (one session) against the stopped relay's queue with
# H2's Shell; stops the script if one fails (the Shell itself exits 0 on an SQL error)
h2_shell() {
    local dir=$1 out; shift
    local IFS=';'
    out=$(timeout "$FILL_TIMEOUT" java -cp "$JAR" org.h2.tools.Shell -url "jdbc:h2:file:$dir/data/tempfail" \
        -user tempfail -password "" -sql "$*" 2>&1) || die "H2 Shell failed: $(tail -n3 <<<"$out")"
    grep -q '^Error:' <<<"$out" && die "SQL failed: $(grep '^Error:' <<<"$out" | head -c 400)"
    printf '%s\n' "$out"
}

fill() {
    local dir=$1 size=$2 messages now_ms due from to
    messages=$(( (size + PER_MESSAGE - 1) / PER_MESSAGE ))
    now_ms=$(( $(date +%s) * 1000 ))
    due=$(( now_ms + 86400000 ))
    h2_shell "$dir" \
        "INSERT INTO message (queue_id, sender, size, received_at) SELECT 'QS' || X, 'bench@example.test', 20, $now_ms FROM SYSTEM_RANGE(1, $messages)" \
        "INSERT INTO message_body (message_id, content) SELECT id, X'5375626a6563743a20710d0a0d0a710d0a' FROM message" >/dev/null
    for ((from = 0; from < size; from += CHUNK)); do
        to=$(( from + CHUNK < size ? from + CHUNK : size ))
        # recipient n (0-based) belongs to message n / PER_MESSAGE + 1 (ids start at 1 in a fresh queue)
        h2_shell "$dir" "INSERT INTO recipient (message_id, address, domain, state, attempts, next_attempt_at, category, streak, last_code, last_status, last_text, last_stage) SELECT X / $PER_MESSAGE + 1, 'u' || X || '@deferred.example', 'deferred.example', 'deferred', 1, $due + MOD(X, 3600000), 'network', 1, 421, '4.4.2', '4.4.2 bench: connection timed out', 'connect' FROM SYSTEM_RANGE($from, $(( to - 1 )))" >/dev/null
    done
}

# cpu_ticks PID: utime + stime of a process, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# fresh_latency SINKOUT: 5 + FRESH messages one at a time; prints "median max" in ms of the last FRESH
fresh_latency() {
    local sinkout=$1 i t0 t1 base lat=()
    base=$(sink_count "$sinkout")
    for ((i = 1; i <= FRESH + 5; i++)); do
        (cd "$WORK" && timeout 60 smtp-source -c -s 1 -m 1 -l 1000 -f "$SENDER" -t "fresh$i@healthy.example" \
            -M bench.localhost "127.0.0.1:$TF_PORT") >/dev/null 2>&1 || { echo "send failed"; return 1; }
        t0=$(now)
        while (( $(sink_count "$sinkout") < base + i )); do
            awk -v t="$(now)" -v s="$t0" 'BEGIN { exit !(t - s > 30) }' && { echo "not delivered in 30 s"; return 1; }
            sleep 0.005
        done
        t1=$(now)
        (( i > 5 )) && lat+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')")
    done
    printf '%s %s\n' "$(median "${lat[@]}")" "$(printf '%s\n' "${lat[@]}" | sort -n | tail -n1)"
}

# lease_query_ms DIR: the scheduler's due queries (fresh, retries) and next-due query, run 21
# times in one session; the mean over runs 2..21 of their summed time, in ms (H2 times each
# statement in whole ms, so the mean over 20 runs gives the fraction)
lease_query_ms() {
    local dir=$1 now_ms sql=() i
    now_ms=$(( $(date +%s) * 1000 ))
    for ((i = 0; i < 21; i++)); do
        sql+=("SELECT id, domain FROM recipient WHERE state = 'queued' AND next_attempt_at BETWEEN 0 AND $now_ms ORDER BY state, next_attempt_at LIMIT 1000"
              "SELECT id, domain FROM recipient WHERE state = 'deferred' AND next_attempt_at BETWEEN 0 AND $now_ms ORDER BY state, next_attempt_at LIMIT 1000"
              "SELECT next_attempt_at FROM recipient WHERE state = 'deferred' AND next_attempt_at BETWEEN 0 AND 9223372036854775807 ORDER BY state, next_attempt_at LIMIT 1")
    done
    # H2's Shell prints "(N rows, M ms)" after each query
    h2_shell "$dir" "${sql[@]}" | grep -o '[0-9]* ms)' | awk 'NR > 3 { s += $1 } END { printf "%.2f", s / 20 }'
}

measure() {
    local size=$1 dir=$WORK/qs-$1 t0 ticks0 ticks1 hz cpu rss lat list_s api_ms db_bytes query_ms
    sink_start "$SINK_PORT" "$WORK/sink-$size.out"
    tf_config "$dir" "$SINK_PORT"
    tf_start "$dir" || die "tempfail did not start"
    tf_stop                                        # the first start migrated the empty queue
    t0=$(now)
    log "size $size: filling"
    fill "$dir" "$size"
    log "size $size: filled in $(elapsed "$t0" "$(now)") s"
    tf_start "$dir" || die "tempfail did not start on the filled queue"
    sleep "$SETTLE"
    hz=$(getconf CLK_TCK)
    ticks0=$(cpu_ticks "$TF_PID")
    sleep "$IDLE"
    ticks1=$(cpu_ticks "$TF_PID")
    cpu=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$hz" -v s="$IDLE" 'BEGIN { printf "%.2f", (b - a) / hz / s * 100 }')
    rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$TF_PID/status")
    lat=$(fresh_latency "$WORK/sink-$size.out") || die "size $size: fresh mail: $lat"
    t0=$(now)
    tf_cli "$dir" queue list --limit 10 >/dev/null || log "size $size: queue list failed: $(tail -n2 "$dir/cli.err")"
    list_s=$(elapsed "$t0" "$(now)")
    api_ms=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$TF_ADMIN_PORT/api/queue?limit=10" \
        | awk '{ printf "%.0f", $1 * 1000 }')
    tf_stop
    sink_stop
    db_bytes=$(stat -c %s "$dir/data/tempfail.mv.db")
    query_ms=$(lease_query_ms "$dir")
    printf '%-10s %8s %8s %10s %9s %7s %8s %7s %7s\n' "$size" ${lat} "$query_ms" "$cpu" "$rss" \
        "$(awk -v b="$db_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" "$list_s" "$api_ms" >>"$WORK/results"
    log "size $size: done"
    [[ $KEEP == 1 ]] || rm -rf "$dir"
}

main() {
    bench_init
    ensure_tools
    ensure_jar
    local size
    log "queue-scale: sizes=$SIZES per_message=$PER_MESSAGE fresh=$FRESH idle=${IDLE}s"
    for size in $SIZES; do measure "$size"; done
    echo
    echo "== queue-scale: deferred recipients in the queue vs fresh mail, queries, idle cost =="
    printf '%-10s %8s %8s %10s %9s %7s %8s %7s %7s\n' recipients lat_ms lat_max query_ms idle_cpu% rss_mb db_mb list_s api_ms
    cat "$WORK/results"
}

main "$@"
