#!/usr/bin/env bash
# Benchmark: resumable-upload beside @tus/server (+ @tus/file-store) and tus-java-server, same client, same run.
#
#   bench/run.sh [rounds]        (default 3; needs a JDK 17+, Node.js 18+, ~12 GB free disk)
#   SERVERS="ours node" bench/run.sh 3   (only the servers named)
#
# Each round starts every server fresh, warms it up the same way, then runs with bench/TusBench.java:
#   single   1 GiB in one PATCH                      MB/s
#   chunked  1 GiB in 8 MiB PATCHes                  MB/s
#   small    2000 uploads of 64 KiB, 32 in flight   uploads/s, p50, p99
#   stream   4 GiB in one PATCH                      MB/s and the server's peak RSS (sampled every 50 ms)
# Results: bench/results/<timestamp>.jsonl and a Markdown table of medians (with ratios to @tus/server).
# Servers: ours (defaults: fsync before every acknowledgement, PostgreSQL state), ours with fsync off (the
# durability of the peers, which never fsync), @tus/server 2.4.5 + @tus/file-store 2.1.1, tus-java-server
# 1.0.0-3.0 on Jetty 12. Java servers run with -Xmx256m.
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
work=work
results=results/$(date -u +%Y%m%dT%H%M%SZ).jsonl
mkdir -p "$work" results

echo "== preparing"
[ -f ../target/quarkus-app/quarkus-run.jar ] || (cd .. && ./mvnw -q -B package -DskipTests)
(cd peers && npm ci --no-audit --no-fund --loglevel=error)
(cd peers/tus-java-server && ../../../mvnw -q -B package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
[ -f "$work/1g.bin" ] || head -c 1073741824 /dev/urandom > "$work/1g.bin"
[ -f "$work/256m.bin" ] || head -c 268435456 "$work/1g.bin" > "$work/256m.bin"
# The test files (and the last run's bucket or upload directory) must be on disk before the first round: their
# writeback otherwise falls into it (the quiet-machine S3 run's first round was half as fast as the others).
sync
javac -d "$work/classes" TusBench.java
bench() { java -cp "$work/classes" TusBench "$@"; }

port=18100
server_pid=""
start() {
  local name=$1
  rm -rf "$work/$name-uploads" && mkdir -p "$work/$name-uploads"
  case $name in
    ours|ours-nofsync)
      local fsync=true; [ "$name" = ours-nofsync ] && fsync=false
      QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$((port + 1000)) TUS_MAX_SIZE=16G TUS_STORAGE_FILESYSTEM_FSYNC=$fsync \
      TUS_STORAGE_FILESYSTEM_DIRECTORY="$work/$name-uploads" TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY="$work/ours-postgres" \
        java -Xmx256m -jar ../target/quarkus-app/quarkus-run.jar >"$work/$name.log" 2>&1 &
      ;;
    node)
      node peers/node-server.mjs $port "$work/$name-uploads" >"$work/$name.log" 2>&1 &
      ;;
    tus-java-server)
      java -Xmx256m -cp "peers/tus-java-server/target/classes:$(cat peers/tus-java-server/target/classpath.txt)" \
        TusJavaServerHost $port "$work/$name-uploads" >"$work/$name.log" 2>&1 &
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
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  # Some servers leave child processes (the embedded PostgreSQL stops with the server).
  sleep 1
}
trap stop EXIT

endpoint="http://localhost:$port/files"
for round in $(seq 1 "$rounds"); do
  for name in ${SERVERS:-ours ours-nofsync node tus-java-server}; do
    echo "== round $round: $name"
    start "$name"
    # Same warm-up for every server (lets the JITs and caches settle).
    bench small "$endpoint" --count 1000 --size 64K --concurrency 32 >/dev/null
    bench single "$endpoint" --file "$work/256m.bin" >/dev/null
    rm -rf "${work:?}/$name-uploads/"*
    for scenario in "single $endpoint --file $work/1g.bin" "chunked $endpoint --file $work/1g.bin --chunk 8M" \
        "small $endpoint --count 2000 --size 64K --concurrency 32" "stream $endpoint --size 4G --pid $server_pid"; do
      line=$(bench $scenario)
      echo "$line"
      echo "{\"server\":\"$name\",\"round\":$round,${line#\{}" >>"$results"
      rm -rf "${work:?}/$name-uploads/"*
    done
    stop
  done
done
echo "== medians of $rounds rounds ($results)"
bench summarize "$results"
