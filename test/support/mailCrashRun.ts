import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MailRecord } from '../../src/app/mail/mailRecords';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { channelMessage, ONCALL_CHANNEL_ID } from './activities';
import { AppProcess, startAppProcess } from './appProcess';
import { FakeBotConnector } from './fakeBotConnector';
import { readFixture } from './mailFixtures';
import { pollUntil } from './pollUntil';
import { startDirectory } from './requestFlow';
import { users } from './users';

export interface MailCrashRunOptions {
  /** Distinct mails in the burst (each a verification code with its own Message-ID). */
  mails: number;
  /** kill -9 while the burst is relayed, each followed by a restart on the same data. */
  kills: number;
  connectorLatencyMs?: number;
  log?: (line: string) => void;
}

export interface MailCrashRunReport {
  mails: number;
  kills: number;
  /** Mails with a card in the on-call channel (must be all of them). */
  posted: number;
  /** Mail records left in any state but `posted` (must be none). */
  notFinished: number;
  /** Cards posted more than once for the same mail (goal ≤ 1 % of the mails). */
  duplicates: number;
  /** Secrets still stored for mails whose card is up (live ones; the purge takes them after the TTL). */
  secretsKept: number;
  seconds: number;
}

const MAIL_ID = /"mailId":"([0-9a-f]{64})"/;

/**
 * The crash suite for the relay: the real process on a DATA_DIR, a burst of mails handed to it (the inject
 * endpoint, as Graph's notifications would, `concurrency` at a time) while it is killed with SIGKILL and
 * restarted on the same data. A mail whose hand-over a kill cut off is handed over again, as Graph's catch-up
 * would; a mail left `processing` is finished by the sweeper once its lease (here 2 s) lapsed.
 */
export async function mailCrashRun(options: MailCrashRunOptions): Promise<MailCrashRunReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-mailcrash-'));
  const connector = new FakeBotConnector();
  connector.latencyMs = options.connectorLatencyMs ?? 5;
  await connector.start();
  const graph = await startDirectory();
  const env = {
    DATA_DIR: dataDir,
    GRAPH_BASE_URL: graph.baseUrl,
    ADMIN_IDS: users.carol.aadObjectId,
    MAIL_RELAY_LEASE_SECONDS: '2',
    LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'warn',
  };
  const template = readFixture('verification-code.eml').toString('utf8');
  const mails = Array.from({ length: options.mails }, (_, i) =>
    Buffer.from(
      template.replace('-000000@email.amazonses.com', `-${String(i).padStart(6, '0')}@email.amazonses.com`),
    ).toString('base64'),
  );
  const cards = () =>
    connector
      .of('createConversation')
      .filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID)
      .map((c) => MAIL_ID.exec(JSON.stringify(c.body))?.[1])
      .filter((id): id is string => !!id);
  const postedMails = () => new Set(cards()).size;

  let app: AppProcess | undefined;
  try {
    app = await startAppProcess(env);
    const setup = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(channelMessage(connector.url, users.carol, 'setup oncall')),
    });
    if (setup.status !== 200) throw new Error(`setup oncall answered ${setup.status}`);

    const handedOver = new Set<number>();
    const handOver = async (i: number, target: AppProcess) => {
      try {
        const token = readFileSync(path.join(dataDir, 'dev-mail-token'), 'utf8');
        const res = await fetch(`${target.url}/api/dev/mail`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ raw: mails[i] }),
        });
        await res.arrayBuffer();
        if (res.status === 200) handedOver.add(i);
      } catch {
        // cut off by a kill: handed over again after the restart
      }
    };
    const burst = async (target: AppProcess) => {
      const todo = mails.map((_, i) => i).filter((i) => !handedOver.has(i));
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < todo.length) await handOver(todo[next++], target);
        }),
      );
    };
    for (let kill = 0; kill <= options.kills; kill++) {
      const running = burst(app);
      if (kill === options.kills) {
        await running;
        break;
      }
      const target = Math.floor((options.mails * (kill + 1)) / (options.kills + 2));
      await pollUntil(() => postedMails() >= target || handedOver.size === mails.length, 'progress', 60_000);
      await app.crash();
      await running;
      log(
        `kill ${kill + 1}: ${postedMails()} of ${mails.length} mails posted, ${handedOver.size} handed over`,
      );
      app = await startAppProcess(env);
    }
    await pollUntil(
      () => postedMails() === mails.length,
      () => `every mail posted (${postedMails()} of ${mails.length})`,
      120_000,
    );
    // A card up is not a mail finished: one posted just before a kill is finished (its record written) by
    // the sweeper after its lease. Read the store beside the running app (WAL) until every mail is done.
    const watcher = SqliteDocumentStore.inDirectory(dataDir);
    await watcher.init();
    try {
      await pollUntil(
        async () => (await watcher.count('mails', { state: 'posted' })) === mails.length,
        'every mail record finished',
        60_000,
      );
    } finally {
      await watcher.close();
    }
    app.child.kill('SIGTERM');
    await app.exited;
    app = undefined;

    const store = SqliteDocumentStore.inDirectory(dataDir);
    await store.init();
    try {
      const records = await store.query<MailRecord>('mails', {});
      const perMail = new Map<string, number>();
      for (const id of cards()) perMail.set(id, (perMail.get(id) ?? 0) + 1);
      return {
        mails: mails.length,
        kills: options.kills,
        posted: postedMails(),
        notFinished: records.filter((r) => r.state !== 'posted').length + (mails.length - records.length),
        duplicates: [...perMail.values()].reduce((sum, n) => sum + n - 1, 0),
        secretsKept: await store.count('secrets', {}),
        seconds: Math.round((Date.now() - started) / 100) / 10,
      };
    } finally {
      await store.close();
    }
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
