#!/usr/bin/env bash
# Per-request cost: many small uploads, HEAD and GET, resumable-upload beside @tus/server + @tus/file-store.
#
#   bench/small.sh [rounds]          (default 5; needs a JDK 17+, Node.js 18+, a PostgreSQL on 127.0.0.1:5432)
#   PROFILE=1 SERVERS=ours bench/small.sh 1   also records CPU flame graphs of our server per scenario (async-profiler
#                                  4.2 from Maven Central, itimer sampling) under bench/results/
#   bench/small.sh --check FILE      regression check of a results file against bench/baseline-small.json
#   bench/small.sh --record FILE     makes a results file the baseline (its ratios, and the noise between its rounds)
#
# Ours runs as deployed with several replicas: the packaged server, an external PostgreSQL (database tusbench,
# recreated for every start), the postgres lock, fsync before every acknowledgement, -Xmx256m. Rounds interleave the
# servers (ours, node, ours, node, ...) so that the machine's drift hits both. Each server starts fresh and gets the
# same warm-up. Scenarios (bench/TusBench.java), all at 32 in flight on keep-alive connections:
#   small       2000 x 64 KiB: POST, then PATCH                    uploads/s, p50, p99, CPU per upload
#   small_cwu   2000 x 64 KiB: creation-with-upload (one POST)     uploads/s, p50, p99, CPU per upload
#   head        20000 HEAD of 32 finished 64 KiB uploads           requests/s, p50, p99, CPU per request
#   get         20000 GET of a finished 64 KiB upload              downloads/s, p50, p99, CPU per request
# CPU is user + system time from /proc: the server process, and every PostgreSQL process (ours only; @tus/server
# keeps no database). Results: bench/results/small-<timestamp>.jsonl, a table of medians with ratios to
# @tus/server, and the regression check against bench/baseline-small.json (exit 1 when a figure fell by more than
# the noise written there).
set -euo pipefail
cd "$(dirname "$0")"
work=work
mkdir -p "$work" results
javac -d "$work/classes" TusBench.java
bench() { java -cp "$work/classes" TusBench "$@"; }

if [ "${1:-}" = "--record" ]; then
  # Makes a results file the baseline later runs are checked against (do this for a release, on a quiet machine).
  bench record "$2" ours node >baseline-small.json
  cat baseline-small.json
  exit
fi
if [ "${1:-}" = "--check" ]; then
  bench ratios "$2" ours node >"$work/ratios.json"
  bench check "$work/ratios.json" baseline-small.json
  exit
fi

rounds=${1:-5}
# Uploads of each kind every server gets before it is measured (WARMUP=N to change it). The JVM's JIT, sharing the
# 2 cores with everything else, is slow to settle: its own counter (jcmd PID PerfCounter.print, java.ci.totalTime)
# showed 3.6 s of compiling in the 4.8 s of CPU our server spent on 2,000 + 2,000 measured uploads after 20,000 of
# each kind, and 0.4 s of 3.5 s after 40,000 of each kind (about 80 s of compiling in all since the start).
warmup=${WARMUP:-40000}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=results/small-$stamp.jsonl
pg_url=${BENCH_PG:-127.0.0.1:5432}

echo "== preparing"
[ -f ../target/quarkus-app/quarkus-run.jar ] || (cd .. && ./mvnw -q -B package -DskipTests)
(cd peers && npm ci --no-audit --no-fund --loglevel=error)
if [ -n "${PROFILE:-}" ]; then
  [ -f "$work/async-profiler.jar" ] || curl -fsSL -o "$work/async-profiler.jar" \
    https://repo1.maven.org/maven2/tools/profiler/async-profiler/4.2/async-profiler-4.2-linux-x64.jar
  (cd "$work" && unzip -oq async-profiler.jar linux-x64/libasyncProfiler.so)
fi

port=18300
server_pid=""
start() {
  local name=$1
  rm -rf "$work/$name-uploads" && mkdir -p "$work/$name-uploads"
  case $name in
    ours)
      psql -q -h "${pg_url%:*}" -p "${pg_url#*:}" -U postgres -c "drop database if exists tusbench" \
        -c "create database tusbench" >/dev/null
      QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$((port + 1000)) TUS_MAX_SIZE=16G \
      QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$pg_url/tusbench" QUARKUS_DATASOURCE_USERNAME=postgres \
      QUARKUS_DATASOURCE_PASSWORD= TUS_LOCK_BACKEND=postgres TUS_STORAGE_FILESYSTEM_FSYNC=true \
      TUS_STORAGE_FILESYSTEM_DIRECTORY="$work/$name-uploads" \
        java -Xmx256m -jar ../target/quarkus-app/quarkus-run.jar >"$work/$name.log" 2>&1 &
      ;;
    node)
      node peers/node-server.mjs $port "$work/$name-uploads" >"$work/$name.log" 2>&1 &
      ;;
  esac
  server_pid=$!
  for _ in $(seq 1 240); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS "http://localhost:$port/files" || true)
    case $code in 2*) return 0 ;; esac
    sleep 0.5
  done
  echo "$name did not start, see $work/$name.log" >&2
  exit 1
}
stop() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap stop EXIT

profile() { # start|stop <file>
  local lib=$PWD/$work/linux-x64/libasyncProfiler.so
  if [ "$1" = start ]; then
    # The options are quoted for jcmd, which would otherwise parse "a=b" pairs itself.
    jcmd "$server_pid" JVMTI.agent_load "$lib" "\"start,event=itimer,interval=1ms\"" >/dev/null
  else
    jcmd "$server_pid" JVMTI.agent_load "$lib" "\"dump,collapsed,file=$PWD/$work/$(basename "${2%.html}").collapsed\"" >/dev/null
    jcmd "$server_pid" JVMTI.agent_load "$lib" "\"stop,file=$PWD/$2\"" >/dev/null
    echo "flame graph: bench/$2"
  fi
}

endpoint="http://localhost:$port/files"
for round in $(seq 1 "$rounds"); do
  for name in ${SERVERS:-ours node}; do
    echo "== round $round: $name"
    start "$name"
    bench small "$endpoint" --count "$warmup" --size 64K --concurrency 32 >/dev/null
    bench small "$endpoint" --count "$warmup" --size 64K --concurrency 32 --creation-with-upload true >/dev/null
    for scenario in "small --count 2000" "small --count 2000 --creation-with-upload true" "head --count 20000" \
        "get --count 20000"; do
      read -r kind rest <<<"$scenario"
      if [ -n "${PROFILE:-}" ] && [ "$name" = ours ]; then profile start; fi
      # shellcheck disable=SC2086
      line=$(bench $kind "$endpoint" $rest --size 64K --concurrency 32 --cpu-pid "$server_pid")
      if [ -n "${PROFILE:-}" ] && [ "$name" = ours ]; then
        label=$kind; [[ $rest == *creation-with-upload* ]] && label=${kind}_cwu
        profile stop "results/flame-$stamp-$label.html"
      fi
      echo "$line"
      echo "{\"server\":\"$name\",\"round\":$round,${line#\{}" >>"$results"
    done
    stop
  done
done
echo "== medians of $rounds rounds ($results)"
bench summarize "$results"
if [ "${SERVERS:-ours node}" = "ours node" ]; then
  bench ratios "$results" ours node >"$work/ratios.json"
  echo "== regression check against bench/baseline-small.json"
  bench check "$work/ratios.json" baseline-small.json
fi
