#!/usr/bin/env bash
# End-to-end: starts the packaged server, runs the real JavaScript client against it, stops the server.
# Needs target/quarkus-app (./mvnw verify or package) and Node.js 18+. Uses QUARKUS_DATASOURCE_JDBC_URL if set,
# else the server's embedded PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
port=${E2E_PORT:-18080}
management_port=${E2E_MANAGEMENT_PORT:-19080}
log="$root/target/e2e-server.log"

[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || { echo "build first: ./mvnw verify" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error

QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$management_port \
TUS_STORAGE_FILESYSTEM_DIRECTORY="$root/target/e2e-uploads" \
TUS_EMBEDDED_POSTGRES_DATA_DIRECTORY="$root/target/e2e-postgres" \
  java -Xmx256m -jar "$root/target/quarkus-app/quarkus-run.jar" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  if curl -fsS "http://localhost:$management_port/q/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 $server 2>/dev/null; then echo "server exited during start-up:" >&2; tail -50 "$log" >&2; exit 1; fi
  sleep 0.5
done

if ! TUS_ENDPOINT="http://localhost:$port/files/" node tus-js-client.mjs; then
  echo "--- server log (tail) ---" >&2
  tail -60 "$log" >&2
  exit 1
fi
