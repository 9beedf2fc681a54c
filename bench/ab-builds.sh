#!/usr/bin/env bash
# A/B of two builds (or two settings) of our server on small uploads, both running at once: A on port 18401, B on
# 18402, each warmed with WARMUP (40,000) uploads of each kind, then interleaved rounds (odd rounds A first) of
# 2000 x 64 KiB creation-with-upload and POST+PATCH at 32 in flight (after a lead-in of 1000, see small.sh); as deployed with several replicas (external
# PostgreSQL, postgres lock, fsync on, -Xmx256m). ENV_A / ENV_B add environment variables to one side; SQL_A / SQL_B
# are run on that side's database once it started (schema experiments, e.g. SQL_B="DROP INDEX upload_expires_at_idx").
#
#   bench/ab-builds.sh ROUNDS JAR_A JAR_B     e.g. bench/ab-builds.sh 6 /tmp/before/quarkus-run.jar target/quarkus-app/quarkus-run.jar
#   ENV_B="QUARKUS_THREAD_POOL_MAX_THREADS=12" bench/ab-builds.sh 6 target/quarkus-app/quarkus-run.jar target/quarkus-app/quarkus-run.jar
#
# (A build of another commit: git worktree add /tmp/before <commit> && (cd /tmp/before && ./mvnw -q package -DskipTests),
# then copy its target/quarkus-app away.) Results: bench/results/ab-builds-<timestamp>.jsonl, then medians per side.
set -euo pipefail
rounds=$1 jar_a=$(realpath "$2") jar_b=$(realpath "$3")
cd "$(dirname "$0")"
work=$PWD/work
mkdir -p "$work/classes" results
javac -d "$work/classes" TusBench.java
bench() { java -cp "$work/classes" TusBench "$@"; }
pg_url=${BENCH_PG:-127.0.0.1:5432}
declare -A pid port=([a]=18401 [b]=18402)
start() { # side jar
  local side=$1 jar=$2 extra
  extra=ENV_${side^^}
  psql -q -h "${pg_url%:*}" -p "${pg_url#*:}" -U postgres -c "drop database if exists tusab$side" \
    -c "create database tusab$side" >/dev/null 2>&1
  rm -rf "$work/ab-$side" && mkdir -p "$work/ab-$side"
  # shellcheck disable=SC2086
  env ${!extra:-} QUARKUS_HTTP_PORT=${port[$side]} QUARKUS_MANAGEMENT_PORT=$((port[$side] + 1000)) TUS_MAX_SIZE=16G \
    QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$pg_url/tusab$side" QUARKUS_DATASOURCE_USERNAME=postgres \
    QUARKUS_DATASOURCE_PASSWORD= TUS_LOCK_BACKEND=postgres TUS_STORAGE_FILESYSTEM_FSYNC=true \
    TUS_STORAGE_FILESYSTEM_DIRECTORY="$work/ab-$side" \
    java -Xmx256m -jar "$jar" >"$work/ab-$side.log" 2>&1 &
  pid[$side]=$!
  for _ in $(seq 1 240); do curl -s -o /dev/null -X OPTIONS "http://localhost:${port[$side]}/files" && return; sleep 0.5; done
  echo "side $side did not start, see $work/ab-$side.log" >&2
  exit 1
}
trap 'kill ${pid[a]:-} ${pid[b]:-} 2>/dev/null || true; rm -rf "$work/ab-a" "$work/ab-b"' EXIT
start a "$jar_a"
start b "$jar_b"
for side in a b; do
  sql=SQL_${side^^}
  if [ -n "${!sql:-}" ]; then
    psql -q -h "${pg_url%:*}" -p "${pg_url#*:}" -U postgres -d "tusab$side" -c "${!sql}"
  fi
done
for side in a b; do
  for cwu in false true; do
    bench small "http://localhost:${port[$side]}/files" --count "${WARMUP:-40000}" --size 64K --concurrency 32 \
      --creation-with-upload $cwu >/dev/null
  done
done
results=results/ab-builds-$(date -u +%Y%m%dT%H%M%SZ).jsonl
for round in $(seq 1 "$rounds"); do
  order="a b"; [ $((round % 2)) = 0 ] && order="b a"
  for cwu in true false; do
    for side in $order; do
      line=$(bench small "http://localhost:${port[$side]}/files" --count 2000 --lead-in "${LEAD_IN:-1000}" --size 64K --concurrency 32 \
        --cpu-pid "${pid[$side]}" --creation-with-upload $cwu)
      echo "$side round $round: $line"
      echo "{\"variant\":\"$side\",\"round\":$round,${line#\{}" >>"$results"
    done
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for scenario in dict.fromkeys(r["scenario"] for r in rows):
  for side in ("a", "b"):
    mine = [r for r in rows if r["variant"] == side and r["scenario"] == scenario]
    med = lambda k: statistics.median(r[k] for r in mine)
    print(f"{scenario} {side}: {med('uploads_per_s'):.1f} uploads/s, p50 {med('p50_ms'):.1f} p99 {med('p99_ms'):.1f} ms, "
          f"server {med('server_cpu_ms'):.3f} ms, PostgreSQL {med('pg_cpu_ms'):.3f} ms per upload (median of {len(mine)}); "
          f"per round {[round(r['uploads_per_s']) for r in mine]}")
PY
