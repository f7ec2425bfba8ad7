import {
  isServedTenant,
  isTrustedServiceUrl,
  ServiceUrlPolicy,
  tenantsOfActivity,
} from '../domain/channelTrust';

/** What the gate needs to know: trusted service URLs, and the tenant of a single-tenant bot. */
export interface ActivityPolicy {
  serviceUrls: ServiceUrlPolicy;
  servedTenantId?: string;
}

export type GateVerdict =
  | { ok: true }
  | { ok: false; status: 400 | 403; detail: string; reason: 'malformed' | 'service-url' | 'tenant' };

/** What an HTTP header value may hold (Node refuses anything else as it sends the request). */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Sizes no Teams activity comes near; anything beyond is refused before botbuilder sees it. */
const LIMITS = {
  id: 1024,
  name: 512,
  text: 40_000,
  items: 500,
  depth: 32,
};

/**
 * The gate in front of the Bot Framework adapter: an activity must have the shape botbuilder and the bot rely
 * on (400 otherwise, instead of botbuilder's "conversationId cannot be null" as a 500), come with a trusted
 * serviceUrl (403: the bot would send its token and its answer there) and, for a single-tenant bot, from its
 * own tenant (403). Pure: it looks at the parsed body only.
 */
export function checkActivity(body: unknown, policy: ActivityPolicy): GateVerdict {
  const problem = shapeProblem(body);
  if (problem) return { ok: false, status: 400, reason: 'malformed', detail: problem };
  const activity = body as Record<string, unknown>;
  if (!isTrustedServiceUrl(activity.serviceUrl, policy.serviceUrls))
    return {
      ok: false,
      status: 403,
      reason: 'service-url',
      detail: 'The activity names a serviceUrl this bot does not send to.',
    };
  if (!isServedTenant(tenantsOfActivity(activity), policy.servedTenantId))
    return {
      ok: false,
      status: 403,
      reason: 'tenant',
      detail: 'This bot serves one tenant only, and the activity is not from it.',
    };
  return { ok: true };
}

/** The first thing wrong with the activity's shape, in words for the caller; undefined when it is fine. */
export function shapeProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'The body must be a Bot Framework activity as a JSON object.';
  if (depthOf(body) > LIMITS.depth) return `The activity is nested deeper than ${LIMITS.depth} levels.`;
  const a = body;
  if (!isText(a.type, 64)) return 'The activity has no "type"; every activity needs one (e.g. "message").';
  if (!isText(a.serviceUrl, 2048)) return 'The activity needs a "serviceUrl".';
  if (!isText(a.channelId, 64)) return 'The activity needs a "channelId".';
  for (const field of ['from', 'recipient', 'conversation'] as const) {
    const value = a[field];
    if (!isObject(value) || !isText(value.id, LIMITS.id))
      return `The activity needs "${field}" with an "id" of at most ${LIMITS.id} characters.`;
    for (const key of ['name', 'aadObjectId', 'tenantId', 'conversationType', 'role'])
      if (!optionalText(value[key], LIMITS.name))
        return `"${field}.${key}" must be a string of at most ${LIMITS.name} characters.`;
    // Copied into every reply: the Bot Connector client refuses to send what its schema does not allow.
    if (value.isGroup !== undefined && typeof value.isGroup !== 'boolean')
      return `"${field}.isGroup" must be true or false.`;
    if (value.properties !== undefined && !isObject(value.properties))
      return `"${field}.properties" must be an object.`;
  }
  // The reply's HTTP request carries the conversation id in a header (x-ms-conversation-id).
  if (!HEADER_SAFE.test((a.conversation as Record<string, string>).id))
    return '"conversation.id" has characters no conversation id has (control characters, or beyond Latin-1).';
  for (const key of ['id', 'replyToId', 'name', 'action', 'locale', 'textFormat', 'deliveryMode'])
    if (!optionalText(a[key], LIMITS.id))
      return `"${key}" must be a string of at most ${LIMITS.id} characters.`;
  if (!optionalText(a.text, LIMITS.text))
    return `"text" must be a string of at most ${LIMITS.text} characters.`;
  for (const key of ['timestamp', 'localTimestamp', 'expiration'])
    if (a[key] !== undefined && !(isText(a[key], 64) && !Number.isNaN(Date.parse(a[key] as string))))
      return `"${key}" must be a date and time (ISO 8601).`;
  for (const key of ['entities', 'attachments', 'membersAdded', 'membersRemoved', 'reactionsAdded'])
    if (a[key] !== undefined && !(Array.isArray(a[key]) && isListOfObjects(a[key] as unknown[])))
      return `"${key}" must be a list of at most ${LIMITS.items} objects.`;
  for (const key of ['membersAdded', 'membersRemoved'])
    if (Array.isArray(a[key]) && !(a[key] as Record<string, unknown>[]).every((m) => isText(m.id, LIMITS.id)))
      return `Every member in "${key}" needs an "id".`;
  if (a.channelData !== undefined) {
    if (!isObject(a.channelData)) return '"channelData" must be an object.';
    if (!optionalText(a.channelData.eventType, LIMITS.name))
      return '"channelData.eventType" must be a string.';
    for (const key of ['tenant', 'team', 'channel', 'settings', 'source'] as const) {
      const value = a.channelData[key];
      if (value === undefined) continue;
      if (!isObject(value) || !optionalText(value.id, LIMITS.id) || !optionalText(value.name, LIMITS.name))
        return `"channelData.${key}" must be an object with a string "id" and "name".`;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max;
}

function optionalText(value: unknown, max: number): boolean {
  return value === undefined || (typeof value === 'string' && value.length <= max);
}

function isListOfObjects(list: unknown[]): boolean {
  return list.length <= LIMITS.items && list.every(isObject);
}

/**
 * How deeply the JSON nests, counted without recursion (a hostile body must not blow the stack here), and
 * without a list of values per object (this runs on every activity).
 */
function depthOf(root: unknown): number {
  let deepest = 0;
  const nodes: object[] = [root as object];
  const depths: number[] = [1];
  while (nodes.length) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = depths.pop()!;
    if (depth > deepest) deepest = depth;
    if (deepest > LIMITS.depth) return deepest;
    for (const key in node) {
      const child = node[key];
      if (child !== null && typeof child === 'object') {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return deepest;
}
