#!/usr/bin/env bash
# S3 benchmark: resumable-upload on its S3 backend beside @tus/server + @tus/s3-store, both against the same s3proxy,
# same client (bench/TusBench.java), same run.
#
#   bench/s3.sh [rounds]        (default 3; needs a JDK 17+, Node.js 18+, ~30 GB free disk)
#   BENCH_ONLY=single bench/s3.sh 1   (only the scenarios whose name matches)
#   SERVERS=ours-s3 bench/s3.sh 1      (only the servers named)
#   S3PROXY_DATA=/dev/shm/s3bench bench/s3.sh 3   (the bucket on tmpfs: needs ~9 GB of RAM)
#
# Scenarios (as bench/run.sh): 1 GiB in one PATCH, 1 GiB in 8 MiB PATCHes, 2000 x 64 KiB at 32 in flight, and 4 GiB
# in one PATCH while the server's peak RSS and the bytes in its spool directory are sampled every 50 ms.
# Both stores use 8 MiB parts (@tus/s3-store's default; ours set to match). s3proxy 4.1.0 (jclouds filesystem
# provider) runs as one process for both, with the bucket on local disk: it is the same bottleneck for both servers,
# so the figures say how the servers compare, not what AWS would give. It is reached over HTTPS (a self-signed
# certificate made here), as AWS is: over plain HTTP the Java SDK must sign every payload (SHA-256 of each part,
# verified again by s3proxy), which AWS over HTTPS never asks for, while the JavaScript SDK sends file streams unsigned. Our server uses the PostgreSQL that
# QUARKUS_DATASOURCE_JDBC_URL names, else its embedded one, with the default (postgres) locks.
# Results: bench/results/s3-<timestamp>.jsonl and a Markdown table of medians with ratios to @tus/s3-store.
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
work=work
results=results/s3-$(date -u +%Y%m%dT%H%M%SZ).jsonl
mkdir -p "$work" results

echo "== preparing"
[ -f ../target/quarkus-app/quarkus-run.jar ] && [ -f ../target/s3proxy.jar ] ||
  (cd .. && ./mvnw -q -B package -DskipTests && ./mvnw -q -B dependency:copy@s3proxy)
(cd peers && npm ci --no-audit --no-fund --loglevel=error)
[ -f "$work/1g.bin" ] || head -c 1073741824 /dev/urandom > "$work/1g.bin"
[ -f "$work/256m.bin" ] || head -c 268435456 "$work/1g.bin" > "$work/256m.bin"
# The test files (and the last run's bucket or upload directory) must be on disk before the first round: their
# writeback otherwise falls into it (the quiet-machine S3 run's first round was half as fast as the others).
sync
javac -d "$work/classes" TusBench.java
bench() { java -cp "$work/classes" TusBench "$@"; }

s3port=18201
# S3PROXY_DATA puts the bucket elsewhere, e.g. on tmpfs (/dev/shm/s3bench): the disk's writeback then stops being
# the shared bottleneck of the 4 GiB stream (s3proxy writes every part, then the whole object again on completion).
s3data=${S3PROXY_DATA:-$(pwd)/$work/s3proxy-data}
keystore=$(pwd)/$work/s3proxy.p12
if [ ! -f "$keystore" ]; then
  keytool -genkeypair -alias s3proxy -keyalg RSA -keysize 2048 -validity 30 -dname CN=localhost \
    -ext SAN=ip:127.0.0.1,dns:localhost -storetype PKCS12 -keystore "$keystore" -storepass s3proxy -keypass s3proxy
  keytool -exportcert -rfc -alias s3proxy -keystore "$keystore" -storepass s3proxy > "$work/s3proxy.pem"
  keytool -importcert -noprompt -alias s3proxy -file "$work/s3proxy.pem" -storetype PKCS12 \
    -keystore "$work/truststore.p12" -storepass s3proxy
fi
port=18200
server_pid=""
s3proxy_pid=""

start_s3proxy() {
  rm -rf "$s3data" && mkdir -p "$s3data/ours-s3" "$s3data/node-s3"
  cat >"$work/s3proxy.properties" <<PROPERTIES
s3proxy.secure-endpoint=https://127.0.0.1:$s3port
s3proxy.keystore-path=$keystore
s3proxy.keystore-password=s3proxy
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=local-identity
s3proxy.credential=local-credential
jclouds.provider=filesystem
jclouds.filesystem.basedir=$s3data
PROPERTIES
  java -Xmx1g -jar ../target/s3proxy.jar --properties "$work/s3proxy.properties" >"$work/s3proxy.log" 2>&1 &
  s3proxy_pid=$!
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$s3port) 2>/dev/null && return 0; sleep 0.5; done
  echo "s3proxy did not start, see $work/s3proxy.log" >&2
  exit 1
}

start() {
  local name=$1
  local spool="$work/$name-spool"
  rm -rf "$spool" && mkdir -p "$spool"
  case $name in
    ours-s3)
      QUARKUS_HTTP_PORT=$port TUS_MAX_SIZE=16G TUS_STORAGE_BACKEND=s3 TUS_STORAGE_S3_BUCKET=ours-s3 \
      TUS_STORAGE_S3_ENDPOINT=https://127.0.0.1:$s3port TUS_STORAGE_S3_PATH_STYLE=true TUS_STORAGE_S3_REGION=us-east-1 \
      TUS_STORAGE_S3_ACCESS_KEY_ID=local-identity TUS_STORAGE_S3_SECRET_ACCESS_KEY=local-credential \
      TUS_STORAGE_S3_PART_SIZE=8M TUS_STORAGE_S3_SPOOL_DIRECTORY="$spool" \
      TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY="$work/ours-postgres" \
        java -Xmx256m -Djavax.net.ssl.trustStore="$work/truststore.p12" -Djavax.net.ssl.trustStorePassword=s3proxy \
          -jar ../target/quarkus-app/quarkus-run.jar >"$work/$name.log" 2>&1 &
      ;;
    node-s3)
      TMPDIR="$spool" NODE_EXTRA_CA_CERTS="$work/s3proxy.pem" \
        node peers/node-s3-server.mjs $port "https://127.0.0.1:$s3port" node-s3 >"$work/$name.log" 2>&1 &
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
  [ -n "$s3proxy_pid" ] && { kill "$s3proxy_pid" 2>/dev/null || true; wait "$s3proxy_pid" 2>/dev/null || true; }
}
trap cleanup EXIT

# Empties a bucket between scenarios (objects and parts are files and directories under the provider's base).
empty() { find "$s3data/$1" -mindepth 1 -delete 2>/dev/null || true; }

start_s3proxy
endpoint="http://localhost:$port/files"
for round in $(seq 1 "$rounds"); do
  for name in ${SERVERS:-ours-s3 node-s3}; do
    echo "== round $round: $name"
    start "$name"
    bench small "$endpoint" --count 500 --size 64K --concurrency 32 >/dev/null
    bench single "$endpoint" --file "$work/256m.bin" >/dev/null
    empty "$name"
    for scenario in "single $endpoint --file $work/1g.bin" "chunked $endpoint --file $work/1g.bin --chunk 8M" \
        "small $endpoint --count 2000 --size 64K --concurrency 32" \
        "stream $endpoint --size 4G --pid $server_pid --spool $work/$name-spool"; do
      [[ "${scenario%% *}" =~ ${BENCH_ONLY:-.} ]] || continue
      line=$(bench $scenario)
      echo "$line"
      echo "{\"server\":\"$name\",\"round\":$round,${line#\{}" >>"$results"
      empty "$name"
    done
    stop
  done
done
echo "== medians of $rounds rounds ($results)"
bench summarize "$results" node-s3
