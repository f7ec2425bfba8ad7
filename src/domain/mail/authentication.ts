import { isAligned } from './senderDomains';

/**
 * Reading Authentication-Results (RFC 8601) and deciding whether they prove the From domain. Only the results
 * of our own receiving boundary count: anything else in the mail may have been written by the sender or a hop
 * on the way (see ReceivingBoundary).
 */

/** Which Authentication-Results header of a mail was written by our own receiving boundary. */
export type ReceivingBoundary =
  /**
   * Exchange Online (mail read through Microsoft Graph): it adds its results last, on top of whatever the mail
   * carried, and writes no authserv-id.
   */
  | { kind: 'topmost' }
  /**
   * The relay in front of the SMTP source, known by its authserv-id (SMTP_TRUSTED_AUTHSERV_ID): the topmost
   * header that names it. Headers naming anyone else, above or below it, are ignored; a relay removes headers
   * bearing its own authserv-id from the mail it receives (RFC 8601 section 5). No id configured: none counts.
   */
  | { kind: 'relay'; authservIds: readonly string[] };

export const TOPMOST: ReceivingBoundary = { kind: 'topmost' };

/** The authserv-id a header starts with (`mx.google.com; dkim=pass …`); Exchange Online writes none. */
export function authservIdOf(header: string): string | undefined {
  const first = withoutComments(header).split(';')[0].trim().split(/\s+/)[0] ?? '';
  if (!first || first.includes('=')) return undefined;
  return first.replace(/^"|"$/g, '').toLowerCase();
}

/** The one header (of all, topmost first) our receiving boundary wrote; undefined when it wrote none. */
export function boundaryResults(headers: readonly string[], boundary: ReceivingBoundary): string | undefined {
  if (boundary.kind === 'topmost') return headers[0];
  return headers.find((h) => {
    const id = authservIdOf(h);
    return id !== undefined && boundary.authservIds.includes(id);
  });
}

/**
 * Why the mail's authentication does not prove that it comes from `fromDomain`, as authenticationProblems
 * says for the boundary's own header; its absence is a problem in itself.
 */
export function boundaryProblems(
  headers: readonly string[],
  fromDomain: string,
  boundary: ReceivingBoundary,
): string[] {
  const header = boundaryResults(headers, boundary);
  if (boundary.kind === 'relay' && !header?.trim())
    return [
      boundary.authservIds.length
        ? `It carries no Authentication-Results from our relay (${boundary.authservIds.join(', ')}), so its sender cannot be verified`
        : 'It came in over SMTP, and no relay is trusted to authenticate SMTP mail (SMTP_TRUSTED_AUTHSERV_ID), so its sender cannot be verified',
    ];
  return authenticationProblems(header, fromDomain);
}

export interface AuthResult {
  /** spf, dkim, dmarc, compauth, arc… */
  method: string;
  /** pass, fail, none, softfail, bestguesspass, temperror… */
  result: string;
  /** `header.d`, `header.from`, `smtp.mailfrom`, `header.i`… (lower-case keys). */
  props: Record<string, string>;
}

/** Comments like `(sender IP is 54.240.48.93)` out, nested ones too. */
function withoutComments(value: string): string {
  let out = value;
  for (let i = 0; i < 5 && /\([^()]*\)/.test(out); i++) out = out.replace(/\([^()]*\)/g, ' ');
  return out;
}

/**
 * Every `method=result` with its properties. Exchange Online writes no authserv-id
 * (`spf=pass … smtp.mailfrom=signin.aws; dkim=pass … header.d=signin.aws;dmarc=pass … header.from=signin.aws;
 * compauth=pass reason=100`); other servers start with one (`mx.google.com; dkim=pass header.i=@signin.aws`).
 */
export function parseAuthenticationResults(header: string): AuthResult[] {
  const results: AuthResult[] = [];
  for (const part of withoutComments(header).replace(/\s+/g, ' ').split(';')) {
    let current: AuthResult | undefined;
    for (const token of part.trim().split(' ')) {
      const pair = /^([a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)?)=(.*)$/i.exec(token);
      if (!pair) continue;
      const key = pair[1].toLowerCase();
      const value = pair[2].replace(/^"|"$/g, '').toLowerCase();
      if (!key.includes('.') && !current && value) {
        current = { method: key, result: value, props: {} };
        results.push(current);
      } else if (current && key.includes('.')) {
        current.props[key] = value;
      }
    }
  }
  return results;
}

function dkimDomainOf(result: AuthResult): string {
  return (result.props['header.d'] ?? result.props['header.i']?.replace(/^.*@/, '') ?? '').replace(/\.$/, '');
}

/**
 * Why the topmost Authentication-Results do not prove that the mail comes from `fromDomain`, one sentence each;
 * empty when they do. Proof is: DMARC pass for exactly that From domain, or Exchange's composite authentication
 * (`compauth=pass`) where DMARC did not fail; and, in every case, DKIM pass for a domain aligned with it (same
 * organisational domain). SPF never proves anything on its own: it names the envelope sender, not the From line.
 */
export function authenticationProblems(header: string | undefined, fromDomain: string): string[] {
  if (!header?.trim())
    return ['It carries no Authentication-Results from our mail gateway, so its sender cannot be verified'];
  const results = parseAuthenticationResults(header);
  const first = (method: string) => results.find((r) => r.method === method);
  const problems: string[] = [];

  const dmarc = first('dmarc');
  const compauth = first('compauth');
  const headerFrom = dmarc?.props['header.from'];
  if (headerFrom && headerFrom !== fromDomain)
    problems.push(`The gateway checked the sender ${headerFrom}, not the From domain ${fromDomain}`);
  const dmarcFailed = dmarc !== undefined && !['pass', 'none', 'bestguesspass'].includes(dmarc.result);
  if (dmarcFailed) {
    problems.push(
      `DMARC ${dmarc.result} for ${fromDomain}: the gateway could not confirm that ${fromDomain} sent it`,
    );
  } else if (dmarc?.result === 'pass' && !headerFrom) {
    problems.push('DMARC passed, but the result does not say for which sender domain');
  } else if (dmarc?.result !== 'pass' && compauth?.result !== 'pass') {
    const said = [dmarc && `DMARC ${dmarc.result}`, compauth && `compauth ${compauth.result}`].filter(
      Boolean,
    );
    problems.push(
      `Neither DMARC nor Exchange's composite authentication passed for ${fromDomain}` +
        (said.length ? ` (${said.join(', ')})` : ' (no result at all)'),
    );
  }

  const dkims = results.filter((r) => r.method === 'dkim');
  const passed = dkims.filter((r) => r.result === 'pass');
  if (!passed.some((r) => isAligned(dkimDomainOf(r), fromDomain))) {
    if (passed.length > 0) {
      const signers = [...new Set(passed.map(dkimDomainOf))].join(', ') || 'an unnamed domain';
      problems.push(`DKIM was signed by ${signers}, which does not belong to ${fromDomain}`);
    } else {
      const result = dkims[0]?.result ?? 'none';
      problems.push(
        result === 'none'
          ? 'It is not DKIM-signed (DKIM none), so nothing ties it to the From domain'
          : `DKIM ${result}: the signature of ${fromDomain} did not verify`,
      );
    }
    if (first('spf')?.result === 'pass')
      problems.push('SPF passed, but SPF alone never proves the sender shown in the From line');
  }
  return problems;
}
