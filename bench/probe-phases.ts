import { performance } from 'node:perf_hooks';
import { AwsOrganizationsAccounts } from '../src/adapters/awsAccounts';
import { FakeAws } from '../test/support/fakeAws';
import { CosmosDocumentStore } from '../src/storage/cosmosDocumentStore';
import { startCosmosServerProcess } from './cosmosProcess';

async function main() {
  const aws = new FakeAws();
  aws.seedAccounts(4999);
  await aws.start();
  const port = new AwsOrganizationsAccounts({
    region: 'us-east-1',
    credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
    endpoints: { organizations: aws.baseUrl, account: aws.baseUrl },
  });
  for (let r = 0; r < 2; r++) {
    const t = performance.now();
    let n = 0;
    for await (const _ of port.listAccounts()) n++;
    console.log('list', n, ((performance.now() - t) / 1000).toFixed(2), 's');
  }
  const cosmos = await startCosmosServerProcess();
  const store = new CosmosDocumentStore({ endpoint: cosmos.endpoint, key: cosmos.key, database: 'p' });
  await store.init();
  for (let i = 0; i < 2000; i++) await store.create('addresses', `a${i}@x.com`, { address: `a${i}@x.com` });
  for (const inFlight of [1, 8, 24, 64]) {
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < 5000) {
          const i = next++;
          await store.get('addresses', `a${i % 3000}@x.com`);
        }
      }),
    );
    console.log('5000 gets, in flight', inFlight, ((performance.now() - t) / 1000).toFixed(2), 's');
  }
  port.destroy();
  await aws.stop();
  await store.close();
  await cosmos.stop();
}
main();
