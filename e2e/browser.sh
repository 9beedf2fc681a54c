#!/usr/bin/env bash
# Browser tests (e2e/browser.mjs): headless Chromium from Debian (/usr/bin/chromium, or CHROMIUM=...) driven by
# playwright-core from npm, against the packaged server. Needs target/quarkus-app (./mvnw package) and Node.js 18+.
# Never downloads a browser: install Debian's with `apt-get install -y chromium` (.ci/run does when it is missing).
set -euo pipefail
cd "$(dirname "$0")"
[ -f ../target/quarkus-app/quarkus-run.jar ] || { echo "build first: ./mvnw package" >&2; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "no chromium: apt-get install -y chromium" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
node browser.mjs
