import type { Request } from 'restify';
import { InvalidAddressInputError } from '../domain/addressErrors';

/** Reading what a caller sent, the same way in every route; what cannot be used is an InvalidAddressInputError. */

export function jsonBody(req: Request): Record<string, unknown> {
  const body = req.body as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body))
    throw new InvalidAddressInputError('Send a JSON object as the body (Content-Type: application/json).');
  return body as Record<string, unknown>;
}

export function stringField(
  body: Record<string, unknown>,
  name: string,
  required: boolean,
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new InvalidAddressInputError(`The field "${name}" is required.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new InvalidAddressInputError(`The field "${name}" must be a string.`);
  return value;
}

/** A query parameter as trimmed text (undefined when absent or empty), at most `max` characters. */
export function queryText(req: Request, name: string, max: number): string | undefined {
  const value = (req.query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidAddressInputError(`Give \`${name}\` once, as text.`);
  const text = value.trim();
  if (text.length > max) throw new InvalidAddressInputError(`\`${name}\` is longer than ${max} characters.`);
  return text || undefined;
}

/** The `{address}` path segment, decoded. */
export function pathAddress(req: Request): string {
  const raw = String(req.params?.address ?? '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
