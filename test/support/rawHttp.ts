import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request on a connection of its own, with exactly the headers given (fetch adds and checks its own,
 * and refuses some of what a hostile client sends). Resolves with the answer; rejects when the server closed
 * the connection without one.
 */
export function sendRaw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<RawAnswer> {
  const url = new URL(path, baseUrl);
  const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: { ...length, ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    // The server may answer (413, 415) and close before the whole body is written: the answer counts.
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Bytes written to a fresh connection as they are, and what came back until the server closed it (or
 * `waitMs` passed): for request lines, lengths and encodings no HTTP client would send. `halfClose` ends the
 * client's side after writing, as a client that promised more than it sent and gave up.
 */
export function exchangeBytes(
  baseUrl: string,
  bytes: Buffer | string,
  waitMs = 5_000,
  options: { halfClose?: boolean } = {},
): Promise<{ received: string; closedByServer: boolean }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    const done = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closedByServer });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', () => done(true));
    socket.on('end', () => done(true));
    socket.write(bytes);
    if (options.halfClose) socket.end();
  });
}

/**
 * Bodies a hostile client sends with Content-Encoding: corrupt data, and bombs (64 MB of zeros, 60–200 KB
 * on the wire) that inflate far past the limit. Made on call (about half a second): call it once per suite.
 */
export function hostileBodies() {
  const bombSize = 64 * 1024 * 1024;
  const zeros = Buffer.alloc(bombSize);
  return {
    corrupt: {
      gzip: Buffer.from('this is not gzip data at all, just text said to be gzip'),
      deflate: Buffer.from('neither is this deflate'),
      br: Buffer.from('nor is this brotli, though brotli takes almost anything for a while…'),
      // A real gzip stream cut off half-way: the header is right, the data ends too soon.
      truncatedGzip: zlib.gzipSync(Buffer.from('{"type":"message"}'.repeat(200))).subarray(0, 60),
    },
    bombs: {
      gzip: zlib.gzipSync(zeros, { level: 9 }),
      deflate: zlib.deflateSync(zeros, { level: 9 }),
      br: zlib.brotliCompressSync(zeros, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
    },
    bombSize,
  };
}
