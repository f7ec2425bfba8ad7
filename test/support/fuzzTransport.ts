import fc from 'fast-check';
import zlib from 'node:zlib';
import { readFixture } from './mailFixtures';
import { exchangeBytes, hostileBodies } from './rawHttp';
import { SmtpSession } from './smtpClient';

/**
 * The transport half of the fuzz suite (issue 18): request bodies with every Content-Encoding, corrupt and
 * bombed, with lengths that lie and Host headers a URL cannot have, written byte by byte to a socket; and SMTP
 * sessions from hostile clients (malformed commands, forged Authentication-Results, oversized mail).
 */

export interface FuzzRoute {
  method: 'POST' | 'GET';
  path: string;
  /** A body this route reads when it is sent plainly. */
  body: string;
  headers?: Record<string, string>;
}

export interface EncodedRequest {
  route: FuzzRoute;
  coding: string;
  content: 'valid' | 'corrupt' | 'truncated' | 'bomb' | 'random';
  length: 'exact' | 'shorter' | 'longer' | 'over-limit' | 'chunked';
  host: string;
  random: Uint8Array;
}

const CODINGS = ['gzip', 'deflate', 'br', 'identity', 'x-gzip', 'zstd', 'gzip, br', 'GZIP', ''];
const HOSTS = [
  '127.0.0.1',
  '127.0.0.1',
  '127.0.0.1',
  'localhost',
  'a b',
  '[::1',
  'x:99999999',
  'evil.example',
];

export function encodedRequests(routes: FuzzRoute[]): fc.Arbitrary<EncodedRequest> {
  return fc.record({
    route: fc.constantFrom(...routes),
    coding: fc.constantFrom(...CODINGS),
    content: fc.constantFrom('valid', 'corrupt', 'truncated', 'bomb', 'random'),
    length: fc.constantFrom('exact', 'exact', 'exact', 'shorter', 'longer', 'over-limit', 'chunked'),
    host: fc.constantFrom(...HOSTS),
    random: fc.uint8Array({ maxLength: 600 }),
  });
}

/** Bodies per coding, made once per run. */
export function encodedBodies() {
  const hostile = hostileBodies();
  const encoders: Record<string, (b: Buffer) => Buffer> = {
    gzip: (b) => zlib.gzipSync(b),
    'x-gzip': (b) => zlib.gzipSync(b),
    GZIP: (b) => zlib.gzipSync(b),
    deflate: (b) => zlib.deflateSync(b),
    br: (b) => zlib.brotliCompressSync(b),
  };
  return (call: EncodedRequest): Buffer => {
    const family = call.coding.toLowerCase().replace('x-', '') as 'gzip' | 'deflate' | 'br';
    const known = family in hostile.bombs;
    switch (call.content) {
      case 'valid':
        return (encoders[call.coding] ?? ((b: Buffer) => b))(Buffer.from(call.route.body));
      case 'corrupt':
        return known ? hostile.corrupt[family] : Buffer.from('corrupt, whatever it claims to be');
      case 'truncated':
        return hostile.corrupt.truncatedGzip;
      case 'bomb':
        return known ? hostile.bombs[family] : hostile.bombs.gzip;
      case 'random':
        return Buffer.from(call.random);
    }
  };
}

/** The request as bytes on a fresh connection; the answer's status, or `closed` when none came. */
export async function sendEncoded(
  baseUrl: string,
  call: EncodedRequest,
  body: Buffer,
): Promise<{ status: number | 'closed'; text: string }> {
  const headers = [
    `${call.route.method} ${call.route.path} HTTP/1.1`,
    `Host: ${call.host}`,
    'Content-Type: application/json',
    'Connection: close',
    ...Object.entries(call.route.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ...(call.coding ? [`Content-Encoding: ${call.coding}`] : []),
  ];
  let payload = body;
  if (call.length === 'chunked') {
    headers.push('Transfer-Encoding: chunked');
    const half = Math.ceil(body.length / 2);
    const chunk = (b: Buffer) => (b.length ? `${b.length.toString(16)}\r\n${b.toString('latin1')}\r\n` : '');
    payload = Buffer.from(`${chunk(body.subarray(0, half))}${chunk(body.subarray(half))}0\r\n\r\n`, 'latin1');
  } else {
    const declared = {
      exact: body.length,
      shorter: Math.max(0, body.length - 7),
      longer: body.length + 100,
      'over-limit': 10 * 1024 * 1024,
    }[call.length];
    headers.push(`Content-Length: ${declared}`);
  }
  const bytes = Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
  // A client that promised more than it sent gives up: the server sees the connection end mid-body.
  const halfClose = call.length === 'longer' || call.length === 'over-limit';
  const { received } = await exchangeBytes(baseUrl, bytes, 10_000, { halfClose });
  const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
  return { status: status ? Number(status[1]) : 'closed', text: received.slice(0, 2000) };
}

// --- SMTP sessions ---

export type SmtpStep = { kind: 'line'; text: string } | { kind: 'data'; mail: string };

const ADDRESSES = [
  'no-reply@signin.aws',
  'no-reply@signup.aws',
  'aws_3f9a2c71@contoso.com',
  'x@evil.example',
  '',
  '<>',
  'a@b@c',
  '"quoted\\"@x"@contoso.com',
  'x'.repeat(300) + '@contoso.com',
];

/** Mails from the corpus, with forged results on top: never the relay's own stamp, so none may be trusted. */
const MAIL_FILES = [
  'verification-code.eml',
  'mfa-recovery.eml',
  'password-reset-verify-signin.eml',
  'abuse-report.eml',
];
const FORGED_RESULTS = [
  'Authentication-Results: spf=pass smtp.mailfrom=signin.aws; dkim=pass header.d=signin.aws;dmarc=pass header.from=signin.aws;compauth=pass reason=100',
  'Authentication-Results: mx.attacker.example; dkim=pass header.d=signin.aws; dmarc=pass header.from=signin.aws',
  'Authentication-Results: relay.contoso.com.evil.example; dkim=pass header.d=signin.aws; dmarc=pass header.from=signin.aws',
  'Authentication-Results: "relay.contoso.com"x; dmarc=pass header.from=signin.aws',
  '',
];

export function smtpSessions(): fc.Arbitrary<SmtpStep[]> {
  const address = fc.oneof(fc.constantFrom(...ADDRESSES), fc.string({ maxLength: 60 }));
  const clean = (s: string) => s.replace(/[\r\n]/g, ' ');
  const line: fc.Arbitrary<SmtpStep> = fc
    .oneof(
      fc.constantFrom(
        'EHLO relay.contoso.com',
        'HELO x',
        'RSET',
        'NOOP',
        'VRFY root',
        'STARTTLS',
        'AUTH PLAIN AGFiYwBkZWY=',
        'HELP',
        'DATA',
        'BDAT 10 LAST',
        'QUIT',
      ),
      address.map((a) => `MAIL FROM:<${clean(a)}>`),
      address.map((a) => `RCPT TO:<${clean(a)}>`),
      fc
        .tuple(address, fc.integer({ min: -5, max: 2 ** 40 }))
        .map(([a, n]) => `MAIL FROM:<${clean(a)}> SIZE=${n}`),
      fc.string({ maxLength: 80 }).map(clean),
      fc.string({ unit: 'binary', maxLength: 80 }).map(clean),
      fc.integer({ min: 1_000, max: 40_000 }).map((n) => 'EHLO ' + 'x'.repeat(n)),
    )
    .map((text) => ({ kind: 'line' as const, text }));
  const mail: fc.Arbitrary<SmtpStep> = fc
    .record({
      file: fc.constantFrom(...MAIL_FILES),
      forged: fc.constantFrom(...FORGED_RESULTS),
      junk: fc.string({ unit: 'binary', maxLength: 200 }),
      oversized: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
      cut: fc.integer({ min: 0, max: 5 }),
    })
    .map(({ file, forged, junk, oversized, cut }) => {
      let text = readFixture(file).toString('latin1');
      if (cut === 0) text = text.slice(0, Math.floor(text.length / 3)); // headers only, or half a header
      if (forged) text = `${forged}\r\n${text}`;
      text += `\r\n${junk}`;
      if (oversized) text += ('o'.repeat(998) + '\r\n').repeat(2_300); // ~2.3 MB: over the 2 MB limit
      return { kind: 'data' as const, mail: text };
    });
  const greeting: SmtpStep[] = [
    { kind: 'line', text: 'EHLO relay.contoso.com' },
    { kind: 'line', text: 'MAIL FROM:<no-reply@signin.aws>' },
    { kind: 'line', text: 'RCPT TO:<aws_3f9a2c71@contoso.com>' },
  ];
  return fc.oneof(
    fc.array(fc.oneof({ weight: 4, arbitrary: line }, { weight: 1, arbitrary: mail }), { maxLength: 8 }),
    fc.tuple(fc.array(line, { maxLength: 2 }), mail).map(([extra, m]) => [...greeting, ...extra, m]),
  );
}

/** Plays a session; answers the reply codes in order (`closed` once the server hung up). */
export async function runSmtpSession(port: number, steps: SmtpStep[]): Promise<string[]> {
  const session = new SmtpSession(port);
  const codes: string[] = [];
  const code = (reply: string) => (reply === 'closed' ? reply : reply.slice(0, 3));
  try {
    codes.push(code(await session.reply(5_000)));
    for (const step of steps) {
      if (session.closed) break;
      if (step.kind === 'line') {
        const reply = code(await session.command(step.text));
        codes.push(reply);
        // A bare DATA the server took: end the (empty) mail, or every later line is read as its content.
        if (reply === '354') codes.push(code(await session.data('')));
        continue;
      }
      const ready = code(await session.command('DATA'));
      codes.push(ready);
      if (ready === '354') codes.push(code(await session.data(step.mail)));
    }
    if (!session.closed) codes.push(code(await session.command('QUIT')));
  } catch {
    codes.push('no-reply');
  } finally {
    session.end();
  }
  return codes;
}
