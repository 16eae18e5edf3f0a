#!/usr/bin/env bash
# bench/cluster.sh: tempfail on its two queue backends and as a two-node cluster, in one run.
#
# WHAT IS MEASURED
#   1. End-to-end messages per second, as bench/relay.sh measures them (smtp-source ->
#      relay -> smtp-sink on loopback, clock from smtp-source's start until the sink has all
#      MESSAGES; WARMUP untimed messages first), for three legs, alternating within each run:
#        h2    one node, the embedded H2 queue (the default)
#        pg1   one node, queue.url on a private PostgreSQL cluster (bodies in the database)
#        pg2   two nodes on that same database (queue.node_id bench-1 and bench-2), smtp-source
#              split in two (MESSAGES/2 over SESSIONS/2 sessions to each node, at once)
#      Each run of a PostgreSQL leg gets a fresh database on the cluster. The PostgreSQL
#      cluster runs on this machine with fsync on, so a 250 waits for its WAL flush as on H2 it
#      waits for the file's fsync.
#   2. The delivery pick's time at 10k, 100k and 1M deferred recipients on PostgreSQL:
#      bench/pick-postgres.sh, run as it is (its own private cluster).
#
# VERIFIED EACH RUN
#   smtp-source exit 0 and its count; the sink got exactly WARMUP+MESSAGES (again a second
#   later: more would be duplicates); the queue is empty afterwards (`queue list --json`,
#   which for pg2 counts both nodes' mail: they share one queue). A failed run is reported,
#   left out of the median, and the script exits 1.
#
# REPEAT
#   sudo bench/cluster.sh                  # RUNS=3, MESSAGES=2000, all legs, then the pick
#   RUNS=1 MESSAGES=1000 LEGS=h2,pg2 PICK=0 bench/cluster.sh
#   Knobs as bench/lib.sh (MESSAGES, SIZE, SESSIONS, WARMUP, REUSE, RUNS, timeouts, ports);
#   TF_PORT2 / TF_ADMIN_PORT2 (2535 / 8036) for the second node; PICK=0 skips part 2.
#   Needs root (Postfix's smtp-source/smtp-sink from Debian, PostgreSQL run as `postgres`).
#   Traffic goes to 127.0.0.1 only; every wait is bounded; everything started is stopped at exit.
set -euo pipefail
LEGS=${LEGS:-h2,pg1,pg2}   # before lib.sh, whose default names relay.sh's legs
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PICK=${PICK:-1}
TF_PORT2=${TF_PORT2:-2535}
TF_ADMIN_PORT2=${TF_ADMIN_PORT2:-8036}
FAILURES=0
PG_DIR="" PG_PORT=""

fail_run() { log "RUN FAILED: $*"; FAILURES=$((FAILURES + 1)); }

pg_start() {
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tempfail-bench-pg.XXXXXX")
    local url
    url=$("$REPO_ROOT/.ci/postgres" start "$PG_DIR") || die "PostgreSQL did not start (apt-get install postgresql)"
    PG_PORT=${url#jdbc:postgresql://127.0.0.1:}; PG_PORT=${PG_PORT%%/*}
    log "PostgreSQL on 127.0.0.1:$PG_PORT"
}
pg_stop() { [[ -z $PG_DIR ]] || "$REPO_ROOT/.ci/postgres" stop "$PG_DIR" || true; PG_DIR=""; }
pg_createdb() { psql -h 127.0.0.1 -p "$PG_PORT" -U tempfail -X -q -d postgres -c "CREATE DATABASE $1" >/dev/null; }
pg_url() { echo "jdbc:postgresql://127.0.0.1:$PG_PORT/$1?user=tempfail"; }
# at exit: the PostgreSQL cluster, then lib.sh's cleanup, with the script's exit status
cluster_cleanup() { local rc=$?; pg_stop; set +e; (exit "$rc"); bench_cleanup; }

# node_start DIR SMTP_PORT ADMIN_PORT [URL NODE]: one serve, on H2 under DIR or on URL as NODE
node_start() {
    local dir=$1 port=$2 admin=$3 url=${4:-} node=${5:-}
    TF_PORT=$port TF_ADMIN_PORT=$admin tf_config "$dir" "$SINK_PORT"
    if [[ -n $url ]]; then
        TEMPFAIL_QUEUE_URL=$url TEMPFAIL_QUEUE_NODE_ID=$node TF_PORT=$port TF_ADMIN_PORT=$admin tf_start "$dir"
    else
        TF_PORT=$port TF_ADMIN_PORT=$admin tf_start "$dir"
    fi
}

# send_split N OUT: N messages, half to each node at once; prints how many were accepted
send_split() {
    local n=$1 out=$2 half=$(($1 / 2)) rc1=0 rc2=0 p1 p2 n1 n2
    SESSIONS=$((SESSIONS / 2)) send_batch "$TF_PORT" "$half" "$out.1" >"$out.1.n" & p1=$!
    SESSIONS=$((SESSIONS / 2)) send_batch "$TF_PORT2" $((n - half)) "$out.2" >"$out.2.n" & p2=$!
    wait "$p1" || rc1=$?
    wait "$p2" || rc2=$?
    n1=$(cat "$out.1.n"); n2=$(cat "$out.2.n")
    echo $((n1 + n2))
    (( rc1 == 0 && rc2 == 0 ))
}

# timed NAME RUN SENDER: warm-up, then the timed batch, checked; sets LAST_SECONDS
timed() {
    local name=$1 run=$2 send=$3 sinkout=$WORK/sink-$1-$2.out n rc=0 t0 t1 got
    if (( WARMUP > 0 )); then
        n=$($send "$WARMUP" "$WORK/$name-$run-warmup.out") || rc=$?
        [[ $rc == 0 && $n == "$WARMUP" ]] || { fail_run "$name run $run: warm-up accepted $n/$WARMUP"; return 1; }
        wait_sink "$sinkout" "$WARMUP" "$LEG_TIMEOUT" || { fail_run "$name run $run: warm-up not delivered"; return 1; }
    fi
    t0=$(now)
    n=$($send "$MESSAGES" "$WORK/$name-$run.out") || rc=$?
    [[ $rc == 0 && $n == "$MESSAGES" ]] || { fail_run "$name run $run: accepted $n/$MESSAGES (rc=$rc)"; return 1; }
    if ! wait_sink "$sinkout" $((WARMUP + MESSAGES)) "$LEG_TIMEOUT"; then
        fail_run "$name run $run: sink got $(sink_count "$sinkout")/$((WARMUP + MESSAGES)) in ${LEG_TIMEOUT}s"; return 1
    fi
    t1=$(now)
    sleep 1
    got=$(sink_count "$sinkout")
    [[ $got == $((WARMUP + MESSAGES)) ]] || { fail_run "$name run $run: sink got $got (duplicates?)"; return 1; }
    LAST_SECONDS=$(elapsed "$t0" "$t1")
    log "$name run $run: $MESSAGES relayed in ${LAST_SECONDS}s ($(rate "$MESSAGES" "$LAST_SECONDS") msgs/s)"
}

send_one() { send_batch "$TF_PORT" "$1" "$2"; }

# queue_empty DIR: poll the (shared) queue through the first node's admin API, 30 s at most
queue_empty() {
    local dir=$1 q i
    for ((i = 0; i < 30; i++)); do
        q=$(tf_queue_count "$dir")
        [[ $q == 0 || $q == skip:* ]] && return 0
        sleep 1
    done
    log "$q message(s) left in the queue"
    return 1
}

leg() {
    local name=$1 run=$2 dir=$WORK/$1-$2 db="bench_$1_$2" pids=() send=send_one ok=1 url=""
    sink_start "$SINK_PORT" "$WORK/sink-$name-$run.out"
    [[ $name == h2 ]] || { pg_createdb "$db"; url=$(pg_url "$db"); }
    if node_start "$dir/n1" "$TF_PORT" "$TF_ADMIN_PORT" "$url" bench-1; then pids+=("$TF_PID"); else ok=0; fi
    if [[ $name == pg2 ]]; then
        send=send_split
        if node_start "$dir/n2" "$TF_PORT2" "$TF_ADMIN_PORT2" "$url" bench-2; then pids+=("$TF_PID"); else ok=0; fi
    fi
    if (( ok == 0 )); then
        fail_run "$name run $run: a node did not start"
    elif timed "$name" "$run" "$send"; then
        if queue_empty "$dir/n1"; then record "$name" "$run" "$LAST_SECONDS"; else fail_run "$name run $run: queue not empty"; fi
    fi
    local pid
    for pid in "${pids[@]:+${pids[@]}}"; do stop_pid "$pid"; done
    sink_stop
}

table() {
    local name secs rates s base=""
    echo
    echo "== cluster: messages per second, smtp-source -> tempfail -> smtp-sink =="
    echo "messages=$MESSAGES size=${SIZE}B sessions=$SESSIONS reuse=$REUSE warmup=$WARMUP runs=$RUNS"
    printf '%-6s %-30s %9s %9s %9s\n' leg runs median_s msgs/s vs_h2
    for name in h2 pg1 pg2; do
        mapfile -t secs < <(awk -v n="$name" '$1 == n { print $3 }' "$WORK/results" 2>/dev/null)
        (( ${#secs[@]} )) || { printf '%-6s %-30s\n' "$name" "no runs"; continue; }
        rates=()
        for s in "${secs[@]}"; do rates+=("$(rate "$MESSAGES" "$s")"); done
        local r; r=$(median "${rates[@]}")
        [[ $name == h2 ]] && base=$r
        printf '%-6s %-30s %9.3f %9.1f %9s\n' "$name" "$(IFS=,; echo "${rates[*]}")" "$(median "${secs[@]}")" "$r" \
            "$([[ -n $base ]] && awk -v a="$r" -v b="$base" 'BEGIN { printf "%.2f", a / b }' || echo n/a)"
    done
}

main() {
    bench_init
    trap cluster_cleanup EXIT
    ensure_tools
    tempfail_available || die "no tempfail jar to measure"
    command -v psql >/dev/null || die "psql missing (apt-get install postgresql)"
    port_must_be_free "$TF_PORT2" "second node smtp"
    port_must_be_free "$TF_ADMIN_PORT2" "second node admin"
    [[ $LEGS == h2 ]] || pg_start
    log "cluster: legs=$LEGS runs=$RUNS messages=$MESSAGES size=$SIZE sessions=$SESSIONS"
    local run name
    for ((run = 1; run <= RUNS; run++)); do
        for name in h2 pg1 pg2; do want_leg "$name" && leg "$name" "$run"; done
    done
    pg_stop
    table
    if [[ $PICK == 1 ]]; then
        echo
        echo "== the delivery pick on PostgreSQL (bench/pick-postgres.sh) =="
        "$BENCH_DIR/pick-postgres.sh"
    fi
    (( FAILURES == 0 )) || { log "$FAILURES run(s) failed their checks"; exit 1; }
    [[ -s $WORK/results ]] || { log "no leg ran (LEGS=$LEGS; the legs are h2, pg1, pg2)"; exit 1; }
}

main "$@"
