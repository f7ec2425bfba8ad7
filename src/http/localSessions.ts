import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'restify';
import type { AuthOutcome } from './apiAuth';

/** A person of the local directory, as the tab's person picker shows them. */
export interface LocalPerson {
  id: string;
  name: string;
  upn?: string;
}

export type SignInResult =
  | { ok: true; token: string; user: LocalPerson; people: LocalPerson[] }
  | { ok: false; status: 403 | 404; detail: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Why a request may not use a local session, or undefined when it may: it must come from this machine
 * (loopback peer address), name this machine as its host (a DNS-rebinding page names its own), and, when
 * the browser says where it comes from, come from a page of this machine too.
 */
export function notFromThisMachine(req: Request): string | undefined {
  const peer = req.socket?.remoteAddress ?? '';
  if (!/^(127\.|::1$|::ffff:127\.)/.test(peer)) return 'it does not come from this machine';
  const host = hostnameOf(req.headers.host);
  if (!host || !LOOPBACK_HOSTS.has(host)) return 'it does not address this machine by a loopback name';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).hostname;
    } catch {
      originHost = undefined;
    }
    if (!originHost || !LOOPBACK_HOSTS.has(originHost)) return 'it comes from a page of another site';
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return 'it comes from a page of another site';
  return undefined;
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(hostHeader.trim().toLowerCase());
  return match?.[1];
}

/**
 * The tab's sign-in in a local run, where there is no Entra ID: the tab, opened in a browser on this
 * machine, asks for a session as one of the local directory's people (the first one unless it names
 * another) and sends it as `Authorization: LocalSession <token>`. The token is an HMAC of the person's id
 * under a secret made at start, so it dies with the process and cannot be made up. Sessions are created
 * and accepted only for requests from this machine (notFromThisMachine); createApp builds this only for a
 * local run (no Bot Framework app id, embedded store), so a deployment has no such sign-in at all.
 */
export class LocalSessions {
  private readonly secret = randomBytes(32);

  constructor(private readonly people: () => Promise<LocalPerson[]>) {}

  async signIn(req: Request, wantedId?: string): Promise<SignInResult> {
    const problem = notFromThisMachine(req);
    if (problem) return { ok: false, status: 403, detail: `No local session: ${problem}.` };
    const people = await this.people();
    const user = wantedId ? people.find((p) => p.id === wantedId.toLowerCase()) : people[0];
    if (!user)
      return {
        ok: false,
        status: 404,
        detail: wantedId
          ? `Nobody with the id ${wantedId.slice(0, 60)} is in the local directory.`
          : 'The local directory has nobody in it.',
      };
    return {
      ok: true,
      token: `${Buffer.from(user.id).toString('base64url')}.${this.sign(user.id)}`,
      user,
      people,
    };
  }

  async authenticate(req: Request, token: string): Promise<AuthOutcome> {
    const problem = notFromThisMachine(req);
    if (problem) return { ok: false, status: 401, detail: `Local sessions are refused: ${problem}.` };
    const [encodedId, signature = ''] = token.trim().split('.');
    const id = Buffer.from(encodedId ?? '', 'base64url').toString('utf8');
    const expected = Buffer.from(this.sign(id));
    const given = Buffer.from(signature);
    if (!id || given.length !== expected.length || !timingSafeEqual(given, expected))
      return {
        ok: false,
        status: 401,
        detail: 'The local session is not valid (the app restarted?): sign in again.',
        challenge: 'LocalSession',
      };
    const user = (await this.people()).find((p) => p.id === id);
    if (!user) return { ok: false, status: 401, detail: 'That person is no longer in the local directory.' };
    return { ok: true, caller: { kind: 'user', id: user.id, name: user.name } };
  }

  private sign(id: string): string {
    return createHmac('sha256', this.secret).update(id).digest('base64url');
  }
}
