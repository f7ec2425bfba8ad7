import type { Logger } from '../log/logger';
import type { ChatPort } from '../ports/chat';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import type { ConversationDirectory } from './conversations';
import { writeIfUnchanged } from './documentChanges';

interface AlertFlag {
  raised: boolean;
  at: string;
  text?: string;
}

export interface AlertsDeps {
  store: DocumentStore;
  clock: Clock;
  logger: Logger;
  chat: ChatPort;
  conversations: ConversationDirectory;
}

/**
 * Operational alerts for the on-call channel (pool running low, subscription renewal failing). An alert is
 * posted once when its condition starts and again only after it was cleared, however many instances
 * notice it: its flag in `alerts` is written by create-if-absent / etag before anything is posted.
 */
export class OnCallAlerts {
  constructor(private readonly deps: AlertsDeps) {}

  /** Posts `text` unless this alert is already raised. Returns true when this call posted it. */
  async raise(key: string, text: string): Promise<boolean> {
    const { store, clock, logger, chat, conversations } = this.deps;
    const flag = await store.get<AlertFlag>('alerts', key);
    if (flag?.raised) return false;
    const oncall = await conversations.channelFor('oncall');
    if (!oncall) {
      logger.warn({ alert: key }, `no on-call channel is set up to tell: ${text}`);
      return false;
    }
    const raised = await writeIfUnchanged(store, 'alerts', key, flag, {
      raised: true,
      at: clock.now().toISOString(),
      text,
    });
    if (!raised) return false; // another instance is posting it
    try {
      await chat.postToChannel(oncall.reference, { text });
      return true;
    } catch (err) {
      logger.error(
        { err, alert: key },
        'could not post an alert to the on-call channel; it will be tried again',
      );
      await writeIfUnchanged(store, 'alerts', key, raised, { raised: false, at: clock.now().toISOString() });
      return false;
    }
  }

  /** The condition is over: the next occurrence will be posted again. */
  async clear(key: string): Promise<void> {
    const flag = await this.deps.store.get<AlertFlag>('alerts', key);
    if (flag?.raised)
      await writeIfUnchanged(this.deps.store, 'alerts', key, flag, {
        raised: false,
        at: this.deps.clock.now().toISOString(),
      });
  }

  /** Since when the alert is raised, or undefined when it is not. */
  async raisedSince(key: string): Promise<string | undefined> {
    const flag = await this.deps.store.get<AlertFlag>('alerts', key);
    return flag?.raised ? flag.at : undefined;
  }
}
