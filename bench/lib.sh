# shellcheck shell=bash
# Shared helpers for bench/intake.sh and bench/relay.sh. Sourced, not run.
#
# Everything here talks to loopback only (127.0.0.1). Every wait is bounded.
# Processes started here are remembered and stopped by bench_cleanup (trap EXIT).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
export LC_ALL=C                      # '.' as decimal point in EPOCHREALTIME and awk
export PATH="$PATH:/usr/sbin:/sbin"  # postfix, smtp-source, smtp-sink live in /usr/sbin

# ---- knobs (environment) -----------------------------------------------------------
RUNS=${RUNS:-3}                      # timed repetitions per leg; the median is reported
MESSAGES=${MESSAGES:-2000}           # timed messages per run
SIZE=${SIZE:-5120}                   # payload bytes per message (smtp-source -l; headers extra)
SESSIONS=${SESSIONS:-20}             # parallel SMTP sessions (smtp-source -s)
WARMUP=${WARMUP:-20000}              # untimed messages sent first in every run: the steady state (bench/README.md)
REUSE=${REUSE:-0}                    # 1 = several messages per connection (smtp-source -d)
LEG_TIMEOUT=${LEG_TIMEOUT:-300}      # seconds allowed for one timed batch (send, or send+deliver)
START_TIMEOUT=${START_TIMEOUT:-60}   # seconds allowed for a server to start listening
POLL=${POLL:-0.1}                    # seconds between polls of counters
LEGS=${LEGS:-tempfail,postfix}       # which legs to run
KEEP=${KEEP:-0}                      # 1 = keep the work directory (logs, queues) after the run
REBUILD=${REBUILD:-0}                # 1 = rebuild target/tempfail.jar even if present
TF_JAVA_OPTS=${TF_JAVA_OPTS:-}       # extra JVM options for the tempfail leg
PF_MAIN_EXTRA=${PF_MAIN_EXTRA:-}     # extra main.cf lines for the Postfix instance (e.g. $'a = b\nc = d')

TF_PORT=${TF_PORT:-2525}             # tempfail SMTP listener
TF_ADMIN_PORT=${TF_ADMIN_PORT:-8026} # tempfail admin HTTP listener
PF_PORT=${PF_PORT:-2526}             # Postfix bench instance smtpd
SINK_PORT=${SINK_PORT:-2527}         # smtp-sink (relay bench)
CLOSED_PORT=${CLOSED_PORT:-2528}     # nothing listens here (intake bench "next hop")

JAR=${TF_JAR:-$REPO_ROOT/target/tempfail.jar}   # TF_JAR: test another build
SENDER=bench@example.test
RECIPIENT=rcpt@example.test          # smtp-source -N prefixes a sequence number

# ---- small utilities ----------------------------------------------------------------
log()  { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die()  { log "FATAL: $*"; exit 1; }
now()  { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate()    { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", n / s; else print "n/a" }'; }

# median of the numbers given as arguments (mean of the middle two for an even count)
median() {
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
        END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2];
              else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

want_leg() { [[ ",$LEGS," == *",$1,"* ]]; }

# is something listening on 127.0.0.1:PORT? (ss reads the socket table: sends no traffic)
port_listening() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

port_must_be_free() {
    if port_listening "$1"; then
        die "port 127.0.0.1:$1 ($2) is already in use; pick another with the env knob shown in the header"
    fi
}

# wait_listening PORT SECONDS [PID]: poll until PORT listens; fail early if PID died
wait_listening() {
    local port=$1 limit=$2 pid=${3:-} deadline
    deadline=$(awk -v t="$(now)" -v l="$limit" 'BEGIN { printf "%.3f", t + l }')
    until port_listening "$port"; do
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
        if awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t > d) }'; then return 1; fi
        sleep 0.2
    done
}

# ---- cleanup -------------------------------------------------------------------------
WORK=""
BENCH_PIDS=()          # background processes we started (java, smtp-sink)
BENCH_PF_DIRS=()       # Postfix instances we started (their config dirs)

# stop_pid PID: TERM, wait up to 10 s, then KILL. Only ever called with our own PIDs.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.2
    done
    log "pid $pid did not stop in 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
    local rc=$? pid dir
    trap - EXIT INT TERM
    for pid in "${BENCH_PIDS[@]:+${BENCH_PIDS[@]}}"; do stop_pid "$pid"; done
    for dir in "${BENCH_PF_DIRS[@]:+${BENCH_PF_DIRS[@]}}"; do pf_stop "$dir"; done
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ $KEEP == 1 || $rc != 0 ]]; then
            log "work directory kept: $WORK"
        else
            rm -rf -- "$WORK"
        fi
    fi
    exit "$rc"
}

bench_init() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/tempfail-bench.XXXXXX")
    chmod 755 "$WORK"                 # Postfix daemons (user postfix) must traverse it
    log "work directory: $WORK"
}

# ---- prerequisites -------------------------------------------------------------------
# ensure_tools: postfix (with smtp-source, smtp-sink) and jq, from Debian, if missing
ensure_tools() {
    local pkgs=()
    command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null \
        && command -v postfix >/dev/null || pkgs+=(postfix)
    command -v jq >/dev/null || pkgs+=(jq)
    (( ${#pkgs[@]} )) || return 0
    [[ $(id -u) == 0 ]] || die "missing ${pkgs[*]} and not root to install them"
    log "installing ${pkgs[*]} (apt-get)"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    timeout 600 apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${pkgs[@]}" >/dev/null
    command -v smtp-source >/dev/null || die "postfix installed but smtp-source is missing"
}

# ensure_jar: build target/tempfail.jar if missing (or REBUILD=1). Returns 1 if no jar.
ensure_jar() {
    if [[ -f $JAR && $REBUILD != 1 ]]; then return 0; fi
    [[ $JAR == "$REPO_ROOT/target/tempfail.jar" ]] || { log "no such jar: $JAR"; return 1; }
    log "building $JAR (mvn -q -DskipTests package)"
    if ! (cd "$REPO_ROOT" && timeout 1200 mvn -q -DskipTests package >"$WORK/mvn.log" 2>&1); then
        log "maven build failed; see $WORK/mvn.log"
        KEEP=1
        return 1
    fi
    [[ -f $JAR ]]
}

# tf_has_command NAME: does the jar list subcommand NAME in its usage?
tf_has_command() {
    local usage
    usage=$(timeout 60 java -jar "$JAR" --help 2>&1) || true
    grep -Eq "^[[:space:]]+$1([[:space:],]|$)" <<<"$usage"
}

# tempfail_available: jar present (built if needed) and has `serve`; else explain and fail
tempfail_available() {
    ensure_jar || { log "SKIP tempfail leg: no target/tempfail.jar"; return 1; }
    if ! tf_has_command serve; then
        log "SKIP tempfail leg: target/tempfail.jar has no 'serve' subcommand yet"
        return 1
    fi
}

# ---- smtp-source ---------------------------------------------------------------------
# send_batch PORT COUNT OUT: send COUNT messages; prints the number smtp-source counted
# (its -c counter: one tick per completed DATA; without -A any non-2xx reply is fatal).
# Returns smtp-source's exit status.
send_batch() {
    local port=$1 count=$2 out=$3 rc=0
    local opts=(-c -s "$SESSIONS" -m "$count" -l "$SIZE"
        -f "$SENDER" -t "$RECIPIENT" -N -M bench.localhost)
    [[ $REUSE == 1 ]] && opts+=(-d)
    (cd "$WORK" && timeout "$LEG_TIMEOUT" smtp-source "${opts[@]}" "127.0.0.1:$port") \
        >"$out" 2>"$out.err" || rc=$?
    tr '\r' '\n' <"$out" | grep -E '^[0-9]+$' | tail -n1 || echo 0
    if [[ $rc != 0 ]]; then
        log "smtp-source exited $rc: $(tail -n3 "$out.err" | tr '\n' ' ')"
    fi
    return "$rc"
}

# ---- smtp-sink -----------------------------------------------------------------------
# sink_start PORT OUT: a discarding SMTP server on 127.0.0.1:PORT whose -c counters go to OUT
sink_start() {
    local port=$1 out=$2
    port_must_be_free "$port" "smtp-sink"
    local limit=$(( (RUNS + 1) * (LEG_TIMEOUT + START_TIMEOUT) * 2 + 600 ))
    timeout "$limit" smtp-sink -u nobody -c "127.0.0.1:$port" 256 >"$out" 2>"$out.err" &
    SINK_PID=$!
    BENCH_PIDS+=("$SINK_PID")
    wait_listening "$port" 10 "$SINK_PID" || die "smtp-sink did not start: $(cat "$out.err")"
}

sink_stop() { stop_pid "$SINK_PID"; }

# sink_count OUT: messages the sink has received so far ("." count)
sink_count() {
    local n
    n=$(tail -c 256 "$1" 2>/dev/null | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -n1 | cut -d= -f2)
    echo "${n:-0}"
}

# wait_sink OUT TARGET SECONDS: poll until the sink has TARGET messages; 1 on timeout
wait_sink() {
    local out=$1 target=$2 deadline
    deadline=$(awk -v t="$(now)" -v l="$3" 'BEGIN { printf "%.3f", t + l }')
    while (( $(sink_count "$out") < target )); do
        if awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t > d) }'; then return 1; fi
        sleep "$POLL"
    done
}

# ---- Postfix: a private instance under $WORK -------------------------------------------
# pf_create DIR SMTPD_PORT NEXTHOP_PORT: write main.cf/master.cf for an instance that
# listens on 127.0.0.1:SMTPD_PORT only and relays everything to [127.0.0.1]:NEXTHOP_PORT.
pf_create() {
    local dir=$1 port=$2 nexthop=$3
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
    chown postfix "$dir/data" && chmod 700 "$dir/data"
    cat >"$dir/etc/main.cf" <<EOF
# Postfix bench instance, generated by bench/lib.sh. Loopback only; no DNS; no local delivery.
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
syslog_name = postfix-bench
myhostname = postfix-bench.localhost
myorigin = \$myhostname
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$nexthop
smtp_dns_support_level = disabled
biff = no
${PF_MAIN_EXTRA:-}
EOF
    # master.cf: Debian's standard services, no chroot (the queue is under $WORK), and
    # the only listener is 127.0.0.1:PORT (no port 25, no pipe transports).
    cat >"$dir/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup     unix  n - n 60    1 pickup
cleanup    unix  n - n -     0 cleanup
qmgr       unix  n - n 300   1 qmgr
rewrite    unix  - - n -     - trivial-rewrite
bounce     unix  - - n -     0 bounce
defer      unix  - - n -     0 bounce
trace      unix  - - n -     0 bounce
verify     unix  - - n -     1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -     - proxymap
proxywrite unix  - - n -     1 proxymap
smtp       unix  - - n -     - smtp
relay      unix  - - n -     - smtp
showq      unix  n - n -     - showq
error      unix  - - n -     - error
retry      unix  - - n -     - error
discard    unix  - - n -     - discard
local      unix  - n n -     - local
anvil      unix  - - n -     1 anvil
scache     unix  - - n -     1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
}

# pf_start DIR: `postfix -c DIR/etc start` (creates the queue tree) and wait for smtpd's port
pf_start() {
    local dir=$1 port=$2 msg
    port_must_be_free "$port" "postfix smtpd"
    BENCH_PF_DIRS+=("$dir")
    touch "$dir/.running"
    if ! msg=$(timeout 60 postfix -c "$dir/etc" start 2>&1); then
        die "postfix did not start: $msg $(tail -n5 "$dir/maillog" 2>/dev/null)"
    fi
    wait_listening "$port" "$START_TIMEOUT" || die "postfix smtpd not listening on $port"
}

# pf_stop DIR: stop that instance (and only it), bounded
pf_stop() {
    local dir=$1 pid=""
    [[ -f $dir/.running ]] || return 0
    rm -f "$dir/.running"
    [[ -f $dir/spool/pid/master.pid ]] && pid=$(tr -dc 0-9 <"$dir/spool/pid/master.pid")
    timeout 30 postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
    if [[ -n $pid ]]; then
        local i
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
        log "postfix master $pid did not stop; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

# pf_queue_count DIR: messages in that instance's queue (every queue a message can be in)
pf_queue_count() {
    local spool=$1/spool q n=0
    for q in maildrop incoming active deferred hold corrupt; do
        n=$(( n + $(find "$spool/$q" -type f 2>/dev/null | wc -l) ))
    done
    echo "$n"
}

# pf_wait_queue DIR EXPECTED SECONDS: wait until the queue count is EXPECTED on two reads
# in a row (a file renamed between queues mid-scan could be missed or seen twice once)
pf_wait_queue() {
    local dir=$1 want=$2 limit=$3 n i
    for ((i = 0; i < limit * 5; i++)); do
        n=$(pf_queue_count "$dir")
        if [[ $n == "$want" && $(pf_queue_count "$dir") == "$want" ]]; then echo "$n"; return 0; fi
        sleep 0.2
    done
    echo "$n"
    return 1
}

# ---- tempfail ------------------------------------------------------------------------
# tf_config DIR SMARTHOST_PORT: write DIR/tempfail.yaml (fresh queue under DIR/data)
tf_config() {
    local dir=$1 smarthost=$2
    mkdir -p "$dir/data"
    cat >"$dir/tempfail.yaml" <<EOF
# tempfail bench config, generated by bench/lib.sh
smtp:
  listen: 127.0.0.1:$TF_PORT
  max_connections: 200
queue:
  dir: $dir/data
delivery:
  smarthost: 127.0.0.1:$smarthost
admin:
  listen: 127.0.0.1:$TF_ADMIN_PORT
EOF
}

# the bench decides these; an exported value would silently override the config file.
# (Other TEMPFAIL_* variables, e.g. TEMPFAIL_DELIVERY_PER_DESTINATION, pass through.)
TF_ENV_UNSET=(-u TEMPFAIL_SMTP_LISTEN -u TEMPFAIL_QUEUE_DIR -u TEMPFAIL_DELIVERY_SMARTHOST
              -u TEMPFAIL_ADMIN_LISTEN)

# tf_start DIR: java -jar target/tempfail.jar serve --config DIR/tempfail.yaml
tf_start() {
    local dir=$1
    port_must_be_free "$TF_PORT" "tempfail smtp"
    port_must_be_free "$TF_ADMIN_PORT" "tempfail admin"
    # shellcheck disable=SC2086
    env "${TF_ENV_UNSET[@]}" java $TF_JAVA_OPTS -jar "$JAR" serve --config "$dir/tempfail.yaml" \
        >"$dir/tempfail.log" 2>&1 &
    TF_PID=$!
    BENCH_PIDS+=("$TF_PID")
    if ! wait_listening "$TF_PORT" "$START_TIMEOUT" "$TF_PID"; then
        log "tempfail did not listen on $TF_PORT within ${START_TIMEOUT}s; log tail:"
        tail -n 20 "$dir/tempfail.log" >&2
        KEEP=1
        return 1
    fi
}

tf_stop() { stop_pid "$TF_PID"; }

# tf_queue_count DIR: messages tempfail holds, from `queue list --json` ({"total": N, ...});
# prints "skip: why" when that is not available.
tf_queue_count() {
    local dir=$1 json
    command -v jq >/dev/null || { echo "skip: jq not installed (apt-get install jq)"; return 0; }
    if ! json=$(tf_cli "$dir" queue list --json --limit 1 --config "$dir/tempfail.yaml"); then
        echo "skip: 'queue list --json' failed: $(tail -n1 "$dir/cli.err")"
        return 0
    fi
    jq -r '.total' <<<"$json" 2>/dev/null || echo "skip: output is not JSON"
}

# tf_cli DIR ARGS...: run a tempfail CLI command against the bench instance (bounded)
tf_cli() {
    local dir=$1; shift
    env "${TF_ENV_UNSET[@]}" TEMPFAIL_ADMIN_LISTEN="127.0.0.1:$TF_ADMIN_PORT" \
        timeout 60 java -jar "$JAR" "$@" 2>>"$dir/cli.err"
}

# ---- report --------------------------------------------------------------------------
# results are kept as lines "name run seconds" in $WORK/results
record() { echo "$1 $2 $3" >>"$WORK/results"; }

print_table() {
    local title=$1 name secs rates med_s med_r tf_rate="" pf_rate=""
    echo
    echo "== $title =="
    echo "messages=$MESSAGES size=${SIZE}B sessions=$SESSIONS reuse=$REUSE warmup=$WARMUP runs=$RUNS"
    printf '%-10s %4s %9s %9s %9s\n' name run messages seconds msgs/s
    if [[ -f $WORK/results ]]; then
        while read -r name run secs; do
            printf '%-10s %4s %9s %9s %9s\n' "$name" "$run" "$MESSAGES" "$secs" "$(rate "$MESSAGES" "$secs")"
        done <"$WORK/results"
    fi
    echo "-- median --"
    printf '%-10s %9s %9s %9s\n' name messages seconds msgs/s
    for name in tempfail postfix; do
        mapfile -t secs < <(awk -v n="$name" '$1 == n { print $3 }' "$WORK/results" 2>/dev/null)
        if (( ${#secs[@]} == 0 )); then
            printf '%-10s %9s %9s %9s\n' "$name" "-" "no runs" "-"
            continue
        fi
        rates=()
        local s
        for s in "${secs[@]}"; do rates+=("$(rate "$MESSAGES" "$s")"); done
        med_s=$(median "${secs[@]}")
        med_r=$(median "${rates[@]}")
        printf '%-10s %9s %9.3f %9.1f\n' "$name" "$MESSAGES" "$med_s" "$med_r"
        [[ $name == tempfail ]] && tf_rate=$med_r
        [[ $name == postfix ]] && pf_rate=$med_r
    done
    if [[ -n $tf_rate && -n $pf_rate ]]; then
        echo "ratio tempfail/postfix (msgs/s): $(awk -v a="$tf_rate" -v b="$pf_rate" 'BEGIN { printf "%.2f", a / b }')"
    else
        echo "ratio tempfail/postfix (msgs/s): n/a (a leg was skipped)"
    fi
}
