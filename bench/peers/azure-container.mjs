// Creates a container if it does not exist. Usage: node azure-container.mjs <connection string> <container>
import { BlobServiceClient } from '@azure/storage-blob';

const [connectionString, container] = process.argv.slice(2);
await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).createIfNotExists();
