import { SMTPServer } from 'smtp-server';
import { AddressRange, isInRanges } from '../domain/networkRanges';
import type { Logger } from '../log/logger';

const MAX_MAIL_BYTES = 2 * 1024 * 1024;
/** A relay delivers a few mails at once; more connections than this are refused until one ends. */
const MAX_CLIENTS = 20;
/** An AWS mail goes to one root address; a relay may batch a few copies, never hundreds. */
const MAX_RECIPIENTS = 50;

export interface SmtpSourceOptions {
  port: number;
  host: string;
  /** Who may connect (SMTP_ALLOWED_CLIENTS, loopback by default); everyone else is refused at once. */
  allowedClients: readonly AddressRange[];
  logger: Logger;
}

/**
 * An SMTP listener for organisations that route root mail through their own relay. It accepts mail
 * for delivery only (no AUTH, no relaying onwards), from the allowed clients only, and answers 250 once the
 * mail went through the pipeline, so a failure makes the sending relay retry. Whether a mail is trusted is
 * not decided here: only the Authentication-Results the configured relay stamped count (see mailRelay).
 */
export class SmtpMailSource {
  private readonly server: SMTPServer;

  constructor(
    private readonly options: SmtpSourceOptions,
    deliver: (raw: Buffer) => Promise<unknown>,
  ) {
    const { logger, allowedClients } = options;
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: MAX_MAIL_BYTES,
      rejectOversized: true,
      maxClients: MAX_CLIENTS,
      maxRecipients: MAX_RECIPIENTS,
      socketTimeout: 60_000,
      closeTimeout: 10_000,
      // No DNS lookup per connection: the allow-list is by address, and a lookup is a stranger's lever.
      disableReverseLookup: true,
      logger: false,
      banner: 'RootMail relay',
      onConnect(session, callback) {
        if (isInRanges(session.remoteAddress, allowedClients)) return callback();
        logger.warn({ remote: session.remoteAddress }, 'SMTP client refused: not in SMTP_ALLOWED_CLIENTS');
        callback(Object.assign(new Error('This host does not accept mail from you'), { responseCode: 554 }));
      },
      onData(stream, _session, reply) {
        let replied = false;
        const callback = (err?: Error) => {
          if (!replied) reply(err);
          replied = true;
        };
        // Kept up to the limit only: an oversized mail is read off the wire and dropped, never held.
        const chunks: Buffer[] = [];
        let bytes = 0;
        stream.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes <= MAX_MAIL_BYTES) chunks.push(c);
        });
        stream.on('error', (err) => {
          logger.warn({ err }, 'SMTP mail stream failed; the sender will retry');
          callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        });
        stream.on('end', () => {
          if (bytes > MAX_MAIL_BYTES || (stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            return callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
          }
          deliver(Buffer.concat(chunks)).then(
            () => callback(),
            (err: Error) => {
              logger.error({ err }, 'SMTP mail could not be relayed; the sender will retry');
              callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
            },
          );
        });
      },
    });
    this.server.on('error', (err) => logger.error({ err }, 'SMTP listener error'));
  }

  /** Resolves with the port actually bound (SMTP_PORT=0 picks a free one); rejects when it cannot listen. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.server.removeListener('error', reject);
        const address = this.server.server.address();
        const port = typeof address === 'object' && address ? address.port : this.options.port;
        this.options.logger.info(
          { host: this.options.host, port, allowedClients: this.options.allowedClients.map((r) => r.text) },
          'SMTP mail listener started',
        );
        resolve(port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
