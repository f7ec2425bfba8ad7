import { CloudAdapter, ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import type { Server } from 'restify';
import type { AddressInfo } from 'node:net';
import { BotFrameworkChat } from '../adapters/botFrameworkChat';
import { ChannelAuthentication } from '../adapters/channelAuthentication';
import { GraphApi } from '../adapters/graphApi';
import { GraphDirectory } from '../adapters/graphDirectory';
import { cardActionHandlers } from '../bot/actions';
import { commandHandlers } from '../bot/commands';
import { RootMailBot } from '../bot/RootMailBot';
import type { AppConfig } from '../config';
import { addressApiRoutes } from '../http/addressApi';
import { requestApiRoutes } from '../http/requestApi';
import { createHttpServer } from '../http/server';
import { createLogger, Logger } from '../log/logger';
import { Clock, systemClock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import { createStore } from '../storage/createStore';
import { createTurnMetrics } from '../telemetry';
import { AddressPool } from './addressPool';
import { AddressService } from './addressService';
import { AuditLog } from './auditLog';
import { OnCallAlerts } from './onCallAlerts';
import { readOperationalStatus } from './operationalStatus';
import { PoolBuckets } from './poolBuckets';
import { BackgroundJob, JobRunner } from './jobs';
import { ConversationDirectory } from './conversations';
import { addressRequestJob, createAddressRequests } from './requests/createAddressRequests';
import { createMailRelayModule, MailRelayModule } from './mail/mailRelayModule';
import type { AppServices } from './services';
import packageJson from '../../package.json';

/** What tests (and only tests) may swap: time, the log sink and the store instance. */
export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  store?: DocumentStore;
  /** Start the periodic jobs on timers (production); tests call runJobs() with a manual clock instead. */
  startTimers?: boolean;
  /** false: leave request work after a decision to the resume step, as a crash right then would (tests). */
  runRequestWorkInline?: boolean;
}

export interface RootMailApp {
  readonly server: Server;
  readonly services: AppServices;
  readonly adapter: CloudAdapter;
  readonly mail: MailRelayModule;
  /** Listens on the port (0 = any free one) and resolves with the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Runs every background job once, now (tests, and `status` checks). */
  runJobs(): Promise<void>;
  close(): Promise<void>;
}

export const APP_VERSION: string = packageJson.version;

/** The one wiring place: builds every part from configuration and hands each what it needs. */
export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<RootMailApp> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const store = overrides.store ?? (await createStore(config.storage));
  await store.init();

  const turnMetrics = createTurnMetrics();
  const adapter = new CloudAdapter(new ChannelAuthentication(botAuthSettings(config)));
  adapter.onTurnError = async (context, error) => {
    turnMetrics.turnFailed(context.activity.type);
    logger.error({ err: error, activityType: context.activity.type }, 'unhandled error in a bot turn');
    if (context.activity.type === 'message') {
      await context.sendActivity(
        'Something went wrong on my side and nothing was changed. Please try again.',
      );
    }
  };

  const admins = new Set(config.roles.adminIds);
  const chat = new BotFrameworkChat(adapter, config.bot.appId);
  const conversations = new ConversationDirectory(store, clock);
  const audit = new AuditLog(store, clock);
  const alerts = new OnCallAlerts({ store, clock, logger, chat, conversations });
  const buckets = new PoolBuckets(store);
  const pool = new AddressPool({
    store,
    clock,
    audit,
    logger,
    alerts,
    strategy: config.addresses.strategy,
    buckets,
    centralMailbox: config.mail.mailbox,
  });
  const addresses = new AddressService({
    store,
    clock,
    audit,
    logger,
    settings: config.addresses,
    buckets,
    afterAllocation: () => pool.noteAllocation(),
  });
  const graph = new GraphApi(config.graph); // one Graph client (and credential) for directory and mailbox
  const directory = new GraphDirectory(graph);
  const requests = createAddressRequests({
    config,
    store,
    clock,
    logger,
    chat,
    conversations,
    audit,
    directory,
    allocator: addresses,
    runWorkInline: overrides.runRequestWorkInline,
  });
  pool.onPoolImported(() => requests.retryWaitingForCapacity());
  const services: AppServices = {
    config,
    store,
    clock,
    logger,
    chat,
    conversations,
    audit,
    alerts,
    addresses,
    pool,
    directory,
    requests,
    isAdmin: (userId) => admins.has(userId.toLowerCase()),
  };

  const mail = createMailRelayModule(services, graph);
  const jobs: BackgroundJob[] = [
    {
      name: 'address-quarantine',
      intervalMs: 60 * 60_000,
      run: async () => {
        const returned = await addresses.returnExpiredQuarantine();
        if (returned) logger.info({ returned }, 'quarantined aliases returned to the pool');
        await pool.checkLevel();
      },
    },
    addressRequestJob(requests),
    ...mail.jobs,
  ];
  const runner = new JobRunner(jobs, logger);
  /** Work a previous run left unfinished (e.g. a crash after a decision was stored), resumed at start. */
  const resumeAtStart = () =>
    requests
      .resumeAll()
      .catch((err) => logger.error({ err }, 'resuming request work failed; the job retries'));
  let resuming: Promise<void> = Promise.resolve();

  const bot = new RootMailBot(services, commandHandlers, cardActionHandlers);
  bot.onTurn(async (turn, next) => {
    turnMetrics.turn(turn.activity.type);
    await next();
  });
  const startedAt = Date.now();
  const server = createHttpServer({
    adapter,
    bot,
    logger,
    health: async () => {
      const status = await readOperationalStatus(services);
      return {
        ok: status.store.reachable,
        body: {
          status: !status.store.reachable ? 'unavailable' : status.warnings.length ? 'degraded' : 'ok',
          version: APP_VERSION,
          uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
          ...status,
        },
      };
    },
    routes: [addressApiRoutes(services), requestApiRoutes(services), ...mail.routes],
  });
  const stopServer = gracefulStopper(server);

  return {
    server,
    services,
    adapter,
    mail,
    listen: async (port, host = '0.0.0.0') => {
      const url = await new Promise<string>((resolve) => {
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          if (overrides.startTimers ?? true) runner.start();
          resuming = resumeAtStart();
          resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`);
        });
      });
      await mail.start({ startTimers: overrides.startTimers ?? true });
      return url;
    },
    runJobs: () => runner.runAll(),
    close: async () => {
      await stopServer(); // resolves once every request in flight (and so every turn) is answered
      await runner.stop();
      await mail.stop();
      await resuming;
      await store.close();
    },
  };
}

/**
 * Graceful stop for the HTTP server: stop listening, then resolve once the last request in flight is
 * answered. Keep-alive connections would hold the server open for their idle timeout, so idle ones are
 * closed at once and busy ones as soon as their answer is sent.
 */
function gracefulStopper(server: Server): () => Promise<void> {
  const http = server.server;
  let stopping = false;
  http.on('request', (_req, res) =>
    res.on('finish', () => {
      if (stopping) setImmediate(() => http.closeIdleConnections());
    }),
  );
  return () =>
    new Promise<void>((resolve) => {
      stopping = true;
      server.close(() => resolve());
      http.closeIdleConnections();
    });
}

function botAuthSettings(config: AppConfig): ConfigurationBotFrameworkAuthenticationOptions {
  return {
    MicrosoftAppId: config.bot.appId,
    MicrosoftAppPassword: config.bot.appPassword,
    MicrosoftAppType: config.bot.appType,
    MicrosoftAppTenantId: config.bot.appTenantId,
    ...config.bot.extra,
  } as ConfigurationBotFrameworkAuthenticationOptions;
}
