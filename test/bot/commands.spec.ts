import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { commandHandlers } from '../../src/bot/commands';
import type { CommandContext, CommandHandler } from '../../src/bot/types';
import { loadConfig } from '../../src/config';
import { person } from '../../src/domain/permissions';
import { createLogger } from '../../src/log/logger';
import { createApp, RootMailApp } from '../../src/main/createApp';
import { ManualClock } from '../../src/ports/clock';
import { poolCsv } from '../support/addressFixtures';

/**
 * Commands answer with their reply instead of sending it, so each can be tried without a turn: the real
 * app's services (built, not listening), a command, its arguments, and what it answers.
 */
describe('chat commands, without a turn', () => {
  let app: RootMailApp;
  let dataDir: string;
  const admin = { ...person('admin-id', 'Ada Admin', true), tenantId: 't' };
  const someone = { ...person('someone-id', 'Sam Someone'), tenantId: 't' };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-commands-'));
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    app = await createApp(loadConfig({ DATA_DIR: dataDir, ADMIN_IDS: admin.id }), {
      clock: new ManualClock(),
      logger: createLogger('silent', quiet),
      startTimers: false,
    });
    await app.services.pool.importCsv(poolCsv(1, 3), admin);
    const record = await app.services.addresses.allocate({
      accountName: 'payments-prod',
      owner: { id: someone.id, upn: 'sam@contoso.com', name: someone.name },
      by: admin,
    });
    await app.services.addresses.linkAwsAccount(record.address, '123456789012', admin);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function run(command: CommandHandler, args: string, actor = someone) {
    const context: CommandContext = {
      args,
      actor,
      scope: 'personal',
      conversation: { kind: 'personal', serviceUrl: 'https://smba.example', reference: {} },
      services: app.services,
      commands: commandHandlers,
    };
    return command.handle(context);
  }
  const named = (name: string) => commandHandlers.find((c) => c.name === name)!;

  it('help lists every command on one card', async () => {
    const reply = await run(named('help'), '');
    const facts = (reply.card as { body: { facts?: { value: string }[] }[] }).body.flatMap(
      (b) => b.facts ?? [],
    );
    expect(facts.map((f) => f.value)).toEqual(
      commandHandlers.map((c) => (c.aliases ? `${c.summary} (also ${c.aliases.join(', ')})` : c.summary)),
    );
  });

  it('whois answers a record card by account id and by owner', async () => {
    for (const wanted of ['123456789012', 'sam@contoso.com']) {
      const reply = await run(named('whois'), wanted);
      expect(JSON.stringify(reply.card)).toContain('payments-prod');
    }
    expect((await run(named('whois'), '999999999999')).text).toMatch(/No address is linked to AWS account/);
  });

  it('status is refused to a non-admin with the reason, and answered to an admin', async () => {
    expect((await run(named('status'), '')).text).toMatch(/for admins/);
    expect(JSON.stringify((await run(named('status'), '', admin)).card)).toMatch(/embedded/);
  });

  it('cancel of an unknown request says so, with no follow-up', async () => {
    const reply = await run(named('cancel'), 'req-00000000');
    expect(reply.text).toMatch(/There is no request req-00000000/);
    expect(reply.followUp).toBeUndefined();
  });
});
