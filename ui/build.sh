#!/usr/bin/env bash
# Rebuilds the upload page bundle from npm: Uppy (Dashboard + Tus, which brings tus-js-client) and src/upload-page.js
# into src/main/resources/META-INF/resources/ui/, with the licenses of everything bundled. The bundle is committed:
# a build of the server needs no Node. Run after changing src/ or the versions in package.json:  bash ui/build.sh
set -euo pipefail
cd "$(dirname "$0")"
out=../src/main/resources/META-INF/resources/ui
npm ci --no-audit --no-fund --loglevel=error
mkdir -p "$out"
npx esbuild src/upload-page.js --bundle --minify --format=iife --target=es2020 --legal-comments=none \
  --metafile=node_modules/.meta.json --outfile="$out/upload-page.js"
# The licenses of every package that ended up in the bundle (from esbuild's list of inputs).
node - "$out/THIRD-PARTY-LICENSES.txt" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const meta = JSON.parse(fs.readFileSync('node_modules/.meta.json', 'utf8'));
const packages = new Map();
for (const input of Object.keys(meta.inputs)) {
  const match = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.set(match[1], true);
}
let text = 'Third-party software bundled in upload-page.js and upload-page.css (built by ui/build.sh from npm).\n';
for (const dir of [...packages.keys()].sort()) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  text += `\n${'='.repeat(100)}\n${pkg.name} ${pkg.version} (${pkg.license})\n${'='.repeat(100)}\n`;
  const author = typeof pkg.author === 'string' ? pkg.author : pkg.author?.name;
  const repository = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  text += file ? fs.readFileSync(path.join(dir, file), 'utf8')
    : `License: ${pkg.license}, copyright ${author ?? 'its authors'} (${repository ?? 'see npm'}); the package ships no license file.\n`;
}
fs.writeFileSync(process.argv[2], text);
JS
ls -l "$out"
