/**
 * Client address ranges (CIDR, IPv4 and IPv6) as pure values: what SMTP_ALLOWED_CLIENTS lists, and whether a
 * connecting peer is inside. An IPv4 peer seen through an IPv6 socket (`::ffff:10.0.0.5`) is its IPv4 address.
 */

export interface AddressRange {
  family: 4 | 6;
  /** The network address as a number (32 or 128 bits) and the prefix length. */
  network: bigint;
  prefix: number;
  /** As the operator wrote it, for messages. */
  text: string;
}

/** The range, or what is wrong with the text. `10.0.0.5` alone is `10.0.0.5/32`, `2001:db8::1` is `/128`. */
export function parseRange(text: string): AddressRange | { problem: string } {
  const [address, prefixText, ...rest] = text.trim().split('/');
  const parsed = parseAddress(address ?? '');
  if (!parsed || rest.length > 0)
    return { problem: `${text} is not an IPv4 or IPv6 address range like 10.0.0.0/24 or 2001:db8::/48` };
  const bits = parsed.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(bits)) || prefix > bits)
    return { problem: `${text} has a prefix length outside 0–${bits}` };
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: parsed.family, network: parsed.value & mask, prefix, text: text.trim() };
}

export function isInRanges(address: string, ranges: readonly AddressRange[]): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  return ranges.some((range) => {
    if (range.family !== parsed.family) return false;
    const bits = range.family === 4 ? 32 : 128;
    const shift = BigInt(bits - range.prefix);
    return parsed.value >> shift === range.network >> shift;
  });
}

/** 127.0.0.0/8 and ::1: the only clients a listener on loopback can have. */
export const LOOPBACK_RANGES: readonly AddressRange[] = ['127.0.0.0/8', '::1/128'].map(
  (r) => parseRange(r) as AddressRange,
);

/** Whether a listener bound to `host` is reachable from this machine only. */
export function isLoopbackBinding(host: string): boolean {
  const bare = host.trim().replace(/^\[|\]$/g, '');
  return bare.toLowerCase() === 'localhost' || isInRanges(bare, LOOPBACK_RANGES);
}

function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const bare = text.trim().replace(/%[\w.-]+$/, ''); // an IPv6 zone (fe80::1%eth0) names an interface
  const v4 = parseIpv4(bare);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(bare);
  if (v6 === undefined) return undefined;
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket.
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255))
    return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-f:.]+$/i.test(text) || text.split('::').length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) out.push(parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const [head, tail] = text.split('::');
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}
