import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationBotFrameworkAuthenticationOptions,
} from 'botbuilder';
import type { Server } from 'restify';
import type { AddressInfo } from 'node:net';
import { BotFrameworkChat } from '../adapters/botFrameworkChat';
import { GraphApi } from '../adapters/graphApi';
import { GraphDirectory } from '../adapters/graphDirectory';
import { cardActionHandlers } from '../bot/actions';
import { commandHandlers } from '../bot/commands';
import { RootMailBot } from '../bot/RootMailBot';
import type { AppConfig } from '../config';
import { addressApiRoutes } from '../http/addressApi';
import { createHttpServer } from '../http/server';
import { createLogger, Logger } from '../log/logger';
import { Clock, systemClock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import { createStore } from '../storage/createStore';
import { AddressPool } from './addressPool';
import { AddressService } from './addressService';
import { AuditLog } from './auditLog';
import { PoolBuckets } from './poolBuckets';
import { BackgroundJob, JobRunner } from './jobs';
import { ConversationDirectory } from './conversations';
import type { AppServices } from './services';
import packageJson from '../../package.json';

/** What tests (and only tests) may swap: time, the log sink and the store instance. */
export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  store?: DocumentStore;
  /** Start the periodic jobs on timers (production); tests call runJobs() with a manual clock instead. */
  startTimers?: boolean;
}

export interface RootMailApp {
  readonly server: Server;
  readonly services: AppServices;
  readonly adapter: CloudAdapter;
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
  const store = overrides.store ?? createStore(config.storage);
  await store.init();

  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(botAuthSettings(config)));
  adapter.onTurnError = async (context, error) => {
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
  const buckets = new PoolBuckets(store);
  const pool = new AddressPool({
    store,
    clock,
    audit,
    logger,
    chat,
    conversations,
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
  const services: AppServices = {
    config,
    store,
    clock,
    logger,
    chat,
    conversations,
    audit,
    addresses,
    pool,
    directory: new GraphDirectory(new GraphApi(config.graph)),
    isAdmin: (userId) => admins.has(userId.toLowerCase()),
  };

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
  ];
  const runner = new JobRunner(jobs, logger);

  const bot = new RootMailBot(services, commandHandlers, cardActionHandlers);
  const startedAt = Date.now();
  const server = createHttpServer({
    adapter,
    bot,
    logger,
    health: async () => {
      const reachable = await store.ping();
      return {
        ok: reachable,
        body: {
          status: reachable ? 'ok' : 'degraded',
          version: APP_VERSION,
          uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
          store: { kind: store.kind, reachable },
        },
      };
    },
    routes: [addressApiRoutes(services)],
  });

  return {
    server,
    services,
    adapter,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve) => {
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          if (overrides.startTimers ?? true) runner.start();
          resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`);
        });
      }),
    runJobs: () => runner.runAll(),
    close: async () => {
      runner.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
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
