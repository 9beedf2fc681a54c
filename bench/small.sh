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
# recreated for every start), the postgres lock, fsync before every acknowledgement, -Xmx256m. Both servers start
# once, get the same warm-up, and then every round measures each scenario on one and then on the other, so that the
# machine's drift hits both. Scenarios (bench/TusBench.java), all at 32 in flight on keep-alive connections:
#   small       2000 x 64 KiB: POST, then PATCH (after a lead-in)  uploads/s, p50, p99, CPU per upload
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
# Uploads every worker of the client runs on its connections before the timed 2000 (LEAD_IN=N in all, 0 for none).
# Each scenario is a fresh client JVM: without a lead-in its own start (interpreted code, 32 new connections) was in
# the percentiles. In a run of 4000 uploads at 1016/s without one, 100 of the 130 that took over 60 ms ended in the
# first 0.9 s; 2000 timed after a lead-in of 1000 had a p99 of 93 and 95 ms where two runs without had 177 and 161.
lead_in=${LEAD_IN:-1000}
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

# Both servers run at once, each on its own port and warmed the same, and every round measures each scenario on one
# server and then on the other, seconds apart: this 2-core VM loses 3 to 7 % of its time to its host in phases of
# minutes (steal in /proc/stat), which moved a server's figures by up to 2x between rounds when each round started
# the servers afresh in turn. A server that waits costs nothing measurable (node idles; our JVM's JIT has settled
# after the warm-up).
declare -A port_of=([ours]=18300 [node]=18310)
declare -A pid_of=()
start() {
  local name=$1 port=${port_of[$1]}
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
  pid_of[$name]=$!
  for _ in $(seq 1 240); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS "http://localhost:$port/files" || true)
    case $code in 2*) return 0 ;; esac
    sleep 0.5
  done
  echo "$name did not start, see $work/$name.log" >&2
  exit 1
}
stop_all() {
  for pid in "${pid_of[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pid_of=()
}
trap stop_all EXIT

profile() { # start|stop <file>
  local lib=$PWD/$work/linux-x64/libasyncProfiler.so
  if [ "$1" = start ]; then
    # The options are quoted for jcmd, which would otherwise parse "a=b" pairs itself.
    jcmd "${pid_of[ours]}" JVMTI.agent_load "$lib" "\"start,event=itimer,interval=1ms\"" >/dev/null
  else
    jcmd "${pid_of[ours]}" JVMTI.agent_load "$lib" "\"dump,collapsed,file=$PWD/$work/$(basename "${2%.html}").collapsed\"" >/dev/null
    jcmd "${pid_of[ours]}" JVMTI.agent_load "$lib" "\"stop,file=$PWD/$2\"" >/dev/null
    echo "flame graph: bench/$2"
  fi
}

warm() { # name count
  local endpoint="http://localhost:${port_of[$1]}/files"
  bench small "$endpoint" --count "$2" --size 64K --concurrency 32 >/dev/null
  bench small "$endpoint" --count "$2" --size 64K --concurrency 32 --creation-with-upload true >/dev/null
}
# @tus/server dies during the GET scenario (ERR_INVALID_STATE in undici, every run here): a server found dead before a
# scenario is started again and warmed with RESTART_WARMUP uploads of each kind (default 4000), as a supervisor would
# restart it in production. Only GET rounds (run after all the others) can meet a restarted server.
restart_if_dead() {
  local name=$1
  if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
    echo "== $name had died ($work/$name.log); starting it again"
    cp "$work/$name.log" "$work/$name-died-$(date +%s).log" 2>/dev/null || true
    start "$name"
    warm "$name" "${RESTART_WARMUP:-4000}"
  fi
}
servers=${SERVERS:-ours node}
for name in $servers; do
  echo "== starting and warming $name"
  start "$name"
  warm "$name" "$warmup"
done
measure() { # round scenario...: each scenario on every server, one after the other (odd rounds ours first)
  local round=$1 scenario kind rest order name endpoint line label
  shift
  for scenario in "$@"; do
    read -r kind rest <<<"$scenario"
    order=$servers
    if [ $((round % 2)) = 0 ]; then order=$(echo "$servers" | tr ' ' '\n' | tac | tr '\n' ' '); fi
    for name in $order; do
      restart_if_dead "$name"
      endpoint="http://localhost:${port_of[$name]}/files"
      if [ -n "${PROFILE:-}" ] && [ "$name" = ours ]; then profile start; fi
      # shellcheck disable=SC2086
      line=$(bench $kind "$endpoint" $rest --size 64K --concurrency 32 --cpu-pid "${pid_of[$name]}")
      if [ -n "${PROFILE:-}" ] && [ "$name" = ours ]; then
        label=$kind; [[ $rest == *creation-with-upload* ]] && label=${kind}_cwu
        profile stop "results/flame-$stamp-r$round-$label.html"
      fi
      echo "$name $line"
      echo "{\"server\":\"$name\",\"round\":$round,${line#\{}" >>"$results"
    done
  done
}
for round in $(seq 1 "$rounds"); do
  echo "== round $round"
  measure "$round" "small --count 2000 --lead-in $lead_in" "small --count 2000 --lead-in $lead_in --creation-with-upload true" \
    "head --count 20000"
done
# GET rounds come last: @tus/server dies in them (see restart_if_dead), and a restart must not leave it with less
# warm-up than ours for the upload scenarios.
for round in $(seq 1 "$rounds"); do
  echo "== GET round $round"
  measure "$round" "get --count 20000"
done
stop_all
echo "== medians of $rounds rounds ($results)"
bench summarize "$results"
if [ "${SERVERS:-ours node}" = "ours node" ]; then
  bench ratios "$results" ours node >"$work/ratios.json"
  echo "== regression check against bench/baseline-small.json"
  bench check "$work/ratios.json" baseline-small.json
fi
