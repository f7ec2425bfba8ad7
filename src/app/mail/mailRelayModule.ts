import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphApi } from '../../adapters/graphApi';
import { GraphMailbox } from '../../adapters/graphMailbox';
import { SmtpMailSource } from '../../adapters/smtpMailSource';
import { devMailRoutes } from '../../http/devMailRoutes';
import { graphWebhookRoutes } from '../../http/graphWebhookRoutes';
import type { RouteModule } from '../../http/server';
import type { BackgroundJob } from '../jobs';
import type { AppServices } from '../services';
import { InboxSubscription } from './inboxSubscription';
import { MailRelay } from './mailRelay';
import { secretExpiryJob } from './secretExpiry';

/** Where `npm run mail:inject` finds the token of the running instance. */
export const DEV_MAIL_TOKEN_FILE = 'dev-mail-token';

export interface MailRelayModule {
  relay: MailRelay;
  routes: RouteModule[];
  jobs: BackgroundJob[];
  /** At listen: the SMTP listener and, with timers, the first subscription check and catch-up. */
  start(options: { startTimers: boolean }): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when mails handed to the background have been relayed (shutdown, tests, bench). */
  idle(): Promise<void>;
  /** The SMTP port actually bound, once started. */
  smtpPort?: number;
}

/**
 * The mail relay's parts, wired from configuration: the pipeline, the Graph mailbox (only with MAILBOX),
 * the inject endpoint, the optional SMTP listener and the jobs.
 */
export function createMailRelayModule(services: AppServices, graph: GraphApi): MailRelayModule {
  const { config, logger } = services;
  const relay = new MailRelay(services);
  // The inject endpoint exists on local runs only (embedded store): a deployed instance never offers it.
  const token = randomBytes(32).toString('base64url');
  const tokenDir = config.storage.kind === 'embedded' ? config.storage.dataDir : undefined;
  const routes: RouteModule[] = tokenDir
    ? [devMailRoutes({ logger, token, relay: (raw) => relay.relay(raw, 'inject') })]
    : [];
  const jobs: BackgroundJob[] = [secretExpiryJob(services)];

  let inbox: InboxSubscription | undefined;
  if (config.mail.mailbox && config.mail.clientState) {
    const mailbox = new GraphMailbox(graph, config.mail.mailbox);
    const subscription = new InboxSubscription(services, mailbox, relay);
    inbox = subscription;
    routes.push(
      graphWebhookRoutes({
        logger,
        clientState: config.mail.clientState,
        onCreated: (ids) => subscription.relayInBackground(ids),
        onLifecycle: async (event) => {
          if (event === 'reauthorizationRequired') await subscription.renew();
          else if (event === 'subscriptionRemoved') await subscription.recreate();
          else if (event === 'missed') await subscription.catchUp();
        },
      }),
    );
    jobs.push(...subscription.jobs());
  }

  const smtp = config.smtp
    ? new SmtpMailSource({ ...config.smtp, logger }, (raw) => relay.relay(raw, 'smtp'))
    : undefined;

  const module: MailRelayModule = {
    relay,
    routes,
    jobs,
    async start({ startTimers }) {
      if (tokenDir) {
        mkdirSync(tokenDir, { recursive: true });
        writeFileSync(path.join(tokenDir, DEV_MAIL_TOKEN_FILE), token, { mode: 0o600 });
      }
      if (smtp) module.smtpPort = await smtp.listen();
      if (startTimers && inbox) {
        const first = jobs.find((j) => j.name === 'mail-inbox-subscription');
        void first
          ?.run()
          .catch((err) => logger.error({ err }, 'inbox subscription check at start failed; retried later'));
      }
    },
    async stop() {
      await smtp?.close();
      await inbox?.idle();
    },
    idle: async () => inbox?.idle(),
  };
  return module;
}
