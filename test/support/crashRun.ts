import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../src/app/auditLog';
import type { AddressRequest } from '../../src/domain/addressRequests';
import { person } from '../../src/domain/permissions';
import { ManualClock } from '../../src/ports/clock';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { cardAction, installedForUser, personalConversationId, personalMessage } from './activities';
import { addressUseCases, poolCsv } from './addressFixtures';
import { AppProcess, startAppProcess } from './appProcess';
import { FakeBotConnector } from './fakeBotConnector';
import { pollUntil } from './pollUntil';
import { startDirectory } from './requestFlow';
import { users } from './users';

export interface CrashRunOptions {
  /** Requests approved while the process is killed. */
  requests: number;
  /** kill -9 during the approvals, each followed by a restart on the same data. */
  kills: number;
  /** How long the fake Bot Connector takes to answer (a slow Teams widens the windows a kill can hit). */
  connectorLatencyMs?: number;
  /** Progress notes (the CLI prints them). */
  log?: (line: string) => void;
}

export interface CrashRunReport {
  requests: number;
  kills: number;
  /** Requests fulfilled, with one address each, distinct across requests. */
  fulfilled: number;
  distinctAddresses: number;
  /** Pool aliases assigned (must equal the requests: no address handed out and lost). */
  assignedAliases: number;
  /** Requests with more than one approval, or more than one allocation, in the audit log. */
  doubleDecisions: number;
  doubleAllocations: number;
  /** Requests whose approval or allocation is missing from the audit log. */
  auditGaps: number;
  /** User-visible messages sent more than once for the same request and purpose. */
  duplicates: { approvalCards: number; resultCards: number; total: number };
  /** Requests whose address never reached the requester, by a message or a card update. */
  addressNotShown: number;
  /** Result messages in doubt after a kill, shown through the requester's status card instead. */
  resultsShownByUpdate: number;
  seconds: number;
}

const { alice, bob } = users;
const REQUEST_ID = /req-[0-9a-f]{8}/;

/**
 * The crash suite: the real process (dist/src/main/index.js) on a DATA_DIR, a loopback fake Bot Connector
 * and Graph directory in this process. Requests are asked for, then all approved at once while the process
 * is killed with SIGKILL (`kills` times, at random moments of the work) and restarted on the same data;
 * clicks the kill cut off are clicked again, as an approver would. Then the store and everything Teams
 * received are checked: nothing lost, no address or decision twice, and how many messages went out twice.
 */
export async function crashRun(options: CrashRunOptions): Promise<CrashRunReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-crash-'));
  const connector = new FakeBotConnector();
  connector.latencyMs = options.connectorLatencyMs ?? 5;
  await connector.start();
  const graph = await startDirectory();
  const env = {
    DATA_DIR: dataDir,
    GRAPH_BASE_URL: graph.baseUrl,
    ADDRESS_STRATEGY: 'pool',
    LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'warn',
    // A restart takes over only claims that lapsed: short leases keep the suite quick.
    WORK_LEASE_SECONDS: process.env.CRASH_WORK_LEASE_SECONDS ?? '5',
    WORK_POLL_SECONDS: '1',
  };
  let app: AppProcess | undefined;
  try {
    await seedPool(dataDir, options.requests * 2);
    app = await startAppProcess(env);
    const post = async (activity: Record<string, unknown>) => {
      const res = await fetch(`${app!.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      await res.arrayBuffer();
      return res.status;
    };

    // Phase 1, undisturbed: Alice and Bob have the app; Alice asks; every approval card reaches Bob.
    await post(installedForUser(connector.url, alice));
    await post(installedForUser(connector.url, bob));
    const names = Array.from({ length: options.requests }, (_, i) => `crash-${i}`);
    await inBatches(names, 10, (name) => post(personalMessage(connector.url, alice, `request ${name}`)));
    // Bob's chat also gets the app's welcome; the approval cards are the messages naming a request.
    const approvalCards = () =>
      connector
        .sentMessages()
        .filter(
          (c) => c.conversationId === personalConversationId(bob) && REQUEST_ID.test(JSON.stringify(c.body)),
        );
    await pollUntil(() => approvalCards().length >= options.requests, 'every approval card', 60_000);
    const requestIds = [...new Set(approvalCards().map((c) => REQUEST_ID.exec(JSON.stringify(c.body))![0]))];
    const cardOf = new Map(
      approvalCards().map((c) => [REQUEST_ID.exec(JSON.stringify(c.body))![0], c.activityId]),
    );
    log(
      `${requestIds.length} requests asked; approving them all while killing the process ${options.kills} times`,
    );

    // Phase 2: every request approved at once, the process killed at random moments and restarted.
    // What reached Alice, read once per call as calls arrive (the connector shares this event loop).
    const shown = new Set<string>();
    let seen = 0;
    const progress = () => {
      for (; seen < connector.calls.length; seen++) {
        const call = connector.calls[seen];
        if (call.conversationId !== personalConversationId(alice) || call.kind === 'getMember') continue;
        const text = JSON.stringify(call.body);
        const id = REQUEST_ID.exec(text)?.[0];
        if (id && /is ready/.test(text)) shown.add(id);
      }
      return shown.size;
    };
    const addressShown = (requestId: string) => (progress(), shown.has(requestId));
    const answered = new Set<string>();
    const approve = async (requestId: string) => {
      const click = cardAction(
        connector.url,
        bob,
        'request.approve',
        { verb: 'request.approve', requestId },
        { id: personalConversationId(bob) },
        cardOf.get(requestId),
      );
      const status = await post(click).catch(() => 0); // a kill cuts the click off: Bob clicks again later
      if (status === 200) answered.add(requestId);
    };
    const thresholds = Array.from({ length: options.kills }, (_, i) =>
      Math.floor((options.requests * (i + 1 + (Math.random() - 0.5) * 0.6)) / (options.kills + 1)),
    );
    for (let kill = 0; kill <= options.kills; kill++) {
      const clicks = Promise.all(requestIds.filter((id) => !answered.has(id)).map(approve));
      if (kill === options.kills) {
        await clicks;
        break;
      }
      const target = Math.max(thresholds[kill], progress() + 1);
      await pollUntil(
        () =>
          progress() >= target || (answered.size === requestIds.length && progress() === requestIds.length),
        'progress before a kill',
        60_000,
      );
      await app.crash();
      await clicks;
      log(
        `kill ${kill + 1}: ${progress()} of ${requestIds.length} addresses shown, ${answered.size} clicks answered`,
      );
      app = await startAppProcess(env);
    }
    await pollUntil(
      () => progress() === requestIds.length,
      () => `every address shown (${progress()})`,
      120_000,
    );

    // An address shown is not a request finished: a step the killed process held (a card update) is taken
    // over once its lease lapsed. Read the store beside the running app (WAL) until no work is left.
    const watcher = SqliteDocumentStore.inDirectory(dataDir);
    await watcher.init();
    try {
      await pollUntil(
        async () => (await watcher.count('requests', { workPending: true })) === 0,
        "every request's work finished",
        60_000,
      );
    } finally {
      await watcher.close();
    }

    // Stop cleanly, then look at the data as it is.
    app.child.kill('SIGTERM');
    await app.exited;
    app = undefined;
    return await inspect(dataDir, requestIds, connector, {
      kills: options.kills,
      addressNotShown: requestIds.filter((id) => !addressShown(id)).length,
      started,
    });
  } catch (err) {
    if (app) log(`the app said:\n${app.output().slice(-6000)}`);
    throw err;
  } finally {
    await app?.crash();
    await connector.stop();
    await graph.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function seedPool(dataDir: string, aliases: number): Promise<void> {
  const store = SqliteDocumentStore.inDirectory(dataDir);
  await store.init();
  try {
    const { pool } = addressUseCases(store, { clock: new ManualClock(new Date()) });
    await pool.importCsv(
      poolCsv(Math.ceil(aliases / 300), Math.min(300, aliases)),
      person('crash-setup', 'setup', true),
    );
  } finally {
    await store.close();
  }
}

async function inspect(
  dataDir: string,
  requestIds: string[],
  connector: FakeBotConnector,
  extra: { kills: number; addressNotShown: number; started: number },
): Promise<CrashRunReport> {
  const store = SqliteDocumentStore.inDirectory(dataDir);
  await store.init();
  try {
    const audit = new AuditLog(store, new ManualClock());
    const requests = (
      await Promise.all(requestIds.map((id) => store.get<AddressRequest>('requests', id)))
    ).filter((r): r is NonNullable<typeof r> => !!r);
    const fulfilled = requests.filter((r) => r.state === 'fulfilled' && r.address && !r.workPending);
    let doubleDecisions = 0;
    let doubleAllocations = 0;
    let auditGaps = 0;
    for (const id of requestIds) {
      const events = await audit.about(id);
      const approvals = events.filter((e) => e.action === 'request.approved').length;
      const allocations = events.filter((e) => e.action === 'address.allocated').length;
      if (approvals > 1) doubleDecisions++;
      if (allocations > 1) doubleAllocations++;
      if (approvals === 0 || allocations === 0) auditGaps++;
    }
    const sent = connector.sentMessages();
    const perRequest = (conversationId: string, pattern: RegExp) => {
      let extraCopies = 0;
      for (const id of requestIds) {
        const copies = sent.filter(
          (c) =>
            c.conversationId === conversationId &&
            JSON.stringify(c.body).includes(id) &&
            pattern.test(JSON.stringify(c.body)),
        ).length;
        extraCopies += Math.max(0, copies - 1);
      }
      return extraCopies;
    };
    const approvalCards = perRequest(personalConversationId(bob), /asks for a root e-mail address/);
    const resultCards = perRequest(personalConversationId(alice), /is ready/);
    const resultsShownByUpdate = requestIds.filter(
      (id) =>
        !sent.some(
          (c) =>
            c.conversationId === personalConversationId(alice) &&
            JSON.stringify(c.body).includes(id) &&
            /is ready/.test(JSON.stringify(c.body)),
        ),
    ).length;
    return {
      requests: requestIds.length,
      kills: extra.kills,
      fulfilled: fulfilled.length,
      distinctAddresses: new Set(fulfilled.map((r) => r.address)).size,
      assignedAliases: await store.count('addresses', { strategy: 'pool', state: 'assigned' }),
      doubleDecisions,
      doubleAllocations,
      auditGaps,
      duplicates: { approvalCards, resultCards, total: approvalCards + resultCards },
      addressNotShown: extra.addressNotShown,
      resultsShownByUpdate,
      seconds: Math.round((Date.now() - extra.started) / 100) / 10,
    };
  } finally {
    await store.close();
  }
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}
