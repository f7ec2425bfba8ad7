import { createHttpServer } from '@vercel/cosmosdb-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** A real Cosmos DB (NoSQL API) protocol server on loopback, started by the tests themselves. */
export interface CosmosTestServer {
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

export async function startCosmosServer(): Promise<CosmosTestServer> {
  const server: Server = createHttpServer({ keepAlive: true } as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // cosmosdb-server accepts any key; this is the well-known emulator key shape.
    key: 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==',
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
