#!/usr/bin/env bash
# The lease pick on PostgreSQL against the size of the queue: the query DeliveryQueue runs
# (DUE_SKIP_LOCKED) on 10k, 100k and 1M deferred recipients, once with nothing due and once
# with everything due (pick LIMIT rows), as the server's own EXPLAIN ANALYZE execution time,
# median of RUNS. Flat figures mean the pick does not grow with the queue.
# Starts a private PostgreSQL cluster (.ci/postgres), applies db/migration with psql, and
# removes the cluster at exit.   RUNS=5 LIMIT=200 SIZES="10000 100000 1000000" bench/pick-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5} LIMIT=${LIMIT:-200} SIZES=${SIZES:-"10000 100000 1000000"}

dir=$(mktemp -d)
trap '.ci/postgres stop "$dir" || true' EXIT
url=$(.ci/postgres start "$dir")
port=${url#jdbc:postgresql://127.0.0.1:}; port=${port%%/*}
psql_() { psql -h 127.0.0.1 -p "$port" -U tempfail -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_ -d postgres -c "CREATE DATABASE pick"
for f in db/migration/V*.sql; do psql_ -d pick -f "$f"; done
psql_ -d pick -c "INSERT INTO message (queue_id, sender, size, received_at) VALUES ('Q1', 's@example.org', 1, 0)"

# the statement of DeliveryQueue.DUE_SKIP_LOCKED, with its parameters filled in
pick() { # state upper-bound limit
  echo "SELECT id, domain FROM recipient WHERE state = '$1' AND next_attempt_at BETWEEN 0 AND $2"\
       "ORDER BY state, next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED"
}
median_ms() { # sql
  local i out times=()
  for ((i = 0; i < RUNS; i++)); do
    out=$(psql_ -d pick -At -c "BEGIN" -c "EXPLAIN (ANALYZE, TIMING OFF) $1" -c "ROLLBACK")
    out=${out##*Execution Time: }; times+=("${out%% ms*}")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

base=2000000000000 have=0
printf '%-22s %-22s %-s\n' "deferred recipients" "nothing due (ms)" "all due, pick $LIMIT (ms)"
for n in $SIZES; do
  psql_ -d pick -c "INSERT INTO recipient (message_id, address, domain, state, next_attempt_at) SELECT 1, 'd' || x
    || '@example.com', 'example.com', 'deferred', $base + x FROM generate_series($((have + 1)), $n) AS g(x)" -c "ANALYZE recipient"
  have=$n
  printf '%-22s %-22s %-s\n' "$n" "$(median_ms "$(pick deferred $((base - 1)) "$LIMIT")")" \
    "$(median_ms "$(pick deferred $((base + n)) "$LIMIT")")"
done
