#!/usr/bin/env bash
# Every retry-lab preset through `tempfail lab run` with 20 messages, timed: each should take
# well under a minute of real time. Needs the jar: mvn -q -DskipTests package.
# Usage: bench/lab-presets.sh [MESSAGES]   (prints one line per preset; the reports go to $OUT)
set -euo pipefail
cd "$(dirname "$0")/.."
jar=target/tempfail.jar
messages=${1:-20}
OUT=${OUT:-$(mktemp -d)}
# 72-hour outcomes (expiry) and the 2/h preset's ten hours run at 10000x; the rest at 1000x.
declare -A scale=([icloud-reputation]=10000 [over-quota]=10000 [rate-limit-2h]=10000
                  [icloud-volume]=1000 [top-of-hour]=1000 [greylist]=1000 [user-unknown]=1000 [dmarc-reject]=1000)
for preset in icloud-reputation icloud-volume top-of-hour greylist rate-limit-2h over-quota user-unknown dmarc-reject; do
  start=$(date +%s.%N)
  java -jar "$jar" lab run --script "$preset" --time-scale "${scale[$preset]}" --messages "$messages" \
      --json > "$OUT/$preset.json"
  end=$(date +%s.%N)
  totals=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["totals"]; print("delivered %d failed %d expired %d pending %d, %d attempts, %s scaled, problems %d" % (t["delivered"], t["failed"], t["expired"], t["pending"], t["attempts"], r["elapsed"]["scaled_s"], len(r["problems"])))' "$OUT/$preset.json")
  printf '%-18s %6sx  %5.1f s real (JVM included)  %s\n' "$preset" "${scale[$preset]}" "$(echo "$end - $start" | bc)" "$totals"
done
echo "reports: $OUT"
