import { SMTPServer } from 'smtp-server';
import type { Logger } from '../log/logger';

const MAX_MAIL_BYTES = 2 * 1024 * 1024;

/**
 * An SMTP listener for organisations that route root mail through their own relay. It accepts mail
 * for delivery only (no AUTH, no relaying onwards) and answers 250 once the mail went through the pipeline,
 * so a failure makes the sending relay retry.
 */
export class SmtpMailSource {
  private readonly server: SMTPServer;

  constructor(
    private readonly options: { port: number; host: string; logger: Logger },
    deliver: (raw: Buffer) => Promise<unknown>,
  ) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: MAX_MAIL_BYTES,
      logger: false,
      banner: 'RootMail relay',
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            return callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
          }
          deliver(Buffer.concat(chunks)).then(
            () => callback(),
            (err: Error) => {
              options.logger.error({ err }, 'SMTP mail could not be relayed; the sender will retry');
              callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
            },
          );
        });
      },
    });
    this.server.on('error', (err) => options.logger.error({ err }, 'SMTP listener error'));
  }

  /** Resolves with the port actually bound (SMTP_PORT=0 picks a free one). */
  listen(): Promise<number> {
    return new Promise((resolve) => {
      this.server.listen(this.options.port, this.options.host, () => {
        const address = this.server.server.address();
        const port = typeof address === 'object' && address ? address.port : this.options.port;
        this.options.logger.info({ host: this.options.host, port }, 'SMTP mail listener started');
        resolve(port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
