import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log/logger';
import { createApp } from '../../src/main/createApp';
import { ManualClock } from '../../src/ports/clock';
import { poolCsv } from '../support/addressFixtures';

/** A started instance keeps today's pool levels at once (then hourly looks keep one per day). */
describe('the pool levels of the day', () => {
  it('are kept when the app starts with its timers, once', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-levels-'));
    const clock = new ManualClock('2026-10-01T07:30:00Z');
    const start = () =>
      createApp(loadConfig({ DATA_DIR: dataDir, DEMO_POOL: 'false' }), {
        clock,
        logger: createLogger('silent'),
        startTimers: true,
      });
    let app = await start();
    try {
      const admin = app.services.chatPrincipal('admin-1', 'Admin');
      await app.services.pool.importCsv(poolCsv(1, 5), admin);
      await app.listen(0, '127.0.0.1');
      await app.idle();
      expect(await app.services.poolHistory(10)).toEqual([
        expect.objectContaining({ date: '2026-10-01', free: 5, assigned: 0 }),
      ]);
      await app.close();
      app = await start(); // a restart the same day keeps nothing new
      await app.listen(0, '127.0.0.1');
      await app.idle();
      expect(await app.services.poolHistory(10)).toHaveLength(1);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
