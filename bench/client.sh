#!/usr/bin/env bash
# Client benchmark: the resumable-upload client library vs tus-js-client (npm), the same 1 GiB file to the same
# server (ours, started here with fsync off so the disk is not what is measured), single stream and 4 parallel
# uploads (concatenation), timed inside each client after a warm-up upload of 256 MiB. Medians of N rounds
# (default 3). A parallel upload includes the server assembling the final upload (a 1 GiB copy).
#   bench/client.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
work=work
results=results/client-$(date -u +%Y%m%dT%H%M%SZ).jsonl
mkdir -p "$work" results
[ -f ../target/quarkus-app/quarkus-run.jar ] && ls ../target/*-client.jar >/dev/null 2>&1 || (cd .. && ./mvnw -q -B package -DskipTests)
(cd peers && npm ci --no-audit --no-fund --loglevel=error)
[ -f "$work/1g.bin" ] || head -c 1073741824 /dev/urandom > "$work/1g.bin"
[ -f "$work/256m.bin" ] || head -c 268435456 "$work/1g.bin" > "$work/256m.bin"
jar=$(ls ../target/*-client.jar)
port=18110
rm -rf "$work/client-uploads"
QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$((port + 1000)) TUS_MAX_SIZE=16G TUS_STORAGE_FILESYSTEM_FSYNC=false TUS_STORAGE_FILESYSTEM_DIRECTORY="$work/client-uploads" \
  TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY="$work/ours-postgres" java -Xmx256m -jar ../target/quarkus-app/quarkus-run.jar >"$work/client-server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null -X OPTIONS "http://localhost:$port/files" && break; sleep 0.5; done
endpoint="http://localhost:$port/files"
# warm-up of the server, the same for both clients
java -cp "$jar" ClientBench.java "$work/1g.bin" "$endpoint" 1 "$work/256m.bin" >/dev/null
for round in $(seq 1 "$rounds"); do
  for parallel in 1 4; do
    for client in ours tus-js-client; do
      if [ $client = ours ]; then
        line=$(java -cp "$jar" ClientBench.java "$work/1g.bin" "$endpoint" $parallel "$work/256m.bin")
      else
        line=$(node peers/tus-js-upload.mjs "$work/1g.bin" "$endpoint" $parallel "$work/256m.bin")
      fi
      echo "$line"
      echo "{\"round\":$round,${line#\{}" >>"$results"
      rm -rf "${work:?}/client-uploads/"*
    done
  done
done
echo "== medians of $rounds rounds ($results)"
python3 - "$results" <<'PY' 2>/dev/null || awk '{print}' "$results"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for parallel in (1, 4):
    m = {c: statistics.median(r["mb_per_s"] for r in rows if r["client"] == c and r["parallel"] == parallel) for c in ("ours", "tus-js-client")}
    print(f"parallel {parallel}: ours {m['ours']:.1f} MB/s, tus-js-client {m['tus-js-client']:.1f} MB/s, ratio {m['ours'] / m['tus-js-client']:.2f}x")
PY
