import { AppConfig, ConfigError, isLocalRun, loadConfig } from '../config';
import { shutdownTelemetry, startTelemetry } from '../telemetry';
import { installProcessGuard } from './processGuard';
import { unsupportedNode } from './runtime';

/** How long turns in flight get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Starts RootMail: validates settings, wires the app, listens, and shuts down cleanly on SIGTERM. */
async function main(): Promise<void> {
  const oldNode = unsupportedNode(process.version);
  if (oldNode) {
    console.error(`RootMail cannot start.\n${oldNode}`);
    process.exit(1);
  }
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

  // Telemetry first: its instrumentations patch http, restify and the Azure SDKs when they are first
  // required, so the app is loaded only afterwards.
  const telemetry = await startTelemetry(config.appInsightsConnectionString);
  const { createApp } = await import('./createApp');

  const app = await createApp(config);
  const { logger } = app.services;
  // One request (or one stream of it) that fails where nothing catches it must not end the process.
  installProcessGuard(process, {
    logger,
    scope: app.requestScope,
    exit: (code) => process.exit(code),
  });
  const url = await app.listen(config.port);
  // Where it listens, truthfully: loopback only without an app id, every interface with one.
  const where = config.bot.appId
    ? 'all interfaces'
    : 'loopback only: no MicrosoftAppId, so the bot accepts unauthenticated activities from this machine only';
  const localUrl = url.replace('//0.0.0.0:', '//127.0.0.1:');
  const auth = config.bot.appId
    ? `app id ${config.bot.appId}${config.bot.servedTenantId ? `, tenant ${config.bot.servedTenantId} only` : ''}`
    : 'anonymous (local use only)';
  const store =
    config.storage.kind === 'cosmos'
      ? `Cosmos DB ${config.storage.endpoint}`
      : `embedded store in ${config.storage.dataDir}`;
  logger.info(
    { url, anonymous: !config.bot.appId, store: config.storage.kind, telemetry },
    'RootMail is listening',
  );
  const local = app.localRun;
  const adminNames = local
    ? await Promise.all(
        local.admins.map(async (id) => (await app.services.directory.getUser(id))?.displayName ?? id),
      )
    : [];
  console.log(
    [
      '',
      `RootMail is listening on ${url} (${where})`,
      `  bot endpoint:  ${localUrl}/api/messages  (${auth})`,
      `  health:        ${localUrl}/healthz`,
      `  Teams tab:     ${localUrl}/tab/${isLocalRun(config) ? "  (open it in a browser on this machine: you are the local directory's first person)" : ''}`,
      `  storage:       ${store}`,
      `  runtime:       Node.js ${process.version}`,
      ...(config.smtp ? [`  SMTP source:   ${smtpBanner(config.smtp, app.smtpPort)}`] : []),
      local
        ? `  directory:     local, ${local.directoryFile} (admin: ${adminNames.join(', ') || 'nobody'}; edit it to change people)`
        : '  directory:     Microsoft Graph',
      ...(local?.demoPool
        ? [
            '  demo pool:     aws-demo-01…12@example.net, seeded into an empty store (DEMO_POOL=false: none)',
            '  sample mail:   npm run mail:inject -- docs/samples/verification-code.eml  (after `setup oncall`)',
          ]
        : []),
      `  telemetry:     ${telemetry ? 'Application Insights' : 'off (no APPLICATIONINSIGHTS_CONNECTION_STRING)'}`,
      ...(config.bot.appId
        ? []
        : ['  chat with it:  npm run dev  (starts the Microsoft 365 Agents Playground against this bot)']),
      '',
    ].join('\n'),
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing turns in flight');
    const force = setTimeout(() => {
      logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; exiting with turns unfinished');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app
      .close()
      .then(() =>
        // Telemetry that cannot be delivered is lost, but the app itself stopped cleanly.
        shutdownTelemetry().catch((err) => logger.warn({ err }, 'could not flush telemetry')),
      )
      .then(() => {
        logger.info('shut down cleanly');
        logger.flush?.();
        process.exit(0);
      })
      .catch((err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Where the SMTP source listens, who may deliver, and whose Authentication-Results it believes. */
function smtpBanner(smtp: NonNullable<AppConfig['smtp']>, port: number | undefined): string {
  const host = smtp.host.includes(':') ? `[${smtp.host}]` : smtp.host;
  const trust = smtp.trustedAuthservIds.length
    ? `trusts the Authentication-Results of ${smtp.trustedAuthservIds.join(', ')} only`
    : 'trusts no Authentication-Results (no SMTP_TRUSTED_AUTHSERV_ID): no mail it delivers is trusted';
  return `${host}:${port ?? smtp.port}, from ${smtp.allowedClients.map((r) => r.text).join(', ')} only; ${trust}`;
}

main().catch((err) => {
  console.error('RootMail failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
