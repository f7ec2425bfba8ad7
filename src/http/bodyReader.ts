import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import type { Request, Response } from 'restify';
import type { Logger } from '../log/logger';
import { sendProblem, titleFor } from './problem';

/**
 * The one place request bodies are read (restify's bodyReader attached no error handler to its gunzip stream,
 * so one corrupt gzip body ended the process, and it counted compressed bytes against the limit, so a 200 KB
 * bomb was inflated to 200 MB before it was refused). Here:
 *  - Content-Encoding identity, gzip, deflate (the zlib format of RFC 9110) and br are decoded; anything else
 *    is refused before a byte is read (415);
 *  - the limit holds for the bytes on the wire and for the decoded bytes alike: once either passes it the
 *    answer is 413, the decoder is destroyed and the rest of the body is never read;
 *  - every stream involved has its error handler: corrupt data is a 400, a client that goes away is nobody's
 *    problem, nothing is ever thrown out of a stream.
 */

export type BodyOutcome =
  | { kind: 'none' }
  | { kind: 'read'; bytes: Buffer }
  /** The caller sent something we will not read; `detail` says what to send instead. */
  | { kind: 'refused'; status: 400 | 413 | 415; detail: string }
  /** The client went away (or the connection broke) before the body was complete: nobody to answer. */
  | { kind: 'gone' };

/** Content codings this reader decodes, by their (lower-case) names. */
export const SUPPORTED_ENCODINGS = ['gzip', 'deflate', 'br'] as const;
type Coding = 'identity' | (typeof SUPPORTED_ENCODINGS)[number];

const DECODERS: Record<Exclude<Coding, 'identity'>, { name: string; create: () => Transform }> = {
  gzip: { name: 'gzip', create: () => zlib.createGunzip() },
  deflate: { name: 'deflate', create: () => zlib.createInflate() },
  br: { name: 'Brotli', create: () => zlib.createBrotliDecompress() },
};

/** Whether the request announces a body at all (a length above zero, or chunked transfer). */
export function announcesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** The content coding of the body, or the name of the one we do not support. */
function codingOf(header: string | undefined): Coding | { unsupported: string } {
  const coding = (header ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return 'identity';
  if (coding === 'x-gzip') return 'gzip';
  return (SUPPORTED_ENCODINGS as readonly string[]).includes(coding)
    ? (coding as Coding)
    : { unsupported: coding.slice(0, 40) };
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyOutcome> {
  if (!announcesBody(req)) return Promise.resolve({ kind: 'none' });
  const tooLarge = (): BodyOutcome => ({
    kind: 'refused',
    status: 413,
    detail: `The request body is larger than ${maxBytes / 1024} KB (counted after decompression).`,
  });
  // Node's parser has already refused a Content-Length that is not a number, or one beside chunked transfer.
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(tooLarge());
  const coding = codingOf(req.headers['content-encoding']);
  if (typeof coding === 'object')
    return Promise.resolve({
      kind: 'refused',
      status: 415,
      detail: `The body is sent with Content-Encoding "${coding.unsupported}"; send it uncompressed or as one of ${SUPPORTED_ENCODINGS.join(', ')}.`,
    });

  return new Promise((resolve) => {
    const decoder = coding === 'identity' ? undefined : DECODERS[coding].create();
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    let bodyBytes = 0;
    let settled = false;

    const settle = (outcome: BodyOutcome) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onWire);
      req.removeListener('end', onWireEnd);
      if (outcome.kind !== 'read') {
        // Stop reading and inflating now; the rest of the body is never looked at (the answer closes the
        // connection, see bodyParsing).
        req.pause();
        decoder?.destroy();
        chunks.length = 0;
      }
      resolve(outcome);
    };
    const onBody = (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > maxBytes) return settle(tooLarge());
      chunks.push(chunk);
    };
    const onWire = (chunk: Buffer) => {
      wireBytes += chunk.length;
      if (wireBytes > maxBytes) return settle(tooLarge());
      if (!decoder) return onBody(chunk);
      // Backpressure: the socket waits while the decoder works through what it has.
      if (!decoder.write(chunk)) {
        req.pause();
        decoder.once('drain', () => settled || req.resume());
      }
    };
    const finished = () => settle({ kind: 'read', bytes: Buffer.concat(chunks, bodyBytes) });
    const onWireEnd = () => (decoder ? decoder.end() : finished());

    if (decoder) {
      decoder.on('data', onBody);
      decoder.on('end', finished);
      // Stays attached after settling: a destroyed decoder may still report what it was in the middle of.
      decoder.on('error', () =>
        settle({
          kind: 'refused',
          status: 400,
          detail: `The body is not valid ${DECODERS[coding as keyof typeof DECODERS].name} data, as its Content-Encoding says it is.`,
        }),
      );
    }
    req.on('data', onWire);
    req.on('end', onWireEnd);
    req.on('error', () => settle({ kind: 'gone' }));
    req.on('close', () => {
      if (!req.complete) settle({ kind: 'gone' });
    });
  });
}

/**
 * The body as the routes see it (`req.body`): JSON for application/json (and `+json` types), text for
 * text/plain and text/csv (Graph's validation handshake, pool files), nothing for an empty body. Any other
 * type is refused (415), never parsed: no forms, no multipart uploads written to disk. GET and HEAD bodies
 * are ignored, never read or decoded, and their connection is closed after the answer.
 */
export function bodyParsing(maxBytes: number, logger: Logger) {
  const refuse = (req: Request, res: Response, status: 400 | 413 | 415, detail: string) => {
    logger.warn({ method: req.method, path: req.path(), status }, detail);
    sendProblem(res, status, titleFor(status), detail);
  };
  return (req: Request, res: Response, next: (proceed?: false) => void): void => {
    req.body = undefined;
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (announcesBody(req)) res.setHeader('Connection', 'close');
      return next();
    }
    readBody(req, maxBytes).then((outcome) => {
      switch (outcome.kind) {
        case 'gone':
          return next(false);
        case 'refused':
          // The rest of the body is not read: the connection cannot carry another request.
          if (!req.complete) res.setHeader('Connection', 'close');
          if (outcome.status === 415) res.setHeader('Accept-Encoding', SUPPORTED_ENCODINGS.join(', '));
          refuse(req, res, outcome.status, outcome.detail);
          return next(false);
        case 'none':
          return next();
        case 'read': {
          const problem = parse(req, outcome.bytes);
          if (!problem) return next();
          refuse(req, res, problem.status, problem.detail);
          return next(false);
        }
      }
    });
  };
}

/** Sets `req.body` from the bytes by their Content-Type; answers what is wrong with them, if anything. */
function parse(req: Request, bytes: Buffer): { status: 400 | 415; detail: string } | undefined {
  const text = bytes.toString('utf8');
  if (!text) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) {
    try {
      req.body = JSON.parse(text);
      return undefined;
    } catch {
      return { status: 400, detail: 'The body is not valid JSON.' };
    }
  }
  if (type === 'text/plain' || type === 'text/csv') {
    req.body = text;
    return undefined;
  }
  return {
    status: 415,
    detail: 'Send the body as application/json (or text/csv for a pool file).',
  };
}
