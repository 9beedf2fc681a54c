#!/usr/bin/env bash
# End-to-end: our client (the client jar alone) uploads to the peers, @tus/server + @tus/file-store (npm) and
# tus-java-server (Maven Central), asking for --parallel 4 --checksum sha256 and using only the extensions each
# server advertises. Every download must match the file's sha256. Needs target/*-client.jar and Node.js 18+.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jar=$(ls "$root"/target/*-client.jar)
work="$root/target/e2e-peers"
rm -rf "$work" && mkdir -p "$work"

(cd bench/peers && npm ci --no-audit --no-fund --loglevel=error)
(cd bench/peers/tus-java-server && "$root/mvnw" -q -B package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)

head -c 20000000 /dev/urandom > "$work/file.bin"
expected=$(sha256sum "$work/file.bin" | cut -d' ' -f1)

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
mkdir -p "$work/node-uploads" "$work/java-uploads"
node bench/peers/node-server.mjs 18301 "$work/node-uploads" >"$work/node.log" 2>&1 &
pids+=($!)
java -Xmx256m -cp "bench/peers/tus-java-server/target/classes:$(cat bench/peers/tus-java-server/target/classpath.txt)" \
  TusJavaServerHost 18302 "$work/java-uploads" >"$work/java.log" 2>&1 &
pids+=($!)

status=0
for peer in "@tus/server:18301" "tus-java-server:18302"; do
  name=${peer%%:*}
  port=${peer##*:}
  for _ in $(seq 1 60); do
    curl -s -o /dev/null -X OPTIONS "http://localhost:$port/files" && break
    sleep 0.5
  done
  extensions=$(curl -s -i -X OPTIONS "http://localhost:$port/files" | tr -d '\r' | awk -F': ' 'tolower($1)=="tus-extension"{print $2}')
  out="$work/$(echo "$name" | tr -c 'a-z0-9' '_').out"
  if ! java -jar "$jar" upload "$work/file.bin" --endpoint "http://localhost:$port/files" --parallel 4 \
      --checksum sha256 --no-resume >"$out" 2>&1; then
    echo "FAIL $name: upload failed"; cat "$out"; status=1; continue
  fi
  url=$(tail -1 "$out" | tr -d '\r')
  got=$(curl -s "$url" | sha256sum | cut -d' ' -f1)
  notes=$(grep -E 'does not support' "$out" | tr '\n' ' ' || true)
  if [ "$got" = "$expected" ]; then
    echo "ok   $name (advertises: $extensions) ${notes:+-- $notes}"
  else
    echo "FAIL $name: downloaded sha256 $got, expected $expected"; cat "$out"; status=1
  fi
done
exit $status
