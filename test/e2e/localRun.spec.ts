import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_DIRECTORY_FILE } from '../../src/adapters/localDirectory';
import { DEMO_ALIASES, DEMO_ASSIGNED, DEMO_MAILBOX } from '../../src/app/addresses/demoPool';
import {
  cardAction,
  channelMessage,
  installedForUser,
  personalConversationId,
  personalMessage,
} from '../support/activities';
import type { ConnectorCall } from '../support/fakeBotConnector';
import { askFor, invokeCardText, sentTo } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp, textOf, UNREACHABLE_GRAPH } from '../support/testApp';
import type { TestUser } from '../support/users';

/**
 * A first local run as `npm start` / `npm run dev` make it: no settings but DATA_DIR. The Agents Playground's
 * people (ids as it sends them) are the directory; Alex Wilber is the admin and reports to Megan Bowen; a
 * demo pool on example.net has something to hand out, and the sample mail in docs/samples is routed.
 */
const alex: TestUser = {
  aadObjectId: '00000000-0000-0000-0000-0000000000020',
  name: 'Alex Wilber',
  upn: 'alexw@example.com',
};
const megan: TestUser = {
  aadObjectId: '00000000-0000-0000-0000-0000000000021',
  name: 'Megan Bowen',
  upn: 'meganb@example.com',
};
const adele: TestUser = {
  aadObjectId: '00000000-0000-0000-0000-0000000000022',
  name: 'Adele Vance',
  upn: 'adelev@example.com',
};
const SAMPLE = path.join(__dirname, '..', '..', 'docs', 'samples', 'verification-code.eml');

describe('a first local run: no settings at all', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(); // only DATA_DIR (a fresh one) and the fake Bot Connector
    await t.app.idle(); // the demo pool is seeded as background work after the start
  });
  afterAll(() => t.close());
  beforeEach(() => t.connector.clear());

  it('serves the directory from DATA_DIR/local-directory.json, its admin (Alex Wilber) an admin', () => {
    expect(existsSync(path.join(t.dataDir, LOCAL_DIRECTORY_FILE))).toBe(true);
    expect(t.app.localRun).toMatchObject({
      directoryFile: path.join(t.dataDir, LOCAL_DIRECTORY_FILE),
      admins: [alex.aadObjectId],
    });
  });

  it('seeds a demo pool on example.net, one alias the demo account of the local admin', async () => {
    const status = await t.app.services.pool.status();
    expect(status.mailboxes.map((m) => [m.mailbox, m.free, m.assigned])).toEqual([[DEMO_MAILBOX, 11, 1]]);
    expect(await t.app.services.addresses.get(DEMO_ASSIGNED.address)).toMatchObject({
      state: 'assigned',
      accountName: 'demo-sandbox',
      awsAccountId: '111122223333',
      owner: { id: alex.aadObjectId, name: 'Alex Wilber', upn: 'alexw@example.com' },
    });
    expect(DEMO_ALIASES.every((a) => a.endsWith('@example.net'))).toBe(true);
    // Its capacity is its own (12 aliases), not a real mailbox's 300; and the Pool chart has ~60 days.
    expect(status.mailboxes[0].capacity).toBe(DEMO_ALIASES.length);
    const admin = await t.send(personalMessage(t.connector.url, alex, 'status'));
    expect(admin.status).toBe(200);
    expect(JSON.stringify(t.connector.of('reply').at(-1)?.body)).not.toContain('capacity 300');
    const history = await t.app.services.poolHistory(90);
    expect(history).toHaveLength(60);
    expect(history.at(-1)).toMatchObject({ free: 11, assigned: 1, quarantined: 0, capacity: 12 });
    expect(new Set(history.map((d) => d.free)).size).toBeGreaterThan(1); // a chart, not a flat line
  });

  it('refuses a second address for the demo account before anyone approves, naming the one it has', async () => {
    const reply = await t.send(
      personalMessage(t.connector.url, alex, 'request demo-sandbox sandbox A second one'),
    );
    expect(reply.status).toBe(200);
    expect(textOf(t.connector.of('reply', personalConversationId(alex)).at(-1)?.body)).toMatch(
      /demo-sandbox already has a root address: aws-demo-01@example\.net, owned by Alex Wilber/,
    );
    expect(await t.app.store.count('requests', {})).toBe(0); // nothing went to an approver
  });

  it("routes Alex's request to his manager Megan by name; her Approve hands out a demo alias", async () => {
    // Megan's window of `npm run dev` installs the app first: her personal chat is known from then on.
    await t.send(installedForUser(t.connector.url, megan));
    t.connector.clear();
    const requestId = await askFor(t, alex, 'request payments-prod prod Card payments');
    const request = await t.app.services.requests.get(requestId);
    expect(request).toMatchObject({
      approverSource: 'manager',
      approvers: [{ id: megan.aadObjectId, name: 'Megan Bowen' }],
      requester: { id: alex.aadObjectId, upn: 'alexw@example.com' },
      delivery: 'personal',
    });
    // The approval card went into her stored personal chat (no new 1:1 chat was opened by Entra id).
    expect(t.connector.of('createConversation')).toEqual([]);
    const card = sentTo(t, personalConversationId(megan)).find((c) =>
      /asks for a root e-mail/.test(textOf(c.body)),
    );
    expect(textOf(card?.body)).toMatch(/Alex Wilber asks for a root e-mail address[\s\S]*payments-prod/);
    // Alex's status card named her at once, then said where the card went.
    expect(textOf(t.connector.of('reply', personalConversationId(alex))[0].body)).toMatch(
      /Sending the approval card to Megan Bowen…/,
    );
    expect(textOf(t.connector.of('update', personalConversationId(alex)).at(-1)?.body)).toMatch(
      /Sent to Megan Bowen for approval/,
    );

    const approved = await t.send(
      cardAction(t.connector.url, megan, 'request.approve', {
        verb: 'request.approve',
        requestId,
        comment: 'ok',
      }),
    );
    expect(invokeCardText(approved.body)).toMatch(/Approved by Megan Bowen/);
    const ready = sentTo(t, personalConversationId(alex)).find((c) => /ready/.test(textOf(c.body)));
    expect(textOf(ready?.body)).toMatch(/aws-demo-\d\d@example\.net/);
    // No credential chain was tried on the way (the old local run logged 3 KB of it per request).
    expect(t.logs.join('\n')).not.toMatch(/credential|could not ask the directory/i);
  });

  it('makes Alex the local admin: status and setup work for him, not for Adele', async () => {
    await t.send(personalMessage(t.connector.url, alex, 'status'));
    expect(textOf(t.connector.of('reply').at(-1)?.body)).not.toMatch(/for admins/);
    await t.send(personalMessage(t.connector.url, adele, 'status'));
    expect(t.connector.of('reply').at(-1)?.body.text).toMatch(/`status` is for admins/);
  });

  it('routes the sample mail to the demo account: a masked card, Reveal for Alex, both in the audit', async () => {
    await t.send(channelMessage(t.connector.url, alex, 'setup oncall'));
    expect(t.connector.of('reply').at(-1)?.body.text).toMatch(/this is now the oncall channel/);
    const token = readFileSync(path.join(t.dataDir, 'dev-mail-token'), 'utf8');
    const injected = await t.request(
      'POST',
      '/api/dev/mail',
      { raw: readFileSync(SAMPLE).toString('base64') },
      { authorization: `Bearer ${token}` },
    );
    expect(injected.body).toMatchObject({
      outcome: 'posted',
      class: 'secret',
      trust: 'trusted',
      routed: true,
    });
    const post = t.connector.of('createConversation').find((c) => c.body.activity) as ConnectorCall;
    const card = textOf(post.body);
    expect(card).toMatch(/demo-sandbox[\s\S]*111122223333[\s\S]*aws-demo-01@example\.net[\s\S]*Alex Wilber/);
    expect(card).toMatch(/••••••/);
    expect(card).not.toContain('731406');
    expect(card).toMatch(/Received[\s\S]*2026-11-24 08:14 UTC/);

    const mailId = JSON.stringify(cardOf(post.body)).match(/"mailId":"([0-9a-f]{64})"/)![1];
    const click = (verb: string) =>
      t.send(
        cardAction(
          t.connector.url,
          alex,
          verb,
          { mailId },
          { id: post.conversationId!, conversationType: 'channel' },
          post.activityId,
        ),
      );
    const revealed = await click('mail.reveal');
    expect(invokeCardText(revealed.body)).toContain('731406');
    const claimed = await click('mail.claim');
    expect(invokeCardText(claimed.body)).toMatch(/Claimed by Alex Wilber at 20\d\d-\d\d-\d\d \d\d:\d\d UTC/);

    t.connector.clear();
    await t.send(personalMessage(t.connector.url, alex, `audit ${DEMO_ASSIGNED.address}`));
    const trail = textOf(t.connector.of('reply').at(-1)?.body);
    expect(trail).toMatch(/Sign-up verification code revealed by Alex Wilber/);
    expect(trail).toMatch(/Claimed by Alex Wilber/);
    expect(trail).toMatch(
      /Sign-up verification code relayed: masked card with Reveal in the on-call channel/,
    );
    expect(trail).toMatch(/Given to Alex Wilber for the account demo-sandbox/);
    expect(trail).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/); // no zone in the test's activity: UTC, named
  });

  it('transfers by name through the local directory (its ids are not GUIDs), confirmed on a card', async () => {
    const record = await t.app.services.addresses.allocate({
      accountName: 'local-transfer',
      owner: { id: alex.aadObjectId, upn: alex.upn, name: alex.name },
      by: t.app.services.chatPrincipal(alex.aadObjectId, alex.name),
    });
    await t.send(personalMessage(t.connector.url, alex, 'transfer local-transfer Megan Bowen'));
    const asked = cardOf(t.connector.of('reply').at(-1)?.body);
    const button = asked?.actions?.find((a: { verb?: string }) => a.verb === 'address.transfer');
    expect(button).toBeDefined();
    const done = await t.send(cardAction(t.connector.url, alex, 'address.transfer', button.data));
    expect(invokeCardText(done.body)).toMatch(/Transferred to Megan Bowen/);
    expect((await t.app.services.addresses.get(record.address))?.owner?.id).toBe(megan.aadObjectId);
  });

  it('seeds nothing on the next start: the store is no longer empty, the directory file is kept', async () => {
    await t.stopApp();
    const again = await startTestApp({ dataDir: t.dataDir, connector: t.connector });
    try {
      await again.app.idle();
      const status = await again.app.services.pool.status();
      expect(status.mailboxes).toHaveLength(1);
      expect(status.totals.free + status.totals.assigned).toBe(DEMO_ALIASES.length);
      expect(again.logs.join('\n')).not.toMatch(/demo pool seeded/);
    } finally {
      await again.close();
    }
  });
});

describe('the local run stays local', () => {
  it('has no demo pool with DEMO_POOL=false, nor when Graph is configured', async () => {
    const envs: Record<string, string>[] = [{ DEMO_POOL: 'false' }, { GRAPH_BASE_URL: UNREACHABLE_GRAPH }];
    for (const env of envs) {
      const t = await startTestApp({ env });
      try {
        await t.app.idle();
        expect((await t.app.services.pool.status()).mailboxes).toEqual([]);
      } finally {
        await t.close();
      }
    }
  });

  it('starts the compiled app without loading the Graph client (nor the dialogs) or making any credential', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-local-'));
    try {
      // @azure/identity itself is loaded by botframework-connector; every credential class is watched. Its
      // exports cannot be redefined, so whoever requires it gets a view whose credential classes record each
      // instance made.
      const script = `
        const Module = require('node:module');
        const identity = require('@azure/identity');
        const made = [];
        const watchedClasses = new Map();
        const watched = new Proxy(identity, {
          get(target, name) {
            const value = target[name];
            if (typeof value !== 'function' || !/Credential$/.test(String(name))) return value;
            if (!watchedClasses.has(name))
              watchedClasses.set(name, class extends value { constructor(...args) { made.push(name); super(...args); } });
            return watchedClasses.get(name);
          },
        });
        const load = Module._load;
        Module._load = function (request, ...rest) {
          const loaded = load.call(this, request, ...rest);
          return request === '@azure/identity' ? watched : loaded;
        };
        const { loadConfig } = require('./dist/src/config');
        const { createApp } = require('./dist/src/main/createApp');
        (async () => {
          const app = await createApp(loadConfig({ DATA_DIR: ${JSON.stringify(dataDir)}, LOG_LEVEL: 'silent' }), { startTimers: false });
          await app.listen(0, '127.0.0.1');
          await app.services.directory.getManager('00000000-0000-0000-0000-0000000000020');
          await app.idle();
          const loaded = Object.keys(require.cache).filter((f) => /microsoft-graph-client|graphApi|graphDirectory|botbuilder-dialogs/.test(f));
          await app.close();
          console.log(JSON.stringify({ directory: app.services.directory.constructor.name, loaded, made }));
        })();`;
      const out = execFileSync(process.execPath, ['-e', script], {
        cwd: path.join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
        directory: 'LocalDirectory',
        loaded: [],
        made: [],
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
