// Times one upload with tus-js-client, in-process, after a warm-up upload of WARMUP_FILE with the same settings
// (ClientBench.java does the same). node tus-js-upload.mjs FILE ENDPOINT PARALLEL WARMUP_FILE
import { createReadStream, statSync } from 'node:fs';
import { Upload } from 'tus-js-client';

const [file, endpoint, parallel, warmup] = process.argv.slice(2);
const size = statSync(file).size;
const upload = (path) => new Promise((resolve, reject) => {
  const u = new Upload(createReadStream(path), {
    endpoint, parallelUploads: Number(parallel), retryDelays: [], onError: reject, onSuccess: resolve,
  });
  u.start();
});
await upload(warmup);
const start = process.hrtime.bigint();
await upload(file);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ client: 'tus-js-client', parallel: Number(parallel), bytes: size, seconds: +seconds.toFixed(3), mb_per_s: +(size / 1e6 / seconds).toFixed(1) }));
