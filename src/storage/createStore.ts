import type { AppConfig } from '../config';
import type { DocumentStore } from '../ports/documentStore';
import { SqliteDocumentStore } from './sqliteDocumentStore';

/**
 * Picks the adapter from configuration: Cosmos DB when COSMOS_ENDPOINT is set, else the embedded store.
 * The Cosmos SDK is loaded only when it is used (~0.2 s of start-up a local run does not need).
 */
export async function createStore(storage: AppConfig['storage']): Promise<DocumentStore> {
  if (storage.kind === 'cosmos') {
    const { CosmosDocumentStore } = await import('./cosmosDocumentStore');
    return new CosmosDocumentStore({
      endpoint: storage.endpoint,
      database: storage.database,
      key: storage.key,
      backgroundRuPerSecond: storage.backgroundRuPerSecond,
      credential: storage.key ? undefined : new (await import('@azure/identity')).DefaultAzureCredential(),
    });
  }
  return SqliteDocumentStore.inDirectory(storage.dataDir);
}
