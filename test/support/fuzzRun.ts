import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { VERBS } from '../../src/cards/verbs';
import { person } from '../../src/domain/permissions';
import type { MailRecord } from '../../src/app/mail/mailRecords';
import { BOT, cardAction, channelMessage, installedForUser, personalMessage } from './activities';
import { poolCsv } from './addressFixtures';
import { FakeGraphMailbox } from './fakeGraphMailbox';
import {
  encodedBodies,
  encodedRequests,
  EncodedRequest,
  FuzzRoute,
  runSmtpSession,
  sendEncoded,
  SmtpStep,
  smtpSessions,
} from './fuzzTransport';
import { HOSTILE, HOSTILE_LINES, liveMarkdown } from './liveMarkdown';
import { readFixture } from './mailFixtures';
import { sendSmtp } from './smtpClient';
import { startDirectory } from './requestFlow';
import { startTestApp, TestApp } from './testApp';
import { TokenIssuer } from './tokenIssuer';
import { TestUser, users } from './users';

export interface FuzzOptions {
  activities: number;
  notifications: number;
  apiCalls: number;
  /** Bodies with every Content-Encoding (corrupt, bombs), lying lengths and bad Host headers, over raw sockets. */
  encodings?: number;
  /** SMTP sessions of hostile clients against the SMTP source. */
  smtpSessions?: number;
  seed?: number;
  /** Warm every path up before the memory baseline (default true; the suite's reduced run skips it). */
  warmUp?: boolean;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  sent: {
    activities: number;
    notifications: number;
    apiCalls: number;
    encodings: number;
    smtpSessions: number;
  };
  /** Answers by status code, over everything sent. */
  statuses: Record<string, number>;
  /** 5xx answers other than botbuilder's 501 for an invoke nobody handles (must be none). */
  serverErrors: { status: number; what: string; body: string }[];
  /** Answers whose body carried an internal message (a stack, an error class, a library's words). */
  leaks: { status: number; what: string; body: string }[];
  /** Lines the app logged at error level or above: each an internal exception (must be none). */
  internalErrors: { count: number; samples: string[] };
  /** Plain messages the bot sent (or answered an invoke with) that Teams would render as markdown. */
  liveMarkdown: { text: string; found: string[] }[];
  /** How many plain messages were checked for it. */
  plainMessagesChecked: number;
  /**
   * SMTP replies by code; findings: a session the server stopped answering, or a mail it could not relay
   * (451); trustedWithoutRelay: mails trusted without the relay's stamp (none of the fuzz mails carries it).
   */
  smtp: { replies: Record<string, number>; findings: string[]; trustedWithoutRelay: number };
  health: { probes: number; p99Ms: number; maxMs: number; failures: number };
  /** Resident memory after a full GC, after the warm-up and at the end (null without --expose-gc). */
  rssMb: { afterWarmUp: number | null; atEnd: number | null; growth: number | null };
  /** The JavaScript heap in use after a full GC, at the same two points. */
  heapMb: { afterWarmUp: number | null; atEnd: number | null };
  seconds: number;
}

const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'fuzz-client-state-0123456789';
/** The relay whose Authentication-Results the SMTP source believes; no fuzz mail carries its stamp. */
const SMTP_RELAY = 'relay.contoso.com';
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'teams');
/** What must never be in an answer: stack frames, error classes, messages of the libraries underneath. */
const INTERNALS =
  /\bat [\w.<>]+ \(|TypeError|RangeError|SyntaxError|ReferenceError|Cannot read prop|cannot be null|is not a function|ECONN|botbuilder|restify|node:sqlite|ERR_SQLITE|SQLITE_/;

/**
 * The fuzz and fault suite (issue 10): mutated Teams activities (from the recorded payloads in
 * test/fixtures/teams and our builders), Graph notification batches and API calls, sent to the real app
 * over HTTP while /healthz is probed. Everything the app answers is counted; a 5xx other than botbuilder's
 * 501, or an answer with internals in it, is a finding.
 */
export async function fuzzRun(options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const graph = await startDirectory();
  new FakeGraphMailbox(graph, MAILBOX); // serves the central mailbox's subscription and messages
  const issuer = await new TokenIssuer().start();
  const internalErrors: FuzzReport['internalErrors'] = { count: 0, samples: [] };
  const t = await startTestApp({
    onLog: (line) => {
      if (!/"level":"(error|fatal)"/.test(line)) return;
      internalErrors.count++;
      if (internalErrors.samples.length < 10) internalErrors.samples.push(line.slice(0, 600));
    },
    env: {
      GRAPH_BASE_URL: graph.baseUrl,
      MAILBOX,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3978',
      GRAPH_CLIENT_STATE: CLIENT_STATE,
      ADMIN_IDS: users.carol.aadObjectId,
      APPROVER_IDS: users.frank.aadObjectId,
      LOG_LEVEL: 'warn',
      SMTP_PORT: '0',
      SMTP_TRUSTED_AUTHSERV_ID: SMTP_RELAY,
      ...issuer.env(),
    },
    keepLogs: false,
  });
  const statuses: Record<string, number> = {};
  const serverErrors: FuzzReport['serverErrors'] = [];
  const leaks: FuzzReport['leaks'] = [];
  const live: FuzzReport['liveMarkdown'] = [];
  let plainMessagesChecked = 0;
  const checkPlain = (text: unknown) => {
    if (typeof text !== 'string' || !text) return;
    plainMessagesChecked++;
    const found = liveMarkdown(text);
    if (found.length && live.length < 20) live.push({ text: text.slice(0, 400), found });
  };
  const probes: number[] = [];
  let healthFailures = 0;
  // /healthz is asked beside the hostile traffic: one probe alongside every PROBE_EVERY-th request.
  const PROBE_EVERY = 10;
  let requestsSent = 0;
  const pendingProbes: Promise<void>[] = [];
  const probeHealth = async () => {
    const begin = performance.now();
    const ok = await fetch(`${t.url}/healthz`)
      .then(async (r) => (await r.arrayBuffer(), r.status === 200))
      .catch(() => false);
    probes.push(performance.now() - begin);
    if (!ok) healthFailures++;
  };

  const note = (what: string, status: number, body: string, invoke: boolean) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 500 && !(status === 501 && invoke) && serverErrors.length < 20)
      serverErrors.push({ status, what: what.slice(0, 400), body: body.slice(0, 400) });
    if (INTERNALS.test(body) && leaks.length < 20)
      leaks.push({ status, what: what.slice(0, 400), body: body.slice(0, 400) });
    if (invoke && body.includes('application/vnd.microsoft.activity.message')) {
      try {
        checkPlain((JSON.parse(body) as { value?: unknown }).value);
      } catch {
        /* not JSON: nothing for Teams to render */
      }
    }
  };
  const send = async (
    method: string,
    pathAndQuery: string,
    body: string | undefined,
    headers: Record<string, string>,
    invoke = false,
  ) => {
    const withBody = method !== 'GET' && method !== 'HEAD';
    if (++requestsSent % PROBE_EVERY === 0) pendingProbes.push(probeHealth());
    const res = await fetch(t.url + pathAndQuery, { method, headers, body: withBody ? body : undefined });
    note(`${method} ${pathAndQuery} ${body ?? ''}`, res.status, await res.text(), invoke);
  };

  try {
    await setUp(t);
    /**
     * Memory the process keeps: after full GCs, the least resident size seen over several rounds, each after
     * the event loop has run everything pending (the allocator hands freed pages back to the system lazily,
     * so one reading right after a burst overstates it).
     */
    const memory = async () => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) return { rss: null, heap: null };
      let rss = Infinity;
      let heap = Infinity;
      for (let i = 0; i < 8; i++) {
        gc();
        gc();
        const usage = process.memoryUsage();
        rss = Math.min(rss, usage.rss);
        heap = Math.min(heap, usage.heapUsed);
        await t.app.idle();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { rss: Math.round(rss / 1e6), heap: Math.round(heap / 1e6) };
    };
    const connector = t.connector;
    const activityArb = activities(connector.url);
    // Cases are drawn 250 at a time (each chunk's seed derived from the run's), so the harness holds few.
    const run = async <T>(
      label: string,
      arb: fc.Arbitrary<T>,
      count: number,
      each: (v: T) => Promise<void>,
    ) => {
      for (let done = 0, chunk = 0; done < count; chunk++) {
        const numRuns = Math.min(250, count - done);
        for (const value of fc.sample(arb, { numRuns, seed: seed + label.length * 1000 + chunk }))
          await each(value);
        done += numRuns;
        await t.app.idle();
        for (const call of connector.calls) checkPlain(call.body?.text ?? call.body?.activity?.text);
        connector.clear(); // the fakes record everything; keep the harness' memory flat
        graph.calls.length = 0;
        await t.app.idle();
      }
      await Promise.all(pendingProbes.splice(0)); // (probeHealth never rejects)
      const after = await memory();
      const { external, arrayBuffers, heapTotal } = process.memoryUsage();
      const kinds = readFileSync('/proc/self/status', 'utf8')
        .split('\n')
        .filter((l) => /^Rss(Anon|File|Shmem)/.test(l))
        .map((l) => l.replace(/\s+/g, ' '))
        .join(', ');
      log(
        `${label}: ${count} sent; after GC: RSS ${after.rss} MB, heap ${after.heap} MB, ` +
          `heap reserved ${Math.round(heapTotal / 1e6)} MB, external ${Math.round(external / 1e6)} MB (array buffers ${Math.round(arrayBuffers / 1e6)} MB); ${kinds}`,
      );
    };

    const tokens = {
      none: {},
      admin: await issuer.bearer({ roles: ['Addresses.Admin'], oid: users.carol.aadObjectId }),
      reader: await issuer.bearer({ roles: ['Addresses.Read'] }),
      allocator: await issuer.bearer({ roles: ['Addresses.Allocate'] }),
      plain: await issuer.bearer({ oid: users.alice.aadObjectId, name: users.alice.name }),
      expired: await issuer.bearer({ roles: ['Addresses.Admin'], expiresIn: -600 }),
      foreign: await issuer.bearer({ roles: ['Addresses.Admin'], foreignKey: true }),
      garbage: { authorization: 'Bearer not.a.token' },
    };
    const apiArb = apiCalls(Object.keys(tokens) as (keyof typeof tokens)[]);
    const sendActivity = (a: { body: string; invoke: boolean }) =>
      send('POST', '/api/messages', a.body, { 'content-type': 'application/json' }, a.invoke);
    const sendNotification = (n: { path: string; body: string; contentType: string }) =>
      send('POST', n.path, n.body, { 'content-type': n.contentType });
    const sendApiCall = (c: {
      method: string;
      path: string;
      token: keyof typeof tokens;
      body?: string;
      contentType: string;
    }) =>
      send(c.method, c.path, c.body, {
        ...tokens[c.token],
        ...(c.body !== undefined ? { 'content-type': c.contentType } : {}),
      });

    // Bodies with every Content-Encoding, lengths that lie, bad Host headers: raw bytes on a fresh socket.
    const encodingCount = options.encodings ?? 0;
    const smtpCount = options.smtpSessions ?? 0;
    const routes: FuzzRoute[] = [
      {
        method: 'POST',
        path: '/api/messages',
        body: JSON.stringify(personalMessage(connector.url, users.alice, 'help')),
      },
      { method: 'POST', path: '/api/graph/notifications', body: '{"value":[]}' },
      { method: 'POST', path: '/api/graph/lifecycle', body: '{"value":[]}' },
      {
        method: 'POST',
        path: '/api/v1/addresses',
        body: '{"accountName":"fuzz-encoded"}',
        headers: tokens.admin,
      },
      { method: 'GET', path: '/healthz', body: '{}' },
      { method: 'GET', path: '/tab/', body: '{}' },
    ];
    const bodyOf = encodedBodies();
    const sendEncodedRequest = async (call: EncodedRequest) => {
      if (++requestsSent % PROBE_EVERY === 0) pendingProbes.push(probeHealth());
      const { status, text } = await sendEncoded(t.url, call, bodyOf(call));
      const what = `${call.route.method} ${call.route.path} Host ${call.host}, Content-Encoding ${call.coding}, ${call.content} body, ${call.length} length`;
      if (status === 'closed') statuses.closed = (statuses.closed ?? 0) + 1;
      else note(what, status, text.slice(text.indexOf('\r\n\r\n') + 4), false);
    };
    const smtp: FuzzReport['smtp'] = { replies: {}, findings: [], trustedWithoutRelay: 0 };
    const playSmtp = async (steps: SmtpStep[]) => {
      const codes = await runSmtpSession(t.app.smtpPort!, steps);
      for (const code of codes) smtp.replies[code] = (smtp.replies[code] ?? 0) + 1;
      if ((codes.includes('451') || codes.includes('no-reply')) && smtp.findings.length < 20)
        smtp.findings.push(`${codes.join(' ')} for ${JSON.stringify(steps).slice(0, 300)}`);
    };

    // Warm-up of every path (JIT, the shapes of hostile JSON, caches, the store) before the baseline: V8's
    // heap grows by some 25 MB over the first thousand hostile activities and then stays.
    if (options.warmUp ?? true) {
      await run('warm-up activities', activityArb, Math.min(1500, options.activities), sendActivity);
      await run(
        'warm-up notifications',
        notifications(),
        Math.min(200, options.notifications),
        sendNotification,
      );
      await run('warm-up API calls', apiArb, Math.min(100, options.apiCalls), sendApiCall);
      await run(
        'warm-up encodings',
        encodedRequests(routes),
        Math.min(100, encodingCount),
        sendEncodedRequest,
      );
      await run('warm-up SMTP sessions', smtpSessions(), Math.min(20, smtpCount), playSmtp);
    }
    const afterWarmUp = await memory();
    await run('activities', activityArb, options.activities, sendActivity);
    await run('notifications', notifications(), options.notifications, sendNotification);
    await run('API calls', apiArb, options.apiCalls, sendApiCall);
    await run('encodings', encodedRequests(routes), encodingCount, sendEncodedRequest);
    await run('SMTP sessions', smtpSessions(), smtpCount, playSmtp);
    if (smtpCount > 0) {
      // None of the fuzz mails carries the relay's stamp: not one may be trusted. And the source still works.
      const trusted = await t.app.store.query<MailRecord>('mails', { source: 'smtp', trust: 'trusted' });
      smtp.trustedWithoutRelay = trusted.length;
      await smtpStillRelays(t, trusted.length);
    }
    const atEnd = await memory();
    const sorted = [...probes].sort((a, b) => a - b);
    return {
      seed,
      sent: {
        activities: options.activities,
        notifications: options.notifications,
        apiCalls: options.apiCalls,
        encodings: encodingCount,
        smtpSessions: smtpCount,
      },
      statuses,
      serverErrors,
      leaks,
      internalErrors,
      liveMarkdown: live,
      plainMessagesChecked,
      smtp,
      health: {
        probes: probes.length,
        p99Ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
        maxMs: Math.round(sorted.at(-1) ?? 0),
        failures: healthFailures,
      },
      rssMb: {
        afterWarmUp: afterWarmUp.rss,
        atEnd: atEnd.rss,
        growth: afterWarmUp.rss !== null && atEnd.rss !== null ? atEnd.rss - afterWarmUp.rss : null,
      },
      heapMb: { afterWarmUp: afterWarmUp.heap, atEnd: atEnd.heap },
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await Promise.allSettled(pendingProbes);
    await t.close();
    await graph.stop();
    await issuer.stop();
  }
}

/** After the hostile sessions, a relay's mail with its stamp still goes through and is trusted. */
async function smtpStillRelays(t: TestApp, trustedBefore: number): Promise<void> {
  const messageId = `<fuzz-liveness-${Date.now()}@signin.aws>`;
  const mail = readFixture('verification-code.eml')
    .toString()
    .replace(/^Message-ID: .*$/im, `Message-ID: ${messageId}`);
  const stamp = `Authentication-Results: ${SMTP_RELAY}; dkim=pass header.d=signin.aws; dmarc=pass header.from=signin.aws\r\n`;
  await sendSmtp(t.app.smtpPort!, stamp + mail, { from: 'no-reply@signin.aws', to: 'aws-1-1@contoso.com' });
  await t.app.idle();
  const trusted = await t.app.store.query<MailRecord>('mails', { source: 'smtp', trust: 'trusted' });
  if (trusted.length !== trustedBefore + 1)
    throw new Error('after the SMTP sessions, a stamped mail was not relayed as trusted');
}

/** A deployment-like state to fuzz against: installed chats, an on-call channel, a pool, a pending request. */
async function setUp(t: TestApp): Promise<void> {
  for (const user of Object.values(users)) await t.send(installedForUser(t.connector.url, user));
  await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
  await t.app.services.pool.importCsv(poolCsv(2, 50), person('fuzz', 'fuzz setup', true));
  await t.send(personalMessage(t.connector.url, users.alice, 'request fuzz-target nonprod testing'));
  await t.app.runJobs(); // the Graph subscription
}

const ALL_USERS: TestUser[] = Object.values(users);

const COMMANDS = [
  'help',
  'request payments-dev nonprod for testing',
  'request',
  'whois 123456789012',
  'whois aws-1-1@contoso.com',
  'list all',
  'list mine',
  'list pending',
  'status',
  'pool',
  'audit aws-1-1@contoso.com',
  'audit req-00000000',
  'cancel req-00000000',
  'setup oncall',
  'setup approvals',
  'link aws-1-2@contoso.com 123456789012',
  'transfer aws-1-2@contoso.com bob@contoso.com',
  'retire aws-1-3@contoso.com no longer needed',
];

/** Values that would be live markdown in a plain message, for names, ids, comments and command words. */
const MARKDOWN_VALUES = [
  HOSTILE,
  ...HOSTILE_LINES,
  '[x](https://evil.example/a)**b**',
  '\u202Eexe.gnp',
  HOSTILE_LINES.join('\n'),
];
const COMMAND_WORDS = [
  ...new Set(COMMANDS.map((c) => c.split(' ')[0])),
  'lookup',
  'find',
  'restore',
  'nosuch',
];

const FIELDS = [
  'type',
  'id',
  'channelId',
  'serviceUrl',
  'text',
  'textFormat',
  'timestamp',
  'localTimestamp',
  'locale',
  'replyToId',
  'name',
  'action',
  'value',
  'value.action',
  'value.action.verb',
  'value.action.data',
  'value.action.data.requestId',
  'value.verb',
  'value.mailId',
  'from',
  'from.id',
  'from.aadObjectId',
  'from.name',
  'recipient',
  'recipient.id',
  'conversation',
  'conversation.id',
  'conversation.tenantId',
  'conversation.conversationType',
  'conversation.isGroup',
  'channelData',
  'channelData.tenant',
  'channelData.tenant.id',
  'channelData.team',
  'channelData.team.id',
  'channelData.channel',
  'channelData.eventType',
  'entities',
  'entities.0',
  'entities.0.mentioned',
  'entities.0.mentioned.id',
  'entities.0.text',
  'entities.0.type',
  'value.kind',
  'value.queryText',
  'attachments',
  'attachments.0',
  'membersAdded',
  'membersAdded.0',
  'membersRemoved',
];

/** Values a field is set to: any JSON, and the shapes that tend to break things. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, '', 0, -1, true, [], {}, [null], 'undefined', '__proto__') },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map(nested) },
  { weight: 1, arbitrary: fc.constantFrom(...MARKDOWN_VALUES) },
  // Ids no Cosmos DB id may be (issue 18): they reach the store as conversation and person keys.
  { weight: 1, arbitrary: fc.constantFrom('a/b', 'x#y', 'q?r', 's\\t', '~id~x', ' pad ', 'é'.repeat(600)) },
);

function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

type Mutation = { kind: 'delete'; field: string } | { kind: 'set'; field: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), field: fc.constantFrom(...FIELDS) }),
  fc.record({ kind: fc.constant('set' as const), field: fc.constantFrom(...FIELDS), value: hostileValue }),
);

function apply(target: Record<string, unknown>, m: Mutation): void {
  const parts = m.field.split('.');
  let node: unknown = target;
  for (const part of parts.slice(0, -1)) {
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record[part] === undefined || record[part] === null || typeof record[part] !== 'object')
      record[part] = /^\d+$/.test(parts[parts.indexOf(part) + 1] ?? '') ? [] : {};
    node = record[part];
  }
  if (!node || typeof node !== 'object') return;
  const last = parts[parts.length - 1];
  if (m.kind === 'delete') delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = m.value;
}

/** Teams activities: a recorded payload or one of our builders, pointed at the fake connector, then mutated. */
function activities(connectorUrl: string): fc.Arbitrary<{ body: string; invoke: boolean }> {
  const recorded = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8')) as Record<string, unknown>);
  // People as Teams names them, some with a display name that would be markdown.
  const user = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ALL_USERS) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...ALL_USERS), fc.constantFrom(...MARKDOWN_VALUES))
        .map(([u, name]) => ({ ...u, name: `${u.name} ${name}` })),
    },
  );
  const text = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...COMMANDS) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...COMMAND_WORDS), fc.constantFrom(...MARKDOWN_VALUES))
        .map(([word, value]) => `${word} ${value}`),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constantFrom(...COMMANDS).map((c) => `<at>RootMail</at> ${c}`) },
  );
  const verb = fc.oneof(fc.constantFrom(...Object.values(VERBS)), fc.string({ maxLength: 30 }));
  const base: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...recorded).map((a) => structuredClone(a)) },
    { weight: 3, arbitrary: fc.tuple(user, text).map(([u, t]) => personalMessage(connectorUrl, u, t)) },
    { weight: 1, arbitrary: fc.tuple(user, text).map(([u, t]) => channelMessage(connectorUrl, u, t)) },
    { weight: 1, arbitrary: user.map((u) => installedForUser(connectorUrl, u)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          user,
          verb,
          fc.dictionary(
            fc.constantFrom('requestId', 'mailId', 'comment', 'verb', 'accountName', 'reason', 'address'),
            hostileValue,
          ),
        )
        .map(([u, v, data]) => cardAction(connectorUrl, u, v, { verb: v, ...data })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(user, fc.string({ maxLength: 40 }))
        .map(([u, name]) => ({ ...personalMessage(connectorUrl, u, ''), type: 'invoke', name, value: {} })),
    },
    // Invokes whose value botbuilder reads without looking, with any value (issue 18).
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          user,
          fc.constantFrom(
            'application/search',
            'adaptiveCard/action',
            'composeExtension/query',
            'task/fetch',
          ),
          hostileValue,
        )
        .map(([u, name, value]) => ({
          ...personalMessage(connectorUrl, u, ''),
          type: 'invoke',
          name,
          value,
        })),
    },
    // Mentions without text or without whom they mention, messages without text (issue 18).
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          user,
          text,
          fc.constantFrom<unknown[]>(
            [{ type: 'mention' }],
            [{ type: 'mention', mentioned: BOT }],
            [
              { type: 'mention', text: '<at>RootMail</at>' },
              { type: 'mention', mentioned: BOT },
            ],
            [{ type: 'mention', mentioned: BOT, text: 42 }],
          ),
          fc.boolean(),
        )
        .map(([u, t, entities, withoutText]) => {
          const activity = channelMessage(connectorUrl, u, t);
          activity.entities = entities;
          if (withoutText) delete activity.text;
          return activity;
        }),
    },
  );
  const serviceUrl = fc.oneof(
    { weight: 12, arbitrary: fc.constant(connectorUrl) },
    { weight: 1, arbitrary: fc.webUrl() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'https://smba.trafficmanager.net/amer/',
        'http://169.254.169.254/',
        'file:///etc/passwd',
        '',
      ),
    },
  );
  return fc
    .record({
      base,
      serviceUrl,
      mutations: fc.array(mutation, { maxLength: 4 }),
      raw: fc.integer({ min: 0, max: 39 }),
    })
    .map(({ base: activity, serviceUrl: url, mutations, raw }) => {
      activity.serviceUrl = url;
      for (const m of mutations) apply(activity, m);
      const body = raw === 0 ? JSON.stringify(activity).slice(0, -3) : JSON.stringify(activity); // 1 in 40: broken JSON
      return { body, invoke: activity.type === 'invoke' };
    });
}

/** Graph change and lifecycle notification batches, mostly with our clientState, mutated. */
function notifications(): fc.Arbitrary<{ path: string; body: string; contentType: string }> {
  const notification = fc.record(
    {
      subscriptionId: fc.oneof(fc.constant('sub-1'), fc.string({ maxLength: 60 })),
      clientState: fc.oneof(
        { weight: 8, arbitrary: fc.constant(CLIENT_STATE) },
        { weight: 1, arbitrary: fc.string() },
        { weight: 1, arbitrary: hostileValue },
      ),
      changeType: fc.oneof(fc.constant('created'), fc.string({ maxLength: 20 }), hostileValue),
      resource: fc.string({ maxLength: 100 }),
      resourceData: fc.oneof(
        fc.record({ id: fc.oneof(fc.string({ maxLength: 100 }), hostileValue) }),
        hostileValue,
      ),
      lifecycleEvent: fc.oneof(
        fc.constantFrom('reauthorizationRequired', 'subscriptionRemoved', 'missed'),
        fc.string({ maxLength: 30 }),
        hostileValue,
      ),
      tenantId: fc.uuid(),
    },
    { requiredKeys: [] },
  );
  const batch = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.array(notification, { maxLength: 5 }).map((value) => JSON.stringify({ value })),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.array(hostileValue, { maxLength: 3 }).map((value) => JSON.stringify({ value })),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
  return fc
    .record({
      route: fc.constantFrom('/api/graph/notifications', '/api/graph/lifecycle'),
      validation: fc.option(fc.string({ maxLength: 300 }), { freq: 6 }),
      body: batch,
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
      ),
    })
    .map(({ route, validation, body, contentType }) => ({
      path: validation === null ? route : `${route}?validationToken=${encodeURIComponent(validation)}`,
      body,
      contentType,
    }));
}

/** Calls to /api/v1 with every kind of token, path and body. */
function apiCalls<T extends string>(tokenNames: T[]) {
  const address = fc.oneof(
    fc.constantFrom('aws-1-1@contoso.com', 'aws-2-3@contoso.com', 'nobody@contoso.com'),
    fc.string({ maxLength: 80 }).map(encodeURIComponent),
  );
  const route = fc.oneof(
    fc.constantFrom(
      'GET /api/v1/openapi.json',
      'GET /api/v1/pool',
      'GET /api/v1/status',
      'POST /api/v1/addresses',
      'POST /api/v1/pool/import',
    ),
    fc
      .constantFrom('awsAccountId', 'owner', 'address', 'x')
      .chain((k) =>
        fc.string({ maxLength: 40 }).map((v) => `GET /api/v1/addresses?${k}=${encodeURIComponent(v)}`),
      ),
    fc
      .tuple(fc.constantFrom('GET', 'PATCH', 'DELETE'), address)
      .map(([m, a]) => `${m} /api/v1/addresses/${a}`),
    fc.string({ maxLength: 60 }).map((id) => `GET /api/v1/requests/${encodeURIComponent(id)}`),
    fc.constantFrom('GET /api/v1/requests/req-00000000', 'PUT /api/v1/pool', 'GET /api/v1/nothing'),
  );
  const body = fc.option(
    fc.oneof(
      fc
        .record(
          {
            accountName: hostileValue,
            purpose: hostileValue,
            environment: hostileValue,
            owner: hostileValue,
            awsAccountId: hostileValue,
          },
          { requiredKeys: [] },
        )
        .map((b) => JSON.stringify(b)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 300 }),
      fc
        .array(fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 })), { maxLength: 20 })
        .map((rows) => rows.map((r) => r.join(',')).join('\n')),
    ),
    { freq: 3 },
  );
  return fc
    .record({
      route,
      token: fc.constantFrom(...tokenNames),
      body,
      contentType: fc.constantFrom('application/json', 'text/csv', 'text/plain', 'application/octet-stream'),
    })
    .map(({ route: r, token, body: b, contentType }) => {
      const [method, ...rest] = r.split(' ');
      return { method, path: rest.join(' '), token, body: b ?? undefined, contentType };
    });
}
