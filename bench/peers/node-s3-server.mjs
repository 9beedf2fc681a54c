// @tus/server + @tus/s3-store, as their README sets them up, against an S3-compatible endpoint.
// Usage: node node-s3-server.mjs <port> <endpoint> <bucket>   (spools parts in os.tmpdir(): set TMPDIR)
import http from 'node:http';
import { Server } from '@tus/server';
import { S3Store } from '@tus/s3-store';

const [port, endpoint, bucket] = process.argv.slice(2);
const datastore = new S3Store({
  // Its default part size, the same as ours (tus.storage.s3.part-size=8M).
  partSize: 8 * 1024 * 1024,
  s3ClientConfig: {
    bucket,
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local-identity', secretAccessKey: 'local-credential' },
    // As on our side: no CRC trailers, which s3proxy and other S3-compatible stores refuse.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  },
});
const tus = new Server({ path: '/files', datastore, maxSize: 16 * 1024 * 1024 * 1024 });
http.createServer((req, res) => tus.handle(req, res)).listen(Number(port), '127.0.0.1', () => {
  console.log(`@tus/server + @tus/s3-store listening on ${port}`);
});
