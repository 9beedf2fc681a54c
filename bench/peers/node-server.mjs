// @tus/server + @tus/file-store, as their README sets them up. Usage: node node-server.mjs <port> <directory>
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [port, directory] = process.argv.slice(2);
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }), maxSize: 16 * 1024 * 1024 * 1024 });
http.createServer((req, res) => tus.handle(req, res)).listen(Number(port), '127.0.0.1', () => {
  console.log(`@tus/server listening on ${port}`);
});
