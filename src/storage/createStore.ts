import { DefaultAzureCredential } from '@azure/identity';
import type { AppConfig } from '../config';
import type { DocumentStore } from '../ports/documentStore';
import { CosmosDocumentStore } from './cosmosDocumentStore';
import { SqliteDocumentStore } from './sqliteDocumentStore';

/** Picks the adapter from configuration: Cosmos DB when COSMOS_ENDPOINT is set, else the embedded store. */
export function createStore(storage: AppConfig['storage']): DocumentStore {
  if (storage.kind === 'cosmos') {
    return new CosmosDocumentStore({
      endpoint: storage.endpoint,
      database: storage.database,
      key: storage.key,
      credential: storage.key ? undefined : new DefaultAzureCredential(),
    });
  }
  return SqliteDocumentStore.inDirectory(storage.dataDir);
}
