import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CloudAdapter, ConfigurationBotFrameworkAuthenticationOptions, ConversationState } from 'botbuilder';
import type { Server } from 'restify';
import { BotFrameworkChat } from '../adapters/botFrameworkChat';
import { ChannelAuthentication } from '../adapters/channelAuthentication';
import type { GraphApi } from '../adapters/graphApi';
import type { LocalDirectory } from '../adapters/localDirectory';
import { DEMO_MAILBOX, seedDemoPool } from '../app/addresses/demoPool';
import { appInstallingChat } from '../app/appInstallingChat';
import { ApproverChoice } from '../app/approvals/approverChoice';
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
import { mailDigestJob } from '../app/mail/mailDigest';
import { MailRecords } from '../app/mail/mailRecords';
import { MailRelay } from '../app/mail/mailRelay';
import { MailboxPermits } from '../app/pacing/mailboxPermits';
import { TEAMS_LIMITS, TeamsLimits, TeamsSendBudget } from '../app/pacing/teamsSendBudget';
import { mailSweeperJob } from '../app/mail/mailSweeper';
import { OnCallBurst } from '../app/mail/onCallBurst';
import { secretExpiryJob } from '../app/mail/secretExpiry';
import { AddressRequestService } from '../app/requests/addressRequestService';
import { RequestRepository } from '../app/requests/requestRepository';
import { RequestWorkflow } from '../app/requests/requestWorkflow';
import type { AppServices, AwsServices } from '../app/services';
import type { RootAuditPace } from '../app/aws/rootAudit';
import { StatusBoard } from '../app/statusBoard';
import { WorkflowRunner } from '../app/workflows/workflowRunner';
import { cardActionHandlers } from '../bot/actions';
import { commandHandlers } from '../bot/commands';
import { AddressNotices } from '../app/addresses/addressNotices';
import { guidedChatOnDemand } from '../bot/dialogs/onDemand';
import { inertMessages } from '../bot/inertMessages';
import { AFTER_TURN, AfterTurn, RootMailBot } from '../bot/RootMailBot';
import type { AppConfig } from '../config';
import { isLoopbackHost, ServiceUrlPolicy } from '../domain/channelTrust';
import { person } from '../domain/permissions';
import { addressApiRoutes } from '../http/addressApi';
import { awsApiRoutes } from '../http/awsApi';
import { rootAccessApiRoutes } from '../http/rootAccessApi';
import { devMailRoutes } from '../http/devMailRoutes';
import { graphWebhookRoutes } from '../http/graphWebhookRoutes';
import { requestApiRoutes } from '../http/requestApi';
import { statusApiRoutes } from '../http/statusApi';
import { createApiAuthenticator } from '../http/apiAuth';
import type { ApiAccess } from '../http/apiRoute';
import { LocalSessions } from '../http/localSessions';
import { meApiRoutes } from '../http/meApi';
import { registryApiRoutes } from '../http/registryApi';
import { RequestScope } from '../http/requestScope';
import { createHttpServer, RouteModule } from '../http/server';
import { findTabBuild, tabPageSettings, tabRoutes } from '../http/tabRoutes';
import { createLogger, Logger } from '../log/logger';
import { Clock, systemClock } from '../ports/clock';
import type { ChatPort } from '../ports/chat';
import type { DirectoryPort } from '../ports/directory';
import { asBackgroundWork, DocumentStore } from '../ports/documentStore';
import { BotStateStorage } from '../storage/botStateStorage';
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
  /** Leave workflow work (requests, adoptions) to a later start, as a crash after each change would (tests). */
  deferRequestWork?: boolean;
  /** Shorter AWS backoff, so an outage is seen in milliseconds rather than half a minute (tests). */
  awsRetry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Root audits unpaced in tests, so a run over a few accounts takes no seconds of waiting. */
  rootAuditPace?: RootAuditPace;
  /** Teams' limits to pace to (TEAMS_LIMITS); tests that are not about pacing give wider ones. */
  teamsLimits?: TeamsLimits;
}

export interface RootMailApp {
  readonly server: Server;
  readonly services: AppServices;
  /** The store itself: for scripts and tests that seed or inspect data, never for the edges. */
  readonly store: DocumentStore;
  readonly relay: MailRelay;
  /** A local run's stand-ins (local directory, its admins, the demo pool), for the start-up banner. */
  readonly localRun?: { directoryFile: string; admins: string[]; demoPool: boolean };
  /** The SMTP port actually bound, once listening (SMTP_PORT set). */
  readonly smtpPort?: number;
  /** Which request the running code serves: the process guard answers and forgets what one request broke. */
  readonly requestScope: RequestScope;
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
  const leases = new Leases(store, clock, config.work.leaseMs);
  // Durable workflows (requests, adoptions): one runner claims, performs, retries and resumes their steps.
  const workflows = new WorkflowRunner({
    store,
    clock,
    logger,
    background,
    leaseMs: config.work.leaseMs,
    pollMs: config.work.pollMs,
    deferWork: overrides.deferRequestWork,
  });
  // Which instance this is (App Service's WEBSITE_INSTANCE_ID, else the host), and this process among them.
  const instance = config.instanceName ?? hostname();
  const processId = `${instance}#${process.pid}.${randomBytes(3).toString('hex')}`;

  // Teams: the Bot Framework adapter and the chat port over it.
  const turnMetrics = createTurnMetrics();
  const serviceUrls = serviceUrlPolicy(config);
  // Every call to Teams is paced to its limits, with one budget per conversation shared by all instances.
  const teamsLimits = overrides.teamsLimits ?? TEAMS_LIMITS;
  const teamsPacing = new TeamsSendBudget({ store, logger, now: () => Date.now(), limits: teamsLimits });
  const adapter = new CloudAdapter(
    new ChannelAuthentication(botAuthSettings(config), serviceUrls, teamsPacing),
  );
  adapter.use(inertMessages);
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

  // Users and managers: Microsoft Graph, or in a local run the local directory file. The Graph client (and
  // its credential chain) is loaded only when Graph is configured: a local run never tries a credential.
  let graphApi: GraphApi | undefined; // one Graph client (and credential) for directory, mailbox, installs
  const graph = async (): Promise<GraphApi> =>
    (graphApi ??= new (await import('../adapters/graphApi')).GraphApi(config.graph));
  let directory: DirectoryPort;
  let localDirectory: LocalDirectory | undefined;
  if (config.directory.kind === 'local') {
    const { LocalDirectory } = await import('../adapters/localDirectory');
    directory = localDirectory = LocalDirectory.open(config.directory.dataDir);
  } else {
    const { GraphDirectory } = await import('../adapters/graphDirectory');
    directory = new GraphDirectory(await graph());
  }
  // ADMIN_IDS, and in a local run the people marked admin in the local directory (read again on each
  // check, so a hand edit applies without a restart).
  const configuredAdmins = new Set(config.roles.adminIds);
  const localAdmins = (): string[] => {
    try {
      return localDirectory?.adminIds() ?? [];
    } catch (err) {
      logger.warn({ err }, 'the local directory cannot be read; its admins are not admins until it is fixed');
      return [];
    }
  };
  const isAdmin = (id: string) => configuredAdmins.has(id) || localAdmins().includes(id);
  const adminIds = [...new Set([...config.roles.adminIds, ...localAdmins()])];

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
  const approvers = new ApproverChoice({ directory, logger, approverIds: config.roles.approverIds });
  const repository = new RequestRepository(store, clock);
  // Opt-in (INSTALL_APP_FOR_APPROVERS): request work installs the app for an approver it cannot reach.
  const requestChat = config.appInstall
    ? appInstallingChat(chat, {
        installer: new (await import('../adapters/graphAppInstallation')).GraphAppInstallation(
          await graph(),
          config.graph.baseUrl,
          config.appInstall.teamsAppCatalogId,
        ),
        audit,
        logger,
      })
    : chat;
  const requests = new AddressRequestService({
    repository,
    work: workflows.register(
      new RequestWorkflow({
        repository,
        clock,
        chat: requestChat,
        conversations,
        audit,
        logger,
        allocator: addresses,
        adminIds,
      }),
    ),
    approvers,
    audit,
    clock,
    logger,
    background,
    accountHolder: (accountName) => addresses.holderOfAccount(accountName),
    timers: config.timers,
  });
  pool.onPoolImported(() => requests.retryWaitingForCapacity());

  // AWS Organizations (issue 13): only with AWS settings, and only then is the AWS SDK loaded.
  const aws = config.aws
    ? await createAwsServices(config.aws, {
        environments: config.environments,
        store,
        clock,
        logger,
        background,
        leases,
        chat,
        conversations,
        audit,
        alerts,
        addresses,
        requests,
        approvers,
        expiryHours: config.timers.expiryHours,
        workflows,
        retry: overrides.awsRetry,
        rootAuditPace: overrides.rootAuditPace,
      })
    : undefined;

  // The mail relay: the pipeline, on-call actions, the Graph subscription (with MAILBOX), inject and SMTP.
  const records = new MailRecords(store, clock);
  const burst = new OnCallBurst({
    store,
    records,
    chat,
    conversations,
    leases,
    background,
    clock,
    logger,
    now: () => Date.now(),
    sendWindows: teamsLimits.conversation,
  });
  const relay = new MailRelay({
    records,
    addresses,
    conversations,
    chat,
    directory,
    audit,
    clock,
    logger,
    internalDomains: [config.mail.mailbox, config.addresses.plusAddress]
      .filter((a): a is string => !!a && a.includes('@'))
      .map((a) => a.slice(a.lastIndexOf('@') + 1).toLowerCase()),
    extraSenderDomains: config.mail.extraSenderDomains,
    smtpAuthservIds: config.smtp?.trustedAuthservIds,
    secretTtlMinutes: config.timers.secretTtlMinutes,
    // The adoption feature (AWS settings only); without it such codes are posted like any secret.
    emailChangeCodes: aws?.services.adoptions,
    // Root access (AWS settings only): a live session's sign-in mails go to its requester alone.
    rootSessions: aws?.services.rootAccess,
    alerts,
    leaseMs: config.mailRelay.leaseMs,
    alertAfterAttempts: config.mailRelay.alertAfterAttempts,
    burst,
  });
  const mailDesk = new MailDesk({
    records,
    audit,
    chat,
    conversations,
    clock,
    rootSessions: aws?.services.rootAccess,
  });
  let subscription: InboxSubscription | undefined;
  let mailboxPermits: MailboxPermits | undefined;
  const routes: RouteModule[] = [];
  if (config.mail.mailbox && config.mail.clientState) {
    mailboxPermits = new MailboxPermits({
      store,
      logger,
      mailbox: config.mail.mailbox,
      instanceId: processId,
      now: () => Date.now(),
    });
    const { GraphMailbox } = await import('../adapters/graphMailbox');
    const inbox = new InboxSubscription({
      store,
      clock,
      logger,
      alerts,
      background,
      // Outlook's four concurrent requests per mailbox, shared by all instances.
      mailbox: mailboxPermits.pace(new GraphMailbox(await graph(), config.mail.mailbox)),
      relay,
      settings: {
        mailbox: config.mail.mailbox,
        publicBaseUrl: config.mail.publicBaseUrl,
        clientState: config.mail.clientState,
        secretTtlMinutes: config.timers.secretTtlMinutes,
      },
      work: config.work,
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
    aws: aws?.services.reconciler,
    instance,
  });

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
    addressNotices: new AddressNotices({ chat, conversations, logger }),
    requests,
    mailDesk,
    aws: aws?.services,
    status: () => statusBoard.fresh(),
    poolHistory: (days) => statusBoard.poolHistory(days),
    chatPrincipal: (id, name) => person(id, name, isAdmin(id.toLowerCase())),
  };

  // Upkeep over many documents is background work: a store paces it so it cannot starve the requests people
  // wait for. The work people wait for (their requests' steps taken over, mails, secrets expiring, the inbox
  // subscription) is served as their requests are.
  const upkeep = (job: PeriodicJob): PeriodicJob => ({
    ...job,
    run: () => asBackgroundWork(() => job.run()),
  });
  const jobs: PeriodicJob[] = [
    upkeep({
      name: 'address-quarantine',
      intervalMs: 60 * 60_000,
      run: async () => {
        const returned = await addresses.returnExpiredQuarantine();
        if (returned) logger.info({ returned }, 'quarantined aliases returned to the pool');
        await pool.checkLevel();
      },
    }),
    workflows.job(),
    requests.job(),
    secretExpiryJob({ records, clock, logger, chat }),
    mailSweeperJob({
      records,
      relay,
      leases,
      logger,
      leaseMs: config.mailRelay.leaseMs,
      onCallReady: async () => !!(await conversations.channelFor('oncall')),
    }),
    upkeep(mailDigestJob({ records, leases, conversations, chat, clock, logger })),
    burst.job(),
    ...(subscription?.jobs() ?? []),
    ...(aws ? [upkeep(aws.services.reconciler.job())] : []),
    ...statusBoard.jobs().map(upkeep),
  ];
  const runner = new JobRunner(jobs, background, logger);

  // Who calls /api/v1: Entra ID tokens (apps and the tab's people), and in a local run the tab's local
  // sessions as the local directory's people (never in a deployment: see LocalSessions).
  const people = localDirectory;
  const localSessions =
    people &&
    new LocalSessions(async () =>
      people.everyone().map((u) => ({
        id: u.id,
        name: u.displayName ?? u.id,
        upn: u.userPrincipalName,
      })),
    );
  const apiAccess: ApiAccess = {
    authenticate: createApiAuthenticator(config.api, localSessions),
    isAdmin: (id) => isAdmin(id.toLowerCase()),
  };

  // Guided chats (botbuilder-dialogs) keep their state in botbuilder's ConversationState on our store, so a
  // half-answered dialog survives a restart and works on Cosmos DB alike.
  const botState = new BotStateStorage(store);
  const guidedRequest = guidedChatOnDemand(new ConversationState(botState), botState, clock, {
    environments: config.environments,
    accountTaken: (accountName) => requests.accountTaken(accountName),
  });
  const bot = new RootMailBot(services, commandHandlers, cardActionHandlers, guidedRequest);
  bot.onTurn(async (turn, next) => {
    turnMetrics.turn(turn.activity.type);
    await next();
  });
  const requestScope = new RequestScope();
  const server = createHttpServer({
    logger,
    limits: config.http,
    loopbackOnly: !config.bot.appId,
    scope: requestScope,
    health: () => statusBoard.health({ version: APP_VERSION, node: process.version, instance }),
    activityPolicy: { serviceUrls, servedTenantId: config.bot.servedTenantId },
    // Work a handler asked for after its answer (e.g. a request's steps after a click) starts once the
    // HTTP answer to Teams is out, as tracked background work.
    messages: async (req, answer) => {
      const later: (() => Promise<void>)[] = [];
      const afterTurn: AfterTurn = (work) => later.push(work);
      await adapter.process(req, answer, (context) => {
        context.turnState.set(AFTER_TURN, afterTurn);
        return bot.run(context);
      });
      for (const work of later) background.run('after a turn', work);
    },
    routes: [
      registryApiRoutes(services, apiAccess),
      addressApiRoutes(services, apiAccess),
      requestApiRoutes(services, apiAccess),
      statusApiRoutes(services, apiAccess),
      meApiRoutes(services, apiAccess),
      tabRoutes({
        buildDir: findTabBuild(),
        settings: tabPageSettings(config, !!localSessions),
        localSessions,
        logger,
      }),
      awsApiRoutes(services, apiAccess),
      rootAccessApiRoutes(services, apiAccess),
      ...routes,
    ],
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
    requestScope,
    services,
    store,
    relay,
    localRun: localDirectory && {
      directoryFile: localDirectory.file,
      admins: adminIds,
      demoPool: config.demoPool,
    },
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
      // A first local run's demo pool, as tracked background work: the start does not wait for it.
      if (config.demoPool && store.kind === 'embedded')
        background.run('demo pool', async () => {
          const owner = await localDirectory?.getUser(adminIds[0] ?? '');
          const seeded = await seedDemoPool(
            { store, clock, pool, addresses, levels: statusBoard },
            owner && { id: owner.id, upn: owner.userPrincipalName, name: owner.displayName },
          );
          if (seeded) logger.info({ mailbox: DEMO_MAILBOX }, 'empty local store: demo pool seeded');
        });
      if (tokenDir) {
        mkdirSync(tokenDir, { recursive: true });
        writeFileSync(path.join(tokenDir, DEV_MAIL_TOKEN_FILE), injectToken, { mode: 0o600 });
      }
      if (smtp) app.smtpPort = await smtp.listen();
      // Work left unfinished (a crash after a decision was stored) is resumed now, where its claim lapsed:
      // a claim another live instance renews is left to it.
      background.run('resume workflows', () => workflows.resume());
      background.run('guard open requests', () => repository.guardOpenRequests());
      background.run('searchable owner names', () => addresses.backfillSearchKeys());
      // Once: account keys for addresses allocated before them; then allocation need not query for those.
      background.run('account keys', () => asBackgroundWork(() => addresses.keyAccounts()));
      if (startTimers) {
        runner.start();
        background.run('first status snapshot', () => statusBoard.refresh());
        // Today's pool levels right away, not at the first hourly look (a no-op when already kept today).
        background.run("today's pool levels", () => statusBoard.recordPoolLevels().then(() => undefined));
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
      aws?.destroy();
      await mailboxPermits?.release();
      await store.close();
    },
  };
  return app;
}

/**
 * The AWS adapter (keyless web identity, or the SDK's environment chain for local runs) and the two use
 * cases over it: reconciliation and adoption. Loaded only when AWS settings are given.
 */
async function createAwsServices(
  settings: NonNullable<AppConfig['aws']>,
  deps: {
    store: DocumentStore;
    clock: Clock;
    logger: Logger;
    background: BackgroundWork;
    leases: Leases;
    chat: ChatPort;
    conversations: ConversationDirectory;
    audit: AuditLog;
    alerts: OnCallAlerts;
    addresses: AddressRegistry;
    requests: AddressRequestService;
    approvers: ApproverChoice;
    /** EXPIRY_HOURS: a root access nobody decides ends then, like a request. */
    expiryHours: number;
    environments: readonly string[];
    workflows: WorkflowRunner;
    retry?: AppOverrides['awsRetry'];
    rootAuditPace?: AppOverrides['rootAuditPace'];
  },
): Promise<{ services: AwsServices; destroy(): void }> {
  const { AwsOrganizationsAccounts } = await import('../adapters/awsAccounts');
  const { AdoptionRepository } = await import('../app/aws/adoptionRepository');
  const { AdoptionService } = await import('../app/aws/adoptionService');
  const { AdoptionWorkflow } = await import('../app/aws/adoptionWorkflow');
  const { DriftFindings } = await import('../app/aws/driftFindings');
  const { OrganizationReconciler } = await import('../app/aws/reconciler');
  const { DEFAULT_ROOT_AUDIT_PACE, RootAudit } = await import('../app/aws/rootAudit');
  const { RootPostures } = await import('../app/aws/rootPostures');
  const { RootAccessRepository } = await import('../app/rootAccess/rootAccessRepository');
  const { RootAccessService } = await import('../app/rootAccess/rootAccessService');
  const { RootAccessWorkflow } = await import('../app/rootAccess/rootAccessWorkflow');
  const { isOnCallMember } = await import('../app/mail/onCall');
  const port = AwsOrganizationsAccounts.fromConfig(settings, { clock: deps.clock, retry: deps.retry });
  const repository = new AdoptionRepository(deps.store, deps.clock);
  const adoptions = new AdoptionService({
    repository,
    work: deps.workflows.register(
      new AdoptionWorkflow({
        repository,
        aws: port,
        addresses: deps.addresses,
        chat: deps.chat,
        conversations: deps.conversations,
        audit: deps.audit,
        clock: deps.clock,
        logger: deps.logger,
        codeMinutes: settings.adoptionCodeMinutes,
      }),
    ),
    aws: port,
    addresses: deps.addresses,
    requests: deps.requests,
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
    background: deps.background,
    codeMinutes: settings.adoptionCodeMinutes,
    environments: deps.environments,
  });
  const postures = new RootPostures(deps.store);
  const rootRepository = new RootAccessRepository(deps.store, deps.clock);
  // A removal asked for on a finding's card shows its end there (the reconciler's cards), once it has one.
  const findingOutcome = (subject: string, outcome: string, failed: boolean): Promise<void> =>
    reconciler.settleRemoval(subject, outcome, failed);
  const rootAccess = new RootAccessService({
    repository: rootRepository,
    work: deps.workflows.register(
      new RootAccessWorkflow({
        repository: rootRepository,
        aws: port,
        postures,
        chat: deps.chat,
        conversations: deps.conversations,
        audit: deps.audit,
        clock: deps.clock,
        logger: deps.logger,
        settings: settings.rootAccess,
        findingOutcome,
      }),
    ),
    aws: port,
    postures,
    addresses: deps.addresses,
    approvers: deps.approvers,
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
    background: deps.background,
    isOnCall: (userId) => isOnCallMember(deps, userId),
    settings: { ...settings.rootAccess, expiryHours: deps.expiryHours },
  });
  const reconciler = new OrganizationReconciler({
    aws: port,
    addresses: deps.addresses,
    findings: new DriftFindings(deps.store),
    rootAudit: new RootAudit({
      aws: port,
      postures,
      alerts: deps.alerts,
      clock: deps.clock,
      logger: deps.logger,
      pace: deps.rootAuditPace ?? DEFAULT_ROOT_AUDIT_PACE,
    }),
    adoptions,
    rootAccess,
    leases: deps.leases,
    clock: deps.clock,
    logger: deps.logger,
    chat: deps.chat,
    conversations: deps.conversations,
    alerts: deps.alerts,
    audit: deps.audit,
    background: deps.background,
    unusedDays: settings.reconcileUnusedDays,
  });
  return { services: { reconciler, adoptions, postures, rootAccess }, destroy: () => port.destroy() };
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

function botAuthSettings(config: AppConfig): ConfigurationBotFrameworkAuthenticationOptions {
  return {
    MicrosoftAppId: config.bot.appId,
    MicrosoftAppPassword: config.bot.appPassword,
    MicrosoftAppType: config.bot.appType,
    MicrosoftAppTenantId: config.bot.appTenantId,
    ...config.bot.extra,
  } as ConfigurationBotFrameworkAuthenticationOptions;
}
