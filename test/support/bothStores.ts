import type { DocumentStore } from '../../src/ports/documentStore';
import { CosmosDocumentStore } from '../../src/storage/cosmosDocumentStore';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { startCosmosServer } from './cosmosServer';

export type OpenStore = () => Promise<{ store: DocumentStore; dispose(): Promise<void> }>;

/**
 * Both stores, for `describe.each`: the embedded SQLite store in memory, and Cosmos DB over a Cosmos-protocol
 * server of its own (database `database`). Each call opens a fresh one; `dispose` closes it.
 */
export function bothStores(database: string): [string, OpenStore][] {
  return [
    [
      'embedded',
      async () => {
        const store = new SqliteDocumentStore(':memory:');
        return { store, dispose: () => store.close() };
      },
    ],
    [
      'cosmos',
      async () => {
        const server = await startCosmosServer();
        const store = new CosmosDocumentStore({ endpoint: server.endpoint, key: server.key, database });
        return { store, dispose: async () => (await store.close(), await server.stop()) };
      },
    ],
  ];
}
