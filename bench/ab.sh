#!/usr/bin/env bash
# A/B of one setting of our server on small uploads: the same build started with VAR=A and VAR=B in turn, each start
# warmed like bench/small.sh (40,000 uploads of each kind), then two measured runs each of 2000 x 64 KiB POST+PATCH and
# of 2000 creation-with-upload at 32 in flight; as deployed with several replicas (external PostgreSQL, postgres
# lock, fsync on, -Xmx256m).
#
#   bench/ab.sh VAR A B [pairs]     e.g. bench/ab.sh TUS_LOCK_POSTGRES_TRANSACTION_APPEND_MAX_SIZE 0 256K 3
#
# Results: bench/results/ab-<timestamp>.jsonl (one line per measured run, with the variant), then medians per variant.
set -euo pipefail
cd "$(dirname "$0")"
var=$1 a=$2 b=$3 pairs=${4:-3}
work=work
mkdir -p "$work" results
javac -d "$work/classes" TusBench.java
[ -f ../target/quarkus-app/quarkus-run.jar ] || (cd .. && ./mvnw -q -B package -DskipTests)
results=results/ab-$(date -u +%Y%m%dT%H%M%SZ).jsonl
pg_url=${BENCH_PG:-127.0.0.1:5432}
port=18400
bench() { java -cp "$work/classes" TusBench "$@"; }
run() {
  local value=$1
  psql -q -h "${pg_url%:*}" -p "${pg_url#*:}" -U postgres -c "drop database if exists tusab" \
    -c "create database tusab" >/dev/null 2>&1
  rm -rf "$work/ab-uploads" && mkdir -p "$work/ab-uploads"
  env "$var=$value" QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$((port + 1000)) TUS_MAX_SIZE=16G \
    QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$pg_url/tusab" QUARKUS_DATASOURCE_USERNAME=postgres \
    QUARKUS_DATASOURCE_PASSWORD= TUS_LOCK_BACKEND=postgres TUS_STORAGE_FILESYSTEM_FSYNC=true \
    TUS_STORAGE_FILESYSTEM_DIRECTORY="$work/ab-uploads" \
    java -Xmx256m -jar ../target/quarkus-app/quarkus-run.jar >"$work/ab.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do curl -s -o /dev/null -X OPTIONS "http://localhost:$port/files" && break; sleep 0.5; done
  bench small "http://localhost:$port/files" --count 40000 --size 64K --concurrency 32 >/dev/null
  bench small "http://localhost:$port/files" --count 40000 --size 64K --concurrency 32 --creation-with-upload true >/dev/null
  for _ in 1 2; do
    for cwu in false true; do
      line=$(bench small "http://localhost:$port/files" --count 2000 --size 64K --concurrency 32 --cpu-pid "$pid" \
        --creation-with-upload $cwu)
      echo "$var=$value $line"
      echo "{\"variant\":\"$value\",${line#\{}" >>"$results"
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
for _ in $(seq 1 "$pairs"); do run "$a"; run "$b"; done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for scenario in dict.fromkeys(r["scenario"] for r in rows):
  for variant in dict.fromkeys(r["variant"] for r in rows):
    mine = [r for r in rows if r["variant"] == variant and r["scenario"] == scenario]
    med = lambda k: statistics.median(r[k] for r in mine)
    print(f"{scenario} {variant}: {med('uploads_per_s'):.1f} uploads/s, p99 {med('p99_ms'):.1f} ms, "
          f"server {med('server_cpu_ms'):.3f} ms, PostgreSQL {med('pg_cpu_ms'):.3f} ms per upload (median of {len(mine)})")
PY
