#!/usr/bin/env bash
# Zombie PATCHes (issue 7, item 8): fires N cut PATCHes (default 3000; half FIN, half RST) at the packaged server,
# prints its open files before, right after and 5 s after, its appends in progress, then times a SIGTERM.
# Uses the embedded database (its own data directory under bench/work). Needs target/quarkus-app (./mvnw package).
#   bench/zombies.sh [count]
set -euo pipefail
cd "$(dirname "$0")"
count=${1:-3000}
work=work/zombies
rm -rf "$work" && mkdir -p "$work"
[ -f ../target/quarkus-app/quarkus-run.jar ] || (cd .. && ./mvnw -q -B package -DskipTests)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u QUARKUS_DATASOURCE_JDBC_URL QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$mport \
  TUS_STORAGE_FILESYSTEM_DIRECTORY="$work/uploads" TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY="$work/postgres" \
  java -Xmx256m -jar ../target/quarkus-app/quarkus-run.jar >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do curl -fs -o /dev/null "http://localhost:$mport/q/health/ready" && break; sleep 0.5; done
files() { ls /proc/$pid/fd | wc -l; }
in_progress() { curl -fs "http://localhost:$mport/q/metrics" | awk '/^tus_uploads_in_progress /{print $2}'; }
echo "open files before: $(files)"
java Zombies.java "http://localhost:$port/files" "$count"
echo "open files right after: $(files), appends in progress: $(in_progress)"
sleep 5
echo "open files 5 s after: $(files), appends in progress: $(in_progress)"
start=$(date +%s%N)
kill -TERM $pid
wait $pid || true
echo "SIGTERM to exit: $(( ($(date +%s%N) - start) / 1000000 )) ms (tus.shutdown.drain-timeout 10s)"
