#!/usr/bin/env bash
# Replicas benchmark: 2000 uploads of 64 KiB, 32 in flight, through 1 and through 3 replicas of the packaged server
# (each POST to one replica, its PATCH to the next: no stickiness), for each lock backend; the lock acquire p50/p99
# come from the replicas' tus_lock_acquire_seconds metric. Medians of N rounds (default 3).
# SETUPS='redis 1,redis 3' limits the run to some of them (comma-separated).
# Needs a PostgreSQL for all replicas (BENCH_DATABASE_URL, default the machine's) and Redis (BENCH_REDIS_URL).
#   bench/replicas.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
db=${BENCH_DATABASE_URL:-jdbc:postgresql://127.0.0.1:5432/postgres}
redis=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
work=work
results=results/replicas-$(date -u +%Y%m%dT%H%M%SZ).jsonl
mkdir -p "$work" results
[ -f ../target/quarkus-app/quarkus-run.jar ] || (cd .. && ./mvnw -q -B package -DskipTests)
javac -d "$work/classes" TusBench.java
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap stop_all EXIT

IFS=, read -r -a setups <<< "${SETUPS:-memory 1,postgres 1,postgres 3,redis 1,redis 3}"
for setup in "${setups[@]}"; do
  backend=${setup% *}
  count=${setup#* }
  rm -rf "$work/replica-uploads" && mkdir -p "$work/replica-uploads"
  endpoints=()
  managements=()
  for i in $(seq 0 $((count - 1))); do
    port=$((18130 + i))
    QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$((port + 100)) QUARKUS_DATASOURCE_JDBC_URL=$db QUARKUS_DATASOURCE_USERNAME=${BENCH_DATABASE_USER:-postgres} \
    QUARKUS_DATASOURCE_PASSWORD=${BENCH_DATABASE_PASSWORD:-} TUS_LOCK_BACKEND=$backend QUARKUS_REDIS_HOSTS=$redis \
    TUS_STORAGE_FILESYSTEM_DIRECTORY="$work/replica-uploads" \
      java -Xmx256m -jar ../target/quarkus-app/quarkus-run.jar >"$work/replica-$i.log" 2>&1 &
    pids+=($!)
    endpoints+=("http://localhost:$port/files")
    managements+=("http://localhost:$((port + 100))")
  done
  for m in "${managements[@]}"; do
    for _ in $(seq 1 120); do curl -fs -o /dev/null "$m/q/health/ready" && break; sleep 0.5; done
  done
  list=$(IFS=,; echo "${endpoints[*]}")
  java -cp "$work/classes" TusBench small "$list" --count 1000 --size 64K --concurrency 32 >/dev/null
  for round in $(seq 1 "$rounds"); do
    line=$(java -cp "$work/classes" TusBench small "$list" --count 2000 --size 64K --concurrency 32)
    p50=0; p99=0
    for e in "${managements[@]}"; do
      m=$(curl -fs "$e/q/metrics")
      q50=$(echo "$m" | awk -F' ' '/^tus_lock_acquire_seconds\{.*quantile="0.5"/{print $2}')
      q99=$(echo "$m" | awk -F' ' '/^tus_lock_acquire_seconds\{.*quantile="0.99"/{print $2}')
      p50=$(awk -v a="$p50" -v b="${q50:-0}" 'BEGIN{print (b>a)?b:a}')
      p99=$(awk -v a="$p99" -v b="${q99:-0}" 'BEGIN{print (b>a)?b:a}')
    done
    echo "$backend x$count: $line lock p50 ${p50}s p99 ${p99}s"
    echo "{\"backend\":\"$backend\",\"replicas\":$count,\"round\":$round,\"lock_p50_s\":$p50,\"lock_p99_s\":$p99,${line#\{}" >>"$results"
    rm -rf "${work:?}/replica-uploads/"*
  done
  stop_all
done
echo "== medians of $rounds rounds ($results)"
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| lock backend | replicas | uploads/s | p50 (ms) | p99 (ms) | lock acquire p50 (ms) | lock acquire p99 (ms) |")
print("|---|---|---|---|---|---|---|")
for key in sorted({(r["backend"], r["replicas"]) for r in rows}, key=lambda k: (["memory", "postgres", "redis"].index(k[0]), k[1])):
    sel = [r for r in rows if (r["backend"], r["replicas"]) == key]
    med = lambda f: statistics.median(r[f] for r in sel)
    print(f"| {key[0]} | {key[1]} | {med('uploads_per_s'):.0f} | {med('p50_ms'):.1f} | {med('p99_ms'):.1f} | {med('lock_p50_s')*1000:.2f} | {med('lock_p99_s')*1000:.2f} |")
PY
