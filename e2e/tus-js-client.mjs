// End-to-end checks with the real tus-js-client (npm) against a running server.
// Usage: TUS_ENDPOINT=http://localhost:8080/files/ node tus-js-client.mjs
// Exits non-zero on the first failed check.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, createReadStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { Readable } from 'node:stream';
import { Upload, FileUrlStorage } from 'tus-js-client';

const endpoint = process.env.TUS_ENDPOINT ?? 'http://localhost:8080/files/';
const target = new URL(endpoint);
const work = mkdtempSync(join(tmpdir(), 'tus-js-e2e-'));
const results = [];

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

async function download(url) {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function head(url) {
  const response = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
  return { status: response.status, offset: Number(response.headers.get('upload-offset')) };
}

function upload(source, options) {
  return new Promise((resolve, reject) => {
    const u = new Upload(source, {
      endpoint,
      retryDelays: [0, 100, 300, 1000],
      onError: reject,
      onSuccess: () => resolve(u),
      ...options,
    });
    u.start();
  });
}

// A TCP proxy in front of the server that cuts the connection once `cutAfter` request bytes went through: the server
// sees the request end early (FIN), the client sees a reset.
function cuttingProxy(cutAfter) {
  let budget = cutAfter;
  let cuts = 0;
  let forwarded = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 80), target.hostname);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.pipe(client);
    client.on('data', (chunk) => {
      if (budget !== null && chunk.length >= budget) {
        forwarded += budget;
        // The server side ends with FIN, so every forwarded byte reaches it (an RST would make its kernel drop bytes
        // not yet read, and the check below could not tell how many it kept); the client side is reset.
        upstream.end(chunk.subarray(0, budget));
        budget = null;
        cuts++;
        client.resetAndDestroy();
        return;
      }
      if (budget !== null) budget -= chunk.length;
      forwarded += chunk.length;
      upstream.write(chunk);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    endpoint: `http://127.0.0.1:${server.address().port}${target.pathname}`,
    cuts: () => cuts,
    forwarded: () => forwarded,
    close: () => server.close(),
  })));
}

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push(`FAIL ${name}: ${error.stack ?? error}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

await check('uploads a file in chunks with metadata', async () => {
  const data = randomBytes(5 * 1024 * 1024 + 7);
  const u = await upload(data, { chunkSize: 1024 * 1024, metadata: { filename: 'e2e.bin', filetype: 'application/octet-stream' } });
  assert(sha256(await download(u.url)) === sha256(data), 'downloaded bytes differ');
});

await check('is cut off by the network mid-upload and resumes where the server stopped', async () => {
  const data = randomBytes(8 * 1024 * 1024);
  const proxy = await cuttingProxy(3 * 1024 * 1024);
  try {
    const u = await upload(data, { endpoint: proxy.endpoint });
    assert(proxy.cuts() === 1, `expected one cut, got ${proxy.cuts()}`);
    // A resume sends each byte about once; a restart from 0 would send 3 MiB more.
    assert(proxy.forwarded() < data.length + 512 * 1024, `${proxy.forwarded()} request bytes: restarted, not resumed`);
    const path = new URL(u.url).pathname;
    assert(sha256(await download(`${target.origin}${path}`)) === sha256(data), 'downloaded bytes differ');
    const { offset } = await head(`${target.origin}${path}`);
    assert(offset === data.length, `offset ${offset}`);
  } finally {
    proxy.close();
  }
});

await check('resumes across runs from its URL storage (FileUrlStorage)', async () => {
  const data = randomBytes(6 * 1024 * 1024);
  const file = join(work, 'resume.bin');
  writeFileSync(file, data);
  const urlStorage = new FileUrlStorage(join(work, 'urls.json'));
  // First run: abort after the first chunk.
  const first = await new Promise((resolve, reject) => {
    const u = new Upload(createReadStream(file), {
      endpoint, urlStorage, chunkSize: 1024 * 1024, storeFingerprintForResuming: true,
      onError: reject,
      onChunkComplete: (chunk, accepted) => { if (accepted >= 2 * 1024 * 1024) u.abort().then(() => resolve(u)); },
    });
    u.start();
  });
  const stored = (await head(first.url)).offset;
  assert(stored >= 2 * 1024 * 1024 && stored < data.length, `stored ${stored}`);
  // Second run: find the previous upload and continue from the server's offset.
  let firstProgress = null;
  const second = await new Promise((resolve, reject) => {
    const u = new Upload(createReadStream(file), {
      endpoint, urlStorage, chunkSize: 1024 * 1024,
      onError: reject,
      onSuccess: () => resolve(u),
      onProgress: (sent) => { if (firstProgress === null) firstProgress = sent; },
    });
    u.findPreviousUploads().then((previous) => {
      assert(previous.length > 0, 'no previous upload found');
      u.resumeFromPreviousUpload(previous[0]);
      u.start();
    });
  });
  assert(second.url === first.url, 'a new upload was created instead of resuming');
  assert(firstProgress >= stored, `resumed from ${firstProgress}, stored ${stored}`);
  assert(sha256(await download(second.url)) === sha256(data), 'downloaded bytes differ');
});

await check('creation-with-upload sends the first chunk in the POST', async () => {
  const data = randomBytes(300 * 1024);
  const u = await upload(data, { uploadDataDuringCreation: true, chunkSize: 200 * 1024 });
  assert(sha256(await download(u.url)) === sha256(data), 'downloaded bytes differ');
});

await check('parallel uploads through concatenation', async () => {
  const data = randomBytes(4 * 1024 * 1024 + 3);
  const u = await upload(data, { parallelUploads: 4 });
  assert(sha256(await download(u.url)) === sha256(data), 'downloaded bytes differ');
});

await check('a stream of unknown length with a deferred length', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 11);
  const u = await upload(Readable.from([data.subarray(0, 1500000), data.subarray(1500000)]), {
    uploadLengthDeferred: true, chunkSize: 1024 * 1024,
  });
  assert(sha256(await download(u.url)) === sha256(data), 'downloaded bytes differ');
});

await check('terminates an upload', async () => {
  const u = await upload(randomBytes(1000), {});
  await Upload.terminate(u.url, {});
  assert((await head(u.url)).status === 404, 'terminated upload still answers');
});

rmSync(work, { recursive: true, force: true });
console.log(results.join('\n'));
process.exit(results.some((r) => r.startsWith('FAIL')) ? 1 : 0);
