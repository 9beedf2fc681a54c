// @tus/server + @tus/azure-store, given a ContainerClient for an Azurite (or any) blob endpoint.
// Usage: node node-azure-server.mjs <port> <connection string> <container>
import http from 'node:http';
import { BlobServiceClient } from '@azure/storage-blob';
import { Server } from '@tus/server';
import { AzureStore } from '@tus/azure-store';

const [port, connectionString, container] = process.argv.slice(2);
const client = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
await client.createIfNotExists();
const tus = new Server({ path: '/files', datastore: new AzureStore({ client }), maxSize: 16 * 1024 * 1024 * 1024 });
http.createServer((req, res) => tus.handle(req, res)).listen(Number(port), '127.0.0.1', () => {
  console.log(`@tus/server + @tus/azure-store listening on ${port}`);
});
