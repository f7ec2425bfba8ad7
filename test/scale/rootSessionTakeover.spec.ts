import { person } from '../../src/domain/permissions';
import type { RootAccess } from '../../src/domain/rootAccess';
import { ManualClock } from '../../src/ports/clock';
import { cardAction, personalConversationId, personalMessage } from '../support/activities';
import { addressUseCases } from '../support/addressFixtures';
import { AppCluster } from '../support/appCluster';
import { awsEnv, record } from '../support/awsSupport';
import { FakeAws } from '../support/fakeAws';
import { meetAliceAndBob } from '../support/clusterApprovals';
import { pollUntil } from '../support/pollUntil';
import { users } from '../support/users';

const { alice, bob, carol } = users;
const ADDRESS = 'aws-ra-takeover@contoso.com';

/**
 * Two real app processes on one Cosmos DB with the production lease and poll settings, and the loopback AWS:
 * a break-glass session is open when the instance that opened it is killed with kill -9; the session's timer
 * still closes it, on the other instance: the root password is deleted (DeleteLoginProfile in an
 * IAMDeleteRootUserCredentials session) and the requester is told. ROOT_ACCESS_MINUTES is 1, its least.
 */
describe('a break-glass session whose instance dies (two processes, one Cosmos DB)', () => {
  let cluster: AppCluster;
  let fake: FakeAws;
  let accountId: string;

  beforeAll(async () => {
    fake = new FakeAws();
    accountId = fake.addAccount({ name: 'takeover-acct', email: ADDRESS }).id;
    fake.root.enable();
    await fake.start();
    cluster = await AppCluster.start({
      instances: 2,
      env: {
        ...awsEnv(fake),
        AWS_ACCESS_KEY_ID: 'AKIDCLUSTERTEST',
        AWS_SECRET_ACCESS_KEY: 'cluster-secret',
        ADMIN_IDS: carol.aadObjectId,
        ROOT_ACCESS_MINUTES: '1',
      },
    });
    const { addresses } = addressUseCases(cluster.store, { clock: new ManualClock(new Date()) });
    const owner = { id: alice.aadObjectId, upn: alice.upn, name: alice.name };
    await cluster.store.create(
      'addresses',
      ADDRESS,
      record(ADDRESS, { owner, accountName: 'takeover-acct' }),
    );
    // The instances are starting meanwhile (and may touch the record once): linked as `link` would, again if so.
    await pollUntil(
      () =>
        addresses
          .linkAwsAccount(ADDRESS, accountId, person(carol.aadObjectId, carol.name, true))
          .then(() => true)
          .catch(() => false),
      'the record linked',
      30_000,
    );
    await meetAliceAndBob(cluster);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await fake?.stop();
  });

  const stored = async (id: string) => (await cluster.store.get<RootAccess>('rootAccess', id))!;
  const click = (index: number, user: typeof alice, verb: string, accessId: string) =>
    cluster.send(
      index,
      cardAction(cluster.connector.url, user, verb, { verb, accessId }, { id: personalConversationId(user) }),
    );

  it('kill -9 of the instance that opened the session: the timer closes it on the other one', async () => {
    const asked = await cluster.send(
      0,
      personalMessage(
        cluster.connector.url,
        alice,
        'root-access takeover-acct fix the locked-out bucket policy',
      ),
    );
    expect(asked.status).toBe(200);
    let id = '';
    await pollUntil(
      () => {
        id = /ra-[0-9a-f]{8}/.exec(JSON.stringify(cluster.connector.calls))?.[0] ?? '';
        return !!id;
      },
      'the root access asked for',
      30_000,
    );
    await pollUntil(async () => (await stored(id)).delivery === 'personal', "Bob's approval card", 30_000);
    expect((await click(0, bob, 'root-access.approve', id)).status).toBe(200);
    await pollUntil(async () => (await stored(id)).state === 'approved', 'the approval stored', 30_000);
    expect((await click(0, alice, 'root-access.start', id)).status).toBe(200);
    await cluster.explained(() =>
      pollUntil(async () => (await stored(id)).state === 'open', 'the session open', 30_000),
    );
    expect(fake.root.user(accountId).password).toBeDefined();
    const opened = await stored(id);

    await cluster.kill(0);
    const killedAt = Date.now();
    const endsInMs = Date.parse(opened.endsAt!) - killedAt;

    await cluster.explained(() =>
      pollUntil(
        async () => (await stored(id)).state === 'closed',
        'the session closed by the other instance',
        endsInMs + 90_000,
      ),
    );
    const closed = await stored(id);
    console.log(
      `root session takeover: the session's minute ended ${(endsInMs / 1000).toFixed(1)} s after the kill; ` +
        `instance 1 had closed it ${((Date.now() - killedAt - endsInMs) / 1000).toFixed(1)} s after its end`,
    );
    expect(closed).toMatchObject({
      ended: { how: 'timer' },
      closed: { outcome: 'done' },
      after: { password: false },
    });
    expect(closed.closed?.problem).toBeUndefined();
    expect(fake.root.user(accountId).password).toBeUndefined();
    expect(fake.of('DeleteLoginProfile')).toEqual([
      expect.objectContaining({
        rootTask: 'IAMDeleteRootUserCredentials',
        rootAccountId: accountId,
        status: 200,
      }),
    ]);
    await pollUntil(
      () =>
        cluster.connector.calls.some(
          (c) =>
            c.conversationId === personalConversationId(alice) &&
            /its 1 minute is over.*removed the password/s.test(JSON.stringify(c.body)),
        ),
      'Alice told how it ended',
      30_000,
    );
  }, 240_000);
});
