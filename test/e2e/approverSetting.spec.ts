import { loadConfig } from '../../src/config';
import { personalMessage } from '../support/activities';
import type { FakeGraph } from '../support/fakeGraph';
import { startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp } from '../support/testApp';
import { users } from '../support/users';

const { eve, frank } = users;

/** Issue 20.4: the approver setting names people by UPN as well as by object id. */
describe('APPROVER_IDS by UPN', () => {
  let t: TestApp;
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await startDirectory(); // Eve has no manager: her requests go to APPROVER_IDS
    t = await startTestApp({ env: { GRAPH_BASE_URL: graph.baseUrl, APPROVER_IDS: frank.upn.toUpperCase() } });
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  it('routes a request to the person the UPN names, by their object id', async () => {
    await t.send(personalMessage(t.connector.url, eve, 'request upn-approver prod Shop'));
    const [pending] = await t.app.services.requests.listPending(10);
    expect(pending.approvers).toEqual([expect.objectContaining({ id: frank.aadObjectId, name: frank.name })]);
  });

  it('still refuses what is neither an id nor a UPN, saying what it must be', () => {
    expect(() => loadConfig({ APPROVER_IDS: 'Frank Approver' })).toThrow(/Entra object ids or UPNs/);
  });
});
