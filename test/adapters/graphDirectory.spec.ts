import { GraphApi } from '../../src/adapters/graphApi';
import { GraphDirectory } from '../../src/adapters/graphDirectory';
import { loadConfig } from '../../src/config';
import { FakeGraph } from '../support/fakeGraph';
import { users } from '../support/users';

describe('GraphDirectory against a loopback Graph', () => {
  let graph: FakeGraph;
  let directory: GraphDirectory;

  beforeAll(async () => {
    graph = new FakeGraph()
      .addUser({
        id: users.alice.aadObjectId.toUpperCase(),
        displayName: users.alice.name,
        userPrincipalName: users.alice.upn,
        managerId: users.bob.aadObjectId,
      })
      .addUser({ id: users.bob.aadObjectId, displayName: users.bob.name, userPrincipalName: users.bob.upn });
    await graph.start();
    directory = new GraphDirectory(new GraphApi(loadConfig({ GRAPH_BASE_URL: graph.baseUrl }).graph));
  });
  afterAll(() => graph.stop());

  it('finds a user by UPN or object id, with the id in lower case', async () => {
    const byUpn = await directory.getUser(users.alice.upn);
    expect(byUpn).toMatchObject({
      id: users.alice.aadObjectId,
      displayName: users.alice.name,
      userPrincipalName: users.alice.upn,
    });
    expect((await directory.getUser(users.alice.aadObjectId))?.userPrincipalName).toBe(users.alice.upn);
    const [call] = graph.of('GET', /^\/users\/alice(@|%40)contoso.com$/);
    expect(call.query.get('$select')).toBe('id,displayName,userPrincipalName,mail');
    expect(call.authorization).toBeUndefined(); // a loopback fake is called without a token
  });

  it('finds the manager, and answers undefined for missing users and managers', async () => {
    expect((await directory.getManager(users.alice.aadObjectId))?.id).toBe(users.bob.aadObjectId);
    expect(await directory.getManager(users.bob.aadObjectId)).toBeUndefined();
    expect(await directory.getUser('nobody@contoso.com')).toBeUndefined();
  });

  it('finds people by the start of a name or UPN (startswith, the quote of a name doubled)', async () => {
    expect((await directory.findUsers('bob')).map((u) => u.id)).toEqual([users.bob.aadObjectId]);
    expect((await directory.findUsers('Requester')).map((u) => u.id)).toEqual([users.alice.aadObjectId]);
    expect(await directory.findUsers("o'brien")).toEqual([]);
    const call = graph.of('GET', /^\/users$/).at(-1)!;
    expect(call.query.get('$filter')).toBe(
      "startswith(displayName,'o''brien') or startswith(givenName,'o''brien') or startswith(surname,'o''brien') or startswith(userPrincipalName,'o''brien') or startswith(mail,'o''brien')",
    );
    expect(call.consistencyLevel).toBe('eventual');
    expect(call.query.get('$top')).toBe('10');
    expect(await directory.findUsers('  ')).toEqual([]);
  });

  it('reports other Graph failures as Microsoft Graph being unavailable', async () => {
    graph.on('GET', /^\/users\/broken(@|%40)contoso.com$/, () => ({
      status: 403,
      body: { error: { code: 'Authorization_RequestDenied', message: 'no' } },
    }));
    await expect(directory.getUser('broken@contoso.com')).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      dependency: 'Microsoft Graph',
    });
  });
});
