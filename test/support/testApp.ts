import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { AppOverrides, createApp, RootMailApp } from '../../src/main/createApp';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log/logger';
import { ManualClock } from '../../src/ports/clock';
import { TEAMS_LIMITS, TeamsLimits } from '../../src/app/pacing/teamsSendBudget';
import { startCosmosServer, CosmosTestServer } from './cosmosServer';
import { FakeBotConnector } from './fakeBotConnector';

export type StoreKind = 'embedded' | 'cosmos';

/** A Microsoft Graph base URL on loopback where nothing listens: every call is refused at once. */
export const UNREACHABLE_GRAPH = 'http://127.0.0.1:9/v1.0';

/**
 * Teams' limits twenty times over: the pacing code runs in every test, but a test about something else (a
 * dozen cards into one chat) does not wait seconds of real time for Teams' pace. The pacing tests (and the
 * real processes of test/scale) pace to the published limits: `teamsLimits: TEAMS_LIMITS`.
 */
export const WIDE_TEAMS_LIMITS: TeamsLimits = {
  conversation: TEAMS_LIMITS.conversation.map((w) => ({ ...w, max: w.max * 20 })),
  tenantShare: { ...TEAMS_LIMITS.tenantShare, max: TEAMS_LIMITS.tenantShare.max * 20 },
};

export interface TestAppOptions {
  /** Settings as environment variables, exactly as an operator would set them. */
  env?: Record<string, string>;
  store?: StoreKind;
  clock?: ManualClock;
  /** Reuse a data dir / Cosmos server (restart tests). */
  dataDir?: string;
  cosmos?: CosmosTestServer;
  connector?: FakeBotConnector;
  /** Test-only switches of the app (see AppOverrides). */
  overrides?: Omit<AppOverrides, 'clock' | 'logger' | 'startTimers'>;
  /** Keep every log line in `logs` (default); long runs (fuzz, benches) turn it off to keep memory flat. */
  keepLogs?: boolean;
  /** Sees every log line as it is written (the fuzz suite counts the errors without keeping the lines). */
  onLog?: (line: string) => void;
}

export interface TestApp {
  url: string;
  app: RootMailApp;
  connector: FakeBotConnector;
  clock: ManualClock;
  /** Every line the app logged, as JSON text. */
  logs: string[];
  dataDir: string;
  cosmos?: CosmosTestServer;
  /**
   * Posts an activity to /api/messages over real HTTP, as Teams does, and (unless `settle` is false) waits
   * for the background work it started (the app's tracker, not a sleep).
   */
  send(
    activity: Record<string, unknown>,
    options?: { settle?: boolean },
  ): Promise<{ status: number; body: any }>;
  /** An HTTP call; like `send`, waits for the background work it started unless `settle` is false. */
  request(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    headers?: Record<string, string>,
    options?: { settle?: boolean },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stops the app only (keeps data, connector and Cosmos server), for restart tests. */
  stopApp(): Promise<void>;
  /** Stops everything and removes the data. */
  close(): Promise<void>;
}

/**
 * Starts the real app (real restify, real CloudAdapter, real store) on an ephemeral port, with a fake Bot
 * Connector on loopback. Anonymous bot authentication unless the env sets MicrosoftAppId.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const connector = options.connector ?? new FakeBotConnector();
  if (!connector.url) await connector.start();
  const clock = options.clock ?? new ManualClock();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'rootmail-test-'));
  const storeKind = options.store ?? 'embedded';
  const cosmos = storeKind === 'cosmos' ? (options.cosmos ?? (await startCosmosServer())) : undefined;

  // Cosmos DB or a Bot Framework app id make a deployment, which needs Microsoft Graph configured (the local
  // directory serves local runs only); a test that does not give one gets a loopback Graph nobody answers on.
  const deployment = !!cosmos || !!options.env?.MicrosoftAppId;
  const graphGiven = ['GRAPH_BASE_URL', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'MAILBOX'].some(
    (name) => options.env?.[name],
  );
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    ...(cosmos
      ? { COSMOS_ENDPOINT: cosmos.endpoint, COSMOS_KEY: cosmos.key, COSMOS_DATABASE: 'rootmail-test' }
      : {}),
    ...(deployment && !graphGiven ? { GRAPH_BASE_URL: UNREACHABLE_GRAPH } : {}),
    ...options.env,
  };
  // In-process tests run the anonymous bot on loopback with API, mailbox and public-URL settings that all
  // point at loopback fakes; the real process refuses that combination (test/security/anonymousMode.spec.ts).
  const config = loadConfig(env, { guardAnonymousBot: false });
  const logs: string[] = [];
  const keepLogs = options.keepLogs ?? true;
  const sink = new Writable({
    write(chunk, _enc, cb) {
      const lines = chunk.toString('utf8').split('\n').filter(Boolean);
      if (keepLogs) logs.push(...lines);
      if (options.onLog) lines.forEach(options.onLog);
      cb();
    },
  });
  const app = await createApp(config, {
    teamsLimits: WIDE_TEAMS_LIMITS,
    ...options.overrides,
    clock,
    logger: createLogger('debug', sink),
    startTimers: false,
  });
  const url = await app.listen(0, '127.0.0.1');

  let appStopped = false;
  const stopApp = async () => {
    if (appStopped) return;
    appStopped = true;
    await app.close();
  };

  const request: TestApp['request'] = async (method, pathAndQuery, body, headers = {}, options = {}) => {
    const res = await fetch(url + pathAndQuery, {
      method,
      headers: {
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (options.settle ?? true) await app.idle();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  return {
    url,
    app,
    connector,
    clock,
    logs,
    dataDir,
    cosmos,
    send: async (activity, options) => {
      const { status, body } = await request('POST', '/api/messages', activity, {}, options);
      return { status, body };
    },
    request,
    stopApp,
    close: async () => {
      await stopApp();
      if (!options.connector) await connector.stop();
      if (cosmos && !options.cosmos) await cosmos.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Text of a message the bot sent (plain text, or the texts inside its card). */

export function textOf(body: any): string {
  const parts: string[] = [];
  if (body?.text) parts.push(body.text);
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'text' || k === 'title' || k === 'value') && typeof v === 'string') parts.push(v);
        else walk(v);
      }
    }
  };
  walk(body?.attachments ?? body?.activity?.attachments);
  if (body?.activity?.text) parts.push(body.activity.text);
  return parts.join('\n');
}

/** The first Adaptive Card in a message the bot sent. */

export function cardOf(body: any): any {
  const attachments = body?.attachments ?? body?.activity?.attachments ?? [];
  return attachments.find(
    (a: { contentType: string }) => a.contentType === 'application/vnd.microsoft.card.adaptive',
  )?.content;
}
