#!/usr/bin/env bash
# bench/fsync-count.sh: how many times each relay forces data to the disk per relayed message.
#
# WHAT IS MEASURED
#   For each leg (tempfail, Postfix, set up as in bench/relay.sh: smtp-source -> relay ->
#   smtp-sink on loopback): WARMUP (200) untimed messages, then strace -f -c counts the
#   calls fsync, fdatasync, sync_file_range and msync of the relay's processes (tempfail:
#   the JVM, every thread; Postfix: master and every process it has or forks) while
#   MESSAGES (500) are relayed, until the sink has them all. Prints each call's count and the
#   total per message. (strace slows both relays down: only the counts are figures here.)
#
# REPEAT
#   sudo bench/fsync-count.sh
#   MESSAGES=1000 LEGS=postfix bench/fsync-count.sh
#   Knobs and ports: bench/lib.sh. Needs root (strace attaches to other processes).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MESSAGES=${MESSAGES:-500}
CALLS=fsync,fdatasync,sync_file_range,msync

# traced NAME SINKOUT PORT PID...: relay MESSAGES under strace; appends "NAME call count" lines
traced() {
    local name=$1 sinkout=$2 port=$3 pids rc=0 n; shift 3
    pids=$(IFS=,; echo "$*")
    timeout $((LEG_TIMEOUT + 60)) strace -f -qq -c -e trace="$CALLS" -o "$WORK/$name.strace" -p "$pids" &
    local strace_pid=$!
    sleep 2                                   # strace attaches to every thread
    n=$(send_batch "$port" "$MESSAGES" "$WORK/$name.out") || rc=$?
    [[ $rc == 0 && $n == "$MESSAGES" ]] || die "$name: accepted $n/$MESSAGES"
    wait_sink "$sinkout" $((WARMUP + MESSAGES)) "$LEG_TIMEOUT" || die "$name: the sink did not get them all"
    sleep 1                                   # the last records after the sink's 250
    kill -INT "$strace_pid"; wait "$strace_pid" 2>/dev/null || true
    awk -v n="$name" '$NF ~ /^(fsync|fdatasync|sync_file_range|msync)$/ { print n, $NF, $4 }' \
        "$WORK/$name.strace" >>"$WORK/results"
}

warm_up() {
    local port=$1 sinkout=$2 n
    n=$(send_batch "$port" "$WARMUP" "$WORK/warmup-$port.out") || die "warm-up failed"
    wait_sink "$sinkout" "$WARMUP" "$LEG_TIMEOUT" || die "warm-up not delivered"
}

main() {
    bench_init
    ensure_tools
    command -v strace >/dev/null || die "strace is missing (apt-get install strace)"
    : >"$WORK/results"
    if want_leg tempfail && tempfail_available; then
        local dir=$WORK/tf
        sink_start "$SINK_PORT" "$WORK/sink-tf.out"
        tf_config "$dir" "$SINK_PORT"
        tf_start "$dir" || die "tempfail did not start"
        warm_up "$TF_PORT" "$WORK/sink-tf.out"
        traced tempfail "$WORK/sink-tf.out" "$TF_PORT" "$TF_PID"
        tf_stop
        sink_stop
    fi
    if want_leg postfix; then
        local pf=$WORK/pf master
        sink_start "$SINK_PORT" "$WORK/sink-pf.out"
        pf_create "$pf" "$PF_PORT" "$SINK_PORT"
        pf_start "$pf" "$PF_PORT"
        warm_up "$PF_PORT" "$WORK/sink-pf.out"
        master=$(tr -d ' ' <"$pf/spool/pid/master.pid")
        # shellcheck disable=SC2046
        traced postfix "$WORK/sink-pf.out" "$PF_PORT" "$master" $(pgrep -P "$master")
        pf_stop "$pf"
        sink_stop
    fi
    echo
    echo "== fsync-count: calls that force data to the disk, $MESSAGES relayed messages =="
    printf '%-10s %-16s %8s %12s\n' relay call calls per_message
    awk -v m="$MESSAGES" '{ printf "%-10s %-16s %8s %12.2f\n", $1, $2, $3, $3 / m; t[$1] += $3 }
        END { for (n in t) printf "%-10s %-16s %8s %12.2f\n", n, "total", t[n], t[n] / m }' "$WORK/results"
}

main "$@"
