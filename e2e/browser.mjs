// Browser tests: real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the packaged
// server. Run by e2e/browser.sh (CI: .ci/run). Starts the servers itself:
//   - "default": the README's run command with no settings (only its ports), in an empty working directory;
//   - "production": tus.auth.mode=jwt and an origin list, as a deployment for other teams would run it.
// Pages on other origins are served by a small static server here (each port is an origin). Screenshots and the
// servers' logs go to target/browser/. Exits non-zero on the first failed check; prints "N passed, N failed".
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync, writeFileSync, openSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const jar = join(root, 'target/quarkus-app/quarkus-run.jar');
const work = join(root, 'target/browser');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const MiB = 1024 * 1024;
const results = [];
const children = [];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const b64url = (data) => Buffer.from(data).toString('base64url');

function check(name, condition, detail = '') {
  if (!condition) throw new Error(`${name}${detail ? `: ${detail}` : ''}`);
}

async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${error.stack ?? error}`);
  }
}

/** Polls until fn() is truthy or the deadline passes (no sleep-then-assert). */
async function until(what, fn, timeoutMs = 60_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** The packaged server as a process; env holds only what the case sets (plus the ports, never fixed). */
async function startServer(name, settings) {
  const dir = join(work, `${name}-server`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const managementPort = await freePort();
  // The machine's environment minus every setting of ours: the server sees nothing but what this case gives it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(QUARKUS_|TUS_|MP_)/.test(k)));
  Object.assign(env, { QUARKUS_HTTP_PORT: String(port), QUARKUS_MANAGEMENT_PORT: String(managementPort) }, settings);
  const log = openSync(join(work, `${name}-server.log`), 'w');
  const child = spawn('java', ['-Xmx256m', '-jar', jar], { cwd: dir, env, stdio: ['ignore', log, log] });
  children.push(child);
  const management = `http://localhost:${managementPort}`;
  await until(`${name} server ready`, async () => {
    if (child.exitCode !== null) throw new Error(`${name} server exited during start-up, see ${work}/${name}-server.log`);
    try {
      return (await fetch(`${management}/q/health/ready`)).status === 200;
    } catch {
      return false;
    }
  }, 120_000, 250);
  return { name, url: `http://localhost:${port}`, files: `http://localhost:${port}/files/`, dir, child };
}

/** Uploads stored by a server (one file per upload in its ./uploads). */
function storedUploads(server) {
  const dir = join(server.dir, 'uploads');
  return existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')) : [];
}

/** A static page server on its own port, i.e. its own origin, serving the test page and tus-js-client. */
async function startPageServer() {
  const port = await freePort();
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>another origin</title>
    <script src="/tus.min.js"></script></head><body><h1>A page on another origin</h1><pre id="log" style="white-space: pre-wrap; font-size: 14px"></pre></body></html>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/tus.min.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      createReadStream(join(here, 'node_modules/tus-js-client/dist/tus.min.js')).pipe(res);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(page);
    }
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { origin: `http://localhost:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * RS256 tokens from a key pair made for this run. The server verifies with its public half published as a JWKS file,
 * as an identity provider publishes it (the Java tests use a PEM file).
 */
function tokenIssuer() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = join(work, 'jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'browser-test', alg: 'RS256', use: 'sig' }] }));
  const issuer = 'https://idp.browser-test.example';
  const token = (subject) => {
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'browser-test' }))}.${b64url(JSON.stringify({
      iss: issuer, sub: subject, iat: now, exp: now + 3600, groups: ['uploader'],
    }))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), privateKey))}`;
  };
  return { jwks, issuer, token };
}

async function download(url, headers = {}) {
  const response = await fetch(url, { headers });
  check(`GET ${url}`, response.status === 200, `answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

// ---- in-page code (runs in Chromium) ----

/** Uploads `size` random bytes with tus-js-client; pauses once past `pauseAt` of it, checks the server, resumes. */
async function uploadFromPage({ endpoint, size, pauseAt, token }) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(size, i + 65536)));
  const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const pageSha = hex(await crypto.subtle.digest('SHA-256', data));
  // What happens is written on the page too, so its screenshot tells the story.
  const log = (line) => { document.getElementById('log').textContent += `${line}\n`; };
  log(`${size.toLocaleString()} random bytes, sha256 ${pageSha}; uploading to ${endpoint}`);
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let paused = null;
  const result = await new Promise((resolveUpload, rejectUpload) => {
    let pausedOnce = false;
    const upload = new tus.Upload(new Blob([data]), {
      endpoint,
      chunkSize: 1024 * 1024,
      headers,
      metadata: { filename: 'from-another-origin.bin', filetype: 'application/octet-stream' },
      retryDelays: [0, 500, 1000],
      onError: (error) => {
        log(`failed: ${error}`);
        rejectUpload(new Error(String(error)));
      },
      onProgress: (sent, total) => {
        if (pauseAt && !pausedOnce && sent >= pauseAt * total) {
          pausedOnce = true;
          upload.abort().then(async () => {
            const head = await fetch(upload.url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...headers } });
            paused = { progress: sent, status: head.status, offset: Number(head.headers.get('Upload-Offset')) };
            log(`paused at ${(100 * sent / total).toFixed(1)} % sent; HEAD ${head.status}, the server has `
              + `${paused.offset.toLocaleString()} bytes; resuming`);
            upload.start();
          });
        }
      },
      onSuccess: () => {
        log(`finished: ${upload.url}`);
        resolveUpload({ url: upload.url });
      },
    });
    upload.start();
  });
  return { ...result, pageSha, paused };
}

// ---- the cases ----

async function main() {
  check('the packaged server exists (./mvnw package)', existsSync(jar), jar);
  check('chromium exists', existsSync(CHROMIUM), `${CHROMIUM} (apt-get install -y chromium)`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const jwt = tokenIssuer();
  const pageA = await startPageServer();
  const pageB = await startPageServer();
  const [defaults, production] = await Promise.all([
    startServer('default', {}),
    startServer('production', {
      TUS_AUTH_MODE: 'jwt', MP_JWT_VERIFY_PUBLICKEY_LOCATION: jwt.jwks, MP_JWT_VERIFY_ISSUER: jwt.issuer,
      TUS_CORS_ALLOWED_ORIGINS: pageA.origin,
    }),
  ]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    await test('a page on another origin uploads 20 MiB to a server with no settings, pausing at 30 % and resuming',
      async () => {
        const page = await browser.newPage();
        await page.goto(pageA.origin);
        const size = 20 * MiB;
        const result = await page.evaluate(uploadFromPage, { endpoint: defaults.files, size, pauseAt: 0.3 });
        check('HEAD after the pause', result.paused?.status === 200, JSON.stringify(result.paused));
        check('the pause came at about 30 %', result.paused.progress >= 0.3 * size && result.paused.progress < 0.6 * size,
          JSON.stringify(result.paused));
        check('the server kept a part, not all', result.paused.offset > 0 && result.paused.offset < size,
          JSON.stringify(result.paused));
        const serverSha = sha256(await download(result.url));
        check('the server\'s sha256 equals the page\'s', serverSha === result.pageSha, `${serverSha} != ${result.pageSha}`);
        await page.evaluate((sha) => { document.getElementById('log').textContent += `the server's sha256: ${sha}\n`; },
          serverSha);
        console.log(`     paused at ${(100 * result.paused.progress / size).toFixed(1)} % sent, server offset `
          + `${result.paused.offset}; sha256 ${serverSha}`);
        await page.screenshot({ path: join(work, 'other-origin-upload.png') });
        check('the page says so', (await page.textContent('#log')).includes('the server\'s sha256'));
        await page.close();
      });

    await test('a restricted origin list refuses another origin (preflight 403, nothing created) and serves its own',
      async () => {
        const preflight = (origin) => fetch(production.files, {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'tus-resumable,upload-length,authorization' },
        });
        check('preflight from the other origin', (await preflight(pageB.origin)).status === 403);
        check('preflight from the allowed origin', (await preflight(pageA.origin)).status === 200);
        const before = storedUploads(production).length;
        const page = await browser.newPage();
        await page.goto(pageB.origin);
        const refused = await page.evaluate(uploadFromPage,
          { endpoint: production.files, size: 1000, token: jwt.token('mallory') }).then(() => null, (e) => String(e));
        check('the browser refused the upload', refused !== null);
        check('the error is the blocked request', /failed|network|xhr|status: 0/i.test(refused), refused);
        check('nothing was created', storedUploads(production).length === before);
        await page.close();
      });

    await test('with jwt a token-bearing browser upload works; a second user cannot HEAD or GET it', async () => {
      const page = await browser.newPage();
      await page.goto(pageA.origin);
      const alice = jwt.token('alice');
      const bob = jwt.token('bob');
      const result = await page.evaluate(uploadFromPage,
        { endpoint: production.files, size: 3 * MiB, pauseAt: 0.3, token: alice });
      check('alice\'s resume HEAD', result.paused?.status === 200, JSON.stringify(result.paused));
      const seen = await page.evaluate(async ({ url, alice, bob }) => {
        const status = async (method, token) => (await fetch(url, {
          method, headers: { 'Tus-Resumable': '1.0.0', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        })).status;
        return {
          bobHead: await status('HEAD', bob), bobGet: await status('GET', bob), anonymousGet: await status('GET', null),
          aliceHead: await status('HEAD', alice), aliceGet: await status('GET', alice),
        };
      }, { url: result.url, alice, bob });
      check('bob\'s HEAD is 404', seen.bobHead === 404, JSON.stringify(seen));
      check('bob\'s GET is 404', seen.bobGet === 404, JSON.stringify(seen));
      check('a GET without a token is 401', seen.anonymousGet === 401, JSON.stringify(seen));
      check('alice reads her upload', seen.aliceHead === 200 && seen.aliceGet === 200, JSON.stringify(seen));
      const serverSha = sha256(await download(result.url, { Authorization: `Bearer ${alice}` }));
      check('the server\'s sha256 equals the page\'s', serverSha === result.pageSha);
      await page.close();
    });

    await test('the bundled page uploads two files through its UI and survives a reload mid-upload', async () => {
      const files = [join(work, 'first.bin'), join(work, 'second.bin')];
      const contents = [randomBytes(24 * MiB), randomBytes(16 * MiB)];
      files.forEach((file, i) => writeFileSync(file, contents[i]));
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const cdp = await page.context().newCDPSession(page);
      // Slow the uploads down (4 MiB/s) so the reload lands in the middle of them.
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions',
        { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * MiB });
      await page.goto(defaults.url);
      await page.waitForSelector('body[data-ready="true"]');
      const before = storedUploads(defaults).length;
      await page.setInputFiles('input.uppy-Dashboard-input[type=file]', files);
      await page.click('button.uppy-StatusBar-actionBtn--upload');
      await until('both files part uploaded', () => page.evaluate(() => {
        const all = window.uppy.getFiles();
        return all.length === 2 && all.every((f) => f.progress.bytesUploaded > 2 * 1024 * 1024);
      }), 60_000);
      check('two uploads were created', storedUploads(defaults).length === before + 2);
      await page.screenshot({ path: join(work, 'upload-page-mid-upload.png') });
      const progressBefore = await page.evaluate(() => window.uppy.getFiles().map((f) => f.progress.bytesUploaded));

      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      // The first PATCH of each upload after the reload must start where the server stopped, not at 0.
      const firstOffsets = new Map();
      page.on('request', (request) => {
        const offset = request.headers()['upload-offset'];
        if (request.method() === 'PATCH' && offset !== undefined && !firstOffsets.has(request.url())) {
          firstOffsets.set(request.url(), Number(offset));
        }
      });
      await cdp.send('Network.emulateNetworkConditions',
        { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await page.setInputFiles('input.uppy-Dashboard-input[type=file]', files);
      await page.click('button.uppy-StatusBar-actionBtn--upload');
      await until('both files finished', async () => (await page.locator('#finished a').count()) === 2
        && page.evaluate(() => document.querySelector('.uppy-StatusBar.is-complete') !== null), 120_000);
      check('the reload resumed the two uploads instead of starting new ones',
        storedUploads(defaults).length === before + 2, `${storedUploads(defaults).length - before} uploads`);
      check('each upload resumed from its stored offset', firstOffsets.size === 2
        && [...firstOffsets.values()].every((offset) => offset > 0), JSON.stringify([...firstOffsets]));
      const links = await page.locator('#finished a').evaluateAll((as) => as.map((a) => ({ name: a.textContent, href: a.href })));
      for (const [i, file] of ['first.bin', 'second.bin'].entries()) {
        const link = links.find((l) => l.name === file);
        check(`download link of ${file}`, link, JSON.stringify(links));
        check(`${file} downloads intact`, sha256(await download(link.href)) === sha256(contents[i]));
      }
      console.log(`     before the reload: ${progressBefore.map((b) => (b / MiB).toFixed(1)).join(' and ')} MiB sent; `
        + `after it the uploads resumed at ${[...firstOffsets.values()].map((o) => (o / MiB).toFixed(1)).join(' and ')} MiB`);
      await page.screenshot({ path: join(work, 'upload-page-finished.png'), fullPage: true });
      await page.close();
    });

    await test('with jwt the bundled page asks for a token and uploads with it', async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(production.url);
      await page.waitForSelector('body[data-ready="true"]');
      check('the token field is shown', await page.isVisible('#token'));
      const file = join(work, 'with-token.bin');
      const content = randomBytes(2 * MiB);
      writeFileSync(file, content);
      const carol = jwt.token('carol');
      await page.fill('#token', carol);
      await page.setInputFiles('input.uppy-Dashboard-input[type=file]', [file]);
      await page.click('button.uppy-StatusBar-actionBtn--upload');
      await until('the upload finished', async () => (await page.locator('#finished a').count()) === 1
        && page.evaluate(() => document.querySelector('.uppy-StatusBar.is-complete') !== null), 60_000);
      const href = await page.locator('#finished a').getAttribute('href');
      check('stored intact, for carol', sha256(await download(href, { Authorization: `Bearer ${carol}` })) === sha256(content));
      check('nobody else reads it', (await fetch(href, { headers: { Authorization: `Bearer ${jwt.token('dan')}` } })).status === 404);
      await page.screenshot({ path: join(work, 'upload-page-jwt-finished.png'), fullPage: true });
      await page.close();
    });
  } finally {
    await browser.close();
    await pageA.close();
    await pageB.close();
  }
}

function stopServers() {
  for (const child of children) {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

process.on('SIGINT', () => { stopServers(); process.exit(130); });
try {
  await main();
} catch (error) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL setup: ${error.stack ?? error}`);
} finally {
  stopServers();
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r)))));
}
const failed = results.filter((r) => !r.ok).length;
console.log(`browser: ${results.length - failed} passed, ${failed} failed (screenshots and logs in ${work})`);
process.exit(failed === 0 ? 0 : 1);
