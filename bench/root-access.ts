import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { person } from '../src/domain/permissions';
import type { RootAccess } from '../src/domain/rootAccess';
import { cardAction, personalConversationId, personalMessage } from '../test/support/activities';
import { awsEnv, record, resetMail, useLocalAwsKeys } from '../test/support/awsSupport';
import { FakeAws } from '../test/support/fakeAws';
import { FakeGraphMailbox } from '../test/support/fakeGraphMailbox';
import { startDirectory } from '../test/support/requestFlow';
import { TEAMS_LIMITS } from '../src/app/pacing/teamsSendBudget';
import { startTestApp, TestApp } from '../test/support/testApp';
import { TokenIssuer } from '../test/support/tokenIssuer';
import { TestUser, users } from '../test/support/users';

/**
 * npm run bench:root-access [-- embedded|cosmos] [--sessions N] [--teams-ms M]
 *
 * Break-glass sessions end to end over real HTTP (the app as createApp wires it, the real STS and IAM clients
 * against the loopback AWS, AWS's reset mail read from the loopback Graph mailbox), one after the other, and
 * for each the time a person waits:
 *   - Start → the session open and its sign-in steps posted to the requester (an audit, CreateLoginProfile);
 *   - the reset mail's notification → its masked card posted in the requester's chat (fetch, classify, route);
 *   - done → the password deleted, the posture read again and the outcome posted to requester, approver, on-call.
 * `--teams-ms` makes the loopback Bot Connector answer that slowly (Teams' own latency), default 0.
 */
const { alice, bob, carol } = users;
const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'bench-root-access';
const argValue = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SESSIONS = argValue('--sessions', 20);
const TEAMS_MS = argValue('--teams-ms', 0);
const store = process.argv.includes('cosmos') ? 'cosmos' : 'embedded';

async function main() {
  const restoreKeys = useLocalAwsKeys();
  const fake = new FakeAws();
  const ids = Array.from(
    { length: SESSIONS },
    (_, i) => fake.addAccount({ name: `bench-${i}`, email: address(i) }).id,
  );
  fake.root.enable();
  await fake.start();
  const graph = await startDirectory();
  const mailbox = new FakeGraphMailbox(graph, MAILBOX);
  const issuer = await new TokenIssuer().start();
  let t: TestApp | undefined;
  try {
    t = await startTestApp({
      store,
      keepLogs: false,
      overrides: { teamsLimits: TEAMS_LIMITS }, // what a person waits for includes Teams' pace
      env: {
        ...awsEnv(fake),
        ...issuer.env(),
        GRAPH_BASE_URL: graph.baseUrl,
        MAILBOX,
        PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
        GRAPH_CLIENT_STATE: CLIENT_STATE,
        ADMIN_IDS: carol.aadObjectId,
        LOG_LEVEL: 'warn',
      },
    });
    const app = t;
    fake.now = () => app.clock.now();
    const owner = { id: alice.aadObjectId, upn: alice.upn, name: alice.name };
    for (const [i, id] of ids.entries()) {
      await app.app.store.create(
        'addresses',
        address(i),
        record(address(i), { owner, accountName: `bench-${i}` }),
      );
      await app.app.services.addresses.linkAwsAccount(
        address(i),
        id,
        person(carol.aadObjectId, carol.name, true),
      );
    }
    for (const user of [alice, bob]) await app.send(personalMessage(app.connector.url, user, 'help'));
    await app.app.runJobs(); // the Graph subscription
    app.connector.latencyMs = TEAMS_MS;
    console.log(
      `${SESSIONS} break-glass sessions, ${store} store, Teams answering in ${TEAMS_MS} ms; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores, Node ${process.version}`,
    );

    const timings = { start: [] as number[], mail: [] as number[], done: [] as number[] };
    const assumeRootBefore = fake.of('AssumeRoot').length;
    const iamBefore = fake.calls.filter((c) => c.service === 'iam').length;
    for (const [i, id] of ids.entries()) {
      await app.send(
        personalMessage(app.connector.url, alice, `root-access bench-${i} benchmark the break-glass path`),
      );
      const accessId = (await app.app.store.query<RootAccess>('rootAccess', { state: 'pending' }))[0].id;
      await click(app, bob, 'root-access.approve', accessId);
      timings.start.push(await timed(() => click(app, alice, 'root-access.start', accessId)));
      const mailId = mailbox.deliver(resetMail(fake.root.forgotPassword(id)), app.clock.now().toISOString());
      timings.mail.push(
        await timed(() => app.request('POST', '/api/graph/notifications', mailbox.notification([mailId]))),
      );
      timings.done.push(
        await timed(() => app.send(personalMessage(app.connector.url, alice, `root-access done bench-${i}`))),
      );
      const closed = (await app.app.store.get<RootAccess>('rootAccess', accessId))!;
      if (closed.state !== 'closed' || closed.handedMails?.length !== 1 || fake.root.user(id).password)
        throw new Error(`session ${accessId} did not go as it should: ${closed.state}`);
    }
    const byTask = new Map<string, number>();
    for (const call of fake.of('AssumeRoot').slice(assumeRootBefore))
      byTask.set(call.rootTask!, (byTask.get(call.rootTask!) ?? 0) + 1);
    const iamCalls = fake.calls.filter((c) => c.service === 'iam').length - iamBefore;
    for (const [label, values] of [
      ['Start → open, sign-in steps posted', timings.start],
      ['reset mail notification → masked card in the requester’s chat', timings.mail],
      ['done → password deleted, posture read, outcome posted (3 people)', timings.done],
    ] as const)
      console.log(
        `${label}: median ${ms(percentile(values, 50))}, p95 ${ms(percentile(values, 95))}, max ${ms(Math.max(...values))}`,
      );
    console.log(
      `per session: ${[...byTask].map(([task, n]) => `${(n / SESSIONS).toFixed(1)} AssumeRoot ${task}`).join(', ')} ` +
        `(the audits reuse the reconciliation's root sessions: same account and task within 15 minutes), ` +
        `${(iamCalls / SESSIONS).toFixed(1)} IAM calls`,
    );
  } finally {
    await t?.close();
    await fake.stop();
    await graph.stop();
    await issuer.stop();
    restoreKeys();
  }
}

function address(i: number): string {
  return `aws-bench-${i}@contoso.com`;
}

function click(t: TestApp, user: TestUser, verb: string, accessId: string) {
  return t.send(
    cardAction(t.connector.url, user, verb, { verb, accessId }, { id: personalConversationId(user) }),
  );
}

/** Milliseconds until the call was answered and everything it started had finished (the app idle). */
async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
