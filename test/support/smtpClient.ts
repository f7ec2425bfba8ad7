import net from 'node:net';
import { pollUntil } from './pollUntil';

/**
 * A minimal SMTP client that says exactly what it is told, as a relay (or a hostile client) would, and
 * records every reply line: enough to hand mail to the SMTP source and to see what it answers.
 */
export class SmtpSession {
  readonly replies: string[] = [];
  closed = false;
  private readonly socket: net.Socket;
  private buffer = '';
  private read = 0;

  constructor(port: number, host = '127.0.0.1') {
    this.socket = net.connect(port, host);
    this.socket.on('data', (d) => {
      this.buffer += d.toString('latin1');
      let i;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        if (/^\d{3} /.test(line)) this.replies.push(line);
      }
    });
    this.socket.on('error', () => (this.closed = true));
    this.socket.on('close', () => (this.closed = true));
  }

  /** The next reply line (or `closed` when the server hung up without one). */
  async reply(timeoutMs = 10_000): Promise<string> {
    await pollUntil(() => this.replies.length > this.read || this.closed, 'an SMTP reply', timeoutMs);
    return this.replies.length > this.read ? this.replies[this.read++] : 'closed';
  }

  async command(line: string | Buffer): Promise<string> {
    if (!this.closed) this.socket.write(typeof line === 'string' ? `${line}\r\n` : line);
    return this.reply();
  }

  /** DATA's content, dot-stuffed and ended with `.`; resolves with the reply to the end of data. */
  async data(mail: string | Buffer): Promise<string> {
    const text = Buffer.isBuffer(mail) ? mail.toString('latin1') : mail;
    this.socket.write(`${text.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.\r\n`, 'latin1');
    return this.reply(30_000);
  }

  end(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

/** Hands one mail to the SMTP source like a relay; throws with what the server said when it refuses. */
export async function sendSmtp(
  port: number,
  mail: string,
  envelope: { from: string; to: string } = { from: 'recover-mfa-no-reply@signin.aws', to: '' },
): Promise<void> {
  const session = new SmtpSession(port);
  try {
    const expect = async (reply: Promise<string>, code: RegExp) => {
      const line = await reply;
      if (!code.test(line)) throw new Error(`SMTP said ${line}`);
    };
    await expect(session.reply(), /^220/);
    await expect(session.command('EHLO relay.contoso.com'), /^250/);
    await expect(session.command(`MAIL FROM:<${envelope.from}>`), /^250/);
    await expect(session.command(`RCPT TO:<${envelope.to}>`), /^250/);
    await expect(session.command('DATA'), /^354/);
    await expect(session.data(mail), /^250/);
    await session.command('QUIT');
  } finally {
    session.end();
  }
}
