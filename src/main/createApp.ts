import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CloudAdapter, ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import { BotFrameworkChat } from '../adapters/botFrameworkChat';
import { ChannelAuthentication } from '../adapters/channelAuthentication';
import { AddressPool } from '../app/addresses/addressPool';
import { AddressRegistry } from '../app/addresses/addressRegistry';
import { PoolBuckets } from '../app/addresses/poolBuckets';
import { OnCallAlerts } from '../app/alerts';
import { AuditLog } from '../app/auditLog';
import { BackgroundWork } from '../app/background';
import { ConversationDirectory } from '../app/conversations';
import { chatSentence, classifyFailure, Failure } from '../app/failures';
import { JobRunner, PeriodicJob } from '../app/jobs';
import { Leases } from '../app/leases';
import { InboxSubscription } from '../app/mail/inboxSubscription';
import { MailDesk } from '../app/mail/mailDesk';
import { MailRecords } from '../app/mail/mailRecords';
import { MailRelay } from '../app/mail/mailRelay';
import { secretExpiryJob } from '../app/mail/secretExpiry';
import { AddressRequestService } from '../app/requests/addressRequestService';
import { RequestRepository } from '../app/requests/requestRepository';
import { RequestWork } from '../app/requests/requestWork';
import type { AppServices } from '../app/services';
import { StatusBoard } from '../app/statusBoard';
import { cardActionHandlers } from '../bot/actions';
import { commandHandlers } from '../bot/commands';
import { AFTER_TURN, AfterTurn, RootMailBot } from '../bot/RootMailBot';
import type { AppConfig } from '../config';
import { isLoopbackHost, ServiceUrlPolicy } from '../domain/channelTrust';
import { person } from '../domain/permissions';
import { addressApiRoutes } from '../http/addressApi';
import { devMailRoutes } from '../http/devMailRoutes';
import { graphWebhookRoutes } from '../http/graphWebhookRoutes';
import { requestApiRoutes } from '../http/requestApi';
import { statusApiRoutes } from '../http/statusApi';
import { sendFailure, sendProblem } from '../http/problem';
import { createHttpServer, RouteModule } from '../http/server';
import { createLogger, Logger } from '../log/logger';
import { Clock, systemClock } from '../ports/clock';
import type { DirectoryPort } from '../ports/directory';
import type { DocumentStore } from '../ports/documentStore';
import { createStore } from '../storage/createStore';
import { createTurnMetrics } from '../telemetry';
import packageJson from '../../package.json';

/** What tests (and only tests) may swap: time, the log sink and the store instance. */
export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  store?: DocumentStore;
  /** Start the periodic jobs on timers (production); tests call runJobs() with a manual clock instead. */
  startTimers?: boolean;
  /** Leave request work after a state change to the periodic job, as a crash right then would (tests). */
  deferRequestWork?: boolean;
}

export interface RootMailApp {
  readonly server: Server;
  readonly services: AppServices;
  /** The store itself: for scripts and tests that seed or inspect data, never for the edges. */
  readonly store: DocumentStore;
  readonly relay: MailRelay;
  /** The SMTP port actually bound, once listening (SMTP_PORT set). */
  readonly smtpPort?: number;
  /**
   * Listens on the port (0 = any free one) and resolves with the base URL. Without an app id (anonymous
   * bot) only on loopback: the default host is 127.0.0.1 then, and any other host is refused.
   */
  listen(port: number, host?: string): Promise<string>;
  /** Runs every periodic job once, now (tests). */
  runJobs(): Promise<void>;
  /** Resolves once no background work runs (tests, benches). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const APP_VERSION: string = packageJson.version;

/** Where `npm run mail:inject` finds the token of the running instance. */
export const DEV_MAIL_TOKEN_FILE = 'dev-mail-token';

/** How long shutdown waits for background work (request steps, relays) before closing the store anyway. */
const BACKGROUND_GRACE_MS = 8_000;

/** The one wiring place: builds every part from configuration and hands each what it needs. */
export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<RootMailApp> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const store = overrides.store ?? (await createStore(config.storage));
  await store.init();
  const background = new BackgroundWork(logger);
  const leases = new Leases(store, clock);

  // Teams: the Bot Framework adapter and the chat port over it.
  const turnMetrics = createTurnMetrics();
  const serviceUrls = serviceUrlPolicy(config);
  const adapter = new CloudAdapter(new ChannelAuthentication(botAuthSettings(config), serviceUrls));
  adapter.onTurnError = async (context, error) => {
    turnMetrics.turnFailed(context.activity.type);
    const failure = classifyFailure(error, logger, { activityType: context.activity.type });
    if (context.activity.type !== 'message') return;
    // Telling the user can fail as well (Teams down); the failure is logged above either way.
    await context.sendActivity(chatSentence(failure)).catch((err) => {
      logger.warn(
        { err, correlationId: correlationOf(failure) },
        'could not tell the user about a failed turn',
      );
    });
  };
  const chat = new BotFrameworkChat(adapter, config.bot.appId);
  const conversations = new ConversationDirectory(store, clock);
  const audit = new AuditLog(store, clock);
  const alerts = new OnCallAlerts({ store, clock, logger, chat, conversations });

  // Microsoft Graph, loaded only when used.
  const { GraphApi } = await import('../adapters/graphApi');
  const graph = new GraphApi(config.graph); // one Graph client (and credential) for directory and mailbox
  const { GraphDirectory } = await import('../adapters/graphDirectory');
  const directory: DirectoryPort = new GraphDirectory(graph);

  // Addresses and the pool.
  const buckets = new PoolBuckets(store);
  const pool = new AddressPool({
    store,
    clock,
    audit,
    logger,
    alerts,
    leases,
    strategy: config.addresses.strategy,
    buckets,
    centralMailbox: config.mail.mailbox?.toLowerCase(),
    plusAddress: config.addresses.plusAddress,
  });
  const addresses = new AddressRegistry({
    store,
    clock,
    audit,
    logger,
    settings: config.addresses,
    buckets,
    afterAllocation: () => pool.noteAllocation(),
  });

  // Requests and approvals.
  const repository = new RequestRepository(store);
  const requests = new AddressRequestService({
    repository,
    work: new RequestWork({
      repository,
      clock,
      chat,
      conversations,
      audit,
      logger,
      allocator: addresses,
      adminIds: config.roles.adminIds,
    }),
    directory,
    audit,
    clock,
    logger,
    background,
    approverIds: config.roles.approverIds,
    timers: config.timers,
    deferWork: overrides.deferRequestWork,
  });
  pool.onPoolImported(() => requests.retryWaitingForCapacity());

  // The mail relay: the pipeline, on-call actions, the Graph subscription (with MAILBOX), inject and SMTP.
  const records = new MailRecords(store, clock);
  const relay = new MailRelay({
    records,
    addresses,
    conversations,
    chat,
    clock,
    logger,
    internalDomains: [config.mail.mailbox, config.addresses.plusAddress]
      .filter((a): a is string => !!a && a.includes('@'))
      .map((a) => a.slice(a.lastIndexOf('@') + 1).toLowerCase()),
    secretTtlMinutes: config.timers.secretTtlMinutes,
  });
  const mailDesk = new MailDesk({ records, audit, chat, conversations, clock });
  let subscription: InboxSubscription | undefined;
  const routes: RouteModule[] = [];
  if (config.mail.mailbox && config.mail.clientState) {
    const { GraphMailbox } = await import('../adapters/graphMailbox');
    const inbox = new InboxSubscription({
      store,
      clock,
      logger,
      alerts,
      background,
      mailbox: new GraphMailbox(graph, config.mail.mailbox),
      relay,
      settings: {
        mailbox: config.mail.mailbox,
        publicBaseUrl: config.mail.publicBaseUrl,
        clientState: config.mail.clientState,
        secretTtlMinutes: config.timers.secretTtlMinutes,
      },
    });
    subscription = inbox;
    routes.push(
      graphWebhookRoutes({
        logger,
        clientState: config.mail.clientState,
        onCreated: (ids) => inbox.relayInBackground(ids),
        onLifecycle: (event, subscriptionId) => inbox.onLifecycle(event, subscriptionId),
      }),
    );
  }
  // The inject endpoint exists on local runs only (embedded store): a deployed instance never offers it.
  const injectToken = randomBytes(32).toString('base64url');
  const tokenDir = config.storage.kind === 'embedded' ? config.storage.dataDir : undefined;
  if (tokenDir)
    routes.push(devMailRoutes({ logger, token: injectToken, relay: (raw) => relay.relay(raw, 'inject') }));

  const statusBoard = new StatusBoard({
    store,
    leases,
    clock,
    strategy: config.addresses.strategy,
    pool,
    requests,
    mails: records,
    subscription,
  });

  const admins = new Set(config.roles.adminIds);
  const services: AppServices = {
    config,
    clock,
    logger,
    background,
    directory,
    conversations,
    audit,
    addresses,
    pool,
    requests,
    mailDesk,
    status: () => statusBoard.fresh(),
    chatPrincipal: (id, name) => person(id, name, admins.has(id.toLowerCase())),
  };

  const jobs: PeriodicJob[] = [
    {
      name: 'address-quarantine',
      intervalMs: 60 * 60_000,
      run: async () => {
        const returned = await addresses.returnExpiredQuarantine();
        if (returned) logger.info({ returned }, 'quarantined aliases returned to the pool');
        await pool.checkLevel();
      },
    },
    { name: 'address-requests', intervalMs: 5 * 60_000, run: () => requests.runPeriodicWork() },
    secretExpiryJob({ records, clock, logger, chat }),
    ...(subscription?.jobs() ?? []),
    statusBoard.job(),
  ];
  const runner = new JobRunner(jobs, background, logger);

  const bot = new RootMailBot(services, commandHandlers, cardActionHandlers);
  bot.onTurn(async (turn, next) => {
    turnMetrics.turn(turn.activity.type);
    await next();
  });
  const server = createHttpServer({
    logger,
    health: () => statusBoard.health(APP_VERSION),
    activityPolicy: { serviceUrls, servedTenantId: config.bot.servedTenantId },
    // Work a handler asked for after its answer (e.g. a request's steps after a click) starts once the
    // HTTP answer to Teams is out, as tracked background work.
    messages: async (req, res) => {
      const later: (() => Promise<void>)[] = [];
      const afterTurn: AfterTurn = (work) => later.push(work);
      const answer = new AdapterAnswer(res);
      await adapter.process(req, answer, (context) => {
        context.turnState.set(AFTER_TURN, afterTurn);
        return bot.run(context);
      });
      answer.deliver(req, res, logger);
      for (const work of later) background.run('after a turn', work);
    },
    routes: [addressApiRoutes(services), requestApiRoutes(services), statusApiRoutes(services), ...routes],
  });
  const stopServer = gracefulStopper(server);

  const { SmtpMailSource } = config.smtp
    ? await import('../adapters/smtpMailSource')
    : { SmtpMailSource: undefined };
  const smtp =
    config.smtp && SmtpMailSource
      ? new SmtpMailSource({ ...config.smtp, logger }, (raw) => relay.relay(raw, 'smtp'))
      : undefined;
  const startTimers = overrides.startTimers ?? true;

  const app: RootMailApp & { smtpPort?: number } = {
    server,
    services,
    store,
    relay,
    listen: async (port, host = config.bot.appId ? '0.0.0.0' : '127.0.0.1') => {
      if (!config.bot.appId && !isLoopbackHost(host))
        throw new Error(
          `Without MicrosoftAppId the bot accepts unauthenticated activities, so it listens on loopback only, not on ${host}.`,
        );
      const url = await new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          resolve(
            `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
          );
        });
      });
      if (tokenDir) {
        mkdirSync(tokenDir, { recursive: true });
        writeFileSync(path.join(tokenDir, DEV_MAIL_TOKEN_FILE), injectToken, { mode: 0o600 });
      }
      if (smtp) app.smtpPort = await smtp.listen();
      // Work a previous run left unfinished (e.g. a crash after a decision was stored) is resumed now.
      background.run('resume request work', () => requests.resumeAll({ takeOver: true }));
      background.run('guard open requests', () => repository.guardOpenRequests());
      if (startTimers) {
        runner.start();
        background.run('first status snapshot', () => statusBoard.refresh());
        for (const job of subscription?.jobs() ?? []) background.run(job.name, () => job.run());
      }
      return url;
    },
    runJobs: () => runner.runAll(),
    idle: () => background.idle(),
    close: async () => {
      await stopServer(); // resolves once every request in flight (and so every turn) is answered
      runner.stop();
      await smtp?.close();
      const unfinished = await background.drain(BACKGROUND_GRACE_MS);
      if (unfinished.length)
        logger.warn(
          { unfinished },
          'shutting down with background work unfinished; it resumes at the next start',
        );
      await store.close();
    },
  };
  return app;
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

/**
 * Where the bot may send (src/domain/channelTrust.ts): with an app id the Bot Framework / Teams hosts, without
 * one loopback only; TRUSTED_SERVICE_URLS adds to either.
 */
function serviceUrlPolicy(config: AppConfig): ServiceUrlPolicy {
  const anonymous = !config.bot.appId;
  return { botFrameworkHosts: !anonymous, loopback: anonymous, extra: config.bot.trustedServiceUrls };
}

function correlationOf(failure: Failure): string | undefined {
  return failure.kind === 'refused' ? undefined : failure.correlationId;
}

/**
 * Collects the Bot Framework adapter's answer instead of letting it write to the socket, so that its own
 * error answers (401 with botbuilder's wording, 500 with an error message such as "conversationId cannot be
 * null") go out as problem+json through the one error path; invoke answers (including 501) pass unchanged.
 */
class AdapterAnswer {
  private code = 200;
  private body: unknown;
  readonly socket: unknown;

  constructor(res: Response) {
    this.socket = res.socket;
  }

  header(): void {}
  status(code: number): void {
    this.code = code;
  }
  send(body?: unknown): void {
    this.body = body;
  }
  end(): void {}

  deliver(req: Request, res: Response, logger: Logger): void {
    if (this.code === 401)
      return sendProblem(res, 401, 'Unauthorized', 'The request does not carry a valid Bot Framework token.');
    if (this.code >= 500 && this.code !== 501) {
      const err = new Error(typeof this.body === 'string' ? this.body : 'the Bot Framework adapter failed');
      return sendFailure(res, classifyFailure(err, logger, { method: req.method, path: req.path() }));
    }
    if (this.body === undefined) res.send(this.code);
    else res.send(this.code, this.body);
  }
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
