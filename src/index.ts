import { createApp } from './app/createApp';
import { ConfigError, loadConfig } from './config';

/** Starts RootMail: validates settings, wires the app, listens, and shuts down cleanly on SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`RootMail cannot start.\n${err.message}\nSee the settings table in README.md.`);
      process.exit(1);
    }
    throw err;
  }

  const app = await createApp(config);
  const url = await app.listen(config.port);
  const { logger } = app.services;
  const auth = config.bot.appId
    ? `app id ${config.bot.appId}`
    : 'anonymous (no MicrosoftAppId: local use only)';
  const store =
    config.storage.kind === 'cosmos'
      ? `Cosmos DB ${config.storage.endpoint}`
      : `embedded store in ${config.storage.dataDir}`;
  logger.info({ url, store: config.storage.kind }, 'RootMail is listening');
  console.log(
    [
      '',
      `RootMail is listening on ${url}`,
      `  bot endpoint:  ${url}/api/messages  (${auth})`,
      `  health:        ${url}/healthz`,
      `  storage:       ${store}`,
      '  chat with it:  npm run dev  (starts the Microsoft 365 Agents Playground against this bot)',
      '',
    ].join('\n'),
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing turns in flight');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('RootMail failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
