import { AlreadyExistsError, ConflictError } from '../ports/documentStore';
import type { AppServices } from './services';

interface AlertFlag {
  raised: boolean;
  at: string;
  text?: string;
}

type Deps = Pick<AppServices, 'store' | 'clock' | 'logger' | 'chat' | 'conversations'>;

/**
 * Operational alerts for the on-call channel (pool running low, subscription renewal failing). An alert is
 * posted once when its condition starts and again only after it was cleared, however many instances
 * notice it: the flag in `settings` is written through create-if-absent / etag before anything is posted.
 */
export class OnCallAlerts {
  constructor(private readonly deps: Deps) {}

  /** Posts `text` unless this alert is already raised. Returns true when this call posted it. */
  async raise(key: string, text: string): Promise<boolean> {
    const id = `alert:${key}`;
    const flag = await this.deps.store.get<AlertFlag>('settings', id);
    if (flag?.raised) return false;
    const oncall = await this.deps.conversations.channelFor('oncall');
    if (!oncall) {
      this.deps.logger.warn({ alert: key }, `no on-call channel is set up to tell: ${text}`);
      return false;
    }
    if (
      !(await this.write(id, { raised: true, at: this.deps.clock.now().toISOString(), text }, flag?._etag))
    ) {
      return false; // another instance is posting it
    }
    try {
      await this.deps.chat.postToChannel(oncall.reference, { text });
      return true;
    } catch (err) {
      this.deps.logger.error(
        { err, alert: key },
        'could not post an alert to the on-call channel; it will be tried again',
      );
      const current = await this.deps.store.get<AlertFlag>('settings', id);
      if (current)
        await this.write(id, { raised: false, at: this.deps.clock.now().toISOString() }, current._etag);
      return false;
    }
  }

  /** The condition is over: the next occurrence will be posted again. */
  async clear(key: string): Promise<void> {
    const id = `alert:${key}`;
    const flag = await this.deps.store.get<AlertFlag>('settings', id);
    if (flag?.raised)
      await this.write(id, { raised: false, at: this.deps.clock.now().toISOString() }, flag._etag);
  }

  private async write(id: string, doc: AlertFlag, etag: string | undefined): Promise<boolean> {
    try {
      if (etag) await this.deps.store.replace('settings', id, doc, etag);
      else await this.deps.store.create('settings', id, doc);
      return true;
    } catch (err) {
      if (err instanceof ConflictError || err instanceof AlreadyExistsError) return false;
      throw err;
    }
  }
}
