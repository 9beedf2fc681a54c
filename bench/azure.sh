#!/usr/bin/env bash
# Azure benchmark: resumable-upload on its Azure backend beside @tus/server + @tus/azure-store, both against the same
# Azurite (npm, in memory, restarted for every server so neither inherits the other's blobs), same client
# (bench/TusBench.java), same run.
#
#   bench/azure.sh [rounds]        (default 3; needs a JDK 17+, Node.js 18+)
#   BENCH_ONLY=chunked bench/azure.sh 1   (only the scenarios whose name matches; BENCH_SERVERS=ours-azure: one server)
#
# Scenarios: 1 GiB in 4 MiB PATCHes, 2000 x 64 KiB at 32 in flight, 64 MiB in one PATCH. No 1 GiB single PATCH:
# @tus/azure-store buffers a whole PATCH in memory and appends it as one block, which Azure caps at 100 MiB (4 MiB
# before API version 2019-12-12), so it cannot take one. Our blocks are 8 MiB (the default). Azurite is the same
# bottleneck for both servers and keeps everything in memory, so the figures compare the servers, not Azure. Our
# server uses the PostgreSQL that QUARKUS_DATASOURCE_JDBC_URL names, else its embedded one.
# Results: bench/results/azure-<timestamp>.jsonl and a Markdown table of medians with ratios to @tus/azure-store.
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
work=work
results=results/azure-$(date -u +%Y%m%dT%H%M%SZ).jsonl
mkdir -p "$work" results

echo "== preparing"
[ -f ../target/quarkus-app/quarkus-run.jar ] || (cd .. && ./mvnw -q -B package -DskipTests)
(cd peers && npm ci --no-audit --no-fund --loglevel=error)
mkdir -p ../target/azurite
cp ../src/test/azurite/package.json ../src/test/azurite/package-lock.json ../target/azurite/
[ -x ../target/azurite/node_modules/.bin/azurite-blob ] ||
  (cd ../target/azurite && npm ci --no-audit --no-fund --loglevel=error)
[ -f "$work/1g.bin" ] || head -c 1073741824 /dev/urandom > "$work/1g.bin"
[ -f "$work/64m.bin" ] || head -c 67108864 "$work/1g.bin" > "$work/64m.bin"
# The test files must be on disk before the first round: their writeback otherwise falls into it.
sync
javac -d "$work/classes" TusBench.java
bench() { java -cp "$work/classes" TusBench "$@"; }

blobport=${AZURITE_PORT:-18301}
port=${BENCH_PORT:-18300}
management_port=${BENCH_MANAGEMENT_PORT:-18302}
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blobport/devstoreaccount1;"
server_pid=""
azurite_pid=""

start_azurite() {
  ../target/azurite/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort "$blobport" --inMemoryPersistence \
    --skipApiVersionCheck --loose --silent >"$work/azurite.log" 2>&1 &
  azurite_pid=$!
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$blobport) 2>/dev/null && return 0; sleep 0.5; done
  echo "Azurite did not start, see $work/azurite.log" >&2
  exit 1
}
stop_azurite() {
  # In memory mode Azurite ignores SIGTERM.
  [ -n "$azurite_pid" ] && { kill -9 "$azurite_pid" 2>/dev/null || true; wait "$azurite_pid" 2>/dev/null || true; }
  azurite_pid=""
}

start() {
  local name=$1
  local spool="$work/$name-spool"
  rm -rf "$spool" && mkdir -p "$spool"
  case $name in
    ours-azure)
      # The container must exist: our server does not create it (a deployment's container is provisioned).
      node peers/azure-container.mjs "$connection" ours
      QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$management_port TUS_MAX_SIZE=16G TUS_STORAGE_BACKEND=azure TUS_STORAGE_AZURE_CONTAINER=ours \
      TUS_STORAGE_AZURE_CONNECTION_STRING="$connection" TUS_STORAGE_AZURE_SPOOL_DIRECTORY="$spool" \
      TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY="$work/ours-postgres" \
        java -Xmx256m -jar ../target/quarkus-app/quarkus-run.jar >"$work/$name.log" 2>&1 &
      ;;
    node-azure)
      node peers/node-azure-server.mjs $port "$connection" node >"$work/$name.log" 2>&1 &
      ;;
  esac
  server_pid=$!
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS "http://localhost:$port/files" || true)
    case $code in 2*) return 0 ;; esac
    sleep 0.5
  done
  echo "$name did not start, see $work/$name.log" >&2
  exit 1
}
stop() {
  [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  server_pid=""
  sleep 1
}
cleanup() {
  stop
  stop_azurite
}
trap cleanup EXIT

endpoint="http://localhost:$port/files"
for round in $(seq 1 "$rounds"); do
  for name in ${BENCH_SERVERS:-ours-azure node-azure}; do
    echo "== round $round: $name"
    start_azurite
    start "$name"
    bench small "$endpoint" --count 200 --size 64K --concurrency 32 >/dev/null
    for scenario in "chunked $endpoint --file $work/1g.bin --chunk 4M" \
        "small $endpoint --count 2000 --size 64K --concurrency 32" "single $endpoint --file $work/64m.bin"; do
      [[ "${scenario%% *}" =~ ${BENCH_ONLY:-.} ]] || continue
      line=$(bench $scenario) || line='{"scenario":"'"${scenario%% *}"'","failed":true}'
      echo "$line"
      echo "{\"server\":\"$name\",\"round\":$round,${line#\{}" >>"$results"
    done
    stop
    stop_azurite
  done
done
echo "== medians of $rounds rounds ($results)"
bench summarize "$results" node-azure
